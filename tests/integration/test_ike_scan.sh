#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# lib/ike's Main Mode proposal choice against ike-scan, an independent IKEv1
# initiator: proposal sets with one and with several transforms get a Main Mode
# answer naming the transform lnsd prefers; an unacceptable set gets
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
# lnsd's default IKE proposals, in its preference order
ip netns exec "$NS_R" "$PEER_BIN" -a "$ADDR_R" -l "$PEER_LOG" -k scan-secret-0123 \
	-I aes256-sha256-modp2048,aes128-sha256-modp2048,aes256-sha256-ecp256,aes128-sha1-modp2048 \
	-E aes128gcm16 &
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
# enc 7 = AES-CBC (/keybits), hash 2 = SHA1, 4 = SHA2-256, auth 1 = PSK, groups 2, 14, 19
scan one-aes128-sha1-modp2048 "Enc=AES KeyLength=128 Hash=SHA1 Group=14:modp2048 Auth=PSK" 7/128,2,1,14
scan one-aes256-sha256-ecp256 "Enc=AES KeyLength=256 Hash=SHA2-256 Group=19:ecp256 Auth=PSK" 7/256,4,1,19
# several transforms in one proposal: lnsd's preference wins, not the offer order
scan several-prefers-ours "Enc=AES KeyLength=256 Hash=SHA2-256 Group=14:modp2048 Auth=PSK" \
	7/128,2,1,14 7/256,4,1,19 7/256,4,1,14
scan bad-3des-md5-modp1024 "14 NO-PROPOSAL-CHOSEN" 5,1,1,2
scan bad-aes128-sha1-modp1024 "14 NO-PROPOSAL-CHOSEN" 7/128,2,1,2
kill -USR2 "$PEER_PID"; sleep 0.3
lns_check "no-proposal refusals counted (2)" \
	[ "$(grep '^counters' "$PEER_LOG" | tail -1 | tr ' ' '\n' | sed -n 's/^err-no-proposal-chosen=//p')" = 2 ]
kill -TERM "$PEER_PID"; wait "$PEER_PID" 2>/dev/null
lns_check "ike_udp_peer exited cleanly" grep -q '^exit' "$PEER_LOG"
lns_finish
