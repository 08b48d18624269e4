/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ESP outbound burst (RFC 4303 3.3): room checks, atomic sequence numbers, framing
 * (header, IV, padding, trailer), then one burst of IPsec-MB jobs. Data path: no
 * logging, no system calls, no locks.
 *
 * IVs.
 * GCM (RFC 4106 3.1) needs an IV that never repeats under one key; it need not be
 * unpredictable. IV = iv_seed[0..7] XOR seq64: distinct for every sequence number
 * (XOR with a constant is a bijection) and the sequence number never repeats, since
 * the counter stops at 2^32-1. The random seed also keeps two instances of one
 * manually keyed SA (for instance after a restart) from repeating IVs.
 * CBC (RFC 3602 2.3) needs unpredictable IVs. IV = AES-K(iv_seed XOR (0^8 || seq64)),
 * the SA's own key applied to a nonce, which is method 1 of NIST SP 800-38A appendix C:
 * unpredictable to anyone without K, and free of any RNG on the data path. It costs
 * one extra AES block, done inside the packet's own job: the nonce is written where
 * the IV goes and the job runs CBC with a zero IV over nonce || payload, so the first
 * output block is AES-K(nonce) -- the IV -- and the rest is exactly CBC under it.
 * 3DES does the same with its 8-byte block: IV = 3DES-K(iv_seed[8..15] XOR seq64).
 */
#include <stdbool.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>

#include "esp_priv.h"

#define OUTB_SEQ_MAX UINT64_C(0xffffffff)

static const uint8_t zero_iv[ESP_CBC_IV_LEN] __rte_aligned(16);

/* Per-packet GCM nonce handed to IPsec-MB. */
struct outb_scratch {
	uint8_t nonce[16] __rte_aligned(16);
};

static inline uint8_t
outb_precheck(const struct lns_esp_sa *sa, const struct rte_mbuf *m, uint8_t *pad)
{
	if (lns_esp_sa_expired(sa))
		return LNS_ESP_SA_EXPIRED;
	if (sa->dir != LNS_ESP_DIR_OUT)
		return LNS_ESP_SA_DIR;
	if (m->nb_segs != 1)
		return LNS_ESP_MULTISEG;
	/* RFC 4303 2.4: payload + pad + 2 fills whole cipher blocks and 4-byte words. */
	*pad = (uint8_t)(-(m->data_len + 2u) & sa->align_mask);
	if (rte_pktmbuf_headroom(m) < sa->hdr_len)
		return LNS_ESP_NO_HEADROOM;
	if (rte_pktmbuf_tailroom(m) < (uint32_t)*pad + 2 + sa->icv_len)
		return LNS_ESP_NO_TAILROOM;
	return LNS_ESP_OK;
}

/*
 * Hand out sequence numbers: one fetch-add per run of packets on the same SA. A number
 * past 2^32-1 is never used (RFC 4303 3.3.3): the packet fails and the SA expires, so
 * the next burst stops at the state check. The 64-bit counter itself cannot wrap.
 */
static void
outb_assign_seq(struct lns_esp_sa *sa[], uint16_t m, uint8_t st[], uint64_t seq[])
{
	uint16_t j = 0, e, cnt;
	uint64_t s;

	while (j < m) {
		cnt = 0;
		for (e = j; e < m && sa[e] == sa[j]; e++)
			cnt = (uint16_t)(cnt + (st[e] == LNS_ESP_OK));
		if (cnt != 0) {
			s = __atomic_fetch_add(&sa[j]->seq, cnt, __ATOMIC_RELAXED);
			for (uint16_t i = j; i < e; i++) {
				if (st[i] != LNS_ESP_OK)
					continue;
				seq[i] = ++s;
				if (s > OUTB_SEQ_MAX) {
					st[i] = LNS_ESP_SEQ_EXHAUSTED;
					lns_esp_sa_expire(sa[i]);
				}
			}
		}
		j = e;
	}
}

/* Frame one packet and fill its job; p is the new start (ESP header). */
static inline void
outb_job(IMB_JOB *job, const struct lns_esp_sa *sa, struct rte_mbuf *m, uint8_t pad,
	 uint8_t nh, uint64_t seq, struct outb_scratch *scr)
{
	uint32_t plen = m->data_len, ct = plen + pad + 2u;
	uint8_t *p = (uint8_t *)rte_pktmbuf_prepend(m, sa->hdr_len);
	uint8_t *tr = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(pad + 2 + sa->icv_len));
	rte_be32_t w = rte_cpu_to_be_32((uint32_t)seq);
	rte_be64_t s64 = rte_cpu_to_be_64(seq);
	uint64_t x;

	/* Room was checked, so neither prepend nor append can fail here. */
	memcpy(p, &sa->spi_be, 4);
	memcpy(p + 4, &w, 4);
	for (unsigned int i = 0; i < pad; i++)
		tr[i] = (uint8_t)(i + 1);
	tr[pad] = pad;
	tr[pad + 1] = nh;

	job->key_len_in_bytes = sa->key_len;
	job->src = p;
	job->cipher_direction = IMB_DIR_ENCRYPT;
	job->chain_order = IMB_ORDER_CIPHER_HASH;
	job->auth_tag_output = p + sa->hdr_len + ct;
	job->auth_tag_output_len_in_bytes = sa->icv_len;
	if (sa->cipher == LNS_ESP_CIPHER_AES_GCM16) {
		memcpy(&x, sa->iv_seed, 8);
		x ^= s64;
		memcpy(p + LNS_ESP_HDR_LEN, &x, 8);
		memcpy(scr->nonce, sa->salt, 4);
		memcpy(scr->nonce + 4, &x, 8);
		job->cipher_mode = IMB_CIPHER_GCM;
		job->hash_alg = IMB_AUTH_AES_GMAC;
		job->enc_keys = &sa->key.gcm;
		job->dec_keys = &sa->key.gcm;
		job->dst = p + sa->hdr_len;
		job->cipher_start_src_offset_in_bytes = sa->hdr_len;
		job->msg_len_to_cipher_in_bytes = ct;
		job->hash_start_src_offset_in_bytes = sa->hdr_len;
		job->msg_len_to_hash_in_bytes = ct;
		job->iv = scr->nonce;
		job->iv_len_in_bytes = 12;
		job->u.GCM.aad = p;
		job->u.GCM.aad_len_in_bytes = LNS_ESP_HDR_LEN;
	} else {
		/* Nonce in the IV slot; CBC from a zero IV turns it into E-K(nonce). The
		 * nonce is one cipher block: seed || seed^seq (AES), seed^seq (3DES). */
		uint8_t *n = p + LNS_ESP_HDR_LEN + sa->iv_len - 8;

		memcpy(p + LNS_ESP_HDR_LEN, sa->iv_seed, sa->iv_len - 8u);
		memcpy(&x, sa->iv_seed + 8, 8);
		x ^= s64;
		memcpy(n, &x, 8);
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
		job->dst = p + LNS_ESP_HDR_LEN;
		job->cipher_start_src_offset_in_bytes = LNS_ESP_HDR_LEN;
		job->msg_len_to_cipher_in_bytes = sa->iv_len + ct;
		job->iv = zero_iv;
		job->iv_len_in_bytes = sa->iv_len;
		job->hash_start_src_offset_in_bytes = 0;
		job->msg_len_to_hash_in_bytes = sa->hdr_len + ct;
		job->u.HMAC._hashed_auth_key_xor_ipad = sa->key.cbc.ipad;
		job->u.HMAC._hashed_auth_key_xor_opad = sa->key.cbc.opad;
	}
}

static void
outb_chunk(IMB_MGR *mgr, struct lns_esp_sa *sa[], struct rte_mbuf *mb[], uint16_t m,
	   const uint8_t next_hdr[], uint8_t st[], bool ok[])
{
	struct outb_scratch scr[ESP_CHUNK];
	uint64_t seq[ESP_CHUNK];
	uint8_t pad[ESP_CHUNK];
	bool done[ESP_CHUNK];
	IMB_JOB *job;

	for (uint16_t j = 0; j < m; j++) {
		ok[j] = false;
		done[j] = false;
		st[j] = outb_precheck(sa[j], mb[j], &pad[j]);
	}
	outb_assign_seq(sa, m, st, seq);
	for (uint16_t j = 0; j < m; j++) {
		if (st[j] != LNS_ESP_OK)
			continue;
		if (j + 1 < m)
			rte_prefetch0(rte_pktmbuf_mtod(mb[j + 1], void *));
		job = IMB_GET_NEXT_JOB(mgr);
		outb_job(job, sa[j], mb[j], pad[j],
			 next_hdr != NULL ? next_hdr[j] : sa[j]->next_hdr, seq[j], &scr[j]);
		job->user_data = (void *)(uintptr_t)j;
		esp_submit_collect(mgr, done);
	}
	esp_flush_collect(mgr, done);
	for (uint16_t j = 0; j < m; j++) {
		if (st[j] != LNS_ESP_OK)
			continue;
		if (done[j])
			ok[j] = true;
		else
			st[j] = LNS_ESP_CRYPTO;
	}
}

uint16_t
lns_esp_outbound(IMB_MGR *mgr, struct lns_esp_sa *sa[], struct rte_mbuf *mb[],
		 uint16_t n, const uint8_t next_hdr[], uint8_t status[])
{
	bool ok[ESP_CHUNK];
	uint16_t k = 0, m;

	/* Chunks are still unpermuted when processed, so next_hdr[lo + j] is theirs. */
	for (uint16_t lo = 0; lo < n; lo = (uint16_t)(lo + m)) {
		m = (uint16_t)RTE_MIN((unsigned int)(n - lo), ESP_CHUNK);
		outb_chunk(mgr, &sa[lo], &mb[lo], m, next_hdr != NULL ? &next_hdr[lo] : NULL,
			   &status[lo], ok);
		esp_compact(sa, mb, status, ok, lo, m, &k);
	}
	return k;
}
