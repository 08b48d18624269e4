#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Gives NICs to DPDK (vfio-pci) for lnsd and back, through DPDK's dpdk-devbind.py
# (Debian package dpdk). Test machines need none of this: lnsd runs on vdevs there.
#
#   bind-nic.sh [--force] [--dry-run] [--unsafe-noiommu] bind DEV [DEV...]
#   bind-nic.sh [--dry-run] unbind DEV DRIVER
#   bind-nic.sh status
set -euo pipefail

PROG=${0##*/}
SYS_PCI=/sys/bus/pci/devices
NOIOMMU_PARAM=/sys/module/vfio/parameters/enable_unsafe_noiommu_mode

usage() {
	cat <<EOF
Usage: $PROG [OPTIONS] bind DEV [DEV...]
       $PROG [OPTIONS] unbind DEV DRIVER
       $PROG status

DEV is a PCI address (0000:3b:00.0 or 3b:00.0) or a kernel interface name (ens1f0).

  bind      load vfio-pci and bind each DEV to it. Refused for an interface that is
            up or has addresses or routes (it may carry your SSH session) unless
            --force. NVIDIA/Mellanox NICs (mlx5, vendor 15b3) are never bound: their
            DPDK driver works beside the kernel driver; they are skipped with a note.
  unbind    give DEV back to the kernel driver DRIVER (e.g. i40e, ixgbe, ice), or
            'none' to leave it without a driver
  status    network devices and their drivers (dpdk-devbind.py --status-dev net),
            IOMMU state

  --force           bind even if the interface is up or has addresses or routes
  --dry-run         check and print what would be done; change nothing
  --unsafe-noiommu  without an IOMMU (a VM without vIOMMU), enable vfio's
                    no-IOMMU mode first: no DMA isolation, taints the kernel
  -h, --help        this text
EOF
}

say() { printf '%s: %s\n' "$PROG" "$*"; }
warn() { printf '%s: %s\n' "$PROG" "$*" >&2; }
die() { printf '%s: error: %s\n' "$PROG" "$*" >&2; exit 1; }

need_root() {
	[ "$(id -u)" -eq 0 ] || die "'$1' changes driver bindings: run as root (sudo $PROG $1 ...)"
}

need_devbind() {
	DEVBIND=$(command -v dpdk-devbind.py || true)
	[ -n "$DEVBIND" ] || die "dpdk-devbind.py not found: install the Debian package dpdk" \
		"(apt-get install dpdk, or drivers-config/install-deps.sh)"
}

# dpdk-devbind.py, without lspci's noise on kernels whose modules are not installed.
devbind() {
	"$DEVBIND" "$@" 2> >(grep -v 'Unable to load libkmod resources' >&2)
}

PCI_RE='^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$'

# DEV (PCI address or interface name) -> full PCI address on stdout, or return 1.
pci_of() {
	local a=${1,,} p b
	if [[ $a =~ ^[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$ ]]; then
		a=0000:$a
	elif ! [[ $a =~ $PCI_RE ]]; then
		# An interface: walk up from its device to the PCI function (virtio's
		# netdev hangs off virtioN below the PCI device).
		[ -e "/sys/class/net/$1/device" ] || return 1
		p=$(readlink -f "/sys/class/net/$1/device")
		a=""
		while [ -n "$p" ] && [ "$p" != / ]; do
			b=${p##*/}
			if [[ $b =~ $PCI_RE ]]; then a=$b; break; fi
			p=${p%/*}
		done
		[ -n "$a" ] || return 1
	fi
	[ -e "$SYS_PCI/$a" ] || return 1
	echo "$a"
}

driver_of() {
	local l
	l=$(readlink "$SYS_PCI/$1/driver" 2>/dev/null) || return 0
	echo "${l##*/}"
}

# Kernel interfaces that belong to PCI function $1.
netdevs_of() {
	local real n d
	real=$(readlink -f "$SYS_PCI/$1")
	for n in /sys/class/net/*; do
		d=$(readlink -f "$n/device" 2>/dev/null) || continue
		if [ "$d" = "$real" ] || [[ $d == "$real"/* ]]; then echo "${n##*/}"; fi
	done
}

# Why interface $1 looks in use (empty: it does not).
busy_reasons() {
	local ifc=$1 flags out=()
	flags=$(cat "/sys/class/net/$ifc/flags" 2>/dev/null || echo 0)
	if (((flags & 1) != 0)); then out+=("is up"); fi
	if [ -n "$(ip -o addr show dev "$ifc" scope global 2>/dev/null)" ]; then
		out+=("has addresses")
	fi
	if [ -n "$(ip -o route show dev "$ifc" 2>/dev/null)" ] ||
		ip -o -6 route show dev "$ifc" 2>/dev/null | grep -qv '^fe80::/64'; then
		out+=("has routes")
	fi
	local IFS=,
	echo "${out[*]}"
}

iommu_groups() {
	local g
	g=(/sys/kernel/iommu_groups/*)
	if [ -e "${g[0]}" ]; then echo "${#g[@]}"; else echo 0; fi
}

noiommu_on() {
	[ "$(cat "$NOIOMMU_PARAM" 2>/dev/null || echo N)" = Y ]
}

iommu_help() {
	cat >&2 <<EOF
  vfio-pci needs an IOMMU. On bare metal: enable VT-d (Intel) or AMD-Vi in the
  firmware, add 'intel_iommu=on iommu=pt' (Intel) or 'amd_iommu=on iommu=pt' (AMD)
  to the kernel command line, reboot; /sys/kernel/iommu_groups must not be empty.
  Every device in the NIC's IOMMU group must be bound to vfio-pci or have no driver.
  In a VM without a virtual IOMMU: '$PROG --unsafe-noiommu bind ...' (or
  'modprobe vfio enable_unsafe_noiommu_mode=1'): no DMA isolation, taints the kernel.
EOF
}

cmd_bind() {
	[ $# -ge 1 ] || die "bind needs at least one PCI address or interface"
	[ "$dry_run" = 1 ] || need_root bind
	need_devbind
	local arg pci vendor class drv ifc why todo=() rc=0
	for arg in "$@"; do
		if ! pci=$(pci_of "$arg"); then
			warn "$arg: no such PCI device or interface (give DDDD:BB:DD.F, BB:DD.F or a name)"
			rc=1
			continue
		fi
		vendor=$(cat "$SYS_PCI/$pci/vendor")
		class=$(cat "$SYS_PCI/$pci/class")
		drv=$(driver_of "$pci")
		if [ "$vendor" = 0x15b3 ]; then
			say "$pci is an NVIDIA/Mellanox NIC: not binding it. The mlx5 PMD works" \
				"beside the kernel driver (bifurcated): keep it on mlx5_core, load" \
				"mlx5_ib and ib_uverbs, keep its interface up, and give lnsd" \
				"'-a $pci' in eal with profile mlx5."
			if [ "$drv" != mlx5_core ]; then
				say "$pci is on ${drv:-no driver} now: $PROG unbind $pci mlx5_core"
			fi
			continue
		fi
		if [[ $class != 0x02* ]]; then
			warn "$pci: not a network controller (PCI class $class); not binding it"
			rc=1
			continue
		fi
		if [ "$drv" = vfio-pci ]; then
			say "$pci already bound to vfio-pci"
			continue
		fi
		local refused=0
		while read -r ifc; do
			[ -n "$ifc" ] || continue
			why=$(busy_reasons "$ifc")
			[ -n "$why" ] || continue
			if [ "$force" = 1 ]; then
				warn "$pci: interface $ifc ${why//,/, }; binding anyway (--force)"
			else
				warn "$pci: interface $ifc ${why//,/, }; binding takes it away from the" \
					"kernel (and any SSH session over it). Free it first (ip addr flush dev" \
					"$ifc; ip link set $ifc down) or use --force"
				refused=1
			fi
		done < <(netdevs_of "$pci")
		if [ "$refused" = 1 ]; then
			rc=1
			continue
		fi
		todo+=("$pci")
	done
	[ "${#todo[@]}" -gt 0 ] || return "$rc"

	if [ "$(iommu_groups)" = 0 ] && ! noiommu_on && [ "$noiommu" = 0 ]; then
		warn "no IOMMU on this machine (/sys/kernel/iommu_groups is empty); not binding" \
			"${todo[*]}"
		iommu_help
		return 1
	fi
	local devbind_args=(--bind=vfio-pci)
	[ "$force" = 0 ] || devbind_args+=(--force)
	if [ "$dry_run" = 1 ]; then
		[ "$noiommu" = 0 ] || say "would enable vfio's unsafe no-IOMMU mode"
		say "would run: modprobe vfio-pci; dpdk-devbind.py ${devbind_args[*]} ${todo[*]}"
		return "$rc"
	fi

	command -v modprobe >/dev/null || die "modprobe not found: install the Debian package kmod"
	if [ "$noiommu" = 1 ] && ! noiommu_on; then
		warn "enabling vfio's unsafe no-IOMMU mode: no DMA isolation, taints the kernel"
		modprobe vfio enable_unsafe_noiommu_mode=1 || die "cannot load the vfio module"
		[ ! -w "$NOIOMMU_PARAM" ] || echo 1 >"$NOIOMMU_PARAM"
	fi
	modprobe vfio-pci || die "cannot load vfio-pci: is the kernel's module tree" \
		"(/lib/modules/$(uname -r)) installed?"

	for pci in "${todo[@]}"; do
		devbind "${devbind_args[@]}" "$pci" || true
		drv=$(driver_of "$pci")
		if [ "$drv" = vfio-pci ]; then
			local grp
			grp=$(readlink "$SYS_PCI/$pci/iommu_group" 2>/dev/null || true)
			say "$pci bound to vfio-pci${grp:+ (IOMMU group ${grp##*/})}"
		else
			warn "$pci: binding to vfio-pci failed (driver now: ${drv:-none}); see dmesg"
			local members=("$SYS_PCI/$pci"/iommu_group/devices/*)
			if [ -e "${members[0]}" ]; then
				warn "  its IOMMU group holds: ${members[*]##*/}"
			fi
			iommu_help
			rc=1
		fi
	done
	return "$rc"
}

cmd_unbind() {
	[ $# -eq 2 ] || die "unbind needs DEV and DRIVER, e.g. $PROG unbind 0000:3b:00.0 i40e"
	[ "$dry_run" = 1 ] || need_root unbind
	need_devbind
	local pci target=$2 drv
	pci=$(pci_of "$1") || die "$1: no such PCI device or interface"
	drv=$(driver_of "$pci")
	if [ "$(cat "$SYS_PCI/$pci/vendor")" = 0x15b3 ] && [ "$target" != mlx5_core ]; then
		warn "$pci is an NVIDIA/Mellanox NIC: its driver is mlx5_core"
	fi
	if [ "$target" = none ]; then
		if [ "$dry_run" = 1 ]; then
			say "would run: dpdk-devbind.py --unbind $pci (now: ${drv:-no driver})"
			return 0
		fi
		devbind --unbind "$pci" || true
		drv=$(driver_of "$pci")
		[ -z "$drv" ] || die "$pci is still bound to $drv"
		say "$pci has no driver now"
		return 0
	fi
	if [ "$drv" = "$target" ]; then
		say "$pci already bound to $target"
		return 0
	fi
	if [ "$dry_run" = 1 ]; then
		say "would run: modprobe $target; dpdk-devbind.py --bind=$target $pci (now: ${drv:-no driver})"
		return 0
	fi
	if [ ! -d "/sys/bus/pci/drivers/$target" ]; then
		command -v modprobe >/dev/null || die "modprobe not found: install the Debian package kmod"
		modprobe "$target" || die "cannot load kernel driver '$target'"
	fi
	devbind --bind="$target" "$pci" || true
	drv=$(driver_of "$pci")
	[ "$drv" = "$target" ] || die "$pci: binding to $target failed (driver now: ${drv:-none})"
	say "$pci bound to $target"
}

cmd_status() {
	[ $# -eq 0 ] || die "status takes no arguments"
	local d n=0 mlx=()
	for d in "$SYS_PCI"/*; do
		[ -e "$d/class" ] || continue
		[[ $(cat "$d/class") == 0x02* ]] || continue
		n=$((n + 1))
		[ "$(cat "$d/vendor")" != 0x15b3 ] || mlx+=("${d##*/}")
	done
	if [ "$n" = 0 ]; then
		say "no PCI network devices on this machine (a container or a VM without NICs?)."
		say "lnsd runs on vdevs here: eal --no-pci --vdev=net_af_packet0,iface=IF,qpairs=N"
		return 0
	fi
	need_devbind
	devbind --status-dev net
	echo
	local groups
	groups=$(iommu_groups)
	if [ "$groups" != 0 ]; then
		say "IOMMU: on ($groups groups)"
	elif noiommu_on; then
		say "IOMMU: none; vfio unsafe no-IOMMU mode is on"
	else
		say "IOMMU: none (/sys/kernel/iommu_groups is empty): vfio-pci cannot bind here"
	fi
	if [ -d /sys/bus/pci/drivers/vfio-pci ]; then
		say "vfio-pci: loaded"
	else
		say "vfio-pci: not loaded ('$PROG bind' loads it)"
	fi
	if [ "${#mlx[@]}" -gt 0 ]; then
		say "NVIDIA/Mellanox (mlx5) NICs, used by DPDK on mlx5_core, never vfio-pci: ${mlx[*]}"
	fi
}

force=0 dry_run=0 noiommu=0 args=()
for a in "$@"; do
	case $a in
	--force | -f) force=1 ;;
	--dry-run | -n) dry_run=1 ;;
	--unsafe-noiommu) noiommu=1 ;;
	-h | --help) usage; exit 0 ;;
	-*) printf '%s: unknown option %s\n' "$PROG" "$a" >&2; usage >&2; exit 2 ;;
	*) args+=("$a") ;;
	esac
done
set -- "${args[@]}"

case ${1:-} in
bind) shift; cmd_bind "$@" ;;
unbind) shift; cmd_unbind "$@" ;;
status) shift; cmd_status "$@" ;;
help) usage ;;
"") usage >&2; exit 2 ;;
*) printf '%s: unknown command %s\n' "$PROG" "$1" >&2; usage >&2; exit 2 ;;
esac
