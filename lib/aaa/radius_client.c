/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The non-blocking RADIUS client (see lns_radius_client.h).
 *
 * Request slots: per role (auth, acct) NSOCK sockets of 256 identifiers each;
 * slot i uses socket i / 256 and identifier i % 256, so a response finds its
 * request in O(1). Accounting records wait in a FIFO until a slot and a
 * usable server are free.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "lns_radius_client.h"

#define NSOCK      4
#define NSLOT      (NSOCK * 256)
/* buckets of Acct-Session-Id hashes with a record in flight (a collision only
 * delays a record until the other one is answered) */
#define KEYTAB     4096
#define POLL_MAX   256          /* datagrams read per poll call */

enum role { R_AUTH, R_ACCT, R_MAX };
#define S_ALIVE   LNS_RADC_ALIVE
#define S_DEAD    LNS_RADC_DEAD
#define S_PROBING LNS_RADC_PROBING

static const char *const state_names[] = {
	[S_ALIVE] = "alive", [S_DEAD] = "dead", [S_PROBING] = "probing",
};

struct srv {
	struct lns_radius_server_conf conf; /* a copy: a reload frees the configuration */
	enum lns_radc_srv_state state;
	uint64_t dead_until;
	uint32_t inflight;
	uint32_t rtt_ms;
	uint64_t requests, responses, timeouts, retransmits;
	/* Status-Server probe */
	struct lns_timer probe_timer;
	uint8_t probe_auth[16];
	int probe_id;                   /* identifier on the auth socket 0 (slot-free ids
					 * are not used: probes have a socket of their own) */
	struct lns_radc *c;
};

struct acct_rec {
	struct acct_rec *next;
	uint64_t seq;                   /* spool sequence */
	int64_t created;                /* unix seconds, for Acct-Delay-Time */
	bool barrier;                   /* lns_radc_acct_barrier(): sent alone */
	uint32_t key;                   /* Acct-Session-Id hash, 0 = none */
	uint16_t len;
	uint8_t attrs[];
};

struct slot {
	bool used;
	enum role role;
	uint16_t idx;
	int srv;                        /* index into c->srv */
	uint8_t tries;                  /* sends to this server */
	uint8_t servers_tried;
	uint64_t sent_ms;
	uint8_t auth[16];
	uint16_t len;
	uint8_t pkt[LNS_RAD_MAX_LEN];
	/* auth: what a failover needs to rebuild */
	struct lns_rad_attrs *attrs;
	uint8_t pw[128];
	size_t pw_len;
	bool has_pw;
	lns_radc_auth_cb cb;
	void *arg;
	/* acct */
	struct acct_rec *rec;
	struct lns_timer timer;
	struct lns_radc *c;
	struct slot *next_free;
};

struct lns_radc {
	const struct lns_radius_conf *rc;
	struct lns_timers *timers;
	int fd[R_MAX][NSOCK];
	int probe_fd;
	struct srv srv[LNS_CONF_MAX_RADIUS_SERVERS];
	uint32_t n_srv;
	struct slot *slots[R_MAX];
	struct slot *free_slots[R_MAX];
	uint32_t slots_used[R_MAX];
	struct acct_rec *q_head, *q_tail;
	uint32_t q_len;                 /* waiting */
	uint32_t acct_inflight;
	bool barrier_inflight;          /* a barrier record is out: nothing else goes */
	uint16_t key_busy[KEYTAB];      /* records in flight per key bucket */
	uint32_t key_gen[KEYTAB];       /* = scan_gen: a record skipped in this scan */
	uint32_t scan_gen;
	uint64_t barriers_acked;
	uint64_t ctr[LNS_RADC_STAT_MAX];
	FILE *spool;
	uint64_t spool_seq;
	uint32_t spool_depth;
	uint64_t spool_lines;           /* lines written since the file was last rewritten */
	uint8_t probe_next_id;
	uint64_t now;
};

static const char *const stat_names[] = {
#define X(e, s) s,
	LNS_RADC_STATS(X)
#undef X
};

const char *
lns_radc_stat_name(unsigned int s)
{
	return s < LNS_RADC_STAT_MAX ? stat_names[s] : "?";
}

static uint16_t
srv_port(const struct srv *s, enum role r)
{
	return r == R_AUTH ? s->conf.auth_port : s->conf.acct_port;
}

static void
srv_alive(struct srv *s)
{
	if (s->state != S_ALIVE)
		lns_timer_cancel(s->c->timers, &s->probe_timer);
	s->state = S_ALIVE;
}

/* ------------------------------------------------------------ choosing --- */

static bool
srv_usable(const struct srv *s, enum role r)
{
	if (srv_port(s, r) == 0)
		return false;
	if (s->state == S_ALIVE)
		return true;
	/* a probing server takes one request at a time: it is the probe too */
	return s->state == S_PROBING && s->inflight == 0;
}

/* The first usable server at or after `from` (wrapping), -1 if none. */
static int
pick(struct lns_radc *c, enum role r, uint32_t from)
{
	for (uint32_t k = 0; k < c->n_srv; k++) {
		uint32_t i = (from + k) % c->n_srv;

		if (srv_usable(&c->srv[i], r))
			return (int)i;
	}
	return -1;
}

/* Authentication cannot wait: with no usable server, the one dead longest. */
static int
pick_any(struct lns_radc *c, enum role r)
{
	int best = -1;

	for (uint32_t i = 0; i < c->n_srv; i++)
		if (srv_port(&c->srv[i], r) != 0 &&
		    (best < 0 || c->srv[i].dead_until < c->srv[best].dead_until))
			best = (int)i;
	return best;
}

static uint32_t
n_role_servers(const struct lns_radc *c, enum role r)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < c->n_srv; i++)
		n += srv_port(&c->srv[i], r) != 0;
	return n;
}

/* ------------------------------------------------------------- sending --- */

static int
send_to(struct lns_radc *c, int fd, const struct srv *s, enum role r, const uint8_t *p,
	size_t n)
{
	struct sockaddr_in sa = {
		.sin_family = AF_INET,
		.sin_port = htons(srv_port(s, r)),
		.sin_addr.s_addr = s->conf.address,
	};

	if (sendto(fd, p, n, MSG_DONTWAIT, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		c->ctr[LNS_RADC_SEND_ERRORS]++;
		return -errno;
	}
	return 0;
}

static int
build_slot(struct lns_radc *c, struct slot *sl)
{
	const struct srv *s = &c->srv[sl->srv];
	const uint8_t *sec = (const uint8_t *)s->conf.secret.value;
	int n;

	if (sl->role == R_AUTH) {
		/* a new server gets a new Request Authenticator (RFC 2865 §3) */
		if (RAND_bytes(sl->auth, 16) != 1)
			return -EIO;
		n = lns_rad_build_request(sl->pkt, LNS_RAD_ACCESS_REQUEST, (uint8_t)(sl->idx & 255),
					  sl->auth, sl->attrs, sl->has_pw ? sl->pw : NULL,
					  sl->pw_len, true, sec, s->conf.secret.len);
	} else {
		struct lns_rad_attrs *a = malloc(sizeof(*a));
		int64_t delay = (int64_t)time(NULL) - sl->rec->created;

		if (a == NULL)
			return -ENOMEM;
		lns_rad_attrs_init(a);
		memcpy(a->b, sl->rec->attrs, sl->rec->len);
		a->len = sl->rec->len;
		/* RFC 2866 §5.2: how long it has been trying to send this record */
		lns_rad_add_u32(a, LNS_RA_ACCT_DELAY_TIME, delay > 0 ? (uint32_t)delay : 0);
		n = lns_rad_build_request(sl->pkt, LNS_RAD_ACCT_REQUEST, (uint8_t)(sl->idx & 255),
					  sl->auth, a, NULL, 0, false, sec, s->conf.secret.len);
		free(a);
	}
	if (n < 0)
		return n;
	sl->len = (uint16_t)n;
	return 0;
}

static void
slot_send(struct lns_radc *c, struct slot *sl)
{
	struct srv *s = &c->srv[sl->srv];

	sl->sent_ms = c->now;
	s->requests++;
	(void)send_to(c, c->fd[sl->role][sl->idx / 256], s, sl->role, sl->pkt, sl->len);
	/* a send error is a timeout later: the same failover path */
	(void)lns_timer_arm(c->timers, &sl->timer, c->now + c->rc->timeout_ms);
}

static struct slot *
slot_get(struct lns_radc *c, enum role r)
{
	struct slot *sl = c->free_slots[r];

	if (sl == NULL)
		return NULL;
	c->free_slots[r] = sl->next_free;
	sl->used = true;
	sl->tries = 0;
	sl->servers_tried = 0;
	c->slots_used[r]++;
	return sl;
}

static void
slot_put(struct lns_radc *c, struct slot *sl)
{
	lns_timer_cancel(c->timers, &sl->timer);
	if (sl->srv >= 0 && c->srv[sl->srv].inflight > 0)
		c->srv[sl->srv].inflight--;
	free(sl->attrs);
	sl->attrs = NULL;
	OPENSSL_cleanse(sl->pw, sizeof(sl->pw));
	sl->used = false;
	sl->rec = NULL;
	sl->cb = NULL;
	sl->next_free = c->free_slots[sl->role];
	c->free_slots[sl->role] = sl;
	c->slots_used[sl->role]--;
}

/* ------------------------------------------------------------- spooling --- */

static void
spool_line(struct lns_radc *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
spool_line(struct lns_radc *c, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (c->spool == NULL)
		return;
	va_start(ap, fmt);
	r = vfprintf(c->spool, fmt, ap);
	va_end(ap);
	/* one write(2) per line: survives a crash of lnsd (not of the kernel) */
	if (r < 0 || fflush(c->spool) != 0)
		c->ctr[LNS_RADC_ACCT_SPOOL_ERRORS]++;
}

static void
spool_record(struct lns_radc *c, const struct acct_rec *r)
{
	char hex[2 * sizeof(((struct lns_rad_attrs *)0)->b) + 1];

	if (c->spool == NULL)
		return;
	for (uint16_t i = 0; i < r->len; i++)
		snprintf(&hex[2 * i], 3, "%02x", r->attrs[i]);
	hex[2 * r->len] = '\0';
	spool_line(c, "R %" PRIu64 " %" PRId64 " %s\n", r->seq, r->created, hex);
	c->spool_depth++;
	c->spool_lines++;
}

/*
 * Keep the spool from growing without end: once every record is acknowledged
 * it is emptied; when acknowledged lines far outnumber the waiting ones it is
 * rewritten with just those (into a new file, renamed over the old one, so a
 * crash in between leaves one complete file).
 */
static void
spool_compact(struct lns_radc *c)
{
	char tmp[LNS_CONF_PATH_MAX + 8];
	FILE *old = c->spool, *f;

	if (c->spool_depth == 0) {
		if (ftruncate(fileno(c->spool), 0) != 0)
			c->ctr[LNS_RADC_ACCT_SPOOL_ERRORS]++;
		rewind(c->spool);
		c->spool_lines = 0;
		return;
	}
	if (c->spool_lines < 4 * (uint64_t)c->spool_depth + 10000)
		return;
	snprintf(tmp, sizeof(tmp), "%s.new", c->rc->spool);
	f = fopen(tmp, "w");
	if (f == NULL) {
		c->ctr[LNS_RADC_ACCT_SPOOL_ERRORS]++;
		return;
	}
	c->spool = f;
	c->spool_depth = 0;
	c->spool_lines = 0;
	for (int i = 0; i < NSLOT; i++)
		if (c->slots[R_ACCT][i].used && c->slots[R_ACCT][i].rec != NULL)
			spool_record(c, c->slots[R_ACCT][i].rec);
	for (const struct acct_rec *r = c->q_head; r != NULL; r = r->next)
		spool_record(c, r);
	if (fflush(f) != 0 || rename(tmp, c->rc->spool) != 0) {
		c->ctr[LNS_RADC_ACCT_SPOOL_ERRORS]++;
		fclose(f);
		unlink(tmp);
		c->spool = old;         /* keep appending to the old, complete file */
		return;
	}
	fclose(old);
}

/* ----------------------------------------------------------- accounting --- */

static void acct_dispatch(struct lns_radc *c);

static void
q_push(struct lns_radc *c, struct acct_rec *r, bool front)
{
	r->next = NULL;
	if (c->q_head == NULL) {
		c->q_head = c->q_tail = r;
	} else if (front) {
		r->next = c->q_head;
		c->q_head = r;
	} else {
		c->q_tail->next = r;
		c->q_tail = r;
	}
	c->q_len++;
}

static void
q_unlink(struct lns_radc *c, struct acct_rec *prev, struct acct_rec *r)
{
	if (prev == NULL)
		c->q_head = r->next;
	else
		prev->next = r->next;
	if (c->q_tail == r)
		c->q_tail = prev;
	r->next = NULL;
	c->q_len--;
}

/* FNV-1a of the record's Acct-Session-Id: its session's records keep their order */
static uint32_t
rec_key(const uint8_t *attrs, uint16_t len)
{
	for (uint32_t off = 0; off + 2 <= len && attrs[off + 1] >= 2; off += attrs[off + 1]) {
		uint32_t h = 2166136261u;

		if (attrs[off] != LNS_RA_ACCT_SESSION_ID || off + attrs[off + 1] > len)
			continue;
		for (uint32_t i = 2; i < attrs[off + 1]; i++)
			h = (h ^ attrs[off + i]) * 16777619u;
		return h != 0 ? h : 1;
	}
	return 0;
}

static void
key_done(struct lns_radc *c, const struct acct_rec *r)
{
	if (r->key != 0 && c->key_busy[r->key & (KEYTAB - 1)] > 0)
		c->key_busy[r->key & (KEYTAB - 1)]--;
}

static struct acct_rec *
q_pop(struct lns_radc *c)
{
	struct acct_rec *r = c->q_head;

	if (r != NULL) {
		c->q_head = r->next;
		if (c->q_head == NULL)
			c->q_tail = NULL;
		c->q_len--;
	}
	return r;
}

static int
enqueue(struct lns_radc *c, const uint8_t *attrs, uint16_t len, int64_t created, uint64_t seq,
	bool spool)
{
	struct acct_rec *r;

	if (c->q_len + c->acct_inflight >= c->rc->acct_queue) {
		c->ctr[LNS_RADC_ACCT_DROPPED]++;
		return -ENOBUFS;
	}
	r = malloc(sizeof(*r) + len);
	if (r == NULL) {
		c->ctr[LNS_RADC_ACCT_DROPPED]++;
		return -ENOBUFS;
	}
	memcpy(r->attrs, attrs, len);
	r->len = len;
	r->barrier = false;
	r->key = rec_key(attrs, len);
	r->created = created;
	r->seq = seq != 0 ? seq : ++c->spool_seq;
	if (spool)
		spool_record(c, r);
	q_push(c, r, false);
	c->ctr[LNS_RADC_ACCT_QUEUED]++;
	return 0;
}

int
lns_radc_acct(struct lns_radc *c, const struct lns_rad_attrs *attrs, uint64_t now_ms)
{
	int rc;

	if (attrs->full)
		return -ENOSPC;
	c->now = now_ms;
	rc = enqueue(c, attrs->b, attrs->len, (int64_t)time(NULL), 0, true);
	if (rc == 0)
		acct_dispatch(c);
	return rc;
}

int
lns_radc_acct_session(struct lns_radc *c, struct lns_radc_acct_sess *s, uint32_t status,
		      bool accounting_on, const struct lns_rad_attrs *attrs, uint64_t now_ms)
{
	int rc;

	switch (status) {
	case LNS_RAD_ACCT_START:
		if (!accounting_on || s->started || s->stopped)
			return 1;
		break;
	case LNS_RAD_ACCT_STOP:
		if (!s->started || s->stopped)
			return 1;
		s->stopped = true;      /* one Stop, even if it could not be queued */
		break;
	default:                        /* Interim-Update */
		if (!s->started || s->stopped)
			return 1;
		break;
	}
	rc = lns_radc_acct(c, attrs, now_ms);
	if (rc == 0 && status == LNS_RAD_ACCT_START)
		s->started = true;
	return rc;
}

int
lns_radc_acct_barrier(struct lns_radc *c, const struct lns_rad_attrs *attrs, uint64_t now_ms)
{
	int rc;

	if (attrs->full)
		return -ENOSPC;
	c->now = now_ms;
	rc = enqueue(c, attrs->b, attrs->len, (int64_t)time(NULL), 0, true);
	if (rc == 0) {
		c->q_tail->barrier = true;
		acct_dispatch(c);
	}
	return rc;
}

uint64_t
lns_radc_barriers_acked(const struct lns_radc *c)
{
	return c->barriers_acked;
}

/*
 * Send what may go, in queue order: records go out in parallel, except that
 * - a record waits while an earlier record of the same session (Acct-Session-Id)
 *   is unanswered: a server handling Stop before Start would leave an open
 *   radacct row (counted by Simultaneous-Use) and a lease renewed after its
 *   release;
 * - a barrier goes once everything before it is acknowledged, and nothing
 *   after it goes until it is.
 */
static void
acct_dispatch(struct lns_radc *c)
{
	struct acct_rec *prev = NULL, *r, *next;

	c->scan_gen++;
	for (r = c->q_head; r != NULL; r = next) {
		uint32_t b = r->key & (KEYTAB - 1);
		int s;
		struct slot *sl;

		next = r->next;
		if (c->barrier_inflight || (r->barrier && (c->acct_inflight > 0 || prev != NULL)))
			return;
		if (r->key != 0 && (c->key_busy[b] > 0 || c->key_gen[b] == c->scan_gen)) {
			c->key_gen[b] = c->scan_gen;    /* later ones of its key wait too */
			prev = r;
			continue;
		}
		s = pick(c, R_ACCT, 0);
		if (s < 0)
			return;         /* every server dead: wait for a probe */
		sl = slot_get(c, R_ACCT);
		if (sl == NULL)
			return;
		q_unlink(c, prev, r);
		if (r->key != 0)
			c->key_busy[b]++;
		sl->rec = r;
		sl->srv = s;
		c->barrier_inflight = sl->rec->barrier;
		c->acct_inflight++;
		c->srv[s].inflight++;
		if (build_slot(c, sl) < 0) {
			/* cannot happen for a record that fitted once; keep it */
			key_done(c, sl->rec);
			q_push(c, sl->rec, true);
			c->acct_inflight--;
			c->barrier_inflight = false;
			sl->rec = NULL;
			slot_put(c, sl);
			return;
		}
		slot_send(c, sl);
	}
}

/* ------------------------------------------------------------- probing --- */

static void
probe_send(struct lns_timer *t, void *arg, uint64_t now)
{
	struct srv *s = arg;
	struct lns_radc *c = s->c;
	struct lns_rad_attrs a;
	uint8_t pkt[LNS_RAD_MAX_LEN];
	enum role r = s->conf.auth_port != 0 ? R_AUTH : R_ACCT;
	int n;

	c->now = now;
	if (s->state == S_DEAD && now >= s->dead_until) {
		s->state = S_PROBING;
		acct_dispatch(c);       /* one real record may go: it probes too */
	}
	if (s->state == S_ALIVE)
		return;
	lns_rad_attrs_init(&a);
	lns_rad_add_str(&a, LNS_RA_NAS_IDENTIFIER, c->rc->nas_identifier);
	if (RAND_bytes(s->probe_auth, 16) == 1) {
		s->probe_id = c->probe_next_id++;
		/* RFC 5997 §3: Message-Authenticator is required in Status-Server */
		n = lns_rad_build_request(pkt, LNS_RAD_STATUS_SERVER, (uint8_t)s->probe_id,
					  s->probe_auth, &a, NULL, 0, true,
					  (const uint8_t *)s->conf.secret.value,
					  s->conf.secret.len);
		if (n > 0) {
			c->ctr[LNS_RADC_STATUS_PROBES]++;
			(void)send_to(c, c->probe_fd, s, r, pkt, (size_t)n);
		}
	}
	(void)lns_timer_arm(c->timers, t,
			    (s->state == S_DEAD ? s->dead_until : now + c->rc->timeout_ms));
}

static void
srv_dead(struct lns_radc *c, struct srv *s)
{
	s->state = S_DEAD;
	s->dead_until = c->now + (uint64_t)c->rc->hold_down * 1000;
	(void)lns_timer_arm(c->timers, &s->probe_timer, s->dead_until);
}

/* ------------------------------------------------------------- timeouts --- */

static void
slot_timeout(struct lns_timer *t, void *arg, uint64_t now)
{
	struct slot *sl = arg;
	struct lns_radc *c = sl->c;
	struct srv *s;
	int next;

	(void)t;
	c->now = now;
	if (sl->srv < 0) {
		/* a reload took its server away (lns_radc_reconfigure): the new list */
		next = pick(c, sl->role, 0);
		if (next < 0)
			next = pick_any(c, sl->role);
		if (next < 0) {
			lns_radc_auth_cb cb = sl->cb;
			void *a = sl->arg;

			slot_put(c, sl);
			c->ctr[LNS_RADC_AUTH_TIMEOUTS]++;
			if (cb != NULL)
				cb(a, -ETIMEDOUT, NULL);
			return;
		}
		goto resend;
	}
	s = &c->srv[sl->srv];
	c->ctr[LNS_RADC_TIMEOUTS]++;
	s->timeouts++;
	if (++sl->tries <= c->rc->retries && s->state != S_PROBING) {
		c->ctr[LNS_RADC_RETRANSMITS]++;
		s->retransmits++;
		s->requests--;  /* counted once per request, retransmits apart */
		slot_send(c, sl);
		return;
	}
	/* this server is gone for hold-down; the next one in order takes it */
	if (s->state != S_DEAD)
		srv_dead(c, s);
	s->inflight--;
	sl->servers_tried++;
	sl->tries = 0;
	if (sl->role == R_AUTH) {
		next = sl->servers_tried < n_role_servers(c, R_AUTH) ?
		       pick(c, R_AUTH, (uint32_t)sl->srv + 1) : -1;
		if (next < 0) {
			lns_radc_auth_cb cb = sl->cb;
			void *a = sl->arg;

			sl->srv = -1;
			slot_put(c, sl);
			c->ctr[LNS_RADC_AUTH_TIMEOUTS]++;
			if (cb != NULL)
				cb(a, -ETIMEDOUT, NULL);
			return;
		}
	} else {
		next = pick(c, R_ACCT, (uint32_t)sl->srv + 1);
		if (next < 0) {
			/* nobody left: the record waits at the head for a probe to succeed */
			key_done(c, sl->rec);
			q_push(c, sl->rec, true);
			c->acct_inflight--;
			c->barrier_inflight = false;
			sl->rec = NULL;
			sl->srv = -1;
			slot_put(c, sl);
			return;
		}
	}
	c->ctr[LNS_RADC_FAILOVERS]++;
resend:
	sl->srv = next;
	c->srv[next].inflight++;
	if (build_slot(c, sl) < 0) {
		/* unreachable for a request that was built before; fail it cleanly */
		if (sl->role == R_AUTH) {
			lns_radc_auth_cb cb = sl->cb;
			void *a = sl->arg;

			slot_put(c, sl);
			if (cb != NULL)
				cb(a, -ETIMEDOUT, NULL);
		}
		return;
	}
	slot_send(c, sl);
}

/* ------------------------------------------------------------ receiving --- */

static const struct srv *
srv_by_addr(const struct lns_radc *c, const struct sockaddr_in *from, enum role r, int *idx)
{
	for (uint32_t i = 0; i < c->n_srv; i++)
		if (c->srv[i].conf.address == from->sin_addr.s_addr &&
		    srv_port(&c->srv[i], r) == ntohs(from->sin_port)) {
			*idx = (int)i;
			return &c->srv[i];
		}
	return NULL;
}

static void
rtt_update(struct srv *s, uint64_t rtt)
{
	uint32_t r = rtt > UINT32_MAX ? UINT32_MAX : (uint32_t)rtt;

	s->rtt_ms = s->rtt_ms == 0 ? r : (s->rtt_ms * 7 + r) / 8;
}

static void
handle_probe_reply(struct lns_radc *c, const uint8_t *b, size_t n, const struct sockaddr_in *from)
{
	struct lns_rad_view v;

	if (lns_rad_parse(b, n, &v) < 0) {
		c->ctr[LNS_RADC_MALFORMED]++;
		return;
	}
	for (uint32_t i = 0; i < c->n_srv; i++) {
		struct srv *s = &c->srv[i];

		if (s->conf.address != from->sin_addr.s_addr || s->state == S_ALIVE ||
		    v.id != (uint8_t)s->probe_id)
			continue;
		if (lns_rad_verify_response(&v, s->probe_auth, (const uint8_t *)s->conf.secret.value,
					    s->conf.secret.len) != 0) {
			c->ctr[LNS_RADC_BAD_AUTHENTICATOR]++;
			return;
		}
		s->responses++;
		srv_alive(s);
		acct_dispatch(c);
		return;
	}
	c->ctr[LNS_RADC_UNKNOWN_ID]++;
}

static void
handle_reply(struct lns_radc *c, enum role r, int sock, const uint8_t *b, size_t n,
	     const struct sockaddr_in *from)
{
	struct lns_rad_view v;
	struct slot *sl;
	struct srv *s;
	int si;

	if (lns_rad_parse(b, n, &v) < 0) {
		c->ctr[LNS_RADC_MALFORMED]++;
		return;
	}
	if (srv_by_addr(c, from, r, &si) == NULL) {
		c->ctr[LNS_RADC_UNKNOWN_SOURCE]++;
		return;
	}
	sl = &c->slots[r][sock * 256 + v.id];
	if (!sl->used || sl->srv != si) {
		c->ctr[LNS_RADC_UNKNOWN_ID]++;
		return;
	}
	s = &c->srv[si];
	if (lns_rad_verify_response(&v, sl->auth, (const uint8_t *)s->conf.secret.value,
				    s->conf.secret.len) != 0) {
		c->ctr[LNS_RADC_BAD_AUTHENTICATOR]++;
		return;
	}
	s->responses++;
	if (sl->tries == 0)     /* Karn: only unambiguous samples */
		rtt_update(s, c->now - sl->sent_ms);
	srv_alive(s);
	if (r == R_ACCT) {
		if (v.code != LNS_RAD_ACCT_RESPONSE) {
			c->ctr[LNS_RADC_UNEXPECTED_CODE]++;
			return;
		}
		c->ctr[LNS_RADC_ACCT_ACKED]++;
		if (sl->rec->barrier) {
			c->barrier_inflight = false;
			c->barriers_acked++;
		}
		key_done(c, sl->rec);
		if (c->spool != NULL) {
			spool_line(c, "A %" PRIu64 "\n", sl->rec->seq);
			c->spool_lines++;
			if (c->spool_depth > 0)
				c->spool_depth--;
		}
		free(sl->rec);
		sl->rec = NULL;
		c->acct_inflight--;
		slot_put(c, sl);
		if (c->spool != NULL)
			spool_compact(c);
		acct_dispatch(c);
		return;
	}
	switch (v.code) {
	case LNS_RAD_ACCESS_ACCEPT:
		c->ctr[LNS_RADC_ACCESS_ACCEPTS]++;
		break;
	case LNS_RAD_ACCESS_REJECT:
		c->ctr[LNS_RADC_ACCESS_REJECTS]++;
		break;
	case LNS_RAD_ACCESS_CHALLENGE:
		c->ctr[LNS_RADC_ACCESS_CHALLENGES]++;
		break;
	default:
		c->ctr[LNS_RADC_UNEXPECTED_CODE]++;
		return;
	}
	{
		lns_radc_auth_cb cb = sl->cb;
		void *a = sl->arg;

		slot_put(c, sl);
		if (cb != NULL)
			cb(a, 0, &v);
	}
}

unsigned int
lns_radc_poll(struct lns_radc *c, uint64_t now_ms)
{
	uint8_t buf[LNS_RAD_MAX_LEN + 1];
	unsigned int got = 0;

	c->now = now_ms;
	for (int r = 0; r < R_MAX; r++)
		for (int k = 0; k < NSOCK; k++) {
			if (c->slots_used[r] == 0 && got > 0)
				break;
			while (got < POLL_MAX) {
				struct sockaddr_in from;
				socklen_t fl = sizeof(from);
				ssize_t n = recvfrom(c->fd[r][k], buf, sizeof(buf), MSG_DONTWAIT,
						     (struct sockaddr *)&from, &fl);

				if (n < 0)
					break;
				got++;
				handle_reply(c, (enum role)r, k, buf, (size_t)n, &from);
			}
		}
	while (got < POLL_MAX) {
		struct sockaddr_in from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(c->probe_fd, buf, sizeof(buf), MSG_DONTWAIT,
				     (struct sockaddr *)&from, &fl);

		if (n < 0)
			break;
		got++;
		handle_probe_reply(c, buf, (size_t)n, &from);
	}
	acct_dispatch(c);
	return got;
}

/* ------------------------------------------------------- authentication --- */

int
lns_radc_auth(struct lns_radc *c, const struct lns_rad_attrs *attrs, const uint8_t *pw,
	      size_t pw_len, lns_radc_auth_cb cb, void *arg, uint32_t *handle, uint64_t now_ms)
{
	struct slot *sl;
	int s, rc;

	c->now = now_ms;
	if (attrs->full || (pw != NULL && pw_len > sizeof(sl->pw)))
		return -ENOSPC;
	s = pick(c, R_AUTH, 0);
	if (s < 0)
		s = pick_any(c, R_AUTH);
	if (s < 0)
		return -ENOENT;
	sl = slot_get(c, R_AUTH);
	if (sl == NULL) {
		c->ctr[LNS_RADC_AUTH_BUSY]++;
		return -EBUSY;
	}
	sl->attrs = malloc(sizeof(*sl->attrs));
	if (sl->attrs == NULL) {
		sl->srv = -1;
		slot_put(c, sl);
		return -ENOMEM;
	}
	memcpy(sl->attrs, attrs, sizeof(*attrs));
	sl->has_pw = pw != NULL;
	if (pw != NULL)
		memcpy(sl->pw, pw, pw_len);
	sl->pw_len = pw_len;
	sl->cb = cb;
	sl->arg = arg;
	sl->srv = s;
	c->srv[s].inflight++;
	rc = build_slot(c, sl);
	if (rc < 0) {
		slot_put(c, sl);
		return rc;
	}
	c->ctr[LNS_RADC_ACCESS_REQUESTS]++;
	*handle = (uint32_t)sl->idx;
	slot_send(c, sl);
	return 0;
}

void
lns_radc_cancel(struct lns_radc *c, uint32_t handle)
{
	struct slot *sl;

	if (handle >= NSLOT)
		return;
	sl = &c->slots[R_AUTH][handle];
	if (sl->used)
		slot_put(c, sl);
}

/* ---------------------------------------------------------------- setup --- */

static int
open_sock(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_ANY) };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	return fd;
}

static int
hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	return -1;
}

/* Read the spool left by a previous run: records without an "A" line go back
 * in the queue; the file is then rewritten with just those. */
static int
spool_load(struct lns_radc *c, char *err, size_t errlen)
{
	FILE *f = fopen(c->rc->spool, "r");
	struct acct_rec *head = NULL, **tail = &head;
	size_t cap = 2 * LNS_RAD_MAX_LEN + 128;
	char *line = malloc(cap);
	uint32_t n = 0;

	if (line == NULL)
		return -ENOMEM;
	if (f != NULL) {
		while (fgets(line, (int)cap, f) != NULL) {
			uint64_t seq;
			int64_t created;
			int off = 0;

			if (sscanf(line, "A %" SCNu64, &seq) == 1) {
				for (struct acct_rec **p = &head; *p != NULL; p = &(*p)->next)
					if ((*p)->seq == seq) {
						struct acct_rec *dead = *p;

						*p = dead->next;
						if (tail == &dead->next)
							tail = p;
						free(dead);
						n--;
						break;
					}
				if (seq > c->spool_seq)
					c->spool_seq = seq;
				continue;
			}
			if (sscanf(line, "R %" SCNu64 " %" SCNd64 " %n", &seq, &created, &off) == 2 &&
			    off > 0) {
				const char *h = line + off;
				size_t hl = strcspn(h, "\n");
				struct acct_rec *r;

				if (hl % 2 != 0 || hl / 2 > LNS_RAD_MAX_LEN - LNS_RAD_HDR_LEN) {
					c->ctr[LNS_RADC_ACCT_SPOOL_ERRORS]++;
					continue;
				}
				r = malloc(sizeof(*r) + hl / 2);
				if (r == NULL)
					break;
				r->barrier = false;
				r->key = 0;     /* enqueue() sets it */
				r->len = (uint16_t)(hl / 2);
				for (size_t i = 0; i < hl / 2; i++) {
					int hi = hexval(h[2 * i]), lo = hexval(h[2 * i + 1]);

					if (hi < 0 || lo < 0) {
						r->len = 0;
						break;
					}
					r->attrs[i] = (uint8_t)(hi << 4 | lo);
				}
				if (r->len == 0) {
					free(r);
					c->ctr[LNS_RADC_ACCT_SPOOL_ERRORS]++;
					continue;
				}
				r->seq = seq;
				r->created = created;
				r->next = NULL;
				*tail = r;
				tail = &r->next;
				n++;
				if (seq > c->spool_seq)
					c->spool_seq = seq;
				continue;
			}
			c->ctr[LNS_RADC_ACCT_SPOOL_ERRORS]++;
		}
		fclose(f);
	}
	free(line);
	c->spool = fopen(c->rc->spool, "w");
	if (c->spool == NULL) {
		snprintf(err, errlen, "radius.spool %s: %s", c->rc->spool, strerror(errno));
		while (head != NULL) {
			struct acct_rec *r = head;

			head = r->next;
			free(r);
		}
		return -errno;
	}
	(void)n;
	while (head != NULL) {
		struct acct_rec *r = head;

		head = r->next;
		/* back in the queue and in the new file, same sequence number */
		if (enqueue(c, r->attrs, r->len, r->created, r->seq, true) == 0)
			c->ctr[LNS_RADC_ACCT_SPOOL_REPLAYED]++;
		free(r);
	}
	return 0;
}

static bool
same_server(const struct lns_radius_server_conf *a, const struct lns_radius_server_conf *b)
{
	return a->address == b->address && a->auth_port == b->auth_port &&
	       a->acct_port == b->acct_port && a->secret.len == b->secret.len &&
	       CRYPTO_memcmp(a->secret.value, b->secret.value, a->secret.len) == 0;
}

/*
 * A server is known by its address, ports and secret: one unchanged keeps its
 * state (dead, probing, RTT, counters) and its requests in flight, wherever it
 * moved in the list. A request whose server changed or went away is not lost
 * and never answered under a secret it was not signed with: accounting goes
 * back to the head of the queue, authentication is re-signed for the new list
 * on the next timer run (slot_timeout, srv < 0).
 */
void
lns_radc_reconfigure(struct lns_radc *c, const struct lns_radius_conf *rc, uint64_t now_ms)
{
	struct srv old[LNS_CONF_MAX_RADIUS_SERVERS];
	int to[LNS_CONF_MAX_RADIUS_SERVERS];    /* old index -> new index, -1 gone */
	uint32_t n_old = c->n_srv;

	c->now = now_ms;
	c->rc = rc;
	for (uint32_t i = 0; i < n_old; i++) {
		lns_timer_cancel(c->timers, &c->srv[i].probe_timer);
		old[i] = c->srv[i];
		to[i] = -1;
	}
	c->n_srv = rc->n_servers;
	for (uint32_t j = 0; j < c->n_srv; j++) {
		struct srv *s = &c->srv[j];
		uint32_t i;

		for (i = 0; i < n_old; i++)
			if (to[i] < 0 && same_server(&old[i].conf, &rc->servers[j]))
				break;
		if (i < n_old) {
			*s = old[i];
			to[i] = (int)j;
		} else {
			memset(s, 0, sizeof(*s));
			s->conf = rc->servers[j];
			s->state = S_ALIVE;
		}
		s->c = c;
		s->inflight = 0;        /* counted again below */
		lns_timer_init(&s->probe_timer, probe_send, s);
		if (s->state == S_DEAD)
			(void)lns_timer_arm(c->timers, &s->probe_timer, s->dead_until);
		else if (s->state == S_PROBING)
			(void)lns_timer_arm(c->timers, &s->probe_timer, now_ms);
	}
	OPENSSL_cleanse(&c->srv[c->n_srv], (LNS_CONF_MAX_RADIUS_SERVERS - c->n_srv) *
			sizeof(c->srv[0]));
	OPENSSL_cleanse(old, sizeof(old));
	for (int r = 0; r < R_MAX; r++)
		/* backwards: requeued at the head, records keep their slot order */
		for (int i = NSLOT - 1; i >= 0; i--) {
			struct slot *sl = &c->slots[r][i];

			if (!sl->used || sl->srv < 0)
				continue;
			sl->srv = to[sl->srv];
			if (sl->srv >= 0) {
				c->srv[sl->srv].inflight++;
				continue;
			}
			if (r == R_ACCT) {
				/* still the oldest of its session: first again at the head */
				key_done(c, sl->rec);
				if (sl->rec->barrier)
					c->barrier_inflight = false;
				q_push(c, sl->rec, true);
				c->acct_inflight--;
				sl->rec = NULL;
				slot_put(c, sl);
			} else {
				sl->tries = 0;
				sl->servers_tried = 0;
				(void)lns_timer_arm(c->timers, &sl->timer, now_ms);
			}
		}
	acct_dispatch(c);
}

struct lns_radc *
lns_radc_create(const struct lns_radius_conf *rc, struct lns_timers *timers, uint64_t now_ms,
		char *err, size_t errlen)
{
	struct lns_radc *c = calloc(1, sizeof(*c));

	if (c == NULL)
		goto nomem;
	c->rc = rc;
	c->timers = timers;
	c->now = now_ms;
	c->probe_fd = -1;
	for (int r = 0; r < R_MAX; r++)
		for (int k = 0; k < NSOCK; k++)
			c->fd[r][k] = -1;
	for (int r = 0; r < R_MAX; r++) {
		c->slots[r] = calloc(NSLOT, sizeof(struct slot));
		if (c->slots[r] == NULL)
			goto nomem;
		for (int i = NSLOT - 1; i >= 0; i--) {
			struct slot *sl = &c->slots[r][i];

			sl->role = (enum role)r;
			sl->idx = (uint16_t)i;
			sl->c = c;
			sl->srv = -1;
			lns_timer_init(&sl->timer, slot_timeout, sl);
			sl->next_free = c->free_slots[r];
			c->free_slots[r] = sl;
		}
		for (int k = 0; k < NSOCK; k++) {
			c->fd[r][k] = open_sock();
			if (c->fd[r][k] < 0) {
				snprintf(err, errlen, "RADIUS client socket: %s",
					 strerror(-c->fd[r][k]));
				lns_radc_free(c);
				return NULL;
			}
		}
	}
	c->probe_fd = open_sock();
	if (c->probe_fd < 0) {
		snprintf(err, errlen, "RADIUS client socket: %s", strerror(-c->probe_fd));
		lns_radc_free(c);
		return NULL;
	}
	c->n_srv = rc->n_servers;
	for (uint32_t i = 0; i < c->n_srv; i++) {
		struct srv *s = &c->srv[i];

		s->conf = rc->servers[i];
		s->c = c;
		s->state = S_ALIVE;
		lns_timer_init(&s->probe_timer, probe_send, s);
	}
	if (rc->spool[0] != '\0' && spool_load(c, err, errlen) < 0) {
		lns_radc_free(c);
		return NULL;
	}
	acct_dispatch(c);
	return c;
nomem:
	snprintf(err, errlen, "out of memory for the RADIUS client");
	lns_radc_free(c);
	return NULL;
}

void
lns_radc_free(struct lns_radc *c)
{
	if (c == NULL)
		return;
	for (int r = 0; r < R_MAX; r++) {
		if (c->slots[r] != NULL)
			for (int i = 0; i < NSLOT; i++) {
				struct slot *sl = &c->slots[r][i];

				lns_timer_cancel(c->timers, &sl->timer);
				free(sl->attrs);
				free(sl->rec);  /* stays in the spool: sent at the next start */
				OPENSSL_cleanse(sl->pw, sizeof(sl->pw));
			}
		free(c->slots[r]);
		for (int k = 0; k < NSOCK; k++)
			if (c->fd[r][k] >= 0)
				close(c->fd[r][k]);
	}
	for (uint32_t i = 0; i < c->n_srv; i++)
		lns_timer_cancel(c->timers, &c->srv[i].probe_timer);
	if (c->probe_fd >= 0)
		close(c->probe_fd);
	while (c->q_head != NULL)
		free(q_pop(c));
	if (c->spool != NULL)
		fclose(c->spool);
	OPENSSL_cleanse(c->srv, sizeof(c->srv));
	free(c);
}

uint32_t
lns_radc_acct_pending(const struct lns_radc *c)
{
	return c->q_len + c->acct_inflight;
}

uint32_t
lns_radc_spool_depth(const struct lns_radc *c)
{
	return c->spool != NULL ? c->spool_depth : 0;
}

void
lns_radc_counters(const struct lns_radc *c, uint64_t out[LNS_RADC_STAT_MAX])
{
	memcpy(out, c->ctr, sizeof(c->ctr));
}

uint32_t
lns_radc_server_count(const struct lns_radc *c)
{
	return c->n_srv;
}

int
lns_radc_server(const struct lns_radc *c, uint32_t i, struct lns_radc_server_info *o)
{
	const struct srv *s;

	if (i >= c->n_srv)
		return -ENOENT;
	s = &c->srv[i];
	o->addr = s->conf.address;
	o->auth_port = s->conf.auth_port;
	o->acct_port = s->conf.acct_port;
	o->st = s->state;
	o->state = state_names[s->state];
	o->rtt_ms = s->rtt_ms;
	o->requests = s->requests;
	o->responses = s->responses;
	o->timeouts = s->timeouts;
	o->retransmits = s->retransmits;
	return 0;
}
