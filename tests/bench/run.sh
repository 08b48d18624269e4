#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# One-machine benchmark of lnsd (see tests/bench/README.md). Not part of `meson test`.
#
#   tests/bench/run.sh [BUILD_DIR]          (root; BUILD_DIR default: build)
#
# For each direction, algorithm and size, in the same run: lnsd with one worker reads
# lns-trafgen's pcap through net_pcap infinite_rx=1 and sends to a dropping net_pcap;
# IPsec-MB alone on the same ESP work (crypto_ceiling.c); dpdk-testpmd io-forwarding
# over the same pcap arrangement (the harness's own cost); the combined limit
# 1 / (1/crypto + 1/io); DPDK's ipsec-secgw on plain ESP of the same SAs (upstream).
# Every forwarder row is measured and verified by sample.py the same way: the median
# of SLICE-second slices of the egress port's packets through the window, timed by
# the sampler's clock, and packets in = packets out + counted drops; a row that does
# not balance prints INVALID and why, never a ratio. Then session scale (scale.sh).
# Writes one JSON object per row to BUILD_DIR/bench/results.jsonl.
#
# Environment: BENCH_WINDOW (s, default 3), BENCH_SIZES ("64 128 512 1400 imix"),
# BENCH_ALGS ("aes128gcm16 aes128-sha1"), BENCH_DIRS ("up down"; "" runs no rows),
# BENCH_SECGW (1), BENCH_SECGW_PMDS ("crypto_aesni_gcm crypto_aesni_mb"), BENCH_IO (1),
# BENCH_SCALE (1), BENCH_SCALE_SESSIONS (1000000), BENCH_POLICY (1: the policing A/B;
# BENCH_POLICY_REPS 3, BENCH_POLICY_SIZES "64", BENCH_POLICY_DIRS "up down"),
# BENCH_WORKERS ("1": more where
# the machine has the cores, e.g. "1 2 4 8"), BENCH_PERF (0; 1: a perf cpu-clock
# profile of the worker per row, in BUILD_DIR/bench/perf-DIR-ALG-SIZE-wN.txt;
# BENCH_PERF_KEEP=1 keeps the perf.data beside it, for perf annotate).
set -u

SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "${1:-$SRC/build}" && pwd) || exit 2
LNSD=$BUILD/app/lnsd/lnsd
TG=$BUILD/app/lns-trafgen/lns-trafgen
TESTPMD=$(command -v dpdk-testpmd || echo /usr/bin/dpdk-testpmd)
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

for b in "$LNSD" "$TG"; do
	[ -x "$b" ] || { echo "run.sh: no $b (build first: meson setup build && ninja -C build)" >&2; exit 2; }
done
mkdir -p "$OUT"
: >"$RES"

cleanup() {
	[ -n "$LPID" ] && kill -TERM "$LPID" 2>/dev/null && wait "$LPID" 2>/dev/null
	[ "${BENCH_KEEP:-0}" = 1 ] && echo "kept $W" || rm -rf "$W"
	rm -rf "/var/run/dpdk/$PREFIX" "/var/run/dpdk/${PREFIX}io" "/var/run/dpdk/${PREFIX}sg"
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

# start TAG CMD...: run a forwarder in the background (its output in $W/TAG.log).
start() {
	local tag=$1
	shift
	T0=$(date +%s.%N)
	"$@" >"$W/$tag.log" 2>&1 &
	LPID=$!
}

# sample TAG PREFIX IN OUT APP: measure and verify the forwarder start() ran with
# sample.py (its JSON in $W/TAG.json, plus start_s: exec to its first telemetry
# answer, and rss_kb), then stop it.
sample() {
	local tag=$1 prefix=$2 in=$3 out=$4 app=$5 perf_pid= rss=0
	if [ "${BENCH_PERF:-0}" = 1 ] && [ "$app" = lnsd ] && command -v perf >/dev/null; then
		# where the worker's time goes: cpu-clock samples (no hardware counters
		# needed), reported per symbol for the worker threads only
		(
			sleep 3
			perf record -q -e cpu-clock -F 2000 -p "$LPID" -o "$W/perf.data" -- \
				sleep "$WINDOW" >/dev/null 2>&1
		) &
		perf_pid=$!
	fi
	SAMPLE_PID=$LPID "$PY" "$SRC/tests/bench/sample.py" "$prefix" "$in" "$out" "$app" \
		"$WINDOW" "$SLICE" >"$W/$tag.json" 2>"$W/$tag.err" || true
	[ -s "$W/$tag.json" ] || echo '{"valid": false, "why": "sampler failed"}' >"$W/$tag.json"
	if kill -0 "$LPID" 2>/dev/null; then
		rss=$(awk '/VmRSS/ {print $2}' "/proc/$LPID/status")
	else
		echo "run.sh: $tag died; its log:" >&2
		tail -5 "$W/$tag.log" >&2
	fi
	[ -n "$perf_pid" ] && wait "$perf_pid"
	if [ -n "$perf_pid" ] && [ -s "$W/perf.data" ]; then
		{
			echo "# by shared object (net_pcap's copy of every packet is the harness's cost)"
			perf report -q -i "$W/perf.data" --stdio --no-children --comm rte-worker-1 \
				--sort dso --percent-limit 0.5 2>/dev/null | sed '/^$/d'
			echo "# by symbol"
			perf report -q -i "$W/perf.data" --stdio --no-children --comm rte-worker-1 \
				--sort dso,sym --percent-limit 0.5 2>/dev/null | sed '/^$/d'
		} >"$OUT/perf-${PERF_TAG:-row}.txt"
		if [ "${BENCH_PERF_KEEP:-0}" = 1 ]; then   # for perf annotate
			mv "$W/perf.data" "$OUT/perf-${PERF_TAG:-row}.data"
		else
			rm -f "$W/perf.data"
		fi
	fi
	kill -TERM "$LPID" 2>/dev/null
	wait "$LPID" 2>/dev/null
	LPID=
	rm -rf "/var/run/dpdk/$prefix"
	"$PY" -c 'import json, sys
d = json.load(open(sys.argv[1]))
t = d.get("ready_at")
d["start_s"] = t - float(sys.argv[2]) if t else None
d["rss_kb"] = int(sys.argv[3])
json.dump(d, open(sys.argv[1], "w"))' "$W/$tag.json" "$T0" "${rss:-0}"
}

# jget FILE KEY: one field of a row's JSON; mpps is "INVALID" for a row that failed
# its check, drops are NAME=N,... or "-"
jget() {
	"$PY" -c 'import json, sys
d = json.load(open(sys.argv[1])); k = sys.argv[2]
if k == "mpps" and not d.get("valid"): print("INVALID")
elif k == "drops": print(",".join("%s=%d" % kv for kv in d.get("drops", {}).items()) or "-")
else: print(d.get(k) if d.get(k) is not None else "")' "$1" "$2"
}

# measure CONF IN OUT: lnsd with CONF, measured and verified; JSON in $W/lnsd.json
measure() {
	start lnsd "$LNSD" -c "$1"
	sample lnsd "$PREFIX" "$2" "$3" lnsd
}

# io_only ACCESS_VDEV CORE_VDEV IN OUT: dpdk-testpmd io-forwarding IN to OUT over the
# same vdevs as lnsd's row (same pcaps, same queues); JSON in $W/io.json
io_only() {
	start io "$TESTPMD" -l 0-1 --no-huge -m 1024 --no-pci --file-prefix "${PREFIX}io" \
		--vdev "net_pcap0,$1" --vdev "net_pcap1,$2" -- --forward-mode=io \
		--auto-start --stats-period 100000 --rxq=1 --txq=1 --nb-cores=1
	sample io "${PREFIX}io" "$3" "$4" testpmd
}

# ceiling ALG DIR SIZE: IPsec-MB alone, median-slice Mpps over the window (IMIX:
# the 7:4:1 mix of per-size times); "INVALID" where a job did not complete
ceiling() {
	local a=gcm128 d=dec r m=() s
	[ "$1" = aes128-sha1 ] && a=cbc128-sha1
	[ "$2" = down ] && d=enc
	if [ "$3" = imix ]; then
		for s in 64 570 1400; do
			r=$("$CEIL" $a $d $s "$(echo "$WINDOW / 3" | bc -l)") || { echo INVALID; return; }
			m+=("$(echo "$r" | awk '{print $4}')")
		done
		echo "12 / (7 / ${m[0]} + 4 / ${m[1]} + 1 / ${m[2]})" | bc -l
	else
		r=$("$CEIL" $a $d "$3" "$WINDOW") || { echo INVALID; return; }
		echo "$r" | awk '{print $4}'
	fi
}

avg_frame() { awk -v f="$1" '$1 == f {print $6}' "$2"; }
isnum() { [[ $1 =~ ^[0-9]*\.?[0-9]+$ ]]; }
# ratio A B [FMT]: A / B, or "-" where either is not a number
ratio() { if isnum "$1" && isnum "$2"; then printf "${3:-%.2f}" "$(echo "$1 / $2" | bc -l)"; else echo -; fi; }
num() { if isnum "$1"; then printf "${2:-%.3f}" "$1"; else echo "$1"; fi; }

row() { # dir alg size w mpps gbps cyc crypto io limit lns/lim secgw pmd lns/sg
	printf '%-4s %-11s %5s %1s %8s %6s %5s %7s %7s %7s %7s %8s %-5s %6s\n' "$@"
	"$PY" -c 'import json, sys
k = ["dir", "alg", "size", "workers", "mpps", "gbps", "cycles_per_pkt", "crypto_mpps", "io_mpps",
     "limit_mpps", "lnsd_over_limit", "secgw_mpps", "secgw_pmd", "lnsd_over_secgw"]
d = dict(zip(k, sys.argv[1:15]))
for x in k[4:]:
    try: d[x] = float(d[x])
    except ValueError: d[x] = None if d[x] in ("-", "") else d[x]
d["workers"] = int(d["workers"]); d["commit"] = sys.argv[15]; d["window_s"] = float(sys.argv[16])
d["statistic"] = "median of %s s slices" % sys.argv[17]
for name, f in (("lnsd", sys.argv[18]), ("io", sys.argv[19]), ("secgw", sys.argv[20])):
    try: d[name + "_check"] = json.load(open(f))
    except (OSError, ValueError): pass
print(json.dumps(d))' "$@" "$(git -C "$SRC" rev-parse --short HEAD 2>/dev/null)" "$WINDOW" "$SLICE" \
		"$W/lnsd.json" "$W/io.json" "${SGJ:-/nonexistent}" >>"$RES"
}

# note SIDE JSON: the reason under the row, where a check failed or drops were counted
note() {
	local why drops
	why=$(jget "$2" why)
	drops=$(jget "$2" drops)
	[ -n "$why" ] && echo "#   ! $1 INVALID: $why"
	[ -z "$why" ] && [ "$drops" != - ] && echo "#   $1 drops in window: $drops"
	return 0
}

. "$SRC/tests/bench/secgw.sh"

echo "# lnsd benchmark $(date -u +%Y-%m-%dT%H:%MZ), $(git -C "$SRC" rev-parse --short HEAD 2>/dev/null)," \
	"$(nproc) cores ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# window ${WINDOW}s; every Mpps is the MEDIAN of ${SLICE}s slices (forwarders: egress port packets"
echo "# timed by sample.py; crypto: jobs timed in-process); frames exclude FCS; TSC $(printf '%.0f' "$HZ") Hz"
echo "# mpps/gbps/cyc: lnsd forwarded, one worker per row's w; crypto: IPsec-MB alone; io: dpdk-testpmd"
echo "# io-forward on the same pcaps; limit = 1/(1/crypto + 1/io); secgw: ipsec-secgw, plain ESP inbound,"
echo "# faster of its PMDs (pmd: gcm = crypto_aesni_gcm, mb = crypto_aesni_mb). INVALID: in != out + drops"
printf '%-4s %-11s %5s %1s %8s %6s %5s %7s %7s %7s %7s %8s %-5s %6s\n' dir alg size w mpps gbps cyc \
	crypto io limit lns/lim secgw pmd lns/sg
for dir in $DIRS; do
	for alg in $ALGS; do
		P=$W/$dir-$alg
		"$TG" -c "$SRC/config/bench.yaml" -o "$P" -a "$alg" -d "$dir" -n 8 -s "${SIZES// /,}" >"$P.txt" ||
			{ echo "lns-trafgen failed" >&2; exit 1; }
		for size in $SIZES; do
			for w in ${BENCH_WORKERS:-1}; do
				if [ "$dir" = up ]; then
					acc=$(traffic_vdev "$P/up-$size.pcap" "$w")
					core=$(arp_vdev "$P/arp-core.pcap" "$w")
					in=0 out=1
				else
					acc=$(arp_vdev "$P/arp-access.pcap" "$w")
					core=$(traffic_vdev "$P/down-$size.pcap" "$w")
					in=1 out=0
				fi
				conf "$SRC/config/bench.yaml" "$W/c.yaml" "$acc" "$core" "$w" ""
				PERF_TAG="$dir-$alg-$size-w$w"
				measure "$W/c.yaml" "$in" "$out"
				mpps=$(jget "$W/lnsd.json" mpps)
				fr=$(avg_frame "$dir-$size.pcap" "$P.txt")
				gbps=- cyc=-
				if isnum "$mpps" && [ "$(echo "$mpps > 0" | bc)" = 1 ]; then
					gbps=$(printf '%.2f' "$(echo "$mpps * $fr * 8 / 1000" | bc -l)")
					cyc=$(printf '%.0f' "$(echo "$HZ / ($mpps * 1000000)" | bc -l)")
				fi
				cr=$(ceiling "$alg" "$dir" "$size")
				io=- lim=-
				rm -f "$W/io.json"
				if [ "$w" = 1 ] && [ "${BENCH_IO:-1}" = 1 ]; then
					# the same vdevs, one queue each (testpmd's single forwarding lcore)
					if [ "$dir" = up ]; then
						io_only "$(traffic_vdev "$P/up-$size.pcap" 1)" "$(arp_vdev "$P/arp-core.pcap" 1)" 0 1
					else
						io_only "$(arp_vdev "$P/arp-access.pcap" 1)" "$(traffic_vdev "$P/down-$size.pcap" 1)" 1 0
					fi
					io=$(jget "$W/io.json" mpps)
					isnum "$cr" && isnum "$io" && lim=$(echo "1 / (1 / $cr + 1 / $io)" | bc -l)
				fi
				sg=- pmd=- SGJ= SGNOTE=
				if [ "$dir" = up ] && [ "$w" = 1 ] && [ "${BENCH_SECGW:-1}" = 1 ]; then
					secgw_best "$alg" "$size"   # sets SGJ (the faster PMD's JSON) and pmd
					[ -n "$SGJ" ] && sg=$(jget "$SGJ" mpps)
				fi
				row "$dir" "$alg" "$size" "$w" "$(num "$mpps")" "$gbps" "$cyc" "$(num "$cr")" \
					"$(num "$io")" "$(num "$lim")" "$(ratio "$mpps" "$lim")" "$(num "$sg")" \
					"$pmd" "$(ratio "$mpps" "$sg")"
				note lnsd "$W/lnsd.json"
				[ -f "$W/io.json" ] && note io "$W/io.json"
				[ -n "$SGJ" ] && note secgw "$SGJ"
				[ -n "${SGNOTE:-}" ] && echo "$SGNOTE"
			done
		done
	done
done

[ "${BENCH_SECGW:-1}" = 1 ] && [ -n "$DIRS" ] && secgw_natt_note

# ---- the cost of policing (issue 17): every session under a policy it never
# exceeds (100 Gbit/s each way) against no policy, alternated A B A B ... in this
# run (BENCH_POLICY_REPS pairs), GCM-128, one worker; the ratio of the medians.
if [ "${BENCH_POLICY:-1}" = 1 ]; then
	POLX='c["policies"] = [{"name": "never", "up-rate": 100000000000, "down-rate": 100000000000}]
for t in c["static"]["tunnels"]:
    t["policy"] = "never"'
	echo
	echo "# policing cost: every session policed at 100 Gbit/s (never exceeded) vs no policy,"
	echo "# aes128gcm16, 1 worker, ${BENCH_POLICY_REPS:-3} alternating pairs; Mpps = median of the runs' medians"
	printf '%-4s %5s %9s %9s %7s %8s  %s\n' dir size none policed ratio loss% runs
	for dir in ${BENCH_POLICY_DIRS:-up down}; do
		P=$W/pol-$dir
		"$TG" -c "$SRC/config/bench.yaml" -o "$P" -a aes128gcm16 -d "$dir" -n 8 \
			-s "${BENCH_POLICY_SIZES:-64}" >"$P.txt" || { echo "lns-trafgen failed" >&2; exit 1; }
		for size in ${BENCH_POLICY_SIZES:-64}; do
			if [ "$dir" = up ]; then
				acc=$(traffic_vdev "$P/up-$size.pcap" 1); core=$(arp_vdev "$P/arp-core.pcap" 1)
				in=0 out=1
			else
				acc=$(arp_vdev "$P/arp-access.pcap" 1); core=$(traffic_vdev "$P/down-$size.pcap" 1)
				in=1 out=0
			fi
			conf "$SRC/config/bench.yaml" "$W/pa.yaml" "$acc" "$core" 1 ""
			conf "$SRC/config/bench.yaml" "$W/pb.yaml" "$acc" "$core" 1 "$POLX"
			a=() b=() bad=""
			for _ in $(seq "${BENCH_POLICY_REPS:-3}"); do
				for ab in a b; do
					measure "$W/p$ab.yaml" "$in" "$out"
					m=$(jget "$W/lnsd.json" mpps)
					isnum "$m" || bad+=" $ab:$(jget "$W/lnsd.json" why)"
					if [ "$ab" = b ] && [ "$(jget "$W/lnsd.json" drops)" != - ]; then
						bad+=" b-drops:$(jget "$W/lnsd.json" drops)"
					fi
					[ "$ab" = a ] && a+=("$m") || b+=("$m")
				done
			done
			med() { printf '%s\n' "$@" | grep -E '^[0-9.]+$' | sort -g |
				awk '{ v[NR] = $1 } END { if (NR) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
			ma=$(med "${a[@]}") mb=$(med "${b[@]}")
			printf '%-4s %5s %9s %9s %7s %8s  %s\n' "$dir" "$size" "$(num "$ma")" "$(num "$mb")" \
				"$(ratio "$mb" "$ma" %.3f)" \
				"$(isnum "$ma" && isnum "$mb" && printf '%.1f' "$(echo "(1 - $mb / $ma) * 100" | bc -l)" || echo -)" \
				"none ${a[*]} / policed ${b[*]}"
			[ -n "$bad" ] && echo "#   ! not counted:$bad"
		done
	done
fi
[ "${BENCH_SCALE:-1}" = 1 ] && . "$SRC/tests/bench/scale.sh"
echo "# rows as JSON: $RES"
