/* SPDX-License-Identifier: BSD-3-Clause */
/* lnsctl's view of a JSON document: json-c parses it, this file keeps the parsed
 * tree in the form lnsctl walks (ordered members, JSON null as a value) and writes
 * it in lnsctl's layout. See ljson.h for the contract. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

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

/* ---- reading: json-c parses, the tree is copied into the arena ---- */

struct conv {
	struct ljson_doc *doc;
	struct ljson_error *err;
	bool failed;
};

static void __attribute__((format(printf, 3, 4)))
fail_at(struct conv *cv, size_t off, const char *fmt, ...)
{
	va_list ap;

	if (cv->failed)
		return;
	cv->failed = true;
	if (cv->err == NULL)
		return;
	cv->err->offset = off;
	va_start(ap, fmt);
	vsnprintf(cv->err->msg, sizeof(cv->err->msg), fmt, ap);
	va_end(ap);
}

static struct ljson *
new_node(struct conv *cv, enum ljson_type t)
{
	struct ljson *n = arena_alloc(cv->doc, sizeof(*n));

	if (n == NULL) {
		fail_at(cv, 0, "out of memory");
		return NULL;
	}
	memset(n, 0, sizeof(*n));
	n->type = t;
	return n;
}

static const char *
arena_strdup(struct conv *cv, const char *s, size_t len)
{
	char *d = arena_alloc(cv->doc, len + 1);

	if (d == NULL) {
		fail_at(cv, 0, "out of memory");
		return NULL;
	}
	memcpy(d, s, len);
	d[len] = '\0';
	return d;
}

/* A number's text is json-c's: an integer in decimal (exact up to 2^64-1), a
 * fraction or exponent as it was sent. Its integer views are exact. */
static bool
conv_number(struct conv *cv, struct json_object *jo, struct ljson *n)
{
	const char *text = json_object_to_json_string_ext(jo, JSON_C_TO_STRING_PLAIN);

	n->len = strlen(text);
	n->str = arena_strdup(cv, text, n->len);
	if (n->str == NULL)
		return false;
	n->dbl = json_object_get_double(jo);
	if (json_object_get_type(jo) != json_type_int) {
		/* json-c reads NaN and Infinity, which RFC 8259 (and --json output) lacks */
		if (!isfinite(n->dbl)) {
			fail_at(cv, 0, "%s is not a JSON number", n->str);
			return false;
		}
		return true;
	}
	if (text[0] == '-') {
		n->num_flags = LJSON_NUM_I64;
		n->i64 = json_object_get_int64(jo);
	} else {
		n->num_flags = LJSON_NUM_U64;
		n->u64 = json_object_get_uint64(jo);
		if (n->u64 <= INT64_MAX) {
			n->num_flags |= LJSON_NUM_I64;
			n->i64 = (int64_t)n->u64;
		}
	}
	return true;
}

/* Recursion is bounded: json-c refuses input nested deeper than LJSON_MAX_DEPTH. */
static struct ljson *
conv_value(struct conv *cv, struct json_object *jo)
{
	static const enum ljson_type types[] = {
		[json_type_null] = LJSON_NULL, [json_type_boolean] = LJSON_BOOL,
		[json_type_double] = LJSON_NUMBER, [json_type_int] = LJSON_NUMBER,
		[json_type_object] = LJSON_OBJECT, [json_type_array] = LJSON_ARRAY,
		[json_type_string] = LJSON_STRING,
	};
	enum json_type jt = json_object_get_type(jo);
	struct ljson *n = new_node(cv, types[jt]), **tail;

	if (n == NULL)
		return NULL;
	tail = (struct ljson **)&n->child;
	switch (jt) {
	case json_type_null:
		break;
	case json_type_boolean:
		n->b = json_object_get_boolean(jo);
		break;
	case json_type_double:
	case json_type_int:
		if (!conv_number(cv, jo, n))
			return NULL;
		break;
	case json_type_string:
		n->len = (size_t)json_object_get_string_len(jo);
		if (memchr(json_object_get_string(jo), '\0', n->len) != NULL) {
			fail_at(cv, 0, "a string contains U+0000");
			return NULL;
		}
		n->str = arena_strdup(cv, json_object_get_string(jo), n->len);
		if (n->str == NULL)
			return NULL;
		break;
	case json_type_array:
		for (size_t i = 0; i < json_object_array_length(jo); i++) {
			struct ljson *m = conv_value(cv, json_object_array_get_idx(jo, i));

			if (m == NULL)
				return NULL;
			*tail = m;
			tail = (struct ljson **)&m->next;
			n->count++;
		}
		break;
	case json_type_object: {
		json_object_object_foreach(jo, key, val) {
			struct ljson *m = conv_value(cv, val);

			if (m == NULL || (m->key = arena_strdup(cv, key, strlen(key))) == NULL)
				return NULL;
			*tail = m;
			tail = (struct ljson **)&m->next;
			n->count++;
		}
		break;
	}
	}
	return n;
}

static bool
only_ws(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
			return false;
	return true;
}

struct ljson_doc *
ljson_parse(const char *buf, size_t len, struct ljson_error *err)
{
	struct conv cv = { .err = err };
	struct json_tokener *tok;
	struct json_object *jo = NULL;
	enum json_tokener_error je;
	size_t end;

	if (err != NULL) {
		err->offset = 0;
		err->msg[0] = '\0';
	}
	if (buf == NULL && len != 0) {
		fail_at(&cv, 0, "no input");
		return NULL;
	}
	if (len > LJSON_MAX_INPUT) {
		fail_at(&cv, 0, "input of %zu bytes exceeds the %u-byte limit", len,
			LJSON_MAX_INPUT);
		return NULL;
	}
	tok = json_tokener_new_ex(LJSON_MAX_DEPTH);
	cv.doc = calloc(1, sizeof(*cv.doc));
	if (tok == NULL || cv.doc == NULL) {
		fail_at(&cv, 0, "out of memory");
		goto out;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	/* json-c reads a NUL byte as the end of the text: one inside the input is an error */
	end = buf != NULL ? strnlen(buf, len) : 0;
	jo = json_tokener_parse_ex(tok, buf != NULL ? buf : "", (int)end);
	je = json_tokener_get_error(tok);
	if (jo == NULL && je == json_tokener_continue) {
		/* the text may end in a number, which only its end completes */
		jo = json_tokener_parse_ex(tok, "", 1);
		je = json_tokener_get_error(tok);
		if (je != json_tokener_success) {
			fail_at(&cv, end, "unexpected end of input (%s)", json_tokener_error_desc(je));
			goto out;
		}
	} else if (je == json_tokener_success) {
		end = json_tokener_get_parse_end(tok);
	}
	if (je != json_tokener_success) {
		fail_at(&cv, json_tokener_get_parse_end(tok), "%s", json_tokener_error_desc(je));
		goto out;
	}
	if (!only_ws(buf + end, len - end)) {
		fail_at(&cv, end, "trailing data after the JSON value");
		goto out;
	}
	cv.doc->root = conv_value(&cv, jo);
out:
	json_object_put(jo);
	if (tok != NULL)
		json_tokener_free(tok);
	if (cv.failed || cv.doc == NULL || cv.doc->root == NULL) {
		ljson_free(cv.doc);
		return NULL;
	}
	return cv.doc;
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
