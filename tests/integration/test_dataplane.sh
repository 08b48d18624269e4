#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Data path with statically provisioned SAs, tunnels and sessions, for each of
# several ESP algorithms (LNS_DP_ALGS, default: aes128gcm16 aes128-sha1 aes256-sha256;
# meson test dataplane_3des runs 3des-sha1):
#   - upstream: scapy (dpclient.py) sends ESP (transport NAT-T, transport plain,
#     tunnel NAT-T) -> UDP 1701 -> L2TP -> PPP -> IPv4/UDP; a UDP socket in the core
#     namespace must get each payload byte-exact from the subscriber's address,
#     also without PPP address/control and with L2TP length and Ns/Nr;
#   - downstream: UDP from the core namespace to each subscriber comes out as ESP on
#     the SA's outbound SPI; scapy decrypts it and checks L2TP peer ids, PPP ff03 0021,
#     IPv4 and payload; tshark decrypts it too and reports esp.icv_good;
#   - hostile input (replay, bad ICV, unknown SPI, spoofed source, another SA's
#     session, unknown session, NAT-T keepalive, an SA dropped by lnsctl): each is
#     counted under its own drop reason and nothing reaches the core.
. "$(dirname "$0")/lib.sh"

DPC=("$PY" "$LNS_SRC/tests/integration/dpclient.py")
ALGS=${LNS_DP_ALGS:-aes128gcm16 aes128-sha1 aes256-sha256}
ALG=-

lns_init dataplane
command -v tshark >/dev/null || { echo "dataplane: missing tshark: run drivers-config/install-deps.sh" >&2; exit 1; }

in_acc() { ip netns exec "$LNS_NS_ACC" "$@"; }
in_core() { ip netns exec "$LNS_NS_CORE" "$@"; }
dpc() { "${DPC[@]}" "$@"; }
quiet() { "$@" >/dev/null 2>&1; }

# dp_run COMMAND...: run a dpclient check; each "OK what" / "FAIL what: why" line it
# prints becomes a check, "#" lines are logged. A crash without FAIL lines fails too.
dp_run() {
	local out rc st rest nfail=0
	out=$("$@" 2>&1); rc=$?
	while IFS=' ' read -r st rest; do
		case $st in
		OK) lns_pass "$ALG: $rest" ;;
		FAIL) lns_fail "$ALG: $rest"; nfail=$((nfail + 1)) ;;
		'') ;;
		*) lns_log "  $st $rest" ;;
		esac
	done <<<"$out"
	if [ "$rc" != 0 ] && [ "$nfail" = 0 ]; then
		lns_fail "$ALG: dpclient $2 exited $rc"
	fi
}

# dp_snap FILE: all counters now
dp_snap() { lns_ctl show stats --json >"$1" 2>/dev/null || echo '{}' >"$1"; }

# dp_base FILE REASON: drops.REASON in a snapshot (0 when absent)
dp_base() {
	"$PY" -c 'import json, sys; print(json.load(open(sys.argv[1])).get("drops", {}).get(sys.argv[2], 0))' "$1" "$2" 2>/dev/null || echo 0
}

# dp_drop SNAP REASON WHAT: drops.REASON is exactly one more than in SNAP
dp_drop() {
	local base v
	base=$(dp_base "$1" "$2")
	quiet lns_wait_stat "drops.$2" $((base + 1)) 2
	v=$(lns_stat "drops.$2" 2>/dev/null) || v=absent
	lns_check "$ALG: $3 -> drops.$2 +1 (was $base, now $v)" [ "$v" = $((base + 1)) ]
}

# dp_wait_file FILE: until a background helper says it is ready (3 s)
dp_wait_file() {
	for _ in $(seq 30); do [ -e "$1" ] && return 0; sleep 0.1; done
	return 1
}

lns_topology_up
# The packet builder and checker against themselves and tshark, without lnsd: a
# failure here is the harness's, not lnsd's.
ALG=harness
dp_run dpc selftest --alg aes128gcm16

for ALG in $ALGS; do
	W=$LNS_WORK/$ALG
	mkdir -p "$W"
	lns_write_config "$W/lnsd.yaml" "$(dpc config --alg "$ALG")"
	lns_check "$ALG: lnsd --check accepts the static config" quiet "$LNSD" --check -c "$W/lnsd.yaml"
	if ! lns_start "$W/lnsd.yaml"; then
		lns_fail "$ALG: lnsd starts with the static config"
		continue
	fi
	mac=
	if quiet in_acc ping -c 1 -W 2 "$LNS_ACC_ADDR"; then
		mac=$(ip -n "$LNS_NS_ACC" neigh show "$LNS_ACC_ADDR" | grep -o 'lladdr [0-9a-f:]*' | cut -d' ' -f2)
	fi
	lns_check "$ALG: lnsd's access MAC resolved by ARP ($mac)" [ -n "$mac" ]
	[ -n "$mac" ] || mac=$(cat "/sys/class/net/$LNS_IF_ACC/address")
	send() { in_acc "${DPC[@]}" send --alg "$ALG" --mac "$mac" "$@"; }

	# The core listener and the access capture run for the whole round. Not through
	# in_core/in_acc: $! must be the helper itself (ip netns exec execs it).
	ip netns exec "$LNS_NS_CORE" "${DPC[@]}" listen --log "$W/rx.log" --timeout 120 &
	lpid=$!
	LNS_BG_PIDS+=("$lpid")
	ip netns exec "$LNS_NS_ACC" "${DPC[@]}" capture --sink --out "$W/acc.pcap" --ready "$W/cap.ready" --timeout 120 &
	cpid=$!
	LNS_BG_PIDS+=("$cpid")
	if ! dp_wait_file "$W/rx.log" || ! dp_wait_file "$W/cap.ready"; then
		lns_fail "$ALG: core listener or access capture did not start"
	fi

	# ---- upstream: client -> core
	dp_snap "$W/s0.json"
	send sa=nat,seq=1,tag=up-nat sa=plain,seq=1,tag=up-plain sa=tun,seq=1,tag=up-tun \
		sa=nat,seq=2,nohdlc,tag=up-nat-no-ff03 sa=nat,seq=3,l2len,l2seq=5:2,tag=up-nat-len-ns-nr \
		sa=plain,seq=2,l2len,l2seq=1:0,nohdlc,tag=up-plain-len-ns-nr-no-ff03 \
		sa=tun,seq=2,nohdlc,tag=up-tun-no-ff03 sa=nat,seq=4,tag=up-nat-big#1300 >/dev/null
	dp_run dpc rx --log "$W/rx.log" up-nat@10.200.0.1 up-plain@10.200.0.2 up-tun@10.200.0.3 \
		up-nat-no-ff03@10.200.0.1 up-nat-len-ns-nr@10.200.0.1 \
		up-plain-len-ns-nr-no-ff03@10.200.0.2 up-tun-no-ff03@10.200.0.3 up-nat-big#1300@10.200.0.1
	dp_snap "$W/s1.json"
	dp_run dpc statdiff --what "valid upstream" "$W/s0.json" "$W/s1.json"

	# ---- downstream: core -> client
	in_core "${DPC[@]}" udpsend 10.200.0.1:7777=down-nat 10.200.0.2:7777=down-plain \
		10.200.0.3:7777=down-tun 10.200.0.1:7777=down-nat-big#1300
	dp_run dpc down --seq --alg "$ALG" --pcap "$W/acc.pcap" nat=down-nat plain=down-plain \
		tun=down-tun nat=down-nat-big#1300
	dp_run dpc tshark --alg "$ALG" --pcap "$W/acc.pcap" nat plain tun
	dp_snap "$W/s2.json"
	dp_run dpc statdiff --what "downstream" "$W/s1.json" "$W/s2.json"

	# ---- too big for the access MTU with DF: ICMP fragmentation-needed back to the
	# sender, whose next-hop MTU is exactly the largest packet that then passes.
	mtu=$(lns_scapy "$LNS_NS_CORE" '
p = IP(dst="10.200.0.1", flags="DF") / UDP(sport=5555, dport=7777) / Raw(b"x" * 1460)
r = sr1(p, timeout=3, filter="icmp")
ok = (r is not None and r.src == "'"$LNS_CORE_ADDR"'" and r[ICMP].type == 3 and
      r[ICMP].code == 4 and IPerror in r and r[IPerror].dst == "10.200.0.1" and
      r[UDPerror].dport == 7777)
print(r[ICMP].nexthopmtu if ok else 0)')
	lns_check "$ALG: DF packet too big -> ICMP frag-needed, next-hop MTU $mtu" \
		[ "${mtu:-0}" -gt 1300 -a "${mtu:-0}" -lt 1460 ]
	tb=$(lns_stat drops.down/too_big)
	fw=$(lns_stat counters.down_fwd)
	lns_scapy "$LNS_NS_CORE" '
send(IP(dst="10.200.0.1", flags="DF") / UDP(sport=5555, dport=7777) / Raw(b"y" * ('"${mtu:-0}"' - 28)))'
	quiet lns_wait_stat counters.down_fwd $((fw + 1)) 2
	lns_check "$ALG: a DF packet of exactly the next-hop MTU passes" \
		[ "$(lns_stat counters.down_fwd)" = $((fw + 1)) -a "$(lns_stat drops.down/too_big)" = "$tb" ]
	lns_check "$ALG: one ICMP frag-needed counted" [ "$(lns_stat counters.icmp_frag_needed_out)" = 1 ]
	dp_snap "$W/s2.json"

	# ---- lnsctl trace over the hostile batch below: the SPI 0x1001 packets only
	lns_check "$ALG: lnsctl trace start" quiet lns_ctl trace start 20 spi 0x1001
	# ---- hostile: each dropped under its own reason, nothing forwarded. The last
	# packet is a valid marker on the same flow: once it is through, so are the rest.
	send sa=nat,seq=10,tag=h-replayed,times=2 sa=nat,seq=11,flip,tag=h-bad-icv \
		sa=nat,spi=0x7777,seq=1,tag=h-unknown-spi sa=nat,seq=12,src=10.200.0.99,tag=h-spoofed \
		sa=nat,seq=13,tid=12,sid=1,src=10.200.0.2,tag=h-other-sa-session \
		sa=nat,seq=14,tid=11,sid=9,tag=h-no-session keepalive sa=nat,seq=15,tag=h-marker >/dev/null
	dp_run dpc rx --log "$W/rx.log" h-marker@10.200.0.1 h-replayed@10.200.0.1 h-bad-icv=0 \
		h-unknown-spi=0 h-spoofed=0 h-other-sa-session=0 h-no-session=0
	dp_drop "$W/s2.json" esp/replay "same ESP packet twice"
	dp_drop "$W/s2.json" esp/icv "one ICV bit flipped"
	dp_drop "$W/s2.json" esp/unknown_spi "SPI 0x7777"
	dp_drop "$W/s2.json" up/spoofed "inner source 10.200.0.99 on 10.200.0.1's session"
	dp_drop "$W/s2.json" l2tp/wrong_sa "tunnel 12 session 1 on SA nat"
	dp_drop "$W/s2.json" l2tp/no_session "tunnel 11 session 9"
	dp_drop "$W/s2.json" classify/natt_keepalive "1-byte NAT-T keepalive"
	tr=$(lns_ctl trace show 2>&1)
	lns_log "trace show:"; while read -r l; do lns_log "  $l"; done <<<"$tr"
	lns_check "$ALG: trace: the flipped ICV shows esp-in -> esp.icv with its SA" \
		grep -Eq "esp-in drop esp\.icv sa [0-9]+ spi 0x1001" <<<"$tr"
	lns_check "$ALG: trace: the replayed copy shows esp-in -> esp.replay" \
		grep -Eq "esp-in drop esp\.replay sa [0-9]+ spi 0x1001" <<<"$tr"
	lns_check "$ALG: trace: the marker goes l2tp-in, ipv4-up and out" \
		grep -Eq "ipv4-up pass .*tunnel 11" <<<"$tr"
	lns_check "$ALG: trace: the unknown SPI was not picked (filter)" \
		bash -c '! grep -q unknown_spi <<<"$1"' _ "$tr"
	lns_check "$ALG: lnsctl trace stop" quiet lns_ctl trace stop
	dp_snap "$W/s3.json"
	dp_run dpc statdiff --what "hostile upstream" "$W/s2.json" "$W/s3.json" --allow esp/replay \
		esp/icv esp/unknown_spi up/spoofed l2tp/wrong_sa l2tp/no_session classify/natt_keepalive

	# ---- N workers: one SA's packets from many NAT-T source ports (a client whose
	# NAT rebinds), whole and fragmented: the kernel's fanout hash spreads them over
	# every queue, yet one worker alone decrypts them (the others hand them over),
	# and none is a false replay.
	if [ "$LNS_WORKERS" -gt 1 ]; then
		dp_snap "$W/w0.json"
		specs=() want=()
		for i in $(seq 0 47); do
			specs+=("sa=nat,seq=$((100 + i)),sport=$((20000 + i * 7)),tag=w-$i")
			want+=("w-$i@10.200.0.1")
		done
		send "${specs[@]}" >/dev/null
		send --frag 512 sa=nat,seq=148,sport=30001,tag=wf-0#1200 \
			sa=nat,seq=149,sport=30002,tag=wf-1#1200 >/dev/null
		dp_run dpc rx --log "$W/rx.log" "${want[@]}" wf-0#1200@10.200.0.1 wf-1#1200@10.200.0.1
		dp_snap "$W/w1.json"
		dp_run dpc statdiff --what "one SA over $((LNS_WORKERS + 1)) queues" "$W/w0.json" "$W/w1.json"
		lns_check "$ALG: $LNS_WORKERS workers: spread over lcores, one decrypts, the rest hand off" "$PY" -c '
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
n = int(sys.argv[3])
d = lambda k: {l: b[k][l] - a.get(k, {}).get(l, 0) for l in b[k]}
rx, esp, ho = d("lcore_rx_packets"), d("lcore_esp_in"), d("lcore_esp_handoff")
print("# rx", rx, "esp_in", esp, "handoff", ho)
dec = [l for l, v in esp.items() if v]
ok = (len(dec) == 1 and dec[0].startswith("worker") and esp[dec[0]] == 50 and
      sum(1 for v in rx.values() if v) >= 2 and sum(ho.values()) >= 1 and
      ho[dec[0]] == 0 and all(b["lcore_rx_packets"]["worker%d" % w] > 0 for w in range(n)))
sys.exit(not ok)' "$W/w0.json" "$W/w1.json" "$LNS_WORKERS"
		lns_ctl --json show sa >"$W/sa.json"
		lns_check "$ALG: lnsctl show sa names that worker as the owner of SPI 0x1001" "$PY" -c '
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
dec = [l for l, v in b["lcore_esp_in"].items() if v != a["lcore_esp_in"].get(l, 0)]
sa = [e for e in json.load(open(sys.argv[3])).values()
      if isinstance(e, dict) and e.get("spi") == "0x00001001" and e.get("dir") == "in"]
out = [e for e in json.load(open(sys.argv[3])).values()
       if isinstance(e, dict) and e.get("dir") == "out"]
print("# owner", [e["owner"] for e in sa], "decrypted on", dec)
sys.exit(not (len(sa) == 1 and dec == [sa[0]["owner"]] and out and
              all(e["owner"] == "any" for e in out)))' "$W/w0.json" "$W/w1.json" "$W/sa.json"
	fi
	dp_snap "$W/s3.json"

	# ---- lnsctl clear sa: a packet sent right after the command returns is dropped.
	# The sender builds its frames first, then waits on a FIFO for the word.
	mkfifo "$W/go"
	send --go-fifo "$W/go" sa=nat,seq=16,tag=c-after-clear sa=tun,seq=3,tag=c-marker >/dev/null &
	spid=$!
	sleep 0.5   # let it import scapy and build the frames
	lns_check "$ALG: lnsctl clear sa 0x1001" quiet lns_ctl clear sa 0x1001
	# shellcheck disable=SC2016 # $1 is expanded by sh
	timeout 5 sh -c 'echo go >"$1"' sh "$W/go" || lns_fail "$ALG: sender never waited for go"
	wait "$spid"
	dp_run dpc rx --log "$W/rx.log" c-marker@10.200.0.3 c-after-clear=0
	dp_drop "$W/s3.json" esp/sa_dropped "packet on SPI 0x1001 after clear sa"
	n0=$(dpc pcount --pcap "$W/acc.pcap")
	in_core "${DPC[@]}" udpsend --gap 0.1 10.200.0.1:7777=c-down-after-clear 10.200.0.3:7777=c-down-marker
	dp_run dpc down --alg "$ALG" --pcap "$W/acc.pcap" --from "$n0" tun=c-down-marker nat=none
	dp_drop "$W/s3.json" down/sa_dropped "downstream to 10.200.0.1 after clear sa"
	dp_snap "$W/s4.json"
	dp_run dpc statdiff --what "after clear sa" "$W/s3.json" "$W/s4.json" --allow esp/sa_dropped \
		down/sa_dropped
	# The clear is an event in the log, and the tunnel's counters saw its traffic.
	lns_ctl --json show events >"$W/ev.json"
	lns_check "$ALG: event log has ipsec-disconnect for SPI 0x1001" "$PY" -c '
import json, sys
ev = json.load(open(sys.argv[1])).values()
sys.exit(not any(e["event"] == "ipsec-disconnect" and "spi=0x00001001" in e["detail"]
                 for e in ev))' "$W/ev.json"
	lns_ctl --json show tunnels >"$W/tun.json"
	lns_check "$ALG: per-tunnel counters moved both ways" "$PY" -c '
import json, sys
t = json.load(open(sys.argv[1]))
sys.exit(not any(v["up_packets"] > 0 and v["down_packets"] > 0 and
                 v["up_bytes"] >= 28 * v["up_packets"] for v in t.values()))' "$W/tun.json"

	kill "$lpid" "$cpid" 2>/dev/null
	wait "$lpid" "$cpid" 2>/dev/null
	lns_stop_expect 0
done
ALG=-
lns_finish
