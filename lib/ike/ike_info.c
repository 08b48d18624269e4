/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Informational exchange (RFC 2408 §4.8, RFC 2409 §5.7): protected Notify and
 * Delete both ways, INITIAL-CONTACT, and Dead Peer Detection (RFC 3706).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ike_priv.h"

int
ike_p2_hash_check(struct ike_sa *sa, uint32_t msgid, const struct ike_pls *pls,
		  const uint8_t *pre, size_t pre_len)
{
	const struct ike_pl *hp = &pls->p[0];
	const uint8_t *rest, *end;
	uint8_t mid[4], want[IKE_HASH_MAX];

	if (pls->n == 0 || hp->type != IKE_PL_HASH || hp->len != sa->k.len)
		return -EBADMSG;
	/* RFC 2409 §5.5: the hash covers everything after the HASH payload up to
	 * the end of the chain, padding excluded */
	rest = hp->body + hp->len;
	end = pls->p[0].raw + pls->used;
	ike_put32(mid, msgid);
	struct ike_iov v[3] = { { mid, 4 }, { pre, pre_len }, { rest, (size_t)(end - rest) } };
	if (ike_prf(sa->hash, sa->k.a, sa->k.len, v, 3, want) < 0)
		return -EIO;
	return ike_memeq_ct(want, hp->body, sa->k.len) == 0 ? 0 : -EACCES;
}

int
ike_info_send(struct lns_ike *ike, struct ike_sa *sa, uint8_t pl_type, const uint8_t *body,
	      size_t len)
{
	static struct ike_buf m;
	uint8_t iv[IKE_BLOCK_MAX], mid[4];
	uint32_t msgid = 0;
	size_t hoff, poff;

	/* also a failed Main Mode whose keys are good (a refused signature) */
	if (sa->state != IKE_ESTABLISHED && !(sa->state == IKE_MM_R2 && sa->k.len != 0))
		return -ENOTCONN;
	while (msgid == 0)
		if (ike_random(&msgid, sizeof(msgid)) < 0)
			return -EIO;
	ike_buf_init(&m, sa->icky, sa->rcky, IKE_EXCH_INFO, 0, msgid);
	hoff = ike_buf_pl_begin(&m, IKE_PL_HASH);
	ike_buf_put(&m, sa->k.a, sa->k.len);        /* placeholder, same length */
	ike_buf_pl_end(&m, hoff);
	poff = m.len;
	ike_buf_pl(&m, pl_type, body, len);
	if (ike_buf_finish(&m) < 0)
		return -EMSGSIZE;
	/* HASH(1) = prf(SKEYID_a, M-ID | N/D) (RFC 2409 §5.7) */
	ike_put32(mid, msgid);
	struct ike_iov v[2] = { { mid, 4 }, { m.b + poff, m.len - poff } };
	if (ike_prf(sa->hash, sa->k.a, sa->k.len, v, 2, m.b + hoff + IKE_GEN_LEN) < 0 ||
	    ike_p2_iv(sa->hash, sa->p1_last, sa->block, msgid, iv) < 0 ||
	    ike_encrypt(sa, &m, iv) < 0) {
		CNT(ike, E_CRYPTO);
		return -EIO;
	}
	ike_send_sa(ike, sa, &m, LNS_IKE_C_TX_INFO);
	return 0;
}

void
ike_send_notify(struct lns_ike *ike, struct ike_sa *sa, uint16_t type, uint8_t proto,
		const uint8_t *spi, uint8_t spi_size, const uint8_t *data, size_t dlen)
{
	uint8_t b[8 + 16 + 64];

	if (spi_size > 16 || dlen > 64)
		return;
	ike_put32(b, IKE_DOI_IPSEC);
	b[4] = proto;
	b[5] = spi_size;
	ike_put16(b + 6, type);
	if (spi_size)           /* Quick Mode failures carry no SPI: spi is NULL */
		memcpy(b + 8, spi, spi_size);
	if (dlen)
		memcpy(b + 8 + spi_size, data, dlen);
	ike_info_send(ike, sa, IKE_PL_N, b, 8u + spi_size + dlen);
}

void
ike_send_delete_children(struct lns_ike *ike, struct ike_sa *sa)
{
	uint8_t b[8 + 4 * 64];
	uint16_t n = 0;

	if (sa->n_children == 0)
		return;
	ike_put32(b, IKE_DOI_IPSEC);
	b[4] = IKE_PROTO_ESP;
	b[5] = 4;
	/* our inbound SPIs: the ones we chose and the peer sends to (RFC 2408 §3.15) */
	for (struct ike_child *c = sa->children; c && n < 64; c = c->next, n++) {
		ike_put32(b + 8 + 4 * n, c->c.spi_in);
		ike_event(ike, LNS_EV_IKE_DELETE_SENT, sa->conn, "esp spi_in=0x%08x", c->c.spi_in);
	}
	ike_put16(b + 6, n);
	if (ike_info_send(ike, sa, IKE_PL_D, b, 8u + 4u * n) == 0)
		CNT(ike, DELETE_TX);
}

void
ike_send_delete_isakmp(struct lns_ike *ike, struct ike_sa *sa)
{
	uint8_t b[8 + 16];

	ike_put32(b, IKE_DOI_IPSEC);
	b[4] = IKE_PROTO_ISAKMP;
	b[5] = 16;
	ike_put16(b + 6, 1);
	memcpy(b + 8, sa->icky, 8);
	memcpy(b + 16, sa->rcky, 8);
	ike_event(ike, LNS_EV_IKE_DELETE_SENT, sa->conn, "isakmp");
	if (ike_info_send(ike, sa, IKE_PL_D, b, sizeof(b)) == 0)
		CNT(ike, DELETE_TX);
}

static size_t
put_attr(uint8_t *out, uint16_t type, uint32_t v)
{
	if (v <= 0xffff) {              /* TV form (RFC 2408 §3.3) */
		ike_put16(out, (uint16_t)(0x8000 | type));
		ike_put16(out + 2, (uint16_t)v);
		return 4;
	}
	ike_put16(out, type);           /* TLV with a 4-byte value */
	ike_put16(out + 2, 4);
	ike_put32(out + 4, v);
	return 8;
}

size_t
ike_life_attrs(uint8_t *out, uint16_t t_type, uint16_t t_dur, uint32_t secs, uint64_t kb)
{
	size_t n = 0;

	n += put_attr(out + n, t_type, IKE_LIFE_SECONDS);
	n += put_attr(out + n, t_dur, secs);
	if (kb) {
		n += put_attr(out + n, t_type, IKE_LIFE_KB);
		n += put_attr(out + n, t_dur, kb > UINT32_MAX ? UINT32_MAX : (uint32_t)kb);
	}
	return n;
}

/* ---------------------------------------------------------------- DPD --- */

static void
dpd_send(struct lns_ike *ike, struct ike_sa *sa, uint16_t type, uint32_t seq)
{
	uint8_t spi[16], d[4];

	memcpy(spi, sa->icky, 8);
	memcpy(spi + 8, sa->rcky, 8);
	ike_put32(d, seq);
	ike_send_notify(ike, sa, type, IKE_PROTO_ISAKMP, spi, 16, d, 4);
}

static void
dpd_cb(struct lns_timer *t, void *arg, uint64_t now_ms)
{
	struct ike_sa *sa = arg;
	struct lns_ike *ike = sa->ike;
	uint64_t ival = (uint64_t)ike->conf->ipsec.dpd_interval * 1000;

	(void)t;
	ike->now_ms = now_ms;
	if (sa->dpd_pending) {
		if (now_ms - sa->dpd_since_ms >= (uint64_t)ike->conf->ipsec.dpd_timeout * 1000) {
			/* RFC 3706 §5.5: no proof of liveness within the timeout: dead */
			CNT(ike, DPD_DEAD);
			if (ike_sa_superseded(ike, sa)) {
				/* a renewal replaced this ISAKMP SA and the peer no longer
				 * answers on it: the newer one's DPD judges the peer */
				ike_sa_end(ike, sa, "dpd on a renewed isakmp sa");
				return;
			}
			ike_event(ike, LNS_EV_IPSEC_DISCONNECT, sa->conn, "dpd: peer dead");
			/* the peer is dead, so is every SA of its connection */
			ike_conn_end(ike, sa->conn, true, "dpd");
			return;
		}
		CNT(ike, DPD_TX);
		dpd_send(ike, sa, IKE_N_R_U_THERE, sa->dpd_seq);
		lns_timer_arm(ike->tm, &sa->t_dpd, now_ms + IKE_DPD_RETRY_MS);
		return;
	}
	if (now_ms - sa->last_rx_ms < ival) {
		/* RFC 3706 §5.3: only ask when the peer has been quiet */
		lns_timer_arm(ike->tm, &sa->t_dpd, sa->last_rx_ms + ival);
		return;
	}
	sa->dpd_seq++;
	sa->dpd_pending = true;
	sa->dpd_since_ms = now_ms;
	CNT(ike, DPD_TX);
	dpd_send(ike, sa, IKE_N_R_U_THERE, sa->dpd_seq);
	lns_timer_arm(ike->tm, &sa->t_dpd, now_ms + IKE_DPD_RETRY_MS);
}

void
ike_dpd_start(struct lns_ike *ike, struct ike_sa *sa)
{
	lns_timer_init(&sa->t_dpd, dpd_cb, sa);
	/* RFC 3706 §6: the random start keeps sequence numbers unpredictable */
	ike_random(&sa->dpd_seq, sizeof(sa->dpd_seq));
	sa->dpd_seq &= 0x7fffffff;
	if (ike->conf->ipsec.dpd_interval && sa->dpd_peer)
		lns_timer_arm(ike->tm, &sa->t_dpd,
			      ike->now_ms + (uint64_t)ike->conf->ipsec.dpd_interval * 1000);
}

/* ------------------------------------------------------------ receive --- */

/* A Quick Mode that still waits for message 3 and carries this SPI (either side's). */
static struct ike_qm *
qm_by_spi(struct ike_sa *sa, uint32_t spi)
{
	for (struct ike_qm *q = sa->qms; q; q = q->next)
		if (q->child && (q->child->c.spi_out == spi || q->child->c.spi_in == spi))
			return q;
	return NULL;
}

static void
info_notify(struct lns_ike *ike, struct ike_sa *sa, const struct ike_notify *n)
{
	switch (n->type) {
	case IKE_N_R_U_THERE:
		CNT(ike, DPD_RX);
		if (n->data_len == 4 && n->spi_size == 16)
			dpd_send(ike, sa, IKE_N_R_U_THERE_ACK, ike_get32(n->data));
		else
			CNT(ike, E_MALFORMED);
		break;
	case IKE_N_R_U_THERE_ACK:
		/* RFC 3706 §7: an ACK that does not answer our question is ignored */
		if (n->data_len == 4 && sa->dpd_pending && ike_get32(n->data) == sa->dpd_seq) {
			sa->dpd_pending = false;
			CNT(ike, DPD_ACK_RX);
		}
		break;
	case IKE_N_INITIAL_CONTACT:
		ike_initial_contact(ike, sa);
		break;
	default:
		if (n->type > IKE_N_ERROR_MAX)
			break;
		CNT(ike, E_PEER_NOTIFY);
		/* An error about an ESP SPI of a Quick Mode we answered: the initiator
		 * gave it up after message 2 (strongSwan sends NO-PROPOSAL-CHOSEN when its
		 * own SA install fails, RFC 2408 §4.8). Drop it now rather than keep
		 * retransmitting message 2 until the exchange times out. */
		if (n->proto == IKE_PROTO_ESP && n->spi_size == 4) {
			struct ike_qm *q = qm_by_spi(sa, ike_get32(n->spi));

			if (q) {
				ike_event(ike, LNS_EV_IPSEC_DISCONNECT, sa->conn,
					  "quick mode abandoned by peer (notify %u)", n->type);
				ike_qm_free(ike, q);
			}
		}
		break;
	}
}

/* @return true when the ISAKMP SA itself was deleted (sa is gone) */
static bool
info_delete(struct lns_ike *ike, struct ike_sa *sa, const struct ike_delete *d)
{
	CNT(ike, DELETE_RX);
	if (d->proto == IKE_PROTO_ISAKMP && d->spi_size == 16) {
		for (unsigned int i = 0; i < d->n_spi; i++)
			if (memcmp(d->spis + 16 * i, sa->icky, 8) == 0 &&
			    memcmp(d->spis + 16 * i + 8, sa->rcky, 8) == 0) {
				ike_event(ike, LNS_EV_IKE_DELETE_RECEIVED, sa->conn, "isakmp");
				/* the ISAKMP SA only: a renewal's newer one or the IPsec SAs
				 * carry the connection on (DESIGN.md, Terms) */
				ike_sa_end(ike, sa, "peer delete");
				return true;
			}
		return false;
	}
	if (d->proto != IKE_PROTO_ESP || d->spi_size != 4) {
		CNT(ike, E_MALFORMED);
		return false;
	}
	for (unsigned int i = 0; i < d->n_spi; i++) {
		uint32_t spi = ike_get32(d->spis + 4 * i);
		struct ike_child *c;
		struct ike_qm *q;

		/* the peer names its inbound SPI (our spi_out); accept ours too */
		for (c = sa->children; c; c = c->next)
			if (c->c.spi_out == spi || c->c.spi_in == spi)
				break;
		if (c) {
			ike_event(ike, LNS_EV_IKE_DELETE_RECEIVED, sa->conn, "esp spi_in=0x%08x",
				  c->c.spi_in);
			ike_child_free(ike, c, true);
			continue;
		}
		/* a Quick Mode the peer gave up after message 2 (its install failed) */
		q = qm_by_spi(sa, spi);
		if (q)
			ike_qm_free(ike, q);
	}
	return false;
}

int
ike_info_input(struct lns_ike *ike, struct ike_sa *sa, const struct ike_hdr *h,
	       const uint8_t *msg, size_t len)
{
	struct ike_pls pls;
	uint8_t iv[IKE_BLOCK_MAX];
	uint8_t *plain = NULL;
	int rc;

	if (!(h->flags & IKE_FLAG_ENC)) {
		/* before the keys exist a Notify is unauthenticated: counted, not obeyed */
		rc = ike_pl_parse(h->np, msg + IKE_HDR_LEN, len - IKE_HDR_LEN, false, &pls);
		if (rc < 0 || sa->state == IKE_ESTABLISHED) {
			ike->cnt[rc < 0 ? LNS_IKE_C_E_MALFORMED : LNS_IKE_C_E_HASH]++;
			return -EBADMSG;
		}
		CNT(ike, E_PEER_NOTIFY);
		return 0;
	}
	if (sa->state != IKE_ESTABLISHED || h->msgid == 0) {
		CNT(ike, E_STATE);
		return -EPROTO;
	}
	if (ike_p2_iv(sa->hash, sa->p1_last, sa->block, h->msgid, iv) < 0) {
		CNT(ike, E_CRYPTO);
		return -EIO;
	}
	rc = ike_decrypt(sa, msg, len, iv, &plain);
	if (rc < 0) {
		CNT(ike, E_MALFORMED);
		return rc;
	}
	rc = ike_pl_parse(h->np, plain + IKE_HDR_LEN, len - IKE_HDR_LEN, true, &pls);
	if (rc < 0) {
		CNT(ike, E_MALFORMED);
		free(plain);
		return rc;
	}
	if (ike_p2_hash_check(sa, h->msgid, &pls, NULL, 0) < 0) {
		CNT(ike, E_HASH);
		free(plain);
		return -EACCES;
	}
	sa->last_rx_ms = ike->now_ms;
	for (unsigned int i = 1; i < pls.n; i++) {
		const struct ike_pl *p = &pls.p[i];
		struct ike_notify n;
		struct ike_delete d;

		if (p->type == IKE_PL_N) {
			if (ike_notify_parse(p->body, p->len, &n) < 0) {
				CNT(ike, E_MALFORMED);
				continue;
			}
			info_notify(ike, sa, &n);
		} else if (p->type == IKE_PL_D) {
			if (ike_delete_parse(p->body, p->len, &d) < 0) {
				CNT(ike, E_MALFORMED);
				continue;
			}
			if (info_delete(ike, sa, &d))
				break;   /* the ISAKMP SA is gone */
		}
	}
	free(plain);
	return 0;
}
