/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Control-plane timers: a binary min-heap of caller-owned timer objects, with
 * time injected by the caller (milliseconds of a monotonic clock), so protocol
 * code that uses it runs the same in lnsd and in unit tests.
 *
 * Cost: arm, re-arm and cancel are O(log n); lns_timers_run() is O(k log n) for
 * k expired timers. Scale target: one or two timers per session at 1M sessions.
 *
 * Thread-safety: none; one owner (the control lcore). A callback may arm, re-arm
 * or cancel any timer, including its own, and may free its own timer's memory.
 */
#ifndef LNS_TIMER_H
#define LNS_TIMER_H

#include <stdbool.h>
#include <stdint.h>

struct lns_timer;
struct lns_timers;

/** Called once when a timer expires; the timer is no longer pending then. */
typedef void (*lns_timer_cb)(struct lns_timer *t, void *arg, uint64_t now_ms);

/** A timer; embed it in the object it belongs to. */
struct lns_timer {
	uint64_t expire_ms;     /**< when it fires (valid while pending) */
	uint32_t idx;           /**< heap slot + 1; 0 = not pending */
	lns_timer_cb cb;
	void *arg;
};

#define LNS_TIMER_NEVER UINT64_MAX

/** A timer set with room for `hint` timers (it grows as needed). NULL on ENOMEM. */
struct lns_timers *lns_timers_create(uint32_t hint);
/** Free the set. Pending timers are forgotten, never called. NULL is a no-op. */
void lns_timers_free(struct lns_timers *ts);

/** Prepare a timer (not pending). */
void lns_timer_init(struct lns_timer *t, lns_timer_cb cb, void *arg);

/**
 * Arm `t` to fire at `expire_ms`; a pending timer is moved. @return 0, or -ENOMEM
 * (the timer is then not pending).
 */
int lns_timer_arm(struct lns_timers *ts, struct lns_timer *t, uint64_t expire_ms);

/** Stop `t` if it is pending. Safe on a timer that is not. */
void lns_timer_cancel(struct lns_timers *ts, struct lns_timer *t);

static inline bool
lns_timer_pending(const struct lns_timer *t)
{
	return t->idx != 0;
}

/** Fire every timer with expire_ms <= now_ms, earliest first. @return how many fired. */
unsigned int lns_timers_run(struct lns_timers *ts, uint64_t now_ms);

/** Earliest pending expiry, or LNS_TIMER_NEVER. */
uint64_t lns_timers_next(const struct lns_timers *ts);

/** Pending timers. */
uint32_t lns_timers_count(const struct lns_timers *ts);

#endif /* LNS_TIMER_H */
