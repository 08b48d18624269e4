/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/esp internals shared by the SA set-up and the two bursts (and by the unit test,
 * which checks the HMAC precompute and the replay window on their own).
 */
#ifndef LNS_ESP_PRIV_H
#define LNS_ESP_PRIV_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "lns_esp.h"

/*
 * Packets handed to IPsec-MB per round: the scratch (GCM nonces, computed ICVs) lives
 * on the stack, and IMB's in-order queue holds IMB_MAX_JOBS, far more than this.
 */
#define ESP_CHUNK 64u

#define ESP_GCM_IV_LEN   8u
#define ESP_GCM_ICV_LEN  16u
#define ESP_CBC_IV_LEN   16u
#define ESP_AES_BLOCK    16u
#define ESP_DES_BLOCK    8u	/* 3DES block and IV (RFC 2451 2.3) */
#define ESP_NH_NONE      59u	/* RFC 4303 2.6: dummy packet */

/* Maximum digest / ICV sizes handled. */
#define ESP_HMAC_BLOCK   64u
#define ESP_DIGEST_MAX   32u

/* Fixed part of struct lns_esp_sa: config line, 16 key lines, one mutable line. */
#define ESP_SA_FIXED_LINES 18u

/*
 * HMAC set-up (RFC 2104): keys longer than the block are hashed first; the inner and
 * outer pads are hashed one block each, and IPsec-MB resumes from those states.
 * ipad/opad receive the 20- or 32-byte state. Any key length.
 */
int esp_hmac_precompute(IMB_MGR *mgr, enum lns_esp_auth auth, const uint8_t *key,
			size_t key_len, uint8_t *ipad, uint8_t *opad);

/*
 * Full HMAC of msg with the given key, through esp_hmac_precompute() and an IPsec-MB
 * job with the untruncated tag (20 or 32 bytes). Control path / tests.
 */
int esp_hmac(IMB_MGR *mgr, enum lns_esp_auth auth, const uint8_t *key, size_t key_len,
	     const uint8_t *msg, size_t msg_len, uint8_t *out);

/*
 * Submit the job just filled (its user_data is the packet's index in the chunk) and
 * record every job IPsec-MB hands back as completed or not in done[].
 */
static inline void
esp_submit_collect(IMB_MGR *mgr, bool done[])
{
	IMB_JOB *job = IMB_SUBMIT_JOB(mgr);

	while (job != NULL) {
		done[(uintptr_t)job->user_data] = job->status == IMB_STATUS_COMPLETED;
		job = IMB_GET_COMPLETED_JOB(mgr);
	}
}

/* Flush the manager, recording the remaining jobs in done[]. */
static inline void
esp_flush_collect(IMB_MGR *mgr, bool done[])
{
	IMB_JOB *job;

	while ((job = IMB_FLUSH_JOB(mgr)) != NULL)
		done[(uintptr_t)job->user_data] = job->status == IMB_STATUS_COMPLETED;
}

/* Digest (untruncated) size of an HMAC transform, 0 for none. */
static inline unsigned int
esp_digest_len(enum lns_esp_auth auth)
{
	return auth == LNS_ESP_AUTH_HMAC_SHA1_96 ? 20u :
	       auth == LNS_ESP_AUTH_HMAC_SHA256_128 ? 32u : 0u;
}

/*
 * Move the good packets of the chunk [lo, lo + m) in front of the bad packets already
 * gathered at [*k, lo), keeping order on both sides; mb, sa and status move together.
 * ok[j] says whether packet lo + j is good.
 */
void esp_compact(struct lns_esp_sa *sa[], struct rte_mbuf *mb[], uint8_t status[],
		 const bool ok[], uint16_t lo, uint16_t m, uint16_t *k);

/* Constant-time compare of two ICVs (12 or 16 bytes): 0 when equal. */
static inline uint64_t
esp_icv_diff(const uint8_t *a, const uint8_t *b, unsigned int len)
{
	uint64_t x, y, d;
	uint32_t u, v;

	memcpy(&x, a, 8);
	memcpy(&y, b, 8);
	d = x ^ y;
	if (len == 16) {
		memcpy(&x, a + 8, 8);
		memcpy(&y, b + 8, 8);
		d |= x ^ y;
	} else {
		memcpy(&u, a + 8, 4);
		memcpy(&v, b + 8, 4);
		d |= u ^ v;
	}
	return d;
}

/*
 * Anti-replay window, RFC 4303 3.4.3 (no ESN). rp_top is the highest authenticated
 * sequence number; bit (s mod 64*(mask+1)) of the bitmap records s. The bitmap has at
 * least one word more than the window needs, so sliding right clears only words that
 * hold numbers now outside the window. All arithmetic is on 32-bit sequence numbers
 * that never wrap (the sender must stop at 2^32-1), so plain compares are exact.
 */
static inline enum lns_esp_status
esp_replay_check(const struct lns_esp_sa *sa, uint32_t seq)
{
	uint32_t w;

	if (sa->rp_win == 0)
		return LNS_ESP_OK;
	if (seq > sa->rp_top)
		return LNS_ESP_OK;
	/* The first packet of an SA carries 1 (RFC 4303 3.3.3): 0 is never valid. */
	if (seq == 0 || sa->rp_top - seq >= sa->rp_win)
		return LNS_ESP_REPLAY_OLD;
	w = (seq >> 6) & sa->rp_mask;
	return (sa->rp_bmp[w] >> (seq & 63)) & 1 ? LNS_ESP_REPLAY : LNS_ESP_OK;
}

/* Record an authenticated packet; re-checks, since one burst may repeat a number. */
static inline enum lns_esp_status
esp_replay_update(struct lns_esp_sa *sa, uint32_t seq)
{
	enum lns_esp_status st = esp_replay_check(sa, seq);
	uint32_t top_w, new_w, steps;

	if (st != LNS_ESP_OK || sa->rp_win == 0)
		return st;
	if (seq > sa->rp_top) {
		top_w = sa->rp_top >> 6;
		new_w = seq >> 6;
		steps = new_w - top_w;
		if (steps > sa->rp_mask + 1)
			steps = sa->rp_mask + 1;
		for (uint32_t i = 1; i <= steps; i++)
			sa->rp_bmp[(top_w + i) & sa->rp_mask] = 0;
		sa->rp_top = seq;
	}
	sa->rp_bmp[(seq >> 6) & sa->rp_mask] |= UINT64_C(1) << (seq & 63);
	return LNS_ESP_OK;
}

#endif /* LNS_ESP_PRIV_H */
