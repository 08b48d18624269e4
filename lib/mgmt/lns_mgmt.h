/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Management: telemetry commands under /lns/ (read by lnsctl and by DPDK's own
 * dpdk-telemetry.py).
 *
 * Thread-safety: handlers run on DPDK's telemetry thread. They read only per-lcore
 * counters (relaxed loads), ethdev statistics and data fixed before registration;
 * they never touch control-lcore state.
 */
#ifndef LNS_MGMT_H
#define LNS_MGMT_H

#include "lns_dp.h"

/**
 * Register the /lns/ telemetry commands for `dp` (must outlive the process's
 * telemetry use: lnsd keeps it until exit). Stops at the first command DPDK
 * refuses.
 * @param failed  if not NULL, set to that command's name on failure
 * @return 0 or the -errno of the first failure.
 */
int lns_mgmt_init(const struct lns_dp *dp, const char **failed);

/** Detach the commands from `dp` before it is freed: they answer -EAGAIN after. */
void lns_mgmt_fini(void);

/**
 * Serve Prometheus metrics on metrics.listen from a thread of its own.
 * @return 0, or -errno with a message in err.
 */
int lns_metrics_start(const struct lns_dp *dp, const struct lns_metrics_conf *mc, char *err,
		      size_t errlen);

/** Stop the metrics thread (no-op when not started). */
void lns_metrics_stop(void);

#endif /* LNS_MGMT_H */
