/* SPDX-License-Identifier: BSD-3-Clause */
/* Tunnel and session tables: control-lcore side. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "lns_idpool.h"
#include "lns_tables.h"

/* Control-only: RCU token of each removed tunnel id (0 = none pending). */
static uint64_t *
tun_tokens(struct lns_tables *t)
{
	return (uint64_t *)(t + 1);
}

static int
grace_over(const struct lns_tables *t, uint64_t token)
{
	return t->qsbr == NULL || rte_rcu_qsbr_check(t->qsbr, token, false) == 1;
}

static uint64_t
grace_start(const struct lns_tables *t)
{
	return t->qsbr != NULL ? rte_rcu_qsbr_start(t->qsbr) : 0;
}

struct lns_tables *
lns_tables_create(uint32_t max_sessions, uint16_t n_slots, int socket,
		  struct rte_rcu_qsbr *qsbr)
{
	struct lns_tables *t = rte_zmalloc_socket("lns_tables", sizeof(*t) +
						  LNS_TUNNEL_MAX * sizeof(uint64_t), 0, socket);

	if (t == NULL)
		return NULL;
	t->qsbr = qsbr;
	t->pend_head = t->pend_tail = LNS_SESS_NONE;
	t->max_sessions = max_sessions;
	t->n_slots = n_slots;
	t->tun = rte_zmalloc_socket("lns_tun", LNS_TUNNEL_MAX * sizeof(*t->tun),
				    RTE_CACHE_LINE_SIZE, socket);
	t->sess = rte_zmalloc_socket("lns_sess", (size_t)max_sessions * sizeof(*t->sess),
				     RTE_CACHE_LINE_SIZE, socket);
	t->ctr = rte_zmalloc_socket("lns_sess_ctr", (size_t)n_slots * max_sessions *
				    LNS_SC_MAX * sizeof(uint64_t), RTE_CACHE_LINE_SIZE, socket);
	t->tctr = rte_zmalloc_socket("lns_tun_ctr", (size_t)n_slots * LNS_TUNNEL_MAX *
				     LNS_SC_MAX * sizeof(uint64_t), RTE_CACHE_LINE_SIZE, socket);
	t->sess_ids = lns_idpool_create(0, max_sessions);
	t->by_ids = lns_u32map_create(max_sessions, socket, qsbr);
	t->by_addr = lns_u32map_create(max_sessions, socket, qsbr);
	if (t->tun == NULL || t->sess == NULL || t->ctr == NULL || t->tctr == NULL ||
	    t->sess_ids == NULL ||
	    t->by_ids == NULL || t->by_addr == NULL) {
		lns_tables_free(t);
		return NULL;
	}
	return t;
}

void
lns_tables_free(struct lns_tables *t)
{
	if (t == NULL)
		return;
	lns_u32map_free(t->by_ids);
	lns_u32map_free(t->by_addr);
	lns_idpool_free(t->sess_ids);
	rte_free(t->ctr);
	rte_free(t->tctr);
	rte_free(t->pol);
	rte_free(t->mtr);
	rte_free(t->down_tat);
	rte_free(t->down_tat_c);
	free(t->dyn);
	free(t->named);
	rte_free(t->sess);
	rte_free(t->tun);
	rte_free(t);
}

int
lns_tables_add_tunnel(struct lns_tables *t, const struct lns_dp_tunnel *tun)
{
	struct lns_dp_tunnel *e;

	if (tun->local_id == 0)
		return -EINVAL; /* tunnel id 0 is reserved (RFC 2661 3.1) */
	e = &t->tun[tun->local_id];
	if (e->state == LNS_TBL_UP)
		return -EEXIST;
	if (e->state == LNS_TBL_DOWN) {
		/* Removed earlier: reuse only once no worker can still hold it. */
		if (!grace_over(t, tun_tokens(t)[tun->local_id]))
			return -EBUSY;
		__atomic_store_n(&e->state, LNS_TBL_FREE, __ATOMIC_RELAXED);
	}
	e->local_id = tun->local_id;
	e->peer_id = tun->peer_id;
	e->sa_in = tun->sa_in;
	e->sa_out = tun->sa_out;
	e->conn = tun->conn;
	e->peer = tun->peer;
	e->peer_port = tun->peer_port;
	__atomic_store_n(&e->nh_mac, tun->nh_mac, __ATOMIC_RELAXED);
	for (uint16_t sl = 0; sl < t->n_slots; sl++)
		memset(&t->tctr[((size_t)sl * LNS_TUNNEL_MAX + tun->local_id) * LNS_SC_MAX], 0,
		       LNS_SC_MAX * sizeof(uint64_t));
	__atomic_store_n(&e->state, LNS_TBL_UP, __ATOMIC_RELEASE);
	t->n_tunnels++;
	return 0;
}

int
lns_tables_remove_tunnel(struct lns_tables *t, uint16_t tunnel)
{
	struct lns_dp_tunnel *e = &t->tun[tunnel];

	if (tunnel == 0 || e->state != LNS_TBL_UP)
		return -ENOENT;
	__atomic_store_n(&e->state, LNS_TBL_DOWN, __ATOMIC_RELEASE);
	tun_tokens(t)[tunnel] = grace_start(t);
	t->n_tunnels--;
	return 0;
}

int
lns_tables_add_session(struct lns_tables *t, uint16_t tunnel, uint16_t local_id,
		       uint16_t peer_id, uint32_t addr, uint32_t *handle)
{
	uint32_t key = (uint32_t)tunnel << 16 | local_id, h;
	struct lns_dp_session *s;
	int rc;

	if (t->tun[tunnel].state != LNS_TBL_UP)
		return -ENOENT;
	if (local_id == 0)
		return -EINVAL;
	if (lns_u32map_lookup(t->by_ids, key) != LNS_U32MAP_NONE ||
	    (addr != 0 && lns_u32map_lookup(t->by_addr, addr) != LNS_U32MAP_NONE))
		return -EEXIST;
	if (lns_idpool_get(t->sess_ids, &h) != 0)
		return -ENOSPC;
	s = &t->sess[h];
	s->tunnel = tunnel;
	s->local_id = local_id;
	s->peer_id = peer_id;
	s->addr = addr;
	for (uint16_t sl = 0; sl < t->n_slots; sl++)
		memset(&t->ctr[((size_t)sl * t->max_sessions + h) * LNS_SC_MAX], 0,
		       LNS_SC_MAX * sizeof(uint64_t));
	/* The handle's grace period is over: no worker touches its meters now. */
	s->policy = 0;
	if (t->mtr != NULL)
		for (uint16_t sl = 0; sl < t->n_slots; sl++)
			memset(&t->mtr[((size_t)sl * t->max_sessions + h) * 2], 0,
			       2 * sizeof(*t->mtr));
	if (t->down_tat != NULL) {
		t->down_tat[h] = 0;
		t->down_tat_c[h] = 0;
	}
	__atomic_store_n(&s->state, LNS_TBL_UP, __ATOMIC_RELEASE);
	rc = lns_u32map_add(t->by_ids, key, h);
	if (rc == 0 && addr != 0)
		rc = lns_u32map_add(t->by_addr, addr, h);
	if (rc != 0) {
		lns_u32map_del(t->by_ids, key);
		s->state = LNS_TBL_FREE;
		lns_idpool_put(t->sess_ids, h);
		return -ENOSPC;
	}
	t->n_sessions++;
	*handle = h;
	return 0;
}

int
lns_tables_session_set_addr(struct lns_tables *t, uint32_t handle, uint32_t addr)
{
	struct lns_dp_session *s;

	if (handle >= t->max_sessions || addr == 0)
		return -ENOENT;
	s = &t->sess[handle];
	if (s->state != LNS_TBL_UP)
		return -ENOENT;
	if (s->addr != 0)
		return -EBUSY;
	if (lns_u32map_lookup(t->by_addr, addr) != LNS_U32MAP_NONE)
		return -EEXIST;
	/* Address first, then the hash entry: a downstream packet that finds the
	 * session also finds the address its upstream check compares against. */
	__atomic_store_n(&s->addr, addr, __ATOMIC_RELEASE);
	if (lns_u32map_add(t->by_addr, addr, handle) != 0) {
		__atomic_store_n(&s->addr, 0, __ATOMIC_RELEASE);
		return -ENOSPC;
	}
	return 0;
}

/* A session leaves named slot pol - 1 (pol as in lns_dp_session.policy). The
 * last holder of a retired slot starts its grace period: workers that loaded
 * the index before the session moved off it finish first. */
static void
named_drop(struct lns_tables *t, uint16_t pol)
{
	struct lns_named_policy *np;

	if (t->named == NULL || pol == 0 || pol > LNS_POLICY_MAX)
		return;
	np = &t->named[pol - 1];
	if (np->refs > 0 && --np->refs == 0 && np->retired)
		np->token = grace_start(t);
}

int
lns_tables_remove_session(struct lns_tables *t, uint32_t handle)
{
	struct lns_dp_session *s;
	uint32_t key;

	if (handle >= t->max_sessions)
		return -ENOENT;
	s = &t->sess[handle];
	if (s->state != LNS_TBL_UP)
		return -ENOENT;
	__atomic_store_n(&s->state, LNS_TBL_DOWN, __ATOMIC_RELEASE);
	named_drop(t, s->policy);
	key = (uint32_t)s->tunnel << 16 | s->local_id;
	/* A worker may still find the handle until its next quiescent report: it
	 * sees DOWN, and the handle is reused only after the grace period. */
	lns_u32map_del(t->by_ids, key);
	if (s->addr != 0)
		lns_u32map_del(t->by_addr, s->addr);
	s->token = grace_start(t);
	s->next_pending = LNS_SESS_NONE;
	if (t->pend_tail == LNS_SESS_NONE)
		t->pend_head = handle;
	else
		t->sess[t->pend_tail].next_pending = handle;
	t->pend_tail = handle;
	t->n_pending++;
	t->n_sessions--;
	return 0;
}

unsigned int
lns_tables_reclaim(struct lns_tables *t)
{
	unsigned int freed = 0;

	lns_u32map_reclaim(t->by_ids);
	lns_u32map_reclaim(t->by_addr);
	/* FIFO: tokens grow in order, so the first one not yet safe stops the walk. */
	while (t->pend_head != LNS_SESS_NONE) {
		uint32_t h = t->pend_head;
		struct lns_dp_session *s = &t->sess[h];

		if (!grace_over(t, s->token))
			break;
		t->pend_head = s->next_pending;
		if (t->pend_head == LNS_SESS_NONE)
			t->pend_tail = LNS_SESS_NONE;
		s->addr = 0;
		__atomic_store_n(&s->state, LNS_TBL_FREE, __ATOMIC_RELEASE);
		lns_idpool_put(t->sess_ids, h);
		t->n_pending--;
		freed++;
	}
	return freed;
}

uint64_t
lns_tables_tun_ctr(const struct lns_tables *t, uint16_t tunnel, enum lns_sess_ctr c)
{
	uint64_t sum = 0;

	for (uint16_t sl = 0; sl < t->n_slots; sl++)
		sum += __atomic_load_n(&t->tctr[((size_t)sl * LNS_TUNNEL_MAX + tunnel) *
						LNS_SC_MAX + c], __ATOMIC_RELAXED);
	return sum;
}

uint64_t
lns_tables_sess_ctr(const struct lns_tables *t, uint32_t handle, enum lns_sess_ctr c)
{
	uint64_t sum = 0;

	for (uint16_t sl = 0; sl < t->n_slots; sl++)
		sum += __atomic_load_n(&t->ctr[((size_t)sl * t->max_sessions + handle) *
					       LNS_SC_MAX + c], __ATOMIC_RELAXED);
	return sum;
}

int
lns_policy_meter_params(const struct lns_policy_dir *d, struct rte_meter_trtcm_params *out)
{
	uint64_t pir = d->peak_rate != 0 ? d->peak_rate : d->rate;

	if (d->rate == 0 || pir < d->rate || d->burst == 0 || d->burst > UINT32_MAX)
		return -EINVAL;
	/* rte_meter counts bytes per second; the config says bits per second. */
	out->cir = d->rate / 8;
	out->pir = pir / 8;
	out->cbs = (uint32_t)d->burst;
	out->pbs = (uint32_t)(d->peak_burst != 0 ? d->peak_burst : d->burst);
	if (out->cir == 0 || out->pbs == 0)
		return -EINVAL;
	return 0;
}

/* Configure one policy slot from its two directions (rate 0 = not limited). */
static int
policy_config(struct lns_dp_policy *dst, const struct lns_policy_dir *up,
	      const struct lns_policy_dir *down, bool mark, uint8_t dscp)
{
	const struct lns_policy_dir *d[2] = { up, down };
	struct lns_dp_policy np;

	memset(&np, 0, sizeof(np));
	np.mark = mark;
	np.tos_dscp = (uint8_t)(dscp << 2);
	for (int dir = 0; dir < 2; dir++) {
		struct rte_meter_trtcm_params prm;

		if (d[dir]->rate == 0)
			continue;
		if (lns_policy_meter_params(d[dir], &prm) != 0 ||
		    rte_meter_trtcm_profile_config(&np.prof[dir], &prm) != 0)
			return -EINVAL;
		np.on[dir] = true;
		np.rate[dir] = d[dir]->rate;
		np.peak[dir] = prm.pir > prm.cir;
		if (dir == 1) {
			uint64_t hz = rte_get_tsc_hz();

			np.down_t_q16 = (hz << 16) / prm.pir;
			np.down_tau = (uint64_t)prm.pbs * np.down_t_q16 >> 16;
			np.down_c_t_q16 = (hz << 16) / prm.cir;
			np.down_c_tau = (uint64_t)prm.cbs * np.down_c_t_q16 >> 16;
		}
	}
	*dst = np;
	return 0;
}

int
lns_tables_policies_init(struct lns_tables *t, const struct lns_policy_conf *p, uint16_t n,
			 uint16_t n_dyn)
{
	if (n == 0 && n_dyn == 0)
		return 0;
	if (n > LNS_CONF_MAX_POLICIES || n_dyn > LNS_POLICY_DYN_MAX || t->pol != NULL)
		return -E2BIG;
	t->pol = rte_zmalloc("lns_policies", (LNS_POLICY_MAX + 1 + (size_t)n_dyn) *
			     sizeof(*t->pol), RTE_CACHE_LINE_SIZE);
	t->mtr = rte_zmalloc("lns_meters", (size_t)t->n_slots * t->max_sessions * 2 *
			     sizeof(*t->mtr), RTE_CACHE_LINE_SIZE);
	t->down_tat = rte_zmalloc("lns_down_tat", (size_t)t->max_sessions * sizeof(uint64_t),
				  RTE_CACHE_LINE_SIZE);
	t->down_tat_c = rte_zmalloc("lns_down_tat_c", (size_t)t->max_sessions *
				    sizeof(uint64_t), RTE_CACHE_LINE_SIZE);
	t->dyn = n_dyn > 0 ? calloc(n_dyn, sizeof(*t->dyn)) : NULL;
	t->named = calloc(LNS_POLICY_MAX, sizeof(*t->named));
	if (t->pol == NULL || t->mtr == NULL || t->down_tat == NULL || t->down_tat_c == NULL ||
	    (n_dyn > 0 && t->dyn == NULL) || t->named == NULL) {
		rte_free(t->pol);
		rte_free(t->mtr);
		rte_free(t->down_tat);
		rte_free(t->down_tat_c);
		t->down_tat_c = NULL;
		free(t->dyn);
		free(t->named);
		t->named = NULL;
		t->pol = NULL;
		t->mtr = NULL;
		t->down_tat = NULL;
		t->dyn = NULL;
		return -ENOMEM;
	}
	for (uint16_t i = 0; i < n; i++) {
		if (policy_config(&t->pol[i + 1], &p[i].up, &p[i].down,
				  p[i].exceed_action == LNS_EXCEED_MARK, p[i].exceed_dscp) != 0)
			return -EINVAL;
		snprintf(t->named[i].name, sizeof(t->named[i].name), "%s", p[i].name);
	}
	t->n_pol = n;
	t->n_dyn = n_dyn;
	return 0;
}

int
lns_tables_set_policies(struct lns_tables *t, const struct lns_policy_conf *p, uint16_t n)
{
	return lns_tables_policies_init(t, p, n, 0);
}

static bool
dir_same(const struct lns_policy_dir *a, const struct lns_policy_dir *b)
{
	return a->rate == b->rate && a->burst == b->burst && a->peak_rate == b->peak_rate &&
	       a->peak_burst == b->peak_burst;
}

int
lns_tables_policy_acquire(struct lns_tables *t, const struct lns_policy_dir *up,
			  const struct lns_policy_dir *down)
{
	int cand = -1, rc;

	if (t->dyn == NULL)
		return -ENOTSUP;
	for (uint16_t j = 0; j < t->n_dyn; j++) {
		struct lns_dyn_policy *d = &t->dyn[j];

		if (d->used && dir_same(&d->up, up) && dir_same(&d->down, down)) {
			d->refs++;      /* same rates: share (its slot never changed) */
			return LNS_POLICY_MAX + j;
		}
		if (cand < 0 && (!d->used ||
				 (d->refs == 0 && (t->qsbr == NULL ||
						   rte_rcu_qsbr_check(t->qsbr, d->token,
								      false) == 1))))
			cand = j;
	}
	if (cand < 0)
		return -ENOSPC;
	/* no worker uses the slot now (never used, or released a grace period ago) */
	rc = policy_config(&t->pol[LNS_POLICY_MAX + 1 + cand], up, down, false, 0);
	if (rc != 0)
		return rc;
	t->dyn[cand].up = *up;
	t->dyn[cand].down = *down;
	t->dyn[cand].refs = 1;
	t->dyn[cand].used = true;
	return LNS_POLICY_MAX + cand;
}

void
lns_tables_policy_release(struct lns_tables *t, int idx)
{
	struct lns_dyn_policy *d;

	if (t->dyn == NULL || idx < LNS_POLICY_MAX || idx >= LNS_POLICY_MAX + t->n_dyn)
		return;
	d = &t->dyn[idx - LNS_POLICY_MAX];
	if (d->refs == 0 || --d->refs > 0)
		return;
	/* workers that read the index before the session moved off it finish first */
	d->token = t->qsbr != NULL ? rte_rcu_qsbr_start(t->qsbr) : 0;
}

int
lns_tables_policy_dyn_get(const struct lns_tables *t, int idx, struct lns_policy_dir *up,
			  struct lns_policy_dir *down)
{
	if (t->dyn == NULL || idx < LNS_POLICY_MAX || idx >= LNS_POLICY_MAX + t->n_dyn ||
	    !t->dyn[idx - LNS_POLICY_MAX].used)
		return -ENOENT;
	*up = t->dyn[idx - LNS_POLICY_MAX].up;
	*down = t->dyn[idx - LNS_POLICY_MAX].down;
	return 0;
}

/* Named slot j can take a new name: never used, or retired and left by its last
 * holder a grace period ago. */
static bool
named_free(const struct lns_tables *t, uint16_t j)
{
	const struct lns_named_policy *np = &t->named[j];

	return np->name[0] == '\0' || (np->retired && np->refs == 0 && grace_over(t, np->token));
}

int
lns_tables_policies_plan(struct lns_tables *t, const struct lns_policy_conf *p, uint16_t n,
			 struct lns_policy_plan *pl)
{
	size_t cnt = LNS_POLICY_MAX + 1 + (size_t)t->n_dyn;
	bool taken[LNS_POLICY_MAX] = { false };
	const struct lns_named_policy *named = t->named;

	memset(pl, 0, sizeof(*pl));
	if (n > LNS_CONF_MAX_POLICIES)
		return -EINVAL;
	pl->n = n;
	if (t->pol == NULL) {
		/* the first policies of an lnsd started without: workers read the
		 * meters only for a session with a policy, which control sets after
		 * the commit published them (release), so they need no grace */
		pl->mtr = rte_zmalloc("lns_meters", (size_t)t->n_slots * t->max_sessions * 2 *
				      sizeof(*pl->mtr), RTE_CACHE_LINE_SIZE);
		pl->tat = rte_zmalloc("lns_down_tat", (size_t)t->max_sessions * sizeof(uint64_t),
				      RTE_CACHE_LINE_SIZE);
		pl->tat_c = rte_zmalloc("lns_down_tat_c", (size_t)t->max_sessions *
					sizeof(uint64_t), RTE_CACHE_LINE_SIZE);
		pl->named = calloc(LNS_POLICY_MAX, sizeof(*pl->named));
		if (pl->mtr == NULL || pl->tat == NULL || pl->tat_c == NULL || pl->named == NULL) {
			lns_tables_policies_abort(pl);
			return -ENOMEM;
		}
		named = pl->named;
	}
	/* a name keeps its slot, retired or not (a policy removed and added back
	 * takes its holders back) */
	for (uint16_t i = 0; i < n; i++) {
		pl->slot[i] = -1;
		for (uint16_t j = 0; j < LNS_POLICY_MAX; j++)
			if (named[j].name[0] != '\0' && strcmp(named[j].name, p[i].name) == 0) {
				pl->slot[i] = (int16_t)j;
				taken[j] = true;
				break;
			}
	}
	for (uint16_t i = 0, j = 0; i < n; i++) {
		if (pl->slot[i] >= 0)
			continue;
		while (j < LNS_POLICY_MAX && (taken[j] || (named != pl->named && !named_free(t, j))))
			j++;
		if (j == LNS_POLICY_MAX) {
			lns_tables_policies_abort(pl);
			return -ENOSPC;
		}
		pl->slot[i] = (int16_t)j;
		taken[j] = true;
	}
	pl->np = rte_zmalloc("lns_policies", cnt * sizeof(*pl->np), RTE_CACHE_LINE_SIZE);
	if (pl->np == NULL) {
		lns_tables_policies_abort(pl);
		return -ENOMEM;
	}
	/* retired and anonymous (RADIUS) slots keep their rates */
	if (t->pol != NULL)
		memcpy(pl->np, t->pol, cnt * sizeof(*pl->np));
	for (uint16_t i = 0; i < n; i++)
		if (policy_config(&pl->np[pl->slot[i] + 1], &p[i].up, &p[i].down,
				  p[i].exceed_action == LNS_EXCEED_MARK, p[i].exceed_dscp) != 0) {
			lns_tables_policies_abort(pl);
			return -EINVAL;
		}
	return 0;
}

void
lns_tables_policies_abort(struct lns_policy_plan *pl)
{
	rte_free(pl->np);
	rte_free(pl->mtr);
	rte_free(pl->tat);
	rte_free(pl->tat_c);
	free(pl->named);
	pl->np = NULL;
	pl->mtr = NULL;
	pl->tat = pl->tat_c = NULL;
	pl->named = NULL;
}

void
lns_tables_policies_commit(struct lns_tables *t, const struct lns_policy_conf *p,
			   struct lns_policy_plan *pl)
{
	struct lns_dp_policy *old = t->pol;
	bool live[LNS_POLICY_MAX] = { false };

	if (pl->named != NULL) {        /* a first table: in place before it is published */
		t->mtr = pl->mtr;
		t->down_tat = pl->tat;
		t->down_tat_c = pl->tat_c;
		t->named = pl->named;
		pl->mtr = NULL;
		pl->tat = pl->tat_c = NULL;
		pl->named = NULL;
	}

	for (uint16_t i = 0; i < pl->n; i++) {
		struct lns_named_policy *np = &t->named[pl->slot[i]];

		live[pl->slot[i]] = true;
		if (strcmp(np->name, p[i].name) != 0) {   /* a free slot's new name */
			snprintf(np->name, sizeof(np->name), "%s", p[i].name);
			np->refs = 0;
		}
		np->retired = false;
	}
	for (uint16_t j = 0; j < LNS_POLICY_MAX; j++) {
		struct lns_named_policy *np = &t->named[j];

		if (live[j] || np->name[0] == '\0' || np->retired)
			continue;
		np->retired = true;     /* no new session takes it; its holders keep it */
		if (np->refs == 0)
			np->token = grace_start(t);
	}
	/* Publish; a worker's next packet polices with the new rates (its meter keeps
	 * its tokens, capped by the new bursts). Free the old after every worker
	 * has passed a quiescent state. */
	__atomic_store_n(&t->pol, pl->np, __ATOMIC_RELEASE);
	pl->np = NULL;
	if (t->qsbr != NULL)
		rte_rcu_qsbr_synchronize(t->qsbr, RTE_QSBR_THRID_INVALID);
	rte_free(old);
	t->n_pol = 0;
	for (uint16_t j = 0; j < LNS_POLICY_MAX; j++) {
		struct lns_named_policy *np = &t->named[j];

		if (np->retired && np->refs == 0 && grace_over(t, np->token))
			memset(np, 0, sizeof(*np));     /* free: nobody can reach it */
		if (np->name[0] != '\0')
			t->n_pol = (uint16_t)(j + 1);
	}
}

int
lns_tables_update_policies(struct lns_tables *t, const struct lns_policy_conf *p, uint16_t n)
{
	struct lns_policy_plan pl;
	int rc = lns_tables_policies_plan(t, p, n, &pl);

	if (rc == 0)
		lns_tables_policies_commit(t, p, &pl);
	return rc;
}

int
lns_tables_policy_holders(const struct lns_tables *t, int idx, bool *retired)
{
	if (t->named == NULL || idx < 0 || idx >= LNS_POLICY_MAX || t->named[idx].name[0] == '\0')
		return -ENOENT;
	if (retired != NULL)
		*retired = t->named[idx].retired;
	return (int)t->named[idx].refs;
}

int
lns_tables_session_set_policy(struct lns_tables *t, uint32_t handle, int idx)
{
	uint16_t old;

	if (handle >= t->max_sessions || t->sess[handle].state != LNS_TBL_UP)
		return -ENOENT;
	if (idx >= 0 && idx < LNS_POLICY_MAX &&
	    (t->named == NULL || t->named[idx].name[0] == '\0' || t->named[idx].retired))
		return -EINVAL;
	if (idx >= LNS_POLICY_MAX &&
	    (t->dyn == NULL || idx >= LNS_POLICY_MAX + t->n_dyn ||
	     t->dyn[idx - LNS_POLICY_MAX].refs == 0))
		return -EINVAL;
	old = t->sess[handle].policy;
	/* The worker sees the new index and reconfigures its own meter. */
	__atomic_store_n(&t->sess[handle].policy, (uint16_t)(idx < 0 ? 0 : idx + 1),
			 __ATOMIC_RELEASE);
	if (idx >= 0 && idx < LNS_POLICY_MAX)
		t->named[idx].refs++;
	named_drop(t, old);
	return 0;
}
