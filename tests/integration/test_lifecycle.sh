#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The whole stack against real peers, with the single-shot lifecycle (DESIGN.md,
# "Tunnel lifecycle"): strongSwan charon (IKEv1, ESP-in-UDP tunnel mode via
# kernel-libipsec) carries xl2tpd's L2TP, slirp is the PPP client behind it.
#   1. IKE + ESP up, tunnel over that IPsec connection, session, PPP with a pool
#      address; a UDP echo round trip through lnsd, slirp's NAT and back, in ESP;
#   2. the LAC hangs up: single-shot rule 4 -- the IPsec connection is dropped and
#      IKE Deletes are sent as the destruct period begins; charon receives them
#      (ESP, then IKE); ESP still arriving on the old SPI is a counted drop;
#   3. a new IPsec connection and a new call work again;
#   4. rule 3: a second SCCRQ over a live single-shot connection is refused
#      (StopCCN result 3);
#   5. the client deletes its IPsec connection: the tunnel over it ends at once.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lac.sh"
. "$(dirname "$0")/ipsec.sh"

lns_init lifecycle
for t in xl2tpd slirp-fullbolt /usr/lib/ipsec/charon swanctl; do
	command -v "$t" >/dev/null ||
		{ echo "lifecycle: missing $t: run drivers-config/install-deps.sh" >&2; exit 1; }
done
lns_topology_up
W=$LNS_WORK
PSK=lifecycle-psk-0123456789
quiet() { "$@" >/dev/null 2>&1; }
T0=$(date +%s)

LNS_LIMITS_EXTRA='  allow-short-timers: true'
lns_write_config "$W/lnsd.yaml" "
ipsec:
  esp-proposals: [aes256gcm16, aes128gcm16, aes128-sha1]
  dpd-interval: 0
  psk:
    - peer: 0.0.0.0/0
      secret: \"$PSK\"
l2tp:
  allow-nonsecure: false
  hello-interval: 0
  destruct-timeout: 3
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
"
lns_check "lnsd --check accepts the config" quiet "$LNSD" --check -c "$W/lnsd.yaml"
lns_start "$W/lnsd.yaml" || { lns_fail "lnsd starts"; lns_finish; exit 1; }

# json FILE PYTHON_EXPR: evaluate EXPR with v = the JSON document; pass if true
json() {
	"$PY" -c 'import json, sys; v = json.load(open(sys.argv[1])); sys.exit(not eval(sys.argv[2]))' "$@"
}
# an echo server on the subscriber's address in the client namespace: slirp NATs
# what lnsd sends the subscriber to real sockets there (PEERS.md)
ip -n "$LNS_NS_ACC" addr add 10.200.0.1/32 dev lo
ip netns exec "$LNS_NS_ACC" "$PY" -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 7777))
while True:
    d, a = s.recvfrom(2048)
    s.sendto(b"echo:" + d, a)' &
LNS_BG_PIDS+=("$!")
# echo_from ADDR: one UDP round trip core -> ADDR:7777 -> core; prints "payload src"
echo_from() {
	ip netns exec "$LNS_NS_CORE" "$PY" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1)
for i in range(5):
    s.sendto(b"through-esp-%d" % i, (sys.argv[1], 7777))
    try:
        d, a = s.recvfrom(2048)
        print(d.decode(), a[0]); break
    except socket.timeout:
        pass' "$1"
}

# ---- 1. IKE, ESP, tunnel, session, PPP, traffic
lns_require "charon starts (kernel-libipsec)" lns_ipsec_start "$PSK" aes128gcm16
lns_require "swanctl --initiate: IKEv1 Main Mode + Quick Mode complete" lns_ipsec_initiate
lns_check "event ipsec-up (IKE SA)" lns_wait_event ipsec-up "ike peer=$LNS_ACC_PEER" 0 5
lns_require "event ipsec-up (ESP aes128gcm16, tunnel mode, NAT-T)" \
	lns_wait_event ipsec-up "alg=aes128gcm16 mode=tunnel natt=yes" 0 5
spi1=$(lns_ipsec_spi_out)
lns_ctl --json show sa >"$W/sa1.json"
lns_check "show sa: inbound 0x$spi1 and its outbound pair, active, tunnel, NAT-T 4500" json "$W/sa1.json" "
[1 for e in v.values() if e['spi'] == '0x$spi1' and e['dir'] == 'in' and e['state'] == 'active'
   and e['mode'] == 'tunnel' and e['natt_port'] == 4500 and e['peer'] == '$LNS_ACC_PEER'
   and v[str(e['pair'])]['dir'] == 'out' and v[str(e['pair'])]['state'] == 'active']"
conn1=$("$PY" -c "import json; v = json.load(open('$W/sa1.json')); print(next((e['conn'] for e in v.values() if e['spi'] == '0x$spi1'), ''))")
lns_require "the client's SPI 0x$spi1 names an IPsec connection ($conn1)" [ -n "$spi1" -a -n "$conn1" ]

lns_require "xl2tpd (LAC) starts" lns_lac_start lnsd alice secret1
lns_lac_call lnsd
lns_require "tunnel up over IPsec connection $conn1 (event tunnel-up)" \
	lns_wait_event tunnel-up "profile=oneshot" 0 10
lns_ctl --json show events >"$W/ev1.json"
lns_check "tunnel-up names the IPsec connection" json "$W/ev1.json" \
	"[1 for e in v.values() if e['event'] == 'tunnel-up' and e.get('ipsec') == $conn1]"
# tunnel_of FILE CONN [AFTER_SEQ]: id of the tunnel whose tunnel-up names IPsec connection CONN
tunnel_of() {
	"$PY" -c '
import json, sys
v = json.load(open(sys.argv[1]))
print(next((e["tunnel"] for k, e in v.items() if int(k) > int(sys.argv[3])
            and e["event"] == "tunnel-up" and e.get("ipsec") == int(sys.argv[2])), ""))' "$1" "$2" "${3:-0}"
}
tid1=$(tunnel_of "$W/ev1.json" "$conn1")
lns_require "the tunnel over connection $conn1 is known (tunnel $tid1)" [ -n "$tid1" ]
lns_check "session up (event session-up)" lns_wait_event session-up "" 0 10
lns_require "PPP up: PAP user alice, pool address 10.200.0.1 (event ppp-up)" \
	lns_wait_event ppp-up "user=alice auth=pap address=10.200.0.1" 0 20
lns_ctl --json show tunnels >"$W/tun1.json"
lns_check "show tunnels: tunnel $tid1 alone, established, single-shot, secure over connection $conn1" \
	json "$W/tun1.json" "[(t['tunnel'], t['state'], t['single_shot'], t['secure'], t.get('ipsec'))
	for t in v.values()] == [($tid1, 'established', 'yes', 'yes', $conn1)]"
in0=$(lns_stat counters.esp_in); out0=$(lns_stat counters.esp_out)
reply=$(echo_from 10.200.0.1)
lns_check "UDP round trip core -> lnsd -> ESP/L2TP/PPP -> slirp -> back ($reply)" \
	[ "${reply#* }" = 10.200.0.1 ]
case $reply in echo:through-esp-*) lns_pass "echo payload byte-exact" ;; *) lns_fail "echo payload byte-exact" ;; esac
in1=$(lns_stat counters.esp_in); out1=$(lns_stat counters.esp_out)
lns_check "esp_in and esp_out moved ($in0 -> $in1, $out0 -> $out1)" [ "$in1" -gt "$in0" -a "$out1" -gt "$out0" ]
lns_check "no ESP dropped for a bad ICV, replay or inner header" [ "$(lns_stat drops.esp/icv)/$(lns_stat drops.esp/replay)/$(lns_drops_sum esp/inner_)" = 0/0/0 ]

# ---- 2. hang-up: single-shot rule 4 at the beginning of destruct
seq0=$(lns_last_seq)
mark=$(wc -l <"$W/ch/charon.log")
# ESP that still arrives on the old inbound SPI during the destruct period is a
# counted drop (the SA stays findable by SPI that long), never forwarded. A scapy
# process, loaded before the hang-up, watches `show sa` and sends the moment the
# SA shows "dropped"; on the link layer, as charon's routes would take a routed
# packet into its TUN.
d0=$(lns_stat drops.esp/sa_dropped); f0=$(lns_stat counters.up_fwd)
mac=$(ip -n "$LNS_NS_ACC" neigh show "$LNS_ACC_ADDR" | sed -n 's/.*lladdr \([0-9a-f:]*\).*/\1/p')
lns_scapy "$LNS_NS_ACC" "
import json, subprocess, time
spi = '0x$spi1'
pkt = (Ether(dst='$mac') / IP(src='$LNS_ACC_PEER', dst='$LNS_ACC_ADDR') /
       UDP(sport=4500, dport=4500) / Raw(struct.pack('!II', int(spi, 16), 1000) + bytes(64)))
sock = conf.L2socket(iface='eth0')
open('$W/scapy.ready', 'w').close()
end = time.time() + 20
while time.time() < end:
    out = subprocess.run(['$LNSCTL', '--file-prefix', '$LNS_PREFIX', '--json', 'show', 'sa'],
                         capture_output=True, text=True).stdout
    v = json.loads(out or '{}')
    if any(e['spi'] == spi and e['state'] == 'dropped' for e in v.values()):
        for _ in range(3):
            sock.send(pkt)
        json.dump(v, open('$W/sa2.json', 'w'))
        break
    time.sleep(0.02)" >"$W/scapy-drop.out" 2>&1 &
scapy_pid=$!
LNS_BG_PIDS+=("$scapy_pid")
for _ in $(seq 100); do [ -e "$W/scapy.ready" ] && break; sleep 0.1; done
lns_lac_hangup lnsd
lns_check "hang-up: session-down" lns_wait_event session-down "" "$seq0" 10
lns_check "hang-up: destruct-begin" lns_wait_event destruct-begin "" "$seq0" 10
lns_check "hang-up: ipsec-disconnect" lns_wait_event ipsec-disconnect "single-shot" "$seq0" 5
lns_check "hang-up: ike-delete-sent" lns_wait_event ike-delete-sent "" "$seq0" 5
tb=$(lns_event_t destruct-begin "$seq0")
td=$(lns_event_t ipsec-disconnect "$seq0")
tk=$(lns_event_t ike-delete-sent "$seq0")
# The SAs leave the data plane as destruct begins (50 ms tolerance); the Deletes
# follow 200 ms later by design (lib/ctl/ctl_ike.c: the ZLB acknowledging the
# client's StopCCN must reach it first), tolerance 200-500 ms.
lns_check "rule 4: SAs dropped as destruct begins ($((td - tb)) us), Deletes after ($((tk - tb)) us)" \
	[ $((td - tb)) -ge 0 -a $((td - tb)) -le 50000 -a $((tk - tb)) -ge 200000 -a $((tk - tb)) -le 500000 ]
lns_ctl --json show events >"$W/ev2.json"
lns_check "the ike-delete-sent events (ESP, then ISAKMP) name IPsec connection $conn1" json "$W/ev2.json" "
[e['detail'].split()[0] for k, e in sorted(v.items(), key=lambda x: int(x[0]))
 if int(k) > $seq0 and e['event'] == 'ike-delete-sent' and e.get('ipsec') == $conn1] == ['esp', 'isakmp']"
wait "$scapy_pid"
lns_check "show sa: both SAs of connection $conn1 dropped" json "$W/sa2.json" "
len([e for e in v.values() if e['conn'] == $conn1 and e['state'] == 'dropped']) == 2"
lns_check "ESP on the dropped SPI 0x$spi1 counted as esp_sa_dropped" lns_wait_stat drops.esp/sa_dropped $((d0 + 3)) 3
lns_check "and nothing forwarded" [ "$(lns_stat counters.up_fwd)" = "$f0" ]
for _ in $(seq 100); do grep -q "received DELETE for IKE_SA" "$W/ch/charon.log" && break; sleep 0.1; done
lns_check "charon received Delete for the ESP SA, then for the ISAKMP SA" \
	lns_charon_got_deletes "$W/ch/charon.log" "$mark"
lns_check "charon holds no IKE SA afterwards" [ "$(lns_ipsec_sa_count)" = 0 ]
lns_check "destruct-end after the 3 s destruct period" lns_wait_event destruct-end "" "$seq0" 6
# never early; late only by what a loaded test machine delays the control loop
tb=$(lns_event_t destruct-begin "$seq0"); te=$(lns_event_t destruct-end "$seq0")
lns_check "destruct lasted 3 s ($(( (te - tb) / 1000 )) ms)" \
	[ $(( te - tb )) -ge 2900000 -a $(( te - tb )) -le 4500000 ]

# ---- 3. a second connection: new IPsec connection, new tunnel, works
seq0=$(lns_last_seq)
lns_require "second swanctl --initiate succeeds" lns_ipsec_initiate
spi2=$(lns_ipsec_spi_out)
lns_check "a new ESP SA (0x$spi1 -> 0x$spi2)" [ -n "$spi2" -a "$spi2" != "$spi1" ]
lns_ctl --json show sa >"$W/sa3.json"
conn2=$("$PY" -c "import json; v = json.load(open('$W/sa3.json')); print(next((e['conn'] for e in v.values() if e['spi'] == '0x$spi2'), 0))")
lns_require "a new IPsec connection ($conn1 -> $conn2)" [ "$conn2" != 0 -a "$conn2" != "$conn1" ]
lns_lac_call lnsd
lns_require "second call: tunnel-up" lns_wait_event tunnel-up "" "$seq0" 10
lns_ctl --json show events >"$W/ev3.json"
tid2=$(tunnel_of "$W/ev3.json" "$conn2" "$seq0")
lns_require "second tunnel over the new IPsec connection (tunnel $tid2)" [ -n "$tid2" ]
lns_require "second call: PPP up with a pool address" lns_wait_event ppp-up "address=10.200.0." "$seq0" 20
addr2=$(lns_ctl --json show sessions | "$PY" -c 'import json, sys; print(next((s["address"] for s in json.load(sys.stdin).values() if s["tunnel"] == int(sys.argv[1])), ""))' "$tid2")
lns_require "second call: the session in tunnel $tid2 has an address ($addr2)" [ -n "$addr2" ]
ip -n "$LNS_NS_ACC" addr add "$addr2/32" dev lo 2>/dev/null
reply=$(echo_from "$addr2")
lns_check "second call: UDP round trip ($reply)" [ "${reply#* }" = "$addr2" ]

# ---- 4. rule 3: a second SCCRQ over the same live single-shot connection
# xl2tpd dies without a word (SIGKILL): lnsd's tunnel stays up, and a fresh xl2tpd
# dials a new tunnel over the same IPsec connection.
seq0=$(lns_last_seq)
kill -KILL "$LNS_LAC_PID_lnsd" 2>/dev/null; wait "$LNS_LAC_PID_lnsd" 2>/dev/null
lns_require "xl2tpd restarts" lns_lac_start again alice secret1
lns_lac_call again
lns_check "rule 3: second SCCRQ refused (tunnel-refused result=3)" \
	lns_wait_event tunnel-refused "result=3" "$seq0" 10
lns_ctl --json show events >"$W/ev4.json"
lns_check "rule 3: the refusal is over connection $conn2" json "$W/ev4.json" \
	"[1 for k, e in v.items() if int(k) > $seq0 and e['event'] == 'tunnel-refused' and e.get('ipsec') == $conn2]"
lns_ctl --json show tunnels >"$W/tun4.json"
lns_check "rule 3: tunnel $tid2 is still established over connection $conn2" json "$W/tun4.json" \
	"[1 for t in v.values() if t['tunnel'] == $tid2 and t['state'] == 'established' and t.get('ipsec') == $conn2]"
lns_lac_stop again

# ---- 5. the client ends the IPsec connection: the tunnel over it ends at once
seq0=$(lns_last_seq)
swanctl_ --terminate --ike "$LNS_IPSEC_CONN" --timeout 10 >"$W/terminate.out" 2>&1
lns_check "client terminate: ike-delete-received (ISAKMP)" \
	lns_wait_event ike-delete-received "isakmp" "$seq0" 5
lns_check "client terminate: ipsec-disconnect by IKE" lns_wait_event ipsec-disconnect "by=ike" "$seq0" 5
lns_check "client terminate: the tunnel over it is destroyed" \
	lns_wait_event tunnel-destroyed "" "$seq0" 5
lns_ctl --json show events >"$W/ev5.json"
lns_check "client terminate: session-down and tunnel-destroyed name connection $conn2" json "$W/ev5.json" "
({e['event'] for k, e in v.items() if int(k) > $seq0 and e.get('ipsec') == $conn2} >=
 {'ike-delete-received', 'ipsec-disconnect', 'session-down', 'tunnel-destroyed'})"

lns_ipsec_stop
# one client: its flows need not reach every worker; the spread is logged
[ "$LNS_WORKERS" -gt 1 ] && lns_log "per-lcore rx: $(lns_lcore_stats lcore_rx_packets | tr '\n' ' ')esp_in: $(lns_lcore_stats lcore_esp_in | tr '\n' ' ')handoff: $(lns_lcore_stats lcore_esp_handoff | tr '\n' ' ')"
lns_stop_expect 0
# in an ASan+UBSan build, a report does not always end the process
lns_check "no sanitizer report in lnsd's log" \
	sh -c "! grep -Eq 'runtime error|AddressSanitizer|LeakSanitizer' '$W/lnsd.log'"

# ---- 6. a standard (not single-shot) tunnel over IPsec: the IPsec connection
# under it is disconnected when the destruct period EXPIRES, not when it begins.
sed -i -e 's/single-shot-tunnel: true/single-shot-tunnel: false/' "$W/lnsd.yaml"
lns_start "$W/lnsd.yaml" || { lns_fail "lnsd starts (standard profile)"; lns_finish; exit 1; }
lns_require "standard: charon starts again" lns_ipsec_start "$PSK" aes128gcm16
lns_require "standard: IKE and ESP up" lns_ipsec_initiate
lns_require "standard: xl2tpd starts" lns_lac_start std alice secret1
lns_lac_call std
lns_require "standard: PPP up over IPsec" lns_wait_event ppp-up "user=alice" 0 20
# IKE rekey as responder: the client renews its child SA; the tunnel follows it
# (bound to the IPsec connection, not to one SA) and keeps passing traffic.
spiA=$(lns_ipsec_spi_out)
seq0=$(lns_last_seq)
swanctl_ --rekey --child "$LNS_IPSEC_CONN" >"$W/rekey.out" 2>&1
lns_check "rekey: a new ESP child (event ipsec-up)" lns_wait_event ipsec-up "esp" "$seq0" 10
for _ in $(seq 50); do spiB=$(lns_ipsec_spi_out); [ -n "$spiB" -a "$spiB" != "$spiA" ] && break; sleep 0.1; done
lns_check "rekey: the client uses a new SPI (0x$spiA -> 0x$spiB)" [ -n "$spiB" -a "$spiB" != "$spiA" ]
sleep 1   # charon deletes the old child after the rekey
reply=$(echo_from 10.200.0.1)
lns_check "rekey: traffic still passes over the new child ($reply)" [ "${reply#* }" = 10.200.0.1 ]
lns_check "rekey: no ESP or L2TP drops for the change" \
	[ "$(lns_stat drops.l2tp/wrong_sa)/$(lns_stat drops.esp/icv)" = 0/0 ]
seq0=$(lns_last_seq)
lns_lac_hangup std
lns_check "standard: tunnel destroyed, destruct begins" lns_wait_event destruct-begin "" "$seq0" 10
sleep 1
no_event() { ! lns_has_event "$@"; }
lns_check "standard: SAs kept while destructing (no ipsec-disconnect 1 s in)" \
	no_event ipsec-disconnect "" "$seq0"
lns_check "standard: destruct ends" lns_wait_event destruct-end "" "$seq0" 6
lns_check "standard: then the IPsec connection is disconnected" \
	lns_wait_event ipsec-disconnect "" "$seq0" 3
te=$(lns_event_t destruct-end "$seq0"); td=$(lns_event_t ipsec-disconnect "$seq0")
lns_check "standard: ipsec-disconnect at destruct end ($(( (td - te) / 1000 )) ms after, tolerance 50 ms)" \
	[ $((td - te)) -ge 0 -a $((td - te)) -le 50000 ]
lns_check "standard: IKE Deletes follow" lns_wait_event ike-delete-sent "" "$seq0" 3
lns_lac_stop std
lns_ipsec_stop
lns_stop_expect 0
lns_log "took $(( $(date +%s) - T0 )) s"
lns_finish
