/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of lib/conf. Good configurations are checked value by value; every
 * bad one is checked for the exact "FILE:LINE:COL: KEY.PATH: " prefix of its error
 * and for the gist of the message. Runs in tests/unit (fixtures in conf/).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <CUnit/Basic.h>

#include "lns_conf.h"

/* Seven lines: whatever follows starts on line 8. */
#define PORTS \
	"ports:\n" \
	"  access:\n" \
	"    device: net_af_packet0\n" \
	"    address: 192.0.2.1/24\n" \
	"  core:\n" \
	"    device: net_af_packet1\n" \
	"    address: 198.51.100.1/24\n"

static char tmpdir[64];

static uint32_t
ip(const char *s)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		abort();
	return a.s_addr;
}

static struct lns_conf *
load_ok(const char *yaml)
{
	char err[LNS_CONF_ERR_MAX] = "";
	struct lns_conf *c = lns_conf_load_string(yaml, "t.yaml", err, sizeof(err));

	if (c == NULL)
		fprintf(stderr, "\n  unexpected error: %s\n", err);
	return c;
}

/*
 * The error must start with "t.yaml:LINE:COL: PATH: " and contain `gist`.
 * `file` replaces t.yaml where the error is in another file.
 */
static void
expect_err_in(const char *yaml, const char *file, int line, int col, const char *path,
	      const char *gist)
{
	char err[LNS_CONF_ERR_MAX] = "", want[LNS_CONF_ERR_MAX];
	struct lns_conf *c = lns_conf_load_string(yaml, "t.yaml", err, sizeof(err));
	bool ok;

	CU_ASSERT_PTR_NULL(c);
	lns_conf_free(c);
	snprintf(want, sizeof(want), "%s:%d:%d: %s: ", file, line, col, path);
	ok = strncmp(err, want, strlen(want)) == 0 && strstr(err + strlen(want), gist) != NULL;
	if (!ok)
		fprintf(stderr, "\n  want: %s...%s\n  got:  %s\n", want, gist, err);
	CU_ASSERT(ok);
}

static void
expect_err(const char *yaml, int line, int col, const char *path, const char *gist)
{
	expect_err_in(yaml, "t.yaml", line, col, path, gist);
}

static void
write_file(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(text, f);
	fclose(f);
}

/* ====================================================== good configs === */

/* node: name (default the host name) and drain; the name is the NAS-Identifier
 * unless radius.nas-identifier says otherwise */
static void
node_section(void)
{
	char host[LNS_CONF_NAME_MAX] = "";
	struct lns_conf *c = load_ok(PORTS);

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	if (gethostname(host, sizeof(host) - 1) == 0 && host[0] != '\0')
		CU_ASSERT_STRING_EQUAL(c->node.name, host);
	CU_ASSERT(!c->node.drain);
	lns_conf_free(c);

	c = load_ok(PORTS "node: {name: lns-east-2, drain: true}\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_STRING_EQUAL(c->node.name, "lns-east-2");
	CU_ASSERT(c->node.drain);
	CU_ASSERT_STRING_EQUAL(c->radius.nas_identifier, "lns-east-2");
	lns_conf_free(c);

	c = load_ok(PORTS "node: {name: lns-east-2}\nradius: {nas-identifier: nas-x}\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_STRING_EQUAL(c->radius.nas_identifier, "nas-x");
	lns_conf_free(c);

	expect_err(PORTS "node: {name: \"\"}\n", 8, 14, "node.name", "must not be empty");
	expect_err(PORTS "node: {drain: maybe}\n", 8, 15, "node.drain", "expected true or false");
}

static void
expect_fail_with(const char *yaml, const char *gist)
{
	char err[LNS_CONF_ERR_MAX] = "";
	struct lns_conf *c = lns_conf_load_string(yaml, "t.yaml", err, sizeof(err));

	CU_ASSERT_PTR_NULL(c);
	lns_conf_free(c);
	if (strstr(err, gist) == NULL)
		fprintf(stderr, "\n  want: ...%s\n  got:  %s\n", gist, err);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, gist));
}

/* policies: defaults filled in, references checked, bad rates refused */
/* Session timeouts per profile and per user, LCP keepalive per profile: what a
 * profile does not say comes from l2tp:, and keepalive from ppp.keepalive. */
static void
session_policy_keys(void)
{
	struct lns_conf *c = load_ok(PORTS
		"l2tp:\n"
		"  session-timeout: 3600\n"
		"  destination-profiles:\n"
		"    - name: lacs\n"
		"      match: {peer: 192.0.2.0/24}\n"
		"      session-idle-timeout: 300\n"
		"      keepalive-interval: 10\n"
		"      keepalive-failures: 5\n"
		"    - name: quiet\n"
		"      keepalive-interval: 0\n"
		"ppp:\n"
		"  keepalive: {interval: 20, failures: 4}\n"
		"  users:\n"
		"    - name: alice\n"
		"      password: x\n"
		"      address: 10.9.9.9\n"
		"      session-timeout: 0\n"
		"      session-idle-timeout: 60\n"
		"    - name: bob\n"
		"      password: y\n"
		"      address: 10.9.9.10\n");
	const struct lns_dest_profile *d;

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	d = &c->l2tp.defaults;
	CU_ASSERT_EQUAL(d->session_timeout, 3600);
	CU_ASSERT_EQUAL(d->session_idle_timeout, 0);
	CU_ASSERT_EQUAL(d->keepalive_interval, 20);     /* ppp.keepalive's */
	CU_ASSERT_EQUAL(d->keepalive_failures, 4);
	d = &c->l2tp.profiles[0];
	CU_ASSERT_EQUAL(d->session_timeout, 3600);      /* inherited from l2tp: */
	CU_ASSERT_EQUAL(d->session_idle_timeout, 300);
	CU_ASSERT_EQUAL(d->keepalive_interval, 10);
	CU_ASSERT_EQUAL(d->keepalive_failures, 5);
	d = &c->l2tp.profiles[1];
	CU_ASSERT_EQUAL(d->keepalive_interval, 0);      /* off for this profile only */
	CU_ASSERT_EQUAL(d->keepalive_failures, 4);
	/* a user's 0 is given (none), unlike a key left out */
	CU_ASSERT_TRUE(c->ppp.users[0].session_timeout_set);
	CU_ASSERT_EQUAL(c->ppp.users[0].session_timeout, 0);
	CU_ASSERT_TRUE(c->ppp.users[0].session_idle_timeout_set);
	CU_ASSERT_EQUAL(c->ppp.users[0].session_idle_timeout, 60);
	CU_ASSERT_FALSE(c->ppp.users[1].session_timeout_set);
	CU_ASSERT_FALSE(c->ppp.users[1].session_idle_timeout_set);
	lns_conf_free(c);

	c = load_ok(PORTS "policies:\n  - {name: m, up-rate: 1000000, exceed-action: mark, "
		    "exceed-dscp: 8}\n  - {name: d, up-rate: 1000000}\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(c->policies[0].exceed_action, LNS_EXCEED_MARK);
	CU_ASSERT_EQUAL(c->policies[0].exceed_dscp, 8);
	CU_ASSERT_EQUAL(c->policies[1].exceed_action, LNS_EXCEED_DROP);
	CU_ASSERT_EQUAL(c->policies[1].exceed_dscp, 0);
	lns_conf_free(c);
	expect_err(PORTS "policies:\n  - {name: m, up-rate: 1000000, exceed-dscp: 64}\n", 9, 46,
		   "policies[0].exceed-dscp", "0..63");
	expect_err(PORTS "policies:\n  - {name: m, up-rate: 1000000, exceed-action: remark}\n",
		   9, 48, "policies[0].exceed-action", "remark");
	expect_err(PORTS "l2tp:\n  keepalive-interval: 3601\n", 9, 23,
		   "l2tp.keepalive-interval", "3600");
	expect_err(PORTS "l2tp:\n  keepalive-failures: 0\n", 9, 23,
		   "l2tp.keepalive-failures", "100");
	expect_err(PORTS "l2tp:\n  session-timeout: -1\n", 9, 20, "l2tp.session-timeout", "");
	expect_err(PORTS "ppp:\n  users:\n    - {name: a, password: x, session-idle-timeout: "
		   "31536001}\n", 10, 52, "ppp.users[0].session-idle-timeout", "31536000");
}

static void
policies_section(void)
{
	struct lns_conf *c = load_ok(PORTS
		"l2tp:\n"
		"  destination-profiles:\n"
		"    - name: lacs\n"
		"      policy: big\n"
		"ppp:\n"
		"  users:\n"
		"    - name: alice\n"
		"      password: x\n"
		"      address: 10.9.9.9\n"
		"      policy: small\n"
		"policies:\n"
		"  - name: small\n"
		"    up-rate: 2000000\n"
		"    down-rate: 8000000\n"
		"    down-burst: 20000\n"
		"  - name: big\n"
		"    down-rate: 100000000\n"
		"    down-peak-rate: 200000000\n"
		"    down-peak-burst: 400000\n");

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(c->n_policies, 2);
	CU_ASSERT_EQUAL(lns_conf_policy_find(c, "big"), 1);
	CU_ASSERT_EQUAL(lns_conf_policy_find(c, "nope"), -1);
	/* policer slots: file order at load; a lookup gives the slot, not the index */
	CU_ASSERT_EQUAL(c->policies[1].slot, 1);
	CU_ASSERT_STRING_EQUAL(lns_conf_policy_name(c, 1), "big");
	CU_ASSERT_PTR_NULL(lns_conf_policy_name(c, 2));
	CU_ASSERT_PTR_NULL(lns_conf_policy_name(c, -1));
	CU_ASSERT_PTR_NULL(lns_conf_policy_name(c, LNS_CONF_POLICY_SLOTS));
	c->policies[1].slot = 7;        /* as a reload maps it */
	CU_ASSERT_EQUAL(lns_conf_policy_find(c, "big"), 7);
	/* burst default: 100 ms of the rate, at least 3000 bytes; peak burst = burst */
	CU_ASSERT_EQUAL(c->policies[0].up.rate, 2000000);
	CU_ASSERT_EQUAL(c->policies[0].up.burst, 25000);
	CU_ASSERT_EQUAL(c->policies[0].up.peak_rate, 0);
	CU_ASSERT_EQUAL(c->policies[0].up.peak_burst, 25000);
	CU_ASSERT_EQUAL(c->policies[0].down.burst, 20000);
	CU_ASSERT_EQUAL(c->policies[0].down.peak_burst, 20000);
	CU_ASSERT_EQUAL(c->policies[1].up.rate, 0);      /* up not limited */
	CU_ASSERT_EQUAL(c->policies[1].up.burst, 0);
	CU_ASSERT_EQUAL(c->policies[1].down.burst, 1250000);
	CU_ASSERT_EQUAL(c->policies[1].down.peak_rate, 200000000);
	CU_ASSERT_EQUAL(c->policies[1].down.peak_burst, 400000);
	CU_ASSERT_STRING_EQUAL(c->ppp.users[0].policy, "small");
	CU_ASSERT_STRING_EQUAL(c->l2tp.profiles[0].policy, "big");
	lns_conf_free(c);

	c = load_ok(PORTS "policies:\n  - name: tiny\n    up-rate: 64000\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(c->policies[0].up.burst, 3000);  /* the floor */
	lns_conf_free(c);

	expect_fail_with(PORTS "policies:\n  - name: a\n    up-rate: 2000000\n"
			 "    up-peak-rate: 1000000\n", "lower than up-rate");
	expect_fail_with(PORTS "policies:\n  - name: a\n    down-burst: 9000\n",
			 "required by the other down- keys");
	expect_fail_with(PORTS "policies:\n  - name: a\n    up-rate: 1\n  - name: a\n"
			 "    up-rate: 2\n", "duplicate policy 'a'");
	expect_fail_with(PORTS "policies:\n  - name: a\n    up-burst: 100\n    up-rate: 9\n",
			 "up-burst");
	expect_fail_with(PORTS "ppp:\n  users:\n    - name: u\n      password: x\n"
			 "      address: 10.9.9.9\n      policy: gold\n", "policy 'gold' is not in policies");
	expect_fail_with(PORTS "l2tp:\n  policy: gold\n", "policy 'gold' is not in policies");
	expect_fail_with(PORTS "static:\n  tunnels:\n    - local-id: 1\n      peer-id: 1\n"
			 "      peer: 10.0.0.1\n      policy: gold\n",
			 "policy 'gold' is not in policies");
}

/* radius: defaults, servers, and the rules that tie keys together */
static void
radius_section(void)
{
	struct lns_conf *c = load_ok(PORTS
		"radius:\n"
		"  authenticate: true\n"
		"  servers:\n"
		"    - address: 127.0.0.1\n"
		"      secret: s1\n"
		"    - address: 10.0.0.2\n"
		"      acct-port: 0\n"
		"      secret: s2\n");

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT(c->radius.authenticate);
	CU_ASSERT(c->radius.accounting);          /* on by default once servers exist */
	CU_ASSERT(!c->radius.local_fallback);
	/* node.name, itself the host name, when neither is set */
	CU_ASSERT_STRING_EQUAL(c->radius.nas_identifier, c->node.name);
	CU_ASSERT(c->node.name[0] != '\0');
	CU_ASSERT(!c->node.drain);
	CU_ASSERT_EQUAL(c->radius.timeout_ms, 3000);
	CU_ASSERT_EQUAL(c->radius.retries, 2);
	CU_ASSERT_EQUAL(c->radius.hold_down, 30);
	CU_ASSERT_EQUAL(c->radius.acct_queue, 65536);
	CU_ASSERT_EQUAL(c->radius.n_servers, 2);
	CU_ASSERT_EQUAL(c->radius.servers[0].auth_port, 1812);
	CU_ASSERT_EQUAL(c->radius.servers[0].acct_port, 1813);
	CU_ASSERT_EQUAL(c->radius.servers[1].acct_port, 0);
	CU_ASSERT_EQUAL(c->radius.servers[1].address, ip("10.0.0.2"));
	CU_ASSERT_EQUAL(c->radius.servers[1].secret.len, 2);
	lns_conf_free(c);
	c = load_ok(PORTS);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT(!c->radius.accounting && c->radius.n_servers == 0);
	lns_conf_free(c);

	expect_err(PORTS "radius:\n  authenticate: true\n", 9, 17, "radius.authenticate",
		   "needs at least one server");
	expect_err(PORTS "radius:\n  servers:\n    - address: 127.0.0.1\n", 10, 7,
		   "radius.servers[0].secret", "required key missing");
	expect_err(PORTS "radius:\n  timeout-ms: 50\n", 9, 15, "radius.timeout-ms",
		   "100");
	expect_err(PORTS "radius:\n  interim-interval: 30\n", 9, 21, "radius.interim-interval",
		   "60");
	/* per destination profile: who authenticates */
	c = load_ok(PORTS
		"l2tp:\n"
		"  destination-profiles:\n"
		"    - name: lac\n"
		"      authentication: local\n"
		"radius:\n"
		"  authenticate: true\n"
		"  servers: [{address: 127.0.0.1, secret: s}]\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(c->l2tp.profiles[0].authentication, LNS_AUTHN_LOCAL);
	CU_ASSERT_EQUAL(c->l2tp.defaults.authentication, LNS_AUTHN_GLOBAL);
	lns_conf_free(c);
	expect_err(PORTS "l2tp:\n  destination-profiles:\n    - name: lac\n"
		   "      authentication: radius\n", 11, 23,
		   "l2tp.destination-profiles[0].authentication", "needs radius.servers");
}


static void
test_minimal_defaults(void)
{
	struct lns_conf *c = load_ok(PORTS);

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_STRING_EQUAL(c->path, "t.yaml");
	CU_ASSERT(c->ports[LNS_PORT_ACCESS].set && c->ports[LNS_PORT_CORE].set);
	CU_ASSERT_STRING_EQUAL(c->ports[LNS_PORT_ACCESS].device, "net_af_packet0");
	CU_ASSERT_EQUAL(c->ports[LNS_PORT_ACCESS].address.addr, ip("192.0.2.1"));
	CU_ASSERT_EQUAL(c->ports[LNS_PORT_ACCESS].address.len, 24);
	CU_ASSERT_EQUAL(c->ports[LNS_PORT_CORE].mtu, 1500);
	CU_ASSERT_EQUAL(c->ports[LNS_PORT_CORE].gateway, 0);
	CU_ASSERT_EQUAL(c->ports[LNS_PORT_CORE].profile.rx_desc, 1024);
	CU_ASSERT_EQUAL(c->ports[LNS_PORT_CORE].profile.rx_burst, 32);
	CU_ASSERT_EQUAL(c->n_eal_args, 0);
	/* ipsec */
	CU_ASSERT_EQUAL(c->ipsec.n_ike_proposals, 6);
	CU_ASSERT_EQUAL(c->ipsec.ike_proposals[0], LNS_IKE_AES256_SHA256_MODP2048);
	CU_ASSERT_EQUAL(c->ipsec.n_esp_proposals, 6);
	CU_ASSERT_EQUAL(c->ipsec.esp_proposals[0], LNS_ESP_AES256_GCM16);
	CU_ASSERT_FALSE(c->ipsec.allow_3des || c->ipsec.allow_modp1024 || c->ipsec.pfs);
	/* the independent lists' defaults: no legacy algorithm */
	CU_ASSERT_EQUAL(c->ipsec.n_ike_ciphers, 3);
	CU_ASSERT_EQUAL(c->ipsec.ike_ciphers[0], LNS_IKE_C_AES256);
	CU_ASSERT_EQUAL(c->ipsec.n_ike_hashes, 4);
	CU_ASSERT_EQUAL(c->ipsec.ike_hashes[0], 4);
	CU_ASSERT_EQUAL(c->ipsec.n_ike_groups, 6);
	CU_ASSERT_PTR_NULL(memchr(c->ipsec.ike_groups, 2, c->ipsec.n_ike_groups));
	CU_ASSERT_PTR_NULL(memchr(c->ipsec.ike_groups, 5, c->ipsec.n_ike_groups));
	CU_ASSERT_EQUAL(c->ipsec.ike_lifetime, 28800);
	CU_ASSERT_EQUAL(c->ipsec.esp_lifetime, 3600);
	CU_ASSERT_EQUAL(c->ipsec.esp_lifetime_kb, 0);
	CU_ASSERT_EQUAL(c->ipsec.replay_window, 64);
	CU_ASSERT_EQUAL(c->ipsec.dpd_interval, 30);
	CU_ASSERT_EQUAL(c->ipsec.dpd_timeout, 120);
	CU_ASSERT_EQUAL(c->ipsec.max_half_open, 1024);
	CU_ASSERT_EQUAL(c->ipsec.nat_keepalive, 20);
	CU_ASSERT_EQUAL(c->ipsec.n_psks, 0);
	/* l2tp */
	CU_ASSERT_STRING_EQUAL(c->l2tp.host_name, "lnsd");
	CU_ASSERT_EQUAL(c->l2tp.retransmit_initial_ms, 1000);
	CU_ASSERT_EQUAL(c->l2tp.retransmit_max_ms, 8000);
	CU_ASSERT_EQUAL(c->l2tp.retransmit_retries, 5);
	CU_ASSERT_EQUAL(c->l2tp.admission.sccrq_rate, 20);
	CU_ASSERT_EQUAL(c->l2tp.admission.sccrq_burst, 40);
	CU_ASSERT_EQUAL(c->l2tp.admission.max_half_open, 1024);
	CU_ASSERT_EQUAL(c->l2tp.admission.max_half_open_per_source, 64);
	CU_ASSERT_EQUAL(c->l2tp.admission.icrq_rate, 1000);
	CU_ASSERT_EQUAL(c->l2tp.admission.icrq_burst, 4000);
	CU_ASSERT_EQUAL(c->l2tp.admission.max_pending_sessions, 1024);
	CU_ASSERT_EQUAL(c->l2tp.admission.session_setup_timeout, 30);
	CU_ASSERT_FALSE(c->l2tp.defaults.single_shot);
	CU_ASSERT_EQUAL(c->l2tp.defaults.idle_timeout, 0);
	CU_ASSERT_EQUAL(c->l2tp.defaults.destruct_timeout, 600);
	CU_ASSERT_FALSE(c->l2tp.defaults.tunnel_password.set);
	CU_ASSERT_EQUAL(c->l2tp.defaults.max_sessions, 65535);
	CU_ASSERT_EQUAL(c->l2tp.defaults.hello_interval, 60);
	CU_ASSERT_EQUAL(c->l2tp.defaults.receive_window, 16);
	CU_ASSERT_FALSE(c->l2tp.defaults.allow_nonsecure);
	CU_ASSERT_EQUAL(c->l2tp.n_profiles, 0);
	/* ppp */
	CU_ASSERT_EQUAL(c->ppp.n_auth, 2);
	CU_ASSERT_EQUAL(c->ppp.auth[0], LNS_AUTH_MSCHAPV2);
	CU_ASSERT_EQUAL(c->ppp.auth[1], LNS_AUTH_CHAP_MD5);
	CU_ASSERT_EQUAL(c->ppp.mru, 1400);
	CU_ASSERT_EQUAL(c->ppp.keepalive_interval, 30);
	CU_ASSERT_EQUAL(c->ppp.keepalive_failures, 3);
	CU_ASSERT_EQUAL(c->ppp.auth_retries, 3);
	CU_ASSERT_EQUAL(c->ppp.mss_clamp, 0);
	CU_ASSERT_EQUAL(c->ppp.dns[0], 0);
	CU_ASSERT_EQUAL(c->ppp.n_pools, 0);
	CU_ASSERT_EQUAL(c->ppp.n_users, 0);
	CU_ASSERT_PTR_NULL(c->ppp.users);
	/* limits, log */
	CU_ASSERT_EQUAL(c->limits.max_tunnels, 65535);
	CU_ASSERT_EQUAL(c->limits.max_sessions, 65536);
	CU_ASSERT_EQUAL(c->limits.max_sas, 131072);
	CU_ASSERT_EQUAL(c->limits.mbufs, 16384);
	CU_ASSERT_EQUAL(c->limits.punt_ring_size, 1024);
	CU_ASSERT_EQUAL(c->limits.event_log_size, 4096);
	CU_ASSERT_FALSE(c->limits.allow_short_timers);
	CU_ASSERT_EQUAL(c->log.level, 7);
	CU_ASSERT_STRING_EQUAL(c->log.file, "");
	lns_conf_free(c);
}

static const char full_yaml[] =
	"eal: [\"-l\", \"0-2\", \"--file-prefix\", \"t\"]\n"
	"profile-dir: conf/profiles\n"
	"ports:\n"
	"  access:\n"
	"    device: 0000:3b:00.0\n"
	"    profile: testnic\n"
	"    address: 192.0.2.1/24\n"
	"    gateway: 192.0.2.254\n"
	"    mtu: 9000\n"
	"  core: {device: 3b:00.1, profile: minimal, address: 198.51.100.1/30}\n"
	"ipsec:\n"
	"  ike-proposals: [aes128-sha1-modp1024, aes256-sha256-ecp256, 3des-sha1-modp2048]\n"
	"  esp-proposals: [aes128-sha1, 3des-sha1, 3des-sha256]\n"
	"  allow-3des: yes\n"
	"  allow-modp1024: true\n"
	"  pfs: on\n"
	"  ike-lifetime: 3600\n"
	"  esp-lifetime: 1200\n"
	"  esp-lifetime-kb: 1000000\n"
	"  replay-window: 0\n"
	"  dpd-interval: 0\n"
	"  dpd-timeout: 10\n"
	"  max-half-open: 77\n"
	"  nat-keepalive: 0\n"
	"  psk:\n"
	"    - {id: lac1.example.net, secret: s3cret}\n"
	"    - {peer: 203.0.113.0/24, secret: \"group key\"}\n"
	"    - {peer: 203.0.113.7, secret: host}\n"
	"l2tp:\n"
	"  host-name: lns-1\n"
	"  retransmit: {initial-ms: 500, max-ms: 500, retries: 20}\n"
	"  admission: {sccrq-rate: 5, sccrq-burst: 6, max-half-open: 7,\n"
	"              max-half-open-per-source: 8, icrq-rate: 9, icrq-burst: 10,\n"
	"              max-pending-sessions: 11, session-setup-timeout: 12}\n"
	"  destination-profiles:\n"
	"    - name: lacs\n"
	"      match: {peer: 203.0.113.0/24, host-name: lac1}\n"
	"      max-sessions: 10\n"
	"      tunnel-password: tpw\n"
	"    - name: clients\n"
	"      single-shot-tunnel: true\n"
	"      destruct-timeout: 10\n"
	"  idle-timeout: 300\n"
	"  destruct-timeout: 3600\n"
	"  hello-interval: 0\n"
	"  receive-window: 1024\n"
	"  allow-nonsecure: true\n"
	"  tunnel-password: global\n"
	"ppp:\n"
	"  auth: [pap]\n"
	"  mru: 1500\n"
	"  keepalive: {interval: 0, failures: 100}\n"
	"  auth-retries: 10\n"
	"  dns: [192.0.2.53, 192.0.2.54]\n"
	"  mss-clamp: 1360\n"
	"  accept-proxy: true\n"
	"  default-pool: a\n"
	"  pools:\n"
	"    - {name: a, prefix: 10.0.0.0/24}\n"
	"    - {name: b, first: 10.1.0.10, last: 10.1.0.20}\n"
	"    - {name: c, prefix: 10.2.0.0/31}\n"
	"  users:\n"
	"    - {name: alice, password: pw1}\n"
	"    - {name: bob, nt-hash: 8846F7EAEE8FB117AD06BDD830B7586C, pool: b}\n"
	"    - {name: carol, password: pw3, address: 10.9.9.9}\n"
	"static:\n"
	"  sas:\n"
	"    - name: s1\n"
	"      spi-in: 0x1000\n"
	"      spi-out: 4096\n"
	"      peer: 203.0.113.7\n"
	"      alg: aes128-sha256\n"
	"      mode: tunnel\n"
	"      udp-encap: true\n"
	"      peer-port: 4501\n"
	"      key-in: 000102030405060708090a0b0c0d0e0f\n"
	"      key-out: 0x101112131415161718191A1B1C1D1E1F\n"
	"      auth-key-in: 0000000000000000000000000000000000000000000000000000000000000001\n"
	"      auth-key-out: 0000000000000000000000000000000000000000000000000000000000000002\n"
	"      count: 4\n"
	"  tunnels:\n"
	"    - {local-id: 100, peer-id: 7, sa: s1, count: 4, sessions: 2, profile: lacs}\n"
	"    - {local-id: 1, peer-id: 1, peer: 203.0.113.50, peer-port: 1702, sessions: 0}\n"
	"limits:\n"
	"  max-tunnels: 100\n"
	"  max-sessions: 200\n"
	"  max-sas: 8\n"
	"  mbufs: 1024\n"
	"  punt-ring-size: 32768\n"
	"  event-log-size: 64\n"
	"  allow-short-timers: false\n"
	"log:\n"
	"  level: debug\n"
	"  file: /var/log/lnsd.log\n"
	"  modules: {ike: warning, ppp: debug, l2tp: default}\n";

static void
test_full_values(void)
{
	struct lns_conf *c = load_ok(full_yaml);
	const struct lns_port_profile *pr;
	const struct lns_dest_profile *p;

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(c->n_eal_args, 4);
	CU_ASSERT_STRING_EQUAL(c->eal_args[1], "0-2");
	CU_ASSERT_STRING_EQUAL(c->profile_dir, "conf/profiles");
	/* ports and their profiles */
	CU_ASSERT_STRING_EQUAL(c->ports[LNS_PORT_ACCESS].device, "0000:3b:00.0");
	CU_ASSERT_EQUAL(c->ports[LNS_PORT_ACCESS].gateway, ip("192.0.2.254"));
	CU_ASSERT_EQUAL(c->ports[LNS_PORT_ACCESS].mtu, 9000);
	pr = &c->ports[LNS_PORT_ACCESS].profile;
	CU_ASSERT_STRING_EQUAL(pr->name, "testnic");
	CU_ASSERT_STRING_EQUAL(pr->driver, "net_testnic");
	CU_ASSERT_STRING_EQUAL(pr->description, "a profile for the unit tests");
	CU_ASSERT_EQUAL(pr->rss_fields, LNS_RSS_IPV4 | LNS_RSS_IPV4_UDP);
	CU_ASSERT_EQUAL(pr->offloads, LNS_OFFLOAD_RX_IPV4_CKSUM | LNS_OFFLOAD_RX_UDP_CKSUM |
			LNS_OFFLOAD_TX_IPV4_CKSUM | LNS_OFFLOAD_TX_FAST_FREE);
	CU_ASSERT_EQUAL(pr->rx_desc, 512);
	CU_ASSERT_EQUAL(pr->tx_desc, 2048);
	CU_ASSERT_EQUAL(pr->rx_burst, 64);
	CU_ASSERT_TRUE(pr->promiscuous);
	pr = &c->ports[LNS_PORT_CORE].profile;
	CU_ASSERT_STRING_EQUAL(pr->driver, "net_minimal");
	CU_ASSERT_EQUAL(pr->rss_fields, LNS_RSS_IPV4 | LNS_RSS_IPV4_UDP | LNS_RSS_IPV4_OTHER);
	CU_ASSERT_EQUAL(pr->offloads, 0);
	CU_ASSERT_EQUAL(pr->rx_desc, 1024);
	CU_ASSERT_FALSE(pr->promiscuous);
	CU_ASSERT_EQUAL(c->ports[LNS_PORT_CORE].address.len, 30);
	/* ipsec */
	CU_ASSERT_EQUAL(c->ipsec.n_ike_proposals, 3);
	CU_ASSERT_EQUAL(c->ipsec.ike_proposals[0], LNS_IKE_AES128_SHA1_MODP1024);
	CU_ASSERT_EQUAL(c->ipsec.ike_proposals[2], LNS_IKE_3DES_SHA1_MODP2048);
	/* ike-proposals alone: every algorithm its suites name, in their order */
	CU_ASSERT_EQUAL(c->ipsec.n_ike_ciphers, 3);
	CU_ASSERT_EQUAL(c->ipsec.ike_ciphers[0], LNS_IKE_C_AES128);
	CU_ASSERT_EQUAL(c->ipsec.ike_ciphers[1], LNS_IKE_C_AES256);
	CU_ASSERT_EQUAL(c->ipsec.ike_ciphers[2], LNS_IKE_C_3DES);
	CU_ASSERT_EQUAL(c->ipsec.n_ike_hashes, 2);
	CU_ASSERT_EQUAL(c->ipsec.ike_hashes[0], 2);
	CU_ASSERT_EQUAL(c->ipsec.ike_hashes[1], 4);
	CU_ASSERT_EQUAL(c->ipsec.n_ike_groups, 3);
	CU_ASSERT_EQUAL(c->ipsec.ike_groups[0], 2);
	CU_ASSERT_EQUAL(c->ipsec.ike_groups[1], 19);
	CU_ASSERT_EQUAL(c->ipsec.ike_groups[2], 14);
	CU_ASSERT_EQUAL(c->ipsec.n_esp_proposals, 3);
	CU_ASSERT_EQUAL(c->ipsec.esp_proposals[0], LNS_ESP_AES128_SHA1);
	CU_ASSERT_EQUAL(c->ipsec.esp_proposals[1], LNS_ESP_3DES_SHA1);
	CU_ASSERT_EQUAL(c->ipsec.esp_proposals[2], LNS_ESP_3DES_SHA256);
	CU_ASSERT_TRUE(c->ipsec.allow_3des && c->ipsec.allow_modp1024 && c->ipsec.pfs);
	CU_ASSERT_EQUAL(c->ipsec.ike_lifetime, 3600);
	CU_ASSERT_EQUAL(c->ipsec.esp_lifetime, 1200);
	CU_ASSERT_EQUAL(c->ipsec.esp_lifetime_kb, 1000000);
	CU_ASSERT_EQUAL(c->ipsec.replay_window, 0);
	CU_ASSERT_EQUAL(c->ipsec.dpd_interval, 0);
	CU_ASSERT_EQUAL(c->ipsec.dpd_timeout, 10);
	CU_ASSERT_EQUAL(c->ipsec.max_half_open, 77);
	CU_ASSERT_EQUAL(c->ipsec.nat_keepalive, 0);
	CU_ASSERT_EQUAL(c->ipsec.n_psks, 3);
	CU_ASSERT_STRING_EQUAL(c->ipsec.psks[0].id, "lac1.example.net");
	CU_ASSERT_STRING_EQUAL(c->ipsec.psks[0].secret.value, "s3cret");
	CU_ASSERT_EQUAL(c->ipsec.psks[0].secret.len, 6);
	CU_ASSERT_STRING_EQUAL(c->ipsec.psks[1].id, "");
	CU_ASSERT_EQUAL(c->ipsec.psks[1].peer.addr, ip("203.0.113.0"));
	CU_ASSERT_EQUAL(c->ipsec.psks[1].peer.len, 24);
	CU_ASSERT_STRING_EQUAL(c->ipsec.psks[1].secret.value, "group key");
	CU_ASSERT_EQUAL(c->ipsec.psks[2].peer.len, 32);
	/* l2tp, with inheritance */
	CU_ASSERT_STRING_EQUAL(c->l2tp.host_name, "lns-1");
	CU_ASSERT_EQUAL(c->l2tp.retransmit_initial_ms, 500);
	CU_ASSERT_EQUAL(c->l2tp.retransmit_max_ms, 500);
	CU_ASSERT_EQUAL(c->l2tp.retransmit_retries, 20);
	CU_ASSERT_EQUAL(c->l2tp.admission.sccrq_rate, 5);
	CU_ASSERT_EQUAL(c->l2tp.admission.sccrq_burst, 6);
	CU_ASSERT_EQUAL(c->l2tp.admission.max_half_open, 7);
	CU_ASSERT_EQUAL(c->l2tp.admission.max_half_open_per_source, 8);
	CU_ASSERT_EQUAL(c->l2tp.admission.icrq_rate, 9);
	CU_ASSERT_EQUAL(c->l2tp.admission.icrq_burst, 10);
	CU_ASSERT_EQUAL(c->l2tp.admission.max_pending_sessions, 11);
	CU_ASSERT_EQUAL(c->l2tp.admission.session_setup_timeout, 12);
	CU_ASSERT_EQUAL(c->l2tp.n_profiles, 2);
	p = &c->l2tp.profiles[0];
	CU_ASSERT_STRING_EQUAL(p->name, "lacs");
	CU_ASSERT_TRUE(p->match_peer_set);
	CU_ASSERT_EQUAL(p->match_peer.addr, ip("203.0.113.0"));
	CU_ASSERT_STRING_EQUAL(p->match_host_name, "lac1");
	CU_ASSERT_EQUAL(p->max_sessions, 10);
	CU_ASSERT_STRING_EQUAL(p->tunnel_password.value, "tpw");
	CU_ASSERT_EQUAL(p->idle_timeout, 300);         /* inherited, given after the list */
	CU_ASSERT_EQUAL(p->destruct_timeout, 3600);
	CU_ASSERT_EQUAL(p->hello_interval, 0);
	CU_ASSERT_EQUAL(p->receive_window, 1024);
	CU_ASSERT_TRUE(p->allow_nonsecure);
	CU_ASSERT_FALSE(p->single_shot);
	p = &c->l2tp.profiles[1];
	CU_ASSERT_FALSE(p->match_peer_set);
	CU_ASSERT_TRUE(p->single_shot);
	CU_ASSERT_EQUAL(p->destruct_timeout, 10);
	CU_ASSERT_EQUAL(p->max_sessions, 65535);
	CU_ASSERT_STRING_EQUAL(p->tunnel_password.value, "global");
	CU_ASSERT_EQUAL(c->l2tp.defaults.destruct_timeout, 3600);
	CU_ASSERT_STRING_EQUAL(c->l2tp.defaults.name, "");
	/* ppp */
	CU_ASSERT_EQUAL(c->ppp.n_auth, 1);
	CU_ASSERT_EQUAL(c->ppp.auth[0], LNS_AUTH_PAP);
	CU_ASSERT_EQUAL(c->ppp.mru, 1500);
	CU_ASSERT_EQUAL(c->ppp.keepalive_interval, 0);
	CU_ASSERT_EQUAL(c->ppp.keepalive_failures, 100);
	CU_ASSERT_EQUAL(c->ppp.auth_retries, 10);
	CU_ASSERT_EQUAL(c->ppp.dns[0], ip("192.0.2.53"));
	CU_ASSERT_EQUAL(c->ppp.dns[1], ip("192.0.2.54"));
	CU_ASSERT_EQUAL(c->ppp.mss_clamp, 1360);
	CU_ASSERT_TRUE(c->ppp.accept_proxy);
	CU_ASSERT_STRING_EQUAL(c->ppp.default_pool, "a");
	CU_ASSERT_EQUAL(c->ppp.n_pools, 3);
	CU_ASSERT_EQUAL(c->ppp.pools[0].first, ip("10.0.0.1"));
	CU_ASSERT_EQUAL(c->ppp.pools[0].last, ip("10.0.0.254"));
	CU_ASSERT_EQUAL(c->ppp.pools[1].first, ip("10.1.0.10"));
	CU_ASSERT_EQUAL(c->ppp.pools[1].last, ip("10.1.0.20"));
	CU_ASSERT_EQUAL(c->ppp.pools[2].first, ip("10.2.0.0"));   /* /31: both usable */
	CU_ASSERT_EQUAL(c->ppp.pools[2].last, ip("10.2.0.1"));
	CU_ASSERT_EQUAL(c->ppp.n_users, 3);
	CU_ASSERT_STRING_EQUAL(c->ppp.users[0].password.value, "pw1");
	CU_ASSERT_FALSE(c->ppp.users[0].nt_hash_set);
	CU_ASSERT_TRUE(c->ppp.users[1].nt_hash_set);
	CU_ASSERT_FALSE(c->ppp.users[1].password.set);
	CU_ASSERT_EQUAL(c->ppp.users[1].nt_hash[0], 0x88);
	CU_ASSERT_EQUAL(c->ppp.users[1].nt_hash[15], 0x6c);
	CU_ASSERT_STRING_EQUAL(c->ppp.users[1].pool, "b");
	CU_ASSERT_EQUAL(c->ppp.users[2].address, ip("10.9.9.9"));
	/* static */
	CU_ASSERT_EQUAL(c->stat.n_sas, 1);
	CU_ASSERT_EQUAL(c->stat.sas[0].spi_in, 0x1000);
	CU_ASSERT_EQUAL(c->stat.sas[0].spi_out, 4096);
	CU_ASSERT_EQUAL(c->stat.sas[0].alg, LNS_ESP_AES128_SHA256);
	CU_ASSERT_EQUAL(c->stat.sas[0].mode, LNS_MODE_TUNNEL);
	CU_ASSERT_TRUE(c->stat.sas[0].udp_encap);
	CU_ASSERT_EQUAL(c->stat.sas[0].peer_port, 4501);
	CU_ASSERT_EQUAL(c->stat.sas[0].key_in_len, 16);
	CU_ASSERT_EQUAL(c->stat.sas[0].key_in[15], 0x0f);
	CU_ASSERT_EQUAL(c->stat.sas[0].key_out[10], 0x1a);
	CU_ASSERT_EQUAL(c->stat.sas[0].auth_key_in_len, 32);
	CU_ASSERT_EQUAL(c->stat.sas[0].auth_key_out[31], 2);
	CU_ASSERT_EQUAL(c->stat.sas[0].count, 4);
	CU_ASSERT_EQUAL(c->stat.n_tunnels, 2);
	CU_ASSERT_EQUAL(c->stat.tunnels[0].local_id, 100);
	CU_ASSERT_EQUAL(c->stat.tunnels[0].peer, ip("203.0.113.7"));   /* from the SA */
	CU_ASSERT_EQUAL(c->stat.tunnels[0].peer_port, 1701);
	CU_ASSERT_EQUAL(c->stat.tunnels[0].sessions, 2);
	CU_ASSERT_STRING_EQUAL(c->stat.tunnels[0].pool, "");
	CU_ASSERT_EQUAL(c->stat.tunnels[1].peer_port, 1702);
	CU_ASSERT_EQUAL(c->stat.tunnels[1].count, 1);
	/* limits, log */
	CU_ASSERT_EQUAL(c->limits.max_sas, 8);
	CU_ASSERT_EQUAL(c->limits.punt_ring_size, 32768);
	CU_ASSERT_EQUAL(c->limits.event_log_size, 64);
	CU_ASSERT_EQUAL(c->log.level, 8);
	CU_ASSERT_STRING_EQUAL(c->log.file, "/var/log/lnsd.log");
	CU_ASSERT_EQUAL(c->log.modules.ike, 5);
	CU_ASSERT_EQUAL(c->log.modules.ppp, 8);
	CU_ASSERT_EQUAL(c->log.modules.l2tp, 0);
	CU_ASSERT_EQUAL(c->log.modules.dp, 0);
	lns_conf_free(c);
}

static void
test_dest_profile_lookup(void)
{
	struct lns_conf *c = load_ok(full_yaml);

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	/* "lacs" needs both the peer prefix and the host name */
	CU_ASSERT_PTR_EQUAL(lns_conf_dest_profile(c, ip("203.0.113.9"), "lac1"),
			    &c->l2tp.profiles[0]);
	/* otherwise "clients" (no match rule) takes everything */
	CU_ASSERT_PTR_EQUAL(lns_conf_dest_profile(c, ip("203.0.113.9"), "other"),
			    &c->l2tp.profiles[1]);
	CU_ASSERT_PTR_EQUAL(lns_conf_dest_profile(c, ip("198.18.0.1"), "lac1"),
			    &c->l2tp.profiles[1]);
	CU_ASSERT_PTR_EQUAL(lns_conf_dest_profile(c, ip("203.0.113.9"), NULL),
			    &c->l2tp.profiles[1]);
	lns_conf_free(c);

	c = load_ok(PORTS
		    "l2tp:\n"
		    "  destination-profiles:\n"
		    "    - {name: net, match: {peer: 10.0.0.0/8}}\n"
		    "    - {name: host, match: {host-name: lac}}\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_PTR_EQUAL(lns_conf_dest_profile(c, ip("10.1.2.3"), "lac"), &c->l2tp.profiles[0]);
	CU_ASSERT_PTR_EQUAL(lns_conf_dest_profile(c, ip("11.1.2.3"), "lac"), &c->l2tp.profiles[1]);
	CU_ASSERT_PTR_EQUAL(lns_conf_dest_profile(c, ip("11.1.2.3"), "lacx"), &c->l2tp.defaults);
	CU_ASSERT_PTR_EQUAL(lns_conf_dest_profile(c, ip("11.1.2.3"), NULL), &c->l2tp.defaults);
	lns_conf_free(c);
}

static void
test_short_timers(void)
{
	/* limits comes after l2tp: the switch still applies to the earlier keys */
	struct lns_conf *c = load_ok(PORTS
				     "l2tp:\n"
				     "  destruct-timeout: 2\n"
				     "  destination-profiles: [{name: s, destruct-timeout: 1}]\n"
				     "limits: {allow-short-timers: true}\n");

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_TRUE(c->limits.allow_short_timers);
	CU_ASSERT_EQUAL(c->l2tp.defaults.destruct_timeout, 2);
	CU_ASSERT_EQUAL(c->l2tp.profiles[0].destruct_timeout, 1);
	lns_conf_free(c);
}

static void
test_pool_ranges_and_numbers(void)
{
	struct lns_conf *c = load_ok(PORTS
				     "ppp:\n"
				     "  pools:\n"
				     "    - {name: one, prefix: 10.0.0.5/32}\n"
				     "    - {name: two, first: 10.0.1.1, last: 10.0.1.1}\n"
				     "limits: {max-tunnels: 0x10, max-sessions: 007}\n");

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(c->ppp.pools[0].first, ip("10.0.0.5"));
	CU_ASSERT_EQUAL(c->ppp.pools[0].last, ip("10.0.0.5"));
	CU_ASSERT_EQUAL(c->ppp.pools[1].first, c->ppp.pools[1].last);
	CU_ASSERT_EQUAL(c->limits.max_tunnels, 16);
	CU_ASSERT_EQUAL(c->limits.max_sessions, 7);   /* decimal, not octal */
	lns_conf_free(c);
}

static void
test_secret_files(void)
{
	char yaml[2048];
	struct lns_conf *c;

	write_file("psk", "file-psk\n");
	write_file("pw", "file-pw");              /* no newline */
	write_file("tpw", "two\nlines\n\n");       /* only one newline goes */
	write_file("nt", "8846f7eaee8fb117ad06bdd830b7586c\n");
	snprintf(yaml, sizeof(yaml), PORTS
		 "ipsec:\n"
		 "  psk: [{id: x, secret-file: %s/psk}]\n"
		 "l2tp:\n"
		 "  tunnel-password-file: %s/tpw\n"
		 "ppp:\n"
		 "  users:\n"
		 "    - {name: a, password-file: %s/pw, address: 10.0.0.1}\n"
		 "    - {name: b, nt-hash-file: %s/nt, address: 10.0.0.2}\n",
		 tmpdir, tmpdir, tmpdir, tmpdir);
	c = load_ok(yaml);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_STRING_EQUAL(c->ipsec.psks[0].secret.value, "file-psk");
	CU_ASSERT_EQUAL(c->ipsec.psks[0].secret.len, 8);
	CU_ASSERT_TRUE(c->ipsec.psks[0].secret.set);
	CU_ASSERT_STRING_EQUAL(c->l2tp.defaults.tunnel_password.value, "two\nlines\n");
	CU_ASSERT_STRING_EQUAL(c->ppp.users[0].password.value, "file-pw");
	CU_ASSERT_TRUE(c->ppp.users[1].nt_hash_set);
	CU_ASSERT_EQUAL(c->ppp.users[1].nt_hash[0], 0x88);
	lns_conf_free(c);
}

/* lns_conf_load(): relative secret files and profile-dir start at the file's directory. */
static void
test_load_file_relative_paths(void)
{
	char path[256], err[LNS_CONF_ERR_MAX] = "", cwd[512];
	struct lns_conf *c;

	CU_ASSERT_PTR_NOT_NULL_FATAL(getcwd(cwd, sizeof(cwd)));
	write_file("rel-psk", "relative\n");
	snprintf(path, sizeof(path), "%s/prof", tmpdir);
	mkdir(path, 0700);
	write_file("prof/mine.yaml", "driver: net_mine\nrx-burst: 8\n");
	snprintf(path, sizeof(path), "%s/main.yaml", tmpdir);
	write_file("main.yaml", "profile-dir: prof\n"
		   "ports:\n"
		   "  access: {device: a0, address: 192.0.2.1/24, profile: mine}\n"
		   "  core: {device: a1, address: 198.51.100.1/24}\n"
		   "ipsec: {psk: [{peer: 0.0.0.0/0, secret-file: rel-psk}]}\n");
	c = lns_conf_load(path, err, sizeof(err));
	if (c == NULL)
		fprintf(stderr, "\n  %s\n", err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_STRING_EQUAL(c->path, path);
	CU_ASSERT_STRING_EQUAL(c->ipsec.psks[0].secret.value, "relative");
	CU_ASSERT_EQUAL(c->ipsec.psks[0].peer.len, 0);
	CU_ASSERT_EQUAL(c->ports[LNS_PORT_ACCESS].profile.rx_burst, 8);
	lns_conf_free(c);

	/* and errors name the real file */
	write_file("bad.yaml", "ports:\n  access: {device: a0}\n");
	snprintf(path, sizeof(path), "%s/bad.yaml", tmpdir);
	CU_ASSERT_PTR_NULL(lns_conf_load(path, err, sizeof(err)));
	snprintf(path, sizeof(path), "%s/bad.yaml:2:11: ports.access.address: required", tmpdir);
	CU_ASSERT_EQUAL(strncmp(err, path, strlen(path)), 0);

	snprintf(path, sizeof(path), "%s/does-not-exist.yaml", tmpdir);
	CU_ASSERT_PTR_NULL(lns_conf_load(path, err, sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "does-not-exist.yaml"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, strerror(ENOENT)));
}

static void
test_dump_masks_and_round_trips(void)
{
	struct lns_conf *c = load_ok(full_yaml), *c2;
	char *out = NULL, *out2 = NULL;
	size_t len = 0, len2 = 0;
	FILE *f;

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	f = open_memstream(&out, &len);
	lns_conf_dump(c, f);
	fclose(f);
	CU_ASSERT_PTR_NULL(strstr(out, "s3cret"));
	CU_ASSERT_PTR_NULL(strstr(out, "group key"));
	CU_ASSERT_PTR_NULL(strstr(out, "pw1"));
	CU_ASSERT_PTR_NULL(strstr(out, "tpw"));
	CU_ASSERT_PTR_NULL(strstr(out, "0a0b0c"));
	CU_ASSERT_PTR_NULL(strstr(out, "8846"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "password: \"***\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "destruct-timeout: 3600"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "level: debug"));
	lns_conf_free(c);
	free(out);

	/* without keys or NT hashes the dump is itself a valid, identical configuration */
	c = load_ok(PORTS
		    "eal: [\"--vdev=net_null0\", \"a \\\"quoted\\\" arg\"]\n"
		    "ipsec: {psk: [{id: a, secret: x}]}\n"
		    "l2tp: {destination-profiles: [{name: p, match: {host-name: h}}, {name: q}]}\n"
		    "ppp: {dns: [192.0.2.1], pools: [{name: a, prefix: 10.0.0.0/24}],"
		    " users: [{name: u, password: p, pool: a}]}\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	f = open_memstream(&out, &len);
	lns_conf_dump(c, f);
	fclose(f);
	c2 = load_ok(out);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c2);
	f = open_memstream(&out2, &len2);
	lns_conf_dump(c2, f);
	fclose(f);
	CU_ASSERT_STRING_EQUAL(out, out2);
	CU_ASSERT_STRING_EQUAL(c2->eal_args[1], "a \"quoted\" arg");
	lns_conf_free(c);
	lns_conf_free(c2);
	free(out);
	free(out2);
}

static void
test_names_and_free_null(void)
{
	CU_ASSERT_STRING_EQUAL(lns_esp_alg_name(LNS_ESP_AES256_GCM16), "aes256gcm16");
	CU_ASSERT_STRING_EQUAL(lns_esp_alg_name(LNS_ESP_AES128_SHA256), "aes128-sha256");
	CU_ASSERT_STRING_EQUAL(lns_ike_alg_name(LNS_IKE_3DES_SHA1_MODP2048), "3des-sha1-modp2048");
	CU_ASSERT_STRING_EQUAL(lns_ppp_auth_name(LNS_AUTH_CHAP_MD5), "chap-md5");
	CU_ASSERT_STRING_EQUAL(lns_port_role_name(LNS_PORT_CORE), "core");
	CU_ASSERT_STRING_EQUAL(lns_port_role_name(LNS_PORT_ROLE_MAX), "?");
	lns_conf_free(NULL);
}

static struct lns_conf *
load_shipped(const char *path)
{
	char err[LNS_CONF_ERR_MAX] = "";
	struct lns_conf *c = lns_conf_load(path, err, sizeof(err));

	if (c == NULL)
		fprintf(stderr, "\n  %s\n", err);
	return c;
}

static void
test_shipped_reference(void)
{
	struct lns_conf *c = load_shipped("../../config/lnsd.yaml");

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_STRING_EQUAL(c->ports[LNS_PORT_ACCESS].profile.name, "i40e");
	CU_ASSERT_STRING_EQUAL(c->ports[LNS_PORT_ACCESS].device, "0000:3b:00.0");
	CU_ASSERT_FALSE(c->limits.allow_short_timers);
	CU_ASSERT(c->n_eal_args >= 2);
	lns_conf_free(c);
}

static void
test_shipped_demo(void)
{
	struct lns_conf *c = load_shipped("../../config/demo.yaml");
	const struct lns_dest_profile *p;

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_STRING_EQUAL(c->ports[LNS_PORT_ACCESS].device, "net_af_packet0");
	CU_ASSERT_STRING_EQUAL(c->ports[LNS_PORT_ACCESS].profile.name, "af_packet");
	CU_ASSERT_EQUAL(c->ports[LNS_PORT_CORE].address.addr, ip("198.51.100.1"));
	CU_ASSERT_TRUE(c->limits.allow_short_timers);
	CU_ASSERT_EQUAL(c->limits.max_tunnels, 1024);
	CU_ASSERT_EQUAL(c->limits.mbufs, 8192);
	p = lns_conf_dest_profile(c, ip("192.0.2.10"), NULL);
	CU_ASSERT_TRUE(p->single_shot);
	CU_ASSERT_EQUAL(p->idle_timeout, 2);
	CU_ASSERT_EQUAL(p->destruct_timeout, 3);
	/* the demo's client comes over IPsec (strongSwan): plain L2TP is refused */
	CU_ASSERT_FALSE(p->allow_nonsecure);
	CU_ASSERT_EQUAL(c->ipsec.esp_proposals[0], LNS_ESP_AES128_GCM16);
	CU_ASSERT_EQUAL(c->ipsec.dpd_interval, 0);
	CU_ASSERT_EQUAL(c->ports[LNS_PORT_CORE].gateway, ip("198.51.100.2"));
	CU_ASSERT_EQUAL(c->ppp.auth[0], LNS_AUTH_PAP);
	CU_ASSERT_EQUAL(c->ppp.dns[0], ip("198.51.100.2"));
	CU_ASSERT_STRING_EQUAL(c->ppp.users[0].name, "demo");
	CU_ASSERT_STRING_EQUAL(c->ppp.users[0].password.value, "demo-password");
	lns_conf_free(c);
}

static void
test_shipped_bench(void)
{
	struct lns_conf *c = load_shipped("../../config/bench.yaml");

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(c->ipsec.replay_window, 0);
	/* one GCM and one CBC family of clients, 16 each, 4 sessions per tunnel */
	CU_ASSERT_EQUAL_FATAL(c->stat.n_sas, 2);
	CU_ASSERT_EQUAL(c->stat.sas[0].alg, LNS_ESP_AES128_GCM16);
	CU_ASSERT_EQUAL(c->stat.sas[0].key_in_len, 20);
	CU_ASSERT_TRUE(c->stat.sas[0].udp_encap);
	CU_ASSERT_EQUAL(c->stat.sas[0].count, 16);
	CU_ASSERT_EQUAL(c->stat.sas[1].alg, LNS_ESP_AES128_SHA1);
	CU_ASSERT_EQUAL(c->stat.sas[1].auth_key_in_len, 20);
	CU_ASSERT_EQUAL_FATAL(c->stat.n_tunnels, 2);
	CU_ASSERT_EQUAL(c->stat.tunnels[0].sessions, 4);
	CU_ASSERT_EQUAL(c->stat.tunnels[1].count, 16);
	/* net_pcap both sides: the core port replays ARP so the next hop resolves */
	CU_ASSERT_STRING_EQUAL(c->ports[LNS_PORT_ACCESS].profile.name, "pcap");
	CU_ASSERT_STRING_EQUAL(c->ports[LNS_PORT_CORE].profile.name, "pcap");
	CU_ASSERT_NOT_EQUAL(c->ports[LNS_PORT_CORE].gateway, 0);
	lns_conf_free(c);
}

/* ======================================================= bad configs === */

/* YAML itself */
static void
bad_syntax(void)
{
	expect_err(PORTS "l2tp:\n  host-name: [a, b\n", 10, 1, "syntax error",
		   "did not find expected");
	expect_err("ports:\n  access: x: y\n", 2, 12, "syntax error",
		   "mapping values are not allowed");
}

static void
bad_top_level(void)
{
	expect_err("- a\n- b\n", 1, 1, "(top level)", "expected a mapping of sections, found a list");
	expect_err(PORTS "---\nx: 1\n", 9, 1, "syntax error", "more than one YAML document");
}

static void
bad_empty_document(void)
{
	expect_err("", 1, 1, "ports", "required key missing");
	expect_err("# only a comment\n", 1, 1, "ports", "required key missing");
}

/* keys */
static void
bad_unknown_key_suggests(void)
{
	expect_err(PORTS "limit:\n  max-tunnels: 1\n", 8, 1, "limit",
		   "unknown key (did you mean 'limits'?)");
	expect_err(PORTS "l2tp:\n  destination-profiles:\n    - name: a\n    - name: b\n"
		   "      destruct-timout: 30\n", 12, 7,
		   "l2tp.destination-profiles[1].destruct-timout",
		   "unknown key (did you mean 'destruct-timeout'?)");
}

static void
bad_unknown_key_plain(void)
{
	char err[LNS_CONF_ERR_MAX];

	expect_err(PORTS "ppp:\n  colour: blue\n", 9, 3, "ppp.colour", "unknown key");
	CU_ASSERT_PTR_NULL(lns_conf_load_string(PORTS "ppp:\n  colour: blue\n", "t.yaml", err,
						sizeof(err)));
	CU_ASSERT_PTR_NULL(strstr(err, "did you mean"));
}

static void
bad_duplicate_key(void)
{
	expect_err(PORTS "ipsec:\n  pfs: true\n  replay-window: 32\n  pfs: false\n", 11, 3,
		   "ipsec.pfs", "duplicate key (first given at line 9)");
	expect_err(PORTS "ppp:\n  users:\n    - {name: a, password: x, name: b}\n", 10, 30,
		   "ppp.users[0].name", "duplicate key");
}

static void
bad_missing_required(void)
{
	expect_err("ports:\n  access: {device: a, address: 192.0.2.1/24}\n", 2, 3, "ports.core",
		   "required key missing");
	expect_err("ports:\n  access:\n    address: 192.0.2.1/24\n", 3, 5, "ports.access.device",
		   "required key missing");
	expect_err("ports:\n  access: {device: a}\n", 2, 11, "ports.access.address",
		   "required key missing");
	expect_err(PORTS "l2tp:\n  destination-profiles:\n    - match: {host-name: x}\n", 10, 7,
		   "l2tp.destination-profiles[0].name", "required key missing");
}

static void
bad_empty_section(void)
{
	expect_err("ports:\n  access:\n  core: {device: a, address: 1.1.1.1/8}\n", 2, 10,
		   "ports.access.device", "required key missing");
}

/* types */
static void
bad_wrong_types(void)
{
	expect_err("ports:\n  access: net0\n", 2, 11, "ports.access",
		   "expected a mapping, found a scalar");
	expect_err(PORTS "ipsec:\n  psk: secret\n", 9, 8, "ipsec.psk",
		   "expected a list, found a scalar");
	expect_err(PORTS "ppp:\n  mru: {a: 1}\n", 9, 8, "ppp.mru",
		   "expected an integer, found a mapping");
	expect_err(PORTS "l2tp:\n  host-name: [a]\n", 9, 14, "l2tp.host-name",
		   "expected a string, found a list");
	expect_err(PORTS "ppp:\n  pools: [10.0.0.0/24]\n", 9, 11, "ppp.pools[0]",
		   "expected a mapping, found a scalar");
	expect_err(PORTS "{a: 1}: 2\n", 8, 1, "(top level)", "keys must be names");
}

static void
bad_numbers(void)
{
	expect_err(PORTS "ppp:\n  mru: abc\n", 9, 8, "ppp.mru", "expected an integer, found 'abc'");
	expect_err(PORTS "ppp:\n  mru: \"1400\"\n", 9, 8, "ppp.mru", "quoted string");
	expect_err(PORTS "ppp:\n  mru: -1\n", 9, 8, "ppp.mru", "expected an integer");
	expect_err(PORTS "ppp:\n  mru: 14_00\n", 9, 8, "ppp.mru", "expected an integer");
	expect_err(PORTS "ppp:\n  mru:\n", 9, 7, "ppp.mru", "expected an integer, found nothing");
	expect_err(PORTS "ipsec:\n  esp-lifetime-kb: 99999999999999999999999\n", 9, 20,
		   "ipsec.esp-lifetime-kb", "too large");
}

static void
bad_bool(void)
{
	expect_err(PORTS "ipsec:\n  pfs: maybe\n", 9, 8, "ipsec.pfs",
		   "expected true or false, found 'maybe'");
	expect_err(PORTS "ipsec:\n  pfs: 1\n", 9, 8, "ipsec.pfs", "expected true or false");
}

/* ranges */
static void
bad_destruct_timeout_range(void)
{
	expect_err(PORTS "l2tp:\n  destination-profiles:\n    - name: a\n    - name: b\n"
		   "      destruct-timeout: 5\n", 12, 25,
		   "l2tp.destination-profiles[1].destruct-timeout",
		   "5 is outside 10..3600 (limits.allow-short-timers");
	expect_err(PORTS "l2tp:\n  destruct-timeout: 3601\n", 9, 21, "l2tp.destruct-timeout",
		   "3601 is outside 10..3600");
	/* the switch lowers the minimum only */
	expect_err(PORTS "limits: {allow-short-timers: true}\nl2tp:\n  destruct-timeout: 4000\n",
		   10, 21, "l2tp.destruct-timeout", "4000 is outside 1..3600");
	expect_err(PORTS "limits: {allow-short-timers: true}\nl2tp:\n  destruct-timeout: 0\n",
		   10, 21, "l2tp.destruct-timeout", "0 is outside 1..3600");
}

static void
bad_ranges(void)
{
	expect_err("ports:\n  access: {device: a, address: 192.0.2.1/24, mtu: 10000}\n", 2, 51,
		   "ports.access.mtu", "10000 is outside 576..9000");
	expect_err(PORTS "ppp:\n  mss-clamp: 100\n", 9, 14, "ppp.mss-clamp",
		   "100 is outside 536..1460 (or 0 for off)");
	expect_err(PORTS "limits:\n  punt-ring-size: 1000\n", 9, 19, "limits.punt-ring-size",
		   "1000 is not a power of two");
	/* tunnel ids are 16 bits: more would be accepted and never usable */
	expect_err(PORTS "limits:\n  max-tunnels: 65536\n", 9, 16, "limits.max-tunnels",
		   "65536 is outside 1..65535");
	expect_err(PORTS "ipsec:\n  replay-window: 4097\n", 9, 18, "ipsec.replay-window",
		   "4097 is outside 0..4096");
	expect_err(PORTS "l2tp:\n  admission:\n    sccrq-rate: 0\n", 10, 17,
		   "l2tp.admission.sccrq-rate", "0 is outside 1..100000");
	expect_err(PORTS "l2tp:\n  admission:\n    session-setup-timeout: 601\n", 10, 28,
		   "l2tp.admission.session-setup-timeout", "601 is outside 1..600");
	expect_err(PORTS "l2tp:\n  admission: {max-pending: 3}\n", 9, 15,
		   "l2tp.admission.max-pending", "unknown key");
	expect_err(PORTS "static:\n  sas:\n    - {name: a, spi-in: 255, spi-out: 300}\n", 10, 25,
		   "static.sas[0].spi-in", "255 is outside 256..4294967295");
}

static void
bad_string_too_long(void)
{
	expect_err(PORTS "l2tp:\n  host-name: "
		   "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n", 9, 14,
		   "l2tp.host-name", "longer than 63 characters");
	expect_err(PORTS "l2tp:\n  host-name: \"\"\n", 9, 14, "l2tp.host-name", "must not be empty");
}

/* cross-field rules */
static void
bad_retransmit_order(void)
{
	expect_err(PORTS "l2tp:\n  retransmit:\n    initial-ms: 2000\n    max-ms: 1000\n", 11, 13,
		   "l2tp.retransmit.max-ms", "1000 is less than initial-ms (2000)");
	expect_err(PORTS "l2tp:\n  retransmit:\n    initial-ms: 9000\n", 10, 17,
		   "l2tp.retransmit.initial-ms", "raise max-ms");
}

static void
bad_dpd(void)
{
	expect_err(PORTS "ipsec:\n  dpd-interval: 60\n  dpd-timeout: 60\n", 10, 16,
		   "ipsec.dpd-timeout", "must be greater than dpd-interval (60)");
}

static void
bad_weak_proposals(void)
{
	expect_err(PORTS "ipsec:\n  ike-proposals:\n    - aes128-sha1-modp2048\n"
		   "    - 3des-sha1-modp2048\n", 11, 7, "ipsec.ike-proposals[1]",
		   "needs allow-3des: true");
	expect_err(PORTS "ipsec:\n  ike-proposals: [aes128-sha1-modp1024]\n", 9, 19,
		   "ipsec.ike-proposals[0]", "needs allow-modp1024: true");
	expect_err(PORTS "ipsec:\n  ike-groups: [modp2048, modp1024]\n", 9, 26,
		   "ipsec.ike-groups[1]", "need allow-modp1024: true");
	expect_err(PORTS "ipsec:\n  ike-groups: [modp2048, modp1536]\n", 9, 26,
		   "ipsec.ike-groups[1]", "need allow-modp1024: true");
	expect_err(PORTS "ipsec:\n  ike-ciphers: [aes128, 3des]\n", 9, 25,
		   "ipsec.ike-ciphers[1]", "needs allow-3des: true");
	expect_err(PORTS "ipsec:\n  esp-proposals: [aes128-sha1, 3des-sha1]\n", 9, 32,
		   "ipsec.esp-proposals[1]", "needs allow-3des: true");
	/* manually keyed SAs take the same switch */
	expect_err(PORTS "static:\n  sas:\n    - {name: a, spi-in: 256, spi-out: 256, peer: 1.1.1.1,\n"
		   "       alg: 3des-sha1,\n"
		   "       key-in: 000102030405060708090a0b0c0d0e0f1011121314151617,\n"
		   "       key-out: 101112131415161718191a1b1c1d1e1f2021222324252627,\n"
		   "       auth-key-in: 0102030405060708090a0b0c0d0e0f1011121314,\n"
		   "       auth-key-out: 0102030405060708090a0b0c0d0e0f1011121314}\n", 11, 13,
		   "static.sas[0].alg", "needs ipsec.allow-3des: true");
}

/* addresses */
static void
bad_addresses(void)
{
	expect_err("ports:\n  access: {device: a, address: 192.0.2.1/24, gateway: 192.0.2}\n",
		   2, 55, "ports.access.gateway", "malformed IPv4 address '192.0.2'");
	expect_err("ports:\n  access: {device: a, address: 192.0.2.1}\n", 2, 32,
		   "ports.access.address", "lacks a prefix length");
	expect_err("ports:\n  access: {device: a, address: 192.0.2.1/33}\n", 2, 32,
		   "ports.access.address", "bad prefix length");
	expect_err("ports:\n  access: {device: a, address: 192.0.2.256/24}\n", 2, 32,
		   "ports.access.address", "malformed IPv4 prefix");
	expect_err("ports:\n  access: {device: a, address: 192.0.2.0/24}\n", 2, 32,
		   "ports.access.address", "network address");
	expect_err("ports:\n  access: {device: a, address: 192.0.2.1/24, gateway: 192.0.3.1}\n",
		   2, 55, "ports.access.gateway", "not in the port's subnet 192.0.2.0/24");
	expect_err("ports:\n  access: {device: a, address: 192.0.2.1/24}\n"
		   "  core: {device: b, address: 192.0.2.9/16}\n", 3, 30, "ports.core.address",
		   "overlaps the access port's subnet");
	expect_err(PORTS "ppp:\n  dns: [1.1.1.1, 2.2.2.2, 3.3.3.3]\n", 9, 8, "ppp.dns",
		   "expected 1 or 2 addresses, found 3");
	expect_err(PORTS "ppp:\n  dns: [1.1.1.1, 1.1.1]\n", 9, 18, "ppp.dns[1]",
		   "malformed IPv4 address");
}

static void
bad_device(void)
{
	expect_err("ports:\n  access: {device: \"0000:3b:00\", address: 192.0.2.1/24}\n", 2, 20,
		   "ports.access.device", "malformed PCI address");
	expect_err("ports:\n  access: {device: net/af, address: 192.0.2.1/24}\n", 2, 20,
		   "ports.access.device", "malformed device");
}

static void
bad_pool_prefix(void)
{
	expect_err(PORTS "ppp:\n  pools:\n    - name: a\n      prefix: 10.0.0.1/24\n", 11, 15,
		   "ppp.pools[0].prefix", "host bits set (the network is 10.0.0.0/24)");
	expect_err(PORTS "ppp:\n  pools:\n    - name: a\n      prefix: 10.0.0.0/40\n", 11, 15,
		   "ppp.pools[0].prefix", "bad prefix length");
	expect_err(PORTS "ppp:\n  pools:\n    - name: a\n      prefix: 10.0.0.0\n", 11, 15,
		   "ppp.pools[0].prefix", "lacks a prefix length");
}

static void
bad_pool_range(void)
{
	expect_err(PORTS "ppp:\n  pools:\n    - name: a\n      first: 10.0.0.9\n"
		   "      last: 10.0.0.1\n", 12, 13, "ppp.pools[0].last",
		   "10.0.0.1 is below first (10.0.0.9)");
	expect_err(PORTS "ppp:\n  pools:\n    - name: a\n      prefix: 10.0.0.0/24\n"
		   "      first: 10.0.0.9\n", 12, 14, "ppp.pools[0].first", "conflicts with 'prefix'");
	expect_err(PORTS "ppp:\n  pools:\n    - name: a\n      first: 10.0.0.9\n", 10, 7,
		   "ppp.pools[0].last", "required key missing");
	expect_err(PORTS "ppp:\n  pools:\n    - {name: a, prefix: 10.0.0.0/24}\n"
		   "    - {name: b, prefix: 10.0.0.128/25}\n", 11, 25, "ppp.pools[1].prefix",
		   "overlaps pool 'a'");
}

/* secrets and files */
static void
bad_secret_file_missing(void)
{
	char yaml[1024], gist[300];

	snprintf(yaml, sizeof(yaml), PORTS "ipsec:\n  psk:\n    - id: x\n"
		 "      secret-file: %s/nope\n", tmpdir);
	snprintf(gist, sizeof(gist), "cannot read secret file '%s/nope': %s", tmpdir,
		 strerror(ENOENT));
	expect_err(yaml, 11, 20, "ipsec.psk[0].secret-file", gist);
}

static void
bad_secret_file_unreadable(void)
{
	char yaml[1024], gist[300];

	/* a directory fails even for root, who ignores file modes */
	snprintf(yaml, sizeof(yaml), PORTS "ppp:\n  users:\n    - name: u\n"
		 "      password-file: %s\n", tmpdir);
	snprintf(gist, sizeof(gist), "cannot read secret file '%s': %s", tmpdir,
		 strerror(EISDIR));
	expect_err(yaml, 11, 22, "ppp.users[0].password-file", gist);
}

static void
bad_secret_file_empty_or_long(void)
{
	char yaml[1024], big[400];

	write_file("empty", "\n");
	snprintf(yaml, sizeof(yaml), PORTS "l2tp:\n  tunnel-password-file: %s/empty\n", tmpdir);
	expect_err(yaml, 9, 25, "l2tp.tunnel-password-file", "is empty");
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	write_file("big", big);
	snprintf(yaml, sizeof(yaml), PORTS "l2tp:\n  tunnel-password-file: %s/big\n", tmpdir);
	expect_err(yaml, 9, 25, "l2tp.tunnel-password-file", "longer than 255 bytes");
}

static void
bad_secret_conflicts(void)
{
	expect_err(PORTS "ipsec:\n  psk:\n    - id: x\n      secret: a\n      secret-file: /f\n",
		   12, 7, "ipsec.psk[0].secret-file", "conflicts with 'secret' (line 11)");
	expect_err(PORTS "ipsec:\n  psk:\n    - {id: x, peer: 10.0.0.0/8, secret: a}\n", 10, 15,
		   "ipsec.psk[0].peer", "conflicts with 'id'");
	expect_err(PORTS "ipsec:\n  psk:\n    - {id: x}\n", 10, 7, "ipsec.psk[0].secret",
		   "required key missing (give 'secret' or 'secret-file')");
	expect_err(PORTS "ipsec:\n  psk:\n    - {id: x, secret: a}\n    - {id: x, secret: b}\n",
		   11, 12, "ipsec.psk[1].id", "already has a PSK (line 10)");
	expect_err(PORTS "ppp:\n  users: [{name: u}]\n", 9, 11, "ppp.users[0].password",
		   "required key missing");
}

static void
bad_nt_hash(void)
{
	char yaml[1024];

	expect_err(PORTS "ppp:\n  users:\n    - {name: u, nt-hash: 8846f7eaee8fb117ad06bdd830b7586}\n",
		   10, 26, "ppp.users[0].nt-hash", "invalid NT hash: expected 32 hex digits");
	expect_err(PORTS "ppp:\n  users:\n    - {name: u, nt-hash: 8846f7eaee8fb117ad06bdd830b7586z}\n",
		   10, 26, "ppp.users[0].nt-hash", "invalid NT hash");
	write_file("badnt", "not a hash\n");
	snprintf(yaml, sizeof(yaml), PORTS "ppp:\n  users:\n    - {name: u, nt-hash-file: %s/badnt}\n",
		 tmpdir);
	expect_err(yaml, 10, 31, "ppp.users[0].nt-hash-file", "invalid NT hash in the file");
}

/* names */
static void
bad_enum_names(void)
{
	expect_err(PORTS "ipsec:\n  esp-proposals: [aes256gcm16, aes128gcm]\n", 9, 32,
		   "ipsec.esp-proposals[1]", "unknown value 'aes128gcm' (did you mean 'aes128gcm16'?)");
	expect_err(PORTS "ppp:\n  auth: [radius]\n", 9, 10, "ppp.auth[0]",
		   "unknown value 'radius' (expected one of: pap, chap-md5, mschapv2)");
	expect_err(PORTS "ppp:\n  auth: [pap, pap]\n", 9, 15, "ppp.auth[1]", "'pap' is listed twice");
	expect_err(PORTS "ppp:\n  auth: []\n", 9, 9, "ppp.auth", "must not be empty");
	expect_err(PORTS "log:\n  level: verbose\n", 9, 10, "log.level", "unknown value 'verbose'");
	expect_err(PORTS "log:\n  modules:\n    l2tp: loud\n", 10, 11, "log.modules.l2tp",
		   "unknown value 'loud'");
	expect_err(PORTS "log:\n  modules:\n    radius: info\n", 10, 5, "log.modules.radius",
		   "unknown key");
	expect_err(PORTS "static:\n  sas: [{name: a, spi-in: 256, spi-out: 256, peer: 1.1.1.1,"
		   " mode: tunel}]\n", 9, 67, "static.sas[0].mode",
		   "unknown value 'tunel' (did you mean 'tunnel'?)");
}

/* port profiles */
static void
bad_unknown_profile(void)
{
	expect_err("profile-dir: conf/profiles\nports:\n"
		   "  access: {device: a, address: 192.0.2.1/24, profile: nosuch}\n"
		   "  core: {device: b, address: 198.51.100.1/24}\n", 3, 55, "ports.access.profile",
		   "unknown profile 'nosuch': no nosuch.yaml in conf/profiles");
	expect_err("ports:\n  access: {device: a, address: 192.0.2.1/24, profile: ../x}\n", 2, 55,
		   "ports.access.profile", "not a profile name");
	expect_err("ports:\n  access: {device: a, address: 192.0.2.1/24, profile: null}\n", 2, 55,
		   "ports.access.profile", "null is YAML's null; write \"null\" in quotes");
}

static void
bad_profile_file(void)
{
	/* errors inside a profile name the profile file, line and column */
	expect_err_in("profile-dir: conf/profiles\nports:\n"
		      "  access: {device: a, address: 192.0.2.1/24}\n"
		      "  core: {device: b, address: 198.51.100.1/24, profile: broken}\n",
		      "conf/profiles/broken.yaml", 3, 17, "rx-descriptors",
		      "32 is outside 64..16384");
	expect_err_in("profile-dir: conf/profiles\nports:\n"
		      "  access: {device: a, address: 192.0.2.1/24, profile: typo}\n"
		      "  core: {device: b, address: 198.51.100.1/24}\n",
		      "conf/profiles/typo.yaml", 2, 27, "tx-offloads[1]",
		      "unknown value 'multi-seg' (did you mean 'multi-segs'?)");
}

/* references and duplicates */
static void
bad_pool_references(void)
{
	expect_err(PORTS "ppp:\n  default-pool: nope\n  pools: [{name: a, prefix: 10.0.0.0/24}]\n",
		   9, 17, "ppp.default-pool", "unknown pool 'nope'");
	expect_err(PORTS "ppp:\n  pools: [{name: a, prefix: 10.0.0.0/24}]\n  users:\n"
		   "    - {name: u, password: p, pool: b}\n", 11, 36, "ppp.users[0].pool",
		   "unknown pool 'b'");
	expect_err(PORTS "ppp:\n  users:\n    - {name: u, password: p}\n", 10, 7,
		   "ppp.users[0]", "no address and no pool");
	expect_err(PORTS "ppp:\n  pools: [{name: a, prefix: 10.0.0.0/24}]\n  users:\n"
		   "    - {name: u, password: p, address: 10.0.0.7}\n", 11, 39,
		   "ppp.users[0].address", "lies in pool 'a'");
	expect_err(PORTS "ppp:\n  users:\n    - {name: u, password: p, address: 10.0.0.7, pool: a}\n",
		   10, 49, "ppp.users[0].pool", "conflicts with 'address'");
}

static void
bad_duplicate_names(void)
{
	expect_err(PORTS "l2tp:\n  destination-profiles:\n    - name: a\n    - name: b\n"
		   "    - name: a\n", 12, 13, "l2tp.destination-profiles[2].name",
		   "duplicate profile name 'a' (also at line 10)");
	expect_err(PORTS "ppp:\n  pools:\n    - {name: a, prefix: 10.0.0.0/24}\n"
		   "    - {name: a, prefix: 10.1.0.0/24}\n", 11, 14, "ppp.pools[1].name",
		   "duplicate pool name 'a'");
	expect_err(PORTS "ppp:\n  users:\n    - {name: a, password: p, address: 10.0.0.1}\n"
		   "    - {name: a, password: q, address: 10.0.0.2}\n", 11, 14, "ppp.users[1].name",
		   "duplicate user 'a' (also at line 10)");
}

#define GCM_KEY "000102030405060708090a0b0c0d0e0f10111213"   /* 20 bytes */

static void
bad_static_references(void)
{
	expect_err(PORTS "static:\n  tunnels:\n    - {local-id: 1, peer-id: 1, sa: nope}\n", 10, 37,
		   "static.tunnels[0].sa", "unknown SA 'nope'");
	expect_err(PORTS "l2tp: {allow-nonsecure: true}\nstatic:\n  tunnels:\n"
		   "    - {local-id: 1, peer-id: 1, peer: 1.1.1.1, profile: x, sessions: 0}\n",
		   11, 57, "static.tunnels[0].profile", "unknown destination profile 'x'");
	expect_err(PORTS "static:\n  tunnels:\n    - {local-id: 1, peer-id: 1, peer: 1.1.1.1,"
		   " sessions: 0}\n", 10, 7, "static.tunnels[0].sa", "lacks allow-nonsecure: true");
	expect_err(PORTS "l2tp: {allow-nonsecure: true}\nstatic:\n  tunnels:\n"
		   "    - {local-id: 1, peer-id: 1, peer: 1.1.1.1, pool: p}\n", 11, 54,
		   "static.tunnels[0].pool", "unknown pool 'p'");
	expect_err(PORTS "static:\n  sas:\n    - {name: s, spi-in: 300, spi-out: 300,"
		   " peer: 1.1.1.1, key-in: " GCM_KEY ", key-out: " GCM_KEY "}\n"
		   "  tunnels:\n    - {local-id: 1, peer-id: 1, sa: s, count: 2, sessions: 0}\n",
		   12, 47, "static.tunnels[0].count", "need 2 copies of SA 's'");
}

static void
bad_static_capacity(void)
{
	expect_err(PORTS "l2tp: {allow-nonsecure: true}\n"
		   "ppp: {pools: [{name: p, first: 10.0.0.1, last: 10.0.0.10}]}\nstatic:\n"
		   "  tunnels:\n    - {local-id: 1, peer-id: 1, peer: 1.1.1.1, pool: p, sessions: 6}\n"
		   "    - {local-id: 2, peer-id: 2, peer: 1.1.1.2, pool: p, sessions: 5}\n",
		   13, 67, "static.tunnels[1].sessions", "more addresses than pool 'p' has left (4 of 10)");
	expect_err(PORTS "limits: {max-tunnels: 2}\nl2tp: {allow-nonsecure: true}\nstatic:\n"
		   "  tunnels:\n    - {local-id: 1, peer-id: 1, peer: 1.1.1.1, sessions: 0, count: 3}\n",
		   12, 68, "static.tunnels[0].count", "static tunnels reach 3, more than limits.max-tunnels (2)");
	expect_err(PORTS "static:\n  tunnels:\n    - {local-id: 1, peer-id: 1, sa: x}\n"
		   "    - {local-id: 65535, peer-id: 1, sa: x, count: 2}\n", 11, 51,
		   "static.tunnels[1].count", "run the tunnel ids past 65535");
}

static void
bad_sa_keys(void)
{
	expect_err(PORTS "static:\n  sas:\n    - name: s\n      spi-in: 300\n      spi-out: 300\n"
		   "      peer: 1.1.1.1\n      key-in: 000102030405060708090a0b0c0d0e0f\n"
		   "      key-out: " GCM_KEY "\n", 14, 15, "static.sas[0].key-in",
		   "aes128gcm16 needs 20 bytes (40 hex digits: 16-byte key + 4-byte salt), found 16");
	expect_err(PORTS "static:\n  sas:\n    - name: s\n      spi-in: 300\n      spi-out: 300\n"
		   "      peer: 1.1.1.1\n      key-in: " GCM_KEY "\n      key-out: " GCM_KEY "\n"
		   "      auth-key-in: 00\n", 16, 20, "static.sas[0].auth-key-in",
		   "not used with aes128gcm16");
	expect_err(PORTS "static:\n  sas:\n    - name: s\n      alg: aes256-sha1\n"
		   "      spi-in: 300\n      spi-out: 300\n      peer: 1.1.1.1\n"
		   "      key-in: 000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f\n"
		   "      key-out: 000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f\n",
		   10, 7, "static.sas[0].auth-key-in", "required key missing (for aes256-sha1)");
	expect_err(PORTS "static:\n  sas:\n    - {name: s, spi-in: 300, spi-out: 300, peer: 1.1.1.1,"
		   " key-in: 0g}\n", 10, 67, "static.sas[0].key-in", "malformed key");
	expect_err(PORTS "static:\n  sas:\n    - {name: s, spi-in: 300, spi-out: 300, peer: 1.1.1.1,"
		   " key-in: " GCM_KEY GCM_KEY "}\n", 10, 67, "static.sas[0].key-in",
		   "key longer than 36 bytes");
}

static void
bad_sa_overlap(void)
{
	expect_err(PORTS "static:\n  sas:\n"
		   "    - {name: a, spi-in: 300, spi-out: 300, peer: 1.1.1.1, key-in: " GCM_KEY
		   ", key-out: " GCM_KEY ", count: 10}\n"
		   "    - {name: b, spi-in: 309, spi-out: 900, peer: 1.1.1.1, key-in: " GCM_KEY
		   ", key-out: " GCM_KEY "}\n", 11, 25, "static.sas[1].spi-in",
		   "inbound SPIs overlap those of SA 'a'");
}

static void
bad_eal(void)
{
	expect_err(PORTS "eal: -l 0-1\n", 8, 6, "eal", "expected a list of strings, found a scalar");
	expect_err(PORTS "eal: [\"-l\", {a: b}]\n", 8, 13, "eal[1]",
		   "expected a string, found a mapping");
}

static void
bad_too_many_entries(void)
{
	char *yaml = malloc(16384);
	size_t n;

	CU_ASSERT_PTR_NOT_NULL_FATAL(yaml);
	n = (size_t)snprintf(yaml, 16384, PORTS "l2tp:\n  destination-profiles:\n");
	for (int i = 0; i <= LNS_CONF_MAX_DEST_PROFILES; i++)
		n += (size_t)snprintf(yaml + n, 16384 - n, "    - name: p%d\n", i);
	/* entry 64 (0-based) is one too many: line 10 + 64 */
	expect_err(yaml, 74, 7, "l2tp.destination-profiles[64]", "too many entries (at most 64)");
	free(yaml);
}

/* ipsec.certificates and cert-peers: the PEM files are read and checked at load. */
static void
cert_section(void)
{
	struct lns_conf *c;
	const char *good = PORTS "ipsec:\n"
		"  certificates:\n"
		"    cert-file: ike/certs/lns.pem\n"
		"    key-file: ike/certs/lns.key\n"
		"    ca-file: ike/certs/ca.pem\n"
		"    crl-files: [ike/certs/ca.crl]\n"
		"  cert-peers:\n"
		"    - {peer: 10.0.0.0/8, id-type: der-asn1-dn, id: \"C=CH, O=x, CN=y\"}\n"
		"    - {id-type: fqdn, id: client1.test}\n"
		"    - {}\n";

	c = load_ok(good);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_TRUE(c->ipsec.certs.set);
	CU_ASSERT_STRING_EQUAL(c->ipsec.certs.cert_file, "ike/certs/lns.pem");
	CU_ASSERT_EQUAL(c->ipsec.certs.n_crls, 1);
	CU_ASSERT_STRING_EQUAL(c->ipsec.certs.crl_files[0], "ike/certs/ca.crl");
	CU_ASSERT_EQUAL(c->ipsec.n_cert_peers, 3);
	CU_ASSERT_EQUAL(c->ipsec.cert_peers[0].id_type, LNS_ID_DER_ASN1_DN);
	CU_ASSERT_EQUAL(c->ipsec.cert_peers[0].peer.len, 8);
	CU_ASSERT_EQUAL(c->ipsec.cert_peers[1].id_type, LNS_ID_FQDN);
	CU_ASSERT_EQUAL(c->ipsec.cert_peers[2].id_type, LNS_ID_ANY);
	CU_ASSERT_EQUAL(c->ipsec.cert_peers[2].peer.len, 0);
	CU_ASSERT_EQUAL(c->ipsec.cert_peers[2].auth, LNS_IKE_AUTH_RSA_SIG);
	CU_ASSERT_TRUE(c->ipsec.fragmentation);
	CU_ASSERT_EQUAL(c->ipsec.fragment_size, 1280);
	lns_conf_free(c);

	c = load_ok(PORTS);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_FALSE(c->ipsec.certs.set);
	lns_conf_free(c);

	expect_err(PORTS "ipsec:\n  certificates:\n    cert-file: ike/certs/nope.pem\n"
		   "    key-file: ike/certs/lns.key\n    ca-file: ike/certs/ca.pem\n",
		   10, 16, "ipsec.certificates.cert-file", "cannot read 'ike/certs/nope.pem'");
	expect_err(PORTS "ipsec:\n  certificates:\n    cert-file: ike/certs/lns.pem\n"
		   "    key-file: ike/certs/client.key\n    ca-file: ike/certs/ca.pem\n",
		   11, 15, "ipsec.certificates.key-file", "does not match the certificate");
	expect_err(PORTS "ipsec:\n  certificates:\n    cert-file: ike/certs/lns.key\n"
		   "    key-file: ike/certs/lns.key\n    ca-file: ike/certs/ca.pem\n",
		   10, 16, "ipsec.certificates.cert-file", "holds no PEM certificate");
	expect_err(PORTS "ipsec:\n  certificates:\n    cert-file: ike/certs/lns.pem\n"
		   "    key-file: ike/certs/lns.key\n    ca-file: ike/certs/ca.crl\n",
		   12, 14, "ipsec.certificates.ca-file", "holds no PEM certificate");
	expect_err(PORTS "ipsec:\n  certificates:\n    cert-file: ike/certs/lns.pem\n"
		   "    key-file: ike/certs/lns.key\n    ca-file: ike/certs/ca.pem\n"
		   "    crl-files: [ike/certs/ca.pem]\n",
		   13, 16, "ipsec.certificates.crl-files", "holds no PEM CRL");
	expect_err(PORTS "ipsec:\n  certificates:\n    cert-file: ike/certs/lns.pem\n"
		   "    ca-file: ike/certs/ca.pem\n",
		   10, 5, "ipsec.certificates.key-file", "required key missing");
	expect_err(PORTS "ipsec:\n  cert-peers: [{id: x}]\n", 9, 21,
		   "ipsec.cert-peers[0].id", "needs an id-type");
	expect_err(PORTS "ipsec:\n  certificates:\n    cert-file: ike/certs/lns.pem\n"
		   "    key-file: ike/certs/lns.key\n    ca-file: ike/certs/ca.pem\n"
		   "  cert-peers: [{id-type: ipv4-addr, id: client}]\n", 13, 41,
		   "ipsec.cert-peers[0].id", "not an IPv4 address");
	expect_err(PORTS "ipsec:\n  cert-peers: [{}]\n", 9, 15,
		   "ipsec.cert-peers", "needs ipsec.certificates");
	/* an EC key: ecdsa peers; the method must be the key's */
	c = load_ok(PORTS "ipsec:\n  certificates:\n    cert-file: ike/certs/lns-ec.pem\n"
		    "    key-file: ike/certs/lns-ec.key\n    ca-file: ike/certs/ca.pem\n"
		    "  cert-peers: [{auth: ecdsa}]\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(c->ipsec.certs.key_auth, LNS_IKE_AUTH_ECDSA);
	CU_ASSERT_EQUAL(c->ipsec.cert_peers[0].auth, LNS_IKE_AUTH_ECDSA);
	lns_conf_free(c);
	expect_err(PORTS "ipsec:\n  certificates:\n    cert-file: ike/certs/lns-ec.pem\n"
		   "    key-file: ike/certs/lns-ec.key\n    ca-file: ike/certs/ca.pem\n"
		   "  cert-peers: [{}]\n", 13, 16, "ipsec.cert-peers[0].auth",
		   "EC key: auth must be ecdsa");
	expect_err(PORTS "ipsec:\n  fragment-size: 100\n", 9, 18,
		   "ipsec.fragment-size", "");
}

/* ============================================================== main === */

/* ------------------------------------------------------------- reload --- */

#define RELOAD_A PORTS \
	"ipsec:\n" \
	"  psk:\n" \
	"    - peer: 0.0.0.0/0\n" \
	"      secret: one\n" \
	"l2tp:\n" \
	"  destination-profiles:\n" \
	"    - name: lac\n" \
	"      idle-timeout: 30\n" \
	"ppp:\n" \
	"  default-pool: p1\n" \
	"  pools:\n" \
	"    - name: p1\n" \
	"      prefix: 10.1.0.0/24\n" \
	"    - name: p2\n" \
	"      prefix: 10.2.0.0/24\n" \
	"  users:\n" \
	"    - name: alice\n" \
	"      password: a1\n" \
	"    - name: bob\n" \
	"      password: b1\n" \
	"log:\n" \
	"  level: info\n" \
	"limits:\n" \
	"  max-sessions: 1000\n"

/* The same, with: another PSK, a profile timeout, pool p2 gone and p3 added,
 * bob's password, carol added, log level, max-sessions and the core port's mtu. */
#define RELOAD_B \
	"ports:\n" \
	"  access:\n" \
	"    device: net_af_packet0\n" \
	"    address: 192.0.2.1/24\n" \
	"  core:\n" \
	"    device: net_af_packet1\n" \
	"    address: 198.51.100.1/24\n" \
	"    mtu: 1400\n" \
	"ipsec:\n" \
	"  psk:\n" \
	"    - peer: 0.0.0.0/0\n" \
	"      secret: two\n" \
	"l2tp:\n" \
	"  destination-profiles:\n" \
	"    - name: lac\n" \
	"      idle-timeout: 60\n" \
	"ppp:\n" \
	"  default-pool: p1\n" \
	"  pools:\n" \
	"    - name: p1\n" \
	"      prefix: 10.1.0.0/24\n" \
	"    - name: p3\n" \
	"      prefix: 10.3.0.0/24\n" \
	"  users:\n" \
	"    - name: alice\n" \
	"      password: a1\n" \
	"    - name: bob\n" \
	"      password: b2\n" \
	"    - name: carol\n" \
	"      password: c1\n" \
	"log:\n" \
	"  level: debug\n" \
	"limits:\n" \
	"  max-sessions: 2000\n"

struct seen { char line[24][160]; unsigned n; };

static void
collect(void *arg, const struct lns_conf_change *c)
{
	struct seen *s = arg;

	if (s->n < 24)
		snprintf(s->line[s->n++], sizeof(s->line[0]), "%s %s %s>%s%s", c->path, c->what,
			 c->old_v, c->new_v, c->restart ? " R" : "");
}

static bool
has(const struct seen *s, const char *line)
{
	for (unsigned i = 0; i < s->n; i++)
		if (strcmp(s->line[i], line) == 0)
			return true;
	fprintf(stderr, "\n  missing change: %s\n", line);
	for (unsigned i = 0; i < s->n; i++)
		fprintf(stderr, "  have: %s\n", s->line[i]);
	return false;
}

static void
reload_diff(void)
{
	struct lns_conf *a = load_ok(RELOAD_A), *b = load_ok(RELOAD_B);
	struct seen s = { .n = 0 };

	CU_ASSERT_FATAL(a != NULL && b != NULL);
	CU_ASSERT_EQUAL(lns_conf_diff(a, a, NULL, NULL), 0);
	CU_ASSERT_EQUAL(lns_conf_diff(a, b, collect, &s), 9);
	if (s.n != 9)
		for (unsigned i = 0; i < s.n; i++)
			fprintf(stderr, "\n  change: %s", s.line[i]);
	CU_ASSERT(has(&s, "ports.core.mtu changed 1500>1400 R"));
	CU_ASSERT(has(&s, "ipsec.psk[0].secret changed \"***\">\"***\""));
	CU_ASSERT(has(&s, "l2tp.destination-profiles[lac].idle-timeout changed 30>60"));
	CU_ASSERT(has(&s, "ppp.pools[p2] removed >"));
	CU_ASSERT(has(&s, "ppp.pools[p3] added >"));
	CU_ASSERT(has(&s, "ppp.users[bob].password changed \"***\">\"***\""));
	CU_ASSERT(has(&s, "ppp.users[carol] added >"));
	CU_ASSERT(has(&s, "limits.max-sessions changed 1000>2000 R"));
	CU_ASSERT(has(&s, "log.level changed info>debug"));
	/* a secret never shows in a change, only that it changed */
	for (unsigned i = 0; i < s.n; i++)
		CU_ASSERT(strstr(s.line[i], "two") == NULL && strstr(s.line[i], "b2") == NULL);
	CU_ASSERT(lns_conf_path_restart("ports.core.mtu"));
	CU_ASSERT(!lns_conf_path_restart("ppp.pools[p2]"));     /* pools are live */
	CU_ASSERT(!lns_conf_path_restart("ppp.default-pool"));
	CU_ASSERT(!lns_conf_path_restart("ppp.users[carol]"));
	CU_ASSERT(!lns_conf_path_restart("log.level"));
	lns_conf_free(a);
	lns_conf_free(b);
}

/* After keep_restart, b runs with a's restart-only values and its own live ones;
 * diffing the result against a leaves only live keys. */
static void
reload_keep_restart(void)
{
	struct lns_conf *a = load_ok(RELOAD_A), *b = load_ok(RELOAD_B);
	struct seen s = { .n = 0 };

	CU_ASSERT_FATAL(a != NULL && b != NULL);
	CU_ASSERT_EQUAL_FATAL(lns_conf_keep_restart(b, a), 0);
	CU_ASSERT_EQUAL(b->ports[LNS_PORT_CORE].mtu, 1500);
	CU_ASSERT_EQUAL(b->limits.max_sessions, 1000);
	/* pools are live: the file's (p2 removed, p3 added; lns_pools_rebuild keeps
	 * the addresses in use) */
	CU_ASSERT_EQUAL(b->ppp.n_pools, 2);
	CU_ASSERT_STRING_EQUAL(b->ppp.pools[1].name, "p3");
	CU_ASSERT_EQUAL(b->n_eal_args, a->n_eal_args);
	/* live keys keep the file's values */
	CU_ASSERT_EQUAL(b->ppp.n_users, 3);
	CU_ASSERT_EQUAL(b->l2tp.profiles[0].idle_timeout, 60);
	CU_ASSERT_EQUAL(lns_conf_diff(a, b, collect, &s), 7);
	for (unsigned i = 0; i < s.n; i++)
		CU_ASSERT(strstr(s.line[i], " R") == NULL);
	lns_conf_free(a);
	lns_conf_free(b);
}

static void
copy_file(const char *from, const char *to)
{
	char buf[8192];
	FILE *f = fopen(from, "rb"), *t = fopen(to, "wb");
	size_t n;

	CU_ASSERT_FATAL(f != NULL && t != NULL);
	n = fread(buf, 1, sizeof(buf), f);
	CU_ASSERT_EQUAL(fwrite(buf, 1, n, t), n);
	fclose(f);
	fclose(t);
}

/* ipsec.certificates is live: a new path is a change, and so is a file replaced in
 * place (same path, other contents: seen by the digest taken at load). */
static void
reload_certs(void)
{
	char dir[] = "/tmp/lnsd-certs-XXXXXX", yaml[2048], yaml2[2048], ca[64], crl[64];
	struct lns_conf *a, *b, *c, *off;
	struct seen s = { .n = 0 };

	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	snprintf(ca, sizeof(ca), "%s/ca.pem", dir);
	snprintf(crl, sizeof(crl), "%s/ca.crl", dir);
	copy_file("ike/certs/ca.pem", ca);
	copy_file("ike/certs/ca.crl", crl);
	snprintf(yaml, sizeof(yaml), PORTS "ipsec:\n  certificates:\n"
		 "    cert-file: ike/certs/lns.pem\n    key-file: ike/certs/lns.key\n"
		 "    ca-file: %s\n    crl-files: [%s]\n", ca, crl);
	a = load_ok(yaml);
	b = load_ok(yaml);
	CU_ASSERT_FATAL(a != NULL && b != NULL);
	CU_ASSERT_EQUAL(lns_conf_diff(a, b, NULL, NULL), 0);
	CU_ASSERT_FALSE(lns_conf_certs_differ(&a->ipsec.certs, &b->ipsec.certs));
	CU_ASSERT(!lns_conf_path_restart("ipsec.certificates.cert-file"));
	/* the CA bundle rotated in place: one live change, named */
	copy_file("ike/certs/other-ca.pem", ca);
	c = load_ok(yaml);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_TRUE(lns_conf_certs_differ(&a->ipsec.certs, &c->ipsec.certs));
	CU_ASSERT_EQUAL(lns_conf_diff(a, c, collect, &s), 1);
	CU_ASSERT(has(&s, "ipsec.certificates.ca-file contents changed >"));
	/* another certificate by path: the path change names it, no second line */
	snprintf(yaml2, sizeof(yaml2), PORTS "ipsec:\n  certificates:\n"
		 "    cert-file: ike/certs/lns-ec.pem\n    key-file: ike/certs/lns-ec.key\n"
		 "    ca-file: %s\n    crl-files: [%s]\n", ca, crl);
	lns_conf_free(b);
	b = load_ok(yaml2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	s.n = 0;
	CU_ASSERT_EQUAL(lns_conf_diff(c, b, collect, &s), 2);
	CU_ASSERT(has(&s, "ipsec.certificates.cert-file changed "
		      "\"ike/certs/lns.pem\">\"ike/certs/lns-ec.pem\""));
	CU_ASSERT(lns_conf_certs_differ(&c->ipsec.certs, &b->ipsec.certs));
	/* certificates off: a difference too, and live */
	off = load_ok(PORTS);
	CU_ASSERT_PTR_NOT_NULL_FATAL(off);
	CU_ASSERT(lns_conf_certs_differ(&a->ipsec.certs, &off->ipsec.certs));
	s.n = 0;
	CU_ASSERT(lns_conf_diff(a, off, collect, &s) > 0);
	for (unsigned i = 0; i < s.n; i++)
		CU_ASSERT(strstr(s.line[i], " R") == NULL);
	lns_conf_free(a);
	lns_conf_free(b);
	lns_conf_free(c);
	lns_conf_free(off);
	remove(ca);
	remove(crl);
	rmdir(dir);
}

/* Every key is marked in --dump-schema: live or restart, nothing else. */
static void
reload_schema_marks(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	unsigned live = 0, restart = 0;

	CU_ASSERT_FATAL(m != NULL);
	lns_conf_schema_print(m);
	fclose(m);
	for (char *save = NULL, *l = strtok_r(buf, "\n", &save); l != NULL;
	     l = strtok_r(NULL, "\n", &save)) {
		const char *last = strrchr(l, '\t');

		if (l[0] == '#')
			continue;
		CU_ASSERT_FATAL(last != NULL);
		live += strcmp(last + 1, "live") == 0;
		restart += strcmp(last + 1, "restart") == 0;
		CU_ASSERT(strcmp(last + 1, "live") == 0 || strcmp(last + 1, "restart") == 0);
	}
	CU_ASSERT(live > 50 && restart > 20);
	free(buf);
}

static const struct {
	const char *name;
	CU_TestFunc fn;
} tests[] = {
	{ "minimal config takes every default", test_minimal_defaults },
	{ "node: name, drain, NAS-Identifier default", node_section },
	{ "full config: every key parsed", test_full_values },
	{ "destination profile lookup", test_dest_profile_lookup },
	{ "allow-short-timers lowers destruct-timeout minimum", test_short_timers },
	{ "pool ranges and number syntax", test_pool_ranges_and_numbers },
	{ "secret files", test_secret_files },
	{ "load from file, relative paths", test_load_file_relative_paths },
	{ "dump masks secrets and round-trips", test_dump_masks_and_round_trips },
	{ "enum names, free(NULL)", test_names_and_free_null },
	{ "config/lnsd.yaml validates", test_shipped_reference },
	{ "ipsec certificates and cert-peers", cert_section },
	{ "config/demo.yaml validates", test_shipped_demo },
	{ "config/bench.yaml validates", test_shipped_bench },
	{ "bad: YAML syntax", bad_syntax },
	{ "bad: top level", bad_top_level },
	{ "bad: empty document", bad_empty_document },
	{ "bad: unknown key with suggestion", bad_unknown_key_suggests },
	{ "bad: unknown key without suggestion", bad_unknown_key_plain },
	{ "bad: duplicate key", bad_duplicate_key },
	{ "bad: missing required keys", bad_missing_required },
	{ "bad: empty section", bad_empty_section },
	{ "bad: wrong types", bad_wrong_types },
	{ "bad: numbers", bad_numbers },
	{ "bad: booleans", bad_bool },
	{ "bad: destruct-timeout range", bad_destruct_timeout_range },
	{ "bad: other ranges", bad_ranges },
	{ "bad: strings", bad_string_too_long },
	{ "bad: retransmit max < initial", bad_retransmit_order },
	{ "bad: dpd-timeout <= dpd-interval", bad_dpd },
	{ "bad: weak IKE proposals", bad_weak_proposals },
	{ "bad: addresses and prefixes", bad_addresses },
	{ "bad: device names", bad_device },
	{ "bad: pool prefix", bad_pool_prefix },
	{ "bad: pool range", bad_pool_range },
	{ "bad: missing secret file", bad_secret_file_missing },
	{ "bad: unreadable secret file", bad_secret_file_unreadable },
	{ "bad: empty or long secret file", bad_secret_file_empty_or_long },
	{ "bad: secret key conflicts", bad_secret_conflicts },
	{ "bad: NT hash", bad_nt_hash },
	{ "bad: enum names", bad_enum_names },
	{ "bad: unknown port profile", bad_unknown_profile },
	{ "bad: error inside a profile file", bad_profile_file },
	{ "bad: pool references", bad_pool_references },
	{ "bad: duplicate names", bad_duplicate_names },
	{ "bad: static references", bad_static_references },
	{ "bad: static capacity", bad_static_capacity },
	{ "bad: SA keys for the algorithm", bad_sa_keys },
	{ "bad: SA inbound SPI overlap", bad_sa_overlap },
	{ "bad: eal", bad_eal },
	{ "bad: too many list entries", bad_too_many_entries },
	{ "radius section", radius_section },
	{ "policies section", policies_section },
	{ "reload: diff of two configurations", reload_diff },
	{ "reload: restart-only keys kept", reload_keep_restart },
	{ "reload: every key marked", reload_schema_marks },
	{ "reload: certificates live, rotated in place", reload_certs },
	{ "session timeouts and keepalive per profile and user", session_policy_keys },
};

static int
suite_init(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_conf.XXXXXX");
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
suite_clean(void)
{
	char cmd[128];

	/* only our own directory, made by mkdtemp above */
	snprintf(cmd, sizeof(cmd), "rm -rf -- '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

int
main(void)
{
	CU_pSuite s;
	unsigned int fails;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	s = CU_add_suite("conf", suite_init, suite_clean);
	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
		CU_add_test(s, tests[i].name, tests[i].fn);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures() + CU_get_number_of_suites_failed() +
		CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return fails > 0 ? 1 : 0;
}
