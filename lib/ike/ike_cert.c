/* SPDX-License-Identifier: BSD-3-Clause */
/* X.509 for Main Mode with RSA signatures, over OpenSSL 3 (see ike_cert.h). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ike_cert.h"
#include "ike_proto.h"

#define IKE_CERT_MAX_CAS 16

struct ike_certs {
	EVP_PKEY *key;
	uint8_t *own, *own_dn;
	size_t own_len, own_dn_len;
	X509_STORE *store;
	uint8_t *ca_dn[IKE_CERT_MAX_CAS];
	size_t ca_dn_len[IKE_CERT_MAX_CAS];
	unsigned int n_ca;
	unsigned int refs;      /* the responder's and each negotiation's (control lcore only) */
};

struct ike_peer_cert {
	X509 *x;
};

static const char *
reason(void)
{
	unsigned long e = ERR_peek_last_error();
	const char *r = e ? ERR_reason_error_string(e) : NULL;

	return r ? r : "unknown error";
}

static int
der_of(X509 *x, uint8_t **out, size_t *len)
{
	int n = i2d_X509(x, out);

	if (n <= 0)
		return -1;
	*len = (size_t)n;
	return 0;
}

static int
dn_der(const X509_NAME *nm, uint8_t **out, size_t *len)
{
	int n = i2d_X509_NAME(nm, out);

	if (n <= 0)
		return -1;
	*len = (size_t)n;
	return 0;
}

struct ike_certs *
ike_certs_load(const struct lns_cert_conf *c, char *err, size_t errlen)
{
	struct ike_certs *ic = calloc(1, sizeof(*ic));
	X509 *cert = NULL, *ca;
	X509_CRL *crl;
	FILE *f = NULL;
	const char *what = c->cert_file;

	if (ic == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	ic->refs = 1;
	ERR_clear_error();
	if ((f = fopen(c->cert_file, "r")) == NULL || (cert = PEM_read_X509(f, NULL, NULL, NULL)) ==
	    NULL || der_of(cert, &ic->own, &ic->own_len) < 0 ||
	    dn_der(X509_get_subject_name(cert), &ic->own_dn, &ic->own_dn_len) < 0)
		goto fail;
	fclose(f);
	what = c->key_file;
	if ((f = fopen(c->key_file, "r")) == NULL ||
	    (ic->key = PEM_read_PrivateKey(f, NULL, NULL, NULL)) == NULL ||
	    X509_check_private_key(cert, ic->key) != 1)
		goto fail;
	fclose(f);
	what = c->ca_file;
	ic->store = X509_STORE_new();
	if (ic->store == NULL || (f = fopen(c->ca_file, "r")) == NULL)
		goto fail;
	while ((ca = PEM_read_X509(f, NULL, NULL, NULL)) != NULL) {
		if (ic->n_ca < IKE_CERT_MAX_CAS &&
		    dn_der(X509_get_subject_name(ca), &ic->ca_dn[ic->n_ca],
			   &ic->ca_dn_len[ic->n_ca]) == 0)
			ic->n_ca++;
		if (X509_STORE_add_cert(ic->store, ca) != 1) {
			X509_free(ca);
			goto fail;
		}
		X509_free(ca);
	}
	ERR_clear_error();   /* the end of the file */
	fclose(f);
	f = NULL;
	if (ic->n_ca == 0)
		goto fail;
	for (unsigned int i = 0; i < c->n_crls; i++) {
		what = c->crl_files[i];
		if ((f = fopen(what, "r")) == NULL)
			goto fail;
		while ((crl = PEM_read_X509_CRL(f, NULL, NULL, NULL)) != NULL) {
			int ok = X509_STORE_add_crl(ic->store, crl);

			X509_CRL_free(crl);
			if (ok != 1)
				goto fail;
		}
		ERR_clear_error();
		fclose(f);
		f = NULL;
	}
	if (c->n_crls > 0)
		X509_STORE_set_flags(ic->store, X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL);
	X509_free(cert);
	return ic;
fail:
	snprintf(err, errlen, "%s: %s", what, f == NULL ? strerror(errno) : reason());
	if (f != NULL)
		fclose(f);
	X509_free(cert);
	ike_certs_free(ic);
	ERR_clear_error();
	return NULL;
}

struct ike_certs *
ike_certs_ref(struct ike_certs *ic)
{
	if (ic != NULL)
		ic->refs++;
	return ic;
}

void
ike_certs_free(struct ike_certs *ic)
{
	if (ic == NULL || --ic->refs > 0)
		return;
	EVP_PKEY_free(ic->key);
	OPENSSL_free(ic->own);
	OPENSSL_free(ic->own_dn);
	X509_STORE_free(ic->store);
	for (unsigned int i = 0; i < ic->n_ca; i++)
		OPENSSL_free(ic->ca_dn[i]);
	free(ic);
}

const uint8_t *
ike_certs_own(const struct ike_certs *ic, size_t *len)
{
	*len = ic->own_len;
	return ic->own;
}

const uint8_t *
ike_certs_own_dn(const struct ike_certs *ic, size_t *len)
{
	*len = ic->own_dn_len;
	return ic->own_dn;
}

const uint8_t *
ike_certs_ca_dn(const struct ike_certs *ic, unsigned int i, size_t *len)
{
	if (ic == NULL || i >= ic->n_ca)
		return NULL;
	*len = ic->ca_dn_len[i];
	return ic->ca_dn[i];
}

/* RSA: method 3; EC: 9, 10, 11 by curve (RFC 4754 §3); -1 otherwise */
static int
key_method(const EVP_PKEY *k)
{
	char grp[64];

	if (k == NULL)
		return -1;
	if (EVP_PKEY_get_base_id(k) == EVP_PKEY_RSA)
		return IKE_AUTH_RSA_SIG;
	if (EVP_PKEY_get_base_id(k) != EVP_PKEY_EC ||
	    EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME, grp, sizeof(grp),
					   NULL) != 1)
		return -1;
	if (strcmp(grp, "prime256v1") == 0)
		return IKE_AUTH_ECDSA_256;
	if (strcmp(grp, "secp384r1") == 0)
		return IKE_AUTH_ECDSA_384;
	if (strcmp(grp, "secp521r1") == 0)
		return IKE_AUTH_ECDSA_521;
	return -1;
}

/* the size of r (and of s) of an ECDSA method, 0 if it is none */
static size_t
ecdsa_half(int method)
{
	switch (method) {
	case IKE_AUTH_ECDSA_256: return 32;
	case IKE_AUTH_ECDSA_384: return 48;
	case IKE_AUTH_ECDSA_521: return 66;
	default:                 return 0;
	}
}

int
ike_certs_auth(const struct ike_certs *ic)
{
	return key_method(ic->key);
}

/*
 * ECDSA over HASH_I/HASH_R as they are, the prf output taken as the digest (no
 * second hash), the signature r | s with each half as long as the curve's order:
 * what strongSwan sends and checks in IKEv1 (its "ECDSA with NULL" scheme).
 */
static int
ecdsa_sign(EVP_PKEY *key, int method, const uint8_t *data, size_t len, uint8_t *out)
{
	size_t half = ecdsa_half(method), dl = 256;
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(key, NULL);
	uint8_t der[256];
	const uint8_t *p = der;
	ECDSA_SIG *es = NULL;
	int ok;

	ok = half != 0 && c != NULL && EVP_PKEY_sign_init(c) == 1 &&
	     EVP_PKEY_sign(c, der, &dl, data, len) == 1 &&
	     (es = d2i_ECDSA_SIG(NULL, &p, (long)dl)) != NULL &&
	     BN_bn2binpad(ECDSA_SIG_get0_r(es), out, (int)half) == (int)half &&
	     BN_bn2binpad(ECDSA_SIG_get0_s(es), out + half, (int)half) == (int)half;
	ECDSA_SIG_free(es);
	EVP_PKEY_CTX_free(c);
	return ok ? (int)(2 * half) : -EIO;
}

static bool
ecdsa_verify(EVP_PKEY *key, int method, const uint8_t *data, size_t len, const uint8_t *sig,
	     size_t siglen)
{
	size_t half = ecdsa_half(method);
	EVP_PKEY_CTX *c = NULL;
	ECDSA_SIG *es = NULL;
	BIGNUM *r = NULL, *s = NULL;
	uint8_t *der = NULL;
	int dl = 0;
	bool ok = false;

	if (half == 0 || siglen != 2 * half)
		return false;
	r = BN_bin2bn(sig, (int)half, NULL);
	s = BN_bin2bn(sig + half, (int)half, NULL);
	es = ECDSA_SIG_new();
	if (r == NULL || s == NULL || es == NULL || ECDSA_SIG_set0(es, r, s) != 1) {
		BN_free(r);
		BN_free(s);
		goto out;
	}
	dl = i2d_ECDSA_SIG(es, &der);
	c = EVP_PKEY_CTX_new(key, NULL);
	ok = dl > 0 && c != NULL && EVP_PKEY_verify_init(c) == 1 &&
	     EVP_PKEY_verify(c, der, (size_t)dl, data, len) == 1;
out:
	OPENSSL_free(der);
	ECDSA_SIG_free(es);
	EVP_PKEY_CTX_free(c);
	return ok;
}

int
ike_certs_sign(const struct ike_certs *ic, const uint8_t *hash, size_t hlen,
	       uint8_t sig[IKE_SIG_MAX])
{
	EVP_PKEY_CTX *pc;
	size_t n = IKE_SIG_MAX;
	int ok, m = key_method(ic->key);

	if (m != IKE_AUTH_RSA_SIG) {
		ok = ecdsa_sign(ic->key, m, hash, hlen, sig);
		ERR_clear_error();
		return ok;
	}
	pc = EVP_PKEY_CTX_new(ic->key, NULL);

	/* no signature digest set: PKCS#1 type-1 padding of the bytes as given */
	ok = pc != NULL && EVP_PKEY_sign_init(pc) == 1 &&
	     EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PADDING) == 1 &&
	     EVP_PKEY_sign(pc, NULL, &n, hash, hlen) == 1 && n <= IKE_SIG_MAX &&
	     EVP_PKEY_sign(pc, sig, &n, hash, hlen) == 1;
	EVP_PKEY_CTX_free(pc);
	ERR_clear_error();
	return ok ? (int)n : -EIO;
}

static enum ike_cert_verdict
verdict_of(int e)
{
	switch (e) {
	case X509_V_ERR_CERT_REVOKED:
		return IKE_CERT_E_REVOKED;
	case X509_V_ERR_CERT_HAS_EXPIRED:
	case X509_V_ERR_CERT_NOT_YET_VALID:
	case X509_V_ERR_CRL_HAS_EXPIRED:
	case X509_V_ERR_CRL_NOT_YET_VALID:
		return IKE_CERT_E_EXPIRED;
	default:
		return IKE_CERT_E_UNTRUSTED;
	}
}

enum ike_cert_verdict
ike_certs_verify(const struct ike_certs *ic, const uint8_t *der, size_t len,
		 const uint8_t *const *extra, const size_t *extra_len, unsigned int n_extra,
		 struct ike_peer_cert **out, char *why, size_t whylen)
{
	const uint8_t *p = der;
	X509 *x = NULL;
	STACK_OF(X509) *chain = NULL;
	X509_STORE_CTX *sc = NULL;
	enum ike_cert_verdict v = IKE_CERT_E_MALFORMED;

	*out = NULL;
	snprintf(why, whylen, "not a DER X.509 certificate");
	if (len > 65535 || (x = d2i_X509(NULL, &p, (long)len)) == NULL || p != der + len)
		goto out;
	chain = sk_X509_new_null();
	if (chain == NULL)
		goto out;
	for (unsigned int i = 0; i < n_extra; i++) {
		const uint8_t *q = extra[i];
		X509 *e = d2i_X509(NULL, &q, (long)extra_len[i]);

		if (e == NULL || q != extra[i] + extra_len[i] || !sk_X509_push(chain, e)) {
			X509_free(e);
			goto out;
		}
	}
	sc = X509_STORE_CTX_new();
	if (sc == NULL || X509_STORE_CTX_init(sc, ic->store, x, chain) != 1) {
		v = IKE_CERT_E_UNTRUSTED;
		snprintf(why, whylen, "%s", reason());
		goto out;
	}
	if (X509_verify_cert(sc) != 1) {
		int e = X509_STORE_CTX_get_error(sc);

		v = verdict_of(e);
		snprintf(why, whylen, "%s", X509_verify_cert_error_string(e));
		goto out;
	}
	*out = calloc(1, sizeof(**out));
	if (*out == NULL) {
		v = IKE_CERT_E_UNTRUSTED;
		snprintf(why, whylen, "out of memory");
		goto out;
	}
	(*out)->x = x;
	x = NULL;
	v = IKE_CERT_OK;
	snprintf(why, whylen, "ok");
out:
	X509_STORE_CTX_free(sc);
	sk_X509_pop_free(chain, X509_free);
	X509_free(x);
	ERR_clear_error();
	return v;
}

void
ike_peer_cert_free(struct ike_peer_cert *pc)
{
	if (pc == NULL)
		return;
	X509_free(pc->x);
	free(pc);
}

enum ike_cert_verdict
ike_peer_cert_id(const struct ike_peer_cert *pc, uint8_t id_type, const uint8_t *data,
		 size_t len)
{
	enum ike_cert_verdict v = IKE_CERT_E_ID;
	char s[256];

	switch (id_type) {
	case IKE_ID_DER_ASN1_DN: {
		const uint8_t *p = data;
		X509_NAME *nm = d2i_X509_NAME(NULL, &p, (long)len);

		if (nm != NULL && p == data + len &&
		    X509_NAME_cmp(nm, X509_get_subject_name(pc->x)) == 0)
			v = IKE_CERT_OK;
		X509_NAME_free(nm);
		break;
	}
	case IKE_ID_FQDN:
	case IKE_ID_USER_FQDN:
		if (len == 0 || len >= sizeof(s) || memchr(data, 0, len) != NULL)
			break;
		memcpy(s, data, len);
		s[len] = 0;
		if (id_type == IKE_ID_FQDN ?
		    X509_check_host(pc->x, s, len, X509_CHECK_FLAG_NO_WILDCARDS, NULL) == 1 :
		    X509_check_email(pc->x, s, len, 0) == 1)
			v = IKE_CERT_OK;
		break;
	case IKE_ID_IPV4_ADDR:
		if (len == 4 && X509_check_ip(pc->x, data, 4, 0) == 1)
			v = IKE_CERT_OK;
		break;
	default:
		break;
	}
	ERR_clear_error();
	return v;
}

int
ike_peer_cert_auth(const struct ike_peer_cert *pc)
{
	int m = key_method(X509_get0_pubkey(pc->x));

	ERR_clear_error();
	return m;
}

enum ike_cert_verdict
ike_peer_cert_sig(const struct ike_peer_cert *pc, const uint8_t *hash, size_t hlen,
		  const uint8_t *sig, size_t siglen)
{
	EVP_PKEY *pk = X509_get0_pubkey(pc->x);
	int m = key_method(pk);
	EVP_PKEY_CTX *c;
	int ok;

	if (m > IKE_AUTH_RSA_SIG) {
		ok = ecdsa_verify(pk, m, hash, hlen, sig, siglen);
		ERR_clear_error();
		return ok ? IKE_CERT_OK : IKE_CERT_E_SIG;
	}
	c = m == IKE_AUTH_RSA_SIG ? EVP_PKEY_CTX_new(pk, NULL) : NULL;

	ok = c != NULL && EVP_PKEY_verify_init(c) == 1 &&
	     EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PADDING) == 1 &&
	     EVP_PKEY_verify(c, sig, siglen, hash, hlen) == 1;
	EVP_PKEY_CTX_free(c);
	ERR_clear_error();
	return ok ? IKE_CERT_OK : IKE_CERT_E_SIG;
}

int
ike_dn_text(const uint8_t *der, size_t len, char *out, size_t n)
{
	const uint8_t *p = der;
	X509_NAME *nm = d2i_X509_NAME(NULL, &p, (long)len);
	BIO *b;
	int w, rc = -1;

	if (n == 0)
		return -1;
	out[0] = 0;
	if (nm == NULL || p != der + len || (b = BIO_new(BIO_s_mem())) == NULL) {
		X509_NAME_free(nm);
		ERR_clear_error();
		return -1;
	}
	/* "C=CH, O=Example, CN=client": the strongSwan and RFC 1779 look */
	if (X509_NAME_print_ex(b, nm, 0, XN_FLAG_ONELINE & ~XN_FLAG_SPC_EQ) >= 0) {
		w = BIO_read(b, out, (int)n - 1);
		out[w > 0 ? w : 0] = 0;
		rc = 0;
	}
	BIO_free(b);
	X509_NAME_free(nm);
	ERR_clear_error();
	return rc;
}

/* A DN text without the blanks around '=' and ',' and at either end. */
static void
dn_norm(const char *in, char *out, size_t n)
{
	size_t o = 0;

	for (const char *p = in; *p != 0 && o + 1 < n; p++) {
		if (*p == ' ') {
			const char *q = p;

			while (*q == ' ')
				q++;
			/* a blank run is kept only between two ordinary characters */
			if (o == 0 || *q == 0 || *q == '=' || *q == ',' || out[o - 1] == '=' ||
			    out[o - 1] == ',') {
				p = q - 1;
				continue;
			}
		}
		out[o++] = *p;
	}
	out[o] = 0;
}

int
ike_dn_cmp(const char *a, const char *b)
{
	char na[LNS_CONF_ID_MAX * 2], nb[LNS_CONF_ID_MAX * 2];

	dn_norm(a, na, sizeof(na));
	dn_norm(b, nb, sizeof(nb));
	return strcmp(na, nb);
}

const char *
ike_cert_verdict_name(enum ike_cert_verdict v)
{
	static const char *const n[] = {
		[IKE_CERT_OK] = "ok", [IKE_CERT_E_MALFORMED] = "certificate malformed",
		[IKE_CERT_E_UNTRUSTED] = "certificate untrusted",
		[IKE_CERT_E_REVOKED] = "certificate revoked",
		[IKE_CERT_E_EXPIRED] = "certificate expired",
		[IKE_CERT_E_ID] = "ID does not match certificate",
		[IKE_CERT_E_SIG] = "bad signature",
	};

	return (unsigned int)v < sizeof(n) / sizeof(n[0]) ? n[v] : "?";
}
