/* SPDX-License-Identifier: BSD-3-Clause */
/* Private state of the L2TP control plane: shared by the transport, tunnel, session,
 * policy and table files of lib/l2tp. */
#ifndef L2TP_PRIV_H
#define L2TP_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "lns_conf.h"
#include "lns_evlog.h"
#include "lns_idpool.h"
#include "lns_l2tp.h"
#include "lns_l2tp_avp.h"
#include "lns_map.h"
#include "lns_timer.h"

/** Delayed ack: a ZLB goes out if nothing piggybacks the ack within this (§5.8). */
#define L2TP_ACK_DELAY_MS 100
/** Receive Window Size assumed when the peer sends none (§4.4.3). */
#define L2TP_DEFAULT_PEER_RWIN 4
/** Our tunnel Challenge length (§4.4.3 leaves it open; 16 as CHAP commonly does). */
#define L2TP_CHAL_LEN 16

/* Wrap-safe 16-bit sequence arithmetic (§5.8: Ns/Nr are modulo 2^16). */
static inline int16_t
seq_diff(uint16_t a, uint16_t b)
{
	return (int16_t)(uint16_t)(a - b);
}
#define SEQ_LT(a, b) (seq_diff((a), (b)) < 0)
#define SEQ_LE(a, b) (seq_diff((a), (b)) <= 0)

/** Per-source admission state: hashed by source address, shared on collision (a
 * collision can only make two sources share one allowance, never exceed it). */
#define L2TP_SRC_BUCKETS 4096
/** A refusal is not answered while this many of our messages already wait for the
 * peer's acknowledgement: a peer that never acks cannot make us queue without end. */
#define L2TP_REFUSE_BACKLOG 64

/** Token bucket in thousandths of a token (integer refill at any rate). */
struct l2tp_bucket {
	uint64_t last_ms;       /**< last refill; 0 = never used (full) */
	uint32_t milli;
};

struct l2tp_src {
	struct l2tp_bucket sccrq;
	uint32_t half_open;     /**< half-open tunnels from the source(s) of this slot */
};

/** An outgoing control message kept until the peer acknowledges it. */
struct l2tp_txbuf {
	struct l2tp_txbuf *next;
	uint16_t ns;
	uint16_t len;
	uint8_t data[];
};

/** Reliable delivery state of one control connection (§5.8). */
struct l2tp_xport {
	uint16_t ns_next;       /**< Ns of the next message we queue */
	uint16_t una;           /**< oldest Ns the peer has not acknowledged */
	uint16_t nr;            /**< next Ns we expect from the peer */
	uint16_t peer_rwin;     /**< messages the peer lets us have unacknowledged */
	uint16_t local_rwin;    /**< our advertised window: out-of-order slots */
	uint16_t in_flight;     /**< queued messages sent at least once */
	uint8_t  retries;       /**< retransmissions of the oldest unacked message */
	uint32_t rto_ms;        /**< current retransmission interval */
	struct l2tp_txbuf *q_head, *q_tail;  /**< unacked, in Ns order; sent ones first */
	uint32_t q_len;
	uint16_t rx_head;       /**< slot of Ns == nr in rx_slot */
	uint8_t **rx_slot;      /**< local_rwin slots of messages received ahead of nr */
	uint16_t *rx_len;
	struct lns_timer rtx_timer;
	struct lns_timer ack_timer;
};

/** Tunnel states (§7.2.1, LNS side of control connection establishment). */
enum l2tp_tstate {
	T_WAIT_CTL_CONN = 0,   /**< SCCRP sent, waiting for SCCCN */
	T_ESTABLISHED,
	T_CLOSING,             /**< StopCCN sent, waiting for its ack (§5.7) */
	T_DESTRUCTING,         /**< destroyed: record kept for the destruct timeout */
};

enum l2tp_sstate {
	S_WAIT_CONNECT = 0,    /**< ICRP sent, waiting for ICCN (§7.4.2) */
	S_ESTABLISHED,
	S_DEAD,                /**< removed, waiting to be freed */
};

struct l2tp_conn;
struct l2tp_session;

/** What tells a retransmitted SCCRQ from a new tunnel (§5.8): memcmp'd, no padding. */
struct l2tp_id_key {
	uint32_t addr;             /**< peer address, network order */
	uint32_t conn;             /**< IPsec connection, or LNS_L2TP_NO_CONN */
	uint16_t port;             /**< peer UDP port */
	uint16_t peer_id;          /**< the peer's Assigned Tunnel ID */
};

struct l2tp_tunnel {
	struct lns_l2tp *l;
	uint16_t local_id, peer_id;
	struct lns_l2tp_peer peer;
	enum l2tp_tstate state;
	const struct lns_dest_profile *prof;
	char     host_name[64];
	bool     single_shot;
	bool     refused;          /**< SCCRQ refused: StopCCN only, no lifecycle actions */
	bool     up;               /**< ops->tunnel_up accepted it */
	bool     chal_sent;
	bool     dead;             /**< freed at the end of the current entry point */
	bool     half_open;        /**< counted in the half-open limits (SCCRP sent) */
	uint32_t n_pending;        /**< sessions waiting for ICCN */
	struct l2tp_bucket icrq;   /**< ICRQ admission (l2tp.admission.icrq-*) */
	uint8_t  chal[L2TP_CHAL_LEN];
	uint32_t n_sessions, sessions_total;
	struct l2tp_session *sessions;       /**< list of live sessions */
	uint64_t created_ms, destroyed_ms, destruct_end_ms;
	uint16_t result, error;
	uint64_t rx_msgs, tx_msgs, retransmits;
	struct l2tp_xport x;
	struct lns_timer hello_timer, idle_timer, destruct_timer;
	/* policy: the IPsec connection it came over (NULL when in the clear) */
	struct l2tp_conn *conn;
	struct l2tp_tunnel *conn_next, *conn_prev;
	/* SCCRQ identity (peer addr, port, conn, peer's tunnel id), in l->by_id */
	struct l2tp_id_key id_key;
	struct lns_map_node id_node;
	bool     in_id_hash;
	/* session ids: fresh ids first, then freed ones FIFO (O(1), grows on demand) */
	uint16_t sid_fresh;        /**< next never-used session id */
	uint16_t *sid_ring;
	uint32_t sid_ring_cap, sid_ring_head, sid_ring_count;
	struct l2tp_tunnel *zombie_next;
};

struct l2tp_session {
	struct l2tp_tunnel *t;
	uint16_t local_id, peer_id;
	enum l2tp_sstate state;
	bool     up;               /**< ops->session_up accepted it */
	struct l2tp_session *next, *prev;     /**< tunnel list */
	uint32_t hkey;                        /**< tid << 16 | sid, in l->by_sid */
	struct lns_map_node hnode;
	struct l2tp_session *zombie_next;
	struct lns_l2tp_session_info info;    /**< pointers into blob */
	struct lns_timer setup_timer;         /**< ICRP sent -> ICCN deadline */
	char     auth_name[64];
	uint8_t *blob;                        /**< proxy AVP values */
};

/** What the policy remembers of one IPsec connection. */
struct l2tp_conn {
	uint32_t id;
	bool     spent, single_shot, disconnected, gone;
	uint32_t tunnels, tunnels_total;
	struct l2tp_tunnel *list;
	struct lns_map_node node;          /**< in l->by_conn, keyed by id */
};

struct lns_l2tp {
	const struct lns_conf *conf;
	struct lns_l2tp_ops ops;
	void *ctx;
	struct lns_timers *tm;
	struct lns_evlog *log;
	uint32_t max_tid;
	struct l2tp_tunnel **tunnels;   /**< [max_tid + 1], by local id */
	struct lns_idpool *tids;
	uint32_t n_tunnels;             /**< records, destructing included */
	uint32_t n_sessions;
	bool     draining;              /**< lns_l2tp_set_drain() */
	struct lns_map by_id;           /**< SCCRQ identity -> tunnel */
	struct lns_map by_sid;          /**< (tid << 16 | sid) -> session */
	struct lns_map by_conn;         /**< conn id -> record */
	unsigned int depth;             /**< nesting of entry points (callbacks re-enter) */
	struct l2tp_session *s_zombies;
	struct l2tp_tunnel *t_zombies;
	struct l2tp_src *src;           /**< [L2TP_SRC_BUCKETS] per-source admission */
	uint32_t n_half_open;
	uint32_t n_pending;
	uint64_t ctr[LNS_L2TP_CTR_MAX];
};

#define CTR(l, c) ((l)->ctr[LNS_L2TP_CTR_##c]++)

static inline uint64_t
ev_us(uint64_t now_ms)
{
	return now_ms * 1000;
}

static inline uint32_t
ev_conn(const struct l2tp_tunnel *t)
{
	return t->peer.conn == LNS_L2TP_NO_CONN ? LNS_EV_NONE : t->peer.conn;
}

/* l2tp_core.c: tables, entry depth */
void l2tp_enter(struct lns_l2tp *l);
void l2tp_leave(struct lns_l2tp *l);
struct l2tp_tunnel *l2tp_tunnel_alloc(struct lns_l2tp *l, const struct lns_l2tp_peer *from,
				      uint16_t peer_id, uint64_t now_ms);
void l2tp_tunnel_release(struct lns_l2tp *l, struct l2tp_tunnel *t);
struct l2tp_tunnel *l2tp_id_lookup(struct lns_l2tp *l, const struct lns_l2tp_peer *from,
				   uint16_t peer_id);
void l2tp_id_remove(struct lns_l2tp *l, struct l2tp_tunnel *t);
struct l2tp_session *l2tp_session_lookup(const struct lns_l2tp *l, uint16_t tid,
					 uint16_t sid);
void l2tp_session_hash_add(struct lns_l2tp *l, struct l2tp_session *s);
void l2tp_session_hash_del(struct lns_l2tp *l, struct l2tp_session *s);
int  l2tp_sid_get(struct l2tp_tunnel *t, uint32_t cap, uint16_t *sid);
void l2tp_sid_put(struct l2tp_tunnel *t, uint16_t sid);
void l2tp_tunnel_fill_info(const struct l2tp_tunnel *t, struct lns_l2tp_tunnel_info *o);
const char *l2tp_peer_str(const struct lns_l2tp_peer *p, char *buf, size_t size);

/* l2tp_xport.c */
int  l2tp_xport_init(struct l2tp_tunnel *t, uint16_t local_rwin);
void l2tp_xport_fini(struct l2tp_tunnel *t);
void l2tp_xport_stop(struct l2tp_tunnel *t);
/** Queue a finished message for reliable delivery (it gets the next Ns). */
int  l2tp_xport_send(struct lns_l2tp *l, struct l2tp_tunnel *t, const uint8_t *msg,
		     size_t len, uint64_t now_ms);
/** Send a message once, outside the window and without retransmission. */
void l2tp_xport_send_once(struct lns_l2tp *l, struct l2tp_tunnel *t, uint8_t *msg,
			  size_t len);
void l2tp_xport_send_zlb(struct lns_l2tp *l, struct l2tp_tunnel *t);
enum l2tp_rx { XP_DELIVER, XP_ZLB, XP_QUEUED, XP_DUP, XP_DROP };
enum l2tp_rx l2tp_xport_rx(struct lns_l2tp *l, struct l2tp_tunnel *t,
			   const struct lns_l2tp_msg *m, const uint8_t *raw, size_t len,
			   uint64_t now_ms);
/** The next queued in-order message after a delivery (caller frees *raw), or false. */
bool l2tp_xport_pop(struct lns_l2tp *l, struct l2tp_tunnel *t, uint8_t **raw, uint16_t *len,
		    uint64_t now_ms);
/** Whether everything we sent has been acknowledged. */
static inline bool
l2tp_xport_idle(const struct l2tp_tunnel *t)
{
	return t->x.q_head == NULL;
}

/* l2tp_tunnel.c */
int  l2tp_tunnel_input(struct lns_l2tp *l, const struct lns_l2tp_peer *from,
		       const uint8_t *raw, size_t len, uint64_t now_ms);
/** Send StopCCN (reliably), drop the sessions, go to closing. */
void l2tp_tunnel_stop(struct lns_l2tp *l, struct l2tp_tunnel *t, uint16_t result,
		      uint16_t error, const char *why, uint64_t now_ms);
/** Go straight to destroyed (peer gone or StopCCN done): destruct begins. */
void l2tp_tunnel_destroy(struct lns_l2tp *l, struct l2tp_tunnel *t, uint64_t now_ms);
void l2tp_tunnel_xport_failed(struct lns_l2tp *l, struct l2tp_tunnel *t, uint64_t now_ms);
void l2tp_tunnel_all_acked(struct lns_l2tp *l, struct l2tp_tunnel *t, uint64_t now_ms);
/** Finish a message: Message Type first; returns the encoder to fill. */
void l2tp_msg_begin(struct l2tp_tunnel *t, struct lns_l2tp_enc *e, uint8_t *buf,
		    uint16_t peer_session, uint16_t type);
int  l2tp_msg_send(struct lns_l2tp *l, struct l2tp_tunnel *t, struct lns_l2tp_enc *e,
		   uint64_t now_ms);

/* l2tp_session.c */
void l2tp_session_input(struct lns_l2tp *l, struct l2tp_tunnel *t,
			const struct lns_l2tp_msg *m, uint64_t now_ms);
/** Remove a session: CDN (when send_cdn), session_down, policy. */
void l2tp_session_remove(struct lns_l2tp *l, struct l2tp_session *s, uint16_t result,
			 uint16_t error, const char *msg, bool send_cdn, uint64_t now_ms);
/** Drop every session of a tunnel without CDN (StopCCN clears them, §5.7). */
void l2tp_sessions_clear(struct lns_l2tp *l, struct l2tp_tunnel *t, uint16_t result,
			 uint16_t error, uint64_t now_ms);
void l2tp_session_free(struct l2tp_session *s);
/** Refuse an incoming call without keeping state: CDN to the peer's session id. */
void l2tp_session_refuse(struct lns_l2tp *l, struct l2tp_tunnel *t, uint16_t peer_sid,
			 uint16_t result, uint16_t error, const char *why, uint64_t now_ms);

/* l2tp_limit.c: admission limits against floods (l2tp.admission) */
int  l2tp_limit_init(struct lns_l2tp *l);
void l2tp_limit_fini(struct lns_l2tp *l);
/** Take one token if there is one (rate per second, burst tokens at most). */
bool l2tp_bucket_take(struct l2tp_bucket *b, uint32_t rate, uint32_t burst, uint64_t now_ms);
/** A new SCCRQ from `from`: NULL if admitted, else the reason (counted). */
const char *l2tp_limit_sccrq(struct lns_l2tp *l, const struct lns_l2tp_peer *from,
			     uint64_t now_ms);
/** The tunnel sent its SCCRP / left wait-ctl-conn (idempotent). */
void l2tp_half_open_begin(struct lns_l2tp *l, struct l2tp_tunnel *t);
void l2tp_half_open_end(struct lns_l2tp *l, struct l2tp_tunnel *t);
/** A new ICRQ on `t`: 0 if admitted, else the CDN result code refusing it (counted). */
uint16_t l2tp_limit_icrq(struct lns_l2tp *l, struct l2tp_tunnel *t, uint64_t now_ms,
			 const char **why);
/** Whether a refusal to `t` may be answered (the peer acknowledges what we send). */
bool l2tp_limit_may_answer(struct lns_l2tp *l, const struct l2tp_tunnel *t);

/* l2tp_policy.c: DESIGN.md "Tunnel lifecycle" */
int  l2tp_policy_init(struct lns_l2tp *l);
void l2tp_policy_fini(struct lns_l2tp *l);
/** SCCRQ admission: 0, or the StopCCN result code refusing it (counted, logged). */
uint16_t l2tp_policy_sccrq(struct lns_l2tp *l, const struct lns_l2tp_peer *from,
			   const struct lns_dest_profile *prof, const char **why);
/** Bind an accepted tunnel to its IPsec connection. */
int  l2tp_policy_bind(struct lns_l2tp *l, struct l2tp_tunnel *t);
void l2tp_policy_unbind(struct lns_l2tp *l, struct l2tp_tunnel *t);
/** ICRQ admission: 0, or the CDN result code refusing it. */
uint16_t l2tp_policy_icrq(struct lns_l2tp *l, struct l2tp_tunnel *t, const char **why);
void l2tp_policy_tunnel_up(struct lns_l2tp *l, struct l2tp_tunnel *t, uint64_t now_ms);
void l2tp_policy_session_added(struct lns_l2tp *l, struct l2tp_tunnel *t, uint64_t now_ms);
/** A session went (any reason); `failed` when it never reached established. */
void l2tp_policy_session_gone(struct lns_l2tp *l, struct l2tp_tunnel *t, uint64_t now_ms);
/** The tunnel failed or is disconnecting (rule 5: its connection is spent). */
void l2tp_policy_tunnel_ending(struct lns_l2tp *l, struct l2tp_tunnel *t, uint64_t now_ms);
void l2tp_policy_destruct_begin(struct lns_l2tp *l, struct l2tp_tunnel *t, uint64_t now_ms);
void l2tp_policy_destruct_end(struct lns_l2tp *l, struct l2tp_tunnel *t, uint64_t now_ms);
struct l2tp_conn *l2tp_conn_find(const struct lns_l2tp *l, uint32_t id);

#endif /* L2TP_PRIV_H */
