/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A small IKEv1 initiator for tests/unit/test_ike.c: builds Main Mode 1/3/5 and
 * Quick Mode 1/3 and checks the responder's answers. It reuses lib/ike's codec
 * and primitives, whose derivations test_ike_crypto.c checks against
 * independent vectors; the message layout here is written from RFC 2409.
 */
#ifndef IKE_TEST_INITIATOR_H
#define IKE_TEST_INITIATOR_H

#include <stdlib.h>
#include <string.h>

#include "ike_crypto.h"
#include "ike_msg.h"

struct ini {
	uint8_t icky[8], rcky[8];
	int group, enc, keybits, hashalg;
	enum ike_hash h;
	size_t key_len, block;
	struct ike_dh *dh;
	uint8_t gxr[IKE_DH_MAX], gxy[IKE_DH_MAX];
	size_t gx_len, gxy_len;
	uint8_t ni[32], nr[256];
	size_t nr_len;
	struct ike_p1_keys k;
	uint8_t enc_key[32], iv[16], p1_last[16];
	uint8_t sai_b[256];
	size_t sai_len;
	/* quick mode */
	uint32_t msgid;
	uint8_t qni[24], qnr[256], qiv[16];
	size_t qnr_len;
	uint32_t spi_i, spi_r;
	bool ms_ic_vid;          /* add Microsoft's Vid-Initial-Contact to MM1 */
	int auth;                /* MM1's authentication method, 0: PSK */
};
static const uint8_t ini_vid_ms_ic[16] = {
	0x26, 0x24, 0x4d, 0x38, 0xed, 0xdb, 0x61, 0xb3,
	0x17, 0x2a, 0x36, 0xe3, 0xd0, 0xcf, 0xb8, 0x19 };

static const uint8_t ini_vid_rfc3947[16] = {
	0x4a, 0x13, 0x1c, 0x81, 0x07, 0x03, 0x58, 0x45,
	0x5c, 0x57, 0x28, 0xf2, 0x0e, 0x95, 0x45, 0x2f };
static const uint8_t ini_vid_dpd[16] = {
	0xaf, 0xca, 0xd7, 0x13, 0x68, 0xa1, 0xf1, 0xc9,
	0x6b, 0x86, 0x96, 0xfc, 0x77, 0x57, 0x01, 0x00 };

/* MM1 with one transform; returns the message length in m */
static void
ini_mm1(struct ini *s, struct ike_buf *m, bool natt)
{
	size_t sa, t, p;

	ike_random(s->icky, 8);
	memset(s->rcky, 0, 8);
	s->h = (enum ike_hash)ike_hash_of(s->hashalg);
	s->key_len = (size_t)s->keybits / 8;
	s->block = ike_cipher_block(s->enc);
	ike_buf_init(m, s->icky, s->rcky, IKE_EXCH_ID_PROT, 0, 0);
	sa = ike_buf_pl_begin(m, IKE_PL_SA);
	ike_buf_u32(m, IKE_DOI_IPSEC);
	ike_buf_u32(m, IKE_SIT_IDENTITY);
	p = m->len;
	ike_buf_u32(m, 0);
	ike_buf_u8(m, 1);
	ike_buf_u8(m, IKE_PROTO_ISAKMP);
	ike_buf_u8(m, 0);
	ike_buf_u8(m, 1);
	t = m->len;
	ike_buf_u32(m, 0);
	ike_buf_u8(m, 1);
	ike_buf_u8(m, IKE_KEY_IKE);
	ike_buf_u16(m, 0);
	ike_buf_attr(m, IKE_A1_ENC, (uint32_t)s->enc);
	if (s->enc == IKE_ENC_AES_CBC)
		ike_buf_attr(m, IKE_A1_KEYLEN, (uint32_t)s->keybits);
	ike_buf_attr(m, IKE_A1_HASH, (uint32_t)s->hashalg);
	ike_buf_attr(m, IKE_A1_AUTH, s->auth ? (uint32_t)s->auth : IKE_AUTH_PSK);
	ike_buf_attr(m, IKE_A1_GROUP, (uint32_t)s->group);
	ike_buf_attr(m, IKE_A1_LIFE_TYPE, IKE_LIFE_SECONDS);
	ike_buf_attr(m, IKE_A1_LIFE_DUR, 28800);
	ike_put16(m->b + t + 2, (uint16_t)(m->len - t));
	ike_put16(m->b + p + 2, (uint16_t)(m->len - p));
	ike_buf_pl_end(m, sa);
	s->sai_len = m->len - sa - IKE_GEN_LEN;
	memcpy(s->sai_b, m->b + sa + IKE_GEN_LEN, s->sai_len);
	if (natt)
		ike_buf_pl(m, IKE_PL_VID, ini_vid_rfc3947, 16);
	ike_buf_pl(m, IKE_PL_VID, ini_vid_dpd, 16);
	if (s->ms_ic_vid)
		ike_buf_pl(m, IKE_PL_VID, ini_vid_ms_ic, 16);
	ike_buf_finish(m);
}

/* MM3: KE, Ni and NAT-D; `natted` fakes a private source address */
static void
ini_mm3(struct ini *s, struct ike_buf *m, uint32_t resp_addr, uint32_t my_addr,
	uint16_t my_port, bool natt, bool natted)
{
	const uint8_t *pub;
	size_t pl;
	uint8_t nd[IKE_HASH_MAX];

	s->dh = ike_dh_new(s->group);
	pub = ike_dh_pub(s->dh, &pl);
	s->gx_len = pl;
	ike_random(s->ni, sizeof(s->ni));
	ike_buf_init(m, s->icky, s->rcky, IKE_EXCH_ID_PROT, 0, 0);
	ike_buf_pl(m, IKE_PL_KE, pub, pl);
	ike_buf_pl(m, IKE_PL_NONCE, s->ni, sizeof(s->ni));
	if (natt) {
		ike_natd_hash(s->h, s->icky, s->rcky, resp_addr, 500, nd);
		ike_buf_pl(m, IKE_PL_NATD, nd, ike_hash_len(s->h));
		ike_natd_hash(s->h, s->icky, s->rcky, natted ? 0x0101a8c0 : my_addr, my_port, nd);
		ike_buf_pl(m, IKE_PL_NATD, nd, ike_hash_len(s->h));
	}
	ike_buf_finish(m);
}

/* Take MM4 apart and derive the keys with `psk`. 0 on success. */
static int
ini_mm4(struct ini *s, const uint8_t *msg, size_t len, const char *psk)
{
	struct ike_pls pls;
	const struct ike_pl *ke, *nr;
	int n;

	if (ike_pl_parse(msg[16], msg + IKE_HDR_LEN, len - IKE_HDR_LEN, false, &pls) < 0)
		return -1;
	ke = ike_pls_find(&pls, IKE_PL_KE, 0);
	nr = ike_pls_find(&pls, IKE_PL_NONCE, 0);
	if (!ke || !nr || ke->len != s->gx_len)
		return -1;
	memcpy(s->gxr, ke->body, ke->len);
	memcpy(s->nr, nr->body, nr->len);
	s->nr_len = nr->len;
	n = ike_dh_shared(s->dh, s->gxr, s->gx_len, s->gxy);
	if (n < 0)
		return -1;
	s->gxy_len = (size_t)n;
	ike_p1_derive(s->h, (const uint8_t *)psk, strlen(psk), s->ni, sizeof(s->ni), s->nr,
		      s->nr_len, s->gxy, s->gxy_len, s->icky, s->rcky, &s->k);
	ike_p1_enc_key(s->h, s->k.e, s->k.len, s->enc_key, s->key_len);
	{
		size_t pl;
		const uint8_t *pub = ike_dh_pub(s->dh, &pl);

		ike_p1_iv(s->h, pub, pl, s->gxr, s->gx_len, s->iv, s->block);
	}
	return 0;
}

static void
ini_encrypt(struct ini *s, struct ike_buf *m, uint8_t *iv)
{
	static const uint8_t z[16];
	size_t body = m->len - IKE_HDR_LEN;

	ike_buf_put(m, z, (s->block - body % s->block) % s->block);
	ike_buf_finish(m);
	m->b[19] |= IKE_FLAG_ENC;
	ike_cbc(s->enc, s->enc_key, s->key_len, iv, m->b + IKE_HDR_LEN, m->len - IKE_HDR_LEN,
		true);
}

/* decrypt a copy; returns malloc'ed plaintext or NULL */
static uint8_t *
ini_decrypt(struct ini *s, const uint8_t *msg, size_t len, uint8_t *iv, struct ike_pls *pls)
{
	uint8_t *p = malloc(len);

	memcpy(p, msg, len);
	if ((len - IKE_HDR_LEN) % s->block != 0 ||
	    ike_cbc(s->enc, s->enc_key, s->key_len, iv, p + IKE_HDR_LEN, len - IKE_HDR_LEN,
		    false) < 0 ||
	    ike_pl_parse(p[16], p + IKE_HDR_LEN, len - IKE_HDR_LEN, true, pls) < 0) {
		free(p);
		return NULL;
	}
	return p;
}

/* MM5: IDii (type, data), HASH_I, optional INITIAL-CONTACT */
static void
ini_mm5(struct ini *s, struct ike_buf *m, uint8_t id_type, const void *id, size_t id_len,
	bool initial_contact)
{
	uint8_t idb[64], hash[IKE_HASH_MAX];
	size_t pl;
	const uint8_t *pub = ike_dh_pub(s->dh, &pl);

	idb[0] = id_type;
	idb[1] = 17;
	ike_put16(idb + 2, 500);
	memcpy(idb + 4, id, id_len);
	ike_buf_init(m, s->icky, s->rcky, IKE_EXCH_ID_PROT, 0, 0);
	ike_buf_pl(m, IKE_PL_ID, idb, 4 + id_len);
	ike_p1_hash(s->h, s->k.skeyid, s->k.len, pub, s->gxr, pl, s->icky, s->rcky, s->sai_b,
		    s->sai_len, idb, 4 + id_len, hash);
	ike_buf_pl(m, IKE_PL_HASH, hash, s->k.len);
	if (initial_contact) {
		uint8_t n[8 + 16];

		ike_put32(n, IKE_DOI_IPSEC);
		n[4] = IKE_PROTO_ISAKMP;
		n[5] = 16;
		ike_put16(n + 6, IKE_N_INITIAL_CONTACT);
		memcpy(n + 8, s->icky, 8);
		memcpy(n + 16, s->rcky, 8);
		ike_buf_pl(m, IKE_PL_N, n, sizeof(n));
	}
	ini_encrypt(s, m, s->iv);
}

/* Check MM6's HASH_R. 0 when it is right. */
static int
ini_mm6(struct ini *s, const uint8_t *msg, size_t len)
{
	struct ike_pls pls;
	const struct ike_pl *id, *hp;
	uint8_t want[IKE_HASH_MAX];
	uint8_t *p;
	size_t pl;
	const uint8_t *pub = ike_dh_pub(s->dh, &pl);
	int rc = -1;

	p = ini_decrypt(s, msg, len, s->iv, &pls);
	if (p == NULL)
		return -1;
	memcpy(s->p1_last, s->iv, s->block);
	id = ike_pls_find(&pls, IKE_PL_ID, 0);
	hp = ike_pls_find(&pls, IKE_PL_HASH, 0);
	if (id && hp && hp->len == s->k.len) {
		ike_p1_hash(s->h, s->k.skeyid, s->k.len, s->gxr, pub, pl, s->rcky, s->icky,
			    s->sai_b, s->sai_len, id->body, id->len, want);
		rc = memcmp(want, hp->body, s->k.len) == 0 ? 0 : -1;
	}
	free(p);
	return rc;
}

/* A protected phase-2 message: HASH(1) over M-ID | pre | payloads after it */
static void
ini_p2_finish(struct ini *s, struct ike_buf *m, size_t hoff, const uint8_t *pre,
	      size_t pre_len, uint8_t *iv)
{
	uint8_t mid[4];
	size_t rest = hoff + IKE_GEN_LEN + s->k.len;

	ike_buf_finish(m);
	ike_put32(mid, ike_get32(m->b + 20));
	struct ike_iov v[3] = { { mid, 4 }, { pre, pre_len }, { m->b + rest, m->len - rest } };
	ike_prf(s->h, s->k.a, s->k.len, v, 3, m->b + hoff + IKE_GEN_LEN);
	ini_encrypt(s, m, iv);
}

static size_t
ini_hash_begin(struct ini *s, struct ike_buf *m)
{
	size_t h = ike_buf_pl_begin(m, IKE_PL_HASH);

	ike_buf_put(m, s->k.a, s->k.len);
	ike_buf_pl_end(m, h);
	return h;
}

/* Informational with one payload, protected (RFC 2409 §5.7) */
static void
ini_info(struct ini *s, struct ike_buf *m, uint32_t msgid, uint8_t type, const uint8_t *b,
	 size_t n)
{
	uint8_t iv[16];
	size_t h;

	ike_buf_init(m, s->icky, s->rcky, IKE_EXCH_INFO, 0, msgid);
	h = ini_hash_begin(s, m);
	ike_buf_pl(m, type, b, n);
	ike_p2_iv(s->h, s->p1_last, s->block, msgid, iv);
	ini_p2_finish(s, m, h, NULL, 0, iv);
}

#endif /* IKE_TEST_INITIATOR_H */
