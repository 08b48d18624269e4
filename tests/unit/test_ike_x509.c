/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/ike's X.509 code (ike_cert.c) against certificates (RSA and EC), a CRL and signatures made
 * by the openssl CLI (tests/unit/ike/certs/gen.sh), and SKEYID for signatures
 * against OpenSSL's HMAC computed here directly.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "ike_cert.h"
#include "ike_crypto.h"
#include "ike_proto.h"

#define D "ike/certs/"

static size_t
slurp(const char *path, uint8_t *buf, size_t size)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	n = fread(buf, 1, size, f);
	fclose(f);
	return n;
}

static void
conf_of(struct lns_cert_conf *c, const char *key, bool crl)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->cert_file, sizeof(c->cert_file), D "%s",
		 strcmp(key, "lns-ec.key") == 0 ? "lns-ec.pem" : "lns.pem");
	snprintf(c->key_file, sizeof(c->key_file), D "%s", key);
	snprintf(c->ca_file, sizeof(c->ca_file), D "ca.pem");
	if (crl) {
		snprintf(c->crl_files[0], sizeof(c->crl_files[0]), D "ca.crl");
		c->n_crls = 1;
	}
	c->set = true;
}

/* the subject of a PEM certificate, DER */
static int
subject_der(const char *path, uint8_t *out)
{
	FILE *f = fopen(path, "r");
	X509 *x = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
	uint8_t *p = out;
	int n = x ? i2d_X509_NAME(X509_get_subject_name(x), &p) : -1;

	if (f)
		fclose(f);
	X509_free(x);
	return n;
}

static void
test_load_and_sign(void)
{
	struct lns_cert_conf c;
	struct ike_certs *ic;
	char err[256] = "";
	uint8_t hash[32], want[512], sig[IKE_SIG_MAX], dn[512];
	size_t len, wl;
	const uint8_t *p;
	int n, dl;

	conf_of(&c, "client.key", false);
	CU_ASSERT_PTR_NULL(ike_certs_load(&c, err, sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "client.key"));
	conf_of(&c, "lns.key", true);
	ic = ike_certs_load(&c, err, sizeof(err));
	if (ic == NULL)
		fprintf(stderr, "\n  %s\n", err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ic);
	/* our ID: the certificate's subject */
	dl = subject_der(D "lns.pem", dn);
	p = ike_certs_own_dn(ic, &len);
	CU_ASSERT_EQUAL_FATAL(len, (size_t)dl);
	CU_ASSERT_EQUAL(memcmp(p, dn, len), 0);
	/* CERT_REQ authorities: the one CA of ca.pem */
	dl = subject_der(D "ca.pem", dn);
	p = ike_certs_ca_dn(ic, 0, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL(len, (size_t)dl);
	CU_ASSERT_EQUAL(memcmp(p, dn, len), 0);
	CU_ASSERT_PTR_NULL(ike_certs_ca_dn(ic, 1, &len));
	CU_ASSERT(ike_certs_own(ic, &len) != NULL && len > 500);
	/* PKCS#1 v1.5 is deterministic: our signature of the raw hash is openssl's */
	CU_ASSERT_EQUAL_FATAL(slurp(D "hash.bin", hash, sizeof(hash)), 32);
	wl = slurp(D "lns-sig.bin", want, sizeof(want));
	n = ike_certs_sign(ic, hash, 32, sig);
	CU_ASSERT_EQUAL_FATAL(n, (int)wl);
	CU_ASSERT_EQUAL(memcmp(sig, want, wl), 0);
	ike_certs_free(ic);
}

/* A set lives while any reference does: the last free frees it (ASan: no leak,
 * no use after free), and the one left after a free still signs as before. */
static void
test_refcount(void)
{
	struct lns_cert_conf c;
	struct ike_certs *ic, *held;
	char err[256] = "";
	uint8_t hash[32], want[512], sig[IKE_SIG_MAX];
	size_t wl;

	conf_of(&c, "lns.key", false);
	ic = ike_certs_load(&c, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(ic);
	held = ike_certs_ref(ic);                /* a Main Mode in flight */
	CU_ASSERT_PTR_EQUAL(held, ic);
	CU_ASSERT_PTR_NULL(ike_certs_ref(NULL));
	ike_certs_free(ic);                      /* the reload's swap drops the responder's */
	CU_ASSERT_EQUAL_FATAL(slurp(D "hash.bin", hash, sizeof(hash)), 32);
	wl = slurp(D "lns-sig.bin", want, sizeof(want));
	CU_ASSERT_EQUAL(ike_certs_sign(held, hash, 32, sig), (int)wl);
	CU_ASSERT_EQUAL(memcmp(sig, want, wl), 0);
	CU_ASSERT_PTR_NULL(ike_certs_ca_dn(NULL, 0, &wl));
	ike_certs_free(held);                    /* the last: freed */
	ike_certs_free(NULL);
}

static struct ike_peer_cert *
verify(struct ike_certs *ic, const char *der_file, enum ike_cert_verdict want)
{
	static uint8_t der[4096];
	struct ike_peer_cert *pc = NULL;
	char why[128];
	size_t n = slurp(der_file, der, sizeof(der));
	enum ike_cert_verdict v = ike_certs_verify(ic, der, n, NULL, NULL, 0, &pc, why, sizeof(why));

	if (v != want)
		fprintf(stderr, "\n  %s: %s (%s)\n", der_file, ike_cert_verdict_name(v), why);
	CU_ASSERT_EQUAL(v, want);
	CU_ASSERT((v == IKE_CERT_OK) == (pc != NULL));
	return pc;
}

static void
test_chain_crl_id(void)
{
	struct lns_cert_conf c;
	struct ike_certs *ic, *nocrl;
	struct ike_peer_cert *pc;
	char err[256], why[64];
	uint8_t dn[512], hash[32], sig[512], junk[64];
	size_t sl;
	int dl;
	static const uint8_t ip_ok[4] = { 10, 0, 0, 2 }, ip_bad[4] = { 10, 0, 0, 3 };

	conf_of(&c, "lns.key", true);
	ic = ike_certs_load(&c, err, sizeof(err));
	conf_of(&c, "lns.key", false);
	nocrl = ike_certs_load(&c, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(ic);
	CU_ASSERT_PTR_NOT_NULL_FATAL(nocrl);

	ike_peer_cert_free(verify(ic, D "rogue.der", IKE_CERT_E_UNTRUSTED));
	ike_peer_cert_free(verify(ic, D "revoked.der", IKE_CERT_E_REVOKED));
	ike_peer_cert_free(verify(nocrl, D "revoked.der", IKE_CERT_OK));
	memset(junk, 0x30, sizeof(junk));
	pc = NULL;
	CU_ASSERT_EQUAL(ike_certs_verify(ic, junk, sizeof(junk), NULL, NULL, 0, &pc, why,
					 sizeof(why)), IKE_CERT_E_MALFORMED);
	CU_ASSERT_PTR_NULL(pc);

	pc = verify(ic, D "client.der", IKE_CERT_OK);
	CU_ASSERT_PTR_NOT_NULL_FATAL(pc);
	/* the ID it presents: subject, or a subjectAltName */
	dl = subject_der(D "client.pem", dn);
	CU_ASSERT_EQUAL(ike_peer_cert_id(pc, IKE_ID_DER_ASN1_DN, dn, (size_t)dl), IKE_CERT_OK);
	dl = subject_der(D "lns.pem", dn);
	CU_ASSERT_EQUAL(ike_peer_cert_id(pc, IKE_ID_DER_ASN1_DN, dn, (size_t)dl), IKE_CERT_E_ID);
	CU_ASSERT_EQUAL(ike_peer_cert_id(pc, IKE_ID_DER_ASN1_DN, dn, 5), IKE_CERT_E_ID);
	CU_ASSERT_EQUAL(ike_peer_cert_id(pc, IKE_ID_FQDN, (const uint8_t *)"client1.test", 12),
			IKE_CERT_OK);
	CU_ASSERT_EQUAL(ike_peer_cert_id(pc, IKE_ID_FQDN, (const uint8_t *)"CLIENT1.test", 12),
			IKE_CERT_OK);
	CU_ASSERT_EQUAL(ike_peer_cert_id(pc, IKE_ID_FQDN, (const uint8_t *)"lns.test", 8),
			IKE_CERT_E_ID);
	CU_ASSERT_EQUAL(ike_peer_cert_id(pc, IKE_ID_FQDN, (const uint8_t *)"client1.test\0x", 14),
			IKE_CERT_E_ID);
	CU_ASSERT_EQUAL(ike_peer_cert_id(pc, IKE_ID_IPV4_ADDR, ip_ok, 4), IKE_CERT_OK);
	CU_ASSERT_EQUAL(ike_peer_cert_id(pc, IKE_ID_IPV4_ADDR, ip_bad, 4), IKE_CERT_E_ID);
	CU_ASSERT_EQUAL(ike_peer_cert_id(pc, IKE_ID_KEY_ID, ip_ok, 4), IKE_CERT_E_ID);
	/* its signature, made by openssl with client.key */
	slurp(D "hash.bin", hash, sizeof(hash));
	sl = slurp(D "client-sig.bin", sig, sizeof(sig));
	CU_ASSERT_EQUAL(ike_peer_cert_sig(pc, hash, 32, sig, sl), IKE_CERT_OK);
	hash[0] ^= 1;
	CU_ASSERT_EQUAL(ike_peer_cert_sig(pc, hash, 32, sig, sl), IKE_CERT_E_SIG);
	hash[0] ^= 1;
	sig[sl / 2] ^= 1;
	CU_ASSERT_EQUAL(ike_peer_cert_sig(pc, hash, 32, sig, sl), IKE_CERT_E_SIG);
	CU_ASSERT_EQUAL(ike_peer_cert_sig(pc, hash, 32, sig, 10), IKE_CERT_E_SIG);
	ike_peer_cert_free(pc);
	ike_certs_free(ic);
	ike_certs_free(nocrl);
}

static void
test_dn_text(void)
{
	uint8_t dn[512];
	char s[256];
	int dl = subject_der(D "client.pem", dn);

	CU_ASSERT_EQUAL(ike_dn_text(dn, (size_t)dl, s, sizeof(s)), 0);
	CU_ASSERT_STRING_EQUAL(s, "C=CH, O=lnsd test, CN=client1");
	CU_ASSERT_EQUAL(ike_dn_text(dn, (size_t)dl - 1, s, sizeof(s)), -1);
	CU_ASSERT_EQUAL(ike_dn_cmp("C=CH,O=lnsd test,CN=client1", "C = CH, O = lnsd test, CN = client1"),
			0);
	CU_ASSERT_EQUAL(ike_dn_cmp("C=CH, O=lnsd test, CN=client1 ", "C=CH, O=lnsd test, CN=client1"),
			0);
	CU_ASSERT(ike_dn_cmp("C=CH, O=lnsd test, CN=client1", "C=CH, O=lnsd test, CN=client2") != 0);
	CU_ASSERT(ike_dn_cmp("C=CH, O=lnsd test, CN=client1", "C=CH, O=lnsdtest, CN=client1") != 0);
}

/* ECDSA (method 9 for P-256): our r|s signature verifies with the certificate, and
 * openssl's (DER, over the same bytes taken as the digest) does once made r|s. */
static void
test_ecdsa(void)
{
	struct lns_cert_conf c;
	struct ike_certs *ic;
	struct ike_peer_cert *pc;
	char err[256];
	uint8_t hash[32], sig[IKE_SIG_MAX], der[128], rs[64];
	const uint8_t *p = der;
	ECDSA_SIG *es;
	size_t dl;
	int n;

	conf_of(&c, "lns-ec.key", true);
	ic = ike_certs_load(&c, err, sizeof(err));
	if (ic == NULL)
		fprintf(stderr, "\n  %s\n", err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ic);
	CU_ASSERT_EQUAL(ike_certs_auth(ic), IKE_AUTH_ECDSA_256);
	pc = verify(ic, D "lns-ec.der", IKE_CERT_OK);
	CU_ASSERT_PTR_NOT_NULL_FATAL(pc);
	CU_ASSERT_EQUAL(ike_peer_cert_auth(pc), IKE_AUTH_ECDSA_256);
	slurp(D "hash.bin", hash, sizeof(hash));
	n = ike_certs_sign(ic, hash, 32, sig);
	CU_ASSERT_EQUAL_FATAL(n, 64);
	CU_ASSERT_EQUAL(ike_peer_cert_sig(pc, hash, 32, sig, 64), IKE_CERT_OK);
	sig[5] ^= 1;
	CU_ASSERT_EQUAL(ike_peer_cert_sig(pc, hash, 32, sig, 64), IKE_CERT_E_SIG);
	CU_ASSERT_EQUAL(ike_peer_cert_sig(pc, hash, 32, sig, 63), IKE_CERT_E_SIG);
	dl = slurp(D "lns-ec-sig.der", der, sizeof(der));
	es = d2i_ECDSA_SIG(NULL, &p, (long)dl);
	CU_ASSERT_PTR_NOT_NULL_FATAL(es);
	BN_bn2binpad(ECDSA_SIG_get0_r(es), rs, 32);
	BN_bn2binpad(ECDSA_SIG_get0_s(es), rs + 32, 32);
	ECDSA_SIG_free(es);
	CU_ASSERT_EQUAL(ike_peer_cert_sig(pc, hash, 32, rs, 64), IKE_CERT_OK);
	ike_peer_cert_free(pc);
	/* an RSA certificate's key is method 3 */
	pc = verify(ic, D "client.der", IKE_CERT_OK);
	CU_ASSERT_PTR_NOT_NULL_FATAL(pc);
	CU_ASSERT_EQUAL(ike_peer_cert_auth(pc), IKE_AUTH_RSA_SIG);
	CU_ASSERT_EQUAL(ike_peer_cert_sig(pc, hash, 32, rs, 64), IKE_CERT_E_SIG);
	ike_peer_cert_free(pc);
	ike_certs_free(ic);
}

/* RFC 2409 §5: for signatures SKEYID = prf(Ni_b | Nr_b, g^xy); then the usual chain.
 * The reference is OpenSSL's one-shot HMAC, computed here. */
static void
test_skeyid_sig(void)
{
	uint8_t ni[32], nr[20], gxy[256], icky[8], rcky[8], key[52], want[32], in[256 + 8 + 8 + 1];
	struct ike_p1_keys k;
	unsigned int wl;
	static const uint8_t zero = 0;

	for (unsigned int i = 0; i < sizeof(ni); i++)
		ni[i] = (uint8_t)(i * 7 + 1);
	for (unsigned int i = 0; i < sizeof(nr); i++)
		nr[i] = (uint8_t)(0xf0 - i);
	for (unsigned int i = 0; i < sizeof(gxy); i++)
		gxy[i] = (uint8_t)(i ^ 0x5c);
	memset(icky, 0x11, 8);
	memset(rcky, 0x22, 8);
	CU_ASSERT_EQUAL_FATAL(ike_p1_derive_sig(IKE_H_SHA256, ni, sizeof(ni), nr, sizeof(nr), gxy,
						sizeof(gxy), icky, rcky, &k), 0);
	CU_ASSERT_EQUAL(k.len, 32);
	memcpy(key, ni, sizeof(ni));
	memcpy(key + sizeof(ni), nr, sizeof(nr));
	HMAC(EVP_sha256(), key, sizeof(key), gxy, sizeof(gxy), want, &wl);
	CU_ASSERT_EQUAL(memcmp(k.skeyid, want, 32), 0);
	/* SKEYID_d = prf(SKEYID, g^xy | CKY-I | CKY-R | 0) */
	memcpy(in, gxy, 256);
	memcpy(in + 256, icky, 8);
	memcpy(in + 264, rcky, 8);
	memcpy(in + 272, &zero, 1);
	HMAC(EVP_sha256(), want, 32, in, sizeof(in), want, &wl);
	CU_ASSERT_EQUAL(memcmp(k.d, want, 32), 0);
	/* and it differs from the PSK form with the nonces as the key's data */
	{
		struct ike_p1_keys p;

		ike_p1_derive(IKE_H_SHA256, key, sizeof(key), ni, sizeof(ni), nr, sizeof(nr), gxy,
			      sizeof(gxy), icky, rcky, &p);
		CU_ASSERT(memcmp(p.skeyid, k.skeyid, 32) != 0);
	}
}

int
main(void)
{
	CU_pSuite s;
	unsigned int fails;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("ike_x509", NULL, NULL);
	CU_add_test(s, "load, own DN, CA DNs, PKCS#1 signature = openssl's", test_load_and_sign);
	CU_add_test(s, "chain, CRL, ID against subject and subjectAltName, signature",
		    test_chain_crl_id);
	CU_add_test(s, "DN text and comparison", test_dn_text);
	CU_add_test(s, "a set lives while a reference does", test_refcount);
	CU_add_test(s, "ECDSA P-256: r|s both ways, openssl's signature", test_ecdsa);
	CU_add_test(s, "SKEYID for signatures against OpenSSL HMAC", test_skeyid_sig);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures();
	CU_cleanup_registry();
	return fails ? 1 : 0;
}
