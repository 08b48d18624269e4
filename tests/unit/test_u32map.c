/* SPDX-License-Identifier: BSD-3-Clause */
/* lns_u32map: against a reference model, its limits, RCU-deferred frees, and a
 * lock-free reader that must never miss a key while the writer churns others. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include <rte_eal.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "lns_u32map.h"

static struct rte_rcu_qsbr *qsbr;   /* thread 0: this one; thread 1: the reader */

static void
test_basics(void)
{
	struct lns_u32map *m = lns_u32map_create(4, SOCKET_ID_ANY, NULL);
	uint32_t keys[6] = { 1, 0, UINT32_MAX, 77, 5, 6 }, v[6];

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT_EQUAL(m->tab->mask + 1, 16);                 /* the minimum */
	CU_ASSERT_EQUAL(lns_u32map_lookup(m, 1), LNS_U32MAP_NONE);
	CU_ASSERT_EQUAL(lns_u32map_add(m, 1, 10), 0);
	CU_ASSERT_EQUAL(lns_u32map_add(m, 0, 0), 0);           /* any key, value 0 too */
	CU_ASSERT_EQUAL(lns_u32map_add(m, UINT32_MAX, LNS_U32MAP_TOMB - 1), 0);
	CU_ASSERT_EQUAL(lns_u32map_add(m, 1, 11), -EEXIST);
	CU_ASSERT_EQUAL(lns_u32map_add(m, 9, LNS_U32MAP_TOMB), -EINVAL);
	CU_ASSERT_EQUAL(lns_u32map_add(m, 9, LNS_U32MAP_NONE), -EINVAL);
	CU_ASSERT_EQUAL(lns_u32map_add(m, 77, 770), 0);
	CU_ASSERT_EQUAL(lns_u32map_add(m, 5, 50), -ENOSPC);    /* max_entries 4 */
	CU_ASSERT_EQUAL(lns_u32map_count(m), 4);
	CU_ASSERT_EQUAL(lns_u32map_lookup(m, 1), 10);
	CU_ASSERT_EQUAL(lns_u32map_lookup(m, 0), 0);
	CU_ASSERT_EQUAL(lns_u32map_lookup(m, UINT32_MAX), LNS_U32MAP_TOMB - 1);
	lns_u32map_lookup_bulk(m, keys, 6, v);
	CU_ASSERT(v[0] == 10 && v[1] == 0 && v[2] == LNS_U32MAP_TOMB - 1 && v[3] == 770 &&
		  v[4] == LNS_U32MAP_NONE && v[5] == LNS_U32MAP_NONE);
	CU_ASSERT_EQUAL(lns_u32map_del(m, 5), -ENOENT);
	CU_ASSERT_EQUAL(lns_u32map_del(m, 1), 0);
	CU_ASSERT_EQUAL(lns_u32map_del(m, 1), -ENOENT);
	CU_ASSERT_EQUAL(lns_u32map_lookup(m, 1), LNS_U32MAP_NONE);
	CU_ASSERT_EQUAL(lns_u32map_add(m, 5, 50), 0);          /* room again */
	CU_ASSERT_EQUAL(lns_u32map_lookup(m, 5), 50);
	CU_ASSERT_EQUAL(lns_u32map_del(m, 5), 0);
	CU_ASSERT_EQUAL(lns_u32map_add(m, 1, 12), 0);          /* back, new value */
	CU_ASSERT_EQUAL(lns_u32map_lookup(m, 1), 12);
	CU_ASSERT_PTR_NULL(lns_u32map_create((1u << 30) + 1, SOCKET_ID_ANY, NULL));
	lns_u32map_free(m);
	lns_u32map_free(NULL);
}

/* The reference: values of keys 0..KEYS-1 (NONE = absent). */
#define KEYS 3000u

static uint32_t
key_of(uint32_t k)
{
	/* half dense ids as tunnel << 16 | session, half scattered like SPIs */
	return k % 2 ? (k / 2 % 40 + 1) << 16 | (k / 80 + 1) : k * 2654435761u;
}

static void
check_all(const struct lns_u32map *m, const uint32_t *ref)
{
	uint32_t keys[64], v[64];

	for (uint32_t k = 0; k < KEYS; k += 64) {
		unsigned int n = RTE_MIN(64u, KEYS - k);

		for (unsigned int i = 0; i < n; i++)
			keys[i] = key_of(k + i);
		lns_u32map_lookup_bulk(m, keys, n, v);
		for (unsigned int i = 0; i < n; i++) {
			CU_ASSERT_EQUAL_FATAL(v[i], ref[k + i]);
			CU_ASSERT_EQUAL_FATAL(lns_u32map_lookup(m, keys[i]), ref[k + i]);
		}
	}
}

/* Random adds and deletes near the table's limit, so runs form and tombstones
 * pile up and are rebuilt away; every key is checked against the model. */
static void
test_model(void)
{
	struct lns_u32map *m = lns_u32map_create(1024, SOCKET_ID_ANY, qsbr);
	static uint32_t ref[KEYS];
	uint32_t live = 0, max_probe_seen = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	for (uint32_t k = 0; k < KEYS; k++)
		ref[k] = LNS_U32MAP_NONE;
	srand(7);
	for (unsigned int op = 0; op < 200000; op++) {
		uint32_t k = (uint32_t)rand() % KEYS, val = (uint32_t)rand() % 100000;
		int rc;

		if (ref[k] == LNS_U32MAP_NONE) {
			rc = lns_u32map_add(m, key_of(k), val);
			if (live < 1024) {
				CU_ASSERT_EQUAL_FATAL(rc, 0);
				ref[k] = val;
				live++;
			} else {
				CU_ASSERT_EQUAL_FATAL(rc, -ENOSPC);
			}
		} else if (rand() % 3 != 0) {
			CU_ASSERT_EQUAL_FATAL(lns_u32map_add(m, key_of(k), val), -EEXIST);
			CU_ASSERT_EQUAL_FATAL(lns_u32map_del(m, key_of(k)), 0);
			ref[k] = LNS_U32MAP_NONE;
			live--;
		}
		CU_ASSERT_EQUAL_FATAL(lns_u32map_count(m), live);
		if (m->tab->max_probe > max_probe_seen)
			max_probe_seen = m->tab->max_probe;
		if (op % 500 == 0) {
			rte_rcu_qsbr_quiescent(qsbr, 0);
			check_all(m, ref);
		}
	}
	check_all(m, ref);
	/* the churn made tombstones enough to rebuild, and probes stayed short */
	CU_ASSERT(m->rebuilds > 0);
	CU_ASSERT(max_probe_seen < 64);
	CU_ASSERT(m->n_tomb <= (m->tab->mask + 1) / 4);
	lns_u32map_free(m);
}

/* The replaced array outlives a reader that has not reported. */
static void
test_deferred_free(void)
{
	struct lns_u32map *m = lns_u32map_create(64, SOCKET_ID_ANY, qsbr);
	struct lns_u32map_tab *first;
	uint32_t ref[200];
	unsigned int op;

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	first = m->tab;
	for (uint32_t k = 0; k < RTE_DIM(ref); k++)
		ref[k] = LNS_U32MAP_NONE;
	/* churn until the tombstones force the first rebuild */
	srand(3);
	for (op = 0; op < 1000000 && m->rebuilds == 0; op++) {
		uint32_t k = (uint32_t)rand() % RTE_DIM(ref);

		if (ref[k] == LNS_U32MAP_NONE) {
			if (lns_u32map_add(m, k, k + 1) == 0)
				ref[k] = k + 1;
		} else {
			CU_ASSERT_EQUAL_FATAL(lns_u32map_del(m, k), 0);
			ref[k] = LNS_U32MAP_NONE;
		}
	}
	CU_ASSERT_FATAL(m->rebuilds == 1);
	CU_ASSERT(m->tab != first);
	CU_ASSERT_PTR_EQUAL(m->retired, first);
	lns_u32map_reclaim(m);
	CU_ASSERT_PTR_EQUAL(m->retired, first);     /* thread 0 has not reported */
	rte_rcu_qsbr_quiescent(qsbr, 0);
	lns_u32map_reclaim(m);
	CU_ASSERT_PTR_NULL(m->retired);
	CU_ASSERT_EQUAL(m->n_tomb, 0);
	for (uint32_t k = 0; k < RTE_DIM(ref); k++)
		CU_ASSERT_EQUAL(lns_u32map_lookup(m, k), ref[k]);
	lns_u32map_free(m);
}

/* A lock-free reader on another lcore looks up keys that stay while the writer
 * adds and deletes others, rebuilding the table many times. */
#define STABLE 200
static struct lns_u32map *shared_map;
static int reader_stop;
static uint64_t reader_misses, reader_lookups;

static int
reader(void *arg)
{
	uint32_t keys[STABLE], v[STABLE];

	(void)arg;
	for (uint32_t i = 0; i < STABLE; i++)
		keys[i] = i * 7919u + 1;
	rte_rcu_qsbr_thread_register(qsbr, 1);
	rte_rcu_qsbr_thread_online(qsbr, 1);
	while (!__atomic_load_n(&reader_stop, __ATOMIC_RELAXED)) {
		lns_u32map_lookup_bulk(shared_map, keys, STABLE, v);
		for (uint32_t i = 0; i < STABLE; i++) {
			reader_misses += v[i] != i;
			reader_misses += lns_u32map_lookup(shared_map, keys[i]) != i;
		}
		__atomic_store_n(&reader_lookups, reader_lookups + 2 * STABLE, __ATOMIC_RELAXED);
		rte_rcu_qsbr_quiescent(qsbr, 1);
	}
	rte_rcu_qsbr_thread_offline(qsbr, 1);
	rte_rcu_qsbr_thread_unregister(qsbr, 1);
	return 0;
}

static void
test_concurrent_reader(void)
{
	unsigned int lcore = rte_get_next_lcore(-1, 1, 0);
	struct lns_u32map *m = lns_u32map_create(1024, SOCKET_ID_ANY, qsbr);
	uint32_t churn[800], bad_del = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	if (lcore >= RTE_MAX_LCORE) {
		CU_FAIL("needs a second lcore");
		lns_u32map_free(m);
		return;
	}
	for (uint32_t i = 0; i < STABLE; i++)
		CU_ASSERT_EQUAL_FATAL(lns_u32map_add(m, i * 7919u + 1, i), 0);
	for (uint32_t i = 0; i < RTE_DIM(churn); i++)
		churn[i] = LNS_U32MAP_NONE;
	shared_map = m;
	reader_stop = 0;
	rte_eal_remote_launch(reader, NULL, lcore);
	srand(11);
	/* until the reader has done its share and the writer has rebuilt the table
	 * often (a rebuild waits while the last array's grace period runs, so a
	 * descheduled reader delays them) */
	for (unsigned int op = 0; op < 400000 || m->rebuilds <= 10 ||
	     __atomic_load_n(&reader_lookups, __ATOMIC_RELAXED) < 1000000; op++) {
		uint32_t i = (uint32_t)rand() % RTE_DIM(churn);

		if (churn[i] == LNS_U32MAP_NONE) {
			churn[i] = (uint32_t)rand() | 0x80000000u;   /* never a stable key */
			if (lns_u32map_add(m, churn[i], 5) != 0)
				churn[i] = LNS_U32MAP_NONE;
		} else {
			/* no FATAL assert while the reader runs: it must be stopped */
			bad_del += lns_u32map_del(m, churn[i]) != 0;
			churn[i] = LNS_U32MAP_NONE;
		}
		rte_rcu_qsbr_quiescent(qsbr, 0);
		if (op > 20000000)
			break;
	}
	__atomic_store_n(&reader_stop, 1, __ATOMIC_RELAXED);
	rte_eal_wait_lcore(lcore);
	CU_ASSERT(reader_lookups >= 1000000);
	CU_ASSERT(m->rebuilds > 10);
	CU_ASSERT_EQUAL(reader_misses, 0);
	CU_ASSERT_EQUAL(bad_del, 0);
	lns_u32map_free(m);
}

int
main(void)
{
	char *eal[] = { "test_u32map", "--no-huge", "-m", "128", "--no-pci", "--no-shconf",
			"-l", "0-1", "--log-level=lib.*:error", NULL };
	CU_pSuite s;
	unsigned int fails;
	size_t sz;

	if (rte_eal_init(9, eal) < 0)
		return 2;
	sz = rte_rcu_qsbr_get_memsize(2);
	qsbr = rte_zmalloc(NULL, sz, RTE_CACHE_LINE_SIZE);
	if (qsbr == NULL || rte_rcu_qsbr_init(qsbr, 2) != 0)
		return 2;
	rte_rcu_qsbr_thread_register(qsbr, 0);
	rte_rcu_qsbr_thread_online(qsbr, 0);
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	s = CU_add_suite("u32map", NULL, NULL);
	CU_add_test(s, "add, lookup, delete, limits", test_basics);
	CU_add_test(s, "200,000 random operations against a model", test_model);
	CU_add_test(s, "a replaced array waits for the readers' grace period",
		    test_deferred_free);
	CU_add_test(s, "a lock-free reader never misses a key that stays",
		    test_concurrent_reader);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures();
	CU_cleanup_registry();
	rte_eal_cleanup();
	return fails ? 1 : 0;
}
