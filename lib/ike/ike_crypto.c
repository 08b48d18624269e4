/* SPDX-License-Identifier: BSD-3-Clause */
/* IKEv1 cryptography over OpenSSL 3 EVP (no deprecated API). */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/dh.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>

#include "ike_crypto.h"
#include "ike_proto.h"

int
ike_hash_of(int hashalg)
{
	switch (hashalg) {
	case IKE_HASHALG_SHA1:   return IKE_H_SHA1;
	case IKE_HASHALG_SHA256: return IKE_H_SHA256;
	case IKE_HASHALG_SHA384: return IKE_H_SHA384;
	case IKE_HASHALG_SHA512: return IKE_H_SHA512;
	default:                 return -1;
	}
}

size_t
ike_hash_len(enum ike_hash h)
{
	switch (h) {
	case IKE_H_SHA256: return 32;
	case IKE_H_SHA384: return 48;
	case IKE_H_SHA512: return 64;
	default:           return 20;
	}
}

static const EVP_MD *
md_of(enum ike_hash h)
{
	switch (h) {
	case IKE_H_SHA256: return EVP_sha256();
	case IKE_H_SHA384: return EVP_sha384();
	case IKE_H_SHA512: return EVP_sha512();
	default:           return EVP_sha1();
	}
}

static const char *
md_name(enum ike_hash h)
{
	switch (h) {
	case IKE_H_SHA256: return "SHA256";
	case IKE_H_SHA384: return "SHA384";
	case IKE_H_SHA512: return "SHA512";
	default:           return "SHA1";
	}
}

int
ike_hash(enum ike_hash h, const struct ike_iov *v, unsigned int n, uint8_t *out)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	int ok;

	if (c == NULL)
		return -EIO;
	ok = EVP_DigestInit_ex(c, md_of(h), NULL);
	for (unsigned int i = 0; ok && i < n; i++)
		ok = EVP_DigestUpdate(c, v[i].p, v[i].len);
	ok = ok && EVP_DigestFinal_ex(c, out, NULL);
	EVP_MD_CTX_free(c);
	return ok ? 0 : -EIO;
}

/* HMAC, fetched once: a fetch searches the provider store under its lock, and
 * one Main Mode + Quick Mode runs the PRF about twenty times (the setup-rate
 * bench saw it). Freed at exit by OpenSSL's own cleanup of the store. */
static EVP_MAC *hmac_alg;
static pthread_once_t hmac_once = PTHREAD_ONCE_INIT;

static void
hmac_fetch(void)
{
	hmac_alg = EVP_MAC_fetch(NULL, "HMAC", NULL);
}

int
ike_prf(enum ike_hash h, const uint8_t *key, size_t klen, const struct ike_iov *v,
	unsigned int n, uint8_t *out)
{
	EVP_MAC_CTX *c;
	char dname[16];
	OSSL_PARAM params[2];
	size_t outl = 0;
	int ok;

	pthread_once(&hmac_once, hmac_fetch);
	c = hmac_alg ? EVP_MAC_CTX_new(hmac_alg) : NULL;
	ok = c != NULL;
	snprintf(dname, sizeof(dname), "%s", md_name(h));
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, dname, 0);
	params[1] = OSSL_PARAM_construct_end();
	ok = ok && EVP_MAC_init(c, key, klen, params);
	for (unsigned int i = 0; ok && i < n; i++)
		ok = EVP_MAC_update(c, v[i].p, v[i].len);
	ok = ok && EVP_MAC_final(c, out, &outl, IKE_HASH_MAX);
	EVP_MAC_CTX_free(c);
	return ok && outl == ike_hash_len(h) ? 0 : -EIO;
}

/* ---------------------------------------------------------------- DH --- */

/* RFC 2409 §6.2 (group 2) and RFC 3526 §3 (group 14); generator 2 for both. */
static const char modp1024_hex[] =
	"FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74"
	"020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437"
	"4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
	"EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE65381FFFFFFFFFFFFFFFF";
static const char modp2048_hex[] =
	"FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74"
	"020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437"
	"4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
	"EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF05"
	"98DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB"
	"9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
	"E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF695581718"
	"3995497CEA956AE515D2261898FA051015728E5A8AACAA68FFFFFFFFFFFFFFFF";

struct ike_dh {
	int group;
	EVP_PKEY *key;
	uint8_t pub[IKE_DH_MAX];
	size_t pub_len;
};

size_t
ike_dh_pub_len(int group)
{
	switch (group) {
	case IKE_GROUP_MODP1024: return 128;
	case IKE_GROUP_MODP1536: return 192;
	case IKE_GROUP_MODP2048: return 256;
	case IKE_GROUP_MODP3072: return 384;
	case IKE_GROUP_MODP4096: return 512;
	case IKE_GROUP_ECP256:   return 64;    /* RFC 5903: X | Y */
	case IKE_GROUP_ECP384:   return 96;
	case IKE_GROUP_ECP521:   return 132;
	default:                 return 0;
	}
}

static bool
is_ecp(int group)
{
	return group == IKE_GROUP_ECP256 || group == IKE_GROUP_ECP384 ||
	       group == IKE_GROUP_ECP521;
}

/* OpenSSL's name of a group it knows (RFC 3526 MODP groups, NIST curves);
 * NULL for group 2, which OpenSSL 3 does not name and we build from the prime. */
static const char *
group_name(int group)
{
	switch (group) {
	case IKE_GROUP_MODP1536: return "modp_1536";
	case IKE_GROUP_MODP3072: return "modp_3072";
	case IKE_GROUP_MODP4096: return "modp_4096";
	case IKE_GROUP_ECP256:   return "prime256v1";
	case IKE_GROUP_ECP384:   return "secp384r1";
	case IKE_GROUP_ECP521:   return "secp521r1";
	default:                 return NULL;
	}
}

/* Parameters (and optionally keys) of a group as an OSSL_PARAM list. */
static OSSL_PARAM *
group_params(int group, const uint8_t *priv, size_t priv_len, const uint8_t *pub,
	     size_t pub_len, BIGNUM **bns)
{
	OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
	OSSL_PARAM *out = NULL;
	uint8_t pt[1 + 132];   /* the builder keeps a pointer to it until to_param */
	int ok = b != NULL;

	if (is_ecp(group)) {
		size_t pl = ike_dh_pub_len(group);

		ok = ok && OSSL_PARAM_BLD_push_utf8_string(b, OSSL_PKEY_PARAM_GROUP_NAME,
							   group_name(group), 0);
		if (pub != NULL) {
			/* RFC 5903 §7: the KE payload is X | Y; OpenSSL wants SEC1 form */
			pt[0] = 0x04;
			memcpy(pt + 1, pub, pl);
			ok = ok && OSSL_PARAM_BLD_push_octet_string(b, OSSL_PKEY_PARAM_PUB_KEY,
								    pt, 1 + pl);
		}
	} else if (group_name(group) != NULL) {
		ok = ok && OSSL_PARAM_BLD_push_utf8_string(b, OSSL_PKEY_PARAM_GROUP_NAME,
							   group_name(group), 0);
		if (pub != NULL) {
			ok = ok && (bns[2] = BN_bin2bn(pub, (int)pub_len, NULL)) != NULL;
			ok = ok && OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_PUB_KEY, bns[2]);
		}
	} else {
		ok = ok && BN_hex2bn(&bns[0], group == IKE_GROUP_MODP1024 ? modp1024_hex
								      : modp2048_hex);
		ok = ok && (bns[1] = BN_new()) != NULL && BN_set_word(bns[1], 2);
		ok = ok && OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_FFC_P, bns[0]);
		ok = ok && OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_FFC_G, bns[1]);
		if (pub != NULL) {
			ok = ok && (bns[2] = BN_bin2bn(pub, (int)pub_len, NULL)) != NULL;
			ok = ok && OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_PUB_KEY, bns[2]);
		}
	}
	if (priv != NULL) {
		ok = ok && (bns[3] = BN_secure_new()) != NULL &&
		     BN_bin2bn(priv, (int)priv_len, bns[3]) != NULL;
		ok = ok && OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_PRIV_KEY, bns[3]);
	}
	if (ok)
		out = OSSL_PARAM_BLD_to_param(b);
	OSSL_PARAM_BLD_free(b);
	return out;
}

static void
free_bns(BIGNUM **bns)
{
	for (int i = 0; i < 4; i++)
		BN_clear_free(bns[i]);
}

static EVP_PKEY *
pkey_from(int group, int selection, const uint8_t *priv, size_t priv_len,
	  const uint8_t *pub, size_t pub_len)
{
	BIGNUM *bns[4] = { NULL, NULL, NULL, NULL };
	OSSL_PARAM *params = group_params(group, priv, priv_len, pub, pub_len, bns);
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_name(NULL, is_ecp(group) ? "EC" : "DH", NULL);
	EVP_PKEY *k = NULL;

	if (params == NULL || c == NULL || EVP_PKEY_fromdata_init(c) <= 0 ||
	    EVP_PKEY_fromdata(c, &k, selection, params) <= 0)
		k = NULL;
	EVP_PKEY_CTX_free(c);
	OSSL_PARAM_free(params);
	free_bns(bns);
	return k;
}

static int
export_pub(struct ike_dh *dh)
{
	size_t want = ike_dh_pub_len(dh->group);

	if (is_ecp(dh->group)) {
		uint8_t pt[1 + 132 + 8];
		size_t l = 0;

		if (!EVP_PKEY_get_octet_string_param(dh->key, OSSL_PKEY_PARAM_PUB_KEY, pt,
						     sizeof(pt), &l) || l != 1 + want || pt[0] != 4)
			return -EIO;
		memcpy(dh->pub, pt + 1, want);
	} else {
		BIGNUM *y = NULL;
		int ok = EVP_PKEY_get_bn_param(dh->key, OSSL_PKEY_PARAM_PUB_KEY, &y) &&
			 BN_bn2binpad(y, dh->pub, (int)want) == (int)want;

		BN_free(y);
		if (!ok)
			return -EIO;
	}
	dh->pub_len = want;
	return 0;
}

/* Each group's domain parameters as a key object, built once: parsing the
 * prime and building the key from data cost as much as an ECP256 key pair. */
#define N_GROUPS 8
static const int grp_ids[N_GROUPS] = {
	IKE_GROUP_MODP1024, IKE_GROUP_MODP1536, IKE_GROUP_MODP2048, IKE_GROUP_MODP3072,
	IKE_GROUP_MODP4096, IKE_GROUP_ECP256, IKE_GROUP_ECP384, IKE_GROUP_ECP521,
};
static EVP_PKEY *grp_params[N_GROUPS];
static pthread_once_t grp_once = PTHREAD_ONCE_INIT;

static int
grp_index(int group)
{
	for (int i = 0; i < N_GROUPS; i++)
		if (grp_ids[i] == group)
			return i;
	return 0;   /* not reached: callers check ike_dh_pub_len() first */
}

static void
grp_build(void)
{
	for (int i = 0; i < N_GROUPS; i++)
		grp_params[i] = pkey_from(grp_ids[i], EVP_PKEY_KEY_PARAMETERS, NULL, 0, NULL, 0);
}

struct ike_dh *
ike_dh_new(int group)
{
	struct ike_dh *dh;
	EVP_PKEY *params;
	EVP_PKEY_CTX *c = NULL;

	if (ike_dh_pub_len(group) == 0)
		return NULL;
	dh = calloc(1, sizeof(*dh));
	if (dh == NULL)
		return NULL;
	dh->group = group;
	pthread_once(&grp_once, grp_build);
	params = grp_params[grp_index(group)];
	if (params != NULL)
		c = EVP_PKEY_CTX_new_from_pkey(NULL, params, NULL);
	if (c == NULL || EVP_PKEY_keygen_init(c) <= 0 || EVP_PKEY_generate(c, &dh->key) <= 0 ||
	    export_pub(dh) < 0) {
		EVP_PKEY_CTX_free(c);
		ike_dh_free(dh);
		return NULL;
	}
	EVP_PKEY_CTX_free(c);
	return dh;
}

struct ike_dh *
ike_dh_import(int group, const uint8_t *priv, size_t priv_len, const uint8_t *pub,
	      size_t pub_len)
{
	struct ike_dh *dh;

	if (ike_dh_pub_len(group) != pub_len)
		return NULL;
	dh = calloc(1, sizeof(*dh));
	if (dh == NULL)
		return NULL;
	dh->group = group;
	dh->key = pkey_from(group, EVP_PKEY_KEYPAIR, priv, priv_len, pub, pub_len);
	if (dh->key == NULL || export_pub(dh) < 0) {
		ike_dh_free(dh);
		return NULL;
	}
	return dh;
}

const uint8_t *
ike_dh_pub(const struct ike_dh *dh, size_t *len)
{
	*len = dh->pub_len;
	return dh->pub;
}

int
ike_dh_shared(struct ike_dh *dh, const uint8_t *peer, size_t peer_len,
	      uint8_t out[IKE_DH_MAX])
{
	EVP_PKEY *pk;
	EVP_PKEY_CTX *c;
	size_t l = IKE_DH_MAX;
	int ok;

	if (peer_len != dh->pub_len)
		return -EINVAL;
	pk = pkey_from(dh->group, EVP_PKEY_PUBLIC_KEY, NULL, 0, peer, peer_len);
	if (pk == NULL)
		return -EINVAL;   /* not a point on the curve, or not a number */
	c = EVP_PKEY_CTX_new_from_pkey(NULL, dh->key, NULL);
	ok = c != NULL && EVP_PKEY_derive_init(c) > 0;
	/* RFC 2409 §5: g^xy keeps the leading zeros of the prime's length */
	if (ok && !is_ecp(dh->group))
		ok = EVP_PKEY_CTX_set_dh_pad(c, 1) > 0;
	/* validate=1 refuses 0, 1, p-1 and off-curve points (small-subgroup attacks) */
	ok = ok && EVP_PKEY_derive_set_peer_ex(c, pk, 1) > 0;
	ok = ok && EVP_PKEY_derive(c, out, &l) > 0;
	EVP_PKEY_CTX_free(c);
	EVP_PKEY_free(pk);
	if (!ok) {
		ike_wipe(out, IKE_DH_MAX);
		return -EINVAL;
	}
	return (int)l;
}

void
ike_dh_free(struct ike_dh *dh)
{
	if (dh == NULL)
		return;
	EVP_PKEY_free(dh->key);   /* OpenSSL clears private BIGNUMs on free */
	ike_wipe(dh, sizeof(*dh));
	free(dh);
}

/* --------------------------------------------------- key derivation --- */

static int p1_derive_rest(enum ike_hash h, const uint8_t *gxy, size_t gxy_len,
			  const uint8_t icky[8], const uint8_t rcky[8], struct ike_p1_keys *k);

int
ike_p1_derive(enum ike_hash h, const uint8_t *psk, size_t psk_len,
	      const uint8_t *ni, size_t ni_len, const uint8_t *nr, size_t nr_len,
	      const uint8_t *gxy, size_t gxy_len, const uint8_t icky[8],
	      const uint8_t rcky[8], struct ike_p1_keys *k)
{
	/* RFC 2409 §5.4: SKEYID = prf(pre-shared-key, Ni_b | Nr_b) */
	struct ike_iov v[2] = { { ni, ni_len }, { nr, nr_len } };
	int rc;

	k->len = ike_hash_len(h);
	rc = ike_prf(h, psk, psk_len, v, 2, k->skeyid);
	return rc ? rc : p1_derive_rest(h, gxy, gxy_len, icky, rcky, k);
}

int
ike_p1_derive_sig(enum ike_hash h, const uint8_t *ni, size_t ni_len, const uint8_t *nr,
		  size_t nr_len, const uint8_t *gxy, size_t gxy_len, const uint8_t icky[8],
		  const uint8_t rcky[8], struct ike_p1_keys *k)
{
	uint8_t key[256 + 256];
	/* RFC 2409 §5: for signatures SKEYID = prf(Ni_b | Nr_b, g^xy) */
	struct ike_iov v = { gxy, gxy_len };
	int rc;

	if (ni_len > 256 || nr_len > 256)
		return -EINVAL;
	memcpy(key, ni, ni_len);
	memcpy(key + ni_len, nr, nr_len);
	k->len = ike_hash_len(h);
	rc = ike_prf(h, key, ni_len + nr_len, &v, 1, k->skeyid);
	ike_wipe(key, sizeof(key));
	return rc ? rc : p1_derive_rest(h, gxy, gxy_len, icky, rcky, k);
}

/* SKEYID_d, _a, _e from SKEYID (the same for every authentication method) */
static int
p1_derive_rest(enum ike_hash h, const uint8_t *gxy, size_t gxy_len, const uint8_t icky[8],
	       const uint8_t rcky[8], struct ike_p1_keys *k)
{
	static const uint8_t c0 = 0, c1 = 1, c2 = 2;
	size_t hl = k->len;
	struct ike_iov v[4];
	int rc = 0;

	/* RFC 2409 §5: SKEYID_d = prf(SKEYID, g^xy | CKY-I | CKY-R | 0) ... */
	v[0] = (struct ike_iov){ gxy, gxy_len };
	v[1] = (struct ike_iov){ icky, 8 };
	v[2] = (struct ike_iov){ rcky, 8 };
	v[3] = (struct ike_iov){ &c0, 1 };
	rc = rc ? rc : ike_prf(h, k->skeyid, hl, v, 4, k->d);
	/* SKEYID_a = prf(SKEYID, SKEYID_d | g^xy | CKY-I | CKY-R | 1) */
	struct ike_iov w[5] = { { k->d, hl }, v[0], v[1], v[2], { &c1, 1 } };
	rc = rc ? rc : ike_prf(h, k->skeyid, hl, w, 5, k->a);
	/* SKEYID_e = prf(SKEYID, SKEYID_a | g^xy | CKY-I | CKY-R | 2) */
	w[0] = (struct ike_iov){ k->a, hl };
	w[4] = (struct ike_iov){ &c2, 1 };
	rc = rc ? rc : ike_prf(h, k->skeyid, hl, w, 5, k->e);
	if (rc)
		ike_wipe(k, sizeof(*k));
	return rc;
}

int
ike_p1_enc_key(enum ike_hash h, const uint8_t *skeyid_e, size_t e_len, uint8_t *key,
	       size_t key_len)
{
	uint8_t blk[IKE_HASH_MAX];
	size_t hl = ike_hash_len(h), off = 0;
	static const uint8_t zero = 0;

	if (key_len <= e_len) {
		memcpy(key, skeyid_e, key_len);
		return 0;
	}
	/* RFC 2409 appendix B: Ka = K1 | K2 | ..., K1 = prf(SKEYID_e, 0),
	 * Kn = prf(SKEYID_e, Kn-1) */
	struct ike_iov v = { &zero, 1 };
	while (off < key_len) {
		size_t n = key_len - off < hl ? key_len - off : hl;

		if (ike_prf(h, skeyid_e, e_len, &v, 1, blk) < 0) {
			ike_wipe(blk, sizeof(blk));
			return -EIO;
		}
		memcpy(key + off, blk, n);
		off += n;
		v = (struct ike_iov){ key + off - hl, hl };
		if (n < hl)
			break;
	}
	ike_wipe(blk, sizeof(blk));
	return 0;
}

int
ike_p1_iv(enum ike_hash h, const uint8_t *gxi, size_t gxi_len, const uint8_t *gxr,
	  size_t gxr_len, uint8_t *iv, size_t block)
{
	uint8_t d[IKE_HASH_MAX];
	struct ike_iov v[2] = { { gxi, gxi_len }, { gxr, gxr_len } };

	if (ike_hash(h, v, 2, d) < 0)
		return -EIO;
	memcpy(iv, d, block);
	return 0;
}

int
ike_p2_iv(enum ike_hash h, const uint8_t *p1_last, size_t block, uint32_t msgid,
	  uint8_t *iv)
{
	uint8_t d[IKE_HASH_MAX], mid[4];
	struct ike_iov v[2] = { { p1_last, block }, { mid, 4 } };

	mid[0] = (uint8_t)(msgid >> 24);
	mid[1] = (uint8_t)(msgid >> 16);
	mid[2] = (uint8_t)(msgid >> 8);
	mid[3] = (uint8_t)msgid;
	if (ike_hash(h, v, 2, d) < 0)
		return -EIO;
	memcpy(iv, d, block);
	return 0;
}

int
ike_keymat(enum ike_hash h, const uint8_t *skeyid_d, size_t d_len,
	   const uint8_t *gxy, size_t gxy_len, uint8_t proto, uint32_t spi,
	   const uint8_t *ni, size_t ni_len, const uint8_t *nr, size_t nr_len,
	   uint8_t *out, size_t out_len)
{
	uint8_t blk[IKE_HASH_MAX], sp[4];
	size_t hl = ike_hash_len(h), off = 0;
	struct ike_iov v[6];
	unsigned int n = 0;

	sp[0] = (uint8_t)(spi >> 24);
	sp[1] = (uint8_t)(spi >> 16);
	sp[2] = (uint8_t)(spi >> 8);
	sp[3] = (uint8_t)spi;
	v[n++] = (struct ike_iov){ NULL, 0 };   /* K(n-1), empty for K1 */
	if (gxy != NULL && gxy_len)
		v[n++] = (struct ike_iov){ gxy, gxy_len };
	v[n++] = (struct ike_iov){ &proto, 1 };
	v[n++] = (struct ike_iov){ sp, 4 };
	v[n++] = (struct ike_iov){ ni, ni_len };
	v[n++] = (struct ike_iov){ nr, nr_len };
	/* RFC 2409 §5.5: KEYMAT = K1 | K2 | ..., K1 = prf(SKEYID_d, [g^xy|] prot | SPI |
	 * Ni_b | Nr_b), Kn = prf(SKEYID_d, Kn-1 | [g^xy|] prot | SPI | Ni_b | Nr_b) */
	while (off < out_len) {
		size_t c = out_len - off < hl ? out_len - off : hl;

		if (ike_prf(h, skeyid_d, d_len, v, n, blk) < 0) {
			ike_wipe(blk, sizeof(blk));
			ike_wipe(out, out_len);
			return -EIO;
		}
		memcpy(out + off, blk, c);
		v[0] = (struct ike_iov){ out + off, hl };
		off += c;
	}
	ike_wipe(blk, sizeof(blk));
	return 0;
}

int
ike_p1_hash(enum ike_hash h, const uint8_t *skeyid, size_t skeyid_len,
	    const uint8_t *gxa, const uint8_t *gxb, size_t gx_len,
	    const uint8_t cky_a[8], const uint8_t cky_b[8],
	    const uint8_t *sa_b, size_t sa_len, const uint8_t *id_b, size_t id_len,
	    uint8_t *out)
{
	struct ike_iov v[6] = { { gxa, gx_len }, { gxb, gx_len }, { cky_a, 8 },
				{ cky_b, 8 }, { sa_b, sa_len }, { id_b, id_len } };

	return ike_prf(h, skeyid, skeyid_len, v, 6, out);
}

int
ike_natd_hash(enum ike_hash h, const uint8_t icky[8], const uint8_t rcky[8],
	      uint32_t addr, uint16_t port, uint8_t *out)
{
	uint8_t pt[2] = { (uint8_t)(port >> 8), (uint8_t)port };
	struct ike_iov v[4] = { { icky, 8 }, { rcky, 8 }, { &addr, 4 }, { pt, 2 } };

	return ike_hash(h, v, 4, out);
}

/* ------------------------------------------------------------- cipher --- */

size_t
ike_cipher_block(int enc)
{
	switch (enc) {
	case IKE_ENC_AES_CBC: return 16;
	case IKE_ENC_3DES:    return 8;
	default:              return 0;
	}
}

static const EVP_CIPHER *
cipher_of(int enc, size_t key_len)
{
	if (enc == IKE_ENC_3DES)
		return key_len == 24 ? EVP_des_ede3_cbc() : NULL;
	if (enc != IKE_ENC_AES_CBC)
		return NULL;
	switch (key_len) {
	case 16: return EVP_aes_128_cbc();
	case 24: return EVP_aes_192_cbc();
	case 32: return EVP_aes_256_cbc();
	default: return NULL;
	}
}

int
ike_cbc(int enc, const uint8_t *key, size_t key_len, uint8_t *iv, uint8_t *buf,
	size_t len, bool encrypt)
{
	const EVP_CIPHER *ci = cipher_of(enc, key_len);
	size_t bs = ike_cipher_block(enc);
	uint8_t next_iv[IKE_BLOCK_MAX];
	EVP_CIPHER_CTX *c;
	int outl = 0, ok;

	if (ci == NULL || len == 0 || len % bs != 0 || len > INT32_MAX)
		return -EINVAL;
	/* the next IV is the last ciphertext block: read it before it is overwritten */
	if (!encrypt)
		memcpy(next_iv, buf + len - bs, bs);
	c = EVP_CIPHER_CTX_new();
	ok = c != NULL && EVP_CipherInit_ex(c, ci, NULL, key, iv, encrypt ? 1 : 0);
	ok = ok && EVP_CIPHER_CTX_set_padding(c, 0);
	ok = ok && EVP_CipherUpdate(c, buf, &outl, buf, (int)len) && (size_t)outl == len;
	EVP_CIPHER_CTX_free(c);
	if (!ok)
		return -EIO;
	memcpy(iv, encrypt ? buf + len - bs : next_iv, bs);
	return 0;
}

int
ike_random(void *buf, size_t len)
{
	return RAND_bytes(buf, (int)len) == 1 ? 0 : -EIO;
}

int
ike_memeq_ct(const void *a, const void *b, size_t len)
{
	return CRYPTO_memcmp(a, b, len);
}

void
ike_wipe(void *p, size_t len)
{
	OPENSSL_cleanse(p, len);
}
