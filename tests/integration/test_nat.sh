#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Two clients behind one masquerading NAT (nftables in the access namespace, which
# is the NAT router here; each client in its own namespace behind it):
#   1. over IPsec: each client runs its own strongSwan charon (IKEv1, host-to-host
#      tunnel mode, NAT-T, kernel-libipsec; own /run and vici socket), xl2tpd and
#      slirp. Both connect; lnsd sees both from the NAT's one address, and each SA
#      carries that client's private address (its Quick Mode IDci) as the inner
#      peer. Both pass traffic, each only to its own session; one hangs up (single
#      shot: its SAs dropped, its Deletes sent and received) and the other keeps
#      passing traffic.
#   2. plain L2TP: two xl2tpd LACs from the same NAT address, different ports; both
#      pass traffic, each to its own session; one hangs up, the other goes on.
# Each client's echo server answers on both subscriber addresses and names its
# client, so a datagram delivered to the wrong session would come back misnamed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lac.sh"
. "$(dirname "$0")/ipsec.sh"

lns_init nat
for t in xl2tpd slirp-fullbolt /usr/lib/ipsec/charon swanctl nft; do
	command -v "$t" >/dev/null ||
		{ echo "nat: missing $t: run drivers-config/install-deps.sh" >&2; exit 1; }
done
lns_topology_up
W=$LNS_WORK
PSK=nat-test-psk-0123456789
NAT=$LNS_NS_ACC                 # the NAT router; its eth0 is 192.0.2.2 toward lnsd
quiet() { "$@" >/dev/null 2>&1; }
json() {
	"$PY" -c 'import json, sys; v = json.load(open(sys.argv[1])); sys.exit(not eval(sys.argv[2]))' "$@"
}
T0=$(date +%s)

# ---- the NAT and the two clients behind it (10.1.1.2 and 10.1.2.2)
CNS=()
for c in 1 2; do
	ns=lns$LNS_ID-c$c
	lns_netns "$ns"
	CNS[$c]=$ns
	ip link add "lan$c" netns "$NAT" type veth peer name eth0 netns "$ns"
	ip -n "$NAT" addr add "10.1.$c.1/24" dev "lan$c"
	ip -n "$NAT" link set "lan$c" up
	ip -n "$ns" addr add "10.1.$c.2/24" dev eth0
	ip -n "$ns" link set eth0 up
	ip -n "$ns" route add default via "10.1.$c.1"
	ip netns exec "$ns" ethtool -K eth0 tx off >/dev/null
	ip netns exec "$NAT" ethtool -K "lan$c" tx off >/dev/null
	# every subscriber address the test hands out, and an echo server that names
	# this client
	for a in $(seq 1 8); do ip -n "$ns" addr add "10.200.0.$a/32" dev lo; done
	ip netns exec "$ns" "$PY" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 7777))
while True:
    d, a = s.recvfrom(2048)
    s.sendto(sys.argv[1].encode() + b":" + d, a)' "c$c" &
	LNS_BG_PIDS+=("$!")
done
ip netns exec "$NAT" sysctl -qw net.ipv4.ip_forward=1
ip netns exec "$NAT" nft -f - <<'EOF'
table ip nat {
	chain post {
		type nat hook postrouting priority srcnat; policy accept;
		oifname "eth0" masquerade
	}
}
EOF
lns_check "NAT: client 1 reaches lnsd's address through it" \
	quiet ip netns exec "${CNS[1]}" ping -c 1 -W 2 "$LNS_ACC_PEER"

LNS_LIMITS_EXTRA='  allow-short-timers: true'
lns_write_config "$W/lnsd.yaml" "
ipsec:
  esp-proposals: [aes128gcm16]
  dpd-interval: 0
  psk:
    - peer: 0.0.0.0/0
      secret: \"$PSK\"
l2tp:
  allow-nonsecure: true
  hello-interval: 0
  destruct-timeout: 2
  destination-profiles:
    - name: oneshot
      single-shot-tunnel: true
ppp:
  auth: [pap]
  default-pool: subs
  pools:
    - name: subs
      prefix: 10.200.0.0/24
  users:
    - name: alice
      password: secret1
    - name: bob
      password: secret2
"
lns_check "lnsd --check accepts the config" quiet "$LNSD" --check -c "$W/lnsd.yaml"
lns_start "$W/lnsd.yaml" || { lns_fail "lnsd starts"; lns_finish; exit 1; }

USERS=("" alice bob)
PASSES=("" secret1 secret2)
# addr_of USER: the subscriber address of USER's session that is up now
addr_of() {
	lns_ctl --json show sessions | "$PY" -c '
import json, sys
print(next((s["address"] for s in json.load(sys.stdin).values()
            if s.get("user") == sys.argv[1] and s.get("phase") == "network"), ""))' "$1"
}
# echo_to ADDR: one UDP round trip core -> ADDR:7777 -> core; prints the answer
echo_to() {
	ip netns exec "$LNS_NS_CORE" "$PY" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1)
for i in range(5):
    s.sendto(b"to-%s-%d" % (sys.argv[1].encode(), i), (sys.argv[1], 7777))
    try:
        print(s.recvfrom(2048)[0].decode()); break
    except socket.timeout:
        pass' "$1"
}
# traffic C: client C's user's session answers from client C, and only from it
traffic() {
	local c=$1 a r
	a=$(addr_of "${USERS[$c]}")
	r=$(echo_to "$a")
	lns_check "$2: ${USERS[$c]}'s session ($a) answers from client $c ($r)" \
		[ -n "$a" -a "${r%%:*}" = "c$c" ]
}
# both_up PHASE SEQ: both users' PPP up (after SEQ)
both_up() {
	for c in 1 2; do
		lns_check "$1: ${USERS[$c]}'s PPP up" lns_wait_event ppp-up "user=${USERS[$c]}" "$2" 30
	done
	# the session table lags the event by a control loop turn
	for _ in $(seq 30); do
		[ -n "$(addr_of alice)" ] && [ -n "$(addr_of bob)" ] && break
		sleep 0.1
	done
}

# ------------------------------------------------------------- 1. over IPsec ---
IPSEC_PIDS=()
for c in 1 2; do
	LNS_IPSEC_NS=${CNS[$c]} LNS_IPSEC_LOCAL=10.1.$c.2 LNS_IPSEC_DIR=$W/ch$c
	export LNS_IPSEC_NS LNS_IPSEC_LOCAL
	lns_check "client $c: charon starts (own /run and vici socket)" lns_ipsec_start "$PSK" aes128gcm16
	IPSEC_PIDS[$c]=$LNS_IPSEC_PID
	lns_check "client $c: IKEv1 Main Mode + Quick Mode through the NAT" lns_ipsec_initiate
	LNS_IPSEC_PID=
done
# swanctl returns once charon has sent QM3; lnsd installs the SAs when it gets it
for _ in $(seq 50); do
	lns_ctl --json show sa >"$W/sa.json"
	[ "$("$PY" -c 'import json,sys; print(sum(e["state"] == "active" for e in json.load(open(sys.argv[1])).values()))' "$W/sa.json")" -ge 4 ] && break
	sleep 0.1
done
lns_check "show sa: two inbound tunnel-mode SAs from the NAT's address, different NAT-T ports" \
	json "$W/sa.json" "
len({e['natt_port'] for e in v.values() if e['dir'] == 'in' and e['state'] == 'active'
     and e['mode'] == 'tunnel' and e['peer'] == '$LNS_ACC_PEER'}) == 2"
lns_check "show sa: their inner peers are the clients' own addresses (IDci)" json "$W/sa.json" "
(sorted(e.get('inner_peer') for e in v.values() if e['state'] == 'active') ==
 ['10.1.1.2', '10.1.1.2', '10.1.2.2', '10.1.2.2'])"
conn_of() {
	"$PY" -c "import json; v = json.load(open('$W/sa.json')); print(next(e['conn'] for e in v.values() if e.get('inner_peer') == '$1'))"
}
CONN=("" "$(conn_of 10.1.1.2)" "$(conn_of 10.1.2.2)")

seq0=$(lns_last_seq)
for c in 1 2; do
	LNS_LAC_NS=${CNS[$c]}
	lns_check "client $c: xl2tpd starts" lns_lac_start "s$c" "${USERS[$c]}" "${PASSES[$c]}"
	lns_lac_call "s$c"
done
LNS_LAC_NS=
both_up ipsec "$seq0"
lns_ctl --json show events >"$W/ev1.json"
for c in 1 2; do
	lns_check "ipsec: client $c's tunnel is over its own IPsec connection (${CONN[$c]})" \
		json "$W/ev1.json" "[1 for k, e in v.items() if int(k) > $seq0 and e['event'] == 'tunnel-up' and e.get('ipsec') == ${CONN[$c]}]"
done
traffic 1 ipsec
traffic 2 ipsec
lns_check "ipsec: nothing dropped as esp.inner_*, ICV or replay" \
	[ "$(lns_drops_sum esp/inner_)/$(lns_stat drops.esp/icv)/$(lns_stat drops.esp/replay)" = 0/0/0 ]

# client 1 hangs up: single-shot teardown of its connection only
seq0=$(lns_last_seq)
mark=$(wc -l <"$W/ch1/charon.log")
lns_lac_hangup s1
lns_check "ipsec: client 1's SAs dropped (ipsec-disconnect, single-shot)" \
	lns_wait_event ipsec-disconnect "single-shot" "$seq0" 10
lns_check "ipsec: Deletes sent" lns_wait_event ike-delete-sent "isakmp" "$seq0" 5
lns_ctl --json show events >"$W/ev2.json"
lns_check "ipsec: the teardown is client 1's connection's, not client 2's" json "$W/ev2.json" "
{e.get('ipsec') for k, e in v.items() if int(k) > $seq0 and e['event'] in
 ('ipsec-disconnect', 'ike-delete-sent')} == {${CONN[1]}}"
for _ in $(seq 100); do grep -q "received DELETE for IKE_SA" "$W/ch1/charon.log" && break; sleep 0.1; done
lns_check "ipsec: client 1's charon received the Deletes (ESP and IKE)" \
	lns_charon_got_deletes "$W/ch1/charon.log" "$mark"
lns_check "ipsec: client 2's charon received none" sh -c "! grep -q 'received DELETE' '$W/ch2/charon.log'"
traffic 2 "ipsec, after client 1 left"
lns_ctl --json show sa >"$W/sa2.json"
lns_check "ipsec: client 2's SAs still active" json "$W/sa2.json" "
len([e for e in v.values() if e['conn'] == ${CONN[2]} and e['state'] == 'active']) == 2"

# end of phase 1: client 2 hangs up too; the charons and LACs go
seq0=$(lns_last_seq)
lns_lac_hangup s2
lns_check "ipsec: client 2's teardown" lns_wait_event ipsec-disconnect "single-shot" "$seq0" 10
for c in 1 2; do
	lns_lac_stop "s$c"
	LNS_IPSEC_PID=${IPSEC_PIDS[$c]}
	lns_ipsec_stop
done
unset LNS_IPSEC_NS LNS_IPSEC_LOCAL

# ------------------------------------------------------- 2. plain L2TP ---
for _ in $(seq 50); do [ "$(lns_ctl --json show sessions)" = "{}" ] && break; sleep 0.1; done
seq0=$(lns_last_seq)
for c in 1 2; do
	LNS_LAC_NS=${CNS[$c]}
	lns_check "client $c: plain xl2tpd starts" lns_lac_start "p$c" "${USERS[$c]}" "${PASSES[$c]}"
	lns_lac_call "p$c"
done
LNS_LAC_NS=
both_up plain "$seq0"
lns_ctl --json show tunnels >"$W/tun.json"
lns_check "plain: two tunnels from the NAT's address, different ports" json "$W/tun.json" "
len({t.get('peer_port') for t in v.values() if t.get('state') == 'established'
     and t.get('peer', '').split(':')[0] == '$LNS_ACC_PEER'}) == 2"
traffic 1 plain
traffic 2 plain
seq0=$(lns_last_seq)
lns_lac_hangup p1
lns_check "plain: client 1's tunnel torn down (single shot)" lns_wait_event tunnel-destroyed "" "$seq0" 10
traffic 2 "plain, after client 1 left"
lns_lac_stop p1
lns_lac_stop p2
lns_stop_expect 0
lns_check "no sanitizer report in lnsd's log" \
	sh -c "! grep -Eq 'runtime error|AddressSanitizer|LeakSanitizer' '$W/lnsd.log'"
lns_log "took $(( $(date +%s) - T0 )) s"
lns_finish
