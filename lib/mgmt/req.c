/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The request protocol (lns_req.h): the asker's side, and the hand-back both
 * sides share. The control lcore's side (dequeue, carry out) is in lib/ctl.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ring.h>

#include "lns_dp.h"
#include "lns_req.h"

void
lns_ctl_req_done(struct lns_ctl_req *r)
{
	uint32_t expect = LNS_REQ_PENDING;

	if (!__atomic_compare_exchange_n(&r->state, &expect, LNS_REQ_DONE, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		free(r); /* the asker gave up waiting */
}

int
lns_ctl_request_io(struct lns_dp *dp, uint32_t type, uint32_t arg, const void *in,
		   uint32_t inlen, void *out, uint32_t outlen, unsigned int timeout_ms,
		   int32_t *result)
{
	struct lns_ctl_req *r;
	uint32_t expect = LNS_REQ_PENDING;

	if (inlen > outlen)
		return -EINVAL;
	r = calloc(1, sizeof(*r) + outlen + sizeof(uint64_t));
	if (r == NULL)
		return -ENOMEM;
	if (inlen > 0)
		memcpy(r->buf, in, inlen);
	r->type = type;
	r->arg = arg;
	r->buflen = outlen;
	if (rte_ring_enqueue(dp->req, r) != 0) {
		free(r);
		return -ENOBUFS;
	}
	for (unsigned int i = 0; i < timeout_ms; i++) {
		if (__atomic_load_n(&r->state, __ATOMIC_ACQUIRE) == LNS_REQ_DONE)
			goto done;
		rte_delay_us_sleep(1000);
	}
	/* Control has not answered: hand the request over to it. */
	if (__atomic_compare_exchange_n(&r->state, &expect, LNS_REQ_ABANDONED, false,
					__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return -ETIMEDOUT;
done:   /* finished (perhaps just now) */
	*result = r->result;
	if (outlen > 0)
		memcpy(out, r->buf, outlen);
	free(r);
	return 0;
}

int
lns_ctl_request_buf(struct lns_dp *dp, uint32_t type, uint32_t arg, void *out, uint32_t outlen,
		    unsigned int timeout_ms, int32_t *result)
{
	return lns_ctl_request_io(dp, type, arg, NULL, 0, out, outlen, timeout_ms, result);
}

int
lns_ctl_request(struct lns_dp *dp, uint32_t type, uint32_t arg, unsigned int timeout_ms,
		int32_t *result)
{
	return lns_ctl_request_buf(dp, type, arg, NULL, 0, timeout_ms, result);
}

/* Names of the dynamic authorization server's counters (served by ctl_aaa.c). */
static const char *const das_names[] = {
#define X(e, n) n,
	LNS_DAS_STATS(X)
#undef X
};

const char *
lns_das_stat_name(unsigned int i)
{
	return i < LNS_DAS_STAT_MAX ? das_names[i] : "?";
}
