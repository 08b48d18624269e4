/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of address pools and IPCP (RFC 1332, RFC 1877 DNS). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "ppp/ppp_harness.h"

static void
test_pool_basic(void)
{
	const uint8_t auth[] = { LNS_AUTH_PAP };
	struct harness h;
	uint32_t a[5], x;
	int main_idx;

	h_init(&h, auth, 1);
	h.pools = lns_pools_create(&h.conf);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h.pools);
	main_idx = lns_pools_find(h.pools, "main");
	CU_ASSERT_EQUAL(main_idx, 0);
	CU_ASSERT_EQUAL(lns_pools_find(h.pools, "nope"), -ENOENT);
	CU_ASSERT_EQUAL(lns_pools_available(h.pools, 0), 4);
	/* reserve one in the middle (static provisioning) */
	CU_ASSERT_EQUAL(lns_pools_reserve(h.pools, h_ip("10.1.0.2")), 0);
	CU_ASSERT_EQUAL(lns_pools_reserve(h.pools, h_ip("10.1.0.2")), -EEXIST);
	for (int i = 0; i < 3; i++)
		CU_ASSERT_EQUAL(lns_pools_alloc(h.pools, 0, &a[i]), 0);
	CU_ASSERT_EQUAL(a[0], h_ip("10.1.0.1"));
	CU_ASSERT_EQUAL(a[1], h_ip("10.1.0.3"));   /* .2 skipped: reserved */
	CU_ASSERT_EQUAL(a[2], h_ip("10.1.0.4"));
	CU_ASSERT_EQUAL(lns_pools_alloc(h.pools, 0, &x), -ENOSPC);
	CU_ASSERT_EQUAL(lns_pools_available(h.pools, 0), 0);
	/* release goes to the back: FIFO reuse */
	CU_ASSERT_EQUAL(lns_pools_release(h.pools, a[1]), 0);
	CU_ASSERT_EQUAL(lns_pools_release(h.pools, a[1]), -ENOENT);  /* double release */
	CU_ASSERT_EQUAL(lns_pools_release(h.pools, h_ip("10.1.0.2")), 0);
	CU_ASSERT_EQUAL(lns_pools_alloc(h.pools, 0, &x), 0);
	CU_ASSERT_EQUAL(x, h_ip("10.1.0.3"));
	CU_ASSERT_EQUAL(lns_pools_alloc(h.pools, 0, &x), 0);
	CU_ASSERT_EQUAL(x, h_ip("10.1.0.2"));
	CU_ASSERT_EQUAL(lns_pools_alloc(h.pools, 5, &x), -EINVAL);
	/* addresses outside every pool: tracked, never twice */
	for (int i = 0; i < 200; i++)
		CU_ASSERT_EQUAL(lns_pools_reserve(h.pools, htonl(0xc6120000u + (uint32_t)i)), 0);
	CU_ASSERT_EQUAL(lns_pools_reserve(h.pools, htonl(0xc6120000u + 77)), -EEXIST);
	for (int i = 0; i < 200; i += 2)
		CU_ASSERT_EQUAL(lns_pools_release(h.pools, htonl(0xc6120000u + (uint32_t)i)), 0);
	for (int i = 0; i < 200; i++)
		CU_ASSERT_EQUAL(lns_pools_reserve(h.pools, htonl(0xc6120000u + (uint32_t)i)),
				i % 2 ? -EEXIST : 0);
	CU_ASSERT_EQUAL(lns_pools_release(h.pools, h_ip("203.0.113.9")), -ENOENT);
	lns_pools_free(h.pools);
}

static void
test_pool_random_no_duplicates(void)
{
	const uint8_t auth[] = { LNS_AUTH_PAP };
	struct harness h;
	static uint8_t held[4096];
	uint32_t live[4096], n_live = 0, seed = 12345;

	h_init(&h, auth, 1);
	h.conf.ppp.pools[0].first = h_ip("10.8.0.0");
	h.conf.ppp.pools[0].last = h_ip("10.8.15.255");     /* 4096 */
	h.pools = lns_pools_create(&h.conf);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h.pools);
	memset(held, 0, sizeof(held));
	for (int step = 0; step < 20000; step++) {
		seed = seed * 1103515245u + 12345u;
		if ((seed >> 16) % 3 && n_live < 4096) {
			uint32_t a;

			if (lns_pools_alloc(h.pools, 0, &a) == 0) {
				uint32_t off = ntohl(a) - 0x0a080000u;

				CU_ASSERT_FATAL(off < 4096 && !held[off]);
				held[off] = 1;
				live[n_live++] = a;
			}
		} else if (n_live) {
			uint32_t k = (seed >> 8) % n_live, a = live[k];

			CU_ASSERT_EQUAL(lns_pools_release(h.pools, a), 0);
			held[ntohl(a) - 0x0a080000u] = 0;
			live[k] = live[--n_live];
		}
		CU_ASSERT_EQUAL_FATAL(lns_pools_available(h.pools, 0), 4096 - n_live);
	}
	lns_pools_free(h.pools);
}

static void
test_ipcp_dns_nak(void)
{
	const uint8_t auth[] = { LNS_AUTH_PAP };
	struct harness h;
	struct h_pkt *k;
	const uint8_t *o;

	h_init(&h, auth, 1);
	h_start(&h);
	h_lcp_open(&h);
	h_pap(&h, 1, "alice", "secret");
	k = h_next(&h, LNS_PPP_IPCP, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(k);
	o = h_opt(k, 3);                                  /* our address */
	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	CU_ASSERT_EQUAL(memcmp(o + 2, &h.env.local_addr, 4), 0);
	h.seen--;
	{
		/* the peer asks for 0.0.0.0, DNS 0, NBNS and VJ: Reject first (§5.4) */
		const uint8_t req[] = { 3, 6, 0, 0, 0, 0, 129, 6, 0, 0, 0, 0, 130, 6, 0, 0, 0, 0,
					2, 6, 0, 0x2d, 0x0f, 0x01 };
		int mark = h.seen;

		h_in(&h, LNS_PPP_IPCP, 1, 1, req, sizeof(req));
		k = h_next(&h, LNS_PPP_IPCP, 4);
		CU_ASSERT_PTR_NOT_NULL_FATAL(k);
		CU_ASSERT_EQUAL(k->len, 4 + 12);
		CU_ASSERT_PTR_NOT_NULL(h_opt(k, 130));
		CU_ASSERT_PTR_NOT_NULL(h_opt(k, 2));
		CU_ASSERT_PTR_NULL(h_opt(k, 3));
		h.seen = mark;
	}
	h_ipcp_open(&h);
	/* the Naks carried the pool address and both DNS servers */
	CU_ASSERT_EQUAL(h.ups, 1);
	CU_ASSERT_EQUAL(h.up_addr, h_ip("10.1.0.1"));
	{
		const uint8_t good[] = { 3, 6, 10, 1, 0, 1, 129, 6, 192, 0, 2, 53, 131, 6, 192, 0, 2, 54 };
		const uint8_t wrong[] = { 3, 6, 10, 1, 0, 9 };

		/* the exact values are Acked; a different address is Nak'd */
		h_in(&h, LNS_PPP_IPCP, 1, 9, good, sizeof(good));
		k = h_next(&h, LNS_PPP_IPCP, 2);   /* (after our new request: §4.1 Opened+RCR+) */
		CU_ASSERT_PTR_NOT_NULL_FATAL(k);
		CU_ASSERT_EQUAL(k->b[1], 9);
		h_in(&h, LNS_PPP_IPCP, 1, 10, wrong, sizeof(wrong));
		k = h_next(&h, LNS_PPP_IPCP, 3);
		CU_ASSERT_PTR_NOT_NULL_FATAL(k);
		o = h_opt(k, 3);
		CU_ASSERT(o && o[2] == 10 && o[3] == 1 && o[4] == 0 && o[5] == 1);
		/* malformed option length: counted, dropped */
		{
			const uint8_t bad[] = { 3, 9, 1, 2 };
			uint64_t m = h.stats.c[LNS_PPP_STAT_MALFORMED];

			h_in(&h, LNS_PPP_IPCP, 1, 11, bad, sizeof(bad));
			CU_ASSERT_EQUAL(h.stats.c[LNS_PPP_STAT_MALFORMED], m + 1);
			CU_ASSERT_PTR_NULL(h_next(&h, LNS_PPP_IPCP, 0));
		}
	}
	h_fini(&h);
}

static void
test_ipcp_exhaustion_and_release(void)
{
	const uint8_t auth[] = { LNS_AUTH_PAP };
	struct harness h[6];
	uint32_t seen[6] = { 0 };

	/* the pool has 4 addresses: sessions 5 and 6 are refused cleanly */
	for (int i = 0; i < 6; i++) {
		h_init(&h[i], auth, 1);
		if (i == 0) {
			h_start(&h[0]);
		} else {
			h[i].timers = h[0].timers;
			h[i].pools = h[0].pools;
			h[i].auth = h[0].auth;
			h[i].env = h[0].env;
			h[i].env.stats = &h[i].stats;
			h[i].env.conf = &h[0].conf;
			h[i].p = lns_ppp_create(&h[i].env, &h_ops, &h[i], h[i].now);
		}
		h_lcp_open(&h[i]);
		h_pap(&h[i], 1, "alice", "secret");
		if (i < 4) {
			h_ipcp_open(&h[i]);
			CU_ASSERT_EQUAL(h[i].ups, 1);
			seen[i] = h[i].up_addr;
			for (int j = 0; j < i; j++)
				CU_ASSERT_NOT_EQUAL(seen[i], seen[j]);
		} else {
			CU_ASSERT_EQUAL(h[i].ups, 0);
			CU_ASSERT_EQUAL(h[i].stats.c[LNS_PPP_STAT_POOL_EXHAUSTED], 1);
			CU_ASSERT_PTR_NOT_NULL(h_next(&h[i], LNS_PPP_LCP, 5));
			CU_ASSERT_PTR_NULL(h_next(&h[i], LNS_PPP_IPCP, 0));
		}
	}
	/* session 2 ends: its address goes back, and only it is free */
	lns_ppp_destroy(h[1].p);
	h[1].p = NULL;
	CU_ASSERT_EQUAL(lns_pools_available(h[0].pools, 0), 1);
	lns_ppp_destroy(h[5].p);
	h[5].seen = h[5].n;
	h[5].p = lns_ppp_create(&h[5].env, &h_ops, &h[5], h[5].now);
	h_lcp_open(&h[5]);
	h_pap(&h[5], 1, "alice", "secret");
	h_ipcp_open(&h[5]);
	CU_ASSERT_EQUAL(h[5].up_addr, seen[1]);
	for (int i = 1; i < 6; i++)
		lns_ppp_destroy(h[i].p);
	CU_ASSERT_EQUAL(lns_pools_available(h[0].pools, 0), 3);
	h_fini(&h[0]);
}

static void
test_ipcp_up_refused(void)
{
	const uint8_t auth[] = { LNS_AUTH_PAP };
	struct harness h;

	h_init(&h, auth, 1);
	h.up_result = -ENOMEM;
	h_start(&h);
	h_lcp_open(&h);
	h_pap(&h, 1, "alice", "secret");
	h_ipcp_open(&h);
	CU_ASSERT_EQUAL(h.ups, 1);
	CU_ASSERT_PTR_NOT_NULL(h_next(&h, LNS_PPP_LCP, 5));
	h_in(&h, LNS_PPP_LCP, 6, h.pkt[h.seen - 1].b[1], NULL, 0);
	CU_ASSERT_EQUAL(h.downs, 1);
	CU_ASSERT_EQUAL(h.down_reason, LNS_PPP_DOWN_UP_REFUSED);
	h_fini(&h);
}

/* Past max-sessions-per-user (ops->up says -EDQUOT): the Terminate-Request
 * tells the client why, in its data (RFC 1661 5.5: what it shows the user). */
static void
test_ipcp_up_user_limit(void)
{
	const uint8_t auth[] = { LNS_AUTH_PAP };
	static const char why[] = "too many sessions of this user (max-sessions-per-user)";
	const struct h_pkt *k;
	struct harness h;

	h_init(&h, auth, 1);
	h.up_result = -EDQUOT;
	h_start(&h);
	h_lcp_open(&h);
	h_pap(&h, 1, "alice", "secret");
	h_ipcp_open(&h);
	k = h_next(&h, LNS_PPP_LCP, 5);
	CU_ASSERT_PTR_NOT_NULL_FATAL(k);
	CU_ASSERT_EQUAL((size_t)(k->b[2] << 8 | k->b[3]), 4 + strlen(why));
	CU_ASSERT(k->len >= 4 + strlen(why) && memcmp(k->b + 4, why, strlen(why)) == 0);
	h_fini(&h);
}

int
main(void)
{
	CU_pSuite s;
	unsigned int fails;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("ppp_ipcp", NULL, NULL);
	CU_add_test(s, "pool alloc/reserve/release/exhaustion", test_pool_basic);
	CU_add_test(s, "pool random ops, no duplicates", test_pool_random_no_duplicates);
	CU_add_test(s, "IPCP address and DNS Nak, Reject", test_ipcp_dns_nak);
	CU_add_test(s, "IPCP pool exhaustion and release", test_ipcp_exhaustion_and_release);
	CU_add_test(s, "ops->up refusal", test_ipcp_up_refused);
	CU_add_test(s, "max-sessions-per-user: the reason in Terminate-Request", test_ipcp_up_user_limit);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures();
	CU_cleanup_registry();
	return fails ? 1 : 0;
}
