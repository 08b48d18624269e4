/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The data plane: ports, queues, mbuf pools, punt rings and the worker loop.
 *
 * Queues: worker w (0 <= w < n_workers) owns RX queue w and TX queue w of every
 * port. The control lcore owns TX queue n_workers of every port, and RX queue
 * n_workers where the device has one to give: real NICs spread RSS over the
 * workers' queues only (RETA), while software devices whose kernel side spreads
 * over every queue (af_packet, tap) deliver part of the traffic there, which the
 * control lcore classifies with the same code as a worker.
 *
 * Threads: lns_dp_init()/lns_dp_fini() run on the main lcore before the workers
 * are launched / after they have stopped. lns_dp_worker_main() runs on each worker
 * lcore. Everything else a worker reads is published before launch and is
 * read-only afterwards, except the fields documented as atomic.
 *
 * One writer per inbound SA (DESIGN.md "Tables"): the first worker to decrypt a
 * packet of an SA claims it (lns_sad_entry.owner). ESP of that SA that reaches any
 * other lcore (another worker, through a queue the NIC or af_packet's fanout chose,
 * or a datagram reassembled there; the control lcore's RX queue) is put on the
 * owner's handoff ring before anything reads or writes its replay window, and the
 * owner decrypts it in its next loop. The control lcore never owns an SA: ESP it
 * receives for an SA nobody owns yet goes to a worker chosen by SPI. An SA without
 * an anti-replay window (ipsec.replay-window: 0) has no per-packet state and is
 * decrypted wherever it arrives.
 */
#ifndef LNS_DP_H
#define LNS_DP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <rte_common.h>
#include <rte_ether.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "lns_conf.h"
#include "lns_esp.h"
#include "lns_sad.h"
#include "lns_stats.h"
#include "lns_tables.h"
#include "lns_trace.h"

struct rte_ring;
struct rte_mempool;
struct lns_evlog;
struct lns_dp_lctx;
struct rte_ip_frag_tbl;
struct rte_ip_frag_death_row;
struct rte_rcu_qsbr;

/** What a punted packet is, so the control lcore can dispatch without re-parsing. */
enum lns_punt_kind {
	LNS_PUNT_ARP = 0,       /**< ARP request for our address, or any ARP reply */
	LNS_PUNT_ICMP,          /**< ICMP to our address */
	LNS_PUNT_L2TP_CTL,      /**< L2TP control message (meta.sa: SA it came on) */
	LNS_PUNT_PPP_CTL,       /**< PPP non-IPv4 (LCP, auth, IPCP...) of a session */
	LNS_PUNT_IKE,           /**< UDP 500, or UDP 4500 with the non-ESP marker */
	LNS_PUNT_KIND_MAX
};

/**
 * Metadata that travels with a punted packet, in the mbuf's private area
 * (every pool lnsd creates reserves room for it).
 */
struct lns_pkt_meta {
	uint8_t  role;          /**< enum lns_port_role of the port it came in on */
	uint8_t  kind;          /**< enum lns_punt_kind */
	uint16_t l3_off;        /**< offset of the IPv4 or ARP header */
	uint16_t l4_off;        /**< offset of the L4 header (IPv4 only) */
	uint16_t esp_off;       /**< LNS_V_ESP: offset of the ESP header */
	uint16_t tunnel;        /**< downstream: local tunnel id while ESP runs */
	uint32_t sa;            /**< SA handle it arrived on, UINT32_MAX = none */
	uint32_t peer;          /**< L2TP punts: peer address, network order */
	uint16_t peer_port;     /**< L2TP punts: peer's L2TP UDP port, network order */
	uint16_t rsvd;
	uint32_t trace_pkt;     /**< with tracing on: packet number in the trace, 0 = not traced */
};

static inline struct lns_pkt_meta *
lns_pkt_meta(struct rte_mbuf *m)
{
	return (struct lns_pkt_meta *)rte_mbuf_to_priv(m);
}

/** One port as the data plane sees it. */
struct lns_dp_port {
	uint16_t port_id;
	uint8_t  role;                  /**< enum lns_port_role */
	bool     ctl_rx;                /**< the control lcore polls RX queue n_workers */
	uint16_t nb_rxq;
	uint16_t nb_txq;
	uint16_t mtu;
	uint16_t rx_burst;
	struct rte_ether_addr mac;
	uint32_t addr;                  /**< our address, network byte order */
	uint32_t mask;                  /**< network byte order */
	uint32_t gateway;               /**< network byte order, 0 = none */
	/** Next-hop (gateway) MAC published by the control lcore: bits 0..47 the
	 *  address as rte_ether_addr bytes, bit 63 set when valid. Atomic. */
	uint64_t gw_mac;
	char     device[LNS_CONF_NAME_MAX];
	char     driver[LNS_CONF_NAME_MAX];
};

#define LNS_GW_MAC_VALID (1ULL << 63)

/** A MAC as the atomically published 64-bit value (gw_mac, tunnel nh_mac). */
static inline uint64_t
lns_mac_publish_value(const struct rte_ether_addr *mac)
{
	uint64_t v = 0;

	memcpy(&v, mac->addr_bytes, RTE_ETHER_ADDR_LEN);
	return v | LNS_GW_MAC_VALID;
}

/** The whole data plane. Allocate with rte_zmalloc-compatible alignment or statically. */
struct lns_dp {
	/** The configuration in use. Control replaces it on reload (lib/ctl/ctl_reload.c):
	 *  other threads read it only between lns_dp_conf_get() and lns_dp_conf_put();
	 *  workers never read it (what they need is copied below). */
	const struct lns_conf *conf;
	uint32_t conf_readers;                            /**< threads inside get/put */
	uint16_t mss_clamp;                               /**< ppp.mss-clamp, for workers */
	struct lns_stats *stats;
	uint16_t n_workers;
	uint16_t ctl_queue;                               /**< == n_workers */
	unsigned int worker_lcore[RTE_MAX_LCORE];         /**< worker index -> lcore id */
	struct lns_dp_port port[LNS_PORT_ROLE_MAX];
	struct rte_mempool *pool[RTE_MAX_NUMA_NODES];     /**< per socket, NULL if unused */
	struct rte_ring *punt[RTE_MAX_LCORE];             /**< per worker index: SP/SC */
	struct rte_ring *handoff[RTE_MAX_LCORE];          /**< per worker index: ESP for its
							       SAs from other lcores (MP/SC) */
	struct rte_rcu_qsbr *qsbr;                        /**< workers report every loop */
	struct lns_sad *sad;                              /**< SA table */
	struct lns_tables *tbl;                           /**< tunnels and sessions */
	IMB_MGR *mgr[RTE_MAX_LCORE];                      /**< per worker index; [n_workers] = control */
	struct rte_ip_frag_tbl *frag[RTE_MAX_LCORE];      /**< reassembly, per worker index + control */
	struct rte_ip_frag_death_row *dr[RTE_MAX_LCORE];
	struct rte_ring *req;                             /**< telemetry -> control requests (MP/SC) */
	struct lns_evlog *evlog;                          /**< lifecycle events (control writes) */
	uint64_t start_tsc;
	volatile int stop;                                /**< set by lns_dp_stop() */
	uint32_t trace_on;                                /**< packet trace running (atomic) */
	struct lns_trace *trace;                          /**< `lnsctl trace` rings, NULL = none */
	bool ports_started;
};

/**
 * Read the configuration from a thread other than control (telemetry, metrics):
 * the reference stays valid until lns_dp_conf_put(). Control frees a replaced
 * configuration only once it has seen no reader inside get/put after publishing
 * its successor, so a reader never sees one half applied or freed. Keep the
 * section short (no waiting on control inside it).
 */
static inline const struct lns_conf *
lns_dp_conf_get(const struct lns_dp *dp)
{
	__atomic_add_fetch((uint32_t *)(uintptr_t)&dp->conf_readers, 1, __ATOMIC_SEQ_CST);
	return __atomic_load_n(&dp->conf, __ATOMIC_SEQ_CST);
}

static inline void
lns_dp_conf_put(const struct lns_dp *dp)
{
	__atomic_sub_fetch((uint32_t *)(uintptr_t)&dp->conf_readers, 1, __ATOMIC_RELEASE);
}


/**
 * Set up mbuf pools (one per socket in use), punt rings, RCU and the ports of
 * `conf`, and start the ports. Call after rte_eal_init(), on the main lcore.
 * Workers are every lcore but the main one.
 *
 * @return 0, or -errno with a message for the operator in err.
 */
int lns_dp_init(struct lns_dp *dp, const struct lns_conf *conf, struct lns_stats *st,
		char *err, size_t errlen);

/** Launch lns_dp_worker_main() on every worker lcore. @return 0 or -errno. */
int lns_dp_launch(struct lns_dp *dp);

/** Outer IPv4 reassembly: datagrams in flight per lcore (at most; fewer with a small
 *  limits.mbufs, so that waiting fragments never hold more than a quarter of the
 *  pool), and how long a partial one
 *  may wait for its missing fragments (RFC 791 suggests 15 s; clients resend far
 *  sooner, and a short timeout bounds what a fragment flood can hold). */
#define LNS_FRAG_MAX_FLOWS  4096
#define LNS_FRAG_TIMEOUT_MS 2000

/** Drop expired partial datagrams of an lcore's reassembly table (its own lcore). */
void lns_dp_frag_expire(const struct lns_dp_lctx *lc);

/** Handoff ring size (ESP packets waiting for their SA's owner worker). */
#define LNS_HANDOFF_RING_SIZE 2048

/**
 * Decrypt and forward up to `max` ESP packets other lcores handed to this worker
 * (lc->slot) for the SAs it owns; punted packets go to `punt[]` as with
 * lns_dp_rx_burst(). Runs on the owner worker only. @return packets taken.
 */
uint16_t lns_dp_handoff_burst(const struct lns_dp *dp, struct rte_mbuf **punt,
			      uint16_t *n_punt, uint16_t max, const struct lns_dp_lctx *lc);

/** Ask the workers to stop and wait for them. Idempotent. */
void lns_dp_stop(struct lns_dp *dp);

/** Stop and close the ports, free rings, pools and RCU. Call after lns_dp_stop(). */
void lns_dp_fini(struct lns_dp *dp);

/** A worker lcore's loop; `arg` is the struct lns_dp. Returns when dp->stop is set. */
int lns_dp_worker_main(void *arg);

/** Verdict of the classifier. */
enum lns_verdict {
	LNS_V_DROP = 0,    /**< count under *why and free */
	LNS_V_PUNT,        /**< hand to the control lcore; meta filled in */
	LNS_V_ESP,         /**< ESP (plain or UDP-encapsulated) to our access address */
	LNS_V_L2TP,        /**< plain UDP 1701 to our access address (non-secure L2TP) */
	LNS_V_DOWN,        /**< IPv4 on the core port for someone else: to a subscriber */
	LNS_V_FRAG,        /**< a fragment of ESP or UDP to our access address: reassemble */
};

/** What a data-path caller brings: its queue, crypto manager and counter slots. */
struct lns_dp_lctx {
	uint16_t txq;                   /**< TX queue of every port */
	uint16_t slot;                  /**< per-object counter slot (worker index; control last) */
	IMB_MGR *mgr;
	struct lns_stats_lcore *st;
	struct rte_ip_frag_tbl *frag;   /**< this lcore's reassembly table (NULL: drop fragments) */
	struct rte_ip_frag_death_row *dr; /**< mbufs the table let go of, freed per burst */
};

/**
 * Classify one frame that arrived on the port with role `role`. Pure: reads only
 * the bytes and the port table, so it is safe on any lcore and easy to test.
 *
 * @param ports   the dp's port table (indexed by role)
 * @param role    port the frame arrived on
 * @param pkt     frame bytes (contiguous)
 * @param len     bytes available at pkt
 * @param ol_flags mbuf RX offload flags (RTE_MBUF_F_RX_IP_CKSUM_GOOD skips the check)
 * @param meta    filled in for LNS_V_PUNT
 * @param why     filled in for LNS_V_DROP
 */
enum lns_verdict lns_dp_classify(const struct lns_dp_port ports[LNS_PORT_ROLE_MAX],
				 unsigned int role, const uint8_t *pkt, uint32_t len,
				 uint64_t ol_flags, struct lns_pkt_meta *meta,
				 enum lns_drop *why);

/**
 * Classify a burst received on `role`: punted packets are moved to `punt[]`
 * (count returned in *n_punt), dropped ones are counted in `st` and freed.
 * Shared by the workers and by the control lcore for its own RX queue.
 */
void lns_dp_rx_burst(const struct lns_dp *dp, unsigned int role, struct rte_mbuf **pkts,
		     uint16_t n, struct rte_mbuf **punt, uint16_t *n_punt,
		     const struct lns_dp_lctx *lc);

/**
 * Send an L2TP message built by the control lcore: `m` holds it from the L2TP
 * header on, with headroom. Adds UDP 1701 -> peer_port, then, with an outbound SA,
 * ESP (transport or host-to-host tunnel mode, NAT-T as the SA says) using the
 * caller's IPsec-MB manager (the SA's sequence numbers are shared safely with the
 * workers), the outer IPv4 and Ethernet to `nh_mac` (lns_mac_publish_value form),
 * and transmits it on the caller's TX queue of the access port. Consumes m.
 *
 * @param sa_out   outbound SA handle, or LNS_SAD_NONE for a non-secure tunnel
 * @param conn     the IPsec connection sa_out must still belong to (a dropped SA's
 *                 handle is reused once reclaimed)
 * @return 0, or -errno after counting the drop (SA dropped, ESP refused, TX full).
 */
int lns_dp_send_l2tp(const struct lns_dp *dp, const struct lns_dp_lctx *lc, struct rte_mbuf *m,
		     uint32_t peer, uint16_t peer_port_be, uint32_t sa_out, uint32_t conn,
		     uint64_t nh_mac);

/**
 * The drop reason a data-path stage counts for a lib/esp status: esp.* for
 * lns_esp_inbound() (inbound true), esp_out.* for lns_esp_outbound(). One reason per
 * status; exported for the pipeline harness.
 */
enum lns_drop lns_dp_esp_reason(bool inbound, uint8_t status);

/**
 * Put a burst's punted packets on worker w's ring to the control lcore; what does
 * not fit is freed and counted (punt.ring_full). Never waits.
 */
void lns_dp_punt_enqueue(const struct lns_dp *dp, uint16_t w, struct rte_mbuf **punt,
			 uint16_t np, const struct lns_dp_lctx *lc);

#endif /* LNS_DP_H */
