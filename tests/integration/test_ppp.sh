#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# lib/ppp against an independent PPP implementation: slirp (slirp-fullbolt) as
# the client on a pty, lib/ppp as the server, async-HDLC framing in between
# (tests/integration/ppp/ppp_pty_peer.c). Each case runs in its own network
# namespace with only loopback up, so slirp's NAT reaches nothing but the echo
# socket the peer program opens there.
#   ok:     LCP, PAP, IPCP open; slirp takes the pool address; a UDP datagram to
#           10.0.2.2 returns through slirp's NAT
#   badpw:  a wrong password gets a PAP Nak and the session goes down
set -u
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${LNSD_BUILD:-$SRC/build}
PEER=$BUILD/tests/integration/ppp/ppp_pty_peer
TMP=$(mktemp -d /tmp/lns-ppp.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
pass=0 fail=0

command -v slirp-fullbolt >/dev/null || { echo "FAIL: slirp-fullbolt missing (Debian package slirp)"; exit 1; }

if [ ! -x "$PEER" ]; then
	# Not built by meson (tests/integration/meson.build has no subdir('ppp')):
	# build it here against the build tree's static libraries.
	PEER=$TMP/ppp_pty_peer
	cc -std=gnu11 -O1 -D_GNU_SOURCE -I"$SRC/lib/ppp" -I"$SRC/lib/util" -I"$SRC/lib/conf" \
		"$SRC/tests/integration/ppp/ppp_pty_peer.c" \
		"$BUILD/lib/ppp/liblns_ppp.a" "$BUILD/lib/util/liblns_util.a" \
		"$BUILD/lib/conf/liblns_conf.a" $(pkg-config --libs libcrypto yaml-0.1) \
		-o "$PEER" || { echo "FAIL: cannot build ppp_pty_peer"; exit 1; }
fi

run_case() {
	local name=$1
	if unshare -n true 2>/dev/null; then
		set -- unshare -n sh -c 'ip link set lo up && exec "$0" "$1"' "$PEER" "$name"
	else
		set -- "$PEER" "$name"
	fi
	if timeout 60 "$@" >"$TMP/$name.log" 2>&1; then
		echo "ok - slirp $name"
		pass=$((pass + 1))
	else
		echo "FAIL - slirp $name"
		sed 's/^/    /' "$TMP/$name.log"
		fail=$((fail + 1))
	fi
}

run_case ok
run_case badpw
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
