/* SPDX-License-Identifier: BSD-3-Clause */
/* PAP (RFC 1334 §2): we are the authenticator; the peer sends Authenticate-Request. */
#include <string.h>

#include "ppp_priv.h"

enum { PAP_REQ = 1, PAP_ACK = 2, PAP_NAK = 3 };

static void
pap_reply(struct lns_ppp *p, uint8_t code, const char *msg)
{
	uint8_t b[64];
	size_t n = strlen(msg);

	b[0] = (uint8_t)n;
	memcpy(b + 1, msg, n);
	ppp_send_code(p, LNS_PPP_PAP, code, p->pap_id, b, n + 1);
}

void
ppp_pap_start(struct lns_ppp *p)
{
	(void)p;   /* §2.1: the peer speaks first */
}

void
ppp_pap_input(struct lns_ppp *p, const uint8_t *pkt, size_t len)
{
	struct lns_auth_req req;
	char user[LNS_AUTH_USER_MAX + 1];
	const uint8_t *d;
	size_t plen, dlen, ul, pl;

	if (len < 4 || (plen = ppp_get16(pkt + 2)) < 4 || plen > len) {
		ppp_stat(p, LNS_PPP_STAT_MALFORMED);
		return;
	}
	if (pkt[0] != PAP_REQ) {         /* Ack/Nak are ours to send */
		ppp_stat(p, LNS_PPP_STAT_DISCARDED);
		return;
	}
	d = pkt + 4;
	dlen = plen - 4;
	if (dlen < 1 || (ul = d[0]) + 2 > dlen || (pl = d[1 + ul]) + ul + 2 > dlen) {
		ppp_stat(p, LNS_PPP_STAT_MALFORMED);
		return;
	}
	if (p->auth_done_ok) {
		/* §2.2.2: our Ack was lost; the peer asks again: same answer */
		p->pap_id = pkt[1];
		pap_reply(p, PAP_ACK, "Login ok");
		return;
	}
	if (p->auth_pending || p->phase != PPP_PH_AUTHENTICATE) {
		ppp_stat(p, LNS_PPP_STAT_DISCARDED);
		return;
	}
	if (memchr(d + 1, 0, ul)) {      /* a name with NUL cannot match any user */
		ppp_stat(p, LNS_PPP_STAT_MALFORMED);
		return;
	}
	memcpy(user, d + 1, ul);
	user[ul] = '\0';
	p->pap_id = pkt[1];
	memset(&req, 0, sizeof(req));
	req.method = LNS_AUTH_PAP;
	req.user = user;
	req.password = d + 2 + ul;
	req.password_len = pl;
	(void)ppp_auth_submit(p, &req);
}

void
ppp_pap_verdict(struct lns_ppp *p, bool ok, bool final)
{
	(void)final;
	/* RFC 1334 §2.2.2: the Message may be anything; a server's Reply-Message wins */
	pap_reply(p, ok ? PAP_ACK : PAP_NAK, p->verdict.message[0] != '\0' ? p->verdict.message :
		  ok ? "Login ok" : "Login incorrect");
}
