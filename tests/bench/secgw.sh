# SPDX-License-Identifier: BSD-3-Clause
# Sourced by run.sh: DPDK's ipsec-secgw example as the peer benchmark.
# Built once from Debian's dpdk-doc sources (/usr/share/dpdk/examples/ipsec-secgw)
# against the installed libdpdk; run with the same vdev arrangement as lnsd (net_pcap
# infinite_rx into a dropping net_pcap, one lcore) and IPsec-MB through the
# crypto_aesni_mb vdev, on plain-ESP transport traffic of the same SAs, sizes and
# algorithms (lns-trafgen from bench.yaml with udp-encap off). ipsec-secgw does ESP
# only; lnsd does ESP, L2TP, PPP and IPv4 routing per packet.

SECGW_SRC=/usr/share/dpdk/examples/ipsec-secgw
SECGW=$OUT/ipsec-secgw/build/ipsec-secgw

secgw_build() {
	[ -x "$SECGW" ] && return 0
	[ -d "$SECGW_SRC" ] || { echo "run.sh: no $SECGW_SRC (apt-get install dpdk-doc)" >&2; return 1; }
	rm -rf "$OUT/ipsec-secgw"
	cp -r "$SECGW_SRC" "$OUT/ipsec-secgw"
	# 22.11's ipsec-secgw hard-codes RX checksum offload in its port_conf and exits
	# on a port without it ("required RX offloads: 0xe"), which net_pcap is. The
	# one change made to it: drop that request (it checks no L4 checksum anyway).
	sed -i 's/^\(\t*\)\.offloads = RTE_ETH_RX_OFFLOAD_CHECKSUM,/\1.offloads = 0,/' \
		"$OUT/ipsec-secgw/ipsec-secgw.c"
	make -C "$OUT/ipsec-secgw" -j"$(nproc)" >"$OUT/ipsec-secgw.log" 2>&1 ||
		{ echo "run.sh: ipsec-secgw build failed, see $OUT/ipsec-secgw.log" >&2; return 1; }
}

# secgw_mpps ALG SIZE: Mpps that ipsec-secgw forwards (port 1 opackets) over the window.
secgw_mpps() {
	local alg=$1 size=$2 d=$W/secgw-$1 pid n0 n1 t0 t1 rc=0
	secgw_build || return 1
	if [ ! -f "$d/sg.cfg" ]; then
		mkdir -p "$d"
		# Same SAs, plain ESP (no NAT-T): ipsec-secgw's UDP encapsulation needs
		# the rte_ipsec path and is not what the peer comparison is about.
		conf "$SRC/config/bench.yaml" "$d/c.yaml" x x 1 \
			'[s.__setitem__("udp-encap", False) for s in c["static"]["sas"]]'
		"$TG" -c "$d/c.yaml" -o "$d" -a "$alg" -d up -n 8 -s "${SIZES// /,}" -q || return 1
		"$PY" - "$d/c.yaml" "$alg" >"$d/sg.cfg" <<'PYEOF' || return 1
import sys, yaml
c = yaml.safe_load(open(sys.argv[1])); alg = sys.argv[2]
hx = lambda s: ":".join(s[i:i + 2] for i in range(0, len(s), 2))
for s in c["static"]["sas"]:
    if s["alg"] != alg:
        continue
    for k in range(s.get("count", 1)):
        spi = s["spi-in"] + k
        if alg == "aes128gcm16":
            print("sa in %d aead_algo aes-128-gcm aead_key %s mode transport" % (spi, hx(s["key-in"])))
        else:
            print("sa in %d cipher_algo aes-128-cbc cipher_key %s auth_algo sha1-hmac auth_key %s mode transport"
                  % (spi, hx(s["key-in"]), hx(s["auth-key-in"])))
        print("sp ipv4 in esp protect %d pri 1 dst 192.0.2.1/32 sport 0:65535 dport 0:65535" % spi)
print("rt ipv4 dst 192.0.2.0/24 port 1")
PYEOF
	fi
	"$SECGW" -l 1 -n 1 --no-huge -m 1024 --no-pci --file-prefix "${PREFIX}sg" \
		--vdev "net_pcap0,$(traffic_vdev "$d/up-$size.pcap" 1)" \
		--vdev "net_pcap1,$(arp_vdev "$d/arp-core.pcap" 1)" \
		--vdev crypto_aesni_mb0 -- -p 0x3 -P -u 0x1 --config "(0,0,1),(1,0,1)" \
		-f "$d/sg.cfg" >"$W/secgw.log" 2>&1 &
	pid=$!
	sleep 4
	sgstat() { "$LNSCTL" --file-prefix "${PREFIX}sg" --json raw /ethdev/stats,1 2>/dev/null |
		"$PY" -c 'import json,sys; v=json.load(sys.stdin); v=v.get("/ethdev/stats", v); print(v["opackets"])'; }
	if kill -0 "$pid" 2>/dev/null; then
		t0=$(date +%s.%N); n0=$(sgstat)
		sleep "$WINDOW"
		t1=$(date +%s.%N); n1=$(sgstat)
	fi
	kill -TERM "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	rm -rf "/var/run/dpdk/${PREFIX}sg"
	if [ -z "${n1:-}" ] || [ -z "${n0:-}" ]; then
		echo "run.sh: ipsec-secgw gave no counters; log:" >&2
		tail -5 "$W/secgw.log" >&2
		return 1
	fi
	echo "($n1 - $n0) / ($t1 - $t0) / 1000000" | bc -l
}
