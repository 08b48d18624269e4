/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * ESP (RFC 4303) crypto core of the data plane, on Intel IPsec-MB called directly.
 *
 * Algorithms: AES-GCM-128/256 with a 16-byte ICV (RFC 4106), AES-CBC-128/256 or
 * 3DES-CBC (RFC 2451, legacy clients only) with HMAC-SHA1-96 (RFC 3602, RFC 2404) or
 * HMAC-SHA256-128 (RFC 4868). 32-bit sequence
 * numbers only (no ESN). Transport mode and host-to-host tunnel mode; NAT-T (RFC 3948)
 * is the caller's business: the bursts see only the ESP part of a packet.
 *
 * Objects:
 * - one IMB_MGR per lcore (lns_esp_mgr_create()); a manager is never shared.
 * - struct lns_esp_sa: the worker-side state of one SA in one direction, allocated by
 *   the caller (lns_esp_sa_size(), 64-byte aligned) and filled by lns_esp_sa_init().
 *
 * Burst contract (as DPDK lib/ipsec): a burst returns the number of good packets; the
 * good ones are moved to the front of mb[] in their original order, the bad ones after
 * them, also in order; sa[] and status[] are permuted the same way, so sa[i] and
 * status[i] always describe mb[i] (which is why sa[] is not const). The caller frees
 * the bad ones and counts status[i] (i >= return value) as the drop reason. Nothing is
 * freed, logged or counted here; the bursts take no locks and make no system calls.
 *
 * Thread safety:
 * - lns_esp_sa_init() and lns_esp_sa_clear() run on the control lcore before the SA
 *   is published / after the RCU grace period; they race with nothing else.
 * - Inbound: one SA is used by one lcore at a time (its replay window has a single
 *   writer: steer by RSS, or hand off). Different inbound SAs run in parallel.
 * - Outbound: any number of lcores may send on one SA at once; sequence numbers come
 *   from one 64-bit atomic fetch-add per run of packets on that SA within a burst.
 * - lns_esp_sa_expire() may be called from any thread at any time; every burst reads
 *   the state of every packet's SA, so it takes effect on the next burst.
 * - A manager belongs to one thread; the bursts leave it empty on return.
 */
#ifndef LNS_ESP_H
#define LNS_ESP_H

#include <stddef.h>
#include <stdint.h>

#include <intel-ipsec-mb.h>
#include <rte_common.h>
#include <rte_mbuf.h>

/** Largest anti-replay window, in packets. */
#define LNS_ESP_REPLAY_WIN_MAX 4096u

/** Size of one ESP header (SPI + sequence number). */
#define LNS_ESP_HDR_LEN 8u

/** Direction of an SA. */
enum lns_esp_dir {
	LNS_ESP_DIR_IN = 0,	/**< decrypt: lns_esp_inbound() */
	LNS_ESP_DIR_OUT,	/**< encrypt: lns_esp_outbound() */
};

/** Mode of an SA; sets the default next header of outbound packets. */
enum lns_esp_mode {
	LNS_ESP_MODE_TRANSPORT = 0,	/**< payload: UDP header and data (next header 17) */
	LNS_ESP_MODE_TUNNEL,		/**< payload is an inner IPv4 packet (next header 4) */
};

/** Encryption transform. */
enum lns_esp_cipher {
	LNS_ESP_CIPHER_AES_GCM16 = 0,	/**< AES-GCM, 16-byte ICV, key 16|32 + 4-byte salt */
	LNS_ESP_CIPHER_AES_CBC,		/**< AES-CBC, key 16|32 bytes, needs an HMAC */
	/**
	 * 3DES-CBC (DES-EDE3, RFC 2451), key 24 bytes (K1 || K2 || K3, K1 != K2 and
	 * K2 != K3), 8-byte blocks and IV, needs an HMAC. Legacy: its 64-bit block
	 * (Sweet32) wants short SA lifetimes.
	 */
	LNS_ESP_CIPHER_3DES_CBC,
};

/** Integrity transform (must be NONE with GCM, must not be with CBC). */
enum lns_esp_auth {
	LNS_ESP_AUTH_NONE = 0,		/**< combined mode (GCM) */
	LNS_ESP_AUTH_HMAC_SHA1_96,	/**< RFC 2404: 20-byte key, 12-byte ICV */
	LNS_ESP_AUTH_HMAC_SHA256_128,	/**< RFC 4868: 32-byte key, 16-byte ICV */
};

/** SA state, read by the bursts on every packet. */
enum lns_esp_sa_state {
	LNS_ESP_SA_STATE_ACTIVE = 0,
	LNS_ESP_SA_STATE_EXPIRED,	/**< dropped by control, or sequence space used up */
};

/**
 * Per-packet results: X(enum suffix, name, help). Names are lower_snake_case, prefixed
 * "esp_", stable (counters and dashboards use them). Value 0 is LNS_ESP_OK.
 */
#define LNS_ESP_STATUSES(X) \
	X(OK,            "esp_ok",            "packet processed") \
	X(SA_EXPIRED,    "esp_sa_expired",    "SA expired or dropped from the data plane") \
	X(SA_DIR,        "esp_sa_dir",        "SA of the other direction given to a burst") \
	X(MULTISEG,      "esp_multiseg",      "multi-segment mbuf (only single segments handled)") \
	X(TRUNCATED,     "esp_truncated",     "shorter than ESP header, IV, trailer and ICV") \
	X(BAD_LEN,       "esp_bad_len",       "ciphertext not a whole number of cipher blocks") \
	X(SPI_MISMATCH,  "esp_spi_mismatch",  "SPI in the packet is not the SA's") \
	X(REPLAY,        "esp_replay",        "sequence number already received (RFC 4303 3.4.3)") \
	X(REPLAY_OLD,    "esp_replay_old",    "sequence number left of the anti-replay window") \
	X(ICV,           "esp_icv",           "integrity check value wrong") \
	X(BAD_PAD_LEN,   "esp_bad_pad_len",   "pad length longer than the decrypted payload") \
	X(BAD_PAD,       "esp_bad_pad",       "padding bytes not 1, 2, 3, ... (RFC 4303 2.4)") \
	X(DUMMY,         "esp_dummy",         "dummy packet, next header 59 (RFC 4303 2.6)") \
	X(CRYPTO,        "esp_crypto",        "IPsec-MB refused or failed the job") \
	X(SEQ_EXHAUSTED, "esp_seq_exhausted", "sequence number would pass 2^32-1; SA expired") \
	X(NO_HEADROOM,   "esp_no_headroom",   "mbuf headroom too small for ESP header and IV") \
	X(NO_TAILROOM,   "esp_no_tailroom",   "mbuf tailroom too small for trailer and ICV")

#define LNS_ESP_X_ENUM(e, name, help) LNS_ESP_##e,
/** Per-packet status codes (status[] of the bursts, for bad packets). */
enum lns_esp_status { LNS_ESP_STATUSES(LNS_ESP_X_ENUM) LNS_ESP_STATUS_MAX };
#undef LNS_ESP_X_ENUM

/** Name of a status ("?" when out of range). */
const char *lns_esp_status_name(unsigned int st);
/** One-line description of a status ("?" when out of range). */
const char *lns_esp_status_help(unsigned int st);

/** Parameters of lns_esp_sa_size() and lns_esp_sa_init(). */
struct lns_esp_sa_params {
	uint32_t spi;			/**< host byte order; 0 is refused (RFC 4303 2.1) */
	enum lns_esp_dir dir;
	enum lns_esp_mode mode;
	enum lns_esp_cipher cipher;
	enum lns_esp_auth auth;
	/**
	 * Encryption key bytes as IKE derives them: AES-CBC 16|32 bytes, 3DES 24 bytes; GCM the key followed
	 * by the 4-byte salt, 20|36 bytes (RFC 4106 8.1; strongSwan prints it that way).
	 */
	const uint8_t *enc_key;
	uint16_t enc_key_len;
	const uint8_t *auth_key;	/**< CBC (AES, 3DES): 20 (SHA1) or 32 (SHA256) bytes */
	uint16_t auth_key_len;
	/** Inbound: anti-replay window in packets, 0 (off) .. LNS_ESP_REPLAY_WIN_MAX. */
	uint32_t replay_win;
	/**
	 * Outbound: last sequence number already used, 0 for a new SA (the first packet
	 * carries seq_init + 1). Lets tests start next to 2^32-1.
	 */
	uint32_t seq_init;
	/**
	 * Outbound: 16 bytes that seed the per-packet IVs, NULL to draw them from
	 * getrandom(). Only tests and reproducible vectors set it. GCM: IV = seed[0..7]
	 * XOR the 64-bit sequence number. AES-CBC: IV = AES-K(seed XOR (0^8 || seq64)).
	 * 3DES: IV = 3DES-K(seed[8..15] XOR seq64).
	 */
	const uint8_t *iv_seed;
};

/**
 * Worker-side state of one SA in one direction. Fields are private to lib/esp (they
 * are public only so that callers can allocate and prefetch); use the functions.
 *
 * Layout: line 0 read-only after init (plus the rare state flip); key material on
 * its own 64-byte-aligned lines; the per-direction mutable state (inbound replay
 * window, outbound sequence counter) starts its own cache line, and the replay bitmap
 * follows it (variable length: lns_esp_sa_size()).
 */
struct lns_esp_sa {
	uint32_t spi;		/**< host order */
	uint32_t spi_be;	/**< network order, as in the header */
	uint32_t state;		/**< enum lns_esp_sa_state, atomic */
	uint8_t dir;		/**< enum lns_esp_dir */
	uint8_t mode;		/**< enum lns_esp_mode */
	uint8_t cipher;		/**< enum lns_esp_cipher */
	uint8_t auth;		/**< enum lns_esp_auth */
	uint8_t key_len;	/**< cipher key bytes: 16 or 32 (AES), 24 (3DES) */
	uint8_t iv_len;		/**< explicit IV bytes in the packet: 8 (GCM, 3DES), 16 (AES-CBC) */
	uint8_t hdr_len;	/**< ESP header + IV */
	uint8_t icv_len;	/**< 12 or 16 */
	uint8_t align_mask;	/**< payload + trailer alignment - 1: 3 (GCM), 15 (AES-CBC),
				 *   7 (3DES); CBC: also the cipher block - 1 */
	uint8_t min_ct;		/**< smallest ciphertext: 2 (GCM), 16 (AES-CBC), 8 (3DES) */
	uint8_t next_hdr;	/**< outbound default next header, from the mode */
	uint8_t reserved0;
	uint8_t salt[4];	/**< GCM: nonce = salt || explicit IV */
	uint8_t iv_seed[16];	/**< outbound IV generation, see lns_esp_sa_params */
	/** Expanded keys, one layout per cipher. Same IMB arch as the managers. */
	union {
		struct gcm_key_data gcm;
		struct {
			union {
				struct {
					/** AES round keys */
					uint8_t enc[16 * 15] __rte_aligned(16);
					uint8_t dec[16 * 15] __rte_aligned(16);
				};
				struct {
					/** 3DES: the three DES key schedules */
					uint64_t des_ks[3][16] __rte_aligned(16);
					/** what IPsec-MB takes as enc/dec keys */
					const void *des_ks_ptr[3];
				};
			};
			uint8_t ipad[32] __rte_aligned(16);	/**< H(K ^ ipad) state */
			uint8_t opad[32] __rte_aligned(16);	/**< H(K ^ opad) state */
		} cbc;
	} key __rte_cache_aligned;
	/* Per-direction mutable state: its own cache line. */
	uint32_t rp_top __rte_cache_aligned;	/**< inbound: highest authenticated seq */
	uint32_t rp_win;	/**< inbound: window in packets, 0 = off */
	uint32_t rp_mask;	/**< inbound: bitmap words - 1 (a power of two - 1) */
	uint32_t reserved1;
	uint64_t seq;		/**< outbound: last sequence number handed out (atomic) */
	uint64_t rp_bmp[];	/**< inbound: replay bitmap, rp_mask + 1 words */
};

/**
 * Create an IPsec-MB manager for the calling lcore, initialised for the best
 * architecture this CPU has (init_mb_mgr_auto). Control path.
 * @return the manager, or NULL (rte_errno not set; ENOMEM or no usable arch).
 */
IMB_MGR *lns_esp_mgr_create(void);

/** Free a manager from lns_esp_mgr_create() (NULL is fine). */
void lns_esp_mgr_free(IMB_MGR *mgr);

/** Architecture a manager runs: "avx512", "avx2", "avx", "sse", "no-aesni" or "?". */
const char *lns_esp_mgr_arch(const IMB_MGR *mgr);

/**
 * Bytes to allocate for an SA with these parameters (only dir and replay_win matter).
 * The memory must be 64-byte aligned (rte_zmalloc(..., RTE_CACHE_LINE_SIZE)).
 * @return the size, or -EINVAL (replay window above LNS_ESP_REPLAY_WIN_MAX).
 */
int lns_esp_sa_size(const struct lns_esp_sa_params *prm);

/**
 * Fill an SA: check the parameters, expand the keys, precompute GCM hash keys or
 * HMAC inner/outer states, reset the replay window or set the sequence counter.
 * Control path (may call getrandom()).
 * @param sa   lns_esp_sa_size(prm) bytes, 64-byte aligned
 * @param mgr  any manager from lns_esp_mgr_create() on this host (its arch decides
 *             the layout of the GCM key data, so it must match the workers')
 * @return 0, or -EINVAL (bad algorithm combination, key length, window, SPI 0,
 *         misaligned sa), -EIO (no random IV seed available)
 */
int lns_esp_sa_init(struct lns_esp_sa *sa, IMB_MGR *mgr, const struct lns_esp_sa_params *prm);

/** Wipe the key material of an SA before its memory is freed (control path). */
void lns_esp_sa_clear(struct lns_esp_sa *sa);

/** Mark an SA expired: the bursts drop its packets from now on (any thread). */
void lns_esp_sa_expire(struct lns_esp_sa *sa);

/** Whether an SA is expired (any thread). */
static inline int
lns_esp_sa_expired(const struct lns_esp_sa *sa)
{
	return __atomic_load_n(&sa->state, __ATOMIC_ACQUIRE) != LNS_ESP_SA_STATE_ACTIVE;
}

/** Last outbound sequence number handed out (may exceed 2^32-1 once exhausted). */
static inline uint64_t
lns_esp_sa_seq(const struct lns_esp_sa *sa)
{
	return __atomic_load_n(&sa->seq, __ATOMIC_RELAXED);
}

/** Bytes ESP adds in front of the payload (header + IV). */
static inline unsigned int
lns_esp_sa_hdr_len(const struct lns_esp_sa *sa)
{
	return sa->hdr_len;
}

/** Largest number of bytes ESP adds behind a payload (padding, trailer, ICV). */
static inline unsigned int
lns_esp_sa_tail_max(const struct lns_esp_sa *sa)
{
	return sa->align_mask + 2u + sa->icv_len;
}

/**
 * Decrypt and verify a burst (RFC 4303 3.4).
 *
 * On entry each mbuf's data starts at the ESP header and ends at the end of the ICV
 * (outer IPv4 and any UDP encapsulation already stripped), and sa[i] is the inbound SA
 * that the caller looked up for mb[i] by SPI. Per packet, in RFC order: SA state,
 * single segment, length, SPI, anti-replay pre-check; then all packets go to IPsec-MB
 * as one burst of jobs (submitted together, collected after); then the ICV is compared
 * in constant time, the replay window is updated for authenticated packets only (a
 * duplicate inside one burst is caught here), and the padding (1, 2, 3, ...) and pad
 * length are checked. Good packets are left starting at the inner payload (transport:
 * the UDP header; tunnel: the inner IPv4 header) with header, IV, padding, trailer and
 * ICV removed.
 *
 * @param mgr     this lcore's manager
 * @param sa      per-packet inbound SA (permuted along with mb)
 * @param mb      packets; single-segment only
 * @param n       number of packets (any; handled in chunks internally)
 * @param status  out, n entries: for i < return, the packet's next header
 *                (IPPROTO_UDP, IPPROTO_IPIP, ...); for i >= return, an
 *                enum lns_esp_status
 * @return number of good packets, now at mb[0 .. ret-1]
 */
uint16_t lns_esp_inbound(IMB_MGR *mgr, struct lns_esp_sa *sa[], struct rte_mbuf *mb[],
			 uint16_t n, uint8_t status[]);

/**
 * Encrypt a burst (RFC 4303 3.3).
 *
 * On entry each mbuf's data is the payload to protect (transport: the UDP header and
 * data; tunnel: the inner IPv4 packet). The burst prepends the ESP header and IV
 * (headroom: lns_esp_sa_hdr_len()), appends padding to the cipher block and 4 bytes,
 * pad length, next header and ICV (tailroom: up to lns_esp_sa_tail_max()), assigns
 * sequence numbers atomically (an SA whose numbers would pass 2^32-1 is marked expired
 * and the packet gets LNS_ESP_SEQ_EXHAUSTED: the counter never wraps), and encrypts
 * and signs with one burst of IPsec-MB jobs. Good packets start at the ESP header.
 * Bad packets are unchanged unless their status is LNS_ESP_CRYPTO.
 *
 * @param next_hdr per-packet next header, or NULL for the SA's mode default
 *                 (transport 17, tunnel 4); read by original index
 * @param status   out, n entries: LNS_ESP_OK for i < return, else the reason
 * @return number of good packets, now at mb[0 .. ret-1]
 */
uint16_t lns_esp_outbound(IMB_MGR *mgr, struct lns_esp_sa *sa[], struct rte_mbuf *mb[],
			  uint16_t n, const uint8_t next_hdr[], uint8_t status[]);

#endif /* LNS_ESP_H */
