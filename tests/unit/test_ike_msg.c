/* SPDX-License-Identifier: BSD-3-Clause */
/* lib/ike codec: round trips through the builder and every truncation of the input. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "ike_msg.h"

static const uint8_t icky[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
static const uint8_t rcky[8] = { 0 };

/* A Main Mode message 1: SA with one ISAKMP proposal of two transforms, two VIDs. */
static void
build_mm1(struct ike_buf *m)
{
	size_t sa, p, t;

	ike_buf_init(m, icky, rcky, IKE_EXCH_ID_PROT, 0, 0);
	sa = ike_buf_pl_begin(m, IKE_PL_SA);
	ike_buf_u32(m, IKE_DOI_IPSEC);
	ike_buf_u32(m, IKE_SIT_IDENTITY);
	p = m->len;
	ike_buf_u8(m, 0);               /* last proposal */
	ike_buf_u8(m, 0);
	ike_buf_u16(m, 0);              /* length, below */
	ike_buf_u8(m, 1);               /* proposal # */
	ike_buf_u8(m, IKE_PROTO_ISAKMP);
	ike_buf_u8(m, 0);               /* SPI size */
	ike_buf_u8(m, 2);               /* transforms */
	for (int i = 0; i < 2; i++) {
		t = m->len;
		ike_buf_u8(m, i == 0 ? IKE_PL_T : 0);
		ike_buf_u8(m, 0);
		ike_buf_u16(m, 0);
		ike_buf_u8(m, (uint8_t)(i + 1));
		ike_buf_u8(m, IKE_KEY_IKE);
		ike_buf_u16(m, 0);
		ike_buf_attr(m, IKE_A1_ENC, IKE_ENC_AES_CBC);
		ike_buf_attr(m, IKE_A1_KEYLEN, i == 0 ? 128 : 256);
		ike_buf_attr(m, IKE_A1_HASH, IKE_HASHALG_SHA1);
		ike_buf_attr(m, IKE_A1_AUTH, IKE_AUTH_PSK);
		ike_buf_attr(m, IKE_A1_GROUP, IKE_GROUP_MODP2048);
		ike_buf_attr(m, IKE_A1_LIFE_TYPE, IKE_LIFE_SECONDS);
		ike_buf_attr(m, IKE_A1_LIFE_DUR, 86400);   /* > 16 bits: TLV */
		ike_put16(m->b + t + 2, (uint16_t)(m->len - t));
	}
	ike_put16(m->b + p + 2, (uint16_t)(m->len - p));
	ike_buf_pl_end(m, sa);
	ike_buf_pl(m, IKE_PL_VID, "0123456789abcdef", 16);
	ike_buf_pl(m, IKE_PL_VID, "RFC 3947 vid....", 16);
	CU_ASSERT_EQUAL_FATAL(ike_buf_finish(m), 0);
}

static void
test_mm1_round_trip(void)
{
	static struct ike_buf m;
	struct ike_hdr h;
	struct ike_pls pls;
	static struct ike_sa_pl sa;
	const struct ike_pl *pl;
	struct ike_attr a;
	const uint8_t *q, *end;
	int n = 0;
	bool life_seen = false;

	build_mm1(&m);
	CU_ASSERT_EQUAL_FATAL(ike_hdr_parse(m.b, m.len, &h), 0);
	CU_ASSERT_EQUAL(h.len, m.len);
	CU_ASSERT_EQUAL(h.np, IKE_PL_SA);
	CU_ASSERT_EQUAL(h.exch, IKE_EXCH_ID_PROT);
	CU_ASSERT_EQUAL(h.version, IKE_VERSION_1);
	CU_ASSERT_EQUAL(memcmp(h.icky, icky, 8), 0);
	CU_ASSERT_EQUAL_FATAL(ike_pl_parse(h.np, m.b + IKE_HDR_LEN, h.len - IKE_HDR_LEN, false,
					   &pls), 0);
	CU_ASSERT_EQUAL(pls.n, 3);
	CU_ASSERT_PTR_NOT_NULL(ike_pls_find(&pls, IKE_PL_VID, 1));
	CU_ASSERT_PTR_NULL(ike_pls_find(&pls, IKE_PL_VID, 2));
	pl = ike_pls_find(&pls, IKE_PL_SA, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(pl);
	CU_ASSERT_EQUAL_FATAL(ike_sa_parse(pl->body, pl->len, &sa), 0);
	CU_ASSERT_EQUAL(sa.n_props, 1);
	CU_ASSERT_EQUAL(sa.prop[0].proto, IKE_PROTO_ISAKMP);
	CU_ASSERT_EQUAL(sa.prop[0].n_xforms, 2);
	CU_ASSERT_EQUAL(sa.prop[0].x[1].num, 2);
	q = sa.prop[0].x[1].attrs;
	end = q + sa.prop[0].x[1].attrs_len;
	while (ike_attr_next(&q, end, &a) > 0) {
		n++;
		if (a.type == IKE_A1_KEYLEN)
			CU_ASSERT_EQUAL(a.num, 256);
		if (a.type == IKE_A1_LIFE_DUR) {
			CU_ASSERT_FALSE(a.tv);
			CU_ASSERT_EQUAL(a.num, 86400);
			life_seen = true;
		}
	}
	CU_ASSERT_EQUAL(n, 7);
	CU_ASSERT(life_seen);
}

/* Every strict prefix of a valid message must fail cleanly, never read past it. */
static void
test_mm1_truncations(void)
{
	static struct ike_buf m;
	struct ike_hdr h;
	struct ike_pls pls;
	static struct ike_sa_pl sa;

	build_mm1(&m);
	for (size_t cut = 0; cut < m.len; cut++) {
		/* a copy of exactly `cut` bytes, so ASan sees any overread */
		uint8_t *b = malloc(cut ? cut : 1);
		int rc;

		CU_ASSERT_PTR_NOT_NULL_FATAL(b);
		memcpy(b, m.b, cut);
		rc = ike_hdr_parse(b, cut, &h);
		CU_ASSERT(rc < 0);
		/* a lying header length over the short buffer: the chain must not parse */
		if (cut > IKE_HDR_LEN) {
			rc = ike_pl_parse(IKE_PL_SA, b + IKE_HDR_LEN, cut - IKE_HDR_LEN, false, &pls);
			CU_ASSERT(rc < 0);
		}
		free(b);
	}
	/* truncated SA bodies */
	CU_ASSERT_EQUAL_FATAL(ike_hdr_parse(m.b, m.len, &h), 0);
	CU_ASSERT_EQUAL_FATAL(ike_pl_parse(h.np, m.b + IKE_HDR_LEN, h.len - IKE_HDR_LEN, false,
					   &pls), 0);
	for (size_t cut = 0; cut < pls.p[0].len; cut++) {
		uint8_t *b = malloc(cut ? cut : 1);

		CU_ASSERT_PTR_NOT_NULL_FATAL(b);
		memcpy(b, pls.p[0].body, cut);
		CU_ASSERT(ike_sa_parse(b, cut, &sa) < 0);
		free(b);
	}
}

static void
test_bad_lengths(void)
{
	static struct ike_buf m;
	struct ike_hdr h;
	struct ike_pls pls;
	static struct ike_sa_pl sa;
	uint8_t b[IKE_MSG_MAX];

	build_mm1(&m);
	/* header length below 28 */
	memcpy(b, m.b, m.len);
	ike_put32(b + 24, 20);
	CU_ASSERT_EQUAL(ike_hdr_parse(b, m.len, &h), -EBADMSG);
	/* header length above the datagram */
	ike_put32(b + 24, (uint32_t)m.len + 1);
	CU_ASSERT_EQUAL(ike_hdr_parse(b, m.len, &h), -EMSGSIZE);
	/* payload length below 4 */
	memcpy(b, m.b, m.len);
	ike_put16(b + IKE_HDR_LEN + 2, 3);
	CU_ASSERT_EQUAL(ike_pl_parse(IKE_PL_SA, b + IKE_HDR_LEN, m.len - IKE_HDR_LEN, false,
				     &pls), -EBADMSG);
	/* trailing garbage: refused in clear, allowed as padding when encrypted */
	memcpy(b, m.b, m.len);
	b[m.len] = 0;
	CU_ASSERT_EQUAL(ike_pl_parse(IKE_PL_SA, b + IKE_HDR_LEN, m.len - IKE_HDR_LEN + 1, false,
				     &pls), -EBADMSG);
	CU_ASSERT_EQUAL(ike_pl_parse(IKE_PL_SA, b + IKE_HDR_LEN, m.len - IKE_HDR_LEN + 1, true,
				     &pls), 0);
	CU_ASSERT_EQUAL(pls.used, m.len - IKE_HDR_LEN);
	/* SA: wrong DOI, transform count 0, attribute running past the transform */
	CU_ASSERT_EQUAL_FATAL(ike_pl_parse(IKE_PL_SA, m.b + IKE_HDR_LEN, m.len - IKE_HDR_LEN,
					   false, &pls), 0);
	memcpy(b, pls.p[0].body, pls.p[0].len);
	b[3] = 2;
	CU_ASSERT_EQUAL(ike_sa_parse(b, pls.p[0].len, &sa), -EBADMSG);
	memcpy(b, pls.p[0].body, pls.p[0].len);
	b[8 + 7] = 0;
	CU_ASSERT_EQUAL(ike_sa_parse(b, pls.p[0].len, &sa), -EBADMSG);
	memcpy(b, pls.p[0].body, pls.p[0].len);
	b[8 + 8 + 8] &= 0x7f;              /* first attribute becomes TLV ... */
	b[8 + 8 + 8 + 3] = 200;            /* ... with a length past the end */
	CU_ASSERT(ike_sa_parse(b, pls.p[0].len, &sa) < 0);
	/* transform count says 3, only 2 present */
	memcpy(b, pls.p[0].body, pls.p[0].len);
	b[8 + 7] = 3;
	CU_ASSERT(ike_sa_parse(b, pls.p[0].len, &sa) < 0);
}

static void
test_small_payloads(void)
{
	struct ike_id id;
	struct ike_notify n;
	struct ike_delete d;
	uint32_t addr;
	static const uint8_t idv4[] = { IKE_ID_IPV4_ADDR, 17, 0x01, 0xf4, 192, 0, 2, 1 };
	static const uint8_t idfq[] = { IKE_ID_FQDN, 0, 0, 0, 'a', '.', 'b' };
	static const uint8_t nt[] = { 0, 0, 0, 1, 1, 16, 0x8d, 0x28,
				      1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
				      0, 0, 0, 7 };
	static const uint8_t del[] = { 0, 0, 0, 1, 3, 4, 0, 2, 1, 2, 3, 4, 5, 6, 7, 8 };
	static const uint8_t oa[] = { IKE_ID_IPV4_ADDR, 0, 0, 0, 10, 0, 0, 5 };

	CU_ASSERT_EQUAL(ike_id_parse(idv4, sizeof(idv4), &id), 0);
	CU_ASSERT_EQUAL(id.port, 500);
	CU_ASSERT_EQUAL(id.len, 4);
	CU_ASSERT_EQUAL(ike_id_parse(idfq, sizeof(idfq), &id), 0);
	CU_ASSERT_EQUAL(id.len, 3);
	for (size_t c = 0; c < sizeof(idv4); c++)
		CU_ASSERT(ike_id_parse(idv4, c, &id) < 0);
	CU_ASSERT(ike_id_parse(idfq, 4, &id) < 0);   /* empty FQDN */

	CU_ASSERT_EQUAL(ike_notify_parse(nt, sizeof(nt), &n), 0);
	CU_ASSERT_EQUAL(n.type, 36136);
	CU_ASSERT_EQUAL(n.spi_size, 16);
	CU_ASSERT_EQUAL(n.data_len, 4);
	for (size_t c = 0; c < 24; c++)
		CU_ASSERT(ike_notify_parse(nt, c, &n) < 0);

	CU_ASSERT_EQUAL(ike_delete_parse(del, sizeof(del), &d), 0);
	CU_ASSERT_EQUAL(d.n_spi, 2);
	CU_ASSERT_EQUAL(d.spis[4], 5);
	for (size_t c = 0; c < sizeof(del); c++)
		CU_ASSERT(ike_delete_parse(del, c, &d) < 0);

	CU_ASSERT_EQUAL(ike_natoa_parse(oa, sizeof(oa), &addr), 0);
	CU_ASSERT_EQUAL(memcmp(&addr, oa + 4, 4), 0);
	for (size_t c = 0; c < sizeof(oa); c++)
		CU_ASSERT(ike_natoa_parse(oa, c, &addr) < 0);
}

static void
test_builder_overflow(void)
{
	static struct ike_buf m;
	static uint8_t big[IKE_MSG_MAX];

	ike_buf_init(&m, icky, rcky, IKE_EXCH_INFO, 0, 7);
	ike_buf_pl(&m, IKE_PL_VID, big, sizeof(big));
	CU_ASSERT(m.err);
	CU_ASSERT_EQUAL(ike_buf_finish(&m), -EMSGSIZE);
	/* too many payloads in a chain are refused */
	ike_buf_init(&m, icky, rcky, IKE_EXCH_INFO, 0, 7);
	for (int i = 0; i < IKE_MAX_PL + 1; i++)
		ike_buf_pl(&m, IKE_PL_VID, "x", 1);
	CU_ASSERT_EQUAL_FATAL(ike_buf_finish(&m), 0);
	{
		struct ike_pls pls;

		CU_ASSERT_EQUAL(ike_pl_parse(IKE_PL_VID, m.b + IKE_HDR_LEN, m.len - IKE_HDR_LEN,
					     false, &pls), -EBADMSG);
	}
}

/* Any number of proposals and transforms the wire format allows (found: more
 * than 8 Quick Mode proposals, as racoon-based clients send, were refused). */
static void
sa_body(uint8_t *b, size_t *len, unsigned int props, unsigned int xforms)
{
	size_t o = 8;

	ike_put32(b, IKE_DOI_IPSEC);
	ike_put32(b + 4, IKE_SIT_IDENTITY);
	for (unsigned int p = 0; p < props; p++) {
		size_t po = o;

		b[o] = p + 1 < props ? IKE_PL_P : IKE_PL_NONE;
		b[o + 1] = 0;
		b[o + 4] = (uint8_t)(p + 1);
		b[o + 5] = IKE_PROTO_ESP;
		b[o + 6] = 4;
		b[o + 7] = (uint8_t)xforms;
		ike_put32(b + o + 8, 0x1000 + p);
		o += 12;
		for (unsigned int x = 0; x < xforms; x++) {
			b[o] = x + 1 < xforms ? IKE_PL_T : IKE_PL_NONE;
			b[o + 1] = 0;
			ike_put16(b + o + 2, 12);
			b[o + 4] = (uint8_t)(x + 1);
			b[o + 5] = IKE_ESP_AES_CBC;
			b[o + 6] = b[o + 7] = 0;
			ike_put16(b + o + 8, 0x8000 | IKE_A2_KEYLEN);
			ike_put16(b + o + 10, 128);
			o += 12;
		}
		ike_put16(b + po + 2, (uint16_t)(o - po));
	}
	*len = o;
}

static void
test_many_proposals(void)
{
	static uint8_t b[65536];
	static struct ike_sa_pl sa;
	size_t len;

	sa_body(b, &len, 40, 1);
	CU_ASSERT_EQUAL_FATAL(ike_sa_parse(b, len, &sa), 0);
	CU_ASSERT_EQUAL(sa.n_props, 40);
	CU_ASSERT_EQUAL(ike_get32(sa.prop[39].spi), 0x1000 + 39);
	CU_ASSERT_EQUAL(sa.prop[39].x[0].id, IKE_ESP_AES_CBC);
	sa_body(b, &len, 1, 255);                 /* the most one proposal can carry */
	CU_ASSERT_EQUAL_FATAL(ike_sa_parse(b, len, &sa), 0);
	CU_ASSERT_EQUAL(sa.prop[0].n_xforms, 255);
	CU_ASSERT_EQUAL(sa.prop[0].x[254].num, 255);
	sa_body(b, &len, 30, 100);                /* 3000 transforms: past the pool */
	CU_ASSERT_EQUAL(ike_sa_parse(b, len, &sa), -E2BIG);
}

int
main(void)
{
	CU_pSuite s;
	unsigned int fails;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("ike_msg", NULL, NULL);
	CU_add_test(s, "main mode 1 round trip", test_mm1_round_trip);
	CU_add_test(s, "every truncation fails cleanly", test_mm1_truncations);
	CU_add_test(s, "bad lengths", test_bad_lengths);
	CU_add_test(s, "any number of proposals and transforms", test_many_proposals);
	CU_add_test(s, "id, notify, delete, nat-oa", test_small_payloads);
	CU_add_test(s, "builder overflow and payload cap", test_builder_overflow);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures();
	CU_cleanup_registry();
	return fails ? 1 : 0;
}
