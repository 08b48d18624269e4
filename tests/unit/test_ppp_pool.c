/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of the address pools rebuilt by a reload (lns_pools_rebuild): pools
 * added, grown, shrunk and removed while addresses are in use. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "lns_conf.h"
#include "lns_pool.h"

static uint32_t
ip(const char *s)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		abort();
	return a.s_addr;
}

/* conf->ppp.pools := the (name, first, last) triples, NULL-terminated */
static struct lns_conf *
conf_pools(struct lns_conf *c, const char *const *spec)
{
	memset(&c->ppp, 0, sizeof(c->ppp));
	for (uint16_t i = 0; spec[3 * i] != NULL; i++) {
		struct lns_pool_conf *p = &c->ppp.pools[i];

		snprintf(p->name, sizeof(p->name), "%s", spec[3 * i]);
		p->first = ip(spec[3 * i + 1]);
		p->last = ip(spec[3 * i + 2]);
		c->ppp.n_pools = (uint16_t)(i + 1);
	}
	return c;
}

/* old := rebuild(old, c), the old one freed as the reload does after the swap */
static struct lns_pools *
reload(struct lns_pools *old, const struct lns_conf *c)
{
	struct lns_pools *n = lns_pools_rebuild(old, c);

	CU_ASSERT_PTR_NOT_NULL_FATAL(n);
	lns_pools_free(old);
	return n;
}

static struct lns_conf *
new_conf(void)
{
	struct lns_conf *c = calloc(1, sizeof(*c));

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	return c;
}

static void
test_add(void)
{
	static const char *const v1[] = { "a", "10.0.0.1", "10.0.0.4", NULL };
	static const char *const v2[] = { "a", "10.0.0.1", "10.0.0.4",
					  "b", "10.9.0.1", "10.9.0.2", NULL };
	struct lns_conf *c = new_conf();
	struct lns_pools *ps = lns_pools_create(conf_pools(c, v1));
	uint32_t x, y;

	CU_ASSERT_PTR_NOT_NULL_FATAL(ps);
	CU_ASSERT_EQUAL(lns_pools_find(ps, "b"), -ENOENT);
	CU_ASSERT_EQUAL(lns_pools_alloc(ps, 0, &x), 0);
	CU_ASSERT_EQUAL(x, ip("10.0.0.1"));
	ps = reload(ps, conf_pools(c, v2));
	CU_ASSERT_EQUAL(lns_pools_find(ps, "a"), 0);
	CU_ASSERT_EQUAL(lns_pools_find(ps, "b"), 1);
	CU_ASSERT_EQUAL(lns_pools_available(ps, 0), 3);
	CU_ASSERT_EQUAL(lns_pools_available(ps, 1), 2);
	CU_ASSERT_EQUAL(lns_pools_reserve(ps, ip("10.0.0.1")), -EEXIST);   /* still in use */
	CU_ASSERT_EQUAL(lns_pools_alloc(ps, 1, &y), 0);
	CU_ASSERT_EQUAL(y, ip("10.9.0.1"));
	CU_ASSERT_EQUAL(lns_pools_alloc(ps, 0, &y), 0);
	CU_ASSERT_EQUAL(y, ip("10.0.0.2"));
	/* the session from before the reload ends: its address returns to 'a' */
	CU_ASSERT_EQUAL(lns_pools_release(ps, x), 0);
	CU_ASSERT_EQUAL(lns_pools_available(ps, 0), 3);
	lns_pools_free(ps);
	free(c);
}

static void
test_grow_keeps_fifo(void)
{
	static const char *const v1[] = { "a", "10.0.0.1", "10.0.0.4", NULL };
	static const char *const v2[] = { "a", "10.0.0.1", "10.0.0.8", NULL };
	struct lns_conf *c = new_conf();
	struct lns_pools *ps = lns_pools_create(conf_pools(c, v1));
	uint32_t x;

	CU_ASSERT_PTR_NOT_NULL_FATAL(ps);
	for (int i = 0; i < 4; i++)
		CU_ASSERT_EQUAL(lns_pools_alloc(ps, 0, &x), 0);
	CU_ASSERT_EQUAL(lns_pools_release(ps, ip("10.0.0.3")), 0);
	CU_ASSERT_EQUAL(lns_pools_release(ps, ip("10.0.0.2")), 0);
	ps = reload(ps, conf_pools(c, v2));
	CU_ASSERT_EQUAL(lns_pools_available(ps, 0), 6);
	CU_ASSERT_EQUAL(lns_pools_reserve(ps, ip("10.0.0.1")), -EEXIST);
	CU_ASSERT_EQUAL(lns_pools_reserve(ps, ip("10.0.0.4")), -EEXIST);
	/* never-used addresses first, then the old free list in its order */
	static const char *const order[] = { "10.0.0.5", "10.0.0.6", "10.0.0.7", "10.0.0.8",
					     "10.0.0.3", "10.0.0.2" };
	for (int i = 0; i < 6; i++) {
		CU_ASSERT_EQUAL(lns_pools_alloc(ps, 0, &x), 0);
		CU_ASSERT_EQUAL(x, ip(order[i]));
	}
	CU_ASSERT_EQUAL(lns_pools_alloc(ps, 0, &x), -ENOSPC);
	lns_pools_free(ps);
	free(c);
}

static void
test_shrink_in_use_outside(void)
{
	static const char *const v1[] = { "a", "10.0.0.1", "10.0.0.8", NULL };
	static const char *const v2[] = { "a", "10.0.0.1", "10.0.0.4", NULL };
	struct lns_conf *c = new_conf();
	struct lns_pools *ps = lns_pools_create(conf_pools(c, v1));
	uint32_t x;

	CU_ASSERT_PTR_NOT_NULL_FATAL(ps);
	for (int i = 0; i < 6; i++)                     /* .1 - .6 in use */
		CU_ASSERT_EQUAL(lns_pools_alloc(ps, 0, &x), 0);
	ps = reload(ps, conf_pools(c, v2));
	CU_ASSERT_EQUAL(lns_pools_available(ps, 0), 0);
	CU_ASSERT_EQUAL(lns_pools_alloc(ps, 0, &x), -ENOSPC);     /* .7, .8: not pooled */
	/* .6 stays reserved while its session lives */
	CU_ASSERT_EQUAL(lns_pools_reserve(ps, ip("10.0.0.6")), -EEXIST);
	/* it ends: the address goes to no pool */
	CU_ASSERT_EQUAL(lns_pools_release(ps, ip("10.0.0.6")), 0);
	CU_ASSERT_EQUAL(lns_pools_release(ps, ip("10.0.0.6")), -ENOENT);
	CU_ASSERT_EQUAL(lns_pools_available(ps, 0), 0);
	CU_ASSERT_EQUAL(lns_pools_alloc(ps, 0, &x), -ENOSPC);
	/* one inside ends: back to the pool, and that is all the pool gives */
	CU_ASSERT_EQUAL(lns_pools_release(ps, ip("10.0.0.2")), 0);
	CU_ASSERT_EQUAL(lns_pools_alloc(ps, 0, &x), 0);
	CU_ASSERT_EQUAL(x, ip("10.0.0.2"));
	CU_ASSERT_EQUAL(lns_pools_alloc(ps, 0, &x), -ENOSPC);
	lns_pools_free(ps);
	free(c);
}

static void
test_remove_in_use(void)
{
	static const char *const v1[] = { "a", "10.0.0.1", "10.0.0.2",
					  "b", "10.9.0.1", "10.9.0.4", NULL };
	static const char *const v2[] = { "a", "10.0.0.1", "10.0.0.2", NULL };
	/* later a pool of another name that holds part of the old 'b' */
	static const char *const v3[] = { "c", "10.9.0.1", "10.9.0.2",
					  "a", "10.0.0.1", "10.0.0.2", NULL };
	struct lns_conf *c = new_conf();
	struct lns_pools *ps = lns_pools_create(conf_pools(c, v1));
	uint32_t x, b1, b2;

	CU_ASSERT_PTR_NOT_NULL_FATAL(ps);
	CU_ASSERT_EQUAL(lns_pools_alloc(ps, 1, &b1), 0);
	CU_ASSERT_EQUAL(lns_pools_alloc(ps, 1, &b2), 0);
	CU_ASSERT_EQUAL(b2, ip("10.9.0.2"));
	ps = reload(ps, conf_pools(c, v2));
	CU_ASSERT_EQUAL(lns_pools_find(ps, "b"), -ENOENT);
	CU_ASSERT_EQUAL(lns_pools_available(ps, 1), 0);           /* no pool 1 any more */
	CU_ASSERT_EQUAL(lns_pools_alloc(ps, 1, &x), -EINVAL);
	CU_ASSERT_EQUAL(lns_pools_reserve(ps, b1), -EEXIST);      /* live sessions keep theirs */
	CU_ASSERT_EQUAL(lns_pools_reserve(ps, b2), -EEXIST);
	CU_ASSERT_EQUAL(lns_pools_release(ps, b1), 0);            /* ends: to no pool */
	for (int i = 0; i < 2; i++) {
		CU_ASSERT_EQUAL(lns_pools_alloc(ps, 0, &x), 0);
		CU_ASSERT_NOT_EQUAL(x, b1);
	}
	CU_ASSERT_EQUAL(lns_pools_alloc(ps, 0, &x), -ENOSPC);
	/* a freed removed-pool address is not reissued by a later reload either */
	ps = reload(ps, conf_pools(c, v2));
	CU_ASSERT_EQUAL(lns_pools_reserve(ps, b2), -EEXIST);
	CU_ASSERT_EQUAL(lns_pools_alloc(ps, 0, &x), -ENOSPC);
	/* the new file pools them again (as 'c'): b2, still in use, is reserved there
	 * and returns there; b1 and .3/.4 of old 'b' are free or outside */
	ps = reload(ps, conf_pools(c, v3));
	CU_ASSERT_EQUAL(lns_pools_find(ps, "c"), 0);
	CU_ASSERT_EQUAL(lns_pools_available(ps, 0), 1);
	CU_ASSERT_EQUAL(lns_pools_alloc(ps, 0, &x), 0);
	CU_ASSERT_EQUAL(x, b1);
	CU_ASSERT_EQUAL(lns_pools_alloc(ps, 0, &x), -ENOSPC);
	CU_ASSERT_EQUAL(lns_pools_release(ps, b2), 0);
	CU_ASSERT_EQUAL(lns_pools_available(ps, 0), 1);
	CU_ASSERT_EQUAL(lns_pools_alloc(ps, 0, &x), 0);
	CU_ASSERT_EQUAL(x, b2);
	lns_pools_free(ps);
	free(c);
}

static void
test_static_addresses_kept(void)
{
	static const char *const v1[] = { "a", "10.0.0.1", "10.0.0.2", NULL };
	/* grown over a static user's address that is in use */
	static const char *const v2[] = { "a", "10.0.0.1", "10.0.0.4", NULL };
	struct lns_conf *c = new_conf();
	struct lns_pools *ps = lns_pools_create(conf_pools(c, v1));
	uint32_t x;

	CU_ASSERT_PTR_NOT_NULL_FATAL(ps);
	CU_ASSERT_EQUAL(lns_pools_reserve(ps, ip("198.18.0.7")), 0);
	CU_ASSERT_EQUAL(lns_pools_reserve(ps, ip("10.0.0.3")), 0);
	ps = reload(ps, conf_pools(c, v2));
	CU_ASSERT_EQUAL(lns_pools_reserve(ps, ip("198.18.0.7")), -EEXIST);
	CU_ASSERT_EQUAL(lns_pools_reserve(ps, ip("10.0.0.3")), -EEXIST);
	CU_ASSERT_EQUAL(lns_pools_available(ps, 0), 3);
	for (int i = 0; i < 3; i++) {
		CU_ASSERT_EQUAL(lns_pools_alloc(ps, 0, &x), 0);
		CU_ASSERT_NOT_EQUAL(x, ip("10.0.0.3"));
	}
	CU_ASSERT_EQUAL(lns_pools_release(ps, ip("10.0.0.3")), 0);
	CU_ASSERT_EQUAL(lns_pools_alloc(ps, 0, &x), 0);
	CU_ASSERT_EQUAL(x, ip("10.0.0.3"));
	CU_ASSERT_EQUAL(lns_pools_release(ps, ip("198.18.0.7")), 0);
	lns_pools_free(ps);
	free(c);
}

/*
 * Random pools over 10.0.0.0/24 (random cuts, random gaps, 1-6 pools), random
 * allocations and releases, a reload every few hundred steps. The model is the
 * set of addresses in use: an allocation never returns one of them nor one
 * outside the pool asked, and every pool has exactly its addresses not in use
 * free (nothing lost, nothing reissued that a removed or shrunk pool had).
 */
#define R_SPACE 256u
#define R_BASE  0x0a000000u

static uint32_t seed = 4242;

static uint32_t
rnd(uint32_t n)
{
	seed = seed * 1103515245u + 12345u;
	return (seed >> 8) % n;
}

static void
random_conf(struct lns_conf *c)
{
	uint32_t at = rnd(8);

	memset(&c->ppp, 0, sizeof(c->ppp));
	for (uint16_t i = 0; i < 6 && at < R_SPACE; i++) {
		uint32_t len = 1 + rnd(80), last = at + len - 1;
		struct lns_pool_conf *p = &c->ppp.pools[i];

		if (last >= R_SPACE)
			last = R_SPACE - 1;
		snprintf(p->name, sizeof(p->name), "p%u", rnd(8));
		for (uint16_t j = 0; j < i; j++)       /* names unique, as conf checks */
			if (strcmp(c->ppp.pools[j].name, p->name) == 0)
				snprintf(p->name, sizeof(p->name), "q%u", i);
		p->first = htonl(R_BASE + at);
		p->last = htonl(R_BASE + last);
		c->ppp.n_pools = (uint16_t)(i + 1);
		at = last + 1 + rnd(30);
		if (rnd(4) == 0)
			break;
	}
}

static void
check_model(const struct lns_pools *ps, const struct lns_conf *c, const uint8_t *used)
{
	for (uint16_t i = 0; i < c->ppp.n_pools; i++) {
		uint32_t f = ntohl(c->ppp.pools[i].first) - R_BASE;
		uint32_t l = ntohl(c->ppp.pools[i].last) - R_BASE, free_n = 0;

		for (uint32_t a = f; a <= l; a++)
			free_n += !used[a];
		CU_ASSERT_EQUAL_FATAL(lns_pools_available(ps, i), free_n);
	}
}

static void
test_random_no_double_allocation(void)
{
	struct lns_conf *c = new_conf();
	struct lns_pools *ps;
	uint8_t used[R_SPACE] = { 0 };
	uint32_t live[R_SPACE], n_live = 0, reloads = 0;

	random_conf(c);
	ps = lns_pools_create(c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ps);
	for (int step = 0; step < 60000; step++) {
		uint32_t r = rnd(1000);

		if (r < 3) {
			random_conf(c);
			ps = reload(ps, c);
			reloads++;
		} else if (r < 600 && c->ppp.n_pools > 0) {
			int idx = (int)rnd(c->ppp.n_pools);
			uint32_t a, f = ntohl(c->ppp.pools[idx].first);
			uint32_t l = ntohl(c->ppp.pools[idx].last);

			if (lns_pools_alloc(ps, idx, &a) == 0) {
				uint32_t h = ntohl(a);

				CU_ASSERT_FATAL(h >= f && h <= l);
				CU_ASSERT_FATAL(!used[h - R_BASE]);
				used[h - R_BASE] = 1;
				live[n_live++] = a;
			}
		} else if (r < 650) {
			/* a static address anywhere: refused exactly when in use */
			uint32_t h = rnd(R_SPACE);
			int rc = lns_pools_reserve(ps, htonl(R_BASE + h));

			CU_ASSERT_EQUAL_FATAL(rc, used[h] ? -EEXIST : 0);
			if (rc == 0) {
				used[h] = 1;
				live[n_live++] = htonl(R_BASE + h);
			}
		} else if (n_live > 0) {
			uint32_t k = rnd(n_live), a = live[k];

			CU_ASSERT_EQUAL_FATAL(lns_pools_release(ps, a), 0);
			used[ntohl(a) - R_BASE] = 0;
			live[k] = live[--n_live];
		}
		check_model(ps, c, used);
	}
	CU_ASSERT(reloads > 100);
	while (n_live > 0)
		CU_ASSERT_EQUAL(lns_pools_release(ps, live[--n_live]), 0);
	lns_pools_free(ps);
	free(c);
}

int
main(void)
{
	CU_pSuite s;
	unsigned int fails;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("ppp_pool", NULL, NULL);
	CU_add_test(s, "reload adds a pool", test_add);
	CU_add_test(s, "reload grows a pool, FIFO order kept", test_grow_keeps_fifo);
	CU_add_test(s, "reload shrinks a pool with addresses in use outside", test_shrink_in_use_outside);
	CU_add_test(s, "reload removes a pool with addresses in use", test_remove_in_use);
	CU_add_test(s, "static addresses stay reserved", test_static_addresses_kept);
	CU_add_test(s, "random reloads: no double allocation, nothing lost", test_random_no_double_allocation);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures();
	CU_cleanup_registry();
	return fails ? 1 : 0;
}
