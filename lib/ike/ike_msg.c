/* SPDX-License-Identifier: BSD-3-Clause */
/* ISAKMP message codec (RFC 2408 §3). Every length is checked before a read. */
#include <errno.h>
#include <string.h>

#include "ike_msg.h"

int
ike_hdr_parse(const uint8_t *buf, size_t len, struct ike_hdr *h)
{
	if (len < IKE_HDR_LEN)
		return -EMSGSIZE;
	memcpy(h->icky, buf, 8);
	memcpy(h->rcky, buf + 8, 8);
	h->np = buf[16];
	h->version = buf[17];
	h->exch = buf[18];
	h->flags = buf[19];
	h->msgid = ike_get32(buf + 20);
	h->len = ike_get32(buf + 24);
	/* RFC 2408 §3.1: the length covers header and payloads; a datagram that is
	 * shorter than it says is truncated, a header shorter than itself is nonsense. */
	if (h->len < IKE_HDR_LEN)
		return -EBADMSG;
	if (h->len > len)
		return -EMSGSIZE;
	return 0;
}

int
ike_pl_parse(uint8_t first, const uint8_t *buf, size_t len, bool padded,
	     struct ike_pls *out)
{
	size_t off = 0;
	uint8_t type = first;

	out->n = 0;
	while (type != IKE_PL_NONE) {
		uint16_t plen;

		if (out->n == IKE_MAX_PL)
			return -EBADMSG;
		if (len - off < IKE_GEN_LEN)
			return -EMSGSIZE;
		plen = ike_get16(buf + off + 2);
		if (plen < IKE_GEN_LEN)
			return -EBADMSG;
		if (plen > len - off)
			return -EMSGSIZE;
		out->p[out->n].type = type;
		out->p[out->n].raw = buf + off;
		out->p[out->n].body = buf + off + IKE_GEN_LEN;
		out->p[out->n].len = (uint16_t)(plen - IKE_GEN_LEN);
		out->n++;
		type = buf[off];
		off += plen;
	}
	out->used = off;
	/* Cleartext messages end with their last payload; encrypted ones carry
	 * padding up to the cipher block (RFC 2408 §3.1, RFC 2409 appendix B). */
	if (off != len && !padded)
		return -EBADMSG;
	return 0;
}

const struct ike_pl *
ike_pls_find(const struct ike_pls *pls, uint8_t type, unsigned int idx)
{
	for (unsigned int i = 0; i < pls->n; i++)
		if (pls->p[i].type == type && idx-- == 0)
			return &pls->p[i];
	return NULL;
}

int
ike_attr_next(const uint8_t **p, const uint8_t *end, struct ike_attr *a)
{
	const uint8_t *q = *p;
	uint16_t t;

	if (q == end)
		return 0;
	if (end - q < 4)
		return -EMSGSIZE;
	t = ike_get16(q);
	a->type = t & 0x7fff;
	a->tv = (t & 0x8000) != 0;
	if (a->tv) {
		a->val = q + 2;
		a->len = 2;
		q += 4;
	} else {
		a->len = ike_get16(q + 2);
		if ((size_t)(end - q - 4) < a->len)
			return -EMSGSIZE;
		a->val = q + 4;
		q += 4 + a->len;
	}
	a->num = 0;
	a->num_ok = a->len >= 1 && a->len <= 8;
	if (a->num_ok)
		for (unsigned int i = 0; i < a->len; i++)
			a->num = (a->num << 8) | a->val[i];
	*p = q;
	return 1;
}

/* Transforms inside one proposal: a chain of type-3 payloads (RFC 2408 §3.6). */
static int
parse_xforms(const uint8_t *buf, size_t len, struct ike_prop *pr)
{
	size_t off = 0;
	unsigned int i;

	for (i = 0; i < pr->n_xforms; i++) {
		uint16_t plen;
		struct ike_xform *x = &pr->x[i];
		const uint8_t *q, *end;
		struct ike_attr a;
		int rc;

		if (len - off < 8)
			return -EMSGSIZE;
		plen = ike_get16(buf + off + 2);
		if (plen < 8)
			return -EBADMSG;
		if (plen > len - off)
			return -EMSGSIZE;
		/* the last transform says "none follows", the others "transform" */
		if (buf[off] != (i + 1 == pr->n_xforms ? IKE_PL_NONE : IKE_PL_T))
			return -EBADMSG;
		x->raw = buf + off;
		x->raw_len = plen;
		x->num = buf[off + 4];
		x->id = buf[off + 5];
		x->attrs = buf + off + 8;
		x->attrs_len = (uint16_t)(plen - 8);
		/* attributes must tile the rest of the transform exactly */
		q = x->attrs;
		end = x->attrs + x->attrs_len;
		while ((rc = ike_attr_next(&q, end, &a)) > 0)
			;
		if (rc < 0)
			return -EBADMSG;
		off += plen;
	}
	return off == len ? 0 : -EBADMSG;
}

int
ike_sa_parse(const uint8_t *body, size_t len, struct ike_sa_pl *sa)
{
	size_t off = 8;
	uint8_t np = IKE_PL_P;

	sa->n_props = 0;
	sa->n_pool = 0;
	if (len < 8)
		return -EMSGSIZE;
	sa->doi = ike_get32(body);
	sa->sit = ike_get32(body + 4);
	if (sa->doi != IKE_DOI_IPSEC || sa->sit != IKE_SIT_IDENTITY)
		return -EBADMSG;
	while (np == IKE_PL_P) {
		struct ike_prop *pr;
		uint16_t plen;
		int rc;

		if (sa->n_props == IKE_MAX_PROPS)
			return -EBADMSG;
		if (len - off < 8)
			return -EMSGSIZE;
		np = body[off];
		plen = ike_get16(body + off + 2);
		if (np != IKE_PL_P && np != IKE_PL_NONE)
			return -EBADMSG;
		if (plen < 8)
			return -EBADMSG;
		if (plen > len - off)
			return -EMSGSIZE;
		pr = &sa->prop[sa->n_props];
		pr->num = body[off + 4];
		pr->proto = body[off + 5];
		pr->spi_size = body[off + 6];
		pr->n_xforms = body[off + 7];
		if (pr->spi_size > sizeof(pr->spi) || pr->n_xforms == 0)
			return -EBADMSG;
		if (pr->n_xforms > IKE_MAX_XFORMS_ALL - sa->n_pool)
			return -E2BIG;
		pr->x = &sa->pool[sa->n_pool];
		sa->n_pool += pr->n_xforms;
		if (plen - 8u < pr->spi_size)
			return -EMSGSIZE;
		memcpy(pr->spi, body + off + 8, pr->spi_size);
		rc = parse_xforms(body + off + 8 + pr->spi_size,
				  plen - 8u - pr->spi_size, pr);
		if (rc < 0)
			return rc;
		sa->n_props++;
		off += plen;
	}
	return off == len ? 0 : -EBADMSG;
}

int
ike_id_parse(const uint8_t *body, size_t len, struct ike_id *id)
{
	if (len < 4)
		return -EMSGSIZE;
	id->type = body[0];
	id->proto = body[1];
	id->port = ike_get16(body + 2);
	id->data = body + 4;
	id->len = (uint16_t)(len - 4);
	switch (id->type) {
	case IKE_ID_IPV4_ADDR:
		return id->len == 4 ? 0 : -EBADMSG;
	case IKE_ID_IPV4_SUBNET:
		return id->len == 8 ? 0 : -EBADMSG;
	case IKE_ID_FQDN:
	case IKE_ID_USER_FQDN:
	case IKE_ID_KEY_ID:
	case IKE_ID_DER_ASN1_DN:         /* a DER Name: parsed where it is used */
		return id->len > 0 ? 0 : -EBADMSG;
	default:
		return -EBADMSG;   /* IPv6 and ranges: not for L2TP/IPv4 peers */
	}
}

int
ike_notify_parse(const uint8_t *body, size_t len, struct ike_notify *n)
{
	if (len < 8)
		return -EMSGSIZE;
	n->doi = ike_get32(body);
	n->proto = body[4];
	n->spi_size = body[5];
	n->type = ike_get16(body + 6);
	if (len - 8 < n->spi_size)
		return -EMSGSIZE;
	n->spi = body + 8;
	n->data = body + 8 + n->spi_size;
	n->data_len = (uint16_t)(len - 8 - n->spi_size);
	return 0;
}

int
ike_delete_parse(const uint8_t *body, size_t len, struct ike_delete *d)
{
	if (len < 8)
		return -EMSGSIZE;
	d->doi = ike_get32(body);
	d->proto = body[4];
	d->spi_size = body[5];
	d->n_spi = ike_get16(body + 6);
	d->spis = body + 8;
	if (d->spi_size == 0 || d->n_spi == 0)
		return -EBADMSG;
	if ((len - 8) != (size_t)d->spi_size * d->n_spi)
		return len - 8 < (size_t)d->spi_size * d->n_spi ? -EMSGSIZE : -EBADMSG;
	return 0;
}

int
ike_natoa_parse(const uint8_t *body, size_t len, uint32_t *addr)
{
	if (len < 8)
		return -EMSGSIZE;
	if (body[0] != IKE_ID_IPV4_ADDR || len != 8)
		return -EBADMSG;
	memcpy(addr, body + 4, 4);
	return 0;
}

/* ------------------------------------------------------------ builder --- */

void
ike_buf_init(struct ike_buf *m, const uint8_t icky[8], const uint8_t rcky[8],
	     uint8_t exch, uint8_t flags, uint32_t msgid)
{
	memset(m->b, 0, IKE_HDR_LEN);
	memcpy(m->b, icky, 8);
	memcpy(m->b + 8, rcky, 8);
	m->b[17] = IKE_VERSION_1;
	m->b[18] = exch;
	m->b[19] = flags;
	ike_put32(m->b + 20, msgid);
	m->len = IKE_HDR_LEN;
	m->np_off = 16;
	m->err = false;
}

void
ike_buf_put(struct ike_buf *m, const void *p, size_t n)
{
	if (m->err || n > sizeof(m->b) - m->len) {
		m->err = true;
		return;
	}
	if (n)
		memcpy(m->b + m->len, p, n);
	m->len += n;
}

void
ike_buf_u8(struct ike_buf *m, uint8_t v)
{
	ike_buf_put(m, &v, 1);
}

void
ike_buf_u16(struct ike_buf *m, uint16_t v)
{
	uint8_t b[2];

	ike_put16(b, v);
	ike_buf_put(m, b, 2);
}

void
ike_buf_u32(struct ike_buf *m, uint32_t v)
{
	uint8_t b[4];

	ike_put32(b, v);
	ike_buf_put(m, b, 4);
}

size_t
ike_buf_pl_begin(struct ike_buf *m, uint8_t type)
{
	size_t off = m->len;
	static const uint8_t gen[IKE_GEN_LEN];

	if (!m->err)
		m->b[m->np_off] = type;
	ike_buf_put(m, gen, sizeof(gen));
	m->np_off = off;
	return off;
}

void
ike_buf_pl_end(struct ike_buf *m, size_t off)
{
	if (m->err || m->len - off > UINT16_MAX) {
		m->err = true;
		return;
	}
	ike_put16(m->b + off + 2, (uint16_t)(m->len - off));
}

void
ike_buf_pl(struct ike_buf *m, uint8_t type, const void *body, size_t n)
{
	size_t off = ike_buf_pl_begin(m, type);

	ike_buf_put(m, body, n);
	ike_buf_pl_end(m, off);
}

int
ike_buf_finish(struct ike_buf *m)
{
	if (m->err)
		return -EMSGSIZE;
	ike_put32(m->b + 24, (uint32_t)m->len);
	return 0;
}

int
ike_buf_no_proposal(struct ike_buf *m, const uint8_t icky[8], const uint8_t rcky[8])
{
	uint8_t n[8];

	ike_put32(n, IKE_DOI_IPSEC);
	n[4] = IKE_PROTO_ISAKMP;
	n[5] = 0;
	ike_put16(n + 6, IKE_N_NO_PROPOSAL_CHOSEN);
	ike_buf_init(m, icky, rcky, IKE_EXCH_INFO, 0, 0);
	ike_buf_pl(m, IKE_PL_N, n, sizeof(n));
	return ike_buf_finish(m);
}

void
ike_buf_attr(struct ike_buf *m, uint16_t type, uint32_t val)
{
	if (val <= 0xffff) {
		ike_buf_u16(m, (uint16_t)(0x8000 | type));
		ike_buf_u16(m, (uint16_t)val);
	} else {
		ike_buf_u16(m, type);
		ike_buf_u16(m, 4);
		ike_buf_u32(m, val);
	}
}
