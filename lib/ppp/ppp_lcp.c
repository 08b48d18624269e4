/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * LCP (RFC 1661 §5-6): options MRU, ACCM, Authentication-Protocol,
 * Magic-Number, PFC, ACFC; Echo keepalive, Protocol-Reject, Code-Reject.
 */
#include <string.h>

#include "ppp_priv.h"

enum {
	LCP_MRU = 1, LCP_ACCM = 2, LCP_AUTH = 3, LCP_QUALITY = 4, LCP_MAGIC = 5,
	LCP_PFC = 7, LCP_ACFC = 8,
};

#define CHAP_ALG_MD5      0x05   /* RFC 1994 §3 */
#define CHAP_ALG_MSCHAPV2 0x81   /* RFC 2759 §2 */

static inline struct lns_ppp *
sess(struct ppp_fsm *f)
{
	return f->arg;
}

uint16_t
ppp_auth_proto(enum lns_ppp_auth m)
{
	return m == LNS_AUTH_PAP ? LNS_PPP_PAP : LNS_PPP_CHAP;
}

static uint8_t
auth_alg(enum lns_ppp_auth m)
{
	return m == LNS_AUTH_CHAP_MD5 ? CHAP_ALG_MD5 : CHAP_ALG_MSCHAPV2;
}

static uint32_t
new_magic(void)
{
	uint32_t m = 0;

	while (m == 0)          /* §6.4: zero is not a valid Magic-Number */
		ppp_random(&m, sizeof(m));
	return m;
}

static void
keepalive_cb(struct lns_timer *t, void *arg, uint64_t now)
{
	struct lns_ppp *p = arg;
	uint8_t data[4];

	(void)t;
	p->now = now;
	if (p->finished || p->lcp.state != PPP_ST_OPENED)
		return;
	if (p->echo_outstanding) {
		p->echo_missed++;
		if (p->echo_missed >= p->ka_failures) {
			/* the peer is gone: a Terminate-Request would go unanswered too */
			ppp_stat(p, LNS_PPP_STAT_KEEPALIVE_LOSS);
			ppp_finish(p, LNS_PPP_DOWN_KEEPALIVE, "keepalive: no Echo-Reply");
			return;
		}
	}
	ppp_put32(data, p->req_magic ? p->magic : 0);
	p->echo_id++;
	p->echo_outstanding = true;
	ppp_send_code(p, LNS_PPP_LCP, PPP_ECHOREQ, p->echo_id, data, sizeof(data));
	(void)lns_timer_arm(p->env->timers, &p->ka_timer, now + p->ka_interval * 1000ull);
}

void
ppp_keepalive_start(struct lns_ppp *p)
{
	uint16_t iv = p->ka_interval;

	p->echo_missed = 0;
	p->echo_outstanding = false;
	if (iv)
		(void)lns_timer_arm(p->env->timers, &p->ka_timer, p->now + iv * 1000ull);
}

void
ppp_keepalive_stop(struct lns_ppp *p)
{
	lns_timer_cancel(p->env->timers, &p->ka_timer);
}

/* ------------------------------------------------------------- options --- */

static size_t
lcp_build_cr(struct ppp_fsm *f, uint8_t *b, size_t cap)
{
	struct lns_ppp *p = sess(f);
	size_t n = 0;

	(void)cap;   /* at most 4 + 5 + 6 octets */
	if (p->req_mru) {
		b[n] = LCP_MRU; b[n + 1] = 4; ppp_put16(b + n + 2, p->our_mru); n += 4;
	}
	if (p->req_auth) {
		enum lns_ppp_auth m = p->env->conf->ppp.auth[p->auth_idx];

		b[n] = LCP_AUTH;
		ppp_put16(b + n + 2, ppp_auth_proto(m));
		if (m == LNS_AUTH_PAP) {
			b[n + 1] = 4; n += 4;
		} else {
			b[n + 1] = 5; b[n + 4] = auth_alg(m); n += 5;
		}
	}
	if (p->req_magic) {
		b[n] = LCP_MAGIC; b[n + 1] = 6; ppp_put32(b + n + 2, p->magic); n += 6;
	}
	return n;
}

static void
put_opt(uint8_t *buf, size_t cap, size_t *n, const uint8_t *opt, size_t olen)
{
	if (*n + olen <= cap) {
		memcpy(buf + *n, opt, olen);
		*n += olen;
	}
}

/* The peer's Configure-Request (§5.1): Reject beats Nak beats Ack (§5.3-5.4) */
static int
lcp_check_cr(struct ppp_fsm *f, const uint8_t *o, size_t len, uint8_t *out, size_t cap,
	     size_t *out_len, bool nak_as_rej)
{
	struct lns_ppp *p = sess(f);
	uint8_t nak[PPP_FSM_BUF], rej[PPP_FSM_BUF];
	size_t nn = 0, nr = 0;
	uint16_t mru = 1500;
	uint32_t magic = 0;

	for (size_t i = 0; i < len;) {
		const uint8_t *opt = o + i;
		uint8_t nk[6];
		bool want_nak = false;

		if (len - i < 2 || opt[1] < 2 || opt[1] > len - i)
			return PPP_CR_MALFORMED;
		i += opt[1];
		switch (opt[0]) {
		case LCP_MRU:
			if (opt[1] != 4)
				goto reject;
			mru = ppp_get16(opt + 2);
			if (mru < PPP_MIN_MRU) {
				nk[0] = LCP_MRU; nk[1] = 4; ppp_put16(nk + 2, p->our_mru);
				want_nak = true;
			}
			break;
		case LCP_ACCM:
			/* async-map only: meaningless over L2TP (RFC 2661 §5.3), accepted */
			if (opt[1] != 6)
				goto reject;
			break;
		case LCP_MAGIC:
			if (opt[1] != 6)
				goto reject;
			magic = ppp_get32(opt + 2);
			if (magic == 0 || (p->req_magic && magic == p->magic)) {
				/* §6.4: our own number back may be a looped-back link */
				if (magic != 0) {
					ppp_stat(p, LNS_PPP_STAT_LOOPBACK);
					if (++p->loops >= PPP_LOOP_MAX)
						p->loop_detected = true;
					p->magic = new_magic();
				}
				nk[0] = LCP_MAGIC; nk[1] = 6; ppp_put32(nk + 2, new_magic());
				want_nak = true;
			}
			break;
		case LCP_PFC:
		case LCP_ACFC:
			/* only the data plane sees compressed frames; it takes both forms */
			if (opt[1] != 2)
				goto reject;
			break;
		case LCP_AUTH:      /* we never authenticate ourselves to a client */
		case LCP_QUALITY:
		default:
			goto reject;
		}
		if (want_nak) {
			if (nak_as_rej)
				goto reject;
			put_opt(nak, sizeof(nak), &nn, nk, nk[1]);
		}
		continue;
reject:
		put_opt(rej, sizeof(rej), &nr, opt, opt[1]);
	}
	if (nr) {
		memcpy(out, rej, nr < cap ? nr : cap);
		*out_len = nr < cap ? nr : cap;
		return PPP_CONFREJ;
	}
	if (nn) {
		memcpy(out, nak, nn < cap ? nn : cap);
		*out_len = nn < cap ? nn : cap;
		return PPP_CONFNAK;
	}
	/* acceptable: remember what the peer will use */
	p->peer_mru = mru;
	p->peer_magic = magic;
	memcpy(out, o, len < cap ? len : cap);
	*out_len = len < cap ? len : cap;
	return PPP_CONFACK;
}

static int
lcp_rx_ack(struct ppp_fsm *f, const uint8_t *o, size_t len)
{
	uint8_t mine[32];
	size_t n = lcp_build_cr(f, mine, sizeof(mine));

	/* §5.2: the options must be exactly those we sent */
	return n == len && memcmp(mine, o, n) == 0 ? 0 : -1;
}

/* the peer suggests another authentication protocol: move down our list (§6.2) */
static void
auth_nak(struct lns_ppp *p, const uint8_t *opt)
{
	const struct lns_ppp_conf *pc = &p->env->conf->ppp;
	uint16_t proto = ppp_get16(opt + 2);
	int alg = opt[1] >= 5 ? opt[4] : -1;

	for (unsigned int k = p->auth_idx + 1u; k < pc->n_auth; k++) {
		enum lns_ppp_auth m = pc->auth[k];

		if (ppp_auth_proto(m) == proto &&
		    (m == LNS_AUTH_PAP || alg < 0 || alg == auth_alg(m))) {
			p->auth_idx = (uint8_t)k;
			return;
		}
	}
	/* not one we offer later: try our next anyway, until none is left */
	if (p->auth_idx + 1u < pc->n_auth)
		p->auth_idx++;
	else
		p->no_auth_method = true;
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
lcp_rx_nak(struct ppp_fsm *f, const uint8_t *o, size_t len)
{
	struct lns_ppp *p = sess(f);

	if (walk_opts(o, len) < 0)
		return -1;
	for (size_t i = 0; i < len; i += o[i + 1]) {
		const uint8_t *opt = o + i;

		switch (opt[0]) {
		case LCP_MRU:
			if (opt[1] == 4) {
				uint16_t v = ppp_get16(opt + 2);

				if (v >= PPP_MIN_MRU && v <= 1500)
					p->our_mru = v;
				else
					p->req_mru = false;
			}
			break;
		case LCP_AUTH:
			if (opt[1] >= 4 && p->req_auth)
				auth_nak(p, opt);
			break;
		case LCP_MAGIC:
			p->magic = new_magic();
			break;
		default:
			break;   /* options we did not ask for stay unasked */
		}
	}
	return 0;
}

static int
lcp_rx_rej(struct ppp_fsm *f, const uint8_t *o, size_t len)
{
	struct lns_ppp *p = sess(f);

	if (walk_opts(o, len) < 0)
		return -1;
	/* §5.4: only options we sent may come back rejected */
	for (size_t i = 0; i < len; i += o[i + 1]) {
		if ((o[i] == LCP_MRU && !p->req_mru) || (o[i] == LCP_AUTH && !p->req_auth) ||
		    (o[i] == LCP_MAGIC && !p->req_magic) ||
		    (o[i] != LCP_MRU && o[i] != LCP_AUTH && o[i] != LCP_MAGIC))
			return -1;
	}
	for (size_t i = 0; i < len; i += o[i + 1]) {
		switch (o[i]) {
		case LCP_MRU:   p->req_mru = false; break;
		case LCP_MAGIC: p->req_magic = false; break;
		case LCP_AUTH:  p->no_auth_method = true; break;  /* authentication is required */
		default: break;
		}
	}
	return 0;
}

/* ------------------------------------------------------------- actions --- */

static void
lcp_tlu(struct ppp_fsm *f)
{
	struct lns_ppp *p = sess(f);
	const struct lns_ppp_conf *pc = &p->env->conf->ppp;

	p->loops = 0;
	p->auth_needed = pc->n_auth > 0;
	if (p->auth_needed)
		p->method = pc->auth[p->auth_idx];
	ppp_keepalive_start(p);
	ppp_auth_begin(p);
}

static void
lcp_tld(struct ppp_fsm *f)
{
	struct lns_ppp *p = sess(f);

	ppp_keepalive_stop(p);
	lns_timer_cancel(p->env->timers, &p->auth_timer);
	/* §4.4 tld: take the NCPs down with us */
	ppp_fsm_down(&p->ipcp, p->now);
	if (p->phase != PPP_PH_TERMINATE && p->phase != PPP_PH_DEAD)
		p->phase = PPP_PH_ESTABLISH;
}

static void
lcp_tls(struct ppp_fsm *f)
{
	(void)f;   /* the lower layer (our L2TP session) is already up */
}

static void
lcp_tlf(struct ppp_fsm *f)
{
	struct lns_ppp *p = sess(f);

	if (p->peer_terminated)
		ppp_finish(p, LNS_PPP_DOWN_PEER_TERMINATE, "peer sent Terminate-Request");
	else {
		if (!p->reason_set)
			ppp_stat(p, LNS_PPP_STAT_NEGOTIATION_FAILED);
		ppp_finish(p, LNS_PPP_DOWN_LCP_FAILED, "LCP negotiation failed");
	}
}

static int
lcp_ext_code(struct ppp_fsm *f, uint8_t code, uint8_t id, const uint8_t *d, size_t len)
{
	struct lns_ppp *p = sess(f);

	(void)id;
	switch (code) {
	case PPP_PROTREJ:
		if (len < 2) {
			ppp_stat(p, LNS_PPP_STAT_MALFORMED);
			return 1;
		}
		if (f->state != PPP_ST_OPENED) {     /* §5.7: only meaningful in Opened */
			ppp_stat(p, LNS_PPP_STAT_DISCARDED);
			return 1;
		}
		switch (ppp_get16(d)) {
		case LNS_PPP_IPCP:
			ppp_fsm_event(&p->ipcp, PPP_EV_RXJ_MINUS, p->now);
			break;
		case LNS_PPP_LCP: case LNS_PPP_PAP: case LNS_PPP_CHAP:
			ppp_fsm_event(f, PPP_EV_RXJ_MINUS, p->now);
			break;
		default:
			ppp_fsm_event(f, PPP_EV_RXJ_PLUS, p->now);
			break;
		}
		return 1;
	case PPP_ECHOREQ:
	case PPP_ECHOREP:
	case PPP_DISCREQ:
		if (len < 4) {   /* §5.8-5.9: Magic-Number is mandatory */
			ppp_stat(p, LNS_PPP_STAT_MALFORMED);
			return 1;
		}
		if (code != PPP_DISCREQ && p->req_magic && ppp_get32(d) == p->magic &&
		    f->state == PPP_ST_OPENED) {
			/* our own Echo came back: the link is looped */
			ppp_stat(p, LNS_PPP_STAT_LOOPBACK);
			return 1;
		}
		if (code == PPP_ECHOREQ)
			ppp_stat(p, LNS_PPP_STAT_ECHO_REQ_RX);
		if (code == PPP_ECHOREP && f->state == PPP_ST_OPENED) {
			ppp_stat(p, LNS_PPP_STAT_ECHO_REPLY_RX);
			if (id == p->echo_id) {
				p->echo_outstanding = false;
				p->echo_missed = 0;
			}
		}
		ppp_fsm_event(f, PPP_EV_RXR, p->now);
		return 1;
	default:
		return 0;
	}
}

static void
lcp_ser(struct ppp_fsm *f)
{
	struct lns_ppp *p = sess(f);
	uint8_t buf[PPP_FSM_BUF];
	size_t n;

	if (f->rx_code != PPP_ECHOREQ || !f->rx)
		return;
	/* §5.8: same Identifier, our Magic-Number, the peer's data echoed */
	n = f->rx_len - 4;
	if (n > (size_t)p->peer_mru - 4)
		n = (size_t)p->peer_mru - 4;
	if (n > sizeof(buf))            /* the peer's MRU may exceed our buffer */
		n = sizeof(buf);
	memcpy(buf, f->rx + 4, n);
	ppp_put32(buf, p->req_magic ? p->magic : 0);
	ppp_send_code(p, LNS_PPP_LCP, PPP_ECHOREP, f->rx_id, buf, n);
}

static void
lcp_output(struct ppp_fsm *f, const uint8_t *pkt, size_t len)
{
	struct lns_ppp *p = sess(f);

	if (pkt[0] == PPP_CODEREJ)
		ppp_stat(p, LNS_PPP_STAT_CODE_REJECT_SENT);
	ppp_send(p, LNS_PPP_LCP, pkt, len);
}

static void
lcp_bad(struct ppp_fsm *f, bool malformed, const char *why)
{
	(void)why;
	ppp_stat(sess(f), malformed ? LNS_PPP_STAT_MALFORMED : LNS_PPP_STAT_DISCARDED);
}

const struct ppp_fsm_cbs ppp_lcp_cbs = {
	.build_cr = lcp_build_cr,
	.check_cr = lcp_check_cr,
	.rx_ack = lcp_rx_ack,
	.rx_nak = lcp_rx_nak,
	.rx_rej = lcp_rx_rej,
	.tlu = lcp_tlu,
	.tld = lcp_tld,
	.tls = lcp_tls,
	.tlf = lcp_tlf,
	.ext_code = lcp_ext_code,
	.ser = lcp_ser,
	.output = lcp_output,
	.bad = lcp_bad,
};

void
ppp_lcp_init(struct lns_ppp *p)
{
	const struct lns_ppp_conf *pc = &p->env->conf->ppp;

	ppp_fsm_init(&p->lcp, LNS_PPP_LCP, "LCP", &ppp_lcp_cbs, p, p->env->timers);
	lns_timer_init(&p->ka_timer, keepalive_cb, p);
	p->our_mru = pc->mru ? pc->mru : 1500;
	p->req_mru = p->our_mru != 1500;      /* §6.1: 1500 is the default anyway */
	p->req_auth = pc->n_auth > 0;
	p->auth_idx = 0;
	p->req_magic = true;
	p->magic = new_magic();
	p->peer_mru = 1500;
}

void
ppp_lcp_input(struct lns_ppp *p, const uint8_t *pkt, size_t len)
{
	if (len >= 1 && pkt[0] == PPP_TERMREQ && p->lcp.state == PPP_ST_OPENED)
		p->peer_terminated = true;
	ppp_fsm_input(&p->lcp, pkt, len, p->now);
	if (p->finished)
		return;
	if (p->loop_detected)
		ppp_terminate(p, LNS_PPP_DOWN_LOOPBACK, "looped-back link (magic number)");
	else if (p->no_auth_method)
		ppp_terminate(p, LNS_PPP_DOWN_NO_AUTH_METHOD, "peer accepts none of our auth methods");
}

void
ppp_protocol_reject(struct lns_ppp *p, uint16_t proto, const uint8_t *info, size_t len)
{
	uint8_t buf[PPP_FSM_BUF];
	size_t max = (size_t)p->peer_mru - 4 - 2;   /* §5.7: truncated to the peer's MRU */

	if (len > max)
		len = max;
	if (len > sizeof(buf) - 2)
		len = sizeof(buf) - 2;
	ppp_put16(buf, proto);
	memcpy(buf + 2, info, len);
	ppp_stat(p, LNS_PPP_STAT_PROTO_REJECT_SENT);
	ppp_send_code(p, LNS_PPP_LCP, PPP_PROTREJ, ++p->lcp.id, buf, len + 2);
}
