/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: one PPP session (lib/ppp: LCP, PAP, CHAP-MD5, MS-CHAPv2, IPCP,
 * proxy LCP/authentication) under a hostile client.
 *
 * Input:
 *   byte 0   bit 0: create the session with proxy LCP/auth (fields follow);
 *            bit 1: offer MS-CHAPv2 first instead of PAP first;
 *   [proxy]  u8 len + Last Sent LCP CONFREQ, u8 len + Last Received LCP CONFREQ,
 *            u8 authen type, u8 len + name, u8 len + challenge, u8 id,
 *            u8 len + response;
 *   then records  sel (1) | u16 len | frame (as carried in L2TP: with or without
 *            ff 03, 1- or 2-byte protocol). sel bits 0-3: how far the fake clock
 *            moves first (timers fire); bit 4: lns_ppp_close() first. An empty
 *            LCP Configure-Ack stands for an Ack of our last request (expand_ack).
 * The user "alice" / "secret" exists, so PAP can succeed and IPCP be reached.
 *
 * Contracts checked: ops->down at most once; after the clock has run long past
 * every restart, authentication and keepalive timer, the session is down; and
 * after it is destroyed every pool address is free again.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "lns_pool.h"
#include "lns_ppp.h"
#include "lns_ppp_auth.h"
#include "lns_timer.h"

#include "fuzz_common.h"

#define CONF_HEAD \
	"ports:\n" \
	"  access: {device: net_af_packet0, address: 192.0.2.1/24}\n" \
	"  core: {device: net_af_packet1, address: 198.51.100.1/24}\n" \
	"ppp:\n"
#define CONF_TAIL \
	"  mru: 1400\n" \
	"  keepalive: {interval: 10, failures: 3}\n" \
	"  auth-retries: 3\n" \
	"  dns: [192.0.2.53, 192.0.2.54]\n" \
	"  accept-proxy: true\n" \
	"  default-pool: main\n" \
	"  pools:\n" \
	"    - {name: main, first: 10.1.0.1, last: 10.1.0.4}\n" \
	"    - {name: other, first: 10.2.0.1, last: 10.2.0.1}\n" \
	"  users:\n" \
	"    - {name: alice, password: secret}\n" \
	"    - {name: bob, password: bobpw, pool: other}\n" \
	"    - {name: carol, nt-hash: 8846F7EAEE8FB117AD06BDD830B7586C, address: 10.3.0.9}\n"

static const char *const conf_text[2] = {
	CONF_HEAD "  auth: [pap, chap-md5, mschapv2]\n" CONF_TAIL,
	CONF_HEAD "  auth: [mschapv2, chap-md5, pap]\n" CONF_TAIL,
};
static struct lns_conf *confs[2];

static const uint64_t steps[16] = {
	0, 10, 100, 500, 1000, 2000, 3000, 5000, 10000, 20000, 30000, 60000,
	120000, 300000, 600000, 3600000,
};

static struct {
	struct lns_timers *tm;
	uint8_t lcp_req[1500];          /* our last LCP Configure-Request (code..options) */
	size_t lcp_req_len;
	uint64_t now;
	int ups, downs;
	uint32_t up_addr;
	uint64_t verdicts;              /* ops->auth calls */
} F;

static void
f_send(void *ctx, uint16_t proto, const uint8_t *info, size_t len)
{
	(void)ctx;
	FUZZ_TRACE("sent %04x:", proto);
	for (size_t i = 0; i < len && fuzz_debug(); i++)
		FUZZ_TRACE(" %02x", info[i]);
	FUZZ_TRACE("\n");
	if (proto == LNS_PPP_LCP && len >= 4 && len <= sizeof(F.lcp_req) && info[0] == 1) {
		memcpy(F.lcp_req, info, len);
		F.lcp_req_len = len;
	}
	FUZZ_CHECK(proto & 1);                  /* RFC 1661 §2: protocol numbers are odd */
	FUZZ_CHECK(len <= 1500);                /* never more than the largest MRU */
}

static int
f_up(void *ctx, uint32_t addr)
{
	(void)ctx;
	FUZZ_CHECK(addr != 0);
	F.ups++;
	F.up_addr = addr;
	/* the data plane refuses one address, so that path is reached too */
	return addr == 0x0400010au ? -1 : 0;    /* 10.1.0.4 */
}

static void
f_down(void *ctx, int reason, const char *text)
{
	(void)ctx;
	FUZZ_TRACE("down %d %s\n", reason, text);
	FUZZ_CHECK(reason >= 0 && reason < LNS_PPP_DOWN_MAX);
	F.downs++;
	FUZZ_CHECK(F.downs == 1);               /* "called at most once" */
}

static void
f_auth(void *ctx, const struct lns_ppp_auth_verdict *v)
{
	(void)ctx;
	FUZZ_CHECK(v->user != NULL && v->reason != NULL);
	FUZZ_CHECK(v->ok || v->reason[0] != '\0');   /* a failure always says why */
	FUZZ_CHECK(v->method < LNS_AUTH_MAX);
	FUZZ_CHECK(F.downs == 0);               /* no callback after ops->down */
	F.verdicts++;
}

static const struct lns_ppp_ops ops = {
	.send = f_send, .up = f_up, .down = f_down, .auth = f_auth,
};

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
		FUZZ_CHECK(++guard < 1000000);
	}
	F.now = end;
}

static const uint8_t *
take8(struct fuzz_in *in, size_t *len)
{
	return fuzz_bytes(in, fuzz_u8(in), len);
}

/*
 * Our Configure-Request carries a random Magic-Number (RFC 1661 §6.4), which no
 * input can guess. An LCP Configure-Ack with no options (c0 21 02 id 00 04, with or
 * without ff 03) therefore stands for "Ack exactly what the LNS last asked for":
 * the harness fills in its identifier and options. Any other Ack is fed as it is.
 */
static const uint8_t *
expand_ack(const uint8_t *fr, size_t *len, uint8_t *buf)
{
	size_t off = (*len >= 2 && fr[0] == 0xff && fr[1] == 0x03) ? 2 : 0;

	if (*len != off + 6 || fr[off] != 0xc0 || fr[off + 1] != 0x21 || fr[off + 2] != 2 ||
	    fr[off + 4] != 0 || fr[off + 5] != 4 || F.lcp_req_len == 0)
		return fr;
	memcpy(buf, fr, off + 2);
	memcpy(buf + off + 2, F.lcp_req, F.lcp_req_len);
	buf[off + 2] = 2;       /* Configure-Ack, same identifier, length and options */
	*len = off + 2 + F.lcp_req_len;
	return buf;
}

static uint32_t
pool_free(const struct lns_pools *ps)
{
	return lns_pools_available(ps, 0) + lns_pools_available(ps, 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	struct lns_pools *pools;
	struct lns_authenticator *auth;
	struct lns_ppp_stats stats;
	struct lns_ppp_env env;
	struct lns_ppp *p;
	uint32_t free_before;
	uint8_t mode;

	if (confs[0] == NULL) {
		char err[LNS_CONF_ERR_MAX];

		for (int i = 0; i < 2; i++) {
			confs[i] = lns_conf_load_string(conf_text[i], "fuzz.yaml", err, sizeof(err));
			if (confs[i] == NULL) {
				fprintf(stderr, "fuzz config: %s\n", err);
				abort();
			}
		}
	}
	memset(&F, 0, sizeof(F));
	memset(&stats, 0, sizeof(stats));
	F.now = 1000000;
	mode = fuzz_u8(&in);
	F.tm = lns_timers_create(16);
	pools = lns_pools_create(confs[(mode >> 1) & 1]);
	auth = lns_auth_local_create(confs[(mode >> 1) & 1]);
	FUZZ_CHECK(F.tm && pools && auth);
	free_before = pool_free(pools);
	memset(&env, 0, sizeof(env));
	env.conf = confs[(mode >> 1) & 1];
	env.timers = F.tm;
	env.pools = pools;
	env.auth = auth;
	env.local_addr = 0x0100000au;           /* 10.0.0.1 */
	env.stats = &stats;

	if (mode & 1) {
		struct lns_ppp_proxy px;
		char name[256];
		const uint8_t *nm;
		size_t n;

		memset(&px, 0, sizeof(px));
		px.last_sent_lcp = take8(&in, &px.last_sent_len);
		px.last_rcvd_lcp = take8(&in, &px.last_rcvd_len);
		px.authen_type = fuzz_u8(&in);
		nm = take8(&in, &n);
		memcpy(name, nm, n);
		name[n] = '\0';
		px.authen_name = name;
		px.authen_challenge = take8(&in, &px.authen_challenge_len);
		px.authen_id = fuzz_u8(&in);
		px.authen_response = take8(&in, &px.authen_response_len);
		p = lns_ppp_create_proxy(&env, &ops, NULL, &px, F.now);
	} else {
		p = lns_ppp_create(&env, &ops, NULL, F.now);
	}
	FUZZ_CHECK(p != NULL);

	while (in.left > 0) {
		uint8_t sel = fuzz_u8(&in);
		size_t want = fuzz_u16(&in), got;
		const uint8_t *fr = fuzz_bytes(&in, want, &got);
		static uint8_t ack[1600];

		advance(steps[sel & 15]);
		FUZZ_TRACE("in %zu bytes at %llu\n", got, (unsigned long long)F.now);
		if (sel & 0x10)
			lns_ppp_close(p, "fuzz", F.now);
		fr = expand_ack(fr, &got, ack);
		lns_ppp_input(p, fr, got, F.now);
	}

	/* Silence from the client: LCP restarts, the authentication timer or the
	 * keepalive end the session. */
	advance(24 * 3600 * 1000ULL);
	FUZZ_CHECK(F.downs == 1);
	/* one report per verdict: the counters of this session's verdicts agree */
	FUZZ_CHECK(F.verdicts == stats.c[LNS_PPP_STAT_AUTH_OK_PAP] +
		   stats.c[LNS_PPP_STAT_AUTH_FAIL_PAP] + stats.c[LNS_PPP_STAT_AUTH_OK_CHAP_MD5] +
		   stats.c[LNS_PPP_STAT_AUTH_FAIL_CHAP_MD5] + stats.c[LNS_PPP_STAT_AUTH_OK_MSCHAPV2] +
		   stats.c[LNS_PPP_STAT_AUTH_FAIL_MSCHAPV2]);
	lns_ppp_destroy(p);
	/* every address the session held is back in its pool */
	FUZZ_CHECK(pool_free(pools) == free_before);

	lns_auth_local_free(auth);
	lns_pools_free(pools);
	lns_timers_free(F.tm);
	return 0;
}
