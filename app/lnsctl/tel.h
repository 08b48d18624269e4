/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Client for DPDK's telemetry v2 socket (no DPDK needed).
 *
 * Protocol, as DPDK 22.11 speaks it: a SOCK_SEQPACKET unix socket; on connect the
 * server sends one message {"version": "...", "pid": N, "max_output_len": N}; each
 * request is one message "/command" or "/command,params" (at most 1023 bytes, command
 * part shorter than 56); each reply is one message {"/command": value}. The value is
 * null both for an unknown command and for a handler that failed. A server that
 * already serves 10 clients accepts and closes at once (an empty hello).
 */
#ifndef LNSCTL_TEL_H
#define LNSCTL_TEL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ljson.h"

/** Longest request DPDK reads (its buffer is 1024 bytes, NUL included). */
#define TEL_MAX_REQUEST 1023
/** Longest command name DPDK matches (MAX_CMD_LEN 56, NUL included). */
#define TEL_MAX_CMD 55
/** Largest reply accepted (DPDK 22.11 sends at most 16 KiB; newer ones may send more). */
#define TEL_MAX_REPLY (1024 * 1024)
/** Default time to wait for the greeting and for each reply. */
#define TEL_TIMEOUT_MS 5000

struct tel_client {
	int fd;
	/** From the hello: DPDK version string ("" if absent), pid (-1), max_output_len (0). */
	char version[64];
	long pid;
	uint64_t max_output_len;
	/** How long to wait for each message, from tel_open. */
	int timeout_ms;
};

/**
 * Directory DPDK puts an application's runtime files in, as EAL computes it:
 * `<base>/<file_prefix>` where base is `runtime_dir` if given, else "/var/run/dpdk"
 * for root (uid 0), else "$XDG_RUNTIME_DIR/dpdk" (`xdg` non-NULL and non-empty),
 * else "/tmp/dpdk". @return 0, or -ENAMETOOLONG.
 */
int tel_runtime_dir(char *out, size_t size, const char *runtime_dir, const char *file_prefix,
		    uid_t uid, const char *xdg);

/**
 * Connect to the socket at `path` and read the hello. `err` receives a one-line
 * reason on failure (without the path).
 * @return 0, or -errno (ENOENT, ECONNREFUSED, EACCES from connect; ECONNRESET when the
 *         server hung up at once; EPROTO for a malformed hello; ETIMEDOUT).
 */
int tel_open(struct tel_client *c, const char *path, int timeout_ms, char *err, size_t errlen);

/**
 * Send `request` and read its reply. On success `*doc` holds the parsed reply (the
 * whole {"/command": value} object, free with ljson_free) and `*reply_len` its size.
 * @return 0, or -errno with `err` filled: EINVAL (request too long or empty),
 *         EPIPE/ECONNRESET (server went away), ETIMEDOUT, EMSGSIZE (reply over
 *         TEL_MAX_REPLY), EPROTO (reply is not JSON), ENOMEM.
 */
int tel_request(struct tel_client *c, const char *request, struct ljson_doc **doc,
		size_t *reply_len, char *err, size_t errlen);

/**
 * Check that `reply` is {"<command of request>": value} and return the value.
 * @return the value, or NULL with `err` filled when the reply has another shape.
 */
const struct ljson *tel_reply_value(const struct ljson *reply, const char *request,
				    char *err, size_t errlen);

/** Close the connection (idempotent). */
void tel_close(struct tel_client *c);

#endif /* LNSCTL_TEL_H */
