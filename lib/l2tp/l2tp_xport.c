/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reliable delivery of control messages on one tunnel (RFC 2661 §5.8): Ns/Nr,
 * our receive window (out-of-order messages held and delivered in order,
 * duplicates acknowledged), the peer's window (what does not fit waits), delayed
 * ZLB acks, retransmission with exponential back-off.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "l2tp_priv.h"

static void rtx_expired(struct lns_timer *tm, void *arg, uint64_t now_ms);
static void ack_expired(struct lns_timer *tm, void *arg, uint64_t now_ms);

int
l2tp_xport_init(struct l2tp_tunnel *t, uint16_t local_rwin)
{
	struct l2tp_xport *x = &t->x;

	memset(x, 0, sizeof(*x));
	x->local_rwin = local_rwin ? local_rwin : 1;
	x->peer_rwin = L2TP_DEFAULT_PEER_RWIN;
	x->rto_ms = t->l->conf->l2tp.retransmit_initial_ms;
	x->rx_slot = calloc(x->local_rwin, sizeof(*x->rx_slot));
	x->rx_len = calloc(x->local_rwin, sizeof(*x->rx_len));
	lns_timer_init(&x->rtx_timer, rtx_expired, t);
	lns_timer_init(&x->ack_timer, ack_expired, t);
	if (x->rx_slot == NULL || x->rx_len == NULL) {
		l2tp_xport_fini(t);
		return -ENOMEM;
	}
	return 0;
}

/* Forget everything queued either way and stop the timers (tunnel destroyed). */
void
l2tp_xport_stop(struct l2tp_tunnel *t)
{
	struct l2tp_xport *x = &t->x;

	lns_timer_cancel(t->l->tm, &x->rtx_timer);
	lns_timer_cancel(t->l->tm, &x->ack_timer);
	while (x->q_head != NULL) {
		struct l2tp_txbuf *b = x->q_head;

		x->q_head = b->next;
		free(b);
	}
	x->q_tail = NULL;
	x->q_len = 0;
	x->in_flight = 0;
	for (uint16_t i = 0; x->rx_slot != NULL && i < x->local_rwin; i++) {
		free(x->rx_slot[i]);
		x->rx_slot[i] = NULL;
	}
}

void
l2tp_xport_fini(struct l2tp_tunnel *t)
{
	l2tp_xport_stop(t);
	free(t->x.rx_slot);
	free(t->x.rx_len);
	t->x.rx_slot = NULL;
	t->x.rx_len = NULL;
}

/* Put the current Nr in and hand the message to lnsd; any send carries our ack. */
static void
xmit(struct lns_l2tp *l, struct l2tp_tunnel *t, uint8_t *msg, size_t len, uint16_t ns)
{
	lns_l2tp_set_seq(msg, ns, t->x.nr);
	lns_timer_cancel(l->tm, &t->x.ack_timer);
	t->tx_msgs++;
	CTR(l, TX_MSGS);
	l->ops.send(l->ctx, &t->peer, msg, len);
}

/* Send what the peer's window allows (§5.8: at most peer_rwin unacknowledged). */
static void
push(struct lns_l2tp *l, struct l2tp_tunnel *t, uint64_t now_ms)
{
	struct l2tp_xport *x = &t->x;
	struct l2tp_txbuf *b = x->q_head;

	for (uint16_t i = 0; i < x->in_flight && b != NULL; i++)
		b = b->next;
	while (b != NULL && x->in_flight < x->peer_rwin) {
		xmit(l, t, b->data, b->len, b->ns);
		x->in_flight++;
		b = b->next;
	}
	if (x->in_flight > 0 && !lns_timer_pending(&x->rtx_timer))
		lns_timer_arm(l->tm, &x->rtx_timer, now_ms + x->rto_ms);
}

int
l2tp_xport_send(struct lns_l2tp *l, struct l2tp_tunnel *t, const uint8_t *msg, size_t len,
		uint64_t now_ms)
{
	struct l2tp_xport *x = &t->x;
	struct l2tp_txbuf *b = malloc(sizeof(*b) + len);

	if (b == NULL) {
		CTR(l, SEND_NOMEM);
		return -ENOMEM;
	}
	b->next = NULL;
	b->ns = x->ns_next++;
	b->len = (uint16_t)len;
	memcpy(b->data, msg, len);
	if (x->q_tail != NULL)
		x->q_tail->next = b;
	else
		x->q_head = b;
	x->q_tail = b;
	x->q_len++;
	push(l, t, now_ms);
	return 0;
}

void
l2tp_xport_send_once(struct lns_l2tp *l, struct l2tp_tunnel *t, uint8_t *msg, size_t len)
{
	xmit(l, t, msg, len, t->x.ns_next++);
}

void
l2tp_xport_send_zlb(struct lns_l2tp *l, struct l2tp_tunnel *t)
{
	uint8_t buf[LNS_L2TP_CTL_HDR];
	struct lns_l2tp_enc e;
	int n;

	lns_l2tp_enc_init(&e, buf, sizeof(buf), t->peer_id, 0);
	n = lns_l2tp_enc_finish(&e);
	if (n < 0)
		return;
	CTR(l, TX_ZLB);
	/* §5.8: a ZLB carries the Ns of the next message the peer will see */
	xmit(l, t, buf, (size_t)n, (uint16_t)(t->x.una + t->x.in_flight));
}

static void
ack_expired(struct lns_timer *tm, void *arg, uint64_t now_ms)
{
	struct l2tp_tunnel *t = arg;

	(void)tm;
	(void)now_ms;
	l2tp_enter(t->l);
	l2tp_xport_send_zlb(t->l, t);
	l2tp_leave(t->l);
}

static void
rtx_expired(struct lns_timer *tm, void *arg, uint64_t now_ms)
{
	struct l2tp_tunnel *t = arg;
	struct lns_l2tp *l = t->l;
	struct l2tp_xport *x = &t->x;
	const struct lns_l2tp_conf *c = &l->conf->l2tp;

	(void)tm;
	if (x->q_head == NULL || x->in_flight == 0)
		return;
	l2tp_enter(l);
	if (x->retries >= c->retransmit_retries) {
		/* §5.8: the peer is gone; no StopCCN can be acknowledged either */
		CTR(l, RETRY_EXHAUSTED);
		l2tp_tunnel_xport_failed(l, t, now_ms);
		l2tp_leave(l);
		return;
	}
	x->retries++;
	x->rto_ms = x->rto_ms * 2 > c->retransmit_max_ms ? c->retransmit_max_ms : x->rto_ms * 2;
	t->retransmits++;
	CTR(l, RETRANSMITS);
	xmit(l, t, x->q_head->data, x->q_head->len, x->q_head->ns);
	lns_timer_arm(l->tm, &x->rtx_timer, now_ms + x->rto_ms);
	l2tp_leave(l);
}

/* The peer acknowledged everything before nr (§5.8): forget those, send more. */
static void
process_nr(struct lns_l2tp *l, struct l2tp_tunnel *t, uint16_t nr, uint64_t now_ms)
{
	struct l2tp_xport *x = &t->x;
	bool acked = false;

	while (x->q_head != NULL && x->in_flight > 0 && SEQ_LT(x->q_head->ns, nr)) {
		struct l2tp_txbuf *b = x->q_head;

		x->q_head = b->next;
		if (x->q_head == NULL)
			x->q_tail = NULL;
		x->q_len--;
		x->in_flight--;
		x->una = (uint16_t)(b->ns + 1);
		free(b);
		acked = true;
	}
	if (!acked)
		return;
	x->retries = 0;
	x->rto_ms = l->conf->l2tp.retransmit_initial_ms;
	lns_timer_cancel(l->tm, &x->rtx_timer);
	push(l, t, now_ms);
	if (x->q_head == NULL)
		l2tp_tunnel_all_acked(l, t, now_ms);
}

enum l2tp_rx
l2tp_xport_rx(struct lns_l2tp *l, struct l2tp_tunnel *t, const struct lns_l2tp_msg *m,
	      const uint8_t *raw, size_t len, uint64_t now_ms)
{
	struct l2tp_xport *x = &t->x;
	uint16_t sent_end = (uint16_t)(x->una + x->in_flight);
	int16_t ahead;

	/* An Nr beyond what we sent acknowledges messages that never existed: drop
	 * the message rather than corrupt our queue. An old Nr is legitimate on
	 * reordered or duplicated messages. */
	if (SEQ_LT(sent_end, m->nr)) {
		CTR(l, BAD_NR);
		return XP_DROP;
	}
	if (t->state != T_DESTRUCTING)
		process_nr(l, t, m->nr, now_ms);
	if (m->type == LNS_L2TP_ZLB)
		return XP_ZLB;

	ahead = seq_diff(m->ns, x->nr);
	if (ahead < 0) {
		/* §5.8: a duplicate is acknowledged (our ack may have been lost), not
		 * delivered again */
		CTR(l, DUPLICATE);
		l2tp_xport_send_zlb(l, t);
		return XP_DUP;
	}
	if (t->state == T_DESTRUCTING) {
		/* the record only acknowledges now (e.g. a StopCCN that crossed ours) */
		if (ahead == 0) {
			x->nr++;
			l2tp_xport_send_zlb(l, t);
		}
		return XP_DROP;
	}
	if (ahead == 0) {
		x->nr++;
		x->rx_head = (uint16_t)((x->rx_head + 1) % x->local_rwin);
		if (!lns_timer_pending(&x->ack_timer))
			lns_timer_arm(l->tm, &x->ack_timer, now_ms + L2TP_ACK_DELAY_MS);
		return XP_DELIVER;
	}
	if (ahead >= x->local_rwin) {
		CTR(l, OUT_OF_WINDOW);
		return XP_DROP;
	}
	{
		uint16_t slot = (uint16_t)((x->rx_head + ahead) % x->local_rwin);

		if (x->rx_slot[slot] != NULL) {
			CTR(l, DUPLICATE);
			return XP_DUP;
		}
		x->rx_slot[slot] = malloc(len);
		if (x->rx_slot[slot] == NULL) {
			CTR(l, SEND_NOMEM);
			return XP_DROP;
		}
		memcpy(x->rx_slot[slot], raw, len);
		x->rx_len[slot] = (uint16_t)len;
		CTR(l, REORDERED);
	}
	return XP_QUEUED;
}

bool
l2tp_xport_pop(struct lns_l2tp *l, struct l2tp_tunnel *t, uint8_t **raw, uint16_t *len,
	       uint64_t now_ms)
{
	struct l2tp_xport *x = &t->x;
	uint16_t slot = x->rx_head;

	if (t->state == T_DESTRUCTING || x->rx_slot == NULL || x->rx_slot[slot] == NULL)
		return false;
	*raw = x->rx_slot[slot];
	*len = x->rx_len[slot];
	x->rx_slot[slot] = NULL;
	/* it is the message with Ns == nr now: deliver it as if it just arrived */
	x->nr++;
	x->rx_head = (uint16_t)((x->rx_head + 1) % x->local_rwin);
	if (!lns_timer_pending(&x->ack_timer))
		lns_timer_arm(l->tm, &x->ack_timer, now_ms + L2TP_ACK_DELAY_MS);
	return true;
}
