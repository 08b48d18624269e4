/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Test harness shared by test_l2tp_ctl.c and test_policy.c: a fake clock, a fake
 * `send` that records every message, recording callbacks, and a scripted LAC that
 * builds its messages with the codec (whose bytes test_l2tp_avp.c checks against
 * scapy). Header-only on purpose: each test program includes it once.
 */
#ifndef LAC_SIM_H
#define LAC_SIM_H

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "lns_conf.h"
#include "lns_evlog.h"
#include "lns_l2tp.h"
#include "lns_l2tp_avp.h"
#include "lns_timer.h"

#define SIM_PORTS \
	"ports:\n" \
	"  access: {device: net_af_packet0, address: 192.0.2.1/24}\n" \
	"  core: {device: net_af_packet1, address: 198.51.100.1/24}\n"

struct sent {
	struct lns_l2tp_peer to;
	uint64_t at;
	size_t len;
	uint8_t msg[LNS_L2TP_CTL_MAX];
};

#define SIM_MAX_SENT 256

static struct sim {
	struct lns_conf *conf;
	struct lns_timers *tm;
	struct lns_evlog *log;
	struct lns_l2tp *l;
	uint64_t now;
	struct sent sent[SIM_MAX_SENT];
	unsigned int n_sent;
	int tunnel_up_rc, session_up_rc;
	unsigned int tunnels_up, tunnels_down, sessions_up, sessions_down;
	uint16_t last_down_result;
	unsigned int n_disc;
	uint32_t disc_conn[16];
	uint64_t disc_at[16];
	int close_in_session_up;        /* session_up closes the session itself */
	int random_rc;                  /* what the random source answers (0: bytes) */
	uint8_t random_next;
} S;

static struct lns_l2tp_msg sim_m;      /* large */

static inline void
sim_send(void *ctx, const struct lns_l2tp_peer *to, const uint8_t *msg, size_t len)
{
	(void)ctx;
	CU_ASSERT_FATAL(S.n_sent < SIM_MAX_SENT);
	CU_ASSERT_FATAL(len <= LNS_L2TP_CTL_MAX);
	S.sent[S.n_sent].to = *to;
	S.sent[S.n_sent].at = S.now;
	S.sent[S.n_sent].len = len;
	memcpy(S.sent[S.n_sent].msg, msg, len);
	S.n_sent++;
}

static inline int
sim_tunnel_up(void *ctx, const struct lns_l2tp_tunnel_info *t)
{
	(void)ctx;
	(void)t;
	S.tunnels_up++;
	return S.tunnel_up_rc;
}

static inline void
sim_tunnel_down(void *ctx, const struct lns_l2tp_tunnel_info *t)
{
	(void)ctx;
	(void)t;
	S.tunnels_down++;
}

static inline int
sim_session_up(void *ctx, const struct lns_l2tp_session_info *s)
{
	(void)ctx;
	S.sessions_up++;
	if (S.close_in_session_up) {
		/* re-entry: PPP refuses at once, from inside the callback */
		CU_ASSERT_EQUAL(lns_l2tp_session_close(S.l, s->tunnel_id, s->session_id, 3, 0,
						       "ppp", S.now), 0);
		return -1;
	}
	return S.session_up_rc;
}

static inline void
sim_session_down(void *ctx, const struct lns_l2tp_session_info *s, uint16_t result,
		 uint16_t error)
{
	(void)ctx;
	(void)s;
	(void)error;
	S.sessions_down++;
	S.last_down_result = result;
}

static inline void
sim_ipsec_disconnect(void *ctx, uint32_t conn, const char *why)
{
	(void)ctx;
	(void)why;
	CU_ASSERT_FATAL(S.n_disc < 16);
	S.disc_conn[S.n_disc] = conn;
	S.disc_at[S.n_disc] = S.now;
	S.n_disc++;
}

/* A random source that can fail on demand; otherwise a byte sequence that never
 * repeats within a test. */
static inline int
sim_random(void *ctx, uint8_t *buf, size_t len)
{
	(void)ctx;
	if (S.random_rc != 0)
		return S.random_rc;
	for (size_t i = 0; i < len; i++)
		buf[i] = S.random_next++;
	return 0;
}

static const struct lns_l2tp_ops sim_ops = {
	.send = sim_send, .tunnel_up = sim_tunnel_up, .tunnel_down = sim_tunnel_down,
	.session_up = sim_session_up, .session_down = sim_session_down,
	.ipsec_disconnect = sim_ipsec_disconnect, .random = sim_random,
};

/* Start a library on the config SIM_PORTS + `yaml`. */
static inline void
sim_setup(const char *yaml)
{
	char err[LNS_CONF_ERR_MAX], *text;

	memset(&S, 0, sizeof(S));
	S.now = 1000000;
	text = malloc(strlen(SIM_PORTS) + strlen(yaml) + 1);
	strcpy(text, SIM_PORTS);
	strcat(text, yaml);
	S.conf = lns_conf_load_string(text, "t.yaml", err, sizeof(err));
	free(text);
	if (S.conf == NULL)
		fprintf(stderr, "\n  config: %s\n", err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(S.conf);
	S.tm = lns_timers_create(16);
	S.log = lns_evlog_create(1024);
	S.l = lns_l2tp_create(S.conf, &sim_ops, NULL, S.tm, S.log);
	CU_ASSERT_PTR_NOT_NULL_FATAL(S.l);
}

static inline void
sim_teardown(void)
{
	lns_l2tp_free(S.l);
	lns_timers_free(S.tm);
	lns_evlog_free(S.log);
	lns_conf_free(S.conf);
	S.l = NULL;
}

/* Advance the clock by ms, firing timers at their exact expiry times. */
static inline void
sim_run(uint64_t ms)
{
	uint64_t end = S.now + ms;

	while (lns_timers_next(S.tm) <= end) {
		uint64_t next = lns_timers_next(S.tm);

		if (next > S.now)
			S.now = next;
		lns_timers_run(S.tm, S.now);
	}
	S.now = end;
}

static inline uint64_t
sim_ctr(enum lns_l2tp_ctr c)
{
	uint64_t v[LNS_L2TP_CTR_MAX];

	lns_l2tp_counters(S.l, v);
	return v[c];
}

/* Decode sent message i (negative: from the end) into sim_m. */
static inline const struct lns_l2tp_msg *
sim_sent(int i)
{
	unsigned int k = i < 0 ? S.n_sent + (unsigned int)i : (unsigned int)i;

	CU_ASSERT_FATAL(k < S.n_sent);
	CU_ASSERT_EQUAL_FATAL(lns_l2tp_decode(S.sent[k].msg, S.sent[k].len, NULL, 0, &sim_m),
			      LNS_L2TP_DOK);
	return &sim_m;
}

static inline uint16_t
sim_sent_type(int i)
{
	return sim_sent(i)->type;
}

/* The result code of sent message i (StopCCN/CDN). */
static inline uint16_t
sim_sent_result(int i, uint16_t *error)
{
	uint16_t r = 0, e = 0;

	lns_avp_get_result(sim_sent(i), &r, &e, NULL, NULL);
	if (error != NULL)
		*error = e;
	return r;
}

/* ------------------------------------------------------------- the LAC --- */

struct lac {
	struct lns_l2tp_peer peer;
	uint16_t tid;           /* the LAC's own tunnel id */
	uint16_t lns_tid;       /* learned from SCCRP */
	uint16_t ns, nr;
	const char *secret;
	const char *host;
	unsigned int seen;      /* S.sent entries already consumed */
};

static inline void
lac_init(struct lac *c, const char *addr, uint16_t port, uint32_t conn, uint16_t tid)
{
	memset(c, 0, sizeof(*c));
	inet_pton(AF_INET, addr, &c->peer.addr);
	c->peer.port = port;
	c->peer.conn = conn;
	c->peer.sa_in = conn == LNS_L2TP_NO_CONN ? LNS_L2TP_NO_SA : conn + 100;
	c->tid = tid;
	c->host = "lac";
	c->seen = S.n_sent;
}

static inline void
lac_begin(struct lac *c, struct lns_l2tp_enc *e, uint8_t *buf, uint16_t sid, uint16_t type)
{
	lns_l2tp_enc_init(e, buf, LNS_L2TP_CTL_MAX, c->lns_tid, sid);
	if (c->secret != NULL)
		lns_l2tp_enc_secret(e, (const uint8_t *)c->secret, strlen(c->secret));
	if (type != LNS_L2TP_ZLB)
		lns_avp_put_msg_type(e, type);
}

/* Send with explicit Ns (does not advance the LAC's Ns). */
static inline int
lac_send_ns(struct lac *c, struct lns_l2tp_enc *e, uint16_t ns)
{
	int n = lns_l2tp_enc_finish(e);

	CU_ASSERT_FATAL(n > 0);
	lns_l2tp_set_seq(e->buf, ns, c->nr);
	return lns_l2tp_input(S.l, &c->peer, e->buf, (size_t)n, S.now);
}

static inline int
lac_send(struct lac *c, struct lns_l2tp_enc *e)
{
	bool zlb = e->len == LNS_L2TP_CTL_HDR;
	int rc = lac_send_ns(c, e, c->ns);

	if (!zlb)
		c->ns++;
	return rc;
}

/* Consume what the LNS sent to this LAC: in-order messages advance Nr. Returns the
 * index of the last non-ZLB message to this LAC, or -1. */
static inline int
lac_recv(struct lac *c)
{
	int last = -1;

	for (; c->seen < S.n_sent; c->seen++) {
		const struct sent *s = &S.sent[c->seen];
		struct lns_l2tp_msg *m = &sim_m;

		if (s->to.addr != c->peer.addr || s->to.port != c->peer.port)
			continue;
		if (lns_l2tp_decode(s->msg, s->len, NULL, 0, m) != LNS_L2TP_DOK &&
		    (c->secret == NULL ||
		     lns_l2tp_decode(s->msg, s->len, (const uint8_t *)c->secret,
				     strlen(c->secret), m) != LNS_L2TP_DOK))
			continue;
		if (m->type == LNS_L2TP_ZLB)
			continue;
		if (m->ns == c->nr)
			c->nr++;
		last = (int)c->seen;
	}
	return last;
}

/* Send a ZLB acknowledging everything received. */
static inline void
lac_ack(struct lac *c)
{
	uint8_t buf[LNS_L2TP_CTL_HDR];
	struct lns_l2tp_enc e;

	lac_recv(c);
	lns_l2tp_enc_init(&e, buf, sizeof(buf), c->lns_tid, 0);
	lac_send(c, &e);
}

static inline int
lac_sccrq(struct lac *c, const uint8_t *chal, size_t chal_len)
{
	uint8_t buf[LNS_L2TP_CTL_MAX];
	struct lns_l2tp_enc e;
	static const uint8_t ver[2] = { 1, 0 };

	lac_begin(c, &e, buf, 0, LNS_L2TP_SCCRQ);
	lns_avp_put(&e, true, LNS_AVP_PROTO_VER, ver, 2);
	lns_avp_put_str(&e, true, LNS_AVP_HOST_NAME, c->host);
	lns_avp_put_u32(&e, true, LNS_AVP_FRAMING_CAP, 3);
	lns_avp_put_u16(&e, true, LNS_AVP_TUNNEL_ID, c->tid);
	lns_avp_put_u16(&e, false, LNS_AVP_RWS, 4);
	if (chal != NULL)
		lns_avp_put(&e, true, LNS_AVP_CHALLENGE, chal, chal_len);
	return lac_send(c, &e);
}

/* SCCRQ, read SCCRP, SCCCN (answering the LNS's Challenge when it sent one). */
static inline int
lac_connect(struct lac *c)
{
	uint8_t buf[LNS_L2TP_CTL_MAX], resp[16];
	struct lns_l2tp_enc e;
	const struct lns_l2tp_msg *m;
	int i;

	lac_sccrq(c, NULL, 0);
	i = lac_recv(c);
	if (i < 0)
		return -1;
	m = sim_sent(i);
	if (m->type != LNS_L2TP_SCCRP)
		return -1;
	CU_ASSERT_EQUAL(lns_avp_get_u16(m, LNS_AVP_TUNNEL_ID, &c->lns_tid), 0);
	CU_ASSERT_EQUAL(S.sent[i].to.conn, c->peer.conn);
	lac_begin(c, &e, buf, 0, LNS_L2TP_SCCCN);
	if (lns_avp_has(m, LNS_AVP_CHALLENGE) && c->secret != NULL) {
		lns_l2tp_chal_response(LNS_L2TP_SCCCN, (const uint8_t *)c->secret,
				       strlen(c->secret), m->avp[LNS_AVP_CHALLENGE].p,
				       m->avp[LNS_AVP_CHALLENGE].len, resp);
		lns_avp_put(&e, true, LNS_AVP_CHAL_RESP, resp, 16);
	}
	return lac_send(c, &e);
}

/* ICRQ; returns the LNS's session id from the ICRP (0 if refused). */
static inline uint16_t
lac_icrq(struct lac *c, uint16_t peer_sid)
{
	uint8_t buf[LNS_L2TP_CTL_MAX];
	struct lns_l2tp_enc e;
	int i;
	uint16_t sid = 0;

	lac_begin(c, &e, buf, 0, LNS_L2TP_ICRQ);
	lns_avp_put_u16(&e, true, LNS_AVP_SESSION_ID, peer_sid);
	lns_avp_put_u32(&e, true, LNS_AVP_CALL_SERIAL, 1000u + peer_sid);
	lns_avp_put_str(&e, false, LNS_AVP_CALLING, "5550001");
	lac_send(c, &e);
	i = lac_recv(c);
	if (i >= 0 && sim_sent_type(i) == LNS_L2TP_ICRP) {
		lns_avp_get_u16(sim_sent(i), LNS_AVP_SESSION_ID, &sid);
		CU_ASSERT_EQUAL(sim_m.session_id, peer_sid);
	}
	return sid;
}

static inline int
lac_iccn(struct lac *c, uint16_t lns_sid)
{
	uint8_t buf[LNS_L2TP_CTL_MAX];
	struct lns_l2tp_enc e;
	static const uint8_t lcp[] = { 1, 4, 5, 0xdc };

	lac_begin(c, &e, buf, lns_sid, LNS_L2TP_ICCN);
	lns_avp_put_u32(&e, true, LNS_AVP_TX_SPEED, 1000000);
	lns_avp_put_u32(&e, true, LNS_AVP_FRAMING_TYPE, 1);
	lns_avp_put(&e, false, LNS_AVP_LCP_LAST_TX, lcp, sizeof(lcp));
	lns_avp_put_str(&e, false, LNS_AVP_AUTH_NAME, "alice");
	return lac_send(c, &e);
}

/* A whole call: ICRQ/ICRP/ICCN; returns the LNS session id. */
static inline uint16_t
lac_call(struct lac *c, uint16_t peer_sid)
{
	uint16_t sid = lac_icrq(c, peer_sid);

	if (sid != 0)
		lac_iccn(c, sid);
	return sid;
}

static inline int
lac_cdn(struct lac *c, uint16_t lns_sid, uint16_t peer_sid, uint16_t result)
{
	uint8_t buf[LNS_L2TP_CTL_MAX];
	struct lns_l2tp_enc e;

	lac_begin(c, &e, buf, lns_sid, LNS_L2TP_CDN);
	lns_avp_put_result(&e, result, 0, NULL);
	lns_avp_put_u16(&e, true, LNS_AVP_SESSION_ID, peer_sid);
	return lac_send(c, &e);
}

static inline int
lac_stopccn(struct lac *c, uint16_t result)
{
	uint8_t buf[LNS_L2TP_CTL_MAX];
	struct lns_l2tp_enc e;

	lac_begin(c, &e, buf, 0, LNS_L2TP_STOPCCN);
	lns_avp_put_u16(&e, true, LNS_AVP_TUNNEL_ID, c->tid);
	lns_avp_put_result(&e, result, 0, NULL);
	return lac_send(c, &e);
}

/* ------------------------------------------------------------ events --- */

/* Events logged since seq `after`, as "name name ..." (for exact sequence checks). */
static inline const char *
sim_events(uint64_t after)
{
	static char out[2048];
	struct lns_event ev[64];
	uint32_t n = lns_evlog_read(S.log, after, ev, 64);
	size_t off = 0;

	out[0] = '\0';
	for (uint32_t i = 0; i < n && off < sizeof(out) - 32; i++)
		off += (size_t)snprintf(out + off, sizeof(out) - off, "%s%s", i ? " " : "",
					lns_ev_name(ev[i].ev));
	return out;
}

/* The time (ms) of the first event `ev` after seq `after`, or 0. */
static inline uint64_t
sim_event_at(uint64_t after, enum lns_ev evn, struct lns_event *copy)
{
	struct lns_event ev[64];
	uint32_t n = lns_evlog_read(S.log, after, ev, 64);

	for (uint32_t i = 0; i < n; i++)
		if (ev[i].ev == evn) {
			if (copy != NULL)
				*copy = ev[i];
			return ev[i].t_us / 1000;
		}
	return 0;
}

/* Whether the events since `after` are exactly `want`; prints both when not. */
static inline bool
sim_events_are(uint64_t after, const char *want)
{
	const char *got = sim_events(after);

	if (strcmp(got, want) == 0)
		return true;
	fprintf(stderr, "\n  events: want \"%s\"\n          got  \"%s\"\n", want, got);
	return false;
}

#define EV_EQUAL(after, want) CU_ASSERT_TRUE(sim_events_are((after), (want)))

#endif /* LAC_SIM_H */
