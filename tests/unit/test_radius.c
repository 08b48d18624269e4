/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of lib/aaa: the RADIUS codec against RFC 2865 §7.1 (User-Password
 * hiding, Response Authenticator) and packets made by FreeRADIUS 3.2 radclient
 * (Request Authenticator and Message-Authenticator of accounting-style
 * requests), the decoder on malformed input, and the non-blocking client on
 * loopback: matching, bad authenticators, failover, hold-down, the accounting
 * bound and the spool.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <CUnit/Basic.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "lns_radius.h"
#include "lns_radius_client.h"
#include "lns_timer.h"

static size_t
hex(const char *s, uint8_t *out)
{
	size_t i;

	for (i = 0; s[2 * i] && s[2 * i + 1]; i++) {
		unsigned int v;

		sscanf(s + 2 * i, "%2x", &v);
		out[i] = (uint8_t)v;
	}
	return i;
}

/* RFC 2865 §7.1: nemo / arctangent, secret xyzzy5461 */
static void
test_rfc2865_vectors(void)
{
	const char *sec = "xyzzy5461";
	uint8_t ra[16], want[16], out[16], clear[16];
	uint8_t accept[64];
	struct lns_rad_view v;
	size_t n;

	hex("0f403f9473978057bd83d5cb98f4227a", ra);
	hex("0dbe708d93d413ce3196e43f782a0aee", want);
	CU_ASSERT_EQUAL(lns_rad_hide_password((const uint8_t *)"arctangent", 10,
					      (const uint8_t *)sec, 9, ra, out), 16);
	CU_ASSERT_EQUAL(memcmp(out, want, 16), 0);
	CU_ASSERT_EQUAL(lns_rad_unhide_password(out, 16, (const uint8_t *)sec, 9, ra, clear), 16);
	CU_ASSERT_EQUAL(memcmp(clear, "arctangent\0\0\0\0\0\0", 16), 0);

	/* the Access-Accept of §7.1: Service-Type, Login-Service, Login-IP-Host */
	n = hex("02000026" "86fe220e7624ba2a1005f6bf9b55e0b2"
		"0606000000010f06000000000e06c0a80103", accept);
	CU_ASSERT_EQUAL(lns_rad_parse(accept, n, &v), 0);
	CU_ASSERT_EQUAL(v.code, LNS_RAD_ACCESS_ACCEPT);
	CU_ASSERT_EQUAL(lns_rad_verify_response(&v, ra, (const uint8_t *)sec, 9), 0);
	CU_ASSERT_EQUAL(lns_rad_verify_response(&v, ra, (const uint8_t *)"xyzzy5462", 9),
			-EBADMSG);
	{
		uint32_t st = 0;

		CU_ASSERT_EQUAL(lns_rad_get_u32(&v, LNS_RA_SERVICE_TYPE, &st), 1);
		CU_ASSERT_EQUAL(st, 1);
	}
	/* a long password chains blocks: hide then unhide gives it back */
	{
		const char *pw = "a-password-longer-than-16-and-32-octets-x";
		uint8_t h[64], c2[64];
		int hl = lns_rad_hide_password((const uint8_t *)pw, strlen(pw),
					       (const uint8_t *)sec, 9, ra, h);

		CU_ASSERT_EQUAL(hl, 48);
		CU_ASSERT_EQUAL(lns_rad_unhide_password(h, 48, (const uint8_t *)sec, 9, ra, c2), 48);
		CU_ASSERT_EQUAL(memcmp(c2, pw, strlen(pw)), 0);
		CU_ASSERT_EQUAL(c2[strlen(pw)], 0);
	}
}

/*
 * Made by FreeRADIUS 3.2.1 radclient (secret "nassecret"), captured by a plain UDP
 * listener:
 *   printf 'User-Name = "papuser"\nAcct-Session-Id = "s1"\nNAS-IP-Address = 127.0.0.1\n
 *           Message-Authenticator = 0x00\n' | radclient 127.0.0.1:P disconnect nassecret
 *   printf 'Acct-Status-Type = Start\nUser-Name = "papuser"\nAcct-Session-Id = "s1"\n'
 *           | radclient 127.0.0.1:P acct nassecret
 */
extern const char *radclient_disconnect_hex, *radclient_acct_hex;

static void
test_radclient_packets(void)
{
	uint8_t b[512];
	struct lns_rad_view v;
	const uint8_t *val;
	uint8_t vl;
	size_t n;

	n = hex(radclient_disconnect_hex, b);
	CU_ASSERT_EQUAL_FATAL(lns_rad_parse(b, n, &v), 0);
	CU_ASSERT_EQUAL(v.code, LNS_RAD_DISCONNECT_REQUEST);
	CU_ASSERT(v.msg_auth_off > 0);
	CU_ASSERT_EQUAL(lns_rad_verify_request(&v, (const uint8_t *)"nassecret", 9), 0);
	CU_ASSERT_NOT_EQUAL(lns_rad_verify_request(&v, (const uint8_t *)"wrong", 5), 0);
	CU_ASSERT_EQUAL(lns_rad_find(&v, LNS_RA_ACCT_SESSION_ID, &val, &vl), 1);
	CU_ASSERT(vl == 2 && memcmp(val, "s1", 2) == 0);
	/* the M-A alone is wrong when one value octet flips (authenticator redone) */
	{
		struct lns_rad_attrs a;
		uint8_t p2[512], ra[16];
		int l;

		lns_rad_attrs_init(&a);
		lns_rad_add_str(&a, LNS_RA_USER_NAME, "papuser");
		lns_rad_add_str(&a, LNS_RA_ACCT_SESSION_ID, "s1");
		lns_rad_add_ip(&a, LNS_RA_NAS_IP_ADDRESS, htonl(0x7f000001));
		l = lns_rad_build_request(p2, LNS_RAD_DISCONNECT_REQUEST, v.id, ra, &a, NULL, 0,
					  true, (const uint8_t *)"nassecret", 9);
		/* our encoder gives radclient's bytes exactly (same order, same id) */
		CU_ASSERT_EQUAL(l, (int)n);
		CU_ASSERT_EQUAL(memcmp(p2, b, n), 0);
	}
	n = hex(radclient_acct_hex, b);
	CU_ASSERT_EQUAL_FATAL(lns_rad_parse(b, n, &v), 0);
	CU_ASSERT_EQUAL(v.code, LNS_RAD_ACCT_REQUEST);
	CU_ASSERT_EQUAL(lns_rad_verify_request(&v, (const uint8_t *)"nassecret", 9), 0);
	b[n - 1] ^= 1;
	CU_ASSERT_EQUAL(lns_rad_verify_request(&v, (const uint8_t *)"nassecret", 9), -EBADMSG);
}

static void
test_build_parse(void)
{
	struct lns_rad_attrs a;
	uint8_t p[LNS_RAD_MAX_LEN], ra[16] = { 1, 2, 3 }, resp[LNS_RAD_MAX_LEN];
	struct lns_rad_view v, rv;
	const uint8_t *val;
	uint8_t vl, sub[3] = { 'a', 'b', 'c' };
	int n, rn;

	lns_rad_attrs_init(&a);
	CU_ASSERT_EQUAL(lns_rad_add_str(&a, LNS_RA_USER_NAME, "bob"), 0);
	CU_ASSERT_EQUAL(lns_rad_add_vsa(&a, LNS_RAD_VENDOR_MICROSOFT, LNS_RA_MS_CHAP_CHALLENGE,
					sub, 3), 0);
	n = lns_rad_build_request(p, LNS_RAD_ACCESS_REQUEST, 7, ra, &a, (const uint8_t *)"pw",
				  2, true, (const uint8_t *)"s", 1);
	CU_ASSERT_FATAL(n > 0);
	CU_ASSERT_EQUAL(lns_rad_parse(p, (size_t)n, &v), 0);
	CU_ASSERT_EQUAL(v.id, 7);
	CU_ASSERT_EQUAL(lns_rad_find_vsa(&v, LNS_RAD_VENDOR_MICROSOFT, LNS_RA_MS_CHAP_CHALLENGE,
					 &val, &vl), 1);
	CU_ASSERT(vl == 3 && memcmp(val, "abc", 3) == 0);
	CU_ASSERT_EQUAL(lns_rad_find_vsa(&v, 9, LNS_RA_MS_CHAP_CHALLENGE, &val, &vl), 0);
	CU_ASSERT_EQUAL(lns_rad_find(&v, LNS_RA_USER_PASSWORD, &val, &vl), 1);
	CU_ASSERT_EQUAL(vl, 16);

	/* a response to it, M-A over the request authenticator (RFC 3579 §3.2) */
	lns_rad_attrs_init(&a);
	lns_rad_add_u32(&a, LNS_RA_SESSION_TIMEOUT, 3600);
	rn = lns_rad_build_response(resp, LNS_RAD_ACCESS_ACCEPT, 7, ra, &a, true,
				    (const uint8_t *)"s", 1);
	CU_ASSERT_FATAL(rn > 0);
	CU_ASSERT_EQUAL(lns_rad_parse(resp, (size_t)rn, &rv), 0);
	CU_ASSERT_EQUAL(lns_rad_verify_response(&rv, ra, (const uint8_t *)"s", 1), 0);
	resp[rv.msg_auth_off] ^= 1;   /* authenticator still right, M-A not */
	{
		uint8_t ra2[16];
		struct lns_rad_view rv2;

		/* recompute the Response Authenticator over the altered packet */
		memcpy(ra2, ra, 16);
		(void)ra2;
		CU_ASSERT_EQUAL(lns_rad_parse(resp, (size_t)rn, &rv2), 0);
		CU_ASSERT_NOT_EQUAL(lns_rad_verify_response(&rv2, ra, (const uint8_t *)"s", 1), 0);
	}

	/* 64-bit octets: 5 GiB + 7 = 0x1_4000_0007: Gigawords 1, Octets 0x4000_0007 */
	lns_rad_attrs_init(&a);
	CU_ASSERT_EQUAL(lns_rad_add_octets64(&a, LNS_RA_ACCT_INPUT_OCTETS,
					     LNS_RA_ACCT_INPUT_GIGAWORDS, 0x140000007ull), 0);
	n = lns_rad_build_request(p, LNS_RAD_ACCT_REQUEST, 9, ra, &a, NULL, 0, false,
				  (const uint8_t *)"s", 1);
	CU_ASSERT_FATAL(n > 0);
	CU_ASSERT_EQUAL(lns_rad_parse(p, (size_t)n, &v), 0);
	{
		uint32_t lo = 0, gw = 0;

		CU_ASSERT(lns_rad_get_u32(&v, LNS_RA_ACCT_INPUT_OCTETS, &lo) == 1 && lo == 0x40000007u);
		CU_ASSERT(lns_rad_get_u32(&v, LNS_RA_ACCT_INPUT_GIGAWORDS, &gw) == 1 && gw == 1);
		CU_ASSERT_EQUAL(((uint64_t)gw << 32) | lo, 0x140000007ull);
	}

	/* adding past 4096 octets fails and marks the list unusable */
	lns_rad_attrs_init(&a);
	{
		char big[254];
		int rc = 0;

		memset(big, 'x', 253);
		big[253] = '\0';
		for (int i = 0; i < 20 && rc == 0; i++)
			rc = lns_rad_add_str(&a, LNS_RA_CLASS, big);
		CU_ASSERT_EQUAL(rc, -ENOSPC);
		CU_ASSERT(a.full);
		CU_ASSERT_EQUAL(lns_rad_build_request(p, LNS_RAD_ACCT_REQUEST, 1, ra, &a, NULL, 0,
						      false, (const uint8_t *)"s", 1), -ENOSPC);
	}
}

static void
test_malformed(void)
{
	uint8_t b[64];
	struct lns_rad_view v;

	memset(b, 0, sizeof(b));
	b[0] = 2;
	b[3] = 19;                                      /* Length below 20 */
	CU_ASSERT_EQUAL(lns_rad_parse(b, 64, &v), -EBADMSG);
	b[3] = 30;
	CU_ASSERT_EQUAL(lns_rad_parse(b, 25, &v), -EBADMSG);  /* Length past the datagram */
	CU_ASSERT_EQUAL(lns_rad_parse(b, 10, &v), -EBADMSG);
	b[20] = 1; b[21] = 1;                           /* attribute length 1 */
	CU_ASSERT_EQUAL(lns_rad_parse(b, 64, &v), -EBADMSG);
	b[21] = 11;                                     /* runs past Length (30) */
	CU_ASSERT_EQUAL(lns_rad_parse(b, 64, &v), -EBADMSG);
	b[21] = 10;                                     /* exactly fits */
	CU_ASSERT_EQUAL(lns_rad_parse(b, 64, &v), 0);
	CU_ASSERT_EQUAL(v.len, 30);                     /* octets past Length: padding */
	b[20] = LNS_RA_MESSAGE_AUTHENTICATOR;           /* M-A must be 18 */
	CU_ASSERT_EQUAL(lns_rad_parse(b, 64, &v), -EBADMSG);
	/* two M-As */
	b[3] = 56;
	b[21] = 18;
	b[38] = LNS_RA_MESSAGE_AUTHENTICATOR;
	b[39] = 18;
	CU_ASSERT_EQUAL(lns_rad_parse(b, 64, &v), -EBADMSG);
	/* a VSA whose sub-attribute overruns is not read */
	memset(b, 0, sizeof(b));
	b[0] = 2; b[3] = 32;
	b[20] = 26; b[21] = 12; b[25] = 0x37; b[26] = 11; b[27] = 40;
	CU_ASSERT_EQUAL(lns_rad_parse(b, 64, &v), 0);
	{
		const uint8_t *val;
		uint8_t vl;

		CU_ASSERT_EQUAL(lns_rad_find_vsa(&v, 311, 11, &val, &vl), 0);
	}
}

/* ------------------------------------------------------- the client ---- */

struct fake_srv {
	int fd;
	uint16_t port;
	const char *secret;
	bool answer;
	bool corrupt;           /* answer with a wrong authenticator */
	uint32_t got;
	uint32_t bad;           /* requests not signed with this server's secret */
	uint8_t last_code;
	uint32_t order[64];     /* Acct-Status-Type of each answered accounting request */
	uint32_t n_order;
};

/* An Access-Request's Message-Authenticator, checked as a server does (RFC 3579
 * §3.2: HMAC-MD5 over the packet with the attribute's value zeroed). */
static bool
access_ma_ok(const struct lns_rad_view *v, const char *secret)
{
	uint8_t p[LNS_RAD_MAX_LEN], mac[EVP_MAX_MD_SIZE];
	unsigned int ml = 0;

	if (v->msg_auth_off < 0)
		return false;
	memcpy(p, v->pkt, v->len);
	memset(p + v->msg_auth_off, 0, 16);
	if (HMAC(EVP_md5(), secret, (int)strlen(secret), p, v->len, mac, &ml) == NULL)
		return false;
	return ml == 16 && CRYPTO_memcmp(mac, v->pkt + v->msg_auth_off, 16) == 0;
}

static void
fake_open(struct fake_srv *f, const char *secret)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sa);

	memset(f, 0, sizeof(*f));
	f->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	CU_ASSERT_FATAL(f->fd >= 0);
	CU_ASSERT_FATAL(bind(f->fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	getsockname(f->fd, (struct sockaddr *)&sa, &sl);
	f->port = ntohs(sa.sin_port);
	f->secret = secret;
	f->answer = true;
}

/* Answer everything waiting: Access-Request -> Accept, Accounting -> Response,
 * Status-Server -> Accept. */
static void
fake_serve(struct fake_srv *f)
{
	uint8_t b[LNS_RAD_MAX_LEN], out[LNS_RAD_MAX_LEN];
	struct sockaddr_in from;
	socklen_t fl = sizeof(from);
	ssize_t n;

	while ((n = recvfrom(f->fd, b, sizeof(b), 0, (struct sockaddr *)&from, &fl)) > 0) {
		struct lns_rad_view v;
		struct lns_rad_attrs a;
		uint8_t code;
		int on;

		if (lns_rad_parse(b, (size_t)n, &v) != 0)
			continue;
		f->got++;
		f->last_code = v.code;
		if (!f->answer)
			continue;
		if (v.code == LNS_RAD_ACCT_REQUEST) {
			uint32_t st = 0;

			if (lns_rad_verify_request(&v, (const uint8_t *)f->secret,
						   strlen(f->secret)) != 0) {
				f->bad++;       /* a server drops it (RFC 2866 §3) */
				continue;
			}
			(void)lns_rad_get_u32(&v, LNS_RA_ACCT_STATUS_TYPE, &st);
			if (f->n_order < 64)
				f->order[f->n_order++] = st;
		}
		if (v.code == LNS_RAD_ACCESS_REQUEST && !access_ma_ok(&v, f->secret)) {
			f->bad++;
			continue;
		}
		code = v.code == LNS_RAD_ACCT_REQUEST ? LNS_RAD_ACCT_RESPONSE : LNS_RAD_ACCESS_ACCEPT;
		lns_rad_attrs_init(&a);
		if (code == LNS_RAD_ACCESS_ACCEPT)
			lns_rad_add_u32(&a, LNS_RA_SESSION_TIMEOUT, 77);
		on = lns_rad_build_response(out, code, v.id, v.auth, &a, false,
					    (const uint8_t *)f->secret, strlen(f->secret));
		if (f->corrupt)
			out[5] ^= 0xff;
		sendto(f->fd, out, (size_t)on, 0, (struct sockaddr *)&from, fl);
	}
}

struct auth_res {
	int calls, status;
	uint32_t st;
};

static void
auth_cb(void *arg, int status, const struct lns_rad_view *v)
{
	struct auth_res *r = arg;

	r->calls++;
	r->status = status;
	if (status == 0)
		(void)lns_rad_get_u32(v, LNS_RA_SESSION_TIMEOUT, &r->st);
}

static void
conf_for(struct lns_radius_conf *rc, struct fake_srv *f, int n)
{
	memset(rc, 0, sizeof(*rc));
	snprintf(rc->nas_identifier, sizeof(rc->nas_identifier), "test");
	rc->timeout_ms = 100;
	rc->retries = 1;
	rc->hold_down = 5;
	rc->acct_queue = 16;
	rc->n_servers = (uint16_t)n;
	for (int i = 0; i < n; i++) {
		rc->servers[i].address = htonl(INADDR_LOOPBACK);
		rc->servers[i].auth_port = f[i].port;
		rc->servers[i].acct_port = f[i].port;
		snprintf(rc->servers[i].secret.value, sizeof(rc->servers[i].secret.value), "%s",
			 f[i].secret);
		rc->servers[i].secret.len = (uint16_t)strlen(f[i].secret);
		rc->servers[i].secret.set = true;
	}
}

/* One round: servers answer, the client reads. */
static void
spin(struct lns_radc *c, struct lns_timers *ts, struct fake_srv *f, int nf, uint64_t *now,
     uint64_t step)
{
	usleep(2000);
	for (int i = 0; i < nf; i++)
		fake_serve(&f[i]);
	usleep(2000);
	*now += step;
	lns_radc_poll(c, *now);
	lns_timers_run(ts, *now);
}

static void
test_client_auth_failover(void)
{
	struct fake_srv f[2];
	struct lns_radius_conf rc;
	struct lns_timers *ts = lns_timers_create(64);
	struct lns_radc *c;
	struct lns_rad_attrs a;
	struct auth_res r = { 0 };
	uint64_t ctr[LNS_RADC_STAT_MAX], now = 1000;
	struct lns_radc_server_info si;
	uint32_t h;
	char err[128];

	fake_open(&f[0], "one");
	fake_open(&f[1], "two");
	conf_for(&rc, f, 2);
	c = lns_radc_create(&rc, ts, now, err, sizeof(err));
	CU_ASSERT_FATAL(c != NULL);
	lns_rad_attrs_init(&a);
	lns_rad_add_str(&a, LNS_RA_USER_NAME, "u");

	/* the primary answers */
	CU_ASSERT_EQUAL(lns_radc_auth(c, &a, (const uint8_t *)"p", 1, auth_cb, &r, &h, now), 0);
	for (int i = 0; i < 5 && r.calls == 0; i++)
		spin(c, ts, f, 2, &now, 1);
	CU_ASSERT_EQUAL(r.calls, 1);
	CU_ASSERT_EQUAL(r.status, 0);
	CU_ASSERT_EQUAL(r.st, 77);
	CU_ASSERT_EQUAL(f[0].got, 1);

	/* a wrong Response Authenticator is counted and ignored; the request then
	 * times out there and fails over to the second server, which answers */
	f[0].corrupt = true;
	memset(&r, 0, sizeof(r));
	CU_ASSERT_EQUAL(lns_radc_auth(c, &a, (const uint8_t *)"p", 1, auth_cb, &r, &h, now), 0);
	for (int i = 0; i < 20 && r.calls == 0; i++)
		spin(c, ts, f, 2, &now, 60);
	CU_ASSERT_EQUAL(r.calls, 1);
	CU_ASSERT_EQUAL(r.status, 0);
	lns_radc_counters(c, ctr);
	CU_ASSERT(ctr[LNS_RADC_BAD_AUTHENTICATOR] >= 2);     /* first send + one retry */
	CU_ASSERT_EQUAL(ctr[LNS_RADC_FAILOVERS], 1);
	CU_ASSERT(ctr[LNS_RADC_RETRANSMITS] >= 1);
	CU_ASSERT_EQUAL(lns_radc_server(c, 0, &si), 0);
	CU_ASSERT_EQUAL(si.st, LNS_RADC_DEAD);          /* the enum to compare... */
	CU_ASSERT_STRING_EQUAL(si.state, "dead");       /* ...its name to display */

	/* while the primary is held down, requests go to the second at once */
	f[0].corrupt = false;
	memset(&r, 0, sizeof(r));
	f[1].got = 0;
	CU_ASSERT_EQUAL(lns_radc_auth(c, &a, NULL, 0, auth_cb, &r, &h, now), 0);
	for (int i = 0; i < 5 && r.calls == 0; i++)
		spin(c, ts, f, 2, &now, 1);
	CU_ASSERT_EQUAL(r.calls, 1);
	CU_ASSERT_EQUAL(f[1].got, 1);

	/* after hold-down the primary is probed with Status-Server and comes back */
	for (int i = 0; i < 60; i++)
		spin(c, ts, f, 2, &now, 100);
	CU_ASSERT_EQUAL(lns_radc_server(c, 0, &si), 0);
	CU_ASSERT_EQUAL(si.st, LNS_RADC_ALIVE);
	CU_ASSERT_STRING_EQUAL(si.state, "alive");
	lns_radc_counters(c, ctr);
	CU_ASSERT(ctr[LNS_RADC_STATUS_PROBES] >= 1);

	/* nobody answers: the callback says so, once */
	f[0].answer = f[1].answer = false;
	memset(&r, 0, sizeof(r));
	CU_ASSERT_EQUAL(lns_radc_auth(c, &a, NULL, 0, auth_cb, &r, &h, now), 0);
	for (int i = 0; i < 20; i++)
		spin(c, ts, f, 2, &now, 60);
	CU_ASSERT_EQUAL(r.calls, 1);
	CU_ASSERT_EQUAL(r.status, -ETIMEDOUT);

	/* a cancelled request never calls back */
	f[0].answer = f[1].answer = true;
	for (int i = 0; i < 120; i++)
		spin(c, ts, f, 2, &now, 100);   /* both back after hold-down */
	memset(&r, 0, sizeof(r));
	CU_ASSERT_EQUAL(lns_radc_auth(c, &a, NULL, 0, auth_cb, &r, &h, now), 0);
	lns_radc_cancel(c, h);
	for (int i = 0; i < 5; i++)
		spin(c, ts, f, 2, &now, 1);
	CU_ASSERT_EQUAL(r.calls, 0);
	lns_radc_counters(c, ctr);
	CU_ASSERT(ctr[LNS_RADC_UNKNOWN_ID] >= 1);    /* its late answer */

	lns_radc_free(c);
	lns_timers_free(ts);
	close(f[0].fd);
	close(f[1].fd);
}

static void
test_client_acct_queue_spool(void)
{
	struct fake_srv f[1];
	struct lns_radius_conf rc;
	struct lns_timers *ts = lns_timers_create(64);
	struct lns_radc *c;
	struct lns_rad_attrs a;
	uint64_t ctr[LNS_RADC_STAT_MAX], now = 1000;
	char path[] = "/tmp/lns_radius_spool_XXXXXX", err[128];
	int fd = mkstemp(path);

	CU_ASSERT_FATAL(fd >= 0);
	close(fd);
	fake_open(&f[0], "sec");
	conf_for(&rc, f, 1);
	snprintf(rc.spool, sizeof(rc.spool), "%s", path);
	f[0].answer = false;
	c = lns_radc_create(&rc, ts, now, err, sizeof(err));
	CU_ASSERT_FATAL(c != NULL);
	lns_rad_attrs_init(&a);
	lns_rad_add_u32(&a, LNS_RA_ACCT_STATUS_TYPE, LNS_RAD_ACCT_START);
	for (int i = 0; i < 16; i++) {
		char id[8];

		snprintf(id, sizeof(id), "s%d", i);
		a.len = 6;
		lns_rad_add_str(&a, LNS_RA_ACCT_SESSION_ID, id);
		CU_ASSERT_EQUAL(lns_radc_acct(c, &a, now), 0);
	}
	/* the bound: the 17th is refused and counted */
	CU_ASSERT_EQUAL(lns_radc_acct(c, &a, now), -ENOBUFS);
	lns_radc_counters(c, ctr);
	CU_ASSERT_EQUAL(ctr[LNS_RADC_ACCT_DROPPED], 1);
	CU_ASSERT_EQUAL(lns_radc_acct_pending(c), 16);
	CU_ASSERT_EQUAL(lns_radc_spool_depth(c), 16);
	for (int i = 0; i < 10; i++)
		spin(c, ts, f, 1, &now, 60);
	CU_ASSERT_EQUAL(lns_radc_acct_pending(c), 16);  /* nothing lost while unanswered */
	/* "restart": a new client replays the spool; now the server answers */
	lns_radc_free(c);
	f[0].answer = true;
	c = lns_radc_create(&rc, ts, now, err, sizeof(err));
	CU_ASSERT_FATAL(c != NULL);
	lns_radc_counters(c, ctr);
	CU_ASSERT_EQUAL(ctr[LNS_RADC_ACCT_SPOOL_REPLAYED], 16);
	f[0].got = 0;
	for (int i = 0; i < 20 && lns_radc_acct_pending(c) > 0; i++)
		spin(c, ts, f, 1, &now, 1);
	CU_ASSERT_EQUAL(lns_radc_acct_pending(c), 0);
	CU_ASSERT_EQUAL(lns_radc_spool_depth(c), 0);
	CU_ASSERT_EQUAL(f[0].got, 16);
	{
		struct stat st;

		/* everything acknowledged: the spool file is emptied, not left to grow */
		CU_ASSERT_EQUAL(stat(path, &st), 0);
		CU_ASSERT_EQUAL(st.st_size, 0);
	}
	lns_radc_free(c);
	/* every record acknowledged: a third start has nothing to send */
	c = lns_radc_create(&rc, ts, now, err, sizeof(err));
	CU_ASSERT_FATAL(c != NULL);
	CU_ASSERT_EQUAL(lns_radc_acct_pending(c), 0);
	lns_radc_free(c);
	lns_timers_free(ts);
	close(f[0].fd);
	unlink(path);
}

/* An accounting record of session sid with the given status. */
static void
acct_rec(struct lns_rad_attrs *a, uint32_t status, const char *sid)
{
	lns_rad_attrs_init(a);
	lns_rad_add_u32(a, LNS_RA_ACCT_STATUS_TYPE, status);
	lns_rad_add_str(a, LNS_RA_ACCT_SESSION_ID, sid);
}

/* radius.accounting toggled by a reload: a session is accounted iff its Start
 * was queued (issue 18) */
static void
test_client_acct_toggle(void)
{
	struct fake_srv f[1];
	struct lns_radius_conf rc;
	struct lns_timers *ts = lns_timers_create(64);
	struct lns_radc_acct_sess before = { 0 }, during = { 0 }, after = { 0 }, lost = { 0 };
	struct lns_radc *c;
	struct lns_rad_attrs a;
	uint64_t now = 1000;
	char err[128];

	fake_open(&f[0], "sec");
	conf_for(&rc, f, 1);
	c = lns_radc_create(&rc, ts, now, err, sizeof(err));
	CU_ASSERT_FATAL(c != NULL);

	/* accounting off: "before" comes up, no Start */
	acct_rec(&a, LNS_RAD_ACCT_START, "before");
	CU_ASSERT_EQUAL(lns_radc_acct_session(c, &before, LNS_RAD_ACCT_START, false, &a, now), 1);
	CU_ASSERT_FALSE(before.started);
	/* turned on: "before" gets no Interim and no Stop (never a Stop without a
	 * Start); "during" starts now and is accounted */
	acct_rec(&a, LNS_RAD_ACCT_INTERIM, "before");
	CU_ASSERT_EQUAL(lns_radc_acct_session(c, &before, LNS_RAD_ACCT_INTERIM, true, &a, now), 1);
	acct_rec(&a, LNS_RAD_ACCT_START, "during");
	CU_ASSERT_EQUAL(lns_radc_acct_session(c, &during, LNS_RAD_ACCT_START, true, &a, now), 0);
	CU_ASSERT_TRUE(during.started);
	acct_rec(&a, LNS_RAD_ACCT_START, "during");     /* a second Start: no */
	CU_ASSERT_EQUAL(lns_radc_acct_session(c, &during, LNS_RAD_ACCT_START, true, &a, now), 1);
	acct_rec(&a, LNS_RAD_ACCT_STOP, "before");
	CU_ASSERT_EQUAL(lns_radc_acct_session(c, &before, LNS_RAD_ACCT_STOP, true, &a, now), 1);
	CU_ASSERT_EQUAL(lns_radc_acct_pending(c), 1);
	/* turned off again: "during" keeps its Interim-Updates and gets its Stop,
	 * once; "after" starts unaccounted */
	acct_rec(&a, LNS_RAD_ACCT_INTERIM, "during");
	CU_ASSERT_EQUAL(lns_radc_acct_session(c, &during, LNS_RAD_ACCT_INTERIM, false, &a, now), 0);
	acct_rec(&a, LNS_RAD_ACCT_START, "after");
	CU_ASSERT_EQUAL(lns_radc_acct_session(c, &after, LNS_RAD_ACCT_START, false, &a, now), 1);
	acct_rec(&a, LNS_RAD_ACCT_STOP, "during");
	CU_ASSERT_EQUAL(lns_radc_acct_session(c, &during, LNS_RAD_ACCT_STOP, false, &a, now), 0);
	CU_ASSERT_EQUAL(lns_radc_acct_session(c, &during, LNS_RAD_ACCT_STOP, false, &a, now), 1);
	acct_rec(&a, LNS_RAD_ACCT_INTERIM, "during");   /* nothing after the Stop */
	CU_ASSERT_EQUAL(lns_radc_acct_session(c, &during, LNS_RAD_ACCT_INTERIM, true, &a, now), 1);
	acct_rec(&a, LNS_RAD_ACCT_STOP, "after");
	CU_ASSERT_EQUAL(lns_radc_acct_session(c, &after, LNS_RAD_ACCT_STOP, true, &a, now), 1);
	/* what the server saw: exactly "during"'s Start, Interim, Stop */
	for (int i = 0; i < 20 && lns_radc_acct_pending(c) > 0; i++)
		spin(c, ts, f, 1, &now, 1);
	CU_ASSERT_EQUAL(lns_radc_acct_pending(c), 0);
	CU_ASSERT_EQUAL(f[0].n_order, 3);
	CU_ASSERT(f[0].order[0] == LNS_RAD_ACCT_START && f[0].order[1] == LNS_RAD_ACCT_INTERIM &&
		  f[0].order[2] == LNS_RAD_ACCT_STOP);

	/* a Start that cannot be queued (the bound) leaves its session unaccounted:
	 * no Stop for it later either */
	f[0].answer = false;
	acct_rec(&a, LNS_RAD_ACCT_START, "filler");
	for (int i = 0; i < 16; i++)
		CU_ASSERT_EQUAL(lns_radc_acct(c, &a, now), 0);
	acct_rec(&a, LNS_RAD_ACCT_START, "lost");
	CU_ASSERT_EQUAL(lns_radc_acct_session(c, &lost, LNS_RAD_ACCT_START, true, &a, now),
			-ENOBUFS);
	CU_ASSERT_FALSE(lost.started);
	acct_rec(&a, LNS_RAD_ACCT_STOP, "lost");
	CU_ASSERT_EQUAL(lns_radc_acct_session(c, &lost, LNS_RAD_ACCT_STOP, true, &a, now), 1);
	CU_ASSERT_EQUAL(lns_radc_acct_pending(c), 16);
	lns_radc_free(c);
	lns_timers_free(ts);
	close(f[0].fd);
}

static int
pending_auths(struct auth_res *r, int n)
{
	int k = 0;

	for (int i = 0; i < n; i++)
		k += r[i].calls == 0;
	return k;
}

/* Reload (lns_radc_reconfigure): servers added, removed, reordered, a secret
 * changed; nothing in flight is lost or answered under the wrong secret. */
static void
test_client_reconfigure(void)
{
	struct fake_srv f[3];
	struct lns_radius_conf rc1, rc2, rc3, rc4;
	struct lns_timers *ts = lns_timers_create(64);
	struct lns_radc *c;
	struct lns_rad_attrs a;
	struct auth_res r[2];
	struct lns_radc_server_info si;
	uint64_t ctr[LNS_RADC_STAT_MAX], now = 1000;
	uint32_t h;
	char err[128];

	fake_open(&f[0], "one");
	fake_open(&f[1], "two");
	fake_open(&f[2], "three");
	conf_for(&rc1, f, 1);
	c = lns_radc_create(&rc1, ts, now, err, sizeof(err));
	CU_ASSERT_FATAL(c != NULL);
	lns_rad_attrs_init(&a);
	lns_rad_add_str(&a, LNS_RA_USER_NAME, "u");

	/* 1. an unchanged server keeps its request: a server added in front of it
	 * does not make it resend, and its answer still counts */
	memset(r, 0, sizeof(r));
	CU_ASSERT_EQUAL(lns_radc_auth(c, &a, (const uint8_t *)"p", 1, auth_cb, &r[0], &h, now), 0);
	conf_for(&rc2, &f[1], 1);
	rc2.n_servers = 2;
	rc2.servers[1] = rc1.servers[0];
	lns_radc_reconfigure(c, &rc2, now);
	memset(&rc1, 0xa5, sizeof(rc1));        /* the old configuration is gone */
	for (int i = 0; i < 5 && r[0].calls == 0; i++)
		spin(c, ts, f, 3, &now, 1);
	CU_ASSERT_EQUAL(r[0].calls, 1);
	CU_ASSERT_EQUAL(r[0].status, 0);
	CU_ASSERT_EQUAL(f[0].got, 1);
	CU_ASSERT_EQUAL(f[1].got, 0);
	CU_ASSERT_EQUAL(lns_radc_server_count(c), 2);
	CU_ASSERT_EQUAL(lns_radc_server(c, 1, &si), 0);
	CU_ASSERT_EQUAL(si.auth_port, f[0].port);
	CU_ASSERT_EQUAL(si.responses, 1);       /* its history moved with it */

	/* 2. requests in flight to a server that is removed: re-signed for the new
	 * list, the accounting from its queue; nothing lost */
	f[0].answer = f[1].answer = false;
	memset(r, 0, sizeof(r));
	CU_ASSERT_EQUAL(lns_radc_auth(c, &a, (const uint8_t *)"p", 1, auth_cb, &r[0], &h, now), 0);
	CU_ASSERT_EQUAL(lns_radc_auth(c, &a, NULL, 0, auth_cb, &r[1], &h, now), 0);
	lns_rad_attrs_init(&a);
	lns_rad_add_u32(&a, LNS_RA_ACCT_STATUS_TYPE, LNS_RAD_ACCT_START);
	for (int i = 0; i < 3; i++)
		CU_ASSERT_EQUAL(lns_radc_acct(c, &a, now), 0);
	spin(c, ts, f, 3, &now, 1);             /* sent to server 0 (f[1]), unanswered */
	CU_ASSERT_EQUAL(f[1].got, 5);
	conf_for(&rc3, &f[2], 1);
	lns_radc_reconfigure(c, &rc3, now);
	memset(&rc2, 0xa5, sizeof(rc2));
	for (int i = 0; i < 10 && (pending_auths(r, 2) > 0 || lns_radc_acct_pending(c) > 0); i++)
		spin(c, ts, f, 3, &now, 1);
	CU_ASSERT_EQUAL(pending_auths(r, 2), 0);
	CU_ASSERT_EQUAL(r[0].status, 0);
	CU_ASSERT_EQUAL(r[1].status, 0);
	CU_ASSERT_EQUAL(lns_radc_acct_pending(c), 0);
	CU_ASSERT_EQUAL(f[2].got, 5);
	CU_ASSERT_EQUAL(f[2].bad, 0);
	CU_ASSERT_EQUAL(f[1].got, 5);           /* nothing more went to the removed one */

	/* 3. the same server, a new secret: what was in flight under the old one is
	 * sent again signed with the new one, and only answers under it count */
	f[2].answer = false;
	for (int i = 0; i < 2; i++)
		CU_ASSERT_EQUAL(lns_radc_acct(c, &a, now), 0);
	lns_rad_attrs_init(&a);
	lns_rad_add_str(&a, LNS_RA_USER_NAME, "u");
	memset(r, 0, sizeof(r));
	CU_ASSERT_EQUAL(lns_radc_auth(c, &a, (const uint8_t *)"p", 1, auth_cb, &r[0], &h, now), 0);
	spin(c, ts, f, 3, &now, 1);             /* read and dropped: the old secret */
	CU_ASSERT_EQUAL(f[2].got, 8);
	f[2].secret = "three-rotated";
	f[2].answer = true;
	conf_for(&rc4, &f[2], 1);
	lns_radc_reconfigure(c, &rc4, now);
	memset(&rc3, 0xa5, sizeof(rc3));
	for (int i = 0; i < 10 && (r[0].calls == 0 || lns_radc_acct_pending(c) > 0); i++)
		spin(c, ts, f, 3, &now, 1);
	CU_ASSERT_EQUAL(r[0].calls, 1);
	CU_ASSERT_EQUAL(r[0].status, 0);
	CU_ASSERT_EQUAL(lns_radc_acct_pending(c), 0);
	CU_ASSERT_EQUAL(f[2].got, 11);
	CU_ASSERT_EQUAL(f[2].bad, 0);
	lns_radc_counters(c, ctr);
	CU_ASSERT_EQUAL(ctr[LNS_RADC_BAD_AUTHENTICATOR], 0);
	CU_ASSERT_EQUAL(ctr[LNS_RADC_AUTH_TIMEOUTS], 0);

	/* 4. a dead server stays dead (held down) when the list is reordered */
	f[2].answer = false;
	conf_for(&rc1, f, 1);
	rc1.n_servers = 2;
	rc1.servers[1] = rc4.servers[0];
	lns_radc_reconfigure(c, &rc1, now);
	memset(r, 0, sizeof(r));
	/* f[0] first and silent: it goes dead, the request fails over to f[2] (silent) */
	CU_ASSERT_EQUAL(lns_radc_auth(c, &a, NULL, 0, auth_cb, &r[0], &h, now), 0);
	for (int i = 0; i < 10 && r[0].calls == 0; i++)
		spin(c, ts, f, 3, &now, 60);
	CU_ASSERT_EQUAL(lns_radc_server(c, 0, &si), 0);
	CU_ASSERT_STRING_EQUAL(si.state, "dead");
	conf_for(&rc2, f, 1);
	rc2.n_servers = 2;
	rc2.servers[0] = rc4.servers[0];
	rc2.servers[1] = rc1.servers[0];
	lns_radc_reconfigure(c, &rc2, now);
	CU_ASSERT_EQUAL(lns_radc_server(c, 1, &si), 0);
	CU_ASSERT_EQUAL(si.auth_port, f[0].port);
	CU_ASSERT_STRING_EQUAL(si.state, "dead");

	lns_radc_free(c);
	lns_timers_free(ts);
	for (int i = 0; i < 3; i++)
		close(f[i].fd);
}

/* Mikrotik-Rate-Limit values as MikroTik documents them and as operators
 * write them, then bad ones (each must be refused, never half-applied). */
static int
rl(const char *v, uint64_t *up, uint64_t *down)
{
	return lns_rad_parse_rate_limit((const uint8_t *)v, strlen(v), up, down);
}

static void
test_rate_limit(void)
{
	static const struct { const char *v; uint64_t up, down; } good[] = {
		{ "2M/10M", 2000000, 10000000 },
		{ "512k/2M", 512000, 2000000 },
		{ "512K/2M", 512000, 2000000 },
		{ "1000000", 1000000, 1000000 },            /* tx omitted = rx */
		{ "0/5M", 0, 5000000 },                     /* 0 = unlimited */
		{ "1G/1G", 1000000000, 1000000000 },
		{ "10M/10M 20M/20M 8M/8M 10/10", 10000000, 10000000 },
		{ "10M/20M 20M/40M 8M/16M 10/10 8 1M/2M", 10000000, 20000000 },
		{ "  2M/4M  ", 2000000, 4000000 },
		{ "400000000000", 400000000000ull, 400000000000ull },
	};
	static const char *const bad[] = {
		"", "   ", "M", "/", "2M/", "/2M", "2M//4M", "2M/4M/6M", "2x/4M", "-1/2M",
		"2.5M/4M", "2 M", "1T/1T", "400000000001", "9999999999999",
		"10M/10M 20M/20M 8M/8M 10/10 9",          /* priority 1..8 */
		"10M/10M 20M/20M 8M/8M 10/10 0",
		"10M/10M 20M/20M 8M/8M 10/10 1/2",        /* priority is no pair */
		"10M/10M 20M/20M 8M/8M 10k/10",           /* times have no suffix */
		"1 2 3 4 5 6 7",                          /* more fields than the format */
		"2M\t4M",
	};
	uint64_t up = 7, down = 7;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		CU_ASSERT_EQUAL_FATAL(rl(good[i].v, &up, &down), 0);
		CU_ASSERT_EQUAL(up, good[i].up);
		CU_ASSERT_EQUAL(down, good[i].down);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		up = down = 7;
		CU_ASSERT_EQUAL(rl(bad[i], &up, &down), -EINVAL);
		if (up != 7 || down != 7)
			printf("\nbad value '%s' changed the output\n", bad[i]);
		CU_ASSERT(up == 7 && down == 7);
	}
	/* an embedded NUL (the attribute is counted, not terminated) */
	CU_ASSERT_EQUAL(lns_rad_parse_rate_limit((const uint8_t *)"2M\0/4M", 6, &up, &down),
			-EINVAL);
	/* a VSA carrying it, found as FreeRADIUS would send it */
	{
		static const uint8_t pkt[] = {
			2, 1, 0, 20 + 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
			26, 16, 0, 0, 0x3a, 0x8c, 8, 10, '5', '1', '2', 'k', '/', '2', 'M', ' ',
		};
		struct lns_rad_view v;
		const uint8_t *d;
		uint8_t n;

		CU_ASSERT_EQUAL_FATAL(lns_rad_parse(pkt, sizeof(pkt), &v), 0);
		CU_ASSERT_EQUAL_FATAL(lns_rad_find_vsa(&v, LNS_RAD_VENDOR_MIKROTIK,
						       LNS_RA_MIKROTIK_RATE_LIMIT, &d, &n), 1);
		CU_ASSERT_EQUAL(lns_rad_parse_rate_limit(d, n, &up, &down), 0);
		CU_ASSERT_EQUAL(up, 512000);
		CU_ASSERT_EQUAL(down, 2000000);
	}
}

/* Accounting-On as a barrier: it waits for the records before it, and the
 * records after it wait for it (a server frees the NAS's leases on it). */
static void
test_client_acct_barrier(void)
{
	struct fake_srv f[1];
	struct lns_radius_conf rc;
	struct lns_timers *ts = lns_timers_create(64);
	struct lns_radc *c;
	struct lns_rad_attrs a;
	uint64_t now = 1000;
	uint32_t last_start = 0, first_on = 99, last_on = 0, first_stop = 99;
	char err[128];

	fake_open(&f[0], "sec");
	conf_for(&rc, f, 1);
	rc.timeout_ms = 1000;
	f[0].answer = false;
	c = lns_radc_create(&rc, ts, now, err, sizeof(err));
	CU_ASSERT_FATAL(c != NULL);
	for (int i = 0; i < 2; i++) {
		lns_rad_attrs_init(&a);
		lns_rad_add_u32(&a, LNS_RA_ACCT_STATUS_TYPE, LNS_RAD_ACCT_START);
		lns_rad_add_str(&a, LNS_RA_ACCT_SESSION_ID, i ? "old1" : "old0");
		CU_ASSERT_EQUAL(lns_radc_acct(c, &a, now), 0);
	}
	lns_rad_attrs_init(&a);
	lns_rad_add_u32(&a, LNS_RA_ACCT_STATUS_TYPE, LNS_RAD_ACCT_ON);
	lns_rad_add_str(&a, LNS_RA_ACCT_SESSION_ID, "on");
	CU_ASSERT_EQUAL(lns_radc_acct_barrier(c, &a, now), 0);
	lns_rad_attrs_init(&a);
	lns_rad_add_u32(&a, LNS_RA_ACCT_STATUS_TYPE, LNS_RAD_ACCT_STOP);
	lns_rad_add_str(&a, LNS_RA_ACCT_SESSION_ID, "new");
	CU_ASSERT_EQUAL(lns_radc_acct(c, &a, now), 0);
	for (int i = 0; i < 5; i++)
		spin(c, ts, f, 1, &now, 1);
	/* the two before it are out; the barrier waits for their answers */
	CU_ASSERT_EQUAL(f[0].got, 2);
	CU_ASSERT_EQUAL(lns_radc_barriers_acked(c), 0);
	f[0].answer = true;
	for (int i = 0; i < 400 && lns_radc_acct_pending(c) > 0; i++)
		spin(c, ts, f, 1, &now, 20);
	CU_ASSERT_EQUAL(lns_radc_acct_pending(c), 0);
	CU_ASSERT_EQUAL(lns_radc_barriers_acked(c), 1);
	for (uint32_t i = 0; i < f[0].n_order; i++) {
		if (f[0].order[i] == LNS_RAD_ACCT_START)
			last_start = i;
		if (f[0].order[i] == LNS_RAD_ACCT_ON) {
			last_on = i;
			if (first_on == 99)
				first_on = i;
		}
		if (f[0].order[i] == LNS_RAD_ACCT_STOP && first_stop == 99)
			first_stop = i;
	}
	CU_ASSERT(first_on != 99 && first_stop != 99);
	CU_ASSERT(last_start < first_on);       /* the previous run's records first */
	CU_ASSERT(last_on < first_stop);        /* this run's after the answer */
	lns_radc_free(c);
	lns_timers_free(ts);
	close(f[0].fd);
}

/* One session's records keep their order (a Stop never overtakes its Start);
 * other sessions' records go in parallel. */
static void
test_client_acct_session_order(void)
{
	struct fake_srv f[1];
	struct lns_radius_conf rc;
	struct lns_timers *ts = lns_timers_create(64);
	struct lns_radc *c;
	struct lns_rad_attrs a;
	uint64_t now = 1000;
	char err[128];
	static const struct { uint32_t st; const char *id; } recs[] = {
		{ LNS_RAD_ACCT_START, "A" }, { LNS_RAD_ACCT_STOP, "A" }, { LNS_RAD_ACCT_START, "B" },
	};

	fake_open(&f[0], "sec");
	conf_for(&rc, f, 1);
	rc.timeout_ms = 1000;
	f[0].answer = false;
	c = lns_radc_create(&rc, ts, now, err, sizeof(err));
	CU_ASSERT_FATAL(c != NULL);
	for (size_t i = 0; i < sizeof(recs) / sizeof(recs[0]); i++) {
		lns_rad_attrs_init(&a);
		lns_rad_add_u32(&a, LNS_RA_ACCT_STATUS_TYPE, recs[i].st);
		lns_rad_add_str(&a, LNS_RA_ACCT_SESSION_ID, recs[i].id);
		CU_ASSERT_EQUAL(lns_radc_acct(c, &a, now), 0);
	}
	for (int i = 0; i < 5; i++)
		spin(c, ts, f, 1, &now, 1);
	CU_ASSERT_EQUAL(f[0].got, 2);           /* A's Start and B's Start; A's Stop waits */
	f[0].answer = true;
	for (int i = 0; i < 400 && lns_radc_acct_pending(c) > 0; i++)
		spin(c, ts, f, 1, &now, 20);
	CU_ASSERT_EQUAL(lns_radc_acct_pending(c), 0);
	CU_ASSERT(f[0].n_order >= 3);
	CU_ASSERT_EQUAL(f[0].order[f[0].n_order - 1], LNS_RAD_ACCT_STOP);
	lns_radc_free(c);
	lns_timers_free(ts);
	close(f[0].fd);
}

/* A reload that moves a session's in-flight Start to another server: its Stop,
 * held behind it, still follows it (the key is released, nothing is stuck). */
static void
test_client_reconfigure_order(void)
{
	struct fake_srv f[2];
	struct lns_radius_conf rc1, rc2;
	struct lns_timers *ts = lns_timers_create(64);
	struct lns_radc *c;
	struct lns_rad_attrs a;
	uint64_t now = 1000;
	char err[128];

	fake_open(&f[0], "one");
	fake_open(&f[1], "two");
	conf_for(&rc1, f, 1);
	rc1.timeout_ms = 1000;
	f[0].answer = false;
	c = lns_radc_create(&rc1, ts, now, err, sizeof(err));
	CU_ASSERT_FATAL(c != NULL);
	for (int i = 0; i < 2; i++) {
		lns_rad_attrs_init(&a);
		lns_rad_add_u32(&a, LNS_RA_ACCT_STATUS_TYPE,
				i == 0 ? LNS_RAD_ACCT_START : LNS_RAD_ACCT_STOP);
		lns_rad_add_str(&a, LNS_RA_ACCT_SESSION_ID, "A");
		CU_ASSERT_EQUAL(lns_radc_acct(c, &a, now), 0);
	}
	spin(c, ts, f, 2, &now, 1);
	CU_ASSERT_EQUAL(f[0].got, 1);           /* the Start; the Stop waits for it */
	conf_for(&rc2, &f[1], 1);
	rc2.timeout_ms = 1000;
	lns_radc_reconfigure(c, &rc2, now);
	for (int i = 0; i < 20 && lns_radc_acct_pending(c) > 0; i++)
		spin(c, ts, f, 2, &now, 1);
	CU_ASSERT_EQUAL(lns_radc_acct_pending(c), 0);
	CU_ASSERT_EQUAL(f[1].n_order, 2);
	CU_ASSERT_EQUAL(f[1].order[0], LNS_RAD_ACCT_START);
	CU_ASSERT_EQUAL(f[1].order[1], LNS_RAD_ACCT_STOP);
	CU_ASSERT_EQUAL(f[1].bad, 0);
	lns_radc_free(c);
	lns_timers_free(ts);
	close(f[0].fd);
	close(f[1].fd);
}

int
main(void)
{
	CU_pSuite s;
	unsigned int fails;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("radius", NULL, NULL);
	CU_add_test(s, "RFC 2865 7.1 vectors", test_rfc2865_vectors);
	CU_add_test(s, "radclient-made packets", test_radclient_packets);
	CU_add_test(s, "build and parse", test_build_parse);
	CU_add_test(s, "malformed input", test_malformed);
	CU_add_test(s, "Mikrotik-Rate-Limit values", test_rate_limit);
	CU_add_test(s, "client: auth, failover, hold-down, probe", test_client_auth_failover);
	CU_add_test(s, "client: accounting bound and spool", test_client_acct_queue_spool);
	CU_add_test(s, "client: Accounting-On barrier", test_client_acct_barrier);
	CU_add_test(s, "client: accounting toggled live, per session",
		    test_client_acct_toggle);
	CU_add_test(s, "client: one session's records in order", test_client_acct_session_order);
	CU_add_test(s, "client: reconfigured live", test_client_reconfigure);
	CU_add_test(s, "client: reconfigured live, a session's order kept",
		    test_client_reconfigure_order);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures();
	CU_cleanup_registry();
	return fails ? 1 : 0;
}

const char *radclient_disconnect_hex =
	"2868003982e3ab6b94cac3f4982d70c200582e1b0109706170757365722c04733104067f00000150"
	"12ee8b428f5e717908c6fabba9abdd2ea7";
const char *radclient_acct_hex =
	"045d00270fea5ada5853dda4cdc5f86dc7ecb31e2806000000010109706170757365722c047331"
	"";
