#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Resource exhaustion in the data path, and that lnsd recovers from it:
#   1. punt-ring overflow: limits.punt-ring-size 64 and a blast of L2TP control
#      messages (an SCCRQ retransmitted as fast as python can send it: each one is
#      punted, looked up and answered with a ZLB by the control lcore). The drop
#      reason punt.ring_full moves; afterwards a new tunnel comes up and IKE answers
#      a Main Mode message 1;
#   2. mbuf-pool exhaustion: limits.mbufs 1024 and the access port a net_pcap
#      replaying, in a loop, 500 lone first fragments (each held by the reassembly
#      table for its 2 s timeout) between valid ESP datagrams of a static session.
#      The pool runs dry, the held fragments expire (reasm.discarded moves), and the
#      valid datagrams keep arriving at the core side, period after period: the
#      exhaustion costs traffic for a while, it never stalls the port.
# The tools (SCCRQ builder, our LAC, MM1 builder) are those of test_flood.sh.
. "$(dirname "$0")/lib.sh"

DPC=("$PY" "$LNS_SRC/tests/integration/dpclient.py")
lns_init exhaust
lns_topology_up
W=$LNS_WORK
quiet() { "$@" >/dev/null 2>&1; }
in_acc() { ip netns exec "$LNS_NS_ACC" "$@"; }
export LNS_SRC

# test_flood.sh's tools, plus the blast commands below
cp "$LNS_SRC/tests/integration/floodtool.py" "$W/flood.py"
cat >>"$W/flood.py" <<'EOF'

def cmd_blast(mac, n):
    """n copies of one SCCRQ, back to back."""
    w = Wire(mac)
    f = w.eth + ipv4_udp("192.0.2.17", LNS, 1701, 1701, sccrq(777))
    for _ in range(n):
        w.s.send(f)

def cmd_mm1():
    """One IKE Main Mode message 1 from the client; succeed if lnsd answers."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((CLIENT, 500))
    s.settimeout(2)
    icky = os.urandom(8)
    for _ in range(3):
        s.sendto(ike_mm1(icky), (LNS, 500))
        try:
            m, _ = s.recvfrom(4096)
        except socket.timeout:
            continue
        if m[:8] == icky and m[8:16] != b"\0" * 8 and m[18] == 2:
            return 0
    return 1

if sys.argv[1] == "blast":
    cmd_blast(sys.argv[2], int(sys.argv[3]))
elif sys.argv[1] == "mm1":
    sys.exit(cmd_mm1())
EOF
FL=("$PY" "$W/flood.py")
lns_check "flood tools (floodtool.py) copied" grep -q "def cmd_icrq" "$W/flood.py"
l2() { lns_stat "l2tp.$1" 2>/dev/null || echo 0; }

# ------------------------------------------------------- 1. punt-ring overflow ---
LNS_LIMITS_EXTRA='  punt-ring-size: 64
  allow-short-timers: true'
lns_write_config "$W/punt.yaml" "
ipsec:
  dpd-interval: 0
  psk:
    - {peer: 0.0.0.0/0, secret: exhaust-test-psk-0123}
l2tp:
  allow-nonsecure: true
  hello-interval: 0
  destruct-timeout: 1
"
lns_check "punt: lnsd --check accepts punt-ring-size 64" quiet "$LNSD" --check -c "$W/punt.yaml"
lns_start "$W/punt.yaml" || { lns_fail "punt: lnsd starts"; lns_finish; exit 1; }
mac=
quiet in_acc ping -c 1 -W 2 "$LNS_ACC_ADDR" &&
	mac=$(ip -n "$LNS_NS_ACC" neigh show "$LNS_ACC_ADDR" | grep -o 'lladdr [0-9a-f:]*' | cut -d' ' -f2)
lns_check "punt: lnsd's access MAC resolved ($mac)" [ -n "$mac" ]
[ -n "$mac" ] || mac=$(cat "/sys/class/net/$LNS_IF_ACC/address")
full=0
for round in 1 2 3; do
	in_acc "${FL[@]}" blast "$mac" 100000
	full=$(lns_stat drops.punt/ring_full 2>/dev/null || echo 0)
	rx=$(l2 rx_messages)
	lns_log "punt: after blast $round: punt.ring_full $full, L2TP messages handled $rx"
	[ "$full" -gt 0 ] && break
done
lns_check "punt: the ring overflowed and it was counted (punt.ring_full $full)" [ "$full" -gt 0 ]
lns_check "punt: control kept handling messages ($rx)" [ "$rx" -gt 1000 ]
lns_check "punt: lnsd still runs" kill -0 "$LNS_PID"
up0=$(l2 tunnels_established)
in_acc "${FL[@]}" icrq 0 10 "$W/after.out" 4444
lns_check "punt: afterwards a new tunnel comes up" [ "$(l2 tunnels_established)" -gt "$up0" ]
lns_check "punt: afterwards IKE answers Main Mode message 1" in_acc "${FL[@]}" mm1
lns_stop_expect 0

# ---------------------------------------------------------- 2. mbuf exhaustion ---
ALG=aes128gcm16
"$PY" - "$W/frags.pcap" <<'EOF'
import os, struct, sys
sys.path.insert(0, os.path.join(os.environ["LNS_SRC"], "tests/integration"))
import dpclient
from scapy.layers.inet import IP, fragment
from scapy.packet import Raw
from scapy.utils import wrpcap
sa = dpclient.sa_by_name(dpclient.default_sas("aes128gcm16"), "nat")
eth = b"\xff" * 6 + b"\x02\x00\x00\x00\x00\x02" + b"\x08\x00"
valid = dpclient.upstream(sa, 1, tag="through#300")
first = bytes(fragment(IP(dpclient.upstream(sa, 2, tag="held#900")), fragsize=256)[0])
def with_id(ip, ident):
    h = bytearray(ip[:20])
    h[4:6] = struct.pack("!H", ident)
    h[10:12] = b"\0\0"
    h[10:12] = struct.pack("!H", dpclient.csum(bytes(h)))
    return bytes(h) + ip[20:]
frames = []
for i in range(500):
    frames.append(eth + with_id(first, 1000 + i))
    if i % 20 == 0:
        frames.append(eth + valid)
wrpcap(sys.argv[1], [Raw(f) for f in frames], linktype=1)
print(len(frames))
EOF
lns_check "mbuf: capture of 500 lone first fragments and 25 valid datagrams written" [ -s "$W/frags.pcap" ]
LNS_LIMITS_EXTRA=''
lns_write_config "$W/mbuf.yaml" "$("${DPC[@]}" config --alg "$ALG" --replay-window 0)"
sed -i -e "s|--vdev=net_af_packet0,iface=$LNS_IF_ACC,qpairs=2[^ ]*|--vdev=net_pcap0,rx_pcap=$W/frags.pcap,tx_pcap=$W/tx0.pcap,tx_pcap=$W/tx1.pcap,infinite_rx=1|" \
	-e '0,/device: net_af_packet0/s//device: net_pcap0/' \
	-e '0,/profile: af_packet/s//profile: pcap/' \
	-e 's/^  mbufs: 8192$/  mbufs: 1024/' "$W/mbuf.yaml"
lns_check "mbuf: the config asks for 1024 mbufs" grep -q "^  mbufs: 1024$" "$W/mbuf.yaml"
# arrivals at the core side, per second, for 14 s
ip netns exec "$LNS_NS_CORE" "$PY" -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
s.bind(("198.51.100.2", 9999))
s.settimeout(0.2)
t0 = time.monotonic(); n = [0] * 14
open(sys.argv[1] + ".ready", "w").close()
while time.monotonic() - t0 < 14:
    try:
        s.recv(4096)
        n[min(13, int(time.monotonic() - t0))] += 1
    except socket.timeout:
        pass
open(sys.argv[1], "w").write(" ".join(map(str, n)) + "\n")' "$W/persec" &
LNS_BG_PIDS+=("$!")
lpid=$!
for _ in $(seq 30); do [ -e "$W/persec.ready" ] && break; sleep 0.1; done
if lns_start "$W/mbuf.yaml"; then
	lns_pass "mbuf: lnsd starts with 1024 mbufs and the replaying net_pcap"
	wait "$lpid"
	read -r -a per <"$W/persec" || per=()
	lns_log "mbuf: datagrams per second at the core: ${per[*]}"
	late=0; secs=0
	for i in 6 7 8 9 10 11 12 13; do
		[ "${per[$i]:-0}" -gt 0 ] && secs=$((secs + 1))
		late=$((late + ${per[$i]:-0}))
	done
	disc=$(lns_stat drops.reasm/discarded)
	nombuf=$(lns_stat ports.access.rx_nombuf 2>/dev/null || echo "?")
	lns_log "mbuf: reasm.discarded $disc, reassembled $(lns_stat counters.reassembled), access rx_nombuf $nombuf, ctl.no_mbuf $(lns_stat drops.ctl/no_mbuf 2>/dev/null || echo 0)"
	lns_check "mbuf: held fragments expired and were counted (reasm.discarded $disc)" [ "$disc" -gt 500 ]
	lns_check "mbuf: valid datagrams still arrive after several 2 s timeouts ($late in seconds 6-13)" \
		[ "$late" -gt 0 ]
	# the reassembly tables may hold at most a quarter of the pool (dp_port.c), so
	# fragments waiting out their timeout never starve receive: traffic every second
	lns_check "mbuf: ... in at least 7 of those 8 seconds ($secs): receive never starves" [ "$secs" -ge 7 ]
	lns_check "mbuf: lnsd still answers lnsctl" quiet lns_ctl show stats
	lns_stop_expect 0
else
	lns_fail "mbuf: lnsd starts with 1024 mbufs and the replaying net_pcap"
fi
lns_finish
