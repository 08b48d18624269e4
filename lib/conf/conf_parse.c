/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The generic part of the configuration parser: load a libyaml document, walk each
 * mapping against its schema (struct schema), parse and range-check scalars, and
 * report the first problem as "FILE:LINE:COL: KEY.PATH: message".
 */
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "conf_priv.h"

#define MAX_KEYS 64   /* keys per schema, own and included: one bit each in `seen` */

/* ------------------------------------------------------------- errors --- */

static int
verr(struct conf_ctx *ctx, size_t line, size_t col, const char *fmt, va_list ap)
{
	char msg[LNS_CONF_ERR_MAX];

	if (ctx->failed)
		return -1;   /* only the first error is kept */
	ctx->failed = true;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	snprintf(ctx->err, ctx->errlen, "%s:%zu:%zu: %s: %s", ctx->file, line, col,
		 ctx->pathlen > 0 ? ctx->path : "(top level)", msg);
	return -1;
}

int
conf_err_mark(struct conf_ctx *ctx, const yaml_mark_t *m, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = verr(ctx, m->line + 1, m->column + 1, fmt, ap);
	va_end(ap);
	return rc;
}

int
conf_err(struct conf_ctx *ctx, const yaml_node_t *at, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = verr(ctx, at->start_mark.line + 1, at->start_mark.column + 1, fmt, ap);
	va_end(ap);
	return rc;
}

/*
 * An error about `key` of the mapping `map` (path: current path + key). It points at
 * the key's value, or at the mapping itself when the key was not given.
 */
int
conf_err_key(struct conf_ctx *ctx, yaml_node_t *map, const char *key, const char *fmt, ...)
{
	yaml_node_t *v = conf_map_get(ctx->doc, map, key);
	yaml_mark_t m = { 0, 0, 0 };
	size_t saved = conf_path_push(ctx, key);
	va_list ap;
	int rc;

	if (v != NULL)
		m = v->start_mark;
	else if (map != NULL)
		m = map->start_mark;
	va_start(ap, fmt);
	rc = verr(ctx, m.line + 1, m.column + 1, fmt, ap);
	va_end(ap);
	conf_path_pop(ctx, saved);
	return rc;
}

/* ------------------------------------------------------------ key path --- */

size_t
conf_path_push(struct conf_ctx *ctx, const char *key)
{
	size_t saved = ctx->pathlen;
	int n = snprintf(ctx->path + saved, sizeof(ctx->path) - saved, "%s%s",
			 saved > 0 ? "." : "", key);

	if (n > 0)
		ctx->pathlen = strnlen(ctx->path, sizeof(ctx->path));
	return saved;
}

size_t
conf_path_push_idx(struct conf_ctx *ctx, uint32_t i)
{
	size_t saved = ctx->pathlen;
	int n = snprintf(ctx->path + saved, sizeof(ctx->path) - saved, "[%u]", i);

	if (n > 0)
		ctx->pathlen = strnlen(ctx->path, sizeof(ctx->path));
	return saved;
}

void
conf_path_pop(struct conf_ctx *ctx, size_t len)
{
	ctx->pathlen = len;
	ctx->path[len] = '\0';
}

void
conf_path_set(struct conf_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ctx->path, sizeof(ctx->path), fmt, ap);
	va_end(ap);
	ctx->pathlen = strlen(ctx->path);
}

/* ---------------------------------------------------------- tree access --- */

yaml_node_t *
conf_node(yaml_document_t *doc, int id)
{
	return id > 0 ? yaml_document_get_node(doc, id) : NULL;
}

yaml_node_t *
conf_map_get(yaml_document_t *doc, yaml_node_t *map, const char *key)
{
	yaml_node_pair_t *p;

	if (map == NULL || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = conf_node(doc, p->key);

		if (k != NULL && k->type == YAML_SCALAR_NODE &&
		    strcmp((const char *)k->data.scalar.value, key) == 0)
			return conf_node(doc, p->value);
	}
	return NULL;
}

yaml_node_t *
conf_seq_get(yaml_document_t *doc, yaml_node_t *seq, uint32_t i)
{
	if (seq == NULL || seq->type != YAML_SEQUENCE_NODE)
		return NULL;
	if (i >= (uint32_t)(seq->data.sequence.items.top - seq->data.sequence.items.start))
		return NULL;
	return conf_node(doc, seq->data.sequence.items.start[i]);
}

const char *
conf_node_kind(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_SCALAR_NODE:   return "a scalar";
	case YAML_SEQUENCE_NODE: return "a list";
	case YAML_MAPPING_NODE:  return "a mapping";
	default:                 return "nothing";
	}
}

/** `key:` with nothing after it, `~` or `null` (plain, not quoted). */
bool
conf_is_null(const yaml_node_t *n)
{
	const char *s;

	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	s = (const char *)n->data.scalar.value;
	return s[0] == '\0' || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
	       strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0;
}

/* ------------------------------------------------------------- scalars --- */

int
conf_scalar(struct conf_ctx *ctx, yaml_node_t *v, const char *what, const char **s)
{
	if (v->type != YAML_SCALAR_NODE)
		return conf_err(ctx, v, "expected %s, found %s", what, conf_node_kind(v));
	if (strlen((const char *)v->data.scalar.value) != v->data.scalar.length)
		return conf_err(ctx, v, "contains a NUL byte");
	*s = (const char *)v->data.scalar.value;
	return 0;
}

/* A number or a boolean must be written plain: "10" in quotes is a string. */
static int
plain_scalar(struct conf_ctx *ctx, yaml_node_t *v, const char *what, const char **s)
{
	if (conf_scalar(ctx, v, what, s) < 0)
		return -1;
	if (v->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return conf_err(ctx, v, "expected %s, found the quoted string '%s'", what, *s);
	if (**s == '\0')
		return conf_err(ctx, v, "expected %s, found nothing", what);
	return 0;
}

int
conf_parse_bool(const char *s, bool *b)
{
	static const char *const yes[] = { "true", "yes", "on" };
	static const char *const no[] = { "false", "no", "off" };

	for (unsigned i = 0; i < 3; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*b = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*b = false;
			return 0;
		}
	}
	return -1;
}

/* Decimal, or hexadecimal with 0x. No sign, no blanks, no octal surprises. */
int
conf_parse_u64(const char *s, uint64_t *v)
{
	int base = 10;
	char *end;
	unsigned long long x;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!(base == 16 ? isxdigit((unsigned char)s[0]) : isdigit((unsigned char)s[0])))
		return -EINVAL;
	errno = 0;
	x = strtoull(s, &end, base);
	if (errno == ERANGE)
		return -ERANGE;
	if (*end != '\0')
		return -EINVAL;
	*v = x;
	return 0;
}

/* Strict dotted quad: four decimal octets, nothing else. */
int
conf_parse_addr(const char *s, uint32_t *addr)
{
	uint32_t a = 0;

	for (int i = 0; i < 4; i++) {
		unsigned v = 0, digits = 0;

		while (isdigit((unsigned char)*s) && digits < 4) {
			v = v * 10 + (unsigned)(*s++ - '0');
			digits++;
		}
		if (digits == 0 || digits > 3 || v > 255)
			return -1;
		a = a << 8 | v;
		if (i < 3 && *s++ != '.')
			return -1;
	}
	if (*s != '\0')
		return -1;
	*addr = htonl(a);
	return 0;
}

uint32_t
conf_mask(uint8_t len)
{
	return len == 0 ? 0 : htonl(~0u << (32 - len));
}

/* -1: bad address, -2: bad length, -3: length missing */
int
conf_parse_prefix(const char *s, struct lns_ipv4_prefix *p, bool need_len)
{
	char buf[32];
	const char *slash = strchr(s, '/');
	size_t n = slash != NULL ? (size_t)(slash - s) : strlen(s);
	uint64_t len = 32;

	if (n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (conf_parse_addr(buf, &p->addr) < 0)
		return -1;
	if (slash == NULL) {
		if (need_len)
			return -3;
	} else if (!isdigit((unsigned char)slash[1]) || conf_parse_u64(slash + 1, &len) < 0 ||
		   len > 32) {
		return -2;
	}
	p->len = (uint8_t)len;
	return 0;
}

int
conf_get_str(struct conf_ctx *ctx, yaml_node_t *v, char *dst, size_t size, bool nonempty)
{
	const char *s;
	size_t n;

	if (conf_scalar(ctx, v, "a string", &s) < 0)
		return -1;
	if (conf_is_null(v)) {
		if (nonempty && s[0] != '\0')
			return conf_err(ctx, v, "%s is YAML's null; write \"%s\" in quotes to "
					"mean the name", s, s);
		s = "";
	}
	n = strlen(s);
	if (n == 0 && nonempty)
		return conf_err(ctx, v, "must not be empty");
	if (n >= size)
		return conf_err(ctx, v, "longer than %zu characters", size - 1);
	memcpy(dst, s, n + 1);
	return 0;
}

int
conf_get_addr(struct conf_ctx *ctx, yaml_node_t *v, uint32_t *addr)
{
	const char *s;

	if (conf_scalar(ctx, v, "an IPv4 address", &s) < 0)
		return -1;
	if (conf_parse_addr(s, addr) < 0)
		return conf_err(ctx, v, "malformed IPv4 address '%s' (expected a.b.c.d)", s);
	return 0;
}

void
conf_resolve_path(const struct conf_ctx *ctx, const char *in, char *out, size_t size)
{
	if (in[0] == '/' || ctx->dir[0] == '\0' || strcmp(ctx->dir, ".") == 0)
		snprintf(out, size, "%s", in);
	else
		snprintf(out, size, "%s/%s", ctx->dir, in);
}

/*
 * Read a small file named by the scalar v (relative to the configuration's
 * directory) into buf (at most size bytes, no terminator), dropping one trailing
 * newline.
 */
int
conf_read_file(struct conf_ctx *ctx, yaml_node_t *v, const char *what, char *buf,
	       size_t size, size_t *len)
{
	char name[LNS_CONF_PATH_MAX], path[LNS_CONF_PATH_MAX];
	char tmp[LNS_CONF_SECRET_MAX + 2];
	size_t n = 0, want = size + 2;   /* the data, a newline, and one byte to spot excess */
	int fd, rc = 0;

	if (size > LNS_CONF_SECRET_MAX)
		return conf_err(ctx, v, "internal error: %s buffer too large", what);
	if (conf_get_str(ctx, v, name, sizeof(name), true) < 0)
		return -1;
	conf_resolve_path(ctx, name, path, sizeof(path));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return conf_err(ctx, v, "cannot read %s '%s': %s", what, path, strerror(errno));
	while (n < want) {
		ssize_t r = read(fd, tmp + n, want - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = conf_err(ctx, v, "cannot read %s '%s': %s", what, path,
				      strerror(errno));
			break;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	if (rc == 0 && n > 0 && tmp[n - 1] == '\n' && n <= size + 1)
		n--;
	if (rc == 0 && n > size)
		rc = conf_err(ctx, v, "%s '%s' is longer than %zu bytes", what, path, size);
	else if (rc == 0 && n == 0)
		rc = conf_err(ctx, v, "%s '%s' is empty", what, path);
	if (rc == 0) {
		memcpy(buf, tmp, n);
		*len = n;
	}
	explicit_bzero(tmp, sizeof(tmp));
	return rc;
}

unsigned
conf_edit_distance(const char *a, const char *b)
{
	unsigned row[LNS_CONF_NAME_MAX + 1];
	size_t la = strlen(a), lb = strlen(b);

	if (la > LNS_CONF_NAME_MAX || lb > LNS_CONF_NAME_MAX)
		return ~0u;
	for (size_t j = 0; j <= lb; j++)
		row[j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++) {
		unsigned diag = row[0];

		row[0] = (unsigned)i;
		for (size_t j = 1; j <= lb; j++) {
			unsigned up = row[j];
			unsigned best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

/* A close name is worth suggesting when it is at most 2 edits (1 for short names) away. */
static bool
close_enough(const char *typed, const char *known, unsigned *best)
{
	unsigned d = conf_edit_distance(typed, known);
	unsigned limit = strlen(known) <= 4 ? 1 : 2;

	if (d <= limit && d < *best) {
		*best = d;
		return true;
	}
	return false;
}

/* -------------------------------------------------------- field access --- */

void
conf_put_uint(void *p, size_t size, uint64_t v)
{
	switch (size) {
	case 1: *(uint8_t *)p = (uint8_t)v; break;
	case 2: *(uint16_t *)p = (uint16_t)v; break;
	case 4: *(uint32_t *)p = (uint32_t)v; break;
	default: *(uint64_t *)p = v; break;
	}
}

uint64_t
conf_get_uint(const void *p, size_t size)
{
	switch (size) {
	case 1: return *(const uint8_t *)p;
	case 2: return *(const uint16_t *)p;
	case 4: return *(const uint32_t *)p;
	default: return *(const uint64_t *)p;
	}
}

const char *
conf_enum_name(const struct enum_aux *a, uint32_t v)
{
	for (unsigned i = 0; i < a->n; i++)
		if (a->ent[i].value == v)
			return a->ent[i].name;
	return "?";
}

static int
enum_lookup(struct conf_ctx *ctx, const struct enum_aux *a, yaml_node_t *v, uint32_t *out)
{
	char list[256] = "";
	const char *s, *near = NULL;
	unsigned best = ~0u;
	size_t n = 0;

	if (conf_scalar(ctx, v, "a name", &s) < 0)
		return -1;
	for (unsigned i = 0; i < a->n; i++) {
		if (strcmp(s, a->ent[i].name) == 0) {
			*out = a->ent[i].value;
			return 0;
		}
		if (close_enough(s, a->ent[i].name, &best))
			near = a->ent[i].name;
		if (n < sizeof(list))
			n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s",
					      i > 0 ? ", " : "", a->ent[i].name);
	}
	if (near != NULL)
		return conf_err(ctx, v, "unknown value '%s' (did you mean '%s'?)", s, near);
	return conf_err(ctx, v, "unknown value '%s' (expected one of: %s)", s, list);
}

/* ------------------------------------------------------------- schemas --- */

const struct key_desc *
conf_key_at(const struct schema *s, unsigned idx, size_t *base)
{
	if (idx < s->n) {
		*base = 0;
		return &s->keys[idx];
	}
	*base = s->incl_off;
	return &s->incl->keys[idx - s->n];
}

static unsigned
n_keys(const struct schema *s)
{
	return s->n + (s->incl != NULL ? s->incl->n : 0);
}

int
conf_key_index(const struct schema *s, const char *name)
{
	size_t base;

	for (unsigned i = 0; i < n_keys(s); i++)
		if (strcmp(conf_key_at(s, i, &base)->name, name) == 0)
			return (int)i;
	return -1;
}

void
conf_apply_defaults(const struct schema *s, void *obj)
{
	for (unsigned i = 0; i < n_keys(s); i++) {
		size_t base;
		const struct key_desc *d = conf_key_at(s, i, &base);
		char *f = (char *)obj + base + d->off;

		/* a table whose range does not fit its field is a bug, caught by any load */
		assert(d->type != KT_UINT || d->size >= 8 || d->max < (1ull << (8 * d->size)));
		switch (d->type) {
		case KT_BOOL:
			*(bool *)f = d->def != 0;
			break;
		case KT_UINT:
		case KT_ENUM:
			conf_put_uint(f, d->size, d->def);
			break;
		case KT_FLAGS:
			*(uint32_t *)f = (uint32_t)d->def;
			break;
		case KT_STR:
			if (d->sdef != NULL)
				snprintf(f, d->size, "%s", d->sdef);
			break;
		case KT_ENUMLIST: {
			const struct enum_aux *a = d->aux;

			memcpy(f, a->def, a->n_def);
			*((uint8_t *)obj + base + d->cnt_off) = a->n_def;
			break;
		}
		case KT_SECTION:
			conf_apply_defaults(d->aux, f);
			break;
		default:
			break;
		}
		if (d->init != NULL)
			d->init(d, (char *)obj + base);
	}
}

/* --------------------------------------------------------- value kinds --- */

static int
parse_uint(struct conf_ctx *ctx, const struct key_desc *d, yaml_node_t *v, void *f)
{
	uint64_t x, min = d->min;
	const char *s;
	int rc;

	if (plain_scalar(ctx, v, "an integer", &s) < 0)
		return -1;
	rc = conf_parse_u64(s, &x);
	if (rc == -ERANGE)
		return conf_err(ctx, v, "%s is too large (maximum %llu)", s,
				(unsigned long long)d->max);
	if (rc < 0)
		return conf_err(ctx, v, "expected an integer, found '%s'", s);
	if ((d->flags & F_SHORT_TIMER) && ctx->short_timers)
		min = 1;
	if ((x < min || x > d->max) && !(x == 0 && (d->flags & F_ZERO_OK))) {
		const char *hint = "";

		if ((d->flags & F_SHORT_TIMER) && !ctx->short_timers && x < min)
			hint = " (limits.allow-short-timers: true lowers the minimum to 1)";
		return conf_err(ctx, v, "%llu is outside %llu..%llu%s%s",
				(unsigned long long)x, (unsigned long long)min,
				(unsigned long long)d->max,
				(d->flags & F_ZERO_OK) ? " (or 0 for off)" : "", hint);
	}
	if ((d->flags & F_POW2) && (x & (x - 1)) != 0)
		return conf_err(ctx, v, "%llu is not a power of two", (unsigned long long)x);
	conf_put_uint(f, d->size, x);
	return 0;
}

int
conf_get_prefix(struct conf_ctx *ctx, yaml_node_t *v, struct lns_ipv4_prefix *p,
		unsigned flags)
{
	char net[INET_ADDRSTRLEN];
	const char *s;
	uint32_t m;
	int rc;

	if (conf_scalar(ctx, v, "an IPv4 prefix", &s) < 0)
		return -1;
	rc = conf_parse_prefix(s, p, flags & F_NEED_LEN);
	if (rc == -2)
		return conf_err(ctx, v, "bad prefix length in '%s' (expected 0..32)", s);
	if (rc == -3)
		return conf_err(ctx, v, "'%s' lacks a prefix length (expected a.b.c.d/len)", s);
	if (rc < 0)
		return conf_err(ctx, v, "malformed IPv4 prefix '%s' (expected a.b.c.d/len)", s);
	m = conf_mask(p->len);
	if ((flags & F_NETWORK) && (p->addr & ~m) != 0) {
		uint32_t a = p->addr & m;

		inet_ntop(AF_INET, &a, net, sizeof(net));
		return conf_err(ctx, v, "'%s' has host bits set (the network is %s/%u)", s, net,
				p->len);
	}
	return 0;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)(c | 0x20);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* -1: not hex, -2: too long; else the byte count. */
static int
parse_hex(const char *s, size_t slen, uint8_t *out, size_t size)
{
	size_t n;

	if (slen >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		slen -= 2;
	}
	if (slen == 0 || slen % 2 != 0)
		return -1;
	n = slen / 2;
	for (size_t i = 0; i < n; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		if (i < size)
			out[i] = (uint8_t)(hi << 4 | lo);
	}
	return n > size ? -2 : (int)n;
}

static int
parse_nthash(struct conf_ctx *ctx, yaml_node_t *v, const char *s, size_t len, uint8_t *out,
	     const char *from)
{
	if (len != 32 || parse_hex(s, len, out, 16) != 16) {
		explicit_bzero(out, 16);
		return conf_err(ctx, v, "invalid NT hash%s: expected 32 hex digits", from);
	}
	return 0;
}

static int
parse_list(struct conf_ctx *ctx, const struct key_desc *d, yaml_node_t *v, void *obj)
{
	const struct list_desc *l = d->aux;
	char *arr, *cnt = (char *)obj + l->cnt_off;
	uint32_t n, saved_item = ctx->item;
	int rc = 0;

	if (conf_is_null(v))
		return l->check != NULL ? l->check(ctx, obj, v) : 0;
	if (v->type != YAML_SEQUENCE_NODE)
		return conf_err(ctx, v, "expected a list, found %s", conf_node_kind(v));
	n = (uint32_t)(v->data.sequence.items.top - v->data.sequence.items.start);
	if (n > l->max) {
		size_t saved = conf_path_push_idx(ctx, l->max);

		conf_err(ctx, conf_seq_get(ctx->doc, v, l->max), "too many entries (at most %u)",
			 l->max);
		conf_path_pop(ctx, saved);
		return -1;
	}
	if (l->heap) {
		arr = n > 0 ? calloc(n, l->elem_size) : NULL;
		if (n > 0 && arr == NULL)
			return conf_err(ctx, v, "out of memory");
		*(char **)((char *)obj + d->off) = arr;
	} else {
		arr = (char *)obj + d->off;
	}
	for (uint32_t i = 0; i < n && rc == 0; i++) {
		yaml_node_t *it = conf_seq_get(ctx->doc, v, i);
		char *elem = arr + (size_t)i * l->elem_size;
		size_t saved = conf_path_push_idx(ctx, i);

		if (it->type != YAML_MAPPING_NODE) {
			rc = conf_err(ctx, it, "expected a mapping, found %s", conf_node_kind(it));
		} else {
			conf_apply_defaults(l->item, elem);
			ctx->item = i;
			conf_put_uint(cnt, l->cnt_size, i + 1);
			rc = conf_walk_map(ctx, l->item, elem, it, NULL);
		}
		conf_path_pop(ctx, saved);
	}
	ctx->item = saved_item;
	if (rc == 0 && l->check != NULL)
		rc = l->check(ctx, obj, v);
	return rc;
}

static int
parse_names(struct conf_ctx *ctx, const struct key_desc *d, yaml_node_t *v, void *obj)
{
	const struct enum_aux *a = d->aux;
	char *f = (char *)obj + d->off;
	uint32_t n, mask = 0, bits = 0;

	if (v->type != YAML_SEQUENCE_NODE)
		return conf_err(ctx, v, "expected a list, found %s", conf_node_kind(v));
	n = (uint32_t)(v->data.sequence.items.top - v->data.sequence.items.start);
	if (n == 0 && d->type == KT_ENUMLIST)
		return conf_err(ctx, v, "must not be empty");
	for (unsigned i = 0; i < a->n; i++)
		mask |= a->ent[i].value;
	for (uint32_t i = 0; i < n; i++) {
		yaml_node_t *it = conf_seq_get(ctx->doc, v, i);
		size_t saved = conf_path_push_idx(ctx, i);
		uint32_t x;

		if (enum_lookup(ctx, a, it, &x) < 0)
			return -1;
		if (d->type == KT_ENUMLIST) {
			if (memchr(f, (int)x, i) != NULL)
				return conf_err(ctx, it, "'%s' is listed twice",
						it->data.scalar.value);
			if (i >= d->size)
				return conf_err(ctx, it, "too many entries (at most %zu)",
						d->size);
			f[i] = (char)x;
		} else {
			if (bits & x)
				return conf_err(ctx, it, "'%s' is listed twice",
						it->data.scalar.value);
			bits |= x;
		}
		conf_path_pop(ctx, saved);
	}
	if (d->type == KT_ENUMLIST)
		*((uint8_t *)obj + d->cnt_off) = (uint8_t)n;
	else
		*(uint32_t *)f = (*(uint32_t *)f & ~mask) | bits;
	return 0;
}

/* Parse value v of key d into the struct at obj. */
static int
parse_value(struct conf_ctx *ctx, const struct key_desc *d, yaml_node_t *v, void *obj)
{
	char *f = (char *)obj + d->off;
	const char *s;
	int rc;

	switch (d->type) {
	case KT_BOOL:
		if (plain_scalar(ctx, v, "true or false", &s) < 0)
			return -1;
		if (conf_parse_bool(s, (bool *)f) < 0)
			return conf_err(ctx, v, "expected true or false, found '%s'", s);
		break;
	case KT_UINT:
		if (parse_uint(ctx, d, v, f) < 0)
			return -1;
		break;
	case KT_STR:
		if (conf_get_str(ctx, v, f, d->size, d->flags & F_NONEMPTY) < 0)
			return -1;
		break;
	case KT_PREFIX:
		if (conf_get_prefix(ctx, v, (struct lns_ipv4_prefix *)f, d->flags) < 0)
			return -1;
		break;
	case KT_ADDR:
		if (conf_get_addr(ctx, v, (uint32_t *)f) < 0)
			return -1;
		break;
	case KT_ENUM: {
		uint32_t x;

		if (enum_lookup(ctx, d->aux, v, &x) < 0)
			return -1;
		conf_put_uint(f, d->size, x);
		break;
	}
	case KT_ENUMLIST:
	case KT_FLAGS:
		if (parse_names(ctx, d, v, obj) < 0)
			return -1;
		break;
	case KT_SECRET: {
		struct lns_secret *sec = (struct lns_secret *)f;

		if (conf_scalar(ctx, v, "a string", &s) < 0)
			return -1;
		if (s[0] == '\0')
			return conf_err(ctx, v, "must not be empty");
		if (strlen(s) >= sizeof(sec->value))
			return conf_err(ctx, v, "longer than %zu bytes", sizeof(sec->value) - 1);
		sec->len = (uint16_t)strlen(s);
		memcpy(sec->value, s, sec->len + 1u);
		sec->set = true;
		break;
	}
	case KT_SECRET_FILE: {
		struct lns_secret *sec = (struct lns_secret *)f;
		size_t len;

		if (conf_read_file(ctx, v, "secret file", sec->value, sizeof(sec->value) - 1,
				   &len) < 0)
			return -1;
		sec->value[len] = '\0';
		sec->len = (uint16_t)len;
		sec->set = true;
		break;
	}
	case KT_NTHASH:
		if (conf_scalar(ctx, v, "32 hex digits", &s) < 0 ||
		    parse_nthash(ctx, v, s, strlen(s), (uint8_t *)f, "") < 0)
			return -1;
		break;
	case KT_NTHASH_FILE: {
		char buf[34];
		size_t len;

		if (conf_read_file(ctx, v, "NT hash file", buf, sizeof(buf), &len) < 0)
			return -1;
		rc = parse_nthash(ctx, v, buf, len, (uint8_t *)f, " in the file");
		explicit_bzero(buf, sizeof(buf));
		if (rc < 0)
			return -1;
		break;
	}
	case KT_HEX: {
		if (conf_scalar(ctx, v, "hex digits", &s) < 0)
			return -1;
		rc = parse_hex(s, strlen(s), (uint8_t *)f, d->size);
		if (rc == -2)
			return conf_err(ctx, v, "key longer than %zu bytes", d->size);
		if (rc < 0)
			return conf_err(ctx, v, "malformed key: expected an even number of hex "
					"digits");
		*((uint8_t *)obj + d->cnt_off) = (uint8_t)rc;
		break;
	}
	case KT_SECTION:
		if (conf_is_null(v))
			rc = conf_walk_map(ctx, d->aux, f, NULL, &v->start_mark);
		else if (v->type != YAML_MAPPING_NODE)
			return conf_err(ctx, v, "expected a mapping, found %s", conf_node_kind(v));
		else
			rc = conf_walk_map(ctx, d->aux, f, v, NULL);
		if (rc < 0)
			return -1;
		break;
	case KT_LIST:
		if (parse_list(ctx, d, v, obj) < 0)
			return -1;
		break;
	case KT_CUSTOM:
		if (d->parse(ctx, d, v, obj) < 0)
			return -1;
		break;
	}
	/* outside KT_CUSTOM, `parse` is an extra check of the value just stored */
	if (d->type != KT_CUSTOM && d->parse != NULL && d->parse(ctx, d, v, obj) < 0)
		return -1;
	if (d->has_set)
		*(bool *)((char *)obj + d->set_off) = true;
	return 0;
}

/* ------------------------------------------------------------- walking --- */

/*
 * Read the mapping `map` (NULL: the section was not given; `where` then locates
 * it) into obj, as schema s says. Keys are taken in file order, so the first
 * error in the file is the one reported.
 */
int
conf_walk_map(struct conf_ctx *ctx, const struct schema *s, void *obj, yaml_node_t *map,
	      const yaml_mark_t *where)
{
	yaml_mark_t first[MAX_KEYS], mark = map != NULL ? map->start_mark : *where;
	unsigned nk = n_keys(s);
	uint64_t seen = 0;
	yaml_node_pair_t *p;

	if (map != NULL) {
		for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
			yaml_node_t *k = conf_node(ctx->doc, p->key);
			yaml_node_t *v = conf_node(ctx->doc, p->value);
			const struct key_desc *d;
			const char *name;
			size_t base, saved;
			int idx, rc;

			if (k->type != YAML_SCALAR_NODE)
				return conf_err(ctx, k, "keys must be names, found %s",
						conf_node_kind(k));
			name = (const char *)k->data.scalar.value;
			saved = conf_path_push(ctx, name);
			idx = conf_key_index(s, name);
			if (idx < 0) {
				const char *near = NULL;
				unsigned best = ~0u;

				for (unsigned i = 0; i < nk; i++) {
					d = conf_key_at(s, i, &base);
					if (close_enough(name, d->name, &best))
						near = d->name;
				}
				if (near != NULL)
					return conf_err(ctx, k, "unknown key (did you mean '%s'?)",
							near);
				return conf_err(ctx, k, "unknown key");
			}
			d = conf_key_at(s, (unsigned)idx, &base);
			if (seen >> idx & 1)
				return conf_err(ctx, k, "duplicate key (first given at line %zu)",
						first[idx].line + 1);
			for (unsigned j = 0; d->group != 0 && j < nk; j++) {
				size_t b2;
				const struct key_desc *o = conf_key_at(s, j, &b2);

				if ((seen >> j & 1) && o->group == d->group)
					return conf_err(ctx, k, "conflicts with '%s' (line %zu): "
							"give only one of them", o->name,
							first[j].line + 1);
			}
			seen |= 1ull << idx;
			first[idx] = k->start_mark;
			rc = parse_value(ctx, d, v, (char *)obj + base);
			conf_path_pop(ctx, saved);
			if (rc < 0)
				return -1;
		}
	}

	for (unsigned i = 0; i < nk; i++) {
		size_t base;
		const struct key_desc *d = conf_key_at(s, i, &base);
		bool given = seen >> i & 1;
		const char *alt = NULL;

		if (!(d->flags & F_REQUIRED))
			continue;
		for (unsigned j = 0; d->group != 0 && j < nk; j++) {
			size_t b2;
			const struct key_desc *o = conf_key_at(s, j, &b2);

			if (j != i && o->group == d->group) {
				given = given || (seen >> j & 1);
				alt = o->name;
			}
		}
		if (!given) {
			conf_path_push(ctx, d->name);
			if (alt != NULL)
				return conf_err_mark(ctx, &mark, "required key missing (give '%s' "
						     "or '%s')", d->name, alt);
			return conf_err_mark(ctx, &mark, "required key missing");
		}
	}

	/* Sections left out still get their defaults checked (and their hooks run). */
	for (unsigned i = 0; i < nk; i++) {
		size_t base, saved;
		const struct key_desc *d = conf_key_at(s, i, &base);
		int rc;

		if (d->type != KT_SECTION || (seen >> i & 1))
			continue;
		saved = conf_path_push(ctx, d->name);
		rc = conf_walk_map(ctx, d->aux, (char *)obj + base + d->off, NULL, &mark);
		conf_path_pop(ctx, saved);
		if (rc < 0)
			return -1;
	}
	return s->check != NULL ? s->check(ctx, obj, map, seen) : 0;
}

/* --------------------------------------------------------------- files --- */

#define CONF_FILE_MAX (64u << 20)

/* Read a whole file into a malloc'd buffer. Returns 0 or -errno. */
int
conf_read_all(const char *path, unsigned char **buf, size_t *len)
{
	size_t n = 0, cap = 4096;
	unsigned char *b = malloc(cap);
	int fd, err = 0;

	if (b == NULL)
		return -ENOMEM;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		free(b);
		return err;
	}
	for (;;) {
		ssize_t r;

		if (n == cap) {
			unsigned char *nb;

			if (cap >= CONF_FILE_MAX) {
				err = -EFBIG;
				break;
			}
			nb = malloc(cap * 2);
			if (nb == NULL) {
				err = -ENOMEM;
				break;
			}
			memcpy(nb, b, n);
			explicit_bzero(b, n);   /* the file may hold secrets */
			free(b);
			b = nb;
			cap *= 2;
		}
		r = read(fd, b + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = -errno;
			break;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	if (err < 0) {
		explicit_bzero(b, n);
		free(b);
		return err;
	}
	*buf = b;
	*len = n;
	return 0;
}

static void
syntax_error(struct conf_ctx *ctx, const yaml_parser_t *p, const unsigned char *text,
	     size_t len)
{
	yaml_mark_t m = p->problem_mark;
	char ctxt[128] = "";

	if (p->error == YAML_READER_ERROR) {
		/* the reader reports a byte offset, not a mark */
		m.line = 0;
		m.column = 0;
		for (size_t i = 0; i < p->problem_offset && i < len; i++) {
			if (text[i] == '\n') {
				m.line++;
				m.column = 0;
			} else {
				m.column++;
			}
		}
	}
	if (p->context != NULL)
		snprintf(ctxt, sizeof(ctxt), " (%s at line %zu)", p->context,
			 p->context_mark.line + 1);
	conf_path_set(ctx, "syntax error");
	conf_err_mark(ctx, &m, "%s%s", p->problem != NULL ? p->problem : "malformed YAML",
		      ctxt);
}

/* Scalars may hold secrets: wipe them before libyaml frees the tree. */
static void
wipe_doc(yaml_document_t *doc)
{
	for (yaml_node_t *n = doc->nodes.start; n < doc->nodes.top; n++)
		if (n->type == YAML_SCALAR_NODE)
			explicit_bzero(n->data.scalar.value, n->data.scalar.length);
}

/* Lets destruct-timeout be checked where it stands, wherever `limits:` is. */
static void
prescan_short_timers(struct conf_ctx *ctx, yaml_node_t *root)
{
	yaml_node_t *v = conf_map_get(ctx->doc, conf_map_get(ctx->doc, root, "limits"),
				      "allow-short-timers");
	bool b;

	if (v != NULL && v->type == YAML_SCALAR_NODE &&
	    v->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	    conf_parse_bool((const char *)v->data.scalar.value, &b) == 0)
		ctx->short_timers = b;
}

int
conf_parse_text(struct conf_ctx *ctx, const unsigned char *text, size_t len,
		const struct schema *s, void *obj)
{
	yaml_parser_t parser;
	yaml_document_t doc, extra;
	yaml_node_t *root;
	yaml_mark_t top = { 0, 0, 0 };
	int rc = -1;

	if (!yaml_parser_initialize(&parser))
		return conf_err_mark(ctx, &top, "out of memory");
	yaml_parser_set_input_string(&parser, text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		syntax_error(ctx, &parser, text, len);
		yaml_parser_delete(&parser);
		return -1;
	}
	ctx->doc = &doc;
	root = yaml_document_get_root_node(&doc);
	if (yaml_parser_load(&parser, &extra)) {
		yaml_node_t *r2 = yaml_document_get_root_node(&extra);

		if (r2 != NULL) {
			conf_path_set(ctx, "syntax error");
			conf_err(ctx, r2, "more than one YAML document");
		}
		wipe_doc(&extra);
		yaml_document_delete(&extra);
	} else {
		syntax_error(ctx, &parser, text, len);
	}
	if (ctx->failed)
		goto out;
	conf_path_set(ctx, "%s", "");
	if (root == NULL || conf_is_null(root)) {
		rc = conf_walk_map(ctx, s, obj, NULL, root != NULL ? &root->start_mark : &top);
	} else if (root->type != YAML_MAPPING_NODE) {
		rc = conf_err(ctx, root, "expected a mapping of sections, found %s",
			      conf_node_kind(root));
	} else {
		if (s == &conf_root_schema)
			prescan_short_timers(ctx, root);
		rc = conf_walk_map(ctx, s, obj, root, NULL);
	}
out:
	wipe_doc(&doc);
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	ctx->doc = NULL;
	return ctx->failed ? -1 : rc;
}
