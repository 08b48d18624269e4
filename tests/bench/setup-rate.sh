#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Control-plane setup-rate benchmark (tests/bench/README.md, "Control-plane setup
# rate"). Not part of `meson test`; test_setuprate.sh runs its generator briefly.
#
#   sudo tests/bench/setup-rate.sh [BUILD_DIR]        (BUILD_DIR default: build)
#
# lnsd runs with one worker and its control lcore on net_af_packet vdevs bound to
# veths (the topology of tests/integration/lib.sh), a fresh lnsd for each row.
# tests/bench/setup-rate/l2tp_storm, in the access namespace, acts as the LACs and
# PPP clients: it brings N sessions up (L2TP tunnel, session, LCP, PAP, IPCP),
# at most SR_WINDOW in flight, then tears them all down (CDN, StopCCN), and times
# a HELLO on an established tunnel every 10 ms through the setup storm.
# Then, when built, ike_storm runs IKEv1 Main Mode + Quick Mode initiators against
# lnsd and the same DH work with OpenSSL alone on one core.
#
# Environment: SR_LEVELS (concurrent sessions per row, default "1000 10000 100000";
# "" runs none),
# SR_WINDOW (setups in flight, default 200), SR_PER_TUNNEL (sessions per tunnel,
# default 1: one LAC per subscriber, the hardest case), SR_SOCKETS (generator UDP
# sockets, default 64), SR_IKE (1; 0 skips the IKE rows), SR_IKE_N (exchanges per
# IKE row, default 1000 MODP2048, 4000 ECP256), SR_IKE_WINDOW (in flight, default 32), SR_LOG (lnsd log
# level, default notice), SR_PERF (0; 1: perf profile of lnsd per row, written to
# BUILD_DIR/bench/setup-rate-perf-ROW.txt).
set -u
SRC=$(cd "$(dirname "$0")/../.." && pwd)
LNSD_BUILD=$(cd "${1:-$SRC/build}" && pwd) || exit 2
export LNSD_BUILD
LNS_WORKERS=1   # one worker, whatever the integration suite's default
. "$SRC/tests/integration/lib.sh"
. "$SRC/tests/bench/setup-rate/config.sh"

STORM=$LNSD_BUILD/tests/bench/setup-rate/l2tp_storm
IKESTORM=$LNSD_BUILD/tests/bench/setup-rate/ike_storm
[ -x "$STORM" ] || { echo "setup-rate.sh: no $STORM (build first)" >&2; exit 2; }
LEVELS=${SR_LEVELS-1000 10000 100000}
WIN=${SR_WINDOW:-200}
OUTD=$LNSD_BUILD/bench
mkdir -p "$OUTD"

lns_init setup-rate
lns_topology_up
R=$LNS_WORK/rows
: >"$R"
field() { sed -n "s/^$2 .*\\b$3=\\([^ ]*\\).*/\\1/p" "$1"; }

perf_start() {
	PERF_PID=
	if [ "${SR_PERF:-0}" = 1 ] && command -v perf >/dev/null; then
		perf record -q -F 999 -g -o "$LNS_WORK/perf.data" -p "$LNS_PID" >/dev/null 2>&1 &
		PERF_PID=$!
	fi
}
perf_stop() {
	[ -n "$PERF_PID" ] || return 0
	kill -INT "$PERF_PID"; wait "$PERF_PID"
	perf report -i "$LNS_WORK/perf.data" --no-children --sort comm,dso,sym 2>/dev/null |
		grep -v '^#' | grep '%' | head -60 >"$OUTD/setup-rate-perf-$1.txt"
}

echo "setup-rate: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg), $(date -u '+%F %T') UTC"
for n in $LEVELS; do
	mem=512
	[ "$n" -gt 20000 ] && mem=2048
	SR_MEM=$mem sr_write_config "$LNS_WORK/lnsd.yaml"
	lns_start "$LNS_WORK/lnsd.yaml" || { lns_fail "lnsd starts for $n sessions"; break; }
	# L2TP tunnel ids are 16 bits (RFC 2661 §3.1): one LNS address holds at most
	# 65535 tunnels, so 100k sessions need 2 or more per tunnel
	k=${SR_PER_TUNNEL:-1}
	[ $(( (n + k - 1) / k )) -gt 60000 ] && k=$(( (n + 59999) / 60000 ))
	perf_start
	ip netns exec "$LNS_NS_ACC" "$STORM" -s "$LNS_ACC_ADDR" -q -n "$n" -w "$WIN" \
		-k "$k" -S "${SR_SOCKETS:-64}" -H 10 -t 600 -P "$LNS_PID" >"$LNS_WORK/l2tp-$n.out" 2>&1
	rc=$?
	perf_stop "l2tp-$n"
	cat "$LNS_WORK/l2tp-$n.out" | sed "s/^/  [$n] /"
	lns_check "$n sessions: all up and all down (generator status $rc)" [ "$rc" = 0 ]
	lns_stop_expect 0
	echo "$n/$k $(field "$LNS_WORK/l2tp-$n.out" setup rate) $(field "$LNS_WORK/l2tp-$n.out" setup retransmits)" \
	     "$(field "$LNS_WORK/l2tp-$n.out" teardown rate) $(field "$LNS_WORK/l2tp-$n.out" hello p50_ms)" \
	     "$(field "$LNS_WORK/l2tp-$n.out" hello p99_ms) $(field "$LNS_WORK/l2tp-$n.out" hello max_ms)" \
	     "$(field "$LNS_WORK/l2tp-$n.out" setup failed)" \
	     "$(field "$LNS_WORK/l2tp-$n.out" setup ctl_cpu_us) $(field "$LNS_WORK/l2tp-$n.out" setup ctl_cpu_rate)" \
	     "$(field "$LNS_WORK/l2tp-$n.out" teardown ctl_cpu_rate)" >>"$R"
done

IKER=$LNS_WORK/ike-rows
: >"$IKER"
if [ "${SR_IKE:-1}" = 1 ] && [ -x "$IKESTORM" ]; then
	# Initiators from 240 addresses (lnsd admits 10 new ISAKMP SAs a second per
	# source address), routed: behind the access gateway, as clients are, so
	# that lnsd resolves one next hop rather than 240 neighbours (on one segment
	# each new neighbour's first answer waited ~1 s for ARP)
	for i in $(seq 10 249); do echo "addr add 172.16.0.$i/32 dev eth0"; done |
		ip -n "$LNS_NS_ACC" -b -
	for g in modp2048 ecp256; do
		lns_write_config "$LNS_WORK/lnsd.yaml" "
log:
  level: ${SR_LOG:-notice}
ipsec:
  ike-proposals: [aes128-sha256-$g]
  esp-proposals: [aes128gcm16]
  max-half-open: 65535
  dpd-interval: 0
  psk:
    - peer: 0.0.0.0/0
      secret: bench-psk
"
		sed -i "/^    address: $LNS_ACC_ADDR\/24/a\\    gateway: $LNS_ACC_PEER" "$LNS_WORK/lnsd.yaml"
		lns_start "$LNS_WORK/lnsd.yaml" || { lns_fail "lnsd starts (IKE $g)"; continue; }
		perf_start
		ip netns exec "$LNS_NS_ACC" "$IKESTORM" -s "$LNS_ACC_ADDR" -g "$g" -k bench-psk \
			-a 172.16.0.10 -A 240 -P "$LNS_PID" \
			-n "${SR_IKE_N:-$([ $g = ecp256 ] && echo 4000 || echo 1000)}" -w "${SR_IKE_WINDOW:-32}" \
			-t 300 >"$LNS_WORK/ike-$g.out" 2>&1
		rc=$?
		perf_stop "ike-$g"
		sed "s/^/  [ike $g] /" "$LNS_WORK/ike-$g.out"
		lns_check "IKE $g: every exchange completed (status $rc)" [ "$rc" = 0 ]
		lns_check "IKE $g: lnsd completed every Quick Mode" \
			[ "$(lns_stat ike.quick_mode_done)" = "$(field "$LNS_WORK/ike-$g.out" ike done)" ]
		lns_stop_expect 0
		echo "$g $(field "$LNS_WORK/ike-$g.out" ike rate) $(field "$LNS_WORK/ike-$g.out" dh_only rate)" \
		     "$(field "$LNS_WORK/ike-$g.out" ike ctl_cpu_us) $(field "$LNS_WORK/ike-$g.out" ike ctl_cpu_rate)" >>"$IKER"
	done
fi

echo
echo "Control-plane setup rate (one control lcore, one worker; window $WIN setups in flight)"
echo "(wall: measured rate; cpu: 1 / control-thread CPU per setup, what one dedicated control core allows)"
printf '%13s %9s %9s %8s %9s %9s %10s %10s %10s %7s\n' sessions/tunl setups/s "cpu us" "cpu /s" \
	teardn/s "cpu /s" hello-p50 hello-p99 hello-max failed
while read -r n su rt td h50 h99 hmx f cu cr tcr; do
	printf '%13s %9s %9s %8s %9s %9s %8sms %8sms %8sms %7s\n' "$n" "$su" "$cu" "$cr" "$td" "$tcr" \
		"$h50" "$h99" "$hmx" "$f"
done <"$R"
if [ -s "$IKER" ]; then
	echo
	echo "IKEv1 Main Mode + Quick Mode (PSK, AES-128, SHA-256)"
	echo "(OpenSSL DH/s: key pair + derive per second of one thread's CPU; cpu: 1 / lnsd control-thread CPU per exchange)"
	printf '%10s %9s %10s %9s %14s %11s %11s\n' group "MM+QM/s" "cpu us" "cpu /s" "OpenSSL DH/s" \
		"wall ratio" "cpu ratio"
	ratio() { awk -v a="$1" -v b="$2" 'BEGIN{if (b > 0) printf "%.2f", a / b; else print "-"}'; }
	while read -r g r d cu cr; do
		printf '%10s %9s %10s %9s %14s %11s %11s\n' "$g" "$r" "$cu" "$cr" "$d" "$(ratio "$r" "$d")" \
			"$(ratio "$cr" "$d")"
	done <"$IKER"
fi
echo "targets: >= 5000 setups/s; HELLO max < 50 ms during the storm; IKE >= 0.70 x OpenSSL"
lns_finish
