/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of a whole PPP session: LCP negotiation with Nak/Reject paths,
 * loop detection, keepalive timing, echo, Protocol-/Code-Reject, terminate both
 * ways, malformed frames at every layer, proxy LCP.
 */
#include <stdio.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "ppp/ppp_harness.h"

static const uint8_t AUTH_ALL[] = { LNS_AUTH_MSCHAPV2, LNS_AUTH_CHAP_MD5, LNS_AUTH_PAP };

static size_t
opts_len(const struct h_pkt *k)
{
	return (size_t)(k->b[2] << 8 | k->b[3]) - 4;
}

static void
test_lcp_our_request(void)
{
	struct harness h;
	struct h_pkt *k;
	const uint8_t *o;

	h_init(&h, AUTH_ALL, 3);
	h_start(&h);
	k = h_next(&h, LNS_PPP_LCP, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(k);
	o = h_opt(k, 1);
	CU_ASSERT(o && o[1] == 4 && o[2] == 0x05 && o[3] == 0x78);     /* MRU 1400 */
	o = h_opt(k, 3);
	CU_ASSERT(o && o[1] == 5 && o[4] == 0x81);                    /* MS-CHAPv2 first */
	o = h_opt(k, 5);
	CU_ASSERT(o && o[1] == 6);
	/* Nak of auth suggesting PAP: we jump down our list to PAP (RFC 1661 §6.2) */
	{
		const uint8_t nak[] = { 3, 4, 0xc0, 0x23 };

		h_in(&h, LNS_PPP_LCP, 3, k->b[1], nak, sizeof(nak));
		k = h_next(&h, LNS_PPP_LCP, 1);
		CU_ASSERT_PTR_NOT_NULL_FATAL(k);
		o = h_opt(k, 3);
		CU_ASSERT(o && o[1] == 4 && o[2] == 0xc0 && o[3] == 0x23);
	}
	/* Reject of MRU and Magic: requested no more */
	{
		const uint8_t rej[] = { 1, 4, 0x05, 0x78 };
		uint8_t rej2[6];

		memcpy(rej2, h_opt(k, 5), 6);
		h_in(&h, LNS_PPP_LCP, 4, k->b[1], rej, sizeof(rej));
		k = h_next(&h, LNS_PPP_LCP, 1);
		CU_ASSERT_PTR_NOT_NULL_FATAL(k);
		CU_ASSERT_PTR_NULL(h_opt(k, 1));
		h_in(&h, LNS_PPP_LCP, 4, k->b[1], rej2, sizeof(rej2));
		k = h_next(&h, LNS_PPP_LCP, 1);
		CU_ASSERT_PTR_NOT_NULL_FATAL(k);
		CU_ASSERT_PTR_NULL(h_opt(k, 5));
		CU_ASSERT_EQUAL(opts_len(k), 4);
	}
	/* a Reject of an option we never sent is invalid: discarded */
	{
		const uint8_t rej[] = { 7, 2 };
		uint8_t id = k->b[1];

		h_in(&h, LNS_PPP_LCP, 4, id, rej, sizeof(rej));
		CU_ASSERT_PTR_NULL(h_next(&h, LNS_PPP_LCP, 1));
		CU_ASSERT_EQUAL(h.stats.c[LNS_PPP_STAT_MALFORMED], 1);
	}
	/* Reject of authentication: no common method: terminate */
	{
		const uint8_t rej[] = { 3, 4, 0xc0, 0x23 };

		h_in(&h, LNS_PPP_LCP, 4, k->b[1], rej, sizeof(rej));
		k = h_next(&h, LNS_PPP_LCP, 5);
		CU_ASSERT_PTR_NOT_NULL_FATAL(k);
		h_in(&h, LNS_PPP_LCP, 6, k->b[1], NULL, 0);
		CU_ASSERT_EQUAL(h.downs, 1);
		CU_ASSERT_EQUAL(h.down_reason, LNS_PPP_DOWN_NO_AUTH_METHOD);
	}
	h_fini(&h);
}

static void
test_lcp_peer_options(void)
{
	struct harness h;
	struct h_pkt *k;

	h_init(&h, AUTH_ALL, 3);
	h_start(&h);
	/* ACCM, PFC, ACFC, MRU 1500: all Acked as sent */
	{
		const uint8_t o[] = { 2, 6, 0, 0, 0, 0, 7, 2, 8, 2, 1, 4, 0x05, 0xdc, 5, 6, 1, 2, 3, 4 };

		h_in(&h, LNS_PPP_LCP, 1, 1, o, sizeof(o));
		k = h_next(&h, LNS_PPP_LCP, 2);
		CU_ASSERT_PTR_NOT_NULL_FATAL(k);
		CU_ASSERT_EQUAL(k->len, 4 + sizeof(o));
		CU_ASSERT_EQUAL(memcmp(k->b + 4, o, sizeof(o)), 0);
	}
	/* the peer wants to authenticate us, and asks for quality protocol and an
	 * unknown option: those are Rejected, and only those (§5.4) */
	{
		const uint8_t o[] = { 3, 4, 0xc0, 0x23, 1, 4, 0x05, 0xdc, 4, 8, 0xc0, 0x25, 0, 0, 0, 10, 99, 3, 0 };
		const uint8_t want[] = { 3, 4, 0xc0, 0x23, 4, 8, 0xc0, 0x25, 0, 0, 0, 10, 99, 3, 0 };

		h_in(&h, LNS_PPP_LCP, 1, 2, o, sizeof(o));
		k = h_next(&h, LNS_PPP_LCP, 4);
		CU_ASSERT_PTR_NOT_NULL_FATAL(k);
		CU_ASSERT_EQUAL(k->len, 4 + sizeof(want));
		CU_ASSERT_EQUAL(memcmp(k->b + 4, want, sizeof(want)), 0);
	}
	/* a tiny MRU and Magic 0: Nak'd with usable values */
	{
		const uint8_t o[] = { 1, 4, 0, 64, 5, 6, 0, 0, 0, 0 };
		const uint8_t *x;

		h_in(&h, LNS_PPP_LCP, 1, 3, o, sizeof(o));
		k = h_next(&h, LNS_PPP_LCP, 3);
		CU_ASSERT_PTR_NOT_NULL_FATAL(k);
		x = h_opt(k, 1);
		CU_ASSERT(x && (x[2] << 8 | x[3]) == 1400);
		x = h_opt(k, 5);
		CU_ASSERT(x && (x[2] | x[3] | x[4] | x[5]) != 0);
	}
	/* option length running past the packet, or zero: malformed, no reply */
	{
		const uint8_t o1[] = { 1, 8, 0, 64 };
		const uint8_t o2[] = { 7, 0 };
		const uint8_t o3[] = { 7 };

		h_in(&h, LNS_PPP_LCP, 1, 4, o1, sizeof(o1));
		h_in(&h, LNS_PPP_LCP, 1, 5, o2, sizeof(o2));
		h_in(&h, LNS_PPP_LCP, 1, 6, o3, sizeof(o3));
		CU_ASSERT_PTR_NULL(h_next(&h, LNS_PPP_LCP, 0));
		CU_ASSERT_EQUAL(h.stats.c[LNS_PPP_STAT_MALFORMED], 3);
	}
	h_fini(&h);
}

static void
test_loop_detection(void)
{
	struct harness h;
	struct h_pkt *k;

	h_init(&h, AUTH_ALL, 3);
	h_start(&h);
	/* a looped-back link: we receive our own Configure-Request, again and again */
	for (int i = 0; i < 10 && h.downs == 0; i++) {
		k = h_next(&h, LNS_PPP_LCP, 1);
		if (!k) {
			h_advance(&h, 3000);     /* our next request comes on the restart timer */
			k = h_next(&h, LNS_PPP_LCP, 1);
		}
		if (!k)
			break;
		h_in(&h, LNS_PPP_LCP, 1, k->b[1], k->b + 4, opts_len(k));
		if (h_next(&h, LNS_PPP_LCP, 5)) {
			/* the Terminate-Request loops back too; then the restart timer ends it */
			h_advance(&h, 3000);
			h_advance(&h, 3000);
		}
	}
	CU_ASSERT(h.stats.c[LNS_PPP_STAT_LOOPBACK] >= 5);
	CU_ASSERT_EQUAL(h.downs, 1);
	CU_ASSERT_EQUAL(h.down_reason, LNS_PPP_DOWN_LOOPBACK);
	h_fini(&h);
}

static void
test_keepalive(void)
{
	const uint8_t pap[] = { LNS_AUTH_PAP };
	struct harness h;
	struct h_pkt *k;
	uint8_t magic[4];

	h_init(&h, pap, 1);
	h_start(&h);
	h_lcp_open(&h);
	h_pap(&h, 1, "alice", "secret");
	h_ipcp_open(&h);
	/* interval 10 s: an Echo-Request with our magic; the reply resets the count */
	h_advance(&h, 9999);
	CU_ASSERT_PTR_NULL(h_next(&h, LNS_PPP_LCP, 9));
	h_advance(&h, 1);
	k = h_next(&h, LNS_PPP_LCP, 9);
	CU_ASSERT_PTR_NOT_NULL_FATAL(k);
	CU_ASSERT_EQUAL(k->len, 8);
	memcpy(magic, k->b + 4, 4);
	{
		const uint8_t peer_magic[] = { 0x11, 0x22, 0x33, 0x44 };

		h_in(&h, LNS_PPP_LCP, 10, k->b[1], peer_magic, 4);
		CU_ASSERT_EQUAL(h.stats.c[LNS_PPP_STAT_ECHO_REPLY_RX], 1);
	}
	/* now silence: requests at 20, 30, 40 s; at 50 s the third is unanswered */
	for (int i = 0; i < 3; i++) {
		h_advance(&h, 10000);
		CU_ASSERT_PTR_NOT_NULL(h_next(&h, LNS_PPP_LCP, 9));
		CU_ASSERT_EQUAL(h.downs, 0);
	}
	h_advance(&h, 9999);
	CU_ASSERT_EQUAL(h.downs, 0);
	h_advance(&h, 1);
	CU_ASSERT_EQUAL(h.downs, 1);
	CU_ASSERT_EQUAL(h.down_reason, LNS_PPP_DOWN_KEEPALIVE);
	CU_ASSERT_EQUAL(h.stats.c[LNS_PPP_STAT_KEEPALIVE_LOSS], 1);
	/* inert afterwards: input ignored, nothing sent, no timers left */
	{
		int n = h.n;

		h_in(&h, LNS_PPP_LCP, 9, 1, magic, 4);
		CU_ASSERT_EQUAL(h.n, n);
		CU_ASSERT_EQUAL(lns_timers_count(h.timers), 0);
	}
	h_fini(&h);
}

static void
test_echo_reject_terminate(void)
{
	const uint8_t pap[] = { LNS_AUTH_PAP };
	struct harness h;
	struct h_pkt *k;

	h_init(&h, pap, 1);
	h_start(&h);
	/* Echo before Opened: silently discarded (§5.8) */
	{
		const uint8_t d[] = { 0x11, 0x22, 0x33, 0x44, 'x' };

		h_in(&h, LNS_PPP_LCP, 9, 5, d, sizeof(d));
		CU_ASSERT_PTR_NULL(h_next(&h, LNS_PPP_LCP, 10));
		h.seen = 0;
	}
	h_lcp_open(&h);
	{
		const uint8_t d[] = { 0x11, 0x22, 0x33, 0x44, 'h', 'i' };

		h_in(&h, LNS_PPP_LCP, 9, 5, d, sizeof(d));
		k = h_next(&h, LNS_PPP_LCP, 10);
		CU_ASSERT_PTR_NOT_NULL_FATAL(k);
		CU_ASSERT_EQUAL(k->b[1], 5);
		CU_ASSERT_EQUAL(k->len, 10);
		CU_ASSERT_EQUAL(memcmp(k->b + 8, "hi", 2), 0);
		CU_ASSERT_NOT_EQUAL(memcmp(k->b + 4, d, 4), 0);     /* our magic, not theirs */
		/* a short Echo-Request (no magic): malformed */
		h_in(&h, LNS_PPP_LCP, 9, 6, d, 2);
		CU_ASSERT_PTR_NULL(h_next(&h, LNS_PPP_LCP, 10));
		/* a peer MRU of 65535 and an Echo-Request bigger than our buffers:
		 * the reply is truncated, never overflows (ASan run checks) */
		{
			const uint8_t big_mru[] = { 1, 4, 0xff, 0xff };
			static uint8_t big[3000];

			h_in(&h, LNS_PPP_LCP, 1, 0x60, big_mru, sizeof(big_mru));
			/* (Opened + RCR+ renegotiates, §4.1 tld,scr,sca: finish it again) */
			k = h_next(&h, LNS_PPP_LCP, 1);
			CU_ASSERT_PTR_NOT_NULL_FATAL(k);
			CU_ASSERT_PTR_NOT_NULL(h_next(&h, LNS_PPP_LCP, 2));
			h_in(&h, LNS_PPP_LCP, 2, k->b[1], k->b + 4, opts_len(k));
			memset(big, 'z', sizeof(big));
			h_in(&h, LNS_PPP_LCP, 9, 6, big, sizeof(big));
			k = h_next(&h, LNS_PPP_LCP, 10);
			CU_ASSERT_PTR_NOT_NULL_FATAL(k);
			CU_ASSERT(k->len <= 1500);
		}
		/* Discard-Request: nothing */
		h_in(&h, LNS_PPP_LCP, 11, 7, d, 4);
		CU_ASSERT_PTR_NULL(h_next(&h, LNS_PPP_LCP, 0));
	}
	/* CCP, IPV6CP and an unknown protocol: Protocol-Reject with the packet */
	{
		const uint16_t protos[] = { LNS_PPP_CCP, LNS_PPP_IPV6CP, 0x4023 };

		for (int i = 0; i < 3; i++) {
			const uint8_t d[] = { 1, 2, 3 };

			h_in(&h, protos[i], 1, 1, d, sizeof(d));
			k = h_next(&h, LNS_PPP_LCP, 8);
			CU_ASSERT_PTR_NOT_NULL_FATAL(k);

			CU_ASSERT_EQUAL((k->b[4] << 8 | k->b[5]), protos[i]);
			CU_ASSERT_EQUAL(k->len, 4 + 2 + 7);
			CU_ASSERT_EQUAL(k->b[6], 1);
		}
		CU_ASSERT_EQUAL(h.stats.c[LNS_PPP_STAT_PROTO_REJECT_SENT], 3);
	}
	/* an unknown LCP code: Code-Reject */
	h_in(&h, LNS_PPP_LCP, 0x77, 1, NULL, 0);
	CU_ASSERT_PTR_NOT_NULL(h_next(&h, LNS_PPP_LCP, 7));
	CU_ASSERT_EQUAL(h.stats.c[LNS_PPP_STAT_CODE_REJECT_SENT], 1);
	/* the peer's Protocol-Reject of IPCP ends the session (RXJ-): IPv4 is all we do */
	h_pap(&h, 1, "alice", "secret");
	{
		const uint8_t d[] = { 0x80, 0x21, 1, 1, 0, 4 };

		h_in(&h, LNS_PPP_LCP, 8, 9, d, sizeof(d));
		k = h_next(&h, LNS_PPP_LCP, 5);
		CU_ASSERT_PTR_NOT_NULL_FATAL(k);
	}
	/* the peer then terminates itself: we Ack and go down after the wait */
	h_in(&h, LNS_PPP_LCP, 5, 0x33, NULL, 0);
	k = h_next(&h, LNS_PPP_LCP, 6);
	CU_ASSERT_PTR_NOT_NULL_FATAL(k);
	CU_ASSERT_EQUAL(k->b[1], 0x33);
	h_in(&h, LNS_PPP_LCP, 6, 0, NULL, 0);
	CU_ASSERT_EQUAL(h.downs, 1);
	CU_ASSERT_EQUAL(h.down_reason, LNS_PPP_DOWN_IPCP_FAILED);
	h_fini(&h);
}

static void
test_peer_terminate_and_close(void)
{
	const uint8_t pap[] = { LNS_AUTH_PAP };
	struct harness h;
	struct h_pkt *k;

	h_init(&h, pap, 1);
	h_start(&h);
	h_lcp_open(&h);
	h_pap(&h, 1, "alice", "secret");
	h_ipcp_open(&h);
	h_in(&h, LNS_PPP_LCP, 5, 0x44, NULL, 0);
	k = h_next(&h, LNS_PPP_LCP, 6);
	CU_ASSERT_PTR_NOT_NULL_FATAL(k);
	CU_ASSERT_EQUAL(h.downs, 0);          /* §4.4 zrc: one restart period first */
	h_advance(&h, 3000);
	CU_ASSERT_EQUAL(h.downs, 1);
	CU_ASSERT_EQUAL(h.down_reason, LNS_PPP_DOWN_PEER_TERMINATE);
	h_fini(&h);

	h_init(&h, pap, 1);
	h_start(&h);
	h_lcp_open(&h);
	lns_ppp_close(h.p, "admin", h.now);
	k = h_next(&h, LNS_PPP_LCP, 5);
	CU_ASSERT_PTR_NOT_NULL_FATAL(k);
	lns_ppp_close(h.p, "again", h.now);    /* idempotent */
	h_in(&h, LNS_PPP_LCP, 6, k->b[1], NULL, 0);
	CU_ASSERT_EQUAL(h.downs, 1);
	CU_ASSERT_EQUAL(h.down_reason, LNS_PPP_DOWN_LOCAL_CLOSE);
	lns_ppp_close(h.p, "after", h.now);
	CU_ASSERT_EQUAL(h.downs, 1);
	h_fini(&h);

	/* close before LCP ever opened, peer silent: down after Max-Terminate */
	h_init(&h, pap, 1);
	h_start(&h);
	lns_ppp_close(h.p, "admin", h.now);
	h_advance(&h, 3000);
	h_advance(&h, 3000);
	CU_ASSERT_EQUAL(h.downs, 1);
	h_fini(&h);

	/* a silent peer: LCP gives up after Max-Configure */
	h_init(&h, pap, 1);
	h_start(&h);
	for (int i = 0; i < 11; i++)
		h_advance(&h, 3000);
	CU_ASSERT_EQUAL(h.downs, 1);
	CU_ASSERT_EQUAL(h.down_reason, LNS_PPP_DOWN_LCP_FAILED);
	h_fini(&h);
}

static void
test_malformed_frames(void)
{
	const uint8_t pap[] = { LNS_AUTH_PAP };
	struct harness h;
	uint64_t m;

	h_init(&h, pap, 1);
	h_start(&h);
	h_lcp_open(&h);
	m = h.stats.c[LNS_PPP_STAT_MALFORMED];
	{
		const uint8_t f1[] = { 0xff, 0x03 };                 /* no protocol */
		const uint8_t f2[] = { 0xff, 0x03, 0xc0 };           /* half a protocol */
		const uint8_t f3[] = { 0xc0, 0x20, 1, 1, 0, 4 };     /* even low octet */
		const uint8_t f4[] = { 0xc0, 0x21, 1 };              /* LCP, 1 octet */
		const uint8_t f5[] = { 0xc0, 0x21, 9, 1, 0, 200, 0 };/* Length past frame */
		const uint8_t f6[] = { 0xc0, 0x23, 1, 1, 0 };        /* PAP, short header */
		const uint8_t f7[] = { 0xc2, 0x23, 2, 1, 0, 2 };     /* CHAP Length < 4 */

		lns_ppp_input(h.p, f1, sizeof(f1), h.now);
		lns_ppp_input(h.p, f2, sizeof(f2), h.now);
		lns_ppp_input(h.p, f3, sizeof(f3), h.now);
		lns_ppp_input(h.p, f4, sizeof(f4), h.now);
		lns_ppp_input(h.p, f5, sizeof(f5), h.now);
		lns_ppp_input(h.p, f6, sizeof(f6), h.now);
		lns_ppp_input(h.p, f7, sizeof(f7), h.now);
		lns_ppp_input(h.p, f1, 0, h.now);
		CU_ASSERT_EQUAL(h.stats.c[LNS_PPP_STAT_MALFORMED], m + 7);
	}
	/* PFC (1-octet protocol) and no address/control: still understood */
	{
		const uint8_t f[] = { 0x21, 0x45, 0, 0 };             /* IPv4: not ours */
		uint64_t d = h.stats.c[LNS_PPP_STAT_DISCARDED];

		lns_ppp_input(h.p, f, sizeof(f), h.now);
		CU_ASSERT_EQUAL(h.stats.c[LNS_PPP_STAT_DISCARDED], d + 1);
	}
	/* random garbage after every prefix: never a crash (ASan run checks) */
	{
		uint8_t f[64];
		uint32_t s = 99;

		for (int i = 0; i < 20000 && h.downs == 0; i++) {
			size_t n = (size_t)(i % 60) + 1;

			for (size_t j = 0; j < n; j++) {
				s = s * 1103515245u + 12345u;
				f[j] = (uint8_t)(s >> 16);
			}
			f[0] = 0xff; f[1] = 0x03;
			if (n > 3) {
				static const uint16_t pr[] = { 0xc021, 0x8021, 0xc023, 0xc223 };

				f[2] = (uint8_t)(pr[i % 4] >> 8);
				f[3] = (uint8_t)pr[i % 4];
			}
			if (n > 7) {
				f[6] = 0;
				f[7] = (uint8_t)(n - 4 - (size_t)(s % 3));
			}
			h.n = h.seen = 0;
			lns_ppp_input(h.p, f, n, h.now);
		}
	}
	h_fini(&h);
}

static void
test_proxy_lcp(void)
{
	const uint8_t pap[] = { LNS_AUTH_PAP };
	struct harness h;
	const uint8_t sent[] = { 3, 4, 0xc0, 0x23, 5, 6, 9, 9, 9, 9 };
	const uint8_t rcvd[] = { 5, 6, 1, 2, 3, 4, 7, 2, 8, 2 };
	struct lns_ppp_proxy px = {
		.last_sent_lcp = sent, .last_sent_len = sizeof(sent),
		.last_rcvd_lcp = rcvd, .last_rcvd_len = sizeof(rcvd),
		.authen_type = 3, .authen_name = "alice", .authen_id = 4,
		.authen_response = (const uint8_t *)"secret", .authen_response_len = 6,
	};
	struct h_pkt *k;

	h_init(&h, pap, 1);
	h.conf.ppp.accept_proxy = true;
	h_start(&h);
	lns_ppp_destroy(h.p);
	h.n = h.seen = 0;
	h.p = lns_ppp_create_proxy(&h.env, &h_ops, &h, &px, h.now);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h.p);
	/* no LCP negotiation: the proxied PAP is checked, and IPCP starts */
	k = h_next(&h, LNS_PPP_PAP, 2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(k);
	CU_ASSERT_EQUAL(k->b[1], 4);
	h.seen = 0;
	CU_ASSERT_PTR_NULL(h_next(&h, LNS_PPP_LCP, 1) ? (void *)1 : NULL);
	h.seen = 0;
	h_ipcp_open(&h);
	CU_ASSERT_EQUAL(h.ups, 1);
	h_fini(&h);

	/* the LAC negotiated CHAP, which we do not offer: full renegotiation */
	{
		const uint8_t chap[] = { 3, 5, 0xc2, 0x23, 5 };

		h_init(&h, pap, 1);
		h.conf.ppp.accept_proxy = true;
		h_start(&h);
		lns_ppp_destroy(h.p);
		h.n = h.seen = 0;
		px.last_sent_lcp = chap;
		px.last_sent_len = sizeof(chap);
		h.p = lns_ppp_create_proxy(&h.env, &h_ops, &h, &px, h.now);
		k = h_next(&h, LNS_PPP_LCP, 1);
		CU_ASSERT_PTR_NOT_NULL(k);
		h_fini(&h);
	}
}

int
main(void)
{
	CU_pSuite s;
	unsigned int fails;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("ppp", NULL, NULL);
	CU_add_test(s, "LCP: our request, Nak and Reject", test_lcp_our_request);
	CU_add_test(s, "LCP: the peer's options", test_lcp_peer_options);
	CU_add_test(s, "LCP: loop detection", test_loop_detection);
	CU_add_test(s, "keepalive timing", test_keepalive);
	CU_add_test(s, "echo, Protocol-/Code-Reject, RXJ-", test_echo_reject_terminate);
	CU_add_test(s, "terminate both ways, close, give up", test_peer_terminate_and_close);
	CU_add_test(s, "malformed frames", test_malformed_frames);
	CU_add_test(s, "proxy LCP and authentication", test_proxy_lcp);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures();
	CU_cleanup_registry();
	return fails ? 1 : 0;
}
