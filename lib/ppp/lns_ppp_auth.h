/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The authenticator interface: a PPP session hands a request to an
 * authenticator and gets the verdict later, through lns_ppp_auth_done(), so a
 * RADIUS client can plug in without changing the automaton. The local
 * authenticator (users of conf->ppp.users) answers from inside start().
 *
 * The request's pointers are valid only during start(): an asynchronous
 * authenticator copies what it needs. If the session is destroyed before the
 * verdict, cancel() is called and the verdict must not be delivered.
 *
 * Thread-safety: none; control lcore only.
 */
#ifndef LNS_PPP_AUTH_H
#define LNS_PPP_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lns_conf.h"

struct lns_ppp;

#define LNS_AUTH_USER_MAX 255          /* PAP Peer-ID / CHAP Name are at most 255 octets */

struct lns_auth_req {
	enum lns_ppp_auth method;
	const char *user;              /**< NUL-terminated (a name holding NUL is refused before) */
	const uint8_t *password;       /**< PAP: the password as sent */
	size_t password_len;
	uint8_t chap_id;               /**< CHAP / MS-CHAPv2 Identifier */
	const uint8_t *challenge;      /**< CHAP-MD5: our challenge; MS-CHAPv2: the 16-byte
					*   authenticator challenge */
	size_t challenge_len;
	const uint8_t *response;       /**< CHAP-MD5: the 16-byte hash; MS-CHAPv2: the 49-byte
					*   Response value (peer challenge, reserved, NT-Response, flags) */
	size_t response_len;
};

#define LNS_MSCHAP_AUTH_RESP_LEN 42    /* "S=" + 40 hex digits (RFC 2759 §8.7) */

struct lns_auth_result {
	bool ok;
	char auth_response[LNS_MSCHAP_AUTH_RESP_LEN + 1]; /**< MS-CHAPv2 "S=..." when ok */
	uint32_t addr;                 /**< the user's static address (network order), 0 = pool */
	char pool[LNS_CONF_NAME_MAX];  /**< the user's pool, "" = conf->ppp.default_pool */
	uint32_t dns[2];               /**< per-user DNS (network order), 0 = ppp.dns */
	char message[128];             /**< text for the PAP Ack/Nak or CHAP Success/Failure
					*   (a RADIUS Reply-Message), "" = the default text */
	char reason[96];               /**< for the log only, never sent to the peer: where
					*   the verdict came from and, on failure, why
					*   (key=value words, e.g. "radius=reject");
					*   "" = nothing to add (ops->auth's reason) */
};

struct lns_authenticator {
	/** Verify req for session p; the verdict comes through lns_ppp_auth_done(),
	 *  possibly from inside this call. @return 0, or -errno (= failure). */
	int  (*start)(const struct lns_authenticator *a, struct lns_ppp *p,
		      const struct lns_auth_req *req);
	/** Session p goes away with a request pending: drop it. May be NULL. */
	void (*cancel)(const struct lns_authenticator *a, struct lns_ppp *p);
	void *arg;
};

/** The verdict for the pending request of p: reported once through the
 *  session's ops->auth (with r->reason), then answered to the peer. A verdict
 *  when none is pending is counted (stale-auth-verdict), not reported, ignored. */
void lns_ppp_auth_done(struct lns_ppp *p, const struct lns_auth_result *r, uint64_t now_ms);

/** The ctx a session was created with (lns_ppp_create()): lets an authenticator
 *  find its owner's state. */
void *lns_ppp_ctx(const struct lns_ppp *p);

/** The local users' verdict for q, without delivering it: fills r (ok, address,
 *  pool, MS-CHAPv2 authenticator response, reason). For an authenticator that
 *  falls back to the local users and reports the verdict itself. */
void lns_auth_local_verify(const struct lns_authenticator *a, const struct lns_auth_req *q,
			   struct lns_auth_result *r);

/** The authenticator for conf->ppp.users (hash lookup, constant-time compares).
 *  conf must outlive it. NULL on ENOMEM. */
struct lns_authenticator *lns_auth_local_create(const struct lns_conf *conf);
void lns_auth_local_free(struct lns_authenticator *a);
/** Reload: use conf's users from now on (the old conf may be freed after).
 *  0, or -ENOMEM with the old users kept. */
int lns_auth_local_set_conf(struct lns_authenticator *a, const struct lns_conf *conf);

/* ---- the algorithms, exposed for tests and for other authenticators ---- */

/** NtPasswordHash (RFC 2759 §8.3): MD4 of the UTF-16LE password (ASCII/UTF-8 input
 *  is widened byte by byte, as Windows does for ASCII). */
void lns_mschap_nt_hash(const uint8_t *pw, size_t pw_len, uint8_t hash[16]);
/** GenerateNTResponse (RFC 2759 §8.1). */
void lns_mschap_nt_response(const uint8_t auth_chal[16], const uint8_t peer_chal[16],
			    const char *user, const uint8_t nt_hash[16], uint8_t resp[24]);
/** GenerateAuthenticatorResponse (RFC 2759 §8.7): "S=" + 40 upper-case hex, NUL-terminated. */
void lns_mschap_auth_response(const uint8_t nt_hash[16], const uint8_t nt_resp[24],
			      const uint8_t peer_chal[16], const uint8_t auth_chal[16],
			      const char *user, char out[LNS_MSCHAP_AUTH_RESP_LEN + 1]);
/** CHAP-MD5 (RFC 1994 §4.1): MD5(id || secret || challenge). */
void lns_chap_md5(uint8_t id, const uint8_t *secret, size_t secret_len,
		  const uint8_t *chal, size_t chal_len, uint8_t out[16]);
/** MD4 (RFC 1320) and one DES-ECB block with a 7-byte key (RFC 2759 §8.6). */
void lns_md4(const uint8_t *data, size_t len, uint8_t out[16]);
void lns_des_7(const uint8_t key7[7], const uint8_t in[8], uint8_t out[8]);

#endif /* LNS_PPP_AUTH_H */
