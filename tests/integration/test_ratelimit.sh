#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Rate-limit policies on the data plane (issue 17): two static non-secure sessions,
# one under policy p2m (2 Mbit/s each way), one without a policy. Paced UDP
# streams (policygen.py, plain sockets) offer 10 Mbit/s to each session, upstream
# (L2TP from the access namespace to the core) and then downstream (core to the
# subscribers, L2TP back out of the access port), for LNS_POLICY_SECS seconds
# (default 5). Checked: the policed session delivers 2 Mbit/s +-10% (this machine
# is shared and noisy; the measured figures are logged), the unpoliced one gets
# clearly more than the limit, drops up.policer / down.policer moved, and `lnsctl show sessions`
# names the policy with its drops per direction. A third session's policy pmark
# (2 Mbit/s, exceed-action mark, DSCP 8, no peak) drops nothing: upstream, tshark
# in the core namespace sees all 10 Mbit/s, about 80% of it with DSCP 8 and 20%
# with 0, every IPv4 checksum good; downstream it passes too and policer_marked
# counts what was marked. POLICYGEN_FLOWS=N spreads each
# downstream stream over N source ports, so that with LNS_WORKERS>1 (ratelimit_w2)
# RSS puts one subscriber's flows on several lcores: the limit must still hold.
. "$(dirname "$0")/lib.sh"

GEN=("$PY" "$LNS_SRC/tests/integration/policygen.py")
SECS=${LNS_POLICY_SECS:-5}
SIZE=1000
RATE=2000000

lns_init ratelimit
quiet() { "$@" >/dev/null 2>&1; }

lns_topology_up
lns_write_config "$LNS_WORK/lnsd.yaml" "l2tp:
  allow-nonsecure: true
ppp:
  pools:
    - {name: pol, prefix: 10.210.0.0/24}
policies:
  - {name: p2m, up-rate: $RATE, down-rate: $RATE}
  - {name: pmark, up-rate: $RATE, down-rate: $RATE, exceed-action: mark, exceed-dscp: 8}
static:
  tunnels:
    - {local-id: 1, peer-id: 11, peer: $LNS_ACC_PEER, sessions: 1, pool: pol, policy: p2m}
    - {local-id: 2, peer-id: 12, peer: $LNS_ACC_PEER, sessions: 1, pool: pol}
    - {local-id: 3, peer-id: 13, peer: $LNS_ACC_PEER, sessions: 1, pool: pol, policy: pmark}"
lns_check "lnsd --check accepts policies" quiet "$LNSD" --check -c "$LNS_WORK/lnsd.yaml"
lns_start "$LNS_WORK/lnsd.yaml" || { lns_fail "lnsd starts"; lns_finish; }
quiet ip netns exec "$LNS_NS_ACC" ping -c 1 -W 2 "$LNS_ACC_ADDR"

# rate_of FILE KEY SENTFILE: delivered bit/s of KEY's SIZE-byte IPv4 packets
rate_of() {
	local n t
	n=$(awk -v k="$2" '$1 == "rx" && $2 == k { print $3 }' "$1")
	t=$(awk '$1 == "sent" { print $2 }' "$3")
	awk -v n="${n:-0}" -v t="${t:-1}" -v s=$SIZE 'BEGIN { printf "%d", n * s * 8 / t }'
}
within() { awk -v v="$1" -v r=$RATE 'BEGIN { exit !(v >= r * 0.9 && v <= r * 1.1) }'; }
above() { awk -v v="$1" -v r=$RATE 'BEGIN { exit !(v >= r * 2) }'; }

# ---- upstream
p0=$(lns_stat drops.up/policer 2>/dev/null || echo 0)
ip netns exec "$LNS_NS_CORE" "${GEN[@]}" rxcore $((SECS + 10)) >"$LNS_WORK/up.rx" &
rpid=$!
LNS_BG_PIDS+=("$rpid")
sleep 0.5
ip netns exec "$LNS_NS_ACC" "${GEN[@]}" up "$LNS_ACC_PEER" "$LNS_ACC_ADDR" "$SECS" 10 $SIZE \
	1:1:10.210.0.1 2:1:10.210.0.2 >"$LNS_WORK/up.sent"
wait "$rpid"
while read -r l; do lns_log "  up: $l"; done < <(cat "$LNS_WORK/up.rx" "$LNS_WORK/up.sent")
r1=$(rate_of "$LNS_WORK/up.rx" 10.210.0.1 "$LNS_WORK/up.sent")
r2=$(rate_of "$LNS_WORK/up.rx" 10.210.0.2 "$LNS_WORK/up.sent")
lns_check "upstream: policed session delivers 2 Mbit/s +-10% (got $r1 bit/s)" within "$r1"
lns_check "upstream: unpoliced session is not limited (got $r2 bit/s)" above "$r2"
p1=$(lns_stat drops.up/policer 2>/dev/null || echo 0)
lns_check "upstream: drops up.policer moved ($p0 -> $p1)" [ "$p1" -gt "$p0" ]
d1=$(lns_stat drops.down/policer 2>/dev/null || echo 0)

# ---- downstream
ip netns exec "$LNS_NS_ACC" "${GEN[@]}" rxacc "$LNS_ACC_PEER" $((SECS + 10)) >"$LNS_WORK/down.rx" &
rpid=$!
LNS_BG_PIDS+=("$rpid")
sleep 0.5
ip netns exec "$LNS_NS_CORE" "${GEN[@]}" down "$SECS" 10 $SIZE 10.210.0.1 10.210.0.2 \
	>"$LNS_WORK/down.sent"
wait "$rpid"
while read -r l; do lns_log "  down: $l"; done < <(cat "$LNS_WORK/down.rx" "$LNS_WORK/down.sent")
r1=$(rate_of "$LNS_WORK/down.rx" 11 "$LNS_WORK/down.sent")
r2=$(rate_of "$LNS_WORK/down.rx" 12 "$LNS_WORK/down.sent")
lns_check "downstream: policed session delivers 2 Mbit/s +-10% (got $r1 bit/s)" within "$r1"
lns_check "downstream: unpoliced session is not limited (got $r2 bit/s)" above "$r2"
d2=$(lns_stat drops.down/policer 2>/dev/null || echo 0)
lns_check "downstream: drops down.policer moved ($d1 -> $d2)" [ "$d2" -gt "$d1" ]

# ---- exceed-action mark: upstream on the wire (tshark checks DSCP and checksums)
m0=$(lns_stat counters.policer_marked 2>/dev/null || echo 0)
ip netns exec "$LNS_NS_CORE" tshark -q -i eth0 -a duration:$((SECS + 4)) \
	-f "udp dst port 9000 and src host 10.210.0.3" -w "$LNS_WORK/mark.pcap" \
	>"$LNS_WORK/tshark.log" 2>&1 &
tpid=$!
LNS_BG_PIDS+=("$tpid")
for _ in $(seq 50); do grep -q Capturing "$LNS_WORK/tshark.log" && break; sleep 0.1; done
sleep 0.5
ip netns exec "$LNS_NS_ACC" "${GEN[@]}" up "$LNS_ACC_PEER" "$LNS_ACC_ADDR" "$SECS" 10 $SIZE \
	3:1:10.210.0.3 >"$LNS_WORK/mark.sent"
wait "$tpid"
tshark -r "$LNS_WORK/mark.pcap" -o ip.check_checksum:TRUE -T fields -e ip.dsfield.dscp \
	-e ip.checksum.status 2>/dev/null | sort | uniq -c >"$LNS_WORK/mark.counts"
while read -r l; do lns_log "  mark up (count dscp checksum-status): $l"; done <"$LNS_WORK/mark.counts"
marked=$(awk '$2 == 8 { n += $1 } END { print n + 0 }' "$LNS_WORK/mark.counts")
green=$(awk '$2 == 0 { n += $1 } END { print n + 0 }' "$LNS_WORK/mark.counts")
badck=$(awk '$3 != 1 { n += $1 } END { print n + 0 }' "$LNS_WORK/mark.counts")
t=$(awk '$1 == "sent" { print $2 }' "$LNS_WORK/mark.sent")
r3=$(awk -v n=$((marked + green)) -v t="${t:-1}" -v s=$SIZE 'BEGIN { printf "%d", n * s * 8 / t }')
lns_check "mark up: nothing dropped, all 10 Mbit/s delivered (got $r3 bit/s)" above "$r3"
lns_check "mark up: about 2 Mbit/s unmarked ($green packets, DSCP 0)" \
	awk -v g="$green" -v t="${t:-1}" -v s=$SIZE -v r=$RATE 'BEGIN { v = g * s * 8 / t; exit !(v >= r * 0.8 && v <= r * 1.25) }'
lns_check "mark up: the rest carries DSCP 8 ($marked packets)" [ "$marked" -gt $((green * 2)) ]
lns_check "mark up: every IPv4 header checksum good ($badck bad)" [ "$badck" = 0 ]
ip netns exec "$LNS_NS_ACC" "${GEN[@]}" rxacc "$LNS_ACC_PEER" $((SECS + 10)) >"$LNS_WORK/markd.rx" &
rpid=$!
LNS_BG_PIDS+=("$rpid")
sleep 0.5
ip netns exec "$LNS_NS_CORE" "${GEN[@]}" down "$SECS" 10 $SIZE 10.210.0.3 >"$LNS_WORK/markd.sent"
wait "$rpid"
r3=$(rate_of "$LNS_WORK/markd.rx" 13 "$LNS_WORK/markd.sent")
lns_check "mark down: nothing dropped (got $r3 bit/s)" above "$r3"
m1=$(lns_stat counters.policer_marked 2>/dev/null || echo 0)
lns_check "mark: policer_marked counted both ways ($m0 -> $m1, $marked seen upstream)" \
	[ "$m1" -gt $((m0 + marked)) ]

# ---- lnsctl show sessions: the policy and its drops per direction
lns_ctl --json show sessions >"$LNS_WORK/sess.json"
lns_check "show sessions: p2m with policer drops both ways, none on the other" "$PY" -c '
import json, sys
s = json.load(open(sys.argv[1]))
v = list(s.values()) if isinstance(s, dict) else s
pol = [x for x in v if x.get("policy") == "p2m"]
free = [x for x in v if "policy" not in x]
mark = [x for x in v if x.get("policy") == "pmark"]
print(pol, free)
sys.exit(not (len(pol) == 1 and len(free) == 1 and len(mark) == 1 and
              mark[0]["policer_drops_up"] == 0 and mark[0]["policer_drops_down"] == 0 and
              pol[0]["policer_drops_up"] > 0 and
              pol[0]["policer_drops_down"] > 0 and pol[0]["tunnel"] == 1))' "$LNS_WORK/sess.json"
lns_stop_expect 0
lns_finish
