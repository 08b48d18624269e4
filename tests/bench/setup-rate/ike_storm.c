/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ike_storm: many IKEv1 initiators at once (Main Mode with PSK, then Quick Mode
 * for one ESP SA pair, AES-CBC-128 + SHA-256 for phase 1, AES-GCM-128 transport
 * for ESP), to measure how many MM+QM exchanges per second an LNS completes, and,
 * in the same run, how many Diffie-Hellman exchanges OpenSSL alone does on one core
 * (one key generation and one shared-secret derivation each: the responder's DH
 * work in one Main Mode).
 *
 *   ike_storm -s LNS_ADDR -k PSK [-g modp2048|ecp256] [-n EXCHANGES] [-w WINDOW]
 *             [-t TIMEOUT_S] [-D DH_SECONDS] [-a FIRST_LOCAL_ADDR -A COUNT] [-P LNSD_PID]
 *
 * Each exchange uses its own UDP socket (its own source port: a new client, not a
 * renewal of another's connection). The initiator's messages are built with the
 * test initiator of tests/unit/ike (lib/ike's codec and primitives, checked
 * against independent vectors in test_ike_crypto.c); the DH baseline calls
 * OpenSSL's EVP API directly, not lib/ike's wrappers, so that an inefficiency
 * there shows in the ratio instead of hiding in it.
 *
 * The initiators' own DH (a key pair per exchange and a derivation) runs on the
 * same machine: on a small box it competes with the LNS for CPU (reported).
 *
 * Output:
 *   ike group=G exchanges=N done=N failed=N secs=S rate=R retransmits=N ctl_cpu_us=U ctl_cpu_rate=C
 * (with -P LNSD_PID: lnsd's control-thread CPU per exchange and its inverse, the
 * rate a dedicated control core would allow; comparable with dh_only, which is
 * also one core's rate)
 *   dh_only group=G secs=S rate=R   (per second of CPU time of one thread)
 * Exit status: 0 when every exchange completed, 1 otherwise, 2 usage.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#include "ike/initiator.h"
#pragma GCC diagnostic pop

#define RTO_NS 2000000000ull
#define TRIES 5

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

enum { X_IDLE, X_MM2, X_MM4, X_MM6, X_QM2, X_DONE, X_FAILED };

struct xchg {
	int fd;
	uint32_t addr;          /* our address, network order */
	int state;
	int tries;
	uint64_t sent;
	struct ini s;
	struct ike_buf out;
};

static struct sockaddr_in lns;
/* Source addresses: lnsd's IKE admits 10 new ISAKMP SAs a second per source
 * address (burst 20); a storm from one address would measure that limit, so
 * exchanges take addresses in turn from [first, first + count) */
static uint32_t addr_first, addr_count = 1;
static const char *psk;
static int group = IKE_GROUP_MODP2048;
static unsigned long retx;

static void
xsend(struct xchg *x)
{
	(void)send(x->fd, x->out.b, x->out.len, MSG_DONTWAIT);
	x->sent = now_ns();
}

/* Quick Mode 1: one proposal, AES-GCM-128 in transport mode, ids udp/1701 */
static void
qm1(struct ini *s, struct ike_buf *m, uint32_t x_addr)
{
	size_t h, sa, p, t;
	uint8_t id[8];

	ike_random(&s->msgid, 4);
	s->msgid |= 1;
	ike_random(&s->spi_i, 4);
	s->spi_i |= 0x100;
	ike_random(s->qni, sizeof(s->qni));
	ike_buf_init(m, s->icky, s->rcky, IKE_EXCH_QUICK, 0, s->msgid);
	h = ini_hash_begin(s, m);
	sa = ike_buf_pl_begin(m, IKE_PL_SA);
	ike_buf_u32(m, IKE_DOI_IPSEC);
	ike_buf_u32(m, IKE_SIT_IDENTITY);
	p = m->len;
	ike_buf_u32(m, 0);
	ike_buf_u8(m, 1);
	ike_buf_u8(m, IKE_PROTO_ESP);
	ike_buf_u8(m, 4);
	ike_buf_u8(m, 1);
	ike_buf_u32(m, s->spi_i);
	t = m->len;
	ike_buf_u32(m, 0);
	ike_buf_u8(m, 1);
	ike_buf_u8(m, IKE_ESP_AES_GCM16);
	ike_buf_u16(m, 0);
	ike_buf_attr(m, IKE_A2_LIFE_TYPE, IKE_LIFE_SECONDS);
	ike_buf_attr(m, IKE_A2_LIFE_DUR, 3600);
	ike_buf_attr(m, IKE_A2_ENCAP, IKE_ENCAP_TRANSPORT);
	ike_buf_attr(m, IKE_A2_KEYLEN, 128);
	ike_put16(m->b + t + 2, (uint16_t)(m->len - t));
	ike_put16(m->b + p + 2, (uint16_t)(m->len - p));
	ike_buf_pl_end(m, sa);
	ike_buf_pl(m, IKE_PL_NONCE, s->qni, sizeof(s->qni));
	id[0] = IKE_ID_IPV4_ADDR;
	id[1] = 17;
	ike_put16(id + 2, 1701);
	memcpy(id + 4, &x_addr, 4);
	ike_buf_pl(m, IKE_PL_ID, id, 8);
	memcpy(id + 4, &lns.sin_addr.s_addr, 4);
	ike_buf_pl(m, IKE_PL_ID, id, 8);
	ike_p2_iv(s->h, s->p1_last, s->block, s->msgid, s->qiv);
	ini_p2_finish(s, m, h, NULL, 0, s->qiv);
}

/* Check QM2's HASH(2) and build QM3 (RFC 2409 §5.5). 0 on success. */
static int
qm2_qm3(struct ini *s, const uint8_t *msg, size_t len, struct ike_buf *m)
{
	struct ike_pls pls;
	const struct ike_pl *nr;
	uint8_t mid[4], want[IKE_HASH_MAX], h3[IKE_HASH_MAX], *p;
	static const uint8_t zero;
	int rc = -1;

	p = ini_decrypt(s, msg, len, s->qiv, &pls);
	if (p == NULL)
		return -1;
	ike_put32(mid, s->msgid);
	if (pls.n > 0 && pls.p[0].type == IKE_PL_HASH && pls.p[0].len == s->k.len) {
		const uint8_t *rest = pls.p[0].body + pls.p[0].len;
		struct ike_iov v[3] = { { mid, 4 }, { s->qni, sizeof(s->qni) },
					{ rest, (size_t)(pls.p[0].raw + pls.used - rest) } };

		ike_prf(s->h, s->k.a, s->k.len, v, 3, want);
		nr = ike_pls_find(&pls, IKE_PL_NONCE, 0);
		if (memcmp(want, pls.p[0].body, s->k.len) == 0 && nr && nr->len <= sizeof(s->qnr)) {
			memcpy(s->qnr, nr->body, nr->len);
			s->qnr_len = nr->len;
			rc = 0;
		}
	}
	free(p);
	if (rc)
		return rc;
	struct ike_iov v[4] = { { &zero, 1 }, { mid, 4 }, { s->qni, sizeof(s->qni) },
				{ s->qnr, s->qnr_len } };
	ike_prf(s->h, s->k.a, s->k.len, v, 4, h3);
	ike_buf_init(m, s->icky, s->rcky, IKE_EXCH_QUICK, 0, s->msgid);
	ike_buf_pl(m, IKE_PL_HASH, h3, s->k.len);
	ini_encrypt(s, m, s->qiv);
	return 0;
}

static int
xstart(struct xchg *x, unsigned int seq)
{
	struct sockaddr_in me = { .sin_family = AF_INET };
	socklen_t ml = sizeof(me);

	memset(&x->s, 0, sizeof(x->s));
	x->s.group = group;
	x->s.enc = IKE_ENC_AES_CBC;
	x->s.keybits = 128;
	x->s.hashalg = IKE_HASHALG_SHA256;
	x->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	if (x->fd < 0)
		return -1;
	if (addr_first != 0) {
		me.sin_addr.s_addr = htonl(addr_first + seq % addr_count);
		if (bind(x->fd, (struct sockaddr *)&me, sizeof(me)) < 0) {
			perror("ike_storm: bind");
			close(x->fd);
			return -1;
		}
	}
	if (connect(x->fd, (struct sockaddr *)&lns, sizeof(lns)) < 0 ||
	    getsockname(x->fd, (struct sockaddr *)&me, &ml) < 0) {
		close(x->fd);
		return -1;
	}
	x->addr = me.sin_addr.s_addr;
	x->tries = 0;
	ini_mm1(&x->s, &x->out, false);
	x->state = X_MM2;
	xsend(x);
	return 0;
}

static void
xend(struct xchg *x, int state)
{
	if (x->s.dh)
		ike_dh_free(x->s.dh);
	x->s.dh = NULL;
	close(x->fd);
	x->fd = -1;
	x->state = state;
}

/* one message from the responder; returns 1 when the exchange is complete */
static int
xinput(struct xchg *x, const uint8_t *b, size_t n)
{
	if (n < IKE_HDR_LEN || memcmp(b, x->s.icky, 8) != 0)
		return 0;
	switch (x->state) {
	case X_MM2:
		if (b[18] != IKE_EXCH_ID_PROT || b[16] != IKE_PL_SA)
			return 0;
		memcpy(x->s.rcky, b + 8, 8);
		ini_mm3(&x->s, &x->out, 0, 0, 0, false, false);
		x->state = X_MM4;
		break;
	case X_MM4:
		if (b[16] != IKE_PL_KE || ini_mm4(&x->s, b, n, psk) != 0)
			return 0;
		/* no INITIAL-CONTACT: every initiator has the same ID, and that notify
		 * would tell the LNS to drop the others' SAs (RFC 2407 §4.6.3.3) */
		ini_mm5(&x->s, &x->out, IKE_ID_IPV4_ADDR, &x->addr, 4, false);
		x->state = X_MM6;
		break;
	case X_MM6:
		if (b[18] != IKE_EXCH_ID_PROT || ini_mm6(&x->s, b, n) != 0)
			return 0;
		qm1(&x->s, &x->out, x->addr);
		x->state = X_QM2;
		break;
	case X_QM2:
		if (b[18] != IKE_EXCH_QUICK || ike_get32(b + 20) != x->s.msgid ||
		    qm2_qm3(&x->s, b, n, &x->out) != 0)
			return 0;
		xsend(x);
		return 1;
	default:
		return 0;
	}
	x->tries = 0;
	xsend(x);
	return 0;
}


/* CPU time (ns) the LNS's thread TID of process PID has run, from schedstat; 0
 * when unknown. The control lcore is lnsd's main thread (TID = PID). */
static int lns_pid;

static uint64_t
lns_cpu_ns(void)
{
	char path[64];
	unsigned long long ns = 0;
	FILE *f;

	if (lns_pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/task/%d/schedstat", lns_pid, lns_pid);
	f = fopen(path, "r");
	if (f == NULL)
		return 0;
	if (fscanf(f, "%llu", &ns) != 1)
		ns = 0;
	fclose(f);
	return ns;
}

/* ------------------------------------------------ OpenSSL-only baseline --- */

static EVP_PKEY *
keygen(EVP_PKEY_CTX *kctx)
{
	EVP_PKEY *k = NULL;

	if (EVP_PKEY_keygen(kctx, &k) <= 0)
		return NULL;
	return k;
}

static uint64_t
cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* DH exchanges (key pair + derive against a fixed peer) per second of this
 * thread's CPU time: one core's rate, whoever else shares the machine (the
 * same measure as lnsd's ctl_cpu_rate) */
static double
dh_only(double secs)
{
	const char *alg = group == IKE_GROUP_ECP256 ? "EC" : "DH";
	const char *name = group == IKE_GROUP_ECP256 ? "P-256" : "modp_2048";
	EVP_PKEY_CTX *kctx = EVP_PKEY_CTX_new_from_name(NULL, alg, NULL);
	EVP_PKEY *peer;
	uint64_t c0, end;
	unsigned long n = 0;
	uint8_t secret[512];

	if (kctx == NULL || EVP_PKEY_keygen_init(kctx) <= 0 ||
	    EVP_PKEY_CTX_set_group_name(kctx, name) <= 0)
		return -1;
	peer = keygen(kctx);
	if (peer == NULL)
		return -1;
	c0 = cpu_ns();
	end = now_ns() + (uint64_t)(secs * 1e9);
	while (now_ns() < end) {
		EVP_PKEY *k = keygen(kctx);
		EVP_PKEY_CTX *d = EVP_PKEY_CTX_new_from_pkey(NULL, k, NULL);
		size_t sl = sizeof(secret);

		if (k == NULL || d == NULL || EVP_PKEY_derive_init(d) <= 0 ||
		    EVP_PKEY_derive_set_peer(d, peer) <= 0 || EVP_PKEY_derive(d, secret, &sl) <= 0)
			return -1;
		EVP_PKEY_CTX_free(d);
		EVP_PKEY_free(k);
		n++;
	}
	EVP_PKEY_free(peer);
	EVP_PKEY_CTX_free(kctx);
	return (double)n / ((double)(cpu_ns() - c0) / 1e9);
}

static void
usage(void)
{
	fprintf(stderr, "usage: ike_storm -s LNS_ADDR -k PSK [-g modp2048|ecp256] [-n N] "
			"[-w WINDOW] [-t TIMEOUT_S] [-D DH_SECONDS] [-a FIRST_ADDR -A COUNT]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	unsigned int want = 200, window = 16, timeout_s = 120, started = 0, done = 0, failed = 0;
	double dh_secs = 3;
	const char *gname = "modp2048";
	struct xchg *xs;
	struct pollfd *pf;
	uint64_t t0, t1, deadline, cpu0, cpu1;
	int c;

	lns.sin_family = AF_INET;
	lns.sin_port = htons(500);
	while ((c = getopt(argc, argv, "s:k:g:n:w:t:D:a:A:P:")) != -1) {
		switch (c) {
		case 's':
			if (inet_pton(AF_INET, optarg, &lns.sin_addr) != 1)
				usage();
			break;
		case 'k': psk = optarg; break;
		case 'g':
			gname = optarg;
			if (strcmp(optarg, "modp2048") == 0)
				group = IKE_GROUP_MODP2048;
			else if (strcmp(optarg, "ecp256") == 0)
				group = IKE_GROUP_ECP256;
			else
				usage();
			break;
		case 'n': want = (unsigned int)strtoul(optarg, NULL, 10); break;
		case 'w': window = (unsigned int)strtoul(optarg, NULL, 10); break;
		case 't': timeout_s = (unsigned int)strtoul(optarg, NULL, 10); break;
		case 'D': dh_secs = strtod(optarg, NULL); break;
		case 'a': {
			struct in_addr a;

			if (inet_pton(AF_INET, optarg, &a) != 1)
				usage();
			addr_first = ntohl(a.s_addr);
			break;
		}
		case 'A': addr_count = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'P': lns_pid = atoi(optarg); break;
		default: usage();
		}
	}
	if (lns.sin_addr.s_addr == 0 || psk == NULL || want == 0 || window == 0 ||
	    window > 4096 || addr_count == 0)
		usage();
	xs = calloc(window, sizeof(*xs));
	pf = calloc(window, sizeof(*pf));
	if (xs == NULL || pf == NULL)
		return 2;
	for (unsigned int i = 0; i < window; i++) {
		xs[i].fd = -1;
		xs[i].state = X_IDLE;
	}

	cpu0 = lns_cpu_ns();
	t0 = now_ns();
	deadline = t0 + (uint64_t)timeout_s * 1000000000ull;
	while (done + failed < want && now_ns() < deadline) {
		uint64_t now;

		for (unsigned int i = 0; i < window; i++) {
			struct xchg *x = &xs[i];

			if (x->fd < 0 && started < want) {
				started++;
				if (xstart(x, started) < 0) {
					failed++;
					x->fd = -1;
				}
			}
			pf[i].fd = x->fd;
			pf[i].events = POLLIN;
			pf[i].revents = 0;
		}
		if (poll(pf, window, 10) < 0 && errno != EINTR)
			break;
		now = now_ns();
		for (unsigned int i = 0; i < window; i++) {
			struct xchg *x = &xs[i];
			uint8_t b[IKE_MSG_MAX];

			if (x->fd < 0)
				continue;
			if (pf[i].revents & POLLIN) {
				ssize_t r;

				while ((r = recv(x->fd, b, sizeof(b), MSG_DONTWAIT)) > 0) {
					if (xinput(x, b, (size_t)r)) {
						done++;
						xend(x, X_DONE);
						break;
					}
				}
				if (x->fd < 0)
					continue;
			}
			if (now > x->sent + RTO_NS) {
				if (++x->tries > TRIES) {
					failed++;
					xend(x, X_FAILED);
					continue;
				}
				retx++;
				xsend(x);
			}
		}
	}
	t1 = now_ns();
	cpu1 = lns_cpu_ns();
	printf("ike group=%s exchanges=%u done=%u failed=%u secs=%.3f rate=%.1f retransmits=%lu "
	       "ctl_cpu_us=%.1f ctl_cpu_rate=%.1f\n",
	       gname, want, done, failed, (double)(t1 - t0) / 1e9,
	       done / ((double)(t1 - t0) / 1e9), retx,
	       done && cpu1 ? (double)(cpu1 - cpu0) / 1e3 / done : 0,
	       cpu1 > cpu0 ? done / ((double)(cpu1 - cpu0) / 1e9) : 0);
	fflush(stdout);
	printf("dh_only group=%s secs=%.1f rate=%.1f\n", gname, dh_secs, dh_only(dh_secs));
	return done == want ? 0 : 1;
}
