/* SPDX-License-Identifier: BSD-3-Clause */
/* The daemon's own modules (app/lnsd). */
#ifndef LNSD_H
#define LNSD_H

#include <stdbool.h>

#include "lns_conf.h"

/** Set the lns.* log levels from log.level and log.modules. */
void lnsd_log_apply(const struct lns_conf *conf);

/** Register /lns/log (list and set levels at run time). 0 or a negative errno. */
int lnsd_log_telemetry_init(void);

/** Where log lines go when log.file does not say. */
enum lnsd_log_sink {
	LNSD_LOG_DEFAULT,  /**< DPDK's own stream */
	LNSD_LOG_JOURNAL,  /**< stderr, each line prefixed "<PRIORITY>" (sd-daemon(3)) */
	LNSD_LOG_SYSLOG,   /**< syslog(3), facility daemon, ident "lnsd" */
};

/** The sink to use: --syslog asks for syslog; a stderr that is the journal
 * ($JOURNAL_STREAM names its device and inode) gets priority prefixes. */
enum lnsd_log_sink lnsd_log_sink_pick(bool want_syslog);

/** Send rte_log to the sink; called before rte_eal_init() so DPDK's own lines go
 * there too. 0, or -1 when the stream cannot be made (DPDK's default stays). */
int lnsd_log_sink_open(enum lnsd_log_sink sink);

#endif /* LNSD_H */
