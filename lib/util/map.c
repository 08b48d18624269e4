/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control plane's hash map (lns_map.h): chained buckets of intrusive nodes,
 * SipHash-2-4 under a per-map random key, growth by doubling, walks that survive
 * deletions.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "lns_map.h"

#define MAP_MIN_BUCKETS 16u
#define MAP_KEY_MAX     64u

/* A walk in progress: the node it visits next, kept right when that node goes. */
struct lns_map_walk {
	struct lns_map_walk *up;
	struct lns_map_node *next;
};

/* ------------------------------------------------------------ SipHash --- */

static inline uint64_t
rotl(uint64_t x, unsigned int b)
{
	return (x << b) | (x >> (64 - b));
}

static inline uint64_t
le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

#define SIPROUND(v0, v1, v2, v3) do {                                    \
	v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32);        \
	v2 += v3; v3 = rotl(v3, 16); v3 ^= v2;                           \
	v0 += v3; v3 = rotl(v3, 21); v3 ^= v0;                           \
	v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32);        \
} while (0)

uint64_t
lns_siphash24(const void *data, size_t len, const uint8_t key[16])
{
	const uint8_t *p = data;
	uint64_t k0 = le64(key), k1 = le64(key + 8);
	uint64_t v0 = k0 ^ 0x736f6d6570736575ULL, v1 = k1 ^ 0x646f72616e646f6dULL;
	uint64_t v2 = k0 ^ 0x6c7967656e657261ULL, v3 = k1 ^ 0x7465646279746573ULL;
	uint64_t m, last = (uint64_t)len << 56;
	size_t whole = len & ~(size_t)7;

	for (size_t i = 0; i < whole; i += 8) {
		m = le64(p + i);
		v3 ^= m;
		SIPROUND(v0, v1, v2, v3);
		SIPROUND(v0, v1, v2, v3);
		v0 ^= m;
	}
	for (size_t i = whole; i < len; i++)
		last |= (uint64_t)p[i] << (8 * (i - whole));
	v3 ^= last;
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	v0 ^= last;
	v2 ^= 0xff;
	for (int r = 0; r < 4; r++)
		SIPROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

static uint64_t
sip_default(const void *key, uint32_t len, const uint8_t seed[16])
{
	return lns_siphash24(key, len, seed);
}

/* ---------------------------------------------------------------- map --- */

static uint32_t
pow2_ceil(uint32_t n, uint32_t cap)
{
	uint32_t b = MAP_MIN_BUCKETS;

	while (b < n && b < cap)
		b <<= 1;
	return b;
}

int
lns_map_init(struct lns_map *m, const struct lns_map_params *p)
{
	uint32_t nb;

	memset(m, 0, sizeof(*m));
	if (p == NULL || p->key_len == 0 || p->key_len > MAP_KEY_MAX || p->max == 0)
		return -EINVAL;
	m->key_len = p->key_len;
	m->key_off = p->key_off;
	m->max = p->max;
	m->multi = p->multi;
	m->hash = p->hash != NULL ? p->hash : sip_default;
	/* at most one bucket per record allowed, and no more than 2^31 buckets */
	m->max_buckets = pow2_ceil(p->max, 1u << 31);
	if (p->seed != NULL) {
		memcpy(m->seed, p->seed, sizeof(m->seed));
	} else {
		size_t got = 0;

		while (got < sizeof(m->seed)) {
			ssize_t r = getrandom(m->seed + got, sizeof(m->seed) - got, 0);

			if (r < 0) {
				if (errno == EINTR)
					continue;
				return -errno;
			}
			got += (size_t)r;
		}
	}
	nb = pow2_ceil(p->init < p->max ? p->init : p->max, m->max_buckets);
	m->b = calloc(nb, sizeof(*m->b));
	if (m->b == NULL)
		return -ENOMEM;
	m->mask = nb - 1;
	return 0;
}

void
lns_map_fini(struct lns_map *m)
{
	free(m->b);
	m->b = NULL;
	m->n = 0;
	memset(m->seed, 0, sizeof(m->seed));
}

uint64_t
lns_map_hash(const struct lns_map *m, const void *key)
{
	return m->hash(key, m->key_len, m->seed);
}

static inline bool
same_key(const struct lns_map *m, const struct lns_map_node *n, uint64_t h, const void *key)
{
	return n->hash == h && memcmp(lns_map_key(m, n), key, m->key_len) == 0;
}

static void
grow(struct lns_map *m)
{
	uint32_t nb = (m->mask + 1) * 2;
	struct lns_map_node **b;

	if (nb > m->max_buckets || m->walks != NULL)
		return;
	b = calloc(nb, sizeof(*b));
	if (b == NULL) {
		m->grow_failed++;       /* keep working with longer chains */
		return;
	}
	for (uint32_t i = 0; i <= m->mask; i++) {
		struct lns_map_node *n = m->b[i], *next;

		for (; n != NULL; n = next) {
			uint32_t j = (uint32_t)n->hash & (nb - 1);

			next = n->next;
			n->next = b[j];
			b[j] = n;
		}
	}
	free(m->b);
	m->b = b;
	m->mask = nb - 1;
}

int
lns_map_add(struct lns_map *m, struct lns_map_node *n)
{
	const void *key = lns_map_key(m, n);
	uint64_t h = m->hash(key, m->key_len, m->seed);
	struct lns_map_node **head;

	if (!m->multi)
		for (const struct lns_map_node *o = m->b[(uint32_t)h & m->mask]; o; o = o->next)
			if (same_key(m, o, h, key))
				return -EEXIST;
	if (m->n >= m->max)
		return -ENOSPC;
	if (m->n >= m->mask + 1)
		grow(m);
	head = &m->b[(uint32_t)h & m->mask];
	n->hash = h;
	n->next = *head;
	*head = n;
	m->n++;
	return 0;
}

void
lns_map_del(struct lns_map *m, struct lns_map_node *n)
{
	struct lns_map_node **pp;

	if (m->b == NULL)
		return;         /* never initialised (a creator's failure path) */
	pp = &m->b[(uint32_t)n->hash & m->mask];
	for (; *pp != NULL; pp = &(*pp)->next) {
		if (*pp != n)
			continue;
		*pp = n->next;
		m->n--;
		for (struct lns_map_walk *w = m->walks; w != NULL; w = w->up)
			if (w->next == n)
				w->next = n->next;
		n->next = NULL;
		return;
	}
}

struct lns_map_node *
lns_map_find(const struct lns_map *m, const void *key)
{
	uint64_t h = m->hash(key, m->key_len, m->seed);
	struct lns_map_node *n = m->b[(uint32_t)h & m->mask];

	while (n != NULL && !same_key(m, n, h, key))
		n = n->next;
	return n;
}

struct lns_map_node *
lns_map_find_next(const struct lns_map *m, const struct lns_map_node *n)
{
	const void *key = lns_map_key(m, n);
	uint64_t h = n->hash;

	for (n = n->next; n != NULL; n = n->next)
		if (same_key(m, n, h, key))
			return (struct lns_map_node *)(uintptr_t)n;
	return NULL;
}

int
lns_map_walk(struct lns_map *m, int (*fn)(struct lns_map_node *n, void *arg), void *arg)
{
	struct lns_map_walk w = { .up = m->walks, .next = NULL };
	int rc = 0;

	if (m->b == NULL)
		return 0;
	m->walks = &w;
	for (uint32_t i = 0; i <= m->mask && rc == 0; i++) {
		struct lns_map_node *n = m->b[i];

		while (n != NULL) {
			w.next = n->next;
			rc = fn(n, arg);
			if (rc != 0)
				break;
			n = w.next;
		}
	}
	m->walks = w.up;
	while (m->walks == NULL && m->n > m->mask + 1 && m->mask + 1 < m->max_buckets) {
		uint32_t before = m->mask;

		grow(m);                /* adds the walk deferred */
		if (m->mask == before)
			break;
	}
	return rc;
}

uint32_t
lns_map_longest_chain(const struct lns_map *m)
{
	uint32_t longest = 0;

	for (uint32_t i = 0; i <= m->mask; i++) {
		uint32_t len = 0;

		for (const struct lns_map_node *n = m->b[i]; n != NULL; n = n->next)
			len++;
		if (len > longest)
			longest = len;
	}
	return longest;
}
