#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Bind NICs to vfio-pci for lnsd, through DPDK's dpdk-devbind.py.
#
#   bind-nic.sh bind PCI [PCI...] [--force]   give the NICs to vfio-pci
#   bind-nic.sh unbind PCI DRIVER             give a NIC back to a kernel driver
#   bind-nic.sh status                        network devices and their drivers
#
# NVIDIA/Mellanox NICs (vendor 15b3) are never bound: mlx5 works beside its kernel
# driver. An interface that is up is refused unless --force (it may be your SSH link).
set -euo pipefail
tool=$(command -v dpdk-devbind.py || true)
[ -n "$tool" ] || { echo "bind-nic: dpdk-devbind.py not found: apt-get install dpdk" >&2; exit 1; }
usage() { sed -n '3,10p' "$0"; exit "${1:-1}"; }
need_root() { [ "$(id -u)" = 0 ] || { echo "bind-nic: run as root" >&2; exit 1; }; }

case "${1:-}" in
status)
	if ! ls /sys/bus/pci/devices >/dev/null 2>&1 || [ -z "$(ls /sys/bus/pci/devices 2>/dev/null)" ]; then
		echo "bind-nic: no PCI bus here (virtual machine or container): use vdevs (see README)"
		exit 0
	fi
	"$tool" --status-dev net
	;;
bind)
	shift; need_root
	force=0 devs=()
	for a in "$@"; do [ "$a" = --force ] && force=1 || devs+=("$a"); done
	[ ${#devs[@]} -gt 0 ] || usage
	modprobe vfio-pci || { echo "bind-nic: cannot load vfio-pci" >&2; exit 1; }
	for d in "${devs[@]}"; do
		sys=/sys/bus/pci/devices/$d
		[ -e "$sys" ] || { echo "bind-nic: no PCI device $d" >&2; exit 1; }
		if [ "$(cat "$sys/vendor")" = 0x15b3 ]; then
			echo "bind-nic: $d is an NVIDIA/Mellanox NIC: leave it on mlx5_core (profile mlx5)"
			continue
		fi
		for n in "$sys"/net/*; do
			[ -e "$n" ] || continue
			if [ "$force" = 0 ] && [ "$(cat "$n/operstate")" = up ]; then
				echo "bind-nic: $(basename "$n") ($d) is up; take it down or use --force" >&2
				exit 1
			fi
		done
		if ! "$tool" --bind=vfio-pci "$d"; then
			echo "bind-nic: binding $d failed. Is the IOMMU on (intel_iommu=on iommu=pt)?" \
			     "Without one: echo 1 > /sys/module/vfio/parameters/enable_unsafe_noiommu_mode" >&2
			exit 1
		fi
	done
	"$tool" --status-dev net
	;;
unbind)
	[ $# = 3 ] || usage; need_root
	"$tool" --bind="$3" "$2"
	;;
-h|--help) usage 0 ;;
*) usage ;;
esac
