/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of the tunnel lifecycle policy (DESIGN.md "Tunnel lifecycle"): the
 * standard idle/destruct rules and single-shot rules 1-6, asserting the exact event
 * sequence, the result codes on the wire and when ipsec_disconnect is called. */
#include <errno.h>

#include "l2tp/lac_sim.h"

#define CONF \
	"l2tp:\n" \
	"  retransmit: {initial-ms: 1000, max-ms: 4000, retries: 3}\n" \
	"  hello-interval: 0\n" \
	"  idle-timeout: 5\n" \
	"  destruct-timeout: 10\n" \
	"  destination-profiles:\n" \
	"    - name: ss\n" \
	"      match: {host-name: ss}\n" \
	"      single-shot-tunnel: true\n" \
	"      destruct-timeout: 3\n" \
	"      allow-nonsecure: true\n" \
	"    - name: noidle\n" \
	"      match: {host-name: noidle}\n" \
	"      idle-timeout: 0\n" \
	"limits:\n" \
	"  allow-short-timers: true\n"

static void
setup(void)
{
	sim_setup(CONF);
}

static bool
detail_has(uint64_t after, enum lns_ev ev, const char *text)
{
	struct lns_event e;

	if (sim_event_at(after, ev, &e) == 0)
		return false;
	return strstr(e.detail, text) != NULL;
}

/* Standard: idle timer after the last session, cancelled by a new one, expiry ->
 * StopCCN 1; the IPsec connection goes when the destruct timeout EXPIRES. */
static void
test_standard_lifecycle(void)
{
	struct lac c;
	struct lns_l2tp_tunnel_info ti;
	struct lns_l2tp_conn_info ci;
	uint16_t s1, s2;
	uint64_t t_down, t_destroyed, seq;

	setup();
	lac_init(&c, "10.0.0.2", 4500, 7, 1);
	lac_connect(&c);
	EV_EQUAL(0, "tunnel-up idle-timer-start");
	s1 = lac_call(&c, 1);
	CU_ASSERT_NOT_EQUAL(s1, 0);
	lac_cdn(&c, s1, 1, 1);
	t_down = S.now;
	EV_EQUAL(0, "tunnel-up idle-timer-start idle-timer-cancel session-up session-down "
		 "idle-timer-start");
	/* a new session within the idle timeout cancels it; the tunnel carries it */
	sim_run(4000);
	seq = lns_evlog_last_seq(S.log);
	s2 = lac_call(&c, 2);
	CU_ASSERT_NOT_EQUAL(s2, 0);
	EV_EQUAL(seq, "idle-timer-cancel session-up");
	sim_run(10000);
	CU_ASSERT_EQUAL(lns_l2tp_tunnel_get(S.l, c.lns_tid, &ti), 0);
	CU_ASSERT_STRING_EQUAL(ti.state, "established");
	CU_ASSERT_EQUAL(ti.sessions_total, 2);
	/* the last session goes: 5 s later StopCCN result 1 */
	seq = lns_evlog_last_seq(S.log);
	lns_l2tp_session_close(S.l, c.lns_tid, s2, 3, 0, NULL, S.now);
	t_down = S.now;
	sim_run(4999);
	EV_EQUAL(seq, "session-down idle-timer-start");
	sim_run(1);
	EV_EQUAL(seq, "session-down idle-timer-start idle-timeout stopccn-sent");
	CU_ASSERT_EQUAL(sim_event_at(seq, LNS_EV_IDLE_TIMEOUT, NULL), t_down + 5000);
	CU_ASSERT_EQUAL(sim_sent_type(-1), LNS_L2TP_STOPCCN);
	CU_ASSERT_EQUAL(sim_sent_result(-1, NULL), LNS_STOPCCN_CLEAR);
	CU_ASSERT_TRUE(detail_has(seq, LNS_EV_STOPCCN_SENT, "result=1"));
	lac_ack(&c);
	t_destroyed = S.now;
	EV_EQUAL(seq, "session-down idle-timer-start idle-timeout stopccn-sent "
		 "tunnel-destroyed destruct-begin");
	/* destructing: visible, and the IPsec connection still up */
	CU_ASSERT_EQUAL(lns_l2tp_tunnel_get(S.l, c.lns_tid, &ti), 0);
	CU_ASSERT_STRING_EQUAL(ti.state, "destructing");
	CU_ASSERT_EQUAL(ti.destruct_end_ms, t_destroyed + 10000);
	CU_ASSERT_EQUAL(S.n_disc, 0);
	CU_ASSERT_EQUAL(lns_l2tp_conn_get(S.l, 7, &ci), 0);
	CU_ASSERT_FALSE(ci.spent);                     /* rule 5 is single-shot only */
	sim_run(9999);
	CU_ASSERT_EQUAL(S.n_disc, 0);
	sim_run(1);
	CU_ASSERT_EQUAL_FATAL(S.n_disc, 1);
	CU_ASSERT_EQUAL(S.disc_conn[0], 7);
	CU_ASSERT_EQUAL(S.disc_at[0], t_destroyed + 10000);   /* at the END of destruct */
	EV_EQUAL(seq, "session-down idle-timer-start idle-timeout stopccn-sent "
		 "tunnel-destroyed destruct-begin destruct-end ipsec-disconnect");
	CU_ASSERT_EQUAL(lns_l2tp_tunnel_get(S.l, c.lns_tid, &ti), -ENOENT);
	CU_ASSERT_EQUAL(lns_l2tp_conn_get(S.l, 7, &ci), -ENOENT);  /* forgotten */
	sim_teardown();
}

/* idle-timeout 0: never. */
static void
test_standard_no_idle(void)
{
	struct lac c;
	struct lns_l2tp_tunnel_info ti;
	uint16_t s;

	setup();
	lac_init(&c, "10.0.0.2", 4500, 7, 1);
	c.host = "noidle";
	lac_connect(&c);
	s = lac_call(&c, 1);
	lac_cdn(&c, s, 1, 1);
	sim_run(3600 * 1000);
	EV_EQUAL(0, "tunnel-up session-up session-down");
	CU_ASSERT_EQUAL(lns_l2tp_tunnel_get(S.l, c.lns_tid, &ti), 0);
	CU_ASSERT_STRING_EQUAL(ti.state, "established");
	sim_teardown();
}

/* Rules 1, 2, 4, 5: one session; its end brings StopCCN 1 at once (idle ignored);
 * the connection is spent, and dropped at the BEGINNING of destruct. */
static void
test_single_shot(void)
{
	struct lac c, c2, c3;
	struct lns_l2tp_tunnel_info ti;
	struct lns_l2tp_conn_info ci;
	uint16_t s1, s2, err;
	uint64_t t_destroyed;

	setup();
	lac_init(&c, "10.0.0.2", 4500, 9, 1);
	c.host = "ss";
	lac_connect(&c);
	CU_ASSERT_EQUAL(lns_l2tp_tunnel_get(S.l, c.lns_tid, &ti), 0);
	CU_ASSERT_TRUE(ti.single_shot);
	CU_ASSERT_STRING_EQUAL(ti.profile, "ss");
	s1 = lac_call(&c, 1);
	CU_ASSERT_NOT_EQUAL(s1, 0);
	/* rule 1: a second ICRQ is refused, CDN result 5 */
	s2 = lac_icrq(&c, 2);
	CU_ASSERT_EQUAL(s2, 0);
	CU_ASSERT_EQUAL(sim_sent_type(-1), LNS_L2TP_CDN);
	CU_ASSERT_EQUAL(sim_m.session_id, 2);
	CU_ASSERT_EQUAL(sim_sent_result(-1, &err), LNS_CDN_PERM);
	CU_ASSERT_EQUAL(sim_ctr(LNS_L2TP_CTR_REFUSE_SINGLE), 1);
	EV_EQUAL(0, "tunnel-up session-up session-refused");
	/* the first session is untouched by the refusal */
	CU_ASSERT_EQUAL(lns_l2tp_session_count(S.l), 1);
	/* rule 3: a second SCCRQ over the same IPsec connection: StopCCN result 3 */
	lac_init(&c2, "10.0.0.2", 4500, 9, 2);
	c2.host = "ss";
	CU_ASSERT_EQUAL(lac_sccrq(&c2, NULL, 0), -EPERM);
	CU_ASSERT_EQUAL(sim_sent_type(-1), LNS_L2TP_STOPCCN);
	CU_ASSERT_EQUAL(sim_m.tunnel_id, 2);
	CU_ASSERT_EQUAL(sim_sent_result(-1, NULL), LNS_STOPCCN_EXISTS);
	CU_ASSERT_TRUE(detail_has(0, LNS_EV_TUNNEL_REFUSED, "result=3"));
	EV_EQUAL(0, "tunnel-up session-up session-refused tunnel-refused stopccn-sent");
	/* rule 2: the session goes -> StopCCN result 1 at once */
	{
		uint64_t seq = lns_evlog_last_seq(S.log), t = S.now;

		lac_cdn(&c, s1, 1, 1);
		EV_EQUAL(seq, "session-down ipsec-spent stopccn-sent");
		CU_ASSERT_EQUAL(sim_event_at(seq, LNS_EV_STOPCCN_SENT, NULL), t);
		CU_ASSERT_EQUAL(sim_sent_type(-1), LNS_L2TP_STOPCCN);
		CU_ASSERT_EQUAL(sim_m.tunnel_id, 1);
		CU_ASSERT_EQUAL(sim_sent_result(-1, NULL), LNS_STOPCCN_CLEAR);
		CU_ASSERT_EQUAL(lns_l2tp_conn_get(S.l, 9, &ci), 0);
		CU_ASSERT_TRUE(ci.spent);
		CU_ASSERT_EQUAL(S.n_disc, 0);
		/* rule 4: disconnected as destruct BEGINS */
		lac_ack(&c);
		t_destroyed = S.now;
		EV_EQUAL(seq, "session-down ipsec-spent stopccn-sent tunnel-destroyed "
			 "destruct-begin ipsec-disconnect");
		CU_ASSERT_EQUAL_FATAL(S.n_disc, 1);
		CU_ASSERT_EQUAL(S.disc_conn[0], 9);
		CU_ASSERT_EQUAL(S.disc_at[0], t_destroyed);
	}
	/* rule 5: the spent connection carries no new tunnel (StopCCN result 4) ... */
	lac_init(&c3, "10.0.0.2", 4500, 9, 3);
	c3.host = "ss";
	CU_ASSERT_EQUAL(lac_sccrq(&c3, NULL, 0), -EPERM);
	CU_ASSERT_EQUAL(sim_sent_result(-1, NULL), LNS_STOPCCN_NOT_AUTH);
	CU_ASSERT_EQUAL(sim_ctr(LNS_L2TP_CTR_REFUSE_CONN_SPENT), 1);
	/* ... a new connection is accepted normally */
	lac_init(&c3, "10.0.0.2", 4500, 10, 4);
	c3.host = "ss";
	lac_connect(&c3);
	CU_ASSERT_EQUAL(lns_l2tp_tunnel_get(S.l, c3.lns_tid, &ti), 0);
	CU_ASSERT_STRING_EQUAL(ti.state, "established");
	/* destruct ends 3 s later; no second disconnect */
	sim_run(3000);
	CU_ASSERT_EQUAL(lns_l2tp_tunnel_get(S.l, c.lns_tid, &ti), -ENOENT);
	CU_ASSERT_EQUAL(S.n_disc, 1);
	CU_ASSERT_EQUAL(sim_event_at(0, LNS_EV_DESTRUCT_END, NULL), t_destroyed + 3000);
	sim_teardown();
}

/* Rule 5 on failure: the tunnel never completes (retries exhausted), or its session
 * fails before ICCN: the connection is spent and dropped at destruct begin. */
static void
test_single_shot_failures(void)
{
	struct lac c;
	struct lns_l2tp_conn_info ci;
	uint16_t s;
	uint64_t seq;

	setup();
	lac_init(&c, "10.0.0.2", 4500, 9, 1);
	c.host = "ss";
	lac_sccrq(&c, NULL, 0);
	sim_run(11000);                                /* 1+2+4+4 s: retries exhausted */
	EV_EQUAL(0, "ipsec-spent tunnel-destroyed destruct-begin ipsec-disconnect");
	CU_ASSERT_EQUAL(S.n_disc, 1);
	CU_ASSERT_EQUAL(lns_l2tp_conn_get(S.l, 9, &ci), 0);
	CU_ASSERT_TRUE(ci.spent);
	sim_teardown();

	setup();
	lac_init(&c, "10.0.0.2", 4500, 9, 1);
	c.host = "ss";
	lac_connect(&c);
	s = lac_icrq(&c, 1);
	CU_ASSERT_NOT_EQUAL(s, 0);
	seq = lns_evlog_last_seq(S.log);
	lac_cdn(&c, s, 2, 1);                          /* fails before ICCN */
	EV_EQUAL(seq, "session-down ipsec-spent stopccn-sent");
	/* an ICRQ over the spent connection while the tunnel closes is not served */
	CU_ASSERT_EQUAL(lac_icrq(&c, 3), 0);
	CU_ASSERT_EQUAL(lns_l2tp_session_count(S.l), 0);
	sim_teardown();
}

/* Rule 6: single-shot without IPsec: rules 1 and 2, no IPsec events. */
static void
test_single_shot_nonsecure(void)
{
	struct lac c;
	uint16_t s;

	setup();
	lac_init(&c, "10.0.0.5", 1701, LNS_L2TP_NO_CONN, 1);
	c.host = "ss";
	lac_connect(&c);
	s = lac_call(&c, 1);
	CU_ASSERT_NOT_EQUAL(s, 0);
	CU_ASSERT_EQUAL(lac_icrq(&c, 2), 0);
	CU_ASSERT_EQUAL(sim_sent_result(-1, NULL), LNS_CDN_PERM);
	lns_l2tp_session_close(S.l, c.lns_tid, s, 3, 0, NULL, S.now);
	CU_ASSERT_EQUAL(sim_sent_type(-1), LNS_L2TP_STOPCCN);
	CU_ASSERT_EQUAL(sim_sent_result(-1, NULL), LNS_STOPCCN_CLEAR);
	lac_ack(&c);
	sim_run(3000);
	EV_EQUAL(0, "tunnel-up session-up session-refused session-down stopccn-sent "
		 "tunnel-destroyed destruct-begin destruct-end");
	CU_ASSERT_EQUAL(S.n_disc, 0);
	sim_teardown();
}

/* allow-nonsecure: an SCCRQ in the clear is refused unless the profile allows it. */
static void
test_nonsecure_refused(void)
{
	struct lac c;

	setup();
	lac_init(&c, "10.0.0.5", 1701, LNS_L2TP_NO_CONN, 1);
	CU_ASSERT_EQUAL(lac_sccrq(&c, NULL, 0), -EPERM);
	CU_ASSERT_EQUAL(sim_sent_type(-1), LNS_L2TP_STOPCCN);
	CU_ASSERT_EQUAL(sim_sent_result(-1, NULL), LNS_STOPCCN_NOT_AUTH);
	CU_ASSERT_EQUAL(sim_ctr(LNS_L2TP_CTR_REFUSE_NONSECURE), 1);
	CU_ASSERT_TRUE(detail_has(0, LNS_EV_TUNNEL_REFUSED, "reason=nonsecure"));
	CU_ASSERT_EQUAL(S.tunnels_up, 0);
	sim_teardown();
}

/* The IPsec connection vanishes: tunnels destroyed at once, no disconnect call. */
static void
test_conn_gone(void)
{
	struct lac c;
	struct lns_l2tp_tunnel_info ti;
	uint64_t seq;

	setup();
	lac_init(&c, "10.0.0.2", 4500, 11, 1);
	lac_connect(&c);
	lac_call(&c, 1);
	seq = lns_evlog_last_seq(S.log);
	lns_l2tp_conn_gone(S.l, 11, S.now);
	EV_EQUAL(seq, "session-down tunnel-destroyed destruct-begin");
	CU_ASSERT_EQUAL(S.sessions_down, 1);
	CU_ASSERT_EQUAL(S.tunnels_down, 1);
	CU_ASSERT_EQUAL(lns_l2tp_tunnel_get(S.l, c.lns_tid, &ti), 0);
	CU_ASSERT_STRING_EQUAL(ti.state, "destructing");
	sim_run(10000);
	CU_ASSERT_EQUAL(S.n_disc, 0);
	CU_ASSERT_EQUAL(lns_l2tp_tunnel_count(S.l), 0);
	sim_teardown();
}

/* Standard: a connection carrying two tunnels (a LAC) goes with the last of them. */
static void
test_standard_shared_conn(void)
{
	struct lac a, b;

	setup();
	lac_init(&a, "10.0.0.2", 4500, 12, 1);
	lac_init(&b, "10.0.0.2", 4500, 12, 2);
	lac_connect(&a);
	lac_connect(&b);
	lac_stopccn(&a, 1);
	sim_run(10000);
	CU_ASSERT_EQUAL(S.n_disc, 0);                  /* b still lives over it */
	lac_recv(&b);
	lac_stopccn(&b, 1);
	sim_run(10000);
	CU_ASSERT_EQUAL(S.n_disc, 1);
	CU_ASSERT_EQUAL(S.disc_conn[0], 12);
	sim_teardown();
}

/*
 * Phase-1 renewals (DESIGN.md, Terms): a renewal keeps the connection id, so the
 * L2TP side sees nothing; what it decides is whether a renewal may continue the
 * connection. Single-shot: yes while the session lives, never once spent.
 * Standard: yes across the idle timer and the destruct period.
 */
static void
test_renewal_continuable(void)
{
	struct lac c, d;
	uint16_t s1;
	uint64_t seq;

	setup();
	lac_init(&c, "10.0.0.2", 4500, 11, 1);
	c.host = "ss";
	lac_connect(&c);
	s1 = lac_call(&c, 1);
	CU_ASSERT_NOT_EQUAL(s1, 0);
	EV_EQUAL(0, "tunnel-up session-up");
	CU_ASSERT_TRUE(lns_l2tp_conn_continuable(S.l, 11));
	CU_ASSERT_TRUE(lns_l2tp_conn_continuable(S.l, 99));     /* no tunnel yet */
	seq = lns_evlog_last_seq(S.log);
	lac_cdn(&c, s1, 1, 1);
	EV_EQUAL(seq, "session-down ipsec-spent stopccn-sent");
	CU_ASSERT_FALSE(lns_l2tp_conn_continuable(S.l, 11));
	lac_ack(&c);
	EV_EQUAL(seq, "session-down ipsec-spent stopccn-sent tunnel-destroyed destruct-begin "
		 "ipsec-disconnect");
	CU_ASSERT_FALSE(lns_l2tp_conn_continuable(S.l, 11));
	sim_run(3000);          /* its destruct period ends */

	/* standard */
	lac_init(&d, "10.0.0.3", 4500, 12, 2);
	lac_connect(&d);
	s1 = lac_call(&d, 1);
	CU_ASSERT_NOT_EQUAL(s1, 0);
	seq = lns_evlog_last_seq(S.log);
	lac_cdn(&d, s1, 1, 1);
	sim_run(5000);
	lac_ack(&d);
	EV_EQUAL(seq, "session-down idle-timer-start idle-timeout stopccn-sent "
		 "tunnel-destroyed destruct-begin");
	CU_ASSERT_TRUE(lns_l2tp_conn_continuable(S.l, 12));
	sim_run(9999);
	CU_ASSERT_TRUE(lns_l2tp_conn_continuable(S.l, 12));
	/* at destruct end the policy disconnects it (lnsd's glue then refuses to
	 * continue it until IKE's Deletes are out) */
	sim_run(1);
	EV_EQUAL(seq, "session-down idle-timer-start idle-timeout stopccn-sent "
		 "tunnel-destroyed destruct-begin destruct-end ipsec-disconnect");
	sim_teardown();
}

int
main(void)
{
	CU_pSuite s;
	unsigned int fails;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("policy", NULL, NULL);
	CU_add_test(s, "standard: idle timer and destruct-end disconnect",
		    test_standard_lifecycle);
	CU_add_test(s, "standard: idle-timeout 0 is never", test_standard_no_idle);
	CU_add_test(s, "single-shot rules 1-5", test_single_shot);
	CU_add_test(s, "single-shot rule 5 on failures", test_single_shot_failures);
	CU_add_test(s, "single-shot rule 6 (non-secure)", test_single_shot_nonsecure);
	CU_add_test(s, "allow-nonsecure", test_nonsecure_refused);
	CU_add_test(s, "IPsec connection gone", test_conn_gone);
	CU_add_test(s, "standard: shared connection", test_standard_shared_conn);
	CU_add_test(s, "which connections a phase-1 renewal may continue",
		    test_renewal_continuable);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures();
	CU_cleanup_registry();
	return fails ? 1 : 0;
}
