#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# lns-trafgen's pcaps are real lnsd traffic:
#   - tshark, with the config's keys, decrypts every upstream ESP packet
#     (esp.icv_good), dissects udp:l2tp:ppp:ip:udp below it and finds every IPv4
#     and UDP checksum good (AES-GCM NAT-T, AES-CBC/HMAC-SHA1 plain ESP, tunnel mode
#     and non-secure L2TP, sizes 64, 1400 and IMIX; 3DES/HMAC-SHA1 as well);
#   - lnsd, provisioned from the same file, forwards every packet of them: upstream
#     pcaps replayed into the access port raise up_fwd by exactly their count,
#     downstream pcaps (64 and 1300 bytes: 1400 does not fit a 1500-byte access MTU
#     in tunnel mode, and lnsd does not fragment) (after arp-access.pcap taught lnsd the peers) raise down_fwd
#     by theirs, and no drop counter moves.
. "$(dirname "$0")/lib.sh"

TG=${LNS_TRAFGEN:-$LNSD_BUILD/app/lns-trafgen/lns-trafgen}

lns_init trafgen
command -v tshark >/dev/null || { echo "trafgen: missing tshark: run drivers-config/install-deps.sh" >&2; exit 1; }
[ -x "$TG" ] || { echo "trafgen: no lns-trafgen at $TG (build first)" >&2; exit 1; }

quiet() { "$@" >/dev/null 2>&1; }

K_G=00112233445566778899aabbccddeeff01020304
K_C=000102030405060708090a0b0c0d0e0f
A_C=0102030405060708090a0b0c0d0e0f1011121314
# Three SA families and a non-secure tunnel; peers stay on the access subnet so
# that arp-access.pcap resolves them all.
STATIC=$(cat <<EOF
l2tp:
  allow-nonsecure: true
ppp:
  pools:
    - {name: tg, prefix: 10.210.0.0/16}
static:
  sas:
    - {name: gcm, spi-in: 0x1000, spi-out: 0x2000, peer: 192.0.2.10, alg: aes128gcm16,
       udp-encap: true, count: 3, key-in: $K_G, key-out: ffeeddccbbaa9988776655443322110005060708}
    - {name: cbc, spi-in: 0x3000, spi-out: 0x4000, peer: 192.0.2.20, alg: aes128-sha1,
       count: 2, key-in: $K_C, key-out: 0f0e0d0c0b0a09080706050403020100,
       auth-key-in: $A_C, auth-key-out: 1413121110090807060504030201000f0e0d0c0b}
    - {name: tun, spi-in: 0x5000, spi-out: 0x6000, peer: 192.0.2.30, alg: aes128gcm16,
       mode: tunnel, udp-encap: true, key-in: $K_G, key-out: ffeeddccbbaa9988776655443322110005060708}
  tunnels:
    - {local-id: 10, peer-id: 110, sa: gcm, count: 3, sessions: 2, pool: tg}
    - {local-id: 20, peer-id: 120, sa: cbc, count: 2, sessions: 2, pool: tg}
    - {local-id: 30, peer-id: 130, sa: tun, sessions: 1, pool: tg}
    - {local-id: 40, peer-id: 140, peer: 192.0.2.40, count: 2, sessions: 1, pool: tg}
EOF
)

# tshark's ESP SA table: one record per inbound SA copy (SPI and peer + k).
uat() {
	local i
	for i in 0 1 2; do
		printf -- "-o\nuat:esp_sa:\"IPv4\",\"192.0.2.1%d\",\"192.0.2.1\",\"0x%08x\",\"AES-GCM with 16 octet ICV [RFC4106]\",\"0x%s\",\"NULL\",\"\"\n" \
			"$i" $((0x1000 + i)) "$K_G"
	done
	for i in 0 1; do
		printf -- "-o\nuat:esp_sa:\"IPv4\",\"192.0.2.2%d\",\"192.0.2.1\",\"0x%08x\",\"AES-CBC [RFC3602]\",\"0x%s\",\"HMAC-SHA-1-96 [RFC2404]\",\"0x%s\"\n" \
			"$i" $((0x3000 + i)) "$K_C" "$A_C"
	done
	printf -- "-o\nuat:esp_sa:\"IPv4\",\"192.0.2.30\",\"192.0.2.1\",\"0x00005000\",\"AES-GCM with 16 octet ICV [RFC4106]\",\"0x%s\",\"NULL\",\"\"\n" "$K_G"
}
mapfile -t UAT < <(uat)

# tshark_check PCAP: every packet decrypts with a good ICV (or is plain L2TP),
# dissects down to the subscriber's UDP, and no checksum is bad.
tshark_check() {
	local f=$1 out bad n
	out=$(tshark -n -r "$f" -o esp.enable_encryption_decode:TRUE \
		-o esp.enable_authentication_check:TRUE -o ip.check_checksum:TRUE \
		-o udp.check_checksum:TRUE "${UAT[@]}" -T fields -E separator=' ' \
		-e frame.protocols -e esp.icv_good -e ip.checksum.status -e udp.checksum.status 2>/dev/null)
	n=$(grep -c . <<<"$out")
	# Fields: protocols, icv_good (empty without ESP), ip status list, udp status list
	# (0 = bad, 1 = good, 2 = unverified, 3 = absent: NAT-T sends 0, RFC 3948 2.1).
	bad=$(awk '{
		ok = ($1 ~ /l2tp:ppp:ip:udp:data$/)
		if ($1 ~ /:esp:/) ok = ok && $2 == "1"
		if ($0 ~ /(^|[ ,])0(,|$)/) ok = 0
		if (!ok) print NR": "$0 }' <<<"$out")
	if [ "$n" -gt 0 ] && [ -z "$bad" ]; then
		lns_pass "tshark: $n packets of ${f##*/} decrypt (icv_good), dissect to l2tp:ppp:ip, checksums good"
	else
		lns_fail "tshark: ${f##*/} ($n packets): $(head -3 <<<"$bad")"
	fi
}

# replay NS PCAP...: send the pcaps' frames out of eth0 in a namespace, in order;
# prints "TOTAL ESP" (frames sent, of which ESP or ESP-in-UDP).
replay() {
	local ns=$1; shift
	ip netns exec "$ns" "$PY" -c '
import logging, sys; logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import rdpcap, sendp, IP, UDP
total = esp = 0
for f in sys.argv[1:]:
    pk = rdpcap(f)
    sendp(pk, iface="eth0", verbose=0)
    total += len(pk)
    esp += sum(1 for p in pk if IP in p and (p[IP].proto == 50 or (UDP in p and p[UDP].dport == 4500)))
print(total, esp)' "$@"
}

count() { tshark -r "$1" -T fields -e frame.number 2>/dev/null | grep -c .; }
# drops JSON object now
drops() { lns_ctl show stats --json | "$PY" -c 'import json,sys; print(json.dumps(json.load(sys.stdin).get("drops", {}), sort_keys=True))'; }
ctr() { lns_stat "counters.$1" 2>/dev/null || echo 0; }

lns_topology_up
lns_write_config "$LNS_WORK/lnsd.yaml" "$STATIC"
lns_check "lnsd --check accepts the config" quiet "$LNSD" --check -c "$LNS_WORK/lnsd.yaml"
lns_start "$LNS_WORK/lnsd.yaml" || { lns_fail "lnsd starts"; lns_finish; exit 1; }

# lnsd's MACs, learned the ordinary way; pinging the core side also teaches lnsd
# its core gateway (it learns the asker, RFC 826).
quiet ip netns exec "$LNS_NS_ACC" ping -c 1 -W 2 "$LNS_ACC_ADDR"
quiet ip netns exec "$LNS_NS_CORE" ping -c 1 -W 2 "$LNS_CORE_ADDR"
acc_mac=$(ip -n "$LNS_NS_ACC" neigh show "$LNS_ACC_ADDR" | grep -o 'lladdr [0-9a-f:]*' | cut -d' ' -f2)
core_mac=$(ip -n "$LNS_NS_CORE" neigh show "$LNS_CORE_ADDR" | grep -o 'lladdr [0-9a-f:]*' | cut -d' ' -f2)
lns_check "lnsd's MACs resolved (access $acc_mac, core $core_mac)" [ -n "$acc_mac" ] && [ -n "$core_mac" ]

mkdir -p "$LNS_WORK/up" "$LNS_WORK/down"
lns_check "lns-trafgen writes upstream pcaps" quiet "$TG" -c "$LNS_WORK/lnsd.yaml" \
	-o "$LNS_WORK/up" -d up -n 3 -s 64,1400,imix -m "$acc_mac"
lns_check "lns-trafgen writes downstream pcaps" quiet "$TG" -c "$LNS_WORK/lnsd.yaml" \
	-o "$LNS_WORK/down" -d down -n 3 -s 64,1300 -m "$core_mac"
lns_check "lns-trafgen refuses a bad size" sh -c '! "$1" -c "$2" -o "$3" -s 20 2>/dev/null' sh \
	"$TG" "$LNS_WORK/lnsd.yaml" "$LNS_WORK/bad"

for f in "$LNS_WORK"/up/up-*.pcap; do
	tshark_check "$f"
done
# 6 clients (3 + 2 + 1 SA copies) and 2 plain peers, 3 packets each.
n=$(count "$LNS_WORK/up/up-64.pcap")
lns_check "up-64.pcap: 3 packets for each of 8 clients ($n)" [ "$n" = 24 ]
n=$(tshark -r "$LNS_WORK/up/up-64.pcap" -T fields -e ip.src 2>/dev/null | cut -d, -f1 | sort -u | wc -l)
lns_check "up-64.pcap: 8 distinct client addresses ($n)" [ "$n" = 8 ]
# Sequence numbers go on across the files of one run, in the order written (sizes
# as given), so that replaying them in that order passes anti-replay.
n=$(for s in 64 1400 imix; do tshark -r "$LNS_WORK/up/up-$s.pcap" -T fields -e esp.sequence \
	-Y 'esp.spi == 0x1000' 2>/dev/null; done | tr '\n' ' ')
lns_check "sequence numbers of SPI 0x1000 increase from 1 ($n)" [ "$n" = "1 2 3 4 5 6 7 8 9 " ]

# ---- lnsd forwards every upstream packet
d0=$(drops)
up0=$(ctr up_fwd) esp0=$(ctr esp_in)
read -r total nesp < <(replay "$LNS_NS_ACC" "$LNS_WORK"/up/up-*.pcap)
quiet lns_wait_stat counters.up_fwd $((up0 + total)) 5
up1=$(ctr up_fwd) esp1=$(ctr esp_in)
lns_check "lnsd forwards all $total upstream packets (up_fwd +$((up1 - up0)))" [ $((up1 - up0)) = "$total" ]
lns_check "lnsd decrypts all $nesp ESP packets (esp_in +$((esp1 - esp0)))" [ $((esp1 - esp0)) = "$nesp" ]

# ---- downstream: ARP from every peer first, then the traffic
quiet replay "$LNS_NS_ACC" "$LNS_WORK/up/arp-access.pcap"
sleep 1.5   # lnsd publishes tunnel next hops from its control loop (every second)
dn0=$(ctr down_fwd)
read -r total _ < <(replay "$LNS_NS_CORE" "$LNS_WORK"/down/down-*.pcap)
quiet lns_wait_stat counters.down_fwd $((dn0 + total)) 5
dn1=$(ctr down_fwd)
lns_check "lnsd forwards all $total downstream packets (down_fwd +$((dn1 - dn0)))" [ $((dn1 - dn0)) = "$total" ]
d1=$(drops)
lns_check "no drop counter moved" [ "$d0" = "$d1" ] || lns_log "drops before: $d0, after: $d1"

lns_stop_expect 0

# Legacy 3DES (ipsec.allow-3des): 8-byte IV and blocks, decrypted by tshark.
K_D=00112233445566778899aabbccddeeff0011223344556677
lns_write_config "$LNS_WORK/3des.yaml" "ipsec:
  allow-3des: true
ppp:
  pools:
    - {name: tg, prefix: 10.210.0.0/16}
static:
  sas:
    - {name: d, spi-in: 0x7000, spi-out: 0x8000, peer: 192.0.2.50, alg: 3des-sha1,
       key-in: $K_D, key-out: 0f0e0d0c0b0a0908070605040302010011223344556677ff,
       auth-key-in: $A_C, auth-key-out: 1413121110090807060504030201000f0e0d0c0b}
  tunnels:
    - {local-id: 50, peer-id: 150, sa: d, sessions: 1, pool: tg}"
lns_check "lns-trafgen writes 3des-sha1 pcaps" quiet "$TG" -c "$LNS_WORK/3des.yaml" \
	-o "$LNS_WORK/3des" -d up -n 3 -s 64,1400,imix
UAT=(-o "uat:esp_sa:\"IPv4\",\"192.0.2.50\",\"192.0.2.1\",\"0x00007000\",\"TripleDES-CBC [RFC2451]\",\"0x$K_D\",\"HMAC-SHA-1-96 [RFC2404]\",\"0x$A_C\"")
for f in "$LNS_WORK"/3des/up-*.pcap; do
	tshark_check "$f"
done

# The Pktgen-DPDK sweep script is at least valid Lua.
if command -v luac >/dev/null; then
	lns_check "drivers-config/pktgen/lnsd-sweep.lua passes luac -p" luac -p "$LNS_SRC/drivers-config/pktgen/lnsd-sweep.lua"
else
	lns_fail "luac missing (lua5.3): cannot check drivers-config/pktgen/lnsd-sweep.lua"
fi
lns_finish
