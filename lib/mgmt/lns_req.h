/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The request protocol between telemetry (lib/mgmt) and the control lcore
 * (lib/ctl), and the snapshot structs control answers with.
 *
 * A request travels over the data plane's MP/SC ring `dp->req`. The asker
 * (any non-control thread: lns_ctl_request*()) allocates it and waits; the
 * control lcore (lib/ctl) fills in the result and, for snapshots, the reply
 * buffer, then marks it done. An asker that times out hands the request over
 * (abandoned) and control frees it when it gets to it. Neither side touches the
 * other's state.
 */
#ifndef LNS_REQ_H
#define LNS_REQ_H

#include <stdint.h>

struct lns_dp;

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
	LNS_REQ_DRAIN,                  /**< arg: 0 off; else on, and arg >> 1 s until the
					 *   sessions left are ended (0: never; off cancels);
					 *   result: sessions left */
	LNS_REQ_RELOAD,                 /**< arg: LNS_RELOAD_DRY_RUN bit; buf in: the file
					 *   ("" = the running one), out: the answer's lines;
					 *   result: changes applied, or -EINVAL (invalid file) */
};

#define LNS_RELOAD_DRY_RUN 1u
#define LNS_RELOAD_BUF 12288            /**< answer of a reload: lines of text */

/** drain on --max-wait: at most a week */
#define LNS_DRAIN_MAX_WAIT_S 604800u

/** A request on the ring. Owned by the asker until it is abandoned. */
struct lns_ctl_req {
	uint32_t type;          /**< enum lns_req_type */
	uint32_t arg;
	int32_t result;
	uint32_t state;         /**< enum lns_req_state, atomic */
	uint32_t buflen;        /**< reply buffer: owned by the request, so an asker */
	uint32_t pad;           /**< that gave up leaves nothing dangling; 8-aligned */
	uint64_t buf[];         /**< for the snapshot structs' 64-bit fields */
};

enum lns_req_state { LNS_REQ_PENDING = 0, LNS_REQ_DONE, LNS_REQ_ABANDONED };

/**
 * Control's side: the request has been carried out (result and buf set). Frees
 * it if the asker gave up waiting.
 */
void lns_ctl_req_done(struct lns_ctl_req *r);

/**
 * Ask the control lcore to carry out a request and wait for its result. Safe from
 * any non-control thread (telemetry). On time-out the request is abandoned and
 * freed by control when it gets to it.
 * @return 0 and *result, or -ETIMEDOUT, -ENOMEM, -ENOBUFS.
 */
int lns_ctl_request(struct lns_dp *dp, uint32_t type, uint32_t arg, unsigned int timeout_ms,
		    int32_t *result);

/** Same, with a buffer of len bytes: in (inlen <= len bytes, may be NULL) is copied
 *  into it for control to read, and control's answer is copied back to out. */
int lns_ctl_request_io(struct lns_dp *dp, uint32_t type, uint32_t arg, const void *in,
		       uint32_t inlen, void *out, uint32_t len, unsigned int timeout_ms,
		       int32_t *result);

/** Same, with a reply buffer of outlen bytes that control fills (copied to out). */
int lns_ctl_request_buf(struct lns_dp *dp, uint32_t type, uint32_t arg, void *out,
			uint32_t outlen, unsigned int timeout_ms, int32_t *result);

#define LNS_CTL_NCTR 96                 /**< room per protocol (>= each X-macro) */
#define LNS_CTL_NPOOLS 64               /**< = LNS_CONF_MAX_POOLS */
#define LNS_CTL_POOL_NAME 64            /**< = LNS_CONF_NAME_MAX */

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
	uint32_t draining;              /**< 1 while drained (lnsctl drain, node.drain) */
	/** address pools, in the order of ppp.pools: name, size and addresses in use,
	 *  taken together (a reload may change the pools between two snapshots) */
	uint32_t n_pools;
	char     pool_name[LNS_CTL_NPOOLS][LNS_CTL_POOL_NAME];
	uint32_t pool_size[LNS_CTL_NPOOLS];
	uint32_t pool_in_use[LNS_CTL_NPOOLS];
};

/** A tunnel as the L2TP control plane has it, for telemetry. */
struct lns_tun_snap {
	uint16_t tid, peer_tid;
	uint32_t peer;                  /**< network order */
	uint16_t peer_port;             /**< host order */
	uint8_t  single_shot, secure;
	uint8_t  tstate;                /**< enum lns_l2tp_tstate (state: its name) */
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
	uint32_t session_left_s;        /**< seconds until Session-Timeout ends it */
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
	X(UNEXPECTED_CODE, "das-unexpected-code") \
	X(COA_UNKNOWN_POLICY, "das-coa-unknown-policy")

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
		uint8_t st;             /**< enum lns_radc_srv_state (state: its name) */
		char state[12];
		uint32_t rtt_ms;
		uint64_t requests, responses, timeouts, retransmits;
	} srv[8];
	uint32_t n_ctr;                 /**< names: lns_radc_stat_name() */
	uint64_t ctr[32];
	uint32_t acct_pending, spool_depth;
	uint64_t auth_fallbacks;
	/** Access-Accepts whose Filter-Id named no policy (fell back to ppp.users/profile) */
	uint64_t filter_id_unknown;
	/** Access-Accepts whose Mikrotik-Rate-Limit could not be parsed (ignored) */
	uint64_t rate_limit_bad;
	/** RADIUS rates not applied: every anonymous policy slot was held */
	uint64_t rate_limit_no_slot;
	uint64_t auth_held;             /**< Access-Requests that waited for Accounting-On */
	uint8_t accounting_on;          /**< 1 once this run's Accounting-On is acknowledged */
	uint64_t das[16];               /**< enum lns_das_stat */
	uint16_t das_port;              /**< 0 = no dynamic authorization server */
};


#endif /* LNS_REQ_H */
