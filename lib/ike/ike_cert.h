/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * X.509 for Main Mode with RSA signatures (RFC 2409 §5.1): our certificate and
 * key, the trusted CAs and CRLs, and the checks on a peer's certificate
 * (chain, revocation, the ID it presents). OpenSSL libcrypto; control plane only.
 */
#ifndef IKE_CERT_H
#define IKE_CERT_H

#include <stddef.h>
#include <stdint.h>

#include "lns_conf.h"

#define IKE_CERT_ENC_X509_SIG 4      /* RFC 2408 §3.9: X.509 Certificate - Signature */
#define IKE_SIG_MAX           1024   /* RSA up to 8192 bits */

/* Why a peer's certificate or signature is refused. */
enum ike_cert_verdict {
	IKE_CERT_OK = 0,
	IKE_CERT_E_MALFORMED,    /* not a DER X.509 certificate */
	IKE_CERT_E_UNTRUSTED,    /* no chain to a configured CA */
	IKE_CERT_E_REVOKED,      /* a configured CRL revokes it */
	IKE_CERT_E_EXPIRED,      /* outside its validity (or a CRL's) */
	IKE_CERT_E_ID,           /* the ID payload is not the certificate's */
	IKE_CERT_E_SIG,          /* the signature does not verify */
};

struct ike_certs;
struct ike_peer_cert;

/**
 * Load cert-file, key-file, ca-file and crl-files into a set holding one reference.
 * NULL with err filled. A set is reference-counted so that a reload can swap in a
 * new one while a Main Mode in flight finishes with the set it began with; the
 * count is plain (lib/ike runs on the control lcore only).
 */
struct ike_certs *ike_certs_load(const struct lns_cert_conf *c, char *err, size_t errlen);
/** Take one more reference (NULL is a no-op). @return ic. */
struct ike_certs *ike_certs_ref(struct ike_certs *ic);
/** Drop one reference; the last one frees the set. NULL is a no-op. */
void ike_certs_free(struct ike_certs *ic);
/** Our certificate, DER. */
const uint8_t *ike_certs_own(const struct ike_certs *ic, size_t *len);
/** Our subject, DER (the body of an ID_DER_ASN1_DN payload). */
const uint8_t *ike_certs_own_dn(const struct ike_certs *ic, size_t *len);
/** The subject of the i-th trusted CA, DER (a CERT_REQ's authority), NULL past the end. */
const uint8_t *ike_certs_ca_dn(const struct ike_certs *ic, unsigned int i, size_t *len);
/** The phase-1 authentication method our key signs with: IKE_AUTH_RSA_SIG, or
 *  IKE_AUTH_ECDSA_256/384/521 by the curve (RFC 4754 §3). */
int ike_certs_auth(const struct ike_certs *ic);
/** Sign HASH_I/HASH_R with our key: RSA PKCS#1 v1.5 of the raw hash (no DigestInfo:
 *  RFC 2409 §5.1 signs it as it is), or ECDSA of the hash as it is, r | s (as
 *  strongSwan does in IKEv1). @return the signature length, or -EIO. */
int ike_certs_sign(const struct ike_certs *ic, const uint8_t *hash, size_t hlen,
		   uint8_t sig[IKE_SIG_MAX]);

/**
 * Check a peer's certificate (DER) with any intermediates it sent: the chain to a
 * configured CA (X509_verify_cert), CRLs when configured. *out holds the
 * certificate for the checks below (free with ike_peer_cert_free) when OK.
 * why gets OpenSSL's reason.
 */
enum ike_cert_verdict ike_certs_verify(const struct ike_certs *ic, const uint8_t *der,
				       size_t len, const uint8_t *const *extra,
				       const size_t *extra_len, unsigned int n_extra,
				       struct ike_peer_cert **out, char *why, size_t whylen);
void ike_peer_cert_free(struct ike_peer_cert *pc);
/** Does the ID payload (type, data) name this certificate? DER_ASN1_DN: its
 *  subject; FQDN, USER_FQDN, IPV4_ADDR: its subjectAltName. */
enum ike_cert_verdict ike_peer_cert_id(const struct ike_peer_cert *pc, uint8_t id_type,
				       const uint8_t *data, size_t len);
/** The method the peer's key signs with (as ike_certs_auth), -1 if none. */
int ike_peer_cert_auth(const struct ike_peer_cert *pc);
/** Verify the peer's signature over hash (the form ike_certs_sign makes). */
enum ike_cert_verdict ike_peer_cert_sig(const struct ike_peer_cert *pc, const uint8_t *hash,
					size_t hlen, const uint8_t *sig, size_t siglen);
/** A DER DN as text, "C=CH, O=Example, CN=client" (what lnsctl shows and cert-peers
 *  ids are compared with). @return 0, or -1 when it is not a DN. */
int ike_dn_text(const uint8_t *der, size_t len, char *out, size_t n);
/** Compare two DN texts, ignoring blanks around '=' and after ','. 0 when equal. */
int ike_dn_cmp(const char *a, const char *b);
/** Name of a verdict, for logs and events. */
const char *ike_cert_verdict_name(enum ike_cert_verdict v);

#endif /* IKE_CERT_H */
