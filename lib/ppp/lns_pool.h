/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Subscriber address pools (conf->ppp.pools): O(1) allocate, reserve and
 * release. Free addresses sit in a FIFO doubly linked list per pool, so a
 * released address is handed out again as late as possible (routes and ARP
 * caches elsewhere forget it first) and a specific address can be taken out of
 * the middle (reserve) in O(1). An address in use is never handed out twice.
 * Addresses outside every pool (static user addresses) are tracked in a hash
 * set, so they are not given to two sessions either.
 *
 * Thread-safety: none; control lcore only.
 */
#ifndef LNS_POOL_H
#define LNS_POOL_H

#include <stdint.h>

#include "lns_conf.h"

struct lns_pools;

/** Pools built from conf->ppp.pools. NULL on ENOMEM or an empty/inverted range. */
struct lns_pools *lns_pools_create(const struct lns_conf *conf);
void lns_pools_free(struct lns_pools *ps);

/**
 * Pools built from `conf` (a reload) that carry over every address `old` has in
 * use, so none is handed out twice. An address in use that a new pool holds is
 * reserved there and returns there when released; one outside every new pool (a
 * shrunk or removed pool's, a static user's) is held outside the pools and, when
 * released, returns to none. Free addresses of the new pools keep their order:
 * addresses no old pool had come first (never used), then the old free lists in
 * their FIFO order, so a recently released address is still reused last. Pools
 * are matched to addresses, not to names or indices: pool `idx` of the result is
 * conf->ppp.pools[idx]. `old` is left as it was (free it after the swap).
 * @return the new pools, or NULL on ENOMEM or an empty/inverted range.
 */
struct lns_pools *lns_pools_rebuild(const struct lns_pools *old, const struct lns_conf *conf);

/** Index of the pool named `name`, or -ENOENT. */
int lns_pools_find(const struct lns_pools *ps, const char *name);

/** Take the oldest free address of pool `idx`. @return 0 and *addr (network order),
 *  -ENOSPC when exhausted, -EINVAL for a bad index. */
int lns_pools_alloc(struct lns_pools *ps, int idx, uint32_t *addr);

/** Take a specific address (static provisioning, a user's static address).
 *  @return 0, -EEXIST when it is in use already, -ENOMEM. */
int lns_pools_reserve(struct lns_pools *ps, uint32_t addr);

/** Give an address back (allocated or reserved). @return 0, or -ENOENT if not in use. */
int lns_pools_release(struct lns_pools *ps, uint32_t addr);

/** Free addresses in pool idx (0 for a bad index). */
uint32_t lns_pools_available(const struct lns_pools *ps, int idx);

#endif /* LNS_POOL_H */
