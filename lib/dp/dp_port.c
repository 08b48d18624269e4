/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control side: bring-up and tear-down of pools, punt rings, RCU and ports.
 * Runs on the main lcore before the workers start and after they stop.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_ip_frag.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_mempool.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "lns_dp.h"
#include "lns_evlog.h"

RTE_LOG_REGISTER(lns_logtype_dp, lns.dp, INFO);
#define DP_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, lns_logtype_dp, "lnsd: dp: " fmt "\n", ##__VA_ARGS__)

#define MBUF_CACHE 256

static int
fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return rc;
}

static uint64_t
rss_hf_of(uint32_t fields)
{
	uint64_t hf = 0;

	if (fields & LNS_RSS_IPV4)
		hf |= RTE_ETH_RSS_IPV4;
	if (fields & LNS_RSS_IPV4_UDP)
		hf |= RTE_ETH_RSS_NONFRAG_IPV4_UDP;
	if (fields & LNS_RSS_IPV4_TCP)
		hf |= RTE_ETH_RSS_NONFRAG_IPV4_TCP;
	if (fields & LNS_RSS_IPV4_OTHER)
		hf |= RTE_ETH_RSS_NONFRAG_IPV4_OTHER;
	if (fields & LNS_RSS_IPV4_FRAG)
		hf |= RTE_ETH_RSS_FRAG_IPV4;
	return hf;
}

static void
offloads_of(uint32_t o, uint64_t *rx, uint64_t *tx)
{
	*rx = 0;
	*tx = 0;
	if (o & LNS_OFFLOAD_RX_IPV4_CKSUM)
		*rx |= RTE_ETH_RX_OFFLOAD_IPV4_CKSUM;
	if (o & LNS_OFFLOAD_RX_UDP_CKSUM)
		*rx |= RTE_ETH_RX_OFFLOAD_UDP_CKSUM;
	if (o & LNS_OFFLOAD_TX_IPV4_CKSUM)
		*tx |= RTE_ETH_TX_OFFLOAD_IPV4_CKSUM;
	if (o & LNS_OFFLOAD_TX_UDP_CKSUM)
		*tx |= RTE_ETH_TX_OFFLOAD_UDP_CKSUM;
	if (o & LNS_OFFLOAD_TX_MULTI_SEGS)
		*tx |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	if (o & LNS_OFFLOAD_TX_FAST_FREE)
		*tx |= RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE;
}

static int
socket_of_port(uint16_t port_id)
{
	int s = rte_eth_dev_socket_id(port_id);

	return s < 0 ? 0 : s; /* vdevs report SOCKET_ID_ANY */
}

static int
create_pool(struct lns_dp *dp, int socket, char *err, size_t errlen)
{
	char name[RTE_MEMPOOL_NAMESIZE];
	uint16_t priv = RTE_ALIGN_CEIL(sizeof(struct lns_pkt_meta), RTE_MBUF_PRIV_ALIGN);
	uint32_t room = RTE_MBUF_DEFAULT_DATAROOM;

	if (dp->pool[socket] != NULL)
		return 0;
	/* One mbuf holds the largest frame a port's profile lets in (max-rx-pkt-len),
	 * and so the largest datagram reassembly can return whole: with af_packet
	 * the kernel reassembles and the PMD copies the datagram into one mbuf. */
	for (int r = 0; r < LNS_PORT_ROLE_MAX; r++)
		room = RTE_MAX(room, (uint32_t)dp->conf->ports[r].profile.max_rx_pkt_len);
	room = RTE_ALIGN_CEIL(room, RTE_CACHE_LINE_SIZE);
	snprintf(name, sizeof(name), "lns_mbuf_%d", socket);
	dp->pool[socket] = rte_pktmbuf_pool_create(name, dp->conf->limits.mbufs, MBUF_CACHE,
						   priv, (uint16_t)(room + RTE_PKTMBUF_HEADROOM),
						   socket);
	if (dp->pool[socket] == NULL)
		return fail(err, errlen, -ENOMEM,
			    "cannot create %u mbufs on socket %d: %s; lower limits.mbufs or give "
			    "DPDK more memory (hugepages: drivers-config/hugepages.sh; without "
			    "hugepages: --no-huge -m 512 in eal)",
			    dp->conf->limits.mbufs, socket, rte_strerror(rte_errno));
	return 0;
}

static int
list_ports(char *buf, size_t len)
{
	uint16_t pid;
	size_t off = 0;
	char name[RTE_ETH_NAME_MAX_LEN];

	buf[0] = '\0';
	RTE_ETH_FOREACH_DEV(pid) {
		if (rte_eth_dev_get_name_by_port(pid, name) == 0 && off < len)
			off += snprintf(buf + off, len - off, "%s%s", off ? ", " : "", name);
	}
	if (off == 0)
		snprintf(buf, len, "none");
	return 0;
}

static int
setup_port(struct lns_dp *dp, enum lns_port_role role, char *err, size_t errlen)
{
	const struct lns_port_conf *pc = &dp->conf->ports[role];
	const struct lns_port_profile *prof = &pc->profile;
	const char *rname = lns_port_role_name(role);
	struct lns_dp_port *p = &dp->port[role];
	struct rte_eth_dev_info info;
	struct rte_eth_conf econf;
	uint64_t rx_off, tx_off, want_hf;
	uint16_t pid, nb_rxd, nb_txd;
	int socket, rc;

	if (rte_eth_dev_get_port_by_name(pc->device, &pid) != 0) {
		char avail[512];

		list_ports(avail, sizeof(avail));
		return fail(err, errlen, -ENODEV,
			    "ports.%s.device '%s' not found; DPDK ports present: %s. A PCI NIC "
			    "must be bound to vfio-pci (drivers-config/bind-nic.sh) and not "
			    "excluded by --no-pci; a vdev must be created in eal with --vdev=%s,...",
			    rname, pc->device, avail, pc->device);
	}
	for (int r = 0; r < (int)role; r++)
		if (dp->port[r].port_id == pid)
			return fail(err, errlen, -EINVAL, "ports.%s.device '%s' is also ports.%s",
				    rname, pc->device, lns_port_role_name(r));

	rc = rte_eth_dev_info_get(pid, &info);
	if (rc != 0)
		return fail(err, errlen, rc, "ports.%s: cannot query '%s': %s", rname,
			    pc->device, rte_strerror(-rc));
	if (prof->driver[0] != '\0' && strcmp(prof->driver, info.driver_name) != 0)
		return fail(err, errlen, -EINVAL,
			    "ports.%s: device '%s' is driven by %s but profile '%s' is for %s; "
			    "name the profile of that driver", rname, pc->device,
			    info.driver_name, prof->name, prof->driver);

	p->port_id = pid;
	p->role = (uint8_t)role;
	p->mtu = pc->mtu;
	p->rx_burst = prof->rx_burst ? prof->rx_burst : 32;
	p->addr = pc->address.addr;
	p->mask = pc->address.len ? rte_cpu_to_be_32(~0u << (32 - pc->address.len)) : 0;
	p->gateway = pc->gateway;
	snprintf(p->device, sizeof(p->device), "%s", pc->device);
	snprintf(p->driver, sizeof(p->driver), "%s", info.driver_name);

	/* Workers need one RX and one TX queue each; control needs one TX queue and
	 * takes an RX queue where the device has one more to give. */
	p->nb_txq = dp->n_workers + 1;
	if (info.max_tx_queues < p->nb_txq || info.max_rx_queues < dp->n_workers)
		return fail(err, errlen, -EINVAL,
			    "ports.%s: '%s' offers %u RX / %u TX queues but lnsd needs %u RX and "
			    "%u TX (%u workers + the control lcore)%s", rname, pc->device,
			    info.max_rx_queues, info.max_tx_queues, dp->n_workers, p->nb_txq,
			    dp->n_workers,
			    strcmp(info.driver_name, "net_af_packet") == 0 ?
			    "; give the vdev qpairs=<workers+1>" : "; use fewer lcores in eal -l");
	p->ctl_rx = info.max_rx_queues > dp->n_workers;
	p->nb_rxq = p->ctl_rx ? dp->n_workers + 1 : dp->n_workers;

	memset(&econf, 0, sizeof(econf));
	offloads_of(prof->offloads, &rx_off, &tx_off);
	if ((rx_off & ~info.rx_offload_capa) || (tx_off & ~info.tx_offload_capa))
		DP_LOG(WARNING, "ports.%s: %s lacks some offloads of profile '%s' "
		       "(rx 0x%" PRIx64 ", tx 0x%" PRIx64 "); continuing without them", rname,
		       info.driver_name, prof->name, rx_off & ~info.rx_offload_capa,
		       tx_off & ~info.tx_offload_capa);
	econf.rxmode.offloads = rx_off & info.rx_offload_capa;
	econf.txmode.offloads = tx_off & info.tx_offload_capa;
	want_hf = rss_hf_of(prof->rss_fields);
	if (want_hf != 0 && info.flow_type_rss_offloads != 0 && p->nb_rxq > 1) {
		econf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		econf.rx_adv_conf.rss_conf.rss_hf = want_hf & info.flow_type_rss_offloads;
		if (want_hf & ~info.flow_type_rss_offloads)
			DP_LOG(WARNING, "ports.%s: %s cannot hash on some RSS fields of profile "
			       "'%s' (0x%" PRIx64 ")", rname, info.driver_name, prof->name,
			       want_hf & ~info.flow_type_rss_offloads);
	}

	rc = rte_eth_dev_configure(pid, p->nb_rxq, p->nb_txq, &econf);
	if (rc != 0)
		return fail(err, errlen, rc, "ports.%s: configuring '%s' failed: %s", rname,
			    pc->device, rte_strerror(-rc));
	nb_rxd = prof->rx_desc ? prof->rx_desc : 1024;
	nb_txd = prof->tx_desc ? prof->tx_desc : 1024;
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(pid, &nb_rxd, &nb_txd);
	if (rc != 0)
		return fail(err, errlen, rc, "ports.%s: descriptor counts rejected: %s", rname,
			    rte_strerror(-rc));

	socket = socket_of_port(pid);
	rc = create_pool(dp, socket, err, errlen);
	if (rc != 0)
		return rc;
	for (uint16_t q = 0; q < p->nb_rxq; q++) {
		rc = rte_eth_rx_queue_setup(pid, q, nb_rxd, socket, NULL, dp->pool[socket]);
		if (rc != 0)
			return fail(err, errlen, rc, "ports.%s: RX queue %u setup failed: %s",
				    rname, q, rte_strerror(-rc));
	}
	for (uint16_t q = 0; q < p->nb_txq; q++) {
		struct rte_eth_txconf txc = info.default_txconf;

		txc.offloads = econf.txmode.offloads;
		rc = rte_eth_tx_queue_setup(pid, q, nb_txd, socket, &txc);
		if (rc != 0)
			return fail(err, errlen, rc, "ports.%s: TX queue %u setup failed: %s",
				    rname, q, rte_strerror(-rc));
	}

	if (pc->mtu != 0) {
		uint16_t cur = 0;

		rte_eth_dev_get_mtu(pid, &cur);
		if (cur != pc->mtu && (rc = rte_eth_dev_set_mtu(pid, pc->mtu)) != 0)
			DP_LOG(WARNING, "ports.%s: cannot set MTU %u (%s); it stays %u", rname,
			       pc->mtu, rte_strerror(-rc), cur);
	}

	rc = rte_eth_dev_start(pid);
	if (rc != 0)
		return fail(err, errlen, rc, "ports.%s: starting '%s' failed: %s", rname,
			    pc->device, rte_strerror(-rc));

	/* Spread RSS over the workers' queues only; the control queue gets only what a
	 * device spreads there by itself. */
	if (econf.rxmode.mq_mode == RTE_ETH_MQ_RX_RSS && info.reta_size > 0 && p->ctl_rx) {
		struct rte_eth_rss_reta_entry64 reta[info.reta_size / RTE_ETH_RETA_GROUP_SIZE + 1];

		memset(reta, 0, sizeof(reta));
		for (uint16_t i = 0; i < info.reta_size; i++) {
			reta[i / RTE_ETH_RETA_GROUP_SIZE].mask |= 1ULL << (i % RTE_ETH_RETA_GROUP_SIZE);
			reta[i / RTE_ETH_RETA_GROUP_SIZE].reta[i % RTE_ETH_RETA_GROUP_SIZE] =
				i % dp->n_workers;
		}
		rc = rte_eth_dev_rss_reta_update(pid, reta, info.reta_size);
		if (rc != 0)
			DP_LOG(WARNING, "ports.%s: cannot program the RSS table (%s); the control "
			       "queue will receive data traffic too", rname, rte_strerror(-rc));
	}
	if (prof->promiscuous)
		rte_eth_promiscuous_enable(pid);

	rc = rte_eth_macaddr_get(pid, &p->mac);
	if (rc != 0)
		return fail(err, errlen, rc, "ports.%s: cannot read MAC address: %s", rname,
			    rte_strerror(-rc));
	DP_LOG(INFO, "port %s: %s (%s) id %u, %u RX / %u TX queues, %u/%u descriptors, "
	       "MAC " RTE_ETHER_ADDR_PRT_FMT, rname, pc->device, info.driver_name, pid,
	       p->nb_rxq, p->nb_txq, nb_rxd, nb_txd, RTE_ETHER_ADDR_BYTES(&p->mac));
	return 0;
}

int
lns_dp_init(struct lns_dp *dp, const struct lns_conf *conf, struct lns_stats *st,
	    char *err, size_t errlen)
{
	unsigned int lcore;
	size_t qsz;
	int rc;

	memset(dp, 0, sizeof(*dp));
	dp->conf = conf;
	dp->mss_clamp = conf->ppp.mss_clamp;
	dp->stats = st;
	for (int r = 0; r < LNS_PORT_ROLE_MAX; r++)
		dp->port[r].port_id = RTE_MAX_ETHPORTS;

	RTE_LCORE_FOREACH_WORKER(lcore)
		dp->worker_lcore[dp->n_workers++] = lcore;
	if (dp->n_workers == 0)
		return fail(err, errlen, -EINVAL,
			    "no worker lcore: lnsd needs the main (control) lcore plus at least "
			    "one worker; give two or more cores in eal, e.g. -l 0-1");
	dp->ctl_queue = dp->n_workers;

	for (uint16_t w = 0; w < dp->n_workers; w++) {
		char name[RTE_RING_NAMESIZE];

		snprintf(name, sizeof(name), "lns_punt_%u", w);
		dp->punt[w] = rte_ring_create(name, conf->limits.punt_ring_size,
					      rte_lcore_to_socket_id(dp->worker_lcore[w]),
					      RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (dp->punt[w] == NULL)
			return fail(err, errlen, -rte_errno, "cannot create punt ring %u: %s", w,
				    rte_strerror(rte_errno));
		/* any other lcore may hand this worker ESP of an SA it owns */
		snprintf(name, sizeof(name), "lns_handoff_%u", w);
		dp->handoff[w] = rte_ring_create(name, LNS_HANDOFF_RING_SIZE,
						 rte_lcore_to_socket_id(dp->worker_lcore[w]),
						 RING_F_SC_DEQ);
		if (dp->handoff[w] == NULL)
			return fail(err, errlen, -rte_errno, "cannot create handoff ring %u: %s",
				    w, rte_strerror(rte_errno));
	}

	/* One IPsec-MB manager per worker and one for the control lcore. */
	for (uint16_t w = 0; w <= dp->n_workers; w++) {
		dp->mgr[w] = lns_esp_mgr_create();
		if (dp->mgr[w] == NULL)
			return fail(err, errlen, -ENOMEM, "cannot create IPsec-MB manager %u", w);
	}
	/* Outer reassembly tables, one per data-path lcore (bounded; see lns_dp.h).
	 * Fragments wait in them for up to LNS_FRAG_TIMEOUT_MS, so a flood of lone
	 * first fragments could hold every mbuf and stop receive until they expire.
	 * All tables together may hold at most a quarter of the pool. */
	uint32_t flows = conf->limits.mbufs / (4u * (dp->n_workers + 1u) * RTE_LIBRTE_IP_FRAG_MAX_FRAG);

	if (flows < 16)
		flows = 16;
	flows = RTE_MIN(rte_align32prevpow2(flows), (uint32_t)LNS_FRAG_MAX_FLOWS);
	for (uint16_t w = 0; w <= dp->n_workers; w++) {
		unsigned int lc = w < dp->n_workers ? dp->worker_lcore[w] : rte_get_main_lcore();
		uint64_t cyc = (rte_get_tsc_hz() + 999) / 1000 * LNS_FRAG_TIMEOUT_MS;

		dp->frag[w] = rte_ip_frag_table_create(flows / 4, 4, flows, cyc,
						       rte_lcore_to_socket_id(lc));
		dp->dr[w] = rte_zmalloc_socket("lns_frag_dr", sizeof(*dp->dr[w]), 0,
					       rte_lcore_to_socket_id(lc));
		if (dp->frag[w] == NULL || dp->dr[w] == NULL)
			return fail(err, errlen, -ENOMEM, "cannot create reassembly table %u", w);
	}
	DP_LOG(INFO, "reassembly: %u flows per lcore, %u ms", flows, LNS_FRAG_TIMEOUT_MS);
	DP_LOG(INFO, "IPsec-MB %s, %s code path", imb_get_version_str(),
	       lns_esp_mgr_arch(dp->mgr[0]));
	dp->evlog = lns_evlog_create(conf->limits.event_log_size);
	if (dp->evlog == NULL)
		return fail(err, errlen, -ENOMEM, "cannot allocate the event log (%u entries)",
			    conf->limits.event_log_size);
	dp->req = rte_ring_create("lns_ctl_req", 64, SOCKET_ID_ANY, RING_F_SC_DEQ);
	if (dp->req == NULL)
		return fail(err, errlen, -ENOMEM, "cannot create the control request ring");

	qsz = rte_rcu_qsbr_get_memsize(dp->n_workers);
	dp->qsbr = rte_zmalloc("lns_qsbr", qsz, RTE_CACHE_LINE_SIZE);
	if (dp->qsbr == NULL || rte_rcu_qsbr_init(dp->qsbr, dp->n_workers) != 0)
		return fail(err, errlen, -ENOMEM, "cannot set up RCU for %u workers",
			    dp->n_workers);

	dp->sad = lns_sad_create(conf->limits.max_sas, SOCKET_ID_ANY, dp->qsbr,
				 dp->n_workers + 1);
	dp->tbl = lns_tables_create(conf->limits.max_sessions, dp->n_workers + 1, SOCKET_ID_ANY,
				    dp->qsbr);
	dp->trace = lns_trace_create(dp->n_workers + 1);
	if (dp->sad == NULL || dp->tbl == NULL || dp->trace == NULL)
		return fail(err, errlen, -ENOMEM,
			    "cannot allocate tables for %u SAs and %u sessions: lower "
			    "limits.max-sas / limits.max-sessions or give DPDK more memory",
			    conf->limits.max_sas, conf->limits.max_sessions);
	/* anonymous slots for rates RADIUS gives directly (Mikrotik-Rate-Limit) */
	rc = lns_tables_policies_init(dp->tbl, conf->policies, conf->n_policies,
				      conf->radius.n_servers > 0 || conf->radius.n_das_clients > 0 ?
				      LNS_POLICY_DYN_MAX : 0);
	if (rc != 0)
		return fail(err, errlen, rc, "policies: cannot set up rate meters (%s)",
			    rc == -ENOMEM ? "out of memory: lower limits.max-sessions" :
			    "invalid rate or burst");

	for (int r = 0; r < LNS_PORT_ROLE_MAX; r++) {
		rc = setup_port(dp, r, err, errlen);
		if (rc != 0)
			return rc;
	}
	dp->ports_started = true;
	dp->start_tsc = rte_get_tsc_cycles();
	return 0;
}

int
lns_dp_launch(struct lns_dp *dp)
{
	for (uint16_t w = 0; w < dp->n_workers; w++) {
		int rc = rte_eal_remote_launch(lns_dp_worker_main, dp, dp->worker_lcore[w]);

		if (rc != 0) {
			lns_dp_stop(dp);
			return rc;
		}
	}
	return 0;
}

void
lns_dp_stop(struct lns_dp *dp)
{
	__atomic_store_n(&dp->stop, 1, __ATOMIC_RELEASE);
	rte_eal_mp_wait_lcore();
}

void
lns_dp_fini(struct lns_dp *dp)
{
	for (int r = 0; r < LNS_PORT_ROLE_MAX; r++) {
		uint16_t pid = dp->port[r].port_id;

		if (pid >= RTE_MAX_ETHPORTS || !rte_eth_dev_is_valid_port(pid))
			continue;
		rte_eth_dev_stop(pid);
		rte_eth_dev_close(pid);
		dp->port[r].port_id = RTE_MAX_ETHPORTS;
	}
	for (uint16_t w = 0; w < dp->n_workers; w++) {
		struct rte_ring **rings[] = { &dp->punt[w], &dp->handoff[w] };

		for (size_t i = 0; i < RTE_DIM(rings); i++) {
			struct rte_ring *ring = *rings[i];
			void *m;

			if (ring == NULL)
				continue;
			while (rte_ring_dequeue(ring, &m) == 0)
				rte_pktmbuf_free(m);
			rte_ring_free(ring);
			*rings[i] = NULL;
		}
	}
	lns_sad_free(dp->sad);
	dp->sad = NULL;
	lns_tables_free(dp->tbl);
	__atomic_store_n(&dp->trace_on, 0, __ATOMIC_RELEASE);
	lns_trace_free(dp->trace);
	dp->trace = NULL;
	lns_evlog_free(dp->evlog);
	dp->evlog = NULL;
	dp->tbl = NULL;
	for (uint16_t w = 0; w <= dp->n_workers; w++) {
		lns_esp_mgr_free(dp->mgr[w]);
		dp->mgr[w] = NULL;
		if (dp->frag[w] != NULL) {
			rte_ip_frag_table_destroy(dp->frag[w]);
			dp->frag[w] = NULL;
		}
		if (dp->dr[w] != NULL) {
			rte_ip_frag_free_death_row(dp->dr[w], 0);
			rte_free(dp->dr[w]);
			dp->dr[w] = NULL;
		}
	}
	if (dp->req != NULL) {
		rte_ring_free(dp->req);
		dp->req = NULL;
	}
	rte_free(dp->qsbr);
	dp->qsbr = NULL;
	for (int s = 0; s < RTE_MAX_NUMA_NODES; s++) {
		rte_mempool_free(dp->pool[s]);
		dp->pool[s] = NULL;
	}
}
