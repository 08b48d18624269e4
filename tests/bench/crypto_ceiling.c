/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Crypto-only ceiling for tests/bench/run.sh: Intel IPsec-MB alone, on one core,
 * doing the ESP work lnsd does per packet and nothing else, in bursts of 32 jobs
 * (as lnsd's workers submit them). Not part of the default build: run.sh compiles
 * it with cc and links libIPSec_MB.
 *
 *   crypto_ceiling ALG DIR INNER_SIZE [SECONDS]
 *     ALG  gcm128 | cbc128-sha1     DIR  dec (upstream) | enc (downstream)
 *     INNER_SIZE  subscriber IPv4 bytes; the ESP payload is that plus UDP (8),
 *                 L2TP (6) and PPP (4), padded as RFC 4303 says
 *   prints: ALG DIR SIZE MPPS CYCLES_PER_PACKET TSC_HZ MEAN_MPPS BEST_MPPS
 *           SUBMITTED COMPLETED FAILED
 *
 * The window is cut into slices of SLICE_S; MPPS and CYCLES_PER_PACKET are the
 * MEDIAN slice's, the statistic run.sh takes for every other row too (sample.py);
 * MEAN_MPPS is the whole window's, BEST_MPPS the fastest slice's. The row is verified
 * as the forwarders' rows are: every job submitted must come back completed with
 * IMB_STATUS_COMPLETED (SUBMITTED = COMPLETED, FAILED = 0), else the process exits 1.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <x86intrin.h>

#include <intel-ipsec-mb.h>

#define BURST 32
#define BUF 2048
#define SLICE_S 0.2
#define MAX_SLICES 4096

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
tsc_hz(void)
{
	double t0 = now_s(), t1;
	uint64_t c0 = __rdtsc(), c1;

	do {
		t1 = now_s();
	} while (t1 - t0 < 0.2);
	c1 = __rdtsc();
	return (double)(c1 - c0) / (t1 - t0);
}

int
main(int argc, char **argv)
{
	static uint8_t buf[BURST][BUF] __attribute__((aligned(64)));
	static uint8_t tag[BURST][32];
	DECLARE_ALIGNED(struct gcm_key_data gkey, 64);
	DECLARE_ALIGNED(uint8_t enc_keys[16 * 15], 16);
	DECLARE_ALIGNED(uint8_t dec_keys[16 * 15], 16);
	DECLARE_ALIGNED(uint8_t ipad[32], 16);
	DECLARE_ALIGNED(uint8_t opad[32], 16);
	uint8_t key[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
	uint8_t akey[20] = { 7 }, iv[16] = { 0 }, nonce[12] = { 0 };
	uint32_t k_ipad[16], k_opad[16];
	static double slice[MAX_SLICES];
	double secs, t0, t1, ts0, hz, best = 0, med;
	uint64_t n = 0, ns, submitted = 0, failed = 0;
	unsigned int nslices = 0;
	unsigned long inner;
	IMB_ARCH arch;
	IMB_MGR *mgr;
	int gcm, enc;
	uint32_t pl, ct, hdr, icv;

	if (argc < 4) {
		fprintf(stderr, "usage: crypto_ceiling gcm128|cbc128-sha1 dec|enc SIZE [SECONDS]\n");
		return 2;
	}
	gcm = strcmp(argv[1], "gcm128") == 0;
	if (!gcm && strcmp(argv[1], "cbc128-sha1") != 0)
		return 2;
	enc = strcmp(argv[2], "enc") == 0;
	inner = strtoul(argv[3], NULL, 10);
	secs = argc > 4 ? atof(argv[4]) : 1.0;
	if (inner < 28 || inner > 1500 || secs <= 0)
		return 2;

	mgr = alloc_mb_mgr(0);
	if (mgr == NULL)
		return 1;
	init_mb_mgr_auto(mgr, &arch);

	/* ESP sizes exactly as lns-trafgen frames them (RFC 4303 2.4 padding). */
	pl = (uint32_t)inner + 8 + 6 + 4;
	ct = gcm ? (pl + 2 + 3) / 4 * 4 : (pl + 2 + 15) / 16 * 16;
	hdr = gcm ? 8 + 8 : 8 + 16;
	icv = gcm ? 16 : 12;
	if (gcm) {
		IMB_AES128_GCM_PRE(mgr, key, &gkey);
	} else {
		uint8_t blk[64];

		IMB_AES_KEYEXP_128(mgr, key, enc_keys, dec_keys);
		/* HMAC precomputation (RFC 2104): H(K ^ ipad), H(K ^ opad). */
		memset(blk, 0x36, sizeof(blk));
		for (unsigned int i = 0; i < sizeof(akey); i++)
			blk[i] ^= akey[i];
		IMB_SHA1_ONE_BLOCK(mgr, blk, k_ipad);
		memset(blk, 0x5c, sizeof(blk));
		for (unsigned int i = 0; i < sizeof(akey); i++)
			blk[i] ^= akey[i];
		IMB_SHA1_ONE_BLOCK(mgr, blk, k_opad);
		memcpy(ipad, k_ipad, 20);
		memcpy(opad, k_opad, 20);
	}
	for (int b = 0; b < BURST; b++)
		for (int i = 0; i < BUF; i++)
			buf[b][i] = (uint8_t)(i + b);

	hz = tsc_hz();
	t0 = now_s();
	ts0 = t0;
	ns = 0;
	do {
		for (int r = 0; r < 64; r++) {
			for (int b = 0; b < BURST; b++) {
				IMB_JOB *job = IMB_GET_NEXT_JOB(mgr);

				job->src = buf[b];
				job->key_len_in_bytes = 16;
				job->cipher_direction = enc ? IMB_DIR_ENCRYPT : IMB_DIR_DECRYPT;
				job->chain_order = enc ? IMB_ORDER_CIPHER_HASH : IMB_ORDER_HASH_CIPHER;
				job->auth_tag_output = tag[b];
				job->auth_tag_output_len_in_bytes = icv;
				if (gcm) {
					job->cipher_mode = IMB_CIPHER_GCM;
					job->hash_alg = IMB_AUTH_AES_GMAC;
					job->enc_keys = &gkey;
					job->dec_keys = &gkey;
					job->dst = buf[b] + hdr;
					job->cipher_start_src_offset_in_bytes = hdr;
					job->msg_len_to_cipher_in_bytes = ct;
					job->hash_start_src_offset_in_bytes = hdr;
					job->msg_len_to_hash_in_bytes = ct;
					job->iv = nonce;
					job->iv_len_in_bytes = 12;
					job->u.GCM.aad = buf[b];
					job->u.GCM.aad_len_in_bytes = 8;
				} else {
					job->cipher_mode = IMB_CIPHER_CBC;
					job->hash_alg = IMB_AUTH_HMAC_SHA_1;
					job->enc_keys = enc_keys;
					job->dec_keys = dec_keys;
					job->dst = buf[b] + hdr;
					job->cipher_start_src_offset_in_bytes = hdr;
					job->msg_len_to_cipher_in_bytes = ct;
					job->iv = iv;
					job->iv_len_in_bytes = 16;
					job->hash_start_src_offset_in_bytes = 0;
					job->msg_len_to_hash_in_bytes = hdr + ct;
					job->u.HMAC._hashed_auth_key_xor_ipad = ipad;
					job->u.HMAC._hashed_auth_key_xor_opad = opad;
				}
				submitted++;
				job = IMB_SUBMIT_JOB(mgr);
				while (job != NULL) {
					if (job->status == IMB_STATUS_COMPLETED)
						n++;
					else
						failed++;
					job = IMB_GET_COMPLETED_JOB(mgr);
				}
			}
			for (IMB_JOB *job = IMB_FLUSH_JOB(mgr); job != NULL;
			     job = IMB_FLUSH_JOB(mgr)) {
				if (job->status == IMB_STATUS_COMPLETED)
					n++;
				else
					failed++;
			}
		}
		t1 = now_s();
		if (t1 - ts0 >= SLICE_S || t1 - t0 >= secs) {
			double r = (double)(n - ns) / (t1 - ts0);

			if (r > best)
				best = r;
			if (nslices < MAX_SLICES)
				slice[nslices++] = r;
			ts0 = t1;
			ns = n;
		}
	} while (t1 - t0 < secs);
	qsort(slice, nslices, sizeof(slice[0]), cmp_double);
	med = nslices % 2 ? slice[nslices / 2] : (slice[nslices / 2 - 1] + slice[nslices / 2]) / 2;
	printf("%s %s %lu %.3f %.1f %.0f %.3f %.3f %lu %lu %lu\n", argv[1], enc ? "enc" : "dec",
	       inner, med / 1e6, hz / med, hz, (double)n / (t1 - t0) / 1e6, best / 1e6,
	       (unsigned long)submitted, (unsigned long)n, (unsigned long)failed);
	free_mb_mgr(mgr);
	return n == submitted && failed == 0 ? 0 : 1;
}
