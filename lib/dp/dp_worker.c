/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Data path: the worker loop and the packet pipeline it shares with the control
 * lcore's RX queue. No logging, no syscalls, no locks; every packet that is not
 * passed on is counted under a drop reason.
 *
 * Upstream (access -> core): ESP (plain or NAT-T) -> SA lookup and state -> decrypt
 * and verify (one IPsec-MB burst) -> [tunnel mode: inner IPv4] -> UDP 1701 -> L2TP
 * data -> session, which must belong to a tunnel bound to this SA -> PPP -> IPv4
 * whose source is the session's address -> TTL -> core next hop.
 * Downstream (core -> access): IPv4 destination -> session -> PPP + L2TP + UDP ->
 * ESP as the tunnel's outbound SA says (one burst) -> outer headers -> peer.
 */
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_ip_frag.h>
#include <rte_prefetch.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>
#include <rte_udp.h>

#include "lns_dp.h"
#include "lns_hdr.h"
#include "lns_l2tp_data.h"
#include "lns_mss.h"

#define LNS_MAX_BURST 256
#define PREFETCH_AHEAD 3
#define L2TP_PPP_HDR_LEN 10   /* L2TP without options + ff 03 00 21 */

RTE_DEFINE_PER_LCORE(uint16_t, lns_ip_id);   /* lns_hdr.h */

/*
 * Packet trace (lns_trace.h). Each burst reads lns_dp.trace_on once into this
 * lcore's flag; with tracing off every hook below is that flag's one predictable
 * branch. With it on, a packet picked at classify carries its trace number in
 * its metadata and each stage records what it decided.
 */
static RTE_DEFINE_PER_LCORE(uint8_t, lns_tr);
static RTE_DEFINE_PER_LCORE(struct lns_trace *, lns_tr_t);

static inline bool
tr_on(void)
{
	return unlikely(RTE_PER_LCORE(lns_tr) != 0);
}

static inline void
tr_burst(const struct lns_dp *dp)
{
	RTE_PER_LCORE(lns_tr) = (uint8_t)__atomic_load_n(&dp->trace_on, __ATOMIC_ACQUIRE);
	RTE_PER_LCORE(lns_tr_t) = dp->trace;
}

/* Record stage's decision about m (traced packets only; call under tr_on()). */
static void
tr_rec(const struct lns_dp_lctx *lc, struct rte_mbuf *m, uint8_t stage, uint8_t decision,
       uint16_t reason, uint16_t tunnel, uint32_t session)
{
	const struct lns_pkt_meta *meta = lns_pkt_meta(m);

	if (meta->trace_pkt == 0 || RTE_PER_LCORE(lns_tr_t) == NULL)
		return;
	lns_trace_add(RTE_PER_LCORE(lns_tr_t), lc->slot, meta->trace_pkt, meta->role, stage,
		      decision, reason, meta->sa, tunnel, session);
}

/* Classify's verdict about a packet of this burst: pick it or not, and record. */
static void
tr_classify(const struct lns_dp *dp, const struct lns_dp_lctx *lc, struct rte_mbuf *m,
	    unsigned int role, enum lns_verdict v)
{
	struct lns_pkt_meta *meta = lns_pkt_meta(m);
	struct lns_trace *t = dp->trace;
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	static const uint8_t decision[] = {
		[LNS_V_DROP] = LNS_TD_DROP, [LNS_V_PUNT] = LNS_TD_PUNT, [LNS_V_ESP] = LNS_TD_PASS,
		[LNS_V_L2TP] = LNS_TD_PASS, [LNS_V_DOWN] = LNS_TD_PASS, [LNS_V_FRAG] = LNS_TD_PASS,
	};

	meta->trace_pkt = 0;
	if (t == NULL || __atomic_load_n(&t->budget, __ATOMIC_RELAXED) <= 0)
		return;
	if (t->f.port != 0xff && t->f.port != role)
		return;
	if (t->f.peer != 0) {
		const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(p + 14);

		if (m->data_len < 34 || ((const struct rte_ether_hdr *)p)->ether_type !=
		    RTE_BE16(RTE_ETHER_TYPE_IPV4) ||
		    (role == LNS_PORT_ACCESS ? ip->src_addr : ip->dst_addr) != t->f.peer)
			return;
	}
	if (t->f.spi != 0) {
		rte_be32_t spi;

		if (v != LNS_V_ESP)
			return;
		memcpy(&spi, p + meta->esp_off, 4);
		if (rte_be_to_cpu_32(spi) != t->f.spi)
			return;
	}
	if (__atomic_sub_fetch(&t->budget, 1, __ATOMIC_RELAXED) < 0)
		return;
	meta->trace_pkt = __atomic_add_fetch(&t->pkt_next, 1, __ATOMIC_RELAXED);
	meta->role = (uint8_t)role;
	if (v != LNS_V_DROP)            /* drops are recorded where they are counted */
		lns_trace_add(t, lc->slot, meta->trace_pkt, (uint8_t)role, LNS_STAGE_CLASSIFY,
			      decision[v], 0, LNS_SAD_NONE, 0, UINT32_MAX);
}

/* ICMP errors are rate-limited per lcore (RFC 1812 4.3.2.8): a token bucket of
 * ICMP_BURST refilled at ICMP_RATE per second. */
#define ICMP_RATE  100
#define ICMP_BURST 20
struct icmp_bucket {
	uint64_t last_tsc;
	uint32_t tokens;
};
RTE_DEFINE_PER_LCORE(struct icmp_bucket, lns_icmp_bucket);

static inline int
icmp_allowed(void)
{
	struct icmp_bucket *b = &RTE_PER_LCORE(lns_icmp_bucket);
	uint64_t now = rte_rdtsc(), per = rte_get_tsc_hz() / ICMP_RATE;
	uint64_t add = per != 0 ? (now - b->last_tsc) / per : ICMP_BURST;

	if (add > 0) {
		b->tokens = (uint32_t)RTE_MIN((uint64_t)ICMP_BURST, b->tokens + add);
		b->last_tsc = now;
	}
	if (b->tokens == 0)
		return 0;
	b->tokens--;
	return 1;
}

/* A run of packets of one tunnel in one direction, counted with one add. */
struct tun_run {
	uint32_t tunnel;        /* UINT32_MAX = no run */
	uint32_t pkts;
	uint64_t bytes;
};

/* What one burst produces besides drops. */
struct burst_out {
	struct rte_mbuf **punt;
	uint16_t np;
	uint16_t ntx[LNS_PORT_ROLE_MAX];
	struct tun_run run[2];  /* [0] upstream, [1] downstream */
	uint16_t nd;
	uint8_t why[LNS_MAX_BURST];                     /* enum lns_drop of drop[i] */
	struct rte_mbuf *drop[LNS_MAX_BURST];           /* at most one per packet in */
	struct rte_mbuf *tx[LNS_PORT_ROLE_MAX][LNS_MAX_BURST];
};

static inline void
run_flush(const struct lns_dp *dp, struct burst_out *o, int down, uint16_t slot)
{
	struct tun_run *r = &o->run[down];

	if (r->pkts != 0)
		lns_tables_tun_count(dp->tbl, slot, (uint16_t)r->tunnel, r->pkts, r->bytes, down);
	r->tunnel = UINT32_MAX;
	r->pkts = 0;
	r->bytes = 0;
}

/* Count a packet of a tunnel; clients' packets tend to come in runs (RSS keeps a
 * client on one worker), so most packets cost a compare and two register adds. */
static inline void
run_count(const struct lns_dp *dp, struct burst_out *o, int down, uint16_t slot,
	  uint16_t tunnel, uint32_t bytes)
{
	struct tun_run *r = &o->run[down];

	if (r->tunnel != tunnel) {
		run_flush(dp, o, down, slot);
		r->tunnel = tunnel;
	}
	r->pkts++;
	r->bytes += bytes;
}

/* A drop outside a burst (lns_dp_send_l2tp): counted and freed now. */
static inline void
drop_pkt(const struct lns_dp_lctx *lc, struct rte_mbuf *m, enum lns_drop why)
{
	lns_count_drop(lc->st, why, 1);
	if (tr_on())
		tr_rec(lc, m, (uint8_t)lns_trace_stage_of_drop(why), LNS_TD_DROP, (uint16_t)why,
		       lns_pkt_meta(m)->tunnel, UINT32_MAX);
	rte_pktmbuf_free(m);
}

/* A drop in a burst: traced now, counted and freed with the burst's others. */
static inline void
drop(struct burst_out *o, const struct lns_dp_lctx *lc, struct rte_mbuf *m, enum lns_drop why)
{
	if (tr_on())
		tr_rec(lc, m, (uint8_t)lns_trace_stage_of_drop(why), LNS_TD_DROP, (uint16_t)why,
		       lns_pkt_meta(m)->tunnel, UINT32_MAX);
	o->why[o->nd] = (uint8_t)why;
	o->drop[o->nd++] = m;
}

/* The burst's drops: one add per run of one reason, one bulk free. */
static inline void
drops_flush(struct burst_out *o, const struct lns_dp_lctx *lc)
{
	uint16_t n = o->nd;
	uint32_t c = 1;
	uint8_t r;

	if (n == 0)
		return;
	r = o->why[0];
	for (uint16_t i = 1; i < n; i++) {
		if (o->why[i] == r) {
			c++;
			continue;
		}
		lns_count_drop(lc->st, (enum lns_drop)r, c);
		r = o->why[i];
		c = 1;
	}
	lns_count_drop(lc->st, (enum lns_drop)r, c);
	rte_pktmbuf_free_bulk(o->drop, n);
	o->nd = 0;
}

static inline void
punt_pkt(struct burst_out *o, struct rte_mbuf *m, uint8_t kind)
{
	lns_pkt_meta(m)->kind = kind;
	o->punt[o->np++] = m;
}

static inline int
mac_valid(uint64_t v)
{
	return (v & LNS_GW_MAC_VALID) != 0;
}

/* TTL decrement with an incremental checksum update (RFC 1624). */
static inline void
ttl_dec(struct rte_ipv4_hdr *ip)
{
	uint32_t sum = ip->hdr_checksum + RTE_BE16(0x0100);

	ip->time_to_live--;
	ip->hdr_checksum = (uint16_t)(sum + (sum >> 16));
}

/* Validate an IPv4 header at the start of m (data path: inner packets). */
static inline int
check_ipv4(const struct rte_mbuf *m, enum lns_drop *why)
{
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
	uint32_t ihl, tot;

	if (m->data_len < sizeof(*ip)) {
		*why = LNS_DROP_UP_TRUNCATED;
		return -1;
	}
	ihl = (uint32_t)(ip->version_ihl & 0x0f) * 4;
	tot = rte_be_to_cpu_16(ip->total_length);
	if ((ip->version_ihl >> 4) != 4 || ihl < sizeof(*ip) || tot < ihl) {
		*why = LNS_DROP_UP_BAD_HEADER;
		return -1;
	}
	if (tot > m->data_len) {
		*why = LNS_DROP_UP_TRUNCATED;
		return -1;
	}
	if (!lns_ipv4_cksum_ok(ip, ihl)) {
		*why = LNS_DROP_UP_BAD_CKSUM;
		return -1;
	}
	return 0;
}

/*
 * Rate-limit policy of session h in direction dir (0 up, 1 down): true when the
 * packet is over it (counted on the session); a packet its policy marks gets
 * the DSCP here (counted). Sessions without a policy pay one well-predicted
 * branch.
 */
static inline bool
police(const struct lns_dp *dp, const struct lns_dp_session *s, uint32_t h, int dir,
       struct rte_ipv4_hdr *ip, uint16_t len, const struct lns_dp_lctx *lc)
{
	uint16_t pol = __atomic_load_n(&s->policy, __ATOMIC_ACQUIRE);
	int v;

	if (likely(pol == 0))
		return false;
	v = lns_tables_police(dp->tbl, lc->slot, h, pol, dir, len);
	if (likely(v == LNS_POLICE_PASS))
		return false;
	if (v == LNS_POLICE_MARK) {
		lns_ipv4_set_dscp(ip, __atomic_load_n(&dp->tbl->pol, __ATOMIC_ACQUIRE)[pol].tos_dscp);
		lns_count(lc->st, LNS_CTR_POLICER_MARKED, 1);
		return false;
	}
	lns_tables_count(dp->tbl, lc->slot, h, dir ? LNS_SC_POLICER_DOWN : LNS_SC_POLICER_UP, 1);
	return true;
}

/*
 * lib/esp's statuses, one drop reason each. A status added to LNS_ESP_STATUSES
 * fails the build here until it is given a reason in the stage that can see it.
 */
_Static_assert(LNS_ESP_STATUS_MAX == 17, "map the new lib/esp status in esp_in/out_reason");
static const uint8_t esp_in_reason[LNS_ESP_STATUS_MAX] = {
	[LNS_ESP_SA_EXPIRED]   = LNS_DROP_ESP_SA_EXPIRED,
	[LNS_ESP_SA_DIR]       = LNS_DROP_ESP_SA_DIR,
	[LNS_ESP_MULTISEG]     = LNS_DROP_ESP_MULTISEG,
	[LNS_ESP_TRUNCATED]    = LNS_DROP_ESP_TRUNCATED,
	[LNS_ESP_BAD_LEN]      = LNS_DROP_ESP_BAD_LEN,
	[LNS_ESP_SPI_MISMATCH] = LNS_DROP_ESP_SPI_MISMATCH,
	[LNS_ESP_REPLAY]       = LNS_DROP_ESP_REPLAY,
	[LNS_ESP_REPLAY_OLD]   = LNS_DROP_ESP_REPLAY_OLD,
	[LNS_ESP_ICV]          = LNS_DROP_ESP_ICV,
	[LNS_ESP_BAD_PAD_LEN]  = LNS_DROP_ESP_BAD_PAD_LEN,
	[LNS_ESP_BAD_PAD]      = LNS_DROP_ESP_BAD_PAD,
	[LNS_ESP_DUMMY]        = LNS_DROP_ESP_DUMMY,
	[LNS_ESP_CRYPTO]       = LNS_DROP_ESP_CRYPTO,
	/* outbound-only statuses: never from lns_esp_inbound() */
	[LNS_ESP_OK]           = LNS_DROP_ESP_CRYPTO,
	[LNS_ESP_SEQ_EXHAUSTED] = LNS_DROP_ESP_CRYPTO,
	[LNS_ESP_NO_HEADROOM]  = LNS_DROP_ESP_CRYPTO,
	[LNS_ESP_NO_TAILROOM]  = LNS_DROP_ESP_CRYPTO,
};
static const uint8_t esp_out_reason[LNS_ESP_STATUS_MAX] = {
	[LNS_ESP_SA_EXPIRED]    = LNS_DROP_ESPO_SA_EXPIRED,
	[LNS_ESP_SA_DIR]        = LNS_DROP_ESPO_SA_DIR,
	[LNS_ESP_MULTISEG]      = LNS_DROP_ESPO_MULTISEG,
	[LNS_ESP_SEQ_EXHAUSTED] = LNS_DROP_ESPO_SEQ_EXHAUSTED,
	[LNS_ESP_NO_HEADROOM]   = LNS_DROP_ESPO_NO_HEADROOM,
	[LNS_ESP_NO_TAILROOM]   = LNS_DROP_ESPO_NO_TAILROOM,
	[LNS_ESP_CRYPTO]        = LNS_DROP_ESPO_CRYPTO,
	/* inbound-only statuses: never from lns_esp_outbound() */
	[LNS_ESP_OK]            = LNS_DROP_ESPO_CRYPTO,
	[LNS_ESP_TRUNCATED]     = LNS_DROP_ESPO_CRYPTO,
	[LNS_ESP_BAD_LEN]       = LNS_DROP_ESPO_CRYPTO,
	[LNS_ESP_SPI_MISMATCH]  = LNS_DROP_ESPO_CRYPTO,
	[LNS_ESP_REPLAY]        = LNS_DROP_ESPO_CRYPTO,
	[LNS_ESP_REPLAY_OLD]    = LNS_DROP_ESPO_CRYPTO,
	[LNS_ESP_ICV]           = LNS_DROP_ESPO_CRYPTO,
	[LNS_ESP_BAD_PAD_LEN]   = LNS_DROP_ESPO_CRYPTO,
	[LNS_ESP_BAD_PAD]       = LNS_DROP_ESPO_CRYPTO,
	[LNS_ESP_DUMMY]         = LNS_DROP_ESPO_CRYPTO,
};
_Static_assert(LNS_DROP_MAX <= UINT8_MAX, "esp_in/out_reason hold a reason in a byte");

static inline enum lns_drop
esp_reason(const uint8_t *tab, uint8_t st)
{
	return st < LNS_ESP_STATUS_MAX ? (enum lns_drop)tab[st] : (enum lns_drop)tab[LNS_ESP_CRYPTO];
}

enum lns_drop
lns_dp_esp_reason(bool inbound, uint8_t status)
{
	return esp_reason(inbound ? esp_in_reason : esp_out_reason, status);
}

/*
 * ESP for SAs another worker owns, gathered per burst: a run of packets for one
 * owner goes to its ring in one enqueue (a client's packets tend to come in runs).
 */
struct handoff {
	uint32_t dst;
	uint16_t n;
	struct rte_mbuf *m[LNS_MAX_BURST];
};

static void
handoff_flush(const struct lns_dp *dp, struct handoff *ho, const struct lns_dp_lctx *lc)
{
	unsigned int q;

	if (ho->n == 0)
		return;
	q = rte_ring_mp_enqueue_burst(dp->handoff[ho->dst], (void **)ho->m, ho->n, NULL);
	lns_count(lc->st, LNS_CTR_ESP_HANDOFF, q);
	if (q < ho->n) {
		lns_count_drop(lc->st, LNS_DROP_ESP_HANDOFF_FULL, ho->n - q);
		rte_pktmbuf_free_bulk(&ho->m[q], ho->n - q);
	}
	ho->n = 0;
}

static inline void
handoff_add(const struct lns_dp *dp, struct handoff *ho, struct rte_mbuf *m, uint32_t dst,
	    const struct lns_dp_lctx *lc)
{
	if (ho->n != 0 && ho->dst != dst)
		handoff_flush(dp, ho, lc);
	ho->dst = dst;
	ho->m[ho->n++] = m;
}

/*
 * The worker that runs inbound SA e's replay window. The first worker to see a
 * packet of the SA claims it; RSS (or af_packet's fanout hash) keeps sending the
 * flow there, so handoffs are the exception: packets the control lcore's queue
 * got, datagrams reassembled elsewhere, a client whose NAT changed its port. The
 * control lcore never claims: it sends an unowned SA's packet to a worker chosen
 * by SPI, which claims it unless a worker got there first.
 */
static inline uint32_t
esp_owner(const struct lns_dp *dp, struct lns_sad_entry *e, const struct lns_dp_lctx *lc)
{
	uint32_t own = __atomic_load_n(&e->owner, __ATOMIC_ACQUIRE);

	if (likely(own != LNS_SAD_NONE))
		return own;
	if (lc->slot >= dp->n_workers)
		return e->spi % dp->n_workers;
	if (__atomic_compare_exchange_n(&e->owner, &own, (uint32_t)lc->slot, false,
					__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return lc->slot;
	return own;                     /* another worker claimed it first */
}

/* Outer headers of a downstream packet (data at the ESP header or the L2TP UDP). */
static void
down_finish(const struct lns_dp *dp, struct rte_mbuf *m, const struct lns_sad_entry *e,
	    const struct lns_dp_tunnel *t, struct burst_out *o, const struct lns_dp_lctx *lc)
{
	const struct lns_dp_port *acc = &dp->port[LNS_PORT_ACCESS];
	uint8_t proto = IPPROTO_UDP;

	if (e != NULL) {
		proto = IPPROTO_ESP;
		if (e->udp_encap) {
			if (put_udp(m, e->local_port, e->peer_port) == NULL) {
				drop(o, lc, m, LNS_DROP_TX_NO_HEADROOM);
				return;
			}
			proto = IPPROTO_UDP;
		}
	}
	if (put_ipv4(m, acc->addr, t->peer, proto) == NULL ||
	    rte_pktmbuf_headroom(m) < sizeof(struct rte_ether_hdr)) {
		drop(o, lc, m, LNS_DROP_TX_NO_HEADROOM);
		return;
	}
	put_eth(m, __atomic_load_n(&t->nh_mac, __ATOMIC_RELAXED), &acc->mac);
	if (t->local_id != 0)   /* subscriber traffic, not the control lcore's own */
		lns_count(lc->st, LNS_CTR_DOWN_FWD, 1);
	o->tx[LNS_PORT_ACCESS][o->ntx[LNS_PORT_ACCESS]++] = m;
}

/*
 * A core-side packet (data at its Ethernet header) does not fit the access MTU
 * once encapsulated; `fit` is the largest inner IPv4 packet that would. With DF
 * set, the sender learns the path MTU from an ICMP fragmentation-needed (RFC 1191)
 * built in the same mbuf and sent back to the neighbour it came from. Never for
 * an ICMP error or a non-first fragment (RFC 1122 3.2.2), and rate-limited.
 */
static void
down_too_big(const struct lns_dp *dp, struct rte_mbuf *m, uint16_t l3_off, uint32_t fit,
	     struct burst_out *o, const struct lns_dp_lctx *lc)
{
	const struct lns_dp_port *core = &dp->port[LNS_PORT_CORE];
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *,
								 l3_off);
	uint32_t ihl = (uint32_t)(ip->version_ihl & 0x0f) * 4, qlen;
	uint8_t quote[60 + 8];
	struct rte_ether_addr to;
	struct rte_icmp_hdr *icmp;
	struct rte_ipv4_hdr *nip;
	uint8_t *p;

	lns_count_drop(lc->st, LNS_DROP_DOWN_TOO_BIG, 1);
	if (!(ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_DF_FLAG)) ||
	    (ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_OFFSET_MASK)) ||
	    ihl < sizeof(*ip) || m->data_len < l3_off + ihl + 8 || m->nb_segs != 1 ||
	    (ip->next_proto_id == IPPROTO_ICMP &&
	     rte_pktmbuf_mtod_offset(m, const uint8_t *, l3_off + ihl)[0] != RTE_IP_ICMP_ECHO_REQUEST &&
	     rte_pktmbuf_mtod_offset(m, const uint8_t *, l3_off + ihl)[0] != RTE_IP_ICMP_ECHO_REPLY) ||
	    !icmp_allowed()) {
		rte_pktmbuf_free(m);
		return;
	}
	qlen = ihl + 8;                         /* header + 64 bits of data (RFC 792) */
	memcpy(quote, ip, qlen);
	to = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *)->src_addr;
	rte_pktmbuf_reset(m);
	p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(sizeof(struct rte_ether_hdr) +
				sizeof(*nip) + sizeof(*icmp) + qlen));
	if (p == NULL) {
		drop(o, lc, m, LNS_DROP_DOWN_ICMP_NO_ROOM);
		return;
	}
	rte_pktmbuf_adj(m, sizeof(struct rte_ether_hdr));
	icmp = (struct rte_icmp_hdr *)(p + sizeof(struct rte_ether_hdr) + sizeof(*nip));
	icmp->icmp_type = 3;                    /* destination unreachable */
	icmp->icmp_code = 4;                    /* fragmentation needed and DF set */
	icmp->icmp_cksum = 0;
	icmp->icmp_ident = 0;                   /* unused (RFC 1191 4) */
	icmp->icmp_seq_nb = rte_cpu_to_be_16((uint16_t)fit);   /* next-hop MTU */
	memcpy(icmp + 1, quote, qlen);
	icmp->icmp_cksum = (uint16_t)~rte_raw_cksum(icmp, sizeof(*icmp) + qlen);
	rte_pktmbuf_adj(m, sizeof(*nip));
	nip = put_ipv4(m, core->addr, ((const struct rte_ipv4_hdr *)quote)->src_addr,
		       IPPROTO_ICMP);
	if (nip == NULL) {
		drop(o, lc, m, LNS_DROP_DOWN_ICMP_NO_ROOM);
		return;
	}
	put_eth(m, lns_mac_publish_value(&to), &core->mac);
	lns_count(lc->st, LNS_CTR_ICMP_FRAG_NEEDED_OUT, 1);
	o->tx[LNS_PORT_CORE][o->ntx[LNS_PORT_CORE]++] = m;
}

/* ------------------------------------------------------------------- stages --- */
/*
 * Each stage is a function over a burst mb[0..n) with DPDK lib/ipsec's contract:
 * it returns the number of packets that go on, compacted to mb[0..good) in their
 * order, with any per-packet value the next stage needs in an array compacted
 * alongside (or in the packet's metadata). A packet it drops goes behind, onto
 * the burst's drop list with its reason (drop()): the list is counted per reason
 * and freed in bulk once, at the end of the burst (drops_flush()). A packet it
 * punts, hands to another worker or queues for TX leaves the burst there.
 *
 *   upstream:   classify -> esp-in -> l2tp-in (+ppp-in, ipv4-up) -> tx
 *                        \-> plain L2TP --^
 *   downstream: classify -> ipv4-down (+encap) -> esp-out -> outer -> tx
 *                                    \-> in the clear: outer -> tx
 *
 * Where a stage would be a pass of its own over lines the previous pass just
 * had in cache, it is a per-packet step of that pass instead (pipe_bench counted
 * the extra pass: more D1 misses, more instructions): esp-in's payload checks
 * follow decryption; ppp-in and ipv4-up follow l2tp-in's session lookup (and a
 * data message for a session not yet published needs the PPP protocol to tell
 * control, punted, from data, dropped); encap follows ipv4-down.
 */

/* A data message's L2TP header fields, compacted alongside mb[] in l2tp_in(). */
struct l2tp_hdrs {
	struct lns_l2tp_data d[LNS_MAX_BURST];
	uint32_t key[LNS_MAX_BURST];    /* tunnel << 16 | session */
};

/* Never a cross-tunnel injection: a tunnel takes data only from the IPsec
 * connection the packet was authenticated with, or from its own plain peer. */
static inline bool
tunnel_owns(const struct lns_dp *dp, const struct lns_dp_tunnel *t,
	    const struct lns_pkt_meta *meta)
{
	return meta->sa != LNS_SAD_NONE ?
	       t->conn != LNS_SAD_NONE && lns_sad_get(dp->sad, meta->sa)->conn == t->conn :
	       t->conn == LNS_SAD_NONE && t->peer == meta->peer && t->peer_port == meta->peer_port;
}

/*
 * A data message for a session the data plane does not have yet. The control
 * lcore publishes a session when it handles the ICCN, and a client's first LCP
 * Configure-Request can follow the ICCN closely enough to reach the worker
 * first. PPP control on a live tunnel that owns the packet goes to the control
 * lcore, behind the ICCN on the same punt ring, instead of being lost (pppd
 * would wait 3 s to resend it); anything else is a counted drop.
 */
static void
l2tp_no_session(const struct lns_dp *dp, struct rte_mbuf *m, const struct lns_l2tp_data *d,
		struct burst_out *o, const struct lns_dp_lctx *lc)
{
	const struct lns_dp_tunnel *t = &dp->tbl->tun[d->tunnel_id];
	uint16_t proto;

	if (__atomic_load_n(&t->state, __ATOMIC_ACQUIRE) == LNS_TBL_UP &&
	    tunnel_owns(dp, t, lns_pkt_meta(m)) &&
	    lns_ppp_parse(rte_pktmbuf_mtod_offset(m, const uint8_t *, d->payload_off),
			  d->payload_len, &proto) != 0 && proto != LNS_PPP_IPV4) {
		punt_pkt(o, m, LNS_PUNT_PPP_CTL);
		return;
	}
	drop(o, lc, m, LNS_DROP_L2TP_NO_SESSION);
}

/*
 * ipv4-up of one subscriber IPv4 packet (data at its header) of session h: to
 * the core port's TX with next hop gw, or dropped. Called from l2tp-in's last
 * pass, which has the packet's header in cache (a pass of its own cost a D1 miss
 * per packet). *nfwd and *nclamp count for the burst.
 */
static inline void
ipv4_up_one(const struct lns_dp *dp, struct rte_mbuf *m, uint32_t h, uint64_t gw,
	    uint16_t mss, uint32_t *nfwd, uint32_t *nclamp, struct burst_out *o,
	    const struct lns_dp_lctx *lc)
{
	const struct lns_dp_session *s = &dp->tbl->sess[h];
	struct rte_ipv4_hdr *ip;
	enum lns_drop why;
	uint16_t tot;

	if (check_ipv4(m, &why) != 0) {
		drop(o, lc, m, why);
		return;
	}
	ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
	/* No address yet (IPCP not open) matches nothing: 0.0.0.0 is not an address. */
	if (ip->src_addr != __atomic_load_n(&s->addr, __ATOMIC_RELAXED) || ip->src_addr == 0) {
		drop(o, lc, m, LNS_DROP_IPV4_SPOOFED);
		return;
	}
	if (ip->time_to_live <= 1) {
		drop(o, lc, m, LNS_DROP_UP_TTL);
		return;
	}
	if (!mac_valid(gw)) {
		drop(o, lc, m, LNS_DROP_UP_NEXTHOP);
		return;
	}
	tot = rte_be_to_cpu_16(ip->total_length);
	if (police(dp, s, h, 0, ip, tot, lc)) {
		drop(o, lc, m, LNS_DROP_UP_POLICER);
		return;
	}
	rte_pktmbuf_trim(m, (uint16_t)(m->data_len - tot));
	ttl_dec(ip);
	*nclamp += lns_mss_clamp(ip, mss) ? 1 : 0;
	put_eth(m, gw, &dp->port[LNS_PORT_CORE].mac);
	lns_tables_count(dp->tbl, lc->slot, h, LNS_SC_UP_PKTS, 1);
	lns_tables_count(dp->tbl, lc->slot, h, LNS_SC_UP_BYTES, tot);
	run_count(dp, o, 0, lc->slot, s->tunnel, tot);
	(*nfwd)++;
	if (tr_on())
		tr_rec(lc, m, LNS_STAGE_IPV4_UP, LNS_TD_PASS, 0, s->tunnel, h);
	o->tx[LNS_PORT_CORE][o->ntx[LNS_PORT_CORE]++] = m;
}

/*
 * l2tp-in (and ppp-in): L2TP messages, data at their header, metadata sa/peer/
 * peer_port saying where they came from (sa LNS_SAD_NONE in the clear). Control
 * is punted; data messages' (tunnel, session) keys are looked up in bulk, which
 * overlaps their cache misses, and each session's entry and counters are
 * prefetched before any is used (with many sessions these misses, not the
 * crypto, are what a packet waits for). Each data message's IPv4 packet goes
 * on to ipv4_up_one() in the same pass. @return the packets queued for TX.
 */
#define SESS_BULK 64
static uint16_t
l2tp_in(const struct lns_dp *dp, struct rte_mbuf **mb, uint16_t n, struct burst_out *o,
	const struct lns_dp_lctx *lc)
{
	const uint16_t before = o->ntx[LNS_PORT_CORE];
	const uint64_t gw = __atomic_load_n(&dp->port[LNS_PORT_CORE].gw_mac, __ATOMIC_ACQUIRE);
	const uint16_t mss = __atomic_load_n(&dp->mss_clamp, __ATOMIC_RELAXED);
	uint32_t h[LNS_MAX_BURST], nfwd = 0, nclamp = 0;
	struct l2tp_hdrs hd;
	uint16_t k = 0;

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = mb[i];

		switch (lns_l2tp_data_parse(rte_pktmbuf_mtod(m, const uint8_t *), m->data_len,
					    &hd.d[k])) {
		case LNS_L2TP_DATA:
			hd.key[k] = (uint32_t)hd.d[k].tunnel_id << 16 | hd.d[k].session_id;
			mb[k++] = m;
			break;
		case LNS_L2TP_CONTROL:
			punt_pkt(o, m, LNS_PUNT_L2TP_CTL);
			break;
		default:
			drop(o, lc, m, LNS_DROP_L2TP_MALFORMED);
			break;
		}
	}
	for (uint16_t base = 0; base < k; base += SESS_BULK) {
		uint16_t c = RTE_MIN(k - base, SESS_BULK);

		lns_u32map_lookup_bulk(dp->tbl->by_ids, &hd.key[base], c, &h[base]);
		for (uint16_t i = 0; i < c; i++)
			lns_tables_prefetch_session(dp->tbl, lc->slot, h[base + i]);
	}
	for (uint16_t i = 0; i < k; i++) {
		struct rte_mbuf *m = mb[i];
		const struct lns_l2tp_data *d = &hd.d[i];
		const struct lns_dp_session *s = lns_tables_session_up(dp->tbl, h[i]);
		uint32_t framing;
		uint16_t proto;

		if (s == NULL) {
			l2tp_no_session(dp, m, d, o, lc);
			continue;
		}
		if (!tunnel_owns(dp, &dp->tbl->tun[s->tunnel], lns_pkt_meta(m))) {
			drop(o, lc, m, LNS_DROP_L2TP_WRONG_SA);
			continue;
		}
		if (tr_on())
			tr_rec(lc, m, LNS_STAGE_L2TP_IN, LNS_TD_PASS, 0, s->tunnel, h[i]);
		framing = lns_ppp_parse(rte_pktmbuf_mtod_offset(m, const uint8_t *, d->payload_off),
					d->payload_len, &proto);
		if (framing == 0) {
			drop(o, lc, m, LNS_DROP_PPP_MALFORMED);
			continue;
		}
		if (proto != LNS_PPP_IPV4) {
			if (tr_on())
				tr_rec(lc, m, LNS_STAGE_PPP_IN, LNS_TD_PUNT, 0, s->tunnel, h[i]);
			punt_pkt(o, m, LNS_PUNT_PPP_CTL);
			continue;
		}
		rte_pktmbuf_trim(m, (uint16_t)(m->data_len - d->payload_off - d->payload_len));
		rte_pktmbuf_adj(m, (uint16_t)(d->payload_off + framing));
		ipv4_up_one(dp, m, h[i], gw, mss, &nfwd, &nclamp, o, lc);
	}
	lns_count(lc->st, LNS_CTR_UP_FWD, nfwd);
	lns_count(lc->st, LNS_CTR_MSS_CLAMPED, nclamp);
	return (uint16_t)(o->ntx[LNS_PORT_CORE] - before);
}

/*
 * The rest of esp-in, per decrypted packet (next header nh): what the payload
 * must be, UDP to the L2TP port (inside an inner IPv4 header between the
 * selectors' hosts for a tunnel-mode SA). Done in the pass after decryption
 * that has the packet in cache: a pass of its own cost a D1 miss per packet.
 * @return 0 with data at the L2TP header and metadata peer/peer_port set for
 * l2tp-in, or -1 dropped.
 */
static inline int
esp_inner_one(const struct lns_dp *dp, struct rte_mbuf *m, uint8_t nh, struct burst_out *o,
	      const struct lns_dp_lctx *lc)
{
	{
		struct lns_pkt_meta *meta = lns_pkt_meta(m);
		const struct lns_sad_entry *e = lns_sad_get(dp->sad, meta->sa);
		const struct rte_udp_hdr *u;
		uint32_t ulen;

		if (e->mode == LNS_ESP_MODE_TUNNEL) {
			const struct rte_ipv4_hdr *ip;
			enum lns_drop why;

			/* Host-to-host tunnel mode: the inner header must be between the
			 * two hosts of the accepted Quick Mode selectors (behind a NAT the
			 * peer's is its private address, not the outer one) and carry UDP. */
			if (nh != IPPROTO_IPIP || check_ipv4(m, &why) != 0) {
				drop(o, lc, m, LNS_DROP_ESP_INNER_NOT_IPV4);
				return -1;
			}
			ip = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
			if (ip->next_proto_id != IPPROTO_UDP || ip->src_addr != e->inner_peer ||
			    ip->dst_addr != e->inner_local) {
				drop(o, lc, m, LNS_DROP_ESP_INNER_SELECTOR);
				return -1;
			}
			rte_pktmbuf_trim(m, (uint16_t)(m->data_len -
						       rte_be_to_cpu_16(ip->total_length)));
			rte_pktmbuf_adj(m, (uint16_t)((ip->version_ihl & 0x0f) * 4));
		} else if (nh != IPPROTO_UDP) {
			drop(o, lc, m, LNS_DROP_ESP_INNER_NOT_UDP);
			return -1;
		}
		u = rte_pktmbuf_mtod(m, const struct rte_udp_hdr *);
		if (m->data_len < sizeof(*u)) {
			drop(o, lc, m, LNS_DROP_ESP_INNER_UDP_BAD);
			return -1;
		}
		ulen = rte_be_to_cpu_16(u->dgram_len);
		if (ulen < sizeof(*u) || ulen > m->data_len) {
			drop(o, lc, m, LNS_DROP_ESP_INNER_UDP_BAD);
			return -1;
		}
		if (u->dst_port != RTE_BE16(LNS_L2TP_PORT)) {
			drop(o, lc, m, LNS_DROP_ESP_INNER_NOT_L2TP);
			return -1;
		}
		rte_pktmbuf_trim(m, (uint16_t)(m->data_len - ulen));
		meta->peer = e->peer;
		meta->peer_port = u->src_port;
		rte_pktmbuf_adj(m, sizeof(*u));
	}
	return 0;
}

/*
 * esp-in: ESP packets (data at Ethernet, metadata from the classifier) are looked
 * up by SPI in bulk; those of SAs another worker owns go to it; the rest are
 * decrypted as one IPsec-MB burst, then esp_inner_one(). Good: data at the L2TP
 * header, SA handle, peer and peer port in the metadata.
 */
static uint16_t
esp_in(const struct lns_dp *dp, struct rte_mbuf **mb, uint16_t n, struct burst_out *o,
       const struct lns_dp_lctx *lc)
{
	struct lns_esp_sa *sa[LNS_MAX_BURST];
	uint8_t nh[LNS_MAX_BURST];
	uint32_t spi[LNS_MAX_BURST], hs[LNS_MAX_BURST];
	uint16_t k = 0, good, ng = 0;
	struct handoff ho;

	ho.n = 0;

	/* SPIs in bulk (their map slots fetched together), then each found SA's
	 * entry fetched before the checks below read it */
	for (uint16_t i = 0; i < n; i++)
		memcpy(&spi[i], rte_pktmbuf_mtod_offset(mb[i], const uint8_t *,
							lns_pkt_meta(mb[i])->esp_off), 4);
	lns_sad_lookup_bulk(dp->sad, spi, n, hs);
	for (uint16_t i = 0; i < n; i++)
		if (hs[i] != LNS_SAD_NONE)
			rte_prefetch0(lns_sad_get(dp->sad, hs[i]));
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = mb[i];
		struct lns_pkt_meta *meta = lns_pkt_meta(m);
		const struct rte_ipv4_hdr *ip =
			rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, meta->l3_off);
		uint32_t h = hs[i], end = meta->l3_off + rte_be_to_cpu_16(ip->total_length), own;
		struct lns_sad_entry *e;

		if (h == LNS_SAD_NONE) {
			drop(o, lc, m, LNS_DROP_ESP_UNKNOWN_SPI);
			continue;
		}
		e = lns_sad_get(dp->sad, h);
		/* Only inbound SPIs are in the map; kept as a guard. */
		if (unlikely(e->dir != LNS_ESP_DIR_IN)) {
			drop(o, lc, m, LNS_DROP_ESP_UNKNOWN_SPI);
			continue;
		}
		if (!lns_sad_usable(e)) {
			drop(o, lc, m, LNS_DROP_ESP_SA_DROPPED);
			continue;
		}
		/* One writer per replay window: untouched, as received, to its owner. */
		if (e->owned && (own = esp_owner(dp, e, lc)) != lc->slot) {
			if (tr_on()) {
				meta->sa = h;
				tr_rec(lc, m, LNS_STAGE_ESP_IN, LNS_TD_HANDOFF, 0, 0, UINT32_MAX);
			}
			handoff_add(dp, &ho, m, own, lc);
			continue;
		}
		meta->sa = h;
		rte_pktmbuf_trim(m, (uint16_t)(m->data_len - end)); /* Ethernet padding */
		rte_pktmbuf_adj(m, meta->esp_off);
		sa[k] = e->esp;
		mb[k++] = m;
	}
	handoff_flush(dp, &ho, lc);
	if (k == 0)
		return 0;
	/* lib/esp keeps the order of the good ones and moves the bad ones behind */
	good = lns_esp_inbound(lc->mgr, sa, mb, k, nh);
	lns_count(lc->st, LNS_CTR_ESP_IN, good);
	for (uint16_t i = good; i < k; i++)
		drop(o, lc, mb[i], esp_reason(esp_in_reason, nh[i]));
	for (uint16_t i = 0; i < good; i++) {
		struct rte_mbuf *m = mb[i];

		lns_sad_count(dp->sad, lc->slot, lns_pkt_meta(m)->sa, 1, m->pkt_len);
		if (tr_on())
			tr_rec(lc, m, LNS_STAGE_ESP_IN, LNS_TD_PASS, 0, 0, UINT32_MAX);
		if (esp_inner_one(dp, m, nh[i], o, lc) == 0)
			mb[ng++] = m;
	}
	return ng;
}

/* Plain L2TP from the classifier (data at Ethernet): to the L2TP header, with
 * where it came from in the metadata for l2tp-in. */
static inline void
plain_l2tp_strip(struct rte_mbuf *m)
{
	struct lns_pkt_meta *meta = lns_pkt_meta(m);
	const struct rte_ipv4_hdr *ip =
		rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, meta->l3_off);
	const struct rte_udp_hdr *u =
		rte_pktmbuf_mtod_offset(m, const struct rte_udp_hdr *, meta->l4_off);

	meta->sa = LNS_SAD_NONE;
	meta->peer = ip->src_addr;
	meta->peer_port = u->src_port;
	/* The classifier checked the UDP length against the IPv4 length. */
	rte_pktmbuf_trim(m, (uint16_t)(m->data_len - meta->l4_off - rte_be_to_cpu_16(u->dgram_len)));
	rte_pktmbuf_adj(m, (uint16_t)(meta->l4_off + sizeof(*u)));
}

/*
 * encap of one packet (data at its inner IPv4 header, tot bytes): L2TP data
 * header and UDP (and the inner IPv4 header of a tunnel-mode SA e) in front, and
 * the session's and tunnel's counters. Called from ipv4-down's pass, which has
 * the session, tunnel and SA in registers: a separate pass re-derived them and
 * cost more instructions per packet than it saved. @return 0, or -1 dropped.
 */
static inline int
encap_one(const struct lns_dp *dp, struct rte_mbuf *m, uint32_t h,
	  const struct lns_dp_session *s, const struct lns_dp_tunnel *t,
	  const struct lns_sad_entry *e, uint16_t tot, struct burst_out *o,
	  const struct lns_dp_lctx *lc)
{
	uint8_t *l2 = (uint8_t *)rte_pktmbuf_prepend(m, L2TP_PPP_HDR_LEN);

	if (l2 == NULL) {
		drop(o, lc, m, LNS_DROP_ENCAP_NO_HEADROOM);
		return -1;
	}
	lns_l2tp_data_build(l2, t->peer_id, s->peer_id, 0, 0, 0, 0, 0, LNS_PPP_IPV4);
	if (put_udp(m, RTE_BE16(LNS_L2TP_PORT), t->peer_port) == NULL ||
	    (e != NULL && e->mode == LNS_ESP_MODE_TUNNEL &&
	     put_ipv4(m, e->inner_local, e->inner_peer, IPPROTO_UDP) == NULL)) {
		drop(o, lc, m, LNS_DROP_ENCAP_NO_HEADROOM);
		return -1;
	}
	lns_tables_count(dp->tbl, lc->slot, h, LNS_SC_DOWN_PKTS, 1);
	lns_tables_count(dp->tbl, lc->slot, h, LNS_SC_DOWN_BYTES, tot);
	run_count(dp, o, 1, lc->slot, s->tunnel, tot);
	if (tr_on()) {
		tr_rec(lc, m, LNS_STAGE_IPV4_DOWN, LNS_TD_PASS, 0, s->tunnel, h);
		tr_rec(lc, m, LNS_STAGE_ENCAP, LNS_TD_PASS, 0, s->tunnel, h);
	}
	return 0;
}

/*
 * ipv4-down and encap: core-side IPv4 (data at Ethernet) to subscribers, looked
 * up by address in bulk with each session's entry and counters prefetched (as
 * l2tp-in upstream). Session, TTL, policer, the tunnel's next hop and outbound
 * SA, and the access MTU once encapsulated are checked, the TTL decremented, then
 * encap_one(). A tunnel in the clear gets its outer headers here and goes to TX.
 * Good: packets for an outbound SA, data at the UDP header (or a tunnel-mode SA's
 * inner IPv4), metadata tunnel and sa set for esp-out and outer, sa[] their
 * lib/esp SAs.
 */
static uint16_t
ipv4_down(const struct lns_dp *dp, struct rte_mbuf **mb, uint16_t n, struct lns_esp_sa **sa,
	  struct burst_out *o, const struct lns_dp_lctx *lc)
{
	const struct lns_dp_port *acc = &dp->port[LNS_PORT_ACCESS];
	const uint16_t mss = __atomic_load_n(&dp->mss_clamp, __ATOMIC_RELAXED);
	uint32_t addr[LNS_MAX_BURST], h[LNS_MAX_BURST], nclamp = 0;
	uint16_t good = 0;

	for (uint16_t i = 0; i < n; i++) {
		const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(
			mb[i], const struct rte_ipv4_hdr *, lns_pkt_meta(mb[i])->l3_off);

		addr[i] = ip->dst_addr;
	}
	lns_u32map_lookup_bulk(dp->tbl->by_addr, addr, n, h);
	for (uint16_t i = 0; i < n; i++)
		lns_tables_prefetch_session(dp->tbl, lc->slot, h[i]);
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = mb[i];
		struct lns_pkt_meta *meta = lns_pkt_meta(m);
		struct rte_ipv4_hdr *ip =
			rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, meta->l3_off);
		uint16_t tot = rte_be_to_cpu_16(ip->total_length);
		const struct lns_dp_session *s;
		const struct lns_dp_tunnel *t;
		const struct lns_sad_entry *e = NULL;
		uint32_t overhead, sa_out;

		s = lns_tables_session_up(dp->tbl, h[i]);
		if (s == NULL) {
			drop(o, lc, m, LNS_DROP_DOWN_NO_SESSION);
			continue;
		}
		t = &dp->tbl->tun[s->tunnel];
		if (tr_on())
			meta->tunnel = s->tunnel;
		if (ip->time_to_live <= 1) {
			drop(o, lc, m, LNS_DROP_DOWN_TTL);
			continue;
		}
		if (police(dp, s, h[i], 1, ip, tot, lc)) {
			drop(o, lc, m, LNS_DROP_DOWN_POLICER);
			continue;
		}
		if (!mac_valid(__atomic_load_n(&t->nh_mac, __ATOMIC_ACQUIRE))) {
			drop(o, lc, m, LNS_DROP_DOWN_NEXTHOP);
			continue;
		}
		overhead = L2TP_PPP_HDR_LEN + sizeof(struct rte_udp_hdr) +
			   sizeof(struct rte_ipv4_hdr);
		sa_out = __atomic_load_n(&t->sa_out, __ATOMIC_ACQUIRE);
		if (sa_out != LNS_SAD_NONE) {
			e = lns_sad_get(dp->sad, sa_out);
			/* Usable, and still this tunnel's connection's: a dropped SA's handle
			 * is reused once reclaimed, never for this tunnel's traffic. */
			if (!lns_sad_usable(e) || e->conn != t->conn) {
				drop(o, lc, m, LNS_DROP_DOWN_SA_DROPPED);
				continue;
			}
			overhead += lns_esp_sa_hdr_len(e->esp) + lns_esp_sa_tail_max(e->esp) +
				    (e->udp_encap ? sizeof(struct rte_udp_hdr) : 0) +
				    (e->mode == LNS_ESP_MODE_TUNNEL ?
				     sizeof(struct rte_ipv4_hdr) : 0);
		}
		if (tot + overhead > acc->mtu) {
			down_too_big(dp, m, meta->l3_off, acc->mtu - overhead, o, lc);
			continue;
		}
		ttl_dec(ip);
		nclamp += lns_mss_clamp(ip, mss) ? 1 : 0;
		rte_pktmbuf_trim(m, (uint16_t)(m->data_len - meta->l3_off - tot));
		rte_pktmbuf_adj(m, meta->l3_off);
		if (encap_one(dp, m, h[i], s, t, e, tot, o, lc) != 0)
			continue;
		if (e == NULL) {
			/* in the clear: outer headers now, onto TX (leaves the burst) */
			meta->sa = LNS_SAD_NONE;
			down_finish(dp, m, NULL, t, o, lc);
			continue;
		}
		meta->sa = sa_out;
		meta->tunnel = s->tunnel;
		sa[good] = e->esp;
		mb[good++] = m;
	}
	lns_count(lc->st, LNS_CTR_MSS_CLAMPED, nclamp);
	return good;
}

/*
 * esp-out: packets of tunnels with an outbound SA (sa[], handle in metadata sa;
 * ipv4-down sent the others on) encrypted as one IPsec-MB burst. Good: data at the ESP header.
 */
static uint16_t
esp_out(const struct lns_dp *dp, struct rte_mbuf **mb, struct lns_esp_sa **sa, uint16_t n,
	struct burst_out *o, const struct lns_dp_lctx *lc)
{
	uint8_t status[LNS_MAX_BURST];
	uint16_t good;

	/* lib/esp keeps the order of the good ones and moves the bad ones behind */
	good = lns_esp_outbound(lc->mgr, sa, mb, n, NULL, status);
	lns_count(lc->st, LNS_CTR_ESP_OUT, good);
	for (uint16_t i = good; i < n; i++)
		drop(o, lc, mb[i], esp_reason(esp_out_reason, status[i]));
	for (uint16_t i = 0; i < good; i++) {
		const struct lns_pkt_meta *meta = lns_pkt_meta(mb[i]);

		lns_sad_count(dp->sad, lc->slot, meta->sa, 1, mb[i]->pkt_len);
		if (tr_on())
			tr_rec(lc, mb[i], LNS_STAGE_ESP_OUT, LNS_TD_PASS, 0, meta->tunnel,
			       UINT32_MAX);
	}
	return good;
}

/* outer: the outer headers of ESP packets (down_finish()) onto the access port's
 * TX. @return the packets queued. */
static uint16_t
outer(const struct lns_dp *dp, struct rte_mbuf **mb, uint16_t n, struct burst_out *o,
      const struct lns_dp_lctx *lc)
{
	const uint16_t before = o->ntx[LNS_PORT_ACCESS];

	for (uint16_t i = 0; i < n; i++) {
		const struct lns_pkt_meta *meta = lns_pkt_meta(mb[i]);

		down_finish(dp, mb[i], lns_sad_get(dp->sad, meta->sa),
			    &dp->tbl->tun[meta->tunnel], o, lc);
	}
	return (uint16_t)(o->ntx[LNS_PORT_ACCESS] - before);
}

int
lns_dp_send_l2tp(const struct lns_dp *dp, const struct lns_dp_lctx *lc, struct rte_mbuf *m,
		 uint32_t peer, uint16_t peer_port_be, uint32_t sa_out, uint32_t conn,
		 uint64_t nh_mac)
{
	const struct lns_dp_port *acc = &dp->port[LNS_PORT_ACCESS];
	struct lns_dp_tunnel t = { .peer = peer, .nh_mac = nh_mac };
	const struct lns_sad_entry *e = NULL;
	struct lns_esp_sa *sa;
	struct burst_out o;
	uint8_t status;
	uint16_t sent;

	o.ntx[LNS_PORT_ACCESS] = o.ntx[LNS_PORT_CORE] = 0;
	o.nd = 0;
	if (put_udp(m, RTE_BE16(LNS_L2TP_PORT), peer_port_be) == NULL) {
		drop_pkt(lc, m, LNS_DROP_ENCAP_NO_HEADROOM);
		return -ENOBUFS;
	}
	if (sa_out != LNS_SAD_NONE) {
		e = lns_sad_get(dp->sad, sa_out);
		if (!lns_sad_usable(e) || e->conn != conn) {
			drop_pkt(lc, m, LNS_DROP_CTL_SA_DROPPED);
			return -ENOENT;
		}
		if (e->mode == LNS_ESP_MODE_TUNNEL &&
		    put_ipv4(m, e->inner_local, e->inner_peer, IPPROTO_UDP) == NULL) {
			drop_pkt(lc, m, LNS_DROP_ENCAP_NO_HEADROOM);
			return -ENOBUFS;
		}
		sa = e->esp;
		if (lns_esp_outbound(lc->mgr, &sa, &m, 1, NULL, &status) != 1) {
			drop_pkt(lc, m, esp_reason(esp_out_reason, status));
			return -EINVAL;
		}
		lns_count(lc->st, LNS_CTR_ESP_OUT, 1);
		lns_sad_count(dp->sad, lc->slot, sa_out, 1, m->pkt_len);
	}
	down_finish(dp, m, e, &t, &o, lc);
	if (o.ntx[LNS_PORT_ACCESS] == 0) {
		drops_flush(&o, lc);   /* reason given by down_finish */
		return -ENOBUFS;
	}
	sent = rte_eth_tx_burst(acc->port_id, lc->txq, o.tx[LNS_PORT_ACCESS], 1);
	if (sent == 0) {
		drop_pkt(lc, m, LNS_DROP_TX_FULL);
		return -ENOSPC;
	}
	return 0;
}

static void flush_tx(const struct lns_dp *dp, struct burst_out *o, const struct lns_dp_lctx *lc);

static inline void
burst_begin(struct burst_out *o, struct rte_mbuf **punt)
{
	o->punt = punt;
	o->np = 0;
	o->ntx[0] = o->ntx[1] = 0;
	o->run[0].tunnel = o->run[1].tunnel = UINT32_MAX;
	o->run[0].pkts = o->run[1].pkts = 0;
	o->run[0].bytes = o->run[1].bytes = 0;
	o->nd = 0;
}

/* Counters of the burst's tunnel runs, and its packets onto the wire. */
static inline void
burst_end(const struct lns_dp *dp, struct burst_out *o, const struct lns_dp_lctx *lc)
{
	run_flush(dp, o, 0, lc->slot);
	run_flush(dp, o, 1, lc->slot);
	drops_flush(o, lc);
	flush_tx(dp, o, lc);
}

/*
 * flush_tx() of one port while tracing: the traced packets' metadata is read
 * before the TX queue owns the mbufs, and their records written after.
 */
static void
tr_tx(const struct lns_dp *dp, unsigned int r, struct rte_mbuf **tx, uint16_t n,
      const struct lns_dp_lctx *lc)
{
	struct { uint16_t i; uint8_t role; uint32_t pkt, sa; uint16_t tunnel; } tp[64];
	struct lns_trace *t = RTE_PER_LCORE(lns_tr_t);
	uint16_t nt = 0, sent;

	for (uint16_t i = 0; i < n && nt < RTE_DIM(tp); i++) {
		const struct lns_pkt_meta *meta = lns_pkt_meta(tx[i]);

		if (meta->trace_pkt != 0) {
			tp[nt].i = i;
			tp[nt].role = meta->role;
			tp[nt].pkt = meta->trace_pkt;
			tp[nt].sa = meta->sa;
			tp[nt++].tunnel = meta->tunnel;
		}
	}
	sent = rte_eth_tx_burst(dp->port[r].port_id, lc->txq, tx, n);
	if (sent < n) {
		lns_count_drop(lc->st, LNS_DROP_TX_FULL, n - sent);
		rte_pktmbuf_free_bulk(&tx[sent], n - sent);
	}
	for (uint16_t k = 0; k < nt && t != NULL; k++)
		lns_trace_add(t, lc->slot, tp[k].pkt, tp[k].role, LNS_STAGE_TX,
			      tp[k].i < sent ? LNS_TD_SENT : LNS_TD_DROP,
			      tp[k].i < sent ? 0 : LNS_DROP_TX_FULL, tp[k].sa, tp[k].tunnel,
			      UINT32_MAX);
}

static void
flush_tx(const struct lns_dp *dp, struct burst_out *o, const struct lns_dp_lctx *lc)
{
	for (unsigned int r = 0; r < LNS_PORT_ROLE_MAX; r++) {
		uint16_t n = o->ntx[r], sent;

		if (n == 0)
			continue;
		if (tr_on()) {
			tr_tx(dp, r, o->tx[r], n, lc);
			continue;
		}
		sent = rte_eth_tx_burst(dp->port[r].port_id, lc->txq, o->tx[r], n);
		if (sent < n) {
			lns_count_drop(lc->st, LNS_DROP_TX_FULL, n - sent);
			rte_pktmbuf_free_bulk(&o->tx[r][sent], n - sent);
		}
	}
}

/*
 * Hand a fragment (data at its Ethernet header) to this lcore's reassembly table.
 * @return the whole datagram, single-segment and with a valid header checksum,
 * once its last fragment is in; NULL while it waits, or after a counted drop.
 */
static struct rte_mbuf *
reassemble(struct rte_mbuf *m, const struct lns_pkt_meta *meta, struct burst_out *o,
	   const struct lns_dp_lctx *lc)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, meta->l3_off);
	struct rte_mbuf *r;

	if (lc->frag == NULL) {
		drop(o, lc, m, LNS_DROP_FRAG_NO_TABLE);
		return NULL;
	}
	/* Ethernet padding would read as fragment data. */
	rte_pktmbuf_trim(m, (uint16_t)(m->data_len - meta->l3_off -
				       rte_be_to_cpu_16(ip->total_length)));
	m->l2_len = meta->l3_off;
	m->l3_len = (uint16_t)(meta->l4_off - meta->l3_off);
	r = rte_ipv4_frag_reassemble_packet(lc->frag, lc->dr, m, rte_rdtsc(), ip);
	if (r == NULL)
		return NULL;
	if (r->nb_segs > 1 && rte_pktmbuf_linearize(r) != 0) {
		drop(o, lc, r, LNS_DROP_FRAG_TOO_BIG);
		return NULL;
	}
	ip = rte_pktmbuf_mtod_offset(r, struct rte_ipv4_hdr *, r->l2_len);
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	lns_count(lc->st, LNS_CTR_REASSEMBLED, 1);
	return r;
}

void
lns_dp_frag_expire(const struct lns_dp_lctx *lc)
{
	if (lc->frag == NULL)
		return;
	rte_ip_frag_table_del_expired_entries(lc->frag, lc->dr, rte_rdtsc());
	if (lc->dr->cnt != 0) {
		lns_count_drop(lc->st, LNS_DROP_FRAG_DISCARDED, lc->dr->cnt);
		rte_ip_frag_free_death_row(lc->dr, PREFETCH_AHEAD);
	}
}

/* The upstream stages after classify: ESP in mb[0..nesp), then plain L2TP in
 * l2[0..nl2) (room for nesp more behind). */
static void
upstream(const struct lns_dp *dp, struct rte_mbuf **esp, uint16_t nesp, struct rte_mbuf **l2,
	 uint16_t nl2, struct burst_out *o, const struct lns_dp_lctx *lc)
{
	uint16_t n;

	if (nesp > 0) {
		n = esp_in(dp, esp, nesp, o, lc);
		memcpy(&l2[nl2], esp, n * sizeof(*esp));
		nl2 = (uint16_t)(nl2 + n);
	}
	if (nl2 == 0)
		return;
	l2tp_in(dp, l2, nl2, o, lc);
}

static void
downstream(const struct lns_dp *dp, struct rte_mbuf **mb, uint16_t n, struct burst_out *o,
	   const struct lns_dp_lctx *lc)
{
	struct lns_esp_sa *sa[LNS_MAX_BURST];

	n = ipv4_down(dp, mb, n, sa, o, lc);
	if (n == 0)
		return;
	n = esp_out(dp, mb, sa, n, o, lc);
	outer(dp, mb, n, o, lc);
}

void
lns_dp_rx_burst(const struct lns_dp *dp, unsigned int role, struct rte_mbuf **pkts,
		uint16_t n, struct rte_mbuf **punt, uint16_t *n_punt,
		const struct lns_dp_lctx *lc)
{
	struct rte_mbuf *esp[LNS_MAX_BURST], *l2[LNS_MAX_BURST], *dn[LNS_MAX_BURST];
	uint16_t nesp = 0, nl2 = 0, ndn = 0;
	uint64_t bytes = 0;
	struct burst_out o;

	burst_begin(&o, punt);
	tr_burst(dp);

	for (uint16_t i = 0; i < n && i < PREFETCH_AHEAD; i++)
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));

	/* classify: each packet to its stage's burst, punted, or dropped */
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct lns_pkt_meta *meta = lns_pkt_meta(m);
		enum lns_drop why = LNS_DROP_ETH_TRUNCATED;

		if (i + PREFETCH_AHEAD < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + PREFETCH_AHEAD], void *));
		bytes += m->pkt_len;

		/* The classifier reads only the first segment; a header split over
		 * segments reads as truncated, which is counted, never misparsed. It
		 * writes the metadata in place: one copy through the stack cost a
		 * failed store forward per frame. */
		enum lns_verdict v = lns_dp_classify(dp->port, role,
					rte_pktmbuf_mtod(m, const uint8_t *), m->data_len,
					m->ol_flags, meta, &why);

		if (v == LNS_V_FRAG) {
			m = reassemble(m, meta, &o, lc);
			if (m == NULL)
				continue;      /* held for its other fragments, or dropped */
			/* A whole datagram now: classify it like any other. */
			meta = lns_pkt_meta(m);
			v = lns_dp_classify(dp->port, role, rte_pktmbuf_mtod(m, const uint8_t *),
					    m->data_len, 0, meta, &why);
			if (v == LNS_V_FRAG) {        /* cannot be: reassembly clears MF */
				v = LNS_V_DROP;
				why = LNS_DROP_IPV4_FRAGMENT;
			}
		}
		if (tr_on())
			tr_classify(dp, lc, m, role, v);
		switch (v) {
		case LNS_V_PUNT:
			punt[o.np++] = m;
			break;
		case LNS_V_ESP:
			esp[nesp++] = m;
			break;
		case LNS_V_L2TP:
			plain_l2tp_strip(m);   /* its headers are in cache now */
			l2[nl2++] = m;
			break;
		case LNS_V_DOWN:
			dn[ndn++] = m;
			break;
		default:
			drop(&o, lc, m, why);
			break;
		}
	}
	if (lc->dr != NULL && lc->dr->cnt != 0) {
		lns_count_drop(lc->st, LNS_DROP_FRAG_DISCARDED, lc->dr->cnt);
		rte_ip_frag_free_death_row(lc->dr, PREFETCH_AHEAD);
	}
	if (nesp + nl2 > 0)
		upstream(dp, esp, nesp, l2, nl2, &o, lc);
	if (ndn > 0)
		downstream(dp, dn, ndn, &o, lc);
	burst_end(dp, &o, lc);
	lns_count(lc->st, LNS_CTR_RX_PACKETS, n);
	lns_count(lc->st, LNS_CTR_RX_BYTES, bytes);
	*n_punt = o.np;
}

uint16_t
lns_dp_handoff_burst(const struct lns_dp *dp, struct rte_mbuf **punt, uint16_t *n_punt,
		     uint16_t max, const struct lns_dp_lctx *lc)
{
	struct rte_mbuf *pk[LNS_MAX_BURST], *l2[LNS_MAX_BURST];
	struct burst_out o;
	uint16_t n;

	*n_punt = 0;
	n = (uint16_t)rte_ring_sc_dequeue_burst(dp->handoff[lc->slot], (void **)pk,
						RTE_MIN(max, (uint16_t)LNS_MAX_BURST), NULL);
	if (n == 0)
		return 0;
	burst_begin(&o, punt);
	tr_burst(dp);
	upstream(dp, pk, n, l2, 0, &o, lc);
	burst_end(dp, &o, lc);
	*n_punt = o.np;
	return n;
}

/* Punted packets of a burst onto this worker's ring to the control lcore. */
void
lns_dp_punt_enqueue(const struct lns_dp *dp, uint16_t w, struct rte_mbuf **punt, uint16_t np,
	     const struct lns_dp_lctx *lc)
{
	unsigned int q;

	if (np == 0)
		return;
	q = rte_ring_enqueue_burst(dp->punt[w], (void **)punt, np, NULL);
	lns_count(lc->st, LNS_CTR_PUNTED, q);
	if (q < np) {
		lns_count_drop(lc->st, LNS_DROP_PUNT_RING_FULL, np - q);
		rte_pktmbuf_free_bulk(&punt[q], np - q);
	}
}

int
lns_dp_worker_main(void *arg)
{
	struct lns_dp *dp = arg;
	const unsigned int lcore = rte_lcore_id();
	struct rte_mbuf *pkts[LNS_MAX_BURST], *punt[LNS_MAX_BURST];
	struct lns_dp_lctx lc;
	uint32_t loops = 0;
	uint16_t w;

	for (w = 0; w < dp->n_workers; w++)
		if (dp->worker_lcore[w] == lcore)
			break;
	if (w == dp->n_workers)
		return -1;
	lc.txq = w;
	lc.slot = w;
	lc.mgr = dp->mgr[w];
	lc.st = &dp->stats->slot[lcore];
	lc.frag = dp->frag[w];
	lc.dr = dp->dr[w];

	rte_rcu_qsbr_thread_register(dp->qsbr, w);
	rte_rcu_qsbr_thread_online(dp->qsbr, w);

	while (!__atomic_load_n(&dp->stop, __ATOMIC_RELAXED)) {
		uint16_t np;

		for (unsigned int r = 0; r < LNS_PORT_ROLE_MAX; r++) {
			const struct lns_dp_port *p = &dp->port[r];
			uint16_t nrx;

			nrx = rte_eth_rx_burst(p->port_id, w, pkts, p->rx_burst);
			if (nrx == 0)
				continue;
			lns_dp_rx_burst(dp, r, pkts, nrx, punt, &np, &lc);
			lns_dp_punt_enqueue(dp, w, punt, np, &lc);
		}
		/* ESP other lcores received for the SAs this worker owns */
		if (lns_dp_handoff_burst(dp, punt, &np, dp->port[LNS_PORT_ACCESS].rx_burst, &lc) > 0)
			lns_dp_punt_enqueue(dp, w, punt, np, &lc);
		rte_rcu_qsbr_quiescent(dp->qsbr, w);
		if (++loops % 1024 == 0)
			lns_dp_frag_expire(&lc);
	}

	rte_rcu_qsbr_thread_offline(dp->qsbr, w);
	rte_rcu_qsbr_thread_unregister(dp->qsbr, w);
	return 0;
}
