/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Pipeline instruction count: the pipeline harness's tables, SAs and frame
 * builders (tests/unit/test_pipeline.c, included with its main renamed) drive a
 * fixed mix of bursts through lns_dp_rx_burst, ITER times. Not a timed test:
 * run it under valgrind and read the instructions inside lns_dp_rx_burst only:
 *
 *   valgrind --tool=callgrind --toggle-collect=lns_dp_rx_burst \
 *            --callgrind-out-file=up.out build/tests/bench/pipe/pipe_bench up 200
 *   callgrind_annotate up.out | head     (Ir total / packets printed below)
 *
 * Mixes (one burst each per iteration):
 *   up:   24 NAT-T GCM ESP for the ESP session, 6 plain L2TP for the plain
 *         session, 1 unknown SPI, 1 inner TTL 1 (plain): 32 frames
 *   down: 16 to the ESP subscriber, 14 to the plain one, 1 unknown address,
 *         1 TTL 1: 32 frames
 * The frames are built (and ESP sealed) before each call, outside the count.
 *
 * Natively (no valgrind) it also prints the TSC cycles per packet spent inside
 * lns_dp_rx_burst (read around each call, so frame building is left out): a
 * wall-clock figure on a shared machine, to compare only between two builds run
 * interleaved, many times, on the same machine.
 */
#define main test_pipeline_main
int test_pipeline_main(void);
#include "../../unit/test_pipeline.c"
#undef main

#include <stdlib.h>

#include <rte_cycles.h>

#define BURST 32

static struct rte_mbuf *
bmk(const uint8_t *f, uint32_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);

	if (m == NULL) {
		fprintf(stderr, "pipe_bench: pool empty\n");
		exit(2);
	}
	memcpy(rte_pktmbuf_append(m, (uint16_t)len), f, len);
	return m;
}

static uint16_t
fill_up(struct rte_mbuf **pk)
{
	uint8_t f[2048], l2[256], ud[256];
	uint32_t n, k;
	uint16_t c = 0;

	n = l2tp_ip(l2, T_ESP, 1, SUB_ESP, ip4("198.51.100.9"), 64);
	k = udp(ud, 1701, 1701, l2, n);
	for (int i = 0; i < 24; i++) {
		if (i == 12)
			pk[c++] = bmk(f, natt(f, 0x7777, 1, ud, k, IPPROTO_UDP));
		pk[c++] = bmk(f, natt(f, SPI_GCM, seq_gcm++, ud, k, IPPROTO_UDP));
	}
	n = l2tp_ip(l2, T_PLAIN, 1, SUB_PL, ip4("198.51.100.9"), 64);
	for (int i = 0; i < 6; i++)
		pk[c++] = bmk(f, plain_l2tp(f, 1701, l2, n));
	n = l2tp_ip(l2, T_PLAIN, 1, SUB_PL, ip4("198.51.100.9"), 1);
	pk[c++] = bmk(f, plain_l2tp(f, 1701, l2, n));
	return c;
}

static uint16_t
fill_down(struct rte_mbuf **pk)
{
	uint8_t f[2048];
	uint16_t c = 0;

	for (int i = 0; i < 16; i++)
		pk[c++] = bmk(f, from_core(f, SUB_ESP, 64, 64));
	pk[c++] = bmk(f, from_core(f, ip4("10.9.9.9"), 64, 64));
	for (int i = 0; i < 14; i++)
		pk[c++] = bmk(f, from_core(f, SUB_PL, 64, 64));
	pk[c++] = bmk(f, from_core(f, SUB_PL, 64, 1));
	return c;
}

int
main(int argc, char **argv)
{
	char *eal[] = { "pipe_bench", "--no-huge", "-m", "256", "--no-pci", "--no-shconf",
			"-l", "0", "--vdev=net_ring0", "--vdev=net_ring1",
			"--log-level=lib.*:error", NULL };
	const char *dir = argc > 1 ? argv[1] : "up";
	int iter = argc > 2 ? atoi(argv[2]) : 200;
	bool up = strcmp(dir, "up") == 0;
	unsigned int role = up ? LNS_PORT_ACCESS : LNS_PORT_CORE;
	uint64_t pkts = 0, sent = 0, drops0 = 0, drops1 = 0, cyc = 0;
	struct rte_mbuf *pk[BURST], *punt[LNS_MAX_BURST_TEST];

	if (rte_eal_init(11, eal) < 0 || setup() != 0) {
		fprintf(stderr, "pipe_bench: setup failed\n");
		return 2;
	}
	for (int d = 0; d < LNS_DROP_MAX; d++)
		drops0 += lns_stats_drop(st, d);
	for (int it = 0; it < iter; it++) {
		uint16_t n = up ? fill_up(pk) : fill_down(pk), np = 0;

		uint64_t t0 = rte_rdtsc_precise();

		lns_dp_rx_burst(&dp, role, pk, n, punt, &np, &lc);
		cyc += rte_rdtsc_precise() - t0;
		rte_pktmbuf_free_bulk(punt, np);
		sent += drain(up ? LNS_PORT_CORE : LNS_PORT_ACCESS);
		pkts += n;
	}
	for (int d = 0; d < LNS_DROP_MAX; d++)
		drops1 += lns_stats_drop(st, d);
	printf("pipe_bench %s: %lu packets in %d bursts, %lu sent, %lu dropped, "
	       "%.1f TSC cycles/packet in lns_dp_rx_burst\n", dir, (unsigned long)pkts, iter,
	       (unsigned long)sent, (unsigned long)(drops1 - drops0),
	       pkts != 0 ? (double)cyc / (double)pkts : 0.0);
	teardown();
	rte_eal_cleanup();
	return 0;
}
