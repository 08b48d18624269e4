/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IKEv1 fragmentation, the scheme Windows, strongSwan and Cisco negotiate by the
 * "FRAGMENTATION" vendor ID: a message too big for the path is sent as several
 * ISAKMP messages, each with one payload of type 132 holding a piece of the whole
 * message (header included, encrypted as it is):
 *   next payload (1) | reserved (1) | length (2) | fragment id (2) |
 *   fragment number (1, from 1) | flags (1, 0x01 = last) | data
 * Reassembly is bounded: IKE_FRAG_SLOTS messages in progress, IKE_FRAG_MAX_N
 * fragments and IKE_FRAG_MAX_BYTES bytes each, IKE_FRAG_TIMEOUT_MS to complete;
 * every fragment dropped is counted under its reason.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ike_priv.h"

/* MD5("FRAGMENTATION") truncated: Windows appends 4 capability bytes. */
const uint8_t ike_vid_frag[16] = {
	0x40, 0x48, 0xb7, 0xd5, 0x6e, 0xbc, 0xe8, 0x85,
	0x25, 0xe7, 0xde, 0x7f, 0x00, 0xd6, 0xc2, 0xd3 };

struct ike_frag_slot {
	bool used;
	uint32_t peer;
	uint16_t peer_port;
	uint8_t icky[8];
	uint16_t id;
	uint8_t last;                    /* number of the last fragment, 0 until seen */
	uint8_t n;                       /* fragments held */
	size_t bytes;
	uint64_t start_ms;
	uint8_t *data[IKE_FRAG_MAX_N + 1];  /* by fragment number */
	uint16_t len[IKE_FRAG_MAX_N + 1];
};

static void
slot_free(struct ike_frag_slot *s)
{
	for (unsigned int i = 0; i <= IKE_FRAG_MAX_N; i++)
		free(s->data[i]);
	memset(s, 0, sizeof(*s));
}

void
ike_frag_fini(struct lns_ike *ike)
{
	if (ike->frags == NULL)
		return;
	for (unsigned int i = 0; i < IKE_FRAG_SLOTS; i++)
		slot_free(&ike->frags[i]);
	free(ike->frags);
	ike->frags = NULL;
}

int
ike_frag_parse(const uint8_t *body, size_t len, struct ike_frag *f)
{
	if (len < 4)
		return -EMSGSIZE;
	f->id = ike_get16(body);
	f->num = body[2];
	f->last = (body[3] & 0x01) != 0;
	f->data = body + 4;
	f->len = (uint16_t)(len - 4);
	if (f->num == 0 || f->len == 0)
		return -EBADMSG;
	return 0;
}

/* The slot of (peer, port, icky), or a free one, or the oldest (evicted). */
static struct ike_frag_slot *
slot_get(struct lns_ike *ike, uint32_t peer, uint16_t port, const uint8_t icky[8])
{
	struct ike_frag_slot *free_s = NULL, *old = NULL;

	for (unsigned int i = 0; i < IKE_FRAG_SLOTS; i++) {
		struct ike_frag_slot *s = &ike->frags[i];

		if (s->used && ike->now_ms - s->start_ms > IKE_FRAG_TIMEOUT_MS) {
			CNT(ike, E_FRAG_TIMEOUT);   /* never completed: its fragments go */
			ike->cnt[LNS_IKE_C_E_FRAG_DROPPED] += s->n;
			slot_free(s);
		}
		if (!s->used) {
			if (free_s == NULL)
				free_s = s;
			continue;
		}
		if (s->peer == peer && s->peer_port == port && memcmp(s->icky, icky, 8) == 0)
			return s;
		if (old == NULL || s->start_ms < old->start_ms)
			old = s;
	}
	if (free_s == NULL) {
		CNT(ike, E_FRAG_EVICTED);
		ike->cnt[LNS_IKE_C_E_FRAG_DROPPED] += old->n;
		slot_free(old);
		free_s = old;
	}
	free_s->used = true;
	free_s->peer = peer;
	free_s->peer_port = port;
	memcpy(free_s->icky, icky, 8);
	free_s->start_ms = ike->now_ms;
	return free_s;
}

int
ike_frag_input(struct lns_ike *ike, uint32_t peer, uint16_t peer_port, const struct ike_hdr *h,
	       const uint8_t *msg, size_t len, uint8_t **whole, size_t *whole_len)
{
	struct ike_pls pls;
	struct ike_frag f;
	struct ike_frag_slot *s;
	uint8_t *p;
	size_t off = 0;
	int rc;

	*whole = NULL;
	CNT(ike, FRAG_RX);
	if (!ike->conf->ipsec.fragmentation) {
		CNT(ike, E_FRAG_OFF);
		return -EPERM;
	}
	rc = ike_pl_parse(h->np, msg + IKE_HDR_LEN, len - IKE_HDR_LEN, false, &pls);
	if (rc < 0 || pls.n != 1 || h->flags & IKE_FLAG_ENC ||
	    ike_frag_parse(pls.p[0].body, pls.p[0].len, &f) < 0) {
		CNT(ike, E_FRAG_MALFORMED);
		return -EBADMSG;
	}
	if (f.num > IKE_FRAG_MAX_N) {
		CNT(ike, E_FRAG_TOO_MANY);
		return -E2BIG;
	}
	if (ike->frags == NULL) {
		ike->frags = calloc(IKE_FRAG_SLOTS, sizeof(*ike->frags));
		if (ike->frags == NULL) {
			CNT(ike, E_NOMEM);
			return -ENOMEM;
		}
	}
	s = slot_get(ike, peer, peer_port, h->icky);
	if (s->n > 0 && s->id != f.id) {
		/* a new message from the same peer: the unfinished one is abandoned */
		ike->cnt[LNS_IKE_C_E_FRAG_DROPPED] += s->n;
		slot_free(s);
		s = slot_get(ike, peer, peer_port, h->icky);
	}
	s->id = f.id;
	if (s->data[f.num] != NULL) {
		CNT(ike, FRAG_DUP);   /* a retransmission: the first copy stays */
		return 0;
	}
	if (s->last != 0 && (f.num > s->last || f.last)) {
		CNT(ike, E_FRAG_MALFORMED);
		return -EBADMSG;
	}
	if (f.last) {
		for (unsigned int i = f.num + 1u; i <= IKE_FRAG_MAX_N; i++)
			if (s->data[i] != NULL) {
				CNT(ike, E_FRAG_MALFORMED);   /* a fragment past the last */
				return -EBADMSG;
			}
	}
	if (s->bytes + f.len > IKE_FRAG_MAX_BYTES) {
		CNT(ike, E_FRAG_TOO_BIG);
		ike->cnt[LNS_IKE_C_E_FRAG_DROPPED] += s->n;
		slot_free(s);
		return -E2BIG;
	}
	p = malloc(f.len);
	if (p == NULL) {
		CNT(ike, E_NOMEM);
		return -ENOMEM;
	}
	memcpy(p, f.data, f.len);
	s->data[f.num] = p;
	s->len[f.num] = f.len;
	s->bytes += f.len;
	s->n++;
	if (f.last)
		s->last = f.num;
	if (s->last == 0 || s->n != s->last)
		return 0;

	/* every fragment 1..last is here */
	p = malloc(s->bytes);
	if (p == NULL) {
		CNT(ike, E_NOMEM);
		slot_free(s);
		return -ENOMEM;
	}
	for (unsigned int i = 1; i <= s->last; i++) {
		memcpy(p + off, s->data[i], s->len[i]);
		off += s->len[i];
	}
	slot_free(s);
	/* the whole must be one ISAKMP message of the same SA, not fragments again */
	if (off < IKE_HDR_LEN || memcmp(p, h->icky, 8) != 0 || p[16] == IKE_PL_FRAG) {
		free(p);
		CNT(ike, E_FRAG_MALFORMED);
		return -EBADMSG;
	}
	CNT(ike, FRAG_REASSEMBLED);
	*whole = p;
	*whole_len = off;
	return 1;
}

int
ike_frag_send(struct lns_ike *ike, struct ike_sa *sa, const uint8_t *msg, size_t len)
{
	size_t chunk = ike->conf->ipsec.fragment_size - IKE_HDR_LEN - IKE_GEN_LEN - 4;
	size_t n = (len + chunk - 1) / chunk, off = 0;
	uint8_t b[IKE_HDR_LEN + IKE_GEN_LEN + 4 + 9000];
	uint16_t id = ++ike->frag_id;

	if (n > IKE_FRAG_MAX_N || len < IKE_HDR_LEN)
		return -E2BIG;
	for (size_t i = 1; i <= n; i++) {
		size_t l = len - off < chunk ? len - off : chunk, t = IKE_HDR_LEN + 8 + l;

		memcpy(b, msg, IKE_HDR_LEN);
		b[16] = IKE_PL_FRAG;
		b[19] = 0;                       /* the pieces themselves are not encrypted */
		ike_put32(b + 24, (uint32_t)t);
		b[IKE_HDR_LEN] = IKE_PL_NONE;
		b[IKE_HDR_LEN + 1] = 0;
		ike_put16(b + IKE_HDR_LEN + 2, (uint16_t)(8 + l));
		ike_put16(b + IKE_HDR_LEN + 4, id);
		b[IKE_HDR_LEN + 6] = (uint8_t)i;
		b[IKE_HDR_LEN + 7] = i == n ? 0x01 : 0;
		memcpy(b + IKE_HDR_LEN + 8, msg + off, l);
		off += l;
		CNT(ike, FRAG_TX);
		ike->ops.send(ike->ctx, sa->peer, sa->peer_port, sa->local_port, b, t);
	}
	return 0;
}

void
ike_tx(struct lns_ike *ike, struct ike_sa *sa, const uint8_t *msg, size_t len)
{
	if (sa->frag_peer && ike->conf->ipsec.fragmentation &&
	    len > ike->conf->ipsec.fragment_size && ike_frag_send(ike, sa, msg, len) == 0)
		return;
	ike->ops.send(ike->ctx, sa->peer, sa->peer_port, sa->local_port, msg, len);
}
