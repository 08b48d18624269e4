#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Per-subscriber policy from the config and from RADIUS (issue 17), against
# FreeRADIUS (authentication and the accounting detail file) and xl2tpd + slirp as
# the real client (one call at a time; the LAC's host name picks the profile):
#   sid.  a static tunnel holds local-id 1: the first xl2tpd tunnel gets another
#         id and a UDP echo round trip passes through it
#   st.   profile session-timeout 3 s in a single-shot profile: the session ends,
#         Stop says Session-Timeout, the tunnel follows (StopCCN)
#   rst.  RADIUS Session-Timeout 2 wins over the profile's 600; its malformed
#         Mikrotik-Rate-Limit is ignored: event, counted (rate_limit_bad)
#   idle. ppp.users' session-idle-timeout 2 (RADIUS gives none): Stop says
#         Idle-Timeout; its Access-Accept's Filter-Id names no policy: counted,
#         event, the profile's policy applies
#   ka.   profile keepalive 1 s x 2 (ppp.keepalive is off): slirp frozen, the
#         session ends within a few seconds, Stop says Lost-Carrier
#   rate. Mikrotik-Rate-Limit "8M/2M" in the Access-Accept: event policy
#         source=radius; 10 Mbit/s offered downstream delivers 2 Mbit/s -20/+10%
#         (packets counted by the client namespace's kernel); radclient CoA
#         "8M/4M": ACK, event source=coa, 4 Mbit/s; a bad value: NAK 407;
#         a Filter-Id naming no policy: NAK 407, event, nothing changed;
#         CoA "1M/8M" and 4 Mbit/s echoed back by a UDP echo behind slirp: the
#         upstream delivers 1 Mbit/s (counted by the core namespace's kernel)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lac.sh"

lns_init subpolicy
for t in freeradius radclient xl2tpd slirp-fullbolt; do
	command -v "$t" >/dev/null ||
		{ echo "subpolicy: missing $t: run drivers-config/install-deps.sh" >&2; exit 1; }
done
W=$LNS_WORK
quiet() { "$@" >/dev/null 2>&1; }
. "$(dirname "$0")/radius.sh"

RAD_USERS=$(cat <<'EOF'
stuser    Cleartext-Password := "stpass"
radst     Cleartext-Password := "radstpass"
          Session-Timeout = 2,
          Mikrotik-Rate-Limit = "8Q/2M"
idler     Cleartext-Password := "idlepass"
          Filter-Id = "nosuch"
kauser    Cleartext-Password := "kapass"
rateuser  Cleartext-Password := "ratepass"
          Mikrotik-Rate-Limit = "8M/2M"
EOF
)
P1=$(free_udp3)
rad_setup r1 "$P1"
lns_check "FreeRADIUS starts (ports $P1/$((P1 + 1)))" rad_start r1
DETAILS="$W/r1/log/detail"

lns_topology_up
DASPORT=$(free_udp3)
LNS_LIMITS_EXTRA='  allow-short-timers: true'
lns_write_config "$W/lnsd.yaml" "
l2tp:
  allow-nonsecure: true
  hello-interval: 0
  idle-timeout: 1
  destruct-timeout: 2
  destination-profiles:
    - name: stprof
      match: {host-name: stprof}
      single-shot-tunnel: true
      session-timeout: 3
    - name: longprof
      match: {host-name: longprof}
      session-timeout: 600
      policy: base
    - name: kaprof
      match: {host-name: kaprof}
      keepalive-interval: 1
      keepalive-failures: 2
ppp:
  auth: [pap]
  keepalive:
    interval: 0
  default-pool: subs
  pools:
    - {name: subs, prefix: 10.203.0.0/24}
    - {name: stat, prefix: 10.204.0.0/30}
  users:
    - name: idler
      password: unused
      session-idle-timeout: 2
radius:
  authenticate: true
  timeout-ms: 2500
  das-address: 127.0.0.1
  das-port: $DASPORT
  das-clients:
    - {address: 127.0.0.1, secret: nassecret}
  servers:
    - {address: 127.0.0.1, auth-port: $P1, acct-port: $((P1 + 1)), secret: radsecret}
policies:
  - {name: base, down-rate: 50000000}
static:
  tunnels:
    - {local-id: 1, peer-id: 11, peer: $LNS_ACC_PEER, sessions: 1, pool: stat}
"
lns_check "lnsd --check accepts the per-session keys" quiet "$LNSD" --check -c "$W/lnsd.yaml"
lns_start "$W/lnsd.yaml" || { lns_fail "lnsd starts"; lns_finish; exit 1; }

# sess USER: that user's session from show sessions (JSON), "" if none
sess() { lns_ctl --json show sessions | "$PY" -c '
import json, sys
for v in json.load(sys.stdin).values():
    if v.get("user") == sys.argv[1]:
        print(json.dumps(v)); break' "$1"; }
# call NAME USER PASS HOST: xl2tpd + slirp dial with that Host Name; its session id
call() {
	lns_lac_start "$1" "$2" "$3" "hostname = $4" && lns_lac_call "$1"
	lns_wait_event ppp-up "user=$2 " "$seq0" 20 || return 1
	SID=$(jfield "$(sess "$2")" acct_session_id)
	[ -n "$SID" ]
}
cause_is() { [ "$(jfield "$(acct_rec "$1" Stop || echo '{}')" Acct-Terminate-Cause)" = "$2" ]; }

# ---- sid. static tunnel 1 holds its id: the first xl2tpd tunnel gets another
# one (it used to get 1 and be refused by the data plane), and passes traffic
seq0=$(lns_last_seq)
lns_check "sid: up in profile longprof beside static tunnel 1" call sid kauser kapass longprof
tun_ids() { lns_ctl --json show tunnels | "$PY" -c '
import json, sys
print(" ".join("%s:%s" % (k, v.get("state")) for k, v in sorted(json.load(sys.stdin).items(), key=lambda kv: int(kv[0]))))'; }
ids=$(tun_ids)
lns_log "sid: tunnels $ids"
lns_check "sid: tunnel 1 is still the static one, the L2TP tunnel has another id ($ids)" \
	sh -c "echo '$ids' | grep -qw '1:static' && echo '$ids' | grep -Eq '(^| )([02-9]|[1-9][0-9]+):established'"
lns_check "sid: no tunnel refused" eval "! lns_has_event tunnel-refused '' $seq0"
ip=$(jfield "$(sess kauser)" address)
ip -n "$LNS_NS_ACC" addr add "$ip/32" dev lo
ip netns exec "$LNS_NS_ACC" timeout 20 "$PY" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 7777))
while True:
    d, a = s.recvfrom(2048)
    s.sendto(b"echo:" + d, a)' "$ip" &
LNS_BG_PIDS+=("$!")
sleep 0.3
reply=$(ip netns exec "$LNS_NS_CORE" "$PY" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1)
for i in range(5):
    s.sendto(b"sid-%d" % i, (sys.argv[1], 7777))
    try:
        d, a = s.recvfrom(2048)
        print(d.decode(), a[0]); break
    except socket.timeout:
        pass' "$ip")
lns_check "sid: UDP round trip core -> $ip -> core through the L2TP tunnel ($reply)" \
	sh -c "echo '$reply' | grep -Eq '^echo:sid-[0-9] $ip\$'"
ip -n "$LNS_NS_ACC" addr del "$ip/32" dev lo
lns_lac_hangup sid
lns_check "sid: hung up" lns_wait_event session-down "" "$seq0" 10
lns_lac_stop sid

# ---- st. profile session-timeout 3 (single-shot: the tunnel follows)
seq0=$(lns_last_seq)
lns_check "st: up in profile stprof" call st stuser stpass stprof
t0=$EPOCHREALTIME
lns_check "st: the session ends by itself (session-timeout 3)" \
	lns_wait_event session-down "" "$seq0" 10
dt=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
lns_check "st: after about 3 s of the session (${dt}s after ppp-up was seen)" \
	awk -v d="$dt" 'BEGIN { exit !(d >= 1.5 && d <= 6) }'
lns_check "st: Stop in the detail file" wait_acct "$SID" Stop 5
lns_check "st: Acct-Terminate-Cause = Session-Timeout" cause_is "$SID" Session-Timeout
lns_check "st: single-shot: the tunnel is stopped (StopCCN)" lns_wait_event stopccn-sent "" "$seq0" 5
lns_lac_stop st

# ---- rst. RADIUS Session-Timeout 2 wins over the profile's 600
seq0=$(lns_last_seq)
lns_check "rst: up in profile longprof" call rst radst radstpass longprof
lns_check "rst: show sessions: session_timeout 2 (RADIUS), not 600 (profile)" \
	"$PY" -c 'import json, sys; sys.exit(json.loads(sys.argv[1]).get("session_timeout") != 2)' \
	"$(sess radst)"
lns_check "rst: Access-Accept Mikrotik-Rate-Limit 8Q/2M is refused: event with the value" \
	lns_wait_event policy 'user=radst error=bad-Mikrotik-Rate-Limit value="8Q/2M" source=radius' "$seq0" 5
lns_check "rst: show radius counts it (rate_limit_bad 1, rate_limit_no_slot 0)" "$PY" -c \
	'import json, sys; r = json.loads(sys.argv[1]); sys.exit(not (r.get("rate_limit_bad") == 1 and r.get("rate_limit_no_slot") == 0))' \
	"$(lns_ctl --json show radius)"
lns_check "rst: the session ends" lns_wait_event session-down "" "$seq0" 8
wait_acct "$SID" Stop 5
lns_check "rst: Acct-Terminate-Cause = Session-Timeout" cause_is "$SID" Session-Timeout
lns_lac_stop rst

# ---- idle. ppp.users' session-idle-timeout 2 (no RADIUS Idle-Timeout)
seq0=$(lns_last_seq)
lns_check "idle: up in profile longprof" call idle idler idlepass longprof
lns_check "idle: show sessions: idle_timeout 2 (ppp.users), session_timeout 600 (profile)" \
	"$PY" -c 'import json, sys; s = json.loads(sys.argv[1]); sys.exit(not (s.get("idle_timeout") == 2 and s.get("session_timeout") == 600))' \
	"$(sess idler)"
lns_check "idle: Access-Accept Filter-Id nosuch names no policy: event with the reason" \
	lns_wait_event policy 'user=idler error=unknown-filter-id filter-id="nosuch" source=radius' "$seq0" 5
lns_check "idle: ... and the login falls back to the profile's policy base" \
	lns_wait_event policy "user=idler policy=base source=config" "$seq0" 5
lns_check "idle: show sessions: filter_id nosuch, policy base" \
	"$PY" -c 'import json, sys; s = json.loads(sys.argv[1]); sys.exit(not (s.get("filter_id") == "nosuch" and s.get("policy") == "base"))' \
	"$(sess idler)"
lns_check "idle: show radius counts it (filter_id_unknown 1)" "$PY" -c \
	'import json, sys; sys.exit(json.loads(sys.argv[1]).get("filter_id_unknown") != 1)' "$(lns_ctl --json show radius)"
lns_check "idle: the silent session ends" lns_wait_event session-down "" "$seq0" 8
wait_acct "$SID" Stop 5
lns_check "idle: Acct-Terminate-Cause = Idle-Timeout" cause_is "$SID" Idle-Timeout
lns_lac_stop idle

# ---- ka. the profile's LCP keepalive (1 s, 2 failures) while ppp.keepalive is off
seq0=$(lns_last_seq)
lns_check "ka: up in profile kaprof" call ka kauser kapass kaprof
sleep 3
no_event() { ! lns_has_event "$@"; }
lns_check "ka: slirp answers the echoes: still up after 3 s" no_event session-down "" "$seq0"
spid=$(pgrep -f "slirp-fullbolt.*$W/lac-ka/ua" | head -n 1)
lns_check "ka: slirp found (pid ${spid:-none})" [ -n "$spid" ]
[ -n "$spid" ] && kill -STOP "$spid"
lns_check "ka: slirp frozen: keepalive ends the session" \
	lns_wait_event ppp-down "reason=keepalive" "$seq0" 8
wait_acct "$SID" Stop 5
lns_check "ka: Acct-Terminate-Cause = Lost-Carrier" cause_is "$SID" Lost-Carrier
[ -n "$spid" ] && kill -CONT "$spid"
lns_lac_stop ka

# ---- rate. Mikrotik-Rate-Limit from the Access-Accept, then by CoA
GEN=("$PY" "$LNS_SRC/tests/integration/policygen.py")
SECS=${LNS_POLICY_SECS:-4}
SIZE=1000
rxp() { ip netns exec "${2:-$LNS_NS_ACC}" cat /sys/class/net/eth0/statistics/rx_packets; }
# measure ADDR [MBPS] [NS]: delivered bit/s of SIZE-byte IPv4 packets offered
# downstream at MBPS (10) Mbit/s, counted as packets received in namespace NS
# (the client's: downstream; the core's: what came back upstream)
measure() {
	local p0 p1 t ns=${3:-$LNS_NS_ACC}
	p0=$(rxp x "$ns")
	t=$(ip netns exec "$LNS_NS_CORE" "${GEN[@]}" down "$SECS" "${2:-10}" $SIZE "$1" | awk '$1 == "sent" { print $2 }')
	sleep 0.5
	p1=$(rxp x "$ns")
	awk -v n=$((p1 - p0)) -v t="${t:-1}" -v s=$SIZE 'BEGIN { printf "%d", n * s * 8 / t }'
}
# Over the limit is a policer bug: +10% at most. Under it is what a loaded machine
# does to this chain (a stalled sender or a descheduled worker bunches packets, and
# the bucket holds only 100 ms of them): -20% allowed. Runs at load 9-12 here
# gave -22% (once, under ASan) and otherwise -8% .. +2.5%.
within() { awk -v v="$1" -v r="$2" 'BEGIN { exit !(v >= r * 0.8 && v <= r * 1.1) }'; }
das() { printf "$1" | timeout 10 radclient -r 1 -t 1 -x "127.0.0.1:$DASPORT" coa nassecret 2>&1; }

seq0=$(lns_last_seq)
lns_check "rate: up" call rate rateuser ratepass rateprof
lns_check "rate: event policy rate:8000000/2000000 source=radius" \
	lns_wait_event policy "user=rateuser policy=rate:8000000/2000000 source=radius" "$seq0" 5
lns_check "rate: show sessions: radius-rate, 8 Mbit/s up, 2 Mbit/s down" \
	"$PY" -c 'import json, sys; s = json.loads(sys.argv[1]); sys.exit(not (s.get("policy") == "radius-rate" and s.get("rate_up") == 8000000 and s.get("rate_down") == 2000000))' \
	"$(sess rateuser)"
ip=$(jfield "$(sess rateuser)" address)
r=$(measure "$ip")
lns_log "rate: 10 Mbit/s offered to $ip under 8M/2M: $r bit/s delivered"
lns_check "rate: downstream delivers 2 Mbit/s -20/+10% (got $r bit/s)" within "$r" 2000000
d=$(jfield "$(sess rateuser)" policer_drops_down)
lns_check "rate: the session's policer drops moved ($d)" [ "${d:-0}" -gt 0 ]

seq1=$(lns_last_seq)
out=$(das "User-Name = \"rateuser\"\nAcct-Session-Id = \"$SID\"\nMikrotik-Rate-Limit = \"8M/4M\"\nMessage-Authenticator = 0x00\n")
lns_check "rate: CoA Mikrotik-Rate-Limit 8M/4M answered CoA-ACK" sh -c "echo '$out' | grep -q 'Received CoA-ACK'"
lns_check "rate: event policy rate:8000000/4000000 source=coa" \
	lns_wait_event policy "user=rateuser policy=rate:8000000/4000000 source=coa" "$seq1" 5
r=$(measure "$ip")
lns_log "rate: after the CoA, 10 Mbit/s offered under 8M/4M: $r bit/s delivered"
lns_check "rate: downstream now delivers 4 Mbit/s -20/+10% (got $r bit/s)" within "$r" 4000000
out=$(das "User-Name = \"rateuser\"\nAcct-Session-Id = \"$SID\"\nMikrotik-Rate-Limit = \"8Q/4M\"\nMessage-Authenticator = 0x00\n")
lns_check "rate: a malformed Mikrotik-Rate-Limit gets CoA-NAK Invalid-Attribute-Value" \
	sh -c "echo '$out' | grep -q 'Received CoA-NAK' && echo '$out' | grep -Eq 'Error-Cause = (Invalid-Attribute-Value|407)'"
lns_check "rate: ... and the rate stays 4 Mbit/s down" \
	"$PY" -c 'import json, sys; sys.exit(json.loads(sys.argv[1]).get("rate_down") != 4000000)' "$(sess rateuser)"
# a Filter-Id naming no policy cannot be honoured: NAK, and nothing of the request
# applies (RFC 5176 §3.3), not even its Session-Timeout
seq1=$(lns_last_seq)
out=$(das "User-Name = \"rateuser\"\nAcct-Session-Id = \"$SID\"\nFilter-Id = \"nosuch\"\nSession-Timeout = 5\nMessage-Authenticator = 0x00\n")
lns_log "rate: CoA Filter-Id nosuch: $(echo "$out" | grep -E 'Received|Error-Cause' | tr '\n' ' ')"
lns_check "rate: CoA Filter-Id naming no policy gets CoA-NAK Invalid-Attribute-Value" \
	sh -c "echo '$out' | grep -q 'Received CoA-NAK' && echo '$out' | grep -Eq 'Error-Cause = (Invalid-Attribute-Value|407)'"
lns_check "rate: ... an event says why" \
	lns_wait_event policy 'user=rateuser error=unknown-filter-id filter-id="nosuch" source=coa result=nak' "$seq1" 5
lns_check "rate: ... and the session is unchanged (4 Mbit/s down, no Filter-Id, no session-timeout 5)" \
	"$PY" -c 'import json, sys; s = json.loads(sys.argv[1]); sys.exit(not (s.get("rate_down") == 4000000 and s.get("filter_id", "") == "" and s.get("session_timeout") != 5 and s.get("policy") == "radius-rate"))' "$(sess rateuser)"
lns_check "rate: show radius counts it (das_coa_unknown_policy 1)" "$PY" -c \
	'import json, sys; sys.exit(json.loads(sys.argv[1])["counters"].get("das_coa_unknown_policy") != 1)' "$(lns_ctl --json show radius)"
# upstream: slirp NATs what lnsd sends the subscriber to real sockets in the client
# namespace (PEERS.md); an echo there sends every datagram back, the same size
ip -n "$LNS_NS_ACC" addr add "$ip/32" dev lo
ip netns exec "$LNS_NS_ACC" "$PY" -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
s.bind(("0.0.0.0", 9000))
while True:
    d, a = s.recvfrom(2048)
    s.sendto(d, a)' &
LNS_BG_PIDS+=("$!")
seq1=$(lns_last_seq)
out=$(das "User-Name = \"rateuser\"\nAcct-Session-Id = \"$SID\"\nMikrotik-Rate-Limit = \"1M/8M\"\nMessage-Authenticator = 0x00\n")
lns_check "rate: CoA Mikrotik-Rate-Limit 1M/8M answered CoA-ACK" sh -c "echo '$out' | grep -q 'Received CoA-ACK'"
lns_check "rate: event policy rate:1000000/8000000 source=coa" \
	lns_wait_event policy "user=rateuser policy=rate:1000000/8000000 source=coa" "$seq1" 5
u0=$(jfield "$(sess rateuser)" policer_drops_up)
r=$(measure "$ip" 4 "$LNS_NS_CORE")
lns_log "rate: 4 Mbit/s echoed back under 1M/8M: $r bit/s delivered upstream"
lns_check "rate: upstream delivers 1 Mbit/s -20/+10% (got $r bit/s)" within "$r" 1000000
u1=$(jfield "$(sess rateuser)" policer_drops_up)
lns_check "rate: upstream policer drops moved ($u0 -> $u1)" [ "${u1:-0}" -gt "${u0:-0}" ]
lns_lac_hangup rate
lns_check "rate: Stop after hang-up" wait_acct "$SID" Stop 10
lns_lac_stop rate

lns_stop_expect 0
lns_finish
