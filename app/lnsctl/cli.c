/* SPDX-License-Identifier: BSD-3-Clause */
/* lnsctl's command line and run. See cli.h. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "fmt.h"
#include "ljson.h"
#include "tel.h"

#ifndef LNS_VERSION
#define LNS_VERSION "unknown"
#endif

/* `show` targets: word, telemetry command, view. */
static const struct {
	const char *word;
	const char *cmd;
	enum ctl_view view;
} show_table[] = {
	{ "stats",    "/lns/stats",    CTL_VIEW_STATS },
	{ "tunnels",  "/lns/tunnels",  CTL_VIEW_GENERIC },
	{ "sessions", "/lns/sessions", CTL_VIEW_GENERIC },
	{ "sa",       "/lns/sa",       CTL_VIEW_GENERIC },
	{ "events",   "/lns/events",   CTL_VIEW_GENERIC },
	{ "config",   "/lns/config",   CTL_VIEW_GENERIC },
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
"  show tunnels        L2TP tunnels\n"
"  show sessions       L2TP sessions\n"
"  show sa             IPsec security associations\n"
"  show events         the event log (tunnel and session lifecycle)\n"
"  show config         the configuration lnsd runs with\n"
"  clear tunnel ID     tear a tunnel down (StopCCN); ID 1-65535\n"
"  clear session ID    tear a session down (CDN)\n"
"  clear sa SPI        drop an IPsec SA; SPI in decimal or 0x-hex\n"
"  raw /CMD[,PARAMS]   send any telemetry request and print the reply as JSON\n"
"                      (\"raw /\" lists every command, \"raw /help,/CMD\" describes one)\n"
"  help                this text\n"
"\n"
"Options:\n"
"  --file-prefix P     lnsd's DPDK file prefix (default \"" CTL_DEFAULT_PREFIX "\", which lnsd\n"
"                      uses when its configuration gives none)\n"
"  --runtime-dir D     DPDK runtime base directory (default /var/run/dpdk for root,\n"
"                      else $XDG_RUNTIME_DIR/dpdk, else /tmp/dpdk)\n"
"  --socket PATH       telemetry socket to use, instead of D/P/" CTL_SOCKET_NAME "\n"
"  --timeout SECONDS   wait at most this long for lnsd's answer (default 5, 1-3600)\n"
"  -j, --json          print the reply as one JSON document (the command's value)\n"
"  -a, --all           show everything, zero drop counters included\n"
"  -V, --version       print lnsctl's version\n"
"  -h, --help          this text\n"
"\n"
"Tables print bytes in SI units (1 kB = 1000 B) and packet counts exactly; in the\n"
"PORTS table ERRORS = rx_errors + tx_errors + rx_nombuf and MISSED = rx_missed.\n"
"--json output is exact and stable; use it from scripts.\n"
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
			snprintf(err, errlen, "show what? stats, tunnels, sessions, sa, events "
				 "or config");
			return -1;
		}
		for (size_t i = 0; i < N_ELEM(show_table); i++) {
			if (strcmp(words[1], show_table[i].word) != 0)
				continue;
			if (nwords > 2)
				goto too_many;
			o->action = CTL_ACT_REQUEST;
			o->view = show_table[i].view;
			snprintf(o->request, sizeof(o->request), "%s", show_table[i].cmd);
			return 0;
		}
		snprintf(err, errlen, "unknown 'show %.40s': expected stats, tunnels, sessions, "
			 "sa, events or config", words[1]);
		return -1;
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
	bool options = true;
	int rc = -1;

	memset(o, 0, sizeof(*o));
	o->file_prefix = CTL_DEFAULT_PREFIX;
	o->timeout_ms = TEL_TIMEOUT_MS;
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
		} else if (strcmp(a, "-V") == 0 || strcmp(a, "--version") == 0) {
			o->action = CTL_ACT_VERSION;
			rc = 0;
			goto out;
		} else if (strcmp(a, "-j") == 0 || strcmp(a, "--json") == 0) {
			o->json = true;
		} else if (strcmp(a, "-a") == 0 || strcmp(a, "--all") == 0) {
			o->all = true;
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
	case CTL_VIEW_GENERIC:
		fmt_generic(out, value);
		break;
	}
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
		const char *hint = "";

		if (rc == -ENOENT || rc == -ECONNREFUSED || rc == -ENOTDIR)
			hint = " (is lnsd running? use --file-prefix if it was started with another)";
		else if (rc == -EACCES || rc == -EPERM)
			hint = " (the socket belongs to lnsd's user: run lnsctl as that user, "
			       "usually root)";
		fprintf(err, "lnsctl: cannot reach lnsd at %s: %s%s\n", path, why, hint);
		return CTL_EXIT_FAIL;
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
