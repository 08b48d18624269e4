/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_telemetry.h>

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
	__atomic_store_n(&mgmt_dp, dp, __ATOMIC_RELEASE);
	return rte_telemetry_register_cmd("/lns/stats", cmd_stats,
		"lnsd counters: ports, events and drops by reason. No parameters.");
}
