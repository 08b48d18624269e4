#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Hugepages for lnsd on a real server, through DPDK's dpdk-hugepages.py.
#
#   hugepages.sh setup SIZE [--pagesize 2M|1G]   reserve SIZE (e.g. 4G) and mount hugetlbfs
#   hugepages.sh show                           what is reserved and mounted
#   hugepages.sh clear                          release the reservation
set -euo pipefail
tool=$(command -v dpdk-hugepages.py || true)
[ -n "$tool" ] || { echo "hugepages: dpdk-hugepages.py not found: apt-get install dpdk" >&2; exit 1; }
usage() { sed -n '3,7p' "$0"; exit "${1:-1}"; }

case "${1:-}" in
setup)
	[ $# -ge 2 ] || usage
	size=$2 pagesize=2M
	[ "${3:-}" = --pagesize ] && pagesize=${4:?--pagesize needs 2M or 1G}
	[ "$(id -u)" = 0 ] || { echo "hugepages: run as root" >&2; exit 1; }
	"$tool" --pagesize "$pagesize" --setup "$size"
	"$tool" --show
	;;
show) "$tool" --show ;;
clear)
	[ "$(id -u)" = 0 ] || { echo "hugepages: run as root" >&2; exit 1; }
	"$tool" --clear --unmount
	;;
-h|--help) usage 0 ;;
*) usage ;;
esac
