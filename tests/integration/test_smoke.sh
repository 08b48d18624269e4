#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Smoke test: lnsd on af_packet veths answers ARP and ping on both ports through
# DPDK, resolves its gateway, counts malformed frames under their own reasons,
# reports through lnsctl, and exits 0 on SIGTERM.
. "$(dirname "$0")/lib.sh"
lns_init smoke
lns_topology_up
lns_write_config "$LNS_WORK/lnsd.yaml" "
log:
  level: info
  modules: {ike: warning}
"
lns_start "$LNS_WORK/lnsd.yaml" || exit 1

lns_check "ping access address from the client namespace" \
	ip netns exec "$LNS_NS_ACC" ping -c 3 -i 0.2 -W 2 -q "$LNS_ACC_ADDR"
lns_check "ping core address from the core namespace" \
	ip netns exec "$LNS_NS_CORE" ping -c 3 -i 0.2 -W 2 -q "$LNS_CORE_ADDR"
lns_check "a 1400-byte ping is answered intact" \
	ip netns exec "$LNS_NS_ACC" ping -c 1 -W 2 -s 1372 -M do -q "$LNS_ACC_ADDR"
lns_check "lnsd's MAC is learned in the client namespace" \
	sh -c "ip -n $LNS_NS_ACC neigh show $LNS_ACC_ADDR | grep -q lladdr"

lns_check "echo replies counted" lns_wait_stat counters.icmp_echo_out 7
lns_check "ARP replies counted" lns_wait_stat counters.arp_reply_out 2
# lnsd resolves its core gateway (198.51.100.2) by ARP on its own.
lns_check "core gateway resolved by ARP" lns_wait_stat counters.arp_reply_in 1 5

# Hostile frames from an independent encoder (scapy): each is counted under its own
# reason and none is answered. (Lone fragments cannot be shown here: af_packet's
# fanout defragments in the kernel; tests/unit/test_dp.c covers that verdict.)
before_echo=$(lns_stat counters.icmp_echo_out)
lns_scapy "$LNS_NS_ACC" "
mac = getmacbyip('$LNS_ACC_ADDR')
e = Ether(dst=mac)
sendp(e/IP(src='$LNS_ACC_PEER', dst='$LNS_ACC_ADDR', chksum=0x1234)/ICMP(), iface='eth0')
sendp(Ether(dst=mac, type=0x0800)/Raw(b'\x45\x00\x00'), iface='eth0')
sendp(e/IP(src='$LNS_ACC_PEER', dst='$LNS_ACC_ADDR', len=200)/ICMP(), iface='eth0')
sendp(e/IP(src='$LNS_ACC_PEER', dst='$LNS_ACC_ADDR')/ICMP(chksum=0x1111), iface='eth0')
sendp(e/IP(src='$LNS_ACC_PEER', dst='$LNS_ACC_ADDR')/ICMP(type=13), iface='eth0')
sendp(e/IP(src='$LNS_ACC_PEER', dst='$LNS_ACC_ADDR')/UDP(dport=9)/b'x', iface='eth0')
sendp(e/IP(src='$LNS_ACC_PEER', dst='203.0.113.9')/ICMP(), iface='eth0')
sendp(Ether(dst='ff:ff:ff:ff:ff:ff')/ARP(pdst='192.0.2.77', psrc='$LNS_ACC_PEER'), iface='eth0')
sendp(Ether(dst=mac, type=0x86dd)/Raw(b'\x60' + b'\x00' * 39), iface='eth0')
sendp(Ether(dst='02:00:00:00:00:99')/IP(dst='$LNS_ACC_ADDR')/ICMP(), iface='eth0')
sendp(Ether(dst=mac, type=0x0800)/IP(src='$LNS_ACC_PEER', dst='$LNS_ACC_ADDR', ihl=4)/ICMP(), iface='eth0')
"
lns_check "bad IPv4 checksum counted"      lns_wait_stat drops.classify/ipv4_bad_cksum 1
lns_check "truncated IPv4 counted"         lns_wait_stat drops.classify/ipv4_truncated 2
lns_check "bad IPv4 header counted"        lns_wait_stat drops.classify/ipv4_bad_header 1
lns_check "bad ICMP checksum counted"      lns_wait_stat drops.ctl/icmp_malformed 1
lns_check "non-echo ICMP counted"          lns_wait_stat drops.ctl/icmp_ignored 1
lns_check "unhandled UDP port counted"     lns_wait_stat drops.classify/l4_unhandled 1
lns_check "IPv4 not for us counted"        lns_wait_stat drops.classify/ipv4_not_ours 1
lns_check "ARP for another address counted" lns_wait_stat drops.classify/arp_not_ours 1
lns_check "unknown EtherType counted"      lns_wait_stat drops.classify/eth_unknown_type 1
lns_check "frame for another MAC counted"  lns_wait_stat drops.classify/eth_not_ours 1
lns_check "no hostile frame was answered" \
	[ "$(lns_stat counters.icmp_echo_out)" = "$before_echo" ]

# lnsctl human output names both ports and the non-zero drops.
out=$(lns_ctl show stats)
lns_check "lnsctl table shows the access port" grep -q "access" <<<"$out"
lns_check "lnsctl table shows a drop reason" grep -q "classify.ipv4_bad_cksum" <<<"$out"

# The plain `dpdk-telemetry.py` client sees the same command.
if command -v dpdk-telemetry.py >/dev/null; then
	out=$(echo "/lns/stats" | dpdk-telemetry.py -f "$LNS_PREFIX" 2>/dev/null)
	lns_check "dpdk-telemetry.py reads /lns/stats" grep -q '"icmp_echo_out"' <<<"$out"
fi

# Log levels per module: from log.modules at start, changed at run time.
lvl() { lns_ctl --json raw "/lns/log${1:+,$1}" | "$PY" -c 'import json,sys; d=json.load(sys.stdin); print(d.get("error") or d["levels"][sys.argv[1]])' "$2"; }
lns_check "log.modules.ike: warning applied at start" [ "$(lvl "" ike)" = warning ]
lns_check "other modules follow log.level (info)" [ "$(lvl "" l2tp)" = info ]
lns_check "/lns/log,l2tp:debug sets lns.l2tp" [ "$(lvl l2tp:debug l2tp)" = debug ]
lns_check "... and leaves lns.ppp alone" [ "$(lvl "" ppp)" = info ]
lns_check "/lns/log,all:notice sets every module" [ "$(lvl all:notice dp)" = notice ]
out=$(lns_ctl --json raw /lns/log,radius:info 2>&1)
lns_check "an unknown module is an error" grep -q "module must be" <<<"$out"
out=$(lns_ctl --json raw /lns/log,l2tp:loud 2>&1)
lns_check "an unknown level is an error" grep -q "level must be" <<<"$out"

lns_stop_expect 0
lns_check "lnsctl reports lnsd is not running (exit 2)" \
	sh -c "'$LNSCTL' --file-prefix $LNS_PREFIX show stats 2>&1 >/dev/null | grep -q 'cannot reach lnsd'; test \$? = 0 && ! '$LNSCTL' --file-prefix $LNS_PREFIX show stats >/dev/null 2>&1"
lns_finish
