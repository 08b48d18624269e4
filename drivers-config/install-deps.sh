#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Installs the Debian 12 (bookworm) packages that lnsd needs to build, test and run.
# Idempotent: when everything is present it only asks dpkg and exits 0, without apt.
# Safe under CI (no tty, no stdin): nothing prompts, and package scripts start no
# daemons (xl2tpd, charon, l2tpns and freeradius ship init scripts).
#
#   install-deps.sh [--build-only] [--with-l2tpns] [--bench] [--check] [--verbose]
set -euo pipefail

PROG=${0##*/}

# What compiles lnsd. libdpdk-dev pulls in every PMD library (af_packet, pcap, null,
# ring, tap, ixgbe, i40e, ice, mlx5...), so recommends are not needed.
BUILD_PKGS=(gcc meson ninja-build pkg-config python3
	libdpdk-dev libipsec-mb-dev libyaml-dev libcunit1-dev libssl-dev libpcap-dev
	libjson-c-dev)
# DPDK's tools: dpdk has dpdk-devbind.py and dpdk-hugepages.py; dpdk-dev has
# dpdk-testpmd, dpdk-dumpcap, dpdk-pdump and dpdk-telemetry.py. bind-nic.sh needs
# modprobe (kmod) and dpdk-devbind.py needs lspci (pciutils).
TOOL_PKGS=(dpdk dpdk-dev kmod pciutils)
# libFuzzer targets (tests/fuzz). clang-14 only recommends the runtime with libFuzzer.
FUZZ_PKGS=(clang libclang-rt-14-dev)
# Real peers and wire checks for tests/integration (shared/PEERS.md).
# python3-cryptography: scapy's ESP (SecurityAssociation) needs it; scapy only
# recommends it. charon's plugins (PEERS.md's load list): gcm and openssl are in
# libstrongswan-standard-plugins (only recommended), curve25519 in
# libstrongswan-extra-plugins, kernel-libipsec in libcharon-extra-plugins.
# lua5.3 gives `luac` (-p for syntax checks). nftables: the masquerading NAT in front
# of the clients of test_nat.sh. freeradius + freeradius-utils (radclient): the RADIUS
# server of tests/integration/test_radius.sh; freeradius-postgresql (rlm_sql_postgresql)
# and postgresql: the shared pool and accounting of test_nodes.sh (config/radius).
# ike-scan sends the Main Mode proposal sets of real clients
# (tests/integration/test_ike_scan.sh). libreswan's pluto
# (tests/integration/test_pluto.sh) is NOT installed as a package: libreswan conflicts
# with strongswan-libcharon and apt would remove charon. Its runtime libraries and
# certutil (libnss3-tools) are installed here, and the package itself is unpacked
# under LIBRESWAN_DIR (below).
# strongswan-pki makes the CA and certificates of tests/integration/test_ike_cert.sh.
TEST_PKGS=(python3-scapy python3-cryptography python3-yaml tshark nftables
	xl2tpd strongswan-charon strongswan-swanctl libcharon-extra-plugins
	libstrongswan-standard-plugins libstrongswan-extra-plugins slirp
	iproute2 ethtool iputils-ping procps psmisc curl lua5.3 socat netcat-openbsd
	freeradius freeradius-utils freeradius-postgresql postgresql ike-scan strongswan-pki
	libnss3-tools libunbound8 libldns3 libcurl3-nss libevent-pthreads-2.1-7 dns-root-data)
# Where libreswan is unpacked (apt-get download + dpkg-deb -x, never installed);
# test_pluto.sh reads it from LNS_LIBRESWAN, default the same path.
LIBRESWAN_DIR=${LNS_LIBRESWAN:-/opt/lnsd-peers/libreswan}
# The Debian package (drivers-config/build-deb.sh, tests/integration/test_deb.sh):
# debhelper and dpkg-dev build it; systemd gives systemd-analyze (verify works
# without systemd as PID 1); man-db and groff-base render and check the man pages
# (tests/unit/test_man.py).
PKG_PKGS=(debhelper dpkg-dev systemd man-db groff-base)
# tests/bench/run.sh: dpdk-doc carries the ipsec-secgw example sources it builds
# (/usr/share/dpdk/examples); bc does its arithmetic; make builds ipsec-secgw;
# dpdk-dev has dpdk-testpmd (the io-only row); scapy (with cryptography) checks
# ipsec-secgw's output, python3-yaml writes the configs (also in the lists above,
# repeated so that --build-only --bench is enough).
BENCH_PKGS=(dpdk-doc bc make dpdk-dev python3-scapy python3-cryptography python3-yaml)
# Reference LNS for harness checks (it needs freeradius, which TEST_PKGS has).
L2TPNS_PKGS=(l2tpns)

POLICY_RC_D=/usr/sbin/policy-rc.d
POLICY_MARK="# written by lnsd drivers-config/install-deps.sh"

usage() {
	cat <<EOF
Usage: $PROG [OPTIONS]

Install the Debian 12 packages lnsd needs (as root). Does nothing when all are present.

  --build-only    only what compiles lnsd: ${BUILD_PKGS[*]}
  --with-l2tpns   also the reference LNS l2tpns
  --bench         also what tests/bench/run.sh needs: ${BENCH_PKGS[*]}
  --check         list the missing packages and exit 1 if any; install nothing
  --verbose       show apt-get's output (default: a log file, printed on failure)
  -h, --help      this text

Default set: build + DPDK tools + fuzzing + integration-test peers + Debian
packaging (${PKG_PKGS[*]}).
EOF
}

say() { printf '%s: %s\n' "$PROG" "$*"; }
die() { printf '%s: error: %s\n' "$PROG" "$*" >&2; exit 1; }

build_only=0 with_l2tpns=0 with_bench=0 check=0 verbose=0
for a in "$@"; do
	case $a in
	--build-only) build_only=1 ;;
	--with-l2tpns) with_l2tpns=1 ;;
	--bench) with_bench=1 ;;
	--check) check=1 ;;
	--verbose) verbose=1 ;;
	-h | --help) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done

pkgs=("${BUILD_PKGS[@]}")
if [ "$build_only" = 0 ]; then
	pkgs+=("${TOOL_PKGS[@]}" "${FUZZ_PKGS[@]}" "${TEST_PKGS[@]}" "${PKG_PKGS[@]}")
fi
[ "$with_l2tpns" = 1 ] && pkgs+=("${L2TPNS_PKGS[@]}")
[ "$with_bench" = 1 ] && pkgs+=("${BENCH_PKGS[@]}")

command -v dpkg-query >/dev/null || die "dpkg-query not found: this script is for Debian 12"

# Installed means status "installed" with error flag "ok" (not half-configured, not
# reinstall-required). One dpkg-query for all; unknown names print nothing.
missing_pkgs() {
	local -A ok=()
	local name status eflag
	while read -r name status eflag; do
		[ "$status" = installed ] && [ "$eflag" = ok ] && ok[${name%%:*}]=1
	done < <(dpkg-query -W -f='${Package} ${db:Status-Status} ${db:Status-Eflag}\n' "$@" \
		2>/dev/null || true)
	for name in "$@"; do
		[ -n "${ok[$name]:-}" ] || printf '%s\n' "$name"
	done
}

mapfile -t missing < <(missing_pkgs "${pkgs[@]}")

# libreswan unpacked, not installed (see TEST_PKGS): the default set only
want_lsw=0
[ "$build_only" = 0 ] && want_lsw=1
lsw_ok() { [ -x "$LIBRESWAN_DIR/usr/libexec/ipsec/pluto" ]; }
unpack_libreswan() {
	local tmp
	[ "$want_lsw" = 1 ] && ! lsw_ok || return 0
	[ "$(id -u)" -eq 0 ] || die "run as root (sudo $0) to unpack libreswan"
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/lnsd-libreswan.XXXXXX")
	# _apt must be able to write there (apt-get download drops privileges)
	chmod 0755 "$tmp"
	say "apt-get download libreswan; dpkg-deb -x into $LIBRESWAN_DIR (not installed)"
	if ! (cd "$tmp" && apt-get download -q libreswan </dev/null >/dev/null 2>&1); then
		apt-get -q update </dev/null >/dev/null 2>&1 || true
		(cd "$tmp" && apt-get download -q libreswan </dev/null >/dev/null 2>&1) ||
			{ rm -rf "$tmp"; die "apt-get download libreswan failed"; }
	fi
	mkdir -p "$LIBRESWAN_DIR"
	dpkg-deb -x "$tmp"/libreswan_*.deb "$LIBRESWAN_DIR" ||
		{ rm -rf "$tmp"; die "dpkg-deb -x libreswan failed"; }
	rm -rf "$tmp"
	lsw_ok || die "no pluto in $LIBRESWAN_DIR after unpacking"
}

if [ "${#missing[@]}" -eq 0 ]; then
	if [ "$check" = 1 ] && [ "$want_lsw" = 1 ] && ! lsw_ok; then
		say "libreswan is not unpacked in $LIBRESWAN_DIR"
		exit 1
	fi
	[ "$check" = 1 ] || unpack_libreswan
	say "all ${#pkgs[@]} packages present"
	exit 0
fi
if [ "$check" = 1 ]; then
	say "missing ${#missing[@]} of ${#pkgs[@]} packages: ${missing[*]}"
	exit 1
fi

say "missing ${#missing[@]} packages: ${missing[*]}"
[ "$(id -u)" -eq 0 ] || die "run as root (sudo $0 $*) to install them"

# No package script may start a daemon: invoke-rc.d and deb-systemd-invoke ask
# policy-rc.d, and 101 means "action forbidden". Keep an existing one (a container's
# usually says the same); remove ours however we exit.
created_policy=0
log=""
cleanup() {
	if [ "$created_policy" = 1 ] && grep -qF "$POLICY_MARK" "$POLICY_RC_D" 2>/dev/null; then
		rm -f "$POLICY_RC_D"
	fi
	if [ -n "$log" ] && [ -f "$log" ]; then
		rm -f "$log"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ -e "$POLICY_RC_D" ]; then
	say "keeping the existing $POLICY_RC_D"
else
	printf '#!/bin/sh\n%s\n# Forbid package scripts to start services; removed when it ends.\nexit 101\n' \
		"$POLICY_MARK" >"$POLICY_RC_D"
	chmod 0755 "$POLICY_RC_D"
	created_policy=1
fi

export DEBIAN_FRONTEND=noninteractive DEBCONF_NONINTERACTIVE_SEEN=true
export APT_LISTCHANGES_FRONTEND=none NEEDRESTART_SUSPEND=1
APT=(apt-get -y -q -o DPkg::Lock::Timeout=300 -o Dpkg::Use-Pty=0
	-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)

# tshark asks whether non-root users may capture; answer no (lnsd's tests run as root).
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections

run_apt() {
	if [ "$verbose" = 1 ]; then
		"${APT[@]}" "$@" </dev/null
		return
	fi
	if ! "${APT[@]}" "$@" </dev/null >"$log" 2>&1; then
		tail -n 40 "$log" >&2
		return 1
	fi
}

log=$(mktemp "${TMPDIR:-/tmp}/lnsd-install-deps.XXXXXX")
say "apt-get update"
run_apt update || die "apt-get update failed (see above)"
say "apt-get install (${#missing[@]} packages, no recommends)"
run_apt install --no-install-recommends "${missing[@]}" || die "apt-get install failed (see above)"

mapfile -t still < <(missing_pkgs "${pkgs[@]}")
[ "${#still[@]}" -eq 0 ] || die "still missing after apt-get install: ${still[*]}"
say "installed: ${missing[*]}"
unpack_libreswan
