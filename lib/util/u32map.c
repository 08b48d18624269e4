/* SPDX-License-Identifier: BSD-3-Clause */
/* The 32-bit exact-match map: the writer's side (lns_u32map.h has the design). */
#include <errno.h>
#include <string.h>

#include <rte_malloc.h>

#include "lns_u32map.h"

#define SLOT(key, val) ((uint64_t)(val) << 32 | (key))
#define S_KEY(s)       ((uint32_t)(s))
#define S_VAL(s)       ((uint32_t)((s) >> 32))

static struct lns_u32map_tab *
tab_alloc(uint32_t slots, int socket)
{
	struct lns_u32map_tab *t = rte_malloc_socket("lns_u32map", sizeof(*t) +
						     (size_t)slots * sizeof(uint64_t),
						     RTE_CACHE_LINE_SIZE, socket);

	if (t == NULL)
		return NULL;
	t->mask = slots - 1;
	t->max_probe = 0;
	memset(t->slot, 0xff, (size_t)slots * sizeof(uint64_t));   /* all empty */
	return t;
}

struct lns_u32map *
lns_u32map_create(uint32_t max_entries, int socket, struct rte_rcu_qsbr *qsbr)
{
	struct lns_u32map *m;
	uint32_t slots = 16;

	if (max_entries > (1u << 30))
		return NULL;
	while (slots < 2 * max_entries)
		slots <<= 1;
	m = rte_zmalloc_socket("lns_u32map", sizeof(*m), 0, socket);
	if (m == NULL)
		return NULL;
	m->tab = tab_alloc(slots, socket);
	if (m->tab == NULL) {
		rte_free(m);
		return NULL;
	}
	m->qsbr = qsbr;
	m->max_entries = max_entries;
	m->socket = socket;
	return m;
}

void
lns_u32map_free(struct lns_u32map *m)
{
	if (m == NULL)
		return;
	rte_free(m->retired);
	rte_free(m->tab);
	rte_free(m);
}

void
lns_u32map_reclaim(struct lns_u32map *m)
{
	if (m->retired != NULL &&
	    (m->qsbr == NULL || rte_rcu_qsbr_check(m->qsbr, m->retired_token, false) == 1)) {
		rte_free(m->retired);
		m->retired = NULL;
	}
}

/* Place a slot value in t at the first empty or deleted slot of its key's probe
 * sequence (the caller knows the key is absent), raising max_probe first so that
 * a reader who sees the entry also probes far enough to reach it.
 * @return 1 when it reused a tombstone. */
static int
place(struct lns_u32map_tab *t, uint64_t sv)
{
	uint32_t i = lns_u32map_slot0(t, S_KEY(sv)), d = 0;
	uint64_t s;

	for (;; d++, i = (i + 1) & t->mask) {
		s = t->slot[i];
		if (s == LNS_U32MAP_EMPTY || S_VAL(s) == LNS_U32MAP_TOMB)
			break;
	}
	if (d > t->max_probe)
		__atomic_store_n(&t->max_probe, d, __ATOMIC_RELEASE);
	__atomic_store_n(&t->slot[i], sv, __ATOMIC_RELEASE);
	return s != LNS_U32MAP_EMPTY;
}

/*
 * Copy the live entries into a fresh array without tombstones and publish it;
 * the old one is freed once every reader has passed a quiescent state. Skipped
 * (nothing is lost, probes are only longer) while the last one still waits, or
 * when memory is short.
 */
static void
rebuild(struct lns_u32map *m)
{
	struct lns_u32map_tab *old = m->tab, *t;

	lns_u32map_reclaim(m);
	if (m->retired != NULL)
		return;
	t = tab_alloc(old->mask + 1, m->socket);
	if (t == NULL)
		return;
	for (uint32_t i = 0; i <= old->mask; i++) {
		uint64_t s = old->slot[i];

		if (s != LNS_U32MAP_EMPTY && S_VAL(s) != LNS_U32MAP_TOMB)
			place(t, s);
	}
	__atomic_store_n(&m->tab, t, __ATOMIC_RELEASE);
	m->n_tomb = 0;
	m->rebuilds++;
	if (m->qsbr == NULL) {
		rte_free(old);
		return;
	}
	m->retired = old;
	m->retired_token = rte_rcu_qsbr_start(m->qsbr);
}

/* Tombstones past a quarter of the slots make misses probe long runs. */
static void
maybe_rebuild(struct lns_u32map *m)
{
	if (m->n_tomb > (m->tab->mask + 1) / 4)
		rebuild(m);
	else
		lns_u32map_reclaim(m);
}

/* Slot index of a live key in t, or -1. */
static int64_t
find(const struct lns_u32map_tab *t, uint32_t key)
{
	uint32_t i = lns_u32map_slot0(t, key);

	/* No entry lies further than max_probe from its home. */
	for (uint32_t d = 0; d <= t->max_probe; d++, i = (i + 1) & t->mask) {
		uint64_t s = t->slot[i];

		if (s == LNS_U32MAP_EMPTY)
			break;
		if (S_KEY(s) == key && S_VAL(s) != LNS_U32MAP_TOMB)
			return i;
	}
	return -1;
}

int
lns_u32map_add(struct lns_u32map *m, uint32_t key, uint32_t value)
{
	if (value >= LNS_U32MAP_TOMB)
		return -EINVAL;
	if (find(m->tab, key) >= 0)
		return -EEXIST;
	if (m->n_live >= m->max_entries)
		return -ENOSPC;
	if (place(m->tab, SLOT(key, value)))
		m->n_tomb--;
	m->n_live++;
	maybe_rebuild(m);
	return 0;
}

int
lns_u32map_del(struct lns_u32map *m, uint32_t key)
{
	struct lns_u32map_tab *t = m->tab;
	int64_t at = find(t, key);
	uint32_t i;

	if (at < 0)
		return -ENOENT;
	i = (uint32_t)at;
	if (t->slot[(i + 1) & t->mask] != LNS_U32MAP_EMPTY) {
		/* inside a run: later keys may probe through this slot */
		__atomic_store_n(&t->slot[i], SLOT(key, LNS_U32MAP_TOMB), __ATOMIC_RELEASE);
		m->n_tomb++;
	} else {
		/* the run ends here, so no probe passes this slot, nor a tombstone
		 * just before it: those become empty too */
		__atomic_store_n(&t->slot[i], LNS_U32MAP_EMPTY, __ATOMIC_RELEASE);
		for (i = (i - 1) & t->mask; S_VAL(t->slot[i]) == LNS_U32MAP_TOMB;
		     i = (i - 1) & t->mask) {
			__atomic_store_n(&t->slot[i], LNS_U32MAP_EMPTY, __ATOMIC_RELEASE);
			m->n_tomb--;
		}
	}
	m->n_live--;
	maybe_rebuild(m);
	return 0;
}
