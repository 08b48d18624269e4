# SPDX-License-Identifier: BSD-3-Clause
# Shared harness for lnsd integration tests. Source it from a test script:
#
#   . "$(dirname "$0")/lib.sh"
#   lns_init smoke            # work dir, unique names, cleanup trap
#   lns_topology_up           # namespaces + veths (access and core)
#   lns_write_config "$LNS_WORK/lnsd.yaml"
#   lns_start "$LNS_WORK/lnsd.yaml"
#   ...lns_check / lns_ctl / lns_stat...
#   lns_stop_expect 0
#   lns_finish                # prints "N passed, N failed", exits non-zero on failure
#
# Topology (names are unique per run, so tests may run side by side):
#   netns $LNS_NS_ACC : eth0 192.0.2.2/24     <-veth->  $LNS_IF_ACC  (root ns, DPDK af_packet)
#   netns $LNS_NS_CORE: eth0 198.51.100.2/24  <-veth->  $LNS_IF_CORE (root ns, DPDK af_packet)
#   lnsd: access 192.0.2.1/24, core 198.51.100.1/24
#
# Environment: LNSD_BUILD (build directory; default: ../../build relative to this file),
# LNS_KEEP=1 keeps the work directory for inspection, LNS_WORKERS=N runs lnsd with N
# worker lcores (default 1). With N > 1 every lcore floats over the machine's CPUs
# (EAL --lcores), so N can exceed the CPUs for correctness runs (slowly), and each
# af_packet vdev gets N + 1 queue pairs: one per worker and the control lcore's.
# The kernel's fanout hash spreads flows over all N + 1 queues.

set -u

LNS_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
LNSD_BUILD=${LNSD_BUILD:-$LNS_SRC/build}
LNSD=${LNSD:-$LNSD_BUILD/app/lnsd/lnsd}
LNSCTL=${LNSCTL:-$LNSD_BUILD/app/lnsctl/lnsctl}
PY=/usr/bin/python3

LNS_PASS=0
LNS_FAIL=0
LNS_PID=
LNS_STARTED_NS=()
LNS_STARTED_LINKS=()
LNS_BG_PIDS=()
LNS_NODE_PIDS=()
LNS_NODE_PREFIXES=()
LNS_NODE=

LNS_ACC_ADDR=192.0.2.1
LNS_ACC_PEER=192.0.2.2
LNS_CORE_ADDR=198.51.100.1
LNS_CORE_PEER=198.51.100.2

lns_log() { printf '[%s] %s\n' "$LNS_NAME" "$*"; }

lns_init() {
	LNS_NAME=$1
	if [ "$(id -u)" != 0 ]; then
		echo "$LNS_NAME: integration tests need root (network namespaces, af_packet)" >&2
		exit 1
	fi
	for t in ip ethtool ping "$PY"; do
		command -v "$t" >/dev/null || { echo "$LNS_NAME: missing $t: run drivers-config/install-deps.sh" >&2; exit 1; }
	done
	[ -x "$LNSD" ] || { echo "$LNS_NAME: no lnsd binary at $LNSD (build first)" >&2; exit 1; }
	# A short unique id: interface names are limited to 15 characters.
	# Names already set by the caller are kept (the demo uses fixed ones).
	LNS_ID=$(printf '%04x' $(( ($$ ^ RANDOM) & 0xffff )))
	LNS_NS_ACC=${LNS_NS_ACC:-lns$LNS_ID-acc}
	LNS_NS_CORE=${LNS_NS_CORE:-lns$LNS_ID-core}
	LNS_IF_ACC=${LNS_IF_ACC:-lns${LNS_ID}a}
	LNS_IF_CORE=${LNS_IF_CORE:-lns${LNS_ID}c}
	LNS_PREFIX=${LNS_PREFIX:-lnst$LNS_ID}
	LNS_WORK=$(mktemp -d "/tmp/lnsd-$LNS_NAME.XXXXXX")
	trap lns_cleanup EXIT
	trap 'exit 130' INT TERM
}

lns_cleanup() {
	local rc=$?
	if [ -n "$LNS_PID" ] && kill -0 "$LNS_PID" 2>/dev/null; then
		kill -TERM "$LNS_PID" 2>/dev/null
		for _ in $(seq 50); do kill -0 "$LNS_PID" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$LNS_PID" 2>/dev/null
	fi
	# the other nodes of a several-node test (lns_nodes_up), the current one is above
	for p in "${LNS_NODE_PIDS[@]}"; do
		[ -n "$p" ] && kill -KILL "$p" 2>/dev/null
	done
	for p in "${LNS_BG_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	# and what those started (slirp under xl2tpd, charon's helpers): anything
	# whose command line names this run's work directory
	pkill -f "$LNS_WORK/" 2>/dev/null && sleep 0.2
	pkill -KILL -f "$LNS_WORK/" 2>/dev/null  # slirp ignores SIGTERM
	for l in "${LNS_STARTED_LINKS[@]}"; do ip link del "$l" 2>/dev/null; done
	for n in "${LNS_STARTED_NS[@]}"; do ip netns del "$n" 2>/dev/null; done
	if [ "$rc" != 0 ] && [ -f "$LNS_WORK/lnsd.log" ]; then
		echo "---- lnsd log (last 40 lines) ----"
		tail -n 40 "$LNS_WORK/lnsd.log"
	fi
	if [ "${LNS_KEEP:-0}" = 1 ]; then echo "kept $LNS_WORK"; else rm -rf "$LNS_WORK"; fi
	rm -rf "/var/run/dpdk/$LNS_PREFIX"
	for p in "${LNS_NODE_PREFIXES[@]}"; do rm -rf "/var/run/dpdk/$p"; done
	exit "$rc"
}

# lns_netns NAME: create a namespace with loopback up and IPv6 off (no noise).
lns_netns() {
	ip netns add "$1"
	LNS_STARTED_NS+=("$1")
	ip -n "$1" link set lo up
	ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
}

# lns_veth ROOT_IF NS ADDR/LEN: a veth pair, ROOT_IF stays here for DPDK, eth0 goes to NS.
lns_veth() {
	local rif=$1 ns=$2 addr=$3
	ip link add "$rif" type veth peer name "${rif}p"
	LNS_STARTED_LINKS+=("$rif")
	sysctl -qw "net.ipv6.conf.$rif.disable_ipv6=1"
	ip link set "${rif}p" netns "$ns"
	ip -n "$ns" link set "${rif}p" name eth0
	ip -n "$ns" addr add "$addr" dev eth0
	ip -n "$ns" link set eth0 up
	ip link set "$rif" up
	# A packet socket on the other end sees unfinished checksums otherwise (PEERS.md).
	ip netns exec "$ns" ethtool -K eth0 tx off >/dev/null
}

lns_topology_up() {
	lns_netns "$LNS_NS_ACC"
	lns_netns "$LNS_NS_CORE"
	lns_veth "$LNS_IF_ACC" "$LNS_NS_ACC" "$LNS_ACC_PEER/24"
	lns_veth "$LNS_IF_CORE" "$LNS_NS_CORE" "$LNS_CORE_PEER/24"
	ip -n "$LNS_NS_ACC" route add default via "$LNS_ACC_ADDR"
	ip -n "$LNS_NS_CORE" route add 10.0.0.0/8 via "$LNS_CORE_ADDR"
}

# Several lnsd nodes in one test (test_nodes.sh). lns_nodes_up N: one client namespace
# ($LNS_NS_ACC, a bridge with 192.0.2.2/24) that reaches every node's access port, and
# per node I (1..N) its own access veth, core namespace and veth, and file prefix. Node I
# has access address 192.0.2.1I (lns_node_addr I). lns_node I makes node I the current
# one: lns_write_config, lns_start, lns_ctl, lns_stop_expect, lns_wait_event... then act
# on it, its log is $LNS_WORK/lnsd-I.log. Every node is killed at exit.
lns_node_addr() { echo "192.0.2.1$1"; }
lns_nodes_up() {
	local n=$1 i ns c
	lns_netns "$LNS_NS_ACC"
	ip -n "$LNS_NS_ACC" link add br0 type bridge
	ip -n "$LNS_NS_ACC" addr add "$LNS_ACC_PEER/24" dev br0
	ip -n "$LNS_NS_ACC" link set br0 up
	for i in $(seq "$n"); do
		c=lns${LNS_ID}a$i
		ip link add "$c" type veth peer name "${c}p"
		LNS_STARTED_LINKS+=("$c")
		# the bridge floods one node's ARP requests to the other nodes' veths: this
		# (root) namespace must not answer them (the host may own 192.0.2.2 itself)
		sysctl -qw "net.ipv6.conf.$c.disable_ipv6=1" "net.ipv4.conf.$c.arp_ignore=8"
		ip link set "${c}p" netns "$LNS_NS_ACC"
		ip -n "$LNS_NS_ACC" link set "${c}p" name "eth$i"
		ip -n "$LNS_NS_ACC" link set "eth$i" master br0
		ip -n "$LNS_NS_ACC" link set "eth$i" up
		ip link set "$c" up
		ip netns exec "$LNS_NS_ACC" ethtool -K "eth$i" tx off >/dev/null
		ns=lns$LNS_ID-core$i
		lns_netns "$ns"
		lns_veth "lns${LNS_ID}c$i" "$ns" "$LNS_CORE_PEER/24"
		ip -n "$ns" route add 10.0.0.0/8 via "$LNS_CORE_ADDR"
		LNS_NODE_PREFIXES[$i]=lnst${LNS_ID}n$i
	done
	ip netns exec "$LNS_NS_ACC" ethtool -K br0 tx off >/dev/null 2>&1
	ip -n "$LNS_NS_ACC" route add default via "$(lns_node_addr 1)"
}
lns_node() {
	[ -n "$LNS_NODE" ] && LNS_NODE_PIDS[$LNS_NODE]=$LNS_PID
	LNS_NODE=$1
	LNS_IF_ACC=lns${LNS_ID}a$1
	LNS_IF_CORE=lns${LNS_ID}c$1
	LNS_NS_CORE=lns$LNS_ID-core$1
	LNS_PREFIX=${LNS_NODE_PREFIXES[$1]}
	LNS_ACC_ADDR=$(lns_node_addr "$1")
	LNS_LOG=$LNS_WORK/lnsd-$1.log
	LNS_PID=${LNS_NODE_PIDS[$1]:-}
}

# lns_write_config FILE [EXTRA_YAML]: a minimal config for this topology. EXTRA_YAML
# (top-level sections) is appended verbatim; LNS_LIMITS_EXTRA (indented lines) goes
# under limits:.
LNS_WORKERS=${LNS_WORKERS:-1}

# lns_eal_lcores: the EAL lcore lines for LNS_WORKERS workers. One worker keeps the
# historical "-l 0-1" (control on CPU 0, the worker on CPU 1); more float over every
# CPU this machine has, as EAL maps several lcores onto one CPU set.
lns_eal_lcores() {
	if [ "$LNS_WORKERS" = 1 ]; then
		printf '  - -l\n  - 0-1\n'
	else
		printf '  - "--lcores=(0-%u)@(0-%u)"\n' "$LNS_WORKERS" $(($(nproc) - 1))
	fi
}

lns_write_config() {
	local f=$1 extra=${2:-} qp=$((LNS_WORKERS + 1))
	cat >"$f" <<EOF
eal:
  - --no-huge
  - -m
  - "512"
  - --no-pci
$(lns_eal_lcores)
  - --file-prefix=$LNS_PREFIX
  - --vdev=net_af_packet0,iface=$LNS_IF_ACC,qpairs=$qp,framesz=4352,blocksz=69632
  - --vdev=net_af_packet1,iface=$LNS_IF_CORE,qpairs=$qp,framesz=4352,blocksz=69632
ports:
  access:
    device: net_af_packet0
    profile: af_packet
    address: $LNS_ACC_ADDR/24
  core:
    device: net_af_packet1
    profile: af_packet
    address: $LNS_CORE_ADDR/24
    gateway: $LNS_CORE_PEER
limits:
  mbufs: 8192
${LNS_LIMITS_EXTRA:-}
$extra
EOF
}

# lns_start CONFIG: start lnsd in the background and wait until lnsctl answers.
lns_start() {
	local conf=$1
	"$LNSD" -c "$conf" >"${LNS_LOG:-$LNS_WORK/lnsd.log}" 2>&1 &
	LNS_PID=$!
	for _ in $(seq 150); do
		if ! kill -0 "$LNS_PID" 2>/dev/null; then
			wait "$LNS_PID"; local rc=$?
			LNS_PID=
			lns_log "lnsd exited during start-up (status $rc):"
			cat "${LNS_LOG:-$LNS_WORK/lnsd.log}"
			return 1
		fi
		if lns_ctl show stats --json >/dev/null 2>&1; then
			lns_log "lnsd up (pid $LNS_PID)"
			return 0
		fi
		sleep 0.2
	done
	lns_log "lnsd did not answer lnsctl within 30 s"
	cat "${LNS_LOG:-$LNS_WORK/lnsd.log}"
	return 1
}

# lns_stop_expect STATUS: SIGTERM lnsd and check its exit status. It gets 30 s: a
# sanitizer build on a loaded machine has been seen taking more than 10. One that is
# still running then fails the check, has its threads' stacks logged (gdb) and is
# killed, so the test's later starts do not find its lock on the file prefix.
lns_stop_expect() {
	local want=$1 rc t0
	t0=$(date +%s.%N)
	kill -TERM "$LNS_PID"
	for _ in $(seq 300); do kill -0 "$LNS_PID" 2>/dev/null || break; sleep 0.1; done
	if kill -0 "$LNS_PID" 2>/dev/null; then
		lns_fail "lnsd still running 30 s after SIGTERM"
		command -v gdb >/dev/null &&
			timeout 60 gdb -p "$LNS_PID" -batch -ex "thread apply all bt" 2>&1 | sed 's/^/[gdb] /'
		kill -KILL "$LNS_PID" 2>/dev/null
		wait "$LNS_PID" 2>/dev/null
		LNS_PID=
		return
	fi
	wait "$LNS_PID"; rc=$?
	LNS_PID=
	lns_check "lnsd exits $want on SIGTERM (got $rc, after $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s)" [ "$rc" = "$want" ]
}

# A generous timeout: sanitizer builds on a loaded machine answer slowly.
lns_ctl() { "$LNSCTL" --file-prefix "$LNS_PREFIX" --timeout 20 "$@"; }

# lns_stat PATH: one value from `lnsctl show stats --json`, PATH like drops.classify/ipv4_bad_cksum
# (a drop reason "stage.reason" is the JSON key "stage/reason")
lns_stat() {
	lns_ctl show stats --json | "$PY" -c '
import json, sys
v = json.load(sys.stdin)
for k in sys.argv[1].split("."):
    v = v[k]
print(v)' "$1"
}

# lns_drops_sum PREFIX: the sum of the drop reasons whose JSON key starts with PREFIX
# (e.g. esp/inner_ for every "esp.inner_*" reason)
lns_drops_sum() {
	lns_ctl show stats --json | "$PY" -c '
import json, sys
print(sum(v for k, v in json.load(sys.stdin)["drops"].items() if k.startswith(sys.argv[1])))' "$1"
}

# lns_lcore_stats KEY: "name=value" per data-path lcore of stats KEY
# (lcore_rx_packets, lcore_esp_in, lcore_esp_handoff), one per line
lns_lcore_stats() {
	lns_ctl show stats --json | "$PY" -c '
import json, sys
for k, v in json.load(sys.stdin).get(sys.argv[1], {}).items():
    print(f"{k}={v}")' "$1"
}

# lns_check_workers_busy: with more than one worker, every worker received packets
# (otherwise a run with N workers proves nothing about them); logs the spread.
lns_check_workers_busy() {
	[ "$LNS_WORKERS" -gt 1 ] || return 0
	local rx ok=1 w v
	rx=$(lns_lcore_stats lcore_rx_packets)
	for w in $(seq 0 $((LNS_WORKERS - 1))); do
		v=$(sed -n "s/^worker$w=//p" <<<"$rx")
		[ "${v:-0}" -gt 0 ] || ok=0
	done
	lns_log "per-lcore rx: $(tr '\n' ' ' <<<"$rx")esp_in: $(lns_lcore_stats lcore_esp_in | tr '\n' ' ')handoff: $(lns_lcore_stats lcore_esp_handoff | tr '\n' ' ')"
	lns_check "each of $LNS_WORKERS workers received packets" [ "$ok" = 1 ]
}

# lns_wait_stat PATH MIN [SECONDS]: wait until a counter reaches MIN.
lns_wait_stat() {
	local path=$1 min=$2 secs=${3:-5} v=0
	for _ in $(seq $((secs * 10))); do
		v=$(lns_stat "$path" 2>/dev/null || echo 0)
		[ "$v" -ge "$min" ] && return 0
		sleep 0.1
	done
	lns_log "$path = $v, wanted >= $min"
	return 1
}

lns_pass() { LNS_PASS=$((LNS_PASS + 1)); lns_log "PASS: $*"; }
lns_fail() { LNS_FAIL=$((LNS_FAIL + 1)); lns_log "FAIL: $*"; }

# lns_check DESCRIPTION COMMAND...: pass if the command succeeds.
lns_check() {
	local what=$1; shift
	if "$@"; then lns_pass "$what"; else lns_fail "$what"; fi
}

# lns_require DESCRIPTION COMMAND...: lns_check for a prerequisite: when it fails,
# the checks after it would only fail in its wake, so the test stops there.
lns_require() {
	local what=$1; shift
	if "$@"; then
		lns_pass "$what"
	else
		lns_fail "$what (a prerequisite: stopping)"
		lns_finish
		exit 1
	fi
}

# lns_scapy NS SCRIPT: run a python3 scapy snippet inside a namespace.
lns_scapy() {
	local ns=$1; shift
	ip netns exec "$ns" "$PY" -c "
import logging; logging.getLogger('scapy.runtime').setLevel(logging.ERROR)
from scapy.all import *
conf.verb = 0
$1"
}

lns_finish() {
	echo "$LNS_PASS passed, $LNS_FAIL failed"
	[ "$LNS_FAIL" = 0 ]
}

# lns_sanitized: true when lnsd is the AddressSanitizer build. Its quarantine holds
# freed memory by design, so resident-memory bounds mean nothing there (tests
# check them in the normal build; LeakSanitizer checks leaks at lnsd's exit).
lns_sanitized() {
	case $LNSD_BUILD in *asan*) return 0 ;; esac
	"$PY" -c '
import json, sys
o = json.load(open(sys.argv[1]))
sys.exit(not any(x["name"] == "b_sanitize" and x["value"] not in ("none", "", [])
                 for x in o))' "$LNSD_BUILD/meson-info/intro-buildoptions.json" 2>/dev/null
}

# ---- strongSwan's view

# lns_charon_got_deletes LOG MARK [IKE_NAME]: after line MARK of charon's LOG, charon
# received lnsd's Deletes for the ESP SAs and for the ISAKMP SA (IKE_NAME: the IKE_SA's
# name prefix in the log, when several exist). lnsd sends the ESP Delete first (its
# ike-delete-sent events show the order), but charon hands each Informational to its own
# thread of a pool, and the one with the ISAKMP Delete can run first: then the ESP
# Delete's thread finds no IKE SA and only the datagram's arrival is logged. Both orders
# pass, but the second needs two datagrams from lnsd to have arrived after MARK.
lns_charon_got_deletes() {
	local t ike esp
	t=$(tail -n +"$2" "$1")
	ike=$(grep -n "received DELETE for IKE_SA ${3:-}" <<<"$t" | head -1 | cut -d: -f1)
	esp=$(grep -n "received DELETE for ESP CHILD_SA" <<<"$t" | head -1 | cut -d: -f1)
	[ -n "$ike" ] || return 1
	[ -n "$esp" ] && [ "$esp" -lt "$ike" ] && return 0
	[ "$(grep -c 'received packet: from .* bytes)' <<<"$t")" -ge 2 ]
}

# ---- the event log (lnsctl show events --json)

# lns_has_event NAME [DETAIL_SUBSTRING] [AFTER_SEQ]: the log has such an event
# (every event kept after AFTER_SEQ, fetched in pages: not only the newest 64)
lns_has_event() {
	lns_ctl --json show events after "${3:-0}" | "$PY" -c '
import json, sys
name, sub, after = sys.argv[1], sys.argv[2], int(sys.argv[3])
ev = json.load(sys.stdin)
sys.exit(not any(e["event"] == name and sub in e.get("detail", "") and int(k) > after
                 for k, e in ev.items()))' "$1" "${2:-}" "${3:-0}"
}

# lns_count_events NAME [DETAIL_SUBSTRING] [AFTER_SEQ]: how many such events the
# log holds (to assert "exactly one per login", not just "at least one")
lns_count_events() {
	lns_ctl --json show events after "${3:-0}" | "$PY" -c '
import json, sys
name, sub, after = sys.argv[1], sys.argv[2], int(sys.argv[3])
ev = json.load(sys.stdin)
print(sum(1 for k, e in ev.items()
          if e["event"] == name and sub in e.get("detail", "") and int(k) > after))' \
		"$1" "${2:-}" "${3:-0}"
}

# lns_wait_event NAME [DETAIL] [AFTER_SEQ] [SECONDS]: wait for such an event
lns_wait_event() {
	for _ in $(seq $((${4:-10} * 10))); do
		lns_has_event "$1" "${2:-}" "${3:-0}" && return 0
		# lnsd gone (a sanitizer stopped it?): no use waiting
		[ -n "$LNS_PID" ] && ! kill -0 "$LNS_PID" 2>/dev/null && return 1
		sleep 0.1
	done
	return 1
}

# lns_last_seq: sequence number of the newest event (0 when none)
lns_last_seq() {
	lns_ctl --json show events | "$PY" -c 'import json, sys; print(max(map(int, json.load(sys.stdin)), default=0))'
}

# lns_event_t NAME AFTER_SEQ: time stamp (us) of the first such event after AFTER_SEQ
lns_event_t() {
	lns_ctl --json show events after "$2" | "$PY" -c '
import json, sys
ev = json.load(sys.stdin)
print(min(e["t_us"] for k, e in ev.items() if e["event"] == sys.argv[1] and int(k) > int(sys.argv[2])))' "$1" "$2"
}
