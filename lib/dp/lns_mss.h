/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * TCP MSS clamping for subscriber traffic: PPP + L2TP + ESP overhead makes the path
 * MTU smaller than clients assume, so SYNs carrying a larger MSS option are lowered.
 * And the DSCP remark of a rate-limit policy's exceeding packets.
 *
 * Data-path code: pure, bounds-checked, no state.
 */
#ifndef LNS_MSS_H
#define LNS_MSS_H

#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_tcp.h>

/* One's-complement update of a 16-bit checksum for a 16-bit field change (RFC 1624, eqn. 3). */
static inline uint16_t
lns_cksum_update16(uint16_t cksum, uint16_t old, uint16_t new_)
{
	uint32_t sum = (uint16_t)~cksum + (uint16_t)~old + (uint32_t)new_;

	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/**
 * Lower the MSS option of a TCP SYN to `clamp` if it is larger.
 * @param ip  an IPv4 header whose total length the caller has checked against the
 *            buffer (the TCP header and options are bounds-checked here)
 * @return 1 if the MSS was changed, 0 otherwise (not TCP, not SYN, fragment, no MSS
 *         option, already small enough, or malformed options).
 */
static inline int
lns_mss_clamp(struct rte_ipv4_hdr *ip, uint16_t clamp)
{
	uint32_t ihl = (uint32_t)(ip->version_ihl & 0x0f) * 4;
	uint32_t tot = rte_be_to_cpu_16(ip->total_length);
	struct rte_tcp_hdr *tcp;
	uint8_t *opt;
	uint32_t olen, i = 0;

	if (clamp == 0 || ip->next_proto_id != IPPROTO_TCP ||
	    (ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)) ||
	    tot < ihl + sizeof(*tcp))
		return 0;
	tcp = (struct rte_tcp_hdr *)((uint8_t *)ip + ihl);
	if (!(tcp->tcp_flags & RTE_TCP_SYN_FLAG))
		return 0;
	olen = (uint32_t)(tcp->data_off >> 4) * 4;
	if (olen < sizeof(*tcp) || ihl + olen > tot)
		return 0;
	olen -= sizeof(*tcp);
	opt = (uint8_t *)(tcp + 1);
	while (i < olen) {
		uint8_t kind = opt[i];

		if (kind == 0)                  /* end of options */
			return 0;
		if (kind == 1) {                /* no-op */
			i++;
			continue;
		}
		if (i + 1 >= olen || opt[i + 1] < 2 || i + opt[i + 1] > olen)
			return 0;
		if (kind == 2 && opt[i + 1] == 4) {
			uint16_t old, mss = (uint16_t)(opt[i + 2] << 8 | opt[i + 3]);

			if (mss <= clamp)
				return 0;
			memcpy(&old, opt + i + 2, 2);
			opt[i + 2] = (uint8_t)(clamp >> 8);
			opt[i + 3] = (uint8_t)clamp;
			tcp->cksum = lns_cksum_update16(tcp->cksum, old,
							rte_cpu_to_be_16(clamp));
			return 1;
		}
		i += opt[i + 1];
	}
	return 0;
}

/**
 * Set the DSCP of an IPv4 header (tos_dscp = DSCP << 2), ECN bits kept, the
 * header checksum updated incrementally (RFC 1624, eqn. 3).
 */
static inline void
lns_ipv4_set_dscp(struct rte_ipv4_hdr *ip, uint8_t tos_dscp)
{
	uint16_t old = (uint16_t)(ip->version_ihl << 8 | ip->type_of_service), nw;
	uint32_t sum;

	ip->type_of_service = (uint8_t)((tos_dscp & 0xfc) | (ip->type_of_service & 0x03));
	nw = (uint16_t)(ip->version_ihl << 8 | ip->type_of_service);
	sum = (uint32_t)(~rte_be_to_cpu_16(ip->hdr_checksum) & 0xffff) + (~old & 0xffffu) + nw;
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	ip->hdr_checksum = rte_cpu_to_be_16((uint16_t)~sum);
}

#endif /* LNS_MSS_H */
