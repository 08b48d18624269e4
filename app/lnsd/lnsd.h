/* SPDX-License-Identifier: BSD-3-Clause */
/* The daemon's own modules (app/lnsd). */
#ifndef LNSD_H
#define LNSD_H

#include "lns_conf.h"

/** Set the lns.* log levels from log.level and log.modules. */
void lnsd_log_apply(const struct lns_conf *conf);

/** Register /lns/log (list and set levels at run time). 0 or a negative errno. */
int lnsd_log_telemetry_init(void);

#endif /* LNSD_H */
