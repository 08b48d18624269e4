/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ESP control-path pieces: IPsec-MB managers, SA set-up (key expansion, GCM hash keys,
 * HMAC pad states), status names, and the burst compaction shared by both directions.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/random.h>

#include <rte_byteorder.h>
#include <rte_common.h>

#include "esp_priv.h"

/* The hot struct's shape is part of the design (DESIGN.md "Tables"): keep it honest. */
static_assert(offsetof(struct lns_esp_sa, key) == RTE_CACHE_LINE_SIZE,
	      "config must fit the first cache line");
static_assert(offsetof(struct lns_esp_sa, rp_top) % RTE_CACHE_LINE_SIZE == 0,
	      "replay window / sequence counter must start a cache line");
static_assert(offsetof(struct lns_esp_sa, rp_bmp) - offsetof(struct lns_esp_sa, rp_top) <=
	      RTE_CACHE_LINE_SIZE / 2, "replay header and first bitmap words share a line");
static_assert(sizeof(struct lns_esp_sa) == ESP_SA_FIXED_LINES * RTE_CACHE_LINE_SIZE,
	      "struct lns_esp_sa changed size");
static_assert(sizeof(((struct lns_esp_sa *)0)->key) >= sizeof(struct gcm_key_data),
	      "GCM key data must fit");
static_assert(sizeof(((struct lns_esp_sa *)0)->key.cbc.des_ks[0]) == IMB_DES_KEY_SCHED_SIZE,
	      "one DES key schedule is IMB_DES_KEY_SCHED_SIZE bytes");

#define ESP_X_NAME(e, name, help) name,
#define ESP_X_HELP(e, name, help) help,
static const char *const status_names[] = { LNS_ESP_STATUSES(ESP_X_NAME) };
static const char *const status_helps[] = { LNS_ESP_STATUSES(ESP_X_HELP) };
#undef ESP_X_NAME
#undef ESP_X_HELP

const char *
lns_esp_status_name(unsigned int st)
{
	return st < LNS_ESP_STATUS_MAX ? status_names[st] : "?";
}

const char *
lns_esp_status_help(unsigned int st)
{
	return st < LNS_ESP_STATUS_MAX ? status_helps[st] : "?";
}

IMB_MGR *
lns_esp_mgr_create(void)
{
	IMB_MGR *mgr = alloc_mb_mgr(0);
	IMB_ARCH arch = IMB_ARCH_NONE;

	if (mgr == NULL)
		return NULL;
	init_mb_mgr_auto(mgr, &arch);
	if (arch == IMB_ARCH_NONE || imb_get_errno(mgr) != 0) {
		free_mb_mgr(mgr);
		return NULL;
	}
	return mgr;
}

void
lns_esp_mgr_free(IMB_MGR *mgr)
{
	if (mgr != NULL)
		free_mb_mgr(mgr);
}

const char *
lns_esp_mgr_arch(const IMB_MGR *mgr)
{
	switch (mgr->used_arch) {
	case IMB_ARCH_AVX512: return "avx512";
	case IMB_ARCH_AVX2: return "avx2";
	case IMB_ARCH_AVX: return "avx";
	case IMB_ARCH_SSE: return "sse";
	case IMB_ARCH_NOAESNI: return "no-aesni";
	default: return "?";
	}
}

/* Bitmap words for a window: one more than it spans, rounded up to a power of two. */
static uint32_t
replay_words(uint32_t win)
{
	return win == 0 ? 0 : rte_align32pow2((win + 63) / 64 + 1);
}

int
lns_esp_sa_size(const struct lns_esp_sa_params *prm)
{
	size_t sz = offsetof(struct lns_esp_sa, rp_bmp);

	if (prm->dir == LNS_ESP_DIR_IN) {
		if (prm->replay_win > LNS_ESP_REPLAY_WIN_MAX)
			return -EINVAL;
		sz += replay_words(prm->replay_win) * sizeof(uint64_t);
	}
	sz = RTE_ALIGN_CEIL(sz, RTE_CACHE_LINE_SIZE);
	return (int)RTE_MAX(sz, sizeof(struct lns_esp_sa));
}

int
esp_hmac_precompute(IMB_MGR *mgr, enum lns_esp_auth auth, const uint8_t *key,
		    size_t key_len, uint8_t *ipad, uint8_t *opad)
{
	uint8_t k[ESP_HMAC_BLOCK] __rte_aligned(16);
	uint8_t blk[ESP_HMAC_BLOCK] __rte_aligned(16);
	uint8_t ist[ESP_DIGEST_MAX] __rte_aligned(16);
	uint8_t ost[ESP_DIGEST_MAX] __rte_aligned(16);
	unsigned int dlen = esp_digest_len(auth);

	if (dlen == 0 || (key == NULL && key_len != 0))
		return -EINVAL;
	memset(k, 0, sizeof(k));
	/* RFC 2104 2: a key longer than the block is replaced by its hash. */
	if (key_len > ESP_HMAC_BLOCK) {
		if (auth == LNS_ESP_AUTH_HMAC_SHA1_96)
			IMB_SHA1(mgr, key, key_len, k);
		else
			IMB_SHA256(mgr, key, key_len, k);
	} else if (key_len != 0) {
		memcpy(k, key, key_len);
	}
	for (unsigned int i = 0; i < ESP_HMAC_BLOCK; i++)
		blk[i] = k[i] ^ 0x36;
	if (auth == LNS_ESP_AUTH_HMAC_SHA1_96)
		IMB_SHA1_ONE_BLOCK(mgr, blk, ist);
	else
		IMB_SHA256_ONE_BLOCK(mgr, blk, ist);
	for (unsigned int i = 0; i < ESP_HMAC_BLOCK; i++)
		blk[i] = k[i] ^ 0x5c;
	if (auth == LNS_ESP_AUTH_HMAC_SHA1_96)
		IMB_SHA1_ONE_BLOCK(mgr, blk, ost);
	else
		IMB_SHA256_ONE_BLOCK(mgr, blk, ost);
	/* The caller's buffers may be unaligned; IMB's one-block output wants 16. */
	memcpy(ipad, ist, dlen);
	memcpy(opad, ost, dlen);
	explicit_bzero(k, sizeof(k));
	explicit_bzero(blk, sizeof(blk));
	explicit_bzero(ist, sizeof(ist));
	explicit_bzero(ost, sizeof(ost));
	return 0;
}

int
esp_hmac(IMB_MGR *mgr, enum lns_esp_auth auth, const uint8_t *key, size_t key_len,
	 const uint8_t *msg, size_t msg_len, uint8_t *out)
{
	uint8_t ipad[ESP_DIGEST_MAX] __rte_aligned(16);
	uint8_t opad[ESP_DIGEST_MAX] __rte_aligned(16);
	uint8_t tag[ESP_DIGEST_MAX] __rte_aligned(16);
	unsigned int dlen = esp_digest_len(auth);
	IMB_JOB *job;
	int rc;

	rc = esp_hmac_precompute(mgr, auth, key, key_len, ipad, opad);
	if (rc != 0)
		return rc;
	job = IMB_GET_NEXT_JOB(mgr);
	memset(job, 0, offsetof(IMB_JOB, user_data));
	job->cipher_mode = IMB_CIPHER_NULL;
	job->cipher_direction = IMB_DIR_ENCRYPT;
	job->chain_order = IMB_ORDER_HASH_CIPHER;
	job->hash_alg = auth == LNS_ESP_AUTH_HMAC_SHA1_96 ? IMB_AUTH_HMAC_SHA_1 :
							     IMB_AUTH_HMAC_SHA_256;
	job->src = msg;
	job->dst = NULL;
	job->hash_start_src_offset_in_bytes = 0;
	job->msg_len_to_hash_in_bytes = msg_len;
	job->u.HMAC._hashed_auth_key_xor_ipad = ipad;
	job->u.HMAC._hashed_auth_key_xor_opad = opad;
	job->auth_tag_output = tag;
	job->auth_tag_output_len_in_bytes = dlen;
	job->user_data = NULL;
	job = IMB_SUBMIT_JOB(mgr);
	while (job == NULL)
		job = IMB_FLUSH_JOB(mgr);
	rc = job->status == IMB_STATUS_COMPLETED ? 0 : -EIO;
	/* Drain anything else so the manager is left empty, as the bursts expect. */
	while (IMB_FLUSH_JOB(mgr) != NULL)
		;
	if (rc == 0)
		memcpy(out, tag, dlen);
	explicit_bzero(ipad, sizeof(ipad));
	explicit_bzero(opad, sizeof(opad));
	return rc;
}

/*
 * K1 == K2 or K2 == K3 turns EDE into single DES (RFC 2451 2.2 asks for distinct
 * keys). Compared without the parity bits, which DES ignores.
 */
static bool
des3_degenerate(const uint8_t *k)
{
	unsigned int d12 = 0, d23 = 0;

	for (unsigned int i = 0; i < 8; i++) {
		d12 |= (k[i] ^ k[8 + i]) & 0xfe;
		d23 |= (k[8 + i] ^ k[16 + i]) & 0xfe;
	}
	return d12 == 0 || d23 == 0;
}

static int
check_params(const struct lns_esp_sa_params *prm)
{
	if (prm->spi == 0 || prm->enc_key == NULL)
		return -EINVAL;
	if (prm->dir != LNS_ESP_DIR_IN && prm->dir != LNS_ESP_DIR_OUT)
		return -EINVAL;
	if (prm->mode != LNS_ESP_MODE_TRANSPORT && prm->mode != LNS_ESP_MODE_TUNNEL)
		return -EINVAL;
	if (prm->dir == LNS_ESP_DIR_IN && prm->replay_win > LNS_ESP_REPLAY_WIN_MAX)
		return -EINVAL;
	switch (prm->cipher) {
	case LNS_ESP_CIPHER_AES_GCM16:
		if (prm->auth != LNS_ESP_AUTH_NONE)
			return -EINVAL;
		if (prm->enc_key_len != 16 + 4 && prm->enc_key_len != 32 + 4)
			return -EINVAL;
		return 0;
	case LNS_ESP_CIPHER_AES_CBC:
	case LNS_ESP_CIPHER_3DES_CBC:
		if (prm->cipher == LNS_ESP_CIPHER_AES_CBC ?
		    prm->enc_key_len != 16 && prm->enc_key_len != 32 :
		    prm->enc_key_len != 24 || des3_degenerate(prm->enc_key))
			return -EINVAL;
		if (prm->auth_key == NULL)
			return -EINVAL;
		/* Key lengths fixed by RFC 2404 2 and RFC 4868 2.1.1. */
		if (prm->auth == LNS_ESP_AUTH_HMAC_SHA1_96 && prm->auth_key_len == 20)
			return 0;
		if (prm->auth == LNS_ESP_AUTH_HMAC_SHA256_128 && prm->auth_key_len == 32)
			return 0;
		return -EINVAL;
	default:
		return -EINVAL;
	}
}

int
lns_esp_sa_init(struct lns_esp_sa *sa, IMB_MGR *mgr, const struct lns_esp_sa_params *prm)
{
	int size, rc;

	if (sa == NULL || mgr == NULL || prm == NULL)
		return -EINVAL;
	if ((uintptr_t)sa % RTE_CACHE_LINE_SIZE != 0)
		return -EINVAL;
	rc = check_params(prm);
	if (rc != 0)
		return rc;
	size = lns_esp_sa_size(prm);
	memset(sa, 0, (size_t)size);

	sa->spi = prm->spi;
	sa->spi_be = rte_cpu_to_be_32(prm->spi);
	sa->dir = (uint8_t)prm->dir;
	sa->mode = (uint8_t)prm->mode;
	sa->cipher = (uint8_t)prm->cipher;
	sa->auth = (uint8_t)prm->auth;
	sa->next_hdr = prm->mode == LNS_ESP_MODE_TUNNEL ? IPPROTO_IPIP : IPPROTO_UDP;

	if (prm->cipher == LNS_ESP_CIPHER_AES_GCM16) {
		sa->key_len = (uint8_t)(prm->enc_key_len - 4);
		memcpy(sa->salt, prm->enc_key + sa->key_len, 4);
		sa->iv_len = ESP_GCM_IV_LEN;
		sa->icv_len = ESP_GCM_ICV_LEN;
		/* RFC 4106 3: no block alignment, only the 4-byte one of RFC 4303 2.4. */
		sa->align_mask = 3;
		sa->min_ct = 2;
		if (sa->key_len == 16)
			IMB_AES128_GCM_PRE(mgr, prm->enc_key, &sa->key.gcm);
		else
			IMB_AES256_GCM_PRE(mgr, prm->enc_key, &sa->key.gcm);
	} else if (prm->cipher == LNS_ESP_CIPHER_3DES_CBC) {
		sa->key_len = (uint8_t)prm->enc_key_len;
		sa->iv_len = ESP_DES_BLOCK;
		sa->icv_len = prm->auth == LNS_ESP_AUTH_HMAC_SHA1_96 ? 12 : 16;
		/* RFC 2451 2.3: 8-byte blocks, which also give RFC 4303's 4-byte words */
		sa->align_mask = ESP_DES_BLOCK - 1;
		sa->min_ct = ESP_DES_BLOCK;
		for (unsigned int i = 0; i < 3; i++) {
			if (IMB_DES_KEYSCHED(mgr, sa->key.cbc.des_ks[i], prm->enc_key + 8 * i) != 0) {
				rc = -EINVAL;
				goto fail;
			}
			sa->key.cbc.des_ks_ptr[i] = sa->key.cbc.des_ks[i];
		}
		rc = esp_hmac_precompute(mgr, prm->auth, prm->auth_key, prm->auth_key_len,
					 sa->key.cbc.ipad, sa->key.cbc.opad);
		if (rc != 0)
			goto fail;
	} else {
		sa->key_len = (uint8_t)prm->enc_key_len;
		sa->iv_len = ESP_CBC_IV_LEN;
		sa->icv_len = prm->auth == LNS_ESP_AUTH_HMAC_SHA1_96 ? 12 : 16;
		sa->align_mask = ESP_AES_BLOCK - 1;
		sa->min_ct = ESP_AES_BLOCK;
		if (sa->key_len == 16)
			IMB_AES_KEYEXP_128(mgr, prm->enc_key, sa->key.cbc.enc, sa->key.cbc.dec);
		else
			IMB_AES_KEYEXP_256(mgr, prm->enc_key, sa->key.cbc.enc, sa->key.cbc.dec);
		rc = esp_hmac_precompute(mgr, prm->auth, prm->auth_key, prm->auth_key_len,
					 sa->key.cbc.ipad, sa->key.cbc.opad);
		if (rc != 0)
			goto fail;
	}
	sa->hdr_len = (uint8_t)(LNS_ESP_HDR_LEN + sa->iv_len);

	if (prm->dir == LNS_ESP_DIR_IN) {
		sa->rp_win = prm->replay_win;
		sa->rp_mask = prm->replay_win ? replay_words(prm->replay_win) - 1 : 0;
		sa->rp_top = 0;
	} else {
		sa->seq = prm->seq_init;
		if (prm->iv_seed != NULL) {
			memcpy(sa->iv_seed, prm->iv_seed, sizeof(sa->iv_seed));
		} else if (getrandom(sa->iv_seed, sizeof(sa->iv_seed), 0) !=
			   (ssize_t)sizeof(sa->iv_seed)) {
			rc = -EIO;
			goto fail;
		}
	}
	__atomic_store_n(&sa->state, LNS_ESP_SA_STATE_ACTIVE, __ATOMIC_RELEASE);
	return 0;
fail:
	explicit_bzero(sa, (size_t)size);
	return rc;
}

void
lns_esp_sa_clear(struct lns_esp_sa *sa)
{
	explicit_bzero(&sa->key, sizeof(sa->key));
	explicit_bzero(sa->salt, sizeof(sa->salt));
	explicit_bzero(sa->iv_seed, sizeof(sa->iv_seed));
	__atomic_store_n(&sa->state, LNS_ESP_SA_STATE_EXPIRED, __ATOMIC_RELEASE);
}

void
lns_esp_sa_expire(struct lns_esp_sa *sa)
{
	__atomic_store_n(&sa->state, LNS_ESP_SA_STATE_EXPIRED, __ATOMIC_RELEASE);
}

/* Reverse [a, b) of the three parallel arrays. */
static void
reverse3(struct lns_esp_sa *sa[], struct rte_mbuf *mb[], uint8_t status[],
	 uint16_t a, uint16_t b)
{
	while (b > a + 1) {
		b--;
		RTE_SWAP(sa[a], sa[b]);
		RTE_SWAP(mb[a], mb[b]);
		RTE_SWAP(status[a], status[b]);
		a++;
	}
}

void
esp_compact(struct lns_esp_sa *sa[], struct rte_mbuf *mb[], uint8_t status[],
	    const bool ok[], uint16_t lo, uint16_t m, uint16_t *k)
{
	struct lns_esp_sa *bsa[ESP_CHUNK];
	struct rte_mbuf *bmb[ESP_CHUNK];
	uint8_t bst[ESP_CHUNK];
	uint16_t g = lo, nb = 0;

	/* Stable partition of the chunk: goods slide down, bads wait aside. */
	for (uint16_t j = 0; j < m; j++) {
		uint16_t i = lo + j;

		if (ok[j]) {
			sa[g] = sa[i];
			mb[g] = mb[i];
			status[g] = status[i];
			g++;
		} else {
			bsa[nb] = sa[i];
			bmb[nb] = mb[i];
			bst[nb] = status[i];
			nb++;
		}
	}
	memcpy(&sa[g], bsa, nb * sizeof(bsa[0]));
	memcpy(&mb[g], bmb, nb * sizeof(bmb[0]));
	memcpy(&status[g], bst, nb);
	/* Rotate the chunk's goods in front of earlier chunks' bads (three reversals). */
	if (lo > *k && g > lo) {
		reverse3(sa, mb, status, *k, lo);
		reverse3(sa, mb, status, lo, g);
		reverse3(sa, mb, status, *k, g);
	}
	*k = (uint16_t)(*k + (g - lo));
}
