#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Capture seed inputs from real third-party peers (PEERS.md) and write them into
# tests/fuzz/corpus/ in each target's input format:
#   xl2tpd (LAC) -> SCCRQ (and its retransmissions)  -> fuzz_l2tp_ctl/xl2tpd-*
#                                                    -> fuzz_classify/xl2tpd-* (framed)
#   charon (IKEv1 initiator) -> Main Mode message 1  -> fuzz_ike/charon-*
#                                                    -> fuzz_classify/charon-* (framed)
# Each peer runs in its own network namespace and talks across a veth pair to a
# python UDP listener in a second namespace that saves what arrives. Needs root and
# the Debian packages xl2tpd, strongswan-charon, strongswan-swanctl, python3-scapy.
# Only the namespaces and PIDs made here are touched, and torn down on exit.
set -eu

src=$(cd "$(dirname "$0")/../.." && pwd)
out=$src/tests/fuzz/corpus
tmp=$(mktemp -d /tmp/lns-fuzz-cap.XXXXXX)
NS_PEER=lnsfz-peer$$
NS_LIS=lnsfz-lis$$
pids=()

cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	sleep 0.5
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
	ip netns del "$NS_PEER" 2>/dev/null || true
	ip netns del "$NS_LIS" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

ip netns add "$NS_PEER"
ip netns add "$NS_LIS"
ip link add fzp$$ type veth peer name fzl$$
ip link set fzp$$ netns "$NS_PEER"
ip link set fzl$$ netns "$NS_LIS"
ip -n "$NS_PEER" addr add 192.0.2.10/24 dev fzp$$
ip -n "$NS_LIS" addr add 192.0.2.1/24 dev fzl$$
for ns in "$NS_PEER" "$NS_LIS"; do
	ip -n "$ns" link set lo up
done
ip -n "$NS_PEER" link set fzp$$ up
ip -n "$NS_LIS" link set fzl$$ up
ip netns exec "$NS_PEER" ethtool -K fzp$$ tx off >/dev/null 2>&1 || true

# The listener: saves every UDP payload that arrives on 500, 1701 and 4500.
cat >"$tmp/listen.py" <<'EOF'
import os, select, socket, sys, time
out, secs = sys.argv[1], float(sys.argv[2])
socks = []
for port in (500, 1701, 4500):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("192.0.2.1", port))
    socks.append((s, port))
n = 0
end = time.time() + secs
while time.time() < end:
    r, _, _ = select.select([s for s, _ in socks], [], [], 0.2)
    for s, port in socks:
        if s in r:
            data, peer = s.recvfrom(65535)
            with open(os.path.join(out, "%d-%03d" % (port, n)), "wb") as f:
                f.write(data)
            n += 1
EOF
mkdir -p "$tmp/got"
ip netns exec "$NS_LIS" /usr/bin/python3 "$tmp/listen.py" "$tmp/got" 25 &
pids+=($!)
sleep 1

# xl2tpd as a LAC: one call toward the listener; it retransmits its SCCRQ.
cat >"$tmp/xl2tpd.conf" <<EOF
[global]
port = 1701
listen-addr = 192.0.2.10
[lac fuzz]
lns = 192.0.2.1
hostname = lac-xl2tpd
ppp debug = no
require authentication = no
EOF
: >"$tmp/l2tp-secrets"
ip netns exec "$NS_PEER" xl2tpd -D -c "$tmp/xl2tpd.conf" -s "$tmp/l2tp-secrets" \
	-p "$tmp/xl2tpd.pid" -C "$tmp/l2tp-control" >"$tmp/xl2tpd.log" 2>&1 &
pids+=($!)
sleep 1
echo "c fuzz" >"$tmp/l2tp-control" || true

# charon as an IKEv1 initiator (Main Mode, PSK) toward the listener.
mkdir -p "$tmp/sw"
cat >"$tmp/sw/strongswan.conf" <<EOF
charon {
	load = random nonce aes sha1 sha2 hmac kdf gcm openssl pem pkcs1 x509 pubkey gmp curve25519 kernel-netlink socket-default vici
	plugins {
		vici { socket = unix://$tmp/sw/charon.vici }
	}
	retransmit_tries = 2
	retransmit_timeout = 2
}
EOF
cat >"$tmp/sw/swanctl.conf" <<EOF
connections {
	fuzz {
		version = 1
		local_addrs = 192.0.2.10
		remote_addrs = 192.0.2.1
		proposals = aes256-sha256-ecp256,aes128-sha1-modp2048
		local { auth = psk }
		remote { auth = psk }
		children {
			l2tp {
				mode = transport
				local_ts = dynamic[udp/1701]
				remote_ts = dynamic[udp/1701]
				esp_proposals = aes128gcm16,aes256-sha1
			}
		}
	}
}
secrets { ike-fuzz { secret = fuzz-psk } }
EOF
ip netns exec "$NS_PEER" sh -c "mount -t tmpfs tmpfs /run && STRONGSWAN_CONF=$tmp/sw/strongswan.conf exec /usr/lib/ipsec/charon" \
	>"$tmp/charon.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do [ -S "$tmp/sw/charon.vici" ] && break; sleep 0.2; done
ip netns exec "$NS_PEER" swanctl --load-all --uri "unix://$tmp/sw/charon.vici" \
	--file "$tmp/sw/swanctl.conf" >/dev/null 2>&1
ip netns exec "$NS_PEER" timeout 15 swanctl --initiate --uri "unix://$tmp/sw/charon.vici" \
	--child l2tp >/dev/null 2>&1 || true

wait "${pids[0]}" || true
ls "$tmp/got" | sed 's/^/captured: /'

# Into the targets' formats (see the top of each tests/fuzz/fuzz_*.c).
/usr/bin/python3 - "$tmp/got" "$out" <<'EOF'
import os, sys
from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import Ether
got, out = sys.argv[1], sys.argv[2]
seen = set()
for name in sorted(os.listdir(got)):
    data = open(os.path.join(got, name), "rb").read()
    if data in seen:
        continue                     # retransmissions: keep one copy
    seen.add(data)
    port = int(name.split("-")[0])
    tag = {500: "charon", 4500: "charon", 1701: "xl2tpd"}[port]
    frame = Ether(dst="02:00:00:00:00:01", src="02:00:00:00:00:02") / \
        IP(src="192.0.2.10", dst="192.0.2.1") / UDP(sport=port, dport=port) / data
    def put(target, fname, b):
        os.makedirs(os.path.join(out, target), exist_ok=True)
        open(os.path.join(out, target, fname), "wb").write(bytes(b))
    put("fuzz_classify", "%s-%s" % (tag, name), frame)
    if port == 1701:
        put("fuzz_l2tp_ctl", "xl2tpd-%s" % name, b"\x00" + data)
    elif port == 500:
        put("fuzz_ike", "charon-%s" % name, b"\x00\x00" + data)
    else:                            # strip the non-ESP marker (RFC 3948 §2.2)
        put("fuzz_ike", "charon-%s" % name, b"\x00\x01" + data[4:])
EOF
