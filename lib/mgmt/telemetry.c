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

#include "lns_dp.h"
#include "lns_req.h"
#include "lns_evlog.h"
#include "lns_ike.h"
#include "lns_l2tp.h"
#include "lns_ppp.h"
#include "lns_listq.h"
#include "lns_mgmt.h"
#include "lns_radius_client.h"

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

/* Address pools: "pools_size" and "pools_in_use", each {pool name: addresses}
 * (telemetry nests containers one level only). */
static void
add_pools(struct rte_tel_data *d, const struct lns_ctl_counters *cc)
{
	struct rte_tel_data *sz = rte_tel_data_alloc(), *use = rte_tel_data_alloc();

	if (sz == NULL || use == NULL) {
		rte_tel_data_free(sz);
		rte_tel_data_free(use);
		return;
	}
	rte_tel_data_start_dict(sz);
	rte_tel_data_start_dict(use);
	/* names from the same snapshot as the counts: pools change on a reload */
	for (uint32_t i = 0; i < cc->n_pools && i < LNS_CTL_NPOOLS; i++) {
		rte_tel_data_add_dict_u64(sz, cc->pool_name[i], cc->pool_size[i]);
		rte_tel_data_add_dict_u64(use, cc->pool_name[i], cc->pool_in_use[i]);
	}
	rte_tel_data_add_dict_container(d, "pools_size", sz, 0);
	rte_tel_data_add_dict_container(d, "pools_in_use", use, 0);
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
		add_pools(d, cc);
		/* drain: whether on, and the sessions a drain still waits for */
		rte_tel_data_add_dict_u64(d, "draining", cc->draining);
		rte_tel_data_add_dict_u64(d, "sessions_left", cc->sessions);
	}
	free(cc);
}

/*
 * One counter per data-path lcore as {"worker0": n, ..., "control": n}: how the
 * NIC's RSS (or af_packet's fanout) spreads the load, and which lcore decrypts.
 */
static void
add_per_lcore(struct rte_tel_data *d, const char *key, const struct lns_dp *dp, enum lns_ctr c)
{
	struct rte_tel_data *l = rte_tel_data_alloc();
	char name[32];

	if (l == NULL)
		return;
	rte_tel_data_start_dict(l);
	for (uint16_t w = 0; w < dp->n_workers; w++) {
		snprintf(name, sizeof(name), "worker%u", w);
		rte_tel_data_add_dict_u64(l, name, dp->stats->slot[dp->worker_lcore[w]].ctr[c]);
	}
	rte_tel_data_add_dict_u64(l, "control", dp->stats->slot[rte_get_main_lcore()].ctr[c]);
	rte_tel_data_add_dict_container(d, key, l, 0);
}

/* Microseconds since start, without overflow for centuries of uptime. */
static uint64_t
uptime_us(const struct lns_dp *dp)
{
	uint64_t c = rte_get_tsc_cycles() - dp->start_tsc, hz = rte_get_tsc_hz();

	return c / hz * 1000000 + c % hz * 1000000 / hz;
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
	rte_tel_data_add_dict_string(info, "node", lns_dp_conf_get(dp)->node.name);
	lns_dp_conf_put(dp);
	rte_tel_data_add_dict_u64(info, "uptime_s",
				  (rte_get_tsc_cycles() - dp->start_tsc) / rte_get_tsc_hz());
	/* when the counters below were read, to the microsecond: rates computed
	 * from two replies need no clock of the caller's */
	rte_tel_data_add_dict_u64(info, "uptime_us", uptime_us(dp));
	rte_tel_data_add_dict_int(info, "workers", dp->n_workers);
	rte_tel_data_add_dict_int(info, "pid", getpid());
	/* what the data plane carries now, static provisioning included: what a
	 * full paginated listing must add up to */
	rte_tel_data_add_dict_u64(info, "tunnels",
				  __atomic_load_n(&dp->tbl->n_tunnels, __ATOMIC_RELAXED));
	rte_tel_data_add_dict_u64(info, "sessions",
				  __atomic_load_n(&dp->tbl->n_sessions, __ATOMIC_RELAXED));

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
		/* keys are "stage/reason": DPDK takes no dots in a key */
		rte_tel_data_add_dict_u64(drops, lns_drop_key(r), lns_stats_drop(dp->stats, r));

	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_container(d, "lnsd", info, 0);
	rte_tel_data_add_dict_container(d, "ports", ports, 0);
	rte_tel_data_add_dict_container(d, "counters", ctrs, 0);
	rte_tel_data_add_dict_container(d, "drops", drops, 0);
	add_per_lcore(d, "lcore_rx_packets", dp, LNS_CTR_RX_PACKETS);
	add_per_lcore(d, "lcore_esp_in", dp, LNS_CTR_ESP_IN);
	add_per_lcore(d, "lcore_esp_handoff", dp, LNS_CTR_ESP_HANDOFF);
	add_protocols(d, dp);
	return 0;
}

/*
 * Lists are paginated (grammar in lns_listq.h). DPDK 22.11 telemetry holds at most
 * 256 entries in a dict and sends at most 16 KiB (what does not fit is dropped
 * without a word), so a page ends at LIST_MAX entries or when its JSON would pass
 * LIST_BUDGET bytes, whichever comes first, and then says where the next one
 * starts: "next": ID. Filters are applied here, before an entry counts, so a
 * filtered page is as full as an unfiltered one.
 */
#define LIST_MAX 200
#define LIST_BUDGET (16384 - 1400)      /* room for the reply wrapper and "next" */
#define SNAP_BATCH 256                  /* control snapshot entries per request */
#define SNAP_TIMEOUT_MS 2000

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

/* Bytes a string takes in DPDK's JSON: quotes, and escapes counted at their worst. */
static size_t
json_len(const char *s)
{
	size_t n = 2;

	for (; *s != '\0'; s++)
		n += *s == '"' || *s == '\\' ? 2 : (unsigned char)*s < 0x20 ? 6 : 1;
	return n;
}

/* One entry being built, with the size of its JSON so far. */
struct entry {
	struct rte_tel_data *d;
	size_t len;
};

static bool
entry_start(struct entry *e)
{
	e->d = rte_tel_data_alloc();
	e->len = 3;                     /* {}, */
	if (e->d != NULL)
		rte_tel_data_start_dict(e->d);
	return e->d != NULL;
}

static void
e_str(struct entry *e, const char *k, const char *v)
{
	rte_tel_data_add_dict_string(e->d, k, v);
	e->len += json_len(k) + json_len(v) + 2;
}

static void
e_u64(struct entry *e, const char *k, uint64_t v)
{
	rte_tel_data_add_dict_u64(e->d, k, v);
	e->len += json_len(k) + 20 + 2;
}

static void
e_int(struct entry *e, const char *k, int v)
{
	rte_tel_data_add_dict_int(e->d, k, v);
	e->len += json_len(k) + 11 + 2;
}

/* A page under construction in reply `d`. */
struct page {
	struct rte_tel_data *d;
	unsigned int n, max;
	size_t len;
	bool full;
	uint64_t next;                  /* valid when full */
};

static void
page_init(struct page *pg, struct rte_tel_data *d, const struct lns_listq *q)
{
	pg->d = d;
	pg->n = 0;
	pg->max = (q->set & LNS_LQ_LIMIT) && q->limit < LIST_MAX ? q->limit : LIST_MAX;
	pg->len = 0;
	pg->full = false;
	pg->next = 0;
	rte_tel_data_start_dict(d);
}

/*
 * Add entry `e` under key `id`. When it does not fit, it is freed and the page
 * ends with next = id; when it fills the page, the page ends with next = id + 1.
 * @return false once the page has ended.
 */
static bool
page_add(struct page *pg, uint64_t id, struct entry *e)
{
	char key[24];
	size_t len;

	snprintf(key, sizeof(key), "%" PRIu64, id);
	len = e->len + json_len(key) + 1;
	if (pg->n > 0 && pg->len + len > LIST_BUDGET) {
		rte_tel_data_free(e->d);
		pg->full = true;
		pg->next = id;
		return false;
	}
	rte_tel_data_add_dict_container(pg->d, key, e->d, 0);
	pg->len += len;
	if (++pg->n == pg->max) {
		pg->full = true;
		pg->next = id + 1;
		return false;
	}
	return true;
}

static void
page_end(struct page *pg)
{
	if (pg->full)
		rte_tel_data_add_dict_u64(pg->d, "next", pg->next);
}

static int
list_query(const char *params, unsigned int allowed, struct lns_listq *q,
	   struct rte_tel_data *d)
{
	char why[200];

	if (lns_listq_parse(params, allowed, q, why, sizeof(why)) != 0) {
		reply_error(d, "%s", why);
		return -1;
	}
	return 0;
}

static int
cmd_sa(const char *cmd __rte_unused, const char *params, struct rte_tel_data *d)
{
	const struct lns_dp *dp = __atomic_load_n(&mgmt_dp, __ATOMIC_ACQUIRE);
	struct lns_listq q;
	struct page pg;

	if (dp == NULL)
		return -EAGAIN;
	if (list_query(params, LNS_LQ_SAS, &q, d) != 0)
		return 0;
	page_init(&pg, d, &q);
	for (uint32_t h = q.from; h < dp->sad->max_sas; h++) {
		const struct lns_sad_entry *e = lns_sad_get(dp->sad, h);
		uint32_t st = __atomic_load_n(&e->state, __ATOMIC_ACQUIRE);
		const char *state = st == LNS_SAD_ACTIVE ? "active" : "dropped";
		struct entry en;
		char buf[32];

		if (st == LNS_SAD_FREE || !lns_listq_match_peer(&q, e->peer) ||
		    !lns_listq_match_str(&q, LNS_LQ_STATE, state))
			continue;
		if (!entry_start(&en))
			return -ENOMEM;
		snprintf(buf, sizeof(buf), "0x%08x", e->spi);
		e_str(&en, "spi", buf);
		e_str(&en, "dir", e->dir == LNS_ESP_DIR_IN ? "in" : "out");
		e_str(&en, "state", state);
		e_str(&en, "mode", e->mode == LNS_ESP_MODE_TUNNEL ? "tunnel" : "transport");
		ip_str(e->peer, buf, sizeof(buf));
		e_str(&en, "peer", buf);
		e_int(&en, "natt_port", rte_be_to_cpu_16(e->peer_port));
		/* the worker that alone decrypts it: "any" when it has no per-packet
		 * state (outbound, or no replay window), "none" until one claims it */
		if (!e->owned) {
			snprintf(buf, sizeof(buf), "any");
		} else {
			uint32_t own = __atomic_load_n(&e->owner, __ATOMIC_RELAXED);

			if (own == LNS_SAD_NONE)
				snprintf(buf, sizeof(buf), "none");
			else
				snprintf(buf, sizeof(buf), "worker%u", own);
		}
		e_str(&en, "owner", buf);
		if (e->mode == LNS_ESP_MODE_TUNNEL) {
			ip_str(e->inner_peer, buf, sizeof(buf));
			e_str(&en, "inner_peer", buf);
		}
		e_u64(&en, "conn", e->conn);
		e_u64(&en, "pair", e->pair);
		e_u64(&en, "packets", lns_sad_ctr(dp->sad, h, LNS_SAD_PKTS));
		e_u64(&en, "bytes", lns_sad_ctr(dp->sad, h, LNS_SAD_BYTES));
		if (!page_add(&pg, h, &en))
			break;
	}
	if (pg.full && pg.next >= dp->sad->max_sas)
		pg.full = false;
	page_end(&pg);
	return 0;
}

static void
counters4(struct entry *e, uint64_t up_p, uint64_t up_b, uint64_t down_p, uint64_t down_b)
{
	e_u64(e, "up_packets", up_p);
	e_u64(e, "up_bytes", up_b);
	e_u64(e, "down_packets", down_p);
	e_u64(e, "down_bytes", down_b);
}

/*
 * Sessions keyed by data-plane handle, walked in handle order from `from`. What
 * control knows of them (user, PPP phase) comes from its snapshots, asked for in
 * batches that are merged in as the walk passes their handles; a session control
 * does not know is a static one.
 */
static int
cmd_sessions(const char *cmd __rte_unused, const char *params, struct rte_tel_data *d)
{
	const struct lns_dp *dp = __atomic_load_n(&mgmt_dp, __ATOMIC_ACQUIRE);
	const struct lns_tables *tbl;
	struct lns_sess_snap *snap;
	struct lns_listq q;
	struct page pg;
	uint32_t h;

	if (dp == NULL)
		return -EAGAIN;
	if (list_query(params, LNS_LQ_SESSIONS, &q, d) != 0)
		return 0;
	tbl = dp->tbl;
	snap = calloc(SNAP_BATCH, sizeof(*snap));
	if (snap == NULL)
		return -ENOMEM;
	page_init(&pg, d, &q);
	for (h = q.from; h < tbl->max_sessions && !pg.full;) {
		int32_t ns = 0;
		uint32_t end, j = 0;

		if (lns_ctl_request_buf((struct lns_dp *)dp, LNS_REQ_SNAP_SESSIONS,
					h == 0 ? UINT32_MAX : h - 1, snap,
					SNAP_BATCH * sizeof(*snap), SNAP_TIMEOUT_MS, &ns) != 0 ||
		    ns < 0)
			ns = 0;
		/* a full batch speaks for the handles up to its last one only */
		end = ns == SNAP_BATCH ? snap[ns - 1].handle : tbl->max_sessions - 1;
		for (; h <= end && h < tbl->max_sessions; h++) {
			const struct lns_dp_session *s = &tbl->sess[h];
			const struct lns_sess_snap *x = NULL;
			struct entry en;
			char buf[32];
			uint32_t peer;

			if (__atomic_load_n(&s->state, __ATOMIC_ACQUIRE) != LNS_TBL_UP)
				continue;
			while (j < (uint32_t)ns && snap[j].handle < h)
				j++;
			if (j < (uint32_t)ns && snap[j].handle == h)
				x = &snap[j];
			peer = x != NULL ? x->peer : tbl->tun[s->tunnel].peer;
			if (!lns_listq_match_tunnel(&q, s->tunnel) ||
			    !lns_listq_match_peer(&q, peer) ||
			    !lns_listq_match_str(&q, LNS_LQ_USER, x != NULL ? x->user : NULL) ||
			    !lns_listq_match_str(&q, LNS_LQ_STATE, x != NULL ? x->phase : "static"))
				continue;
			if (!entry_start(&en)) {
				free(snap);
				return -ENOMEM;
			}
			e_int(&en, "tunnel", s->tunnel);
			e_int(&en, "session", s->local_id);
			e_int(&en, "peer_session", s->peer_id);
			ip_str(peer, buf, sizeof(buf));
			e_str(&en, "peer", buf);
			if (x != NULL) {
				e_str(&en, "user", x->user);
				e_str(&en, "phase", x->phase);
				e_str(&en, "auth", x->auth);
				e_u64(&en, "uptime_s", x->uptime_ms / 1000);
				/* what RADIUS applied (ctl_aaa.c) */
				if (x->acct_session_id[0] != '\0')
					e_str(&en, "acct_session_id", x->acct_session_id);
				if (x->radius)
					e_str(&en, "aaa", "radius");
				if (x->filter_id[0] != '\0')
					e_str(&en, "filter_id", x->filter_id);
				if (x->framed_pool[0] != '\0')
					e_str(&en, "framed_pool", x->framed_pool);
				if (x->framed_route[0] != '\0')
					e_str(&en, "framed_route", x->framed_route);
				if (x->session_timeout != 0) {
					e_u64(&en, "session_timeout", x->session_timeout);
					e_u64(&en, "session_time_left_s", x->session_left_s);
				}
				if (x->idle_timeout != 0)
					e_u64(&en, "idle_timeout", x->idle_timeout);
				if (x->interim_interval != 0)
					e_u64(&en, "interim_interval", x->interim_interval);
				if (x->class_len != 0)
					e_u64(&en, "class_octets", x->class_len);
			} else {
				e_str(&en, "phase", "static");
			}
			ip_str(__atomic_load_n(&s->addr, __ATOMIC_RELAXED), buf, sizeof(buf));
			e_str(&en, "address", buf);
			counters4(&en, lns_tables_sess_ctr(tbl, h, LNS_SC_UP_PKTS),
				  lns_tables_sess_ctr(tbl, h, LNS_SC_UP_BYTES),
				  lns_tables_sess_ctr(tbl, h, LNS_SC_DOWN_PKTS),
				  lns_tables_sess_ctr(tbl, h, LNS_SC_DOWN_BYTES));
			{
				uint16_t pol = __atomic_load_n(&s->policy, __ATOMIC_RELAXED);

				const struct lns_conf *conf = lns_dp_conf_get(dp);
				/* by slot: a policy a reload removed shows while held */
				const char *pname = pol != 0 && pol <= LNS_POLICY_MAX ?
						    lns_conf_policy_name(conf, pol - 1) : NULL;
				bool named = pname != NULL;

				if (named)
					e_str(&en, "policy", pname);
				lns_dp_conf_put(dp);
				if (pol != 0 && (named || pol > LNS_POLICY_MAX)) {
					if (!named) {  /* a rate RADIUS gave (Mikrotik-Rate-Limit) */
						const struct lns_dp_policy *dpp =
							&__atomic_load_n(&tbl->pol, __ATOMIC_ACQUIRE)[pol];

						e_str(&en, "policy", "radius-rate");
						e_u64(&en, "rate_up", dpp->rate[0]);
						e_u64(&en, "rate_down", dpp->rate[1]);
					}
					e_u64(&en, "policer_drops_up",
					      lns_tables_sess_ctr(tbl, h, LNS_SC_POLICER_UP));
					e_u64(&en, "policer_drops_down",
					      lns_tables_sess_ctr(tbl, h, LNS_SC_POLICER_DOWN));
				}
			}
			if (!page_add(&pg, h, &en))
				break;
		}
	}
	if (pg.full && pg.next >= tbl->max_sessions)
		pg.full = false;        /* nothing can follow the last handle */
	page_end(&pg);
	free(snap);
	return 0;
}

static void
tun_counters(struct entry *e, const struct lns_dp *dp, uint16_t id)
{
	counters4(e, lns_tables_tun_ctr(dp->tbl, id, LNS_SC_UP_PKTS),
		  lns_tables_tun_ctr(dp->tbl, id, LNS_SC_UP_BYTES),
		  lns_tables_tun_ctr(dp->tbl, id, LNS_SC_DOWN_PKTS),
		  lns_tables_tun_ctr(dp->tbl, id, LNS_SC_DOWN_BYTES));
}

/* The destination profile the config's static section names for tunnel `id`
 * ("" when it leaves it to the peer match). The static section holds at most
 * LNS_CONF_MAX_STATIC entries. */
static const char *
static_profile(const struct lns_dp *dp, uint16_t id)
{
	static __thread char name[LNS_CONF_NAME_MAX];   /* outlives the conf reference */
	const struct lns_conf *conf = lns_dp_conf_get(dp);
	const struct lns_static_conf *sc = &conf->stat;

	name[0] = '\0';
	for (uint16_t i = 0; i < sc->n_tunnels; i++) {
		const struct lns_static_tunnel *t = &sc->tunnels[i];

		if (id >= t->local_id && (uint32_t)(id - t->local_id) < t->count) {
			memcpy(name, t->profile, sizeof(name));
			break;
		}
	}
	lns_dp_conf_put(dp);
	return name;
}

/* A tunnel of the L2TP control plane; false when the filter rejects it. */
static bool
tunnel_ctl_entry(const struct lns_dp *dp, const struct lns_listq *q,
		 const struct lns_tun_snap *t, struct entry *en, bool *nomem)
{
	char buf[32];

	if (!lns_listq_match_peer(q, t->peer) ||
	    !lns_listq_match_str(q, LNS_LQ_STATE, t->state) ||
	    !lns_listq_match_str(q, LNS_LQ_PROFILE, t->profile))
		return false;
	if (!entry_start(en)) {
		*nomem = true;
		return false;
	}
	e_int(en, "tunnel", t->tid);
	e_int(en, "peer_tunnel", t->peer_tid);
	ip_str(t->peer, buf, sizeof(buf));
	e_str(en, "peer", buf);
	e_int(en, "peer_port", t->peer_port);
	e_str(en, "state", t->state);
	e_str(en, "profile", t->profile);
	e_str(en, "host", t->host);
	e_str(en, "single_shot", t->single_shot ? "yes" : "no");
	e_str(en, "secure", t->secure ? "yes" : "no");
	if (t->secure)
		e_u64(en, "ipsec", t->conn);
	e_int(en, "sessions", (int)t->sessions);
	e_u64(en, "age_s", t->age_ms / 1000);
	if (t->destruct_left_ms != 0 || t->tstate == LNS_L2TP_T_DESTRUCTING) {
		e_u64(en, "destruct_left_s", (t->destruct_left_ms + 999) / 1000);
		e_int(en, "result", t->result);
	}
	tun_counters(en, dp, t->tid);
	return true;
}

/* A statically provisioned tunnel (data plane only); false when filtered out. */
static bool
tunnel_static_entry(const struct lns_dp *dp, const struct lns_listq *q, uint16_t id,
		    struct entry *en, bool *nomem)
{
	const struct lns_dp_tunnel *t = &dp->tbl->tun[id];
	const char *profile = static_profile(dp, id);
	char buf[32];

	if (!lns_listq_match_peer(q, t->peer) ||
	    !lns_listq_match_str(q, LNS_LQ_STATE, "static") ||
	    !lns_listq_match_str(q, LNS_LQ_PROFILE, profile))
		return false;
	if (!entry_start(en)) {
		*nomem = true;
		return false;
	}
	e_int(en, "tunnel", t->local_id);
	e_int(en, "peer_tunnel", t->peer_id);
	ip_str(t->peer, buf, sizeof(buf));
	e_str(en, "peer", buf);
	e_int(en, "peer_port", rte_be_to_cpu_16(t->peer_port));
	e_str(en, "state", "static");
	if (profile[0] != '\0')
		e_str(en, "profile", profile);
	e_str(en, "secure", t->sa_in != LNS_SAD_NONE ? "yes" : "no");
	e_str(en, "next_hop",
	      (__atomic_load_n(&t->nh_mac, __ATOMIC_RELAXED) & LNS_GW_MAC_VALID) ?
	      "resolved" : "unresolved");
	tun_counters(en, dp, id);
	return true;
}

/*
 * Tunnels keyed by local id, in id order from `from`: those of the L2TP control
 * plane (destructing ones too, counters frozen at destruction) as its snapshot
 * batches have them, the statically provisioned ones from the data plane.
 */
static int
cmd_tunnels(const char *cmd __rte_unused, const char *params, struct rte_tel_data *d)
{
	const struct lns_dp *dp = __atomic_load_n(&mgmt_dp, __ATOMIC_ACQUIRE);
	struct lns_tun_snap *snap;
	struct lns_listq q;
	struct page pg;
	uint32_t id, last = LNS_TUNNEL_MAX - 1;
	bool nomem = false;

	if (dp == NULL)
		return -EAGAIN;
	if (list_query(params, LNS_LQ_TUNNELS, &q, d) != 0)
		return 0;
	snap = calloc(SNAP_BATCH, sizeof(*snap));
	if (snap == NULL)
		return -ENOMEM;
	id = q.from == 0 ? 1 : q.from;  /* RFC 2661 3.1: tunnel id 0 is reserved */
	if (q.set & LNS_LQ_TUNNEL) {
		id = id > q.tunnel ? LNS_TUNNEL_MAX : q.tunnel;
		last = q.tunnel;
	}
	page_init(&pg, d, &q);
	while (id <= last && !pg.full && !nomem) {
		int32_t nt = 0;
		uint32_t end, j = 0;

		if (lns_ctl_request_buf((struct lns_dp *)dp, LNS_REQ_SNAP_TUNNELS, id - 1, snap,
					SNAP_BATCH * sizeof(*snap), SNAP_TIMEOUT_MS, &nt) != 0 ||
		    nt < 0)
			nt = 0;
		end = nt == SNAP_BATCH ? snap[nt - 1].tid : last;
		for (; id <= end && id <= last; id++) {
			struct entry en;
			bool got;

			while (j < (uint32_t)nt && snap[j].tid < id)
				j++;
			if (j < (uint32_t)nt && snap[j].tid == id)
				got = tunnel_ctl_entry(dp, &q, &snap[j], &en, &nomem);
			else if (__atomic_load_n(&dp->tbl->tun[id].state, __ATOMIC_ACQUIRE) ==
				 LNS_TBL_UP)
				got = tunnel_static_entry(dp, &q, (uint16_t)id, &en, &nomem);
			else
				continue;
			if (nomem)
				break;
			if (got && !page_add(&pg, id, &en))
				break;
		}
	}
	free(snap);
	if (nomem)
		return -ENOMEM;
	/* no page past the last id */
	if (pg.full && pg.next > last)
		pg.full = false;
	page_end(&pg);
	return 0;
}

/*
 * The configuration lnsd runs with, as `lnsd --check --dump` prints it (secrets and
 * keys masked by lns_conf_dump), one entry per line keyed by its number from 1:
 * {"text": LINE}. DPDK 22.11 keeps 127 bytes of a string, so a longer line is sent
 * in pieces of CONF_PIECE bytes, each after the first marked "cont": "yes" (join
 * without a newline). Paged like the lists: from=N, limit=N, "next": N.
 */
#define CONF_PIECE 100

static int
cmd_config(const char *cmd __rte_unused, const char *params, struct rte_tel_data *d)
{
	const struct lns_dp *dp = __atomic_load_n(&mgmt_dp, __ATOMIC_ACQUIRE);
	const char *p, *end;
	char *buf = NULL;
	size_t len = 0;
	struct lns_listq q;
	struct page pg;
	uint64_t id = 0, from;
	FILE *m;

	if (dp == NULL)
		return -EAGAIN;
	if (list_query(params, LNS_LQ_FROM | LNS_LQ_LIMIT, &q, d) != 0)
		return 0;
	m = open_memstream(&buf, &len);
	if (m == NULL)
		return -ENOMEM;
	lns_conf_dump(lns_dp_conf_get(dp), m);
	lns_dp_conf_put(dp);
	if (fclose(m) != 0) {
		free(buf);
		return -ENOMEM;
	}
	from = q.from == 0 ? 1 : q.from;
	page_init(&pg, d, &q);
	for (p = buf, end = buf + len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t ll = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p), off = 0;

		do {
			size_t n = RTE_MIN(ll - off, (size_t)CONF_PIECE);
			char piece[CONF_PIECE + 1];
			struct entry en;

			if (++id >= from) {
				if (!entry_start(&en)) {
					free(buf);
					return -ENOMEM;
				}
				memcpy(piece, p + off, n);
				piece[n] = '\0';
				e_str(&en, "text", piece);
				if (off > 0)
					e_str(&en, "cont", "yes");
				if (!page_add(&pg, id, &en))
					goto done;
			}
			off += n;
		} while (off < ll);
		p += ll + 1;
	}
done:
	page_end(&pg);
	free(buf);
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

/* Drain on|off (parameter): new tunnels, calls and Main Modes refused, existing
 * sessions stay. Replies with the state and the sessions left. */
static int
cmd_drain(const char *cmd __rte_unused, const char *params, struct rte_tel_data *d)
{
	struct lns_dp *dp = (struct lns_dp *)__atomic_load_n(&mgmt_dp, __ATOMIC_ACQUIRE);
	int32_t res;
	bool on;
	int rc;

	if (dp == NULL)
		return -EAGAIN;
	unsigned long wait_s = 0;
	char *end;

	if (params != NULL && strcmp(params, "off") == 0) {
		on = false;
	} else if (params != NULL && strncmp(params, "on", 2) == 0 &&
		   (params[2] == '\0' || strncmp(params + 2, ",max-wait=", 10) == 0)) {
		on = true;
		if (params[2] != '\0') {
			errno = 0;
			wait_s = strtoul(params + 12, &end, 10);
			if (errno != 0 || *end != '\0' || params[12] < '0' || params[12] > '9' ||
			    wait_s < 1 || wait_s > LNS_DRAIN_MAX_WAIT_S)
				return reply_error(d, "invalid max-wait '%s': 1 to %u seconds",
						   params + 12, LNS_DRAIN_MAX_WAIT_S);
		}
	} else {
		return reply_error(d, "usage: /lns/drain,on[,max-wait=SECONDS] or /lns/drain,off");
	}
	rc = lns_ctl_request(dp, LNS_REQ_DRAIN, on ? 1u | (uint32_t)wait_s << 1 : 0, 2000, &res);
	if (rc != 0)
		return reply_error(d, "control lcore did not answer (%s)", strerror(-rc));
	if (res < 0)
		return reply_error(d, "cannot set drain: %s", strerror(-res));
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "node", lns_dp_conf_get(dp)->node.name);
	lns_dp_conf_put(dp);
	rte_tel_data_add_dict_string(d, "drain", on ? "on" : "off");
	rte_tel_data_add_dict_u64(d, "sessions_left", (uint64_t)res);
	rte_tel_data_add_dict_u64(d, "max_wait_s", wait_s);
	return 0;
}

/*
 * Reload (lnsctl reload): parameter "apply" or "dry-run", then optionally a space
 * and the file (absolute; default the running one). Control reads, checks and
 * applies it; the answer: result ok|invalid, applied (live changes), dry_run, and
 * lines (one per changed key) or error (pieces of one message, to be joined: a
 * telemetry string holds 127 characters).
 */
static int
cmd_reload(const char *cmd __rte_unused, const char *params, struct rte_tel_data *d)
{
	struct lns_dp *dp = (struct lns_dp *)__atomic_load_n(&mgmt_dp, __ATOMIC_ACQUIRE);
	struct rte_tel_data *lines;
	const char *path = "";
	char *buf, *save = NULL;
	uint32_t arg;
	int32_t res;
	int rc;

	if (dp == NULL)
		return -EAGAIN;
	if (params != NULL && strncmp(params, "apply", 5) == 0 &&
	    (params[5] == '\0' || params[5] == ' ')) {
		arg = 0;
		path = params[5] == ' ' ? params + 6 : "";
	} else if (params != NULL && strncmp(params, "dry-run", 7) == 0 &&
		   (params[7] == '\0' || params[7] == ' ')) {
		arg = LNS_RELOAD_DRY_RUN;
		path = params[7] == ' ' ? params + 8 : "";
	} else {
		return reply_error(d, "usage: /lns/reload,apply|dry-run[ FILE]");
	}
	if (strlen(path) >= LNS_CONF_PATH_MAX)
		return reply_error(d, "file name too long");
	buf = calloc(1, LNS_RELOAD_BUF);
	lines = rte_tel_data_alloc();
	if (buf == NULL || lines == NULL) {
		free(buf);
		rte_tel_data_free(lines);
		return -ENOMEM;
	}
	/* a large user list takes a while to read and check */
	rc = lns_ctl_request_io(dp, LNS_REQ_RELOAD, arg, path, (uint32_t)strlen(path) + 1, buf,
				LNS_RELOAD_BUF, 30000, &res);
	if (rc != 0) {
		free(buf);
		rte_tel_data_free(lines);
		return reply_error(d, "control lcore did not answer (%s)", strerror(-rc));
	}
	buf[LNS_RELOAD_BUF - 1] = '\0';
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "result", res >= 0 ? "ok" : res == -EINVAL ? "invalid" :
				     "error");
	rte_tel_data_add_dict_u64(d, "applied", res >= 0 ? (uint64_t)res : 0);
	rte_tel_data_add_dict_u64(d, "dry_run", arg & LNS_RELOAD_DRY_RUN);
	rte_tel_data_start_array(lines, RTE_TEL_STRING_VAL);
	for (char *l = strtok_r(buf, "\n", &save); l != NULL; l = strtok_r(NULL, "\n", &save)) {
		if (res < 0) {
			/* the message in pieces that fit a telemetry string */
			for (size_t o = 0, n = strlen(l); o < n; o += 120) {
				char piece[121];

				snprintf(piece, sizeof(piece), "%s", l + o);
				rte_tel_data_add_array_string(lines, piece);
			}
		} else {
			rte_tel_data_add_array_string(lines, l);
		}
	}
	rte_tel_data_add_dict_container(d, res < 0 ? "error" : "lines", lines, 0);
	free(buf);
	return 0;
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
	uint32_t want = EVENTS_MAX;
	bool paged = params != NULL && strchr(params, '=') != NULL;

	last = lns_evlog_last_seq(dp->evlog);
	if (paged) {
		/* paged like the lists: from=SEQ (first wanted), limit=N; "next" follows */
		struct lns_listq q;
		char why[96];

		if (lns_listq_parse(params, LNS_LQ_FROM | LNS_LQ_LIMIT, &q, why, sizeof(why)) != 0)
			return reply_error(d, why);
		after = (q.set & LNS_LQ_FROM) && q.from > 0 ? q.from - 1 : 0;
		if ((q.set & LNS_LQ_LIMIT) && q.limit < want)
			want = q.limit;
	} else if (params != NULL && *params != '\0') {
		char *end;

		errno = 0;
		after = strtoull(params, &end, 10);
		if (errno != 0 || *end != '\0')
			return reply_error(d, "usage: /lns/events[,AFTER_SEQ] or "
					   "/lns/events,from=SEQ[,limit=N]");
	} else if (last > EVENTS_MAX) {
		after = last - EVENTS_MAX;
	}
	n = lns_evlog_read(dp->evlog, after, ev, want);
	rte_tel_data_start_dict(d);
	/* more after this page: the cursor of the next one (the lists' convention) */
	if (paged && n > 0 && ev[n - 1].seq < last)
		rte_tel_data_add_dict_u64(d, "next", ev[n - 1].seq + 1);
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

/* DPDK telemetry takes [A-Za-z0-9_] keys: "acct-queued" -> "acct_queued" */
static const char *
tel_key(const char *name, char *out, size_t n)
{
	size_t i;

	for (i = 0; name[i] != '\0' && i + 1 < n; i++)
		out[i] = name[i] == '-' ? '_' : name[i];
	out[i] = '\0';
	return out;
}

/* The RADIUS client: servers, counters, accounting queue and spool. */
static int
cmd_radius(const char *cmd __rte_unused, const char *params __rte_unused,
	   struct rte_tel_data *d)
{
	char key[48];

	struct lns_dp *dp = (struct lns_dp *)__atomic_load_n(&mgmt_dp, __ATOMIC_ACQUIRE);
	struct lns_radius_snap *r;
	struct rte_tel_data *srv, *ctr;
	int32_t res = 0;
	int rc;

	if (dp == NULL)
		return -EAGAIN;
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return -ENOMEM;
	rc = lns_ctl_request_buf(dp, LNS_REQ_SNAP_RADIUS, 0, r, sizeof(*r), 2000, &res);
	if (rc != 0 || res != 0) {
		free(r);
		if (rc == 0 && res == -ENOENT)
			return reply_error(d, "RADIUS is not configured (radius.servers)");
		return reply_error(d, "control lcore did not answer (%s)", strerror(-rc));
	}
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "acct_pending", r->acct_pending);
	rte_tel_data_add_dict_u64(d, "spool_depth", r->spool_depth);
	rte_tel_data_add_dict_u64(d, "auth_fallbacks", r->auth_fallbacks);
	rte_tel_data_add_dict_u64(d, "filter_id_unknown", r->filter_id_unknown);
	rte_tel_data_add_dict_u64(d, "rate_limit_bad", r->rate_limit_bad);
	rte_tel_data_add_dict_u64(d, "rate_limit_no_slot", r->rate_limit_no_slot);
	rte_tel_data_add_dict_u64(d, "auth_held", r->auth_held);
	rte_tel_data_add_dict_string(d, "accounting_on", r->accounting_on ? "acknowledged" :
				     "waiting");
	srv = rte_tel_data_alloc();
	ctr = rte_tel_data_alloc();
	if (srv == NULL || ctr == NULL) {
		rte_tel_data_free(srv);
		rte_tel_data_free(ctr);
		free(r);
		return -ENOMEM;
	}
	rte_tel_data_start_dict(srv);
	for (uint32_t i = 0; i < r->n_servers && i < RTE_DIM(r->srv); i++) {
		struct rte_tel_data *e = rte_tel_data_alloc();
		char idx[8], a[INET_ADDRSTRLEN];

		if (e == NULL)
			break;
		rte_tel_data_start_dict(e);
		inet_ntop(AF_INET, &r->srv[i].addr, a, sizeof(a));
		rte_tel_data_add_dict_string(e, "address", a);
		rte_tel_data_add_dict_u64(e, "auth_port", r->srv[i].auth_port);
		rte_tel_data_add_dict_u64(e, "acct_port", r->srv[i].acct_port);
		rte_tel_data_add_dict_string(e, "state", r->srv[i].state);
		rte_tel_data_add_dict_u64(e, "rtt_ms", r->srv[i].rtt_ms);
		rte_tel_data_add_dict_u64(e, "requests", r->srv[i].requests);
		rte_tel_data_add_dict_u64(e, "responses", r->srv[i].responses);
		rte_tel_data_add_dict_u64(e, "timeouts", r->srv[i].timeouts);
		rte_tel_data_add_dict_u64(e, "retransmits", r->srv[i].retransmits);
		snprintf(idx, sizeof(idx), "%u", i);
		rte_tel_data_add_dict_container(srv, idx, e, 0);
	}
	rte_tel_data_add_dict_container(d, "servers", srv, 0);
	rte_tel_data_start_dict(ctr);
	for (uint32_t i = 0; i < r->n_ctr && i < RTE_DIM(r->ctr); i++)
		rte_tel_data_add_dict_u64(ctr, tel_key(lns_radc_stat_name(i), key, sizeof(key)),
					  r->ctr[i]);
	for (uint32_t i = 0; r->das_port != 0 && i < LNS_DAS_STAT_MAX; i++)
		rte_tel_data_add_dict_u64(ctr, tel_key(lns_das_stat_name(i), key, sizeof(key)),
					  r->das[i]);
	rte_tel_data_add_dict_container(d, "counters", ctr, 0);
	rte_tel_data_add_dict_u64(d, "das_port", r->das_port);
	free(r);
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

/* ---- packet trace: /lns/trace/start, /lns/trace/stop, /lns/trace/show ---- */

#define TRACE_SHOW_MAX 100      /* records per reply: DPDK 22.11 sends 16 KiB */

static int
parse_ul(const char *v, unsigned long max, unsigned long *out)
{
	char *end;

	if (v[0] < '0' || v[0] > '9')
		return -1;
	errno = 0;
	*out = strtoul(v, &end, 0);
	return errno != 0 || *end != '\0' || *out > max ? -1 : 0;
}

/* N[,port=access|core][,peer=A.B.C.D][,spi=X][,tunnel=ID][,session=H] */
static int
cmd_trace_start(const char *cmd __rte_unused, const char *params, struct rte_tel_data *d)
{
	struct lns_dp *dp = (struct lns_dp *)__atomic_load_n(&mgmt_dp, __ATOMIC_ACQUIRE);
	struct lns_trace_filter f = { .port = 0xff };
	unsigned long n = 10, v;
	char buf[256], *save = NULL, *tok;
	bool first = true;

	if (dp == NULL || dp->trace == NULL)
		return -EAGAIN;
	snprintf(buf, sizeof(buf), "%s", params != NULL ? params : "");
	for (tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');

		if (first && eq == NULL) {
			if (parse_ul(tok, 100000, &n) != 0 || n == 0)
				return reply_error(d, "invalid packet count '%s': 1 to 100000", tok);
			first = false;
			continue;
		}
		first = false;
		if (eq == NULL)
			return reply_error(d, "invalid filter '%s': KEY=VALUE", tok);
		*eq++ = '\0';
		if (strcmp(tok, "port") == 0 && strcmp(eq, "access") == 0) {
			f.port = LNS_PORT_ACCESS;
		} else if (strcmp(tok, "port") == 0 && strcmp(eq, "core") == 0) {
			f.port = LNS_PORT_CORE;
		} else if (strcmp(tok, "peer") == 0) {
			if (inet_pton(AF_INET, eq, &f.peer) != 1 || f.peer == 0)
				return reply_error(d, "invalid peer '%s': an IPv4 address", eq);
		} else if (strcmp(tok, "spi") == 0) {
			if (parse_ul(eq, UINT32_MAX, &v) != 0 || v == 0)
				return reply_error(d, "invalid spi '%s'", eq);
			f.spi = (uint32_t)v;
		} else if (strcmp(tok, "tunnel") == 0) {
			if (parse_ul(eq, UINT16_MAX, &v) != 0 || v == 0)
				return reply_error(d, "invalid tunnel '%s': 1 to 65535", eq);
			f.tunnel = (uint16_t)v;
		} else if (strcmp(tok, "session") == 0) {
			if (parse_ul(eq, UINT32_MAX - 1, &v) != 0)
				return reply_error(d, "invalid session '%s'", eq);
			f.session = (uint32_t)v + 1;
		} else {
			return reply_error(d, "unknown filter '%s': port=access|core, peer=ADDR, "
					   "spi=X, tunnel=ID or session=ID", tok);
		}
	}
	lns_trace_start(dp->trace, &dp->trace_on, (uint32_t)n, &f);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "trace", "on");
	rte_tel_data_add_dict_u64(d, "packets", n);
	return 0;
}

static int
cmd_trace_stop(const char *cmd __rte_unused, const char *params __rte_unused,
	       struct rte_tel_data *d)
{
	struct lns_dp *dp = (struct lns_dp *)__atomic_load_n(&mgmt_dp, __ATOMIC_ACQUIRE);

	if (dp == NULL || dp->trace == NULL)
		return -EAGAIN;
	lns_trace_stop(dp->trace, &dp->trace_on);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "trace", "off");
	return 0;
}

/* One record as a line: packet, lcore, port, stage, decision [reason], SA, tunnel,
 * session. */
static void
trace_line(const struct lns_dp *dp, const struct lns_trace_rec *r, char *out, size_t len)
{
	int k;
	char lcore[16];

	if (r->slot < dp->n_workers)
		snprintf(lcore, sizeof(lcore), "worker%u", r->slot);
	else
		snprintf(lcore, sizeof(lcore), "control");
	k = snprintf(out, len, "pkt %u %s %s %s %s", r->pkt, lcore,
		     r->port == LNS_PORT_CORE ? "core" : "access", lns_trace_stage_name(r->stage),
		     lns_trace_decision_name(r->decision));
	if (r->decision == LNS_TD_DROP && k >= 0 && (size_t)k < len)
		k += snprintf(out + k, len - (size_t)k, " %s", lns_drop_name(r->reason));
	if (r->sa != UINT32_MAX && r->sa < dp->sad->max_sas && k >= 0 && (size_t)k < len)
		k += snprintf(out + k, len - (size_t)k, " sa %u spi 0x%x", r->sa,
			      lns_sad_get(dp->sad, r->sa)->spi);
	if (r->tunnel != 0 && k >= 0 && (size_t)k < len)
		k += snprintf(out + k, len - (size_t)k, " tunnel %u", r->tunnel);
	if (r->session != UINT32_MAX && k >= 0 && (size_t)k < len)
		snprintf(out + k, len - (size_t)k, " session %u", r->session);
}

static int
cmd_trace_show(const char *cmd __rte_unused, const char *params __rte_unused,
	       struct rte_tel_data *d)
{
	const struct lns_dp *dp = __atomic_load_n(&mgmt_dp, __ATOMIC_ACQUIRE);
	struct lns_trace_rec *rec;
	struct rte_tel_data *arr;
	unsigned int n;
	int32_t left;

	if (dp == NULL || dp->trace == NULL)
		return -EAGAIN;
	rec = malloc(TRACE_SHOW_MAX * sizeof(*rec));
	arr = rte_tel_data_alloc();
	if (rec == NULL || arr == NULL) {
		free(rec);
		rte_tel_data_free(arr);
		return -ENOMEM;
	}
	n = lns_trace_snapshot(dp->trace, rec, TRACE_SHOW_MAX);
	rte_tel_data_start_array(arr, RTE_TEL_STRING_VAL);
	for (unsigned int i = 0; i < n; i++) {
		char line[RTE_TEL_MAX_STRING_LEN];

		trace_line(dp, &rec[i], line, sizeof(line));
		rte_tel_data_add_array_string(arr, line);
	}
	free(rec);
	left = __atomic_load_n(&dp->trace->budget, __ATOMIC_RELAXED);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "trace",
				     __atomic_load_n(&dp->trace_on, __ATOMIC_ACQUIRE) ? "on" : "off");
	rte_tel_data_add_dict_u64(d, "packets", dp->trace->limit);
	rte_tel_data_add_dict_u64(d, "remaining", left > 0 ? (uint64_t)left : 0);
	rte_tel_data_add_dict_container(d, "records", arr, 0);
	return 0;
}

/* The /lns/ commands; DPDK 22.11 keeps 127 characters of help: the full list
 * grammar is in lns_listq.h and in lnsctl --help. */
static const struct {
	const char *cmd;
	telemetry_cb fn;
	const char *help;
} mgmt_cmds[] = {
	{ "/lns/stats", cmd_stats,
	  "lnsd counters: ports, events and drops by reason. No parameters." },
	{ "/lns/sa", cmd_sa,
	  "SAs by handle. Params: from=H,limit=N,peer=A.B.C.D[/LEN],state=active|dropped. "
	  "A reply with \"next\":H has more: ask from=H" },
	{ "/lns/sessions", cmd_sessions,
	  "Sessions by handle. Params: from=H,limit=N,tunnel=ID,peer=ADDR[/LEN],user=U,"
	  "state=PHASE (%XX escapes). \"next\":H = ask from=H" },
	{ "/lns/tunnels", cmd_tunnels,
	  "Tunnels by id. Params: from=ID,limit=N,tunnel=ID,peer=ADDR[/LEN],state=S,"
	  "profile=P (%XX escapes). \"next\":ID = ask from=ID" },
	{ "/lns/radius", cmd_radius, "RADIUS servers, counters, accounting queue and spool" },
	{ "/lns/drain", cmd_drain,
	  "Drain: refuse new tunnels, calls and IKE Main Modes; existing sessions stay. "
	  "Parameter: on[,max-wait=S] or off." },
	{ "/lns/reload", cmd_reload,
	  "Read the config file again, apply what changed, name what needs a restart. "
	  "Param: apply|dry-run[ FILE]" },
	{ "/lns/events", cmd_events,
	  "Events by sequence number: newest 64; AFTER_SEQ; or from=SEQ[,limit=N] paged"
	  " with next" },
	{ "/lns/config", cmd_config,
	  "The configuration in use, secrets masked, one entry per line (\"cont\": a long "
	  "line's next piece). Params: from=N,limit=N" },
	{ "/lns/clear/tunnel", cmd_clear_tunnel,
	  "Tear a tunnel down (StopCCN, then its lifecycle). Parameter: local tunnel id." },
	{ "/lns/clear/session", cmd_clear_session,
	  "End a session (CDN, then its lifecycle). Parameter: session id as listed "
	  "by /lns/sessions." },
	{ "/lns/clear/sa", cmd_clear_sa,
	  "Drop an SA pair from the data plane now. Parameter: SPI (either direction)." },
	{ "/lns/trace/start", cmd_trace_start,
	  "Trace the next N packets through the stages. Params: N,port=access|core,"
	  "peer=ADDR,spi=X,tunnel=ID,session=ID" },
	{ "/lns/trace/stop", cmd_trace_stop, "Stop picking packets to trace." },
	{ "/lns/trace/show", cmd_trace_show,
	  "Traced packets' decisions per stage (newest trace, 100 records at most)." },
};

int
lns_mgmt_init(const struct lns_dp *dp, const char **failed)
{
	__atomic_store_n(&mgmt_dp, dp, __ATOMIC_RELEASE);
	/* stop at the first failure: its errno and its command are what to report
	 * (errnos or-ed together name no error at all) */
	for (size_t i = 0; i < RTE_DIM(mgmt_cmds); i++) {
		int rc = rte_telemetry_register_cmd(mgmt_cmds[i].cmd, mgmt_cmds[i].fn,
						    mgmt_cmds[i].help);

		if (rc != 0) {
			if (failed != NULL)
				*failed = mgmt_cmds[i].cmd;
			return rc;
		}
	}
	return 0;
}
