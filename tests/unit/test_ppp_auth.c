/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of authentication: MD4 (RFC 1320), DES (FIPS 81 / classic vector),
 * MS-CHAPv2 (RFC 2759 §9.2 vectors), CHAP-MD5 (vector computed with Python's
 * hashlib), and PAP / CHAP-MD5 / MS-CHAPv2 sessions incl. retries, failure,
 * an asynchronous authenticator and malformed packets.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "ppp/ppp_harness.h"

static void
hex(const char *s, uint8_t *out)
{
	for (size_t i = 0; s[2 * i]; i++) {
		unsigned int v;

		sscanf(s + 2 * i, "%2x", &v);
		out[i] = (uint8_t)v;
	}
}

static void
hexn(const char *s, size_t n, uint8_t *out)
{
	for (size_t i = 0; i < n; i++) {
		unsigned int v;

		sscanf(s + 2 * i, "%2x", &v);
		out[i] = (uint8_t)v;
	}
}

static void
test_md4_des(void)
{
	static const struct { const char *in, *md; } v[] = {   /* RFC 1320 §A.5 */
		{ "", "31d6cfe0d16ae931b73c59d7e0c089c0" },
		{ "a", "bde52cb31de33e46245e05fbdbd6fb24" },
		{ "abc", "a448017aaf21d8525fc10ae87aa6729d" },
		{ "message digest", "d9130a8164549fe818874806e1c7014b" },
		{ "12345678901234567890123456789012345678901234567890123456789012345678901234567890",
		  "e33b4ddc9c38f2199c3e7b164fcc0536" },
	};
	uint8_t out[16], want[16];

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		lns_md4((const uint8_t *)v[i].in, strlen(v[i].in), out);
		hex(v[i].md, want);
		CU_ASSERT_EQUAL(memcmp(out, want, 16), 0);
	}
	/* DES: key 133457799BBCDFF1, 0123456789ABCDEF -> 85E813540F0AB405. The
	 * 7-octet form packs the 7 high bits of each key octet (parity dropped). */
	{
		const uint8_t k8[8] = { 0x13, 0x34, 0x57, 0x79, 0x9b, 0xbc, 0xdf, 0xf1 };
		const uint8_t pt[8] = { 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef };
		const uint8_t ct[8] = { 0x85, 0xe8, 0x13, 0x54, 0x0f, 0x0a, 0xb4, 0x05 };
		uint8_t k7[7] = { 0 }, c[8];
		int bit = 0;

		for (int i = 0; i < 8; i++)
			for (int b = 7; b >= 1; b--, bit++)
				if (k8[i] >> b & 1)
					k7[bit / 8] |= (uint8_t)(0x80 >> (bit % 8));
		lns_des_7(k7, pt, c);
		CU_ASSERT_EQUAL(memcmp(c, ct, 8), 0);
	}
}

/* RFC 2759 §9.2 */
static const char *const V_USER = "User";
static const char *const V_PASS = "clientPass";
static const char *const V_AUTHCH = "5B5D7C7D7B3F2F3E3C2C602132262628";
static const char *const V_PEERCH = "21402324255E262A28295F2B3A337C7E";
static const char *const V_NTRESP = "82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF";
static const char *const V_HASH = "44EBBA8D5312B8D611474411F56989AE";
static const char *const V_HASHHASH = "41C00C584BD2D91C4017A2A12FA59F3F";
static const char *const V_AUTHRESP = "S=407A5589115FD0D6209F510FE9C04566932CDA56";

static void
test_mschapv2_vectors(void)
{
	uint8_t ac[16], pc[16], want[24], hash[16], hh[16], resp[24];
	char ar[LNS_MSCHAP_AUTH_RESP_LEN + 1];

	hex(V_AUTHCH, ac);
	hex(V_PEERCH, pc);
	lns_mschap_nt_hash((const uint8_t *)V_PASS, strlen(V_PASS), hash);
	hex(V_HASH, want);
	CU_ASSERT_EQUAL(memcmp(hash, want, 16), 0);
	lns_md4(hash, 16, hh);
	hex(V_HASHHASH, want);
	CU_ASSERT_EQUAL(memcmp(hh, want, 16), 0);
	lns_mschap_nt_response(ac, pc, V_USER, hash, resp);
	hex(V_NTRESP, want);
	CU_ASSERT_EQUAL(memcmp(resp, want, 24), 0);
	lns_mschap_auth_response(hash, resp, pc, ac, V_USER, ar);
	CU_ASSERT_STRING_EQUAL(ar, V_AUTHRESP);
	/* a domain prefix is not part of the hashed name (§8.2) */
	lns_mschap_nt_response(ac, pc, "CORP\\User", hash, resp);
	CU_ASSERT_EQUAL(memcmp(resp, want, 24), 0);
}

static void
test_chap_md5_vector(void)
{
	uint8_t ch[16], out[16], want[16];

	for (int i = 0; i < 16; i++)
		ch[i] = (uint8_t)i;
	/* python3: hashlib.md5(bytes([1]) + b'secret' + bytes(range(16))) */
	hex("740e86463bda3a4d7017d6e0fba0699d", want);
	lns_chap_md5(1, (const uint8_t *)"secret", 6, ch, 16, out);
	CU_ASSERT_EQUAL(memcmp(out, want, 16), 0);
}

/* ------------------------------------------------------------- sessions --- */

/* verdict i as ops->auth reported it; reason: a substring it must hold */
static void
verdict_is(const struct harness *h, int i, bool ok, enum lns_ppp_auth m, const char *user,
	   uint8_t attempt, const char *reason)
{
	const struct h_verdict *v = &h->verdict[i];

	CU_ASSERT_FATAL(i < h->n_verdicts);
	CU_ASSERT_EQUAL(v->ok, ok);
	CU_ASSERT_EQUAL(v->method, m);
	CU_ASSERT_STRING_EQUAL(v->user, user);
	CU_ASSERT_EQUAL(v->attempt, attempt);
	CU_ASSERT_FALSE(v->proxied);
	CU_ASSERT_PTR_NOT_NULL(strstr(v->reason, reason));
	/* reported before PPP answers: the answer is the next packet sent */
	CU_ASSERT(v->sent_before < h->n);
}

static void
test_pap(void)
{
	const uint8_t auth[] = { LNS_AUTH_PAP };
	struct harness h;
	struct h_pkt *k;
	const uint8_t *o;

	h_init(&h, auth, 1);
	h_start(&h);
	k = h_next(&h, LNS_PPP_LCP, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(k);
	o = h_opt(k, 3);
	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	CU_ASSERT(o[1] == 4 && o[2] == 0xc0 && o[3] == 0x23);
	h.seen = 0;
	h_lcp_open(&h);
	/* IPCP before authentication is discarded (RFC 1661 §3.5) */
	h_in(&h, LNS_PPP_IPCP, 1, 1, NULL, 0);
	CU_ASSERT_PTR_NULL(h_next(&h, LNS_PPP_IPCP, 0));
	CU_ASSERT_EQUAL(h.stats.c[LNS_PPP_STAT_DISCARDED], 1);
	/* wrong password: Nak, may retry */
	h_pap(&h, 7, "alice", "wrong");
	k = h_next(&h, LNS_PPP_PAP, 3);
	CU_ASSERT_PTR_NOT_NULL_FATAL(k);
	CU_ASSERT_EQUAL(k->b[1], 7);
	CU_ASSERT_EQUAL(h.stats.c[LNS_PPP_STAT_AUTH_FAIL_PAP], 1);
	CU_ASSERT_EQUAL(h.n_verdicts, 1);
	verdict_is(&h, 0, false, LNS_AUTH_PAP, "alice", 1, "local=bad-credentials");
	CU_ASSERT_PTR_EQUAL(&h.pkt[h.verdict[0].sent_before], k);   /* the Nak came after */
	/* a password that is a prefix of the right one is wrong too */
	h_pap(&h, 8, "alice", "secre");
	CU_ASSERT_PTR_NOT_NULL(h_next(&h, LNS_PPP_PAP, 3));
	CU_ASSERT_EQUAL(h.n_verdicts, 2);
	/* malformed: Peer-ID-Length beyond the packet: counted, no verdict */
	{
		const uint8_t bad[] = { 200, 'a', 'b' };

		h_in(&h, LNS_PPP_PAP, 1, 9, bad, sizeof(bad));
		CU_ASSERT_EQUAL(h.stats.c[LNS_PPP_STAT_MALFORMED], 1);
		CU_ASSERT_PTR_NULL(h_next(&h, LNS_PPP_PAP, 0));
		CU_ASSERT_EQUAL(h.n_verdicts, 2);
	}
	h_pap(&h, 10, "alice", "secret");
	k = h_next(&h, LNS_PPP_PAP, 2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(k);
	CU_ASSERT_EQUAL(k->b[1], 10);
	CU_ASSERT_EQUAL(h.stats.c[LNS_PPP_STAT_AUTH_OK_PAP], 1);
	CU_ASSERT_EQUAL(h.n_verdicts, 3);
	verdict_is(&h, 2, true, LNS_AUTH_PAP, "alice", 3, "local=ok");
	/* a repeated request (our Ack lost) gets the Ack again, no new verdict */
	{
		int mark = h.seen;

		h_pap(&h, 11, "alice", "secret");
		k = h_next(&h, LNS_PPP_PAP, 2);
		CU_ASSERT_PTR_NOT_NULL(k);
		h.seen = mark;
	}
	CU_ASSERT_EQUAL(h.stats.c[LNS_PPP_STAT_AUTH_OK_PAP], 1);
	CU_ASSERT_EQUAL(h.n_verdicts, 3);       /* the repeated Ack is no new verdict */
	h_ipcp_open(&h);
	CU_ASSERT_EQUAL(h.ups, 1);
	CU_ASSERT_EQUAL(h.up_addr, h_ip("10.1.0.1"));
	{
		struct lns_ppp_info inf;

		lns_ppp_get_info(h.p, &inf);
		CU_ASSERT_STRING_EQUAL(inf.phase, "network");
		CU_ASSERT_STRING_EQUAL(inf.user, "alice");
		CU_ASSERT_STRING_EQUAL(inf.auth_method, "pap");
		CU_ASSERT_EQUAL(inf.addr, h_ip("10.1.0.1"));
		CU_ASSERT_EQUAL(inf.up_since_ms, h.now);
	}
	CU_ASSERT_EQUAL(h.downs, 0);
	h_fini(&h);
}

static void
test_pap_retries_exhausted(void)
{
	const uint8_t auth[] = { LNS_AUTH_PAP };
	struct harness h;
	struct h_pkt *k;

	h_init(&h, auth, 1);
	h_start(&h);
	h_lcp_open(&h);
	for (int i = 0; i < 3; i++) {
		h_pap(&h, (uint8_t)i, "alice", "nope");
		CU_ASSERT_PTR_NOT_NULL(h_next(&h, LNS_PPP_PAP, 3));
	}
	/* third failure: Nak, then LCP Terminate-Request; down on Terminate-Ack */
	k = h_next(&h, LNS_PPP_LCP, 5);
	CU_ASSERT_PTR_NOT_NULL_FATAL(k);
	CU_ASSERT_EQUAL(h.downs, 0);
	CU_ASSERT_EQUAL(h.n_verdicts, 3);
	verdict_is(&h, 2, false, LNS_AUTH_PAP, "alice", 3, "local=bad-credentials");
	h_pap(&h, 4, "alice", "secret");              /* too late: ignored */
	CU_ASSERT_PTR_NULL(h_next(&h, LNS_PPP_PAP, 0));
	CU_ASSERT_EQUAL(h.n_verdicts, 3);
	h_in(&h, LNS_PPP_LCP, 6, k->b[1], NULL, 0);
	CU_ASSERT_EQUAL(h.downs, 1);
	CU_ASSERT_EQUAL(h.down_reason, LNS_PPP_DOWN_AUTH_FAILED);
	CU_ASSERT_EQUAL(h.stats.c[LNS_PPP_STAT_AUTH_FAIL_PAP], 3);
	CU_ASSERT_EQUAL(h.ups, 0);
	h_fini(&h);
}

static void
test_pap_unknown_user_and_timeout(void)
{
	const uint8_t auth[] = { LNS_AUTH_PAP };
	struct harness h;

	h_init(&h, auth, 1);
	h.conf.ppp.auth_retries = 1;
	h_start(&h);
	h_lcp_open(&h);
	h_pap(&h, 1, "mallory", "secret");
	CU_ASSERT_PTR_NOT_NULL(h_next(&h, LNS_PPP_PAP, 3));
	CU_ASSERT_EQUAL(h.n_verdicts, 1);
	verdict_is(&h, 0, false, LNS_AUTH_PAP, "mallory", 1, "local=unknown-user");
	CU_ASSERT_PTR_NOT_NULL(h_next(&h, LNS_PPP_LCP, 5));
	/* no Terminate-Ack: Max-Terminate timeouts, then down */
	h_advance(&h, 3000);
	CU_ASSERT_EQUAL(h.downs, 0);
	h_advance(&h, 3000);
	CU_ASSERT_EQUAL(h.downs, 1);
	CU_ASSERT_EQUAL(h.down_reason, LNS_PPP_DOWN_AUTH_FAILED);
	h_fini(&h);

	/* the peer never sends Authenticate-Request */
	h_init(&h, auth, 1);
	h_start(&h);
	h_lcp_open(&h);
	h_advance(&h, 29999);
	CU_ASSERT_PTR_NULL(h_next(&h, LNS_PPP_LCP, 5));
	h_advance(&h, 1);
	CU_ASSERT_PTR_NOT_NULL(h_next(&h, LNS_PPP_LCP, 5));
	CU_ASSERT_EQUAL(h.stats.c[LNS_PPP_STAT_AUTH_TIMEOUT], 1);
	CU_ASSERT_EQUAL(h.n_verdicts, 0);       /* a timeout is no verdict (ppp-down says it) */
	h_advance(&h, 3000);
	h_advance(&h, 3000);
	CU_ASSERT_EQUAL(h.downs, 1);
	CU_ASSERT_EQUAL(h.down_reason, LNS_PPP_DOWN_AUTH_TIMEOUT);
	h_fini(&h);
}

static void
chap_response(struct harness *h, const struct h_pkt *ch, uint8_t id, const char *user,
	      const uint8_t *val, size_t vlen)
{
	uint8_t d[300];
	size_t ul = strlen(user);

	(void)ch;
	d[0] = (uint8_t)vlen;
	memcpy(d + 1, val, vlen);
	memcpy(d + 1 + vlen, user, ul);
	h_in(h, LNS_PPP_CHAP, 2, id, d, 1 + vlen + ul);
}

static void
test_chap_md5(void)
{
	const uint8_t auth[] = { LNS_AUTH_CHAP_MD5 };
	struct harness h;
	struct h_pkt *ch, *k;
	uint8_t r[16];
	const uint8_t *o;

	h_init(&h, auth, 1);
	h_start(&h);
	k = h_next(&h, LNS_PPP_LCP, 1);
	o = h_opt(k, 3);
	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	CU_ASSERT(o[1] == 5 && o[2] == 0xc2 && o[3] == 0x23 && o[4] == 5);
	h.seen = 0;
	h_lcp_open(&h);
	ch = h_next(&h, LNS_PPP_CHAP, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ch);
	CU_ASSERT_EQUAL(ch->b[4], 16);
	CU_ASSERT_EQUAL(memcmp(ch->b + 5 + 16, "lnsd", 4), 0);
	/* no answer: the same Challenge again after 3 s (RFC 1994 §4.1) */
	h_advance(&h, 3000);
	k = h_next(&h, LNS_PPP_CHAP, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(k);
	CU_ASSERT_EQUAL(memcmp(k->b, ch->b, ch->len), 0);
	/* wrong secret: Failure and a new Challenge */
	lns_chap_md5(ch->b[1], (const uint8_t *)"bad", 3, ch->b + 5, 16, r);
	chap_response(&h, ch, ch->b[1], "alice", r, 16);
	CU_ASSERT_PTR_NOT_NULL(h_next(&h, LNS_PPP_CHAP, 4));
	CU_ASSERT_EQUAL(h.n_verdicts, 1);
	verdict_is(&h, 0, false, LNS_AUTH_CHAP_MD5, "alice", 1, "local=bad-credentials");
	k = h_next(&h, LNS_PPP_CHAP, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(k);
	CU_ASSERT_NOT_EQUAL(k->b[1], ch->b[1]);
	/* an answer to the old Challenge id is discarded */
	chap_response(&h, ch, ch->b[1], "alice", r, 16);
	CU_ASSERT_PTR_NULL(h_next(&h, LNS_PPP_CHAP, 0));
	/* a wrong value size: malformed */
	chap_response(&h, k, k->b[1], "alice", r, 15);
	CU_ASSERT_EQUAL(h.stats.c[LNS_PPP_STAT_MALFORMED], 1);
	lns_chap_md5(k->b[1], (const uint8_t *)"secret", 6, k->b + 5, 16, r);
	chap_response(&h, k, k->b[1], "alice", r, 16);
	CU_ASSERT_PTR_NOT_NULL(h_next(&h, LNS_PPP_CHAP, 3));
	CU_ASSERT_EQUAL(h.stats.c[LNS_PPP_STAT_AUTH_OK_CHAP_MD5], 1);
	CU_ASSERT_EQUAL(h.stats.c[LNS_PPP_STAT_AUTH_FAIL_CHAP_MD5], 1);
	CU_ASSERT_EQUAL(h.n_verdicts, 2);       /* old-id and malformed Responses: none */
	verdict_is(&h, 1, true, LNS_AUTH_CHAP_MD5, "alice", 2, "local=ok");
	/* duplicate Response: Success again */
	{
		int mark = h.seen;

		chap_response(&h, k, k->b[1], "alice", r, 16);
		CU_ASSERT_PTR_NOT_NULL(h_next(&h, LNS_PPP_CHAP, 3));
		h.seen = mark;
	}
	CU_ASSERT_EQUAL(h.n_verdicts, 2);
	h_ipcp_open(&h);
	CU_ASSERT_EQUAL(h.ups, 1);
	h_fini(&h);
}

static void
mschap_value(const uint8_t *auth_ch, const char *user, const char *pw, uint8_t v[49])
{
	uint8_t hash[16];

	memset(v, 0, 49);
	for (int i = 0; i < 16; i++)
		v[i] = (uint8_t)(0x30 + i);                       /* peer challenge */
	lns_mschap_nt_hash((const uint8_t *)pw, strlen(pw), hash);
	lns_mschap_nt_response(auth_ch, v, user, hash, v + 24);
}

static void
test_mschapv2(void)
{
	const uint8_t auth[] = { LNS_AUTH_MSCHAPV2 };
	struct harness h;
	struct h_pkt *ch, *k;
	uint8_t v[49], newch[16], hash[16];
	char msg[200], want[LNS_MSCHAP_AUTH_RESP_LEN + 1];

	h_init(&h, auth, 1);
	/* bob has only an NT hash (of "clientPass") */
	h_add_user(&h, "bob", NULL, "other", 0);
	hex(V_HASH, h.users[1].nt_hash);
	h.users[1].nt_hash_set = true;
	h_start(&h);
	h_lcp_open(&h);
	ch = h_next(&h, LNS_PPP_CHAP, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ch);
	/* wrong password: E=691 R=1 with a new challenge C, V=3 (RFC 2759 §6) */
	mschap_value(ch->b + 5, "bob", "wrongPass", v);
	chap_response(&h, ch, ch->b[1], "bob", v, 49);
	k = h_next(&h, LNS_PPP_CHAP, 4);
	CU_ASSERT_PTR_NOT_NULL_FATAL(k);
	snprintf(msg, sizeof(msg), "%.*s", (int)k->len - 4, (const char *)k->b + 4);
	CU_ASSERT(strncmp(msg, "E=691 R=1 C=", 12) == 0);
	CU_ASSERT(strstr(msg, " V=3 M=") != NULL);
	hexn(msg + 12, 16, newch);
	/* retry: Identifier one more, the new challenge */
	mschap_value(newch, "bob", "clientPass", v);
	chap_response(&h, k, (uint8_t)(k->b[1] + 1), "bob", v, 49);
	k = h_next(&h, LNS_PPP_CHAP, 3);
	CU_ASSERT_PTR_NOT_NULL_FATAL(k);
	lns_mschap_nt_hash((const uint8_t *)"clientPass", 10, hash);
	lns_mschap_auth_response(hash, v + 24, v, newch, "bob", want);
	snprintf(msg, sizeof(msg), "%.*s", (int)k->len - 4, (const char *)k->b + 4);
	CU_ASSERT(strncmp(msg, want, LNS_MSCHAP_AUTH_RESP_LEN) == 0);
	CU_ASSERT(strncmp(msg + LNS_MSCHAP_AUTH_RESP_LEN, " M=", 3) == 0);
	CU_ASSERT_EQUAL(h.stats.c[LNS_PPP_STAT_AUTH_OK_MSCHAPV2], 1);
	CU_ASSERT_EQUAL(h.n_verdicts, 2);
	verdict_is(&h, 0, false, LNS_AUTH_MSCHAPV2, "bob", 1, "local=bad-credentials");
	verdict_is(&h, 1, true, LNS_AUTH_MSCHAPV2, "bob", 2, "local=ok");
	h_ipcp_open(&h);
	CU_ASSERT_EQUAL(h.up_addr, h_ip("10.2.0.1"));      /* bob's own pool */
	h_fini(&h);

	/* retries used up: the last Failure says R=0, then Terminate-Request */
	h_init(&h, auth, 1);
	h.conf.ppp.auth_retries = 2;
	h_start(&h);
	h_lcp_open(&h);
	k = h_next(&h, LNS_PPP_CHAP, 1);
	memcpy(newch, k->b + 5, 16);
	for (int i = 0; i < 2; i++) {
		uint8_t id = i == 0 ? k->b[1] : (uint8_t)(k->b[1] + 1);

		mschap_value(newch, "alice", "wrong", v);
		chap_response(&h, k, id, "alice", v, 49);
		k = h_next(&h, LNS_PPP_CHAP, 4);
		CU_ASSERT_PTR_NOT_NULL_FATAL(k);
		snprintf(msg, sizeof(msg), "%.*s", (int)k->len - 4, (const char *)k->b + 4);
		CU_ASSERT(strncmp(msg, i == 0 ? "E=691 R=1" : "E=691 R=0", 9) == 0);
		hexn(msg + 12, 16, newch);
	}
	CU_ASSERT_PTR_NOT_NULL(h_next(&h, LNS_PPP_LCP, 5));
	CU_ASSERT_EQUAL(h.stats.c[LNS_PPP_STAT_AUTH_FAIL_MSCHAPV2], 2);
	CU_ASSERT_EQUAL(h.n_verdicts, 2);
	verdict_is(&h, 1, false, LNS_AUTH_MSCHAPV2, "alice", 2, "local=bad-credentials");
	h_fini(&h);
}

/* A session that authenticates through the test's own authenticator a, LCP open. */
static void
h_open_with(struct harness *h, const uint8_t *auth, int n_auth,
	    const struct lns_authenticator *a)
{
	h_init(h, auth, n_auth);
	h_start(h);
	h->env.auth = a;
	h_lcp_open(h);
}

/* Its end: env.auth back to the local authenticator h_start set, then h_fini. */
static void
h_close_with(struct harness *h)
{
	h->env.auth = h->auth;
	h_fini(h);
}

/* ---- an asynchronous authenticator (as RADIUS would be) ---- */

static int async_starts, async_cancels;
static struct lns_ppp *async_sess;
static char async_user[64];

static int
async_start(const struct lns_authenticator *a, struct lns_ppp *p, const struct lns_auth_req *q)
{
	(void)a;
	async_starts++;
	async_sess = p;
	snprintf(async_user, sizeof(async_user), "%s", q->user);
	return 0;
}

static void
async_cancel(const struct lns_authenticator *a, struct lns_ppp *p)
{
	(void)a;
	CU_ASSERT_PTR_EQUAL(p, async_sess);
	async_cancels++;
}

static void
test_async_authenticator(void)
{
	const uint8_t auth[] = { LNS_AUTH_PAP };
	const struct lns_authenticator aa = { .start = async_start, .cancel = async_cancel };
	struct lns_auth_result res;
	struct harness h;

	h_open_with(&h, auth, 1, &aa);
	h_pap(&h, 3, "carol", "pw");
	CU_ASSERT_EQUAL(async_starts, 1);
	CU_ASSERT_STRING_EQUAL(async_user, "carol");
	CU_ASSERT_PTR_NULL(h_next(&h, LNS_PPP_PAP, 0));     /* no verdict yet */
	h_pap(&h, 4, "carol", "pw");                        /* while pending: ignored */
	CU_ASSERT_EQUAL(async_starts, 1);
	CU_ASSERT_EQUAL(h.n_verdicts, 0);       /* nothing to report inside the input */
	/* the verdict arrives later, outside any input call, with a static address */
	memset(&res, 0, sizeof(res));
	res.ok = true;
	res.addr = h_ip("198.18.0.7");
	snprintf(res.reason, sizeof(res.reason), "radius=accept");
	h.now += 500;
	lns_ppp_auth_done(h.p, &res, h.now);
	CU_ASSERT_PTR_NOT_NULL(h_next(&h, LNS_PPP_PAP, 2));
	CU_ASSERT_EQUAL(h.n_verdicts, 1);
	verdict_is(&h, 0, true, LNS_AUTH_PAP, "carol", 1, "radius=accept");
	/* a second verdict is stale: counted, not reported */
	lns_ppp_auth_done(h.p, &res, h.now);
	CU_ASSERT_EQUAL(h.stats.c[LNS_PPP_STAT_STALE_AUTH_VERDICT], 1);
	CU_ASSERT_EQUAL(h.n_verdicts, 1);
	h_ipcp_open(&h);
	CU_ASSERT_EQUAL(h.up_addr, h_ip("198.18.0.7"));
	/* the static address is now taken: a second session cannot have it */
	CU_ASSERT_EQUAL(lns_pools_reserve(h.pools, h_ip("198.18.0.7")), -EEXIST);
	lns_ppp_destroy(h.p);
	CU_ASSERT_EQUAL(lns_pools_reserve(h.pools, h_ip("198.18.0.7")), 0);
	h.p = NULL;
	h_close_with(&h);

	/* destroyed while the authenticator still works: cancel(), no verdict */
	h_open_with(&h, auth, 1, &aa);
	h_pap(&h, 3, "carol", "pw");
	CU_ASSERT_EQUAL(async_starts, 2);
	lns_ppp_destroy(h.p);
	h.p = NULL;
	CU_ASSERT_EQUAL(async_cancels, 1);
	CU_ASSERT_EQUAL(h.n_verdicts, 0);
	h_close_with(&h);

	/* CHAP-MD5: a deferred failure without a reason, then a deferred success;
	 * each reported once, when it arrives */
	{
		const uint8_t chap[] = { LNS_AUTH_CHAP_MD5 };
		struct h_pkt *ch;
		uint8_t r[16] = { 0 };

		h_open_with(&h, chap, 1, &aa);
		ch = h_next(&h, LNS_PPP_CHAP, 1);
		CU_ASSERT_PTR_NOT_NULL_FATAL(ch);
		chap_response(&h, ch, ch->b[1], "dave", r, 16);
		CU_ASSERT_EQUAL(h.n_verdicts, 0);
		memset(&res, 0, sizeof(res));
		lns_ppp_auth_done(h.p, &res, h.now);
		CU_ASSERT_EQUAL(h.n_verdicts, 1);
		verdict_is(&h, 0, false, LNS_AUTH_CHAP_MD5, "dave", 1, "rejected");
		ch = h_next(&h, LNS_PPP_CHAP, 1);       /* the retry's Challenge */
		CU_ASSERT_PTR_NOT_NULL_FATAL(ch);
		chap_response(&h, ch, ch->b[1], "dave", r, 16);
		CU_ASSERT_EQUAL(h.n_verdicts, 1);
		res.ok = true;
		snprintf(res.reason, sizeof(res.reason), "radius=accept");
		lns_ppp_auth_done(h.p, &res, h.now);
		CU_ASSERT_EQUAL(h.n_verdicts, 2);
		verdict_is(&h, 1, true, LNS_AUTH_CHAP_MD5, "dave", 2, "radius=accept");
		h_close_with(&h);
	}

	/* MS-CHAPv2: a deferred success (as a RADIUS MS-CHAP2-Success brings it) */
	{
		const uint8_t ms[] = { LNS_AUTH_MSCHAPV2 };
		struct h_pkt *ch;
		uint8_t v[49];

		h_open_with(&h, ms, 1, &aa);
		ch = h_next(&h, LNS_PPP_CHAP, 1);
		CU_ASSERT_PTR_NOT_NULL_FATAL(ch);
		mschap_value(ch->b + 5, "erin", "pw", v);
		chap_response(&h, ch, ch->b[1], "erin", v, 49);
		CU_ASSERT_EQUAL(h.n_verdicts, 0);
		memset(&res, 0, sizeof(res));
		res.ok = true;
		snprintf(res.auth_response, sizeof(res.auth_response), "S=%040d", 0);
		snprintf(res.reason, sizeof(res.reason), "radius=accept");
		h.now += 200;
		lns_ppp_auth_done(h.p, &res, h.now);
		CU_ASSERT_PTR_NOT_NULL(h_next(&h, LNS_PPP_CHAP, 3));
		CU_ASSERT_EQUAL(h.n_verdicts, 1);
		verdict_is(&h, 0, true, LNS_AUTH_MSCHAPV2, "erin", 1, "radius=accept");
		h_close_with(&h);
	}
}

/* ---- an authenticator that cannot take the request ---- */

static int
refusing_start(const struct lns_authenticator *a, struct lns_ppp *p,
	       const struct lns_auth_req *q)
{
	(void)a;
	(void)p;
	(void)q;
	return -EIO;
}

static void
test_refusing_authenticator(void)
{
	const uint8_t auth[] = { LNS_AUTH_MSCHAPV2 };
	const struct lns_authenticator ra = { .start = refusing_start };
	struct harness h;
	struct h_pkt *ch;
	uint8_t v[49];

	h_open_with(&h, auth, 1, &ra);
	ch = h_next(&h, LNS_PPP_CHAP, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ch);
	mschap_value(ch->b + 5, "alice", "secret", v);
	chap_response(&h, ch, ch->b[1], "alice", v, 49);
	CU_ASSERT_PTR_NOT_NULL(h_next(&h, LNS_PPP_CHAP, 4));
	CU_ASSERT_EQUAL(h.n_verdicts, 1);
	verdict_is(&h, 0, false, LNS_AUTH_MSCHAPV2, "alice", 1, "authenticator-refused(5)");
	h_close_with(&h);
}

/* ---- proxy authentication (RFC 2661 §4.4.5) ---- */

static void
test_proxy_verdicts(void)
{
	const uint8_t pap[] = { LNS_AUTH_PAP };
	const uint8_t sent[] = { 3, 4, 0xc0, 0x23, 5, 6, 9, 9, 9, 9 };
	const uint8_t rcvd[] = { 5, 6, 1, 2, 3, 4, 7, 2, 8, 2 };
	struct lns_ppp_proxy px = {
		.last_sent_lcp = sent, .last_sent_len = sizeof(sent),
		.last_rcvd_lcp = rcvd, .last_rcvd_len = sizeof(rcvd),
		.authen_type = 3, .authen_name = "alice", .authen_id = 4,
		.authen_response = (const uint8_t *)"secret", .authen_response_len = 6,
	};
	struct harness h;

	/* the LAC's credentials are right: one verdict, marked proxied */
	h_init(&h, pap, 1);
	h.conf.ppp.accept_proxy = true;
	h_start(&h);
	lns_ppp_destroy(h.p);
	h.n = h.seen = 0;
	h.p = lns_ppp_create_proxy(&h.env, &h_ops, &h, &px, h.now);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h.p);
	CU_ASSERT_PTR_NOT_NULL(h_next(&h, LNS_PPP_PAP, 2));
	CU_ASSERT_EQUAL(h.n_verdicts, 1);
	CU_ASSERT(h.verdict[0].ok && h.verdict[0].proxied);
	CU_ASSERT_EQUAL(h.verdict[0].method, LNS_AUTH_PAP);
	CU_ASSERT_STRING_EQUAL(h.verdict[0].user, "alice");
	h_fini(&h);

	/* wrong: a proxied failure, then the client's own retry is not proxied */
	px.authen_response = (const uint8_t *)"wrong";
	px.authen_response_len = 5;
	h_init(&h, pap, 1);
	h.conf.ppp.accept_proxy = true;
	h_start(&h);
	lns_ppp_destroy(h.p);
	h.n = h.seen = 0;
	h.p = lns_ppp_create_proxy(&h.env, &h_ops, &h, &px, h.now);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h.p);
	CU_ASSERT_PTR_NOT_NULL(h_next(&h, LNS_PPP_PAP, 3));
	CU_ASSERT_EQUAL(h.n_verdicts, 1);
	CU_ASSERT(!h.verdict[0].ok && h.verdict[0].proxied);
	CU_ASSERT_PTR_NOT_NULL(strstr(h.verdict[0].reason, "local=bad-credentials"));
	h_pap(&h, 5, "alice", "secret");
	CU_ASSERT_PTR_NOT_NULL(h_next(&h, LNS_PPP_PAP, 2));
	CU_ASSERT_EQUAL(h.n_verdicts, 2);
	verdict_is(&h, 1, true, LNS_AUTH_PAP, "alice", 2, "local=ok");
	h_fini(&h);
}

int
main(void)
{
	CU_pSuite s;
	unsigned int fails;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("ppp_auth", NULL, NULL);
	CU_add_test(s, "MD4 and DES vectors", test_md4_des);
	CU_add_test(s, "MS-CHAPv2 RFC 2759 vectors", test_mschapv2_vectors);
	CU_add_test(s, "CHAP-MD5 vector", test_chap_md5_vector);
	CU_add_test(s, "PAP ok, fail, retry, duplicate", test_pap);
	CU_add_test(s, "PAP retries exhausted", test_pap_retries_exhausted);
	CU_add_test(s, "PAP unknown user, auth timeout", test_pap_unknown_user_and_timeout);
	CU_add_test(s, "CHAP-MD5 session", test_chap_md5);
	CU_add_test(s, "MS-CHAPv2 session", test_mschapv2);
	CU_add_test(s, "asynchronous authenticator", test_async_authenticator);
	CU_add_test(s, "authenticator refuses the request", test_refusing_authenticator);
	CU_add_test(s, "proxy authentication verdicts", test_proxy_verdicts);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures();
	CU_cleanup_registry();
	return fails ? 1 : 0;
}
