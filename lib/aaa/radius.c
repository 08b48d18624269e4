/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RADIUS codec: build, parse (every length checked before use), authenticators,
 * Message-Authenticator and User-Password hiding.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "lns_radius.h"

/* ------------------------------------------------------------- hashes --- */

struct md5_part {
	const void *p;
	size_t n;
};

static void
md5v(const struct md5_part *parts, int n, uint8_t out[16])
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	unsigned int ol = 16;

	if (c == NULL || EVP_DigestInit_ex(c, EVP_md5(), NULL) != 1) {
		memset(out, 0, 16);     /* fails verification, never a forged match */
		EVP_MD_CTX_free(c);
		return;
	}
	for (int i = 0; i < n; i++)
		if (parts[i].n > 0)
			EVP_DigestUpdate(c, parts[i].p, parts[i].n);
	EVP_DigestFinal_ex(c, out, &ol);
	EVP_MD_CTX_free(c);
}

static void
hmac_md5(const uint8_t *key, size_t klen, const uint8_t *d, size_t n, uint8_t out[16])
{
	unsigned int ol = 16;

	if (HMAC(EVP_md5(), key, (int)klen, d, n, out, &ol) == NULL)
		memset(out, 0, 16);
}

/* ---------------------------------------------------------- attributes --- */

void
lns_rad_attrs_init(struct lns_rad_attrs *a)
{
	a->len = 0;
	a->full = false;
}

int
lns_rad_add(struct lns_rad_attrs *a, uint8_t type, const void *v, size_t len)
{
	if (len == 0 || len > LNS_RAD_ATTR_MAX) {
		a->full = true;
		return -EINVAL;
	}
	if ((size_t)a->len + 2 + len > sizeof(a->b)) {
		a->full = true;
		return -ENOSPC;
	}
	a->b[a->len] = type;
	a->b[a->len + 1] = (uint8_t)(len + 2);
	memcpy(&a->b[a->len + 2], v, len);
	a->len = (uint16_t)(a->len + 2 + len);
	return 0;
}

int
lns_rad_add_u32(struct lns_rad_attrs *a, uint8_t type, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };

	return lns_rad_add(a, type, b, 4);
}

int
lns_rad_add_ip(struct lns_rad_attrs *a, uint8_t type, uint32_t addr_be)
{
	return lns_rad_add(a, type, &addr_be, 4);
}

int
lns_rad_add_str(struct lns_rad_attrs *a, uint8_t type, const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0;

	if (n == 0)
		return 0;
	return lns_rad_add(a, type, s, n > LNS_RAD_ATTR_MAX ? LNS_RAD_ATTR_MAX : n);
}

int
lns_rad_add_tunnel_int(struct lns_rad_attrs *a, uint8_t type, uint32_t v)
{
	/* RFC 2868 §3.1: Tag (1 octet) + 3-octet value */
	uint8_t b[4] = { 0, (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };

	return lns_rad_add(a, type, b, 4);
}

int
lns_rad_add_octets64(struct lns_rad_attrs *a, uint8_t type, uint8_t gigawords_type,
		     uint64_t octets)
{
	int rc = lns_rad_add_u32(a, type, (uint32_t)octets);

	return rc != 0 ? rc : lns_rad_add_u32(a, gigawords_type, (uint32_t)(octets >> 32));
}

int
lns_rad_add_vsa(struct lns_rad_attrs *a, uint32_t vendor, uint8_t vtype, const void *v,
		size_t len)
{
	uint8_t b[LNS_RAD_ATTR_MAX];

	if (len == 0 || len > LNS_RAD_ATTR_MAX - 6) {
		a->full = true;
		return -EINVAL;
	}
	b[0] = 0;               /* Vendor-Id: high octet 0, then the SMI code */
	b[1] = (uint8_t)(vendor >> 16);
	b[2] = (uint8_t)(vendor >> 8);
	b[3] = (uint8_t)vendor;
	b[4] = vtype;
	b[5] = (uint8_t)(len + 2);
	memcpy(&b[6], v, len);
	return lns_rad_add(a, LNS_RA_VENDOR_SPECIFIC, b, len + 6);
}

/* ----------------------------------------------------------- passwords --- */

/* RFC 2865 §5.2: c(1) = p(1) ^ MD5(S + RA), c(i) = p(i) ^ MD5(S + c(i-1)).
 * in and out may be the same buffer: the cipher block is kept before it is
 * overwritten when unhiding. */
static int
password_xor(const uint8_t *in, size_t len, const uint8_t *secret, size_t slen,
	     const uint8_t ra[16], uint8_t *out, bool hide)
{
	uint8_t b[16], chain[16];

	memcpy(chain, ra, 16);
	for (size_t i = 0; i < len; i += 16) {
		struct md5_part parts[2] = { { secret, slen }, { chain, 16 } };
		uint8_t cipher[16];

		md5v(parts, 2, b);
		if (!hide)
			memcpy(cipher, &in[i], 16);
		for (int k = 0; k < 16; k++)
			out[i + k] = in[i + k] ^ b[k];
		memcpy(chain, hide ? &out[i] : cipher, 16);
	}
	OPENSSL_cleanse(b, sizeof(b));
	return (int)len;
}

int
lns_rad_hide_password(const uint8_t *pw, size_t pw_len, const uint8_t *secret,
		      size_t secret_len, const uint8_t req_auth[16], uint8_t *out)
{
	size_t padded = pw_len == 0 ? 16 : (pw_len + 15) / 16 * 16;
	uint8_t clear[128];
	int r;

	if (pw_len > 128)
		return -EINVAL;
	memset(clear, 0, sizeof(clear));
	memcpy(clear, pw, pw_len);
	r = password_xor(clear, padded, secret, secret_len, req_auth, out, true);
	OPENSSL_cleanse(clear, sizeof(clear));
	return r;
}

int
lns_rad_unhide_password(const uint8_t *hidden, size_t len, const uint8_t *secret,
			size_t secret_len, const uint8_t req_auth[16], uint8_t *out)
{
	if (len == 0 || len % 16 != 0 || len > 128)
		return -EINVAL;
	return password_xor(hidden, len, secret, secret_len, req_auth, out, false);
}

/* -------------------------------------------------------------- packets --- */

static bool
acct_style(uint8_t code)
{
	return code == LNS_RAD_ACCT_REQUEST || code == LNS_RAD_DISCONNECT_REQUEST ||
	       code == LNS_RAD_COA_REQUEST;
}

static void
put_hdr(uint8_t *out, uint8_t code, uint8_t id, size_t len)
{
	out[0] = code;
	out[1] = id;
	out[2] = (uint8_t)(len >> 8);
	out[3] = (uint8_t)len;
}

/* Message-Authenticator over out[0..len) with the authenticator field holding
 * auth_field and the M-A value (at ma_off) zeroed; the result goes in place. */
static void
sign_ma(uint8_t *out, size_t len, size_t ma_off, const uint8_t auth_field[16],
	const uint8_t *secret, size_t slen)
{
	uint8_t saved[16], mac[16];

	memcpy(saved, &out[4], 16);
	memcpy(&out[4], auth_field, 16);
	memset(&out[ma_off], 0, 16);
	hmac_md5(secret, slen, out, len, mac);
	memcpy(&out[ma_off], mac, 16);
	memcpy(&out[4], saved, 16);
}

int
lns_rad_build_request(uint8_t *out, uint8_t code, uint8_t id, uint8_t req_auth[16],
		      const struct lns_rad_attrs *attrs, const uint8_t *password,
		      size_t password_len, bool msg_auth, const uint8_t *secret,
		      size_t secret_len)
{
	static const uint8_t zero[16];
	size_t len = LNS_RAD_HDR_LEN, ma_off = 0;

	if (attrs->full)
		return -ENOSPC;
	if (len + attrs->len + (password ? 2 + 128 : 0) + (msg_auth ? 18 : 0) > LNS_RAD_MAX_LEN)
		return -ENOSPC;
	memcpy(&out[len], attrs->b, attrs->len);
	len += attrs->len;
	if (password != NULL) {
		int n = lns_rad_hide_password(password, password_len, secret, secret_len,
					      req_auth, &out[len + 2]);

		if (n < 0)
			return n;
		out[len] = LNS_RA_USER_PASSWORD;
		out[len + 1] = (uint8_t)(n + 2);
		len += (size_t)n + 2;
	}
	if (msg_auth) {
		out[len] = LNS_RA_MESSAGE_AUTHENTICATOR;
		out[len + 1] = 18;
		ma_off = len + 2;
		len += 18;
	}
	put_hdr(out, code, id, len);
	if (acct_style(code)) {
		struct md5_part parts[3];

		if (msg_auth)
			sign_ma(out, len, ma_off, zero, secret, secret_len);
		memset(&out[4], 0, 16);
		parts[0] = (struct md5_part){ out, len };
		parts[1] = (struct md5_part){ secret, secret_len };
		md5v(parts, 2, req_auth);
		memcpy(&out[4], req_auth, 16);
	} else {
		memcpy(&out[4], req_auth, 16);
		if (msg_auth)
			sign_ma(out, len, ma_off, req_auth, secret, secret_len);
	}
	return (int)len;
}

int
lns_rad_build_response(uint8_t *out, uint8_t code, uint8_t id, const uint8_t req_auth[16],
		       const struct lns_rad_attrs *attrs, bool msg_auth,
		       const uint8_t *secret, size_t secret_len)
{
	size_t len = LNS_RAD_HDR_LEN, ma_off = 0;
	struct md5_part parts[2];
	uint8_t ra[16];

	if (attrs->full || len + attrs->len + (msg_auth ? 18 : 0) > LNS_RAD_MAX_LEN)
		return -ENOSPC;
	memcpy(&out[len], attrs->b, attrs->len);
	len += attrs->len;
	if (msg_auth) {
		out[len] = LNS_RA_MESSAGE_AUTHENTICATOR;
		out[len + 1] = 18;
		ma_off = len + 2;
		len += 18;
	}
	put_hdr(out, code, id, len);
	memcpy(&out[4], req_auth, 16);
	if (msg_auth)   /* RFC 3579 §3.2: computed with the Request Authenticator */
		sign_ma(out, len, ma_off, req_auth, secret, secret_len);
	parts[0] = (struct md5_part){ out, len };
	parts[1] = (struct md5_part){ secret, secret_len };
	md5v(parts, 2, ra);
	memcpy(&out[4], ra, 16);
	return (int)len;
}

int
lns_rad_parse(const uint8_t *b, size_t n, struct lns_rad_view *v)
{
	size_t len, pos;
	int ma = 0;

	if (n < LNS_RAD_HDR_LEN)
		return -EBADMSG;
	len = (size_t)b[2] << 8 | b[3];
	if (len < LNS_RAD_HDR_LEN || len > LNS_RAD_MAX_LEN || len > n)
		return -EBADMSG;
	v->pkt = b;
	v->len = (uint16_t)len;
	v->code = b[0];
	v->id = b[1];
	v->auth = &b[4];
	v->msg_auth_off = -1;
	for (pos = LNS_RAD_HDR_LEN; pos < len;) {
		uint8_t alen;

		if (len - pos < 2)
			return -EBADMSG;
		alen = b[pos + 1];
		if (alen < 2 || alen > len - pos)
			return -EBADMSG;
		if (b[pos] == LNS_RA_MESSAGE_AUTHENTICATOR) {
			if (alen != 18 || ++ma > 1)
				return -EBADMSG;
			v->msg_auth_off = (int16_t)(pos + 2);
		}
		pos += alen;
	}
	return 0;
}

int
lns_rad_next(const struct lns_rad_view *v, size_t *pos, uint8_t *type, const uint8_t **val,
	     uint8_t *len)
{
	size_t p = *pos < LNS_RAD_HDR_LEN ? LNS_RAD_HDR_LEN : *pos;

	/* lns_rad_parse() checked the chain; still guard against a caller's view */
	if (p + 2 > v->len || v->pkt[p + 1] < 2 || p + v->pkt[p + 1] > v->len)
		return 0;
	*type = v->pkt[p];
	*val = &v->pkt[p + 2];
	*len = (uint8_t)(v->pkt[p + 1] - 2);
	*pos = p + v->pkt[p + 1];
	return 1;
}

int
lns_rad_find(const struct lns_rad_view *v, uint8_t type, const uint8_t **val, uint8_t *len)
{
	size_t pos = 0;
	uint8_t t;

	while (lns_rad_next(v, &pos, &t, val, len))
		if (t == type)
			return 1;
	return 0;
}

int
lns_rad_find_vsa(const struct lns_rad_view *v, uint32_t vendor, uint8_t vtype,
		 const uint8_t **val, uint8_t *len)
{
	const uint8_t *d;
	size_t pos = 0;
	uint8_t t, n;

	while (lns_rad_next(v, &pos, &t, &d, &n)) {
		uint32_t vid;

		if (t != LNS_RA_VENDOR_SPECIFIC || n < 4)
			continue;
		vid = (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 | (uint32_t)d[2] << 8 | d[3];
		if (vid != vendor)
			continue;
		/* sub-attributes: type, length (>= 2), value (RFC 2865 §5.26) */
		for (size_t i = 4; i + 2 <= n;) {
			uint8_t sl = d[i + 1];

			if (sl < 2 || i + sl > n)
				break;
			if (d[i] == vtype) {
				*val = &d[i + 2];
				*len = (uint8_t)(sl - 2);
				return 1;
			}
			i += sl;
		}
	}
	return 0;
}

/* One number of a Mikrotik-Rate-Limit field: digits, then k/M/G if rate. */
static int
rate_num(const uint8_t *s, size_t n, bool rate, uint64_t *out)
{
	uint64_t v = 0, mul = 1;
	size_t i = 0;

	if (n == 0)
		return -EINVAL;
	if (rate && (s[n - 1] == 'k' || s[n - 1] == 'K' || s[n - 1] == 'M' ||
		     s[n - 1] == 'G')) {
		mul = s[n - 1] == 'G' ? 1000000000u : s[n - 1] == 'M' ? 1000000u : 1000u;
		n--;
	}
	if (n == 0 || n > 12)   /* 12 digits: more than any rate or time we take */
		return -EINVAL;
	for (; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	v *= mul;
	if (rate && v > LNS_RAD_RATE_MAX)
		return -EINVAL;
	*out = v;
	return 0;
}

int
lns_rad_parse_rate_limit(const uint8_t *s, size_t n, uint64_t *up, uint64_t *down)
{
	uint64_t pair[6][2];
	unsigned f = 0;
	size_t i = 0;

	while (n > 0 && s[n - 1] == ' ')       /* trailing blanks; never a NUL inside */
		n--;
	while (i < n && s[i] == ' ')
		i++;
	if (i == n)
		return -EINVAL;
	while (i < n) {
		size_t b = i, slash = SIZE_MAX;

		if (f == 6)
			return -EINVAL;         /* more fields than the format has */
		while (i < n && s[i] != ' ') {
			if (s[i] == '/') {
				if (slash != SIZE_MAX)
					return -EINVAL;
				slash = i;
			}
			i++;
		}
		/* field 5 (index 4) is the priority, 1..8, never a pair */
		if (f == 4) {
			if (slash != SIZE_MAX || rate_num(s + b, i - b, false, &pair[f][0]) != 0 ||
			    pair[f][0] < 1 || pair[f][0] > 8)
				return -EINVAL;
		} else {
			bool rate = f != 3;     /* field 4 (index 3): burst times, seconds */
			size_t e0 = slash != SIZE_MAX ? slash : i;

			if (rate_num(s + b, e0 - b, rate, &pair[f][0]) != 0)
				return -EINVAL;
			if (slash == SIZE_MAX)
				pair[f][1] = pair[f][0];
			else if (rate_num(s + slash + 1, i - slash - 1, rate, &pair[f][1]) != 0)
				return -EINVAL;
		}
		f++;
		while (i < n && s[i] == ' ')
			i++;
	}
	*up = pair[0][0];
	*down = pair[0][1];
	return 0;
}

int
lns_rad_get_u32(const struct lns_rad_view *v, uint8_t type, uint32_t *out)
{
	const uint8_t *d;
	uint8_t n;

	if (!lns_rad_find(v, type, &d, &n) || n != 4)
		return 0;
	*out = (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 | (uint32_t)d[2] << 8 | d[3];
	return 1;
}

/* Check the M-A of v with auth_field standing in the authenticator field. */
static int
check_ma(const struct lns_rad_view *v, const uint8_t auth_field[16], const uint8_t *secret,
	 size_t slen)
{
	uint8_t copy[LNS_RAD_MAX_LEN], mac[16];

	if (v->msg_auth_off < 0)
		return 0;
	memcpy(copy, v->pkt, v->len);
	memcpy(&copy[4], auth_field, 16);
	memset(&copy[v->msg_auth_off], 0, 16);
	hmac_md5(secret, slen, copy, v->len, mac);
	return CRYPTO_memcmp(mac, &v->pkt[v->msg_auth_off], 16) == 0 ? 0 : -EPERM;
}

int
lns_rad_verify_response(const struct lns_rad_view *v, const uint8_t req_auth[16],
			const uint8_t *secret, size_t secret_len)
{
	struct md5_part parts[4] = {
		{ v->pkt, 4 }, { req_auth, 16 },
		{ v->pkt + LNS_RAD_HDR_LEN, (size_t)v->len - LNS_RAD_HDR_LEN },
		{ secret, secret_len },
	};
	uint8_t ra[16];

	md5v(parts, 4, ra);
	if (CRYPTO_memcmp(ra, v->auth, 16) != 0)
		return -EBADMSG;
	return check_ma(v, req_auth, secret, secret_len);
}

int
lns_rad_verify_request(const struct lns_rad_view *v, const uint8_t *secret, size_t secret_len)
{
	static const uint8_t zero[16];
	struct md5_part parts[4] = {
		{ v->pkt, 4 }, { zero, 16 },
		{ v->pkt + LNS_RAD_HDR_LEN, (size_t)v->len - LNS_RAD_HDR_LEN },
		{ secret, secret_len },
	};
	uint8_t ra[16];

	md5v(parts, 4, ra);
	if (CRYPTO_memcmp(ra, v->auth, 16) != 0)
		return -EBADMSG;
	return check_ma(v, zero, secret, secret_len);
}

const char *
lns_rad_code_name(uint8_t code)
{
	switch (code) {
	case LNS_RAD_ACCESS_REQUEST: return "Access-Request";
	case LNS_RAD_ACCESS_ACCEPT: return "Access-Accept";
	case LNS_RAD_ACCESS_REJECT: return "Access-Reject";
	case LNS_RAD_ACCT_REQUEST: return "Accounting-Request";
	case LNS_RAD_ACCT_RESPONSE: return "Accounting-Response";
	case LNS_RAD_ACCESS_CHALLENGE: return "Access-Challenge";
	case LNS_RAD_STATUS_SERVER: return "Status-Server";
	case LNS_RAD_DISCONNECT_REQUEST: return "Disconnect-Request";
	case LNS_RAD_DISCONNECT_ACK: return "Disconnect-ACK";
	case LNS_RAD_DISCONNECT_NAK: return "Disconnect-NAK";
	case LNS_RAD_COA_REQUEST: return "CoA-Request";
	case LNS_RAD_COA_ACK: return "CoA-ACK";
	case LNS_RAD_COA_NAK: return "CoA-NAK";
	default: return "?";
	}
}
