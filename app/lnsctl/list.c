/* SPDX-License-Identifier: BSD-3-Clause */
/* Paginated lists: fetch and stitch. See list.h. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "list.h"
#include "tel.h"

static int
keep_doc(struct ctl_list *l, struct ljson_doc *doc)
{
	struct ljson_doc **d = reallocarray(l->docs, l->ndocs + 1, sizeof(*d));

	if (d == NULL)
		return -ENOMEM;
	l->docs = d;
	l->docs[l->ndocs++] = doc;
	return 0;
}

static int
add_item(struct ctl_list *l, const struct ljson *m)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;
		struct ljson *it = reallocarray(l->items, cap, sizeof(*it));

		if (it == NULL)
			return -ENOMEM;
		l->items = it;
		l->cap = cap;
	}
	l->items[l->n++] = *m;  /* shallow: its children stay in the page's document */
	return 0;
}

/* Link the copies into one object (after the last page: items may move while
 * growing). */
static void
link_items(struct ctl_list *l)
{
	memset(&l->root, 0, sizeof(l->root));
	l->root.type = LJSON_OBJECT;
	l->root.count = l->n;
	l->root.child = l->n > 0 ? &l->items[0] : NULL;
	for (size_t i = 0; i < l->n; i++)
		l->items[i].next = i + 1 < l->n ? &l->items[i + 1] : NULL;
}

int
ctl_list_fetch(const char *request, uint32_t page_size, ctl_fetch_fn fetch, void *ctx,
	       struct ctl_list *l, char *err, size_t errlen)
{
	uint64_t from = 0;
	bool first = true;
	int rc = 0;

	memset(l, 0, sizeof(*l));
	link_items(l);
	for (;;) {
		char req[TEL_MAX_REQUEST + 1], why[160];
		const struct ljson *v, *next = NULL;
		struct ljson_doc *doc = NULL;
		int n;

		/* the first page as asked (so an older lnsd still answers), later ones
		 * from the cursor; parameters are appended as ",key=value" */
		n = snprintf(req, sizeof(req), "%s", request);
		if (!first && n > 0 && (size_t)n < sizeof(req)) {
			/* a from= the caller gave starts the first page only: drop it */
			char *f = strstr(req, ",from=");

			if (f != NULL) {
				const char *rest = strchr(f + 1, ',');

				memmove(f, rest != NULL ? rest : "", rest != NULL ? strlen(rest) + 1 : 1);
				n = (int)strlen(req);
			}
		}
		if (!first && n > 0 && (size_t)n < sizeof(req))
			n += snprintf(req + n, sizeof(req) - (size_t)n, ",from=%" PRIu64, from);
		if (page_size > 0 && n > 0 && (size_t)n < sizeof(req))
			n += snprintf(req + n, sizeof(req) - (size_t)n, ",limit=%" PRIu32,
				      page_size);
		if (n < 0 || (size_t)n >= sizeof(req)) {
			snprintf(err, errlen, "request longer than %d bytes", TEL_MAX_REQUEST);
			rc = -EINVAL;
			break;
		}
		rc = fetch(ctx, req, &doc, err, errlen);
		if (rc != 0)
			break;
		if (keep_doc(l, doc) != 0) {
			ljson_free(doc);
			rc = -ENOMEM;
			snprintf(err, errlen, "out of memory");
			break;
		}
		l->pages++;
		v = tel_reply_value(ljson_root(doc), req, why, sizeof(why));
		if (v == NULL) {
			snprintf(err, errlen, "%s", why);
			rc = -EPROTO;
			break;
		}
		if (v->type == LJSON_NULL) {
			rc = -ENOENT;
			break;
		}
		if (v->type != LJSON_OBJECT) {
			snprintf(err, errlen, "unexpected reply: a list is an object, not %s",
				 ljson_type_name(v->type));
			rc = -EPROTO;
			break;
		}
		if (ljson_get_string(v, "error") != NULL) {
			snprintf(err, errlen, "%s", ljson_get_string(v, "error"));
			rc = -EPROTO;
			break;
		}
		for (const struct ljson *m = v->child; m != NULL && rc == 0; m = m->next) {
			if (strcmp(m->key, "next") == 0)
				next = m;
			else if (m->type == LJSON_OBJECT)
				rc = add_item(l, m);
			/* anything else ("truncated" from an older lnsd) is not an entry */
		}
		if (rc != 0) {
			snprintf(err, errlen, "out of memory");
			break;
		}
		if (next == NULL)
			break;
		{
			uint64_t to;

			/* a cursor that stands still would ask for the same page forever */
			if (!ljson_u64(next, &to) || to <= from || to > UINT32_MAX) {
				snprintf(err, errlen, "lnsd sent a bad page cursor (\"next\": %s)",
					 next->type == LJSON_NUMBER ? next->str :
					 ljson_type_name(next->type));
				rc = -EPROTO;
				break;
			}
			from = to;
		}
		first = false;
	}
	link_items(l);
	return rc;
}

void
ctl_list_free(struct ctl_list *l)
{
	for (size_t i = 0; i < l->ndocs; i++)
		ljson_free(l->docs[i]);
	free(l->docs);
	free(l->items);
	memset(l, 0, sizeof(*l));
}
