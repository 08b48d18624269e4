#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# libreswan's pluto (4.10, Debian), a second independent IKEv1 initiator, against
# lnsd: PSK Main Mode and Quick Mode for an L2TP/IPsec transport-mode connection
# (udp/1701 both sides), as NetworkManager-l2tp's libreswan back end sets it up.
#
# This kernel has XFRM netlink (policies, SPI allocation) but no ESP
# (CONFIG_INET_ESP unset): installing the negotiated ESP state fails with
# EPROTONOSUPPORT, and pluto installs its SAs after checking Quick Mode message 2
# and before sending message 3, so without help message 3 never comes. The
# LD_PRELOAD shim tests/integration/pluto/xfrm_esp_ack.c turns exactly that kernel
# answer into an acknowledgement; pluto's IKE is untouched. Then, per case:
#   - Main Mode 1-6 with PSK and Quick Mode 1-3 complete: pluto reports the IPsec
#     SA established with the algorithms offered; lnsd counts main-mode-done and
#     quick-mode-done and puts both SPIs pluto names in its data plane;
#   - ESP keys agreed, both ways: scapy sends an L2TP SCCRQ in ESP with the keys
#     pluto logged (debug "private") for its outbound SA; lnsd decrypts it and
#     answers with an SCCRP on pluto's inbound SA, which scapy decrypts with
#     pluto's inbound keys (tests/integration/pluto_esp.py).
# Cases: aes256-sha1-modp2048 / aes128-sha1 on UDP 500; NAT-T forced
# (encapsulation=yes: Main Mode 5 onwards on 4500, UDP-encapsulated transport);
# 3des-sha1-modp2048 / 3des-sha1 with allow-3des; and md5, which lnsd refuses with
# NO-PROPOSAL-CHOSEN.
#
# libreswan is never installed as a package (it conflicts with strongSwan's
# charon); drivers-config/install-deps.sh unpacks it under LNS_LIBRESWAN.
. "$(dirname "$0")/lib.sh"

LSW=${LNS_LIBRESWAN:-/opt/lnsd-peers/libreswan}
LNSD_BUILD=${LNSD_BUILD:-$(cd "$(dirname "$0")/../.." && pwd)/build}
SHIM=$LNSD_BUILD/tests/integration/pluto/xfrm_esp_ack.so
lns_init pluto
for f in "$LSW/usr/libexec/ipsec/pluto" "$LSW/usr/libexec/ipsec/whack" \
	"$LSW/usr/libexec/ipsec/addconn"; do
	[ -x "$f" ] || { echo "pluto: missing $f: run drivers-config/install-deps.sh" >&2; exit 1; }
done
command -v certutil >/dev/null ||
	{ echo "pluto: missing certutil (libnss3-tools): run drivers-config/install-deps.sh" >&2; exit 1; }
[ -f "$SHIM" ] || { echo "pluto: no $SHIM (build first)" >&2; exit 1; }
lns_topology_up
W=$LNS_WORK
PSK=pluto-psk-0123456789
T0=$(date +%s)
quiet() { "$@" >/dev/null 2>&1; }

lns_write_config "$W/lnsd.yaml" "
ipsec:
  allow-3des: true
  ike-ciphers: [aes256, aes128, 3des]
  esp-proposals: [aes128gcm16, aes128-sha1, aes256-sha256, 3des-sha1]
  dpd-interval: 0
  psk:
    - peer: 0.0.0.0/0
      secret: \"$PSK\"
l2tp:
  hello-interval: 0
"
lns_check "lnsd --check accepts the config" quiet "$LNSD" --check -c "$W/lnsd.yaml"
lns_start "$W/lnsd.yaml" || { lns_fail "lnsd starts"; lns_finish; exit 1; }

ike_ctr() { lns_stat "ike.$1"; }
PLUTO_PID=

# pluto_start NAME IKE ESP ENCAP: one pluto in the client namespace, one
# connection "l2tp", initiated; returns when pluto has an answer or gave up
pluto_start() {
	local name=$1 ike=$2 esp=$3 encap=$4 d=$W/$1 i
	mkdir -p "$d/nss" "$d/run"
	certutil -N -d "sql:$d/nss" --empty-password >/dev/null 2>&1
	cat >"$d/ipsec.conf" <<EOC
config setup
	ikev1-policy=accept
	plutodebug="all private"
conn l2tp
	keyexchange=ike
	ikev2=no
	authby=secret
	type=transport
	left=$LNS_ACC_PEER
	leftprotoport=17/1701
	right=$LNS_ACC_ADDR
	rightprotoport=17/1701
	ike=$ike
	esp=$esp
	pfs=no
	encapsulation=$encap
	leftupdown=/bin/true
	auto=add
EOC
	printf '%s %s : PSK "%s"\n' "$LNS_ACC_PEER" "$LNS_ACC_ADDR" "$PSK" >"$d/ipsec.secrets"
	chmod 600 "$d/ipsec.secrets"
	# pluto runs /usr/libexec/ipsec/addconn at start-up: bind the unpacked tree
	# there, in this namespace's private mount namespace only
	ip netns exec "$LNS_NS_ACC" sh -c "mount --bind $LSW/usr/libexec /usr/libexec && \
		LD_PRELOAD=$SHIM exec $LSW/usr/libexec/ipsec/pluto --nofork --stderrlog \
		--config $d/ipsec.conf --ipsecdir $d --nssdir $d/nss --rundir $d/run \
		--dumpdir $d/run --secretsfile $d/ipsec.secrets" >"$d/pluto.log" 2>&1 &
	PLUTO_PID=$!
	LNS_BG_PIDS+=("$PLUTO_PID")
	for i in $(seq 100); do
		grep -q '"l2tp": added IKEv1 connection' "$d/pluto.log" && break; sleep 0.1
	done
	ip netns exec "$LNS_NS_ACC" timeout 15 "$LSW/usr/libexec/ipsec/whack" \
		--ctlsocket "$d/run/pluto.ctl" --name l2tp --initiate --asynchronous \
		>"$d/whack.out" 2>&1
	for i in $(seq 150); do
		grep -Eq 'IPsec SA established|NO_PROPOSAL_CHOSEN|Add SA.*errno' "$d/pluto.log" &&
			break
		sleep 0.1
	done
}
pluto_stop() {
	[ -n "$PLUTO_PID" ] || return 0
	kill -TERM "$PLUTO_PID" 2>/dev/null; wait "$PLUTO_PID" 2>/dev/null; PLUTO_PID=
}

# pluto_case NAME IKE ESP ENCAP IKE_WORD ESP_WORD: a whole connection, checked
pluto_case() {
	local name=$1 ike=$2 esp=$3 encap=$4 iw=$5 ew=$6 d=$W/$1 mm0 qm0 out
	mm0=$(ike_ctr main_mode_done)
	qm0=$(ike_ctr quick_mode_done)
	pluto_start "$name" "$ike" "$esp" "$encap"
	lns_check "$name: pluto: IKE SA established, $iw" \
		grep -Eq "IKE SA established.*$iw" "$d/pluto.log"
	lns_check "$name: pluto: IPsec SA established, $ew" \
		grep -Eq "IPsec SA established transport mode.*xfrm=$ew" "$d/pluto.log"
	lns_check "$name: lnsd counted Main Mode and Quick Mode done" \
		[ "$(ike_ctr main_mode_done)" -gt "$mm0" -a "$(ike_ctr quick_mode_done)" -gt "$qm0" ]
	"$PY" "$PLUTO_ESP" keys "$d/pluto.log" >"$d/keys.txt"
	lns_ctl --json show sa >"$d/sa.json"
	lns_check "$name: lnsd has both SPIs pluto negotiated in its data plane" "$PY" -c '
import json, sys
sa = json.dumps(json.load(open(sys.argv[1]))).lower()
spis = [l.split()[1] for l in open(sys.argv[2])]
sys.exit(not (len(spis) == 2 and all(str(int(s, 16)) in sa or s in sa for s in spis)))' \
		"$d/sa.json" "$d/keys.txt"
	out=$(ip netns exec "$LNS_NS_ACC" "$PY" "$PLUTO_ESP" sccrq "$d/pluto.log" \
		"$LNS_ACC_ADDR" "$encap" 2>"$d/esp.err")
	lns_log "$name: SCCRQ in ESP with pluto's keys -> $out"
	lns_ctl --json show stats >"$d/stats.json"
	lns_check "$name: ESP keys agreed both ways (lnsd's SCCRP decrypted with pluto's keys)" \
		sh -c "echo '$out' | grep -q '^sccrp '"
	pluto_stop
}
PLUTO_ESP=$(dirname "$0")/pluto_esp.py

pluto_case udp500 "aes256-sha1;modp2048" aes128-sha1 no \
	"cipher=AES_CBC_256 integ=HMAC_SHA1 group=MODP2048" "AES_CBC_128-HMAC_SHA1_96"
pluto_case natt "aes128-sha2_256;modp2048" aes256-sha2_256 yes \
	"cipher=AES_CBC_128 integ=HMAC_SHA2_256 group=MODP2048" "AES_CBC_256-HMAC_SHA2_256_128"
lns_check "natt: pluto sent Main Mode 5 onwards on UDP 4500" \
	grep -q "192.0.2.1:4500" "$W/natt/pluto.log"
pluto_case 3des "3des-sha1;modp2048" 3des-sha1 no \
	"cipher=3DES_CBC_192 integ=HMAC_SHA1 group=MODP2048" "3DES_CBC-HMAC_SHA1_96"

for a in "aes128-sha1 mode=transport natt=no" "aes256-sha256 mode=transport natt=yes" \
	"3des-sha1 mode=transport natt=no"; do
	lns_check "lnsd's ipsec-up event: alg=$a" grep -q "event=ipsec-up .* alg=$a" "$W/lnsd.log"
done

# ----------------------------------------------- a proposal lnsd refuses ---
npc0=$(ike_ctr err_no_proposal_chosen)
pluto_start md5 "aes128-md5;modp2048" aes128-sha1 no
pluto_stop
lns_check "md5: lnsd refused with NO-PROPOSAL-CHOSEN (counted)" \
	[ "$(ike_ctr err_no_proposal_chosen)" -gt "$npc0" ]
lns_check "md5: pluto got the NO_PROPOSAL_CHOSEN notification" \
	grep -q "NO_PROPOSAL_CHOSEN" "$W/md5/pluto.log"

for e in err_bad_hash err_auth_failed err_malformed err_crypto err_bad_id; do
	lns_check "lnsd: no $e" [ "$(ike_ctr $e)" = 0 ]
done
lns_check "lnsd: no ESP dropped for a bad ICV" [ "$(lns_stat drops.esp/icv)" = 0 ]
lns_stop_expect 0
lns_check "no sanitizer report in lnsd's log" \
	sh -c "! grep -Eq 'runtime error|AddressSanitizer|LeakSanitizer' '$W/lnsd.log'"
lns_log "took $(( $(date +%s) - T0 )) s"
lns_finish
