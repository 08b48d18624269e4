#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# L2TP + PPP against real peers: xl2tpd as the LAC and slirp as the PPP client
# (PEERS.md), non-secure L2TP in a single-shot destination profile, short timers.
#   - tunnel, session, PAP and IPCP come up; the subscriber gets the pool's first
#     address;
#   - a UDP round trip core -> lnsd -> L2TP/PPP -> slirp -> (slirp's NAT) an echo
#     server in the client namespace -> back, with the session's counters moving;
#   - the LAC hangs up: session down, tunnel destroyed, destruct for exactly the
#     profile's timeout, then the record is freed and the tables are empty;
#   - a second call is a new tunnel that works again;
#   - a wrong password: PAP fails, the session goes down and the single-shot
#     tunnel is disconnected by lnsd (StopCCN) at once.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lac.sh"

lns_init l2tp
command -v xl2tpd >/dev/null && command -v slirp-fullbolt >/dev/null ||
	{ echo "l2tp: missing xl2tpd or slirp: run drivers-config/install-deps.sh" >&2; exit 1; }
lns_topology_up
W=$LNS_WORK
quiet() { "$@" >/dev/null 2>&1; }

LNS_LIMITS_EXTRA='  allow-short-timers: true'
MPORT=$(( 19100 + RANDOM % 800 ))
lns_write_config "$W/lnsd.yaml" "
metrics:
  listen: 127.0.0.1:$MPORT
log:
  modules: {ppp: warning}
l2tp:
  allow-nonsecure: true
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
lns_start "$W/lnsd.yaml" || { lns_fail "lnsd starts"; lns_finish; }

# ---- call 1: up, traffic, hang up, single-shot teardown
lns_require "xl2tpd (LAC) starts" lns_lac_start lnsd alice secret1
lns_lac_call lnsd
lns_check "tunnel up (event tunnel-up, single-shot profile)" lns_wait_event tunnel-up "profile=oneshot" 0 10
lns_check "session up (event session-up)" lns_wait_event session-up "" 0 10
lns_check "PPP up: PAP user alice, pool address 10.200.0.1 (event ppp-up)" \
	lns_wait_event ppp-up "user=alice auth=pap address=10.200.0.1" 0 20
# log.modules.ppp: warning keeps PPP's lifecycle lines out of the log; L2TP's stay.
lns_check "log: tunnel-up line (lns.l2tp at info)" grep -q "event=tunnel-up" "$W/lnsd.log"
lns_check "log: no ppp-up line (lns.ppp at warning)" sh -c "! grep -q event=ppp-up $W/lnsd.log"
lns_ctl --json show sessions >"$W/sess.json"
lns_check "show sessions: user alice, PAP, network phase, address 10.200.0.1" "$PY" -c '
import json, sys
s = json.load(open(sys.argv[1]))
sys.exit(not any(v.get("address") == "10.200.0.1" and v.get("user") == "alice" and
                 v.get("auth") == "pap" and v.get("phase") == "network" for v in s.values()))' "$W/sess.json"
lns_ctl --json show tunnels >"$W/tun.json"
lns_check "show tunnels: established, profile oneshot, single-shot, 1 session" "$PY" -c '
import json, sys
t = json.load(open(sys.argv[1]))
sys.exit(not any(v.get("state") == "established" and v.get("profile") == "oneshot" and
                 v.get("single_shot") == "yes" and v.get("sessions") == 1 for v in t.values()))' "$W/tun.json"

# slirp NATs what it receives to real sockets in the client namespace: an echo
# server on the subscriber's address there answers, and slirp sends the answer back
# from that address, through lnsd's anti-spoofing check.
ip -n "$LNS_NS_ACC" addr add 10.200.0.1/32 dev lo
ip netns exec "$LNS_NS_ACC" "$PY" -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.200.0.1", 7777))
s.settimeout(30)
while True:
    d, a = s.recvfrom(2048)
    s.sendto(b"echo:" + d, a)' &
LNS_BG_PIDS+=("$!")
sleep 0.3
reply=$(ip netns exec "$LNS_NS_CORE" "$PY" -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1)
for i in range(5):
    s.sendto(b"through-lnsd-%d" % i, ("10.200.0.1", 7777))
    try:
        d, a = s.recvfrom(2048)
        print(d.decode(), a[0]); break
    except socket.timeout:
        pass')
lns_check "UDP round trip core -> PPP client -> core ($reply)" \
	[ "${reply%% *}" != "" -a "${reply#* }" = 10.200.0.1 ]
case $reply in echo:through-lnsd-*) lns_pass "echo payload byte-exact" ;; *) lns_fail "echo payload byte-exact" ;; esac
lns_ctl --json show sessions >"$W/sess.json"
lns_check "session counters moved both ways" "$PY" -c '
import json, sys
s = [v for v in json.load(open(sys.argv[1])).values() if v.get("address") == "10.200.0.1"]
sys.exit(not (s and s[0]["up_packets"] >= 1 and s[0]["down_packets"] >= 1))' "$W/sess.json"

# Prometheus: the scrape agrees with lnsctl (a quiet moment: no traffic now)
curl -s --max-time 5 "http://127.0.0.1:$MPORT/metrics" >"$W/metrics.txt"
lns_ctl --json show stats >"$W/stats.json"
lns_check "metrics: scrape answers with lnsd_up 1" grep -qx "lnsd_up 1" "$W/metrics.txt"
lns_check "metrics: names and values agree with lnsctl" "$PY" -c '
import json, re, sys
m = {}
for line in open(sys.argv[1]):
    if line.startswith("#") or not line.strip():
        continue
    k, v = line.rsplit(" ", 1)
    m[k] = float(v)
st = json.load(open(sys.argv[2]))
ok = True
for c, v in st["counters"].items():
    if c.startswith("rx_") or c in ("ctl_rx", "ctl_tx", "punted", "arp_request_out", "arp_reply_in", "neigh_learned"):
        continue          # these move with background ARP/keepalive traffic
    ok &= m.get("lnsd_%s_total" % c) == v
for r, v in st["drops"].items():       # JSON key "stage/reason", metric reason "stage.reason"
    ok &= m.get("lnsd_drops_total{stage=\"%s\",reason=\"%s\"}" % (r.split("/")[0], r.replace("/", "."))) == v
for k in ("esp_in", "esp_handoff"):     # per lcore (rx moves with ARP: not compared)
    ok &= bool(st["lcore_" + k])
    for l, v in st["lcore_" + k].items():
        ok &= m.get("lnsd_lcore_%s_total{lcore=\"%s\"}" % (k, l)) == v
ok &= "lnsd_lcore_rx_packets_total{lcore=\"worker0\"}" in m
ok &= m.get("lnsd_sessions") == 1 and m.get("lnsd_dataplane_sessions") == 1
ok &= m.get("lnsd_tunnels{state=\"established\"}") == 1
ok &= m.get("lnsd_ppp_total{counter=\"auth_ok_pap\"}", 0) >= 1
ok &= m.get("lnsd_l2tp_total{counter=\"sessions_established\"}", 0) >= 1
# one subscriber holds one address of the /24 pool (254 usable)
ok &= st["pools_in_use"]["subs"] == 1 and st["pools_size"]["subs"] == 254
ok &= m.get("lnsd_pool_addresses{pool=\"subs\",state=\"in_use\"}") == 1
ok &= m.get("lnsd_pool_addresses{pool=\"subs\",state=\"free\"}") == 253
sys.exit(not ok)' "$W/metrics.txt" "$W/stats.json"
lns_check "metrics: other paths are 404" sh -c "curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$MPORT/ | grep -qx 404"

seq0=$(lns_last_seq)
lns_lac_hangup lnsd
lns_check "hang-up: session-down" lns_wait_event session-down "" "$seq0" 10
lns_check "hang-up: tunnel-destroyed" lns_wait_event tunnel-destroyed "" "$seq0" 10
lns_check "hang-up: destruct-begin" lns_wait_event destruct-begin "" "$seq0" 10
lns_check "session withdrawn from the data plane" \
	sh -c "[ \"\$($LNSCTL --file-prefix $LNS_PREFIX --json show sessions)\" = '{}' ]"
lns_ctl --json show tunnels >"$W/tun.json"
lns_check "show tunnels: destructing, with its counters frozen" "$PY" -c '
import json, sys
t = json.load(open(sys.argv[1]))
sys.exit(not any(v.get("state") == "destructing" and v.get("destruct_left_s", 0) > 0 and
                 v.get("up_packets", 0) >= 1 for v in t.values()))' "$W/tun.json"
lns_check "destruct-end after the destruct period" lns_wait_event destruct-end "" "$seq0" 6
tb=$(lns_event_t destruct-begin "$seq0"); te=$(lns_event_t destruct-end "$seq0")
lns_check "destruct lasted the profile's 3 s ($(( (te - tb) / 1000 )) ms)" \
	[ $(( te - tb )) -ge 2900000 -a $(( te - tb )) -le 3500000 ]
lns_check "tunnel gone from the data plane" \
	sh -c "[ \"\$($LNSCTL --file-prefix $LNS_PREFIX --json show tunnels)\" = '{}' ]"

# ---- call 2: a new tunnel works again, and the address came back to the pool
seq0=$(lns_last_seq)
lns_lac_call lnsd
lns_check "second call: tunnel-up" lns_wait_event tunnel-up "" "$seq0" 10
lns_check "second call: PPP up with a pool address" lns_wait_event ppp-up "address=10.200.0." "$seq0" 20
# the operator ends it: CDN, and the single-shot tunnel goes with its session
seq0=$(lns_last_seq)
sid=$(lns_ctl --json show sessions | "$PY" -c 'import json, sys; print(next(iter(json.load(sys.stdin))))')
lns_check "lnsctl clear session $sid" quiet lns_ctl clear session "$sid"
lns_check "cleared: admin-clear event" lns_wait_event admin-clear "what=session" "$seq0" 5
lns_check "cleared: session-down" lns_wait_event session-down "" "$seq0" 5
lns_check "cleared: single-shot tunnel disconnected (StopCCN sent)" lns_wait_event stopccn-sent "" "$seq0" 5
lns_check "clear of a session that is gone is an error" sh -c "! $LNSCTL --file-prefix $LNS_PREFIX clear session $sid >/dev/null 2>&1"
# ---- call 3: the operator clears the tunnel; one admin-clear, and none for a
# tunnel that does not exist
lns_check "destruct of call 2 ends" lns_wait_event destruct-end "" "$seq0" 6
seq0=$(lns_last_seq)
lns_check "clear of a tunnel that does not exist is an error" \
	sh -c "! $LNSCTL --file-prefix $LNS_PREFIX clear tunnel 65000 >/dev/null 2>&1"
lns_lac_call lnsd
lns_check "third call: PPP up" lns_wait_event ppp-up "" "$seq0" 20
tid=$(lns_ctl --json show tunnels state established | "$PY" -c 'import json, sys; print(next(iter(json.load(sys.stdin))))')
lns_check "lnsctl clear tunnel $tid" quiet lns_ctl clear tunnel "$tid"
lns_check "cleared tunnel: StopCCN sent" lns_wait_event stopccn-sent "" "$seq0" 5
n_clear() {
	lns_ctl --json show events after "$1" | "$PY" -c '
import json, sys
print(sum(e["event"] == "admin-clear" for e in json.load(sys.stdin).values()))'
}
n=$(n_clear "$seq0")
lns_check "exactly one admin-clear event for the tunnel, none for 65000 (got $n)" [ "$n" = 1 ]
lns_check "... naming tunnel $tid" sh -c "$LNSCTL --file-prefix $LNS_PREFIX --json show events after $seq0 | $PY -c 'import json,sys; sys.exit(not any(e[\"event\"] == \"admin-clear\" and e.get(\"tunnel\") == $tid for e in json.load(sys.stdin).values()))'"
lns_lac_stop lnsd

# ---- wrong password: PAP fails; lnsd ends the session and the single-shot tunnel
seq0=$(lns_last_seq)
lns_check "xl2tpd starts with a wrong password" lns_lac_start bad alice wrong
lns_lac_call bad
lns_check "PAP failure is an event (auth-failed)" lns_wait_event auth-failed "" "$seq0" 20
lns_check "the session goes down" lns_wait_event session-down "" "$seq0" 10
lns_check "single-shot: lnsd sends StopCCN at once" lns_wait_event stopccn-sent "" "$seq0" 10
lns_lac_stop bad

lns_stop_expect 0
lns_finish
