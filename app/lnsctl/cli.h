/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * lnsctl's command line: option parsing, the mapping from commands to telemetry
 * requests, and the whole run (connect, ask, print), with output and errors written
 * to the given streams so tests can capture them.
 */
#ifndef LNSCTL_CLI_H
#define LNSCTL_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "tel.h"

/** Exit statuses. */
#define CTL_EXIT_OK 0
#define CTL_EXIT_USAGE 1   /**< bad command line */
#define CTL_EXIT_FAIL 2    /**< lnsd unreachable, refused or misbehaving */

/** File prefix lnsd uses when its config names none. */
#define CTL_DEFAULT_PREFIX "lnsd"
/** Socket file name in the runtime directory. */
#define CTL_SOCKET_NAME "dpdk_telemetry.v2"

/** How to print a reply when --json is not given. */
enum ctl_view {
	CTL_VIEW_GENERIC, /**< tables / key-value lines (fmt_generic) */
	CTL_VIEW_STATS,   /**< fmt_stats */
	CTL_VIEW_RAW,     /**< the whole reply as pretty JSON */
	CTL_VIEW_LOG,     /**< /lns/log: MODULE LEVEL table */
	CTL_VIEW_CONFIG,  /**< /lns/config: the YAML text, pages joined */
	CTL_VIEW_RELOAD,  /**< /lns/reload: one line per change, or the error */
	CTL_VIEW_TRACE,   /**< /lns/trace/show: state, then one line per record */
};

/** What to do, as parsed from the command line. */
enum ctl_action {
	CTL_ACT_REQUEST, /**< send `request` */
	CTL_ACT_LIST,    /**< fetch every page of list `request` and stitch them */
	CTL_ACT_TOP,     /**< live rates (lnsctl top) */
	CTL_ACT_HELP,
	CTL_ACT_VERSION,
	CTL_ACT_COMMANDS, /**< --list-commands */
};

struct ctl_opts {
	const char *file_prefix;   /**< default CTL_DEFAULT_PREFIX */
	const char *runtime_dir;   /**< NULL: EAL's default for this user */
	const char *socket;        /**< NULL: <runtime dir>/<prefix>/dpdk_telemetry.v2 */
	bool json;
	bool all;
	int timeout_ms;
	enum ctl_action action;
	enum ctl_view view;
	char request[TEL_MAX_REQUEST + 1];
	uint32_t page_size;        /**< --page-size: limit= per page, 0 = lnsd's choice */
	double interval_s;         /**< top --interval, default CTL_TOP_INTERVAL_S */
	unsigned int count;        /**< top --count, 0 = until interrupted */
	unsigned int top_n;        /**< top --top, default CTL_TOP_N */
	uint32_t max_wait_s;       /**< drain on --max-wait, 0 = none */
	const char *config;        /**< reload -c FILE, NULL = the file lnsd runs with */
	bool dry_run;              /**< reload --dry-run */
};

/** `lnsctl top` defaults. */
#define CTL_TOP_INTERVAL_S 1.0
#define CTL_TOP_N 20
/** Room kept in a list request for the ",from=N,limit=N" paging adds. */
#define CTL_PAGING_ROOM 40

/**
 * Parse argv (argv[0] is the program name). Options may come before or after the
 * command words; "--" ends them.
 * @return 0, or -1 with a one-line reason in `err`.
 */
int ctl_parse_args(int argc, char *const argv[], struct ctl_opts *o, char *err, size_t errlen);

/**
 * Map command words ("show", "stats") to the telemetry request and view in `o`.
 * @return 0, or -1 with a one-line reason in `err`.
 */
int ctl_map_command(size_t nwords, char *const words[], struct ctl_opts *o, char *err,
		    size_t errlen);

/** Socket path for `o`. @return 0 or -ENAMETOOLONG. */
int ctl_socket_path(const struct ctl_opts *o, char *out, size_t size);

/**
 * Names of the file prefixes under a DPDK runtime base directory that hold a
 * telemetry socket, as "'a', 'b'" (sorted), for the hint when lnsd is not found.
 * @return how many were found (0: `out` is "").
 */
size_t ctl_find_prefixes(const char *base, char *out, size_t size);

/** Print the full --help text. */
void ctl_usage(FILE *out);

/**
 * Print every command lnsctl takes, one per line: the command words, a tab, and one
 * complete invocation of it that ctl_map_command() accepts. Drawn from the same
 * tables the parser uses; lnsctl(8) is checked against it.
 */
void ctl_list_commands(FILE *out);

/** Run lnsctl. @return the exit status (CTL_EXIT_*). */
int ctl_main(int argc, char *const argv[], FILE *out, FILE *err);

#endif /* LNSCTL_CLI_H */
