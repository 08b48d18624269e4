/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the data-path classifier: every verdict and drop reason, and every
 * truncation of a valid frame, on raw bytes (no EAL needed).
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include <rte_arp.h>
#include <rte_ip.h>
#include <rte_tcp.h>

#include "lns_dp.h"
#include "lns_hdr.h"
#include "lns_mss.h"

static struct lns_dp_port ports[LNS_PORT_ROLE_MAX];
static const uint8_t our_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
static const uint8_t peer_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };

static uint32_t
ip4(const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return a.s_addr;
}

static void
setup_ports(void)
{
	memset(ports, 0, sizeof(ports));
	for (int r = 0; r < LNS_PORT_ROLE_MAX; r++) {
		memcpy(ports[r].mac.addr_bytes, our_mac, 6);
		ports[r].role = (uint8_t)r;
		ports[r].mask = htonl(0xffffff00);
	}
	ports[LNS_PORT_ACCESS].addr = ip4("192.0.2.1");
	ports[LNS_PORT_CORE].addr = ip4("198.51.100.1");
}

/* Builds Ethernet + IPv4 + payload into buf; returns the frame length. */
static uint32_t
build_ipv4(uint8_t *buf, const uint8_t *dst_mac, const char *src, const char *dst,
	   uint8_t proto, const uint8_t *l4, uint32_t l4len)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)buf;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);

	memcpy(eth->dst_addr.addr_bytes, dst_mac, 6);
	memcpy(eth->src_addr.addr_bytes, peer_mac, 6);
	eth->ether_type = htons(RTE_ETHER_TYPE_IPV4);
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = 0x45;
	ip->total_length = htons((uint16_t)(sizeof(*ip) + l4len));
	ip->time_to_live = 64;
	ip->next_proto_id = proto;
	ip->src_addr = ip4(src);
	ip->dst_addr = ip4(dst);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	memcpy(ip + 1, l4, l4len);
	return (uint32_t)(sizeof(*eth) + sizeof(*ip) + l4len);
}

static uint32_t
build_arp(uint8_t *buf, uint16_t op, const char *tip)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)buf;
	struct rte_arp_hdr *arp = (struct rte_arp_hdr *)(eth + 1);

	memset(eth->dst_addr.addr_bytes, 0xff, 6);
	memcpy(eth->src_addr.addr_bytes, peer_mac, 6);
	eth->ether_type = htons(RTE_ETHER_TYPE_ARP);
	arp->arp_hardware = htons(RTE_ARP_HRD_ETHER);
	arp->arp_protocol = htons(RTE_ETHER_TYPE_IPV4);
	arp->arp_hlen = 6;
	arp->arp_plen = 4;
	arp->arp_opcode = htons(op);
	memcpy(arp->arp_data.arp_sha.addr_bytes, peer_mac, 6);
	arp->arp_data.arp_sip = ip4("192.0.2.2");
	memset(&arp->arp_data.arp_tha, 0, 6);
	arp->arp_data.arp_tip = ip4(tip);
	return sizeof(*eth) + sizeof(*arp);
}

static const uint8_t echo[8] = { 8, 0, 0xf7, 0xff, 0, 0, 0, 0 };

static enum lns_verdict
run(const uint8_t *buf, uint32_t len, unsigned int role, struct lns_pkt_meta *meta,
    enum lns_drop *why)
{
	*why = LNS_DROP_MAX;
	memset(meta, 0xee, sizeof(*meta));
	return lns_dp_classify(ports, role, buf, len, 0, meta, why);
}

static void
expect_drop(const uint8_t *buf, uint32_t len, unsigned int role, enum lns_drop want)
{
	struct lns_pkt_meta meta;
	enum lns_drop why;

	CU_ASSERT_EQUAL(run(buf, len, role, &meta, &why), LNS_V_DROP);
	CU_ASSERT_EQUAL(why, want);
	if (why != want)
		fprintf(stderr, "  got %s, want %s\n", lns_drop_name(why), lns_drop_name(want));
}

static void
test_icmp_punted(void)
{
	uint8_t buf[256];
	uint32_t len = build_ipv4(buf, our_mac, "192.0.2.2", "192.0.2.1", IPPROTO_ICMP, echo, 8);
	struct lns_pkt_meta meta;
	enum lns_drop why;

	CU_ASSERT_EQUAL(run(buf, len, LNS_PORT_ACCESS, &meta, &why), LNS_V_PUNT);
	CU_ASSERT_EQUAL(meta.kind, LNS_PUNT_ICMP);
	CU_ASSERT_EQUAL(meta.role, LNS_PORT_ACCESS);
	CU_ASSERT_EQUAL(meta.l3_off, 14);
	CU_ASSERT_EQUAL(meta.l4_off, 34);
	CU_ASSERT_EQUAL(meta.sa, UINT32_MAX);
	/* the same packet to the core port's address arrives on core */
	len = build_ipv4(buf, our_mac, "198.51.100.2", "198.51.100.1", IPPROTO_ICMP, echo, 8);
	CU_ASSERT_EQUAL(run(buf, len, LNS_PORT_CORE, &meta, &why), LNS_V_PUNT);
	CU_ASSERT_EQUAL(meta.role, LNS_PORT_CORE);
	/* broadcast destination MAC is accepted */
	len = build_ipv4(buf, (const uint8_t *)"\xff\xff\xff\xff\xff\xff", "192.0.2.2",
			 "192.0.2.1", IPPROTO_ICMP, echo, 8);
	CU_ASSERT_EQUAL(run(buf, len, LNS_PORT_ACCESS, &meta, &why), LNS_V_PUNT);
}

static void
test_ipv4_drops(void)
{
	uint8_t buf[256];
	uint32_t len;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(buf + 14);

	/* to the other port's address: not ours on this port */
	len = build_ipv4(buf, our_mac, "192.0.2.2", "198.51.100.1", IPPROTO_ICMP, echo, 8);
	expect_drop(buf, len, LNS_PORT_ACCESS, LNS_DROP_IPV4_NOT_OURS);

	{
		static const uint8_t udp9[9] = { 0x30, 0x39, 0x00, 0x09, 0x00, 0x09, 0, 0, 'x' };

		len = build_ipv4(buf, our_mac, "192.0.2.2", "192.0.2.1", IPPROTO_UDP, udp9, 9);
		expect_drop(buf, len, LNS_PORT_ACCESS, LNS_DROP_L4_UNHANDLED);
	}
	len = build_ipv4(buf, our_mac, "192.0.2.2", "192.0.2.1", IPPROTO_GRE, echo, 8);
	expect_drop(buf, len, LNS_PORT_ACCESS, LNS_DROP_L4_UNHANDLED);

	len = build_ipv4(buf, our_mac, "192.0.2.2", "192.0.2.1", IPPROTO_ICMP, echo, 8);
	ip->hdr_checksum ^= 0x0100;
	expect_drop(buf, len, LNS_PORT_ACCESS, LNS_DROP_IPV4_BAD_CKSUM);
	/* offload says good: the checksum is not looked at */
	{
		struct lns_pkt_meta meta;
		enum lns_drop why;

		CU_ASSERT_EQUAL(lns_dp_classify(ports, LNS_PORT_ACCESS, buf, len,
						RTE_MBUF_F_RX_IP_CKSUM_GOOD, &meta, &why),
				LNS_V_PUNT);
	}

	len = build_ipv4(buf, our_mac, "192.0.2.2", "192.0.2.1", IPPROTO_ICMP, echo, 8);
	ip->version_ihl = 0x65;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	expect_drop(buf, len, LNS_PORT_ACCESS, LNS_DROP_IPV4_BAD_HEADER);

	len = build_ipv4(buf, our_mac, "192.0.2.2", "192.0.2.1", IPPROTO_ICMP, echo, 8);
	ip->version_ihl = 0x44;
	expect_drop(buf, len, LNS_PORT_ACCESS, LNS_DROP_IPV4_BAD_HEADER);

	/* total length shorter than the header */
	len = build_ipv4(buf, our_mac, "192.0.2.2", "192.0.2.1", IPPROTO_ICMP, echo, 8);
	ip->total_length = htons(12);
	expect_drop(buf, len, LNS_PORT_ACCESS, LNS_DROP_IPV4_BAD_HEADER);

	/* total length past the end of the frame */
	len = build_ipv4(buf, our_mac, "192.0.2.2", "192.0.2.1", IPPROTO_ICMP, echo, 8);
	ip->total_length = htons(100);
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	expect_drop(buf, len, LNS_PORT_ACCESS, LNS_DROP_IPV4_TRUNCATED);

	/* header length (options) past the end of the frame */
	len = build_ipv4(buf, our_mac, "192.0.2.2", "192.0.2.1", IPPROTO_ICMP, echo, 0);
	ip->version_ihl = 0x4f;
	ip->total_length = htons(60);
	expect_drop(buf, len, LNS_PORT_ACCESS, LNS_DROP_IPV4_TRUNCATED);

	/* fragments: MF set, and a non-zero offset */
	len = build_ipv4(buf, our_mac, "192.0.2.2", "192.0.2.1", IPPROTO_ICMP, echo, 8);
	ip->fragment_offset = htons(RTE_IPV4_HDR_MF_FLAG);
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	expect_drop(buf, len, LNS_PORT_ACCESS, LNS_DROP_IPV4_FRAGMENT);
	ip->fragment_offset = htons(3);
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	expect_drop(buf, len, LNS_PORT_ACCESS, LNS_DROP_IPV4_FRAGMENT);
	/* DF alone is not a fragment */
	ip->fragment_offset = htons(RTE_IPV4_HDR_DF_FLAG);
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	{
		struct lns_pkt_meta meta;
		enum lns_drop why;

		CU_ASSERT_EQUAL(run(buf, len, LNS_PORT_ACCESS, &meta, &why), LNS_V_PUNT);
	}
}

/* UDP header + payload: sport 4500 */
static uint32_t
udp(uint8_t *l4, uint16_t dport, const uint8_t *pl, uint32_t plen)
{
	l4[0] = 0x11;
	l4[1] = 0x94;
	l4[2] = (uint8_t)(dport >> 8);
	l4[3] = (uint8_t)dport;
	l4[4] = (uint8_t)((8 + plen) >> 8);
	l4[5] = (uint8_t)(8 + plen);
	l4[6] = l4[7] = 0;
	memcpy(l4 + 8, pl, plen);
	return 8 + plen;
}

static void
test_data_verdicts(void)
{
	uint8_t buf[256], l4[64];
	static const uint8_t esp[16] = { 0, 0, 0x10, 0x01, 0, 0, 0, 1, 9, 9, 9, 9, 9, 9, 9, 9 };
	static const uint8_t marker[8] = { 0, 0, 0, 0, 1, 2, 3, 4 };
	static const uint8_t ka[1] = { 0xff };
	static const uint8_t l2tp[8] = { 0x00, 0x02, 0, 11, 0, 1, 0xff, 0x03 };
	struct lns_pkt_meta meta;
	enum lns_drop why;
	uint32_t len, n;

	/* plain ESP (protocol 50) */
	len = build_ipv4(buf, our_mac, "192.0.2.2", "192.0.2.1", IPPROTO_ESP, esp, 16);
	CU_ASSERT_EQUAL(run(buf, len, LNS_PORT_ACCESS, &meta, &why), LNS_V_ESP);
	CU_ASSERT_EQUAL(meta.esp_off, 34);
	/* ESP shorter than SPI + sequence number */
	len = build_ipv4(buf, our_mac, "192.0.2.2", "192.0.2.1", IPPROTO_ESP, esp, 7);
	expect_drop(buf, len, LNS_PORT_ACCESS, LNS_DROP_CL_ESP_TRUNCATED);
	/* ESP arriving on the core port is not for lnsd to decrypt */
	len = build_ipv4(buf, our_mac, "198.51.100.2", "198.51.100.1", IPPROTO_ESP, esp, 16);
	expect_drop(buf, len, LNS_PORT_CORE, LNS_DROP_L4_UNHANDLED);
	/* NAT-T: ESP in UDP 4500 */
	n = udp(l4, 4500, esp, 16);
	len = build_ipv4(buf, our_mac, "192.0.2.2", "192.0.2.1", IPPROTO_UDP, l4, n);
	CU_ASSERT_EQUAL(run(buf, len, LNS_PORT_ACCESS, &meta, &why), LNS_V_ESP);
	CU_ASSERT_EQUAL(meta.esp_off, 42);
	/* NAT-T keepalive, non-ESP marker (IKE), too short for ESP */
	n = udp(l4, 4500, ka, 1);
	len = build_ipv4(buf, our_mac, "192.0.2.2", "192.0.2.1", IPPROTO_UDP, l4, n);
	expect_drop(buf, len, LNS_PORT_ACCESS, LNS_DROP_NATT_KEEPALIVE);
	n = udp(l4, 4500, marker, 8);
	len = build_ipv4(buf, our_mac, "192.0.2.2", "192.0.2.1", IPPROTO_UDP, l4, n);
	CU_ASSERT_EQUAL(run(buf, len, LNS_PORT_ACCESS, &meta, &why), LNS_V_PUNT);
	CU_ASSERT_EQUAL(meta.kind, LNS_PUNT_IKE);
	CU_ASSERT_EQUAL(meta.l4_off, 34);
	/* IKE on 500 is punted too; on the core port it is not ours */
	n = udp(l4, 500, marker + 4, 4);
	len = build_ipv4(buf, our_mac, "192.0.2.2", "192.0.2.1", IPPROTO_UDP, l4, n);
	CU_ASSERT_EQUAL(run(buf, len, LNS_PORT_ACCESS, &meta, &why), LNS_V_PUNT);
	CU_ASSERT_EQUAL(meta.kind, LNS_PUNT_IKE);
	len = build_ipv4(buf, our_mac, "198.51.100.2", "198.51.100.1", IPPROTO_UDP, l4, n);
	expect_drop(buf, len, LNS_PORT_CORE, LNS_DROP_L4_UNHANDLED);
	n = udp(l4, 4500, marker, 8);
	n = udp(l4, 4500, esp, 5);
	len = build_ipv4(buf, our_mac, "192.0.2.2", "192.0.2.1", IPPROTO_UDP, l4, n);
	expect_drop(buf, len, LNS_PORT_ACCESS, LNS_DROP_CL_ESP_TRUNCATED);
	/* UDP length longer than the IPv4 payload */
	n = udp(l4, 4500, esp, 16);
	l4[5] = 40;
	len = build_ipv4(buf, our_mac, "192.0.2.2", "192.0.2.1", IPPROTO_UDP, l4, n);
	expect_drop(buf, len, LNS_PORT_ACCESS, LNS_DROP_UDP_BAD_LEN);
	/* plain L2TP */
	n = udp(l4, 1701, l2tp, 8);
	len = build_ipv4(buf, our_mac, "192.0.2.2", "192.0.2.1", IPPROTO_UDP, l4, n);
	CU_ASSERT_EQUAL(run(buf, len, LNS_PORT_ACCESS, &meta, &why), LNS_V_L2TP);
	CU_ASSERT_EQUAL(meta.l4_off, 34);
	/* core port: toward a subscriber is downstream; another core host is not ours;
	 * broadcast and multicast never are */
	len = build_ipv4(buf, our_mac, "198.51.100.2", "10.200.0.1", IPPROTO_UDP, l4, n);
	CU_ASSERT_EQUAL(run(buf, len, LNS_PORT_CORE, &meta, &why), LNS_V_DOWN);
	CU_ASSERT_EQUAL(meta.l3_off, 14);
	len = build_ipv4(buf, our_mac, "198.51.100.2", "198.51.100.7", IPPROTO_UDP, l4, n);
	expect_drop(buf, len, LNS_PORT_CORE, LNS_DROP_IPV4_NOT_OURS);
	len = build_ipv4(buf, our_mac, "198.51.100.2", "224.0.0.5", IPPROTO_UDP, l4, n);
	expect_drop(buf, len, LNS_PORT_CORE, LNS_DROP_IPV4_NOT_OURS);
	len = build_ipv4(buf, our_mac, "198.51.100.2", "255.255.255.255", IPPROTO_UDP, l4, n);
	expect_drop(buf, len, LNS_PORT_CORE, LNS_DROP_IPV4_NOT_OURS);
	/* the access port routes nothing */
	len = build_ipv4(buf, our_mac, "192.0.2.2", "10.200.0.1", IPPROTO_UDP, l4, n);
	expect_drop(buf, len, LNS_PORT_ACCESS, LNS_DROP_IPV4_NOT_OURS);
}

static void
test_eth_drops(void)
{
	uint8_t buf[256];
	uint32_t len;
	static const uint8_t other_mac[6] = { 0x02, 0, 0, 0, 0, 0x99 };

	len = build_ipv4(buf, other_mac, "192.0.2.2", "192.0.2.1", IPPROTO_ICMP, echo, 8);
	expect_drop(buf, len, LNS_PORT_ACCESS, LNS_DROP_ETH_NOT_OURS);

	len = build_ipv4(buf, our_mac, "192.0.2.2", "192.0.2.1", IPPROTO_ICMP, echo, 8);
	buf[12] = 0x86;
	buf[13] = 0xdd;
	expect_drop(buf, len, LNS_PORT_ACCESS, LNS_DROP_ETH_UNKNOWN_TYPE);
	buf[12] = 0x81; /* VLAN-tagged frames are not configured */
	buf[13] = 0x00;
	expect_drop(buf, len, LNS_PORT_ACCESS, LNS_DROP_ETH_UNKNOWN_TYPE);

	expect_drop(buf, 13, LNS_PORT_ACCESS, LNS_DROP_ETH_TRUNCATED);
	expect_drop(buf, 0, LNS_PORT_ACCESS, LNS_DROP_ETH_TRUNCATED);
}

static void
test_arp(void)
{
	uint8_t buf[128];
	uint32_t len;
	struct lns_pkt_meta meta;
	enum lns_drop why;
	struct rte_arp_hdr *arp = (struct rte_arp_hdr *)(buf + 14);

	len = build_arp(buf, RTE_ARP_OP_REQUEST, "192.0.2.1");
	CU_ASSERT_EQUAL(run(buf, len, LNS_PORT_ACCESS, &meta, &why), LNS_V_PUNT);
	CU_ASSERT_EQUAL(meta.kind, LNS_PUNT_ARP);
	CU_ASSERT_EQUAL(meta.l3_off, 14);

	/* a request for the core address arriving on access is not ours there */
	len = build_arp(buf, RTE_ARP_OP_REQUEST, "198.51.100.1");
	expect_drop(buf, len, LNS_PORT_ACCESS, LNS_DROP_ARP_NOT_OURS);

	len = build_arp(buf, RTE_ARP_OP_REPLY, "192.0.2.1");
	CU_ASSERT_EQUAL(run(buf, len, LNS_PORT_ACCESS, &meta, &why), LNS_V_PUNT);

	len = build_arp(buf, 3 /* RARP request */, "192.0.2.1");
	expect_drop(buf, len, LNS_PORT_ACCESS, LNS_DROP_ARP_IGNORED);

	len = build_arp(buf, RTE_ARP_OP_REQUEST, "192.0.2.1");
	arp->arp_hlen = 8;
	expect_drop(buf, len, LNS_PORT_ACCESS, LNS_DROP_ARP_MALFORMED);
	len = build_arp(buf, RTE_ARP_OP_REQUEST, "192.0.2.1");
	arp->arp_protocol = htons(0x86dd);
	expect_drop(buf, len, LNS_PORT_ACCESS, LNS_DROP_ARP_MALFORMED);
	len = build_arp(buf, RTE_ARP_OP_REQUEST, "192.0.2.1");
	expect_drop(buf, len - 1, LNS_PORT_ACCESS, LNS_DROP_ARP_MALFORMED);
}

/* Every prefix of valid frames is either the right verdict or a counted drop, and the
 * classifier never reads past len (ASan builds check the reads: the copy is exact). */
static void
test_every_truncation(void)
{
	uint8_t frame[256];
	uint32_t lens[2];
	const uint8_t *frames[2];
	uint8_t arpf[128];

	lens[0] = build_ipv4(frame, our_mac, "192.0.2.2", "192.0.2.1", IPPROTO_ICMP, echo, 8);
	lens[1] = build_arp(arpf, RTE_ARP_OP_REQUEST, "192.0.2.1");
	frames[0] = frame;
	frames[1] = arpf;
	for (int f = 0; f < 2; f++) {
		for (uint32_t l = 0; l < lens[f]; l++) {
			uint8_t *copy = malloc(l ? l : 1);
			struct lns_pkt_meta meta;
			enum lns_drop why;

			memcpy(copy, frames[f], l);
			CU_ASSERT_EQUAL(run(copy, l, LNS_PORT_ACCESS, &meta, &why), LNS_V_DROP);
			CU_ASSERT(why == LNS_DROP_ETH_TRUNCATED || why == LNS_DROP_IPV4_TRUNCATED ||
				  why == LNS_DROP_ARP_MALFORMED);
			free(copy);
		}
	}
}

/* Random bytes never crash the classifier and always produce a valid verdict. */
static void
test_random_frames(void)
{
	uint8_t buf[128];
	unsigned int seed = 12345;

	for (int i = 0; i < 200000; i++) {
		uint32_t len = (uint32_t)rand_r(&seed) % sizeof(buf);
		struct lns_pkt_meta meta;
		enum lns_drop why;
		enum lns_verdict v;

		for (uint32_t j = 0; j < len; j++)
			buf[j] = (uint8_t)rand_r(&seed);
		/* steer half of them past the first checks */
		if (len >= 14 && (i & 1)) {
			memcpy(buf, our_mac, 6);
			buf[12] = (i & 2) ? 0x08 : 0x08;
			buf[13] = (i & 2) ? 0x00 : 0x06;
		}
		v = run(buf, len, (unsigned int)i & 1, &meta, &why);
		CU_ASSERT_FATAL(v == LNS_V_PUNT || v == LNS_V_ESP || v == LNS_V_L2TP ||
				v == LNS_V_DOWN || (v == LNS_V_DROP && why < LNS_DROP_MAX));
	}
}

/* IPv4 + TCP SYN with options NOP NOP MSS(mss) NOP WS(7); checksum made by DPDK's
 * full computation, which the incremental update must then match. */
static uint32_t
build_syn(uint8_t *buf, uint16_t mss, uint8_t flags)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)buf;
	struct rte_tcp_hdr *tcp = (struct rte_tcp_hdr *)(ip + 1);
	uint8_t *o = (uint8_t *)(tcp + 1);
	static const uint8_t opts[12] = { 1, 1, 2, 4, 0, 0, 1, 3, 3, 7, 0, 0 };

	memset(buf, 0, 64);
	ip->version_ihl = 0x45;
	ip->total_length = htons(20 + 20 + 12);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_TCP;
	ip->src_addr = ip4("10.200.0.1");
	ip->dst_addr = ip4("198.51.100.2");
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	tcp->src_port = htons(40000);
	tcp->dst_port = htons(80);
	tcp->sent_seq = htonl(0x12345678);
	tcp->data_off = (20 + 12) / 4 << 4;
	tcp->tcp_flags = flags;
	tcp->rx_win = htons(64240);
	memcpy(o, opts, sizeof(opts));
	o[4] = (uint8_t)(mss >> 8);
	o[5] = (uint8_t)mss;
	tcp->cksum = 0;
	tcp->cksum = rte_ipv4_udptcp_cksum(ip, tcp);
	return 52;
}

static uint16_t
full_tcp_cksum(struct rte_ipv4_hdr *ip, struct rte_tcp_hdr *tcp)
{
	uint16_t saved = tcp->cksum, c;

	tcp->cksum = 0;
	c = rte_ipv4_udptcp_cksum(ip, tcp);
	tcp->cksum = saved;
	return c;
}

/* The DSCP remark (exceed-action mark): ECN kept, checksum = a full recomputation. */
static void
test_set_dscp(void)
{
	static const uint8_t tos_in[] = { 0x00, 0x01, 0x02, 0x03, 0xb8, 0xbb, 0xfc, 0xff, 0x20 };
	static const uint8_t dscp[] = { 0, 8, 10, 46, 63 };
	struct rte_ipv4_hdr ip;

	for (unsigned int i = 0; i < RTE_DIM(tos_in); i++)
		for (unsigned int j = 0; j < RTE_DIM(dscp); j++) {
			memset(&ip, 0, sizeof(ip));
			ip.version_ihl = 0x45;
			ip.type_of_service = tos_in[i];
			ip.total_length = rte_cpu_to_be_16(1000 + (uint16_t)(i * 77 + j));
			ip.packet_id = rte_cpu_to_be_16((uint16_t)(0xfff0 + j));
			ip.time_to_live = (uint8_t)(64 + i);
			ip.next_proto_id = 17;
			ip.src_addr = rte_cpu_to_be_32(0x0a000001 + i);
			ip.dst_addr = rte_cpu_to_be_32(0xc6336402 - j);
			ip.hdr_checksum = rte_ipv4_cksum(&ip);
			lns_ipv4_set_dscp(&ip, (uint8_t)(dscp[j] << 2));
			CU_ASSERT_EQUAL(ip.type_of_service, (uint8_t)(dscp[j] << 2 | (tos_in[i] & 3)));
			CU_ASSERT_EQUAL(ip.hdr_checksum, rte_ipv4_cksum(&(struct rte_ipv4_hdr){
				.version_ihl = ip.version_ihl, .type_of_service = ip.type_of_service,
				.total_length = ip.total_length, .packet_id = ip.packet_id,
				.time_to_live = ip.time_to_live, .next_proto_id = 17,
				.src_addr = ip.src_addr, .dst_addr = ip.dst_addr }));
		}
}

static void
test_mss_clamp(void)
{
	uint8_t buf[64];
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)buf;
	struct rte_tcp_hdr *tcp = (struct rte_tcp_hdr *)(ip + 1);
	uint16_t got;

	static const uint16_t mss_in[] = { 1361, 1400, 1460, 8960, 0xff00, 0xffff };

	for (unsigned int i = 0; i < RTE_DIM(mss_in); i++) {
		build_syn(buf, mss_in[i], RTE_TCP_SYN_FLAG);
		CU_ASSERT_EQUAL(lns_mss_clamp(ip, 1360), 1);
		got = (uint16_t)(buf[40 + 4] << 8 | buf[40 + 5]);
		CU_ASSERT_EQUAL(got, 1360);
		/* the incrementally updated checksum equals a full recomputation */
		CU_ASSERT_EQUAL(tcp->cksum, full_tcp_cksum(ip, tcp));
	}
	build_syn(buf, 1460, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG); /* SYN-ACK too */
	CU_ASSERT_EQUAL(lns_mss_clamp(ip, 1360), 1);
	CU_ASSERT_EQUAL(tcp->cksum, full_tcp_cksum(ip, tcp));

	build_syn(buf, 1300, RTE_TCP_SYN_FLAG);            /* already small */
	CU_ASSERT_EQUAL(lns_mss_clamp(ip, 1360), 0);
	CU_ASSERT_EQUAL(buf[45], 1300 & 0xff);
	build_syn(buf, 1460, RTE_TCP_ACK_FLAG);            /* not a SYN */
	CU_ASSERT_EQUAL(lns_mss_clamp(ip, 1360), 0);
	build_syn(buf, 1460, RTE_TCP_SYN_FLAG);
	CU_ASSERT_EQUAL(lns_mss_clamp(ip, 0), 0);          /* clamping off */
	buf[40 + 3] = 0;                                   /* option length 0 */
	CU_ASSERT_EQUAL(lns_mss_clamp(ip, 1360), 0);
	build_syn(buf, 1460, RTE_TCP_SYN_FLAG);
	buf[40 + 3] = 40;                                  /* option past the header */
	CU_ASSERT_EQUAL(lns_mss_clamp(ip, 1360), 0);
	build_syn(buf, 1460, RTE_TCP_SYN_FLAG);
	tcp->data_off = 15 << 4;                           /* header past total length */
	CU_ASSERT_EQUAL(lns_mss_clamp(ip, 1360), 0);
	build_syn(buf, 1460, RTE_TCP_SYN_FLAG);
	ip->fragment_offset = htons(RTE_IPV4_HDR_MF_FLAG); /* a fragment */
	CU_ASSERT_EQUAL(lns_mss_clamp(ip, 1360), 0);
	build_syn(buf, 1460, RTE_TCP_SYN_FLAG);
	ip->total_length = htons(30);                      /* TCP header cut */
	CU_ASSERT_EQUAL(lns_mss_clamp(ip, 1360), 0);
}

/* The 32-bit-word header sum against DPDK's 16-bit loop, on headers with every
 * byte value, and the check it serves against corruption and options. */
static void
test_ipv4_sum20(void)
{
	uint8_t h[24];
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)h;

	srand(20);
	for (unsigned int n = 0; n < 100000; n++) {
		for (unsigned int i = 0; i < sizeof(h); i++)
			h[i] = n < 256 ? (uint8_t)n : (uint8_t)rand();   /* all-equal first */
		CU_ASSERT_EQUAL_FATAL(lns_ipv4_sum20(h), rte_raw_cksum(h, 20));
		h[0] = 0x45;
		ip->hdr_checksum = 0;
		CU_ASSERT_EQUAL_FATAL((uint16_t)~lns_ipv4_sum20(h), rte_ipv4_cksum(ip));
		ip->hdr_checksum = (uint16_t)~lns_ipv4_sum20(h);
		CU_ASSERT_FATAL(lns_ipv4_cksum_ok(h, 20));
		h[1 + n % 19] ^= (uint8_t)(1u << (n % 8));     /* any one bit flipped */
		CU_ASSERT_FATAL(!lns_ipv4_cksum_ok(h, 20));
	}
	/* put_ipv4 sums the header from its field values: a valid header every time */
	for (unsigned int n = 0; n < 20000; n++) {
		static uint8_t buf[256];
		struct rte_mbuf mb;
		struct rte_ipv4_hdr *o;
		uint32_t src = (uint32_t)rand() * 2654435761u, dst = (uint32_t)rand();
		uint16_t plen = (uint16_t)(rand() % 200);

		memset(&mb, 0, sizeof(mb));
		mb.buf_addr = buf;
		mb.buf_len = sizeof(buf);
		mb.data_off = 40;
		mb.data_len = plen;
		mb.pkt_len = plen;
		mb.nb_segs = 1;
		RTE_PER_LCORE(lns_ip_id) = (uint16_t)rand();
		o = put_ipv4(&mb, src, dst, (uint8_t)rand());
		CU_ASSERT_PTR_NOT_NULL_FATAL(o);
		CU_ASSERT_EQUAL_FATAL(rte_be_to_cpu_16(o->total_length), plen + 20);
		CU_ASSERT_FATAL(o->src_addr == src && o->dst_addr == dst);
		CU_ASSERT_FATAL(lns_ipv4_cksum_ok(o, 20));
		CU_ASSERT_EQUAL_FATAL(rte_raw_cksum(o, 20), 0xffff);
	}
	/* with 4 bytes of options the general sum is used, over all 24 bytes */
	memset(h, 0, sizeof(h));
	h[0] = 0x46;
	h[20] = 0x94;                                        /* router alert */
	h[21] = 4;
	ip->hdr_checksum = (uint16_t)~rte_raw_cksum(h, 24);
	CU_ASSERT(lns_ipv4_cksum_ok(h, 24));
	CU_ASSERT(!lns_ipv4_cksum_ok(h, 20));
	h[23] = 1;
	CU_ASSERT(!lns_ipv4_cksum_ok(h, 24));
}

int
main(void)
{
	CU_pSuite s;
	unsigned int fails;

	setup_ports();
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	s = CU_add_suite("dp_classify", NULL, NULL);
	CU_add_test(s, "ICMP to our addresses is punted with offsets", test_icmp_punted);
	CU_add_test(s, "IPv4 drop reasons", test_ipv4_drops);
	CU_add_test(s, "ESP, NAT-T, L2TP and downstream verdicts", test_data_verdicts);
	CU_add_test(s, "Ethernet drop reasons", test_eth_drops);
	CU_add_test(s, "ARP verdicts", test_arp);
	CU_add_test(s, "every truncation is a counted drop", test_every_truncation);
	CU_add_test(s, "random frames", test_random_frames);
	CU_add_test(s, "TCP MSS clamp with incremental checksum", test_mss_clamp);
	CU_add_test(s, "DSCP remark with incremental checksum", test_set_dscp);
	CU_add_test(s, "IPv4 header sum in 32-bit words", test_ipv4_sum20);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures();
	CU_cleanup_registry();
	return fails ? 1 : 0;
}
