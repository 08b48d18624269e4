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

# ---- lnsctl against a real lnsd with 5,000 static sessions (50 non-secure tunnels
# of 100 sessions, peers 192.0.2.2 .. 192.0.2.51): pagination, filters, top, log.
lns_topology_up
lns_write_config "$LNS_WORK/scale.yaml" "ppp:
  pools:
    - name: sub
      prefix: 10.64.0.0/18
  users:
    - name: carol
      password: very-secret-word
      pool: sub
l2tp:
  allow-nonsecure: true
static:
  tunnels:
    - local-id: 100
      peer-id: 500
      peer: $LNS_ACC_PEER
      count: 50
      sessions: 100
      pool: sub"
if lns_start "$LNS_WORK/scale.yaml"; then
	# count: keys of the stitched object; pages: how many requests it took
	jcount() { "$PY" -c 'import json, sys; print(len(json.load(sys.stdin)))'; }
	want=$(lns_stat lnsd.sessions)
	lns_check "stats: 5000 data-plane sessions ($want)" [ "$want" = 5000 ]
	lns_check "stats: 50 data-plane tunnels" [ "$(lns_stat lnsd.tunnels)" = 50 ]
	n=$(lns_ctl --json show sessions | jcount)
	lns_check "show sessions lists all $want sessions over pages (got $n)" [ "$n" = "$want" ]
	n=$(lns_ctl --json --page-size 7 show sessions | jcount)
	lns_check "with 7-entry pages too (got $n)" [ "$n" = "$want" ]
	lns_ctl --json --page-size 7 show sessions >"$LNS_WORK/s7.json"
	lns_ctl --json show sessions >"$LNS_WORK/sall.json"
	lns_check "page size does not change the listing" "$PY" -c '
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:])
sys.exit(not (list(a) == list(b) and len(set(a)) == len(a)))' "$LNS_WORK/s7.json" "$LNS_WORK/sall.json"
	n=$(lns_ctl show sessions | tail -n +2 | wc -l)
	lns_check "the table has one row per session ($n)" [ "$n" = "$want" ]
	# one raw page stays under DPDK's 16 KiB and says where the next starts
	lns_ctl --json raw /lns/sessions >"$LNS_WORK/page.json"
	lns_check "a raw page fits DPDK's 16 KiB and carries next" "$PY" -c '
import json, sys
p = json.load(open(sys.argv[1]))
wire = len(json.dumps({"/lns/sessions": p}, separators=(",", ":")))
sys.exit(not (wire < 16384 and "next" in p and 10 < len(p) <= 201))' "$LNS_WORK/page.json"
	n=$(lns_ctl --json show tunnels | jcount)
	lns_check "show tunnels lists 50 tunnels (got $n)" [ "$n" = 50 ]
	# next hops: the one peer that exists answers ARP and its tunnel resolves (the
	# learn reaches it through the next-hop index); the 49 absent peers stay
	# unresolved
	nh_of() {
		lns_ctl --json show tunnels tunnel "$1" |
			"$PY" -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]]["next_hop"])' "$1"
	}
	for _ in $(seq 50); do [ "$(nh_of 100)" = resolved ] && break; sleep 0.1; done
	lns_check "tunnel 100 (peer $LNS_ACC_PEER) resolves its next hop" [ "$(nh_of 100)" = resolved ]
	n=$(lns_ctl --json show tunnels | "$PY" -c '
import json, sys
print(sum(t["next_hop"] == "resolved" for t in json.load(sys.stdin).values()))')
	lns_check "... and only it: 1 resolved of 50 (got $n)" [ "$n" = 1 ]

	# filters, applied in lnsd: a filtered page is full, and the subsets are exact
	n=$(lns_ctl --json show sessions tunnel 117 | jcount)
	lns_check "sessions of tunnel 117: 100 (got $n)" [ "$n" = 100 ]
	lns_check "... all of tunnel 117" sh -c "$LNSCTL --file-prefix $LNS_PREFIX --json show sessions tunnel 117 | $PY -c 'import json,sys; sys.exit(any(v[\"tunnel\"] != 117 for v in json.load(sys.stdin).values()))'"
	n=$(lns_ctl --json show tunnels peer 192.0.2.7 | jcount)
	lns_check "tunnels of peer 192.0.2.7: 1 (got $n)" [ "$n" = 1 ]
	n=$(lns_ctl --json show tunnels peer 192.0.2.0/28 | jcount)
	lns_check "tunnels in 192.0.2.0/28: peers .2-.15, 14 (got $n)" [ "$n" = 14 ]
	n=$(lns_ctl --json show sessions peer 192.0.2.0/28 | jcount)
	lns_check "sessions behind 192.0.2.0/28: 1400 (got $n)" [ "$n" = 1400 ]
	n=$(lns_ctl --json --page-size 3 show sessions peer 192.0.2.32/27 tunnel 140 | jcount)
	lns_check "filters combine with each other and with paging: 100 (got $n)" [ "$n" = 100 ]
	n=$(lns_ctl --json show sessions user alice | jcount)
	lns_check "no static session has a user (got $n)" [ "$n" = 0 ]
	n=$(lns_ctl --json show sessions state static | jcount)
	lns_check "state static: all $want (got $n)" [ "$n" = "$want" ]
	n=$(lns_ctl --json show tunnels state established | jcount)
	lns_check "no established L2TP tunnel (got $n)" [ "$n" = 0 ]
	out=$(lns_ctl raw /lns/sessions,colour=red 2>&1); rc=$?
	lns_check "an unknown filter exits 2 (rc $rc)" [ "$rc" = 2 ]
	lns_check "... with lnsd's reason, which names it: $out" \
		grep -q "unknown parameter 'colour'" <<<"$out"
	# show config: the running configuration as --check --dump prints it, over pages
	# (lines longer than a telemetry string come in pieces), secrets masked
	"$LNSD" --check --dump -c "$LNS_WORK/scale.yaml" 2>/dev/null |
		grep -v ': configuration ok$' >"$LNS_WORK/dump.yaml"
	lns_ctl show config >"$LNS_WORK/config.yaml"; rc=$?
	lns_check "show config exits 0 (rc $rc)" [ "$rc" = 0 ]
	lns_check "show config is what lnsd --check --dump prints" \
		cmp -s "$LNS_WORK/dump.yaml" "$LNS_WORK/config.yaml"
	lns_check "... which has a line longer than one telemetry string" \
		awk 'length($0) > 127 { f = 1 } END { exit !f }' "$LNS_WORK/config.yaml"
	lns_check "show config names the user" grep -q 'name: "carol"' "$LNS_WORK/config.yaml"
	lns_check "show config masks the password" grep -q 'password: "\*\*\*"' "$LNS_WORK/config.yaml"
	lns_check "show config never shows the secret" \
		test "$(lns_ctl --json show config | grep -c very-secret-word)" = 0
	lns_ctl --page-size 3 show config >"$LNS_WORK/config3.yaml"
	lns_check "show config over 3-line pages is the same" \
		cmp -s "$LNS_WORK/config.yaml" "$LNS_WORK/config3.yaml"
	lns_check "a raw /lns/config page of 5 says where the next starts" "$PY" -c '
import json, sys
p = json.loads(sys.stdin.read())
sys.exit(not (p.get("next") == 6 and sorted(k for k in p if k != "next") == ["1", "2", "3", "4", "5"]
              and p["1"]["text"].startswith("# lnsd effective configuration")))' \
		< <(lns_ctl --json raw /lns/config,limit=5)
	out=$(lns_ctl raw /lns/config,user=x 2>&1); rc=$?
	lns_check "/lns/config refuses a filter it does not take (rc $rc: $out)" [ "$rc" = 2 ]

	out=$(lns_ctl raw /help,/lns/sessions)
	lns_check "/help of /lns/sessions documents its parameters" grep -q "from=H,limit=N" <<<"$out"

	# top: rates while traffic runs (pings from the core side to subscribers go
	# down the static tunnels; whatever lnsd does with them, the core port counts)
	ip netns exec "$LNS_NS_CORE" ping -q -i 0.02 -c 400 10.64.0.1 >/dev/null 2>&1 &
	LNS_BG_PIDS+=("$!")
	lns_ctl top --json --count 2 --interval 1 >"$LNS_WORK/top.json"; rc=$?
	lns_check "top --count 2 --json exits 0 (rc $rc)" [ "$rc" = 0 ]
	lns_check "top printed two JSON documents, one per line" \
		[ "$(grep -c '^{' "$LNS_WORK/top.json")" = 2 ]
	lns_check "top: non-zero core rx rate, 50 tunnels, at most 20 shown" "$PY" -c '
import json, sys
docs = [json.loads(l) for l in open(sys.argv[1])]
last = docs[-1]
sys.exit(not (len(docs) == 2 and last["ports"]["core"]["rx_pps"] > 0 and
              last["tunnels_total"] == 50 and len(last["tunnels"]) == 20 and
              all(a["total_bps"] >= b["total_bps"] for a, b in zip(last["tunnels"], last["tunnels"][1:]))))' "$LNS_WORK/top.json"
	lns_check "top: tunnel 100 (subscriber 10.64.0.1) is the busiest, downstream" "$PY" -c '
import json, sys
t = json.loads(open(sys.argv[1]).readlines()[-1])["tunnels"][0]
sys.exit(not (t["tunnel"] == 100 and t["down_pps"] > 0))' "$LNS_WORK/top.json"
	lns_ctl top --count 1 --interval 0.5 >"$LNS_WORK/top.txt"
	lns_check "top table has PORT and TUNNEL headings" \
		sh -c "grep -q '^PORT ' '$LNS_WORK/top.txt' && grep -q '^TUNNEL ' '$LNS_WORK/top.txt'"

	# log levels at run time (lnsd's /lns/log)
	out=$(lns_ctl --json show log 2>&1); rc=$?
	lns_check "show log lists l2tp (rc $rc)" grep -q '"l2tp"' <<<"$out"
	lns_ctl set log l2tp debug >/dev/null
	lns_check "set log l2tp debug takes effect" \
		sh -c "$LNSCTL --file-prefix $LNS_PREFIX --json show log | grep -q '\"l2tp\": \"debug\"'"
	lns_ctl set log all warning >/dev/null
	lns_check "set log all warning sets every module" \
		sh -c "$LNSCTL --file-prefix $LNS_PREFIX --json show log | $PY -c 'import json,sys; v=json.load(sys.stdin)[\"levels\"]; sys.exit(not v or any(l != \"warning\" for l in v.values()))'"
	out=$(lns_ctl set log nosuch debug 2>&1); rc=$?
	lns_check "set log of an unknown module fails with lnsd's reason (rc $rc: $out)" [ "$rc" = 2 ]

	# a wrong prefix: the socket path tried and the prefixes that exist
	out=$("$LNSCTL" --file-prefix "${LNS_PREFIX}x" show stats 2>&1); rc=$?
	lns_check "wrong --file-prefix exits 2 (rc $rc)" [ "$rc" = 2 ]
	lns_check "... names the socket tried: $out" grep -q "/${LNS_PREFIX}x/dpdk_telemetry.v2" <<<"$out"
	lns_check "... and lists lnsd's prefix" grep -q "'$LNS_PREFIX'" <<<"$out"
	lns_stop_expect 0
else
	lns_fail "lnsd starts with 5,000 static sessions"
fi

lns_finish
