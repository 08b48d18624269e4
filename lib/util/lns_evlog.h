/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The lifecycle event log: a bounded ring of timestamped events (DESIGN.md,
 * "Tunnel lifecycle") that `lnsctl show events` prints and tests assert on.
 * When full, the oldest entries are overwritten; every entry has a sequence
 * number, so a reader sees what it missed.
 *
 * Thread-safety: one writer (the control lcore). Readers on other threads (the
 * telemetry thread) use lns_evlog_read(), which copies entries and discards any
 * the writer overwrote while it copied; it never blocks the writer.
 */
#ifndef LNS_EVLOG_H
#define LNS_EVLOG_H

#include <stdint.h>

/** Event names: X(ENUM, "wire-name"). Append only; names are an interface. */
#define LNS_EVENTS(X) \
	X(TUNNEL_UP,         "tunnel-up") \
	X(TUNNEL_REFUSED,    "tunnel-refused") \
	X(SESSION_UP,        "session-up") \
	X(SESSION_DOWN,      "session-down") \
	X(SESSION_REFUSED,   "session-refused") \
	X(STOPCCN_SENT,      "stopccn-sent") \
	X(STOPCCN_RECEIVED,  "stopccn-received") \
	X(TUNNEL_DESTROYED,  "tunnel-destroyed") \
	X(DESTRUCT_BEGIN,    "destruct-begin") \
	X(DESTRUCT_END,      "destruct-end") \
	X(IPSEC_UP,          "ipsec-up") \
	X(IPSEC_SPENT,       "ipsec-spent") \
	X(IPSEC_DISCONNECT,  "ipsec-disconnect") \
	X(IKE_DELETE_SENT,   "ike-delete-sent") \
	X(IKE_DELETE_RECEIVED, "ike-delete-received") \
	X(IDLE_TIMER_START,  "idle-timer-start") \
	X(IDLE_TIMER_CANCEL, "idle-timer-cancel") \
	X(IDLE_TIMEOUT,      "idle-timeout") \
	X(PPP_UP,            "ppp-up") \
	X(PPP_DOWN,          "ppp-down") \
	X(AUTH_OK,           "auth-ok") \
	X(AUTH_FAILED,       "auth-failed") \
	X(SA_SOFT_EXPIRED,   "sa-soft-expired") \
	X(SA_HARD_EXPIRED,   "sa-hard-expired") \
	X(ADMIN_CLEAR,       "admin-clear") \
	X(IPSEC_REFUSED,     "ipsec-refused") \
	X(ACCT_DROPPED,      "acct-dropped")      /* RADIUS accounting record refused at the bound */ \
	X(RADIUS_SERVER,     "radius-server")     /* a server went dead / came back */ \
	X(IPSEC_RENEWED,     "ipsec-renewed") \
	X(DRAIN,             "drain")             /* lnsctl drain on|off, node.drain */ \
	X(POLICY,            "policy")            /* a session's rate-limit policy set or changed */

enum lns_ev {
#define X(e, s) LNS_EV_##e,
	LNS_EVENTS(X)
#undef X
	LNS_EV_MAX
};

/** "None" for the tunnel, session and ipsec fields. */
#define LNS_EV_NONE UINT32_MAX

#define LNS_EV_DETAIL_MAX 96

struct lns_event {
	uint64_t seq;                    /**< 1, 2, ... in order of logging */
	uint64_t t_us;                   /**< monotonic microseconds */
	uint32_t tunnel;                 /**< local tunnel id, or LNS_EV_NONE */
	uint32_t session;                /**< local session id, or LNS_EV_NONE */
	uint32_t ipsec;                  /**< IPsec connection id, or LNS_EV_NONE */
	uint16_t ev;                     /**< enum lns_ev */
	char     detail[LNS_EV_DETAIL_MAX]; /**< free text, NUL-terminated */
};

struct lns_evlog;

/** A log keeping the last `size` events (rounded up to a power of two). */
struct lns_evlog *lns_evlog_create(uint32_t size);
void lns_evlog_free(struct lns_evlog *log);

/** Log one event; detail is printf-style (may be NULL). Writer thread only. */
void lns_evlog_add(struct lns_evlog *log, uint64_t t_us, enum lns_ev ev, uint32_t tunnel,
		   uint32_t session, uint32_t ipsec, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));

/**
 * Copy up to `max` events with seq > after_seq, oldest first. Any thread.
 * @return events copied.
 */
uint32_t lns_evlog_read(const struct lns_evlog *log, uint64_t after_seq,
			struct lns_event *out, uint32_t max);

/** Sequence number of the newest event (0 = none yet). Any thread. */
uint64_t lns_evlog_last_seq(const struct lns_evlog *log);

/** Wire name of an event ("tunnel-up"), "?" if out of range. */
const char *lns_ev_name(unsigned int ev);

/**
 * Optional sink: every event is also passed to fn (lnsd logs it as a key=value
 * line). Writer thread only.
 */
void lns_evlog_set_sink(struct lns_evlog *log,
			void (*fn)(const struct lns_event *e, void *arg), void *arg);

#endif /* LNS_EVLOG_H */
