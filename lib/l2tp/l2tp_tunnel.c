/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tunnel (control connection) state machine, LNS side (RFC 2661 §7.2): SCCRQ ->
 * SCCRP -> SCCCN with tunnel authentication (§4.4.3 Challenge / Challenge
 * Response), HELLO keepalive (§6.5), StopCCN both ways (§5.7), and the entry points
 * of the library. Sessions are in l2tp_session.c, lifecycle rules in l2tp_policy.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "l2tp_priv.h"

static void hello_expired(struct lns_timer *tm, void *arg, uint64_t now_ms);
static void destruct_expired(struct lns_timer *tm, void *arg, uint64_t now_ms);
static void refuse(struct lns_l2tp *l, struct l2tp_tunnel *t, uint16_t result, uint16_t error,
		   const char *why, uint64_t now_ms);

/* How long a peer may take from our SCCRP to its SCCCN. Without a deadline, a peer
 * that acknowledges the SCCRP (Nr) but never sends SCCCN pins the record forever. */
#define L2TP_SETUP_TIMEOUT_MS 60000

static const uint8_t *
secret_of(const struct lns_dest_profile *p, size_t *len)
{
	if (p == NULL || !p->tunnel_password.set || p->tunnel_password.len == 0) {
		*len = 0;
		return NULL;
	}
	*len = p->tunnel_password.len;
	return (const uint8_t *)p->tunnel_password.value;
}

void
l2tp_msg_begin(struct l2tp_tunnel *t, struct lns_l2tp_enc *e, uint8_t *buf,
	       uint16_t peer_session, uint16_t type)
{
	size_t sl;
	const uint8_t *sec = secret_of(t->prof, &sl);

	lns_l2tp_enc_init(e, buf, LNS_L2TP_CTL_MAX, t->peer_id, peer_session);
	lns_l2tp_enc_secret(e, sec, sl);
	lns_avp_put_msg_type(e, type);
}

int
l2tp_msg_send(struct lns_l2tp *l, struct l2tp_tunnel *t, struct lns_l2tp_enc *e,
	      uint64_t now_ms)
{
	int n = lns_l2tp_enc_finish(e);

	if (n < 0)
		return n;
	return l2tp_xport_send(l, t, e->buf, (size_t)n, now_ms);
}

/* StopCCN body (§6.4): Assigned Tunnel ID and Result Code. */
static int
build_stopccn(struct l2tp_tunnel *t, uint8_t *buf, uint16_t result, uint16_t error,
	      const char *why, struct lns_l2tp_enc *e)
{
	l2tp_msg_begin(t, e, buf, 0, LNS_L2TP_STOPCCN);
	lns_avp_put_u16(e, true, LNS_AVP_TUNNEL_ID, t->local_id);
	lns_avp_put_result(e, result, error, why);
	return lns_l2tp_enc_finish(e);
}

void
l2tp_tunnel_stop(struct lns_l2tp *l, struct l2tp_tunnel *t, uint16_t result, uint16_t error,
		 const char *why, uint64_t now_ms)
{
	uint8_t buf[LNS_L2TP_CTL_MAX];
	struct lns_l2tp_enc e;
	char ps[32];
	int n;

	if (t->state >= T_CLOSING)
		return;
	l2tp_half_open_end(l, t);
	t->state = T_CLOSING;
	t->result = result;
	t->error = error;
	lns_timer_cancel(l->tm, &t->hello_timer);
	/* §5.7: StopCCN clears every session of the tunnel; no CDN is sent for them */
	l2tp_sessions_clear(l, t, LNS_CDN_ERROR, LNS_L2TP_ERR_NONE, now_ms);
	l2tp_policy_tunnel_ending(l, t, now_ms);
	lns_evlog_add(l->log, ev_us(now_ms), LNS_EV_STOPCCN_SENT, t->local_id, LNS_EV_NONE,
		      ev_conn(t), "peer=%s result=%u error=%u%s%s",
		      l2tp_peer_str(&t->peer, ps, sizeof(ps)), result, error,
		      why ? " reason=" : "", why ? why : "");
	n = build_stopccn(t, buf, result, error, why, &e);
	/* stay in closing until the StopCCN is acknowledged (§5.7) */
	if (n < 0 || l2tp_xport_send(l, t, buf, (size_t)n, now_ms) != 0 ||
	    l2tp_xport_idle(t))
		l2tp_tunnel_destroy(l, t, now_ms);
}

void
l2tp_tunnel_destroy(struct lns_l2tp *l, struct l2tp_tunnel *t, uint64_t now_ms)
{
	struct lns_l2tp_tunnel_info info;
	char ps[32];
	uint32_t secs;

	if (t->state == T_DESTRUCTING)
		return;
	l2tp_half_open_end(l, t);
	l2tp_sessions_clear(l, t, LNS_CDN_ERROR, LNS_L2TP_ERR_NONE, now_ms);
	l2tp_policy_tunnel_ending(l, t, now_ms);
	t->state = T_DESTRUCTING;
	t->destroyed_ms = now_ms;
	lns_timer_cancel(l->tm, &t->hello_timer);
	lns_timer_cancel(l->tm, &t->idle_timer);
	l2tp_xport_stop(t);
	/* a new SCCRQ with the same identity is a new tunnel from now on */
	l2tp_id_remove(l, t);
	OPENSSL_cleanse(t->chal, sizeof(t->chal));
	lns_evlog_add(l->log, ev_us(now_ms), LNS_EV_TUNNEL_DESTROYED, t->local_id, LNS_EV_NONE,
		      ev_conn(t), "peer=%s result=%u", l2tp_peer_str(&t->peer, ps, sizeof(ps)),
		      t->result);
	if (t->up) {
		t->up = false;
		if (l->ops.tunnel_down != NULL) {
			l2tp_tunnel_fill_info(t, &info);
			l->ops.tunnel_down(l->ctx, &info);
		}
	}
	/* DESIGN.md: the record stays "destructing" (visible, counters frozen) */
	secs = t->prof != NULL ? t->prof->destruct_timeout : 600;
	t->destruct_end_ms = now_ms + (uint64_t)secs * 1000;
	lns_timer_init(&t->destruct_timer, destruct_expired, t);
	lns_timer_arm(l->tm, &t->destruct_timer, t->destruct_end_ms);
	lns_evlog_add(l->log, ev_us(now_ms), LNS_EV_DESTRUCT_BEGIN, t->local_id, LNS_EV_NONE,
		      ev_conn(t), "timeout=%u", secs);
	l2tp_policy_destruct_begin(l, t, now_ms);
}

static void
destruct_expired(struct lns_timer *tm, void *arg, uint64_t now_ms)
{
	struct l2tp_tunnel *t = arg;
	struct lns_l2tp *l = t->l;

	(void)tm;
	l2tp_enter(l);
	lns_evlog_add(l->log, ev_us(now_ms), LNS_EV_DESTRUCT_END, t->local_id, LNS_EV_NONE,
		      ev_conn(t), "freed");
	l2tp_policy_destruct_end(l, t, now_ms);
	l2tp_tunnel_release(l, t);
	l2tp_leave(l);
}

void
l2tp_tunnel_xport_failed(struct lns_l2tp *l, struct l2tp_tunnel *t, uint64_t now_ms)
{
	if (t->state < T_CLOSING) {
		t->result = LNS_STOPCCN_ERROR;
		t->error = 0;
	}
	l2tp_tunnel_destroy(l, t, now_ms);
}

void
l2tp_tunnel_all_acked(struct lns_l2tp *l, struct l2tp_tunnel *t, uint64_t now_ms)
{
	if (t->state == T_CLOSING)
		l2tp_tunnel_destroy(l, t, now_ms);
}

static void
hello_arm(struct lns_l2tp *l, struct l2tp_tunnel *t, uint64_t now_ms)
{
	if (t->prof != NULL && t->prof->hello_interval > 0 && t->state == T_ESTABLISHED)
		lns_timer_arm(l->tm, &t->hello_timer,
			      now_ms + (uint64_t)t->prof->hello_interval * 1000);
}

/* §6.5: HELLO after hello-interval without anything from the peer. */
static void
hello_expired(struct lns_timer *tm, void *arg, uint64_t now_ms)
{
	struct l2tp_tunnel *t = arg;
	struct lns_l2tp *l = t->l;
	uint8_t buf[64];
	struct lns_l2tp_enc e;

	(void)tm;
	if (t->state == T_WAIT_CTL_CONN) {
		/* the setup deadline (armed with our SCCRP) passed without SCCCN */
		l2tp_enter(l);
		CTR(l, TUNNEL_SETUP_TIMEOUTS);
		refuse(l, t, LNS_STOPCCN_ERROR, LNS_L2TP_ERR_NONE, "setup-timeout", now_ms);
		l2tp_leave(l);
		return;
	}
	if (t->state != T_ESTABLISHED || t->prof == NULL || t->prof->hello_interval == 0)
		return;         /* (the setup deadline outlived SCCCN with HELLO off) */
	l2tp_enter(l);
	lns_l2tp_enc_init(&e, buf, sizeof(buf), t->peer_id, 0);
	lns_avp_put_msg_type(&e, LNS_L2TP_HELLO);
	CTR(l, HELLOS_SENT);
	l2tp_msg_send(l, t, &e, now_ms);
	hello_arm(l, t, now_ms);
	l2tp_leave(l);
}

/* ------------------------------------------------------------ refusal --- */

/* No tunnel record can be had (ids exhausted, admission limits): one StopCCN, no
 * state (§5.7 cannot be honoured without state; the peer retransmits its SCCRQ and
 * gets another). `log_it` false: counted only, a flood must not wash out the log. */
static void
refuse_stateless(struct lns_l2tp *l, const struct lns_l2tp_peer *from,
		 const struct lns_l2tp_msg *m, uint16_t peer_tid, uint16_t result,
		 uint16_t error, const char *why, bool log_it, uint64_t now_ms)
{
	uint8_t buf[128];
	struct lns_l2tp_enc e;
	char ps[32];
	int n;

	lns_l2tp_enc_init(&e, buf, sizeof(buf), peer_tid, 0);
	lns_avp_put_msg_type(&e, LNS_L2TP_STOPCCN);
	lns_avp_put_u16(&e, true, LNS_AVP_TUNNEL_ID, 0);
	lns_avp_put_result(&e, result, error, why);
	n = lns_l2tp_enc_finish(&e);
	if (n < 0)
		return;
	lns_l2tp_set_seq(buf, 0, (uint16_t)(m->ns + 1));
	CTR(l, TX_MSGS);
	l->ops.send(l->ctx, from, buf, (size_t)n);
	if (!log_it)
		return;
	lns_evlog_add(l->log, ev_us(now_ms), LNS_EV_TUNNEL_REFUSED, LNS_EV_NONE, LNS_EV_NONE,
		      from->conn == LNS_L2TP_NO_CONN ? LNS_EV_NONE : from->conn,
		      "peer=%s result=%u error=%u reason=%s",
		      l2tp_peer_str(from, ps, sizeof(ps)), result, error, why);
}

/* Refuse an SCCRQ we hold a record for: StopCCN delivered reliably, then destruct. */
static void
refuse(struct lns_l2tp *l, struct l2tp_tunnel *t, uint16_t result, uint16_t error,
       const char *why, uint64_t now_ms)
{
	char ps[32];

	lns_evlog_add(l->log, ev_us(now_ms), LNS_EV_TUNNEL_REFUSED, t->local_id, LNS_EV_NONE,
		      ev_conn(t), "peer=%s result=%u error=%u reason=%s",
		      l2tp_peer_str(&t->peer, ps, sizeof(ps)), result, error, why);
	l2tp_tunnel_stop(l, t, result, error, why, now_ms);
}

/* ---------------------------------------------------------------- SCCRQ --- */

/* Random bytes from the owner's source if it gave one, else OpenSSL's. */
static int
draw_random(struct lns_l2tp *l, uint8_t *buf, size_t len)
{
	if (l->ops.random != NULL)
		return l->ops.random(l->ctx, buf, len);
	return RAND_bytes(buf, (int)len) == 1 ? 0 : -EIO;
}

static void
send_sccrp(struct lns_l2tp *l, struct l2tp_tunnel *t, const struct lns_l2tp_msg *m,
	   uint64_t now_ms)
{
	uint8_t buf[LNS_L2TP_CTL_MAX], resp[16];
	struct lns_l2tp_enc e;
	size_t sl;
	const uint8_t *sec = secret_of(t->prof, &sl);
	static const uint8_t ver[2] = { 1, 0 };

	l2tp_msg_begin(t, &e, buf, 0, LNS_L2TP_SCCRP);
	lns_avp_put(&e, true, LNS_AVP_PROTO_VER, ver, 2);
	/* framing: synchronous and asynchronous (§4.4.3) */
	lns_avp_put_u32(&e, true, LNS_AVP_FRAMING_CAP, 3);
	/* bearer capabilities 0: we place no outgoing calls (§4.4.3) */
	lns_avp_put_u32(&e, false, LNS_AVP_BEARER_CAP, 0);
	lns_avp_put_u16(&e, false, LNS_AVP_FIRMWARE, 0x0100);
	lns_avp_put_str(&e, true, LNS_AVP_HOST_NAME, l->conf->l2tp.host_name);
	lns_avp_put_str(&e, false, LNS_AVP_VENDOR_NAME, "lnsd");
	lns_avp_put_u16(&e, true, LNS_AVP_TUNNEL_ID, t->local_id);
	lns_avp_put_u16(&e, true, LNS_AVP_RWS, t->x.local_rwin);
	if (sec != NULL) {
		/* t->chal was drawn by sccrq_input */
		t->chal_sent = true;
		lns_avp_put(&e, true, LNS_AVP_CHALLENGE, t->chal, sizeof(t->chal));
	}
	if (sec != NULL && lns_avp_has(m, LNS_AVP_CHALLENGE)) {
		lns_l2tp_chal_response(LNS_L2TP_SCCRP, sec, sl, m->avp[LNS_AVP_CHALLENGE].p,
				       m->avp[LNS_AVP_CHALLENGE].len, resp);
		lns_avp_put(&e, true, LNS_AVP_CHAL_RESP, resp, 16);
	}
	l2tp_msg_send(l, t, &e, now_ms);
}

/*
 * RFC 2661 protocol errors in a new SCCRQ, each with its own counter. They are
 * refused before any tunnel record exists, with one stateless StopCCN (result 2,
 * or 5 for a wrong version, §4.4.2): a real but broken LAC learns why at once
 * instead of waiting out a half-open tunnel, and a forged flood of them costs no
 * state; it has already spent admission tokens (l2tp_limit_sccrq), so the answers
 * are rate-bounded, one per SCCRQ, each under 80 bytes (at most ~1.5 times the
 * smallest SCCRQ that provokes it: no useful reflection). Error 3 (a field out
 * of range) for bad values, error 2 for a message whose mandatory content is
 * wrong (missing or repeated AVPs: §4.4.2 has no closer code), error 8 for an
 * unknown mandatory AVP (§4.1), with the exact reason as text.
 *
 * Accepted on purpose, as LACs differ here and RFC 2661 allows it (§4.4.3 makes
 * these optional; §4.1 says to ignore unknown AVPs without M): no Receive Window
 * Size (then 4); no Bearer Capabilities, Firmware Revision or Vendor Name; a Tie
 * Breaker (an LNS never initiates, so there is no tie); vendor AVPs without the M
 * bit (e.g. Cisco's vendor 9, Microsoft's 311); repeats of AVPs other than Message
 * Type (the first one counts); any Host Name text (xl2tpd sends its configured
 * name, Windows its computer name: neither need be a DNS name); and UDP checksum 0
 * (xl2tpd), which is the data path's business. Of these only xl2tpd's behaviour is
 * exercised against the real program (tests/integration); the rest is unit-tested.
 */
static const char *
sccrq_check(struct lns_l2tp *l, const struct lns_l2tp_msg *m, uint16_t *result,
	    uint16_t *error)
{
	uint16_t rws;
	uint8_t ver, rev;

	*result = LNS_STOPCCN_ERROR;
	*error = LNS_L2TP_ERR_RANGE;
	if (m->ns != 0) {                       /* §5.8: the first message has Ns 0 */
		CTR(l, SCCRQ_NS);
		return "sccrq-ns-not-zero";
	}
	if (m->nr != 0) {                       /* §5.8: nothing received yet */
		CTR(l, SCCRQ_NR);
		return "sccrq-nr-not-zero";
	}
	if (m->session_id != 0) {               /* §3.1: tunnel messages use session 0 */
		CTR(l, SCCRQ_SESSION);
		return "sccrq-session-id-not-zero";
	}
	if (m->unknown_m) {
		/* §4.1: unknown mandatory AVP in a tunnel message clears the tunnel */
		CTR(l, UNKNOWN_M_AVP);
		*error = LNS_L2TP_ERR_UNKNOWN_M;
		return "unknown-mandatory-avp";
	}
	if (lns_avp_get_proto_ver(m, &ver, &rev) != 0 || ver != 1 || rev != 0) {
		CTR(l, REFUSE_VERSION);
		*result = LNS_STOPCCN_BAD_VERSION;
		*error = 0;
		return "protocol-version";
	}
	if (lns_avp_get_u16(m, LNS_AVP_RWS, &rws) == 0 && rws == 0) {
		CTR(l, SCCRQ_RWS_ZERO);         /* §5.8: a window of 0 could carry nothing */
		return "receive-window-size-zero";
	}
	*error = LNS_L2TP_ERR_LENGTH;
	if (m->dup_msg_type) {                  /* §4.4.1: one Message Type, first */
		CTR(l, SCCRQ_DUP_TYPE);
		return "duplicate-message-type";
	}
	if (!lns_avp_has(m, LNS_AVP_HOST_NAME)) {       /* §6.1: mandatory in SCCRQ */
		CTR(l, SCCRQ_NO_HOST);
		return "missing-host-name";
	}
	if (!lns_avp_has(m, LNS_AVP_FRAMING_CAP)) {     /* §6.1: mandatory in SCCRQ */
		CTR(l, SCCRQ_NO_FRAMING);
		return "missing-framing-capabilities";
	}
	return NULL;
}

static int
sccrq_input(struct lns_l2tp *l, const struct lns_l2tp_peer *from, const struct lns_l2tp_msg *m,
	    const uint8_t *raw, size_t len, uint64_t now_ms)
{
	const struct lns_dest_profile *prof;
	struct l2tp_tunnel *t;
	char host[64];
	uint16_t peer_tid, rws, result, error;
	const char *why = NULL;

	CTR(l, RX_SCCRQ);
	if (lns_avp_get_u16(m, LNS_AVP_TUNNEL_ID, &peer_tid) != 0 || peer_tid == 0) {
		/* nobody to answer: the StopCCN would need the peer's tunnel id */
		CTR(l, MISSING_AVP);
		return -EBADMSG;
	}
	t = l2tp_id_lookup(l, from, peer_tid);
	if (t != NULL) {
		/* retransmitted SCCRQ: the same tunnel; the transport acknowledges it */
		CTR(l, DUP_SCCRQ);
		t->rx_msgs++;
		l2tp_xport_rx(l, t, m, raw, len, now_ms);
		return 0;
	}
	why = l2tp_limit_sccrq(l, from, now_ms);
	if (why != NULL) {
		/* Over the admission limits (l2tp_limit.c). In the clear the source address
		 * may be forged: answering at flood rate would reflect the flood onto it,
		 * so nothing is sent, and a real LAC's retransmitted SCCRQ (§5.8) gets in
		 * once the bucket refills or half-open tunnels complete. Over IPsec the
		 * peer is authenticated and IKE limits its rate: StopCCN result 2, error 4
		 * "insufficient resources" (§4.4.2) tells it to back off. */
		if (from->conn != LNS_L2TP_NO_CONN)
			refuse_stateless(l, from, m, peer_tid, LNS_STOPCCN_ERROR,
					 LNS_L2TP_ERR_RESOURCES, why, false, now_ms);
		else
			CTR(l, REFUSE_SILENT);
		return -EPERM;
	}
	why = sccrq_check(l, m, &result, &error);
	if (why != NULL) {
		refuse_stateless(l, from, m, peer_tid, result, error, why,
				 from->conn != LNS_L2TP_NO_CONN, now_ms);
		return -EPERM;
	}
	if (l->draining) {
		/* Draining: RFC 2661 has no "go elsewhere" code; result 2 (general error)
		 * with a message is what makes a LAC (xl2tpd, Cisco) try its next LNS.
		 * After the flood limits above, so this cannot be driven at flood rate. */
		CTR(l, REFUSE_DRAIN);
		refuse_stateless(l, from, m, peer_tid, LNS_STOPCCN_ERROR, LNS_L2TP_ERR_NONE,
				 "draining", true, now_ms);
		return -EPERM;
	}
	lns_avp_get_str(m, LNS_AVP_HOST_NAME, host, sizeof(host));
	prof = lns_conf_dest_profile(l->conf, from->addr, host);
	t = l2tp_tunnel_alloc(l, from, peer_tid, now_ms);
	if (t == NULL) {
		CTR(l, REFUSE_TUNNELS);
		refuse_stateless(l, from, m, peer_tid, LNS_STOPCCN_ERROR,
				 LNS_L2TP_ERR_RESOURCES, "max-tunnels", true, now_ms);
		return -EPERM;
	}
	t->prof_copy = *prof;
	t->prof = &t->prof_copy;
	t->single_shot = prof->single_shot;
	memcpy(t->host_name, host, sizeof(t->host_name));
	lns_timer_init(&t->hello_timer, hello_expired, t);
	lns_timer_init(&t->destruct_timer, destruct_expired, t);
	if (l2tp_xport_init(t, prof->receive_window) != 0) {
		CTR(l, SEND_NOMEM);
		l2tp_tunnel_release(l, t);
		return -ENOMEM;
	}
	if (lns_avp_get_u16(m, LNS_AVP_RWS, &rws) == 0 && rws > 0)
		t->x.peer_rwin = rws;
	t->x.nr = m->ns;        /* the SCCRQ opens the peer's sequence space */
	t->rx_msgs++;
	if (l2tp_xport_rx(l, t, m, raw, len, now_ms) != XP_DELIVER) {
		l2tp_tunnel_release(l, t);
		return -EBADMSG;
	}
	result = l2tp_policy_sccrq(l, from, prof, &why);
	if (result != 0) {
		t->refused = true;
		refuse(l, t, result, 0, why, now_ms);
		return -EPERM;
	}
	if (lns_avp_has(m, LNS_AVP_CHALLENGE) && !prof->tunnel_password.set) {
		/* the LAC wants us to prove a secret we do not have (§4.4.3) */
		CTR(l, BAD_AUTH);
		t->refused = true;
		refuse(l, t, LNS_STOPCCN_NOT_AUTH, 0, "no-tunnel-secret", now_ms);
		return -EPERM;
	}
	/* Tie Breaker (§4.4.3) only matters when both ends sent SCCRQ; an LNS never
	 * initiates, so there is no tie to break: its length was checked by the decoder. */
	if (l2tp_policy_bind(l, t) != 0) {
		CTR(l, SEND_NOMEM);
		t->refused = true;
		refuse(l, t, LNS_STOPCCN_ERROR, LNS_L2TP_ERR_RESOURCES, "nomem", now_ms);
		return -ENOMEM;
	}
	if (secret_of(prof, &(size_t){ 0 }) != NULL && draw_random(l, t->chal, sizeof(t->chal)) != 0) {
		/* a predictable challenge would authenticate nothing: refuse instead */
		CTR(l, REFUSE_NO_RANDOM);
		t->refused = true;
		refuse(l, t, LNS_STOPCCN_ERROR, LNS_L2TP_ERR_RESOURCES, "no-random", now_ms);
		return -EIO;
	}
	t->state = T_WAIT_CTL_CONN;
	l2tp_half_open_begin(l, t);
	send_sccrp(l, t, m, now_ms);
	lns_timer_arm(l->tm, &t->hello_timer, now_ms + L2TP_SETUP_TIMEOUT_MS);
	return 0;
}

static void
scccn_input(struct lns_l2tp *l, struct l2tp_tunnel *t, const struct lns_l2tp_msg *m,
	    uint64_t now_ms)
{
	struct lns_l2tp_tunnel_info info;
	char ps[32];

	CTR(l, RX_SCCCN);
	if (t->state != T_WAIT_CTL_CONN) {
		CTR(l, BAD_STATE);
		return;
	}
	if (m->unknown_m) {
		CTR(l, UNKNOWN_M_AVP);
		refuse(l, t, LNS_STOPCCN_ERROR, LNS_L2TP_ERR_UNKNOWN_M, "unknown-mandatory-avp",
		       now_ms);
		return;
	}
	if (t->chal_sent) {
		size_t sl;
		const uint8_t *sec = secret_of(t->prof, &sl);
		uint8_t want[16];
		const uint8_t *got;
		uint16_t gl;
		bool ok;

		/* §4.4.3: the response to our Challenge, computed with type SCCCN */
		lns_l2tp_chal_response(LNS_L2TP_SCCCN, sec, sl, t->chal, sizeof(t->chal), want);
		ok = lns_avp_get_bytes(m, LNS_AVP_CHAL_RESP, &got, &gl) == 0 && gl == 16 &&
		     CRYPTO_memcmp(got, want, 16) == 0;
		OPENSSL_cleanse(want, sizeof(want));
		if (!ok) {
			CTR(l, BAD_AUTH);
			refuse(l, t, LNS_STOPCCN_NOT_AUTH, 0, "tunnel-auth", now_ms);
			return;
		}
	}
	l2tp_half_open_end(l, t);
	t->state = T_ESTABLISHED;
	if (l->ops.tunnel_up != NULL) {
		l2tp_tunnel_fill_info(t, &info);
		if (l->ops.tunnel_up(l->ctx, &info) < 0) {
			if (t->state != T_ESTABLISHED)
				return;         /* the callback closed it already */
			CTR(l, REFUSE_UP);
			refuse(l, t, LNS_STOPCCN_ERROR, LNS_L2TP_ERR_RESOURCES, "dataplane",
			       now_ms);
			return;
		}
		if (t->state != T_ESTABLISHED)
			return;
	}
	t->up = true;
	CTR(l, TUNNELS_UP);
	lns_evlog_add(l->log, ev_us(now_ms), LNS_EV_TUNNEL_UP, t->local_id, LNS_EV_NONE,
		      ev_conn(t), "peer=%s peer-tunnel=%u host=%s profile=%s%s",
		      l2tp_peer_str(&t->peer, ps, sizeof(ps)), t->peer_id, t->host_name,
		      t->prof->name[0] ? t->prof->name : "default",
		      t->single_shot ? " single-shot" : "");
	hello_arm(l, t, now_ms);
	l2tp_policy_tunnel_up(l, t, now_ms);
}

static void
stopccn_input(struct lns_l2tp *l, struct l2tp_tunnel *t, const struct lns_l2tp_msg *m,
	      uint64_t now_ms)
{
	uint16_t res = 0, err = 0;
	char ps[32];

	CTR(l, RX_STOPCCN);
	lns_avp_get_result(m, &res, &err, NULL, NULL);
	lns_evlog_add(l->log, ev_us(now_ms), LNS_EV_STOPCCN_RECEIVED, t->local_id, LNS_EV_NONE,
		      ev_conn(t), "peer=%s result=%u error=%u",
		      l2tp_peer_str(&t->peer, ps, sizeof(ps)), res, err);
	if (t->state < T_CLOSING) {
		t->result = res;
		t->error = err;
	}
	/* §5.7: acknowledge at once; the destructing record re-acknowledges repeats */
	l2tp_xport_send_zlb(l, t);
	l2tp_tunnel_destroy(l, t, now_ms);
}

/* One in-order message on an existing tunnel (§7.2 per state). */
static void
dispatch(struct lns_l2tp *l, struct l2tp_tunnel *t, const struct lns_l2tp_msg *m,
	 uint64_t now_ms)
{
	if (t->state == T_DESTRUCTING)
		return;
	if (m->type == LNS_L2TP_STOPCCN) {
		stopccn_input(l, t, m, now_ms);
		return;
	}
	if (t->state == T_CLOSING) {
		CTR(l, BAD_STATE);      /* only its ack matters now */
		return;
	}
	switch (m->type) {
	case LNS_L2TP_SCCCN:
		scccn_input(l, t, m, now_ms);
		return;
	case LNS_L2TP_HELLO:
		CTR(l, RX_HELLO);
		if (m->unknown_m) {
			CTR(l, UNKNOWN_M_AVP);
			l2tp_tunnel_stop(l, t, LNS_STOPCCN_ERROR, LNS_L2TP_ERR_UNKNOWN_M,
					 "unknown-mandatory-avp", now_ms);
			return;
		}
		/* §5.8's delayed ack waits for a reply to carry it; a HELLO has none,
		 * so the ZLB goes now: the peer's keepalive sees our loop's latency,
		 * not an extra 100 ms (it is what the setup-rate bench measures) */
		l2tp_xport_send_zlb(l, t);
		return;
	case LNS_L2TP_SCCRQ:
	case LNS_L2TP_SCCRP:
		CTR(l, BAD_STATE);
		return;
	default:
		break;
	}
	if (lns_l2tp_msg_is_session(m->type) && lns_l2tp_msg_name(m->type)[0] != '?') {
		if (t->state != T_ESTABLISHED) {
			CTR(l, BAD_STATE);
			return;
		}
		l2tp_session_input(l, t, m, now_ms);
		return;
	}
	CTR(l, RX_OTHER);
	if (m->type_mandatory) {
		/* §4.4.1: an unknown Message Type with M set clears the tunnel */
		CTR(l, UNKNOWN_M_TYPE);
		l2tp_tunnel_stop(l, t, LNS_STOPCCN_ERROR, LNS_L2TP_ERR_UNKNOWN_M,
				 "unknown-message-type", now_ms);
	}
}

static enum lns_l2tp_derr
decode(struct lns_l2tp *l, const struct lns_l2tp_peer *from, const uint8_t *raw, size_t len,
       struct lns_l2tp_msg *m)
{
	enum lns_l2tp_derr d = lns_l2tp_decode(raw, len, NULL, 0, m);
	const struct lns_dest_profile *prof = NULL;
	const uint8_t *sec;
	size_t sl;

	if (d != LNS_L2TP_DERR_HIDDEN)
		return d;
	/* hidden AVPs need the tunnel secret: the tunnel's profile, or for an SCCRQ the
	 * profile its peer and (visible) Host Name select */
	if (m->tunnel_id != 0 && m->tunnel_id <= l->max_tid && l->tunnels[m->tunnel_id])
		prof = l->tunnels[m->tunnel_id]->prof;
	else if (m->tunnel_id == 0) {
		char host[64];

		lns_avp_get_str(m, LNS_AVP_HOST_NAME, host, sizeof(host));
		prof = lns_conf_dest_profile(l->conf, from->addr, host);
	}
	sec = secret_of(prof, &sl);
	if (sec == NULL)
		return d;
	return lns_l2tp_decode(raw, len, sec, sl, m);
}

int
l2tp_tunnel_input(struct lns_l2tp *l, const struct lns_l2tp_peer *from, const uint8_t *raw,
		  size_t len, uint64_t now_ms)
{
	struct lns_l2tp_msg *m = malloc(sizeof(*m));
	struct l2tp_tunnel *t;
	enum lns_l2tp_derr d;
	enum l2tp_rx r;
	uint8_t *q;
	uint16_t ql;
	int rc = 0;

	if (m == NULL) {
		CTR(l, SEND_NOMEM);
		return -ENOMEM;
	}
	CTR(l, RX_MSGS);
	d = decode(l, from, raw, len, m);
	if (d != LNS_L2TP_DOK) {
		if (d == LNS_L2TP_DERR_LENGTH && len > LNS_L2TP_CTL_MAX)
			CTR(l, TOO_LONG);
		else if (d == LNS_L2TP_DERR_HIDDEN)
			CTR(l, HIDDEN_FAILED);
		else
			CTR(l, MALFORMED);
		rc = d == LNS_L2TP_DERR_LENGTH && len > LNS_L2TP_CTL_MAX ? -EMSGSIZE : -EBADMSG;
		goto out;
	}
	if (m->type == LNS_L2TP_ZLB)
		CTR(l, RX_ZLB);
	if (m->tunnel_id == 0) {
		if (m->type != LNS_L2TP_SCCRQ) {
			CTR(l, UNKNOWN_TUNNEL);
			rc = -ENOENT;
			goto out;
		}
		rc = sccrq_input(l, from, m, raw, len, now_ms);
		goto out;
	}
	t = m->tunnel_id <= l->max_tid ? l->tunnels[m->tunnel_id] : NULL;
	if (t == NULL) {
		CTR(l, UNKNOWN_TUNNEL);
		rc = -ENOENT;
		goto out;
	}
	/* identity: peer address, port and IPsec connection (no cross-tunnel injection) */
	if (t->peer.addr != from->addr || t->peer.port != from->port ||
	    t->peer.conn != from->conn) {
		CTR(l, WRONG_PEER);
		rc = -ENOENT;
		goto out;
	}
	t->peer.sa_in = from->sa_in;    /* the latest SA of the connection (rekeys) */
	if (t->state != T_DESTRUCTING)
		t->rx_msgs++;
	r = l2tp_xport_rx(l, t, m, raw, len, now_ms);
	if (r == XP_DROP) {
		rc = -EBADMSG;
		goto out;
	}
	if (r != XP_DUP)
		hello_arm(l, t, now_ms);        /* anything from the peer resets HELLO */
	if (r != XP_DELIVER)
		goto out;
	dispatch(l, t, m, now_ms);
	/* then what was waiting for it in the receive window (§5.8), in order */
	while (l2tp_xport_pop(l, t, &q, &ql, now_ms)) {
		d = decode(l, from, q, ql, m);
		if (d == LNS_L2TP_DOK)
			dispatch(l, t, m, now_ms);
		free(q);
	}
out:
	free(m);
	return rc;
}

/* ------------------------------------------------------- entry points --- */

int
lns_l2tp_input(struct lns_l2tp *l, const struct lns_l2tp_peer *from, const uint8_t *msg,
	       size_t len, uint64_t now_ms)
{
	int rc;

	l2tp_enter(l);
	rc = l2tp_tunnel_input(l, from, msg, len, now_ms);
	l2tp_leave(l);
	return rc;
}

int
lns_l2tp_tunnel_close(struct lns_l2tp *l, uint16_t tunnel_id, uint16_t result, uint64_t now_ms)
{
	struct l2tp_tunnel *t;

	if (tunnel_id == 0 || tunnel_id > l->max_tid)
		return -ENOENT;
	t = l->tunnels[tunnel_id];
	if (t == NULL || t->state >= T_CLOSING)
		return -ENOENT;
	l2tp_enter(l);
	lns_evlog_add(l->log, ev_us(now_ms), LNS_EV_ADMIN_CLEAR, t->local_id, LNS_EV_NONE,
		      ev_conn(t), "tunnel result=%u", result ? result : LNS_STOPCCN_SHUTDOWN);
	l2tp_tunnel_stop(l, t, result ? result : LNS_STOPCCN_SHUTDOWN, 0, "admin", now_ms);
	l2tp_leave(l);
	return 0;
}

void
lns_l2tp_set_conf(struct lns_l2tp *l, const struct lns_conf *conf)
{
	/* tunnels read their own copy of the profile; the rest is read per event */
	l->conf = conf;
}

void
lns_l2tp_set_drain(struct lns_l2tp *l, bool on)
{
	l->draining = on;
}

void
lns_l2tp_shutdown(struct lns_l2tp *l, uint64_t now_ms)
{
	l2tp_enter(l);
	for (uint32_t i = 1; i <= l->max_tid; i++) {
		struct l2tp_tunnel *t = l->tunnels[i];
		uint8_t buf[LNS_L2TP_CTL_MAX];
		struct lns_l2tp_enc e;
		char ps[32];
		int n;

		if (t == NULL || t->state >= T_CLOSING)
			continue;
		t->result = LNS_STOPCCN_SHUTDOWN;
		l2tp_sessions_clear(l, t, LNS_CDN_ADMIN, 0, now_ms);
		lns_evlog_add(l->log, ev_us(now_ms), LNS_EV_STOPCCN_SENT, t->local_id,
			      LNS_EV_NONE, ev_conn(t), "peer=%s result=%u reason=shutdown",
			      l2tp_peer_str(&t->peer, ps, sizeof(ps)), LNS_STOPCCN_SHUTDOWN);
		n = build_stopccn(t, buf, LNS_STOPCCN_SHUTDOWN, 0, "shutdown", &e);
		if (n > 0)
			l2tp_xport_send_once(l, t, buf, (size_t)n);
		l2tp_tunnel_destroy(l, t, now_ms);
	}
	l2tp_leave(l);
}
