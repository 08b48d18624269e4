/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of lib/util's control-plane hash map (lns_map): SipHash against the
 * paper's vectors and against OpenSSL, insert/find/delete, growth, the maximum,
 * multi maps, walks that delete and add, total collisions, crafted keys, and a
 * randomized comparison with a plain array.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "lns_map.h"

#define container_of(p, T, m) ((T *)(void *)((char *)(p) - offsetof(T, m)))

struct rec {
	uint32_t key;
	struct lns_map_node node;
	int visits;
	bool in;
};

static const uint8_t seed0[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };

static int
map_u32(struct lns_map *m, uint32_t init, uint32_t max, bool multi, lns_map_hash_fn h)
{
	struct lns_map_params p = {
		.key_len = sizeof(uint32_t),
		.key_off = offsetof(struct rec, key) - offsetof(struct rec, node),
		.init = init, .max = max, .multi = multi, .seed = seed0, .hash = h,
	};

	return lns_map_init(m, &p);
}

static struct rec *
find(const struct lns_map *m, uint32_t key)
{
	struct lns_map_node *n = lns_map_find(m, &key);

	return n != NULL ? container_of(n, struct rec, node) : NULL;
}

/* ------------------------------------------------------------ SipHash --- */

static void
test_siphash_vectors(void)
{
	uint8_t key[16], msg[64];

	for (int i = 0; i < 16; i++)
		key[i] = (uint8_t)i;
	for (int i = 0; i < 64; i++)
		msg[i] = (uint8_t)i;
	/* SipHash paper, appendix A (15 bytes) and the reference vectors' first entry */
	CU_ASSERT_EQUAL(lns_siphash24(msg, 15, key), 0xa129ca6149be45e5ULL);
	CU_ASSERT_EQUAL(lns_siphash24(msg, 0, key), 0x726fdb47dd0e0e31ULL);
}

/* OpenSSL's SIPHASH EVP_MAC, an independent implementation, on every length 0..64. */
static void
test_siphash_openssl(void)
{
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "SIPHASH", NULL);
	uint8_t key[16], msg[64];

	CU_ASSERT_PTR_NOT_NULL_FATAL(mac);
	srand(7);
	for (int round = 0; round < 20; round++) {
		for (int i = 0; i < 16; i++)
			key[i] = (uint8_t)rand();
		for (int i = 0; i < 64; i++)
			msg[i] = (uint8_t)rand();
		for (size_t len = 0; len <= sizeof(msg); len++) {
			EVP_MAC_CTX *c = EVP_MAC_CTX_new(mac);
			size_t size = 8, outl = 0;
			OSSL_PARAM prm[] = {
				OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_SIZE, &size),
				OSSL_PARAM_construct_end(),
			};
			uint8_t out[16];
			uint64_t want = 0;

			CU_ASSERT_PTR_NOT_NULL_FATAL(c);
			CU_ASSERT_FATAL(EVP_MAC_init(c, key, sizeof(key), prm) == 1);
			CU_ASSERT_FATAL(EVP_MAC_update(c, msg, len) == 1);
			CU_ASSERT_FATAL(EVP_MAC_final(c, out, &outl, sizeof(out)) == 1);
			CU_ASSERT_EQUAL_FATAL(outl, 8);
			for (int i = 0; i < 8; i++)
				want |= (uint64_t)out[i] << (8 * i);
			CU_ASSERT_EQUAL(lns_siphash24(msg, len, key), want);
			EVP_MAC_CTX_free(c);
		}
	}
	EVP_MAC_free(mac);
}

/* ------------------------------------------------------------- basics --- */

static void
test_params(void)
{
	struct lns_map m;
	struct lns_map_params p = { .key_len = 4, .max = 10 };

	CU_ASSERT_EQUAL(lns_map_init(&m, NULL), -EINVAL);
	p.key_len = 0;
	CU_ASSERT_EQUAL(lns_map_init(&m, &p), -EINVAL);
	p.key_len = 65;
	CU_ASSERT_EQUAL(lns_map_init(&m, &p), -EINVAL);
	p.key_len = 4;
	p.max = 0;
	CU_ASSERT_EQUAL(lns_map_init(&m, &p), -EINVAL);
	/* random seeds: two maps hash the same key differently */
	{
		struct lns_map a, b;
		uint32_t k = 42;

		p.max = 10;
		CU_ASSERT_EQUAL_FATAL(lns_map_init(&a, &p), 0);
		CU_ASSERT_EQUAL_FATAL(lns_map_init(&b, &p), 0);
		CU_ASSERT_NOT_EQUAL(lns_map_hash(&a, &k), lns_map_hash(&b, &k));
		lns_map_fini(&a);
		lns_map_fini(&b);
	}
}

static void
test_add_find_del(void)
{
	struct lns_map m;
	struct rec r[100], dup = { .key = 7 };

	CU_ASSERT_EQUAL_FATAL(map_u32(&m, 0, 1000, false, NULL), 0);
	for (uint32_t i = 0; i < 100; i++) {
		r[i] = (struct rec){ .key = i * 3 };
		CU_ASSERT_EQUAL(lns_map_add(&m, &r[i].node), 0);
	}
	CU_ASSERT_EQUAL(lns_map_count(&m), 100);
	dup.key = 9;
	CU_ASSERT_EQUAL(lns_map_add(&m, &dup.node), -EEXIST);
	CU_ASSERT_EQUAL(lns_map_count(&m), 100);
	for (uint32_t k = 0; k < 300; k++) {
		struct rec *x = find(&m, k);

		if (k % 3 == 0) {
			CU_ASSERT_PTR_EQUAL(x, &r[k / 3]);
		} else {
			CU_ASSERT_PTR_NULL(x);
		}
	}
	for (uint32_t i = 0; i < 100; i += 2)
		lns_map_del(&m, &r[i].node);
	lns_map_del(&m, &r[0].node);            /* not in the map: nothing happens */
	CU_ASSERT_EQUAL(lns_map_count(&m), 50);
	for (uint32_t i = 0; i < 100; i++)
		CU_ASSERT_PTR_EQUAL(find(&m, i * 3), i % 2 ? &r[i] : NULL);
	/* a deleted key can come back */
	CU_ASSERT_EQUAL(lns_map_add(&m, &r[0].node), 0);
	CU_ASSERT_PTR_EQUAL(find(&m, 0), &r[0]);
	lns_map_fini(&m);
}

static void
test_growth_and_max(void)
{
	enum { N = 20000 };
	struct rec *r = calloc(N + 1, sizeof(*r));
	struct lns_map m;

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL_FATAL(map_u32(&m, 1, N, false, NULL), 0);
	CU_ASSERT_EQUAL(lns_map_buckets(&m), 16);
	for (uint32_t i = 0; i < N; i++) {
		r[i].key = i * 2654435761u;
		CU_ASSERT_EQUAL(lns_map_add(&m, &r[i].node), 0);
	}
	/* doubled as it filled, never past one bucket per allowed record */
	CU_ASSERT(lns_map_buckets(&m) >= N / 2);
	CU_ASSERT(lns_map_buckets(&m) <= 32768);
	CU_ASSERT(lns_map_longest_chain(&m) <= 12);
	r[N].key = 12345;
	CU_ASSERT_EQUAL(lns_map_add(&m, &r[N].node), -ENOSPC);
	CU_ASSERT_PTR_NULL(find(&m, 12345));
	for (uint32_t i = 0; i < N; i++)
		CU_ASSERT_PTR_EQUAL(find(&m, r[i].key), &r[i]);
	lns_map_del(&m, &r[5].node);
	CU_ASSERT_EQUAL(lns_map_add(&m, &r[N].node), 0);
	CU_ASSERT_EQUAL(lns_map_add(&m, &r[5].node), -ENOSPC);
	CU_ASSERT_EQUAL(lns_map_count(&m), N);
	lns_map_fini(&m);
	free(r);
}

static void
test_multi(void)
{
	struct lns_map m;
	struct rec r[30];
	int seen[30] = { 0 };

	CU_ASSERT_EQUAL_FATAL(map_u32(&m, 4, 100, true, NULL), 0);
	for (int i = 0; i < 30; i++) {
		r[i] = (struct rec){ .key = (uint32_t)(i % 3) };
		CU_ASSERT_EQUAL(lns_map_add(&m, &r[i].node), 0);
	}
	for (uint32_t k = 0; k < 3; k++) {
		int n = 0;

		for (struct lns_map_node *x = lns_map_find(&m, &k); x != NULL;
		     x = lns_map_find_next(&m, x)) {
			struct rec *y = container_of(x, struct rec, node);

			CU_ASSERT_EQUAL(y->key, k);
			seen[y - r]++;
			n++;
		}
		CU_ASSERT_EQUAL(n, 10);
	}
	for (int i = 0; i < 30; i++)
		CU_ASSERT_EQUAL(seen[i], 1);
	/* deleting them one key at a time, by refinding the first */
	{
		uint32_t k = 1;
		struct lns_map_node *x;
		int n = 0;

		while ((x = lns_map_find(&m, &k)) != NULL) {
			lns_map_del(&m, x);
			n++;
		}
		CU_ASSERT_EQUAL(n, 10);
		CU_ASSERT_EQUAL(lns_map_count(&m), 20);
	}
	lns_map_fini(&m);
}

/* -------------------------------------------------------------- walks --- */

struct walk_ctx {
	struct lns_map *m;
	struct rec *r;
	uint32_t n;
	struct rec *extra;
	uint32_t n_extra, added;
	int visits;
	int nested;
};

/* Every visited record with an odd key deletes itself and the record after it. */
static int
walk_del(struct lns_map_node *n, void *arg)
{
	struct walk_ctx *c = arg;
	struct rec *x = container_of(n, struct rec, node);

	CU_ASSERT_TRUE(x->in);
	x->visits++;
	c->visits++;
	if (x->key % 2 == 1) {
		lns_map_del(c->m, n);
		x->in = false;
		if (x->key + 1 < c->n && c->r[x->key + 1].in) {
			lns_map_del(c->m, &c->r[x->key + 1].node);
			c->r[x->key + 1].in = false;
		}
	}
	/* and adds records (more than the buckets: growth waits for the walk's end) */
	for (int k = 0; k < 8 && c->added < c->n_extra; k++) {
		struct rec *e = &c->extra[c->added++];

		e->in = true;
		CU_ASSERT_EQUAL(lns_map_add(c->m, &e->node), 0);
	}
	return 0;
}

static int
count_visit(struct lns_map_node *n, void *arg)
{
	(void)n;
	(*(int *)arg)++;
	return 0;
}

static int
walk_nested(struct lns_map_node *n, void *arg)
{
	struct walk_ctx *c = arg;
	struct rec *x = container_of(n, struct rec, node);
	int inner = 0;

	/* the first record removes a quarter of the others inside an inner walk */
	if (c->nested++ == 0) {
		for (uint32_t i = 0; i < c->n; i += 4)
			if (&c->r[i] != x && c->r[i].in) {
				lns_map_del(c->m, &c->r[i].node);
				c->r[i].in = false;
			}
		CU_ASSERT_EQUAL(lns_map_walk(c->m, count_visit, &inner), 0);
		CU_ASSERT_EQUAL((uint32_t)inner, lns_map_count(c->m));
	}
	CU_ASSERT_TRUE(x->in);
	x->visits++;
	return 0;
}

static int
stop_at_three(struct lns_map_node *n, void *arg)
{
	(void)n;
	return ++*(int *)arg == 3 ? -7 : 0;
}

static void
test_walk_delete(void)
{
	enum { N = 1000, E = 3000 };
	struct rec *r = calloc(N, sizeof(*r)), *e = calloc(E, sizeof(*e));
	struct walk_ctx c = { .r = r, .n = N, .extra = e, .n_extra = E };
	struct lns_map m;
	uint32_t buckets;
	int cnt = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_EQUAL_FATAL(map_u32(&m, N, N + E, false, NULL), 0);
	c.m = &m;
	for (uint32_t i = 0; i < N; i++) {
		r[i].key = i;
		r[i].in = true;
		CU_ASSERT_EQUAL(lns_map_add(&m, &r[i].node), 0);
	}
	for (uint32_t i = 0; i < E; i++)
		e[i].key = 1000000 + i * 2;     /* even: never deleted by walk_del */
	buckets = lns_map_buckets(&m);
	CU_ASSERT_EQUAL(lns_map_walk(&m, walk_del, &c), 0);
	CU_ASSERT_EQUAL(c.added, E);
	/* each original record was visited once if it was still there when its turn came */
	for (uint32_t i = 0; i < N; i++) {
		CU_ASSERT(r[i].visits <= 1);
		if (i % 2 == 1)
			CU_ASSERT_FALSE(r[i].in);
		if (r[i].in)
			CU_ASSERT_EQUAL(r[i].visits, 1);
	}
	for (uint32_t i = 0; i < E; i++)
		CU_ASSERT(e[i].visits <= 1);
	/* the map grew when the walk ended, and holds exactly the live records */
	CU_ASSERT(lns_map_buckets(&m) > buckets);
	CU_ASSERT_EQUAL(lns_map_walk(&m, count_visit, &cnt), 0);
	CU_ASSERT_EQUAL((uint32_t)cnt, lns_map_count(&m));
	for (uint32_t i = 0; i < N; i++)
		CU_ASSERT_PTR_EQUAL(find(&m, i), r[i].in ? &r[i] : NULL);
	for (uint32_t i = 0; i < E; i++)
		CU_ASSERT_PTR_EQUAL(find(&m, e[i].key), &e[i]);

	/* nested walks, deletions from the inner level */
	for (uint32_t i = 0; i < N; i++)
		r[i].visits = 0;
	CU_ASSERT_EQUAL(lns_map_walk(&m, walk_nested, &c), 0);
	for (uint32_t i = 0; i < N; i++)
		CU_ASSERT(r[i].visits <= 1 && (!r[i].in || r[i].visits == 1));
	/* a non-zero return stops the walk and is returned */
	cnt = 0;
	CU_ASSERT_EQUAL(lns_map_walk(&m, stop_at_three, &cnt), -7);
	CU_ASSERT_EQUAL(cnt, 3);
	lns_map_fini(&m);
	free(r);
	free(e);
}

/* --------------------------------------------------------- collisions --- */

static uint64_t
hash_const(const void *key, uint32_t len, const uint8_t seed[16])
{
	(void)key;
	(void)len;
	(void)seed;
	return 0x1234;
}

/* Every key on one chain: still correct, only slower. */
static void
test_all_collide(void)
{
	enum { N = 2000 };
	struct rec *r = calloc(N, sizeof(*r));
	struct lns_map m;
	int cnt = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL_FATAL(map_u32(&m, 16, N, false, hash_const), 0);
	for (uint32_t i = 0; i < N; i++) {
		r[i].key = i;
		CU_ASSERT_EQUAL(lns_map_add(&m, &r[i].node), 0);
	}
	CU_ASSERT_EQUAL(lns_map_longest_chain(&m), N);
	CU_ASSERT_EQUAL(lns_map_add(&m, &r[7].node), -EEXIST);
	for (uint32_t i = 0; i < N; i += 2)
		lns_map_del(&m, &r[i].node);
	for (uint32_t i = 0; i < N; i++)
		CU_ASSERT_PTR_EQUAL(find(&m, i), i % 2 ? &r[i] : NULL);
	CU_ASSERT_EQUAL(lns_map_walk(&m, count_visit, &cnt), 0);
	CU_ASSERT_EQUAL(cnt, N / 2);
	lns_map_fini(&m);
	free(r);
}

/*
 * Keys an attacker would pick against an unkeyed multiplicative hash masked to the
 * low bits (all multiples of 2^20: every one lands in bucket 0): under SipHash they
 * spread like random keys.
 */
static void
test_crafted_keys_spread(void)
{
	enum { N = 4096 };
	struct rec *r = calloc(N, sizeof(*r));
	struct lns_map m;
	struct lns_map_params p = {
		.key_len = 4, .key_off = offsetof(struct rec, key) - offsetof(struct rec, node),
		.init = N, .max = N,       /* random seed, as lnsd runs */
	};

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL_FATAL(lns_map_init(&m, &p), 0);
	for (uint32_t i = 0; i < N; i++) {
		r[i].key = i << 20;
		CU_ASSERT_EQUAL(lns_map_add(&m, &r[i].node), 0);
	}
	CU_ASSERT_EQUAL(lns_map_buckets(&m), N);
	/* 4096 random keys in 4096 buckets: the longest chain is about 6; 16 would be
	 * a one in 10^9 event */
	CU_ASSERT(lns_map_longest_chain(&m) <= 16);
	lns_map_fini(&m);
	free(r);
}

/* ------------------------------------------------------ differential --- */

/* Random adds, deletes, finds and walks against a plain array of what is in. */
static void
test_random_vs_reference(void)
{
	enum { KEYS = 700, MAX = 500, OPS = 200000 };
	struct rec *r = calloc(KEYS, sizeof(*r));
	struct lns_map m;
	uint32_t in = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL_FATAL(map_u32(&m, 0, MAX, false, NULL), 0);
	for (uint32_t i = 0; i < KEYS; i++)
		r[i].key = i * 7919u;
	srand(12345);
	for (int op = 0; op < OPS; op++) {
		uint32_t i = (uint32_t)rand() % KEYS;
		int what = rand() % 8;

		if (what < 3) {
			int rc = lns_map_add(&m, &r[i].node);

			if (r[i].in) {
				CU_ASSERT_EQUAL_FATAL(rc, -EEXIST);
			} else if (in == MAX) {
				CU_ASSERT_EQUAL_FATAL(rc, -ENOSPC);
			} else {
				CU_ASSERT_EQUAL_FATAL(rc, 0);
				r[i].in = true;
				in++;
			}
		} else if (what < 6) {
			if (r[i].in) {
				lns_map_del(&m, &r[i].node);
				r[i].in = false;
				in--;
			}
		} else if (what < 7) {
			CU_ASSERT_PTR_EQUAL_FATAL(find(&m, r[i].key), r[i].in ? &r[i] : NULL);
		} else if (op % 1000 == 7) {
			int cnt = 0;

			CU_ASSERT_EQUAL(lns_map_walk(&m, count_visit, &cnt), 0);
			CU_ASSERT_EQUAL_FATAL((uint32_t)cnt, in);
		}
		CU_ASSERT_EQUAL_FATAL(lns_map_count(&m), in);
	}
	for (uint32_t i = 0; i < KEYS; i++)
		CU_ASSERT_PTR_EQUAL(find(&m, r[i].key), r[i].in ? &r[i] : NULL);
	lns_map_fini(&m);
	free(r);
}

int
main(void)
{
	CU_pSuite s;
	unsigned int fails;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("util_map", NULL, NULL);
	CU_add_test(s, "siphash vectors", test_siphash_vectors);
	CU_add_test(s, "siphash vs openssl", test_siphash_openssl);
	CU_add_test(s, "params", test_params);
	CU_add_test(s, "add find del", test_add_find_del);
	CU_add_test(s, "growth and max", test_growth_and_max);
	CU_add_test(s, "multi", test_multi);
	CU_add_test(s, "walk with deletes and adds", test_walk_delete);
	CU_add_test(s, "all keys collide", test_all_collide);
	CU_add_test(s, "crafted keys spread", test_crafted_keys_spread);
	CU_add_test(s, "random vs reference", test_random_vs_reference);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures();
	CU_cleanup_registry();
	return fails == 0 ? 0 : 1;
}
