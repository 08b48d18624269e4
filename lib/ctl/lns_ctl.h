/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The control lcore's side of the data plane: it drains the workers' punt rings
 * and its own RX queues, answers ARP and ICMP echo for lnsd's addresses, resolves
 * next hops by ARP and publishes their MACs to the workers, and sends on its own
 * TX queue of every port.
 *
 * Thread-safety: everything here runs on the control (main) lcore only.
 */
#ifndef LNS_CTL_H
#define LNS_CTL_H

#include <stdint.h>

#include "lns_dp.h"
#include "lns_evlog.h"
#include "lns_req.h"
#include "lns_timer.h"

/** Log type of the control lcore's data-plane code ("lns.ctl"). */
extern int lns_logtype_ctl;
/* The protocols' log types (lns.l2tp, lns.ppp, lns.ike, lns.ipsec): their
 * lifecycle events are logged under them, so each has its own level. */
extern int lns_logtype_l2tp;
extern int lns_logtype_ppp;
extern int lns_logtype_ike;
extern int lns_logtype_ipsec;

#define LNS_NEIGH_SIZE 1024            /**< per port; power of two */

struct lns_neigh {
	uint32_t ip;                    /**< network byte order; 0 = empty slot */
	struct rte_ether_addr mac;
	uint64_t seen_tsc;
};

/** Control-lcore state of the data plane. */
struct lns_ctl {
	struct lns_dp *dp;
	struct lns_stats_lcore *st;     /**< the control lcore's counter slot */
	struct lns_dp_lctx lc;          /**< for the control lcore's own RX queues */
	uint64_t resolve_next_tsc;
	struct lns_ctl_neigh *neigh;    /**< neighbours learned by ARP (ctl.c), opaque */
	uint64_t gw_next_arp_tsc[LNS_PORT_ROLE_MAX];
	uint64_t hz;
	struct lns_timers *timers;      /**< protocol timers (ms since dp start) */
	uint64_t life_next_tsc;         /**< next SA lifetime scan */
	struct lns_subs *subs;          /**< L2TP and PPP subscribers (ctl_sub.c), opaque */
	struct lns_ctl_ike *ike;        /**< IKE glue (ctl_ike.c), opaque; NULL without */
	struct lns_aaa *aaa;            /**< RADIUS (ctl_aaa.c), opaque; NULL without radius.servers */
	struct lns_ctl_nh *nh;          /**< tunnels by next hop (ctl.c), opaque */
	/* reload (ctl_reload.c) */
	struct lns_conf **retired;      /**< replaced, freed once no reader is inside */
	unsigned int n_retired, cap_retired;
	uint64_t reloads, reload_failures;
	/** applies log.level and log.modules (the daemon's, app/lnsd); NULL: none */
	void (*log_apply)(const struct lns_conf *conf);
	/** moves the metrics server from old's metrics.listen to nc's (app/lnsd); on
	 *  failure it listens on old's again and says why in err. NULL: restart-only */
	int (*metrics_apply)(struct lns_dp *dp, const struct lns_metrics_conf *old,
			     const struct lns_metrics_conf *nc, char *err, size_t errlen);
};

/**
 * Add a tunnel to the data plane's table and index it by its next hop (the peer on
 * the access subnet, else the access gateway), whose MAC it gets now if known and
 * as soon as ARP learns it. Control code adds and removes tunnels only this way.
 * @return as lns_tables_add_tunnel().
 */
int lns_ctl_add_tunnel(struct lns_ctl *ctl, const struct lns_dp_tunnel *t);

/** Remove a tunnel from the table and from the next-hop index.
 *  @return as lns_tables_remove_tunnel(). */
int lns_ctl_remove_tunnel(struct lns_ctl *ctl, uint16_t id);

/**
 * Prepare control state for `dp` (after lns_dp_init()): counters, protocol timers,
 * and the event log's sink (each event becomes a key=value log line).
 * @return 0 or -ENOMEM.
 */
int lns_ctl_init(struct lns_ctl *ctl, struct lns_dp *dp);

/** Release what lns_ctl_init() allocated. */
void lns_ctl_fini(struct lns_ctl *ctl);

/** Monotonic milliseconds since the data plane started: the protocols' clock. */
uint64_t lns_ctl_now_ms(const struct lns_ctl *ctl);

/** Monotonic microseconds since the data plane started: event time stamps. */
uint64_t lns_ctl_now_us(const struct lns_ctl *ctl);

/**
 * One pass of control work: drain punt rings and control RX queues, handle what
 * they carry, and run the ARP refresh timers.
 * @return the number of packets handled (0 = idle).
 */
unsigned int lns_ctl_poll(struct lns_ctl *ctl);

/**
 * Next-hop MAC toward an access-side peer (the peer itself on the access subnet,
 * else the access gateway) as lns_mac_publish_value(); 0 when not resolved yet, in
 * which case an ARP request has been sent.
 */
uint64_t lns_ctl_nh_mac(struct lns_ctl *ctl, uint32_t peer);

/** An mbuf from the pool of a port's socket (counted drop when empty). */
struct rte_mbuf *lns_ctl_alloc(struct lns_ctl *ctl, enum lns_port_role role);

/** Look up a neighbour learned on a port; NULL if unknown. */
const struct lns_neigh *lns_ctl_neigh_lookup(const struct lns_ctl *ctl,
					     enum lns_port_role role, uint32_t ip);

/**
 * Provision the config's `static` section: SA pairs, tunnels and sessions, as the
 * data plane's tables. @return 0, or -errno with a message in err.
 */
int lns_ctl_provision_static(struct lns_ctl *ctl, char *err, size_t errlen);

struct lns_subs;
struct lns_ctl_ike;
struct lns_l2tp;
struct lns_ppp;
struct lns_ppp_stats;

/**
 * Start the L2TP and PPP control planes (after lns_ctl_provision_static(): the
 * addresses static sessions hold are reserved in the pools).
 * @return 0, or -errno with a message in err.
 */
int lns_ctl_subs_init(struct lns_ctl *ctl, char *err, size_t errlen);

/** StopCCN to every peer (one attempt, nothing waited for): lnsd is stopping. */
void lns_ctl_subs_shutdown(struct lns_ctl *ctl);

/** Free the L2TP and PPP control planes (workers stopped). */
void lns_ctl_subs_fini(struct lns_ctl *ctl);

/** Punted L2TP control message / PPP frame of a session (consume m). */
void lns_ctl_sub_l2tp(struct lns_ctl *ctl, struct rte_mbuf *m);
void lns_ctl_sub_ppp(struct lns_ctl *ctl, struct rte_mbuf *m);

/** The L2TP control plane, for listings (control lcore). NULL before init. */
const struct lns_l2tp *lns_ctl_l2tp(const struct lns_ctl *ctl);
/** PPP of the session with data-plane handle h, NULL if none. */
const struct lns_ppp *lns_ctl_sub_ppp_of(const struct lns_ctl *ctl, uint32_t handle);
/** PPP counters summed over sessions. */
const struct lns_ppp_stats *lns_ctl_ppp_stats(const struct lns_ctl *ctl);

struct lns_esp_sa_params;

/** IPsec connection ids of IKE in the SA table carry this bit (static SAs do not). */
#define LNS_CONN_IKE 0x80000000u

/** The newest outbound SA of an IKE connection (sad conn id), LNS_SAD_NONE if none. */
uint32_t lns_ctl_conn_sa_out(const struct lns_ctl *ctl, uint32_t conn);

/**
 * The lifecycle policy disconnected an IPsec connection (its SAs are already
 * dropped): IKE sends its Deletes shortly. No-op for static SAs or without IKE.
 */
void lns_ctl_ike_disconnect(struct lns_ctl *ctl, uint32_t conn, const char *why);
/** IKE's counters and SA gauges into c (left as they are without IKE). */
void lns_ctl_ike_counters(const struct lns_ctl *ctl, struct lns_ctl_counters *c);
/** Drain on/off for IKE: new Main Modes refused (lns_ike_set_drain()). */
void lns_ctl_ike_set_drain(struct lns_ctl *ctl, bool on);
/** Start the IKEv1 responder (after lns_ctl_subs_init()). @return 0 or -errno. */
int lns_ctl_ike_init(struct lns_ctl *ctl, char *err, size_t errlen);
/** Delete for every IKE SA (lnsd is stopping). */
void lns_ctl_ike_shutdown(struct lns_ctl *ctl);
void lns_ctl_ike_fini(struct lns_ctl *ctl);
/** A punted IKE packet (UDP 500, or 4500 with the non-ESP marker); consumes m. */
void lns_ctl_ike_input(struct lns_ctl *ctl, struct rte_mbuf *m);

/** Send a frame (Ethernet header included) on the control TX queue of a port. */
void lns_ctl_tx(struct lns_ctl *ctl, enum lns_port_role role, struct rte_mbuf *m);
/** Cipher and integrity of an ESP algorithm (enum lns_esp_alg) into p. */
void lns_ctl_esp_algo(uint8_t alg, struct lns_esp_sa_params *p);
/** The L2TP control plane (mutable), NULL before init. */
struct lns_l2tp *lns_ctl_l2tp_rw(struct lns_ctl *ctl);

/** Control side of the SNAP/CLEAR tunnel and session requests. */
int32_t lns_ctl_subs_request(struct lns_ctl *ctl, uint32_t type, uint32_t arg, void *buf,
			     uint32_t buflen);

/* ---- AAA glue (ctl_aaa.c); ctl_sub.c calls these at a session's life points ---- */
struct lns_aaa;
struct lns_aaa_sess;
struct lns_authenticator;

/** Start the RADIUS client when radius.servers is set (Accounting-On sent).
 *  `local` must be lns_auth_local_create()'s (the fallback asks it through
 *  lns_auth_local_verify()). @return the authenticator PPP uses (RADIUS, or `local` when radius.authenticate
 *  is off or no servers), NULL on error with err set. */
const struct lns_authenticator *lns_ctl_aaa_init(struct lns_ctl *ctl,
						 const struct lns_authenticator *local,
						 char *err, size_t errlen);
/** Read RADIUS answers; called from lns_ctl_poll(). */
void lns_ctl_aaa_poll(struct lns_ctl *ctl);
/** Stop for every live session, Accounting-Off, up to 2 s for the answers. */
void lns_ctl_aaa_shutdown(struct lns_ctl *ctl);
void lns_ctl_aaa_fini(struct lns_ctl *ctl);
/** Per-session AAA state (NULL without RADIUS: every hook accepts NULL). */
struct lns_aaa_sess *lns_ctl_aaa_session_new(struct lns_ctl *ctl, uint32_t handle,
					     uint16_t tid, uint16_t sid, uint32_t peer,
					     uint16_t peer_port, uint32_t conn);
/** Before IPCP's address is published: count the session against its user.
 *  @return 0, or -EDQUOT past max-sessions-per-user (the session is refused). */
int lns_ctl_aaa_session_admit(struct lns_aaa_sess *s, const char *user);
/** IPCP opened with addr (network order): Accounting Start, timers. */
void lns_ctl_aaa_session_up(struct lns_aaa_sess *s, uint32_t addr, const char *user);
/** The anonymous policy of a rate RADIUS gave (Mikrotik-Rate-Limit), held until
 *  the session ends. @return its index for lns_tables_session_set_policy() with
 *  desc set ("rate:UP/DOWN" bit/s), or -1 (none, or no slot: an event says). */
int lns_ctl_aaa_session_rate_policy(struct lns_aaa_sess *s, char *desc, size_t n);
/** The named policy the session's RADIUS Filter-Id names in conf: its slot, or -1
 *  when there is no Filter-Id or it names no policy (that is counted and an event
 *  `policy ... error=unknown-filter-id`; the caller falls back to ppp.users and the
 *  destination profile). */
int lns_ctl_aaa_session_filter_policy(struct lns_aaa_sess *s, const struct lns_conf *conf);
/** Why the session ends (Acct-Terminate-Cause); the first cause given wins. */
void lns_ctl_aaa_session_cause(struct lns_aaa_sess *s, int cause);
/** The session is gone (counters still readable): Stop, then free s. */
void lns_ctl_aaa_session_end(struct lns_aaa_sess *s);
void lns_ctl_aaa_session_info(const struct lns_aaa_sess *s, struct lns_sess_snap *o);
int lns_ctl_aaa_snap(const struct lns_ctl *ctl, struct lns_radius_snap *o);
/** ctl_sub.c: the AAA state of a session from its PPP ctx; close a session (CDN). */
struct lns_aaa_sess *lns_ctl_sub_aaa(void *sub_ctx);
int lns_ctl_sub_close(struct lns_ctl *ctl, uint32_t handle, const char *why);

/* ---- reload (ctl_reload.c) ---- */

/**
 * Read the configuration file again (path, or NULL for the running one), validate
 * it as lnsd --check does, and apply the live keys' changes; restart-only keys keep
 * their running values. An invalid file changes nothing. Writes the answer into
 * out as lines: "error: FILE:LINE:COL: KEY: message", or one line per changed key
 * ("KEY: OLD -> NEW", "KEY: added", "KEY: removed", with " (needs a restart)"
 * where it is restart-only). Logs it and adds a `reload` event (not on dry_run).
 * @return the number of live changes (applied, or with dry_run that would be),
 *         -EINVAL for an invalid file, -ENOMEM.
 */
int lns_ctl_reload(struct lns_ctl *ctl, const char *path, bool dry_run, char *out,
		   size_t outlen);
/** Free replaced configurations no reader holds any more; from lns_ctl_poll(). */
void lns_ctl_reload_poll(struct lns_ctl *ctl);
/** Point the L2TP, PPP and local users at conf and rebuild the address pools by it,
 *  carrying every address in use (ctl_sub.c). @return 0, or -ENOMEM and nothing changed. */
int lns_ctl_subs_set_conf(struct lns_ctl *ctl, const struct lns_conf *conf);
/** Point IKE at conf (ctl_ike.c). */
void lns_ctl_ike_set_conf(struct lns_ctl *ctl, const struct lns_conf *conf);

struct ike_certs;
/** Reload's certificate step: a new set loaded, not yet in use (ctl_ike.c). */
struct lns_ctl_certs_plan {
	struct ike_certs *certs;   /**< NULL with swap: signatures turned off */
	bool swap;                 /**< ipsec.certificates changed (paths, contents, on/off) */
};
/** Load the new set when ipsec.certificates differs from old's. @return 0, or -1
 *  with err ("ipsec.certificates: FILE: reason") and nothing to abort. */
int lns_ctl_ike_certs_plan(struct lns_ctl *ctl, const struct lns_conf *old,
			   const struct lns_conf *nc, struct lns_ctl_certs_plan *pl, char *err,
			   size_t errlen);
/** Swap the planned set in for new Main Modes (cannot fail). */
void lns_ctl_ike_certs_commit(struct lns_ctl *ctl, struct lns_ctl_certs_plan *pl);
/** Discard a plan (a refused or dry reload). */
void lns_ctl_ike_certs_abort(struct lns_ctl_certs_plan *pl);
/** Point the AAA layer at conf: RADIUS servers, timers, DAS clients apply live. */
void lns_ctl_aaa_set_conf(struct lns_ctl *ctl, const struct lns_conf *conf);
/** Whether conf needs the AAA layer (RADIUS, or per-user session limits). */
bool lns_ctl_aaa_needed(const struct lns_conf *conf);
/** Reload: what in nc the running AAA layer cannot take without a restart (what
 *  lns_ctl_aaa_init() made only at start-up); one note() line each. @return how many. */
unsigned int lns_ctl_aaa_reload_check(const struct lns_ctl *ctl, const struct lns_conf *nc,
				      void (*note)(void *arg, const char *line), void *arg);

/** Handle one punted packet (consumes it). Exposed for tests. */
void lns_ctl_handle(struct lns_ctl *ctl, struct rte_mbuf *m);

#endif /* LNS_CTL_H */
