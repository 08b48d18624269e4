/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Query parameters of the /lns/ list commands (/lns/tunnels, /lns/sessions,
 * /lns/sa): pagination and filters. Plain C, no DPDK: lnsd parses and matches
 * with it, lnsctl builds requests with it, and tests run it without a daemon.
 *
 * Grammar of a request's parameter string (what follows the first ','):
 *
 *     params = [ item *( "," item ) ]
 *     item   = key "=" value
 *     key    = "from" | "limit" | "peer" | "user" | "state" | "profile" | "tunnel"
 *
 *  - from=N     first id (tunnel id, session or SA handle) of the page; a reply with
 *               more to come carries "next": N, the value to send as from= next time
 *  - limit=N    at most N entries in the page (1..1000000; lnsd may send fewer, to
 *               stay under DPDK telemetry's 16 KiB reply limit)
 *  - peer=A.B.C.D or peer=A.B.C.D/LEN   the peer's outer address, or a prefix
 *  - user=NAME, state=S, profile=P      exact, case-sensitive match
 *  - tunnel=ID  local tunnel id, 1..65535
 *
 * A value may not contain ',', so ',', '=', '%', control characters, space and bytes
 * above 0x7e are written as %XX (two hex digits); lns_listq_escape() does it. A key
 * given twice, a key the list does not take and an empty item are errors.
 *
 * Thread-safety: all functions are reentrant.
 */
#ifndef LNS_LISTQ_H
#define LNS_LISTQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Keys, as bits of `allowed` and of lns_listq.set. */
#define LNS_LQ_FROM    0x01u
#define LNS_LQ_LIMIT   0x02u
#define LNS_LQ_PEER    0x04u
#define LNS_LQ_USER    0x08u
#define LNS_LQ_STATE   0x10u
#define LNS_LQ_PROFILE 0x20u
#define LNS_LQ_TUNNEL  0x40u

/** Keys each list takes. */
#define LNS_LQ_TUNNELS  (LNS_LQ_FROM | LNS_LQ_LIMIT | LNS_LQ_PEER | LNS_LQ_STATE | \
			 LNS_LQ_PROFILE | LNS_LQ_TUNNEL)
#define LNS_LQ_SESSIONS (LNS_LQ_FROM | LNS_LQ_LIMIT | LNS_LQ_PEER | LNS_LQ_USER | \
			 LNS_LQ_STATE | LNS_LQ_TUNNEL)
#define LNS_LQ_SAS      (LNS_LQ_FROM | LNS_LQ_LIMIT | LNS_LQ_PEER | LNS_LQ_STATE)

/** Longest user, state or profile value, NUL included (user names: 64 in lnsd). */
#define LNS_LQ_STR_MAX 64
/** Largest limit= accepted. */
#define LNS_LQ_LIMIT_MAX 1000000u

/** A parsed query. Fields whose bit is not in `set` are zero. */
struct lns_listq {
	unsigned int set;         /**< LNS_LQ_* given */
	uint32_t from;            /**< first id of the page */
	uint32_t limit;           /**< most entries wanted */
	uint32_t peer;            /**< network order, masked */
	uint32_t peer_mask;       /**< network order */
	uint16_t tunnel;
	char user[LNS_LQ_STR_MAX];
	char state[LNS_LQ_STR_MAX];
	char profile[LNS_LQ_STR_MAX];
};

/**
 * Parse a parameter string (NULL or "" = no parameters) into `q`, accepting only
 * the keys in `allowed`.
 * @return 0, or -EINVAL with a one-line reason in `err` (which names the key).
 */
int lns_listq_parse(const char *params, unsigned int allowed, struct lns_listq *q, char *err,
		    size_t errlen);

/**
 * Parse "A.B.C.D" (a /32) or "A.B.C.D/LEN" (LEN 0..32; host bits must be zero).
 * @return 0 with address and mask in network order, or -EINVAL.
 */
int lns_listq_parse_prefix(const char *s, uint32_t *addr, uint32_t *mask);

/** Whether address `addr_be` (network order) passes the peer filter (true if none). */
bool lns_listq_match_peer(const struct lns_listq *q, uint32_t addr_be);

/**
 * Whether `value` passes the filter of `key` (LNS_LQ_USER, _STATE or _PROFILE):
 * true when that filter is not set; a NULL value never matches a set filter.
 */
bool lns_listq_match_str(const struct lns_listq *q, unsigned int key, const char *value);

/** Whether tunnel id `tid` passes the tunnel filter (true if none). */
bool lns_listq_match_tunnel(const struct lns_listq *q, uint16_t tid);

/**
 * Escape `src` for use as a value (see the file comment), snprintf-style.
 * @return the length of the full escaped text (excluding the NUL); the output was
 *         cut if that is >= size.
 */
size_t lns_listq_escape(char *dst, size_t size, const char *src);

#endif /* LNS_LISTQ_H */
