#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Policies added, removed and reordered by reload (issue 18), with sessions on
# them. Two static non-secure sessions: S1 under "slow" (1 Mbit/s up), S2 under
# "fast" (3 Mbit/s up). A reload replaces [slow, fast] by [fast, newp]: "slow"
# removed, "fast" moved to the front, "newp" (2 Mbit/s) added where "fast" was.
# Sessions hold a policer slot, not a position: after the reload S1 must still
# be metered at slow's 1 Mbit/s (a removed policy stays for its holders) and S2
# at fast's 3 Mbit/s, neither moved onto another policy's meter; both stay up.
# --dry-run and the reload answer name the changes; `show sessions` names each
# session's policy; a new xl2tpd + slirp session of a user given "newp" by the
# reload takes it: downstream 2 Mbit/s. That user authenticates against
# FreeRADIUS; radclient CoA Filter-Id naming the removed policy is NAKed (407)
# and changes nothing, naming "fast" moves the session to it. Then an
# lnsd started without policies (no policer table) gets its first by reload,
# and a new session is metered by it. Paced UDP (policygen.py) offers 10 Mbit/s
# per session for LNS_POLICY_SECS (default 3) seconds per measure.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lac.sh"

lns_init reload_policy
for t in xl2tpd slirp-fullbolt freeradius radclient; do
	command -v "$t" >/dev/null ||
		{ echo "reload_policy: missing $t: run drivers-config/install-deps.sh" >&2; exit 1; }
done
W=$LNS_WORK
GEN=("$PY" "$LNS_SRC/tests/integration/policygen.py")
SECS=${LNS_POLICY_SECS:-3}
SIZE=1000
quiet() { "$@" >/dev/null 2>&1; }
. "$(dirname "$0")/radius.sh"
RAD_USERS='nu        Cleartext-Password := "nupass"'
P1=$(free_udp3)
rad_setup r1 "$P1"
lns_check "FreeRADIUS starts (ports $P1/$((P1 + 1)))" rad_start r1
DASPORT=$(free_udp3)

# down_rate IP: bit/s that reach the client port of a 10 Mbit/s downstream stream to IP
down_rate() {
	local p0 p1 t
	p0=$(ip netns exec "$LNS_NS_ACC" cat /sys/class/net/eth0/statistics/rx_packets)
	t=$(ip netns exec "$LNS_NS_CORE" "${GEN[@]}" down "$SECS" 10 $SIZE "$1" |
		awk '$1 == "sent" { print $2 }')
	sleep 0.5
	p1=$(ip netns exec "$LNS_NS_ACC" cat /sys/class/net/eth0/statistics/rx_packets)
	awk -v n=$((p1 - p0)) -v t="${t:-1}" -v s=$SIZE 'BEGIN { printf "%d", n * s * 8 / t }'
}

# conf POLICIES S1POLICY NUPOLICY: the configuration with those policies
conf() {
	lns_write_config "$W/$4" "l2tp:
  allow-nonsecure: true
  hello-interval: 0
ppp:
  auth: [pap]
  keepalive:
    interval: 0
  default-pool: subs
  pools:
    - {name: stat, prefix: 10.212.0.0/24}
    - {name: subs, prefix: 10.213.0.0/24}
  users:
    - {name: nu, password: unused$3}
radius:
  authenticate: true
  das-address: 127.0.0.1
  das-port: $DASPORT
  das-clients:
    - {address: 127.0.0.1, secret: nassecret}
  servers:
    - {address: 127.0.0.1, auth-port: $P1, acct-port: $((P1 + 1)), secret: radsecret}
policies:
$1
static:
  tunnels:
    - {local-id: 4001, peer-id: 11, peer: $LNS_ACC_PEER, sessions: 1, pool: stat, policy: $2}
    - {local-id: 4002, peer-id: 12, peer: $LNS_ACC_PEER, sessions: 1, pool: stat, policy: fast}"
}
conf "  - {name: slow, up-rate: 1000000, down-rate: 1000000}
  - {name: fast, up-rate: 3000000, down-rate: 3000000}" slow "" v1.yaml
# the static section is restart-only: S1 keeps "slow" as it runs
conf "  - {name: fast, up-rate: 3000000, down-rate: 3000000}
  - {name: newp, up-rate: 2000000, down-rate: 2000000}" fast ", policy: newp" v2.yaml
lns_check "lnsd --check accepts both files" \
	sh -c "'$LNSD' --check -c '$W/v1.yaml' && '$LNSD' --check -c '$W/v2.yaml'"
lns_topology_up
lns_start "$W/v1.yaml" || { lns_fail "lnsd starts"; lns_finish; exit 1; }
quiet ip netns exec "$LNS_NS_ACC" ping -c 1 -W 2 "$LNS_ACC_ADDR"

# Over the limit is a policer bug: +10% at most; a loaded machine bunches
# packets and loses some of the 100 ms bucket: -20% allowed (as test_subpolicy).
within() { awk -v v="$1" -v r="$2" 'BEGIN { exit !(v >= r * 0.8 && v <= r * 1.1) }'; }
# up_rates TAG: upstream bit/s delivered for S1 and S2 (10 Mbit/s offered each)
up_rates() {
	local rpid
	ip netns exec "$LNS_NS_CORE" "${GEN[@]}" rxcore $((SECS + 8)) >"$W/$1.rx" &
	rpid=$!
	LNS_BG_PIDS+=("$rpid")
	sleep 0.5
	ip netns exec "$LNS_NS_ACC" "${GEN[@]}" up "$LNS_ACC_PEER" "$LNS_ACC_ADDR" "$SECS" 10 \
		$SIZE 4001:1:10.212.0.1 4002:1:10.212.0.2 >"$W/$1.sent"
	wait "$rpid"
	while read -r l; do lns_log "  $1: $l" >&2; done < <(cat "$W/$1.rx" "$W/$1.sent")
	for a in 10.212.0.1 10.212.0.2; do
		awk -v k=$a -v s=$SIZE -v t="$(awk '$1 == "sent" { print $2 }' "$W/$1.sent")" \
			'$1 == "rx" && $2 == k { n = $3 } END { printf "%d ", n * s * 8 / (t ? t : 1) }' \
			"$W/$1.rx"
	done
}
# pol_of ADDR: the policy `show sessions` names for the session with ADDR
pol_of() {
	lns_ctl --json show sessions | "$PY" -c '
import json, sys
for v in json.load(sys.stdin).values():
    if v.get("address") == sys.argv[1]:
        print(v.get("policy", "-"))' "$1"
}
nsess() { lns_ctl --json show sessions | "$PY" -c 'import json, sys; print(len(json.load(sys.stdin)))'; }

read -r r1 r2 <<<"$(up_rates before)"
lns_check "before: S1 under slow delivers 1 Mbit/s (got $r1 bit/s)" within "$r1" 1000000
lns_check "before: S2 under fast delivers 3 Mbit/s (got $r2 bit/s)" within "$r2" 3000000

# ---- the dry run names the changes and applies nothing
lns_ctl reload --dry-run -c "$W/v2.yaml" >"$W/dry.out" 2>&1
while read -r l; do lns_log "  dry-run: $l"; done <"$W/dry.out"
lns_check "dry run: slow removed, newp added, live" \
	sh -c "grep -q 'policies\[slow\]: removed\$' '$W/dry.out' && grep -q 'policies\[newp\]: added\$' '$W/dry.out'"
lns_check "dry run: says S1 keeps slow's rates" \
	grep -q 'policies\[slow\]: 1 session keeps its rates until they end' "$W/dry.out"
lns_check "dry run: nothing changed (S1 still slow)" [ "$(pol_of 10.212.0.1)" = slow ]

# ---- the reload
seq0=$(lns_last_seq)
lns_check "reload -c v2.yaml succeeds" sh -c "'$LNSCTL' --file-prefix '$LNS_PREFIX' --timeout 20 reload -c '$W/v2.yaml' >'$W/reload.out' 2>&1"
while read -r l; do lns_log "  reload: $l"; done <"$W/reload.out"
lns_check "reload: slow removed and newp added, not as needing a restart" \
	sh -c "grep -q 'policies\[slow\]: removed\$' '$W/reload.out' && grep -q 'policies\[newp\]: added\$' '$W/reload.out'"
lns_check "reload: the static change needs a restart" \
	grep -q 'static.*needs a restart' "$W/reload.out"
lns_check "reload event: names the policy changes" lns_wait_event reload "policies=-slow,+newp " "$seq0" 5
lns_check "show sessions: S1 still names slow (removed, held)" [ "$(pol_of 10.212.0.1)" = slow ]
lns_check "show sessions: S2 still names fast" [ "$(pol_of 10.212.0.2)" = fast ]

read -r r1 r2 <<<"$(up_rates after)"
lns_check "after: S1 keeps slow's 1 Mbit/s, not newp's or fast's (got $r1 bit/s)" within "$r1" 1000000
lns_check "after: S2 keeps fast's 3 Mbit/s, not newp's (got $r2 bit/s)" within "$r2" 3000000
n=$(nsess)
lns_check "after: both static sessions up ($n sessions)" [ "$n" = 2 ]
lns_check "after: no session ended" eval "! lns_has_event session-down '' $seq0"

# ---- a new session takes the added policy
lns_lac_start nu nu nupass && lns_lac_call nu
lns_check "nu: PPP up" lns_wait_event ppp-up "user=nu " "$seq0" 20
lns_check "nu: event policy=newp source=config" \
	lns_wait_event policy "user=nu policy=newp source=config" "$seq0" 5
ip=$(lns_ctl --json show sessions | "$PY" -c '
import json, sys
print(next((v["address"] for v in json.load(sys.stdin).values() if v.get("user") == "nu"), ""))')
lns_check "nu: show sessions names newp" [ "$(pol_of "$ip")" = newp ]
# CoA Filter-Id by name: a removed policy is unknown (CoA-NAK Invalid-Attribute-
# Value, no change, as any unknown name), an added one switches the session
sid=$(lns_ctl --json show sessions | "$PY" -c '
import json, sys
print(next((v.get("acct_session_id", "") for v in json.load(sys.stdin).values() if v.get("user") == "nu"), ""))')
das() { printf "User-Name = \"nu\"\nAcct-Session-Id = \"$sid\"\nFilter-Id = \"$1\"\nMessage-Authenticator = 0x00\n" |
	timeout 10 radclient -r 1 -t 1 -x "127.0.0.1:$DASPORT" coa nassecret 2>&1; }
seq1=$(lns_last_seq)
out=$(das slow)
lns_log "  CoA Filter-Id=slow: $(echo "$out" | grep -o 'Received CoA-[A-Z]*')"
lns_check "CoA Filter-Id=slow (removed): CoA-NAK Invalid-Attribute-Value" \
	sh -c "echo '$out' | grep -q 'Received CoA-NAK' && echo '$out' | grep -Eq 'Error-Cause = (Invalid-Attribute-Value|407)'"
lns_check "CoA Filter-Id=slow (removed): the session stays on newp" \
	sh -c "[ '$(pol_of "$ip")' = newp ] && [ -n '$sid' ]"
lns_check "CoA Filter-Id=slow: no policy event" eval "! lns_has_event policy 'policy=slow' $seq1"
out=$(das fast)
lns_check "CoA Filter-Id=fast: CoA-ACK" sh -c "echo '$out' | grep -q 'Received CoA-ACK'"
lns_check "CoA Filter-Id=fast: event policy=fast source=coa" \
	lns_wait_event policy "user=nu policy=fast source=coa" "$seq1" 5
lns_check "CoA Filter-Id=fast: show sessions names fast" [ "$(pol_of "$ip")" = fast ]
das newp >/dev/null
lns_check "CoA Filter-Id=newp: back on newp" \
	lns_wait_event policy "user=nu policy=newp source=coa" "$seq1" 5
r=$(down_rate "$ip")
lns_check "nu: downstream delivers newp's 2 Mbit/s (got $r bit/s)" within "$r" 2000000
lns_lac_hangup nu
lns_lac_stop nu
lns_stop_expect 0

# ---- an lnsd started without policies (and without RADIUS) gets its first by reload
body() {
	lns_write_config "$W/$1" "l2tp:
  allow-nonsecure: true
  hello-interval: 0
ppp:
  auth: [pap]
  keepalive:
    interval: 0
  default-pool: subs
  pools:
    - {name: subs, prefix: 10.213.0.0/24}
  users:
    - {name: nu, password: nupass$2}
$3"
}
body v0.yaml "" ""
body v3.yaml ", policy: newp" "policies:
  - {name: newp, up-rate: 2000000, down-rate: 2000000}"
lns_start "$W/v0.yaml" || { lns_fail "lnsd starts without policies"; lns_finish; exit 1; }
seq0=$(lns_last_seq)
lns_check "first policies: reload applies them live" \
	sh -c "'$LNSCTL' --file-prefix '$LNS_PREFIX' --timeout 20 reload -c '$W/v3.yaml' >'$W/reload3.out' 2>&1 && grep -q 'policies\[newp\]: added\$' '$W/reload3.out'"
while read -r l; do lns_log "  reload: $l"; done <"$W/reload3.out"
lns_lac_start nu0 nu nupass && lns_lac_call nu0
lns_check "first policies: nu PPP up" lns_wait_event ppp-up "user=nu " "$seq0" 20
lns_check "first policies: nu gets newp" \
	lns_wait_event policy "user=nu policy=newp source=config" "$seq0" 5
ip=$(lns_ctl --json show sessions | "$PY" -c '
import json, sys
print(next((v["address"] for v in json.load(sys.stdin).values() if v.get("user") == "nu"), ""))')
r=$(down_rate "$ip")
lns_check "first policies: nu downstream at newp's 2 Mbit/s (got $r bit/s)" within "$r" 2000000
lns_lac_hangup nu0
lns_lac_stop nu0
lns_stop_expect 0
lns_finish
