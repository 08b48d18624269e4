#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Churn: LNS_CHURN_CYCLES (default 10000; 1000 under ASan) connect/disconnect cycles
# of the independent test LAC (tests/integration/l2tpc, RFC 2661/1661/1334/1994/1332
# over plain UDP 1701), up to LNS_CHURN_CONC (default 100) in flight. A cycle is a
# tunnel, a session, LCP, PAP or CHAP-MD5, IPCP, one UDP datagram through lnsd to a
# core-side echo server and its echo back, then a disconnect: client CDN, client
# StopCCN, LCP Terminate-Request, or (every 5th of the last 200, with at most 40 in
# flight so that `lnsctl show sessions` lists them all) `lnsctl clear session`.
# Single-shot and standard profiles (idle-timeout 1 s) alternate; 16 source addresses.
# The client starts LCP when lnsd's Configure-Request arrives, every 7th right after
# its ICCN (the data plane learns the session only once the control core has the
# ICCN; a worker that sees the LCP first hands it to control, checked below).
# First the client proves itself against xl2tpd (LNS) + slirp (PPP), see l2tpc/harness.sh.
# Asserts: every cycle completes; afterwards tunnels, sessions, data-plane entries
# and SAs return to zero (metrics gauges and lnsctl lists) and every pool address
# is free again (as many clients as the pool holds come up at once, one more does
# not); lnsd's memory does not grow: DPDK's heap holds exactly the same allocations
# at the end as before the first cycle (/eal/heap_info: DPDK's allocations are
# invisible to LeakSanitizer), and the memory outside DPDK's (libc heap, stacks,
# libraries; /proc/PID/smaps) is within 2% at the end of its value after the first
# 2000 cycles (a fifth of shorter runs; not under ASan: its quarantine grows by
# design); lnsd exits 0 on SIGTERM.
# Total VmRSS is logged, not checked: under --no-huge the kernel backs DPDK's memory
# page by page on first touch, so it grows while the 8192 mbufs of 4.6 KB and the
# tables are first used (about 2 MB from cycle 2000 to 10000), bounded by what DPDK
# allocated at start, which the heap check pins. (The 2026-12-04 "churn RSS growth"
# was this, found with pmap: all of it in the memfd:nohuge mapping.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/l2tpc/harness.sh"

POOL_SIZE=126                 # 10.200.0.0/25 less network and broadcast

lns_init churn
W=$LNS_WORK

asan=0
lns_sanitized && asan=1
if [ "$asan" = 1 ]; then
	CYCLES=${LNS_CHURN_CYCLES:-1000}
	lns_log "mode: sanitizer build, $CYCLES cycles, RSS outside DPDK not checked"
else
	CYCLES=${LNS_CHURN_CYCLES:-10000}
	lns_log "mode: normal build, $CYCLES cycles, RSS outside DPDK checked"
fi
RSS_AT=$(( CYCLES / 5 < 2000 ? CYCLES / 5 : 2000 ))
CONC=${LNS_CHURN_CONC:-100}

"$PY" "$L2TPC" self-test >"$W/selftest.log" 2>&1
lns_check "l2tpc self-test ($(tail -1 "$W/selftest.log"))" grep -q '^self-test: all ' "$W/selftest.log"
l2tpc_reference_check

lns_topology_up
SRCS=$LNS_ACC_PEER
for i in $(seq 10 24); do
	ip -n "$LNS_NS_ACC" addr add "192.0.2.$i/24" dev eth0
	SRCS="$SRCS,192.0.2.$i"
done
MPORT=$(lns_free_port)
LNS_LIMITS_EXTRA='  allow-short-timers: true'
lns_write_config "$W/lnsd.yaml" "
l2tp:
  allow-nonsecure: true
  hello-interval: 0
  idle-timeout: 1
  destruct-timeout: 1
  destination-profiles:
    - name: single
      match:
        host-name: lac-ss
      single-shot-tunnel: true
    - name: standard
      match:
        host-name: lac-std
ppp:
  auth: [chap-md5, pap]
  default-pool: subs
  pools:
    - name: subs
      prefix: 10.200.0.0/25
  users:
    - name: alice
      password: secret1
log:
  level: notice
metrics:
  listen: \"127.0.0.1:$MPORT\"
"
lns_start "$W/lnsd.yaml" || { lns_fail "lnsd starts"; lns_finish; exit 1; }

# the core side: a UDP echo server lnsd's core port routes to
ip netns exec "$LNS_NS_CORE" "$PY" "$L2TPC" echo --bind "$LNS_CORE_PEER:9999" \
	--ready "$W/echo.ready" >"$W/echo.log" 2>&1 &
LNS_BG_PIDS+=("$!")
for _ in $(seq 50); do [ -f "$W/echo.ready" ] && break; sleep 0.1; done

lns_check "metrics endpoint exports the gauges (all zero before the run)" \
	[ "$(lns_leftovers)" = 0 ]

# DPDK's heap: bytes and blocks allocated (socket 0)
heap() {
	lns_ctl --json raw /eal/heap_info,0 | "$PY" -c 'import json, sys; h = json.load(sys.stdin); print(h["Alloc_size"], h["Alloc_count"])'
}
heap0=$(heap)
lns_log "DPDK heap before the churn: $heap0 (bytes, blocks)"

CTL="$LNSCTL --file-prefix $LNS_PREFIX --timeout 20"
lns_log "churn: $CYCLES cycles, $CONC in flight, sources $SRCS"
ip netns exec "$LNS_NS_ACC" "$PY" "$L2TPC" churn --cycles "$CYCLES" --concurrency "$CONC" \
	--src "$SRCS" --hosts lac-ss,lac-std --auths pap,chap --discs cdn,stopccn,lcpterm \
	--admin-every 5 --admin-tail 200 --lcp-passive --lcp-active-every 7 --lnsctl "$CTL" --rss-pid "$LNS_PID" --rss-at "$RSS_AT" \
	--json "$W/churn.json" 2>&1 | tee "$W/churn.log" | grep --line-buffered -v '^OK \|^FAIL '
lns_py_checks "$W/churn.log"
[ -f "$W/churn.json" ] || lns_fail "churn run wrote no summary"
jget() { "$PY" -c 'import json, sys; print(json.load(open(sys.argv[1])).get(sys.argv[2]))' "$W/churn.json" "$1" 2>/dev/null; }
lns_log "rate: $(jget cycles_per_s) cycles/s ($(jget elapsed_s) s; a cycle takes $(jget cycle_s_median) s median, $(jget cycle_s_p99) s p99)"

if t=$(lns_wait_clean 20); then
	lns_pass "tunnels, sessions, data-plane entries and SAs back to zero (${t} s after the last cycle)"
else
	lns_fail "tunnels, sessions, data-plane entries and SAs back to zero within 20 s ($t)"
fi
lns_check "pool gauge: 126 addresses in pool subs (pools_size.subs)" \
	[ "$(lns_stat pools_size.subs)" = 126 ]
lns_check "pool gauge: every address back in the pool (pools_in_use.subs 0)" \
	[ "$(lns_stat pools_in_use.subs)" = 0 ]
l2=$(lns_stat l2tp.retries_exhausted 2>/dev/null)
lns_log "lnsd counters: l2tp $(lns_stat l2tp.tunnels_established) tunnels, $(lns_stat l2tp.sessions_established) sessions established, $l2 retries exhausted; ppp $(lns_stat ppp.sessions_up) up / $(lns_stat ppp.sessions_down) down"
lns_log "lnsd drops: $(lns_ctl show stats --json | "$PY" -c '
import json, sys
d = json.load(sys.stdin)["drops"]
print(" ".join("%s=%s" % kv for kv in d.items() if kv[1]) or "none")')"
lns_check "lnsd established a session per cycle (l2tp.sessions_established >= $CYCLES)" \
	[ "$(lns_stat l2tp.sessions_established)" -ge "$CYCLES" ]
# Every 7th client sends its LCP Configure-Request right behind its ICCN; the worker
# may see it before the control lcore has published the session, and must hand it
# to control rather than drop it (l2tp.no_session in lib/dp/dp_worker.c).
nos=$(lns_stat drops.l2tp/no_session 2>/dev/null || echo 0)
lns_check "no early LCP Configure-Request was dropped (drops.l2tp/no_session $nos)" [ "${nos:-0}" = 0 ]

rss_end=$(awk '/^VmRSS:/ { print $2 }' "/proc/$LNS_PID/status")
lns_log "lnsd VmRSS: $(jget rss_at_kb) kB after $RSS_AT cycles, $rss_end kB at the end (not checked: see the top)"
heap1=$(heap)
lns_check "DPDK heap: the same allocations at the end as before the churn ($heap0 -> $heap1)" \
	[ -n "$heap0" -a "$heap0" = "$heap1" ]
other_end=$(cd "$(dirname "$L2TPC")" && "$PY" -c 'import sys, client; print(client.rss_split_kb(int(sys.argv[1]))[0])' "$LNS_PID")
other_at=$(jget rss_other_at_kb)
lns_log "lnsd memory outside DPDK's: $other_at kB after $RSS_AT cycles, $other_end kB at the end (DPDK's: $(jget rss_dpdk_at_kb) kB after $RSS_AT)"
if [ "$asan" = 0 ]; then
	lns_check "memory outside DPDK's at the end within 2% of after $RSS_AT cycles ($other_at -> $other_end kB)" \
		"$PY" -c 'import sys; a, b = int(sys.argv[1]), int(sys.argv[2]); sys.exit(abs(b - a) * 100 > 2 * a)' \
		"${other_at:-0}" "${other_end:-1}"
else
	lns_log "memory outside DPDK's not checked under the sanitizers"
fi

# every pool address is free again: exactly the pool's size come up at once
ip netns exec "$LNS_NS_ACC" "$PY" "$L2TPC" fill --count $((POOL_SIZE + 1)) \
	--expect-up "$POOL_SIZE" --src "$SRCS" --hosts lac-std --auths pap --tid-base 30000 \
	--timeout 40 >"$W/fill.log" 2>&1
grep '^#' "$W/fill.log" | sed "s/^/[$LNS_NAME] /"
lns_py_checks "$W/fill.log" "pool: "
lns_check "pool: the one past the pool's size is refused (ppp.pool_exhausted > 0)" \
	[ "$(lns_stat ppp.pool_exhausted)" -gt 0 ]
if t=$(lns_wait_clean 20); then
	lns_pass "everything back to zero after the pool fill (${t} s)"
else
	lns_fail "everything back to zero after the pool fill ($t)"
fi

lns_check_workers_busy
lns_stop_expect 0
lns_check "no sanitizer report in lnsd's log" \
	sh -c "! grep -Eq 'ERROR: (Address|Leak)Sanitizer|runtime error' '$W/lnsd.log'"
lns_finish
