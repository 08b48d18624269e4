/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * l2tp_storm: many LACs and PPP clients at once over plain L2TP (RFC 2661 over
 * UDP 1701, no IPsec), to measure how many subscribers per second an LNS brings up
 * and tears down.
 *
 *   l2tp_storm -s LNS_ADDR [-n SESSIONS] [-k SESSIONS_PER_TUNNEL] [-w WINDOW]
 *              [-S SOCKETS] [-b LOCAL_ADDR[,LOCAL_ADDR...]] [-u USER] [-p PASSWORD]
 *              [-H HELLO_MS] [-t TIMEOUT_S] [-q] [-P LNSD_PID]
 *
 * Phase 1 (setup storm): N sessions are brought up, at most WINDOW of them in
 * flight at once, each as: SCCRQ / SCCRP / SCCCN (once per tunnel), ICRQ / ICRP /
 * ICCN, LCP both ways, PAP or CHAP-MD5 (whatever the LNS asks for), IPCP both ways
 * (we take the address the LNS Naks us). A session counts as set up when both
 * IPCP directions are acked. Phase 2 (teardown storm): every session sends CDN,
 * every tunnel then StopCCN, WINDOW at a time; a teardown counts when the LNS has
 * acknowledged the StopCCN (for k > 1 sessions per tunnel, k teardowns at once).
 *
 * During phase 1 a separate thread keeps one tunnel, brought up before the storm,
 * and sends it a HELLO every HELLO_MS; the time to the LNS's acknowledgement is
 * the control-loop latency an established tunnel sees during the storm.
 *
 * Control messages are reliable (RFC 2661 §5.8): Ns/Nr, a ZLB ack for every
 * message the LNS sends, retransmission from 1 s doubling to 8 s, 5 tries. PPP
 * Configure-Request and PAP Authenticate-Request restart after 1 s, 10 tries.
 * Everything runs from one non-blocking epoll loop over SOCKETS UDP sockets
 * (distinct source ports, optionally spread over several local addresses); our
 * tunnel ids are per socket, so 100k tunnels fit in 16-bit ids.
 *
 * Output, one `key=value` line per result, for tests/bench/setup-rate.sh:
 *   setup sessions=N up=N failed=N secs=S rate=R retransmits=N ctl_cpu_us=U ctl_cpu_rate=C
 *   teardown sessions=N done=N failed=N secs=S rate=R retransmits=N ctl_cpu_us=U ctl_cpu_rate=C
 * With -P LNSD_PID, ctl_cpu_us is the CPU time lnsd's control thread ran per
 * session in that phase (from /proc schedstat: it sleeps when idle), and
 * ctl_cpu_rate = 1 / that: the rate one dedicated control core would allow. On a
 * shared machine it is the steadier figure; the wall-clock rate is also printed.
 *   hello samples=N lost=N p50_ms=X p99_ms=X max_ms=X
 * Exit status: 0 when every session came up and went down, 1 otherwise, 2 usage.
 *
 * Written from RFC 2661, RFC 1661, RFC 1332, RFC 1334 and RFC 1994; it shares no
 * code with lib/l2tp or lib/ppp, so a misreading there is not mirrored here.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* RFC 2661 §3.1 header bits, §3.2 message types, §4.4 AVPs */
#define F_T 0x8000
#define F_L 0x4000
#define F_S 0x0800
#define F_O 0x0200
#define CTRL_FLAGS (F_T | F_L | F_S | 2)
enum { SCCRQ = 1, SCCRP = 2, SCCCN = 3, STOPCCN = 4, HELLO = 6, ICRQ = 10, ICRP = 11,
       ICCN = 12, CDN = 14 };
enum { A_MSG = 0, A_RESULT = 1, A_PROTO = 2, A_FRAMING_CAP = 3, A_HOST = 7, A_TID = 9,
       A_RWS = 10, A_SID = 14, A_SERIAL = 15, A_FRAMING = 19, A_SPEED = 24 };

/* PPP (RFC 1661 §5, RFC 1332, RFC 1334 §2.2, RFC 1994 §4) */
#define P_LCP 0xc021
#define P_PAP 0xc023
#define P_CHAP 0xc223
#define P_IPCP 0x8021
enum { CONFREQ = 1, CONFACK, CONFNAK, CONFREJ, TERMREQ, TERMACK, CODEREJ, PROTREJ,
       ECHOREQ, ECHOREP };
enum { O_MRU = 1, O_AUTH = 3, O_MAGIC = 5, O_IPADDR = 3 };

#define RTO_FIRST_NS 1000000000ull
#define RTO_MAX_NS 8000000000ull
#define CTRL_TRIES 5
#define PPP_RESTART_NS 1000000000ull
#define PPP_TRIES 10
#define OUR_RWS 8          /* what we tell the LNS it may have in flight */
#define MSG_MAX 160
#define SCAN_NS 20000000ull

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* wrap-safe a < b in 16-bit sequence space (RFC 2661 §5.8) */
static bool
seq_lt(uint16_t a, uint16_t b)
{
	return (int16_t)(a - b) < 0;
}

/* ------------------------------------------------------------ messages --- */

struct msg {
	uint8_t b[MSG_MAX];
	size_t len;
};

static void
msg_begin(struct msg *m, uint16_t tid, uint16_t sid, uint16_t type)
{
	put16(m->b, CTRL_FLAGS);
	put16(m->b + 4, tid);
	put16(m->b + 6, sid);
	m->len = 12;
	if (type != 0) { /* 0: a ZLB (no AVPs, §5.8) */
		put16(m->b + 12, 0x8000 | 8);
		put16(m->b + 14, 0);
		put16(m->b + 16, A_MSG);
		put16(m->b + 18, type);
		m->len = 20;
	}
}

static void
avp(struct msg *m, uint16_t attr, const void *v, size_t n)
{
	put16(m->b + m->len, (uint16_t)(0x8000 | (6 + n)));
	put16(m->b + m->len + 2, 0);
	put16(m->b + m->len + 4, attr);
	memcpy(m->b + m->len + 6, v, n);
	m->len += 6 + n;
}

static void
avp16(struct msg *m, uint16_t attr, uint16_t v)
{
	uint8_t b[2];

	put16(b, v);
	avp(m, attr, b, 2);
}

static void
avp32(struct msg *m, uint16_t attr, uint32_t v)
{
	uint8_t b[4];

	put16(b, (uint16_t)(v >> 16));
	put16(b + 2, (uint16_t)v);
	avp(m, attr, b, 4);
}


/* CPU time (ns) the LNS's thread TID of process PID has run, from schedstat; 0
 * when unknown. The control lcore is lnsd's main thread (TID = PID). */
static int lns_pid;

static uint64_t
lns_cpu_ns(void)
{
	char path[64];
	unsigned long long ns = 0;
	FILE *f;

	if (lns_pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/task/%d/schedstat", lns_pid, lns_pid);
	f = fopen(path, "r");
	if (f == NULL)
		return 0;
	if (fscanf(f, "%llu", &ns) != 1)
		ns = 0;
	fclose(f);
	return ns;
}

/* ------------------------------------------------------------- objects --- */

enum tstate { T_IDLE, T_WAIT_SCCRP, T_EST, T_CLOSING, T_CLOSED, T_FAILED };
enum sstate { S_IDLE, S_WAIT_ICRP, S_PPP, S_UP, S_CLOSING, S_DOWN, S_FAILED };

struct tunnel {
	uint16_t my_tid, peer_tid;
	uint16_t ns, nr;         /* our next Ns; the next Ns we expect */
	uint8_t state;
	uint8_t tries;
	uint8_t pad;
	uint8_t sock;
	uint32_t first_sess, n_sess, sess_open;
	uint64_t rto, deadline;   /* retransmission of the oldest unacked message */
	int32_t active_pos;
	/* our control messages not yet acknowledged, oldest first; the first
	 * n_sent are on the wire, the rest wait for the LNS's receive window
	 * (peer_rws, RFC 2661 §5.8; 4 when its SCCRP has no RWS AVP) */
	uint16_t n_unacked, n_sent, cap, peer_rws;
	struct msg *unacked;
};

struct session {
	uint32_t tunnel;
	uint16_t my_sid, peer_sid;
	uint8_t state;
	uint8_t lcp_ours_acked, lcp_theirs_acked, auth_done, ipcp_ours_acked,
		ipcp_theirs_acked, auth_proto_chap;
	uint8_t lcp_id, pap_id, ipcp_id, tries;
	uint32_t magic, addr;
	uint64_t deadline;
	int32_t active_pos;
};

static struct tunnel *tun;
static struct session *sess;
static uint32_t n_tun, n_sess, per_tunnel = 1;
static int *socks;
static unsigned int n_socks = 16;
static struct sockaddr_in lns_addr;
static const char *user = "bench", *password = "benchpass";
static bool quiet;

/* in-flight objects, the only ones with timers: scanned every SCAN_NS */
static uint32_t *active; /* tunnel i as i, session i as n_tun + i */
static uint32_t n_active;

static uint64_t stat_retx, stat_rx_bad, stat_unexpected;
/* PPP restarts by what was resent; idle: the timer ran out waiting for the LNS */
static uint64_t rst_lcp, rst_pap, rst_ipcp, rst_idle;
static uint32_t sess_up, sess_failed, sess_down, tun_closed, tun_failed, in_flight;

static void
active_add(uint32_t obj, int32_t *pos)
{
	if (*pos >= 0)
		return;
	*pos = (int32_t)n_active;
	active[n_active++] = obj;
}

static int32_t *
obj_pos(uint32_t obj)
{
	return obj < n_tun ? &tun[obj].active_pos : &sess[obj - n_tun].active_pos;
}

static void
active_del(int32_t *pos)
{
	uint32_t last;

	if (*pos < 0)
		return;
	last = active[--n_active];
	active[*pos] = last;
	*obj_pos(last) = *pos;
	*pos = -1;
}

/* -------------------------------------------------------- control send --- */

static void
tx(unsigned int sock, const void *b, size_t n)
{
	/* a full socket buffer loses the message: retransmission covers control,
	 * PPP restarts cover the rest, as on a real network */
	(void)sendto(socks[sock], b, n, MSG_DONTWAIT, (const struct sockaddr *)&lns_addr,
		     sizeof(lns_addr));
}

static void
ctrl_send(uint32_t ti, struct msg *m)
{
	struct tunnel *t = &tun[ti];

	put16(m->b + 2, (uint16_t)m->len);
	put16(m->b + 8, t->ns);
	put16(m->b + 10, t->nr);
	if (m->len > 12) { /* a ZLB is not sequenced and not kept */
		if (t->n_unacked == t->cap) {
			uint16_t cap = t->cap ? (uint16_t)(t->cap * 2) : 4;
			struct msg *u = cap > t->cap ? realloc(t->unacked, sizeof(*u) * cap) : NULL;

			if (u == NULL) {
				stat_unexpected++;
				return;
			}
			t->unacked = u;
			t->cap = cap;
		}
		t->unacked[t->n_unacked++] = *m;
		if (t->n_unacked == 1) {
			t->rto = RTO_FIRST_NS;
			t->tries = 0;
			t->deadline = now_ns() + t->rto;
		}
		t->ns++;
		active_add(ti, &t->active_pos);
		if (t->n_sent >= (t->peer_rws ? t->peer_rws : 4) || t->n_sent + 1 != t->n_unacked)
			return; /* waits for the window (sent by acked_upto) */
		t->n_sent++;
	}
	tx(t->sock, m->b, m->len);
}

static void
zlb(uint32_t ti)
{
	struct msg m;

	msg_begin(&m, tun[ti].peer_tid, 0, 0);
	ctrl_send(ti, &m);
}

static void
ppp_send(struct session *s, uint16_t proto, uint8_t code, uint8_t id, const uint8_t *d,
	 size_t n)
{
	uint8_t b[MSG_MAX];
	const struct tunnel *t = &tun[s->tunnel];

	put16(b, 2); /* data message, no L/S/O */
	put16(b + 2, t->peer_tid);
	put16(b + 4, s->peer_sid);
	b[6] = 0xff;
	b[7] = 0x03;
	put16(b + 8, proto);
	b[10] = code;
	b[11] = id;
	put16(b + 12, (uint16_t)(4 + n));
	if (n)
		memcpy(b + 14, d, n);
	tx(t->sock, b, 14 + n);
}

/* ------------------------------------------------------------- phases --- */

static void session_fail(uint32_t si);

static void
tunnel_start(uint32_t ti)
{
	struct tunnel *t = &tun[ti];
	struct msg m;
	static const uint8_t host[] = "storm-lac";

	t->state = T_WAIT_SCCRP;
	msg_begin(&m, 0, 0, SCCRQ);
	avp16(&m, A_PROTO, 0x0100);
	avp(&m, A_HOST, host, sizeof(host) - 1);
	avp32(&m, A_FRAMING_CAP, 3);
	avp16(&m, A_TID, t->my_tid);
	avp16(&m, A_RWS, OUR_RWS);
	ctrl_send(ti, &m);
}

static void
session_start(uint32_t si)
{
	struct session *s = &sess[si];
	struct msg m;

	s->state = S_WAIT_ICRP;
	msg_begin(&m, tun[s->tunnel].peer_tid, 0, ICRQ);
	avp16(&m, A_SID, s->my_sid);
	avp32(&m, A_SERIAL, si);
	ctrl_send(s->tunnel, &m);
}

static void
lcp_confreq(struct session *s)
{
	uint8_t o[6] = { O_MAGIC, 6 };

	o[2] = (uint8_t)(s->magic >> 24);
	o[3] = (uint8_t)(s->magic >> 16);
	o[4] = (uint8_t)(s->magic >> 8);
	o[5] = (uint8_t)s->magic;
	ppp_send(s, P_LCP, CONFREQ, ++s->lcp_id, o, sizeof(o));
}

static void
ipcp_confreq(struct session *s)
{
	uint8_t o[6] = { O_IPADDR, 6 };

	memcpy(o + 2, &s->addr, 4);
	ppp_send(s, P_IPCP, CONFREQ, ++s->ipcp_id, o, sizeof(o));
}

static void
pap_req(struct session *s)
{
	uint8_t b[128];
	size_t ul = strlen(user), pl = strlen(password);

	b[0] = (uint8_t)ul;
	memcpy(b + 1, user, ul);
	b[1 + ul] = (uint8_t)pl;
	memcpy(b + 2 + ul, password, pl);
	ppp_send(s, P_PAP, 1, ++s->pap_id, b, 2 + ul + pl);
}

static void
ppp_arm(uint32_t si)
{
	struct session *s = &sess[si];

	s->deadline = now_ns() + PPP_RESTART_NS;
	active_add(n_tun + si, &s->active_pos);
}

static void
session_up(uint32_t si)
{
	struct session *s = &sess[si];

	s->state = S_UP;
	active_del(&s->active_pos);
	sess_up++;
	in_flight--;
}

/* after each step: start what comes next in the PPP sequence */
static void
ppp_progress(uint32_t si)
{
	struct session *s = &sess[si];

	if (s->state != S_PPP)
		return;
	if (s->lcp_ours_acked && s->lcp_theirs_acked && s->auth_done && s->ipcp_id == 0) {
		ipcp_confreq(s);
		ppp_arm(si);
	}
	if (s->ipcp_ours_acked && s->ipcp_theirs_acked && s->auth_done)
		session_up(si);
}

static void
ppp_timer(uint32_t si)
{
	struct session *s = &sess[si];

	if (++s->tries > PPP_TRIES) {
		session_fail(si);
		return;
	}
	if (!s->lcp_ours_acked) {
		lcp_confreq(s);
		rst_lcp++;
	} else if (!s->auth_done && !s->auth_proto_chap && s->pap_id) {
		pap_req(s);
		rst_pap++;
	} else if (s->auth_done && !s->ipcp_ours_acked) {
		ipcp_confreq(s);
		rst_ipcp++;
	} else {
		rst_idle++;
	}
	ppp_arm(si);
}

/* the LNS's LCP Configure-Request: ack what we can do, else Nak/Reject */
static void
lcp_their_req(uint32_t si, uint8_t id, const uint8_t *o, size_t n)
{
	struct session *s = &sess[si];
	size_t off = 0;
	uint8_t rej[MSG_MAX];
	size_t rl = 0;

	while (off + 2 <= n) {
		uint8_t type = o[off], len = o[off + 1];

		if (len < 2 || off + len > n)
			return; /* malformed: ignore, it will come again */
		if (type == O_AUTH && len >= 4) {
			uint16_t p = get16(o + off + 2);

			if (p == P_CHAP && !(len == 5 && o[off + 4] == 5)) {
				/* CHAP other than MD5: Nak with PAP (RFC 1661 §5.3) */
				uint8_t nak[4] = { O_AUTH, 4, 0xc0, 0x23 };

				ppp_send(s, P_LCP, CONFNAK, id, nak, 4);
				return;
			}
			s->auth_proto_chap = p == P_CHAP;
		} else if (type != O_MRU && type != O_MAGIC && type != 2 /* ACCM */ &&
			   type != 7 && type != 8) {
			memcpy(rej + rl, o + off, len);
			rl += len;
		}
		off += len;
	}
	if (rl) {
		ppp_send(s, P_LCP, CONFREJ, id, rej, rl);
		return;
	}
	ppp_send(s, P_LCP, CONFACK, id, o, n);
	s->lcp_theirs_acked = 1;
}

static void
md5(const uint8_t *a, size_t an, const uint8_t *b, size_t bn, const uint8_t *c, size_t cn,
    uint8_t out[16])
{
	EVP_MD_CTX *x = EVP_MD_CTX_new();
	unsigned int ol = 16;

	EVP_DigestInit_ex(x, EVP_md5(), NULL);
	EVP_DigestUpdate(x, a, an);
	EVP_DigestUpdate(x, b, bn);
	EVP_DigestUpdate(x, c, cn);
	EVP_DigestFinal_ex(x, out, &ol);
	EVP_MD_CTX_free(x);
}

static void
ppp_input(uint32_t si, const uint8_t *p, size_t n)
{
	struct session *s = &sess[si];
	uint16_t proto;
	uint8_t code, id;
	size_t len;
	const uint8_t *d;

	if (s->state != S_PPP && s->state != S_UP)
		return;
	if (n >= 2 && p[0] == 0xff && p[1] == 0x03) {
		p += 2;
		n -= 2;
	}
	if (n < 1)
		goto bad;
	if (p[0] & 1) { /* PFC (RFC 1661 §6.5) */
		proto = p[0];
		p++;
		n--;
	} else {
		if (n < 2)
			goto bad;
		proto = get16(p);
		p += 2;
		n -= 2;
	}
	if (n < 4)
		goto bad;
	code = p[0];
	id = p[1];
	len = get16(p + 2);
	if (len < 4 || len > n)
		goto bad;
	d = p + 4;
	len -= 4;
	switch (proto) {
	case P_LCP:
		if (code == CONFREQ)
			lcp_their_req(si, id, d, len);
		else if (code == CONFACK && id == s->lcp_id && !s->lcp_ours_acked) {
			s->lcp_ours_acked = 1;
			s->tries = 0;
		} else if ((code == CONFNAK || code == CONFREJ) && id == s->lcp_id) {
			lcp_confreq(s); /* we only ask for a magic number */
		} else if (code == ECHOREQ && len >= 4) {
			uint8_t m[4];

			m[0] = (uint8_t)(s->magic >> 24);
			m[1] = (uint8_t)(s->magic >> 16);
			m[2] = (uint8_t)(s->magic >> 8);
			m[3] = (uint8_t)s->magic;
			ppp_send(s, P_LCP, ECHOREP, id, m, 4);
		} else if (code == TERMREQ) {
			ppp_send(s, P_LCP, TERMACK, id, NULL, 0);
		}
		/* both LCP directions up: authenticate (PAP is ours to start) */
		if (s->lcp_ours_acked && s->lcp_theirs_acked && !s->auth_done &&
		    !s->auth_proto_chap && s->pap_id == 0) {
			pap_req(s);
			ppp_arm(si);
		}
		break;
	case P_PAP:
		if (code == 2 && id == s->pap_id) {
			s->auth_done = 1;
			s->tries = 0;
		} else if (code == 3) {
			session_fail(si);
			return;
		}
		break;
	case P_CHAP:
		if (code == 1 && len >= 1 && (size_t)d[0] + 1 <= len) {
			uint8_t r[1 + 16 + 64], h[16];
			size_t ul = strlen(user);
			uint8_t cid = id;

			md5(&cid, 1, (const uint8_t *)password, strlen(password), d + 1, d[0], h);
			r[0] = 16;
			memcpy(r + 1, h, 16);
			memcpy(r + 17, user, ul);
			ppp_send(s, P_CHAP, 2, id, r, 17 + ul);
		} else if (code == 3) {
			s->auth_done = 1;
			s->tries = 0;
		} else if (code == 4) {
			session_fail(si);
			return;
		}
		break;
	case P_IPCP:
		if (code == CONFREQ) {
			ppp_send(s, P_IPCP, CONFACK, id, d, len);
			s->ipcp_theirs_acked = 1;
		} else if (code == CONFNAK && id == s->ipcp_id) {
			if (len >= 6 && d[0] == O_IPADDR && d[1] == 6)
				memcpy(&s->addr, d + 2, 4);
			ipcp_confreq(s);
		} else if (code == CONFACK && id == s->ipcp_id) {
			s->ipcp_ours_acked = 1;
		}
		break;
	default:
		break;
	}
	ppp_progress(si);
	return;
bad:
	stat_rx_bad++;
}

static void
session_fail(uint32_t si)
{
	struct session *s = &sess[si];

	if (s->state == S_FAILED || s->state == S_DOWN)
		return;
	/* a closing session is the tunnel's to count (its StopCCN) */
	if (s->state != S_UP && s->state != S_CLOSING)
		in_flight--;
	s->state = S_FAILED;
	active_del(&s->active_pos);
	sess_failed++;
	if (!quiet && sess_failed <= 5)
		fprintf(stderr, "l2tp_storm: session %u failed\n", si);
}

static void
tunnel_fail(uint32_t ti)
{
	struct tunnel *t = &tun[ti];

	if (t->state == T_FAILED || t->state == T_CLOSED)
		return;
	if (t->state == T_CLOSING) {
		in_flight -= t->sess_open;
		t->sess_open = 0;
	}
	for (uint32_t i = 0; i < t->n_sess; i++)
		session_fail(t->first_sess + i);
	t->state = T_FAILED;
	t->n_unacked = t->n_sent = 0;
	active_del(&t->active_pos);
	tun_failed++;
}

/* a control message of ours was acknowledged */
static void
acked_upto(uint32_t ti, uint16_t nr)
{
	struct tunnel *t = &tun[ti];
	unsigned int k = 0;

	while (k < t->n_sent && seq_lt(get16(t->unacked[k].b + 8), nr))
		k++;
	if (k == 0)
		return;
	memmove(t->unacked, t->unacked + k, sizeof(*t->unacked) * (t->n_unacked - k));
	t->n_unacked = (uint16_t)(t->n_unacked - k);
	t->n_sent = (uint16_t)(t->n_sent - k);
	/* the window opened: send what waited, with the current Nr */
	while (t->n_sent < t->n_unacked && t->n_sent < (t->peer_rws ? t->peer_rws : 4)) {
		struct msg *q = &t->unacked[t->n_sent++];

		put16(q->b + 10, t->nr);
		tx(t->sock, q->b, q->len);
	}
	t->rto = RTO_FIRST_NS;
	t->tries = 0;
	t->deadline = now_ns() + t->rto;
	if (t->n_unacked == 0) {
		active_del(&t->active_pos);
		if (t->state == T_CLOSING) { /* our StopCCN is acked */
			t->state = T_CLOSED;
			tun_closed++;
			for (uint32_t i = 0; i < t->n_sess; i++) {
				struct session *s = &sess[t->first_sess + i];

				if (s->state == S_CLOSING) {
					s->state = S_DOWN;
					sess_down++;
				}
			}
			in_flight -= t->sess_open;
			t->sess_open = 0;
		}
	}
}

static void
tunnel_timer(uint32_t ti)
{
	struct tunnel *t = &tun[ti];

	if (t->n_unacked == 0) {
		active_del(&t->active_pos);
		return;
	}
	if (++t->tries > CTRL_TRIES) {
		tunnel_fail(ti);
		return;
	}
	for (unsigned int i = 0; i < t->n_sent; i++) {
		put16(t->unacked[i].b + 10, t->nr);
		tx(t->sock, t->unacked[i].b, t->unacked[i].len);
		stat_retx++;
	}
	t->rto = t->rto * 2 > RTO_MAX_NS ? RTO_MAX_NS : t->rto * 2;
	t->deadline = now_ns() + t->rto;
}

/* look for AVP attr (vendor 0, not hidden) in a control message body */
static const uint8_t *
avp_find(const uint8_t *b, size_t n, uint16_t attr, size_t *len)
{
	size_t off = 0;

	while (off + 6 <= n) {
		size_t l = get16(b + off) & 0x3ff;

		if (l < 6 || off + l > n)
			return NULL;
		if (get16(b + off + 2) == 0 && get16(b + off + 4) == attr) {
			*len = l - 6;
			return b + off + 6;
		}
		off += l;
	}
	return NULL;
}

static void
ctrl_input(uint32_t ti, const uint8_t *b, size_t n, uint16_t sid)
{
	struct tunnel *t = &tun[ti];
	uint16_t ns = get16(b + 8), nr = get16(b + 10), type;
	const uint8_t *v;
	size_t vl;
	struct msg m;

	acked_upto(ti, nr);
	if (n == 12)
		return; /* ZLB */
	if (seq_lt(ns, t->nr)) { /* a duplicate: our ack was lost (§5.8) */
		zlb(ti);
		return;
	}
	if (ns != t->nr)
		return; /* out of order: dropped, the LNS retransmits */
	t->nr++;
	v = avp_find(b + 12, n - 12, A_MSG, &vl);
	if (v == NULL || vl != 2) {
		stat_rx_bad++;
		zlb(ti);
		return;
	}
	type = get16(v);
	switch (type) {
	case SCCRP:
		v = avp_find(b + 12, n - 12, A_TID, &vl);
		if (t->state != T_WAIT_SCCRP || v == NULL || vl != 2) {
			stat_unexpected++;
			zlb(ti);
			return;
		}
		t->peer_tid = get16(v);
		v = avp_find(b + 12, n - 12, A_RWS, &vl);
		t->peer_rws = v && vl == 2 && get16(v) > 0 ? get16(v) : 4;
		t->state = T_EST;
		msg_begin(&m, t->peer_tid, 0, SCCCN);
		ctrl_send(ti, &m);
		for (uint32_t i = 0; i < t->n_sess; i++)
			session_start(t->first_sess + i);
		return;
	case ICRP: {
		uint32_t si;
		struct session *s;

		v = avp_find(b + 12, n - 12, A_SID, &vl);
		if (sid == 0 || sid > t->n_sess || v == NULL || vl != 2) {
			stat_unexpected++;
			zlb(ti);
			return;
		}
		si = t->first_sess + sid - 1;
		s = &sess[si];
		if (s->state != S_WAIT_ICRP) {
			zlb(ti);
			return;
		}
		s->peer_sid = get16(v);
		msg_begin(&m, t->peer_tid, s->peer_sid, ICCN);
		avp32(&m, A_SPEED, 100000000);
		avp32(&m, A_FRAMING, 3);
		ctrl_send(ti, &m);
		s->state = S_PPP;
		lcp_confreq(s);
		ppp_arm(si);
		return;
	}
	case CDN:
		zlb(ti);
		if (sid >= 1 && sid <= t->n_sess)
			session_fail(t->first_sess + sid - 1);
		return;
	case STOPCCN:
		zlb(ti);
		if (t->state != T_CLOSING)
			tunnel_fail(ti);
		return;
	default: /* HELLO and anything else: acknowledged */
		zlb(ti);
		return;
	}
}

static void
rx_packet(unsigned int sock, const uint8_t *b, size_t n)
{
	uint16_t flags, tid, sid, len;
	size_t off = 2;
	uint32_t ti;

	if (n < 6)
		goto bad;
	flags = get16(b);
	if ((flags & 0xf) != 2)
		goto bad;
	if (flags & F_L) {
		if (n < off + 2)
			goto bad;
		len = get16(b + off);
		if (len > n || len < 6)
			goto bad;
		n = len;
		off += 2;
	}
	if (n < off + 4)
		goto bad;
	tid = get16(b + off);
	sid = get16(b + off + 2);
	off += 4;
	if (tid == 0)
		goto bad;
	ti = (uint32_t)(tid - 1) * n_socks + sock;
	if (ti >= n_tun)
		goto bad;
	if (flags & F_T) {
		if (!(flags & F_L) || !(flags & F_S) || n < 12 || off != 8)
			goto bad;
		if (tun[ti].state == T_IDLE || tun[ti].state == T_FAILED ||
		    tun[ti].state == T_CLOSED)
			return;
		ctrl_input(ti, b, n, sid);
		return;
	}
	if (flags & F_S)
		off += 4;
	if (flags & F_O) {
		if (n < off + 2)
			goto bad;
		off += 2 + get16(b + off);
	}
	if (off > n || sid == 0 || sid > tun[ti].n_sess)
		goto bad;
	ppp_input(tun[ti].first_sess + sid - 1, b + off, n - off);
	return;
bad:
	stat_rx_bad++;
}

/* ------------------------------------------------------ HELLO prober --- */

static atomic_int probe_run = 1;
static int probe_fd = -1;
static double *probe_ms;
static size_t probe_n, probe_cap, probe_lost;
static unsigned int hello_ms = 10;

/* stop-and-wait on one tunnel of our own: send a message, wait for its ack */
static int
probe_xchg(uint16_t *ns, uint16_t *nr, struct msg *m, uint16_t want_type, uint16_t *peer_tid,
	   double *rtt_ms)
{
	uint8_t b[2048];
	uint64_t t0 = now_ns(), sent = t0, rto = RTO_FIRST_NS;
	bool acked = false, got = want_type == 0;
	int tries = 0;

	put16(m->b + 2, (uint16_t)m->len);
	put16(m->b + 8, *ns);
	put16(m->b + 10, *nr);
	send(probe_fd, m->b, m->len, 0);
	while (!acked || !got) {
		struct pollfd p = { probe_fd, POLLIN, 0 };
		uint64_t now = now_ns();
		ssize_t r;

		if (now >= sent + rto) {
			if (++tries > CTRL_TRIES)
				return -1;
			put16(m->b + 10, *nr);
			send(probe_fd, m->b, m->len, 0);
			sent = now;
			rto *= 2;
			continue;
		}
		if (poll(&p, 1, (int)((sent + rto - now) / 1000000 + 1)) <= 0)
			continue;
		r = recv(probe_fd, b, sizeof(b), 0);
		if (r < 12 || !(get16(b) & F_T))
			continue;
		if (!seq_lt(get16(b + 10), (uint16_t)(*ns + 1)) && !acked) {
			acked = true;
			if (rtt_ms)
				*rtt_ms = (double)(now_ns() - t0) / 1e6;
		}
		if (r > 12) {
			size_t vl;
			const uint8_t *v;
			struct msg z;

			if (get16(b + 8) == *nr) {
				(*nr)++;
				v = avp_find(b + 12, (size_t)r - 12, A_MSG, &vl);
				if (v && vl == 2 && get16(v) == want_type) {
					got = true;
					v = avp_find(b + 12, (size_t)r - 12, A_TID, &vl);
					if (peer_tid && v && vl == 2)
						*peer_tid = get16(v);
				}
			}
			msg_begin(&z, peer_tid ? *peer_tid : 0, 0, 0);
			put16(z.b + 2, 12);
			put16(z.b + 8, (uint16_t)(*ns + 1));
			put16(z.b + 10, *nr);
			send(probe_fd, z.b, 12, 0);
		}
	}
	(*ns)++;
	return 0;
}

static uint16_t probe_ns, probe_nr, probe_peer;

static int
probe_open(void)
{
	struct msg m;
	static const uint8_t host[] = "storm-probe";

	probe_fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (probe_fd < 0 ||
	    connect(probe_fd, (const struct sockaddr *)&lns_addr, sizeof(lns_addr)) < 0)
		return -1;
	msg_begin(&m, 0, 0, SCCRQ);
	avp16(&m, A_PROTO, 0x0100);
	avp(&m, A_HOST, host, sizeof(host) - 1);
	avp32(&m, A_FRAMING_CAP, 3);
	avp16(&m, A_TID, 1);
	if (probe_xchg(&probe_ns, &probe_nr, &m, SCCRP, &probe_peer, NULL) < 0)
		return -1;
	msg_begin(&m, probe_peer, 0, SCCCN);
	return probe_xchg(&probe_ns, &probe_nr, &m, 0, &probe_peer, NULL);
}

static void *
probe_main(void *arg)
{
	(void)arg;
	/* at least one HELLO, even when the storm is over before this thread runs
	 * (50 setups can take less than a scheduling slice on a quiet machine) */
	for (bool first = true; first || atomic_load(&probe_run); first = false) {
		struct msg m;
		double ms = 0;

		msg_begin(&m, probe_peer, 0, HELLO);
		if (probe_xchg(&probe_ns, &probe_nr, &m, 0, &probe_peer, &ms) < 0) {
			probe_lost++;
			continue;
		}
		if (probe_n == probe_cap) {
			probe_cap = probe_cap ? probe_cap * 2 : 4096;
			probe_ms = realloc(probe_ms, probe_cap * sizeof(*probe_ms));
		}
		probe_ms[probe_n++] = ms;
		usleep(hello_ms * 1000);
	}
	return NULL;
}

static int
cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* ---------------------------------------------------------------- loop --- */

static void
pump(int ep, uint64_t until)
{
	struct epoll_event ev[64];
	static uint8_t buf[2048];
	static uint64_t next_scan;
	int n = epoll_wait(ep, ev, 64, 5);
	uint64_t now;

	for (int i = 0; i < n; i++) {
		unsigned int sk = ev[i].data.u32;

		for (int j = 0; j < 64; j++) {
			ssize_t r = recv(socks[sk], buf, sizeof(buf), MSG_DONTWAIT);

			if (r < 0)
				break;
			rx_packet(sk, buf, (size_t)r);
		}
	}
	now = now_ns();
	if (now < next_scan)
		return;
	next_scan = now + SCAN_NS;
	for (uint32_t i = 0; i < n_active;) {
		uint32_t obj = active[i];

		if (obj < n_tun) {
			if (tun[obj].deadline <= now)
				tunnel_timer(obj);
		} else if (sess[obj - n_tun].deadline <= now) {
			ppp_timer(obj - n_tun);
		}
		/* the entry at i may have been removed (swapped with the last) */
		if (i < n_active && active[i] == obj)
			i++;
	}
	(void)until;
}

static void
usage(void)
{
	fprintf(stderr, "usage: l2tp_storm -s LNS_ADDR [-n SESSIONS] [-k PER_TUNNEL] "
			"[-w WINDOW] [-S SOCKETS] [-b ADDR[,ADDR...]] [-u USER] [-p PASSWORD] "
			"[-H HELLO_MS] [-t TIMEOUT_S] [-q] [-P LNSD_PID]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	uint32_t window = 1000, want = 1000;
	unsigned int timeout_s = 300;
	const char *binds = NULL;
	char *bl[64];
	unsigned int n_bind = 0;
	int c, ep;
	pthread_t probe;
	bool probe_ok;
	uint64_t t0, t1, t2, t3, deadline, cpu0, cpu1, cpu2, cpu3;
	uint32_t next_tun = 0;
	uint64_t retx_setup;
	size_t maxtun_per_sock;

	lns_addr.sin_family = AF_INET;
	lns_addr.sin_port = htons(1701);
	while ((c = getopt(argc, argv, "s:n:k:w:S:b:u:p:H:t:qP:")) != -1) {
		switch (c) {
		case 's':
			if (inet_pton(AF_INET, optarg, &lns_addr.sin_addr) != 1)
				usage();
			break;
		case 'n': want = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'k': per_tunnel = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'w': window = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'S': n_socks = (unsigned int)strtoul(optarg, NULL, 10); break;
		case 'b': binds = optarg; break;
		case 'u': user = optarg; break;
		case 'p': password = optarg; break;
		case 'H': hello_ms = (unsigned int)strtoul(optarg, NULL, 10); break;
		case 't': timeout_s = (unsigned int)strtoul(optarg, NULL, 10); break;
		case 'q': quiet = true; break;
		case 'P': lns_pid = atoi(optarg); break;
		default: usage();
		}
	}
	if (lns_addr.sin_addr.s_addr == 0 || want == 0 || per_tunnel == 0 ||
	    per_tunnel > 65535 || window == 0 || n_socks == 0 || n_socks > 256 ||
	    strlen(user) > 60 || strlen(password) > 60)
		usage();
	n_tun = (want + per_tunnel - 1) / per_tunnel;
	n_sess = want;
	maxtun_per_sock = (n_tun + n_socks - 1) / n_socks;
	if (maxtun_per_sock > 65535) {
		fprintf(stderr, "l2tp_storm: %u tunnels need at least %u sockets (-S)\n", n_tun,
			(n_tun + 65534) / 65535);
		return 2;
	}
	tun = calloc(n_tun, sizeof(*tun));
	sess = calloc(n_sess, sizeof(*sess));
	active = calloc(n_tun + n_sess, sizeof(*active));
	socks = calloc(n_socks, sizeof(*socks));
	if (!tun || !sess || !active || !socks)
		return 2;
	for (uint32_t i = 0, si = 0; i < n_tun; i++) {
		struct tunnel *t = &tun[i];

		/* tunnel i on socket i % n_socks, so that tid - 1 = i / n_socks */
		t->sock = (uint8_t)(i % n_socks);
		t->my_tid = (uint16_t)(i / n_socks + 1);
		t->active_pos = -1;
		t->first_sess = si;
		t->n_sess = want - si < per_tunnel ? want - si : per_tunnel;
		for (uint32_t k = 0; k < t->n_sess; k++, si++) {
			sess[si].tunnel = i;
			sess[si].my_sid = (uint16_t)(k + 1);
			sess[si].active_pos = -1;
			sess[si].magic = 0x5eed0000u ^ si;
		}
	}
	if (binds) {
		char *dup = strdup(binds), *sv = NULL;

		for (char *p = strtok_r(dup, ",", &sv); p && n_bind < 64;
		     p = strtok_r(NULL, ",", &sv))
			bl[n_bind++] = p;
	}
	ep = epoll_create1(0);
	for (unsigned int i = 0; i < n_socks; i++) {
		struct sockaddr_in a = { .sin_family = AF_INET };
		struct epoll_event e = { .events = EPOLLIN, .data.u32 = i };
		int sz = 4 << 20;

		socks[i] = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
		if (socks[i] < 0) {
			perror("socket");
			return 2;
		}
		/* past net.core.rmem_max when we may (root): a storm's answers come in
		 * bursts, and a full buffer would be loss we measure as LNS latency */
		if (setsockopt(socks[i], SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) < 0)
			setsockopt(socks[i], SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
		if (setsockopt(socks[i], SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz)) < 0)
			setsockopt(socks[i], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
		if (n_bind && inet_pton(AF_INET, bl[i % n_bind], &a.sin_addr) != 1) {
			fprintf(stderr, "l2tp_storm: bad local address %s\n", bl[i % n_bind]);
			return 2;
		}
		if (bind(socks[i], (struct sockaddr *)&a, sizeof(a)) < 0) {
			perror("bind");
			return 2;
		}
		epoll_ctl(ep, EPOLL_CTL_ADD, socks[i], &e);
	}

	probe_ok = hello_ms > 0 && probe_open() == 0;
	if (hello_ms > 0 && !probe_ok)
		fprintf(stderr, "l2tp_storm: the HELLO probe tunnel did not come up\n");
	if (probe_ok)
		pthread_create(&probe, NULL, probe_main, NULL);

	/* ---- phase 1: setup storm */
	cpu0 = lns_cpu_ns();
	t0 = now_ns();
	deadline = t0 + (uint64_t)timeout_s * 1000000000ull;
	while (sess_up + sess_failed < n_sess && now_ns() < deadline) {
		while (next_tun < n_tun && in_flight + tun[next_tun].n_sess <= window) {
			in_flight += tun[next_tun].n_sess;
			tunnel_start(next_tun++);
		}
		pump(ep, deadline);
	}
	t1 = now_ns();
	cpu1 = lns_cpu_ns();
	retx_setup = stat_retx;
	if (probe_ok) {
		atomic_store(&probe_run, 0);
		pthread_join(probe, NULL);
	}
	printf("setup sessions=%u up=%u failed=%u secs=%.3f rate=%.0f retransmits=%llu "
	       "ctl_cpu_us=%.1f ctl_cpu_rate=%.0f\n",
	       n_sess, sess_up, sess_failed, (double)(t1 - t0) / 1e9,
	       sess_up / ((double)(t1 - t0) / 1e9), (unsigned long long)retx_setup,
	       sess_up && cpu1 ? (double)(cpu1 - cpu0) / 1e3 / sess_up : 0,
	       cpu1 > cpu0 ? sess_up / ((double)(cpu1 - cpu0) / 1e9) : 0);
	if (probe_ok) {
		double p50 = 0, p99 = 0, mx = 0;

		if (probe_n) {
			qsort(probe_ms, probe_n, sizeof(*probe_ms), cmp_d);
			p50 = probe_ms[probe_n / 2];
			p99 = probe_ms[(probe_n * 99) / 100];
			mx = probe_ms[probe_n - 1];
		}
		printf("hello samples=%zu lost=%zu p50_ms=%.2f p99_ms=%.2f max_ms=%.2f\n", probe_n,
		       probe_lost, p50, p99, mx);
	}
	fflush(stdout);

	/* ---- phase 2: teardown storm: CDN for each session, then StopCCN */
	cpu2 = lns_cpu_ns();
	t2 = now_ns();
	deadline = t2 + (uint64_t)timeout_s * 1000000000ull;
	in_flight = 0;
	next_tun = 0;
	{
		uint32_t to_close = 0, closed_before = tun_closed + tun_failed;

		for (uint32_t i = 0; i < n_tun; i++)
			to_close += tun[i].state == T_EST;
		while (tun_closed + tun_failed - closed_before < to_close && now_ns() < deadline) {
			while (next_tun < n_tun && in_flight < window) {
				struct tunnel *t = &tun[next_tun];
				struct msg m;
				uint8_t res[4] = { 0, 3, 0, 0 }; /* result 3: administrative */

				if (t->state != T_EST) {
					next_tun++;
					continue;
				}
				for (uint32_t k = 0; k < t->n_sess; k++) {
					struct session *s = &sess[t->first_sess + k];

					if (s->state != S_UP)
						continue;
					msg_begin(&m, t->peer_tid, s->peer_sid, CDN);
					avp(&m, A_RESULT, res, 4);
					avp16(&m, A_SID, s->my_sid);
					ctrl_send(next_tun, &m);
					s->state = S_CLOSING;
					t->sess_open++;
				}
				res[1] = 1; /* StopCCN result 1: general clear */
				msg_begin(&m, t->peer_tid, 0, STOPCCN);
				avp(&m, A_RESULT, res, 4);
				avp16(&m, A_TID, t->my_tid);
				t->state = T_CLOSING;
				ctrl_send(next_tun, &m);
				in_flight += t->sess_open ? t->sess_open : 1;
				if (t->sess_open == 0)
					t->sess_open = 1; /* a tunnel without sessions counts once */
				next_tun++;
			}
			pump(ep, deadline);
		}
		t3 = now_ns();
		cpu3 = lns_cpu_ns();
		printf("teardown sessions=%u done=%u failed=%u secs=%.3f rate=%.0f "
		       "retransmits=%llu ctl_cpu_us=%.1f ctl_cpu_rate=%.0f\n",
		       sess_up, sess_down, sess_failed, (double)(t3 - t2) / 1e9,
		       sess_down / ((double)(t3 - t2) / 1e9),
		       (unsigned long long)(stat_retx - retx_setup),
		       sess_down && cpu3 ? (double)(cpu3 - cpu2) / 1e3 / sess_down : 0,
		       cpu3 > cpu2 ? sess_down / ((double)(cpu3 - cpu2) / 1e9) : 0);
	}
	printf("detail malformed=%llu unexpected=%llu ppp_restart_lcp=%llu ppp_restart_pap=%llu "
	       "ppp_restart_ipcp=%llu ppp_wait_timeouts=%llu\n",
	       (unsigned long long)stat_rx_bad, (unsigned long long)stat_unexpected,
	       (unsigned long long)rst_lcp, (unsigned long long)rst_pap,
	       (unsigned long long)rst_ipcp, (unsigned long long)rst_idle);
	if (probe_ok) {
		struct msg m;
		uint8_t res[4] = { 0, 1, 0, 0 };

		msg_begin(&m, probe_peer, 0, STOPCCN);
		avp(&m, A_RESULT, res, 4);
		avp16(&m, A_TID, 1);
		probe_xchg(&probe_ns, &probe_nr, &m, 0, &probe_peer, NULL);
	}
	return sess_up == n_sess && sess_down == n_sess && sess_failed == 0 ? 0 : 1;
}
