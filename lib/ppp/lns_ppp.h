/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * PPP termination for one L2TP session: LCP (RFC 1661), PAP (RFC 1334),
 * CHAP-MD5 (RFC 1994), MS-CHAPv2 (RFC 2759), IPCP (RFC 1332 + RFC 1877 DNS).
 *
 * The library is plain C (no DPDK): lnsd hands it PPP frames from the L2TP
 * session and gets packets to send back through lns_ppp_ops.send. Time is
 * injected in milliseconds; timers are lns_timer objects in env->timers, which
 * the owner runs with lns_timers_run().
 *
 * Callbacks: ops->send, ops->up, ops->down and ops->auth, and the authenticator's start(),
 * are called from inside lns_ppp_create(), lns_ppp_input(), lns_ppp_close(),
 * lns_ppp_auth_done() and timer callbacks. A callback must NOT call
 * lns_ppp_destroy() on its own session: after ops->down, lnsd withdraws the
 * address from the data plane and destroys the session later (outside the
 * callback). After ops->down the session is inert: input is ignored and no
 * further callback is made.
 *
 * Thread-safety: none; every session and the env belong to the control lcore.
 */
#ifndef LNS_PPP_H
#define LNS_PPP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lns_conf.h"
#include "lns_timer.h"

struct lns_ppp;
struct lns_pools;
struct lns_authenticator;

/* PPP protocol numbers (RFC 1661 §2, IANA) */
#define LNS_PPP_IPV4     0x0021
#define LNS_PPP_IPCP     0x8021
#define LNS_PPP_IPV6CP   0x8057
#define LNS_PPP_CCP      0x80fd
#define LNS_PPP_LCP      0xc021
#define LNS_PPP_PAP      0xc023
#define LNS_PPP_CHAP     0xc223

/** Why a session ended (ops->down reason). */
#define LNS_PPP_DOWN_REASONS(X) \
	X(PEER_TERMINATE, "peer-terminate")   /* peer sent Terminate-Request */ \
	X(LOCAL_CLOSE,    "local-close")      /* lns_ppp_close() */ \
	X(AUTH_FAILED,    "auth-failed")      /* wrong credentials, retries used up */ \
	X(AUTH_TIMEOUT,   "auth-timeout")     /* peer never authenticated */ \
	X(NO_AUTH_METHOD, "no-auth-method")   /* peer accepts none of ours */ \
	X(KEEPALIVE,      "keepalive")        /* Echo-Requests unanswered */ \
	X(LCP_FAILED,     "lcp-failed")       /* negotiation did not converge */ \
	X(IPCP_FAILED,    "ipcp-failed") \
	X(NO_ADDRESS,     "no-address")       /* pool exhausted / address in use */ \
	X(LOOPBACK,       "loopback")         /* our own magic number came back */ \
	X(UP_REFUSED,     "up-refused")       /* ops->up returned an error */

enum lns_ppp_down_reason {
#define X(e, s) LNS_PPP_DOWN_##e,
	LNS_PPP_DOWN_REASONS(X)
#undef X
	LNS_PPP_DOWN_MAX
};

/** Counters summed over all sessions of an env; X(ENUM, "name"). */
#define LNS_PPP_STATS(X) \
	X(SESSIONS_UP,        "sessions-up") \
	X(SESSIONS_DOWN,      "sessions-down") \
	X(AUTH_OK_PAP,        "auth-ok-pap") \
	X(AUTH_FAIL_PAP,      "auth-fail-pap") \
	X(AUTH_OK_CHAP_MD5,   "auth-ok-chap-md5") \
	X(AUTH_FAIL_CHAP_MD5, "auth-fail-chap-md5") \
	X(AUTH_OK_MSCHAPV2,   "auth-ok-mschapv2") \
	X(AUTH_FAIL_MSCHAPV2, "auth-fail-mschapv2") \
	X(AUTH_TIMEOUT,       "auth-timeout") \
	X(KEEPALIVE_LOSS,     "keepalive-loss") \
	X(PROTO_REJECT_SENT,  "protocol-reject-sent") \
	X(CODE_REJECT_SENT,   "code-reject-sent") \
	X(MALFORMED,          "malformed") \
	X(DISCARDED,          "discarded")   /* well-formed but not for this phase/state */ \
	X(LOOPBACK,           "loopback-detected") \
	X(POOL_EXHAUSTED,     "pool-exhausted") \
	X(ADDRESS_IN_USE,     "address-in-use") \
	X(NEGOTIATION_FAILED, "negotiation-failed") \
	X(ECHO_REQ_RX,        "echo-request-rx") \
	X(ECHO_REPLY_RX,      "echo-reply-rx") \
	X(STALE_AUTH_VERDICT, "stale-auth-verdict")

enum lns_ppp_stat {
#define X(e, s) LNS_PPP_STAT_##e,
	LNS_PPP_STATS(X)
#undef X
	LNS_PPP_STAT_MAX
};

struct lns_ppp_stats {
	uint64_t c[LNS_PPP_STAT_MAX];
};

/** Name of a counter / down reason ("?" if out of range). */
const char *lns_ppp_stat_name(unsigned int s);
const char *lns_ppp_down_reason_name(unsigned int r);

/** One authentication verdict, as ops->auth reports it. The pointers are valid
 *  only during the call. */
struct lns_ppp_auth_verdict {
	bool ok;
	enum lns_ppp_auth method;     /**< PAP, CHAP-MD5 or MS-CHAPv2 */
	bool proxied;                 /**< the LAC's Proxy Authen AVPs (RFC 2661 §4.4.5) */
	uint8_t attempt;              /**< 1 for the first verdict of the session, then 2... */
	const char *user;             /**< the name the peer gave (never NULL) */
	/** Why: on failure never empty (the authenticator's reason, e.g.
	 *  "radius=reject", else "rejected"); on success what the authenticator
	 *  said about it (e.g. "radius=accept"), possibly "". Never NULL. */
	const char *reason;
};

struct lns_ppp_ops {
	/** Send one PPP packet: protocol + information field (no address/control,
	 *  no FCS); lnsd frames it (ff 03 + 2-byte protocol) into the L2TP session. */
	void (*send)(void *ctx, uint16_t proto, const uint8_t *info, size_t len);
	/** IPCP opened: addr (network order) is the subscriber's; publish it.
	 *  Return 0, or -errno to bring the session down (LNS_PPP_DOWN_UP_REFUSED). */
	int  (*up)(void *ctx, uint32_t addr);
	/** The session must end; reason is enum lns_ppp_down_reason, text for logs.
	 *  Called at most once. Do not call lns_ppp_destroy() from here. */
	void (*down)(void *ctx, int reason, const char *text);
	/** An authentication verdict (see struct lns_ppp_auth_verdict): called once
	 *  for each verdict the authenticator delivers, whether it answered inside
	 *  the input call (local users) or later (RADIUS), before PPP answers the
	 *  peer and before ops->up / ops->down follow from it. May be NULL. */
	void (*auth)(void *ctx, const struct lns_ppp_auth_verdict *v);
};

/** Shared by all sessions, owned by lnsd; must outlive them. */
struct lns_ppp_env {
	const struct lns_conf *conf;
	struct lns_timers *timers;
	struct lns_pools *pools;
	const struct lns_authenticator *auth;  /**< e.g. lns_auth_local_create() */
	uint32_t local_addr;                   /**< our IPCP address, network order; 0 = none
						    *   (then our Configure-Request has no IP-Address) */
	struct lns_ppp_stats *stats;           /**< counters; NULL = not counted */
};

/**
 * A session; LCP is opened at once (we send a Configure-Request).
 * @return the session, or NULL on ENOMEM (nothing was sent).
 */
struct lns_ppp *lns_ppp_create(const struct lns_ppp_env *env, const struct lns_ppp_ops *ops,
			       void *ctx, uint64_t now_ms);

/** What a LAC already negotiated (RFC 2661 §4.4.5 Proxy LCP and Proxy Authen AVPs). */
struct lns_ppp_proxy {
	const uint8_t *last_sent_lcp;  /**< Last Sent LCP CONFREQ (LAC -> client): the options
					*   of "our" side, as a whole LCP packet or just its options */
	size_t last_sent_len;
	const uint8_t *last_rcvd_lcp;  /**< Last Received LCP CONFREQ (client -> LAC) */
	size_t last_rcvd_len;
	uint16_t authen_type;          /**< Proxy Authen Type: 2 CHAP, 3 PAP, 4 none (RFC 2661) */
	const char *authen_name;
	const uint8_t *authen_challenge;
	size_t authen_challenge_len;
	uint8_t authen_id;
	const uint8_t *authen_response; /**< CHAP response / PAP password */
	size_t authen_response_len;
};

/**
 * A session that takes over LCP and authentication from a LAC (only when
 * conf->ppp.accept_proxy; else it is lns_ppp_create()). LCP is taken as Opened
 * with the proxied options; PAP/CHAP-MD5 proxied credentials go to the
 * authenticator. Anything it cannot use (bad options, other auth types) falls
 * back to a full negotiation. @return the session or NULL on ENOMEM.
 */
struct lns_ppp *lns_ppp_create_proxy(const struct lns_ppp_env *env, const struct lns_ppp_ops *ops,
				     void *ctx, const struct lns_ppp_proxy *proxy, uint64_t now_ms);

/** One PPP frame as carried in L2TP: with or without ff 03, 1- or 2-byte protocol. */
void lns_ppp_input(struct lns_ppp *p, const uint8_t *frame, size_t len, uint64_t now_ms);

/** Close: LCP Terminate-Request; ops->down follows (Terminate-Ack or timeout). */
void lns_ppp_close(struct lns_ppp *p, const char *why, uint64_t now_ms);

/** Free; releases the pool address and cancels timers and a pending authentication.
 *  Not from inside this session's callbacks. NULL is a no-op. */
void lns_ppp_destroy(struct lns_ppp *p);

struct lns_ppp_info {
	const char *phase;        /**< "establish","authenticate","network","terminate","dead" */
	const char *user;         /**< "" until the peer names itself */
	const char *auth_method;  /**< "pap","chap-md5","mschapv2" or "" */
	uint32_t addr;            /**< subscriber address (network order), 0 = none yet */
	uint64_t up_since_ms;     /**< when IPCP opened, 0 = not up */
	const char *lcp_state;    /**< RFC 1661 state name */
	const char *ipcp_state;
	uint16_t peer_mru;        /**< the MRU the peer asked for (default 1500) */
	uint32_t echo_missed;     /**< Echo-Requests currently unanswered */
};

void lns_ppp_get_info(const struct lns_ppp *p, struct lns_ppp_info *o);

/** LCP keepalive of this session (a destination profile's keepalive-interval and
 *  -failures): seconds between Echo-Requests (0 = off), missed replies before
 *  the session ends. Default: ppp.keepalive. Restarts a running keepalive. */
void lns_ppp_set_keepalive(struct lns_ppp *p, uint16_t interval_s, uint16_t failures);

#endif /* LNS_PPP_H */
