/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Classic libpcap file format (what Pktgen-DPDK's -s option and DPDK's net_pcap
 * read), written by libpcap itself: a dead Ethernet handle with a 65535-byte
 * snaplen and microsecond timestamps, dumped to a file.
 */
#include <errno.h>
#include <string.h>

#include <pcap/pcap.h>

#include "trafgen.h"

#define TG_SNAPLEN 65535

int
tg_pcap_open(struct tg_pcap *p, const char *path)
{
	memset(p, 0, sizeof(*p));
	p->min_len = UINT32_MAX;
	p->pcap = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, TG_SNAPLEN,
						       PCAP_TSTAMP_PRECISION_MICRO);
	if (p->pcap == NULL)
		return -ENOMEM;
	errno = 0;
	p->dump = pcap_dump_open(p->pcap, path);
	if (p->dump == NULL) {
		int rc = errno != 0 ? -errno : -EIO;

		pcap_close(p->pcap);
		p->pcap = NULL;
		return rc;
	}
	return 0;
}

int
tg_pcap_write(struct tg_pcap *p, const uint8_t *frame, uint32_t len)
{
	/* Timestamps 1 us apart: only their order matters to replayers. */
	struct pcap_pkthdr h = {
		.ts = { .tv_sec = (time_t)(p->n / 1000000), .tv_usec = (suseconds_t)(p->n % 1000000) },
		.caplen = len, .len = len,
	};

	if (len == 0 || len > TG_SNAPLEN)
		return -EINVAL;
	pcap_dump((u_char *)p->dump, &h, frame);
	if (ferror(pcap_dump_file(p->dump)))
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

	if (p->dump == NULL)
		return 0;
	/* pcap_dump_close reports nothing: flush first so a full disk is an error. */
	if (pcap_dump_flush(p->dump) != 0 || ferror(pcap_dump_file(p->dump)))
		rc = -EIO;
	pcap_dump_close(p->dump);
	pcap_close(p->pcap);
	p->dump = NULL;
	p->pcap = NULL;
	return rc;
}
