/* SPDX-License-Identifier: BSD-3-Clause */
/* L2TPv2 control message codec: header, AVPs, hidden AVPs (RFC 2661 §3.1, §4). */
#include <errno.h>
#include <string.h>

#include <openssl/evp.h>

#include "lns_l2tp_avp.h"

static inline uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline void
wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Value length rules of the AVPs we know (§4.4): exact when min == max. 0xffff = any. */
static const struct { uint16_t min, max; } avp_len[LNS_AVP_KNOWN_MAX] = {
	[LNS_AVP_MSG_TYPE] = { 2, 2 },       [LNS_AVP_RESULT] = { 2, 0xffff },
	[LNS_AVP_PROTO_VER] = { 2, 2 },      [LNS_AVP_FRAMING_CAP] = { 4, 4 },
	[LNS_AVP_BEARER_CAP] = { 4, 4 },     [LNS_AVP_TIE_BREAKER] = { 8, 8 },
	[LNS_AVP_FIRMWARE] = { 2, 2 },       [LNS_AVP_HOST_NAME] = { 1, 0xffff },
	[LNS_AVP_VENDOR_NAME] = { 0, 0xffff }, [LNS_AVP_TUNNEL_ID] = { 2, 2 },
	[LNS_AVP_RWS] = { 2, 2 },            [LNS_AVP_CHALLENGE] = { 1, 0xffff },
	[LNS_AVP_Q931] = { 3, 0xffff },      [LNS_AVP_CHAL_RESP] = { 16, 16 },
	[LNS_AVP_SESSION_ID] = { 2, 2 },     [LNS_AVP_CALL_SERIAL] = { 4, 4 },
	[LNS_AVP_MIN_BPS] = { 4, 4 },        [LNS_AVP_MAX_BPS] = { 4, 4 },
	[LNS_AVP_BEARER_TYPE] = { 4, 4 },    [LNS_AVP_FRAMING_TYPE] = { 4, 4 },
	[20] = { 0, 0 },                     [LNS_AVP_CALLED] = { 0, 0xffff },
	[LNS_AVP_CALLING] = { 0, 0xffff },   [LNS_AVP_SUB_ADDR] = { 0, 0xffff },
	[LNS_AVP_TX_SPEED] = { 4, 4 },       [LNS_AVP_PHYS_CHAN] = { 4, 4 },
	[LNS_AVP_LCP_INIT_RX] = { 0, 0xffff }, [LNS_AVP_LCP_LAST_TX] = { 0, 0xffff },
	[LNS_AVP_LCP_LAST_RX] = { 0, 0xffff }, [LNS_AVP_AUTH_TYPE] = { 2, 2 },
	[LNS_AVP_AUTH_NAME] = { 0, 0xffff }, [LNS_AVP_AUTH_CHAL] = { 0, 0xffff },
	[LNS_AVP_AUTH_ID] = { 2, 2 },        [LNS_AVP_AUTH_RESP] = { 0, 0xffff },
	[LNS_AVP_CALL_ERRORS] = { 26, 26 },  [LNS_AVP_ACCM] = { 10, 10 },
	[LNS_AVP_RANDOM_VECTOR] = { 1, 0xffff }, [LNS_AVP_PRIV_GROUP] = { 0, 0xffff },
	[LNS_AVP_RX_SPEED] = { 4, 4 },       [LNS_AVP_SEQ_REQUIRED] = { 0, 0 },
};

static const char *const derr_names[LNS_L2TP_DERR_MAX] = {
	"ok", "truncated", "bad-version", "not-control", "bad-header-bits", "bad-length",
	"avp-too-short", "avp-overrun", "first-avp-not-message-type", "avp-bad-value-length",
	"hidden-avp",
};

const char *
lns_l2tp_derr_name(enum lns_l2tp_derr e)
{
	return (unsigned int)e < LNS_L2TP_DERR_MAX ? derr_names[e] : "?";
}

static const char *const msg_names[LNS_L2TP_MSG_MAX] = {
	[0] = "ZLB", [1] = "SCCRQ", [2] = "SCCRP", [3] = "SCCCN", [4] = "StopCCN",
	[6] = "HELLO", [7] = "OCRQ", [8] = "OCRP", [9] = "OCCN", [10] = "ICRQ",
	[11] = "ICRP", [12] = "ICCN", [14] = "CDN", [15] = "WEN", [16] = "SLI",
};

const char *
lns_l2tp_msg_name(unsigned int type)
{
	return type < LNS_L2TP_MSG_MAX && msg_names[type] ? msg_names[type] : "?";
}

bool
lns_l2tp_msg_is_session(unsigned int type)
{
	return type >= LNS_L2TP_OCRQ && type <= LNS_L2TP_SLI && type != 13;
}

/*
 * The hiding chain of §4.3: b1 = MD5(attr(2) || secret || RV), bi = MD5(secret || c(i-1)),
 * and ci = pi XOR bi over 16-byte chunks. `ct` is always the hidden (cipher) side, so
 * the same walk serves both directions.
 */
static int
hide_chain(uint16_t attr, const uint8_t *secret, size_t secret_len, const uint8_t *rv,
	   size_t rv_len, const uint8_t *in, uint8_t *out, size_t len, bool hiding)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	uint8_t b[16], a[2], prev[16];
	unsigned int bl;
	int rc = -ENOMEM;

	if (ctx == NULL)
		return rc;
	wr16(a, attr);
	for (size_t off = 0; off < len; off += 16) {
		size_t n = len - off < 16 ? len - off : 16;

		if (EVP_DigestInit_ex(ctx, EVP_md5(), NULL) != 1)
			goto out;
		if (off == 0) {
			if (EVP_DigestUpdate(ctx, a, 2) != 1 ||
			    EVP_DigestUpdate(ctx, secret, secret_len) != 1 ||
			    EVP_DigestUpdate(ctx, rv, rv_len) != 1)
				goto out;
		} else if (EVP_DigestUpdate(ctx, secret, secret_len) != 1 ||
			   EVP_DigestUpdate(ctx, prev, 16) != 1) {
			goto out;
		}
		if (EVP_DigestFinal_ex(ctx, b, &bl) != 1)
			goto out;
		/* keep the cipher chunk before out overwrites it (in may equal out) */
		if (!hiding && n == 16)
			memcpy(prev, in + off, 16);
		for (size_t i = 0; i < n; i++)
			out[off + i] = in[off + i] ^ b[i];
		if (hiding && n == 16)
			memcpy(prev, out + off, 16);
	}
	rc = 0;
out:
	EVP_MD_CTX_free(ctx);
	return rc;
}

enum lns_l2tp_derr
lns_l2tp_decode(const uint8_t *buf, size_t len, const uint8_t *secret, size_t secret_len,
		struct lns_l2tp_msg *m)
{
	const uint8_t *rv = NULL;
	uint16_t rv_len = 0;
	size_t off, msg_len, scratch_used = 0;

	memset(m, 0, offsetof(struct lns_l2tp_msg, scratch));
	if (len < 2)
		return LNS_L2TP_DERR_TRUNCATED;
	m->flags = rd16(buf);
	/* §3.1: version 2 is L2TPv2 (1 would be L2F, 3 L2TPv3); checked before the rest */
	if ((m->flags & LNS_L2TP_VER) != 2)
		return LNS_L2TP_DERR_VERSION;
	if (!(m->flags & LNS_L2TP_T))
		return LNS_L2TP_DERR_NOT_CONTROL;
	/* §3.1: control messages MUST have L and S set and O, P clear */
	if ((m->flags & (LNS_L2TP_L | LNS_L2TP_S)) != (LNS_L2TP_L | LNS_L2TP_S) ||
	    (m->flags & (LNS_L2TP_O | LNS_L2TP_P)))
		return LNS_L2TP_DERR_BITS;
	if (len < LNS_L2TP_CTL_HDR)
		return LNS_L2TP_DERR_TRUNCATED;
	m->length = rd16(buf + 2);
	if (m->length < LNS_L2TP_CTL_HDR || m->length > LNS_L2TP_CTL_MAX)
		return LNS_L2TP_DERR_LENGTH;
	if (m->length > len)
		return LNS_L2TP_DERR_TRUNCATED;
	m->tunnel_id = rd16(buf + 4);
	m->session_id = rd16(buf + 6);
	m->ns = rd16(buf + 8);
	m->nr = rd16(buf + 10);
	msg_len = m->length;
	m->type = LNS_L2TP_ZLB;

	for (off = LNS_L2TP_CTL_HDR; off < msg_len;) {
		uint16_t fl, alen, vendor, attr, vlen;
		const uint8_t *val;
		bool known;

		if (msg_len - off < LNS_AVP_HDR)
			return LNS_L2TP_DERR_AVP_OVERRUN;
		fl = rd16(buf + off);
		alen = fl & LNS_AVP_LEN;
		if (alen < LNS_AVP_HDR)
			return LNS_L2TP_DERR_AVP_SHORT;
		if (alen > msg_len - off)
			return LNS_L2TP_DERR_AVP_OVERRUN;
		vendor = rd16(buf + off + 2);
		attr = rd16(buf + off + 4);
		val = buf + off + LNS_AVP_HDR;
		vlen = (uint16_t)(alen - LNS_AVP_HDR);
		off += alen;
		m->n_avps++;

		if (m->n_avps == 1 && !(vendor == 0 && attr == LNS_AVP_MSG_TYPE))
			return LNS_L2TP_DERR_FIRST_AVP;
		/* §4.1: set reserved bits make an AVP unrecognised, like an unknown attribute */
		known = vendor == 0 && attr < LNS_AVP_KNOWN_MAX && attr != 20 &&
			!(fl & LNS_AVP_RSVD);
		if (!known) {
			if ((fl & LNS_AVP_M) && !m->unknown_m) {
				m->unknown_m = true;
				m->unknown_vendor = vendor;
				m->unknown_attr = attr;
			}
			continue;       /* §4.1: unknown AVPs without M are ignored */
		}
		if (fl & LNS_AVP_H) {
			uint8_t *clear = m->scratch + scratch_used;
			uint16_t orig;

			/* §4.3: needs a preceding Random Vector and the shared secret */
			if (rv == NULL || secret == NULL || secret_len == 0 || vlen < 2 ||
			    attr == LNS_AVP_RANDOM_VECTOR || attr == LNS_AVP_MSG_TYPE)
				return LNS_L2TP_DERR_HIDDEN;
			if (hide_chain(attr, secret, secret_len, rv, rv_len, val, clear, vlen,
				       false) != 0)
				return LNS_L2TP_DERR_HIDDEN;
			orig = rd16(clear);
			if (orig > vlen - 2)
				return LNS_L2TP_DERR_HIDDEN;
			scratch_used += vlen;   /* <= msg_len <= sizeof(scratch) */
			val = clear + 2;
			vlen = orig;
		}
		if (vlen < avp_len[attr].min ||
		    (avp_len[attr].max != 0xffff && vlen > avp_len[attr].max))
			return LNS_L2TP_DERR_AVP_VALUE;
		if (attr == LNS_AVP_RANDOM_VECTOR) {
			/* §4.3: each Random Vector applies to the hidden AVPs after it */
			rv = val;
			rv_len = vlen;
		}
		if (m->avp[attr].present) {
			m->n_duplicates++;
			m->dup_msg_type |= attr == LNS_AVP_MSG_TYPE;
			continue;
		}
		m->avp[attr].present = true;
		m->avp[attr].p = val;
		m->avp[attr].len = vlen;
		m->avp[attr].mandatory = (fl & LNS_AVP_M) != 0;
		m->avp[attr].hidden = (fl & LNS_AVP_H) != 0;
		if (attr == LNS_AVP_MSG_TYPE) {
			m->type = rd16(val);
			m->type_mandatory = (fl & LNS_AVP_M) != 0;
		}
	}
	return LNS_L2TP_DOK;
}

/* ------------------------------------------------------------ getters --- */

static int
get_fixed(const struct lns_l2tp_msg *m, unsigned int attr, uint16_t want, const uint8_t **p)
{
	if (!lns_avp_has(m, attr))
		return -ENOENT;
	if (m->avp[attr].len != want)
		return -EBADMSG;
	*p = m->avp[attr].p;
	return 0;
}

int
lns_avp_get_u16(const struct lns_l2tp_msg *m, unsigned int attr, uint16_t *v)
{
	const uint8_t *p;
	int rc = get_fixed(m, attr, 2, &p);

	if (rc == 0)
		*v = rd16(p);
	return rc;
}

int
lns_avp_get_u32(const struct lns_l2tp_msg *m, unsigned int attr, uint32_t *v)
{
	const uint8_t *p;
	int rc = get_fixed(m, attr, 4, &p);

	if (rc == 0)
		*v = (uint32_t)rd16(p) << 16 | rd16(p + 2);
	return rc;
}

int
lns_avp_get_u64(const struct lns_l2tp_msg *m, unsigned int attr, uint64_t *v)
{
	const uint8_t *p;
	int rc = get_fixed(m, attr, 8, &p);

	if (rc == 0) {
		*v = 0;
		for (int i = 0; i < 8; i++)
			*v = *v << 8 | p[i];
	}
	return rc;
}

int
lns_avp_get_bytes(const struct lns_l2tp_msg *m, unsigned int attr, const uint8_t **p,
		  uint16_t *len)
{
	if (!lns_avp_has(m, attr))
		return -ENOENT;
	*p = m->avp[attr].p;
	*len = m->avp[attr].len;
	return 0;
}

int
lns_avp_get_str(const struct lns_l2tp_msg *m, unsigned int attr, char *out, size_t size)
{
	size_t n;

	if (size == 0)
		return -EINVAL;
	out[0] = '\0';
	if (!lns_avp_has(m, attr))
		return -ENOENT;
	n = m->avp[attr].len < size - 1 ? m->avp[attr].len : size - 1;
	memcpy(out, m->avp[attr].p, n);
	out[n] = '\0';
	return 0;
}

int
lns_avp_get_result(const struct lns_l2tp_msg *m, uint16_t *result, uint16_t *error,
		   const uint8_t **msg, uint16_t *msg_len)
{
	const struct lns_avp_val *a = &m->avp[LNS_AVP_RESULT];

	if (!a->present)
		return -ENOENT;
	/* §4.4.2: 2 bytes result, then optionally 2 bytes error, then optionally text */
	if (a->len < 2 || a->len == 3)
		return -EBADMSG;
	*result = rd16(a->p);
	*error = a->len >= 4 ? rd16(a->p + 2) : 0;
	if (msg != NULL) {
		*msg = a->len > 4 ? a->p + 4 : NULL;
		*msg_len = a->len > 4 ? (uint16_t)(a->len - 4) : 0;
	}
	return 0;
}

int
lns_avp_get_proto_ver(const struct lns_l2tp_msg *m, uint8_t *ver, uint8_t *rev)
{
	const uint8_t *p;
	int rc = get_fixed(m, LNS_AVP_PROTO_VER, 2, &p);

	if (rc == 0) {
		*ver = p[0];
		*rev = p[1];
	}
	return rc;
}

/* ------------------------------------------------------------ encoder --- */

void
lns_l2tp_enc_init(struct lns_l2tp_enc *e, uint8_t *buf, size_t cap, uint16_t tunnel_id,
		  uint16_t session_id)
{
	memset(e, 0, sizeof(*e));
	e->buf = buf;
	e->cap = cap < LNS_L2TP_CTL_MAX ? cap : LNS_L2TP_CTL_MAX;
	if (e->cap < LNS_L2TP_CTL_HDR) {
		e->overflow = true;
		return;
	}
	wr16(buf, LNS_L2TP_T | LNS_L2TP_L | LNS_L2TP_S | 2);
	wr16(buf + 2, 0);
	wr16(buf + 4, tunnel_id);
	wr16(buf + 6, session_id);
	wr16(buf + 8, 0);
	wr16(buf + 10, 0);
	e->len = LNS_L2TP_CTL_HDR;
}

void
lns_l2tp_enc_secret(struct lns_l2tp_enc *e, const uint8_t *secret, size_t len)
{
	e->secret = secret;
	e->secret_len = len;
}

/* Reserve an AVP of value length vlen; NULL (and sticky overflow) when it cannot fit. */
static uint8_t *
avp_start(struct lns_l2tp_enc *e, uint16_t flags, uint16_t vendor, uint16_t attr, size_t vlen)
{
	uint8_t *p;

	if (e->overflow || vlen > LNS_AVP_LEN - LNS_AVP_HDR ||
	    e->cap - e->len < LNS_AVP_HDR + vlen) {
		e->overflow = true;
		return NULL;
	}
	p = e->buf + e->len;
	wr16(p, (uint16_t)(flags | (LNS_AVP_HDR + vlen)));
	wr16(p + 2, vendor);
	wr16(p + 4, attr);
	e->len += LNS_AVP_HDR + vlen;
	return p + LNS_AVP_HDR;
}

void
lns_avp_put_vendor(struct lns_l2tp_enc *e, bool mandatory, uint16_t vendor, uint16_t attr,
		   const void *val, size_t len)
{
	uint8_t *p = avp_start(e, mandatory ? LNS_AVP_M : 0, vendor, attr, len);

	if (p != NULL && len > 0)
		memcpy(p, val, len);
}

void
lns_avp_put(struct lns_l2tp_enc *e, bool mandatory, uint16_t attr, const void *val, size_t len)
{
	lns_avp_put_vendor(e, mandatory, 0, attr, val, len);
}

void
lns_avp_put_u16(struct lns_l2tp_enc *e, bool mandatory, uint16_t attr, uint16_t v)
{
	uint8_t b[2];

	wr16(b, v);
	lns_avp_put(e, mandatory, attr, b, 2);
}

void
lns_avp_put_u32(struct lns_l2tp_enc *e, bool mandatory, uint16_t attr, uint32_t v)
{
	uint8_t b[4];

	wr16(b, (uint16_t)(v >> 16));
	wr16(b + 2, (uint16_t)v);
	lns_avp_put(e, mandatory, attr, b, 4);
}

void
lns_avp_put_u64(struct lns_l2tp_enc *e, bool mandatory, uint16_t attr, uint64_t v)
{
	uint8_t b[8];

	for (int i = 7; i >= 0; i--, v >>= 8)
		b[i] = (uint8_t)v;
	lns_avp_put(e, mandatory, attr, b, 8);
}

void
lns_avp_put_str(struct lns_l2tp_enc *e, bool mandatory, uint16_t attr, const char *s)
{
	lns_avp_put(e, mandatory, attr, s, strlen(s));
}

void
lns_avp_put_msg_type(struct lns_l2tp_enc *e, uint16_t type)
{
	if (e->len != LNS_L2TP_CTL_HDR)
		e->overflow = true;     /* §4.4.1: it must come first; a caller bug */
	lns_avp_put_u16(e, true, LNS_AVP_MSG_TYPE, type);
}

void
lns_avp_put_result(struct lns_l2tp_enc *e, uint16_t result, uint16_t error, const char *msg)
{
	size_t ml = msg != NULL ? strlen(msg) : 0;
	size_t vlen = (error != 0 || ml > 0) ? 4 + ml : 2;
	uint8_t *p = avp_start(e, LNS_AVP_M, 0, LNS_AVP_RESULT, vlen);

	if (p == NULL)
		return;
	wr16(p, result);
	if (vlen > 2) {
		wr16(p + 2, error);
		if (ml > 0)
			memcpy(p + 4, msg, ml);
	}
}

void
lns_avp_put_random_vector(struct lns_l2tp_enc *e, const uint8_t *rv, uint16_t len)
{
	uint8_t *p = avp_start(e, LNS_AVP_M, 0, LNS_AVP_RANDOM_VECTOR, len);

	if (p == NULL)
		return;
	memcpy(p, rv, len);
	e->rv = p;
	e->rv_len = len;
}

void
lns_avp_put_hidden(struct lns_l2tp_enc *e, bool mandatory, uint16_t attr, const void *val,
		   size_t len)
{
	uint8_t *p;

	if (e->rv == NULL || e->secret == NULL || e->secret_len == 0) {
		e->overflow = true;
		return;
	}
	p = avp_start(e, (uint16_t)((mandatory ? LNS_AVP_M : 0) | LNS_AVP_H), 0, attr, len + 2);
	if (p == NULL)
		return;
	/* §4.3: hidden subformat = original length, value (no padding: we do not hide
	 * lengths) */
	wr16(p, (uint16_t)len);
	if (len > 0)
		memcpy(p + 2, val, len);
	if (hide_chain(attr, e->secret, e->secret_len, e->rv, e->rv_len, p, p, len + 2,
		       true) != 0)
		e->overflow = true;
}

int
lns_l2tp_enc_finish(struct lns_l2tp_enc *e)
{
	if (e->overflow)
		return -ENOSPC;
	wr16(e->buf + 2, (uint16_t)e->len);
	return (int)e->len;
}

void
lns_l2tp_set_seq(uint8_t *msg, uint16_t ns, uint16_t nr)
{
	wr16(msg + 8, ns);
	wr16(msg + 10, nr);
}

void
lns_l2tp_chal_response(uint8_t type, const uint8_t *secret, size_t secret_len,
		       const uint8_t *chal, size_t chal_len, uint8_t out[16])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int l;

	memset(out, 0, 16);
	if (ctx == NULL)
		return;
	if (EVP_DigestInit_ex(ctx, EVP_md5(), NULL) == 1 &&
	    EVP_DigestUpdate(ctx, &type, 1) == 1 &&
	    EVP_DigestUpdate(ctx, secret, secret_len) == 1 &&
	    EVP_DigestUpdate(ctx, chal, chal_len) == 1)
		EVP_DigestFinal_ex(ctx, out, &l);
	EVP_MD_CTX_free(ctx);
}
