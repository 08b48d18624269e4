#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Connections that live across renewals (DESIGN.md, "Tunnel lifecycle", Terms),
# against real peers: strongSwan charon reauthenticates phase 1 (a new Main Mode,
# then Deletes for the old SAs) every few seconds and rekeys phase 2 in between,
# while a UDP echo stream runs core -> lnsd -> ESP/L2TP/PPP -> xl2tpd + slirp ->
# back. The same tunnel and session stay up across >= 3 phase-1 renewals, loss
# stays near zero, and the events show renewals, not teardowns.
# LNS_RENEWAL_PROFILE=standard (default) or single-shot.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lac.sh"
. "$(dirname "$0")/ipsec.sh"

PROFILE=${LNS_RENEWAL_PROFILE:-standard}
lns_init "renewal-$PROFILE"
for t in xl2tpd slirp-fullbolt /usr/lib/ipsec/charon swanctl; do
	command -v "$t" >/dev/null ||
		{ echo "renewal: missing $t: run drivers-config/install-deps.sh" >&2; exit 1; }
done
lns_topology_up
W=$LNS_WORK
PSK=renewal-psk-0123456789
quiet() { "$@" >/dev/null 2>&1; }
T0=$(date +%s)
SS=false; [ "$PROFILE" = single-shot ] && SS=true
DUR=${LNS_RENEWAL_SECONDS:-36}

LNS_LIMITS_EXTRA='  allow-short-timers: true'
lns_write_config "$W/lnsd.yaml" "
ipsec:
  esp-proposals: [aes128gcm16]
  dpd-interval: 0
  psk:
    - peer: 0.0.0.0/0
      secret: \"$PSK\"
l2tp:
  allow-nonsecure: false
  hello-interval: 0
  destruct-timeout: 3
  destination-profiles:
    - name: prof
      single-shot-tunnel: $SS
ppp:
  auth: [pap]
  default-pool: subs
  pools:
    - name: subs
      prefix: 10.200.0.0/24
  users:
    - name: alice
      password: secret1
"
lns_check "lnsd --check accepts the config" quiet "$LNSD" --check -c "$W/lnsd.yaml"
lns_start "$W/lnsd.yaml" || { lns_fail "lnsd starts"; lns_finish; }

ip -n "$LNS_NS_ACC" addr add 10.200.0.1/32 dev lo
ip netns exec "$LNS_NS_ACC" "$PY" -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 7777))
while True:
    d, a = s.recvfrom(2048)
    s.sendto(d, a)' &
LNS_BG_PIDS+=("$!")

# phase 1 reauthenticated every 8 s (IKEv1: a new Main Mode, make-before-break),
# phase 2 rekeyed every 3 s; no randomness, so the count is predictable
LNS_IPSEC_IKE_TIMES='reauth_time = 8s
		rekey_time = 0
		over_time = 4s
		rand_time = 0'
LNS_IPSEC_CHILD_TIMES='rekey_time = 3s
				life_time = 6s
				rand_time = 0'
lns_check "charon starts (kernel-libipsec), short lifetimes" lns_ipsec_start "$PSK" aes128gcm16
lns_check "IKEv1 Main Mode + Quick Mode" lns_ipsec_initiate
lns_check "xl2tpd (LAC) starts" lns_lac_start lnsd alice secret1
lns_lac_call lnsd
lns_check "PPP up over IPsec (event ppp-up)" lns_wait_event ppp-up "user=alice" 0 20
lns_ctl --json show tunnels >"$W/tun0.json"
lns_ctl --json show sessions >"$W/ses0.json"
seq0=$(lns_last_seq)

# the echo stream: one datagram every 50 ms for DUR s; prints "sent received"
ip netns exec "$LNS_NS_CORE" "$PY" -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(0.01)
dur, sent, got, seen = float(sys.argv[1]), 0, 0, set()
end = time.monotonic() + dur
nxt = time.monotonic()
while time.monotonic() < end + 1:
    now = time.monotonic()
    if now < end and now >= nxt:
        s.sendto(b"renewal-%06d" % sent, ("10.200.0.1", 7777))
        sent += 1
        nxt += 0.05
    try:
        d, a = s.recvfrom(2048)
        if d.startswith(b"renewal-") and d not in seen:
            seen.add(d)
            got += 1
    except socket.timeout:
        pass
print(sent, got)' "$DUR" >"$W/echo.out"
read -r sent got <"$W/echo.out"
lns_log "echo: sent $sent, received $got"
lns_ctl --json show events after "$seq0" >"$W/ev.json"
lns_ctl --json show tunnels >"$W/tun1.json"
lns_ctl --json show sessions >"$W/ses1.json"

json() {
	"$PY" -c 'import json, sys; v = json.load(open(sys.argv[1])); sys.exit(not eval(sys.argv[2]))' "$@"
}
# events after seq0
evs() { "$PY" -c '
import json, sys
v = json.load(open(sys.argv[1]))
print(" ".join(e["event"] for k, e in v.items() if int(k) > int(sys.argv[2]) and e["event"] == sys.argv[3]))' "$W/ev.json" "$seq0" "$1" | wc -w; }
nren=$(evs ipsec-renewed); nup=$(evs ipsec-up); ndel=$(evs ike-delete-received)
lns_log "events during the stream: ipsec-renewed=$nren ipsec-up=$nup ike-delete-received=$ndel"
lns_check "at least 3 phase-1 renewals (ipsec-renewed: $nren)" [ "$nren" -ge 3 ]
lns_check "phase-2 rekeys as well (ipsec-up: $nup)" [ "$nup" -ge 6 ]
lns_check "the peer deleted old SAs meanwhile (ike-delete-received: $ndel)" [ "$ndel" -ge 3 ]
for e in ipsec-disconnect session-down tunnel-destroyed stopccn-sent stopccn-received ipsec-spent destruct-begin; do
	lns_check "no $e during the renewals" [ "$(evs $e)" = 0 ]
done
lns_check "the same tunnel, still established, over the same IPsec connection" "$PY" -c '
import json, sys
a = json.load(open(sys.argv[1])); b = json.load(open(sys.argv[2]))
ka = {(t["tunnel"], t.get("ipsec")) for t in a.values() if t.get("state") == "established"}
kb = {(t["tunnel"], t.get("ipsec")) for t in b.values() if t.get("state") == "established"}
sys.exit(not (len(ka) == 1 and ka == kb))' "$W/tun0.json" "$W/tun1.json"
lns_check "the same session" "$PY" -c '
import json, sys
a = json.load(open(sys.argv[1])); b = json.load(open(sys.argv[2]))
ka = {(s["tunnel"], s["session"]) for s in a.values()}
kb = {(s["tunnel"], s["session"]) for s in b.values()}
sys.exit(not (len(ka) == 1 and ka == kb))' "$W/ses0.json" "$W/ses1.json"
lns_check "loss near zero: $got of $sent echoed (>= 98%)" [ "$sent" -gt 0 -a $((got * 100)) -ge $((sent * 98)) ]
lns_check "no ESP dropped for a bad ICV or replay" [ "$(lns_stat drops.esp/icv)/$(lns_stat drops.esp/replay)" = 0/0 ]
lns_check "no L2TP data refused for the wrong SA" [ "$(lns_stat drops.l2tp/wrong_sa)" = 0 ]
lns_log "charon ISAKMP SAs now: $(lns_ipsec_sa_count)"

# the connection still ends normally: the LAC hangs up
seq1=$(lns_last_seq)
lns_lac_hangup lnsd
lns_check "hang-up: destruct begins" lns_wait_event destruct-begin "" "$seq1" 10
lns_check "hang-up: the IPsec connection is disconnected" lns_wait_event ipsec-disconnect "" "$seq1" 6
lns_check "hang-up: IKE Deletes sent" lns_wait_event ike-delete-sent "" "$seq1" 3
lns_lac_stop lnsd
lns_ipsec_stop
lns_stop_expect 0
lns_check "no sanitizer report in lnsd's log" \
	sh -c "! grep -Eq 'runtime error|AddressSanitizer|LeakSanitizer' '$W/lnsd.log'"
lns_log "took $(( $(date +%s) - T0 )) s"
lns_finish
