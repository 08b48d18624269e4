/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/conf public entry points: load (file or string), free, destination-profile
 * lookup, dump, enum names. The parsing itself is conf_parse.c walking the
 * tables of conf_schema.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conf_priv.h"

static struct lns_conf *
load_text(const unsigned char *text, size_t len, const char *name, char *err, size_t errlen)
{
	char local[LNS_CONF_ERR_MAX];
	struct lns_conf *conf;
	struct conf_ctx *ctx;
	const char *slash = strrchr(name, '/');

	if (err == NULL || errlen == 0) {
		err = local;
		errlen = sizeof(local);
	}
	err[0] = '\0';
	conf = calloc(1, sizeof(*conf));
	ctx = calloc(1, sizeof(*ctx));
	if (conf == NULL || ctx == NULL) {
		snprintf(err, errlen, "%s: out of memory", name);
		free(conf);
		free(ctx);
		return NULL;
	}
	snprintf(conf->path, sizeof(conf->path), "%s", name);
	ctx->file = name;
	ctx->err = err;
	ctx->errlen = errlen;
	ctx->conf = conf;
	if (slash == NULL)
		snprintf(ctx->dir, sizeof(ctx->dir), ".");
	else if (slash == name)
		snprintf(ctx->dir, sizeof(ctx->dir), "/");
	else
		snprintf(ctx->dir, sizeof(ctx->dir), "%.*s", (int)(slash - name), name);

	conf_apply_defaults(&conf_root_schema, conf);
	if (conf_parse_text(ctx, text, len, &conf_root_schema, conf) < 0) {
		if (err[0] == '\0')
			snprintf(err, errlen, "%s: invalid configuration", name);
		lns_conf_free(conf);
		conf = NULL;
	} else {
		/* policer slots in file order; a reload maps them by name instead */
		for (uint16_t i = 0; i < conf->n_policies; i++) {
			conf->policies[i].slot = i;
			memcpy(conf->policy_slot_names[i], conf->policies[i].name,
			       sizeof(conf->policy_slot_names[i]));
		}
	}
	free(ctx);
	return conf;
}

struct lns_conf *
lns_conf_load_string(const char *yaml, const char *name, char *err, size_t errlen)
{
	return load_text((const unsigned char *)yaml, strlen(yaml),
			 name != NULL ? name : "<string>", err, errlen);
}

struct lns_conf *
lns_conf_load(const char *path, char *err, size_t errlen)
{
	unsigned char *text;
	struct lns_conf *conf;
	size_t len;
	int rc = conf_read_all(path, &text, &len);

	if (rc < 0) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "%s: cannot read: %s", path, strerror(-rc));
		return NULL;
	}
	conf = load_text(text, len, path, err, errlen);
	explicit_bzero(text, len);   /* inline secrets */
	free(text);
	return conf;
}

void
lns_conf_free(struct lns_conf *conf)
{
	if (conf == NULL)
		return;
	for (uint16_t i = 0; i < conf->n_eal_args; i++)
		free(conf->eal_args[i]);
	if (conf->ppp.users != NULL) {
		explicit_bzero(conf->ppp.users, conf->ppp.n_users * sizeof(*conf->ppp.users));
		free(conf->ppp.users);
	}
	/* PSKs, passwords, tunnel passwords and static keys all live in here */
	explicit_bzero(conf, sizeof(*conf));
	free(conf);
}

int
lns_conf_policy_find(const struct lns_conf *conf, const char *name)
{
	for (uint16_t i = 0; i < conf->n_policies; i++)
		if (strcmp(conf->policies[i].name, name) == 0)
			return conf->policies[i].slot;
	return -1;
}

const char *
lns_conf_policy_name(const struct lns_conf *conf, int slot)
{
	if (slot < 0 || slot >= LNS_CONF_POLICY_SLOTS || conf->policy_slot_names[slot][0] == '\0')
		return NULL;
	return conf->policy_slot_names[slot];
}

const struct lns_dest_profile *
lns_conf_dest_profile(const struct lns_conf *conf, uint32_t peer, const char *host_name)
{
	for (uint16_t i = 0; i < conf->l2tp.n_profiles; i++) {
		const struct lns_dest_profile *p = &conf->l2tp.profiles[i];

		if (p->match_peer_set) {
			uint32_t m = conf_mask(p->match_peer.len);

			if ((peer & m) != (p->match_peer.addr & m))
				continue;
		}
		if (p->match_host_name[0] != '\0' &&
		    (host_name == NULL || strcmp(host_name, p->match_host_name) != 0))
			continue;
		return p;
	}
	return &conf->l2tp.defaults;
}

void
lns_conf_dump(const struct lns_conf *conf, FILE *out)
{
	fprintf(out, "# lnsd effective configuration, from %s (secrets shown as ***)\n",
		conf->path);
	conf_dump_map(out, &conf_root_schema, conf, 0, false);
}

const char *
lns_esp_alg_name(enum lns_esp_alg alg)
{
	return conf_enum_name(&conf_esp_alg_aux, alg);
}

const char *
lns_ike_alg_name(enum lns_ike_alg alg)
{
	return conf_enum_name(&conf_ike_alg_aux, alg);
}

const char *
lns_ppp_auth_name(enum lns_ppp_auth a)
{
	return conf_enum_name(&conf_auth_aux, a);
}

const char *
lns_port_role_name(enum lns_port_role r)
{
	switch (r) {
	case LNS_PORT_ACCESS: return "access";
	case LNS_PORT_CORE:   return "core";
	default:              return "?";
	}
}
