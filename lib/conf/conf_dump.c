/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lns_conf_dump(): the effective configuration as YAML, printed by walking the same
 * schema the parser uses, so that every key appears under its own name. Secrets
 * and keys are masked.
 */
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "conf_priv.h"

static void
put_str(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', out);
		if ((unsigned char)*s < 0x20)
			fprintf(out, "\\x%02x", (unsigned char)*s);
		else
			fputc(*s, out);
	}
	fputc('"', out);
}

static void
put_names(FILE *out, const struct enum_aux *a, const uint8_t *list, unsigned n)
{
	fputc('[', out);
	for (unsigned i = 0; i < n; i++)
		fprintf(out, "%s%s", i > 0 ? ", " : "", conf_enum_name(a, list[i]));
	fputc(']', out);
}

static void
put_flags(FILE *out, const struct enum_aux *a, uint32_t bits)
{
	bool first = true;

	fputc('[', out);
	for (unsigned i = 0; i < a->n; i++)
		if (bits & a->ent[i].value) {
			fprintf(out, "%s%s", first ? "" : ", ", a->ent[i].name);
			first = false;
		}
	fputc(']', out);
}

/*
 * Print the value of d at obj after "name: ", or return false when the key has
 * nothing to show (an empty string, an unset secret, an absent address).
 */
bool
conf_put_scalar(FILE *out, const struct key_desc *d, const void *obj)
{
	const char *f = (const char *)obj + d->off;
	char a[INET_ADDRSTRLEN];

	if (d->has_set && !*(const bool *)((const char *)obj + d->set_off))
		return false;
	switch (d->type) {
	case KT_BOOL:
		fputs(*(const bool *)f ? "true" : "false", out);
		return true;
	case KT_UINT:
		fprintf(out, "%llu", (unsigned long long)conf_get_uint(f, d->size));
		return true;
	case KT_STR:
		if (f[0] == '\0')
			return false;
		put_str(out, f);
		return true;
	case KT_PREFIX: {
		const struct lns_ipv4_prefix *p = (const void *)f;

		fprintf(out, "%s/%u", inet_ntop(AF_INET, &p->addr, a, sizeof(a)), p->len);
		return true;
	}
	case KT_ADDR:
		if (*(const uint32_t *)f == 0)
			return false;
		fputs(inet_ntop(AF_INET, f, a, sizeof(a)), out);
		return true;
	case KT_ENUM:
		fputs(conf_enum_name(d->aux, (uint32_t)conf_get_uint(f, d->size)), out);
		return true;
	case KT_ENUMLIST:
		put_names(out, d->aux, (const uint8_t *)f,
			  *((const uint8_t *)obj + d->cnt_off));
		return true;
	case KT_FLAGS:
		put_flags(out, d->aux, *(const uint32_t *)f);
		return true;
	case KT_SECRET:
		if (!((const struct lns_secret *)(const void *)f)->set)
			return false;
		fputs("\"***\"", out);
		return true;
	case KT_NTHASH:
		fputs("\"***\"", out);
		return true;
	case KT_HEX:
		if (*((const uint8_t *)obj + d->cnt_off) == 0)
			return false;
		fputs("\"***\"", out);
		return true;
	default:
		return false;
	}
}

/* Lead-in of a key line: indentation, or "- " for the first key of a list item. */
static void
lead(FILE *out, int indent, bool *dash)
{
	if (*dash) {
		fprintf(out, "%*s- ", indent - 2, "");
		*dash = false;
	} else {
		fprintf(out, "%*s", indent, "");
	}
}

void
conf_dump_map(FILE *out, const struct schema *s, const void *obj, int indent, bool item)
{
	unsigned nk = s->n + (s->incl != NULL ? s->incl->n : 0);
	bool dash = item;

	for (unsigned i = 0; i < nk; i++) {
		size_t base;
		const struct key_desc *d = conf_key_at(s, i, &base);
		const char *o = (const char *)obj + base;

		if ((d->flags & F_NODUMP) || (d->dump_skip != NULL && d->dump_skip(o)))
			continue;
		if (d->dump != NULL) {
			char *buf = NULL;
			size_t len = 0;
			FILE *m = open_memstream(&buf, &len);

			if (m == NULL)
				continue;
			d->dump(m, d, o, indent);
			fclose(m);
			if (len > 0) {
				const char *b = buf;

				/* a custom line brings its own indentation */
				if (dash) {
					while (*b == ' ')
						b++;
					lead(out, indent, &dash);
				}
				fputs(b, out);
			}
			free(buf);
			continue;
		}
		if (d->type == KT_SECTION) {
			char *buf = NULL;
			size_t len = 0;
			FILE *m = open_memstream(&buf, &len);

			if (m == NULL)
				continue;
			conf_dump_map(m, d->aux, o + d->off, indent + 2, false);
			fclose(m);
			if (len > 0) {
				lead(out, indent, &dash);
				fprintf(out, "%s:\n%s", d->name, buf);
			}
			free(buf);
			continue;
		}
		if (d->type == KT_LIST) {
			const struct list_desc *l = d->aux;
			uint32_t n = (uint32_t)conf_get_uint(o + l->cnt_off, l->cnt_size);
			const char *arr = l->heap ? *(const char *const *)(o + d->off) : o + d->off;

			lead(out, indent, &dash);
			fprintf(out, "%s:%s\n", d->name, n == 0 ? " []" : "");
			for (uint32_t j = 0; j < n; j++)
				conf_dump_map(out, l->item, arr + (size_t)j * l->elem_size,
					      indent + 4, true);
			continue;
		}
		{
			char *buf = NULL;
			size_t len = 0;
			FILE *m = open_memstream(&buf, &len);
			bool shown;

			if (m == NULL)
				continue;
			shown = conf_put_scalar(m, d, o);
			fclose(m);
			if (shown) {
				lead(out, indent, &dash);
				fprintf(out, "%s: %s\n", d->name, buf);
			}
			free(buf);
		}
	}
	if (dash)   /* an item with nothing to show */
		fprintf(out, "%*s- {}\n", indent - 2, "");
}
