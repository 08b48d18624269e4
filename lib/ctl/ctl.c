/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control side of the data plane: ARP, ICMP echo, next-hop resolution, punt drain.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_log.h>
#include <rte_ring.h>

#include "lns_ctl.h"
#include "lns_map.h"
#include "lns_u32map.h"

RTE_LOG_REGISTER(lns_logtype_ctl, lns.ctl, INFO);
RTE_LOG_REGISTER(lns_logtype_l2tp, lns.l2tp, INFO);
RTE_LOG_REGISTER(lns_logtype_ppp, lns.ppp, INFO);
RTE_LOG_REGISTER(lns_logtype_ike, lns.ike, INFO);
RTE_LOG_REGISTER(lns_logtype_ipsec, lns.ipsec, INFO);

#define CTL_BURST 64
#define GW_ARP_RETRY_S 1      /* unresolved gateway: ask every second */
#define GW_ARP_REFRESH_S 30   /* resolved gateway: refresh */

/*
 * Neighbours of each port: LNS_NEIGH_SIZE entries in a map keyed by address, the
 * least recently confirmed one replaced when a new neighbour finds them all taken.
 * ARP comes from the wire (only on-link senders are learned, but any of them may
 * lie about its address): the map's keyed hash keeps lookups O(1) whatever they send.
 */
struct neigh_ent {
	struct lns_neigh n;             /* n.ip is the key */
	struct lns_map_node node;
	struct neigh_ent *older, *newer;        /* recency list (or the free list) */
};

struct neigh_tab {
	struct lns_map by_ip;
	struct neigh_ent *oldest, *newest;
	struct neigh_ent *free;
	struct neigh_ent ent[LNS_NEIGH_SIZE];
};

struct lns_ctl_neigh {
	struct neigh_tab tab[LNS_PORT_ROLE_MAX];
};

static int
neigh_init(struct lns_ctl *ctl)
{
	struct lns_ctl_neigh *x = calloc(1, sizeof(*x));

	if (x == NULL)
		return -ENOMEM;
	ctl->neigh = x;
	for (int r = 0; r < LNS_PORT_ROLE_MAX; r++) {
		struct neigh_tab *t = &x->tab[r];
		struct lns_map_params p = {
			.key_len = sizeof(uint32_t),
			.key_off = offsetof(struct neigh_ent, n.ip) -
				   offsetof(struct neigh_ent, node),
			.init = LNS_NEIGH_SIZE, .max = LNS_NEIGH_SIZE,
		};

		if (lns_map_init(&t->by_ip, &p) != 0)
			return -ENOMEM;
		for (uint32_t i = 0; i < LNS_NEIGH_SIZE; i++) {
			t->ent[i].newer = t->free;
			t->free = &t->ent[i];
		}
	}
	return 0;
}

static void
neigh_fini(struct lns_ctl *ctl)
{
	if (ctl->neigh == NULL)
		return;
	for (int r = 0; r < LNS_PORT_ROLE_MAX; r++)
		lns_map_fini(&ctl->neigh->tab[r].by_ip);
	free(ctl->neigh);
	ctl->neigh = NULL;
}

static void
recency_unlink(struct neigh_tab *t, struct neigh_ent *e)
{
	if (e->older != NULL)
		e->older->newer = e->newer;
	else
		t->oldest = e->newer;
	if (e->newer != NULL)
		e->newer->older = e->older;
	else
		t->newest = e->older;
}

static void
recency_append(struct neigh_tab *t, struct neigh_ent *e)
{
	e->newer = NULL;
	e->older = t->newest;
	if (t->newest != NULL)
		t->newest->newer = e;
	else
		t->oldest = e;
	t->newest = e;
}

static struct neigh_ent *
neigh_find(const struct lns_ctl *ctl, enum lns_port_role role, uint32_t ip)
{
	if (ctl->neigh == NULL)
		return NULL;
	return LNS_MAP_ENTRY(lns_map_find(&ctl->neigh->tab[role].by_ip, &ip), struct neigh_ent,
			     node);
}

static void
publish_gw(struct lns_ctl *ctl, enum lns_port_role role, const struct rte_ether_addr *mac)
{
	__atomic_store_n(&ctl->dp->port[role].gw_mac, lns_mac_publish_value(mac),
			 __ATOMIC_RELEASE);
}

static void nh_learned(struct lns_ctl *ctl, uint32_t ip, uint64_t mac);

static void
neigh_learn(struct lns_ctl *ctl, enum lns_port_role role, uint32_t ip,
	    const struct rte_ether_addr *mac)
{
	const struct lns_dp_port *p = &ctl->dp->port[role];
	struct neigh_tab *t;
	struct neigh_ent *e;

	/* Only hosts on the connected subnet are neighbours. */
	if (ip == 0 || (ip & p->mask) != (p->addr & p->mask) || ip == p->addr ||
	    ctl->neigh == NULL)
		return;
	t = &ctl->neigh->tab[role];
	e = neigh_find(ctl, role, ip);
	if (e != NULL) {
		recency_unlink(t, e);
		if (!rte_is_same_ether_addr(&e->n.mac, mac))
			lns_count(ctl->st, LNS_CTR_NEIGH_LEARNED, 1);
	} else {
		if (t->free != NULL) {
			e = t->free;
			t->free = e->newer;
		} else {
			/* all taken: the one confirmed longest ago makes room */
			e = t->oldest;
			recency_unlink(t, e);
			lns_map_del(&t->by_ip, &e->node);
		}
		e->n.ip = ip;
		(void)lns_map_add(&t->by_ip, &e->node);  /* one entry per slot: fits */
		lns_count(ctl->st, LNS_CTR_NEIGH_LEARNED, 1);
	}
	recency_append(t, e);
	e->n.mac = *mac;
	e->n.seen_tsc = rte_get_tsc_cycles();
	if (ip == p->gateway)
		publish_gw(ctl, role, mac);
	if (role == LNS_PORT_ACCESS)     /* the tunnels behind it, and only those */
		nh_learned(ctl, ip, lns_mac_publish_value(mac));
}

const struct lns_neigh *
lns_ctl_neigh_lookup(const struct lns_ctl *ctl, enum lns_port_role role, uint32_t ip)
{
	const struct neigh_ent *e = neigh_find(ctl, role, ip);

	return e != NULL ? &e->n : NULL;
}

void
lns_ctl_tx(struct lns_ctl *ctl, enum lns_port_role role, struct rte_mbuf *m)
{
	const struct lns_dp_port *p = &ctl->dp->port[role];

	if (rte_eth_tx_burst(p->port_id, ctl->dp->ctl_queue, &m, 1) == 1) {
		lns_count(ctl->st, LNS_CTR_CTL_TX, 1);
	} else {
		lns_count_drop(ctl->st, LNS_DROP_CTL_TX_FULL, 1);
		rte_pktmbuf_free(m);
	}
}

static void
send_arp_request(struct lns_ctl *ctl, enum lns_port_role role, uint32_t target)
{
	const struct lns_dp_port *p = &ctl->dp->port[role];
	struct rte_mempool *mp = ctl->dp->pool[rte_eth_dev_socket_id(p->port_id) < 0 ?
					       0 : rte_eth_dev_socket_id(p->port_id)];
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	struct rte_ether_hdr *eth;
	struct rte_arp_hdr *arp;

	if (m == NULL) {
		lns_count_drop(ctl->st, LNS_DROP_NO_MBUF, 1);
		return;
	}
	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m, sizeof(*eth) + sizeof(*arp));
	arp = (struct rte_arp_hdr *)(eth + 1);
	memset(&eth->dst_addr, 0xff, sizeof(eth->dst_addr));
	eth->src_addr = p->mac;
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_ARP);
	arp->arp_hardware = RTE_BE16(RTE_ARP_HRD_ETHER);
	arp->arp_protocol = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	arp->arp_hlen = RTE_ETHER_ADDR_LEN;
	arp->arp_plen = 4;
	arp->arp_opcode = RTE_BE16(RTE_ARP_OP_REQUEST);
	arp->arp_data.arp_sha = p->mac;
	arp->arp_data.arp_sip = p->addr;
	memset(&arp->arp_data.arp_tha, 0, sizeof(arp->arp_data.arp_tha));
	arp->arp_data.arp_tip = target;
	lns_count(ctl->st, LNS_CTR_ARP_REQUEST_OUT, 1);
	lns_ctl_tx(ctl, role, m);
}

uint64_t
lns_ctl_nh_mac(struct lns_ctl *ctl, uint32_t peer)
{
	const struct lns_dp_port *acc = &ctl->dp->port[LNS_PORT_ACCESS];
	uint32_t nh = (peer & acc->mask) == (acc->addr & acc->mask) ? peer : acc->gateway;
	const struct lns_neigh *n;

	if (nh == 0)
		return 0;
	n = lns_ctl_neigh_lookup(ctl, LNS_PORT_ACCESS, nh);
	if (n == NULL) {
		send_arp_request(ctl, LNS_PORT_ACCESS, nh);
		return 0;
	}
	return lns_mac_publish_value(&n->mac);
}

struct rte_mbuf *
lns_ctl_alloc(struct lns_ctl *ctl, enum lns_port_role role)
{
	int sock = rte_eth_dev_socket_id(ctl->dp->port[role].port_id);
	struct rte_mbuf *m = rte_pktmbuf_alloc(ctl->dp->pool[sock < 0 ? 0 : sock]);

	if (m == NULL)
		lns_count_drop(ctl->st, LNS_DROP_NO_MBUF, 1);
	return m;
}

static void
handle_arp(struct lns_ctl *ctl, struct rte_mbuf *m, const struct lns_pkt_meta *meta)
{
	enum lns_port_role role = meta->role;
	const struct lns_dp_port *p = &ctl->dp->port[role];
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_arp_hdr *arp = rte_pktmbuf_mtod_offset(m, struct rte_arp_hdr *, meta->l3_off);
	uint32_t sip = arp->arp_data.arp_sip;

	if (arp->arp_opcode == RTE_BE16(RTE_ARP_OP_REPLY)) {
		lns_count(ctl->st, LNS_CTR_ARP_REPLY_IN, 1);
		if (arp->arp_data.arp_tip == p->addr)
			neigh_learn(ctl, role, sip, &arp->arp_data.arp_sha);
		rte_pktmbuf_free(m);
		return;
	}

	/* A request for our address: learn the asker (RFC 826), answer in place. */
	lns_count(ctl->st, LNS_CTR_ARP_REQUEST_IN, 1);
	neigh_learn(ctl, role, sip, &arp->arp_data.arp_sha);
	arp->arp_opcode = RTE_BE16(RTE_ARP_OP_REPLY);
	arp->arp_data.arp_tha = arp->arp_data.arp_sha;
	arp->arp_data.arp_tip = sip;
	arp->arp_data.arp_sha = p->mac;
	arp->arp_data.arp_sip = p->addr;
	eth->dst_addr = arp->arp_data.arp_tha;
	eth->src_addr = p->mac;
	/* Trim padding and anything past the ARP body. */
	rte_pktmbuf_trim(m, m->pkt_len - (meta->l3_off + sizeof(*arp)));
	lns_count(ctl->st, LNS_CTR_ARP_REPLY_OUT, 1);
	lns_ctl_tx(ctl, role, m);
}

static void
handle_icmp(struct lns_ctl *ctl, struct rte_mbuf *m, const struct lns_pkt_meta *meta)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, meta->l3_off);
	uint32_t ip_len = rte_be_to_cpu_16(ip->total_length);
	uint32_t ihl = meta->l4_off - meta->l3_off;
	struct rte_icmp_hdr *icmp;
	struct rte_ether_addr tmp;
	uint32_t icmp_len, addr;

	/* The classifier checked the IPv4 lengths against the frame (first segment). */
	if (ip_len < ihl + sizeof(*icmp) || m->nb_segs != 1) {
		lns_count_drop(ctl->st, LNS_DROP_ICMP_MALFORMED, 1);
		rte_pktmbuf_free(m);
		return;
	}
	icmp_len = ip_len - ihl;
	icmp = rte_pktmbuf_mtod_offset(m, struct rte_icmp_hdr *, meta->l4_off);
	if (rte_raw_cksum(icmp, icmp_len) != 0xffff) {
		lns_count_drop(ctl->st, LNS_DROP_ICMP_MALFORMED, 1);
		rte_pktmbuf_free(m);
		return;
	}
	if (icmp->icmp_type != RTE_IP_ICMP_ECHO_REQUEST || icmp->icmp_code != 0) {
		lns_count_drop(ctl->st, LNS_DROP_ICMP_IGNORED, 1);
		rte_pktmbuf_free(m);
		return;
	}
	lns_count(ctl->st, LNS_CTR_ICMP_ECHO_IN, 1);

	/* Echo reply in place (RFC 792): swap addresses, type 0, fix checksums. Options
	 * are dropped from the reply's IPv4 header, as most stacks do. */
	icmp->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
	icmp->icmp_cksum = 0;
	icmp->icmp_cksum = (uint16_t)~rte_raw_cksum(icmp, icmp_len);
	if (ihl > sizeof(*ip)) {
		uint32_t extra = ihl - sizeof(*ip);

		/* Slide Ethernet + the fixed IPv4 header over the options. */
		memmove((uint8_t *)eth + extra, eth, meta->l3_off + sizeof(*ip));
		rte_pktmbuf_adj(m, (uint16_t)extra);
		eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
		ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, meta->l3_off);
		ihl = sizeof(*ip);
	}
	addr = ip->src_addr;
	ip->src_addr = ip->dst_addr;
	ip->dst_addr = addr;
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(ihl + icmp_len));
	ip->time_to_live = 64;
	ip->fragment_offset = 0;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	tmp = eth->src_addr;
	eth->src_addr = eth->dst_addr;
	eth->dst_addr = tmp;
	eth->src_addr = ctl->dp->port[meta->role].mac;
	rte_pktmbuf_trim(m, (uint16_t)(m->pkt_len - (meta->l3_off + ihl + icmp_len)));
	lns_count(ctl->st, LNS_CTR_ICMP_ECHO_OUT, 1);
	lns_ctl_tx(ctl, meta->role, m);
}

void
lns_ctl_handle(struct lns_ctl *ctl, struct rte_mbuf *m)
{
	const struct lns_pkt_meta meta = *lns_pkt_meta(m);

	lns_count(ctl->st, LNS_CTR_CTL_RX, 1);
	switch (meta.kind) {
	case LNS_PUNT_ARP:
		handle_arp(ctl, m, &meta);
		break;
	case LNS_PUNT_ICMP:
		handle_icmp(ctl, m, &meta);
		break;
	case LNS_PUNT_L2TP_CTL:
		if (ctl->subs == NULL)
			goto unhandled;
		lns_ctl_sub_l2tp(ctl, m);
		break;
	case LNS_PUNT_PPP_CTL:
		if (ctl->subs == NULL)
			goto unhandled;
		lns_ctl_sub_ppp(ctl, m);
		break;
	case LNS_PUNT_IKE:
		if (ctl->ike == NULL)
			goto unhandled;
		lns_ctl_ike_input(ctl, m);
		break;
	default:
unhandled:
		lns_count_drop(ctl->st, LNS_DROP_PUNT_UNHANDLED, 1);
		rte_pktmbuf_free(m);
		break;
	}
}

static void
run_timers(struct lns_ctl *ctl)
{
	uint64_t now = rte_get_tsc_cycles();

	for (int r = 0; r < LNS_PORT_ROLE_MAX; r++) {
		const struct lns_dp_port *p = &ctl->dp->port[r];
		bool resolved;

		if (p->gateway == 0 || now < ctl->gw_next_arp_tsc[r])
			continue;
		resolved = __atomic_load_n(&p->gw_mac, __ATOMIC_RELAXED) & LNS_GW_MAC_VALID;
		send_arp_request(ctl, r, p->gateway);
		ctl->gw_next_arp_tsc[r] = now + ctl->hz *
			(resolved ? GW_ARP_REFRESH_S : GW_ARP_RETRY_S);
	}
}

/*
 * Tunnels by next hop: one entry per distinct next hop (the peer on the access
 * subnet, else the access gateway), the tunnels using it on a list linked through
 * their ids. An ARP learn publishes the MAC to that next hop's tunnels only; the
 * once-a-second pass walks the distinct next hops (not the 65,535 tunnel ids),
 * asking ARP for the unresolved ones and republishing any whose MAC changed.
 */
struct nh_ent {
	uint32_t ip;            /**< network order */
	uint16_t head;          /**< first tunnel id, 0 = none */
	uint64_t published;     /**< MAC value its tunnels carry, 0 = none yet */
};

struct lns_ctl_nh {
	struct lns_u32map *by_ip;               /**< next hop -> entry index */
	uint32_t n;                             /**< entries [0, n) in use */
	struct nh_ent ent[LNS_TUNNEL_MAX];      /**< at most one per tunnel */
	uint16_t next[LNS_TUNNEL_MAX], prev[LNS_TUNNEL_MAX];   /**< 0 = none */
	uint32_t of[LNS_TUNNEL_MAX];            /**< entry index + 1, 0 = not indexed */
};

static uint32_t
tunnel_nh(const struct lns_ctl *ctl, uint32_t peer)
{
	const struct lns_dp_port *acc = &ctl->dp->port[LNS_PORT_ACCESS];

	return (peer & acc->mask) == (acc->addr & acc->mask) ? peer : acc->gateway;
}

/* Give every tunnel of entry e the MAC value v. */
static void
nh_publish(struct lns_ctl *ctl, struct nh_ent *e, uint64_t v)
{
	struct lns_ctl_nh *x = ctl->nh;

	for (uint16_t id = e->head; id != 0; id = x->next[id]) {
		struct lns_dp_tunnel *t = &ctl->dp->tbl->tun[id];

		if (__atomic_load_n(&t->nh_mac, __ATOMIC_RELAXED) != v)
			__atomic_store_n(&t->nh_mac, v, __ATOMIC_RELEASE);
	}
	e->published = v;
}

static void
nh_learned(struct lns_ctl *ctl, uint32_t ip, uint64_t mac)
{
	uint32_t i;

	if (ctl->nh == NULL)
		return;
	i = lns_u32map_lookup(ctl->nh->by_ip, ip);
	if (i != LNS_U32MAP_NONE)
		nh_publish(ctl, &ctl->nh->ent[i], mac);
}

int
lns_ctl_add_tunnel(struct lns_ctl *ctl, const struct lns_dp_tunnel *t)
{
	struct lns_ctl_nh *x = ctl->nh;
	const struct lns_neigh *n;
	struct nh_ent *e;
	uint32_t nh, i;
	int rc = lns_tables_add_tunnel(ctl->dp->tbl, t);

	if (rc != 0 || x == NULL)
		return rc;
	nh = tunnel_nh(ctl, t->peer);
	if (nh == 0)
		return 0;       /* off-subnet without a gateway: nothing to resolve */
	i = lns_u32map_lookup(x->by_ip, nh);
	if (i == LNS_U32MAP_NONE) {
		i = x->n;
		if (lns_u32map_add(x->by_ip, nh, i) != 0)
			return 0;       /* cannot happen: one entry per tunnel at most */
		x->n++;
		x->ent[i] = (struct nh_ent){ .ip = nh };
	}
	e = &x->ent[i];
	x->prev[t->local_id] = 0;
	x->next[t->local_id] = e->head;
	if (e->head != 0)
		x->prev[e->head] = t->local_id;
	e->head = t->local_id;
	x->of[t->local_id] = i + 1;
	n = lns_ctl_neigh_lookup(ctl, LNS_PORT_ACCESS, nh);
	if (n != NULL)
		nh_publish(ctl, e, lns_mac_publish_value(&n->mac));
	return 0;
}

int
lns_ctl_remove_tunnel(struct lns_ctl *ctl, uint16_t id)
{
	struct lns_ctl_nh *x = ctl->nh;
	int rc = lns_tables_remove_tunnel(ctl->dp->tbl, id);
	uint32_t i, last;

	if (rc != 0 || x == NULL || x->of[id] == 0)
		return rc;
	i = x->of[id] - 1;
	x->of[id] = 0;
	if (x->prev[id] != 0)
		x->next[x->prev[id]] = x->next[id];
	else
		x->ent[i].head = x->next[id];
	if (x->next[id] != 0)
		x->prev[x->next[id]] = x->prev[id];
	x->next[id] = x->prev[id] = 0;
	if (x->ent[i].head != 0)
		return 0;
	/* no tunnel left behind it: drop the entry, the last one takes its place */
	lns_u32map_del(x->by_ip, x->ent[i].ip);
	last = --x->n;
	if (i != last) {
		x->ent[i] = x->ent[last];
		lns_u32map_del(x->by_ip, x->ent[i].ip);
		lns_u32map_add(x->by_ip, x->ent[i].ip, i);
		for (uint16_t t = x->ent[i].head; t != 0; t = x->next[t])
			x->of[t] = i + 1;
	}
	return 0;
}

/* Once a second: ARP for next hops nobody has answered for yet, and republish
 * a next hop whose neighbour entry changed (or was evicted and relearned). */
static void
resolve_tunnels(struct lns_ctl *ctl, uint64_t now)
{
	struct lns_ctl_nh *x = ctl->nh;

	if (x == NULL || now < ctl->resolve_next_tsc)
		return;
	ctl->resolve_next_tsc = now + ctl->hz;
	for (uint32_t i = 0; i < x->n; i++) {
		struct nh_ent *e = &x->ent[i];
		const struct lns_neigh *n = lns_ctl_neigh_lookup(ctl, LNS_PORT_ACCESS, e->ip);
		uint64_t v;

		if (n == NULL) {
			send_arp_request(ctl, LNS_PORT_ACCESS, e->ip);
			continue;
		}
		v = lns_mac_publish_value(&n->mac);
		if (v != e->published)
			nh_publish(ctl, e, v);
	}
}

static int32_t
clear_sa(struct lns_ctl *ctl, uint32_t spi)
{
	struct lns_sad *sad = ctl->dp->sad;
	uint32_t h = lns_sad_lookup(sad, rte_cpu_to_be_32(spi));
	int rc;

	if (h == LNS_SAD_NONE) {
		/* An outbound SPI is not hashed: find it among the live SAs. */
		for (uint32_t i = 0; i < sad->max_sas; i++)
			if (sad->hot[i].state != LNS_SAD_FREE && sad->hot[i].spi == spi) {
				h = i;
				break;
			}
		if (h == LNS_SAD_NONE)
			return -ENOENT;
	}
	rc = lns_sad_drop(sad, h);
	if (rc > 0) {
		lns_count(ctl->st, LNS_CTR_SA_DROPPED_NOW, (uint64_t)rc);
		lns_evlog_add(ctl->dp->evlog, lns_ctl_now_us(ctl), LNS_EV_IPSEC_DISCONNECT,
			      LNS_EV_NONE, LNS_EV_NONE, sad->hot[h].conn,
			      "spi=0x%08x sas=%d reason=admin", spi, rc);
	}
	return rc;
}

static void
run_requests(struct lns_ctl *ctl)
{
	void *p;

	while (rte_ring_dequeue(ctl->dp->req, &p) == 0) {
		struct lns_ctl_req *r = p;

		switch (r->type) {
		case LNS_REQ_CLEAR_SA:
			r->result = clear_sa(ctl, r->arg);
			break;
		case LNS_REQ_SNAP_TUNNELS:
		case LNS_REQ_SNAP_SESSIONS:
		case LNS_REQ_CLEAR_TUNNEL:
		case LNS_REQ_CLEAR_SESSION:
		case LNS_REQ_SNAP_COUNTERS:
		case LNS_REQ_DRAIN:
			r->result = ctl->subs == NULL ? -ENOENT :
				lns_ctl_subs_request(ctl, r->type, r->arg, r->buf, r->buflen);
			break;
		case LNS_REQ_SNAP_RADIUS:
			r->result = r->buflen < sizeof(struct lns_radius_snap) ? -EINVAL :
				lns_ctl_aaa_snap(ctl, (struct lns_radius_snap *)r->buf);
			break;
		default:
			r->result = -EINVAL;
			break;
		}
		lns_ctl_req_done(r);
	}
}

uint64_t
lns_ctl_now_ms(const struct lns_ctl *ctl)
{
	return (rte_get_tsc_cycles() - ctl->dp->start_tsc) * 1000 / ctl->hz;
}

uint64_t
lns_ctl_now_us(const struct lns_ctl *ctl)
{
	uint64_t c = rte_get_tsc_cycles() - ctl->dp->start_tsc;

	return c / ctl->hz * 1000000 + (c % ctl->hz) * 1000000 / ctl->hz;
}

/* The module an event belongs to, so `log.modules` (and `lnsctl set log`) can
 * quieten or open up one protocol's lifecycle lines without the others. */
static int
event_logtype(enum lns_ev ev)
{
	switch (ev) {
	case LNS_EV_PPP_UP:
	case LNS_EV_PPP_DOWN:
	case LNS_EV_AUTH_OK:
	case LNS_EV_AUTH_FAILED:
		return lns_logtype_ppp;
	case LNS_EV_IPSEC_UP:
	case LNS_EV_IKE_DELETE_SENT:
	case LNS_EV_IKE_DELETE_RECEIVED:
		return lns_logtype_ike;
	case LNS_EV_IPSEC_SPENT:
	case LNS_EV_IPSEC_DISCONNECT:
	case LNS_EV_SA_SOFT_EXPIRED:
	case LNS_EV_SA_HARD_EXPIRED:
		return lns_logtype_ipsec;
	case LNS_EV_ADMIN_CLEAR:
	case LNS_EV_ACCT_DROPPED:
	case LNS_EV_RADIUS_SERVER:
	case LNS_EV_DRAIN:
		return lns_logtype_ctl;
	default:
		return lns_logtype_l2tp;
	}
}

/* Every lifecycle event is also one key=value log line (never per packet).
 * Failures are NOTICE, the normal course of a connection INFO. */
static void
event_sink(const struct lns_event *e, void *arg)
{
	const struct lns_ctl *ctl = arg;
	char t[16], s[16], i[16];
	uint32_t level;

	switch (e->ev) {
	case LNS_EV_TUNNEL_REFUSED:
	case LNS_EV_SESSION_REFUSED:
	case LNS_EV_AUTH_FAILED:
	case LNS_EV_SA_HARD_EXPIRED:
	case LNS_EV_ADMIN_CLEAR:
	case LNS_EV_RADIUS_SERVER:
	case LNS_EV_DRAIN:
		level = RTE_LOG_NOTICE;
		break;
	case LNS_EV_ACCT_DROPPED:
		level = RTE_LOG_ERR;
		break;
	default:
		level = RTE_LOG_INFO;
	}
	snprintf(t, sizeof(t), "%u", e->tunnel);
	snprintf(s, sizeof(s), "%u", e->session);
	snprintf(i, sizeof(i), "%u", e->ipsec);
	rte_log(level, event_logtype((enum lns_ev)e->ev),
		"lnsd: event=%s t=%" PRIu64 ".%06" PRIu64 " tunnel=%s session=%s ipsec=%s %s"
		" node=%s\n",
		lns_ev_name(e->ev), e->t_us / 1000000, e->t_us % 1000000,
		e->tunnel == LNS_EV_NONE ? "-" : t, e->session == LNS_EV_NONE ? "-" : s,
		e->ipsec == LNS_EV_NONE ? "-" : i, e->detail, ctl->dp->conf->node.name);
}

/* A byte or time lifetime of an SA passed: soft is an event (the key manager
 * rekeys), hard drops the pair from the data plane now. */
static void
sa_expired(void *arg, uint32_t h, int hard)
{
	struct lns_ctl *ctl = arg;
	struct lns_sad *sad = ctl->dp->sad;
	const struct lns_sad_entry *e = lns_sad_get(sad, h);

	lns_evlog_add(ctl->dp->evlog, lns_ctl_now_us(ctl),
		      hard ? LNS_EV_SA_HARD_EXPIRED : LNS_EV_SA_SOFT_EXPIRED, LNS_EV_NONE,
		      LNS_EV_NONE, e->conn, "spi=0x%08x dir=%s bytes=%" PRIu64, e->spi,
		      e->dir == LNS_ESP_DIR_IN ? "in" : "out", lns_sad_ctr(sad, h, LNS_SAD_BYTES));
	if (hard) {
		int n = lns_sad_drop(sad, h);

		if (n > 0)
			lns_count(ctl->st, LNS_CTR_SA_DROPPED_NOW, (uint64_t)n);
	}
}

#define LIFE_CHECK_MS   10      /* lifetime scan period */
#define LIFE_CHECK_SCAN 4096    /* SA slots looked at per period */

static void
check_lifetimes(struct lns_ctl *ctl)
{
	uint64_t now = rte_get_tsc_cycles();

	if (now < ctl->life_next_tsc)
		return;
	ctl->life_next_tsc = now + ctl->hz * LIFE_CHECK_MS / 1000;
	lns_sad_check_lifetimes(ctl->dp->sad, now, ctl->hz, LIFE_CHECK_SCAN, sa_expired, ctl);
}

void
lns_ctl_fini(struct lns_ctl *ctl)
{
	if (ctl->nh != NULL)
		lns_u32map_free(ctl->nh->by_ip);
	free(ctl->nh);
	ctl->nh = NULL;
	lns_timers_free(ctl->timers);
	ctl->timers = NULL;
	neigh_fini(ctl);
	if (ctl->dp != NULL && ctl->dp->evlog != NULL)
		lns_evlog_set_sink(ctl->dp->evlog, NULL, NULL);
}

int
lns_ctl_init(struct lns_ctl *ctl, struct lns_dp *dp)
{
	memset(ctl, 0, sizeof(*ctl));
	ctl->dp = dp;
	ctl->st = &dp->stats->slot[rte_lcore_id()];
	ctl->hz = rte_get_tsc_hz();
	ctl->lc.txq = dp->ctl_queue;
	ctl->lc.slot = dp->n_workers;
	ctl->lc.mgr = dp->mgr[dp->n_workers];
	ctl->lc.st = ctl->st;
	ctl->lc.frag = dp->frag[dp->n_workers];
	ctl->lc.dr = dp->dr[dp->n_workers];
	ctl->timers = lns_timers_create(1024);
	ctl->nh = calloc(1, sizeof(*ctl->nh));
	if (ctl->nh != NULL) {
		ctl->nh->by_ip = lns_u32map_create(LNS_TUNNEL_MAX, SOCKET_ID_ANY, NULL);
		if (ctl->nh->by_ip == NULL) {
			free(ctl->nh);
			ctl->nh = NULL;
		}
	}
	if (ctl->timers == NULL || ctl->nh == NULL || neigh_init(ctl) != 0) {
		lns_ctl_fini(ctl);
		return -ENOMEM;
	}
	if (dp->evlog != NULL)
		lns_evlog_set_sink(dp->evlog, event_sink, ctl);
	return 0;
}

unsigned int
lns_ctl_poll(struct lns_ctl *ctl)
{
	struct lns_dp *dp = ctl->dp;
	struct rte_mbuf *pkts[CTL_BURST], *punt[CTL_BURST];
	unsigned int work = 0;

	for (uint16_t w = 0; w < dp->n_workers; w++) {
		unsigned int n = rte_ring_dequeue_burst(dp->punt[w], (void **)pkts, CTL_BURST,
							NULL);

		for (unsigned int i = 0; i < n; i++)
			lns_ctl_handle(ctl, pkts[i]);
		work += n;
	}
	for (int r = 0; r < LNS_PORT_ROLE_MAX; r++) {
		const struct lns_dp_port *p = &dp->port[r];
		uint16_t n, np;

		if (!p->ctl_rx)
			continue;
		n = rte_eth_rx_burst(p->port_id, dp->ctl_queue, pkts, CTL_BURST);
		if (n == 0)
			continue;
		lns_dp_rx_burst(dp, r, pkts, n, punt, &np, &ctl->lc);
		for (uint16_t i = 0; i < np; i++)
			lns_ctl_handle(ctl, punt[i]);
		work += n;
	}
	run_timers(ctl);
	work += lns_timers_run(ctl->timers, lns_ctl_now_ms(ctl));
	lns_dp_frag_expire(&ctl->lc);
	resolve_tunnels(ctl, rte_get_tsc_cycles());
	run_requests(ctl);
	lns_ctl_aaa_poll(ctl);          /* AAA hook (ctl_aaa.c) */
	/* A dropped SA stays findable (its packets count as "SA dropped") for the
	 * destruct period, as its tunnel's record does (DESIGN.md lifecycle). */
	lns_sad_reclaim(dp->sad, rte_get_tsc_cycles(),
			(uint64_t)dp->conf->l2tp.defaults.destruct_timeout * ctl->hz);
	lns_tables_reclaim(dp->tbl);
	check_lifetimes(ctl);
	return work;
}
