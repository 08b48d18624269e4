#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The test command (README, .ci/run): installs the Debian packages it needs, builds
# lnsd twice -- warnings as errors, and with AddressSanitizer + UBSan -- and runs every
# unit and integration test in both builds; then builds the libFuzzer targets (clang),
# replays their seeds and regression inputs, and fuzzes each wire parser for a
# bounded time. Runs as root (namespaces, DPDK): started by another user, it re-runs
# itself through sudo.
#
#   tests/check.sh [--no-install] [--no-asan] [--no-fuzz]
set -euo pipefail
# Namespaces, veths and DPDK need root: a user with sudo gets it asked for here, so the
# command works as written whether or not the caller is root.
if [ "$(id -u)" != 0 ]; then
	command -v sudo >/dev/null && exec sudo -- "$0" "$@"
	echo "${0##*/}: run this as root (sudo is not installed)" >&2
	exit 1
fi
SRC=$(cd "$(dirname "$0")/.." && pwd)
install=1 asan=1 fuzz=1
for a in "$@"; do
	case $a in
	--no-install) install=0 ;;
	--no-asan) asan=0 ;;
	--no-fuzz) fuzz=0 ;;
	*) echo "usage: $0 [--no-install] [--no-asan] [--no-fuzz]" >&2; exit 1 ;;
	esac
done

[ "$install" = 1 ] && "$SRC/drivers-config/install-deps.sh"

build() {
	local dir=$1; shift
	if [ -f "$dir/build.ninja" ]; then
		meson setup --reconfigure "$dir" "$SRC" "$@" >/dev/null
	else
		meson setup "$dir" "$SRC" "$@" >/dev/null
	fi
	ninja -C "$dir"
}

echo "== build (warnings are errors)"
build "$SRC/build" -Dwerror=true
echo "== tests"
meson test -C "$SRC/build" --print-errorlogs --num-processes 1

if [ "$asan" = 1 ]; then
	echo "== build with AddressSanitizer + UndefinedBehaviorSanitizer"
	build "$SRC/build-asan" -Dwerror=true -Db_sanitize=address,undefined -Db_lundef=false
	echo "== tests under the sanitizers"
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:halt_on_error=1 \
	LSAN_OPTIONS=suppressions=$SRC/tests/lsan.supp:print_suppressions=0 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		meson test -C "$SRC/build-asan" --print-errorlogs --num-processes 1
fi
if [ "$fuzz" = 1 ]; then
	echo "== fuzzing: every wire parser, 60 s in all (tests/fuzz/run.sh 3600 for a long run)"
	FUZZ_BUILD=$SRC/build-fuzz "$SRC/tests/fuzz/run.sh" 60
	echo "== fuzz seeds and regression inputs"
	meson test -C "$SRC/build-fuzz" --no-rebuild --suite fuzz --print-errorlogs
fi
echo "== all tests passed"
