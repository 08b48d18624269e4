/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Whole lists from lnsd's paginated list commands (/lns/tunnels, /lns/sessions,
 * /lns/sa; grammar in lib/mgmt/lns_listq.h): ask page after page, following each
 * reply's "next" cursor, and stitch the entries into one object keyed by id, the
 * shape a single unpaginated reply had.
 */
#ifndef LNSCTL_LIST_H
#define LNSCTL_LIST_H

#include <stddef.h>
#include <stdint.h>

#include "ljson.h"

/**
 * Send `request` and return its parsed reply (the whole {"/cmd": value} object).
 * @return 0, or -errno with `err` filled.
 */
typedef int (*ctl_fetch_fn)(void *ctx, const char *request, struct ljson_doc **doc,
			    char *err, size_t errlen);

/** A stitched list. `root` is an object whose members are every page's entries, in
 *  order; it points into the pages' documents, which live as long as the list. */
struct ctl_list {
	struct ljson root;
	struct ljson *items;
	size_t n, cap;
	struct ljson_doc **docs;
	size_t ndocs;
	size_t pages;
};

/**
 * Fetch every page of `request` ("/lns/x" or "/lns/x,FILTERS") through `fetch`.
 * `page_size` > 0 asks for pages of at most that many entries (limit=).
 * @return 0; -ENOENT when lnsd answered null (unknown command or failed handler: the
 *         caller explains); -EPROTO for a reply of the wrong shape, a cursor that does
 *         not move forward or an {"error": TEXT} reply (TEXT in `err`); or the fetch
 *         error. `l` is valid (possibly partly filled) either way: ctl_list_free() it.
 */
int ctl_list_fetch(const char *request, uint32_t page_size, ctl_fetch_fn fetch, void *ctx,
		   struct ctl_list *l, char *err, size_t errlen);

/** Free a list (its documents included). */
void ctl_list_free(struct ctl_list *l);

#endif /* LNSCTL_LIST_H */
