/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the data plane's tunnel and session tables: sessions without an
 * address, publishing and withdrawing addresses, removal that waits for the
 * workers' grace period, and per-tunnel counters.
 */
#include <errno.h>
#include <string.h>

#include <CUnit/Basic.h>
#include <rte_byteorder.h>
#include <rte_eal.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "lns_tables.h"

static struct rte_rcu_qsbr *qsbr;

#define A(x) rte_cpu_to_be_32(x)

static void
add_tunnel(struct lns_tables *t, uint16_t id)
{
	struct lns_dp_tunnel tun = { .local_id = id, .peer_id = 100 + id, .sa_in = UINT32_MAX,
				     .sa_out = UINT32_MAX, .peer = A(0x0a000002),
				     .peer_port = RTE_BE16(1701) };

	CU_ASSERT_EQUAL(lns_tables_add_tunnel(t, &tun), 0);
}

static void
test_session_lifecycle(void)
{
	struct lns_tables *t = lns_tables_create(4, 2, 0, qsbr);
	uint32_t h, h2, h3;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	add_tunnel(t, 7);
	/* a session that is still negotiating PPP: found by ids, not by address */
	CU_ASSERT_EQUAL(lns_tables_add_session(t, 7, 1, 11, 0, &h), 0);
	CU_ASSERT_EQUAL(lns_tables_by_ids(t, 7, 1), h);
	CU_ASSERT_PTR_NOT_NULL(lns_tables_session_up(t, h));
	CU_ASSERT_EQUAL(lns_tables_by_addr(t, 0), LNS_SESS_NONE);
	/* a second one without address does not collide on address 0 */
	CU_ASSERT_EQUAL(lns_tables_add_session(t, 7, 2, 12, 0, &h2), 0);
	/* IPCP opens: the address is published once */
	CU_ASSERT_EQUAL(lns_tables_session_set_addr(t, h, A(0x64400001)), 0);
	CU_ASSERT_EQUAL(lns_tables_by_addr(t, A(0x64400001)), h);
	CU_ASSERT_EQUAL(lns_tables_session_set_addr(t, h, A(0x64400009)), -EBUSY);
	CU_ASSERT_EQUAL(lns_tables_session_set_addr(t, h2, A(0x64400001)), -EEXIST);
	CU_ASSERT_EQUAL(lns_tables_add_session(t, 7, 3, 13, A(0x64400001), &h3), -EEXIST);
	CU_ASSERT_EQUAL(lns_tables_add_session(t, 7, 1, 13, A(0x64400002), &h3), -EEXIST);
	CU_ASSERT_EQUAL(lns_tables_add_session(t, 9, 1, 13, A(0x64400002), &h3), -ENOENT);
	CU_ASSERT_EQUAL(t->n_sessions, 2);

	/* remove: unusable and unfindable at once ... */
	CU_ASSERT_EQUAL(lns_tables_remove_session(t, h), 0);
	CU_ASSERT_EQUAL(lns_tables_remove_session(t, h), -ENOENT);
	CU_ASSERT_PTR_NULL(lns_tables_session_up(t, h));
	CU_ASSERT_EQUAL(lns_tables_by_ids(t, 7, 1), LNS_SESS_NONE);
	CU_ASSERT_EQUAL(lns_tables_by_addr(t, A(0x64400001)), LNS_SESS_NONE);
	CU_ASSERT_EQUAL(t->n_sessions, 1);
	/* ... but the handle is not reused before the worker reports quiescent */
	CU_ASSERT_EQUAL(lns_tables_reclaim(t), 0);
	CU_ASSERT_EQUAL(t->sess[h].state, LNS_TBL_DOWN);
	rte_rcu_qsbr_quiescent(qsbr, 0);
	CU_ASSERT_EQUAL(lns_tables_reclaim(t), 1);
	CU_ASSERT_EQUAL(t->sess[h].state, LNS_TBL_FREE);
	CU_ASSERT_EQUAL(t->n_pending, 0);
	/* the address and the ids can be used again now */
	CU_ASSERT_EQUAL(lns_tables_add_session(t, 7, 1, 21, A(0x64400001), &h3), 0);
	CU_ASSERT_EQUAL(lns_tables_by_addr(t, A(0x64400001)), h3);
	CU_ASSERT_EQUAL(lns_tables_by_ids(t, 7, 1), h3);
	CU_ASSERT_EQUAL(t->sess[h3].peer_id, 21);
	lns_tables_free(t);
}

/* Fill the table, remove everything, reclaim: every handle and hash slot comes back. */
static void
test_churn(void)
{
	enum { N = 64 };
	struct lns_tables *t = lns_tables_create(N, 1, 0, qsbr);
	uint32_t h[N], extra;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	add_tunnel(t, 1);
	for (int round = 0; round < 20; round++) {
		for (uint32_t i = 0; i < N; i++)
			CU_ASSERT_EQUAL_FATAL(lns_tables_add_session(t, 1, (uint16_t)(i + 1), 1,
					      A(0x0a800000 + i + 1 + (uint32_t)round * N), &h[i]), 0);
		CU_ASSERT_EQUAL(lns_tables_add_session(t, 1, N + 1, 1, 0, &extra), -ENOSPC);
		for (uint32_t i = 0; i < N; i++)
			CU_ASSERT_EQUAL(lns_tables_remove_session(t, h[i]), 0);
		rte_rcu_qsbr_quiescent(qsbr, 0);
		CU_ASSERT_EQUAL(lns_tables_reclaim(t), N);
	}
	CU_ASSERT_EQUAL(t->n_sessions, 0);
	lns_tables_free(t);
}

static void
test_tunnel_remove_and_counters(void)
{
	struct lns_tables *t = lns_tables_create(4, 2, 0, qsbr);
	struct lns_dp_tunnel tun = { .local_id = 5, .sa_in = UINT32_MAX, .sa_out = UINT32_MAX };
	uint32_t h;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(lns_tables_add_tunnel(t, &tun), 0);
	CU_ASSERT_EQUAL(lns_tables_add_tunnel(t, &tun), -EEXIST);
	tun.local_id = 0;
	CU_ASSERT_EQUAL(lns_tables_add_tunnel(t, &tun), -EINVAL);
	CU_ASSERT_EQUAL(lns_tables_add_session(t, 5, 1, 1, A(0x64400001), &h), 0);
	/* counters from two lcore slots add up; directions stay apart */
	lns_tables_tun_count(t, 0, 5, 3, 300, 0);
	lns_tables_tun_count(t, 1, 5, 2, 200, 0);
	lns_tables_tun_count(t, 1, 5, 7, 700, 1);
	CU_ASSERT_EQUAL(lns_tables_tun_ctr(t, 5, LNS_SC_UP_PKTS), 5);
	CU_ASSERT_EQUAL(lns_tables_tun_ctr(t, 5, LNS_SC_UP_BYTES), 500);
	CU_ASSERT_EQUAL(lns_tables_tun_ctr(t, 5, LNS_SC_DOWN_PKTS), 7);
	CU_ASSERT_EQUAL(lns_tables_tun_ctr(t, 5, LNS_SC_DOWN_BYTES), 700);
	CU_ASSERT_EQUAL(lns_tables_tun_ctr(t, 6, LNS_SC_UP_PKTS), 0);
	/* the tunnel goes: its session stops passing traffic with it */
	CU_ASSERT_EQUAL(lns_tables_remove_tunnel(t, 5), 0);
	CU_ASSERT_EQUAL(lns_tables_remove_tunnel(t, 5), -ENOENT);
	CU_ASSERT_PTR_NULL(lns_tables_session_up(t, h));
	CU_ASSERT_EQUAL(lns_tables_add_session(t, 5, 2, 1, 0, &h), -ENOENT);
	/* same id again: refused until the workers have passed a grace period */
	tun.local_id = 5;
	CU_ASSERT_EQUAL(lns_tables_add_tunnel(t, &tun), -EBUSY);
	rte_rcu_qsbr_quiescent(qsbr, 0);
	CU_ASSERT_EQUAL(lns_tables_add_tunnel(t, &tun), 0);
	/* a new tunnel's counters start at zero */
	CU_ASSERT_EQUAL(lns_tables_tun_ctr(t, 5, LNS_SC_UP_PKTS), 0);
	lns_tables_free(t);
}

/* Meter configuration from policy definitions, and the worker's check. */
static void
test_policy_meters(void)
{
	struct lns_policy_conf pc[2] = {
		{ .name = "p2m", .up = { .rate = 2000000, .burst = 3000, .peak_burst = 3000 },
		  .down = { .rate = 8000000, .burst = 4500, .peak_rate = 16000000,
			    .peak_burst = 9000 } },
		{ .name = "downonly", .down = { .rate = 1000000, .burst = 1500,
						.peak_burst = 1500 } },
	};
	struct rte_meter_trtcm_params prm;
	struct lns_tables *t = lns_tables_create(4, 2, 0, qsbr);
	uint32_t h, h2;
	int pass;

	/* bit/s -> bytes/s; no peak = the committed rate (one rate) */
	CU_ASSERT_EQUAL(lns_policy_meter_params(&pc[0].up, &prm), 0);
	CU_ASSERT_EQUAL(prm.cir, 250000);
	CU_ASSERT_EQUAL(prm.pir, 250000);
	CU_ASSERT_EQUAL(prm.cbs, 3000);
	CU_ASSERT_EQUAL(prm.pbs, 3000);
	CU_ASSERT_EQUAL(lns_policy_meter_params(&pc[0].down, &prm), 0);
	CU_ASSERT_EQUAL(prm.cir, 1000000);
	CU_ASSERT_EQUAL(prm.pir, 2000000);
	CU_ASSERT_EQUAL(prm.cbs, 4500);
	CU_ASSERT_EQUAL(prm.pbs, 9000);
	CU_ASSERT_EQUAL(lns_policy_meter_params(&pc[1].up, &prm), -EINVAL); /* no rate */
	{
		struct lns_policy_dir bad = { .rate = 2000000, .burst = 3000,
					      .peak_rate = 1000000 };

		CU_ASSERT_EQUAL(lns_policy_meter_params(&bad, &prm), -EINVAL);
	}

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_PTR_NULL(t->mtr);                     /* nothing until policies exist */
	CU_ASSERT_EQUAL(lns_tables_set_policies(t, pc, 2), 0);
	CU_ASSERT_FALSE(t->pol[0].on[0]);
	CU_ASSERT_TRUE(t->pol[1].on[0]);
	CU_ASSERT_TRUE(t->pol[1].on[1]);
	CU_ASSERT_FALSE(t->pol[2].on[0]);
	CU_ASSERT_TRUE(t->pol[2].on[1]);
	add_tunnel(t, 3);
	CU_ASSERT_EQUAL(lns_tables_add_session(t, 3, 1, 1, A(0x64400001), &h), 0);
	CU_ASSERT_EQUAL(t->sess[h].policy, 0);
	CU_ASSERT_EQUAL(lns_tables_session_set_policy(t, h, 2), -EINVAL);
	CU_ASSERT_EQUAL(lns_tables_session_set_policy(t, h, 0), 0);
	CU_ASSERT_EQUAL(t->sess[h].policy, 1);

	/* a full 3000-byte bucket at 250 kB/s: two 1500-byte packets pass, the next
	 * ones find it empty (it refills 25 bytes per 100 us) */
	pass = 0;
	for (int i = 0; i < 10; i++)
		pass += lns_tables_police(t, 0, h, 1, 0, 1500);
	CU_ASSERT_EQUAL(pass, 2);
	/* another slot has its own meter (single writer per lcore) */
	CU_ASSERT_TRUE(lns_tables_police(t, 1, h, 1, 0, 1500));
	/* downstream: what trTCM passes when only red drops, the peak bucket of 9000
	 * bytes: six; the cell is shared, so another lcore finds it spent too */
	pass = 0;
	for (int i = 0; i < 10; i++)
		pass += lns_tables_police(t, 0, h, 1, 1, 1500);
	CU_ASSERT_EQUAL(pass, 6);
	CU_ASSERT_FALSE(lns_tables_police(t, 1, h, 1, 1, 1500));
	/* and the same trTCM profile in rte_meter agrees on the upstream side */
	{
		struct lns_policy_conf same = { .name = "x", .up = pc[0].down };
		struct lns_tables *t2 = lns_tables_create(2, 1, 0, qsbr);
		uint32_t hh;

		CU_ASSERT_PTR_NOT_NULL_FATAL(t2);
		CU_ASSERT_EQUAL(lns_tables_set_policies(t2, &same, 1), 0);
		add_tunnel(t2, 3);
		CU_ASSERT_EQUAL(lns_tables_add_session(t2, 3, 1, 1, A(0x64400001), &hh), 0);
		pass = 0;
		for (int i = 0; i < 10; i++)
			pass += lns_tables_police(t2, 0, hh, 1, 0, 1500);
		CU_ASSERT_EQUAL(pass, 6);
		lns_tables_free(t2);
	}
	/* reload: new rates for the same policies are republished; sessions under
	 * them police with the new burst from their next packet */
	{
		struct lns_policy_conf p1 = { .name = "r",
			.down = { .rate = 2000000, .burst = 3000 } };
		struct lns_tables *t3 = lns_tables_create(2, 1, 0, NULL);
		struct lns_dp_policy *before;
		uint32_t h3;

		CU_ASSERT_PTR_NOT_NULL_FATAL(t3);
		/* lnsd started without policies: a reload gives it its first table */
		CU_ASSERT_PTR_NULL(t3->mtr);
		CU_ASSERT_EQUAL(lns_tables_update_policies(t3, &p1, 1), 0);
		CU_ASSERT_PTR_NOT_NULL(t3->mtr);
		CU_ASSERT_PTR_NOT_NULL(t3->down_tat);
		CU_ASSERT_STRING_EQUAL(t3->named[0].name, "r");
		CU_ASSERT_EQUAL(lns_tables_set_policies(t3, &p1, 1), -E2BIG);
		add_tunnel(t3, 3);
		CU_ASSERT_EQUAL(lns_tables_add_session(t3, 3, 1, 1, A(0x64400001), &h3), 0);
		CU_ASSERT_EQUAL(lns_tables_session_set_policy(t3, h3, 0), 0);
		pass = 0;
		for (int i = 0; i < 10; i++)
			pass += lns_tables_police(t3, 0, h3, 1, 1, 1500);
		CU_ASSERT_EQUAL(pass, 2);
		before = t3->pol;
		p1.down.burst = 9000;
		CU_ASSERT_EQUAL(lns_tables_update_policies(t3, &p1, 1), 0);
		CU_ASSERT_PTR_NOT_EQUAL(t3->pol, before);
		CU_ASSERT_EQUAL(t3->sess[h3].policy, 1);            /* index kept */
		/* the cell keeps its 3000 bytes in flight: 6000 more bytes fit */
		pass = 0;
		for (int i = 0; i < 10; i++)
			pass += lns_tables_police(t3, 0, h3, 1, 1, 1500);
		CU_ASSERT(pass >= 4 && pass <= 5);
		/* another list: "r" is removed, its holder keeps its slot and rates */
		CU_ASSERT_EQUAL(lns_tables_update_policies(t3, pc, 2), 0);
		CU_ASSERT_EQUAL(t3->sess[h3].policy, 1);
		CU_ASSERT_EQUAL(t3->pol[1].rate[1], 2000000);
		CU_ASSERT_STRING_EQUAL(t3->named[1].name, "p2m");
		lns_tables_free(t3);
	}
	/* policy changed by control: the worker reconfigures its upstream meter */
	CU_ASSERT_EQUAL(lns_tables_session_set_policy(t, h, 1), 0);
	CU_ASSERT_TRUE(lns_tables_police(t, 0, h, 2, 0, 60000)); /* up not limited */
	/* the down cell carries over (no refill blip); its new burst is one packet */
	(void)lns_tables_police(t, 0, h, 2, 1, 1500);
	CU_ASSERT_FALSE(lns_tables_police(t, 1, h, 2, 1, 1500));
	CU_ASSERT_EQUAL(lns_tables_session_set_policy(t, h, -1), 0);
	CU_ASSERT_EQUAL(t->sess[h].policy, 0);

	/* a reused handle starts with fresh meters and no policy */
	CU_ASSERT_EQUAL(lns_tables_remove_session(t, h), 0);
	rte_rcu_qsbr_quiescent(qsbr, 0);
	CU_ASSERT_EQUAL(lns_tables_reclaim(t), 1);
	CU_ASSERT_EQUAL_FATAL(lns_tables_add_session(t, 3, 2, 2, A(0x64400002), &h2), 0);
	if (h2 == h) {
		CU_ASSERT_EQUAL(t->sess[h2].policy, 0);
		CU_ASSERT_EQUAL(t->mtr[(size_t)h2 * 2].policy, 0);
		CU_ASSERT_EQUAL(t->down_tat[h2], 0);
	}
	CU_ASSERT_EQUAL(lns_tables_set_policies(t, pc, 2), -E2BIG); /* once only */
	lns_tables_free(t);
}

/* Commit a reload's policies with the workers' thread offline: the commit waits
 * for a grace period, which a thread of this test cannot report while it waits. */
static void
commit_offline(struct lns_tables *t, const struct lns_policy_conf *p, uint16_t n, int expect)
{
	struct lns_policy_plan pl;

	CU_ASSERT_EQUAL_FATAL(lns_tables_policies_plan(t, p, n, &pl), expect);
	if (expect != 0)
		return;
	rte_rcu_qsbr_thread_offline(qsbr, 0);
	lns_tables_policies_commit(t, p, &pl);
	rte_rcu_qsbr_thread_online(qsbr, 0);
}

static void
pol_set(struct lns_policy_conf *p, const char *name, uint64_t down_rate)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->down.rate = down_rate;
	p->down.burst = 3000;
}

/* Named policies keep their slot by name across reloads: added, removed,
 * reordered, renamed; a removed one stays for its holders and is reused only
 * after the last one ended and a grace period passed. */
static void
test_policy_reload_slots(void)
{
	struct lns_tables *t = lns_tables_create(8, 1, 0, qsbr);
	struct lns_policy_conf p[LNS_CONF_MAX_POLICIES];
	struct lns_policy_plan pl;
	uint32_t ha, hb, hc;
	bool retired;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	pol_set(&p[0], "a", 1000000);
	pol_set(&p[1], "b", 2000000);
	CU_ASSERT_EQUAL_FATAL(lns_tables_policies_init(t, p, 2, 0), 0);
	add_tunnel(t, 3);
	CU_ASSERT_EQUAL_FATAL(lns_tables_add_session(t, 3, 1, 1, A(0x64400001), &ha), 0);
	CU_ASSERT_EQUAL_FATAL(lns_tables_add_session(t, 3, 2, 2, A(0x64400002), &hb), 0);
	CU_ASSERT_EQUAL_FATAL(lns_tables_add_session(t, 3, 3, 3, A(0x64400003), &hc), 0);
	CU_ASSERT_EQUAL(lns_tables_session_set_policy(t, ha, 0), 0);
	CU_ASSERT_EQUAL(lns_tables_session_set_policy(t, hb, 1), 0);
	CU_ASSERT_EQUAL(lns_tables_policy_holders(t, 0, &retired), 1);
	CU_ASSERT_FALSE(retired);
	CU_ASSERT_EQUAL(lns_tables_policy_holders(t, 2, NULL), -ENOENT);

	/* reorder, add "c", remove "a", new rate for "b" */
	pol_set(&p[0], "c", 3000000);
	pol_set(&p[1], "b", 2500000);
	CU_ASSERT_EQUAL(lns_tables_policies_plan(t, p, 2, &pl), 0);
	CU_ASSERT_EQUAL(pl.slot[0], 2);       /* a new name: a free slot, not a's */
	CU_ASSERT_EQUAL(pl.slot[1], 1);       /* b keeps its slot */
	CU_ASSERT_EQUAL(t->pol[2].rate[1], 2000000);  /* nothing published yet */
	lns_tables_policies_abort(&pl);
	CU_ASSERT_PTR_NULL(pl.np);
	commit_offline(t, p, 2, 0);
	CU_ASSERT_EQUAL(t->sess[ha].policy, 1);       /* a's holder: a's meter */
	CU_ASSERT_EQUAL(t->pol[1].rate[1], 1000000);  /* ... at a's last rates */
	CU_ASSERT_EQUAL(t->sess[hb].policy, 2);       /* b's holder: b's meter */
	CU_ASSERT_EQUAL(t->pol[2].rate[1], 2500000);  /* ... at b's new rate */
	CU_ASSERT_EQUAL(t->pol[3].rate[1], 3000000);
	CU_ASSERT_EQUAL(lns_tables_policy_holders(t, 0, &retired), 1);
	CU_ASSERT_TRUE(retired);
	/* no new session takes a removed policy; the added one is taken */
	CU_ASSERT_EQUAL(lns_tables_session_set_policy(t, hc, 0), -EINVAL);
	CU_ASSERT_EQUAL(lns_tables_session_set_policy(t, hc, 2), 0);
	CU_ASSERT_EQUAL(lns_tables_policy_holders(t, 2, NULL), 1);

	/* the last holder of "a" ends: its slot waits for a grace period */
	CU_ASSERT_EQUAL(lns_tables_remove_session(t, ha), 0);
	CU_ASSERT_EQUAL(lns_tables_policy_holders(t, 0, NULL), 0);
	pol_set(&p[2], "d", 4000000);
	CU_ASSERT_EQUAL(lns_tables_policies_plan(t, p, 3, &pl), 0);
	CU_ASSERT_EQUAL(pl.slot[2], 3);       /* not a's slot yet */
	lns_tables_policies_abort(&pl);
	rte_rcu_qsbr_quiescent(qsbr, 0);
	(void)lns_tables_reclaim(t);
	commit_offline(t, p, 3, 0);
	CU_ASSERT_STRING_EQUAL(t->named[0].name, "d");  /* a's slot, reused */
	CU_ASSERT_FALSE(t->named[0].retired);
	CU_ASSERT_EQUAL(t->pol[1].rate[1], 4000000);
	CU_ASSERT_EQUAL(lns_tables_policy_holders(t, 0, NULL), 0);

	/* rename "b" to "b2": b's holder keeps b; b back later takes it again */
	pol_set(&p[1], "b2", 5000000);
	commit_offline(t, p, 3, 0);
	CU_ASSERT_EQUAL(t->sess[hb].policy, 2);
	CU_ASSERT_TRUE(t->named[1].retired);
	CU_ASSERT_STRING_EQUAL(t->named[3].name, "b2");
	pol_set(&p[1], "b", 6000000);
	commit_offline(t, p, 3, 0);
	CU_ASSERT_FALSE(t->named[1].retired);
	CU_ASSERT_EQUAL(t->pol[2].rate[1], 6000000);  /* its holder: the new rate */
	CU_ASSERT_EQUAL(lns_tables_policy_holders(t, 1, NULL), 1);
	CU_ASSERT_EQUAL(t->named[3].name[0], '\0');   /* b2: nobody held it, freed */

	/* every slot taken: 64 new names while b, c are held and the 64 before
	 * are still live: refused, nothing changed */
	for (int i = 0; i < LNS_CONF_MAX_POLICIES; i++) {
		char nm[16];

		snprintf(nm, sizeof(nm), "p%d", i);
		pol_set(&p[i], nm, 1000000);
	}
	commit_offline(t, p, LNS_CONF_MAX_POLICIES, 0);
	CU_ASSERT_EQUAL(t->sess[hb].policy, 2);
	CU_ASSERT_EQUAL(t->sess[hc].policy, 3);
	for (int i = 0; i < LNS_CONF_MAX_POLICIES; i++)
		p[i].name[0] = 'q';
	commit_offline(t, p, LNS_CONF_MAX_POLICIES, -ENOSPC);
	CU_ASSERT_EQUAL(lns_tables_remove_session(t, hb), 0);
	CU_ASSERT_EQUAL(lns_tables_remove_session(t, hc), 0);
	rte_rcu_qsbr_quiescent(qsbr, 0);
	commit_offline(t, p, LNS_CONF_MAX_POLICIES, 0);   /* b, c freed: room */
	(void)lns_tables_reclaim(t);
	lns_tables_free(t);
}

/* Anonymous policies (a rate RADIUS gives): shared by equal rates, refused
 * when every slot is held, reused only a grace period after the last release. */
static void
test_dyn_policies(void)
{
	struct lns_tables *t = lns_tables_create(4, 1, 0, qsbr);
	struct lns_policy_conf named = { .name = "n", .up = { .rate = 8000000, .burst = 3000 } };
	struct lns_policy_dir up = { .rate = 2000000, .burst = 25000 };
	struct lns_policy_dir down = { .rate = 10000000, .burst = 125000 };
	struct lns_policy_dir none = { 0 }, bad = { .rate = 1000, .burst = 0 }, gu, gd;
	int a, b, c, pass;
	uint32_t h;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(lns_tables_policy_acquire(t, &up, &down), -ENOTSUP); /* none reserved */
	CU_ASSERT_EQUAL_FATAL(lns_tables_policies_init(t, &named, 1, 2), 0);
	a = lns_tables_policy_acquire(t, &up, &down);
	CU_ASSERT_EQUAL(a, LNS_POLICY_MAX);
	CU_ASSERT_EQUAL(lns_tables_policy_acquire(t, &up, &down), a);   /* shared */
	CU_ASSERT_EQUAL(t->dyn[0].refs, 2);
	b = lns_tables_policy_acquire(t, &none, &down);                  /* up unlimited */
	CU_ASSERT_EQUAL(b, LNS_POLICY_MAX + 1);
	CU_ASSERT_FALSE(t->pol[b + 1].on[0]);
	CU_ASSERT_TRUE(t->pol[b + 1].on[1]);
	CU_ASSERT_EQUAL(t->pol[a + 1].rate[0], 2000000);
	CU_ASSERT_EQUAL(lns_tables_policy_acquire(t, &down, &up), -ENOSPC); /* both held */
	CU_ASSERT_EQUAL(lns_tables_policy_dyn_get(t, a, &gu, &gd), 0);
	CU_ASSERT_EQUAL(gu.rate, 2000000);
	CU_ASSERT_EQUAL(gd.rate, 10000000);
	CU_ASSERT_EQUAL(lns_tables_policy_dyn_get(t, 0, &gu, &gd), -ENOENT);

	/* a session on it is policed by it */
	add_tunnel(t, 3);
	CU_ASSERT_EQUAL_FATAL(lns_tables_add_session(t, 3, 1, 1, A(0x64400001), &h), 0);
	CU_ASSERT_EQUAL(lns_tables_session_set_policy(t, h, LNS_POLICY_MAX + 5), -EINVAL);
	CU_ASSERT_EQUAL(lns_tables_session_set_policy(t, h, 1), -EINVAL);  /* one named */
	CU_ASSERT_EQUAL(lns_tables_session_set_policy(t, h, a), 0);
	pass = 0;
	for (int i = 0; i < 40; i++)    /* 25000-byte bucket: 16 packets of 1500 */
		pass += lns_tables_police(t, 0, h, t->sess[h].policy, 0, 1500);
	CU_ASSERT_EQUAL(pass, 16);

	/* released by both holders: not reusable before a grace period */
	CU_ASSERT_EQUAL(lns_tables_session_set_policy(t, h, -1), 0);
	lns_tables_policy_release(t, a);
	lns_tables_policy_release(t, a);
	CU_ASSERT_EQUAL(t->dyn[0].refs, 0);
	CU_ASSERT_EQUAL(lns_tables_session_set_policy(t, h, a), -EINVAL); /* nobody holds it */
	CU_ASSERT_EQUAL(lns_tables_policy_acquire(t, &down, &up), -ENOSPC);
	/* ... but the same rates take it back at once (its slot never changed) */
	CU_ASSERT_EQUAL(lns_tables_policy_acquire(t, &up, &down), a);
	lns_tables_policy_release(t, a);
	rte_rcu_qsbr_quiescent(qsbr, 0);
	c = lns_tables_policy_acquire(t, &down, &up);
	CU_ASSERT_EQUAL(c, a);                                            /* reused */
	CU_ASSERT_EQUAL(t->pol[c + 1].rate[0], 10000000);
	CU_ASSERT_EQUAL(lns_tables_policy_acquire(t, &bad, &up), -ENOSPC);
	lns_tables_policy_release(t, b);
	rte_rcu_qsbr_quiescent(qsbr, 0);
	CU_ASSERT_EQUAL(lns_tables_policy_acquire(t, &bad, &up), -EINVAL); /* zero burst */
	lns_tables_policy_release(t, 0);                                   /* named: no-op */
	lns_tables_free(t);
}

/* exceed-action mark: over the committed rate marked, over a peak dropped, and
 * without a peak nothing dropped; the same decisions both ways. */
static void
test_mark(void)
{
	struct lns_policy_conf pc[2] = {
		{ .name = "m1", .up = { .rate = 2000000, .burst = 3000 },
		  .down = { .rate = 2000000, .burst = 3000 },
		  .exceed_action = LNS_EXCEED_MARK, .exceed_dscp = 8 },
		{ .name = "m2", .up = { .rate = 2000000, .burst = 3000, .peak_rate = 4000000,
					.peak_burst = 9000 },
		  .down = { .rate = 2000000, .burst = 3000, .peak_rate = 4000000,
			    .peak_burst = 9000 },
		  .exceed_action = LNS_EXCEED_MARK, .exceed_dscp = 10 },
	};
	static const int want2[10] = { LNS_POLICE_PASS, LNS_POLICE_PASS, LNS_POLICE_MARK,
				       LNS_POLICE_MARK, LNS_POLICE_MARK, LNS_POLICE_MARK,
				       LNS_POLICE_DROP, LNS_POLICE_DROP, LNS_POLICE_DROP,
				       LNS_POLICE_DROP };
	struct lns_tables *t = lns_tables_create(4, 1, 0, qsbr);
	uint32_t h1, h2;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL_FATAL(lns_tables_set_policies(t, pc, 2), 0);
	CU_ASSERT_TRUE(t->pol[1].mark);
	CU_ASSERT_EQUAL(t->pol[1].tos_dscp, 8 << 2);
	CU_ASSERT_FALSE(t->pol[1].peak[0]);
	CU_ASSERT_TRUE(t->pol[2].peak[1]);
	add_tunnel(t, 3);
	CU_ASSERT_EQUAL_FATAL(lns_tables_add_session(t, 3, 1, 1, A(0x64400001), &h1), 0);
	CU_ASSERT_EQUAL_FATAL(lns_tables_add_session(t, 3, 2, 2, A(0x64400002), &h2), 0);
	for (int dir = 0; dir < 2; dir++) {
		/* single rate: 2 green, the rest marked, never dropped */
		for (int i = 0; i < 10; i++)
			CU_ASSERT_EQUAL(lns_tables_police(t, 0, h1, 1, dir, 1500),
					i < 2 ? LNS_POLICE_PASS : LNS_POLICE_MARK);
		/* committed 3000 and peak 9000 bytes: 2 green, 4 yellow, then red */
		for (int i = 0; i < 10; i++) {
			int v = lns_tables_police(t, 0, h2, 2, dir, 1500);

			if (v != want2[i])
				printf("\ndir %d packet %d: %d, want %d\n", dir, i, v, want2[i]);
			CU_ASSERT_EQUAL(v, want2[i]);
		}
	}
	lns_tables_free(t);
}

int
main(void)
{
	char *eal[] = { "test_tables", "--no-huge", "-m", "128", "--no-pci", "--no-shconf",
			"-l", "0", "--log-level=lib.*:error", NULL };
	CU_pSuite s;
	unsigned int fails;
	size_t sz;

	if (rte_eal_init(9, eal) < 0)
		return 2;
	sz = rte_rcu_qsbr_get_memsize(1);
	qsbr = rte_zmalloc(NULL, sz, RTE_CACHE_LINE_SIZE);
	if (qsbr == NULL || rte_rcu_qsbr_init(qsbr, 1) != 0)
		return 2;
	rte_rcu_qsbr_thread_register(qsbr, 0);
	rte_rcu_qsbr_thread_online(qsbr, 0);

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	s = CU_add_suite("tables", NULL, NULL);
	CU_add_test(s, "session: no address, publish, remove, reclaim after grace",
		    test_session_lifecycle);
	CU_add_test(s, "fill, empty, reclaim: nothing leaks", test_churn);
	CU_add_test(s, "tunnel removal and per-tunnel counters", test_tunnel_remove_and_counters);
	CU_add_test(s, "policy meters: configuration, check, change, reuse", test_policy_meters);
	CU_add_test(s, "anonymous policies: share, hold, release, reuse after grace",
		    test_dyn_policies);
	CU_add_test(s, "exceed-action mark: green, yellow marked, red dropped", test_mark);
	CU_add_test(s, "named policies: slot by name across reloads, retire, reuse after grace",
		    test_policy_reload_slots);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures();
	CU_cleanup_registry();
	rte_rcu_qsbr_thread_offline(qsbr, 0);
	rte_free(qsbr);
	rte_eal_cleanup();
	return fails ? 1 : 0;
}
