/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CHAP (RFC 1994) as authenticator, with the MD5 algorithm (5) and MS-CHAPv2
 * (0x81, RFC 2759), which use the same Challenge/Response/Success/Failure
 * packets and differ in the value sizes and the Success/Failure messages.
 */
#include <stdio.h>
#include <string.h>

#include "ppp_priv.h"

enum { CHAP_CHALLENGE = 1, CHAP_RESPONSE = 2, CHAP_SUCCESS = 3, CHAP_FAILURE = 4 };

#define MSCHAPV2_RESP_LEN 49   /* RFC 2759 §4: 16 + 8 + 24 + 1 */

static void
send_challenge(struct lns_ppp *p)
{
	const char *name = p->env->conf->l2tp.host_name;
	uint8_t b[1 + 16 + LNS_CONF_NAME_MAX];
	size_t nl = strnlen(name, LNS_CONF_NAME_MAX - 1);

	b[0] = p->chal_len;
	memcpy(b + 1, p->challenge, p->chal_len);
	memcpy(b + 1 + p->chal_len, name, nl);
	p->auth_sends++;
	ppp_send_code(p, LNS_PPP_CHAP, CHAP_CHALLENGE, p->chap_id, b, 1 + p->chal_len + nl);
	(void)lns_timer_arm(p->env->timers, &p->auth_timer, p->now + PPP_CHAP_RESEND_MS);
}

static void
new_challenge(struct lns_ppp *p)
{
	/* RFC 1994 §2.3: unpredictable and changed with every Identifier;
	 * RFC 2759 §4: MS-CHAPv2 challenges are 16 octets */
	p->chal_len = 16;
	ppp_random(p->challenge, p->chal_len);
}

void
ppp_chap_start(struct lns_ppp *p)
{
	ppp_random(&p->chap_id, 1);
	new_challenge(p);
	send_challenge(p);
}

void
ppp_chap_timeout(struct lns_ppp *p)
{
	send_challenge(p);    /* §4.1: the same Identifier and value again */
}

void
ppp_chap_input(struct lns_ppp *p, const uint8_t *pkt, size_t len)
{
	struct lns_auth_req req;
	char user[LNS_AUTH_USER_MAX + 1];
	const uint8_t *d;
	size_t plen, dlen, vs, nl;

	if (len < 4 || (plen = ppp_get16(pkt + 2)) < 4 || plen > len) {
		ppp_stat(p, LNS_PPP_STAT_MALFORMED);
		return;
	}
	if (pkt[0] != CHAP_RESPONSE) {
		ppp_stat(p, LNS_PPP_STAT_DISCARDED);
		return;
	}
	d = pkt + 4;
	dlen = plen - 4;
	if (dlen < 1 || (vs = d[0]) + 1 > dlen) {
		ppp_stat(p, LNS_PPP_STAT_MALFORMED);
		return;
	}
	nl = dlen - 1 - vs;
	if (pkt[1] != p->chap_id) {      /* §4.1: an answer to an old Challenge */
		ppp_stat(p, LNS_PPP_STAT_DISCARDED);
		return;
	}
	if (p->auth_done_ok) {
		/* §4.2: our Success was lost: send it again */
		ppp_send_code(p, LNS_PPP_CHAP, CHAP_SUCCESS, p->chap_id,
			      (const uint8_t *)p->success_msg, strlen(p->success_msg));
		return;
	}
	if (p->auth_pending || p->phase != PPP_PH_AUTHENTICATE) {
		ppp_stat(p, LNS_PPP_STAT_DISCARDED);
		return;
	}
	if (vs != (p->method == LNS_AUTH_MSCHAPV2 ? MSCHAPV2_RESP_LEN : 16u) ||
	    nl > LNS_AUTH_USER_MAX || memchr(d + 1 + vs, 0, nl)) {
		ppp_stat(p, LNS_PPP_STAT_MALFORMED);
		return;
	}
	memcpy(user, d + 1 + vs, nl);
	user[nl] = '\0';
	memset(&req, 0, sizeof(req));
	req.method = p->method;
	req.user = user;
	req.chap_id = p->chap_id;
	req.challenge = p->challenge;
	req.challenge_len = p->chal_len;
	req.response = d + 1;
	req.response_len = vs;
	(void)ppp_auth_submit(p, &req);
}

void
ppp_chap_verdict(struct lns_ppp *p, bool ok, bool final)
{
	char msg[128];
	int n;

	if (ok) {
		if (p->method == LNS_AUTH_MSCHAPV2)   /* RFC 2759 §5 */
			snprintf(p->success_msg, sizeof(p->success_msg), "%s M=%.30s",
				 p->verdict.auth_response,
				 p->verdict.message[0] ? p->verdict.message : "Welcome");
		else
			snprintf(p->success_msg, sizeof(p->success_msg), "%.70s",
				 p->verdict.message[0] ? p->verdict.message : "Welcome");
		ppp_send_code(p, LNS_PPP_CHAP, CHAP_SUCCESS, p->chap_id,
			      (const uint8_t *)p->success_msg, strlen(p->success_msg));
		return;
	}
	if (p->method == LNS_AUTH_MSCHAPV2) {
		/* RFC 2759 §6: E=691 (bad credentials); R=1 lets the peer retry
		 * with the new challenge C, in a Response whose Identifier is
		 * one more than the Failure's */
		char hex[33];

		new_challenge(p);
		for (int i = 0; i < 16; i++)
			snprintf(hex + 2 * i, 3, "%02X", p->challenge[i]);
		n = snprintf(msg, sizeof(msg), "E=691 R=%d C=%s V=3 M=%.60s",
			     final ? 0 : 1, hex, p->verdict.message[0] ? p->verdict.message :
			     "Authentication failed");
		ppp_send_code(p, LNS_PPP_CHAP, CHAP_FAILURE, p->chap_id, (const uint8_t *)msg,
			      (size_t)n);
		if (!final) {
			p->chap_id++;
			p->auth_sends = PPP_CHAP_MAX_SEND;   /* nothing to resend: just wait */
			(void)lns_timer_arm(p->env->timers, &p->auth_timer,
					    p->now + PPP_AUTH_WAIT_MS);
		}
		return;
	}
	n = snprintf(msg, sizeof(msg), "%s", p->verdict.message[0] ? p->verdict.message :
		     "Authentication failed");
	ppp_send_code(p, LNS_PPP_CHAP, CHAP_FAILURE, p->chap_id, (const uint8_t *)msg, (size_t)n);
	if (!final) {
		/* RFC 1994 §2.3 allows a new Challenge at any time: the retry */
		p->chap_id++;
		p->auth_sends = 0;
		new_challenge(p);
		send_challenge(p);
	}
}
