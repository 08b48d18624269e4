/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Live reconfiguration (lnsctl reload, SIGHUP), on the control lcore.
 *
 * The file is read and validated whole by lib/conf, exactly as lnsd --check does;
 * an invalid file changes nothing. The new configuration takes the running values
 * of the restart-only keys (lns_conf_keep_restart), so it describes what lnsd runs
 * with, and then replaces the old one in one step of the control loop:
 *
 *  - control-plane modules (L2TP, PPP, local users, IKE, RADIUS) are pointed at it
 *    between two events, so none sees a mix of the two;
 *  - workers never read the configuration: the one value they use (mss-clamp) is
 *    copied into struct lns_dp and stored atomically; policies go to their
 *    policer table, republished with a QSBR grace period (lns_tables_policies_plan,
 *    _commit): a policy keeps its slot by name, so adding, removing, renaming or
 *    reordering policies moves no session to another meter, and a removed one
 *    stays, with its last rates, for the sessions that hold it until they end;
 *  - IKE certificates (ipsec.certificates: paths, contents, on/off) are loaded
 *    in the plan step (a file that fails refuses the reload) and swapped in with
 *    the rest; a Main Mode in flight keeps the set it began with (lib/ike);
 *  - telemetry and the metrics thread read it between lns_dp_conf_get() and
 *    lns_dp_conf_put(), a reader count; the old configuration is freed from the
 *    control loop once the count has been seen at zero after the new pointer was
 *    published (a reader that enters later loads the new pointer). The control
 *    lcore never waits for them: it retries on its next loop.
 *
 * Long-lived objects keep what they were made with where that is the contract:
 * a tunnel copies its destination profile when it comes (l2tp_tunnel.c), an SA
 * keeps its lifetimes, a session keeps its address (the pools are rebuilt with
 * every address in use carried over: lns_pools_rebuild). What each key does to existing sessions is documented in
 * config/lnsd.yaml and the README's "Reload" section.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_log.h>

#include "lns_ctl.h"
#include "lns_evlog.h"
#include "lns_tables.h"

#define RELOAD_LINES_MAX 96     /* lines in an answer; the rest are counted */
#define RELOAD_LINE_MAX  127    /* a change line (an error line may be longer) */

struct answer {
	char *out;
	size_t len, cap;
	unsigned int lines, dropped;
	unsigned int live, restart;
	bool log;               /* also log each line (not for a dry run) */
	bool policies_fixed;    /* the running policies stay (pol_why says why) */
	const char *pol_why;
	unsigned int pol_changes;
	char pol_sum[80];       /* for the event: " policies=+added,-removed" */
	bool radius_fixed;      /* no AAA layer runs: the radius section stays */
};

static void
add_line(struct answer *a, const char *line)
{
	size_t n = strlen(line);

	if (a->log)
		rte_log(RTE_LOG_INFO, lns_logtype_ctl, "lnsd: reload: %s\n", line);
	if (a->lines >= RELOAD_LINES_MAX || a->len + n + 2 > a->cap) {
		a->dropped++;
		return;
	}
	memcpy(a->out + a->len, line, n);
	a->len += n;
	a->out[a->len++] = '\n';
	a->out[a->len] = '\0';
	a->lines++;
}

static void
on_change(void *arg, const struct lns_conf_change *c)
{
	struct answer *a = arg;
	char line[RELOAD_LINE_MAX + 1];
	bool pol = strncmp(c->path, "policies", 8) == 0;
	bool restart = c->restart || (a->policies_fixed && pol) ||
		       (a->radius_fixed && strncmp(c->path, "radius", 6) == 0);
	const char *tail = restart ? " (needs a restart)" : "";

	if (pol && a->policies_fixed && !c->restart)
		tail = a->pol_why;
	if (pol)
		a->pol_changes++;
	if (pol && !restart && strchr(c->path, '.') == NULL &&
	    (strcmp(c->what, "added") == 0 || strcmp(c->what, "removed") == 0)) {
		size_t n = strlen(a->pol_sum);
		const char *nm = strchr(c->path, '[');

		snprintf(a->pol_sum + n, sizeof(a->pol_sum) - n, "%s%c%.*s",
			 n == 0 ? " policies=" : ",", c->what[0] == 'a' ? '+' : '-',
			 nm != NULL ? (int)strcspn(nm + 1, "]") : 0, nm != NULL ? nm + 1 : "");
	}

	if (restart)
		a->restart++;
	else
		a->live++;
	if (strcmp(c->what, "changed") == 0)
		snprintf(line, sizeof(line), "%s: %s -> %s%s", c->path,
			 c->old_v[0] ? c->old_v : "(none)", c->new_v[0] ? c->new_v : "(none)",
			 tail);
	else
		snprintf(line, sizeof(line), "%s: %s%s", c->path, c->what, tail);
	add_line(a, line);
}

static void
aaa_note(void *arg, const char *line)
{
	add_line(arg, line);
}

static void
reload_event(struct lns_ctl *ctl, const char *path, unsigned int live, unsigned int restart,
	     const char *pol_sum)
{
	lns_evlog_add(ctl->dp->evlog, lns_ctl_now_us(ctl), LNS_EV_RELOAD, LNS_EV_NONE,
		      LNS_EV_NONE, LNS_EV_NONE, "applied=%u restart=%u%s file=%s", live, restart,
		      pol_sum, path);
}

/*
 * Map the new policies to policer slots by name (nothing is applied yet): sets
 * each one's slot and the slots' names in nc. When that cannot be done, the
 * running policies stay (the caller puts them back in nc after the diff) and
 * a->policies_fixed says so. @return 0 or -ENOMEM.
 */
static int
policies_plan(struct lns_ctl *ctl, const struct lns_conf *old, struct lns_conf *nc,
	      struct answer *a, struct lns_policy_plan *pl)
{
	struct lns_tables *tbl = ctl->dp->tbl;
	int rc;

	memset(pl, 0, sizeof(*pl));     /* nothing to abort */
	if (old->n_policies == 0 && nc->n_policies == 0) {
		/* sessions may still hold policies an earlier reload removed */
		memcpy(nc->policy_slot_names, old->policy_slot_names,
		       sizeof(nc->policy_slot_names));
		return 0;
	}
	rc = lns_tables_policies_plan(tbl, nc->policies, nc->n_policies, pl);
	if (rc == -ENOMEM)
		return rc;
	if (rc != 0) {
		/* -ENOSPC: every slot is taken or held by sessions on removed
		 * policies (-EINVAL, a rate the meters refuse, is checked by lib/conf) */
		a->policies_fixed = true;
		a->pol_why = rc == -ENOSPC ? " (not applied: no free policy slot while "
					     "sessions hold removed policies)" :
					     " (not applied: the meters refuse a rate)";
		return 0;
	}
	memset(nc->policy_slot_names, 0, sizeof(nc->policy_slot_names));
	for (uint16_t j = 0; tbl->named != NULL && j < LNS_POLICY_MAX; j++) /* retired ones */
		memcpy(nc->policy_slot_names[j], tbl->named[j].name,
		       sizeof(nc->policy_slot_names[j]));
	for (uint16_t i = 0; i < nc->n_policies; i++) {
		nc->policies[i].slot = (uint16_t)pl->slot[i];
		memcpy(nc->policy_slot_names[pl->slot[i]], nc->policies[i].name,
		       sizeof(nc->policy_slot_names[0]));
	}
	return 0;
}

/* A removed policy that sessions still hold: say so (they keep its rates). */
static void
policies_note_held(struct lns_ctl *ctl, const struct lns_conf *old, const struct lns_conf *nc,
		   struct answer *a)
{
	char line[RELOAD_LINE_MAX + 1];

	for (uint16_t i = 0; !a->policies_fixed && i < old->n_policies; i++) {
		int held;

		if (lns_conf_policy_find(nc, old->policies[i].name) >= 0)
			continue;
		held = lns_tables_policy_holders(ctl->dp->tbl, old->policies[i].slot, NULL);
		if (held <= 0)
			continue;
		snprintf(line, sizeof(line), "policies[%s]: %d session%s keep%s its rates until "
			 "they end", old->policies[i].name, held, held == 1 ? "" : "s",
			 held == 1 ? "s" : "");
		add_line(a, line);
	}
}

int
lns_ctl_reload(struct lns_ctl *ctl, const char *path, bool dry_run, char *out, size_t outlen)
{
	struct lns_dp *dp = ctl->dp;
	struct lns_conf *old = (struct lns_conf *)(uintptr_t)dp->conf;
	struct answer a = { .out = out, .cap = outlen, .log = !dry_run };
	char err[LNS_CONF_ERR_MAX], line[LNS_CONF_ERR_MAX + 32];
	char file[LNS_CONF_PATH_MAX];
	struct lns_conf *nc;
	struct lns_policy_plan pl;
	struct lns_ctl_certs_plan cp = { 0 };
	bool metrics, policies;

	if (outlen > 0)
		out[0] = '\0';
	snprintf(file, sizeof(file), "%s", path != NULL ? path : old->path);
	nc = lns_conf_load(file, err, sizeof(err));
	if (nc == NULL) {
		snprintf(line, sizeof(line), "error: %s", err);
		a.log = true;   /* a refused file is always worth a line */
		add_line(&a, line);
		if (!dry_run) {
			ctl->reload_failures++;
			lns_evlog_add(dp->evlog, lns_ctl_now_us(ctl), LNS_EV_RELOAD, LNS_EV_NONE,
				      LNS_EV_NONE, LNS_EV_NONE, "refused: %s", err);
		}
		return -EINVAL;
	}
	a.radius_fixed = ctl->aaa == NULL;
	if (policies_plan(ctl, old, nc, &a, &pl) != 0) {
		lns_conf_free(nc);
		add_line(&a, "error: out of memory: nothing changed");
		return -ENOMEM;
	}
	lns_conf_diff(old, nc, on_change, &a);
	if (a.policies_fixed) {
		memcpy(nc->policies, old->policies, sizeof(nc->policies));
		nc->n_policies = old->n_policies;
		memcpy(nc->policy_slot_names, old->policy_slot_names,
		       sizeof(nc->policy_slot_names));
	}
	policies_note_held(ctl, old, nc, &a);
	if (a.dropped > 0) {
		snprintf(line, sizeof(line), "... and %u more changes", a.dropped);
		a.dropped = 0;
		a.lines--;      /* room for this one line */
		add_line(&a, line);
	}
	/* the AAA layer, the RADIUS client and the DAS listener are made at start-up
	 * only when something needs them */
	a.restart += lns_ctl_aaa_reload_check(ctl, nc, aaa_note, &a);
	/* what would run: restart-only keys as they are (a dry run shows it too) */
	if (lns_conf_keep_restart(nc, old) != 0) {
		lns_tables_policies_abort(&pl);
		lns_conf_free(nc);
		add_line(&a, "error: out of memory: nothing changed");
		return -ENOMEM;
	}
	if (dry_run || a.live == 0) {
		lns_tables_policies_abort(&pl);
		lns_conf_free(nc);
		if (!dry_run)
			reload_event(ctl, file, 0, a.restart, "");
		return (int)a.live;
	}
	/* certificates: the new set is loaded now and swapped in below */
	if (lns_ctl_ike_certs_plan(ctl, old, nc, &cp, err, sizeof(err)) != 0) {
		snprintf(line, sizeof(line), "error: %s: nothing changed", err);
		a.log = true;
		add_line(&a, line);
		lns_tables_policies_abort(&pl);
		lns_conf_free(nc);
		ctl->reload_failures++;
		lns_evlog_add(dp->evlog, lns_ctl_now_us(ctl), LNS_EV_RELOAD, LNS_EV_NONE,
			      LNS_EV_NONE, LNS_EV_NONE, "refused: %s", err);
		return -EINVAL;
	}
	if (ctl->n_retired == ctl->cap_retired) {
		/* never wait for a reader here: one may be a telemetry thread waiting
		 * for this very loop to answer it */
		unsigned int cap = ctl->cap_retired ? 2 * ctl->cap_retired : 4;
		struct lns_conf **r = realloc(ctl->retired, cap * sizeof(*r));

		if (r == NULL)
			goto nomem;
		ctl->retired = r;
		ctl->cap_retired = cap;
	}
	if (a.radius_fixed)
		nc->radius = old->radius;
	/* published below, with the rest, once nothing can fail */
	policies = pl.np != NULL && a.pol_changes > 0;
	metrics = strcmp(old->metrics.listen, nc->metrics.listen) != 0;
	if (metrics && ctl->metrics_apply != NULL &&
	    ctl->metrics_apply(dp, &old->metrics, &nc->metrics, err, sizeof(err)) != 0) {
		snprintf(line, sizeof(line), "error: %s: nothing changed", err);
		add_line(&a, line);
		lns_tables_policies_abort(&pl);
		lns_ctl_ike_certs_abort(&cp);
		lns_conf_free(nc);
		ctl->reload_failures++;
		lns_evlog_add(dp->evlog, lns_ctl_now_us(ctl), LNS_EV_RELOAD, LNS_EV_NONE,
			      LNS_EV_NONE, LNS_EV_NONE, "refused: %s", err);
		return -EADDRNOTAVAIL;
	}
	if (lns_ctl_subs_set_conf(ctl, nc) != 0) {
		if (metrics && ctl->metrics_apply != NULL)
			(void)ctl->metrics_apply(dp, &nc->metrics, &old->metrics, err,
						 sizeof(err));
nomem:
		lns_tables_policies_abort(&pl);
		lns_ctl_ike_certs_abort(&cp);
		lns_conf_free(nc);
		ctl->reload_failures++;
		add_line(&a, "error: out of memory: nothing changed");
		return -ENOMEM;
	}
	/* SIGHUP and a plain lnsctl reload read the file lnsd was started with, even
	 * after a reload -c FILE (a one-off, not a new home for the configuration) */
	memcpy(nc->path, old->path, sizeof(nc->path));
	/* From here on nothing fails: every module switches in this loop turn. */
	if (policies)
		lns_tables_policies_commit(dp->tbl, nc->policies, &pl);
	else
		lns_tables_policies_abort(&pl);
	lns_ctl_ike_set_conf(ctl, nc);
	lns_ctl_ike_certs_commit(ctl, &cp);
	lns_ctl_aaa_set_conf(ctl, nc);
	__atomic_store_n(&dp->mss_clamp, nc->ppp.mss_clamp, __ATOMIC_RELAXED);
	__atomic_store_n(&dp->conf, nc, __ATOMIC_SEQ_CST);
	if (ctl->log_apply != NULL)
		ctl->log_apply(nc);
	/* the old one waits for the readers that may hold it (lns_ctl_reload_poll) */
	ctl->retired[ctl->n_retired++] = old;
	ctl->reloads++;
	reload_event(ctl, file, a.live, a.restart, a.pol_sum);
	return (int)a.live;
}

void
lns_ctl_reload_poll(struct lns_ctl *ctl)
{
	if (ctl->n_retired == 0 ||
	    __atomic_load_n(&ctl->dp->conf_readers, __ATOMIC_SEQ_CST) != 0)
		return;
	for (unsigned int i = 0; i < ctl->n_retired; i++)
		lns_conf_free(ctl->retired[i]);
	ctl->n_retired = 0;
}
