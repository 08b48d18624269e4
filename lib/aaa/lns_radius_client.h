/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * A RADIUS client that never blocks its caller: authentication (RFC 2865) and
 * accounting (RFC 2866) over non-blocking kernel UDP sockets, driven by
 * lns_radc_poll() and the caller's timer heap from the control loop.
 *
 * - Servers are tried in configuration order; a request resends to one server
 *   `retries` times, then fails over to the next. A server that let a request
 *   time out is dead for `hold-down` seconds, then probing: it gets a
 *   Status-Server (RFC 5997) and at most one request until it answers.
 * - Responses are matched by socket + identifier, must come from the address
 *   and port the request went to, and must carry the right Response
 *   Authenticator (and Message-Authenticator when present); anything else is
 *   counted and discarded.
 * - Accounting is never dropped silently: a record waits in a bounded queue
 *   until a server acknowledges it (cycling through the servers without end);
 *   with a spool file each record is written there when queued and marked
 *   when acknowledged, and lns_radc_create() sends what a previous run left.
 *   A record refused at the bound is counted (acct-dropped) and reported to
 *   the caller.
 *
 * Why not radcli: its rc_aaa()/rc_acct() send and then wait in poll() for the
 * answer (blocking the calling thread for timeout x retries per server), and
 * it has no queue, spool or per-request callback; the control loop must never
 * wait, so lnsd has its own codec (lns_radius.h) and this client.
 *
 * Thread-safety: none; one control thread.
 */
#ifndef LNS_RADIUS_CLIENT_H
#define LNS_RADIUS_CLIENT_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#include "lns_conf.h"
#include "lns_radius.h"
#include "lns_timer.h"

struct lns_radc;

#define LNS_RADC_STATS(X) \
	X(ACCESS_REQUESTS,   "access-requests") \
	X(ACCESS_ACCEPTS,    "access-accepts") \
	X(ACCESS_REJECTS,    "access-rejects") \
	X(ACCESS_CHALLENGES, "access-challenges") \
	X(AUTH_TIMEOUTS,     "auth-timeouts")        /* no server answered */ \
	X(AUTH_BUSY,         "auth-busy")            /* no request slot free */ \
	X(ACCT_QUEUED,       "acct-queued") \
	X(ACCT_ACKED,        "acct-acked") \
	X(ACCT_DROPPED,      "acct-dropped")         /* refused at radius.acct-queue */ \
	X(ACCT_SPOOL_REPLAYED, "acct-spool-replayed") \
	X(ACCT_SPOOL_ERRORS, "acct-spool-errors") \
	X(RETRANSMITS,       "retransmits") \
	X(TIMEOUTS,          "timeouts")             /* one server, one request */ \
	X(FAILOVERS,         "failovers") \
	X(STATUS_PROBES,     "status-probes") \
	X(BAD_AUTHENTICATOR, "bad-authenticator") \
	X(UNKNOWN_ID,        "unknown-id") \
	X(UNKNOWN_SOURCE,    "unknown-source") \
	X(MALFORMED,         "malformed") \
	X(UNEXPECTED_CODE,   "unexpected-code") \
	X(SEND_ERRORS,       "send-errors")

enum lns_radc_stat {
#define X(e, s) LNS_RADC_##e,
	LNS_RADC_STATS(X)
#undef X
	LNS_RADC_STAT_MAX
};

const char *lns_radc_stat_name(unsigned int s);

/** A server's health (failover, RFC 5080 §2.2.1): compare these, the names
 *  are for display only. */
enum lns_radc_srv_state { LNS_RADC_ALIVE = 0, LNS_RADC_DEAD, LNS_RADC_PROBING };

/** What lns_radc_server() reports. */
struct lns_radc_server_info {
	uint32_t addr;                  /**< network order */
	uint16_t auth_port, acct_port;
	enum lns_radc_srv_state st;
	const char *state;              /**< st's name: "alive", "dead", "probing" */
	uint32_t rtt_ms;                /**< smoothed, 0 = none measured */
	uint64_t requests, responses, timeouts, retransmits;
};

/**
 * Called once per authentication request: status 0 with the verified response
 * (Accept, Reject or Challenge), or -ETIMEDOUT when no server answered. Not
 * called after lns_radc_cancel(). The view is valid during the call only.
 */
typedef void (*lns_radc_auth_cb)(void *arg, int status, const struct lns_rad_view *resp);

/**
 * Open the sockets and, with rc->spool, replay what it holds.
 * @return the client or NULL with err set.
 */
struct lns_radc *lns_radc_create(const struct lns_radius_conf *rc, struct lns_timers *timers,
				 uint64_t now_ms, char *err, size_t errlen);
void lns_radc_free(struct lns_radc *c);
/**
 * Reload: run with rc from now on (timeouts, retries, hold-down, queue bound,
 * NAS-Identifier, servers). The client keeps copies of the servers, so the old
 * configuration may be freed after this call; rc must live until the next call.
 * A server with the same address, ports and secret keeps its state and its
 * requests in flight; a request whose server changed or was removed is sent
 * again, signed for the new list (accounting from the head of its queue,
 * authentication at the next timer run, failing with -ETIMEDOUT only when the
 * new list has no server for it). The queue and the spool are kept as they are
 * (radius.spool is restart-only).
 */
void lns_radc_reconfigure(struct lns_radc *c, const struct lns_radius_conf *rc, uint64_t now_ms);

/**
 * Send an Access-Request with attrs (User-Password from pw when pw != NULL,
 * Message-Authenticator always). *handle identifies it for lns_radc_cancel().
 * @return 0, -EBUSY (no slot: counted, no callback), -ENOSPC (too big).
 */
int lns_radc_auth(struct lns_radc *c, const struct lns_rad_attrs *attrs, const uint8_t *pw,
		  size_t pw_len, lns_radc_auth_cb cb, void *arg, uint32_t *handle,
		  uint64_t now_ms);
/** Forget a pending authentication: its callback will not run. */
void lns_radc_cancel(struct lns_radc *c, uint32_t handle);

/**
 * Queue an Accounting-Request (Acct-Delay-Time is added at each send).
 * @return 0, -ENOBUFS (queue full: counted acct-dropped), -ENOSPC (too big).
 */
int lns_radc_acct(struct lns_radc *c, const struct lns_rad_attrs *attrs, uint64_t now_ms);

/**
 * One session's accounting, decided once (RFC 2866): a session is accounted if,
 * and only if, its Start was queued. radius.accounting can be turned on or off
 * by a reload; that decides only whether a session that starts from then on is
 * accounted. A session that began while accounting was off never gets an
 * Interim-Update or a Stop (a Stop without a Start is a record the server
 * cannot match); one that had its Start keeps its Interim-Updates and gets its
 * Stop after accounting is turned off, so the server is not left with an open
 * record (or a stale-session sweep that closes it at the wrong time).
 */
struct lns_radc_acct_sess {
	bool started;                   /**< its Start was queued: it is accounted */
	bool stopped;                   /**< its Stop was queued (or it never will be) */
};

/**
 * Queue the Start, Interim-Update or Stop in attrs (status is its
 * Acct-Status-Type) for session s, if the rule above allows it; accounting_on
 * is radius.accounting now (only a Start looks at it).
 * @return 0 queued, 1 not for this session (nothing queued), or
 * lns_radc_acct()'s -errno (a Start that could not be queued leaves the
 * session unaccounted).
 */
int lns_radc_acct_session(struct lns_radc *c, struct lns_radc_acct_sess *s, uint32_t status,
			  bool accounting_on, const struct lns_rad_attrs *attrs, uint64_t now_ms);

/**
 * Queue an Accounting-Request as a barrier (Accounting-On, RFC 2866 §5.1): it
 * is sent once every record queued before it is acknowledged, and no record
 * queued after it is sent until it is acknowledged. A server that frees a
 * NAS's leases and sessions on Accounting-On thus sees the previous run's
 * spooled records before it and this run's records after it.
 * @return as lns_radc_acct().
 */
int lns_radc_acct_barrier(struct lns_radc *c, const struct lns_rad_attrs *attrs,
			  uint64_t now_ms);
/** Barrier records acknowledged so far. */
uint64_t lns_radc_barriers_acked(const struct lns_radc *c);

/** Read what the sockets hold and dispatch queued accounting. @return datagrams read. */
unsigned int lns_radc_poll(struct lns_radc *c, uint64_t now_ms);

/** Accounting records not yet acknowledged (queued + in flight). */
uint32_t lns_radc_acct_pending(const struct lns_radc *c);
/** Records in the spool file not yet acknowledged (0 without a spool). */
uint32_t lns_radc_spool_depth(const struct lns_radc *c);

void lns_radc_counters(const struct lns_radc *c, uint64_t out[LNS_RADC_STAT_MAX]);
/** Server i (0..n-1). @return 0 or -ENOENT. */
int lns_radc_server(const struct lns_radc *c, uint32_t i, struct lns_radc_server_info *o);
uint32_t lns_radc_server_count(const struct lns_radc *c);

#endif /* LNS_RADIUS_CLIENT_H */
