/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the L2TPv2 data header and PPP framing codec. Two references come
 * from scapy 2.5 (an independent encoder/decoder), as noted where they are used.
 */
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "lns_l2tp_data.h"

/* Plain header, address/control, uncompressed protocol 0x0021, two IPv4 bytes. */
static const uint8_t plain[] = { 0x00, 0x02, 0x12, 0x34, 0x56, 0x78, 0xff, 0x03, 0x00, 0x21,
				 0x45, 0x00 };
/* L (length 21), S (Ns 5, Nr 9), O (offset 2, two pad bytes), PPP without
 * address/control and with PFC (21). scapy's L2TP() decodes it to the same
 * fields: hdr offset+sequence+length, len 21, tunnel 1, session 2, ns 5, nr 9. */
static const uint8_t full[] = { 0x4a, 0x02, 0x00, 0x15, 0x00, 0x01, 0x00, 0x02, 0x00, 0x05,
				0x00, 0x09, 0x00, 0x02, 0xaa, 0xbb, 0x21, 0x45, 0x00, 0x00,
				0x00, 0xee, 0xee };

static void
test_parse_plain(void)
{
	struct lns_l2tp_data d;
	uint16_t proto = 0;
	uint32_t n;

	CU_ASSERT_EQUAL_FATAL(lns_l2tp_data_parse(plain, sizeof(plain), &d), LNS_L2TP_DATA);
	CU_ASSERT_EQUAL(d.tunnel_id, 0x1234);
	CU_ASSERT_EQUAL(d.session_id, 0x5678);
	CU_ASSERT_EQUAL(d.has_seq, 0);
	CU_ASSERT_EQUAL(d.payload_off, 6);
	CU_ASSERT_EQUAL(d.payload_len, sizeof(plain) - 6);
	n = lns_ppp_parse(plain + d.payload_off, d.payload_len, &proto);
	CU_ASSERT_EQUAL(n, 4);
	CU_ASSERT_EQUAL(proto, LNS_PPP_IPV4);
}

static void
test_parse_all_flags(void)
{
	struct lns_l2tp_data d;
	uint16_t proto = 0;

	CU_ASSERT_EQUAL_FATAL(lns_l2tp_data_parse(full, sizeof(full), &d), LNS_L2TP_DATA);
	CU_ASSERT_EQUAL(d.tunnel_id, 1);
	CU_ASSERT_EQUAL(d.session_id, 2);
	CU_ASSERT_EQUAL(d.has_seq, 1);
	CU_ASSERT_EQUAL(d.ns, 5);
	CU_ASSERT_EQUAL(d.nr, 9);
	CU_ASSERT_EQUAL(d.payload_off, 16);
	/* the length field (0x15 = 21) bounds the message: trailing bytes are ignored */
	CU_ASSERT_EQUAL(d.payload_len, 21 - 16);
	CU_ASSERT_EQUAL(lns_ppp_parse(full + 16, d.payload_len, &proto), 1);
	CU_ASSERT_EQUAL(proto, LNS_PPP_IPV4);
}

static void
test_parse_errors(void)
{
	struct lns_l2tp_data d;
	uint8_t b[sizeof(full)];

	/* control message */
	memcpy(b, full, sizeof(b));
	b[0] = 0xc8;
	CU_ASSERT_EQUAL(lns_l2tp_data_parse(b, sizeof(b), &d), LNS_L2TP_CONTROL);
	/* L2TPv3 and v1 are not ours */
	memcpy(b, plain, sizeof(plain));
	b[1] = 3;
	CU_ASSERT_EQUAL(lns_l2tp_data_parse(b, sizeof(plain), &d), LNS_L2TP_BAD_VERSION);
	b[1] = 1;
	CU_ASSERT_EQUAL(lns_l2tp_data_parse(b, sizeof(plain), &d), LNS_L2TP_BAD_VERSION);
	/* length field larger than the datagram */
	memcpy(b, full, sizeof(b));
	b[3] = 0x40;
	CU_ASSERT_EQUAL(lns_l2tp_data_parse(b, sizeof(b), &d), LNS_L2TP_TRUNCATED);
	/* length field shorter than the header it announces */
	b[3] = 0x05;
	CU_ASSERT_EQUAL(lns_l2tp_data_parse(b, sizeof(b), &d), LNS_L2TP_BAD_LENGTH);
	/* offset pad past the message */
	memcpy(b, full, sizeof(b));
	b[13] = 0x30;
	CU_ASSERT_EQUAL(lns_l2tp_data_parse(b, sizeof(b), &d), LNS_L2TP_TRUNCATED);
}

static void
test_every_truncation(void)
{
	const uint8_t *frames[2] = { plain, full };
	const uint32_t lens[2] = { 6, 16 };  /* header bytes of each */

	for (int f = 0; f < 2; f++) {
		for (uint32_t l = 0; l < lens[f]; l++) {
			uint8_t *copy = malloc(l ? l : 1);
			struct lns_l2tp_data d;
			enum lns_l2tp_parse r;

			memcpy(copy, frames[f], l);
			r = lns_l2tp_data_parse(copy, l, &d);
			CU_ASSERT(r == LNS_L2TP_TRUNCATED || r == LNS_L2TP_BAD_LENGTH);
			free(copy);
		}
	}
}

static void
test_ppp_framing(void)
{
	uint16_t proto;
	static const uint8_t lcp[] = { 0xff, 0x03, 0xc0, 0x21, 0x01 };
	static const uint8_t lcp_acfc[] = { 0xc0, 0x21, 0x01 };
	static const uint8_t bad_proto[] = { 0x00, 0x20 };   /* low byte even */
	static const uint8_t only_ac[] = { 0xff, 0x03 };

	CU_ASSERT_EQUAL(lns_ppp_parse(lcp, sizeof(lcp), &proto), 4);
	CU_ASSERT_EQUAL(proto, LNS_PPP_LCP);
	CU_ASSERT_EQUAL(lns_ppp_parse(lcp_acfc, sizeof(lcp_acfc), &proto), 2);
	CU_ASSERT_EQUAL(proto, LNS_PPP_LCP);
	CU_ASSERT_EQUAL(lns_ppp_parse(bad_proto, sizeof(bad_proto), &proto), 0);
	CU_ASSERT_EQUAL(lns_ppp_parse(only_ac, sizeof(only_ac), &proto), 0);
	CU_ASSERT_EQUAL(lns_ppp_parse(lcp, 0, &proto), 0);
	CU_ASSERT_EQUAL(lns_ppp_parse(lcp, 3, &proto), 0); /* ff 03 c0: cut protocol */
}

static void
test_build_roundtrip(void)
{
	for (int seq = 0; seq < 2; seq++)
		for (int acfc = 0; acfc < 2; acfc++)
			for (int pfc = 0; pfc < 2; pfc++) {
				uint8_t b[32];
				struct lns_l2tp_data d = { 0 };
				uint16_t proto = 0;
				uint32_t n, m;

				n = lns_l2tp_data_build(b, 0xabcd, 0x0102, seq, 7, 8, acfc, pfc,
							LNS_PPP_IPV4);
				CU_ASSERT_EQUAL(n, lns_l2tp_data_hdr_len(seq, acfc, pfc));
				b[n] = 0x45;
				CU_ASSERT_EQUAL_FATAL(lns_l2tp_data_parse(b, n + 1, &d), LNS_L2TP_DATA);
				CU_ASSERT_EQUAL(d.tunnel_id, 0xabcd);
				CU_ASSERT_EQUAL(d.session_id, 0x0102);
				CU_ASSERT_EQUAL(d.has_seq, seq);
				if (seq)
					CU_ASSERT(d.ns == 7 && d.nr == 8);
				m = lns_ppp_parse(b + d.payload_off, d.payload_len, &proto);
				CU_ASSERT_EQUAL(d.payload_off + m, n);
				CU_ASSERT_EQUAL(proto, LNS_PPP_IPV4);
			}
	/* scapy: bytes(L2TP(tunnel_id=0x1234, session_id=0x5678)/HDLC()/PPP(proto=0x21))
	 * is 000212345678ff0321 (scapy compresses the protocol): our build with PFC. */
	{
		static const uint8_t scapy_bytes[] = { 0x00, 0x02, 0x12, 0x34, 0x56, 0x78,
						       0xff, 0x03, 0x21 };
		uint8_t b[16];
		uint32_t n = lns_l2tp_data_build(b, 0x1234, 0x5678, 0, 0, 0, 0, 1, LNS_PPP_IPV4);

		CU_ASSERT_EQUAL(n, sizeof(scapy_bytes));
		CU_ASSERT_EQUAL(memcmp(b, scapy_bytes, sizeof(scapy_bytes)), 0);
		n = lns_l2tp_data_build(b, 0x1234, 0x5678, 0, 0, 0, 0, 0, LNS_PPP_IPV4);
		CU_ASSERT_EQUAL(n, 10);
		CU_ASSERT_EQUAL(memcmp(b, plain, 10), 0);
	}
}

int
main(void)
{
	CU_pSuite s;
	unsigned int fails;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	s = CU_add_suite("l2tp_data", NULL, NULL);
	CU_add_test(s, "plain data message", test_parse_plain);
	CU_add_test(s, "L, S, O bits and PFC", test_parse_all_flags);
	CU_add_test(s, "control, version and length errors", test_parse_errors);
	CU_add_test(s, "every truncation of the header", test_every_truncation);
	CU_add_test(s, "PPP framing with and without ACFC/PFC", test_ppp_framing);
	CU_add_test(s, "build/parse round trip", test_build_roundtrip);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures();
	CU_cleanup_registry();
	return fails ? 1 : 0;
}
