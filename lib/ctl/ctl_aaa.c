/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * AAA glue on the control lcore: PPP authentication through RADIUS (with the
 * local users as an optional fallback) and RADIUS accounting of every session,
 * over lib/aaa's non-blocking client, polled from lns_ctl_poll().
 *
 * ctl_sub.c calls the lns_ctl_aaa_session_*() hooks at the points of a
 * session's life (created, PPP up, cause known, ended); the state here is
 * private and per session (struct lns_aaa_sess), so the glue can move with
 * lib/dp/ctl*.c as it is.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/random.h>
#include <sys/socket.h>

#include <openssl/crypto.h>
#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_log.h>

#include "lns_ctl.h"
#include "lns_l2tp.h"
#include "lns_ppp.h"
#include "lns_ppp_auth.h"
#include "lns_radius.h"
#include "lns_radius_client.h"

#define IDLE_CHECK_MIN_MS 1000
#define DAS_CACHE 16                    /* answered requests kept for duplicates */
#define USER_BUCKETS 4096               /* per-user session counts (a power of two) */

/* Live sessions of one user name, for max-sessions-per-user. */
struct ucount {
	struct ucount *next;
	uint32_t n;
	char name[];
};

/* An answered Disconnect/CoA request: a retransmission gets the same answer. */
struct das_done {
	uint32_t client;
	uint8_t id;
	uint8_t auth[16];
	uint64_t at_ms;
	uint16_t len;
	uint8_t resp[256];
};

struct lns_aaa {
	struct lns_ctl *ctl;
	const struct lns_radius_conf *rc;
	struct lns_radc *radc;
	struct lns_authenticator a;     /* the RADIUS authenticator */
	const struct lns_authenticator *local;
	bool auth_installed;            /* PPP asks x->a (else `local` directly) */
	struct lns_aaa_sess *all;
	uint32_t boot;                  /* Acct-Session-Id prefix: unique per start */
	uint16_t boot_rand;
	uint64_t next_id;
	uint64_t dropped_seen;
	uint32_t nas_ip;
	char dead_seen[LNS_CONF_MAX_RADIUS_SERVERS];
	uint64_t auth_timeouts, fallbacks;
	/* Access-Requests wait until this run's Accounting-On is acknowledged:
	 * a server that frees the node's leases on it (sqlippool's on_clear) would
	 * otherwise free an address it has just given a new session */
	bool acct_on_acked;
	uint32_t n_held;                /* sessions whose Access-Request waits */
	uint64_t held_total;
	/* dynamic authorization server (RFC 5176) */
	int das_fd;
	uint64_t das[LNS_DAS_STAT_MAX];
	struct das_done das_cache[DAS_CACHE];
	uint32_t das_next;
	struct ucount **users;          /* USER_BUCKETS chains */
	uint64_t limit_refused;
	uint64_t bad_rate;              /* Mikrotik-Rate-Limit values refused */
	uint64_t rate_no_slot;          /* ... with every anonymous policy slot held */
	uint64_t filter_unknown;        /* Access-Accept Filter-Ids naming no policy */
};

/* A saved copy of the PPP request: the local fallback needs it after start(). */
struct saved_req {
	struct lns_auth_req q;
	char user[LNS_AUTH_USER_MAX + 1];
	uint8_t pw[256], chal[64], resp[64];
};

struct lns_aaa_sess {
	struct lns_aaa *aaa;
	struct lns_aaa_sess *prev, *next;
	uint32_t handle;
	uint16_t tid, sid;
	uint32_t peer;                  /* network order */
	uint16_t peer_port;             /* host order */
	uint32_t conn;
	char host[64];
	char acct_id[24];
	char user[LNS_AUTH_USER_MAX + 1];
	struct lns_ppp *ppp;
	/* authentication */
	bool auth_pending;
	bool auth_held;                 /* pending, not sent: Accounting-On first */
	uint64_t held_since;
	uint32_t req;
	struct saved_req *saved;
	bool via_radius;
	/* what the Access-Accept said */
	uint32_t session_timeout, idle_timeout, interim;
	uint8_t class_[LNS_RAD_ATTR_MAX];
	uint8_t class_len;
	char filter_id[64];
	bool filter_long;               /* the Filter-Id was cut to fit filter_id */
	char framed_route[64];
	uint32_t framed_ip;             /* as sent (incl. 0xfffffffe/ff), 0 none */
	char framed_pool[LNS_CONF_NAME_MAX];
	/* accounting */
	bool started, stopped;          /* PPP up (Start point) / ended */
	struct lns_radc_acct_sess acct; /* accounted iff its Start was queued */
	uint64_t start_ms;
	int64_t start_unix;
	uint32_t addr;
	int cause;                      /* Acct-Terminate-Cause, 0 = not known yet */
	uint32_t user_limit;            /* max-sessions-per-user of its profile, 0 = none */
	bool by_radius;                 /* its profile's `authentication` resolved */
	struct ucount *counted;         /* counted against its user */
	struct lns_timer interim_t, session_t, idle_t;
	uint64_t idle_pkts;
	uint64_t idle_since;
	/* policy */
	uint32_t prof_st, prof_it;      /* its destination profile's session(-idle)-timeout
					 * (copied: a reload may free that profile) */
	bool st_radius, it_radius;      /* Session-/Idle-Timeout came from RADIUS */
	bool has_rate;                  /* Access-Accept carried Mikrotik-Rate-Limit */
	uint64_t rate_up, rate_down;    /* ... its rates, bit/s (0 = unlimited) */
	int dyn_pol;                    /* the anonymous policy it holds, -1 = none */
};

static struct lns_aaa *
aaa_of(struct lns_ctl *ctl)
{
	return ctl->aaa;
}

static void
log_ev(struct lns_aaa *x, enum lns_ev ev, const struct lns_aaa_sess *s, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void
log_ev(struct lns_aaa *x, enum lns_ev ev, const struct lns_aaa_sess *s, const char *fmt, ...)
{
	char d[LNS_EV_DETAIL_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d, sizeof(d), fmt, ap);
	va_end(ap);
	lns_evlog_add(x->ctl->dp->evlog, lns_ctl_now_us(x->ctl), ev,
		      s != NULL ? s->tid : LNS_EV_NONE, s != NULL ? s->sid : LNS_EV_NONE,
		      s != NULL ? s->conn : LNS_EV_NONE, "%s", d);
}

static const char *
ip_str(uint32_t a, char buf[16])
{
	const uint8_t *b = (const uint8_t *)&a;

	snprintf(buf, 16, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
	return buf;
}

/* ------------------------------------------------------------ attributes --- */

/* What every Access-Request and Accounting-Request of a session carries
 * (the list; RFC 2865 §5, RFC 2868 for the tunnel ones). */
static void
add_common(struct lns_aaa *x, const struct lns_aaa_sess *s, struct lns_rad_attrs *a)
{
	char buf[64], ip[16];

	lns_rad_add_str(a, LNS_RA_USER_NAME, s->user);
	lns_rad_add_ip(a, LNS_RA_NAS_IP_ADDRESS, x->nas_ip);
	lns_rad_add_str(a, LNS_RA_NAS_IDENTIFIER, x->rc->nas_identifier);
	/* the data-plane handle: unique among live sessions (sqlippool keys on it) */
	lns_rad_add_u32(a, LNS_RA_NAS_PORT, s->handle);
	lns_rad_add_u32(a, LNS_RA_NAS_PORT_TYPE, 5);            /* Virtual */
	lns_rad_add_u32(a, LNS_RA_SERVICE_TYPE, 2);             /* Framed */
	lns_rad_add_u32(a, LNS_RA_FRAMED_PROTOCOL, 1);          /* PPP */
	/* the client's outer address, with its port: behind a NAT it tells apart */
	snprintf(buf, sizeof(buf), "%s:%u", ip_str(s->peer, ip), s->peer_port);
	lns_rad_add_str(a, LNS_RA_CALLING_STATION_ID, buf);
	lns_rad_add_str(a, LNS_RA_CALLED_STATION_ID,
			ip_str(x->ctl->dp->port[LNS_PORT_ACCESS].addr, ip));
	lns_rad_add_tunnel_int(a, LNS_RA_TUNNEL_TYPE, 3);       /* L2TP */
	lns_rad_add_tunnel_int(a, LNS_RA_TUNNEL_MEDIUM_TYPE, 1); /* IPv4 */
	lns_rad_add_str(a, LNS_RA_TUNNEL_CLIENT_ENDPOINT, ip_str(s->peer, ip));
	lns_rad_add_str(a, LNS_RA_TUNNEL_SERVER_ENDPOINT,
			ip_str(x->ctl->dp->port[LNS_PORT_ACCESS].addr, ip));
	snprintf(buf, sizeof(buf), "%u", s->tid);
	lns_rad_add_str(a, LNS_RA_TUNNEL_ASSIGNMENT_ID, buf);
	lns_rad_add_str(a, LNS_RA_TUNNEL_CLIENT_AUTH_ID, s->host);
	lns_rad_add_str(a, LNS_RA_ACCT_SESSION_ID, s->acct_id);
}

/* ------------------------------------------------------------ accounting --- */

static void
acct_send(struct lns_aaa *x, struct lns_aaa_sess *s, uint32_t status)
{
	const struct lns_tables *tbl = x->ctl->dp->tbl;
	struct lns_rad_attrs a;
	uint64_t in_o, out_o, in_p, out_p;
	int rc;

	/* radius.accounting (live) decides only whether a new session gets a Start;
	 * its Interim-Updates and Stop follow the Start (lns_radc_acct_session()) */
	if (x->radc == NULL)
		return;
	lns_rad_attrs_init(&a);
	lns_rad_add_u32(&a, LNS_RA_ACCT_STATUS_TYPE, status);
	add_common(x, s, &a);
	lns_rad_add_u32(&a, LNS_RA_ACCT_AUTHENTIC, s->via_radius ? 1 : 2); /* RADIUS / Local */
	if (s->addr != 0)
		lns_rad_add_ip(&a, LNS_RA_FRAMED_IP_ADDRESS, s->addr);
	if (s->class_len > 0)   /* RFC 2865 §5.25: echoed unchanged */
		lns_rad_add(&a, LNS_RA_CLASS, s->class_, s->class_len);
	lns_rad_add_u32(&a, LNS_RA_EVENT_TIMESTAMP, (uint32_t)time(NULL));
	if (status != LNS_RAD_ACCT_START) {
		/* from the client = input (RFC 2866 §5.3); 64 bits via Gigawords (RFC 2869 §5.1) */
		in_o = lns_tables_sess_ctr(tbl, s->handle, LNS_SC_UP_BYTES);
		in_p = lns_tables_sess_ctr(tbl, s->handle, LNS_SC_UP_PKTS);
		out_o = lns_tables_sess_ctr(tbl, s->handle, LNS_SC_DOWN_BYTES);
		out_p = lns_tables_sess_ctr(tbl, s->handle, LNS_SC_DOWN_PKTS);
		lns_rad_add_octets64(&a, LNS_RA_ACCT_INPUT_OCTETS, LNS_RA_ACCT_INPUT_GIGAWORDS, in_o);
		lns_rad_add_octets64(&a, LNS_RA_ACCT_OUTPUT_OCTETS, LNS_RA_ACCT_OUTPUT_GIGAWORDS,
				     out_o);
		lns_rad_add_u32(&a, LNS_RA_ACCT_INPUT_PACKETS, (uint32_t)in_p);
		lns_rad_add_u32(&a, LNS_RA_ACCT_OUTPUT_PACKETS, (uint32_t)out_p);
		lns_rad_add_u32(&a, LNS_RA_ACCT_SESSION_TIME,
				(uint32_t)((lns_ctl_now_ms(x->ctl) - s->start_ms) / 1000));
	}
	if (status == LNS_RAD_ACCT_STOP)
		lns_rad_add_u32(&a, LNS_RA_ACCT_TERMINATE_CAUSE,
				(uint32_t)(s->cause != 0 ? s->cause : LNS_RAD_TERM_NAS_REQUEST));
	rc = lns_radc_acct_session(x->radc, &s->acct, status, x->rc->accounting, &a,
				   lns_ctl_now_ms(x->ctl));
	if (rc == 1)
		return;         /* not accounted: its Start was never queued */
	if (rc < 0)
		/* never silent: the bound (radius.acct-queue) is an event and a counter */
		log_ev(x, LNS_EV_ACCT_DROPPED, s, "user=%s acct-session-id=%s status=%u "
		       "reason=%s", s->user, s->acct_id, status,
		       rc == -ENOBUFS ? "queue-full" : "too-big");
}

static void
interim_cb(struct lns_timer *t, void *arg, uint64_t now)
{
	struct lns_aaa_sess *s = arg;

	acct_send(s->aaa, s, LNS_RAD_ACCT_INTERIM);
	(void)lns_timer_arm(s->aaa->ctl->timers, t, now + (uint64_t)s->interim * 1000);
}

static void
session_timeout_cb(struct lns_timer *t, void *arg, uint64_t now)
{
	struct lns_aaa_sess *s = arg;

	(void)t;
	(void)now;
	if (s->cause == 0)
		s->cause = LNS_RAD_TERM_SESSION_TIMEOUT;
	lns_ctl_sub_close(s->aaa->ctl, s->handle, "session-timeout");
}

static uint64_t
sess_pkts(const struct lns_aaa_sess *s)
{
	const struct lns_tables *tbl = s->aaa->ctl->dp->tbl;

	return lns_tables_sess_ctr(tbl, s->handle, LNS_SC_UP_PKTS) +
	       lns_tables_sess_ctr(tbl, s->handle, LNS_SC_DOWN_PKTS);
}

/* Idle-Timeout by traffic: checked a few times per period, so a session ends
 * between idle and idle * 1.25 after its last packet. */
static void
idle_cb(struct lns_timer *t, void *arg, uint64_t now)
{
	struct lns_aaa_sess *s = arg;
	uint64_t pk = sess_pkts(s), step = (uint64_t)s->idle_timeout * 250;

	if (pk != s->idle_pkts) {
		s->idle_pkts = pk;
		s->idle_since = now;
	} else if (now - s->idle_since >= (uint64_t)s->idle_timeout * 1000) {
		if (s->cause == 0)
			s->cause = LNS_RAD_TERM_IDLE_TIMEOUT;
		lns_ctl_sub_close(s->aaa->ctl, s->handle, "idle-timeout");
		return;
	}
	(void)lns_timer_arm(s->aaa->ctl->timers, t,
			    now + (step < IDLE_CHECK_MIN_MS ? IDLE_CHECK_MIN_MS : step));
}

/* ------------------------------------------------------- authentication --- */

static struct saved_req *
save_req(const struct lns_auth_req *q)
{
	struct saved_req *c = calloc(1, sizeof(*c));

	if (c == NULL || q->password_len > sizeof(c->pw) || q->challenge_len > sizeof(c->chal) ||
	    q->response_len > sizeof(c->resp)) {
		free(c);
		return NULL;
	}
	c->q = *q;
	snprintf(c->user, sizeof(c->user), "%s", q->user);
	c->q.user = c->user;
	if (q->password_len)
		memcpy(c->pw, q->password, q->password_len);
	if (q->challenge_len)
		memcpy(c->chal, q->challenge, q->challenge_len);
	if (q->response_len)
		memcpy(c->resp, q->response, q->response_len);
	c->q.password = c->pw;
	c->q.challenge = c->chal;
	c->q.response = c->resp;
	return c;
}

static void
free_saved(struct lns_aaa_sess *s)
{
	if (s->saved != NULL) {
		OPENSSL_cleanse(s->saved, sizeof(*s->saved));
		free(s->saved);
		s->saved = NULL;
	}
}

static void
copy_str(char *dst, size_t n, const uint8_t *v, uint8_t len)
{
	size_t k = len < n - 1 ? len : n - 1;

	memcpy(dst, v, k);
	dst[k] = '\0';
}

/* The Access-Accept's attributes, into the PPP verdict and the session. */
static bool
take_accept(struct lns_aaa_sess *s, const struct lns_rad_view *v, struct lns_auth_result *r)
{
	const struct lns_conf *conf = s->aaa->ctl->dp->conf;
	const uint8_t *d;
	uint32_t u;
	uint8_t n;

	if (lns_rad_get_u32(v, LNS_RA_FRAMED_IP_ADDRESS, &u)) {
		s->framed_ip = u;
		/* RFC 2865 §5.8: 0xFFFFFFFE = the NAS assigns, 0xFFFFFFFF = the user may
		 * choose (lnsd offers a pool address either way) */
		if (u != 0xfffffffeu && u != 0xffffffffu && u != 0)
			r->addr = rte_cpu_to_be_32(u);
	}
	if (lns_rad_find(v, LNS_RA_FRAMED_POOL, &d, &n)) {
		copy_str(s->framed_pool, sizeof(s->framed_pool), d, n);
		memcpy(r->pool, s->framed_pool, sizeof(r->pool));
	}
	if (lns_rad_get_u32(v, LNS_RA_SESSION_TIMEOUT, &u)) {
		s->session_timeout = u;
		s->st_radius = true;    /* RADIUS wins over ppp.users and the profile */
	}
	if (lns_rad_get_u32(v, LNS_RA_IDLE_TIMEOUT, &u)) {
		s->idle_timeout = u;
		s->it_radius = true;
	}
	if (lns_rad_find_vsa(v, LNS_RAD_VENDOR_MIKROTIK, LNS_RA_MIKROTIK_RATE_LIMIT, &d, &n)) {
		if (lns_rad_parse_rate_limit(d, n, &s->rate_up, &s->rate_down) == 0) {
			s->has_rate = true;
		} else {
			char txt[64];

			copy_str(txt, sizeof(txt), d, n);
			s->aaa->bad_rate++;
			log_ev(s->aaa, LNS_EV_POLICY, s, "user=%s error=bad-Mikrotik-Rate-Limit "
			       "value=\"%.40s\" source=radius", s->user, txt);
		}
	}
	if (lns_rad_get_u32(v, LNS_RA_ACCT_INTERIM_INTERVAL, &u))
		/* RFC 2869 §5.16: not below 60 s (unless tests shortened timers) */
		s->interim = u < 60 && !conf->limits.allow_short_timers ? 60 : u;
	if (lns_rad_find(v, LNS_RA_CLASS, &d, &n)) {
		memcpy(s->class_, d, n);
		s->class_len = n;
	}
	if (lns_rad_find(v, LNS_RA_FILTER_ID, &d, &n)) {
		copy_str(s->filter_id, sizeof(s->filter_id), d, n);
		/* longer than any policy name: its truncated copy must not match one */
		s->filter_long = n >= LNS_CONF_NAME_MAX;
	}
	if (lns_rad_find(v, LNS_RA_FRAMED_ROUTE, &d, &n))
		copy_str(s->framed_route, sizeof(s->framed_route), d, n);
	if (lns_rad_find_vsa(v, LNS_RAD_VENDOR_MICROSOFT, LNS_RA_MS_PRIMARY_DNS, &d, &n) && n == 4)
		memcpy(&r->dns[0], d, 4);
	if (lns_rad_find_vsa(v, LNS_RAD_VENDOR_MICROSOFT, LNS_RA_MS_SECONDARY_DNS, &d, &n) &&
	    n == 4)
		memcpy(&r->dns[1], d, 4);
	if (s->saved != NULL && s->saved->q.method == LNS_AUTH_MSCHAPV2) {
		/* RFC 2548 §2.3.3: Ident + "S=<40 hex>"; without it the client could not
		 * check us, so an Accept without it is no success */
		if (!lns_rad_find_vsa(v, LNS_RAD_VENDOR_MICROSOFT, LNS_RA_MS_CHAP2_SUCCESS, &d, &n) ||
		    n != 1 + LNS_MSCHAP_AUTH_RESP_LEN || d[0] != s->saved->q.chap_id)
			return false;
		memcpy(r->auth_response, d + 1, LNS_MSCHAP_AUTH_RESP_LEN);
		r->auth_response[LNS_MSCHAP_AUTH_RESP_LEN] = '\0';
	}
	return true;
}

/* The RADIUS answer (or its absence) as the PPP verdict. The auth-ok /
 * auth-failed event is logged once, by ctl_sub.c from PPP's ops->auth; what
 * only this layer knows (the server's answer, a fallback) goes in the verdict's
 * reason, so one login is one event line. */
static void
auth_cb(void *arg, int status, const struct lns_rad_view *v)
{
	struct lns_aaa_sess *s = arg;
	struct lns_aaa *x = s->aaa;
	struct lns_auth_result r;
	struct lns_ppp *p = s->ppp;
	const uint8_t *d;
	uint8_t n;

	s->auth_pending = false;
	memset(&r, 0, sizeof(r));
	if (status < 0) {
		x->auth_timeouts++;
		if (x->rc->local_fallback && x->local != NULL && s->saved != NULL) {
			char local[sizeof(r.reason)];

			/* the local users' verdict, delivered from here with both parts
			 * of the story: RADIUS did not answer, the local users did */
			x->fallbacks++;
			lns_auth_local_verify(x->local, &s->saved->q, &r);
			snprintf(local, sizeof(local), "%s", r.reason);
			snprintf(r.reason, sizeof(r.reason), "radius=no-answer fallback=local %.40s",
				 local);
		} else {
			snprintf(r.message, sizeof(r.message), "RADIUS server unavailable");
			snprintf(r.reason, sizeof(r.reason), "radius=no-answer");
		}
	} else if (v->code == LNS_RAD_ACCESS_ACCEPT) {
		r.ok = take_accept(s, v, &r);
		s->via_radius = true;
		if (lns_rad_find(v, LNS_RA_REPLY_MESSAGE, &d, &n))
			copy_str(r.message, sizeof(r.message), d, n);
		snprintf(r.reason, sizeof(r.reason), "radius=%s",
			 r.ok ? "accept" : "accept-without-ms-chap2-success");
	} else {
		/* Reject, or a Challenge lnsd cannot relay through PPP */
		if (lns_rad_find(v, LNS_RA_REPLY_MESSAGE, &d, &n))
			copy_str(r.message, sizeof(r.message), d, n);
		snprintf(r.reason, sizeof(r.reason), "radius=%s%s%.24s",
			 v->code == LNS_RAD_ACCESS_REJECT ? "reject" : "challenge",
			 r.message[0] != '\0' ? " msg=" : "", r.message);
	}
	free_saved(s);
	lns_ppp_auth_done(p, &r, lns_ctl_now_ms(x->ctl));
	OPENSSL_cleanse(&r, sizeof(r));
	/* s may be gone now (the verdict can end the session) */
}

/* Is the Access-Request to wait for this run's Accounting-On? */
static bool
auth_gate_closed(struct lns_aaa *x)
{
	bool acct_srv = false;

	if (x->acct_on_acked)
		return false;
	for (uint32_t i = 0; i < x->rc->n_servers; i++)
		acct_srv |= x->rc->servers[i].acct_port != 0;
	if (x->radc == NULL || !x->rc->accounting || !x->rc->auth_after_acct_on || !acct_srv ||
	    lns_radc_barriers_acked(x->radc) > 0) {
		x->acct_on_acked = true;
		return false;
	}
	return true;
}

static int
radius_send(struct lns_aaa *x, struct lns_aaa_sess *s, const struct lns_auth_req *q)
{
	struct lns_rad_attrs at;
	const uint8_t *pw = NULL;
	size_t pw_len = 0;
	int rc;

	lns_rad_attrs_init(&at);
	add_common(x, s, &at);
	switch (q->method) {
	case LNS_AUTH_PAP:
		if (q->password_len > 128)
			return -EINVAL;         /* RFC 2865 §5.2: at most 128 octets */
		pw = q->password;
		pw_len = q->password_len;
		break;
	case LNS_AUTH_CHAP_MD5: {
		uint8_t cp[17];

		if (q->response_len != 16 || q->challenge_len == 0 || q->challenge_len > 253)
			return -EINVAL;
		/* RFC 2865 §5.3: CHAP Ident + Response; §5.40: our challenge */
		cp[0] = q->chap_id;
		memcpy(cp + 1, q->response, 16);
		lns_rad_add(&at, LNS_RA_CHAP_PASSWORD, cp, 17);
		lns_rad_add(&at, LNS_RA_CHAP_CHALLENGE, q->challenge, q->challenge_len);
		break;
	}
	case LNS_AUTH_MSCHAPV2: {
		uint8_t r2[50];

		if (q->response_len != 49 || q->challenge_len != 16)
			return -EINVAL;
		/* RFC 2548 §2.3.2: Ident, Flags, Peer-Challenge, Reserved, Response;
		 * PPP's Response value is Peer-Challenge, Reserved, NT-Response, Flags */
		r2[0] = q->chap_id;
		r2[1] = q->response[48];
		memcpy(r2 + 2, q->response, 48);
		lns_rad_add_vsa(&at, LNS_RAD_VENDOR_MICROSOFT, LNS_RA_MS_CHAP_CHALLENGE,
				q->challenge, 16);
		lns_rad_add_vsa(&at, LNS_RAD_VENDOR_MICROSOFT, LNS_RA_MS_CHAP2_RESPONSE, r2, 50);
		break;
	}
	default:
		return -EINVAL;
	}
	rc = lns_radc_auth(x->radc, &at, pw, pw_len, auth_cb, s, &s->req, lns_ctl_now_ms(x->ctl));
	if (rc < 0)
		return rc;      /* PPP answers "failed" at once */
	s->auth_pending = true;
	return 0;
}

static int
radius_start(const struct lns_authenticator *a, struct lns_ppp *p, const struct lns_auth_req *q)
{
	struct lns_aaa *x = a->arg;
	struct lns_aaa_sess *s = lns_ctl_sub_aaa(lns_ppp_ctx(p));

	if (s == NULL)
		return -ENOENT;
	/* the destination profile may say local users (or radius) for its sessions */
	if (!s->by_radius || x->radc == NULL)
		return x->local->start(x->local, p, q);
	s->ppp = p;
	snprintf(s->user, sizeof(s->user), "%s", q->user);
	free_saved(s);
	s->saved = save_req(q);
	if (auth_gate_closed(x) && s->saved != NULL) {
		/* sent from lns_ctl_aaa_poll() once the Accounting-On is answered */
		s->auth_pending = true;
		s->auth_held = true;
		s->held_since = lns_ctl_now_ms(x->ctl);
		x->n_held++;
		x->held_total++;
		return 0;
	}
	return radius_send(x, s, q);
}

/* The Access-Requests that waited: sent once the Accounting-On is answered, or
 * failed as unanswered after as long as a request itself could take. */
static void
held_poll(struct lns_aaa *x)
{
	uint64_t now = lns_ctl_now_ms(x->ctl);
	uint64_t budget = (uint64_t)x->rc->timeout_ms * (x->rc->retries + 1u) *
			  (x->rc->n_servers > 0 ? x->rc->n_servers : 1u);
	bool open = !auth_gate_closed(x);
	struct lns_aaa_sess *s, *next;

	for (s = x->all; s != NULL && x->n_held > 0; s = next) {
		next = s->next;
		if (!s->auth_held || (!open && now - s->held_since < budget))
			continue;
		s->auth_held = false;
		s->auth_pending = false;
		x->n_held--;
		if (!open || s->saved == NULL || radius_send(x, s, &s->saved->q) < 0)
			auth_cb(s, -ETIMEDOUT, NULL);
	}
}

static void
radius_cancel(const struct lns_authenticator *a, struct lns_ppp *p)
{
	struct lns_aaa *x = a->arg;
	struct lns_aaa_sess *s = lns_ctl_sub_aaa(lns_ppp_ctx(p));

	if (s != NULL && s->auth_held) {
		s->auth_held = false;
		s->auth_pending = false;
		x->n_held--;
	} else if (s != NULL && s->auth_pending) {
		lns_radc_cancel(x->radc, s->req);
		s->auth_pending = false;
	}
}

/* ------------------------------------------------- sessions per user --- */

static struct ucount **
ucount_slot(struct lns_aaa *x, const char *name)
{
	uint32_t h = 2166136261u;       /* FNV-1a */

	for (const char *c = name; *c != '\0'; c++)
		h = (h ^ (uint8_t)*c) * 16777619u;
	return &x->users[h & (USER_BUCKETS - 1)];
}

/* At IPCP up: one more session of s->user, or -EDQUOT past the profile's limit
 * (l2tp.max-sessions-per-user / per destination profile). */
int
lns_ctl_aaa_session_admit(struct lns_aaa_sess *s, const char *user)
{
	struct lns_aaa *x;
	struct ucount **slot, *u;

	if (s == NULL || s->counted != NULL)
		return 0;
	x = s->aaa;
	if (s->user[0] == '\0' && user != NULL)
		snprintf(s->user, sizeof(s->user), "%s", user);
	slot = ucount_slot(x, s->user);
	for (u = *slot; u != NULL && strcmp(u->name, s->user) != 0; u = u->next)
		;
	if (u != NULL && s->user_limit > 0 && u->n >= s->user_limit) {
		x->limit_refused++;
		log_ev(x, LNS_EV_SESSION_REFUSED, s, "user=%s reason=max-sessions-per-user limit=%u",
		       s->user, s->user_limit);
		return -EDQUOT;
	}
	if (u == NULL) {
		u = malloc(sizeof(*u) + strlen(s->user) + 1);
		if (u == NULL)
			return -ENOMEM;
		strcpy(u->name, s->user);
		u->n = 0;
		u->next = *slot;
		*slot = u;
	}
	u->n++;
	s->counted = u;
	return 0;
}

static void
ucount_put(struct lns_aaa_sess *s)
{
	struct ucount **p, *u = s->counted;

	if (u == NULL)
		return;
	s->counted = NULL;
	if (--u->n > 0)
		return;
	for (p = ucount_slot(s->aaa, u->name); *p != NULL; p = &(*p)->next)
		if (*p == u) {
			*p = u->next;
			free(u);
			return;
		}
}

/* ------------------------------------------------------------- sessions --- */

struct lns_aaa_sess *
lns_ctl_aaa_session_new(struct lns_ctl *ctl, uint32_t handle, uint16_t tid, uint16_t sid,
			uint32_t peer, uint16_t peer_port, uint32_t conn)
{
	struct lns_aaa *x = aaa_of(ctl);
	struct lns_aaa_sess *s;
	struct lns_l2tp_tunnel_info ti;

	if (x == NULL)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	s->aaa = x;
	s->handle = handle;
	s->tid = tid;
	s->sid = sid;
	s->peer = peer;
	s->peer_port = peer_port;
	s->conn = conn;
	s->interim = x->rc->interim_interval;
	if (lns_l2tp_tunnel_next(lns_ctl_l2tp(ctl), (uint32_t)tid - 1, &ti) == 0 &&
	    ti.local_id == tid)
		snprintf(s->host, sizeof(s->host), "%s", ti.host_name);
	{
		const struct lns_dest_profile *dp = lns_conf_dest_profile(ctl->dp->conf, peer,
									  s->host);

		s->prof_st = dp->session_timeout;
		s->prof_it = dp->session_idle_timeout;
		s->user_limit = dp->max_sessions_per_user;
		s->by_radius = dp->authentication == LNS_AUTHN_RADIUS ||
			       (dp->authentication == LNS_AUTHN_GLOBAL && x->rc->authenticate);
	}
	/* unique across restarts: start time, a random part, a counter */
	snprintf(s->acct_id, sizeof(s->acct_id), "%08X%04X%08X", x->boot, x->boot_rand,
		 (uint32_t)++x->next_id);
	s->dyn_pol = -1;
	lns_timer_init(&s->interim_t, interim_cb, s);
	lns_timer_init(&s->session_t, session_timeout_cb, s);
	lns_timer_init(&s->idle_t, idle_cb, s);
	s->next = x->all;
	if (x->all != NULL)
		x->all->prev = s;
	x->all = s;
	return s;
}

/* Session-Timeout and Idle-Timeout RADIUS did not give: the user's entry in
 * ppp.users, else the destination profile's (config/lnsd.yaml: precedence). */
static void
conf_timeouts(struct lns_aaa_sess *s)
{
	const struct lns_conf *conf = s->aaa->ctl->dp->conf;
	const struct lns_user_conf *u = NULL;

	for (uint32_t i = 0; i < conf->ppp.n_users && s->user[0] != '\0'; i++)
		if (strcmp(conf->ppp.users[i].name, s->user) == 0) {
			u = &conf->ppp.users[i];
			break;
		}
	if (!s->st_radius)
		s->session_timeout = u != NULL && u->session_timeout_set ? u->session_timeout :
				     s->prof_st;
	if (!s->it_radius)
		s->idle_timeout = u != NULL && u->session_idle_timeout_set ?
				  u->session_idle_timeout : s->prof_it;
}

int
lns_ctl_aaa_session_rate_policy(struct lns_aaa_sess *s, char *desc, size_t n)
{
	struct lns_policy_dir up = { 0 }, down = { 0 };
	struct lns_tables *tbl;
	int idx;

	if (s == NULL || !s->has_rate)
		return -1;
	if (s->dyn_pol >= 0)
		goto out;
	tbl = s->aaa->ctl->dp->tbl;
	/* bursts as a named policy's default: 100 ms of the rate, at least 3000 bytes */
	up.rate = s->rate_up;
	up.burst = up.rate / 80 > 3000 ? up.rate / 80 : 3000;
	down.rate = s->rate_down;
	down.burst = down.rate / 80 > 3000 ? down.rate / 80 : 3000;
	idx = lns_tables_policy_acquire(tbl, &up, &down);
	if (idx < 0) {
		s->aaa->rate_no_slot++;
		log_ev(s->aaa, LNS_EV_POLICY, s, "user=%s error=%s source=radius", s->user,
		       idx == -ENOSPC ? "no-free-policy-slot" : "rate-not-applied");
		return -1;
	}
	s->dyn_pol = idx;
out:
	snprintf(desc, n, "rate:%" PRIu64 "/%" PRIu64, s->rate_up, s->rate_down);
	return s->dyn_pol;
}

int
lns_ctl_aaa_session_filter_policy(struct lns_aaa_sess *s, const struct lns_conf *conf)
{
	int idx;

	if (s == NULL || s->filter_id[0] == '\0')
		return -1;
	idx = s->filter_long ? -1 : lns_conf_policy_find(conf, s->filter_id);
	if (idx < 0) {
		/* A login is not refused for it: a typo in one RADIUS entry or a policy
		 * a reload removed would otherwise lock those users out. Said loudly. */
		s->aaa->filter_unknown++;
		log_ev(s->aaa, LNS_EV_POLICY, s, "user=%s error=unknown-filter-id "
		       "filter-id=\"%.40s\" source=radius", s->user, s->filter_id);
	}
	return idx;
}

/* Move the session off its anonymous policy (if any) and let the slot go. */
static void
rate_release(struct lns_aaa_sess *s)
{
	struct lns_tables *tbl = s->aaa->ctl->dp->tbl;

	if (s->dyn_pol < 0)
		return;
	if (__atomic_load_n(&tbl->sess[s->handle].policy, __ATOMIC_RELAXED) ==
	    (uint16_t)(s->dyn_pol + 1))
		(void)lns_tables_session_set_policy(tbl, s->handle, -1);
	lns_tables_policy_release(tbl, s->dyn_pol);
	s->dyn_pol = -1;
}

void
lns_ctl_aaa_session_up(struct lns_aaa_sess *s, uint32_t addr, const char *user)
{
	struct lns_aaa *x;
	uint64_t now;

	if (s == NULL || s->started)
		return;
	x = s->aaa;
	now = lns_ctl_now_ms(x->ctl);
	s->addr = addr;
	if (s->user[0] == '\0' && user != NULL)
		snprintf(s->user, sizeof(s->user), "%s", user);
	s->started = true;
	s->start_ms = now;
	conf_timeouts(s);
	acct_send(x, s, LNS_RAD_ACCT_START);
	if (s->interim > 0 && s->acct.started)
		(void)lns_timer_arm(x->ctl->timers, &s->interim_t, now + (uint64_t)s->interim * 1000);
	if (s->session_timeout > 0)
		(void)lns_timer_arm(x->ctl->timers, &s->session_t,
				    now + (uint64_t)s->session_timeout * 1000);
	if (s->idle_timeout > 0) {
		s->idle_pkts = sess_pkts(s);
		s->idle_since = now;
		(void)lns_timer_arm(x->ctl->timers, &s->idle_t, now + IDLE_CHECK_MIN_MS);
	}
}

void
lns_ctl_aaa_session_cause(struct lns_aaa_sess *s, int cause)
{
	if (s != NULL && s->cause == 0)
		s->cause = cause;
}

static void
sess_stop(struct lns_aaa_sess *s)
{
	struct lns_timers *ts = s->aaa->ctl->timers;

	if (s->started && !s->stopped)
		acct_send(s->aaa, s, LNS_RAD_ACCT_STOP);
	s->stopped = true;
	lns_timer_cancel(ts, &s->interim_t);
	lns_timer_cancel(ts, &s->session_t);
	lns_timer_cancel(ts, &s->idle_t);
}

void
lns_ctl_aaa_session_end(struct lns_aaa_sess *s)
{
	struct lns_aaa *x;

	if (s == NULL)
		return;
	x = s->aaa;
	sess_stop(s);
	rate_release(s);
	ucount_put(s);
	if (s->auth_held)
		x->n_held--;
	else if (s->auth_pending && x->radc != NULL)
		lns_radc_cancel(x->radc, s->req);
	free_saved(s);
	if (s->prev != NULL)
		s->prev->next = s->next;
	else
		x->all = s->next;
	if (s->next != NULL)
		s->next->prev = s->prev;
	free(s);
}

void
lns_ctl_aaa_session_info(const struct lns_aaa_sess *s, struct lns_sess_snap *o)
{
	if (s == NULL)
		return;
	snprintf(o->acct_session_id, sizeof(o->acct_session_id), "%.23s", s->acct_id);
	snprintf(o->filter_id, sizeof(o->filter_id), "%.31s", s->filter_id);
	snprintf(o->framed_pool, sizeof(o->framed_pool), "%.31s", s->framed_pool);
	snprintf(o->framed_route, sizeof(o->framed_route), "%.47s", s->framed_route);
	o->session_timeout = s->session_timeout;
	if (s->session_timeout != 0 && s->started) {
		uint64_t end = s->start_ms + (uint64_t)s->session_timeout * 1000,
			 now = lns_ctl_now_ms(s->aaa->ctl);

		o->session_left_s = end > now ? (uint32_t)((end - now + 999) / 1000) : 0;
	} else {
		o->session_left_s = s->session_timeout;
	}
	o->idle_timeout = s->idle_timeout;
	o->interim_interval = s->interim;
	o->class_len = s->class_len;
	o->radius = s->via_radius;
}

/* ------------------------------------------- dynamic authorization (5176) --- */

static int
das_open(struct lns_aaa *x, char *err, size_t errlen)
{
	struct sockaddr_in sa = {
		.sin_family = AF_INET,
		.sin_port = htons(x->rc->das_port),
		.sin_addr.s_addr = x->rc->das_address,
	};
	int one = 1;

	x->das_fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (x->das_fd < 0 ||
	    setsockopt(x->das_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(x->das_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		char a[16];

		snprintf(err, errlen, "radius.das-port: cannot listen on %s:%u: %s",
			 ip_str(x->rc->das_address, a), x->rc->das_port, strerror(errno));
		if (x->das_fd >= 0)
			close(x->das_fd);
		x->das_fd = -1;
		return -1;
	}
	return 0;
}

/* Does session s match every identification attribute of the request? */
static bool
das_match(const struct lns_aaa_sess *s, const struct lns_rad_view *v, int *n_ident)
{
	const uint8_t *d;
	uint32_t u;
	uint8_t n;
	bool ok = true;

	*n_ident = 0;
	if (lns_rad_find(v, LNS_RA_ACCT_SESSION_ID, &d, &n)) {
		(*n_ident)++;
		ok &= strlen(s->acct_id) == n && memcmp(s->acct_id, d, n) == 0;
	}
	if (lns_rad_find(v, LNS_RA_USER_NAME, &d, &n)) {
		(*n_ident)++;
		ok &= strlen(s->user) == n && memcmp(s->user, d, n) == 0;
	}
	if (lns_rad_get_u32(v, LNS_RA_FRAMED_IP_ADDRESS, &u)) {
		(*n_ident)++;
		ok &= s->started && s->addr == rte_cpu_to_be_32(u);
	}
	if (lns_rad_get_u32(v, LNS_RA_NAS_PORT, &u)) {
		(*n_ident)++;
		ok &= s->handle == u;
	}
	return ok;
}

/* What a request may carry (RFC 5176 §3): anything else is NAKed with
 * Unsupported-Attribute (401), Service-Type with Unsupported-Service (405). */
static int
das_check_attrs(const struct lns_rad_view *v, bool coa)
{
	const uint8_t *d;
	size_t pos = 0;
	uint8_t t, n;

	while (lns_rad_next(v, &pos, &t, &d, &n)) {
		switch (t) {
		case LNS_RA_USER_NAME: case LNS_RA_ACCT_SESSION_ID:
		case LNS_RA_FRAMED_IP_ADDRESS: case LNS_RA_NAS_PORT:
		case LNS_RA_NAS_IP_ADDRESS: case LNS_RA_NAS_IDENTIFIER:
		case LNS_RA_MESSAGE_AUTHENTICATOR: case LNS_RA_EVENT_TIMESTAMP:
		case LNS_RA_PROXY_STATE: case LNS_RA_CALLING_STATION_ID:
		case LNS_RA_ACCT_TERMINATE_CAUSE: case LNS_RA_REPLY_MESSAGE:
		case LNS_RA_CLASS:
			break;
		case LNS_RA_SESSION_TIMEOUT: case LNS_RA_IDLE_TIMEOUT:
		case LNS_RA_ACCT_INTERIM_INTERVAL: case LNS_RA_FILTER_ID:
			if (!coa)
				return LNS_RAD_ERR_UNSUPPORTED_ATTRIBUTE;
			break;
		case LNS_RA_VENDOR_SPECIFIC:
			/* a CoA may carry Mikrotik-Rate-Limit (a new rate), nothing else */
			if (!coa || n < 4 || d[0] != 0 || d[1] != 0 ||
			    ((uint32_t)d[2] << 8 | d[3]) != LNS_RAD_VENDOR_MIKROTIK)
				return LNS_RAD_ERR_UNSUPPORTED_ATTRIBUTE;
			for (size_t i = 4; i < n;) {
				uint64_t up, down;

				if (i + 2 > n || d[i + 1] < 2 || i + d[i + 1] > n)
					return LNS_RAD_ERR_INVALID_ATTRIBUTE_VALUE;
				if (d[i] != LNS_RA_MIKROTIK_RATE_LIMIT)
					return LNS_RAD_ERR_UNSUPPORTED_ATTRIBUTE;
				if (lns_rad_parse_rate_limit(d + i + 2, (size_t)d[i + 1] - 2, &up,
							     &down) != 0)
					return LNS_RAD_ERR_INVALID_ATTRIBUTE_VALUE;
				i += d[i + 1];
			}
			break;
		case LNS_RA_SERVICE_TYPE:
			return LNS_RAD_ERR_UNSUPPORTED_SERVICE;
		default:
			return LNS_RAD_ERR_UNSUPPORTED_ATTRIBUTE;
		}
	}
	return 0;
}

/* CoA: the new values take effect now; timers restart from the session's start
 * (Session-Timeout) or from now (Idle-Timeout, Acct-Interim-Interval). */
static void
das_apply_coa(struct lns_aaa_sess *s, const struct lns_rad_view *v)
{
	struct lns_aaa *x = s->aaa;
	uint64_t now = lns_ctl_now_ms(x->ctl);
	const uint8_t *d;
	uint32_t u;
	uint8_t n;

	if (lns_rad_get_u32(v, LNS_RA_SESSION_TIMEOUT, &u)) {
		s->session_timeout = u;
		s->st_radius = true;
		lns_timer_cancel(x->ctl->timers, &s->session_t);
		if (u > 0 && s->started) {
			uint64_t end = s->start_ms + (uint64_t)u * 1000;

			(void)lns_timer_arm(x->ctl->timers, &s->session_t, end > now ? end : now);
		}
	}
	if (lns_rad_get_u32(v, LNS_RA_IDLE_TIMEOUT, &u)) {
		s->idle_timeout = u;
		s->it_radius = true;
		lns_timer_cancel(x->ctl->timers, &s->idle_t);
		if (u > 0 && s->started) {
			s->idle_pkts = sess_pkts(s);
			s->idle_since = now;
			(void)lns_timer_arm(x->ctl->timers, &s->idle_t, now + IDLE_CHECK_MIN_MS);
		}
	}
	if (lns_rad_get_u32(v, LNS_RA_ACCT_INTERIM_INTERVAL, &u)) {
		s->interim = u < 60 && u != 0 && !x->ctl->dp->conf->limits.allow_short_timers ?
			     60 : u;
		lns_timer_cancel(x->ctl->timers, &s->interim_t);
		if (s->interim > 0 && s->started && s->acct.started)
			(void)lns_timer_arm(x->ctl->timers, &s->interim_t,
					    now + (uint64_t)s->interim * 1000);
	}
	if (lns_rad_find_vsa(v, LNS_RAD_VENDOR_MIKROTIK, LNS_RA_MIKROTIK_RATE_LIMIT, &d, &n)) {
		/* checked by das_check_attrs(): a new rate, live; it wins over a
		 * Filter-Id in the same request */
		int old = s->dyn_pol, pol;
		char desc[64];

		(void)lns_rad_parse_rate_limit(d, n, &s->rate_up, &s->rate_down);
		s->has_rate = true;
		s->dyn_pol = -1;
		if (s->rate_up == 0 && s->rate_down == 0) {
			s->has_rate = false;    /* 0/0: unlimited */
			if (s->started)
				(void)lns_tables_session_set_policy(x->ctl->dp->tbl, s->handle, -1);
			log_ev(x, LNS_EV_POLICY, s, "user=%s policy=none source=coa", s->user);
		} else if (s->started &&
			   (pol = lns_ctl_aaa_session_rate_policy(s, desc, sizeof(desc))) >= 0) {
			/* the workers reconfigure their meters from their next packet */
			(void)lns_tables_session_set_policy(x->ctl->dp->tbl, s->handle, pol);
			log_ev(x, LNS_EV_POLICY, s, "user=%s policy=%s source=coa", s->user, desc);
		}
		if (old >= 0)   /* after the switch: workers on the old slot finish first */
			lns_tables_policy_release(x->ctl->dp->tbl, old);
	} else if (lns_rad_find(v, LNS_RA_FILTER_ID, &d, &n)) {
		int pol;

		copy_str(s->filter_id, sizeof(s->filter_id), d, n);
		/* A Filter-Id that names a rate-limit policy switches the live session to
		 * it: the workers reconfigure their meters from their next packet. */
		pol = lns_conf_policy_find(x->ctl->dp->conf, s->filter_id);
		if (pol >= 0 && s->started) {
			lns_tables_session_set_policy(x->ctl->dp->tbl, s->handle, pol);
			log_ev(x, LNS_EV_POLICY, s, "user=%s policy=%s source=coa", s->user,
			       s->filter_id);
			if (s->dyn_pol >= 0) {  /* a named policy replaces the RADIUS rate */
				lns_tables_policy_release(x->ctl->dp->tbl, s->dyn_pol);
				s->dyn_pol = -1;
				s->has_rate = false;
			}
		}
	}
}

/*
 * A CoA's Filter-Id must name one of the running `policies:` (a removed one no
 * longer counts): otherwise the request cannot be honoured and, as a CoA is all
 * or nothing (RFC 5176 §3.3), nothing of it is applied; CoA-NAK with Error-Cause
 * Invalid-Attribute-Value (407, RFC 5176 §3.5: "an attribute with an unsupported
 * value"). Counted and an event.
 */
static bool
das_filter_known(struct lns_aaa *x, const struct lns_rad_view *v, const uint8_t *d, uint8_t n)
{
	char name[LNS_CONF_NAME_MAX], user[LNS_AUTH_USER_MAX + 1] = "";
	const uint8_t *ud;
	uint8_t un;

	copy_str(name, sizeof(name), d, n);
	if (n < sizeof(name) && lns_conf_policy_find(x->ctl->dp->conf, name) >= 0)
		return true;
	if (lns_rad_find(v, LNS_RA_USER_NAME, &ud, &un))
		copy_str(user, sizeof(user), ud, un);
	x->das[LNS_DAS_COA_UNKNOWN_POLICY]++;
	log_ev(x, LNS_EV_POLICY, NULL, "user=%s error=unknown-filter-id filter-id=\"%.40s\" "
	       "source=coa result=nak", user[0] ? user : "-", name);
	return false;
}

static void
das_answer(struct lns_aaa *x, const struct lns_das_client_conf *cl, uint32_t ci,
	   const struct lns_rad_view *v, const struct sockaddr_in *to, bool ack, int error)
{
	struct lns_rad_attrs a;
	uint8_t out[LNS_RAD_MAX_LEN];
	struct das_done *c;
	const uint8_t *d;
	size_t pos = 0;
	uint8_t t, n;
	uint8_t code = v->code == LNS_RAD_DISCONNECT_REQUEST ?
		       (ack ? LNS_RAD_DISCONNECT_ACK : LNS_RAD_DISCONNECT_NAK) :
		       (ack ? LNS_RAD_COA_ACK : LNS_RAD_COA_NAK);
	int len;

	lns_rad_attrs_init(&a);
	if (!ack)
		lns_rad_add_u32(&a, LNS_RA_ERROR_CAUSE, (uint32_t)error);
	while (lns_rad_next(v, &pos, &t, &d, &n))   /* RFC 5176 §3: Proxy-State echoed */
		if (t == LNS_RA_PROXY_STATE && n > 0)
			lns_rad_add(&a, LNS_RA_PROXY_STATE, d, n);
	len = lns_rad_build_response(out, code, v->id, v->auth, &a, true,
				     (const uint8_t *)cl->secret.value, cl->secret.len);
	if (len < 0)
		return;
	(void)sendto(x->das_fd, out, (size_t)len, MSG_DONTWAIT, (const struct sockaddr *)to,
		     sizeof(*to));
	if (v->code == LNS_RAD_DISCONNECT_REQUEST)
		x->das[ack ? LNS_DAS_DISCONNECT_ACKS : LNS_DAS_DISCONNECT_NAKS]++;
	else
		x->das[ack ? LNS_DAS_COA_ACKS : LNS_DAS_COA_NAKS]++;
	if ((size_t)len <= sizeof(c->resp)) {
		c = &x->das_cache[x->das_next++ % DAS_CACHE];
		c->client = ci;
		c->id = v->id;
		memcpy(c->auth, v->auth, 16);
		c->at_ms = lns_ctl_now_ms(x->ctl);
		c->len = (uint16_t)len;
		memcpy(c->resp, out, (size_t)len);
	}
}

static void
das_handle(struct lns_aaa *x, const uint8_t *b, size_t len, const struct sockaddr_in *from)
{
	const struct lns_radius_conf *rc = x->rc;
	const struct lns_das_client_conf *cl = NULL;
	struct lns_rad_view v;
	const uint8_t *d;
	uint32_t ci = 0, u, matched = 0;
	uint8_t n;
	bool coa;
	int err, n_ident = 0;

	x->das[LNS_DAS_REQUESTS]++;
	for (ci = 0; ci < rc->n_das_clients; ci++)
		if (rc->das_clients[ci].address == from->sin_addr.s_addr) {
			cl = &rc->das_clients[ci];
			break;
		}
	if (cl == NULL) {
		x->das[LNS_DAS_UNKNOWN_CLIENT]++;
		return;
	}
	if (lns_rad_parse(b, len, &v) != 0) {
		x->das[LNS_DAS_MALFORMED]++;
		return;
	}
	if (v.code != LNS_RAD_DISCONNECT_REQUEST && v.code != LNS_RAD_COA_REQUEST) {
		x->das[LNS_DAS_UNEXPECTED_CODE]++;
		return;
	}
	/* RFC 5176 §3.5: a bad authenticator is silently discarded; lnsd requires
	 * the Message-Authenticator too (RFC 5176 §3.4, BlastRADIUS) */
	if (v.msg_auth_off < 0) {
		x->das[LNS_DAS_NO_MSG_AUTH]++;
		return;
	}
	if (lns_rad_verify_request(&v, (const uint8_t *)cl->secret.value, cl->secret.len) != 0) {
		x->das[LNS_DAS_BAD_AUTHENTICATOR]++;
		return;
	}
	/* a retransmission of a request already answered: the same answer again */
	for (uint32_t i = 0; i < DAS_CACHE; i++) {
		const struct das_done *c = &x->das_cache[i];

		if (c->len > 0 && c->client == ci && c->id == v.id &&
		    memcmp(c->auth, v.auth, 16) == 0 &&
		    lns_ctl_now_ms(x->ctl) - c->at_ms < 30000) {
			x->das[LNS_DAS_DUPLICATE]++;
			(void)sendto(x->das_fd, c->resp, c->len, MSG_DONTWAIT,
				     (const struct sockaddr *)from, sizeof(*from));
			return;
		}
	}
	/* RFC 5176 §3.5: replay protection by Event-Timestamp */
	if (rc->das_window > 0 && lns_rad_get_u32(&v, LNS_RA_EVENT_TIMESTAMP, &u)) {
		int64_t off = (int64_t)time(NULL) - (int64_t)u;

		if (off > rc->das_window || -off > rc->das_window) {
			x->das[LNS_DAS_STALE]++;
			return;
		}
	}
	coa = v.code == LNS_RAD_COA_REQUEST;
	err = das_check_attrs(&v, coa);
	if (err == 0 && lns_rad_get_u32(&v, LNS_RA_NAS_IP_ADDRESS, &u) &&
	    rte_cpu_to_be_32(u) != x->nas_ip)
		err = 403;      /* NAS-Identification-Mismatch */
	if (err == 0 && lns_rad_find(&v, LNS_RA_NAS_IDENTIFIER, &d, &n) &&
	    (strlen(rc->nas_identifier) != n || memcmp(rc->nas_identifier, d, n) != 0))
		err = 403;
	if (err == 0 && coa && lns_rad_find(&v, LNS_RA_FILTER_ID, &d, &n) &&
	    !das_filter_known(x, &v, d, n))
		err = LNS_RAD_ERR_INVALID_ATTRIBUTE_VALUE;
	if (err == 0) {
		/* Management path: a walk over the live sessions per request */
		for (struct lns_aaa_sess *s = x->all, *nx; s != NULL; s = nx) {
			nx = s->next;
			if (s->stopped || !das_match(s, &v, &n_ident) || n_ident == 0)
				continue;
			matched++;
			if (coa) {
				das_apply_coa(s, &v);
			} else {
				lns_ctl_aaa_session_cause(s, LNS_RAD_TERM_ADMIN_RESET);
				lns_ctl_sub_close(x->ctl, s->handle, "radius-disconnect");
			}
		}
		if (n_ident == 0 && x->all != NULL)
			(void)das_match(x->all, &v, &n_ident);
		if (n_ident == 0)
			err = LNS_RAD_ERR_MISSING_ATTRIBUTE;
		else if (matched == 0)
			err = LNS_RAD_ERR_SESSION_NOT_FOUND;
	}
	log_ev(x, LNS_EV_ADMIN_CLEAR, NULL, "what=radius-%s sessions=%u result=%s error-cause=%d",
	       coa ? "coa" : "disconnect", matched, err == 0 ? "ack" : "nak", err);
	das_answer(x, cl, ci, &v, from, err == 0, err);
}

static void
das_poll(struct lns_aaa *x)
{
	uint8_t buf[LNS_RAD_MAX_LEN + 1];

	for (int i = 0; i < 32; i++) {
		struct sockaddr_in from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(x->das_fd, buf, sizeof(buf), MSG_DONTWAIT,
				     (struct sockaddr *)&from, &fl);

		if (n < 0)
			return;
		das_handle(x, buf, (size_t)n, &from);
	}
}

/* ----------------------------------------------------------- lifecycle --- */

static void
acct_onoff(struct lns_aaa *x, uint32_t status)
{
	struct lns_rad_attrs a;

	if (x->radc == NULL || !x->rc->accounting)
		return;
	/* RFC 2866 §5.1: Accounting-On/Off; Acct-Session-Id is required even here */
	lns_rad_attrs_init(&a);
	lns_rad_add_u32(&a, LNS_RA_ACCT_STATUS_TYPE, status);
	lns_rad_add_ip(&a, LNS_RA_NAS_IP_ADDRESS, x->nas_ip);
	lns_rad_add_str(&a, LNS_RA_NAS_IDENTIFIER, x->rc->nas_identifier);
	{
		char id[32];

		snprintf(id, sizeof(id), "%08X%04X%08X", x->boot, x->boot_rand, 0);
		lns_rad_add_str(&a, LNS_RA_ACCT_SESSION_ID, id);
	}
	if (status == LNS_RAD_ACCT_OFF)
		lns_rad_add_u32(&a, LNS_RA_ACCT_TERMINATE_CAUSE, LNS_RAD_TERM_ADMIN_REBOOT);
	lns_rad_add_u32(&a, LNS_RA_EVENT_TIMESTAMP, (uint32_t)time(NULL));
	/* Accounting-On as a barrier: after the previous run's spooled records,
	 * before this run's (and this run's Access-Requests wait for its answer) */
	if ((status == LNS_RAD_ACCT_ON ? lns_radc_acct_barrier(x->radc, &a, lns_ctl_now_ms(x->ctl)) :
	     lns_radc_acct(x->radc, &a, lns_ctl_now_ms(x->ctl))) < 0) {
		log_ev(x, LNS_EV_ACCT_DROPPED, NULL, "status=%u reason=queue-full", status);
		if (status == LNS_RAD_ACCT_ON)
			x->acct_on_acked = true;        /* never coming: do not hold auth */
	}
}

bool
lns_ctl_aaa_needed(const struct lns_conf *conf)
{
	bool limits = conf->l2tp.defaults.max_sessions_per_user > 0;

	/* per-session timeouts from the config live here too (RADIUS or not) */
	limits |= conf->l2tp.defaults.session_timeout > 0 ||
		  conf->l2tp.defaults.session_idle_timeout > 0;
	for (uint32_t i = 0; i < conf->ppp.n_users; i++)
		limits |= conf->ppp.users[i].session_timeout > 0 ||
			  conf->ppp.users[i].session_idle_timeout > 0;
	for (uint32_t i = 0; i < conf->l2tp.n_profiles; i++)
		limits |= conf->l2tp.profiles[i].max_sessions_per_user > 0 ||
			  conf->l2tp.profiles[i].session_timeout > 0 ||
			  conf->l2tp.profiles[i].session_idle_timeout > 0;
	return conf->radius.n_servers != 0 || conf->radius.n_das_clients != 0 || limits;
}

/* Does any destination profile (or the default) authenticate by RADIUS? */
static bool
aaa_by_radius(const struct lns_conf *conf)
{
	bool by_radius = conf->radius.authenticate ||
			 conf->l2tp.defaults.authentication == LNS_AUTHN_RADIUS;

	for (uint32_t i = 0; i < conf->l2tp.n_profiles; i++)
		by_radius |= conf->l2tp.profiles[i].authentication == LNS_AUTHN_RADIUS;
	return by_radius;
}

void
lns_ctl_aaa_set_conf(struct lns_ctl *ctl, const struct lns_conf *conf)
{
	struct lns_aaa *x = ctl->aaa;

	if (x == NULL)
		return;
	x->rc = &conf->radius;
	x->nas_ip = conf->radius.nas_ip_address != 0 ? conf->radius.nas_ip_address :
		    ctl->dp->port[LNS_PORT_ACCESS].addr;
	/* cached DAS answers were signed with the secrets of the old client list */
	memset(x->das_cache, 0, sizeof(x->das_cache));
	if (x->radc == NULL)
		return;
	/* No Accounting-On here, neither to a server the reload added nor when it
	 * turns radius.accounting on: Accounting-On says "this NAS restarted, its
	 * sessions are gone" (RFC 2866 §5.1), and a server that believes it closes
	 * this node's live records and frees their addresses (sqlippool), which it
	 * would then hand out again while the sessions still hold them. This run's
	 * Accounting-On went at start-up; servers share the node's records (they
	 * fail over to one another), so an added one needs none. Live sessions
	 * keep their accounting as their Start decided (lns_radc_acct_session()). */
	lns_radc_reconfigure(x->radc, &conf->radius, lns_ctl_now_ms(ctl));
	/* server indexes moved: report state changes from the new list on */
	for (uint32_t i = 0; i < lns_radc_server_count(x->radc); i++) {
		struct lns_radc_server_info si;

		lns_radc_server(x->radc, i, &si);
		x->dead_seen[i] = si.st == LNS_RADC_DEAD;
	}
}

unsigned int
lns_ctl_aaa_reload_check(const struct lns_ctl *ctl, const struct lns_conf *nc,
			 void (*note)(void *arg, const char *line), void *arg)
{
	const struct lns_aaa *x = ctl->aaa;
	unsigned int n = 0;

	/* what lns_ctl_aaa_init() makes only at start-up, when something needs it */
	if (x == NULL) {
		if (!lns_ctl_aaa_needed(nc))
			return 0;
		note(arg, "radius, l2tp max-sessions-per-user, session timeouts: lnsd started "
		     "without RADIUS or per-session limits (needs a restart)");
		return 1;
	}
	if (x->radc == NULL && nc->radius.n_servers > 0) {
		note(arg, "radius.servers: lnsd started without RADIUS servers (needs a restart)");
		n++;
	}
	if (!x->auth_installed && aaa_by_radius(nc)) {
		note(arg, "radius.authenticate, authentication: radius: lnsd started without RADIUS "
		     "authentication (needs a restart)");
		n++;
	}
	if (x->das_fd < 0 && nc->radius.n_das_clients > 0) {
		note(arg, "radius.das-clients: lnsd started without a CoA/Disconnect listener "
		     "(needs a restart)");
		n++;
	}
	return n;
}

const struct lns_authenticator *
lns_ctl_aaa_init(struct lns_ctl *ctl, const struct lns_authenticator *local, char *err,
		 size_t errlen)
{
	const struct lns_conf *conf = ctl->dp->conf;
	struct lns_aaa *x;

	bool by_radius = aaa_by_radius(conf);

	if (!lns_ctl_aaa_needed(conf))
		return local;
	x = calloc(1, sizeof(*x));
	if (x == NULL) {
		snprintf(err, errlen, "out of memory for the RADIUS client");
		return NULL;
	}
	x->ctl = ctl;
	x->rc = &conf->radius;
	x->local = local;
	x->boot = (uint32_t)time(NULL);
	if (getrandom(&x->boot_rand, sizeof(x->boot_rand), 0) != sizeof(x->boot_rand))
		x->boot_rand = (uint16_t)rte_rdtsc();
	x->nas_ip = conf->radius.nas_ip_address != 0 ? conf->radius.nas_ip_address :
		    ctl->dp->port[LNS_PORT_ACCESS].addr;
	x->das_fd = -1;
	x->users = calloc(USER_BUCKETS, sizeof(*x->users));
	if (x->users == NULL) {
		snprintf(err, errlen, "out of memory for the per-user session counts");
		free(x);
		return NULL;
	}
	if (conf->radius.n_servers > 0) {
		x->radc = lns_radc_create(&conf->radius, ctl->timers, lns_ctl_now_ms(ctl), err,
					  errlen);
		if (x->radc == NULL) {
			free(x->users);
			free(x);
			return NULL;
		}
	}
	if (conf->radius.n_das_clients > 0 && das_open(x, err, errlen) < 0) {
		lns_radc_free(x->radc);
		free(x->users);
		free(x);
		return NULL;
	}
	x->a.start = radius_start;
	x->a.cancel = radius_cancel;
	x->a.arg = x;
	ctl->aaa = x;
	acct_onoff(x, LNS_RAD_ACCT_ON);
	(void)auth_gate_closed(x);
	rte_log(RTE_LOG_NOTICE, lns_logtype_ctl, "lnsd: event=radius servers=%u authenticate=%s "
		"accounting=%s local-fallback=%s spool=%s replayed=%u das-port=%u\n",
		conf->radius.n_servers, conf->radius.authenticate ? "yes" : "no",
		conf->radius.accounting ? "yes" : "no",
		conf->radius.local_fallback ? "yes" : "no",
		conf->radius.spool[0] ? conf->radius.spool : "-",
		x->radc != NULL ? lns_radc_acct_pending(x->radc) : 0,
		x->das_fd >= 0 ? conf->radius.das_port : 0);
	/* RADIUS's authenticator hands the sessions of "local" profiles to `local` */
	x->auth_installed = by_radius && x->radc != NULL;
	return x->auth_installed ? &x->a : local;
}

void
lns_ctl_aaa_poll(struct lns_ctl *ctl)
{
	struct lns_aaa *x = aaa_of(ctl);

	if (x == NULL)
		return;
	if (x->das_fd >= 0)
		das_poll(x);
	if (x->radc == NULL)
		return;
	lns_radc_poll(x->radc, lns_ctl_now_ms(ctl));
	if (x->n_held > 0)
		held_poll(x);
	/* servers going dead / coming back are events (cheap: a few servers) */
	for (uint32_t i = 0; i < lns_radc_server_count(x->radc); i++) {
		struct lns_radc_server_info si;
		char dead, a[16];

		lns_radc_server(x->radc, i, &si);
		dead = si.st == LNS_RADC_DEAD;
		if (dead != x->dead_seen[i]) {
			x->dead_seen[i] = dead;
			log_ev(x, LNS_EV_RADIUS_SERVER, NULL, "server=%s state=%s",
			       ip_str(si.addr, a), si.state);
		}
	}
}

void
lns_ctl_aaa_shutdown(struct lns_ctl *ctl)
{
	struct lns_aaa *x = aaa_of(ctl);
	uint64_t t0, now;

	if (x == NULL)
		return;
	/* a clean stop: every live session's Stop, then Accounting-Off (RFC 2866) */
	for (struct lns_aaa_sess *s = x->all; s != NULL; s = s->next) {
		lns_ctl_aaa_session_cause(s, LNS_RAD_TERM_ADMIN_REBOOT);
		sess_stop(s);
	}
	acct_onoff(x, LNS_RAD_ACCT_OFF);
	if (x->radc == NULL)
		return;
	/* give the servers a moment; what is left stays in the spool for next time */
	t0 = lns_ctl_now_ms(ctl);
	now = t0;
	while (lns_radc_acct_pending(x->radc) > 0 && now - t0 < 2000) {
		lns_radc_poll(x->radc, now);
		lns_timers_run(ctl->timers, now);
		rte_delay_us_sleep(1000);
		now = lns_ctl_now_ms(ctl);
	}
	if (lns_radc_acct_pending(x->radc) > 0)
		rte_log(RTE_LOG_WARNING, lns_logtype_ctl, "lnsd: event=radius-accounting-pending records=%u %s\n",
			lns_radc_acct_pending(x->radc),
			x->rc->spool[0] ? "kept in the spool" : "LOST: no radius.spool configured");
}

void
lns_ctl_aaa_fini(struct lns_ctl *ctl)
{
	struct lns_aaa *x = aaa_of(ctl);

	if (x == NULL)
		return;
	while (x->all != NULL) {
		struct lns_aaa_sess *s = x->all;

		s->started = false;     /* no Stop from here: shutdown sent them */
		lns_ctl_aaa_session_end(s);
	}
	lns_radc_free(x->radc);
	if (x->das_fd >= 0)
		close(x->das_fd);
	free(x->users);         /* the chains went with their sessions */
	free(x);
	ctl->aaa = NULL;
}

int
lns_ctl_aaa_snap(const struct lns_ctl *ctl, struct lns_radius_snap *o)
{
	const struct lns_aaa *x = ctl->aaa;

	memset(o, 0, sizeof(*o));
	if (x == NULL)
		return -ENOENT;
	RTE_BUILD_BUG_ON(LNS_DAS_STAT_MAX > RTE_DIM(o->das));
	memcpy(o->das, x->das, sizeof(x->das));
	o->das_port = x->das_fd >= 0 ? x->rc->das_port : 0;
	o->auth_fallbacks = x->fallbacks;
	if (x->radc == NULL)
		return 0;
	o->n_servers = lns_radc_server_count(x->radc);
	for (uint32_t i = 0; i < o->n_servers && i < LNS_CONF_MAX_RADIUS_SERVERS; i++) {
		struct lns_radc_server_info si;

		lns_radc_server(x->radc, i, &si);
		o->srv[i].addr = si.addr;
		o->srv[i].auth_port = si.auth_port;
		o->srv[i].acct_port = si.acct_port;
		o->srv[i].st = (uint8_t)si.st;
		snprintf(o->srv[i].state, sizeof(o->srv[i].state), "%s", si.state);
		o->srv[i].rtt_ms = si.rtt_ms;
		o->srv[i].requests = si.requests;
		o->srv[i].responses = si.responses;
		o->srv[i].timeouts = si.timeouts;
		o->srv[i].retransmits = si.retransmits;
	}
	lns_radc_counters(x->radc, o->ctr);
	RTE_BUILD_BUG_ON(LNS_RADC_STAT_MAX > RTE_DIM(o->ctr) ||
			 LNS_CONF_MAX_RADIUS_SERVERS > RTE_DIM(o->srv));
	o->n_ctr = LNS_RADC_STAT_MAX;
	o->acct_pending = lns_radc_acct_pending(x->radc);
	o->spool_depth = lns_radc_spool_depth(x->radc);
	o->auth_fallbacks = x->fallbacks;
	o->filter_id_unknown = x->filter_unknown;
	o->rate_limit_bad = x->bad_rate;
	o->rate_limit_no_slot = x->rate_no_slot;
	o->auth_held = x->held_total;
	o->accounting_on = !auth_gate_closed((struct lns_aaa *)x);
	return 0;
}
