#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# One-machine benchmark of lnsd (see tests/bench/README.md). Not part of `meson test`.
#
#   tests/bench/run.sh [BUILD_DIR]          (root; BUILD_DIR default: build)
#
# For each direction, algorithm and size: lnsd with one worker reads lns-trafgen's
# pcap through net_pcap infinite_rx=1 and sends to a dropping net_pcap; Mpps, Gbps
# and TSC cycles per packet come from counter deltas over a fixed window. In the same
# run: IPsec-MB alone on the same work (crypto_ceiling.c) and DPDK's ipsec-secgw on
# ESP of the same size and algorithm; session scale (1M sessions). Prints a table of
# ratios and writes one JSON object per row to BUILD_DIR/bench/results.jsonl.
#
# Environment: BENCH_WINDOW (s, default 3), BENCH_SIZES ("64 128 512 1400 imix"),
# BENCH_ALGS ("aes128gcm16 aes128-sha1"), BENCH_DIRS ("up down"; "" runs no rows), BENCH_SECGW (1),
# BENCH_SCALE (1), BENCH_SCALE_SESSIONS (1000000), BENCH_WORKERS ("1": more where
# the machine has the cores, e.g. "1 2 4 8"), BENCH_PERF (0; 1: a perf cpu-clock
# profile of the worker per row, in BUILD_DIR/bench/perf-DIR-ALG-SIZE-wN.txt;
# BENCH_PERF_KEEP=1 keeps the perf.data beside it, for perf annotate).
set -u

SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "${1:-$SRC/build}" && pwd) || exit 2
LNSD=$BUILD/app/lnsd/lnsd
LNSCTL=$BUILD/app/lnsctl/lnsctl
TG=$BUILD/app/lns-trafgen/lns-trafgen
PY=/usr/bin/python3
WINDOW=${BENCH_WINDOW:-3}
SLICE=0.2
SIZES=${BENCH_SIZES:-64 128 512 1400 imix}
ALGS=${BENCH_ALGS:-aes128gcm16 aes128-sha1}
DIRS=${BENCH_DIRS-up down}
OUT=$BUILD/bench
RES=$OUT/results.jsonl
W=$(mktemp -d /tmp/lnsd-bench.XXXXXX)
PREFIX=lnsdb$$
LPID=

for b in "$LNSD" "$LNSCTL" "$TG"; do
	[ -x "$b" ] || { echo "run.sh: no $b (build first: meson setup build && ninja -C build)" >&2; exit 2; }
done
mkdir -p "$OUT"
: >"$RES"

cleanup() {
	[ -n "$LPID" ] && kill -TERM "$LPID" 2>/dev/null && wait "$LPID" 2>/dev/null
	[ "${BENCH_KEEP:-0}" = 1 ] && echo "kept $W" || rm -rf "$W"
	rm -rf "/var/run/dpdk/$PREFIX"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- the crypto-only ceiling, built here (not part of the default build)
CEIL=$OUT/crypto_ceiling
cc -O3 -march=native -Wall -Wextra -o "$CEIL" "$SRC/tests/bench/crypto_ceiling.c" -lIPSec_MB ||
	{ echo "run.sh: cannot build crypto_ceiling (libipsec-mb-dev)" >&2; exit 2; }
HZ=$("$CEIL" gcm128 dec 64 0.05 | awk '{print $6}')

# conf SRC OUT ACCESS_VDEV_ARGS CORE_VDEV_ARGS WORKERS [SED]: a bench config with
# these vdevs and lcores (the YAML is rewritten by python3-yaml, the rest is kept).
conf() {
	"$PY" - "$@" "$PREFIX" <<'EOF'
import sys, yaml
src, out, acc, core, workers, extra, prefix = sys.argv[1:8]
c = yaml.safe_load(open(src))
n = int(workers)
if extra:
    exec(extra)      # may set c["bench_mem"] (MB for EAL), read just below
c["eal"] = ["--no-huge", "-m", str(c.get("bench_mem", "2048")), "--no-pci",
            "-l", "0-%d" % n, "--file-prefix", prefix,
            "--vdev=net_pcap0," + acc, "--vdev=net_pcap1," + core]
c.pop("bench_mem", None)
yaml.safe_dump(c, open(out, "w"), default_flow_style=False, sort_keys=False)
EOF
}

# vdev arguments: the traffic port replays PCAP forever into WORKERS rx queues
# (the same file each) and writes nothing (tx_pcap to /dev/null, one per lcore);
# the other port reads the ARP pcap once per queue and drops what it is sent.
traffic_vdev() {
	local pcap=$1 n=$2 s="" i
	for i in $(seq "$n"); do s+="rx_pcap=$pcap,"; done
	for i in $(seq $((n + 1))); do s+="tx_pcap=/dev/null,"; done
	echo "${s}infinite_rx=1"
}
arp_vdev() {
	local pcap=$1 n=$2 s="" i
	for i in $(seq $((n + 1))); do s+="rx_pcap=$pcap,"; done
	echo "${s%,}"
}

stats() { "$LNSCTL" --file-prefix "$PREFIX" --json show stats 2>/dev/null; }

# measure CONF COUNTER: run lnsd, print "mpps startup_s rss_kb drops mean_mpps":
# mpps is the best SLICE-second slice of the window, mean_mpps the whole window's;
# the samples stay in $W/s*.json.
measure() {
	local conf=$1 ctr=$2 t0 up rss
	t0=$(date +%s.%N)
	"$LNSD" -c "$conf" >"$W/lnsd.log" 2>&1 &
	LPID=$!
	for _ in $(seq 1200); do
		kill -0 "$LPID" 2>/dev/null || { echo "lnsd died:" >&2; tail -5 "$W/lnsd.log" >&2; LPID=; echo "0 0 0 -"; return 1; }
		stats >/dev/null && break
		sleep 0.1
	done
	up=$(echo "$(date +%s.%N) - $t0" | bc)
	sleep 1.5
	local i=0 end perf_pid=
	if [ "${BENCH_PERF:-0}" = 1 ] && command -v perf >/dev/null; then
		# where the worker's time goes: cpu-clock samples (no hardware counters
		# needed), reported per symbol for the worker threads only
		perf record -q -e cpu-clock -F 2000 -p "$LPID" -o "$W/perf.data" -- sleep "$WINDOW" \
			>/dev/null 2>&1 &
		perf_pid=$!
	fi
	# counters every SLICE seconds through the window; lnsd stamps each reply
	# with its own uptime_us, so the slices are timed by lnsd, not by this shell
	rm -f "$W"/s*.json
	end=$(echo "$(date +%s.%N) + $WINDOW" | bc)
	while [ "$(echo "$(date +%s.%N) < $end" | bc)" = 1 ]; do
		stats >"$W/s$i.json" && i=$((i + 1))
		sleep "$SLICE"
	done
	stats >"$W/s$i.json"
	[ -n "$perf_pid" ] && wait "$perf_pid"
	if [ -s "$W/perf.data" ]; then
		mkdir -p "$BUILD/bench"
		{
			echo "# by shared object (net_pcap's copy of every packet is the harness's cost)"
			perf report -q -i "$W/perf.data" --stdio --no-children --comm rte-worker-1 \
				--sort dso --percent-limit 0.5 2>/dev/null | sed '/^$/d'
			echo "# by symbol"
			perf report -q -i "$W/perf.data" --stdio --no-children --comm rte-worker-1 \
				--sort dso,sym --percent-limit 0.5 2>/dev/null | sed '/^$/d'
		} >"$BUILD/bench/perf-${PERF_TAG:-row}.txt"
		if [ "${BENCH_PERF_KEEP:-0}" = 1 ]; then   # for perf annotate
			mv "$W/perf.data" "$BUILD/bench/perf-${PERF_TAG:-row}.data"
		else
			rm -f "$W/perf.data"
		fi
	fi
	rss=$(awk '/VmRSS/ {print $2}' "/proc/$LPID/status")
	kill -TERM "$LPID"
	wait "$LPID" 2>/dev/null
	LPID=
	"$PY" - "$W" "$ctr" "$up" "$rss" <<'EOF'
import glob, json, sys
w, ctr = sys.argv[1], sys.argv[2]
s = []
for f in sorted(glob.glob(w + "/s*.json"), key=lambda f: int(f[len(w) + 2:-5])):
    try:
        s.append(json.load(open(f)))
    except ValueError:
        pass
t = lambda x: x["lnsd"]["uptime_us"] / 1e6
rate = lambda a, b: (b["counters"][ctr] - a["counters"][ctr]) / (t(b) - t(a)) / 1e6
a, b = s[0], s[-1]
# best slice: a shared machine only ever slows a slice down (the crypto ceiling
# is taken the same way); the window's mean is kept beside it
best = max(rate(x, y) for x, y in zip(s, s[1:]) if t(y) > t(x))
drops = {k: b["drops"][k] - a["drops"].get(k, 0) for k in b["drops"] if b["drops"][k] - a["drops"].get(k, 0)}
print("%.4f %s %s %s %.4f" % (best, sys.argv[3], sys.argv[4],
      ",".join("%s=%d" % kv for kv in drops.items()) or "-", rate(a, b)))
EOF
}

# ceiling ALG DIR SIZE: IPsec-MB alone, Mpps (IMIX: the 7:4:1 mix of per-size times)
ceiling() {
	local a=gcm128 d=dec
	[ "$1" = aes128-sha1 ] && a=cbc128-sha1
	[ "$2" = down ] && d=enc
	if [ "$3" = imix ]; then
		local m64 m570 m1400
		m64=$("$CEIL" $a $d 64 1 | awk '{print $4}')
		m570=$("$CEIL" $a $d 570 1 | awk '{print $4}')
		m1400=$("$CEIL" $a $d 1400 1 | awk '{print $4}')
		echo "12 / (7 / $m64 + 4 / $m570 + 1 / $m1400)" | bc -l
	else
		"$CEIL" $a $d "$3" 2 | awk '{print $4}'
	fi
}

avg_frame() { awk -v f="$1" '$1 == f {print $6}' "$2"; }

row() { # dir alg size workers mpps gbps cyc ceil r_ceil secgw r_secgw drops
	printf '%-5s %-12s %5s %2s %8.3f %7.2f %7.0f %8.3f %6.2f %8s %6s  %s\n' "$@"
	"$PY" -c 'import json,sys
k = ["dir","alg","size","workers","mpps","gbps","cycles_per_pkt","crypto_mpps","lnsd_over_crypto","secgw_mpps","lnsd_over_secgw","drops"]
v = sys.argv[1:]
d = dict(zip(k, v))
for x in ("mpps","gbps","cycles_per_pkt","crypto_mpps","lnsd_over_crypto","secgw_mpps","lnsd_over_secgw"):
    try: d[x] = float(d[x])
    except ValueError: d[x] = None
d["workers"] = int(d["workers"]); d["commit"] = sys.argv[-1]
d["mpps_window_mean"] = float(sys.argv[-2]) if sys.argv[-2] else None
print(json.dumps(d))' "$@" "${MEAN:-}" "$(git -C "$SRC" rev-parse --short HEAD 2>/dev/null)" >>"$RES"
}

. "$SRC/tests/bench/secgw.sh"

echo "# lnsd benchmark: window ${WINDOW}s, TSC $(printf '%.0f' "$HZ") Hz, $(nproc) cores; frames exclude FCS"
echo "# mpps/gbps: lnsd forwarded (one worker per row's count); cyc: TSC cycles per packet"
echo "# mpps and crypto are each the best ${SLICE}s slice of their window (a shared machine only"
echo "# slows a slice down); results.jsonl keeps lnsd's window mean too"
echo "# crypto: IPsec-MB alone on one core; secgw: DPDK ipsec-secgw, ESP transport inbound"
printf '%-5s %-12s %5s %2s %8s %7s %7s %8s %6s %8s %6s  %s\n' dir alg size w mpps gbps cyc \
	crypto lns/cr secgw lns/sg "drops in window"
for dir in $DIRS; do
	for alg in $ALGS; do
		P=$W/$dir-$alg
		"$TG" -c "$SRC/config/bench.yaml" -o "$P" -a "$alg" -d "$dir" -n 8 -s "${SIZES// /,}" >"$P.txt" ||
			{ echo "lns-trafgen failed" >&2; exit 1; }
		for size in $SIZES; do
			for w in ${BENCH_WORKERS:-1}; do
				if [ "$dir" = up ]; then
					conf "$SRC/config/bench.yaml" "$W/c.yaml" "$(traffic_vdev "$P/up-$size.pcap" "$w")" \
						"$(arp_vdev "$P/arp-core.pcap" "$w")" "$w" ""
					ctr=up_fwd
				else
					conf "$SRC/config/bench.yaml" "$W/c.yaml" "$(arp_vdev "$P/arp-access.pcap" "$w")" \
						"$(traffic_vdev "$P/down-$size.pcap" "$w")" "$w" ""
					ctr=down_fwd
				fi
				PERF_TAG="$dir-$alg-$size-w$w"
				read -r mpps _ _ drops MEAN < <(measure "$W/c.yaml" "$ctr")
				fr=$(avg_frame "$dir-$size.pcap" "$P.txt")
				gbps=$(echo "$mpps * $fr * 8 / 1000" | bc -l)
				cyc=$(echo "if ($mpps > 0) $HZ / ($mpps * 1000000) else 0" | bc -l)
				cr=$(ceiling "$alg" "$dir" "$size")
				sg=- rsg=-
				if [ "$dir" = up ] && [ "$w" = 1 ] && [ "${BENCH_SECGW:-1}" = 1 ]; then
					sg=$(secgw_mpps "$alg" "$size") || sg=-
					[ "$sg" != - ] && rsg=$(printf '%.2f' "$(echo "$mpps / $sg" | bc -l)")
					[ "$sg" != - ] && sg=$(printf '%.3f' "$sg")
				fi
				row "$dir" "$alg" "$size" "$w" "$mpps" "$gbps" "$cyc" "$cr" \
					"$(echo "$mpps / $cr" | bc -l)" "$sg" "$rsg" "$drops"
			done
		done
	done
done

[ "${BENCH_SCALE:-1}" = 1 ] && . "$SRC/tests/bench/scale.sh"
echo "# rows as JSON: $RES"
