#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The embedded demo: installs what it needs, builds lnsd, and runs it on virtual
# ports in network namespaces with config/demo.yaml. A real client stack (strongSwan
# for IKEv1 and ESP, xl2tpd as the L2TP client, slirp as its PPP client) connects,
# gets an address, passes traffic to a server on the core side, hangs up, goes
# through the single-shot teardown, and connects again; lnsctl shows each step. Everything it creates is removed at the end; it exits non-zero if a
# step fails.
#
#   app/demo/lnsd-demo.sh                 (add --no-install to skip the package step)
set -u
# Namespaces, veths and DPDK need root: a user with sudo gets it asked for here, so the
# command works as written whether or not the caller is root.
if [ "$(id -u)" != 0 ]; then
	command -v sudo >/dev/null && exec sudo -- "$0" "$@"
	echo "${0##*/}: run this as root (sudo is not installed)" >&2
	exit 1
fi
SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${LNSD_BUILD:-$SRC/build}

say()  { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
step() { printf '    %s\n' "$*"; }

if [ "${1:-}" != "--no-install" ]; then
	say "Installing build and test dependencies (Debian packages)"
	"$SRC/drivers-config/install-deps.sh" || exit 1
fi
say "Building lnsd in $BUILD"
if [ ! -f "$BUILD/build.ninja" ]; then
	meson setup "$BUILD" "$SRC" >/dev/null || exit 1
fi
ninja -C "$BUILD" >/dev/null || { ninja -C "$BUILD"; exit 1; }

# config/demo.yaml names these interfaces and this file prefix.
LNS_NS_ACC=lnsd-client LNS_NS_CORE=lnsd-core
LNS_IF_ACC=lnsd-acc LNS_IF_CORE=lnsd-core LNS_PREFIX=lnsd-demo
export LNSD_BUILD=$BUILD
. "$SRC/tests/integration/lib.sh"
. "$SRC/tests/integration/lac.sh"
. "$SRC/tests/integration/ipsec.sh"
lns_init demo
for n in "$LNS_NS_ACC" "$LNS_NS_CORE"; do
	ip netns list | grep -qw "$n" && { echo "demo: namespace $n exists (another demo running?)"; exit 1; }
done
USER_NAME=demo PASSWORD=demo-password ADDR=10.100.0.1

# must STEP COMMAND...: a step of the story that has to work
must() { local what=$1; shift; if "$@"; then lns_pass "$what"; else lns_fail "$what"; fi; }

say "Setting up the network: two namespaces, two veth pairs"
step "client namespace $LNS_NS_ACC ($LNS_ACC_PEER)  <->  lnsd access port $LNS_ACC_ADDR (DPDK af_packet on $LNS_IF_ACC)"
step "core namespace   $LNS_NS_CORE ($LNS_CORE_PEER) <->  lnsd core port   $LNS_CORE_ADDR (DPDK af_packet on $LNS_IF_CORE)"
lns_topology_up

say "Starting lnsd with config/demo.yaml (one control core, one worker core)"
step "Tunnels are single-shot: one session per tunnel, and the tunnel goes as soon as"
step "its session does. The destruct timeout (how long a dead tunnel's record stays"
step "visible) is 3 s here, thanks to limits.allow-short-timers (10-3600 s otherwise)."
lns_start "$SRC/config/demo.yaml" || exit 1

say "Step 1 - IPsec: the client's strongSwan negotiates with lnsd's IKEv1 responder"
step "Main Mode with a pre-shared key, then Quick Mode: an ESP SA pair (AES-GCM-128)"
step "protecting the client's L2TP (UDP 1701), in UDP 4500 (NAT traversal)."
must "strongSwan (charon) starts in the client namespace" lns_ipsec_start demo-psk aes128gcm16
must "IKE and ESP negotiated" lns_ipsec_initiate
must "lnsd reports the IPsec connection up" lns_wait_event ipsec-up "" 0 5
lns_ctl show sa

say "Step 2 - The client dials: an L2TP tunnel (control connection) and a session (call)"
step "xl2tpd plays the LAC; slirp plays the user's PPP stack (user '$USER_NAME')."
must "xl2tpd starts in the client namespace" lns_lac_start demo "$USER_NAME" "$PASSWORD"
lns_lac_call demo
must "tunnel established" lns_wait_event tunnel-up "" 0 10
must "session established" lns_wait_event session-up "" 0 10
lns_ctl show tunnels

say "Step 3 - PPP: LCP, PAP login, then IPCP gives the user an address from the pool"
must "PPP up with address $ADDR" lns_wait_event ppp-up "address=$ADDR" 0 20
lns_ctl show sessions

say "Step 4 - Traffic through lnsd: a server in the core namespace talks to the user"
step "Packets to $ADDR go core -> lnsd -> L2TP/PPP -> slirp, which hands them to a UDP"
step "echo service in the client namespace; its answers come back the same way, and"
step "lnsd checks that they come from the user's own address."
ip -n "$LNS_NS_ACC" addr add "$ADDR/32" dev lo
ip netns exec "$LNS_NS_ACC" "$PY" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 7777))
s.settimeout(60)
while True:
    d, a = s.recvfrom(2048)
    s.sendto(d, a)' "$ADDR" &
LNS_BG_PIDS+=("$!")
sleep 0.3
got=$(ip netns exec "$LNS_NS_CORE" "$PY" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1)
n = 0
for i in range(10):
    s.sendto(b"hello %d" % i, (sys.argv[1], 7777))
    try:
        d, a = s.recvfrom(2048)
        n += d == b"hello %d" % i
    except socket.timeout:
        pass
print(n)' "$ADDR")
step "$got of 10 datagrams came back"
must "traffic passes both ways" [ "${got:-0}" -ge 8 ]
lns_ctl show sessions

say "Step 5 - The user hangs up"
seq0=$(lns_last_seq)
lns_lac_hangup demo
must "session down" lns_wait_event session-down "" "$seq0" 10

say "Step 6 - Single-shot teardown: the tunnel goes at once, and so does its IPsec connection"
step "At the beginning of the destruct period lnsd drops the SAs from the data plane"
step "and sends IKE Deletes; the tunnel's record stays visible until the period ends."
must "tunnel destroyed" lns_wait_event tunnel-destroyed "" "$seq0" 10
must "destruct period begins" lns_wait_event destruct-begin "" "$seq0" 5
must "SAs dropped from the data plane (ipsec-disconnect)" lns_wait_event ipsec-disconnect "" "$seq0" 5
must "IKE Deletes sent to the client" lns_wait_event ike-delete-sent "" "$seq0" 5
lns_ctl show tunnels
lns_ctl show sa
must "destruct period ends" lns_wait_event destruct-end "" "$seq0" 6
tb=$(lns_event_t destruct-begin "$seq0"); te=$(lns_event_t destruct-end "$seq0")
step "destruct lasted $(( (te - tb) / 1000 )) ms (configured: 3000 ms)"
lns_ctl show events

say "Step 7 - A second connection: new IPsec SAs, a new tunnel, and it works the same"
seq0=$(lns_last_seq)
must "IKE and ESP negotiated again" lns_ipsec_initiate
must "a new IPsec connection" lns_wait_event ipsec-up "" "$seq0" 5
lns_lac_call demo
# xl2tpd may still be tearing its first tunnel down: ask once more if need be.
lns_wait_event tunnel-up "" "$seq0" 8 || lns_lac_call demo
must "second tunnel up" lns_wait_event tunnel-up "" "$seq0" 12
must "second PPP session up" lns_wait_event ppp-up "user=$USER_NAME" "$seq0" 20
lns_ctl show sessions
lns_lac_hangup demo
must "second connection torn down" lns_wait_event tunnel-destroyed "" "$seq0" 10
lns_lac_stop demo
lns_ipsec_stop

say "Counters (lnsctl show stats)"
lns_ctl show stats

say "Stopping lnsd with SIGTERM: it closes its ports and exits 0"
lns_stop_expect 0
lns_finish
