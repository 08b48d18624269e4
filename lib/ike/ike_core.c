/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IKEv1 responder core: the ISAKMP SA tables, input dispatch by exchange,
 * per-source rate limit, retransmission of our responses, teardown, lnsctl views.
 * Version dispatch happens here so an IKEv2 (RFC 7296) engine can sit beside
 * the IKEv1 exchange files without touching them.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike_priv.h"

/* -------------------------------------------------------------- maps --- */

/* The rate limiter's bucket of a source address (see rate_ok()). */
static uint32_t
hmix(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	return (uint32_t)k;
}

/* Keys come from the wire (cookies, addresses): lns_map's keyed SipHash. */
static int
map_init(struct lns_map *m, uint32_t key_len, ptrdiff_t key_off, bool multi, uint32_t max)
{
	struct lns_map_params p = {
		.key_len = key_len, .key_off = key_off, .init = 64, .max = max, .multi = multi,
	};

	return lns_map_init(m, &p);
}

#define SA_KEY(f, node) (offsetof(struct ike_sa, f) - offsetof(struct ike_sa, node))

static int
maps_init(struct lns_ike *ike)
{
	/* several ISAKMP SAs share an initiator cookie (from different peers), a
	 * connection (renewals) and a peer address (NAT, renewals) */
	if (map_init(&ike->by_cky, 8, SA_KEY(icky, h_cky), true, UINT32_MAX) < 0 ||
	    map_init(&ike->by_conn, 4, SA_KEY(conn, h_conn), true, UINT32_MAX) < 0 ||
	    map_init(&ike->by_peer, 4, SA_KEY(peer, h_peer), true, UINT32_MAX) < 0)
		return -1;
	/* inbound SPIs are ours and unique (children, pending ones included, are bounded
	 * by the SA table and the Quick Modes per ISAKMP SA, not here) */
	return map_init(&ike->by_spi, 4,
			offsetof(struct ike_child, c.spi_in) - offsetof(struct ike_child, h_spi),
			false, UINT32_MAX);
}

static uint64_t
cky_key(const uint8_t c[8])
{
	uint64_t k;

	memcpy(&k, c, 8);
	return k;
}

/* ------------------------------------------------------------- helpers --- */

void
ike_event(struct lns_ike *ike, enum lns_ev ev, uint32_t conn, const char *fmt, ...)
{
	char d[LNS_EV_DETAIL_MAX];
	va_list ap;

	if (ike->log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(d, sizeof(d), fmt, ap);
	va_end(ap);
	lns_evlog_add(ike->log, ike->now_ms * 1000, ev, LNS_EV_NONE, LNS_EV_NONE,
		      conn | ike->ev_tag, "%s", d);
}

void
ike_digest(const uint8_t *msg, size_t len, uint8_t out[20])
{
	struct ike_iov v = { msg, len };
	uint8_t d[IKE_HASH_MAX];

	if (ike_hash(IKE_H_SHA1, &v, 1, d) < 0)
		memset(d, 0, sizeof(d));
	memcpy(out, d, 20);
}

void
ike_send_sa(struct lns_ike *ike, struct ike_sa *sa, const struct ike_buf *m, int cnt)
{
	ike->cnt[cnt]++;
	ike_tx(ike, sa, m->b, m->len);
}

int
ike_store_resp(struct ike_sa *sa, uint8_t **slot, size_t *slot_len, const struct ike_buf *m)
{
	uint8_t *p = malloc(m->len);

	(void)sa;
	if (p == NULL)
		return -ENOMEM;
	memcpy(p, m->b, m->len);
	free(*slot);
	*slot = p;
	*slot_len = m->len;
	return 0;
}

int
ike_encrypt(struct ike_sa *sa, struct ike_buf *m, uint8_t *iv)
{
	size_t body = m->len - IKE_HDR_LEN;
	size_t pad = (sa->block - body % sa->block) % sa->block;
	static const uint8_t zeros[IKE_BLOCK_MAX];

	/* RFC 2409 appendix B: the body is padded to the cipher block; the header
	 * length then covers the padding and the payload chain says where it ends */
	ike_buf_put(m, zeros, pad);
	if (ike_buf_finish(m) < 0)
		return -EMSGSIZE;
	m->b[19] |= IKE_FLAG_ENC;
	return ike_cbc(sa->enc, sa->enc_key, sa->key_len, iv, m->b + IKE_HDR_LEN,
		       m->len - IKE_HDR_LEN, true);
}

int
ike_decrypt(struct ike_sa *sa, const uint8_t *msg, size_t len, uint8_t *iv, uint8_t **plain)
{
	size_t body = len - IKE_HDR_LEN;
	uint8_t *p;

	if (body == 0 || body % sa->block != 0)
		return -EBADMSG;
	p = malloc(len);
	if (p == NULL)
		return -ENOMEM;
	memcpy(p, msg, len);
	if (ike_cbc(sa->enc, sa->enc_key, sa->key_len, iv, p + IKE_HDR_LEN, body, false) < 0) {
		free(p);
		return -EIO;
	}
	*plain = p;
	return 0;
}

/* ---------------------------------------------------------- lifecycle --- */

void
lns_ike_set_event_conn_tag(struct lns_ike *ike, uint32_t tag)
{
	ike->ev_tag = tag;
}

struct lns_ike *
lns_ike_create(const struct lns_conf *conf, const struct lns_ike_ops *ops, void *ctx,
	       struct lns_timers *tm, struct lns_evlog *log)
{
	struct lns_ike *ike;

	if (conf == NULL || ops == NULL || tm == NULL || ops->send == NULL ||
	    ops->child_up == NULL || ops->child_down == NULL || ops->conn_up == NULL ||
	    ops->conn_down == NULL)
		return NULL;
	ike = calloc(1, sizeof(*ike));
	if (ike == NULL)
		return NULL;
	ike->conf = conf;
	ike->ops = *ops;
	ike->ctx = ctx;
	ike->tm = tm;
	ike->log = log;
	ike->local_addr = conf->ports[LNS_PORT_ACCESS].address.addr;
	ike->next_conn = 1;
	ike->rl = calloc(IKE_RL_BUCKETS, sizeof(*ike->rl));
	if (ike->rl == NULL || maps_init(ike) < 0) {
		lns_ike_free(ike);
		return NULL;
	}
	if (conf->ipsec.certs.set) {
		char err[LNS_CONF_ERR_MAX];

		/* checked when the configuration was loaded; a file changed since then
		 * leaves certificate authentication off, said in the event log */
		ike->certs = ike_certs_load(&conf->ipsec.certs, err, sizeof(err));
		if (ike->certs == NULL)
			ike_event(ike, LNS_EV_IPSEC_REFUSED, 0, "certificates unusable: %s", err);
	}
	return ike;
}

void
lns_ike_free(struct lns_ike *ike)
{
	if (ike == NULL)
		return;
	while (ike->all)
		ike_sa_destroy(ike, ike->all, false, "free");
	lns_map_fini(&ike->by_cky);
	lns_map_fini(&ike->by_conn);
	lns_map_fini(&ike->by_peer);
	lns_map_fini(&ike->by_spi);
	ike_certs_free(ike->certs);
	ike_frag_fini(ike);
	free(ike->rl);
	free(ike);
}

void
ike_child_free(struct lns_ike *ike, struct ike_child *ch, bool callback)
{
	struct ike_sa *sa = ch->sa;

	if (ch->installed) {
		struct ike_child **pp = &sa->children;

		for (; *pp; pp = &(*pp)->next)
			if (*pp == ch) {
				*pp = ch->next;
				sa->n_children--;
				break;
			}
		if (callback)
			ike->ops.child_down(ike->ctx, ch->c.conn, ch->c.spi_in);
	}
	lns_map_del(&ike->by_spi, &ch->h_spi);
	lns_timer_cancel(ike->tm, &ch->t_life);
	lns_timer_cancel(ike->tm, &ch->t_retire);
	ike_wipe(ch, sizeof(*ch));
	free(ch);
}

void
ike_qm_free(struct lns_ike *ike, struct ike_qm *qm)
{
	struct ike_sa *sa = qm->sa;
	struct ike_qm **pp = &sa->qms;

	for (; *pp; pp = &(*pp)->next)
		if (*pp == qm) {
			*pp = qm->next;
			sa->n_qms--;
			break;
		}
	lns_timer_cancel(ike->tm, &qm->t_rtx);
	if (qm->child)
		ike_child_free(ike, qm->child, false);
	free(qm->resp);
	ike_wipe(qm, sizeof(*qm));
	free(qm);
}

/* Is any other ISAKMP SA (established or retired) still carrying connection conn? */
static bool
conn_has_sa(const struct lns_ike *ike, uint32_t conn, const struct ike_sa *except)
{
	for (struct lns_map_node *n = lns_map_find(&ike->by_conn, &conn); n;
	     n = lns_map_find_next(&ike->by_conn, n)) {
		const struct ike_sa *o = container_of(n, struct ike_sa, h_conn);

		if (o != except && o->conn == conn &&
		    (o->state == IKE_ESTABLISHED || o->state == IKE_RETIRED))
			return true;
	}
	return false;
}

void
ike_sa_destroy(struct lns_ike *ike, struct ike_sa *sa, bool callbacks, const char *why)
{
	while (sa->qms)
		ike_qm_free(ike, sa->qms);
	while (sa->children)
		ike_child_free(ike, sa->children, callbacks);
	if (sa->state == IKE_ESTABLISHED || sa->state == IKE_RETIRED) {
		/* the connection ends with the last ISAKMP SA that carries it */
		if (callbacks && !conn_has_sa(ike, sa->conn, sa))
			ike->ops.conn_down(ike->ctx, sa->conn, why);
	} else {
		ike->n_half_open--;
	}
	if (sa->state != IKE_RETIRED)
		lns_map_del(&ike->by_cky, &sa->h_cky);
	lns_map_del(&ike->by_conn, &sa->h_conn);
	lns_map_del(&ike->by_peer, &sa->h_peer);
	if (sa->prev)
		sa->prev->next = sa->next;
	else
		ike->all = sa->next;
	if (sa->next)
		sa->next->prev = sa->prev;
	ike->n_sa--;
	lns_timer_cancel(ike->tm, &sa->t_rtx);
	lns_timer_cancel(ike->tm, &sa->t_life);
	lns_timer_cancel(ike->tm, &sa->t_dpd);
	ike_dh_free(sa->dh);
	ike_certs_free(sa->certs);
	free(sa->sai_b);
	free(sa->resp);
	ike_wipe(sa, sizeof(*sa));   /* SKEYIDs, cipher key, g^xy */
	free(sa);
}

/* The newest established ISAKMP SA of conn other than except, or NULL. */
static struct ike_sa *
conn_newest(const struct lns_ike *ike, uint32_t conn, const struct ike_sa *except)
{
	struct ike_sa *best = NULL;

	for (struct lns_map_node *n = lns_map_find(&ike->by_conn, &conn); n;
	     n = lns_map_find_next(&ike->by_conn, n)) {
		struct ike_sa *o = container_of(n, struct ike_sa, h_conn);

		if (o != except && o->conn == conn && o->state == IKE_ESTABLISHED &&
		    (best == NULL || o->created_ms >= best->created_ms))
			best = o;
	}
	return best;
}

/* Hand every installed child of from to to (same connection). Children that to
 * already has newer ones beside go after the rekey overlap, as on a rekey. */
static void
children_move(struct lns_ike *ike, struct ike_sa *from, struct ike_sa *to)
{
	bool newer = to->children != NULL;

	while (from->children) {
		struct ike_child *c = from->children;

		from->children = c->next;
		from->n_children--;
		c->sa = to;
		c->next = to->children;
		to->children = c;
		to->n_children++;
		if (newer && !lns_timer_pending(&c->t_retire))
			lns_timer_arm(ike->tm, &c->t_retire, ike->now_ms + IKE_REKEY_OVERLAP_MS);
	}
}

bool
ike_sa_superseded(const struct lns_ike *ike, const struct ike_sa *sa)
{
	return conn_newest(ike, sa->conn, sa) != NULL;
}

void
ike_sa_end(struct lns_ike *ike, struct ike_sa *sa, const char *why)
{
	struct ike_sa *heir = conn_newest(ike, sa->conn, sa);

	while (sa->qms)
		ike_qm_free(ike, sa->qms);
	if (heir != NULL) {
		/* a renewal took over: the connection lives on in the newer ISAKMP SA */
		children_move(ike, sa, heir);
		ike_sa_destroy(ike, sa, false, why);
		return;
	}
	if (sa->state != IKE_ESTABLISHED || sa->children == NULL) {
		ike_sa_destroy(ike, sa, true, why);
		return;
	}
	/* the IPsec SAs outlive their ISAKMP SA (until their own lifetime, a renewal
	 * that adopts them, or lnsd disconnecting the connection) */
	sa->state = IKE_RETIRED;
	lns_map_del(&ike->by_cky, &sa->h_cky);
	lns_timer_cancel(ike->tm, &sa->t_rtx);
	lns_timer_cancel(ike->tm, &sa->t_life);
	lns_timer_cancel(ike->tm, &sa->t_dpd);
	free(sa->resp);
	sa->resp = NULL;
	ike_wipe(&sa->k, sizeof(sa->k));
	ike_wipe(sa->enc_key, sizeof(sa->enc_key));
}

void
ike_sa_child_gone(struct lns_ike *ike, struct ike_sa *sa)
{
	if (sa->state == IKE_RETIRED && sa->children == NULL)
		ike_sa_destroy(ike, sa, true, "last ipsec sa gone");
}

void
ike_conn_end(struct lns_ike *ike, uint32_t conn, bool callbacks, const char *why)
{
	struct lns_map_node *n;

	while ((n = lns_map_find(&ike->by_conn, &conn)) != NULL)
		ike_sa_destroy(ike, container_of(n, struct ike_sa, h_conn), callbacks, why);
}

bool
ike_conn_continue(struct lns_ike *ike, struct ike_sa *sa)
{
	struct ike_sa *old = NULL;

	for (struct lns_map_node *n = lns_map_find(&ike->by_peer, &sa->peer); n;
	     n = lns_map_find_next(&ike->by_peer, n)) {
		struct ike_sa *o = container_of(n, struct ike_sa, h_peer);

		/* same endpoint (address and port as seen after NAT) and same identity */
		if (o == sa || o->peer != sa->peer || o->peer_port != sa->peer_port ||
		    (o->state != IKE_ESTABLISHED && o->state != IKE_RETIRED) ||
		    strcmp(o->peer_id, sa->peer_id) != 0)
			continue;
		if (old == NULL || o->created_ms >= old->created_ms)
			old = o;
	}
	if (old == NULL)
		return false;
	/* a spent or disconnected connection is never continued (DESIGN.md) */
	if (ike->ops.may_continue != NULL && !ike->ops.may_continue(ike->ctx, old->conn))
		return false;
	lns_map_del(&ike->by_conn, &sa->h_conn);
	sa->conn = old->conn;
	(void)lns_map_add(&ike->by_conn, &sa->h_conn);   /* multi, unbounded: cannot fail */
	CNT(ike, RENEWALS);
	ike_event(ike, LNS_EV_IPSEC_RENEWED, sa->conn, "phase-1 renewal: new isakmp sa, id=%s",
		  sa->peer_id);
	/* a retired ISAKMP SA hands its IPsec SAs to the new one right away */
	for (struct lns_map_node *n = lns_map_find(&ike->by_conn, &sa->conn); n;) {
		struct ike_sa *o = container_of(n, struct ike_sa, h_conn);

		n = lns_map_find_next(&ike->by_conn, n);
		if (o != sa && o->conn == sa->conn && o->state == IKE_RETIRED) {
			children_move(ike, o, sa);
			ike_sa_destroy(ike, o, false, "renewed");
		}
	}
	return true;
}

static void
sa_rtx_cb(struct lns_timer *t, void *arg, uint64_t now_ms)
{
	struct ike_sa *sa = arg;
	struct lns_ike *ike = sa->ike;

	(void)t;
	ike->now_ms = now_ms;
	if (sa->state == IKE_ESTABLISHED || sa->resp == NULL)
		return;
	if (++sa->rtx >= IKE_RTX_TRIES) {
		/* RFC 2408 §5: an exchange that does not complete is abandoned */
		CNT(ike, E_TIMEOUT);
		ike_sa_destroy(ike, sa, true, "main mode timeout");
		return;
	}
	CNT(ike, RETRANSMITS);
	ike_tx(ike, sa, sa->resp, sa->resp_len);
	lns_timer_arm(ike->tm, &sa->t_rtx, now_ms + ((uint64_t)IKE_RTX_INITIAL_MS << sa->rtx));
}

static void
sa_life_cb(struct lns_timer *t, void *arg, uint64_t now_ms)
{
	struct ike_sa *sa = arg;
	struct lns_ike *ike = sa->ike;

	(void)t;
	ike->now_ms = now_ms;
	CNT(ike, IKE_EXPIRED);
	ike_event(ike, LNS_EV_SA_HARD_EXPIRED, sa->conn, "isakmp sa lifetime %us", sa->life_s);
	/* only the ISAKMP SA: its IPsec SAs keep their own lifetimes (DESIGN.md) */
	ike_send_delete_isakmp(ike, sa);
	ike_sa_end(ike, sa, "isakmp lifetime");
}

struct ike_sa *
ike_sa_new(struct lns_ike *ike, uint32_t peer, uint16_t peer_port, uint16_t local_port,
       const uint8_t icky[8])
{
	struct ike_sa *sa = calloc(1, sizeof(*sa));

	if (sa == NULL)
		return NULL;
	sa->ike = ike;
	memcpy(sa->icky, icky, 8);
	do {
		if (ike_random(sa->rcky, 8) < 0) {
			free(sa);
			return NULL;
		}
	} while (cky_key(sa->rcky) == 0);
	sa->peer = peer;
	sa->peer_port = peer_port;
	sa->local_port = local_port;
	sa->created_ms = sa->last_rx_ms = ike->now_ms;
	sa->conn = ike->next_conn++;
	if (ike->next_conn == 0)
		ike->next_conn = 1;
	lns_timer_init(&sa->t_rtx, sa_rtx_cb, sa);
	lns_timer_init(&sa->t_life, sa_life_cb, sa);
	/* multi maps without a bound of their own (half-open SAs and the rate limit
	 * bound them): these adds cannot fail */
	(void)lns_map_add(&ike->by_cky, &sa->h_cky);
	(void)lns_map_add(&ike->by_conn, &sa->h_conn);
	(void)lns_map_add(&ike->by_peer, &sa->h_peer);
	sa->next = ike->all;
	if (ike->all)
		ike->all->prev = sa;
	ike->all = sa;
	ike->n_sa++;
	ike->n_half_open++;
	return sa;
}

void
ike_sa_established(struct lns_ike *ike, struct ike_sa *sa)
{
	sa->state = IKE_ESTABLISHED;
	ike->n_half_open--;
	/* signed and verified: an old set need not outlive a reload for this SA */
	ike_certs_free(sa->certs);
	sa->certs = NULL;
	lns_timer_cancel(ike->tm, &sa->t_rtx);
	lns_timer_arm(ike->tm, &sa->t_life, ike->now_ms + (uint64_t)sa->life_s * 1000);
	ike_dpd_start(ike, sa);
}

/* Token bucket per source address (hashed): bounds the DH work one source can
 * cause; clients behind one NAT share it, hence the generous burst. */
static bool
rate_ok(struct lns_ike *ike, uint32_t peer)
{
	struct ike_bucket *b = &ike->rl[hmix(peer) & (IKE_RL_BUCKETS - 1)];
	uint64_t add = (ike->now_ms - b->last_ms) * IKE_RL_PER_S;

	if (b->last_ms == 0 || add > IKE_RL_BURST * 1000u)
		b->tokens_milli = IKE_RL_BURST * 1000u;
	else
		b->tokens_milli += (uint32_t)add;
	if (b->tokens_milli > IKE_RL_BURST * 1000u)
		b->tokens_milli = IKE_RL_BURST * 1000u;
	b->last_ms = ike->now_ms ? ike->now_ms : 1;
	if (b->tokens_milli < 1000)
		return false;
	b->tokens_milli -= 1000;
	return true;
}

static struct ike_sa *
sa_lookup(struct lns_ike *ike, const struct ike_hdr *h, uint32_t peer, bool *mm1_dup)
{
	bool r_zero = cky_key(h->rcky) == 0;

	*mm1_dup = false;
	for (struct lns_map_node *n = lns_map_find(&ike->by_cky, h->icky); n;
	     n = lns_map_find_next(&ike->by_cky, n)) {
		struct ike_sa *sa = container_of(n, struct ike_sa, h_cky);

		if (memcmp(sa->icky, h->icky, 8) != 0)
			continue;
		if (r_zero) {
			/* a retransmitted message 1 (RFC 2408 §3.1: CKY-R 0 until answered) */
			if (sa->peer == peer) {
				*mm1_dup = true;
				return sa;
			}
			continue;
		}
		if (memcmp(sa->rcky, h->rcky, 8) == 0)
			return sa;
	}
	return NULL;
}

void
lns_ike_set_conf(struct lns_ike *ike, const struct lns_conf *conf)
{
	/* proposals, PSKs, lifetimes, DPD are read per negotiation or per timer */
	ike->conf = conf;
}

int
lns_ike_certs_load(const struct lns_conf *conf, struct ike_certs **out, char *err,
		   size_t errlen)
{
	*out = NULL;
	if (!conf->ipsec.certs.set)
		return 0;
	*out = ike_certs_load(&conf->ipsec.certs, err, errlen);
	return *out != NULL ? 0 : -1;
}

void
lns_ike_certs_put(struct ike_certs *certs)
{
	ike_certs_free(certs);
}

void
lns_ike_set_certs(struct lns_ike *ike, struct ike_certs *certs)
{
	/* Main Modes in flight hold their own reference (ike_sa.certs) */
	ike_certs_free(ike->certs);
	ike->certs = certs;
}

void
lns_ike_set_drain(struct lns_ike *ike, bool on)
{
	ike->draining = on;
}

/* An established ISAKMP SA with this peer address: its new Main Mode is a phase 1
 * rekey (or a client behind the same NAT), which a drain leaves alone. */
static bool
peer_established(struct lns_ike *ike, uint32_t peer)
{
	for (struct lns_map_node *n = lns_map_find(&ike->by_peer, &peer); n;
	     n = lns_map_find_next(&ike->by_peer, n))
		if (container_of(n, struct ike_sa, h_peer)->state == IKE_ESTABLISHED)
			return true;
	return false;
}

/*
 * Draining: refuse a new Main Mode with an unencrypted informational
 * NO-PROPOSAL-CHOSEN (RFC 2408 §3.14.1), no state kept. Answering, rather than
 * staying silent, lets a client fail at once and try its next gateway (or a fresh
 * DNS answer) instead of retransmitting into silence for a minute or more. The
 * answer (28 + 12 bytes) is smaller than any Main Mode message 1 and comes after
 * the half-open and rate limits, so it cannot amplify a forged source.
 */
static void
drain_refuse(struct lns_ike *ike, const struct ike_hdr *h, uint32_t peer, uint16_t peer_port,
	     uint16_t local_port)
{
	static struct ike_buf m;
	static const uint8_t zero[8];

	CNT(ike, E_DRAINING);
	if (ike_buf_no_proposal(&m, h->icky, zero) < 0)
		return;
	CNT(ike, TX_INFO);
	ike->ops.send(ike->ctx, peer, peer_port, local_port, m.b, m.len);
}

int
lns_ike_input(struct lns_ike *ike, uint32_t peer, uint16_t peer_port, uint16_t local_port,
	      const uint8_t *msg, size_t len, uint64_t now_ms)
{
	struct ike_hdr h;
	struct ike_sa *sa;
	bool mm1_dup;
	int rc;

	ike->now_ms = now_ms;
	ike->in_peer_port = peer_port;
	ike->in_local_port = local_port;
	rc = ike_hdr_parse(msg, len, &h);
	if (rc < 0) {
		if (rc == -EMSGSIZE)
			CNT(ike, E_TRUNCATED);
		else
			CNT(ike, E_MALFORMED);
		return rc;
	}
	len = h.len;   /* anything after the ISAKMP length is not ours */
	if ((h.version >> 4) != 1) {
		/* IKEv2 (major 2) would be dispatched here */
		CNT(ike, E_VERSION);
		return -EPROTONOSUPPORT;
	}
	if (h.np == IKE_PL_FRAG) {
		/* a piece of a bigger message: the whole one comes in once complete */
		uint8_t *whole;
		size_t wl;

		rc = ike_frag_input(ike, peer, peer_port, &h, msg, len, &whole, &wl);
		if (rc <= 0)
			return rc;
		rc = lns_ike_input(ike, peer, peer_port, local_port, whole, wl, now_ms);
		free(whole);
		return rc;
	}
	switch (h.exch) {
	case IKE_EXCH_ID_PROT: CNT(ike, RX_MM); break;
	case IKE_EXCH_QUICK:   CNT(ike, RX_QM); break;
	case IKE_EXCH_INFO:    CNT(ike, RX_INFO); break;
	default:
		/* Aggressive Mode exposes the PSK hash to offline attack: not offered */
		CNT(ike, E_EXCHANGE);
		return -EPROTONOSUPPORT;
	}
	sa = sa_lookup(ike, &h, peer, &mm1_dup);
	if (sa == NULL) {
		if (h.exch != IKE_EXCH_ID_PROT || cky_key(h.rcky) != 0 || h.msgid != 0) {
			CNT(ike, E_UNKNOWN_SA);
			return -ENOENT;
		}
		if (ike->n_half_open >= ike->conf->ipsec.max_half_open) {
			CNT(ike, E_HALF_OPEN);
			return -EBUSY;
		}
		if (!rate_ok(ike, peer)) {
			CNT(ike, E_RATE_LIMITED);
			return -EBUSY;
		}
		if (ike->draining && !peer_established(ike, peer)) {
			drain_refuse(ike, &h, peer, peer_port, local_port);
			return -EPERM;
		}
		sa = ike_sa_new(ike, peer, peer_port, local_port, h.icky);
		if (sa == NULL) {
			CNT(ike, E_NOMEM);
			return -ENOMEM;
		}
		return ike_mm_input(ike, sa, &h, msg, len);
	}
	if (sa->peer != peer) {
		/* ISAKMP SAs are bound to the peer's address; only the port may float */
		CNT(ike, E_UNKNOWN_SA);
		return -ENOENT;
	}
	if (mm1_dup) {
		/* never re-processed: answered again only while message 2 is our last word */
		CNT(ike, DUP_REQUESTS);
		if (sa->state == IKE_MM_R1 && sa->resp) {
			CNT(ike, TX_MM);
			ike_tx(ike, sa, sa->resp, sa->resp_len);
		}
		return 0;
	}
	if (h.exch == IKE_EXCH_ID_PROT)
		return ike_mm_input(ike, sa, &h, msg, len);
	if (h.exch == IKE_EXCH_QUICK)
		return ike_qm_input(ike, sa, &h, msg, len);
	return ike_info_input(ike, sa, &h, msg, len);
}

/* ------------------------------------------------------- disconnect --- */

int
lns_ike_disconnect(struct lns_ike *ike, uint32_t conn, uint64_t now_ms)
{
	struct lns_map_node *n;

	ike->now_ms = now_ms;
	if (lns_map_find(&ike->by_conn, &conn) == NULL)
		return -ENOENT;
	while ((n = lns_map_find(&ike->by_conn, &conn)) != NULL) {
		struct ike_sa *sa = container_of(n, struct ike_sa, h_conn);

		if (sa->state == IKE_ESTABLISHED) {
			/* Delete the IPsec SAs first, then the ISAKMP SA that protects them;
			 * the IPsec SAs of a retired ISAKMP SA go under the live one */
			for (struct lns_map_node *r = n; r;
			     r = lns_map_find_next(&ike->by_conn, r)) {
				struct ike_sa *o = container_of(r, struct ike_sa, h_conn);

				if (o->conn == conn && o->state == IKE_RETIRED)
					children_move(ike, o, sa);
			}
			ike_send_delete_children(ike, sa);
			ike_send_delete_isakmp(ike, sa);
		}
		ike_sa_destroy(ike, sa, false, "disconnect");
	}
	return 0;
}

void
lns_ike_shutdown(struct lns_ike *ike, uint64_t now_ms)
{
	while (ike->all)
		lns_ike_disconnect(ike, ike->all->conn, now_ms);
}

/* ------------------------------------------------------------- views --- */

static const char *
state_name(enum ike_sa_state s)
{
	switch (s) {
	case IKE_MM_R1:       return "MM_R1";
	case IKE_MM_R2:       return "MM_R2";
	case IKE_ESTABLISHED: return "ESTABLISHED";
	case IKE_RETIRED:     return "RETIRED";
	}
	return "?";
}

void
lns_ike_foreach(const struct lns_ike *ike, uint64_t now_ms,
		void (*fn)(const struct lns_ike_sa_info *sa, void *arg), void *arg)
{
	for (const struct ike_sa *sa = ike->all; sa; sa = sa->next) {
		struct lns_ike_sa_info in;
		unsigned int i = 0;

		memset(&in, 0, sizeof(in));
		in.conn = sa->conn;
		in.state = state_name(sa->state);
		in.peer = sa->peer;
		in.peer_port = sa->peer_port;
		in.local_port = sa->local_port;
		memcpy(in.peer_id, sa->peer_id, sizeof(in.peer_id));
		in.ike_alg = sa->alg_name;
		in.nat_peer = sa->nat_peer;
		in.nat_local = sa->nat_local;
		in.age_s = (now_ms - sa->created_ms) / 1000;
		in.n_children = sa->n_children;
		for (const struct ike_child *c = sa->children; c && i < 4; c = c->next, i++) {
			in.spi_in[i] = c->c.spi_in;
			in.spi_out[i] = c->c.spi_out;
			in.esp_alg[i] = c->c.alg;
		}
		fn(&in, arg);
	}
}

void
lns_ike_counters(const struct lns_ike *ike, uint64_t out[LNS_IKE_C_MAX])
{
	memcpy(out, ike->cnt, sizeof(ike->cnt));
}

const char *
lns_ike_counter_name(unsigned int c)
{
	static const char *const names[] = {
#define X(e, s) s,
		LNS_IKE_COUNTERS(X)
#undef X
	};

	return c < LNS_IKE_C_MAX ? names[c] : "?";
}

uint32_t
lns_ike_sa_count(const struct lns_ike *ike, uint32_t *half_open)
{
	if (half_open)
		*half_open = ike->n_half_open;
	return ike->n_sa;
}

void
ike_arm_rtx(struct lns_ike *ike, struct ike_sa *sa)
{
	sa->rtx = 0;
	lns_timer_arm(ike->tm, &sa->t_rtx, ike->now_ms + IKE_RTX_INITIAL_MS);
}
