/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tunnel lifecycle policy (DESIGN.md "Tunnel lifecycle"): admission of SCCRQ and
 * ICRQ, the idle timer of standard tunnels, single-shot rules 1-6, and the binding
 * of tunnels to IPsec connections (spent flag, disconnect at the beginning or the
 * end of the destruct period).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "l2tp_priv.h"

static void idle_expired(struct lns_timer *tm, void *arg, uint64_t now_ms);

int
l2tp_policy_init(struct lns_l2tp *l)
{
	/* one connection per tunnel at most in the common (remote access) case; a
	 * spent one without tunnels stays until its IPsec connection goes */
	struct lns_map_params p = {
		.key_len = sizeof(uint32_t),
		.key_off = offsetof(struct l2tp_conn, id) - offsetof(struct l2tp_conn, node),
		.init = l->max_tid < (1u << 16) ? l->max_tid : (1u << 16),
		.max = l->max_tid + l->conf->limits.max_sas,
	};

	return lns_map_init(&l->by_conn, &p);
}

static int
conn_free(struct lns_map_node *n, void *arg)
{
	struct lns_l2tp *l = arg;

	lns_map_del(&l->by_conn, n);
	free(LNS_MAP_ENTRY(n, struct l2tp_conn, node));
	return 0;
}

void
l2tp_policy_fini(struct lns_l2tp *l)
{
	lns_map_walk(&l->by_conn, conn_free, l);
	lns_map_fini(&l->by_conn);
}

struct l2tp_conn *
l2tp_conn_find(const struct lns_l2tp *l, uint32_t id)
{
	return LNS_MAP_ENTRY(lns_map_find(&l->by_conn, &id), struct l2tp_conn, node);
}

static struct l2tp_conn *
conn_get(struct lns_l2tp *l, uint32_t id)
{
	struct l2tp_conn *c = l2tp_conn_find(l, id);

	if (c != NULL)
		return c;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->id = id;
	if (lns_map_add(&l->by_conn, &c->node) != 0) {
		free(c);                /* over the bound: refused as out of memory */
		return NULL;
	}
	return c;
}

static void
conn_forget(struct lns_l2tp *l, struct l2tp_conn *c)
{
	lns_map_del(&l->by_conn, &c->node);
	free(c);
}

bool
lns_l2tp_conn_continuable(const struct lns_l2tp *l, uint32_t conn)
{
	const struct l2tp_conn *c = l2tp_conn_find(l, conn);

	return c == NULL || !(c->spent || c->disconnected || c->gone);
}

int
lns_l2tp_conn_get(const struct lns_l2tp *l, uint32_t conn, struct lns_l2tp_conn_info *o)
{
	const struct l2tp_conn *c = l2tp_conn_find(l, conn);

	if (c == NULL)
		return -ENOENT;
	memset(o, 0, sizeof(*o));
	o->conn = c->id;
	o->spent = c->spent;
	o->single_shot = c->single_shot;
	o->disconnected = c->disconnected;
	o->tunnels = c->tunnels;
	o->tunnels_total = c->tunnels_total;
	return 0;
}

uint16_t
l2tp_policy_sccrq(struct lns_l2tp *l, const struct lns_l2tp_peer *from,
		  const struct lns_dest_profile *prof, const char **why)
{
	const struct l2tp_conn *c;

	if (from->conn == LNS_L2TP_NO_CONN) {
		if (!prof->allow_nonsecure) {
			CTR(l, REFUSE_NONSECURE);
			*why = "nonsecure";
			return LNS_STOPCCN_NOT_AUTH;
		}
		return 0;
	}
	c = l2tp_conn_find(l, from->conn);
	if (c == NULL)
		return 0;
	/* rule 5: a spent connection carries nothing more; the client must renegotiate */
	if (c->spent || c->disconnected) {
		CTR(l, REFUSE_CONN_SPENT);
		*why = "ipsec-spent";
		return LNS_STOPCCN_NOT_AUTH;
	}
	/* rule 3: with single-shot, one tunnel per IPsec connection in its life */
	if (c->tunnels_total > 0 && (c->single_shot || prof->single_shot)) {
		CTR(l, REFUSE_CONN_USED);
		*why = "ipsec-used";
		return LNS_STOPCCN_EXISTS;
	}
	return 0;
}

int
l2tp_policy_bind(struct lns_l2tp *l, struct l2tp_tunnel *t)
{
	struct l2tp_conn *c;

	if (t->peer.conn == LNS_L2TP_NO_CONN)
		return 0;
	c = conn_get(l, t->peer.conn);
	if (c == NULL)
		return -ENOMEM;
	t->conn = c;
	t->conn_prev = NULL;
	t->conn_next = c->list;
	if (c->list != NULL)
		c->list->conn_prev = t;
	c->list = t;
	c->tunnels++;
	c->tunnels_total++;
	c->single_shot |= t->single_shot;
	return 0;
}

void
l2tp_policy_unbind(struct lns_l2tp *l, struct l2tp_tunnel *t)
{
	struct l2tp_conn *c = t->conn;

	if (c == NULL)
		return;
	if (t->conn_prev != NULL)
		t->conn_prev->conn_next = t->conn_next;
	else
		c->list = t->conn_next;
	if (t->conn_next != NULL)
		t->conn_next->conn_prev = t->conn_prev;
	t->conn = NULL;
	c->tunnels--;
	/* a connection that is gone or dropped can carry nothing more: forget it once
	 * no record points at it; a spent live one is kept to refuse (rule 5) */
	if (c->tunnels == 0 && (c->gone || c->disconnected))
		conn_forget(l, c);
}

uint16_t
l2tp_policy_icrq(struct lns_l2tp *l, struct l2tp_tunnel *t, const char **why)
{
	/* rule 1 (and rule 6: also without IPsec): one session in the tunnel's life */
	if (t->single_shot && t->sessions_total > 0) {
		CTR(l, REFUSE_SINGLE);
		*why = "single-shot";
		return LNS_CDN_PERM;
	}
	/* rule 5 */
	if (t->conn != NULL && t->conn->spent) {
		CTR(l, REFUSE_CONN_SPENT);
		*why = "ipsec-spent";
		return LNS_CDN_PERM;
	}
	if (l->n_sessions >= l->conf->limits.max_sessions) {
		CTR(l, REFUSE_SESSIONS);
		*why = "max-sessions";
		return LNS_CDN_TEMP;
	}
	if (t->n_sessions >= t->prof->max_sessions) {
		CTR(l, REFUSE_SESSIONS);
		*why = "profile-max-sessions";
		return LNS_CDN_TEMP;
	}
	return 0;
}

static void
idle_start(struct lns_l2tp *l, struct l2tp_tunnel *t, uint64_t now_ms)
{
	/* standard tunnels only: rule 2 makes single-shot ignore the idle timeout */
	if (t->single_shot || t->prof->idle_timeout == 0 || t->state != T_ESTABLISHED ||
	    t->n_sessions != 0 || lns_timer_pending(&t->idle_timer))
		return;
	lns_timer_init(&t->idle_timer, idle_expired, t);
	lns_timer_arm(l->tm, &t->idle_timer, now_ms + (uint64_t)t->prof->idle_timeout * 1000);
	lns_evlog_add(l->log, ev_us(now_ms), LNS_EV_IDLE_TIMER_START, t->local_id, LNS_EV_NONE,
		      ev_conn(t), "timeout=%u", t->prof->idle_timeout);
}

static void
idle_expired(struct lns_timer *tm, void *arg, uint64_t now_ms)
{
	struct l2tp_tunnel *t = arg;
	struct lns_l2tp *l = t->l;

	(void)tm;
	if (t->state != T_ESTABLISHED)
		return;
	l2tp_enter(l);
	CTR(l, IDLE_TIMEOUTS);
	lns_evlog_add(l->log, ev_us(now_ms), LNS_EV_IDLE_TIMEOUT, t->local_id, LNS_EV_NONE,
		      ev_conn(t), "timeout=%u", t->prof->idle_timeout);
	l2tp_tunnel_stop(l, t, LNS_STOPCCN_CLEAR, 0, "idle", now_ms);
	l2tp_leave(l);
}

void
l2tp_policy_tunnel_up(struct lns_l2tp *l, struct l2tp_tunnel *t, uint64_t now_ms)
{
	/* a tunnel that never gets a session is idle too */
	idle_start(l, t, now_ms);
}

void
l2tp_policy_session_added(struct lns_l2tp *l, struct l2tp_tunnel *t, uint64_t now_ms)
{
	if (!lns_timer_pending(&t->idle_timer))
		return;
	lns_timer_cancel(l->tm, &t->idle_timer);
	lns_evlog_add(l->log, ev_us(now_ms), LNS_EV_IDLE_TIMER_CANCEL, t->local_id, LNS_EV_NONE,
		      ev_conn(t), "sessions=%u", t->n_sessions);
}

static void
mark_spent(struct lns_l2tp *l, struct l2tp_tunnel *t, const char *why, uint64_t now_ms)
{
	/* rule 5 is a single-shot rule: it binds connections of single-shot tunnels */
	if (!t->single_shot || t->refused || t->conn == NULL || t->conn->spent)
		return;
	t->conn->spent = true;
	lns_evlog_add(l->log, ev_us(now_ms), LNS_EV_IPSEC_SPENT, t->local_id, LNS_EV_NONE,
		      t->conn->id, "reason=%s", why);
}

void
l2tp_policy_session_gone(struct lns_l2tp *l, struct l2tp_tunnel *t, uint64_t now_ms)
{
	if (t->state != T_ESTABLISHED)
		return;         /* the tunnel is going anyway */
	if (t->single_shot) {
		/* rules 2 and 5: the session is gone for whatever reason; so is the tunnel */
		mark_spent(l, t, "session-gone", now_ms);
		l2tp_tunnel_stop(l, t, LNS_STOPCCN_CLEAR, 0, "single-shot", now_ms);
		return;
	}
	idle_start(l, t, now_ms);
}

void
l2tp_policy_tunnel_ending(struct lns_l2tp *l, struct l2tp_tunnel *t, uint64_t now_ms)
{
	if (lns_timer_pending(&t->idle_timer))
		lns_timer_cancel(l->tm, &t->idle_timer);
	mark_spent(l, t, "tunnel-gone", now_ms);
}

static void
disconnect(struct lns_l2tp *l, struct l2tp_tunnel *t, const char *why, uint64_t now_ms)
{
	struct l2tp_conn *c = t->conn;

	if (c == NULL || c->disconnected || c->gone)
		return;
	c->disconnected = true;
	lns_evlog_add(l->log, ev_us(now_ms), LNS_EV_IPSEC_DISCONNECT, t->local_id, LNS_EV_NONE,
		      c->id, "reason=%s", why);
	if (l->ops.ipsec_disconnect != NULL)
		l->ops.ipsec_disconnect(l->ctx, c->id, why);
}

void
l2tp_policy_destruct_begin(struct lns_l2tp *l, struct l2tp_tunnel *t, uint64_t now_ms)
{
	/* rule 4: single-shot drops the IPsec connection as the destruct period begins */
	if (t->single_shot && !t->refused)
		disconnect(l, t, "single-shot destruct-begin", now_ms);
}

void
l2tp_policy_destruct_end(struct lns_l2tp *l, struct l2tp_tunnel *t, uint64_t now_ms)
{
	struct l2tp_conn *c = t->conn;

	/* standard: the connection goes when the destruct period expires, unless another
	 * tunnel still lives over it (a LAC may run several); the last one takes it */
	if (c != NULL && !t->single_shot && !t->refused) {
		bool others = false;

		for (const struct l2tp_tunnel *o = c->list; o != NULL; o = o->conn_next)
			if (o != t && o->state != T_DESTRUCTING)
				others = true;
		if (!others)
			disconnect(l, t, "destruct-end", now_ms);
	}
	l2tp_policy_unbind(l, t);
}

void
lns_l2tp_conn_gone(struct lns_l2tp *l, uint32_t conn, uint64_t now_ms)
{
	struct l2tp_conn *c = l2tp_conn_find(l, conn);
	struct l2tp_tunnel *t, *next;

	if (c == NULL)
		return;
	l2tp_enter(l);
	c->gone = true;
	c->spent = true;
	/* no StopCCN can reach the peer without its SAs: straight to destroyed */
	for (t = c->list; t != NULL; t = next) {
		next = t->conn_next;
		if (t->state != T_DESTRUCTING) {
			if (t->state < T_CLOSING) {
				t->result = LNS_STOPCCN_ERROR;
				t->error = 0;
			}
			l2tp_tunnel_destroy(l, t, now_ms);
		}
	}
	if (c->tunnels == 0)
		conn_forget(l, c);
	l2tp_leave(l);
}
