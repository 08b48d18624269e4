/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of lnsctl: JSON reader/writer, units, formatters, command line, and the
 * telemetry client end to end against a fake DPDK telemetry server. */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <arpa/inet.h>

#include <CUnit/Basic.h>

#include "cli.h"
#include "fmt.h"
#include "list.h"
#include "ljson.h"
#include "lns_listq.h"
#include "tel.h"
#include "top.h"

/* A /lns/stats value as lnsd sends it (counters trimmed). */
static const char stats_value[] =
	"{\"lnsd\":{\"version\":\"0.1.0\",\"uptime_s\":3725,\"workers\":2,\"pid\":1234,"
	"\"tunnels\":2,\"sessions\":12345},"
	"\"ports\":{"
	"\"access\":{\"port_id\":0,\"device\":\"net_af_packet0\",\"driver\":\"net_af_packet\","
	"\"mac\":\"02:00:00:00:00:01\",\"address\":\"192.0.2.1/24\",\"link\":\"up\","
	"\"rx_packets\":1234567,\"rx_bytes\":1500000,\"tx_packets\":42,\"tx_bytes\":999,"
	"\"rx_missed\":3,\"rx_errors\":1,\"tx_errors\":2,\"rx_nombuf\":4},"
	"\"core\":{\"port_id\":1,\"device\":\"net_af_packet1\",\"driver\":\"net_af_packet\","
	"\"mac\":\"02:00:00:00:00:02\",\"address\":\"198.51.100.1/24\",\"link\":\"down\","
	"\"rx_packets\":0,\"rx_bytes\":0,\"tx_packets\":18446744073709551615,"
	"\"tx_bytes\":18446744073709551615,\"rx_missed\":0,\"rx_errors\":0,\"tx_errors\":0,"
	"\"rx_nombuf\":0}},"
	"\"counters\":{\"rx_packets\":1234567,\"rx_bytes\":1500000,\"punted\":17,"
	"\"esp_in\":9007199254740993},"
	"\"drops\":{\"eth_truncated\":0,\"ipv4_bad_cksum\":7,\"punt_ring_full\":0,\"no_mbuf\":2}}";

/* ---- helpers ---- */

/* Parse from an exactly-sized heap copy, so a read past the end trips ASan. */
static struct ljson_doc *
parse_exact(const char *s, size_t len, struct ljson_error *err)
{
	char *copy = malloc(len ? len : 1);
	struct ljson_doc *doc;

	CU_ASSERT_PTR_NOT_NULL_FATAL(copy);
	memcpy(copy, s, len);
	doc = ljson_parse(copy, len, err);
	free(copy);
	return doc;
}

static struct ljson_doc *
parse_str(const char *s)
{
	return parse_exact(s, strlen(s), NULL);
}

static char *
to_json(const struct ljson *v, unsigned int indent)
{
	char *s = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&s, &n);

	ljson_write(f, v, indent);
	fclose(f);
	return s;
}

/* Start a memstream capture. */
struct capture {
	FILE *f;
	char *buf;
	size_t len;
};

static void
cap_open(struct capture *c)
{
	c->buf = NULL;
	c->len = 0;
	c->f = open_memstream(&c->buf, &c->len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c->f);
}

static char *
cap_close(struct capture *c)
{
	fclose(c->f);
	return c->buf;
}

/* The line of `text` that contains `needle`, copied (NULL if none). */
static char *
line_with(const char *text, const char *needle)
{
	const char *p = strstr(text, needle), *b, *e;
	char *l;

	if (p == NULL)
		return NULL;
	for (b = p; b > text && b[-1] != '\n'; b--)
		;
	e = strchr(p, '\n');
	if (e == NULL)
		e = p + strlen(p);
	l = strndup(b, (size_t)(e - b));
	return l;
}

/* Column just past the end of `needle` in `line`, or -1. */
static long
end_col(const char *line, const char *needle)
{
	const char *p = line != NULL ? strstr(line, needle) : NULL;

	return p != NULL ? (long)(p - line + strlen(needle)) : -1;
}

/* ---- reading replies (json-c parses; lnsctl keeps the tree it walks) ---- */

/* What lnsctl relies on when it reads a reply: types, member order, JSON null kept
 * as a value (not as "absent"), decoded strings, and exact integers to 2^64-1. */
static void
test_json_good(void)
{
	struct ljson_doc *d = parse_str(
		" {\"a\": [1, -2, 3.5e2, true, false, null, {}, []],\n"
		"  \"s\": \"q\\\"b\\\\s\\/n\\nt\\tu\\u00e9\\ud83d\\ude00 raw \xc3\xa9\","
		"  \"big\": 18446744073709551615, \"p53\": 9007199254740993,"
		"  \"min\": -9223372036854775808, \"z\": -0, \"nul\": null } \r\n");
	const struct ljson *r, *a, *v;
	uint64_t u;

	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	r = ljson_root(d);
	CU_ASSERT_EQUAL(r->type, LJSON_OBJECT);
	CU_ASSERT_EQUAL(r->count, 7);
	CU_ASSERT_STRING_EQUAL(r->child->key, "a");       /* members in sent order */
	a = ljson_get(r, "a");
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_EQUAL(a->type, LJSON_ARRAY);
	CU_ASSERT_EQUAL(a->count, 8);
	v = a->child;
	CU_ASSERT(ljson_u64(v, &u) && u == 1);
	v = v->next;
	CU_ASSERT(!ljson_u64(v, &u));
	CU_ASSERT(v->num_flags == LJSON_NUM_I64 && v->i64 == -2);
	v = v->next;
	CU_ASSERT(v->num_flags == 0 && v->dbl == 350.0);
	CU_ASSERT_STRING_EQUAL(v->str, "3.5e2");          /* a fraction keeps its text */
	v = v->next;
	CU_ASSERT(v->type == LJSON_BOOL && v->b);
	v = v->next;
	CU_ASSERT(v->type == LJSON_BOOL && !v->b);
	v = v->next;
	CU_ASSERT(v->type == LJSON_NULL);
	v = v->next;
	CU_ASSERT(v->type == LJSON_OBJECT && v->count == 0 && v->child == NULL);
	v = v->next;
	CU_ASSERT(v->type == LJSON_ARRAY && v->count == 0 && v->next == NULL);

	CU_ASSERT_STRING_EQUAL(ljson_get_string(r, "s"),
			       "q\"b\\s/n\nt\tu\xc3\xa9\xf0\x9f\x98\x80 raw \xc3\xa9");
	/* counters above 2^53 are exact, as integer and as text */
	CU_ASSERT(ljson_get_u64(r, "big", &u) && u == UINT64_MAX);
	CU_ASSERT_STRING_EQUAL(ljson_get(r, "big")->str, "18446744073709551615");
	CU_ASSERT(ljson_get_u64(r, "p53", &u) && u == 9007199254740993ULL);
	CU_ASSERT_STRING_EQUAL(ljson_get(r, "p53")->str, "9007199254740993");
	v = ljson_get(r, "min");
	CU_ASSERT(v->num_flags == LJSON_NUM_I64 && v->i64 == INT64_MIN);
	v = ljson_get(r, "z");
	CU_ASSERT((v->num_flags & LJSON_NUM_I64) && v->i64 == 0);
	v = ljson_get(r, "nul");
	CU_ASSERT(v != NULL && v->type == LJSON_NULL);    /* null is there, not missing */
	CU_ASSERT_PTR_NULL(ljson_get(r, "missing"));
	CU_ASSERT_PTR_NULL(ljson_get(a, "a"));
	CU_ASSERT_PTR_NULL(ljson_get_string(r, "big"));
	ljson_free(d);

	/* scalars at the top level */
	d = parse_str("42");
	CU_ASSERT(d != NULL && ljson_root(d)->u64 == 42);
	ljson_free(d);
	d = parse_str("\"\"");
	CU_ASSERT(d != NULL && ljson_root(d)->len == 0);
	ljson_free(d);
	ljson_free(NULL);
}

/* Replies that are not one JSON text fail with a message and an offset in range.
 * json-c is more lenient than RFC 8259 in places lnsctl does not depend on (leading
 * zeros, "1.", lone surrogates, raw control characters in strings, some invalid
 * UTF-8 sequences); those are not listed. NaN and Infinity, which --json could not
 * print back, lnsctl refuses itself. */
static void
test_json_bad(void)
{
	static const char *const bad[] = {
		"", " ", "{", "}", "[", "[1,]", "[,1]", "{\"a\":}", "{\"a\" 1}", "{\"a\":1,}",
		"{1:2}", "[\"a\":1]", "[1 2]", "01", "+1", "1e", "1e+", ".5", "-",
		"tru", "nul", "falsey", "True", "NaN", "Infinity", "-Infinity", "[NaN]",
		"'a'", "\"abc", "\"\\x\"", "\"\\u12\"", "\"\\u12g4\"", "\"\\u0000\"", "[1]x",
		"{}{}", "1 2", "\xff", "\"\xc3\"", "\"\xe2\x82\"", "\xef\xbb\xbf{}", "[\"\\",
		"{\"a\":1 \"b\":2}", "/", "\"\\",
	};
	struct ljson_error err;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct ljson_doc *d;

		memset(&err, 0, sizeof(err));
		d = parse_exact(bad[i], strlen(bad[i]), &err);
		if (d != NULL)
			fprintf(stderr, "\naccepted bad JSON #%zu: %s\n", i, bad[i]);
		CU_ASSERT_PTR_NULL(d);
		ljson_free(d);
		CU_ASSERT(err.msg[0] != '\0');
		CU_ASSERT(err.offset <= strlen(bad[i]));
	}
	/* the message names the place */
	CU_ASSERT_PTR_NULL(parse_exact("[1, 2 x]", 8, &err));
	CU_ASSERT_EQUAL(err.offset, 6);
	CU_ASSERT_PTR_NULL(parse_exact("{\"a\":1", 6, &err));
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "end of input"));
	/* an embedded NUL is not whitespace */
	CU_ASSERT_PTR_NULL(parse_exact("{}\0", 3, &err));
	CU_ASSERT_PTR_NULL(parse_exact("[\"a\0b\"]", 7, &err));
	CU_ASSERT_PTR_NULL(ljson_parse(NULL, 1, &err));
	CU_ASSERT_PTR_NULL(ljson_parse("{}", (size_t)LJSON_MAX_INPUT + 1, &err));
}

/* Every proper prefix of an object is invalid and must fail cleanly. */
static void
test_json_truncations(void)
{
	const char *samples[] = {
		stats_value,
		"{\"s\":\"\\ud83d\\ude00\\u00e9\\n\xe2\x82\xac\",\"n\":[-1.5e-3,0,true,false,null]}",
	};

	for (size_t s = 0; s < sizeof(samples) / sizeof(samples[0]); s++) {
		size_t len = strlen(samples[s]);
		struct ljson_doc *d;
		struct ljson_error err;

		for (size_t cut = 0; cut < len; cut++) {
			d = parse_exact(samples[s], cut, &err);
			if (d != NULL)
				fprintf(stderr, "\nsample %zu accepted at cut %zu\n", s, cut);
			CU_ASSERT_PTR_NULL(d);
			ljson_free(d);
			CU_ASSERT(err.offset <= cut);
		}
		d = parse_exact(samples[s], len, &err);
		CU_ASSERT_PTR_NOT_NULL(d);
		ljson_free(d);
	}
}

static void
test_json_depth(void)
{
	char buf[2 * 100001];
	struct ljson_error err;
	struct ljson_doc *d;

	for (int i = 0; i < LJSON_MAX_DEPTH; i++) {
		buf[i] = '[';
		buf[2 * LJSON_MAX_DEPTH - 1 - i] = ']';
	}
	d = parse_exact(buf, 2 * LJSON_MAX_DEPTH, &err);
	CU_ASSERT_PTR_NOT_NULL(d);
	ljson_free(d);

	for (int i = 0; i < LJSON_MAX_DEPTH + 1; i++) {
		buf[i] = '[';
		buf[2 * (LJSON_MAX_DEPTH + 1) - 1 - i] = ']';
	}
	d = parse_exact(buf, 2 * (LJSON_MAX_DEPTH + 1), &err);
	CU_ASSERT_PTR_NULL(d);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "nesting"));
	CU_ASSERT_EQUAL(err.offset, LJSON_MAX_DEPTH);

	/* far too deep: must fail without exhausting the stack */
	memset(buf, '[', 100000);
	d = parse_exact(buf, 100000, &err);
	CU_ASSERT_PTR_NULL(d);

	/* objects count too */
	{
		char *s = NULL;
		size_t n = 0;
		FILE *f = open_memstream(&s, &n);

		for (int i = 0; i < LJSON_MAX_DEPTH + 1; i++)
			fputs("{\"k\":", f);
		fputs("1", f);
		for (int i = 0; i < LJSON_MAX_DEPTH + 1; i++)
			fputc('}', f);
		fclose(f);
		CU_ASSERT_PTR_NULL(parse_exact(s, n, &err));
		CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "nesting"));
		free(s);
	}
}

static void
test_json_write(void)
{
	struct ljson_doc *d = parse_str(
		"{ \"a\" : [ 1 , 18446744073709551615, -2.50e+3 ], \"s\": \"x\\\"\\\\\\n\\u0001\xc3\xa9\","
		"\"e\": {}, \"f\": [], \"t\": true, \"n\": null }");
	struct ljson_doc *d2;
	char *compact, *pretty, *again;

	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	compact = to_json(ljson_root(d), 0);
	CU_ASSERT_STRING_EQUAL(compact,
		"{\"a\":[1,18446744073709551615,-2.50e+3],\"s\":\"x\\\"\\\\\\n\\u0001\xc3\xa9\","
		"\"e\":{},\"f\":[],\"t\":true,\"n\":null}");
	pretty = to_json(ljson_root(d), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(pretty, "{\n  \"a\": [\n    1,\n    18446744073709551615,\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(pretty, "\"e\": {},\n"));
	CU_ASSERT(pretty[strlen(pretty) - 1] == '}');
	d2 = parse_str(pretty);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d2);
	again = to_json(ljson_root(d2), 0);
	CU_ASSERT_STRING_EQUAL(again, compact);
	free(compact);
	free(pretty);
	free(again);
	ljson_free(d);
	ljson_free(d2);
}

/* ---- units ---- */

static void
test_units(void)
{
	static const struct { uint64_t v; const char *bytes, *count; } c[] = {
		{ 0, "0 B", "0" },
		{ 999, "999 B", "999" },
		{ 1000, "1.0 kB", "1,000" },
		{ 1500, "1.5 kB", "1,500" },
		{ 99949, "99.9 kB", "99,949" },
		{ 99950, "100 kB", "99,950" },
		{ 999499, "999 kB", "999,499" },
		{ 999500, "1.0 MB", "999,500" },
		{ 1500000, "1.5 MB", "1,500,000" },
		{ 123456789, "123 MB", "123,456,789" },
		{ 1000000000000ULL, "1.0 TB", "1,000,000,000,000" },
		{ UINT64_MAX, "18.4 EB", "18,446,744,073,709,551,615" },
	};
	static const struct { uint64_t s; const char *text; } d[] = {
		{ 0, "0s" }, { 59, "59s" }, { 60, "1m 00s" }, { 125, "2m 05s" },
		{ 3725, "1h 02m 05s" }, { 86399, "23h 59m 59s" },
		{ 86400 + 4 * 3600 + 5 * 60 + 6, "1d 04h 05m 06s" },
	};
	char buf[FMT_UNIT_LEN];

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		CU_ASSERT_STRING_EQUAL(fmt_bytes(c[i].v, buf, sizeof(buf)), c[i].bytes);
		CU_ASSERT_STRING_EQUAL(fmt_count(c[i].v, buf, sizeof(buf)), c[i].count);
	}
	for (size_t i = 0; i < sizeof(d) / sizeof(d[0]); i++)
		CU_ASSERT_STRING_EQUAL(fmt_duration(d[i].s, buf, sizeof(buf)), d[i].text);
	CU_ASSERT_PTR_NOT_NULL(strstr(fmt_duration(UINT64_MAX, buf, sizeof(buf)), "d "));
	/* a short buffer truncates, never overflows */
	CU_ASSERT_STRING_EQUAL(fmt_count(1234567, buf, 4), "1,2");
	CU_ASSERT_EQUAL(fmt_width("a\xc3\xa9\xe2\x82\xac"), 3);
}

/* ---- formatters ---- */

static char *
stats_text(const char *json, bool all, int *rc)
{
	struct ljson_doc *d = parse_str(json);
	struct capture c;

	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	cap_open(&c);
	*rc = fmt_stats(c.f, ljson_root(d), all);
	ljson_free(d);
	return cap_close(&c);
}

static void
test_fmt_stats(void)
{
	int rc;
	char *t = stats_text(stats_value, false, &rc), *head, *acc, *core, *l;

	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "lnsd 0.1.0  pid 1234  up 1h 02m 05s  workers 2  "
				      "tunnels 2  sessions 12,345\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "\nPORTS\n"));
	head = line_with(t, "RX BYTES");
	acc = line_with(t, "access");
	core = line_with(t, "core ");
	CU_ASSERT_PTR_NOT_NULL_FATAL(head);
	CU_ASSERT_PTR_NOT_NULL_FATAL(acc);
	CU_ASSERT_PTR_NOT_NULL_FATAL(core);
	/* heading columns in order */
	CU_ASSERT(strstr(head, "PORT") < strstr(head, "DEVICE"));
	CU_ASSERT(strstr(head, "DEVICE") < strstr(head, "ADDRESS"));
	CU_ASSERT(strstr(head, "LINK") < strstr(head, "RX PKTS"));
	CU_ASSERT(strstr(head, "TX BYTES") < strstr(head, "MISSED"));
	CU_ASSERT(strstr(head, "MISSED") < strstr(head, "ERRORS"));
	/* cells */
	CU_ASSERT_PTR_NOT_NULL(strstr(acc, "net_af_packet0"));
	CU_ASSERT_PTR_NOT_NULL(strstr(acc, "192.0.2.1/24"));
	CU_ASSERT_PTR_NOT_NULL(strstr(acc, " up "));
	CU_ASSERT_PTR_NOT_NULL(strstr(core, " down "));
	CU_ASSERT_PTR_NOT_NULL(strstr(core, "18.4 EB"));
	CU_ASSERT_PTR_NOT_NULL(strstr(core, "18,446,744,073,709,551,615"));
	/* left-aligned columns start together, right-aligned ones end together */
	CU_ASSERT_EQUAL(strstr(acc, "net_af_packet0") - acc, strstr(head, "DEVICE") - head);
	CU_ASSERT_EQUAL(strstr(core, "198.51.100.1/24") - core, strstr(head, "ADDRESS") - head);
	CU_ASSERT_EQUAL(end_col(acc, "1,234,567"), end_col(head, "RX PKTS"));
	CU_ASSERT_EQUAL(end_col(acc, "1.5 MB"), end_col(head, "RX BYTES"));
	CU_ASSERT_EQUAL(end_col(acc, "999 B"), end_col(head, "TX BYTES"));
	/* ERRORS = rx_errors + tx_errors + rx_nombuf = 7, the last column */
	CU_ASSERT_EQUAL(end_col(acc, " 7"), end_col(head, "ERRORS"));
	CU_ASSERT_EQUAL((size_t)end_col(acc, " 7"), strlen(acc));
	CU_ASSERT_EQUAL(end_col(acc, " 3"), end_col(head, "MISSED"));
	free(head);
	free(acc);
	free(core);

	/* counters: all of them; bytes in units */
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "\nCOUNTERS\n"));
	l = line_with(t, "punted");
	CU_ASSERT_PTR_NOT_NULL(l);
	CU_ASSERT(l != NULL && strcmp(l + strlen(l) - 3, " 17") == 0);
	free(l);
	l = line_with(t, "  rx_bytes");
	CU_ASSERT(l != NULL && strstr(l, "1.5 MB") != NULL);
	free(l);
	/* 2^53 + 1: a double would print ...992 */
	l = line_with(t, "esp_in");
	CU_ASSERT(l != NULL && strstr(l, " 9,007,199,254,740,993") != NULL);
	free(l);

	/* drops: non-zero only, with the total */
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "\nDROPS (total 9)\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "ipv4_bad_cksum"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "no_mbuf"));
	CU_ASSERT_PTR_NULL(strstr(t, "eth_truncated"));
	CU_ASSERT_PTR_NULL(strstr(t, "punt_ring_full"));
	free(t);

	/* --all shows the zeros */
	t = stats_text(stats_value, true, &rc);
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "eth_truncated"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "punt_ring_full"));
	free(t);

	/* address pools: a table of size, in use and free; none sent, no table */
	t = stats_text("{\"lnsd\":{},\"pools_size\":{\"subs\":254,\"lab\":14},"
		       "\"pools_in_use\":{\"subs\":1000,\"lab\":3}}", false, &rc);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "\nPOOLS\n  POOL  SIZE  IN USE  FREE\n"
				      "  subs   254   1,000     -\n  lab     14       3    11\n"));
	free(t);
	t = stats_text("{\"lnsd\":{}}", false, &rc);
	CU_ASSERT_PTR_NULL(strstr(t, "POOLS"));
	free(t);

	/* no drops at all */
	t = stats_text("{\"lnsd\":{},\"drops\":{\"a\":0,\"b\":0}}", false, &rc);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "DROPS (total 0)\n  no drops\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "lnsd -  pid -  up -  workers -\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "PORTS\n  none reported\n"));
	free(t);

	/* missing and odd fields print as "-" or as sent, never crash */
	t = stats_text("{\"ports\":{\"access\":{\"device\":\"x\",\"rx_packets\":-1,"
		       "\"link\":true},\"bogus\":5}}", false, &rc);
	CU_ASSERT_EQUAL(rc, 0);
	l = line_with(t, "access");
	CU_ASSERT(l != NULL && strstr(l, "-1") != NULL && strstr(l, "true") != NULL);
	CU_ASSERT_PTR_NULL(strstr(t, "bogus"));
	free(l);
	free(t);

	t = stats_text("[1,2]", false, &rc);
	CU_ASSERT_EQUAL(rc, -EINVAL);
	CU_ASSERT_STRING_EQUAL(t, "");
	free(t);
}

static char *
generic_text(const char *json)
{
	struct ljson_doc *d = parse_str(json);
	struct capture c;

	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	cap_open(&c);
	fmt_generic(c.f, ljson_root(d));
	ljson_free(d);
	return cap_close(&c);
}

static void
test_fmt_generic(void)
{
	char *t, *h, *r1, *r2;

	/* list of objects: union of keys in first-seen order, "-" where absent */
	t = generic_text("[{\"id\":1,\"peer\":\"192.0.2.7\",\"state\":\"established\"},"
			 "{\"id\":12345,\"peer\":\"198.51.100.20\",\"sessions\":3}]");
	h = line_with(t, "ID");
	r1 = line_with(t, "192.0.2.7");
	r2 = line_with(t, "198.51.100.20");
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r2);
	CU_ASSERT_STRING_EQUAL(h, "   ID  PEER           STATE        SESSIONS");
	CU_ASSERT_STRING_EQUAL(r1, "    1  192.0.2.7      established         -");
	CU_ASSERT_STRING_EQUAL(r2, "12345  198.51.100.20  -                   3");
	free(h);
	free(r1);
	free(r2);
	free(t);

	/* id-keyed object of objects: the key becomes the first column */
	t = generic_text("{\"7\":{\"peer\":\"a\",\"up_s\":5},\"42\":{\"peer\":\"bb\",\"up_s\":60}}");
	CU_ASSERT_STRING_EQUAL(t, "ID  PEER  UP_S\n 7  a        5\n42  bb      60\n");
	free(t);
	t = generic_text("{\"x\":{\"id\":1},\"y\":{\"id\":2}}");
	CU_ASSERT_STRING_EQUAL(t, "NAME  ID\nx      1\ny      2\n");
	free(t);
	t = generic_text("{\"5\":{\"id\":1,\"n\":{\"a\":1}}}");
	CU_ASSERT_STRING_EQUAL(t, "KEY  ID  N\n  5   1  {\"a\":1}\n");
	free(t);
	/* named sections with nested objects are not a collection: key: value lines */
	t = generic_text("{\"l2tp\":{\"hello\":60,\"profiles\":{\"default\":{\"single_shot\":true}}},"
			 "\"ports\":{\"access\":{\"dev\":\"p0\"},\"core\":{\"dev\":\"p1\"}}}");
	CU_ASSERT_STRING_EQUAL(t,
		"l2tp:\n"
		"  hello: 60\n"
		"  profiles:\n"
		"    NAME     SINGLE_SHOT\n"
		"    default  true\n"
		"ports:\n"
		"  NAME    DEV\n"
		"  access  p0\n"
		"  core    p1\n");
	free(t);

	/* plain object: aligned key: value lines, nested ones indented */
	t = generic_text("{\"name\":\"lns1\",\"hello_interval\":60,\"ports\":[1,2],"
			 "\"limits\":{\"max\":5,\"short\":true},\"none\":null,\"empty\":[]}");
	CU_ASSERT_STRING_EQUAL(t,
		"name:           lns1\n"
		"hello_interval: 60\n"
		"ports:          1, 2\n"
		"limits:\n"
		"  max:   5\n"
		"  short: true\n"
		"none:           -\n"
		"empty:          (none)\n");
	free(t);

	t = generic_text("[]");
	CU_ASSERT_STRING_EQUAL(t, "(none)\n");
	free(t);
	t = generic_text("[\"/\",\"/lns/stats\"]");
	CU_ASSERT_STRING_EQUAL(t, "/\n/lns/stats\n");
	free(t);
	t = generic_text("\"plain\"");
	CU_ASSERT_STRING_EQUAL(t, "plain\n");
	free(t);
	/* mixed array: pretty JSON */
	t = generic_text("[1,{\"a\":2}]");
	CU_ASSERT_STRING_EQUAL(t, "[\n  1,\n  {\n    \"a\": 2\n  }\n]\n");
	free(t);

	/* terminal escapes from the daemon never reach the terminal */
	t = generic_text("[{\"detail\":\"x\\u001b[31my\\u009bz\\u007f\"}]");
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "x?[31my?z?"));
	CU_ASSERT_PTR_NULL(strchr(t, 0x1b));
	free(t);
	t = generic_text("{\"k\\n\":\"v\\r\"}");
	CU_ASSERT_STRING_EQUAL(t, "k?: v?\n");
	free(t);

	/* nested containers in cells: compact JSON, cut when long */
	t = generic_text("[{\"a\":[1,2],\"b\":{\"c\":\"0123456789012345678901234567890123456789"
			 "0123456789012345678901234567890123456789\"}}]");
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "[1,2]"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "...\n"));
	r1 = line_with(t, "[1,2]");
	CU_ASSERT(r1 != NULL && fmt_width(r1) <= 5 + 2 + FMT_CELL_MAX);
	free(r1);
	free(t);
}

static void
test_table(void)
{
	struct fmt_table *t = fmt_table_new(3);
	struct capture c;
	char *s;

	CU_ASSERT_PTR_NULL(fmt_table_new(0));
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	fmt_table_column(t, 0, "NAME", FMT_LEFT);
	fmt_table_column(t, 1, "N", FMT_RIGHT);
	fmt_table_column(t, 2, "NOTE", FMT_LEFT);
	for (int i = 0; i < 40; i++) {
		long r = fmt_table_add_row(t);

		CU_ASSERT_EQUAL(r, i);
		CU_ASSERT_EQUAL(fmt_table_set(t, (size_t)r, 0, i % 2 ? "\xc3\xa9t\xc3\xa9" : "a"), 0);
		CU_ASSERT_EQUAL(fmt_table_set(t, (size_t)r, 1, i % 2 ? "10" : "7"), 0);
	}
	CU_ASSERT_EQUAL(fmt_table_set(t, 40, 0, "x"), -EINVAL);
	CU_ASSERT_EQUAL(fmt_table_set(t, 0, 3, "x"), -EINVAL);
	CU_ASSERT_EQUAL(fmt_table_rows(t), 40);
	cap_open(&c);
	fmt_table_print(t, c.f, 1);
	s = cap_close(&c);
	/* UTF-8 counts one column per code point; empty trailing cells leave no blanks */
	{
		const char *expect = " NAME   N  NOTE\n a      7\n \xc3\xa9t\xc3\xa9   10\n a      7\n";

		CU_ASSERT(strncmp(s, expect, strlen(expect)) == 0);
	}
	free(s);
	fmt_table_free(t);
	fmt_table_free(NULL);
}

/* ---- command line ---- */

static int
parse(struct ctl_opts *o, char *err, const char *first, ...)
{
	char *argv[32] = { "lnsctl" };
	int argc = 1;
	va_list ap;

	va_start(ap, first);
	for (const char *a = first; a != NULL && argc < 31; a = va_arg(ap, const char *))
		argv[argc++] = (char *)a;
	va_end(ap);
	err[0] = '\0';
	return ctl_parse_args(argc, argv, o, err, 256);
}

static void
test_args(void)
{
	static const struct { const char *w1, *w2, *w3, *req; enum ctl_view view; } ok[] = {
		{ "show", "stats", NULL, "/lns/stats", CTL_VIEW_STATS },
		{ "show", "tunnels", NULL, "/lns/tunnels", CTL_VIEW_GENERIC },
		{ "show", "sessions", NULL, "/lns/sessions", CTL_VIEW_GENERIC },
		{ "show", "sa", NULL, "/lns/sa", CTL_VIEW_GENERIC },
		{ "show", "events", NULL, "/lns/events", CTL_VIEW_GENERIC },
		{ "show", "config", NULL, "/lns/config", CTL_VIEW_CONFIG },
		{ "clear", "tunnel", "5", "/lns/clear/tunnel,5", CTL_VIEW_GENERIC },
		{ "clear", "tunnel", "65535", "/lns/clear/tunnel,65535", CTL_VIEW_GENERIC },
		{ "clear", "tunnel", "007", "/lns/clear/tunnel,7", CTL_VIEW_GENERIC },
		{ "clear", "session", "4294967294", "/lns/clear/session,4294967294", CTL_VIEW_GENERIC },
		{ "clear", "session", "0", "/lns/clear/session,0", CTL_VIEW_GENERIC },
		{ "clear", "sa", "0xC0FFEE01", "/lns/clear/sa,3237998081", CTL_VIEW_GENERIC },
		{ "clear", "sa", "256", "/lns/clear/sa,256", CTL_VIEW_GENERIC },
		{ "raw", "/ethdev/stats,0", NULL, "/ethdev/stats,0", CTL_VIEW_RAW },
		{ "raw", "/", NULL, "/", CTL_VIEW_RAW },
	};
	static const struct { const char *w[4]; const char *msg; } bad[] = {
		{ { NULL }, "no command" },
		{ { "show" }, "show what" },
		{ { "show", "nothing" }, "unknown 'show nothing'" },
		{ { "show", "stats", "extra" }, "too many" },
		{ { "clear" }, "clear what" },
		{ { "clear", "tunnel" }, "needs a tunnel id" },
		{ { "clear", "tunnel", "0" }, "invalid tunnel id '0'" },
		{ { "clear", "tunnel", "65536" }, "1 to 65535" },
		{ { "clear", "tunnel", "5x" }, "a number" },
		{ { "clear", "tunnel", "+5" }, "a number" },
		{ { "clear", "tunnel", " 5" }, "a number" },
		{ { "clear", "tunnel", "" }, "a number" },
		{ { "clear", "tunnel", "0x10" }, "a number" },
		{ { "clear", "tunnel", "99999999999999999999999" }, "1 to 65535" },
		{ { "clear", "session", "4294967296" }, "invalid session id" },
		{ { "clear", "session", "4294967295" }, "invalid session id" },
		{ { "clear", "sa", "255" }, "256 to 4294967295" },
		{ { "clear", "sa", "0x" }, "invalid SPI" },
		{ { "clear", "sa", "0x1g" }, "invalid SPI" },
		{ { "clear", "tunnel", "1", "2" }, "too many" },
		{ { "clear", "bogus", "1" }, "unknown 'clear bogus'" },
		{ { "raw" }, "raw needs" },
		{ { "raw", "lns/stats" }, "starts with '/'" },
		{ { "raw", "/a\tb" }, "control character" },
		{ { "raw", "/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" }, "longer than 55" },
		{ { "help", "me" }, "too many" },
		{ { "frobnicate" }, "unknown command 'frobnicate'" },
	};
	struct ctl_opts o;
	char err[256], path[4096];

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		bool list = strcmp(ok[i].w1, "show") == 0 && (strcmp(ok[i].w2, "tunnels") == 0 ||
			    strcmp(ok[i].w2, "sessions") == 0 || strcmp(ok[i].w2, "sa") == 0 ||
			    strcmp(ok[i].w2, "config") == 0);

		CU_ASSERT_EQUAL(parse(&o, err, ok[i].w1, ok[i].w2, ok[i].w3, NULL), 0);
		CU_ASSERT_EQUAL(o.action, list ? CTL_ACT_LIST : CTL_ACT_REQUEST);
		CU_ASSERT_STRING_EQUAL(o.request, ok[i].req);
		CU_ASSERT_EQUAL(o.view, ok[i].view);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *argv[6] = { "lnsctl" };
		int argc = 1;

		for (int w = 0; w < 4 && bad[i].w[w] != NULL; w++)
			argv[argc++] = (char *)bad[i].w[w];
		CU_ASSERT_EQUAL(ctl_parse_args(argc, argv, &o, err, sizeof(err)), -1);
		if (strstr(err, bad[i].msg) == NULL)
			fprintf(stderr, "\nbad case %zu: got '%s'\n", i, err);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, bad[i].msg));
	}
	{
		char longraw[TEL_MAX_REQUEST + 2];

		memset(longraw, 'a', sizeof(longraw) - 1);
		longraw[0] = '/';
		longraw[5] = ',';
		longraw[sizeof(longraw) - 1] = '\0';
		CU_ASSERT_EQUAL(parse(&o, err, "raw", longraw, NULL), -1);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, "longer than 1023 bytes"));
		longraw[sizeof(longraw) - 2] = '\0';
		CU_ASSERT_EQUAL(parse(&o, err, "raw", longraw, NULL), 0);
	}

	/* options: defaults, both spellings, anywhere, "--" */
	CU_ASSERT_EQUAL(parse(&o, err, "show", "stats", NULL), 0);
	CU_ASSERT_STRING_EQUAL(o.file_prefix, "lnsd");
	CU_ASSERT(!o.json && !o.all && o.runtime_dir == NULL && o.socket == NULL);
	CU_ASSERT_EQUAL(o.timeout_ms, TEL_TIMEOUT_MS);
	CU_ASSERT_EQUAL(parse(&o, err, "--file-prefix", "lab1", "show", "stats", "--json",
			      "-a", "--runtime-dir=/run/x", "--timeout", "9", NULL), 0);
	CU_ASSERT_STRING_EQUAL(o.file_prefix, "lab1");
	CU_ASSERT_STRING_EQUAL(o.runtime_dir, "/run/x");
	CU_ASSERT(o.json && o.all && o.timeout_ms == 9000);
	CU_ASSERT_EQUAL(ctl_socket_path(&o, path, sizeof(path)), 0);
	CU_ASSERT_STRING_EQUAL(path, "/run/x/lab1/dpdk_telemetry.v2");
	CU_ASSERT_EQUAL(parse(&o, err, "-j", "--file-prefix=p", "--socket", "/tmp/s", "show",
			      "sa", NULL), 0);
	CU_ASSERT_EQUAL(ctl_socket_path(&o, path, sizeof(path)), 0);
	CU_ASSERT_STRING_EQUAL(path, "/tmp/s");
	CU_ASSERT_EQUAL(parse(&o, err, "--", "raw", "/", NULL), 0);
	CU_ASSERT_EQUAL(parse(&o, err, "--", "show", "stats", "--json", NULL), -1);
	CU_ASSERT_EQUAL(parse(&o, err, "show", "--help", "nonsense", NULL), 0);
	CU_ASSERT_EQUAL(o.action, CTL_ACT_HELP);
	CU_ASSERT_EQUAL(parse(&o, err, "help", NULL), 0);
	CU_ASSERT_EQUAL(o.action, CTL_ACT_HELP);
	CU_ASSERT_EQUAL(parse(&o, err, "-V", NULL), 0);
	CU_ASSERT_EQUAL(o.action, CTL_ACT_VERSION);

	CU_ASSERT_EQUAL(parse(&o, err, "show", "stats", "--file-prefix", NULL), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "needs a value"));
	CU_ASSERT_EQUAL(parse(&o, err, "--file-prefix=", "show", "stats", NULL), -1);
	CU_ASSERT_EQUAL(parse(&o, err, "--file-prefix", "a/b", "show", "stats", NULL), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "not a path"));
	CU_ASSERT_EQUAL(parse(&o, err, "--bogus", "show", "stats", NULL), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "unknown option '--bogus'"));
	CU_ASSERT_EQUAL(parse(&o, err, "--jsonx", "show", "stats", NULL), -1);
	CU_ASSERT_EQUAL(parse(&o, err, "--file-prefixx=a", "show", "stats", NULL), -1);
	CU_ASSERT_EQUAL(parse(&o, err, "clear", "tunnel", "-1", NULL), -1);
	CU_ASSERT_EQUAL(parse(&o, err, "--timeout", "0", "show", "stats", NULL), -1);
	CU_ASSERT_EQUAL(parse(&o, err, "--timeout", "3601", "show", "stats", NULL), -1);
	CU_ASSERT_EQUAL(parse(&o, err, "--timeout", "1s", "show", "stats", NULL), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "--timeout"));
}

static void
test_runtime_dir(void)
{
	char d[64];

	CU_ASSERT_EQUAL(tel_runtime_dir(d, sizeof(d), NULL, "lnsd", 0, "/run/user/0"), 0);
	CU_ASSERT_STRING_EQUAL(d, "/var/run/dpdk/lnsd");
	CU_ASSERT_EQUAL(tel_runtime_dir(d, sizeof(d), NULL, "lnsd", 1000, "/run/user/1000"), 0);
	CU_ASSERT_STRING_EQUAL(d, "/run/user/1000/dpdk/lnsd");
	CU_ASSERT_EQUAL(tel_runtime_dir(d, sizeof(d), NULL, "p", 1000, ""), 0);
	CU_ASSERT_STRING_EQUAL(d, "/tmp/dpdk/p");
	CU_ASSERT_EQUAL(tel_runtime_dir(d, sizeof(d), NULL, "p", 1000, NULL), 0);
	CU_ASSERT_STRING_EQUAL(d, "/tmp/dpdk/p");
	CU_ASSERT_EQUAL(tel_runtime_dir(d, sizeof(d), "/srv/rt", "p", 0, NULL), 0);
	CU_ASSERT_STRING_EQUAL(d, "/srv/rt/p");
	CU_ASSERT_EQUAL(tel_runtime_dir(d, 8, NULL, "lnsd", 0, NULL), -ENAMETOOLONG);
}

/* ---- end to end against a fake telemetry server ---- */

enum fake_mode {
	FAKE_NORMAL,  /* hello, then answer from the script */
	FAKE_BUSY,    /* accept and close at once, as DPDK does past 10 clients */
	FAKE_SILENT,  /* hello, then never answer */
	FAKE_BADHELLO,
};

static char tmpdir[64];
static char big_reply[16300];

/* Reply for a request, as DPDK would word it; NULL means {"<cmd>":null}. */
static const char *
fake_answer(const char *req)
{
	static char buf[sizeof(stats_value) + 64];

	if (strcmp(req, "/lns/stats") == 0) {
		snprintf(buf, sizeof(buf), "{\"/lns/stats\":%s}", stats_value);
		return buf;
	}
	if (strcmp(req, "/") == 0)
		return "{\"/\":[\"/\",\"/help\",\"/info\",\"/lns/clear/tunnel\","
		       "\"/lns/clear/session\",\"/lns/stats\",\"/lns/tunnels\"]}";
	if (strcmp(req, "/lns/tunnels") == 0)
		return "{\"/lns/tunnels\":{\"3\":{\"peer\":\"192.0.2.9\",\"sessions\":1},"
		       "\"next\":4}}";
	if (strcmp(req, "/lns/tunnels,from=4") == 0)
		return "{\"/lns/tunnels\":{\"12\":{\"peer\":\"192.0.2.10\",\"sessions\":22}}}";
	if (strcmp(req, "/lns/tunnels,peer=192.0.2.10") == 0)
		return "{\"/lns/tunnels\":{\"12\":{\"peer\":\"192.0.2.10\",\"sessions\":22}}}";
	if (strcmp(req, "/lns/tunnels,state=b%2Cd") == 0)
		return "{\"/lns/tunnels\":{\"error\":\"bad state\"}}";
	if (strcmp(req, "/lns/log") == 0)
		return "{\"/lns/log\":{\"levels\":{\"l2tp\":\"info\",\"ppp\":\"notice\"}}}";
	if (strcmp(req, "/lns/log,l2tp:debug") == 0)
		return "{\"/lns/log\":{\"levels\":{\"l2tp\":\"debug\",\"ppp\":\"notice\"}}}";
	if (strcmp(req, "/lns/log,bogus:debug") == 0)
		return "{\"/lns/log\":{\"error\":\"unknown module 'bogus'\"}}";
	if (strcmp(req, "/lns/clear/session,7") == 0)
		return "{\"/lns/clear/session\":{\"error\":\"no session 7\"}}";
	if (strcmp(req, "/lns/clear/session,8") == 0)
		return "{\"/lns/clear/session\":{\"cleared\":8}}";
	if (strcmp(req, "/lns/sa") == 0)
		return "{\"/lns/stats\":{}}";
	if (strcmp(req, "/lns/events") == 0)
		return "{\"/lns/events\":[1,2";
	if (strcmp(req, "/test/big") == 0)
		return big_reply;
	return NULL;
}

static void
fake_serve(int fd, enum fake_mode mode)
{
	static const char hello[] =
		"{\"version\":\"DPDK 22.11.11\",\"pid\":4242,\"max_output_len\":16384}";
	char req[1024], out[1200];
	ssize_t n;

	if (mode == FAKE_BUSY)
		return;
	if (mode == FAKE_BADHELLO) {
		(void)!write(fd, "hello there", 11);
		return;
	}
	if (write(fd, hello, strlen(hello)) < 0)
		return;
	while ((n = read(fd, req, sizeof(req) - 1)) > 0) {
		const char *a;

		req[n] = '\0';
		if (mode == FAKE_SILENT)
			continue;
		a = fake_answer(req);
		if (a == NULL) {
			snprintf(out, sizeof(out), "{\"%.*s\":null}", (int)strcspn(req, ","), req);
			a = out;
		}
		if (write(fd, a, strlen(a)) < 0)
			return;
	}
}

/* Fork a server listening at <tmpdir>/<prefix>/dpdk_telemetry.v2. */
static pid_t
fake_start(const char *prefix, enum fake_mode mode)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int ls;
	pid_t pid;
	char dir[80];

	snprintf(dir, sizeof(dir), "%s/%s", tmpdir, prefix);
	mkdir(dir, 0700);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/dpdk_telemetry.v2", dir);
	unlink(sun.sun_path);
	ls = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	CU_ASSERT_FATAL(ls >= 0);
	CU_ASSERT_FATAL(bind(ls, (struct sockaddr *)&sun, sizeof(sun)) == 0);
	CU_ASSERT_FATAL(listen(ls, 4) == 0);
	fflush(NULL);
	pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		for (;;) {
			int fd = accept(ls, NULL, NULL);

			if (fd < 0)
				_exit(1);
			fake_serve(fd, mode);
			close(fd);
		}
	}
	close(ls);
	return pid;
}

static void
fake_stop(pid_t pid)
{
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
}

/* Run lnsctl with --runtime-dir <tmpdir> and the given words. */
static int
run_ctl(char **out, char **err, const char *first, ...)
{
	char *argv[32] = { "lnsctl", "--runtime-dir", tmpdir };
	int argc = 3, rc;
	struct capture o, e;
	va_list ap;

	va_start(ap, first);
	for (const char *a = first; a != NULL && argc < 31; a = va_arg(ap, const char *))
		argv[argc++] = (char *)a;
	va_end(ap);
	cap_open(&o);
	cap_open(&e);
	rc = ctl_main(argc, argv, o.f, e.f);
	*out = cap_close(&o);
	*err = cap_close(&e);
	return rc;
}

static void
test_e2e(void)
{
	pid_t pid = fake_start("lnsd", FAKE_NORMAL);
	struct ljson_doc *d;
	char *out, *err;
	uint64_t u;
	int rc;

	/* --json: the value alone, exact */
	rc = run_ctl(&out, &err, "show", "stats", "--json", NULL);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_STRING_EQUAL(err, "");
	d = parse_str(out);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	CU_ASSERT(ljson_get_u64(ljson_get(ljson_get(ljson_root(d), "ports"), "core"),
				"tx_bytes", &u) && u == UINT64_MAX);
	CU_ASSERT_PTR_NULL(ljson_get(ljson_root(d), "/lns/stats"));
	ljson_free(d);
	/* counters above 2^53 come back as sent, to the digit */
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"tx_bytes\": 18446744073709551615,\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"esp_in\": 9007199254740993\n"));
	free(out);
	free(err);

	/* tables */
	rc = run_ctl(&out, &err, "show", "stats", NULL);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "lnsd 0.1.0  pid 1234  up 1h 02m 05s  workers 2  "
				      "tunnels 2  sessions 12,345\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\nDROPS (total 9)\n"));
	free(out);
	free(err);
	rc = run_ctl(&out, &err, "show", "tunnels", NULL);
	CU_ASSERT_EQUAL(rc, 0);
	/* two pages, one table */
	CU_ASSERT_STRING_EQUAL(out, "ID  PEER        SESSIONS\n 3  192.0.2.9          1\n"
			       "12  192.0.2.10        22\n");
	free(out);
	free(err);

	/* raw: the whole reply */
	rc = run_ctl(&out, &err, "raw", "/lns/tunnels", NULL);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "{\n  \"/lns/tunnels\": {\n    \"3\": {"));
	free(out);
	free(err);

	/* null for a command lnsd lacks, and for one it has that failed */
	rc = run_ctl(&out, &err, "show", "sessions", NULL);
	CU_ASSERT_EQUAL(rc, 2);
	CU_ASSERT_STRING_EQUAL(out, "");
	CU_ASSERT_STRING_EQUAL(err, "lnsctl: lnsd does not support '/lns/sessions' (older version?)\n");
	free(out);
	free(err);
	rc = run_ctl(&out, &err, "clear", "tunnel", "5", NULL);
	CU_ASSERT_EQUAL(rc, 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "lnsd could not answer '/lns/clear/tunnel,5'"));
	free(out);
	free(err);

	/* an error object from lnsd */
	rc = run_ctl(&out, &err, "clear", "session", "7", NULL);
	CU_ASSERT_EQUAL(rc, 2);
	CU_ASSERT_STRING_EQUAL(err, "lnsctl: /lns/clear/session,7: no session 7\n");
	CU_ASSERT_STRING_EQUAL(out, "");
	free(out);
	free(err);
	rc = run_ctl(&out, &err, "clear", "session", "8", NULL);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_STRING_EQUAL(out, "cleared: 8\n");
	free(out);
	free(err);

	/* malformed replies */
	rc = run_ctl(&out, &err, "show", "sa", NULL);
	CU_ASSERT_EQUAL(rc, 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "unexpected reply: answer for '/lns/stats' instead of "
				      "'/lns/sa'"));
	free(out);
	free(err);
	rc = run_ctl(&out, &err, "show", "events", NULL);
	CU_ASSERT_EQUAL(rc, 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "not valid JSON"));
	free(out);
	free(err);

	/* a reply that fills DPDK's 16 KiB output buffer: printed, with a warning */
	rc = run_ctl(&out, &err, "--json", "raw", "/test/big", NULL);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "warning: the reply (16299 bytes) filled"));
	d = parse_str(out);
	CU_ASSERT(d != NULL && ljson_root(d)->type != LJSON_NULL);
	ljson_free(d);
	free(out);
	free(err);

	/* usage errors and help never touch the socket */
	rc = run_ctl(&out, &err, "show", NULL);
	CU_ASSERT_EQUAL(rc, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "Try 'lnsctl --help'"));
	free(out);
	free(err);
	rc = run_ctl(&out, &err, "--help", NULL);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "Usage: lnsctl [OPTIONS] COMMAND"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "clear sa SPI"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "--file-prefix"));
	free(out);
	free(err);
	fake_stop(pid);
}

static void
test_e2e_failures(void)
{
	char *out, *err, expect[512];
	pid_t pid;
	int rc;

	/* nobody listening */
	rc = run_ctl(&out, &err, "--file-prefix", "nope", "show", "stats", NULL);
	CU_ASSERT_EQUAL(rc, 2);
	snprintf(expect, sizeof(expect), "lnsctl: cannot reach lnsd at %s/nope/dpdk_telemetry.v2: "
		 "No such file or directory\nlnsctl: is lnsd running with --file-prefix nope? "
		 "telemetry sockets under %s: 'lnsd' (choose with --file-prefix)\n", tmpdir,
		 tmpdir);
	CU_ASSERT_STRING_EQUAL(err, expect);
	CU_ASSERT_STRING_EQUAL(out, "");
	free(out);
	free(err);

	/* a stale socket file: lnsd died without removing it */
	{
		struct sockaddr_un sun = { .sun_family = AF_UNIX };
		int s = socket(AF_UNIX, SOCK_SEQPACKET, 0);

		snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/stale", tmpdir);
		mkdir(sun.sun_path, 0700);
		strcat(sun.sun_path, "/dpdk_telemetry.v2");
		CU_ASSERT(bind(s, (struct sockaddr *)&sun, sizeof(sun)) == 0);
		close(s);
		rc = run_ctl(&out, &err, "--file-prefix", "stale", "show", "stats", NULL);
		CU_ASSERT_EQUAL(rc, 2);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, "Connection refused\nlnsctl: is lnsd running "
					      "with --file-prefix stale?"));
		CU_ASSERT_PTR_NOT_NULL(strstr(err, "'lnsd', 'stale'"));
		free(out);
		free(err);
	}

	pid = fake_start("busy", FAKE_BUSY);
	rc = run_ctl(&out, &err, "--file-prefix", "busy", "show", "stats", NULL);
	CU_ASSERT_EQUAL(rc, 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "at most 10 clients"));
	free(out);
	free(err);
	fake_stop(pid);

	pid = fake_start("bad", FAKE_BADHELLO);
	rc = run_ctl(&out, &err, "--file-prefix", "bad", "show", "stats", NULL);
	CU_ASSERT_EQUAL(rc, 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "not a DPDK telemetry v2 socket"));
	free(out);
	free(err);
	fake_stop(pid);

	pid = fake_start("silent", FAKE_SILENT);
	rc = run_ctl(&out, &err, "--file-prefix", "silent", "--timeout", "1", "show", "stats",
		     NULL);
	CU_ASSERT_EQUAL(rc, 2);
	CU_ASSERT_STRING_EQUAL(err, "lnsctl: /lns/stats: no answer within 1000 ms\n");
	free(out);
	free(err);
	fake_stop(pid);
}

/* ---- list query grammar (shared with lnsd) ---- */

static void
test_listq(void)
{
	static const struct { const char *p; unsigned int allowed; const char *msg; } bad[] = {
		{ "from", LNS_LQ_TUNNELS, "needs a value" },
		{ "from=", LNS_LQ_TUNNELS, "needs a value" },
		{ "from=1,", LNS_LQ_TUNNELS, "empty parameter" },
		{ ",from=1", LNS_LQ_TUNNELS, "empty parameter" },
		{ "from=1,,limit=2", LNS_LQ_TUNNELS, "empty parameter" },
		{ "from=1,from=2", LNS_LQ_TUNNELS, "given twice" },
		{ "from=-1", LNS_LQ_TUNNELS, "bad from" },
		{ "from=4294967296", LNS_LQ_TUNNELS, "bad from" },
		{ "from=12345678901", LNS_LQ_TUNNELS, "bad from" },
		{ "limit=0", LNS_LQ_TUNNELS, "bad limit" },
		{ "limit=1000001", LNS_LQ_TUNNELS, "bad limit" },
		{ "tunnel=0", LNS_LQ_TUNNELS, "bad tunnel" },
		{ "tunnel=65536", LNS_LQ_TUNNELS, "bad tunnel" },
		{ "user=alice", LNS_LQ_TUNNELS, "unknown parameter 'user'" },
		{ "profile=x", LNS_LQ_SESSIONS, "unknown parameter 'profile'" },
		{ "tunnel=1", LNS_LQ_SAS, "unknown parameter 'tunnel'" },
		{ "colour=red", LNS_LQ_SESSIONS, "unknown parameter 'colour'" },
		{ "peer=192.0.2.1/33", LNS_LQ_SAS, "bad peer" },
		{ "peer=192.0.2.1/24", LNS_LQ_SAS, "no host bits" },
		{ "peer=192.0.2", LNS_LQ_SAS, "bad peer" },
		{ "peer=/8", LNS_LQ_SAS, "bad peer" },
		{ "user=%2", LNS_LQ_SESSIONS, "bad %XX escape" },
		{ "user=%zz", LNS_LQ_SESSIONS, "bad %XX escape" },
		{ "user=a%00b", LNS_LQ_SESSIONS, "bad %XX escape" },
		{ "user=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		  LNS_LQ_SESSIONS, "longer than 63" },
	};
	struct lns_listq q;
	char err[256], esc[256];
	uint32_t a, m;

	CU_ASSERT_EQUAL(lns_listq_parse(NULL, LNS_LQ_TUNNELS, &q, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(q.set, 0);
	CU_ASSERT_EQUAL(lns_listq_parse("", LNS_LQ_TUNNELS, &q, err, sizeof(err)), 0);
	CU_ASSERT(lns_listq_match_peer(&q, inet_addr("1.2.3.4")));
	CU_ASSERT(lns_listq_match_str(&q, LNS_LQ_USER, NULL));
	CU_ASSERT(lns_listq_match_tunnel(&q, 9));

	CU_ASSERT_EQUAL(lns_listq_parse("from=4294967295,limit=1000000,tunnel=65535,"
					"peer=10.1.0.0/16,state=established,profile=lac%2C1",
					LNS_LQ_TUNNELS, &q, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(q.from, UINT32_MAX);
	CU_ASSERT_EQUAL(q.limit, 1000000);
	CU_ASSERT_EQUAL(q.tunnel, 65535);
	CU_ASSERT_STRING_EQUAL(q.state, "established");
	CU_ASSERT_STRING_EQUAL(q.profile, "lac,1");
	CU_ASSERT(lns_listq_match_peer(&q, inet_addr("10.1.255.7")));
	CU_ASSERT(!lns_listq_match_peer(&q, inet_addr("10.2.0.1")));
	CU_ASSERT(lns_listq_match_str(&q, LNS_LQ_STATE, "established"));
	CU_ASSERT(!lns_listq_match_str(&q, LNS_LQ_STATE, "Established"));
	CU_ASSERT(!lns_listq_match_str(&q, LNS_LQ_STATE, NULL));
	CU_ASSERT(lns_listq_match_str(&q, LNS_LQ_PROFILE, "lac,1"));
	CU_ASSERT(!lns_listq_match_str(&q, LNS_LQ_PROFILE, "lac"));
	CU_ASSERT(lns_listq_match_tunnel(&q, 65535));
	CU_ASSERT(!lns_listq_match_tunnel(&q, 1));

	/* a single address is a /32; /0 matches everything */
	CU_ASSERT_EQUAL(lns_listq_parse("peer=192.0.2.7", LNS_LQ_SAS, &q, err, sizeof(err)), 0);
	CU_ASSERT(lns_listq_match_peer(&q, inet_addr("192.0.2.7")));
	CU_ASSERT(!lns_listq_match_peer(&q, inet_addr("192.0.2.6")));
	CU_ASSERT_EQUAL(lns_listq_parse_prefix("0.0.0.0/0", &a, &m), 0);
	CU_ASSERT(a == 0 && m == 0);
	CU_ASSERT_EQUAL(lns_listq_parse_prefix("192.0.2.128/25", &a, &m), 0);
	CU_ASSERT_EQUAL(m, htonl(0xffffff80));

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		CU_ASSERT_EQUAL(lns_listq_parse(bad[i].p, bad[i].allowed, &q, err, sizeof(err)),
				-EINVAL);
		if (strstr(err, bad[i].msg) == NULL)
			fprintf(stderr, "\nlistq case %zu (%s): got '%s'\n", i, bad[i].p, err);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, bad[i].msg));
	}
	/* the unknown-key message lists what the list takes */
	lns_listq_parse("x=1", LNS_LQ_SAS, &q, err, sizeof(err));
	CU_ASSERT_STRING_EQUAL(err, "unknown parameter 'x': expected from= limit= peer= state=");

	/* escape, then parse: every byte but NUL survives */
	{
		char val[LNS_LQ_STR_MAX], req[300];

		for (size_t i = 0; i < sizeof(val) - 1; i++)
			val[i] = (char)(1 + (i * 37) % 255);
		val[sizeof(val) - 1] = '\0';
		CU_ASSERT(lns_listq_escape(esc, sizeof(esc), val) < sizeof(esc));
		CU_ASSERT_PTR_NULL(strpbrk(esc, ", =\t"));
		snprintf(req, sizeof(req), "user=%s", esc);
		CU_ASSERT_EQUAL(lns_listq_parse(req, LNS_LQ_SESSIONS, &q, err, sizeof(err)), 0);
		CU_ASSERT_STRING_EQUAL(q.user, val);
	}
	CU_ASSERT_EQUAL(lns_listq_escape(esc, sizeof(esc), "a b,c=d%e"), 17);
	CU_ASSERT_STRING_EQUAL(esc, "a%20b%2Cc%3Dd%25e");
	/* cut like snprintf */
	CU_ASSERT_EQUAL(lns_listq_escape(esc, 4, "a,b"), 5);
	CU_ASSERT_STRING_EQUAL(esc, "a%2");
}

static void
test_filter_args(void)
{
	static const struct { const char *w[8]; const char *msg; } bad[] = {
		{ { "show", "tunnels", "user", "alice" }, "unknown filter 'user'; it takes peer" },
		{ { "show", "sa", "tunnel", "3" }, "unknown filter 'tunnel'" },
		{ { "show", "sessions", "peer" }, "filter 'peer' needs a value" },
		{ { "show", "sessions", "peer", "10.0.0.1/8" }, "invalid peer '10.0.0.1/8'" },
		{ { "show", "sessions", "peer", "host.example" }, "invalid peer" },
		{ { "show", "sessions", "tunnel", "0" }, "invalid tunnel id '0'" },
		{ { "show", "sessions", "tunnel", "65536" }, "invalid tunnel id" },
		{ { "show", "sessions", "user", "a", "user", "b" }, "given twice" },
		{ { "show", "sessions", "user", "" }, "needs a value" },
		{ { "show", "stats", "peer", "1.2.3.4" }, "too many" },
		{ { "set" }, "set what?" },
		{ { "set", "loglevel" }, "set what?" },
		{ { "set", "log", "l2tp" }, "needs a MODULE and a LEVEL" },
		{ { "set", "log", "l2tp", "verbose" }, "invalid log level 'verbose'" },
		{ { "set", "log", "L2TP", "debug" }, "invalid log module 'L2TP'" },
		{ { "set", "log", "lns.", "debug" }, "invalid log module" },
		{ { "set", "log", "l2tp", "debug", "now" }, "too many" },
		{ { "top", "5" }, "too many" },
		{ { "top", "--count", "0" }, "invalid --count '0'" },
		{ { "top", "--top", "x" }, "invalid --top" },
		{ { "top", "--interval", "0.05" }, "invalid --interval '0.05'" },
		{ { "top", "--interval", "1s" }, "invalid --interval" },
		{ { "top", "--interval", "nan" }, "invalid --interval" },
		{ { "show", "sa", "--page-size", "1001" }, "invalid --page-size" },
	};
	struct ctl_opts o;
	char err[256], longuser[LNS_LQ_STR_MAX + 1];

	CU_ASSERT_EQUAL(parse(&o, err, "show", "sessions", "user", "a b,c", "peer",
			      "192.0.2.0/24", "tunnel", "5", "state", "network", NULL), 0);
	CU_ASSERT_EQUAL(o.action, CTL_ACT_LIST);
	CU_ASSERT_STRING_EQUAL(o.request, "/lns/sessions,user=a%20b%2Cc,peer=192.0.2.0/24,"
			       "tunnel=5,state=network");
	CU_ASSERT_EQUAL(parse(&o, err, "show", "tunnels", "profile", "lacs", "peer",
			      "198.51.100.7", NULL), 0);
	CU_ASSERT_STRING_EQUAL(o.request, "/lns/tunnels,profile=lacs,peer=198.51.100.7");
	CU_ASSERT_EQUAL(parse(&o, err, "show", "sa", "state", "dropped", "--page-size", "7",
			      NULL), 0);
	CU_ASSERT_STRING_EQUAL(o.request, "/lns/sa,state=dropped");
	CU_ASSERT_EQUAL(o.page_size, 7);
	memset(longuser, 'u', sizeof(longuser) - 2);
	longuser[sizeof(longuser) - 2] = '\0';   /* 63 bytes: the most */
	CU_ASSERT_EQUAL(parse(&o, err, "show", "sessions", "user", longuser, NULL), 0);
	longuser[sizeof(longuser) - 2] = 'u';
	longuser[sizeof(longuser) - 1] = '\0';
	CU_ASSERT_EQUAL(parse(&o, err, "show", "sessions", "user", longuser, NULL), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "longer than 63 bytes"));

	CU_ASSERT_EQUAL(parse(&o, err, "show", "log", NULL), 0);
	CU_ASSERT_EQUAL(o.action, CTL_ACT_REQUEST);
	CU_ASSERT_EQUAL(o.view, CTL_VIEW_LOG);
	CU_ASSERT_STRING_EQUAL(o.request, "/lns/log");
	CU_ASSERT_EQUAL(parse(&o, err, "set", "log", "lns.ipsec", "warning", NULL), 0);
	CU_ASSERT_STRING_EQUAL(o.request, "/lns/log,ipsec:warning");
	CU_ASSERT_EQUAL(o.view, CTL_VIEW_LOG);
	CU_ASSERT_EQUAL(parse(&o, err, "set", "log", "all", "emerg", NULL), 0);
	CU_ASSERT_STRING_EQUAL(o.request, "/lns/log,all:emerg");

	CU_ASSERT_EQUAL(parse(&o, err, "top", NULL), 0);
	CU_ASSERT_EQUAL(o.action, CTL_ACT_TOP);
	CU_ASSERT(o.interval_s == 1.0 && o.count == 0 && o.top_n == 20);
	CU_ASSERT_EQUAL(parse(&o, err, "top", "--interval", "0.25", "--count=3", "--top", "5",
			      "--json", NULL), 0);
	CU_ASSERT(o.interval_s == 0.25 && o.count == 3 && o.top_n == 5 && o.json);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *argv[10] = { "lnsctl" };
		int argc = 1;

		for (int w = 0; w < 8 && bad[i].w[w] != NULL; w++)
			argv[argc++] = (char *)bad[i].w[w];
		CU_ASSERT_EQUAL(ctl_parse_args(argc, argv, &o, err, sizeof(err)), -1);
		if (strstr(err, bad[i].msg) == NULL)
			fprintf(stderr, "\nfilter case %zu: got '%s'\n", i, err);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, bad[i].msg));
	}
}

/* ---- page stitching, against canned pages ---- */

struct canned {
	const char *const *req;  /* requests expected, in order */
	const char *const *rep;  /* the replies */
	size_t n, asked;
	bool wrong;
};

static int
canned_fetch(void *ctx, const char *request, struct ljson_doc **doc, char *err, size_t errlen)
{
	struct canned *c = ctx;
	struct ljson_error je;

	if (c->asked >= c->n || strcmp(request, c->req[c->asked]) != 0) {
		fprintf(stderr, "\nunexpected request %zu: %s\n", c->asked, request);
		c->wrong = true;
		snprintf(err, errlen, "unexpected request");
		return -EIO;
	}
	*doc = ljson_parse(c->rep[c->asked], strlen(c->rep[c->asked]), &je);
	c->asked++;
	return *doc != NULL ? 0 : -EPROTO;
}

static void
test_pages(void)
{
	static const char *const req[] = {
		"/lns/sessions,user=x,limit=2",
		"/lns/sessions,user=x,from=5,limit=2",
		"/lns/sessions,user=x,from=900,limit=2",
	};
	static const char *const rep[] = {
		"{\"/lns/sessions\":{\"1\":{\"user\":\"x\"},\"4\":{\"user\":\"x\"},\"next\":5}}",
		"{\"/lns/sessions\":{\"7\":{\"user\":\"x\"},\"899\":{\"user\":\"x\"},\"next\":900}}",
		"{\"/lns/sessions\":{\"1000\":{\"user\":\"x\",\"n\":1}}}",
	};
	struct canned c = { req, rep, 3, 0, false };
	struct ctl_list l;
	char err[200], *s;
	struct capture cap;
	const char *keys[] = { "1", "4", "7", "899", "1000" };
	size_t i = 0;

	CU_ASSERT_EQUAL(ctl_list_fetch("/lns/sessions,user=x", 2, canned_fetch, &c, &l, err,
				       sizeof(err)), 0);
	CU_ASSERT(!c.wrong && c.asked == 3);
	CU_ASSERT_EQUAL(l.pages, 3);
	CU_ASSERT_EQUAL(l.root.count, 5);
	for (const struct ljson *m = l.root.child; m != NULL; m = m->next, i++)
		CU_ASSERT(i < 5 && strcmp(m->key, keys[i]) == 0);
	CU_ASSERT_EQUAL(i, 5);
	/* one object, as an unpaginated reply was; "next" is not an entry */
	cap_open(&cap);
	ljson_write(cap.f, &l.root, 0);
	s = cap_close(&cap);
	CU_ASSERT_STRING_EQUAL(s, "{\"1\":{\"user\":\"x\"},\"4\":{\"user\":\"x\"},\"7\":{\"user\":"
			       "\"x\"},\"899\":{\"user\":\"x\"},\"1000\":{\"user\":\"x\",\"n\":1}}");
	free(s);
	ctl_list_free(&l);

	/* a from= in the command starts the first page only (show events after SEQ) */
	{
		static const char *const r0[] = { "/lns/events,from=6",
						  "/lns/events,from=70" };
		static const char *const p0[] = {
			"{\"/lns/events\":{\"6\":{\"event\":\"a\"},\"69\":{\"event\":\"b\"},"
			"\"next\":70}}",
			"{\"/lns/events\":{\"70\":{\"event\":\"c\"}}}" };
		struct canned c0 = { r0, p0, 2, 0, false };
		struct ctl_opts eo;
		char *ev[] = { "lnsctl", "show", "events", "after", "5" };
		char *bad1[] = { "lnsctl", "show", "events", "after", "x" };
		char *bad2[] = { "lnsctl", "show", "events", "since", "5" };

		CU_ASSERT_EQUAL(ctl_parse_args(5, ev, &eo, err, sizeof(err)), 0);
		CU_ASSERT_STRING_EQUAL(eo.request, "/lns/events,from=6");
		CU_ASSERT_EQUAL(ctl_list_fetch(eo.request, 0, canned_fetch, &c0, &l, err,
					       sizeof(err)), 0);
		CU_ASSERT(!c0.wrong && c0.asked == 2);
		CU_ASSERT_EQUAL(l.root.count, 3);
		ctl_list_free(&l);
		CU_ASSERT_EQUAL(ctl_parse_args(5, bad1, &eo, err, sizeof(err)), -1);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, "invalid sequence number"));
		CU_ASSERT_EQUAL(ctl_parse_args(5, bad2, &eo, err, sizeof(err)), -1);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, "'all' or 'after SEQ'"));
		ev[3] = "all";
		CU_ASSERT_EQUAL(ctl_parse_args(4, ev, &eo, err, sizeof(err)), 0);
		CU_ASSERT_STRING_EQUAL(eo.request, "/lns/events,from=1");
	}

	/* no limit: the first request is exactly the command */
	{
		static const char *const r1[] = { "/lns/sa", "/lns/sa,from=3" };
		static const char *const p1[] = { "{\"/lns/sa\":{\"2\":{},\"next\":3}}",
						   "{\"/lns/sa\":{}}" };
		struct canned c1 = { r1, p1, 2, 0, false };

		CU_ASSERT_EQUAL(ctl_list_fetch("/lns/sa", 0, canned_fetch, &c1, &l, err,
					       sizeof(err)), 0);
		CU_ASSERT(!c1.wrong && l.root.count == 1 && l.pages == 2);
		ctl_list_free(&l);
	}
	/* an empty list */
	{
		static const char *const r1[] = { "/lns/sa" };
		static const char *const p1[] = { "{\"/lns/sa\":{}}" };
		struct canned c1 = { r1, p1, 1, 0, false };

		CU_ASSERT_EQUAL(ctl_list_fetch("/lns/sa", 0, canned_fetch, &c1, &l, err,
					       sizeof(err)), 0);
		CU_ASSERT(l.root.count == 0 && l.root.child == NULL &&
			  l.root.type == LJSON_OBJECT);
		ctl_list_free(&l);
	}
	/* a cursor that does not move forward, or is not a number: refused, no loop */
	{
		static const char *const r1[] = { "/lns/sa", "/lns/sa,from=3" };
		static const char *const p1[] = { "{\"/lns/sa\":{\"2\":{},\"next\":3}}",
						   "{\"/lns/sa\":{\"3\":{},\"next\":3}}" };
		static const char *const p2[] = { "{\"/lns/sa\":{\"2\":{},\"next\":\"3\"}}" };
		static const char *const p3[] = { "{\"/lns/sa\":{\"next\":0}}" };
		struct canned c1 = { r1, p1, 2, 0, false };
		struct canned c2 = { r1, p2, 1, 0, false };
		struct canned c3 = { r1, p3, 1, 0, false };

		CU_ASSERT_EQUAL(ctl_list_fetch("/lns/sa", 0, canned_fetch, &c1, &l, err,
					       sizeof(err)), -EPROTO);
		CU_ASSERT_STRING_EQUAL(err, "lnsd sent a bad page cursor (\"next\": 3)");
		ctl_list_free(&l);
		CU_ASSERT_EQUAL(ctl_list_fetch("/lns/sa", 0, canned_fetch, &c2, &l, err,
					       sizeof(err)), -EPROTO);
		CU_ASSERT_STRING_EQUAL(err, "lnsd sent a bad page cursor (\"next\": string)");
		ctl_list_free(&l);
		CU_ASSERT_EQUAL(ctl_list_fetch("/lns/sa", 0, canned_fetch, &c3, &l, err,
					       sizeof(err)), -EPROTO);
		ctl_list_free(&l);
	}
	/* an error on a later page, a null value, a wrong shape */
	{
		static const char *const r1[] = { "/lns/sa", "/lns/sa,from=3" };
		static const char *const p1[] = { "{\"/lns/sa\":{\"2\":{},\"next\":3}}",
						   "{\"/lns/sa\":{\"error\":\"bad from\"}}" };
		static const char *const p2[] = { "{\"/lns/sa\":null}" };
		static const char *const p3[] = { "{\"/lns/sa\":[1]}" };
		struct canned c1 = { r1, p1, 2, 0, false };
		struct canned c2 = { r1, p2, 1, 0, false };
		struct canned c3 = { r1, p3, 1, 0, false };

		CU_ASSERT_EQUAL(ctl_list_fetch("/lns/sa", 0, canned_fetch, &c1, &l, err,
					       sizeof(err)), -EPROTO);
		CU_ASSERT_STRING_EQUAL(err, "bad from");
		ctl_list_free(&l);
		CU_ASSERT_EQUAL(ctl_list_fetch("/lns/sa", 0, canned_fetch, &c2, &l, err,
					       sizeof(err)), -ENOENT);
		ctl_list_free(&l);
		CU_ASSERT_EQUAL(ctl_list_fetch("/lns/sa", 0, canned_fetch, &c3, &l, err,
					       sizeof(err)), -EPROTO);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, "not array"));
		ctl_list_free(&l);
	}
	/* many pages: 3,000 entries of one each, stitched in order */
	{
		static char reqs[3000][48], reps[3000][96];
		static const char *rq[3000], *rp[3000];
		struct canned cm = { rq, rp, 3000, 0, false };
		uint64_t prev = 0, u;
		bool ordered = true;

		for (int k = 0; k < 3000; k++) {
			if (k == 0)
				snprintf(reqs[k], sizeof(reqs[k]), "/lns/tunnels,limit=1");
			else
				snprintf(reqs[k], sizeof(reqs[k]), "/lns/tunnels,from=%d,limit=1",
					 k * 2 + 1);
			if (k < 2999)
				snprintf(reps[k], sizeof(reps[k]), "{\"/lns/tunnels\":{\"%d\":"
					 "{\"up_bytes\":%d},\"next\":%d}}", k * 2 + 1, k, k * 2 + 3);
			else
				snprintf(reps[k], sizeof(reps[k]), "{\"/lns/tunnels\":{\"%d\":"
					 "{\"up_bytes\":%d}}}", k * 2 + 1, k);
			rq[k] = reqs[k];
			rp[k] = reps[k];
		}
		CU_ASSERT_EQUAL(ctl_list_fetch("/lns/tunnels", 1, canned_fetch, &cm, &l, err,
					       sizeof(err)), 0);
		CU_ASSERT(!cm.wrong && l.root.count == 3000 && l.pages == 3000);
		for (const struct ljson *m = l.root.child; m != NULL; m = m->next) {
			u = strtoull(m->key, NULL, 10);
			ordered &= u > prev;
			prev = u;
		}
		CU_ASSERT(ordered && prev == 5999);
		ctl_list_free(&l);
	}
}

/* ---- top: rate maths on canned replies ---- */

static void
sample_from(struct top_sample *s, double t, const char *tunnels, const char *stats)
{
	struct ljson_doc *dt = parse_str(tunnels), *ds = parse_str(stats);

	CU_ASSERT_FATAL(dt != NULL && ds != NULL);
	CU_ASSERT_EQUAL(top_sample_build(s, t, ljson_root(dt), ljson_root(ds)), 0);
	ljson_free(dt);
	ljson_free(ds);
}

static bool
near(double a, double b)
{
	return a - b < 1e-6 && b - a < 1e-6;
}

static void
test_top(void)
{
	struct top_sample a, b;
	struct top_result r;
	struct capture cap;
	struct ljson_doc *d;
	char buf[32], *s;

	sample_from(&a, 10.0,
		    "{\"1\":{\"peer\":\"192.0.2.1\",\"up_packets\":100,\"up_bytes\":10000,"
		    "\"down_packets\":0,\"down_bytes\":0},"
		    "\"2\":{\"peer\":\"192.0.2.2\",\"sessions\":4,\"up_packets\":50,\"up_bytes\":5000,"
		    "\"down_packets\":10,\"down_bytes\":1000},"
		    "\"3\":{\"peer\":\"192.0.2.3\",\"up_packets\":1000,\"up_bytes\":1000000,"
		    "\"down_packets\":0,\"down_bytes\":0}}",
		    "{\"ports\":{\"access\":{\"rx_packets\":1000,\"rx_bytes\":100000,"
		    "\"tx_packets\":10,\"tx_bytes\":1000},\"core\":{\"rx_packets\":5}}}");
	/* 2 s later: tunnel 1 +200 pkts/+20000 B up; 2 +1000 B down; 3 restarted (id
	 * reused) at 10 pkts/640 B; 4 is new with 6 pkts/600 B down; "x" is no id */
	sample_from(&b, 12.0,
		    "{\"1\":{\"peer\":\"192.0.2.1\",\"up_packets\":300,\"up_bytes\":30000,"
		    "\"down_packets\":0,\"down_bytes\":0},"
		    "\"2\":{\"peer\":\"192.0.2.2\",\"sessions\":4,\"up_packets\":50,\"up_bytes\":5000,"
		    "\"down_packets\":20,\"down_bytes\":2000},"
		    "\"3\":{\"peer\":\"192.0.2.3\",\"up_packets\":10,\"up_bytes\":640},"
		    "\"4\":{\"peer\":\"192.0.2.4\",\"down_packets\":6,\"down_bytes\":600},"
		    "\"x\":{\"peer\":\"nobody\"}}",
		    "{\"ports\":{\"access\":{\"rx_packets\":3000,\"rx_bytes\":300000,"
		    "\"tx_packets\":10,\"tx_bytes\":1000},\"core\":{\"rx_packets\":15}}}");
	CU_ASSERT_EQUAL(b.ntun, 4);
	CU_ASSERT_EQUAL(top_compute(&a, &b, &r), 0);
	CU_ASSERT(near(r.dt, 2.0));
	CU_ASSERT_EQUAL(r.nport, 2);
	CU_ASSERT_STRING_EQUAL(r.port[0].name, "access");
	CU_ASSERT(near(r.port[0].pps[0], 1000) && near(r.port[0].bps[0], 800000));
	CU_ASSERT(near(r.port[0].pps[1], 0) && near(r.port[0].bps[1], 0));
	CU_ASSERT(near(r.port[1].pps[0], 5));
	CU_ASSERT_EQUAL(r.ntun, 4);
	/* busiest first: 1 (80 kbit/s), 3 (2560 bit/s), 2 and 4 (4000 and 2400 bit/s) */
	CU_ASSERT_EQUAL(r.tun[0].id, 1);
	CU_ASSERT(near(r.tun[0].pps[0], 100) && near(r.tun[0].bps[0], 80000));
	CU_ASSERT(near(r.tun[0].total_bps, 80000));
	CU_ASSERT_EQUAL(r.tun[1].id, 2);
	CU_ASSERT(near(r.tun[1].pps[1], 5) && near(r.tun[1].bps[1], 4000));
	CU_ASSERT(near(r.tun[1].pps[0], 0));
	CU_ASSERT_EQUAL(r.tun[1].sessions, 4);
	CU_ASSERT_EQUAL(r.tun[2].id, 3);
	CU_ASSERT(near(r.tun[2].pps[0], 5) && near(r.tun[2].bps[0], 2560));
	CU_ASSERT_EQUAL(r.tun[2].sessions, -1);
	CU_ASSERT_EQUAL(r.tun[3].id, 4);
	CU_ASSERT(near(r.tun[3].pps[1], 3) && near(r.tun[3].bps[1], 2400));

	/* the table: aligned, units */
	cap_open(&cap);
	top_print_table(cap.f, &r, 2, 2.0, 1);
	s = cap_close(&cap);
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "4 tunnels, top 2 by total bit rate"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "PORT       RX PPS     RX RATE  TX PPS  TX RATE\n"
				      "access  1.00 kpps  800 kbit/s   0 pps  0 bit/s\n"
				      "core        5 pps     0 bit/s   0 pps  0 bit/s\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "     1  192.0.2.1         -  100 pps  80.0 kbit/s     "
				      "0 pps      0 bit/s  80.0 kbit/s\n"));
	CU_ASSERT_PTR_NULL(strstr(s, "192.0.2.3"));
	free(s);

	/* JSON: one line, parseable, the top N */
	cap_open(&cap);
	top_print_json(cap.f, &r, 3, 2.0, 7);
	s = cap_close(&cap);
	CU_ASSERT_PTR_NOT_NULL(strchr(s, '\n'));
	CU_ASSERT_EQUAL(strchr(s, '\n'), s + strlen(s) - 1);
	d = parse_str(s);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	{
		const struct ljson *v = ljson_root(d), *t = ljson_get(v, "tunnels");
		uint64_t u;

		CU_ASSERT(ljson_get_u64(v, "refresh", &u) && u == 7);
		CU_ASSERT(ljson_get_u64(v, "tunnels_total", &u) && u == 4);
		CU_ASSERT(t != NULL && t->type == LJSON_ARRAY && t->count == 3);
		CU_ASSERT(ljson_get_u64(t->child, "tunnel", &u) && u == 1);
		CU_ASSERT_STRING_EQUAL(ljson_get(t->child, "up_bps")->str, "80000.000");
		CU_ASSERT_STRING_EQUAL(ljson_get(ljson_get(ljson_get(v, "ports"), "access"),
						 "rx_pps")->str, "1000.000");
		CU_ASSERT(ljson_get_u64(t->child->next, "sessions", &u) && u == 4);
		CU_ASSERT_PTR_NULL(ljson_get(t->child->next->next, "sessions"));
	}
	ljson_free(d);
	free(s);
	top_result_free(&r);

	/* time must advance */
	CU_ASSERT_EQUAL(top_compute(&b, &b, &r), -EINVAL);
	top_sample_free(&a);
	top_sample_free(&b);

	/* units */
	CU_ASSERT_STRING_EQUAL(top_fmt_rate(0, "pps", buf, sizeof(buf)), "0 pps");
	CU_ASSERT_STRING_EQUAL(top_fmt_rate(0.5, "pps", buf, sizeof(buf)), "0.5 pps");
	CU_ASSERT_STRING_EQUAL(top_fmt_rate(999, "pps", buf, sizeof(buf)), "999 pps");
	CU_ASSERT_STRING_EQUAL(top_fmt_rate(1250, "pps", buf, sizeof(buf)), "1.25 kpps");
	CU_ASSERT_STRING_EQUAL(top_fmt_rate(81.6e6, "bit/s", buf, sizeof(buf)), "81.6 Mbit/s");
	CU_ASSERT_STRING_EQUAL(top_fmt_rate(400e9, "bit/s", buf, sizeof(buf)), "400 Gbit/s");
	CU_ASSERT_STRING_EQUAL(top_fmt_rate(-3, "pps", buf, sizeof(buf)), "0 pps");
}

/* lnsctl against the fake server: filters, paging, log, top */
static void
test_e2e_lists(void)
{
	pid_t pid = fake_start("lnsd", FAKE_NORMAL);
	struct ljson_doc *d;
	char *out, *err;
	int rc;

	rc = run_ctl(&out, &err, "--json", "show", "tunnels", NULL);
	CU_ASSERT_EQUAL(rc, 0);
	d = parse_str(out);
	CU_ASSERT(d != NULL && ljson_root(d)->count == 2 && ljson_get(ljson_root(d), "3") &&
		  ljson_get(ljson_root(d), "12") && !ljson_get(ljson_root(d), "next"));
	ljson_free(d);
	free(out);
	free(err);
	rc = run_ctl(&out, &err, "show", "tunnels", "peer", "192.0.2.10", NULL);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_STRING_EQUAL(out, "ID  PEER        SESSIONS\n12  192.0.2.10        22\n");
	free(out);
	free(err);
	rc = run_ctl(&out, &err, "show", "tunnels", "state", "b,d", NULL);
	CU_ASSERT_EQUAL(rc, 2);
	CU_ASSERT_STRING_EQUAL(err, "lnsctl: /lns/tunnels,state=b%2Cd: bad state\n");
	free(out);
	free(err);

	rc = run_ctl(&out, &err, "show", "log", NULL);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_STRING_EQUAL(out, "MODULE  LEVEL\nl2tp    info\nppp     notice\n");
	free(out);
	free(err);
	rc = run_ctl(&out, &err, "set", "log", "lns.l2tp", "debug", NULL);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_STRING_EQUAL(out, "MODULE  LEVEL\nl2tp    debug\nppp     notice\n");
	free(out);
	free(err);
	rc = run_ctl(&out, &err, "--json", "set", "log", "l2tp", "debug", NULL);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"l2tp\": \"debug\""));
	free(out);
	free(err);
	rc = run_ctl(&out, &err, "set", "log", "bogus", "debug", NULL);
	CU_ASSERT_EQUAL(rc, 2);
	CU_ASSERT_STRING_EQUAL(err, "lnsctl: /lns/log,bogus:debug: unknown module 'bogus'\n");
	free(out);
	free(err);

	/* top: two reads 0.1 s apart, one JSON line; the canned counters do not move */
	rc = run_ctl(&out, &err, "top", "--json", "--count", "2", "--interval", "0.1", NULL);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_STRING_EQUAL(err, "");
	{
		char *nl = strchr(out, '\n');

		CU_ASSERT_FATAL(nl != NULL);
		*nl = '\0';
		d = parse_str(out);
		CU_ASSERT(d != NULL && ljson_get(ljson_root(d), "tunnels")->count == 2);
		ljson_free(d);
		d = parse_str(nl + 1);
		CU_ASSERT(d != NULL && ljson_get(ljson_root(d), "ports") != NULL);
		ljson_free(d);
	}
	free(out);
	free(err);
	rc = run_ctl(&out, &err, "top", "--count", "1", "--interval", "0.1", NULL);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "TUNNEL  PEER        SESSIONS"));
	free(out);
	free(err);
	fake_stop(pid);

	/* no socket anywhere under the runtime dir */
	{
		char *argv[] = { "lnsctl", "--runtime-dir", "/nonexistent-lnsctl", "show", "stats",
				 NULL };
		struct capture o, e;

		cap_open(&o);
		cap_open(&e);
		rc = ctl_main(5, argv, o.f, e.f);
		out = cap_close(&o);
		err = cap_close(&e);
		CU_ASSERT_EQUAL(rc, 2);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, "no DPDK telemetry socket under "
					      "/nonexistent-lnsctl;"));
		free(out);
		free(err);
	}
}

static int
suite_init(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/lnsctl-test-XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	/* {"/test/big":"aaaa..."}: 16299 bytes in all (a command lnsd does not have:
	 * only lnsctl's handling of a full buffer is tested here) */
	memcpy(big_reply, "{\"/test/big\":\"", 14);
	memset(big_reply + 14, 'a', sizeof(big_reply) - 14 - 3);
	memcpy(big_reply + sizeof(big_reply) - 3, "\"}", 3);
	return 0;
}

static int
suite_clean(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

int
main(void)
{
	CU_pSuite s;
	unsigned int fails;

	signal(SIGPIPE, SIG_IGN);
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	s = CU_add_suite("lnsctl", suite_init, suite_clean);
	CU_add_test(s, "JSON: valid documents", test_json_good);
	CU_add_test(s, "JSON: invalid documents", test_json_bad);
	CU_add_test(s, "JSON: every truncation fails", test_json_truncations);
	CU_add_test(s, "JSON: nesting limit", test_json_depth);
	CU_add_test(s, "JSON: writer round trip", test_json_write);
	CU_add_test(s, "human units", test_units);
	CU_add_test(s, "table engine", test_table);
	CU_add_test(s, "show stats formatter", test_fmt_stats);
	CU_add_test(s, "generic formatter", test_fmt_generic);
	CU_add_test(s, "command line", test_args);
	CU_add_test(s, "runtime directory", test_runtime_dir);
	CU_add_test(s, "end to end", test_e2e);
	CU_add_test(s, "end to end failures", test_e2e_failures);
	CU_add_test(s, "list query grammar", test_listq);
	CU_add_test(s, "filters, log and top on the command line", test_filter_args);
	CU_add_test(s, "page stitching", test_pages);
	CU_add_test(s, "top: rate maths and output", test_top);
	CU_add_test(s, "end to end: lists, log, top", test_e2e_lists);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	if (CU_get_error() != CUE_SUCCESS)
		fails++;
	CU_cleanup_registry();
	return fails ? 1 : 0;
}
