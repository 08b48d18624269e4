/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The control lcore's side of the data plane: it drains the workers' punt rings
 * and its own RX queues, answers ARP and ICMP echo for lnsd's addresses, resolves
 * next hops by ARP and publishes their MACs to the workers, and sends on its own
 * TX queue of every port.
 *
 * Thread-safety: everything here runs on the control (main) lcore only.
 */
#ifndef LNS_CTL_H
#define LNS_CTL_H

#include <stdint.h>

#include "lns_dp.h"
#include "lns_evlog.h"
#include "lns_timer.h"

/** Log type of the control lcore's data-plane code ("lns.ctl"). */
extern int lns_logtype_ctl;
/* The protocols' log types (lns.l2tp, lns.ppp, lns.ike, lns.ipsec): their
 * lifecycle events are logged under them, so each has its own level. */
extern int lns_logtype_l2tp;
extern int lns_logtype_ppp;
extern int lns_logtype_ike;
extern int lns_logtype_ipsec;

#define LNS_NEIGH_SIZE 1024            /**< per port; power of two */

struct lns_neigh {
	uint32_t ip;                    /**< network byte order; 0 = empty slot */
	struct rte_ether_addr mac;
	uint64_t seen_tsc;
};

/** Requests other threads (telemetry) hand to the control lcore. */
enum lns_req_type {
	LNS_REQ_CLEAR_SA = 1,           /**< arg: inbound or outbound SPI; drop the pair now */
	LNS_REQ_SNAP_TUNNELS,           /**< arg: after this tunnel id; buf: lns_tun_snap[] */
	LNS_REQ_SNAP_SESSIONS,          /**< arg: after this handle (UINT32_MAX: from the
					 *   start); buf: lns_sess_snap[] */
	LNS_REQ_CLEAR_TUNNEL,           /**< arg: local tunnel id; StopCCN */
	LNS_REQ_CLEAR_SESSION,          /**< arg: session handle; CDN */
	LNS_REQ_SNAP_COUNTERS,          /**< buf: struct lns_ctl_counters */
	LNS_REQ_SNAP_RADIUS,            /**< buf: struct lns_radius_snap (ctl_aaa.c) */
};

#define LNS_CTL_NCTR 64                 /**< room per protocol (>= each X-macro) */
#define LNS_CTL_NPOOLS 64               /**< = LNS_CONF_MAX_POOLS */

/** Control-plane counters and gauges, for metrics. Names: lns_l2tp_counter_name(),
 *  lns_ppp_stat_name(), lns_ike_counter_name(). */
struct lns_ctl_counters {
	uint32_t n_l2tp, n_ppp, n_ike;
	uint64_t l2tp[LNS_CTL_NCTR];
	uint64_t ppp[LNS_CTL_NCTR];
	uint64_t ike[LNS_CTL_NCTR];
	uint32_t tunnels_established, tunnels_opening, tunnels_closing, tunnels_destructing;
	uint32_t sessions;
	uint32_t ike_sas, ike_half_open;
	/** address pools, in the order of ppp.pools: size and addresses in use */
	uint32_t n_pools;
	uint32_t pool_size[LNS_CTL_NPOOLS];
	uint32_t pool_in_use[LNS_CTL_NPOOLS];
};

/** A tunnel as the L2TP control plane has it, for telemetry. */
struct lns_tun_snap {
	uint16_t tid, peer_tid;
	uint32_t peer;                  /**< network order */
	uint16_t peer_port;             /**< host order */
	uint8_t  single_shot, secure;
	uint32_t conn;                  /**< IPsec connection, UINT32_MAX none */
	uint32_t sessions;
	uint32_t sessions_total;
	uint16_t result;                /**< why it ended (StopCCN result) */
	uint64_t age_ms;
	uint64_t destruct_left_ms;      /**< 0 unless destructing */
	char     state[16];
	char     profile[32];
	char     host[64];
};

/** A session as control has it (L2TP + PPP), for telemetry. */
struct lns_sess_snap {
	uint32_t handle;
	uint16_t tid, sid, peer_tid, peer_sid;
	uint32_t peer;                  /**< network order */
	uint32_t addr;                  /**< network order, 0 = none yet */
	uint64_t uptime_ms;             /**< since IPCP opened, 0 = not up */
	char     user[64];
	char     phase[16];
	char     auth[12];
	/* AAA (ctl_aaa.c): what RADIUS applied; empty / 0 when nothing */
	char     acct_session_id[24];
	char     filter_id[32];
	char     framed_pool[32];
	char     framed_route[48];
	uint32_t session_timeout, idle_timeout, interim_interval;
	uint8_t  class_len;
	uint8_t  radius;                /**< authenticated by a RADIUS server */
};

/** Dynamic authorization server counters (RFC 5176, ctl_aaa.c). */
#define LNS_DAS_STATS(X) \
	X(REQUESTS,        "das-requests") \
	X(DISCONNECT_ACKS, "das-disconnect-acks") \
	X(DISCONNECT_NAKS, "das-disconnect-naks") \
	X(COA_ACKS,        "das-coa-acks") \
	X(COA_NAKS,        "das-coa-naks") \
	X(UNKNOWN_CLIENT,  "das-unknown-client") \
	X(MALFORMED,       "das-malformed") \
	X(BAD_AUTHENTICATOR, "das-bad-authenticator") \
	X(NO_MSG_AUTH,     "das-no-message-authenticator") \
	X(STALE,           "das-stale-event-timestamp") \
	X(DUPLICATE,       "das-duplicate") \
	X(UNEXPECTED_CODE, "das-unexpected-code")

enum lns_das_stat {
#define X(e, s) LNS_DAS_##e,
	LNS_DAS_STATS(X)
#undef X
	LNS_DAS_STAT_MAX
};

const char *lns_das_stat_name(unsigned int s);

/** RADIUS client state, for `lnsctl show radius` and metrics. */
struct lns_radius_snap {
	uint32_t n_servers;
	struct {
		uint32_t addr;          /**< network order */
		uint16_t auth_port, acct_port;
		char state[12];
		uint32_t rtt_ms;
		uint64_t requests, responses, timeouts, retransmits;
	} srv[8];
	uint32_t n_ctr;                 /**< names: lns_radc_stat_name() */
	uint64_t ctr[32];
	uint32_t acct_pending, spool_depth;
	uint64_t auth_fallbacks;
	uint64_t das[16];               /**< enum lns_das_stat */
	uint16_t das_port;              /**< 0 = no dynamic authorization server */
};

/** Control-lcore state of the data plane. */
struct lns_ctl {
	struct lns_dp *dp;
	struct lns_stats_lcore *st;     /**< the control lcore's counter slot */
	struct lns_dp_lctx lc;          /**< for the control lcore's own RX queues */
	uint64_t resolve_next_tsc;
	struct lns_neigh neigh[LNS_PORT_ROLE_MAX][LNS_NEIGH_SIZE];
	uint64_t gw_next_arp_tsc[LNS_PORT_ROLE_MAX];
	uint64_t hz;
	struct lns_timers *timers;      /**< protocol timers (ms since dp start) */
	uint64_t life_next_tsc;         /**< next SA lifetime scan */
	struct lns_subs *subs;          /**< L2TP and PPP control planes (ctl_sub.c) */
	struct lns_ike *ike;            /**< IKEv1 responder (ctl_ike.c) */
	struct lns_aaa *aaa;            /**< RADIUS (ctl_aaa.c), NULL without radius.servers */
	void *ike_pending;              /**< Deletes waiting to be sent (ctl_ike.c) */
	struct conn_out *conn_out;      /**< IKE connection -> newest outbound SA (ctl_ike.c) */
	uint32_t conn_out_mask;
	uint32_t conn_out_used, conn_out_tomb;
	/** Policy disconnected an IPsec connection (its SAs are already dropped):
	 *  the key manager sends its Deletes. NULL without IKE. */
	void (*ipsec_disconnect)(struct lns_ctl *ctl, uint32_t conn, const char *why);
};

/**
 * Prepare control state for `dp` (after lns_dp_init()): counters, protocol timers,
 * and the event log's sink (each event becomes a key=value log line).
 * @return 0 or -ENOMEM.
 */
int lns_ctl_init(struct lns_ctl *ctl, struct lns_dp *dp);

/** Release what lns_ctl_init() allocated. */
void lns_ctl_fini(struct lns_ctl *ctl);

/** Monotonic milliseconds since the data plane started: the protocols' clock. */
uint64_t lns_ctl_now_ms(const struct lns_ctl *ctl);

/** Monotonic microseconds since the data plane started: event time stamps. */
uint64_t lns_ctl_now_us(const struct lns_ctl *ctl);

/**
 * One pass of control work: drain punt rings and control RX queues, handle what
 * they carry, and run the ARP refresh timers.
 * @return the number of packets handled (0 = idle).
 */
unsigned int lns_ctl_poll(struct lns_ctl *ctl);

/**
 * Next-hop MAC toward an access-side peer (the peer itself on the access subnet,
 * else the access gateway) as lns_mac_publish_value(); 0 when not resolved yet, in
 * which case an ARP request has been sent.
 */
uint64_t lns_ctl_nh_mac(struct lns_ctl *ctl, uint32_t peer);

/** An mbuf from the pool of a port's socket (counted drop when empty). */
struct rte_mbuf *lns_ctl_alloc(struct lns_ctl *ctl, enum lns_port_role role);

/** Look up a neighbour learned on a port; NULL if unknown. */
const struct lns_neigh *lns_ctl_neigh_lookup(const struct lns_ctl *ctl,
					     enum lns_port_role role, uint32_t ip);

/**
 * Provision the config's `static` section: SA pairs, tunnels and sessions, as the
 * data plane's tables. @return 0, or -errno with a message in err.
 */
int lns_ctl_provision_static(struct lns_ctl *ctl, char *err, size_t errlen);

/**
 * Ask the control lcore to carry out a request and wait for its result. Safe from
 * any non-control thread (telemetry). On time-out the request is abandoned and
 * freed by control when it gets to it.
 * @return 0 and *result, or -ETIMEDOUT, -ENOMEM, -ENOBUFS.
 */
int lns_ctl_request(struct lns_dp *dp, uint32_t type, uint32_t arg, unsigned int timeout_ms,
		    int32_t *result);

/** Same, with a reply buffer of outlen bytes that control fills (copied to out). */
int lns_ctl_request_buf(struct lns_dp *dp, uint32_t type, uint32_t arg, void *out,
			uint32_t outlen, unsigned int timeout_ms, int32_t *result);

struct lns_subs;
struct conn_out;
struct lns_l2tp;
struct lns_ppp;
struct lns_ppp_stats;

/**
 * Start the L2TP and PPP control planes (after lns_ctl_provision_static(): the
 * addresses static sessions hold are reserved in the pools).
 * @return 0, or -errno with a message in err.
 */
int lns_ctl_subs_init(struct lns_ctl *ctl, char *err, size_t errlen);

/** StopCCN to every peer (one attempt, nothing waited for): lnsd is stopping. */
void lns_ctl_subs_shutdown(struct lns_ctl *ctl);

/** Free the L2TP and PPP control planes (workers stopped). */
void lns_ctl_subs_fini(struct lns_ctl *ctl);

/** Punted L2TP control message / PPP frame of a session (consume m). */
void lns_ctl_sub_l2tp(struct lns_ctl *ctl, struct rte_mbuf *m);
void lns_ctl_sub_ppp(struct lns_ctl *ctl, struct rte_mbuf *m);

/** The L2TP control plane, for listings (control lcore). NULL before init. */
const struct lns_l2tp *lns_ctl_l2tp(const struct lns_ctl *ctl);
/** PPP of the session with data-plane handle h, NULL if none. */
const struct lns_ppp *lns_ctl_sub_ppp_of(const struct lns_ctl *ctl, uint32_t handle);
/** PPP counters summed over sessions. */
const struct lns_ppp_stats *lns_ctl_ppp_stats(const struct lns_ctl *ctl);

struct lns_ike;
struct lns_esp_sa_params;

/** IPsec connection ids of IKE in the SA table carry this bit (static SAs do not). */
#define LNS_CONN_IKE 0x80000000u

/** The newest outbound SA of an IKE connection (sad conn id), LNS_SAD_NONE if none. */
uint32_t lns_ctl_conn_sa_out(const struct lns_ctl *ctl, uint32_t conn);

/** Start the IKEv1 responder (after lns_ctl_subs_init()). @return 0 or -errno. */
int lns_ctl_ike_init(struct lns_ctl *ctl, char *err, size_t errlen);
/** Delete for every IKE SA (lnsd is stopping). */
void lns_ctl_ike_shutdown(struct lns_ctl *ctl);
void lns_ctl_ike_fini(struct lns_ctl *ctl);
/** A punted IKE packet (UDP 500, or 4500 with the non-ESP marker); consumes m. */
void lns_ctl_ike_input(struct lns_ctl *ctl, struct rte_mbuf *m);

/** Send a frame (Ethernet header included) on the control TX queue of a port. */
void lns_ctl_tx(struct lns_ctl *ctl, enum lns_port_role role, struct rte_mbuf *m);
/** Cipher and integrity of an ESP algorithm (enum lns_esp_alg) into p. */
void lns_ctl_esp_algo(uint8_t alg, struct lns_esp_sa_params *p);
/** The L2TP control plane (mutable), NULL before init. */
struct lns_l2tp *lns_ctl_l2tp_rw(struct lns_ctl *ctl);

/** Control side of the SNAP/CLEAR tunnel and session requests. */
int32_t lns_ctl_subs_request(struct lns_ctl *ctl, uint32_t type, uint32_t arg, void *buf,
			     uint32_t buflen);

/* ---- AAA glue (ctl_aaa.c); ctl_sub.c calls these at a session's life points ---- */
struct lns_aaa;
struct lns_aaa_sess;
struct lns_authenticator;

/** Start the RADIUS client when radius.servers is set (Accounting-On sent).
 *  @return the authenticator PPP uses (RADIUS, or `local` when radius.authenticate
 *  is off or no servers), NULL on error with err set. */
const struct lns_authenticator *lns_ctl_aaa_init(struct lns_ctl *ctl,
						 const struct lns_authenticator *local,
						 char *err, size_t errlen);
/** Read RADIUS answers; called from lns_ctl_poll(). */
void lns_ctl_aaa_poll(struct lns_ctl *ctl);
/** Stop for every live session, Accounting-Off, up to 2 s for the answers. */
void lns_ctl_aaa_shutdown(struct lns_ctl *ctl);
void lns_ctl_aaa_fini(struct lns_ctl *ctl);
/** Per-session AAA state (NULL without RADIUS: every hook accepts NULL). */
struct lns_aaa_sess *lns_ctl_aaa_session_new(struct lns_ctl *ctl, uint32_t handle,
					     uint16_t tid, uint16_t sid, uint32_t peer,
					     uint16_t peer_port, uint32_t conn);
/** Before IPCP's address is published: count the session against its user.
 *  @return 0, or -EDQUOT past max-sessions-per-user (the session is refused). */
int lns_ctl_aaa_session_admit(struct lns_aaa_sess *s, const char *user);
/** IPCP opened with addr (network order): Accounting Start, timers. */
void lns_ctl_aaa_session_up(struct lns_aaa_sess *s, uint32_t addr, const char *user);
/** Why the session ends (Acct-Terminate-Cause); the first cause given wins. */
void lns_ctl_aaa_session_cause(struct lns_aaa_sess *s, int cause);
/** The session is gone (counters still readable): Stop, then free s. */
void lns_ctl_aaa_session_end(struct lns_aaa_sess *s);
void lns_ctl_aaa_session_info(const struct lns_aaa_sess *s, struct lns_sess_snap *o);
int lns_ctl_aaa_snap(const struct lns_ctl *ctl, struct lns_radius_snap *o);
/** ctl_sub.c: the AAA state of a session from its PPP ctx; close a session (CDN). */
struct lns_aaa_sess *lns_ctl_sub_aaa(void *sub_ctx);
int lns_ctl_sub_close(struct lns_ctl *ctl, uint32_t handle, const char *why);

/** Handle one punted packet (consumes it). Exposed for tests. */
void lns_ctl_handle(struct lns_ctl *ctl, struct rte_mbuf *m);

#endif /* LNS_CTL_H */
