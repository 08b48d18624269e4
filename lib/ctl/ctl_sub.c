/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Subscribers on the control lcore: the L2TP control plane (lib/l2tp, with the
 * tunnel lifecycle policy) and PPP (lib/ppp) bound to the data plane.
 *
 * - L2TP control messages punted by the workers go to lns_l2tp_input(); what it
 *   sends leaves on the control TX queue, through ESP when the tunnel is secure.
 * - An established tunnel or session becomes a data-plane entry; a session starts
 *   without an address, and PPP publishes it when IPCP opens.
 * - PPP frames punted by the workers go to the session's PPP; its frames go out
 *   as L2TP data messages.
 * - Teardown withdraws from the data plane first; the PPP session (and with it
 *   the pool address) is freed only after the workers' grace period, so an
 *   address is never handed out while a worker may still route it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>

#include "lns_ctl.h"
#include "lns_l2tp.h"
#include "lns_l2tp_data.h"
#include "lns_pool.h"
#include "lns_ppp.h"
#include "lns_ppp_auth.h"
#include "lns_radius.h"

#define REAP_MS 2          /* how often a withdrawn session checks its grace period */

/* One L2TP session with its PPP, as control sees it. */
struct sub {
	struct lns_ctl *ctl;
	uint16_t tid, sid, peer_tid, peer_sid;
	uint32_t handle;        /* data-plane session handle */
	uint32_t peer;          /* peer outer address, network order */
	uint16_t peer_port_be;  /* peer's L2TP port, network order */
	uint32_t sa_out;        /* outbound SA handle, LNS_SAD_NONE for non-secure */
	uint32_t conn;          /* IPsec connection, LNS_EV_NONE for non-secure */
	struct lns_ppp *ppp;
	struct lns_aaa_sess *aaa;       /* AAA hook: RADIUS state (ctl_aaa.c), NULL = none */
	bool l2tp_down;         /* the L2TP session is gone: withdrawn, waiting to free */
	bool ppp_down;          /* PPP said down */
	uint64_t token;         /* RCU token of the withdrawal */
	struct lns_timer reap;
	struct sub *prev, *next;  /* every session, live or being reaped */
};

struct lns_subs {
	struct lns_l2tp *l2tp;
	bool draining;                  /**< lnsctl drain / node.drain */
	struct lns_timer drain_timer;   /**< drain on --max-wait: end what is left */
	struct lns_pools *pools;
	struct lns_authenticator *auth;
	struct lns_ppp_stats ppp_stats;
	struct lns_ppp_env env;
	struct sub **by_handle;         /* data-plane handle -> session */
	struct sub *all;                /* list of every session */
	uint32_t n_subs;
};

static void drain_expired(struct lns_timer *t, void *arg, uint64_t now);

static void
sub_link(struct lns_subs *ss, struct sub *s)
{
	s->prev = NULL;
	s->next = ss->all;
	if (ss->all != NULL)
		ss->all->prev = s;
	ss->all = s;
	ss->n_subs++;
}

static void
sub_unlink(struct lns_subs *ss, struct sub *s)
{
	if (s->prev != NULL)
		s->prev->next = s->next;
	else
		ss->all = s->next;
	if (s->next != NULL)
		s->next->prev = s->prev;
	ss->n_subs--;
}

static const char *
ip_str(uint32_t a, char buf[16])
{
	const uint8_t *b = (const uint8_t *)&a;

	snprintf(buf, 16, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
	return buf;
}

static struct lns_subs *
subs_of(struct lns_ctl *ctl)
{
	return ctl->subs;
}

static uint64_t
now_ms(struct lns_ctl *ctl)
{
	return lns_ctl_now_ms(ctl);
}

/* ------------------------------------------------------------- sending --- */

/* An L2TP message (control, or data carrying PPP) to a peer, from the control lcore. */
/* "Secure, but no usable SA of its connection": never sent in the clear. */
#define SA_GONE (LNS_SAD_NONE - 1)

static void
send_l2tp(struct lns_ctl *ctl, const uint8_t *hdr, size_t hlen, const uint8_t *body,
	  size_t blen, uint32_t peer, uint16_t port_be, uint32_t sa_out, uint32_t conn)
{
	struct rte_mbuf *m;
	uint64_t nh;
	uint8_t *p;

	if (sa_out == SA_GONE) {
		lns_count_drop(ctl->st, LNS_DROP_CTL_SA_DROPPED, 1);
		return;
	}
	nh = lns_ctl_nh_mac(ctl, peer);
	if (nh == 0) {
		/* ARP asked; the L2TP/PPP retransmission timers try again. */
		lns_count_drop(ctl->st, LNS_DROP_CTL_NEXTHOP, 1);
		return;
	}
	m = lns_ctl_alloc(ctl, LNS_PORT_ACCESS);
	if (m == NULL)
		return;
	p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(hlen + blen));
	if (p == NULL || hlen + blen > UINT16_MAX) {
		lns_count_drop(ctl->st, LNS_DROP_CTL_MSG_TOO_BIG, 1);
		rte_pktmbuf_free(m);
		return;
	}
	memcpy(p, hdr, hlen);
	if (blen > 0)
		memcpy(p + hlen, body, blen);
	if (lns_dp_send_l2tp(ctl->dp, &ctl->lc, m, peer, port_be, sa_out, conn, nh) == 0)
		lns_count(ctl->st, LNS_CTR_CTL_TX, 1);
}

/*
 * The SA to send with to a peer whose messages arrived on sa_in, over IPsec
 * connection conn: sa_in's pair while it is usable, else (rekeyed) the
 * connection's newest outbound SA. The handle is checked against conn: a
 * dropped SA's handle is reused once reclaimed. LNS_SAD_NONE = non-secure;
 * SA_GONE = secure but nothing usable left.
 */
static uint32_t
sa_out_for(struct lns_ctl *ctl, uint32_t sa_in, uint32_t conn)
{
	const struct lns_sad *sad = ctl->dp->sad;
	uint32_t cur;

	if (sa_in == LNS_L2TP_NO_SA)
		return LNS_SAD_NONE;
	if (sa_in < sad->max_sas && lns_sad_get(sad, sa_in)->conn == conn) {
		uint32_t pair = lns_sad_get(sad, sa_in)->pair;

		if (pair < sad->max_sas && lns_sad_usable(lns_sad_get(sad, pair)) &&
		    lns_sad_get(sad, pair)->conn == conn)
			return pair;
	}
	cur = lns_ctl_conn_sa_out(ctl, conn);
	return cur != LNS_SAD_NONE ? cur : SA_GONE;
}

/* ------------------------------------------------------------------ PPP --- */

static void
ppp_send(void *ctx, uint16_t proto, const uint8_t *info, size_t len)
{
	struct sub *s = ctx;
	uint8_t hdr[16];
	uint32_t hl;

	if (s->l2tp_down)
		return;
	hl = lns_l2tp_data_build(hdr, s->peer_tid, s->peer_sid, 0, 0, 0, 0, 0, proto);
	/* the tunnel's outbound SA: a rekey moves it */
	send_l2tp(s->ctl, hdr, hl, info, len, s->peer, s->peer_port_be,
		  s->sa_out == LNS_SAD_NONE ? LNS_SAD_NONE :
		  __atomic_load_n(&s->ctl->dp->tbl->tun[s->tid].sa_out, __ATOMIC_RELAXED),
		  s->ctl->dp->tbl->tun[s->tid].conn);
}

/* The destination profile of a session's tunnel (the l2tp defaults if none). */
static const struct lns_dest_profile *
sub_profile(const struct sub *s)
{
	const struct lns_conf *conf = s->ctl->dp->conf;
	struct lns_l2tp_tunnel_info ti;

	if (lns_l2tp_tunnel_get(subs_of(s->ctl)->l2tp, s->tid, &ti) == 0 && ti.profile != NULL)
		for (uint16_t i = 0; i < conf->l2tp.n_profiles; i++)
			if (strcmp(conf->l2tp.profiles[i].name, ti.profile) == 0)
				return &conf->l2tp.profiles[i];
	return &conf->l2tp.defaults;
}

/*
 * The session's rate-limit policy: a rate RADIUS gave (Mikrotik-Rate-Limit),
 * else a RADIUS Filter-Id that names one of `policies:`, else the user's
 * (ppp.users), else its destination profile's. An event says which and whence.
 */
static void
sub_apply_policy(struct sub *s, const char *user)
{
	const struct lns_conf *conf = s->ctl->dp->conf;
	const struct lns_dest_profile *p;
	const char *src = "config", *name = NULL;
	char desc[64];
	int idx;

	idx = lns_ctl_aaa_session_rate_policy(s->aaa, desc, sizeof(desc));  /* AAA hook */
	if (idx >= 0) {
		name = desc;
		src = "radius";
	}
	/* a Filter-Id that names no policy is counted and an event, then ignored */
	if (idx < 0 && (idx = lns_ctl_aaa_session_filter_policy(s->aaa, conf)) >= 0)
		src = "radius";
	if (idx < 0 && conf->n_policies == 0)
		return;
	for (uint32_t i = 0; idx < 0 && i < conf->ppp.n_users; i++)
		if (strcmp(conf->ppp.users[i].name, user) == 0 &&
		    conf->ppp.users[i].policy[0] != '\0')
			idx = lns_conf_policy_find(conf, conf->ppp.users[i].policy);
	p = sub_profile(s);
	if (idx < 0 && p->policy[0] != '\0')
		idx = lns_conf_policy_find(conf, p->policy);
	if (idx < 0)
		return;
	if (name == NULL)
		name = lns_conf_policy_name(conf, idx);
	if (lns_tables_session_set_policy(s->ctl->dp->tbl, s->handle, idx) == 0)
		lns_evlog_add(s->ctl->dp->evlog, lns_ctl_now_us(s->ctl), LNS_EV_POLICY, s->tid,
			      s->sid, s->conn, "user=%s policy=%s source=%s", user, name, src);
}

static int
ppp_up(void *ctx, uint32_t addr)
{
	struct sub *s = ctx;
	struct lns_ctl *ctl = s->ctl;
	int rc;

	if (s->l2tp_down)
		return -ENOENT;
	{
		struct lns_ppp_info pi;

		lns_ppp_get_info(s->ppp, &pi);
		rc = lns_ctl_aaa_session_admit(s->aaa, pi.user);   /* AAA hook: per-user limit */
		if (rc < 0)
			return rc;
	}
	rc = lns_tables_session_set_addr(ctl->dp->tbl, s->handle, addr);
	if (rc == -EBUSY && __atomic_load_n(&ctl->dp->tbl->sess[s->handle].addr,
					    __ATOMIC_RELAXED) == addr)
		rc = 0;         /* LCP renegotiated: same address again */
	if (rc == 0) {
		struct lns_ppp_info pi;
		char a[16];

		lns_ppp_get_info(s->ppp, &pi);
		lns_evlog_add(ctl->dp->evlog, lns_ctl_now_us(ctl), LNS_EV_PPP_UP, s->tid, s->sid,
			      s->conn, "user=%s auth=%s address=%s", pi.user, pi.auth_method,
			      ip_str(addr, a));
		lns_ctl_aaa_session_up(s->aaa, addr, pi.user);     /* AAA hook: Start */
		sub_apply_policy(s, pi.user);
	}
	return rc;
}

/* Acct-Terminate-Cause (RFC 2866 §5.10) of a PPP ending; a cause set before
 * (session/idle timeout, operator, Disconnect) wins over LOCAL_CLOSE's. */
static int
term_cause(int reason)
{
	switch (reason) {
	case LNS_PPP_DOWN_PEER_TERMINATE:
		return LNS_RAD_TERM_USER_REQUEST;
	case LNS_PPP_DOWN_KEEPALIVE:
		return LNS_RAD_TERM_LOST_CARRIER;
	case LNS_PPP_DOWN_LOCAL_CLOSE:
		return LNS_RAD_TERM_NAS_REQUEST;
	case LNS_PPP_DOWN_LOOPBACK:
		return LNS_RAD_TERM_PORT_ERROR;
	case LNS_PPP_DOWN_IPCP_FAILED:
		return LNS_RAD_TERM_USER_ERROR;
	default:
		return LNS_RAD_TERM_NAS_ERROR;
	}
}

static void
ppp_down(void *ctx, int reason, const char *text)
{
	struct sub *s = ctx;
	struct lns_ctl *ctl = s->ctl;
	uint16_t result = LNS_CDN_ERROR;

	s->ppp_down = true;
	lns_ctl_aaa_session_cause(s->aaa, term_cause(reason));     /* AAA hook */
	lns_evlog_add(ctl->dp->evlog, lns_ctl_now_us(ctl), LNS_EV_PPP_DOWN, s->tid, s->sid,
		      s->conn, "reason=%s %s", lns_ppp_down_reason_name((unsigned int)reason),
		      text != NULL ? text : "");
	if (s->l2tp_down)
		return;
	/* RFC 2661 4.4.2: the user hung up or we closed -> 3 (administrative) / 1; a
	 * failure -> 2 with the PPP reason in the message. */
	if (reason == LNS_PPP_DOWN_PEER_TERMINATE || reason == LNS_PPP_DOWN_KEEPALIVE)
		result = LNS_CDN_CARRIER;
	else if (reason == LNS_PPP_DOWN_LOCAL_CLOSE)
		result = LNS_CDN_ADMIN;
	lns_l2tp_session_close(subs_of(ctl)->l2tp, s->tid, s->sid, result, 0,
			       lns_ppp_down_reason_name((unsigned int)reason), now_ms(ctl));
}

/* Every verdict is one event, the failed attempts a peer may retry included,
 * whether the authenticator answered inside lns_ppp_input() (local users) or
 * later (RADIUS). This is the only place auth-ok / auth-failed are logged: the
 * RADIUS glue says where a verdict came from through its reason. */
static void
ppp_auth(void *ctx, const struct lns_ppp_auth_verdict *v)
{
	struct sub *s = ctx;
	struct lns_ctl *ctl = s->ctl;

	lns_evlog_add(ctl->dp->evlog, lns_ctl_now_us(ctl), v->ok ? LNS_EV_AUTH_OK :
		      LNS_EV_AUTH_FAILED, s->tid, s->sid, s->conn, "user=%s%s%s method=%s%s",
		      v->user, v->reason[0] != '\0' ? " " : "", v->reason,
		      lns_ppp_auth_name(v->method), v->proxied ? " proxy=yes" : "");
}

static const struct lns_ppp_ops ppp_ops = {
	.send = ppp_send,
	.up = ppp_up,
	.down = ppp_down,
	.auth = ppp_auth,
};

/* --------------------------------------------------------------- L2TP --- */

/* The SA-table connection id of a peer (the L2TP layer was given it with each
 * message); LNS_SAD_NONE for a non-secure peer. */
static uint32_t
sa_conn(const struct lns_ctl *ctl, const struct lns_l2tp_peer *p)
{
	(void)ctl;
	return p->sa_in == LNS_L2TP_NO_SA ? LNS_SAD_NONE : p->conn;
}

static void
l2tp_send(void *ctx, const struct lns_l2tp_peer *to, const uint8_t *msg, size_t len)
{
	struct lns_ctl *ctl = ctx;

	send_l2tp(ctl, msg, len, NULL, 0, to->addr, rte_cpu_to_be_16(to->port),
		  sa_out_for(ctl, to->sa_in, sa_conn(ctl, to)), sa_conn(ctl, to));
}

static int
l2tp_tunnel_up(void *ctx, const struct lns_l2tp_tunnel_info *t)
{
	struct lns_ctl *ctl = ctx;
	struct lns_dp_tunnel dt = {
		.local_id = t->local_id,
		.peer_id = t->peer_id,
		.sa_in = t->peer.sa_in == LNS_L2TP_NO_SA ? LNS_SAD_NONE : t->peer.sa_in,
		.sa_out = sa_out_for(ctl, t->peer.sa_in, sa_conn(ctl, &t->peer)),
		.conn = sa_conn(ctl, &t->peer),
		.peer = t->peer.addr,
		.peer_port = rte_cpu_to_be_16(t->peer.port),
		.nh_mac = lns_ctl_nh_mac(ctl, t->peer.addr),
	};

	if (dt.sa_out == SA_GONE)
		return -ENOENT;         /* its IPsec connection is gone already */
	return lns_ctl_add_tunnel(ctl, &dt);
}

static void
l2tp_tunnel_down(void *ctx, const struct lns_l2tp_tunnel_info *t)
{
	struct lns_ctl *ctl = ctx;

	lns_ctl_remove_tunnel(ctl, t->local_id);
}

/* Free a withdrawn session once no worker can still route its address. */
static void
reap(struct lns_timer *t, void *arg, uint64_t now)
{
	struct sub *s = arg;
	struct lns_ctl *ctl = s->ctl;

	if (ctl->dp->qsbr != NULL && rte_rcu_qsbr_check(ctl->dp->qsbr, s->token, false) != 1) {
		lns_timer_arm(ctl->timers, t, now + REAP_MS);
		return;
	}
	lns_ppp_destroy(s->ppp);        /* releases the pool address */
	sub_unlink(subs_of(ctl), s);
	free(s);
}

static int
l2tp_session_up(void *ctx, const struct lns_l2tp_session_info *si)
{
	struct lns_ctl *ctl = ctx;
	struct lns_subs *ss = subs_of(ctl);
	struct sub *s;
	uint32_t h;
	int rc;

	rc = lns_tables_add_session(ctl->dp->tbl, si->tunnel_id, si->session_id,
				    si->peer_session_id, 0, &h);
	if (rc != 0)
		return rc;
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		lns_tables_remove_session(ctl->dp->tbl, h);
		return -ENOMEM;
	}
	s->ctl = ctl;
	s->tid = si->tunnel_id;
	s->sid = si->session_id;
	s->peer_tid = si->peer_tunnel_id;
	s->peer_sid = si->peer_session_id;
	s->handle = h;
	s->peer = si->peer.addr;
	s->peer_port_be = rte_cpu_to_be_16(si->peer.port);
	s->sa_out = sa_out_for(ctl, si->peer.sa_in, sa_conn(ctl, &si->peer));
	s->conn = si->peer.conn == LNS_L2TP_NO_CONN ? LNS_EV_NONE : si->peer.conn;
	lns_timer_init(&s->reap, reap, s);
	ss->by_handle[h] = s;
	sub_link(ss, s);
	s->aaa = lns_ctl_aaa_session_new(ctl, h, s->tid, s->sid, s->peer, si->peer.port,
					 s->conn);                 /* AAA hook */
	if (ctl->dp->conf->ppp.accept_proxy && si->proxy_authen_type != 0 &&
	    si->proxy_lcp_last_tx_len > 0) {
		struct lns_ppp_proxy px = {
			.last_sent_lcp = si->proxy_lcp_last_tx,
			.last_sent_len = si->proxy_lcp_last_tx_len,
			.last_rcvd_lcp = si->proxy_lcp_last_rx,
			.last_rcvd_len = si->proxy_lcp_last_rx_len,
			.authen_type = si->proxy_authen_type,
			.authen_name = si->proxy_authen_name,
			.authen_challenge = si->proxy_authen_chal,
			.authen_challenge_len = si->proxy_authen_chal_len,
			.authen_id = (uint8_t)si->proxy_authen_id,
			.authen_response = si->proxy_authen_resp,
			.authen_response_len = si->proxy_authen_resp_len,
		};

		s->ppp = lns_ppp_create_proxy(&ss->env, &ppp_ops, s, &px, now_ms(ctl));
	} else {
		s->ppp = lns_ppp_create(&ss->env, &ppp_ops, s, now_ms(ctl));
	}
	if (s->ppp != NULL) {   /* the profile's LCP keepalive (ppp.keepalive unless set) */
		const struct lns_dest_profile *p = sub_profile(s);

		lns_ppp_set_keepalive(s->ppp, p->keepalive_interval, p->keepalive_failures);
	}
	if (s->ppp == NULL) {
		lns_ctl_aaa_session_end(s->aaa);
		ss->by_handle[h] = NULL;
		sub_unlink(ss, s);
		lns_tables_remove_session(ctl->dp->tbl, h);
		free(s);
		return -ENOMEM;
	}
	return 0;
}

static void
l2tp_session_down(void *ctx, const struct lns_l2tp_session_info *si, uint16_t result,
		  uint16_t error)
{
	struct lns_ctl *ctl = ctx;
	struct lns_subs *ss = subs_of(ctl);
	uint32_t h = lns_tables_by_ids(ctl->dp->tbl, si->tunnel_id, si->session_id);
	struct sub *s;

	(void)error;
	if (h == LNS_SESS_NONE || (s = ss->by_handle[h]) == NULL)
		return;
	/* AAA hook: the L2TP session went under a live PPP (CDN from the LAC, the
	 * tunnel gone): the LAC hanging up on purpose (3) is the user's request.
	 * Stop is sent now, while the data-plane counters still hold. */
	lns_ctl_aaa_session_cause(s->aaa, result == LNS_CDN_ADMIN ? LNS_RAD_TERM_USER_REQUEST :
				  LNS_RAD_TERM_LOST_CARRIER);
	lns_ctl_aaa_session_end(s->aaa);
	s->aaa = NULL;
	ss->by_handle[h] = NULL;
	lns_tables_remove_session(ctl->dp->tbl, h);
	s->l2tp_down = true;
	if (!s->ppp_down)
		lns_ppp_close(s->ppp, "l2tp session down", now_ms(ctl));
	s->token = ctl->dp->qsbr != NULL ? rte_rcu_qsbr_start(ctl->dp->qsbr) : 0;
	lns_timer_arm(ctl->timers, &s->reap, now_ms(ctl) + REAP_MS);
}

static void
l2tp_ipsec_disconnect(void *ctx, uint32_t conn, const char *why)
{
	struct lns_ctl *ctl = ctx;
	int n = lns_sad_drop_conn(ctl->dp->sad, conn);

	if (n > 0)
		lns_count(ctl->st, LNS_CTR_SA_DROPPED_NOW, (uint64_t)n);
	lns_ctl_ike_disconnect(ctl, conn, why);
}

static const struct lns_l2tp_ops l2tp_ops = {
	.send = l2tp_send,
	.tunnel_up = l2tp_tunnel_up,
	.tunnel_down = l2tp_tunnel_down,
	.session_up = l2tp_session_up,
	.session_down = l2tp_session_down,
	.ipsec_disconnect = l2tp_ipsec_disconnect,
};

/* --------------------------------------------------------- punted input --- */

void
lns_ctl_sub_l2tp(struct lns_ctl *ctl, struct rte_mbuf *m)
{
	const struct lns_pkt_meta *meta = lns_pkt_meta(m);
	struct lns_l2tp_peer from = {
		.addr = meta->peer,
		.port = rte_be_to_cpu_16(meta->peer_port),
		.sa_in = meta->sa,
		.conn = LNS_L2TP_NO_CONN,
	};

	if (meta->sa != LNS_SAD_NONE && meta->sa < ctl->dp->sad->max_sas)
		from.conn = lns_sad_get(ctl->dp->sad, meta->sa)->conn;
	if (m->nb_segs != 1)
		lns_count_drop(ctl->st, LNS_DROP_CTL_L2TP_MULTISEG, 1);
	else
		lns_l2tp_input(subs_of(ctl)->l2tp, &from, rte_pktmbuf_mtod(m, const uint8_t *),
			       m->data_len, now_ms(ctl));
	rte_pktmbuf_free(m);
}

void
lns_ctl_sub_ppp(struct lns_ctl *ctl, struct rte_mbuf *m)
{
	struct lns_subs *ss = subs_of(ctl);
	struct lns_l2tp_data d;
	struct sub *s;
	uint32_t h;

	/* The worker parsed it and checked that its tunnel owns it (SA or plain peer);
	 * a session published after the worker looked (LCP right behind the ICCN) is
	 * found here, since the ICCN came first on the same punt ring. */
	if (lns_l2tp_data_parse(rte_pktmbuf_mtod(m, const uint8_t *), m->data_len, &d) !=
	    LNS_L2TP_DATA ||
	    (h = lns_tables_by_ids(ctl->dp->tbl, d.tunnel_id, d.session_id)) == LNS_SESS_NONE ||
	    (s = ss->by_handle[h]) == NULL || s->l2tp_down) {
		lns_count_drop(ctl->st, LNS_DROP_CTL_NO_SESSION, 1);
		rte_pktmbuf_free(m);
		return;
	}
	lns_ppp_input(s->ppp, rte_pktmbuf_mtod_offset(m, const uint8_t *, d.payload_off),
		      d.payload_len, now_ms(ctl));
	rte_pktmbuf_free(m);
}

/* ------------------------------------------------------------ lifecycle --- */

int
lns_ctl_subs_init(struct lns_ctl *ctl, char *err, size_t errlen)
{
	const struct lns_conf *conf = ctl->dp->conf;
	struct lns_tables *tbl = ctl->dp->tbl;
	struct lns_subs *ss = calloc(1, sizeof(*ss));

	if (ss == NULL)
		goto nomem;
	ctl->subs = ss;
	ss->by_handle = calloc(tbl->max_sessions, sizeof(*ss->by_handle));
	ss->pools = lns_pools_create(conf);
	ss->auth = lns_auth_local_create(conf);
	if (ss->by_handle == NULL || ss->pools == NULL || ss->auth == NULL)
		goto nomem;
	/* Addresses the static section took are not the pools' to give. */
	for (uint32_t h = 0; h < tbl->max_sessions; h++)
		if (tbl->sess[h].state == LNS_TBL_UP && tbl->sess[h].addr != 0)
			lns_pools_reserve(ss->pools, tbl->sess[h].addr);
	ss->env.conf = conf;
	ss->env.timers = ctl->timers;
	ss->env.pools = ss->pools;
	ss->env.auth = lns_ctl_aaa_init(ctl, ss->auth, err, errlen);  /* AAA hook */
	if (ss->env.auth == NULL)
		return -EINVAL;
	/* Our end of every PPP link: the core address, which subscribers reach anyway. */
	ss->env.local_addr = ctl->dp->port[LNS_PORT_CORE].addr;
	ss->env.stats = &ss->ppp_stats;
	ss->l2tp = lns_l2tp_create(conf, &l2tp_ops, ctl, ctl->timers, ctl->dp->evlog);
	if (ss->l2tp == NULL)
		goto nomem;
	/* Tunnel ids the static section took are not L2TP's to give: the table
	 * would refuse the duplicate and the dynamic tunnel would fail. Session ids
	 * are per tunnel, so distinct tunnel ids keep them apart too. */
	for (uint32_t id = 1; id < LNS_TUNNEL_MAX; id++)
		if (tbl->tun[id].state == LNS_TBL_UP)
			(void)lns_l2tp_reserve_tunnel_id(ss->l2tp, (uint16_t)id);
	ss->draining = conf->node.drain;
	lns_timer_init(&ss->drain_timer, drain_expired, ctl);
	lns_l2tp_set_drain(ss->l2tp, ss->draining);   /* IKE: lns_ctl_ike_init() */
	return 0;
nomem:
	snprintf(err, errlen, "out of memory for the L2TP and PPP control planes "
		 "(limits.max-sessions %u)", conf->limits.max_sessions);
	return -ENOMEM;
}

int
lns_ctl_subs_set_conf(struct lns_ctl *ctl, const struct lns_conf *conf)
{
	struct lns_subs *ss = subs_of(ctl);
	struct lns_pools *pools;

	if (ss == NULL)
		return 0;
	/* Pools by the new file, every address in use carried over (lns_pool.h):
	 * live sessions keep theirs; PPP finds pools by name at each allocation and
	 * releases by address, so nothing holds an index or a pointer into the old. */
	pools = lns_pools_rebuild(ss->pools, conf);
	if (pools == NULL)
		return -ENOMEM;
	if (lns_auth_local_set_conf(ss->auth, conf) != 0) {
		lns_pools_free(pools);
		return -ENOMEM;
	}
	lns_pools_free(ss->pools);
	ss->pools = pools;
	ss->env.pools = pools;
	/* PPP reads env.conf per negotiation step: sessions in progress see the new
	 * values from their next step, which only matters for auth methods, DNS,
	 * MRU and keepalive (the next Echo) */
	ss->env.conf = conf;
	lns_l2tp_set_conf(ss->l2tp, conf);
	return 0;
}

void
lns_ctl_subs_shutdown(struct lns_ctl *ctl)
{
	lns_ctl_aaa_shutdown(ctl);      /* AAA hook: Stops and Accounting-Off first */
	if (ctl->subs != NULL && subs_of(ctl)->l2tp != NULL)
		lns_l2tp_shutdown(subs_of(ctl)->l2tp, now_ms(ctl));
}

void
lns_ctl_subs_fini(struct lns_ctl *ctl)
{
	struct lns_subs *ss = subs_of(ctl);

	if (ss == NULL)
		return;
	lns_timer_cancel(ctl->timers, &ss->drain_timer);
	lns_l2tp_free(ss->l2tp);
	while (ss->all != NULL) {
		struct sub *s = ss->all;

		lns_timer_cancel(ctl->timers, &s->reap);
		lns_ppp_destroy(s->ppp);
		sub_unlink(ss, s);
		free(s);
	}
	free(ss->by_handle);
	lns_ctl_aaa_fini(ctl);          /* AAA hook */
	lns_auth_local_free(ss->auth);
	lns_pools_free(ss->pools);
	free(ss);
	ctl->subs = NULL;
}

struct lns_l2tp *
lns_ctl_l2tp_rw(struct lns_ctl *ctl)
{
	return ctl->subs != NULL ? ctl->subs->l2tp : NULL;
}

const struct lns_l2tp *
lns_ctl_l2tp(const struct lns_ctl *ctl)
{
	return ctl->subs != NULL ? ctl->subs->l2tp : NULL;
}

const struct lns_ppp *
lns_ctl_sub_ppp_of(const struct lns_ctl *ctl, uint32_t handle)
{
	const struct sub *s;

	if (ctl->subs == NULL || handle >= ctl->dp->tbl->max_sessions)
		return NULL;
	s = ctl->subs->by_handle[handle];
	return s != NULL ? s->ppp : NULL;
}

const struct lns_ppp_stats *
lns_ctl_ppp_stats(const struct lns_ctl *ctl)
{
	return ctl->subs != NULL ? &ctl->subs->ppp_stats : NULL;
}

/* ------------------------------------------------- telemetry requests --- */

static void
copy_str(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src != NULL ? src : "");
}

static int32_t
snap_tunnels(struct lns_ctl *ctl, uint32_t after, struct lns_tun_snap *o, uint32_t max)
{
	const struct lns_l2tp *l = subs_of(ctl)->l2tp;
	struct lns_l2tp_tunnel_info ti;
	uint64_t now = now_ms(ctl);
	uint32_t n = 0;

	while (n < max && lns_l2tp_tunnel_next(l, after, &ti) == 0) {
		struct lns_tun_snap *t = &o[n++];

		after = ti.local_id;
		t->tid = ti.local_id;
		t->peer_tid = ti.peer_id;
		t->peer = ti.peer.addr;
		t->peer_port = ti.peer.port;
		t->single_shot = ti.single_shot;
		t->secure = ti.peer.conn != LNS_L2TP_NO_CONN;
		t->conn = ti.peer.conn;
		t->sessions = ti.sessions;
		t->sessions_total = ti.sessions_total;
		t->result = ti.result;
		t->age_ms = now - ti.created_ms;
		t->destruct_left_ms = ti.destruct_end_ms > now ? ti.destruct_end_ms - now : 0;
		t->tstate = (uint8_t)ti.tstate;
		copy_str(t->state, sizeof(t->state), ti.refused ? "refused" : ti.state);
		copy_str(t->profile, sizeof(t->profile), ti.profile);
		copy_str(t->host, sizeof(t->host), ti.host_name);
	}
	return (int32_t)n;
}

static int32_t
snap_sessions(struct lns_ctl *ctl, uint32_t after, struct lns_sess_snap *o, uint32_t max)
{
	struct lns_subs *ss = subs_of(ctl);
	uint64_t now = now_ms(ctl);
	uint32_t n = 0;

	/* Management path: a walk over the handle array, at most once per request. */
	for (uint32_t h = after == UINT32_MAX ? 0 : after + 1;
	     h < ctl->dp->tbl->max_sessions && n < max; h++) {
		const struct sub *s = ss->by_handle[h];
		struct lns_sess_snap *x;
		struct lns_ppp_info pi;

		if (s == NULL)
			continue;
		x = &o[n++];
		lns_ppp_get_info(s->ppp, &pi);
		x->handle = h;
		x->tid = s->tid;
		x->sid = s->sid;
		x->peer_tid = s->peer_tid;
		x->peer_sid = s->peer_sid;
		x->peer = s->peer;
		x->addr = pi.addr;
		x->uptime_ms = pi.up_since_ms != 0 ? now - pi.up_since_ms : 0;
		copy_str(x->user, sizeof(x->user), pi.user);
		copy_str(x->phase, sizeof(x->phase), pi.phase);
		copy_str(x->auth, sizeof(x->auth), pi.auth_method);
		lns_ctl_aaa_session_info(s->aaa, x);                /* AAA hook */
	}
	return (int32_t)n;
}

static void
snap_counters(struct lns_ctl *ctl, struct lns_ctl_counters *c)
{
	struct lns_subs *ss = subs_of(ctl);
	struct lns_l2tp_tunnel_info ti;
	uint64_t l2tp[LNS_L2TP_CTR_MAX];
	uint32_t after = 0;

	RTE_BUILD_BUG_ON(LNS_L2TP_CTR_MAX > LNS_CTL_NCTR || LNS_PPP_STAT_MAX > LNS_CTL_NCTR);
	memset(c, 0, sizeof(*c));
	lns_l2tp_counters(ss->l2tp, l2tp);
	c->n_l2tp = LNS_L2TP_CTR_MAX;
	memcpy(c->l2tp, l2tp, sizeof(l2tp));
	c->n_ppp = LNS_PPP_STAT_MAX;
	memcpy(c->ppp, ss->ppp_stats.c, sizeof(ss->ppp_stats.c));
	lns_ctl_ike_counters(ctl, c);
	/* Management path: one walk over the tunnels per scrape. */
	while (lns_l2tp_tunnel_next(ss->l2tp, after, &ti) == 0) {
		after = ti.local_id;
		switch (ti.tstate) {
		case LNS_L2TP_T_ESTABLISHED:
			c->tunnels_established++;
			break;
		case LNS_L2TP_T_DESTRUCTING:
			c->tunnels_destructing++;
			break;
		case LNS_L2TP_T_CLOSING:
			c->tunnels_closing++;
			break;
		case LNS_L2TP_T_WAIT_CTL_CONN:
			c->tunnels_opening++;
			break;
		}
	}
	c->sessions = lns_l2tp_session_count(ss->l2tp);
	c->draining = ss->draining;
	RTE_BUILD_BUG_ON(LNS_CTL_NPOOLS < LNS_CONF_MAX_POOLS);
	RTE_BUILD_BUG_ON(LNS_CTL_POOL_NAME < LNS_CONF_NAME_MAX);
	c->n_pools = ctl->dp->conf->ppp.n_pools;
	for (uint32_t i = 0; i < c->n_pools; i++) {
		const struct lns_pool_conf *pc = &ctl->dp->conf->ppp.pools[i];

		memcpy(c->pool_name[i], pc->name, LNS_CONF_NAME_MAX);

		c->pool_size[i] = rte_be_to_cpu_32(pc->last) - rte_be_to_cpu_32(pc->first) + 1;
		c->pool_in_use[i] = c->pool_size[i] - lns_pools_available(ss->pools, (int)i);
	}
}

/* drain on --max-wait passed: the sessions left end through the normal path (CDN
 * result 3, then PPP and accounting), with Acct-Terminate-Cause Admin-Reboot
 * (RFC 2866: the administrator ends service on the NAS, e.g. before a reboot). */
static void
drain_expired(struct lns_timer *t, void *arg, uint64_t now)
{
	struct lns_ctl *ctl = arg;
	struct lns_subs *ss = subs_of(ctl);
	struct lns_l2tp_session_info si;
	uint32_t after_tid = 0, after_sid = 0, n = 0;

	(void)t;
	for (struct sub *s = ss->all; s != NULL; s = s->next)
		if (!s->l2tp_down)
			lns_ctl_aaa_session_cause(s->aaa, LNS_RAD_TERM_ADMIN_REBOOT);
	while (lns_l2tp_session_next(ss->l2tp, after_tid, after_sid, &si) == 0) {
		after_tid = si.tunnel_id;
		after_sid = si.session_id;
		if (lns_l2tp_session_close(ss->l2tp, si.tunnel_id, si.session_id, LNS_CDN_ADMIN,
					   0, "drained", now) == 0)
			n++;
	}
	lns_evlog_add(ctl->dp->evlog, lns_ctl_now_us(ctl), LNS_EV_DRAIN, LNS_EV_NONE,
		      LNS_EV_NONE, LNS_EV_NONE, "drain=max-wait-passed sessions-ended=%u", n);
}

/* lnsctl drain on|off [--max-wait S]: new tunnels, calls and Main Modes refused,
 * what exists stays (until S seconds have passed). @return the sessions left. */
static int32_t
set_drain(struct lns_ctl *ctl, uint32_t arg)
{
	struct lns_subs *ss = subs_of(ctl);
	uint32_t n = lns_l2tp_session_count(ss->l2tp), wait_s = arg >> 1;
	bool on = arg != 0;

	if (ss->draining != on || wait_s != 0)
		lns_evlog_add(ctl->dp->evlog, lns_ctl_now_us(ctl), LNS_EV_DRAIN, LNS_EV_NONE,
			      LNS_EV_NONE, LNS_EV_NONE, "drain=%s sessions-left=%u max-wait=%u",
			      on ? "on" : "off", n, wait_s);
	ss->draining = on;
	lns_l2tp_set_drain(ss->l2tp, on);
	lns_ctl_ike_set_drain(ctl, on);
	if (!on || wait_s != 0)
		lns_timer_cancel(ctl->timers, &ss->drain_timer);
	if (on && wait_s != 0) {
		if (lns_timer_arm(ctl->timers, &ss->drain_timer,
				  now_ms(ctl) + (uint64_t)wait_s * 1000) != 0)
			return -ENOMEM;
	}
	return (int32_t)(n > INT32_MAX ? INT32_MAX : n);
}

int32_t
lns_ctl_subs_request(struct lns_ctl *ctl, uint32_t type, uint32_t arg, void *buf,
		     uint32_t buflen)
{
	struct lns_subs *ss = subs_of(ctl);
	const struct sub *s;

	switch (type) {
	case LNS_REQ_SNAP_TUNNELS:
		return snap_tunnels(ctl, arg, buf, buflen / sizeof(struct lns_tun_snap));
	case LNS_REQ_SNAP_SESSIONS:
		return snap_sessions(ctl, arg, buf, buflen / sizeof(struct lns_sess_snap));
	case LNS_REQ_CLEAR_TUNNEL:
		for (struct sub *t = ss->all; t != NULL; t = t->next)   /* AAA hook */
			if (t->tid == arg && !t->l2tp_down)
				lns_ctl_aaa_session_cause(t->aaa, LNS_RAD_TERM_ADMIN_RESET);
		/* lib/l2tp logs admin-clear, for a tunnel it has only */
		return lns_l2tp_tunnel_close(ss->l2tp, (uint16_t)arg, LNS_STOPCCN_CLEAR,
					     now_ms(ctl));
	case LNS_REQ_CLEAR_SESSION:
		if (arg >= ctl->dp->tbl->max_sessions || (s = ss->by_handle[arg]) == NULL)
			return -ENOENT;
		lns_evlog_add(ctl->dp->evlog, lns_ctl_now_us(ctl), LNS_EV_ADMIN_CLEAR, s->tid,
			      s->sid, s->conn, "what=session");
		lns_ctl_aaa_session_cause(s->aaa, LNS_RAD_TERM_ADMIN_RESET);  /* AAA hook */
		return lns_l2tp_session_close(ss->l2tp, s->tid, s->sid, LNS_CDN_ADMIN, 0,
					      "cleared by the operator", now_ms(ctl));
	case LNS_REQ_SNAP_COUNTERS:
		if (buflen < sizeof(struct lns_ctl_counters))
			return -EINVAL;
		snap_counters(ctl, buf);
		return 0;
	case LNS_REQ_DRAIN:
		return set_drain(ctl, arg);
	default:
		return -EINVAL;
	}
}

/* ------------------------------------------------------------ AAA hooks --- */

struct lns_aaa_sess *
lns_ctl_sub_aaa(void *sub_ctx)
{
	return sub_ctx != NULL ? ((struct sub *)sub_ctx)->aaa : NULL;
}

int
lns_ctl_sub_close(struct lns_ctl *ctl, uint32_t handle, const char *why)
{
	struct lns_subs *ss = subs_of(ctl);
	const struct sub *s;

	if (ss == NULL || handle >= ctl->dp->tbl->max_sessions ||
	    (s = ss->by_handle[handle]) == NULL || s->l2tp_down)
		return -ENOENT;
	return lns_l2tp_session_close(ss->l2tp, s->tid, s->sid, LNS_CDN_ADMIN, 0, why,
				      now_ms(ctl));
}
