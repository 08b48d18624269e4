/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ISAKMP message codec (RFC 2408 §3): header, generic payload chain, SA /
 * Proposal / Transform with data attributes, and a builder. Decoders check every
 * length before they read and return -EBADMSG (malformed) or -EMSGSIZE
 * (truncated); they never copy, the parsed views point into the input.
 */
#ifndef IKE_MSG_H
#define IKE_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike_proto.h"

struct ike_hdr {
	uint8_t  icky[8], rcky[8];
	uint8_t  np, version, exch, flags;
	uint32_t msgid;     /* host order */
	uint32_t len;       /* host order */
};

/** Parse the 28-byte header; len must be >= the header's length field. */
int ike_hdr_parse(const uint8_t *buf, size_t len, struct ike_hdr *h);

#define IKE_MAX_PL 24

struct ike_pl {
	uint8_t  type;
	uint16_t len;          /* body length (payload length - 4) */
	const uint8_t *body;
	const uint8_t *raw;    /* the generic header */
};

struct ike_pls {
	struct ike_pl p[IKE_MAX_PL];
	unsigned int n;
	size_t used;           /* bytes the chain covers (the rest is padding) */
};

/**
 * Walk a payload chain starting with type `first` over buf[0..len). Trailing
 * bytes after the last payload are allowed only when `padded` (an encrypted body).
 */
int ike_pl_parse(uint8_t first, const uint8_t *buf, size_t len, bool padded,
		 struct ike_pls *out);
/** The idx-th payload of a type, or NULL. */
const struct ike_pl *ike_pls_find(const struct ike_pls *pls, uint8_t type, unsigned int idx);

/* Data attribute, RFC 2408 §3.3: TV (AF=1) or TLV. */
struct ike_attr {
	uint16_t type;
	bool     tv;
	const uint8_t *val;
	uint16_t len;
	uint64_t num;          /* value as a number when len <= 8 */
	bool     num_ok;
};

/** Next attribute from *p (advanced). @return 1 got one, 0 at end, <0 malformed. */
int ike_attr_next(const uint8_t **p, const uint8_t *end, struct ike_attr *a);

/* The wire bounds (RFC 2408 §3.5: one octet each for the proposal number and the
 * transform count), so every well-formed SA payload fits; the transforms of all
 * proposals share one pool, which a 64 KiB message of 8-byte transforms could
 * overflow only past IKE_MAX_XFORMS_ALL (then -E2BIG). */
#define IKE_MAX_XFORMS     255
#define IKE_MAX_PROPS      256
#define IKE_MAX_XFORMS_ALL 2048

struct ike_xform {
	uint8_t  num, id;
	const uint8_t *attrs;
	uint16_t attrs_len;
	const uint8_t *raw;    /* the transform payload with its generic header */
	uint16_t raw_len;
};

struct ike_prop {
	uint8_t  num, proto, spi_size, n_xforms;
	uint8_t  spi[16];
	struct ike_xform *x;   /* n_xforms entries in the owning ike_sa_pl's pool */
};

/* Large: keep it static or on the heap, and never copy it (x points into it). */
struct ike_sa_pl {
	uint32_t doi, sit;
	struct ike_prop prop[IKE_MAX_PROPS];
	unsigned int n_props;
	struct ike_xform pool[IKE_MAX_XFORMS_ALL];
	unsigned int n_pool;
};

/** Parse an SA payload body (RFC 2408 §3.4-3.6, situation SIT_IDENTITY_ONLY). */
int ike_sa_parse(const uint8_t *body, size_t len, struct ike_sa_pl *sa);

struct ike_id {
	uint8_t  type, proto;
	uint16_t port;
	const uint8_t *data;
	uint16_t len;
};
int ike_id_parse(const uint8_t *body, size_t len, struct ike_id *id);

struct ike_notify {
	uint32_t doi;
	uint8_t  proto, spi_size;
	uint16_t type;
	const uint8_t *spi;
	const uint8_t *data;
	uint16_t data_len;
};
int ike_notify_parse(const uint8_t *body, size_t len, struct ike_notify *n);

struct ike_delete {
	uint32_t doi;
	uint8_t  proto, spi_size;
	uint16_t n_spi;
	const uint8_t *spis;   /* n_spi * spi_size bytes */
};
int ike_delete_parse(const uint8_t *body, size_t len, struct ike_delete *d);

/** NAT-OA (RFC 3947 §5.2): an IPv4 address (network order in *addr). */
int ike_natoa_parse(const uint8_t *body, size_t len, uint32_t *addr);

/* ------------------------------------------------------------ builder --- */

#define IKE_MSG_MAX 4096

struct ike_buf {
	uint8_t  b[IKE_MSG_MAX];
	size_t   len;
	size_t   np_off;       /* where the next payload's type is written */
	bool     err;          /* overflow: the message is unusable */
};

/** Start a message: header with the given fields, length filled by ike_buf_finish. */
void ike_buf_init(struct ike_buf *m, const uint8_t icky[8], const uint8_t rcky[8],
		  uint8_t exch, uint8_t flags, uint32_t msgid);
void ike_buf_put(struct ike_buf *m, const void *p, size_t n);
void ike_buf_u8(struct ike_buf *m, uint8_t v);
void ike_buf_u16(struct ike_buf *m, uint16_t v);
void ike_buf_u32(struct ike_buf *m, uint32_t v);
/** Open a payload of `type`: links it into the chain. @return its offset. */
size_t ike_buf_pl_begin(struct ike_buf *m, uint8_t type);
/** Close the payload opened at off (writes its length). */
void ike_buf_pl_end(struct ike_buf *m, size_t off);
/** A whole payload with a body. */
void ike_buf_pl(struct ike_buf *m, uint8_t type, const void *body, size_t n);
/** Write the total length into the header. @return 0, or -EMSGSIZE on overflow. */
int ike_buf_finish(struct ike_buf *m);
/** An Informational in the clear with one ISAKMP NO-PROPOSAL-CHOSEN notify (RFC 2408
 *  §5.4), the answer to a Main Mode message 1 lnsd refuses. @return as ike_buf_finish. */
int ike_buf_no_proposal(struct ike_buf *m, const uint8_t icky[8], const uint8_t rcky[8]);
/** A data attribute: TV when the value fits 16 bits, TLV otherwise. */
void ike_buf_attr(struct ike_buf *m, uint16_t type, uint32_t val);

static inline uint16_t
ike_get16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static inline uint32_t
ike_get32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static inline void
ike_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
ike_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

#endif /* IKE_MSG_H */
