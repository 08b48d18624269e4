/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPCP (RFC 1332) with the DNS options of RFC 1877. We tell the peer its
 * address: a wrong or 0.0.0.0 IP-Address is Nak'd with the assigned one (§3.3),
 * and so are the DNS options when we have servers to give (RFC 1877 §1).
 */
#include <errno.h>
#include <string.h>

#include "ppp_priv.h"

enum {
	IPCP_ADDRESSES = 1, IPCP_COMPRESSION = 2, IPCP_ADDRESS = 3,
	IPCP_DNS1 = 129, IPCP_NBNS1 = 130, IPCP_DNS2 = 131, IPCP_NBNS2 = 132,
};

static inline struct lns_ppp *
sess(struct ppp_fsm *f)
{
	return f->arg;
}

/* addresses are kept in network order; on the wire they are the same octets */
static uint32_t
get_addr(const uint8_t *b)
{
	uint32_t a;

	memcpy(&a, b, 4);
	return a;
}

static void
put_addr_opt(uint8_t *b, uint8_t type, uint32_t a)
{
	b[0] = type;
	b[1] = 6;
	memcpy(b + 2, &a, 4);
}

static size_t
ipcp_build_cr(struct ppp_fsm *f, uint8_t *b, size_t cap)
{
	struct lns_ppp *p = sess(f);

	(void)cap;
	if (!p->req_addr)
		return 0;
	put_addr_opt(b, IPCP_ADDRESS, p->env->local_addr);
	return 6;
}

static int
ipcp_check_cr(struct ppp_fsm *f, const uint8_t *o, size_t len, uint8_t *out, size_t cap,
	      size_t *out_len, bool nak_as_rej)
{
	struct lns_ppp *p = sess(f);
	/* per-user DNS (RADIUS MS-Primary/Secondary-DNS-Server) before ppp.dns */
	const uint32_t *dns = p->verdict.dns[0] != 0 ? p->verdict.dns : p->env->conf->ppp.dns;
	uint8_t nak[PPP_FSM_BUF], rej[PPP_FSM_BUF];
	size_t nn = 0, nr = 0;

	for (size_t i = 0; i < len;) {
		const uint8_t *opt = o + i;
		uint32_t want;

		if (len - i < 2 || opt[1] < 2 || opt[1] > len - i)
			return PPP_CR_MALFORMED;
		i += opt[1];
		switch (opt[0]) {
		case IPCP_ADDRESS:
			want = p->addr;
			break;
		case IPCP_DNS1:
			want = dns[0];
			break;
		case IPCP_DNS2:
			want = dns[1];
			break;
		default:   /* IP-Addresses (deprecated), VJ compression, NBNS, unknown */
			want = 0;
			break;
		}
		if (want == 0 || opt[1] != 6) {
			if (nr + opt[1] <= sizeof(rej)) {
				memcpy(rej + nr, opt, opt[1]);
				nr += opt[1];
			}
			continue;
		}
		if (get_addr(opt + 2) != want) {
			if (nr + 6 > sizeof(rej) || nn + 6 > sizeof(nak))
				continue;
			if (nak_as_rej) {
				memcpy(rej + nr, opt, 6);
				nr += 6;
			} else {
				put_addr_opt(nak + nn, opt[0], want);
				nn += 6;
			}
		}
	}
	if (nr) {
		*out_len = nr < cap ? nr : cap;
		memcpy(out, rej, *out_len);
		return PPP_CONFREJ;
	}
	/* §3.3: a peer that does not ask for an address still gets ours to use;
	 * RFC 1332 lets us Nak with an option it did not include */
	if (!nn && p->addr) {
		bool has_addr = false;

		for (size_t i = 0; i < len; i += o[i + 1])
			if (o[i] == IPCP_ADDRESS)
				has_addr = true;
		if (!has_addr && !nak_as_rej && f->nak_count < 1) {
			put_addr_opt(nak, IPCP_ADDRESS, p->addr);
			nn = 6;
		}
	}
	if (nn) {
		*out_len = nn < cap ? nn : cap;
		memcpy(out, nak, *out_len);
		return PPP_CONFNAK;
	}
	*out_len = len < cap ? len : cap;
	memcpy(out, o, *out_len);
	return PPP_CONFACK;
}

static int
ipcp_rx_ack(struct ppp_fsm *f, const uint8_t *o, size_t len)
{
	uint8_t mine[8];
	size_t n = ipcp_build_cr(f, mine, sizeof(mine));

	return n == len && memcmp(mine, o, n) == 0 ? 0 : -1;
}

static int
walk_opts(const uint8_t *o, size_t len)
{
	for (size_t i = 0; i < len; i += o[i + 1])
		if (len - i < 2 || o[i + 1] < 2 || o[i + 1] > len - i)
			return -1;
	return 0;
}

static int
ipcp_rx_nak(struct ppp_fsm *f, const uint8_t *o, size_t len)
{
	(void)f;
	/* our address is fixed: a Nak of it changes nothing, and if the peer
	 * insists, Max-Configure ends the negotiation */
	return walk_opts(o, len);
}

static int
ipcp_rx_rej(struct ppp_fsm *f, const uint8_t *o, size_t len)
{
	struct lns_ppp *p = sess(f);

	if (walk_opts(o, len) < 0)
		return -1;
	for (size_t i = 0; i < len; i += o[i + 1]) {
		if (o[i] != IPCP_ADDRESS || !p->req_addr)
			return -1;
	}
	if (len)
		p->req_addr = false;
	return 0;
}

static void
ipcp_tlu(struct ppp_fsm *f)
{
	struct lns_ppp *p = sess(f);
	int r;

	p->ipcp_up = true;
	p->up_since = p->now;
	ppp_stat(p, LNS_PPP_STAT_SESSIONS_UP);
	r = p->ops->up(p->ctx, p->addr);
	if (r < 0) {
		p->ipcp_up = false;
		/* the Terminate-Request's text is what the client shows */
		ppp_terminate(p, LNS_PPP_DOWN_UP_REFUSED, r == -EDQUOT ?
			      "too many sessions of this user (max-sessions-per-user)" :
			      "lnsd refused the address");
	}
}

static void
ipcp_tld(struct ppp_fsm *f)
{
	sess(f)->ipcp_up = false;
}

static void
ipcp_tls(struct ppp_fsm *f)
{
	(void)f;
}

static void
ipcp_tlf(struct ppp_fsm *f)
{
	struct lns_ppp *p = sess(f);

	/* IPv4 is the only network protocol we carry: without it, no session */
	if (p->lcp.state == PPP_ST_OPENED) {
		ppp_stat(p, LNS_PPP_STAT_NEGOTIATION_FAILED);
		ppp_terminate(p, LNS_PPP_DOWN_IPCP_FAILED, "IPCP failed");
	}
}

static void
ipcp_output(struct ppp_fsm *f, const uint8_t *pkt, size_t len)
{
	ppp_send(sess(f), LNS_PPP_IPCP, pkt, len);
}

static void
ipcp_bad(struct ppp_fsm *f, bool malformed, const char *why)
{
	(void)why;
	ppp_stat(sess(f), malformed ? LNS_PPP_STAT_MALFORMED : LNS_PPP_STAT_DISCARDED);
}

const struct ppp_fsm_cbs ppp_ipcp_cbs = {
	.build_cr = ipcp_build_cr,
	.check_cr = ipcp_check_cr,
	.rx_ack = ipcp_rx_ack,
	.rx_nak = ipcp_rx_nak,
	.rx_rej = ipcp_rx_rej,
	.tlu = ipcp_tlu,
	.tld = ipcp_tld,
	.tls = ipcp_tls,
	.tlf = ipcp_tlf,
	.output = ipcp_output,
	.bad = ipcp_bad,
};

void
ppp_ipcp_init(struct lns_ppp *p)
{
	ppp_fsm_init(&p->ipcp, LNS_PPP_IPCP, "IPCP", &ppp_ipcp_cbs, p, p->env->timers);
	p->req_addr = p->env->local_addr != 0;
}
