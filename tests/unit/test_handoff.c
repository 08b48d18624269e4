/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One writer per inbound SA (DESIGN.md "Tables"): one SA's NAT-T ESP reaches two
 * worker lcores running at once and the control lcore's RX path, whole and as
 * outer IPv4 fragments reassembled where they arrived. Exactly one worker decrypts
 * every packet (its anti-replay window has one writer); the others hand them to it
 * over its ring, counted; no packet is a false replay, and a real replay sent to a
 * non-owner is caught by the owner's window. An SA without a window (read-only
 * per packet) is decrypted wherever it arrives.
 */
#include <arpa/inet.h>
#include <string.h>

#include <CUnit/Basic.h>

#include <rte_eal.h>
#include <rte_ip.h>
#include <rte_ip_frag.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>
#include <rte_udp.h>

#include "lns_dp.h"
#include "lns_hdr.h"
#include "lns_l2tp_data.h"

#define N_WORKERS 2
#define N_SLOTS   (N_WORKERS + 1)       /* the control lcore's slot last */
#define CTL_SLOT  N_WORKERS
#define N_PKTS    96
#define SPI       0x1001
#define FRAG_IP_PAYLOAD 512             /* bytes of the first fragment's payload */
#define L2TP_HDR  10                    /* lns_l2tp_data_build(): no options, ff03 0021 */
#define LNS_MAX_BURST_TEST 256          /* room for any burst's punted packets */

static struct lns_dp dp;
static struct lns_stats *st;
static struct rte_mempool *pool;
static struct lns_dp_lctx lc[N_SLOTS];
static struct lns_esp_sa *gen;          /* the client's side of the SA: encrypts */
static uint32_t h_in;
static const struct rte_ether_addr our_mac = { { 0x02, 0, 0, 0, 0, 0x01 } };
static const struct rte_ether_addr peer_mac = { { 0x02, 0, 0, 0, 0, 0x02 } };
static const uint8_t key_gcm[20] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
				     0xca, 0xfe, 0xba, 0xbe };

/* What each data-path lcore receives, in order. */
struct rx_list {
	struct rte_mbuf *m[2 * N_PKTS];
	uint16_t n;
	uint16_t datagrams;     /* whole ESP datagrams among them (after reassembly) */
};
static struct rx_list rx[N_SLOTS];
static volatile int rx_done;

static uint32_t
ip4(const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return a.s_addr;
}

static void
params(struct lns_esp_sa_params *p, uint32_t spi, enum lns_esp_dir dir, uint32_t win)
{
	memset(p, 0, sizeof(*p));
	p->spi = spi;
	p->dir = dir;
	p->mode = LNS_ESP_MODE_TRANSPORT;
	p->cipher = LNS_ESP_CIPHER_AES_GCM16;
	p->auth = LNS_ESP_AUTH_NONE;
	p->enc_key = key_gcm;
	p->enc_key_len = sizeof(key_gcm);
	p->replay_win = win;
	p->iv_seed = key_gcm;
}

/* The next ESP-in-UDP frame of the SA (sequence numbers 1, 2, ... in call order):
 * L2TP data for tunnel 1 session 1, `plen` bytes of PPP payload, from NAT-T source
 * port `sport`. */
static struct rte_mbuf *
next_frame(uint16_t plen, uint16_t sport)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	uint8_t *p, st8;

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(L2TP_HDR + plen));
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	lns_l2tp_data_build(p, 1, 1, 0, 0, 0, 0, 0, LNS_PPP_IPV4);
	memset(p + L2TP_HDR, 0x5a, plen);
	put_udp(m, RTE_BE16(1701), RTE_BE16(1701));
	CU_ASSERT_EQUAL_FATAL(lns_esp_outbound(lc[CTL_SLOT].mgr, &gen, &m, 1, NULL, &st8), 1);
	put_udp(m, rte_cpu_to_be_16(sport), RTE_BE16(4500));
	put_ipv4(m, ip4("192.0.2.2"), ip4("192.0.2.1"), IPPROTO_UDP);
	put_eth(m, lns_mac_publish_value(&our_mac), &peer_mac);
	return m;
}

/* Split a frame's outer IPv4 datagram in two fragments (RFC 791), second first. */
static void
fragment(struct rte_mbuf *m, struct rte_mbuf *out[2])
{
	const uint32_t l2 = sizeof(struct rte_ether_hdr), ihl = sizeof(struct rte_ipv4_hdr);
	const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t pay = m->data_len - l2 - ihl;

	CU_ASSERT_FATAL(pay > FRAG_IP_PAYLOAD);
	for (int i = 0; i < 2; i++) {
		uint32_t off = i == 0 ? 0 : FRAG_IP_PAYLOAD;
		uint32_t len = i == 0 ? FRAG_IP_PAYLOAD : pay - FRAG_IP_PAYLOAD;
		struct rte_mbuf *x = rte_pktmbuf_alloc(pool);
		uint8_t *p;
		struct rte_ipv4_hdr *ip;

		CU_ASSERT_PTR_NOT_NULL_FATAL(x);
		p = (uint8_t *)rte_pktmbuf_append(x, (uint16_t)(l2 + ihl + len));
		memcpy(p, f, l2 + ihl);
		memcpy(p + l2 + ihl, f + l2 + ihl + off, len);
		ip = (struct rte_ipv4_hdr *)(p + l2);
		ip->total_length = rte_cpu_to_be_16((uint16_t)(ihl + len));
		ip->fragment_offset = rte_cpu_to_be_16((uint16_t)((off / 8) |
					(i == 0 ? RTE_IPV4_HDR_MF_FLAG : 0)));
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		out[1 - i] = x;
	}
	rte_pktmbuf_free(m);
}

/* A data-path lcore's part: its frames in bursts of 8, then the packets other lcores
 * hand it, until every lcore is through its frames and its ring is empty. */
static int
run_slot(void *arg)
{
	uint16_t slot = (uint16_t)(uintptr_t)arg;
	struct rte_mbuf *punt[LNS_MAX_BURST_TEST];
	uint16_t np;

	for (uint16_t i = 0; i < rx[slot].n; i += 8) {
		lns_dp_rx_burst(&dp, LNS_PORT_ACCESS, &rx[slot].m[i],
				RTE_MIN(8, rx[slot].n - i), punt, &np, &lc[slot]);
		CU_ASSERT_EQUAL(np, 0);
		/* the owner keeps up with its ring while it receives, as a worker does */
		if (slot < N_WORKERS)
			lns_dp_handoff_burst(&dp, punt, &np, 32, &lc[slot]);
	}
	__atomic_add_fetch(&rx_done, 1, __ATOMIC_RELEASE);
	if (slot >= N_WORKERS)
		return 0;
	for (;;) {
		int done = __atomic_load_n(&rx_done, __ATOMIC_ACQUIRE) == N_SLOTS;

		if (lns_dp_handoff_burst(&dp, punt, &np, 32, &lc[slot]) > 0) {
			CU_ASSERT_EQUAL(np, 0);
		} else if (done && rte_ring_empty(dp.handoff[slot])) {
			break;
		}
	}
	return 0;
}

static uint64_t
ctr(uint16_t slot, enum lns_ctr c)
{
	return lc[slot].st->ctr[c];
}

static uint64_t
drops(uint16_t slot, enum lns_drop d)
{
	return lc[slot].st->drop[d];
}

static void
test_one_writer(void)
{
	unsigned int worker1 = rte_get_next_lcore(rte_lcore_id(), 1, 0);
	uint64_t esp_total = 0, ho_total = 0, replay = 0, nosess = 0;
	int owner = -1;

	CU_ASSERT_FATAL(worker1 < RTE_MAX_LCORE);
	/* Sequence numbers 1..N_PKTS, dealt out in turn: worker 0, worker 1 and the
	 * control lcore get whole frames from different NAT-T ports (as RSS and
	 * af_packet's fanout spread them); every fourth datagram arrives in
	 * fragments at a worker, which reassembles it there. */
	for (uint16_t s = 1; s <= N_PKTS; s++) {
		unsigned int to = s % 4 == 0 ? (s / 4) % N_WORKERS : s % 4 - 1;

		if (s % 4 == 0) {
			struct rte_mbuf *fr[2];

			fragment(next_frame(800, (uint16_t)(30000 + s)), fr);
			rx[to].m[rx[to].n++] = fr[0];
			rx[to].m[rx[to].n++] = fr[1];
		} else {
			rx[to].m[rx[to].n++] = next_frame(64, (uint16_t)(20000 + s));
		}
		rx[to].datagrams++;
	}
	/* worker 1 on its own lcore, worker 0 and then the control lcore's RX path here */
	CU_ASSERT_EQUAL_FATAL(rte_eal_remote_launch(run_slot, (void *)(uintptr_t)1, worker1), 0);
	run_slot((void *)(uintptr_t)CTL_SLOT);
	run_slot((void *)(uintptr_t)0);
	CU_ASSERT_EQUAL(rte_eal_wait_lcore(worker1), 0);

	for (uint16_t s = 0; s < N_SLOTS; s++) {
		printf("\n  slot %u: rx %u datagrams, esp_in %" PRIu64 ", handed off %" PRIu64
		       ", reassembled %" PRIu64, s, rx[s].datagrams, ctr(s, LNS_CTR_ESP_IN),
		       ctr(s, LNS_CTR_ESP_HANDOFF), ctr(s, LNS_CTR_REASSEMBLED));
		esp_total += ctr(s, LNS_CTR_ESP_IN);
		ho_total += ctr(s, LNS_CTR_ESP_HANDOFF);
		replay += drops(s, LNS_DROP_ESP_REPLAY);
		nosess += drops(s, LNS_DROP_L2TP_NO_SESSION);
		CU_ASSERT_EQUAL(drops(s, LNS_DROP_ESP_HANDOFF_FULL), 0);
		if (ctr(s, LNS_CTR_ESP_IN) != 0) {
			CU_ASSERT_EQUAL(owner, -1);     /* one writer only */
			owner = s;
		}
	}
	printf("\n");
	CU_ASSERT_FATAL(owner >= 0 && owner < N_WORKERS);
	CU_ASSERT_EQUAL(__atomic_load_n(&lns_sad_get(dp.sad, h_in)->owner, __ATOMIC_RELAXED),
			(uint32_t)owner);
	/* every datagram decrypted once, on the owner; no false replay */
	CU_ASSERT_EQUAL(esp_total, N_PKTS);
	CU_ASSERT_EQUAL(replay, 0);
	/* ... and parsed to the end (no session is provisioned: the last stage drops) */
	CU_ASSERT_EQUAL(nosess, N_PKTS);
	/* What the others received went over the owner's ring. The control lcore sends
	 * an SA nobody owns yet to a worker chosen by SPI, which passes it on once more
	 * if the other worker claimed the SA first. */
	CU_ASSERT(ho_total >= (uint64_t)(N_PKTS - rx[owner].datagrams));
	CU_ASSERT(ho_total <= (uint64_t)(N_PKTS - rx[owner].datagrams + rx[CTL_SLOT].datagrams));
	CU_ASSERT_EQUAL(ctr(owner, LNS_CTR_ESP_HANDOFF), 0);
	CU_ASSERT(ctr(1 - owner, LNS_CTR_ESP_HANDOFF) > 0);
	CU_ASSERT(ctr(CTL_SLOT, LNS_CTR_ESP_HANDOFF) > 0);
	CU_ASSERT(ctr(0, LNS_CTR_REASSEMBLED) > 0 && ctr(1, LNS_CTR_REASSEMBLED) > 0);
	/* the SA's own counters moved in the owner's slot alone */
	for (uint16_t s = 0; s < N_SLOTS; s++) {
		const uint64_t *c = &dp.sad->ctr[((size_t)s * dp.sad->max_sas + h_in) *
						 LNS_SAD_CTR_MAX];

		CU_ASSERT_EQUAL(c[LNS_SAD_PKTS], s == owner ? N_PKTS : 0);
	}
}

/* A replayed packet that reaches a non-owner is caught by the owner's window: the
 * window all packets went through is the one the replay meets. */
static void
test_replay_through_handoff(void)
{
	int owner = (int)__atomic_load_n(&lns_sad_get(dp.sad, h_in)->owner, __ATOMIC_RELAXED);
	uint16_t other = (uint16_t)(1 - owner), np;
	struct rte_mbuf *m, *dup, *punt[LNS_MAX_BURST_TEST];
	uint64_t r0 = drops((uint16_t)owner, LNS_DROP_ESP_REPLAY);
	uint64_t e0 = ctr((uint16_t)owner, LNS_CTR_ESP_IN);

	CU_ASSERT_FATAL(owner == 0 || owner == 1);
	m = next_frame(64, 40000);                      /* sequence number N_PKTS + 1 */
	dup = rte_pktmbuf_copy(m, pool, 0, UINT32_MAX);
	CU_ASSERT_PTR_NOT_NULL_FATAL(dup);
	lns_dp_rx_burst(&dp, LNS_PORT_ACCESS, &m, 1, punt, &np, &lc[owner]);
	lns_dp_rx_burst(&dp, LNS_PORT_ACCESS, &dup, 1, punt, &np, &lc[other]);
	CU_ASSERT_EQUAL(lns_dp_handoff_burst(&dp, punt, &np, 32, &lc[other]), 0);
	CU_ASSERT_EQUAL(lns_dp_handoff_burst(&dp, punt, &np, 32, &lc[owner]), 1);
	CU_ASSERT_EQUAL(ctr((uint16_t)owner, LNS_CTR_ESP_IN), e0 + 1);
	CU_ASSERT_EQUAL(drops((uint16_t)owner, LNS_DROP_ESP_REPLAY), r0 + 1);
	CU_ASSERT_EQUAL(ctr(other, LNS_CTR_ESP_IN), 0);
}

/* A full ring is a counted drop, never a wait and never a decrypt in place. */
static void
test_ring_full(void)
{
	int owner = (int)__atomic_load_n(&lns_sad_get(dp.sad, h_in)->owner, __ATOMIC_RELAXED);
	uint16_t other = (uint16_t)(1 - owner), np;
	struct rte_mbuf *m, *punt[LNS_MAX_BURST_TEST];
	struct rte_ring *r = dp.handoff[owner];
	unsigned int cap = rte_ring_get_capacity(r), filled = 0;
	uint64_t f0 = drops(other, LNS_DROP_ESP_HANDOFF_FULL);
	void *obj;

	while (filled < cap) {          /* whatever mbufs: only their room matters */
		struct rte_mbuf *x = rte_pktmbuf_alloc(pool);

		CU_ASSERT_PTR_NOT_NULL_FATAL(x);
		CU_ASSERT_EQUAL_FATAL(rte_ring_enqueue(r, x), 0);
		filled++;
	}
	m = next_frame(64, 40001);
	lns_dp_rx_burst(&dp, LNS_PORT_ACCESS, &m, 1, punt, &np, &lc[other]);
	CU_ASSERT_EQUAL(drops(other, LNS_DROP_ESP_HANDOFF_FULL), f0 + 1);
	CU_ASSERT_EQUAL(ctr(other, LNS_CTR_ESP_IN), 0);
	while (rte_ring_dequeue(r, &obj) == 0)
		rte_pktmbuf_free(obj);
}

/* Without an anti-replay window an inbound SA has no per-packet state: every
 * lcore decrypts it where it arrives, and nothing is handed off. */
static void
test_no_window_no_handoff(void)
{
	struct lns_esp_sa_params in, out, g;
	const struct lns_sad_peer peer = {
		.addr = ip4("192.0.2.2"), .udp_encap = 1, .peer_port = 4500, .local_port = 4500,
	};
	struct lns_esp_sa *gen_w = gen, *g0;
	struct rte_mbuf *punt[LNS_MAX_BURST_TEST];
	uint64_t e0[N_WORKERS], h0[N_WORKERS];
	uint32_t hi, ho;
	uint16_t np;
	int sz;

	params(&in, 0x3001, LNS_ESP_DIR_IN, 0);
	params(&out, 0x3002, LNS_ESP_DIR_OUT, 0);
	CU_ASSERT_EQUAL_FATAL(lns_sad_add_pair(dp.sad, lc[0].mgr, 2, &in, &out, &peer, &hi, &ho), 0);
	CU_ASSERT_EQUAL(lns_sad_get(dp.sad, hi)->owned, 0);
	CU_ASSERT_EQUAL(lns_sad_get(dp.sad, h_in)->owned, 1);
	params(&g, 0x3001, LNS_ESP_DIR_OUT, 0);
	sz = lns_esp_sa_size(&g);
	g0 = rte_zmalloc(NULL, (size_t)sz, RTE_CACHE_LINE_SIZE);
	CU_ASSERT_FATAL(g0 != NULL && lns_esp_sa_init(g0, lc[CTL_SLOT].mgr, &g) == 0);
	gen = g0;
	for (uint16_t w = 0; w < N_WORKERS; w++) {
		e0[w] = ctr(w, LNS_CTR_ESP_IN);
		h0[w] = ctr(w, LNS_CTR_ESP_HANDOFF);
	}
	for (uint16_t w = 0; w < N_WORKERS; w++) {
		struct rte_mbuf *m = next_frame(64, (uint16_t)(50000 + w));

		lns_dp_rx_burst(&dp, LNS_PORT_ACCESS, &m, 1, punt, &np, &lc[w]);
	}
	for (uint16_t w = 0; w < N_WORKERS; w++) {
		CU_ASSERT_EQUAL(ctr(w, LNS_CTR_ESP_IN), e0[w] + 1);
		CU_ASSERT_EQUAL(ctr(w, LNS_CTR_ESP_HANDOFF), h0[w]);
		CU_ASSERT(rte_ring_empty(dp.handoff[w]));
	}
	gen = gen_w;
	lns_esp_sa_clear(g0);
	rte_free(g0);
}

static int
setup(void)
{
	struct lns_esp_sa_params in, out, g;
	const struct lns_sad_peer peer = {
		.addr = ip4("192.0.2.2"), .udp_encap = 1, .peer_port = 4500, .local_port = 4500,
	};
	uint32_t h_out;
	size_t qsz = rte_rcu_qsbr_get_memsize(N_WORKERS);
	int sz;

	st = lns_stats_create(N_SLOTS);
	pool = rte_pktmbuf_pool_create("test_handoff", 8192, 0,
				       RTE_ALIGN_CEIL(sizeof(struct lns_pkt_meta),
						      RTE_MBUF_PRIV_ALIGN),
				       RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	dp.qsbr = rte_zmalloc(NULL, qsz, RTE_CACHE_LINE_SIZE);
	if (st == NULL || pool == NULL || dp.qsbr == NULL ||
	    rte_rcu_qsbr_init(dp.qsbr, N_WORKERS) != 0)
		return -1;
	dp.stats = st;
	dp.n_workers = N_WORKERS;
	dp.ctl_queue = N_WORKERS;
	for (int r = 0; r < LNS_PORT_ROLE_MAX; r++) {
		dp.port[r].role = (uint8_t)r;
		dp.port[r].mac = our_mac;
		dp.port[r].mask = htonl(0xffffff00);
	}
	dp.port[LNS_PORT_ACCESS].addr = ip4("192.0.2.1");
	dp.port[LNS_PORT_CORE].addr = ip4("198.51.100.1");
	dp.sad = lns_sad_create(16, SOCKET_ID_ANY, dp.qsbr, N_SLOTS);
	dp.tbl = lns_tables_create(16, N_SLOTS, SOCKET_ID_ANY, dp.qsbr);
	if (dp.sad == NULL || dp.tbl == NULL)
		return -1;
	for (uint16_t s = 0; s < N_SLOTS; s++) {
		char name[32];

		snprintf(name, sizeof(name), "test_handoff_%u", s);
		if (s < N_WORKERS) {
			dp.handoff[s] = rte_ring_create(name, 1024, SOCKET_ID_ANY, RING_F_SC_DEQ);
			if (dp.handoff[s] == NULL)
				return -1;
		}
		lc[s].txq = s;
		lc[s].slot = s;
		lc[s].mgr = lns_esp_mgr_create();
		lc[s].st = &st->slot[s];
		lc[s].frag = rte_ip_frag_table_create(16, 4, 64, rte_get_tsc_hz(), SOCKET_ID_ANY);
		lc[s].dr = rte_zmalloc(NULL, sizeof(*lc[s].dr), 0);
		if (lc[s].mgr == NULL || lc[s].frag == NULL || lc[s].dr == NULL)
			return -1;
	}
	/* A window wide enough for the reordering two lcores and a ring make here:
	 * what is measured is who writes it, not how far packets are reordered. */
	params(&in, SPI, LNS_ESP_DIR_IN, 256);
	params(&out, 0x2001, LNS_ESP_DIR_OUT, 0);
	if (lns_sad_add_pair(dp.sad, lc[0].mgr, 1, &in, &out, &peer, &h_in, &h_out) != 0)
		return -1;
	params(&g, SPI, LNS_ESP_DIR_OUT, 0);
	sz = lns_esp_sa_size(&g);
	gen = sz > 0 ? rte_zmalloc(NULL, (size_t)sz, RTE_CACHE_LINE_SIZE) : NULL;
	if (gen == NULL || lns_esp_sa_init(gen, lc[CTL_SLOT].mgr, &g) != 0)
		return -1;
	return 0;
}

static void
teardown(void)
{
	for (uint16_t s = 0; s < N_SLOTS; s++) {
		if (s < N_WORKERS)
			rte_ring_free(dp.handoff[s]);
		lns_esp_mgr_free(lc[s].mgr);
		rte_ip_frag_table_destroy(lc[s].frag);
		rte_ip_frag_free_death_row(lc[s].dr, 0);
		rte_free(lc[s].dr);
	}
	lns_esp_sa_clear(gen);
	rte_free(gen);
	lns_sad_free(dp.sad);
	lns_tables_free(dp.tbl);
	rte_free(dp.qsbr);
	lns_stats_free(st);
	rte_mempool_free(pool);
}

/*
 * Control's L2TP send with too little headroom for the outer headers: a counted
 * drop under encap.no_headroom or tx.no_headroom (no ESP is involved), first for the
 * UDP header, then for the IPv4 one.
 */
static void
test_send_no_headroom(void)
{
	static const uint16_t room[2] = { 4, 12 };      /* < UDP; UDP but < UDP + IPv4 */
	/* the L2TP's UDP header is the encap stage's, the outer IPv4 the tx stage's */
	static const enum lns_drop want[2] = { LNS_DROP_ENCAP_NO_HEADROOM,
					       LNS_DROP_TX_NO_HEADROOM };

	for (int i = 0; i < 2; i++) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
		uint64_t nh = drops(CTL_SLOT, want[i]);
		uint64_t total = lns_stats_drops_total(dp.stats);

		CU_ASSERT_PTR_NOT_NULL_FATAL(m);
		CU_ASSERT_PTR_NOT_NULL_FATAL(rte_pktmbuf_append(m, 20));
		CU_ASSERT_PTR_NOT_NULL_FATAL(
			rte_pktmbuf_prepend(m, (uint16_t)(rte_pktmbuf_headroom(m) - room[i])));
		CU_ASSERT_EQUAL(lns_dp_send_l2tp(&dp, &lc[CTL_SLOT], m, ip4("192.0.2.2"),
						 RTE_BE16(1701), LNS_SAD_NONE, 0,
						 lns_mac_publish_value(&peer_mac)), -ENOBUFS);
		CU_ASSERT_EQUAL(drops(CTL_SLOT, want[i]), nh + 1);
		CU_ASSERT_EQUAL(lns_stats_drops_total(dp.stats), total + 1);   /* that one only */
	}
}

int
main(void)
{
	char *eal[] = { "test_handoff", "--no-huge", "-m", "256", "--no-pci", "--no-shconf",
			"-l", "0-1", "--log-level=lib.*:error", NULL };
	CU_pSuite s;
	unsigned int fails;

	if (rte_eal_init(9, eal) < 0)
		return 2;
	if (setup() != 0) {
		fprintf(stderr, "test_handoff: setup failed\n");
		return 2;
	}
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	s = CU_add_suite("handoff", NULL, NULL);
	CU_add_test(s, "one SA on two workers and the control lcore, whole and fragmented: "
		    "one writer, no false replay", test_one_writer);
	CU_add_test(s, "a replay reaching a non-owner meets the owner's window",
		    test_replay_through_handoff);
	CU_add_test(s, "full handoff ring: counted drop, no decrypt in place", test_ring_full);
	CU_add_test(s, "no headroom for outer headers: counted as no_headroom",
		    test_send_no_headroom);
	CU_add_test(s, "no replay window: decrypted where it arrives, no handoff",
		    test_no_window_no_handoff);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures();
	CU_cleanup_registry();
	teardown();
	rte_eal_cleanup();
	return fails ? 1 : 0;
}
