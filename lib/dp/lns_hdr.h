/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Outer headers prepended to an mbuf: Ethernet, IPv4, UDP. Shared by the workers
 * (downstream, ICMP) and the control lcore (its L2TP and IKE messages).
 * The caller makes sure of the headroom for put_eth(); put_ipv4() and put_udp()
 * return NULL when there is none.
 */
#ifndef LNS_HDR_H
#define LNS_HDR_H

#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

/** IPv4 identification counter of each lcore (defined in dp_worker.c). */
RTE_DECLARE_PER_LCORE(uint16_t, lns_ip_id);

/**
 * One's-complement sum of a 20-byte IPv4 header (no options), folded to 16 bits:
 * what rte_raw_cksum() gives, in five 32-bit adds instead of a loop of ten 16-bit
 * ones (2^16 = 1 in this arithmetic, so wider words fold to the same sum). Every
 * packet's outer header and, upstream, its inner one go through this.
 */
static inline uint16_t
lns_sum_fold(uint64_t s)
{
	s = (s & 0xffffffff) + (s >> 32);                   /* < 2^32 + 8 */
	s = (s & 0xffff) + (s >> 16);                       /* < 2^17 */
	s = (s & 0xffff) + (s >> 16);                       /* <= 0xffff + 1 */
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

static inline uint16_t
lns_ipv4_sum20(const void *hdr)
{
	uint32_t w[5];

	memcpy(w, hdr, sizeof(w));
	return lns_sum_fold((uint64_t)w[0] + w[1] + w[2] + w[3] + w[4]);   /* < 2^35 */
}

/** Whether an IPv4 header of ihl bytes (ihl >= 20, checked) has a good checksum. */
static inline int
lns_ipv4_cksum_ok(const void *hdr, uint32_t ihl)
{
	if (likely(ihl == sizeof(struct rte_ipv4_hdr)))
		return lns_ipv4_sum20(hdr) == 0xffff;
	return rte_raw_cksum(hdr, ihl) == 0xffff;
}

static inline void
put_eth(struct rte_mbuf *m, uint64_t dst, const struct rte_ether_addr *src)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, sizeof(*eth));

	memcpy(eth->dst_addr.addr_bytes, &dst, RTE_ETHER_ADDR_LEN);
	eth->src_addr = *src;
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
}

static inline struct rte_ipv4_hdr *
put_ipv4(struct rte_mbuf *m, uint32_t src, uint32_t dst, uint8_t proto)
{
	uint16_t len = (uint16_t)(m->pkt_len + sizeof(struct rte_ipv4_hdr));
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)rte_pktmbuf_prepend(m, sizeof(*ip));
	uint16_t len_be = rte_cpu_to_be_16(len);
	uint16_t id_be = rte_cpu_to_be_16(RTE_PER_LCORE(lns_ip_id)++);
	uint16_t sum;

	if (ip == NULL)
		return NULL;
#if RTE_BYTE_ORDER == RTE_LITTLE_ENDIAN
	/* The sum of the header's five 32-bit words as they will lie in memory,
	 * from the values at hand: summing the header back after writing it would
	 * read across the narrow stores just made (a failed store forward, which
	 * perf put at 6 % of downstream time). */
	sum = lns_sum_fold((uint64_t)(RTE_IPV4_VHL_DEF | (uint32_t)len_be << 16) + id_be +
			   (64u | (uint32_t)proto << 8) + src + dst);
#endif
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->type_of_service = 0;
	ip->total_length = len_be;
	ip->packet_id = id_be;
	ip->fragment_offset = 0;
	ip->time_to_live = 64;
	ip->next_proto_id = proto;
	ip->hdr_checksum = 0;
	ip->src_addr = src;
	ip->dst_addr = dst;
#if RTE_BYTE_ORDER != RTE_LITTLE_ENDIAN
	sum = lns_ipv4_sum20(ip);
#endif
	ip->hdr_checksum = (uint16_t)~sum;
	return ip;
}

static inline struct rte_udp_hdr *
put_udp(struct rte_mbuf *m, uint16_t sport_be, uint16_t dport_be)
{
	uint16_t len = (uint16_t)(m->pkt_len + sizeof(struct rte_udp_hdr));
	struct rte_udp_hdr *u = (struct rte_udp_hdr *)rte_pktmbuf_prepend(m, sizeof(*u));

	if (u == NULL)
		return NULL;
	u->src_port = sport_be;
	u->dst_port = dport_be;
	u->dgram_len = rte_cpu_to_be_16(len);
	u->dgram_cksum = 0; /* optional over IPv4; RFC 3948 and L2TP peers accept 0 */
	return u;
}

#endif /* LNS_HDR_H */
