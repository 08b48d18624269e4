/* SPDX-License-Identifier: BSD-3-Clause */
/* JSON reader and writer for lnsctl (RFC 8259). See ljson.h for the contract. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ljson.h"

/* ---- arena: every node and string of a document, freed in one go ---- */

#define ARENA_CHUNK 16384

struct arena_chunk {
	struct arena_chunk *next;
	size_t used;
	size_t size;
	max_align_t data[];
};

struct ljson_doc {
	struct arena_chunk *chunks;
	const struct ljson *root;
};

static void *
arena_alloc(struct ljson_doc *doc, size_t n)
{
	const size_t align = sizeof(max_align_t);
	struct arena_chunk *c = doc->chunks;
	void *p;

	n = (n + align - 1) & ~(align - 1);
	if (c == NULL || c->size - c->used < n) {
		size_t size = n > ARENA_CHUNK ? n : ARENA_CHUNK;

		c = malloc(sizeof(*c) + size);
		if (c == NULL)
			return NULL;
		c->used = 0;
		c->size = size;
		c->next = doc->chunks;
		doc->chunks = c;
	}
	p = (char *)c->data + c->used;
	c->used += n;
	return p;
}

void
ljson_free(struct ljson_doc *doc)
{
	struct arena_chunk *c, *next;

	if (doc == NULL)
		return;
	for (c = doc->chunks; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	free(doc);
}

const struct ljson *
ljson_root(const struct ljson_doc *doc)
{
	return doc->root;
}

/* ---- parser ---- */

struct parser {
	const unsigned char *in;
	size_t len;
	size_t pos;
	struct ljson_doc *doc;
	struct ljson_error *err;
	bool failed;
};

static void __attribute__((format(printf, 3, 4)))
fail_at(struct parser *ps, size_t off, const char *fmt, ...)
{
	va_list ap;

	if (ps->failed)
		return;
	ps->failed = true;
	if (ps->err == NULL)
		return;
	ps->err->offset = off;
	va_start(ap, fmt);
	vsnprintf(ps->err->msg, sizeof(ps->err->msg), fmt, ap);
	va_end(ap);
}

static void
fail_eof_or(struct parser *ps, const char *what)
{
	if (ps->pos >= ps->len)
		fail_at(ps, ps->pos, "unexpected end of input (expected %s)", what);
	else
		fail_at(ps, ps->pos, "expected %s", what);
}

static struct ljson *
new_node(struct parser *ps, enum ljson_type t)
{
	struct ljson *n = arena_alloc(ps->doc, sizeof(*n));

	if (n == NULL) {
		fail_at(ps, ps->pos, "out of memory");
		return NULL;
	}
	memset(n, 0, sizeof(*n));
	n->type = t;
	return n;
}

static void
skip_ws(struct parser *ps)
{
	while (ps->pos < ps->len) {
		unsigned char c = ps->in[ps->pos];

		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		ps->pos++;
	}
}

static int
peek(const struct parser *ps)
{
	return ps->pos < ps->len ? ps->in[ps->pos] : -1;
}

static int
hex_digit(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Value of the four hex digits at p (the caller checked they are in bounds), or -1. */
static int
read_hex4(const unsigned char *p)
{
	int v = 0;

	for (int i = 0; i < 4; i++) {
		int d = hex_digit(p[i]);

		if (d < 0)
			return -1;
		v = v << 4 | d;
	}
	return v;
}

/* Length of the valid UTF-8 sequence at p (at most `avail` bytes), or 0 if invalid
 * (RFC 3629 section 4: no overlongs, no surrogates, nothing above U+10FFFF). */
static size_t
utf8_seq_len(const unsigned char *p, size_t avail)
{
	unsigned char c = p[0];
	size_t n;
	unsigned char lo = 0x80, hi = 0xbf;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (avail < n)
		return 0;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

static size_t
utf8_put(unsigned char *out, uint32_t cp)
{
	if (cp < 0x80) {
		out[0] = cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = 0xc0 | cp >> 6;
		out[1] = 0x80 | (cp & 0x3f);
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = 0xe0 | cp >> 12;
		out[1] = 0x80 | (cp >> 6 & 0x3f);
		out[2] = 0x80 | (cp & 0x3f);
		return 3;
	}
	out[0] = 0xf0 | cp >> 18;
	out[1] = 0x80 | (cp >> 12 & 0x3f);
	out[2] = 0x80 | (cp >> 6 & 0x3f);
	out[3] = 0x80 | (cp & 0x3f);
	return 4;
}

/* A string starting at the opening quote. The decoded text is never longer than its
 * source, so one allocation of the source span is enough. */
static bool
parse_string(struct parser *ps, const char **out, size_t *out_len)
{
	size_t start = ps->pos + 1, end = start;
	unsigned char *buf;
	size_t n = 0;

	while (end < ps->len && ps->in[end] != '"')
		end += ps->in[end] == '\\' ? 2 : 1;
	if (end >= ps->len) {
		fail_at(ps, ps->len, "unexpected end of input (unterminated string)");
		return false;
	}
	buf = arena_alloc(ps->doc, end - start + 1);
	if (buf == NULL) {
		fail_at(ps, ps->pos, "out of memory");
		return false;
	}
	for (size_t i = start; i < end;) {
		unsigned char c = ps->in[i];

		if (c < 0x20) {
			fail_at(ps, i, "control character 0x%02x in string", c);
			return false;
		}
		if (c >= 0x80) {
			size_t sl = utf8_seq_len(ps->in + i, end - i);

			if (sl == 0) {
				fail_at(ps, i, "invalid UTF-8 in string");
				return false;
			}
			memcpy(buf + n, ps->in + i, sl);
			n += sl;
			i += sl;
			continue;
		}
		if (c != '\\') {
			buf[n++] = c;
			i++;
			continue;
		}
		/* escape: the scan above guarantees ps->in[i + 1] exists and i + 1 < end */
		switch (ps->in[i + 1]) {
		case '"': buf[n++] = '"'; break;
		case '\\': buf[n++] = '\\'; break;
		case '/': buf[n++] = '/'; break;
		case 'b': buf[n++] = '\b'; break;
		case 'f': buf[n++] = '\f'; break;
		case 'n': buf[n++] = '\n'; break;
		case 'r': buf[n++] = '\r'; break;
		case 't': buf[n++] = '\t'; break;
		case 'u': {
			int hi, lo;
			uint32_t cp;

			if (end - i < 6 || (hi = read_hex4(ps->in + i + 2)) < 0) {
				fail_at(ps, i, "bad \\u escape (need 4 hex digits)");
				return false;
			}
			cp = hi;
			if (hi >= 0xdc00 && hi <= 0xdfff) {
				fail_at(ps, i, "unpaired low surrogate \\u%04x", hi);
				return false;
			}
			if (hi >= 0xd800 && hi <= 0xdbff) {
				/* RFC 8259 section 7: a pair of escapes encodes one code point */
				if (end - i < 12 || ps->in[i + 6] != '\\' || ps->in[i + 7] != 'u' ||
				    (lo = read_hex4(ps->in + i + 8)) < 0 ||
				    lo < 0xdc00 || lo > 0xdfff) {
					fail_at(ps, i, "unpaired high surrogate \\u%04x", hi);
					return false;
				}
				cp = 0x10000 + ((uint32_t)(hi - 0xd800) << 10) + (lo - 0xdc00);
				i += 6;
			}
			if (cp == 0) {
				fail_at(ps, i, "\\u0000 in strings is not supported");
				return false;
			}
			n += utf8_put(buf + n, cp);
			i += 6;
			continue;
		}
		default:
			fail_at(ps, i, "bad escape '\\%c'",
				ps->in[i + 1] >= 0x20 && ps->in[i + 1] < 0x7f ? ps->in[i + 1] : '?');
			return false;
		}
		i += 2;
	}
	buf[n] = '\0';
	*out = (const char *)buf;
	*out_len = n;
	ps->pos = end + 1;
	return true;
}

static bool
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static struct ljson *
parse_number(struct parser *ps)
{
	size_t start = ps->pos, p = ps->pos;
	bool neg = false, integer = true, overflow = false;
	uint64_t mag = 0;
	struct ljson *n;
	char *text;

	if (p < ps->len && ps->in[p] == '-') {
		neg = true;
		p++;
	}
	if (p >= ps->len || !is_digit(ps->in[p])) {
		ps->pos = p;
		fail_eof_or(ps, "a digit");
		return NULL;
	}
	if (ps->in[p] == '0') {
		p++;
	} else {
		while (p < ps->len && is_digit(ps->in[p])) {
			unsigned int d = ps->in[p] - '0';

			if (mag > (UINT64_MAX - d) / 10)
				overflow = true;
			else
				mag = mag * 10 + d;
			p++;
		}
	}
	if (p < ps->len && ps->in[p] == '.') {
		integer = false;
		p++;
		if (p >= ps->len || !is_digit(ps->in[p])) {
			ps->pos = p;
			fail_eof_or(ps, "a digit after '.'");
			return NULL;
		}
		while (p < ps->len && is_digit(ps->in[p]))
			p++;
	}
	if (p < ps->len && (ps->in[p] == 'e' || ps->in[p] == 'E')) {
		integer = false;
		p++;
		if (p < ps->len && (ps->in[p] == '+' || ps->in[p] == '-'))
			p++;
		if (p >= ps->len || !is_digit(ps->in[p])) {
			ps->pos = p;
			fail_eof_or(ps, "a digit in the exponent");
			return NULL;
		}
		while (p < ps->len && is_digit(ps->in[p]))
			p++;
	}

	n = new_node(ps, LJSON_NUMBER);
	text = n != NULL ? arena_alloc(ps->doc, p - start + 1) : NULL;
	if (text == NULL) {
		fail_at(ps, start, "out of memory");
		return NULL;
	}
	memcpy(text, ps->in + start, p - start);
	text[p - start] = '\0';
	n->str = text;
	n->len = p - start;
	n->dbl = strtod(text, NULL);
	if (integer && !overflow) {
		if (!neg) {
			n->num_flags |= LJSON_NUM_U64;
			n->u64 = mag;
			if (mag <= INT64_MAX) {
				n->num_flags |= LJSON_NUM_I64;
				n->i64 = (int64_t)mag;
			}
		} else if (mag <= (uint64_t)INT64_MAX + 1) {
			n->num_flags |= LJSON_NUM_I64;
			n->i64 = mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag;
		}
	}
	ps->pos = p;
	return n;
}

static struct ljson *
parse_literal(struct parser *ps, const char *word, enum ljson_type t, bool b)
{
	size_t wl = strlen(word);
	struct ljson *n;

	if (ps->len - ps->pos < wl || memcmp(ps->in + ps->pos, word, wl) != 0) {
		/* name the first byte that differs, or the end of input */
		size_t i = 0;

		while (ps->pos + i < ps->len && i < wl && ps->in[ps->pos + i] == (unsigned char)word[i])
			i++;
		ps->pos += i;
		fail_eof_or(ps, word);
		return NULL;
	}
	n = new_node(ps, t);
	if (n != NULL)
		n->b = b;
	ps->pos += wl;
	return n;
}

static struct ljson *parse_value(struct parser *ps, unsigned int depth);

/* Array or object, at its opening bracket. */
static struct ljson *
parse_container(struct parser *ps, unsigned int depth, bool object)
{
	const char close = object ? '}' : ']';
	struct ljson *n, *tail = NULL;

	if (depth > LJSON_MAX_DEPTH) {
		fail_at(ps, ps->pos, "nesting deeper than %d levels", LJSON_MAX_DEPTH);
		return NULL;
	}
	n = new_node(ps, object ? LJSON_OBJECT : LJSON_ARRAY);
	if (n == NULL)
		return NULL;
	ps->pos++;
	skip_ws(ps);
	if (peek(ps) == close) {
		ps->pos++;
		return n;
	}
	for (;;) {
		const char *key = NULL;
		size_t key_len = 0;
		struct ljson *v;

		if (object) {
			if (peek(ps) != '"') {
				fail_eof_or(ps, n->count == 0 ? "a member name or '}'" : "a member name");
				return NULL;
			}
			if (!parse_string(ps, &key, &key_len))
				return NULL;
			skip_ws(ps);
			if (peek(ps) != ':') {
				fail_eof_or(ps, "':'");
				return NULL;
			}
			ps->pos++;
			skip_ws(ps);
		}
		v = parse_value(ps, depth);
		if (v == NULL)
			return NULL;
		v->key = key;
		if (tail == NULL)
			n->child = v;
		else
			tail->next = v;
		tail = v;
		n->count++;
		skip_ws(ps);
		if (peek(ps) == ',') {
			ps->pos++;
			skip_ws(ps);
			continue;
		}
		if (peek(ps) == close) {
			ps->pos++;
			return n;
		}
		fail_eof_or(ps, object ? "',' or '}'" : "',' or ']'");
		return NULL;
	}
}

/* A value at the current position (whitespace already skipped); `depth` is the
 * nesting level of the container holding it (0 at the top). */
static struct ljson *
parse_value(struct parser *ps, unsigned int depth)
{
	struct ljson *n;
	int c = peek(ps);

	switch (c) {
	case '{':
		return parse_container(ps, depth + 1, true);
	case '[':
		return parse_container(ps, depth + 1, false);
	case '"':
		n = new_node(ps, LJSON_STRING);
		if (n == NULL || !parse_string(ps, &n->str, &n->len))
			return NULL;
		return n;
	case 't':
		return parse_literal(ps, "true", LJSON_BOOL, true);
	case 'f':
		return parse_literal(ps, "false", LJSON_BOOL, false);
	case 'n':
		return parse_literal(ps, "null", LJSON_NULL, false);
	default:
		if (c == '-' || is_digit(c))
			return parse_number(ps);
		fail_eof_or(ps, "a value");
		return NULL;
	}
}

struct ljson_doc *
ljson_parse(const char *buf, size_t len, struct ljson_error *err)
{
	struct parser ps = { .in = (const unsigned char *)buf, .len = len, .err = err };
	const struct ljson *root;

	if (err != NULL) {
		err->offset = 0;
		err->msg[0] = '\0';
	}
	if (buf == NULL && len != 0) {
		fail_at(&ps, 0, "no input");
		return NULL;
	}
	if (len > LJSON_MAX_INPUT) {
		fail_at(&ps, 0, "input of %zu bytes exceeds the %u-byte limit", len,
			LJSON_MAX_INPUT);
		return NULL;
	}
	ps.doc = calloc(1, sizeof(*ps.doc));
	if (ps.doc == NULL) {
		fail_at(&ps, 0, "out of memory");
		return NULL;
	}
	skip_ws(&ps);
	root = parse_value(&ps, 0);
	if (root != NULL) {
		skip_ws(&ps);
		if (ps.pos != ps.len)
			fail_at(&ps, ps.pos, "trailing data after the JSON value");
	}
	if (ps.failed || root == NULL) {
		ljson_free(ps.doc);
		return NULL;
	}
	ps.doc->root = root;
	return ps.doc;
}

/* ---- accessors ---- */

const struct ljson *
ljson_get(const struct ljson *obj, const char *key)
{
	if (obj == NULL || obj->type != LJSON_OBJECT)
		return NULL;
	for (const struct ljson *m = obj->child; m != NULL; m = m->next)
		if (strcmp(m->key, key) == 0)
			return m;
	return NULL;
}

const char *
ljson_string(const struct ljson *v)
{
	return v != NULL && v->type == LJSON_STRING ? v->str : NULL;
}

bool
ljson_u64(const struct ljson *v, uint64_t *out)
{
	if (v == NULL || v->type != LJSON_NUMBER || !(v->num_flags & LJSON_NUM_U64))
		return false;
	*out = v->u64;
	return true;
}

const char *
ljson_get_string(const struct ljson *obj, const char *key)
{
	return ljson_string(ljson_get(obj, key));
}

bool
ljson_get_u64(const struct ljson *obj, const char *key, uint64_t *out)
{
	return ljson_u64(ljson_get(obj, key), out);
}

const char *
ljson_type_name(enum ljson_type t)
{
	switch (t) {
	case LJSON_NULL: return "null";
	case LJSON_BOOL: return "boolean";
	case LJSON_NUMBER: return "number";
	case LJSON_STRING: return "string";
	case LJSON_ARRAY: return "array";
	case LJSON_OBJECT: return "object";
	}
	return "?";
}

/* ---- writer ---- */

void
ljson_write_string(FILE *f, const char *s, size_t len)
{
	fputc('"', f);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = s[i];

		switch (c) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\b': fputs("\\b", f); break;
		case '\f': fputs("\\f", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		default:
			if (c < 0x20)
				fprintf(f, "\\u%04x", c);
			else
				fputc(c, f);
		}
	}
	fputc('"', f);
}

static void
write_newline(FILE *f, unsigned int indent, unsigned int level)
{
	fputc('\n', f);
	for (unsigned int i = 0; i < indent * level; i++)
		fputc(' ', f);
}

/* Recursion is bounded: parsed trees are at most LJSON_MAX_DEPTH deep. */
static void
write_value(FILE *f, const struct ljson *v, unsigned int indent, unsigned int level)
{
	bool object = v->type == LJSON_OBJECT;

	switch (v->type) {
	case LJSON_NULL:
		fputs("null", f);
		return;
	case LJSON_BOOL:
		fputs(v->b ? "true" : "false", f);
		return;
	case LJSON_NUMBER:
		fwrite(v->str, 1, v->len, f);
		return;
	case LJSON_STRING:
		ljson_write_string(f, v->str, v->len);
		return;
	case LJSON_ARRAY:
	case LJSON_OBJECT:
		break;
	}
	fputc(object ? '{' : '[', f);
	for (const struct ljson *m = v->child; m != NULL; m = m->next) {
		if (indent > 0)
			write_newline(f, indent, level + 1);
		if (object) {
			ljson_write_string(f, m->key, strlen(m->key));
			fputs(indent > 0 ? ": " : ":", f);
		}
		write_value(f, m, indent, level + 1);
		if (m->next != NULL)
			fputc(',', f);
	}
	if (indent > 0 && v->child != NULL)
		write_newline(f, indent, level);
	fputc(object ? '}' : ']', f);
}

void
ljson_write(FILE *f, const struct ljson *v, unsigned int indent)
{
	write_value(f, v, indent, 0);
}
