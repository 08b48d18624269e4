/* SPDX-License-Identifier: BSD-3-Clause */
/* lib/mgmt's telemetry commands without a daemon: registration failures are
 * reported as the first error with the command that caused it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include <rte_telemetry.h>

#include "lns_mgmt.h"

/* DPDK 22.11 refuses a command only for bad arguments or no memory, neither of
 * which lnsd can be made to hit from outside: the test links with
 * --wrap=rte_telemetry_register_cmd and fails the call it chooses. */
int __real_rte_telemetry_register_cmd(const char *cmd, telemetry_cb fn, const char *help);
int __wrap_rte_telemetry_register_cmd(const char *cmd, telemetry_cb fn, const char *help);

static int calls, fail_at = -1, fail_rc;

int
__wrap_rte_telemetry_register_cmd(const char *cmd, telemetry_cb fn, const char *help)
{
	if (calls++ == fail_at)
		return fail_rc;
	return __real_rte_telemetry_register_cmd(cmd, fn, help);
}

/*
 * The 4th command is refused with -ENOMEM, the 5th would be with -EINVAL: the
 * result is the first errno as it is (or-ed errnos name no error: -12 | -22 is
 * -2, "no such file") and names the command; nothing after it is tried.
 */
static void
test_register_failure(void)
{
	const char *failed = NULL;

	calls = 0;
	fail_at = 3;
	fail_rc = -ENOMEM;
	CU_ASSERT_EQUAL(lns_mgmt_init(NULL, &failed), -ENOMEM);
	CU_ASSERT_PTR_NOT_NULL_FATAL(failed);
	CU_ASSERT_STRING_EQUAL(failed, "/lns/tunnels");
	CU_ASSERT_EQUAL(calls, 4);

	/* all registered: 0, nothing named */
	calls = 0;
	fail_at = -1;
	failed = NULL;
	CU_ASSERT_EQUAL(lns_mgmt_init(NULL, &failed), 0);
	CU_ASSERT_PTR_NULL(failed);
	CU_ASSERT(calls >= 8);
	lns_mgmt_fini();
}

int
main(void)
{
	CU_pSuite s;
	unsigned int fails;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return EXIT_FAILURE;
	s = CU_add_suite("mgmt", NULL, NULL);
	CU_add_test(s, "a refused registration: first errno, command named",
		    test_register_failure);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures();
	CU_cleanup_registry();
	return fails == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
