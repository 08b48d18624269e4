/* SPDX-License-Identifier: BSD-3-Clause */
/* Human-readable output for lnsctl. See fmt.h for the contract. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"

/* ---- units ---- */

char *
fmt_bytes(uint64_t v, char *buf, size_t size)
{
	static const char *const unit[] = { "B", "kB", "MB", "GB", "TB", "PB", "EB" };
	uint64_t d = 1;

	if (v < 1000) {
		snprintf(buf, size, "%" PRIu64 " B", v);
		return buf;
	}
	/* Take the smallest unit in which the rounded value stays below 1000, with one
	 * decimal below 100. Integer arithmetic only: no overflow, no float rounding. */
	for (size_t k = 1; k < sizeof(unit) / sizeof(unit[0]); k++) {
		uint64_t tenth, tenths, whole;

		d *= 1000;
		tenth = d / 10;
		tenths = v / tenth + (v % tenth >= tenth / 2);
		if (tenths < 1000) {
			snprintf(buf, size, "%" PRIu64 ".%" PRIu64 " %s", tenths / 10, tenths % 10,
				 unit[k]);
			return buf;
		}
		whole = v / d + (v % d >= d / 2);
		if (whole < 1000 || k == sizeof(unit) / sizeof(unit[0]) - 1) {
			snprintf(buf, size, "%" PRIu64 " %s", whole, unit[k]);
			return buf;
		}
	}
	return buf; /* not reached: EB holds any uint64_t */
}

char *
fmt_count(uint64_t v, char *buf, size_t size)
{
	char digits[24], grouped[FMT_UNIT_LEN];
	size_t n = (size_t)snprintf(digits, sizeof(digits), "%" PRIu64, v), o = 0;

	for (size_t i = 0; i < n; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			grouped[o++] = ',';
		grouped[o++] = digits[i];
	}
	grouped[o] = '\0';
	snprintf(buf, size, "%s", grouped);
	return buf;
}

char *
fmt_duration(uint64_t s, char *buf, size_t size)
{
	uint64_t d = s / 86400, h = s / 3600 % 24, m = s / 60 % 60, sec = s % 60;

	if (s < 60)
		snprintf(buf, size, "%" PRIu64 "s", sec);
	else if (s < 3600)
		snprintf(buf, size, "%" PRIu64 "m %02" PRIu64 "s", m, sec);
	else if (s < 86400)
		snprintf(buf, size, "%" PRIu64 "h %02" PRIu64 "m %02" PRIu64 "s", h, m, sec);
	else
		snprintf(buf, size, "%" PRIu64 "d %02" PRIu64 "h %02" PRIu64 "m %02" PRIu64 "s",
			 d, h, m, sec);
	return buf;
}

/* ---- text hygiene ---- */

size_t
fmt_width(const char *s)
{
	size_t w = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

/* Copy of `s` with C0 controls, DEL and C1 controls (U+0080..U+009F, which some
 * terminals obey as escape introducers) replaced by '?'. */
static char *
clean_dup(const char *s)
{
	size_t n = strlen(s), o = 0;
	char *d = malloc(n + 1);

	if (d == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];

		if (c == 0xc2 && i + 1 < n && (unsigned char)s[i + 1] >= 0x80 &&
		    (unsigned char)s[i + 1] <= 0x9f) {
			d[o++] = '?';
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			d[o++] = '?';
		} else {
			d[o++] = c;
		}
	}
	d[o] = '\0';
	return d;
}

static void
put_clean(FILE *out, const char *s)
{
	char *c = clean_dup(s);

	fputs(c != NULL ? c : "?", out);
	free(c);
}

static void
put_spaces(FILE *out, size_t n)
{
	while (n-- > 0)
		fputc(' ', out);
}

/* ---- tables ---- */

struct fmt_table {
	size_t ncols;
	size_t nrows;
	size_t cap;
	char **heading;
	enum fmt_align *align;
	char **cell; /* nrows * ncols; NULL prints as nothing */
};

struct fmt_table *
fmt_table_new(size_t ncols)
{
	struct fmt_table *t;

	if (ncols == 0)
		return NULL;
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return NULL;
	t->ncols = ncols;
	t->heading = calloc(ncols, sizeof(*t->heading));
	t->align = calloc(ncols, sizeof(*t->align));
	if (t->heading == NULL || t->align == NULL) {
		fmt_table_free(t);
		return NULL;
	}
	return t;
}

void
fmt_table_free(struct fmt_table *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cell[i]);
	for (size_t c = 0; t->heading != NULL && c < t->ncols; c++)
		free(t->heading[c]);
	free(t->cell);
	free(t->heading);
	free(t->align);
	free(t);
}

void
fmt_table_column(struct fmt_table *t, size_t col, const char *heading, enum fmt_align a)
{
	if (col >= t->ncols)
		return;
	free(t->heading[col]);
	t->heading[col] = heading != NULL ? clean_dup(heading) : NULL;
	t->align[col] = a;
}

long
fmt_table_add_row(struct fmt_table *t)
{
	if (t->nrows == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		char **cell = reallocarray(t->cell, cap * t->ncols, sizeof(*cell));

		if (cell == NULL)
			return -1;
		t->cell = cell;
		t->cap = cap;
	}
	memset(&t->cell[t->nrows * t->ncols], 0, t->ncols * sizeof(*t->cell));
	return (long)t->nrows++;
}

int
fmt_table_set(struct fmt_table *t, size_t row, size_t col, const char *text)
{
	char **c;

	if (row >= t->nrows || col >= t->ncols)
		return -EINVAL;
	c = &t->cell[row * t->ncols + col];
	free(*c);
	*c = clean_dup(text);
	return *c != NULL ? 0 : -ENOMEM;
}

size_t
fmt_table_rows(const struct fmt_table *t)
{
	return t->nrows;
}

static void
print_line(const struct fmt_table *t, FILE *out, unsigned int indent, const size_t *width,
	   char *const *text)
{
	size_t pending = indent;

	for (size_t c = 0; c < t->ncols; c++) {
		const char *s = text[c] != NULL ? text[c] : "";
		size_t w = fmt_width(s);

		if (c > 0)
			pending += 2;
		if (t->align[c] == FMT_RIGHT)
			pending += width[c] - w;
		if (w > 0) {
			put_spaces(out, pending);
			pending = 0;
			fputs(s, out);
		}
		if (t->align[c] == FMT_LEFT)
			pending += width[c] - w;
	}
	fputc('\n', out);
}

void
fmt_table_print(const struct fmt_table *t, FILE *out, unsigned int indent)
{
	size_t *width = calloc(t->ncols, sizeof(*width));
	bool headed = false;

	if (width == NULL) {
		fputs("lnsctl: out of memory\n", stderr);
		return;
	}
	for (size_t c = 0; c < t->ncols; c++) {
		if (t->heading[c] != NULL) {
			width[c] = fmt_width(t->heading[c]);
			headed |= width[c] > 0;
		}
		for (size_t r = 0; r < t->nrows; r++) {
			const char *s = t->cell[r * t->ncols + c];
			size_t w = s != NULL ? fmt_width(s) : 0;

			if (w > width[c])
				width[c] = w;
		}
	}
	if (headed)
		print_line(t, out, indent, width, t->heading);
	for (size_t r = 0; r < t->nrows; r++)
		print_line(t, out, indent, width, &t->cell[r * t->ncols]);
	free(width);
}

/* ---- cells ---- */

static char *
json_text(const struct ljson *v, unsigned int indent)
{
	char *s = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&s, &n);

	if (f == NULL)
		return NULL;
	ljson_write(f, v, indent);
	if (fclose(f) != 0) {
		free(s);
		return NULL;
	}
	return s;
}

char *
fmt_cell_text(const struct ljson *v)
{
	char *s;

	switch (v->type) {
	case LJSON_NULL:
		return strdup("-");
	case LJSON_BOOL:
		return strdup(v->b ? "true" : "false");
	case LJSON_NUMBER:
	case LJSON_STRING:
		return strdup(v->str);
	case LJSON_ARRAY:
	case LJSON_OBJECT:
		break;
	}
	s = json_text(v, 0);
	if (s != NULL && fmt_width(s) > FMT_CELL_MAX) {
		/* cut on a code point boundary, leaving room for "..." */
		size_t cols = 0, i = 0;

		for (; s[i] != '\0'; i++) {
			if (((unsigned char)s[i] & 0xc0) != 0x80 && cols++ == FMT_CELL_MAX - 3)
				break;
		}
		memcpy(s + i, "...", 4); /* the JSON text is longer than i + 3 bytes */
	}
	return s;
}

static bool
is_scalar(const struct ljson *v)
{
	return v->type != LJSON_ARRAY && v->type != LJSON_OBJECT;
}

/* ---- /lns/stats ---- */

/* A numeric cell: exact count, or bytes in SI units; "-" when absent, the sent text
 * when it is a number but not an unsigned integer. */
static const char *
num_cell(const struct ljson *v, bool bytes, char *buf, size_t size)
{
	uint64_t u;

	if (ljson_u64(v, &u))
		return bytes ? fmt_bytes(u, buf, size) : fmt_count(u, buf, size);
	if (v != NULL && v->type == LJSON_NUMBER)
		return v->str;
	return "-";
}

static const char *
str_cell(const struct ljson *v, char *buf, size_t size)
{
	if (v == NULL)
		return "-";
	if (v->type == LJSON_STRING)
		return v->str;
	if (v->type == LJSON_NUMBER)
		return v->str;
	snprintf(buf, size, "%s", v->type == LJSON_BOOL ? (v->b ? "true" : "false") : "-");
	return buf;
}

static bool
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static void
stats_header(FILE *out, const struct ljson *info)
{
	char buf[FMT_UNIT_LEN];
	uint64_t u;

	fputs("lnsd ", out);
	put_clean(out, str_cell(ljson_get(info, "version"), buf, sizeof(buf)));
	/* pid and worker count are identifiers, not quantities: no grouping */
	fputs("  pid ", out);
	put_clean(out, str_cell(ljson_get(info, "pid"), buf, sizeof(buf)));
	fprintf(out, "  up %s", ljson_get_u64(info, "uptime_s", &u) ?
		fmt_duration(u, buf, sizeof(buf)) : "-");
	fputs("  workers ", out);
	put_clean(out, str_cell(ljson_get(info, "workers"), buf, sizeof(buf)));
	/* data-plane gauges, from lnsd versions that send them */
	if (ljson_get_u64(info, "tunnels", &u))
		fprintf(out, "  tunnels %s", fmt_count(u, buf, sizeof(buf)));
	if (ljson_get_u64(info, "sessions", &u))
		fprintf(out, "  sessions %s", fmt_count(u, buf, sizeof(buf)));
	if (ljson_get(info, "node") != NULL) {
		fputs("  node ", out);
		put_clean(out, str_cell(ljson_get(info, "node"), buf, sizeof(buf)));
	}
	fputc('\n', out);
}

enum { PC_PORT, PC_ID, PC_DEVICE, PC_ADDRESS, PC_LINK, PC_RXP, PC_RXB, PC_TXP, PC_TXB,
       PC_MISSED, PC_ERRORS, PC_MAX };

static int
stats_ports(FILE *out, const struct ljson *ports)
{
	static const struct { const char *heading; enum fmt_align a; } col[PC_MAX] = {
		[PC_PORT] = { "PORT", FMT_LEFT },
		[PC_ID] = { "ID", FMT_RIGHT },
		[PC_DEVICE] = { "DEVICE", FMT_LEFT },
		[PC_ADDRESS] = { "ADDRESS", FMT_LEFT },
		[PC_LINK] = { "LINK", FMT_LEFT },
		[PC_RXP] = { "RX PKTS", FMT_RIGHT },
		[PC_RXB] = { "RX BYTES", FMT_RIGHT },
		[PC_TXP] = { "TX PKTS", FMT_RIGHT },
		[PC_TXB] = { "TX BYTES", FMT_RIGHT },
		[PC_MISSED] = { "MISSED", FMT_RIGHT },
		[PC_ERRORS] = { "ERRORS", FMT_RIGHT },
	};
	/* every way a port loses packets besides "missed" (RX ring full) */
	static const char *const errors[] = { "rx_errors", "tx_errors", "rx_nombuf" };
	struct fmt_table *t = fmt_table_new(PC_MAX);
	int rc = 0;

	if (t == NULL)
		return -ENOMEM;
	for (size_t c = 0; c < PC_MAX; c++)
		fmt_table_column(t, c, col[c].heading, col[c].a);
	for (const struct ljson *p = ports != NULL && ports->type == LJSON_OBJECT ?
	     ports->child : NULL; p != NULL; p = p->next) {
		char buf[PC_MAX][FMT_UNIT_LEN];
		const char *cell[PC_MAX];
		uint64_t sum = 0, u;
		bool any = false;
		long row;

		if (p->type != LJSON_OBJECT)
			continue;
		cell[PC_PORT] = p->key;
		cell[PC_ID] = num_cell(ljson_get(p, "port_id"), false, buf[PC_ID], FMT_UNIT_LEN);
		cell[PC_DEVICE] = str_cell(ljson_get(p, "device"), buf[PC_DEVICE], FMT_UNIT_LEN);
		cell[PC_ADDRESS] = str_cell(ljson_get(p, "address"), buf[PC_ADDRESS],
					    FMT_UNIT_LEN);
		cell[PC_LINK] = str_cell(ljson_get(p, "link"), buf[PC_LINK], FMT_UNIT_LEN);
		cell[PC_RXP] = num_cell(ljson_get(p, "rx_packets"), false, buf[PC_RXP],
					FMT_UNIT_LEN);
		cell[PC_RXB] = num_cell(ljson_get(p, "rx_bytes"), true, buf[PC_RXB], FMT_UNIT_LEN);
		cell[PC_TXP] = num_cell(ljson_get(p, "tx_packets"), false, buf[PC_TXP],
					FMT_UNIT_LEN);
		cell[PC_TXB] = num_cell(ljson_get(p, "tx_bytes"), true, buf[PC_TXB], FMT_UNIT_LEN);
		cell[PC_MISSED] = num_cell(ljson_get(p, "rx_missed"), false, buf[PC_MISSED],
					   FMT_UNIT_LEN);
		for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); i++) {
			if (ljson_get_u64(p, errors[i], &u)) {
				sum = u > UINT64_MAX - sum ? UINT64_MAX : sum + u;
				any = true;
			}
		}
		cell[PC_ERRORS] = any ? fmt_count(sum, buf[PC_ERRORS], FMT_UNIT_LEN) : "-";

		row = fmt_table_add_row(t);
		for (size_t c = 0; row >= 0 && c < PC_MAX && rc == 0; c++)
			rc = fmt_table_set(t, (size_t)row, c, cell[c]);
		if (row < 0 || rc != 0) {
			rc = -ENOMEM;
			break;
		}
	}
	fputs("\nPORTS\n", out);
	if (fmt_table_rows(t) == 0)
		fputs("  none reported\n", out);
	else
		fmt_table_print(t, out, 2);
	fmt_table_free(t);
	return rc;
}

/* Name/value section; `drops` hides zeros (unless `all`) and titles with the total;
 * `quiet` (protocol counters) hides zeros too, and is left out when absent. */
static int
stats_section(FILE *out, const char *title, const struct ljson *obj, bool drops, bool all,
	      bool quiet);

/* A drop reason as operators read it: telemetry's "esp/icv" is "esp.icv". */
static const char *
drop_name(const char *key, char *buf, size_t len)
{
	size_t i;

	for (i = 0; key[i] != '\0' && i + 1 < len; i++)
		buf[i] = key[i] == '/' ? '.' : key[i];
	buf[i] = '\0';
	return buf;
}

static int
stats_named(FILE *out, const char *title, const struct ljson *obj, bool drops, bool all)
{
	return stats_section(out, title, obj, drops, all, false);
}

static int
stats_section(FILE *out, const char *title, const struct ljson *obj, bool drops, bool all,
	      bool quiet)
{
	struct fmt_table *t = fmt_table_new(2);
	uint64_t total = 0, u;
	char buf[FMT_UNIT_LEN], name[128];
	int rc = 0;

	if (t == NULL)
		return -ENOMEM;
	fmt_table_column(t, 0, drops ? "REASON" : "COUNTER", FMT_LEFT);
	fmt_table_column(t, 1, drops ? "PACKETS" : "VALUE", FMT_RIGHT);
	for (const struct ljson *m = obj != NULL && obj->type == LJSON_OBJECT ?
	     obj->child : NULL; m != NULL; m = m->next) {
		bool known = ljson_u64(m, &u);
		long row;

		if (known)
			total = u > UINT64_MAX - total ? UINT64_MAX : total + u;
		if ((drops || quiet) && !all && known && u == 0)
			continue;
		row = fmt_table_add_row(t);
		if (row < 0 || fmt_table_set(t, (size_t)row, 0,
					     drops ? drop_name(m->key, name, sizeof(name)) :
					     m->key) != 0 ||
		    fmt_table_set(t, (size_t)row, 1,
				  num_cell(m, !drops && ends_with(m->key, "bytes"), buf,
					   sizeof(buf))) != 0) {
			rc = -ENOMEM;
			break;
		}
	}
	if (quiet && (obj == NULL || obj->type != LJSON_OBJECT)) {
		fmt_table_free(t);
		return 0;
	}
	fprintf(out, "\n%s", title);
	if (drops)
		fprintf(out, " (total %s)", fmt_count(total, buf, sizeof(buf)));
	fputc('\n', out);
	if (obj == NULL || obj->type != LJSON_OBJECT)
		fputs("  none reported\n", out);
	else if (fmt_table_rows(t) == 0)
		fputs(drops ? "  no drops\n" : "  none\n", out);
	else
		fmt_table_print(t, out, 2);
	fmt_table_free(t);
	return rc;
}

/* Address pools: "pools_size" and "pools_in_use" ({name: addresses} each); left
 * out when lnsd sends neither (no pools, or an older lnsd). */
static int
stats_pools(FILE *out, const struct ljson *size, const struct ljson *use)
{
	struct fmt_table *t;
	int rc = 0;

	if (size == NULL || size->type != LJSON_OBJECT)
		return 0;
	t = fmt_table_new(4);
	if (t == NULL)
		return -ENOMEM;
	fmt_table_column(t, 0, "POOL", FMT_LEFT);
	fmt_table_column(t, 1, "SIZE", FMT_RIGHT);
	fmt_table_column(t, 2, "IN USE", FMT_RIGHT);
	fmt_table_column(t, 3, "FREE", FMT_RIGHT);
	for (const struct ljson *m = size->child; m != NULL && rc == 0; m = m->next) {
		char b[3][FMT_UNIT_LEN];
		uint64_t n, u;
		bool have_u = use != NULL && ljson_get_u64(use, m->key, &u);
		long row;

		if (!ljson_u64(m, &n))
			continue;
		row = fmt_table_add_row(t);
		if (row < 0 || fmt_table_set(t, (size_t)row, 0, m->key) != 0 ||
		    fmt_table_set(t, (size_t)row, 1, fmt_count(n, b[0], FMT_UNIT_LEN)) != 0 ||
		    fmt_table_set(t, (size_t)row, 2,
				  have_u ? fmt_count(u, b[1], FMT_UNIT_LEN) : "-") != 0 ||
		    fmt_table_set(t, (size_t)row, 3, have_u && u <= n ?
				  fmt_count(n - u, b[2], FMT_UNIT_LEN) : "-") != 0)
			rc = -ENOMEM;
	}
	if (rc == 0 && fmt_table_rows(t) > 0) {
		fputs("\nPOOLS\n", out);
		fmt_table_print(t, out, 2);
	}
	fmt_table_free(t);
	return rc;
}

int
fmt_stats(FILE *out, const struct ljson *v, bool all)
{
	uint64_t u;
	int rc;

	if (v == NULL || v->type != LJSON_OBJECT)
		return -EINVAL;
	stats_header(out, ljson_get(v, "lnsd"));
	if (ljson_get_u64(v, "draining", &u) && u != 0) {
		char buf[FMT_UNIT_LEN];
		uint64_t left = 0;

		ljson_get_u64(v, "sessions_left", &left);
		fprintf(out, "DRAINING: new tunnels and calls refused, %s sessions left\n",
			fmt_count(left, buf, sizeof(buf)));
	}
	rc = stats_ports(out, ljson_get(v, "ports"));
	if (rc == 0)
		rc = stats_named(out, "COUNTERS", ljson_get(v, "counters"), false, all);
	if (rc == 0)
		rc = stats_named(out, "DROPS", ljson_get(v, "drops"), true, all);
	/* per data-path lcore: how the load spreads, and who decrypts (an SA's owner) */
	/* every lcore, zeros too: an idle worker is what this table is for */
	if (rc == 0 && ljson_get(v, "lcore_rx_packets") != NULL)
		rc = stats_named(out, "RX PACKETS PER LCORE", ljson_get(v, "lcore_rx_packets"),
				 false, all);
	if (rc == 0)
		rc = stats_section(out, "ESP DECRYPTED PER LCORE", ljson_get(v, "lcore_esp_in"),
				   false, all, true);
	if (rc == 0)
		rc = stats_section(out, "ESP HANDED OFF PER LCORE",
				   ljson_get(v, "lcore_esp_handoff"), false, all, true);
	if (rc == 0)
		rc = stats_section(out, "L2TP", ljson_get(v, "l2tp"), false, all, true);
	if (rc == 0)
		rc = stats_section(out, "PPP", ljson_get(v, "ppp"), false, all, true);
	if (rc == 0)
		rc = stats_section(out, "IKE", ljson_get(v, "ike"), false, all, true);
	if (rc == 0)
		rc = stats_pools(out, ljson_get(v, "pools_size"), ljson_get(v, "pools_in_use"));
	return rc;
}

/* ---- generic ---- */

static bool
is_decimal(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static bool
is_flat(const struct ljson *obj)
{
	for (const struct ljson *m = obj->child; m != NULL; m = m->next)
		if (!is_scalar(m))
			return false;
	return true;
}

/* Whether `v` reads best as one table: a list of objects, or an object of objects
 * that is a collection -- keyed by id (DPDK 22.11 telemetry cannot send a list of
 * objects, so lnsd keys its lists by id) or made of flat records. An object of
 * nested sections (a configuration) reads better as indented key: value lines. */
static bool
table_shaped(const struct ljson *v)
{
	bool ids = true, flat = true;

	if ((v->type != LJSON_ARRAY && v->type != LJSON_OBJECT) || v->count == 0)
		return false;
	for (const struct ljson *m = v->child; m != NULL; m = m->next) {
		if (m->type != LJSON_OBJECT)
			return false;
		if (v->type == LJSON_OBJECT) {
			ids &= is_decimal(m->key);
			flat &= is_flat(m);
		}
	}
	return v->type == LJSON_ARRAY || ids || flat;
}

static void
heading_of(char *dst, size_t size, const char *key)
{
	size_t i = 0;

	for (; key[i] != '\0' && i + 1 < size; i++)
		dst[i] = key[i] >= 'a' && key[i] <= 'z' ? key[i] - 'a' + 'A' : key[i];
	dst[i] = '\0';
}

/* One table for a list (or an id-keyed object) of objects. The union of keys is kept
 * in first-seen order; lookups are linear, which is fine for the tens of columns a
 * telemetry reply (at most 16 KiB) can carry. */
static int
generic_table(FILE *out, const struct ljson *v, unsigned int indent)
{
	const bool keyed = v->type == LJSON_OBJECT;
	const char **cols = NULL;
	size_t ncols = 0, first = keyed ? 1 : 0;
	struct fmt_table *t = NULL;
	bool *numeric = NULL, has_id = false, has_name = false;
	int rc = -ENOMEM;

	for (const struct ljson *m = v->child; m != NULL; m = m->next) {
		for (const struct ljson *f = m->child; f != NULL; f = f->next) {
			size_t c = 0;
			const char **grown;

			while (c < ncols && strcmp(cols[c], f->key) != 0)
				c++;
			if (c < ncols)
				continue;
			grown = reallocarray(cols, ncols + 1, sizeof(*cols));
			if (grown == NULL)
				goto out;
			cols = grown;
			cols[ncols++] = f->key;
			has_id |= strcmp(f->key, "id") == 0;
			has_name |= strcmp(f->key, "name") == 0;
		}
	}
	t = fmt_table_new(first + ncols);
	numeric = calloc(first + ncols, sizeof(*numeric));
	if (t == NULL || numeric == NULL)
		goto out;
	for (size_t c = 0; c < first + ncols; c++)
		numeric[c] = true;
	for (const struct ljson *m = v->child; m != NULL; m = m->next) {
		long row = fmt_table_add_row(t);

		if (row < 0)
			goto out;
		if (keyed) {
			if (fmt_table_set(t, (size_t)row, 0, m->key) != 0)
				goto out;
			numeric[0] &= is_decimal(m->key);
		}
		for (size_t c = 0; c < ncols; c++) {
			const struct ljson *f = ljson_get(m, cols[c]);
			char *text = f != NULL ? fmt_cell_text(f) : strdup("-");

			if (text == NULL || fmt_table_set(t, (size_t)row, first + c, text) != 0) {
				free(text);
				goto out;
			}
			free(text);
			if (f != NULL && f->type != LJSON_NUMBER && f->type != LJSON_NULL)
				numeric[first + c] = false;
		}
	}
	if (keyed) {
		/* name the key column after what the keys are, unless a field has that name */
		const char *name = numeric[0] ? "ID" : "NAME";

		if ((numeric[0] && has_id) || (!numeric[0] && has_name))
			name = "KEY";
		fmt_table_column(t, 0, name, numeric[0] ? FMT_RIGHT : FMT_LEFT);
	}
	for (size_t c = 0; c < ncols; c++) {
		char h[64];

		heading_of(h, sizeof(h), cols[c]);
		fmt_table_column(t, first + c, h, numeric[first + c] ? FMT_RIGHT : FMT_LEFT);
	}
	fmt_table_print(t, out, indent);
	rc = 0;
out:
	if (rc != 0)
		fputs("lnsctl: out of memory\n", stderr);
	fmt_table_free(t);
	free(numeric);
	free(cols);
	return rc;
}

static void
print_indented_json(FILE *out, const struct ljson *v, unsigned int indent)
{
	char *s = json_text(v, 2), *line, *save = NULL;

	if (s == NULL)
		return;
	for (line = strtok_r(s, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		put_spaces(out, indent);
		put_clean(out, line);
		fputc('\n', out);
	}
	free(s);
}

static bool
scalar_array(const struct ljson *v)
{
	if (v->type != LJSON_ARRAY)
		return false;
	for (const struct ljson *m = v->child; m != NULL; m = m->next)
		if (!is_scalar(m))
			return false;
	return true;
}

static void generic_at(FILE *out, const struct ljson *v, unsigned int indent);

/* A value that fits after "key: " on one line. */
static bool
inline_value(const struct ljson *v)
{
	return is_scalar(v) || v->count == 0 || scalar_array(v);
}

static void
put_inline(FILE *out, const struct ljson *v)
{
	char *s;

	if (v->type == LJSON_ARRAY || v->type == LJSON_OBJECT) {
		if (v->count == 0) {
			fputs("(none)", out);
			return;
		}
		for (const struct ljson *m = v->child; m != NULL; m = m->next) {
			s = fmt_cell_text(m);
			put_clean(out, s != NULL ? s : "?");
			free(s);
			if (m->next != NULL)
				fputs(", ", out);
		}
		return;
	}
	s = fmt_cell_text(v);
	put_clean(out, s != NULL ? s : "?");
	free(s);
}

static void
generic_kv(FILE *out, const struct ljson *v, unsigned int indent)
{
	size_t width = 0;

	for (const struct ljson *m = v->child; m != NULL; m = m->next)
		if (inline_value(m) && fmt_width(m->key) > width)
			width = fmt_width(m->key);
	for (const struct ljson *m = v->child; m != NULL; m = m->next) {
		put_spaces(out, indent);
		put_clean(out, m->key);
		fputc(':', out);
		if (inline_value(m)) {
			put_spaces(out, width - fmt_width(m->key) + 1);
			put_inline(out, m);
			fputc('\n', out);
		} else {
			fputc('\n', out);
			generic_at(out, m, indent + 2);
		}
	}
}

static void
generic_at(FILE *out, const struct ljson *v, unsigned int indent)
{
	if ((v->type == LJSON_ARRAY || v->type == LJSON_OBJECT) && v->count == 0) {
		put_spaces(out, indent);
		fputs("(none)\n", out);
	} else if (table_shaped(v)) {
		if (generic_table(out, v, indent) != 0)
			print_indented_json(out, v, indent);
	} else if (v->type == LJSON_OBJECT) {
		generic_kv(out, v, indent);
	} else if (scalar_array(v)) {
		for (const struct ljson *m = v->child; m != NULL; m = m->next) {
			put_spaces(out, indent);
			put_inline(out, m);
			fputc('\n', out);
		}
	} else if (is_scalar(v)) {
		put_spaces(out, indent);
		put_inline(out, v);
		fputc('\n', out);
	} else {
		print_indented_json(out, v, indent);
	}
}

void
fmt_generic(FILE *out, const struct ljson *v)
{
	generic_at(out, v, 0);
}
