/* SPDX-License-Identifier: BSD-3-Clause */
/* lnsctl's command line and run. See cli.h. */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "cli.h"
#include "fmt.h"
#include "list.h"
#include "ljson.h"
#include "lns_listq.h"
#include "tel.h"
#include "top.h"

#ifndef LNS_VERSION
#define LNS_VERSION "unknown"
#endif

/* `show` targets: word, telemetry command, view. */
/* `show` targets: word, telemetry command, view, and for the paginated lists the
 * filters they take (LNS_LQ_*; 0: not a list). */
static const struct {
	const char *word;
	const char *cmd;
	enum ctl_view view;
	unsigned int filters;
} show_table[] = {
	{ "stats",    "/lns/stats",    CTL_VIEW_STATS, 0 },
	{ "tunnels",  "/lns/tunnels",  CTL_VIEW_GENERIC,
	  LNS_LQ_PEER | LNS_LQ_STATE | LNS_LQ_PROFILE | LNS_LQ_TUNNEL },
	{ "sessions", "/lns/sessions", CTL_VIEW_GENERIC,
	  LNS_LQ_PEER | LNS_LQ_USER | LNS_LQ_STATE | LNS_LQ_TUNNEL },
	{ "sa",       "/lns/sa",       CTL_VIEW_GENERIC, LNS_LQ_PEER | LNS_LQ_STATE },
	{ "events",   "/lns/events",   CTL_VIEW_GENERIC, 0 },
	{ "radius",   "/lns/radius",   CTL_VIEW_GENERIC, 0 },
	{ "config",   "/lns/config",   CTL_VIEW_CONFIG, 0 },
	{ "log",      "/lns/log",      CTL_VIEW_LOG, 0 },
};

/* Filter words of `show tunnels|sessions|sa`, as the list parameter they become. */
static const struct {
	const char *word;
	unsigned int bit;
	const char *what;
} filter_words[] = {
	{ "peer",    LNS_LQ_PEER,    "ADDR|PREFIX" },
	{ "user",    LNS_LQ_USER,    "NAME" },
	{ "state",   LNS_LQ_STATE,   "STATE" },
	{ "profile", LNS_LQ_PROFILE, "PROFILE" },
	{ "tunnel",  LNS_LQ_TUNNEL,  "ID" },
};

/* rte_log level names, as lnsd's /lns/log takes them (RTE_LOG_EMERG..DEBUG). */
static const char *const log_levels[] = {
	"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
};

/* `clear` targets: word, telemetry command, what the id is, its range, and whether
 * hexadecimal ("0x...") is accepted. The request always carries decimal, which any
 * strtoul()-style parser on the lnsd side reads. */
static const struct {
	const char *word;
	const char *cmd;
	const char *what;
	uint64_t min, max;
	bool hex;
} clear_table[] = {
	/* RFC 2661 section 3.1: tunnel ids are 16 bits, 0 is reserved */
	{ "tunnel",  "/lns/clear/tunnel",  "tunnel id",  1, UINT16_MAX, false },
	/* lnsd's session ids, as `show sessions` prints them */
	{ "session", "/lns/clear/session", "session id", 0, UINT32_MAX - 1, false },
	/* RFC 4303 section 2.1: SPIs 0..255 are reserved */
	{ "sa",      "/lns/clear/sa",      "SPI",        256, UINT32_MAX, true },
};

#define N_ELEM(a) (sizeof(a) / sizeof((a)[0]))

/* The verbs ctl_map_command() handles outside the tables above, each with a complete
 * example (ctl_list_commands()). A new verb goes here too. */
static const struct {
	const char *words;
	const char *example;
} other_commands[] = {
	{ "set log", "set log l2tp debug" },
	{ "drain",   "drain on" },
	{ "reload",  "reload --dry-run" },
	{ "trace start", "trace start 10 spi 0x1001" },
	{ "trace show",  "trace show" },
	{ "trace stop",  "trace stop" },
	{ "top",     "top" },
	{ "raw",     "raw /" },
	{ "help",    "help" },
};

void
ctl_list_commands(FILE *out)
{
	for (size_t i = 0; i < N_ELEM(show_table); i++)
		fprintf(out, "show %s\tshow %s\n", show_table[i].word, show_table[i].word);
	for (size_t i = 0; i < N_ELEM(clear_table); i++)
		fprintf(out, "clear %s\tclear %s %" PRIu64 "\n", clear_table[i].word,
			clear_table[i].word, clear_table[i].min);
	for (size_t i = 0; i < N_ELEM(other_commands); i++)
		fprintf(out, "%s\t%s\n", other_commands[i].words, other_commands[i].example);
}

void
ctl_usage(FILE *out)
{
	fputs(
"Usage: lnsctl [OPTIONS] COMMAND\n"
"Query and control a running lnsd through its DPDK telemetry socket.\n"
"\n"
"Commands:\n"
"  show stats          version, uptime, ports, counters and drops by reason\n"
"                      (drop reasons that are zero are hidden; --all shows them)\n"
"  show tunnels [FILTER...]   L2TP tunnels (control plane and static)\n"
"  show sessions [FILTER...]  L2TP sessions with their PPP state and counters\n"
"  show sa [FILTER...]        IPsec security associations\n"
"  show events [all | after SEQ]\n"
"  show radius         RADIUS servers (state, RTT, requests, timeouts), counters,\n"
"                      accounting queue and spool depth\n"
"                      the event log (tunnel and session lifecycle): the newest\n"
"                      64, every event kept, or those after sequence number SEQ\n"
"  show config         the configuration lnsd runs with\n"
"  show log            the log level of each lnsd module\n"
"  set log MODULE LEVEL\n"
"                      change a module's log level now: MODULE is main, ctl, dp,\n"
"                      l2tp, ppp, ike, ipsec (\"lns.\" prefix optional) or all; LEVEL\n"
"                      emerg, alert, crit, err, warning, notice, info or debug\n"
"  top                 live packet and bit rates of the ports and of the busiest\n"
"                      tunnels, from counter deltas (see --interval, --count, --top)\n"
"  clear tunnel ID     tear a tunnel down (StopCCN); ID 1-65535\n"
"  clear session ID    tear a session down (CDN)\n"
"  clear sa SPI        drop an IPsec SA; SPI in decimal or 0x-hex\n"
"  trace start [N] [port access|core] [peer ADDR] [spi X] [tunnel ID] [session ID]\n"
"                      record the next N packets' (default 10) decision at every\n"
"                      pipeline stage (SA, tunnel, session, drop reason, lcore);\n"
"                      tunnel and session select among them when shown\n"
"  trace show          the newest trace's records (100 at most), packet by packet\n"
"  trace stop          stop picking packets (records stay)\n"
"  drain on|off        take the node out of service: new tunnels (StopCCN 2),\n"
"                      calls (CDN 4) and IKE Main Modes (NO-PROPOSAL-CHOSEN) are\n"
"                      refused, existing sessions stay; off: accept again\n"
"                      (with --max-wait S: the sessions left after S seconds end,\n"
"                      RADIUS Acct-Terminate-Cause Admin-Reboot)\n"
"  reload [-c FILE] [--dry-run]\n"
"                      read the configuration file again (or FILE) and apply what\n"
"                      changed without dropping a session; keys that need a restart\n"
"                      are named and left as they run; an invalid file changes\n"
"                      nothing (exit 2, with lnsd --check's FILE:LINE:COL error);\n"
"                      --dry-run: only print what would change, key by key\n"
"  raw /CMD[,PARAMS]   send any telemetry request and print the reply as JSON\n"
"                      (\"raw /\" lists every command, \"raw /help,/CMD\" describes one)\n"
"  help                this text\n"
"\n"
"Filters (combine any; each narrows the list, matching is exact):\n"
"  peer ADDR|PREFIX    peer's outer address, or a prefix like 192.0.2.0/24\n"
"                      (tunnels, sessions, sa)\n"
"  user NAME           PPP user name (sessions)\n"
"  state STATE         tunnels: wait-ctl-conn, established, closing, destructing,\n"
"                      refused, static; sessions: the PPP phase (establish,\n"
"                      authenticate, network, terminate, ...) or static;\n"
"                      sa: active or dropped\n"
"  profile NAME        destination profile (tunnels)\n"
"  tunnel ID           local tunnel id (tunnels, sessions)\n"
"\n"
"Lists are paginated by lnsd (DPDK telemetry replies are limited to 16 KiB);\n"
"lnsctl fetches every page and prints one table or one JSON object. On the wire\n"
"(raw, dpdk-telemetry.py): /lns/tunnels|sessions|sa[,KEY=VALUE,...] with keys\n"
"from=ID (first id or handle of the page), limit=N (entries per page, at most),\n"
"peer=, user=, state=, profile=, tunnel= as above; ',', '=', '%', blanks and\n"
"non-ASCII bytes in a value are written %XX. A page with more to come carries\n"
"\"next\": ID, the from= of the next page; filtered pages are filled in lnsd.\n"
"\n"
"Options:\n"
"  --file-prefix P     lnsd's DPDK file prefix (default \"" CTL_DEFAULT_PREFIX "\", which lnsd\n"
"                      uses when its configuration gives none)\n"
"  --runtime-dir D     DPDK runtime base directory (default /var/run/dpdk for root,\n"
"                      else $XDG_RUNTIME_DIR/dpdk, else /tmp/dpdk)\n"
"  --socket PATH       telemetry socket to use, instead of D/P/" CTL_SOCKET_NAME "\n"
"  --timeout SECONDS   wait at most this long for each answer (default 5, 1-3600)\n"
"  -j, --json          print the reply as one JSON document (the command's value);\n"
"                      top prints one document per refresh, one per line\n"
"  -a, --all           show everything, zero drop counters included\n"
"  --page-size N       ask lists in pages of at most N entries (1-1000; default:\n"
"                      as many as fit in a telemetry reply)\n"
"  --max-wait SECONDS  drain on: end the sessions left after that long (1-604800)\n"
"  -c, --config FILE   reload: the file to read (default: the one lnsd runs with)\n"
"  --dry-run           reload: print what would change, change nothing\n"
"  --interval SECONDS  top: time between refreshes (default 1, 0.1-3600)\n"
"  --count N           top: stop after N refreshes (default: run until interrupted)\n"
"  --top N             top: show the N busiest tunnels (default 20)\n"
"  --list-commands     list every command, one per line with an example, and exit\n"
"  -V, --version       print lnsctl's version\n"
"  -h, --help          this text\n"
"\n"
"Tables print bytes in SI units (1 kB = 1000 B) and packet counts exactly; in the\n"
"PORTS table ERRORS = rx_errors + tx_errors + rx_nombuf and MISSED = rx_missed.\n"
"top prints rates in SI units: pps (packets/s) and bit/s, each way; a tunnel's\n"
"\"up\" is from the peer toward the core. --json output is exact and stable; use it\n"
"from scripts.\n"
"\n"
"Exit status: 0 success, 1 bad command line, 2 lnsd unreachable or the request failed\n"
"(a reply carrying {\"error\": TEXT} also exits 2; with --json it is still printed).\n",
	      out);
}

/* Unsigned decimal (or "0x" hex when `hex`), the whole string, no sign or blanks. */
static int
parse_id(const char *s, bool hex, uint64_t *out)
{
	unsigned int base = 10;
	uint64_t v = 0;

	if (hex && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (*s == '\0')
		return -EINVAL;
	for (; *s != '\0'; s++) {
		unsigned int d;

		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			return -EINVAL;
		if (v > (UINT64_MAX - d) / base)
			return -ERANGE;
		v = v * base + d;
	}
	*out = v;
	return 0;
}

/* A raw request: what DPDK will match and read (see tel.h). */
static int
check_raw(const char *req, char *err, size_t errlen)
{
	size_t cmd_len = strcspn(req, ",");

	if (req[0] != '/') {
		snprintf(err, errlen, "raw: a request starts with '/' (try: raw /)");
		return -1;
	}
	if (cmd_len > TEL_MAX_CMD) {
		snprintf(err, errlen, "raw: command name longer than %d characters", TEL_MAX_CMD);
		return -1;
	}
	if (strlen(req) > TEL_MAX_REQUEST) {
		snprintf(err, errlen, "raw: request longer than %d bytes", TEL_MAX_REQUEST);
		return -1;
	}
	for (const char *p = req; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			snprintf(err, errlen, "raw: control character in the request");
			return -1;
		}
	}
	return 0;
}

/* "show LIST [KEY VALUE]...": the filters as list parameters (lns_listq.h). */
static int
map_filters(size_t n, char *const w[], const char *list, unsigned int allowed,
	    struct ctl_opts *o, char *err, size_t errlen)
{
	size_t len = strlen(o->request);
	unsigned int given = 0;
	struct lns_listq q;
	char why[160];

	for (size_t i = 0; i < n; i += 2) {
		char esc[3 * LNS_LQ_STR_MAX + 1];
		uint32_t a, m;
		uint64_t id;
		size_t k;
		int r;

		for (k = 0; k < N_ELEM(filter_words); k++)
			if (strcmp(w[i], filter_words[k].word) == 0 &&
			    (allowed & filter_words[k].bit))
				break;
		if (k == N_ELEM(filter_words)) {
			int o2 = snprintf(err, errlen, "show %s: unknown filter '%.30s'; it takes",
					  list, w[i]);

			for (size_t j = 0; j < N_ELEM(filter_words); j++)
				if ((allowed & filter_words[j].bit) && o2 > 0 && (size_t)o2 < errlen)
					o2 += snprintf(err + o2, errlen - (size_t)o2, " %s %s%s",
						       filter_words[j].word, filter_words[j].what,
						       j + 1 < N_ELEM(filter_words) ? "," : "");
			return -1;
		}
		if (given & filter_words[k].bit) {
			snprintf(err, errlen, "show %s: filter '%s' given twice", list, w[i]);
			return -1;
		}
		given |= filter_words[k].bit;
		if (i + 1 >= n || w[i + 1][0] == '\0') {
			snprintf(err, errlen, "show %s: filter '%s' needs a value (%s %s)", list,
				 w[i], w[i], filter_words[k].what);
			return -1;
		}
		switch (filter_words[k].bit) {
		case LNS_LQ_PEER:
			if (lns_listq_parse_prefix(w[i + 1], &a, &m) != 0) {
				snprintf(err, errlen, "show %s: invalid peer '%.40s': expected an "
					 "IPv4 address or prefix (A.B.C.D or A.B.C.D/LEN, no host "
					 "bits)", list, w[i + 1]);
				return -1;
			}
			break;
		case LNS_LQ_TUNNEL:
			if (parse_id(w[i + 1], false, &id) != 0 || id < 1 || id > UINT16_MAX) {
				snprintf(err, errlen, "show %s: invalid tunnel id '%.40s': expected "
					 "1 to 65535", list, w[i + 1]);
				return -1;
			}
			break;
		default:
			if (strlen(w[i + 1]) >= LNS_LQ_STR_MAX) {
				snprintf(err, errlen, "show %s: %s longer than %d bytes", list, w[i],
					 LNS_LQ_STR_MAX - 1);
				return -1;
			}
			break;
		}
		lns_listq_escape(esc, sizeof(esc), w[i + 1]);
		r = snprintf(o->request + len, sizeof(o->request) - len, ",%s=%s",
			     filter_words[k].word, esc);
		if (r < 0 || len + (size_t)r + CTL_PAGING_ROOM > TEL_MAX_REQUEST) {
			snprintf(err, errlen, "show %s: filters too long for one request", list);
			return -1;
		}
		len += (size_t)r;
	}
	/* what lnsd will parse, checked here so a mistake is a usage error */
	if (lns_listq_parse(strchr(o->request, ',') != NULL ? strchr(o->request, ',') + 1 : NULL,
			    LNS_LQ_SESSIONS | LNS_LQ_TUNNELS | LNS_LQ_SAS, &q, why,
			    sizeof(why)) != 0) {
		snprintf(err, errlen, "show %s: %s", list, why);
		return -1;
	}
	return 0;
}

/* "set log MODULE LEVEL" -> /lns/log,MODULE:LEVEL */
static int
map_set_log(const char *module, const char *level, struct ctl_opts *o, char *err,
	    size_t errlen)
{
	size_t k;

	if (strncmp(module, "lns.", 4) == 0)
		module += 4;
	if (*module == '\0' || strlen(module) > 32 ||
	    strspn(module, "abcdefghijklmnopqrstuvwxyz0123456789_-") != strlen(module)) {
		snprintf(err, errlen, "invalid log module '%.40s': expected main, ctl, dp, l2tp, "
			 "ppp, ike, ipsec or all", module);
		return -1;
	}
	for (k = 0; k < N_ELEM(log_levels); k++)
		if (strcmp(level, log_levels[k]) == 0)
			break;
	if (k == N_ELEM(log_levels)) {
		snprintf(err, errlen, "invalid log level '%.20s': expected emerg, alert, crit, "
			 "err, warning, notice, info or debug", level);
		return -1;
	}
	o->action = CTL_ACT_REQUEST;
	o->view = CTL_VIEW_LOG;
	snprintf(o->request, sizeof(o->request), "/lns/log,%s:%s", module, level);
	return 0;
}

/* `show events all` / `show events after SEQ`: every event (after SEQ), fetched in
 * pages; plain `show events` is the newest 64 in one request. */
static int
map_events(size_t n, char *const w[], struct ctl_opts *o, char *err, size_t errlen)
{
	uint64_t seq = 0;

	if (n == 1 && strcmp(w[0], "all") == 0) {
		seq = 0;
	} else if (n == 2 && strcmp(w[0], "after") == 0) {
		if (parse_id(w[1], false, &seq) != 0 || seq >= UINT32_MAX) {
			snprintf(err, errlen, "invalid sequence number '%.40s'", w[1]);
			return -1;
		}
	} else {
		snprintf(err, errlen, "show events takes 'all' or 'after SEQ'");
		return -1;
	}
	o->action = CTL_ACT_LIST;
	o->view = CTL_VIEW_GENERIC;
	snprintf(o->request, sizeof(o->request), "/lns/events,from=%" PRIu64, seq + 1);
	return 0;
}

/* "trace start [N] [port access|core] [peer ADDR] [spi X] [tunnel ID] [session ID]",
 * "trace show", "trace stop" -> /lns/trace/... (lnsd checks the values) */
static int
map_trace(size_t n, char *const w[], struct ctl_opts *o, char *err, size_t errlen)
{
	static const char *const keys[] = { "port", "peer", "spi", "tunnel", "session" };
	size_t i = 1, len;

	o->action = CTL_ACT_REQUEST;
	o->view = CTL_VIEW_GENERIC;
	if (n == 1 && strcmp(w[0], "show") == 0) {
		o->view = CTL_VIEW_TRACE;
		snprintf(o->request, sizeof(o->request), "/lns/trace/show");
		return 0;
	}
	if (n == 1 && strcmp(w[0], "stop") == 0) {
		snprintf(o->request, sizeof(o->request), "/lns/trace/stop");
		return 0;
	}
	if (n == 0 || strcmp(w[0], "start") != 0) {
		snprintf(err, errlen, "trace start [N] [FILTER VALUE...], trace show or trace stop");
		return -1;
	}
	len = (size_t)snprintf(o->request, sizeof(o->request), "/lns/trace/start,");
	if (n > 1 && w[1][0] >= '0' && w[1][0] <= '9') {
		len += (size_t)snprintf(o->request + len, sizeof(o->request) - len, "%.12s", w[1]);
		i = 2;
	} else {
		len += (size_t)snprintf(o->request + len, sizeof(o->request) - len, "10");
	}
	for (; i < n; i += 2) {
		bool known = false;

		for (size_t k = 0; k < N_ELEM(keys); k++)
			known |= strcmp(w[i], keys[k]) == 0;
		if (!known || i + 1 >= n) {
			snprintf(err, errlen, "trace filter '%.40s': expected port access|core, "
				 "peer ADDR, spi X, tunnel ID or session ID", w[i]);
			return -1;
		}
		len += (size_t)snprintf(o->request + len, len < sizeof(o->request) ?
					sizeof(o->request) - len : 0, ",%s=%.40s", w[i], w[i + 1]);
	}
	if (len >= sizeof(o->request)) {
		snprintf(err, errlen, "trace start: filters too long");
		return -1;
	}
	return 0;
}

int
ctl_map_command(size_t nwords, char *const words[], struct ctl_opts *o, char *err,
		size_t errlen)
{
	const char *verb = nwords > 0 ? words[0] : NULL;

	if (verb == NULL) {
		snprintf(err, errlen, "no command given");
		return -1;
	}
	if (strcmp(verb, "help") == 0) {
		if (nwords > 1)
			goto too_many;
		o->action = CTL_ACT_HELP;
		return 0;
	}
	if (strcmp(verb, "show") == 0) {
		if (nwords < 2) {
			snprintf(err, errlen, "show what? stats, tunnels, sessions, sa, events, "
				 "config or log");
			return -1;
		}
		if (strcmp(words[1], "events") == 0 && nwords > 2)
			return map_events(nwords - 2, words + 2, o, err, errlen);
		for (size_t i = 0; i < N_ELEM(show_table); i++) {
			if (strcmp(words[1], show_table[i].word) != 0)
				continue;
			if (nwords > 2 && show_table[i].filters == 0)
				goto too_many;
			/* the configuration comes in pages of lines, like a list */
			o->action = show_table[i].filters != 0 ||
				    show_table[i].view == CTL_VIEW_CONFIG ?
				    CTL_ACT_LIST : CTL_ACT_REQUEST;
			o->view = show_table[i].view;
			snprintf(o->request, sizeof(o->request), "%s", show_table[i].cmd);
			if (show_table[i].filters != 0)
				return map_filters(nwords - 2, words + 2, show_table[i].word,
						   show_table[i].filters, o, err, errlen);
			return 0;
		}
		snprintf(err, errlen, "unknown 'show %.40s': expected stats, tunnels, sessions, "
			 "sa, events, config or log", words[1]);
		return -1;
	}
	if (strcmp(verb, "set") == 0) {
		if (nwords < 2 || strcmp(words[1], "log") != 0) {
			snprintf(err, errlen, "set what? set log MODULE LEVEL");
			return -1;
		}
		if (nwords != 4) {
			if (nwords > 4)
				goto too_many;
			snprintf(err, errlen, "set log needs a MODULE and a LEVEL (e.g. set log "
				 "l2tp debug)");
			return -1;
		}
		return map_set_log(words[2], words[3], o, err, errlen);
	}
	if (strcmp(verb, "top") == 0) {
		if (nwords > 1)
			goto too_many;
		o->action = CTL_ACT_TOP;
		return 0;
	}
	if (strcmp(verb, "clear") == 0) {
		if (nwords < 2) {
			snprintf(err, errlen, "clear what? tunnel ID, session ID or sa SPI");
			return -1;
		}
		for (size_t i = 0; i < N_ELEM(clear_table); i++) {
			uint64_t id;
			int rc;

			if (strcmp(words[1], clear_table[i].word) != 0)
				continue;
			if (nwords < 3) {
				snprintf(err, errlen, "clear %s needs a %s", clear_table[i].word,
					 clear_table[i].what);
				return -1;
			}
			if (nwords > 3)
				goto too_many;
			rc = parse_id(words[2], clear_table[i].hex, &id);
			if (rc == 0 && (id < clear_table[i].min || id > clear_table[i].max))
				rc = -ERANGE;
			if (rc != 0) {
				snprintf(err, errlen, "invalid %s '%.40s': expected %s%" PRIu64
					 " to %" PRIu64 "%s", clear_table[i].what, words[2],
					 rc == -EINVAL ? "a number, " : "",
					 clear_table[i].min, clear_table[i].max,
					 clear_table[i].hex ? " (decimal or 0x-hex)" : "");
				return -1;
			}
			o->action = CTL_ACT_REQUEST;
			o->view = CTL_VIEW_GENERIC;
			snprintf(o->request, sizeof(o->request), "%s,%" PRIu64, clear_table[i].cmd,
				 id);
			return 0;
		}
		snprintf(err, errlen, "unknown 'clear %.40s': expected tunnel, session or sa",
			 words[1]);
		return -1;
	}
	if (strcmp(verb, "trace") == 0)
		return map_trace(nwords - 1, words + 1, o, err, errlen);
	if (strcmp(verb, "drain") == 0) {
		if (nwords < 2 || (strcmp(words[1], "on") != 0 && strcmp(words[1], "off") != 0)) {
			snprintf(err, errlen, "drain on or drain off?");
			return -1;
		}
		if (nwords > 2)
			goto too_many;
		if (o->max_wait_s != 0 && strcmp(words[1], "on") != 0) {
			snprintf(err, errlen, "--max-wait goes with drain on");
			return -1;
		}
		o->action = CTL_ACT_REQUEST;
		o->view = CTL_VIEW_GENERIC;
		if (o->max_wait_s != 0)
			snprintf(o->request, sizeof(o->request), "/lns/drain,on,max-wait=%u",
				 o->max_wait_s);
		else
			snprintf(o->request, sizeof(o->request), "/lns/drain,%s", words[1]);
		return 0;
	}
	if (strcmp(verb, "reload") == 0) {
		char abs[PATH_MAX];

		if (nwords > 1)
			goto too_many;
		abs[0] = '\0';
		/* lnsd reads the file from its own working directory */
		if (o->config != NULL && realpath(o->config, abs) == NULL) {
			snprintf(err, errlen, "reload -c %.200s: %s", o->config, strerror(errno));
			return -1;
		}
		o->action = CTL_ACT_REQUEST;
		o->view = CTL_VIEW_RELOAD;
		if (snprintf(o->request, sizeof(o->request), "/lns/reload,%s%s%s",
			     o->dry_run ? "dry-run" : "apply", abs[0] ? " " : "", abs) >=
		    (int)sizeof(o->request)) {
			snprintf(err, errlen, "reload -c: file name too long");
			return -1;
		}
		return 0;
	}
	if ((o->config != NULL || o->dry_run) && strcmp(verb, "reload") != 0) {
		snprintf(err, errlen, "-c and --dry-run go with reload");
		return -1;
	}
	if (strcmp(verb, "raw") == 0) {
		if (nwords < 2) {
			snprintf(err, errlen, "raw needs a request, like /lns/stats");
			return -1;
		}
		if (nwords > 2)
			goto too_many;
		if (check_raw(words[1], err, errlen) != 0)
			return -1;
		o->action = CTL_ACT_REQUEST;
		o->view = CTL_VIEW_RAW;
		snprintf(o->request, sizeof(o->request), "%s", words[1]);
		return 0;
	}
	snprintf(err, errlen, "unknown command '%.40s'", verb);
	return -1;

too_many:
	snprintf(err, errlen, "too many arguments after '%s'", verb);
	return -1;
}

/* A decimal option value in [min, max]. */
static int
parse_number(const char *val, const char *name, uint64_t min, uint64_t max, uint64_t *out,
	     char *err, size_t errlen)
{
	if (parse_id(val, false, out) != 0 || *out < min || *out > max) {
		snprintf(err, errlen, "invalid %s '%.20s': expected %" PRIu64 " to %" PRIu64, name,
			 val, min, max);
		return -1;
	}
	return 0;
}

/* Option that takes a value: "--name VALUE" or "--name=VALUE". */
static int
option_value(const char *name, int argc, char *const argv[], int *i, const char **val,
	     char *err, size_t errlen)
{
	const char *arg = argv[*i];
	size_t n = strlen(name);

	if (strncmp(arg, name, n) != 0 || (arg[n] != '\0' && arg[n] != '='))
		return 0;
	if (arg[n] == '=') {
		*val = arg + n + 1;
	} else if (*i + 1 < argc) {
		*val = argv[++*i];
	} else {
		snprintf(err, errlen, "option %s needs a value", name);
		return -1;
	}
	if ((*val)[0] == '\0') {
		snprintf(err, errlen, "option %s needs a non-empty value", name);
		return -1;
	}
	return 1;
}

int
ctl_parse_args(int argc, char *const argv[], struct ctl_opts *o, char *err, size_t errlen)
{
	char **words = calloc(argc > 0 ? (size_t)argc : 1, sizeof(*words));
	const char *val, *timeout = NULL;
	size_t nwords = 0;
	uint64_t u;
	bool options = true;
	int rc = -1;

	memset(o, 0, sizeof(*o));
	o->file_prefix = CTL_DEFAULT_PREFIX;
	o->timeout_ms = TEL_TIMEOUT_MS;
	o->interval_s = CTL_TOP_INTERVAL_S;
	o->top_n = CTL_TOP_N;
	if (words == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int r;

		if (!options || a[0] != '-' || a[1] == '\0') {
			words[nwords++] = argv[i];
			continue;
		}
		if (strcmp(a, "--") == 0) {
			options = false;
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			o->action = CTL_ACT_HELP;
			rc = 0;
			goto out;
		} else if (strcmp(a, "--list-commands") == 0) {
			o->action = CTL_ACT_COMMANDS;
			rc = 0;
			goto out;
		} else if (strcmp(a, "-V") == 0 || strcmp(a, "--version") == 0) {
			o->action = CTL_ACT_VERSION;
			rc = 0;
			goto out;
		} else if (strcmp(a, "-j") == 0 || strcmp(a, "--json") == 0) {
			o->json = true;
		} else if (strcmp(a, "-a") == 0 || strcmp(a, "--all") == 0) {
			o->all = true;
		} else if (strcmp(a, "--dry-run") == 0) {
			o->dry_run = true;
		} else if (strcmp(a, "-c") == 0 && i + 1 < argc) {
			o->config = argv[++i];
		} else if ((r = option_value("--config", argc, argv, &i, &val, err,
					     errlen)) != 0) {
			if (r < 0)
				goto out;
			o->config = val;
		} else if ((r = option_value("--file-prefix", argc, argv, &i, &val, err,
					     errlen)) != 0) {
			if (r < 0)
				goto out;
			o->file_prefix = val;
		} else if ((r = option_value("--runtime-dir", argc, argv, &i, &val, err,
					     errlen)) != 0) {
			if (r < 0)
				goto out;
			o->runtime_dir = val;
		} else if ((r = option_value("--socket", argc, argv, &i, &val, err,
					     errlen)) != 0) {
			if (r < 0)
				goto out;
			o->socket = val;
		} else if ((r = option_value("--timeout", argc, argv, &i, &val, err,
					     errlen)) != 0) {
			if (r < 0)
				goto out;
			timeout = val;
		} else if ((r = option_value("--page-size", argc, argv, &i, &val, err,
					     errlen)) != 0) {
			if (r < 0 || parse_number(val, "--page-size", 1, 1000, &u, err, errlen) != 0)
				goto out;
			o->page_size = (uint32_t)u;
		} else if ((r = option_value("--count", argc, argv, &i, &val, err,
					     errlen)) != 0) {
			if (r < 0 || parse_number(val, "--count", 1, 1000000, &u, err, errlen) != 0)
				goto out;
			o->count = (unsigned int)u;
		} else if ((r = option_value("--max-wait", argc, argv, &i, &val, err,
					     errlen)) != 0) {
			if (r < 0 || parse_number(val, "--max-wait", 1, 604800, &u, err,
						  errlen) != 0)
				goto out;
			o->max_wait_s = (uint32_t)u;
		} else if ((r = option_value("--top", argc, argv, &i, &val, err,
					     errlen)) != 0) {
			if (r < 0 || parse_number(val, "--top", 1, 65535, &u, err, errlen) != 0)
				goto out;
			o->top_n = (unsigned int)u;
		} else if ((r = option_value("--interval", argc, argv, &i, &val, err,
					     errlen)) != 0) {
			char *end;
			double v;

			if (r < 0)
				goto out;
			errno = 0;
			v = strtod(val, &end);
			if (errno != 0 || *end != '\0' || end == val || !isfinite(v) || v < 0.1 ||
			    v > 3600 || val[0] == ' ' || val[0] == '+' || val[0] == '-') {
				snprintf(err, errlen, "invalid --interval '%.20s': expected 0.1 to "
					 "3600 seconds", val);
				goto out;
			}
			o->interval_s = v;
		} else {
			snprintf(err, errlen, "unknown option '%.40s'", a);
			goto out;
		}
	}
	if (strchr(o->file_prefix, '/') != NULL) {
		snprintf(err, errlen, "--file-prefix is a name, not a path (it may not contain "
			 "'/'; use --socket for a path)");
		goto out;
	}
	if (timeout != NULL) {
		uint64_t s;

		if (parse_id(timeout, false, &s) != 0 || s < 1 || s > 3600) {
			snprintf(err, errlen, "invalid --timeout '%.20s': expected 1 to 3600 seconds",
				 timeout);
			goto out;
		}
		o->timeout_ms = (int)s * 1000;
	}
	rc = ctl_map_command(nwords, words, o, err, errlen);
out:
	free(words);
	return rc;
}

int
ctl_socket_path(const struct ctl_opts *o, char *out, size_t size)
{
	char dir[4096];
	int n;

	if (o->socket != NULL) {
		n = snprintf(out, size, "%s", o->socket);
		return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
	}
	if (tel_runtime_dir(dir, sizeof(dir), o->runtime_dir, o->file_prefix, getuid(),
			    getenv("XDG_RUNTIME_DIR")) != 0)
		return -ENAMETOOLONG;
	n = snprintf(out, size, "%s/%s", dir, CTL_SOCKET_NAME);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* A null value: the command is unknown, or its handler failed. DPDK answers both
 * the same way, so ask for the command list to tell the operator which. */
static void
explain_null(struct tel_client *c, const char *request, FILE *err)
{
	size_t cmd_len = strcspn(request, ",");
	struct ljson_doc *doc = NULL;
	char why[160];
	bool known = false;
	const struct ljson *list;

	if (tel_request(c, "/", &doc, NULL, why, sizeof(why)) == 0 &&
	    (list = tel_reply_value(ljson_root(doc), "/", why, sizeof(why))) != NULL &&
	    list->type == LJSON_ARRAY) {
		for (const struct ljson *m = list->child; m != NULL; m = m->next)
			if (m->type == LJSON_STRING && m->len == cmd_len &&
			    strncmp(m->str, request, cmd_len) == 0)
				known = true;
	}
	ljson_free(doc);
	if (known)
		fprintf(err, "lnsctl: lnsd could not answer '%s' (no such object, bad "
			"parameter, or lnsd still starting)\n", request);
	else
		fprintf(err, "lnsctl: lnsd does not support '%.*s' (older version?)\n",
			(int)cmd_len, request);
}

/* /lns/log: {"levels": {"lns.x": "info", ...}} as a MODULE LEVEL table. */
static int
print_log(FILE *out, const struct ljson *value)
{
	const struct ljson *lv = ljson_get(value, "levels");
	struct fmt_table *t;

	if (lv == NULL || lv->type != LJSON_OBJECT)
		return -EINVAL;
	t = fmt_table_new(2);
	if (t == NULL)
		return -ENOMEM;
	fmt_table_column(t, 0, "MODULE", FMT_LEFT);
	fmt_table_column(t, 1, "LEVEL", FMT_LEFT);
	for (const struct ljson *m = lv->child; m != NULL; m = m->next) {
		long row = fmt_table_add_row(t);
		char *text = fmt_cell_text(m);

		if (row < 0 || text == NULL || fmt_table_set(t, (size_t)row, 0, m->key) != 0 ||
		    fmt_table_set(t, (size_t)row, 1, text) != 0) {
			free(text);
			fmt_table_free(t);
			return -ENOMEM;
		}
		free(text);
	}
	fmt_table_print(t, out, 0);
	fmt_table_free(t);
	return 0;
}

/* A reload's answer: one line per changed key, then a summary. */
static void
print_reload(FILE *out, const struct ljson *value)
{
	const struct ljson *lines = ljson_get(value, "lines");
	uint64_t applied = 0, dry = 0;
	unsigned int restart = 0;

	(void)ljson_u64(ljson_get(value, "applied"), &applied);
	(void)ljson_u64(ljson_get(value, "dry_run"), &dry);
	if (lines != NULL && lines->type == LJSON_ARRAY)
		for (const struct ljson *l = lines->child; l != NULL; l = l->next) {
			if (l->type != LJSON_STRING)
				continue;
			fprintf(out, "%s\n", l->str);
			restart += strstr(l->str, "(needs a restart)") != NULL;
		}
	fprintf(out, "%s: %" PRIu64 " change%s %s, %u need%s a restart\n",
		dry ? "dry run" : "reload", applied, applied == 1 ? "" : "s",
		dry ? "would be applied" : "applied", restart, restart == 1 ? "s" : "");
}

/* The error pieces of a refused reload, joined; NULL when it was not refused. */
static bool
reload_error(const struct ljson *value, FILE *err)
{
	const struct ljson *e = ljson_get(value, "error");

	if (e == NULL || e->type != LJSON_ARRAY)
		return false;
	fputs("lnsctl: reload refused, nothing changed: ", err);
	for (const struct ljson *l = e->child; l != NULL; l = l->next)
		if (l->type == LJSON_STRING)
			fputs(strncmp(l->str, "error: ", 7) == 0 ? l->str + 7 : l->str, err);
	fputc('\n', err);
	return true;
}

/* /lns/trace/show: a state line, then the records as lnsd wrote them. */
static int
print_trace(FILE *out, const struct ljson *value)
{
	const struct ljson *recs = ljson_get(value, "records");
	const char *state = ljson_get_string(value, "trace");
	uint64_t n = 0, left = 0;

	if (state == NULL || recs == NULL || recs->type != LJSON_ARRAY)
		return -EINVAL;
	ljson_get_u64(value, "packets", &n);
	ljson_get_u64(value, "remaining", &left);
	fprintf(out, "trace %s: %" PRIu64 " packets, %" PRIu64 " not yet seen\n", state, n, left);
	for (const struct ljson *m = recs->child; m != NULL; m = m->next) {
		char *text = fmt_cell_text(m);

		fprintf(out, "  %s\n", text != NULL ? text : "?");
		free(text);
	}
	if (recs->child == NULL)
		fputs("  no packets traced\n", out);
	return 0;
}

static void
print_reply(const struct ctl_opts *o, const struct ljson *reply, const struct ljson *value,
	    FILE *out)
{
	if (o->json) {
		ljson_write(out, value, 2);
		fputc('\n', out);
		return;
	}
	switch (o->view) {
	case CTL_VIEW_RAW:
		ljson_write(out, reply, 2);
		fputc('\n', out);
		break;
	case CTL_VIEW_STATS:
		/* not the expected shape: show whatever it is */
		if (fmt_stats(out, value, o->all) == -EINVAL)
			fmt_generic(out, value);
		break;
	case CTL_VIEW_LOG:
		if (print_log(out, value) == -EINVAL)
			fmt_generic(out, value);
		break;
	case CTL_VIEW_RELOAD:
		print_reload(out, value);
		break;
	case CTL_VIEW_TRACE:
		if (print_trace(out, value) == -EINVAL)
			fmt_generic(out, value);
		break;
	case CTL_VIEW_GENERIC:
	case CTL_VIEW_CONFIG:   /* shown by run_list; a single reply reads as any other */
		fmt_generic(out, value);
		break;
	}
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

size_t
ctl_find_prefixes(const char *base, char *out, size_t size)
{
	DIR *d = opendir(base);
	char **names = NULL;
	size_t n = 0, o = 0;
	struct dirent *e;

	if (size > 0)
		out[0] = '\0';
	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		char path[4096];
		struct stat st;
		char **grown;

		if (e->d_name[0] == '.')
			continue;
		if (snprintf(path, sizeof(path), "%s/%s/%s", base, e->d_name, CTL_SOCKET_NAME) >=
		    (int)sizeof(path) || stat(path, &st) != 0 || !S_ISSOCK(st.st_mode))
			continue;
		grown = reallocarray(names, n + 1, sizeof(*names));
		if (grown == NULL)
			break;
		names = grown;
		names[n] = strdup(e->d_name);
		if (names[n] == NULL)
			break;
		n++;
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n; i++) {
		int r = snprintf(out + o, size > o ? size - o : 0, "%s'%s'", i > 0 ? ", " : "",
				 names[i]);

		if (r > 0)
			o += (size_t)r;
		free(names[i]);
	}
	free(names);
	return n;
}

/* Why lnsd was not found, with the prefixes that do have a socket. */
static void
explain_unreachable(const struct ctl_opts *o, const char *path, int rc, const char *why,
		    FILE *err)
{
	char base[4096], found[1024];
	size_t n;

	fprintf(err, "lnsctl: cannot reach lnsd at %s: %s\n", path, why);
	if (rc == -EACCES || rc == -EPERM) {
		fprintf(err, "lnsctl: the socket belongs to lnsd's user: run lnsctl as that "
			"user (usually root)\n");
		return;
	}
	if (rc != -ENOENT && rc != -ECONNREFUSED && rc != -ENOTDIR)
		return;
	if (o->socket != NULL) {
		fprintf(err, "lnsctl: is lnsd running, and is that its socket?\n");
		return;
	}
	if (tel_runtime_dir(base, sizeof(base), o->runtime_dir, "", getuid(),
			    getenv("XDG_RUNTIME_DIR")) != 0)
		return;
	if (base[0] != '\0' && base[strlen(base) - 1] == '/' && strlen(base) > 1)
		base[strlen(base) - 1] = '\0';
	n = ctl_find_prefixes(base, found, sizeof(found));
	if (n == 0)
		fprintf(err, "lnsctl: is lnsd running? no DPDK telemetry socket under %s; if lnsd "
			"uses another runtime directory, give --runtime-dir or --socket\n", base);
	else
		fprintf(err, "lnsctl: is lnsd running with --file-prefix %s? telemetry sockets "
			"under %s: %s (choose with --file-prefix)\n", o->file_prefix, base, found);
}

static int
fetch_tel(void *ctx, const char *request, struct ljson_doc **doc, char *err, size_t errlen)
{
	return tel_request(ctx, request, doc, NULL, err, errlen);
}

/* Every page of a list, printed as one table or one JSON object. */
/* /lns/config's lines, in order, as YAML text; a "cont" piece continues its line. */
static void
print_config(FILE *out, const struct ljson *root)
{
	bool open = false;

	for (const struct ljson *m = root->child; m != NULL; m = m->next) {
		const char *text = ljson_get_string(m, "text");

		if (text == NULL)
			continue;
		if (open && ljson_get_string(m, "cont") == NULL)
			fputc('\n', out);
		fputs(text, out);
		open = true;
	}
	if (open)
		fputc('\n', out);
}

static int
run_list(const struct ctl_opts *o, struct tel_client *c, FILE *out, FILE *err)
{
	struct ctl_list l;
	char why[256];
	int rc;

	rc = ctl_list_fetch(o->request, o->page_size, fetch_tel, c, &l, why, sizeof(why));
	if (rc == -ENOENT) {
		explain_null(c, o->request, err);
		ctl_list_free(&l);
		return CTL_EXIT_FAIL;
	}
	if (rc != 0) {
		fprintf(err, "lnsctl: %s: %s\n", o->request, why);
		ctl_list_free(&l);
		return CTL_EXIT_FAIL;
	}
	if (o->json) {
		ljson_write(out, &l.root, 2);
		fputc('\n', out);
	} else if (o->view == CTL_VIEW_CONFIG) {
		print_config(out, &l.root);
	} else {
		fmt_generic(out, &l.root);
	}
	ctl_list_free(&l);
	return CTL_EXIT_OK;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One read for top: ports from /lns/stats, every tunnel; the sample's time is the
 * middle of the read. */
static int
top_read(const struct ctl_opts *o, struct tel_client *c, struct top_sample *s, FILE *err)
{
	struct ljson_doc *doc = NULL;
	const struct ljson *stats;
	struct ctl_list l;
	char why[256];
	double t0 = now_s();
	int rc;

	rc = tel_request(c, "/lns/stats", &doc, NULL, why, sizeof(why));
	if (rc != 0 || (stats = tel_reply_value(ljson_root(doc), "/lns/stats", why,
						sizeof(why))) == NULL) {
		fprintf(err, "lnsctl: /lns/stats: %s\n", why);
		ljson_free(doc);
		return -1;
	}
	rc = ctl_list_fetch("/lns/tunnels", o->page_size, fetch_tel, c, &l, why, sizeof(why));
	if (rc != 0) {
		if (rc == -ENOENT)
			explain_null(c, "/lns/tunnels", err);
		else
			fprintf(err, "lnsctl: /lns/tunnels: %s\n", why);
		ctl_list_free(&l);
		ljson_free(doc);
		return -1;
	}
	rc = top_sample_build(s, (t0 + now_s()) / 2, &l.root, stats);
	ctl_list_free(&l);
	ljson_free(doc);
	if (rc != 0)
		fprintf(err, "lnsctl: out of memory\n");
	return rc;
}

static void
sleep_until(double t)
{
	double d = t - now_s();
	struct timespec ts;

	if (d <= 0)
		return;
	ts.tv_sec = (time_t)d;
	ts.tv_nsec = (long)((d - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* lnsctl top: read, wait an interval, read again, print the rates; repeat. */
static int
run_top(const struct ctl_opts *o, struct tel_client *c, FILE *out, FILE *err)
{
	struct top_sample prev, cur;
	bool tty = !o->json && isatty(fileno(out));
	unsigned int refresh = 0;
	double next;

	next = now_s() + o->interval_s;
	if (top_read(o, c, &prev, err) != 0)
		return CTL_EXIT_FAIL;
	for (;;) {
		struct top_result r;

		sleep_until(next);
		next += o->interval_s;
		if (top_read(o, c, &cur, err) != 0) {
			top_sample_free(&prev);
			return CTL_EXIT_FAIL;
		}
		if (top_compute(&prev, &cur, &r) == 0) {
			refresh++;
			if (o->json) {
				top_print_json(out, &r, o->top_n, o->interval_s, refresh);
			} else {
				if (tty)
					fputs("\033[H\033[2J", out);    /* home, clear */
				else if (refresh > 1)
					fputc('\n', out);
				top_print_table(out, &r, o->top_n, o->interval_s, refresh);
			}
			top_result_free(&r);
		}
		top_sample_free(&prev);
		prev = cur;
		if (fflush(out) != 0 || ferror(out)) {
			fprintf(err, "lnsctl: write error: %s\n", strerror(errno));
			top_sample_free(&prev);
			return CTL_EXIT_FAIL;
		}
		if (o->count != 0 && refresh >= o->count)
			break;
		/* a slow read must not make the next one come at once, again and again */
		if (next < now_s())
			next = now_s() + o->interval_s;
	}
	top_sample_free(&prev);
	return CTL_EXIT_OK;
}

int
ctl_main(int argc, char *const argv[], FILE *out, FILE *err)
{
	struct ctl_opts o;
	struct tel_client c;
	struct ljson_doc *doc = NULL;
	const struct ljson *value, *e;
	char path[4096], why[256];
	size_t reply_len = 0;
	int rc;

	if (ctl_parse_args(argc, argv, &o, why, sizeof(why)) != 0) {
		fprintf(err, "lnsctl: %s\nTry 'lnsctl --help' for more information.\n", why);
		return CTL_EXIT_USAGE;
	}
	if (o.action == CTL_ACT_HELP) {
		ctl_usage(out);
		return fflush(out) == 0 ? CTL_EXIT_OK : CTL_EXIT_FAIL;
	}
	if (o.action == CTL_ACT_COMMANDS) {
		ctl_list_commands(out);
		return fflush(out) == 0 ? CTL_EXIT_OK : CTL_EXIT_FAIL;
	}
	if (o.action == CTL_ACT_VERSION) {
		fprintf(out, "lnsctl %s\n", LNS_VERSION);
		return fflush(out) == 0 ? CTL_EXIT_OK : CTL_EXIT_FAIL;
	}
	if (ctl_socket_path(&o, path, sizeof(path)) != 0) {
		fprintf(err, "lnsctl: socket path too long\n");
		return CTL_EXIT_USAGE;
	}

	rc = tel_open(&c, path, o.timeout_ms, why, sizeof(why));
	if (rc != 0) {
		explain_unreachable(&o, path, rc, why, err);
		return CTL_EXIT_FAIL;
	}
	if (o.action == CTL_ACT_LIST || o.action == CTL_ACT_TOP) {
		rc = o.action == CTL_ACT_LIST ? run_list(&o, &c, out, err) :
						run_top(&o, &c, out, err);
		if (rc == CTL_EXIT_OK && (fflush(out) != 0 || ferror(out))) {
			fprintf(err, "lnsctl: write error: %s\n", strerror(errno));
			rc = CTL_EXIT_FAIL;
		}
		tel_close(&c);
		return rc;
	}
	rc = tel_request(&c, o.request, &doc, &reply_len, why, sizeof(why));
	if (rc != 0) {
		fprintf(err, "lnsctl: %s: %s\n", o.request, why);
		tel_close(&c);
		return CTL_EXIT_FAIL;
	}
	value = tel_reply_value(ljson_root(doc), o.request, why, sizeof(why));
	if (value == NULL) {
		fprintf(err, "lnsctl: %s: %s\n", o.request, why);
		rc = CTL_EXIT_FAIL;
		goto done;
	}
	if (value->type == LJSON_NULL) {
		explain_null(&c, o.request, err);
		rc = CTL_EXIT_FAIL;
		goto done;
	}
	/* DPDK 22.11 drops whatever does not fit its output buffer without saying so */
	if (c.max_output_len > 0 && reply_len + 256 > c.max_output_len)
		fprintf(err, "lnsctl: warning: the reply (%zu bytes) filled DPDK telemetry's "
			"%" PRIu64 "-byte limit: entries may be missing\n", reply_len,
			c.max_output_len);
	rc = CTL_EXIT_OK;
	if (o.view == CTL_VIEW_RELOAD && reload_error(value, err)) {
		rc = CTL_EXIT_FAIL;
		if (!o.json)
			goto done;
	}
	e = ljson_get(value, "error");
	if (e != NULL && e->type == LJSON_STRING) {
		/* lnsd's way to say why a request with a valid shape failed */
		fprintf(err, "lnsctl: %s: %s\n", o.request, e->str);
		rc = CTL_EXIT_FAIL;
		if (!o.json)
			goto done;
	}
	print_reply(&o, ljson_root(doc), value, out);
	if (fflush(out) != 0 || ferror(out)) {
		fprintf(err, "lnsctl: write error: %s\n", strerror(errno));
		rc = CTL_EXIT_FAIL;
	}
done:
	ljson_free(doc);
	tel_close(&c);
	return rc;
}
