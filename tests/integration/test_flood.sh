#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Floods against the control plane while a static ESP session carries traffic:
#   1. SCCRQs in the clear from 200 forged source addresses and random ports, and a
#      heavy burst from one source: the per-source SCCRQ bucket, the per-source and
#      total half-open caps engage and are counted (l2tp.refused_*), nothing is
#      answered for them, and once the flood stops the half-open tunnels time out
#      and every record is freed;
#   2. ICRQs on one established tunnel (our own LAC: SCCRQ/SCCRP/SCCCN, then ICRQs
#      in order, acknowledging lnsd): the per-tunnel ICRQ bucket and the
#      pending-session cap engage, refusals are CDN result 4, and the calls that
#      never get an ICCN are ended by the session setup timeout;
#   3. IKE Main Mode message 1 from 200 forged sources and one heavy source: lib/ike's
#      per-source rate limit and half-open cap engage.
# During each flood, 3000 upstream datagrams go through the static session at a
# steady 1000/s and a UDP socket on the core side counts them: loss < 0.1%.
# lnsd's VmRSS may grow by at most 24 MiB over all three floods (see RSS_BOUND_KB).
. "$(dirname "$0")/lib.sh"

DPC=("$PY" "$LNS_SRC/tests/integration/dpclient.py")
lns_init flood
lns_topology_up
W=$LNS_WORK
quiet() { "$@" >/dev/null 2>&1; }
in_acc() { ip netns exec "$LNS_NS_ACC" "$@"; }

# What lnsd may hold because of the floods, by construction of the limits below:
# 256 half-open L2TP tunnels (record + receive window + one SCCRP: ~2 KiB each) and
# as many destructing, 64 pending sessions, 128 half-open IKE SAs (~8 KiB each with
# the DH keys): under 3 MiB. The event log and the mbuf pool are allocated at
# start. 24 MiB leaves room for malloc's arenas and still catches a leak of one
# kilobyte per flood message (~45,000 messages).
RSS_BOUND_KB=$((24 * 1024))
N_TRAFFIC=3000

# ---------------------------------------------------------------- the tools ---
cp "$LNS_SRC/tests/integration/floodtool.py" "$W/flood.py"
FL=("$PY" "$W/flood.py")
export LNS_SRC

# ------------------------------------------------------------------ lnsd up ---
LNS_LIMITS_EXTRA='  allow-short-timers: true'
"${DPC[@]}" config --alg aes128gcm16 --replay-window 0 >"$W/static.yaml"
# dpclient's sections, with this test's keys added to its l2tp: and ipsec: ones
"$PY" - "$W/static.yaml" <<'EOF'
import sys
p = sys.argv[1]
add = {
    "l2tp:": ["  hello-interval: 0", "  destruct-timeout: 1",
              "  retransmit: {initial-ms: 250, max-ms: 500, retries: 2}",
              "  admission:", "    sccrq-rate: 5", "    sccrq-burst: 10",
              "    max-half-open: 256", "    max-half-open-per-source: 8",
              "    icrq-rate: 200", "    icrq-burst: 400",
              "    max-pending-sessions: 64", "    session-setup-timeout: 3"],
    "ipsec:": ["  dpd-interval: 0", "  max-half-open: 128",
               "  psk:", "    - {peer: 0.0.0.0/0, secret: flood-test-psk-0123}"],
}
out = []
for line in open(p).read().splitlines():
    out.append(line)
    out += add.get(line, [])
open(p, "w").write("\n".join(out) + "\n")
EOF
lns_write_config "$W/lnsd.yaml" "$(cat "$W/static.yaml")"
lns_check "lnsd --check accepts the config" quiet "$LNSD" --check -c "$W/lnsd.yaml"
lns_start "$W/lnsd.yaml" || { lns_fail "lnsd starts"; lns_finish; exit 1; }
mac=
quiet in_acc ping -c 1 -W 2 "$LNS_ACC_ADDR" &&
	mac=$(ip -n "$LNS_NS_ACC" neigh show "$LNS_ACC_ADDR" | grep -o 'lladdr [0-9a-f:]*' | cut -d' ' -f2)
lns_check "lnsd's access MAC resolved ($mac)" [ -n "$mac" ]
[ -n "$mac" ] || mac=$(cat "/sys/class/net/$LNS_IF_ACC/address")

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$LNS_PID/status"; }
l2() { lns_stat "l2tp.$1" 2>/dev/null || echo 0; }
ike() { lns_stat "ike.$1" 2>/dev/null || echo 0; }
# tunnels in a state (wait-ctl-conn, established, destructing, ...), and in all
tunnels_in() {
	lns_ctl --json show tunnels | "$PY" -c '
import json, sys
t = json.load(sys.stdin).values()
print(sum(1 for v in t if sys.argv[1] in ("all", v.get("state"))))' "$1"
}

# steady TAG FLOOD_CMD...: the steady traffic during a flood; checks loss < 0.1%
steady() {
	local tag=$1 got; shift
	rm -f "$W/count.$tag" "$W/ready.$tag"
	ip netns exec "$LNS_NS_CORE" "${FL[@]}" count "$W/count.$tag" "$W/ready.$tag" &
	local cpid=$!
	LNS_BG_PIDS+=("$cpid")
	for _ in $(seq 50); do [ -e "$W/ready.$tag" ] && break; sleep 0.1; done
	in_acc "${FL[@]}" traffic "$mac" "$N_TRAFFIC" 1000 &
	local tpid=$!
	"$@"
	wait "$tpid"
	wait "$cpid"
	got=$(cat "$W/count.$tag" 2>/dev/null || echo 0)
	lns_check "$tag: steady traffic through the static session: $got of $N_TRAFFIC arrived (loss < 0.1%)" \
		[ "$got" -ge $((N_TRAFFIC - N_TRAFFIC / 1000)) -a "$got" -le "$N_TRAFFIC" ]
}

# warm up the paths (ARP for the core gateway, first allocations), then the baseline
steady warmup true
rss0=$(rss_kb)
lns_log "VmRSS before the floods: $rss0 kB"
nt0=$(tunnels_in all)           # the static tunnels
T0=$SECONDS

# ----------------------------------------------------------- 1. SCCRQ flood ---
r0=$(l2 rx_sccrq)
tx0=$(l2 tx_messages)
# the flood, with a look at the half-open tunnels in its middle
sccrq_flood() {
	in_acc "${FL[@]}" sccrq "$mac" 12000 4000 2000 &
	local fpid=$!
	sleep 1.5
	tunnels_in wait-ctl-conn >"$W/mid.open"
	wait "$fpid"
}
steady sccrq sccrq_flood
rx=$(( $(l2 rx_sccrq) - r0 ))
rate=$(l2 refused_sccrq_rate); hsrc=$(l2 refused_half_open_source); htot=$(l2 refused_half_open)
silent=$(l2 refusals_unanswered)
lns_log "SCCRQ flood: $rx received; refused: rate $rate, half-open per source $hsrc, half-open total $htot; unanswered $silent"
lns_check "sccrq: lnsd saw the flood ($rx >= 6000 of 12000 SCCRQs; the rest: punt.ring_full $(lns_stat drops.punt/ring_full 2>/dev/null))" [ "$rx" -ge 6000 ]
lns_check "sccrq: per-source SCCRQ bucket engaged (refused_sccrq_rate $rate)" [ "$rate" -gt 0 ]
lns_check "sccrq: per-source half-open cap engaged (refused_half_open_source $hsrc)" [ "$hsrc" -gt 0 ]
lns_check "sccrq: total half-open cap engaged (refused_half_open $htot)" [ "$htot" -gt 0 ]
lns_check "sccrq: every refusal went unanswered (in the clear)" [ "$silent" = $((rate + hsrc + htot)) ]
lns_check "sccrq: admitted = received - refused, at most one SCCRP each" \
	[ $(( $(l2 tx_messages) - tx0 )) -le $(( 3 * (rx - rate - hsrc - htot) )) ]
open=$(cat "$W/mid.open" 2>/dev/null || echo -1)
lns_check "sccrq: half-open tunnels in mid-flood within the cap (0 < $open <= 256)" \
	[ "$open" -gt 0 -a "$open" -le 256 ]
# 0.25 + 0.5 + 0.5 s of SCCRP retransmissions, then 1 s destructing
for _ in $(seq 60); do [ "$(tunnels_in all)" = "$nt0" ] && break; sleep 0.25; done
lns_check "sccrq: half-open tunnels timed out back to 0" [ "$(tunnels_in wait-ctl-conn)" = 0 ]
lns_check "sccrq: every flood tunnel record freed" [ "$(tunnels_in all)" = "$nt0" ]
rss1=$(rss_kb)
lns_log "VmRSS after the SCCRQ flood: $rss1 kB"

# ------------------------------------------------------ 2. ICRQ flood (1 tunnel) ---
p0=$(l2 refused_pending_sessions); q0=$(l2 refused_icrq_rate); u0=$(l2 sessions_established)
steady icrq in_acc "${FL[@]}" icrq 5000 2500 "$W/icrq.out" 4242
read -r tid icrp cdn4 <"$W/icrq.out" || { tid=0; icrp=0; cdn4=0; }
pend=$(( $(l2 refused_pending_sessions) - p0 )); qr=$(( $(l2 refused_icrq_rate) - q0 ))
lns_log "ICRQ flood on tunnel $tid: ICRP $icrp, CDN result 4 $cdn4; refused: pending $pend, rate $qr"
lns_check "icrq: our LAC's tunnel came up (tunnel $tid)" [ "${tid:-0}" -gt 0 ]
lns_check "icrq: per-tunnel ICRQ bucket engaged (refused_icrq_rate +$qr)" [ "$qr" -gt 0 ]
lns_check "icrq: pending-session cap engaged (refused_pending_sessions +$pend)" [ "$pend" -gt 0 ]
lns_check "icrq: accepted calls (ICRP) within burst 400 + 200/s" [ "$icrp" -ge 64 -a "$icrp" -le 1400 ]
lns_check "icrq: refusals reached the LAC as CDN result 4 ($cdn4)" [ "$cdn4" -gt 0 ]
lns_check "icrq: no call established (no ICCN was sent)" [ "$(l2 sessions_established)" = "$u0" ]
for _ in $(seq 40); do [ "$(l2 session_setup_timeouts)" -ge "$icrp" ] && break; sleep 0.25; done
lns_check "icrq: every unanswered call ended by the setup timeout ($(l2 session_setup_timeouts) of $icrp)" \
	[ "$(l2 session_setup_timeouts)" -ge "$icrp" ]
rss2=$(rss_kb)
lns_log "VmRSS after the ICRQ flood: $rss2 kB"

# ------------------------------------------------------------ 3. IKE MM1 flood ---
rl0=$(ike err_rate_limited); ho0=$(ike err_half_open_limit)
steady ike in_acc "${FL[@]}" ike "$mac" 6000 2000 400
rl=$(( $(ike err_rate_limited) - rl0 )); ho=$(( $(ike err_half_open_limit) - ho0 ))
lns_log "IKE MM1 flood: rate-limited $rl, half-open limit $ho"
lns_check "ike: per-source rate limit engaged (err_rate_limited +$rl)" [ "$rl" -gt 0 ]
lns_check "ike: half-open cap engaged (err_half_open_limit +$ho)" [ "$ho" -gt 0 ]
rss3=$(rss_kb)
lns_log "VmRSS after the IKE flood: $rss3 kB (bound: +$RSS_BOUND_KB kB)"
if lns_sanitized; then
	lns_log "VmRSS bound not checked under the sanitizers (grew $((rss3 - rss0)) kB: quarantine)"
else
	lns_check "VmRSS grew by $((rss3 - rss0)) kB over the floods (<= $RSS_BOUND_KB kB)" \
		[ $((rss3 - rss0)) -le "$RSS_BOUND_KB" ]
fi

# after all that, a legitimate tunnel still comes up
tx=$(l2 tunnels_established)
in_acc "${FL[@]}" icrq 1 10 "$W/after.out" 4343
lns_check "a new tunnel comes up after the floods" [ "$(l2 tunnels_established)" -gt "$tx" ]
lns_log "floods took $((SECONDS - T0)) s"
lns_stop_expect 0
lns_finish
