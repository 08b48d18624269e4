#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Packet capture from a running lnsd with DPDK's own dpdk-dumpcap (rte_pdump):
# the capture holds the frames lnsd received and sent on its access port, and
# lnsd keeps forwarding while it runs and after it stops.
#
# dpdk-dumpcap is a DPDK secondary process: it must map the primary's memory,
# which a --no-huge primary keeps private. So this test reserves 2 MB hugepages
# (as root, the way drivers-config/hugepages.sh does on a real server), mounts a
# hugetlbfs of its own, runs lnsd on it, and gives everything back at the end.
. "$(dirname "$0")/lib.sh"
lns_init dumpcap

# lnsd takes 512 MB (-m 512) and may grow; dumpcap's secondary allocates its
# capture pool from the same pages, and waits for them forever if none are free.
PAGES=1024                      # 2 GB
NR=/proc/sys/vm/nr_hugepages
OLD_PAGES=$(cat "$NR")
HUGE="$LNS_WORK/huge"
dc_cleanup() {
	local rc=$?
	[ -n "$LNS_PID" ] && kill -TERM "$LNS_PID" 2>/dev/null && sleep 1
	umount "$HUGE" 2>/dev/null
	echo "$OLD_PAGES" >"$NR"
	(exit "$rc")
	lns_cleanup
}
trap dc_cleanup EXIT

for t in dpdk-dumpcap tshark; do
	command -v "$t" >/dev/null || { lns_fail "$t installed (drivers-config/install-deps.sh)"; lns_finish; }
done
echo $((OLD_PAGES + PAGES)) >"$NR"
free_pages=$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)
lns_require "$PAGES hugepages reserved (free: $free_pages)" [ "$free_pages" -ge "$PAGES" ]
mkdir -p "$HUGE"
lns_require "hugetlbfs mounted" mount -t hugetlbfs -o pagesize=2M nodev "$HUGE"

lns_topology_up
lns_write_config "$LNS_WORK/lnsd.yaml"
# the shared config runs without hugepages; this one runs on ours. dpdk-dumpcap
# maps lnsd's memory at the very addresses lnsd reserved it; left to ASLR that
# range sometimes holds dumpcap's own libraries (seen under ASan: "Cannot reserve
# ... please use '--base-virtaddr'", then a crash), so lnsd reserves it at a fixed
# address high in user space, clear of libraries and of ASan's shadow.
sed -i "s|^  - --no-huge$|  - --huge-dir=$HUGE\n  - --base-virtaddr=0x200000000000|" "$LNS_WORK/lnsd.yaml"
lns_check "config uses the hugetlbfs" grep -q -- "--huge-dir=$HUGE" "$LNS_WORK/lnsd.yaml"
lns_check "config fixes the memory's base address" grep -qx -- "  - --base-virtaddr=0x200000000000" \
	"$LNS_WORK/lnsd.yaml"
lns_start "$LNS_WORK/lnsd.yaml" || { lns_fail "lnsd starts on hugepages"; lns_finish; }

PCAP="$LNS_WORK/access.pcapng"
timeout 60 dpdk-dumpcap --file-prefix="$LNS_PREFIX" -D >"$LNS_WORK/ifaces" 2>&1
lns_require "dumpcap lists lnsd's ports" grep -q net_af_packet0 "$LNS_WORK/ifaces"

# line-buffered, so "Capturing on" shows when it is printed, not at exit
timeout 90 stdbuf -oL dpdk-dumpcap --file-prefix="$LNS_PREFIX" -i net_af_packet0 -w "$PCAP" -a duration:15 \
	>"$LNS_WORK/dumpcap.log" 2>&1 &
DC=$!
LNS_BG_PIDS+=("$DC")
# dumpcap says "Capturing on" once rte_pdump is enabled on the port
for _ in $(seq 100); do grep -q "Capturing on" "$LNS_WORK/dumpcap.log" && break; sleep 0.1; done
lns_check "dumpcap attached to the running lnsd" grep -q "Capturing on" "$LNS_WORK/dumpcap.log"
sleep 0.5

lns_check "ping through the capture (5 of 5 answered)" \
	ip netns exec "$LNS_NS_ACC" ping -c 5 -i 0.2 -W 2 -q "$LNS_ACC_ADDR"
sleep 0.5
lns_check "dumpcap was still capturing" kill -0 "$DC"
kill -INT "$DC" 2>/dev/null
wait "$DC"; rc=$?
lns_check "dumpcap stopped cleanly on SIGINT (rc $rc)" [ "$rc" = 0 ]
cat "$LNS_WORK/dumpcap.log" | sed 's/^/  dumpcap: /'

req=$(tshark -r "$PCAP" -Y "icmp.type == 8 && ip.dst == $LNS_ACC_ADDR" 2>/dev/null | wc -l)
rep=$(tshark -r "$PCAP" -Y "icmp.type == 0 && ip.src == $LNS_ACC_ADDR" 2>/dev/null | wc -l)
lns_check "capture holds the 5 echo requests lnsd received (got $req)" [ "$req" -ge 5 ]
lns_check "capture holds the 5 echo replies lnsd sent (got $rep)" [ "$rep" -ge 5 ]

# capture is off again: lnsd still answers, and the counters saw every ping
lns_check "lnsd answers after the capture ended" \
	ip netns exec "$LNS_NS_ACC" ping -c 2 -i 0.2 -W 2 -q "$LNS_ACC_ADDR"
lns_check "echo replies counted" lns_wait_stat counters.icmp_echo_out 7
lns_stop_expect 0
lns_finish
