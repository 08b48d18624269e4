/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The RFC 1661 §4 option-negotiation automaton. ppp_fsm_event() is one switch
 * per state whose cases are the columns of the state transition table (§4.1):
 * "actions/new-state". The new state is entered before the actions run, so an
 * action whose callback raises a nested event (tlu -> authentication fails ->
 * Close) sees the state the table names, and the nested event wins.
 */
#include <string.h>

#include "ppp_fsm.h"

static const char *const state_names[PPP_ST_MAX] = {
	"Initial", "Starting", "Closed", "Stopped", "Closing", "Stopping",
	"Req-Sent", "Ack-Rcvd", "Ack-Sent", "Opened",
};

static const char *const event_names[PPP_EV_MAX] = {
	"Up", "Down", "Open", "Close", "TO+", "TO-", "RCR+", "RCR-", "RCA", "RCN",
	"RTR", "RTA", "RUC", "RXJ+", "RXJ-", "RXR",
};

const char *
ppp_fsm_state_name(unsigned int s)
{
	return s < PPP_ST_MAX ? state_names[s] : "?";
}

const char *
ppp_fsm_event_name(unsigned int e)
{
	return e < PPP_EV_MAX ? event_names[e] : "?";
}

static void fsm_timeout(struct lns_timer *t, void *arg, uint64_t now);

void
ppp_fsm_init(struct ppp_fsm *f, uint16_t proto, const char *name,
	     const struct ppp_fsm_cbs *cb, void *arg, struct lns_timers *timers)
{
	memset(f, 0, sizeof(*f));
	f->state = PPP_ST_INITIAL;
	f->proto = proto;
	f->name = name;
	f->cb = cb;
	f->arg = arg;
	f->timers = timers;
	f->restart_ms = PPP_RESTART_MS;
	f->max_configure = PPP_MAX_CONFIGURE;
	f->max_terminate = PPP_MAX_TERMINATE;
	f->max_failure = PPP_MAX_FAILURE;
	lns_timer_init(&f->timer, fsm_timeout, f);
}

void
ppp_fsm_send(struct ppp_fsm *f, uint8_t code, uint8_t id, const uint8_t *data, size_t len)
{
	if (len > sizeof(f->txbuf) - 4)
		len = sizeof(f->txbuf) - 4;
	f->txbuf[0] = code;
	f->txbuf[1] = id;
	ppp_put16(f->txbuf + 2, (uint16_t)(len + 4));
	if (len)
		memmove(f->txbuf + 4, data, len);
	f->cb->output(f, f->txbuf, len + 4);
}

static void
trace(struct ppp_fsm *f, const char *a)
{
	if (f->cb->trace)
		f->cb->trace(f, a);
}

static void
arm(struct ppp_fsm *f)
{
	/* -ENOMEM leaves the timer idle; the session then waits for the peer,
	 * which is all we could do anyway */
	(void)lns_timer_arm(f->timers, &f->timer, f->now + f->restart_ms);
}

/* ---- the actions of §4.4 ---- */

static void tlu(struct ppp_fsm *f) { trace(f, "tlu"); f->cb->tlu(f); }
static void tld(struct ppp_fsm *f) { trace(f, "tld"); f->cb->tld(f); }
static void tls(struct ppp_fsm *f) { trace(f, "tls"); f->cb->tls(f); }
static void tlf(struct ppp_fsm *f) { trace(f, "tlf"); f->cb->tlf(f); }

/* Initialize-Restart-Count: Max-Configure before a Configure-Request,
 * Max-Terminate before a Terminate-Request. */
static void
irc(struct ppp_fsm *f, bool terminate)
{
	trace(f, "irc");
	f->restart_count = terminate ? f->max_terminate : f->max_configure;
	if (!terminate)
		f->nak_count = 0;
}

/* Zero-Restart-Count: wait one restart period for the peer to see our
 * Terminate-Ack before the layer finishes (§4.4). */
static void
zrc(struct ppp_fsm *f)
{
	trace(f, "zrc");
	f->restart_count = 0;
	arm(f);
}

static void
scr(struct ppp_fsm *f)
{
	uint8_t opts[PPP_FSM_BUF - 4];
	size_t n;

	trace(f, "scr");
	n = f->cb->build_cr(f, opts, sizeof(opts));
	f->id++;                       /* §5.1: a new Identifier for new options */
	f->id_valid = true;
	if (f->restart_count)
		f->restart_count--;
	arm(f);
	ppp_fsm_send(f, PPP_CONFREQ, f->id, opts, n);
}

static void
sca(struct ppp_fsm *f)
{
	trace(f, "sca");
	f->nak_count = 0;
	ppp_fsm_send(f, PPP_CONFACK, f->rx_id, f->reply, f->reply_len);
}

static void
scn(struct ppp_fsm *f)
{
	trace(f, "scn");
	if (f->reply_code == PPP_CONFNAK && f->nak_count < 255)
		f->nak_count++;
	ppp_fsm_send(f, f->reply_code == PPP_CONFACK ? PPP_CONFNAK : f->reply_code,
		     f->rx_id, f->reply, f->reply_len);
}

static void
str(struct ppp_fsm *f)
{
	trace(f, "str");
	f->id++;
	f->id_valid = false;
	if (f->restart_count)
		f->restart_count--;
	arm(f);
	ppp_fsm_send(f, PPP_TERMREQ, f->id, (const uint8_t *)f->term_text,
		     f->term_text != NULL ? strlen(f->term_text) : 0);
}

static void
sta(struct ppp_fsm *f)
{
	trace(f, "sta");
	ppp_fsm_send(f, PPP_TERMACK, f->rx_id, NULL, 0);
}

static void
scj(struct ppp_fsm *f)
{
	trace(f, "scj");
	/* §5.6: the rejected packet, truncated to fit */
	ppp_fsm_send(f, PPP_CODEREJ, ++f->id, f->rx, f->rx ? f->rx_len : 0);
}

static void
ser(struct ppp_fsm *f)
{
	trace(f, "ser");
	if (f->cb->ser)
		f->cb->ser(f);
}

static void
impossible(struct ppp_fsm *f, enum ppp_fsm_event ev)
{
	/* the "-" cells of the table: a caller bug or a packet in Initial/Starting */
	if (f->cb->bad)
		f->cb->bad(f, false, event_names[ev]);
}

static inline void
go(struct ppp_fsm *f, enum ppp_fsm_state s)
{
	f->state = s;
}

void
ppp_fsm_event(struct ppp_fsm *f, enum ppp_fsm_event ev, uint64_t now)
{
	if ((unsigned int)ev >= PPP_EV_MAX)
		return;
	f->now = now;
	switch (f->state) {
	case PPP_ST_INITIAL:
		switch (ev) {
		case PPP_EV_UP:    go(f, PPP_ST_CLOSED); break;
		case PPP_EV_OPEN:  go(f, PPP_ST_STARTING); tls(f); break;
		case PPP_EV_CLOSE: break;
		default:           impossible(f, ev); break;
		}
		break;
	case PPP_ST_STARTING:
		switch (ev) {
		case PPP_EV_UP:    go(f, PPP_ST_REQ_SENT); irc(f, false); scr(f); break;
		case PPP_EV_OPEN:  break;
		case PPP_EV_CLOSE: go(f, PPP_ST_INITIAL); tlf(f); break;
		default:           impossible(f, ev); break;
		}
		break;
	case PPP_ST_CLOSED:
		switch (ev) {
		case PPP_EV_DOWN:      go(f, PPP_ST_INITIAL); break;
		case PPP_EV_OPEN:      go(f, PPP_ST_REQ_SENT); irc(f, false); scr(f); break;
		case PPP_EV_CLOSE:     break;
		case PPP_EV_RCR_PLUS:
		case PPP_EV_RCR_MINUS:
		case PPP_EV_RCA:
		case PPP_EV_RCN:
		case PPP_EV_RTR:       sta(f); break;
		case PPP_EV_RTA:       break;
		case PPP_EV_RUC:       scj(f); break;
		case PPP_EV_RXJ_PLUS:  break;
		case PPP_EV_RXJ_MINUS: tlf(f); break;
		case PPP_EV_RXR:       break;
		default:               impossible(f, ev); break;
		}
		break;
	case PPP_ST_STOPPED:
		switch (ev) {
		case PPP_EV_DOWN:      go(f, PPP_ST_STARTING); tls(f); break;
		case PPP_EV_OPEN:      break;    /* no restart option (§4.2 "r") */
		case PPP_EV_CLOSE:     go(f, PPP_ST_CLOSED); break;
		case PPP_EV_RCR_PLUS:  go(f, PPP_ST_ACK_SENT); irc(f, false); scr(f); sca(f); break;
		case PPP_EV_RCR_MINUS: go(f, PPP_ST_REQ_SENT); irc(f, false); scr(f); scn(f); break;
		case PPP_EV_RCA:
		case PPP_EV_RCN:
		case PPP_EV_RTR:       sta(f); break;
		case PPP_EV_RTA:       break;
		case PPP_EV_RUC:       scj(f); break;
		case PPP_EV_RXJ_PLUS:  break;
		case PPP_EV_RXJ_MINUS: tlf(f); break;
		case PPP_EV_RXR:       break;
		default:               impossible(f, ev); break;
		}
		break;
	case PPP_ST_CLOSING:
	case PPP_ST_STOPPING: {
		/* the two columns differ only in where they finish */
		bool closing = f->state == PPP_ST_CLOSING;
		enum ppp_fsm_state fin = closing ? PPP_ST_CLOSED : PPP_ST_STOPPED;

		switch (ev) {
		case PPP_EV_DOWN:      go(f, closing ? PPP_ST_INITIAL : PPP_ST_STARTING); break;
		case PPP_EV_OPEN:      go(f, PPP_ST_STOPPING); break;
		case PPP_EV_CLOSE:     go(f, PPP_ST_CLOSING); break;
		case PPP_EV_TO_PLUS:   str(f); break;
		case PPP_EV_TO_MINUS:  go(f, fin); tlf(f); break;
		case PPP_EV_RCR_PLUS:
		case PPP_EV_RCR_MINUS:
		case PPP_EV_RCA:
		case PPP_EV_RCN:       break;
		case PPP_EV_RTR:       sta(f); break;
		case PPP_EV_RTA:       go(f, fin); tlf(f); break;
		case PPP_EV_RUC:       scj(f); break;
		case PPP_EV_RXJ_PLUS:  break;
		case PPP_EV_RXJ_MINUS: go(f, fin); tlf(f); break;
		case PPP_EV_RXR:       break;
		default:               impossible(f, ev); break;
		}
		break;
	}
	case PPP_ST_REQ_SENT:
		switch (ev) {
		case PPP_EV_DOWN:      go(f, PPP_ST_STARTING); break;
		case PPP_EV_OPEN:      break;
		case PPP_EV_CLOSE:     go(f, PPP_ST_CLOSING); irc(f, true); str(f); break;
		case PPP_EV_TO_PLUS:   scr(f); break;
		case PPP_EV_TO_MINUS:  go(f, PPP_ST_STOPPED); tlf(f); break;
		case PPP_EV_RCR_PLUS:  go(f, PPP_ST_ACK_SENT); sca(f); break;
		case PPP_EV_RCR_MINUS: scn(f); break;
		case PPP_EV_RCA:       go(f, PPP_ST_ACK_RCVD); irc(f, false); break;
		case PPP_EV_RCN:       irc(f, false); scr(f); break;
		case PPP_EV_RTR:       sta(f); break;
		case PPP_EV_RTA:       break;
		case PPP_EV_RUC:       scj(f); break;
		case PPP_EV_RXJ_PLUS:  break;
		case PPP_EV_RXJ_MINUS: go(f, PPP_ST_STOPPED); tlf(f); break;
		case PPP_EV_RXR:       break;
		default:               impossible(f, ev); break;
		}
		break;
	case PPP_ST_ACK_RCVD:
		switch (ev) {
		case PPP_EV_DOWN:      go(f, PPP_ST_STARTING); break;
		case PPP_EV_OPEN:      break;
		case PPP_EV_CLOSE:     go(f, PPP_ST_CLOSING); irc(f, true); str(f); break;
		case PPP_EV_TO_PLUS:   go(f, PPP_ST_REQ_SENT); scr(f); break;
		case PPP_EV_TO_MINUS:  go(f, PPP_ST_STOPPED); tlf(f); break;
		case PPP_EV_RCR_PLUS:  go(f, PPP_ST_OPENED); sca(f); tlu(f); break;
		case PPP_EV_RCR_MINUS: scn(f); break;
		case PPP_EV_RCA:                              /* crossed connection (x) */
		case PPP_EV_RCN:       go(f, PPP_ST_REQ_SENT); scr(f); break;
		case PPP_EV_RTR:       go(f, PPP_ST_REQ_SENT); sta(f); break;
		case PPP_EV_RTA:       go(f, PPP_ST_REQ_SENT); break;
		case PPP_EV_RUC:       scj(f); break;
		case PPP_EV_RXJ_PLUS:  go(f, PPP_ST_REQ_SENT); break;
		case PPP_EV_RXJ_MINUS: go(f, PPP_ST_STOPPED); tlf(f); break;
		case PPP_EV_RXR:       break;
		default:               impossible(f, ev); break;
		}
		break;
	case PPP_ST_ACK_SENT:
		switch (ev) {
		case PPP_EV_DOWN:      go(f, PPP_ST_STARTING); break;
		case PPP_EV_OPEN:      break;
		case PPP_EV_CLOSE:     go(f, PPP_ST_CLOSING); irc(f, true); str(f); break;
		case PPP_EV_TO_PLUS:   scr(f); break;
		case PPP_EV_TO_MINUS:  go(f, PPP_ST_STOPPED); tlf(f); break;
		case PPP_EV_RCR_PLUS:  sca(f); break;
		case PPP_EV_RCR_MINUS: go(f, PPP_ST_REQ_SENT); scn(f); break;
		case PPP_EV_RCA:       go(f, PPP_ST_OPENED); irc(f, false); tlu(f); break;
		case PPP_EV_RCN:       irc(f, false); scr(f); break;
		case PPP_EV_RTR:       go(f, PPP_ST_REQ_SENT); sta(f); break;
		case PPP_EV_RTA:       break;
		case PPP_EV_RUC:       scj(f); break;
		case PPP_EV_RXJ_PLUS:  break;
		case PPP_EV_RXJ_MINUS: go(f, PPP_ST_STOPPED); tlf(f); break;
		case PPP_EV_RXR:       break;
		default:               impossible(f, ev); break;
		}
		break;
	case PPP_ST_OPENED:
		switch (ev) {
		case PPP_EV_DOWN:      go(f, PPP_ST_STARTING); tld(f); break;
		case PPP_EV_OPEN:      break;
		case PPP_EV_CLOSE:     go(f, PPP_ST_CLOSING); tld(f); irc(f, true); str(f); break;
		case PPP_EV_RCR_PLUS:  go(f, PPP_ST_ACK_SENT); tld(f); scr(f); sca(f); break;
		case PPP_EV_RCR_MINUS: go(f, PPP_ST_REQ_SENT); tld(f); scr(f); scn(f); break;
		case PPP_EV_RCA:                              /* crossed connection (x) */
		case PPP_EV_RCN:
		case PPP_EV_RTA:       go(f, PPP_ST_REQ_SENT); tld(f); scr(f); break;
		case PPP_EV_RTR:       go(f, PPP_ST_STOPPING); tld(f); zrc(f); sta(f); break;
		case PPP_EV_RUC:       scj(f); break;
		case PPP_EV_RXJ_PLUS:  break;
		case PPP_EV_RXJ_MINUS: go(f, PPP_ST_STOPPING); tld(f); irc(f, true); str(f); break;
		case PPP_EV_RXR:       ser(f); break;
		default:               impossible(f, ev); break;
		}
		break;
	default:
		break;
	}
	/* §4.6: the restart timer runs only while a request of ours is outstanding */
	switch (f->state) {
	case PPP_ST_CLOSING: case PPP_ST_STOPPING: case PPP_ST_REQ_SENT:
	case PPP_ST_ACK_RCVD: case PPP_ST_ACK_SENT:
		break;
	default:
		lns_timer_cancel(f->timers, &f->timer);
		break;
	}
}

static void
fsm_timeout(struct lns_timer *t, void *arg, uint64_t now)
{
	struct ppp_fsm *f = arg;

	(void)t;
	ppp_fsm_event(f, f->restart_count > 0 ? PPP_EV_TO_PLUS : PPP_EV_TO_MINUS, now);
}

void
ppp_fsm_stop(struct ppp_fsm *f)
{
	lns_timer_cancel(f->timers, &f->timer);
}

static void
bad(struct ppp_fsm *f, bool malformed, const char *why)
{
	if (f->cb->bad)
		f->cb->bad(f, malformed, why);
}

/* Ack/Nak/Reject must answer our outstanding request (§5.2-5.4) */
static bool
answers_ours(struct ppp_fsm *f)
{
	switch (f->state) {
	case PPP_ST_REQ_SENT: case PPP_ST_ACK_RCVD: case PPP_ST_ACK_SENT: case PPP_ST_OPENED:
		return f->id_valid && f->rx_id == f->id;
	default:
		return true;   /* Closed/Stopped answer with sta, Closing/Stopping ignore */
	}
}

void
ppp_fsm_input(struct ppp_fsm *f, const uint8_t *pkt, size_t len, uint64_t now)
{
	const uint8_t *data;
	size_t plen, dlen;
	int r;

	f->now = now;
	if (len < 4) {
		bad(f, true, "short packet");
		return;
	}
	plen = ppp_get16(pkt + 2);
	/* §5: a Length below 4 or beyond the frame is invalid; octets past
	 * Length are padding and ignored */
	if (plen < 4 || plen > len) {
		bad(f, true, "bad length");
		return;
	}
	f->rx = pkt;
	f->rx_len = plen;
	f->rx_code = pkt[0];
	f->rx_id = pkt[1];
	data = pkt + 4;
	dlen = plen - 4;
	if (f->state == PPP_ST_INITIAL || f->state == PPP_ST_STARTING) {
		bad(f, false, "layer not started");
		goto out;
	}
	switch (f->rx_code) {
	case PPP_CONFREQ:
		r = f->cb->check_cr(f, data, dlen, f->reply, sizeof(f->reply) - 4, &f->reply_len,
				    f->nak_count >= f->max_failure);
		if (r != PPP_CONFACK && r != PPP_CONFNAK && r != PPP_CONFREJ) {
			bad(f, true, "bad Configure-Request options");
			break;
		}
		f->reply_code = (uint8_t)r;
		ppp_fsm_event(f, r == PPP_CONFACK ? PPP_EV_RCR_PLUS : PPP_EV_RCR_MINUS, now);
		break;
	case PPP_CONFACK:
		if (!answers_ours(f)) {
			bad(f, false, "Configure-Ack id mismatch");
			break;
		}
		if (f->id_valid && f->cb->rx_ack(f, data, dlen) < 0) {
			bad(f, true, "Configure-Ack does not match our request");
			break;
		}
		f->id_valid = false;   /* a duplicate Ack is then discarded */
		ppp_fsm_event(f, PPP_EV_RCA, now);
		break;
	case PPP_CONFNAK:
	case PPP_CONFREJ:
		if (!answers_ours(f)) {
			bad(f, false, "Configure-Nak/Reject id mismatch");
			break;
		}
		if (f->id_valid) {
			r = f->rx_code == PPP_CONFNAK ? f->cb->rx_nak(f, data, dlen)
						      : f->cb->rx_rej(f, data, dlen);
			if (r < 0) {
				bad(f, true, "bad Configure-Nak/Reject");
				break;
			}
		}
		f->id_valid = false;
		ppp_fsm_event(f, PPP_EV_RCN, now);
		break;
	case PPP_TERMREQ:
		ppp_fsm_event(f, PPP_EV_RTR, now);
		break;
	case PPP_TERMACK:
		ppp_fsm_event(f, PPP_EV_RTA, now);
		break;
	case PPP_CODEREJ:
		if (dlen < 4) {
			bad(f, true, "short Code-Reject");
			break;
		}
		/* §5.6: a rejected code of the automaton itself is catastrophic */
		ppp_fsm_event(f, data[0] >= PPP_CONFREQ && data[0] <= PPP_CODEREJ ?
			      PPP_EV_RXJ_MINUS : PPP_EV_RXJ_PLUS, now);
		break;
	default:
		if (f->cb->ext_code && f->cb->ext_code(f, f->rx_code, f->rx_id, data, dlen))
			break;
		ppp_fsm_event(f, PPP_EV_RUC, now);
		break;
	}
out:
	f->rx = NULL;
	f->rx_len = 0;
}
