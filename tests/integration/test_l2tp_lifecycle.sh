#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The tunnel lifecycle rules of DESIGN.md against xl2tpd as the LAC (slirp as PPP),
# non-secure L2TP; every timing is read from `lnsctl show events --json`:
#   standard tunnel (idle-timeout 2 s, destruct-timeout 3 s):
#     - a tunnel without sessions starts its idle timer; the session cancels it;
#     - the last session goes (lnsctl clear session): the idle timer starts, and
#       2 s later (tolerance TOL_MS) the tunnel is disconnected with StopCCN result 1;
#     - its record is kept 3 s (destruct), then freed;
#   single-shot tunnel (rules 1, 2 and 6; 3-5 need IPsec: test_lifecycle.sh):
#     - a second call (ICRQ) in the tunnel is refused with CDN result 5;
#     - when its session goes, the tunnel is disconnected at once (StopCCN result 1,
#       within TOL_MS of the session-down), whatever the idle timeout says.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lac.sh"

TOL_MS=400      # timer tolerance: the control loop, lnsctl polling and a busy machine

lns_init l2tp_lifecycle
command -v xl2tpd >/dev/null && command -v slirp-fullbolt >/dev/null ||
	{ echo "l2tp_lifecycle: missing xl2tpd or slirp: run drivers-config/install-deps.sh" >&2; exit 1; }
lns_topology_up
W=$LNS_WORK
quiet() { "$@" >/dev/null 2>&1; }
LNS_LIMITS_EXTRA='  allow-short-timers: true'

conf() {   # conf FILE SINGLE_SHOT
	lns_write_config "$1" "
l2tp:
  allow-nonsecure: true
  hello-interval: 0
  idle-timeout: 2
  destruct-timeout: 3
  single-shot-tunnel: $2
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
}

# within_ms A_US B_US WANT_MS: |(B - A) - WANT| <= TOL_MS
# never early by more than TOL_MS; late by up to LATE_MS, what a loaded test machine
# delays the control loop (a timer that never fires still fails the wait before)
LATE_MS=1500
within_ms() {
	local d=$(( ($2 - $1) / 1000 - $3 ))
	[ "$d" -ge "-$TOL_MS" ] && [ "$d" -le "$LATE_MS" ]
}

# event_detail NAME AFTER: detail of the first such event after AFTER
event_detail() {
	lns_ctl --json show events | "$PY" -c '
import json, sys
ev = json.load(sys.stdin)
print(next(e["detail"] for k, e in sorted(ev.items(), key=lambda i: int(i[0]))
           if e["event"] == sys.argv[1] and int(k) > int(sys.argv[2])))' "$1" "$2"
}

# ---------------------------------------------------------- standard tunnel
conf "$W/std.yaml" false
lns_start "$W/std.yaml" || { lns_fail "lnsd starts (standard)"; lns_finish; exit 1; }
lns_require "xl2tpd starts" lns_lac_start std alice secret1
lns_lac_call std
lns_require "standard: tunnel up" lns_wait_event tunnel-up "" 0 10
lns_check "standard: idle timer starts while the tunnel has no session" \
	lns_wait_event idle-timer-start "timeout=2" 0 5
lns_check "standard: the session cancels it" lns_wait_event idle-timer-cancel "" 0 10
lns_require "standard: PPP up" lns_wait_event ppp-up "user=alice" 0 20

seq0=$(lns_last_seq)
sid=$(lns_ctl --json show sessions | "$PY" -c 'import json, sys; print(next(iter(json.load(sys.stdin)), ""))')
lns_require "standard: the session is listed ($sid)" [ -n "$sid" ]
lns_check "standard: lnsctl clear session $sid" quiet lns_ctl clear session "$sid"
lns_check "standard: session down" lns_wait_event session-down "" "$seq0" 5
lns_check "standard: idle timer starts when the last session goes" \
	lns_wait_event idle-timer-start "timeout=2" "$seq0" 5
if lns_wait_event idle-timeout "" "$seq0" 6; then
	t0=$(lns_event_t idle-timer-start "$seq0"); t1=$(lns_event_t idle-timeout "$seq0")
	lns_check "standard: idle timeout after 2 s ($(( (t1 - t0) / 1000 )) ms, tolerance $TOL_MS ms)" \
		within_ms "$t0" "$t1" 2000
	lns_check "standard: disconnected with StopCCN result 1" lns_wait_event stopccn-sent "result=1" "$seq0" 3
	lns_check "standard: tunnel destroyed" lns_wait_event tunnel-destroyed "" "$seq0" 5
	lns_check "standard: destruct ends" lns_wait_event destruct-end "" "$seq0" 6
	tb=$(lns_event_t destruct-begin "$seq0"); te=$(lns_event_t destruct-end "$seq0")
	lns_check "standard: destruct lasted 3 s ($(( (te - tb) / 1000 )) ms)" within_ms "$tb" "$te" 3000
else
	# xl2tpd may close the tunnel itself when its last call goes; then lnsd's idle
	# timer never runs out, and that is a fact about the LAC, not a pass.
	lns_fail "standard: idle timeout (the LAC closed the tunnel first?)"
fi
lns_lac_stop std
lns_stop_expect 0

# ------------------------------------------------------- single-shot tunnel
conf "$W/ss.yaml" true
lns_start "$W/ss.yaml" || { lns_fail "lnsd starts (single-shot)"; lns_finish; exit 1; }
lns_require "xl2tpd starts" lns_lac_start ss alice secret1
lns_lac_call ss
lns_require "single-shot: first session up" lns_wait_event ppp-up "user=alice" 0 20
seq0=$(lns_last_seq)
# xl2tpd places another call in an existing tunnel when given the tunnel's id (its
# own: our peer-tunnel)
ptid=$(event_detail tunnel-up 0 | sed -n 's/.*peer-tunnel=\([0-9]*\).*/\1/p')
sid=$(lns_ctl --json show sessions | "$PY" -c 'import json, sys; print(next(iter(json.load(sys.stdin)), ""))')
lns_require "single-shot: the tunnel's peer id ($ptid) and its session ($sid) are known" \
	[ -n "$ptid" -a -n "$sid" ]
echo "c $ptid" >"$W/lac-ss/control"
lns_check "rule 1: a second call in the tunnel is refused (CDN result 5)" \
	lns_wait_event session-refused "result=5" "$seq0" 10
# only_sessions IDS: the session ids lnsd lists are exactly IDS ("3 7")
only_sessions() {
	[ "$(lns_ctl --json show sessions | "$PY" -c 'import json, sys; print(*json.load(sys.stdin))')" = "$*" ]
}
# the first session, by its id, and no other: the refused call left nothing behind
lns_check "rule 1: session $sid is still up, and the only one" only_sessions "$sid"

seq0=$(lns_last_seq)
lns_check "single-shot: lnsctl clear session $sid" quiet lns_ctl clear session "$sid"
lns_check "rule 2: session down" lns_wait_event session-down "" "$seq0" 5
lns_check "rule 2: StopCCN result 1 sent" lns_wait_event stopccn-sent "result=1" "$seq0" 5
t0=$(lns_event_t session-down "$seq0"); t1=$(lns_event_t stopccn-sent "$seq0")
lns_check "rule 2: at once, idle timeout ignored ($(( (t1 - t0) / 1000 )) ms after the session)" \
	within_ms "$t0" "$t1" 0
no_event() { ! lns_has_event "$@"; }
lns_check "rule 2: no idle timer on a single-shot tunnel" no_event idle-timer-start "" "$seq0"
lns_check "rule 2: tunnel destroyed, destruct begins" lns_wait_event destruct-begin "" "$seq0" 5
lns_lac_stop ss
lns_stop_expect 0
lns_finish
