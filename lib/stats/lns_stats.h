/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Per-lcore counters. Every drop has a named reason; every reason has a counter.
 *
 * Names are lower_snake_case: DPDK telemetry accepts only [A-Za-z0-9_] in dict keys,
 * and Prometheus metric names want the same.
 *
 * Writers: each lcore writes only its own slot, with plain adds (no atomics, no
 * shared cache lines). Readers (control lcore, telemetry thread) sum over slots with
 * relaxed 64-bit loads; a sum may be a few packets behind, never torn.
 */
#ifndef LNS_STATS_H
#define LNS_STATS_H

#include <stdint.h>

#include <rte_common.h>

/** Event counters that are not drops: X(enum suffix, name, help). */
#define LNS_COUNTERS(X) \
	X(RX_PACKETS,      "rx_packets",      "packets received by workers and the control lcore") \
	X(RX_BYTES,        "rx_bytes",        "bytes received") \
	X(PUNTED,          "punted",          "packets handed to the control lcore") \
	X(CTL_RX,          "ctl_rx",          "punted packets the control lcore took in") \
	X(CTL_TX,          "ctl_tx",          "packets the control lcore sent") \
	X(ARP_REQUEST_IN,  "arp_request_in",  "ARP requests for our addresses") \
	X(ARP_REPLY_OUT,   "arp_reply_out",   "ARP replies sent") \
	X(ARP_REQUEST_OUT, "arp_request_out", "ARP requests sent to resolve next hops") \
	X(ARP_REPLY_IN,    "arp_reply_in",    "ARP replies received") \
	X(NEIGH_LEARNED,   "neigh_learned",   "neighbour entries added or changed") \
	X(ICMP_ECHO_IN,    "icmp_echo_in",    "ICMP echo requests to our addresses") \
	X(ICMP_ECHO_OUT,   "icmp_echo_out",   "ICMP echo replies sent") \
	X(ESP_IN,          "esp_in",          "ESP packets decrypted and authenticated") \
	X(ESP_OUT,         "esp_out",         "ESP packets encrypted") \
	X(UP_FWD,          "up_fwd",          "subscriber packets forwarded to the core port") \
	X(DOWN_FWD,        "down_fwd",        "packets forwarded to subscribers on the access port") \
	X(SA_DROPPED_NOW,  "sa_dropped_now",  "SAs dropped from the data plane by control") \
	X(MSS_CLAMPED,     "mss_clamped",     "TCP SYNs whose MSS option was lowered to ppp.mss-clamp") \
	X(POLICER_MARKED,  "policer_marked",  "packets over their policy's committed rate passed with exceed-dscp (exceed-action mark)") \
	X(ICMP_FRAG_NEEDED_OUT, "icmp_frag_needed_out", "ICMP fragmentation-needed sent to core-side senders of too-big DF packets") \
	X(REASSEMBLED,     "reassembled",     "outer IPv4 datagrams reassembled from fragments") \
	X(ESP_HANDOFF,     "esp_handoff",     "ESP packets handed to the worker that owns their inbound SA (counted by the lcore that received them)")

/** Drop reasons: X(enum suffix, name, help). Names are stable: tests and dashboards use them. */
#define LNS_DROPS(X) \
	X(ETH_TRUNCATED,    "eth_truncated",    "frame shorter than an Ethernet header") \
	X(ETH_NOT_OURS,     "eth_not_ours",     "unicast frame for another MAC address") \
	X(ETH_UNKNOWN_TYPE, "eth_unknown_type", "EtherType other than IPv4 or ARP (VLAN tags included)") \
	X(ARP_MALFORMED,    "arp_malformed",    "ARP packet too short or not Ethernet/IPv4") \
	X(ARP_NOT_OURS,     "arp_not_ours",     "ARP request for an address that is not ours") \
	X(ARP_IGNORED,      "arp_ignored",      "ARP operation other than request/reply") \
	X(IPV4_TRUNCATED,   "ipv4_truncated",   "IPv4 header or total length past the end of the frame") \
	X(IPV4_BAD_HEADER,  "ipv4_bad_header",  "IPv4 version, header length or total length invalid") \
	X(IPV4_BAD_CKSUM,   "ipv4_bad_cksum",   "IPv4 header checksum wrong") \
	X(IPV4_FRAGMENT,    "ipv4_fragment",    "IPv4 fragment lnsd does not reassemble (core port, or not ESP/UDP)") \
	X(FRAG_DISCARDED,   "frag_discarded",   "fragments discarded by reassembly: timed out, table full, overlapping or invalid") \
	X(FRAG_TOO_BIG,     "frag_too_big",     "reassembled datagram larger than one mbuf") \
	X(IPV4_NOT_OURS,    "ipv4_not_ours",    "IPv4 packet for an address lnsd neither owns nor routes") \
	X(L4_UNHANDLED,     "l4_unhandled",     "protocol or port to our address that no service handles") \
	X(ICMP_MALFORMED,   "icmp_malformed",   "ICMP too short or bad checksum") \
	X(ICMP_IGNORED,     "icmp_ignored",     "ICMP type other than echo request to our address") \
	X(PUNT_RING_FULL,   "punt_ring_full",   "control lcore's punt ring full") \
	X(CTL_TX_FULL,      "ctl_tx_full",      "control TX queue full") \
	X(CTL_MSG_TOO_BIG,  "ctl_msg_too_big",  "control message (L2TP or IKE) larger than one mbuf") \
	X(IKE_TRUNCATED,    "ike_truncated",    "IKE datagram shorter than its UDP header and non-ESP marker, or in several segments") \
	X(NO_MBUF,          "no_mbuf",          "mbuf pool exhausted when building a packet") \
	X(PUNT_UNHANDLED,   "punt_unhandled",   "punted packet of a kind the control plane does not handle yet") \
	X(NATT_KEEPALIVE,   "natt_keepalive",   "NAT-T keepalive (1 byte 0xff to UDP 4500, RFC 3948)") \
	X(ESP_TRUNCATED,    "esp_truncated",    "ESP shorter than header, IV, trailer and ICV") \
	X(ESP_UNKNOWN_SPI,  "esp_unknown_spi",  "ESP SPI of no inbound SA") \
	X(ESP_SA_DROPPED,   "esp_sa_dropped",   "ESP on an SA control has dropped") \
	X(ESP_SA_EXPIRED,   "esp_sa_expired",   "ESP on an expired SA (lifetime or sequence space)") \
	X(ESP_ICV,          "esp_icv",          "ESP integrity check failed") \
	X(ESP_REPLAY,       "esp_replay",       "ESP sequence number replayed or left of the window") \
	X(ESP_BAD_PAD,      "esp_bad_pad",      "ESP padding or pad length invalid") \
	X(ESP_HANDOFF_FULL, "esp_handoff_full", "ESP for an SA owned by another worker whose handoff ring was full") \
	X(ESP_INVALID,      "esp_invalid",      "ESP malformed otherwise (block length, dummy, segments, crypto)") \
	X(ESP_INNER_BAD,    "esp_inner_bad",    "decrypted payload not UDP to port 1701 (inner IPv4 for tunnel mode)") \
	X(L2TP_MALFORMED,   "l2tp_malformed",   "L2TP data header truncated, bad version or length") \
	X(L2TP_NO_SESSION,  "l2tp_no_session",  "L2TP data for a tunnel/session id pair that does not exist") \
	X(L2TP_WRONG_SA,    "l2tp_wrong_sa",    "L2TP data for a session not bound to the SA (or plain peer) it came on") \
	X(PPP_MALFORMED,    "ppp_malformed",    "PPP framing truncated or invalid protocol field") \
	X(IPV4_SPOOFED,     "ipv4_spoofed",     "subscriber packet with a source other than its assigned address") \
	X(IPV4_TTL,         "ipv4_ttl",         "IPv4 TTL expired in transit") \
	X(NEXTHOP_UNRESOLVED, "nexthop_unresolved", "next hop MAC not resolved by ARP yet") \
	X(DOWN_NO_SESSION,  "down_no_session",  "core-side packet to an address of no session") \
	X(DOWN_SA_DROPPED,  "down_sa_dropped",  "core-side packet for a session whose outbound SA was dropped") \
	X(DOWN_TOO_BIG,     "down_too_big",     "core-side packet too big for the access MTU after encapsulation (DF set: ICMP sent unless rate-limited)") \
	X(NO_HEADROOM,      "no_headroom",      "no room in the mbuf for the headers lnsd adds (L2TP, UDP, IPv4, Ethernet; ICMP errors)") \
	X(ESP_OUT_FAILED,   "esp_out_failed",   "ESP encryption refused (headroom, sequence exhausted, expired)") \
	X(POLICER,          "policer",          "packet over its session's rate-limit policy (either direction)") \
	X(TX_FULL,          "tx_full",          "worker TX queue full")

#define LNS_X_ENUM(e, name, help) LNS_CTR_##e,
enum lns_ctr { LNS_COUNTERS(LNS_X_ENUM) LNS_CTR_MAX };
#undef LNS_X_ENUM
#define LNS_X_ENUM(e, name, help) LNS_DROP_##e,
enum lns_drop { LNS_DROPS(LNS_X_ENUM) LNS_DROP_MAX };
#undef LNS_X_ENUM

/** One lcore's counters; cache-aligned so no two lcores share a line. */
struct lns_stats_lcore {
	uint64_t ctr[LNS_CTR_MAX];
	uint64_t drop[LNS_DROP_MAX];
} __rte_cache_aligned;

/** All slots: one per lcore id (RTE_MAX_LCORE), indexed by rte_lcore_id(). */
struct lns_stats {
	unsigned int n_slots;
	struct lns_stats_lcore slot[];
};

/** Allocate zeroed counters with n_slots slots (cache-aligned). NULL on ENOMEM. */
struct lns_stats *lns_stats_create(unsigned int n_slots);
void lns_stats_free(struct lns_stats *st);

/** Sum of one counter / drop reason over all slots (safe from any thread). */
uint64_t lns_stats_ctr(const struct lns_stats *st, enum lns_ctr c);
uint64_t lns_stats_drop(const struct lns_stats *st, enum lns_drop d);
/** Sum of all drop reasons. */
uint64_t lns_stats_drops_total(const struct lns_stats *st);

const char *lns_ctr_name(enum lns_ctr c);
const char *lns_ctr_help(enum lns_ctr c);
const char *lns_drop_name(enum lns_drop d);
const char *lns_drop_help(enum lns_drop d);
/** Reason for a name, or -1 if unknown. */
int lns_drop_by_name(const char *name);

/** Count n drops of reason d in this lcore's slot (data path: plain add). */
static inline void
lns_count_drop(struct lns_stats_lcore *s, enum lns_drop d, uint64_t n)
{
	s->drop[d] += n;
}

static inline void
lns_count(struct lns_stats_lcore *s, enum lns_ctr c, uint64_t n)
{
	s->ctr[c] += n;
}

#endif /* LNS_STATS_H */
