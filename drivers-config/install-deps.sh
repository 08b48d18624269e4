#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Installs the Debian 12 packages lnsd needs to build and to run its tests.
# Idempotent: when everything is present it runs no apt-get at all.
#
#   install-deps.sh               build + test packages
#   install-deps.sh --build-only  just what compiling lnsd needs
#   install-deps.sh --check       list what is missing; exit 1 if anything is
set -euo pipefail

BUILD_PKGS=(gcc meson ninja-build pkg-config libdpdk-dev dpdk libipsec-mb-dev
	libyaml-dev libcunit1-dev libssl-dev libpcap-dev python3)
TEST_PKGS=(python3-scapy python3-cryptography python3-yaml tshark xl2tpd strongswan-charon strongswan-swanctl
	libcharon-extra-plugins slirp iproute2 ethtool iputils-ping procps psmisc curl
	lua5.3 clang)

mode=all
case "${1:-}" in
"") ;;
--build-only) mode=build ;;
--check) mode=check ;;
-h|--help) sed -n '3,9p' "$0"; exit 0 ;;
*) echo "usage: $0 [--build-only|--check]" >&2; exit 1 ;;
esac

pkgs=("${BUILD_PKGS[@]}")
[ "$mode" = build ] || pkgs+=("${TEST_PKGS[@]}")

missing=()
for p in "${pkgs[@]}"; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = installed ] || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
	echo "install-deps: all ${#pkgs[@]} packages present"
	exit 0
fi
if [ "$mode" = check ]; then
	echo "install-deps: missing: ${missing[*]}"
	exit 1
fi
if [ "$(id -u)" != 0 ]; then
	echo "install-deps: missing ${missing[*]}; run as root to install them" >&2
	exit 1
fi

# Package scripts must not start daemons (xl2tpd, charon) on this host: tests start
# their own inside network namespaces. policy-rc.d exit 101 forbids it.
policy=/usr/sbin/policy-rc.d
own_policy=0
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' >"$policy"
	chmod 755 "$policy"
	own_policy=1
fi
cleanup() { [ "$own_policy" = 1 ] && rm -f "$policy"; }
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer it in advance.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
echo "install-deps: installing ${missing[*]}"
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
echo "install-deps: done"
