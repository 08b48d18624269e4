/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lnsd: the daemon. Reads the configuration, brings up DPDK and the ports,
 * launches the workers and runs the control loop on the main lcore until SIGINT or
 * SIGTERM.
 *
 * Exit status: 0 clean stop (or --check passed), 1 configuration error,
 * 2 runtime failure.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_pdump.h>

#include "lns_conf.h"
#include "lns_ctl.h"
#include "lns_dp.h"
#include "lns_mgmt.h"
#include "lns_stats.h"
#include "lnsd.h"

#define EXIT_CONFIG 1
#define EXIT_RUNTIME 2
#define IDLE_SLEEP_US 200

RTE_LOG_REGISTER(lns_logtype_main, lns.main, INFO);
#define LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, lns_logtype_main, "lnsd: " fmt "\n", ##__VA_ARGS__)

static volatile sig_atomic_t stop_signal;

static void
on_signal(int sig)
{
	stop_signal = sig;
}

static void
usage(FILE *out)
{
	fprintf(out,
"Usage: lnsd -c FILE [-- EAL-ARGS...]\n"
"       lnsd --check -c FILE\n"
"\n"
"lnsd is an L2TP/IPsec network server (LNS) on a DPDK data plane.\n"
"\n"
"Options:\n"
"  -c, --config FILE   configuration file (YAML); see config/lnsd.yaml for every key\n"
"      --check         validate the configuration and exit (DPDK is not started:\n"
"                      ports are checked for form, a PCI address need not exist on\n"
"                      this machine, so a file can be checked before deployment)\n"
"      --dump          with --check: print the effective configuration, secrets masked\n"
"      --dump-schema   print every configuration key the parser knows (type, range,\n"
"                      default), one per line, tab-separated, and exit\n"
"      --syslog        log to syslog (facility daemon) instead of stderr\n"
"  -h, --help          this text\n"
"  -V, --version       print the version\n"
"\n"
"EAL arguments come from the configuration's `eal:` list; any given after `--`\n"
"are appended. Without a --file-prefix lnsd uses --file-prefix=lnsd, which is\n"
"also lnsctl's default.\n"
"\n"
"Signals: SIGINT or SIGTERM stop lnsd cleanly (exit 0).\n"
"Exit status: 0 ok, 1 configuration error, 2 runtime failure.\n"
"\n"
"Logs: one rte_log type per module (lns.main, lns.ctl, lns.dp, lns.l2tp, lns.ppp,\n"
"lns.ike, lns.ipsec), to stderr, log.file or syslog (--syslog); under systemd\n"
"(stderr is the journal: $JOURNAL_STREAM) each line carries its syslog priority.\n"
"Levels from log.level and log.modules,\n"
"and at run time with lnsctl set log MODULE LEVEL. Lifecycle events are one\n"
"key=value line each; nothing is logged per packet.\n"
"\n"
"Inspect a running lnsd with lnsctl (lnsctl show stats, lnsctl top).\n");
}

static int
build_eal_argv(const struct lns_conf *conf, int extra_argc, char **extra_argv,
	       char ***out)
{
	int n = 0, cap = 3 + conf->n_eal_args + extra_argc;
	bool have_prefix = false;
	char **argv = calloc(cap + 1, sizeof(*argv));

	if (argv == NULL)
		return -ENOMEM;
	argv[n++] = (char *)"lnsd";
	for (int i = 0; i < conf->n_eal_args; i++)
		argv[n++] = conf->eal_args[i];
	for (int i = 0; i < extra_argc; i++)
		argv[n++] = extra_argv[i];
	for (int i = 1; i < n; i++)
		if (strncmp(argv[i], "--file-prefix", 13) == 0)
			have_prefix = true;
	if (!have_prefix)
		argv[n++] = (char *)"--file-prefix=lnsd";
	argv[n] = NULL;
	*out = argv;
	return n;
}

static void
apply_log_conf(const struct lns_conf *conf)
{
	lnsd_log_apply(conf);
	if (conf->log.file[0] != '\0') {
		FILE *f = fopen(conf->log.file, "a");

		if (f == NULL) {
			LOG(ERR, "cannot open log.file %s: %s; logging to stderr", conf->log.file,
			    strerror(errno));
			return;
		}
		setvbuf(f, NULL, _IOLBF, 0);
		rte_openlog_stream(f);
	}
}

static int
control_loop(struct lns_ctl *ctl)
{
	while (!stop_signal) {
		if (lns_ctl_poll(ctl) == 0)
			rte_delay_us_sleep(IDLE_SLEEP_US);
	}
	LOG(NOTICE, "event=stop signal=%s", strsignal(stop_signal));
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config",  required_argument, NULL, 'c' },
		{ "check",   no_argument,       NULL, 'k' },
		{ "dump",    no_argument,       NULL, 'd' },
		{ "dump-schema", no_argument,   NULL, 's' },
		{ "syslog",  no_argument,       NULL, 'l' },
		{ "help",    no_argument,       NULL, 'h' },
		{ "version", no_argument,       NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *conf_path = NULL;
	bool check = false, dump = false, use_syslog = false;
	char err[LNS_CONF_ERR_MAX];
	struct lns_conf *conf;
	struct lns_stats *stats;
	struct lns_dp *dp;
	struct lns_ctl *ctl;
	char **eal_argv;
	const char *failed_cmd = "?";
	int c, eal_argc, rc, status = EXIT_SUCCESS;
	struct sigaction sa;

	while ((c = getopt_long(argc, argv, "c:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'c': conf_path = optarg; break;
		case 'k': check = true; break;
		case 'd': dump = true; break;
		case 's': lns_conf_schema_print(stdout); return EXIT_SUCCESS;
		case 'l': use_syslog = true; break;
		case 'h': usage(stdout); return EXIT_SUCCESS;
		case 'V': printf("lnsd %s\n", LNS_VERSION); return EXIT_SUCCESS;
		default:  usage(stderr); return EXIT_CONFIG;
		}
	}
	if (conf_path == NULL) {
		fprintf(stderr, "lnsd: no configuration given (-c FILE)\n");
		usage(stderr);
		return EXIT_CONFIG;
	}

	conf = lns_conf_load(conf_path, err, sizeof(err));
	if (conf == NULL) {
		fprintf(stderr, "lnsd: %s\n", err);
		return EXIT_CONFIG;
	}
	if (check) {
		if (dump)
			lns_conf_dump(conf, stdout);
		printf("lnsd: %s: configuration ok\n", conf_path);
		lns_conf_free(conf);
		return EXIT_SUCCESS;
	}

	if (lnsd_log_sink_open(lnsd_log_sink_pick(use_syslog)) != 0)
		fprintf(stderr, "lnsd: cannot open the %s log stream; logging to stderr\n",
			use_syslog ? "syslog" : "journal");
	eal_argc = build_eal_argv(conf, argc - optind, argv + optind, &eal_argv);
	if (eal_argc < 0) {
		lns_conf_free(conf);
		return EXIT_RUNTIME;
	}
	rc = rte_eal_init(eal_argc, eal_argv);
	if (rc < 0) {
		fprintf(stderr, "lnsd: DPDK initialisation failed: %s. Check the `eal:` list "
			"in %s: without hugepages use --no-huge -m 512 (or reserve them with "
			"drivers-config/hugepages.sh); is another lnsd running with the same "
			"--file-prefix?\n", rte_strerror(rte_errno), conf_path);
		free(eal_argv);
		lns_conf_free(conf);
		return EXIT_RUNTIME;
	}
	apply_log_conf(conf);
	if (conf->limits.allow_short_timers)
		LOG(WARNING, "limits.allow-short-timers is ON: timer minimums are lowered for "
		    "testing; do not use this in production");
	if (conf->ipsec.allow_modp1024)
		LOG(WARNING, "ipsec.allow-modp1024 is ON: legacy DH groups 2/5 (MODP 1024/1536, "
		    "breakable) are accepted where ike-groups lists them");
	if (conf->ipsec.allow_3des)
		LOG(WARNING, "ipsec.allow-3des is ON: legacy 3DES (64-bit blocks, Sweet32) is "
		    "accepted where ike-ciphers (phase 1) or esp-proposals (ESP) lists it");

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	stats = lns_stats_create(RTE_MAX_LCORE);
	dp = rte_zmalloc("lns_dp", sizeof(*dp), RTE_CACHE_LINE_SIZE);
	ctl = rte_zmalloc("lns_ctl", sizeof(*ctl), RTE_CACHE_LINE_SIZE);
	if (stats == NULL || dp == NULL || ctl == NULL) {
		fprintf(stderr, "lnsd: out of memory at start-up\n");
		status = EXIT_RUNTIME;
		goto out;
	}

	rc = lns_dp_init(dp, conf, stats, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "lnsd: %s\n", err);
		status = EXIT_RUNTIME;
		goto out_dp;
	}
	rc = rte_pdump_init();
	if (rc != 0)
		LOG(WARNING, "packet capture (rte_pdump) unavailable: %s", rte_strerror(rte_errno));
	rc = lns_mgmt_init(dp, &failed_cmd);
	if (rc != 0)
		LOG(WARNING, "telemetry command %s refused (%s), it and the /lns/ commands "
		    "after it are unavailable: lnsctl will not work", failed_cmd,
		    rte_strerror(-rc));
	rc = lnsd_log_telemetry_init();
	if (rc != 0)
		LOG(WARNING, "telemetry command /lns/log unavailable (%s)", rte_strerror(-rc));
	rc = lns_ctl_init(ctl, dp);
	if (rc != 0) {
		fprintf(stderr, "lnsd: out of memory for the control lcore\n");
		status = EXIT_RUNTIME;
		goto out_dp;
	}
	rc = lns_ctl_provision_static(ctl, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "lnsd: %s\n", err);
		status = EXIT_RUNTIME;
		goto out_dp;
	}

	rc = lns_ctl_subs_init(ctl, err, sizeof(err));
	if (rc == 0)
		rc = lns_ctl_ike_init(ctl, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "lnsd: %s\n", err);
		status = EXIT_RUNTIME;
		goto out_dp;
	}

	if (conf->metrics.port != 0) {
		rc = lns_metrics_start(dp, &conf->metrics, err, sizeof(err));
		if (rc != 0) {
			fprintf(stderr, "lnsd: %s\n", err);
			status = EXIT_RUNTIME;
			goto out_dp;
		}
		LOG(NOTICE, "event=metrics listen=%s", conf->metrics.listen);
	}

	rc = lns_dp_launch(dp);
	if (rc != 0) {
		fprintf(stderr, "lnsd: cannot launch workers: %s\n", rte_strerror(-rc));
		status = EXIT_RUNTIME;
		goto out_dp;
	}
	LOG(NOTICE, "event=start version=%s workers=%u config=%s", LNS_VERSION,
	    dp->n_workers, conf_path);
	if (!stop_signal)
		control_loop(ctl);
	/* StopCCN to every peer while the ports still run (DESIGN.md: SIGTERM). */
	lns_ctl_subs_shutdown(ctl);
	lns_ctl_ike_shutdown(ctl);
	lns_dp_stop(dp);

out_dp:
	lns_metrics_stop();
	lns_mgmt_fini();
	rte_pdump_uninit();
	lns_ctl_ike_fini(ctl);
	lns_ctl_subs_fini(ctl);
	lns_ctl_fini(ctl);
	lns_dp_fini(dp);
out:
	rte_free(ctl);
	rte_free(dp);
	lns_stats_free(stats);
	rte_eal_cleanup();
	free(eal_argv);
	lns_conf_free(conf);
	return status;
}
