/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * L2TPv2 data messages (RFC 2661 §3.1) and the PPP framing inside them (RFC 1661,
 * RFC 1662 address/control, ACFC and PFC): parse and build, on plain bytes.
 *
 * Data-path code: pure functions, no logging, every length checked before a read.
 * Thread-safety: none needed (no state).
 */
#ifndef LNS_L2TP_DATA_H
#define LNS_L2TP_DATA_H

#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>

#define LNS_L2TP_PORT 1701

/* Header flag bits of the first 16-bit word (host order after conversion). */
#define LNS_L2TP_T      0x8000  /**< control message */
#define LNS_L2TP_L      0x4000  /**< length present */
#define LNS_L2TP_S      0x0800  /**< Ns/Nr present */
#define LNS_L2TP_O      0x0200  /**< offset size present */
#define LNS_L2TP_P      0x0100  /**< priority (data only) */
#define LNS_L2TP_VER    0x000f
#define LNS_L2TP_RSVD   0x34f0  /**< x bits: must be 0 (§3.1) */

#define LNS_PPP_IPV4    0x0021
#define LNS_PPP_LCP     0xc021

/** Outcome of lns_l2tp_data_parse(). */
enum lns_l2tp_parse {
	LNS_L2TP_DATA = 0,      /**< a data message: fields filled in */
	LNS_L2TP_CONTROL,       /**< T bit set: for the control plane */
	LNS_L2TP_TRUNCATED,     /**< shorter than its header, length or offset says */
	LNS_L2TP_BAD_VERSION,   /**< version other than 2 */
	LNS_L2TP_BAD_LENGTH,    /**< length field shorter than the header */
};

struct lns_l2tp_data {
	uint16_t tunnel_id;     /**< host order */
	uint16_t session_id;    /**< host order */
	uint16_t ns;            /**< valid when has_seq */
	uint16_t nr;
	uint8_t  has_seq;
	uint16_t payload_off;   /**< offset of the PPP frame from the L2TP header */
	uint16_t payload_len;   /**< bytes of PPP frame */
};

static inline uint16_t
lns_rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline void
lns_wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/**
 * Parse an L2TP header at p (the UDP payload), len bytes.
 * The length field, when present, bounds the message (bytes after it, e.g. padding
 * added on the wire, are ignored).
 */
static inline enum lns_l2tp_parse
lns_l2tp_data_parse(const uint8_t *p, uint32_t len, struct lns_l2tp_data *d)
{
	uint32_t off = 2, msg_len = len;
	uint16_t flags;

	if (len < 2)
		return LNS_L2TP_TRUNCATED;
	flags = lns_rd16(p);
	if ((flags & LNS_L2TP_VER) != 2)
		return LNS_L2TP_BAD_VERSION;
	if (flags & LNS_L2TP_T)
		return LNS_L2TP_CONTROL;
	if (flags & LNS_L2TP_L) {
		if (len < 4)
			return LNS_L2TP_TRUNCATED;
		msg_len = lns_rd16(p + 2);
		if (msg_len > len)
			return LNS_L2TP_TRUNCATED;
		off = 4;
	}
	if (msg_len < off + 4)
		return msg_len == len ? LNS_L2TP_TRUNCATED : LNS_L2TP_BAD_LENGTH;
	d->tunnel_id = lns_rd16(p + off);
	d->session_id = lns_rd16(p + off + 2);
	off += 4;
	d->has_seq = 0;
	if (flags & LNS_L2TP_S) {
		if (msg_len < off + 4)
			return LNS_L2TP_TRUNCATED;
		d->ns = lns_rd16(p + off);
		d->nr = lns_rd16(p + off + 2);
		d->has_seq = 1;
		off += 4;
	}
	if (flags & LNS_L2TP_O) {
		uint32_t pad;

		if (msg_len < off + 2)
			return LNS_L2TP_TRUNCATED;
		pad = lns_rd16(p + off);
		off += 2;
		if (msg_len < off + pad)
			return LNS_L2TP_TRUNCATED;
		off += pad;
	}
	d->payload_off = (uint16_t)off;
	d->payload_len = (uint16_t)(msg_len - off);
	return LNS_L2TP_DATA;
}

/**
 * Strip PPP framing: optional address/control (0xff 0x03) and a 1- or 2-byte
 * protocol field (PFC: a protocol's low byte is odd, its high byte even, RFC 1661
 * §2). @return bytes of framing (payload follows), or 0 when truncated/invalid.
 */
static inline uint32_t
lns_ppp_parse(const uint8_t *p, uint32_t len, uint16_t *proto)
{
	uint32_t off = 0;

	if (len >= 2 && p[0] == 0xff && p[1] == 0x03)
		off = 2;
	if (len < off + 1)
		return 0;
	if (p[off] & 1) {               /* compressed: one odd byte */
		*proto = p[off];
		return off + 1;
	}
	if (len < off + 2 || !(p[off + 1] & 1))
		return 0;
	*proto = lns_rd16(p + off);
	return off + 2;
}

/** Bytes lns_l2tp_data_build() writes for these options. */
static inline uint32_t
lns_l2tp_data_hdr_len(int with_seq, int acfc, int pfc)
{
	return 6 + (with_seq ? 4 : 0) + (acfc ? 0 : 2) + (pfc ? 1 : 2);
}

/**
 * Write an L2TP data header (no length, no offset; Ns/Nr when with_seq) and the PPP
 * framing for protocol `proto` at p. @return bytes written.
 */
static inline uint32_t
lns_l2tp_data_build(uint8_t *p, uint16_t peer_tunnel, uint16_t peer_session, int with_seq,
		    uint16_t ns, uint16_t nr, int acfc, int pfc, uint16_t proto)
{
	uint32_t off = 6;

	lns_wr16(p, (uint16_t)((with_seq ? LNS_L2TP_S : 0) | 2));
	lns_wr16(p + 2, peer_tunnel);
	lns_wr16(p + 4, peer_session);
	if (with_seq) {
		lns_wr16(p + 6, ns);
		lns_wr16(p + 8, nr);
		off = 10;
	}
	if (!acfc) {
		p[off++] = 0xff;
		p[off++] = 0x03;
	}
	if (pfc && proto < 0x100 && (proto & 1)) {
		p[off++] = (uint8_t)proto;
	} else {
		lns_wr16(p + off, proto);
		off += 2;
	}
	return off;
}

#endif /* LNS_L2TP_DATA_H */
