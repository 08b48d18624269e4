/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lns-trafgen: write Pktgen-ready pcaps of lnsd traffic from a config's static
 * provisioning. See usage() and app/lns-trafgen/README.md.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "trafgen.h"

#define MAX_SIZES 16
#define SIZE_IMIX 0

/* Simple IMIX, 7:4:1 of 64/570/1400-byte inner IPv4, interleaved in a cycle of 12
 * so that any window of the replay sees the mix. */
static const uint16_t imix[12] = { 64, 570, 64, 64, 570, 64, 1400, 64, 570, 64, 64, 570 };

struct args {
	const char *conf, *dir;
	uint16_t sizes[MAX_SIZES];
	unsigned int n_sizes;
	int alg;                  /* enum lns_esp_alg, -1 = all */
	uint32_t per_sa;          /* packets per client (round-robin mode) */
	uint32_t random;          /* 0 = round robin; else packets at random */
	uint32_t sessions;        /* 0 = all; else only the first N sessions */
	bool up, down, quiet;
	struct tg_opts o;
};

static void
usage(FILE *f)
{
	fprintf(f,
"Usage: lns-trafgen -c CONFIG -o DIR [options]\n"
"Writes pcaps of lnsd traffic for the SAs, tunnels and sessions that CONFIG's\n"
"static: section provisions (derived exactly as lnsd derives them).\n"
"  -c, --config FILE        lnsd config (YAML)\n"
"  -o, --out DIR            output directory (created)\n"
"  -s, --sizes LIST         inner IPv4 sizes, 28..1500 or imix (7:4:1 of\n"
"                           64/570/1400); default 64,128,512,1400,imix\n"
"  -a, --alg NAME           only SAs of this algorithm (aes128gcm16, aes128-sha1, ...)\n"
"  -n, --packets-per-sa N   packets per client (SA copy or plain tunnel), round robin\n"
"                           over its sessions; default 8\n"
"  -d, --direction D        up, down or both (default both)\n"
"  -r, --random N           instead: N packets, each to a session drawn at random\n"
"  -S, --sessions N         only the first N sessions (with -r, or N*per-sa round robin)\n"
"  -m, --dst-mac MAC        destination MAC (lnsd's port); default broadcast\n"
"  -R, --remote ADDR        subscriber traffic peer; default 203.0.113.10\n"
"      --seed N             PRNG seed (CBC IVs, -r); default 1\n"
"  -q, --quiet              no table\n"
"Files: DIR/up-SIZE.pcap (access port), DIR/down-SIZE.pcap (core port),\n"
"DIR/arp-access.pcap and DIR/arp-core.pcap (one ARP request from every next hop\n"
"lnsd must resolve; replay them once before the traffic).\n");
}

static int
parse_u32(const char *s, uint32_t *v, uint32_t min, uint32_t max)
{
	char *end;
	unsigned long long x;

	errno = 0;
	x = strtoull(s, &end, 0);
	if (errno != 0 || *end != '\0' || end == s || x < min || x > max)
		return -1;
	*v = (uint32_t)x;
	return 0;
}

static int
parse_sizes(char *s, struct args *a)
{
	a->n_sizes = 0;
	for (char *save = NULL, *t = strtok_r(s, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		uint32_t v;

		if (a->n_sizes == MAX_SIZES)
			return -1;
		if (strcmp(t, "imix") == 0)
			v = SIZE_IMIX;
		else if (parse_u32(t, &v, TG_INNER_MIN, TG_INNER_MAX) != 0)
			return -1;
		a->sizes[a->n_sizes++] = (uint16_t)v;
	}
	return a->n_sizes ? 0 : -1;
}

static int
parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int b[6];
	char tail;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
		   &tail) != 6)
		return -1;
	for (int i = 0; i < 6; i++) {
		if (b[i] > 255)
			return -1;
		mac[i] = (uint8_t)b[i];
	}
	return 0;
}

static int
parse_alg(const char *s)
{
	for (int i = 0; i < LNS_ESP_ALG_MAX; i++)
		if (strcmp(s, lns_esp_alg_name((enum lns_esp_alg)i)) == 0)
			return i;
	return -1;
}

static int
parse_args(int argc, char **argv, struct args *a)
{
	static const struct option lo[] = {
		{ "config", required_argument, NULL, 'c' }, { "out", required_argument, NULL, 'o' },
		{ "sizes", required_argument, NULL, 's' }, { "alg", required_argument, NULL, 'a' },
		{ "packets-per-sa", required_argument, NULL, 'n' },
		{ "direction", required_argument, NULL, 'd' },
		{ "random", required_argument, NULL, 'r' },
		{ "sessions", required_argument, NULL, 'S' },
		{ "dst-mac", required_argument, NULL, 'm' },
		{ "remote", required_argument, NULL, 'R' },
		{ "seed", required_argument, NULL, 'x' },
		{ "quiet", no_argument, NULL, 'q' }, { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char defsizes[] = "64,128,512,1400,imix";
	uint32_t seed = 1;
	int c;

	memset(a, 0, sizeof(*a));
	a->alg = -1;
	a->per_sa = 8;
	a->up = a->down = true;
	memset(a->o.dst_mac, 0xff, 6);
	a->o.remote = htonl(TG_REMOTE_HOST);
	parse_sizes(defsizes, a);
	while ((c = getopt_long(argc, argv, "c:o:s:a:n:d:r:S:m:R:qh", lo, NULL)) != -1) {
		switch (c) {
		case 'c': a->conf = optarg; break;
		case 'o': a->dir = optarg; break;
		case 's':
			if (parse_sizes(optarg, a) != 0) {
				fprintf(stderr, "lns-trafgen: bad --sizes (28..1500 or imix)\n");
				return -1;
			}
			break;
		case 'a':
			if ((a->alg = parse_alg(optarg)) < 0) {
				fprintf(stderr, "lns-trafgen: unknown --alg '%s'\n", optarg);
				return -1;
			}
			break;
		case 'n':
			if (parse_u32(optarg, &a->per_sa, 1, 1u << 20) != 0) {
				fprintf(stderr, "lns-trafgen: bad --packets-per-sa\n");
				return -1;
			}
			break;
		case 'd':
			a->up = strcmp(optarg, "up") == 0 || strcmp(optarg, "both") == 0;
			a->down = strcmp(optarg, "down") == 0 || strcmp(optarg, "both") == 0;
			if (!a->up && !a->down) {
				fprintf(stderr, "lns-trafgen: --direction is up, down or both\n");
				return -1;
			}
			break;
		case 'r':
			if (parse_u32(optarg, &a->random, 1, 1u << 26) != 0) {
				fprintf(stderr, "lns-trafgen: bad --random\n");
				return -1;
			}
			break;
		case 'S':
			if (parse_u32(optarg, &a->sessions, 1, UINT32_MAX) != 0) {
				fprintf(stderr, "lns-trafgen: bad --sessions\n");
				return -1;
			}
			break;
		case 'm':
			if (parse_mac(optarg, a->o.dst_mac) != 0) {
				fprintf(stderr, "lns-trafgen: bad --dst-mac\n");
				return -1;
			}
			break;
		case 'R':
			if (inet_pton(AF_INET, optarg, &a->o.remote) != 1) {
				fprintf(stderr, "lns-trafgen: bad --remote\n");
				return -1;
			}
			break;
		case 'x':
			if (parse_u32(optarg, &seed, 0, UINT32_MAX) != 0) {
				fprintf(stderr, "lns-trafgen: bad --seed\n");
				return -1;
			}
			break;
		case 'q': a->quiet = true; break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return -1;
		}
	}
	a->o.seed = seed ? seed : 1;
	if (a->conf == NULL || a->dir == NULL || optind != argc) {
		usage(stderr);
		return -1;
	}
	return 0;
}

/* Session of the i-th packet. */
static const struct tg_session *
pick(const struct tg_plan *p, const struct args *a, uint64_t i, uint64_t *rng,
     const uint32_t *active, uint32_t n_active, uint32_t n_sess)
{
	if (a->random)
		return &p->sess[tg_rand(rng) % n_sess];
	if (a->sessions)
		return &p->sess[i % n_sess];
	{
		uint32_t c = active[i % n_active];
		uint64_t r = i / n_active;

		return &p->sess[p->order[p->client_first[c] + r % p->client_count[c]]];
	}
}

static void
row(const struct args *a, const char *name, const struct tg_pcap *pc, const char *inner)
{
	if (a->quiet || pc->n == 0)
		return;
	printf("%-20s %9llu %6s %6u %6u %8.1f %12llu\n", name, (unsigned long long)pc->n,
	       inner, pc->min_len, pc->max_len, (double)pc->bytes / (double)pc->n,
	       (unsigned long long)pc->bytes);
}

static int
write_arp(const struct args *a, const struct tg_plan *p)
{
	char path[PATH_MAX];
	uint8_t f[64];
	struct tg_pcap pc;
	int rc;

	snprintf(path, sizeof(path), "%s/arp-access.pcap", a->dir);
	if ((rc = tg_pcap_open(&pc, path)) != 0)
		return rc;
	for (uint32_t i = 0; rc == 0 && i < p->n_nexthops; i++)
		rc = tg_pcap_write(&pc, f, (uint32_t)tg_build_arp(p->nexthops[i], p->acc_addr,
								  f, sizeof(f)));
	if (tg_pcap_close(&pc) != 0 && rc == 0)
		rc = -EIO;
	row(a, "arp-access.pcap", &pc, "arp");
	if (rc != 0)
		return rc;
	snprintf(path, sizeof(path), "%s/arp-core.pcap", a->dir);
	if ((rc = tg_pcap_open(&pc, path)) != 0)
		return rc;
	if (p->core_gw != 0)
		rc = tg_pcap_write(&pc, f, (uint32_t)tg_build_arp(p->core_gw, p->core_addr, f,
								  sizeof(f)));
	if (tg_pcap_close(&pc) != 0 && rc == 0)
		rc = -EIO;
	row(a, "arp-core.pcap", &pc, "arp");
	return rc;
}

static int
write_traffic(struct args *a, struct tg_plan *p, bool up, uint16_t size)
{
	char path[PATH_MAX], name[32], inner[8];
	uint32_t *active, n_active = 0, n_sess = p->n_sess;
	uint64_t total, rng = a->o.seed;
	uint8_t f[TG_FRAME_MAX];
	struct tg_pcap pc;
	int rc;

	if (a->sessions && a->sessions < n_sess)
		n_sess = a->sessions;
	active = calloc(p->n_clients + 1, sizeof(uint32_t));
	if (active == NULL)
		return -ENOMEM;
	for (uint32_t c = 0; c < p->n_clients; c++)
		if (p->client_count[c] > 0)
			active[n_active++] = c;
	total = a->random ? a->random : a->sessions ? (uint64_t)a->per_sa * n_sess :
		(uint64_t)a->per_sa * n_active;
	if (size == SIZE_IMIX) {
		snprintf(inner, sizeof(inner), "imix");
		total = (total + 11) / 12 * 12;   /* whole cycles keep the 7:4:1 ratio */
	} else {
		snprintf(inner, sizeof(inner), "%u", size);
	}
	snprintf(name, sizeof(name), "%s-%s.pcap", up ? "up" : "down", inner);
	snprintf(path, sizeof(path), "%s/%s", a->dir, name);
	if ((rc = tg_pcap_open(&pc, path)) != 0) {
		free(active);
		return rc;
	}
	for (uint64_t i = 0; rc == 0 && i < total; i++) {
		const struct tg_session *s = pick(p, a, i, &rng, active, n_active, n_sess);
		uint16_t len = size == SIZE_IMIX ? imix[i % 12] : size;
		size_t fl = up ? tg_build_up(p, s, len, &a->o, f, sizeof(f)) :
				 tg_build_down(p, s, len, &a->o, f, sizeof(f));

		rc = fl ? tg_pcap_write(&pc, f, (uint32_t)fl) : -EINVAL;
	}
	if (tg_pcap_close(&pc) != 0 && rc == 0)
		rc = -EIO;
	free(active);
	if (rc != 0)
		fprintf(stderr, "lns-trafgen: %s: %s\n", path, strerror(-rc));
	row(a, name, &pc, inner);
	return rc;
}

int
main(int argc, char **argv)
{
	char err[LNS_CONF_ERR_MAX];
	struct lns_conf *conf;
	struct tg_plan plan;
	struct args a;
	int rc;

	if (parse_args(argc, argv, &a) != 0)
		return 2;
	conf = lns_conf_load(a.conf, err, sizeof(err));
	if (conf == NULL) {
		fprintf(stderr, "lns-trafgen: %s\n", err);
		return 1;
	}
	rc = tg_plan_build(conf, a.alg, &plan, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "lns-trafgen: %s\n", err);
		lns_conf_free(conf);
		return 1;
	}
	if (plan.n_sess == 0) {
		fprintf(stderr, "lns-trafgen: %s provisions no sessions%s\n", a.conf,
			a.alg >= 0 ? " with that --alg" : "");
		tg_plan_free(&plan);
		lns_conf_free(conf);
		return 1;
	}
	if (mkdir(a.dir, 0755) != 0 && errno != EEXIST) {
		fprintf(stderr, "lns-trafgen: %s: %s\n", a.dir, strerror(errno));
		tg_plan_free(&plan);
		lns_conf_free(conf);
		return 1;
	}
	if (!a.quiet) {
		printf("# %u SAs, %u sessions, %u clients; frame sizes exclude the 4-byte FCS\n",
		       plan.n_sas, plan.n_sess, plan.n_clients);
		printf("%-20s %9s %6s %6s %6s %8s %12s\n", "file", "packets", "inner", "min",
		       "max", "avg", "bytes");
	}
	rc = write_arp(&a, &plan);
	for (unsigned int i = 0; rc == 0 && i < a.n_sizes; i++) {
		if (a.up)
			rc = write_traffic(&a, &plan, true, a.sizes[i]);
		if (rc == 0 && a.down)
			rc = write_traffic(&a, &plan, false, a.sizes[i]);
	}
	tg_plan_free(&plan);
	lns_conf_free(conf);
	return rc == 0 ? 0 : 1;
}
