/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * lns-trafgen: pcaps of real lnsd traffic, derived from a config's `static:` section.
 *
 * The plan (tg_plan_build) mirrors lib/ctl/ctl_static.c exactly, so that lnsd, given
 * the same file, has provisioned every SPI, key, peer, tunnel id, session id and
 * subscriber address that the generated packets carry:
 *  - SA copy k of static.sas[i]: SPIs + k, peer + k, peer port + k (NAT-T only).
 *    Upstream packets use spi-in and key-in (lnsd's inbound SA).
 *  - tunnel copy k of static.tunnels[j]: local/peer ids + k, over SA copy k (or,
 *    non-secure, peer + k, UDP source port = peer-port);
 *  - its sessions have ids 1..sessions and take subscriber addresses in order from
 *    the tunnel's pool, one cursor per pool across tunnels in file order.
 *
 * Encryption is OpenSSL's (EVP), deliberately not lib/esp's IPsec-MB code: lnsd
 * decrypting these packets is then a cross-check of two implementations.
 *
 * Not thread-safe: one plan per thread.
 */
#ifndef LNS_TRAFGEN_H
#define LNS_TRAFGEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lns_conf.h"

#define TG_NONE UINT32_MAX
#define TG_FRAME_MAX 2048          /**< largest frame built (inner IPv4 <= 1500) */
#define TG_INNER_MIN 28            /**< IPv4 + UDP headers */
#define TG_INNER_MAX 1500

/** Default destination of upstream subscriber traffic and source of downstream. */
#define TG_REMOTE_HOST 0xcb00710au /* 203.0.113.10 (RFC 5737 TEST-NET-3), host order */

/** One inbound SA copy, as a client sends on it. */
struct tg_sa {
	uint32_t spi;          /**< host order (lnsd's spi-in + k) */
	uint32_t peer;         /**< client address, network order */
	uint16_t sport;        /**< NAT-T source port, host order */
	bool     udp_encap;
	uint8_t  mode;         /**< enum lns_ipsec_mode */
	uint8_t  alg;          /**< enum lns_esp_alg */
	const uint8_t *key;    /**< key-in (+ 4-byte salt for GCM), owned by the conf */
	uint8_t  key_len;
	const uint8_t *auth_key;
	uint8_t  auth_key_len;
	uint32_t seq;          /**< last sequence number used (next packet: seq + 1) */
	uint64_t iv_ctr;       /**< per-SA IV counter (GCM IVs must never repeat) */
};

/** One session and the path upstream packets take to it. */
struct tg_session {
	uint32_t addr;         /**< subscriber address, network order */
	uint16_t tunnel_id;    /**< lnsd's local tunnel id (what the client sends) */
	uint16_t session_id;   /**< lnsd's local session id */
	uint32_t sa;           /**< index in plan->sas, TG_NONE for non-secure */
	uint32_t peer;         /**< client address, network order */
	uint16_t peer_port;    /**< non-secure: the tunnel's L2TP peer port, host order */
	uint32_t client;       /**< index of the client (SA copy or plain tunnel peer) */
};

struct tg_plan {
	struct tg_sa *sas;
	uint32_t n_sas;
	struct tg_session *sess;
	uint32_t n_sess;
	uint32_t n_clients;
	uint32_t *client_first;   /**< sessions of client c: order[client_first[c] ..] */
	uint32_t *client_count;
	uint32_t *order;          /**< session indexes grouped by client */
	uint32_t acc_addr, acc_mask, acc_gw;    /**< access port, network order */
	uint32_t core_addr, core_mask, core_gw; /**< core port, network order */
	uint32_t *nexthops;       /**< distinct access next hops of the tunnels (ARP) */
	uint32_t n_nexthops;
};

/** Options of one pcap. */
struct tg_opts {
	uint8_t dst_mac[6];       /**< lnsd's port MAC; broadcast by default (any port takes it) */
	uint32_t remote;          /**< subscriber traffic peer, network order */
	uint64_t seed;            /**< PRNG seed: CBC IVs, random session choice */
};

/**
 * Derive the plan from a loaded config.
 * @param alg_filter  only SAs of this enum lns_esp_alg, or -1 for all; non-secure
 *                    tunnels are kept only with -1
 * @return 0, or -errno with err set
 */
int tg_plan_build(const struct lns_conf *conf, int alg_filter, struct tg_plan *plan,
		  char *err, size_t errlen);
void tg_plan_free(struct tg_plan *plan);

/** Internet checksum (RFC 1071) of len bytes, folded, not complemented, seeded. */
uint32_t tg_cksum_add(uint32_t sum, const void *buf, size_t len);
uint16_t tg_cksum_fold(uint32_t sum);

/**
 * Build one upstream frame for session s: Ethernet / IPv4 / [UDP 4500] / ESP /
 * [IPv4, tunnel mode] / UDP 1701 / L2TP data / PPP (ff 03 00 21) / IPv4 / UDP with
 * inner_len bytes of subscriber IPv4; or, non-secure, Ethernet / IPv4 / UDP 1701 /
 * L2TP / PPP / IPv4. Takes the SA's next sequence number.
 * @return frame length, or 0 when it does not fit cap or inner_len is out of range
 */
size_t tg_build_up(struct tg_plan *plan, const struct tg_session *s, uint16_t inner_len,
		   struct tg_opts *o, uint8_t *buf, size_t cap);

/** One downstream frame: Ethernet / IPv4 (remote -> subscriber) / UDP, inner_len bytes. */
size_t tg_build_down(const struct tg_plan *plan, const struct tg_session *s,
		     uint16_t inner_len, const struct tg_opts *o, uint8_t *buf, size_t cap);

/** An ARP request from `sender` (network order) for lnsd's address `target`. */
size_t tg_build_arp(uint32_t sender, uint32_t target, uint8_t *buf, size_t cap);

/** The client MAC used for address a (network order): 02:00:aa:aa:aa:aa. */
void tg_client_mac(uint32_t a, uint8_t mac[6]);

/** pcap (libpcap classic format, Ethernet link type) writer, over libpcap. */
struct pcap;
struct pcap_dumper;
struct tg_pcap {
	struct pcap *pcap;
	struct pcap_dumper *dump;
	uint64_t n, bytes;
	uint32_t min_len, max_len;
};
int tg_pcap_open(struct tg_pcap *p, const char *path);
int tg_pcap_write(struct tg_pcap *p, const uint8_t *frame, uint32_t len);
int tg_pcap_close(struct tg_pcap *p);

/** xorshift64* PRNG (reproducible output from --seed). */
uint64_t tg_rand(uint64_t *state);

#endif /* LNS_TRAFGEN_H */
