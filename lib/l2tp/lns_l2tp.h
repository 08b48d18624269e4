/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * L2TPv2 control plane, LNS side (RFC 2661): tunnels and sessions, reliable control
 * transport, and the tunnel lifecycle policy of DESIGN.md "Tunnel lifecycle"
 * (standard idle/destruct, single-shot rules 1-6, IPsec connection binding).
 *
 * Time is injected: every entry point takes now_ms (monotonic milliseconds) and
 * timers live in the caller's lns_timers set (the owner runs lns_timers_run()).
 * The library never reads a clock, never does I/O: it sends through ops->send.
 *
 * Callbacks may call back into the library (e.g. session_close from session_up);
 * objects are freed only when the outermost entry point returns.
 *
 * Thread-safety: none; one owner (the control lcore). Plain C, no DPDK.
 */
#ifndef LNS_L2TP_H
#define LNS_L2TP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lns_conf;
struct lns_timers;
struct lns_evlog;

#define LNS_L2TP_NO_CONN UINT32_MAX   /**< control message came in the clear */
#define LNS_L2TP_NO_SA   UINT32_MAX

/** StopCCN result codes (RFC 2661 §4.4.2). */
enum {
	LNS_STOPCCN_CLEAR = 1, LNS_STOPCCN_ERROR = 2, LNS_STOPCCN_EXISTS = 3,
	LNS_STOPCCN_NOT_AUTH = 4, LNS_STOPCCN_BAD_VERSION = 5, LNS_STOPCCN_SHUTDOWN = 6,
	LNS_STOPCCN_FSM = 7,
};
/** CDN result codes (RFC 2661 §4.4.2). */
enum {
	LNS_CDN_CARRIER = 1, LNS_CDN_ERROR = 2, LNS_CDN_ADMIN = 3, LNS_CDN_TEMP = 4,
	LNS_CDN_PERM = 5,
};
/** General error codes (RFC 2661 §4.4.2). */
enum {
	LNS_L2TP_ERR_NONE = 0, LNS_L2TP_ERR_NO_CTL = 1, LNS_L2TP_ERR_LENGTH = 2,
	LNS_L2TP_ERR_RANGE = 3, LNS_L2TP_ERR_RESOURCES = 4, LNS_L2TP_ERR_SESSION_ID = 5,
	LNS_L2TP_ERR_VENDOR = 6, LNS_L2TP_ERR_TRY_ANOTHER = 7, LNS_L2TP_ERR_UNKNOWN_M = 8,
};

/** Where a control message came from / goes to. */
struct lns_l2tp_peer {
	uint32_t addr;          /**< peer IPv4, network byte order */
	uint16_t port;          /**< peer UDP port, host byte order */
	uint32_t sa_in;         /**< SA handle it arrived on (data plane), or LNS_L2TP_NO_SA */
	uint32_t conn;          /**< IPsec connection id, or LNS_L2TP_NO_CONN */
};

/** A tunnel's state, to compare (lns_l2tp_tunnel_info.state is its name, to show). */
enum lns_l2tp_tstate {
	LNS_L2TP_T_WAIT_CTL_CONN = 0,   /**< SCCRP sent, waiting for SCCCN */
	LNS_L2TP_T_ESTABLISHED,
	LNS_L2TP_T_CLOSING,             /**< StopCCN sent, waiting for its ack */
	LNS_L2TP_T_DESTRUCTING,         /**< destroyed, record kept for the destruct time */
};

struct lns_l2tp_tunnel_info {
	uint16_t local_id, peer_id;
	struct lns_l2tp_peer peer;
	enum lns_l2tp_tstate tstate;
	const char *state;      /**< tstate's name: "wait-ctl-conn","established","closing",
				 *   "destructing" */
	const char *profile;    /**< destination profile name ("default" for the defaults) */
	char     host_name[64]; /**< peer's Host Name AVP */
	bool     single_shot;
	bool     refused;       /**< we refused its SCCRQ (never established) */
	uint32_t sessions;      /**< sessions now */
	uint32_t sessions_total;/**< sessions ever accepted */
	uint64_t created_ms, destroyed_ms; /**< destroyed_ms 0 while not destroyed */
	uint64_t destruct_end_ms;          /**< when the record is freed (0 if not destructing) */
	uint16_t result, error; /**< why it ended (StopCCN result/error, sent or received) */
	uint16_t peer_rwin, local_rwin;
	uint64_t rx_msgs, tx_msgs, retransmits;
};

struct lns_l2tp_session_info {
	uint16_t tunnel_id, session_id, peer_tunnel_id, peer_session_id;
	struct lns_l2tp_peer peer;
	const char *state;      /**< "wait-connect","established" */
	uint32_t call_serial;
	char     calling[64], called[64], sub_address[64];
	uint32_t bearer_type, framing_type, tx_speed, rx_speed, phys_channel;
	/* proxy LCP/auth AVPs if the LAC sent them (lengths 0 if absent); valid until the
	 * session is freed, i.e. during the callback and while the session exists */
	const uint8_t *proxy_lcp_init_rx, *proxy_lcp_last_tx, *proxy_lcp_last_rx;
	uint16_t proxy_lcp_init_rx_len, proxy_lcp_last_tx_len, proxy_lcp_last_rx_len;
	uint16_t proxy_authen_type; /**< 0 = none sent */
	const char *proxy_authen_name;  /**< "" if absent */
	const uint8_t *proxy_authen_chal, *proxy_authen_resp;
	uint16_t proxy_authen_chal_len, proxy_authen_resp_len;
	uint16_t proxy_authen_id;
	char     private_group[64];
	bool     sequencing_required;
	uint64_t created_ms;
};

struct lns_l2tp_ops {
	/** one control message (UDP payload, from the L2TP header) to the peer */
	void (*send)(void *ctx, const struct lns_l2tp_peer *to, const uint8_t *msg, size_t len);
	/** tunnel established (SCCCN ok); -errno refuses it (StopCCN result 2 error 4) */
	int  (*tunnel_up)(void *ctx, const struct lns_l2tp_tunnel_info *t);
	/** tunnel destroyed (destruct begins): the data plane must stop using it */
	void (*tunnel_down)(void *ctx, const struct lns_l2tp_tunnel_info *t);
	/** session established (ICCN ok): publish it, start PPP; -errno -> CDN 2/4 */
	int  (*session_up)(void *ctx, const struct lns_l2tp_session_info *s);
	/** session gone (only for sessions session_up accepted) */
	void (*session_down)(void *ctx, const struct lns_l2tp_session_info *s,
			     uint16_t result, uint16_t error);
	/** policy: drop this IPsec connection's SAs NOW and send IKE Deletes */
	void (*ipsec_disconnect)(void *ctx, uint32_t conn, const char *why);
	/** optional: fill buf with len random bytes, 0 or -errno (NULL: OpenSSL's
	 *  RAND_bytes). A tunnel whose challenge cannot be drawn is refused. */
	int  (*random)(void *ctx, uint8_t *buf, size_t len);
};

/** Control-plane counters and error reasons: X(ENUM, "name"). */
#define LNS_L2TP_COUNTERS(X) \
	X(RX_MSGS,          "rx-messages") \
	X(RX_ZLB,           "rx-zlb") \
	X(RX_SCCRQ,         "rx-sccrq") \
	X(RX_SCCCN,         "rx-scccn") \
	X(RX_STOPCCN,       "rx-stopccn") \
	X(RX_HELLO,         "rx-hello") \
	X(RX_ICRQ,          "rx-icrq") \
	X(RX_ICCN,          "rx-iccn") \
	X(RX_CDN,           "rx-cdn") \
	X(RX_WEN,           "rx-wen") \
	X(RX_SLI,           "rx-sli") \
	X(RX_OCRQ,          "rx-ocrq") \
	X(RX_OTHER,         "rx-other-type") \
	X(TX_MSGS,          "tx-messages") \
	X(TX_ZLB,           "tx-zlb") \
	X(RETRANSMITS,      "retransmits") \
	X(RETRY_EXHAUSTED,  "retries-exhausted") \
	X(MALFORMED,        "malformed") \
	X(TOO_LONG,         "too-long") \
	X(UNKNOWN_TUNNEL,   "unknown-tunnel") \
	X(WRONG_PEER,       "wrong-peer") \
	X(UNKNOWN_SESSION,  "unknown-session") \
	X(DUPLICATE,        "duplicate") \
	X(OUT_OF_WINDOW,    "out-of-window") \
	X(REORDERED,        "reordered-queued") \
	X(BAD_NR,           "bad-nr") \
	X(UNKNOWN_M_AVP,    "unknown-mandatory-avp") \
	X(UNKNOWN_M_TYPE,   "unknown-mandatory-type") \
	X(MISSING_AVP,      "missing-avp") \
	X(BAD_STATE,        "wrong-state") \
	X(BAD_AUTH,         "tunnel-auth-failed") \
	X(HIDDEN_FAILED,    "hidden-avp-failed") \
	X(DUP_SCCRQ,        "retransmitted-sccrq") \
	X(REFUSE_NONSECURE, "refused-nonsecure") \
	X(REFUSE_CONN_USED, "refused-ipsec-used") \
	X(REFUSE_CONN_SPENT,"refused-ipsec-spent") \
	X(REFUSE_TUNNELS,   "refused-max-tunnels") \
	X(REFUSE_SESSIONS,  "refused-max-sessions") \
	X(REFUSE_SINGLE,    "refused-single-shot") \
	X(REFUSE_VERSION,   "refused-version") \
	X(REFUSE_UP,        "refused-by-dataplane") \
	X(REFUSE_SCCRQ_RATE,"refused-sccrq-rate") \
	X(REFUSE_HALF_OPEN, "refused-half-open") \
	X(REFUSE_HALF_OPEN_SRC, "refused-half-open-source") \
	X(REFUSE_ICRQ_RATE, "refused-icrq-rate") \
	X(REFUSE_PENDING,   "refused-pending-sessions") \
	X(REFUSE_SILENT,    "refusals-unanswered") \
	X(REFUSE_NO_RANDOM, "refused-no-random") \
	X(REFUSE_DRAIN,     "refused-draining") \
	X(REFUSE_DRAIN_ICRQ,"refused-draining-sessions") \
	X(TUNNEL_SETUP_TIMEOUTS,  "tunnel-setup-timeouts") \
	X(SESSION_SETUP_TIMEOUTS, "session-setup-timeouts") \
	X(SEND_NOMEM,       "send-nomem") \
	X(TUNNELS_UP,       "tunnels-established") \
	X(SESSIONS_UP,      "sessions-established") \
	X(IDLE_TIMEOUTS,    "idle-timeouts") \
	X(HELLOS_SENT,      "hellos-sent") \
	X(SCCRQ_NO_HOST,    "sccrq-no-host-name") \
	X(SCCRQ_NO_FRAMING, "sccrq-no-framing-cap") \
	X(SCCRQ_RWS_ZERO,   "sccrq-rws-zero") \
	X(SCCRQ_DUP_TYPE,   "sccrq-duplicate-message-type") \
	X(SCCRQ_NS,         "sccrq-ns-not-zero") \
	X(SCCRQ_NR,         "sccrq-nr-not-zero") \
	X(SCCRQ_SESSION,    "sccrq-session-id-not-zero")

enum lns_l2tp_ctr {
#define X(e, s) LNS_L2TP_CTR_##e,
	LNS_L2TP_COUNTERS(X)
#undef X
	LNS_L2TP_CTR_MAX
};

struct lns_l2tp;

/** Create the control plane. conf, timers and log must outlive it. NULL on ENOMEM. */
struct lns_l2tp *lns_l2tp_create(const struct lns_conf *conf, const struct lns_l2tp_ops *ops,
				 void *ctx, struct lns_timers *tm, struct lns_evlog *log);
/** Free everything (no messages, no callbacks); its timers are cancelled. */
void lns_l2tp_free(struct lns_l2tp *l);

/**
 * A control message (UDP payload) from `from` at now_ms.
 * @return 0, or a negative errno after counting the reason: -EBADMSG malformed,
 * -ENOENT unknown tunnel/session, -EPERM refused, -EMSGSIZE too long.
 */
int lns_l2tp_input(struct lns_l2tp *l, const struct lns_l2tp_peer *from,
		   const uint8_t *msg, size_t len, uint64_t now_ms);

/** PPP or an operator ends a session: CDN with this result/error; lifecycle follows. */
int lns_l2tp_session_close(struct lns_l2tp *l, uint16_t tunnel_id, uint16_t session_id,
			   uint16_t result, uint16_t error, const char *msg, uint64_t now_ms);
/** Operator clears a tunnel: StopCCN (result 6 unless given); lifecycle follows. */
int lns_l2tp_tunnel_close(struct lns_l2tp *l, uint16_t tunnel_id, uint16_t result,
			  uint64_t now_ms);
/** The IPsec connection vanished (IKE Delete/DPD): its tunnels are destroyed. */
void lns_l2tp_conn_gone(struct lns_l2tp *l, uint32_t conn, uint64_t now_ms);
/**
 * A local tunnel id that something else holds (a `static:` tunnel): never handed
 * to a dynamic tunnel. Call before the first lns_l2tp_input(). An id above
 * limits.max-tunnels cannot collide and is accepted as is.
 * @return 0, -EEXIST (already held), -EINVAL (id 0).
 */
int lns_l2tp_reserve_tunnel_id(struct lns_l2tp *l, uint16_t id);
/** Drain (lnsctl drain, node.drain): while on, new SCCRQs get StopCCN result 2 with
 *  a message and new ICRQs CDN result 4; what exists stays. */
void lns_l2tp_set_drain(struct lns_l2tp *l, bool on);
/** Reload: new tunnels, admission, retransmission and the host name follow conf
 *  from now on; each existing tunnel keeps the destination profile it came with.
 *  The old conf may be freed after this call. */
void lns_l2tp_set_conf(struct lns_l2tp *l, const struct lns_conf *conf);
/** Shutdown: StopCCN to every established peer (one attempt, no waiting). */
void lns_l2tp_shutdown(struct lns_l2tp *l, uint64_t now_ms);

/** Lookups and iteration for lnsctl (ids ascending). @return 0 or -ENOENT. */
int lns_l2tp_tunnel_get(const struct lns_l2tp *l, uint16_t tid,
			struct lns_l2tp_tunnel_info *o);
int lns_l2tp_tunnel_next(const struct lns_l2tp *l, uint32_t after_tid,
			 struct lns_l2tp_tunnel_info *o);
int lns_l2tp_session_get(const struct lns_l2tp *l, uint16_t tid, uint16_t sid,
			 struct lns_l2tp_session_info *o);
/** Next session after (after_tid, after_sid); start with (0, 0). */
int lns_l2tp_session_next(const struct lns_l2tp *l, uint32_t after_tid, uint32_t after_sid,
			  struct lns_l2tp_session_info *o);

/** Counters (array of LNS_L2TP_CTR_MAX) and their names. */
void lns_l2tp_counters(const struct lns_l2tp *l, uint64_t *out);
const char *lns_l2tp_counter_name(unsigned int i);

/** What the policy knows of an IPsec connection. */
struct lns_l2tp_conn_info {
	uint32_t conn;
	bool     spent;          /**< rule 5: further SCCRQ/ICRQ over it are refused */
	bool     single_shot;    /**< carried a single-shot tunnel */
	bool     disconnected;   /**< ipsec_disconnect was called */
	uint32_t tunnels;        /**< tunnel records over it now (destructing included) */
	uint32_t tunnels_total;  /**< tunnels accepted over it in its life */
};
/** @return 0 or -ENOENT (unknown or forgotten connection). */
int lns_l2tp_conn_get(const struct lns_l2tp *l, uint32_t conn, struct lns_l2tp_conn_info *o);
/**
 * May a phase-1 renewal (a new ISAKMP SA from the same endpoint and identity)
 * continue IPsec connection conn? Not once it is spent (single-shot rule 5),
 * disconnected by the policy or gone: the client then starts a new connection.
 * A connection no tunnel was bound to yet may be continued.
 */
bool lns_l2tp_conn_continuable(const struct lns_l2tp *l, uint32_t conn);

/** Records (tunnels incl. destructing, sessions) now held; for tests and lnsctl. */
uint32_t lns_l2tp_tunnel_count(const struct lns_l2tp *l);
uint32_t lns_l2tp_session_count(const struct lns_l2tp *l);
/** Half-open tunnels now (SCCRP sent, no SCCCN yet: l2tp.admission.max-half-open). */
uint32_t lns_l2tp_half_open_count(const struct lns_l2tp *l);
/** Sessions now waiting for their ICCN (l2tp.admission.max-pending-sessions per tunnel). */
uint32_t lns_l2tp_pending_count(const struct lns_l2tp *l);

#endif /* LNS_L2TP_H */
