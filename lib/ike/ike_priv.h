/* SPDX-License-Identifier: BSD-3-Clause */
/* lib/ike internals shared by the exchange files (not installed). */
#ifndef IKE_PRIV_H
#define IKE_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include "ike_cert.h"
#include "ike_crypto.h"
#include "ike_msg.h"
#include "lns_ike.h"
#include "lns_map.h"

/* Constants that would be configuration keys (see the report on lib/conf). */
#define IKE_RTX_INITIAL_MS   1000     /* first retransmission of a response we wait on */
#define IKE_RTX_TRIES        5        /* then the exchange is given up (1+2+4+8+16 s) */
#define IKE_REKEY_OVERLAP_MS 30000    /* old child kept after a rekey, RFC 2409 §5.5 */
#define IKE_DPD_RETRY_MS     5000     /* R-U-THERE resent while unanswered, RFC 3706 §5.5 */
#define IKE_RL_BUCKETS       4096     /* per-source token buckets (hashed, shared on collision) */
#define IKE_RL_BURST         20       /* new ISAKMP SAs a source may start at once */
#define IKE_RL_PER_S         10       /* ... and per second after that */
#define IKE_MAX_QM           4        /* concurrent Quick Modes per ISAKMP SA */
#define IKE_NONCE_LEN        32
#define IKE_RECENT_MSGIDS    8
#define IKE_FRAG_SLOTS       32       /* messages being reassembled at once */
#define IKE_FRAG_MAX_N       16       /* fragments of one message */
#define IKE_FRAG_MAX_BYTES   16384    /* bytes of one reassembled message */
#define IKE_FRAG_TIMEOUT_MS  5000     /* to receive every fragment of a message */

#define container_of(p, T, m) ((T *)(void *)((char *)(p) - offsetof(T, m)))

/* --------------------------------------------------------------- state --- */

/* Main Mode responder states (RFC 2409 §5 message pairs): R1 sent message 2 and
 * waits for 3, R2 sent 4 and waits for 5, ESTABLISHED sent 6. RETIRED: the ISAKMP
 * SA itself is gone (expired or deleted by the peer) but its IPsec SAs live on
 * (DESIGN.md: an ISAKMP SA expiring does not take its IPsec SAs with it); it takes
 * no more messages and ends the connection when its last child goes, unless a
 * phase-1 renewal adopts the children first. */
enum ike_sa_state { IKE_MM_R1 = 0, IKE_MM_R2, IKE_ESTABLISHED, IKE_RETIRED };

/* NAT-T dialect agreed by vendor ID (RFC 3947 §3.1, draft-ietf-ipsec-nat-t-ike-0x). */
enum ike_natt { IKE_NATT_NONE = 0, IKE_NATT_DRAFT, IKE_NATT_RFC };

struct ike_sa;

struct ike_child {
	struct ike_child *next;
	struct ike_sa *sa;
	struct lns_map_node h_spi;       /* by c.spi_in, in ike->by_spi */
	struct lns_ike_child c;          /* holds keys: wiped on free */
	struct lns_timer t_life;         /* hard lifetime */
	struct lns_timer t_retire;       /* end of the rekey overlap */
	bool installed;
};

/* Quick Mode responder: R1 sent message 2 and waits for 3 (RFC 2409 §5.5). */
struct ike_qm {
	struct ike_qm *next;
	struct ike_sa *sa;
	uint32_t msgid;
	uint8_t iv[IKE_BLOCK_MAX];
	uint8_t ni[256], nr[IKE_NONCE_LEN];
	size_t ni_len;
	uint8_t req_digest[20];
	uint8_t *resp;
	size_t resp_len;
	struct lns_timer t_rtx;
	unsigned int rtx;
	bool commit;
	struct ike_child *child;         /* keys derived, not yet installed */
};

struct ike_sa {
	struct ike_sa *prev, *next;      /* ike->all */
	struct lns_ike *ike;
	struct lns_map_node h_cky, h_conn, h_peer;   /* by icky, conn, peer */
	uint32_t conn;
	enum ike_sa_state state;
	uint8_t icky[8], rcky[8];
	uint32_t peer;                   /* network order */
	uint16_t peer_port, local_port;
	uint64_t created_ms, last_rx_ms;

	/* negotiated phase 1 */
	char alg_name[32];               /* "aes256-sha256-modp2048", "" before MM1 is answered */
	int enc, group;
	size_t key_len, block;
	enum ike_hash hash;
	uint32_t life_s;
	bool life_shortened;             /* below the initiator's offer: RESPONDER-LIFETIME */
	uint8_t *sai_b;                  /* the initiator's SA payload body, for HASH_I/R */
	size_t sai_len;

	/* key exchange */
	struct ike_dh *dh;
	uint8_t gxi[IKE_DH_MAX], gxy[IKE_DH_MAX];
	size_t gx_len, gxy_len;
	uint8_t ni[256], nr[IKE_NONCE_LEN];
	size_t ni_len;
	struct ike_p1_keys k;
	uint8_t enc_key[32];
	uint8_t iv[IKE_BLOCK_MAX];       /* phase-1 CBC chain */
	uint8_t p1_last[IKE_BLOCK_MAX];  /* last phase-1 block, seeds phase-2 IVs */

	/* peer */
	char peer_id[LNS_CONF_NAME_MAX];
	uint8_t id_proto;
	uint16_t id_port;
	enum ike_natt natt;
	bool nat_peer, nat_local, dpd_peer;
	bool vid_initial_contact;        /* Microsoft's "Vid-Initial-Contact" in message 1 */
	bool frag_peer;                  /* it announced IKEv1 fragmentation (vendor ID) */
	int auth;                        /* IKE_AUTH_PSK or IKE_AUTH_RSA_SIG */
	struct ike_certs *certs;         /* signatures: the set this Main Mode began with
					  * (a reference, dropped once established) */

	/* retransmission of our last response */
	uint8_t req_digest[20];
	bool req_digest_set;
	uint8_t *resp;
	size_t resp_len;
	struct lns_timer t_rtx;
	unsigned int rtx;

	struct lns_timer t_life, t_dpd;
	uint32_t dpd_seq;                /* last R-U-THERE sequence we sent */
	bool dpd_pending;
	uint64_t dpd_since_ms;

	struct ike_child *children;
	uint32_t n_children;
	struct ike_qm *qms;
	uint32_t n_qms;
	uint32_t recent[IKE_RECENT_MSGIDS];  /* finished Quick Mode message ids */
	unsigned int recent_pos;
};

struct ike_frag_slot;

struct ike_bucket {
	uint64_t last_ms;
	uint32_t tokens_milli;           /* tokens * 1000 */
};

struct lns_ike {
	const struct lns_conf *conf;
	struct lns_ike_ops ops;
	void *ctx;
	struct lns_timers *tm;
	struct lns_evlog *log;
	uint32_t ev_tag;             /* ORed into the conn id of our events */
	uint32_t local_addr;             /* network order */
	struct lns_map by_cky, by_conn, by_peer, by_spi;
	struct ike_sa *all;
	uint32_t n_sa, n_half_open;
	bool     draining;               /* lns_ike_set_drain() */
	uint32_t next_conn;
	uint64_t cnt[LNS_IKE_C_MAX];
	struct ike_bucket *rl;
	uint64_t now_ms;                 /* of the call in progress */
	uint16_t in_peer_port, in_local_port; /* of the message in progress */
	struct ike_certs *certs;         /* ipsec.certificates for new Main Modes, NULL = none */
	struct ike_frag_slot *frags;     /* reassembly, IKE_FRAG_SLOTS, on first use */
	uint16_t frag_id;                /* of our last fragmented message */
};

#define CNT(ike, c) ((ike)->cnt[LNS_IKE_C_##c]++)

/* ike_core.c */
void ike_send_sa(struct lns_ike *ike, struct ike_sa *sa, const struct ike_buf *m, int cnt);
int  ike_store_resp(struct ike_sa *sa, uint8_t **slot, size_t *slot_len,
		    const struct ike_buf *m);
void ike_digest(const uint8_t *msg, size_t len, uint8_t out[20]);
int  ike_encrypt(struct ike_sa *sa, struct ike_buf *m, uint8_t *iv);
int  ike_decrypt(struct ike_sa *sa, const uint8_t *msg, size_t len, uint8_t *iv,
		 uint8_t **plain);
void ike_sa_destroy(struct lns_ike *ike, struct ike_sa *sa, bool callbacks, const char *why);
void ike_child_free(struct lns_ike *ike, struct ike_child *ch, bool callback);
void ike_qm_free(struct lns_ike *ike, struct ike_qm *qm);
/* Why ike_p1_acceptable() refuses a transform: one reason per dimension. */
enum ike_p1_verdict {
	IKE_P1_OK = 0, IKE_P1_BAD_CIPHER, IKE_P1_BAD_HASH, IKE_P1_BAD_GROUP, IKE_P1_BAD_AUTH
};
/** Phase-1 transform values (RFC 2409 appendix A) against the operator's lists. */
int ike_p1_acceptable(const struct lns_ipsec_conf *ic, int enc, int keybits, int hash,
		      int group, int auth);

void ike_event(struct lns_ike *ike, enum lns_ev ev, uint32_t conn, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void ike_sa_established(struct lns_ike *ike, struct ike_sa *sa);
struct ike_sa *ike_sa_new(struct lns_ike *ike, uint32_t peer, uint16_t peer_port,
			  uint16_t local_port, const uint8_t icky[8]);
void ike_arm_rtx(struct lns_ike *ike, struct ike_sa *sa);
/** The ISAKMP SA sa is gone (peer Delete, lifetime): its children pass to the
 *  connection's newest ISAKMP SA, or sa is kept RETIRED while it has children, or
 *  the connection ends (conn_down) when it had none. sa is freed or retired. */
void ike_sa_end(struct lns_ike *ike, struct ike_sa *sa, const char *why);
/** End connection conn: every ISAKMP SA of it goes, child_down for every child and
 *  one conn_down when callbacks is set. */
void ike_conn_end(struct lns_ike *ike, uint32_t conn, bool callbacks, const char *why);
/** Does another established ISAKMP SA carry sa's connection (a renewal)? */
bool ike_sa_superseded(const struct lns_ike *ike, const struct ike_sa *sa);
/** After a child of sa went: a RETIRED sa without children ends its connection. */
void ike_sa_child_gone(struct lns_ike *ike, struct ike_sa *sa);
/** Main Mode done on sa: continue a live connection of the same endpoint and
 *  identity (phase-1 renewal) when allowed. @return true when sa joined one. */
bool ike_conn_continue(struct lns_ike *ike, struct ike_sa *sa);

/* ike_frag.c */
extern const uint8_t ike_vid_frag[16];
struct ike_frag {
	uint16_t id;
	uint8_t num;
	bool last;
	const uint8_t *data;
	uint16_t len;
};
/** Parse a fragment payload body (after the generic header). */
int  ike_frag_parse(const uint8_t *body, size_t len, struct ike_frag *f);
/** A message whose first payload is a fragment: keep it. @return 1 with *whole
 *  (malloc'd, the complete message) when it was the missing piece, 0 when kept,
 *  <0 when dropped (counted). */
int  ike_frag_input(struct lns_ike *ike, uint32_t peer, uint16_t peer_port,
		    const struct ike_hdr *h, const uint8_t *msg, size_t len,
		    uint8_t **whole, size_t *whole_len);
/** Send msg as fragments of ipsec.fragment-size. @return 0, or -E2BIG. */
int  ike_frag_send(struct lns_ike *ike, struct ike_sa *sa, const uint8_t *msg, size_t len);
/** Send msg to sa's peer, fragmented when it announced support and msg is big. */
void ike_tx(struct lns_ike *ike, struct ike_sa *sa, const uint8_t *msg, size_t len);
void ike_frag_fini(struct lns_ike *ike);

/* ike_main.c */
int  ike_mm_input(struct lns_ike *ike, struct ike_sa *sa, const struct ike_hdr *h,
		  const uint8_t *msg, size_t len);
void ike_initial_contact(struct lns_ike *ike, struct ike_sa *sa);

/* ike_quick.c */
int  ike_qm_input(struct lns_ike *ike, struct ike_sa *sa, const struct ike_hdr *h,
		  const uint8_t *msg, size_t len);

/* ike_info.c */
int  ike_info_input(struct lns_ike *ike, struct ike_sa *sa, const struct ike_hdr *h,
		    const uint8_t *msg, size_t len);
/** Send one protected Informational with a single N or D payload (RFC 2409 §5.7). */
int  ike_info_send(struct lns_ike *ike, struct ike_sa *sa, uint8_t pl_type,
		   const uint8_t *body, size_t len);
void ike_send_delete_children(struct lns_ike *ike, struct ike_sa *sa);
void ike_send_delete_isakmp(struct lns_ike *ike, struct ike_sa *sa);
void ike_send_notify(struct lns_ike *ike, struct ike_sa *sa, uint16_t type, uint8_t proto,
		     const uint8_t *spi, uint8_t spi_size, const uint8_t *data, size_t dlen);
void ike_dpd_start(struct lns_ike *ike, struct ike_sa *sa);
/** Encode a RESPONDER-LIFETIME body (RFC 2407 §4.6.3.1): life type seconds and
 *  duration, then kilobytes when kb != 0, as attributes of the given types.
 *  @return the length written to out (at most 24). */
size_t ike_life_attrs(uint8_t *out, uint16_t t_type, uint16_t t_dur, uint32_t secs, uint64_t kb);
/** HASH(1)-style check of a protected phase-2 message: first payload HASH, over
 *  M-ID | (pre) | the rest of the chain. @return 0 when it matches. */
int  ike_p2_hash_check(struct ike_sa *sa, uint32_t msgid, const struct ike_pls *pls,
		       const uint8_t *pre, size_t pre_len);

#endif /* IKE_PRIV_H */
