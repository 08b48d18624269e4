#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# lib/ike's Main Mode proposal choice against ike-scan, an independent IKEv1
# initiator: proposal sets with one and with several transforms get a Main Mode
# answer naming the first transform, in the client's order, whose cipher, hash,
# group and auth are each acceptable; an unacceptable set gets
# NO-PROPOSAL-CHOSEN (RFC 2408 §5.4), not silence. Then the Main Mode sets of the
# clients in README "Clients" (Windows, Android, Apple, NetworkManager-l2tp,
# MikroTik, Cisco), with the defaults, with allow-modp1024, and with allow-3des too.
# tests/integration/ike/ike_udp_peer runs lib/ike over UDP 500 in one namespace,
# ike-scan in another.
LNSD_BUILD=${LNSD_BUILD:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build}
PEER_BIN=${PEER_BIN:-$LNSD_BUILD/tests/integration/ike/ike_udp_peer}
LNSD=${LNSD:-$PEER_BIN}
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
lns_init ike_scan
command -v ike-scan >/dev/null || { echo "ike_scan: missing ike-scan: run drivers-config/install-deps.sh"; exit 1; }
[ -x "$PEER_BIN" ] || { echo "ike_scan: no $PEER_BIN (build first)"; exit 1; }
NS_R=lns$LNS_ID-isr
NS_I=lns$LNS_ID-isi
ADDR_R=192.0.2.1
ADDR_I=192.0.2.2
W=$LNS_WORK
PEER_LOG=$W/peer.log
lns_netns "$NS_R"
lns_netns "$NS_I"
lns_veth "lns${LNS_ID}k" "$NS_I" "$ADDR_I/24"
ip link set "lns${LNS_ID}k" netns "$NS_R"
ip -n "$NS_R" addr add "$ADDR_R/24" dev "lns${LNS_ID}k"
ip -n "$NS_R" link set "lns${LNS_ID}k" up

# peer_start LISTS [-M] [-3]: lib/ike with these ike-ciphers/hashes/groups and
# legacy switches (-M allow-modp1024, -3 allow-3des)
peer_start() {
	: >"$PEER_LOG"
	ip netns exec "$NS_R" "$PEER_BIN" -a "$ADDR_R" -l "$PEER_LOG" -k scan-secret-0123 \
		-L "$@" -E aes128gcm16 &
	PEER_PID=$!
	LNS_BG_PIDS+=("$PEER_PID")
	for _ in $(seq 50); do grep -q '^ready' "$PEER_LOG" 2>/dev/null && break; sleep 0.1; done
}
peer_stop() {
	kill -TERM "$PEER_PID"; wait "$PEER_PID" 2>/dev/null
	lns_check "ike_udp_peer exited cleanly" grep -q '^exit' "$PEER_LOG"
}
# lnsd's default lists (config/lnsd.yaml): ike-ciphers aes256, aes192, aes128
# (2,1,0); ike-hashes sha256, sha384, sha512, sha1; ike-groups 14,19,20,21,15,16
DEFAULTS=2,1,0/4,5,6,2/14,19,20,21,15,16
peer_start "$DEFAULTS"

# has_all FILE WORDS: one line of FILE holds every word (ike-scan's attribute order varies)
has_all() {
	"$PY" -c '
import sys
w = sys.argv[2].split()
sys.exit(not any(all(x in l.replace("(", " ").replace(")", " ").split() for x in w)
                 for l in open(sys.argv[1])))' "$1" "$2"
}
# scan NAME EXPECT TRANS...: ike-scan's output must hold EXPECT (it always exits 0)
scan() {
	local name=$1 want=$2 args=(); shift 2
	for t in "$@"; do args+=("--trans=$t"); done
	ip netns exec "$NS_I" ike-scan -M --sport=0 -r 1 -t 1500 "${args[@]}" "$ADDR_R" >"$W/scan-$name.out" 2>&1
	lns_check "$name: $want" has_all "$W/scan-$name.out" "$want"
}
# enc 7 = AES-CBC (/keybits), hash 2 = SHA1, 4/5/6 = SHA2-256/384/512,
# auth 1 = PSK, 3 = RSA signatures; groups 2, 5, 14, 15, 16, 19, 20, 21
scan one-aes128-sha1-modp2048 "Enc=AES KeyLength=128 Hash=SHA1 Group=14:modp2048 Auth=PSK" 7/128,2,1,14
scan one-aes256-sha256-ecp256 "Enc=AES KeyLength=256 Hash=SHA2-256 Group=19:ecp256 Auth=PSK" 7/256,4,1,19
scan one-aes192-sha384-ecp384 "Enc=AES KeyLength=192 Hash=SHA2-384 Group=20:ecp384 Auth=PSK" 7/192,5,1,20
scan one-aes256-sha512-ecp521 "Enc=AES KeyLength=256 Hash=SHA2-512 Group=21:ecp521 Auth=PSK" 7/256,6,1,21
scan one-aes128-sha384-modp3072 "Enc=AES KeyLength=128 Hash=SHA2-384 Group=15:modp3072 Auth=PSK" 7/128,5,1,15
scan one-aes256-sha256-modp4096 "Enc=AES KeyLength=256 Hash=SHA2-256 Group=16:modp4096 Auth=PSK" 7/256,4,1,16
# several transforms in one proposal: the client's order wins, not our lists'
scan several-client-first "Enc=AES KeyLength=128 Hash=SHA1 Group=14:modp2048 Auth=PSK" \
	7/128,2,1,14 7/256,4,1,19 7/256,4,1,14
# unacceptable ones are skipped (legacy group, then RSA auth) until one fits
scan several-skips-bad "Enc=AES KeyLength=192 Hash=SHA2-512 Group=20:ecp384 Auth=PSK" \
	7/128,2,1,2 7/256,4,3,14 7/192,6,1,20
scan bad-3des-md5-modp1024 "14 NO-PROPOSAL-CHOSEN" 5,1,1,2
scan bad-group2-legacy-off "14 NO-PROPOSAL-CHOSEN" 7/128,2,1,2
scan bad-group5-legacy-off "14 NO-PROPOSAL-CHOSEN" 7/256,2,1,5
scan bad-hash-md5 "14 NO-PROPOSAL-CHOSEN" 7/256,1,1,14
scan bad-auth-rsa "14 NO-PROPOSAL-CHOSEN" 7/256,4,3,14
scan bad-no-keylength "14 NO-PROPOSAL-CHOSEN" 7,4,1,14
kill -USR2 "$PEER_PID"; sleep 0.3
lns_check "no-proposal refusals counted (6)" \
	[ "$(grep '^counters' "$PEER_LOG" | tail -1 | tr ' ' '\n' | sed -n 's/^err-no-proposal-chosen=//p')" = 6 ]

# ---- the Main Mode sets of real clients (README "Clients"), in the client's
# order; enc 5 = 3DES, 1 = DES; hash 1 = MD5; auth 3 = RSA signatures.
# Windows 10/11 built-in, defaults (trailofbits/algo#9: 3DES, AES-128, AES-192,
# AES-256 each with SHA1, SHA-256, SHA-384, all MODP1024)
WIN=(5,2,1,2 5,4,1,2 5,5,1,2 7/128,2,1,2 7/128,4,1,2 7/128,5,1,2
	7/192,2,1,2 7/192,4,1,2 7/192,5,1,2 7/256,2,1,2 7/256,4,1,2 7/256,5,1,2)
# Windows with Rasman NegotiateDH2048_AES256 = 2 (docs.strongswan.org windowsClients)
WIN_DH14=(7/256,2,1,14 7/256,4,1,14 7/256,5,1,14)
# Android <= 11 built-in (racoon; hwdsl2/setup-ipsec-vpn#101, Android 5)
ANDROID=(7/256,2,1,2 7/256,1,1,2 7/128,2,1,2 7/128,1,1,2 5,2,1,2 5,1,1,2)
# macOS >= 10.11.4 / iOS >= 9.3 (DH14 added, Apple HT206154), as merged in
# NetworkManager-l2tp's README: strongest first
APPLE=(7/256,4,1,14 7/256,4,1,5 7/256,4,1,2 7/256,2,1,14 7/256,2,1,5 7/256,2,1,2
	7/256,2,1,20 7/128,2,1,2 7/128,2,1,19 5,2,1,14 5,2,1,2)
# iOS <= 9.2 / older macOS: MODP1024 only
IOS_OLD=(7/256,4,1,2 7/256,2,1,2 7/128,2,1,2 5,2,1,2)
# NetworkManager-l2tp >= 1.2.16 default phase 1 (strongSwan back end; libreswan's
# is the same without the modp1024 transforms)
NM=(7/256,4,1,14 7/256,4,1,5 7/256,4,1,2 7/256,2,1,14 7/256,2,1,5 7/256,2,1,2
	7/256,2,1,20 7/128,2,1,2 7/128,2,1,19 5,2,1,14 5,2,1,2)
# MikroTik RouterOS default profile: sha1; aes-128, 3des; modp2048, modp1024
MIKROTIK=(7/128,2,1,14 7/128,2,1,2 5,2,1,14 5,2,1,2)
# Cisco IOS's old default ISAKMP policy (Microsoft KB 249067): DES, SHA, RSA sig, group 1
CISCO_OLD=(1,2,3,1)

scan defaults-windows "14 NO-PROPOSAL-CHOSEN" "${WIN[@]}"
scan defaults-windows-dh2048 "Enc=AES KeyLength=256 Hash=SHA1 Group=14:modp2048 Auth=PSK" "${WIN_DH14[@]}"
scan defaults-android "14 NO-PROPOSAL-CHOSEN" "${ANDROID[@]}"
scan defaults-apple "Enc=AES KeyLength=256 Hash=SHA2-256 Group=14:modp2048 Auth=PSK" "${APPLE[@]}"
scan defaults-ios-old "14 NO-PROPOSAL-CHOSEN" "${IOS_OLD[@]}"
scan defaults-nm-l2tp "Enc=AES KeyLength=256 Hash=SHA2-256 Group=14:modp2048 Auth=PSK" "${NM[@]}"
scan defaults-mikrotik "Enc=AES KeyLength=128 Hash=SHA1 Group=14:modp2048 Auth=PSK" "${MIKROTIK[@]}"
scan defaults-cisco-old "14 NO-PROPOSAL-CHOSEN" "${CISCO_OLD[@]}"
peer_stop

# allow-modp1024 with modp1024 and modp1536 added to ike-groups (3DES still off)
peer_start "$DEFAULTS,2,5" -M
scan modp1024-windows "Enc=AES KeyLength=128 Hash=SHA1 Group=2:modp1024 Auth=PSK" "${WIN[@]}"
scan modp1024-android "Enc=AES KeyLength=256 Hash=SHA1 Group=2:modp1024 Auth=PSK" "${ANDROID[@]}"
scan modp1024-ios-old "Enc=AES KeyLength=256 Hash=SHA2-256 Group=2:modp1024 Auth=PSK" "${IOS_OLD[@]}"
scan modp1024-apple "Enc=AES KeyLength=256 Hash=SHA2-256 Group=14:modp2048 Auth=PSK" "${APPLE[@]}"
scan modp1024-3des-only "14 NO-PROPOSAL-CHOSEN" 5,2,1,2
scan modp1024-cisco-old "14 NO-PROPOSAL-CHOSEN" "${CISCO_OLD[@]}"
peer_stop

# allow-3des as well, 3des last in ike-ciphers: the client's order still decides,
# so Windows gets its first transform, 3DES
peer_start 2,1,0,3/4,5,6,2/14,19,20,21,15,16,2,5 -M -3
scan legacy-windows "Enc=3DES Hash=SHA1 Group=2:modp1024 Auth=PSK" "${WIN[@]}"
scan legacy-android "Enc=AES KeyLength=256 Hash=SHA1 Group=2:modp1024 Auth=PSK" "${ANDROID[@]}"
scan legacy-3des-only "Enc=3DES Hash=SHA1 Group=2:modp1024 Auth=PSK" 5,2,1,2
scan legacy-3des-md5 "14 NO-PROPOSAL-CHOSEN" 5,1,1,2
scan legacy-cisco-old "14 NO-PROPOSAL-CHOSEN" "${CISCO_OLD[@]}"
peer_stop
lns_finish
