/* SPDX-License-Identifier: BSD-3-Clause */
/* Control-plane timers: a binary min-heap keyed by expiry (see lns_timer.h). */
#include <errno.h>
#include <stdlib.h>

#include "lns_timer.h"

struct lns_timers {
	struct lns_timer **heap;
	uint32_t n;
	uint32_t cap;
};

struct lns_timers *
lns_timers_create(uint32_t hint)
{
	struct lns_timers *ts = calloc(1, sizeof(*ts));

	if (ts == NULL)
		return NULL;
	ts->cap = hint < 16 ? 16 : hint;
	ts->heap = calloc(ts->cap, sizeof(*ts->heap));
	if (ts->heap == NULL) {
		free(ts);
		return NULL;
	}
	return ts;
}

void
lns_timers_free(struct lns_timers *ts)
{
	if (ts == NULL)
		return;
	for (uint32_t i = 0; i < ts->n; i++)
		ts->heap[i]->idx = 0;
	free(ts->heap);
	free(ts);
}

void
lns_timer_init(struct lns_timer *t, lns_timer_cb cb, void *arg)
{
	t->expire_ms = LNS_TIMER_NEVER;
	t->idx = 0;
	t->cb = cb;
	t->arg = arg;
}

static inline void
place(struct lns_timers *ts, uint32_t i, struct lns_timer *t)
{
	ts->heap[i] = t;
	t->idx = i + 1;
}

static void
sift_up(struct lns_timers *ts, uint32_t i)
{
	struct lns_timer *t = ts->heap[i];

	while (i > 0) {
		uint32_t p = (i - 1) / 2;

		if (ts->heap[p]->expire_ms <= t->expire_ms)
			break;
		place(ts, i, ts->heap[p]);
		i = p;
	}
	place(ts, i, t);
}

static void
sift_down(struct lns_timers *ts, uint32_t i)
{
	struct lns_timer *t = ts->heap[i];

	for (;;) {
		uint32_t c = 2 * i + 1;

		if (c >= ts->n)
			break;
		if (c + 1 < ts->n && ts->heap[c + 1]->expire_ms < ts->heap[c]->expire_ms)
			c++;
		if (t->expire_ms <= ts->heap[c]->expire_ms)
			break;
		place(ts, i, ts->heap[c]);
		i = c;
	}
	place(ts, i, t);
}

/* Take the timer in heap slot i out, keeping the heap ordered. */
static void
remove_at(struct lns_timers *ts, uint32_t i)
{
	struct lns_timer *last;

	ts->heap[i]->idx = 0;
	last = ts->heap[--ts->n];
	if (i == ts->n)
		return;
	place(ts, i, last);
	if (i > 0 && ts->heap[(i - 1) / 2]->expire_ms > last->expire_ms)
		sift_up(ts, i);
	else
		sift_down(ts, i);
}

int
lns_timer_arm(struct lns_timers *ts, struct lns_timer *t, uint64_t expire_ms)
{
	if (t->idx != 0) {
		uint64_t old = t->expire_ms;

		t->expire_ms = expire_ms;
		if (expire_ms < old)
			sift_up(ts, t->idx - 1);
		else
			sift_down(ts, t->idx - 1);
		return 0;
	}
	if (ts->n == ts->cap) {
		uint32_t cap = ts->cap * 2;
		struct lns_timer **h = realloc(ts->heap, (size_t)cap * sizeof(*h));

		if (h == NULL || cap < ts->cap)
			return -ENOMEM;
		ts->heap = h;
		ts->cap = cap;
	}
	t->expire_ms = expire_ms;
	ts->heap[ts->n] = t;
	t->idx = ++ts->n;
	sift_up(ts, ts->n - 1);
	return 0;
}

void
lns_timer_cancel(struct lns_timers *ts, struct lns_timer *t)
{
	if (t->idx != 0)
		remove_at(ts, t->idx - 1);
}

unsigned int
lns_timers_run(struct lns_timers *ts, uint64_t now_ms)
{
	unsigned int fired = 0;

	while (ts->n > 0 && ts->heap[0]->expire_ms <= now_ms) {
		struct lns_timer *t = ts->heap[0];

		remove_at(ts, 0);
		fired++;
		t->cb(t, t->arg, now_ms); /* may re-arm t or free its owner */
	}
	return fired;
}

uint64_t
lns_timers_next(const struct lns_timers *ts)
{
	return ts->n > 0 ? ts->heap[0]->expire_ms : LNS_TIMER_NEVER;
}

uint32_t
lns_timers_count(const struct lns_timers *ts)
{
	return ts->n;
}
