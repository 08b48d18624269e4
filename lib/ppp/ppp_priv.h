/* SPDX-License-Identifier: BSD-3-Clause */
/* One PPP session: state shared by the files of lib/ppp. Not a public header. */
#ifndef PPP_PRIV_H
#define PPP_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "lns_pool.h"
#include "lns_ppp.h"
#include "lns_ppp_auth.h"
#include "ppp_fsm.h"

/* RFC 1661 §3.2 phases */
enum ppp_phase {
	PPP_PH_DEAD = 0, PPP_PH_ESTABLISH, PPP_PH_AUTHENTICATE, PPP_PH_NETWORK,
	PPP_PH_TERMINATE,
};

#define PPP_AUTH_WAIT_MS    30000  /* PAP: how long we wait for an Authenticate-Request */
/* PAP after a Nak: a peer that retries does so at once (RFC 1334 2.2.1 has the
 * authenticator end the link); waiting the whole first-request time would keep a
 * failed session, its address and a single-shot tunnel alive for nothing. */
#define PPP_PAP_RETRY_WAIT_MS 3000
#define PPP_CHAP_RESEND_MS  3000   /* CHAP: Challenge retransmission (RFC 1994 §4.1) */
#define PPP_CHAP_MAX_SEND   5
#define PPP_LOOP_MAX        5      /* our magic seen this often in a row: a loop */
#define PPP_MIN_MRU         128

struct lns_ppp {
	const struct lns_ppp_env *env;
	const struct lns_ppp_ops *ops;
	void *ctx;
	enum ppp_phase phase;
	bool finished;                 /* ops->down was called */
	bool reason_set;
	int reason;                    /* why we close (for ops->down) */
	char reason_text[64];

	struct ppp_fsm lcp;
	struct ppp_fsm ipcp;

	/* LCP, our side */
	uint16_t our_mru;
	bool req_mru, req_magic, req_auth;
	uint32_t magic;
	uint8_t auth_idx;              /* index into conf->ppp.auth we ask for */
	/* LCP, peer side */
	uint16_t peer_mru;
	uint32_t peer_magic;
	uint8_t loops;
	bool loop_detected;           /* set while parsing, acted on after */
	bool no_auth_method;
	bool peer_terminated;

	/* keepalive (LCP Echo) */
	struct lns_timer ka_timer;
	uint16_t ka_interval;          /* seconds, 0 = off (ppp.keepalive or the profile's) */
	uint16_t ka_failures;
	uint32_t echo_missed;
	bool echo_outstanding;
	uint8_t echo_id;

	/* authentication */
	bool auth_needed;
	enum lns_ppp_auth method;
	struct lns_timer auth_timer;
	bool auth_pending;             /* a request is with the authenticator */
	bool auth_done_ok;
	bool auth_proxied;             /* the request came from the LAC's Proxy Authen AVPs */
	uint8_t auth_verdicts;         /* verdicts so far (ops->auth's attempt) */
	uint8_t auth_tries;            /* failed attempts */
	uint8_t auth_sends;            /* Challenge transmissions */
	uint8_t chap_id;
	uint8_t challenge[16];
	uint8_t chal_len;
	uint8_t pap_id;
	char success_msg[80];          /* resent for a duplicate Response (RFC 1994 §4.2) */
	char user[LNS_AUTH_USER_MAX + 1];
	struct lns_auth_result verdict;

	/* IPCP */
	bool req_addr;                 /* we send IP-Address */
	uint32_t addr;                 /* subscriber address, network order */
	bool addr_held;                /* addr is allocated/reserved in env->pools */
	bool ipcp_up;
	uint64_t up_since;

	uint64_t now;
	uint8_t txbuf[PPP_FSM_BUF];
};

/* ppp.c */
struct lns_ppp *ppp_session_new(const struct lns_ppp_env *env, const struct lns_ppp_ops *ops,
				void *ctx, uint64_t now);
void ppp_stat(struct lns_ppp *p, enum lns_ppp_stat s);
void ppp_send(struct lns_ppp *p, uint16_t proto, const uint8_t *info, size_t len);
void ppp_send_code(struct lns_ppp *p, uint16_t proto, uint8_t code, uint8_t id,
		   const uint8_t *data, size_t len);
void ppp_finish(struct lns_ppp *p, int reason, const char *text);
void ppp_terminate(struct lns_ppp *p, int reason, const char *text);
void ppp_auth_begin(struct lns_ppp *p);
int  ppp_auth_submit(struct lns_ppp *p, const struct lns_auth_req *req);
void ppp_network_begin(struct lns_ppp *p);
void ppp_auth_stat(struct lns_ppp *p, bool ok);

/* ppp_lcp.c */
extern const struct ppp_fsm_cbs ppp_lcp_cbs;
void ppp_lcp_init(struct lns_ppp *p);
void ppp_lcp_apply_proxy(struct lns_ppp *p, const uint8_t *sent, size_t sent_len);
void ppp_keepalive_start(struct lns_ppp *p);
void ppp_keepalive_stop(struct lns_ppp *p);
void ppp_protocol_reject(struct lns_ppp *p, uint16_t proto, const uint8_t *info, size_t len);
void ppp_lcp_input(struct lns_ppp *p, const uint8_t *pkt, size_t len);
uint16_t ppp_auth_proto(enum lns_ppp_auth m);

/* ppp_ipcp.c */
extern const struct ppp_fsm_cbs ppp_ipcp_cbs;
void ppp_ipcp_init(struct lns_ppp *p);

/* ppp_pap.c */
void ppp_pap_start(struct lns_ppp *p);
void ppp_pap_input(struct lns_ppp *p, const uint8_t *pkt, size_t len);
void ppp_pap_verdict(struct lns_ppp *p, bool ok, bool final);

/* ppp_chap.c (CHAP-MD5 and MS-CHAPv2 share the CHAP packet format) */
void ppp_chap_start(struct lns_ppp *p);
void ppp_chap_input(struct lns_ppp *p, const uint8_t *pkt, size_t len);
void ppp_chap_verdict(struct lns_ppp *p, bool ok, bool final);
void ppp_chap_timeout(struct lns_ppp *p);

/* ppp_crypto.c */
void ppp_random(void *buf, size_t len);

#endif /* PPP_PRIV_H */
