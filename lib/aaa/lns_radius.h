/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * RADIUS codec (RFC 2865, 2866, 2869, 5176): a packet builder, a decoder that
 * checks every length before it reads, the Request/Response Authenticators,
 * Message-Authenticator (HMAC-MD5, RFC 2869 §5.14 / RFC 3579 §3.2) and
 * User-Password hiding (RFC 2865 §5.2).
 *
 * Plain C (OpenSSL libcrypto), no DPDK, no I/O: the client (lns_radius_client.h)
 * and the tests use it as it is.
 *
 * Thread-safety: functions are reentrant; a packet belongs to its caller.
 */
#ifndef LNS_RADIUS_H
#define LNS_RADIUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LNS_RAD_HDR_LEN   20
#define LNS_RAD_MAX_LEN   4096          /**< RFC 2865 §3 */
#define LNS_RAD_AUTH_LEN  16
#define LNS_RAD_ATTR_MAX  253           /**< value octets of one attribute */

/* Codes (RFC 2865 §3, 2866 §3, 5176 §2.3, 5997) */
enum lns_rad_code {
	LNS_RAD_ACCESS_REQUEST    = 1,
	LNS_RAD_ACCESS_ACCEPT     = 2,
	LNS_RAD_ACCESS_REJECT     = 3,
	LNS_RAD_ACCT_REQUEST      = 4,
	LNS_RAD_ACCT_RESPONSE     = 5,
	LNS_RAD_ACCESS_CHALLENGE  = 11,
	LNS_RAD_STATUS_SERVER     = 12,
	LNS_RAD_DISCONNECT_REQUEST = 40,
	LNS_RAD_DISCONNECT_ACK    = 41,
	LNS_RAD_DISCONNECT_NAK    = 42,
	LNS_RAD_COA_REQUEST       = 43,
	LNS_RAD_COA_ACK           = 44,
	LNS_RAD_COA_NAK           = 45,
};

/* Attribute types used by lnsd */
enum lns_rad_attr {
	LNS_RA_USER_NAME = 1, LNS_RA_USER_PASSWORD = 2, LNS_RA_CHAP_PASSWORD = 3,
	LNS_RA_NAS_IP_ADDRESS = 4, LNS_RA_NAS_PORT = 5, LNS_RA_SERVICE_TYPE = 6,
	LNS_RA_FRAMED_PROTOCOL = 7, LNS_RA_FRAMED_IP_ADDRESS = 8, LNS_RA_FRAMED_IP_NETMASK = 9,
	LNS_RA_FILTER_ID = 11, LNS_RA_REPLY_MESSAGE = 18, LNS_RA_FRAMED_ROUTE = 22,
	LNS_RA_STATE = 24, LNS_RA_CLASS = 25, LNS_RA_VENDOR_SPECIFIC = 26,
	LNS_RA_SESSION_TIMEOUT = 27, LNS_RA_IDLE_TIMEOUT = 28,
	LNS_RA_CALLED_STATION_ID = 30, LNS_RA_CALLING_STATION_ID = 31,
	LNS_RA_NAS_IDENTIFIER = 32, LNS_RA_PROXY_STATE = 33,
	LNS_RA_ACCT_STATUS_TYPE = 40, LNS_RA_ACCT_DELAY_TIME = 41,
	LNS_RA_ACCT_INPUT_OCTETS = 42, LNS_RA_ACCT_OUTPUT_OCTETS = 43,
	LNS_RA_ACCT_SESSION_ID = 44, LNS_RA_ACCT_AUTHENTIC = 45,
	LNS_RA_ACCT_SESSION_TIME = 46, LNS_RA_ACCT_INPUT_PACKETS = 47,
	LNS_RA_ACCT_OUTPUT_PACKETS = 48, LNS_RA_ACCT_TERMINATE_CAUSE = 49,
	LNS_RA_ACCT_INPUT_GIGAWORDS = 52, LNS_RA_ACCT_OUTPUT_GIGAWORDS = 53,
	LNS_RA_EVENT_TIMESTAMP = 55, LNS_RA_CHAP_CHALLENGE = 60, LNS_RA_NAS_PORT_TYPE = 61,
	LNS_RA_TUNNEL_TYPE = 64, LNS_RA_TUNNEL_MEDIUM_TYPE = 65,
	LNS_RA_TUNNEL_CLIENT_ENDPOINT = 66, LNS_RA_TUNNEL_SERVER_ENDPOINT = 67,
	LNS_RA_MESSAGE_AUTHENTICATOR = 80, LNS_RA_TUNNEL_ASSIGNMENT_ID = 82,
	LNS_RA_ACCT_INTERIM_INTERVAL = 85, LNS_RA_NAS_PORT_ID = 87, LNS_RA_FRAMED_POOL = 88,
	LNS_RA_TUNNEL_CLIENT_AUTH_ID = 90, LNS_RA_ERROR_CAUSE = 101,
};

#define LNS_RAD_VENDOR_MICROSOFT 311
/* MikroTik (FreeRADIUS dictionary.mikrotik): Mikrotik-Rate-Limit, a string */
#define LNS_RAD_VENDOR_MIKROTIK 14988
#define LNS_RA_MIKROTIK_RATE_LIMIT 8
/* Microsoft vendor types (RFC 2548) */
enum lns_rad_ms_attr {
	LNS_RA_MS_CHAP_ERROR = 2, LNS_RA_MS_CHAP_CHALLENGE = 11,
	LNS_RA_MS_PRIMARY_DNS = 28, LNS_RA_MS_SECONDARY_DNS = 29,
	LNS_RA_MS_CHAP2_RESPONSE = 25, LNS_RA_MS_CHAP2_SUCCESS = 26,
};

/** Acct-Status-Type values (RFC 2866 §5.1) */
enum { LNS_RAD_ACCT_START = 1, LNS_RAD_ACCT_STOP = 2, LNS_RAD_ACCT_INTERIM = 3,
       LNS_RAD_ACCT_ON = 7, LNS_RAD_ACCT_OFF = 8 };

/** Acct-Terminate-Cause values (RFC 2866 §5.10) */
enum lns_rad_term {
	LNS_RAD_TERM_USER_REQUEST = 1, LNS_RAD_TERM_LOST_CARRIER = 2,
	LNS_RAD_TERM_LOST_SERVICE = 3, LNS_RAD_TERM_IDLE_TIMEOUT = 4,
	LNS_RAD_TERM_SESSION_TIMEOUT = 5, LNS_RAD_TERM_ADMIN_RESET = 6,
	LNS_RAD_TERM_ADMIN_REBOOT = 7, LNS_RAD_TERM_PORT_ERROR = 8,
	LNS_RAD_TERM_NAS_ERROR = 9, LNS_RAD_TERM_NAS_REQUEST = 10,
	LNS_RAD_TERM_NAS_REBOOT = 11, LNS_RAD_TERM_PORT_UNNEEDED = 12,
	LNS_RAD_TERM_SERVICE_UNAVAILABLE = 15, LNS_RAD_TERM_CALLBACK = 16,
	LNS_RAD_TERM_USER_ERROR = 17, LNS_RAD_TERM_HOST_REQUEST = 18,
};

/** Error-Cause values (RFC 5176 §3.5) */
enum {
	LNS_RAD_ERR_UNSUPPORTED_ATTRIBUTE = 401, LNS_RAD_ERR_MISSING_ATTRIBUTE = 402,
	LNS_RAD_ERR_INVALID_REQUEST = 404, LNS_RAD_ERR_UNSUPPORTED_SERVICE = 405,
	LNS_RAD_ERR_INVALID_ATTRIBUTE_VALUE = 407,
	LNS_RAD_ERR_SESSION_NOT_FOUND = 503,
};

/** A list of attributes being built (no header): the client keeps requests this
 *  way and adds the per-server parts (authenticator, hidden password, M-A) last. */
struct lns_rad_attrs {
	uint16_t len;
	bool full;                      /**< an add did not fit: the list is unusable */
	uint8_t b[LNS_RAD_MAX_LEN - LNS_RAD_HDR_LEN];
};

void lns_rad_attrs_init(struct lns_rad_attrs *a);
/** Append one attribute (0 < len <= 253). @return 0 or -ENOSPC / -EINVAL (sets full). */
int lns_rad_add(struct lns_rad_attrs *a, uint8_t type, const void *v, size_t len);
int lns_rad_add_u32(struct lns_rad_attrs *a, uint8_t type, uint32_t host_order);
/** Network-order IPv4 address. */
int lns_rad_add_ip(struct lns_rad_attrs *a, uint8_t type, uint32_t addr_be);
/** A string (truncated to 253 octets; "" adds nothing). */
int lns_rad_add_str(struct lns_rad_attrs *a, uint8_t type, const char *s);
/** Tagged tunnel attribute (RFC 2868 §3): tag 0 (none) then the value. For
 *  integer ones (Tunnel-Type, -Medium-Type) the tag takes the first octet. */
int lns_rad_add_tunnel_int(struct lns_rad_attrs *a, uint8_t type, uint32_t v);
/** A 64-bit octet count as the 32-bit `type` attribute plus its Gigawords
 *  attribute (RFC 2869 §5.1/5.2: how many times the 32-bit counter wrapped). */
int lns_rad_add_octets64(struct lns_rad_attrs *a, uint8_t type, uint8_t gigawords_type,
			 uint64_t octets);
/** Vendor-Specific with one sub-attribute (RFC 2865 §5.26). */
int lns_rad_add_vsa(struct lns_rad_attrs *a, uint32_t vendor, uint8_t vtype, const void *v,
		    size_t len);

/**
 * Hide a User-Password (RFC 2865 §5.2) with secret and the Request
 * Authenticator. pw_len <= 128. out receives ceil(pw_len/16)*16 (at least 16)
 * octets. @return that length, or -EINVAL.
 */
int lns_rad_hide_password(const uint8_t *pw, size_t pw_len, const uint8_t *secret,
			  size_t secret_len, const uint8_t req_auth[16], uint8_t *out);
/** The reverse (servers, tests): out gets the padded clear text; @return its length. */
int lns_rad_unhide_password(const uint8_t *hidden, size_t len, const uint8_t *secret,
			    size_t secret_len, const uint8_t req_auth[16], uint8_t *out);

/**
 * Make a complete request packet in out (LNS_RAD_MAX_LEN octets) from attrs.
 * - Access-Request and Status-Server: req_auth is the (random) Request
 *   Authenticator; password (may be NULL) is hidden and added as User-Password.
 * - Accounting, Disconnect and CoA requests: the Request Authenticator is
 *   MD5(code|id|len|16 zeros|attributes|secret) (RFC 2866 §3, RFC 5176 §2.3);
 *   req_auth is ignored and receives the result.
 * With msg_auth a Message-Authenticator is added (over the packet with its own
 * value zeroed, RFC 3579 §3.2; for accounting-style requests the authenticator
 * field counts as zeros, RFC 5176 §3.4).
 * @return the packet length, or -ENOSPC.
 */
int lns_rad_build_request(uint8_t *out, uint8_t code, uint8_t id, uint8_t req_auth[16],
			  const struct lns_rad_attrs *attrs, const uint8_t *password,
			  size_t password_len, bool msg_auth, const uint8_t *secret,
			  size_t secret_len);

/** A response (ACK/NAK, Accept...) to a request with authenticator req_auth:
 *  Response Authenticator = MD5(code|id|len|req_auth|attributes|secret).
 *  @return the length or -ENOSPC. */
int lns_rad_build_response(uint8_t *out, uint8_t code, uint8_t id, const uint8_t req_auth[16],
			   const struct lns_rad_attrs *attrs, bool msg_auth,
			   const uint8_t *secret, size_t secret_len);

/** A decoded packet: pointers into the caller's buffer. */
struct lns_rad_view {
	const uint8_t *pkt;
	uint16_t len;                   /**< from the Length field (trailing octets ignored) */
	uint8_t code, id;
	const uint8_t *auth;            /**< 16 octets */
	int16_t msg_auth_off;           /**< offset of the M-A value, -1 = none */
};

/**
 * Check a datagram: header, Length (20..4096, not beyond n; octets past it are
 * padding, RFC 2865 §3), each attribute length >= 2 and inside the packet, at
 * most one Message-Authenticator and that one 18 octets long.
 * @return 0, or -EBADMSG.
 */
int lns_rad_parse(const uint8_t *b, size_t n, struct lns_rad_view *v);

/** Walk attributes: *pos starts at 0. @return 1 with type/value/len, 0 at the end. */
int lns_rad_next(const struct lns_rad_view *v, size_t *pos, uint8_t *type, const uint8_t **val,
		 uint8_t *len);
/** The first attribute of a type. @return 1 found, 0 not. */
int lns_rad_find(const struct lns_rad_view *v, uint8_t type, const uint8_t **val, uint8_t *len);
/** The first vendor sub-attribute (vendor, vtype) in any Vendor-Specific
 *  (several sub-attributes per VSA are walked, each length checked). */
int lns_rad_find_vsa(const struct lns_rad_view *v, uint32_t vendor, uint8_t vtype,
		     const uint8_t **val, uint8_t *len);
/** The largest rate lnsd takes (bit/s), as the config's policies (4e11). */
#define LNS_RAD_RATE_MAX UINT64_C(400000000000)

/**
 * Parse a Mikrotik-Rate-Limit value, MikroTik's format for PPP subscribers:
 * "rx-rate[/tx-rate] [rx-burst-rate[/tx-burst-rate] [rx-burst-threshold
 * [/tx-burst-threshold] [rx-burst-time[/tx-burst-time] [priority]
 * [rx-rate-min[/tx-rate-min]]]]]", rates as integers with an optional k (1000)
 * or M (10^6) suffix (G, 10^9, accepted too), times in seconds, priority 1..8.
 * rx/tx are seen from the NAS: rx is what it receives from the subscriber
 * (upstream), tx what it sends (downstream); tx omitted = rx; 0 = unlimited.
 * Every field is checked; only the two rates are used (the MikroTik burst
 * scheme has no token-bucket equivalent, see config/lnsd.yaml).
 * @return 0 with *up and *down in bit/s, or -EINVAL.
 */
int lns_rad_parse_rate_limit(const uint8_t *s, size_t n, uint64_t *up, uint64_t *down);

/** Read a 4-octet integer / address attribute; @return 1 found with len 4, else 0. */
int lns_rad_get_u32(const struct lns_rad_view *v, uint8_t type, uint32_t *out);

/**
 * Verify a response to a request whose authenticator was req_auth: the Response
 * Authenticator and, if present, the Message-Authenticator (over the packet with
 * req_auth in the authenticator field). @return 0, -EBADMSG (authenticator),
 * -EPERM (Message-Authenticator wrong).
 */
int lns_rad_verify_response(const struct lns_rad_view *v, const uint8_t req_auth[16],
			    const uint8_t *secret, size_t secret_len);

/**
 * Verify an accounting-style request (Accounting, Disconnect, CoA): its
 * authenticator is MD5(code|id|len|16 zeros|attrs|secret); a Message-Authenticator
 * present is checked with the authenticator field zeroed. @return 0, -EBADMSG,
 * -EPERM.
 */
int lns_rad_verify_request(const struct lns_rad_view *v, const uint8_t *secret,
			   size_t secret_len);

/** Name of a code, for logs ("?" unknown). */
const char *lns_rad_code_name(uint8_t code);

#endif /* LNS_RADIUS_H */
