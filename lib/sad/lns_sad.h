/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * SA database: the data plane's table of IPsec SAs.
 *
 * Every SA (one direction) has a handle, an index into a hot array that workers read.
 * Inbound SAs are also found by SPI through a lock-free-read map (lns_u32map.h).
 * SAs are added in pairs (inbound + outbound) owned by one "IPsec connection" id.
 *
 * Removal is two steps (DESIGN.md "Tables"):
 * 1. lns_sad_drop(): an atomic state flip of both directions. From the workers' next
 *    burst no packet is decrypted or encrypted with them; packets that still arrive
 *    on the SPI find the entry DROPPED and are counted as such.
 * 2. lns_sad_reclaim(), called regularly by control: after a hold-down (so that
 *    packets still arriving on the SPI keep being counted as "SA dropped" rather than
 *    "unknown SPI", e.g. for a tunnel's destruct period) and once every worker has
 *    passed a quiescent state (rte_rcu_qsbr), the SPI leaves the map; after a second
 *    grace period the crypto state is wiped and freed and the handle returns.
 *
 * Thread-safety: lns_sad_create/add/drop/reclaim/free and the iteration run on the
 * control lcore only. lns_sad_lookup(), lns_sad_lookup_bulk() and lns_sad_get() may
 * run on any worker registered with the RCU variable given at creation, between
 * quiescent reports.
 */
#ifndef LNS_SAD_H
#define LNS_SAD_H

#include <stdint.h>

#include <rte_common.h>

#include "lns_esp.h"
#include "lns_u32map.h"

struct rte_rcu_qsbr;

#define LNS_SAD_NONE UINT32_MAX     /**< no handle */

enum lns_sad_state {
	LNS_SAD_FREE = 0,           /**< slot unused */
	LNS_SAD_ACTIVE,             /**< usable */
	LNS_SAD_DROPPED,            /**< dropped: packets on it are counted drops */
};

/** Hot part of one SA, read by workers. One cache line. */
struct lns_sad_entry {
	struct lns_esp_sa *esp;     /**< crypto state (lib/esp) */
	uint32_t state;             /**< enum lns_sad_state, atomic */
	uint32_t conn;              /**< owning IPsec connection id */
	uint32_t pair;              /**< handle of the other direction */
	uint32_t spi;               /**< host byte order */
	uint32_t peer;              /**< peer's outer IPv4 address, network order */
	uint16_t peer_port;         /**< UDP-encap (NAT-T) peer port, network order; 0 = plain ESP */
	uint16_t local_port;        /**< UDP-encap local port, network order */
	uint8_t  dir;               /**< enum lns_esp_dir */
	uint8_t  mode;              /**< enum lns_esp_mode */
	uint8_t  udp_encap;         /**< RFC 3948 */
	/** Inbound with an anti-replay window: the SA has per-packet state, so one
	 *  lcore alone may decrypt it (`owner`). Without a window it is read-only
	 *  and any lcore decrypts it where it arrives. */
	uint8_t  owned;
	/** With `owned`: worker index whose lcore alone runs this SA's anti-replay
	 *  window (DESIGN.md "Tables"), LNS_SAD_NONE until the first worker to see a
	 *  packet of it claims it (compare-and-swap); set once for the SA's life. Atomic. */
	uint32_t owner;
	/** Tunnel mode: the inner header's addresses (network order), from the Quick Mode
	 *  selectors lnsd accepted. Behind a NAT the peer's inner address is its private
	 *  one, not `peer`. Inbound the inner source must be inner_peer and the inner
	 *  destination inner_local; outbound they are written the other way round. */
	uint32_t inner_peer;
	uint32_t inner_local;
} __rte_cache_aligned;
_Static_assert(sizeof(struct lns_sad_entry) == RTE_CACHE_LINE_SIZE,
	       "a worker reads one cache line per SA");

/** Cold part, kept by control for listing and lifetimes. */
struct lns_sad_cold {
	uint64_t created_tsc;
	uint64_t dropped_tsc;
	uint64_t token;             /**< RCU token of the pending reclaim step */
	uint8_t  reclaim_step;      /**< 0 none, 1 wait to unhash, 2 wait to free */
	uint8_t  life_state;        /**< 0 live, 1 soft lifetime passed, 2 hard passed */
	uint32_t next_pending;      /**< FIFO of SAs waiting for reclaim */
	uint32_t life_s;            /**< hard lifetime in seconds, 0 = none */
	uint64_t life_bytes;        /**< hard lifetime in bytes, 0 = none */
};

/** Per-SA counters (per lcore slot, summed by readers). */
enum lns_sad_ctr { LNS_SAD_PKTS = 0, LNS_SAD_BYTES, LNS_SAD_CTR_MAX };

/** Soft lifetime, as a percentage of the hard one (RFC 4301 4.4.2.1: soft comes
 *  first so that the key manager can rekey before traffic stops). */
#define LNS_SAD_SOFT_PCT 90

struct lns_sad {
	uint32_t max_sas;
	int socket;
	struct lns_u32map *by_spi;         /**< inbound SPI (network order) -> handle */
	struct rte_rcu_qsbr *qsbr;
	struct lns_idpool *ids;
	uint32_t n_active;
	uint32_t n_dropped;
	uint32_t pend_head, pend_tail;     /**< reclaim FIFO (handles), LNS_SAD_NONE = empty */
	struct lns_sad_cold *cold;         /**< max_sas entries */
	struct lns_sad_entry *hot;         /**< max_sas entries, cache-aligned */
	uint16_t n_slots;                  /**< counter slots (data-plane lcores) */
	uint64_t *ctr;                     /**< [slot][handle][LNS_SAD_CTR_MAX] */
	uint32_t life_cursor;              /**< where the lifetime scan goes on */
};

/** Where an SA pair's packets go and come from. */
struct lns_sad_peer {
	uint32_t addr;              /**< peer outer IPv4, network order */
	uint8_t  udp_encap;         /**< NAT-T */
	uint16_t peer_port;         /**< with udp_encap, host order (usually 4500) */
	uint16_t local_port;        /**< with udp_encap, host order (4500) */
	uint32_t inner_peer;        /**< tunnel mode: peer's inner IPv4 (0 = addr) */
	uint32_t inner_local;       /**< tunnel mode: our inner IPv4 (network order) */
};

/**
 * Create an SA table for up to max_sas SAs (both directions count).
 * @param qsbr the workers' RCU variable (freeing waits for their quiescent states)
 * @param n_slots counter slots: one per lcore that runs the data path
 * @return the table, or NULL with rte_errno set.
 */
struct lns_sad *lns_sad_create(uint32_t max_sas, int socket,
			       struct rte_rcu_qsbr *qsbr, uint16_t n_slots);

/** Free the table and every SA in it (workers must have stopped). */
void lns_sad_free(struct lns_sad *sad);

/**
 * Add an inbound/outbound pair owned by connection `conn`.
 * @param mgr any IPsec-MB manager of this host (key layouts must match the workers')
 * @return 0 with both handles, -EEXIST (inbound SPI already in the table),
 *         -ENOSPC (table full), -EINVAL (parameters refused by lib/esp), -ENOMEM.
 */
int lns_sad_add_pair(struct lns_sad *sad, IMB_MGR *mgr, uint32_t conn,
		     const struct lns_esp_sa_params *in, const struct lns_esp_sa_params *out,
		     const struct lns_sad_peer *peer, uint32_t *h_in, uint32_t *h_out);

/**
 * Drop an SA and its pair from the data plane now (step 1 above).
 * @return the number of SAs flipped (0 if already dropped), or -EINVAL.
 */
int lns_sad_drop(struct lns_sad *sad, uint32_t handle);

/** Drop every SA of connection `conn`. @return SAs flipped. */
int lns_sad_drop_conn(struct lns_sad *sad, uint32_t conn);

/**
 * Advance reclaim (step 2 above) without blocking.
 * @param now_tsc  rte_get_tsc_cycles() now
 * @param hold_tsc how long a dropped SA stays findable by SPI (TSC cycles; 0 = none)
 * @return SAs freed now.
 */
unsigned int lns_sad_reclaim(struct lns_sad *sad, uint64_t now_tsc, uint64_t hold_tsc);

/**
 * Set the hard lifetime of one SA (0 = none for either); the soft one is
 * LNS_SAD_SOFT_PCT of it. Counted from the SA's creation and its byte counter.
 * @return 0 or -EINVAL.
 */
int lns_sad_set_lifetime(struct lns_sad *sad, uint32_t handle, uint32_t seconds,
			 uint64_t bytes);

/** Called by lns_sad_check_lifetimes() once per SA when soft (hard = 0) and once when
 *  hard (hard = 1) lifetime passes. The callback decides what to do (drop, rekey). */
typedef void (*lns_sad_expiry_cb)(void *arg, uint32_t handle, int hard);

/**
 * Look at up to max_scan SA slots for passed lifetimes, going on where the last
 * call stopped, so that a large table is covered over several control passes
 * without a long pause. Control lcore.
 * @return the number of expiries reported.
 */
unsigned int lns_sad_check_lifetimes(struct lns_sad *sad, uint64_t now_tsc, uint64_t hz,
				     uint32_t max_scan, lns_sad_expiry_cb cb, void *arg);

/** Sum of one counter of an SA over all slots (any thread). */
uint64_t lns_sad_ctr(const struct lns_sad *sad, uint32_t handle, enum lns_sad_ctr c);

/** Count packets and bytes of an SA in a slot (workers, plain adds). */
static inline void
lns_sad_count(struct lns_sad *sad, uint16_t slot, uint32_t handle, uint64_t pkts,
	      uint64_t bytes)
{
	uint64_t *c = &sad->ctr[((size_t)slot * sad->max_sas + handle) * LNS_SAD_CTR_MAX];

	c[LNS_SAD_PKTS] += pkts;
	c[LNS_SAD_BYTES] += bytes;
}

/** Inbound handle for an SPI (network byte order), or LNS_SAD_NONE. Workers. */
static inline uint32_t
lns_sad_lookup(const struct lns_sad *sad, uint32_t spi_be)
{
	return lns_u32map_lookup(sad->by_spi, spi_be);      /* NONE is LNS_SAD_NONE */
}

/** Inbound handles for n SPIs (network byte order) into h[] (not overlapping
 *  spi_be), LNS_SAD_NONE where there is none; the SPIs' slots are fetched
 *  together. Workers. */
static inline void
lns_sad_lookup_bulk(const struct lns_sad *sad, const uint32_t *spi_be, unsigned int n,
		    uint32_t *h)
{
	lns_u32map_lookup_bulk(sad->by_spi, spi_be, n, h);
}

/** Entry of a handle (no check: handles come from the table). Workers. */
static inline struct lns_sad_entry *
lns_sad_get(const struct lns_sad *sad, uint32_t handle)
{
	return &sad->hot[handle];
}

/** Whether the entry may be used for packets now. Workers. */
static inline int
lns_sad_usable(const struct lns_sad_entry *e)
{
	return __atomic_load_n(&e->state, __ATOMIC_ACQUIRE) == LNS_SAD_ACTIVE;
}

#endif /* LNS_SAD_H */
