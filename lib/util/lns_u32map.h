/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * A map from 32-bit keys to 32-bit values for the data plane's exact-match lookups
 * (inbound SPI -> SA, tunnel << 16 | session -> session, subscriber address ->
 * session). Open addressing with linear probing over one array of 8-byte slots
 * that each hold a key and its value together, at most half full: a lookup is a
 * CRC32-C, one cache line, and an inline compare. rte_hash, which it replaces on
 * those paths, spent about 150 instructions per 4-byte key (signature buckets, a
 * separate key store, a memcmp through a function pointer) and touched two or
 * three cache lines.
 *
 * Slots: key | value << 32; an empty slot is all ones, a deleted one keeps its key
 * with value LNS_U32MAP_TOMB, so values must be below LNS_U32MAP_TOMB.
 *
 * Thread-safety: one writer (the control lcore: create, add, del, reclaim, free);
 * any number of lock-free readers (lookup, lookup_bulk) registered with the RCU
 * variable given at creation. Every slot is written whole, with release order, so a
 * reader sees a key with its own value or not at all. No write ever empties a slot
 * that a live key's probe sequence passes through: a deleted key leaves a
 * tombstone, which a later add reuses, unless it ends a run, where it and the
 * tombstones before it become empty. When tombstones pile up the writer rebuilds
 * the table into a fresh array, publishes it, and frees the old one once every
 * reader has passed a quiescent state. Each array records the longest probe any
 * of its entries needs, so a lookup never probes further (a miss stays cheap even
 * among tombstones). As with rte_hash's lock-free mode, a reader may still find a
 * deleted key's value until its next quiescent report; the owner's own RCU
 * bookkeeping decides when that value may be reused.
 */
#ifndef LNS_U32MAP_H
#define LNS_U32MAP_H

#include <stdint.h>

#include <rte_common.h>
#include <rte_hash_crc.h>
#include <rte_prefetch.h>
#include <rte_rcu_qsbr.h>

#define LNS_U32MAP_NONE  UINT32_MAX         /**< lookup miss */
#define LNS_U32MAP_TOMB  (UINT32_MAX - 1)   /**< values must be below this */
#define LNS_U32MAP_EMPTY UINT64_MAX

/** One slot array (readers hold a pointer to it between quiescent reports). */
struct lns_u32map_tab {
	uint32_t mask;          /**< slots - 1 */
	uint32_t max_probe;     /**< longest displacement of any entry placed here */
	uint64_t slot[] __rte_cache_aligned;
};

struct lns_u32map {
	struct lns_u32map_tab *tab;     /**< current array (readers: acquire) */
	struct lns_u32map_tab *retired; /**< previous array, freed after a grace period */
	uint64_t retired_token;
	struct rte_rcu_qsbr *qsbr;      /**< NULL: no concurrent readers */
	uint32_t max_entries;
	uint32_t n_live;
	uint32_t n_tomb;
	int socket;
	uint64_t rebuilds;              /**< times the table was rebuilt without tombstones */
};

/**
 * A map for up to max_entries keys (slots: the power of two at or above twice
 * that, 16 at least), on a NUMA socket. qsbr: the readers' RCU variable, or NULL
 * when nothing reads concurrently. NULL on ENOMEM or max_entries > 2^30.
 */
struct lns_u32map *lns_u32map_create(uint32_t max_entries, int socket,
				     struct rte_rcu_qsbr *qsbr);
/** Free the map (no reader may use it any more). NULL is a no-op. */
void lns_u32map_free(struct lns_u32map *m);

/** Add key -> value. @return 0, -EEXIST (key present), -ENOSPC (max_entries keys),
 *  -EINVAL (value >= LNS_U32MAP_TOMB). */
int lns_u32map_add(struct lns_u32map *m, uint32_t key, uint32_t value);
/** Delete a key. @return 0 or -ENOENT. */
int lns_u32map_del(struct lns_u32map *m, uint32_t key);
/** Free a retired array whose grace period is over (add and del also do this). */
void lns_u32map_reclaim(struct lns_u32map *m);

static inline uint32_t
lns_u32map_slot0(const struct lns_u32map_tab *t, uint32_t key)
{
	return rte_hash_crc_4byte(key, 0x5bd1e995) & t->mask;
}

/* Probe t for key from slot i (its home). */
static inline uint32_t
lns_u32map_probe(const struct lns_u32map_tab *t, uint32_t key, uint32_t i)
{
	uint32_t left = __atomic_load_n(&t->max_probe, __ATOMIC_ACQUIRE) + 1;

	do {
		uint64_t s = __atomic_load_n(&t->slot[i], __ATOMIC_ACQUIRE);

		if ((uint32_t)s == key && (uint32_t)(s >> 32) < LNS_U32MAP_TOMB)
			return (uint32_t)(s >> 32);
		if (s == LNS_U32MAP_EMPTY)
			break;
		i = (i + 1) & t->mask;
	} while (--left != 0);
	return LNS_U32MAP_NONE;
}

/** Value of key, or LNS_U32MAP_NONE. Any thread (see the file comment). */
static inline uint32_t
lns_u32map_lookup(const struct lns_u32map *m, uint32_t key)
{
	const struct lns_u32map_tab *t = __atomic_load_n(&m->tab, __ATOMIC_ACQUIRE);

	return lns_u32map_probe(t, key, lns_u32map_slot0(t, key));
}

/**
 * Values of n keys into val[] (LNS_U32MAP_NONE for a miss): every home slot is
 * prefetched before the first is read, so the cache misses of a burst overlap.
 * val must not overlap key (it holds the home slots in between).
 */
static inline void
lns_u32map_lookup_bulk(const struct lns_u32map *m, const uint32_t *key, unsigned int n,
		       uint32_t *val)
{
	const struct lns_u32map_tab *t = __atomic_load_n(&m->tab, __ATOMIC_ACQUIRE);

	for (unsigned int i = 0; i < n; i++) {
		val[i] = lns_u32map_slot0(t, key[i]);
		rte_prefetch0(&t->slot[val[i]]);
	}
	for (unsigned int i = 0; i < n; i++)
		val[i] = lns_u32map_probe(t, key[i], val[i]);
}

/** Keys in the map. Writer. */
static inline uint32_t
lns_u32map_count(const struct lns_u32map *m)
{
	return m->n_live;
}

#endif /* LNS_U32MAP_H */
