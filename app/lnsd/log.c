/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Log levels per module: from `log.level` and `log.modules` at start-up, and at
 * run time through the telemetry command /lns/log (`lnsctl show log`,
 * `lnsctl set log MODULE LEVEL`).
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <sys/stat.h>

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

/* --------------------------------------------------------- journal / syslog --- */

/*
 * Under systemd, stderr is a stream socket to journald, and systemd tells so in
 * JOURNAL_STREAM="DEV:INODE" (systemd.exec(5)). journald reads a "<N>" prefix on
 * each line as its syslog priority (sd-daemon(3)), so warnings and errors keep their
 * level in `journalctl -p`. With --syslog, lines go to syslog(3) instead (a
 * non-systemd init, or a central syslog). Either way one line is one record.
 * DPDK's level (RTE_LOG_EMERG 1 .. RTE_LOG_DEBUG 8) of the message being written is
 * rte_log_cur_msg_loglevel(); the syslog priority is one less.
 */
#define SINK_LINE_MAX 2048

struct log_sink {
	enum lnsd_log_sink kind;
	size_t len;
	char line[SINK_LINE_MAX];
};

static struct log_sink sink;

static int
cur_priority(void)
{
	int level = rte_log_cur_msg_loglevel();

	if (level < (int)RTE_LOG_EMERG || level > (int)RTE_LOG_DEBUG)
		return LOG_INFO;
	return level - 1;
}

static void
sink_emit(struct log_sink *k)
{
	int prio = cur_priority();

	if (k->kind == LNSD_LOG_SYSLOG) {
		syslog(LOG_DAEMON | prio, "%.*s", (int)k->len, k->line);
	} else {
		char pfx[4] = { '<', (char)('0' + prio), '>', 0 };
		ssize_t rc;

		/* one write per line: journald must not see a line cut in two.
		 * sink_write() keeps len <= SINK_LINE_MAX - 4: room for "<N>" and '\n'. */
		memmove(k->line + 3, k->line, k->len);
		memcpy(k->line, pfx, 3);
		k->line[k->len + 3] = '\n';
		rc = write(STDERR_FILENO, k->line, k->len + 4);
		(void)rc;  /* nowhere left to report a failed log write */
	}
	k->len = 0;
}

static ssize_t
sink_write(void *cookie, const char *buf, size_t size)
{
	struct log_sink *k = cookie;

	for (size_t i = 0; i < size; i++) {
		if (buf[i] == '\n') {
			sink_emit(k);
			continue;
		}
		/* room for the "<N>" prefix and the newline */
		if (k->len >= SINK_LINE_MAX - 4)
			sink_emit(k);
		k->line[k->len++] = buf[i];
	}
	return (ssize_t)size;
}

enum lnsd_log_sink
lnsd_log_sink_pick(bool want_syslog)
{
	const char *js = getenv("JOURNAL_STREAM");
	uintmax_t dev, ino;
	struct stat st;

	if (want_syslog)
		return LNSD_LOG_SYSLOG;
	if (js == NULL || sscanf(js, "%ju:%ju", &dev, &ino) != 2)
		return LNSD_LOG_DEFAULT;
	if (fstat(STDERR_FILENO, &st) != 0 || (uintmax_t)st.st_dev != dev ||
	    (uintmax_t)st.st_ino != ino)
		return LNSD_LOG_DEFAULT;  /* stderr was redirected: not the journal */
	return LNSD_LOG_JOURNAL;
}

int
lnsd_log_sink_open(enum lnsd_log_sink kind)
{
	static const cookie_io_functions_t io = { .write = sink_write };
	FILE *f;

	if (kind == LNSD_LOG_DEFAULT)
		return 0;
	sink.kind = kind;
	sink.len = 0;
	if (kind == LNSD_LOG_SYSLOG)
		openlog("lnsd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	f = fopencookie(&sink, "w", io);
	if (f == NULL)
		return -1;
	setvbuf(f, NULL, _IOLBF, 0);
	rte_openlog_stream(f);
	return 0;
}
