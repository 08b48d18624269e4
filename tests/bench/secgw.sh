# SPDX-License-Identifier: BSD-3-Clause
# Sourced by run.sh: DPDK's ipsec-secgw example as the peer benchmark.
# Built once from Debian's dpdk-doc sources (/usr/share/dpdk/examples/ipsec-secgw)
# against the installed libdpdk; run with the same vdev arrangement as lnsd (net_pcap
# infinite_rx into a dropping net_pcap, one lcore) on plain-ESP transport traffic of
# the same SAs, sizes and algorithms (lns-trafgen from bench.yaml with udp-encap off).
# ipsec-secgw does ESP only; lnsd does ESP, L2TP, PPP and IPv4 routing per packet.
#
# Set up as a user would: one SA per client and one inbound SP rule per SA whose
# selector (the client's address) only that SA's decrypted traffic matches. With one
# selector for all SAs, rte_acl returns one rule and ipsec-secgw discards every
# packet of the other SAs after decrypting it (counted in "packets dropped"; sample.py
# now fails such a row). Both software crypto PMDs that do AES-GCM are tried
# (crypto_aesni_gcm, crypto_aesni_mb; CBC-SHA1 only on the latter), the faster valid
# one is reported. Its output is checked once per algorithm against scapy's own
# decryption of the same input (secgw_check).

SECGW_SRC=/usr/share/dpdk/examples/ipsec-secgw
SECGW=$OUT/ipsec-secgw/build/ipsec-secgw
SECGW_PMDS=${BENCH_SECGW_PMDS:-crypto_aesni_gcm crypto_aesni_mb}

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
	# Its telemetry commands are named /examples/ipsec-secgw/... and its counters
	# "packets dropped" etc.; DPDK 22.11's telemetry refuses a '-' in a command name
	# and a space in a key, so they silently never register or come back empty. The
	# second change: rename them, so sample.py can read its drop counter as
	# /examples/ipsec_secgw/stats "packets_dropped".
	sed -i -e 's|"/examples/ipsec-secgw/|"/examples/ipsec_secgw/|' \
		-e 's/"packets \(received\|transmitted\|dropped\)"/"packets_\1"/' \
		"$OUT/ipsec-secgw/ipsec-secgw.c"
	make -C "$OUT/ipsec-secgw" -j"$(nproc)" >"$OUT/ipsec-secgw.log" 2>&1 ||
		{ echo "run.sh: ipsec-secgw build failed, see $OUT/ipsec-secgw.log" >&2; return 1; }
}

# secgw_prepare ALG: plain-ESP pcaps of the bench SAs and ipsec-secgw's config in
# $W/secgw-ALG (sg.cfg), once per algorithm
secgw_prepare() {
	local alg=$1 d=$W/secgw-$1
	[ -f "$d/sg.cfg" ] && return 0
	mkdir -p "$d"
	conf "$SRC/config/bench.yaml" "$d/c.yaml" x x 1 \
		'[s.__setitem__("udp-encap", False) for s in c["static"]["sas"]]'
	"$TG" -c "$d/c.yaml" -o "$d" -a "$alg" -d up -n 8 -s "${SIZES// /,}" -q || return 1
	# one SA and one SP per client; the client's address and SPI are read from the
	# pcap lns-trafgen wrote (not re-derived), so the selectors match what is sent
	"$PY" - "$d/c.yaml" "$alg" "$d/up-${SIZES%% *}.pcap" >"$d/sg.cfg" <<'PYEOF' || return 1
import logging, sys, yaml
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import ESP, IP, rdpcap
c = yaml.safe_load(open(sys.argv[1])); alg = sys.argv[2]
keys = {}
for s in c["static"]["sas"]:
    if s["alg"] == alg:
        for k in range(s.get("count", 1)):
            keys[s["spi-in"] + k] = s
hx = lambda s: ":".join(s[i:i + 2] for i in range(0, len(s), 2))
seen = {}
for p in rdpcap(sys.argv[3]):
    if ESP in p:
        seen.setdefault(p[ESP].spi, (p[IP].src, p[IP].dst))
if not seen or any(spi not in keys for spi in seen):
    raise SystemExit("secgw: the pcap's SPIs are not the config's")
for spi, (src, dst) in sorted(seen.items()):
    s = keys[spi]
    if alg == "aes128gcm16":
        print("sa in %d aead_algo aes-128-gcm aead_key %s mode transport" % (spi, hx(s["key-in"])))
    else:
        print("sa in %d cipher_algo aes-128-cbc cipher_key %s auth_algo sha1-hmac auth_key %s "
              "mode transport" % (spi, hx(s["key-in"]), hx(s["auth-key-in"])))
    print("sp ipv4 in esp protect %d pri 1 src %s/32 dst %s/32 sport 0:65535 dport 0:65535"
          % (spi, src, dst))
print("rt ipv4 dst 192.0.2.0/24 port 1")
PYEOF
}

# secgw_start PMD ALG RX_VDEV TX_VDEV: ipsec-secgw on one lcore with the PMD's vdev
secgw_start() {
	start secgw "$SECGW" -l 1 -n 1 --no-huge -m 1024 --no-pci --file-prefix "${PREFIX}sg" \
		--vdev "net_pcap0,$3" --vdev "net_pcap1,$4" --vdev "${1}0" -- -p 0x3 -P -u 0x1 \
		--config "(0,0,1),(1,0,1)" -f "$W/secgw-$2/sg.cfg"
}

# secgw_check ALG: once per algorithm, ipsec-secgw decrypts one pass of the 64-byte
# pcap into a pcap file; every packet must equal scapy's decryption of its input
# (IP header and payload; the Ethernet header is ipsec-secgw's own). Prints nothing
# and returns 0 when all match.
secgw_check() {
	local alg=$1 d=$W/secgw-$1 pmd=$2 size=${SIZES%% *}
	[ -f "$d/checked-$pmd" ] && return 0
	rm -f "$d/out.pcap"
	secgw_start "$pmd" "$alg" "rx_pcap=$d/up-$size.pcap,tx_pcap=/dev/null,tx_pcap=/dev/null" \
		"rx_pcap=$d/arp-core.pcap,rx_pcap=$d/arp-core.pcap,tx_pcap=$d/out.pcap,tx_pcap=$d/out.pcap"
	# wait until it has sent what it will send (or 20 s), then stop it
	"$PY" -c 'import sys, time
sys.path.insert(0, sys.argv[1])
import sample
t = sample.connect(sys.argv[2], int(sys.argv[3]), 60)
last, same, end = -1, 0, time.monotonic() + 20
while time.monotonic() < end and same < 10:
    n = t.q("/ethdev/stats,1")["opackets"]
    same = same + 1 if n == last and n > 0 else 0
    last = n
    time.sleep(0.1)' "$SRC/tests/bench" "${PREFIX}sg" "$LPID" 2>/dev/null
	kill -TERM "$LPID" 2>/dev/null
	wait "$LPID" 2>/dev/null
	LPID=
	rm -rf "/var/run/dpdk/${PREFIX}sg"
	"$PY" - "$d/c.yaml" "$alg" "$d/up-$size.pcap" "$d/out.pcap" <<'PYEOF' || return 1
import collections, logging, sys, yaml
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import ESP, IP, rdpcap
from scapy.layers.ipsec import SecurityAssociation
c = yaml.safe_load(open(sys.argv[1])); alg = sys.argv[2]
sa = {}
for s in c["static"]["sas"]:
    if s["alg"] != alg:
        continue
    for k in range(s.get("count", 1)):
        key = bytes.fromhex(s["key-in"])
        if alg == "aes128gcm16":
            sa[s["spi-in"] + k] = SecurityAssociation(ESP, spi=s["spi-in"] + k,
                                                      crypt_algo="AES-GCM", crypt_key=key)
        else:
            sa[s["spi-in"] + k] = SecurityAssociation(
                ESP, spi=s["spi-in"] + k, crypt_algo="AES-CBC", crypt_key=key,
                auth_algo="HMAC-SHA1-96", auth_key=bytes.fromhex(s["auth-key-in"]))
want = collections.Counter()
for p in rdpcap(sys.argv[3]):
    if ESP in p:
        want[bytes(sa[p[ESP].spi].decrypt(p[IP]))] += 1
try:
    out = rdpcap(sys.argv[4])
except (OSError, EOFError):
    out = []
got = collections.Counter(bytes(p[IP]) for p in out if IP in p)
n = sum(want.values())
if got != want:
    miss = want - got
    extra = got - want
    print("#   ! secgw output != scapy's decryption: %d of %d packets sent, %d expected missing,"
          " %d unexpected" % (sum(got.values()), n, sum(miss.values()), sum(extra.values())))
    if extra and miss:
        a, b = next(iter(extra)), next(iter(miss))
        i = next((i for i in range(min(len(a), len(b))) if a[i] != b[i]), min(len(a), len(b)))
        print("#     first difference at IP byte %d (len %d vs %d)" % (i, len(a), len(b)))
    sys.exit(1)
PYEOF
	touch "$d/checked-$pmd"
}

# secgw_run PMD ALG SIZE: measured and verified like lnsd's row; JSON in
# $W/secgw-ALG/PMD-SIZE.json
secgw_run() {
	local pmd=$1 alg=$2 size=$3 d=$W/secgw-$2
	secgw_start "$pmd" "$alg" "$(traffic_vdev "$d/up-$size.pcap" 1)" "$(arp_vdev "$d/arp-core.pcap" 1)"
	sample secgw "${PREFIX}sg" 0 1 secgw
	mv "$W/secgw.json" "$d/$pmd-$size.json"
}

# secgw_best ALG SIZE: every PMD that can do ALG, checked against scapy once, then
# measured; sets SGJ (the JSON of the fastest valid run, else of the last run), pmd
# (its short name) and SGNOTE (why a PMD was not used)
secgw_best() {
	local alg=$1 size=$2 p best=-1 m
	SGJ= pmd=- SGNOTE=
	secgw_build || return 0
	secgw_prepare "$alg" || { SGNOTE="#   ! secgw: could not make its pcaps/config"; return 0; }
	for p in $SECGW_PMDS; do
		[ "$p" = crypto_aesni_gcm ] && [ "$alg" != aes128gcm16 ] && continue
		if ! m=$(secgw_check "$alg" "$p"); then
			SGNOTE+="${SGNOTE:+$'\n'}$m"$'\n'"#   ! secgw with $p not used: its output failed the scapy check"
			continue
		fi
		secgw_run "$p" "$alg" "$size"
		m=$(jget "$W/secgw-$alg/$p-$size.json" mpps)
		if isnum "$m" && [ "$(echo "$m > $best" | bc)" = 1 ]; then
			best=$m SGJ=$W/secgw-$alg/$p-$size.json pmd=${p#crypto_aesni_}
		elif [ -z "$SGJ" ] || ! isnum "$best"; then
			SGJ=$W/secgw-$alg/$p-$size.json pmd=${p#crypto_aesni_}
		fi
		SGNOTE+="${SGNOTE:+$'\n'}#   secgw $p: $(num "$m") Mpps"
		isnum "$m" || SGNOTE+=" ($(jget "$W/secgw-$alg/$p-$size.json" why))"
	done
}

# ipsec-secgw 22.11 parses `udp-encap` only for SAs of the inline/lookaside *protocol*
# offload types (hardware); with a software crypto PMD (lookaside-none, legacy or
# library mode) sa.c rejects it: no NAT-T row can be made on this harness.
secgw_natt_note() {
	echo "# secgw NAT-T: not measured: DPDK 22.11 ipsec-secgw accepts udp-encap only for inline/lookaside"
	echo "#   protocol offload (hardware), not with crypto_aesni_* (sa.c); the secgw rows are plain ESP"
}
