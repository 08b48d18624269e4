#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# RADIUS applied live by lnsctl reload (issue 18), against FreeRADIUS 3.2:
#   1. papuser is up through xl2tpd + slirp, with Interim-Updates every 2 s;
#   2. the secret is rotated: FreeRADIUS restarts with the new one, lnsd's file gets
#      it (server and CoA client) and `lnsctl reload` applies it, naming nothing as
#      needing a restart;
#   3. papuser's accounting continues under the new secret (FreeRADIUS drops what
#      is signed with another one, so an Interim in its detail file after the
#      reload is proof), a new login (newuser) authenticates, a CoA signed with
#      the new client secret is ACKed and one with the old secret is not answered;
#   4. a changed das-port is named as needing a restart (dry run); papuser hangs
#      up: the Stop arrives; lnsd counted no bad authenticator.
#   5. radius.accounting toggled by reload: turned off, newuser (who had a Start)
#      still gets its Stop; a session that begins while it is off (papuser again,
#      Acct-Interim-Interval 2) gets no Start, and after accounting is turned back
#      on it gets no Interim-Update and no Stop either (never a Stop without a
#      Start), while a session that begins after it is accounted; no
#      Accounting-On is sent by either reload.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lac.sh"

lns_init radius_reload
for t in freeradius radclient xl2tpd slirp-fullbolt; do
	command -v "$t" >/dev/null ||
		{ echo "radius_reload: missing $t: run drivers-config/install-deps.sh" >&2; exit 1; }
done
W=$LNS_WORK
quiet() { "$@" >/dev/null 2>&1; }

. "$(dirname "$0")/radius.sh"
RAD_USERS=$(cat <<'EOF'
papuser   Cleartext-Password := "pappass"
          Acct-Interim-Interval = 2
newuser   Cleartext-Password := "newpass"
EOF
)
P1=$(free_udp3)
rad_setup r1 "$P1"
lns_check "FreeRADIUS starts (ports $P1/$((P1 + 1)))" rad_start r1
DETAILS="$W/r1/log/detail"
# n_acct SID STATUS: how many such records the detail file holds
n_acct() { detail_json $DETAILS | "$PY" -c '
import json, sys
print(sum(1 for l in sys.stdin if json.loads(l).get("Acct-Session-Id") == sys.argv[1]
          and json.loads(l).get("Acct-Status-Type") == sys.argv[2]))' "$1" "$2"; }
wait_more() {  # wait_more SID STATUS THAN SECS
	for _ in $(seq $(($4 * 10))); do
		[ "$(n_acct "$1" "$2")" -gt "$3" ] && return 0
		sleep 0.1
	done
	return 1
}
sess_id() { lns_ctl --json show sessions | "$PY" -c '
import json, sys
for v in json.load(sys.stdin).values():
    if v.get("user") == sys.argv[1]:
        print(v.get("acct_session_id", "")); break' "$1"; }

lns_topology_up
DASPORT=$(free_udp3)
LNS_LIMITS_EXTRA='  allow-short-timers: true'
# conf FILE RADIUS_SECRET DAS_SECRET [ACCOUNTING]
conf() {
	lns_write_config "$1" "
l2tp:
  allow-nonsecure: true
  hello-interval: 0
ppp:
  auth: [pap]
  keepalive:
    interval: 0
  default-pool: subs
  pools:
    - name: subs
      prefix: 10.203.0.0/24
radius:
  authenticate: true
  accounting: ${4:-true}
  nas-identifier: lnsd-reload
  timeout-ms: 1000
  retries: 1
  hold-down: 1
  das-address: 127.0.0.1
  das-port: $DASPORT
  das-clients:
    - address: 127.0.0.1
      secret: $3
  servers:
    - address: 127.0.0.1
      auth-port: $P1
      acct-port: $((P1 + 1))
      secret: $2
"
}
conf "$W/lnsd.yaml" radsecret nassecret
lns_start "$W/lnsd.yaml" || { lns_fail "lnsd starts"; lns_finish; exit 1; }

# ---- 1. a session with accounting under the old secret
seq0=$(lns_last_seq)
lns_lac_start pap papuser pappass && lns_lac_call pap
lns_check "papuser authenticates (radius=accept)" \
	lns_wait_event auth-ok "user=papuser radius=accept" "$seq0" 15
for _ in $(seq 50); do SID=$(sess_id papuser); [ -n "$SID" ] && break; sleep 0.1; done
lns_check "papuser: Start reaches FreeRADIUS ($SID)" wait_more "$SID" Start 0 10
lns_check "papuser: an Interim-Update reaches FreeRADIUS" wait_more "$SID" Interim-Update 0 10

# ---- 2. rotate the secrets: FreeRADIUS and lnsd's file, then reload
sed -i 's/secret = radsecret/secret = rotated-secret/' "$W/r1/raddb/clients.conf"
kill "$(rad_pid r1)"; wait "$(rad_pid r1)" 2>/dev/null
conf "$W/lnsd.yaml" rotated-secret rotated-nas
lns_ctl reload >"$W/reload.out" 2>&1
lns_check "reload applied: it names the server and CoA-client secrets" \
	sh -c "grep -q 'radius.servers' '$W/reload.out' && grep -q 'radius.das-clients' '$W/reload.out'"
lns_check "reload: nothing in radius needs a restart" \
	sh -c "! grep 'needs a restart' '$W/reload.out'"
lns_check "FreeRADIUS restarts with the new secret" rad_start r1
n_int=$(n_acct "$SID" Interim-Update)

# ---- 3. accounting goes on, a new login, CoA with the new secret
lns_check "papuser: Interim-Updates continue under the new secret (had $n_int)" \
	wait_more "$SID" Interim-Update "$n_int" 15
seq0=$(lns_last_seq)
LNS_LAC_PORT=1702 lns_lac_start pap2 newuser newpass && lns_lac_call pap2
lns_check "newuser authenticates with the new secret (radius=accept)" \
	lns_wait_event auth-ok "user=newuser radius=accept" "$seq0" 15
das() { printf "$1" | timeout 10 radclient -r 1 -t 1 -x "127.0.0.1:$DASPORT" "$2" "$3" 2>&1; }
out=$(das "Acct-Session-Id = \"$SID\"\nIdle-Timeout = 600\nMessage-Authenticator = 0x00\n" coa rotated-nas)
lns_check "CoA signed with the new client secret: CoA-ACK" \
	sh -c "echo '$out' | grep -q 'Received CoA-ACK'"
das "Acct-Session-Id = \"$SID\"\nIdle-Timeout = 700\nMessage-Authenticator = 0x00\n" coa nassecret \
	>"$W/das-old.log"
lns_check "CoA signed with the old client secret: no answer" \
	sh -c "! grep -q 'Received' '$W/das-old.log'"

# the DAS socket stays where it is: a changed port is named, not applied
sed "s/das-port: $DASPORT/das-port: $((DASPORT + 3))/" "$W/lnsd.yaml" >"$W/port.yaml"
lns_ctl reload --dry-run -c "$W/port.yaml" >"$W/port.out" 2>&1
lns_check "a changed radius.das-port is named as needing a restart" \
	grep -q 'radius.das-port: .*(needs a restart)' "$W/port.out"

# ---- 4. the Stop, and no answer was refused
seq0=$(lns_last_seq)
lns_lac_hangup pap
lns_check "papuser: the Stop arrives" wait_more "$SID" Stop 0 10

# ---- 5. accounting turned off, then on again, by reload
# pending: accounting records not yet acknowledged (show radius)
pending() { lns_ctl --json show radius | "$PY" -c 'import json, sys; print(json.load(sys.stdin)["acct_pending"])'; }
wait_acked() { for _ in $(seq 100); do [ "$(pending)" = 0 ] && return 0; sleep 0.1; done; return 1; }
n_on() { detail_json $DETAILS | "$PY" -c '
import json, sys
print(sum(1 for l in sys.stdin if json.loads(l).get("Acct-Status-Type") == "Accounting-On"))'; }
ons=$(n_on)
SID2=$(sess_id newuser)
conf "$W/lnsd.yaml" rotated-secret rotated-nas false
lns_ctl reload >"$W/reload-off.out" 2>&1
lns_check "reload turns radius.accounting off" grep -q 'radius.accounting' "$W/reload-off.out"
seq0=$(lns_last_seq)
lns_lac_hangup pap2
lns_check "off: newuser (had a Start) still gets its Stop ($SID2)" wait_more "$SID2" Stop 0 10
LNS_LAC_PORT=1703 lns_lac_start pap3 papuser pappass && lns_lac_call pap3
lns_check "off: papuser logs in again (accounting off)" \
	lns_wait_event ppp-up "user=papuser" "$seq0" 15
for _ in $(seq 50); do SID3=$(sess_id papuser); [ -n "$SID3" ] && break; sleep 0.1; done
conf "$W/lnsd.yaml" rotated-secret rotated-nas true
lns_ctl reload >"$W/reload-on.out" 2>&1
lns_check "reload turns radius.accounting on again" grep -q 'radius.accounting' "$W/reload-on.out"
seq0=$(lns_last_seq)
LNS_LAC_PORT=1704 lns_lac_start pap4 newuser newpass && lns_lac_call pap4
lns_check "on: newuser logs in again" lns_wait_event ppp-up "user=newuser" "$seq0" 15
for _ in $(seq 50); do SID4=$(sess_id newuser); [ -n "$SID4" ] && break; sleep 0.1; done
lns_check "on: a session that begins now is accounted: its Start arrives ($SID4)" \
	wait_more "$SID4" Start 0 10
# papuser's Interim-Interval is 2 s: had it been accounted, two would be due by now
sleep 4
lns_lac_hangup pap3
lns_check "on: papuser (began while off) hangs up" lns_wait_event session-down "" "$seq0" 10
lns_check "on: every record lnsd queued is acknowledged" wait_acked
lns_check "papuser's session that began while accounting was off: no Start, Interim or Stop ($SID3)" \
	[ "$(n_acct "$SID3" Start) $(n_acct "$SID3" Interim-Update) $(n_acct "$SID3" Stop)" = "0 0 0" ]
lns_check "no Accounting-On was sent by the reloads (had $ons)" [ "$(n_on)" = "$ons" ]
lns_lac_hangup pap4
lns_check "on: newuser's Stop arrives" wait_more "$SID4" Stop 0 10

lns_ctl --json show radius >"$W/radius.json"
lns_check "lnsd counted no bad authenticator and lost no record" "$PY" -c '
import json, sys
j = json.load(open(sys.argv[1]))
c = j["counters"]
sys.exit(not (c.get("bad_authenticator", 1) == 0 and c.get("acct_dropped", 1) == 0 and
              c.get("das_bad_authenticator", 0) >= 1))' "$W/radius.json"
lns_lac_stop pap
lns_lac_stop pap2
lns_lac_stop pap3
lns_lac_stop pap4
lns_stop_expect 0
lns_finish
