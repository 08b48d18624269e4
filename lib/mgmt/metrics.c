/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Prometheus text exposition (format 0.0.4) on metrics.listen, served by a
 * thread of its own: it reads the per-lcore counters (relaxed loads), ethdev
 * statistics and the table gauges, and asks the control lcore for the protocol
 * counters through the request ring. It never runs on a data-path core and never
 * touches control state itself.
 *
 * Names (README "Metrics"): lnsd_<counter>_total, lnsd_drops_total{stage,reason}
 * (reason "stage.reason", as lnsctl shows it),
 * lnsd_port_{rx,tx}_{packets,bytes}_total{port}, lnsd_lcore_*_total{lcore},
 * lnsd_l2tp_total{counter},
 * lnsd_ppp_total{counter}, lnsd_ike_total{counter}, gauges lnsd_tunnels{state},
 * lnsd_sessions, lnsd_dataplane_sessions, lnsd_sas{state}, lnsd_ike_sas{state},
 * lnsd_events_total, lnsd_up.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <rte_ethdev.h>
#include <rte_log.h>

#include "lns_dp.h"
#include "lns_req.h"
#include "lns_radius_client.h"
#include "lns_evlog.h"
#include "lns_ike.h"
#include "lns_l2tp.h"
#include "lns_mgmt.h"
#include "lns_ppp.h"

#define BODY_MAX (256 * 1024)

struct metrics {
	const struct lns_dp *dp;
	int fd;
	volatile int stop;
	pthread_t thr;
	bool running;
};

static struct metrics mx = { .fd = -1 };

struct buf {
	char *p;
	size_t len, cap;
};

static void __attribute__((format(printf, 2, 3)))
put(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->len >= b->cap)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		b->len = RTE_MIN(b->cap, b->len + (size_t)n);
}

/* Prometheus names: [a-zA-Z0-9_]; the protocol counters use '-'. */
static const char *
label(const char *s, char *out, size_t n)
{
	size_t i;

	for (i = 0; s[i] != '\0' && i + 1 < n; i++)
		out[i] = s[i] == '-' ? '_' : s[i];
	out[i] = '\0';
	return out;
}

/* A label value from the configuration (a pool name): the exposition format
 * escapes backslash, double quote and newline. */
static const char *
label_value(const char *s, char *out, size_t n)
{
	size_t o = 0;

	for (; *s != '\0' && o + 3 < n; s++) {
		if (*s == '\\' || *s == '"' || *s == '\n') {
			out[o++] = '\\';
			out[o++] = *s == '\n' ? 'n' : *s;
		} else {
			out[o++] = *s;
		}
	}
	out[o] = '\0';
	return out;
}

static void
family(struct buf *b, const char *name, const char *type, const char *help)
{
	put(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* RADIUS (ctl_aaa.c): nothing when radius is not configured */
static void
render_radius(struct buf *b, const struct lns_dp *dp)
{
	struct lns_radius_snap *r = calloc(1, sizeof(*r));
	int32_t res = -1;
	char l[96];

	if (r == NULL ||
	    lns_ctl_request_buf((struct lns_dp *)dp, LNS_REQ_SNAP_RADIUS, 0, r, sizeof(*r),
				2000, &res) != 0 || res != 0) {
		free(r);
		return;
	}
	family(b, "lnsd_radius_total", "counter",
	       "RADIUS client and dynamic authorization server: requests, answers, errors");
	for (uint32_t i = 0; i < r->n_ctr && i < RTE_DIM(r->ctr); i++)
		put(b, "lnsd_radius_total{counter=\"%s\"} %" PRIu64 "\n",
		    label(lns_radc_stat_name(i), l, sizeof(l)), r->ctr[i]);
	for (uint32_t i = 0; r->das_port != 0 && i < LNS_DAS_STAT_MAX; i++)
		put(b, "lnsd_radius_total{counter=\"%s\"} %" PRIu64 "\n",
		    label(lns_das_stat_name(i), l, sizeof(l)), r->das[i]);
	put(b, "lnsd_radius_total{counter=\"filter_id_unknown\"} %" PRIu64 "\n",
	    r->filter_id_unknown);
	put(b, "lnsd_radius_total{counter=\"rate_limit_bad\"} %" PRIu64 "\n",
	    r->rate_limit_bad);
	put(b, "lnsd_radius_total{counter=\"rate_limit_no_slot\"} %" PRIu64 "\n",
	    r->rate_limit_no_slot);
	family(b, "lnsd_radius_acct_pending", "gauge",
	       "accounting records not yet acknowledged (queued and in flight)");
	put(b, "lnsd_radius_acct_pending %u\n", r->acct_pending);
	family(b, "lnsd_radius_spool_depth", "gauge", "unacknowledged records in the spool file");
	put(b, "lnsd_radius_spool_depth %u\n", r->spool_depth);
	family(b, "lnsd_radius_server_up", "gauge", "1 when a RADIUS server is alive");
	family(b, "lnsd_radius_server_rtt_ms", "gauge", "smoothed round-trip time of a server");
	for (uint32_t i = 0; i < r->n_servers && i < RTE_DIM(r->srv); i++) {
		const uint8_t *a = (const uint8_t *)&r->srv[i].addr;

		put(b, "lnsd_radius_server_up{server=\"%u.%u.%u.%u:%u\"} %d\n", a[0], a[1], a[2],
		    a[3], r->srv[i].auth_port ? r->srv[i].auth_port : r->srv[i].acct_port,
		    r->srv[i].st == LNS_RADC_ALIVE);
		put(b, "lnsd_radius_server_rtt_ms{server=\"%u.%u.%u.%u:%u\"} %u\n", a[0], a[1],
		    a[2], a[3], r->srv[i].auth_port ? r->srv[i].auth_port : r->srv[i].acct_port,
		    r->srv[i].rtt_ms);
	}
	free(r);
}

static void
render(struct buf *b, const struct lns_dp *dp)
{
	struct lns_ctl_counters *cc = calloc(1, sizeof(*cc));
	int32_t res = -1;
	char l[96];

	family(b, "lnsd_up", "gauge", "1 while lnsd runs");
	put(b, "lnsd_up 1\n");
	for (int c = 0; c < LNS_CTR_MAX; c++) {
		char name[128];

		snprintf(name, sizeof(name), "lnsd_%s_total", lns_ctr_name(c));
		family(b, name, "counter", lns_ctr_help(c));
		put(b, "%s %" PRIu64 "\n", name, lns_stats_ctr(dp->stats, c));
	}
	family(b, "lnsd_drops_total", "counter", "packets dropped, by reason");
	for (int r = 0; r < LNS_DROP_MAX; r++)
		put(b, "lnsd_drops_total{stage=\"%s\",reason=\"%s\"} %" PRIu64 "\n",
		    lns_drop_stage(r), lns_drop_name(r), lns_stats_drop(dp->stats, r));

	/* per data-path lcore: RSS spread, and which lcore decrypts (the SA owner) */
	{
		static const struct { const char *name, *help; enum lns_ctr c; } per[] = {
			{ "lnsd_lcore_rx_packets_total", "packets received, by lcore",
			  LNS_CTR_RX_PACKETS },
			{ "lnsd_lcore_esp_in_total", "ESP packets decrypted, by lcore",
			  LNS_CTR_ESP_IN },
			{ "lnsd_lcore_esp_handoff_total",
			  "ESP packets handed to their SA's owner worker, by the lcore that received them",
			  LNS_CTR_ESP_HANDOFF },
		};

		for (size_t i = 0; i < RTE_DIM(per); i++) {
			family(b, per[i].name, "counter", per[i].help);
			for (uint16_t w = 0; w <= dp->n_workers; w++) {
				unsigned int lc = w < dp->n_workers ? dp->worker_lcore[w] :
					rte_get_main_lcore();

				if (w < dp->n_workers)
					snprintf(l, sizeof(l), "worker%u", w);
				else
					snprintf(l, sizeof(l), "control");
				put(b, "%s{lcore=\"%s\"} %" PRIu64 "\n", per[i].name, l,
				    dp->stats->slot[lc].ctr[per[i].c]);
			}
		}
	}

	family(b, "lnsd_port_rx_packets_total", "counter", "packets received by the port");
	family(b, "lnsd_port_tx_packets_total", "counter", "packets sent by the port");
	family(b, "lnsd_port_rx_bytes_total", "counter", "bytes received by the port");
	family(b, "lnsd_port_tx_bytes_total", "counter", "bytes sent by the port");
	family(b, "lnsd_port_rx_missed_total", "counter", "packets the port dropped: RX full");
	for (int r = 0; r < LNS_PORT_ROLE_MAX; r++) {
		struct rte_eth_stats es;
		const char *n = lns_port_role_name(r);

		memset(&es, 0, sizeof(es));
		rte_eth_stats_get(dp->port[r].port_id, &es);
		put(b, "lnsd_port_rx_packets_total{port=\"%s\"} %" PRIu64 "\n", n, es.ipackets);
		put(b, "lnsd_port_tx_packets_total{port=\"%s\"} %" PRIu64 "\n", n, es.opackets);
		put(b, "lnsd_port_rx_bytes_total{port=\"%s\"} %" PRIu64 "\n", n, es.ibytes);
		put(b, "lnsd_port_tx_bytes_total{port=\"%s\"} %" PRIu64 "\n", n, es.obytes);
		put(b, "lnsd_port_rx_missed_total{port=\"%s\"} %" PRIu64 "\n", n, es.imissed);
	}

	family(b, "lnsd_dataplane_tunnels", "gauge", "tunnels in the data plane");
	put(b, "lnsd_dataplane_tunnels %u\n", __atomic_load_n(&dp->tbl->n_tunnels, __ATOMIC_RELAXED));
	family(b, "lnsd_dataplane_sessions", "gauge", "sessions in the data plane");
	put(b, "lnsd_dataplane_sessions %u\n",
	    __atomic_load_n(&dp->tbl->n_sessions, __ATOMIC_RELAXED));
	family(b, "lnsd_sas", "gauge", "SAs in the data plane, by state");
	put(b, "lnsd_sas{state=\"active\"} %u\n", __atomic_load_n(&dp->sad->n_active, __ATOMIC_RELAXED));
	put(b, "lnsd_sas{state=\"dropped\"} %u\n",
	    __atomic_load_n(&dp->sad->n_dropped, __ATOMIC_RELAXED));
	if (dp->evlog != NULL) {
		family(b, "lnsd_events_total", "counter", "lifecycle events logged");
		put(b, "lnsd_events_total %" PRIu64 "\n", lns_evlog_last_seq(dp->evlog));
	}

	if (cc == NULL ||
	    lns_ctl_request_buf((struct lns_dp *)dp, LNS_REQ_SNAP_COUNTERS, 0, cc, sizeof(*cc),
				2000, &res) != 0 || res != 0) {
		put(b, "# control-plane counters unavailable (control lcore did not answer)\n");
		free(cc);
		return;
	}
	family(b, "lnsd_tunnels", "gauge", "L2TP tunnels, by state");
	put(b, "lnsd_tunnels{state=\"opening\"} %u\n", cc->tunnels_opening);
	put(b, "lnsd_tunnels{state=\"established\"} %u\n", cc->tunnels_established);
	put(b, "lnsd_tunnels{state=\"closing\"} %u\n", cc->tunnels_closing);
	put(b, "lnsd_tunnels{state=\"destructing\"} %u\n", cc->tunnels_destructing);
	family(b, "lnsd_sessions", "gauge", "L2TP sessions");
	put(b, "lnsd_sessions %u\n", cc->sessions);
	family(b, "lnsd_draining", "gauge",
	       "1 while the node is drained (lnsctl drain): new tunnels and calls refused");
	{
		char nbuf[2 * LNS_CONF_NAME_MAX];

		put(b, "lnsd_draining{node=\"%s\"} %u\n",
		    label_value(lns_dp_conf_get(dp)->node.name, nbuf, sizeof(nbuf)), cc->draining);
		lns_dp_conf_put(dp);
	}
	family(b, "lnsd_ike_sas", "gauge", "IKE SAs, by state");
	put(b, "lnsd_ike_sas{state=\"established\"} %u\n", cc->ike_sas - cc->ike_half_open);
	put(b, "lnsd_ike_sas{state=\"half_open\"} %u\n", cc->ike_half_open);
	family(b, "lnsd_pool_addresses", "gauge", "addresses of each PPP pool, by state");
	for (uint32_t i = 0; i < cc->n_pools && i < LNS_CTL_NPOOLS; i++) {
		char pbuf[2 * LNS_CONF_NAME_MAX];
		/* the name from the same snapshot as the counts (a reload changes pools) */
		const char *pn = label_value(cc->pool_name[i], pbuf, sizeof(pbuf));

		put(b, "lnsd_pool_addresses{pool=\"%s\",state=\"in_use\"} %u\n", pn,
		    cc->pool_in_use[i]);
		put(b, "lnsd_pool_addresses{pool=\"%s\",state=\"free\"} %u\n", pn,
		    cc->pool_size[i] - cc->pool_in_use[i]);
	}
	family(b, "lnsd_l2tp_total", "counter", "L2TP control plane: messages, errors, refusals");
	for (uint32_t i = 0; i < cc->n_l2tp; i++)
		put(b, "lnsd_l2tp_total{counter=\"%s\"} %" PRIu64 "\n",
		    label(lns_l2tp_counter_name(i), l, sizeof(l)), cc->l2tp[i]);
	family(b, "lnsd_ppp_total", "counter", "PPP: sessions, authentication results, keepalives");
	for (uint32_t i = 0; i < cc->n_ppp; i++)
		put(b, "lnsd_ppp_total{counter=\"%s\"} %" PRIu64 "\n",
		    label(lns_ppp_stat_name(i), l, sizeof(l)), cc->ppp[i]);
	family(b, "lnsd_ike_total", "counter", "IKE: exchanges, errors, limits");
	for (uint32_t i = 0; i < cc->n_ike; i++)
		put(b, "lnsd_ike_total{counter=\"%s\"} %" PRIu64 "\n",
		    label(lns_ike_counter_name(i), l, sizeof(l)), cc->ike[i]);
	free(cc);
	render_radius(b, dp);
}

static void
serve(int c)
{
	static const char not_found[] =
		"HTTP/1.0 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 10\r\n"
		"Connection: close\r\n\r\nnot found\n";
	char req[2048], hdr[256];
	struct pollfd pfd = { .fd = c, .events = POLLIN };
	struct buf b = { .cap = BODY_MAX };
	size_t got = 0;
	ssize_t n;

	/* The request line is all we need; wait at most 2 s for it. */
	while (got < sizeof(req) - 1 && poll(&pfd, 1, 2000) == 1) {
		n = read(c, req + got, sizeof(req) - 1 - got);
		if (n <= 0)
			break;
		got += (size_t)n;
		req[got] = '\0';
		if (strstr(req, "\r\n") != NULL || strchr(req, '\n') != NULL)
			break;
	}
	req[got] = '\0';
	if (strncmp(req, "GET /metrics ", 13) != 0 && strncmp(req, "GET /metrics?", 13) != 0) {
		(void)!write(c, not_found, sizeof(not_found) - 1);
		return;
	}
	b.p = malloc(b.cap);
	if (b.p == NULL)
		return;
	render(&b, mx.dp);
	n = snprintf(hdr, sizeof(hdr), "HTTP/1.0 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\n"
		     "Content-Length: %zu\r\nConnection: close\r\n\r\n", b.len);
	(void)!write(c, hdr, (size_t)n);
	for (size_t off = 0; off < b.len; off += (size_t)n) {
		n = write(c, b.p + off, b.len - off);
		if (n <= 0)
			break;
	}
	free(b.p);
}

static void *
loop(void *arg)
{
	(void)arg;
	while (!mx.stop) {
		struct pollfd pfd = { .fd = mx.fd, .events = POLLIN };
		int c;

		if (poll(&pfd, 1, 200) != 1)
			continue;
		c = accept(mx.fd, NULL, NULL);
		if (c < 0)
			continue;
		serve(c);
		close(c);
	}
	return NULL;
}

int
lns_metrics_start(const struct lns_dp *dp, const struct lns_metrics_conf *mc, char *err,
		  size_t errlen)
{
	/* address and port were parsed and checked with the configuration */
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = mc->addr,
				  .sin_port = htons(mc->port) };
	const char *where = mc->listen;
	int one = 1;

	mx.dp = dp;
	mx.fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (mx.fd < 0 || setsockopt(mx.fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(mx.fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(mx.fd, 16) != 0) {
		int e = errno;

		snprintf(err, errlen, "metrics.listen %s: %s", where, strerror(e));
		if (mx.fd >= 0)
			close(mx.fd);
		mx.fd = -1;
		return -e;
	}
	mx.stop = 0;
	if (pthread_create(&mx.thr, NULL, loop, NULL) != 0) {
		snprintf(err, errlen, "metrics: cannot start its thread");
		close(mx.fd);
		mx.fd = -1;
		return -ENOMEM;
	}
	pthread_setname_np(mx.thr, "lnsd-metrics");
	mx.running = true;
	return 0;
}

void
lns_metrics_stop(void)
{
	if (!mx.running)
		return;
	mx.stop = 1;
	pthread_join(mx.thr, NULL);
	close(mx.fd);
	mx.fd = -1;
	mx.running = false;
}
