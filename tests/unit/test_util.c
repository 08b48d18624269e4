/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of lib/util: control-plane timers and the event log. */
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "lns_evlog.h"
#include "lns_timer.h"

/* ------------------------------------------------------------- timers --- */

struct rec {
	struct lns_timer t;
	int id;
	int fired;
	uint64_t at;
};

static int order[64];
static int n_order;

static void
rec_cb(struct lns_timer *t, void *arg, uint64_t now)
{
	struct rec *r = arg;

	(void)t;
	r->fired++;
	r->at = now;
	order[n_order++] = r->id;
}

static void
test_timer_order(void)
{
	struct lns_timers *ts = lns_timers_create(2);   /* forces growth */
	struct rec r[20];
	/* expiries deliberately unsorted, with duplicates */
	static const uint64_t exp[20] = { 50, 10, 30, 10, 90, 70, 20, 60, 40, 80,
					  15, 25, 35, 45, 55, 65, 75, 85, 95, 5 };

	CU_ASSERT_PTR_NOT_NULL_FATAL(ts);
	n_order = 0;
	for (int i = 0; i < 20; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		r[i].id = i;
		lns_timer_init(&r[i].t, rec_cb, &r[i]);
		CU_ASSERT_EQUAL(lns_timer_arm(ts, &r[i].t, exp[i]), 0);
	}
	CU_ASSERT_EQUAL(lns_timers_count(ts), 20);
	CU_ASSERT_EQUAL(lns_timers_next(ts), 5);
	CU_ASSERT_EQUAL(lns_timers_run(ts, 4), 0);
	CU_ASSERT_EQUAL(lns_timers_run(ts, 30), 7);   /* 5,10,10,15,20,25,30 */
	CU_ASSERT_EQUAL(lns_timers_run(ts, 1000), 13);
	CU_ASSERT_EQUAL(n_order, 20);
	for (int i = 1; i < n_order; i++)
		CU_ASSERT(exp[order[i - 1]] <= exp[order[i]]);
	for (int i = 0; i < 20; i++) {
		CU_ASSERT_EQUAL(r[i].fired, 1);
		CU_ASSERT_FALSE(lns_timer_pending(&r[i].t));
	}
	CU_ASSERT_EQUAL(lns_timers_next(ts), LNS_TIMER_NEVER);
	lns_timers_free(ts);
}

static void
test_timer_cancel_rearm(void)
{
	struct lns_timers *ts = lns_timers_create(4);
	struct rec r[8];

	n_order = 0;
	for (int i = 0; i < 8; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		r[i].id = i;
		lns_timer_init(&r[i].t, rec_cb, &r[i]);
		lns_timer_arm(ts, &r[i].t, 100 + (uint64_t)i * 10);
	}
	lns_timer_cancel(ts, &r[0].t);                   /* the root */
	lns_timer_cancel(ts, &r[5].t);                   /* an inner node */
	lns_timer_cancel(ts, &r[5].t);                   /* twice is harmless */
	CU_ASSERT_FALSE(lns_timer_pending(&r[5].t));
	lns_timer_arm(ts, &r[7].t, 1);                   /* moved earlier */
	lns_timer_arm(ts, &r[1].t, 500);                 /* moved later */
	CU_ASSERT_EQUAL(lns_timers_count(ts), 6);
	CU_ASSERT_EQUAL(lns_timers_next(ts), 1);
	CU_ASSERT_EQUAL(lns_timers_run(ts, 1000), 6);
	CU_ASSERT_EQUAL(order[0], 7);
	CU_ASSERT_EQUAL(order[5], 1);
	CU_ASSERT_EQUAL(r[0].fired, 0);
	CU_ASSERT_EQUAL(r[5].fired, 0);
	CU_ASSERT_EQUAL(r[1].at, 1000);
	lns_timers_free(ts);
}

/* A callback that re-arms itself (retransmission) and one that cancels another. */
struct self {
	struct lns_timer t;
	struct lns_timers *ts;
	int left;
	int fired;
	struct lns_timer *victim;
};

static void
self_cb(struct lns_timer *t, void *arg, uint64_t now)
{
	struct self *s = arg;

	s->fired++;
	if (s->victim != NULL)
		lns_timer_cancel(s->ts, s->victim);
	if (--s->left > 0)
		lns_timer_arm(s->ts, t, now + 10);
}

static void
test_timer_callbacks(void)
{
	struct lns_timers *ts = lns_timers_create(0);
	struct self a = { .ts = ts, .left = 3 }, b = { .ts = ts, .left = 1 };

	lns_timer_init(&a.t, self_cb, &a);
	lns_timer_init(&b.t, self_cb, &b);
	a.victim = &b.t;
	lns_timer_arm(ts, &a.t, 10);
	lns_timer_arm(ts, &b.t, 15);
	/* a fires (at now = 100), cancels b and re-arms itself to 110 */
	CU_ASSERT_EQUAL(lns_timers_run(ts, 100), 1);
	CU_ASSERT_EQUAL(b.fired, 0);
	CU_ASSERT_EQUAL(lns_timers_run(ts, 110), 1);
	CU_ASSERT_EQUAL(lns_timers_run(ts, 120), 1);
	CU_ASSERT_EQUAL(a.fired, 3);
	CU_ASSERT_EQUAL(lns_timers_count(ts), 0);
	lns_timers_free(ts);
}

/* Many timers, random arm/cancel: the heap never loses or misorders one. */
static void
test_timer_random(void)
{
	enum { N = 2000 };
	struct lns_timers *ts = lns_timers_create(8);
	struct rec *r = calloc(N, sizeof(*r));
	uint64_t last = 0;
	unsigned int seed = 12345, pending = 0, fired = 0;

	for (int i = 0; i < N; i++) {
		r[i].id = i;
		lns_timer_init(&r[i].t, rec_cb, &r[i]);
	}
	for (int k = 0; k < 20000; k++) {
		int i = (int)(rand_r(&seed) % N);

		if (rand_r(&seed) % 3 == 0)
			lns_timer_cancel(ts, &r[i].t);
		else
			lns_timer_arm(ts, &r[i].t, 1000 + rand_r(&seed) % 100000);
	}
	for (int i = 0; i < N; i++)
		pending += lns_timer_pending(&r[i].t);
	CU_ASSERT_EQUAL(lns_timers_count(ts), pending);
	n_order = 0;
	while (lns_timers_count(ts) > 0) {
		uint64_t next = lns_timers_next(ts);

		CU_ASSERT(next >= last);
		last = next;
		n_order = 0;                  /* order[] is small: reset each step */
		fired += lns_timers_run(ts, next);
	}
	CU_ASSERT_EQUAL(fired, pending);
	free(r);
	lns_timers_free(ts);
}

/* ----------------------------------------------------------- event log --- */

static int sunk;

static void
sink(const struct lns_event *e, void *arg)
{
	(void)arg;
	if (e->ev == LNS_EV_TUNNEL_UP)
		sunk++;
}

static void
test_evlog_basic(void)
{
	struct lns_evlog *log = lns_evlog_create(5);     /* rounds up to 8 */
	struct lns_event out[16];
	uint32_t n;

	CU_ASSERT_PTR_NOT_NULL_FATAL(log);
	CU_ASSERT_EQUAL(lns_evlog_last_seq(log), 0);
	CU_ASSERT_EQUAL(lns_evlog_read(log, 0, out, 16), 0);
	sunk = 0;
	lns_evlog_set_sink(log, sink, NULL);
	lns_evlog_add(log, 100, LNS_EV_TUNNEL_UP, 7, LNS_EV_NONE, 3, "peer %s", "10.0.0.1");
	lns_evlog_add(log, 200, LNS_EV_SESSION_UP, 7, 1, 3, NULL);
	n = lns_evlog_read(log, 0, out, 16);
	CU_ASSERT_EQUAL_FATAL(n, 2);
	CU_ASSERT_EQUAL(out[0].seq, 1);
	CU_ASSERT_EQUAL(out[0].t_us, 100);
	CU_ASSERT_STRING_EQUAL(lns_ev_name(out[0].ev), "tunnel-up");
	CU_ASSERT_STRING_EQUAL(out[0].detail, "peer 10.0.0.1");
	CU_ASSERT_EQUAL(out[1].session, 1);
	CU_ASSERT_STRING_EQUAL(out[1].detail, "");
	CU_ASSERT_EQUAL(sunk, 1);
	/* only what follows a given seq */
	CU_ASSERT_EQUAL(lns_evlog_read(log, 1, out, 16), 1);
	CU_ASSERT_EQUAL(out[0].seq, 2);
	CU_ASSERT_STRING_EQUAL(lns_ev_name(LNS_EV_MAX), "?");
	CU_ASSERT_STRING_EQUAL(lns_ev_name(LNS_EV_IPSEC_DISCONNECT), "ipsec-disconnect");
	lns_evlog_free(log);
}

static void
test_evlog_wrap(void)
{
	struct lns_evlog *log = lns_evlog_create(8);
	struct lns_event out[16];
	char longer[300];
	uint32_t n;

	memset(longer, 'x', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	for (uint32_t i = 1; i <= 20; i++)
		lns_evlog_add(log, i, LNS_EV_DESTRUCT_BEGIN, i, LNS_EV_NONE, LNS_EV_NONE,
			      "%s", longer);
	CU_ASSERT_EQUAL(lns_evlog_last_seq(log), 20);
	n = lns_evlog_read(log, 0, out, 16);
	CU_ASSERT_EQUAL_FATAL(n, 8);                      /* the last 8 only */
	CU_ASSERT_EQUAL(out[0].seq, 13);
	CU_ASSERT_EQUAL(out[7].seq, 20);
	CU_ASSERT_EQUAL(out[7].tunnel, 20);
	CU_ASSERT_EQUAL(strlen(out[0].detail), LNS_EV_DETAIL_MAX - 1); /* truncated */
	n = lns_evlog_read(log, 15, out, 2);              /* bounded by max */
	CU_ASSERT_EQUAL(n, 2);
	CU_ASSERT_EQUAL(out[0].seq, 16);
	CU_ASSERT_PTR_NULL(lns_evlog_create(0));
	lns_evlog_free(log);
}

int
main(void)
{
	CU_pSuite s;
	unsigned int fails;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("util", NULL, NULL);
	CU_add_test(s, "timer order", test_timer_order);
	CU_add_test(s, "timer cancel and re-arm", test_timer_cancel_rearm);
	CU_add_test(s, "timer callbacks re-arm and cancel", test_timer_callbacks);
	CU_add_test(s, "timer random arm/cancel", test_timer_random);
	CU_add_test(s, "event log", test_evlog_basic);
	CU_add_test(s, "event log wraps", test_evlog_wrap);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures();
	CU_cleanup_registry();
	return fails == 0 ? 0 : 1;
}
