/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Packet trace (`lnsctl trace`): the next N packets' path through the pipeline
 * stages, recorded per lcore, like VPP's `trace add`.
 *
 * Writers: each data-path lcore appends to its own ring (no atomics but the shared
 * packet budget, taken once per traced packet). A packet is picked at classify
 * when tracing is on, its port, peer and SPI match the filter and the budget is not
 * spent; its mbuf metadata then carries the mark, and every stage that decides
 * about it records the decision (pass, drop with its reason, punt, handoff, sent),
 * with the SA, tunnel and session it knows by then.
 * When tracing is off a burst pays one load of lns_dp.trace_on and one predictable
 * branch per hook.
 *
 * Readers (telemetry thread): lns_trace_start/stop and lns_trace_snapshot. A record
 * is published by writing its generation last (release); records of an older
 * generation (an earlier `trace start`) are ignored.
 */
#ifndef LNS_TRACE_H
#define LNS_TRACE_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_mbuf.h>

/** Records kept per lcore (the oldest are overwritten). */
#define LNS_TRACE_RING 1024u

/** Pipeline stages, as the trace names them. */
#define LNS_TRACE_STAGES(X) \
	X(CLASSIFY, "classify") X(REASM, "reasm") X(ESP_IN, "esp-in") X(L2TP_IN, "l2tp-in") \
	X(PPP_IN, "ppp-in") X(IPV4_UP, "ipv4-up") X(IPV4_DOWN, "ipv4-down") X(ENCAP, "encap") \
	X(ESP_OUT, "esp-out") X(TX, "tx") X(PUNT, "punt") X(CTL, "ctl")
#define LNS_TRACE_X(e, n) LNS_STAGE_##e,
enum lns_trace_stage { LNS_TRACE_STAGES(LNS_TRACE_X) LNS_STAGE_MAX };
#undef LNS_TRACE_X

/** What a stage decided. */
enum lns_trace_decision {
	LNS_TD_PASS = 0,   /**< on to the next stage */
	LNS_TD_DROP,       /**< counted drop; reason set */
	LNS_TD_PUNT,       /**< to the control lcore */
	LNS_TD_HANDOFF,    /**< to the worker that owns the SA */
	LNS_TD_SENT,       /**< on the wire (TX queue took it) */
};

/** One decision about one packet (32 bytes). */
struct lns_trace_rec {
	uint32_t gen;           /**< trace generation; written last */
	uint32_t pkt;           /**< packet number within the trace, from 1 */
	uint64_t tsc;
	uint32_t sa;            /**< SA handle, UINT32_MAX = none */
	uint32_t session;       /**< session handle, UINT32_MAX = none */
	uint16_t tunnel;        /**< local tunnel id, 0 = none */
	uint16_t reason;        /**< enum lns_drop with LNS_TD_DROP */
	uint8_t stage;          /**< enum lns_trace_stage */
	uint8_t decision;       /**< enum lns_trace_decision */
	uint8_t slot;           /**< lcore slot: worker index, control last */
	uint8_t port;           /**< enum lns_port_role it came in on */
};

struct lns_trace_lcore {
	uint32_t head;          /**< records written (mod LNS_TRACE_RING) */
	struct lns_trace_rec rec[LNS_TRACE_RING];
} __rte_cache_aligned;

/** Filter of `trace start`; 0 / 0xff fields match anything. */
struct lns_trace_filter {
	uint8_t port;           /**< enum lns_port_role, 0xff = any */
	uint32_t peer;          /**< outer peer IPv4 (network order), 0 = any */
	uint32_t spi;           /**< ESP SPI (host order), 0 = any */
	uint16_t tunnel;        /**< local tunnel id, 0 = any (applied when shown) */
	uint32_t session;       /**< local session id + 1, 0 = any (applied when shown) */
};

struct lns_trace {
	uint32_t gen;           /**< current generation (atomic) */
	int32_t budget;         /**< packets left to pick (atomic) */
	uint32_t pkt_next;      /**< packet numbers handed out (atomic) */
	uint32_t limit;         /**< N of the current trace */
	struct lns_trace_filter f;
	uint16_t n_slots;
	struct lns_trace_lcore lc[];
};

/** Allocate the trace rings (n_slots lcores); NULL on ENOMEM. Control path. */
struct lns_trace *lns_trace_create(uint16_t n_slots);
void lns_trace_free(struct lns_trace *t);

/** Start tracing the next n packets that pass the filter (any thread). *on is the
 *  flag the workers test (lns_dp.trace_on). */
void lns_trace_start(struct lns_trace *t, uint32_t *on, uint32_t n,
		     const struct lns_trace_filter *f);
/** Stop picking packets; records stay readable. */
void lns_trace_stop(struct lns_trace *t, uint32_t *on);

/** Name of a stage / decision ("?" when out of range). */
const char *lns_trace_stage_name(unsigned int s);
const char *lns_trace_decision_name(unsigned int d);
/** The stage that counts drop reason r (esp.icv -> esp-in). */
enum lns_trace_stage lns_trace_stage_of_drop(unsigned int r);

/**
 * Copy the current generation's records, ordered by packet then time, at most
 * max; tunnel and session filters applied (a packet is kept whole when any of its
 * records matches). @return the number copied.
 */
unsigned int lns_trace_snapshot(const struct lns_trace *t, struct lns_trace_rec *out,
				unsigned int max);

/** Append a record to this lcore's ring (data path, traced packets only). */
static inline void
lns_trace_add(struct lns_trace *t, uint16_t slot, uint32_t pkt, uint8_t port, uint8_t stage,
	      uint8_t decision, uint16_t reason, uint32_t sa, uint16_t tunnel, uint32_t session)
{
	struct lns_trace_lcore *l = &t->lc[slot];
	struct lns_trace_rec *r = &l->rec[l->head++ % LNS_TRACE_RING];

	__atomic_store_n(&r->gen, 0, __ATOMIC_RELAXED);
	r->pkt = pkt;
	r->tsc = rte_rdtsc();
	r->sa = sa;
	r->session = session;
	r->tunnel = tunnel;
	r->reason = reason;
	r->stage = stage;
	r->decision = decision;
	r->slot = (uint8_t)slot;
	r->port = port;
	__atomic_store_n(&r->gen, __atomic_load_n(&t->gen, __ATOMIC_RELAXED), __ATOMIC_RELEASE);
}

#endif /* LNS_TRACE_H */
