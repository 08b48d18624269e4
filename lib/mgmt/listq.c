/* SPDX-License-Identifier: BSD-3-Clause */
/* Query parameters of the /lns/ list commands. See lns_listq.h for the grammar. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

#include "lns_listq.h"

static const struct {
	const char *name;
	unsigned int bit;
} lq_keys[] = {
	{ "from", LNS_LQ_FROM },
	{ "limit", LNS_LQ_LIMIT },
	{ "peer", LNS_LQ_PEER },
	{ "user", LNS_LQ_USER },
	{ "state", LNS_LQ_STATE },
	{ "profile", LNS_LQ_PROFILE },
	{ "tunnel", LNS_LQ_TUNNEL },
};

#define N_KEYS (sizeof(lq_keys) / sizeof(lq_keys[0]))

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Undo %XX escapes of `len` bytes at `s` into dst (size bytes). A decoded NUL, a bad
 * escape or an overlong value fail. */
static int
unescape(char *dst, size_t size, const char *s, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (c == '%') {
			int hi, lo;

			if (i + 2 >= len)   /* both digits must be there */
				return -EINVAL;
			hi = hexval(s[i + 1]);
			lo = hexval(s[i + 2]);
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
				return -EINVAL;
			c = (char)(hi << 4 | lo);
			i += 2;
		}
		if (o + 1 >= size)
			return -E2BIG;
		dst[o++] = c;
	}
	dst[o] = '\0';
	return 0;
}

/* Unsigned decimal, the whole text, at most `max`. */
static int
parse_u32(const char *s, size_t len, uint32_t max, uint32_t *out)
{
	uint64_t v = 0;

	if (len == 0 || len > 10)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > max)
		return -ERANGE;
	*out = (uint32_t)v;
	return 0;
}

int
lns_listq_parse_prefix(const char *s, uint32_t *addr, uint32_t *mask)
{
	char ip[INET_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	size_t iplen = slash != NULL ? (size_t)(slash - s) : strlen(s);
	uint32_t len = 32, a, m;
	struct in_addr in;

	if (iplen == 0 || iplen >= sizeof(ip))
		return -EINVAL;
	memcpy(ip, s, iplen);
	ip[iplen] = '\0';
	if (inet_pton(AF_INET, ip, &in) != 1)
		return -EINVAL;
	if (slash != NULL && parse_u32(slash + 1, strlen(slash + 1), 32, &len) != 0)
		return -EINVAL;
	m = len == 0 ? 0 : htonl(~0u << (32 - len));
	a = in.s_addr;
	if ((a & ~m) != 0)
		return -EINVAL;   /* host bits set: most likely a typo in the length */
	*addr = a;
	*mask = m;
	return 0;
}

static int
parse_item(const char *item, size_t len, unsigned int allowed, struct lns_listq *q, char *err,
	   size_t errlen)
{
	const char *eq = memchr(item, '=', len);
	size_t klen = eq != NULL ? (size_t)(eq - item) : len;
	const char *v = eq != NULL ? eq + 1 : NULL;
	size_t vlen = eq != NULL ? len - klen - 1 : 0;
	char val[LNS_LQ_STR_MAX + 24];
	unsigned int bit = 0;
	const char *name = NULL;
	uint32_t u;
	int rc;

	for (size_t k = 0; k < N_KEYS; k++)
		if (strlen(lq_keys[k].name) == klen && memcmp(lq_keys[k].name, item, klen) == 0) {
			bit = lq_keys[k].bit;
			name = lq_keys[k].name;
		}
	if (bit == 0 || (allowed & bit) == 0) {
		size_t o = 0;

		o += (size_t)snprintf(err, errlen, "unknown parameter '%.*s': expected",
				      (int)(klen > 20 ? 20 : klen), item);
		for (size_t k = 0; k < N_KEYS && o < errlen; k++)
			if (allowed & lq_keys[k].bit)
				o += (size_t)snprintf(err + o, errlen - o, " %s=", lq_keys[k].name);
		return -EINVAL;
	}
	if (q->set & bit) {
		snprintf(err, errlen, "parameter %s given twice", name);
		return -EINVAL;
	}
	if (v == NULL || vlen == 0) {
		snprintf(err, errlen, "parameter %s needs a value (%s=VALUE)", name, name);
		return -EINVAL;
	}
	rc = unescape(val, bit & (LNS_LQ_USER | LNS_LQ_STATE | LNS_LQ_PROFILE) ?
		      LNS_LQ_STR_MAX : sizeof(val), v, vlen);
	if (rc != 0) {
		snprintf(err, errlen, rc == -E2BIG ? "value of %s longer than %d bytes" :
			 "bad %%XX escape in the value of %s", name, LNS_LQ_STR_MAX - 1);
		return -EINVAL;
	}
	switch (bit) {
	case LNS_LQ_FROM:
		if (parse_u32(val, strlen(val), UINT32_MAX, &q->from) != 0)
			goto bad_number;
		break;
	case LNS_LQ_LIMIT:
		if (parse_u32(val, strlen(val), LNS_LQ_LIMIT_MAX, &q->limit) != 0 || q->limit == 0)
			goto bad_number;
		break;
	case LNS_LQ_TUNNEL:
		if (parse_u32(val, strlen(val), UINT16_MAX, &u) != 0 || u == 0)
			goto bad_number;
		q->tunnel = (uint16_t)u;
		break;
	case LNS_LQ_PEER:
		if (lns_listq_parse_prefix(val, &q->peer, &q->peer_mask) != 0) {
			snprintf(err, errlen, "bad peer '%.40s': expected A.B.C.D or A.B.C.D/LEN "
				 "with no host bits", val);
			return -EINVAL;
		}
		break;
	case LNS_LQ_USER:
		memcpy(q->user, val, strlen(val) + 1);
		break;
	case LNS_LQ_STATE:
		memcpy(q->state, val, strlen(val) + 1);
		break;
	case LNS_LQ_PROFILE:
		memcpy(q->profile, val, strlen(val) + 1);
		break;
	}
	q->set |= bit;
	return 0;
bad_number:
	snprintf(err, errlen, "bad %s '%.20s': expected %s", name, val,
		 bit == LNS_LQ_FROM ? "0 to 4294967295" :
		 bit == LNS_LQ_LIMIT ? "1 to 1000000" : "a tunnel id, 1 to 65535");
	return -EINVAL;
}

int
lns_listq_parse(const char *params, unsigned int allowed, struct lns_listq *q, char *err,
		size_t errlen)
{
	memset(q, 0, sizeof(*q));
	if (params == NULL || *params == '\0')
		return 0;
	for (const char *p = params;;) {
		size_t len = strcspn(p, ",");

		if (len == 0) {
			snprintf(err, errlen, "empty parameter (two commas, or one at an end)");
			return -EINVAL;
		}
		if (parse_item(p, len, allowed, q, err, errlen) != 0)
			return -EINVAL;
		if (p[len] == '\0')
			return 0;
		p += len + 1;
	}
}

bool
lns_listq_match_peer(const struct lns_listq *q, uint32_t addr_be)
{
	return !(q->set & LNS_LQ_PEER) || (addr_be & q->peer_mask) == q->peer;
}

bool
lns_listq_match_str(const struct lns_listq *q, unsigned int key, const char *value)
{
	const char *want;

	if (!(q->set & key))
		return true;
	if (value == NULL)
		return false;
	switch (key) {
	case LNS_LQ_USER:
		want = q->user;
		break;
	case LNS_LQ_STATE:
		want = q->state;
		break;
	case LNS_LQ_PROFILE:
		want = q->profile;
		break;
	default:
		return true;
	}
	return strcmp(want, value) == 0;
}

bool
lns_listq_match_tunnel(const struct lns_listq *q, uint16_t tid)
{
	return !(q->set & LNS_LQ_TUNNEL) || q->tunnel == tid;
}

size_t
lns_listq_escape(char *dst, size_t size, const char *src)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (const unsigned char *s = (const unsigned char *)src; *s != '\0'; s++) {
		bool esc = *s <= 0x20 || *s >= 0x7f || *s == ',' || *s == '=' || *s == '%';
		char tmp[3] = { (char)*s, 0, 0 };
		size_t n = 1;

		if (esc) {
			tmp[0] = '%';
			tmp[1] = hex[*s >> 4];
			tmp[2] = hex[*s & 15];
			n = 3;
		}
		for (size_t i = 0; i < n; i++, o++)
			if (o + 1 < size)
				dst[o] = tmp[i];
	}
	if (size > 0)
		dst[o < size ? o : size - 1] = '\0';
	return o;
}
