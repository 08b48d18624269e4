/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdlib.h>

#include "lns_idpool.h"

struct lns_idpool *
lns_idpool_create(uint32_t first, uint32_t n)
{
	struct lns_idpool *p;

	if (n == 0 || (uint64_t)first + n - 1 > UINT32_MAX)
		return NULL;
	p = malloc(sizeof(*p) + (size_t)n * sizeof(p->ring[0]));
	if (p == NULL)
		return NULL;
	p->used = calloc(n, 1);
	if (p->used == NULL) {
		free(p);
		return NULL;
	}
	p->first = first;
	p->n = n;
	p->head = 0;
	p->count = n;
	for (uint32_t i = 0; i < n; i++)
		p->ring[i] = first + i;
	return p;
}

void
lns_idpool_free(struct lns_idpool *p)
{
	if (p == NULL)
		return;
	free(p->used);
	free(p);
}

int
lns_idpool_get(struct lns_idpool *p, uint32_t *id)
{
	if (p->count == 0)
		return -ENOSPC;
	*id = p->ring[p->head];
	p->head = p->head + 1 == p->n ? 0 : p->head + 1;
	p->count--;
	p->used[*id - p->first] = 1;
	return 0;
}

int
lns_idpool_put(struct lns_idpool *p, uint32_t id)
{
	uint32_t tail;

	if (id < p->first || id - p->first >= p->n || !p->used[id - p->first])
		return -EINVAL;
	p->used[id - p->first] = 0;
	tail = p->head + p->count;
	if (tail >= p->n)
		tail -= p->n;
	p->ring[tail] = id;
	p->count++;
	return 0;
}

/* Whether ring slot i holds a free id (lies in the window head .. head+count-1). */
static bool
slot_live(const struct lns_idpool *p, uint32_t i)
{
	uint32_t off = i >= p->head ? i - p->head : i + p->n - p->head;

	return off < p->count;
}

int
lns_idpool_reserve(struct lns_idpool *p, uint32_t id)
{
	uint32_t i = id - p->first;

	if (id < p->first || i >= p->n)
		return -EINVAL;
	if (p->used[i])
		return -EEXIST;
	/* every free id is in the live window exactly once; slots outside it may
	 * hold stale copies, hence the window check */
	if (p->ring[i] != id || !slot_live(p, i)) {
		for (uint32_t k = 0, j = p->head; k < p->count; k++, j = j + 1 == p->n ? 0 : j + 1)
			if (p->ring[j] == id) {
				i = j;
				break;
			}
	}
	/* the head's id takes the reserved one's slot; FIFO order moves by one place */
	p->ring[i] = p->ring[p->head];
	p->head = p->head + 1 == p->n ? 0 : p->head + 1;
	p->count--;
	p->used[id - p->first] = 1;
	return 0;
}

bool
lns_idpool_in_use(const struct lns_idpool *p, uint32_t id)
{
	return id >= p->first && id - p->first < p->n && p->used[id - p->first];
}
