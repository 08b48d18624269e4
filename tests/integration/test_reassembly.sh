#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Outer IPv4 reassembly: a client behind a small-MTU link sends its ESP (NAT-T and
# plain) in fragments, last fragment first. af_packet's fanout would reassemble
# them in the kernel before lnsd sees them, so the access port here is net_pcap
# replaying a capture of the fragments (scapy's); the core side is a real namespace
# whose UDP socket must receive each datagram byte-exact. A lone fragment whose
# siblings never come is discarded and counted.
# Large L2TP control messages in fragments, both ways lnsd can get them:
#   - net_pcap (a NIC): lnsd's own reassembly puts SCCRQs of 1800, 3000 and 4096
#     bytes (the largest lnsd accepts) back together; `reassembled` moves;
#   - af_packet on a veth: the kernel reassembles (fanout defrag) and the PMD
#     copies the datagram into one frame and one mbuf, so these reach L2TP and are
#     answered with SCCRP, a 4097-byte one is refused as too long, and nothing is
#     counted as ipv4_truncated (a 2048-byte frame used to cut them short).
. "$(dirname "$0")/lib.sh"

DPC=("$PY" "$LNS_SRC/tests/integration/dpclient.py")
dpc() { "${DPC[@]}" "$@"; }
quiet() { "$@" >/dev/null 2>&1; }

lns_init reassembly
lns_topology_up
W=$LNS_WORK
ALG=aes128gcm16

# The fragments, as a client would send them (any MAC: net_pcap does not filter).
mac=$(cat "/sys/class/net/$LNS_IF_ACC/address")
dpc send --alg "$ALG" --mac ff:ff:ff:ff:ff:ff --iface "$LNS_IF_ACC" --frag 256 \
	--pcap-out "$W/frags.pcap" sa=nat,seq=1,tag=frag-nat#900 sa=plain,seq=1,tag=frag-plain#700 \
	>/dev/null
dpc send --alg "$ALG" --mac ff:ff:ff:ff:ff:ff --iface "$LNS_IF_ACC" --frag 512 \
	--pcap-out "$W/lone.pcap" sa=tun,seq=1,tag=lone#900 >/dev/null
# only the first piece of that one: it can never complete
"$PY" -c 'import sys
from scapy.utils import rdpcap, wrpcap
f = rdpcap(sys.argv[1]); wrpcap(sys.argv[2], list(rdpcap(sys.argv[2])) + [f[-1]])' \
	"$W/lone.pcap" "$W/frags.pcap"
# and three large SCCRQs in the clear, in fragments, last first
"$PY" "$LNS_SRC/tests/integration/fragsccrq.py" pcap "$W/sccrq.pcap" 1800 3000 4096
"$PY" -c 'import sys
from scapy.utils import rdpcap, wrpcap
wrpcap(sys.argv[2], list(rdpcap(sys.argv[2])) + list(rdpcap(sys.argv[1])))' \
	"$W/sccrq.pcap" "$W/frags.pcap"
lns_check "fragment capture written" [ -s "$W/frags.pcap" ]

# Replay window 0: net_pcap replays the capture in a loop (infinite_rx).
lns_write_config "$W/lnsd.yaml" "$(dpc config --alg "$ALG" --replay-window 0)"
sed -i -e "s|--vdev=net_af_packet0,iface=$LNS_IF_ACC,qpairs=2[^ ]*|--vdev=net_pcap0,rx_pcap=$W/frags.pcap,tx_pcap=$W/tx0.pcap,tx_pcap=$W/tx1.pcap,infinite_rx=1|" \
	-e '0,/device: net_af_packet0/s//device: net_pcap0/' \
	-e '0,/profile: af_packet/s//profile: pcap/' "$W/lnsd.yaml"
ip netns exec "$LNS_NS_CORE" "${DPC[@]}" listen --log "$W/rx.log" --timeout 60 &
LNS_BG_PIDS+=("$!")
lns_check "lnsd starts with net_pcap on the access side" lns_start "$W/lnsd.yaml"

# The core gateway resolves by ARP first; then replayed datagrams flow.
out=$(dpc rx --log "$W/rx.log" --timeout 10 frag-nat#900=1+@10.200.0.1 frag-plain#700=1+@10.200.0.2 2>&1)
while read -r st rest; do
	case $st in OK) lns_pass "$rest" ;; FAIL) lns_fail "$rest" ;; esac
done <<<"$out"
lns_check "datagrams reassembled" [ "$(lns_stat counters.reassembled)" -gt 0 ]
quiet lns_wait_stat drops.reasm/discarded 1 6
lns_check "lone fragment discarded and counted" [ "$(lns_stat drops.reasm/discarded)" -gt 0 ]
lns_check "no ESP failures on reassembled datagrams" \
	[ "$(lns_stat drops.esp/icv)" = 0 -a "$(lns_stat drops.esp/truncated)" = 0 -a \
	  "$(lns_stat drops.classify/esp_truncated)" = 0 ]
lns_check "no fragment left unreassembled" [ "$(lns_stat drops.classify/ipv4_fragment)" = 0 ]
# new ones: received less retransmitted, from one reading (the capture replays)
new_sccrqs() {
	lns_ctl show stats --json | "$PY" -c '
import json, sys
l = json.load(sys.stdin)["l2tp"]
print(l["rx_sccrq"] - l["retransmitted_sccrq"])'
}
quiet lns_wait_stat l2tp.rx_sccrq 3 5
lns_check "reassembled SCCRQs of 1800, 3000, 4096 bytes reach L2TP ($(new_sccrqs) new)" \
	[ "$(new_sccrqs)" = 3 ]
lns_check "none too big for an mbuf, none malformed" \
	[ "$(lns_stat drops.reasm/too_big)" = 0 -a "$(lns_stat l2tp.malformed)" = 0 ]
lns_stop_expect 0

# ---- af_packet: the kernel reassembles, lnsd must get the whole datagram
lns_write_config "$W/lnsd2.yaml" "
l2tp:
  allow-nonsecure: true
  hello-interval: 0
"
lns_check "lnsd starts on af_packet" lns_start "$W/lnsd2.yaml"
out=$(ip netns exec "$LNS_NS_ACC" "$PY" "$LNS_SRC/tests/integration/fragsccrq.py" send \
	1800 3000 4096 4097 2>&1)
lns_log "answers: $(echo $out)"
for n in 1800 3000 4096; do
	lns_check "fragmented $n-byte SCCRQ answered with SCCRP" grep -q "^$n sccrp" <<<"$out"
done
lns_check "4097-byte SCCRQ not answered" grep -q "^4097 none" <<<"$out"
lns_check "4097-byte SCCRQ counted too long" [ "$(lns_stat l2tp.too_long)" = 1 ]
lns_check "three new tunnels ($(lns_stat l2tp.rx_sccrq) SCCRQs)" [ "$(lns_stat l2tp.rx_sccrq)" = 3 ]
lns_check "nothing counted as ipv4_truncated" [ "$(lns_stat drops.classify/ipv4_truncated)" = 0 ]
lns_stop_expect 0
lns_finish
