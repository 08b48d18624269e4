/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reload support: the difference between two configurations, key by key, and the
 * restart-only keys carried over from the running configuration into a new one.
 *
 * Both walk the same schema tables the parser and lns_conf_dump() use, so a new
 * key is diffed and reloaded without code here: it is live unless its descriptor
 * (or a section or list above it) carries F_RESTART.
 */
#include <stdlib.h>
#include <string.h>

#include "conf_priv.h"

#define VAL_MAX 160

struct diff_ctx {
	lns_conf_change_fn fn;
	void *arg;
	char path[512];
	unsigned n;
};

/* The key's value as lns_conf_dump() would print it, on one line; "" when absent. */
static void
render(const struct key_desc *d, const void *obj, char *out, size_t size)
{
	char *buf = NULL;
	size_t len = 0, j = 0;
	FILE *m = open_memstream(&buf, &len);

	out[0] = '\0';
	if (m == NULL)
		return;
	if (d->dump != NULL)
		d->dump(m, d, obj, 0);
	else
		(void)conf_put_scalar(m, d, obj);
	fclose(m);
	if (buf == NULL)
		return;
	/* a custom dump prints "name: value" lines: keep the values, one line */
	{
		const char *s = buf;
		size_t nl = strlen(d->name);

		while (*s == ' ')
			s++;
		if (d->dump != NULL && strncmp(s, d->name, nl) == 0 && s[nl] == ':')
			s += nl + 1;
		for (; *s != '\0' && j + 1 < size; s++) {
			char c = *s == '\n' ? ' ' : *s;

			if (c == ' ' && (j == 0 || out[j - 1] == ' '))
				continue;
			out[j++] = c;
		}
		while (j > 0 && out[j - 1] == ' ')
			j--;
		out[j] = '\0';
	}
	free(buf);
}

/* Secrets are compared by their bytes; the rendering only says "***". */
static bool
raw_differs(const struct key_desc *d, const char *a, const char *b)
{
	switch (d->type) {
	case KT_SECRET:
	case KT_SECRET_FILE: {
		const struct lns_secret *x = (const void *)(a + d->off);
		const struct lns_secret *y = (const void *)(b + d->off);

		return x->set != y->set || x->len != y->len ||
		       memcmp(x->value, y->value, x->len) != 0;
	}
	case KT_NTHASH:
	case KT_NTHASH_FILE:
		return memcmp(a + d->off, b + d->off, d->size) != 0 ||
		       (d->has_set && *(const bool *)(a + d->set_off) !=
				      *(const bool *)(b + d->set_off));
	case KT_HEX:
		return *(const uint8_t *)(a + d->cnt_off) != *(const uint8_t *)(b + d->cnt_off) ||
		       memcmp(a + d->off, b + d->off, d->size) != 0;
	default:
		return false;
	}
}

static void
emit(struct diff_ctx *x, const char *what, const char *ov, const char *nv, bool restart)
{
	struct lns_conf_change c = {
		.path = x->path, .what = what, .old_v = ov, .new_v = nv, .restart = restart,
	};

	x->n++;
	if (x->fn != NULL)
		x->fn(x->arg, &c);
}

/* The name of a list item, when its schema has a "name" key; else NULL. */
static const char *
item_name(const struct schema *s, const void *item)
{
	int i = conf_key_index(s, "name");
	size_t base;
	const struct key_desc *d;

	if (i < 0)
		return NULL;
	d = conf_key_at(s, (unsigned)i, &base);
	return d->type == KT_STR ? (const char *)item + base + d->off : NULL;
}

static void diff_map(struct diff_ctx *x, const struct schema *s, const char *a, const char *b,
		     bool restart);

static void
diff_list(struct diff_ctx *x, const struct key_desc *d, const char *a, const char *b,
	  bool restart)
{
	const struct list_desc *l = d->aux;
	uint32_t na = (uint32_t)conf_get_uint(a + l->cnt_off, l->cnt_size);
	uint32_t nb = (uint32_t)conf_get_uint(b + l->cnt_off, l->cnt_size);
	const char *aa = l->heap ? *(const char *const *)(a + d->off) : a + d->off;
	const char *ab = l->heap ? *(const char *const *)(b + d->off) : b + d->off;
	size_t len = strlen(x->path);
	char idx[16];

	/* (an empty old list too: what is added is named, not numbered) */
	if ((na > 0 || nb > 0) && item_name(l->item, na > 0 ? aa : ab) != NULL) {
		/* matched by name: users, pools, profiles, policies keep their identity */
		for (uint32_t i = 0; i < na; i++) {
			const char *ia = aa + (size_t)i * l->elem_size;
			const char *nm = item_name(l->item, ia);
			uint32_t j;

			for (j = 0; j < nb; j++)
				if (strcmp(item_name(l->item, ab + (size_t)j * l->elem_size), nm) == 0)
					break;
			snprintf(x->path + len, sizeof(x->path) - len, "[%s]", nm);
			if (j == nb)
				emit(x, "removed", "", "", restart);
			else
				diff_map(x, l->item, ia, ab + (size_t)j * l->elem_size, restart);
			x->path[len] = '\0';
		}
		for (uint32_t j = 0; j < nb; j++) {
			const char *nm = item_name(l->item, ab + (size_t)j * l->elem_size);
			uint32_t i;

			for (i = 0; i < na; i++)
				if (strcmp(item_name(l->item, aa + (size_t)i * l->elem_size), nm) == 0)
					break;
			if (i < na)
				continue;
			snprintf(x->path + len, sizeof(x->path) - len, "[%s]", nm);
			emit(x, "added", "", "", restart);
			x->path[len] = '\0';
		}
		return;
	}
	/* by position: PSKs, RADIUS servers, static entries */
	for (uint32_t i = 0; i < (na > nb ? na : nb); i++) {
		snprintf(idx, sizeof(idx), "%u", i);
		snprintf(x->path + len, sizeof(x->path) - len, "[%s]", idx);
		if (i >= nb)
			emit(x, "removed", "", "", restart);
		else if (i >= na)
			emit(x, "added", "", "", restart);
		else
			diff_map(x, l->item, aa + (size_t)i * l->elem_size,
				 ab + (size_t)i * l->elem_size, restart);
		x->path[len] = '\0';
	}
}

static void
diff_map(struct diff_ctx *x, const struct schema *s, const char *a, const char *b, bool restart)
{
	unsigned nk = s->n + (s->incl != NULL ? s->incl->n : 0);

	for (unsigned i = 0; i < nk; i++) {
		size_t base;
		const struct key_desc *d = conf_key_at(s, i, &base);
		const char *oa = a + base, *ob = b + base;
		bool r = restart || (d->flags & F_RESTART);
		size_t len;

		/* another key of the same field covers it (secret-file, prefix) */
		if ((d->flags & F_NODUMP) && d->type != KT_SECTION && d->type != KT_LIST)
			continue;
		len = strlen(x->path);
		snprintf(x->path + len, sizeof(x->path) - len, "%s%s", len > 0 ? "." : "",
			 d->name);
		if (d->type == KT_SECTION) {
			diff_map(x, d->aux, oa + d->off, ob + d->off, r);
		} else if (d->type == KT_LIST) {
			diff_list(x, d, oa, ob, r);
		} else {
			char va[VAL_MAX], vb[VAL_MAX];

			render(d, oa, va, sizeof(va));
			render(d, ob, vb, sizeof(vb));
			if (strcmp(va, vb) != 0 || raw_differs(d, oa, ob))
				emit(x, "changed", va, vb, r);
		}
		x->path[len] = '\0';
	}
}

/* One file named alike in both: its contents, by the digest taken at load. */
static void
diff_contents(struct diff_ctx *x, const char *key, const char *pa, const char *pb,
	      const uint8_t *da, const uint8_t *db)
{
	if (strcmp(pa, pb) != 0 || memcmp(da, db, 32) == 0)
		return;     /* a new path is named by the key's own change */
	snprintf(x->path, sizeof(x->path), "ipsec.certificates.%s", key);
	emit(x, "contents changed", "", "", false);
	x->path[0] = '\0';
}

/* ipsec.certificates: files replaced in place (certificates rotated, a new CRL)
 * change no key, but they change what lnsd signs and trusts */
static void
diff_cert_files(struct diff_ctx *x, const struct lns_cert_conf *a, const struct lns_cert_conf *b)
{
	char key[32];

	if (!a->set || !b->set)
		return;
	diff_contents(x, "cert-file", a->cert_file, b->cert_file, a->cert_sha, b->cert_sha);
	diff_contents(x, "key-file", a->key_file, b->key_file, a->key_sha, b->key_sha);
	diff_contents(x, "ca-file", a->ca_file, b->ca_file, a->ca_sha, b->ca_sha);
	for (unsigned int i = 0; i < a->n_crls && i < b->n_crls; i++) {
		snprintf(key, sizeof(key), "crl-files[%u]", i);
		diff_contents(x, key, a->crl_files[i], b->crl_files[i], a->crl_sha[i],
			      b->crl_sha[i]);
	}
}

unsigned
lns_conf_diff(const struct lns_conf *old, const struct lns_conf *new, lns_conf_change_fn fn,
	      void *arg)
{
	struct diff_ctx *x = calloc(1, sizeof(*x));
	unsigned n;

	if (x == NULL)
		return 0;
	x->fn = fn;
	x->arg = arg;
	diff_map(x, &conf_root_schema, (const char *)old, (const char *)new, false);
	diff_cert_files(x, &old->ipsec.certs, &new->ipsec.certs);
	n = x->n;
	free(x);
	return n;
}

/* ------------------------------------------------------ restart-only keys --- */

static void
keep_key(const struct key_desc *d, char *n, const char *o)
{
	if (d->size > 0)
		memcpy(n + d->off, o + d->off, d->size);
	if (d->has_set)
		*(bool *)(n + d->set_off) = *(const bool *)(o + d->set_off);
	switch (d->type) {
	case KT_ENUMLIST:
	case KT_HEX:
		*(uint8_t *)(n + d->cnt_off) = *(const uint8_t *)(o + d->cnt_off);
		break;
	case KT_LIST: {
		const struct list_desc *l = d->aux;

		memcpy(n + l->cnt_off, o + l->cnt_off, l->cnt_size);
		break;
	}
	default:
		break;
	}
}

static int
keep_map(const struct schema *s, char *n, const char *o)
{
	unsigned nk = s->n + (s->incl != NULL ? s->incl->n : 0);

	for (unsigned i = 0; i < nk; i++) {
		size_t base;
		const struct key_desc *d = conf_key_at(s, i, &base);

		if (d->type == KT_CUSTOM && strcmp(d->name, "eal") == 0)
			continue;   /* lns_conf_keep_restart() */
		if (d->flags & F_RESTART) {
			/* a restart-only section or list is copied whole (its struct
			 * holds what the keys resolved to, port profiles included);
			 * a heap list or a custom key without a field cannot be */
			if ((d->type == KT_LIST && ((const struct list_desc *)d->aux)->heap) ||
			    (d->type == KT_CUSTOM && d->size == 0))
				return -1;
			keep_key(d, n + base, o + base);
		} else if (d->type == KT_SECTION) {
			if (keep_map(d->aux, n + base + d->off, o + base + d->off) != 0)
				return -1;
		}
	}
	return 0;
}

int
lns_conf_keep_restart(struct lns_conf *new, const struct lns_conf *old)
{
	/* eal: a list of heap strings, read once by rte_eal_init() */
	for (uint16_t i = 0; i < new->n_eal_args; i++)
		free(new->eal_args[i]);
	new->n_eal_args = 0;
	for (uint16_t i = 0; i < old->n_eal_args; i++) {
		new->eal_args[i] = strdup(old->eal_args[i]);
		if (new->eal_args[i] == NULL)
			return -1;
		new->n_eal_args = (uint16_t)(i + 1);
	}
	return keep_map(&conf_root_schema, (char *)new, (const char *)old);
}

bool
lns_conf_path_restart(const char *path)
{
	const struct schema *s = &conf_root_schema;
	char buf[512], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *tok = strtok_r(buf, ".", &save); tok != NULL; tok = strtok_r(NULL, ".", &save)) {
		char *br = strchr(tok, '[');
		int i;
		size_t base;
		const struct key_desc *d;

		if (br != NULL)
			*br = '\0';
		if (s == NULL || (i = conf_key_index(s, tok)) < 0)
			return false;
		d = conf_key_at(s, (unsigned)i, &base);
		if (d->flags & F_RESTART)
			return true;
		s = d->type == KT_SECTION ? d->aux :
		    d->type == KT_LIST ? ((const struct list_desc *)d->aux)->item : NULL;
	}
	return false;
}
