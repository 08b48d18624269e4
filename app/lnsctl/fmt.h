/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Human-readable output for lnsctl: units, aligned tables, and the formatters for
 * telemetry replies (a dedicated one for /lns/stats, a generic one for the rest).
 *
 * Text that came from the daemon is printed with control characters replaced by '?',
 * so a reply can never move the terminal's cursor or change its state.
 */
#ifndef LNSCTL_FMT_H
#define LNSCTL_FMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ljson.h"

/** Room for any output of the fmt_* unit helpers, NUL included. */
#define FMT_UNIT_LEN 32

/**
 * Bytes in SI units, 3 significant figures: "0 B", "999 B", "1.5 kB", "12.3 MB",
 * "100 GB" ... up to "18.4 EB". @return `buf`.
 */
char *fmt_bytes(uint64_t v, char *buf, size_t size);

/** Exact count with thousands grouping: "1,234,567". @return `buf`. */
char *fmt_count(uint64_t v, char *buf, size_t size);

/** Duration: "45s", "2m 05s", "1h 02m 05s", "3d 04h 05m 06s". @return `buf`. */
char *fmt_duration(uint64_t seconds, char *buf, size_t size);

/** Column alignment in a table. */
enum fmt_align { FMT_LEFT, FMT_RIGHT };

struct fmt_table;

/** A table of `ncols` columns (>= 1). NULL on ENOMEM. */
struct fmt_table *fmt_table_new(size_t ncols);
void fmt_table_free(struct fmt_table *t);
/** Set a column's heading and alignment (defaults: empty heading, left). */
void fmt_table_column(struct fmt_table *t, size_t col, const char *heading, enum fmt_align a);
/** Append an empty row. @return its index, or -1 on ENOMEM. */
long fmt_table_add_row(struct fmt_table *t);
/** Set a cell (copied; control characters become '?'). @return 0 or -ENOMEM. */
int fmt_table_set(struct fmt_table *t, size_t row, size_t col, const char *text);
/** Number of rows. */
size_t fmt_table_rows(const struct fmt_table *t);
/**
 * Print the heading line and the rows, columns separated by two spaces, each line
 * prefixed by `indent` spaces; trailing blanks are not printed.
 */
void fmt_table_print(const struct fmt_table *t, FILE *out, unsigned int indent);

/** Display width of UTF-8 text: one column per code point. */
size_t fmt_width(const char *s);

/**
 * Print a /lns/stats reply (the inner value): header line, PORTS, COUNTERS and
 * DROPS (only non-zero reasons unless `all`). Missing fields print as "-".
 * @return 0, or -EINVAL if `v` is not an object (nothing printed then).
 */
int fmt_stats(FILE *out, const struct ljson *v, bool all);

/**
 * Print any reply value for people:
 *  - array of objects, or object of objects keyed by decimal ids (DPDK 22.11 cannot
 *    send a list of objects) or holding only flat records: one aligned table, columns
 *    the union of the member keys in first-seen order (an object's member names
 *    become the first column, "ID" or "NAME"; numeric columns align right);
 *  - empty array or object: "(none)";
 *  - other object: "key: value" lines, nested objects indented below their key;
 *  - anything else: pretty JSON.
 */
void fmt_generic(FILE *out, const struct ljson *v);

/**
 * Text of a value for a table cell or a "key: value" line: a string as is, a number
 * as sent, null as "-", a container as compact JSON cut to FMT_CELL_MAX columns.
 * @return a string to free(), or NULL on ENOMEM.
 */
char *fmt_cell_text(const struct ljson *v);

/** Widest cell fmt_cell_text makes from a container. */
#define FMT_CELL_MAX 60

#endif /* LNSCTL_FMT_H */
