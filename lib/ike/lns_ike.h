/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * IKEv1 responder (RFC 2407, 2408, 2409): Main Mode with pre-shared keys, Quick
 * Mode, NAT-T (RFC 3947 and the drafts Windows/macOS speak), DPD (RFC 3706) and
 * Informational Delete. No DPDK: plain C, lib/util, lib/conf and OpenSSL libcrypto.
 *
 * An "IPsec connection" (DESIGN.md) is the lineage of ISAKMP and IPsec SAs between
 * one client endpoint and one identity; it is named by a connection id that is
 * never reused. A new ISAKMP SA from the same endpoint and identity continues a
 * live connection (phase-1 renewal, event ipsec-renewed); its children take over
 * as rekeys do. An ISAKMP SA that expires or is deleted leaves its IPsec SAs to
 * the newer ISAKMP SA, or keeps them until they go themselves. The connection
 * ends (conn_down) with its last SA, on DPD, or on INITIAL-CONTACT from a new
 * ISAKMP SA of the same peer.
 *
 * Time is injected (now_ms, a monotonic clock); timers live in the lns_timers set
 * given at create and the owner runs them. Callbacks (struct lns_ike_ops) may be
 * called from inside lns_ike_input(), the timers, lns_ike_disconnect() and
 * lns_ike_shutdown(); a callback must not call back into this library.
 *
 * Thread-safety: none; one owner (the control lcore).
 */
#ifndef LNS_IKE_H
#define LNS_IKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lns_conf.h"
#include "lns_evlog.h"
#include "lns_timer.h"

#define LNS_IKE_PORT      500
#define LNS_IKE_NATT_PORT 4500

/** One negotiated IPsec SA pair, handed to the data plane by ops->child_up. */
struct lns_ike_child {
	uint32_t conn;            /**< IPsec connection id (kept across renewals, never reused) */
	uint32_t spi_in, spi_out; /**< host byte order; spi_in chosen by us */
	uint8_t  alg;             /**< enum lns_esp_alg */
	uint8_t  mode;            /**< enum lns_ipsec_mode */
	bool     udp_encap;       /**< NAT-T (RFC 3948) */
	uint32_t peer;            /**< network order */
	uint16_t peer_port, local_port;   /**< host order (4500/4500 with NAT-T) */
	uint8_t  key_in[36], key_out[36]; uint8_t key_len;      /**< cipher key (+4 salt for GCM) */
	uint8_t  auth_in[32], auth_out[32]; uint8_t auth_len;   /**< HMAC keys for CBC algs */
	uint32_t life_s;          /**< hard lifetime, seconds */
	uint64_t life_kb;         /**< hard lifetime, kilobytes, 0 = none */
	uint32_t nat_oa;          /**< peer's original address from NAT-OA (network order), 0 = none */
	uint32_t inner_peer;      /**< peer's address in the accepted selector IDci (network order) */
	uint32_t inner_local;     /**< our address in the accepted selector IDcr (network order) */
};

/** What the library needs from its owner. Every member but may_continue must be set. */
struct lns_ike_ops {
	/** Send an ISAKMP message (UDP payload without the non-ESP marker) from local_port
	 *  to peer:peer_port; the owner adds the marker on 4500 (RFC 3948 §2.2). */
	void (*send)(void *ctx, uint32_t peer, uint16_t peer_port, uint16_t local_port,
		     const uint8_t *msg, size_t len);
	/** Install both SAs of a child (after Quick Mode message 3). -errno refuses it. */
	int  (*child_up)(void *ctx, const struct lns_ike_child *c);
	/** A child went away (peer Delete, rekey overlap over, lifetime, connection down). */
	void (*child_down)(void *ctx, uint32_t conn, uint32_t spi_in);
	/** Main Mode finished: the connection exists. peer_id is printable text. */
	void (*conn_up)(void *ctx, uint32_t conn, uint32_t peer, const char *peer_id);
	/** The connection is gone (its last SA went, DPD, INITIAL-CONTACT). Every
	 *  child_down of the connection has been called before. */
	void (*conn_down)(void *ctx, uint32_t conn, const char *why);
	/** Optional (NULL: always): may a new ISAKMP SA continue live connection conn?
	 *  false for a spent or disconnected one, which is never continued. */
	bool (*may_continue)(void *ctx, uint32_t conn);
};

/** Counters: X(ENUM, "name"). rx/tx by exchange, errors by reason. */
#define LNS_IKE_COUNTERS(X) \
	X(RX_MM,            "rx-main-mode") \
	X(RX_QM,            "rx-quick-mode") \
	X(RX_INFO,          "rx-informational") \
	X(TX_MM,            "tx-main-mode") \
	X(TX_QM,            "tx-quick-mode") \
	X(TX_INFO,          "tx-informational") \
	X(RETRANSMITS,      "retransmits") \
	X(DUP_REQUESTS,     "duplicate-requests") \
	X(MM_DONE,          "main-mode-done") \
	X(QM_DONE,          "quick-mode-done") \
	X(DELETE_RX,        "delete-received") \
	X(DELETE_TX,        "delete-sent") \
	X(DPD_RX,           "dpd-r-u-there-received") \
	X(DPD_TX,           "dpd-r-u-there-sent") \
	X(DPD_ACK_RX,       "dpd-r-u-there-ack-received") \
	X(DPD_DEAD,         "dpd-dead") \
	X(INITIAL_CONTACT,  "initial-contact") \
	X(RENEWALS,         "phase1-renewals") \
	X(RESPONDER_LIFETIME, "responder-lifetime-sent") \
	X(CHILD_EXPIRED,    "child-expired") \
	X(IKE_EXPIRED,      "ike-expired") \
	X(E_TRUNCATED,      "err-truncated") \
	X(E_MALFORMED,      "err-malformed") \
	X(E_VERSION,        "err-version") \
	X(E_EXCHANGE,       "err-unsupported-exchange") \
	X(E_UNKNOWN_SA,     "err-unknown-sa") \
	X(E_STATE,          "err-wrong-state") \
	X(E_NO_PROPOSAL,    "err-no-proposal-chosen") \
	X(E_AUTH_FAILED,    "err-auth-failed") \
	X(E_NO_PSK,         "err-no-psk") \
	X(E_HASH,           "err-bad-hash") \
	X(E_KE,             "err-bad-ke") \
	X(E_ID,             "err-bad-id") \
	X(E_HALF_OPEN,      "err-half-open-limit") \
	X(E_RATE_LIMITED,   "err-rate-limited") \
	X(E_TIMEOUT,        "err-exchange-timeout") \
	X(E_CHILD_REFUSED,  "err-child-refused") \
	X(E_NOMEM,          "err-no-memory") \
	X(E_CRYPTO,         "err-crypto") \
	X(E_PEER_NOTIFY,    "err-peer-notify") \
	X(E_DRAINING,       "err-refused-draining") \
	X(CERT_AUTH_DONE,   "cert-auth-done") \
	X(E_NO_CERT,        "err-cert-missing") \
	X(E_CERT_MALFORMED, "err-cert-malformed") \
	X(E_CERT_UNTRUSTED, "err-cert-untrusted") \
	X(E_CERT_REVOKED,   "err-cert-revoked") \
	X(E_CERT_EXPIRED,   "err-cert-expired") \
	X(E_CERT_ID,        "err-cert-id-mismatch") \
	X(E_CERT_PEER,      "err-cert-peer-not-allowed") \
	X(E_BAD_SIG,        "err-bad-signature") \
	X(FRAG_RX,          "fragments-received") \
	X(FRAG_TX,          "fragments-sent") \
	X(FRAG_REASSEMBLED, "fragments-reassembled") \
	X(FRAG_DUP,         "fragments-duplicate") \
	X(E_FRAG_MALFORMED, "err-fragment-malformed") \
	X(E_FRAG_TOO_MANY,  "err-fragment-too-many") \
	X(E_FRAG_TOO_BIG,   "err-fragment-too-big") \
	X(E_FRAG_TIMEOUT,   "err-fragment-timeout") \
	X(E_FRAG_EVICTED,   "err-fragment-evicted") \
	X(E_FRAG_DROPPED,   "err-fragments-discarded") \
	X(E_FRAG_OFF,       "err-fragmentation-off")

enum lns_ike_counter {
#define X(e, s) LNS_IKE_C_##e,
	LNS_IKE_COUNTERS(X)
#undef X
	LNS_IKE_C_MAX
};

struct lns_ike;

/**
 * A responder for `conf` (kept by reference: it must outlive the result). Our
 * own address is conf->ports[LNS_PORT_ACCESS].address (used for NAT-D and IDs).
 * @return NULL on ENOMEM or a bad argument.
 */
/**
 * Fill ike-ciphers, ike-hashes and ike-groups from the older fixed suites in
 * ike_proposals (each algorithm any suite names), for callers that still
 * configure suites (test peers, benches).
 */
void lns_ike_lists_from_suites(struct lns_ipsec_conf *ic);

struct lns_ike *lns_ike_create(const struct lns_conf *conf, const struct lns_ike_ops *ops,
			       void *ctx, struct lns_timers *tm, struct lns_evlog *log);
/**
 * The id under which the embedding program knows connection `conn` is `conn | tag`
 * (lnsd's SA table: conn | LNS_CONN_IKE). The events lib/ike logs name that id, so
 * that one connection has one id in the event log. Default 0.
 */
void lns_ike_set_event_conn_tag(struct lns_ike *ike, uint32_t tag);
/**
 * Drain (lnsctl drain, node.drain): while on, a Main Mode from a peer address that
 * holds no established ISAKMP SA is answered with an unencrypted informational
 * NO-PROPOSAL-CHOSEN and forgotten; what exists (and its phase 1 rekeys) stays.
 */
void lns_ike_set_drain(struct lns_ike *ike, bool on);
/** Reload: new negotiations (and DPD timers armed from now on) follow conf; SAs
 *  already made keep their lifetimes. The old conf may be freed after this call. */
void lns_ike_set_conf(struct lns_ike *ike, const struct lns_conf *conf);

struct ike_certs;
/**
 * Reload, step 1 (may fail, changes nothing): load conf's ipsec.certificates into
 * *out, NULL when conf has none. @return 0, or -1 with err ("FILE: reason").
 */
int  lns_ike_certs_load(const struct lns_conf *conf, struct ike_certs **out, char *err,
			size_t errlen);
/** Discard what lns_ike_certs_load() made (a refused reload). NULL is a no-op. */
void lns_ike_certs_put(struct ike_certs *certs);
/**
 * Reload, step 2 (cannot fail): new Main Modes sign and verify with certs (taken
 * over; NULL turns signatures off). A Main Mode in flight finishes with the set it
 * began with; the old set is freed when the last of them is done. Established
 * connections are not touched; their next phase-1 renewal uses certs.
 */
void lns_ike_set_certs(struct lns_ike *ike, struct ike_certs *certs);
/** Free everything without callbacks or messages; secrets are wiped. NULL is a no-op. */
void lns_ike_free(struct lns_ike *ike);

/**
 * One ISAKMP message from peer:peer_port to our local_port (500, or 4500 with the
 * non-ESP marker already stripped). Bad input is counted, never fatal.
 * @return 0 when the message was accepted, -errno when it was dropped.
 */
int  lns_ike_input(struct lns_ike *ike, uint32_t peer, uint16_t peer_port,
		   uint16_t local_port, const uint8_t *msg, size_t len, uint64_t now_ms);

/**
 * Policy disconnect: the data plane has already dropped the SAs. Sends Delete for
 * every IPsec SA of conn, then for its ISAKMP SA, and forgets it (no child_down or
 * conn_down). Events ike-delete-sent. @return 0, or -ENOENT for an unknown conn.
 */
int  lns_ike_disconnect(struct lns_ike *ike, uint32_t conn, uint64_t now_ms);
/** lns_ike_disconnect() for every connection, and drop the half-open ones. */
void lns_ike_shutdown(struct lns_ike *ike, uint64_t now_ms);

/** One ISAKMP SA as lnsctl shows it. */
struct lns_ike_sa_info {
	uint32_t conn;
	const char *state;        /**< "MM_R1" .. "ESTABLISHED" */
	uint32_t peer;            /**< network order */
	uint16_t peer_port, local_port;
	char     peer_id[LNS_CONF_NAME_MAX];
	const char *ike_alg;      /**< e.g. "aes256-sha256-modp2048", "" before it is chosen */
	bool     nat_peer, nat_local; /**< NAT detected in front of the peer / of us */
	uint64_t age_s;
	uint32_t n_children;
	uint32_t spi_in[4], spi_out[4]; /**< the first four children */
	uint8_t  esp_alg[4];
};

/** Call fn for every ISAKMP SA (half-open ones too). fn must not change the library. */
void lns_ike_foreach(const struct lns_ike *ike, uint64_t now_ms,
		     void (*fn)(const struct lns_ike_sa_info *sa, void *arg), void *arg);

/** Current value of every counter, indexed by enum lns_ike_counter. */
void lns_ike_counters(const struct lns_ike *ike, uint64_t out[LNS_IKE_C_MAX]);
/** Name of a counter ("err-auth-failed"), "?" if out of range. */
const char *lns_ike_counter_name(unsigned int c);
/** Number of ISAKMP SAs, and of those still in Main Mode. */
uint32_t lns_ike_sa_count(const struct lns_ike *ike, uint32_t *half_open);

#endif /* LNS_IKE_H */
