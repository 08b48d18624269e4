/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * O(1) id pool: ids first..first+n-1 handed out FIFO, so a freed id is reused as
 * late as possible (a peer that still remembers an old tunnel or SA id is unlikely
 * to meet it again soon).
 *
 * Thread-safety: none; one owner (the control lcore).
 */
#ifndef LNS_IDPOOL_H
#define LNS_IDPOOL_H

#include <stdbool.h>
#include <stdint.h>

struct lns_idpool {
	uint32_t first;     /**< smallest id */
	uint32_t n;         /**< number of ids */
	uint32_t head;      /**< next to hand out (index into ring) */
	uint32_t count;     /**< free ids in the ring */
	uint8_t *used;      /**< one byte per id: catches double frees */
	uint32_t ring[];    /**< n entries */
};

/** A pool of ids first .. first+n-1, all free. NULL on ENOMEM or n == 0. */
struct lns_idpool *lns_idpool_create(uint32_t first, uint32_t n);
void lns_idpool_free(struct lns_idpool *p);

/** Take an id. @return 0 and *id, or -ENOSPC when none is free. */
int lns_idpool_get(struct lns_idpool *p, uint32_t *id);

/** Return an id. @return 0, or -EINVAL for an id not from this pool or not in use. */
int lns_idpool_put(struct lns_idpool *p, uint32_t id);

/**
 * Take one given id out of the pool, as if handed out (lns_idpool_put() returns it):
 * for ids that something outside the pool already holds, such as statically
 * provisioned tunnels, so that lns_idpool_get() never hands them out. O(1) while
 * the id still sits where lns_idpool_create() put it (reserving before any
 * lns_idpool_get()), else a scan of the free ids: meant for start-up, not for a hot path.
 * @return 0, -EEXIST when the id is in use, -EINVAL when it is not from this pool.
 */
int lns_idpool_reserve(struct lns_idpool *p, uint32_t id);

/** Whether an id is currently handed out. */
bool lns_idpool_in_use(const struct lns_idpool *p, uint32_t id);

/** Ids currently free. */
static inline uint32_t
lns_idpool_available(const struct lns_idpool *p)
{
	return p->count;
}

#endif /* LNS_IDPOOL_H */
