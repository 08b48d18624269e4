/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A scripted PPP peer for the lib/ppp unit tests: a config built in memory, ops
 * that record every packet the session sends, and helpers that play the client
 * side (built by hand from the RFC formats, not with lib/ppp code).
 */
#ifndef PPP_HARNESS_H
#define PPP_HARNESS_H

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "lns_pool.h"
#include "lns_ppp.h"
#include "lns_ppp_auth.h"

#define H_UNUSED __attribute__((unused))
#define H_MAXPKT 256

struct h_pkt {
	uint16_t proto;
	size_t len;
	uint8_t b[1600];
};

struct harness {
	struct lns_conf conf;
	struct lns_user_conf users[8];
	struct lns_timers *timers;
	struct lns_pools *pools;
	struct lns_authenticator *auth;
	struct lns_ppp_stats stats;
	struct lns_ppp_env env;
	struct lns_ppp *p;
	uint64_t now;
	struct h_pkt pkt[H_MAXPKT];
	int n;                 /* packets sent by the session */
	int seen;              /* packets the test has looked at */
	int ups, downs;
	uint32_t up_addr;
	int down_reason;
	int up_result;
	/* ops->auth: every verdict, in order */
	int n_verdicts;
	struct h_verdict {
		bool ok, proxied;
		enum lns_ppp_auth method;
		uint8_t attempt;
		char user[64], reason[128];
		int sent_before;       /* packets sent when it was reported */
	} verdict[8];
};

static H_UNUSED void
h_send(void *ctx, uint16_t proto, const uint8_t *info, size_t len)
{
	struct harness *h = ctx;

	CU_ASSERT_FATAL(h->n < H_MAXPKT);
	CU_ASSERT_FATAL(len <= sizeof(h->pkt[0].b));
	h->pkt[h->n].proto = proto;
	h->pkt[h->n].len = len;
	memcpy(h->pkt[h->n].b, info, len);
	h->n++;
}

static H_UNUSED int
h_up(void *ctx, uint32_t addr)
{
	struct harness *h = ctx;

	h->ups++;
	h->up_addr = addr;
	return h->up_result;
}

static H_UNUSED void
h_down(void *ctx, int reason, const char *text)
{
	struct harness *h = ctx;

	CU_ASSERT_PTR_NOT_NULL(text);
	h->downs++;
	h->down_reason = reason;
}

static H_UNUSED void
h_auth(void *ctx, const struct lns_ppp_auth_verdict *v)
{
	struct harness *h = ctx;
	struct h_verdict *o;

	CU_ASSERT_FATAL(h->n_verdicts < 8);
	CU_ASSERT_PTR_NOT_NULL_FATAL(v->user);
	CU_ASSERT_PTR_NOT_NULL_FATAL(v->reason);
	o = &h->verdict[h->n_verdicts++];
	o->ok = v->ok;
	o->proxied = v->proxied;
	o->method = v->method;
	o->attempt = v->attempt;
	snprintf(o->user, sizeof(o->user), "%s", v->user);
	snprintf(o->reason, sizeof(o->reason), "%s", v->reason);
	o->sent_before = h->n;
}

static const struct lns_ppp_ops h_ops = {
	.send = h_send, .up = h_up, .down = h_down, .auth = h_auth,
};

static H_UNUSED uint32_t
h_ip(const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return a.s_addr;
}

static H_UNUSED void
h_add_user(struct harness *h, const char *name, const char *pw, const char *pool, uint32_t addr)
{
	struct lns_user_conf *u = &h->users[h->conf.ppp.n_users++];

	memset(u, 0, sizeof(*u));
	snprintf(u->name, sizeof(u->name), "%s", name);
	if (pw) {
		u->password.len = (uint16_t)strlen(pw);
		memcpy(u->password.value, pw, u->password.len);
		u->password.set = true;
	}
	if (pool)
		snprintf(u->pool, sizeof(u->pool), "%s", pool);
	u->address = addr;
}

/* Config: auth as given, pool "main" 10.1.0.1..10.1.0.4, DNS 192.0.2.53/.54 */
static H_UNUSED void
h_init(struct harness *h, const uint8_t *auth, int n_auth)
{
	memset(h, 0, sizeof(*h));
	struct lns_ppp_conf *pc = &h->conf.ppp;

	snprintf(h->conf.l2tp.host_name, sizeof(h->conf.l2tp.host_name), "lnsd");
	for (int i = 0; i < n_auth; i++)
		pc->auth[i] = auth[i];
	pc->n_auth = (uint8_t)n_auth;
	pc->mru = 1400;
	pc->keepalive_interval = 10;
	pc->keepalive_failures = 3;
	pc->auth_retries = 3;
	pc->dns[0] = h_ip("192.0.2.53");
	pc->dns[1] = h_ip("192.0.2.54");
	snprintf(pc->default_pool, sizeof(pc->default_pool), "main");
	snprintf(pc->pools[0].name, sizeof(pc->pools[0].name), "main");
	pc->pools[0].first = h_ip("10.1.0.1");
	pc->pools[0].last = h_ip("10.1.0.4");
	snprintf(pc->pools[1].name, sizeof(pc->pools[1].name), "other");
	pc->pools[1].first = h_ip("10.2.0.1");
	pc->pools[1].last = h_ip("10.2.0.1");
	pc->n_pools = 2;
	pc->users = h->users;
	h_add_user(h, "alice", "secret", NULL, 0);
	h->now = 1000;
}

/* after users/pools are final */
static H_UNUSED void
h_start(struct harness *h)
{
	h->timers = lns_timers_create(16);
	h->pools = lns_pools_create(&h->conf);
	h->auth = lns_auth_local_create(&h->conf);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h->timers);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h->pools);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h->auth);
	h->env.conf = &h->conf;
	h->env.timers = h->timers;
	h->env.pools = h->pools;
	h->env.auth = h->auth;
	h->env.local_addr = h_ip("10.0.0.1");
	h->env.stats = &h->stats;
	h->p = lns_ppp_create(&h->env, &h_ops, h, h->now);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h->p);
}

static H_UNUSED void
h_fini(struct harness *h)
{
	lns_ppp_destroy(h->p);
	lns_auth_local_free(h->auth);
	lns_pools_free(h->pools);
	lns_timers_free(h->timers);
}

static H_UNUSED void
h_advance(struct harness *h, uint64_t ms)
{
	h->now += ms;
	lns_timers_run(h->timers, h->now);
}

/* feed one packet of proto: ff 03, 2-byte protocol, code, id, length, data */
static H_UNUSED void
h_in(struct harness *h, uint16_t proto, uint8_t code, uint8_t id, const uint8_t *d, size_t len)
{
	uint8_t f[4000];

	CU_ASSERT_FATAL(len + 8 <= sizeof(f));
	f[0] = 0xff; f[1] = 0x03;
	f[2] = (uint8_t)(proto >> 8); f[3] = (uint8_t)proto;
	f[4] = code; f[5] = id;
	f[6] = (uint8_t)((len + 4) >> 8); f[7] = (uint8_t)(len + 4);
	if (len)
		memcpy(f + 8, d, len);
	lns_ppp_input(h->p, f, len + 8, h->now);
}

/* the next packet of proto (and code, if code != 0) sent since the last look */
static H_UNUSED struct h_pkt *
h_next(struct harness *h, uint16_t proto, uint8_t code)
{
	while (h->seen < h->n) {
		struct h_pkt *k = &h->pkt[h->seen++];

		if (k->proto == proto && (code == 0 || k->b[0] == code))
			return k;
	}
	return NULL;
}

/* find option type in a Configure packet; NULL if absent */
static H_UNUSED const uint8_t *
h_opt(const struct h_pkt *k, uint8_t type)
{
	size_t len = (size_t)(k->b[2] << 8 | k->b[3]);

	for (size_t i = 4; i + 2 <= len && k->b[i + 1] >= 2; i += k->b[i + 1])
		if (k->b[i] == type)
			return k->b + i;
	return NULL;
}

/* Play the client through LCP: Ack the LNS's request, send ours (magic 0x11223344). */
static H_UNUSED void
h_lcp_open(struct harness *h)
{
	struct h_pkt *cr = h_next(h, LNS_PPP_LCP, 1);
	const uint8_t opts[] = { 5, 6, 0x11, 0x22, 0x33, 0x44, 7, 2, 8, 2 };
	struct h_pkt *ack;

	CU_ASSERT_PTR_NOT_NULL_FATAL(cr);
	h_in(h, LNS_PPP_LCP, 2, cr->b[1], cr->b + 4, (size_t)(cr->b[2] << 8 | cr->b[3]) - 4);
	h_in(h, LNS_PPP_LCP, 1, 0x51, opts, sizeof(opts));
	ack = h_next(h, LNS_PPP_LCP, 2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ack);
	CU_ASSERT_EQUAL(ack->b[1], 0x51);
}

static H_UNUSED void
h_pap(struct harness *h, uint8_t id, const char *user, const char *pw)
{
	uint8_t d[600];
	size_t ul = strlen(user), pl = strlen(pw);

	d[0] = (uint8_t)ul;
	memcpy(d + 1, user, ul);
	d[1 + ul] = (uint8_t)pl;
	memcpy(d + 2 + ul, pw, pl);
	h_in(h, LNS_PPP_PAP, 1, id, d, ul + pl + 2);
}

/* Play IPCP: take the LNS's request, Ack it, ask for 0.0.0.0 + DNS, follow Naks */
static H_UNUSED void
h_ipcp_open(struct harness *h)
{
	struct h_pkt *cr = h_next(h, LNS_PPP_IPCP, 1), *r;
	uint8_t req[18] = { 3, 6, 0, 0, 0, 0, 129, 6, 0, 0, 0, 0, 131, 6, 0, 0, 0, 0 };

	CU_ASSERT_PTR_NOT_NULL_FATAL(cr);
	h_in(h, LNS_PPP_IPCP, 2, cr->b[1], cr->b + 4, (size_t)(cr->b[2] << 8 | cr->b[3]) - 4);
	h_in(h, LNS_PPP_IPCP, 1, 1, req, sizeof(req));
	r = h_next(h, LNS_PPP_IPCP, 3);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	/* take every Nak'd value (RFC 1332 §3.3, RFC 1877) */
	for (int i = 0; i < 3; i++) {
		const uint8_t *o = h_opt(r, req[i * 6]);

		CU_ASSERT_PTR_NOT_NULL_FATAL(o);
		memcpy(req + i * 6 + 2, o + 2, 4);
	}
	h_in(h, LNS_PPP_IPCP, 1, 2, req, sizeof(req));
	r = h_next(h, LNS_PPP_IPCP, 2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
}

#endif /* PPP_HARNESS_H */
