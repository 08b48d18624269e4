/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The configuration schema: one table of key descriptors per YAML mapping, and the
 * rules that tie keys together (check hooks). Ranges and defaults live here and in
 * the comments of lns_conf.h; config/lnsd.yaml documents the same.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "conf_priv.h"

#ifndef LNS_PROFILE_DIRS
#define LNS_PROFILE_DIRS "/usr/local/share/lnsd/profiles:/usr/share/lnsd/profiles"
#endif

/* ------------------------------------------------------- descriptor kit --- */

#define FLD(T, f)   .off = offsetof(T, f), .size = sizeof(((T *)0)->f)
#define WHOLE(T)    .off = 0, .size = sizeof(T)
#define SETF(T, f)  .has_set = true, .set_off = offsetof(T, f)
#define REQ         .flags = F_REQUIRED

#define K_BOOL(T, n, f, d, ...) \
	{ .name = n, .type = KT_BOOL, FLD(T, f), .def = d, __VA_ARGS__ }
#define K_UINT(T, n, f, lo, hi, d, ...) \
	{ .name = n, .type = KT_UINT, FLD(T, f), .min = lo, .max = hi, .def = d, __VA_ARGS__ }
#define K_STR(T, n, f, ...) \
	{ .name = n, .type = KT_STR, FLD(T, f), __VA_ARGS__ }
#define K_ADDR(T, n, f, ...) \
	{ .name = n, .type = KT_ADDR, FLD(T, f), __VA_ARGS__ }
#define K_PREFIX(T, n, f, ...) \
	{ .name = n, .type = KT_PREFIX, FLD(T, f), __VA_ARGS__ }
#define K_ENUM(T, n, f, a, d, ...) \
	{ .name = n, .type = KT_ENUM, FLD(T, f), .aux = &(a), .def = d, __VA_ARGS__ }
#define K_ENUMLIST(T, n, f, cnt, a, ...) \
	{ .name = n, .type = KT_ENUMLIST, FLD(T, f), .cnt_off = offsetof(T, cnt), \
	  .aux = &(a), __VA_ARGS__ }
#define K_FLAGS(T, n, f, a, d, ...) \
	{ .name = n, .type = KT_FLAGS, FLD(T, f), .aux = &(a), .def = d, __VA_ARGS__ }
#define K_SECRET(T, n, f, g, ...) \
	{ .name = n, .type = KT_SECRET, FLD(T, f), .group = g, __VA_ARGS__ }
#define K_SECRET_FILE(T, n, f, g, ...) \
	{ .name = n, .type = KT_SECRET_FILE, FLD(T, f), .group = g, __VA_ARGS__ }
#define K_HEX(T, n, f, len, ...) \
	{ .name = n, .type = KT_HEX, FLD(T, f), .cnt_off = offsetof(T, len), __VA_ARGS__ }
#define K_SECTION(T, n, f, s, ...) \
	{ .name = n, .type = KT_SECTION, FLD(T, f), .aux = &(s), __VA_ARGS__ }
#define K_LIST(T, n, f, l, ...) \
	{ .name = n, .type = KT_LIST, FLD(T, f), .aux = &(l), __VA_ARGS__ }

#define SCHEMA(keys, ...) { keys, (uint8_t)(sizeof(keys) / sizeof((keys)[0])), __VA_ARGS__ }
#define ENUM_AUX(tab, ...) { tab, (uint8_t)(sizeof(tab) / sizeof((tab)[0])), __VA_ARGS__ }

/* --------------------------------------------------------------- names --- */

static const struct enum_ent esp_alg_names[] = {
	{ "aes128gcm16",   LNS_ESP_AES128_GCM16 },
	{ "aes256gcm16",   LNS_ESP_AES256_GCM16 },
	{ "aes128-sha1",   LNS_ESP_AES128_SHA1 },
	{ "aes256-sha1",   LNS_ESP_AES256_SHA1 },
	{ "aes128-sha256", LNS_ESP_AES128_SHA256 },
	{ "aes256-sha256", LNS_ESP_AES256_SHA256 },
	{ "3des-sha1",     LNS_ESP_3DES_SHA1 },
	{ "3des-sha256",   LNS_ESP_3DES_SHA256 },
};
static const uint8_t esp_default[] = {
	LNS_ESP_AES256_GCM16, LNS_ESP_AES128_GCM16, LNS_ESP_AES256_SHA256,
	LNS_ESP_AES128_SHA256, LNS_ESP_AES256_SHA1, LNS_ESP_AES128_SHA1,
};
const struct enum_aux conf_esp_alg_aux = ENUM_AUX(esp_alg_names, esp_default,
						   sizeof(esp_default));

static const struct enum_ent ike_alg_names[] = {
	{ "aes128-sha1-modp2048",   LNS_IKE_AES128_SHA1_MODP2048 },
	{ "aes256-sha1-modp2048",   LNS_IKE_AES256_SHA1_MODP2048 },
	{ "aes128-sha256-modp2048", LNS_IKE_AES128_SHA256_MODP2048 },
	{ "aes256-sha256-modp2048", LNS_IKE_AES256_SHA256_MODP2048 },
	{ "aes128-sha256-ecp256",   LNS_IKE_AES128_SHA256_ECP256 },
	{ "aes256-sha256-ecp256",   LNS_IKE_AES256_SHA256_ECP256 },
	{ "aes128-sha1-modp1024",   LNS_IKE_AES128_SHA1_MODP1024 },
	{ "3des-sha1-modp2048",     LNS_IKE_3DES_SHA1_MODP2048 },
};
static const uint8_t ike_default[] = {
	LNS_IKE_AES256_SHA256_MODP2048, LNS_IKE_AES128_SHA256_MODP2048,
	LNS_IKE_AES256_SHA1_MODP2048, LNS_IKE_AES128_SHA1_MODP2048,
	LNS_IKE_AES256_SHA256_ECP256, LNS_IKE_AES128_SHA256_ECP256,
};
const struct enum_aux conf_ike_alg_aux = ENUM_AUX(ike_alg_names, ike_default,
						   sizeof(ike_default));

static const struct enum_ent ike_cipher_names[] = {
	{ "aes128", LNS_IKE_C_AES128 }, { "aes192", LNS_IKE_C_AES192 },
	{ "aes256", LNS_IKE_C_AES256 }, { "3des", LNS_IKE_C_3DES },
};
static const uint8_t ike_cipher_default[] = {
	LNS_IKE_C_AES256, LNS_IKE_C_AES192, LNS_IKE_C_AES128,
};
static const struct enum_aux conf_ike_cipher_aux = ENUM_AUX(ike_cipher_names, ike_cipher_default,
						      sizeof(ike_cipher_default));

static const struct enum_ent ike_hash_names[] = {
	{ "sha1", 2 }, { "sha256", 4 }, { "sha384", 5 }, { "sha512", 6 },
};
static const uint8_t ike_hash_default[] = { 4, 5, 6, 2 };
static const struct enum_aux conf_ike_hash_aux = ENUM_AUX(ike_hash_names, ike_hash_default,
						    sizeof(ike_hash_default));

static const struct enum_ent ike_group_names[] = {
	{ "modp1024", 2 }, { "modp1536", 5 }, { "modp2048", 14 }, { "modp3072", 15 },
	{ "modp4096", 16 }, { "ecp256", 19 }, { "ecp384", 20 }, { "ecp521", 21 },
};
static const uint8_t ike_group_default[] = { 14, 19, 20, 21, 15, 16 };
static const struct enum_aux conf_ike_group_aux = ENUM_AUX(ike_group_names, ike_group_default,
						     sizeof(ike_group_default));

static const struct enum_ent auth_names[] = {
	{ "pap",      LNS_AUTH_PAP },
	{ "chap-md5", LNS_AUTH_CHAP_MD5 },
	{ "mschapv2", LNS_AUTH_MSCHAPV2 },
};
static const uint8_t auth_default[] = { LNS_AUTH_MSCHAPV2, LNS_AUTH_CHAP_MD5 };
const struct enum_aux conf_auth_aux = ENUM_AUX(auth_names, auth_default, sizeof(auth_default));

static const struct enum_ent authn_names[] = {
	{ "global", LNS_AUTHN_GLOBAL },
	{ "local",  LNS_AUTHN_LOCAL },
	{ "radius", LNS_AUTHN_RADIUS },
};
static const struct enum_aux authn_aux = ENUM_AUX(authn_names);

static const struct enum_ent exceed_names[] = {
	{ "drop", LNS_EXCEED_DROP },
	{ "mark", LNS_EXCEED_MARK },
};
static const struct enum_aux exceed_aux = ENUM_AUX(exceed_names);

static const struct enum_ent mode_names[] = {
	{ "transport", LNS_MODE_TRANSPORT },
	{ "tunnel",    LNS_MODE_TUNNEL },
};
static const struct enum_aux mode_aux = ENUM_AUX(mode_names);

/* RTE_LOG_EMERG .. RTE_LOG_DEBUG (rte_log.h), without pulling DPDK into lib/conf */
static const struct enum_ent log_names[] = {
	{ "emerg", 1 }, { "alert", 2 }, { "crit", 3 }, { "err", 4 },
	{ "warning", 5 }, { "notice", 6 }, { "info", 7 }, { "debug", 8 },
};
static const struct enum_aux log_aux = ENUM_AUX(log_names);
/* a module's level: one of the above, or "default" (0) for log.level */
static const struct enum_ent log_mod_names[] = {
	{ "default", 0 }, { "emerg", 1 }, { "alert", 2 }, { "crit", 3 }, { "err", 4 },
	{ "warning", 5 }, { "notice", 6 }, { "info", 7 }, { "debug", 8 },
};
static const struct enum_aux log_mod_aux = ENUM_AUX(log_mod_names);

static const struct enum_ent rss_names[] = {
	{ "ipv4",       LNS_RSS_IPV4 },
	{ "ipv4-udp",   LNS_RSS_IPV4_UDP },
	{ "ipv4-tcp",   LNS_RSS_IPV4_TCP },
	{ "ipv4-other", LNS_RSS_IPV4_OTHER },
	{ "ipv4-frag",  LNS_RSS_IPV4_FRAG },
};
static const struct enum_aux rss_aux = ENUM_AUX(rss_names);

static const struct enum_ent rx_offload_names[] = {
	{ "ipv4-cksum", LNS_OFFLOAD_RX_IPV4_CKSUM },
	{ "udp-cksum",  LNS_OFFLOAD_RX_UDP_CKSUM },
};
static const struct enum_aux rx_offload_aux = ENUM_AUX(rx_offload_names);

static const struct enum_ent tx_offload_names[] = {
	{ "ipv4-cksum", LNS_OFFLOAD_TX_IPV4_CKSUM },
	{ "udp-cksum",  LNS_OFFLOAD_TX_UDP_CKSUM },
	{ "multi-segs", LNS_OFFLOAD_TX_MULTI_SEGS },
	{ "fast-free",  LNS_OFFLOAD_TX_FAST_FREE },
};
static const struct enum_aux tx_offload_aux = ENUM_AUX(tx_offload_names);

/* ------------------------------------------------------------- helpers --- */

static const char *
ip_str(uint32_t addr, char *buf)
{
	return inet_ntop(AF_INET, &addr, buf, INET_ADDRSTRLEN);
}

static bool
prefix_has(const struct lns_ipv4_prefix *p, uint32_t addr)
{
	uint32_t m = conf_mask(p->len);

	return (p->addr & m) == (addr & m);
}

/* The value node of `key` in item i of the list `list` under mapping map. */
static yaml_node_t *
item_node(struct conf_ctx *ctx, yaml_node_t *map, const char *list, uint32_t i)
{
	return conf_seq_get(ctx->doc, conf_map_get(ctx->doc, map, list), i);
}

/* Point the key path at list[i] (below the current path) and report about its key. */
static int
item_err(struct conf_ctx *ctx, yaml_node_t *map, const char *list, uint32_t i,
	 const char *key, const char *msg)
{
	size_t saved = conf_path_push(ctx, list);
	yaml_node_t *it = item_node(ctx, map, list, i);

	conf_path_push_idx(ctx, i);
	if (key != NULL)
		conf_err_key(ctx, it, key, "%s", msg);
	else if (it != NULL)
		conf_err(ctx, it, "%s", msg);
	else
		conf_err_key(ctx, map, list, "%s", msg);
	conf_path_pop(ctx, saved);
	return -1;
}

static uint32_t
line_of(yaml_node_t *n)
{
	return n != NULL ? (uint32_t)n->start_mark.line + 1 : 0;
}

/* -------------------------------------------------------- port profile --- */

static const struct key_desc profile_keys[] = {
	K_STR(struct lns_port_profile, "driver", driver, .flags = F_REQUIRED | F_NONEMPTY),
	K_STR(struct lns_port_profile, "description", description),
	K_FLAGS(struct lns_port_profile, "rss", rss_fields, rss_aux,
		LNS_RSS_IPV4 | LNS_RSS_IPV4_UDP | LNS_RSS_IPV4_OTHER),
	K_UINT(struct lns_port_profile, "rx-descriptors", rx_desc, 64, 16384, 1024),
	K_UINT(struct lns_port_profile, "tx-descriptors", tx_desc, 64, 16384, 1024),
	K_UINT(struct lns_port_profile, "rx-burst", rx_burst, 1, 256, 32),
	K_FLAGS(struct lns_port_profile, "rx-offloads", offloads, rx_offload_aux, 0),
	K_FLAGS(struct lns_port_profile, "tx-offloads", offloads, tx_offload_aux, 0),
	K_BOOL(struct lns_port_profile, "promiscuous", promiscuous, false),
	K_UINT(struct lns_port_profile, "max-rx-pkt-len", max_rx_pkt_len, 576, 16383, 0,
	       .flags = F_ZERO_OK),
};
const struct schema conf_profile_schema = SCHEMA(profile_keys);

/* A profile file is a document of its own: its errors name it, not the config. */
static int
parse_profile_file(struct conf_ctx *ctx, struct lns_port_profile *prof, const char *path,
		   const unsigned char *text, size_t len)
{
	const char *slash = strrchr(path, '/');
	struct conf_ctx sub;
	int rc;

	memset(&sub, 0, sizeof(sub));
	sub.file = path;
	sub.err = ctx->err;
	sub.errlen = ctx->errlen;
	sub.conf = ctx->conf;
	if (slash != NULL)
		snprintf(sub.dir, sizeof(sub.dir), "%.*s", (int)(slash - path), path);
	rc = conf_parse_text(&sub, text, len, &conf_profile_schema, prof);
	ctx->failed = sub.failed;
	return rc;
}

/* Find NAME.yaml in profile-dir, else in each directory of LNS_PROFILE_DIRS. */
static int
load_profile(struct conf_ctx *ctx, struct lns_port_profile *prof, yaml_node_t *at)
{
	char dirs[LNS_CONF_PATH_MAX * 2], scan[sizeof(dirs)];
	char path[sizeof(dirs) + LNS_CONF_NAME_MAX + 8];
	unsigned char *text = NULL;
	char *dir, *save = NULL;
	size_t len = 0;
	int rc = -ENOENT;

	if (ctx->conf->profile_dir[0] != '\0')
		conf_resolve_path(ctx, ctx->conf->profile_dir, dirs, sizeof(dirs));
	else
		snprintf(dirs, sizeof(dirs), "%s", LNS_PROFILE_DIRS);
	memcpy(scan, dirs, sizeof(scan));
	for (dir = strtok_r(scan, ":", &save); dir != NULL; dir = strtok_r(NULL, ":", &save)) {
		snprintf(path, sizeof(path), "%s/%s.yaml", dir, prof->name);
		rc = conf_read_all(path, &text, &len);
		if (rc != -ENOENT)
			break;
	}
	if (rc == -ENOENT)
		return conf_err(ctx, at, "unknown profile '%s': no %s.yaml in %s", prof->name,
				prof->name, dirs);
	if (rc < 0)
		return conf_err(ctx, at, "cannot read profile '%s': %s", path, strerror(-rc));
	rc = parse_profile_file(ctx, prof, path, text, len);
	free(text);
	return rc;
}

/* A profile name is a file stem: no slashes, no leading dot. */
static int
check_profile_name(struct conf_ctx *ctx, const struct key_desc *d, yaml_node_t *v, void *obj)
{
	const char *s = (const char *)obj + d->off;

	for (const char *c = s; *c != '\0'; c++)
		if (!(isalnum((unsigned char)*c) || *c == '_' || *c == '-' ||
		      (*c == '.' && c != s)))
			return conf_err(ctx, v, "'%s' is not a profile name (letters, digits, "
					"'_', '-', '.')", s);
	return 0;
}

/* "0000:3b:00.0" / "3b:00.0" (PCI), or a vdev name such as "net_af_packet0". */
static int
check_device(struct conf_ctx *ctx, const struct key_desc *d, yaml_node_t *v, void *obj)
{
	const char *s = (const char *)obj + d->off;
	size_t n = strlen(s);
	bool ok = true;

	if (strchr(s, ':') != NULL) {
		const char *pat = n == 12 ? "xxxx:xx:xx.o" : "xx:xx.o";

		ok = strlen(pat) == n;
		for (size_t i = 0; ok && i < n; i++) {
			if (pat[i] == 'x')
				ok = isxdigit((unsigned char)s[i]);
			else if (pat[i] == 'o')
				ok = s[i] >= '0' && s[i] <= '7';
			else
				ok = s[i] == pat[i];
		}
		if (!ok)
			return conf_err(ctx, v, "malformed PCI address '%s' (expected "
					"DDDD:BB:DD.F, e.g. 0000:3b:00.0)", s);
		return 0;
	}
	ok = isalpha((unsigned char)s[0]);
	for (size_t i = 1; ok && i < n; i++)
		ok = isalnum((unsigned char)s[i]) || s[i] == '_';
	if (!ok)
		return conf_err(ctx, v, "malformed device '%s' (expected a PCI address or a "
				"vdev name such as net_af_packet0)", s);
	return 0;
}

static void
port_profile_init(const struct key_desc *d, void *obj)
{
	(void)d;
	conf_apply_defaults(&conf_profile_schema, &((struct lns_port_conf *)obj)->profile);
}

static void
dump_profile(FILE *out, const struct key_desc *d, const void *obj, int indent)
{
	const struct lns_port_profile *p = &((const struct lns_port_conf *)obj)->profile;

	(void)d;
	if (p->name[0] == '\0')
		return;
	fprintf(out, "%*sprofile: \"%s\"   # driver %s, rx/tx descriptors %u/%u, rx-burst %u\n",
		indent, "", p->name, p->driver, p->rx_desc, p->tx_desc, p->rx_burst);
}

static int
port_check(struct conf_ctx *ctx, void *obj, yaml_node_t *map, uint64_t seen)
{
	struct lns_port_conf *p = obj;
	uint32_t host = ntohl(p->address.addr) & ~ntohl(conf_mask(p->address.len));
	uint32_t hostmask = ~ntohl(conf_mask(p->address.len));
	char a[INET_ADDRSTRLEN], net[INET_ADDRSTRLEN];

	(void)seen;
	if (map == NULL)
		return 0;
	if (p->address.addr == 0)
		return conf_err_key(ctx, map, "address", "0.0.0.0 is not a usable address");
	if (p->address.len <= 30 && host == 0)
		return conf_err_key(ctx, map, "address", "%s/%u is the network address of its "
				    "subnet; give the port's own address",
				    ip_str(p->address.addr, a), p->address.len);
	if (p->address.len <= 30 && host == hostmask)
		return conf_err_key(ctx, map, "address", "%s/%u is the broadcast address of its "
				    "subnet", ip_str(p->address.addr, a), p->address.len);
	if (p->gateway != 0 && !prefix_has(&p->address, p->gateway))
		return conf_err_key(ctx, map, "gateway", "%s is not in the port's subnet %s/%u",
				    ip_str(p->gateway, a),
				    ip_str(p->address.addr & conf_mask(p->address.len), net),
				    p->address.len);
	if (p->gateway != 0 && p->gateway == p->address.addr)
		return conf_err_key(ctx, map, "gateway", "is the port's own address");
	return 0;
}

static const struct key_desc port_keys[] = {
	K_STR(struct lns_port_conf, "device", device, .flags = F_REQUIRED | F_NONEMPTY,
	      .parse = check_device),
	K_STR(struct lns_port_conf, "profile", profile.name, .flags = F_NONEMPTY,
	      .parse = check_profile_name, .init = port_profile_init, .dump = dump_profile),
	K_PREFIX(struct lns_port_conf, "address", address, .flags = F_REQUIRED | F_NEED_LEN),
	K_ADDR(struct lns_port_conf, "gateway", gateway),
	K_UINT(struct lns_port_conf, "mtu", mtu, 576, 9000, 1500),
};
static const struct schema port_schema = SCHEMA(port_keys, .check = port_check);

static const struct key_desc ports_keys[] = {
	K_SECTION(struct lns_conf, "access", ports[LNS_PORT_ACCESS], port_schema,
		  .flags = F_REQUIRED | F_RESTART,
		  SETF(struct lns_conf, ports[LNS_PORT_ACCESS].set)),
	K_SECTION(struct lns_conf, "core", ports[LNS_PORT_CORE], port_schema,
		  .flags = F_REQUIRED | F_RESTART,
		  SETF(struct lns_conf, ports[LNS_PORT_CORE].set)),
};
static const struct schema ports_schema = SCHEMA(ports_keys);

/* ---------------------------------------------------------------- ipsec --- */

static int
psk_list_check(struct conf_ctx *ctx, void *obj, yaml_node_t *seq)
{
	const struct lns_ipsec_conf *c = obj;
	char a[INET_ADDRSTRLEN], msg[200];

	for (uint32_t j = 1; j < c->n_psks; j++) {
		const struct lns_psk_conf *b = &c->psks[j];

		for (uint32_t i = 0; i < j; i++) {
			const struct lns_psk_conf *p = &c->psks[i];
			bool dup = b->id[0] != '\0' ? strcmp(p->id, b->id) == 0 :
				   p->id[0] == '\0' && p->peer.addr == b->peer.addr &&
				   p->peer.len == b->peer.len;
			size_t saved;

			if (!dup)
				continue;
			if (b->id[0] != '\0')
				snprintf(msg, sizeof(msg), "id '%s' already has a PSK (line %u)",
					 b->id, line_of(conf_seq_get(ctx->doc, seq, i)));
			else
				snprintf(msg, sizeof(msg), "peer %s/%u already has a PSK (line %u)",
					 ip_str(b->peer.addr, a), b->peer.len,
					 line_of(conf_seq_get(ctx->doc, seq, i)));
			saved = conf_path_push_idx(ctx, j);
			conf_err_key(ctx, conf_seq_get(ctx->doc, seq, j),
				     b->id[0] != '\0' ? "id" : "peer", "%s", msg);
			conf_path_pop(ctx, saved);
			return -1;
		}
	}
	return 0;
}

/* A PSK matched by id has no peer to show. */
static bool
psk_peer_unused(const void *obj)
{
	return ((const struct lns_psk_conf *)obj)->id[0] != '\0';
}

static const struct key_desc psk_keys[] = {
	K_STR(struct lns_psk_conf, "id", id, .group = 1, .flags = F_REQUIRED | F_NONEMPTY),
	K_PREFIX(struct lns_psk_conf, "peer", peer, .group = 1, .flags = F_NETWORK,
		 .dump_skip = psk_peer_unused),
	K_SECRET(struct lns_psk_conf, "secret", secret, 2, REQ),
	K_SECRET_FILE(struct lns_psk_conf, "secret-file", secret, 2, .flags = F_NODUMP),
};
static const struct schema psk_schema = SCHEMA(psk_keys);
static const struct list_desc psk_list = {
	.item = &psk_schema, .elem_size = sizeof(struct lns_psk_conf),
	.max = LNS_CONF_MAX_PSKS, .cnt_off = offsetof(struct lns_ipsec_conf, n_psks),
	.cnt_size = 2, .check = psk_list_check,
};

/* crl-files: a list of PEM files */
static int
parse_crls(struct conf_ctx *ctx, const struct key_desc *d, yaml_node_t *v, void *obj)
{
	struct lns_cert_conf *c = obj;
	struct key_desc one = { .name = d->name, .size = LNS_CONF_PATH_MAX };
	uint32_t n;

	if (v->type != YAML_SEQUENCE_NODE)
		return conf_err(ctx, v, "expected a list of CRL files, found %s",
				conf_node_kind(v));
	n = (uint32_t)(v->data.sequence.items.top - v->data.sequence.items.start);
	if (n > LNS_CONF_MAX_CRLS)
		return conf_err(ctx, v, "at most %u CRL files, found %u", LNS_CONF_MAX_CRLS, n);
	for (uint32_t i = 0; i < n; i++) {
		yaml_node_t *it = conf_seq_get(ctx->doc, v, i);
		size_t saved = conf_path_push_idx(ctx, i);

		if (conf_get_str(ctx, it, c->crl_files[i], LNS_CONF_PATH_MAX, true) < 0 ||
		    conf_cert_path(ctx, &one, it, c->crl_files[i]) < 0)
			return -1;
		conf_path_pop(ctx, saved);
	}
	c->n_crls = (uint8_t)n;
	return 0;
}

static void
dump_crls(FILE *out, const struct key_desc *d, const void *obj, int indent)
{
	const struct lns_cert_conf *c = obj;

	if (c->n_crls == 0)
		return;
	fprintf(out, "%*s%s: [", indent, "", d->name);
	for (unsigned int i = 0; i < c->n_crls; i++)
		fprintf(out, "%s\"%s\"", i ? ", " : "", c->crl_files[i]);
	fprintf(out, "]\n");
}

static int
certs_check(struct conf_ctx *ctx, void *obj, yaml_node_t *map, uint64_t seen)
{
	static const char *const need[] = { "cert-file", "key-file", "ca-file" };

	if (map == NULL)
		return 0;   /* no certificates */
	for (unsigned int i = 0; i < 3; i++)
		if (!(seen >> i & 1))
			return conf_err_key(ctx, map, need[i], "required key missing");
	return conf_cert_check(ctx, map, obj);
}

static const struct key_desc certs_keys[] = {
	K_STR(struct lns_cert_conf, "cert-file", cert_file, .flags = F_NONEMPTY,
	      .parse = conf_cert_path),
	K_STR(struct lns_cert_conf, "key-file", key_file, .flags = F_NONEMPTY,
	      .parse = conf_cert_path),
	K_STR(struct lns_cert_conf, "ca-file", ca_file, .flags = F_NONEMPTY,
	      .parse = conf_cert_path),
	{ .name = "crl-files", .type = KT_CUSTOM, WHOLE(struct lns_cert_conf),
	  .parse = parse_crls, .dump = dump_crls, .vtype = "list of files" },
};
static const struct schema certs_schema = SCHEMA(certs_keys, .check = certs_check);

static const struct enum_ent ike_auth_names[] = {
	{ "rsa-sig", LNS_IKE_AUTH_RSA_SIG }, { "ecdsa", LNS_IKE_AUTH_ECDSA },
};
static const struct enum_aux ike_auth_aux = ENUM_AUX(ike_auth_names, NULL, 0);
static const struct enum_ent id_type_names[] = {
	{ "any", LNS_ID_ANY }, { "der-asn1-dn", LNS_ID_DER_ASN1_DN },
	{ "fqdn", LNS_ID_FQDN }, { "ipv4-addr", LNS_ID_IPV4_ADDR },
};
static const struct enum_aux id_type_aux = ENUM_AUX(id_type_names, NULL, 0);

static int
cert_peer_check(struct conf_ctx *ctx, void *obj, yaml_node_t *map, uint64_t seen)
{
	const struct lns_cert_peer_conf *p = obj;
	uint32_t a;

	(void)seen;
	if (p->id_type == LNS_ID_ANY && p->id[0] != '\0')
		return conf_err_key(ctx, map, "id", "needs an id-type other than any");
	if (p->id_type != LNS_ID_ANY && p->id[0] == '\0')
		return conf_err_key(ctx, map, "id", "required key missing (id-type %s)",
				    conf_enum_name(&id_type_aux, p->id_type));
	if (p->id_type == LNS_ID_IPV4_ADDR && conf_parse_addr(p->id, &a) < 0)
		return conf_err_key(ctx, map, "id", "'%s' is not an IPv4 address", p->id);
	if (p->id_type == LNS_ID_DER_ASN1_DN && strchr(p->id, '=') == NULL)
		return conf_err_key(ctx, map, "id", "'%s' is not a distinguished name "
				    "(\"C=CH, O=Example, CN=client\")", p->id);
	return 0;
}

static const struct key_desc cert_peer_keys[] = {
	K_PREFIX(struct lns_cert_peer_conf, "peer", peer, .flags = F_NETWORK),
	K_ENUM(struct lns_cert_peer_conf, "auth", auth, ike_auth_aux, LNS_IKE_AUTH_RSA_SIG),
	K_ENUM(struct lns_cert_peer_conf, "id-type", id_type, id_type_aux, LNS_ID_ANY),
	K_STR(struct lns_cert_peer_conf, "id", id, .flags = F_NONEMPTY),
};
static const struct schema cert_peer_schema = SCHEMA(cert_peer_keys, .check = cert_peer_check);
static const struct list_desc cert_peer_list = {
	.item = &cert_peer_schema, .elem_size = sizeof(struct lns_cert_peer_conf),
	.max = LNS_CONF_MAX_CERT_PEERS, .cnt_off = offsetof(struct lns_ipsec_conf, n_cert_peers),
	.cnt_size = 2,
};

/* The older fixed suites (`ike-proposals`) as cipher, hash, group. */
static const uint8_t ike_suite_algs[LNS_IKE_ALG_MAX][3] = {
	[LNS_IKE_AES128_SHA1_MODP2048]   = { LNS_IKE_C_AES128, 2, 14 },
	[LNS_IKE_AES256_SHA1_MODP2048]   = { LNS_IKE_C_AES256, 2, 14 },
	[LNS_IKE_AES128_SHA256_MODP2048] = { LNS_IKE_C_AES128, 4, 14 },
	[LNS_IKE_AES256_SHA256_MODP2048] = { LNS_IKE_C_AES256, 4, 14 },
	[LNS_IKE_AES128_SHA256_ECP256]   = { LNS_IKE_C_AES128, 4, 19 },
	[LNS_IKE_AES256_SHA256_ECP256]   = { LNS_IKE_C_AES256, 4, 19 },
	[LNS_IKE_AES128_SHA1_MODP1024]   = { LNS_IKE_C_AES128, 2, 2 },
	[LNS_IKE_3DES_SHA1_MODP2048]     = { LNS_IKE_C_3DES, 2, 14 },
};

static void
add_once(uint8_t *l, uint8_t *n, uint8_t v)
{
	if (memchr(l, v, *n) == NULL)
		l[(*n)++] = v;
}

static int
ipsec_check(struct conf_ctx *ctx, void *obj, yaml_node_t *map, uint64_t seen)
{
	struct lns_ipsec_conf *c = obj;

	/* a config that still lists suites (ike-proposals, keys 0) and none of
	 * ike-ciphers/ike-hashes/ike-groups (keys 1-3) accepts every algorithm
	 * its suites name, now matched independently */
	if ((seen & 1) && !(seen & 0xe)) {
		c->n_ike_ciphers = c->n_ike_hashes = c->n_ike_groups = 0;
		for (uint32_t i = 0; i < c->n_ike_proposals; i++) {
			const uint8_t *a = ike_suite_algs[c->ike_proposals[i]];

			add_once(c->ike_ciphers, &c->n_ike_ciphers, a[0]);
			add_once(c->ike_hashes, &c->n_ike_hashes, a[1]);
			add_once(c->ike_groups, &c->n_ike_groups, a[2]);
		}
	}
	for (uint32_t i = 0; i < c->n_ike_proposals; i++) {
		uint8_t p = c->ike_proposals[i];
		const char *need = p == LNS_IKE_3DES_SHA1_MODP2048 && !c->allow_3des ?
				   "allow-3des" : p == LNS_IKE_AES128_SHA1_MODP1024 &&
				   !c->allow_modp1024 ? "allow-modp1024" : NULL;
		char msg[160];

		if (need == NULL)
			continue;
		snprintf(msg, sizeof(msg), "%s is weak and needs %s: true",
			 conf_enum_name(&conf_ike_alg_aux, p), need);
		return item_err(ctx, map, "ike-proposals", i, NULL, msg);
	}
	for (uint32_t i = 0; i < c->n_ike_ciphers; i++)
		if (c->ike_ciphers[i] == LNS_IKE_C_3DES && !c->allow_3des)
			return item_err(ctx, map, "ike-ciphers", i, NULL,
					"3des is weak and needs allow-3des: true");
	for (uint32_t i = 0; i < c->n_esp_proposals; i++)
		if ((c->esp_proposals[i] == LNS_ESP_3DES_SHA1 ||
		     c->esp_proposals[i] == LNS_ESP_3DES_SHA256) && !c->allow_3des)
			return item_err(ctx, map, "esp-proposals", i, NULL,
					"3des is weak and needs allow-3des: true");
	for (uint32_t i = 0; i < c->n_ike_groups; i++)
		if ((c->ike_groups[i] == 2 || c->ike_groups[i] == 5) && !c->allow_modp1024)
			return item_err(ctx, map, "ike-groups", i, NULL,
					"modp1024 and modp1536 are weak and need "
					"allow-modp1024: true");
	if (c->n_cert_peers > 0 && !c->certs.set)
		return conf_err_key(ctx, map, "cert-peers", "needs ipsec.certificates "
				    "(cert-file, key-file, ca-file)");
	/* IKEv1 negotiates one method for both sides: ours is our key's */
	for (uint32_t i = 0; i < c->n_cert_peers; i++)
		if (c->cert_peers[i].auth != c->certs.key_auth)
			return item_err(ctx, map, "cert-peers", i, "auth",
					c->certs.key_auth == LNS_IKE_AUTH_ECDSA ?
					"key-file holds an EC key: auth must be ecdsa" :
					"key-file holds an RSA key: auth must be rsa-sig");
	if (c->dpd_interval != 0 && c->dpd_timeout <= c->dpd_interval)
		return conf_err_key(ctx, map, "dpd-timeout", "%u must be greater than "
				    "dpd-interval (%u)", c->dpd_timeout, c->dpd_interval);
	return 0;
}

static const struct key_desc ipsec_keys[] = {
	K_ENUMLIST(struct lns_ipsec_conf, "ike-proposals", ike_proposals, n_ike_proposals,
		   conf_ike_alg_aux),
	K_ENUMLIST(struct lns_ipsec_conf, "ike-ciphers", ike_ciphers, n_ike_ciphers,
		   conf_ike_cipher_aux),
	K_ENUMLIST(struct lns_ipsec_conf, "ike-hashes", ike_hashes, n_ike_hashes,
		   conf_ike_hash_aux),
	K_ENUMLIST(struct lns_ipsec_conf, "ike-groups", ike_groups, n_ike_groups,
		   conf_ike_group_aux),
	K_ENUMLIST(struct lns_ipsec_conf, "esp-proposals", esp_proposals, n_esp_proposals,
		   conf_esp_alg_aux),
	K_BOOL(struct lns_ipsec_conf, "allow-3des", allow_3des, false),
	K_BOOL(struct lns_ipsec_conf, "allow-modp1024", allow_modp1024, false),
	K_BOOL(struct lns_ipsec_conf, "pfs", pfs, false),
	K_UINT(struct lns_ipsec_conf, "ike-lifetime", ike_lifetime, 300, 86400, 28800),
	K_UINT(struct lns_ipsec_conf, "esp-lifetime", esp_lifetime, 300, 86400, 3600),
	K_UINT(struct lns_ipsec_conf, "esp-lifetime-kb", esp_lifetime_kb, 0,
	       UINT64_C(1) << 40, 0),
	K_UINT(struct lns_ipsec_conf, "replay-window", replay_window, 0, 4096, 64),
	K_UINT(struct lns_ipsec_conf, "dpd-interval", dpd_interval, 0, 3600, 30),
	K_UINT(struct lns_ipsec_conf, "dpd-timeout", dpd_timeout, 1, 3600, 120),
	K_UINT(struct lns_ipsec_conf, "max-half-open", max_half_open, 1, 65535, 1024),
	K_UINT(struct lns_ipsec_conf, "nat-keepalive", nat_keepalive, 0, 3600, 20),
	K_LIST(struct lns_ipsec_conf, "psk", psks, psk_list),
	/* live: a reload loads the files again (new paths, or the same ones whose
	 * contents changed: lns_conf_certs_differ) for new Main Modes */
	K_SECTION(struct lns_ipsec_conf, "certificates", certs, certs_schema,
		  SETF(struct lns_ipsec_conf, certs.set)),
	K_LIST(struct lns_ipsec_conf, "cert-peers", cert_peers, cert_peer_list),
	K_BOOL(struct lns_ipsec_conf, "fragmentation", fragmentation, true),
	K_UINT(struct lns_ipsec_conf, "fragment-size", fragment_size, 512, 9000, 1280),
};
static const struct schema ipsec_schema = SCHEMA(ipsec_keys, .check = ipsec_check);

/* ----------------------------------------------------------------- l2tp --- */

/* The keys a destination profile may set, also accepted directly under l2tp:. */
static const struct key_desc dprof_keys[] = {
	K_BOOL(struct lns_dest_profile, "single-shot-tunnel", single_shot, false),
	K_UINT(struct lns_dest_profile, "idle-timeout", idle_timeout, 0, 86400, 0),
	K_UINT(struct lns_dest_profile, "destruct-timeout", destruct_timeout, 10, 3600, 600,
	       .flags = F_SHORT_TIMER),
	K_SECRET(struct lns_dest_profile, "tunnel-password", tunnel_password, 1),
	K_SECRET_FILE(struct lns_dest_profile, "tunnel-password-file", tunnel_password, 1,
		      .flags = F_NODUMP),
	K_UINT(struct lns_dest_profile, "max-sessions", max_sessions, 1, 65535, 65535),
	K_UINT(struct lns_dest_profile, "hello-interval", hello_interval, 0, 3600, 60),
	K_UINT(struct lns_dest_profile, "receive-window", receive_window, 1, 1024, 16),
	K_BOOL(struct lns_dest_profile, "allow-nonsecure", allow_nonsecure, false),
	K_UINT(struct lns_dest_profile, "max-sessions-per-user", max_sessions_per_user, 1,
	       1048576, 0, .flags = F_ZERO_OK),
	K_ENUM(struct lns_dest_profile, "authentication", authentication, authn_aux,
	       LNS_AUTHN_GLOBAL),
	K_STR(struct lns_dest_profile, "policy", policy, .flags = F_NONEMPTY),
	K_UINT(struct lns_dest_profile, "session-timeout", session_timeout, 0, 31536000, 0),
	K_UINT(struct lns_dest_profile, "session-idle-timeout", session_idle_timeout, 0,
	       31536000, 0),
	K_UINT(struct lns_dest_profile, "keepalive-interval", keepalive_interval, 0, 3600,
	       LNS_CONF_KEEPALIVE_INHERIT, .sdef = "ppp.keepalive.interval"),
	K_UINT(struct lns_dest_profile, "keepalive-failures", keepalive_failures, 1, 100,
	       LNS_CONF_KEEPALIVE_INHERIT, .sdef = "ppp.keepalive.failures"),
};
static const struct schema dprof_keys_schema = SCHEMA(dprof_keys);

static const struct key_desc match_keys[] = {
	K_PREFIX(struct lns_dest_profile, "peer", match_peer, .flags = F_NETWORK,
		 SETF(struct lns_dest_profile, match_peer_set)),
	K_STR(struct lns_dest_profile, "host-name", match_host_name, .flags = F_NONEMPTY),
};
static const struct schema match_schema = SCHEMA(match_keys);

static int
dprof_check(struct conf_ctx *ctx, void *obj, yaml_node_t *map, uint64_t seen)
{
	(void)obj;
	(void)map;
	ctx->dp_seen[ctx->item] = seen;   /* which keys to inherit, see l2tp_check() */
	return 0;
}

static const struct key_desc dprof_own_keys[] = {
	K_STR(struct lns_dest_profile, "name", name, .flags = F_REQUIRED | F_NONEMPTY),
	{ .name = "match", .type = KT_SECTION, WHOLE(struct lns_dest_profile),
	  .aux = &match_schema },
};
static const struct schema dprof_schema = SCHEMA(dprof_own_keys, .incl = &dprof_keys_schema,
						 .incl_off = 0, .check = dprof_check);

static int
dprof_list_check(struct conf_ctx *ctx, void *obj, yaml_node_t *seq)
{
	const struct lns_l2tp_conf *c = obj;

	for (uint32_t j = 1; j < c->n_profiles; j++)
		for (uint32_t i = 0; i < j; i++)
			if (strcmp(c->profiles[i].name, c->profiles[j].name) == 0) {
				size_t saved = conf_path_push_idx(ctx, j);

				conf_err_key(ctx, conf_seq_get(ctx->doc, seq, j), "name",
					     "duplicate profile name '%s' (also at line %u)",
					     c->profiles[j].name,
					     line_of(conf_seq_get(ctx->doc, seq, i)));
				conf_path_pop(ctx, saved);
				return -1;
			}
	return 0;
}

static const struct list_desc dprof_list = {
	.item = &dprof_schema, .elem_size = sizeof(struct lns_dest_profile),
	.max = LNS_CONF_MAX_DEST_PROFILES, .cnt_off = offsetof(struct lns_l2tp_conf, n_profiles),
	.cnt_size = 2, .check = dprof_list_check,
};

static int
retransmit_check(struct conf_ctx *ctx, void *obj, yaml_node_t *map, uint64_t seen)
{
	const struct lns_l2tp_conf *c = obj;

	(void)seen;
	if (c->retransmit_max_ms >= c->retransmit_initial_ms)
		return 0;
	if (conf_map_get(ctx->doc, map, "max-ms") != NULL)
		return conf_err_key(ctx, map, "max-ms", "%u is less than initial-ms (%u)",
				    c->retransmit_max_ms, c->retransmit_initial_ms);
	return conf_err_key(ctx, map, "initial-ms", "%u is more than max-ms (default %u); "
			    "raise max-ms too", c->retransmit_initial_ms, c->retransmit_max_ms);
}

static const struct key_desc retransmit_keys[] = {
	K_UINT(struct lns_l2tp_conf, "initial-ms", retransmit_initial_ms, 100, 10000, 1000),
	K_UINT(struct lns_l2tp_conf, "max-ms", retransmit_max_ms, 100, 60000, 8000),
	K_UINT(struct lns_l2tp_conf, "retries", retransmit_retries, 1, 20, 5),
};
static const struct schema retransmit_schema = SCHEMA(retransmit_keys,
						      .check = retransmit_check);

/* Flood limits (global): see struct lns_l2tp_admission. */
static const struct key_desc admission_keys[] = {
	K_UINT(struct lns_l2tp_admission, "sccrq-rate", sccrq_rate, 1, 100000, 20),
	K_UINT(struct lns_l2tp_admission, "sccrq-burst", sccrq_burst, 1, 100000, 40),
	K_UINT(struct lns_l2tp_admission, "max-half-open", max_half_open, 1, 1048576, 1024),
	K_UINT(struct lns_l2tp_admission, "max-half-open-per-source", max_half_open_per_source,
	       1, 65535, 64),
	K_UINT(struct lns_l2tp_admission, "icrq-rate", icrq_rate, 1, 1000000, 1000),
	K_UINT(struct lns_l2tp_admission, "icrq-burst", icrq_burst, 1, 1000000, 4000),
	K_UINT(struct lns_l2tp_admission, "max-pending-sessions", max_pending_sessions, 1, 65535,
	       1024),
	K_UINT(struct lns_l2tp_admission, "session-setup-timeout", session_setup_timeout, 1, 600,
	       30),
};
static const struct schema admission_schema = SCHEMA(admission_keys);

/* Profiles take every per-profile key they leave out from l2tp: itself. */
static int
l2tp_check(struct conf_ctx *ctx, void *obj, yaml_node_t *map, uint64_t seen)
{
	struct lns_l2tp_conf *c = obj;
	const struct schema *s = &dprof_schema;

	(void)map;
	(void)seen;
	for (uint32_t i = 0; i < c->n_profiles; i++) {
		struct lns_dest_profile *p = &c->profiles[i];

		for (unsigned k = 0; k < s->incl->n; k++) {
			const struct key_desc *d = &s->incl->keys[k];
			bool given = false;

			/* a key counts as given when any key of its group was */
			for (unsigned j = 0; j < s->incl->n; j++)
				if ((j == k || (d->group != 0 && s->incl->keys[j].group == d->group))
				    && (ctx->dp_seen[i] >> (s->n + j) & 1))
					given = true;
			if (!given)
				memcpy((char *)p + d->off, (const char *)&c->defaults + d->off,
				       d->size);
		}
	}
	return 0;
}

static const struct key_desc l2tp_keys[] = {
	K_STR(struct lns_l2tp_conf, "host-name", host_name, .flags = F_NONEMPTY, .sdef = "lnsd"),
	{ .name = "retransmit", .type = KT_SECTION, WHOLE(struct lns_l2tp_conf),
	  .aux = &retransmit_schema },
	K_SECTION(struct lns_l2tp_conf, "admission", admission, admission_schema),
	K_LIST(struct lns_l2tp_conf, "destination-profiles", profiles, dprof_list),
};
static const struct schema l2tp_schema = SCHEMA(l2tp_keys, .incl = &dprof_keys_schema,
						.incl_off = offsetof(struct lns_l2tp_conf, defaults),
						.check = l2tp_check);

/* ------------------------------------------------------------------ ppp --- */

/* `prefix:` fills first/last; the network and broadcast addresses are left out. */
static int
parse_pool_prefix(struct conf_ctx *ctx, const struct key_desc *d, yaml_node_t *v, void *obj)
{
	struct lns_pool_conf *p = obj;
	struct lns_ipv4_prefix pfx;
	uint32_t net, bcast;

	(void)d;
	if (conf_get_prefix(ctx, v, &pfx, F_NEED_LEN | F_NETWORK) < 0)
		return -1;
	if (pfx.len < 8)
		return conf_err(ctx, v, "/%u is too large for a pool (at most /8)", pfx.len);
	net = ntohl(pfx.addr);
	bcast = net | ~ntohl(conf_mask(pfx.len));
	if (pfx.len <= 30) {
		net++;
		bcast--;
	}
	p->first = htonl(net);
	p->last = htonl(bcast);
	return 0;
}

static int
pool_check(struct conf_ctx *ctx, void *obj, yaml_node_t *map, uint64_t seen)
{
	const struct lns_pool_conf *p = obj;
	bool has_prefix = conf_map_get(ctx->doc, map, "prefix") != NULL;
	bool has_first = conf_map_get(ctx->doc, map, "first") != NULL;
	bool has_last = conf_map_get(ctx->doc, map, "last") != NULL;
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];

	(void)seen;
	if (has_prefix && (has_first || has_last))
		return conf_err_key(ctx, map, has_first ? "first" : "last",
				    "conflicts with 'prefix': give a prefix, or first and last");
	if (!has_prefix && !has_first)
		return conf_err_key(ctx, map, "prefix", "required key missing (give 'prefix', "
				    "or 'first' and 'last')");
	if (!has_prefix && !has_last)
		return conf_err_key(ctx, map, "last", "required key missing (with 'first')");
	if (p->first == 0)
		return conf_err_key(ctx, map, "first", "0.0.0.0 is not a usable address");
	if (ntohl(p->first) > ntohl(p->last))
		return conf_err_key(ctx, map, "last", "%s is below first (%s)",
				    ip_str(p->last, a), ip_str(p->first, b));
	return 0;
}

static int
pool_list_check(struct conf_ctx *ctx, void *obj, yaml_node_t *seq)
{
	const struct lns_ppp_conf *c = obj;

	for (uint32_t j = 1; j < c->n_pools; j++) {
		const struct lns_pool_conf *b = &c->pools[j];
		yaml_node_t *it = conf_seq_get(ctx->doc, seq, j);

		for (uint32_t i = 0; i < j; i++) {
			const struct lns_pool_conf *p = &c->pools[i];
			size_t saved;

			if (strcmp(p->name, b->name) == 0) {
				saved = conf_path_push_idx(ctx, j);
				conf_err_key(ctx, it, "name", "duplicate pool name '%s' (also at "
					     "line %u)", b->name,
					     line_of(conf_seq_get(ctx->doc, seq, i)));
				conf_path_pop(ctx, saved);
				return -1;
			}
			if (ntohl(b->first) <= ntohl(p->last) &&
			    ntohl(p->first) <= ntohl(b->last)) {
				saved = conf_path_push_idx(ctx, j);
				conf_err_key(ctx, it, conf_map_get(ctx->doc, it, "prefix") ?
					     "prefix" : "first", "overlaps pool '%s'", p->name);
				conf_path_pop(ctx, saved);
				return -1;
			}
		}
	}
	return 0;
}

static const struct key_desc pool_keys[] = {
	K_STR(struct lns_pool_conf, "name", name, .flags = F_REQUIRED | F_NONEMPTY),
	{ .name = "prefix", .type = KT_CUSTOM, .flags = F_NODUMP, .parse = parse_pool_prefix,
	  .vtype = "prefix" },
	K_ADDR(struct lns_pool_conf, "first", first),
	K_ADDR(struct lns_pool_conf, "last", last),
};
static const struct schema pool_schema = SCHEMA(pool_keys, .check = pool_check);
static const struct list_desc pool_list = {
	.item = &pool_schema, .elem_size = sizeof(struct lns_pool_conf),
	.max = LNS_CONF_MAX_POOLS, .cnt_off = offsetof(struct lns_ppp_conf, n_pools),
	.cnt_size = 2, .check = pool_list_check,
};

static int
user_check(struct conf_ctx *ctx, void *obj, yaml_node_t *map, uint64_t seen)
{
	const struct lns_user_conf *u = obj;

	(void)seen;
	if (!u->password.set && !u->nt_hash_set)
		return conf_err_key(ctx, map, "password", "required key missing (give "
				    "'password', 'password-file', 'nt-hash' or 'nt-hash-file')");
	if (conf_map_get(ctx->doc, map, "address") != NULL && u->address == 0)
		return conf_err_key(ctx, map, "address", "0.0.0.0 is not a usable address");
	return 0;
}

static int
user_list_check(struct conf_ctx *ctx, void *obj, yaml_node_t *seq)
{
	const struct lns_ppp_conf *c = obj;

	/* quadratic, but at most LNS_CONF_MAX_USERS names, once, at start-up */
	for (uint32_t j = 1; j < c->n_users; j++)
		for (uint32_t i = 0; i < j; i++)
			if (strcmp(c->users[i].name, c->users[j].name) == 0) {
				size_t saved = conf_path_push_idx(ctx, j);

				conf_err_key(ctx, conf_seq_get(ctx->doc, seq, j), "name",
					     "duplicate user '%s' (also at line %u)",
					     c->users[j].name,
					     line_of(conf_seq_get(ctx->doc, seq, i)));
				conf_path_pop(ctx, saved);
				return -1;
			}
	return 0;
}

static const struct key_desc user_keys[] = {
	K_STR(struct lns_user_conf, "name", name, .flags = F_REQUIRED | F_NONEMPTY),
	K_SECRET(struct lns_user_conf, "password", password, 1),
	K_SECRET_FILE(struct lns_user_conf, "password-file", password, 1, .flags = F_NODUMP),
	{ .name = "nt-hash", .type = KT_NTHASH, FLD(struct lns_user_conf, nt_hash), .group = 2,
	  SETF(struct lns_user_conf, nt_hash_set) },
	{ .name = "nt-hash-file", .type = KT_NTHASH_FILE, FLD(struct lns_user_conf, nt_hash),
	  .group = 2, .flags = F_NODUMP, SETF(struct lns_user_conf, nt_hash_set) },
	K_ADDR(struct lns_user_conf, "address", address, .group = 3),
	K_STR(struct lns_user_conf, "pool", pool, .group = 3, .flags = F_NONEMPTY),
	K_STR(struct lns_user_conf, "policy", policy, .flags = F_NONEMPTY),
	K_UINT(struct lns_user_conf, "session-timeout", session_timeout, 0, 31536000, 0,
	       SETF(struct lns_user_conf, session_timeout_set)),
	K_UINT(struct lns_user_conf, "session-idle-timeout", session_idle_timeout, 0, 31536000,
	       0, SETF(struct lns_user_conf, session_idle_timeout_set)),
};
static const struct schema user_schema = SCHEMA(user_keys, .check = user_check);
static const struct list_desc user_list = {
	.item = &user_schema, .elem_size = sizeof(struct lns_user_conf),
	.max = LNS_CONF_MAX_USERS, .cnt_off = offsetof(struct lns_ppp_conf, n_users),
	.cnt_size = 4, .heap = true, .check = user_list_check,
};

/* dns: a list of one or two addresses */
static int
parse_dns(struct conf_ctx *ctx, const struct key_desc *d, yaml_node_t *v, void *obj)
{
	struct lns_ppp_conf *c = obj;
	uint32_t n;

	(void)d;
	if (v->type != YAML_SEQUENCE_NODE)
		return conf_err(ctx, v, "expected a list of 1 or 2 addresses, found %s",
				conf_node_kind(v));
	n = (uint32_t)(v->data.sequence.items.top - v->data.sequence.items.start);
	if (n < 1 || n > 2)
		return conf_err(ctx, v, "expected 1 or 2 addresses, found %u", n);
	for (uint32_t i = 0; i < n; i++) {
		yaml_node_t *it = conf_seq_get(ctx->doc, v, i);
		size_t saved = conf_path_push_idx(ctx, i);

		if (conf_get_addr(ctx, it, &c->dns[i]) < 0)
			return -1;
		if (c->dns[i] == 0)
			return conf_err(ctx, it, "0.0.0.0 is not a usable address");
		conf_path_pop(ctx, saved);
	}
	return 0;
}

static void
dump_dns(FILE *out, const struct key_desc *d, const void *obj, int indent)
{
	const struct lns_ppp_conf *c = obj;
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];

	if (c->dns[0] == 0)
		return;
	if (c->dns[1] != 0)
		fprintf(out, "%*s%s: [%s, %s]\n", indent, "", d->name, ip_str(c->dns[0], a),
			ip_str(c->dns[1], b));
	else
		fprintf(out, "%*s%s: [%s]\n", indent, "", d->name, ip_str(c->dns[0], a));
}

static int
find_pool(const struct lns_ppp_conf *c, const char *name)
{
	for (uint32_t i = 0; i < c->n_pools; i++)
		if (strcmp(c->pools[i].name, name) == 0)
			return (int)i;
	return -1;
}

static int
ppp_check(struct conf_ctx *ctx, void *obj, yaml_node_t *map, uint64_t seen)
{
	const struct lns_ppp_conf *c = obj;
	char a[INET_ADDRSTRLEN], msg[200];

	(void)seen;
	if (c->default_pool[0] != '\0' && find_pool(c, c->default_pool) < 0)
		return conf_err_key(ctx, map, "default-pool", "unknown pool '%s'",
				    c->default_pool);
	for (uint32_t i = 0; i < c->n_users; i++) {
		const struct lns_user_conf *u = &c->users[i];

		if (u->pool[0] != '\0' && find_pool(c, u->pool) < 0) {
			snprintf(msg, sizeof(msg), "unknown pool '%s'", u->pool);
			return item_err(ctx, map, "users", i, "pool", msg);
		}
		if (u->address == 0 && u->pool[0] == '\0' && c->default_pool[0] == '\0')
			return item_err(ctx, map, "users", i, NULL, "has no address and no pool, "
					"and ppp.default-pool is not set");
		for (uint32_t p = 0; u->address != 0 && p < c->n_pools; p++)
			if (ntohl(u->address) >= ntohl(c->pools[p].first) &&
			    ntohl(u->address) <= ntohl(c->pools[p].last)) {
				snprintf(msg, sizeof(msg), "%s lies in pool '%s'; static addresses "
					 "must be outside the pools", ip_str(u->address, a),
					 c->pools[p].name);
				return item_err(ctx, map, "users", i, "address", msg);
			}
	}
	return 0;
}

static const struct key_desc keepalive_keys[] = {
	K_UINT(struct lns_ppp_conf, "interval", keepalive_interval, 0, 3600, 30),
	K_UINT(struct lns_ppp_conf, "failures", keepalive_failures, 1, 100, 3),
};
static const struct schema keepalive_schema = SCHEMA(keepalive_keys);

static const struct key_desc ppp_keys[] = {
	K_ENUMLIST(struct lns_ppp_conf, "auth", auth, n_auth, conf_auth_aux),
	K_UINT(struct lns_ppp_conf, "mru", mru, 576, 1500, 1400),
	{ .name = "keepalive", .type = KT_SECTION, WHOLE(struct lns_ppp_conf),
	  .aux = &keepalive_schema },
	K_UINT(struct lns_ppp_conf, "auth-retries", auth_retries, 1, 10, 3),
	{ .name = "dns", .type = KT_CUSTOM, .parse = parse_dns, .dump = dump_dns,
	  .vtype = "list of 1-2 addresses" },
	K_UINT(struct lns_ppp_conf, "mss-clamp", mss_clamp, 536, 1460, 0, .flags = F_ZERO_OK),
	K_BOOL(struct lns_ppp_conf, "accept-proxy", accept_proxy, false),
	K_STR(struct lns_ppp_conf, "default-pool", default_pool, .flags = F_NONEMPTY),
	K_LIST(struct lns_ppp_conf, "pools", pools, pool_list),
	K_LIST(struct lns_ppp_conf, "users", users, user_list),
};
static const struct schema ppp_schema = SCHEMA(ppp_keys, .check = ppp_check);

/* --------------------------------------------------------------- static --- */

/* Key sizes of each ESP algorithm: cipher key (+ 4-byte salt for GCM), HMAC key. */
static const struct {
	uint8_t key, auth;
	const char *what;
} esp_key_len[LNS_ESP_ALG_MAX] = {
	[LNS_ESP_AES128_GCM16]  = { 20, 0,  "16-byte key + 4-byte salt" },
	[LNS_ESP_AES256_GCM16]  = { 36, 0,  "32-byte key + 4-byte salt" },
	[LNS_ESP_AES128_SHA1]   = { 16, 20, "AES-128 key" },
	[LNS_ESP_AES256_SHA1]   = { 32, 20, "AES-256 key" },
	[LNS_ESP_AES128_SHA256] = { 16, 32, "AES-128 key" },
	[LNS_ESP_AES256_SHA256] = { 32, 32, "AES-256 key" },
	[LNS_ESP_3DES_SHA1]     = { 24, 20, "3DES key (3 x 8 bytes)" },
	[LNS_ESP_3DES_SHA256]   = { 24, 32, "3DES key (3 x 8 bytes)" },
};

static int
sa_check(struct conf_ctx *ctx, void *obj, yaml_node_t *map, uint64_t seen)
{
	const struct lns_static_sa *sa = obj;
	const char *alg = conf_enum_name(&conf_esp_alg_aux, sa->alg);
	uint8_t kl = esp_key_len[sa->alg].key, al = esp_key_len[sa->alg].auth;
	static const char *const keys[] = { "key-in", "key-out", "auth-key-in", "auth-key-out" };
	const uint8_t lens[] = { sa->key_in_len, sa->key_out_len, sa->auth_key_in_len,
				 sa->auth_key_out_len };

	(void)seen;
	for (unsigned k = 0; k < 4; k++) {
		uint8_t want = k < 2 ? kl : al;
		bool given = conf_map_get(ctx->doc, map, keys[k]) != NULL;

		if (want == 0 && given)
			return conf_err_key(ctx, map, keys[k], "not used with %s", alg);
		if (want != 0 && !given)
			return conf_err_key(ctx, map, keys[k], "required key missing (for %s)",
					    alg);
		if (want != 0 && lens[k] != want)
			return conf_err_key(ctx, map, keys[k], "%s needs %u bytes (%u hex "
					    "digits%s%s), found %u", alg, want, want * 2u,
					    k < 2 ? ": " : "", k < 2 ? esp_key_len[sa->alg].what :
					    "", lens[k]);
	}
	if ((uint64_t)sa->spi_in + sa->count - 1 > UINT32_MAX ||
	    (uint64_t)sa->spi_out + sa->count - 1 > UINT32_MAX)
		return conf_err_key(ctx, map, "count", "%u copies run the SPIs past 0xffffffff",
				    sa->count);
	if (sa->peer == 0)
		return conf_err_key(ctx, map, "peer", "0.0.0.0 is not a usable address");
	if ((uint64_t)ntohl(sa->peer) + sa->count - 1 > UINT32_MAX)
		return conf_err_key(ctx, map, "count", "%u copies run the peer address past "
				    "255.255.255.255", sa->count);
	if (sa->udp_encap && (uint64_t)sa->peer_port + sa->count - 1 > 65535)
		return conf_err_key(ctx, map, "count", "%u copies run peer-port past 65535",
				    sa->count);
	return 0;
}

static int
sa_list_check(struct conf_ctx *ctx, void *obj, yaml_node_t *seq)
{
	const struct lns_static_conf *c = obj;

	for (uint32_t j = 1; j < c->n_sas; j++) {
		const struct lns_static_sa *b = &c->sas[j];
		yaml_node_t *it = conf_seq_get(ctx->doc, seq, j);

		for (uint32_t i = 0; i < j; i++) {
			const struct lns_static_sa *p = &c->sas[i];
			size_t saved = conf_path_push_idx(ctx, j);

			if (strcmp(p->name, b->name) == 0)
				return conf_err_key(ctx, it, "name", "duplicate SA name '%s' (also "
						    "at line %u)", b->name,
						    line_of(conf_seq_get(ctx->doc, seq, i)));
			/* an inbound SPI must name one SA */
			if ((uint64_t)b->spi_in <= (uint64_t)p->spi_in + p->count - 1 &&
			    (uint64_t)p->spi_in <= (uint64_t)b->spi_in + b->count - 1)
				return conf_err_key(ctx, it, "spi-in", "inbound SPIs overlap those "
						    "of SA '%s'", p->name);
			conf_path_pop(ctx, saved);
		}
	}
	return 0;
}

static const struct key_desc sa_keys[] = {
	K_STR(struct lns_static_sa, "name", name, .flags = F_REQUIRED | F_NONEMPTY),
	K_UINT(struct lns_static_sa, "spi-in", spi_in, 256, UINT32_MAX, 0, REQ),
	K_UINT(struct lns_static_sa, "spi-out", spi_out, 256, UINT32_MAX, 0, REQ),
	K_ADDR(struct lns_static_sa, "peer", peer, REQ),
	K_ENUM(struct lns_static_sa, "alg", alg, conf_esp_alg_aux, LNS_ESP_AES128_GCM16),
	K_ENUM(struct lns_static_sa, "mode", mode, mode_aux, LNS_MODE_TRANSPORT),
	K_BOOL(struct lns_static_sa, "udp-encap", udp_encap, false),
	K_UINT(struct lns_static_sa, "peer-port", peer_port, 1, 65535, 4500),
	K_HEX(struct lns_static_sa, "key-in", key_in, key_in_len),
	K_HEX(struct lns_static_sa, "key-out", key_out, key_out_len),
	K_HEX(struct lns_static_sa, "auth-key-in", auth_key_in, auth_key_in_len),
	K_HEX(struct lns_static_sa, "auth-key-out", auth_key_out, auth_key_out_len),
	K_UINT(struct lns_static_sa, "count", count, 1, 65536, 1),
};
static const struct schema sa_schema = SCHEMA(sa_keys, .check = sa_check);
static const struct list_desc sa_list = {
	.item = &sa_schema, .elem_size = sizeof(struct lns_static_sa),
	.max = LNS_CONF_MAX_STATIC, .cnt_off = offsetof(struct lns_static_conf, n_sas),
	.cnt_size = 2, .check = sa_list_check,
};

static int
tunnel_check(struct conf_ctx *ctx, void *obj, yaml_node_t *map, uint64_t seen)
{
	const struct lns_static_tunnel *t = obj;

	(void)seen;
	if ((uint32_t)t->local_id + t->count - 1 > 65535 ||
	    (uint32_t)t->peer_id + t->count - 1 > 65535)
		return conf_err_key(ctx, map, "count", "%u copies run the tunnel ids past 65535",
				    t->count);
	if (conf_map_get(ctx->doc, map, "peer") != NULL && t->peer == 0)
		return conf_err_key(ctx, map, "peer", "0.0.0.0 is not a usable address");
	if ((uint64_t)ntohl(t->peer) + t->count - 1 > UINT32_MAX)
		return conf_err_key(ctx, map, "count", "%u copies run the peer address past "
				    "255.255.255.255", t->count);
	return 0;
}

static int
tunnel_list_check(struct conf_ctx *ctx, void *obj, yaml_node_t *seq)
{
	const struct lns_static_conf *c = obj;

	for (uint32_t j = 1; j < c->n_tunnels; j++) {
		const struct lns_static_tunnel *b = &c->tunnels[j];

		for (uint32_t i = 0; i < j; i++) {
			const struct lns_static_tunnel *p = &c->tunnels[i];

			if (b->local_id <= p->local_id + p->count - 1 &&
			    p->local_id <= b->local_id + b->count - 1) {
				conf_path_push_idx(ctx, j);
				return conf_err_key(ctx, conf_seq_get(ctx->doc, seq, j), "local-id",
						    "tunnel ids overlap those of static.tunnels[%u]",
						    i);
			}
		}
	}
	return 0;
}

static const struct key_desc tunnel_keys[] = {
	K_UINT(struct lns_static_tunnel, "local-id", local_id, 1, 65535, 0, REQ),
	K_UINT(struct lns_static_tunnel, "peer-id", peer_id, 1, 65535, 0, REQ),
	K_ADDR(struct lns_static_tunnel, "peer", peer),
	K_UINT(struct lns_static_tunnel, "peer-port", peer_port, 1, 65535, 1701),
	K_STR(struct lns_static_tunnel, "sa", sa, .flags = F_NONEMPTY),
	K_STR(struct lns_static_tunnel, "profile", profile, .flags = F_NONEMPTY),
	K_UINT(struct lns_static_tunnel, "count", count, 1, 65535, 1),
	K_UINT(struct lns_static_tunnel, "sessions", sessions, 0, 65535, 1),
	K_STR(struct lns_static_tunnel, "pool", pool, .flags = F_NONEMPTY),
	K_STR(struct lns_static_tunnel, "policy", policy, .flags = F_NONEMPTY),
};
static const struct schema tunnel_schema = SCHEMA(tunnel_keys, .check = tunnel_check);
static const struct list_desc tunnel_list = {
	.item = &tunnel_schema, .elem_size = sizeof(struct lns_static_tunnel),
	.max = LNS_CONF_MAX_STATIC, .cnt_off = offsetof(struct lns_static_conf, n_tunnels),
	.cnt_size = 2, .check = tunnel_list_check,
};

static const struct key_desc static_keys[] = {
	K_LIST(struct lns_static_conf, "sas", sas, sa_list),
	K_LIST(struct lns_static_conf, "tunnels", tunnels, tunnel_list),
};
static const struct schema static_schema = SCHEMA(static_keys);

/* --------------------------------------------------------- limits, log --- */

static const struct key_desc limits_keys[] = {
	K_UINT(struct lns_limits_conf, "max-tunnels", max_tunnels, 1, 65535, 65535),
	K_UINT(struct lns_limits_conf, "max-sessions", max_sessions, 1, 1048576, 65536),
	K_UINT(struct lns_limits_conf, "max-sas", max_sas, 2, 2097152, 131072),
	K_UINT(struct lns_limits_conf, "mbufs", mbufs, 1024, 4194304, 16384),
	K_UINT(struct lns_limits_conf, "punt-ring-size", punt_ring_size, 64, 32768, 1024,
	       .flags = F_POW2),
	K_UINT(struct lns_limits_conf, "event-log-size", event_log_size, 64, 1048576, 4096),
	K_BOOL(struct lns_limits_conf, "allow-short-timers", allow_short_timers, false),
};
static const struct schema limits_schema = SCHEMA(limits_keys);

static const struct key_desc log_mod_keys[] = {
#define LOG_MOD_KEY(m) K_ENUM(struct lns_log_modules, #m, m, log_mod_aux, 0),
	LNS_LOG_MODULES(LOG_MOD_KEY)
#undef LOG_MOD_KEY
};
static const struct schema log_mod_schema = SCHEMA(log_mod_keys);

static const struct key_desc log_keys[] = {
	K_ENUM(struct lns_log_conf, "level", level, log_aux, 7),
	K_STR(struct lns_log_conf, "file", file, .flags = F_RESTART),
	K_SECTION(struct lns_log_conf, "modules", modules, log_mod_schema),
};
static const struct schema log_schema = SCHEMA(log_keys);

static const struct key_desc metrics_keys[] = {
	K_STR(struct lns_metrics_conf, "listen", listen),
};

/* "ADDRESS:PORT", IPv4 and a port 1..65535 */
static int
metrics_check(struct conf_ctx *ctx, void *obj, yaml_node_t *map, uint64_t seen)
{
	struct lns_metrics_conf *m = obj;
	char addr[LNS_CONF_NAME_MAX];
	const char *colon = strrchr(m->listen, ':');
	unsigned long port;
	uint32_t a;
	char *end;

	(void)seen;
	if (m->listen[0] == '\0')
		return 0;
	if (colon == NULL || (size_t)(colon - m->listen) >= sizeof(addr))
		return conf_err_key(ctx, map, "listen", "expected ADDRESS:PORT, e.g. 127.0.0.1:9100");
	memcpy(addr, m->listen, (size_t)(colon - m->listen));
	addr[colon - m->listen] = '\0';
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (conf_parse_addr(addr, &a) != 0)
		return conf_err_key(ctx, map, "listen", "'%s' is not an IPv4 address", addr);
	if (errno != 0 || *end != '\0' || colon[1] == '\0' || port < 1 || port > 65535)
		return conf_err_key(ctx, map, "listen", "port must be 1 to 65535");
	m->addr = a;
	m->port = (uint16_t)port;
	return 0;
}
static const struct schema metrics_schema = SCHEMA(metrics_keys, .check = metrics_check);

/* --------------------------------------------------------------- radius --- */

static int
radius_server_check(struct conf_ctx *ctx, void *obj, yaml_node_t *map, uint64_t seen)
{
	const struct lns_radius_server_conf *s = obj;

	(void)seen;
	if (s->address == 0)
		return conf_err_key(ctx, map, "address", "0.0.0.0 is not a server address");
	if (!s->secret.set)
		return conf_err_key(ctx, map, "secret", "required key missing (give 'secret' "
				    "or 'secret-file')");
	if (s->auth_port == 0 && s->acct_port == 0)
		return conf_err_key(ctx, map, "auth-port", "auth-port and acct-port are both 0: "
				    "the server would serve nothing");
	return 0;
}

static const struct key_desc radius_server_keys[] = {
	K_ADDR(struct lns_radius_server_conf, "address", address, REQ),
	K_UINT(struct lns_radius_server_conf, "auth-port", auth_port, 1, 65535, 1812,
	       .flags = F_ZERO_OK),
	K_UINT(struct lns_radius_server_conf, "acct-port", acct_port, 1, 65535, 1813,
	       .flags = F_ZERO_OK),
	K_SECRET(struct lns_radius_server_conf, "secret", secret, 1),
	K_SECRET_FILE(struct lns_radius_server_conf, "secret-file", secret, 1, .flags = F_NODUMP),
};
static const struct schema radius_server_schema = SCHEMA(radius_server_keys,
							 .check = radius_server_check);
static const struct list_desc radius_server_list = {
	.item = &radius_server_schema, .elem_size = sizeof(struct lns_radius_server_conf),
	.max = LNS_CONF_MAX_RADIUS_SERVERS,
	.cnt_off = offsetof(struct lns_radius_conf, n_servers), .cnt_size = 2,
};

static int
das_client_check(struct conf_ctx *ctx, void *obj, yaml_node_t *map, uint64_t seen)
{
	const struct lns_das_client_conf *c = obj;

	(void)seen;
	if (c->address == 0)
		return conf_err_key(ctx, map, "address", "0.0.0.0 is not a client address");
	if (!c->secret.set)
		return conf_err_key(ctx, map, "secret", "required key missing (give 'secret' "
				    "or 'secret-file')");
	return 0;
}

static const struct key_desc das_client_keys[] = {
	K_ADDR(struct lns_das_client_conf, "address", address, REQ),
	K_SECRET(struct lns_das_client_conf, "secret", secret, 1),
	K_SECRET_FILE(struct lns_das_client_conf, "secret-file", secret, 1, .flags = F_NODUMP),
};
static const struct schema das_client_schema = SCHEMA(das_client_keys,
						      .check = das_client_check);
static const struct list_desc das_client_list = {
	.item = &das_client_schema, .elem_size = sizeof(struct lns_das_client_conf),
	.max = LNS_CONF_MAX_DAS_CLIENTS,
	.cnt_off = offsetof(struct lns_radius_conf, n_das_clients), .cnt_size = 2,
};

static int
radius_check(struct conf_ctx *ctx, void *obj, yaml_node_t *map, uint64_t seen)
{
	struct lns_radius_conf *r = obj;

	(void)seen;
	if (map == NULL)
		return 0;
	if (r->authenticate && r->n_servers == 0)
		return conf_err_key(ctx, map, "authenticate", "RADIUS authentication needs at "
				    "least one server in radius.servers");
	if (conf_map_get(ctx->doc, map, "accounting") == NULL)
		r->accounting = r->n_servers > 0;
	else if (r->accounting && r->n_servers == 0)
		return conf_err_key(ctx, map, "accounting", "RADIUS accounting needs at least "
				    "one server in radius.servers");
	return 0;
}

static const struct key_desc radius_keys[] = {
	K_BOOL(struct lns_radius_conf, "authenticate", authenticate, false),
	K_BOOL(struct lns_radius_conf, "local-fallback", local_fallback, false),
	K_BOOL(struct lns_radius_conf, "accounting", accounting, false),
	K_BOOL(struct lns_radius_conf, "auth-after-accounting-on", auth_after_acct_on, true),
	K_STR(struct lns_radius_conf, "nas-identifier", nas_identifier, .flags = F_NONEMPTY),
	K_ADDR(struct lns_radius_conf, "nas-ip-address", nas_ip_address),
	K_UINT(struct lns_radius_conf, "timeout-ms", timeout_ms, 100, 60000, 3000),
	K_UINT(struct lns_radius_conf, "retries", retries, 0, 10, 2),
	K_UINT(struct lns_radius_conf, "hold-down", hold_down, 1, 3600, 30),
	K_UINT(struct lns_radius_conf, "interim-interval", interim_interval, 60, 86400, 0,
	       .flags = F_ZERO_OK | F_SHORT_TIMER),
	K_UINT(struct lns_radius_conf, "acct-queue", acct_queue, 16, 1048576, 65536),
	K_STR(struct lns_radius_conf, "spool", spool, .flags = F_NONEMPTY | F_RESTART),
	K_LIST(struct lns_radius_conf, "servers", servers, radius_server_list),
	K_ADDR(struct lns_radius_conf, "das-address", das_address, .flags = F_RESTART),
	K_UINT(struct lns_radius_conf, "das-port", das_port, 1, 65535, 3799, .flags = F_RESTART),
	K_UINT(struct lns_radius_conf, "das-window", das_window, 1, 3600, 300,
	       .flags = F_ZERO_OK),
	K_LIST(struct lns_radius_conf, "das-clients", das_clients, das_client_list),
};
static const struct schema radius_schema = SCHEMA(radius_keys, .check = radius_check);

/* ----------------------------------------------------------------- node --- */

static const struct key_desc node_keys[] = {
	K_STR(struct lns_node_conf, "name", name, .flags = F_NONEMPTY),
	K_BOOL(struct lns_node_conf, "drain", drain, false),
};
static const struct schema node_schema = SCHEMA(node_keys);

/* node.name defaults to the host name, radius.nas-identifier to node.name */
static void
node_defaults(struct lns_conf *c)
{
	if (c->node.name[0] == '\0' &&
	    (gethostname(c->node.name, sizeof(c->node.name)) != 0 || c->node.name[0] == '\0'))
		snprintf(c->node.name, sizeof(c->node.name), "lnsd");
	c->node.name[sizeof(c->node.name) - 1] = '\0';
	if (c->radius.nas_identifier[0] == '\0')
		memcpy(c->radius.nas_identifier, c->node.name, sizeof(c->node.name));
}

/* ------------------------------------------------------------------ top --- */

static int
parse_eal(struct conf_ctx *ctx, const struct key_desc *d, yaml_node_t *v, void *obj)
{
	struct lns_conf *c = obj;
	uint32_t n;

	(void)d;
	if (v->type != YAML_SEQUENCE_NODE)
		return conf_err(ctx, v, "expected a list of strings, found %s", conf_node_kind(v));
	n = (uint32_t)(v->data.sequence.items.top - v->data.sequence.items.start);
	if (n > LNS_CONF_MAX_EAL_ARGS)
		return conf_err(ctx, v, "too many arguments (at most %d)", LNS_CONF_MAX_EAL_ARGS);
	for (uint32_t i = 0; i < n; i++) {
		yaml_node_t *it = conf_seq_get(ctx->doc, v, i);
		size_t saved = conf_path_push_idx(ctx, i);
		const char *s;

		if (conf_scalar(ctx, it, "a string", &s) < 0)
			return -1;
		if (s[0] == '\0')
			return conf_err(ctx, it, "must not be empty");
		c->eal_args[i] = strdup(s);
		if (c->eal_args[i] == NULL)
			return conf_err(ctx, it, "out of memory");
		c->n_eal_args = (uint16_t)(i + 1);
		conf_path_pop(ctx, saved);
	}
	return 0;
}

static void
dump_eal(FILE *out, const struct key_desc *d, const void *obj, int indent)
{
	const struct lns_conf *c = obj;

	fprintf(out, "%*s%s: [", indent, "", d->name);
	for (uint16_t i = 0; i < c->n_eal_args; i++) {
		fputs(i > 0 ? ", \"" : "\"", out);
		for (const char *s = c->eal_args[i]; *s != '\0'; s++) {
			if (*s == '"' || *s == '\\')
				fputc('\\', out);
			fputc(*s, out);
		}
		fputc('"', out);
	}
	fputs("]\n", out);
}

static const struct lns_dest_profile *
find_dprof(const struct lns_l2tp_conf *c, const char *name)
{
	for (uint32_t i = 0; i < c->n_profiles; i++)
		if (strcmp(c->profiles[i].name, name) == 0)
			return &c->profiles[i];
	return NULL;
}

static const struct lns_static_sa *
find_sa(const struct lns_static_conf *c, const char *name)
{
	for (uint32_t i = 0; i < c->n_sas; i++)
		if (strcmp(c->sas[i].name, name) == 0)
			return &c->sas[i];
	return NULL;
}

/* References from static tunnels to SAs, profiles and pools; totals against limits. */
static int
static_refs_check(struct conf_ctx *ctx, struct lns_conf *c, yaml_node_t *root)
{
	yaml_node_t *smap = conf_map_get(ctx->doc, root, "static");
	uint64_t used[LNS_CONF_MAX_POOLS] = { 0 }, tunnels = 0, sessions = 0, sas = 0;
	char a[INET_ADDRSTRLEN], msg[256];

	conf_path_set(ctx, "static");
	for (uint32_t i = 0; i < c->stat.n_tunnels; i++) {
		struct lns_static_tunnel *t = &c->stat.tunnels[i];
		const struct lns_static_sa *sa = NULL;
		const struct lns_dest_profile *dp = &c->l2tp.defaults;
		const char *pool = t->pool[0] != '\0' ? t->pool : c->ppp.default_pool;

		if (t->sa[0] != '\0') {
			sa = find_sa(&c->stat, t->sa);
			if (sa == NULL) {
				snprintf(msg, sizeof(msg), "unknown SA '%s'", t->sa);
				return item_err(ctx, smap, "tunnels", i, "sa", msg);
			}
			if (sa->count < t->count) {
				snprintf(msg, sizeof(msg), "%u tunnels need %u copies of SA '%s', "
					 "which has count %u", t->count, t->count, sa->name,
					 sa->count);
				return item_err(ctx, smap, "tunnels", i, "count", msg);
			}
			if (t->peer != 0 && t->peer != sa->peer) {
				snprintf(msg, sizeof(msg), "differs from the peer of SA '%s' (%s)",
					 sa->name, ip_str(sa->peer, a));
				return item_err(ctx, smap, "tunnels", i, "peer", msg);
			}
			t->peer = sa->peer;
		} else if (t->peer == 0) {
			return item_err(ctx, smap, "tunnels", i, "peer", "required key missing "
					"(a tunnel without 'sa' needs the peer's address)");
		}
		if (t->profile[0] != '\0') {
			dp = find_dprof(&c->l2tp, t->profile);
			if (dp == NULL) {
				snprintf(msg, sizeof(msg), "unknown destination profile '%s'",
					 t->profile);
				return item_err(ctx, smap, "tunnels", i, "profile", msg);
			}
		} else {
			dp = lns_conf_dest_profile(c, t->peer, NULL);
		}
		if (sa == NULL && !dp->allow_nonsecure) {
			snprintf(msg, sizeof(msg), "a tunnel without 'sa' is non-secure, but its "
				 "destination profile '%s' lacks allow-nonsecure: true",
				 dp->name[0] != '\0' ? dp->name : "(l2tp defaults)");
			return item_err(ctx, smap, "tunnels", i, "sa", msg);
		}
		if (t->sessions > 0) {
			uint64_t need = (uint64_t)t->count * t->sessions, size;
			int p;

			if (pool[0] == '\0')
				return item_err(ctx, smap, "tunnels", i, "pool", "required key "
						"missing (sessions need addresses; or set "
						"ppp.default-pool)");
			p = find_pool(&c->ppp, pool);
			if (p < 0) {
				snprintf(msg, sizeof(msg), "unknown pool '%s'", pool);
				return item_err(ctx, smap, "tunnels", i, "pool", msg);
			}
			size = (uint64_t)ntohl(c->ppp.pools[p].last) -
			       ntohl(c->ppp.pools[p].first) + 1;
			if (used[p] + need > size) {
				snprintf(msg, sizeof(msg), "%llu sessions need more addresses than "
					 "pool '%s' has left (%llu of %llu)",
					 (unsigned long long)need, pool,
					 (unsigned long long)(size - used[p]),
					 (unsigned long long)size);
				return item_err(ctx, smap, "tunnels", i, "sessions", msg);
			}
			used[p] += need;
		}
		tunnels += t->count;
		sessions += (uint64_t)t->count * t->sessions;
		if (tunnels > c->limits.max_tunnels) {
			snprintf(msg, sizeof(msg), "static tunnels reach %llu, more than "
				 "limits.max-tunnels (%u)", (unsigned long long)tunnels,
				 c->limits.max_tunnels);
			return item_err(ctx, smap, "tunnels", i, "count", msg);
		}
		if (sessions > c->limits.max_sessions) {
			snprintf(msg, sizeof(msg), "static sessions reach %llu, more than "
				 "limits.max-sessions (%u)", (unsigned long long)sessions,
				 c->limits.max_sessions);
			return item_err(ctx, smap, "tunnels", i, "sessions", msg);
		}
	}
	for (uint32_t i = 0; i < c->stat.n_sas; i++) {
		uint8_t alg = c->stat.sas[i].alg;

		/* manual keys take the same legacy switch as negotiated ones */
		if ((alg == LNS_ESP_3DES_SHA1 || alg == LNS_ESP_3DES_SHA256) &&
		    !c->ipsec.allow_3des)
			return item_err(ctx, smap, "sas", i, "alg",
					"3des is weak and needs ipsec.allow-3des: true");
		sas += 2ull * c->stat.sas[i].count;   /* one inbound, one outbound */
		if (sas > c->limits.max_sas) {
			snprintf(msg, sizeof(msg), "static SAs reach %llu, more than "
				 "limits.max-sas (%u)", (unsigned long long)sas,
				 c->limits.max_sas);
			return item_err(ctx, smap, "sas", i, "count", msg);
		}
	}
	return 0;
}

static int policy_refs_check(struct conf_ctx *ctx, const struct lns_conf *c,
			     yaml_node_t *map);

static int
root_check(struct conf_ctx *ctx, void *obj, yaml_node_t *map, uint64_t seen)
{
	struct lns_conf *c = obj;
	yaml_node_t *pmap = conf_map_get(ctx->doc, map, "ports");
	const struct lns_port_conf *acc = &c->ports[LNS_PORT_ACCESS];
	const struct lns_port_conf *core = &c->ports[LNS_PORT_CORE];
	char a[INET_ADDRSTRLEN];

	(void)seen;
	node_defaults(c);
	if (policy_refs_check(ctx, c, map) != 0)
		return -1;
	/* a profile's LCP keepalive not given (nor under l2tp:) is ppp.keepalive's */
	for (int i = -1; i < (int)c->l2tp.n_profiles; i++) {
		struct lns_dest_profile *dp = i < 0 ? &c->l2tp.defaults : &c->l2tp.profiles[i];

		if (dp->keepalive_interval == LNS_CONF_KEEPALIVE_INHERIT)
			dp->keepalive_interval = c->ppp.keepalive_interval;
		if (dp->keepalive_failures == LNS_CONF_KEEPALIVE_INHERIT)
			dp->keepalive_failures = c->ppp.keepalive_failures;
	}
	/* a profile (or the l2tp default) that authenticates by RADIUS needs servers */
	for (int i = -1; i < (int)c->l2tp.n_profiles; i++) {
		const struct lns_dest_profile *dp = i < 0 ? &c->l2tp.defaults :
						    &c->l2tp.profiles[i];

		if (dp->authentication != LNS_AUTHN_RADIUS || c->radius.n_servers > 0)
			continue;
		if (i < 0) {
			conf_path_set(ctx, "l2tp");
			return conf_err_key(ctx, conf_map_get(ctx->doc, map, "l2tp"),
					    "authentication", "'radius' needs radius.servers");
		}
		conf_path_set(ctx, "l2tp.destination-profiles[%d]", i);
		return conf_err_key(ctx, conf_seq_get(ctx->doc, conf_map_get(ctx->doc,
				    conf_map_get(ctx->doc, map, "l2tp"), "destination-profiles"),
				    (uint32_t)i), "authentication",
				    "'radius' needs radius.servers");
	}
	for (int r = 0; r < LNS_PORT_ROLE_MAX; r++) {
		struct lns_port_conf *p = &c->ports[r];
		yaml_node_t *v = conf_map_get(ctx->doc, conf_map_get(ctx->doc, pmap,
					      lns_port_role_name(r)), "profile");

		if (p->profile.name[0] == '\0')
			continue;
		conf_path_set(ctx, "ports.%s.profile", lns_port_role_name(r));
		if (load_profile(ctx, &p->profile, v) < 0)
			return -1;
	}
	if (prefix_has(acc->address.len < core->address.len ? &acc->address : &core->address,
		       acc->address.len < core->address.len ? core->address.addr :
		       acc->address.addr)) {
		conf_path_set(ctx, "ports.core");
		return conf_err_key(ctx, conf_map_get(ctx->doc, pmap, "core"), "address",
				    "overlaps the access port's subnet %s/%u",
				    ip_str(acc->address.addr & conf_mask(acc->address.len), a),
				    acc->address.len);
	}
	return static_refs_check(ctx, c, map);
}

/* ------------------------------------------------------------- policies --- */

#define RATE_MAX 400000000000ull /* 400 Gbit/s */

static int
policy_dir_check(struct conf_ctx *ctx, yaml_node_t *map, struct lns_policy_dir *d,
		 const char *pfx)
{
	char k[32];

	if (d->rate == 0) {
		if (d->peak_rate != 0 || d->burst != 0 || d->peak_burst != 0) {
			snprintf(k, sizeof(k), "%s-rate", pfx);
			return conf_err_key(ctx, map, k, "required by the other %s- keys", pfx);
		}
		return 0;
	}
	if (d->burst == 0)
		d->burst = d->rate / 80 > 3000 ? d->rate / 80 : 3000; /* 100 ms, >= 2 full frames */
	if (d->peak_rate != 0 && d->peak_rate < d->rate) {
		snprintf(k, sizeof(k), "%s-peak-rate", pfx);
		return conf_err_key(ctx, map, k, "lower than %s-rate", pfx);
	}
	if (d->peak_burst == 0)
		d->peak_burst = d->burst;
	return 0;
}

static int
policy_check(struct conf_ctx *ctx, void *obj, yaml_node_t *map, uint64_t seen)
{
	struct lns_policy_conf *p = obj;

	(void)seen;
	if (policy_dir_check(ctx, map, &p->up, "up") != 0 ||
	    policy_dir_check(ctx, map, &p->down, "down") != 0)
		return -1;
	return 0;
}

static int
policy_list_check(struct conf_ctx *ctx, void *obj, yaml_node_t *seq)
{
	const struct lns_conf *c = obj;

	for (uint32_t j = 1; j < c->n_policies; j++)
		for (uint32_t i = 0; i < j; i++)
			if (strcmp(c->policies[i].name, c->policies[j].name) == 0) {
				size_t saved = conf_path_push_idx(ctx, j);

				conf_err_key(ctx, conf_seq_get(ctx->doc, seq, j), "name",
					     "duplicate policy '%s'", c->policies[j].name);
				conf_path_pop(ctx, saved);
				return -1;
			}
	return 0;
}

static const struct key_desc policy_keys[] = {
	K_STR(struct lns_policy_conf, "name", name, .flags = F_REQUIRED | F_NONEMPTY),
	K_UINT(struct lns_policy_conf, "up-rate", up.rate, 0, RATE_MAX, 0),
	K_UINT(struct lns_policy_conf, "up-burst", up.burst, 1500, UINT32_MAX, 0),
	K_UINT(struct lns_policy_conf, "up-peak-rate", up.peak_rate, 0, RATE_MAX, 0),
	K_UINT(struct lns_policy_conf, "up-peak-burst", up.peak_burst, 1500, UINT32_MAX, 0),
	K_UINT(struct lns_policy_conf, "down-rate", down.rate, 0, RATE_MAX, 0),
	K_UINT(struct lns_policy_conf, "down-burst", down.burst, 1500, UINT32_MAX, 0),
	K_UINT(struct lns_policy_conf, "down-peak-rate", down.peak_rate, 0, RATE_MAX, 0),
	K_UINT(struct lns_policy_conf, "down-peak-burst", down.peak_burst, 1500, UINT32_MAX, 0),
	K_ENUM(struct lns_policy_conf, "exceed-action", exceed_action, exceed_aux,
	       LNS_EXCEED_DROP),
	K_UINT(struct lns_policy_conf, "exceed-dscp", exceed_dscp, 0, 63, 0),
};
static const struct schema policy_schema = SCHEMA(policy_keys, .check = policy_check);
static const struct list_desc policy_list = {
	.item = &policy_schema, .elem_size = sizeof(struct lns_policy_conf),
	.max = LNS_CONF_MAX_POLICIES, .cnt_off = offsetof(struct lns_conf, n_policies),
	.cnt_size = 2, .check = policy_list_check,
};

/* Every policy a user, profile or static tunnel names must exist. */
static int
policy_refs_check(struct conf_ctx *ctx, const struct lns_conf *c, yaml_node_t *map)
{
	for (int i = -1; i < (int)c->l2tp.n_profiles; i++) {
		const char *n = i < 0 ? c->l2tp.defaults.policy : c->l2tp.profiles[i].policy;

		if (n[0] != '\0' && lns_conf_policy_find(c, n) < 0)
			return conf_err(ctx, map, "l2tp%s: policy '%s' is not in policies",
					i < 0 ? "" : " destination profile", n);
	}
	for (uint32_t i = 0; i < c->ppp.n_users; i++)
		if (c->ppp.users[i].policy[0] != '\0' &&
		    lns_conf_policy_find(c, c->ppp.users[i].policy) < 0)
			return conf_err(ctx, map, "ppp.users[%u] (%s): policy '%s' is not in "
					"policies", i, c->ppp.users[i].name, c->ppp.users[i].policy);
	for (uint16_t i = 0; i < c->stat.n_tunnels; i++)
		if (c->stat.tunnels[i].policy[0] != '\0' &&
		    lns_conf_policy_find(c, c->stat.tunnels[i].policy) < 0)
			return conf_err(ctx, map, "static.tunnels[%u]: policy '%s' is not in "
					"policies", i, c->stat.tunnels[i].policy);
	return 0;
}

static const struct key_desc root_keys[] = {
	{ .name = "eal", .type = KT_CUSTOM, .flags = F_RESTART, .parse = parse_eal,
	  .dump = dump_eal, .vtype = "list of strings" },
	K_STR(struct lns_conf, "profile-dir", profile_dir, .flags = F_NONEMPTY | F_RESTART),
	K_SECTION(struct lns_conf, "node", node, node_schema, .flags = F_RESTART),
	{ .name = "ports", .type = KT_SECTION, WHOLE(struct lns_conf), .aux = &ports_schema,
	  REQ },
	K_SECTION(struct lns_conf, "ipsec", ipsec, ipsec_schema),
	K_SECTION(struct lns_conf, "l2tp", l2tp, l2tp_schema),
	K_SECTION(struct lns_conf, "ppp", ppp, ppp_schema),
	K_SECTION(struct lns_conf, "static", stat, static_schema, .flags = F_RESTART),
	K_SECTION(struct lns_conf, "limits", limits, limits_schema, .flags = F_RESTART),
	K_SECTION(struct lns_conf, "log", log, log_schema),
	K_SECTION(struct lns_conf, "metrics", metrics, metrics_schema),
	/* live but for the spool and the DAS socket; what lnsd made only at start
	 * (the RADIUS client, the DAS listener) is named by lns_ctl_aaa_reload_check() */
	K_SECTION(struct lns_conf, "radius", radius, radius_schema),
	/* live as long as the names stay the same (lib/ctl/ctl_reload.c) */
	K_LIST(struct lns_conf, "policies", policies, policy_list),
};
const struct schema conf_root_schema = SCHEMA(root_keys, .check = root_check);
