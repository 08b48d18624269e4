/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * L2TPv2 control messages (RFC 2661 §3.1, §4): header, AVPs with M/H bits and
 * vendor ids, hidden AVPs (§4.3), typed getters and putters.
 *
 * Decoding never writes into the caller's buffer: AVP values point into it, except
 * hidden AVPs, whose clear values live in the decoded message's own scratch space.
 * Every length is checked before it is read.
 *
 * Plain C (no DPDK). Thread-safety: none needed (no global state).
 */
#ifndef LNS_L2TP_AVP_H
#define LNS_L2TP_AVP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Header bits, same values as lns_l2tp_data.h (identical redefinition is legal C). */
#define LNS_L2TP_T      0x8000
#define LNS_L2TP_L      0x4000
#define LNS_L2TP_S      0x0800
#define LNS_L2TP_O      0x0200
#define LNS_L2TP_P      0x0100
#define LNS_L2TP_VER    0x000f

/** Largest control message we accept or build (bigger ones are counted drops). */
#define LNS_L2TP_CTL_MAX 4096
/** Control header length: flags, length, tunnel, session, Ns, Nr (§3.1). */
#define LNS_L2TP_CTL_HDR 12

/* AVP flag bits (§4.1). */
#define LNS_AVP_M       0x8000
#define LNS_AVP_H       0x4000
#define LNS_AVP_RSVD    0x3c00
#define LNS_AVP_LEN     0x03ff
#define LNS_AVP_HDR     6

/** Message types (§3.2). */
enum lns_l2tp_msg_type {
	LNS_L2TP_ZLB = 0,   /**< no Message Type AVP at all (not a wire value) */
	LNS_L2TP_SCCRQ = 1, LNS_L2TP_SCCRP = 2, LNS_L2TP_SCCCN = 3, LNS_L2TP_STOPCCN = 4,
	LNS_L2TP_HELLO = 6, LNS_L2TP_OCRQ = 7, LNS_L2TP_OCRP = 8, LNS_L2TP_OCCN = 9,
	LNS_L2TP_ICRQ = 10, LNS_L2TP_ICRP = 11, LNS_L2TP_ICCN = 12, LNS_L2TP_CDN = 14,
	LNS_L2TP_WEN = 15, LNS_L2TP_SLI = 16,
	LNS_L2TP_MSG_MAX = 17
};

/** Attribute types of the IETF vendor (§4.4). */
enum lns_avp_type {
	LNS_AVP_MSG_TYPE = 0, LNS_AVP_RESULT = 1, LNS_AVP_PROTO_VER = 2, LNS_AVP_FRAMING_CAP = 3,
	LNS_AVP_BEARER_CAP = 4, LNS_AVP_TIE_BREAKER = 5, LNS_AVP_FIRMWARE = 6,
	LNS_AVP_HOST_NAME = 7, LNS_AVP_VENDOR_NAME = 8, LNS_AVP_TUNNEL_ID = 9,
	LNS_AVP_RWS = 10, LNS_AVP_CHALLENGE = 11, LNS_AVP_Q931 = 12, LNS_AVP_CHAL_RESP = 13,
	LNS_AVP_SESSION_ID = 14, LNS_AVP_CALL_SERIAL = 15, LNS_AVP_MIN_BPS = 16,
	LNS_AVP_MAX_BPS = 17, LNS_AVP_BEARER_TYPE = 18, LNS_AVP_FRAMING_TYPE = 19,
	LNS_AVP_CALLED = 21, LNS_AVP_CALLING = 22, LNS_AVP_SUB_ADDR = 23,
	LNS_AVP_TX_SPEED = 24, LNS_AVP_PHYS_CHAN = 25, LNS_AVP_LCP_INIT_RX = 26,
	LNS_AVP_LCP_LAST_TX = 27, LNS_AVP_LCP_LAST_RX = 28, LNS_AVP_AUTH_TYPE = 29,
	LNS_AVP_AUTH_NAME = 30, LNS_AVP_AUTH_CHAL = 31, LNS_AVP_AUTH_ID = 32,
	LNS_AVP_AUTH_RESP = 33, LNS_AVP_CALL_ERRORS = 34, LNS_AVP_ACCM = 35,
	LNS_AVP_RANDOM_VECTOR = 36, LNS_AVP_PRIV_GROUP = 37, LNS_AVP_RX_SPEED = 38,
	LNS_AVP_SEQ_REQUIRED = 39,
	LNS_AVP_KNOWN_MAX = 40
};

/** Why a control message was refused by the decoder. */
enum lns_l2tp_derr {
	LNS_L2TP_DOK = 0,
	LNS_L2TP_DERR_TRUNCATED,     /**< buffer shorter than a header or the Length field */
	LNS_L2TP_DERR_VERSION,       /**< version other than 2 (§3.1) */
	LNS_L2TP_DERR_NOT_CONTROL,   /**< T bit clear */
	LNS_L2TP_DERR_BITS,          /**< control message without L or S, or with O or P (§3.1) */
	LNS_L2TP_DERR_LENGTH,        /**< Length field below 12 or above LNS_L2TP_CTL_MAX */
	LNS_L2TP_DERR_AVP_SHORT,     /**< AVP length < 6 (§4.1) */
	LNS_L2TP_DERR_AVP_OVERRUN,   /**< AVP runs past the message end */
	LNS_L2TP_DERR_FIRST_AVP,     /**< first AVP is not Message Type (§4.4.1) */
	LNS_L2TP_DERR_AVP_VALUE,     /**< a known AVP with a wrong value length */
	LNS_L2TP_DERR_HIDDEN,        /**< hidden AVP: no Random Vector/secret, or bad length */
	LNS_L2TP_DERR_MAX
};

/** One decoded AVP of the IETF vendor that we know. */
struct lns_avp_val {
	const uint8_t *p;    /**< value (clear text for hidden AVPs) */
	uint16_t len;
	bool present;
	bool mandatory;
	bool hidden;
};

/** A decoded control message. Large (scratch space): keep it off hot stacks. */
struct lns_l2tp_msg {
	uint16_t flags, length, tunnel_id, session_id, ns, nr;
	uint16_t type;                  /**< enum lns_l2tp_msg_type; LNS_L2TP_ZLB if none */
	bool     type_mandatory;        /**< M bit of the Message Type AVP */
	struct lns_avp_val avp[LNS_AVP_KNOWN_MAX];
	/** first unrecognised AVP with M set (vendor, attribute); valid when unknown_m */
	bool     unknown_m;
	uint16_t unknown_vendor, unknown_attr;
	uint16_t n_avps;                /**< AVPs seen, known or not */
	uint16_t n_duplicates;          /**< repeated known AVPs (the first one counts) */
	bool     dup_msg_type;          /**< a second Message Type AVP (the first one counts) */
	uint8_t  scratch[LNS_L2TP_CTL_MAX]; /**< clear values of hidden AVPs */
};

/**
 * Decode a control message (the UDP payload). `secret` (may be NULL) is the tunnel
 * secret used to unhide hidden AVPs (§4.3). Bytes after the Length field are ignored.
 * @return LNS_L2TP_DOK or the reason; `m` is fully valid only on DOK (header fields
 * are valid from LNS_L2TP_DERR_AVP_SHORT on, so a caller can still answer).
 */
enum lns_l2tp_derr lns_l2tp_decode(const uint8_t *buf, size_t len, const uint8_t *secret,
				   size_t secret_len, struct lns_l2tp_msg *m);

/** Readable decoder error ("truncated"...). */
const char *lns_l2tp_derr_name(enum lns_l2tp_derr e);
/** Readable message type ("SCCRQ"...), "?" if unknown. */
const char *lns_l2tp_msg_name(unsigned int type);
/** Whether a message type is session-related (§4.1 M-bit rule: CDN, not StopCCN). */
bool lns_l2tp_msg_is_session(unsigned int type);

/* ---- typed getters: 0, -ENOENT (absent) or -EBADMSG (wrong length) ---- */
int lns_avp_get_u16(const struct lns_l2tp_msg *m, unsigned int attr, uint16_t *v);
int lns_avp_get_u32(const struct lns_l2tp_msg *m, unsigned int attr, uint32_t *v);
int lns_avp_get_u64(const struct lns_l2tp_msg *m, unsigned int attr, uint64_t *v);
/** Raw value: *p and *len (len may be 0). */
int lns_avp_get_bytes(const struct lns_l2tp_msg *m, unsigned int attr, const uint8_t **p,
		      uint16_t *len);
/** A string AVP copied NUL-terminated (truncated to size-1; control bytes kept). */
int lns_avp_get_str(const struct lns_l2tp_msg *m, unsigned int attr, char *out, size_t size);
/** Result Code AVP (§4.4.2): result, optional error (0 if absent), optional message. */
int lns_avp_get_result(const struct lns_l2tp_msg *m, uint16_t *result, uint16_t *error,
		       const uint8_t **msg, uint16_t *msg_len);
/** Protocol Version AVP: ver and rev (1.0 for RFC 2661). */
int lns_avp_get_proto_ver(const struct lns_l2tp_msg *m, uint8_t *ver, uint8_t *rev);
static inline bool
lns_avp_has(const struct lns_l2tp_msg *m, unsigned int attr)
{
	return attr < LNS_AVP_KNOWN_MAX && m->avp[attr].present;
}

/* ---- encoder ---- */

/** Builder of one control message in a caller buffer. Errors are sticky. */
struct lns_l2tp_enc {
	uint8_t *buf;
	size_t   cap;
	size_t   len;
	bool     overflow;
	const uint8_t *secret;          /**< for hidden AVPs */
	size_t   secret_len;
	const uint8_t *rv;              /**< the last Random Vector put (points into buf) */
	uint16_t rv_len;
};

/** Start a message to (peer) tunnel_id/session_id; Ns/Nr are 0 until set. */
void lns_l2tp_enc_init(struct lns_l2tp_enc *e, uint8_t *buf, size_t cap, uint16_t tunnel_id,
		       uint16_t session_id);
/** Secret for hidden AVPs (not copied: keep it alive while encoding). */
void lns_l2tp_enc_secret(struct lns_l2tp_enc *e, const uint8_t *secret, size_t len);
void lns_avp_put(struct lns_l2tp_enc *e, bool mandatory, uint16_t attr, const void *val,
		 size_t len);
void lns_avp_put_vendor(struct lns_l2tp_enc *e, bool mandatory, uint16_t vendor, uint16_t attr,
			const void *val, size_t len);
void lns_avp_put_u16(struct lns_l2tp_enc *e, bool mandatory, uint16_t attr, uint16_t v);
void lns_avp_put_u32(struct lns_l2tp_enc *e, bool mandatory, uint16_t attr, uint32_t v);
void lns_avp_put_u64(struct lns_l2tp_enc *e, bool mandatory, uint16_t attr, uint64_t v);
void lns_avp_put_str(struct lns_l2tp_enc *e, bool mandatory, uint16_t attr, const char *s);
/** Message Type AVP: must be the first AVP (§4.4.1); always mandatory. */
void lns_avp_put_msg_type(struct lns_l2tp_enc *e, uint16_t type);
/** Result Code AVP: error and message are written when error != 0 or msg != NULL. */
void lns_avp_put_result(struct lns_l2tp_enc *e, uint16_t result, uint16_t error,
			const char *msg);
/** Random Vector AVP (mandatory): later hidden AVPs are hidden with it. */
void lns_avp_put_random_vector(struct lns_l2tp_enc *e, const uint8_t *rv, uint16_t len);
/** A hidden AVP (§4.3): needs a secret and a Random Vector put before it. */
void lns_avp_put_hidden(struct lns_l2tp_enc *e, bool mandatory, uint16_t attr,
			const void *val, size_t len);
/** Finish: write the Length field. @return message length, or -ENOSPC / -EINVAL. */
int lns_l2tp_enc_finish(struct lns_l2tp_enc *e);

/** Overwrite Ns and Nr of a finished message (the transport does this per send). */
void lns_l2tp_set_seq(uint8_t *msg, uint16_t ns, uint16_t nr);

/**
 * Challenge Response (§4.4.3, as CHAP, RFC 1994): MD5(type || secret || challenge),
 * where type is the Message Type of the message carrying the response.
 */
void lns_l2tp_chal_response(uint8_t type, const uint8_t *secret, size_t secret_len,
			    const uint8_t *chal, size_t chal_len, uint8_t out[16]);

#endif /* LNS_L2TP_AVP_H */
