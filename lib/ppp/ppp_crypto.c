/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Hash and cipher primitives for CHAP and MS-CHAPv2.
 *
 * MD4 and single DES: OpenSSL 3 moved them to the legacy provider, which is a
 * separately loaded module that a system's openssl.cnf may or may not make
 * available, so EVP_MD_fetch("MD4") can fail at run time on a stock system.
 * The low-level MD4() and DES_ecb_encrypt() are compiled into libcrypto itself
 * (Debian 12 builds OpenSSL with the deprecated API) and need no provider, so
 * we use those, with the deprecation warnings suppressed here only. The unit
 * tests check both against RFC 1320 and FIPS 81 vectors, so a libcrypto
 * without them fails loudly at build or test time, never silently.
 */
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <string.h>
#include <sys/random.h>

#include <openssl/des.h>
#include <openssl/evp.h>
#include <openssl/md4.h>
#include <openssl/rand.h>

#include "ppp_priv.h"

void
ppp_random(void *buf, size_t len)
{
	if (RAND_bytes(buf, (int)len) == 1)
		return;
	/* RAND_bytes only fails when the system has no entropy at all */
	if (getrandom(buf, len, 0) != (ssize_t)len)
		memset(buf, 0x5a, len);
}

void
lns_md4(const uint8_t *data, size_t len, uint8_t out[16])
{
	MD4(data, len, out);
}

void
lns_des_7(const uint8_t c[7], const uint8_t in[8], uint8_t out[8])
{
	DES_cblock key, blk;
	DES_key_schedule ks;

	/* RFC 2759 §8.6: the 56 key bits, spread over 8 octets (parity unused) */
	key[0] = c[0] & 0xfe;
	for (int i = 1; i < 7; i++)
		key[i] = (uint8_t)((c[i - 1] << (8 - i)) | (c[i] >> i)) & 0xfe;
	key[7] = (uint8_t)(c[6] << 1);
	DES_set_key_unchecked(&key, &ks);
	memcpy(blk, in, 8);
	DES_ecb_encrypt(&blk, (DES_cblock *)out, &ks, DES_ENCRYPT);
	OPENSSL_cleanse(&ks, sizeof(ks));
	OPENSSL_cleanse(key, sizeof(key));
}

void
lns_chap_md5(uint8_t id, const uint8_t *secret, size_t secret_len,
	     const uint8_t *chal, size_t chal_len, uint8_t out[16])
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	unsigned int n = 16;

	if (!c || EVP_DigestInit_ex(c, EVP_md5(), NULL) != 1 ||
	    EVP_DigestUpdate(c, &id, 1) != 1 ||
	    EVP_DigestUpdate(c, secret, secret_len) != 1 ||
	    EVP_DigestUpdate(c, chal, chal_len) != 1 ||
	    EVP_DigestFinal_ex(c, out, &n) != 1)
		ppp_random(out, 16);   /* never matches: authentication fails closed */
	EVP_MD_CTX_free(c);
}
