/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of lib/esp.
 *
 * - Published vectors: HMAC-SHA1 (RFC 2202 3) and HMAC-SHA256 (RFC 4231 4) through the
 *   ipad/opad precompute; the AES-CBC ESP packets of RFC 3602 4 (cases 5-8) and the
 *   RFC 4106 ESP packets of draft-mcgrew-gcm-test-01 4, in both directions.
 * - scapy, an independent implementation: esp/scapy_vectors.txt (from
 *   esp/gen_vectors.py) decrypted byte-exact; our outbound packets decrypted by scapy
 *   (esp/check_outbound.py, run from here, must succeed, and must fail on a corrupted
 *   copy).
 * - Hostile input: every single-bit flip, every truncation, bad padding, replays,
 *   windows of 0 and 4096 (and a randomized model check of the window), sequence
 *   number exhaustion, expired SAs, multi-segment mbufs, no room, burst ordering.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include <rte_byteorder.h>
#include <rte_eal.h>
#include <rte_ip.h>
#include <rte_udp.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "esp_priv.h"
#include "lns_esp.h"

static IMB_MGR *mgr;
static struct rte_mempool *pool;

/* ---- helpers ------------------------------------------------------------------ */

static int
nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Hex to bytes; "-" is empty. Returns the length, or -1. */
static int
unhex(const char *s, uint8_t *out, size_t max)
{
	size_t n = strlen(s);

	if (strcmp(s, "-") == 0)
		return 0;
	if (n % 2 != 0 || n / 2 > max)
		return -1;
	for (size_t i = 0; i < n / 2; i++) {
		int hi = nibble(s[2 * i]), lo = nibble(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return (int)(n / 2);
}

/* Test-vector notation: "=text", "HH*N" (byte HH N times), or hex. */
static int
spec(const char *s, uint8_t *out, size_t max)
{
	const char *star = strchr(s, '*');

	if (s[0] == '=') {
		size_t n = strlen(s + 1);

		if (n > max)
			return -1;
		memcpy(out, s + 1, n);
		return (int)n;
	}
	if (star != NULL) {
		int b = nibble(s[0]) << 4 | nibble(s[1]);
		int n = atoi(star + 1);

		if (n < 0 || (size_t)n > max)
			return -1;
		memset(out, b, (size_t)n);
		return n;
	}
	return unhex(s, out, max);
}

static void
hexout(FILE *f, const uint8_t *p, size_t n)
{
	if (n == 0)
		fputc('-', f);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%02x", p[i]);
}

/* Path of a file under tests/unit/esp/, from tests/unit (meson) or the repository root. */
static const char *
esp_file(const char *name)
{
	static char path[512];
	const char *dirs[] = { "esp", "tests/unit/esp" };

	for (unsigned int i = 0; i < RTE_DIM(dirs); i++) {
		snprintf(path, sizeof(path), "%s/%s", dirs[i], name);
		if (access(path, R_OK) == 0)
			return path;
	}
	return NULL;
}

struct alg {
	const char *name;	/* strongSwan-style proposal name */
	enum lns_esp_cipher cipher;
	enum lns_esp_auth auth;
	uint16_t enc_len;	/* GCM: key + 4-byte salt */
	uint16_t auth_len;
};

static const struct alg algs[] = {
	{ "aes128gcm16", LNS_ESP_CIPHER_AES_GCM16, LNS_ESP_AUTH_NONE, 20, 0 },
	{ "aes256gcm16", LNS_ESP_CIPHER_AES_GCM16, LNS_ESP_AUTH_NONE, 36, 0 },
	{ "aes128-sha1", LNS_ESP_CIPHER_AES_CBC, LNS_ESP_AUTH_HMAC_SHA1_96, 16, 20 },
	{ "aes256-sha1", LNS_ESP_CIPHER_AES_CBC, LNS_ESP_AUTH_HMAC_SHA1_96, 32, 20 },
	{ "aes128-sha256", LNS_ESP_CIPHER_AES_CBC, LNS_ESP_AUTH_HMAC_SHA256_128, 16, 32 },
	{ "aes256-sha256", LNS_ESP_CIPHER_AES_CBC, LNS_ESP_AUTH_HMAC_SHA256_128, 32, 32 },
	{ "3des-sha1", LNS_ESP_CIPHER_3DES_CBC, LNS_ESP_AUTH_HMAC_SHA1_96, 24, 20 },
	{ "3des-sha256", LNS_ESP_CIPHER_3DES_CBC, LNS_ESP_AUTH_HMAC_SHA256_128, 24, 32 },
};

/* Alignment of payload + trailer: the cipher block for CBC, 4 bytes for GCM. */
static unsigned int
alg_block(const struct alg *a)
{
	return a->cipher == LNS_ESP_CIPHER_AES_CBC ? 16u :
	       a->cipher == LNS_ESP_CIPHER_3DES_CBC ? 8u : 4u;
}

static const struct alg *
alg_by_name(const char *name)
{
	for (unsigned int i = 0; i < RTE_DIM(algs); i++)
		if (strcmp(algs[i].name, name) == 0)
			return &algs[i];
	return NULL;
}

struct sa_args {
	const struct alg *a;
	enum lns_esp_dir dir;
	enum lns_esp_mode mode;
	uint32_t spi;
	const uint8_t *ekey;
	const uint8_t *akey;
	uint32_t win;
	uint32_t seq_init;
	const uint8_t *seed;
};

static struct lns_esp_sa *
sa_make(const struct sa_args *x)
{
	struct lns_esp_sa_params prm = {
		.spi = x->spi, .dir = x->dir, .mode = x->mode,
		.cipher = x->a->cipher, .auth = x->a->auth,
		.enc_key = x->ekey, .enc_key_len = x->a->enc_len,
		.auth_key = x->akey, .auth_key_len = x->a->auth_len,
		.replay_win = x->win, .seq_init = x->seq_init, .iv_seed = x->seed,
	};
	int sz = lns_esp_sa_size(&prm);
	struct lns_esp_sa *sa;

	if (sz <= 0)
		return NULL;
	sa = rte_zmalloc("esp_sa", (size_t)sz, RTE_CACHE_LINE_SIZE);
	if (sa != NULL && lns_esp_sa_init(sa, mgr, &prm) != 0) {
		rte_free(sa);
		sa = NULL;
	}
	return sa;
}

static void
sa_free(struct lns_esp_sa *sa)
{
	if (sa != NULL) {
		lns_esp_sa_clear(sa);
		rte_free(sa);
	}
}

static struct rte_mbuf *
mbuf_with(const uint8_t *data, uint32_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	if (len != 0) {
		char *p = rte_pktmbuf_append(m, (uint16_t)len);

		CU_ASSERT_PTR_NOT_NULL_FATAL(p);
		memcpy(p, data, len);
	}
	return m;
}

static void
free_all(struct rte_mbuf *mb[], unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		rte_pktmbuf_free(mb[i]);
}

/* One packet through the inbound burst: status (LNS_ESP_OK when good) and next header. */
static uint8_t
inb1(struct lns_esp_sa *sa, struct rte_mbuf *m, uint8_t *nh)
{
	struct lns_esp_sa *s[1] = { sa };
	struct rte_mbuf *b[1] = { m };
	uint8_t st[1] = { 0xee };

	if (lns_esp_inbound(mgr, s, b, 1, st) == 1) {
		if (nh != NULL)
			*nh = st[0];
		return LNS_ESP_OK;
	}
	return st[0];
}

/* Keys and SAs of one algorithm for the hostile tests. */
struct kit {
	const struct alg *a;
	uint8_t ekey[36];
	uint8_t akey[32];
};

#define KIT_SPI 0x1234abcdu

static void
kit_init(struct kit *k, const struct alg *a)
{
	k->a = a;
	for (unsigned int i = 0; i < sizeof(k->ekey); i++)
		k->ekey[i] = (uint8_t)(0x40 + 3 * i);
	for (unsigned int i = 0; i < sizeof(k->akey); i++)
		k->akey[i] = (uint8_t)(0x90 + 5 * i);
}

static struct lns_esp_sa *
kit_sa(const struct kit *k, enum lns_esp_dir dir, uint32_t win, uint32_t seq_init)
{
	struct sa_args x = { k->a, dir, LNS_ESP_MODE_TRANSPORT, KIT_SPI, k->ekey,
			     k->akey, win, seq_init, NULL };

	return sa_make(&x);
}

static void
pattern(uint8_t *p, uint16_t len)
{
	for (uint16_t i = 0; i < len; i++)
		p[i] = (uint8_t)(i * 7 + len);
}

static int
has_pattern(const struct rte_mbuf *m, uint16_t len)
{
	uint8_t want[2048];

	pattern(want, len);
	return m->data_len == len && m->pkt_len == len &&
	       memcmp(rte_pktmbuf_mtod(m, const uint8_t *), want, len) == 0;
}

/* An ESP packet of the kit's keys carrying sequence number seq and len pattern bytes. */
static struct rte_mbuf *
kit_packet(const struct kit *k, uint32_t seq, uint16_t len, uint8_t nh)
{
	struct lns_esp_sa *out = kit_sa(k, LNS_ESP_DIR_OUT, 0, seq - 1);
	uint8_t data[2048], st[1];
	struct rte_mbuf *m;

	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	pattern(data, len);
	m = mbuf_with(data, len);
	CU_ASSERT_EQUAL_FATAL(lns_esp_outbound(mgr, &out, &m, 1, &nh, st), 1);
	sa_free(out);
	return m;
}

/* ---- API basics --------------------------------------------------------------- */

static void
test_status_names(void)
{
	for (unsigned int s = 0; s < LNS_ESP_STATUS_MAX; s++) {
		const char *n = lns_esp_status_name(s);

		CU_ASSERT_EQUAL(strncmp(n, "esp_", 4), 0);
		CU_ASSERT_EQUAL(strspn(n, "abcdefghijklmnopqrstuvwxyz0123456789_"), strlen(n));
		CU_ASSERT(strlen(lns_esp_status_help(s)) > 10);
		for (unsigned int t = s + 1; t < LNS_ESP_STATUS_MAX; t++)
			CU_ASSERT(strcmp(n, lns_esp_status_name(t)) != 0);
	}
	CU_ASSERT_EQUAL(LNS_ESP_OK, 0);
	CU_ASSERT_STRING_EQUAL(lns_esp_status_name(LNS_ESP_STATUS_MAX), "?");
	CU_ASSERT_STRING_EQUAL(lns_esp_status_help(255), "?");
}

static void
test_mgr(void)
{
	IMB_MGR *m2 = lns_esp_mgr_create();

	CU_ASSERT_PTR_NOT_NULL_FATAL(m2);
	CU_ASSERT_STRING_NOT_EQUAL(lns_esp_mgr_arch(m2), "?");
	CU_ASSERT_STRING_EQUAL(lns_esp_mgr_arch(m2), lns_esp_mgr_arch(mgr));
	printf("[IPsec-MB %s, arch %s] ", imb_get_version_str(), lns_esp_mgr_arch(m2));
	lns_esp_mgr_free(m2);
	lns_esp_mgr_free(NULL);
}

static void
test_sa_params(void)
{
	uint8_t key[64] = { 1, 2, 3 };
	struct lns_esp_sa_params ok = {
		.spi = 7, .dir = LNS_ESP_DIR_IN, .cipher = LNS_ESP_CIPHER_AES_CBC,
		.auth = LNS_ESP_AUTH_HMAC_SHA1_96, .enc_key = key, .enc_key_len = 16,
		.auth_key = key, .auth_key_len = 20, .replay_win = 64,
	};
	struct lns_esp_sa_params p;
	struct lns_esp_sa *sa;
	uint8_t *raw;

	CU_ASSERT_EQUAL(lns_esp_sa_size(&ok), (int)sizeof(struct lns_esp_sa));
	p = ok;
	p.replay_win = LNS_ESP_REPLAY_WIN_MAX;
	/* 4096 packets: 65 words rounded to 128, 1 KiB behind the fixed part. */
	CU_ASSERT_EQUAL(lns_esp_sa_size(&p),
			(int)RTE_ALIGN_CEIL(offsetof(struct lns_esp_sa, rp_bmp) + 128 * 8,
					    RTE_CACHE_LINE_SIZE));
	CU_ASSERT_EQUAL(lns_esp_sa_size(&p) % RTE_CACHE_LINE_SIZE, 0);
	p.replay_win = LNS_ESP_REPLAY_WIN_MAX + 1;
	CU_ASSERT_EQUAL(lns_esp_sa_size(&p), -EINVAL);
	p.dir = LNS_ESP_DIR_OUT;	/* no window outbound */
	CU_ASSERT_EQUAL(lns_esp_sa_size(&p), (int)sizeof(struct lns_esp_sa));

	raw = rte_zmalloc(NULL, 8192, RTE_CACHE_LINE_SIZE);
	CU_ASSERT_PTR_NOT_NULL_FATAL(raw);
	sa = (struct lns_esp_sa *)raw;
	CU_ASSERT_EQUAL(lns_esp_sa_init(sa, mgr, &ok), 0);
	CU_ASSERT_EQUAL(lns_esp_sa_hdr_len(sa), 24u);
	CU_ASSERT_EQUAL(lns_esp_sa_tail_max(sa), 15u + 2 + 12);
	CU_ASSERT_FALSE(lns_esp_sa_expired(sa));
	lns_esp_sa_expire(sa);
	CU_ASSERT_TRUE(lns_esp_sa_expired(sa));
	/* Misaligned memory is refused. */
	CU_ASSERT_EQUAL(lns_esp_sa_init((struct lns_esp_sa *)(void *)(raw + 64 + 8), mgr, &ok),
			-EINVAL);

#define BAD(field, value) do { p = ok; p.field = value; \
		CU_ASSERT_EQUAL(lns_esp_sa_init(sa, mgr, &p), -EINVAL); } while (0)
	BAD(spi, 0);			/* RFC 4303 2.1: reserved */
	BAD(enc_key_len, 24);		/* AES-192 not offered */
	BAD(enc_key_len, 20);		/* CBC has no salt */
	BAD(auth_key_len, 16);		/* RFC 2404: 160-bit key */
	BAD(auth, LNS_ESP_AUTH_NONE);	/* CBC needs integrity */
	BAD(auth_key, NULL);
	BAD(enc_key, NULL);
	BAD(replay_win, 5000);
	BAD(dir, (enum lns_esp_dir)7);
	BAD(mode, (enum lns_esp_mode)7);
	BAD(cipher, (enum lns_esp_cipher)9);
	p = ok;
	p.auth = LNS_ESP_AUTH_HMAC_SHA256_128;
	CU_ASSERT_EQUAL(lns_esp_sa_init(sa, mgr, &p), -EINVAL);	/* SHA256 wants 32 */
	p.auth_key_len = 32;
	CU_ASSERT_EQUAL(lns_esp_sa_init(sa, mgr, &p), 0);
	CU_ASSERT_EQUAL(lns_esp_sa_tail_max(sa), 15u + 2 + 16);
	p = ok;
	p.cipher = LNS_ESP_CIPHER_AES_GCM16;
	CU_ASSERT_EQUAL(lns_esp_sa_init(sa, mgr, &p), -EINVAL);	/* GCM with HMAC */
	p.auth = LNS_ESP_AUTH_NONE;
	CU_ASSERT_EQUAL(lns_esp_sa_init(sa, mgr, &p), -EINVAL);	/* 16: salt missing */
	p.enc_key_len = 20;
	CU_ASSERT_EQUAL(lns_esp_sa_init(sa, mgr, &p), 0);
	CU_ASSERT_EQUAL(lns_esp_sa_hdr_len(sa), 16u);
	CU_ASSERT_EQUAL(lns_esp_sa_tail_max(sa), 3u + 2 + 16);
	p.enc_key_len = 36;
	CU_ASSERT_EQUAL(lns_esp_sa_init(sa, mgr, &p), 0);
	p.enc_key_len = 28;
	CU_ASSERT_EQUAL(lns_esp_sa_init(sa, mgr, &p), -EINVAL);
	/* 3DES: 24-byte key only, 8-byte IV and blocks, distinct K1/K2/K3 halves */
	for (unsigned int i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(0x11 * (i + 1));
	p = ok;
	p.cipher = LNS_ESP_CIPHER_3DES_CBC;
	CU_ASSERT_EQUAL(lns_esp_sa_init(sa, mgr, &p), -EINVAL);	/* 16 bytes */
	p.enc_key_len = 32;
	CU_ASSERT_EQUAL(lns_esp_sa_init(sa, mgr, &p), -EINVAL);
	p.enc_key_len = 24;
	CU_ASSERT_EQUAL(lns_esp_sa_init(sa, mgr, &p), 0);
	CU_ASSERT_EQUAL(lns_esp_sa_hdr_len(sa), 16u);
	CU_ASSERT_EQUAL(lns_esp_sa_tail_max(sa), 7u + 2 + 12);
	p.auth = LNS_ESP_AUTH_NONE;
	CU_ASSERT_EQUAL(lns_esp_sa_init(sa, mgr, &p), -EINVAL);	/* needs integrity */
	p.auth = LNS_ESP_AUTH_HMAC_SHA256_128;
	p.auth_key_len = 32;
	CU_ASSERT_EQUAL(lns_esp_sa_init(sa, mgr, &p), 0);
	CU_ASSERT_EQUAL(lns_esp_sa_tail_max(sa), 7u + 2 + 16);
	/* K1 == K2 (up to parity bits) or K2 == K3 is single DES: refused */
	memcpy(key + 8, key, 8);
	key[8] ^= 1;
	CU_ASSERT_EQUAL(lns_esp_sa_init(sa, mgr, &p), -EINVAL);
	for (unsigned int i = 0; i < 16; i++)
		key[i] = (uint8_t)(0x11 * (i + 1));
	memcpy(key + 16, key + 8, 8);
	CU_ASSERT_EQUAL(lns_esp_sa_init(sa, mgr, &p), -EINVAL);
#undef BAD
	rte_free(raw);
}

/* ---- published vectors -------------------------------------------------------- */

struct hmac_vec {
	const char *key, *data, *mac;
};

/* RFC 2202 section 3, test cases 1-7. */
static const struct hmac_vec rfc2202[] = {
	{ "0b*20", "=Hi There", "b617318655057264e28bc0b6fb378c8ef146be00" },
	{ "=Jefe", "=what do ya want for nothing?", "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79" },
	{ "aa*20", "dd*50", "125d7342b9ac11cd91a39af48aa17b4f63f175d3" },
	{ "0102030405060708090a0b0c0d0e0f10111213141516171819", "cd*50",
	  "4c9007f4026250c6bc8414f9bf50c86c2d7235da" },
	{ "0c*20", "=Test With Truncation", "4c1a03424b55e07fe7f27be1d58bb9324a9a5a04" },
	{ "aa*80", "=Test Using Larger Than Block-Size Key - Hash Key First",
	  "aa4ae5e15272d00e95705637ce8a3b55ed402112" },
	{ "aa*80", "=Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data",
	  "e8e99d0f45237d786d6bbaa7965c7808bbff1a91" },
};

/* RFC 4231 section 4, test cases 1-7 (case 5 is published truncated to 128 bits). */
static const struct hmac_vec rfc4231[] = {
	{ "0b*20", "=Hi There",
	  "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7" },
	{ "=Jefe", "=what do ya want for nothing?",
	  "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843" },
	{ "aa*20", "dd*50", "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe" },
	{ "0102030405060708090a0b0c0d0e0f10111213141516171819", "cd*50",
	  "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b" },
	{ "0c*20", "=Test With Truncation", "a3b6167473100ee06e0c796c2955552b" },
	{ "aa*131", "=Test Using Larger Than Block-Size Key - Hash Key First",
	  "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54" },
	{ "aa*131", "=This is a test using a larger than block-size key and a larger than "
	  "block-size data. The key needs to be hashed before being used by the HMAC algorithm.",
	  "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2" },
};

static void
run_hmac(enum lns_esp_auth auth, const struct hmac_vec *v, unsigned int n)
{
	uint8_t key[256], data[256], want[32], got[32];

	for (unsigned int i = 0; i < n; i++) {
		int kl = spec(v[i].key, key, sizeof(key));
		int dl = spec(v[i].data, data, sizeof(data));
		int ml = unhex(v[i].mac, want, sizeof(want));

		CU_ASSERT_FATAL(kl >= 0 && dl >= 0 && ml > 0);
		memset(got, 0, sizeof(got));
		CU_ASSERT_EQUAL(esp_hmac(mgr, auth, key, (size_t)kl, data, (size_t)dl, got), 0);
		if (memcmp(got, want, (size_t)ml) != 0)
			CU_FAIL("HMAC differs from the RFC");
	}
	CU_ASSERT_EQUAL(esp_hmac(mgr, LNS_ESP_AUTH_NONE, key, 4, data, 4, got), -EINVAL);
}

static void
test_hmac_sha1_rfc2202(void)
{
	run_hmac(LNS_ESP_AUTH_HMAC_SHA1_96, rfc2202, RTE_DIM(rfc2202));
}

static void
test_hmac_sha256_rfc4231(void)
{
	run_hmac(LNS_ESP_AUTH_HMAC_SHA256_128, rfc4231, RTE_DIM(rfc4231));
}

/*
 * RFC 3602 section 4, cases 5-8: ESP packets (SPI, sequence number, IV, ciphertext)
 * with AES-128-CBC and no integrity, and the payload each carries.
 */
static const struct {
	const char *key, *esp, *payload;
	uint8_t nh;
} rfc3602[] = {
	{ "90d382b410eeba7ad938c46cec1a82bf",
	  "0000432100000001e96e8c08ab465763fd098d45dd3ff893f663c25d325c18c6a9453e194e120849"
	  "a4870b66cc6b9965330013b4898dc856a4699e523a55db080b59ec3a8e4b7e52775b07d1db34ed9c"
	  "538ab50c551b874aa269add047ad2d5913ac19b7cfbad4a6",
	  "08000ebda70a00008e9c083db95b070008090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
	  "202122232425262728292a2b2c2d2e2f3031323334353637", 1 },
	{ "90d382b410eeba7ad938c46cec1a82bf",
	  "000043210000000869d08df7d203329db093fc4924e5bd80f51995881ec4e0c4488987ce742e8109"
	  "689bb379d2d750c0d915dca346a89f75",
	  "0800b5e8a80a0500a69c083d0b660e00777777777777777777777777", 1 },
	{ "0123456789abcdef0123456789abcdef",
	  "0000876500000002f4e765244f6407adf13dc1380f673f37773b5241a4c449225e4f3ce5ed611b0c"
	  "237ca96cf74a93013c1b0ea1a0cf70f8e4ecaec78ac53aad7a0f022b859243c647752e94a859352b"
	  "8a4d4d2decd136e5c177f132ad3fbfb2201ac9904c74ee0a109e0ca1e4dfe9d5a100b842f1c22f0d",
	  "45000054090400004001f988c0a87b03c0a87bc808009f76a90a0100b49c083d02a2040008090a0b"
	  "0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f30313233"
	  "34353637", 4 },
	{ "0123456789abcdef0123456789abcdef",
	  "000087650000000585d47224b5f3dd5d2101d4ea8dffab2215b92683819596a8047232cc00f7048f"
	  "e45318e11f8a0f62ede3c3fc61203bb50f980a08c9843fd3a1b06d5c07ff9639b7eb7dfb3512e5de"
	  "435e7207ed971ef3d2726d9b5ef6affc6d17a0decbb13892",
	  "45000044090c00004001f990c0a87b03c0a87bc80800d63caa0a0200c69c083da3de0300ffffffff"
	  "ffffffffffffffffffffffffffffffffffffffffffffffffffffffff", 4 },
};

static const uint8_t rfc3602_auth_key[32] = {
	0x3a, 0x1c, 0x55, 0x07, 0x9e, 0x21, 0x44, 0x68, 0x0b, 0x77, 0x12, 0xd3, 0x5f, 0x90, 0xa4,
	0x31, 0x6e, 0x02, 0xbb, 0xc8, 0x49, 0x15, 0x7d, 0xe6, 0x28, 0x83, 0xf1, 0x5a, 0x0c, 0x9b,
	0x66, 0xd0,
};

/* AES-K^-1 of one block, straight from IPsec-MB (CBC decrypt with a zero IV). */
static void
aes_decrypt_block(const uint8_t *key, unsigned int klen, const uint8_t in[16], uint8_t out[16])
{
	uint8_t enc[16 * 15] __rte_aligned(16), dec[16 * 15] __rte_aligned(16);
	static const uint8_t zero[16] __rte_aligned(16);
	IMB_JOB *job;

	if (klen == 16)
		IMB_AES_KEYEXP_128(mgr, key, enc, dec);
	else
		IMB_AES_KEYEXP_256(mgr, key, enc, dec);
	job = IMB_GET_NEXT_JOB(mgr);
	memset(job, 0, offsetof(IMB_JOB, user_data));
	job->cipher_mode = IMB_CIPHER_CBC;
	job->cipher_direction = IMB_DIR_DECRYPT;
	job->chain_order = IMB_ORDER_HASH_CIPHER;
	job->hash_alg = IMB_AUTH_NULL;
	job->enc_keys = enc;
	job->dec_keys = dec;
	job->key_len_in_bytes = klen;
	job->src = in;
	job->dst = out;
	job->msg_len_to_cipher_in_bytes = 16;
	job->iv = zero;
	job->iv_len_in_bytes = 16;
	job = IMB_SUBMIT_JOB(mgr);
	while (job == NULL)
		job = IMB_FLUSH_JOB(mgr);
	CU_ASSERT_EQUAL(job->status, IMB_STATUS_COMPLETED);
	while (IMB_FLUSH_JOB(mgr) != NULL)
		;
}

static void
test_cbc_rfc3602(void)
{
	for (unsigned int i = 0; i < RTE_DIM(rfc3602); i++) {
		for (unsigned int h = 0; h < 2; h++) {
			/* aes128-sha1, aes128-sha256 */
			const struct alg *a = &algs[h == 0 ? 2 : 4];
			uint8_t key[16], esp[256], payload[128], full[300], icv[32], seed[16];
			uint8_t nonce[16], nh = 0, st[1];
			int kl = unhex(rfc3602[i].key, key, sizeof(key));
			int el = unhex(rfc3602[i].esp, esp, sizeof(esp));
			int pl = unhex(rfc3602[i].payload, payload, sizeof(payload));
			unsigned int icv_len = h == 0 ? 12 : 16;
			uint32_t spi, seq;
			rte_be64_t s64;
			struct lns_esp_sa *in, *out;
			struct rte_mbuf *m;

			CU_ASSERT_FATAL(kl == 16 && el > 24 && pl > 0);
			memcpy(&spi, esp, 4);
			memcpy(&seq, esp + 4, 4);
			spi = rte_be_to_cpu_32(spi);
			seq = rte_be_to_cpu_32(seq);
			/*
			 * Inbound: the RFC packet plus an ICV from the HMAC path that the RFC
			 * 2202/4231 vectors just checked.
			 */
			CU_ASSERT_EQUAL_FATAL(esp_hmac(mgr, a->auth, rfc3602_auth_key, a->auth_len,
						       esp, (size_t)el, icv), 0);
			memcpy(full, esp, (size_t)el);
			memcpy(full + el, icv, icv_len);
			in = sa_make(&(struct sa_args){ a, LNS_ESP_DIR_IN, LNS_ESP_MODE_TUNNEL, spi,
							key, rfc3602_auth_key, 64, 0, NULL });
			CU_ASSERT_PTR_NOT_NULL_FATAL(in);
			m = mbuf_with(full, (uint32_t)el + icv_len);
			CU_ASSERT_EQUAL(inb1(in, m, &nh), LNS_ESP_OK);
			CU_ASSERT_EQUAL(nh, rfc3602[i].nh);
			CU_ASSERT_EQUAL(m->data_len, (uint16_t)pl);
			CU_ASSERT_EQUAL(memcmp(rte_pktmbuf_mtod(m, uint8_t *), payload,
					       (size_t)pl), 0);
			rte_pktmbuf_free(m);
			sa_free(in);

			/*
			 * Outbound reproduces the RFC ciphertext: choose the seed whose
			 * encrypted nonce is the RFC's IV (IV = AES-K(seed ^ (0^8 || seq64))).
			 */
			aes_decrypt_block(key, 16, esp + 8, nonce);
			s64 = rte_cpu_to_be_64(seq);
			memcpy(seed, nonce, 16);
			for (unsigned int b = 0; b < 8; b++)
				seed[8 + b] ^= ((const uint8_t *)&s64)[b];
			out = sa_make(&(struct sa_args){ a, LNS_ESP_DIR_OUT, LNS_ESP_MODE_TUNNEL,
							 spi, key, rfc3602_auth_key, 0, seq - 1,
							 seed });
			CU_ASSERT_PTR_NOT_NULL_FATAL(out);
			m = mbuf_with(payload, (uint32_t)pl);
			nh = rfc3602[i].nh;
			CU_ASSERT_EQUAL_FATAL(lns_esp_outbound(mgr, &out, &m, 1, &nh, st), 1);
			CU_ASSERT_EQUAL(m->data_len, (uint16_t)(el + (int)icv_len));
			CU_ASSERT_EQUAL(memcmp(rte_pktmbuf_mtod(m, uint8_t *), esp, (size_t)el), 0);
			CU_ASSERT_EQUAL(memcmp(rte_pktmbuf_mtod(m, uint8_t *) + el, icv,
					       icv_len), 0);
			rte_pktmbuf_free(m);
			sa_free(out);
		}
	}
}

/*
 * draft-mcgrew-gcm-test-01 section 4: the RFC 4106 ESP packets with 32-bit sequence
 * numbers and 128/256-bit keys. Plaintext includes padding, pad length and next header.
 */
static const struct {
	const char *key_salt, *spi_seq, *iv, *plain, *ct, *tag;
} gcm_draft[] = {
	{ "feffe9928665731c6d6a8f9467308308cafebabe", "0000a5f80000000a", "facedbaddecaf888",
	  "4500003e698f000080114dccc0a80102c0a801010a980035002a2343b2d00100000100000000"
	  "0000037369700963796265726369747902646b00000100010001",
	  "deb22cd9b07c72c16e3a65beeb8df304a5a5897d33ae530f1ba76d5d114d2a5c3de81827c10e"
	  "9a4f51330d0eec416642cfbb85a5b47e48a4ec3b9ba95d918bd1",
	  "83b70d3aa8bc6ee4c309e9d85a41ad4a" },
	{ "abbccddef00112233445566778899aababbccddef00112233445566778899aab11223344",
	  "4a2cbfe300000002", "0102030405060708",
	  "4500003069a6400080062690c0a801029389155e0a9e008b2dc57ee0000000007002400020bf"
	  "0000020405b40101040201020201",
	  "ff425c9b724599df7a3bcd510194e00d6a78107f1b0b1cbf06efae9d65a5d763748a63798577"
	  "1d347f0545659f14e99def842d8e",
	  "b335f4eecfdbf831824b4c4915956c96" },
	{ "7d773d00c144c525ac619d18c84a3f47d9664267", "335467aeffffffff", "43457e9182443bc6",
	  "01020201", "437f866b", "cb3f699fe9b0822bac961c4504bef270" },
};

static void
test_gcm_draft(void)
{
	for (unsigned int i = 0; i < RTE_DIM(gcm_draft); i++) {
		uint8_t ks[36], hdr[8], iv[8], plain[128], ct[128], tag[16], esp[256], seed[16];
		uint8_t nh = 0, st[1];
		int kl = unhex(gcm_draft[i].key_salt, ks, sizeof(ks));
		int pl = unhex(gcm_draft[i].plain, plain, sizeof(plain));
		int cl = unhex(gcm_draft[i].ct, ct, sizeof(ct));
		const struct alg *a = kl == 20 ? &algs[0] : &algs[1];
		uint32_t spi, seq, el, payload_len;
		struct lns_esp_sa *in, *out;
		struct rte_mbuf *m;
		rte_be64_t s64;

		CU_ASSERT_FATAL(unhex(gcm_draft[i].spi_seq, hdr, 8) == 8 &&
				unhex(gcm_draft[i].iv, iv, 8) == 8 &&
				unhex(gcm_draft[i].tag, tag, 16) == 16 && pl == cl && pl >= 2);
		memcpy(esp, hdr, 8);
		memcpy(esp + 8, iv, 8);
		memcpy(esp + 16, ct, (size_t)cl);
		memcpy(esp + 16 + cl, tag, 16);
		el = 16 + (uint32_t)cl + 16;
		memcpy(&spi, hdr, 4);
		memcpy(&seq, hdr + 4, 4);
		spi = rte_be_to_cpu_32(spi);
		seq = rte_be_to_cpu_32(seq);
		payload_len = (uint32_t)pl - plain[pl - 2] - 2;

		in = sa_make(&(struct sa_args){ a, LNS_ESP_DIR_IN, LNS_ESP_MODE_TUNNEL, spi, ks,
						NULL, 32, 0, NULL });
		CU_ASSERT_PTR_NOT_NULL_FATAL(in);
		m = mbuf_with(esp, el);
		CU_ASSERT_EQUAL(inb1(in, m, &nh), LNS_ESP_OK);
		CU_ASSERT_EQUAL(nh, plain[pl - 1]);
		CU_ASSERT_EQUAL(m->data_len, payload_len);
		CU_ASSERT_EQUAL(memcmp(rte_pktmbuf_mtod(m, uint8_t *), plain, payload_len), 0);
		rte_pktmbuf_free(m);
		sa_free(in);

		/* Outbound with the seed that makes IV = seed ^ seq64 the draft's IV. */
		s64 = rte_cpu_to_be_64(seq);
		memset(seed, 0, sizeof(seed));
		for (unsigned int b = 0; b < 8; b++)
			seed[b] = iv[b] ^ ((const uint8_t *)&s64)[b];
		out = sa_make(&(struct sa_args){ a, LNS_ESP_DIR_OUT, LNS_ESP_MODE_TUNNEL, spi, ks,
						 NULL, 0, seq - 1, seed });
		CU_ASSERT_PTR_NOT_NULL_FATAL(out);
		m = mbuf_with(plain, payload_len);
		nh = plain[pl - 1];
		CU_ASSERT_EQUAL_FATAL(lns_esp_outbound(mgr, &out, &m, 1, &nh, st), 1);
		CU_ASSERT_EQUAL(m->data_len, el);
		CU_ASSERT_EQUAL(memcmp(rte_pktmbuf_mtod(m, uint8_t *), esp, el), 0);
		rte_pktmbuf_free(m);
		sa_free(out);
	}
	/* The draft's all-zero case uses SPI 0, which RFC 4303 2.1 reserves: refused. */
	{
		static const uint8_t zero_key[20];

		CU_ASSERT_PTR_NULL(sa_make(&(struct sa_args){ &algs[0], LNS_ESP_DIR_IN,
							      LNS_ESP_MODE_TUNNEL, 0, zero_key,
							      NULL, 32, 0, NULL }));
	}
}

/* ---- scapy, both directions --------------------------------------------------- */

#define MAX_VEC 256

struct vec {
	char name[64];
	const struct alg *a;
	enum lns_esp_mode mode;
	uint32_t spi, seq;
	uint8_t ekey[36], akey[32];
	int expect;		/* LNS_ESP_OK or a status */
	uint8_t nh;
	uint8_t plain[1600];
	int plain_len;
	uint8_t esp[1700];
	int esp_len;
};

static int
status_by_name(const char *name)
{
	if (strcmp(name, "ok") == 0)
		return LNS_ESP_OK;
	for (unsigned int s = 0; s < LNS_ESP_STATUS_MAX; s++)
		if (strcmp(lns_esp_status_name(s), name) == 0)
			return (int)s;
	return -1;
}

static int
load_vectors(const char *path, struct vec *v, int max)
{
	FILE *f = fopen(path, "r");
	char *line = NULL, *save, *fld[11];
	size_t cap = 0;
	int n = 0;

	if (f == NULL)
		return -1;
	while (getline(&line, &cap, f) > 0 && n < max) {
		int nf = 0;

		if (line[0] == '#' || line[0] == '\n')
			continue;
		line[strcspn(line, "\n")] = '\0';
		for (char *t = strtok_r(line, " ", &save); t != NULL && nf < 11;
		     t = strtok_r(NULL, " ", &save))
			fld[nf++] = t;
		if (nf != 11)
			goto bad;
		snprintf(v[n].name, sizeof(v[n].name), "%s", fld[0]);
		v[n].a = alg_by_name(fld[1]);
		v[n].mode = strcmp(fld[2], "tunnel") == 0 ? LNS_ESP_MODE_TUNNEL :
							     LNS_ESP_MODE_TRANSPORT;
		v[n].spi = (uint32_t)strtoul(fld[3], NULL, 16);
		v[n].seq = (uint32_t)strtoul(fld[4], NULL, 10);
		v[n].expect = status_by_name(fld[7]);
		v[n].nh = (uint8_t)atoi(fld[8]);
		v[n].plain_len = unhex(fld[9], v[n].plain, sizeof(v[n].plain));
		v[n].esp_len = unhex(fld[10], v[n].esp, sizeof(v[n].esp));
		if (v[n].a == NULL || v[n].expect < 0 || v[n].plain_len < 0 || v[n].esp_len <= 0 ||
		    unhex(fld[5], v[n].ekey, sizeof(v[n].ekey)) != v[n].a->enc_len ||
		    unhex(fld[6], v[n].akey, sizeof(v[n].akey)) != v[n].a->auth_len)
			goto bad;
		n++;
	}
	free(line);
	fclose(f);
	return n;
bad:
	free(line);
	fclose(f);
	return -1;
}

static void
test_scapy_inbound(void)
{
	static struct vec v[MAX_VEC];
	static struct lns_esp_sa *sa[MAX_VEC], *sa0[MAX_VEC];
	static struct rte_mbuf *mb[MAX_VEC], *mb0[MAX_VEC];
	static uint8_t st[MAX_VEC];
	const char *path = esp_file("scapy_vectors.txt");
	int n, good = 0, modes[2] = { 0, 0 }, hostile = 0;
	uint16_t ret;

	CU_ASSERT_PTR_NOT_NULL_FATAL(path);
	n = load_vectors(path, v, MAX_VEC);
	CU_ASSERT_FATAL(n >= 12 * 9);
	/* All of them in one burst, each on its own SA: chunks, mixed SAs, reordering. */
	for (int i = 0; i < n; i++) {
		sa[i] = sa_make(&(struct sa_args){ v[i].a, LNS_ESP_DIR_IN, v[i].mode, v[i].spi,
						   v[i].ekey, v[i].akey, 64, 0, NULL });
		CU_ASSERT_PTR_NOT_NULL_FATAL(sa[i]);
		mb[i] = mbuf_with(v[i].esp, (uint32_t)v[i].esp_len);
		sa0[i] = sa[i];
		mb0[i] = mb[i];
		good += v[i].expect == LNS_ESP_OK;
	}
	ret = lns_esp_inbound(mgr, sa, mb, (uint16_t)n, st);
	CU_ASSERT_EQUAL(ret, good);
	for (int j = 0; j < n; j++) {
		int i = 0;

		while (i < n && mb0[i] != mb[j])
			i++;
		CU_ASSERT_FATAL(i < n);
		CU_ASSERT_PTR_EQUAL(sa[j], sa0[i]);	/* sa[] follows mb[] */
		if (v[i].expect == LNS_ESP_OK) {
			if (j >= ret || st[j] != v[i].nh || mb[j]->data_len != v[i].plain_len ||
			    memcmp(rte_pktmbuf_mtod(mb[j], uint8_t *), v[i].plain,
				   (size_t)v[i].plain_len) != 0) {
				fprintf(stderr, "\n%s: not decrypted as scapy's plaintext (%s)\n",
					v[i].name, j >= ret ? lns_esp_status_name(st[j]) : "data");
				CU_FAIL("scapy vector");
			}
			modes[v[i].mode]++;
		} else {
			hostile++;
			if (j < ret || st[j] != v[i].expect) {
				fprintf(stderr, "\n%s: got %s\n", v[i].name,
					j < ret ? "ok" : lns_esp_status_name(st[j]));
				CU_FAIL("scapy hostile vector");
			}
		}
	}
	CU_ASSERT(modes[0] >= 54 && modes[1] >= 54 && hostile >= 18);
	/* Order: goods then bads, each in original order. */
	for (int j = 1; j < n; j++) {
		int a = 0, b = 0;

		while (mb0[a] != mb[j - 1])
			a++;
		while (mb0[b] != mb[j])
			b++;
		if (j != ret)
			CU_ASSERT(a < b);
	}
	free_all(mb, (unsigned int)n);
	for (int i = 0; i < n; i++)
		sa_free(sa0[i]);
}

/* UDP (transport) or IPv4 + UDP (tunnel) carrying len bytes of L2TP-looking data. */
static uint16_t
build_payload(uint8_t *p, enum lns_esp_mode mode, uint16_t len)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)p;
	struct rte_udp_hdr *udp;
	uint16_t off = 0;

	if (mode == LNS_ESP_MODE_TUNNEL) {
		memset(ip, 0, sizeof(*ip));
		ip->version_ihl = 0x45;
		ip->total_length = rte_cpu_to_be_16((uint16_t)(20 + 8 + len));
		ip->packet_id = rte_cpu_to_be_16(0x4242);
		ip->time_to_live = 64;
		ip->next_proto_id = IPPROTO_UDP;
		ip->src_addr = rte_cpu_to_be_32(0xc0000201);	/* 192.0.2.1 */
		ip->dst_addr = rte_cpu_to_be_32(0xc000020a);	/* 192.0.2.10 */
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		off = 20;
	}
	udp = (struct rte_udp_hdr *)(p + off);
	udp->src_port = rte_cpu_to_be_16(1701);
	udp->dst_port = rte_cpu_to_be_16(1701);
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(8 + len));
	udp->dgram_cksum = 0;
	for (uint16_t i = 0; i < len; i++)
		p[off + 8 + i] = (uint8_t)(i == 0 ? 0x02 : i * 13 + 5);
	return (uint16_t)(off + 8 + len);
}

static int
run_checker(const char *file)
{
	const char *script = esp_file("check_outbound.py");
	char cmd[1024];
	int rc;

	if (script == NULL)
		return -1;
	snprintf(cmd, sizeof(cmd), "/usr/bin/python3 '%s' '%s'", script, file);
	fflush(stdout);
	rc = system(cmd);
	return rc;
}

static void
test_scapy_outbound(void)
{
	static const uint16_t sizes[] = { 0, 1, 2, 3, 13, 14, 15, 16, 17, 31, 100, 500, 1400 };
	enum { NS = RTE_DIM(sizes), N = RTE_DIM(algs) * 2 * NS };
	static struct rte_mbuf *mb[N], *mb0[N];
	static struct lns_esp_sa *sa[N], *sas[RTE_DIM(algs) * 2];
	static uint8_t plain[N][1500], st[N];
	static uint16_t plen[N];
	char path[] = "/tmp/lns_esp_outXXXXXX", bad[] = "/tmp/lns_esp_badXXXXXX";
	FILE *f, *g;
	int fd, fdb;
	unsigned int n = 0;
	struct kit k;

	for (unsigned int a = 0; a < RTE_DIM(algs); a++) {
		kit_init(&k, &algs[a]);
		for (int mode = 0; mode < 2; mode++) {
			struct sa_args x = { &algs[a], LNS_ESP_DIR_OUT, (enum lns_esp_mode)mode,
					     0x30000000u + a * 2 + (unsigned int)mode, k.ekey,
					     k.akey, 0, 0, NULL };

			sas[a * 2 + mode] = sa_make(&x);
			CU_ASSERT_PTR_NOT_NULL_FATAL(sas[a * 2 + mode]);
			for (unsigned int s = 0; s < NS; s++, n++) {
				plen[n] = build_payload(plain[n], (enum lns_esp_mode)mode,
							sizes[s]);
				mb[n] = mb0[n] = mbuf_with(plain[n], plen[n]);
				sa[n] = sas[a * 2 + mode];
			}
		}
	}
	CU_ASSERT_EQUAL_FATAL(lns_esp_outbound(mgr, sa, mb, (uint16_t)n, NULL, st), n);
	fd = mkstemp(path);
	fdb = mkstemp(bad);
	CU_ASSERT_FATAL(fd >= 0 && fdb >= 0);
	f = fdopen(fd, "w");
	g = fdopen(fdb, "w");
	CU_ASSERT_FATAL(f != NULL && g != NULL);
	for (unsigned int i = 0; i < n; i++) {
		const struct lns_esp_sa *s = sa[i];
		unsigned int a = (s->spi - 0x30000000u) / 2;
		uint8_t *e = rte_pktmbuf_mtod(mb[i], uint8_t *);

		CU_ASSERT_PTR_EQUAL(mb[i], mb0[i]);	/* all good: order kept */
		CU_ASSERT_EQUAL(st[i], LNS_ESP_OK);
		kit_init(&k, &algs[a]);
		for (int w = 0; w < 2; w++) {
			FILE *o = w ? g : f;

			fprintf(o, "%s %s %08x ", algs[a].name,
				s->mode == LNS_ESP_MODE_TUNNEL ? "tunnel" : "transport", s->spi);
			hexout(o, k.ekey, algs[a].enc_len);
			fputc(' ', o);
			hexout(o, k.akey, algs[a].auth_len);
			fprintf(o, " %u ", s->mode == LNS_ESP_MODE_TUNNEL ? 4u : 17u);
			hexout(o, plain[i], plen[i]);
			fputc(' ', o);
			/* Negative control: the copy has one ICV bit flipped in packet 5. */
			if (w && i == 5)
				e[mb[i]->data_len - 1] ^= 0x10;
			hexout(o, e, mb[i]->data_len);
			if (w && i == 5)
				e[mb[i]->data_len - 1] ^= 0x10;
			fputc('\n', o);
		}
	}
	fclose(f);
	fclose(g);
	CU_ASSERT_EQUAL(run_checker(path), 0);
	printf("(negative control, one bad packet expected) ");
	CU_ASSERT_NOT_EQUAL(run_checker(bad), 0);
	unlink(path);
	unlink(bad);
	free_all(mb, n);
	for (unsigned int i = 0; i < RTE_DIM(sas); i++)
		sa_free(sas[i]);
}

/* ---- round trip ------------------------------------------------------------------ */

static void
test_roundtrip(void)
{
	enum { N = 140 };
	struct rte_mbuf *mb[N], *mb0[N];
	struct lns_esp_sa *sa[N];
	uint8_t st[N], nh[N], data[N];
	struct kit k;

	for (unsigned int a = 0; a < RTE_DIM(algs); a++) {
		struct lns_esp_sa *out, *in;

		kit_init(&k, &algs[a]);
		out = kit_sa(&k, LNS_ESP_DIR_OUT, 0, 0);
		in = kit_sa(&k, LNS_ESP_DIR_IN, 128, 0);
		CU_ASSERT_FATAL(out != NULL && in != NULL);
		for (uint16_t i = 0; i < N; i++) {
			pattern(data, i);
			mb[i] = mb0[i] = mbuf_with(data, i);
			sa[i] = out;
			nh[i] = (uint8_t)(i % 3 == 0 ? IPPROTO_UDP :
					  i % 3 == 1 ? IPPROTO_IPIP : 200);
		}
		CU_ASSERT_EQUAL_FATAL(lns_esp_outbound(mgr, sa, mb, N, nh, st), N);
		for (uint16_t i = 0; i < N; i++) {
			unsigned int body = mb[i]->data_len - lns_esp_sa_hdr_len(out) -
					    out->icv_len;

			CU_ASSERT_EQUAL(body % 4, 0);
			CU_ASSERT_EQUAL(body % alg_block(&algs[a]), 0);
			CU_ASSERT(body >= i + 2u && body < i + 2u + alg_block(&algs[a]));
			sa[i] = in;
		}
		CU_ASSERT_EQUAL(lns_esp_inbound(mgr, sa, mb, N, st), N);
		for (uint16_t i = 0; i < N; i++) {
			CU_ASSERT_PTR_EQUAL(mb[i], mb0[i]);
			CU_ASSERT_EQUAL(st[i], nh[i]);
			CU_ASSERT(has_pattern(mb[i], i));
		}
		CU_ASSERT_EQUAL(lns_esp_sa_seq(out), N);
		free_all(mb, N);
		sa_free(out);
		sa_free(in);
	}
}

/* ---- hostile input --------------------------------------------------------------- */

static void
test_bit_flips(void)
{
	struct kit k;

	for (unsigned int a = 0; a < RTE_DIM(algs); a++) {
		struct lns_esp_sa *in, **sa;
		struct rte_mbuf *ref, **mb;
		uint8_t *st, nh = 0;
		unsigned int len, n;

		kit_init(&k, &algs[a]);
		ref = kit_packet(&k, 0x50000005u, 37, IPPROTO_UDP);
		len = ref->data_len;
		n = len * 8;
		in = kit_sa(&k, LNS_ESP_DIR_IN, 64, 0);
		sa = calloc(n, sizeof(*sa));
		mb = calloc(n, sizeof(*mb));
		st = calloc(n, 1);
		CU_ASSERT_FATAL(in != NULL && sa != NULL && mb != NULL && st != NULL);
		/* Every single-bit flip of the packet, all in one burst. */
		for (unsigned int b = 0; b < n; b++) {
			mb[b] = mbuf_with(rte_pktmbuf_mtod(ref, uint8_t *), len);
			rte_pktmbuf_mtod(mb[b], uint8_t *)[b / 8] ^= (uint8_t)(1u << (b % 8));
			mb[b]->hash.usr = b;
			sa[b] = in;
		}
		CU_ASSERT_EQUAL(lns_esp_inbound(mgr, sa, mb, (uint16_t)n, st), 0);
		for (unsigned int j = 0; j < n; j++) {
			unsigned int byte = mb[j]->hash.usr / 8;

			/* SPI bytes fail the SPI check; any other (seq, IV, data, ICV): ICV. */
			CU_ASSERT_EQUAL(st[j], byte < 4 ? LNS_ESP_SPI_MISMATCH : LNS_ESP_ICV);
			CU_ASSERT_EQUAL(mb[j]->hash.usr, j);	/* order kept */
		}
		/* None of the forgeries moved the window: the original still goes through. */
		CU_ASSERT_EQUAL(in->rp_top, 0u);
		CU_ASSERT_EQUAL(inb1(in, ref, &nh), LNS_ESP_OK);
		CU_ASSERT_EQUAL(nh, IPPROTO_UDP);
		CU_ASSERT(has_pattern(ref, 37));
		free_all(mb, n);
		rte_pktmbuf_free(ref);
		free(sa);
		free(mb);
		free(st);
		sa_free(in);
	}
}

static void
test_truncation(void)
{
	struct kit k;

	for (unsigned int a = 0; a < RTE_DIM(algs); a++) {
		struct lns_esp_sa *in, *sa[256];
		struct rte_mbuf *ref, *mb[256];
		unsigned int full, hdr, icv;
		uint8_t st[256];
		uint16_t ret;

		kit_init(&k, &algs[a]);
		ref = kit_packet(&k, 3, 70, IPPROTO_UDP);
		full = ref->data_len;
		CU_ASSERT_FATAL(full < 256);
		in = kit_sa(&k, LNS_ESP_DIR_IN, 64, 0);
		CU_ASSERT_PTR_NOT_NULL_FATAL(in);
		hdr = lns_esp_sa_hdr_len(in);
		icv = in->icv_len;
		/* Every length from 0 to the full packet, in one burst. */
		for (unsigned int l = 0; l <= full; l++) {
			mb[l] = mbuf_with(rte_pktmbuf_mtod(ref, uint8_t *), l);
			mb[l]->hash.usr = l;
			sa[l] = in;
		}
		ret = lns_esp_inbound(mgr, sa, mb, (uint16_t)(full + 1), st);
		CU_ASSERT_EQUAL(ret, 1);
		CU_ASSERT_EQUAL(mb[0]->hash.usr, full);
		CU_ASSERT(has_pattern(mb[0], 70));
		for (unsigned int j = 1; j <= full; j++) {
			unsigned int l = mb[j]->hash.usr;
			uint8_t want;

			if (l < hdr + in->min_ct + icv)
				want = LNS_ESP_TRUNCATED;
			else if (algs[a].cipher != LNS_ESP_CIPHER_AES_GCM16 &&
				 (l - hdr - icv) % alg_block(&algs[a]))
				want = LNS_ESP_BAD_LEN;
			else
				want = LNS_ESP_ICV;
			CU_ASSERT_EQUAL(st[j], want);
			CU_ASSERT_EQUAL(l, j - 1);
		}
		free_all(mb, full + 1);
		rte_pktmbuf_free(ref);
		sa_free(in);
	}
}

static void
test_replay(void)
{
	struct kit k;

	kit_init(&k, &algs[0]);
	for (unsigned int a = 0; a < RTE_DIM(algs); a += 2) {
		struct lns_esp_sa *in, *sa[2];
		struct rte_mbuf *m, *mb[2];
		uint8_t st[2];

		kit_init(&k, &algs[a]);
		in = kit_sa(&k, LNS_ESP_DIR_IN, 64, 0);
		CU_ASSERT_PTR_NOT_NULL_FATAL(in);
		for (uint32_t s = 1; s <= 5; s++) {
			m = kit_packet(&k, s, 10, IPPROTO_UDP);
			CU_ASSERT_EQUAL(inb1(in, m, NULL), LNS_ESP_OK);
			rte_pktmbuf_free(m);
		}
		m = kit_packet(&k, 3, 10, IPPROTO_UDP);
		CU_ASSERT_EQUAL(inb1(in, m, NULL), LNS_ESP_REPLAY);	/* replayed */
		rte_pktmbuf_free(m);
		/* Checked before the crypto: a replayed forgery is a replay, not an ICV error. */
		m = kit_packet(&k, 2, 10, IPPROTO_UDP);
		rte_pktmbuf_mtod(m, uint8_t *)[m->data_len - 1] ^= 1;
		CU_ASSERT_EQUAL(inb1(in, m, NULL), LNS_ESP_REPLAY);
		rte_pktmbuf_free(m);
		m = kit_packet(&k, 100, 10, IPPROTO_UDP);
		CU_ASSERT_EQUAL(inb1(in, m, NULL), LNS_ESP_OK);
		rte_pktmbuf_free(m);
		m = kit_packet(&k, 36, 10, IPPROTO_UDP);		/* 100 - 36 = 64: outside */
		CU_ASSERT_EQUAL(inb1(in, m, NULL), LNS_ESP_REPLAY_OLD);
		rte_pktmbuf_free(m);
		m = kit_packet(&k, 37, 10, IPPROTO_UDP);		/* left edge: inside */
		CU_ASSERT_EQUAL(inb1(in, m, NULL), LNS_ESP_OK);
		rte_pktmbuf_free(m);
		m = kit_packet(&k, 37, 10, IPPROTO_UDP);
		CU_ASSERT_EQUAL(inb1(in, m, NULL), LNS_ESP_REPLAY);
		rte_pktmbuf_free(m);
		/* The same number twice in one burst: the second is caught after the ICV. */
		mb[0] = kit_packet(&k, 200, 10, IPPROTO_UDP);
		mb[1] = kit_packet(&k, 200, 10, IPPROTO_UDP);
		sa[0] = sa[1] = in;
		CU_ASSERT_EQUAL(lns_esp_inbound(mgr, sa, mb, 2, st), 1);
		CU_ASSERT_EQUAL(st[1], LNS_ESP_REPLAY);
		free_all(mb, 2);
		/* A forged packet far ahead must not move the window. */
		m = kit_packet(&k, 100000, 10, IPPROTO_UDP);
		rte_pktmbuf_mtod(m, uint8_t *)[m->data_len - 1] ^= 1;
		CU_ASSERT_EQUAL(inb1(in, m, NULL), LNS_ESP_ICV);
		rte_pktmbuf_free(m);
		m = kit_packet(&k, 199, 10, IPPROTO_UDP);
		CU_ASSERT_EQUAL(inb1(in, m, NULL), LNS_ESP_OK);
		rte_pktmbuf_free(m);
		sa_free(in);
	}

	/* Window 0: anti-replay off, a packet may come any number of times. */
	{
		struct lns_esp_sa *in = kit_sa(&k, LNS_ESP_DIR_IN, 0, 0);
		struct rte_mbuf *m;

		CU_ASSERT_PTR_NOT_NULL_FATAL(in);
		for (int r = 0; r < 3; r++) {
			m = kit_packet(&k, 9, 10, IPPROTO_UDP);
			CU_ASSERT_EQUAL(inb1(in, m, NULL), LNS_ESP_OK);
			rte_pktmbuf_free(m);
			m = kit_packet(&k, 1, 10, IPPROTO_UDP);
			CU_ASSERT_EQUAL(inb1(in, m, NULL), LNS_ESP_OK);
			rte_pktmbuf_free(m);
		}
		sa_free(in);
	}
}

static void
test_replay_4096(void)
{
	enum { W = LNS_ESP_REPLAY_WIN_MAX, TOP = 10000 };
	struct lns_esp_sa *in;
	struct rte_mbuf *m;
	struct kit k;

	kit_init(&k, &algs[2]);
	in = kit_sa(&k, LNS_ESP_DIR_IN, W, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(in);
	m = kit_packet(&k, TOP, 20, IPPROTO_UDP);
	CU_ASSERT_EQUAL(inb1(in, m, NULL), LNS_ESP_OK);
	rte_pktmbuf_free(m);
	m = kit_packet(&k, TOP - W + 1, 20, IPPROTO_UDP);	/* oldest in the window */
	CU_ASSERT_EQUAL(inb1(in, m, NULL), LNS_ESP_OK);
	rte_pktmbuf_free(m);
	m = kit_packet(&k, TOP - W, 20, IPPROTO_UDP);		/* just outside */
	CU_ASSERT_EQUAL(inb1(in, m, NULL), LNS_ESP_REPLAY_OLD);
	rte_pktmbuf_free(m);
	m = kit_packet(&k, TOP - W + 1, 20, IPPROTO_UDP);
	CU_ASSERT_EQUAL(inb1(in, m, NULL), LNS_ESP_REPLAY);
	rte_pktmbuf_free(m);
	/* Every other number of the window arrives once, newest first, in bursts of 128. */
	for (uint32_t s = TOP - 1; s > TOP - W + 1;) {
		struct rte_mbuf *mb[128];
		struct lns_esp_sa *sa[128];
		uint8_t st[128];
		uint16_t n = 0;

		for (; n < 128 && s > TOP - W + 1; n++, s--) {
			mb[n] = kit_packet(&k, s, 1, IPPROTO_UDP);
			sa[n] = in;
		}
		CU_ASSERT_EQUAL(lns_esp_inbound(mgr, sa, mb, n, st), n);
		free_all(mb, n);
	}
	for (uint32_t s = TOP - W + 1; s <= TOP; s += 511) {
		m = kit_packet(&k, s, 1, IPPROTO_UDP);
		CU_ASSERT_EQUAL(inb1(in, m, NULL), LNS_ESP_REPLAY);
		rte_pktmbuf_free(m);
	}
	/* A jump of more than the window forgets everything behind it. */
	m = kit_packet(&k, TOP + 3 * W, 1, IPPROTO_UDP);
	CU_ASSERT_EQUAL(inb1(in, m, NULL), LNS_ESP_OK);
	rte_pktmbuf_free(m);
	m = kit_packet(&k, TOP + 2 * W + 1, 1, IPPROTO_UDP);
	CU_ASSERT_EQUAL(inb1(in, m, NULL), LNS_ESP_OK);
	rte_pktmbuf_free(m);
	m = kit_packet(&k, TOP, 1, IPPROTO_UDP);
	CU_ASSERT_EQUAL(inb1(in, m, NULL), LNS_ESP_REPLAY_OLD);
	rte_pktmbuf_free(m);
	sa_free(in);
}

static uint64_t
xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* The window against a plain model (RFC 4303 3.4.3 literally), near 0 and near 2^32. */
static void
test_replay_model(void)
{
	static const uint32_t wins[] = { 1, 2, 31, 63, 64, 65, 127, 128, 129, 1000, 4095, 4096 };
	enum { RANGE = 1 << 20 };
	uint8_t *seen = malloc(RANGE);
	uint64_t rnd = 0x9e3779b97f4a7c15ull;
	struct kit k;

	CU_ASSERT_PTR_NOT_NULL_FATAL(seen);
	kit_init(&k, &algs[0]);
	/*
	 * A jump of exactly a multiple of the bitmap lands on the slot it left: that slot
	 * must be cleared too, or old bits would refuse fresh numbers.
	 */
	for (unsigned int w = 1; w < RTE_DIM(wins); w++) {
		struct lns_esp_sa *in = kit_sa(&k, LNS_ESP_DIR_IN, wins[w], 0);
		uint32_t t = 64 * 5 + 7, s;

		CU_ASSERT_PTR_NOT_NULL_FATAL(in);
		for (uint32_t mult = 1; mult <= 3; mult++) {
			s = t + 64 * (in->rp_mask + 1) * mult;
			CU_ASSERT_EQUAL(esp_replay_update(in, t - 1), LNS_ESP_OK);
			CU_ASSERT_EQUAL(esp_replay_update(in, t), LNS_ESP_OK);
			CU_ASSERT_EQUAL(esp_replay_update(in, s), LNS_ESP_OK);
			CU_ASSERT_EQUAL(esp_replay_update(in, s - 1), LNS_ESP_OK);
			CU_ASSERT_EQUAL(esp_replay_update(in, s - 1), LNS_ESP_REPLAY);
			t = s + 64 * 3 + 1;
		}
		sa_free(in);
	}
	for (unsigned int w = 0; w < RTE_DIM(wins); w++) {
		for (int hi = 0; hi < 2; hi++) {
			const uint32_t base = hi ? (uint32_t)(UINT64_C(0x100000000) - RANGE) : 0;
			struct lns_esp_sa *in = kit_sa(&k, LNS_ESP_DIR_IN, wins[w], 0);
			uint32_t top = 0, W = wins[w];
			unsigned int errors = 0;

			CU_ASSERT_PTR_NOT_NULL_FATAL(in);
			memset(seen, 0, RANGE);
			for (int op = 0; op < 30000; op++) {
				uint64_t r = xorshift(&rnd);
				int64_t cur = top > base ? (int64_t)(top - base) : 0, s;
				enum lns_esp_status want, got;
				uint32_t seq;

				/* Mostly around the window, sometimes far ahead or far behind. */
				if (r % 50 == 0)
					s = cur + (int64_t)(r >> 8) % (8 * W + 1000);
				else if (r % 50 == 1)
					s = (int64_t)((r >> 8) % RANGE);
				else
					s = cur - (int64_t)W - 5 + (int64_t)((r >> 8) % (W + 40));
				if (s < 0)
					s = (int64_t)((r >> 20) % 8);
				if (s >= RANGE)
					s = RANGE - 1 - (int64_t)((r >> 20) % 4);
				seq = base + (uint32_t)s;
				if (seq > top)
					want = LNS_ESP_OK;
				else if (seq == 0 || top - seq >= W)
					want = LNS_ESP_REPLAY_OLD;
				else
					want = seen[seq - base] ? LNS_ESP_REPLAY : LNS_ESP_OK;
				got = (r >> 60) & 1 ? esp_replay_check(in, seq) : LNS_ESP_OK;
				if ((r >> 60) & 1 && got != want)
					errors++;
				got = esp_replay_update(in, seq);
				if (got != want)
					errors++;
				if (want == LNS_ESP_OK) {
					seen[seq - base] = 1;
					if (seq > top)
						top = seq;
				}
			}
			CU_ASSERT_EQUAL(errors, 0u);
			CU_ASSERT_EQUAL(in->rp_top, top);
			if (hi) {
				/* The last number of the space, then nothing wraps past it. */
				esp_replay_update(in, UINT32_MAX);
				CU_ASSERT_EQUAL(in->rp_top, UINT32_MAX);
				CU_ASSERT_EQUAL(esp_replay_update(in, UINT32_MAX), LNS_ESP_REPLAY);
				CU_ASSERT_EQUAL(esp_replay_check(in, 0), LNS_ESP_REPLAY_OLD);
				CU_ASSERT_EQUAL(esp_replay_check(in, 5), LNS_ESP_REPLAY_OLD);
			}
			sa_free(in);
		}
	}
	free(seen);
}

static void
test_seq_exhaustion(void)
{
	struct kit k;

	for (unsigned int a = 0; a < RTE_DIM(algs); a += 3) {
		struct lns_esp_sa *out, *in, *sa[4];
		struct rte_mbuf *mb[4], *mb0[4];
		uint8_t data[40], st[4], nh = 0;
		uint32_t seq;

		kit_init(&k, &algs[a]);
		out = kit_sa(&k, LNS_ESP_DIR_OUT, 0, UINT32_MAX - 2);
		in = kit_sa(&k, LNS_ESP_DIR_IN, 64, 0);
		CU_ASSERT_FATAL(out != NULL && in != NULL);
		pattern(data, 40);
		for (int i = 0; i < 4; i++) {
			mb[i] = mb0[i] = mbuf_with(data, 40);
			sa[i] = out;
		}
		CU_ASSERT_EQUAL(lns_esp_outbound(mgr, sa, mb, 4, NULL, st), 2);
		CU_ASSERT_EQUAL(st[2], LNS_ESP_SEQ_EXHAUSTED);
		CU_ASSERT_EQUAL(st[3], LNS_ESP_SEQ_EXHAUSTED);
		CU_ASSERT_TRUE(lns_esp_sa_expired(out));
		for (int i = 0; i < 4; i++)
			CU_ASSERT_PTR_EQUAL(mb[i], mb0[i]);
		/* The last two numbers went out; the refused packets are untouched. */
		memcpy(&seq, rte_pktmbuf_mtod(mb[0], uint8_t *) + 4, 4);
		CU_ASSERT_EQUAL(rte_be_to_cpu_32(seq), UINT32_MAX - 1);
		memcpy(&seq, rte_pktmbuf_mtod(mb[1], uint8_t *) + 4, 4);
		CU_ASSERT_EQUAL(rte_be_to_cpu_32(seq), UINT32_MAX);
		CU_ASSERT(has_pattern(mb[2], 40) && has_pattern(mb[3], 40));
		CU_ASSERT_EQUAL(inb1(in, mb[0], &nh), LNS_ESP_OK);
		CU_ASSERT_EQUAL(inb1(in, mb[1], &nh), LNS_ESP_OK);
		CU_ASSERT(has_pattern(mb[1], 40));
		/* Next burst: the SA is expired, the counter does not move. */
		CU_ASSERT_EQUAL(lns_esp_outbound(mgr, &sa[2], &mb[2], 2, NULL, st), 0);
		CU_ASSERT_EQUAL(st[0], LNS_ESP_SA_EXPIRED);
		CU_ASSERT_EQUAL(st[1], LNS_ESP_SA_EXPIRED);
		CU_ASSERT_EQUAL(lns_esp_sa_seq(out), UINT64_C(0xffffffff) + 2);
		free_all(mb, 4);
		sa_free(out);
		sa_free(in);
	}
}

static void
test_expired_and_misuse(void)
{
	struct lns_esp_sa *out, *in, *sa[1];
	struct rte_mbuf *m, *m2, *mb[1];
	uint8_t data[64], st[1];
	struct kit k;

	kit_init(&k, &algs[4]);
	out = kit_sa(&k, LNS_ESP_DIR_OUT, 0, 0);
	in = kit_sa(&k, LNS_ESP_DIR_IN, 64, 0);
	CU_ASSERT_FATAL(out != NULL && in != NULL);
	pattern(data, 64);

	/* Wrong direction, both ways. */
	m = kit_packet(&k, 1, 20, IPPROTO_UDP);
	CU_ASSERT_EQUAL(inb1(out, m, NULL), LNS_ESP_SA_DIR);
	mb[0] = m;
	sa[0] = in;
	CU_ASSERT_EQUAL(lns_esp_outbound(mgr, sa, mb, 1, NULL, st), 0);
	CU_ASSERT_EQUAL(st[0], LNS_ESP_SA_DIR);
	/* SPI not the SA's. */
	rte_pktmbuf_mtod(m, uint8_t *)[3] ^= 0xff;
	CU_ASSERT_EQUAL(inb1(in, m, NULL), LNS_ESP_SPI_MISMATCH);
	rte_pktmbuf_mtod(m, uint8_t *)[3] ^= 0xff;
	/* Multi-segment. */
	m2 = mbuf_with(data, 8);
	CU_ASSERT_EQUAL_FATAL(rte_pktmbuf_chain(m, m2), 0);
	CU_ASSERT_EQUAL(inb1(in, m, NULL), LNS_ESP_MULTISEG);
	mb[0] = m;
	sa[0] = out;
	CU_ASSERT_EQUAL(lns_esp_outbound(mgr, sa, mb, 1, NULL, st), 0);
	CU_ASSERT_EQUAL(st[0], LNS_ESP_MULTISEG);
	rte_pktmbuf_free(m);

	/* No headroom for header + IV; no tailroom for the trailer and ICV. */
	m = rte_pktmbuf_alloc(pool);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	m->data_off = (uint16_t)(lns_esp_sa_hdr_len(out) - 1);
	memcpy(rte_pktmbuf_append(m, 64), data, 64);
	mb[0] = m;
	CU_ASSERT_EQUAL(lns_esp_outbound(mgr, sa, mb, 1, NULL, st), 0);
	CU_ASSERT_EQUAL(st[0], LNS_ESP_NO_HEADROOM);
	CU_ASSERT(has_pattern(m, 64));
	m->data_off = (uint16_t)lns_esp_sa_hdr_len(out);
	CU_ASSERT_EQUAL(lns_esp_outbound(mgr, sa, mb, 1, NULL, st), 1);
	rte_pktmbuf_free(m);
	/* 64 + 2 -> 14 bytes of padding, + 2 + 16 of ICV: leave one byte too few. */
	m = rte_pktmbuf_alloc(pool);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	m->data_off = (uint16_t)(m->buf_len - 64 - (14 + 2 + 16 - 1));
	memcpy(rte_pktmbuf_append(m, 64), data, 64);
	CU_ASSERT_EQUAL(rte_pktmbuf_tailroom(m), 14u + 2 + 16 - 1);
	mb[0] = m;
	{
		uint16_t len = m->data_len;

		CU_ASSERT_EQUAL(lns_esp_outbound(mgr, sa, mb, 1, NULL, st), 0);
		CU_ASSERT_EQUAL(st[0], LNS_ESP_NO_TAILROOM);
		CU_ASSERT_EQUAL(m->data_len, len);
	}
	rte_pktmbuf_free(m);
	CU_ASSERT_EQUAL(lns_esp_sa_seq(out), 1u);	/* refused packets use no number */

	/* Dummy packets (next header 59) authenticate, then are dropped. */
	m = kit_packet(&k, 50, 20, 59);
	CU_ASSERT_EQUAL(inb1(in, m, NULL), LNS_ESP_DUMMY);
	rte_pktmbuf_free(m);

	/* Expired (dropped) SAs refuse everything at once, both directions. */
	m = kit_packet(&k, 51, 20, IPPROTO_UDP);
	lns_esp_sa_expire(in);
	CU_ASSERT_EQUAL(inb1(in, m, NULL), LNS_ESP_SA_EXPIRED);
	rte_pktmbuf_free(m);
	lns_esp_sa_expire(out);
	pattern(data, 10);
	m = mbuf_with(data, 10);
	mb[0] = m;
	CU_ASSERT_EQUAL(lns_esp_outbound(mgr, sa, mb, 1, NULL, st), 0);
	CU_ASSERT_EQUAL(st[0], LNS_ESP_SA_EXPIRED);
	CU_ASSERT(has_pattern(m, 10));
	rte_pktmbuf_free(m);
	sa_free(out);
	sa_free(in);
}

/* Good and bad interleaved over several chunks: goods first, bads after, both in order. */
static void
test_burst_order(void)
{
	enum { N = 150 };
	struct rte_mbuf *mb[N], *mb0[N];
	struct lns_esp_sa *sa[N], *sa0[N], *in, *dead;
	uint8_t st[N];
	unsigned int ngood = 0, g = 0, b;
	uint16_t ret;
	struct kit k;

	kit_init(&k, &algs[1]);
	in = kit_sa(&k, LNS_ESP_DIR_IN, 256, 0);
	dead = kit_sa(&k, LNS_ESP_DIR_IN, 256, 0);
	CU_ASSERT_FATAL(in != NULL && dead != NULL);
	lns_esp_sa_expire(dead);
	for (unsigned int i = 0; i < N; i++) {
		/* Runs of good and bad of varied length, bads clustered in the middle chunk. */
		int bad = (i % 7 == 3) || (i >= 70 && i < 100 && i % 2) || i == N - 1;

		mb[i] = mb0[i] = kit_packet(&k, i + 1, (uint16_t)(i % 50),
					    (uint8_t)(i % 2 ? IPPROTO_UDP : IPPROTO_IPIP));
		sa[i] = sa0[i] = bad ? dead : in;
		ngood += !bad;
	}
	ret = lns_esp_inbound(mgr, sa, mb, N, st);
	CU_ASSERT_EQUAL_FATAL(ret, ngood);
	b = ret;
	for (unsigned int i = 0; i < N; i++) {
		if (sa0[i] == in) {
			CU_ASSERT_PTR_EQUAL(mb[g], mb0[i]);
			CU_ASSERT_PTR_EQUAL(sa[g], in);
			CU_ASSERT_EQUAL(st[g], i % 2 ? IPPROTO_UDP : IPPROTO_IPIP);
			CU_ASSERT(has_pattern(mb[g], (uint16_t)(i % 50)));
			g++;
		} else {
			CU_ASSERT_PTR_EQUAL(mb[b], mb0[i]);
			CU_ASSERT_PTR_EQUAL(sa[b], dead);
			CU_ASSERT_EQUAL(st[b], LNS_ESP_SA_EXPIRED);
			b++;
		}
	}
	CU_ASSERT_EQUAL(lns_esp_inbound(mgr, sa, mb, 0, st), 0);
	free_all(mb, N);
	sa_free(in);
	sa_free(dead);
}

/* Several lcores sending on one SA: every sequence number (and GCM IV) exactly once. */
#define THREADS 4
#define PER_THREAD 1024

struct send_arg {
	struct lns_esp_sa *sa;
	uint32_t seq[PER_THREAD];
	int err;
};

static void *
sender(void *p)
{
	struct send_arg *x = p;
	IMB_MGR *m = lns_esp_mgr_create();
	uint8_t data[100];

	if (m == NULL) {
		x->err = 1;
		return NULL;
	}
	memset(data, 0x5a, sizeof(data));
	for (int done = 0; done < PER_THREAD; done += 32) {
		struct rte_mbuf *mb[32];
		struct lns_esp_sa *sa[32];
		uint8_t st[32];

		for (int i = 0; i < 32; i++) {
			mb[i] = rte_pktmbuf_alloc(pool);
			if (mb[i] == NULL) {
				x->err = 1;
				return NULL;
			}
			memcpy(rte_pktmbuf_append(mb[i], 100), data, 100);
			sa[i] = x->sa;
		}
		if (lns_esp_outbound(m, sa, mb, 32, NULL, st) != 32)
			x->err = 1;
		for (int i = 0; i < 32; i++) {
			uint32_t s;
			uint64_t iv;
			const uint8_t *e = rte_pktmbuf_mtod(mb[i], const uint8_t *);

			memcpy(&s, e + 4, 4);
			memcpy(&iv, e + 8, 8);
			x->seq[done + i] = rte_be_to_cpu_32(s);
			/* IV = seed ^ seq64 with a zero seed: the IV is the sequence number. */
			if (rte_be_to_cpu_64(iv) != rte_be_to_cpu_32(s))
				x->err = 1;
			rte_pktmbuf_free(mb[i]);
		}
	}
	lns_esp_mgr_free(m);
	return NULL;
}

static void
test_concurrent_senders(void)
{
	static struct send_arg arg[THREADS];
	static uint8_t hit[THREADS * PER_THREAD + 1];
	static const uint8_t zero_seed[16];
	pthread_t t[THREADS];
	struct lns_esp_sa *out;
	struct kit k;

	kit_init(&k, &algs[0]);
	out = sa_make(&(struct sa_args){ &algs[0], LNS_ESP_DIR_OUT, LNS_ESP_MODE_TRANSPORT,
					 KIT_SPI, k.ekey, NULL, 0, 0, zero_seed });
	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	for (int i = 0; i < THREADS; i++) {
		arg[i].sa = out;
		arg[i].err = 0;
		CU_ASSERT_EQUAL_FATAL(pthread_create(&t[i], NULL, sender, &arg[i]), 0);
	}
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	memset(hit, 0, sizeof(hit));
	for (int i = 0; i < THREADS; i++) {
		CU_ASSERT_EQUAL(arg[i].err, 0);
		for (int j = 0; j < PER_THREAD; j++) {
			uint32_t s = arg[i].seq[j];

			CU_ASSERT_FATAL(s >= 1 && s <= THREADS * PER_THREAD);
			CU_ASSERT_EQUAL(hit[s], 0);
			hit[s] = 1;
		}
	}
	CU_ASSERT_EQUAL(lns_esp_sa_seq(out), THREADS * PER_THREAD);
	sa_free(out);
}

int
main(void)
{
	char *eal_argv[] = { "test_esp", "--no-huge", "-m", "256", "--no-pci", "--no-shconf",
			     "--no-telemetry",
			     "-l", "0", "--log-level=lib.*:error", NULL };
	CU_pSuite s;
	unsigned int fails;

	if (rte_eal_init((int)RTE_DIM(eal_argv) - 1, eal_argv) < 0) {
		fprintf(stderr, "test_esp: rte_eal_init failed\n");
		return 2;
	}
	pool = rte_pktmbuf_pool_create("esp_test", 8191, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	mgr = lns_esp_mgr_create();
	if (pool == NULL || mgr == NULL) {
		fprintf(stderr, "test_esp: no mbuf pool or IPsec-MB manager\n");
		return 2;
	}
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	s = CU_add_suite("esp_api", NULL, NULL);
	CU_add_test(s, "status names are unique", test_status_names);
	CU_add_test(s, "manager and arch", test_mgr);
	CU_add_test(s, "SA parameters checked", test_sa_params);
	s = CU_add_suite("esp_vectors", NULL, NULL);
	CU_add_test(s, "HMAC-SHA1 RFC 2202", test_hmac_sha1_rfc2202);
	CU_add_test(s, "HMAC-SHA256 RFC 4231", test_hmac_sha256_rfc4231);
	CU_add_test(s, "AES-CBC ESP RFC 3602 cases 5-8, both ways", test_cbc_rfc3602);
	CU_add_test(s, "AES-GCM ESP draft-mcgrew-gcm-test-01, both ways", test_gcm_draft);
	s = CU_add_suite("esp_scapy", NULL, NULL);
	CU_add_test(s, "scapy packets decrypt byte-exact", test_scapy_inbound);
	CU_add_test(s, "scapy decrypts our packets", test_scapy_outbound);
	CU_add_test(s, "round trip, all algorithms", test_roundtrip);
	s = CU_add_suite("esp_hostile", NULL, NULL);
	CU_add_test(s, "every single-bit flip refused", test_bit_flips);
	CU_add_test(s, "every truncation refused", test_truncation);
	CU_add_test(s, "replays, window 64 and 0", test_replay);
	CU_add_test(s, "window of 4096", test_replay_4096);
	CU_add_test(s, "window against a model", test_replay_model);
	CU_add_test(s, "sequence number exhaustion", test_seq_exhaustion);
	CU_add_test(s, "expired SA, wrong SA, no room, multi-seg, dummy",
		    test_expired_and_misuse);
	CU_add_test(s, "burst order of good and bad", test_burst_order);
	CU_add_test(s, "concurrent senders on one SA", test_concurrent_senders);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	lns_esp_mgr_free(mgr);
	rte_mempool_free(pool);
	rte_eal_cleanup();
	return fails ? 1 : 0;
}
