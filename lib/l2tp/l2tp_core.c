/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The L2TP control plane object: tables (tunnels by local id, SCCRQ identity hash,
 * sessions by (tunnel, session) hash), id allocation, deferred freeing, lookups
 * and counters for lnsctl.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "l2tp_priv.h"

static const char *const ctr_names[LNS_L2TP_CTR_MAX] = {
#define X(e, s) s,
	LNS_L2TP_COUNTERS(X)
#undef X
};

const char *
lns_l2tp_counter_name(unsigned int i)
{
	return i < LNS_L2TP_CTR_MAX ? ctr_names[i] : "?";
}

void
lns_l2tp_counters(const struct lns_l2tp *l, uint64_t *out)
{
	memcpy(out, l->ctr, sizeof(l->ctr));
}

static uint32_t
pow2_at_least(uint32_t n, uint32_t cap)
{
	uint32_t p = 64;

	while (p < n && p < cap)
		p <<= 1;
	return p;
}

/* ------------------------------------------------------- entry depth --- */

void
l2tp_enter(struct lns_l2tp *l)
{
	l->depth++;
}

/* Objects removed during callbacks are freed only when the outermost entry point
 * returns, so no caller up the stack holds a dangling pointer. */
void
l2tp_leave(struct lns_l2tp *l)
{
	if (--l->depth != 0)
		return;
	while (l->s_zombies != NULL) {
		struct l2tp_session *s = l->s_zombies;

		l->s_zombies = s->zombie_next;
		l2tp_session_free(s);
	}
	while (l->t_zombies != NULL) {
		struct l2tp_tunnel *t = l->t_zombies;

		l->t_zombies = t->zombie_next;
		OPENSSL_cleanse(t->chal, sizeof(t->chal));
		OPENSSL_cleanse(&t->prof_copy.tunnel_password, sizeof(t->prof_copy.tunnel_password));
		free(t);
	}
}

/* ------------------------------------------------------------ tunnels --- */

static struct l2tp_id_key
id_key(const struct lns_l2tp_peer *p, uint16_t peer_id)
{
	struct l2tp_id_key k = {
		.addr = p->addr, .conn = p->conn, .port = p->port, .peer_id = peer_id,
	};

	return k;
}

struct l2tp_tunnel *
l2tp_id_lookup(struct lns_l2tp *l, const struct lns_l2tp_peer *from, uint16_t peer_id)
{
	struct l2tp_id_key k = id_key(from, peer_id);
	struct lns_map_node *n = lns_map_find(&l->by_id, &k);

	return LNS_MAP_ENTRY(n, struct l2tp_tunnel, id_node);
}

void
l2tp_id_remove(struct lns_l2tp *l, struct l2tp_tunnel *t)
{
	if (!t->in_id_hash)
		return;
	lns_map_del(&l->by_id, &t->id_node);
	t->in_id_hash = false;
}

struct l2tp_tunnel *
l2tp_tunnel_alloc(struct lns_l2tp *l, const struct lns_l2tp_peer *from, uint16_t peer_id,
		  uint64_t now_ms)
{
	struct l2tp_tunnel *t;
	uint32_t id;

	if (lns_idpool_get(l->tids, &id) != 0)
		return NULL;
	t = calloc(1, sizeof(*t));
	if (t == NULL) {
		lns_idpool_put(l->tids, id);
		return NULL;
	}
	t->l = l;
	t->local_id = (uint16_t)id;
	t->peer_id = peer_id;
	t->peer = *from;
	t->created_ms = now_ms;
	t->sid_fresh = 1;
	t->id_key = id_key(from, peer_id);
	if (lns_map_add(&l->by_id, &t->id_node) != 0) {
		/* cannot happen: callers look the identity up first, one entry per id */
		lns_idpool_put(l->tids, id);
		free(t);
		return NULL;
	}
	t->in_id_hash = true;
	l->tunnels[id] = t;
	l->n_tunnels++;
	return t;
}

/* Free the record (destruct end or refusal cleanup): its id becomes reusable. */
void
l2tp_tunnel_release(struct lns_l2tp *l, struct l2tp_tunnel *t)
{
	if (t->dead)
		return;
	t->dead = true;
	l2tp_half_open_end(l, t);
	l2tp_id_remove(l, t);
	lns_timer_cancel(l->tm, &t->hello_timer);
	lns_timer_cancel(l->tm, &t->idle_timer);
	lns_timer_cancel(l->tm, &t->destruct_timer);
	l2tp_xport_fini(t);
	free(t->sid_ring);
	t->sid_ring = NULL;
	l->tunnels[t->local_id] = NULL;
	lns_idpool_put(l->tids, t->local_id);
	l->n_tunnels--;
	t->zombie_next = l->t_zombies;
	l->t_zombies = t;
}

/* ----------------------------------------------------------- sessions --- */

static inline uint32_t
s_key(uint16_t tid, uint16_t sid)
{
	return (uint32_t)tid << 16 | sid;
}

struct l2tp_session *
l2tp_session_lookup(const struct lns_l2tp *l, uint16_t tid, uint16_t sid)
{
	uint32_t k = s_key(tid, sid);
	struct lns_map_node *n = lns_map_find(&l->by_sid, &k);

	return LNS_MAP_ENTRY(n, struct l2tp_session, hnode);
}

/* The policy admits at most limits.max-sessions, the map's own bound: cannot fail. */
void
l2tp_session_hash_add(struct lns_l2tp *l, struct l2tp_session *s)
{
	s->hkey = s_key(s->t->local_id, s->local_id);
	(void)lns_map_add(&l->by_sid, &s->hnode);
}

void
l2tp_session_hash_del(struct lns_l2tp *l, struct l2tp_session *s)
{
	lns_map_del(&l->by_sid, &s->hnode);
}

/*
 * Session ids of one tunnel, O(1): never-used ids first (1, 2, ...), then freed ones
 * in FIFO order so an id comes back as late as possible. Memory grows with the ids a
 * tunnel actually used, not with its max-sessions (65535 per tunnel by default).
 */
int
l2tp_sid_get(struct l2tp_tunnel *t, uint32_t cap, uint16_t *sid)
{
	if (cap > 65535)
		cap = 65535;
	if (t->sid_fresh != 0 && t->sid_fresh <= cap) {
		*sid = t->sid_fresh;
		t->sid_fresh = t->sid_fresh == 65535 ? 0 : (uint16_t)(t->sid_fresh + 1);
		return 0;
	}
	if (t->sid_ring_count == 0)
		return -ENOSPC;
	*sid = t->sid_ring[t->sid_ring_head];
	t->sid_ring_head = (t->sid_ring_head + 1) % t->sid_ring_cap;
	t->sid_ring_count--;
	return 0;
}

void
l2tp_sid_put(struct l2tp_tunnel *t, uint16_t sid)
{
	if (t->sid_ring_count == t->sid_ring_cap) {
		uint32_t ncap = t->sid_ring_cap ? t->sid_ring_cap * 2 : 8;
		uint16_t *n = malloc(ncap * sizeof(*n));

		if (n == NULL)
			return;         /* the id is lost to this tunnel; never reused */
		for (uint32_t i = 0; i < t->sid_ring_count; i++)
			n[i] = t->sid_ring[(t->sid_ring_head + i) % t->sid_ring_cap];
		free(t->sid_ring);
		t->sid_ring = n;
		t->sid_ring_cap = ncap;
		t->sid_ring_head = 0;
	}
	t->sid_ring[(t->sid_ring_head + t->sid_ring_count) % t->sid_ring_cap] = sid;
	t->sid_ring_count++;
}

/* -------------------------------------------------------------- create --- */

struct lns_l2tp *
lns_l2tp_create(const struct lns_conf *conf, const struct lns_l2tp_ops *ops, void *ctx,
		struct lns_timers *tm, struct lns_evlog *log)
{
	struct lns_map_params id_p = {
		.key_len = sizeof(struct l2tp_id_key),
		.key_off = offsetof(struct l2tp_tunnel, id_key) -
			   offsetof(struct l2tp_tunnel, id_node),
	};
	struct lns_map_params s_p = {
		.key_len = sizeof(uint32_t),
		.key_off = offsetof(struct l2tp_session, hkey) -
			   offsetof(struct l2tp_session, hnode),
	};
	struct lns_l2tp *l;

	if (conf == NULL || ops == NULL || ops->send == NULL || tm == NULL || log == NULL)
		return NULL;
	l = calloc(1, sizeof(*l));
	if (l == NULL)
		return NULL;
	l->conf = conf;
	l->ops = *ops;
	l->ctx = ctx;
	l->tm = tm;
	l->log = log;
	/* local tunnel ids 1..max_tunnels (the config allows at most 65535): 0 means
	 * "no tunnel" on the wire */
	l->max_tid = conf->limits.max_tunnels < 65535 ? conf->limits.max_tunnels : 65535;
	if (l->max_tid == 0)
		l->max_tid = 1;
	l->tunnels = calloc(l->max_tid + 1, sizeof(*l->tunnels));
	l->tids = lns_idpool_create(1, l->max_tid);
	/* SCCRQ identities come from the wire: lns_map's keyed SipHash. Sized up
	 * front as before, so that a busy node never stops to rehash. */
	id_p.init = l->max_tid;
	id_p.max = l->max_tid;
	s_p.init = pow2_at_least(conf->limits.max_sessions, 1u << 20);
	s_p.max = conf->limits.max_sessions > 0 ? conf->limits.max_sessions : 1;
	if (l->tunnels == NULL || l->tids == NULL || lns_map_init(&l->by_id, &id_p) != 0 ||
	    lns_map_init(&l->by_sid, &s_p) != 0 ||
	    l2tp_policy_init(l) != 0 || l2tp_limit_init(l) != 0) {
		lns_l2tp_free(l);
		return NULL;
	}
	return l;
}

int
lns_l2tp_reserve_tunnel_id(struct lns_l2tp *l, uint16_t id)
{
	if (id == 0)
		return -EINVAL;
	if (id > l->max_tid)
		return 0;
	return lns_idpool_reserve(l->tids, id);
}

void
lns_l2tp_free(struct lns_l2tp *l)
{
	if (l == NULL)
		return;
	l->depth++;
	for (uint32_t i = 1; l->tunnels != NULL && i <= l->max_tid; i++) {
		struct l2tp_tunnel *t = l->tunnels[i];

		if (t == NULL)
			continue;
		while (t->sessions != NULL) {
			struct l2tp_session *s = t->sessions;

			t->sessions = s->next;
			lns_timer_cancel(l->tm, &s->setup_timer);
			l2tp_session_hash_del(l, s);
			s->zombie_next = l->s_zombies;
			l->s_zombies = s;
		}
		l2tp_tunnel_release(l, t);
	}
	l->depth = 1;
	l2tp_leave(l);
	l2tp_policy_fini(l);
	l2tp_limit_fini(l);
	free(l->tunnels);
	lns_idpool_free(l->tids);
	lns_map_fini(&l->by_id);
	lns_map_fini(&l->by_sid);
	free(l);
}

/* ------------------------------------------------------------ lookups --- */

static const char *const tstate_names[] = {
	[T_WAIT_CTL_CONN] = "wait-ctl-conn", [T_ESTABLISHED] = "established",
	[T_CLOSING] = "closing", [T_DESTRUCTING] = "destructing",
};

const char *
l2tp_peer_str(const struct lns_l2tp_peer *p, char *buf, size_t size)
{
	char a[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &p->addr, a, sizeof(a));
	snprintf(buf, size, "%s:%u", a, p->port);
	return buf;
}

void
l2tp_tunnel_fill_info(const struct l2tp_tunnel *t, struct lns_l2tp_tunnel_info *o)
{
	memset(o, 0, sizeof(*o));
	o->local_id = t->local_id;
	o->peer_id = t->peer_id;
	o->peer = t->peer;
	_Static_assert((int)T_WAIT_CTL_CONN == (int)LNS_L2TP_T_WAIT_CTL_CONN &&
		       (int)T_ESTABLISHED == (int)LNS_L2TP_T_ESTABLISHED &&
		       (int)T_CLOSING == (int)LNS_L2TP_T_CLOSING &&
		       (int)T_DESTRUCTING == (int)LNS_L2TP_T_DESTRUCTING,
		       "public tunnel states mirror the private ones");
	o->tstate = (enum lns_l2tp_tstate)t->state;
	o->state = tstate_names[t->state];
	o->profile = t->prof == NULL ? "-" : t->prof->name[0] ? t->prof->name : "default";
	memcpy(o->host_name, t->host_name, sizeof(o->host_name));
	o->single_shot = t->single_shot;
	o->refused = t->refused;
	o->sessions = t->n_sessions;
	o->sessions_total = t->sessions_total;
	o->created_ms = t->created_ms;
	o->destroyed_ms = t->destroyed_ms;
	o->destruct_end_ms = t->destruct_end_ms;
	o->result = t->result;
	o->error = t->error;
	o->peer_rwin = t->x.peer_rwin;
	o->local_rwin = t->x.local_rwin;
	o->rx_msgs = t->rx_msgs;
	o->tx_msgs = t->tx_msgs;
	o->retransmits = t->retransmits;
}

int
lns_l2tp_tunnel_get(const struct lns_l2tp *l, uint16_t tid, struct lns_l2tp_tunnel_info *o)
{
	if (tid == 0 || tid > l->max_tid || l->tunnels[tid] == NULL)
		return -ENOENT;
	l2tp_tunnel_fill_info(l->tunnels[tid], o);
	return 0;
}

int
lns_l2tp_tunnel_next(const struct lns_l2tp *l, uint32_t after_tid,
		     struct lns_l2tp_tunnel_info *o)
{
	for (uint32_t i = after_tid + 1; i <= l->max_tid; i++)
		if (l->tunnels[i] != NULL) {
			l2tp_tunnel_fill_info(l->tunnels[i], o);
			return 0;
		}
	return -ENOENT;
}

int
lns_l2tp_session_get(const struct lns_l2tp *l, uint16_t tid, uint16_t sid,
		     struct lns_l2tp_session_info *o)
{
	const struct l2tp_session *s = l2tp_session_lookup(l, tid, sid);

	if (s == NULL)
		return -ENOENT;
	*o = s->info;
	return 0;
}

int
lns_l2tp_session_next(const struct lns_l2tp *l, uint32_t after_tid, uint32_t after_sid,
		      struct lns_l2tp_session_info *o)
{
	for (uint32_t tid = after_tid == 0 ? 1 : after_tid; tid <= l->max_tid; tid++) {
		const struct l2tp_tunnel *t = l->tunnels[tid];
		uint32_t top;

		if (t == NULL || t->n_sessions == 0)
			continue;
		/* ids above the highest ever handed out cannot exist */
		top = t->sid_fresh == 0 ? 65535 : (uint32_t)t->sid_fresh - 1;
		for (uint32_t sid = tid == after_tid ? after_sid + 1 : 1; sid <= top; sid++)
			if (lns_l2tp_session_get(l, (uint16_t)tid, (uint16_t)sid, o) == 0)
				return 0;
	}
	return -ENOENT;
}

uint32_t
lns_l2tp_tunnel_count(const struct lns_l2tp *l)
{
	return l->n_tunnels;
}

uint32_t
lns_l2tp_session_count(const struct lns_l2tp *l)
{
	return l->n_sessions;
}
