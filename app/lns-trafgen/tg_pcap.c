/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Classic libpcap file format (what Pktgen-DPDK's -s option and DPDK's net_pcap
 * read): a 24-byte global header, then per packet a 16-byte record header and the
 * frame. Written in host byte order; the magic number tells readers which that is.
 */
#include <errno.h>
#include <string.h>

#include "trafgen.h"

struct pcap_global {
	uint32_t magic;
	uint16_t major, minor;
	int32_t  thiszone;
	uint32_t sigfigs, snaplen, linktype;
};

struct pcap_rec {
	uint32_t ts_sec, ts_usec, incl_len, orig_len;
};

int
tg_pcap_open(struct tg_pcap *p, const char *path)
{
	const struct pcap_global g = {
		.magic = 0xa1b2c3d4, .major = 2, .minor = 4, .snaplen = 65535,
		.linktype = 1,   /* LINKTYPE_ETHERNET */
	};

	memset(p, 0, sizeof(*p));
	p->f = fopen(path, "wb");
	if (p->f == NULL)
		return -errno;
	p->min_len = UINT32_MAX;
	if (fwrite(&g, sizeof(g), 1, p->f) != 1) {
		fclose(p->f);
		p->f = NULL;
		return -EIO;
	}
	return 0;
}

int
tg_pcap_write(struct tg_pcap *p, const uint8_t *frame, uint32_t len)
{
	/* Timestamps 1 us apart: only their order matters to replayers. */
	struct pcap_rec r = {
		.ts_sec = (uint32_t)(p->n / 1000000), .ts_usec = (uint32_t)(p->n % 1000000),
		.incl_len = len, .orig_len = len,
	};

	if (len == 0 || len > 65535)
		return -EINVAL;
	if (fwrite(&r, sizeof(r), 1, p->f) != 1 || fwrite(frame, len, 1, p->f) != 1)
		return -EIO;
	p->n++;
	p->bytes += len;
	if (len < p->min_len)
		p->min_len = len;
	if (len > p->max_len)
		p->max_len = len;
	return 0;
}

int
tg_pcap_close(struct tg_pcap *p)
{
	int rc = 0;

	if (p->f == NULL)
		return 0;
	if (ferror(p->f))
		rc = -EIO;
	if (fclose(p->f) != 0 && rc == 0)
		rc = -errno;
	p->f = NULL;
	return rc;
}
