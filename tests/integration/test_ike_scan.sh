#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# lib/ike's Main Mode proposal choice against ike-scan, an independent IKEv1
# initiator: proposal sets with one and with several transforms get a Main Mode
# answer naming the first transform, in the client's order, whose cipher, hash,
# group and auth are each acceptable; an unacceptable set gets
# NO-PROPOSAL-CHOSEN (RFC 2408 §5.4), not silence. tests/integration/ike/
# ike_udp_peer runs lib/ike over UDP 500 in one namespace, ike-scan in another.
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

: >"$PEER_LOG"
# lnsd's default lists (config/lnsd.yaml): ike-ciphers aes256, aes192, aes128
# (2,1,0); ike-hashes sha256, sha384, sha512, sha1; ike-groups 14,19,20,21,15,16
ip netns exec "$NS_R" "$PEER_BIN" -a "$ADDR_R" -l "$PEER_LOG" -k scan-secret-0123 \
	-L 2,1,0/4,5,6,2/14,19,20,21,15,16 -E aes128gcm16 &
PEER_PID=$!
LNS_BG_PIDS+=("$PEER_PID")
for _ in $(seq 50); do grep -q '^ready' "$PEER_LOG" 2>/dev/null && break; sleep 0.1; done

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
kill -TERM "$PEER_PID"; wait "$PEER_PID" 2>/dev/null
lns_check "ike_udp_peer exited cleanly" grep -q '^exit' "$PEER_LOG"
lns_finish
