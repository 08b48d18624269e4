/* SPDX-License-Identifier: BSD-3-Clause */
/* SA database: control-lcore side (add, drop, reclaim). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "lns_idpool.h"
#include "lns_sad.h"

struct lns_sad *
lns_sad_create(uint32_t max_sas, int socket, struct rte_rcu_qsbr *qsbr,
	       uint16_t n_slots)
{
	struct lns_sad *sad;

	if (max_sas < 2 || max_sas == LNS_SAD_NONE || n_slots == 0) {
		rte_errno = EINVAL;
		return NULL;
	}
	sad = rte_zmalloc_socket("lns_sad", sizeof(*sad), RTE_CACHE_LINE_SIZE, socket);
	if (sad == NULL)
		goto nomem;
	sad->max_sas = max_sas;
	sad->socket = socket;
	sad->qsbr = qsbr;
	sad->pend_head = sad->pend_tail = LNS_SAD_NONE;
	sad->hot = rte_zmalloc_socket("lns_sad_hot", (size_t)max_sas * sizeof(*sad->hot),
				      RTE_CACHE_LINE_SIZE, socket);
	sad->cold = rte_zmalloc_socket("lns_sad_cold", (size_t)max_sas * sizeof(*sad->cold),
				       0, socket);
	sad->n_slots = n_slots;
	sad->ctr = rte_zmalloc_socket("lns_sad_ctr", (size_t)n_slots * max_sas *
				      LNS_SAD_CTR_MAX * sizeof(uint64_t), RTE_CACHE_LINE_SIZE,
				      socket);
	sad->ids = lns_idpool_create(0, max_sas);
	if (sad->hot == NULL || sad->cold == NULL || sad->ids == NULL || sad->ctr == NULL)
		goto nomem;
	/* Only inbound SPIs are in the map, about half the SAs: lookups meet a
	 * table at most a quarter full. Readers are the workers, under qsbr. */
	sad->by_spi = lns_u32map_create(max_sas, socket, qsbr);
	if (sad->by_spi == NULL)
		goto nomem;
	return sad;
nomem:
	lns_sad_free(sad);
	rte_errno = ENOMEM;
	return NULL;
}

static void
release(struct lns_sad *sad, uint32_t h)
{
	struct lns_sad_entry *e = &sad->hot[h];

	if (e->esp != NULL) {
		lns_esp_sa_clear(e->esp);
		rte_free(e->esp);
	}
	memset(e, 0, sizeof(*e));
	memset(&sad->cold[h], 0, sizeof(sad->cold[h]));
	for (uint16_t sl = 0; sl < sad->n_slots; sl++)
		memset(&sad->ctr[((size_t)sl * sad->max_sas + h) * LNS_SAD_CTR_MAX], 0,
		       LNS_SAD_CTR_MAX * sizeof(uint64_t));
	lns_idpool_put(sad->ids, h);
}

void
lns_sad_free(struct lns_sad *sad)
{
	if (sad == NULL)
		return;
	if (sad->hot != NULL)
		for (uint32_t h = 0; h < sad->max_sas; h++)
			if (sad->hot[h].esp != NULL) {
				lns_esp_sa_clear(sad->hot[h].esp);
				rte_free(sad->hot[h].esp);
			}
	lns_u32map_free(sad->by_spi);
	lns_idpool_free(sad->ids);
	rte_free(sad->hot);
	rte_free(sad->cold);
	rte_free(sad->ctr);
	rte_free(sad);
}

static int
make_sa(struct lns_sad *sad, IMB_MGR *mgr, const struct lns_esp_sa_params *prm,
	struct lns_esp_sa **out)
{
	int sz = lns_esp_sa_size(prm), rc;
	struct lns_esp_sa *sa;

	if (sz < 0)
		return sz;
	sa = rte_zmalloc_socket("lns_esp_sa", sz, RTE_CACHE_LINE_SIZE, sad->socket);
	if (sa == NULL)
		return -ENOMEM;
	rc = lns_esp_sa_init(sa, mgr, prm);
	if (rc != 0) {
		rte_free(sa);
		return rc;
	}
	*out = sa;
	return 0;
}

int
lns_sad_add_pair(struct lns_sad *sad, IMB_MGR *mgr, uint32_t conn,
		 const struct lns_esp_sa_params *in, const struct lns_esp_sa_params *out,
		 const struct lns_sad_peer *peer, uint32_t *h_in, uint32_t *h_out)
{
	uint32_t spi_be = rte_cpu_to_be_32(in->spi), hi, ho;
	struct lns_esp_sa *esp_in = NULL, *esp_out = NULL;
	const struct lns_esp_sa_params *prm[2] = { in, out };
	uint32_t hs[2];
	int rc;

	if (in->dir != LNS_ESP_DIR_IN || out->dir != LNS_ESP_DIR_OUT)
		return -EINVAL;
	if (lns_u32map_lookup(sad->by_spi, spi_be) != LNS_U32MAP_NONE)
		return -EEXIST;
	if (lns_idpool_available(sad->ids) < 2)
		return -ENOSPC;
	rc = make_sa(sad, mgr, in, &esp_in);
	if (rc == 0)
		rc = make_sa(sad, mgr, out, &esp_out);
	if (rc != 0) {
		if (esp_in != NULL) {
			lns_esp_sa_clear(esp_in);
			rte_free(esp_in);
		}
		return rc;
	}
	lns_idpool_get(sad->ids, &hi);
	lns_idpool_get(sad->ids, &ho);
	hs[0] = hi;
	hs[1] = ho;
	for (int d = 0; d < 2; d++) {
		struct lns_sad_entry *e = &sad->hot[hs[d]];

		e->esp = d == 0 ? esp_in : esp_out;
		e->conn = conn;
		e->pair = hs[1 - d];
		e->spi = prm[d]->spi;
		e->peer = peer->addr;
		e->inner_peer = peer->inner_peer != 0 ? peer->inner_peer : peer->addr;
		e->inner_local = peer->inner_local;
		e->udp_encap = peer->udp_encap;
		e->peer_port = peer->udp_encap ? rte_cpu_to_be_16(peer->peer_port) : 0;
		e->local_port = peer->udp_encap ? rte_cpu_to_be_16(peer->local_port) : 0;
		e->dir = (uint8_t)prm[d]->dir;
		e->mode = (uint8_t)prm[d]->mode;
		e->owned = prm[d]->dir == LNS_ESP_DIR_IN && prm[d]->replay_win != 0;
		e->owner = LNS_SAD_NONE;
		sad->cold[hs[d]].created_tsc = rte_get_tsc_cycles();
		/* Publish: everything above is visible before the state says ACTIVE. */
		__atomic_store_n(&e->state, LNS_SAD_ACTIVE, __ATOMIC_RELEASE);
	}
	rc = lns_u32map_add(sad->by_spi, spi_be, hi);
	if (rc < 0) {
		release(sad, hi);
		release(sad, ho);
		return rc == -EEXIST ? -EEXIST : -ENOSPC;
	}
	sad->n_active += 2;
	*h_in = hi;
	*h_out = ho;
	return 0;
}

static void
pend(struct lns_sad *sad, uint32_t h)
{
	struct lns_sad_cold *c = &sad->cold[h];

	c->next_pending = LNS_SAD_NONE;
	if (sad->pend_tail == LNS_SAD_NONE)
		sad->pend_head = h;
	else
		sad->cold[sad->pend_tail].next_pending = h;
	sad->pend_tail = h;
}

static int
drop_one(struct lns_sad *sad, uint32_t h)
{
	struct lns_sad_entry *e = &sad->hot[h];

	if (e->state != LNS_SAD_ACTIVE)
		return 0;
	/* Both flags: the entry state is what the worker checks before the burst, the
	 * lib/esp state makes a burst already holding the pointer refuse it too. */
	__atomic_store_n(&e->state, LNS_SAD_DROPPED, __ATOMIC_RELEASE);
	lns_esp_sa_expire(e->esp);
	sad->cold[h].dropped_tsc = rte_get_tsc_cycles();
	sad->cold[h].reclaim_step = 1;
	sad->cold[h].token = sad->qsbr ? rte_rcu_qsbr_start(sad->qsbr) : 0;
	sad->n_active--;
	sad->n_dropped++;
	pend(sad, h);
	return 1;
}

int
lns_sad_drop(struct lns_sad *sad, uint32_t handle)
{
	if (handle >= sad->max_sas || sad->hot[handle].state == LNS_SAD_FREE)
		return -EINVAL;
	return drop_one(sad, handle) + drop_one(sad, sad->hot[handle].pair);
}

int
lns_sad_drop_conn(struct lns_sad *sad, uint32_t conn)
{
	int n = 0;

	/* Control path; connections hold few SAs, and callers that know the handles
	 * use lns_sad_drop() directly. */
	for (uint32_t h = 0; h < sad->max_sas; h++)
		if (sad->hot[h].state == LNS_SAD_ACTIVE && sad->hot[h].conn == conn)
			n += drop_one(sad, h);
	return n;
}

static int
grace_over(const struct lns_sad *sad, uint64_t token)
{
	return sad->qsbr == NULL || rte_rcu_qsbr_check(sad->qsbr, token, false) == 1;
}

unsigned int
lns_sad_reclaim(struct lns_sad *sad, uint64_t now_tsc, uint64_t hold_tsc)
{
	unsigned int freed = 0;

	lns_u32map_reclaim(sad->by_spi);
	/* FIFO order is grace order: stop at the first SA still waiting. */
	while (sad->pend_head != LNS_SAD_NONE) {
		uint32_t h = sad->pend_head;
		struct lns_sad_cold *c = &sad->cold[h];
		struct lns_sad_entry *e = &sad->hot[h];

		/* Drop order is hold-down order, and re-queued SAs have newer tokens. */
		if (c->reclaim_step == 1 && now_tsc - c->dropped_tsc < hold_tsc)
			break;
		if (!grace_over(sad, c->token))
			break;
		sad->pend_head = c->next_pending;
		if (sad->pend_head == LNS_SAD_NONE)
			sad->pend_tail = LNS_SAD_NONE;

		if (c->reclaim_step == 1 && e->dir == LNS_ESP_DIR_IN) {
			/* Every worker has seen DROPPED; now unhash the SPI, and wait once
			 * more for lookups that began before the delete. */
			uint32_t spi_be = rte_cpu_to_be_32(e->spi);

			lns_u32map_del(sad->by_spi, spi_be);
			c->reclaim_step = 2;
			c->token = sad->qsbr ? rte_rcu_qsbr_start(sad->qsbr) : 0;
			pend(sad, h);
			continue;
		}
		sad->n_dropped--;
		release(sad, h);
		freed++;
	}
	return freed;
}

int
lns_sad_set_lifetime(struct lns_sad *sad, uint32_t handle, uint32_t seconds, uint64_t bytes)
{
	if (handle >= sad->max_sas || sad->hot[handle].state != LNS_SAD_ACTIVE)
		return -EINVAL;
	sad->cold[handle].life_s = seconds;
	sad->cold[handle].life_bytes = bytes;
	sad->cold[handle].life_state = 0;
	return 0;
}

uint64_t
lns_sad_ctr(const struct lns_sad *sad, uint32_t handle, enum lns_sad_ctr c)
{
	uint64_t sum = 0;

	for (uint16_t sl = 0; sl < sad->n_slots; sl++)
		sum += __atomic_load_n(&sad->ctr[((size_t)sl * sad->max_sas + handle) *
						 LNS_SAD_CTR_MAX + c], __ATOMIC_RELAXED);
	return sum;
}

/* Lifetime stage an SA has reached: 0 none, 1 soft, 2 hard. */
static uint8_t
life_stage(const struct lns_sad *sad, uint32_t h, uint64_t now_tsc, uint64_t hz)
{
	const struct lns_sad_cold *c = &sad->cold[h];
	uint64_t age_s = (now_tsc - c->created_tsc) / hz, bytes = 0;
	uint8_t stage = 0;

	if (c->life_bytes != 0)
		bytes = lns_sad_ctr(sad, h, LNS_SAD_BYTES);
	if (c->life_s != 0) {
		if (age_s >= c->life_s)
			return 2;
		if (age_s >= (uint64_t)c->life_s * LNS_SAD_SOFT_PCT / 100)
			stage = 1;
	}
	if (c->life_bytes != 0) {
		if (bytes >= c->life_bytes)
			return 2;
		if (bytes >= c->life_bytes / 100 * LNS_SAD_SOFT_PCT)
			stage = 1;
	}
	return stage;
}

unsigned int
lns_sad_check_lifetimes(struct lns_sad *sad, uint64_t now_tsc, uint64_t hz, uint32_t max_scan,
			lns_sad_expiry_cb cb, void *arg)
{
	unsigned int fired = 0;

	if (max_scan > sad->max_sas)
		max_scan = sad->max_sas;
	for (uint32_t i = 0; i < max_scan; i++) {
		uint32_t h = sad->life_cursor;
		struct lns_sad_cold *c = &sad->cold[h];
		uint8_t stage;

		sad->life_cursor = h + 1 == sad->max_sas ? 0 : h + 1;
		if (sad->hot[h].state != LNS_SAD_ACTIVE || (c->life_s == 0 && c->life_bytes == 0))
			continue;
		stage = life_stage(sad, h, now_tsc, hz);
		/* Report each stage once, soft before hard even when both passed. */
		while (c->life_state < stage) {
			c->life_state++;
			fired++;
			cb(arg, h, c->life_state == 2);
			if (sad->hot[h].state != LNS_SAD_ACTIVE)
				break;  /* the callback dropped it */
		}
	}
	return fired;
}
