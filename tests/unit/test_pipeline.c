/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Pipeline harness: frames built byte by byte (ESP sealed with IPsec-MB's own GCM,
 * not with lib/esp's outbound) go through the data path's entry points
 * (lns_dp_rx_burst on either port, lns_dp_handoff_burst, lns_dp_send_l2tp,
 * lns_dp_punt_enqueue) on EAL --no-huge --no-pci, with net_ring ports. Each case
 * asserts that exactly one drop reason moved, by exactly one, and which.
 *
 * Coverage: every reason of every data-path stage (all of LNS_DROPS but the
 * control lcore's ctl.* ones, which lib/ctl decides) must be reached, or the last
 * test fails naming it: a reason added without a case here fails the suite.
 * lib/esp statuses that the stages' own checks stop before lib/esp (SA of the
 * wrong direction, SPI mismatch, IPsec-MB job failure) are produced by calling
 * lib/esp directly and mapped with the stage's table (lns_dp_esp_reason()).
 */
#include <arpa/inet.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include <rte_arp.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_ip_frag.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>
#include <rte_udp.h>

#include "lns_dp.h"
#include "lns_hdr.h"
#include "lns_l2tp_data.h"

#define N_WORKERS 2
#define LNS_MAX_BURST_TEST 256
#define SPI_GCM   0x1001u       /* transport, NAT-T, window 64 */
#define SPI_OUT   0x2001u
#define SPI_TUN   0x1101u       /* tunnel mode, plain ESP */
#define SPI_TUN_O 0x2101u
#define SPI_CBC   0x1201u
#define SPI_CBC_O 0x2201u
#define SPI_DROP  0x1301u       /* dropped pair */
#define SPI_DROP_O 0x2301u
#define SPI_EXP   0x1401u       /* lib/esp state expired, SAD entry active */
#define SPI_EXP_O 0x2401u
#define SPI_OWN   0x1501u       /* owned by worker 1 */
#define SPI_OWN_O 0x2501u
#define SPI_SEQ   0x1601u
#define SPI_SEQ_O 0x2601u       /* outbound sequence space used up */

/* tunnels: 1 ESP (SPI_GCM), 2 plain, 3 plain without next hop, 4 ESP on a dropped
 * pair, 5 ESP with lib/esp-expired outbound SA, 6 ESP sequence exhausted */
#define T_ESP 1
#define T_PLAIN 2
#define T_NONH 3
#define T_DROP 4
#define T_EXP 5
#define T_SEQ 6

static struct lns_dp dp;
static struct lns_conf conf;
static struct lns_stats *st;
static struct rte_mempool *pool;
static struct lns_dp_lctx lc, lc_nofrag;
static uint16_t ports[2];
static struct gcm_key_data gkd;
static uint32_t h_gcm, h_tun, h_cbc, h_drop, h_exp, h_own, h_seq;
static uint32_t sess_esp, sess_plain, sess_pol;
static uint32_t seq_gcm = 1, seq_tun = 1;
static bool reached[LNS_DROP_MAX];

static const struct rte_ether_addr our_mac = { { 0x02, 0, 0, 0, 0, 0x01 } };
static const struct rte_ether_addr peer_mac = { { 0x02, 0, 0, 0, 0, 0x02 } };
static const uint8_t key_gcm[20] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
				     0xca, 0xfe, 0xba, 0xbe };
static const uint8_t key_cbc[16] = { 7 };
static const uint8_t key_sha1[20] = { 9 };

static uint32_t
ip4(const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return a.s_addr;
}

#define PEER     ip4("192.0.2.2")
#define ACC      ip4("192.0.2.1")
#define CORE     ip4("198.51.100.1")
#define SUB_ESP  ip4("10.0.0.1")
#define SUB_PL   ip4("10.0.0.2")
#define SUB_POL  ip4("10.0.0.3")
#define SUB_NONH ip4("10.0.0.4")
#define SUB_DROP ip4("10.0.0.5")
#define SUB_EXP  ip4("10.0.0.6")
#define SUB_SEQ  ip4("10.0.0.7")
#define INNER_PEER  ip4("172.16.0.2")
#define INNER_LOCAL ip4("172.16.0.1")

/* ---------------------------------------------------------------- builders --- */

static uint32_t
put_ip(uint8_t *p, uint32_t src, uint32_t dst, uint8_t proto, uint32_t plen, uint8_t ttl,
       uint16_t frag)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)p;

	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = 0x45;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + plen));
	ip->fragment_offset = rte_cpu_to_be_16(frag);
	ip->time_to_live = ttl;
	ip->next_proto_id = proto;
	ip->src_addr = src;
	ip->dst_addr = dst;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	return sizeof(*ip);
}

static uint32_t
put_udp_hdr(uint8_t *p, uint16_t sport, uint16_t dport, uint32_t plen)
{
	struct rte_udp_hdr *u = (struct rte_udp_hdr *)p;

	u->src_port = rte_cpu_to_be_16(sport);
	u->dst_port = rte_cpu_to_be_16(dport);
	u->dgram_len = rte_cpu_to_be_16((uint16_t)(sizeof(*u) + plen));
	u->dgram_cksum = 0;
	return sizeof(*u);
}

/* Ethernet + IPv4(src, dst, proto) + payload. */
static uint32_t
frame(uint8_t *f, uint32_t src, uint32_t dst, uint8_t proto, const uint8_t *pl, uint32_t plen,
      uint8_t ttl, uint16_t frag)
{
	struct rte_ether_hdr *e = (struct rte_ether_hdr *)f;

	e->dst_addr = our_mac;
	e->src_addr = peer_mac;
	e->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	put_ip(f + 14, src, dst, proto, plen, ttl, frag);
	memcpy(f + 34, pl, plen);
	return 34 + plen;
}

/* UDP(sport -> dport) + payload, into u. */
static uint32_t
udp(uint8_t *u, uint16_t sport, uint16_t dport, const uint8_t *pl, uint32_t plen)
{
	put_udp_hdr(u, sport, dport, plen);
	memcpy(u + 8, pl, plen);
	return 8 + plen;
}

/* L2TP data (tunnel, session) + ff03 0021 + inner IPv4 (src -> dst, ttl) with 32 bytes. */
static uint32_t
l2tp_ip(uint8_t *p, uint16_t tunnel, uint16_t session, uint32_t src, uint32_t dst, uint8_t ttl)
{
	uint8_t *ip = p + 10;

	lns_l2tp_data_build(p, tunnel, session, 0, 0, 0, 0, 0, LNS_PPP_IPV4);
	put_ip(ip, src, dst, IPPROTO_UDP, 32, ttl, 0);
	memset(ip + 20, 0x5a, 32);
	return 10 + 20 + 32;
}

/* ESP (GCM-128, key_gcm) of a whole plaintext (payload and trailer as given). */
static uint32_t
esp_raw(uint8_t *p, uint32_t spi, uint32_t seq, const uint8_t *pt, uint32_t ptlen)
{
	IMB_MGR *mgr = lc.mgr;
	struct gcm_context_data ctx;
	uint8_t iv[12];
	rte_be32_t w;

	w = rte_cpu_to_be_32(spi);
	memcpy(p, &w, 4);
	w = rte_cpu_to_be_32(seq);
	memcpy(p + 4, &w, 4);
	memset(p + 8, 0x33, 8);                 /* explicit IV */
	memcpy(iv, key_gcm + 16, 4);
	memcpy(iv + 4, p + 8, 8);
	IMB_AES128_GCM_ENC(mgr, &gkd, &ctx, p + 16, pt, ptlen, iv, p, 8, p + 16 + ptlen, 16);
	return 16 + ptlen + 16;
}

/* ESP of payload with a correct trailer: padding 1, 2, 3..., pad length, next header. */
static uint32_t
esp(uint8_t *p, uint32_t spi, uint32_t seq, const uint8_t *pl, uint32_t plen, uint8_t nh)
{
	uint8_t pt[2048];
	uint32_t pad = (uint32_t)(-(plen + 2u) & 3u);

	memcpy(pt, pl, plen);
	for (uint32_t i = 0; i < pad; i++)
		pt[plen + i] = (uint8_t)(i + 1);
	pt[plen + pad] = (uint8_t)pad;
	pt[plen + pad + 1] = nh;
	return esp_raw(p, spi, seq, pt, plen + pad + 2);
}

/* An mbuf holding the frame with `headroom` bytes in front (-1: the default). */
static struct rte_mbuf *
mk(const uint8_t *f, uint32_t len, int headroom)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	uint8_t *p;

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	if (headroom >= 0)
		m->data_off = (uint16_t)headroom;
	p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	memcpy(p, f, len);
	return m;
}

/* NAT-T frame from the peer around ESP bytes e. */
static uint32_t
natt_wrap(uint8_t *f, const uint8_t *e, uint32_t elen)
{
	uint8_t u[2048];
	uint32_t n = udp(u, 4500, 4500, e, elen);

	return frame(f, PEER, ACC, IPPROTO_UDP, u, n, 64, 0);
}

/* NAT-T ESP frame from the peer for SA spi: payload pl with next header nh. */
static uint32_t
natt(uint8_t *f, uint32_t spi, uint32_t seq, const uint8_t *pl, uint32_t plen, uint8_t nh)
{
	uint8_t e[2048];

	return natt_wrap(f, e, esp(e, spi, seq, pl, plen, nh));
}

/* Plain ESP frame (tunnel-mode SA) for SA spi: payload pl with next header nh. */
static uint32_t
plain_esp(uint8_t *f, uint32_t spi, uint32_t seq, const uint8_t *pl, uint32_t plen, uint8_t nh)
{
	uint8_t e[2048];
	uint32_t n = esp(e, spi, seq, pl, plen, nh);

	return frame(f, PEER, ACC, IPPROTO_ESP, e, n, 64, 0);
}

/* ------------------------------------------------------------------ running --- */

static uint64_t before[LNS_DROP_MAX];

static void
snap(void)
{
	for (int d = 0; d < LNS_DROP_MAX; d++)
		before[d] = lns_stats_drop(st, d);
}

/* Exactly one drop, of reason want, since snap(). */
static void
expect(enum lns_drop want, const char *what)
{
	bool ok = true;

	for (int d = 0; d < LNS_DROP_MAX; d++) {
		uint64_t got = lns_stats_drop(st, d) - before[d], exp = d == (int)want;

		if (got != exp) {
			fprintf(stderr, "\n  %s: %s moved by %lu, want %lu", what, lns_drop_name(d),
				(unsigned long)got, (unsigned long)exp);
			ok = false;
		}
	}
	CU_ASSERT(ok);
	if (ok)
		reached[want] = true;
}

/* Drain what the ports sent (net_ring loops TX back to RX); @return packets. */
static uint16_t
drain(unsigned int role)
{
	struct rte_mbuf *m[64];
	uint16_t n, tot = 0;

	while ((n = rte_eth_rx_burst(ports[role], 0, m, 64)) > 0) {
		rte_pktmbuf_free_bulk(m, n);
		tot = (uint16_t)(tot + n);
	}
	return tot;
}

static uint16_t
rx_on(const struct lns_dp_lctx *l, unsigned int role, struct rte_mbuf *m)
{
	struct rte_mbuf *punt[LNS_MAX_BURST_TEST];
	uint16_t np = 0;

	lns_dp_rx_burst(&dp, role, &m, 1, punt, &np, l);
	rte_pktmbuf_free_bulk(punt, np);
	return np;
}

static uint16_t
rx(unsigned int role, struct rte_mbuf *m)
{
	return rx_on(&lc, role, m);
}

/* One frame through the access or core port: exactly reason `want`. */
#define CASE(role, m, want, what) do { \
		snap(); \
		rx(role, m); \
		expect(want, what); \
	} while (0)

/* ------------------------------------------------------------------- cases --- */

static void
test_classify(void)
{
	uint8_t f[2048], u[256], pl[64] = { 0 };
	struct rte_ether_hdr *e = (struct rte_ether_hdr *)f;
	uint32_t n;

	CASE(LNS_PORT_ACCESS, mk(f, 10, -1), LNS_DROP_ETH_TRUNCATED, "short frame");
	n = frame(f, PEER, ACC, IPPROTO_ICMP, pl, 8, 64, 0);
	e->dst_addr.addr_bytes[5] = 0x77;
	CASE(LNS_PORT_ACCESS, mk(f, n, -1), LNS_DROP_ETH_NOT_OURS, "other MAC");
	n = frame(f, PEER, ACC, IPPROTO_ICMP, pl, 8, 64, 0);
	e->ether_type = RTE_BE16(0x86dd);
	CASE(LNS_PORT_ACCESS, mk(f, n, -1), LNS_DROP_ETH_UNKNOWN_TYPE, "IPv6");
	{
		struct rte_arp_hdr *a = (struct rte_arp_hdr *)(f + 14);

		memset(f, 0, 64);
		e->dst_addr = our_mac;
		e->ether_type = RTE_BE16(RTE_ETHER_TYPE_ARP);
		CASE(LNS_PORT_ACCESS, mk(f, 20, -1), LNS_DROP_ARP_MALFORMED, "short ARP");
		a->arp_hardware = RTE_BE16(RTE_ARP_HRD_ETHER);
		a->arp_protocol = RTE_BE16(RTE_ETHER_TYPE_IPV4);
		a->arp_hlen = 6;
		a->arp_plen = 4;
		a->arp_opcode = RTE_BE16(RTE_ARP_OP_REQUEST);
		a->arp_data.arp_tip = ip4("192.0.2.77");
		CASE(LNS_PORT_ACCESS, mk(f, 42, -1), LNS_DROP_ARP_NOT_OURS, "ARP for another");
		a->arp_opcode = RTE_BE16(9);
		CASE(LNS_PORT_ACCESS, mk(f, 42, -1), LNS_DROP_ARP_IGNORED, "ARP op 9");
	}
	n = frame(f, PEER, ACC, IPPROTO_ICMP, pl, 8, 64, 0);
	CASE(LNS_PORT_ACCESS, mk(f, 20, -1), LNS_DROP_IPV4_TRUNCATED, "IPv4 cut short");
	f[14] = 0x65;
	CASE(LNS_PORT_ACCESS, mk(f, n, -1), LNS_DROP_IPV4_BAD_HEADER, "version 6");
	n = frame(f, PEER, ACC, IPPROTO_ICMP, pl, 8, 64, 0);
	f[24] ^= 0x40;
	CASE(LNS_PORT_ACCESS, mk(f, n, -1), LNS_DROP_IPV4_BAD_CKSUM, "checksum");
	n = frame(f, PEER, CORE, IPPROTO_UDP, pl, 16, 64, RTE_IPV4_HDR_MF_FLAG);
	CASE(LNS_PORT_CORE, mk(f, n, -1), LNS_DROP_IPV4_FRAGMENT, "fragment on the core port");
	n = frame(f, PEER, ip4("203.0.113.9"), IPPROTO_ICMP, pl, 8, 64, 0);
	CASE(LNS_PORT_ACCESS, mk(f, n, -1), LNS_DROP_IPV4_NOT_OURS, "not our address");
	n = frame(f, PEER, ACC, IPPROTO_UDP, pl, 4, 64, 0);
	CASE(LNS_PORT_ACCESS, mk(f, n, -1), LNS_DROP_UDP_TRUNCATED, "4 bytes of UDP");
	n = udp(u, 1000, 1701, pl, 8);
	u[5] = 60;
	n = frame(f, PEER, ACC, IPPROTO_UDP, u, n, 64, 0);
	CASE(LNS_PORT_ACCESS, mk(f, n, -1), LNS_DROP_UDP_BAD_LEN, "UDP length 60 of 16");
	n = udp(u, 1000, 9, pl, 8);
	n = frame(f, PEER, ACC, IPPROTO_UDP, u, n, 64, 0);
	CASE(LNS_PORT_ACCESS, mk(f, n, -1), LNS_DROP_L4_UNHANDLED, "UDP 9");
	pl[0] = 0xff;
	n = udp(u, 4500, 4500, pl, 1);
	n = frame(f, PEER, ACC, IPPROTO_UDP, u, n, 64, 0);
	CASE(LNS_PORT_ACCESS, mk(f, n, -1), LNS_DROP_NATT_KEEPALIVE, "NAT-T keepalive");
	n = frame(f, PEER, ACC, IPPROTO_ESP, pl, 4, 64, 0);
	CASE(LNS_PORT_ACCESS, mk(f, n, -1), LNS_DROP_CL_ESP_TRUNCATED, "4 bytes of ESP");
}

static void
test_reasm(void)
{
	uint8_t f[2048], pl[1400];
	uint32_t n;

	memset(pl, 0, sizeof(pl));
	/* no table on this lcore */
	n = frame(f, PEER, ACC, IPPROTO_UDP, pl, 64, 64, RTE_IPV4_HDR_MF_FLAG);
	snap();
	rx_on(&lc_nofrag, LNS_PORT_ACCESS, mk(f, n, -1));
	expect(LNS_DROP_FRAG_NO_TABLE, "fragment, no table");
	/* two 1400-byte halves: more than one mbuf holds */
	snap();
	n = frame(f, PEER, ACC, IPPROTO_UDP, pl, 1400, 64, RTE_IPV4_HDR_MF_FLAG);
	f[19] = 7;      /* IP id */
	f[24] = f[25] = 0;
	((struct rte_ipv4_hdr *)(f + 14))->hdr_checksum = rte_ipv4_cksum((void *)(f + 14));
	rx(LNS_PORT_ACCESS, mk(f, n, -1));
	n = frame(f, PEER, ACC, IPPROTO_UDP, pl, 1000, 64, 1400 / 8);
	f[19] = 7;
	f[24] = f[25] = 0;
	((struct rte_ipv4_hdr *)(f + 14))->hdr_checksum = rte_ipv4_cksum((void *)(f + 14));
	rx(LNS_PORT_ACCESS, mk(f, n, -1));
	expect(LNS_DROP_FRAG_TOO_BIG, "2400 bytes reassembled");
	/* a lone first fragment, expired */
	n = frame(f, PEER, ACC, IPPROTO_UDP, pl, 64, 64, RTE_IPV4_HDR_MF_FLAG);
	f[19] = 9;
	f[24] = f[25] = 0;
	((struct rte_ipv4_hdr *)(f + 14))->hdr_checksum = rte_ipv4_cksum((void *)(f + 14));
	snap();
	rx(LNS_PORT_ACCESS, mk(f, n, -1));
	usleep(150 * 1000);                     /* the table holds fragments 100 ms */
	lns_dp_frag_expire(&lc);
	expect(LNS_DROP_FRAG_DISCARDED, "lone fragment timed out");
}

static void
test_esp_in(void)
{
	uint8_t f[2048], l2[256], ud[256], e[512], pt[256], ip[256];
	uint64_t fwd = lns_stats_ctr(st, LNS_CTR_UP_FWD);
	uint32_t n, k;

	n = l2tp_ip(l2, T_ESP, 1, SUB_ESP, ip4("198.51.100.9"), 64);
	k = udp(ud, 1701, 1701, l2, n);
	/* the good path: forwarded to the core, nothing dropped */
	snap();
	rx(LNS_PORT_ACCESS, mk(f, natt(f, SPI_GCM, seq_gcm++, ud, k, IPPROTO_UDP), -1));
	CU_ASSERT_EQUAL(lns_stats_ctr(st, LNS_CTR_UP_FWD), fwd + 1);
	CU_ASSERT_EQUAL(drain(LNS_PORT_CORE), 1);
	for (int d = 0; d < LNS_DROP_MAX; d++)
		CU_ASSERT_EQUAL(lns_stats_drop(st, d), before[d]);

	CASE(LNS_PORT_ACCESS, mk(f, natt(f, 0x7777, 1, ud, k, 17), -1),
	     LNS_DROP_ESP_UNKNOWN_SPI, "SPI 0x7777");
	CASE(LNS_PORT_ACCESS, mk(f, natt(f, SPI_OUT, 1, ud, k, 17), -1),
	     LNS_DROP_ESP_UNKNOWN_SPI, "an outbound SA's SPI (only inbound ones are looked up)");
	CASE(LNS_PORT_ACCESS, mk(f, natt(f, SPI_DROP, 1, ud, k, 17), -1),
	     LNS_DROP_ESP_SA_DROPPED, "dropped SA");
	CASE(LNS_PORT_ACCESS, mk(f, natt(f, SPI_EXP, 1, ud, k, 17), -1),
	     LNS_DROP_ESP_SA_EXPIRED, "lib/esp-expired SA");
	CASE(LNS_PORT_ACCESS, mk(f, natt(f, SPI_OWN, 1, ud, k, 17), -1),
	     LNS_DROP_ESP_HANDOFF_FULL, "owner's handoff ring full");
	{       /* two segments; the first holds the whole frame */
		struct rte_mbuf *m = mk(f, natt(f, SPI_GCM, seq_gcm++, ud, k, 17), -1);
		struct rte_mbuf *m2 = mk(e, 4, -1);

		CU_ASSERT_EQUAL_FATAL(rte_pktmbuf_chain(m, m2), 0);
		CASE(LNS_PORT_ACCESS, m, LNS_DROP_ESP_MULTISEG, "two segments");
	}
	memset(e, 0, sizeof(e));
	rte_be32_t w = rte_cpu_to_be_32(SPI_GCM);
	memcpy(e, &w, 4);
	CASE(LNS_PORT_ACCESS, mk(f, natt_wrap(f, e, 30), -1), LNS_DROP_ESP_TRUNCATED,
	     "30 bytes of GCM ESP");
	w = rte_cpu_to_be_32(SPI_CBC);
	memcpy(e, &w, 4);
	CASE(LNS_PORT_ACCESS, mk(f, natt_wrap(f, e, 8 + 16 + 20 + 12), -1), LNS_DROP_ESP_BAD_LEN,
	     "CBC ciphertext of 20 bytes");
	CASE(LNS_PORT_ACCESS, mk(f, natt(f, SPI_GCM, 1, ud, k, 17), -1),
	     LNS_DROP_ESP_REPLAY, "sequence number 1 again");
	seq_gcm = 500;
	rx(LNS_PORT_ACCESS, mk(f, natt(f, SPI_GCM, seq_gcm++, ud, k, 17), -1));
	CU_ASSERT_EQUAL(drain(LNS_PORT_CORE), 1);
	CASE(LNS_PORT_ACCESS, mk(f, natt(f, SPI_GCM, 10, ud, k, 17), -1),
	     LNS_DROP_ESP_REPLAY_OLD, "left of the window");
	n = natt(f, SPI_GCM, seq_gcm++, ud, k, 17);
	f[n - 20] ^= 1;
	CASE(LNS_PORT_ACCESS, mk(f, n, -1), LNS_DROP_ESP_ICV, "one ciphertext bit");
	/* trailers that lib/esp refuses: padding 1, 9 (not 1, 2), a pad length past the
	 * payload, next header 59 */
	memcpy(pt, ud, k);
	pt[k] = 1; pt[k + 1] = 9; pt[k + 2] = 2; pt[k + 3] = 17;
	CASE(LNS_PORT_ACCESS, mk(f, natt_wrap(f, e, esp_raw(e, SPI_GCM, seq_gcm++, pt, k + 4)), -1),
	     LNS_DROP_ESP_BAD_PAD, "padding 1, 9");
	pt[0] = 1; pt[1] = 2; pt[2] = 250; pt[3] = 17;
	CASE(LNS_PORT_ACCESS, mk(f, natt_wrap(f, e, esp_raw(e, SPI_GCM, seq_gcm++, pt, 4)), -1),
	     LNS_DROP_ESP_BAD_PAD_LEN, "pad length 250 of 4");
	CASE(LNS_PORT_ACCESS, mk(f, natt(f, SPI_GCM, seq_gcm++, ud, k, 59), -1),
	     LNS_DROP_ESP_DUMMY, "next header 59");
	/* what the decrypted payload must be */
	CASE(LNS_PORT_ACCESS, mk(f, natt(f, SPI_GCM, seq_gcm++, ud, k, IPPROTO_TCP), -1),
	     LNS_DROP_ESP_INNER_NOT_UDP, "transport, next header TCP");
	CASE(LNS_PORT_ACCESS, mk(f, natt(f, SPI_GCM, seq_gcm++, ud, 6, IPPROTO_UDP), -1),
	     LNS_DROP_ESP_INNER_UDP_BAD, "6 bytes of UDP");
	n = udp(pt, 1701, 53, l2, 20);
	CASE(LNS_PORT_ACCESS, mk(f, natt(f, SPI_GCM, seq_gcm++, pt, n, IPPROTO_UDP), -1),
	     LNS_DROP_ESP_INNER_NOT_L2TP, "UDP to port 53");
	CASE(LNS_PORT_ACCESS, mk(f, plain_esp(f, SPI_TUN, seq_tun++, ud, k, IPPROTO_UDP), -1),
	     LNS_DROP_ESP_INNER_NOT_IPV4, "tunnel mode, next header UDP");
	n = put_ip(ip, ip4("172.16.0.99"), INNER_LOCAL, IPPROTO_UDP, k, 64, 0);
	memcpy(ip + n, ud, k);
	CASE(LNS_PORT_ACCESS, mk(f, plain_esp(f, SPI_TUN, seq_tun++, ip, n + k, IPPROTO_IPIP), -1),
	     LNS_DROP_ESP_INNER_SELECTOR, "tunnel mode, inner source not the peer's");
}

/* lib/esp statuses the stages' own checks stop before lib/esp: produced by calling
 * lib/esp directly, mapped by the stage's table, counted as the stage counts. */
static void
esp_direct(bool in, struct lns_esp_sa *sa, struct rte_mbuf *m, enum lns_drop want,
	   const char *what)
{
	uint8_t status;
	uint16_t good;

	snap();
	good = in ? lns_esp_inbound(lc.mgr, &sa, &m, 1, &status) :
		    lns_esp_outbound(lc.mgr, &sa, &m, 1, NULL, &status);
	CU_ASSERT_EQUAL(good, 0);
	if (good == 0) {
		lns_count_drop(lc.st, lns_dp_esp_reason(in, status), 1);
		rte_pktmbuf_free(m);
	}
	expect(want, what);
}

static void
test_esp_direct(void)
{
	struct lns_esp_sa *in = lns_sad_get(dp.sad, h_gcm)->esp;
	struct lns_esp_sa *out = lns_sad_get(dp.sad, lns_sad_get(dp.sad, h_gcm)->pair)->esp;
	uint8_t e[512], pl[64] = { 0 };
	struct rte_mbuf *m, *m2;
	uint32_t n;

	n = esp(e, SPI_GCM, seq_gcm++, pl, 32, 17);
	esp_direct(true, out, mk(e, n, -1), LNS_DROP_ESP_SA_DIR, "inbound burst, outbound SA");
	n = esp(e, SPI_TUN, 1, pl, 32, 17);
	esp_direct(true, in, mk(e, n, -1), LNS_DROP_ESP_SPI_MISMATCH, "another SA's SPI");
	esp_direct(false, in, mk(pl, 32, -1), LNS_DROP_ESPO_SA_DIR, "outbound burst, inbound SA");
	m = mk(pl, 32, -1);
	m2 = mk(pl, 8, -1);
	CU_ASSERT_EQUAL_FATAL(rte_pktmbuf_chain(m, m2), 0);
	esp_direct(false, out, m, LNS_DROP_ESPO_MULTISEG, "outbound, two segments");
	/* an SA whose key length IPsec-MB refuses: the job comes back failed */
	{
		struct lns_esp_sa_params p = { 0 };
		struct lns_esp_sa *bad;
		int sz;

		p.spi = 0x9999;
		p.dir = LNS_ESP_DIR_OUT;
		p.cipher = LNS_ESP_CIPHER_AES_GCM16;
		p.enc_key = key_gcm;
		p.enc_key_len = sizeof(key_gcm);
		p.iv_seed = key_gcm;
		sz = lns_esp_sa_size(&p);
		bad = rte_zmalloc(NULL, (size_t)sz, RTE_CACHE_LINE_SIZE);
		CU_ASSERT_FATAL(bad != NULL && lns_esp_sa_init(bad, lc.mgr, &p) == 0);
		bad->key_len = 15;
		esp_direct(false, bad, mk(pl, 32, -1), LNS_DROP_ESPO_CRYPTO, "key length 15");
		p.dir = LNS_ESP_DIR_IN;
		p.spi = 0x9998;
		memset(bad, 0, (size_t)sz);
		CU_ASSERT_FATAL(lns_esp_sa_init(bad, lc.mgr, &p) == 0);
		bad->key_len = 15;
		n = esp(e, 0x9998, 1, pl, 32, 17);
		esp_direct(true, bad, mk(e, n, -1), LNS_DROP_ESP_CRYPTO, "key length 15");
		rte_free(bad);
	}
}

/* Plain UDP 1701 from the peer (port sport) carrying L2TP bytes l2. */
static uint32_t
plain_l2tp(uint8_t *f, uint16_t sport, const uint8_t *l2, uint32_t n)
{
	uint8_t u[2048];

	return frame(f, PEER, ACC, IPPROTO_UDP, u, udp(u, sport, 1701, l2, n), 64, 0);
}

static void
test_l2tp_ppp_up(void)
{
	uint8_t f[2048], l2[256];
	uint64_t fwd = lns_stats_ctr(st, LNS_CTR_UP_FWD);
	uint32_t n;

	/* the good path, in the clear */
	n = l2tp_ip(l2, T_PLAIN, 1, SUB_PL, ip4("198.51.100.9"), 64);
	snap();
	rx(LNS_PORT_ACCESS, mk(f, plain_l2tp(f, 1701, l2, n), -1));
	CU_ASSERT_EQUAL(lns_stats_ctr(st, LNS_CTR_UP_FWD), fwd + 1);
	CU_ASSERT_EQUAL(drain(LNS_PORT_CORE), 1);

	l2[0] = 0x00;
	l2[1] = 0x03;                           /* L2TP version 3 */
	CASE(LNS_PORT_ACCESS, mk(f, plain_l2tp(f, 1701, l2, n), -1), LNS_DROP_L2TP_MALFORMED,
	     "version 3");
	n = l2tp_ip(l2, T_PLAIN, 9, SUB_PL, ip4("198.51.100.9"), 64);
	CASE(LNS_PORT_ACCESS, mk(f, plain_l2tp(f, 1701, l2, n), -1), LNS_DROP_L2TP_NO_SESSION,
	     "session 9");
	n = l2tp_ip(l2, T_PLAIN, 1, SUB_PL, ip4("198.51.100.9"), 64);
	CASE(LNS_PORT_ACCESS, mk(f, plain_l2tp(f, 1702, l2, n), -1), LNS_DROP_L2TP_WRONG_SA,
	     "the tunnel's peer, another port");
	{       /* the same session over ESP: not the SA its tunnel is bound to */
		uint8_t ud[256];
		uint32_t k = udp(ud, 1701, 1701, l2, n);

		CASE(LNS_PORT_ACCESS, mk(f, natt(f, SPI_GCM, seq_gcm++, ud, k, 17), -1),
		     LNS_DROP_L2TP_WRONG_SA, "plain tunnel's session over ESP");
	}
	CASE(LNS_PORT_ACCESS, mk(f, plain_l2tp(f, 1701, l2, 6), -1), LNS_DROP_PPP_MALFORMED,
	     "no PPP bytes");
	CASE(LNS_PORT_ACCESS, mk(f, plain_l2tp(f, 1701, l2, 10 + 12), -1), LNS_DROP_UP_TRUNCATED,
	     "12 bytes of inner IPv4");
	n = l2tp_ip(l2, T_PLAIN, 1, SUB_PL, ip4("198.51.100.9"), 64);
	l2[10] = 0x55;
	CASE(LNS_PORT_ACCESS, mk(f, plain_l2tp(f, 1701, l2, n), -1), LNS_DROP_UP_BAD_HEADER,
	     "inner IHL 5 version 5");
	n = l2tp_ip(l2, T_PLAIN, 1, SUB_PL, ip4("198.51.100.9"), 64);
	l2[10 + 8] ^= 1;
	CASE(LNS_PORT_ACCESS, mk(f, plain_l2tp(f, 1701, l2, n), -1), LNS_DROP_UP_BAD_CKSUM,
	     "inner checksum");
	n = l2tp_ip(l2, T_PLAIN, 1, ip4("10.0.0.99"), ip4("198.51.100.9"), 64);
	CASE(LNS_PORT_ACCESS, mk(f, plain_l2tp(f, 1701, l2, n), -1), LNS_DROP_IPV4_SPOOFED,
	     "inner source not the session's");
	n = l2tp_ip(l2, T_PLAIN, 1, SUB_PL, ip4("198.51.100.9"), 1);
	CASE(LNS_PORT_ACCESS, mk(f, plain_l2tp(f, 1701, l2, n), -1), LNS_DROP_UP_TTL, "TTL 1");
	n = l2tp_ip(l2, T_PLAIN, 1, SUB_PL, ip4("198.51.100.9"), 64);
	dp.port[LNS_PORT_CORE].gw_mac = 0;
	CASE(LNS_PORT_ACCESS, mk(f, plain_l2tp(f, 1701, l2, n), -1), LNS_DROP_UP_NEXTHOP,
	     "core gateway unresolved");
	dp.port[LNS_PORT_CORE].gw_mac = lns_mac_publish_value(&peer_mac);
	/* the policed session: the burst (3000 bytes) passes, then red */
	n = l2tp_ip(l2, T_PLAIN, 3, SUB_POL, ip4("198.51.100.9"), 64);
	for (int i = 0; i < 200; i++) {
		snap();
		rx(LNS_PORT_ACCESS, mk(f, plain_l2tp(f, 1701, l2, n), -1));
		drain(LNS_PORT_CORE);
		if (lns_stats_drop(st, LNS_DROP_UP_POLICER) != before[LNS_DROP_UP_POLICER]) {
			CU_ASSERT(i > 10);
			expect(LNS_DROP_UP_POLICER, "over the upstream rate");
			break;
		}
	}
	CU_ASSERT(reached[LNS_DROP_UP_POLICER]);
}

/* IPv4 from the core toward dst: `plen` bytes of UDP payload, DF set. */
static uint32_t
from_core(uint8_t *f, uint32_t dst, uint32_t plen, uint8_t ttl)
{
	uint8_t pl[2048];

	memset(pl, 0x42, plen);
	return frame(f, ip4("198.51.100.9"), dst, IPPROTO_UDP, pl, plen, ttl,
		     RTE_IPV4_HDR_DF_FLAG);
}

static void
test_down(void)
{
	uint8_t f[2048];
	uint64_t fwd = lns_stats_ctr(st, LNS_CTR_DOWN_FWD);
	struct rte_mbuf *m;
	uint32_t n;

	snap();
	rx(LNS_PORT_CORE, mk(f, from_core(f, SUB_ESP, 64, 64), -1));
	rx(LNS_PORT_CORE, mk(f, from_core(f, SUB_PL, 64, 64), -1));
	CU_ASSERT_EQUAL(lns_stats_ctr(st, LNS_CTR_DOWN_FWD), fwd + 2);
	CU_ASSERT_EQUAL(drain(LNS_PORT_ACCESS), 2);
	for (int d = 0; d < LNS_DROP_MAX; d++)
		CU_ASSERT_EQUAL(lns_stats_drop(st, d), before[d]);

	CASE(LNS_PORT_CORE, mk(f, from_core(f, ip4("10.9.9.9"), 64, 64), -1),
	     LNS_DROP_DOWN_NO_SESSION, "no such subscriber");
	CASE(LNS_PORT_CORE, mk(f, from_core(f, SUB_PL, 64, 1), -1), LNS_DROP_DOWN_TTL, "TTL 1");
	CASE(LNS_PORT_CORE, mk(f, from_core(f, SUB_NONH, 64, 64), -1), LNS_DROP_DOWN_NEXTHOP,
	     "peer's MAC unresolved");
	CASE(LNS_PORT_CORE, mk(f, from_core(f, SUB_DROP, 64, 64), -1), LNS_DROP_DOWN_SA_DROPPED,
	     "outbound SA dropped");
	snap();
	rx(LNS_PORT_CORE, mk(f, from_core(f, SUB_PL, 1470, 64), -1));
	CU_ASSERT_EQUAL(drain(LNS_PORT_CORE), 1);       /* the ICMP back */
	expect(LNS_DROP_DOWN_TOO_BIG, "1498 bytes, DF");
	{       /* too big again, in an mbuf with no room for the ICMP */
		struct rte_mempool *small = rte_pktmbuf_pool_create("pipe_small", 63, 0,
			RTE_ALIGN_CEIL(sizeof(struct lns_pkt_meta), RTE_MBUF_PRIV_ALIGN),
			RTE_PKTMBUF_HEADROOM + 60, SOCKET_ID_ANY);
		struct rte_mbuf *x;

		CU_ASSERT_PTR_NOT_NULL_FATAL(small);
		x = rte_pktmbuf_alloc(small);
		CU_ASSERT_PTR_NOT_NULL_FATAL(x);
		n = from_core(f, SUB_PL, 150, 64);
		x->data_off = 0;
		memcpy(rte_pktmbuf_append(x, (uint16_t)n), f, n);
		dp.port[LNS_PORT_ACCESS].mtu = 150;
		snap();
		rx(LNS_PORT_CORE, x);
		dp.port[LNS_PORT_ACCESS].mtu = 1500;
		/* too_big is counted for the packet, icmp_no_room for the reply */
		CU_ASSERT_EQUAL(lns_stats_drop(st, LNS_DROP_DOWN_TOO_BIG),
				before[LNS_DROP_DOWN_TOO_BIG] + 1);
		before[LNS_DROP_DOWN_TOO_BIG]++;
		expect(LNS_DROP_DOWN_ICMP_NO_ROOM, "no room for the ICMP");
		rte_mempool_free(small);
	}
	CASE(LNS_PORT_CORE, mk(f, from_core(f, SUB_PL, 64, 64), 0), LNS_DROP_ENCAP_NO_HEADROOM,
	     "no headroom");
	CASE(LNS_PORT_CORE, mk(f, from_core(f, SUB_PL, 64, 64), 10), LNS_DROP_TX_NO_HEADROOM,
	     "room for L2TP and UDP, not the outer IPv4");
	CASE(LNS_PORT_CORE, mk(f, from_core(f, SUB_ESP, 64, 64), 10), LNS_DROP_ESPO_NO_HEADROOM,
	     "room for L2TP and UDP, not ESP");
	n = from_core(f, SUB_ESP, 64, 64);
	m = mk(f, n, (int)(RTE_MBUF_DEFAULT_BUF_SIZE - n));
	CU_ASSERT_EQUAL(rte_pktmbuf_tailroom(m), 0);
	CASE(LNS_PORT_CORE, m, LNS_DROP_ESPO_NO_TAILROOM, "no tailroom");
	CASE(LNS_PORT_CORE, mk(f, from_core(f, SUB_EXP, 64, 64), -1), LNS_DROP_ESPO_SA_EXPIRED,
	     "outbound SA expired in lib/esp");
	CASE(LNS_PORT_CORE, mk(f, from_core(f, SUB_SEQ, 64, 64), -1), LNS_DROP_ESPO_SEQ_EXHAUSTED,
	     "sequence number past 2^32-1");
	n = from_core(f, SUB_POL, 64, 64);
	for (int i = 0; i < 200; i++) {
		snap();
		rx(LNS_PORT_CORE, mk(f, n, -1));
		drain(LNS_PORT_ACCESS);
		if (lns_stats_drop(st, LNS_DROP_DOWN_POLICER) != before[LNS_DROP_DOWN_POLICER]) {
			CU_ASSERT(i > 10);
			expect(LNS_DROP_DOWN_POLICER, "over the downstream rate");
			break;
		}
	}
	CU_ASSERT(reached[LNS_DROP_DOWN_POLICER]);
}

static void
test_tx_punt(void)
{
	uint8_t f[2048];
	struct rte_mbuf *punt[4];
	uint32_t n = from_core(f, SUB_PL, 64, 64);
	int i;

	/* net_ring's ring holds 1023 packets while nobody drains it */
	drain(LNS_PORT_ACCESS);
	for (i = 0; i < 1100; i++) {
		snap();
		rx(LNS_PORT_CORE, mk(f, n, -1));
		if (lns_stats_drop(st, LNS_DROP_TX_FULL) != before[LNS_DROP_TX_FULL])
			break;
	}
	CU_ASSERT(i >= 1000);
	expect(LNS_DROP_TX_FULL, "access TX ring full");
	drain(LNS_PORT_ACCESS);

	/* the punt ring to the control lcore (4 slots, 3 usable) */
	for (i = 0; i < 3; i++)
		punt[i] = mk(f, n, -1);
	lns_dp_punt_enqueue(&dp, 0, punt, 3, &lc);
	punt[0] = mk(f, n, -1);
	snap();
	lns_dp_punt_enqueue(&dp, 0, punt, 1, &lc);
	expect(LNS_DROP_PUNT_RING_FULL, "punt ring full");
	while (rte_ring_dequeue(dp.punt[0], (void **)&punt[0]) == 0)
		rte_pktmbuf_free(punt[0]);
}

/* lnsctl trace: off records nothing; on, the picked packets' decisions per stage. */
static void
test_trace(void)
{
	const struct lns_trace_filter spi_gcm = { .port = 0xff, .spi = SPI_GCM };
	const struct lns_trace_filter any = { .port = 0xff };
	struct lns_trace_rec rec[32];
	uint8_t f[2048], l2[256], ud[256];
	uint32_t n, k, good_seq;

	n = l2tp_ip(l2, T_ESP, 1, SUB_ESP, ip4("198.51.100.9"), 64);
	k = udp(ud, 1701, 1701, l2, n);
	/* off: nothing recorded */
	rx(LNS_PORT_ACCESS, mk(f, natt(f, SPI_GCM, seq_gcm++, ud, k, 17), -1));
	drain(LNS_PORT_CORE);
	CU_ASSERT_EQUAL(lns_trace_snapshot(dp.trace, rec, 32), 0);

	/* 2 packets of SPI_GCM: another SA's packet is not picked */
	lns_trace_start(dp.trace, &dp.trace_on, 2, &spi_gcm);
	rx(LNS_PORT_ACCESS, mk(f, natt(f, 0x7777, 1, ud, k, 17), -1));
	good_seq = seq_gcm++;
	rx(LNS_PORT_ACCESS, mk(f, natt(f, SPI_GCM, good_seq, ud, k, 17), -1));
	CU_ASSERT_EQUAL(drain(LNS_PORT_CORE), 1);
	n = natt(f, SPI_GCM, seq_gcm++, ud, k, 17);
	f[n - 20] ^= 1;
	rx(LNS_PORT_ACCESS, mk(f, n, -1));
	/* the budget is spent: a third packet is not traced */
	rx(LNS_PORT_ACCESS, mk(f, natt(f, SPI_GCM, seq_gcm++, ud, k, 17), -1));
	drain(LNS_PORT_CORE);
	n = lns_trace_snapshot(dp.trace, rec, 32);
	/* pkt 1: classify, esp-in, l2tp-in, ipv4-up, tx sent; pkt 2: classify, esp-in drop */
	CU_ASSERT_EQUAL_FATAL(n, 7);
	for (unsigned int i = 0; i < 5; i++) {
		static const uint8_t st1[] = { LNS_STAGE_CLASSIFY, LNS_STAGE_ESP_IN,
					       LNS_STAGE_L2TP_IN, LNS_STAGE_IPV4_UP, LNS_STAGE_TX };

		CU_ASSERT_EQUAL(rec[i].pkt, 1);
		CU_ASSERT_EQUAL(rec[i].stage, st1[i]);
		CU_ASSERT_EQUAL(rec[i].decision, i == 4 ? LNS_TD_SENT : LNS_TD_PASS);
	}
	CU_ASSERT_EQUAL(rec[1].sa, h_gcm);
	CU_ASSERT_EQUAL(rec[2].tunnel, T_ESP);
	CU_ASSERT_EQUAL(rec[3].session, sess_esp);
	CU_ASSERT_EQUAL(rec[5].pkt, 2);
	CU_ASSERT_EQUAL(rec[5].stage, LNS_STAGE_CLASSIFY);
	CU_ASSERT_EQUAL(rec[6].stage, LNS_STAGE_ESP_IN);
	CU_ASSERT_EQUAL(rec[6].decision, LNS_TD_DROP);
	CU_ASSERT_EQUAL(rec[6].reason, LNS_DROP_ESP_ICV);
	CU_ASSERT_EQUAL(rec[6].sa, h_gcm);

	/* a new trace hides the old records; a downstream packet, then stop */
	lns_trace_start(dp.trace, &dp.trace_on, 5, &any);
	CU_ASSERT_EQUAL(lns_trace_snapshot(dp.trace, rec, 32), 0);
	rx(LNS_PORT_CORE, mk(f, from_core(f, SUB_ESP, 64, 64), -1));
	CU_ASSERT_EQUAL(drain(LNS_PORT_ACCESS), 1);
	lns_trace_stop(dp.trace, &dp.trace_on);
	rx(LNS_PORT_CORE, mk(f, from_core(f, SUB_ESP, 64, 64), -1));
	drain(LNS_PORT_ACCESS);
	n = lns_trace_snapshot(dp.trace, rec, 32);
	/* classify, ipv4-down, encap, esp-out, tx */
	CU_ASSERT_EQUAL_FATAL(n, 5);
	CU_ASSERT_EQUAL(rec[1].stage, LNS_STAGE_IPV4_DOWN);
	CU_ASSERT_EQUAL(rec[1].tunnel, T_ESP);
	CU_ASSERT_EQUAL(rec[3].stage, LNS_STAGE_ESP_OUT);
	CU_ASSERT_EQUAL(rec[3].sa, lns_sad_get(dp.sad, h_gcm)->pair);
	CU_ASSERT_EQUAL(rec[4].decision, LNS_TD_SENT);
	for (unsigned int i = 0; i < n; i++)
		CU_ASSERT_EQUAL(rec[i].port, LNS_PORT_CORE);
}

/* What a port sent, in order (net_ring loops TX back to RX); @return packets. */
static uint16_t
drain_keep(unsigned int role, struct rte_mbuf **m, uint16_t max)
{
	return rte_eth_rx_burst(ports[role], 0, m, max);
}

/* The TTL of the IPv4 header at byte off of m. */
static uint8_t
ttl_at(const struct rte_mbuf *m, uint32_t off)
{
	return rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, off)->time_to_live;
}

/*
 * The burst contract: one burst mixing good and bad packets in every stage keeps
 * the good ones, each stage's in their order, and counts each bad one once under
 * its reason. Upstream, plain L2TP reaches l2tp-in ahead of the decrypted ESP;
 * downstream, tunnels in the clear reach TX ahead of the encrypted ones. The
 * good packets are told apart by their inner TTL (decremented once) or length.
 */
static void
test_burst_mix(void)
{
	uint8_t f[2048], l2[256], ud[256];
	struct rte_mbuf *pk[16], *out[32], *punt[LNS_MAX_BURST_TEST];
	uint64_t drops[LNS_DROP_MAX];
	uint32_t n, k, plen[4] = { 64, 128, 192, 256 };
	uint16_t c = 0, np = 0, got;

	for (int d = 0; d < LNS_DROP_MAX; d++)
		drops[d] = lns_stats_drop(st, d);
	/* upstream: ESP ttl 60, unknown SPI, plain ttl 50, malformed L2TP, ESP ttl 59,
	 * bad ICV, plain ttl 1, ESP ttl 58, plain spoofed, plain ttl 49 */
#define ESP_UP(ttl) do { \
		n = l2tp_ip(l2, T_ESP, 1, SUB_ESP, ip4("198.51.100.9"), ttl); \
		k = udp(ud, 1701, 1701, l2, n); \
		pk[c++] = mk(f, natt(f, SPI_GCM, seq_gcm++, ud, k, IPPROTO_UDP), -1); \
	} while (0)
#define PLAIN_UP(src, ttl) do { \
		n = l2tp_ip(l2, T_PLAIN, 1, src, ip4("198.51.100.9"), ttl); \
		pk[c++] = mk(f, plain_l2tp(f, 1701, l2, n), -1); \
	} while (0)
	ESP_UP(60);
	n = l2tp_ip(l2, T_ESP, 1, SUB_ESP, ip4("198.51.100.9"), 64);
	k = udp(ud, 1701, 1701, l2, n);
	pk[c++] = mk(f, natt(f, 0x7777, 1, ud, k, IPPROTO_UDP), -1);
	PLAIN_UP(SUB_PL, 50);
	n = l2tp_ip(l2, T_PLAIN, 1, SUB_PL, ip4("198.51.100.9"), 64);
	l2[0] = 0x00;
	l2[1] = 0x03;                           /* L2TP version 3 */
	pk[c++] = mk(f, plain_l2tp(f, 1701, l2, n), -1);
	ESP_UP(59);
	n = l2tp_ip(l2, T_ESP, 1, SUB_ESP, ip4("198.51.100.9"), 64);
	k = udp(ud, 1701, 1701, l2, n);
	n = natt(f, SPI_GCM, seq_gcm++, ud, k, IPPROTO_UDP);
	f[n - 20] ^= 1;                         /* one ciphertext bit */
	pk[c++] = mk(f, n, -1);
	PLAIN_UP(SUB_PL, 1);
	ESP_UP(58);
	PLAIN_UP(ip4("10.9.9.9"), 64);
	PLAIN_UP(SUB_PL, 49);
#undef ESP_UP
#undef PLAIN_UP
	lns_dp_rx_burst(&dp, LNS_PORT_ACCESS, pk, c, punt, &np, &lc);
	CU_ASSERT_EQUAL(np, 0);
	got = drain_keep(LNS_PORT_CORE, out, 32);
	CU_ASSERT_EQUAL_FATAL(got, 5);
	{
		static const uint8_t want[5] = { 49, 48, 59, 58, 57 };

		for (uint16_t i = 0; i < got; i++)
			CU_ASSERT_EQUAL(ttl_at(out[i], 14), want[i]);
	}
	rte_pktmbuf_free_bulk(out, got);
	for (int d = 0; d < LNS_DROP_MAX; d++) {
		uint64_t exp = d == LNS_DROP_ESP_UNKNOWN_SPI || d == LNS_DROP_L2TP_MALFORMED ||
			       d == LNS_DROP_ESP_ICV || d == LNS_DROP_UP_TTL ||
			       d == LNS_DROP_IPV4_SPOOFED;

		if (lns_stats_drop(st, d) - drops[d] != exp)
			fprintf(stderr, "\n  upstream mix: %s moved by %lu, want %lu", lns_drop_name(d),
				(unsigned long)(lns_stats_drop(st, d) - drops[d]), (unsigned long)exp);
		CU_ASSERT_EQUAL(lns_stats_drop(st, d) - drops[d], exp);
		drops[d] = lns_stats_drop(st, d);
	}

	/* downstream: ESP 64 bytes, no session, plain ttl 40, ESP 128, TTL 1, plain
	 * ttl 39, ESP 192, plain no next hop, ESP 256 */
	c = 0;
	pk[c++] = mk(f, from_core(f, SUB_ESP, plen[0], 64), -1);
	pk[c++] = mk(f, from_core(f, ip4("10.9.9.9"), 64, 64), -1);
	pk[c++] = mk(f, from_core(f, SUB_PL, 64, 40), -1);
	pk[c++] = mk(f, from_core(f, SUB_ESP, plen[1], 64), -1);
	pk[c++] = mk(f, from_core(f, SUB_PL, 64, 1), -1);
	pk[c++] = mk(f, from_core(f, SUB_PL, 64, 39), -1);
	pk[c++] = mk(f, from_core(f, SUB_ESP, plen[2], 64), -1);
	pk[c++] = mk(f, from_core(f, SUB_NONH, 64, 64), -1);
	pk[c++] = mk(f, from_core(f, SUB_ESP, plen[3], 64), -1);
	lns_dp_rx_burst(&dp, LNS_PORT_CORE, pk, c, punt, &np, &lc);
	CU_ASSERT_EQUAL(np, 0);
	got = drain_keep(LNS_PORT_ACCESS, out, 32);
	CU_ASSERT_EQUAL_FATAL(got, 6);
	/* in the clear: Ethernet, outer IPv4, UDP, L2TP + PPP (10), inner IPv4 */
	CU_ASSERT_EQUAL(ttl_at(out[0], 14 + 20 + 8 + 10), 39);
	CU_ASSERT_EQUAL(ttl_at(out[1], 14 + 20 + 8 + 10), 38);
	for (uint16_t i = 2; i < got; i++) {    /* ESP: longer by the inner length */
		CU_ASSERT_EQUAL(out[i]->pkt_len - out[2]->pkt_len, plen[i - 2] - plen[0]);
	}
	rte_pktmbuf_free_bulk(out, got);
	for (int d = 0; d < LNS_DROP_MAX; d++) {
		uint64_t exp = d == LNS_DROP_DOWN_NO_SESSION || d == LNS_DROP_DOWN_TTL ||
			       d == LNS_DROP_DOWN_NEXTHOP;

		if (lns_stats_drop(st, d) - drops[d] != exp)
			fprintf(stderr, "\n  downstream mix: %s moved by %lu, want %lu",
				lns_drop_name(d), (unsigned long)(lns_stats_drop(st, d) - drops[d]),
				(unsigned long)exp);
		CU_ASSERT_EQUAL(lns_stats_drop(st, d) - drops[d], exp);
	}
}

/* Every reason of every data-path stage was reached by some case above. The
 * control lcore's (ctl.*) are lib/ctl's, outside this harness. */
static void
test_coverage(void)
{
	int missing = 0;

	for (int d = 0; d < LNS_DROP_MAX; d++) {
		if (strcmp(lns_drop_stage(d), "ctl") == 0 || reached[d])
			continue;
		fprintf(stderr, "\n  not reached: %s", lns_drop_name(d));
		missing++;
	}
	CU_ASSERT_EQUAL(missing, 0);
}

/* ------------------------------------------------------------------- setup --- */

static void
params(struct lns_esp_sa_params *p, uint32_t spi, enum lns_esp_dir dir, enum lns_esp_mode mode)
{
	memset(p, 0, sizeof(*p));
	p->spi = spi;
	p->dir = dir;
	p->mode = mode;
	p->cipher = LNS_ESP_CIPHER_AES_GCM16;
	p->enc_key = key_gcm;
	p->enc_key_len = sizeof(key_gcm);
	p->replay_win = dir == LNS_ESP_DIR_IN ? 64 : 0;
	p->iv_seed = key_gcm;
}

static int
add_pair(uint32_t conn, uint32_t spi_in, uint32_t spi_out, enum lns_esp_mode mode, bool cbc,
	 uint32_t seq_init, uint32_t *h)
{
	const struct lns_sad_peer natt_peer = {
		.addr = PEER, .udp_encap = 1, .peer_port = 4500, .local_port = 4500,
	};
	const struct lns_sad_peer tun_peer = {
		.addr = PEER, .inner_peer = INNER_PEER, .inner_local = INNER_LOCAL,
	};
	struct lns_esp_sa_params in, out;
	uint32_t h_out;

	params(&in, spi_in, LNS_ESP_DIR_IN, mode);
	params(&out, spi_out, LNS_ESP_DIR_OUT, mode);
	out.seq_init = seq_init;
	if (cbc) {
		in.cipher = out.cipher = LNS_ESP_CIPHER_AES_CBC;
		in.auth = out.auth = LNS_ESP_AUTH_HMAC_SHA1_96;
		in.enc_key = out.enc_key = key_cbc;
		in.enc_key_len = out.enc_key_len = sizeof(key_cbc);
		in.auth_key = out.auth_key = key_sha1;
		in.auth_key_len = out.auth_key_len = sizeof(key_sha1);
	}
	return lns_sad_add_pair(dp.sad, lc.mgr, conn, &in, &out,
				mode == LNS_ESP_MODE_TUNNEL ? &tun_peer : &natt_peer, h, &h_out);
}

static int
add_tunnel(uint16_t id, uint32_t h_in, uint64_t nh)
{
	struct lns_dp_tunnel t = {
		.local_id = id, .peer_id = (uint16_t)(100 + id), .sa_in = LNS_SAD_NONE,
		.sa_out = LNS_SAD_NONE, .conn = LNS_SAD_NONE, .peer = PEER,
		.peer_port = RTE_BE16(1701), .nh_mac = nh,
	};

	if (h_in != LNS_SAD_NONE) {
		t.sa_in = h_in;
		t.sa_out = lns_sad_get(dp.sad, h_in)->pair;
		t.conn = lns_sad_get(dp.sad, h_in)->conn;
	}
	return lns_tables_add_tunnel(dp.tbl, &t);
}

static int
setup_ports(void)
{
	struct rte_eth_conf pc;

	memset(&pc, 0, sizeof(pc));
	for (int r = 0; r < 2; r++) {
		char name[16];

		snprintf(name, sizeof(name), "net_ring%d", r);
		if (rte_eth_dev_get_port_by_name(name, &ports[r]) != 0 ||
		    rte_eth_dev_configure(ports[r], 1, 1, &pc) != 0 ||
		    rte_eth_rx_queue_setup(ports[r], 0, 1024, SOCKET_ID_ANY, NULL, pool) != 0 ||
		    rte_eth_tx_queue_setup(ports[r], 0, 1024, SOCKET_ID_ANY, NULL) != 0 ||
		    rte_eth_dev_start(ports[r]) != 0)
			return -1;
		dp.port[r].port_id = ports[r];
	}
	return 0;
}

static int
setup(void)
{
	static const struct lns_policy_conf pol = {
		.name = "slow",
		.up = { .rate = 8000, .burst = 3000 },
		.down = { .rate = 8000, .burst = 3000 },
	};
	const uint64_t nh = lns_mac_publish_value(&peer_mac);
	size_t qsz = rte_rcu_qsbr_get_memsize(N_WORKERS);
	uint32_t h;

	st = lns_stats_create(N_WORKERS + 1);
	pool = rte_pktmbuf_pool_create("pipeline", 4096, 0,
				       RTE_ALIGN_CEIL(sizeof(struct lns_pkt_meta), RTE_MBUF_PRIV_ALIGN),
				       RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	dp.qsbr = rte_zmalloc(NULL, qsz, RTE_CACHE_LINE_SIZE);
	if (st == NULL || pool == NULL || dp.qsbr == NULL ||
	    rte_rcu_qsbr_init(dp.qsbr, N_WORKERS) != 0)
		return -1;
	dp.conf = &conf;
	dp.stats = st;
	dp.n_workers = N_WORKERS;
	dp.ctl_queue = N_WORKERS;
	for (int r = 0; r < LNS_PORT_ROLE_MAX; r++) {
		dp.port[r].role = (uint8_t)r;
		dp.port[r].mac = our_mac;
		dp.port[r].mask = htonl(0xffffff00);
		dp.port[r].mtu = 1500;
	}
	dp.port[LNS_PORT_ACCESS].addr = ACC;
	dp.port[LNS_PORT_CORE].addr = CORE;
	dp.port[LNS_PORT_CORE].gw_mac = nh;
	if (setup_ports() != 0)
		return -1;
	dp.sad = lns_sad_create(32, SOCKET_ID_ANY, dp.qsbr, N_WORKERS + 1);
	dp.tbl = lns_tables_create(16, N_WORKERS + 1, SOCKET_ID_ANY, dp.qsbr);
	dp.handoff[1] = rte_ring_create("pipe_handoff1", 4, SOCKET_ID_ANY, RING_F_SC_DEQ);
	dp.punt[0] = rte_ring_create("pipe_punt0", 4, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (dp.sad == NULL || dp.tbl == NULL || dp.handoff[1] == NULL || dp.punt[0] == NULL)
		return -1;
	while (rte_ring_enqueue(dp.handoff[1], &dp) == 0)
		;                               /* worker 1 never drains: full */
	lc.txq = 0;
	lc.slot = 0;
	lc.mgr = lns_esp_mgr_create();
	lc.st = &st->slot[0];
	lc.frag = rte_ip_frag_table_create(16, 4, 64, rte_get_tsc_hz() / 10, SOCKET_ID_ANY);
	lc.dr = rte_zmalloc(NULL, sizeof(*lc.dr), 0);
	if (lc.mgr == NULL || lc.frag == NULL || lc.dr == NULL)
		return -1;
	lc_nofrag = lc;
	lc_nofrag.frag = NULL;
	IMB_AES128_GCM_PRE(lc.mgr, key_gcm, &gkd);

	if (add_pair(1, SPI_GCM, SPI_OUT, LNS_ESP_MODE_TRANSPORT, false, 0, &h_gcm) != 0 ||
	    add_pair(2, SPI_TUN, SPI_TUN_O, LNS_ESP_MODE_TUNNEL, false, 0, &h_tun) != 0 ||
	    add_pair(3, SPI_CBC, SPI_CBC_O, LNS_ESP_MODE_TRANSPORT, true, 0, &h_cbc) != 0 ||
	    add_pair(4, SPI_DROP, SPI_DROP_O, LNS_ESP_MODE_TRANSPORT, false, 0, &h_drop) != 0 ||
	    add_pair(5, SPI_EXP, SPI_EXP_O, LNS_ESP_MODE_TRANSPORT, false, 0, &h_exp) != 0 ||
	    add_pair(6, SPI_OWN, SPI_OWN_O, LNS_ESP_MODE_TRANSPORT, false, 0, &h_own) != 0 ||
	    add_pair(7, SPI_SEQ, SPI_SEQ_O, LNS_ESP_MODE_TRANSPORT, false, UINT32_MAX, &h_seq) != 0)
		return -1;
	lns_sad_get(dp.sad, h_own)->owner = 1;
	lns_esp_sa_expire(lns_sad_get(dp.sad, h_exp)->esp);
	lns_esp_sa_expire(lns_sad_get(dp.sad, lns_sad_get(dp.sad, h_exp)->pair)->esp);
	if (add_tunnel(T_ESP, h_gcm, nh) != 0 || add_tunnel(T_PLAIN, LNS_SAD_NONE, nh) != 0 ||
	    add_tunnel(T_NONH, LNS_SAD_NONE, 0) != 0 || add_tunnel(T_DROP, h_drop, nh) != 0 ||
	    add_tunnel(T_EXP, h_exp, nh) != 0 || add_tunnel(T_SEQ, h_seq, nh) != 0 ||
	    lns_tables_add_session(dp.tbl, T_ESP, 1, 201, SUB_ESP, &sess_esp) != 0 ||
	    lns_tables_add_session(dp.tbl, T_PLAIN, 1, 202, SUB_PL, &sess_plain) != 0 ||
	    lns_tables_add_session(dp.tbl, T_PLAIN, 3, 203, SUB_POL, &sess_pol) != 0 ||
	    lns_tables_add_session(dp.tbl, T_NONH, 1, 204, SUB_NONH, &h) != 0 ||
	    lns_tables_add_session(dp.tbl, T_DROP, 1, 205, SUB_DROP, &h) != 0 ||
	    lns_tables_add_session(dp.tbl, T_EXP, 1, 206, SUB_EXP, &h) != 0 ||
	    lns_tables_add_session(dp.tbl, T_SEQ, 1, 207, SUB_SEQ, &h) != 0 ||
	    lns_tables_set_policies(dp.tbl, &pol, 1) != 0 ||
	    lns_tables_session_set_policy(dp.tbl, sess_pol, 0) != 0)
		return -1;
	if (lns_sad_drop(dp.sad, h_drop) <= 0)
		return -1;
	dp.trace = lns_trace_create(N_WORKERS + 1);
	if (dp.trace == NULL)
		return -1;
	return 0;
}

static void
teardown(void)
{
	void *x = NULL;

	for (int r = 0; r < 2; r++) {
		drain((unsigned int)r);
		rte_eth_dev_stop(ports[r]);
		rte_eth_dev_close(ports[r]);
	}
	rte_ring_free(dp.handoff[1]);   /* holds only dummy pointers */
	while (rte_ring_dequeue(dp.punt[0], &x) == 0)
		rte_pktmbuf_free(x);
	rte_ring_free(dp.punt[0]);
	lns_esp_mgr_free(lc.mgr);
	rte_ip_frag_table_destroy(lc.frag);
	rte_ip_frag_free_death_row(lc.dr, 0);
	rte_free(lc.dr);
	lns_sad_free(dp.sad);
	lns_tables_free(dp.tbl);
	lns_trace_free(dp.trace);
	rte_free(dp.qsbr);
	lns_stats_free(st);
	rte_mempool_free(pool);
}

int
main(void)
{
	char *eal[] = { "test_pipeline", "--no-huge", "-m", "256", "--no-pci", "--no-shconf",
			"-l", "0", "--vdev=net_ring0", "--vdev=net_ring1",
			"--log-level=lib.*:error", NULL };
	CU_pSuite s;
	unsigned int fails;

	if (rte_eal_init(11, eal) < 0)
		return 2;
	if (setup() != 0) {
		fprintf(stderr, "test_pipeline: setup failed\n");
		return 2;
	}
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	s = CU_add_suite("pipeline", NULL, NULL);
	CU_add_test(s, "classify: every reason", test_classify);
	CU_add_test(s, "reassembly: no table, too big, timed out", test_reasm);
	CU_add_test(s, "esp-in: SA checks, every lib/esp status, the decrypted payload",
		    test_esp_in);
	CU_add_test(s, "lib/esp statuses the stages stop earlier: mapped one to one",
		    test_esp_direct);
	CU_add_test(s, "l2tp-in, ppp-in, ipv4-up", test_l2tp_ppp_up);
	CU_add_test(s, "ipv4-down, encap, esp-out, tx headroom", test_down);
	CU_add_test(s, "tx queue and punt ring full", test_tx_punt);
	CU_add_test(s, "burst contract: good and bad mixed in every stage, order kept",
		    test_burst_mix);
	CU_add_test(s, "every data-path drop reason reached", test_coverage);
	CU_add_test(s, "trace: filter, budget, each stage's decision, SA, tunnel, session",
		    test_trace);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures();
	CU_cleanup_registry();
	teardown();
	rte_eal_cleanup();
	return fails ? 1 : 0;
}
