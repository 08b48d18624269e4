/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Integration test of lib/ppp against an independent PPP implementation:
 * slirp (slirp-fullbolt) runs on the slave side of a pty as the PPP client,
 * lib/ppp runs here on the master side, with RFC 1662 async-HDLC framing
 * (0x7e flags, 0x7d escapes, FCS-16) done in this file.
 *
 *   ppp_pty_peer ok     LCP, PAP, IPCP open; slirp gets the pool address; a UDP
 *                       datagram to 10.0.2.2 (slirp's host alias) comes back from
 *                       our own echo socket through slirp's NAT
 *   ppp_pty_peer badpw  slirp's password is wrong: PAP Nak, session down
 *
 * Exit 0 on success; every failed check prints a line and exits 1.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "lns_pool.h"
#include "lns_ppp.h"
#include "lns_ppp_auth.h"

#define CHECK(c, ...) do { if (!(c)) { fprintf(stderr, "FAIL: " __VA_ARGS__); \
	fprintf(stderr, "\n"); cleanup(); exit(1); } } while (0)

static int mfd = -1, udp = -1;
static pid_t child;
static char uafile[64];

static void
cleanup(void)
{
	if (child > 0) {
		kill(child, SIGTERM);
		waitpid(child, NULL, 0);
		child = 0;
	}
	if (uafile[0])
		unlink(uafile);
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ------------------------------------------------ RFC 1662 async HDLC --- */

static uint16_t
fcs16(uint16_t fcs, const uint8_t *p, size_t len)
{
	/* §C.2, bit by bit: polynomial x^16 + x^12 + x^5 + 1, reflected (0x8408) */
	while (len--) {
		fcs ^= *p++;
		for (int i = 0; i < 8; i++)
			fcs = (uint16_t)(fcs & 1 ? (fcs >> 1) ^ 0x8408 : fcs >> 1);
	}
	return fcs;
}

static void
hdlc_write(const uint8_t *f, size_t len)
{
	uint8_t out[2 * 1600 + 8];
	uint8_t tmp[1600 + 2];
	size_t n = 0;
	uint16_t fcs;

	memcpy(tmp, f, len);
	fcs = (uint16_t)~fcs16(0xffff, f, len);
	tmp[len] = (uint8_t)fcs;               /* least significant octet first */
	tmp[len + 1] = (uint8_t)(fcs >> 8);
	out[n++] = 0x7e;
	for (size_t i = 0; i < len + 2; i++) {
		/* §4.2: escape flag, escape and (default ACCM) every control char */
		if (tmp[i] == 0x7e || tmp[i] == 0x7d || tmp[i] < 0x20) {
			out[n++] = 0x7d;
			out[n++] = tmp[i] ^ 0x20;
		} else {
			out[n++] = tmp[i];
		}
	}
	out[n++] = 0x7e;
	CHECK(write(mfd, out, n) == (ssize_t)n, "write to pty: %s", strerror(errno));
}

/* ------------------------------------------------------ test state --- */

static struct lns_ppp *sess;
static int ups, downs, down_reason;
static uint32_t up_addr;
static int pap_nak_sent, pap_ack_sent;
static uint32_t acked_peer_addr, acked_dns;
static int echo_ok;
static uint16_t echo_port;
static uint32_t gw_addr;

static void
op_send(void *ctx, uint16_t proto, const uint8_t *info, size_t len)
{
	uint8_t f[1600];

	(void)ctx;
	if (len + 4 > sizeof(f))
		return;
	if (proto == LNS_PPP_PAP && len >= 1) {
		pap_ack_sent += info[0] == 2;
		pap_nak_sent += info[0] == 3;
	}
	/* the peer's IP-Address we Ack is the address it will use */
	if (proto == LNS_PPP_IPCP && len >= 4 && info[0] == 2) {
		for (size_t i = 4; i + 6 <= len && info[i + 1] >= 2; i += info[i + 1])
			if (info[i] == 3 && info[i + 1] == 6)
				memcpy(&acked_peer_addr, info + i + 2, 4);
			else if (info[i] == 129 && info[i + 1] == 6)
				memcpy(&acked_dns, info + i + 2, 4);
	}
	if (getenv("PPP_TRACE")) {
		fprintf(stderr, "-> %04x", proto);
		for (size_t i = 0; i < len && i < 40; i++)
			fprintf(stderr, " %02x", info[i]);
		fprintf(stderr, "\n");
	}
	f[0] = 0xff; f[1] = 0x03; f[2] = (uint8_t)(proto >> 8); f[3] = (uint8_t)proto;
	memcpy(f + 4, info, len);
	hdlc_write(f, len + 4);
}

static int
op_up(void *ctx, uint32_t addr)
{
	(void)ctx;
	ups++;
	up_addr = addr;
	return 0;
}

static void
op_down(void *ctx, int reason, const char *text)
{
	(void)ctx;
	downs++;
	down_reason = reason;
	fprintf(stderr, "session down: %s (%s)\n", lns_ppp_down_reason_name((unsigned)reason), text);
}

static const struct lns_ppp_ops ops = { .send = op_send, .up = op_up, .down = op_down };

static uint16_t
ip_sum(const uint8_t *p, size_t len)
{
	uint32_t s = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* IPv4/UDP from us (the gateway side) to 10.0.2.2:echo_port */
static void
send_udp_probe(void)
{
	uint8_t f[4 + 20 + 8 + 16];
	uint8_t *ip = f + 4, *u = ip + 20;
	const char *msg = "lnsd-ppp-probe!";
	uint32_t dst = inet_addr("10.0.2.2");

	memset(f, 0, sizeof(f));
	f[0] = 0xff; f[1] = 0x03; f[2] = 0x00; f[3] = 0x21;
	ip[0] = 0x45;
	ip[2] = 0; ip[3] = 20 + 8 + 16;
	ip[8] = 64; ip[9] = 17;
	memcpy(ip + 12, &gw_addr, 4);
	memcpy(ip + 16, &dst, 4);
	{
		uint16_t c = ip_sum(ip, 20);

		ip[10] = (uint8_t)(c >> 8); ip[11] = (uint8_t)c;
	}
	u[0] = 0x30; u[1] = 0x39;                       /* source port 12345 */
	u[2] = (uint8_t)(echo_port >> 8); u[3] = (uint8_t)echo_port;
	u[5] = 8 + 16;                                  /* checksum 0: none (RFC 768) */
	memcpy(u + 8, msg, 16);
	hdlc_write(f, sizeof(f));
}

/* a PPP frame from slirp: IPv4 is checked here, the rest goes to lib/ppp */
static void
frame_in(const uint8_t *f, size_t len)
{
	size_t off = (len >= 2 && f[0] == 0xff && f[1] == 0x03) ? 2 : 0;
	uint16_t proto;

	if (len < off + 1)
		return;
	proto = f[off] & 1 ? f[off] : (uint16_t)(f[off] << 8 | (len > off + 1 ? f[off + 1] : 0));
	if (proto == 0x0021) {
		const uint8_t *ip = f + off + (f[off] & 1 ? 1 : 2);
		size_t il = len - (size_t)(ip - f);

		if (il >= 28 + 16 && ip[9] == 17 && memcmp(ip + 12, "\x0a\x00\x02\x02", 4) == 0 &&
		    memcmp(ip + 16, &gw_addr, 4) == 0 && memcmp(ip + 28, "lnsd-ppp-probe!", 16) == 0)
			echo_ok = 1;
		return;
	}
	if (getenv("PPP_TRACE")) {
		fprintf(stderr, "<- ");
		for (size_t i = 0; i < len && i < 44; i++)
			fprintf(stderr, " %02x", f[i]);
		fprintf(stderr, "\n");
	}
	lns_ppp_input(sess, f, len, now_ms());
}

static uint8_t rbuf[4096];
static size_t rlen;
static int resc;

static void
hdlc_read(void)
{
	uint8_t b[2048];
	ssize_t n = read(mfd, b, sizeof(b));

	if (n <= 0)
		return;
	for (ssize_t i = 0; i < n; i++) {
		uint8_t c = b[i];

		if (c == 0x7e) {
			/* a frame: at least address+control+protocol+FCS, good FCS (§C.2) */
			if (rlen >= 4 && fcs16(0xffff, rbuf, rlen) == 0xf0b8)
				frame_in(rbuf, rlen - 2);
			rlen = 0;
			resc = 0;
		} else if (c == 0x7d) {
			resc = 1;
		} else if (rlen < sizeof(rbuf)) {
			rbuf[rlen++] = resc ? c ^ 0x20 : c;
			resc = 0;
		}
	}
}

static void
echo_serve(void)
{
	uint8_t b[512];
	struct sockaddr_in from;
	socklen_t fl = sizeof(from);
	ssize_t n = recvfrom(udp, b, sizeof(b), 0, (struct sockaddr *)&from, &fl);

	if (n > 0)
		sendto(udp, b, (size_t)n, 0, (struct sockaddr *)&from, fl);
}

int
main(int argc, char **argv)
{
	static struct lns_conf conf;
	static struct lns_user_conf user;
	struct lns_ppp_stats stats;
	struct lns_ppp_env env;
	struct lns_timers *timers;
	struct lns_pools *pools;
	struct lns_authenticator *auth;
	bool badpw = argc > 1 && strcmp(argv[1], "badpw") == 0;
	const char *slirp = getenv("SLIRP") ? getenv("SLIRP") : "slirp-fullbolt";
	uint64_t deadline, probe_at = 0;
	int probes = 0;

	/* a config like lnsd's: PAP only, one user, one pool, one DNS */
	snprintf(conf.l2tp.host_name, sizeof(conf.l2tp.host_name), "lnsd");
	conf.ppp.auth[0] = LNS_AUTH_PAP;
	conf.ppp.n_auth = 1;
	conf.ppp.mru = 1400;
	conf.ppp.keepalive_interval = 5;
	conf.ppp.keepalive_failures = 3;
	conf.ppp.auth_retries = 1;
	conf.ppp.dns[0] = inet_addr("10.0.2.3");
	snprintf(conf.ppp.default_pool, sizeof(conf.ppp.default_pool), "subs");
	snprintf(conf.ppp.pools[0].name, sizeof(conf.ppp.pools[0].name), "subs");
	conf.ppp.pools[0].first = inet_addr("100.64.7.10");
	conf.ppp.pools[0].last = inet_addr("100.64.7.20");
	conf.ppp.n_pools = 1;
	snprintf(user.name, sizeof(user.name), "slirpuser");
	snprintf(user.password.value, sizeof(user.password.value), "s3cret-pw");
	user.password.len = 9;
	user.password.set = true;
	conf.ppp.users = &user;
	conf.ppp.n_users = 1;

	/* UDP echo on 127.0.0.1: slirp maps 10.0.2.2 to the host's loopback */
	{
		struct sockaddr_in a = { .sin_family = AF_INET };
		socklen_t al = sizeof(a);

		udp = socket(AF_INET, SOCK_DGRAM, 0);
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		CHECK(bind(udp, (struct sockaddr *)&a, sizeof(a)) == 0, "bind");
		getsockname(udp, (struct sockaddr *)&a, &al);
		echo_port = ntohs(a.sin_port);
	}
	/* the UAFILE: user, then password (PEERS.md) */
	{
		int fd;
		FILE *f;

		snprintf(uafile, sizeof(uafile), "/tmp/ppp_ua_XXXXXX");
		fd = mkstemp(uafile);
		CHECK(fd >= 0, "mkstemp");
		f = fdopen(fd, "w");
		fprintf(f, "slirpuser\n%s\n", badpw ? "wrong-pw" : "s3cret-pw");
		fclose(f);
	}
	mfd = posix_openpt(O_RDWR | O_NOCTTY);
	CHECK(mfd >= 0 && grantpt(mfd) == 0 && unlockpt(mfd) == 0, "pty");
	{
		const char *sn = ptsname(mfd);
		int sfd = open(sn, O_RDWR | O_NOCTTY);
		struct termios t;

		CHECK(sfd >= 0, "open %s", sn);
		tcgetattr(sfd, &t);
		cfmakeraw(&t);
		tcsetattr(sfd, TCSANOW, &t);
		child = fork();
		CHECK(child >= 0, "fork");
		if (child == 0) {
			dup2(sfd, 0);
			dup2(sfd, 1);
			close(mfd);
			execlp(slirp, slirp, "ppp", "initiate-options", "ipcp-accept-remote", "+ua",
			       uafile, "mtu 1400", (char *)NULL);
			_exit(127);
		}
		close(sfd);
	}

	memset(&stats, 0, sizeof(stats));
	timers = lns_timers_create(16);
	pools = lns_pools_create(&conf);
	auth = lns_auth_local_create(&conf);
	CHECK(timers && pools && auth, "setup");
	gw_addr = inet_addr("10.0.2.15");
	env = (struct lns_ppp_env){ .conf = &conf, .timers = timers, .pools = pools,
				    .auth = auth, .local_addr = gw_addr, .stats = &stats };
	sess = lns_ppp_create(&env, &ops, NULL, now_ms());
	CHECK(sess, "lns_ppp_create");

	deadline = now_ms() + 25000;
	while (now_ms() < deadline) {
		struct pollfd pf[2] = { { .fd = mfd, .events = POLLIN }, { .fd = udp, .events = POLLIN } };

		poll(pf, 2, 50);
		if (pf[0].revents & POLLIN)
			hdlc_read();
		if (pf[1].revents & POLLIN)
			echo_serve();
		lns_timers_run(timers, now_ms());
		if (badpw && downs)
			break;
		if (!badpw && ups && !echo_ok && probes < 20 && now_ms() >= probe_at) {
			send_udp_probe();
			probes++;
			probe_at = now_ms() + 500;
		}
		if (!badpw && echo_ok)
			break;
	}
	{
		struct lns_ppp_info inf;
		char a[INET_ADDRSTRLEN] = "-";

		lns_ppp_get_info(sess, &inf);
		inet_ntop(AF_INET, &inf.addr, a, sizeof(a));
		fprintf(stderr, "phase=%s user=%s auth=%s addr=%s lcp=%s ipcp=%s pap_ack=%d pap_nak=%d echo=%d\n",
			inf.phase, inf.user, inf.auth_method, a, inf.lcp_state, inf.ipcp_state,
			pap_ack_sent, pap_nak_sent, echo_ok);
	}
	if (badpw) {
		CHECK(pap_nak_sent >= 1 && pap_ack_sent == 0, "PAP Nak expected");
		CHECK(downs == 1, "session should be down");
		CHECK(down_reason == LNS_PPP_DOWN_AUTH_FAILED || down_reason == LNS_PPP_DOWN_PEER_TERMINATE,
		      "down reason %d", down_reason);
		CHECK(stats.c[LNS_PPP_STAT_AUTH_FAIL_PAP] == 1, "auth-fail counter");
		CHECK(ups == 0, "no IPCP up");
	} else {
		CHECK(pap_ack_sent >= 1, "PAP Ack");
		CHECK(ups == 1, "IPCP up");
		CHECK(up_addr == inet_addr("100.64.7.10"), "pool address");
		CHECK(acked_peer_addr == up_addr, "slirp uses the pool address");
		CHECK(echo_ok, "UDP echo through slirp's NAT");
		CHECK(downs == 0, "no down");
	}
	lns_ppp_destroy(sess);
	CHECK(lns_pools_available(pools, 0) == 11, "address released");
	lns_auth_local_free(auth);
	lns_pools_free(pools);
	lns_timers_free(timers);
	cleanup();
	printf("ok %s\n", badpw ? "badpw" : "ok");
	return 0;
}
