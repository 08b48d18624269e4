/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * `lnsctl top`: per-tunnel and per-port packet and bit rates from the deltas of
 * lnsd's counters between two reads. The maths and the output are here, apart
 * from the socket, so tests feed them canned replies.
 */
#ifndef LNSCTL_TOP_H
#define LNSCTL_TOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ljson.h"

#define TOP_MAX_PORTS 8
#define TOP_NAME_LEN 40

/** Counters of one tunnel or port at one read: [0] packets up (port: rx),
 *  [1] bytes up (rx), [2] packets down (tx), [3] bytes down (tx). */
struct top_entry {
	uint32_t id;                    /**< tunnel id; port: its index in the reply */
	char name[TOP_NAME_LEN];        /**< tunnel: peer address; port: role name */
	int64_t sessions;               /**< -1 when not reported */
	uint64_t c[4];
};

/** One read: tunnels in the order lnsd listed them (ascending id). */
struct top_sample {
	double t;                       /**< seconds, monotonic clock */
	struct top_entry *tun;
	size_t ntun;
	struct top_entry port[TOP_MAX_PORTS];
	size_t nport;
};

/** Rates of one tunnel or port between two reads. [0] up / rx, [1] down / tx. */
struct top_rate {
	uint32_t id;
	char name[TOP_NAME_LEN];
	int64_t sessions;
	double pps[2];
	double bps[2];                  /**< bits per second */
	double total_pps, total_bps;
};

struct top_result {
	double dt;                      /**< seconds between the reads */
	struct top_rate port[TOP_MAX_PORTS];
	size_t nport;
	struct top_rate *tun;           /**< every tunnel of the later read, busiest first */
	size_t ntun;
};

/**
 * Fill `s` from a stitched /lns/tunnels value (object keyed by tunnel id) and a
 * /lns/stats value (its "ports"); either may be NULL. Entries without counters
 * count as zero. @return 0 or -ENOMEM.
 */
int top_sample_build(struct top_sample *s, double t, const struct ljson *tunnels,
		     const struct ljson *stats);
void top_sample_free(struct top_sample *s);

/**
 * Rates from `prev` to `cur`: delta / (cur->t - prev->t). A tunnel absent from
 * `prev` was created in between, with counters from zero; a counter that went
 * down restarted (tunnel id reused), so its delta is its new value. Tunnels are
 * sorted by total bit rate, then total packet rate, then id.
 * @return 0, -EINVAL when the time did not advance, -ENOMEM.
 */
int top_compute(const struct top_sample *prev, const struct top_sample *cur,
		struct top_result *r);
void top_result_free(struct top_result *r);

/** Rate in SI units with 3 significant figures: "950 pps", "1.25 kpps", "81.6 Mbit/s". */
char *top_fmt_rate(double v, const char *unit, char *buf, size_t size);

/** Print the ports and the `top_n` busiest tunnels as aligned tables. */
void top_print_table(FILE *out, const struct top_result *r, size_t top_n, double interval_s,
		     unsigned int refresh);

/** Print one compact JSON document on one line: {"refresh":N,"interval_s":X,
 *  "dt_s":X,"ports":{NAME:{"rx_pps","rx_bps","tx_pps","tx_bps"}},"tunnels_total":N,
 *  "tunnels":[{"tunnel","peer","sessions"?,"up_pps","up_bps","down_pps","down_bps",
 *  "total_pps","total_bps"}...]} (the `top_n` busiest). */
void top_print_json(FILE *out, const struct top_result *r, size_t top_n, double interval_s,
		    unsigned int refresh);

#endif /* LNSCTL_TOP_H */
