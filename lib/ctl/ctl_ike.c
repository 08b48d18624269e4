/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IKEv1 on the control lcore: lib/ike bound to the data plane.
 *
 * - IKE packets punted by the workers (UDP 500, and 4500 with the non-ESP marker,
 *   RFC 3948 2.2) go to lns_ike_input(); its messages leave on the control TX
 *   queue of the access port.
 * - A negotiated child becomes an SA pair in the SA table, owned by its IPsec
 *   connection (the IKE SA), with the negotiated lifetimes.
 * - The peer deleting a child drops it from the data plane; the connection going
 *   away (its last SA, DPD, INITIAL-CONTACT) drops every SA of it and ends the
 *   L2TP tunnels over it. A phase-1 renewal keeps the connection id, so its
 *   children are rekeys here.
 * - The lifecycle policy disconnecting a connection (its SAs already dropped) has
 *   IKE send the Deletes: IPsec SAs first, then the ISAKMP SA.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "lns_ctl.h"
#include "lns_hdr.h"
#include "lns_ike.h"
#include "lns_l2tp.h"
#include "lns_map.h"

#define NATT_PORT 4500

static struct lns_ctl *
ctl_of(void *ctx)
{
	return ctx;
}

/* IKE connection -> its newest outbound SA, so that traffic follows a rekeyed child. */
struct conn_out {
	uint32_t conn;
	uint32_t h_out;
	struct lns_map_node node;       /* in conn_out, keyed by conn */
};

struct delayed_delete;

/* The IKE glue's own state: only this file sees inside. */
struct lns_ctl_ike {
	struct lns_ike *ike;            /* the IKEv1 responder (lib/ike) */
	struct delayed_delete *pending; /* Deletes waiting to be sent */
	struct lns_map conn_out;        /* IKE connection -> newest outbound SA */
};

static struct conn_out *
co_find(const struct lns_ctl_ike *ci, uint32_t conn)
{
	if (ci == NULL)
		return NULL;
	return LNS_MAP_ENTRY(lns_map_find(&ci->conn_out, &conn), struct conn_out, node);
}

static void
co_set(struct lns_ctl_ike *ci, uint32_t conn, uint32_t h_out)
{
	struct conn_out *c = co_find(ci, conn);

	if (c != NULL) {
		c->h_out = h_out;
		return;
	}
	if (ci == NULL || (c = malloc(sizeof(*c))) == NULL)
		return;         /* only rekeys need it: traffic stays on the old child */
	c->conn = conn;
	c->h_out = h_out;
	if (lns_map_add(&ci->conn_out, &c->node) != 0)
		free(c);        /* cannot happen: sized for max-sas connections */
}

static void
co_del(struct lns_ctl_ike *ci, uint32_t conn)
{
	struct conn_out *c = co_find(ci, conn);

	if (c != NULL) {
		lns_map_del(&ci->conn_out, &c->node);
		free(c);
	}
}

static int
co_free(struct lns_map_node *n, void *arg)
{
	lns_map_del(arg, n);
	free(LNS_MAP_ENTRY(n, struct conn_out, node));
	return 0;
}

uint32_t
lns_ctl_conn_sa_out(const struct lns_ctl *ctl, uint32_t conn)
{
	const struct conn_out *c;

	if (ctl->ike == NULL || !(conn & LNS_CONN_IKE))
		return LNS_SAD_NONE;
	c = co_find(ctl->ike, conn);
	return c != NULL ? c->h_out : LNS_SAD_NONE;
}

/* A rekey: the connection's tunnels send with the new child from now on (their
 * inbound check is by connection, so the new inbound SA is accepted already). */
static void
rekeyed(struct lns_ctl *ctl, uint32_t conn, uint32_t h_out)
{
	const struct lns_l2tp *l = lns_ctl_l2tp(ctl);
	struct lns_l2tp_tunnel_info ti;
	uint32_t after = 0;

	if (l == NULL)
		return;
	/* Rare (once per lifetime per connection): a walk over the tunnels. */
	while (lns_l2tp_tunnel_next(l, after, &ti) == 0) {
		after = ti.local_id;
		if (ti.peer.conn == conn)
			__atomic_store_n(&ctl->dp->tbl->tun[ti.local_id].sa_out, h_out,
					 __ATOMIC_RELEASE);
	}
}

static void
ike_send(void *ctx, uint32_t peer, uint16_t peer_port, uint16_t local_port,
	 const uint8_t *msg, size_t len)
{
	struct lns_ctl *ctl = ctl_of(ctx);
	const struct lns_dp_port *acc = &ctl->dp->port[LNS_PORT_ACCESS];
	size_t marker = local_port == NATT_PORT ? 4 : 0;
	struct rte_mbuf *m;
	uint8_t *p;
	uint64_t nh;

	nh = lns_ctl_nh_mac(ctl, peer);
	if (nh == 0) {
		lns_count_drop(ctl->st, LNS_DROP_CTL_NEXTHOP, 1);  /* IKE retransmits */
		return;
	}
	m = lns_ctl_alloc(ctl, LNS_PORT_ACCESS);
	if (m == NULL)
		return;
	if (marker + len > UINT16_MAX ||
	    (p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(marker + len))) == NULL ||
	    put_udp(m, rte_cpu_to_be_16(local_port), rte_cpu_to_be_16(peer_port)) == NULL ||
	    put_ipv4(m, acc->addr, peer, IPPROTO_UDP) == NULL ||
	    rte_pktmbuf_headroom(m) < sizeof(struct rte_ether_hdr)) {
		/* Larger than one mbuf: IKEv1 with PSKs stays far below (no certs). */
		lns_count_drop(ctl->st, LNS_DROP_CTL_MSG_TOO_BIG, 1);
		rte_pktmbuf_free(m);
		return;
	}
	memset(p, 0, marker);           /* non-ESP marker (RFC 3948 2.2) */
	memcpy(p + marker, msg, len);
	put_eth(m, nh, &acc->mac);
	lns_ctl_tx(ctl, LNS_PORT_ACCESS, m);
}

static int
ike_child_up(void *ctx, const struct lns_ike_child *c)
{
	struct lns_ctl *ctl = ctl_of(ctx);
	const struct lns_conf *conf = ctl->dp->conf;
	struct lns_esp_sa_params in = { 0 }, out = { 0 };
	struct lns_sad_peer peer = { 0 };
	uint32_t conn = c->conn | LNS_CONN_IKE, hi, ho;
	int rc;

	in.spi = c->spi_in;
	in.dir = LNS_ESP_DIR_IN;
	in.mode = c->mode == LNS_MODE_TUNNEL ? LNS_ESP_MODE_TUNNEL : LNS_ESP_MODE_TRANSPORT;
	lns_ctl_esp_algo(c->alg, &in);
	in.enc_key = c->key_in;
	in.enc_key_len = c->key_len;
	in.auth_key = c->auth_len != 0 ? c->auth_in : NULL;
	in.auth_key_len = c->auth_len;
	in.replay_win = conf->ipsec.replay_window;
	out = in;
	out.spi = c->spi_out;
	out.dir = LNS_ESP_DIR_OUT;
	out.enc_key = c->key_out;
	out.auth_key = c->auth_len != 0 ? c->auth_out : NULL;
	out.replay_win = 0;
	peer.addr = c->peer;
	peer.udp_encap = c->udp_encap;
	peer.peer_port = c->peer_port;
	peer.local_port = c->local_port;
	/* Tunnel mode: the inner header carries the selectors lib/ike accepted, which
	 * behind a NAT are not the outer addresses. */
	peer.inner_peer = c->inner_peer != 0 ? c->inner_peer : c->peer;
	peer.inner_local = c->inner_local != 0 ? c->inner_local :
			   ctl->dp->port[LNS_PORT_ACCESS].addr;
	rc = lns_sad_add_pair(ctl->dp->sad, ctl->dp->mgr[ctl->dp->n_workers], conn, &in, &out,
			      &peer, &hi, &ho);
	if (rc != 0)
		return rc;
	lns_sad_set_lifetime(ctl->dp->sad, hi, c->life_s, c->life_kb * 1024);
	lns_sad_set_lifetime(ctl->dp->sad, ho, c->life_s, c->life_kb * 1024);
	if (co_find(ctl->ike, conn) != NULL)
		rekeyed(ctl, conn, ho);
	co_set(ctl->ike, conn, ho);
	return 0;       /* lib/ike logs ipsec-up for the child once it is installed */
}

static void
ike_child_down(void *ctx, uint32_t conn, uint32_t spi_in)
{
	struct lns_ctl *ctl = ctl_of(ctx);
	uint32_t h = lns_sad_lookup(ctl->dp->sad, rte_cpu_to_be_32(spi_in));
	int n;

	if (h == LNS_SAD_NONE)
		return;
	/* lib/ike logged why (ike-delete-received, sa-hard-expired) */
	(void)conn;
	n = lns_sad_drop(ctl->dp->sad, h);
	if (n > 0)
		lns_count(ctl->st, LNS_CTR_SA_DROPPED_NOW, (uint64_t)n);
}

static void
ike_conn_up(void *ctx, uint32_t conn, uint32_t peer, const char *peer_id)
{
	struct lns_ctl *ctl = ctl_of(ctx);
	const uint8_t *b = (const uint8_t *)&peer;

	lns_evlog_add(ctl->dp->evlog, lns_ctl_now_us(ctl), LNS_EV_IPSEC_UP, LNS_EV_NONE,
		      LNS_EV_NONE, conn | LNS_CONN_IKE, "ike peer=%u.%u.%u.%u id=%s",
		      b[0], b[1], b[2], b[3], peer_id != NULL ? peer_id : "");
}

static void
ike_conn_down(void *ctx, uint32_t conn, const char *why)
{
	struct lns_ctl *ctl = ctl_of(ctx);
	uint32_t c = conn | LNS_CONN_IKE;
	int n = lns_sad_drop_conn(ctl->dp->sad, c);

	co_del(ctl->ike, c);
	if (n > 0)
		lns_count(ctl->st, LNS_CTR_SA_DROPPED_NOW, (uint64_t)n);
	lns_evlog_add(ctl->dp->evlog, lns_ctl_now_us(ctl), LNS_EV_IPSEC_DISCONNECT, LNS_EV_NONE,
		      LNS_EV_NONE, c, "by=ike sas=%d %s", n, why != NULL ? why : "");
	/* Its tunnels can no longer talk: they end now, not at their hello timeout. */
	if (lns_ctl_l2tp_rw(ctl) != NULL)
		lns_l2tp_conn_gone(lns_ctl_l2tp_rw(ctl), c, lns_ctl_now_ms(ctl));
}

/* A phase-1 renewal continues the connection unless the lifecycle policy has
 * spent or disconnected it: then the new ISAKMP SA starts a fresh connection. */
struct delayed_delete;
static bool delete_pending(const struct lns_ctl *ctl, uint32_t conn);

static bool
ike_may_continue(void *ctx, uint32_t conn)
{
	struct lns_ctl *ctl = ctl_of(ctx);
	const struct lns_l2tp *l = lns_ctl_l2tp(ctl);

	/* disconnected by the policy, its Deletes still to be sent: the L2TP side
	 * may have forgotten it already */
	if (delete_pending(ctl, conn))
		return false;
	return l == NULL || lns_l2tp_conn_continuable(l, conn | LNS_CONN_IKE);
}

static const struct lns_ike_ops ike_ops = {
	.send = ike_send,
	.child_up = ike_child_up,
	.child_down = ike_child_down,
	.conn_up = ike_conn_up,
	.conn_down = ike_conn_down,
	.may_continue = ike_may_continue,
};

/* How long the IKE Deletes wait behind the data-plane drop (see policy_disconnect). */
#define LNS_IKE_DELETE_DELAY_MS 200

struct delayed_delete {
	struct lns_timer t;
	struct lns_ctl *ctl;
	uint32_t conn;          /* lib/ike's id */
	struct delayed_delete *next;   /* pending ones, freed at exit if still there */
};

static bool
delete_pending(const struct lns_ctl *ctl, uint32_t conn)
{
	/* a few at most: those disconnected in the last LNS_IKE_DELETE_DELAY_MS */
	for (const struct delayed_delete *dd = ctl->ike->pending; dd != NULL; dd = dd->next)
		if (dd->conn == conn)
			return true;
	return false;
}

static void
delete_now(struct lns_timer *t, void *arg, uint64_t now)
{
	struct delayed_delete *dd = arg, **pp;

	(void)t;
	for (pp = &dd->ctl->ike->pending; *pp != NULL; pp = &(*pp)->next)
		if (*pp == dd) {
			*pp = dd->next;
			break;
		}
	lns_ike_disconnect(dd->ctl->ike->ike, dd->conn, now);
	free(dd);
}

/* Policy disconnect (the SAs are dropped already): IKE sends the Deletes, IPsec
 * SAs first, and logs one ike-delete-sent per SA (the policy logged the reason). */
void
lns_ctl_ike_disconnect(struct lns_ctl *ctl, uint32_t conn, const char *why)
{
	struct delayed_delete *dd;

	(void)why;
	if (!(conn & LNS_CONN_IKE) || ctl->ike == NULL)
		return;          /* a static SA pair: nobody to tell */
	co_del(ctl->ike, conn);
	/* The SAs left the data plane already (step 1). What we sent under them just
	 * before (the ZLB that acknowledges the peer's StopCCN) may still be on its
	 * way through the peer's ESP stack, which drops it if our Delete overtakes it
	 * (strongSwan's libipsec does); the peer then retransmits its StopCCN into a
	 * dead SA and keeps a stale tunnel. So the Deletes (step 2) follow shortly. */
	dd = calloc(1, sizeof(*dd));
	if (dd == NULL) {
		lns_ike_disconnect(ctl->ike->ike, conn & ~LNS_CONN_IKE, lns_ctl_now_ms(ctl));
		return;
	}
	dd->ctl = ctl;
	dd->conn = conn & ~LNS_CONN_IKE;
	dd->next = ctl->ike->pending;
	ctl->ike->pending = dd;
	lns_timer_init(&dd->t, delete_now, dd);
	if (lns_timer_arm(ctl->timers, &dd->t, lns_ctl_now_ms(ctl) + LNS_IKE_DELETE_DELAY_MS) != 0)
		delete_now(&dd->t, dd, lns_ctl_now_ms(ctl));
}

void
lns_ctl_ike_input(struct lns_ctl *ctl, struct rte_mbuf *m)
{
	const struct lns_pkt_meta *meta = lns_pkt_meta(m);
	const struct rte_ipv4_hdr *ip =
		rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, meta->l3_off);
	const struct rte_udp_hdr *u =
		rte_pktmbuf_mtod_offset(m, const struct rte_udp_hdr *, meta->l4_off);
	uint32_t ulen = rte_be_to_cpu_16(u->dgram_len), skip = sizeof(*u);
	uint16_t dport = rte_be_to_cpu_16(u->dst_port);

	/* The classifier checked the UDP length against the IPv4 length and, on
	 * 4500, the marker; only a single-segment frame is read. */
	if (dport == NATT_PORT)
		skip += 4;
	if (m->nb_segs != 1 || (uint32_t)meta->l4_off + ulen > m->data_len || ulen < skip) {
		lns_count_drop(ctl->st, LNS_DROP_IKE_TRUNCATED, 1);
	} else {
		lns_ike_input(ctl->ike->ike, ip->src_addr, rte_be_to_cpu_16(u->src_port), dport,
			      (const uint8_t *)u + skip, ulen - skip, lns_ctl_now_ms(ctl));
	}
	rte_pktmbuf_free(m);
}

void
lns_ctl_ike_counters(const struct lns_ctl *ctl, struct lns_ctl_counters *c)
{
	uint64_t ike[LNS_IKE_C_MAX];

	RTE_BUILD_BUG_ON(LNS_IKE_C_MAX > LNS_CTL_NCTR);
	if (ctl->ike == NULL)
		return;
	lns_ike_counters(ctl->ike->ike, ike);
	c->n_ike = LNS_IKE_C_MAX;
	memcpy(c->ike, ike, sizeof(ike));
	c->ike_sas = lns_ike_sa_count(ctl->ike->ike, &c->ike_half_open);
}

void
lns_ctl_ike_set_drain(struct lns_ctl *ctl, bool on)
{
	if (ctl->ike != NULL)
		lns_ike_set_drain(ctl->ike->ike, on);
}

int
lns_ctl_ike_init(struct lns_ctl *ctl, char *err, size_t errlen)
{
	struct lns_ctl_ike *ci = calloc(1, sizeof(*ci));
	struct lns_map_params p = {
		.key_len = sizeof(uint32_t),
		.key_off = offsetof(struct conn_out, conn) - offsetof(struct conn_out, node),
		.init = 64,
		.max = ctl->dp->sad->max_sas,   /* at most max-sas/2 connections live */
	};

	if (ci == NULL || lns_map_init(&ci->conn_out, &p) != 0)
		goto nomem;
	ci->ike = lns_ike_create(ctl->dp->conf, &ike_ops, ctl, ctl->timers, ctl->dp->evlog);
	if (ci->ike == NULL)
		goto nomem;
	/* lib/ike's events name the connection as the SA table and L2TP do */
	lns_ike_set_event_conn_tag(ci->ike, LNS_CONN_IKE);
	lns_ike_set_drain(ci->ike, ctl->dp->conf->node.drain);
	ctl->ike = ci;
	return 0;
nomem:
	if (ci != NULL) {
		lns_ike_free(ci->ike);
		lns_map_fini(&ci->conn_out);
		free(ci);
	}
	snprintf(err, errlen, "cannot start the IKE responder (out of memory)");
	return -ENOMEM;
}

void
lns_ctl_ike_set_conf(struct lns_ctl *ctl, const struct lns_conf *conf)
{
	if (ctl->ike != NULL && ctl->ike->ike != NULL)
		lns_ike_set_conf(ctl->ike->ike, conf);
}

int
lns_ctl_ike_certs_plan(struct lns_ctl *ctl, const struct lns_conf *old,
		       const struct lns_conf *nc, struct lns_ctl_certs_plan *pl, char *err,
		       size_t errlen)
{
	char e[LNS_CONF_ERR_MAX];

	memset(pl, 0, sizeof(*pl));
	if (ctl->ike == NULL || ctl->ike->ike == NULL ||
	    !lns_conf_certs_differ(&old->ipsec.certs, &nc->ipsec.certs))
		return 0;
	/* lib/conf read and checked these files a moment ago; this reads them for use */
	if (lns_ike_certs_load(nc, &pl->certs, e, sizeof(e)) != 0) {
		snprintf(err, errlen, "ipsec.certificates: %s", e);
		return -1;
	}
	pl->swap = true;
	return 0;
}

void
lns_ctl_ike_certs_commit(struct lns_ctl *ctl, struct lns_ctl_certs_plan *pl)
{
	if (pl->swap)
		lns_ike_set_certs(ctl->ike->ike, pl->certs);
	memset(pl, 0, sizeof(*pl));
}

void
lns_ctl_ike_certs_abort(struct lns_ctl_certs_plan *pl)
{
	lns_ike_certs_put(pl->certs);
	memset(pl, 0, sizeof(*pl));
}

void
lns_ctl_ike_shutdown(struct lns_ctl *ctl)
{
	if (ctl->ike != NULL)
		lns_ike_shutdown(ctl->ike->ike, lns_ctl_now_ms(ctl));
}

void
lns_ctl_ike_fini(struct lns_ctl *ctl)
{
	struct lns_ctl_ike *ci = ctl->ike;

	if (ci == NULL)
		return;
	while (ci->pending != NULL) {
		struct delayed_delete *dd = ci->pending;

		ci->pending = dd->next;
		lns_timer_cancel(ctl->timers, &dd->t);
		free(dd);
	}
	/* lib/ike may still report connections down while it is freed: with the glue
	 * detached first, no Delete is scheduled for them (lnsd is stopping). */
	ctl->ike = NULL;
	lns_ike_free(ci->ike);
	lns_map_walk(&ci->conn_out, co_free, &ci->conn_out);
	lns_map_fini(&ci->conn_out);
	free(ci);
}
