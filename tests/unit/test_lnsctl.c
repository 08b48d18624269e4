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

#include <CUnit/Basic.h>

#include "cli.h"
#include "fmt.h"
#include "ljson.h"
#include "tel.h"

/* A /lns/stats value as lnsd sends it (counters trimmed). */
static const char stats_value[] =
	"{\"lnsd\":{\"version\":\"0.1.0\",\"uptime_s\":3725,\"workers\":2,\"pid\":1234},"
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
	"\"counters\":{\"rx_packets\":1234567,\"rx_bytes\":1500000,\"punted\":17},"
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

/* ---- JSON reader ---- */

static void
test_json_good(void)
{
	struct ljson_doc *d = parse_str(
		" {\"a\": [1, -2, 3.5e2, true, false, null, {}, []],\n"
		"  \"s\": \"q\\\"b\\\\s\\/n\\nt\\tu\\u00e9\\ud83d\\ude00 raw \xc3\xa9\","
		"  \"big\": 18446744073709551615, \"over\": 18446744073709551616,"
		"  \"p53\": 9007199254740993, \"min\": -9223372036854775808, \"z\": -0,"
		"  \"dup\": 1, \"dup\": 2 } \r\n");
	const struct ljson *r, *a, *v;
	uint64_t u;

	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	r = ljson_root(d);
	CU_ASSERT_EQUAL(r->type, LJSON_OBJECT);
	CU_ASSERT_EQUAL(r->count, 9);
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
	CU_ASSERT_STRING_EQUAL(v->str, "3.5e2");
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
	CU_ASSERT(ljson_get_u64(r, "big", &u) && u == UINT64_MAX);
	v = ljson_get(r, "over");
	CU_ASSERT(v->num_flags == 0 && v->dbl > 1.8e19);
	CU_ASSERT_STRING_EQUAL(v->str, "18446744073709551616");
	CU_ASSERT(ljson_get_u64(r, "p53", &u) && u == 9007199254740993ULL);
	v = ljson_get(r, "min");
	CU_ASSERT(v->num_flags == LJSON_NUM_I64 && v->i64 == INT64_MIN);
	v = ljson_get(r, "z");
	CU_ASSERT(v->num_flags == LJSON_NUM_I64 && v->i64 == 0);
	CU_ASSERT(ljson_get_u64(r, "dup", &u) && u == 1);
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

static void
test_json_bad(void)
{
	static const char *const bad[] = {
		"", " ", "{", "}", "[", "[1,]", "[,1]", "{\"a\":}", "{\"a\" 1}", "{\"a\":1,}",
		"{1:2}", "[\"a\":1]", "[1 2]", "01", "-01", "1.", ".5", "-", "+1", "1e", "1e+",
		"1.e5", "tru", "nul", "falsey", "True", "NaN", "Infinity", "'a'", "\"abc",
		"\"\\x\"", "\"\\u12\"", "\"\\u12g4\"", "\"\\ud800\"", "\"\\ud800\\u0041\"",
		"\"\\udc00\"", "\"a\tb\"", "\"a\nb\"", "\"\\u0000\"", "[1]x", "{}{}", "1 2",
		"\xff", "\"\xc3\"", "\"\xc0\xaf\"", "\"\xed\xa0\x80\"", "\"\xf4\x90\x80\x80\"",
		"\"\xe2\x82\"", "\xef\xbb\xbf{}", "[\"\\", "{\"a\":1 \"b\":2}", "/", "\"\\",
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
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "','"));
	CU_ASSERT_PTR_NULL(parse_exact("{\"a\":1", 6, &err));
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "end of input"));
	/* an embedded NUL is not whitespace */
	CU_ASSERT_PTR_NULL(parse_exact("{}\0", 3, &err));
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
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "lnsd 0.1.0  pid 1234  up 1h 02m 05s  workers 2\n"));
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
		{ "show", "config", NULL, "/lns/config", CTL_VIEW_GENERIC },
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
		CU_ASSERT_EQUAL(parse(&o, err, ok[i].w1, ok[i].w2, ok[i].w3, NULL), 0);
		CU_ASSERT_EQUAL(o.action, CTL_ACT_REQUEST);
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
		return "{\"/lns/tunnels\":{\"3\":{\"peer\":\"192.0.2.9\",\"sessions\":1}}}";
	if (strcmp(req, "/lns/clear/session,7") == 0)
		return "{\"/lns/clear/session\":{\"error\":\"no session 7\"}}";
	if (strcmp(req, "/lns/clear/session,8") == 0)
		return "{\"/lns/clear/session\":{\"cleared\":8}}";
	if (strcmp(req, "/lns/sa") == 0)
		return "{\"/lns/stats\":{}}";
	if (strcmp(req, "/lns/events") == 0)
		return "{\"/lns/events\":[1,2";
	if (strcmp(req, "/lns/config") == 0)
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
	free(out);
	free(err);

	/* tables */
	rc = run_ctl(&out, &err, "show", "stats", NULL);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "lnsd 0.1.0  pid 1234  up 1h 02m 05s"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\nDROPS (total 9)\n"));
	free(out);
	free(err);
	rc = run_ctl(&out, &err, "show", "tunnels", NULL);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_STRING_EQUAL(out, "ID  PEER       SESSIONS\n 3  192.0.2.9         1\n");
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
	rc = run_ctl(&out, &err, "show", "config", "--json", NULL);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "warning: the reply (16299 bytes) filled"));
	d = parse_str(out);
	CU_ASSERT(d != NULL && ljson_root(d)->type == LJSON_STRING);
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
		 "No such file or directory (is lnsd running? use --file-prefix if it was "
		 "started with another)\n", tmpdir);
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
		CU_ASSERT_PTR_NOT_NULL(strstr(err, "Connection refused (is lnsd running?"));
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

static int
suite_init(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/lnsctl-test-XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	/* {"/lns/config":"aaaa..."}: 16299 bytes in all */
	memcpy(big_reply, "{\"/lns/config\":\"", 16);
	memset(big_reply + 16, 'a', sizeof(big_reply) - 16 - 3);
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
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	if (CU_get_error() != CUE_SUCCESS)
		fails++;
	CU_cleanup_registry();
	return fails ? 1 : 0;
}
