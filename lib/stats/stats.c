/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdlib.h>
#include <string.h>

#include "lns_stats.h"

#define LNS_X_NAME(e, name, help) name,
#define LNS_X_HELP(e, name, help) help,
static const char *const ctr_names[LNS_CTR_MAX] = { LNS_COUNTERS(LNS_X_NAME) };
static const char *const ctr_helps[LNS_CTR_MAX] = { LNS_COUNTERS(LNS_X_HELP) };
#define LNS_X_DNAME(e, stage, reason, help) #stage "." reason,
#define LNS_X_DKEY(e, stage, reason, help) #stage "/" reason,
#define LNS_X_DSTAGE(e, stage, reason, help) #stage,
#define LNS_X_DHELP(e, stage, reason, help) help,
static const char *const drop_names[LNS_DROP_MAX] = { LNS_DROPS(LNS_X_DNAME) };
static const char *const drop_keys[LNS_DROP_MAX] = { LNS_DROPS(LNS_X_DKEY) };
static const char *const drop_stages[LNS_DROP_MAX] = { LNS_DROPS(LNS_X_DSTAGE) };
static const char *const drop_helps[LNS_DROP_MAX] = { LNS_DROPS(LNS_X_DHELP) };

struct lns_stats *
lns_stats_create(unsigned int n_slots)
{
	size_t sz = sizeof(struct lns_stats) + (size_t)n_slots * sizeof(struct lns_stats_lcore);
	struct lns_stats *st;

	if (n_slots == 0)
		return NULL;
	sz = RTE_ALIGN_CEIL(sz, RTE_CACHE_LINE_SIZE);
	st = aligned_alloc(RTE_CACHE_LINE_SIZE, sz);
	if (st == NULL)
		return NULL;
	memset(st, 0, sz);
	st->n_slots = n_slots;
	return st;
}

void
lns_stats_free(struct lns_stats *st)
{
	free(st);
}

/* Writers use plain adds on their own slot; a relaxed load here reads a whole
 * 64-bit value on every platform DPDK supports. */
static uint64_t
sum(const struct lns_stats *st, size_t off)
{
	uint64_t total = 0;

	for (unsigned int i = 0; i < st->n_slots; i++) {
		const uint64_t *p = (const uint64_t *)((const char *)&st->slot[i] + off);
		total += __atomic_load_n(p, __ATOMIC_RELAXED);
	}
	return total;
}

uint64_t
lns_stats_ctr(const struct lns_stats *st, enum lns_ctr c)
{
	if ((unsigned int)c >= LNS_CTR_MAX)
		return 0;
	return sum(st, offsetof(struct lns_stats_lcore, ctr) + c * sizeof(uint64_t));
}

uint64_t
lns_stats_drop(const struct lns_stats *st, enum lns_drop d)
{
	if ((unsigned int)d >= LNS_DROP_MAX)
		return 0;
	return sum(st, offsetof(struct lns_stats_lcore, drop) + d * sizeof(uint64_t));
}

uint64_t
lns_stats_drops_total(const struct lns_stats *st)
{
	uint64_t t = 0;

	for (int d = 0; d < LNS_DROP_MAX; d++)
		t += lns_stats_drop(st, d);
	return t;
}

const char *
lns_ctr_name(enum lns_ctr c)
{
	return (unsigned int)c < LNS_CTR_MAX ? ctr_names[c] : "?";
}

const char *
lns_ctr_help(enum lns_ctr c)
{
	return (unsigned int)c < LNS_CTR_MAX ? ctr_helps[c] : "?";
}

const char *
lns_drop_name(enum lns_drop d)
{
	return (unsigned int)d < LNS_DROP_MAX ? drop_names[d] : "?";
}

const char *
lns_drop_key(enum lns_drop d)
{
	return (unsigned int)d < LNS_DROP_MAX ? drop_keys[d] : "?";
}

const char *
lns_drop_stage(enum lns_drop d)
{
	return (unsigned int)d < LNS_DROP_MAX ? drop_stages[d] : "?";
}

const char *
lns_drop_help(enum lns_drop d)
{
	return (unsigned int)d < LNS_DROP_MAX ? drop_helps[d] : "?";
}

int
lns_drop_by_name(const char *name)
{
	for (int d = 0; d < LNS_DROP_MAX; d++)
		if (strcmp(drop_names[d], name) == 0 || strcmp(drop_keys[d], name) == 0)
			return d;
	return -1;
}
