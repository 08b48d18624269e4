/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of the L2TP control plane: handshake, tunnel authentication, reliable
 * transport (back-off, reordering, duplicates, windows, delayed ack, HELLO), StopCCN
 * and CDN both ways, identity, ids and limits. A scripted LAC and a fake clock. */
#include <errno.h>

#include "l2tp/lac_sim.h"

#define CONF \
	"l2tp:\n" \
	"  retransmit: {initial-ms: 1000, max-ms: 4000, retries: 3}\n" \
	"  receive-window: 4\n" \
	"  allow-nonsecure: true\n" \
	"  destination-profiles:\n" \
	"    - name: authed\n" \
	"      match: {host-name: secure-lac}\n" \
	"      tunnel-password: tunnelpw\n" \
	"limits:\n" \
	"  max-tunnels: 4\n" \
	"  max-sessions: 3\n"

static void
setup(void)
{
	sim_setup(CONF);
}

static void
test_handshake(void)
{
	struct lac c;
	struct lns_l2tp_tunnel_info ti;
	struct lns_l2tp_session_info si;
	const struct lns_l2tp_msg *m;
	uint8_t ver, rev;
	uint16_t u, sid;
	char host[64];
	int i;

	setup();
	lac_init(&c, "10.0.0.2", 1701, 7, 0x77);
	CU_ASSERT_EQUAL(lac_sccrq(&c, NULL, 0), 0);
	i = lac_recv(&c);
	CU_ASSERT_EQUAL_FATAL(i, 0);
	m = sim_sent(i);
	CU_ASSERT_EQUAL(m->type, LNS_L2TP_SCCRP);
	CU_ASSERT_EQUAL(m->tunnel_id, 0x77);
	CU_ASSERT_EQUAL(m->ns, 0);
	CU_ASSERT_EQUAL(m->nr, 1);                      /* acknowledges the SCCRQ */
	CU_ASSERT_EQUAL(lns_avp_get_proto_ver(m, &ver, &rev), 0);
	CU_ASSERT(ver == 1 && rev == 0);
	CU_ASSERT_EQUAL(lns_avp_get_str(m, LNS_AVP_HOST_NAME, host, sizeof(host)), 0);
	CU_ASSERT_STRING_EQUAL(host, S.conf->l2tp.host_name);
	CU_ASSERT_EQUAL(lns_avp_get_u16(m, LNS_AVP_RWS, &u), 0);
	CU_ASSERT_EQUAL(u, 4);
	CU_ASSERT_FALSE(lns_avp_has(m, LNS_AVP_CHALLENGE));
	CU_ASSERT_EQUAL(lns_avp_get_u16(m, LNS_AVP_TUNNEL_ID, &c.lns_tid), 0);
	CU_ASSERT_EQUAL(lns_l2tp_tunnel_get(S.l, c.lns_tid, &ti), 0);
	CU_ASSERT_STRING_EQUAL(ti.state, "wait-ctl-conn");
	CU_ASSERT_EQUAL(ti.peer_rwin, 4);

	/* SCCCN: established, data plane told, nothing sent at once ... */
	{
		uint8_t buf[LNS_L2TP_CTL_MAX];
		struct lns_l2tp_enc e;

		lac_begin(&c, &e, buf, 0, LNS_L2TP_SCCCN);
		CU_ASSERT_EQUAL(lac_send(&c, &e), 0);
	}
	CU_ASSERT_EQUAL(S.tunnels_up, 1);
	CU_ASSERT_EQUAL(S.n_sent, 1);
	CU_ASSERT_EQUAL(lns_l2tp_tunnel_get(S.l, c.lns_tid, &ti), 0);
	CU_ASSERT_STRING_EQUAL(ti.state, "established");
	CU_ASSERT_STRING_EQUAL(ti.host_name, "lac");
	CU_ASSERT_STRING_EQUAL(ti.profile, "default");
	/* ... the delayed ack: a ZLB after 100 ms, not before */
	sim_run(99);
	CU_ASSERT_EQUAL(S.n_sent, 1);
	sim_run(1);
	CU_ASSERT_EQUAL_FATAL(S.n_sent, 2);
	m = sim_sent(1);
	CU_ASSERT_EQUAL(m->type, LNS_L2TP_ZLB);
	CU_ASSERT_EQUAL(m->nr, 2);
	CU_ASSERT_EQUAL(m->ns, 1);

	/* a call: ICRQ -> ICRP (piggybacks the ack: no ZLB afterwards) -> ICCN */
	sid = lac_icrq(&c, 0x55);
	CU_ASSERT_NOT_EQUAL_FATAL(sid, 0);
	m = sim_sent(-1);
	CU_ASSERT_EQUAL(m->type, LNS_L2TP_ICRP);
	CU_ASSERT_EQUAL(m->nr, 3);
	CU_ASSERT_EQUAL(lns_l2tp_session_get(S.l, c.lns_tid, sid, &si), 0);
	CU_ASSERT_STRING_EQUAL(si.state, "wait-connect");
	CU_ASSERT_EQUAL(lac_iccn(&c, sid), 0);
	CU_ASSERT_EQUAL(S.sessions_up, 1);
	CU_ASSERT_EQUAL(lns_l2tp_session_get(S.l, c.lns_tid, sid, &si), 0);
	CU_ASSERT_STRING_EQUAL(si.state, "established");
	CU_ASSERT_EQUAL(si.peer_session_id, 0x55);
	CU_ASSERT_EQUAL(si.peer_tunnel_id, 0x77);
	CU_ASSERT_EQUAL(si.call_serial, 1000 + 0x55);
	CU_ASSERT_STRING_EQUAL(si.calling, "5550001");
	CU_ASSERT_EQUAL(si.tx_speed, 1000000);
	CU_ASSERT_EQUAL_FATAL(si.proxy_lcp_last_tx_len, 4);
	CU_ASSERT_EQUAL(si.proxy_lcp_last_tx[3], 0xdc);
	CU_ASSERT_EQUAL(si.proxy_lcp_init_rx_len, 0);
	CU_ASSERT_STRING_EQUAL(si.proxy_authen_name, "alice");
	CU_ASSERT_EQUAL(lns_l2tp_session_next(S.l, 0, 0, &si), 0);
	CU_ASSERT_EQUAL(si.session_id, sid);
	CU_ASSERT_EQUAL(lns_l2tp_session_next(S.l, c.lns_tid, sid, &si), -ENOENT);
	CU_ASSERT_EQUAL(lns_l2tp_tunnel_next(S.l, 0, &ti), 0);
	CU_ASSERT_EQUAL(ti.sessions, 1);
	CU_ASSERT_EQUAL(lns_l2tp_tunnel_next(S.l, ti.local_id, &ti), -ENOENT);
	CU_ASSERT_EQUAL(sim_ctr(LNS_L2TP_CTR_TUNNELS_UP), 1);
	CU_ASSERT_EQUAL(sim_ctr(LNS_L2TP_CTR_SESSIONS_UP), 1);
	sim_teardown();
}

static void
test_tunnel_auth(void)
{
	static const uint8_t chal[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct lac c;
	struct lns_l2tp_tunnel_info ti;
	const struct lns_l2tp_msg *m;
	uint8_t want[16];
	uint16_t err;

	/* good: both directions authenticated */
	setup();
	lac_init(&c, "10.0.0.2", 1701, 7, 1);
	c.host = "secure-lac";
	c.secret = "tunnelpw";
	lac_sccrq(&c, chal, sizeof(chal));
	m = sim_sent(lac_recv(&c));
	CU_ASSERT_EQUAL(m->type, LNS_L2TP_SCCRP);
	CU_ASSERT_TRUE(lns_avp_has(m, LNS_AVP_CHALLENGE));
	CU_ASSERT_TRUE_FATAL(lns_avp_has(m, LNS_AVP_CHAL_RESP));
	lns_l2tp_chal_response(LNS_L2TP_SCCRP, (const uint8_t *)"tunnelpw", 8, chal, 8, want);
	CU_ASSERT_EQUAL(memcmp(m->avp[LNS_AVP_CHAL_RESP].p, want, 16), 0);
	{
		/* SCCCN with the right response to the LNS's Challenge */
		uint8_t buf[LNS_L2TP_CTL_MAX], resp[16];
		struct lns_l2tp_enc e;

		lns_avp_get_u16(m, LNS_AVP_TUNNEL_ID, &c.lns_tid);
		lns_l2tp_chal_response(LNS_L2TP_SCCCN, (const uint8_t *)"tunnelpw", 8,
				       m->avp[LNS_AVP_CHALLENGE].p, m->avp[LNS_AVP_CHALLENGE].len,
				       resp);
		lac_begin(&c, &e, buf, 0, LNS_L2TP_SCCCN);
		lns_avp_put(&e, true, LNS_AVP_CHAL_RESP, resp, 16);
		lac_send(&c, &e);
	}
	CU_ASSERT_EQUAL(lns_l2tp_tunnel_get(S.l, c.lns_tid, &ti), 0);
	CU_ASSERT_STRING_EQUAL(ti.state, "established");
	CU_ASSERT_EQUAL(ti.tstate, LNS_L2TP_T_ESTABLISHED);
	CU_ASSERT_STRING_EQUAL(ti.profile, "authed");
	CU_ASSERT_EQUAL(sim_ctr(LNS_L2TP_CTR_BAD_AUTH), 0);
	sim_teardown();

	/* bad: the LAC knows another secret -> StopCCN result 4 */
	setup();
	lac_init(&c, "10.0.0.2", 1701, 7, 1);
	c.host = "secure-lac";
	c.secret = "wrong";
	lac_connect(&c);
	CU_ASSERT_EQUAL(sim_sent_type(-1), LNS_L2TP_STOPCCN);
	CU_ASSERT_EQUAL(sim_sent_result(-1, &err), LNS_STOPCCN_NOT_AUTH);
	CU_ASSERT_EQUAL(sim_ctr(LNS_L2TP_CTR_BAD_AUTH), 1);
	CU_ASSERT_EQUAL(S.tunnels_up, 0);
	CU_ASSERT_EQUAL(lns_l2tp_tunnel_get(S.l, c.lns_tid, &ti), 0);
	CU_ASSERT_STRING_EQUAL(ti.state, "closing");
	CU_ASSERT_EQUAL(ti.tstate, LNS_L2TP_T_CLOSING);
	lac_ack(&c);
	CU_ASSERT_EQUAL(lns_l2tp_tunnel_get(S.l, c.lns_tid, &ti), 0);
	CU_ASSERT_STRING_EQUAL(ti.state, "destructing");
	CU_ASSERT_EQUAL(ti.tstate, LNS_L2TP_T_DESTRUCTING);
	CU_ASSERT_EQUAL(ti.result, LNS_STOPCCN_NOT_AUTH);
	sim_teardown();

	/* bad: no response at all */
	setup();
	lac_init(&c, "10.0.0.2", 1701, 7, 1);
	c.host = "secure-lac";
	lac_connect(&c);
	CU_ASSERT_EQUAL(sim_sent_result(-1, NULL), LNS_STOPCCN_NOT_AUTH);
	/* and a LAC challenging a profile without a secret is refused the same way */
	lac_init(&c, "10.0.0.3", 1701, 8, 1);
	lac_sccrq(&c, chal, sizeof(chal));
	CU_ASSERT_EQUAL(sim_sent_type(-1), LNS_L2TP_STOPCCN);
	CU_ASSERT_EQUAL(sim_sent_result(-1, NULL), LNS_STOPCCN_NOT_AUTH);
	CU_ASSERT_EQUAL(sim_ctr(LNS_L2TP_CTR_BAD_AUTH), 2);
	sim_teardown();
}

/* No randomness for the tunnel's Challenge: the tunnel is refused (StopCCN result
 * 2, error 4, counted), never challenged with predictable bytes; a profile without
 * a secret needs no Challenge and still comes up. */
static void
test_tunnel_no_random(void)
{
	struct lac c;
	uint16_t err = 0;

	setup();
	S.random_rc = -EIO;
	lac_init(&c, "10.0.0.2", 1701, 7, 1);
	c.host = "secure-lac";
	c.secret = "tunnelpw";
	lac_sccrq(&c, NULL, 0);
	CU_ASSERT_EQUAL(sim_sent_type(-1), LNS_L2TP_STOPCCN);
	CU_ASSERT_EQUAL(sim_sent_result(-1, &err), LNS_STOPCCN_ERROR);
	CU_ASSERT_EQUAL(err, LNS_L2TP_ERR_RESOURCES);
	for (unsigned int i = 0; i < S.n_sent; i++)
		CU_ASSERT_NOT_EQUAL(sim_sent_type((int)i), LNS_L2TP_SCCRP);
	CU_ASSERT_EQUAL(sim_ctr(LNS_L2TP_CTR_REFUSE_NO_RANDOM), 1);
	CU_ASSERT_EQUAL(S.tunnels_up, 0);
	lac_init(&c, "10.0.0.3", 1701, 8, 1);
	CU_ASSERT_EQUAL(lac_connect(&c), 0);
	CU_ASSERT_EQUAL(S.tunnels_up, 1);
	CU_ASSERT_EQUAL(sim_ctr(LNS_L2TP_CTR_REFUSE_NO_RANDOM), 1);
	sim_teardown();
}

/* Back-off 1 s, 2 s, 4 s (capped at max-ms 4 s), 3 retries, then destroyed. */
/* A peer that acknowledges our SCCRP but never sends SCCCN must not pin the
 * tunnel record: 60 s after the SCCRP, StopCCN result 2 (found by fuzzing). */
static void
test_setup_timeout(void)
{
	struct lac c;
	struct lns_l2tp_tunnel_info ti;
	uint64_t t0;
	uint16_t err;
	unsigned int n;

	setup();
	lac_init(&c, "10.0.0.2", 1701, 7, 0x55);
	t0 = S.now;
	CU_ASSERT_EQUAL(lac_sccrq(&c, NULL, 0), 0);
	CU_ASSERT_EQUAL_FATAL(lac_recv(&c), 0);
	CU_ASSERT_EQUAL(lns_avp_get_u16(sim_sent(0), LNS_AVP_TUNNEL_ID, &c.lns_tid), 0);
	lac_ack(&c);                                    /* ZLB: no retransmission */
	sim_run(59000);
	CU_ASSERT_EQUAL(lns_l2tp_tunnel_get(S.l, c.lns_tid, &ti), 0);
	CU_ASSERT_STRING_EQUAL(ti.state, "wait-ctl-conn");
	n = S.n_sent;
	sim_run(2000);
	CU_ASSERT_FATAL(S.n_sent > n);
	CU_ASSERT_EQUAL(sim_sent_type(n), LNS_L2TP_STOPCCN);
	CU_ASSERT_EQUAL(sim_sent_result(n, &err), LNS_STOPCCN_ERROR);
	CU_ASSERT(S.sent[n].at - t0 >= 60000 && S.sent[n].at - t0 <= 60100);
	sim_teardown();
}

static void
test_retransmit_backoff(void)
{
	struct lac c;
	struct lns_l2tp_tunnel_info ti;
	uint64_t t0;

	setup();
	lac_init(&c, "10.0.0.2", 1701, 7, 1);
	t0 = S.now;
	lac_sccrq(&c, NULL, 0);
	CU_ASSERT_EQUAL(S.n_sent, 1);
	sim_run(20000);
	CU_ASSERT_EQUAL_FATAL(S.n_sent, 4);
	CU_ASSERT_EQUAL(S.sent[1].at - t0, 1000);
	CU_ASSERT_EQUAL(S.sent[2].at - t0, 3000);
	CU_ASSERT_EQUAL(S.sent[3].at - t0, 7000);
	for (int i = 1; i < 4; i++) {
		CU_ASSERT_EQUAL(sim_sent_type(i), LNS_L2TP_SCCRP);
		CU_ASSERT_EQUAL(sim_m.ns, 0);
	}
	CU_ASSERT_EQUAL(sim_ctr(LNS_L2TP_CTR_RETRANSMITS), 3);
	CU_ASSERT_EQUAL(sim_ctr(LNS_L2TP_CTR_RETRY_EXHAUSTED), 1);
	CU_ASSERT_EQUAL(lns_l2tp_tunnel_next(S.l, 0, &ti), 0);
	CU_ASSERT_STRING_EQUAL(ti.state, "destructing");
	CU_ASSERT_EQUAL(ti.destroyed_ms - t0, 11000);  /* 4 s after the last retransmit */
	CU_ASSERT_EQUAL(ti.retransmits, 3);
	sim_teardown();

	/* an ack resets the back-off: retransmission restarts at 1 s */
	setup();
	lac_init(&c, "10.0.0.2", 1701, 7, 1);
	lac_connect(&c);
	sim_run(1000);                                 /* the ZLB for the SCCCN */
	S.n_sent = 0;
	c.seen = 0;
	t0 = S.now;
	CU_ASSERT_EQUAL(lns_l2tp_tunnel_close(S.l, c.lns_tid, 0, S.now), 0);
	sim_run(1500);
	CU_ASSERT_EQUAL(S.n_sent, 2);                  /* StopCCN + one retransmit */
	CU_ASSERT_EQUAL(S.sent[1].at - t0, 1000);
	lac_ack(&c);                                   /* acked: destroyed */
	CU_ASSERT_EQUAL(lns_l2tp_tunnel_get(S.l, c.lns_tid, &ti), 0);
	CU_ASSERT_STRING_EQUAL(ti.state, "destructing");
	sim_run(20000);
	CU_ASSERT_EQUAL(S.n_sent, 2);                  /* nothing more */
	sim_teardown();
}

static int
count_type(unsigned int from, uint16_t type)
{
	int n = 0;

	for (unsigned int i = from; i < S.n_sent; i++)
		if (sim_sent_type((int)i) == type)
			n++;
	return n;
}

static void
icrq_at(struct lac *c, uint16_t ns, uint16_t peer_sid)
{
	uint8_t buf[LNS_L2TP_CTL_MAX];
	struct lns_l2tp_enc e;

	lac_begin(c, &e, buf, 0, LNS_L2TP_ICRQ);
	lns_avp_put_u16(&e, true, LNS_AVP_SESSION_ID, peer_sid);
	lac_send_ns(c, &e, ns);
}

static void
test_reorder_duplicates(void)
{
	struct lac c;
	unsigned int mark;
	uint16_t ns0;

	setup();
	lac_init(&c, "10.0.0.2", 1701, 7, 1);
	lac_connect(&c);
	lac_recv(&c);
	mark = S.n_sent;
	ns0 = c.ns;
	/* Ns+1 first: held, nothing delivered */
	icrq_at(&c, (uint16_t)(ns0 + 1), 11);
	CU_ASSERT_EQUAL(count_type(mark, LNS_L2TP_ICRP), 0);
	CU_ASSERT_EQUAL(sim_ctr(LNS_L2TP_CTR_REORDERED), 1);
	/* Ns: both delivered, in order */
	icrq_at(&c, ns0, 10);
	CU_ASSERT_EQUAL_FATAL(count_type(mark, LNS_L2TP_ICRP), 2);
	CU_ASSERT_EQUAL(sim_sent(-2)->session_id, 10);
	CU_ASSERT_EQUAL(sim_sent(-1)->session_id, 11);
	CU_ASSERT_EQUAL(lns_l2tp_session_count(S.l), 2);
	/* a duplicate: acknowledged at once with a ZLB, not delivered again */
	mark = S.n_sent;
	icrq_at(&c, ns0, 10);
	CU_ASSERT_EQUAL(S.n_sent, mark + 1);
	CU_ASSERT_EQUAL(sim_sent_type(-1), LNS_L2TP_ZLB);
	CU_ASSERT_EQUAL(sim_m.nr, (uint16_t)(ns0 + 2));
	CU_ASSERT_EQUAL(lns_l2tp_session_count(S.l), 2);
	CU_ASSERT_EQUAL(sim_ctr(LNS_L2TP_CTR_DUPLICATE), 1);
	/* beyond our window (4): dropped */
	icrq_at(&c, (uint16_t)(ns0 + 2 + 4), 12);
	CU_ASSERT_EQUAL(sim_ctr(LNS_L2TP_CTR_OUT_OF_WINDOW), 1);
	CU_ASSERT_EQUAL(lns_l2tp_session_count(S.l), 2);
	/* an Nr acknowledging what we never sent: dropped, counted */
	{
		uint8_t buf[LNS_L2TP_CTL_MAX];
		struct lns_l2tp_enc e;
		uint16_t nr = c.nr;

		c.nr = (uint16_t)(nr + 50);
		lac_begin(&c, &e, buf, 0, LNS_L2TP_HELLO);
		CU_ASSERT_EQUAL(lac_send_ns(&c, &e, (uint16_t)(ns0 + 2)), -EBADMSG);
		c.nr = nr;
		CU_ASSERT_EQUAL(sim_ctr(LNS_L2TP_CTR_BAD_NR), 1);
	}
	sim_teardown();
}

/* Ns/Nr wrap at 65535 -> 0 (§5.8 modulo 2^16). */
static void
test_sequence_wrap(void)
{
	struct lac c;
	unsigned int mark;

	setup();
	lac_init(&c, "10.0.0.2", 1701, 7, 1);
	lac_connect(&c);                               /* an SCCRQ opens at Ns 0 (§5.8) */
	lac_recv(&c);
	/* HELLOs up to the wrap; the record of what was sent restarts on the way */
	while (c.ns != 0) {
		uint8_t buf[LNS_L2TP_CTL_MAX];
		struct lns_l2tp_enc e;

		lac_begin(&c, &e, buf, 0, LNS_L2TP_HELLO);
		if (lac_send(&c, &e) != 0)
			break;
		if (S.n_sent > SIM_MAX_SENT / 2)
			S.n_sent = c.seen = 0;
	}
	CU_ASSERT_EQUAL_FATAL(c.ns, 0);
	CU_ASSERT_EQUAL(sim_ctr(LNS_L2TP_CTR_RX_HELLO), 65534);
	mark = S.n_sent;
	icrq_at(&c, 1, 21);                            /* ahead across the wrap */
	icrq_at(&c, 0, 20);
	CU_ASSERT_EQUAL(count_type(mark, LNS_L2TP_ICRP), 2);
	icrq_at(&c, 65535, 20);                        /* old: a duplicate */
	CU_ASSERT_EQUAL(sim_ctr(LNS_L2TP_CTR_DUPLICATE), 1);
	CU_ASSERT_EQUAL(sim_sent_type(-1), LNS_L2TP_ZLB);
	CU_ASSERT_EQUAL(sim_m.nr, 2);
	sim_teardown();
}

/* The peer's window (RWS 4): a fifth message waits for an ack. */
static void
test_peer_window(void)
{
	struct lac c;
	unsigned int mark;
	uint16_t nr0;
	uint8_t buf[LNS_L2TP_CTL_HDR];
	struct lns_l2tp_enc e;

	setup();
	sim_ctr(0);
	lac_init(&c, "10.0.0.2", 1701, 7, 1);
	lac_connect(&c);
	lac_recv(&c);
	nr0 = c.nr;
	mark = S.n_sent;
	/* (max-sessions is 3: the 4th and 5th ICRQs are refused with CDNs; all five
	 * answers are messages needing acks) */
	for (uint16_t i = 0; i < 5; i++) {
		c.nr = nr0;                            /* the LAC acknowledges nothing */
		icrq_at(&c, c.ns, (uint16_t)(30 + i));
		c.ns++;
	}
	CU_ASSERT_EQUAL(S.n_sent - mark, 4);
	/* ack two: two more may go (one is waiting) */
	c.nr = (uint16_t)(nr0 + 2);
	lns_l2tp_enc_init(&e, buf, sizeof(buf), c.lns_tid, 0);
	lac_send_ns(&c, &e, c.ns);
	CU_ASSERT_EQUAL(S.n_sent - mark, 5);
	CU_ASSERT_EQUAL(sim_sent_type(-1), LNS_L2TP_CDN);
	CU_ASSERT_EQUAL(sim_m.ns, (uint16_t)(nr0 + 4));
	CU_ASSERT_EQUAL(sim_sent_result(-1, NULL), LNS_CDN_TEMP);
	sim_teardown();
}

static void
test_hello(void)
{
	struct lac c;
	uint64_t t0;
	unsigned int mark;

	setup();
	lac_init(&c, "10.0.0.2", 1701, 7, 1);
	lac_connect(&c);
	t0 = S.now;
	sim_run(30000);
	lac_ack(&c);                                   /* traffic at 30 s resets it */
	mark = S.n_sent;
	sim_run(59999);
	CU_ASSERT_EQUAL(count_type(mark, LNS_L2TP_HELLO), 0);
	sim_run(1);
	CU_ASSERT_EQUAL_FATAL(count_type(mark, LNS_L2TP_HELLO), 1);
	CU_ASSERT_EQUAL(S.sent[S.n_sent - 1].at - t0, 90000);
	CU_ASSERT_EQUAL(sim_ctr(LNS_L2TP_CTR_HELLOS_SENT), 1);
	/* an unanswered HELLO is retransmitted, then the tunnel dies */
	sim_run(12000);
	CU_ASSERT_EQUAL(sim_ctr(LNS_L2TP_CTR_RETRY_EXHAUSTED), 1);
	CU_ASSERT_EQUAL(S.tunnels_down, 1);
	sim_teardown();
}

/* A HELLO from the peer is acknowledged at once: no reply will carry the ack, so
 * waiting the delayed-ack time (§5.8) only adds latency to the peer's keepalive. */
static void
test_hello_acked_now(void)
{
	struct lac c;
	struct lns_l2tp_enc e;
	uint8_t buf[LNS_L2TP_CTL_MAX];
	unsigned int mark;
	uint64_t t0;

	setup();
	lac_init(&c, "10.0.0.2", 1701, 7, 1);
	lac_connect(&c);
	lac_recv(&c);
	mark = S.n_sent;
	t0 = S.now;
	lac_begin(&c, &e, buf, 0, LNS_L2TP_HELLO);
	CU_ASSERT_EQUAL_FATAL(lac_send(&c, &e), 0);
	CU_ASSERT_EQUAL_FATAL(S.n_sent, mark + 1);       /* before any time passes */
	CU_ASSERT_EQUAL(sim_sent_type(-1), LNS_L2TP_ZLB);
	CU_ASSERT_EQUAL(S.sent[S.n_sent - 1].at, t0);
	CU_ASSERT_EQUAL(sim_m.nr, c.ns);                  /* acknowledges the HELLO */
	CU_ASSERT_EQUAL(sim_ctr(LNS_L2TP_CTR_RX_HELLO), 1);
	sim_run(1000);                                   /* and no second, delayed ZLB */
	CU_ASSERT_EQUAL(S.n_sent, mark + 1);
	sim_teardown();
}

static void
test_stopccn_from_peer(void)
{
	struct lac c;
	struct lns_l2tp_tunnel_info ti;
	uint16_t sid;
	unsigned int mark;

	setup();
	lac_init(&c, "10.0.0.2", 1701, 7, 1);
	lac_connect(&c);
	sid = lac_call(&c, 5);
	CU_ASSERT_NOT_EQUAL(sid, 0);
	lac_recv(&c);
	mark = S.n_sent;
	CU_ASSERT_EQUAL(lac_stopccn(&c, 1), 0);
	/* acknowledged at once, sessions gone, tunnel destroyed */
	CU_ASSERT_EQUAL(S.n_sent, mark + 1);
	CU_ASSERT_EQUAL(sim_sent_type(-1), LNS_L2TP_ZLB);
	CU_ASSERT_EQUAL(sim_m.nr, c.ns);
	CU_ASSERT_EQUAL(S.sessions_down, 1);
	CU_ASSERT_EQUAL(S.tunnels_down, 1);
	CU_ASSERT_EQUAL(lns_l2tp_session_count(S.l), 0);
	CU_ASSERT_EQUAL(lns_l2tp_tunnel_get(S.l, c.lns_tid, &ti), 0);
	CU_ASSERT_STRING_EQUAL(ti.state, "destructing");
	CU_ASSERT_EQUAL(ti.result, 1);
	/* its retransmission (our ZLB was lost) is acknowledged again */
	{
		uint8_t buf[LNS_L2TP_CTL_MAX];
		struct lns_l2tp_enc e;

		lac_begin(&c, &e, buf, 0, LNS_L2TP_STOPCCN);
		lns_avp_put_u16(&e, true, LNS_AVP_TUNNEL_ID, c.tid);
		lns_avp_put_result(&e, 1, 0, NULL);
		lac_send_ns(&c, &e, (uint16_t)(c.ns - 1));
	}
	CU_ASSERT_EQUAL(S.n_sent, mark + 2);
	CU_ASSERT_EQUAL(sim_sent_type(-1), LNS_L2TP_ZLB);
	CU_ASSERT_EQUAL(sim_ctr(LNS_L2TP_CTR_RX_STOPCCN), 1);
	/* the record goes after the destruct timeout (default 600 s) */
	sim_run(600000 - 1);
	CU_ASSERT_EQUAL(lns_l2tp_tunnel_count(S.l), 1);
	sim_run(1);
	CU_ASSERT_EQUAL(lns_l2tp_tunnel_count(S.l), 0);
	sim_teardown();
}

static void
test_stopccn_from_us_and_cdn(void)
{
	struct lac c;
	struct lns_l2tp_tunnel_info ti;
	const struct lns_l2tp_msg *m;
	uint16_t s1, s2, err, u;

	setup();
	lac_init(&c, "10.0.0.2", 1701, 7, 1);
	lac_connect(&c);
	s1 = lac_call(&c, 5);
	s2 = lac_call(&c, 6);
	CU_ASSERT(s1 != 0 && s2 != 0 && s1 != s2);
	CU_ASSERT_EQUAL(S.sessions_up, 2);
	/* CDN from the LAC */
	lac_cdn(&c, s1, 5, 1);
	CU_ASSERT_EQUAL(S.sessions_down, 1);
	CU_ASSERT_EQUAL(S.last_down_result, 1);
	CU_ASSERT_EQUAL(sim_ctr(LNS_L2TP_CTR_RX_CDN), 1);
	/* CDN from us (PPP ended it) */
	CU_ASSERT_EQUAL(lns_l2tp_session_close(S.l, c.lns_tid, s2, 3, 0, "ppp", S.now), 0);
	m = sim_sent(-1);
	CU_ASSERT_EQUAL(m->type, LNS_L2TP_CDN);
	CU_ASSERT_EQUAL(m->session_id, 6);
	CU_ASSERT_EQUAL(lns_avp_get_u16(m, LNS_AVP_SESSION_ID, &u), 0);
	CU_ASSERT_EQUAL(u, s2);
	CU_ASSERT_EQUAL(sim_sent_result(-1, &err), 3);
	CU_ASSERT_EQUAL(S.sessions_down, 2);
	CU_ASSERT_EQUAL(lns_l2tp_session_close(S.l, c.lns_tid, s2, 3, 0, NULL, S.now), -ENOENT);
	/* StopCCN from us: admin clear, result 6 */
	CU_ASSERT_EQUAL(lns_l2tp_tunnel_close(S.l, c.lns_tid, 0, S.now), 0);
	CU_ASSERT_EQUAL(sim_sent_type(-1), LNS_L2TP_STOPCCN);
	CU_ASSERT_EQUAL(sim_sent_result(-1, NULL), LNS_STOPCCN_SHUTDOWN);
	CU_ASSERT_EQUAL(lns_avp_get_u16(&sim_m, LNS_AVP_TUNNEL_ID, &u), 0);
	CU_ASSERT_EQUAL(u, c.lns_tid);
	CU_ASSERT_EQUAL(lns_l2tp_tunnel_get(S.l, c.lns_tid, &ti), 0);
	CU_ASSERT_STRING_EQUAL(ti.state, "closing");
	CU_ASSERT_EQUAL(lns_l2tp_tunnel_close(S.l, c.lns_tid, 0, S.now), -ENOENT);
	lac_ack(&c);
	CU_ASSERT_EQUAL(lns_l2tp_tunnel_get(S.l, c.lns_tid, &ti), 0);
	CU_ASSERT_STRING_EQUAL(ti.state, "destructing");
	CU_ASSERT_EQUAL(S.tunnels_down, 1);
	sim_teardown();
}

static void
test_identity(void)
{
	struct lac a, b, d;
	struct lns_l2tp_tunnel_info ti;

	setup();
	/* a retransmitted SCCRQ is the same tunnel */
	lac_init(&a, "10.0.0.2", 1701, 7, 0x42);
	lac_sccrq(&a, NULL, 0);
	a.ns = 0;
	lac_sccrq(&a, NULL, 0);
	CU_ASSERT_EQUAL(lns_l2tp_tunnel_count(S.l), 1);
	CU_ASSERT_EQUAL(sim_ctr(LNS_L2TP_CTR_DUP_SCCRQ), 1);
	/* two clients behind one NAT: same address and peer tunnel id, other port */
	lac_init(&b, "10.0.0.2", 4500, 7, 0x42);
	lac_connect(&b);
	CU_ASSERT_EQUAL(lns_l2tp_tunnel_count(S.l), 2);
	a.seen = 0;
	a.ns = 1;
	lac_recv(&a);
	CU_ASSERT_NOT_EQUAL(a.lns_tid, b.lns_tid);
	lns_avp_get_u16(sim_sent(0), LNS_AVP_TUNNEL_ID, &a.lns_tid);
	CU_ASSERT_NOT_EQUAL(a.lns_tid, b.lns_tid);
	CU_ASSERT_EQUAL(lns_l2tp_tunnel_get(S.l, b.lns_tid, &ti), 0);
	CU_ASSERT_EQUAL(ti.peer.port, 4500);
	/* a message for b's tunnel from another port is not b's */
	d = b;
	d.peer.port = 1702;
	CU_ASSERT_EQUAL(lac_stopccn(&d, 1), -ENOENT);
	CU_ASSERT_EQUAL(sim_ctr(LNS_L2TP_CTR_WRONG_PEER), 1);
	/* nor from another IPsec connection */
	d = b;
	d.peer.conn = 99;
	CU_ASSERT_EQUAL(lac_stopccn(&d, 1), -ENOENT);
	CU_ASSERT_EQUAL(sim_ctr(LNS_L2TP_CTR_WRONG_PEER), 2);
	CU_ASSERT_EQUAL(lns_l2tp_tunnel_get(S.l, b.lns_tid, &ti), 0);
	CU_ASSERT_STRING_EQUAL(ti.state, "established");
	/* unknown tunnel id */
	d.lns_tid = 3999;
	CU_ASSERT_EQUAL(lac_stopccn(&d, 1), -ENOENT);
	CU_ASSERT_EQUAL(sim_ctr(LNS_L2TP_CTR_UNKNOWN_TUNNEL), 1);
	sim_teardown();
}

static void
test_ids_and_limits(void)
{
	struct lac c[5];
	struct lns_l2tp_tunnel_info ti;
	uint16_t freed, err;

	setup();
	for (int i = 0; i < 4; i++) {
		char a[16];

		snprintf(a, sizeof(a), "10.0.1.%d", i + 1);
		lac_init(&c[i], a, 1701, (uint32_t)i, 1);
		lac_connect(&c[i]);
	}
	CU_ASSERT_EQUAL(lns_l2tp_tunnel_count(S.l), 4);
	freed = c[1].lns_tid;
	lac_stopccn(&c[1], 1);
	CU_ASSERT_EQUAL(lns_l2tp_tunnel_get(S.l, freed, &ti), 0);
	CU_ASSERT_STRING_EQUAL(ti.state, "destructing");
	/* the destructing record keeps its id: a fifth tunnel is refused, no state */
	lac_init(&c[4], "10.0.1.9", 1701, 9, 1);
	CU_ASSERT_EQUAL(lac_sccrq(&c[4], NULL, 0), -EPERM);
	CU_ASSERT_EQUAL(sim_sent_type(-1), LNS_L2TP_STOPCCN);
	CU_ASSERT_EQUAL(sim_m.tunnel_id, 1);
	CU_ASSERT_EQUAL(sim_sent_result(-1, &err), LNS_STOPCCN_ERROR);
	CU_ASSERT_EQUAL(err, LNS_L2TP_ERR_RESOURCES);
	CU_ASSERT_EQUAL(sim_ctr(LNS_L2TP_CTR_REFUSE_TUNNELS), 1);
	CU_ASSERT_EQUAL(lns_l2tp_tunnel_count(S.l), 4);
	/* destruct over: the id is free again and goes to the next tunnel */
	sim_run(600000);
	CU_ASSERT_EQUAL(lns_l2tp_tunnel_get(S.l, freed, &ti), -ENOENT);
	lac_init(&c[4], "10.0.1.9", 1701, 9, 1);
	lac_connect(&c[4]);
	CU_ASSERT_EQUAL(c[4].lns_tid, freed);
	/* max-sessions 3 (global): the fourth call gets CDN result 4 */
	for (uint16_t i = 0; i < 3; i++)
		CU_ASSERT_NOT_EQUAL(lac_call(&c[4], (uint16_t)(i + 1)), 0);
	CU_ASSERT_EQUAL(lac_icrq(&c[4], 9), 0);
	CU_ASSERT_EQUAL(sim_sent_type(-1), LNS_L2TP_CDN);
	CU_ASSERT_EQUAL(sim_m.session_id, 9);
	CU_ASSERT_EQUAL(sim_sent_result(-1, NULL), LNS_CDN_TEMP);
	CU_ASSERT_EQUAL(sim_ctr(LNS_L2TP_CTR_REFUSE_SESSIONS), 1);
	CU_ASSERT_EQUAL(lns_l2tp_session_count(S.l), 3);
	sim_teardown();
}

/* A tunnel id a static tunnel holds is never given to an SCCRQ. */
static void
test_reserved_tunnel_ids(void)
{
	struct lac c[3];

	setup();
	CU_ASSERT_EQUAL(lns_l2tp_reserve_tunnel_id(S.l, 1), 0);
	CU_ASSERT_EQUAL(lns_l2tp_reserve_tunnel_id(S.l, 3), 0);
	CU_ASSERT_EQUAL(lns_l2tp_reserve_tunnel_id(S.l, 3), -EEXIST);
	CU_ASSERT_EQUAL(lns_l2tp_reserve_tunnel_id(S.l, 0), -EINVAL);
	CU_ASSERT_EQUAL(lns_l2tp_reserve_tunnel_id(S.l, 4000), 0); /* above max-tunnels */
	for (int i = 0; i < 2; i++) {
		char a[16];

		snprintf(a, sizeof(a), "10.0.2.%d", i + 1);
		lac_init(&c[i], a, 1701, (uint32_t)i, 1);
		lac_connect(&c[i]);
		CU_ASSERT(c[i].lns_tid == 2 || c[i].lns_tid == 4);
	}
	CU_ASSERT_NOT_EQUAL(c[0].lns_tid, c[1].lns_tid);
	/* max-tunnels 4, two ids held: the third dynamic tunnel is refused */
	lac_init(&c[2], "10.0.2.9", 1701, 9, 1);
	CU_ASSERT_EQUAL(lac_sccrq(&c[2], NULL, 0), -EPERM);
	CU_ASSERT_EQUAL(sim_sent_type(-1), LNS_L2TP_STOPCCN);
	CU_ASSERT_EQUAL(sim_ctr(LNS_L2TP_CTR_REFUSE_TUNNELS), 1);
	sim_teardown();
}

static void
test_bad_messages(void)
{
	struct lac c;
	uint8_t buf[LNS_L2TP_CTL_MAX];
	struct lns_l2tp_enc e;
	uint16_t err, sid;

	setup();
	lac_init(&c, "10.0.0.2", 1701, 7, 1);
	/* ICRQ before the tunnel is up: wrong state, counted */
	lac_sccrq(&c, NULL, 0);
	lns_avp_get_u16(sim_sent(lac_recv(&c)), LNS_AVP_TUNNEL_ID, &c.lns_tid);
	icrq_at(&c, c.ns++, 3);
	CU_ASSERT_EQUAL(sim_ctr(LNS_L2TP_CTR_BAD_STATE), 1);
	CU_ASSERT_EQUAL(lns_l2tp_session_count(S.l), 0);
	lac_begin(&c, &e, buf, 0, LNS_L2TP_SCCCN);
	lac_send(&c, &e);
	/* unknown mandatory AVP in ICRQ: CDN 2/8 */
	lac_begin(&c, &e, buf, 0, LNS_L2TP_ICRQ);
	lns_avp_put_u16(&e, true, LNS_AVP_SESSION_ID, 4);
	lns_avp_put_vendor(&e, true, 311, 1, "x", 1);
	lac_send(&c, &e);
	CU_ASSERT_EQUAL(sim_sent_type(-1), LNS_L2TP_CDN);
	CU_ASSERT_EQUAL(sim_sent_result(-1, &err), LNS_CDN_ERROR);
	CU_ASSERT_EQUAL(err, LNS_L2TP_ERR_UNKNOWN_M);
	/* unknown AVP without M: ignored, the call goes on */
	lac_begin(&c, &e, buf, 0, LNS_L2TP_ICRQ);
	lns_avp_put_u16(&e, true, LNS_AVP_SESSION_ID, 5);
	lns_avp_put_vendor(&e, false, 311, 1, "x", 1);
	lac_send(&c, &e);
	CU_ASSERT_EQUAL(sim_sent_type(-1), LNS_L2TP_ICRP);
	lns_avp_get_u16(&sim_m, LNS_AVP_SESSION_ID, &sid);
	/* OCRQ: we place no outgoing calls -> CDN result 5 */
	lac_begin(&c, &e, buf, 0, LNS_L2TP_OCRQ);
	lns_avp_put_u16(&e, true, LNS_AVP_SESSION_ID, 6);
	lac_send(&c, &e);
	CU_ASSERT_EQUAL(sim_sent_type(-1), LNS_L2TP_CDN);
	CU_ASSERT_EQUAL(sim_m.session_id, 6);
	CU_ASSERT_EQUAL(sim_sent_result(-1, NULL), LNS_CDN_PERM);
	/* WEN and SLI accepted */
	lac_begin(&c, &e, buf, sid, LNS_L2TP_WEN);
	lns_avp_put(&e, true, LNS_AVP_CALL_ERRORS, buf + 2000, 26);
	lac_send(&c, &e);
	lac_begin(&c, &e, buf, sid, LNS_L2TP_SLI);
	lns_avp_put(&e, true, LNS_AVP_ACCM, buf + 2000, 10);
	lac_send(&c, &e);
	CU_ASSERT_EQUAL(sim_ctr(LNS_L2TP_CTR_RX_WEN), 1);
	CU_ASSERT_EQUAL(sim_ctr(LNS_L2TP_CTR_RX_SLI), 1);
	CU_ASSERT_EQUAL(lns_l2tp_session_count(S.l), 1);
	/* malformed: counted, no state change, no answer */
	{
		unsigned int mark = S.n_sent;
		int n;

		lac_begin(&c, &e, buf, 0, LNS_L2TP_HELLO);
		n = lns_l2tp_enc_finish(&e);
		buf[13] = 3;                            /* AVP length 3 */
		CU_ASSERT_EQUAL(lns_l2tp_input(S.l, &c.peer, buf, (size_t)n, S.now), -EBADMSG);
		CU_ASSERT_EQUAL(lns_l2tp_input(S.l, &c.peer, buf, 5, S.now), -EBADMSG);
		CU_ASSERT_EQUAL(sim_ctr(LNS_L2TP_CTR_MALFORMED), 2);
		CU_ASSERT_EQUAL(S.n_sent, mark);
	}
	/* unknown message type with M: the tunnel is cleared, StopCCN 2/8 */
	lac_begin(&c, &e, buf, 0, 99);
	lac_send(&c, &e);
	CU_ASSERT_EQUAL(sim_sent_type(-1), LNS_L2TP_STOPCCN);
	CU_ASSERT_EQUAL(sim_sent_result(-1, &err), LNS_STOPCCN_ERROR);
	CU_ASSERT_EQUAL(err, LNS_L2TP_ERR_UNKNOWN_M);
	CU_ASSERT_EQUAL(sim_ctr(LNS_L2TP_CTR_UNKNOWN_M_TYPE), 1);
	CU_ASSERT_EQUAL(lns_l2tp_session_count(S.l), 0);
	sim_teardown();

	/* unknown mandatory AVP in SCCRQ: StopCCN 2/8; bad protocol version: result 5 */
	setup();
	lac_init(&c, "10.0.0.2", 1701, 7, 1);
	lac_begin(&c, &e, buf, 0, LNS_L2TP_SCCRQ);
	lns_avp_put_u16(&e, true, LNS_AVP_TUNNEL_ID, 1);
	lns_avp_put_u16(&e, true, 200, 1);
	CU_ASSERT_EQUAL(lac_send(&c, &e), -EPERM);
	CU_ASSERT_EQUAL(sim_sent_result(-1, &err), LNS_STOPCCN_ERROR);
	CU_ASSERT_EQUAL(err, LNS_L2TP_ERR_UNKNOWN_M);
	lac_init(&c, "10.0.0.3", 1701, 8, 1);
	lac_begin(&c, &e, buf, 0, LNS_L2TP_SCCRQ);
	lns_avp_put_u16(&e, true, LNS_AVP_TUNNEL_ID, 1);
	lns_avp_put_u16(&e, true, LNS_AVP_PROTO_VER, 0x0200);
	CU_ASSERT_EQUAL(lac_send(&c, &e), -EPERM);
	CU_ASSERT_EQUAL(sim_sent_result(-1, NULL), LNS_STOPCCN_BAD_VERSION);
	/* SCCRQ without Assigned Tunnel ID: nobody to answer */
	lac_init(&c, "10.0.0.4", 1701, 9, 1);
	lac_begin(&c, &e, buf, 0, LNS_L2TP_SCCRQ);
	CU_ASSERT_EQUAL(lac_send(&c, &e), -EBADMSG);
	CU_ASSERT_EQUAL(sim_ctr(LNS_L2TP_CTR_MISSING_AVP), 1);
	/* anything but SCCRQ to tunnel 0 */
	lac_begin(&c, &e, buf, 0, LNS_L2TP_HELLO);
	CU_ASSERT_EQUAL(lac_send(&c, &e), -ENOENT);
	sim_teardown();
}

/* What is wrong with one SCCRQ in test_sccrq_malformed */
enum sccrq_bad {
	SB_NONE, SB_NO_HOST, SB_NO_FRAMING, SB_RWS_ZERO, SB_DUP_TYPE, SB_NS, SB_NR,
	SB_SESSION, SB_QUIRKS
};

static int
sccrq_send(struct lac *c, enum sccrq_bad bad)
{
	uint8_t buf[LNS_L2TP_CTL_MAX];
	struct lns_l2tp_enc e;
	static const uint8_t ver[2] = { 1, 0 }, tie[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	int n;

	lac_begin(c, &e, buf, bad == SB_SESSION ? 5 : 0, LNS_L2TP_SCCRQ);
	if (bad == SB_DUP_TYPE)         /* (the encoder only puts one first) */
		lns_avp_put_u16(&e, true, LNS_AVP_MSG_TYPE, LNS_L2TP_SCCRQ);
	lns_avp_put(&e, true, LNS_AVP_PROTO_VER, ver, 2);
	if (bad != SB_NO_HOST)
		lns_avp_put_str(&e, true, LNS_AVP_HOST_NAME, c->host);
	if (bad != SB_NO_FRAMING)
		lns_avp_put_u32(&e, true, LNS_AVP_FRAMING_CAP, 3);
	lns_avp_put_u16(&e, true, LNS_AVP_TUNNEL_ID, c->tid);
	if (bad == SB_QUIRKS) {
		/* a Tie Breaker (Cisco), a vendor AVP without M, a repeated Host Name,
		 * no Receive Window Size, Bearer Capabilities, Firmware or Vendor Name */
		lns_avp_put(&e, false, LNS_AVP_TIE_BREAKER, tie, sizeof(tie));
		lns_avp_put_vendor(&e, false, 9, 1, "x", 1);
		lns_avp_put_str(&e, true, LNS_AVP_HOST_NAME, "DESKTOP-WIN10");
	} else {
		lns_avp_put_u16(&e, false, LNS_AVP_RWS, bad == SB_RWS_ZERO ? 0 : 4);
	}
	n = lns_l2tp_enc_finish(&e);
	CU_ASSERT_FATAL(n > 0);
	lns_l2tp_set_seq(buf, bad == SB_NS ? 3 : 0, bad == SB_NR ? 1 : 0);
	return lns_l2tp_input(S.l, &c->peer, buf, (size_t)n, S.now);
}

/*
 * RFC 2661 protocol errors in an SCCRQ: each is refused at once with one StopCCN
 * (result 2 and its error code), counted under its own name, and leaves no tunnel
 * record behind; the quirks of real LACs are still answered with SCCRP.
 */
static void
test_sccrq_malformed(void)
{
	static const struct {
		enum sccrq_bad bad;
		enum lns_l2tp_ctr ctr;
		uint16_t error;
	} cases[] = {
		{ SB_NO_HOST,    LNS_L2TP_CTR_SCCRQ_NO_HOST,    LNS_L2TP_ERR_LENGTH },
		{ SB_NO_FRAMING, LNS_L2TP_CTR_SCCRQ_NO_FRAMING, LNS_L2TP_ERR_LENGTH },
		{ SB_RWS_ZERO,   LNS_L2TP_CTR_SCCRQ_RWS_ZERO,   LNS_L2TP_ERR_RANGE },
		{ SB_DUP_TYPE,   LNS_L2TP_CTR_SCCRQ_DUP_TYPE,   LNS_L2TP_ERR_LENGTH },
		{ SB_NS,         LNS_L2TP_CTR_SCCRQ_NS,         LNS_L2TP_ERR_RANGE },
		{ SB_NR,         LNS_L2TP_CTR_SCCRQ_NR,         LNS_L2TP_ERR_RANGE },
		{ SB_SESSION,    LNS_L2TP_CTR_SCCRQ_SESSION,    LNS_L2TP_ERR_RANGE },
	};
	struct lac c;

	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (int secure = 0; secure < 2; secure++) {
			const struct lns_l2tp_msg *m;
			uint64_t before[LNS_L2TP_CTR_MAX], after[LNS_L2TP_CTR_MAX];
			uint64_t seq0;
			uint16_t err = 0;
			int last;

			setup();
			seq0 = lns_evlog_last_seq(S.log);
			lac_init(&c, "10.0.0.2", 1701, secure ? 7 : LNS_L2TP_NO_CONN, 40);
			lns_l2tp_counters(S.l, before);
			CU_ASSERT_EQUAL(sccrq_send(&c, cases[i].bad), -EPERM);
			last = lac_recv(&c);
			CU_ASSERT_FATAL(last >= 0);
			m = sim_sent(last);
			CU_ASSERT_EQUAL(m->type, LNS_L2TP_STOPCCN);
			CU_ASSERT_EQUAL(m->tunnel_id, 40);      /* to the LAC's tunnel id */
			CU_ASSERT_EQUAL(m->nr, cases[i].bad == SB_NS ? 4 : 1);
			CU_ASSERT_EQUAL(sim_sent_result(last, &err), LNS_STOPCCN_ERROR);
			CU_ASSERT_EQUAL(err, cases[i].error);
			CU_ASSERT_EQUAL(S.n_sent, 1);           /* one answer, no SCCRP */
			CU_ASSERT_EQUAL(lns_l2tp_tunnel_count(S.l), 0);
			lns_l2tp_counters(S.l, after);
			CU_ASSERT_EQUAL(after[cases[i].ctr] - before[cases[i].ctr], 1);
			/* its own counter only: no other refusal reason moved */
			for (unsigned int k = LNS_L2TP_CTR_SCCRQ_NO_HOST;
			     k <= LNS_L2TP_CTR_SCCRQ_SESSION; k++)
				if (k != (unsigned int)cases[i].ctr)
					CU_ASSERT_EQUAL(after[k], before[k]);
			/* nothing to retransmit, nothing left to time out */
			sim_run(120 * 1000);
			CU_ASSERT_EQUAL(S.n_sent, 1);
			/* an authenticated (IPsec) peer's refusal is logged; in the clear
			 * it is counted only (the source may be forged) */
			CU_ASSERT_EQUAL(lns_evlog_last_seq(S.log) > seq0, secure == 1);
			sim_teardown();
		}
	}

	/* quirks of real LACs: answered with SCCRP, the tunnel comes up */
	setup();
	lac_init(&c, "10.0.0.2", 1701, LNS_L2TP_NO_CONN, 41);
	CU_ASSERT_EQUAL(sccrq_send(&c, SB_QUIRKS), 0);
	CU_ASSERT_EQUAL(sim_sent_type(lac_recv(&c)), LNS_L2TP_SCCRP);
	CU_ASSERT_EQUAL(lns_l2tp_tunnel_count(S.l), 1);
	sim_teardown();
}

static void
test_callbacks(void)
{
	struct lac c;
	uint16_t sid, err;

	/* session_up refuses: CDN 2/4, no session_down for a session never up */
	setup();
	S.session_up_rc = -ENOMEM;
	lac_init(&c, "10.0.0.2", 1701, 7, 1);
	lac_connect(&c);
	sid = lac_call(&c, 5);
	CU_ASSERT_NOT_EQUAL(sid, 0);
	CU_ASSERT_EQUAL(sim_sent_type(-1), LNS_L2TP_CDN);
	CU_ASSERT_EQUAL(sim_sent_result(-1, &err), LNS_CDN_ERROR);
	CU_ASSERT_EQUAL(err, LNS_L2TP_ERR_RESOURCES);
	CU_ASSERT_EQUAL(S.sessions_down, 0);
	CU_ASSERT_EQUAL(lns_l2tp_session_count(S.l), 0);
	sim_teardown();

	/* session_up closes the session from inside the callback: one CDN, no crash */
	setup();
	S.close_in_session_up = 1;
	lac_init(&c, "10.0.0.2", 1701, 7, 1);
	lac_connect(&c);
	lac_call(&c, 5);
	CU_ASSERT_EQUAL(count_type(0, LNS_L2TP_CDN), 1);
	CU_ASSERT_EQUAL(sim_sent_result(-1, NULL), 3);
	CU_ASSERT_EQUAL(lns_l2tp_session_count(S.l), 0);
	sim_teardown();

	/* tunnel_up refuses: StopCCN 2/4 */
	setup();
	S.tunnel_up_rc = -ENOSPC;
	lac_init(&c, "10.0.0.2", 1701, 7, 1);
	lac_connect(&c);
	CU_ASSERT_EQUAL(sim_sent_type(-1), LNS_L2TP_STOPCCN);
	CU_ASSERT_EQUAL(sim_sent_result(-1, &err), LNS_STOPCCN_ERROR);
	CU_ASSERT_EQUAL(err, LNS_L2TP_ERR_RESOURCES);
	CU_ASSERT_EQUAL(S.tunnels_down, 0);
	sim_teardown();
}

static void
test_hidden_from_lac(void)
{
	struct lac c;
	uint8_t buf[LNS_L2TP_CTL_MAX], rv[16] = { 7 }, sid[2] = { 0, 0x31 };
	struct lns_l2tp_enc e;
	struct lns_l2tp_session_info si;
	uint16_t lsid;

	setup();
	lac_init(&c, "10.0.0.2", 1701, 7, 1);
	c.host = "secure-lac";
	c.secret = "tunnelpw";
	lac_connect(&c);
	lac_begin(&c, &e, buf, 0, LNS_L2TP_ICRQ);
	lns_avp_put_random_vector(&e, rv, sizeof(rv));
	lns_avp_put_hidden(&e, true, LNS_AVP_SESSION_ID, sid, 2);
	lns_avp_put_hidden(&e, false, LNS_AVP_CALLING, "0123", 4);
	CU_ASSERT_EQUAL(lac_send(&c, &e), 0);
	CU_ASSERT_EQUAL(sim_sent_type(-1), LNS_L2TP_ICRP);
	CU_ASSERT_EQUAL(sim_m.session_id, 0x31);
	lns_avp_get_u16(&sim_m, LNS_AVP_SESSION_ID, &lsid);
	CU_ASSERT_EQUAL(lns_l2tp_session_get(S.l, c.lns_tid, lsid, &si), 0);
	CU_ASSERT_STRING_EQUAL(si.calling, "0123");
	sim_teardown();
}

static void
test_shutdown(void)
{
	struct lac a, b;
	unsigned int mark;

	setup();
	lac_init(&a, "10.0.0.2", 1701, 7, 1);
	lac_init(&b, "10.0.0.3", 1701, 8, 1);
	lac_connect(&a);
	lac_connect(&b);
	lac_call(&a, 1);
	mark = S.n_sent;
	lns_l2tp_shutdown(S.l, S.now);
	CU_ASSERT_EQUAL(count_type(mark, LNS_L2TP_STOPCCN), 2);
	CU_ASSERT_EQUAL(sim_sent_result(-1, NULL), LNS_STOPCCN_SHUTDOWN);
	CU_ASSERT_EQUAL(S.sessions_down, 1);
	CU_ASSERT_EQUAL(S.tunnels_down, 2);
	sim_run(60000);                                /* one attempt: no retransmission */
	CU_ASSERT_EQUAL(count_type(mark, LNS_L2TP_STOPCCN), 2);
	sim_teardown();
}

/* ------------------------------------------------------ admission limits --- */

/* A config whose l2tp.admission is `adm` (flow-style YAML mapping body). */
static void
setup_adm(const char *adm)
{
	char yaml[512];

	snprintf(yaml, sizeof(yaml),
		 "l2tp:\n"
		 "  retransmit: {initial-ms: 1000, max-ms: 4000, retries: 3}\n"
		 "  allow-nonsecure: true\n"
		 "  admission: {%s}\n"
		 "limits:\n"
		 "  max-tunnels: 64\n", adm);
	sim_setup(yaml);
}

/* SCCRQ in the clear: a token bucket per source address (burst 3, 2/s); over it,
 * dropped without an answer. Over IPsec: StopCCN 2/4, no record. */
static void
test_sccrq_rate(void)
{
	struct lac a[5], b, d;
	unsigned int mark;
	uint16_t err;

	setup_adm("sccrq-rate: 2, sccrq-burst: 3");
	for (int i = 0; i < 4; i++)
		lac_init(&a[i], "10.0.0.2", (uint16_t)(1701 + i), LNS_L2TP_NO_CONN,
			 (uint16_t)(i + 1));
	for (int i = 0; i < 3; i++) {
		mark = S.n_sent;
		CU_ASSERT_EQUAL(lac_sccrq(&a[i], NULL, 0), 0);
		CU_ASSERT_EQUAL(S.n_sent, mark + 1);
		CU_ASSERT_EQUAL(sim_sent_type(-1), LNS_L2TP_SCCRP);
	}
	CU_ASSERT_EQUAL(lns_l2tp_half_open_count(S.l), 3);
	/* the fourth from that address: no record, no answer, counted */
	mark = S.n_sent;
	CU_ASSERT_EQUAL(lac_sccrq(&a[3], NULL, 0), -EPERM);
	CU_ASSERT_EQUAL(S.n_sent, mark);
	CU_ASSERT_EQUAL(lns_l2tp_tunnel_count(S.l), 3);
	CU_ASSERT_EQUAL(sim_ctr(LNS_L2TP_CTR_REFUSE_SCCRQ_RATE), 1);
	CU_ASSERT_EQUAL(sim_ctr(LNS_L2TP_CTR_REFUSE_SILENT), 1);
	/* a retransmitted SCCRQ of an admitted tunnel costs nothing */
	a[0].ns = 0;
	CU_ASSERT_EQUAL(lac_sccrq(&a[0], NULL, 0), 0);
	CU_ASSERT_EQUAL(sim_ctr(LNS_L2TP_CTR_DUP_SCCRQ), 1);
	CU_ASSERT_EQUAL(sim_ctr(LNS_L2TP_CTR_REFUSE_SCCRQ_RATE), 1);
	/* another address has its own bucket */
	lac_init(&d, "10.0.0.3", 1701, LNS_L2TP_NO_CONN, 9);
	CU_ASSERT_EQUAL(lac_sccrq(&d, NULL, 0), 0);
	/* refill at 2/s: not after 499 ms, one token after 500 ms */
	sim_run(499);
	a[3].ns = 0;
	CU_ASSERT_EQUAL(lac_sccrq(&a[3], NULL, 0), -EPERM);
	CU_ASSERT_EQUAL(sim_ctr(LNS_L2TP_CTR_REFUSE_SCCRQ_RATE), 2);
	sim_run(1);
	a[3].ns = 0;
	mark = S.n_sent;
	CU_ASSERT_EQUAL(lac_sccrq(&a[3], NULL, 0), 0);
	CU_ASSERT_EQUAL(sim_sent_type(-1), LNS_L2TP_SCCRP);
	a[4] = a[3];
	a[4].peer.port = 1800;
	a[4].ns = 0;
	CU_ASSERT_EQUAL(lac_sccrq(&a[4], NULL, 0), -EPERM);
	CU_ASSERT_EQUAL(lns_l2tp_tunnel_count(S.l), 5);
	/* over IPsec the peer is authenticated: told, statelessly, StopCCN 2/4 */
	for (int i = 0; i < 3; i++) {
		lac_init(&b, "10.0.0.4", (uint16_t)(4500 + i), 7, (uint16_t)(20 + i));
		CU_ASSERT_EQUAL(lac_sccrq(&b, NULL, 0), 0);
	}
	lac_init(&b, "10.0.0.4", 4600, 7, 30);
	mark = S.n_sent;
	CU_ASSERT_EQUAL(lac_sccrq(&b, NULL, 0), -EPERM);
	CU_ASSERT_EQUAL_FATAL(S.n_sent, mark + 1);
	CU_ASSERT_EQUAL(sim_sent_type(-1), LNS_L2TP_STOPCCN);
	CU_ASSERT_EQUAL(sim_m.tunnel_id, 30);
	CU_ASSERT_EQUAL(sim_sent_result(-1, &err), LNS_STOPCCN_ERROR);
	CU_ASSERT_EQUAL(err, LNS_L2TP_ERR_RESOURCES);
	CU_ASSERT_EQUAL(S.sent[S.n_sent - 1].to.conn, 7);
	CU_ASSERT_EQUAL(sim_ctr(LNS_L2TP_CTR_REFUSE_SILENT), 3);
	CU_ASSERT_EQUAL(lns_l2tp_tunnel_count(S.l), 8);
	sim_teardown();
}

/* Half-open tunnels (SCCRP sent, no SCCCN): at most 2 per source address and 4 in
 * all; SCCCN or the end of the SCCRP's retransmissions frees the place. */
static void
test_half_open(void)
{
	struct lac a[3], b[2], c;
	uint8_t buf[LNS_L2TP_CTL_MAX];
	struct lns_l2tp_enc e;
	struct lns_l2tp_tunnel_info ti;

	setup_adm("max-half-open: 4, max-half-open-per-source: 2");
	for (int i = 0; i < 3; i++)
		lac_init(&a[i], "10.0.0.2", (uint16_t)(1701 + i), LNS_L2TP_NO_CONN,
			 (uint16_t)(i + 1));
	CU_ASSERT_EQUAL(lac_sccrq(&a[0], NULL, 0), 0);
	CU_ASSERT_EQUAL(lac_sccrq(&a[1], NULL, 0), 0);
	CU_ASSERT_EQUAL(lac_sccrq(&a[2], NULL, 0), -EPERM);
	CU_ASSERT_EQUAL(sim_ctr(LNS_L2TP_CTR_REFUSE_HALF_OPEN_SRC), 1);
	CU_ASSERT_EQUAL(lns_l2tp_half_open_count(S.l), 2);
	/* a[0] completes: its place goes to a[2] */
	lns_avp_get_u16(sim_sent(lac_recv(&a[0])), LNS_AVP_TUNNEL_ID, &a[0].lns_tid);
	lac_begin(&a[0], &e, buf, 0, LNS_L2TP_SCCCN);
	CU_ASSERT_EQUAL(lac_send(&a[0], &e), 0);
	CU_ASSERT_EQUAL(lns_l2tp_tunnel_get(S.l, a[0].lns_tid, &ti), 0);
	CU_ASSERT_STRING_EQUAL(ti.state, "established");
	CU_ASSERT_EQUAL(lns_l2tp_half_open_count(S.l), 1);
	a[2].ns = 0;
	CU_ASSERT_EQUAL(lac_sccrq(&a[2], NULL, 0), 0);
	/* two more from another address: 4 half-open in all, the total cap */
	lac_init(&b[0], "10.0.0.3", 1701, LNS_L2TP_NO_CONN, 1);
	lac_init(&b[1], "10.0.0.3", 1702, LNS_L2TP_NO_CONN, 1);
	CU_ASSERT_EQUAL(lac_sccrq(&b[0], NULL, 0), 0);
	CU_ASSERT_EQUAL(lac_sccrq(&b[1], NULL, 0), 0);
	CU_ASSERT_EQUAL(lns_l2tp_half_open_count(S.l), 4);
	lac_init(&c, "10.0.0.5", 1701, LNS_L2TP_NO_CONN, 1);
	CU_ASSERT_EQUAL(lac_sccrq(&c, NULL, 0), -EPERM);
	CU_ASSERT_EQUAL(sim_ctr(LNS_L2TP_CTR_REFUSE_HALF_OPEN), 1);
	CU_ASSERT_EQUAL(sim_ctr(LNS_L2TP_CTR_REFUSE_SILENT), 2);
	CU_ASSERT_EQUAL(lns_l2tp_tunnel_count(S.l), 5);
	/* nobody answers the SCCRPs: 1+2+4+4 s of retransmissions, then destroyed;
	 * the half-open places are free again (the records destruct as usual) */
	sim_run(10999);
	CU_ASSERT_EQUAL(lns_l2tp_half_open_count(S.l), 4);
	sim_run(2000);
	CU_ASSERT_EQUAL(lns_l2tp_half_open_count(S.l), 0);
	CU_ASSERT_EQUAL(sim_ctr(LNS_L2TP_CTR_RETRY_EXHAUSTED), 4);
	c.ns = 0;
	CU_ASSERT_EQUAL(lac_sccrq(&c, NULL, 0), 0);
	CU_ASSERT_EQUAL(lns_l2tp_half_open_count(S.l), 1);
	/* a half-open tunnel the operator clears leaves the count too */
	lns_avp_get_u16(sim_sent(lac_recv(&c)), LNS_AVP_TUNNEL_ID, &c.lns_tid);
	CU_ASSERT_EQUAL(lns_l2tp_tunnel_close(S.l, c.lns_tid, 0, S.now), 0);
	CU_ASSERT_EQUAL(lns_l2tp_half_open_count(S.l), 0);
	sim_teardown();
}

/* ICRQ on one tunnel: a bucket of 5 at 2/s (every ICRQ spends a token), at most 3
 * sessions waiting for ICCN; refusals are CDN result 4 (temporary); a call without
 * ICCN ends after 5 s. */
static void
test_icrq_limits(void)
{
	struct lac c;
	uint16_t s1, s2, s3, err;
	uint64_t t0;

	setup_adm("icrq-rate: 2, icrq-burst: 5, max-pending-sessions: 3, "
		  "session-setup-timeout: 5");
	lac_init(&c, "10.0.0.2", 1701, LNS_L2TP_NO_CONN, 1);
	CU_ASSERT_EQUAL_FATAL(lac_connect(&c), 0);
	t0 = S.now;
	s1 = lac_icrq(&c, 1);
	s2 = lac_icrq(&c, 2);
	s3 = lac_icrq(&c, 3);
	CU_ASSERT(s1 != 0 && s2 != 0 && s3 != 0);
	CU_ASSERT_EQUAL(lns_l2tp_pending_count(S.l), 3);
	/* a fourth waiting call: refused, CDN 4 to its session id, nothing kept */
	CU_ASSERT_EQUAL(lac_icrq(&c, 4), 0);
	CU_ASSERT_EQUAL(sim_sent_type(-1), LNS_L2TP_CDN);
	CU_ASSERT_EQUAL(sim_m.session_id, 4);
	CU_ASSERT_EQUAL(sim_sent_result(-1, &err), LNS_CDN_TEMP);
	CU_ASSERT_EQUAL(sim_ctr(LNS_L2TP_CTR_REFUSE_PENDING), 1);
	CU_ASSERT_EQUAL(lns_l2tp_session_count(S.l), 3);
	/* ICCN frees a place; the fifth token goes to call 5; then the bucket is dry */
	CU_ASSERT_EQUAL(lac_iccn(&c, s1), 0);
	CU_ASSERT_EQUAL(lns_l2tp_pending_count(S.l), 2);
	CU_ASSERT_NOT_EQUAL(lac_icrq(&c, 5), 0);
	CU_ASSERT_EQUAL(lac_iccn(&c, s2), 0);
	CU_ASSERT_EQUAL(lac_icrq(&c, 6), 0);
	CU_ASSERT_EQUAL(sim_sent_result(-1, NULL), LNS_CDN_TEMP);
	CU_ASSERT_EQUAL(sim_ctr(LNS_L2TP_CTR_REFUSE_ICRQ_RATE), 1);
	CU_ASSERT_EQUAL(sim_ctr(LNS_L2TP_CTR_REFUSE_PENDING), 1);
	CU_ASSERT_EQUAL(S.sessions_up, 2);
	sim_run(499);                                  /* not yet a whole token */
	CU_ASSERT_EQUAL(lac_icrq(&c, 7), 0);
	CU_ASSERT_EQUAL(sim_ctr(LNS_L2TP_CTR_REFUSE_ICRQ_RATE), 2);
	sim_run(1);
	CU_ASSERT_NOT_EQUAL(lac_icrq(&c, 8), 0);
	CU_ASSERT_EQUAL(lns_l2tp_pending_count(S.l), 3);   /* 3, 5 and 8 */
	CU_ASSERT_EQUAL(lns_l2tp_session_count(S.l), 5);
	/* no ICCN for 3, 5 (from t0) and 8 (from t0 + 500): CDN result 2 at 5 s */
	lac_ack(&c);
	sim_run(t0 + 4999 - S.now);
	CU_ASSERT_EQUAL(lns_l2tp_pending_count(S.l), 3);
	sim_run(1);
	CU_ASSERT_EQUAL(lns_l2tp_pending_count(S.l), 1);
	CU_ASSERT_EQUAL(sim_ctr(LNS_L2TP_CTR_SESSION_SETUP_TIMEOUTS), 2);
	CU_ASSERT_EQUAL(sim_sent_type(-1), LNS_L2TP_CDN);
	CU_ASSERT_EQUAL(sim_sent_result(-1, NULL), LNS_CDN_ERROR);
	CU_ASSERT(sim_m.session_id == 3 || sim_m.session_id == 5);
	lac_ack(&c);
	sim_run(500);
	CU_ASSERT_EQUAL(lns_l2tp_pending_count(S.l), 0);
	CU_ASSERT_EQUAL(sim_ctr(LNS_L2TP_CTR_SESSION_SETUP_TIMEOUTS), 3);
	CU_ASSERT_EQUAL(lns_l2tp_session_count(S.l), 2);  /* the established ones stay */
	CU_ASSERT_EQUAL(S.sessions_down, 0);              /* never up: no session_down */
	sim_teardown();
}

/* A peer that floods ICRQs and never acknowledges our answers: refusals stop being
 * answered once 64 of our messages wait beyond its window; memory stays bounded. */
static void
test_refusal_backlog(void)
{
	struct lac c;

	setup_adm("max-pending-sessions: 1");
	lac_init(&c, "10.0.0.2", 1701, LNS_L2TP_NO_CONN, 1);
	CU_ASSERT_EQUAL_FATAL(lac_connect(&c), 0);
	lac_ack(&c);
	for (uint16_t i = 0; i < 100; i++)
		icrq_at(&c, c.ns++, (uint16_t)(100 + i));  /* Nr never moves */
	/* 1 ICRP + 67 CDNs queued (4 of them sent: the LAC's window), 32 unanswered */
	CU_ASSERT_EQUAL(sim_ctr(LNS_L2TP_CTR_REFUSE_PENDING), 99);
	CU_ASSERT_EQUAL(sim_ctr(LNS_L2TP_CTR_REFUSE_SILENT), 32);
	CU_ASSERT_EQUAL(lns_l2tp_session_count(S.l), 1);
	/* the oldest is never acknowledged: the tunnel dies, everything goes */
	sim_run(12000);
	CU_ASSERT_EQUAL(sim_ctr(LNS_L2TP_CTR_RETRY_EXHAUSTED), 1);
	CU_ASSERT_EQUAL(lns_l2tp_session_count(S.l), 0);
	CU_ASSERT_EQUAL(lns_l2tp_pending_count(S.l), 0);
	sim_teardown();
}

/* The defaults take a LAC's burst of calls: 2000 ICRQs at once on one tunnel, each
 * completed, all accepted. */
static void
test_defaults_take_a_lac_burst(void)
{
	struct lac c;
	unsigned int ok = 0;

	sim_setup("l2tp:\n  allow-nonsecure: true\n  hello-interval: 0\n"
		  "limits:\n  max-sessions: 4096\n");
	lac_init(&c, "10.0.0.2", 1701, LNS_L2TP_NO_CONN, 1);
	CU_ASSERT_EQUAL_FATAL(lac_connect(&c), 0);
	for (uint16_t i = 1; i <= 2000; i++) {
		uint16_t sid;

		if (S.n_sent > SIM_MAX_SENT - 8)
			S.n_sent = c.seen = 0;         /* keep the recorder from filling */
		sid = lac_icrq(&c, i);
		if (sid != 0 && lac_iccn(&c, sid) == 0)
			ok++;
	}
	CU_ASSERT_EQUAL(ok, 2000);
	CU_ASSERT_EQUAL(S.sessions_up, 2000);
	CU_ASSERT_EQUAL(sim_ctr(LNS_L2TP_CTR_REFUSE_ICRQ_RATE), 0);
	CU_ASSERT_EQUAL(sim_ctr(LNS_L2TP_CTR_REFUSE_PENDING), 0);
	sim_teardown();
}

int
main(void)
{
	CU_pSuite s;
	unsigned int fails;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("l2tp_ctl", NULL, NULL);
	CU_add_test(s, "handshake SCCRQ..ICCN, delayed ZLB", test_handshake);
	CU_add_test(s, "static tunnel ids are never handed out", test_reserved_tunnel_ids);
	CU_add_test(s, "tunnel authentication good and bad", test_tunnel_auth);
	CU_add_test(s, "no randomness: the secured tunnel is refused", test_tunnel_no_random);
	CU_add_test(s, "retransmission back-off and exhaustion", test_retransmit_backoff);
	CU_add_test(s, "SCCRP acknowledged, no SCCCN: setup timeout", test_setup_timeout);
	CU_add_test(s, "reordering, duplicates, window, bad Nr", test_reorder_duplicates);
	CU_add_test(s, "sequence numbers wrap", test_sequence_wrap);
	CU_add_test(s, "peer receive window respected", test_peer_window);
	CU_add_test(s, "HELLO after silence", test_hello);
	CU_add_test(s, "a peer's HELLO is acked at once", test_hello_acked_now);
	CU_add_test(s, "StopCCN from the peer", test_stopccn_from_peer);
	CU_add_test(s, "StopCCN from us, CDN both ways", test_stopccn_from_us_and_cdn);
	CU_add_test(s, "identity: retransmitted SCCRQ, NAT, wrong peer", test_identity);
	CU_add_test(s, "ids held while destructing, limits", test_ids_and_limits);
	CU_add_test(s, "bad messages and wrong states", test_bad_messages);
	CU_add_test(s, "malformed SCCRQ refused at once, each counted", test_sccrq_malformed);
	CU_add_test(s, "callbacks refusing and re-entering", test_callbacks);
	CU_add_test(s, "hidden AVPs from the LAC", test_hidden_from_lac);
	CU_add_test(s, "shutdown", test_shutdown);
	CU_add_test(s, "admission: SCCRQ rate per source", test_sccrq_rate);
	CU_add_test(s, "admission: half-open per source and in all", test_half_open);
	CU_add_test(s, "admission: ICRQ rate, pending cap, setup timeout", test_icrq_limits);
	CU_add_test(s, "admission: refusals to a peer that never acks", test_refusal_backlog);
	CU_add_test(s, "admission: defaults take a LAC's burst of calls", test_defaults_take_a_lac_burst);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures();
	CU_cleanup_registry();
	return fails ? 1 : 0;
}
