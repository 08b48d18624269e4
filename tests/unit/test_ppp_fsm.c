/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the RFC 1661 automaton (lib/ppp/ppp_fsm.c): every state x every
 * event against the state transition table of RFC 1661 §4.1, typed in here
 * from the RFC, plus the restart timer, counters and packet validation.
 */
#include <stdio.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "lns_timer.h"
#include "ppp_fsm.h"

/* RFC 1661 §4.1, rows = events, columns = states 0..9. "-" = impossible;
 * "r" and "x" marks of the RFC dropped (no restart option, crossed = same). */
static const char *const rfc_table[PPP_EV_MAX][PPP_ST_MAX] = {
/*               Initial   Starting      Closed        Stopped            Closing    Stopping   Req-Sent      Ack-Rcvd     Ack-Sent       Opened */
[PPP_EV_UP]    = {"2",     "irc,scr/6",  "-",          "-",               "-",       "-",       "-",          "-",         "-",           "-"},
[PPP_EV_DOWN]  = {"-",     "-",          "0",          "tls/1",           "0",       "1",       "1",          "1",         "1",           "tld/1"},
[PPP_EV_OPEN]  = {"tls/1", "1",          "irc,scr/6",  "3",               "5",       "5",       "6",          "7",         "8",           "9"},
[PPP_EV_CLOSE] = {"0",     "tlf/0",      "2",          "2",               "4",       "4",       "irc,str/4",  "irc,str/4", "irc,str/4",   "tld,irc,str/4"},
[PPP_EV_TO_PLUS]  = {"-",  "-",          "-",          "-",               "str/4",   "str/5",   "scr/6",      "scr/6",     "scr/8",       "-"},
[PPP_EV_TO_MINUS] = {"-",  "-",          "-",          "-",               "tlf/2",   "tlf/3",   "tlf/3",      "tlf/3",     "tlf/3",       "-"},
[PPP_EV_RCR_PLUS] = {"-",  "-",          "sta/2",      "irc,scr,sca/8",   "4",       "5",       "sca/8",      "sca,tlu/9", "sca/8",       "tld,scr,sca/8"},
[PPP_EV_RCR_MINUS]= {"-",  "-",          "sta/2",      "irc,scr,scn/6",   "4",       "5",       "scn/6",      "scn/7",     "scn/6",       "tld,scr,scn/6"},
[PPP_EV_RCA]   = {"-",     "-",          "sta/2",      "sta/3",           "4",       "5",       "irc/7",      "scr/6",     "irc,tlu/9",   "tld,scr/6"},
[PPP_EV_RCN]   = {"-",     "-",          "sta/2",      "sta/3",           "4",       "5",       "irc,scr/6",  "scr/6",     "irc,scr/8",   "tld,scr/6"},
[PPP_EV_RTR]   = {"-",     "-",          "sta/2",      "sta/3",           "sta/4",   "sta/5",   "sta/6",      "sta/6",     "sta/6",       "tld,zrc,sta/5"},
[PPP_EV_RTA]   = {"-",     "-",          "2",          "3",               "tlf/2",   "tlf/3",   "6",          "6",         "8",           "tld,scr/6"},
[PPP_EV_RUC]   = {"-",     "-",          "scj/2",      "scj/3",           "scj/4",   "scj/5",   "scj/6",      "scj/7",     "scj/8",       "scj/9"},
[PPP_EV_RXJ_PLUS] = {"-",  "-",          "2",          "3",               "4",       "5",       "6",          "6",         "8",           "9"},
[PPP_EV_RXJ_MINUS]= {"-",  "-",          "tlf/2",      "tlf/3",           "tlf/2",   "tlf/3",   "tlf/3",      "tlf/3",     "tlf/3",       "tld,irc,str/5"},
[PPP_EV_RXR]   = {"-",     "-",          "2",          "3",               "4",       "5",       "6",          "7",         "8",           "ser/9"},
};

/* ---- a test protocol recording what the automaton does ---- */

static char actions[256];
static uint8_t sent_codes[32];
static int n_sent;
static int n_bad, n_malformed;
static int ack_result, check_result;
static bool last_nak_as_rej;
static size_t last_sent_len;
static uint8_t last_sent[PPP_FSM_BUF];

static void
tr(struct ppp_fsm *f, const char *a)
{
	(void)f;
	if (actions[0])
		strcat(actions, ",");
	strcat(actions, a);
}

static size_t
t_build(struct ppp_fsm *f, uint8_t *b, size_t cap)
{
	(void)f; (void)cap;
	b[0] = 1; b[1] = 4; b[2] = 0x05; b[3] = 0xdc;
	return 4;
}

static int
t_check(struct ppp_fsm *f, const uint8_t *o, size_t len, uint8_t *out, size_t cap,
	size_t *out_len, bool nak_as_rej)
{
	(void)f; (void)cap;
	last_nak_as_rej = nak_as_rej;
	memcpy(out, o, len);
	*out_len = len;
	if (check_result == PPP_CONFNAK && nak_as_rej)
		return PPP_CONFREJ;
	return check_result;
}

static int t_ack(struct ppp_fsm *f, const uint8_t *o, size_t l) { (void)f; (void)o; (void)l; return ack_result; }
static int t_nak(struct ppp_fsm *f, const uint8_t *o, size_t l) { (void)f; (void)o; (void)l; return 0; }
static void t_nop(struct ppp_fsm *f) { (void)f; }

static void
t_ser(struct ppp_fsm *f)
{
	ppp_fsm_send(f, PPP_ECHOREP, f->rx_id, NULL, 0);
}

static void
t_output(struct ppp_fsm *f, const uint8_t *pkt, size_t len)
{
	(void)f;
	CU_ASSERT_FATAL(len >= 4 && ppp_get16(pkt + 2) == len);
	if (n_sent < 32)
		sent_codes[n_sent++] = pkt[0];
	memcpy(last_sent, pkt, len);
	last_sent_len = len;
}

static void
t_bad(struct ppp_fsm *f, bool malformed, const char *why)
{
	(void)f; (void)why;
	n_bad++;
	n_malformed += malformed;
}

static int
t_ext(struct ppp_fsm *f, uint8_t code, uint8_t id, const uint8_t *d, size_t l)
{
	(void)id; (void)d; (void)l;
	if (code == PPP_ECHOREQ) {
		ppp_fsm_event(f, PPP_EV_RXR, f->now);
		return 1;
	}
	return 0;
}

static const struct ppp_fsm_cbs tcb = {
	.build_cr = t_build, .check_cr = t_check, .rx_ack = t_ack, .rx_nak = t_nak,
	.rx_rej = t_nak, .tlu = t_nop, .tld = t_nop, .tls = t_nop, .tlf = t_nop,
	.ext_code = t_ext, .ser = t_ser, .output = t_output, .bad = t_bad, .trace = tr,
};

static void
reset_rec(void)
{
	actions[0] = '\0';
	n_sent = 0;
	n_bad = n_malformed = 0;
}

/* the packet code each sending action must have produced */
static int
code_of(const char *a)
{
	static const struct { const char *a; int c; } m[] = {
		{"scr", PPP_CONFREQ}, {"sca", PPP_CONFACK}, {"scn", PPP_CONFNAK},
		{"str", PPP_TERMREQ}, {"sta", PPP_TERMACK}, {"scj", PPP_CODEREJ},
		{"ser", PPP_ECHOREP},
	};
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		if (strcmp(a, m[i].a) == 0)
			return m[i].c;
	return 0;
}

static void
test_state_table(void)
{
	struct lns_timers *ts = lns_timers_create(4);
	struct ppp_fsm f;
	int checked = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(ts);
	for (int e = 0; e < PPP_EV_MAX; e++) {
		for (int s = 0; s < PPP_ST_MAX; s++) {
			const char *want = rfc_table[e][s];
			char got[300], exp_actions[128] = "";
			const char *slash = strchr(want, '/');
			int exp_state;

			ppp_fsm_init(&f, 0xc021, "T", &tcb, NULL, ts);
			f.state = (enum ppp_fsm_state)s;
			f.reply_code = PPP_CONFNAK;
			f.rx_id = 7;
			reset_rec();
			ppp_fsm_event(&f, (enum ppp_fsm_event)e, 1000);
			if (strcmp(want, "-") == 0) {
				exp_state = s;
				CU_ASSERT_EQUAL(n_bad, 1);
			} else {
				if (slash) {
					memcpy(exp_actions, want, (size_t)(slash - want));
					exp_actions[slash - want] = '\0';
					exp_state = slash[1] - '0';
				} else {
					exp_state = want[0] - '0';
				}
				CU_ASSERT_EQUAL(n_bad, 0);
			}
			snprintf(got, sizeof(got), "%s %s: %s -> %s", ppp_fsm_state_name(s),
				 ppp_fsm_event_name(e), actions, ppp_fsm_state_name(f.state));
			if (strcmp(actions, exp_actions) != 0 || (int)f.state != exp_state)
				fprintf(stderr, "\nMISMATCH %s (RFC: %s)\n", got, want);
			CU_ASSERT_STRING_EQUAL(actions, exp_actions);
			CU_ASSERT_EQUAL((int)f.state, exp_state);
			/* every sending action sent exactly its packet, in order */
			{
				char buf[128], *save = NULL;
				int k = 0;

				snprintf(buf, sizeof(buf), "%s", actions);
				for (char *a = strtok_r(buf, ",", &save); a; a = strtok_r(NULL, ",", &save)) {
					int c = code_of(a);

					if (c) {
						CU_ASSERT(k < n_sent && sent_codes[k] == c);
						k++;
					}
				}
				CU_ASSERT_EQUAL(k, n_sent);
			}
			/* the restart timer runs exactly in the states that wait for a reply */
			if (f.state >= PPP_ST_CLOSING && f.state <= PPP_ST_ACK_SENT) {
				if (strstr(actions, "scr") || strstr(actions, "str") || strstr(actions, "zrc"))
					CU_ASSERT(lns_timer_pending(&f.timer));
			} else {
				CU_ASSERT(!lns_timer_pending(&f.timer));
			}
			lns_timer_cancel(ts, &f.timer);
			checked++;
		}
	}
	CU_ASSERT_EQUAL(checked, PPP_EV_MAX * PPP_ST_MAX);
	lns_timers_free(ts);
}

static void
test_restart_counters(void)
{
	struct lns_timers *ts = lns_timers_create(4);
	struct ppp_fsm f;
	uint64_t t = 0;
	int crs = 0;

	ppp_fsm_init(&f, 0xc021, "T", &tcb, NULL, ts);
	reset_rec();
	ppp_fsm_open(&f, t);
	ppp_fsm_up(&f, t);
	CU_ASSERT_EQUAL(f.state, PPP_ST_REQ_SENT);
	/* §4.6 Max-Configure (10): ten Configure-Requests, 3 s apart, then TO- */
	for (int i = 0; i < 12; i++) {
		t += PPP_RESTART_MS;
		lns_timers_run(ts, t);
	}
	for (int i = 0; i < n_sent; i++)
		crs += sent_codes[i] == PPP_CONFREQ;
	CU_ASSERT_EQUAL(crs, PPP_MAX_CONFIGURE);
	CU_ASSERT_EQUAL(f.state, PPP_ST_STOPPED);
	CU_ASSERT(strstr(actions, "tlf") != NULL);
	CU_ASSERT(!lns_timer_pending(&f.timer));

	/* Max-Terminate (2): Close in Opened sends two Terminate-Requests, then tlf */
	ppp_fsm_init(&f, 0xc021, "T", &tcb, NULL, ts);
	f.state = PPP_ST_OPENED;
	reset_rec();
	ppp_fsm_close(&f, t);
	CU_ASSERT_EQUAL(f.state, PPP_ST_CLOSING);
	lns_timers_run(ts, t += PPP_RESTART_MS - 1);
	CU_ASSERT_EQUAL(n_sent, 1);                     /* not yet */
	lns_timers_run(ts, t += 1);
	CU_ASSERT_EQUAL(n_sent, 2);
	lns_timers_run(ts, t += PPP_RESTART_MS);
	CU_ASSERT_EQUAL(n_sent, 2);
	CU_ASSERT_EQUAL(sent_codes[0], PPP_TERMREQ);
	CU_ASSERT_EQUAL(sent_codes[1], PPP_TERMREQ);
	CU_ASSERT_NOT_EQUAL(last_sent[1], 0);
	CU_ASSERT_EQUAL(f.state, PPP_ST_CLOSED);
	CU_ASSERT_STRING_EQUAL(actions, "tld,irc,str,str,tlf");

	/* Opened + RTR: zrc waits one restart period, then tlf to Stopped */
	ppp_fsm_init(&f, 0xc021, "T", &tcb, NULL, ts);
	f.state = PPP_ST_OPENED;
	reset_rec();
	{
		const uint8_t tr_pkt[] = { PPP_TERMREQ, 42, 0, 4 };

		ppp_fsm_input(&f, tr_pkt, sizeof(tr_pkt), t);
	}
	CU_ASSERT_EQUAL(f.state, PPP_ST_STOPPING);
	CU_ASSERT_EQUAL(last_sent[0], PPP_TERMACK);
	CU_ASSERT_EQUAL(last_sent[1], 42);             /* same Identifier (§5.5) */
	lns_timers_run(ts, t += PPP_RESTART_MS);
	CU_ASSERT_EQUAL(f.state, PPP_ST_STOPPED);
	CU_ASSERT_STRING_EQUAL(actions, "tld,zrc,sta,tlf");
	lns_timers_free(ts);
}

static void
test_input_validation(void)
{
	struct lns_timers *ts = lns_timers_create(4);
	struct ppp_fsm f;
	uint8_t pkt[16];

	ppp_fsm_init(&f, 0xc021, "T", &tcb, NULL, ts);
	reset_rec();
	ppp_fsm_open(&f, 0);
	ppp_fsm_up(&f, 0);
	CU_ASSERT_EQUAL(f.state, PPP_ST_REQ_SENT);
	reset_rec();
	/* short, Length < 4, Length > frame: malformed, nothing changes */
	pkt[0] = PPP_CONFACK; pkt[1] = f.id; ppp_put16(pkt + 2, 8);
	ppp_fsm_input(&f, pkt, 3, 0);
	ppp_fsm_input(&f, pkt, 6, 0);
	ppp_put16(pkt + 2, 3);
	ppp_fsm_input(&f, pkt, 8, 0);
	CU_ASSERT_EQUAL(n_malformed, 3);
	CU_ASSERT_EQUAL(f.state, PPP_ST_REQ_SENT);
	/* Ack with the wrong Identifier: discarded (§5.2) */
	pkt[1] = (uint8_t)(f.id + 1); ppp_put16(pkt + 2, 4);
	ack_result = 0;
	ppp_fsm_input(&f, pkt, 4, 0);
	CU_ASSERT_EQUAL(f.state, PPP_ST_REQ_SENT);
	CU_ASSERT_EQUAL(n_bad, 4);
	/* Ack whose options differ from ours: discarded */
	pkt[1] = f.id;
	ack_result = -1;
	ppp_fsm_input(&f, pkt, 4, 0);
	CU_ASSERT_EQUAL(f.state, PPP_ST_REQ_SENT);
	/* a good Ack, with padding past Length (ignored) */
	ack_result = 0;
	ppp_fsm_input(&f, pkt, 10, 0);
	CU_ASSERT_EQUAL(f.state, PPP_ST_ACK_RCVD);
	/* the same Ack again is a duplicate: discarded */
	ppp_fsm_input(&f, pkt, 4, 0);
	CU_ASSERT_EQUAL(f.state, PPP_ST_ACK_RCVD);
	/* an unknown code: Code-Reject carrying the packet (§5.6) */
	reset_rec();
	pkt[0] = 0x42; pkt[1] = 9; ppp_put16(pkt + 2, 6); pkt[4] = 0xaa; pkt[5] = 0xbb;
	ppp_fsm_input(&f, pkt, 6, 0);
	CU_ASSERT_EQUAL(n_sent, 1);
	CU_ASSERT_EQUAL(last_sent[0], PPP_CODEREJ);
	CU_ASSERT_EQUAL(last_sent_len, 10);
	CU_ASSERT_EQUAL(memcmp(last_sent + 4, pkt, 6), 0);
	CU_ASSERT_EQUAL(f.state, PPP_ST_ACK_RCVD);
	/* Code-Reject of Configure-Request: catastrophic (RXJ-) */
	reset_rec();
	pkt[0] = PPP_CODEREJ; pkt[1] = 3; ppp_put16(pkt + 2, 8);
	pkt[4] = PPP_CONFREQ; pkt[5] = 1; pkt[6] = 0; pkt[7] = 4;
	ppp_fsm_input(&f, pkt, 8, 0);
	CU_ASSERT_EQUAL(f.state, PPP_ST_STOPPED);
	CU_ASSERT_STRING_EQUAL(actions, "tlf");
	/* short Code-Reject: malformed */
	ppp_put16(pkt + 2, 6);
	reset_rec();
	ppp_fsm_input(&f, pkt, 6, 0);
	CU_ASSERT_EQUAL(n_malformed, 1);
	lns_timers_free(ts);
}

static void
test_max_failure(void)
{
	struct lns_timers *ts = lns_timers_create(4);
	struct ppp_fsm f;
	uint8_t pkt[8] = { PPP_CONFREQ, 0, 0, 8, 1, 4, 0, 10 };
	int naks = 0, rejs = 0;

	ppp_fsm_init(&f, 0xc021, "T", &tcb, NULL, ts);
	ppp_fsm_open(&f, 0);
	ppp_fsm_up(&f, 0);
	reset_rec();
	check_result = PPP_CONFNAK;
	/* §4.6 Max-Failure: after 5 Naks without an Ack, Naks become Rejects */
	for (int i = 0; i < 8; i++) {
		pkt[1] = (uint8_t)i;
		ppp_fsm_input(&f, pkt, sizeof(pkt), 0);
	}
	for (int i = 0; i < n_sent; i++) {
		naks += sent_codes[i] == PPP_CONFNAK;
		rejs += sent_codes[i] == PPP_CONFREJ;
	}
	CU_ASSERT_EQUAL(naks, PPP_MAX_FAILURE);
	CU_ASSERT_EQUAL(rejs, 8 - PPP_MAX_FAILURE);
	CU_ASSERT(last_nak_as_rej);
	/* an Ack resets the failure count */
	check_result = PPP_CONFACK;
	ppp_fsm_input(&f, pkt, sizeof(pkt), 0);
	CU_ASSERT_EQUAL(f.state, PPP_ST_ACK_SENT);
	CU_ASSERT_EQUAL(f.nak_count, 0);
	check_result = PPP_CONFNAK;
	reset_rec();
	ppp_fsm_input(&f, pkt, sizeof(pkt), 0);
	CU_ASSERT_EQUAL(sent_codes[0], PPP_CONFNAK);
	CU_ASSERT_EQUAL(f.state, PPP_ST_REQ_SENT);
	ppp_fsm_stop(&f);
	lns_timers_free(ts);
	check_result = PPP_CONFACK;
}

int
main(void)
{
	CU_pSuite s;
	unsigned int fails;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("ppp_fsm", NULL, NULL);
	CU_add_test(s, "RFC 1661 state table, every state x event", test_state_table);
	CU_add_test(s, "restart timer and counters", test_restart_counters);
	CU_add_test(s, "packet validation", test_input_validation);
	CU_add_test(s, "Max-Failure", test_max_failure);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures();
	CU_cleanup_registry();
	return fails ? 1 : 0;
}
