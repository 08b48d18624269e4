#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Drain (lnsctl drain on|off) and the node's name, with xl2tpd + slirp as the
# established subscriber and drainlac.py as the new LACs:
#   - drain on: a new SCCRQ gets StopCCN result 2 with the message "draining",
#     an ICRQ on an existing tunnel CDN result 4; the established session keeps
#     passing traffic; stats and metrics show draining and the sessions left;
#   - drain off: a new SCCRQ gets SCCRP again;
#   - drain on --max-wait 1: the session left ends a second later;
#   - events drain on/off, event log lines end with node=NAME.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lac.sh"

lns_init drain
command -v xl2tpd >/dev/null && command -v slirp-fullbolt >/dev/null ||
	{ echo "drain: missing xl2tpd or slirp: run drivers-config/install-deps.sh" >&2; exit 1; }
lns_topology_up
W=$LNS_WORK
DLAC="$LNS_SRC/tests/integration/drainlac.py"
quiet() { "$@" >/dev/null 2>&1; }
lac() { ip netns exec "$LNS_NS_ACC" "$PY" "$DLAC" "$@"; }

MPORT=$(( 19100 + RANDOM % 800 ))
lns_write_config "$W/lnsd.yaml" "
node:
  name: drain-node-7
metrics:
  listen: 127.0.0.1:$MPORT
ipsec:
  psk:
    - peer: 0.0.0.0/0
      secret: drain-test-psk-0123
l2tp:
  allow-nonsecure: true
  hello-interval: 0
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
lns_check "lnsd --check accepts node.name" quiet "$LNSD" --check -c "$W/lnsd.yaml"
lns_start "$W/lnsd.yaml" || { lns_fail "lnsd starts"; lns_finish; }

# ---- an established subscriber (xl2tpd + slirp) and an echo path to it
lns_check "xl2tpd (LAC) starts" lns_lac_start lnsd alice secret1
lns_lac_call lnsd
lns_check "PPP up (event ppp-up)" lns_wait_event ppp-up "user=alice" 0 20
ip -n "$LNS_NS_ACC" addr add 10.200.0.1/32 dev lo
ip netns exec "$LNS_NS_ACC" "$PY" -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.200.0.1", 7777))
s.settimeout(60)
while True:
    d, a = s.recvfrom(2048)
    s.sendto(b"echo:" + d, a)' &
LNS_BG_PIDS+=("$!")
roundtrip() {
	ip netns exec "$LNS_NS_CORE" "$PY" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1)
for i in range(5):
    s.sendto(b"x%d" % i, ("10.200.0.1", 7777))
    try:
        d, a = s.recvfrom(2048)
        sys.exit(not (d.startswith(b"echo:x") and a[0] == "10.200.0.1"))
    except socket.timeout:
        pass
sys.exit(1)'
}
sleep 0.3
lns_check "established session passes traffic before the drain" roundtrip

# ---- a tunnel of drainlac up before the drain; its ICRQ comes during it
coproc ICRQ { ip netns exec "$LNS_NS_ACC" "$PY" "$DLAC" icrq "$LNS_ACC_ADDR" 40123; }
read -r -t 10 line <&"${ICRQ[0]}"
lns_check "drainlac tunnel up before the drain ($line)" [ "$line" = tunnel-up ]

# ---- drain on
seq0=$(lns_last_seq)
lns_ctl --json drain on >"$W/drain-on.json"
lns_check "lnsctl drain on: drain on, 1 session left, node named" "$PY" -c '
import json, sys
r = json.load(open(sys.argv[1]))
sys.exit(not (r.get("drain") == "on" and r.get("sessions_left") == 1 and
              r.get("node") == "drain-node-7"))' "$W/drain-on.json"
lns_check "event drain on with the sessions left" lns_wait_event drain "drain=on sessions-left=1" "$seq0" 5
out=$(lac sccrq "$LNS_ACC_ADDR" 40124)
lns_check "draining: new SCCRQ refused with StopCCN result 2 'draining' ($out)" \
	[ "$out" = "stopccn 2 0 draining" ]
lns_check "event tunnel-refused reason=draining" lns_wait_event tunnel-refused "reason=draining" "$seq0" 5
echo go >&"${ICRQ[1]}"
read -r -t 10 line <&"${ICRQ[0]}"
lns_check "draining: ICRQ on an existing tunnel refused with CDN result 4 ($line)" \
	[ "${line% *}" = "cdn 4 0" ]
lns_check "established session still passes traffic while draining" roundtrip
# ike-scan (an independent IKEv1 initiator): Main Mode message 1, AES-128/SHA1/PSK/MODP2048
ikescan() { ip netns exec "$LNS_NS_ACC" ike-scan --sport=0 --retry=2 --trans=7/128,2,1,14 "$LNS_ACC_ADDR" 2>&1; }
ikescan >"$W/ike-drain.txt"
lns_check "draining: ike-scan's Main Mode gets NO-PROPOSAL-CHOSEN" \
	grep -q "Notify message 14 (NO-PROPOSAL-CHOSEN)" "$W/ike-drain.txt"
lns_check "lnsctl show stats: DRAINING, 1 session left, node name" sh -c \
	"'$LNSCTL' --file-prefix '$LNS_PREFIX' show stats | grep -q 'DRAINING: .* 1 sessions left' &&
	 '$LNSCTL' --file-prefix '$LNS_PREFIX' show stats | head -1 | grep -q 'node drain-node-7'"
lns_ctl --json show stats >"$W/stats.json"
lns_check "stats: draining 1, refusals counted" "$PY" -c '
import json, sys
s = json.load(open(sys.argv[1]))
sys.exit(not (s["draining"] == 1 and s["sessions_left"] == 1 and
              s["l2tp"]["refused_draining"] == 1 and s["l2tp"]["refused_draining_sessions"] == 1 and
              s["ike"]["err_refused_draining"] == 1))' "$W/stats.json"
lns_check "metrics: lnsd_draining{node=\"drain-node-7\"} 1" sh -c \
	"curl -s --max-time 5 http://127.0.0.1:$MPORT/metrics | grep -qx 'lnsd_draining{node=\"drain-node-7\"} 1'"

# ---- drain off
seq1=$(lns_last_seq)
lns_check "lnsctl drain off" sh -c "'$LNSCTL' --file-prefix '$LNS_PREFIX' --json drain off | grep -q '\"drain\": *\"off\"'"
lns_check "event drain off" lns_wait_event drain "drain=off" "$seq1" 5
out=$(lac sccrq "$LNS_ACC_ADDR" 40125)
lns_check "drain off: a new SCCRQ gets SCCRP ($out)" [ "$out" = sccrp ]
ikescan >"$W/ike-open.txt"
lns_check "drain off: ike-scan's Main Mode gets message 2" \
	grep -q "Main Mode Handshake returned" "$W/ike-open.txt"
lns_check "metrics: lnsd_draining 0" sh -c \
	"curl -s --max-time 5 http://127.0.0.1:$MPORT/metrics | grep -qx 'lnsd_draining{node=\"drain-node-7\"} 0'"
lns_check "log: drain event line names the node" grep -q "event=drain .*drain=on.* node=drain-node-7" "$W/lnsd.log"
lns_check "log: tunnel-refused line names the node" grep -q "event=tunnel-refused .*reason=draining.* node=drain-node-7" "$W/lnsd.log"

# ---- drain on --max-wait: the sessions left end (CDN result 3, accounting cause
# Admin-Reboot) once the time has passed
seq2=$(lns_last_seq)
lns_check "lnsctl drain on --max-wait 1" sh -c \
	"'$LNSCTL' --file-prefix '$LNS_PREFIX' --json drain on --max-wait 1 | grep -q '\"max_wait_s\": *1'"
lns_check "max-wait passed: the session ended (event)" \
	lns_wait_event drain "drain=max-wait-passed sessions-ended=1" "$seq2" 5
lns_check "max-wait passed: CDN result 3 sent (session-down)" lns_wait_event session-down "result=3" "$seq2" 5
lns_check "max-wait passed: metrics lnsd_sessions 0" sh -c \
	"for i in \$(seq 30); do curl -s --max-time 5 http://127.0.0.1:$MPORT/metrics | grep -qx 'lnsd_sessions 0' && exit 0; sleep 0.1; done; exit 1"
lns_check "lnsctl drain off --max-wait is refused" sh -c \
	"! '$LNSCTL' --file-prefix '$LNS_PREFIX' drain off --max-wait 3 2>/dev/null"
lns_check "lnsctl --list-commands lists drain" sh -c "'$LNSCTL' --list-commands | grep -q '^drain'"

lns_lac_stop lnsd
lns_stop_expect 0
lns_finish
