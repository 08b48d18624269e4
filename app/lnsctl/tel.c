/* SPDX-License-Identifier: BSD-3-Clause */
/* DPDK telemetry v2 client. See tel.h for the protocol and the contract. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "tel.h"

int
tel_runtime_dir(char *out, size_t size, const char *runtime_dir, const char *file_prefix,
		uid_t uid, const char *xdg)
{
	int n;

	/* mirrors EAL's eal_create_runtime_dir() */
	if (runtime_dir != NULL)
		n = snprintf(out, size, "%s/%s", runtime_dir, file_prefix);
	else if (uid == 0)
		n = snprintf(out, size, "/var/run/dpdk/%s", file_prefix);
	else if (xdg != NULL && xdg[0] != '\0')
		n = snprintf(out, size, "%s/dpdk/%s", xdg, file_prefix);
	else
		n = snprintf(out, size, "/tmp/dpdk/%s", file_prefix);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* Wait until fd is readable. @return 0, -ETIMEDOUT or -errno. */
static int
wait_readable(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int rc;

	do {
		rc = poll(&p, 1, timeout_ms);
	} while (rc < 0 && errno == EINTR);
	if (rc < 0)
		return -errno;
	return rc == 0 ? -ETIMEDOUT : 0;
}

/* Read one whole message into a fresh buffer (NUL-terminated for convenience).
 * @return its length, 0 when the peer closed, or -errno. */
static ssize_t
recv_message(int fd, int timeout_ms, char **out)
{
	char probe;
	ssize_t size, got;
	char *buf;
	int rc = wait_readable(fd, timeout_ms);

	*out = NULL;
	if (rc < 0)
		return rc;
	/* A SEQPACKET message must be read whole: MSG_PEEK|MSG_TRUNC tells its length
	 * without consuming it. */
	do {
		size = recv(fd, &probe, 1, MSG_PEEK | MSG_TRUNC);
	} while (size < 0 && errno == EINTR);
	if (size <= 0)
		return size < 0 ? -errno : 0;
	if (size > TEL_MAX_REPLY)
		return -EMSGSIZE;
	buf = malloc((size_t)size + 1);
	if (buf == NULL)
		return -ENOMEM;
	do {
		got = recv(fd, buf, (size_t)size, 0);
	} while (got < 0 && errno == EINTR);
	if (got != size) {
		free(buf);
		return got < 0 ? -errno : -EPROTO;
	}
	buf[size] = '\0';
	*out = buf;
	return size;
}

static void
parse_hello(struct tel_client *c, const struct ljson *h)
{
	const char *v = ljson_get_string(h, "version");
	const struct ljson *pid = ljson_get(h, "pid");

	snprintf(c->version, sizeof(c->version), "%s", v != NULL ? v : "");
	if (pid != NULL && pid->type == LJSON_NUMBER && (pid->num_flags & LJSON_NUM_I64))
		c->pid = (long)pid->i64;
	if (!ljson_get_u64(h, "max_output_len", &c->max_output_len))
		c->max_output_len = 0;
}

int
tel_open(struct tel_client *c, const char *path, int timeout_ms, char *err, size_t errlen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct ljson_error jerr;
	struct ljson_doc *doc;
	char *hello = NULL;
	ssize_t n;
	int rc;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->pid = -1;
	c->timeout_ms = timeout_ms;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "socket path longer than %zu bytes", sizeof(sun.sun_path) - 1);
		return -ENAMETOOLONG;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	c->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "socket: %s", strerror(-rc));
		return rc;
	}
	if (connect(c->fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s", strerror(-rc));
		tel_close(c);
		return rc;
	}
	n = recv_message(c->fd, timeout_ms, &hello);
	if (n <= 0) {
		rc = n < 0 ? (int)n : -ECONNRESET;
		if (rc == -ECONNRESET)
			/* DPDK closes at once when it already serves MAX_CONNECTIONS (10) */
			snprintf(err, errlen, "lnsd closed the connection at once "
				 "(DPDK telemetry serves at most 10 clients at a time)");
		else if (rc == -ETIMEDOUT)
			snprintf(err, errlen, "no greeting from the telemetry socket within %d ms",
				 timeout_ms);
		else
			snprintf(err, errlen, "reading the greeting: %s", strerror(-rc));
		tel_close(c);
		return rc;
	}
	doc = ljson_parse(hello, (size_t)n, &jerr);
	free(hello);
	if (doc == NULL || ljson_root(doc)->type != LJSON_OBJECT) {
		snprintf(err, errlen, "not a DPDK telemetry v2 socket (bad greeting%s%s)",
			 doc == NULL ? ": " : "", doc == NULL ? jerr.msg : "");
		ljson_free(doc);
		tel_close(c);
		return -EPROTO;
	}
	parse_hello(c, ljson_root(doc));
	ljson_free(doc);
	return 0;
}

int
tel_request(struct tel_client *c, const char *request, struct ljson_doc **doc,
	    size_t *reply_len, char *err, size_t errlen)
{
	size_t len = strlen(request);
	struct ljson_error jerr;
	char *reply = NULL;
	ssize_t n;

	*doc = NULL;
	if (len == 0 || len > TEL_MAX_REQUEST) {
		snprintf(err, errlen, "request must be 1 to %d bytes long", TEL_MAX_REQUEST);
		return -EINVAL;
	}
	do {
		n = send(c->fd, request, len, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		int rc = -errno;

		snprintf(err, errlen, "sending the request: %s", strerror(-rc));
		return rc;
	}
	n = recv_message(c->fd, c->timeout_ms, &reply);
	if (n <= 0) {
		int rc = n < 0 ? (int)n : -ECONNRESET;

		if (rc == -ECONNRESET)
			snprintf(err, errlen, "lnsd closed the connection without answering");
		else if (rc == -ETIMEDOUT)
			snprintf(err, errlen, "no answer within %d ms", c->timeout_ms);
		else if (rc == -EMSGSIZE)
			snprintf(err, errlen, "reply larger than %d bytes", TEL_MAX_REPLY);
		else
			snprintf(err, errlen, "reading the reply: %s", strerror(-rc));
		return rc;
	}
	*doc = ljson_parse(reply, (size_t)n, &jerr);
	free(reply);
	if (*doc == NULL) {
		snprintf(err, errlen, "reply is not valid JSON (byte %zu: %s)", jerr.offset, jerr.msg);
		return -EPROTO;
	}
	if (reply_len != NULL)
		*reply_len = (size_t)n;
	return 0;
}

const struct ljson *
tel_reply_value(const struct ljson *reply, const char *request, char *err, size_t errlen)
{
	size_t cmd_len = strcspn(request, ",");

	if (reply->type != LJSON_OBJECT || reply->count != 1) {
		snprintf(err, errlen, "unexpected reply: expected an object with one member");
		return NULL;
	}
	if (strlen(reply->child->key) != cmd_len ||
	    strncmp(reply->child->key, request, cmd_len) != 0) {
		snprintf(err, errlen, "unexpected reply: answer for '%.60s' instead of '%.*s'",
			 reply->child->key, (int)(cmd_len > 60 ? 60 : cmd_len), request);
		return NULL;
	}
	return reply->child;
}

void
tel_close(struct tel_client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}
