/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IKEv1 cryptography over OpenSSL 3 EVP: Diffie-Hellman (MODP groups 2, 5, 14, 15, 16;
 * ECP groups 19, 20, 21),
 * the HMAC PRFs, the RFC 2409 key derivations (§5, §5.5, appendix B) and CBC.
 */
#ifndef IKE_CRYPTO_H
#define IKE_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IKE_HASH_MAX  64
#define IKE_BLOCK_MAX 16
#define IKE_DH_MAX    512   /* MODP 4096 */

enum ike_hash { IKE_H_SHA1 = 0, IKE_H_SHA256, IKE_H_SHA384, IKE_H_SHA512 };

/** RFC 2409 hash number (2, 4, 5, 6) -> enum ike_hash; -1 if unsupported. */
int ike_hash_of(int hashalg);

struct ike_iov {
	const void *p;
	size_t len;
};

size_t ike_hash_len(enum ike_hash h);
/** Plain hash of the concatenated pieces. @return 0 or -EIO. */
int ike_hash(enum ike_hash h, const struct ike_iov *v, unsigned int n, uint8_t *out);
/** prf = HMAC with the negotiated hash (RFC 2409 §4). @return 0 or -EIO. */
int ike_prf(enum ike_hash h, const uint8_t *key, size_t klen, const struct ike_iov *v,
	    unsigned int n, uint8_t *out);

/* ---------------------------------------------------------------- DH --- */

struct ike_dh;
/** Public value length of a group (RFC 2409 §6, RFC 5903 §7), 0 if unsupported. */
size_t ike_dh_pub_len(int group);
/** A fresh key pair of `group`. NULL on error. */
struct ike_dh *ike_dh_new(int group);
/** A key pair from a known private and public value (tests). NULL on error. */
struct ike_dh *ike_dh_import(int group, const uint8_t *priv, size_t priv_len,
			     const uint8_t *pub, size_t pub_len);
/** Our public value (g^x padded to the group length, or X|Y for ECP). */
const uint8_t *ike_dh_pub(const struct ike_dh *dh, size_t *len);
/**
 * g^xy with the peer's public value (padded to the prime length; the
 * x coordinate for ECP, RFC 5903 §7). A peer value that is out of range fails.
 * @return the secret's length, or -EINVAL / -EIO.
 */
int ike_dh_shared(struct ike_dh *dh, const uint8_t *peer, size_t peer_len,
		  uint8_t out[IKE_DH_MAX]);
void ike_dh_free(struct ike_dh *dh);

/* --------------------------------------------------- key derivation --- */

struct ike_p1_keys {
	uint8_t skeyid[IKE_HASH_MAX], d[IKE_HASH_MAX], a[IKE_HASH_MAX], e[IKE_HASH_MAX];
	size_t len;   /* hash length */
};

/** SKEYID for pre-shared keys and SKEYID_d/a/e (RFC 2409 §5, §5.4). */
int ike_p1_derive(enum ike_hash h, const uint8_t *psk, size_t psk_len,
		  const uint8_t *ni, size_t ni_len, const uint8_t *nr, size_t nr_len,
		  const uint8_t *gxy, size_t gxy_len, const uint8_t icky[8],
		  const uint8_t rcky[8], struct ike_p1_keys *k);
/** SKEYID for signatures, prf(Ni_b | Nr_b, g^xy), and SKEYID_d/a/e (RFC 2409 §5). */
int ike_p1_derive_sig(enum ike_hash h, const uint8_t *ni, size_t ni_len, const uint8_t *nr,
		      size_t nr_len, const uint8_t *gxy, size_t gxy_len, const uint8_t icky[8],
		      const uint8_t rcky[8], struct ike_p1_keys *k);
/** The cipher key from SKEYID_e, expanded when it is too short (RFC 2409 appendix B). */
int ike_p1_enc_key(enum ike_hash h, const uint8_t *skeyid_e, size_t e_len,
		   uint8_t *key, size_t key_len);
/** First phase-1 IV: hash(g^xi | g^xr) (RFC 2409 appendix B). */
int ike_p1_iv(enum ike_hash h, const uint8_t *gxi, size_t gxi_len, const uint8_t *gxr,
	      size_t gxr_len, uint8_t *iv, size_t block);
/** IV of a phase-2 / informational exchange: hash(last phase-1 block | M-ID). */
int ike_p2_iv(enum ike_hash h, const uint8_t *p1_last, size_t block, uint32_t msgid,
	      uint8_t *iv);
/**
 * KEYMAT (RFC 2409 §5.5): prf(SKEYID_d, [g(qm)^xy |] protocol | SPI | Ni_b | Nr_b),
 * expanded K1 | K2 | ... to out_len bytes. spi in host order.
 */
int ike_keymat(enum ike_hash h, const uint8_t *skeyid_d, size_t d_len,
	       const uint8_t *gxy, size_t gxy_len, uint8_t proto, uint32_t spi,
	       const uint8_t *ni, size_t ni_len, const uint8_t *nr, size_t nr_len,
	       uint8_t *out, size_t out_len);

/**
 * HASH_I / HASH_R (RFC 2409 §5): prf(SKEYID, g^x_a | g^x_b | CKY_a | CKY_b | SAi_b |
 * ID_b). For HASH_I pass (g^xi, g^xr, CKY-I, CKY-R), for HASH_R the reverse.
 */
int ike_p1_hash(enum ike_hash h, const uint8_t *skeyid, size_t skeyid_len,
		const uint8_t *gxa, const uint8_t *gxb, size_t gx_len,
		const uint8_t cky_a[8], const uint8_t cky_b[8],
		const uint8_t *sa_b, size_t sa_len, const uint8_t *id_b, size_t id_len,
		uint8_t *out);
/** NAT-D (RFC 3947 §3.2): HASH(CKY-I | CKY-R | IP | Port); addr network order,
 *  port host order. */
int ike_natd_hash(enum ike_hash h, const uint8_t icky[8], const uint8_t rcky[8],
		  uint32_t addr, uint16_t port, uint8_t *out);

/* ------------------------------------------------------------- cipher --- */

/** Block size of an IKE encryption algorithm (IKE_ENC_*), 0 if unknown. */
size_t ike_cipher_block(int enc);
/**
 * CBC without padding, in place; len a multiple of the block. iv is updated to
 * the last ciphertext block (the chaining RFC 2409 appendix B asks for).
 */
int ike_cbc(int enc, const uint8_t *key, size_t key_len, uint8_t *iv, uint8_t *buf,
	    size_t len, bool encrypt);

/** Cryptographic random bytes. @return 0 or -EIO. */
int ike_random(void *buf, size_t len);
/** Constant-time compare: 0 when equal. */
int ike_memeq_ct(const void *a, const void *b, size_t len);
/** Wipe memory that held a secret (not optimised away). */
void ike_wipe(void *p, size_t len);

#endif /* IKE_CRYPTO_H */
