/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/ike crypto against vectors computed independently by
 * tests/unit/ike/gen_vectors.py (Python integers, hashlib/hmac, cryptography).
 */
#include <string.h>

#include <CUnit/Basic.h>

#include "ike_crypto.h"
#include "ike_proto.h"
#include "ike/vectors.h"

#define EQ(a, b, n) CU_ASSERT_EQUAL(memcmp((a), (b), (n)), 0)

/* an IPv4 address in network order from its dotted octets */
static uint32_t
htonl_ip(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	const uint8_t o[4] = { a, b, c, d };
	uint32_t v;

	memcpy(&v, o, 4);
	return v;
}

static void
dh_case(int group, const uint8_t *pa, const uint8_t *ya, const uint8_t *pb,
	const uint8_t *yb, const uint8_t *shared, size_t len, size_t slen)
{
	struct ike_dh *a = ike_dh_import(group, pa, 32, ya, len);
	struct ike_dh *b = ike_dh_import(group, pb, 32, yb, len);
	uint8_t s1[IKE_DH_MAX], s2[IKE_DH_MAX], bad[IKE_DH_MAX];
	const uint8_t *pub;
	size_t pl;

	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	pub = ike_dh_pub(a, &pl);
	CU_ASSERT_EQUAL(pl, len);
	EQ(pub, ya, len);
	CU_ASSERT_EQUAL(ike_dh_shared(a, yb, len, s1), (int)slen);
	CU_ASSERT_EQUAL(ike_dh_shared(b, ya, len, s2), (int)slen);
	EQ(s1, shared, slen);
	EQ(s2, shared, slen);
	/* wrong length and degenerate peer values are refused */
	CU_ASSERT(ike_dh_shared(a, yb, len - 1, s1) < 0);
	memset(bad, 0, len);
	if (group != IKE_GROUP_ECP256)
		bad[len - 1] = 1;            /* g^x = 1 */
	CU_ASSERT(ike_dh_shared(a, bad, len, s1) < 0);
	ike_dh_free(a);
	ike_dh_free(b);
}

static void
test_dh_vectors(void)
{
	dh_case(IKE_GROUP_MODP2048, v_m2048_priv_a, v_m2048_pub_a, v_m2048_priv_b,
		v_m2048_pub_b, v_m2048_shared, 256, 256);
	dh_case(IKE_GROUP_MODP1024, v_m1024_priv_a, v_m1024_pub_a, v_m1024_priv_b,
		v_m1024_pub_b, v_m1024_shared, 128, 128);
	dh_case(IKE_GROUP_ECP256, v_ecp256_priv_a, v_ecp256_pub_a, v_ecp256_priv_b,
		v_ecp256_pub_b, v_ecp256_shared, 64, 32);
}

static void
test_dh_fresh(void)
{
	static const int groups[] = {
		IKE_GROUP_MODP2048, IKE_GROUP_ECP256, IKE_GROUP_MODP1024, IKE_GROUP_MODP1536,
		IKE_GROUP_MODP3072, IKE_GROUP_MODP4096, IKE_GROUP_ECP384, IKE_GROUP_ECP521,
	};

	for (unsigned int i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
		struct ike_dh *a = ike_dh_new(groups[i]), *b = ike_dh_new(groups[i]);
		uint8_t s1[IKE_DH_MAX], s2[IKE_DH_MAX];
		const uint8_t *pa, *pb;
		size_t la, lb;
		int n1, n2;

		CU_ASSERT_PTR_NOT_NULL_FATAL(a);
		CU_ASSERT_PTR_NOT_NULL_FATAL(b);
		pa = ike_dh_pub(a, &la);
		pb = ike_dh_pub(b, &lb);
		CU_ASSERT_EQUAL(la, ike_dh_pub_len(groups[i]));
		CU_ASSERT(memcmp(pa, pb, la) != 0);
		n1 = ike_dh_shared(a, pb, lb, s1);
		n2 = ike_dh_shared(b, pa, la, s2);
		CU_ASSERT(n1 > 0);
		CU_ASSERT_EQUAL(n1, n2);
		if (n1 > 0)
			EQ(s1, s2, (size_t)n1);
		ike_dh_free(a);
		ike_dh_free(b);
	}
	CU_ASSERT_PTR_NULL(ike_dh_new(17));   /* MODP 6144: not offered */
	CU_ASSERT_PTR_NULL(ike_dh_new(1));
}

static void
p1_case(enum ike_hash h, const uint8_t *skeyid, const uint8_t *d, const uint8_t *a,
	const uint8_t *e, const uint8_t *hash_i, const uint8_t *hash_r, const uint8_t *iv1,
	const uint8_t *p1last, const uint8_t *iv2, const uint8_t *natd,
	const uint8_t *enc32, const uint8_t *enc16)
{
	struct ike_p1_keys k;
	size_t hl = ike_hash_len(h);
	uint8_t out[64], iv[16];

	CU_ASSERT_EQUAL_FATAL(ike_p1_derive(h, v_psk, sizeof(v_psk), v_ni, sizeof(v_ni), v_nr,
					    sizeof(v_nr), v_m2048_shared, 256, v_icky, v_rcky,
					    &k), 0);
	CU_ASSERT_EQUAL(k.len, hl);
	EQ(k.skeyid, skeyid, hl);
	EQ(k.d, d, hl);
	EQ(k.a, a, hl);
	EQ(k.e, e, hl);
	CU_ASSERT_EQUAL(ike_p1_hash(h, k.skeyid, hl, v_m2048_pub_a, v_m2048_pub_b, 256, v_icky,
				    v_rcky, v_sa_b, sizeof(v_sa_b), v_id_b, sizeof(v_id_b),
				    out), 0);
	EQ(out, hash_i, hl);
	CU_ASSERT_EQUAL(ike_p1_hash(h, k.skeyid, hl, v_m2048_pub_b, v_m2048_pub_a, 256, v_rcky,
				    v_icky, v_sa_b, sizeof(v_sa_b), v_idr_b, sizeof(v_idr_b),
				    out), 0);
	EQ(out, hash_r, hl);
	CU_ASSERT_EQUAL(ike_p1_iv(h, v_m2048_pub_a, 256, v_m2048_pub_b, 256, iv, 16), 0);
	EQ(iv, iv1, 16);
	CU_ASSERT_EQUAL(ike_p2_iv(h, p1last, 16, 0x5a5a0001, iv), 0);
	EQ(iv, iv2, 16);
	CU_ASSERT_EQUAL(ike_natd_hash(h, v_icky, v_rcky, htonl_ip(203, 0, 113, 7), 4500, out), 0);
	EQ(out, natd, hl);
	CU_ASSERT_EQUAL(ike_p1_enc_key(h, k.e, hl, out, 32), 0);
	EQ(out, enc32, 32);
	CU_ASSERT_EQUAL(ike_p1_enc_key(h, k.e, hl, out, 16), 0);
	EQ(out, enc16, 16);
}

static void
test_p1_sha1(void)
{
	p1_case(IKE_H_SHA1, v_sha1_skeyid, v_sha1_skeyid_d, v_sha1_skeyid_a, v_sha1_skeyid_e,
		v_sha1_hash_i, v_sha1_hash_r, v_sha1_iv1, v_sha1_p1last, v_sha1_iv2,
		v_sha1_natd, v_sha1_enckey32, v_sha1_enckey16);
}

static void
test_p1_sha256(void)
{
	p1_case(IKE_H_SHA256, v_sha256_skeyid, v_sha256_skeyid_d, v_sha256_skeyid_a,
		v_sha256_skeyid_e, v_sha256_hash_i, v_sha256_hash_r, v_sha256_iv1,
		v_sha256_p1last, v_sha256_iv2, v_sha256_natd, v_sha256_enckey32,
		v_sha256_enckey16);
}

static void
keymat_case(enum ike_hash h, const uint8_t *d, const uint8_t *km, const uint8_t *km_pfs)
{
	uint8_t out[64];
	size_t hl = ike_hash_len(h);

	CU_ASSERT_EQUAL(ike_keymat(h, d, hl, NULL, 0, IKE_PROTO_ESP, 0xc0ffee01, v_ni,
				   sizeof(v_ni), v_nr, sizeof(v_nr), out, 64), 0);
	EQ(out, km, 64);
	/* a shorter request is a prefix of the same stream */
	memset(out, 0, sizeof(out));
	CU_ASSERT_EQUAL(ike_keymat(h, d, hl, NULL, 0, IKE_PROTO_ESP, 0xc0ffee01, v_ni,
				   sizeof(v_ni), v_nr, sizeof(v_nr), out, 20), 0);
	EQ(out, km, 20);
	CU_ASSERT_EQUAL(out[20], 0);
	CU_ASSERT_EQUAL(ike_keymat(h, d, hl, v_m2048_shared, 256, IKE_PROTO_ESP, 0x1234, v_ni,
				   sizeof(v_ni), v_nr, sizeof(v_nr), out, 36), 0);
	EQ(out, km_pfs, 36);
}

static void
test_keymat(void)
{
	keymat_case(IKE_H_SHA1, v_sha1_skeyid_d, v_sha1_keymat, v_sha1_keymat_pfs);
	keymat_case(IKE_H_SHA256, v_sha256_skeyid_d, v_sha256_keymat, v_sha256_keymat_pfs);
}

static void
test_cbc_chain(void)
{
	uint8_t buf[48], iv[16];

	memcpy(iv, v_cbc_iv, 16);
	memcpy(buf, v_cbc_pt1, 48);
	CU_ASSERT_EQUAL(ike_cbc(IKE_ENC_AES_CBC, v_cbc_key, 32, iv, buf, 48, true), 0);
	EQ(buf, v_cbc_ct1, 48);
	EQ(iv, v_cbc_ct1 + 32, 16);              /* next IV = last ciphertext block */
	memcpy(buf, v_cbc_pt2, 32);
	CU_ASSERT_EQUAL(ike_cbc(IKE_ENC_AES_CBC, v_cbc_key, 32, iv, buf, 32, true), 0);
	EQ(buf, v_cbc_ct2, 32);
	/* decrypt side chains the same way */
	memcpy(iv, v_cbc_iv, 16);
	memcpy(buf, v_cbc_ct1, 48);
	CU_ASSERT_EQUAL(ike_cbc(IKE_ENC_AES_CBC, v_cbc_key, 32, iv, buf, 48, false), 0);
	EQ(buf, v_cbc_pt1, 48);
	EQ(iv, v_cbc_ct1 + 32, 16);
	memcpy(buf, v_cbc_ct2, 32);
	CU_ASSERT_EQUAL(ike_cbc(IKE_ENC_AES_CBC, v_cbc_key, 32, iv, buf, 32, false), 0);
	EQ(buf, v_cbc_pt2, 32);
	/* not a whole block, unknown algorithm, bad key length */
	CU_ASSERT(ike_cbc(IKE_ENC_AES_CBC, v_cbc_key, 32, iv, buf, 17, true) < 0);
	CU_ASSERT(ike_cbc(99, v_cbc_key, 32, iv, buf, 16, true) < 0);
	CU_ASSERT(ike_cbc(IKE_ENC_AES_CBC, v_cbc_key, 20, iv, buf, 16, true) < 0);
	/* 3DES: round trip with 8-byte blocks */
	memcpy(iv, v_cbc_iv, 8);
	memcpy(buf, v_cbc_pt1, 24);
	CU_ASSERT_EQUAL(ike_cbc(IKE_ENC_3DES, v_cbc_key, 24, iv, buf, 24, true), 0);
	CU_ASSERT(memcmp(buf, v_cbc_pt1, 24) != 0);
	memcpy(iv, v_cbc_iv, 8);
	CU_ASSERT_EQUAL(ike_cbc(IKE_ENC_3DES, v_cbc_key, 24, iv, buf, 24, false), 0);
	EQ(buf, v_cbc_pt1, 24);
}

static void
test_ct_compare(void)
{
	CU_ASSERT_EQUAL(ike_memeq_ct(v_ni, v_ni, 32), 0);
	CU_ASSERT(ike_memeq_ct(v_ni, v_nr, 24) != 0);
}

int
main(void)
{
	CU_pSuite s;
	unsigned int fails;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("ike_crypto", NULL, NULL);
	CU_add_test(s, "dh vectors (modp2048, modp1024, ecp256)", test_dh_vectors);
	CU_add_test(s, "dh fresh key pairs agree", test_dh_fresh);
	CU_add_test(s, "phase 1 sha1 derivations", test_p1_sha1);
	CU_add_test(s, "phase 1 sha256 derivations", test_p1_sha256);
	CU_add_test(s, "keymat with and without pfs", test_keymat);
	CU_add_test(s, "cbc iv chaining", test_cbc_chain);
	CU_add_test(s, "constant-time compare", test_ct_compare);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures();
	CU_cleanup_registry();
	return fails ? 1 : 0;
}
