/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of the per-lcore counters and their name tables. */
#include <stdbool.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "lns_stats.h"

static void
test_names_unique_and_resolvable(void)
{
	static const char *const stages[] = { "classify", "reasm", "esp", "l2tp", "ppp", "up",
					      "down", "encap", "esp_out", "tx", "punt", "ctl" };

	for (int d = 0; d < LNS_DROP_MAX; d++) {
		const char *name = lns_drop_name(d), *key = lns_drop_key(d), *dot;
		size_t sl = strlen(lns_drop_stage(d));
		bool known = false;

		/* "stage.reason": one dot after a known stage, then [a-z0-9_] */
		dot = strchr(name, '.');
		CU_ASSERT_PTR_NOT_NULL_FATAL(dot);
		CU_ASSERT_EQUAL((size_t)(dot - name), sl);
		CU_ASSERT_EQUAL(strncmp(name, lns_drop_stage(d), sl), 0);
		CU_ASSERT_EQUAL(strspn(dot + 1, "abcdefghijklmnopqrstuvwxyz0123456789_"),
				strlen(dot + 1));
		for (size_t i = 0; i < RTE_DIM(stages); i++)
			known |= strcmp(stages[i], lns_drop_stage(d)) == 0;
		CU_ASSERT(known);
		/* the telemetry key: same with '/', only what DPDK takes in a key */
		CU_ASSERT_EQUAL(strlen(key), strlen(name));
		CU_ASSERT_EQUAL(key[sl], '/');
		CU_ASSERT_EQUAL(strspn(key, "abcdefghijklmnopqrstuvwxyz0123456789_/"), strlen(key));
		CU_ASSERT(strlen(lns_drop_help(d)) > 10);
		CU_ASSERT_EQUAL(lns_drop_by_name(name), d);
		CU_ASSERT_EQUAL(lns_drop_by_name(key), d);
		for (int e = d + 1; e < LNS_DROP_MAX; e++)
			CU_ASSERT(strcmp(lns_drop_name(d), lns_drop_name(e)) != 0);
	}
	for (int c = 0; c < LNS_CTR_MAX; c++)
		for (int e = c + 1; e < LNS_CTR_MAX; e++)
			CU_ASSERT(strcmp(lns_ctr_name(c), lns_ctr_name(e)) != 0);
	CU_ASSERT_EQUAL(lns_drop_by_name("no_such_reason"), -1);
	CU_ASSERT_EQUAL(lns_drop_by_name("esp.no_such_reason"), -1);
	CU_ASSERT_STRING_EQUAL(lns_drop_name(LNS_DROP_ESP_ICV), "esp.icv");
	CU_ASSERT_STRING_EQUAL(lns_drop_key(LNS_DROP_ESP_ICV), "esp/icv");
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
