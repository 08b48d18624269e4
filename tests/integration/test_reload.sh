#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Live reload (issue 18): lnsctl reload and SIGHUP change lnsd without dropping a
# session. 100 static sessions carry steady paced UDP streams -- 50 non-secure
# (policygen.py, upstream) and 50 over 10 static ESP SAs in NAT-T (espgen.py, both
# ways: AES-GCM and AES-CBC/HMAC-SHA1, transport and tunnel mode, sealed and
# opened with OpenSSL after a byte-exact check against scapy's ESP) -- and alice
# is up through a real LAC (xl2tpd + slirp) while:
#   1. reload --dry-run lists the changes and applies none;
#   2. a reload adds carol, changes bob's password, adds and removes a pool, changes
#      the default idle timeout, a policy's rate, the log levels and turns metrics on:
#      live keys apply (carol connects, bob's old password fails and the new one
#      works, ppp logs at debug, /metrics answers, the policy's new rate is taken,
#      erin gets an address of the added pool) while alice keeps hers from the
#      removed one;
#   3. a file with an error is refused (FILE:LINE:COL: key: message), nothing changes;
#   4. a file that changes the core port's mtu and the keys of a static SA reloads
#      the rest (dave is added) and names both as needing a restart (the SA keeps
#      its keys: the ESP streams, sealed with the old ones, lose nothing);
#   5. SIGHUP reloads the running file; then LNS_RELOAD_LOOPS (default 40) reloads
#      alternate two files;
# and in the end: no session went down, not one packet of any stream was lost
# (every ESP packet lnsd sent has a good ICV, and each sequence number of an SA came
# once, none missing, none a 64-packet window late: lnsd seals downstream on the
# lcore whose queue the flow arrived on, so an SA's packets may pass each other by
# a few), the SA table is as it was (static SAs are restart-only: no reload touches them),
# alice kept her address from the pool the file removed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lac.sh"

lns_init reload
command -v xl2tpd >/dev/null ||
	{ echo "reload: missing xl2tpd: run drivers-config/install-deps.sh" >&2; exit 1; }
W=$LNS_WORK
LOOPS=${LNS_RELOAD_LOOPS:-40}
GEN=("$PY" "$LNS_SRC/tests/integration/policygen.py")
ESP=("$PY" "$LNS_SRC/tests/integration/espgen.py")
quiet() { "$@" >/dev/null 2>&1; }
no_event() { ! lns_has_event "$@"; }
STREAM_SECS=${LNS_RELOAD_STREAM_SECS:-40}

# conf FILE LOGLEVEL IDLE RATE POOLS USERS [EXTRA_CORE_PORT_KEY]
conf() {
	lns_write_config "$1" "
l2tp:
  allow-nonsecure: true
  hello-interval: 0
  idle-timeout: $3
ppp:
  auth: [pap]
  default-pool: dyn
  pools:
    - {name: stat, prefix: 10.220.0.0/24}
    - {name: dyn, prefix: 10.221.0.0/24}
$5
  users:
$6
log:
  level: notice
  modules:
    ppp: $2
policies:
  - {name: slow, up-rate: $4, down-rate: $4}
static:
  sas:
$ESP_SAS
  tunnels:
    - {local-id: 1000, peer-id: 1, peer: $LNS_ACC_PEER, sessions: 50, pool: stat}
$ESP_TUNNELS
    - {local-id: 2000, peer-id: 1, peer: $LNS_ACC_PEER, sessions: 1, pool: stat, policy: slow}"
}
# 10 ESP SAs of 5 sessions each, addresses 10.220.0.51-100 (static sessions are
# addressed in file order: tunnel 1000 has .1-.50); lnsd sends to CLIENT:4501
"${ESP[@]}" plan --sas 10 --sessions 5 --tid 3000 --spi 0x3000 --first-sub 10.220.0.51 \
	--peer-port 4501 --out "$W/esp.json"
ESP_SAS=$("${ESP[@]}" yaml "$W/esp.json" sas)
ESP_TUNNELS=$("${ESP[@]}" yaml "$W/esp.json" tunnels)
"${ESP[@]}" selftest "$W/esp.json" >"$W/esp.selftest" 2>&1
lns_check "espgen seals and opens ESP as scapy does ($(grep -c '^OK ' "$W/esp.selftest") SA directions)" \
	sh -c "! grep -qv '^OK ' '$W/esp.selftest'"

USERS_A="    - {name: alice, password: a1, pool: old}
    - {name: bob, password: b1}"
USERS_B="    - {name: alice, password: a1}
    - {name: bob, password: b2}
    - {name: carol, password: c1}
    - {name: erin, password: e1, pool: new}"
conf "$W/a.yaml" info 0 2000000 "    - {name: old, prefix: 10.222.0.0/24}" "$USERS_A"
conf "$W/b.yaml" debug 300 4000000 "    - {name: new, prefix: 10.223.0.0/24}" "$USERS_B"
MPORT=$((20000 + 0x$LNS_ID % 20000))
printf 'metrics:\n  listen: "127.0.0.1:%s"\n' "$MPORT" >>"$W/b.yaml"
metrics_up() {
	"$PY" -c 'import sys, urllib.request as u; u.urlopen("http://127.0.0.1:%s/metrics" % sys.argv[1], timeout=5).read()' "$MPORT" 2>/dev/null
}
no_metrics() { ! metrics_up; }
cp "$W/a.yaml" "$W/lnsd.yaml"
lns_topology_up
lns_check "lnsd --check accepts both files" \
	sh -c "'$LNSD' --check -c '$W/a.yaml' >/dev/null && '$LNSD' --check -c '$W/b.yaml' >/dev/null"
lns_require "lnsd starts" lns_start "$W/lnsd.yaml"
quiet ip netns exec "$LNS_NS_ACC" ping -c 1 -W 2 "$LNS_ACC_ADDR"

sessions() { lns_ctl --json show sessions | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)))'; }
user_addr() {
	lns_ctl --json show sessions user "$1" | "$PY" -c '
import json, sys
v = list(json.load(sys.stdin).values())
print(v[0].get("address", "") if len(v) == 1 else "")'
}
log_level() {
	lns_ctl --json show log | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["levels"][sys.argv[1]])' "$1"
}

# ---- alice (from pool "old") through xl2tpd + slirp
# the LACs use ports 1702.., 1701 is the stream's (static tunnels' peer port)
LNS_LAC_PORT=1702 lns_check "xl2tpd alice starts" lns_lac_start alice alice a1
lns_lac_call alice
lns_check "alice: PPP up" lns_wait_event ppp-up "user=alice" 0 30
a_addr=$(user_addr alice)
lns_check "alice has an address of pool old (got '$a_addr')" \
	sh -c "case '$a_addr' in 10.222.0.*) true;; *) false;; esac"
n0=$(sessions)
lns_check "102 sessions before the reloads: 101 static and alice (got $n0)" [ "$n0" = 102 ]

sa_table() {
	lns_ctl --json show sa | "$PY" -c '
import json, sys
for k, v in sorted(json.load(sys.stdin).items()):
    print(k, json.dumps({f: x for f, x in v.items()
                         if not any(c in f for c in ("packets", "bytes", "drops", "seq", "replay"))},
                        sort_keys=True))'
}

# ---- the steady streams, 8 packets/s of 200 bytes per session: upstream from all
# 100 static sessions (50 non-secure, 50 in ESP), downstream to the 50 in ESP
specs=() esp_subs=()
for s in $(seq 1 50); do
	specs+=("1000:$s:10.220.0.$s")
	esp_subs+=("10.220.0.$((50 + s))")
done
ip netns exec "$LNS_NS_CORE" "${GEN[@]}" rxcore $((STREAM_SECS + 30)) >"$W/stream.rx" &
rx_pid=$!
ip netns exec "$LNS_NS_ACC" "${ESP[@]}" rx "$W/esp.json" "$LNS_ACC_PEER" 4501 \
	$((STREAM_SECS + 30)) >"$W/down.rx" &
drx_pid=$!
LNS_BG_PIDS+=("$rx_pid" "$drx_pid")
sleep 0.5
ip netns exec "$LNS_NS_ACC" "${GEN[@]}" up "$LNS_ACC_PEER" "$LNS_ACC_ADDR" "$STREAM_SECS" \
	0.0128 200 "${specs[@]}" >"$W/stream.sent" &
tx_pid=$!
ip netns exec "$LNS_NS_ACC" "${ESP[@]}" up "$W/esp.json" "$LNS_ACC_PEER" "$LNS_ACC_ADDR" \
	"$STREAM_SECS" 0.0128 200 >"$W/esp.sent" &
etx_pid=$!
ip netns exec "$LNS_NS_CORE" "${GEN[@]}" down "$STREAM_SECS" 0.0128 200 "${esp_subs[@]}" \
	>"$W/down.sent" &
dtx_pid=$!
LNS_BG_PIDS+=("$tx_pid" "$etx_pid" "$dtx_pid")
sleep 2
# the SA table with the streams running (each SA has its owner lcore), counters left out
sa_table >"$W/sa.before"
lns_check "the SA table lists the 20 static SAs ($(wc -l <"$W/sa.before"))" \
	[ "$(wc -l <"$W/sa.before")" = 20 ]

# ---- 1. dry run
cp "$W/b.yaml" "$W/lnsd.yaml"
seq0=$(lns_last_seq)
lns_ctl reload --dry-run >"$W/dry.out" 2>&1
rc=$?
sed 's/^/    dry-run: /' "$W/dry.out"
lns_check "dry run exits 0" [ "$rc" = 0 ]
lns_check "dry run names carol, bob's password, the idle timeout" \
	sh -c "grep -qx 'ppp.users\[carol\]: added' '$W/dry.out' &&
	       grep -q '^ppp.users\[bob\].password: ' '$W/dry.out' &&
	       grep -qx 'l2tp.idle-timeout: 0 -> 300' '$W/dry.out'"
lns_check "dry run: pools and the policy's rate apply live" \
	sh -c "grep -qx 'ppp.pools\[old\]: removed' '$W/dry.out' &&
	       grep -qx 'ppp.pools\[new\]: added' '$W/dry.out' &&
	       grep -qx 'policies\[slow\].up-rate: 2000000 -> 4000000' '$W/dry.out'"
lns_check "dry run: ppp log level still info" [ "$(log_level ppp)" = info ]
lns_check "dry run: no reload event" no_event reload "" "$seq0"

# ---- 2. the reload
lns_ctl reload >"$W/reload.out" 2>&1
rc=$?
sed 's/^/    reload: /' "$W/reload.out"
lns_check "reload exits 0" [ "$rc" = 0 ]
lns_check "event reload with what was applied" lns_wait_event reload "applied=" "$seq0" 5
lns_check "log level of ppp is debug now" [ "$(log_level ppp)" = debug ]
lns_check "metrics listen on 127.0.0.1:$MPORT now" metrics_up
lns_check "show config has carol and the new idle timeout" \
	sh -c "'$LNSCTL' --file-prefix '$LNS_PREFIX' show config >'$W/config.b' &&
	       grep -q 'carol' '$W/config.b' && grep -q 'idle-timeout: 300' '$W/config.b'"
lns_check "show config has the file's pools (new, not old)" \
	sh -c "grep -q 'name: \"new\"' '$W/config.b' && ! grep -q 'name: \"old\"' '$W/config.b'"

LNS_LAC_PORT=1703 lns_lac_start carol carol c1
lns_lac_call carol
lns_check "carol (added by the reload) connects" lns_wait_event ppp-up "user=carol" "$seq0" 30
LNS_LAC_PORT=1704 lns_lac_start bobold bob b1
lns_lac_call bobold
lns_check "bob's old password is refused" lns_wait_event auth-failed "user=bob" "$seq0" 30
LNS_LAC_PORT=1705 lns_lac_start bobnew bob b2
lns_lac_call bobnew
lns_check "bob's new password works" lns_wait_event ppp-up "user=bob" "$seq0" 30
lns_lac_stop bobold
LNS_LAC_PORT=1706 lns_lac_start erin erin e1
lns_lac_call erin
lns_check "erin connects with the pool the reload added" lns_wait_event ppp-up "user=erin" "$seq0" 30
e_addr=$(user_addr erin)
lns_check "erin has an address of pool new (got '$e_addr')" \
	sh -c "case '$e_addr' in 10.223.0.*) true;; *) false;; esac"
pools_json=$(lns_ctl --json show stats | "$PY" -c 'import json,sys; print(json.dumps(json.load(sys.stdin).get("pools_in_use")))')
lns_check "show stats counts the file's pools: new has erin, old is gone ($pools_json)" \
	"$PY" -c 'import json,sys; p = json.loads(sys.argv[1]); sys.exit(not (p.get("new") == 1 and "old" not in p and p.get("stat") == 101))' "$pools_json"
lns_check "/metrics: pool new has 1 address in use" \
	sh -c "'$PY' -c 'import sys, urllib.request as u; print(u.urlopen(\"http://127.0.0.1:%s/metrics\" % sys.argv[1], timeout=5).read().decode())' '$MPORT' |
	       grep -qx 'lnsd_pool_addresses{pool=\"new\",state=\"in_use\"} 1'"

# ---- 3. an invalid file
printf 'ppp:\n  users:\n    - {name: x, passwrd: y}\n' >"$W/bad.yaml"
lns_ctl show config >"$W/config.before"
seq1=$(lns_last_seq)
lns_ctl reload -c "$W/bad.yaml" >"$W/bad.out" 2>&1
rc=$?
sed 's/^/    bad: /' "$W/bad.out"
lns_check "invalid file: reload exits 2 (got $rc)" [ "$rc" = 2 ]
lns_check "invalid file: FILE:LINE:COL: key: message" \
	grep -qF "$W/bad.yaml:3:17: ppp.users[0].passwrd: unknown key" "$W/bad.out"
lns_ctl show config >"$W/config.after"
lns_check "invalid file: the configuration is unchanged" cmp -s "$W/config.before" "$W/config.after"
lns_check "invalid file: event reload refused" lns_wait_event reload "refused" "$seq1" 5

# RADIUS where lnsd started without it: its client is made at start only
{ cat "$W/b.yaml"; printf 'radius:\n  authenticate: true\n  servers:\n    - {address: 127.0.0.1, secret: s}\n'; } >"$W/rad.yaml"
lns_ctl reload --dry-run -c "$W/rad.yaml" >"$W/rad.out" 2>&1
sed 's/^/    radius: /' "$W/rad.out"
lns_check "radius added to a running lnsd without it: named as needing a restart" \
	sh -c "grep -q 'started without .*(needs a restart)' '$W/rad.out' &&
	       grep -qx 'radius.servers\[0\]: added (needs a restart)' '$W/rad.out'"

# ---- 4. a port change and a user: the user applies, the port needs a restart
k0=$("$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))[0]["key_in"])' "$W/esp.json")
sed -e 's/^    gateway: \(.*\)$/    gateway: \1\n    mtu: 1400/' \
    -e 's/^    - {name: carol, password: c1}$/&\n    - {name: dave, password: d1}/' \
    -e "s/^      key-in: $k0\$/      key-in: $(printf '%040d' 7)/" \
    "$W/b.yaml" >"$W/c.yaml"
lns_ctl reload -c "$W/c.yaml" >"$W/ports.out" 2>&1
rc=$?
sed 's/^/    ports: /' "$W/ports.out"
lns_check "port change: reload exits 0" [ "$rc" = 0 ]
lns_check "port change: ports.core.mtu needs a restart, dave is added" \
	sh -c "grep -qx 'ports.core.mtu: 1500 -> 1400 (needs a restart)' '$W/ports.out' &&
	       grep -qx 'ppp.users\[dave\]: added' '$W/ports.out'"
lns_check "static SA key change: named as needing a restart" \
	grep -qxF 'static.sas[esp0].key-in: "***" -> "***" (needs a restart)' "$W/ports.out"
lns_ctl show config >"$W/config.c"
lns_check "port change: dave is in, the mtu runs as it was" \
	sh -c "grep -q dave '$W/config.c' && ! grep -q 'mtu: 1400' '$W/config.c'"

# ---- 5. SIGHUP, then a loop of reloads
cp "$W/a.yaml" "$W/lnsd.yaml"
seq2=$(lns_last_seq)
kill -HUP "$LNS_PID"
lns_check "SIGHUP: event reload" lns_wait_event reload "applied=" "$seq2" 10
lns_check "SIGHUP: ppp back at info" [ "$(log_level ppp)" = info ]
lns_check "SIGHUP: metrics off again" no_metrics
# Each reload builds a whole configuration (~300 kB) and frees the one it replaced:
# resident memory must stay flat after a warm-up (checked in the normal build; under
# ASan its quarantine keeps freed memory, and LeakSanitizer checks at lnsd's exit).
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$LNS_PID/status"; }
fails=0
for i in $(seq "$LOOPS"); do
	f=$W/a.yaml; [ $((i % 2)) = 0 ] && f=$W/b.yaml
	quiet lns_ctl reload -c "$f" || fails=$((fails + 1))
	[ "$i" = 10 ] && rss0=$(rss)
done
rss1=$(rss)
lns_check "$LOOPS reloads in a row all succeed ($fails failed)" [ "$fails" = 0 ]
lns_log "RSS after 10 reloads ${rss0:-?} kB, after $LOOPS ${rss1} kB"
if ! lns_sanitized && [ "$LOOPS" -ge 30 ]; then
	lns_check "RSS flat over $((LOOPS - 10)) reloads (+$((rss1 - rss0)) kB, bound 2048)" \
		[ $((rss1 - rss0)) -lt 2048 ]
fi
lns_check "lnsd still runs" kill -0 "$LNS_PID"

# ---- the end: nothing dropped, nothing lost
wait "$tx_pid" "$etx_pid" "$dtx_pid"
wait "$rx_pid" "$drx_pid"
sent=$(awk '$1 == "sent" { print $3 }' "$W/stream.sent")
esent=$(awk '$1 == "sent" { print $3 }' "$W/esp.sent")
dsent=$(awk '$1 == "sent" { print $3 }' "$W/down.sent")
got=$(awk '$1 == "rx" { n += $3 } END { print n + 0 }' "$W/stream.rx")
lns_log "upstream: $sent packets sent per non-secure session, $esent per ESP session; $got received"
# per session: SUBADDR, what its sender sent, what arrived
per_session() { # RXFILE SENT FIRST LAST
	awk -v sent="$2" -v a="$3" -v b="$4" '
		$1 == "rx" { split($2, o, "."); if (o[4] >= a && o[4] <= b) { got[o[4]] = $3 } }
		END { bad = 0
		      for (i = a; i <= b; i++) if (got[i] + 0 != sent) { bad++; if (bad <= 5) printf "10.220.0.%d: %d of %d; ", i, got[i], sent }
		      print bad ? "" : "ok" }' "$1"
}
r=$(per_session "$W/stream.rx" "${sent:--1}" 1 50)
lns_check "upstream, non-secure: every one of 50 sessions delivered all $sent ($r)" [ "$r" = ok ]
r=$(per_session "$W/stream.rx" "${esent:--1}" 51 100)
lns_check "upstream, ESP: every one of 50 sessions delivered all $esent ($r)" [ "$r" = ok ]
r=$(per_session "$W/down.rx" "${dsent:--1}" 51 100)
lns_check "downstream, ESP: every one of 50 sessions got all $dsent, opened and checked ($r)" [ "$r" = ok ]
lns_check "downstream, ESP: no bad packet (ICV, sequence, ids: $(grep '^bad' "$W/down.rx" | tr '\n' ' '))" \
	sh -c "! grep -q '^bad' '$W/down.rx'"
grep '^# reordered' "$W/down.rx" | sed "s/^# /[$LNS_NAME] downstream ESP sequence numbers: /"
lns_log "per-lcore rx: $(lns_lcore_stats lcore_rx_packets | tr "\n" " ")"
sa_table >"$W/sa.after"
lns_check "the SA table is as it was before the reloads" cmp -s "$W/sa.before" "$W/sa.after"
lns_log "drops: $(lns_ctl show stats --json | "$PY" -c '
import json, sys
d = json.load(sys.stdin)["drops"]
print(" ".join("%s=%s" % kv for kv in d.items() if kv[1]) or "none")')"
n1=$(sessions)
lns_check "no session dropped: 102 + carol + bob + erin = 105 (got $n1)" [ "$n1" = 105 ]
lns_check "alice kept her address of the removed pool ($(user_addr alice))" \
	[ "$(user_addr alice)" = "$a_addr" ]
lns_check "erin kept hers through the reloads that removed pool new ($(user_addr erin))" \
	[ "$(user_addr erin)" = "$e_addr" ]
lns_stop_expect 0
lns_finish
