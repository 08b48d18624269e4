/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lns_map: what the keyed hash costs and what it buys, side by side in one run.
 *
 *   build/tests/bench/map/map_bench [records]       (default 65536)
 *
 * Two maps of the same records, one with lns_map's SipHash-2-4 under a random key,
 * one with the unkeyed murmur3 finaliser that lib/l2tp used before (the same kind
 * of mix lib/ike and ctl_ike used). Rows, each the median of 7 timed passes:
 *   random  lookups of present keys that nobody chose;
 *   crafted lookups of keys picked, by inverting the finaliser, to land in one
 *           bucket of the unkeyed map: what a sender who chooses its UDP port and
 *           tunnel id could do to the old SCCRQ identity table.
 * Prints ns per lookup and the ratio keyed / unkeyed. Not part of `meson test`.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "lns_map.h"

struct rec {
	uint32_t key;
	struct lns_map_node node;
};

static uint32_t
fmix32(uint32_t h)
{
	h ^= h >> 16;
	h *= 0x85ebca6b;
	h ^= h >> 13;
	h *= 0xc2b2ae35;
	h ^= h >> 16;
	return h;
}

static uint32_t
inv_mul(uint32_t c)
{
	uint32_t x = c;         /* Newton: each step doubles the correct low bits */

	for (int i = 0; i < 5; i++)
		x *= 2 - c * x;
	return x;
}

static uint32_t
fmix32_inverse(uint32_t h)
{
	h ^= h >> 16;
	h *= inv_mul(0xc2b2ae35);
	h ^= (h >> 13) ^ (h >> 26);
	h *= inv_mul(0x85ebca6b);
	h ^= h >> 16;
	return h;
}

static uint64_t
hash_unkeyed(const void *key, uint32_t len, const uint8_t seed[16])
{
	uint32_t k;

	(void)len;
	(void)seed;
	__builtin_memcpy(&k, key, 4);
	return fmix32(k);
}

static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int
cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static volatile uintptr_t sink;

/* One pass: ns per lookup of keys[0..n), at least `min` lookups. */
static double
pass(const struct lns_map *m, const uint32_t *keys, uint32_t n, uint32_t min)
{
	uint32_t done = 0;
	double t0 = now_ns();

	while (done < min)
		for (uint32_t i = 0; i < n; i++, done++)
			sink += (uintptr_t)lns_map_find(m, &keys[i]);
	return (now_ns() - t0) / done;
}

/* Medians over 7 passes, the two maps' passes interleaved (a noisy machine
 * slows both alike). */
static void
time_both(const struct lns_map *a, const struct lns_map *b, const uint32_t *keys, uint32_t n,
	  uint32_t min, double *ta, double *tb)
{
	double x[7], y[7];

	for (int p = 0; p < 7; p++) {
		x[p] = pass(a, keys, n, min);
		y[p] = pass(b, keys, n, min);
	}
	qsort(x, 7, sizeof(x[0]), cmp_d);
	qsort(y, 7, sizeof(y[0]), cmp_d);
	*ta = x[3];
	*tb = y[3];
}

static int
build(struct lns_map *m, struct rec *r, const uint32_t *keys, uint32_t n, lns_map_hash_fn h)
{
	struct lns_map_params p = {
		.key_len = 4, .key_off = offsetof(struct rec, key) - offsetof(struct rec, node),
		.init = n, .max = n, .hash = h,
	};

	if (lns_map_init(m, &p) != 0)
		return -1;
	for (uint32_t i = 0; i < n; i++) {
		r[i].key = keys[i];
		if (lns_map_add(m, &r[i].node) != 0)
			return -1;
	}
	return 0;
}

static void
row(const char *name, const uint32_t *keys, uint32_t n, uint32_t min)
{
	struct rec *a = calloc(n, sizeof(*a)), *b = calloc(n, sizeof(*b));
	struct lns_map keyed, unkeyed;
	double tk, tu;

	if (a == NULL || b == NULL || build(&keyed, a, keys, n, NULL) != 0 ||
	    build(&unkeyed, b, keys, n, hash_unkeyed) != 0) {
		fprintf(stderr, "map_bench: setup failed\n");
		exit(1);
	}
	time_both(&keyed, &unkeyed, keys, n, min, &tk, &tu);
	printf("%-8s %8u %12.1f %12.1f %8u %8u %10.2f\n", name, n, tk, tu,
	       lns_map_longest_chain(&keyed), lns_map_longest_chain(&unkeyed), tk / tu);
	lns_map_fini(&keyed);
	lns_map_fini(&unkeyed);
	free(a);
	free(b);
}

int
main(int argc, char **argv)
{
	uint32_t n = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 0) : 65536;
	uint32_t crafted_n = n < 4096 ? n : 4096;
	uint32_t *keys = malloc((size_t)n * sizeof(*keys));
	uint32_t buckets = 16;

	if (keys == NULL || n == 0)
		return 1;
	while (buckets < n)
		buckets <<= 1;
	srand(1);
	for (uint32_t i = 0; i < n; i++)
		keys[i] = (uint32_t)rand() ^ ((uint32_t)rand() << 16);
	printf("%-8s %8s %12s %12s %8s %8s %10s\n", "keys", "records", "keyed ns", "unkeyed ns",
	       "chain k", "chain u", "k/u");
	row("random", keys, n, 4000000);
	/* preimages of hashes that are multiples of the bucket count: bucket 0 of
	 * the unkeyed map, once it has grown to `buckets` */
	for (uint32_t i = 0; i < crafted_n; i++)
		keys[i] = fmix32_inverse((i + 1) * buckets);
	row("crafted", keys, crafted_n, 40000);
	free(keys);
	return 0;
}
