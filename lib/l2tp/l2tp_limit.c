/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Admission limits against SCCRQ and ICRQ floods (config `l2tp.admission`), in the
 * manner of lib/ike's per-source buckets: O(1) per message, no allocation per source.
 *
 * - New tunnels: a token bucket per source address (hashed slots), a cap on half-open
 *   tunnels (SCCRP sent, no SCCCN yet) per source address and in total. Without them,
 *   SCCRQs from many addresses and ports each get a record, an SCCRP and its
 *   retransmissions, bounded only by limits.max-tunnels.
 * - New sessions: a token bucket and a cap on sessions waiting for their ICCN, per
 *   tunnel. Without them, ICRQs on one tunnel fill limits.max-sessions for everyone.
 *
 * How a refusal is answered is decided by the callers (l2tp_tunnel.c, l2tp_session.c)
 * and explained there; this file decides and counts.
 */
#include <errno.h>
#include <stdlib.h>

#include "l2tp_priv.h"

static uint32_t
src_slot(uint32_t addr)
{
	/* murmur3 finaliser: neighbouring addresses land far apart */
	addr ^= addr >> 16;
	addr *= 0x85ebca6b;
	addr ^= addr >> 13;
	addr *= 0xc2b2ae35;
	addr ^= addr >> 16;
	return addr & (L2TP_SRC_BUCKETS - 1);
}

int
l2tp_limit_init(struct lns_l2tp *l)
{
	l->src = calloc(L2TP_SRC_BUCKETS, sizeof(*l->src));
	return l->src == NULL ? -ENOMEM : 0;
}

void
l2tp_limit_fini(struct lns_l2tp *l)
{
	free(l->src);
	l->src = NULL;
}

bool
l2tp_bucket_take(struct l2tp_bucket *b, uint32_t rate, uint32_t burst, uint64_t now_ms)
{
	uint64_t full = (uint64_t)burst * 1000, have;

	if (b->last_ms == 0 || now_ms < b->last_ms) {
		have = full;                    /* first use (or a clock that went back) */
	} else {
		/* rate tokens per second = rate thousandths per millisecond */
		have = b->milli + (now_ms - b->last_ms) * rate;
		if (have > full)
			have = full;
	}
	b->last_ms = now_ms ? now_ms : 1;
	if (have < 1000) {
		b->milli = (uint32_t)have;
		return false;
	}
	b->milli = (uint32_t)(have - 1000);
	return true;
}

const char *
l2tp_limit_sccrq(struct lns_l2tp *l, const struct lns_l2tp_peer *from, uint64_t now_ms)
{
	const struct lns_l2tp_admission *a = &l->conf->l2tp.admission;
	struct l2tp_src *s = &l->src[src_slot(from->addr)];

	/* The bucket first: it bounds the work one source can cause, so every new
	 * SCCRQ spends a token, admitted or not; the caps then bound the state. */
	if (!l2tp_bucket_take(&s->sccrq, a->sccrq_rate, a->sccrq_burst, now_ms)) {
		CTR(l, REFUSE_SCCRQ_RATE);
		return "sccrq-rate";
	}
	if (l->n_half_open >= a->max_half_open) {
		CTR(l, REFUSE_HALF_OPEN);
		return "max-half-open";
	}
	if (s->half_open >= a->max_half_open_per_source) {
		CTR(l, REFUSE_HALF_OPEN_SRC);
		return "max-half-open-per-source";
	}
	return NULL;
}

void
l2tp_half_open_begin(struct lns_l2tp *l, struct l2tp_tunnel *t)
{
	if (t->half_open)
		return;
	t->half_open = true;
	l->n_half_open++;
	l->src[src_slot(t->peer.addr)].half_open++;
}

void
l2tp_half_open_end(struct lns_l2tp *l, struct l2tp_tunnel *t)
{
	if (!t->half_open)
		return;
	t->half_open = false;
	l->n_half_open--;
	l->src[src_slot(t->peer.addr)].half_open--;
}

uint16_t
l2tp_limit_icrq(struct lns_l2tp *l, struct l2tp_tunnel *t, uint64_t now_ms, const char **why)
{
	const struct lns_l2tp_admission *a = &l->conf->l2tp.admission;

	/* RFC 2661 §4.4.2 CDN result 4, "temporary lack of facilities": the LAC may try
	 * the call again later, which is exactly what it should do (result 5 would tell
	 * it this LNS can never take the call). */
	if (!l2tp_bucket_take(&t->icrq, a->icrq_rate, a->icrq_burst, now_ms)) {
		CTR(l, REFUSE_ICRQ_RATE);
		*why = "icrq-rate";
		return LNS_CDN_TEMP;
	}
	if (t->n_pending >= a->max_pending_sessions) {
		CTR(l, REFUSE_PENDING);
		*why = "max-pending-sessions";
		return LNS_CDN_TEMP;
	}
	return 0;
}

bool
l2tp_limit_may_answer(struct lns_l2tp *l, const struct l2tp_tunnel *t)
{
	/* Our unacknowledged queue beyond what the peer's window lets us send: a peer
	 * that floods ICRQs and never acknowledges would otherwise have us keep one
	 * CDN per ICRQ until the retransmissions of the oldest run out. */
	if (t->x.q_len - t->x.in_flight < L2TP_REFUSE_BACKLOG)
		return true;
	CTR(l, REFUSE_SILENT);
	return false;
}

uint32_t
lns_l2tp_half_open_count(const struct lns_l2tp *l)
{
	return l->n_half_open;
}

uint32_t
lns_l2tp_pending_count(const struct lns_l2tp *l)
{
	return l->n_pending;
}
