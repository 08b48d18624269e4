/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Tunnel and session tables of the data plane (hot parts; control keeps the rest).
 *
 * Tunnels are indexed by local tunnel id (16 bits, RFC 2661). Sessions are indexed
 * by a handle from an O(1) id pool; two lock-free-read maps (lns_u32map.h) find
 * them: (local tunnel id, local session id) upstream, subscriber IPv4 downstream.
 *
 * Thread-safety: add/remove run on the control lcore; workers read between RCU
 * quiescent reports. Entries are published by an atomic state store (release)
 * after every other field is written. Removal is two steps: the state flips to
 * DOWN and the keys leave the maps at once (no worker uses the entry from its
 * next packet on); lns_tables_reclaim() frees handles once every
 * worker has passed a quiescent state. Per-session and per-tunnel counters: one
 * slot per data-plane lcore (worker index, then the control lcore), plain adds,
 * summed by readers.
 */
#ifndef LNS_TABLES_H
#define LNS_TABLES_H

#include <stdint.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_meter.h>
#include <rte_prefetch.h>

#include "lns_conf.h"
#include "lns_u32map.h"

struct rte_rcu_qsbr;

#define LNS_TUNNEL_MAX 65536
#define LNS_SESS_NONE UINT32_MAX

enum lns_tbl_state { LNS_TBL_FREE = 0, LNS_TBL_UP, LNS_TBL_DOWN };

struct lns_dp_tunnel {
	uint32_t state;        /**< enum lns_tbl_state, atomic */
	uint16_t local_id;
	uint16_t peer_id;
	uint32_t sa_in;        /**< SA handle it came up on; LNS_SAD_NONE = non-secure */
	uint32_t sa_out;       /**< SA handle to send with (atomic: a rekey moves it) */
	uint32_t conn;         /**< IPsec connection its packets must arrive on (any of its
				*   SAs, so a rekeyed child takes over); LNS_SAD_NONE = none */
	uint32_t peer;         /**< peer outer address, network order */
	uint16_t peer_port;    /**< peer's L2TP UDP port, network order */
	uint16_t rsvd;
	/** Next-hop MAC toward the peer, published by control: bytes 0..5 the MAC,
	 *  bit 63 valid. Atomic. */
	uint64_t nh_mac;
};

struct lns_dp_session {
	uint32_t state;        /**< enum lns_tbl_state, atomic */
	uint16_t tunnel;       /**< local tunnel id */
	uint16_t local_id;
	uint16_t peer_id;
	uint16_t policy;       /**< rate-limit policy + 1, 0 = none (atomic) */
	uint32_t addr;         /**< subscriber IPv4, network order; 0 = none yet (atomic) */
	/* control only: reclaim bookkeeping */
	uint64_t token;        /**< RCU token of the pending reclaim */
	uint32_t next_pending; /**< reclaim FIFO link */
};

/** Per-session and per-tunnel counters (packets and bytes each way). */
enum lns_sess_ctr { LNS_SC_UP_PKTS, LNS_SC_UP_BYTES, LNS_SC_DOWN_PKTS, LNS_SC_DOWN_BYTES,
		    LNS_SC_POLICER_UP, LNS_SC_POLICER_DOWN, LNS_SC_MAX };

/**
 * Rate-limit policies (immutable once published: a reload publishes a new array
 * and frees the old after grace). Index 0 is "none"; a session's `policy` names
 * one. A named policy keeps its slot for life, by name: a reload that adds,
 * removes, renames or reorders policies moves no session to another meter.
 */
#define LNS_POLICY_MAX LNS_CONF_POLICY_SLOTS
/** Anonymous policies (a rate given directly by RADIUS, e.g. Mikrotik-Rate-Limit):
 *  slots after the named ones, shared by sessions with the same rates. */
#define LNS_POLICY_DYN_MAX 1024
struct lns_dp_policy {
	bool on[2];                                   /**< [0] up, [1] down: limited */
	bool mark;                                    /**< exceed-action mark */
	bool peak[2];                                 /**< a peak rate above the committed */
	uint8_t tos_dscp;                             /**< exceed-dscp << 2 */
	struct rte_meter_trtcm_profile prof[2];       /**< upstream uses prof[0] */
	/** Downstream, shared by every lcore (lock-free GCRA, see lns_tables_police):
	 *  TSC cycles per byte at the peak rate (Q16), and the burst as cycles. */
	uint64_t down_t_q16, down_tau;
	/** exceed-action mark with a peak rate: the committed-rate cell's (cycles
	 *  per byte Q16, burst as cycles), telling green from yellow downstream */
	uint64_t down_c_t_q16, down_c_tau;
	uint64_t rate[2];                             /**< committed bit/s, for display */
};

/**
 * A session's meter for one direction on one lcore. Written only by that lcore
 * (it (re)configures the meter itself when the session's policy changes), so
 * each meter has one writer whatever RSS does; control only zeroes a handle's
 * meters when it adds the session, after the grace period freed the handle.
 */
struct lns_dp_meter {
	struct rte_meter_trtcm m;
	uint16_t policy;                              /**< what m was configured for */
};

/** Control's record of an anonymous policy slot. */
struct lns_dyn_policy {
	struct lns_policy_dir up, down;  /**< what the slot was configured with */
	uint32_t refs;                   /**< sessions holding it (0 = reusable after grace) */
	uint64_t token;                  /**< RCU token taken when refs went to 0 */
	bool used;
};

/** Control's record of a named policy slot (lns_tables_policies_plan). */
struct lns_named_policy {
	char name[LNS_CONF_NAME_MAX];    /**< "" = free */
	uint32_t refs;                   /**< sessions on it */
	uint64_t token;                  /**< RCU token taken when a retired slot's refs hit 0 */
	bool retired;                    /**< a reload removed it: kept for its holders only */
};

/** A reload's policy change, built and checked before anything is applied. */
struct lns_policy_plan {
	struct lns_dp_policy *np;        /**< the array to publish (owned until commit) */
	/** lnsd started without policies: the meters and records a first table needs */
	struct lns_dp_meter *mtr;
	uint64_t *tat, *tat_c;
	struct lns_named_policy *named;
	int16_t slot[LNS_CONF_MAX_POLICIES]; /**< slot of each new policy */
	uint16_t n;
};

struct lns_tables {
	uint32_t max_sessions;
	uint16_t n_slots;
	uint32_t n_tunnels;
	uint32_t n_sessions;
	struct lns_dp_tunnel *tun;       /**< LNS_TUNNEL_MAX entries */
	struct lns_dp_session *sess;     /**< max_sessions entries */
	struct lns_u32map *by_ids;       /**< (tunnel << 16 | session) -> handle */
	struct lns_u32map *by_addr;      /**< subscriber IPv4 (network order) -> handle */
	struct lns_idpool *sess_ids;
	uint64_t *ctr;                   /**< [slot][handle][LNS_SC_MAX] */
	uint64_t *tctr;                  /**< [slot][tunnel id][LNS_SC_MAX] */
	struct lns_dp_policy *pol;       /**< [LNS_POLICY_MAX + 1], NULL = no policies */
	struct lns_dp_meter *mtr;        /**< [slot][handle][2], NULL = no policies */
	uint64_t *down_tat;              /**< [handle]: downstream GCRA theoretical
					  *   arrival time (TSC), shared by all lcores */
	uint64_t *down_tat_c;            /**< [handle]: the committed-rate cell (mark) */
	uint16_t n_pol;                  /**< named slots in use or retired (high mark) */
	struct lns_named_policy *named;  /**< [LNS_POLICY_MAX], control only; NULL = none */
	struct lns_dyn_policy *dyn;      /**< [n_dyn], control only; NULL = none */
	uint16_t n_dyn;
	struct rte_rcu_qsbr *qsbr;       /**< workers' RCU variable (NULL: free at once) */
	uint32_t pend_head, pend_tail;   /**< sessions waiting for reclaim */
	uint32_t n_pending;
};

/**
 * Create tables for max_sessions sessions and n_slots counter slots.
 * @param qsbr the workers' RCU variable; removal waits for their quiescent states
 * @return the tables, or NULL on error.
 */
struct lns_tables *lns_tables_create(uint32_t max_sessions, uint16_t n_slots, int socket,
				     struct rte_rcu_qsbr *qsbr);
void lns_tables_free(struct lns_tables *t);

/** Add a tunnel (its local id must be free). Its counters restart at zero.
 *  @return 0, -EEXIST, -EINVAL. */
int lns_tables_add_tunnel(struct lns_tables *t, const struct lns_dp_tunnel *tun);

/**
 * Take a tunnel out of the data plane now: its sessions stop passing traffic
 * from the workers' next packet on (their own entries go with
 * lns_tables_remove_session()). The id may be added again once every worker has
 * passed a quiescent state; the L2TP layer never reuses an id that soon.
 * @return 0 or -ENOENT.
 */
int lns_tables_remove_tunnel(struct lns_tables *t, uint16_t tunnel);

/**
 * Add a session to an up tunnel. `addr` 0 adds it without a subscriber address
 * (PPP still negotiating: its control frames pass, its IPv4 does not).
 * @return 0 and *handle, -EEXIST, -ENOSPC, -ENOENT, -EINVAL.
 */
int lns_tables_add_session(struct lns_tables *t, uint16_t tunnel, uint16_t local_id,
			   uint16_t peer_id, uint32_t addr, uint32_t *handle);

/** Publish the subscriber address of a session that has none (IPCP opened).
 *  @return 0, -EEXIST (address in use), -EBUSY (session has one), -ENOENT, -ENOSPC. */
int lns_tables_session_set_addr(struct lns_tables *t, uint32_t handle, uint32_t addr);

/**
 * Remove a session now (state DOWN, keys out of both hashes); its handle and hash
 * slots are freed by lns_tables_reclaim() after the grace period, so an address
 * is withdrawn before its pool may hand it out again.
 * @return 0 or -ENOENT.
 */
int lns_tables_remove_session(struct lns_tables *t, uint32_t handle);

/** Free removed sessions whose grace period is over, without blocking. @return freed. */
unsigned int lns_tables_reclaim(struct lns_tables *t);

/**
 * Install rate-limit policies (before the workers start; once). Rates in bit/s,
 * bursts in bytes; a direction with rate 0 is not limited; peak_rate 0 = the
 * committed rate (one bucket pair, single rate).
 * @return 0, -EINVAL (a bad rate), -ENOMEM, -E2BIG.
 */
int lns_tables_set_policies(struct lns_tables *t, const struct lns_policy_conf *p,
			    uint16_t n);

/**
 * Reload, step 1 (changes nothing): map the new list to slots by name. A name
 * that runs keeps its slot (a removed one that comes back takes its slot back);
 * a new name takes a free slot, or one retired whose last holder ended a grace
 * period ago. Builds the array to publish. Control.
 * When lnsd started without a policer table, the plan holds a first one.
 * @return 0, -ENOSPC (no free slot: removed policies still held),
 *         -EINVAL (a bad rate, n too big), -ENOMEM.
 */
int lns_tables_policies_plan(struct lns_tables *t, const struct lns_policy_conf *p,
			     uint16_t n, struct lns_policy_plan *pl);
/**
 * Reload, step 2 (cannot fail): publish the plan's array; names not in p are
 * retired (their sessions keep the last rates, no new session can take them,
 * the slot is free once the last one ends and a grace period passes). Waits for
 * the workers' grace period, then frees the old array. p is the plan's list.
 */
void lns_tables_policies_commit(struct lns_tables *t, const struct lns_policy_conf *p,
				struct lns_policy_plan *pl);
/** Drop a plan that is not committed. */
void lns_tables_policies_abort(struct lns_policy_plan *pl);
/** Plan and commit in one step. @return as lns_tables_policies_plan(). */
int lns_tables_update_policies(struct lns_tables *t, const struct lns_policy_conf *p,
			       uint16_t n);
/** Sessions holding named slot idx, and whether a reload retired it.
 *  @return the count, or -ENOENT (free or not a named slot). Control. */
int lns_tables_policy_holders(const struct lns_tables *t, int idx, bool *retired);
/** Like lns_tables_set_policies(), and reserve n_dyn (<= LNS_POLICY_DYN_MAX)
 *  anonymous policy slots for lns_tables_policy_acquire() (0 = none). */
int lns_tables_policies_init(struct lns_tables *t, const struct lns_policy_conf *p, uint16_t n,
			     uint16_t n_dyn);

/**
 * An anonymous policy with these rates (either may have rate 0 = unlimited):
 * a slot already holding the same rates is shared, else a free one (or one no
 * session has held for a grace period) is configured. Control only.
 * @return a policy index for lns_tables_session_set_policy() (>= LNS_POLICY_MAX),
 *         -ENOTSUP (no slots reserved), -ENOSPC (all held), -EINVAL (bad rates).
 */
int lns_tables_policy_acquire(struct lns_tables *t, const struct lns_policy_dir *up,
			      const struct lns_policy_dir *down);
/** Drop one hold of an index from lns_tables_policy_acquire() (others: no-op).
 *  The caller has first moved its session off it. Control only. */
void lns_tables_policy_release(struct lns_tables *t, int idx);
/** The rates of policy index idx if it is an anonymous one. @return 0 or -ENOENT. */
int lns_tables_policy_dyn_get(const struct lns_tables *t, int idx, struct lns_policy_dir *up,
			      struct lns_policy_dir *down);

/** Meter profile parameters of one policy direction (exported for tests). */
int lns_policy_meter_params(const struct lns_policy_dir *d,
			    struct rte_meter_trtcm_params *out);

/** Attach policy idx (0-based, -1 = none) to a session; takes effect from each
 *  worker's next packet of it. A retired named slot cannot be taken.
 *  @return 0, -ENOENT, -EINVAL. */
int lns_tables_session_set_policy(struct lns_tables *t, uint32_t handle, int idx);

/** Sum of one counter of a session over all slots (any thread). */
uint64_t lns_tables_sess_ctr(const struct lns_tables *t, uint32_t handle, enum lns_sess_ctr c);

/** Sum of one counter of a tunnel over all slots (any thread). */
uint64_t lns_tables_tun_ctr(const struct lns_tables *t, uint16_t tunnel, enum lns_sess_ctr c);

static inline uint32_t
lns_tables_by_ids(const struct lns_tables *t, uint16_t tunnel, uint16_t session)
{
	return lns_u32map_lookup(t->by_ids, (uint32_t)tunnel << 16 | session);
}

static inline uint32_t
lns_tables_by_addr(const struct lns_tables *t, uint32_t addr)
{
	return lns_u32map_lookup(t->by_addr, addr);
}

/** The session of handle h (LNS_SESS_NONE allowed) if it and its tunnel are up,
 *  else NULL. Workers. */
static inline const struct lns_dp_session *
lns_tables_session_up(const struct lns_tables *t, uint32_t h)
{
	const struct lns_dp_session *s;

	if (h == LNS_SESS_NONE)
		return NULL;
	s = &t->sess[h];
	if (__atomic_load_n(&s->state, __ATOMIC_ACQUIRE) != LNS_TBL_UP ||
	    __atomic_load_n(&t->tun[s->tunnel].state, __ATOMIC_ACQUIRE) != LNS_TBL_UP)
		return NULL;
	return s;
}

static inline void
lns_tables_count(struct lns_tables *t, uint16_t slot, uint32_t h, enum lns_sess_ctr c,
		 uint64_t n)
{
	t->ctr[((size_t)slot * t->max_sessions + h) * LNS_SC_MAX + c] += n;
}

/** What lns_tables_police() decides. */
enum { LNS_POLICE_DROP = 0, LNS_POLICE_PASS = 1, LNS_POLICE_MARK = 2 };

/* One GCRA cell: advance it by inc if the packet fits within tau. */
static inline bool
lns_gcra(uint64_t *cell, uint64_t now, uint64_t inc, uint64_t tau)
{
	uint64_t tat = __atomic_load_n(cell, __ATOMIC_RELAXED), ntat;

	do {
		ntat = (tat > now ? tat : now) + inc;
		if (ntat - now > tau)
			return false;
	} while (!__atomic_compare_exchange_n(cell, &tat, ntat, true, __ATOMIC_RELAXED,
					      __ATOMIC_RELAXED));
	return true;
}

/**
 * Police one packet of `len` bytes (IPv4 total length) of session h, which has
 * policy pol (!= 0), in direction dir (0 up, 1 down).
 * @return LNS_POLICE_PASS, LNS_POLICE_DROP, or (exceed-action mark only)
 *         LNS_POLICE_MARK: pass it with the policy's DSCP.
 *
 * Upstream: rte_meter trTCM on this slot's meter. One lcore handles a session's
 * upstream (the owner of its inbound SA; a plain tunnel is one RSS flow), so the
 * meter has one writer. Downstream: RSS spreads a subscriber's flows over every
 * lcore, so per-lcore meters would let k lcores pass k times the rate; instead
 * one GCRA cell per session (a theoretical arrival time) is advanced by
 * compare-and-swap, no lock. Dropping only red, trTCM passes exactly what a
 * single bucket at the peak rate and burst passes, which is what the cell does.
 * Marking: red (over the peak) is dropped if there is a peak rate, else marked;
 * yellow (over the committed rate) is marked; downstream a second cell at the
 * committed rate, advanced only by green packets as trTCM's committed bucket,
 * tells them apart. Workers.
 */
static inline int
lns_tables_police(struct lns_tables *t, uint16_t slot, uint32_t h, uint16_t pol, int dir,
		  uint32_t len)
{
	/* control may replace the array (reload): one load per packet */
	struct lns_dp_policy *p = &__atomic_load_n(&t->pol, __ATOMIC_ACQUIRE)[pol];
	struct lns_dp_meter *mt;
	enum rte_color c;

	if (!p->on[dir])
		return LNS_POLICE_PASS;
	if (dir) {
		uint64_t now = rte_rdtsc();

		if (!lns_gcra(&t->down_tat[h], now, ((uint64_t)len * p->down_t_q16) >> 16,
			      p->down_tau))
			return p->mark && !p->peak[1] ? LNS_POLICE_MARK : LNS_POLICE_DROP;
		if (!p->mark || !p->peak[1])
			return LNS_POLICE_PASS;
		return lns_gcra(&t->down_tat_c[h], now, ((uint64_t)len * p->down_c_t_q16) >> 16,
				p->down_c_tau) ? LNS_POLICE_PASS : LNS_POLICE_MARK;
	}
	mt = &t->mtr[((size_t)slot * t->max_sessions + h) * 2 + dir];
	if (unlikely(mt->policy != pol)) {
		rte_meter_trtcm_config(&mt->m, &p->prof[dir]);
		mt->policy = pol;
	}
	c = rte_meter_trtcm_color_blind_check(&mt->m, &p->prof[dir], rte_rdtsc(), len);
	if (likely(c == RTE_COLOR_GREEN))
		return LNS_POLICE_PASS;
	if (!p->mark)
		return c == RTE_COLOR_RED ? LNS_POLICE_DROP : LNS_POLICE_PASS;
	return c == RTE_COLOR_RED && p->peak[0] ? LNS_POLICE_DROP : LNS_POLICE_MARK;
}

/** Fetch a looked-up session's entry and this slot's counter line before a burst
 *  uses them (h may be LNS_SESS_NONE: nothing to fetch). Workers. */
static inline void
lns_tables_prefetch_session(const struct lns_tables *t, uint16_t slot, uint32_t h)
{
	if (h == LNS_SESS_NONE)
		return;
	rte_prefetch0(&t->sess[h]);
	rte_prefetch0(&t->ctr[((size_t)slot * t->max_sessions + h) * LNS_SC_MAX]);
}

/** Add to a tunnel's counters (the caller batches runs of one tunnel). Workers. */
static inline void
lns_tables_tun_count(struct lns_tables *t, uint16_t slot, uint16_t tunnel, uint64_t pkts,
		     uint64_t bytes, int down)
{
	uint64_t *c = &t->tctr[((size_t)slot * LNS_TUNNEL_MAX + tunnel) * LNS_SC_MAX +
			       (down ? LNS_SC_DOWN_PKTS : LNS_SC_UP_PKTS)];

	c[0] += pkts;
	c[1] += bytes;
}

#endif /* LNS_TABLES_H */
