/* SPDX-License-Identifier: BSD-3-Clause */
/* lnsctl: operator CLI for lnsd over the DPDK telemetry socket. See cli.h. */
#include <stdio.h>

#include "cli.h"

int
main(int argc, char *argv[])
{
	return ctl_main(argc, argv, stdout, stderr);
}
