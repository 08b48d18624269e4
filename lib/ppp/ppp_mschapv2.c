/* SPDX-License-Identifier: BSD-3-Clause */
/* MS-CHAPv2 (RFC 2759 §8): NT-Response and the authenticator response. */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "lns_ppp_auth.h"

static void
sha1(const void *a, size_t al, const void *b, size_t bl, const void *c, size_t cl,
     uint8_t out[20])
{
	EVP_MD_CTX *x = EVP_MD_CTX_new();
	unsigned int n = 20;

	if (!x || EVP_DigestInit_ex(x, EVP_sha1(), NULL) != 1 ||
	    EVP_DigestUpdate(x, a, al) != 1 || EVP_DigestUpdate(x, b, bl) != 1 ||
	    EVP_DigestUpdate(x, c, cl) != 1 || EVP_DigestFinal_ex(x, out, &n) != 1)
		memset(out, 0, 20);
	EVP_MD_CTX_free(x);
}

/* §8.2: the user name without a "DOMAIN\" prefix, as Windows hashes it */
static const char *
bare_user(const char *user)
{
	const char *s = strrchr(user, '\\');

	return s ? s + 1 : user;
}

static void
challenge_hash(const uint8_t peer[16], const uint8_t auth[16], const char *user,
	       uint8_t out[8])
{
	uint8_t d[20];
	const char *u = bare_user(user);

	sha1(peer, 16, auth, 16, u, strlen(u), d);
	memcpy(out, d, 8);
}

void
lns_mschap_nt_hash(const uint8_t *pw, size_t pw_len, uint8_t hash[16])
{
	uint8_t uni[2 * 256];

	/* §8.3: passwords are at most 256 characters */
	if (pw_len > 256)
		pw_len = 256;
	for (size_t i = 0; i < pw_len; i++) {
		uni[2 * i] = pw[i];
		uni[2 * i + 1] = 0;
	}
	lns_md4(uni, 2 * pw_len, hash);
	OPENSSL_cleanse(uni, sizeof(uni));
}

void
lns_mschap_nt_response(const uint8_t auth_chal[16], const uint8_t peer_chal[16],
		       const char *user, const uint8_t nt_hash[16], uint8_t resp[24])
{
	uint8_t ch[8], z[21];

	challenge_hash(peer_chal, auth_chal, user, ch);
	/* §8.5 ChallengeResponse: three DES blocks keyed by the zero-padded hash */
	memset(z, 0, sizeof(z));
	memcpy(z, nt_hash, 16);
	lns_des_7(z, ch, resp);
	lns_des_7(z + 7, ch, resp + 8);
	lns_des_7(z + 14, ch, resp + 16);
	OPENSSL_cleanse(z, sizeof(z));
}

void
lns_mschap_auth_response(const uint8_t nt_hash[16], const uint8_t nt_resp[24],
			 const uint8_t peer_chal[16], const uint8_t auth_chal[16],
			 const char *user, char out[LNS_MSCHAP_AUTH_RESP_LEN + 1])
{
	static const char magic1[] = "Magic server to client signing constant";
	static const char magic2[] = "Pad to make it do more than one iteration";
	uint8_t hh[16], d[20], ch[8];

	lns_md4(nt_hash, 16, hh);                       /* PasswordHashHash */
	sha1(hh, 16, nt_resp, 24, magic1, sizeof(magic1) - 1, d);
	challenge_hash(peer_chal, auth_chal, user, ch);
	sha1(d, 20, ch, 8, magic2, sizeof(magic2) - 1, d);
	out[0] = 'S';
	out[1] = '=';
	for (int i = 0; i < 20; i++)
		snprintf(out + 2 + 2 * i, 3, "%02X", d[i]);
	OPENSSL_cleanse(hh, sizeof(hh));
}
