/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Log levels per module: from `log.level` and `log.modules` at start-up, and at
 * run time through the telemetry command /lns/log (`lnsctl show log`,
 * `lnsctl set log MODULE LEVEL`).
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <rte_log.h>
#include <rte_telemetry.h>

#include "lnsd.h"

static const char *const level_names[] = {
	[RTE_LOG_EMERG] = "emerg",     [RTE_LOG_ALERT] = "alert",
	[RTE_LOG_CRIT] = "crit",       [RTE_LOG_ERR] = "err",
	[RTE_LOG_WARNING] = "warning", [RTE_LOG_NOTICE] = "notice",
	[RTE_LOG_INFO] = "info",       [RTE_LOG_DEBUG] = "debug",
};

static const char *const modules[] = {
#define MOD_NAME(m) #m,
	LNS_LOG_MODULES(MOD_NAME)
#undef MOD_NAME
};
#define N_MODULES (sizeof(modules) / sizeof(modules[0]))

/* where each module's level sits in log.modules */
static const size_t module_off[] = {
#define MOD_OFF(m) offsetof(struct lns_log_modules, m),
	LNS_LOG_MODULES(MOD_OFF)
#undef MOD_OFF
};

static int
level_of(const char *s)
{
	for (unsigned int l = RTE_LOG_EMERG; l <= RTE_LOG_DEBUG; l++)
		if (strcmp(s, level_names[l]) == 0)
			return (int)l;
	return -1;
}

static int
set_module(const char *mod, uint32_t level)
{
	char name[32];

	snprintf(name, sizeof(name), "lns.%s", mod);
	return rte_log_set_level_pattern(name, level);
}

void
lnsd_log_apply(const struct lns_conf *conf)
{
	const char *base = (const char *)&conf->log.modules;

	rte_log_set_level_pattern("lns.*", conf->log.level);
	for (unsigned int i = 0; i < N_MODULES; i++) {
		uint32_t level;

		memcpy(&level, base + module_off[i], sizeof(level));
		if (level != 0)
			set_module(modules[i], level);
	}
}

static int
reply_levels(struct rte_tel_data *d)
{
	struct rte_tel_data *lv = rte_tel_data_alloc();
	char name[32];

	if (lv == NULL)
		return -ENOMEM;
	rte_tel_data_start_dict(d);
	rte_tel_data_start_dict(lv);
	for (unsigned int i = 0; i < N_MODULES; i++) {
		int type, level;

		snprintf(name, sizeof(name), "lns.%s", modules[i]);
		type = rte_log_register(name);	/* existing type: returns its id */
		level = type < 0 ? -1 : rte_log_get_level((uint32_t)type);
		/* keys are the bare module names: telemetry allows no '.' in a key */
		rte_tel_data_add_dict_string(lv, modules[i], level >= (int)RTE_LOG_EMERG &&
					     level <= (int)RTE_LOG_DEBUG ?
					     level_names[level] : "unknown");
	}
	rte_tel_data_add_dict_container(d, "levels", lv, 0);
	return 0;
}

static int
reply_error(struct rte_tel_data *d, const char *msg)
{
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "error", msg);
	return 0;
}

/* "" lists the levels; "MODULE:LEVEL" (MODULE without "lns.", or "all") sets one.
 * rte_log_set_level_pattern() is a store per type: safe beside the lcores that
 * read the levels while they log. */
static int
cmd_log(const char *cmd, const char *params, struct rte_tel_data *d)
{
	char buf[64], *colon;
	int level;

	(void)cmd;
	if (params == NULL || *params == '\0')
		return reply_levels(d);
	if (strlen(params) >= sizeof(buf))
		return reply_error(d, "usage: /lns/log[,MODULE:LEVEL]");
	strcpy(buf, params);
	colon = strchr(buf, ':');
	if (colon == NULL)
		return reply_error(d, "usage: /lns/log[,MODULE:LEVEL]");
	*colon = '\0';
	level = level_of(colon + 1);
	if (level < 0)
		return reply_error(d, "level must be one of emerg, alert, crit, err, warning, "
				   "notice, info, debug");
	if (strcmp(buf, "all") == 0) {
		rte_log_set_level_pattern("lns.*", (uint32_t)level);
	} else {
		unsigned int i;

		for (i = 0; i < N_MODULES; i++)
			if (strcmp(buf, modules[i]) == 0)
				break;
		if (i == N_MODULES)
			return reply_error(d, "module must be all, main, ctl, dp, l2tp, ppp, "
					   "ike or ipsec");
		set_module(modules[i], (uint32_t)level);
	}
	return reply_levels(d);
}

int
lnsd_log_telemetry_init(void)
{
	/* help text: at most RTE_TEL_MAX_STRING_LEN (128) bytes, or registration fails */
	return rte_telemetry_register_cmd("/lns/log", cmd_log,
		"Log levels. Param MODULE:LEVEL sets one (all main ctl dp l2tp ppp ike ipsec;"
		" emerg..debug)");
}
