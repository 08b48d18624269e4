/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The RFC 1661 §4 option-negotiation automaton, shared by LCP and IPCP (and any
 * later NCP). The protocol supplies a callbacks struct: build our
 * Configure-Request, check the peer's, digest Ack/Nak/Reject of ours, and the
 * this-layer-up/down/started/finished actions. Internal to lib/ppp (and tests).
 */
#ifndef PPP_FSM_H
#define PPP_FSM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lns_timer.h"

/* Codes of RFC 1661 §5 */
enum {
	PPP_CONFREQ = 1, PPP_CONFACK = 2, PPP_CONFNAK = 3, PPP_CONFREJ = 4,
	PPP_TERMREQ = 5, PPP_TERMACK = 6, PPP_CODEREJ = 7, PPP_PROTREJ = 8,
	PPP_ECHOREQ = 9, PPP_ECHOREP = 10, PPP_DISCREQ = 11,
};

/* States of RFC 1661 §4.2, numbered as in the state table */
enum ppp_fsm_state {
	PPP_ST_INITIAL = 0, PPP_ST_STARTING, PPP_ST_CLOSED, PPP_ST_STOPPED,
	PPP_ST_CLOSING, PPP_ST_STOPPING, PPP_ST_REQ_SENT, PPP_ST_ACK_RCVD,
	PPP_ST_ACK_SENT, PPP_ST_OPENED, PPP_ST_MAX
};

/* Events of RFC 1661 §4.1 */
enum ppp_fsm_event {
	PPP_EV_UP = 0, PPP_EV_DOWN, PPP_EV_OPEN, PPP_EV_CLOSE, PPP_EV_TO_PLUS,
	PPP_EV_TO_MINUS, PPP_EV_RCR_PLUS, PPP_EV_RCR_MINUS, PPP_EV_RCA, PPP_EV_RCN,
	PPP_EV_RTR, PPP_EV_RTA, PPP_EV_RUC, PPP_EV_RXJ_PLUS, PPP_EV_RXJ_MINUS,
	PPP_EV_RXR, PPP_EV_MAX
};

/* Defaults of RFC 1661 §4.6 (no config keys yet) */
#define PPP_RESTART_MS     3000
#define PPP_MAX_TERMINATE  2
#define PPP_MAX_CONFIGURE  10
#define PPP_MAX_FAILURE    5

#define PPP_FSM_BUF 1500   /* largest packet we build (our MRU is at most 1500) */

struct ppp_fsm;

/** Result of checking the peer's Configure-Request */
enum { PPP_CR_MALFORMED = -1 };

struct ppp_fsm_cbs {
	/** Our Configure-Request options into buf. @return length. */
	size_t (*build_cr)(struct ppp_fsm *f, uint8_t *buf, size_t cap);
	/** The peer's Configure-Request options: write the reply options into out
	 *  (*out_len) and return PPP_CONFACK, PPP_CONFNAK or PPP_CONFREJ, or
	 *  PPP_CR_MALFORMED (the packet is dropped). With nak_as_rej (Max-Failure
	 *  reached, §4.6) options that would be Nak'd are rejected instead. */
	int (*check_cr)(struct ppp_fsm *f, const uint8_t *opts, size_t len,
			uint8_t *out, size_t cap, size_t *out_len, bool nak_as_rej);
	/** Ack/Nak/Reject of our request (ids already matched). @return 0, or -1 when
	 *  the packet is invalid (§5.2-5.4: it is then silently discarded). */
	int (*rx_ack)(struct ppp_fsm *f, const uint8_t *opts, size_t len);
	int (*rx_nak)(struct ppp_fsm *f, const uint8_t *opts, size_t len);
	int (*rx_rej)(struct ppp_fsm *f, const uint8_t *opts, size_t len);
	void (*tlu)(struct ppp_fsm *f);
	void (*tld)(struct ppp_fsm *f);
	void (*tls)(struct ppp_fsm *f);
	void (*tlf)(struct ppp_fsm *f);
	/** Codes above 7 (LCP: 8..11). @return 1 if handled (the callback raises
	 *  RXJ/RXR itself through ppp_fsm_event), 0 if unknown (-> RUC). May be NULL. */
	int (*ext_code)(struct ppp_fsm *f, uint8_t code, uint8_t id, const uint8_t *data,
			size_t len);
	/** ser: answer the RXR packet in f->rx (LCP Echo-Request). May be NULL. */
	void (*ser)(struct ppp_fsm *f);
	/** Send one packet of this protocol (code, id, length, data). */
	void (*output)(struct ppp_fsm *f, const uint8_t *pkt, size_t len);
	/** A malformed or unexpected packet was dropped (for counters). May be NULL. */
	void (*bad)(struct ppp_fsm *f, bool malformed, const char *why);
	/** Tracing hook: every action by name ("irc", "scr", ...). May be NULL. */
	void (*trace)(struct ppp_fsm *f, const char *action);
};

struct ppp_fsm {
	enum ppp_fsm_state state;
	uint16_t proto;
	const char *name;
	const struct ppp_fsm_cbs *cb;
	void *arg;                    /**< owner (the session) */
	struct lns_timers *timers;
	struct lns_timer timer;       /**< restart timer */
	uint64_t now;                 /**< time of the current event */
	uint32_t restart_ms;
	uint8_t max_configure, max_terminate, max_failure;
	uint8_t restart_count;
	uint8_t nak_count;            /**< Naks sent since the last Ack (Max-Failure) */
	uint8_t id;                   /**< id of our last Configure-Request / Terminate-Request */
	bool id_valid;                /**< a request of ours is outstanding */
	/* the packet being handled (valid during ppp_fsm_input) */
	uint8_t rx_code, rx_id;
	const uint8_t *rx;            /**< whole packet */
	size_t rx_len;
	/* the reply chosen for the peer's Configure-Request */
	uint8_t reply_code;
	size_t reply_len;
	uint8_t reply[PPP_FSM_BUF];
	uint8_t txbuf[PPP_FSM_BUF];
	/** Data of our Terminate-Requests (RFC 1661 5.5: the peer may show it), NULL = none */
	const char *term_text;
};

void ppp_fsm_init(struct ppp_fsm *f, uint16_t proto, const char *name,
		  const struct ppp_fsm_cbs *cb, void *arg, struct lns_timers *timers);
/** Run one event through the state table (§4.1). Used by the helpers below,
 *  by the protocols for RXJ/RXR, and by tests. */
void ppp_fsm_event(struct ppp_fsm *f, enum ppp_fsm_event ev, uint64_t now);
static inline void ppp_fsm_up(struct ppp_fsm *f, uint64_t now) { ppp_fsm_event(f, PPP_EV_UP, now); }
static inline void ppp_fsm_down(struct ppp_fsm *f, uint64_t now) { ppp_fsm_event(f, PPP_EV_DOWN, now); }
static inline void ppp_fsm_open(struct ppp_fsm *f, uint64_t now) { ppp_fsm_event(f, PPP_EV_OPEN, now); }
static inline void ppp_fsm_close(struct ppp_fsm *f, uint64_t now) { ppp_fsm_event(f, PPP_EV_CLOSE, now); }
/** One packet of this protocol (code, id, length, data...), length-checked here. */
void ppp_fsm_input(struct ppp_fsm *f, const uint8_t *pkt, size_t len, uint64_t now);
/** Stop the restart timer (session teardown). */
void ppp_fsm_stop(struct ppp_fsm *f);
/** Send code/id/data as one packet of this protocol. */
void ppp_fsm_send(struct ppp_fsm *f, uint8_t code, uint8_t id, const uint8_t *data, size_t len);

const char *ppp_fsm_state_name(unsigned int s);
const char *ppp_fsm_event_name(unsigned int e);

static inline uint16_t ppp_get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline void ppp_put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static inline uint32_t ppp_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline void ppp_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

#endif /* PPP_FSM_H */
