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

/*
 * Drop reasons, declared per pipeline stage: X(enum suffix, stage, reason, help). A
 * reason's name is "<stage>.<reason>" (lns_drop_name()); in telemetry dict keys, where
 * DPDK allows only [A-Za-z0-9_/], the dot is written '/' (lns_drop_key()). One reason
 * per distinct cause; the comment above each stage names the code that decides it.
 * Names are stable: tests and dashboards use them.
 */

/* classify: lns_dp_classify() (lib/dp/dp_classify.c), the first parse of every frame */
#define LNS_DROPS_CLASSIFY(X) \
	X(ETH_TRUNCATED,    classify, "eth_truncated",    "frame shorter than an Ethernet header") \
	X(ETH_NOT_OURS,     classify, "eth_not_ours",     "unicast frame for another MAC address") \
	X(ETH_UNKNOWN_TYPE, classify, "eth_unknown_type", "EtherType other than IPv4 or ARP (VLAN tags included)") \
	X(ARP_MALFORMED,    classify, "arp_malformed",    "ARP packet too short or not Ethernet/IPv4") \
	X(ARP_NOT_OURS,     classify, "arp_not_ours",     "ARP request for an address that is not ours") \
	X(ARP_IGNORED,      classify, "arp_ignored",      "ARP operation other than request/reply") \
	X(IPV4_TRUNCATED,   classify, "ipv4_truncated",   "IPv4 header or total length past the end of the frame") \
	X(IPV4_BAD_HEADER,  classify, "ipv4_bad_header",  "IPv4 version, header length or total length invalid") \
	X(IPV4_BAD_CKSUM,   classify, "ipv4_bad_cksum",   "IPv4 header checksum wrong") \
	X(IPV4_FRAGMENT,    classify, "ipv4_fragment",    "IPv4 fragment lnsd does not reassemble (core port, or not ESP/UDP)") \
	X(IPV4_NOT_OURS,    classify, "ipv4_not_ours",    "IPv4 packet for an address lnsd neither owns nor routes") \
	X(UDP_TRUNCATED,    classify, "udp_truncated",    "IPv4 payload shorter than a UDP header") \
	X(UDP_BAD_LEN,      classify, "udp_bad_len",      "UDP length shorter than its header or past the IPv4 payload") \
	X(L4_UNHANDLED,     classify, "l4_unhandled",     "protocol or port to our address that no service handles") \
	X(NATT_KEEPALIVE,   classify, "natt_keepalive",   "NAT-T keepalive (1 byte 0xff to UDP 4500, RFC 3948)") \
	X(CL_ESP_TRUNCATED, classify, "esp_truncated",    "ESP (plain or in UDP 4500) shorter than its 8-byte header")

/* reasm: reassemble() and lns_dp_frag_expire() (lib/dp/dp_worker.c), outer IPv4 fragments */
#define LNS_DROPS_REASM(X) \
	X(FRAG_DISCARDED,   reasm, "discarded",       "fragments discarded by reassembly: timed out, table full, overlapping or invalid") \
	X(FRAG_TOO_BIG,     reasm, "too_big",         "reassembled datagram larger than one mbuf") \
	X(FRAG_NO_TABLE,    reasm, "no_table",        "fragment on an lcore without a reassembly table")

/* esp-in: esp_in() and esp_inner() (lib/dp/dp_worker.c); the statuses of
 * lns_esp_inbound() map one to one (esp_in_reason[]) */
#define LNS_DROPS_ESP_IN(X) \
	X(ESP_UNKNOWN_SPI,  esp, "unknown_spi",      "ESP SPI of no SA") \
	X(ESP_SA_DROPPED,   esp, "sa_dropped",       "ESP on an SA control has dropped") \
	X(ESP_HANDOFF_FULL, esp, "handoff_full",     "ESP for an SA owned by another worker whose handoff ring was full") \
	X(ESP_SA_EXPIRED,   esp, "sa_expired",       "lib/esp: SA expired (lifetime or sequence space)") \
	X(ESP_SA_DIR,       esp, "sa_dir",           "lib/esp: SA of the other direction") \
	X(ESP_MULTISEG,     esp, "multiseg",         "lib/esp: multi-segment mbuf") \
	X(ESP_TRUNCATED,    esp, "truncated",        "lib/esp: shorter than ESP header, IV, trailer and ICV") \
	X(ESP_BAD_LEN,      esp, "bad_len",          "lib/esp: ciphertext not a whole number of cipher blocks") \
	X(ESP_SPI_MISMATCH, esp, "spi_mismatch",     "lib/esp: SPI in the packet is not the SA's") \
	X(ESP_REPLAY,       esp, "replay",           "lib/esp: sequence number already received (RFC 4303 3.4.3)") \
	X(ESP_REPLAY_OLD,   esp, "replay_old",       "lib/esp: sequence number left of the anti-replay window") \
	X(ESP_ICV,          esp, "icv",              "lib/esp: integrity check failed") \
	X(ESP_BAD_PAD_LEN,  esp, "bad_pad_len",      "lib/esp: pad length longer than the decrypted payload") \
	X(ESP_BAD_PAD,      esp, "bad_pad",          "lib/esp: padding bytes not 1, 2, 3, ... (RFC 4303 2.4)") \
	X(ESP_DUMMY,        esp, "dummy",            "lib/esp: dummy packet, next header 59 (RFC 4303 2.6)") \
	X(ESP_CRYPTO,       esp, "crypto",           "lib/esp: IPsec-MB refused or failed the job") \
	X(ESP_INNER_NOT_IPV4, esp, "inner_not_ipv4", "tunnel mode: next header not 4, or the inner IPv4 header invalid") \
	X(ESP_INNER_SELECTOR, esp, "inner_selector", "tunnel mode: inner IPv4 not UDP between the SA's two hosts") \
	X(ESP_INNER_NOT_UDP,  esp, "inner_not_udp",  "transport mode: next header not UDP") \
	X(ESP_INNER_UDP_BAD,  esp, "inner_udp_bad",  "decrypted UDP header truncated or its length wrong") \
	X(ESP_INNER_NOT_L2TP, esp, "inner_not_l2tp", "decrypted UDP not to port 1701")

/* l2tp-in: l2tp_in() and l2tp_no_session() (lib/dp/dp_worker.c) */
#define LNS_DROPS_L2TP_IN(X) \
	X(L2TP_MALFORMED,   l2tp, "malformed",        "L2TP data header truncated, bad version or length") \
	X(L2TP_NO_SESSION,  l2tp, "no_session",       "L2TP data for a tunnel/session id pair that does not exist") \
	X(L2TP_WRONG_SA,    l2tp, "wrong_sa",         "L2TP data for a session not bound to the SA (or plain peer) it came on")

/* ppp-in: l2tp_in() (lib/dp/dp_worker.c) */
#define LNS_DROPS_PPP_IN(X) \
	X(PPP_MALFORMED,    ppp, "malformed",         "PPP framing truncated or invalid protocol field")

/* ipv4-up: ipv4_up() (lib/dp/dp_worker.c), subscriber IPv4 toward the core */
#define LNS_DROPS_IPV4_UP(X) \
	X(UP_TRUNCATED,     up, "ipv4_truncated",     "subscriber IPv4 header or total length past the end of the PPP frame") \
	X(UP_BAD_HEADER,    up, "ipv4_bad_header",    "subscriber IPv4 version, header length or total length invalid") \
	X(UP_BAD_CKSUM,     up, "ipv4_bad_cksum",     "subscriber IPv4 header checksum wrong") \
	X(IPV4_SPOOFED,     up, "spoofed",            "subscriber packet with a source other than its assigned address") \
	X(UP_TTL,           up, "ttl",                "subscriber IPv4 TTL expired in transit") \
	X(UP_NEXTHOP,       up, "nexthop_unresolved", "core next hop MAC not resolved by ARP yet") \
	X(UP_POLICER,       up, "policer",            "subscriber packet over its session's upstream rate limit")

/* ipv4-down: ipv4_down() and down_too_big() (lib/dp/dp_worker.c), core IPv4 toward a subscriber */
#define LNS_DROPS_IPV4_DOWN(X) \
	X(DOWN_NO_SESSION,  down, "no_session",       "core-side packet to an address of no session") \
	X(DOWN_TTL,         down, "ttl",              "core-side IPv4 TTL expired in transit") \
	X(DOWN_POLICER,     down, "policer",          "core-side packet over its session's downstream rate limit") \
	X(DOWN_NEXTHOP,     down, "nexthop_unresolved", "access next hop MAC of the tunnel's peer not resolved by ARP yet") \
	X(DOWN_SA_DROPPED,  down, "sa_dropped",       "packet for a tunnel whose outbound SA was dropped") \
	X(DOWN_TOO_BIG,     down, "too_big",          "core-side packet too big for the access MTU after encapsulation (DF set: ICMP sent unless rate-limited)") \
	X(DOWN_ICMP_NO_ROOM, down, "icmp_no_room",    "no room in the mbuf for the ICMP fragmentation-needed")

/* encap: encap_one() and lns_dp_send_l2tp() (lib/dp/dp_worker.c), PPP + L2TP + UDP (+ inner IPv4) */
#define LNS_DROPS_ENCAP(X) \
	X(ENCAP_NO_HEADROOM, encap, "no_headroom",    "no headroom for the PPP, L2TP, UDP or inner IPv4 header")

/* esp-out: the statuses of lns_esp_outbound() one to one (esp_out_reason[]) */
#define LNS_DROPS_ESP_OUT(X) \
	X(ESPO_SA_EXPIRED,   esp_out, "sa_expired",    "lib/esp: SA expired or dropped") \
	X(ESPO_SA_DIR,       esp_out, "sa_dir",        "lib/esp: SA of the other direction") \
	X(ESPO_MULTISEG,     esp_out, "multiseg",      "lib/esp: multi-segment mbuf") \
	X(ESPO_SEQ_EXHAUSTED, esp_out, "seq_exhausted", "lib/esp: sequence number would pass 2^32-1; SA expired") \
	X(ESPO_NO_HEADROOM,  esp_out, "no_headroom",   "lib/esp: headroom too small for ESP header and IV") \
	X(ESPO_NO_TAILROOM,  esp_out, "no_tailroom",   "lib/esp: tailroom too small for trailer and ICV") \
	X(ESPO_CRYPTO,       esp_out, "crypto",        "lib/esp: IPsec-MB refused or failed the job")

/* tx: down_finish() and flush_tx() (lib/dp/dp_worker.c), outer headers and the TX queue */
#define LNS_DROPS_TX(X) \
	X(TX_NO_HEADROOM,   tx, "no_headroom",        "no headroom for the outer UDP, IPv4 or Ethernet header") \
	X(TX_FULL,          tx, "full",               "worker TX queue full")

/* punt: punt_enqueue() (lib/dp/dp_worker.c) */
#define LNS_DROPS_PUNT(X) \
	X(PUNT_RING_FULL,   punt, "ring_full",        "control lcore's punt ring full")

/* ctl: the control lcore (lib/ctl), its own input and output */
#define LNS_DROPS_CTL(X) \
	X(CTL_TX_FULL,      ctl, "tx_full",           "control TX queue full") \
	X(CTL_MSG_TOO_BIG,  ctl, "msg_too_big",       "control message (L2TP or IKE) larger than one mbuf") \
	X(IKE_TRUNCATED,    ctl, "ike_truncated",     "IKE datagram shorter than its UDP header and non-ESP marker, or in several segments") \
	X(NO_MBUF,          ctl, "no_mbuf",           "mbuf pool exhausted when building a packet") \
	X(PUNT_UNHANDLED,   ctl, "punt_unhandled",    "punted packet of a kind the control plane does not handle yet") \
	X(ICMP_MALFORMED,   ctl, "icmp_malformed",    "ICMP too short or bad checksum") \
	X(ICMP_IGNORED,     ctl, "icmp_ignored",      "ICMP type other than echo request to our address") \
	X(CTL_NEXTHOP,      ctl, "nexthop_unresolved", "control message to a peer whose next hop MAC is not resolved yet") \
	X(CTL_SA_DROPPED,   ctl, "sa_dropped",        "control message for a tunnel whose outbound SA was dropped") \
	X(CTL_L2TP_MULTISEG, ctl, "l2tp_multiseg",   "punted L2TP control in several segments") \
	X(CTL_NO_SESSION,   ctl, "no_session",        "punted PPP control for a session the control plane does not have")

/** All drop reasons, stage by stage. */
#define LNS_DROPS(X) \
	LNS_DROPS_CLASSIFY(X) LNS_DROPS_REASM(X) LNS_DROPS_ESP_IN(X) LNS_DROPS_L2TP_IN(X) \
	LNS_DROPS_PPP_IN(X) LNS_DROPS_IPV4_UP(X) LNS_DROPS_IPV4_DOWN(X) LNS_DROPS_ENCAP(X) \
	LNS_DROPS_ESP_OUT(X) LNS_DROPS_TX(X) LNS_DROPS_PUNT(X) LNS_DROPS_CTL(X)

#define LNS_X_ENUM(e, name, help) LNS_CTR_##e,
enum lns_ctr { LNS_COUNTERS(LNS_X_ENUM) LNS_CTR_MAX };
#undef LNS_X_ENUM
#define LNS_X_ENUM(e, stage, reason, help) LNS_DROP_##e,
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
/** "stage.reason", e.g. "esp.icv" ("?" when out of range). */
const char *lns_drop_name(enum lns_drop d);
/** The name as a telemetry dict key: "stage/reason" (DPDK allows no dots there). */
const char *lns_drop_key(enum lns_drop d);
/** The stage part of the name ("esp" for "esp.icv"). */
const char *lns_drop_stage(enum lns_drop d);
const char *lns_drop_help(enum lns_drop d);
/** Reason for a name ("stage.reason" or "stage/reason"), or -1 if unknown. */
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
