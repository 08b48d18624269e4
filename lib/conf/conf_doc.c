/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The schema as data: every key the parser knows, with its type, range, default and
 * the keys it excludes, printed from the very tables conf_walk_map() applies. The
 * manual page lnsd.yaml(5) is generated from this output (app/man/mkman.py), so it
 * can neither miss a key nor list one the parser does not take.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "conf_priv.h"

/* A tab or newline inside a field would break the format; none of the tables has one,
 * and this keeps it so. */
static void
put_field(FILE *out, const char *s)
{
	fputc('\t', out);
	if (s == NULL || *s == '\0') {
		fputc('-', out);
		return;
	}
	for (; *s != '\0'; s++)
		fputc(*s == '\t' || *s == '\n' ? ' ' : *s, out);
}

static void
enum_list(char *buf, size_t size, const struct enum_aux *a)
{
	size_t n = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < a->n && n < size; i++)
		n += (size_t)snprintf(buf + n, size - n, "%s%s", i > 0 ? " " : "", a->ent[i].name);
}

static const char *
type_name(const struct key_desc *d)
{
	switch (d->type) {
	case KT_BOOL:        return "boolean";
	case KT_UINT:        return "integer";
	case KT_STR:         return "string";
	case KT_PREFIX:      return (d->flags & F_NEED_LEN) ? "address/length" : "prefix";
	case KT_ADDR:        return "address";
	case KT_ENUM:        return "name";
	case KT_ENUMLIST:    return "list of names";
	case KT_FLAGS:       return "set of names";
	case KT_SECRET:      return "secret";
	case KT_SECRET_FILE: return "path of a secret file";
	case KT_NTHASH:      return "NT hash (32 hex digits)";
	case KT_NTHASH_FILE: return "path of an NT hash file";
	case KT_HEX:         return "hex string";
	case KT_SECTION:     return "mapping";
	case KT_LIST:        return "list of mappings";
	case KT_CUSTOM:      return d->vtype != NULL ? d->vtype : "value";
	}
	return "value";
}

static void
default_of(char *buf, size_t size, const struct key_desc *d)
{
	const struct enum_aux *a = d->aux;
	size_t n = 0;

	buf[0] = '\0';
	if (d->flags & F_REQUIRED)
		return;
	switch (d->type) {
	case KT_BOOL:
		snprintf(buf, size, "%s", d->def ? "true" : "false");
		break;
	case KT_UINT:
		if (d->sdef != NULL)    /* a default taken from another key */
			snprintf(buf, size, "%s", d->sdef);
		else
			snprintf(buf, size, "%" PRIu64, d->def);
		break;
	case KT_STR:
		if (d->sdef != NULL)
			snprintf(buf, size, "%s", d->sdef);
		break;
	case KT_ENUM:
		snprintf(buf, size, "%s", conf_enum_name(a, (uint32_t)d->def));
		break;
	case KT_ENUMLIST:
		for (unsigned i = 0; i < a->n_def && n < size; i++)
			n += (size_t)snprintf(buf + n, size - n, "%s%s", i > 0 ? " " : "",
					      conf_enum_name(a, a->def[i]));
		break;
	case KT_FLAGS:
		for (unsigned i = 0; i < a->n && n < size; i++)
			if (d->def & a->ent[i].value)
				n += (size_t)snprintf(buf + n, size - n, "%s%s", n > 0 ? " " : "",
						      a->ent[i].name);
		if (n == 0)
			snprintf(buf, size, "none");
		break;
	default:
		break;
	}
}

static void
range_of(char *buf, size_t size, const struct key_desc *d)
{
	buf[0] = '\0';
	if (d->type == KT_UINT) {
		int n = snprintf(buf, size, "%s%" PRIu64 "..%" PRIu64,
				 (d->flags & F_ZERO_OK) ? "0 or " : "", d->min, d->max);

		if ((d->flags & F_POW2) && n > 0 && (size_t)n < size)
			n += snprintf(buf + n, size - (size_t)n, ", a power of two");
		if ((d->flags & F_SHORT_TIMER) && n > 0 && (size_t)n < size)
			snprintf(buf + n, size - (size_t)n, " (1..%" PRIu64
				 " with limits.allow-short-timers)", d->max);
	} else if (d->type == KT_LIST) {
		snprintf(buf, size, "at most %" PRIu32 " items",
			 ((const struct list_desc *)d->aux)->max);
	} else if (d->type == KT_STR && (d->flags & F_NONEMPTY)) {
		snprintf(buf, size, "not empty");
	}
}

/* The other keys of d's exclusion group in s (", "-separated), or "". */
static void
excludes_of(char *buf, size_t size, const struct schema *s, unsigned idx)
{
	size_t base, n = 0;
	const struct key_desc *d = conf_key_at(s, idx, &base);
	unsigned nk = s->n + (s->incl != NULL ? s->incl->n : 0);

	buf[0] = '\0';
	if (d->group == 0)
		return;
	for (unsigned i = 0; i < nk && n < size; i++) {
		const struct key_desc *o = conf_key_at(s, i, &base);

		/* groups are numbered per table: an included table's group is its own */
		if (i == idx || o->group != d->group || (i < s->n) != (idx < s->n))
			continue;
		n += (size_t)snprintf(buf + n, size - n, "%s%s", n > 0 ? " " : "", o->name);
	}
}

static void
print_schema(FILE *out, const char *doc, const struct schema *s, const char *prefix)
{
	unsigned nk = s->n + (s->incl != NULL ? s->incl->n : 0);

	for (unsigned i = 0; i < nk; i++) {
		size_t base;
		const struct key_desc *d = conf_key_at(s, i, &base);
		char path[256], def[256], range[128], values[256] = "", excl[128];

		snprintf(path, sizeof(path), "%s%s%s", prefix, *prefix ? "." : "", d->name);
		default_of(def, sizeof(def), d);
		range_of(range, sizeof(range), d);
		if (d->type == KT_ENUM || d->type == KT_ENUMLIST || d->type == KT_FLAGS)
			enum_list(values, sizeof(values), d->aux);
		excludes_of(excl, sizeof(excl), s, i);
		fputs(doc, out);
		put_field(out, path);
		put_field(out, type_name(d));
		put_field(out, (d->flags & F_REQUIRED) ?
			  (d->group != 0 ? "one of the group" : "yes") : "no");
		put_field(out, def);
		put_field(out, range);
		put_field(out, values);
		put_field(out, excl);
		fputc('\n', out);
		if (d->type == KT_SECTION) {
			print_schema(out, doc, d->aux, path);
		} else if (d->type == KT_LIST) {
			char item[sizeof(path) + 2];

			snprintf(item, sizeof(item), "%s[]", path);
			print_schema(out, doc, ((const struct list_desc *)d->aux)->item, item);
		}
	}
}

void
lns_conf_schema_print(FILE *out)
{
	fputs("# doc\tpath\ttype\trequired\tdefault\trange\tvalues\texcludes\n", out);
	print_schema(out, "lnsd.yaml", &conf_root_schema, "");
	print_schema(out, "profile", &conf_profile_schema, "");
}
