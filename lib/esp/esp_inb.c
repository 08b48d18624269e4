/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ESP inbound burst (RFC 4303 3.4): checks, one burst of IPsec-MB jobs, then ICV,
 * anti-replay update, padding, and header/trailer removal. Data path: no logging, no
 * system calls, no locks.
 */
#include <stdbool.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>

#include "esp_priv.h"

#define INB_PREFETCH 4u

/* Per-packet scratch handed to IPsec-MB: GCM nonce in, computed ICV out. */
struct inb_scratch {
	uint8_t nonce[16] __rte_aligned(16);
	uint8_t icv[16] __rte_aligned(16);
};

/* Checks that need no crypto, RFC 4303 3.4.1-3.4.3; fills *seq. */
static inline uint8_t
inb_precheck(const struct lns_esp_sa *sa, const struct rte_mbuf *m, uint32_t *seq)
{
	const uint8_t *p;
	uint32_t ct;
	rte_be32_t w;

	if (lns_esp_sa_expired(sa))
		return LNS_ESP_SA_EXPIRED;
	if (sa->dir != LNS_ESP_DIR_IN)
		return LNS_ESP_SA_DIR;
	if (m->nb_segs != 1)
		return LNS_ESP_MULTISEG;
	if (m->data_len < (uint32_t)sa->hdr_len + sa->min_ct + sa->icv_len)
		return LNS_ESP_TRUNCATED;
	ct = m->data_len - sa->hdr_len - sa->icv_len;
	/* CBC: align_mask is the cipher block - 1 */
	if (sa->cipher != LNS_ESP_CIPHER_AES_GCM16 && (ct & sa->align_mask) != 0)
		return LNS_ESP_BAD_LEN;
	p = rte_pktmbuf_mtod(m, const uint8_t *);
	memcpy(&w, p, 4);
	if (w != sa->spi_be)
		return LNS_ESP_SPI_MISMATCH;
	memcpy(&w, p + 4, 4);
	*seq = rte_be_to_cpu_32(w);
	/* Before the crypto, so floods of replays cost no decryption (3.4.3). */
	return esp_replay_check(sa, *seq);
}

static inline void
inb_job(IMB_JOB *job, const struct lns_esp_sa *sa, uint8_t *p, uint32_t ct,
	struct inb_scratch *scr)
{
	job->key_len_in_bytes = sa->key_len;
	job->src = p;
	job->dst = p + sa->hdr_len;
	job->cipher_start_src_offset_in_bytes = sa->hdr_len;
	job->msg_len_to_cipher_in_bytes = ct;
	job->cipher_direction = IMB_DIR_DECRYPT;
	job->chain_order = IMB_ORDER_HASH_CIPHER;
	job->auth_tag_output = scr->icv;
	job->auth_tag_output_len_in_bytes = sa->icv_len;
	if (sa->cipher == LNS_ESP_CIPHER_AES_GCM16) {
		/* RFC 4106 4: nonce = salt || explicit IV; AAD = SPI || seq (5). */
		memcpy(scr->nonce, sa->salt, 4);
		memcpy(scr->nonce + 4, p + LNS_ESP_HDR_LEN, ESP_GCM_IV_LEN);
		job->cipher_mode = IMB_CIPHER_GCM;
		job->hash_alg = IMB_AUTH_AES_GMAC;
		job->enc_keys = &sa->key.gcm;
		job->dec_keys = &sa->key.gcm;
		job->iv = scr->nonce;
		job->iv_len_in_bytes = 12;
		job->hash_start_src_offset_in_bytes = sa->hdr_len;
		job->msg_len_to_hash_in_bytes = ct;
		job->u.GCM.aad = p;
		job->u.GCM.aad_len_in_bytes = LNS_ESP_HDR_LEN;
	} else {
		/* RFC 2404/4868: the ICV covers header, IV and ciphertext. */
		job->hash_alg = sa->auth == LNS_ESP_AUTH_HMAC_SHA1_96 ?
				IMB_AUTH_HMAC_SHA_1 : IMB_AUTH_HMAC_SHA_256;
		if (sa->cipher == LNS_ESP_CIPHER_3DES_CBC) {
			job->cipher_mode = IMB_CIPHER_DES3;
			job->enc_keys = sa->key.cbc.des_ks_ptr;
			job->dec_keys = sa->key.cbc.des_ks_ptr;
		} else {
			job->cipher_mode = IMB_CIPHER_CBC;
			job->enc_keys = sa->key.cbc.enc;
			job->dec_keys = sa->key.cbc.dec;
		}
		job->iv = p + LNS_ESP_HDR_LEN;
		job->iv_len_in_bytes = sa->iv_len;
		job->hash_start_src_offset_in_bytes = 0;
		job->msg_len_to_hash_in_bytes = sa->hdr_len + ct;
		job->u.HMAC._hashed_auth_key_xor_ipad = sa->key.cbc.ipad;
		job->u.HMAC._hashed_auth_key_xor_opad = sa->key.cbc.opad;
	}
}

/*
 * After decryption: ICV, replay update, padding (RFC 4303 2.4), strip. Returns the
 * status, and the next header through *nh for a good packet.
 */
static inline uint8_t
inb_finish(struct lns_esp_sa *sa, struct rte_mbuf *m, uint32_t seq,
	   const struct inb_scratch *scr, uint8_t *nh)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	uint32_t ct = m->data_len - sa->hdr_len - sa->icv_len;
	const uint8_t *tr = p + sa->hdr_len + ct - 2;
	unsigned int pad_len, bad = 0;
	uint8_t st;

	if (esp_icv_diff(scr->icv, p + sa->hdr_len + ct, sa->icv_len) != 0)
		return LNS_ESP_ICV;
	/* Only authenticated packets move the window (3.4.3). */
	st = esp_replay_update(sa, seq);
	if (st != LNS_ESP_OK)
		return st;
	pad_len = tr[0];
	if (pad_len + 2u > ct)
		return LNS_ESP_BAD_PAD_LEN;
	for (unsigned int i = 0; i < pad_len; i++)
		bad |= tr[-(int)pad_len + (int)i] ^ (i + 1);
	if (bad != 0)
		return LNS_ESP_BAD_PAD;
	if (tr[1] == ESP_NH_NONE)
		return LNS_ESP_DUMMY;
	*nh = tr[1];
	rte_pktmbuf_adj(m, sa->hdr_len);
	rte_pktmbuf_trim(m, (uint16_t)(pad_len + 2 + sa->icv_len));
	return LNS_ESP_OK;
}

static void
inb_chunk(IMB_MGR *mgr, struct lns_esp_sa *sa[], struct rte_mbuf *mb[], uint16_t m,
	  uint8_t st[], bool ok[])
{
	struct inb_scratch scr[ESP_CHUNK];
	uint32_t seq[ESP_CHUNK];
	bool done[ESP_CHUNK];
	IMB_JOB *job;

	for (uint16_t j = 0; j < m && j < INB_PREFETCH; j++)
		rte_prefetch0(rte_pktmbuf_mtod(mb[j], void *));
	/* Submit every packet that passed the checks; IMB hands back finished jobs. */
	for (uint16_t j = 0; j < m; j++) {
		if (j + INB_PREFETCH < m)
			rte_prefetch0(rte_pktmbuf_mtod(mb[j + INB_PREFETCH], void *));
		ok[j] = false;
		done[j] = false;
		st[j] = inb_precheck(sa[j], mb[j], &seq[j]);
		if (st[j] != LNS_ESP_OK)
			continue;
		job = IMB_GET_NEXT_JOB(mgr);
		inb_job(job, sa[j], rte_pktmbuf_mtod(mb[j], uint8_t *),
			mb[j]->data_len - sa[j]->hdr_len - sa[j]->icv_len, &scr[j]);
		job->user_data = (void *)(uintptr_t)j;
		esp_submit_collect(mgr, done);
	}
	esp_flush_collect(mgr, done);

	/* In packet order, so the replay window sees the burst as the wire did. */
	for (uint16_t j = 0; j < m; j++) {
		uint8_t nh = 0;

		if (st[j] != LNS_ESP_OK)
			continue;
		if (!done[j]) {
			st[j] = LNS_ESP_CRYPTO;
			continue;
		}
		st[j] = inb_finish(sa[j], mb[j], seq[j], &scr[j], &nh);
		if (st[j] == LNS_ESP_OK) {
			st[j] = nh;
			ok[j] = true;
		}
	}
}

uint16_t
lns_esp_inbound(IMB_MGR *mgr, struct lns_esp_sa *sa[], struct rte_mbuf *mb[],
		uint16_t n, uint8_t status[])
{
	bool ok[ESP_CHUNK];
	uint16_t k = 0, m;

	for (uint16_t lo = 0; lo < n; lo = (uint16_t)(lo + m)) {
		m = (uint16_t)RTE_MIN((unsigned int)(n - lo), ESP_CHUNK);
		inb_chunk(mgr, &sa[lo], &mb[lo], m, &status[lo], ok);
		esp_compact(sa, mb, status, ok, lo, m, &k);
	}
	return k;
}
