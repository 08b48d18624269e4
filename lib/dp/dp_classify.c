/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Data path: the first parse of every frame. No logging, no syscalls, no locks.
 * Every length is checked before the bytes behind it are read.
 */
#include <string.h>

#include <rte_arp.h>
#include <rte_byteorder.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "lns_dp.h"
#include "lns_hdr.h"
#include "lns_l2tp_data.h"

static inline enum lns_verdict
drop(enum lns_drop *why, enum lns_drop reason)
{
	*why = reason;
	return LNS_V_DROP;
}

static enum lns_verdict
classify_arp(const struct lns_dp_port *port, const uint8_t *pkt, uint32_t len,
	     struct lns_pkt_meta *meta, enum lns_drop *why)
{
	const uint32_t off = sizeof(struct rte_ether_hdr);
	const struct rte_arp_hdr *arp;
	uint32_t tip;

	if (len < off + sizeof(struct rte_arp_hdr))
		return drop(why, LNS_DROP_ARP_MALFORMED);
	arp = (const struct rte_arp_hdr *)(pkt + off);
	if (arp->arp_hardware != RTE_BE16(RTE_ARP_HRD_ETHER) ||
	    arp->arp_protocol != RTE_BE16(RTE_ETHER_TYPE_IPV4) ||
	    arp->arp_hlen != RTE_ETHER_ADDR_LEN || arp->arp_plen != 4)
		return drop(why, LNS_DROP_ARP_MALFORMED);

	memcpy(&tip, &arp->arp_data.arp_tip, sizeof(tip));
	switch (rte_be_to_cpu_16(arp->arp_opcode)) {
	case RTE_ARP_OP_REQUEST:
		if (tip != port->addr)
			return drop(why, LNS_DROP_ARP_NOT_OURS);
		break;
	case RTE_ARP_OP_REPLY:
		/* The control lcore checks that it asked. */
		break;
	default:
		return drop(why, LNS_DROP_ARP_IGNORED);
	}
	meta->kind = LNS_PUNT_ARP;
	meta->l3_off = off;
	meta->l4_off = 0;
	return LNS_V_PUNT;
}

static enum lns_verdict
classify_ipv4(const struct lns_dp_port *port, const uint8_t *pkt, uint32_t len,
	      uint64_t ol_flags, struct lns_pkt_meta *meta, enum lns_drop *why)
{
	const uint32_t off = sizeof(struct rte_ether_hdr);
	const struct rte_ipv4_hdr *ip;
	uint32_t ihl, tot, dst;

	if (len < off + sizeof(struct rte_ipv4_hdr))
		return drop(why, LNS_DROP_IPV4_TRUNCATED);
	ip = (const struct rte_ipv4_hdr *)(pkt + off);
	ihl = (uint32_t)(ip->version_ihl & 0x0f) * 4;
	tot = rte_be_to_cpu_16(ip->total_length);
	if ((ip->version_ihl >> 4) != 4 || ihl < sizeof(struct rte_ipv4_hdr) || tot < ihl)
		return drop(why, LNS_DROP_IPV4_BAD_HEADER);
	if (len < off + ihl || len - off < tot)
		return drop(why, LNS_DROP_IPV4_TRUNCATED);
	if (!(ol_flags & RTE_MBUF_F_RX_IP_CKSUM_GOOD) && !lns_ipv4_cksum_ok(ip, ihl))
		return drop(why, LNS_DROP_IPV4_BAD_CKSUM);

	memcpy(&dst, &ip->dst_addr, sizeof(dst));
	meta->l3_off = off;
	meta->l4_off = (uint16_t)(off + ihl);
	if (dst != port->addr) {
		/* The core port routes everything else toward subscribers; the access
		 * port accepts only what is addressed to lnsd. */
		if (port->role == LNS_PORT_CORE && (rte_be_to_cpu_32(dst) >> 28) != 0xe &&
		    dst != RTE_BE32(0xffffffff) && (dst & port->mask) != (port->addr & port->mask))
			return LNS_V_DOWN;
		return drop(why, LNS_DROP_IPV4_NOT_OURS);
	}
	if (ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)) {
		/* Clients behind small-MTU links fragment ESP and IKE: reassemble
		 * those (access port); nothing else of ours needs it. */
		if (port->role == LNS_PORT_ACCESS &&
		    (ip->next_proto_id == IPPROTO_ESP || ip->next_proto_id == IPPROTO_UDP))
			return LNS_V_FRAG;
		return drop(why, LNS_DROP_IPV4_FRAGMENT);
	}

	switch (ip->next_proto_id) {
	case IPPROTO_ICMP:
		meta->kind = LNS_PUNT_ICMP;
		return LNS_V_PUNT;
	case IPPROTO_ESP:
		if (port->role != LNS_PORT_ACCESS)
			break;
		if (tot < ihl + LNS_ESP_HDR_LEN)
			return drop(why, LNS_DROP_CL_ESP_TRUNCATED);
		meta->esp_off = meta->l4_off;
		return LNS_V_ESP;
	case IPPROTO_UDP: {
		const struct rte_udp_hdr *udp;
		uint32_t ulen;

		if (port->role != LNS_PORT_ACCESS)
			break;
		if (tot < ihl + sizeof(*udp))
			return drop(why, LNS_DROP_UDP_TRUNCATED);
		udp = (const struct rte_udp_hdr *)(pkt + off + ihl);
		ulen = rte_be_to_cpu_16(udp->dgram_len);
		if (ulen < sizeof(*udp) || ulen > tot - ihl)
			return drop(why, LNS_DROP_UDP_BAD_LEN);
		if (udp->dst_port == RTE_BE16(4500)) {
			const uint8_t *pl = (const uint8_t *)(udp + 1);
			uint32_t plen = ulen - sizeof(*udp);

			if (plen == 1 && pl[0] == 0xff)
				return drop(why, LNS_DROP_NATT_KEEPALIVE);
			/* Non-ESP marker (RFC 3948 2.2): IKE for the control lcore. */
			if (plen >= 4 && pl[0] == 0 && pl[1] == 0 && pl[2] == 0 && pl[3] == 0) {
				meta->kind = LNS_PUNT_IKE;
				return LNS_V_PUNT;
			}
			if (plen < LNS_ESP_HDR_LEN)
				return drop(why, LNS_DROP_CL_ESP_TRUNCATED);
			meta->esp_off = (uint16_t)(off + ihl + sizeof(*udp));
			return LNS_V_ESP;
		}
		if (udp->dst_port == RTE_BE16(LNS_L2TP_PORT))
			return LNS_V_L2TP;
		if (udp->dst_port == RTE_BE16(500)) {
			meta->kind = LNS_PUNT_IKE;
			return LNS_V_PUNT;
		}
		break;
	}
	default:
		break;
	}
	return drop(why, LNS_DROP_L4_UNHANDLED);
}

enum lns_verdict
lns_dp_classify(const struct lns_dp_port ports[LNS_PORT_ROLE_MAX], unsigned int role,
		const uint8_t *pkt, uint32_t len, uint64_t ol_flags,
		struct lns_pkt_meta *meta, enum lns_drop *why)
{
	const struct lns_dp_port *port = &ports[role];
	const struct rte_ether_hdr *eth;

	if (len < sizeof(struct rte_ether_hdr))
		return drop(why, LNS_DROP_ETH_TRUNCATED);
	eth = (const struct rte_ether_hdr *)pkt;
	if (rte_is_unicast_ether_addr(&eth->dst_addr) &&
	    !rte_is_same_ether_addr(&eth->dst_addr, &port->mac))
		return drop(why, LNS_DROP_ETH_NOT_OURS);

	meta->role = (uint8_t)role;
	meta->sa = UINT32_MAX;
	meta->esp_off = 0;
	meta->tunnel = 0;
	switch (eth->ether_type) {
	case RTE_BE16(RTE_ETHER_TYPE_IPV4):
		return classify_ipv4(port, pkt, len, ol_flags, meta, why);
	case RTE_BE16(RTE_ETHER_TYPE_ARP):
		return classify_arp(port, pkt, len, meta, why);
	default:
		return drop(why, LNS_DROP_ETH_UNKNOWN_TYPE);
	}
}
