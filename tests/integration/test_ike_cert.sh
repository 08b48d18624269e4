#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Main Mode with RSA signatures and IKEv1 fragmentation against strongSwan charon.
# lib/ike runs in tests/integration/ike/ike_udp_peer (as in test_ike.sh); the CA,
# lnsd's certificate and the clients' are made now by strongSwan's `pki`.
# Checks: MM + QM complete with certificates and the ESP keys equal charon's;
# charon's MM5 arrives in fragments (fragmentation = force, small fragment_size)
# and is reassembled, our MM6 goes out in fragments; a client certificate of
# another CA and a revoked one (CRL) are refused with a counted, logged reason
# and charon is told (INVALID-CERTIFICATE).
LNSD_BUILD=${LNSD_BUILD:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build}
PEER_BIN=${PEER_BIN:-$LNSD_BUILD/tests/integration/ike/ike_udp_peer}
LNSD=${LNSD:-$PEER_BIN}
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
lns_init ike_cert

for t in /usr/lib/ipsec/charon swanctl pki; do
	command -v "$t" >/dev/null || { echo "ike_cert: missing $t (strongswan-charon, strongswan-swanctl, strongswan-pki)"; exit 1; }
done
[ -x "$PEER_BIN" ] || { echo "ike_cert: no $PEER_BIN (build first)"; exit 1; }

NS_R=lns$LNS_ID-icr
NS_I=lns$LNS_ID-ici
ADDR_R=192.0.2.1
ADDR_I=192.0.2.2
W=$LNS_WORK
C=$W/certs
PEER_LOG=$W/peer.log
CH_LOG=$W/charon.log
PEER_PID=
CH_PID=
DN_LNS="C=CH, O=lnsd test, CN=lns.test"
DN_CLIENT="C=CH, O=lnsd test, CN=client1"

# ------------------------------------------------------------ certificates ---
mkdir -p "$C"
key() { pki --gen --type rsa --size 2048 --outform pem >"$C/$1.key" 2>>"$W/pki.err"; }
issue() {   # NAME CA DN [SAN]
	key "$1"
	pki --pub --in "$C/$1.key" --outform pem 2>>"$W/pki.err" |
		pki --issue --cacert "$C/$2.pem" --cakey "$C/$2.key" --dn "$3" ${4:+--san "$4"} \
			--lifetime 2 --outform pem >"$C/$1.pem" 2>>"$W/pki.err"
}
key ca
pki --self --ca --lifetime 2 --in "$C/ca.key" --dn "C=CH, O=lnsd test, CN=Test CA" --outform pem >"$C/ca.pem" 2>>"$W/pki.err"
key other
pki --self --ca --lifetime 2 --in "$C/other.key" --dn "C=CH, O=other, CN=Other CA" --outform pem >"$C/other.pem" 2>>"$W/pki.err"
issue lns ca "$DN_LNS" "$ADDR_R"
issue client ca "$DN_CLIENT"
issue revoked ca "C=CH, O=lnsd test, CN=revoked"
issue rogue other "C=CH, O=lnsd test, CN=rogue"
# ECDSA (RFC 4754): lnsd and a client with P-256 keys, from the same CA
mkdir -p "$C/ec"
pki --gen --type ecdsa --size 256 --outform pem >"$C/ec/lns.key" 2>>"$W/pki.err"
pki --pub --in "$C/ec/lns.key" --outform pem 2>>"$W/pki.err" |
	pki --issue --cacert "$C/ca.pem" --cakey "$C/ca.key" --dn "$DN_LNS" --san "$ADDR_R" \
		--lifetime 2 --outform pem >"$C/ec/lns.pem" 2>>"$W/pki.err"
pki --gen --type ecdsa --size 256 --outform pem >"$C/ecclient.key" 2>>"$W/pki.err"
pki --pub --in "$C/ecclient.key" --outform pem 2>>"$W/pki.err" |
	pki --issue --cacert "$C/ca.pem" --cakey "$C/ca.key" --dn "C=CH, O=lnsd test, CN=ecclient" \
		--lifetime 2 --outform pem >"$C/ecclient.pem" 2>>"$W/pki.err"
cp "$C/ca.pem" "$C/ec/"
pki --signcrl --cacert "$C/ca.pem" --cakey "$C/ca.key" --cert "$C/revoked.pem" --lifetime 2 \
	--outform pem >"$C/ca.crl" 2>>"$W/pki.err"
lns_check "pki made the CA, lnsd's and three client certificates and a CRL" \
	[ -s "$C/lns.pem" ] && [ -s "$C/client.pem" ] && [ -s "$C/rogue.pem" ] && [ -s "$C/ca.crl" ]

lns_netns "$NS_R"
lns_netns "$NS_I"
lns_veth "lns${LNS_ID}c" "$NS_I" "$ADDR_I/24"
ip link set "lns${LNS_ID}c" netns "$NS_R"
ip -n "$NS_R" addr add "$ADDR_R/24" dev "lns${LNS_ID}c"
ip -n "$NS_R" link set "lns${LNS_ID}c" up
ip netns exec "$NS_R" ethtool -K "lns${LNS_ID}c" tx off >/dev/null

peer_start() {   # extra ike_udp_peer options
	: >"$PEER_LOG"
	# a PSK is configured too: PSK and certificates side by side
	ip netns exec "$NS_R" "$PEER_BIN" -a "$ADDR_R" -l "$PEER_LOG" -k not-used-by-these-clients \
		-L 0,1,2/2,4/14 -E aes128gcm16,aes128-sha1 -C "$C" "$@" &
	PEER_PID=$!
	LNS_BG_PIDS+=("$PEER_PID")
	for _ in $(seq 50); do grep -q '^ready' "$PEER_LOG" 2>/dev/null && return 0; sleep 0.1; done
	lns_log "ike_udp_peer did not start"; return 1
}
peer_stop() {
	[ -n "$PEER_PID" ] || return 0
	kill -TERM "$PEER_PID" 2>/dev/null
	wait "$PEER_PID" 2>/dev/null
	PEER_PID=
}
peer_wait() {
	local re=$1 secs=${2:-5}
	for _ in $(seq $((secs * 10))); do grep -Eq "$re" "$PEER_LOG" && return 0; sleep 0.1; done
	return 1
}
peer_counter() {
	local before
	before=$(grep -c '^counters' "$PEER_LOG")
	kill -USR2 "$PEER_PID"
	for _ in $(seq 30); do [ "$(grep -c '^counters' "$PEER_LOG")" -gt "$before" ] && break; sleep 0.1; done
	grep '^counters' "$PEER_LOG" | tail -1 | tr ' ' '\n' | sed -n "s/^$1=//p"
}

charon_start() {
	local d=$W/ch
	mkdir -p "$d"
	: >"$CH_LOG"
	cat >"$d/strongswan.conf" <<EOC
charon {
	load = random nonce aes sha1 sha2 hmac kdf gcm openssl pem pkcs1 x509 revocation constraints pubkey gmp curve25519 kernel-libipsec kernel-netlink socket-default vici
	retransmit_tries = 2
	retransmit_timeout = 1.0
	retransmit_base = 1.4
	install_routes = no
	# small fragments: charon's MM5 (certificate + signature) goes out in pieces
	fragment_size = 600
	plugins {
		vici {
			socket = unix://$d/charon.vici
		}
		kernel-libipsec {
			allow_peer_ts = yes
		}
		kernel-netlink {
			fwmark = !0x42
		}
		socket-default {
			fwmark = 0x42
		}
	}
	filelog {
		main {
			path = $CH_LOG
			default = 1
			ike = 2
			net = 2
			enc = 1
			chd = 4
			cfg = 2
			flush_line = yes
		}
	}
}
EOC
	ip netns exec "$NS_I" sh -c "mount -t tmpfs tmpfs /run && STRONGSWAN_CONF=$d/strongswan.conf exec /usr/lib/ipsec/charon" \
		>"$d/charon.out" 2>&1 &
	CH_PID=$!
	LNS_BG_PIDS+=("$CH_PID")
	for _ in $(seq 50); do swanctl_ --stats >/dev/null 2>&1 && break; sleep 0.1; done
	swanctl_ --load-all --file "$W/swanctl.conf" >"$d/load.out" 2>&1 ||
		{ lns_log "swanctl --load-all failed"; cat "$d/load.out"; return 1; }
}
charon_stop() {
	[ -n "$CH_PID" ] || return 0
	kill -TERM "$CH_PID" 2>/dev/null
	wait "$CH_PID" 2>/dev/null
	CH_PID=
}
swanctl_() { local c=$1; shift; ip netns exec "$NS_I" swanctl "$c" --uri "unix://$W/ch/charon.vici" "$@"; }

conn() {   # NAME CERT
	cat <<EOC
	$1 {
		version = 1
		local_addrs = $ADDR_I
		remote_addrs = $ADDR_R
		proposals = aes128-sha256-modp2048
		fragmentation = force
		rekey_time = 0
		local {
			auth = pubkey
			certs = $C/$2.pem
		}
		remote {
			auth = pubkey
			id = "$DN_LNS"
			cacerts = $C/ca.pem
		}
		children {
			$1 {
				local_ts = dynamic[udp/1701]
				remote_ts = dynamic[udp/1701]
				mode = tunnel
				esp_proposals = aes128gcm16
				rekey_time = 0
			}
		}
	}
EOC
}
{
	echo "connections {"
	conn good client
	conn rogue rogue
	conn revoked revoked
	conn ecgood ecclient
	echo "}"
} >"$W/swanctl.conf"
# swanctl loads every key in private/ beside its configuration file
mkdir -p "$W/private"
cp "$C/client.key" "$C/rogue.key" "$C/revoked.key" "$C/ecclient.key" "$W/private/"

# keys_match CHILD: our child_up keys equal charon's chd=4 dump (as test_ike.sh)
keys_match() {
	"$PY" - "$1" "$CH_LOG" "$PEER_LOG" <<'EOP'
import re, sys
name, chlog, peerlog = sys.argv[1:4]
keys, cur, est = {}, None, None
for line in open(chlog, errors='replace'):
    m = re.search(r'\[CHD\] (encryption|integrity) (initiator|responder) key => (\d+) bytes', line)
    if m:
        cur = (m.group(1), m.group(2)); keys[cur] = ''; continue
    m = re.search(r'\[CHD\]\s+\d+: ((?:[0-9A-F]{2} )+)', line)
    if m and cur:
        keys[cur] += m.group(1).replace(' ', '').lower(); continue
    cur = None
    m = re.search(r'CHILD_SA (\S+)\{\d+\} established with SPIs ([0-9a-f]{8})_i ([0-9a-f]{8})_o', line)
    if m:
        if m.group(1) == name:
            est = (m.group(2), m.group(3), dict(keys))
        keys = {}
if est is None:
    sys.exit('charon established no CHILD_SA ' + name)
spi_i, spi_o, k = est
ups = [dict(kv.split('=', 1) for kv in l.split()[1:]) for l in open(peerlog) if l.startswith('child_up ')]
up = [u for u in ups if u['spi_in'] == spi_o]
if not up:
    sys.exit('no child_up with spi_in=' + spi_o)
u = up[-1]
if u['key_in'] != k.get(('encryption', 'initiator')) or u['key_out'] != k.get(('encryption', 'responder')) \
        or u['spi_out'] != spi_i:
    sys.exit('mismatch: ours %s, charon %s' % (u, k))
EOP
}

# ============ 1. a good client certificate, fragments both ways ============
peer_start -F 600 -D "$DN_CLIENT" || exit 1
charon_start || exit 1
initiate() { swanctl_ --initiate --child "$1" --timeout "${2:-10}" >"$W/init-$1.out" 2>&1; }
lns_check "good: swanctl --initiate succeeds (Main Mode with RSA signatures + Quick Mode)" \
	initiate good 15
lns_check "good: charon authenticated lnsd's certificate" \
	grep -q "authentication of '$DN_LNS' with RSA.* successful" "$CH_LOG"
lns_check "good: conn_up with the client's DN as its ID" \
	peer_wait "^conn_up .* id=$DN_CLIENT\$" 3
lns_check "good: ESP keys equal charon's (both directions)" keys_match good
lns_check "good: cert-auth-done counted" [ "$(peer_counter cert-auth-done)" = 1 ]
lns_check "fragments: charon's MM5 reassembled from $(peer_counter fragments-received) fragments" \
	[ "$(peer_counter fragments-reassembled)" -ge 1 ] && [ "$(peer_counter fragments-received)" -ge 2 ]
lns_check "fragments: our MM6 sent as $(peer_counter fragments-sent) fragments" \
	[ "$(peer_counter fragments-sent)" -ge 2 ]
lns_check "fragments: charon reassembled our message" \
	grep -Eq "received fragment #[0-9]+, reassembling|reassembled fragmented IKE message" "$CH_LOG"
lns_check "fragments: no fragment dropped" \
	[ "$(peer_counter err-fragment-malformed)/$(peer_counter err-fragments-discarded)" = 0/0 ]

# ============ 2. another CA's certificate, 3. a revoked one ============
for c in rogue:err-cert-untrusted:"unable to get local issuer certificate" \
	 revoked:err-cert-revoked:"certificate revoked"; do
	IFS=: read -r name ctr why <<<"$c"
	lns_check "$name: swanctl --initiate fails" \
		sh -c "! ip netns exec $NS_I swanctl --initiate --uri unix://$W/ch/charon.vici --child $name --timeout 10 >$W/init-$name.out 2>&1"
	for _ in $(seq 30); do [ "$(peer_counter "$ctr")" -ge 1 ] && break; sleep 0.2; done
	lns_check "$name: $ctr counted" [ "$(peer_counter "$ctr")" -ge 1 ]
	lns_check "$name: refusal logged with its reason ($why)" \
		grep -q "^event ipsec-refused $ADDR_I: .*($why)" "$PEER_LOG"
	lns_check "$name: charon was told (INVALID_CERTIFICATE)" \
		grep -q "received INVALID_CERTIFICATE error notify" "$CH_LOG"
done
lns_check "refused: only the good client came up" [ "$(grep -c '^conn_up' "$PEER_LOG")" = 1 ]
charon_stop
peer_stop

# ============ 4. ECDSA P-256 both ways (RFC 4754 method 9) ============
peer_start -C "$C/ec" || exit 1
charon_start || exit 1
lns_check "ecdsa: swanctl --initiate succeeds" initiate ecgood 15
lns_check "ecdsa: charon authenticated lnsd's ECDSA signature" \
	grep -q "authentication of '$DN_LNS' with ECDSA.* successful" "$CH_LOG"
lns_check "ecdsa: conn_up for the ECDSA client" \
	peer_wait "^conn_up .* id=C=CH, O=lnsd test, CN=ecclient\$" 3
lns_check "ecdsa: ESP keys equal charon's" keys_match ecgood
lns_check "ecdsa: an RSA client is not offered ECDSA's method: refused" \
	sh -c "! ip netns exec $NS_I swanctl --initiate --uri unix://$W/ch/charon.vici --child good --timeout 8 >$W/init-ec-rsa.out 2>&1"
lns_check "ecdsa: ... with NO-PROPOSAL-CHOSEN" [ "$(peer_counter err-no-proposal-chosen)" -ge 1 ]
charon_stop
peer_stop

# ============ 5. a DN cert-peers does not allow ============
peer_start -D "C=CH, O=lnsd test, CN=someone else" || exit 1
charon_start || exit 1
lns_check "not allowed: swanctl --initiate fails" \
	sh -c "! ip netns exec $NS_I swanctl --initiate --uri unix://$W/ch/charon.vici --child good --timeout 10 >$W/init-na.out 2>&1"
for _ in $(seq 30); do [ "$(peer_counter err-cert-peer-not-allowed)" -ge 1 ] && break; sleep 0.2; done
lns_check "not allowed: err-cert-peer-not-allowed counted" \
	[ "$(peer_counter err-cert-peer-not-allowed)" -ge 1 ]
lns_check "not allowed: charon was told (AUTHENTICATION_FAILED)" \
	grep -q "received AUTHENTICATION_FAILED error notify" "$CH_LOG"
charon_stop
peer_stop
lns_check "ike_udp_peer exited cleanly" grep -q '^exit' "$PEER_LOG"
lns_finish
