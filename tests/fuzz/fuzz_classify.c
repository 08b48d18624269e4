/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the data-path classifier (Ethernet, ARP, IPv4, UDP, ESP/NAT-T)
 * on both port roles, then the L2TP data header and PPP framing parsers on the
 * UDP payload of whatever the classifier hands to the L2TP path.
 *
 * The input is one Ethernet frame. Each frame is classified four times: access and
 * core port, with and without the "IP checksum good" offload flag, so mutations
 * reach the code behind the checksum check without having to fix the checksum.
 * Beyond "no crash, no sanitizer report", the target checks the parsers' output
 * contracts: every offset they return lies inside the frame.
 */
#include <stdint.h>
#include <string.h>

#include <rte_ip.h>
#include <rte_udp.h>

#include "lns_dp.h"
#include "lns_l2tp_data.h"

#include "fuzz_common.h"

static struct lns_dp_port ports[LNS_PORT_ROLE_MAX];

static void
setup_ports(void)
{
	static const uint8_t our_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };

	for (int r = 0; r < LNS_PORT_ROLE_MAX; r++) {
		memcpy(ports[r].mac.addr_bytes, our_mac, 6);
		ports[r].role = (uint8_t)r;
		ports[r].mask = RTE_BE32(0xffffff00);
	}
	/* the addresses the seed corpus is built for (tests/fuzz/corpus/gen_corpus.py) */
	ports[LNS_PORT_ACCESS].addr = RTE_BE32(0xc0000201);   /* 192.0.2.1 */
	ports[LNS_PORT_CORE].addr = RTE_BE32(0xc6336401);     /* 198.51.100.1 */
}

/* The L2TP data path as the worker runs it: header, then PPP framing. */
static void
l2tp_data(const uint8_t *p, uint32_t len)
{
	struct lns_l2tp_data d;
	enum lns_l2tp_parse r;
	uint16_t proto = 0;
	uint32_t hl;

	r = lns_l2tp_data_parse(p, len, &d);
	FUZZ_TRACE("l2tp data parse: %d\n", (int)r);
	if (r != LNS_L2TP_DATA)
		return;
	/* the payload must lie inside what we were given */
	FUZZ_CHECK((uint32_t)d.payload_off + d.payload_len <= len);
	hl = lns_ppp_parse(p + d.payload_off, d.payload_len, &proto);
	FUZZ_CHECK(hl <= d.payload_len);
	if (hl != 0)
		FUZZ_CHECK(proto & 1);          /* RFC 1661 §2: protocol numbers are odd */
}

static void
classify(unsigned int role, const uint8_t *pkt, uint32_t len, uint64_t ol)
{
	struct lns_pkt_meta meta;
	enum lns_drop why = LNS_DROP_MAX;
	enum lns_verdict v;

	memset(&meta, 0, sizeof(meta));
	v = lns_dp_classify(ports, role, pkt, len, ol, &meta, &why);
	FUZZ_TRACE("role %u ol %d: verdict %d why %d\n", role, ol != 0, (int)v, (int)why);
	switch (v) {
	case LNS_V_DROP:
		FUZZ_CHECK(why < LNS_DROP_MAX);   /* every drop has a named reason */
		break;
	case LNS_V_PUNT:
		FUZZ_CHECK(meta.kind < LNS_PUNT_KIND_MAX);
		FUZZ_CHECK(meta.l3_off <= len && meta.l4_off <= len);
		break;
	case LNS_V_ESP:
		FUZZ_CHECK(role == LNS_PORT_ACCESS);
		FUZZ_CHECK((uint32_t)meta.esp_off + LNS_ESP_HDR_LEN <= len);
		break;
	case LNS_V_L2TP: {
		const struct rte_udp_hdr *udp;
		uint32_t ulen;

		FUZZ_CHECK(role == LNS_PORT_ACCESS);
		FUZZ_CHECK((uint32_t)meta.l4_off + sizeof(*udp) <= len);
		udp = (const struct rte_udp_hdr *)(pkt + meta.l4_off);
		ulen = rte_be_to_cpu_16(udp->dgram_len);
		/* the classifier promised the UDP length fits in the frame */
		FUZZ_CHECK(ulen >= sizeof(*udp) && meta.l4_off + ulen <= len);
		l2tp_data(pkt + meta.l4_off + sizeof(*udp), ulen - (uint32_t)sizeof(*udp));
		break;
	}
	case LNS_V_DOWN:
		FUZZ_CHECK(role == LNS_PORT_CORE);
		break;
	case LNS_V_FRAG:
		FUZZ_CHECK(role == LNS_PORT_ACCESS);
		break;
	default:
		FUZZ_CHECK(0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;

	if (!init) {
		setup_ports();
		init = 1;
	}
	if (size > 65535 + sizeof(struct rte_ether_hdr))
		return 0;       /* larger than any frame an IPv4 datagram can make */
	/* libFuzzer hands over an exact-size heap copy: ASan sees any read past it */
	for (unsigned int role = 0; role < LNS_PORT_ROLE_MAX; role++) {
		classify(role, data, (uint32_t)size, 0);
		classify(role, data, (uint32_t)size, RTE_MBUF_F_RX_IP_CKSUM_GOOD);
	}
	return 0;
}
