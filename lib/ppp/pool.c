/* SPDX-License-Identifier: BSD-3-Clause */
/* Address pools: see lns_pool.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lns_pool.h"

#define NIL UINT32_MAX

struct pool {
	char name[LNS_CONF_NAME_MAX];
	uint32_t first, n;              /* host order */
	uint32_t head, tail, avail;     /* FIFO of free offsets */
	uint32_t *next, *prev;
	uint8_t *used;
};

struct lns_pools {
	struct pool p[LNS_CONF_MAX_POOLS];
	uint16_t n;
	/* addresses outside every pool in use (static users): open addressing,
	 * linear probing, deletion by backward shift so no tombstones pile up */
	uint32_t *ext;                  /* host order; 0 = empty (0.0.0.0 is never used) */
	uint32_t ext_mask, ext_count;
};

static void
pool_free_mem(struct pool *q)
{
	free(q->next);
	free(q->prev);
	free(q->used);
}

void
lns_pools_free(struct lns_pools *ps)
{
	if (!ps)
		return;
	for (uint16_t i = 0; i < ps->n; i++)
		pool_free_mem(&ps->p[i]);
	free(ps->ext);
	free(ps);
}

/* Pools of `conf` with memory and no free list yet (every offset unlinked, unused). */
static struct lns_pools *
pools_alloc(const struct lns_conf *conf)
{
	struct lns_pools *ps = calloc(1, sizeof(*ps));

	if (!ps)
		return NULL;
	for (uint16_t i = 0; i < conf->ppp.n_pools; i++) {
		const struct lns_pool_conf *c = &conf->ppp.pools[i];
		struct pool *q = &ps->p[i];
		uint32_t f = ntohl(c->first), l = ntohl(c->last);

		if (l < f || (uint64_t)l - f + 1 > UINT32_MAX - 1)
			goto fail;
		memcpy(q->name, c->name, sizeof(q->name));
		q->first = f;
		q->n = l - f + 1;
		q->next = malloc(sizeof(uint32_t) * q->n);
		q->prev = malloc(sizeof(uint32_t) * q->n);
		q->used = calloc(q->n, 1);
		ps->n = (uint16_t)(i + 1);
		if (!q->next || !q->prev || !q->used)
			goto fail;
		q->head = q->tail = NIL;
		q->avail = 0;
	}
	ps->ext_mask = 63;
	ps->ext = calloc(ps->ext_mask + 1, sizeof(uint32_t));
	if (!ps->ext)
		goto fail;
	return ps;
fail:
	lns_pools_free(ps);
	return NULL;
}

struct lns_pools *
lns_pools_create(const struct lns_conf *conf)
{
	struct lns_pools *ps = pools_alloc(conf);

	if (!ps)
		return NULL;
	for (uint16_t i = 0; i < ps->n; i++) {
		struct pool *q = &ps->p[i];

		for (uint32_t k = 0; k < q->n; k++) {
			q->next[k] = k + 1 < q->n ? k + 1 : NIL;
			q->prev[k] = k ? k - 1 : NIL;
		}
		q->head = 0;
		q->tail = q->n - 1;
		q->avail = q->n;
	}
	return ps;
}

int
lns_pools_find(const struct lns_pools *ps, const char *name)
{
	/* at most LNS_CONF_MAX_POOLS (64) names: bounded, not a scan at scale */
	for (uint16_t i = 0; i < ps->n; i++)
		if (strcmp(ps->p[i].name, name) == 0)
			return i;
	return -ENOENT;
}

static struct pool *
pool_of(struct lns_pools *ps, uint32_t h, uint32_t *off)
{
	for (uint16_t i = 0; i < ps->n; i++) {   /* at most 64 ranges */
		struct pool *q = &ps->p[i];

		if (h >= q->first && h - q->first < q->n) {
			*off = h - q->first;
			return q;
		}
	}
	return NULL;
}

static void
unlink_free(struct pool *q, uint32_t k)
{
	if (q->prev[k] != NIL)
		q->next[q->prev[k]] = q->next[k];
	else
		q->head = q->next[k];
	if (q->next[k] != NIL)
		q->prev[q->next[k]] = q->prev[k];
	else
		q->tail = q->prev[k];
	q->used[k] = 1;
	q->avail--;
}

int
lns_pools_alloc(struct lns_pools *ps, int idx, uint32_t *addr)
{
	struct pool *q;
	uint32_t k;

	if (idx < 0 || idx >= ps->n)
		return -EINVAL;
	q = &ps->p[idx];
	if (!q->avail)
		return -ENOSPC;
	k = q->head;
	unlink_free(q, k);
	*addr = htonl(q->first + k);
	return 0;
}

static uint32_t
ext_hash(uint32_t h)
{
	return (h * 2654435761u) >> 7;
}

static int
ext_grow(struct lns_pools *ps)
{
	uint32_t nm = ps->ext_mask * 2 + 1;
	uint32_t *n = calloc(nm + 1, sizeof(uint32_t));

	if (!n)
		return -ENOMEM;
	for (uint32_t i = 0; i <= ps->ext_mask; i++) {
		uint32_t v = ps->ext[i], j;

		if (!v)
			continue;
		for (j = ext_hash(v) & nm; n[j]; j = (j + 1) & nm)
			;
		n[j] = v;
	}
	free(ps->ext);
	ps->ext = n;
	ps->ext_mask = nm;
	return 0;
}

static int
ext_add(struct lns_pools *ps, uint32_t h)
{
	uint32_t i;

	if ((ps->ext_count + 1) * 2 > ps->ext_mask + 1 && ext_grow(ps) < 0)
		return -ENOMEM;
	for (i = ext_hash(h) & ps->ext_mask; ps->ext[i]; i = (i + 1) & ps->ext_mask)
		if (ps->ext[i] == h)
			return -EEXIST;
	ps->ext[i] = h;
	ps->ext_count++;
	return 0;
}

static int
ext_del(struct lns_pools *ps, uint32_t h)
{
	uint32_t m = ps->ext_mask, i, j;

	for (i = ext_hash(h) & m; ps->ext[i] != h; i = (i + 1) & m)
		if (!ps->ext[i])
			return -ENOENT;
	/* backward-shift deletion keeps every probe chain unbroken */
	for (j = (i + 1) & m; ps->ext[j]; j = (j + 1) & m) {
		uint32_t home = ext_hash(ps->ext[j]) & m;

		if (((j - home) & m) >= ((j - i) & m)) {
			ps->ext[i] = ps->ext[j];
			i = j;
		}
	}
	ps->ext[i] = 0;
	ps->ext_count--;
	return 0;
}

int
lns_pools_reserve(struct lns_pools *ps, uint32_t addr)
{
	uint32_t h = ntohl(addr), k;
	struct pool *q = pool_of(ps, h, &k);

	if (!q)
		return h ? ext_add(ps, h) : -EINVAL;
	if (q->used[k])
		return -EEXIST;
	unlink_free(q, k);
	return 0;
}

int
lns_pools_release(struct lns_pools *ps, uint32_t addr)
{
	uint32_t h = ntohl(addr), k;
	struct pool *q = pool_of(ps, h, &k);

	if (!q)
		return h ? ext_del(ps, h) : -ENOENT;
	if (!q->used[k])
		return -ENOENT;
	/* to the tail: reused as late as possible */
	q->used[k] = 0;
	q->next[k] = NIL;
	q->prev[k] = q->tail;
	if (q->tail != NIL)
		q->next[q->tail] = k;
	else
		q->head = k;
	q->tail = k;
	q->avail++;
	return 0;
}

uint32_t
lns_pools_available(const struct lns_pools *ps, int idx)
{
	return idx >= 0 && idx < ps->n ? ps->p[idx].avail : 0;
}

/* Put free offset k at the tail of q's free list. */
static void
link_tail(struct pool *q, uint32_t k)
{
	q->next[k] = NIL;
	q->prev[k] = q->tail;
	if (q->tail != NIL)
		q->next[q->tail] = k;
	else
		q->head = k;
	q->tail = k;
	q->avail++;
}

/* Mark h in use in ps, before any free list is built. */
static int
carry_in_use(struct lns_pools *ps, uint32_t h)
{
	uint32_t k;
	struct pool *q = pool_of(ps, h, &k);

	if (!q)
		return ext_add(ps, h);
	q->used[k] = 1;
	return 0;
}

struct lns_pools *
lns_pools_rebuild(const struct lns_pools *old, const struct lns_conf *conf)
{
	struct lns_pools *ps = pools_alloc(conf);
	uint8_t *seen = NULL;

	if (!ps)
		return NULL;
	/* 1. every address in use stays in use (a scan of the old pools: a reload
	 *    is rare and control-plane only; a /8 is 16 MiB of flags) */
	for (uint16_t i = 0; i < old->n; i++) {
		const struct pool *o = &old->p[i];

		for (uint32_t k = 0; k < o->n; k++)
			if (o->used[k] && carry_in_use(ps, o->first + k) < 0)
				goto fail;
	}
	for (uint32_t i = 0; i <= old->ext_mask; i++)
		if (old->ext[i] && carry_in_use(ps, old->ext[i]) < 0)
			goto fail;
	for (uint16_t i = 0; i < ps->n; i++) {
		struct pool *q = &ps->p[i];
		uint32_t qe = q->first + (q->n - 1);

		/* 2. addresses no old pool had: fresh, handed out first */
		seen = calloc(q->n, 1);
		if (!seen)
			goto fail;
		for (uint16_t j = 0; j < old->n; j++) {
			const struct pool *o = &old->p[j];
			uint32_t oe = o->first + (o->n - 1);
			uint32_t lo = o->first > q->first ? o->first : q->first;
			uint32_t hi = oe < qe ? oe : qe;

			if (lo <= hi)
				memset(seen + (lo - q->first), 1, (size_t)(hi - lo) + 1);
		}
		for (uint32_t k = 0; k < q->n; k++)
			if (!seen[k] && !q->used[k])
				link_tail(q, k);
		free(seen);
		seen = NULL;
	}
	/* 3. then the old free lists, oldest first, for the addresses still pooled */
	for (uint16_t i = 0; i < old->n; i++) {
		const struct pool *o = &old->p[i];
		struct pool *q = NULL;

		for (uint32_t k = o->head; k != NIL; k = o->next[k]) {
			uint32_t h = o->first + k, nk;

			/* runs of one old pool mostly fall in one new pool */
			if (q && h >= q->first && h - q->first < q->n)
				nk = h - q->first;
			else if (!(q = pool_of(ps, h, &nk)))
				continue;       /* not pooled any more: never handed out */
			link_tail(q, nk);
		}
	}
	return ps;
fail:
	free(seen);
	lns_pools_free(ps);
	return NULL;
}
