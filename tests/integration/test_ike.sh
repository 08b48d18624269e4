#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# lib/ike against a real IKEv1 initiator: strongSwan charon in one namespace,
# tests/integration/ike/ike_udp_peer (lib/ike over UDP 500/4500) in another.
# Checks proposal selection, the keys both sides derive (charon's chd=4 dump),
# NAT-T float, a wrong PSK, Delete both ways, and DPD. No lnsd is involved.
LNSD_BUILD=${LNSD_BUILD:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build}
PEER_BIN=${PEER_BIN:-$LNSD_BUILD/tests/integration/ike/ike_udp_peer}
# lib.sh insists on an lnsd binary; this test needs only the peer program.
LNSD=${LNSD:-$PEER_BIN}
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
lns_init ike

for t in /usr/lib/ipsec/charon swanctl; do
	command -v "$t" >/dev/null || { echo "ike: missing $t (strongswan-charon, strongswan-swanctl)"; exit 1; }
done
[ -x "$PEER_BIN" ] || { echo "ike: no $PEER_BIN (build first)"; exit 1; }

NS_R=lns$LNS_ID-ikr          # responder: lib/ike
NS_I=lns$LNS_ID-iki          # initiator: charon
ADDR_R=192.0.2.1
ADDR_I=192.0.2.2
PSK=ike-test-secret-0123
W=$LNS_WORK
PEER_LOG=$W/peer.log
CH_LOG=$W/charon.log
PEER_PID=
CH_PID=

lns_netns "$NS_R"
lns_netns "$NS_I"
lns_veth "lns${LNS_ID}k" "$NS_I" "$ADDR_I/24"
ip link set "lns${LNS_ID}k" netns "$NS_R"
ip -n "$NS_R" addr add "$ADDR_R/24" dev "lns${LNS_ID}k"
ip -n "$NS_R" link set "lns${LNS_ID}k" up
ip netns exec "$NS_R" ethtool -K "lns${LNS_ID}k" tx off >/dev/null

# ---------------------------------------------------------------- peer ---
peer_start() {   # extra ike_udp_peer options
	: >"$PEER_LOG"
	ip netns exec "$NS_R" "$PEER_BIN" -a "$ADDR_R" -l "$PEER_LOG" -k "${PEER_PSK:-$PSK}" \
		-L 2,1,0/2,4,5,6/14,19,20,21 \
		-E aes128gcm16,aes128-sha1,aes256-sha256 "$@" &
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
# peer_wait REGEX [SECONDS]: wait for a line in the peer's log
peer_wait() {
	local re=$1 secs=${2:-5}
	for _ in $(seq $((secs * 10))); do grep -Eq "$re" "$PEER_LOG" && return 0; sleep 0.1; done
	return 1
}
peer_counter() {   # NAME: value from the last counters line (after SIGUSR2)
	local before
	before=$(grep -c '^counters' "$PEER_LOG")
	kill -USR2 "$PEER_PID"
	for _ in $(seq 30); do [ "$(grep -c '^counters' "$PEER_LOG")" -gt "$before" ] && break; sleep 0.1; done
	grep '^counters' "$PEER_LOG" | tail -1 | tr ' ' '\n' | sed -n "s/^$1=//p"
}

# -------------------------------------------------------------- charon ---
# charon_start KERNEL_PLUGINS: one charon in NS_I, with kernel-libipsec (ESP in user
# space, tunnel mode only) or kernel-netlink only (no SA install here: PEERS.md).
charon_start() {
	local kernel=$1 d=$W/ch
	mkdir -p "$d"
	: >"$CH_LOG"
	cat >"$d/strongswan.conf" <<EOC
charon {
	load = random nonce aes sha1 sha2 hmac kdf gcm openssl pem pkcs1 x509 pubkey gmp curve25519 $kernel socket-default vici
	retransmit_tries = 2
	retransmit_timeout = 1.0
	retransmit_base = 1.4
	install_routes = no
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
	# chd = 4 dumps the negotiated ESP keys (compared with ours below)
	filelog {
		main {
			path = $CH_LOG
			default = 1
			ike = 2
			net = 2
			chd = 4
			knl = 1
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

# swanctl.conf: one connection per case (IKE proposal, ESP proposal, mode, encap)
conn() {   # NAME IKE ESP MODE ENCAP [DPD_DELAY]
	cat <<EOC
	$1 {
		version = 1
		local_addrs = $ADDR_I
		remote_addrs = $ADDR_R
		proposals = $2
		encap = $5
		dpd_delay = ${6:-0}
		rekey_time = 0
		local { auth = psk }
		remote { auth = psk }
		children {
			$1 {
				local_ts = dynamic[udp/1701]
				remote_ts = dynamic[udp/1701]
				mode = $4
				esp_proposals = $3
				rekey_time = 0
			}
		}
	}
EOC
}
write_swanctl() {   # PSK
	{
		echo "connections {"
		conn gcm   aes128-sha1-modp2048   aes128gcm16          tunnel no
		conn cbc   aes256-sha256-ecp256   aes128-sha1          tunnel yes
		conn pfs   aes256-sha256-modp2048 aes256-sha256-modp2048 tunnel no
		conn tpt   aes128-sha1-modp2048   aes128gcm16          transport no
		conn tptnat aes128-sha1-modp2048  aes128-sha1          transport yes
		conn dpd   aes128-sha1-modp2048   aes128gcm16          tunnel no 2s
		conn none  3des-md5-modp1024      aes128gcm16          tunnel no
		conn new384 aes192-sha384-ecp384  aes128gcm16          tunnel no
		conn new512 aes256-sha512-ecp521  aes256-sha256        tunnel no
		conn badesp aes128-sha1-modp2048  aes256-sha512        tunnel no
		echo "}"
		echo "secrets { ike-all { secret = \"$1\" } }"
	} >"$W/swanctl.conf"
}

# keys_match CHILD: the keys in our child_up equal the ones charon dumped (chd = 4)
# for the last CHILD_SA CHILD it established. charon's "initiator" keys protect
# initiator->responder traffic, i.e. our inbound SPI (its _o SPI).
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
    if m:   # every CHILD_SA's keys end here, not only NAME's (a GCM child has no integrity key)
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
want = {'key_in': k.get(('encryption', 'initiator')), 'key_out': k.get(('encryption', 'responder')),
        'auth_in': k.get(('integrity', 'initiator'), '-'), 'auth_out': k.get(('integrity', 'responder'), '-')}
bad = [f for f in want if want[f] != u[f]] + ([] if u['spi_out'] == spi_i else ['spi_out'])
if bad:
    sys.exit('mismatch in %s: ours %s, charon %s' % (bad, u, want))
EOP
}
child_field() {   # SPI_IN FIELD: a field of our child_up line for that SPI
	grep "^child_up .*spi_in=$1 " "$PEER_LOG" | tail -1 | tr ' ' '\n' | sed -n "s/^$2=//p"
}
ch_spi_o() {   # CHILD: charon's outbound SPI of its last CHILD_SA CHILD (= our spi_in)
	sed -n "s/.*CHILD_SA $1{[0-9]*} established with SPIs [0-9a-f]*_i \([0-9a-f]*\)_o.*/\1/p" "$CH_LOG" | tail -1
}

# ============ 1-6 with kernel-libipsec: tunnel mode, always UDP-encapsulated ============
write_swanctl "$PSK"
peer_start -d 2 -t 20 || exit 1
charon_start "kernel-libipsec kernel-netlink" || exit 1

# 1. Main Mode + Quick Mode, PSK: two IKE suites and three ESP suites (one with PFS).
for c in gcm:aes128gcm16 cbc:aes128-sha1 pfs:aes256-sha256 new384:aes128gcm16 \
	 new512:aes256-sha256; do
	name=${c%%:*} alg=${c#*:}
	lns_check "$name: swanctl --initiate succeeds" \
		swanctl_ --initiate --child "$name" --timeout 10 >"$W/init-$name.out" 2>&1
	spi=$(ch_spi_o "$name")
	lns_check "$name: child_up fired for charon's SPI ${spi:-none}" \
		peer_wait "^child_up .*spi_in=${spi:-none} " 3
	lns_check "$name: ESP $alg chosen, tunnel mode" \
		[ "$(child_field "$spi" alg)/$(child_field "$spi" mode)" = "$alg/tunnel" ]
	lns_check "$name: keys equal charon's (both directions)" keys_match "$name"
	# 2. NAT-T: libipsec fakes a NAT (encap = yes on "cbc" as well): the float to 4500
	lns_check "$name: UDP-encapsulated 4500 -> 4500 after the float" \
		[ "$(child_field "$spi" encap) $(child_field "$spi" peer) $(child_field "$spi" local_port)" = "1 $ADDR_I:4500 4500" ]
done
lns_check "IKE aes256-sha256-ecp256 selected by charon" \
	grep -q "selected proposal: IKE:AES_CBC_256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/ECP_256" "$CH_LOG"
# phase 1 with algorithms the old fixed suites lacked: charon (an independent
# implementation) derives the same SKEYIDs with the SHA-384/512 PRFs, or the
# Quick Mode above would not have come up with equal keys
lns_check "IKE aes192-sha384-ecp384 selected by charon" \
	grep -q "selected proposal: IKE:AES_CBC_192/HMAC_SHA2_384_192/PRF_HMAC_SHA2_384/ECP_384" "$CH_LOG"
lns_check "IKE aes256-sha512-ecp521 selected by charon" \
	grep -q "selected proposal: IKE:AES_CBC_256/HMAC_SHA2_512_256/PRF_HMAC_SHA2_512/ECP_521" "$CH_LOG"
lns_check "PFS: charon selected ESP with MODP_2048" \
	grep -q "selected proposal: ESP:AES_CBC_256/HMAC_SHA2_256_128/MODP_2048" "$CH_LOG"
lns_check "charon took our ESP lifetime (3600 s) from QM2" \
	grep -q "received 3600s lifetime" "$CH_LOG"
lns_check "charon saw the float to 4500" grep -q "from $ADDR_R\[4500\] to $ADDR_I\[4500\]" "$CH_LOG"

# 6. DPD both ways: charon asks every 2 s (dpd_delay), we ask after 2 s of silence.
lns_check "dpd: swanctl --initiate succeeds" \
	swanctl_ --initiate --child dpd --timeout 10 >"$W/init-dpd.out" 2>&1
sleep 4.5
lns_check "dpd: charon's R-U-THERE answered" [ "$(peer_counter dpd-r-u-there-received)" -ge 1 ]
lns_check "dpd: our R-U-THERE sent" [ "$(peer_counter dpd-r-u-there-sent)" -ge 1 ]
lns_check "dpd: charon's R-U-THERE-ACK matched our sequence" \
	[ "$(peer_counter dpd-r-u-there-ack-received)" -ge 1 ]
lns_check "dpd: no peer declared dead" [ "$(peer_counter dpd-dead)" = 0 ]

# 4. charon deletes one ISAKMP SA and its child. Its IKE SAs all come from one
# endpoint and one identity: one IPsec connection (DESIGN.md, Terms), renewed by
# each new Main Mode. So the child goes, the connection lives on in the others.
conn_gcm=$(grep "^child_up .*spi_in=$(ch_spi_o gcm) " "$PEER_LOG" | sed 's/.*conn=\([0-9]*\) .*/\1/')
lns_check "renewal: every child of this endpoint and ID is on connection ${conn_gcm:-?}" \
	[ "$(grep '^child_up' "$PEER_LOG" | sed 's/.*conn=\([0-9]*\) .*/\1/' | sort -u)" = "${conn_gcm:-x}" ]
lns_check "renewal: one conn_up for six Main Modes" [ "$(grep -c '^conn_up' "$PEER_LOG")" = 1 ]
lns_check "renewal: phase1-renewals counted (5)" [ "$(peer_counter phase1-renewals)" = 5 ]
swanctl_ --terminate --ike gcm --timeout 10 >"$W/term.out" 2>&1
lns_check "terminate: child_down for gcm's child" peer_wait "^child_down conn=${conn_gcm:-x} spi_in=$(ch_spi_o gcm)" 5
sleep 0.5
lns_check "terminate: no conn_down (the connection lives in its other ISAKMP SAs)" \
	sh -c "! grep -q '^conn_down' $PEER_LOG"

# 5. our disconnect: Delete for the IPsec SAs first, then for the ISAKMP SA.
mark=$(wc -l <"$CH_LOG")
kill -USR1 "$PEER_PID"
lns_check "disconnect: lns_ike_disconnect ran" peer_wait "^disconnect conn=.* rc=0" 3
for _ in $(seq 30); do tail -n +"$mark" "$CH_LOG" | grep -q "received DELETE for IKE_SA cbc" && break; sleep 0.1; done
lns_check "disconnect: charon got Delete for the ESP SA, then for the ISAKMP SA" \
	lns_charon_got_deletes "$CH_LOG" "$mark" cbc
lns_check "disconnect: charon holds no IKE_SA afterwards" \
	sh -c "! swanctl --list-sas --uri unix://$W/ch/charon.vici 2>/dev/null | grep -q ESTABLISHED"

# No proposal in common: refused, counted.
lns_check "none: 3des-md5-modp1024 is refused" \
	sh -c "! ip netns exec $NS_I swanctl --initiate --uri unix://$W/ch/charon.vici --child none --timeout 8 >$W/init-none.out 2>&1"
lns_check "none: err-no-proposal-chosen counted" [ "$(peer_counter err-no-proposal-chosen)" -ge 1 ]
# Phase 2 with no ESP proposal in common (lnsd's ESP has no HMAC-SHA-512): a
# protected Informational NO-PROPOSAL-CHOSEN that charon decrypts and reports
nprop=$(peer_counter err-no-proposal-chosen)
nch=$(grep -c "received NO_PROPOSAL_CHOSEN error notify" "$CH_LOG")
lns_check "badesp: Quick Mode with only aes256-sha512 is refused" \
	sh -c "! ip netns exec $NS_I swanctl --initiate --uri unix://$W/ch/charon.vici --child badesp --timeout 8 >$W/init-badesp.out 2>&1"
lns_check "badesp: charon received one more NO_PROPOSAL_CHOSEN (phase 1's came before)" \
	[ "$(grep -c "received NO_PROPOSAL_CHOSEN error notify" "$CH_LOG")" -gt "${nch:-0}" ]
lns_check "badesp: counted" [ "$(peer_counter err-no-proposal-chosen)" -gt "${nprop:-0}" ]
peer_stop

# 3. Wrong PSK: no child_up, err-auth-failed counted, charon reports failure.
PEER_PSK=not-the-same-secret peer_start || exit 1
lns_check "wrong psk: swanctl --initiate fails" \
	sh -c "! ip netns exec $NS_I swanctl --initiate --uri unix://$W/ch/charon.vici --child gcm --timeout 10 >$W/init-bad.out 2>&1"
lns_check "wrong psk: no conn_up or child_up" sh -c "! grep -Eq '^(conn|child)_up' $PEER_LOG"
# swanctl may give up before the peer has processed the last retransmitted MM5
for _ in $(seq 50); do [ "$(peer_counter err-auth-failed)" -ge 1 ] && break; sleep 0.2; done
lns_check "wrong psk: err-auth-failed counted" [ "$(peer_counter err-auth-failed)" -ge 1 ]
lns_check "wrong psk: no ISAKMP SA left half-open" [ "$(peer_counter main-mode-done)" = 0 ]
peer_stop
charon_stop

# ============ kernel-netlink only: transport mode reaches Quick Mode message 2 ============
peer_start || exit 1
charon_start kernel-netlink || exit 1
for c in tpt:ESP:AES_GCM_16_128 tptnat:ESP:AES_CBC_128/HMAC_SHA1_96; do
	name=${c%%:*} prop=${c#*:}
	mark=$(wc -l <"$CH_LOG")
	swanctl_ --initiate --child "$name" --timeout 8 >"$W/init-$name.out" 2>&1
	tail -n +"$mark" "$CH_LOG" >"$W/charon-$name.log"
	lns_check "$name: charon accepted our QM2 ($prop, transport)" \
		grep -q "selected proposal: $prop" "$W/charon-$name.log"
	lns_check "$name: charon then failed only at the local SA install" \
		grep -Eq "unable to install (inbound|outbound) IPsec SA|unable to add SAD entry" "$W/charon-$name.log"
done
lns_check "tptnat: UDP-encapsulated transport was negotiated (float to 4500)" \
	grep -q "from $ADDR_R\[4500\] to $ADDR_I\[4500\]" "$W/charon-tptnat.log"
lns_check "transport: no child_up (QM3 never came)" sh -c "! grep -q '^child_up' $PEER_LOG"
# charon's N(NO-PROPOSAL-CHOSEN) for its SPI ends our half-done Quick Mode at once:
# message 2 is never retransmitted (it would be after 1 s otherwise).
sleep 1.2
lns_check "transport: charon's error notify counted" [ "$(peer_counter err-peer-notify)" -ge 2 ]
lns_check "transport: half-done Quick Modes dropped, QM2 not retransmitted" \
	[ "$(peer_counter retransmits)/$(peer_counter err-exchange-timeout)" = 0/0 ]
charon_stop
peer_stop
lns_check "ike_udp_peer exited cleanly" grep -q '^exit' "$PEER_LOG"
lns_finish
