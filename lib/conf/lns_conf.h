/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * lnsd configuration: one YAML file parsed once at start-up into an immutable
 * struct lns_conf.
 *
 * Thread-safety: a loaded struct is never modified afterwards, so every thread may
 * read it. A reload (lnsctl reload, SIGHUP) loads a new one and publishes it in
 * place of the old (lib/ctl/ctl_reload.c says how readers are protected).
 *
 * Errors: every problem is reported as "FILE:LINE:COL: KEY.PATH: message", where
 * KEY.PATH is the dotted path of the offending key (list items as name[i]).
 */
#ifndef LNS_CONF_H
#define LNS_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define LNS_CONF_NAME_MAX   64   /**< names: ports, profiles, pools, users, SAs */
#define LNS_CONF_SECRET_MAX 256  /**< PSKs, passwords, tunnel passwords */
#define LNS_CONF_PATH_MAX   512
#define LNS_CONF_ERR_MAX    512  /**< one error message */

/** An IPv4 prefix; addresses are kept in network byte order. */
struct lns_ipv4_prefix {
	uint32_t addr;   /**< network byte order */
	uint8_t  len;    /**< 0..32 */
};

/** A secret given inline (`secret:`) or read from a file (`secret-file:`). */
struct lns_secret {
	char     value[LNS_CONF_SECRET_MAX];
	uint16_t len;    /**< bytes in value (a secret may hold NUL when it is a key) */
	bool     set;
};

/* ---------------------------------------------------------------- ports --- */

/** RSS hash fields a profile may ask for; lnsd masks them by what the NIC offers. */
enum lns_rss_field {
	LNS_RSS_IPV4       = 1u << 0,  /**< outer IPv4 src/dst */
	LNS_RSS_IPV4_UDP   = 1u << 1,  /**< outer IPv4 + UDP ports (spreads NAT-T clients) */
	LNS_RSS_IPV4_TCP   = 1u << 2,
	LNS_RSS_IPV4_OTHER = 1u << 3,  /**< non-fragmented IPv4, other protocols (plain ESP) */
	LNS_RSS_IPV4_FRAG  = 1u << 4,
};

/** Offloads a profile may ask for (applied only where the port reports them). */
enum lns_offload {
	LNS_OFFLOAD_RX_IPV4_CKSUM  = 1u << 0,
	LNS_OFFLOAD_RX_UDP_CKSUM   = 1u << 1,
	LNS_OFFLOAD_TX_IPV4_CKSUM  = 1u << 2,
	LNS_OFFLOAD_TX_UDP_CKSUM   = 1u << 3,
	LNS_OFFLOAD_TX_MULTI_SEGS  = 1u << 4,
	LNS_OFFLOAD_TX_FAST_FREE   = 1u << 5,
};

/**
 * A per-NIC profile, read from drivers-config/profiles/NAME.yaml. Keys of that file:
 * driver, description, rss (list of: ipv4, ipv4-udp, ipv4-tcp, ipv4-other, ipv4-frag),
 * rx-descriptors, tx-descriptors, rx-offloads, tx-offloads (lists of the offload
 * names below), promiscuous, max-rx-pkt-len, rx-burst.
 */
struct lns_port_profile {
	char     name[LNS_CONF_NAME_MAX];     /**< file stem, e.g. "af_packet" */
	char     driver[LNS_CONF_NAME_MAX];   /**< expected driver name, e.g. "net_af_packet" */
	uint32_t rss_fields;                  /**< enum lns_rss_field bits; default ipv4, ipv4-udp, ipv4-other */
	uint32_t offloads;                    /**< enum lns_offload bits; default none */
	uint16_t rx_desc;                     /**< 64..16384, default 1024 */
	uint16_t tx_desc;                     /**< 64..16384, default 1024 */
	uint16_t rx_burst;                    /**< 1..256, default 32 */
	bool     promiscuous;                 /**< default false */
	uint16_t max_rx_pkt_len;              /**< largest frame the port hands lnsd, 576..16383;
					       *   sizes the mbufs (at least 2048 bytes of data) */
	char     description[256];            /**< free text, for humans */
};

enum lns_port_role {
	LNS_PORT_ACCESS = 0,   /**< faces clients/LACs: ESP, IKE, L2TP */
	LNS_PORT_CORE   = 1,   /**< faces the core network: subscriber IPv4 */
	LNS_PORT_ROLE_MAX
};

/** One port: `ports.access` or `ports.core`. */
struct lns_port_conf {
	bool     set;
	char     device[LNS_CONF_NAME_MAX];   /**< PCI address ("0000:3b:00.0") or vdev name ("net_af_packet0") */
	struct lns_ipv4_prefix address;       /**< lnsd's own address on this port, with prefix length */
	uint32_t gateway;                     /**< next hop for non-connected destinations; 0 = none */
	uint16_t mtu;                         /**< 576..9000, default 1500 */
	struct lns_port_profile profile;      /**< resolved from `profile: NAME` */
};

/* ---------------------------------------------------------------- ipsec --- */

enum lns_esp_alg {
	LNS_ESP_AES128_GCM16 = 0,     /**< "aes128gcm16"  RFC 4106 */
	LNS_ESP_AES256_GCM16,         /**< "aes256gcm16" */
	LNS_ESP_AES128_SHA1,          /**< "aes128-sha1"   CBC + HMAC-SHA1-96, RFC 3602/2404 */
	LNS_ESP_AES256_SHA1,          /**< "aes256-sha1" */
	LNS_ESP_AES128_SHA256,        /**< "aes128-sha256" CBC + HMAC-SHA256-128, RFC 4868 */
	LNS_ESP_AES256_SHA256,        /**< "aes256-sha256" */
	LNS_ESP_3DES_SHA1,            /**< "3des-sha1"  3DES-CBC + HMAC-SHA1-96, RFC 2451 (allow-3des) */
	LNS_ESP_3DES_SHA256,          /**< "3des-sha256" 3DES-CBC + HMAC-SHA256-128 (allow-3des) */
	LNS_ESP_ALG_MAX
};

enum lns_ike_alg {
	LNS_IKE_AES128_SHA1_MODP2048 = 0,    /**< "aes128-sha1-modp2048" */
	LNS_IKE_AES256_SHA1_MODP2048,        /**< "aes256-sha1-modp2048" */
	LNS_IKE_AES128_SHA256_MODP2048,      /**< "aes128-sha256-modp2048" */
	LNS_IKE_AES256_SHA256_MODP2048,      /**< "aes256-sha256-modp2048" */
	LNS_IKE_AES128_SHA256_ECP256,        /**< "aes128-sha256-ecp256" */
	LNS_IKE_AES256_SHA256_ECP256,        /**< "aes256-sha256-ecp256" */
	LNS_IKE_AES128_SHA1_MODP1024,        /**< "aes128-sha1-modp1024" (needs allow-modp1024) */
	LNS_IKE_3DES_SHA1_MODP2048,          /**< "3des-sha1-modp2048"   (needs allow-3des) */
	LNS_IKE_ALG_MAX
};

#define LNS_CONF_MAX_PROPOSALS 16

/** Phase-1 ciphers (`ike-ciphers`), matched independently of hash and group. */
enum lns_ike_cipher {
	LNS_IKE_C_AES128 = 0,   /**< "aes128" AES-CBC, 128-bit key */
	LNS_IKE_C_AES192,       /**< "aes192" */
	LNS_IKE_C_AES256,       /**< "aes256" */
	LNS_IKE_C_3DES,         /**< "3des" (needs allow-3des) */
	LNS_IKE_CIPHER_MAX
};
/* `ike-hashes` values are the RFC 2409 hash numbers (sha1 2, sha256 4, sha384 5,
 * sha512 6); `ike-groups` values are the IANA group numbers (2, 5, 14, 15, 16,
 * 19, 20, 21), so lib/ike compares them with the wire directly. */
#define LNS_CONF_MAX_PSKS      256

/** One pre-shared key, matched by peer ID or by peer address/prefix. */
struct lns_psk_conf {
	char     id[LNS_CONF_NAME_MAX];       /**< IKE ID to match; "" = match by `peer` */
	struct lns_ipv4_prefix peer;          /**< peer address or prefix (0.0.0.0/0 = group PSK) */
	struct lns_secret secret;             /**< `secret:` or `secret-file:` */
};

#define LNS_CONF_MAX_CRLS       8
#define LNS_CONF_MAX_CERT_PEERS 64
#define LNS_CONF_ID_MAX         256  /**< a peer ID: a DN, a DNS name, an address */

/** Phase-1 signature authentication (`ipsec.certificates`); files are PEM and
 *  were read and checked (key matches certificate) when the file was loaded. */
struct lns_cert_conf {
	char     cert_file[LNS_CONF_PATH_MAX];   /**< our certificate; "" = no certificates */
	char     key_file[LNS_CONF_PATH_MAX];    /**< its private key (RSA) */
	char     ca_file[LNS_CONF_PATH_MAX];     /**< trusted CAs (bundle) */
	char     crl_files[LNS_CONF_MAX_CRLS][LNS_CONF_PATH_MAX];
	uint8_t  n_crls;
	uint8_t  key_auth;                       /**< enum lns_ike_auth the key signs with (set at load) */
	bool     set;
	/** SHA-256 of each file as read at load: a reload sees a file replaced in place */
	uint8_t  cert_sha[32], key_sha[32], ca_sha[32], crl_sha[LNS_CONF_MAX_CRLS][32];
};

/** Do two certificate configurations differ: on/off, a path, or a file's contents? */
bool lns_conf_certs_differ(const struct lns_cert_conf *a, const struct lns_cert_conf *b);

/** Phase-1 authentication methods a peer may use (`auth:`). */
enum lns_ike_auth {
	LNS_IKE_AUTH_RSA_SIG = 0,   /**< "rsa-sig": RSA signatures (auth method 3) */
	LNS_IKE_AUTH_ECDSA,         /**< "ecdsa": ECDSA, RFC 4754 (methods 9, 10, 11 by curve) */
};
/** Peer ID types (`id-type:`), RFC 2407 §4.6.2.1. */
enum lns_id_type {
	LNS_ID_ANY = 0,        /**< "any": whatever ID the certificate matches */
	LNS_ID_DER_ASN1_DN,    /**< "der-asn1-dn": the certificate subject */
	LNS_ID_FQDN,           /**< "fqdn": a DNS name in subjectAltName */
	LNS_ID_IPV4_ADDR,      /**< "ipv4-addr": an IP address in subjectAltName */
};

/** Peers that authenticate with certificates (`ipsec.cert-peers`). */
struct lns_cert_peer_conf {
	struct lns_ipv4_prefix peer;          /**< source addresses, default 0.0.0.0/0 */
	uint8_t  auth;                        /**< enum lns_ike_auth */
	uint8_t  id_type;                     /**< enum lns_id_type */
	char     id[LNS_CONF_ID_MAX];         /**< "" = any ID its certificate matches */
};

struct lns_ipsec_conf {
	uint8_t  ike_proposals[LNS_CONF_MAX_PROPOSALS];  /**< enum lns_ike_alg, in preference order */
	uint8_t  n_ike_proposals;
	uint8_t  ike_ciphers[LNS_CONF_MAX_PROPOSALS];    /**< enum lns_ike_cipher */
	uint8_t  n_ike_ciphers;
	uint8_t  ike_hashes[LNS_CONF_MAX_PROPOSALS];     /**< RFC 2409 hash numbers */
	uint8_t  n_ike_hashes;
	uint8_t  ike_groups[LNS_CONF_MAX_PROPOSALS];     /**< IANA DH group numbers */
	uint8_t  n_ike_groups;
	uint8_t  esp_proposals[LNS_CONF_MAX_PROPOSALS];  /**< enum lns_esp_alg, in preference order */
	uint8_t  n_esp_proposals;
	bool     allow_3des;                 /**< default false */
	bool     allow_modp1024;             /**< legacy MODP groups 2 and 5; default false */
	bool     pfs;                        /**< require PFS in Quick Mode; default false */
	uint32_t ike_lifetime;               /**< seconds, 300..86400, default 28800 */
	uint32_t esp_lifetime;               /**< seconds, 300..86400, default 3600 */
	uint64_t esp_lifetime_kb;            /**< kilobytes, 0 = none, default 0 */
	uint16_t replay_window;              /**< 0 (off) .. 4096, default 64 */
	uint16_t dpd_interval;               /**< seconds, 0 = off, default 30 */
	uint16_t dpd_timeout;                /**< seconds, default 120 */
	uint16_t max_half_open;              /**< half-open IKE SAs, default 1024 */
	uint16_t nat_keepalive;              /**< seconds, 0 = off, default 20 */
	struct lns_psk_conf psks[LNS_CONF_MAX_PSKS];
	uint16_t n_psks;
	struct lns_cert_conf certs;
	struct lns_cert_peer_conf cert_peers[LNS_CONF_MAX_CERT_PEERS];
	uint16_t n_cert_peers;
	bool     fragmentation;              /**< IKEv1 fragmentation by vendor ID; default true */
	uint16_t fragment_size;              /**< our IKE messages above it are fragmented, 512..9000, default 1280 */
};

/* ----------------------------------------------------------------- l2tp --- */

#define LNS_CONF_MAX_DEST_PROFILES 64

/**
 * A destination profile. Every field may be left out, in which case it takes the
 * value of the same key directly under `l2tp:` (the global default). `*_set`
 * says whether the profile itself gave the value.
 */
/** Who authenticates a profile's PPP sessions (`authentication:`). */
enum lns_authn {
	LNS_AUTHN_GLOBAL = 0,            /**< "global": radius.authenticate decides (default) */
	LNS_AUTHN_LOCAL,                 /**< "local": ppp.users */
	LNS_AUTHN_RADIUS,                /**< "radius": the radius.servers */
};

struct lns_dest_profile {
	char     name[LNS_CONF_NAME_MAX];
	/* match: a peer address/prefix and/or the peer's Host Name AVP; empty = any */
	struct lns_ipv4_prefix match_peer;
	bool     match_peer_set;
	char     match_host_name[LNS_CONF_NAME_MAX];
	/* resolved settings (profile value, else the global default) */
	bool     single_shot;                /**< single-shot-tunnel, default false */
	uint32_t idle_timeout;               /**< seconds, 0 = never, 0..86400, default 0 */
	uint32_t destruct_timeout;           /**< seconds, 10..3600, default 600 */
	struct lns_secret tunnel_password;   /**< tunnel authentication (§4.4.3); unset = none */
	uint32_t max_sessions;               /**< per tunnel, 1..65535, default 65535 */
	uint16_t hello_interval;             /**< seconds, 0 = off, default 60 */
	uint16_t receive_window;             /**< 1..1024, default 16 */
	bool     allow_nonsecure;            /**< accept plain UDP 1701 (no IPsec), default false */
	uint32_t max_sessions_per_user;      /**< simultaneous sessions of one user name,
					      *   0 = no limit (default), 1..1048576 */
	uint8_t  authentication;             /**< enum lns_authn: who checks PPP credentials */
	char     policy[LNS_CONF_NAME_MAX];  /**< rate-limit policy of its sessions, "" = none */
	uint32_t session_timeout;            /**< seconds from IPCP up, 0 = none (default) */
	uint32_t session_idle_timeout;       /**< seconds without a packet either way, 0 = none */
	uint16_t keepalive_interval;         /**< LCP echo seconds, 0 = off; resolved from
					      *   ppp.keepalive unless the profile sets it */
	uint16_t keepalive_failures;         /**< missed echo replies, 1..100; likewise */
};

/** keepalive-interval/-failures not given: ppp.keepalive's (resolved at load). */
#define LNS_CONF_KEEPALIVE_INHERIT 0xffff

/**
 * Admission limits against SCCRQ and ICRQ floods (`l2tp.admission:`); global, not
 * per destination profile. The defaults never slow a real LAC: it opens a handful
 * of tunnels, and its ICRQ bursts are bounded by our receive window anyway.
 */
struct lns_l2tp_admission {
	uint32_t sccrq_rate;             /**< new tunnels per second per source address, 1..100000, default 20 */
	uint32_t sccrq_burst;            /**< ... of which at once, 1..100000, default 40 */
	uint32_t max_half_open;          /**< tunnels with SCCRP sent and no SCCCN yet, 1..1048576, default 1024 */
	uint32_t max_half_open_per_source; /**< the same per source address, 1..65535, default 64 */
	uint32_t icrq_rate;              /**< new sessions per second per tunnel, 1..1000000, default 1000 */
	uint32_t icrq_burst;             /**< ... of which at once, 1..1000000, default 4000 */
	uint32_t max_pending_sessions;   /**< per tunnel, ICRP sent and no ICCN yet, 1..65535, default 1024 */
	uint32_t session_setup_timeout;  /**< seconds from ICRP to ICCN, 1..600, default 30 */
};

struct lns_l2tp_conf {
	char     host_name[LNS_CONF_NAME_MAX];     /**< Host Name AVP, default "lnsd" */
	uint16_t retransmit_initial_ms;            /**< retransmit.initial-ms, 100..10000, default 1000 */
	uint16_t retransmit_max_ms;                /**< retransmit.max-ms, >= initial, default 8000 */
	uint8_t  retransmit_retries;               /**< retransmit.retries, 1..20, default 5 */
	struct lns_l2tp_admission admission;       /**< `admission:` flood limits */
	/** global defaults of the per-profile keys (same keys directly under l2tp:) */
	struct lns_dest_profile defaults;
	struct lns_dest_profile profiles[LNS_CONF_MAX_DEST_PROFILES];
	uint16_t n_profiles;
};

/* ------------------------------------------------------------------ ppp --- */

enum lns_ppp_auth {
	LNS_AUTH_PAP = 0,       /**< "pap" */
	LNS_AUTH_CHAP_MD5,      /**< "chap-md5" */
	LNS_AUTH_MSCHAPV2,      /**< "mschapv2" */
	LNS_AUTH_MAX
};

#define LNS_CONF_MAX_POOLS 64
#define LNS_CONF_MAX_USERS 4096

struct lns_pool_conf {
	char     name[LNS_CONF_NAME_MAX];
	uint32_t first;                  /**< first address, network byte order */
	uint32_t last;                   /**< last address (inclusive), network byte order */
};

struct lns_user_conf {
	char     name[LNS_CONF_NAME_MAX];
	struct lns_secret password;      /**< `password:` / `password-file:` */
	uint8_t  nt_hash[16];            /**< `nt-hash:` / `nt-hash-file:` (32 hex digits) */
	bool     nt_hash_set;
	uint32_t address;                /**< static address, 0 = from pool */
	char     pool[LNS_CONF_NAME_MAX];/**< pool name, "" = ppp.default-pool */
	char     policy[LNS_CONF_NAME_MAX];/**< rate-limit policy, "" = the profile's */
	uint32_t session_timeout;        /**< seconds, 0 = none; unset = the profile's */
	uint32_t session_idle_timeout;   /**< seconds, 0 = none; unset = the profile's */
	bool     session_timeout_set;
	bool     session_idle_timeout_set;
};

struct lns_ppp_conf {
	uint8_t  auth[LNS_AUTH_MAX];     /**< enum lns_ppp_auth, in preference order */
	uint8_t  n_auth;                 /**< default: mschapv2, chap-md5 */
	uint16_t mru;                    /**< 576..1500, default 1400 */
	uint16_t keepalive_interval;     /**< keepalive.interval seconds, 0 = off, default 30 */
	uint8_t  keepalive_failures;     /**< keepalive.failures, 1..100, default 3 */
	uint8_t  auth_retries;           /**< 1..10, default 3 */
	uint32_t dns[2];                 /**< primary/secondary, network byte order, 0 = none */
	uint16_t mss_clamp;              /**< TCP MSS clamp, 0 = off, 536..1460, default 0 */
	bool     accept_proxy;           /**< honour Proxy LCP / Proxy Authen AVPs, default false */
	char     default_pool[LNS_CONF_NAME_MAX];
	struct lns_pool_conf pools[LNS_CONF_MAX_POOLS];
	uint16_t n_pools;
	struct lns_user_conf *users;     /**< heap array of n_users */
	uint32_t n_users;
};

/* --------------------------------------------------------------- static --- */

enum lns_ipsec_mode { LNS_MODE_TRANSPORT = 0, LNS_MODE_TUNNEL = 1 };

/**
 * A manually keyed SA pair (one inbound, one outbound) standing in for an IPsec
 * connection. `count: N` (default 1) provisions N pairs: SPIs, peer address and
 * peer port increase by one per copy.
 */
struct lns_static_sa {
	char     name[LNS_CONF_NAME_MAX];
	uint32_t spi_in;                 /**< host byte order, >= 256 */
	uint32_t spi_out;
	uint32_t peer;                   /**< network byte order */
	uint8_t  alg;                    /**< enum lns_esp_alg */
	uint8_t  mode;                   /**< enum lns_ipsec_mode */
	bool     udp_encap;              /**< NAT-T (RFC 3948) */
	uint16_t peer_port;              /**< with udp_encap, default 4500 */
	uint8_t  key_in[36];             /**< cipher key (+ 4-byte salt for GCM) */
	uint8_t  key_in_len;
	uint8_t  key_out[36];
	uint8_t  key_out_len;
	uint8_t  auth_key_in[32];        /**< HMAC key for CBC algorithms */
	uint8_t  auth_key_in_len;
	uint8_t  auth_key_out[32];
	uint8_t  auth_key_out_len;
	uint32_t count;
};

/**
 * A statically provisioned tunnel with sessions. `sa:` names a static SA (or
 * is empty for a non-secure tunnel). With `count: N`, N tunnels are made: ids,
 * peer address (or SA copy) increase by one per copy; each gets `sessions`
 * sessions whose subscriber addresses are taken in order from `pool`.
 */
struct lns_static_tunnel {
	uint16_t local_id;
	uint16_t peer_id;
	uint32_t peer;                   /**< network byte order (for non-secure) */
	uint16_t peer_port;              /**< default 1701 */
	char     sa[LNS_CONF_NAME_MAX];
	char     profile[LNS_CONF_NAME_MAX];
	uint32_t count;                  /**< default 1 */
	uint32_t sessions;               /**< sessions per tunnel, default 1 */
	char     pool[LNS_CONF_NAME_MAX];/**< subscriber addresses come from this ppp pool */
	char     policy[LNS_CONF_NAME_MAX];/**< rate-limit policy of its sessions, "" = none */
};

#define LNS_CONF_MAX_STATIC 256

struct lns_static_conf {
	struct lns_static_sa     sas[LNS_CONF_MAX_STATIC];
	uint16_t n_sas;
	struct lns_static_tunnel tunnels[LNS_CONF_MAX_STATIC];
	uint16_t n_tunnels;
};

/* ------------------------------------------------------------- policies --- */

#define LNS_CONF_MAX_POLICIES 64
/** Policer table slots for named policies: twice the list, so a reload can replace
 *  every policy while sessions still hold the removed ones. */
#define LNS_CONF_POLICY_SLOTS (2 * LNS_CONF_MAX_POLICIES)

/** One direction of a policy: rates in bit/s (0 = not limited), bursts in bytes. */
struct lns_policy_dir {
	uint64_t rate;                   /**< committed rate */
	uint64_t burst;                  /**< committed burst, default 100 ms of rate (>= 3000) */
	uint64_t peak_rate;              /**< peak rate (trTCM), 0 = single rate */
	uint64_t peak_burst;             /**< peak burst, default = burst */
};

enum lns_exceed_action {
	LNS_EXCEED_DROP = 0,             /**< "drop": over the peak rate is dropped (default) */
	LNS_EXCEED_MARK,                 /**< "mark": over the committed rate gets exceed-dscp */
};

/** A named rate-limit policy (`policies:`). */
struct lns_policy_conf {
	char name[LNS_CONF_NAME_MAX];
	struct lns_policy_dir up;        /**< subscriber -> core */
	struct lns_policy_dir down;      /**< core -> subscriber */
	uint8_t exceed_action;           /**< enum lns_exceed_action */
	uint8_t exceed_dscp;             /**< DSCP of marked packets, 0..63, default 0 */
	/** Not from the file: its policer table slot, kept by name for life across
	 *  reloads (lns_tables_policies_plan); its index when lnsd starts. */
	uint16_t slot;
};

struct lns_conf;

/** Policer table slot (0-based) of the policy called name, or -1 (none, or a
 *  policy a reload removed: sessions that hold it keep it, no new one takes it). */
int lns_conf_policy_find(const struct lns_conf *conf, const char *name);
/** Name of the policy in table slot `slot` (a removed one too, while sessions hold
 *  it), or NULL. */
const char *lns_conf_policy_name(const struct lns_conf *conf, int slot);

/* --------------------------------------------------------------- limits --- */

struct lns_limits_conf {
	uint32_t max_tunnels;            /**< 1..1048576, default 65536 */
	uint32_t max_sessions;           /**< 1..1048576 (scale target 1M), default 65536 */
	uint32_t max_sas;                /**< 2..2097152, default 131072 */
	uint32_t mbufs;                  /**< mbufs per socket, 1024..4194304, default 16384 */
	uint16_t punt_ring_size;         /**< per worker, power of two 64..32768, default 1024 */
	uint32_t event_log_size;         /**< entries, 64..1048576, default 4096 */
	bool     allow_short_timers;     /**< lets destruct-timeout go down to 1 s (tests); logged loudly */
};

/* ------------------------------------------------------------------ log --- */

/** lnsd's log modules, each an rte_log type "lns.NAME" (main: start-up and
 *  shutdown; ctl: the control loop; dp: ports and queues; l2tp, ppp, ike: those
 *  protocols' events; ipsec: SA state in the data plane). */
#define LNS_LOG_MODULES(X) X(main) X(ctl) X(dp) X(l2tp) X(ppp) X(ike) X(ipsec)

/** log.modules: a level per module; 0 ("default") = log.level */
struct lns_log_modules {
#define LNS_LOG_MOD_FIELD(m) uint32_t m;
	LNS_LOG_MODULES(LNS_LOG_MOD_FIELD)
#undef LNS_LOG_MOD_FIELD
};

struct lns_log_conf {
	uint32_t level;                  /**< RTE_LOG_* value, from "emerg".."debug", default "info" */
	char     file[LNS_CONF_PATH_MAX];/**< "" = stderr */
	struct lns_log_modules modules;  /**< per-module overrides of level */
};

/* -------------------------------------------------------------- metrics --- */

struct lns_metrics_conf {
	/** Prometheus text exposition on "ADDRESS:PORT" (GET /metrics), served by its
	 *  own thread, off the data path; "" = off (default) */
	char listen[LNS_CONF_NAME_MAX];
	uint32_t addr;                   /**< parsed from listen: network order */
	uint16_t port;                   /**< parsed from listen: host order, 0 = off */
};

/* --------------------------------------------------------------- radius --- */

#define LNS_CONF_MAX_RADIUS_SERVERS 8

/** One RADIUS server; tried in file order (failover). */
struct lns_radius_server_conf {
	uint32_t address;                /**< network byte order */
	uint16_t auth_port;              /**< default 1812; 0 = not used for authentication */
	uint16_t acct_port;              /**< default 1813; 0 = not used for accounting */
	struct lns_secret secret;        /**< `secret:` / `secret-file:` (required) */
};

#define LNS_CONF_MAX_DAS_CLIENTS 8

/** A client allowed to send Disconnect / CoA requests (RFC 5176). */
struct lns_das_client_conf {
	uint32_t address;                /**< network byte order */
	struct lns_secret secret;        /**< `secret:` / `secret-file:` (required) */
};

/** The `radius:` section (RFC 2865/2866 client). */
struct lns_radius_conf {
	bool     authenticate;           /**< PPP authentication through RADIUS (default false:
					  *   ppp.users); a destination profile may override */
	bool     local_fallback;         /**< ppp.users when no server answers, default false */
	bool     accounting;             /**< Start/Interim/Stop/On/Off, default true when
					  *   servers are given */
	bool     auth_after_acct_on;     /**< Access-Requests wait for Accounting-On's
					  *   answer, default true */
	char     nas_identifier[LNS_CONF_NAME_MAX]; /**< default node.name */
	uint32_t nas_ip_address;         /**< network order; default the access port address */
	uint32_t timeout_ms;             /**< per try, 100..60000, default 3000 */
	uint8_t  retries;                /**< resends to one server before failover, 0..10, default 2 */
	uint16_t hold_down;              /**< s a dead server is skipped, 1..3600, default 30 */
	uint32_t interim_interval;       /**< s, 0 = none unless the server says, 60..86400
					  *   (1 with limits.allow-short-timers), default 0 */
	uint32_t acct_queue;             /**< accounting records waiting at most, 16..1048576,
					  *   default 65536; beyond: counted and logged drops */
	char     spool[LNS_CONF_PATH_MAX]; /**< file keeping unacknowledged records across a
					  *   restart, "" = none (default) */
	struct lns_radius_server_conf servers[LNS_CONF_MAX_RADIUS_SERVERS];
	uint16_t n_servers;
	/* Dynamic authorization server (RFC 5176): on when das-clients are given */
	uint32_t das_address;            /**< listen address, network order; default 0.0.0.0 */
	uint16_t das_port;               /**< 1..65535, default 3799 */
	uint16_t das_window;             /**< s an Event-Timestamp may be off, 0 = not checked,
					  *   default 300 */
	struct lns_das_client_conf das_clients[LNS_CONF_MAX_DAS_CLIENTS];
	uint16_t n_das_clients;
};

/* ----------------------------------------------------------------- whole --- */

#define LNS_CONF_MAX_EAL_ARGS 64

/** The `node:` section: this node among several (README "Many nodes"). */
struct lns_node_conf {
	char     name[LNS_CONF_NAME_MAX];/**< in event log lines and as RADIUS NAS-Identifier
					  *   (unless radius.nas-identifier); default the host
					  *   name ("lnsd" if it has none) */
	bool     drain;                  /**< start drained (lnsctl drain), default false */
};

struct lns_conf {
	char     path[LNS_CONF_PATH_MAX];      /**< the file it was read from */
	char    *eal_args[LNS_CONF_MAX_EAL_ARGS]; /**< `eal:` list of strings (heap) */
	uint16_t n_eal_args;
	char     profile_dir[LNS_CONF_PATH_MAX]; /**< `profile-dir:`; "" = LNS_PROFILE_DIRS */
	struct lns_node_conf   node;
	struct lns_port_conf   ports[LNS_PORT_ROLE_MAX];
	struct lns_ipsec_conf  ipsec;
	struct lns_l2tp_conf   l2tp;
	struct lns_ppp_conf    ppp;
	struct lns_static_conf stat;         /**< the `static:` section */
	struct lns_limits_conf limits;
	struct lns_log_conf    log;
	struct lns_metrics_conf metrics;
	struct lns_radius_conf radius;
	struct lns_policy_conf policies[LNS_CONF_MAX_POLICIES]; /**< `policies:` */
	uint16_t n_policies;
	/** Not from the file: the name of each policer slot as lnsd runs, "" = free;
	 *  a removed policy's name stays while sessions hold it (see `slot`). */
	char policy_slot_names[LNS_CONF_POLICY_SLOTS][LNS_CONF_NAME_MAX];
};

/**
 * Read and validate a configuration file.
 *
 * @param path  YAML file.
 * @param err   receives the first error as "FILE:LINE:COL: KEY.PATH: message".
 * @param errlen size of err.
 * @return the configuration (free with lns_conf_free()), or NULL with err set.
 */
struct lns_conf *lns_conf_load(const char *path, char *err, size_t errlen);

/** Same as lns_conf_load() from a string; `name` stands in for the file name. */
struct lns_conf *lns_conf_load_string(const char *yaml, const char *name,
				      char *err, size_t errlen);

/** Free a configuration; secrets are wiped first. NULL is a no-op. */
void lns_conf_free(struct lns_conf *conf);

/** The destination profile for a peer and host name (first match in file order, else defaults). */
const struct lns_dest_profile *lns_conf_dest_profile(const struct lns_conf *conf,
						     uint32_t peer, const char *host_name);

/** Print the effective configuration as YAML, secrets masked as "***". */
void lns_conf_dump(const struct lns_conf *conf, FILE *out);

/**
 * Print every key the parser knows, one per line, tab-separated: document
 * ("lnsd.yaml", or "profile" for a port profile file), key path (list items as
 * "name[]"), type, required, default, range, allowed values, keys it excludes; "-"
 * for an empty field. The first line is a "#" header. lnsd --dump-schema prints it;
 * the manual page lnsd.yaml(5) is generated from it.
 */
void lns_conf_schema_print(FILE *out);

/* --------------------------------------------------------------- reload --- */

/** One difference between two configurations (lns_conf_diff()). */
struct lns_conf_change {
	const char *path;    /**< key path; list items by name ("ppp.users[alice].password")
			      *   or, without a name key, by position ("ipsec.psks[0]") */
	const char *what;    /**< "changed", "added" (a list item), "removed" (a list item),
			      *   "contents changed" (a certificate file replaced in place) */
	const char *old_v;   /**< the values as lns_conf_dump() prints them (secrets "***"), */
	const char *new_v;   /**< "" for an absent value or a whole list item */
	bool restart;        /**< restart-only: reload leaves it as it runs */
};

typedef void (*lns_conf_change_fn)(void *arg, const struct lns_conf_change *c);

/**
 * Compare two configurations key by key, calling fn (may be NULL) for each
 * difference in schema order. A key is restart-only when its schema descriptor or
 * one above it is marked so (lnsd --dump-schema, column "reload").
 * @return the number of differences.
 */
unsigned lns_conf_diff(const struct lns_conf *old, const struct lns_conf *new,
		       lns_conf_change_fn fn, void *arg);

/**
 * Copy every restart-only key's value from the running configuration `old` into
 * `new`, so that `new` describes what lnsd runs with after a reload.
 * @return 0, or -1 (out of memory; `new` must then be freed, not used).
 */
int lns_conf_keep_restart(struct lns_conf *new, const struct lns_conf *old);

/** Whether the key at path (as lns_conf_change.path writes it) is restart-only. */
bool lns_conf_path_restart(const char *path);

/** Names for enums, for messages and dumps. */
const char *lns_esp_alg_name(enum lns_esp_alg alg);
const char *lns_ike_alg_name(enum lns_ike_alg alg);
const char *lns_ppp_auth_name(enum lns_ppp_auth a);
const char *lns_port_role_name(enum lns_port_role r);

#endif /* LNS_CONF_H */
