/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of the per-lcore counters and their name tables. */
#include <string.h>

#include <CUnit/Basic.h>

#include "lns_stats.h"

static void
test_names_unique_and_resolvable(void)
{
	for (int d = 0; d < LNS_DROP_MAX; d++) {
		CU_ASSERT_EQUAL(strspn(lns_drop_name(d), "abcdefghijklmnopqrstuvwxyz0123456789_"),
				strlen(lns_drop_name(d)));
		CU_ASSERT(strlen(lns_drop_help(d)) > 10);
		CU_ASSERT_EQUAL(lns_drop_by_name(lns_drop_name(d)), d);
		for (int e = d + 1; e < LNS_DROP_MAX; e++)
			CU_ASSERT(strcmp(lns_drop_name(d), lns_drop_name(e)) != 0);
	}
	for (int c = 0; c < LNS_CTR_MAX; c++)
		for (int e = c + 1; e < LNS_CTR_MAX; e++)
			CU_ASSERT(strcmp(lns_ctr_name(c), lns_ctr_name(e)) != 0);
	CU_ASSERT_EQUAL(lns_drop_by_name("no_such_reason"), -1);
	CU_ASSERT_STRING_EQUAL(lns_drop_name(LNS_DROP_MAX), "?");
}

static void
test_sum_over_slots(void)
{
	struct lns_stats *st = lns_stats_create(8);

	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT_EQUAL((uintptr_t)&st->slot[0] % RTE_CACHE_LINE_SIZE, 0);
	CU_ASSERT_EQUAL(sizeof(struct lns_stats_lcore) % RTE_CACHE_LINE_SIZE, 0);
	CU_ASSERT_EQUAL(lns_stats_drops_total(st), 0);
	lns_count_drop(&st->slot[0], LNS_DROP_IPV4_BAD_CKSUM, 3);
	lns_count_drop(&st->slot[7], LNS_DROP_IPV4_BAD_CKSUM, 4);
	lns_count_drop(&st->slot[3], LNS_DROP_PUNT_RING_FULL, 1);
	lns_count(&st->slot[1], LNS_CTR_RX_PACKETS, 10);
	lns_count(&st->slot[2], LNS_CTR_RX_PACKETS, 5);
	CU_ASSERT_EQUAL(lns_stats_drop(st, LNS_DROP_IPV4_BAD_CKSUM), 7);
	CU_ASSERT_EQUAL(lns_stats_drop(st, LNS_DROP_PUNT_RING_FULL), 1);
	CU_ASSERT_EQUAL(lns_stats_drop(st, LNS_DROP_ETH_TRUNCATED), 0);
	CU_ASSERT_EQUAL(lns_stats_drops_total(st), 8);
	CU_ASSERT_EQUAL(lns_stats_ctr(st, LNS_CTR_RX_PACKETS), 15);
	CU_ASSERT_EQUAL(lns_stats_ctr(st, LNS_CTR_MAX), 0);
	lns_stats_free(st);
	CU_ASSERT_PTR_NULL(lns_stats_create(0));
}

int
main(void)
{
	CU_pSuite s;
	unsigned int fails;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	s = CU_add_suite("stats", NULL, NULL);
	CU_add_test(s, "names are unique and resolvable", test_names_unique_and_resolvable);
	CU_add_test(s, "sums over lcore slots", test_sum_over_slots);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures();
	CU_cleanup_registry();
	return fails ? 1 : 0;
}
