/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Tunnel and session tables of the data plane (hot parts; control keeps the rest).
 *
 * Tunnels are indexed by local tunnel id (16 bits, RFC 2661). Sessions are indexed
 * by a handle from an O(1) id pool; two lock-free-read rte_hashes find them:
 * (local tunnel id, local session id) upstream, subscriber IPv4 downstream.
 *
 * Thread-safety: add/remove run on the control lcore; workers read between RCU
 * quiescent reports. Entries are published by an atomic state store (release)
 * after every other field is written. Per-session counters: one slot per data-plane
 * lcore (worker index, then the control lcore), plain adds, summed by readers.
 */
#ifndef LNS_TABLES_H
#define LNS_TABLES_H

#include <stdint.h>

#include <rte_common.h>
#include <rte_hash.h>

#define LNS_TUNNEL_MAX 65536
#define LNS_SESS_NONE UINT32_MAX

enum lns_tbl_state { LNS_TBL_FREE = 0, LNS_TBL_UP, LNS_TBL_DOWN };

struct lns_dp_tunnel {
	uint32_t state;        /**< enum lns_tbl_state, atomic */
	uint16_t local_id;
	uint16_t peer_id;
	uint32_t sa_in;        /**< SA handle packets must arrive on; LNS_SAD_NONE = non-secure */
	uint32_t sa_out;       /**< SA handle to send with; LNS_SAD_NONE = non-secure */
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
	uint16_t rsvd;
	uint32_t addr;         /**< subscriber IPv4, network order */
};

enum lns_sess_ctr { LNS_SC_UP_PKTS, LNS_SC_UP_BYTES, LNS_SC_DOWN_PKTS, LNS_SC_DOWN_BYTES,
		    LNS_SC_MAX };

struct lns_tables {
	uint32_t max_sessions;
	uint16_t n_slots;
	uint32_t n_tunnels;
	uint32_t n_sessions;
	struct lns_dp_tunnel *tun;       /**< LNS_TUNNEL_MAX entries */
	struct lns_dp_session *sess;     /**< max_sessions entries */
	struct rte_hash *by_ids;         /**< (tunnel << 16 | session) -> handle */
	struct rte_hash *by_addr;        /**< subscriber IPv4 (network order) -> handle */
	struct lns_idpool *sess_ids;
	uint64_t *ctr;                   /**< [slot][handle][LNS_SC_MAX] */
};

/** Create tables for max_sessions sessions and n_slots counter slots. NULL on error. */
struct lns_tables *lns_tables_create(uint32_t max_sessions, uint16_t n_slots, int socket);
void lns_tables_free(struct lns_tables *t);

/** Add a tunnel (its local id must be free). @return 0, -EEXIST, -EINVAL. */
int lns_tables_add_tunnel(struct lns_tables *t, const struct lns_dp_tunnel *tun);

/** Add a session to an up tunnel. @return 0 and *handle, -EEXIST, -ENOSPC, -ENOENT. */
int lns_tables_add_session(struct lns_tables *t, uint16_t tunnel, uint16_t local_id,
			   uint16_t peer_id, uint32_t addr, uint32_t *handle);

/** Sum of one counter of a session over all slots (any thread). */
uint64_t lns_tables_sess_ctr(const struct lns_tables *t, uint32_t handle, enum lns_sess_ctr c);

static inline uint32_t
lns_tables_by_ids(const struct lns_tables *t, uint16_t tunnel, uint16_t session)
{
	uint32_t key = (uint32_t)tunnel << 16 | session;
	void *data;

	if (rte_hash_lookup_data(t->by_ids, &key, &data) < 0)
		return LNS_SESS_NONE;
	return (uint32_t)(uintptr_t)data;
}

static inline uint32_t
lns_tables_by_addr(const struct lns_tables *t, uint32_t addr)
{
	void *data;

	if (rte_hash_lookup_data(t->by_addr, &addr, &data) < 0)
		return LNS_SESS_NONE;
	return (uint32_t)(uintptr_t)data;
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

#endif /* LNS_TABLES_H */
