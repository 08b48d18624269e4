#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The control-plane setup-rate load generator (tests/bench/setup-rate/l2tp_storm)
# against lnsd, briefly, so that the bench keeps working:
#   - 50 sessions over 50 tunnels come up (L2TP, LCP, PAP, IPCP) and go down (CDN,
#     StopCCN), none failed; lnsd counts 50 tunnels, 50 sessions and 50 PAP logins,
#     and gives every address back to the pool;
#   - the HELLO probe's tunnel got its acks during the storm;
#   - the same with CHAP-MD5 and 5 sessions per tunnel.
# Rates are printed, never asserted (tests/bench/setup-rate.sh measures them).
. "$(dirname "$0")/lib.sh"
. "$LNS_SRC/tests/bench/setup-rate/config.sh"

lns_init setuprate
STORM=$LNSD_BUILD/tests/bench/setup-rate/l2tp_storm
[ -x "$STORM" ] || { echo "setuprate: no $STORM (build first)" >&2; exit 1; }
lns_topology_up
W=$LNS_WORK

# storm OUT ARGS...: run the generator in the access namespace
storm() {
	local out=$1; shift
	ip netns exec "$LNS_NS_ACC" timeout 60 "$STORM" -s "$LNS_ACC_ADDR" -q "$@" >"$out" 2>&1
}
# field FILE LINE KEY: a key=value of one output line
field() { sed -n "s/^$2 .*\\b$3=\\([^ ]*\\).*/\\1/p" "$1"; }

# ---- PAP, one session per tunnel
sr_write_config "$W/lnsd.yaml"
lns_start "$W/lnsd.yaml" || { lns_fail "lnsd starts"; lns_finish; }
storm "$W/pap.out" -n 50 -w 50 -S 4 -H 5 -t 20
rc=$?
cat "$W/pap.out"
lns_check "PAP storm: generator exits 0 (all up, all down)" [ "$rc" = 0 ]
lns_check "PAP storm: 50 up, 0 failed" [ "$(field "$W/pap.out" setup up)" = 50 -a "$(field "$W/pap.out" setup failed)" = 0 ]
lns_check "PAP storm: 50 torn down" [ "$(field "$W/pap.out" teardown done)" = 50 ]
lns_check "PAP storm: HELLO probe answered (samples > 0, none lost)" \
	[ "$(field "$W/pap.out" hello samples)" -gt 0 -a "$(field "$W/pap.out" hello lost)" = 0 ]
lns_check "lnsd: 50 sessions established (+1 probe tunnel)" \
	[ "$(lns_stat l2tp.sessions_established)" = 50 -a "$(lns_stat l2tp.tunnels_established)" = 51 ]
lns_check "lnsd: 50 PAP logins, 50 PPP sessions up" \
	[ "$(lns_stat ppp.auth_ok_pap)" = 50 -a "$(lns_stat ppp.sessions_up)" = 50 ]
lns_check "lnsd: 50 CDN and 51 StopCCN received" \
	[ "$(lns_stat l2tp.rx_cdn)" = 50 -a "$(lns_stat l2tp.rx_stopccn)" = 51 ]
pool_free() {
	for _ in $(seq 50); do
		[ "$(lns_stat pools_in_use.bench)" = 0 ] && return 0
		sleep 0.1
	done
	return 1
}
lns_check "lnsd: every pool address given back" pool_free
lns_stop_expect 0

# ---- CHAP-MD5, five sessions per tunnel
SR_AUTH=chap-md5 sr_write_config "$W/lnsd.yaml"
lns_start "$W/lnsd.yaml" || { lns_fail "lnsd starts (chap)"; lns_finish; }
storm "$W/chap.out" -n 20 -k 5 -w 20 -S 2 -H 0 -t 20
rc=$?
cat "$W/chap.out"
lns_check "CHAP storm: generator exits 0, 20 up over 4 tunnels, 20 down" \
	[ "$rc" = 0 -a "$(field "$W/chap.out" setup up)" = 20 -a "$(field "$W/chap.out" teardown done)" = 20 ]
lns_check "lnsd: 4 tunnels, 20 sessions, 20 CHAP logins" \
	[ "$(lns_stat l2tp.tunnels_established)" = 4 -a "$(lns_stat l2tp.sessions_established)" = 20 \
	  -a "$(lns_stat ppp.auth_ok_chap_md5)" = 20 ]
lns_stop_expect 0
lns_finish
