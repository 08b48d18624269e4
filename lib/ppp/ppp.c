/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One PPP session: frame demultiplexing, the phases of RFC 1661 §3.2
 * (Establish -> Authenticate -> Network -> Terminate -> Dead) and the glue
 * between LCP, the authentication protocols and IPCP.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ppp_priv.h"

static const char *const stat_names[LNS_PPP_STAT_MAX] = {
#define X(e, s) s,
	LNS_PPP_STATS(X)
#undef X
};

static const char *const down_names[LNS_PPP_DOWN_MAX] = {
#define X(e, s) s,
	LNS_PPP_DOWN_REASONS(X)
#undef X
};

const char *
lns_ppp_stat_name(unsigned int s)
{
	return s < LNS_PPP_STAT_MAX ? stat_names[s] : "?";
}

const char *
lns_ppp_down_reason_name(unsigned int r)
{
	return r < LNS_PPP_DOWN_MAX ? down_names[r] : "?";
}

void
ppp_stat(struct lns_ppp *p, enum lns_ppp_stat s)
{
	if (p->env->stats)
		p->env->stats->c[s]++;
}

void
ppp_send(struct lns_ppp *p, uint16_t proto, const uint8_t *info, size_t len)
{
	if (!p->finished)
		p->ops->send(p->ctx, proto, info, len);
}

void
ppp_send_code(struct lns_ppp *p, uint16_t proto, uint8_t code, uint8_t id,
	      const uint8_t *data, size_t len)
{
	if (len > sizeof(p->txbuf) - 4)
		len = sizeof(p->txbuf) - 4;
	p->txbuf[0] = code;
	p->txbuf[1] = id;
	ppp_put16(p->txbuf + 2, (uint16_t)(len + 4));
	if (len)
		memmove(p->txbuf + 4, data, len);
	ppp_send(p, proto, p->txbuf, len + 4);
}

static void
stop_all(struct lns_ppp *p)
{
	struct lns_timers *ts = p->env->timers;

	ppp_fsm_stop(&p->lcp);
	ppp_fsm_stop(&p->ipcp);
	lns_timer_cancel(ts, &p->ka_timer);
	lns_timer_cancel(ts, &p->auth_timer);
	if (p->auth_pending && p->env->auth && p->env->auth->cancel)
		p->env->auth->cancel(p->env->auth, p);
	p->auth_pending = false;
}

/* The one way out: the session is inert afterwards and lnsd is told once. */
void
ppp_finish(struct lns_ppp *p, int reason, const char *text)
{
	if (p->finished)
		return;
	if (p->reason_set) {
		reason = p->reason;
		text = p->reason_text;
	}
	stop_all(p);
	p->phase = PPP_PH_DEAD;
	p->ipcp_up = false;
	p->finished = true;
	ppp_stat(p, LNS_PPP_STAT_SESSIONS_DOWN);
	p->ops->down(p->ctx, reason, text ? text : lns_ppp_down_reason_name((unsigned)reason));
}

/* Close LCP gracefully (Terminate-Request); ops->down follows from LCP's tlf. */
void
ppp_terminate(struct lns_ppp *p, int reason, const char *text)
{
	if (p->finished)
		return;
	if (!p->reason_set) {
		p->reason_set = true;
		p->reason = reason;
		snprintf(p->reason_text, sizeof(p->reason_text), "%s",
			 text ? text : lns_ppp_down_reason_name((unsigned)reason));
	}
	p->phase = PPP_PH_TERMINATE;
	lns_timer_cancel(p->env->timers, &p->auth_timer);
	/* a refusal says why in the Terminate-Request (pppd logs it) */
	if (reason == LNS_PPP_DOWN_UP_REFUSED)
		p->lcp.term_text = p->reason_text;
	ppp_fsm_close(&p->lcp, p->now);
	/* Closing, or already Closed/Initial: in the latter no tlf will come */
	if (p->lcp.state != PPP_ST_CLOSING && p->lcp.state != PPP_ST_STOPPING)
		ppp_finish(p, reason, text);
}

struct lns_ppp *
ppp_session_new(const struct lns_ppp_env *env, const struct lns_ppp_ops *ops, void *ctx,
	    uint64_t now)
{
	struct lns_ppp *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->env = env;
	p->ops = ops;
	p->ctx = ctx;
	p->now = now;
	p->phase = PPP_PH_ESTABLISH;
	p->ka_interval = env->conf->ppp.keepalive_interval;
	p->ka_failures = env->conf->ppp.keepalive_failures;
	ppp_lcp_init(p);
	ppp_ipcp_init(p);
	return p;
}

struct lns_ppp *
lns_ppp_create(const struct lns_ppp_env *env, const struct lns_ppp_ops *ops, void *ctx,
	       uint64_t now_ms)
{
	struct lns_ppp *p = ppp_session_new(env, ops, ctx, now_ms);

	if (!p)
		return NULL;
	/* §4.1: the administrative Open, then the lower layer (the L2TP session) is Up */
	ppp_fsm_open(&p->lcp, now_ms);
	ppp_fsm_up(&p->lcp, now_ms);
	return p;
}

void
lns_ppp_set_keepalive(struct lns_ppp *p, uint16_t interval_s, uint16_t failures)
{
	if (!p || p->finished)
		return;
	p->ka_interval = interval_s;
	p->ka_failures = failures > 0 ? failures : 1;
	if (p->lcp.state == PPP_ST_OPENED) {     /* proxied LCP: already running */
		ppp_keepalive_stop(p);
		ppp_keepalive_start(p);
	}
}

void
lns_ppp_destroy(struct lns_ppp *p)
{
	if (!p)
		return;
	stop_all(p);
	if (p->addr_held && p->env->pools)
		(void)lns_pools_release(p->env->pools, p->addr);
	explicit_bzero(p->challenge, sizeof(p->challenge));
	explicit_bzero(&p->verdict, sizeof(p->verdict));
	free(p);
}

void
lns_ppp_close(struct lns_ppp *p, const char *why, uint64_t now_ms)
{
	p->now = now_ms;
	ppp_terminate(p, LNS_PPP_DOWN_LOCAL_CLOSE, why);
}

void
lns_ppp_input(struct lns_ppp *p, const uint8_t *frame, size_t len, uint64_t now_ms)
{
	uint16_t proto;
	size_t off = 0;

	if (p->finished)
		return;
	p->now = now_ms;
	/* RFC 1662 §3.2: address/control may be absent (ACFC) */
	if (len >= 2 && frame[0] == 0xff && frame[1] == 0x03)
		off = 2;
	if (len < off + 1) {
		ppp_stat(p, LNS_PPP_STAT_MALFORMED);
		return;
	}
	/* RFC 1661 §2: protocol numbers are odd in the low octet, even in the
	 * high one, so an odd first octet is a compressed (PFC) protocol */
	if (frame[off] & 1) {
		proto = frame[off];
		off += 1;
	} else {
		if (len < off + 2 || !(frame[off + 1] & 1)) {
			ppp_stat(p, LNS_PPP_STAT_MALFORMED);
			return;
		}
		proto = ppp_get16(frame + off);
		off += 2;
	}
	frame += off;
	len -= off;

	if (proto == LNS_PPP_LCP) {
		ppp_lcp_input(p, frame, len);
		return;
	}
	/* §3.2: anything but LCP before LCP is Opened is silently discarded */
	if (p->lcp.state != PPP_ST_OPENED) {
		ppp_stat(p, LNS_PPP_STAT_DISCARDED);
		return;
	}
	switch (proto) {
	case LNS_PPP_PAP:
		if (p->auth_needed && p->method == LNS_AUTH_PAP)
			ppp_pap_input(p, frame, len);
		else
			ppp_stat(p, LNS_PPP_STAT_DISCARDED);
		break;
	case LNS_PPP_CHAP:
		if (p->auth_needed && p->method != LNS_AUTH_PAP)
			ppp_chap_input(p, frame, len);
		else
			ppp_stat(p, LNS_PPP_STAT_DISCARDED);
		break;
	case LNS_PPP_IPCP:
		/* §3.5: NCP packets before the Network phase are discarded */
		if (p->phase == PPP_PH_NETWORK)
			ppp_fsm_input(&p->ipcp, frame, len, now_ms);
		else
			ppp_stat(p, LNS_PPP_STAT_DISCARDED);
		break;
	case LNS_PPP_IPV4:
		/* the data plane forwards IPv4; one that reaches us is dropped */
		ppp_stat(p, LNS_PPP_STAT_DISCARDED);
		break;
	default:
		/* §5.7, including CCP and IPV6CP which we do not implement yet */
		ppp_protocol_reject(p, proto, frame, len);
		break;
	}
}

/* ------------------------------------------------------- authentication --- */

static void
auth_timer_cb(struct lns_timer *t, void *arg, uint64_t now)
{
	struct lns_ppp *p = arg;

	(void)t;
	p->now = now;
	if (p->finished || p->phase != PPP_PH_AUTHENTICATE || p->auth_pending)
		return;
	if (p->method != LNS_AUTH_PAP && p->auth_sends < PPP_CHAP_MAX_SEND) {
		ppp_chap_timeout(p);
		return;
	}
	ppp_stat(p, LNS_PPP_STAT_AUTH_TIMEOUT);
	ppp_terminate(p, LNS_PPP_DOWN_AUTH_TIMEOUT, "peer did not authenticate");
}

void
ppp_auth_stat(struct lns_ppp *p, bool ok)
{
	static const enum lns_ppp_stat st[LNS_AUTH_MAX][2] = {
		[LNS_AUTH_PAP]      = { LNS_PPP_STAT_AUTH_FAIL_PAP, LNS_PPP_STAT_AUTH_OK_PAP },
		[LNS_AUTH_CHAP_MD5] = { LNS_PPP_STAT_AUTH_FAIL_CHAP_MD5, LNS_PPP_STAT_AUTH_OK_CHAP_MD5 },
		[LNS_AUTH_MSCHAPV2] = { LNS_PPP_STAT_AUTH_FAIL_MSCHAPV2, LNS_PPP_STAT_AUTH_OK_MSCHAPV2 },
	};

	ppp_stat(p, st[p->method][ok]);
}

/* LCP is Opened: authenticate the peer with the method LCP agreed on */
void
ppp_auth_begin(struct lns_ppp *p)
{
	lns_timer_init(&p->auth_timer, auth_timer_cb, p);
	if (!p->auth_needed) {
		ppp_network_begin(p);
		return;
	}
	if (p->auth_done_ok) {        /* LCP renegotiated after we authenticated */
		ppp_network_begin(p);
		return;
	}
	p->phase = PPP_PH_AUTHENTICATE;
	if (p->method == LNS_AUTH_PAP) {
		ppp_pap_start(p);
		(void)lns_timer_arm(p->env->timers, &p->auth_timer, p->now + PPP_AUTH_WAIT_MS);
	} else {
		p->auth_sends = 0;
		ppp_chap_start(p);
	}
}

int
ppp_auth_submit(struct lns_ppp *p, const struct lns_auth_req *req)
{
	int r;

	snprintf(p->user, sizeof(p->user), "%s", req->user);
	p->auth_pending = true;
	lns_timer_cancel(p->env->timers, &p->auth_timer);
	/* no authenticator, or one that cannot take the request: a failure verdict
	 * like any other (answered, counted, reported), never a silent wait */
	r = p->env->auth != NULL ? p->env->auth->start(p->env->auth, p, req) : -ENOSYS;
	if (r < 0 && p->auth_pending) {
		struct lns_auth_result no = { .ok = false };

		snprintf(no.reason, sizeof(no.reason), "error=authenticator-refused(%d)", -r);
		lns_ppp_auth_done(p, &no, p->now);
	}
	return 0;
}

void *
lns_ppp_ctx(const struct lns_ppp *p)
{
	return p->ctx;
}

void
lns_ppp_auth_done(struct lns_ppp *p, const struct lns_auth_result *r, uint64_t now_ms)
{
	bool final;

	if (!p->auth_pending || p->finished || p->phase != PPP_PH_AUTHENTICATE) {
		ppp_stat(p, LNS_PPP_STAT_STALE_AUTH_VERDICT);
		return;
	}
	p->now = now_ms;
	p->auth_pending = false;
	ppp_auth_stat(p, r->ok);
	if (p->auth_verdicts < UINT8_MAX)
		p->auth_verdicts++;
	if (p->ops->auth != NULL) {
		/* exactly one report per verdict, wherever it came from (issue 15: the
		 * owner used to guess verdicts from counters around lns_ppp_input()) */
		char reason[sizeof(r->reason)];
		struct lns_ppp_auth_verdict v = {
			.ok = r->ok, .method = p->method, .proxied = p->auth_proxied,
			.attempt = p->auth_verdicts, .user = p->user, .reason = reason,
		};

		memcpy(reason, r->reason, sizeof(reason));
		reason[sizeof(reason) - 1] = '\0';
		if (!r->ok && reason[0] == '\0')
			snprintf(reason, sizeof(reason), "rejected");
		p->ops->auth(p->ctx, &v);
		if (p->finished)
			return;
	}
	p->auth_proxied = false;        /* a retry after it is the peer's own */
	p->verdict = *r;        /* a failure keeps its message only */
	if (r->ok) {
		p->auth_done_ok = true;
		final = true;
	} else {
		p->auth_tries++;
		final = p->auth_tries >= p->env->conf->ppp.auth_retries;
	}
	if (p->method == LNS_AUTH_PAP)
		ppp_pap_verdict(p, r->ok, final);
	else
		ppp_chap_verdict(p, r->ok, final);
	if (p->finished)
		return;
	if (r->ok) {
		lns_timer_cancel(p->env->timers, &p->auth_timer);
		ppp_network_begin(p);
	} else if (final) {
		/* RFC 1994 §4.3 / RFC 1334 §2.2.2: Failure sent, now end the link */
		ppp_terminate(p, LNS_PPP_DOWN_AUTH_FAILED, "authentication failed");
	} else if (p->method == LNS_AUTH_PAP) {
		(void)lns_timer_arm(p->env->timers, &p->auth_timer, p->now + PPP_PAP_RETRY_WAIT_MS);
	}
}

/* ------------------------------------------------------------- network --- */

static int
assign_address(struct lns_ppp *p)
{
	const struct lns_ppp_conf *pc = &p->env->conf->ppp;
	const char *pool;
	uint32_t a;
	int idx, r;

	if (!p->env->pools)
		return -ENOENT;
	if (p->verdict.addr) {
		r = lns_pools_reserve(p->env->pools, p->verdict.addr);
		if (r < 0) {
			ppp_stat(p, LNS_PPP_STAT_ADDRESS_IN_USE);
			return r;
		}
		p->addr = p->verdict.addr;
		p->addr_held = true;
		return 0;
	}
	pool = p->verdict.pool[0] ? p->verdict.pool : pc->default_pool;
	idx = lns_pools_find(p->env->pools, pool);
	if (idx < 0)
		return idx;
	r = lns_pools_alloc(p->env->pools, idx, &a);
	if (r < 0) {
		ppp_stat(p, LNS_PPP_STAT_POOL_EXHAUSTED);
		return r;
	}
	p->addr = a;
	p->addr_held = true;
	return 0;
}

/* Authenticated (or no authentication): take an address, then start IPCP */
void
ppp_network_begin(struct lns_ppp *p)
{
	p->phase = PPP_PH_NETWORK;
	if (!p->addr_held && assign_address(p) < 0) {
		/* a clean refusal: no address, no session (never a duplicate) */
		ppp_terminate(p, LNS_PPP_DOWN_NO_ADDRESS, "no address for the subscriber");
		return;
	}
	ppp_fsm_open(&p->ipcp, p->now);
	ppp_fsm_up(&p->ipcp, p->now);
}

/* ---------------------------------------------------------------- info --- */

void
lns_ppp_get_info(const struct lns_ppp *p, struct lns_ppp_info *o)
{
	static const char *const phases[] = {
		[PPP_PH_DEAD] = "dead", [PPP_PH_ESTABLISH] = "establish",
		[PPP_PH_AUTHENTICATE] = "authenticate", [PPP_PH_NETWORK] = "network",
		[PPP_PH_TERMINATE] = "terminate",
	};

	memset(o, 0, sizeof(*o));
	o->phase = phases[p->phase];
	o->user = p->user;
	o->auth_method = p->auth_needed ? lns_ppp_auth_name(p->method) : "";
	o->addr = p->ipcp_up ? p->addr : 0;
	o->up_since_ms = p->ipcp_up ? p->up_since : 0;
	o->lcp_state = ppp_fsm_state_name(p->lcp.state);
	o->ipcp_state = ppp_fsm_state_name(p->ipcp.state);
	o->peer_mru = p->peer_mru;
	o->echo_missed = p->echo_missed;
}
