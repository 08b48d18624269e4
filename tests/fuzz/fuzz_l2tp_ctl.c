/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the L2TP control plane (RFC 2661) under hostile peers.
 *
 * Input: a stream of records, each
 *     sel (1 byte) | one control message (as long as its own Length field says;
 *                    the rest of the input when that field is absent or too big)
 * sel bits 0-1: which peer sends it (two over IPsec connections, one in the clear,
 *               one in the clear matching the profile with a tunnel password);
 *      bits 2-5: how far the fake clock moves (timers fire) before it is delivered;
 *      bit 6:    the sender's IPsec connection vanishes first (lns_l2tp_conn_gone);
 *      bit 7:    the operator clears the first tunnel, or its first session, first.
 * Every message goes through lns_l2tp_decode() with and without a secret, then
 * through lns_l2tp_input() of a fresh library instance (one per input, so a crash
 * reproduces from its input alone). Callbacks refuse or close sessions depending on
 * the peer's session id, so the re-entry paths are reached too.
 *
 * Contracts checked: every message the LNS sends decodes; after the input, once
 * the clock has run long past every retransmission, hello and destruct timer,
 * no tunnel or session record is left (timers clean up whatever the peer left).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "lns_conf.h"
#include "lns_evlog.h"
#include "lns_l2tp.h"
#include "lns_l2tp_avp.h"
#include "lns_timer.h"

#include "fuzz_common.h"

#define SECRET "fuzz-secret"

static const char CONF[] =
	"ports:\n"
	"  access: {device: net_af_packet0, address: 192.0.2.1/24}\n"
	"  core: {device: net_af_packet1, address: 198.51.100.1/24}\n"
	"l2tp:\n"
	"  host-name: lns-fuzz\n"
	"  allow-nonsecure: true\n"
	"  receive-window: 4\n"
	"  destination-profiles:\n"
	"    - name: lac\n"
	"      match: {peer: 203.0.113.0/24}\n"
	"      tunnel-password: \"" SECRET "\"\n"
	"      allow-nonsecure: true\n"
	"      idle-timeout: 30\n"
	"    - name: single\n"
	"      match: {host-name: single}\n"
	"      single-shot-tunnel: true\n"
	"      destruct-timeout: 10\n"
	"limits:\n"
	"  max-tunnels: 64\n"
	"  max-sessions: 256\n";

static struct lns_conf *conf;

/* Peers by sel bits 0-1. Index 3 matches the "lac" profile (tunnel password). */
static const struct lns_l2tp_peer peers[4] = {
	{ .addr = 0, .port = 1701, .sa_in = 10, .conn = 1 },
	{ .addr = 0, .port = 1701, .sa_in = 11, .conn = 2 },
	{ .addr = 0, .port = 1701, .sa_in = LNS_L2TP_NO_SA, .conn = LNS_L2TP_NO_CONN },
	{ .addr = 0, .port = 1701, .sa_in = LNS_L2TP_NO_SA, .conn = LNS_L2TP_NO_CONN },
};
static const char *const peer_addr[4] = { "192.0.2.10", "192.0.2.11", "198.51.100.20",
					  "203.0.113.5" };
static struct lns_l2tp_peer peer_tab[4];

/* Clock steps (ms) by sel bits 2-5: from back-to-back to past every timer. */
static const uint64_t steps[16] = {
	0, 10, 100, 500, 1000, 2000, 5000, 10000, 30000, 60000, 120000, 300000,
	600000, 1200000, 3600000, 7200000,
};

static struct {
	struct lns_l2tp *l;
	struct lns_timers *tm;
	uint64_t now;
} F;

static struct lns_l2tp_msg msg;         /* large: not on the stack */

static void
f_send(void *ctx, const struct lns_l2tp_peer *to, const uint8_t *m, size_t len)
{
	const uint8_t *secret = NULL;
	size_t slen = 0;
	enum lns_l2tp_derr e;

	(void)ctx;
	FUZZ_CHECK(len >= LNS_L2TP_CTL_HDR && len <= LNS_L2TP_CTL_MAX);
	if (to->addr == peer_tab[3].addr) {
		secret = (const uint8_t *)SECRET;
		slen = strlen(SECRET);
	}
	/* what we send must be a valid control message by our own decoder */
	e = lns_l2tp_decode(m, len, secret, slen, &msg);
	if (e != LNS_L2TP_DOK)
		fprintf(stderr, "sent message does not decode: %s\n", lns_l2tp_derr_name(e));
	FUZZ_CHECK(e == LNS_L2TP_DOK);
}

static int
f_tunnel_up(void *ctx, const struct lns_l2tp_tunnel_info *t)
{
	(void)ctx;
	/* a peer tunnel id of 0xffff stands for "the data plane is full" */
	return t->peer_id == 0xffff ? -ENOSPC : 0;
}

static void
f_tunnel_down(void *ctx, const struct lns_l2tp_tunnel_info *t)
{
	(void)ctx;
	(void)t;
}

static int
f_session_up(void *ctx, const struct lns_l2tp_session_info *s)
{
	(void)ctx;
	switch (s->peer_session_id & 3) {
	case 2:
		/* PPP gives up at once, from inside the callback (re-entry) */
		(void)lns_l2tp_session_close(F.l, s->tunnel_id, s->session_id, 3, 0, "fuzz",
					     F.now);
		return -1;
	case 3:
		return -ENOMEM;
	default:
		return 0;
	}
}

static void
f_session_down(void *ctx, const struct lns_l2tp_session_info *s, uint16_t result,
	       uint16_t error)
{
	(void)ctx;
	(void)s;
	(void)result;
	(void)error;
}

static void
f_ipsec_disconnect(void *ctx, uint32_t conn, const char *why)
{
	(void)ctx;
	(void)why;
	FUZZ_CHECK(conn == 1 || conn == 2);     /* only connections we named */
}

static const struct lns_l2tp_ops ops = {
	.send = f_send, .tunnel_up = f_tunnel_up, .tunnel_down = f_tunnel_down,
	.session_up = f_session_up, .session_down = f_session_down,
	.ipsec_disconnect = f_ipsec_disconnect,
};

/* Move the clock to now + ms, firing each timer at its own expiry time. */
static void
advance(uint64_t ms)
{
	uint64_t end = F.now + ms;
	unsigned int guard = 0;

	while (lns_timers_next(F.tm) <= end) {
		uint64_t next = lns_timers_next(F.tm);

		if (next > F.now)
			F.now = next;
		lns_timers_run(F.tm, F.now);
		/* a timer that re-arms itself at the same instant forever is a bug */
		FUZZ_CHECK(++guard < 1000000);
	}
	F.now = end;
}

static void
operator_action(uint8_t sel)
{
	struct lns_l2tp_tunnel_info t;
	struct lns_l2tp_session_info s;

	if (sel & 1) {
		if (lns_l2tp_session_next(F.l, 0, 0, &s) == 0)
			(void)lns_l2tp_session_close(F.l, s.tunnel_id, s.session_id, 3, 0,
						     "operator", F.now);
	} else if (lns_l2tp_tunnel_next(F.l, 0, &t) == 0) {
		(void)lns_l2tp_tunnel_close(F.l, t.local_id, 0, F.now);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lns_evlog *log;
	struct fuzz_in in = { data, size };

	if (conf == NULL) {
		char err[LNS_CONF_ERR_MAX];
		struct in_addr a;

		conf = lns_conf_load_string(CONF, "fuzz.yaml", err, sizeof(err));
		if (conf == NULL) {
			fprintf(stderr, "fuzz config: %s\n", err);
			abort();
		}
		for (int i = 0; i < 4; i++) {
			peer_tab[i] = peers[i];
			inet_pton(AF_INET, peer_addr[i], &a);
			peer_tab[i].addr = a.s_addr;
		}
	}
	memset(&F, 0, sizeof(F));
	F.now = 1000000;
	F.tm = lns_timers_create(16);
	log = lns_evlog_create(256);
	F.l = lns_l2tp_create(conf, &ops, NULL, F.tm, log);
	FUZZ_CHECK(F.tm != NULL && log != NULL && F.l != NULL);

	while (in.left > 0) {
		uint8_t sel = fuzz_u8(&in);
		const struct lns_l2tp_peer *from = &peer_tab[sel & 3];
		const uint8_t *m;
		size_t n, got;
		int rc;

		n = in.left;
		if (in.left >= 4) {
			size_t field = (size_t)(in.p[2] << 8 | in.p[3]);

			if (field > 0 && field <= in.left)
				n = field;
		}
		m = fuzz_bytes(&in, n, &got);

		/* the decoder alone, both ways */
		(void)lns_l2tp_decode(m, got, NULL, 0, &msg);
		(void)lns_l2tp_decode(m, got, (const uint8_t *)SECRET, strlen(SECRET), &msg);

		advance(steps[(sel >> 2) & 15]);
		if ((sel & 0x40) && from->conn != LNS_L2TP_NO_CONN)
			lns_l2tp_conn_gone(F.l, from->conn, F.now);
		if (sel & 0x80)
			operator_action(sel);
		rc = lns_l2tp_input(F.l, from, m, got, F.now);
		if (fuzz_debug()) {
			uint64_t c[LNS_L2TP_CTR_MAX];

			fprintf(stderr, "in %zu bytes from peer %d: %d\n", got, sel & 3, rc);
			lns_l2tp_counters(F.l, c);
			for (unsigned int i = 0; i < LNS_L2TP_CTR_MAX; i++)
				if (c[i])
					fprintf(stderr, "  %s %llu\n", lns_l2tp_counter_name(i),
						(unsigned long long)c[i]);
		}
	}

	/* Silence from every peer: retransmissions run out, tunnels are destroyed and
	 * their records freed after the destruct timeout. Nothing may be left. */
	advance(4 * 3600 * 1000ULL);
	if (lns_l2tp_tunnel_count(F.l) != 0 || lns_l2tp_session_count(F.l) != 0) {
		struct lns_l2tp_tunnel_info t;
		uint64_t c[LNS_L2TP_CTR_MAX];

		fprintf(stderr, "left: %u tunnels, %u sessions\n", lns_l2tp_tunnel_count(F.l),
			lns_l2tp_session_count(F.l));
		for (uint32_t id = 0; lns_l2tp_tunnel_next(F.l, id, &t) == 0; id = t.local_id)
			fprintf(stderr, "  tunnel %u (peer %u) %s, %u sessions, created %llu\n",
				t.local_id, t.peer_id, t.state, t.sessions,
				(unsigned long long)t.created_ms);
		lns_l2tp_counters(F.l, c);
		for (unsigned int i = 0; i < LNS_L2TP_CTR_MAX; i++)
			if (c[i])
				fprintf(stderr, "  %s %llu\n", lns_l2tp_counter_name(i),
					(unsigned long long)c[i]);
	}
	FUZZ_CHECK(lns_l2tp_tunnel_count(F.l) == 0);
	FUZZ_CHECK(lns_l2tp_session_count(F.l) == 0);

	lns_l2tp_free(F.l);
	lns_evlog_free(log);
	lns_timers_free(F.tm);
	return 0;
}
