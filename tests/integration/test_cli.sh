#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# lnsd's command line: --check, --help, exit codes, and runtime failures that tell
# the operator what to fix.
. "$(dirname "$0")/lib.sh"
lns_init cli

out=$("$LNSD" --help); rc=$?
lns_check "--help exits 0" [ "$rc" = 0 ]
lns_check "--help documents --check" grep -q -- "--check" <<<"$out"
lns_check "--version prints the version" sh -c "'$LNSD' --version | grep -q '^lnsd [0-9]'"

for f in lnsd demo bench; do
	out=$("$LNSD" --check -c "$LNS_SRC/config/$f.yaml" 2>&1); rc=$?
	lns_check "config/$f.yaml validates ($out)" [ "$rc" = 0 ]
done

# A misspelled key: exit 1, and the message names the key path and its line.
lns_write_config "$LNS_WORK/typo.yaml"
line=$(grep -n '^    gateway:' "$LNS_WORK/typo.yaml" | cut -d: -f1)
sed -i 's/^    gateway:/    gatewya:/' "$LNS_WORK/typo.yaml"
out=$("$LNSD" --check -c "$LNS_WORK/typo.yaml" 2>&1); rc=$?
lns_check "misspelled key exits 1 (got $rc)" [ "$rc" = 1 ]
lns_check "message names file, line $line and key path: $out" \
	grep -q "typo.yaml:$line:[0-9]*: ports.core.gatewya" <<<"$out"

out=$("$LNSD" --check -c "$LNS_WORK/missing.yaml" 2>&1); rc=$?
lns_check "unreadable config exits 1" [ "$rc" = 1 ]
lns_check "unreadable config is named: $out" grep -q "missing.yaml" <<<"$out"

"$LNSD" >/dev/null 2>&1; rc=$?
lns_check "no -c exits 1" [ "$rc" = 1 ]

# --dump masks secrets.
lns_write_config "$LNS_WORK/secret.yaml" "ppp:
  pools:
    - name: p
      prefix: 10.100.0.0/24
  default-pool: p
  users:
    - name: alice
      password: very-secret-word"
out=$("$LNSD" --check --dump -c "$LNS_WORK/secret.yaml" 2>&1); rc=$?
lns_check "--check --dump exits 0 ($out)" [ "$rc" = 0 ]
lns_check "--dump shows the user" grep -q alice <<<"$out"
lns_check "--dump never prints a secret" test "$(grep -c very-secret-word <<<"$out")" = 0

# Runtime failures exit 2 with a message that says what to fix.
lns_write_config "$LNS_WORK/nodev.yaml"
sed -i -e '/--vdev=net_af_packet1/d' \
	-e 's/--vdev=net_af_packet0,.*/--vdev=net_null0/' \
	-e 's/device: net_af_packet0/device: net_null0/' \
	-e 's/profile: af_packet/profile: "null"/' "$LNS_WORK/nodev.yaml"
out=$(timeout 60 "$LNSD" -c "$LNS_WORK/nodev.yaml" 2>&1); rc=$?
lns_check "missing port exits 2 (got $rc)" [ "$rc" = 2 ]
lns_check "missing port is named with a hint: $out" \
	grep -q "ports.core.device 'net_af_packet1' not found" <<<"$out"

lns_write_config "$LNS_WORK/onecore.yaml"
sed -i -e 's/^  - 0-1$/  - "0"/' \
	-e 's/--vdev=net_af_packet\([01]\),.*/--vdev=net_null\1/' \
	-e 's/device: net_af_packet\([01]\)/device: net_null\1/' \
	-e 's/profile: af_packet/profile: "null"/' "$LNS_WORK/onecore.yaml"
out=$(timeout 60 "$LNSD" -c "$LNS_WORK/onecore.yaml" 2>&1); rc=$?
lns_check "one lcore exits 2 (got $rc)" [ "$rc" = 2 ]
lns_check "one lcore says a worker is needed: $out" grep -q "no worker lcore" <<<"$out"

lns_finish
