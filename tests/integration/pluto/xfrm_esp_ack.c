/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * LD_PRELOAD shim for libreswan's pluto in tests/integration/test_pluto.sh.
 *
 * The test kernels have XFRM netlink (policies, SPI allocation) but no ESP
 * (CONFIG_INET_ESP unset): adding an ESP state fails with EPROTONOSUPPORT, and pluto
 * then never sends Quick Mode message 3, so lnsd never completes the exchange.
 * This shim turns exactly that answer into an acknowledgement: for a request of
 * type XFRM_MSG_NEWSA/UPDSA with protocol ESP written to a NETLINK_XFRM socket, the
 * kernel's NLMSG_ERROR with -EPROTONOSUPPORT (no ESP) or -ENOSYS (no such cipher,
 * as for 3DES here) and the same sequence number reads as success. Nothing else changes: pluto's IKE, its keys and its packets are its own.
 * pluto never passes traffic through the kernel here; the test sends ESP itself with
 * the keys pluto logged.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <linux/xfrm.h>
#include <netinet/in.h>

#define SEQS 64
static uint32_t seqs[SEQS];	/* sequence numbers of ESP state requests */
static unsigned int nseq;

static int
is_xfrm(int fd)
{
	int v = 0;
	socklen_t l = sizeof(v);

	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &v, &l) != 0 || v != AF_NETLINK)
		return 0;
	l = sizeof(v);
	return getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &v, &l) == 0 && v == NETLINK_XFRM;
}

/*
 * Netlink messages are walked with memcpy into aligned copies: the buffers come
 * from the caller and need not be aligned for struct nlmsghdr.
 */

/* Remember the ESP state requests in a buffer about to be sent. */
static void
note_requests(const void *buf, size_t len)
{
	const char *p = buf;
	struct nlmsghdr h;
	struct xfrm_usersa_info sa;

	for (size_t off = 0; off + sizeof(h) <= len; off += NLMSG_ALIGN(h.nlmsg_len)) {
		memcpy(&h, p + off, sizeof(h));
		if (h.nlmsg_len < sizeof(h) || h.nlmsg_len > len - off)
			break;
		if ((h.nlmsg_type != XFRM_MSG_NEWSA && h.nlmsg_type != XFRM_MSG_UPDSA) ||
		    h.nlmsg_len < NLMSG_LENGTH(sizeof(sa)))
			continue;
		memcpy(&sa, p + off + NLMSG_HDRLEN, sizeof(sa));
		if (sa.id.proto == IPPROTO_ESP)
			seqs[nseq++ % SEQS] = h.nlmsg_seq;
	}
}

/* Turn the kernel's "no ESP here" answers to those requests into acks. */
static void
fix_replies(void *buf, ssize_t n)
{
	char *p = buf;
	size_t len = n > 0 ? (size_t)n : 0;
	struct nlmsghdr h;
	int err;

	for (size_t off = 0; off + sizeof(h) <= len; off += NLMSG_ALIGN(h.nlmsg_len)) {
		memcpy(&h, p + off, sizeof(h));
		if (h.nlmsg_len < sizeof(h) || h.nlmsg_len > len - off)
			break;
		if (h.nlmsg_type != NLMSG_ERROR ||
		    h.nlmsg_len < NLMSG_LENGTH(sizeof(struct nlmsgerr)))
			continue;
		/* struct nlmsgerr starts with the int error */
		memcpy(&err, p + off + NLMSG_HDRLEN, sizeof(err));
		if (err != -EPROTONOSUPPORT && err != -ENOSYS)
			continue;
		for (unsigned int i = 0; i < SEQS && i < nseq; i++)
			if (seqs[i] == h.nlmsg_seq) {
				err = 0;
				memcpy(p + off + NLMSG_HDRLEN, &err, sizeof(err));
			}
	}
}

#define REAL(name) ((__typeof__(&name))dlsym(RTLD_NEXT, #name))

ssize_t
write(int fd, const void *buf, size_t len)
{
	if (is_xfrm(fd))
		note_requests(buf, len);
	return REAL(write)(fd, buf, len);
}

ssize_t
send(int fd, const void *buf, size_t len, int flags)
{
	if (is_xfrm(fd))
		note_requests(buf, len);
	return REAL(send)(fd, buf, len, flags);
}

ssize_t
sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *to,
       socklen_t tolen)
{
	if (is_xfrm(fd))
		note_requests(buf, len);
	return REAL(sendto)(fd, buf, len, flags, to, tolen);
}

ssize_t
sendmsg(int fd, const struct msghdr *msg, int flags)
{
	if (is_xfrm(fd) && msg->msg_iovlen >= 1)
		note_requests(msg->msg_iov[0].iov_base, msg->msg_iov[0].iov_len);
	return REAL(sendmsg)(fd, msg, flags);
}

ssize_t
read(int fd, void *buf, size_t len)
{
	ssize_t n = REAL(read)(fd, buf, len);

	if (n > 0 && nseq != 0 && is_xfrm(fd))
		fix_replies(buf, n);
	return n;
}

ssize_t
recv(int fd, void *buf, size_t len, int flags)
{
	ssize_t n = REAL(recv)(fd, buf, len, flags);

	if (n > 0 && nseq != 0 && is_xfrm(fd))
		fix_replies(buf, n);
	return n;
}

ssize_t
recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *from, socklen_t *fromlen)
{
	ssize_t n = REAL(recvfrom)(fd, buf, len, flags, from, fromlen);

	if (n > 0 && nseq != 0 && is_xfrm(fd))
		fix_replies(buf, n);
	return n;
}

ssize_t
recvmsg(int fd, struct msghdr *msg, int flags)
{
	ssize_t n = REAL(recvmsg)(fd, msg, flags);

	if (n > 0 && nseq != 0 && is_xfrm(fd) && msg->msg_iovlen >= 1)
		fix_replies(msg->msg_iov[0].iov_base,
			    (size_t)n < msg->msg_iov[0].iov_len ? n : (ssize_t)msg->msg_iov[0].iov_len);
	return n;
}
