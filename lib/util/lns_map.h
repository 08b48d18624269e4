/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The control plane's hash map: intrusive, chained, keyed by fixed-size byte
 * strings compared with memcmp.
 *
 * The caller embeds a struct lns_map_node in its record and keeps the key in the
 * same record, at a fixed offset from the node (key_off, may be negative): an add
 * never allocates, a record can sit in several maps at once (IKE indexes an
 * ISAKMP SA by cookie, connection and peer), and deleting a record the caller
 * holds needs no lookup of its key. A map may be unique (add refuses a second
 * record with the same key) or multi (records with equal keys are all kept and
 * found one after the other).
 *
 * Keys such as IKE cookies, peer addresses and L2TP tunnel ids come from the wire,
 * so the hash is SipHash-2-4 (Aumasson and Bernstein, 2012) under a 128-bit key
 * drawn from getrandom(2) for each map: an attacker who does not know it cannot
 * aim many keys at one chain. Each node keeps its 64-bit hash, so a lookup
 * compares keys only where the hashes agree and growing never hashes again.
 *
 * Size: the bucket array doubles when the records outnumber the buckets, so a
 * chain holds about one record on average; insert, find and delete are O(1) on
 * average. `max` bounds the records: an add beyond it fails with -ENOSPC. When a
 * bigger bucket array cannot be allocated the map keeps working with longer chains.
 *
 * Iteration: lns_map_walk() calls a function for every record; that function may
 * delete any record (the one it was given or others) and add records (which the
 * walk may or may not visit; the map does not grow until the outermost walk ends).
 *
 * Thread-safety: none; one owner (the control lcore). The data path has its own
 * lock-free lns_u32map.
 */
#ifndef LNS_MAP_H
#define LNS_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Embedded in the caller's record; opaque to it. */
struct lns_map_node {
	struct lns_map_node *next;
	uint64_t hash;
};

/** The record that holds node n as its member m (NULL stays NULL). */
#define LNS_MAP_ENTRY(n, T, m) \
	((n) != NULL ? (T *)(void *)((char *)(n) - offsetof(T, m)) : (T *)NULL)

/** Hash function override: only for tests and keys nobody outside chooses. */
typedef uint64_t (*lns_map_hash_fn)(const void *key, uint32_t len, const uint8_t seed[16]);

struct lns_map_params {
	uint32_t key_len;     /**< bytes of key, 1..64 (padding bytes must be zeroed) */
	ptrdiff_t key_off;    /**< key address minus node address in each record */
	uint32_t init;        /**< records to size the bucket array for at start */
	uint32_t max;         /**< most records the map will hold (> 0) */
	bool multi;           /**< allow records with equal keys */
	const uint8_t *seed;  /**< 16 bytes of hash key; NULL: random (getrandom) */
	lns_map_hash_fn hash; /**< NULL: SipHash-2-4 */
};

struct lns_map_walk;

struct lns_map {
	struct lns_map_node **b;       /**< buckets */
	uint32_t mask;                 /**< buckets - 1 */
	uint32_t n;                    /**< records */
	uint32_t max;
	uint32_t max_buckets;
	uint32_t key_len;
	ptrdiff_t key_off;
	bool multi;
	lns_map_hash_fn hash;
	struct lns_map_walk *walks;    /**< walks in progress, innermost first */
	uint8_t seed[16];
	uint64_t grow_failed;          /**< bucket arrays that could not be allocated */
};

/** Set up an empty map. @return 0, -EINVAL (bad params), -ENOMEM, or getrandom's -errno. */
int lns_map_init(struct lns_map *m, const struct lns_map_params *p);

/** Release the bucket array; the records are the caller's (walk and free them first). */
void lns_map_fini(struct lns_map *m);

/** SipHash-2-4 (64-bit output) of len bytes under a 16-byte key. */
uint64_t lns_siphash24(const void *data, size_t len, const uint8_t key[16]);

/** The hash the map gives a key (tests use it to build collisions). */
uint64_t lns_map_hash(const struct lns_map *m, const void *key);

/**
 * Add a record whose key is already in place.
 * @return 0, -EEXIST (unique map, key present), or -ENOSPC (max records reached).
 */
int lns_map_add(struct lns_map *m, struct lns_map_node *n);

/** Remove a record that is in the map (a record not in it is left alone). */
void lns_map_del(struct lns_map *m, struct lns_map_node *n);

/** The first record with this key, or NULL. */
struct lns_map_node *lns_map_find(const struct lns_map *m, const void *key);

/** The next record with the same key as n (multi maps), or NULL. n must be in the map. */
struct lns_map_node *lns_map_find_next(const struct lns_map *m, const struct lns_map_node *n);

/** Records in the map. */
static inline uint32_t
lns_map_count(const struct lns_map *m)
{
	return m->n;
}

/** Address of a record's key. */
static inline const void *
lns_map_key(const struct lns_map *m, const struct lns_map_node *n)
{
	return (const char *)n + m->key_off;
}

/**
 * Call fn for every record, in no particular order, until it returns non-zero.
 * fn may delete any record and add records (see the file comment).
 * @return the first non-zero value fn returned, or 0.
 */
int lns_map_walk(struct lns_map *m, int (*fn)(struct lns_map_node *n, void *arg), void *arg);

/** Longest chain (O(buckets); for tests and diagnostics). */
uint32_t lns_map_longest_chain(const struct lns_map *m);

/** Buckets in use by the array now. */
static inline uint32_t
lns_map_buckets(const struct lns_map *m)
{
	return m->mask + 1;
}

#endif
