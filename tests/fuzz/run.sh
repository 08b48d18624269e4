#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Build and run every libFuzzer target of tests/fuzz for a total time budget.
#   tests/fuzz/run.sh [SECONDS]     default 60 (CI), split evenly across targets
#   tests/fuzz/run.sh 3600          the documented long run (tests/fuzz/README.md)
# Environment: FUZZ_BUILD (build directory, default build-fuzz in the source tree),
# FUZZ_TARGETS (space-separated subset).
# Exit status: 0 when no target crashed, leaked, timed out or broke a contract;
# 1 otherwise (the crashing input is under $FUZZ_BUILD/tests/fuzz/artifacts/<target>/).
set -u

total=${1:-60}
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${FUZZ_BUILD:-$src/build-fuzz}
all="fuzz_classify fuzz_l2tp_ctl fuzz_ike fuzz_ppp fuzz_radius"
targets=${FUZZ_TARGETS:-$all}

case $total in
''|*[!0-9]*) echo "usage: $0 [SECONDS]" >&2; exit 2 ;;
esac

if [ ! -f "$build/build.ninja" ]; then
	# The libraries get coverage instrumentation (fuzzer-no-link); only the targets
	# link the libFuzzer driver (tests/fuzz/meson.build).
	CC=clang meson setup "$build" "$src" -Dfuzz=true -Db_sanitize=address,undefined \
		-Db_lundef=false -Dc_args=-fsanitize=fuzzer-no-link || exit 1
fi
built=""
for t in $targets; do
	ninja -C "$build" "tests/fuzz/$t" >/dev/null 2>&1 || true
	if [ -x "$build/tests/fuzz/$t" ]; then
		built="$built $t"
	else
		echo "run.sh: $t not built (module missing, or no libFuzzer): skipped" >&2
	fi
done
set -- $built
[ $# -gt 0 ] || { echo "run.sh: no fuzz target built" >&2; exit 1; }
per=$((total / $#))
[ "$per" -ge 1 ] || per=1

# UBSan findings are fatal, so libFuzzer records them like crashes.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}

max_len() {
	case $1 in
	fuzz_classify) echo 4096 ;;   # one Ethernet frame (jumbo-sized at most)
	fuzz_ppp) echo 4096 ;;
	*) echo 8192 ;;               # several control messages in one input
	esac
}

rc=0
summary=""
for t in "$@"; do
	work=$build/tests/fuzz/corpus-work/$t
	art=$build/tests/fuzz/artifacts/$t
	mkdir -p "$work" "$art" "$src/tests/fuzz/corpus/$t" "$src/tests/fuzz/regress/$t"
	log=$build/tests/fuzz/$t.log
	echo "== $t: ${per}s"
	# New inputs go to the work corpus (first directory), never into the source tree.
	"$build/tests/fuzz/$t" -max_total_time="$per" -max_len="$(max_len "$t")" \
		-timeout=25 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$art/" "$work" "$src/tests/fuzz/corpus/$t" \
		"$src/tests/fuzz/regress/$t" >"$log" 2>&1
	st=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
	if [ $st -ne 0 ]; then
		rc=1
		echo "!! $t failed (exit $st); last lines of $log:"
		tail -40 "$log"
		summary="$summary\n$t: FAILED after ${execs:-?} executions"
	else
		summary="$summary\n$t: ok, ${execs:-?} executions, ${cov:-cov: ?} (${per}s)"
	fi
done
printf "== summary$summary\n"
exit $rc
