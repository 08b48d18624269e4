/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Data path: the worker loop. No logging, no syscalls, no locks; every packet that
 * is not passed on is counted under a drop reason.
 */
#include <rte_ethdev.h>
#include <rte_prefetch.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "lns_dp.h"

#define LNS_MAX_BURST 256
#define PREFETCH_AHEAD 3

void
lns_dp_rx_burst(const struct lns_dp *dp, unsigned int role, struct rte_mbuf **pkts,
		uint16_t n, struct rte_mbuf **punt, uint16_t *n_punt,
		struct lns_stats_lcore *st)
{
	uint16_t np = 0;
	uint64_t bytes = 0;

	for (uint16_t i = 0; i < n && i < PREFETCH_AHEAD; i++)
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct lns_pkt_meta meta;
		enum lns_drop why = LNS_DROP_ETH_TRUNCATED;

		if (i + PREFETCH_AHEAD < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + PREFETCH_AHEAD], void *));
		bytes += m->pkt_len;

		/* The classifier reads only the first segment; a header split over
		 * segments reads as truncated, which is counted, never misparsed. */
		if (lns_dp_classify(dp->port, role, rte_pktmbuf_mtod(m, const uint8_t *),
				    m->data_len, m->ol_flags, &meta, &why) == LNS_V_PUNT) {
			*lns_pkt_meta(m) = meta;
			punt[np++] = m;
		} else {
			lns_count_drop(st, why, 1);
			rte_pktmbuf_free(m);
		}
	}
	lns_count(st, LNS_CTR_RX_PACKETS, n);
	lns_count(st, LNS_CTR_RX_BYTES, bytes);
	*n_punt = np;
}

int
lns_dp_worker_main(void *arg)
{
	struct lns_dp *dp = arg;
	const unsigned int lcore = rte_lcore_id();
	struct lns_stats_lcore *st = &dp->stats->slot[lcore];
	struct rte_mbuf *pkts[LNS_MAX_BURST], *punt[LNS_MAX_BURST];
	unsigned int w;
	uint16_t nports = 0, qid;
	struct lns_dp_port ports[LNS_PORT_ROLE_MAX];

	for (w = 0; w < dp->n_workers; w++)
		if (dp->worker_lcore[w] == lcore)
			break;
	if (w == dp->n_workers)
		return -1;
	qid = (uint16_t)w;
	/* A local copy of the (read-only) port table keeps it in this core's cache. */
	for (unsigned int r = 0; r < LNS_PORT_ROLE_MAX; r++)
		ports[nports++] = dp->port[r];

	rte_rcu_qsbr_thread_register(dp->qsbr, w);
	rte_rcu_qsbr_thread_online(dp->qsbr, w);

	while (!__atomic_load_n(&dp->stop, __ATOMIC_RELAXED)) {
		for (uint16_t p = 0; p < nports; p++) {
			uint16_t burst = ports[p].rx_burst, n, np;

			n = rte_eth_rx_burst(ports[p].port_id, qid, pkts, burst);
			if (n == 0)
				continue;
			lns_dp_rx_burst(dp, p, pkts, n, punt, &np, st);
			if (np > 0) {
				unsigned int q = rte_ring_enqueue_burst(dp->punt[w], (void **)punt,
									np, NULL);
				lns_count(st, LNS_CTR_PUNTED, q);
				if (q < np) {
					lns_count_drop(st, LNS_DROP_PUNT_RING_FULL, np - q);
					rte_pktmbuf_free_bulk(&punt[q], np - q);
				}
			}
		}
		rte_rcu_qsbr_quiescent(dp->qsbr, w);
	}

	rte_rcu_qsbr_thread_offline(dp->qsbr, w);
	rte_rcu_qsbr_thread_unregister(dp->qsbr, w);
	return 0;
}
