/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Proxy LCP and Proxy Authentication (RFC 2661 §4.4.5): the LAC already
 * negotiated LCP, and perhaps collected the credentials, with the client. We
 * take LCP as Opened with those options and hand the proxied credentials to
 * the authenticator, so the client sees no second negotiation.
 */
#include <string.h>

#include "ppp_priv.h"

enum { PROXY_CHAP = 2, PROXY_PAP = 3, PROXY_NONE = 4 };

/* The AVP value is the CONFREQ's options; accept a whole packet too. */
static void
options_of(const uint8_t *b, size_t len, const uint8_t **o, size_t *ol)
{
	if (len >= 4 && b[0] == PPP_CONFREQ && ppp_get16(b + 2) == len) {
		*o = b + 4;
		*ol = len - 4;
	} else {
		*o = b;
		*ol = len;
	}
}

/* the options the LAC sent as "us": MRU, Magic, Authentication-Protocol */
static int
take_sent(struct lns_ppp *p, const uint8_t *o, size_t len, int *method)
{
	*method = -1;
	p->req_mru = false;
	p->req_magic = false;
	p->req_auth = false;
	for (size_t i = 0; i < len;) {
		const uint8_t *opt = o + i;

		if (len - i < 2 || opt[1] < 2 || opt[1] > len - i)
			return -1;
		i += opt[1];
		if (opt[0] == 1 && opt[1] == 4) {
			p->our_mru = ppp_get16(opt + 2);
			p->req_mru = true;
		} else if (opt[0] == 5 && opt[1] == 6) {
			p->magic = ppp_get32(opt + 2);
			p->req_magic = true;
		} else if (opt[0] == 3 && opt[1] >= 4) {
			uint16_t proto = ppp_get16(opt + 2);

			if (proto == LNS_PPP_PAP)
				*method = LNS_AUTH_PAP;
			else if (proto == LNS_PPP_CHAP && opt[1] == 5 && opt[4] == 5)
				*method = LNS_AUTH_CHAP_MD5;
			else if (proto == LNS_PPP_CHAP && opt[1] == 5 && opt[4] == 0x81)
				*method = LNS_AUTH_MSCHAPV2;
			else
				return -1;
			p->req_auth = true;
		}
	}
	return 0;
}

static bool
method_allowed(const struct lns_ppp_conf *pc, int m)
{
	for (unsigned int i = 0; i < pc->n_auth; i++)
		if (pc->auth[i] == m) {
			return true;
		}
	return false;
}

struct lns_ppp *
lns_ppp_create_proxy(const struct lns_ppp_env *env, const struct lns_ppp_ops *ops, void *ctx,
		     const struct lns_ppp_proxy *px, uint64_t now_ms)
{
	const struct lns_ppp_conf *pc = &env->conf->ppp;
	struct lns_ppp *p;
	const uint8_t *o;
	size_t ol, rl;
	uint8_t reply[PPP_FSM_BUF];
	int method;

	if (!pc->accept_proxy || !px || !px->last_sent_lcp || !px->last_rcvd_lcp)
		return lns_ppp_create(env, ops, ctx, now_ms);
	p = ppp_session_new(env, ops, ctx, now_ms);
	if (!p)
		return NULL;
	options_of(px->last_sent_lcp, px->last_sent_len, &o, &ol);
	if (take_sent(p, o, ol, &method) < 0)
		goto renegotiate;
	if (pc->n_auth > 0 && (method < 0 || !method_allowed(pc, method)))
		goto renegotiate;        /* we require one of our methods */
	options_of(px->last_rcvd_lcp, px->last_rcvd_len, &o, &ol);
	if (ppp_lcp_cbs.check_cr(&p->lcp, o, ol, reply, sizeof(reply), &rl, false) != PPP_CONFACK)
		goto renegotiate;
	for (unsigned int i = 0; method >= 0 && i < pc->n_auth; i++)
		if (pc->auth[i] == method)
			p->auth_idx = (uint8_t)i;
	p->lcp.state = PPP_ST_OPENED;
	p->lcp.id_valid = false;
	p->auth_needed = pc->n_auth > 0;
	p->method = p->auth_needed ? (enum lns_ppp_auth)method : LNS_AUTH_PAP;
	ppp_keepalive_start(p);
	lns_timer_init(&p->auth_timer, NULL, p);

	if (p->auth_needed && px->authen_name &&
	    ((px->authen_type == PROXY_PAP && method == LNS_AUTH_PAP) ||
	     (px->authen_type == PROXY_CHAP && method == LNS_AUTH_CHAP_MD5 &&
	      px->authen_challenge_len > 0 && px->authen_challenge_len <= sizeof(p->challenge)))) {
		struct lns_auth_req req;

		ppp_auth_begin(p);               /* Authenticate phase, timers set */
		lns_timer_cancel(env->timers, &p->auth_timer);
		memset(&req, 0, sizeof(req));
		req.method = (enum lns_ppp_auth)method;
		req.user = px->authen_name;
		if (method == LNS_AUTH_PAP) {
			p->pap_id = px->authen_id;
			req.password = px->authen_response;
			req.password_len = px->authen_response_len;
		} else {
			p->chap_id = px->authen_id;
			p->chal_len = (uint8_t)px->authen_challenge_len;
			memcpy(p->challenge, px->authen_challenge, p->chal_len);
			req.chap_id = p->chap_id;
			req.challenge = p->challenge;
			req.challenge_len = p->chal_len;
			req.response = px->authen_response;
			req.response_len = px->authen_response_len;
		}
		if (p->phase == PPP_PH_AUTHENTICATE) {
			p->auth_proxied = true;   /* for this one verdict (ops->auth) */
			(void)ppp_auth_submit(p, &req);
		}
		return p;
	}
	/* LCP proxied; authenticate (or not) ourselves */
	p->phase = PPP_PH_ESTABLISH;
	ppp_auth_begin(p);
	return p;

renegotiate:
	/* RFC 2661 §4.4.5: the LNS may always renegotiate LCP from scratch */
	ppp_lcp_init(p);
	ppp_fsm_open(&p->lcp, now_ms);
	ppp_fsm_up(&p->lcp, now_ms);
	return p;
}
