/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_telemetry.h>

#include "lns_ctl.h"
#include "lns_evlog.h"
#include "lns_ike.h"
#include "lns_l2tp.h"
#include "lns_ppp.h"
#include "lns_mgmt.h"

/* Telemetry callbacks carry no argument, so the data plane they report on is held
 * here. It is written once, before the commands are registered. */
static const struct lns_dp *mgmt_dp;


static void
add_port(struct rte_tel_data *d, const struct lns_dp_port *p)
{
	struct rte_eth_stats es;
	struct rte_eth_link link;
	char buf[64], ip[INET_ADDRSTRLEN];
	uint32_t plen = __builtin_popcount(p->mask);

	memset(&es, 0, sizeof(es));
	rte_eth_stats_get(p->port_id, &es);
	memset(&link, 0, sizeof(link));
	rte_eth_link_get_nowait(p->port_id, &link);

	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_int(d, "port_id", p->port_id);
	rte_tel_data_add_dict_string(d, "device", p->device);
	rte_tel_data_add_dict_string(d, "driver", p->driver);
	snprintf(buf, sizeof(buf), RTE_ETHER_ADDR_PRT_FMT, RTE_ETHER_ADDR_BYTES(&p->mac));
	rte_tel_data_add_dict_string(d, "mac", buf);
	inet_ntop(AF_INET, &p->addr, ip, sizeof(ip));
	snprintf(buf, sizeof(buf), "%s/%u", ip, plen);
	rte_tel_data_add_dict_string(d, "address", buf);
	rte_tel_data_add_dict_string(d, "link", link.link_status ? "up" : "down");
	rte_tel_data_add_dict_u64(d, "rx_packets", es.ipackets);
	rte_tel_data_add_dict_u64(d, "rx_bytes", es.ibytes);
	rte_tel_data_add_dict_u64(d, "tx_packets", es.opackets);
	rte_tel_data_add_dict_u64(d, "tx_bytes", es.obytes);
	rte_tel_data_add_dict_u64(d, "rx_missed", es.imissed);
	rte_tel_data_add_dict_u64(d, "rx_errors", es.ierrors);
	rte_tel_data_add_dict_u64(d, "tx_errors", es.oerrors);
	rte_tel_data_add_dict_u64(d, "rx_nombuf", es.rx_nombuf);
}

/* One protocol's counters as a dict; names lose their '-' (telemetry keys). */
static void
add_proto(struct rte_tel_data *d, const char *key, const uint64_t *v, uint32_t n,
	  const char *(*name)(unsigned int))
{
	struct rte_tel_data *c = rte_tel_data_alloc();

	if (c == NULL)
		return;
	rte_tel_data_start_dict(c);
	for (uint32_t i = 0; i < n; i++) {
		char k[RTE_TEL_MAX_STRING_LEN];
		size_t j;

		snprintf(k, sizeof(k), "%s", name(i));
		for (j = 0; k[j] != '\0'; j++)
			if (k[j] == '-')
				k[j] = '_';
		rte_tel_data_add_dict_u64(c, k, v[i]);
	}
	rte_tel_data_add_dict_container(d, key, c, 0);
}

/* The control plane's counters, asked of the control lcore (absent if it does not
 * answer in time). */
static void
add_protocols(struct rte_tel_data *d, const struct lns_dp *dp)
{
	struct lns_ctl_counters *cc = calloc(1, sizeof(*cc));
	int32_t res = -1;

	if (cc != NULL &&
	    lns_ctl_request_buf((struct lns_dp *)dp, LNS_REQ_SNAP_COUNTERS, 0, cc, sizeof(*cc),
				2000, &res) == 0 && res == 0) {
		add_proto(d, "l2tp", cc->l2tp, cc->n_l2tp, lns_l2tp_counter_name);
		add_proto(d, "ppp", cc->ppp, cc->n_ppp, lns_ppp_stat_name);
		add_proto(d, "ike", cc->ike, cc->n_ike, lns_ike_counter_name);
	}
	free(cc);
}

static int
cmd_stats(const char *cmd __rte_unused, const char *params __rte_unused,
	  struct rte_tel_data *d)
{
	const struct lns_dp *dp = __atomic_load_n(&mgmt_dp, __ATOMIC_ACQUIRE);
	struct rte_tel_data *info, *ports, *ctrs, *drops;

	if (dp == NULL)
		return -EAGAIN;
	info = rte_tel_data_alloc();
	ports = rte_tel_data_alloc();
	ctrs = rte_tel_data_alloc();
	drops = rte_tel_data_alloc();
	if (info == NULL || ports == NULL || ctrs == NULL || drops == NULL) {
		rte_tel_data_free(info);
		rte_tel_data_free(ports);
		rte_tel_data_free(ctrs);
		rte_tel_data_free(drops);
		return -ENOMEM;
	}

	rte_tel_data_start_dict(info);
	rte_tel_data_add_dict_string(info, "version", LNS_VERSION);
	rte_tel_data_add_dict_u64(info, "uptime_s",
				  (rte_get_tsc_cycles() - dp->start_tsc) / rte_get_tsc_hz());
	rte_tel_data_add_dict_int(info, "workers", dp->n_workers);
	rte_tel_data_add_dict_int(info, "pid", getpid());

	rte_tel_data_start_dict(ports);
	for (int r = 0; r < LNS_PORT_ROLE_MAX; r++) {
		struct rte_tel_data *pd = rte_tel_data_alloc();

		if (pd == NULL)
			continue;
		add_port(pd, &dp->port[r]);
		rte_tel_data_add_dict_container(ports, lns_port_role_name(r), pd, 0);
	}

	rte_tel_data_start_dict(ctrs);
	for (int c = 0; c < LNS_CTR_MAX; c++)
		rte_tel_data_add_dict_u64(ctrs, lns_ctr_name(c), lns_stats_ctr(dp->stats, c));
	rte_tel_data_start_dict(drops);
	for (int r = 0; r < LNS_DROP_MAX; r++)
		rte_tel_data_add_dict_u64(drops, lns_drop_name(r), lns_stats_drop(dp->stats, r));

	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_container(d, "lnsd", info, 0);
	rte_tel_data_add_dict_container(d, "ports", ports, 0);
	rte_tel_data_add_dict_container(d, "counters", ctrs, 0);
	rte_tel_data_add_dict_container(d, "drops", drops, 0);
	add_protocols(d, dp);
	return 0;
}

/* Telemetry dicts hold at most 256 entries (DPDK 22.11); lists are capped below
 * that and say so. TODO(issue 8): paginate with a start parameter. */
#define LIST_MAX 200

static void
ip_str(uint32_t a, char *buf, size_t len)
{
	inet_ntop(AF_INET, &a, buf, (socklen_t)len);
}

static int
reply_error(struct rte_tel_data *d, const char *fmt, ...)
{
	char msg[128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "error", msg);
	return 0;
}

/*
 * Start the entry for handle h of a capped list: returns a new dict for its fields,
 * or NULL when the list is full (marked "truncated") or memory ran out. *n counts
 * entries so far. Hand the dict to list_add().
 */
static struct rte_tel_data *
list_entry(struct rte_tel_data *d, unsigned int *n)
{
	struct rte_tel_data *sd;

	if ((*n)++ == LIST_MAX) {
		rte_tel_data_add_dict_string(d, "truncated", "yes");
		return NULL;
	}
	sd = rte_tel_data_alloc();
	if (sd != NULL)
		rte_tel_data_start_dict(sd);
	return sd;
}

static void
list_add(struct rte_tel_data *d, uint32_t h, struct rte_tel_data *sd)
{
	char key[16];

	snprintf(key, sizeof(key), "%u", h);
	rte_tel_data_add_dict_container(d, key, sd, 0);
}

static int
cmd_sa(const char *cmd __rte_unused, const char *params __rte_unused, struct rte_tel_data *d)
{
	const struct lns_dp *dp = __atomic_load_n(&mgmt_dp, __ATOMIC_ACQUIRE);
	unsigned int n = 0;

	if (dp == NULL)
		return -EAGAIN;
	rte_tel_data_start_dict(d);
	for (uint32_t h = 0; h < dp->sad->max_sas; h++) {
		const struct lns_sad_entry *e = lns_sad_get(dp->sad, h);
		uint32_t st = __atomic_load_n(&e->state, __ATOMIC_ACQUIRE);
		struct rte_tel_data *sd;
		char buf[32];

		if (st == LNS_SAD_FREE)
			continue;
		sd = list_entry(d, &n);
		if (sd == NULL)
			break;
		snprintf(buf, sizeof(buf), "0x%08x", e->spi);
		rte_tel_data_add_dict_string(sd, "spi", buf);
		rte_tel_data_add_dict_string(sd, "dir", e->dir == LNS_ESP_DIR_IN ? "in" : "out");
		rte_tel_data_add_dict_string(sd, "state", st == LNS_SAD_ACTIVE ? "active" : "dropped");
		rte_tel_data_add_dict_string(sd, "mode",
					     e->mode == LNS_ESP_MODE_TUNNEL ? "tunnel" : "transport");
		ip_str(e->peer, buf, sizeof(buf));
		rte_tel_data_add_dict_string(sd, "peer", buf);
		rte_tel_data_add_dict_int(sd, "natt_port", rte_be_to_cpu_16(e->peer_port));
		rte_tel_data_add_dict_u64(sd, "conn", e->conn);
		rte_tel_data_add_dict_u64(sd, "pair", e->pair);
		rte_tel_data_add_dict_u64(sd, "packets", lns_sad_ctr(dp->sad, h, LNS_SAD_PKTS));
		rte_tel_data_add_dict_u64(sd, "bytes", lns_sad_ctr(dp->sad, h, LNS_SAD_BYTES));
		list_add(d, h, sd);
	}
	return 0;
}

static int
cmd_sessions(const char *cmd __rte_unused, const char *params __rte_unused,
	     struct rte_tel_data *d)
{
	const struct lns_dp *dp = __atomic_load_n(&mgmt_dp, __ATOMIC_ACQUIRE);
	unsigned int n = 0;

	if (dp == NULL)
		return -EAGAIN;
	struct lns_sess_snap *snap = calloc(LIST_MAX, sizeof(*snap));
	int32_t ns = 0;

	if (snap != NULL &&
	    (lns_ctl_request_buf((struct lns_dp *)dp, LNS_REQ_SNAP_SESSIONS, UINT32_MAX, snap,
				 LIST_MAX * sizeof(*snap), 2000, &ns) != 0 || ns < 0))
		ns = 0;
	rte_tel_data_start_dict(d);
	for (uint32_t h = 0; h < dp->tbl->max_sessions; h++) {
		const struct lns_dp_session *s = &dp->tbl->sess[h];
		const struct lns_sess_snap *x = NULL;
		struct rte_tel_data *sd;
		char buf[32];

		if (__atomic_load_n(&s->state, __ATOMIC_ACQUIRE) != LNS_TBL_UP)
			continue;
		sd = list_entry(d, &n);
		if (sd == NULL)
			break;
		for (int32_t i = 0; i < ns && x == NULL; i++)
			if (snap[i].handle == h)
				x = &snap[i];
		rte_tel_data_add_dict_int(sd, "tunnel", s->tunnel);
		rte_tel_data_add_dict_int(sd, "session", s->local_id);
		rte_tel_data_add_dict_int(sd, "peer_session", s->peer_id);
		if (x != NULL) {
			rte_tel_data_add_dict_string(sd, "user", x->user);
			rte_tel_data_add_dict_string(sd, "phase", x->phase);
			rte_tel_data_add_dict_string(sd, "auth", x->auth);
			rte_tel_data_add_dict_u64(sd, "uptime_s", x->uptime_ms / 1000);
		} else {
			rte_tel_data_add_dict_string(sd, "phase", "static");
		}
		ip_str(__atomic_load_n(&s->addr, __ATOMIC_RELAXED), buf, sizeof(buf));
		rte_tel_data_add_dict_string(sd, "address", buf);
		rte_tel_data_add_dict_u64(sd, "up_packets",
					  lns_tables_sess_ctr(dp->tbl, h, LNS_SC_UP_PKTS));
		rte_tel_data_add_dict_u64(sd, "up_bytes",
					  lns_tables_sess_ctr(dp->tbl, h, LNS_SC_UP_BYTES));
		rte_tel_data_add_dict_u64(sd, "down_packets",
					  lns_tables_sess_ctr(dp->tbl, h, LNS_SC_DOWN_PKTS));
		rte_tel_data_add_dict_u64(sd, "down_bytes",
					  lns_tables_sess_ctr(dp->tbl, h, LNS_SC_DOWN_BYTES));
		list_add(d, h, sd);
	}
	free(snap);
	return 0;
}

static void
tun_counters(struct rte_tel_data *sd, const struct lns_dp *dp, uint16_t id)
{
	rte_tel_data_add_dict_u64(sd, "up_packets", lns_tables_tun_ctr(dp->tbl, id, LNS_SC_UP_PKTS));
	rte_tel_data_add_dict_u64(sd, "up_bytes", lns_tables_tun_ctr(dp->tbl, id, LNS_SC_UP_BYTES));
	rte_tel_data_add_dict_u64(sd, "down_packets",
				  lns_tables_tun_ctr(dp->tbl, id, LNS_SC_DOWN_PKTS));
	rte_tel_data_add_dict_u64(sd, "down_bytes",
				  lns_tables_tun_ctr(dp->tbl, id, LNS_SC_DOWN_BYTES));
}

/*
 * Tunnels: those of the L2TP control plane (destructing ones too, with their
 * counters frozen at destruction), then statically provisioned ones.
 */
static int
cmd_tunnels(const char *cmd __rte_unused, const char *params __rte_unused,
	    struct rte_tel_data *d)
{
	const struct lns_dp *dp = __atomic_load_n(&mgmt_dp, __ATOMIC_ACQUIRE);
	struct lns_tun_snap *snap;
	uint64_t *seen;
	unsigned int n = 0;
	int32_t nt = 0;

	if (dp == NULL)
		return -EAGAIN;
	snap = calloc(LIST_MAX, sizeof(*snap));
	seen = calloc(LNS_TUNNEL_MAX / 64, sizeof(*seen));
	if (snap == NULL || seen == NULL) {
		free(snap);
		free(seen);
		return -ENOMEM;
	}
	if (lns_ctl_request_buf((struct lns_dp *)dp, LNS_REQ_SNAP_TUNNELS, 0, snap,
				LIST_MAX * sizeof(*snap), 2000, &nt) != 0 || nt < 0)
		nt = 0;
	rte_tel_data_start_dict(d);
	for (int32_t i = 0; i < nt; i++) {
		const struct lns_tun_snap *t = &snap[i];
		struct rte_tel_data *sd = list_entry(d, &n);
		char buf[32];

		if (sd == NULL)
			break;
		seen[t->tid / 64] |= 1ULL << (t->tid % 64);
		rte_tel_data_add_dict_int(sd, "tunnel", t->tid);
		rte_tel_data_add_dict_int(sd, "peer_tunnel", t->peer_tid);
		ip_str(t->peer, buf, sizeof(buf));
		rte_tel_data_add_dict_string(sd, "peer", buf);
		rte_tel_data_add_dict_int(sd, "peer_port", t->peer_port);
		rte_tel_data_add_dict_string(sd, "state", t->state);
		rte_tel_data_add_dict_string(sd, "profile", t->profile);
		rte_tel_data_add_dict_string(sd, "host", t->host);
		rte_tel_data_add_dict_string(sd, "single_shot", t->single_shot ? "yes" : "no");
		rte_tel_data_add_dict_string(sd, "secure", t->secure ? "yes" : "no");
		if (t->secure)
			rte_tel_data_add_dict_u64(sd, "ipsec", t->conn);
		rte_tel_data_add_dict_int(sd, "sessions", (int)t->sessions);
		rte_tel_data_add_dict_u64(sd, "age_s", t->age_ms / 1000);
		if (t->destruct_left_ms != 0 || strcmp(t->state, "destructing") == 0) {
			rte_tel_data_add_dict_u64(sd, "destruct_left_s",
						  (t->destruct_left_ms + 999) / 1000);
			rte_tel_data_add_dict_int(sd, "result", t->result);
		}
		tun_counters(sd, dp, t->tid);
		list_add(d, t->tid, sd);
	}
	for (uint32_t id = 1; id < LNS_TUNNEL_MAX && n <= LIST_MAX; id++) {
		const struct lns_dp_tunnel *t = &dp->tbl->tun[id];
		struct rte_tel_data *sd;
		char buf[32];

		if (__atomic_load_n(&t->state, __ATOMIC_ACQUIRE) != LNS_TBL_UP ||
		    (seen[id / 64] & (1ULL << (id % 64))))
			continue;
		sd = list_entry(d, &n);
		if (sd == NULL)
			break;
		rte_tel_data_add_dict_int(sd, "tunnel", t->local_id);
		rte_tel_data_add_dict_int(sd, "peer_tunnel", t->peer_id);
		ip_str(t->peer, buf, sizeof(buf));
		rte_tel_data_add_dict_string(sd, "peer", buf);
		rte_tel_data_add_dict_int(sd, "peer_port", rte_be_to_cpu_16(t->peer_port));
		rte_tel_data_add_dict_string(sd, "state", "static");
		rte_tel_data_add_dict_string(sd, "secure", t->sa_in != LNS_SAD_NONE ? "yes" : "no");
		rte_tel_data_add_dict_string(sd, "next_hop",
			(__atomic_load_n(&t->nh_mac, __ATOMIC_RELAXED) & LNS_GW_MAC_VALID) ?
			"resolved" : "unresolved");
		tun_counters(sd, dp, (uint16_t)id);
		list_add(d, id, sd);
	}
	free(snap);
	free(seen);
	return 0;
}

/* /lns/clear/tunnel,ID and /lns/clear/session,ID through the control lcore. */
static int
clear_obj(const char *params, struct rte_tel_data *d, uint32_t type, const char *what,
	  unsigned long max)
{
	struct lns_dp *dp = (struct lns_dp *)__atomic_load_n(&mgmt_dp, __ATOMIC_ACQUIRE);
	unsigned long id;
	char *end;
	int32_t res;
	int rc;

	if (dp == NULL)
		return -EAGAIN;
	if (params == NULL || *params == '\0')
		return reply_error(d, "usage: /lns/clear/%s,ID", what);
	errno = 0;
	id = strtoul(params, &end, 0);
	if (errno != 0 || *end != '\0' || id > max)
		return reply_error(d, "invalid %s id '%s'", what, params);
	rc = lns_ctl_request(dp, type, (uint32_t)id, 2000, &res);
	if (rc != 0)
		return reply_error(d, "control lcore did not answer (%s)", strerror(-rc));
	if (res == -ENOENT)
		return reply_error(d, "no %s %lu", what, id);
	if (res < 0)
		return reply_error(d, "cannot clear %s %lu: %s", what, id, strerror(-res));
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, what, id);
	rte_tel_data_add_dict_string(d, "cleared", "yes");
	return 0;
}

static int
cmd_clear_tunnel(const char *cmd __rte_unused, const char *params, struct rte_tel_data *d)
{
	return clear_obj(params, d, LNS_REQ_CLEAR_TUNNEL, "tunnel", UINT16_MAX);
}

static int
cmd_clear_session(const char *cmd __rte_unused, const char *params, struct rte_tel_data *d)
{
	return clear_obj(params, d, LNS_REQ_CLEAR_SESSION, "session", UINT32_MAX - 1);
}

/* Events after a sequence number (parameter), else the newest ones; keyed by seq. */
#define EVENTS_MAX 64

static int
cmd_events(const char *cmd __rte_unused, const char *params, struct rte_tel_data *d)
{
	const struct lns_dp *dp = __atomic_load_n(&mgmt_dp, __ATOMIC_ACQUIRE);
	struct lns_event ev[EVENTS_MAX];
	uint64_t after = 0, last;
	uint32_t n;

	if (dp == NULL || dp->evlog == NULL)
		return -EAGAIN;
	last = lns_evlog_last_seq(dp->evlog);
	if (params != NULL && *params != '\0') {
		char *end;

		errno = 0;
		after = strtoull(params, &end, 10);
		if (errno != 0 || *end != '\0')
			return reply_error(d, "usage: /lns/events[,AFTER_SEQ]");
	} else if (last > EVENTS_MAX) {
		after = last - EVENTS_MAX;
	}
	n = lns_evlog_read(dp->evlog, after, ev, EVENTS_MAX);
	rte_tel_data_start_dict(d);
	for (uint32_t i = 0; i < n; i++) {
		struct rte_tel_data *e = rte_tel_data_alloc();
		char key[24];

		if (e == NULL)
			break;
		rte_tel_data_start_dict(e);
		/* DPDK 22.11 telemetry has no floats: time is integer microseconds */
		rte_tel_data_add_dict_u64(e, "t_us", ev[i].t_us);
		rte_tel_data_add_dict_string(e, "event", lns_ev_name(ev[i].ev));
		if (ev[i].tunnel != LNS_EV_NONE)
			rte_tel_data_add_dict_u64(e, "tunnel", ev[i].tunnel);
		if (ev[i].session != LNS_EV_NONE)
			rte_tel_data_add_dict_u64(e, "session", ev[i].session);
		if (ev[i].ipsec != LNS_EV_NONE)
			rte_tel_data_add_dict_u64(e, "ipsec", ev[i].ipsec);
		rte_tel_data_add_dict_string(e, "detail", ev[i].detail);
		snprintf(key, sizeof(key), "%" PRIu64, ev[i].seq);
		rte_tel_data_add_dict_container(d, key, e, 0);
	}
	return 0;
}

static int
cmd_clear_sa(const char *cmd __rte_unused, const char *params, struct rte_tel_data *d)
{
	struct lns_dp *dp = (struct lns_dp *)__atomic_load_n(&mgmt_dp, __ATOMIC_ACQUIRE);
	unsigned long spi;
	char *end;
	int32_t res;
	int rc;

	if (dp == NULL)
		return -EAGAIN;
	if (params == NULL || *params == '\0')
		return reply_error(d, "usage: /lns/clear/sa,SPI");
	errno = 0;
	spi = strtoul(params, &end, 0);
	if (errno != 0 || *end != '\0' || spi < 256 || spi > UINT32_MAX)
		return reply_error(d, "invalid SPI '%s'", params);
	rc = lns_ctl_request(dp, LNS_REQ_CLEAR_SA, (uint32_t)spi, 2000, &res);
	if (rc != 0)
		return reply_error(d, "control lcore did not answer (%s)", strerror(-rc));
	if (res == -ENOENT)
		return reply_error(d, "no SA with SPI 0x%08lx", spi);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "spi", spi);
	rte_tel_data_add_dict_int(d, "dropped", res);
	return 0;
}

void
lns_mgmt_fini(void)
{
	__atomic_store_n(&mgmt_dp, NULL, __ATOMIC_RELEASE);
}

int
lns_mgmt_init(const struct lns_dp *dp)
{
	int rc = 0;

	__atomic_store_n(&mgmt_dp, dp, __ATOMIC_RELEASE);
	rc |= rte_telemetry_register_cmd("/lns/stats", cmd_stats,
		"lnsd counters: ports, events and drops by reason. No parameters.");
	rc |= rte_telemetry_register_cmd("/lns/sa", cmd_sa,
		"SAs in the data plane, keyed by handle. No parameters.");
	rc |= rte_telemetry_register_cmd("/lns/sessions", cmd_sessions,
		"Sessions in the data plane with counters, keyed by handle. No parameters.");
	rc |= rte_telemetry_register_cmd("/lns/tunnels", cmd_tunnels,
		"Tunnels in the data plane with counters, keyed by local id. No parameters.");
	rc |= rte_telemetry_register_cmd("/lns/events", cmd_events,
		"Lifecycle events keyed by sequence number: the newest 64, or those after "
		"the sequence number given as parameter.");
	rc |= rte_telemetry_register_cmd("/lns/clear/tunnel", cmd_clear_tunnel,
		"Tear a tunnel down (StopCCN, then its lifecycle). Parameter: local tunnel id.");
	rc |= rte_telemetry_register_cmd("/lns/clear/session", cmd_clear_session,
		"End a session (CDN, then its lifecycle). Parameter: session id as listed "
		"by /lns/sessions.");
	rc |= rte_telemetry_register_cmd("/lns/clear/sa", cmd_clear_sa,
		"Drop an SA pair from the data plane now. Parameter: SPI (either direction).");
	return rc;
}
