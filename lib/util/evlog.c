/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The lifecycle event log (see lns_evlog.h). Each slot carries the sequence
 * number of the event in it; the writer zeroes it before rewriting the slot and
 * sets it after, so a reader that sees the same number before and after its copy
 * holds a whole entry (a per-slot sequence lock).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lns_evlog.h"

struct lns_evlog {
	uint64_t head;                   /* seq of the newest event; atomic */
	uint32_t mask;
	void (*sink)(const struct lns_event *e, void *arg);
	void *sink_arg;
	struct lns_event ring[];
};

static const char *const ev_names[] = {
#define X(e, s) s,
	LNS_EVENTS(X)
#undef X
};

const char *
lns_ev_name(unsigned int ev)
{
	return ev < LNS_EV_MAX ? ev_names[ev] : "?";
}

struct lns_evlog *
lns_evlog_create(uint32_t size)
{
	struct lns_evlog *log;
	uint32_t n = 1;

	if (size == 0 || size > (1u << 24))
		return NULL;
	while (n < size)
		n <<= 1;
	log = calloc(1, sizeof(*log) + (size_t)n * sizeof(log->ring[0]));
	if (log == NULL)
		return NULL;
	log->mask = n - 1;
	return log;
}

void
lns_evlog_free(struct lns_evlog *log)
{
	free(log);
}

void
lns_evlog_set_sink(struct lns_evlog *log, void (*fn)(const struct lns_event *e, void *arg),
		   void *arg)
{
	log->sink = fn;
	log->sink_arg = arg;
}

void
lns_evlog_add(struct lns_evlog *log, uint64_t t_us, enum lns_ev ev, uint32_t tunnel,
	      uint32_t session, uint32_t ipsec, const char *fmt, ...)
{
	uint64_t seq = log->head + 1;
	struct lns_event *e = &log->ring[seq & log->mask];
	va_list ap;

	__atomic_store_n(&e->seq, 0, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	e->t_us = t_us;
	e->ev = (uint16_t)ev;
	e->tunnel = tunnel;
	e->session = session;
	e->ipsec = ipsec;
	e->detail[0] = '\0';
	if (fmt != NULL) {
		va_start(ap, fmt);
		vsnprintf(e->detail, sizeof(e->detail), fmt, ap);
		va_end(ap);
	}
	__atomic_store_n(&e->seq, seq, __ATOMIC_RELEASE);
	__atomic_store_n(&log->head, seq, __ATOMIC_RELEASE);
	if (log->sink != NULL)
		log->sink(e, log->sink_arg);
}

uint64_t
lns_evlog_last_seq(const struct lns_evlog *log)
{
	return __atomic_load_n(&log->head, __ATOMIC_ACQUIRE);
}

uint32_t
lns_evlog_read(const struct lns_evlog *log, uint64_t after_seq, struct lns_event *out,
	       uint32_t max)
{
	uint64_t head = __atomic_load_n(&log->head, __ATOMIC_ACQUIRE);
	uint64_t size = (uint64_t)log->mask + 1;
	uint64_t s = after_seq + 1;
	uint32_t n = 0;

	if (head >= size && s <= head - size)
		s = head - size + 1;
	for (; s <= head && n < max; s++) {
		const struct lns_event *e = &log->ring[s & log->mask];

		if (__atomic_load_n(&e->seq, __ATOMIC_ACQUIRE) != s)
			continue;       /* being rewritten: a newer event took the slot */
		memcpy(&out[n], e, sizeof(*e));
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&e->seq, __ATOMIC_RELAXED) != s)
			continue;
		out[n].seq = s;
		out[n].detail[LNS_EV_DETAIL_MAX - 1] = '\0';
		n++;
	}
	return n;
}
