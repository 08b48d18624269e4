/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * lnsctl's view of a JSON reply, and its JSON writer.
 *
 * json-c parses (RFC 8259, UTF-8 checked, nesting limited to LJSON_MAX_DEPTH); the
 * result is kept as a read-only tree in one arena owned by a document, in the form
 * lnsctl walks: members in the order sent, JSON null as a value of its own (json-c
 * represents it as a NULL pointer, which would read as "absent"), C strings. Freeing
 * the document frees every node. Integers are exact up to 2^64-1 (json-c's uint64
 * and int64 views), so counters above 2^53 survive a round trip; a fraction or
 * exponent keeps the text it was sent with.
 *
 * Deliberate limits: strings may not contain U+0000 (every string is a C string),
 * an input longer than LJSON_MAX_INPUT is refused, and so are NaN and Infinity
 * (json-c reads them; --json could not print them back). Inherited from json-c:
 * an integer beyond the 64-bit range reads as the nearest limit, and of duplicate
 * member names the last value is kept (lnsd sends neither).
 *
 * Thread-safety: documents are independent; a parsed document is immutable.
 */
#ifndef LJSON_H
#define LJSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/** Deepest nesting of arrays and objects accepted (the top level counts as 1). */
#define LJSON_MAX_DEPTH 64
/** Largest input accepted, in bytes. */
#define LJSON_MAX_INPUT (64u * 1024 * 1024)

enum ljson_type {
	LJSON_NULL,
	LJSON_BOOL,
	LJSON_NUMBER,
	LJSON_STRING,
	LJSON_ARRAY,
	LJSON_OBJECT,
};

/** Number flags: which exact integer views of a number are valid. */
#define LJSON_NUM_U64 0x1 /**< non-negative integer that fits uint64_t: `u64` is exact */
#define LJSON_NUM_I64 0x2 /**< integer that fits int64_t: `i64` is exact */

/** One value. Members of an array or object are chained through `next`. */
struct ljson {
	enum ljson_type type;
	/** Member name when this value sits in an object, else NULL. */
	const char *key;
	/** Next member of the enclosing array or object, or NULL. */
	const struct ljson *next;
	/** STRING: decoded text; NUMBER: source text. NUL-terminated; `len` excludes the NUL. */
	const char *str;
	size_t len;
	/** ARRAY / OBJECT: first member and member count. */
	const struct ljson *child;
	size_t count;
	/** BOOL value. */
	bool b;
	/** NUMBER: LJSON_NUM_* flags, exact integer views, and the nearest double. */
	unsigned int num_flags;
	uint64_t u64;
	int64_t i64;
	double dbl;
};

/** Where and why a parse failed. */
struct ljson_error {
	size_t offset; /**< byte offset in the input */
	char msg[96];
};

struct ljson_doc;

/**
 * Parse `len` bytes at `buf` as one JSON text (whitespace around it allowed, nothing
 * else). `buf` need not be NUL-terminated and is not referenced after the call.
 * @return a document (free with ljson_free), or NULL with `err` filled (if non-NULL);
 *         on allocation failure the message says so.
 */
struct ljson_doc *ljson_parse(const char *buf, size_t len, struct ljson_error *err);

/** Root value of a document. */
const struct ljson *ljson_root(const struct ljson_doc *doc);

/** Free a document and every value in it. NULL is a no-op. */
void ljson_free(struct ljson_doc *doc);

/** First member of object `obj` named `key`; NULL if none or `obj` is not an object. */
const struct ljson *ljson_get(const struct ljson *obj, const char *key);

/** String value of `v`, or NULL if `v` is NULL or not a string. */
const char *ljson_string(const struct ljson *v);

/** Exact unsigned value of `v`. @return false if `v` is not a non-negative integer that fits. */
bool ljson_u64(const struct ljson *v, uint64_t *out);

/** ljson_string(ljson_get(obj, key)). */
const char *ljson_get_string(const struct ljson *obj, const char *key);

/** ljson_u64(ljson_get(obj, key), out). */
bool ljson_get_u64(const struct ljson *obj, const char *key, uint64_t *out);

/** Name of a type, for messages ("object", "array", ...). */
const char *ljson_type_name(enum ljson_type t);

/**
 * Write `v` as JSON. `indent` 0 writes it compactly on one line; otherwise pretty,
 * with `indent` spaces per level. Numbers are written with their source text.
 * No trailing newline. Errors show up in ferror(f).
 */
void ljson_write(FILE *f, const struct ljson *v, unsigned int indent);

/** Write `s` (`len` bytes) as a quoted JSON string with the required escapes. */
void ljson_write_string(FILE *f, const char *s, size_t len);

#endif /* LJSON_H */
