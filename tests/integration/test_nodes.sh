#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Many nodes (docs/many-nodes.md): three lnsd nodes sharing one FreeRADIUS with SQL
# accounting and rlm_sqlippool on PostgreSQL, built by config/radius/radius-pg.sh
# (the configuration the guide ships). Clients: xl2tpd + slirp and the test LAC
# (l2tpc), plain L2TP, spread over the nodes.
#   1. addresses: every session's address comes from the shared pool (none from a
#      node's local pool), all distinct across nodes, and equal to the leases
#      radippool shows, each leased to the node (NAS-IP-Address) that holds it
#  1b. a Framed-IP-Address (radreply) that the node already uses: refused, counted
#   2. one session per user: the same user on a second node is refused
#      (Simultaneous-Use := 1 counted on radacct); the first stays up
#  2b. the other policy for a user without Simultaneous-Use: the second login is
#      accepted and FreeRADIUS disconnects the first (disconnect-old.sh)
#   3. a Disconnect-Request from the server side (radclient) ends it on its node:
#      Stop with Admin-Reset in radacct, lease freed; the user then gets in on
#      another node
#   4. a node killed with SIGKILL keeps its leases; restarted, its Accounting-On
#      frees them and closes its radacct rows, its clients reconnect and get
#      addresses (Simultaneous-Use does not count the dead sessions)
#  4b. the same while FreeRADIUS hangs (SIGSTOP): the new sessions' Access-Requests
#      wait for the Accounting-On's answer, then get in with leases that stay
#   5. a node drained: a new tunnel is refused (StopCCN), its session stays,
#      another node takes the new client
#   6. all nodes stopped: every lease free, every radacct row closed
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lac.sh"

lns_init nodes
for t in freeradius radclient psql xl2tpd slirp-fullbolt /usr/lib/freeradius/rlm_sql_postgresql.so \
	/usr/lib/postgresql/15/bin/initdb; do
	command -v "$t" >/dev/null || [ -e "$t" ] ||
		{ echo "nodes: missing $t: run drivers-config/install-deps.sh" >&2; exit 1; }
done
W=$LNS_WORK
RPG=$LNS_SRC/config/radius/radius-pg.sh
L2TPC=$LNS_SRC/tests/integration/l2tpc/l2tpc.py
quiet() { "$@" >/dev/null 2>&1; }
chmod 755 "$W"          # postgres (the user) reaches its directory in it

# ---------------------------------------------------------------- servers
# free ports: PostgreSQL's (a Unix socket only, the number names it), RADIUS auth,
# acct, inner-tunnel, and one DAS port per node
read -r PGPORT RP DAS <<<"$("$PY" -c '
import random, socket
def free(n):
    for _ in range(200):
        p = random.randrange(20000, 60000, 8)
        ok = True
        for q in range(p, p + n):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            try:
                s.bind(("127.0.0.1", q))
            except OSError:
                ok = False
            s.close()
        if ok:
            return p
print(random.randrange(20000, 60000), free(3), free(4))')"
RD=$W/radius
mkdir -p "$RD"
chmod 755 "$RD"
lns_check "PostgreSQL: private cluster with the radius and ippool schemas" \
	"$RPG" pg-init "$RD" "$PGPORT"
pgstop() { "$RPG" pg-stop "$RD" >/dev/null 2>&1; }
# PostgreSQL before lns_cleanup removes its directory (keeping the exit status)
trap 'rc=$?; pgstop; (exit $rc); lns_cleanup' EXIT
"$RPG" pool "$RD" "$PGPORT" main 10.99.1 40
for u in sub1 sub2 n1u0 n1u1 n2u0 n2u1 n3u0 n3u1 n3u2 new0; do
	"$RPG" user "$RD" "$PGPORT" "$u" subpass main
done
"$RPG" roamer "$RD" "$PGPORT" roam subpass main
for i in 1 2 3; do
	"$RPG" nas "$RD" "$PGPORT" "$(lns_node_addr "$i")" 127.0.0.1 "$((DAS + i))" dassecret
done
"$RPG" raddb "$RD" "$PGPORT" "$RP" radsecret
"$RPG" start "$RD" >"$RD/stdout.log" 2>&1 &
RAD_PID=$!
LNS_BG_PIDS+=("$!")
up=0
for _ in $(seq 100); do ss -lun | grep -q "127.0.0.1:$RP " && { up=1; break; }; sleep 0.1; done
lns_check "FreeRADIUS (sql + sqlippool) listens on $RP/$((RP + 1))" [ "$up" = 1 ]

sql() { PGHOST=$RD/pg PGPORT=$PGPORT PGUSER=postgres psql -d radius -qAt -F ' ' -c "$1"; }
stop_cause() {          # stop_cause ACCT-SESSION-ID: its Acct-Terminate-Cause once stopped
	for _ in $(seq 50); do
		c=$(sql "SELECT acctterminatecause FROM radacct WHERE acctsessionid = '$1' AND acctstoptime IS NOT NULL")
		[ -n "$c" ] && { echo "$c"; return 0; }
		sleep 0.2
	done
}
# the leases: "address nas-ip" lines, sorted
leases() { sql "SELECT host(framedipaddress), nasipaddress FROM radippool
	WHERE expiry_time > now() ORDER BY 1"; }

# ---------------------------------------------------------------- nodes
lns_nodes_up 3
# the test LAC's clients check a UDP echo through their node to its core side
for i in 1 2 3; do
	ip netns exec "lns$LNS_ID-core$i" "$PY" "$L2TPC" echo --bind "$LNS_CORE_PEER:9999" \
		--ready "$W/echo-$i.ready" >"$W/echo-$i.log" 2>&1 &
	LNS_BG_PIDS+=("$!")
done
node_conf() {
	local i=$1
	lns_node "$i"
	lns_write_config "$W/lnsd-$i.yaml" "
node:
  name: node-$i
l2tp:
  allow-nonsecure: true
  hello-interval: 0
ppp:
  auth: [chap-md5, pap]
  keepalive:
    interval: 0
  # only for sessions RADIUS gives no address: none here
  default-pool: local
  pools:
    - name: local
      prefix: 10.20$i.0.0/24
radius:
  authenticate: true
  timeout-ms: 3000
  retries: 1
  spool: $W/acct-$i.spool
  das-address: 127.0.0.1
  das-port: $((DAS + i))
  das-clients:
    - address: 127.0.0.1
      secret: dassecret
  servers:
    - address: 127.0.0.1
      auth-port: $RP
      acct-port: $((RP + 1))
      secret: radsecret
"
}
for i in 1 2 3; do
	node_conf "$i"
	lns_start "$W/lnsd-$i.yaml" || { lns_fail "node $i starts"; lns_finish; exit 1; }
done
# acct_acked: the node's accounting queue is empty and something was acknowledged
acct_acked() {
	for _ in $(seq 100); do
		lns_ctl --json show radius | "$PY" -c '
import json, sys
r = json.load(sys.stdin)
sys.exit(not (r["acct_pending"] == 0 and r["counters"]["acct_acked"] >= 1))' && return 0
		sleep 0.1
	done
	return 1
}
for i in 1 2 3; do
	lns_node "$i"
	lns_check "node $i: its Accounting-On is acknowledged" acct_acked
done

# sessions N: "user address" per session of node N
sessions() {
	"$LNSCTL" --file-prefix "lnst${LNS_ID}n$1" --timeout 20 --json show sessions | "$PY" -c '
import json, sys
for v in json.load(sys.stdin).values():
    print(v.get("user"), v.get("address", v.get("addr")))'
}
has_user() { sessions "$1" | grep "^$2 " >/dev/null; }
# all_sessions: "address nas-ip" lines of every node, sorted like leases()
all_sessions() {
	for i in 1 2 3; do
		sessions "$i" | awk -v n="$(lns_node_addr "$i")" '{ print $2, n }'
	done | sort
}
wait_sessions() {       # wait_sessions COUNT SECONDS: that many sessions over the nodes
	for _ in $(seq $((${2:-20} * 5))); do
		[ "$(all_sessions | grep -c .)" = "$1" ] && return 0
		sleep 0.2
	done
	return 1
}
wait_leases_eq() {      # the leases equal the sessions (the accounting may lag a little)
	for _ in $(seq 50); do
		[ "$(leases)" = "$(all_sessions)" ] && return 0
		sleep 0.2
	done
	lns_log "leases: $(leases | tr '\n' ',') sessions: $(all_sessions | tr '\n' ',')"
	return 1
}
# fill N USER-PATTERN COUNT [LOG-SUFFIX]: test-LAC clients to node N, held up (its --timeout bounds
# the whole life of a client) until the node or the test ends them
fill() {
	ip netns exec "$LNS_NS_ACC" "$PY" "$L2TPC" fill --lns "$(lns_node_addr "$1")" \
		--user "$2" --password subpass --auths chap --count "$3" --expect-up "$3" \
		--hold 300 --timeout 300 >"$W/fill-$1-$2${4:-}.log" 2>&1 &
	LNS_BG_PIDS+=("$!")
	eval "FILL_$1=$!"
}

# ---- 1. clients spread over the nodes, addresses from the shared pool
lns_node 1
LNS_LAC_PORT=1701 lns_lac_start sub1 sub1 subpass "lns = $(lns_node_addr 1)" && lns_lac_call sub1
lns_node 2
LNS_LAC_PORT=1702 lns_lac_start sub2 sub2 subpass "lns = $(lns_node_addr 2)" && lns_lac_call sub2
fill 1 'n1u{i}' 2
fill 2 'n2u{i}' 2
fill 3 'n3u{i}' 3
lns_check "spread: 9 sessions up over the 3 nodes" wait_sessions 9 40
for i in 1 2 3; do lns_log "node $i: $(sessions "$i" | tr '\n' ' ')"; done
lns_check "spread: 3, 3 and 3 sessions on nodes 1, 2, 3" \
	[ "$(sessions 1 | grep -c .) $(sessions 2 | grep -c .) $(sessions 3 | grep -c .)" = "3 3 3" ]
A=$(all_sessions | awk '{ print $1 }')
lns_check "spread: every address from the shared pool 10.99.1.0/24, none from a local pool" \
	sh -c "[ -n '$A' ] && ! echo '$A' | grep -qv '^10\.99\.1\.'"
lns_check "spread: all addresses distinct across nodes" \
	[ "$(echo "$A" | sort -u | grep -c .)" = "$(echo "$A" | grep -c .)" ]
lns_check "spread: radippool's leases = the sessions' addresses, leased to the node that has them" \
	wait_leases_eq

# ---- 1b. RADIUS gives an address (radreply, no pool) that node 1 already uses
lns_node 1
dupip=$(sessions 1 | awk '$1 == "n1u0" { print $2 }')
sql "INSERT INTO radcheck (username, attribute, op, value) VALUES ('dup', 'Cleartext-Password', ':=', 'subpass');
	INSERT INTO radreply (username, attribute, op, value) VALUES ('dup', 'Framed-IP-Address', ':=', '$dupip')"
ip netns exec "$LNS_NS_ACC" "$PY" "$L2TPC" probe --lns "$(lns_node_addr 1)" --until up \
	--auths chap --user dup --password subpass --timeout 5 >"$W/dup.log" 2>&1
lns_check "dup: a Framed-IP-Address in use on the node ($dupip) is refused, counted (ppp.address_in_use 1)" \
	[ "$(lns_stat ppp.address_in_use)" = 1 ]
lns_check "dup: n1u0 keeps its address" [ "$(sessions 1 | awk '$1 == "n1u0" { print $2 }')" = "$dupip" ]
lns_check "dup: no session for dup" sh -c "! '$LNSCTL' --file-prefix '$LNS_PREFIX' --json show sessions | grep -q '\"user\": *\"dup\"'"

# ---- 2. Simultaneous-Use: sub1 (up on node 1) on node 2
lns_node 2
seq0=$(lns_last_seq)
ip netns exec "$LNS_NS_ACC" "$PY" "$L2TPC" probe --lns "$(lns_node_addr 2)" --until up \
	--auths chap --user sub1 --password subpass --timeout 8 >"$W/simul.log" 2>&1
lns_check "simul: sub1 on a second node is refused (Access-Reject: already logged in)" \
	lns_wait_event auth-failed "user=sub1 radius=reject" "$seq0" 10
lns_check "simul: sub1 is still up on node 1" has_user 1 sub1

# ---- 2b. the other policy: "roam" has no Simultaneous-Use; FreeRADIUS accepts a
# second login and disconnects the first (config/radius/disconnect-old.sh)
lns_node 1
seq1=$(lns_last_seq)
ip netns exec "$LNS_NS_ACC" "$PY" "$L2TPC" fill --lns "$(lns_node_addr 1)" --user roam \
	--password subpass --auths chap --count 1 --expect-up 1 --hold 8 --timeout 30 \
	>"$W/roam-1.log" 2>&1 &
R1=$!
lns_check "roam: up on node 1" lns_wait_event ppp-up "user=roam" "$seq1" 10
RSID=$(lns_ctl --json show sessions | "$PY" -c '
import json, sys
for v in json.load(sys.stdin).values():
    if v.get("user") == "roam":
        print(v["acct_session_id"])')
sleep 1         # (its Start in radacct)
lns_check "roam: still up on node 1 a second later" has_user 1 roam
seq1=$(lns_last_seq)
lns_node 2
seq2=$(lns_last_seq)
ip netns exec "$LNS_NS_ACC" "$PY" "$L2TPC" fill --lns "$(lns_node_addr 2)" --user roam \
	--password subpass --auths chap --count 1 --expect-up 1 --hold 3 --timeout 30 \
	>"$W/roam-2.log" 2>&1 &
R2=$!
lns_check "roam: the second login is accepted on node 2" lns_wait_event ppp-up "user=roam" "$seq2" 10
lns_node 1
lns_check "roam: and the first, on node 1, is ended by the server's Disconnect-Request" \
	lns_wait_event session-down "result=3" "$seq1" 10
lns_check "roam: radacct: the first session stopped with Admin-Reset" [ "$(stop_cause "$RSID")" = Admin-Reset ]
wait "$R1" "$R2" 2>/dev/null

# ---- 3. Disconnect-Request from the server side for sub1 on node 1
lns_node 1
SID=$(lns_ctl --json show sessions | "$PY" -c '
import json, sys
for v in json.load(sys.stdin).values():
    if v.get("user") == "sub1":
        print(v["acct_session_id"])')
seq0=$(lns_last_seq)
out=$(printf 'User-Name = "sub1"\nAcct-Session-Id = "%s"\nMessage-Authenticator = 0x00\n' "$SID" |
	timeout 10 radclient -r 2 -t 2 -x "127.0.0.1:$((DAS + 1))" disconnect dassecret 2>&1)
lns_check "disconnect: node 1 answers Disconnect-ACK" sh -c "echo '$out' | grep -q 'Received Disconnect-ACK'"
lns_check "disconnect: the session ends" lns_wait_event session-down "" "$seq0" 10
lns_check "disconnect: radacct has the Stop with Admin-Reset" [ "$(stop_cause "$SID")" = Admin-Reset ]
lns_check "disconnect: the lease is free again (radippool = sessions)" wait_leases_eq
lns_lac_stop sub1
lns_node 2
seq0=$(lns_last_seq)
ip netns exec "$LNS_NS_ACC" "$PY" "$L2TPC" fill --lns "$(lns_node_addr 2)" --user sub1 \
	--password subpass --auths chap --count 1 --expect-up 1 --timeout 10 >"$W/sub1-again.log" 2>&1
lns_check "disconnect: sub1 now gets in on node 2" lns_wait_event ppp-up "user=sub1" "$seq0" 5

# ---- 4. node 3 killed (SIGKILL) and restarted
lns_node 3
n3=$(sessions 3 | awk '{ print $2 }' | sort)
kill -KILL "$LNS_PID"
wait "$LNS_PID" 2>/dev/null
LNS_PID=
eval "kill \$FILL_3"     # its clients notice the node is gone (no Hello here)
lns_check "kill: node 3's 3 leases are still taken in radippool" \
	[ "$(sql "SELECT count(*) FROM radippool WHERE nasipaddress = '$(lns_node_addr 3)' AND expiry_time > now()")" = 3 ]
LNS_LOG=$W/lnsd-3-restart.log
lns_start "$W/lnsd-3.yaml" || lns_fail "node 3 restarts"
freed() {
	for _ in $(seq 100); do
		[ "$(sql "SELECT count(*) FROM radippool WHERE nasipaddress = '$(lns_node_addr 3)' AND expiry_time > now()")" = 0 ] &&
			return 0
		sleep 0.1
	done
	return 1
}
lns_check "restart: node 3's Accounting-On freed its leases" freed
lns_check "restart: and closed its 3 radacct rows (NAS-Reboot)" \
	[ "$(sql "SELECT count(*) FROM radacct WHERE nasipaddress = '$(lns_node_addr 3)' AND acctstoptime IS NULL") $(sql "SELECT count(*) FROM radacct WHERE nasipaddress = '$(lns_node_addr 3)' AND acctterminatecause = 'NAS-Reboot'")" = "0 3" ]
fill 3 'n3u{i}' 3
# (node 1: n1u0-1; node 2: sub2, n2u0-1; node 3: n3u0-2)
lns_check "restart: node 3's clients reconnect (Simultaneous-Use no longer counts the dead sessions)" \
	wait_sessions 8 40
lns_ctl --json show stats >"$W/stats-3-restart.json"
n3b=$(sessions 3 | awk '{ print $2 }' | sort)
lns_log "node 3 addresses before: $(echo $n3), after: $(echo $n3b)"
lns_check "restart: they got shared-pool addresses" \
	sh -c "[ \"\$(echo '$n3b' | grep -c '^10\.99\.1\.')\" = 3 ]"
A=$(all_sessions | awk '{ print $1 }')
lns_check "restart: all addresses still distinct" \
	[ "$(echo "$A" | sort -u | grep -c .)" = "$(echo "$A" | grep -c .)" ]
lns_check "restart: radippool's leases = the sessions' addresses" wait_leases_eq

# ---- 4b. again, while the server hangs: the new sessions' Access-Requests wait
# for the Accounting-On's answer (else the server could free, on Accounting-On,
# the leases it has just given them: the same address twice across nodes)
lns_node 3
kill -KILL "$LNS_PID"
wait "$LNS_PID" 2>/dev/null
LNS_PID=
eval "kill \$FILL_3"
kill -STOP "$RAD_PID"
LNS_LOG=$W/lnsd-3-restart2.log
lns_start "$W/lnsd-3.yaml" || lns_fail "node 3 restarts (server hung)"
fill 3 'n3u{i}' 3 -2
held() {
	for _ in $(seq 40); do
		lns_ctl --json show radius | "$PY" -c '
import json, sys
r = json.load(sys.stdin)
sys.exit(not (r["auth_held"] >= 1 and r["accounting_on"] == "waiting" and
              r["counters"]["access_requests"] == 0))' && return 0
		sleep 0.1
	done
	return 1
}
lns_check "hung: Access-Requests held (none sent) until the Accounting-On is answered" held
kill -CONT "$RAD_PID"
lns_check "hung: the server back, node 3's clients get in" wait_sessions 8 40
lns_check "hung: radippool's leases = the sessions' addresses (none freed by the late Accounting-On)" \
	wait_leases_eq
lns_check "hung: show radius: accounting_on acknowledged" sh -c \
	"'$LNSCTL' --file-prefix '$LNS_PREFIX' --json show radius | grep -q '\"accounting_on\": *\"acknowledged\"'"
A=$(all_sessions | awk '{ print $1 }')
lns_check "hung: all addresses still distinct" \
	[ "$(echo "$A" | sort -u | grep -c .)" = "$(echo "$A" | grep -c .)" ]

# ---- 5. node 2 drained: a new client is refused there and another node takes it
lns_node 2
seq0=$(lns_last_seq)
lns_check "drain: lnsctl drain on (node 2)" quiet lns_ctl drain on
# a LAC with a list of LNS addresses: node 2 first, node 1 when node 2 refuses
ip netns exec "$LNS_NS_ACC" "$PY" "$L2TPC" probe --lns "$(lns_node_addr 2)" --until up \
	--auths chap --user new0 --password subpass --timeout 5 >"$W/drain-2.log" 2>&1
lns_check "drain: node 2 refuses the tunnel (event tunnel-refused reason=draining)" \
	lns_wait_event tunnel-refused "reason=draining" "$seq0" 5
lns_check "drain: sub2's session on node 2 stays" has_user 2 sub2
lns_node 1
seq0=$(lns_last_seq)
ip netns exec "$LNS_NS_ACC" "$PY" "$L2TPC" fill --lns "$(lns_node_addr 1)" --user new0 \
	--password subpass --auths chap --count 1 --expect-up 1 --timeout 10 >"$W/drain-1.log" 2>&1
lns_check "drain: node 1 takes the new client" lns_wait_event ppp-up "user=new0" "$seq0" 5
lns_node 2
lns_lac_hangup sub2
lns_check "drain: node 2's last session ends, the lease is freed" wait_leases_eq

# ---- 6. every node stopped: Stops and Accounting-Off free everything
for i in 1 2 3; do
	lns_node "$i"
	lns_stop_expect 0
done
free_all() {
	for _ in $(seq 50); do
		[ -z "$(leases)" ] && return 0
		sleep 0.2
	done
	return 1
}
lns_check "stop: no lease left in radippool" free_all
lns_check "stop: every radacct row closed" \
	[ "$(sql "SELECT count(*) FROM radacct WHERE acctstoptime IS NULL")" = 0 ]
for i in 1 2 3; do
	lns_check "node $i: no sanitizer report" \
		sh -c "! grep -Eq 'ERROR: (Address|Leak)Sanitizer|runtime error' '$W/lnsd-$i.log'"
done
lns_finish
