/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared by the libFuzzer targets: a contract check that stops the run with a
 * crash report (libFuzzer saves the input), and a small reader of fuzz bytes.
 */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* A violated output contract is a bug as much as a crash: abort so libFuzzer
 * records the input (abort() is reported as a deadly signal). */
#define FUZZ_CHECK(c) do { \
	if (!(c)) { \
		fprintf(stderr, "%s:%d: contract violated: %s\n", __FILE__, __LINE__, #c); \
		abort(); \
	} \
} while (0)

/* FUZZ_DEBUG=1 in the environment: targets trace what they see (for crafting
 * seeds and triage; never set while fuzzing, it is slow). */
static inline int
fuzz_debug(void)
{
	static int v = -1;

	if (v < 0)
		v = getenv("FUZZ_DEBUG") != NULL;
	return v;
}

#define FUZZ_TRACE(...) do { \
	if (fuzz_debug()) \
		fprintf(stderr, __VA_ARGS__); \
} while (0)

/* Consume the input from the front, a field at a time; 0 once it is used up. */
struct fuzz_in {
	const uint8_t *p;
	size_t left;
};

static inline uint8_t
fuzz_u8(struct fuzz_in *in)
{
	if (in->left == 0)
		return 0;
	in->left--;
	return *in->p++;
}

static inline uint16_t
fuzz_u16(struct fuzz_in *in)
{
	uint16_t hi = fuzz_u8(in);

	return (uint16_t)(hi << 8 | fuzz_u8(in));
}

/* Take up to n bytes; *len says how many were there. */
static inline const uint8_t *
fuzz_bytes(struct fuzz_in *in, size_t n, size_t *len)
{
	const uint8_t *p = in->p;

	if (n > in->left)
		n = in->left;
	in->p += n;
	in->left -= n;
	*len = n;
	return p;
}

#endif /* FUZZ_COMMON_H */
