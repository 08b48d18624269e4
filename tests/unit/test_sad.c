/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the SA database: add/lookup, drop-now, RCU-deferred reclaim, handle
 * reuse, and the id pool under it.
 */
#include <errno.h>
#include <string.h>

#include <CUnit/Basic.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "lns_idpool.h"
#include "lns_sad.h"

static IMB_MGR *mgr;
static struct rte_rcu_qsbr *qsbr;

static const uint8_t key_gcm[20] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
				     0xca, 0xfe, 0xba, 0xbe };

static void
params(struct lns_esp_sa_params *in, struct lns_esp_sa_params *out, uint32_t spi_in,
       uint32_t spi_out)
{
	memset(in, 0, sizeof(*in));
	in->spi = spi_in;
	in->dir = LNS_ESP_DIR_IN;
	in->mode = LNS_ESP_MODE_TRANSPORT;
	in->cipher = LNS_ESP_CIPHER_AES_GCM16;
	in->auth = LNS_ESP_AUTH_NONE;
	in->enc_key = key_gcm;
	in->enc_key_len = sizeof(key_gcm);
	in->replay_win = 64;
	*out = *in;
	out->spi = spi_out;
	out->dir = LNS_ESP_DIR_OUT;
	out->replay_win = 0;
	out->iv_seed = key_gcm;
}

static const struct lns_sad_peer peer = {
	.addr = 0x0200000a, .udp_encap = 1, .peer_port = 4500, .local_port = 4500,
};

static void
test_add_lookup_drop_reclaim(void)
{
	struct lns_sad *sad = lns_sad_create(8, 0, qsbr, 2);
	struct lns_esp_sa_params in, out;
	uint32_t hi, ho, hi2, ho2;
	struct lns_sad_entry *e;

	CU_ASSERT_PTR_NOT_NULL_FATAL(sad);
	params(&in, &out, 0x1001, 0x2001);
	CU_ASSERT_EQUAL_FATAL(lns_sad_add_pair(sad, mgr, 7, &in, &out, &peer, &hi, &ho), 0);
	CU_ASSERT_NOT_EQUAL(hi, ho);
	CU_ASSERT_EQUAL(lns_sad_lookup(sad, rte_cpu_to_be_32(0x1001)), hi);
	/* outbound SPIs are not looked up by SPI */
	CU_ASSERT_EQUAL(lns_sad_lookup(sad, rte_cpu_to_be_32(0x2001)), LNS_SAD_NONE);
	CU_ASSERT_EQUAL(lns_sad_lookup(sad, rte_cpu_to_be_32(0x9999)), LNS_SAD_NONE);
	/* the bulk lookup agrees key by key, hits and misses mixed */
	{
		uint32_t spis[64], hs[64];

		for (unsigned int i = 0; i < RTE_DIM(spis); i++)
			spis[i] = rte_cpu_to_be_32(i % 3 == 0 ? 0x1001 : i % 3 == 1 ? 0x2001 : 0x9999);
		lns_sad_lookup_bulk(sad, spis, RTE_DIM(spis), hs);
		for (unsigned int i = 0; i < RTE_DIM(spis); i++)
			CU_ASSERT_EQUAL(hs[i], i % 3 == 0 ? hi : LNS_SAD_NONE);
	}
	e = lns_sad_get(sad, hi);
	CU_ASSERT(lns_sad_usable(e));
	CU_ASSERT_EQUAL(e->pair, ho);
	CU_ASSERT_EQUAL(e->conn, 7);
	CU_ASSERT_EQUAL(e->peer_port, rte_cpu_to_be_16(4500));
	CU_ASSERT_EQUAL(lns_sad_get(sad, ho)->dir, LNS_ESP_DIR_OUT);
	CU_ASSERT_EQUAL(sad->n_active, 2);

	/* the same inbound SPI twice is refused */
	CU_ASSERT_EQUAL(lns_sad_add_pair(sad, mgr, 8, &in, &out, &peer, &hi2, &ho2), -EEXIST);

	/* drop now: both directions unusable at once, lookup still finds the SPI */
	CU_ASSERT_EQUAL(lns_sad_drop(sad, hi), 2);
	CU_ASSERT(!lns_sad_usable(lns_sad_get(sad, hi)));
	CU_ASSERT(!lns_sad_usable(lns_sad_get(sad, ho)));
	CU_ASSERT(lns_esp_sa_expired(lns_sad_get(sad, hi)->esp));
	CU_ASSERT(lns_esp_sa_expired(lns_sad_get(sad, ho)->esp));
	CU_ASSERT_EQUAL(lns_sad_lookup(sad, rte_cpu_to_be_32(0x1001)), hi);
	CU_ASSERT_EQUAL(lns_sad_drop(sad, ho), 0); /* already dropped */
	CU_ASSERT_EQUAL(sad->n_active, 0);
	CU_ASSERT_EQUAL(sad->n_dropped, 2);

	/* inside the hold-down nothing moves, even with the worker quiescent */
	rte_rcu_qsbr_quiescent(qsbr, 0);
	CU_ASSERT_EQUAL(lns_sad_reclaim(sad, rte_get_tsc_cycles(), rte_get_tsc_hz() * 60), 0);
	CU_ASSERT_EQUAL(lns_sad_lookup(sad, rte_cpu_to_be_32(0x1001)), hi);
	/* ... and once it has passed, the SPI leaves the hash */
	CU_ASSERT_EQUAL(lns_sad_reclaim(sad, rte_get_tsc_cycles() + rte_get_tsc_hz() * 61,
					rte_get_tsc_hz() * 60), 1);
	CU_ASSERT_EQUAL(lns_sad_lookup(sad, rte_cpu_to_be_32(0x1001)), LNS_SAD_NONE);
	rte_rcu_qsbr_quiescent(qsbr, 0);
	CU_ASSERT_EQUAL(lns_sad_reclaim(sad, rte_get_tsc_cycles(), 0), 1);
	CU_ASSERT_PTR_NULL(lns_sad_get(sad, hi)->esp);
	CU_ASSERT_EQUAL(sad->n_dropped, 0);
	lns_sad_free(sad);
}

/* Tunnel mode's inner addresses (the Quick Mode selectors): on both directions. */
static void
test_inner_addresses(void)
{
	struct lns_sad *sad = lns_sad_create(8, 0, qsbr, 2);
	struct lns_sad_peer np = peer;
	struct lns_esp_sa_params in, out;
	uint32_t h[2];

	CU_ASSERT_PTR_NOT_NULL_FATAL(sad);
	/* none given: the outer peer */
	params(&in, &out, 0x1001, 0x2001);
	CU_ASSERT_EQUAL_FATAL(lns_sad_add_pair(sad, mgr, 7, &in, &out, &peer, &h[0], &h[1]), 0);
	for (int d = 0; d < 2; d++)
		CU_ASSERT_EQUAL(lns_sad_get(sad, h[d])->inner_peer, peer.addr);
	/* behind a NAT: the client's own address, apart from the NAT's outer one */
	np.inner_peer = 0x0201a8c0;             /* 192.168.1.2 */
	np.inner_local = 0x016433c6;            /* 198.51.100.1 */
	params(&in, &out, 0x1002, 0x2002);
	CU_ASSERT_EQUAL_FATAL(lns_sad_add_pair(sad, mgr, 8, &in, &out, &np, &h[0], &h[1]), 0);
	for (int d = 0; d < 2; d++) {
		const struct lns_sad_entry *e = lns_sad_get(sad, h[d]);

		CU_ASSERT_EQUAL(e->peer, peer.addr);
		CU_ASSERT_EQUAL(e->inner_peer, np.inner_peer);
		CU_ASSERT_EQUAL(e->inner_local, np.inner_local);
	}
	lns_sad_free(sad);
}

static void
test_reclaim_waits_for_workers(void)
{
	struct lns_sad *sad = lns_sad_create(8, 0, qsbr, 2);
	struct lns_esp_sa_params in, out;
	uint32_t hi, ho, hi2, ho2;

	CU_ASSERT_PTR_NOT_NULL_FATAL(sad);
	params(&in, &out, 0x1001, 0x2001);
	CU_ASSERT_EQUAL_FATAL(lns_sad_add_pair(sad, mgr, 7, &in, &out, &peer, &hi, &ho), 0);
	CU_ASSERT_EQUAL(lns_sad_drop(sad, hi), 2);
	/* the worker (thread 0) has not reported: nothing may be freed */
	CU_ASSERT_EQUAL(lns_sad_reclaim(sad, rte_get_tsc_cycles(), 0), 0);
	CU_ASSERT_EQUAL(lns_sad_lookup(sad, rte_cpu_to_be_32(0x1001)), hi);
	/* quiescent once: the SPI leaves the hash, memory waits for a second grace */
	rte_rcu_qsbr_quiescent(qsbr, 0);
	CU_ASSERT_EQUAL(lns_sad_reclaim(sad, rte_get_tsc_cycles(), 0), 1); /* the outbound SA has no SPI step */
	CU_ASSERT_EQUAL(lns_sad_lookup(sad, rte_cpu_to_be_32(0x1001)), LNS_SAD_NONE);
	CU_ASSERT_PTR_NOT_NULL(lns_sad_get(sad, hi)->esp);
	rte_rcu_qsbr_quiescent(qsbr, 0);
	CU_ASSERT_EQUAL(lns_sad_reclaim(sad, rte_get_tsc_cycles(), 0), 1);
	CU_ASSERT_PTR_NULL(lns_sad_get(sad, hi)->esp);
	CU_ASSERT_EQUAL(lns_sad_get(sad, hi)->state, LNS_SAD_FREE);
	CU_ASSERT_EQUAL(sad->n_dropped, 0);

	/* the SPI can be used again */
	CU_ASSERT_EQUAL(lns_sad_add_pair(sad, mgr, 9, &in, &out, &peer, &hi2, &ho2), 0);
	CU_ASSERT_EQUAL(lns_sad_lookup(sad, rte_cpu_to_be_32(0x1001)), hi2);
	lns_sad_free(sad);
}

static void
test_full_and_bad_params(void)
{
	struct lns_sad *sad = lns_sad_create(4, 0, qsbr, 2);
	struct lns_esp_sa_params in, out;
	uint32_t hi, ho;

	CU_ASSERT_PTR_NOT_NULL_FATAL(sad);
	params(&in, &out, 0x10, 0x20);
	CU_ASSERT_EQUAL(lns_sad_add_pair(sad, mgr, 1, &in, &out, &peer, &hi, &ho), 0);
	params(&in, &out, 0x11, 0x21);
	CU_ASSERT_EQUAL(lns_sad_add_pair(sad, mgr, 2, &in, &out, &peer, &hi, &ho), 0);
	params(&in, &out, 0x12, 0x22);
	CU_ASSERT_EQUAL(lns_sad_add_pair(sad, mgr, 3, &in, &out, &peer, &hi, &ho), -ENOSPC);
	/* a key of the wrong length is refused and consumes nothing */
	lns_sad_drop_conn(sad, 2);
	rte_rcu_qsbr_quiescent(qsbr, 0);
	lns_sad_reclaim(sad, rte_get_tsc_cycles(), 0);
	rte_rcu_qsbr_quiescent(qsbr, 0);
	CU_ASSERT_EQUAL(lns_sad_reclaim(sad, rte_get_tsc_cycles(), 0), 1);
	params(&in, &out, 0x13, 0x23);
	in.enc_key_len = 17;
	CU_ASSERT_EQUAL(lns_sad_add_pair(sad, mgr, 4, &in, &out, &peer, &hi, &ho), -EINVAL);
	in.enc_key_len = sizeof(key_gcm);
	CU_ASSERT_EQUAL(lns_sad_add_pair(sad, mgr, 4, &in, &out, &peer, &hi, &ho), 0);
	/* directions swapped are refused */
	params(&in, &out, 0x14, 0x24);
	CU_ASSERT_EQUAL(lns_sad_add_pair(sad, mgr, 5, &out, &in, &peer, &hi, &ho), -EINVAL);
	CU_ASSERT_EQUAL(lns_sad_drop(sad, 99), -EINVAL);
	CU_ASSERT_EQUAL(lns_sad_drop_conn(sad, 1), 2);
	CU_ASSERT_EQUAL(lns_sad_drop_conn(sad, 4), 2);
	CU_ASSERT_EQUAL(lns_sad_drop_conn(sad, 4), 0);
	lns_sad_free(sad); /* frees dropped SAs still waiting too (ASan checks) */
}

static void
test_idpool(void)
{
	struct lns_idpool *p = lns_idpool_create(1, 3);
	uint32_t a, b, c, d;

	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL(lns_idpool_get(p, &a), 0);
	CU_ASSERT_EQUAL(lns_idpool_get(p, &b), 0);
	CU_ASSERT_EQUAL(lns_idpool_get(p, &c), 0);
	CU_ASSERT(a == 1 && b == 2 && c == 3);
	CU_ASSERT_EQUAL(lns_idpool_get(p, &d), -ENOSPC);
	CU_ASSERT(lns_idpool_in_use(p, 2));
	CU_ASSERT_EQUAL(lns_idpool_put(p, 2), 0);
	CU_ASSERT(!lns_idpool_in_use(p, 2));
	CU_ASSERT_EQUAL(lns_idpool_put(p, 2), -EINVAL); /* double free */
	CU_ASSERT_EQUAL(lns_idpool_put(p, 0), -EINVAL); /* not from the pool */
	CU_ASSERT_EQUAL(lns_idpool_put(p, 4), -EINVAL);
	CU_ASSERT_EQUAL(lns_idpool_put(p, 1), 0);
	/* FIFO: the id freed first comes back first */
	CU_ASSERT_EQUAL(lns_idpool_get(p, &d), 0);
	CU_ASSERT_EQUAL(d, 2);
	CU_ASSERT_EQUAL(lns_idpool_get(p, &d), 0);
	CU_ASSERT_EQUAL(d, 1);
	CU_ASSERT_EQUAL(lns_idpool_available(p), 0);
	lns_idpool_free(p);
	CU_ASSERT_PTR_NULL(lns_idpool_create(0, 0));
	CU_ASSERT_PTR_NULL(lns_idpool_create(UINT32_MAX, 2));
}

/* Reserved ids (static tunnels) are never handed out, fresh pool or used one. */
static void
test_idpool_reserve(void)
{
	struct lns_idpool *p = lns_idpool_create(1, 6);
	uint32_t got[6], n = 0, id;

	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL(lns_idpool_reserve(p, 1), 0);      /* at the head */
	CU_ASSERT_EQUAL(lns_idpool_reserve(p, 4), 0);      /* in place, mid ring */
	CU_ASSERT_EQUAL(lns_idpool_reserve(p, 4), -EEXIST);
	CU_ASSERT_EQUAL(lns_idpool_reserve(p, 0), -EINVAL);
	CU_ASSERT_EQUAL(lns_idpool_reserve(p, 7), -EINVAL);
	CU_ASSERT(lns_idpool_in_use(p, 1) && lns_idpool_in_use(p, 4));
	CU_ASSERT_EQUAL(lns_idpool_available(p), 4);
	while (lns_idpool_get(p, &id) == 0)
		got[n++] = id;
	CU_ASSERT_EQUAL(n, 4);
	for (uint32_t i = 0; i < n; i++)
		CU_ASSERT(got[i] != 1 && got[i] != 4);
	/* after churn the id no longer sits where create put it: found by the scan */
	CU_ASSERT_EQUAL(lns_idpool_put(p, got[2]), 0);
	CU_ASSERT_EQUAL(lns_idpool_put(p, got[0]), 0);
	CU_ASSERT_EQUAL(lns_idpool_put(p, got[3]), 0);
	CU_ASSERT_EQUAL(lns_idpool_reserve(p, got[0]), 0);
	CU_ASSERT_EQUAL(lns_idpool_available(p), 2);
	CU_ASSERT_EQUAL(lns_idpool_get(p, &id), 0);
	CU_ASSERT(id == got[2] || id == got[3]);
	CU_ASSERT_EQUAL(lns_idpool_get(p, &n), 0);
	CU_ASSERT(n != id && (n == got[2] || n == got[3]));
	CU_ASSERT_EQUAL(lns_idpool_get(p, &id), -ENOSPC);
	/* a reserved id goes back like any other */
	CU_ASSERT_EQUAL(lns_idpool_put(p, 4), 0);
	CU_ASSERT_EQUAL(lns_idpool_get(p, &id), 0);
	CU_ASSERT_EQUAL(id, 4);
	lns_idpool_free(p);
}

struct expiry { uint32_t h[8]; int hard[8]; int n; };

static void
on_expiry(void *arg, uint32_t h, int hard)
{
	struct expiry *x = arg;

	if (x->n < 8) {
		x->h[x->n] = h;
		x->hard[x->n] = hard;
	}
	x->n++;
}

/* Byte and time lifetimes: soft at 90 %, hard at 100 %, each reported once, and
 * counters from two slots add up. */
static void
test_lifetimes(void)
{
	struct lns_sad *sad = lns_sad_create(8, 0, qsbr, 2);
	struct lns_esp_sa_params in, out;
	struct expiry x = { .n = 0 };
	uint64_t hz = 1000, t0;
	uint32_t hi, ho;

	CU_ASSERT_PTR_NOT_NULL_FATAL(sad);
	params(&in, &out, 0x4001, 0x4002);
	CU_ASSERT_EQUAL_FATAL(lns_sad_add_pair(sad, mgr, 9, &in, &out, &peer, &hi, &ho), 0);
	t0 = sad->cold[ho].created_tsc;     /* the later of the two */
	CU_ASSERT_EQUAL(lns_sad_set_lifetime(sad, hi, 0, 1000), 0);
	CU_ASSERT_EQUAL(lns_sad_set_lifetime(sad, ho, 100, 0), 0);     /* 100 "seconds" */
	CU_ASSERT_EQUAL(lns_sad_set_lifetime(sad, 7, 100, 0), -EINVAL); /* not in use */
	lns_sad_count(sad, 0, hi, 5, 500);
	lns_sad_count(sad, 1, hi, 3, 300);
	CU_ASSERT_EQUAL(lns_sad_ctr(sad, hi, LNS_SAD_PKTS), 8);
	CU_ASSERT_EQUAL(lns_sad_ctr(sad, hi, LNS_SAD_BYTES), 800);
	CU_ASSERT_EQUAL(lns_sad_check_lifetimes(sad, t0 + 10 * hz, hz, 8, on_expiry, &x), 0);
	lns_sad_count(sad, 1, hi, 1, 100);                              /* 900: soft */
	CU_ASSERT_EQUAL(lns_sad_check_lifetimes(sad, t0 + 10 * hz, hz, 8, on_expiry, &x), 1);
	CU_ASSERT_EQUAL(x.h[0], hi);
	CU_ASSERT_EQUAL(x.hard[0], 0);
	/* reported once only */
	CU_ASSERT_EQUAL(lns_sad_check_lifetimes(sad, t0 + 10 * hz, hz, 8, on_expiry, &x), 0);
	/* time: the outbound SA passes 90 s and then 100 s; a scan of 3 slots at a time
	 * still covers the table over calls */
	CU_ASSERT_EQUAL(lns_sad_check_lifetimes(sad, t0 + 95 * hz, hz, 3, on_expiry, &x) +
			lns_sad_check_lifetimes(sad, t0 + 95 * hz, hz, 3, on_expiry, &x) +
			lns_sad_check_lifetimes(sad, t0 + 95 * hz, hz, 3, on_expiry, &x), 1);
	CU_ASSERT_EQUAL(x.h[1], ho);
	CU_ASSERT_EQUAL(x.hard[1], 0);
	lns_sad_count(sad, 0, hi, 1, 100);                              /* 1000: hard */
	CU_ASSERT_EQUAL(lns_sad_check_lifetimes(sad, t0 + 100 * hz, hz, 8, on_expiry, &x), 2);
	CU_ASSERT_EQUAL(x.n, 4);
	CU_ASSERT(x.hard[2] == 1 && x.hard[3] == 1);
	/* both at once: soft then hard for a fresh SA that jumps past both */
	params(&in, &out, 0x4003, 0x4004);
	CU_ASSERT_EQUAL_FATAL(lns_sad_add_pair(sad, mgr, 10, &in, &out, &peer, &hi, &ho), 0);
	lns_sad_set_lifetime(sad, hi, 0, 10);
	lns_sad_count(sad, 0, hi, 1, 50);
	x.n = 0;
	CU_ASSERT_EQUAL(lns_sad_check_lifetimes(sad, t0 + 100 * hz, hz, 8, on_expiry, &x), 2);
	CU_ASSERT(x.hard[0] == 0 && x.hard[1] == 1 && x.h[0] == hi && x.h[1] == hi);
	lns_sad_free(sad);
}

int
main(void)
{
	char *eal[] = { "test_sad", "--no-huge", "-m", "128", "--no-pci", "--no-shconf",
			"-l", "0", "--log-level=lib.*:error", NULL };
	CU_pSuite s;
	unsigned int fails;
	size_t sz;

	if (rte_eal_init(9, eal) < 0)
		return 2;
	mgr = lns_esp_mgr_create();
	sz = rte_rcu_qsbr_get_memsize(1);
	qsbr = rte_zmalloc(NULL, sz, RTE_CACHE_LINE_SIZE);
	if (mgr == NULL || qsbr == NULL || rte_rcu_qsbr_init(qsbr, 1) != 0)
		return 2;
	rte_rcu_qsbr_thread_register(qsbr, 0);
	rte_rcu_qsbr_thread_online(qsbr, 0);

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	s = CU_add_suite("sad", NULL, NULL);
	CU_add_test(s, "add, lookup, drop now, reclaim after grace", test_add_lookup_drop_reclaim);
	CU_add_test(s, "tunnel mode inner addresses on both directions", test_inner_addresses);
	CU_add_test(s, "reclaim waits for the workers' grace periods", test_reclaim_waits_for_workers);
	CU_add_test(s, "table full and refused parameters", test_full_and_bad_params);
	CU_add_test(s, "id pool", test_idpool);
	CU_add_test(s, "id pool reserves given ids", test_idpool_reserve);
	CU_add_test(s, "byte and time lifetimes, soft then hard", test_lifetimes);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures();
	CU_cleanup_registry();
	rte_rcu_qsbr_thread_offline(qsbr, 0);
	rte_free(qsbr);
	lns_esp_mgr_free(mgr);
	rte_eal_cleanup();
	return fails ? 1 : 0;
}
