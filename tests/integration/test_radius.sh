#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# RADIUS against FreeRADIUS 3.2 (two private instances on loopback, PEERS.md):
#   1. PAP through xl2tpd + slirp: Access-Accept with Framed-IP-Address, Filter-Id,
#      Class, Acct-Interim-Interval 2 s; show sessions lists them; Start, Interim,
#      Stop in the detail file with Class echoed and octets equal to show sessions
#   2. CHAP-MD5 (pppclient): Framed-Pool picks a local pool; UDP round trip;
#      Stop octets = show sessions; Acct-Terminate-Cause User-Request
#   3. MS-CHAPv2 (pppclient): MS-CHAP2-Success relayed, the client checks S=;
#      Framed-IP-Address 255.255.255.254 = a pool address
#   4. Access-Reject: CHAP Failure, auth-failed radius=reject (one per Reject)
#   5. Session-Timeout 3: lnsd ends the session, Stop says Session-Timeout
#  5a. Idle-Timeout 2 without traffic: Stop says Idle-Timeout
#  5d. a profile with authentication: local takes ppp.users' alice
#  5c. max-sessions-per-user 1 (a destination profile): a second call refused
#  5b. radclient CoA (Filter-Id, Idle-Timeout: ACK; Framed-Pool: NAK 401) and
#      Disconnect (unknown: NAK 503; wrong secret, no Message-Authenticator, an
#      old Event-Timestamp: no answer; right: ACK, Stop with Admin-Reset)
#   6. the primary stopped (SIGSTOP): failover to the secondary, server dead event
#   7. both stopped: a session's Start and Stop wait in the queue; lnsd stops
#      (Stop + Accounting-Off spooled), the secondary returns, lnsd restarts and
#      replays the spool: every Start has its Stop, nothing lost
#   8. a slow server (2 s per request) does not delay another LAC's tunnel
#   9. churn (normal build only): 1000 sessions over RADIUS, every Start matched
#      by a Stop
#  10. both servers hung, local-fallback on: a ppp.users user gets in
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lac.sh"
. "$(dirname "$0")/l2tpc/harness.sh"

lns_init radius
for t in freeradius radclient xl2tpd slirp-fullbolt; do
	command -v "$t" >/dev/null ||
		{ echo "radius: missing $t: run drivers-config/install-deps.sh" >&2; exit 1; }
done
CLIENT=$LNS_SRC/tests/integration/pppclient/pppclient.py
W=$LNS_WORK
quiet() { "$@" >/dev/null 2>&1; }

. "$(dirname "$0")/radius.sh"
RAD_USERS=$(cat <<'EOF'
papuser   Cleartext-Password := "pappass"
          Framed-IP-Address = 10.99.0.11, Session-Timeout = 3600, Acct-Interim-Interval = 2,
          Filter-Id = "std.in", Class = "cls-pap"
chapuser  Cleartext-Password := "chappass"
          Framed-Pool = "radpool", Class = "cls-chap"
msuser    Cleartext-Password := "mspass"
          Framed-IP-Address = 255.255.255.254
timeuser  Cleartext-Password := "timepass"
          Session-Timeout = 3
idleuser  Cleartext-Password := "idlepass"
          Idle-Timeout = 2
churn     Cleartext-Password := "churnpass"
EOF
)
P1=$(free_udp3)
rad_setup r1 "$P1"
P2=$(free_udp3)
[ "$P2" = "$P1" ] && P2=$((P1 + 4))
rad_setup r2 "$P2"
lns_check "FreeRADIUS primary starts (ports $P1/$((P1 + 1)))" rad_start r1
lns_check "FreeRADIUS secondary starts (ports $P2/$((P2 + 1)))" rad_start r2
lns_check "the users file works: radtest papuser (primary)" \
	quiet radtest papuser pappass "127.0.0.1:$P1" 0 radsecret

DETAILS="$W/r1/log/detail $W/r2/log/detail"

# ---------------------------------------------------------------- lnsd
lns_topology_up
SPOOL=$W/acct.spool
DASPORT=$(free_udp3)
LNS_LIMITS_EXTRA='  allow-short-timers: true'
lns_write_config "$W/lnsd.yaml" "
l2tp:
  allow-nonsecure: true
  hello-interval: 0
  idle-timeout: 1
  destruct-timeout: 2
  # the churn dials from one address, faster than the default 20 tunnels/s
  admission:
    sccrq-rate: 1000
    sccrq-burst: 1000
  destination-profiles:
    - name: limited
      match:
        host-name: limited
      max-sessions-per-user: 1
    - name: localprof
      match:
        host-name: localprof
      authentication: local
ppp:
  auth: [mschapv2, chap-md5, pap]
  auth-retries: 1
  keepalive:
    interval: 0
  default-pool: subs
  pools:
    - name: subs
      prefix: 10.201.0.0/24
    - name: radpool
      prefix: 10.202.0.0/24
  users:
    - name: alice
      password: secret1
# rate-limit policies named by Filter-Id (Access-Accept std.in, CoA gold)
policies:
  - {name: std.in, up-rate: 8000000, down-rate: 16000000}
  - {name: gold, down-rate: 100000000}
radius:
  authenticate: true
  nas-identifier: lnsd-test
  timeout-ms: 2500
  retries: 0
  hold-down: 2
  acct-queue: 4096
  spool: $SPOOL
  das-address: 127.0.0.1
  das-port: $DASPORT
  das-clients:
    - address: 127.0.0.1
      secret: nassecret
  servers:
    - address: 127.0.0.1
      auth-port: $P1
      acct-port: $((P1 + 1))
      secret: radsecret
    - address: 127.0.0.1
      auth-port: $P2
      acct-port: $((P2 + 1))
      secret: radsecret
"
lns_check "lnsd --check accepts the radius section" quiet "$LNSD" --check -c "$W/lnsd.yaml"
lns_start "$W/lnsd.yaml" || { lns_fail "lnsd starts"; lns_finish; exit 1; }
lns_check "Accounting-On reached the primary" \
	sh -c "sleep 1; grep -q 'Acct-Status-Type = Accounting-On' '$W/r1/log/detail'"

# pppclient in pppd's place behind xl2tpd (as test_ppp_auth.sh does)
auth_lac() {
	local name=$1 method=$2 user=$3 pass=$4 d
	shift 4
	d=$W/lac-$name
	mkdir -p "$d"
	printf '%s\n' "$pass" >"$d/pw"
	cat >"$d/pppd" <<EOF
#!/bin/sh
exec $PY $CLIENT --method $method --user $user --password-file $d/pw --log $d/client.log $* "\$1" 2>>$d/client.dbg
EOF
	chmod +x "$d/pppd"
	printf '[global]\nport = 1701\naccess control = no\n\n[lac %s]\nlns = %s\nname = %s\npppoptfile = %s/options\nlength bit = yes\nautodial = no\nredial = no\n%s\n' \
		"$name" "$LNS_ACC_ADDR" "$user" "$d" "${LAC_EXTRA:-}" >"$d/xl2tpd.conf"
	: >"$d/options"
	: >"$d/client.log"
	ip netns exec "$LNS_NS_ACC" sh -c "mount --bind '$d/pppd' /usr/sbin/pppd && \
		exec xl2tpd -D -c '$d/xl2tpd.conf' -s /dev/null -p '$d/xl2tpd.pid' \
		-C '$d/control'" >"$d/xl2tpd.log" 2>&1 &
	LNS_BG_PIDS+=("$!")
	eval "LNS_LAC_PID_$name=$!"
	for _ in $(seq 50); do [ -p "$d/control" ] && break; sleep 0.1; done
	lns_lac_call "$name"
}
wait_clog() {
	for _ in $(seq $((${3:-10} * 10))); do
		grep -Eq "$2" "$W/lac-$1/client.log" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
client_ip() { sed -n 's/^IP //p' "$W/lac-$1/client.log" | tail -n 1; }
udp_rt() {
	ip netns exec "$LNS_NS_CORE" "$PY" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1)
for i in range(5):
    s.sendto(("%s-%d" % (sys.argv[2], i)).encode(), (sys.argv[1], 7777))
    try:
        d, a = s.recvfrom(2048)
        print(d.decode(), a[0]); break
    except socket.timeout:
        pass' "$1" "$2"
}
# sess USER: that user's session from show sessions (JSON), "" if none
sess() { lns_ctl --json show sessions | "$PY" -c '
import json, sys
for v in json.load(sys.stdin).values():
    if v.get("user") == sys.argv[1]:
        print(json.dumps(v)); break' "$1"; }

# stop_octets_match SID SESSJSON: the Stop's octets/packets = lnsctl's counters
octets_match() {
	local rec=$1 s=$2
	"$PY" -c '
import json, sys
r, s = json.loads(sys.argv[1]), json.loads(sys.argv[2])
ok = (int(r["Acct-Input-Octets"]) == s["up_bytes"] and int(r["Acct-Output-Octets"]) == s["down_bytes"]
      and int(r["Acct-Input-Packets"]) == s["up_packets"] and int(r["Acct-Output-Packets"]) == s["down_packets"])
if not ok:
    print("detail", r.get("Acct-Input-Octets"), r.get("Acct-Output-Octets"), "lnsctl", s["up_bytes"], s["down_bytes"], file=sys.stderr)
sys.exit(not ok)' "$rec" "$s"
}

# ---- 1. PAP through xl2tpd + slirp
seq0=$(lns_last_seq)
lns_lac_start pap papuser pappass && lns_lac_call pap
lns_check "pap: auth-ok through RADIUS (radius=accept)" lns_wait_event auth-ok "user=papuser radius=accept" "$seq0" 15
lns_check "pap: ppp-up with the Framed-IP-Address 10.99.0.11" lns_wait_event ppp-up "user=papuser auth=pap address=10.99.0.11" "$seq0" 15
# the verdict arrives asynchronously (outside any PPP input): still one event,
# logged once (by the PPP glue), with RADIUS's part of the story in it
lns_check "pap: one login, exactly one auth event (auth-ok radius=accept method=pap)" \
	[ "$(lns_count_events auth-ok "user=papuser radius=accept method=pap" "$seq0") $(lns_count_events auth-ok "" "$seq0") $(lns_count_events auth-failed "" "$seq0")" = "1 1 0" ]
S=$(sess papuser)
SID=$(jfield "$S" acct_session_id)
lns_check "pap: show sessions shows Filter-Id std.in, aaa radius, interim 2, session-timeout 3600" \
	"$PY" -c 'import json, sys; s = json.loads(sys.argv[1]); sys.exit(not (s.get("filter_id") == "std.in" and s.get("aaa") == "radius" and s.get("interim_interval") == 2 and s.get("session_timeout") == 3600))' "$S"
lns_check "pap: Filter-Id std.in names a policy: show sessions shows policy std.in" \
	"$PY" -c 'import json, sys; sys.exit(json.loads(sys.argv[1]).get("policy") != "std.in")' "$S"
wait_acct "$SID" Start 5
R=$(acct_rec "$SID" Start)
lns_check "pap: Start has Framed-IP 10.99.0.11, Class, NAS-Port-Type Virtual, Tunnel-Type L2TP" \
	"$PY" -c 'import json, sys; r = json.loads(sys.argv[1]); sys.exit(not (r.get("Framed-IP-Address") == "10.99.0.11" and r.get("Class") in ("cls-pap", "0x636c732d706170") and r.get("NAS-Port-Type") == "Virtual" and r.get("Tunnel-Type:0", r.get("Tunnel-Type")) == "L2TP" and r.get("NAS-Identifier") == "lnsd-test"))' "${R:-{\}}"
lns_check "pap: Interim-Update within 4 s (Acct-Interim-Interval 2)" wait_acct "$SID" Interim-Update 5
S=$(sess papuser)
lns_lac_hangup pap
lns_check "pap: Stop after hang-up" wait_acct "$SID" Stop 10
R=$(acct_rec "$SID" Stop)
lns_check "pap: Stop octets and packets = show sessions" octets_match "${R:-{\}}" "${S:-{\}}"
# xl2tpd hangs up with a CDN of result 1 (loss of carrier) and no LCP Terminate
lns_check "pap: Stop says Lost-Carrier (xl2tpd's CDN result 1, PPP still up)" \
	[ "$(jfield "${R:-{\}}" Acct-Terminate-Cause)" = Lost-Carrier ]
lns_lac_stop pap

# ---- 2. CHAP-MD5 with Framed-Pool
seq0=$(lns_last_seq)
auth_lac chap chap-md5 chapuser chappass
lns_check "chap: the client gets an address" wait_clog chap '^IP ' 20
ip=$(client_ip chap)
lns_check "chap: Framed-Pool radpool gave 10.202.0.x ($ip)" sh -c "case '$ip' in 10.202.0.*) true;; *) false;; esac"
reply=$(udp_rt "$ip" rt-chap)
lns_check "chap: UDP round trip core -> client -> core ($reply)" sh -c "case '$reply' in 'echo:rt-chap-'*) true;; *) false;; esac"
S=$(sess chapuser)
SID=$(jfield "$S" acct_session_id)
lns_check "chap: show sessions shows framed_pool radpool" \
	"$PY" -c 'import json, sys; sys.exit(json.loads(sys.argv[1]).get("framed_pool") != "radpool")' "$S"
lns_lac_hangup chap
lns_check "chap: Stop in the detail file" wait_acct "$SID" Stop 10
R=$(acct_rec "$SID" Stop)
lns_check "chap: Stop octets and packets = show sessions (traffic counted)" octets_match "${R:-{\}}" "${S:-{\}}"
lns_check "chap: Stop has Acct-Session-Time and Class cls-chap" \
	"$PY" -c 'import json, sys; r = json.loads(sys.argv[1]); sys.exit(not ("Acct-Session-Time" in r and r.get("Class") in ("cls-chap", "0x636c732d63686170")))' "${R:-{\}}"
lns_lac_stop chap

# ---- 3. MS-CHAPv2, 255.255.255.254
seq0=$(lns_last_seq)
auth_lac ms mschapv2 msuser mspass
lns_check "ms: the client verified FreeRADIUS' S= (AUTHRESP-OK) and got an address" wait_clog ms '^IP ' 20
lns_check "ms: AUTHRESP-OK" grep -qx AUTHRESP-OK "$W/lac-ms/client.log"
ip=$(client_ip ms)
lns_check "ms: 255.255.255.254 = lnsd's pool (10.201.0.x: $ip)" sh -c "case '$ip' in 10.201.0.*) true;; *) false;; esac"
lns_lac_hangup ms
lns_lac_stop ms

# ---- 4. Access-Reject
seq0=$(lns_last_seq)
auth_lac rej chap-md5 chapuser wrong
lns_check "rej: the client gets a CHAP Failure" wait_clog rej '^AUTH-FAIL' 20
lns_check "rej: event auth-failed radius=reject" lns_wait_event auth-failed "user=chapuser radius=reject" "$seq0" 10
lns_check "rej: no address" sh -c "! grep -q '^IP ' '$W/lac-rej/client.log'"
lns_check "rej: the failure is ppp-down auth-failed" lns_wait_event ppp-down "reason=auth-failed" "$seq0" 10
nfail=$(grep -c '^AUTH-FAIL' "$W/lac-rej/client.log")
lns_check "rej: one auth-failed event per Access-Reject ($nfail), no auth-ok" \
	[ "$(lns_count_events auth-ok "" "$seq0") $(lns_count_events auth-failed "user=chapuser radius=reject" "$seq0")" = "0 $nfail" ]
lns_lac_stop rej

# ---- 5. Session-Timeout
seq0=$(lns_last_seq)
auth_lac st chap-md5 timeuser timepass
lns_check "st: up" wait_clog st '^IP ' 20
SID=$(jfield "$(sess timeuser)" acct_session_id)
lns_check "st: lnsd ends the session after Session-Timeout 3" lns_wait_event session-down "" "$seq0" 8
wait_acct "$SID" Stop 5
lns_check "st: Acct-Terminate-Cause Session-Timeout" \
	[ "$(jfield "$(acct_rec "$SID" Stop || echo '{}')" Acct-Terminate-Cause)" = Session-Timeout ]
lns_lac_stop st

# ---- 5a. Idle-Timeout 2: no traffic, lnsd ends the session
seq0=$(lns_last_seq)
auth_lac idle chap-md5 idleuser idlepass
lns_check "idle: up" wait_clog idle '^IP ' 20
SID=$(jfield "$(sess idleuser)" acct_session_id)
lns_check "idle: lnsd ends the idle session (Idle-Timeout 2)" lns_wait_event session-down "" "$seq0" 8
wait_acct "$SID" Stop 5
lns_check "idle: Acct-Terminate-Cause Idle-Timeout" \
	[ "$(jfield "$(acct_rec "$SID" Stop || echo '{}')" Acct-Terminate-Cause)" = Idle-Timeout ]
lns_lac_stop idle

# ---- 5b. Disconnect-Request and CoA-Request from radclient (RFC 5176)
# das REQ CODE SECRET: radclient's output (one try, 1 s)
das() { printf "$1" | timeout 10 radclient -r 1 -t 1 -x "127.0.0.1:$DASPORT" "$2" "$3" 2>&1; }
seq0=$(lns_last_seq)
auth_lac da chap-md5 chapuser chappass
lns_check "da: up" wait_clog da '^IP ' 20
SID=$(jfield "$(sess chapuser)" acct_session_id)
out=$(das "User-Name = \"chapuser\"\nAcct-Session-Id = \"$SID\"\nFilter-Id = \"gold\"\nIdle-Timeout = 600\nMessage-Authenticator = 0x00\n" coa nassecret)
lns_check "da: CoA-Request (Filter-Id, Idle-Timeout) answered CoA-ACK" sh -c "echo '$out' | grep -q 'Received CoA-ACK'"
lns_check "da: show sessions shows the new Filter-Id gold and idle-timeout 600" \
	"$PY" -c 'import json, sys; s = json.loads(sys.argv[1]); sys.exit(not (s.get("filter_id") == "gold" and s.get("idle_timeout") == 600))' "$(sess chapuser)"
lns_check "da: CoA Filter-Id gold switched the live session to policy gold" \
	"$PY" -c 'import json, sys; sys.exit(json.loads(sys.argv[1]).get("policy") != "gold")' "$(sess chapuser)"
out=$(das "Acct-Session-Id = \"$SID\"\nFramed-Pool = \"x\"\nMessage-Authenticator = 0x00\n" coa nassecret)
lns_check "da: an unsupported attribute is NAKed with Error-Cause Unsupported-Attribute" \
	sh -c "echo '$out' | grep -q 'Received CoA-NAK' && echo '$out' | grep -q 'Unsupported-Attribute'"
out=$(das "Acct-Session-Id = \"nosuch\"\nMessage-Authenticator = 0x00\n" disconnect nassecret)
lns_check "da: Disconnect of an unknown session: NAK Session-Context-Not-Found" \
	sh -c "echo '$out' | grep -q 'Received Disconnect-NAK' && echo '$out' | grep -q 'Session-Context-Not-Found'"
das "Acct-Session-Id = \"$SID\"\nMessage-Authenticator = 0x00\n" disconnect wrongsecret >"$W/das-bad.log"
lns_check "da: a wrong secret gets no answer (radclient gives up)" sh -c "! grep -q 'Received' '$W/das-bad.log'"
das "Acct-Session-Id = \"$SID\"\n" disconnect nassecret >"$W/das-noma.log"
das "Acct-Session-Id = \"$SID\"\nEvent-Timestamp = \"Jan  1 2020 00:00:00 UTC\"\nMessage-Authenticator = 0x00\n" disconnect nassecret >"$W/das-old.log"
lns_check "da: an Event-Timestamp outside the window: no answer (replay)" sh -c "! grep -q 'Received' '$W/das-old.log'"
lns_check "da: no Message-Authenticator: no answer" sh -c "! grep -q 'Received' '$W/das-noma.log'"
lns_check "da: the session survived both" [ -n "$(sess chapuser)" ]
out=$(das "User-Name = \"chapuser\"\nAcct-Session-Id = \"$SID\"\nMessage-Authenticator = 0x00\n" disconnect nassecret)
lns_check "da: Disconnect-Request answered Disconnect-ACK" sh -c "echo '$out' | grep -q 'Received Disconnect-ACK'"
lns_check "da: the session ends" lns_wait_event session-down "" "$seq0" 5
wait_acct "$SID" Stop 5
lns_check "da: Stop says Admin-Reset" [ "$(jfield "$(acct_rec "$SID" Stop || echo '{}')" Acct-Terminate-Cause)" = Admin-Reset ]
lns_ctl --json show radius >"$W/radius-das.json"
lns_check "da: show radius counts them (2 bad dropped, 1+1 ACK, 2 NAK)" "$PY" -c '
import json, sys
c = json.load(open(sys.argv[1]))["counters"]
sys.exit(not (c["das_bad_authenticator"] >= 1 and c["das_no_message_authenticator"] >= 1 and
              c["das_stale_event_timestamp"] >= 1 and
              c["das_disconnect_acks"] == 1 and c["das_coa_acks"] == 1 and
              c["das_coa_naks"] == 1 and c["das_disconnect_naks"] == 1))' "$W/radius-das.json"
lns_lac_stop da

# ---- 5d. drain on --max-wait 1: the session left ends, Stop says Admin-Reboot
seq0=$(lns_last_seq)
auth_lac dr chap-md5 chapuser chappass
lns_check "dr: up" wait_clog dr '^IP ' 20
SID=$(jfield "$(sess chapuser)" acct_session_id)
lns_check "dr: lnsctl drain on --max-wait 1" quiet lns_ctl drain on --max-wait 1
lns_check "dr: the session ends after max-wait" lns_wait_event session-down "result=3" "$seq0" 5
wait_acct "$SID" Stop 5
lns_check "dr: Stop says Admin-Reboot" [ "$(jfield "$(acct_rec "$SID" Stop || echo '{}')" Acct-Terminate-Cause)" = Admin-Reboot ]
lns_check "dr: lnsctl drain off" quiet lns_ctl drain off
lns_lac_stop dr

# ---- 5c. max-sessions-per-user 1 in the destination profile "limited"
seq0=$(lns_last_seq)
LAC_EXTRA='hostname = limited' auth_lac lim1 chap-md5 chapuser chappass
lns_check "lim: the first session of chapuser is up" wait_clog lim1 '^IP ' 20
# a second client of the same user, from the project's own LAC (l2tpc)
# (--until up: it stays until lnsd's IPCP opens, where the limit applies)
ip netns exec "$LNS_NS_ACC" "$PY" "$L2TPC" probe --lns "$LNS_ACC_ADDR" --until up \
	--hosts limited --auths chap --user chapuser --password chappass --timeout 5 \
	>"$W/lim2.log" 2>&1
lns_check "lim: a second session of chapuser is refused (max-sessions-per-user 1)" \
	lns_wait_event session-refused "user=chapuser reason=max-sessions-per-user limit=1" "$seq0" 10
lns_check "lim: the first session is still up" [ -n "$(sess chapuser)" ]
lns_lac_hangup lim1
lns_lac_stop lim1

# ---- 5d. a destination profile with authentication: local (RADIUS would reject
# alice, who is only in ppp.users)
areqs() { lns_ctl --json show radius | "$PY" -c 'import json, sys; print(json.load(sys.stdin)["counters"]["access_requests"])'; }
seq0=$(lns_last_seq)
ar0=$(areqs)
ip netns exec "$LNS_NS_ACC" "$PY" "$L2TPC" probe --lns "$LNS_ACC_ADDR" --until ipcp \
	--hosts localprof --auths chap --user alice --password secret1 --timeout 8 \
	>"$W/localprof.log" 2>&1
lns_check "localprof: alice is authenticated by ppp.users and IPCP opens" \
	grep -q '^OK reached ipcp' "$W/localprof.log"
ar1=$(areqs)
lns_check "localprof: no Access-Request was sent for her ($ar0 -> $ar1)" [ "$ar0" = "$ar1" ]
lns_check "localprof: event auth-ok user=alice local=ok method=chap-md5 (the local verdict)" \
	lns_wait_event auth-ok "user=alice local=ok method=chap-md5" "$seq0" 5

# ---- 6. failover: the primary hangs
kill -STOP "$(rad_pid r1)"
seq0=$(lns_last_seq)
auth_lac fo chap-md5 chapuser chappass
lns_check "fo: authenticated by the secondary while the primary hangs" wait_clog fo '^IP ' 20
lns_check "fo: event radius-server state=dead" lns_wait_event radius-server "state=dead" "$seq0" 5
lns_ctl --json show radius >"$W/radius.json"
lns_check "fo: show radius: server 0 dead/probing, failovers counted" "$PY" -c '
import json, sys
r = json.load(open(sys.argv[1]))
sys.exit(not (r["servers"]["0"]["state"] in ("dead", "probing") and r["counters"]["failovers"] >= 1
              and r["servers"]["1"]["responses"] >= 1))' "$W/radius.json"
SID=$(jfield "$(sess chapuser)" acct_session_id)
lns_check "fo: its Start went to the secondary" wait_acct "$SID" Start 10
lns_check "fo: Start in the secondary's detail" grep -q "Acct-Session-Id = \"$SID\"" "$W/r2/log/detail"
lns_lac_hangup fo
lns_check "fo: Stop delivered" wait_acct "$SID" Stop 10
lns_lac_stop fo
kill -CONT "$(rad_pid r1)"

# ---- 7. both down: queue, spool across an lnsd restart
kill -STOP "$(rad_pid r1)" "$(rad_pid r2)"
seq0=$(lns_last_seq)
auth_lac out chap-md5 alice secret1
# RADIUS authentication cannot work now: no local fallback -> refused, although
# alice is a local user
lns_check "out: no server answers: authentication fails (no local fallback)" \
	lns_wait_event auth-failed "user=alice radius=no-answer" "$seq0" 15
lns_check "out: and no local verdict" sh -c "! grep -q '^IP ' '$W/lac-out/client.log'"
lns_lac_stop out
kill -CONT "$(rad_pid r2)"      # the secondary answers authentication again...
sleep 2.5                       # (hold-down over: probed, alive)
seq0=$(lns_last_seq)
auth_lac q chap-md5 chapuser chappass
lns_check "q: up (auth by the secondary)" wait_clog q '^IP ' 20
SIDQ=$(jfield "$(sess chapuser)" acct_session_id)
kill -STOP "$(rad_pid r2)"      # ...and now nobody answers accounting
lns_lac_hangup q
lns_check "q: session down" lns_wait_event session-down "" "$seq0" 10
lns_lac_stop q
sleep 1
pend=$(lns_ctl --json show radius | "$PY" -c 'import json, sys; print(json.load(sys.stdin)["acct_pending"])')
lns_log "q: accounting waiting in lnsd: $pend records"
lns_check "q: the Stop waits in lnsd's queue (acct_pending $pend >= 1)" [ "${pend:-0}" -ge 1 ]
lns_stop_expect 0
lns_check "q: unacknowledged records are in the spool file" grep -q '^R ' "$SPOOL"
kill -CONT "$(rad_pid r2)"      # the primary stays hung: replay fails over
lns_start "$W/lnsd.yaml" || lns_fail "lnsd restarts"
lns_check "q: after the restart the spooled Stop reaches the secondary" wait_acct "$SIDQ" Stop 15
has_off() {
	for _ in $(seq 100); do
		grep -q 'Acct-Status-Type = Accounting-Off' "$W/r1/log/detail" "$W/r2/log/detail" && return 0
		sleep 0.1
	done
	return 1
}
lns_check "q: Accounting-Off of the first run delivered too" has_off
for _ in $(seq 50); do
	p=$(lns_ctl --json show radius | "$PY" -c 'import json, sys; r = json.load(sys.stdin); print(r["acct_pending"] + r["spool_depth"])')
	[ "$p" = 0 ] && break
	sleep 0.2
done
lns_check "q: queue and spool empty after delivery ($p)" [ "$p" = 0 ]
kill -CONT "$(rad_pid r1)"

# ---- 8. a slow server does not delay another tunnel
echo 2 >"$W/r1/delay"
echo 2 >"$W/r2/delay"
seq0=$(lns_last_seq)
auth_lac slow chap-md5 chapuser chappass
sleep 0.3
t0=$EPOCHREALTIME
ip netns exec "$LNS_NS_ACC" "$PY" "$L2TPC" probe --lns "$LNS_ACC_ADDR" --until iccn \
	--timeout 5 >"$W/probe.log" 2>&1
rc=$?
dt=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')
lns_check "slow: another LAC's tunnel and session (SCCRQ..ICCN) in ${dt}s while an Access-Request waits 2 s (rc $rc)" \
	"$PY" -c "import sys; sys.exit(not ($rc == 0 and $dt < 1.5))"
lns_check "slow: the slow Access-Accept still lets the first client in" wait_clog slow '^IP ' 20
rm -f "$W/r1/delay" "$W/r2/delay"
lns_lac_hangup slow
lns_lac_stop slow

# ---- 9. churn over RADIUS (normal build only)
if lns_sanitized; then
	lns_log "churn: skipped under the sanitizers (1000 RADIUS sessions take minutes there)"
else
	CYC=${LNS_RADIUS_CHURN:-1000}
	ip netns exec "$LNS_NS_CORE" "$PY" "$L2TPC" echo --bind "$LNS_CORE_PEER:9999" \
		--ready "$W/echo.ready" >"$W/echo.log" 2>&1 &
	LNS_BG_PIDS+=("$!")
	for _ in $(seq 50); do [ -f "$W/echo.ready" ] && break; sleep 0.1; done
	ip netns exec "$LNS_NS_ACC" "$PY" "$L2TPC" churn --cycles "$CYC" --concurrency 50 \
		--lns "$LNS_ACC_ADDR" --src "$LNS_ACC_PEER" --auths pap,chap --discs cdn,stopccn,lcpterm \
		--user churn --password churnpass --json "$W/churn.json" >"$W/churn.log" 2>&1
	lns_py_checks "$W/churn.log" "churn: "
	sleep 2
	detail_json $DETAILS >"$W/acct.jsonl"
	lns_check "churn: every Start of user churn has its Stop, one per session that came up" "$PY" -c '
import json, sys
st, sp = set(), set()
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r.get("User-Name") != "churn":
        continue
    (st if r["Acct-Status-Type"] == "Start" else sp if r["Acct-Status-Type"] == "Stop" else set()).add(r["Acct-Session-Id"])
print("starts", len(st), "stops", len(sp), "unmatched", len(st ^ sp), file=sys.stderr)
ok = json.load(open(sys.argv[3]))["ok"]
sys.exit(not (ok > 0 and len(st) >= ok and st == sp))' \
		"$W/acct.jsonl" "$CYC" "$W/churn.json"
fi

# ---- 10. local fallback: both servers hung, local-fallback on, alice is local
lns_stop_expect 0
sed -i 's/^  authenticate: true$/  authenticate: true\n  local-fallback: true/' "$W/lnsd.yaml"
kill -STOP "$(rad_pid r1)" "$(rad_pid r2)"
lns_start "$W/lnsd.yaml" || lns_fail "lnsd restarts with local-fallback"
seq0=$(lns_last_seq)
auth_lac fb chap-md5 alice secret1
lns_check "fb: no server answers: ppp.users lets alice in (local-fallback)" wait_clog fb '^IP ' 20
lns_check "fb: event auth-ok radius=no-answer fallback=local local=ok" \
	lns_wait_event auth-ok "user=alice radius=no-answer fallback=local local=ok method=chap-md5" "$seq0" 5
lns_check "fb: one login, one auth event (no auth-failed for the unanswered RADIUS)" \
	[ "$(lns_count_events auth-ok "" "$seq0") $(lns_count_events auth-failed "" "$seq0")" = "1 0" ]
lns_lac_hangup fb
lns_lac_stop fb
kill -CONT "$(rad_pid r1)" "$(rad_pid r2)"

lns_stop_expect 0
lns_check "no sanitizer report in lnsd's log" \
	sh -c "! grep -Eq 'ERROR: (Address|Leak)Sanitizer|runtime error' '$W/lnsd.log'"
lns_finish
