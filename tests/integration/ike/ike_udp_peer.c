/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ike_udp_peer: lib/ike over real UDP sockets on ports 500 and 4500, so that a
 * real IKEv1 initiator (strongSwan charon, test_ike.sh) can talk to it.
 *
 *   ike_udp_peer -a LOCAL_ADDR -l LOGFILE -k PSK [-I ike,algs] [-E esp,algs]
 *                [-d DPD_INTERVAL_S] [-t DPD_TIMEOUT_S] [-P]
 *                [-C CERTDIR [-D PEER_DN]] [-F FRAGMENT_SIZE]
 *
 * -C: certificates (lns.pem, lns.key (RSA or EC), ca.pem, and ca.crl when present in CERTDIR)
 * and one cert-peers entry for every address: any ID, or only PEER_DN (-D).
 *
 * Every callback writes one line to LOGFILE (the test script greps it):
 *   conn_up conn=N peer=A id=ID
 *   child_up conn=N spi_in=X spi_out=X alg=NAME mode=tunnel|transport encap=0|1
 *            peer=A:P local_port=P key_in=HEX key_out=HEX auth_in=HEX auth_out=HEX
 *   child_down conn=N spi_in=X
 *   conn_down conn=N why=TEXT
 *   counters name=value ...        (on SIGUSR2 and at exit)
 *   event NAME DETAIL               (lib/ike's event log)
 * SIGUSR1 calls lns_ike_disconnect() for every live connection; SIGTERM exits.
 * This is a test tool: it prints keys on purpose (lnsd never does).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "lns_evlog.h"
#include "lns_ike.h"

#define MAX_CONNS 64

static volatile sig_atomic_t sig_term, sig_usr1, sig_usr2;
static FILE *outf;
static int fd500 = -1, fd4500 = -1;
static struct lns_conf conf;
static uint32_t conns[MAX_CONNS];
static unsigned int n_conns;

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
on_signal(int s)
{
	if (s == SIGUSR1)
		sig_usr1 = 1;
	else if (s == SIGUSR2)
		sig_usr2 = 1;
	else
		sig_term = 1;
}

static const char *
ip_str(uint32_t a, char *b)
{
	return inet_ntop(AF_INET, &a, b, INET_ADDRSTRLEN);
}

static void
hex(char *out, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
	out[2 * n] = 0;
}

static void
op_send(void *ctx, uint32_t peer, uint16_t peer_port, uint16_t local_port,
	const uint8_t *msg, size_t len)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(peer_port),
				  .sin_addr.s_addr = peer };
	uint8_t buf[65536];
	int fd = local_port == LNS_IKE_NATT_PORT ? fd4500 : fd500;
	size_t off = 0;

	(void)ctx;
	if (local_port == LNS_IKE_NATT_PORT) {
		/* RFC 3948 §2.2: the non-ESP marker tells IKE from ESP on 4500 */
		memset(buf, 0, 4);
		off = 4;
	}
	if (len + off > sizeof(buf))
		return;
	memcpy(buf + off, msg, len);
	if (sendto(fd, buf, len + off, 0, (struct sockaddr *)&to, sizeof(to)) < 0)
		fprintf(outf, "send_error errno=%d\n", errno);
}

static int
op_child_up(void *ctx, const struct lns_ike_child *c)
{
	char a[INET_ADDRSTRLEN], ki[80], ko[80], ai[80], ao[80];

	(void)ctx;
	hex(ki, c->key_in, c->key_len);
	hex(ko, c->key_out, c->key_len);
	hex(ai, c->auth_in, c->auth_len);
	hex(ao, c->auth_out, c->auth_len);
	fprintf(outf, "child_up conn=%u spi_in=%08x spi_out=%08x alg=%s mode=%s encap=%d "
		"peer=%s:%u local_port=%u key_in=%s key_out=%s auth_in=%s auth_out=%s "
		"life_s=%u life_kb=%llu\n", c->conn, c->spi_in, c->spi_out,
		lns_esp_alg_name((enum lns_esp_alg)c->alg),
		c->mode == LNS_MODE_TUNNEL ? "tunnel" : "transport", c->udp_encap ? 1 : 0,
		ip_str(c->peer, a), c->peer_port, c->local_port, ki, ko,
		c->auth_len ? ai : "-", c->auth_len ? ao : "-", c->life_s,
		(unsigned long long)c->life_kb);
	return 0;
}

static void
op_child_down(void *ctx, uint32_t conn, uint32_t spi_in)
{
	(void)ctx;
	fprintf(outf, "child_down conn=%u spi_in=%08x\n", conn, spi_in);
}

static void
op_conn_up(void *ctx, uint32_t conn, uint32_t peer, const char *peer_id)
{
	char a[INET_ADDRSTRLEN];

	(void)ctx;
	fprintf(outf, "conn_up conn=%u peer=%s id=%s\n", conn, ip_str(peer, a), peer_id);
	if (n_conns < MAX_CONNS)
		conns[n_conns++] = conn;
}

static void
forget_conn(uint32_t conn)
{
	for (unsigned int i = 0; i < n_conns; i++)
		if (conns[i] == conn) {
			conns[i] = conns[--n_conns];
			return;
		}
}

static void
op_conn_down(void *ctx, uint32_t conn, const char *why)
{
	(void)ctx;
	fprintf(outf, "conn_down conn=%u why=%s\n", conn, why);
	forget_conn(conn);
}

static void
dump_counters(const struct lns_ike *ike)
{
	uint64_t c[LNS_IKE_C_MAX];

	lns_ike_counters(ike, c);
	fprintf(outf, "counters");
	for (unsigned int i = 0; i < LNS_IKE_C_MAX; i++)
		fprintf(outf, " %s=%llu", lns_ike_counter_name(i), (unsigned long long)c[i]);
	fprintf(outf, "\n");
}

static int
bind_udp(uint32_t addr, uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port),
				   .sin_addr.s_addr = addr };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		perror("bind");
		exit(2);
	}
	return fd;
}

/* Comma-separated algorithm names -> enum values, via the conf name tables. */
static uint8_t
parse_algs(char *s, uint8_t *out, bool esp)
{
	uint8_t n = 0;

	for (char *t = strtok(s, ","); t; t = strtok(NULL, ",")) {
		unsigned int max = esp ? LNS_ESP_ALG_MAX : LNS_IKE_ALG_MAX, i;

		for (i = 0; i < max; i++)
			if (strcmp(t, esp ? lns_esp_alg_name((enum lns_esp_alg)i)
					  : lns_ike_alg_name((enum lns_ike_alg)i)) == 0)
				break;
		if (i == max || n == LNS_CONF_MAX_PROPOSALS) {
			fprintf(stderr, "unknown algorithm %s\n", t);
			exit(1);
		}
		out[n++] = (uint8_t)i;
	}
	return n;
}

static void
input(struct lns_ike *ike, int fd, uint16_t local_port)
{
	uint8_t buf[65536];
	struct sockaddr_in from;
	socklen_t fl = sizeof(from);
	ssize_t n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
	const uint8_t *p = buf;

	if (n <= 0)
		return;
	if (local_port == LNS_IKE_NATT_PORT) {
		/* 0xff alone is a NAT keepalive (RFC 3948 §2.3); a non-zero first
		 * word is ESP, which this program does not carry */
		if (n < 4 || memcmp(buf, "\0\0\0\0", 4) != 0) {
			if (n > 1)
				fprintf(outf, "esp_rx len=%zd\n", n);
			return;
		}
		p += 4;
		n -= 4;
	}
	lns_ike_input(ike, from.sin_addr.s_addr, ntohs(from.sin_port), local_port, p,
		      (size_t)n, now_ms());
}

/* -L C/H/G: ike-ciphers (enum lns_ike_cipher), ike-hashes, ike-groups as
 * comma-separated numbers, e.g. 0,1,2/4,5,6/14,20 */
static int
parse_lists(char *s, struct lns_ipsec_conf *ic)
{
	uint8_t *lists[3] = { ic->ike_ciphers, ic->ike_hashes, ic->ike_groups };
	uint8_t *ns[3] = { &ic->n_ike_ciphers, &ic->n_ike_hashes, &ic->n_ike_groups };
	char *part, *save = NULL;

	for (int i = 0; i < 3; i++) {
		char *tok, *save2 = NULL;

		part = strtok_r(i == 0 ? s : NULL, "/", &save);
		if (part == NULL)
			return -1;
		*ns[i] = 0;
		for (tok = strtok_r(part, ",", &save2); tok && *ns[i] < LNS_CONF_MAX_PROPOSALS;
		     tok = strtok_r(NULL, ",", &save2))
			lists[i][(*ns[i])++] = (uint8_t)strtoul(tok, NULL, 10);
	}
	return 0;
}

static void
event_sink(const struct lns_event *e, void *arg)
{
	(void)arg;
	fprintf(outf, "event %s %s\n", lns_ev_name(e->ev), e->detail);
}

/* -C DIR: the files lnsd would name in ipsec.certificates */
static int
set_certs(struct lns_ipsec_conf *ic, const char *dir, const char *dn)
{
	struct lns_cert_conf *c = &ic->certs;
	struct lns_cert_peer_conf *p = &ic->cert_peers[0];

	snprintf(c->cert_file, sizeof(c->cert_file), "%s/lns.pem", dir);
	snprintf(c->key_file, sizeof(c->key_file), "%s/lns.key", dir);
	snprintf(c->ca_file, sizeof(c->ca_file), "%s/ca.pem", dir);
	snprintf(c->crl_files[0], sizeof(c->crl_files[0]), "%s/ca.crl", dir);
	c->n_crls = access(c->crl_files[0], R_OK) == 0 ? 1 : 0;
	c->set = true;
	/* what lib/conf finds out when it loads the key: RSA or EC */
	{
		FILE *f = fopen(c->key_file, "r");
		char line[128];

		while (f != NULL && fgets(line, sizeof(line), f) != NULL)
			if (strstr(line, "BEGIN EC PRIVATE KEY") != NULL)
				c->key_auth = LNS_IKE_AUTH_ECDSA;
		if (f != NULL)
			fclose(f);
	}
	p->auth = c->key_auth;
	p->id_type = dn ? LNS_ID_DER_ASN1_DN : LNS_ID_ANY;
	if (dn)
		snprintf(p->id, sizeof(p->id), "%s", dn);
	ic->n_cert_peers = 1;
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct lns_ike_ops ops = { op_send, op_child_up, op_child_down,
						op_conn_up, op_conn_down, NULL };
	const char *addr = NULL, *logpath = NULL, *psk = NULL, *certdir = NULL, *peer_dn = NULL;
	struct lns_evlog *evlog;
	char *ike_algs = NULL, *esp_algs = NULL, *lists = NULL;
	char def_ike[] = "aes128-sha1-modp2048", def_esp[] = "aes128gcm16";
	struct lns_ipsec_conf *ic = &conf.ipsec;
	struct lns_timers *tm;
	struct lns_ike *ike;
	struct sigaction sa;
	uint32_t local;
	int o;

	ic->ike_lifetime = 28800;
	ic->esp_lifetime = 3600;
	ic->dpd_interval = 0;
	ic->dpd_timeout = 120;
	ic->max_half_open = 64;
	ic->fragmentation = true;
	ic->fragment_size = 1280;
	while ((o = getopt(argc, argv, "a:l:k:I:E:d:t:PL:M3C:D:F:")) != -1) {
		switch (o) {
		case 'a': addr = optarg; break;
		case 'l': logpath = optarg; break;
		case 'k': psk = optarg; break;
		case 'I': ike_algs = optarg; break;
		case 'E': esp_algs = optarg; break;
		case 'd': ic->dpd_interval = (uint16_t)strtoul(optarg, NULL, 10); break;
		case 't': ic->dpd_timeout = (uint16_t)strtoul(optarg, NULL, 10); break;
		case 'P': ic->pfs = true; break;
		case 'L': lists = optarg; break;
		case 'M': ic->allow_modp1024 = true; break;
		case '3': ic->allow_3des = true; break;
		case 'C': certdir = optarg; break;
		case 'D': peer_dn = optarg; break;
		case 'F': ic->fragment_size = (uint16_t)strtoul(optarg, NULL, 10); break;
		default:
			fprintf(stderr, "usage: %s -a ADDR -l LOG -k PSK [-I ike] [-E esp] "
				"[-d dpd_s] [-t dpd_timeout_s] [-P] [-L ciphers/hashes/groups] [-M] [-3]\n", argv[0]);
			return 1;
		}
	}
	if (addr == NULL || logpath == NULL || psk == NULL ||
	    inet_pton(AF_INET, addr, &local) != 1 || strlen(psk) >= LNS_CONF_SECRET_MAX)
		return 1;
	conf.ports[LNS_PORT_ACCESS].address.addr = local;
	conf.ports[LNS_PORT_ACCESS].address.len = 24;
	ic->n_ike_proposals = parse_algs(ike_algs ? ike_algs : def_ike, ic->ike_proposals, false);
	lns_ike_lists_from_suites(ic);
	if (lists != NULL && parse_lists(lists, ic) < 0)
		return 1;
	ic->n_esp_proposals = parse_algs(esp_algs ? esp_algs : def_esp, ic->esp_proposals, true);
	/* one group PSK for every peer (0.0.0.0/0) */
	memcpy(ic->psks[0].secret.value, psk, strlen(psk));
	ic->psks[0].secret.len = (uint16_t)strlen(psk);
	ic->psks[0].secret.set = true;
	ic->n_psks = 1;
	if (certdir != NULL)
		set_certs(ic, certdir, peer_dn);

	outf = fopen(logpath, "a");
	if (outf == NULL)
		return 1;
	setvbuf(outf, NULL, _IOLBF, 0);
	fd500 = bind_udp(local, LNS_IKE_PORT);
	fd4500 = bind_udp(local, LNS_IKE_NATT_PORT);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	tm = lns_timers_create(64);
	evlog = lns_evlog_create(256);
	if (evlog != NULL)
		lns_evlog_set_sink(evlog, event_sink, NULL);
	ike = tm ? lns_ike_create(&conf, &ops, NULL, tm, evlog) : NULL;
	if (ike == NULL)
		return 2;
	fprintf(outf, "ready\n");

	while (!sig_term) {
		struct pollfd pf[2] = { { fd500, POLLIN, 0 }, { fd4500, POLLIN, 0 } };
		uint64_t next = lns_timers_next(tm), now = now_ms();
		int tmo = next == LNS_TIMER_NEVER ? 1000 : next <= now ? 0
			: next - now > 1000 ? 1000 : (int)(next - now);

		if (poll(pf, 2, tmo) < 0 && errno != EINTR)
			break;
		if (pf[0].revents & POLLIN)
			input(ike, fd500, LNS_IKE_PORT);
		if (pf[1].revents & POLLIN)
			input(ike, fd4500, LNS_IKE_NATT_PORT);
		lns_timers_run(tm, now_ms());
		if (sig_usr1) {
			sig_usr1 = 0;
			while (n_conns) {
				uint32_t c = conns[--n_conns];

				fprintf(outf, "disconnect conn=%u rc=%d\n", c,
					lns_ike_disconnect(ike, c, now_ms()));
			}
		}
		if (sig_usr2) {
			sig_usr2 = 0;
			dump_counters(ike);
		}
	}
	dump_counters(ike);
	fprintf(outf, "exit\n");
	lns_ike_free(ike);
	lns_evlog_free(evlog);
	lns_timers_free(tm);
	fclose(outf);
	return 0;
}
