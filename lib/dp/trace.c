/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Packet trace: allocation, start/stop and the reader's snapshot (telemetry
 * thread). The data path's side is lns_trace_add() and the hooks in dp_worker.c.
 */
#include <stdlib.h>
#include <string.h>

#include <rte_malloc.h>

#include "lns_stats.h"
#include "lns_trace.h"

#define X_NAME(e, n) n,
static const char *const stage_names[LNS_STAGE_MAX] = { LNS_TRACE_STAGES(X_NAME) };
#undef X_NAME
static const char *const decision_names[] = { "pass", "drop", "punt", "handoff", "sent" };

struct lns_trace *
lns_trace_create(uint16_t n_slots)
{
	struct lns_trace *t = rte_zmalloc("lns_trace", sizeof(*t) +
					  (size_t)n_slots * sizeof(struct lns_trace_lcore),
					  RTE_CACHE_LINE_SIZE);

	if (t != NULL)
		t->n_slots = n_slots;
	return t;
}

void
lns_trace_free(struct lns_trace *t)
{
	rte_free(t);
}

void
lns_trace_start(struct lns_trace *t, uint32_t *on, uint32_t n, const struct lns_trace_filter *f)
{
	__atomic_store_n(on, 0, __ATOMIC_RELEASE);
	t->f = *f;
	t->limit = n;
	__atomic_store_n(&t->pkt_next, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&t->budget, (int32_t)n, __ATOMIC_RELAXED);
	/* a new generation hides the last trace's records; 0 is never one */
	if (__atomic_add_fetch(&t->gen, 1, __ATOMIC_RELEASE) == 0)
		__atomic_add_fetch(&t->gen, 1, __ATOMIC_RELEASE);
	__atomic_store_n(on, 1, __ATOMIC_RELEASE);
}

void
lns_trace_stop(struct lns_trace *t, uint32_t *on)
{
	__atomic_store_n(on, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&t->budget, 0, __ATOMIC_RELAXED);
}

const char *
lns_trace_stage_name(unsigned int s)
{
	return s < LNS_STAGE_MAX ? stage_names[s] : "?";
}

const char *
lns_trace_decision_name(unsigned int d)
{
	return d < RTE_DIM(decision_names) ? decision_names[d] : "?";
}

enum lns_trace_stage
lns_trace_stage_of_drop(unsigned int r)
{
	static const struct { const char *prefix; enum lns_trace_stage s; } map[] = {
		{ "classify", LNS_STAGE_CLASSIFY }, { "reasm", LNS_STAGE_REASM },
		{ "esp", LNS_STAGE_ESP_IN }, { "l2tp", LNS_STAGE_L2TP_IN },
		{ "ppp", LNS_STAGE_PPP_IN }, { "up", LNS_STAGE_IPV4_UP },
		{ "down", LNS_STAGE_IPV4_DOWN }, { "encap", LNS_STAGE_ENCAP },
		{ "esp_out", LNS_STAGE_ESP_OUT }, { "tx", LNS_STAGE_TX },
		{ "punt", LNS_STAGE_PUNT },
	};
	const char *st = lns_drop_stage(r);

	for (size_t i = 0; i < RTE_DIM(map); i++)
		if (strcmp(map[i].prefix, st) == 0)
			return map[i].s;
	return LNS_STAGE_CTL;
}

static int
rec_cmp(const void *a, const void *b)
{
	const struct lns_trace_rec *x = a, *y = b;

	if (x->pkt != y->pkt)
		return x->pkt < y->pkt ? -1 : 1;
	return x->tsc < y->tsc ? -1 : x->tsc > y->tsc;
}

unsigned int
lns_trace_snapshot(const struct lns_trace *t, struct lns_trace_rec *out, unsigned int max)
{
	uint32_t gen = __atomic_load_n(&t->gen, __ATOMIC_ACQUIRE);
	unsigned int n = 0, k = 0;
	struct lns_trace_rec *all;
	size_t cap = (size_t)t->n_slots * LNS_TRACE_RING;

	if (gen == 0 || max == 0)
		return 0;
	all = malloc(cap * sizeof(*all));
	if (all == NULL)
		return 0;
	for (uint16_t s = 0; s < t->n_slots; s++)
		for (unsigned int i = 0; i < LNS_TRACE_RING; i++) {
			const struct lns_trace_rec *r = &t->lc[s].rec[i];

			if (__atomic_load_n(&r->gen, __ATOMIC_ACQUIRE) != gen)
				continue;
			all[n] = *r;
			/* rewritten while copied: skip it */
			if (__atomic_load_n(&r->gen, __ATOMIC_ACQUIRE) == gen && all[n].gen == gen)
				n++;
		}
	qsort(all, n, sizeof(*all), rec_cmp);
	/* tunnel / session filters: keep a packet whose records name them */
	for (unsigned int i = 0; i < n && k < max;) {
		unsigned int j = i;
		bool keep = t->f.tunnel == 0 && t->f.session == 0;

		while (j < n && all[j].pkt == all[i].pkt) {
			keep |= (t->f.tunnel == 0 || all[j].tunnel == t->f.tunnel) &&
				(t->f.session == 0 || all[j].session == t->f.session - 1);
			j++;
		}
		for (; keep && i < j && k < max; i++)
			out[k++] = all[i];
		i = j;
	}
	free(all);
	return k;
}
