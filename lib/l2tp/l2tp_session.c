/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Session (call) state machine, LNS side of incoming calls (RFC 2661 §7.4.2):
 * ICRQ -> ICRP -> ICCN -> established; CDN both ways; WEN and SLI accepted; OCRQ
 * refused (we place no outgoing calls).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "l2tp_priv.h"

static const char *const sstate_names[] = {
	[S_WAIT_CONNECT] = "wait-connect", [S_ESTABLISHED] = "established", [S_DEAD] = "dead",
};

void
l2tp_session_free(struct l2tp_session *s)
{
	free(s->blob);
	free(s);
}

static void
send_cdn(struct lns_l2tp *l, struct l2tp_tunnel *t, uint16_t peer_sid, uint16_t local_sid,
	 uint16_t result, uint16_t error, const char *msg, uint64_t now_ms)
{
	uint8_t buf[LNS_L2TP_CTL_MAX];
	struct lns_l2tp_enc e;

	/* §6.11: CDN carries Result Code and our Assigned Session ID */
	l2tp_msg_begin(t, &e, buf, peer_sid, LNS_L2TP_CDN);
	lns_avp_put_result(&e, result, error, msg);
	lns_avp_put_u16(&e, true, LNS_AVP_SESSION_ID, local_sid);
	l2tp_msg_send(l, t, &e, now_ms);
}

void
l2tp_session_refuse(struct lns_l2tp *l, struct l2tp_tunnel *t, uint16_t peer_sid,
		    uint16_t result, uint16_t error, const char *why, uint64_t now_ms)
{
	/* no local session exists: Assigned Session ID 0 says so */
	send_cdn(l, t, peer_sid, 0, result, error, why, now_ms);
	lns_evlog_add(l->log, ev_us(now_ms), LNS_EV_SESSION_REFUSED, t->local_id, LNS_EV_NONE,
		      ev_conn(t), "peer-session=%u result=%u error=%u reason=%s", peer_sid,
		      result, error, why);
}

/* The session leaves wait-connect (ICCN, or removed before it). */
static void
pending_end(struct lns_l2tp *l, struct l2tp_session *s)
{
	if (s->state != S_WAIT_CONNECT)
		return;
	lns_timer_cancel(l->tm, &s->setup_timer);
	s->t->n_pending--;
	l->n_pending--;
}

/* Unlink and report one session; freed when the outermost entry point returns. */
static void
session_unlink(struct lns_l2tp *l, struct l2tp_session *s, uint16_t result, uint16_t error,
	       uint64_t now_ms)
{
	struct l2tp_tunnel *t = s->t;

	pending_end(l, s);
	s->state = S_DEAD;
	s->info.state = sstate_names[S_DEAD];
	if (s->prev != NULL)
		s->prev->next = s->next;
	else
		t->sessions = s->next;
	if (s->next != NULL)
		s->next->prev = s->prev;
	l2tp_session_hash_del(l, s);
	l2tp_sid_put(t, s->local_id);
	t->n_sessions--;
	l->n_sessions--;
	lns_evlog_add(l->log, ev_us(now_ms), LNS_EV_SESSION_DOWN, t->local_id, s->local_id,
		      ev_conn(t), "peer-session=%u result=%u error=%u", s->peer_id, result,
		      error);
	s->zombie_next = l->s_zombies;
	l->s_zombies = s;
	if (s->up) {
		s->up = false;
		if (l->ops.session_down != NULL)
			l->ops.session_down(l->ctx, &s->info, result, error);
	}
}

void
l2tp_session_remove(struct lns_l2tp *l, struct l2tp_session *s, uint16_t result,
		    uint16_t error, const char *msg, bool cdn, uint64_t now_ms)
{
	struct l2tp_tunnel *t = s->t;

	if (s->state == S_DEAD)
		return;
	if (cdn)
		send_cdn(l, t, s->peer_id, s->local_id, result, error, msg, now_ms);
	session_unlink(l, s, result, error, now_ms);
	l2tp_policy_session_gone(l, t, now_ms);
}

void
l2tp_sessions_clear(struct lns_l2tp *l, struct l2tp_tunnel *t, uint16_t result,
		    uint16_t error, uint64_t now_ms)
{
	while (t->sessions != NULL)
		session_unlink(l, t->sessions, result, error, now_ms);
}

/* Copy the proxy AVPs into one allocation the info can point at. */
static int
keep_proxy(struct l2tp_session *s, const struct lns_l2tp_msg *m)
{
	static const unsigned int attrs[] = { LNS_AVP_LCP_INIT_RX, LNS_AVP_LCP_LAST_TX,
		LNS_AVP_LCP_LAST_RX, LNS_AVP_AUTH_CHAL, LNS_AVP_AUTH_RESP };
	const uint8_t *ptr[5] = { NULL };
	size_t total = 0, off = 0;
	struct lns_l2tp_session_info *i = &s->info;

	for (unsigned int k = 0; k < 5; k++)
		if (lns_avp_has(m, attrs[k]))
			total += m->avp[attrs[k]].len;
	free(s->blob);
	s->blob = total ? malloc(total) : NULL;
	if (total && s->blob == NULL)
		return -ENOMEM;
	for (unsigned int k = 0; k < 5; k++) {
		if (!lns_avp_has(m, attrs[k]))
			continue;
		memcpy(s->blob + off, m->avp[attrs[k]].p, m->avp[attrs[k]].len);
		ptr[k] = s->blob + off;
		off += m->avp[attrs[k]].len;
	}
	i->proxy_lcp_init_rx = ptr[0];
	i->proxy_lcp_init_rx_len = ptr[0] ? m->avp[attrs[0]].len : 0;
	i->proxy_lcp_last_tx = ptr[1];
	i->proxy_lcp_last_tx_len = ptr[1] ? m->avp[attrs[1]].len : 0;
	i->proxy_lcp_last_rx = ptr[2];
	i->proxy_lcp_last_rx_len = ptr[2] ? m->avp[attrs[2]].len : 0;
	i->proxy_authen_chal = ptr[3];
	i->proxy_authen_chal_len = ptr[3] ? m->avp[attrs[3]].len : 0;
	i->proxy_authen_resp = ptr[4];
	i->proxy_authen_resp_len = ptr[4] ? m->avp[attrs[4]].len : 0;
	lns_avp_get_u16(m, LNS_AVP_AUTH_TYPE, &i->proxy_authen_type);
	if (lns_avp_has(m, LNS_AVP_AUTH_ID) && m->avp[LNS_AVP_AUTH_ID].len == 2)
		i->proxy_authen_id = m->avp[LNS_AVP_AUTH_ID].p[1];  /* §4.4.5: low byte */
	lns_avp_get_str(m, LNS_AVP_AUTH_NAME, s->auth_name, sizeof(s->auth_name));
	return 0;
}

/* No ICCN within l2tp.admission.session-setup-timeout of our ICRP: a LAC that
 * opens calls and never completes them must not hold session records (and its
 * tunnel's max-pending-sessions) forever. CDN result 2, no general error, as for
 * the tunnel's own setup deadline. */
static void
setup_expired(struct lns_timer *tm, void *arg, uint64_t now_ms)
{
	struct l2tp_session *s = arg;
	struct lns_l2tp *l = s->t->l;

	(void)tm;
	if (s->state != S_WAIT_CONNECT)
		return;
	l2tp_enter(l);
	CTR(l, SESSION_SETUP_TIMEOUTS);
	l2tp_session_remove(l, s, LNS_CDN_ERROR, LNS_L2TP_ERR_NONE, "setup-timeout", true,
			    now_ms);
	l2tp_leave(l);
}

static void
icrq_input(struct lns_l2tp *l, struct l2tp_tunnel *t, const struct lns_l2tp_msg *m,
	   uint64_t now_ms)
{
	struct l2tp_session *s;
	uint16_t peer_sid, sid, result;
	const char *why = NULL;
	uint8_t buf[LNS_L2TP_CTL_MAX];
	struct lns_l2tp_enc e;

	CTR(l, RX_ICRQ);
	if (lns_avp_get_u16(m, LNS_AVP_SESSION_ID, &peer_sid) != 0 || peer_sid == 0) {
		CTR(l, MISSING_AVP);    /* nobody to send a CDN to */
		return;
	}
	if (m->unknown_m) {
		/* §4.1: unknown mandatory AVP in a session message: CDN 2/8 */
		CTR(l, UNKNOWN_M_AVP);
		l2tp_session_refuse(l, t, peer_sid, LNS_CDN_ERROR, LNS_L2TP_ERR_UNKNOWN_M,
				    "unknown-mandatory-avp", now_ms);
		return;
	}
	if (l->draining) {
		/* Draining: no new calls, even on tunnels that stay. CDN result 4
		 * (temporary lack of resources) is what makes a LAC place the call on
		 * another LNS; an accepted one would keep this node busy indefinitely. */
		CTR(l, REFUSE_DRAIN_ICRQ);
		result = LNS_CDN_TEMP;
		why = "draining";
	} else {
		result = l2tp_policy_icrq(l, t, &why);
	}
	if (result == 0 && (result = l2tp_limit_icrq(l, t, now_ms, &why)) != 0) {
		/* Flood limits: CDN result 4 (l2tp_limit.c says why 4) to the tunnel's
		 * own, address-checked peer, one answer per ICRQ, so no amplification;
		 * not answered while the peer leaves our earlier answers unacknowledged.
		 * No event: a flood must not wash the event log out; the counters say it. */
		if (l2tp_limit_may_answer(l, t))
			send_cdn(l, t, peer_sid, 0, result, 0, why, now_ms);
		return;
	}
	s = NULL;
	if (result == 0) {
		s = calloc(1, sizeof(*s));
		if (s == NULL || l2tp_sid_get(t, t->prof->max_sessions, &sid) != 0) {
			free(s);
			s = NULL;
			CTR(l, REFUSE_SESSIONS);
			result = LNS_CDN_TEMP;
			why = "no-session-id";
		}
	}
	if (result != 0) {
		l2tp_session_refuse(l, t, peer_sid, result, 0, why, now_ms);
		return;
	}
	s->t = t;
	s->local_id = sid;
	s->peer_id = peer_sid;
	s->state = S_WAIT_CONNECT;
	s->info.tunnel_id = t->local_id;
	s->info.session_id = sid;
	s->info.peer_tunnel_id = t->peer_id;
	s->info.peer_session_id = peer_sid;
	s->info.peer = t->peer;
	s->info.state = sstate_names[S_WAIT_CONNECT];
	s->info.created_ms = now_ms;
	t->n_pending++;
	l->n_pending++;
	lns_timer_init(&s->setup_timer, setup_expired, s);
	lns_timer_arm(l->tm, &s->setup_timer,
		      now_ms + (uint64_t)l->conf->l2tp.admission.session_setup_timeout * 1000);
	s->info.proxy_authen_name = s->auth_name;
	lns_avp_get_u32(m, LNS_AVP_CALL_SERIAL, &s->info.call_serial);
	lns_avp_get_u32(m, LNS_AVP_BEARER_TYPE, &s->info.bearer_type);
	lns_avp_get_u32(m, LNS_AVP_PHYS_CHAN, &s->info.phys_channel);
	lns_avp_get_str(m, LNS_AVP_CALLING, s->info.calling, sizeof(s->info.calling));
	lns_avp_get_str(m, LNS_AVP_CALLED, s->info.called, sizeof(s->info.called));
	lns_avp_get_str(m, LNS_AVP_SUB_ADDR, s->info.sub_address, sizeof(s->info.sub_address));
	s->next = t->sessions;
	if (t->sessions != NULL)
		t->sessions->prev = s;
	t->sessions = s;
	l2tp_session_hash_add(l, s);
	t->n_sessions++;
	t->sessions_total++;
	l->n_sessions++;
	l2tp_policy_session_added(l, t, now_ms);
	/* §6.7: ICRP carries our Assigned Session ID */
	l2tp_msg_begin(t, &e, buf, peer_sid, LNS_L2TP_ICRP);
	lns_avp_put_u16(&e, true, LNS_AVP_SESSION_ID, sid);
	l2tp_msg_send(l, t, &e, now_ms);
}

static void
iccn_input(struct lns_l2tp *l, struct l2tp_session *s, const struct lns_l2tp_msg *m,
	   uint64_t now_ms)
{
	struct l2tp_tunnel *t = s->t;
	struct lns_l2tp_session_info *i = &s->info;
	char ps[32];

	CTR(l, RX_ICCN);
	if (s->state != S_WAIT_CONNECT) {
		CTR(l, BAD_STATE);
		return;
	}
	if (m->unknown_m) {
		CTR(l, UNKNOWN_M_AVP);
		l2tp_session_remove(l, s, LNS_CDN_ERROR, LNS_L2TP_ERR_UNKNOWN_M,
				    "unknown-mandatory-avp", true, now_ms);
		return;
	}
	if (!lns_avp_has(m, LNS_AVP_TX_SPEED) || !lns_avp_has(m, LNS_AVP_FRAMING_TYPE))
		CTR(l, MISSING_AVP);    /* §6.8 mandatory, but nothing depends on them */
	lns_avp_get_u32(m, LNS_AVP_TX_SPEED, &i->tx_speed);
	lns_avp_get_u32(m, LNS_AVP_RX_SPEED, &i->rx_speed);
	lns_avp_get_u32(m, LNS_AVP_FRAMING_TYPE, &i->framing_type);
	lns_avp_get_str(m, LNS_AVP_PRIV_GROUP, i->private_group, sizeof(i->private_group));
	i->sequencing_required = lns_avp_has(m, LNS_AVP_SEQ_REQUIRED);
	if (keep_proxy(s, m) != 0) {
		CTR(l, SEND_NOMEM);
		l2tp_session_remove(l, s, LNS_CDN_TEMP, 0, "nomem", true, now_ms);
		return;
	}
	pending_end(l, s);
	s->state = S_ESTABLISHED;
	i->state = sstate_names[S_ESTABLISHED];
	if (l->ops.session_up != NULL && l->ops.session_up(l->ctx, i) < 0) {
		if (s->state != S_ESTABLISHED)
			return;         /* the callback closed it */
		CTR(l, REFUSE_UP);
		l2tp_session_remove(l, s, LNS_CDN_ERROR, LNS_L2TP_ERR_RESOURCES, "dataplane",
				    true, now_ms);
		return;
	}
	if (s->state != S_ESTABLISHED)
		return;
	s->up = true;
	CTR(l, SESSIONS_UP);
	lns_evlog_add(l->log, ev_us(now_ms), LNS_EV_SESSION_UP, t->local_id, s->local_id,
		      ev_conn(t), "peer=%s peer-session=%u serial=%u",
		      l2tp_peer_str(&t->peer, ps, sizeof(ps)), s->peer_id, i->call_serial);
}

void
l2tp_session_input(struct lns_l2tp *l, struct l2tp_tunnel *t, const struct lns_l2tp_msg *m,
		   uint64_t now_ms)
{
	struct l2tp_session *s;
	uint16_t res = 0, err = 0, peer_sid;

	switch (m->type) {
	case LNS_L2TP_ICRQ:
		icrq_input(l, t, m, now_ms);
		return;
	case LNS_L2TP_OCRQ:
		/* We are an LNS that places no outgoing calls (Bearer Capabilities 0 in our
		 * SCCRP, §4.4.3): refuse with CDN result 5, permanent lack of facilities. */
		CTR(l, RX_OCRQ);
		if (lns_avp_get_u16(m, LNS_AVP_SESSION_ID, &peer_sid) == 0 && peer_sid != 0)
			l2tp_session_refuse(l, t, peer_sid, LNS_CDN_PERM, 0,
					    "no-outgoing-calls", now_ms);
		else
			CTR(l, MISSING_AVP);
		return;
	case LNS_L2TP_ICCN:
	case LNS_L2TP_CDN:
	case LNS_L2TP_WEN:
	case LNS_L2TP_SLI:
		break;
	default:
		/* ICRP, OCRP, OCCN go to a LAC, never to us */
		CTR(l, BAD_STATE);
		return;
	}
	s = l2tp_session_lookup(l, t->local_id, m->session_id);
	if (s == NULL) {
		if (m->type == LNS_L2TP_CDN)
			CTR(l, RX_CDN);
		CTR(l, UNKNOWN_SESSION);
		return;
	}
	switch (m->type) {
	case LNS_L2TP_ICCN:
		iccn_input(l, s, m, now_ms);
		return;
	case LNS_L2TP_CDN:
		CTR(l, RX_CDN);
		lns_avp_get_result(m, &res, &err, NULL, NULL);
		l2tp_session_remove(l, s, res, err, NULL, false, now_ms);
		return;
	case LNS_L2TP_WEN:
	case LNS_L2TP_SLI:
		m->type == LNS_L2TP_WEN ? CTR(l, RX_WEN) : CTR(l, RX_SLI);
		if (m->unknown_m) {
			CTR(l, UNKNOWN_M_AVP);
			l2tp_session_remove(l, s, LNS_CDN_ERROR, LNS_L2TP_ERR_UNKNOWN_M,
					    "unknown-mandatory-avp", true, now_ms);
		}
		return;
	default:
		return;
	}
}

int
lns_l2tp_session_close(struct lns_l2tp *l, uint16_t tunnel_id, uint16_t session_id,
		       uint16_t result, uint16_t error, const char *msg, uint64_t now_ms)
{
	struct l2tp_session *s = l2tp_session_lookup(l, tunnel_id, session_id);

	if (s == NULL || s->state == S_DEAD)
		return -ENOENT;
	l2tp_enter(l);
	l2tp_session_remove(l, s, result, error, msg, true, now_ms);
	l2tp_leave(l);
	return 0;
}
