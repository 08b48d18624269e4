/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the RADIUS decoder (lib/aaa) on a hostile datagram, as the
 * client reads answers and as a CoA/Disconnect listener would read requests.
 *
 * Contracts checked: a datagram lns_rad_parse() accepts has a Length within
 * 20..4096 and the input; walking it visits attributes that lie inside that
 * Length, and the walk ends; every lookup returns values inside the packet;
 * the authenticator checks run (and fail on a wrong secret) without reading
 * past the end.
 */
#include <stdint.h>
#include <string.h>

#include "lns_radius.h"

#include "fuzz_common.h"

static void
inside(const struct lns_rad_view *v, const uint8_t *p, size_t n)
{
	FUZZ_CHECK(p >= v->pkt + LNS_RAD_HDR_LEN && p + n <= v->pkt + v->len);
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	static const uint8_t ra[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
	struct lns_rad_view v;
	const uint8_t *val;
	size_t pos = 0, steps = 0;
	uint8_t type, len, clear[128];
	uint32_t u;

	if (lns_rad_parse(d, n, &v) != 0)
		return 0;
	FUZZ_CHECK(v.len >= LNS_RAD_HDR_LEN && v.len <= LNS_RAD_MAX_LEN && v.len <= n);
	while (lns_rad_next(&v, &pos, &type, &val, &len)) {
		inside(&v, val, len);
		FUZZ_CHECK(++steps <= LNS_RAD_MAX_LEN / 2);
		if (type == LNS_RA_USER_PASSWORD && len >= 16 && len <= 128 && len % 16 == 0)
			FUZZ_CHECK(lns_rad_unhide_password(val, len, (const uint8_t *)"s", 1, ra,
							   clear) == len);
	}
	FUZZ_CHECK(pos == 0 || pos == v.len);
	if (lns_rad_find_vsa(&v, LNS_RAD_VENDOR_MICROSOFT, LNS_RA_MS_CHAP2_SUCCESS, &val, &len))
		inside(&v, val, len);
	if (lns_rad_find_vsa(&v, LNS_RAD_VENDOR_MICROSOFT, LNS_RA_MS_PRIMARY_DNS, &val, &len))
		inside(&v, val, len);
	if (lns_rad_find(&v, LNS_RA_REPLY_MESSAGE, &val, &len))
		inside(&v, val, len);
	if (lns_rad_find_vsa(&v, LNS_RAD_VENDOR_MIKROTIK, LNS_RA_MIKROTIK_RATE_LIMIT, &val, &len)) {
		uint64_t up = 1, down = 1;

		inside(&v, val, len);
		/* a value it takes gives rates within bounds; one it refuses leaves both */
		if (lns_rad_parse_rate_limit(val, len, &up, &down) == 0)
			FUZZ_CHECK(up <= LNS_RAD_RATE_MAX && down <= LNS_RAD_RATE_MAX);
		else
			FUZZ_CHECK(up == 1 && down == 1);
	}
	{       /* the rate parser on the raw input too (any bytes, any length) */
		uint64_t up = 1, down = 1;

		if (lns_rad_parse_rate_limit(d, n, &up, &down) == 0)
			FUZZ_CHECK(up <= LNS_RAD_RATE_MAX && down <= LNS_RAD_RATE_MAX);
	}
	(void)lns_rad_get_u32(&v, LNS_RA_FRAMED_IP_ADDRESS, &u);
	(void)lns_rad_verify_response(&v, ra, (const uint8_t *)"secret", 6);
	(void)lns_rad_verify_request(&v, (const uint8_t *)"secret", 6);
	if (fuzz_debug())
		fprintf(stderr, "radius: code %u id %u len %u attrs %zu\n", v.code, v.id, v.len,
			steps);
	return 0;
}
