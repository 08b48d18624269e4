#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Hugepages for lnsd on a real server, through DPDK's dpdk-hugepages.py (Debian
# package dpdk). Test machines and demos need none: they run lnsd with
# `--no-huge -m 512` in eal.
#
#   hugepages.sh setup SIZE [--pagesize 2M|1G] [--node N]
#   hugepages.sh show
#   hugepages.sh clear
set -euo pipefail

PROG=${0##*/}
SYS_HP=/sys/kernel/mm/hugepages
SYS_NODES=/sys/devices/system/node

usage() {
	cat <<EOF
Usage: $PROG setup SIZE [--pagesize 2M|1G] [--node N]
       $PROG show
       $PROG clear

  setup SIZE   reserve SIZE (e.g. 2G, 512M) of hugepages of one page size and make
               sure a hugetlbfs of that page size is mounted (/dev/hugepages, or
               /dev/hugepages-1G when /dev/hugepages already serves another size).
               On a NUMA machine SIZE is reserved on EVERY node (that is what
               dpdk-hugepages.py does) unless --node N picks one. Other page sizes
               and existing mounts are left alone. Needs root.
  --pagesize   2M (default) or 1G (the CPU needs pdpe1gb; reserve 1G pages at boot
               if run-time reservation fails: default_hugepagesz=1G hugepagesz=1G
               hugepages=N on the kernel command line)
  --node N     reserve on NUMA node N only: the node of lnsd's NICs and lcores
  show         what is reserved, free and mounted (no root needed)
  clear        release all reserved hugepages (stop lnsd first). Needs root.
EOF
}

say() { printf '%s: %s\n' "$PROG" "$*"; }
die() { printf '%s: error: %s\n' "$PROG" "$*" >&2; exit 1; }

need_root() {
	[ "$(id -u)" -eq 0 ] || die "'$1' changes kernel settings: run as root (sudo $PROG $1 ...)"
}

need_tool() {
	TOOL=$(command -v dpdk-hugepages.py || true)
	[ -n "$TOOL" ] || die "dpdk-hugepages.py not found: install the Debian package dpdk" \
		"(apt-get install dpdk, or drivers-config/install-deps.sh)"
}

# SIZE with a K/M/G suffix -> kB on stdout; empty on a malformed size.
to_kb() {
	local v=${1^^}
	[[ $v =~ ^([0-9]+)([KMG])B?$ ]] || return 0
	case ${BASH_REMATCH[2]} in
	K) echo "$((10#${BASH_REMATCH[1]}))" ;;
	M) echo "$((10#${BASH_REMATCH[1]} * 1024))" ;;
	G) echo "$((10#${BASH_REMATCH[1]} * 1024 * 1024))" ;;
	esac
}

# kB -> the kernel's own spelling in /proc/mounts (pagesize=2M, pagesize=1024M...):
# it divides by 1024 while it can (hugetlbfs_show_options).
kb_label() {
	local v=$1 u=K
	if [ "$v" -ge 1024 ] && [ $((v % 1024)) -eq 0 ]; then v=$((v / 1024)) u=M; fi
	if [ "$v" -ge 1024 ] && [ $((v % 1024)) -eq 0 ]; then v=$((v / 1024)) u=G; fi
	echo "$v$u"
}

available_sizes() {
	local d out=()
	for d in "$SYS_HP"/hugepages-*kB; do
		[ -d "$d" ] || continue
		d=${d##*/hugepages-}
		out+=("$(kb_label "${d%kB}")")
	done
	echo "${out[*]:-none}"
}

list_nodes() {
	local d out=()
	for d in "$SYS_NODES"/node[0-9]*; do
		[ -d "$d" ] && out+=("${d##*/node}")
	done
	echo "${out[*]:-no NUMA nodes}"
}

# hugetlbfs mount points, one "DIR PAGESIZE-LABEL" a line.
hugetlbfs_mounts() {
	local dir fs opts o ps
	while read -r _ dir fs opts _; do
		[ "$fs" = hugetlbfs ] || continue
		ps=""
		for o in ${opts//,/ }; do
			case $o in pagesize=*) ps=${o#pagesize=} ;; esac
		done
		[ -n "$ps" ] || ps=$(kb_label "$(awk '/^Hugepagesize:/ {print $2}' /proc/meminfo)")
		echo "$dir $ps"
	done </proc/mounts
}

# Files DPDK processes keep in hugetlbfs (rtemap_*): pages still in use.
files_in_hugetlbfs() {
	local dir ps
	while read -r dir ps; do
		find "$dir" -maxdepth 2 -type f 2>/dev/null | head -n 5
	done < <(hugetlbfs_mounts)
}

cmd_show() {
	need_tool
	"$TOOL" --show
	local d kb n any=0
	for d in "$SYS_HP"/hugepages-*kB; do
		[ -r "$d/nr_hugepages" ] || continue
		n=$(cat "$d/nr_hugepages")
		[ "$n" -gt 0 ] || continue
		any=1
		kb=${d##*/hugepages-}
		printf '%s pages: %s reserved, %s free (all nodes)\n' "$(kb_label "${kb%kB}")" "$n" \
			"$(cat "$d/free_hugepages")"
	done
	if [ "$any" = 0 ]; then
		say "no hugepages reserved. A server: sudo $PROG setup 2G." \
			"Tests and demos: run lnsd with --no-huge -m 512 in eal."
	fi
}

cmd_setup() {
	local size="" pagesize=2M node=""
	while [ $# -gt 0 ]; do
		case $1 in
		--pagesize | -p) [ $# -ge 2 ] || die "--pagesize needs 2M or 1G"; pagesize=$2; shift ;;
		--pagesize=*) pagesize=${1#*=} ;;
		--node | -n) [ $# -ge 2 ] || die "--node needs a NUMA node number"; node=$2; shift ;;
		--node=*) node=${1#*=} ;;
		-*) die "unknown option $1 (see $PROG --help)" ;;
		*) [ -z "$size" ] || die "one SIZE only (got $size and $1)"; size=$1 ;;
		esac
		shift
	done
	[ -n "$size" ] || die "setup needs a SIZE, e.g. $PROG setup 2G"
	need_root setup
	need_tool

	local size_kb ps_kb
	size_kb=$(to_kb "$size")
	ps_kb=$(to_kb "$pagesize")
	if [ -z "$size_kb" ] || [ "$size_kb" -eq 0 ]; then
		die "'$size' is not a size: give a number with K, M or G (2G, 512M)"
	fi
	[ -n "$ps_kb" ] || die "'$pagesize' is not a page size: give 2M or 1G"
	local sysdir=$SYS_HP/hugepages-${ps_kb}kB
	[ -d "$sysdir" ] || die "this kernel/CPU has no $pagesize hugepages (it has: $(available_sizes))"
	[ $((size_kb % ps_kb)) -eq 0 ] || die "$size is not a whole number of $pagesize pages"
	[ -w "$sysdir/nr_hugepages" ] ||
		die "$sysdir/nr_hugepages is not writable: read-only /sys (a container?)"

	local pages=$((size_kb / ps_kb)) where
	if [ -n "$node" ]; then
		if ! [[ $node =~ ^[0-9]+$ ]] || [ ! -d "$SYS_NODES/node$node" ]; then
			die "no NUMA node '$node' (this machine has: $(list_nodes))"
		fi
		where="on NUMA node $node"
	elif [ -d "$SYS_NODES" ]; then
		local nodes=("$SYS_NODES"/node[0-9]*)
		where="on each of ${#nodes[@]} NUMA node(s)"
	else
		where="(no NUMA)"
	fi
	say "reserving $pages pages of $pagesize ($size) $where"
	local args=(--pagesize "$pagesize" --reserve "$size")
	[ -z "$node" ] || args+=(--node "$node")
	if ! "$TOOL" "${args[@]}"; then
		die "could not reserve $size of $pagesize pages. Shrinking fails while a DPDK" \
			"process (lnsd) uses the pages; growing fails without enough free contiguous" \
			"memory: try a smaller SIZE, 'sync; echo 3 > /proc/sys/vm/drop_caches;" \
			"echo 1 > /proc/sys/vm/compact_memory', or reserve at boot (hugepagesz=$pagesize" \
			"hugepages=N on the kernel command line)"
	fi

	# lnsd (DPDK EAL) finds every hugetlbfs mount; it needs one per page size it uses.
	local label dir ps target=""
	label=$(kb_label "$ps_kb")
	while read -r dir ps; do
		if [ "$ps" = "$label" ]; then target=$dir; break; fi
	done < <(hugetlbfs_mounts)
	if [ -n "$target" ]; then
		say "hugetlbfs for $pagesize pages already mounted at $target"
	else
		target=/dev/hugepages
		if hugetlbfs_mounts | grep -q "^/dev/hugepages "; then
			target=/dev/hugepages-$pagesize
		fi
		mkdir -p "$target"
		say "mounting hugetlbfs ($pagesize pages) at $target"
		"$TOOL" --pagesize "$pagesize" --mount --directory "$target"
		hugetlbfs_mounts | grep -q "^$target $label\$" || die "mounting hugetlbfs at $target failed"
	fi
	cmd_show
}

cmd_clear() {
	[ $# -eq 0 ] || die "clear takes no arguments"
	need_root clear
	need_tool
	local busy
	busy=$(files_in_hugetlbfs)
	if [ -n "$busy" ]; then
		say "hugetlbfs still holds files (a running lnsd or another DPDK process, or one" \
			"that died):"
		printf '  %s\n' "$busy"
	fi
	if ! "$TOOL" --clear; then
		die "could not release all hugepages: pages in use stay reserved. Stop lnsd (and" \
			"other DPDK processes); delete the rtemap_* files of processes that died"
	fi
	say "released; hugetlbfs mounts are left in place"
	cmd_show
}

case ${1:-} in
setup) shift; cmd_setup "$@" ;;
show) shift; [ $# -eq 0 ] || die "show takes no arguments"; cmd_show ;;
clear) shift; cmd_clear "$@" ;;
-h | --help | help) usage ;;
"") usage >&2; exit 2 ;;
*) printf '%s: unknown command %s\n' "$PROG" "$1" >&2; usage >&2; exit 2 ;;
esac
