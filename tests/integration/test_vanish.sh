#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# A peer vanishes at every step and lnsd's own timers clean up. One test LAC
# (tests/integration/l2tpc) per stage goes silent there, all at once, in a
# single-shot (lac-ss, PAP) and a standard (lac-std, CHAP-MD5) profile:
#   sccrq      SCCRP never acknowledged        (L2TP retransmission gives up)
#   sccrp-ack  SCCCN sent, no ICRQ             (HELLO unanswered)
#   icrq       ICRQ sent, no ICCN              (ICRP retransmission gives up)
#   iccn       ICCN sent, no LCP at all
#   lcp        our LCP Configure-Request sent, theirs never answered
#   auth       LCP open, no PAP request / CHAP response
#   ipcp       our IPCP Configure-Request sent, theirs never answered
#   up         fully up (UDP echo done), then silent (LCP echo failure)
# Scope "all": the whole LAC vanishes (L2TP and PPP; whichever of lnsd's L2TP or
# PPP timers fires first ends it). From iccn on also one where the LAC keeps
# acking L2TP and only PPP is mute, so lnsd's PPP timer for that stage must end
# the session (ppp-down reason, then CDN, then StopCCN):
#   iccn, lcp  scope ppp    LCP Max-Configure   (reason lcp-failed)
#   auth       scope stall  LCP Echo answered, no authentication (auth-timeout)
#   ipcp       scope stall  LCP Echo answered, IPCP mute (ipcp-failed)
#   up         scope ppp    LCP Echo unanswered (keepalive)
# For sccrq and icrq the client also sees lnsd retransmit SCCRP / ICRP.
# Mid-IKE: a scapy ISAKMP Main Mode message 1, then silence; lnsd's half-open IKE
# SA must go (retransmissions 1+2+4+8+16 s, then given up).
# Each case: lnsd frees the tunnel record (time printed), the events of its end are
# logged; afterwards tunnels, sessions, data-plane entries, SAs, IKE SAs (metrics
# gauges) are zero, and all of the pool is free again.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/l2tpc/harness.sh"

POOL_SIZE=14                  # 10.201.0.0/28 less network and broadcast

lns_init vanish
W=$LNS_WORK

"$PY" "$L2TPC" self-test >"$W/selftest.log" 2>&1
lns_check "l2tpc self-test ($(tail -1 "$W/selftest.log"))" grep -q '^self-test: all ' "$W/selftest.log"

lns_topology_up
MPORT=$(lns_free_port)
LNS_LIMITS_EXTRA='  allow-short-timers: true'
# Short timers so every stage ends within a minute: L2TP retransmission 0.5 s,
# 1 s, 1 s, 1 s; HELLO after 3 s of silence; LCP echo every second, 3 misses.
# lnsd's PPP Restart timer (3 s) x Max-Configure (10) and its 30 s wait for
# authentication are its own constants.
lns_write_config "$W/lnsd.yaml" "
ipsec:
  dpd-interval: 0
  psk:
    - peer: 0.0.0.0/0
      secret: vanish-psk-0123456789
l2tp:
  allow-nonsecure: true
  hello-interval: 3
  idle-timeout: 2
  destruct-timeout: 1
  retransmit:
    initial-ms: 500
    max-ms: 1000
    retries: 3
  destination-profiles:
    - name: single
      match:
        host-name: lac-ss
      single-shot-tunnel: true
    - name: standard
      match:
        host-name: lac-std
ppp:
  auth: [chap-md5, pap]
  keepalive:
    interval: 1
    failures: 3
  default-pool: subs
  pools:
    - name: subs
      prefix: 10.201.0.0/28
  users:
    - name: alice
      password: secret1
metrics:
  listen: \"127.0.0.1:$MPORT\"
"
lns_start "$W/lnsd.yaml" || { lns_fail "lnsd starts"; lns_finish; exit 1; }
ip netns exec "$LNS_NS_CORE" "$PY" "$L2TPC" echo --bind "$LNS_CORE_PEER:9999" \
	--ready "$W/echo.ready" >"$W/echo.log" 2>&1 &
LNS_BG_PIDS+=("$!")
for _ in $(seq 50); do [ -f "$W/echo.ready" ] && break; sleep 0.1; done
lns_check "metrics endpoint exports the gauges (all zero before the run)" [ "$(lns_leftovers)" = 0 ]

# ------------------------------------------------------------- mid-IKE ---
# ISAKMP Main Mode message 1 (RFC 2409 section 5): one proposal lnsd accepts.
lns_scapy "$LNS_NS_ACC" "
sa = ISAKMP_payload_SA(prop=ISAKMP_payload_Proposal(trans_nb=1, trans=ISAKMP_payload_Transform(
    num=1, transforms=[('Encryption', 'AES-CBC'), ('KeyLength', 128), ('Hash', 'SHA'),
                       ('GroupDesc', '2048MODPgr'), ('Authentication', 'PSK'),
                       ('LifeType', 'Seconds'), ('LifeDuration', 28800)])))
send(IP(src='$LNS_ACC_PEER', dst='$LNS_ACC_ADDR') / UDP(sport=500, dport=500) /
     ISAKMP(init_cookie=bytes(range(1, 9)), exch_type=2) / sa)
"
t_ike=$EPOCHREALTIME
# wait_half_open N SECONDS: until the half-open IKE SA gauge is N
wait_half_open() {
	for _ in $(seq $(($2 * 10))); do
		[ "$(lns_gauge 'lnsd_ike_sas{state="half_open"}')" = "$1" ] && return 0
		sleep 0.1
	done
	return 1
}
lns_check "mid-IKE: lnsd holds a half-open IKE SA after Main Mode message 1" wait_half_open 1 5

# ------------------------------------------------------------ L2TP/PPP ---
CTL="$LNSCTL --file-prefix $LNS_PREFIX --timeout 20"
ip netns exec "$LNS_NS_ACC" "$PY" "$L2TPC" vanish --hosts lac-ss,lac-std --auths pap,chap \
	--lnsctl "$CTL" --deadline 90 --json "$W/vanish.json" >"$W/vanish.log" 2>&1
grep -v '^OK \|^FAIL \|^# vanish results\|^\[\|^ \|^\]' "$W/vanish.log" | sed "s/^/[$LNS_NAME] /"
lns_py_checks "$W/vanish.log"
# the table the report wants: time to clean per stage
"$PY" -c '
import json, sys
rows = json.load(open(sys.argv[1]))
print("[vanish] %-10s %-5s %-8s %8s  %s" % ("stage", "scope", "host", "clean_s", "how lnsd ended it"))
for r in rows:
    d = r["detail"]
    how = d.get("session-down") or d.get("tunnel-destroyed") or ""
    print("[vanish] %-10s %-5s %-8s %8s  %s" % (r["stage"], r["scope"], r["host"], r["clean_s"], how))
' "$W/vanish.json"

# --------------------------------------------------------- IKE, the end ---
if wait_half_open 0 60; then
	t=$(awk -v a="$t_ike" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
	lns_pass "mid-IKE: the half-open IKE SA is gone ($t s after message 1; lnsd gives up after 1+2+4+8+16 s)"
else
	lns_fail "mid-IKE: the half-open IKE SA is gone within 60 s"
fi
lns_check "mid-IKE: counted as an exchange timeout (ike.err_exchange_timeout = $(lns_stat ike.err_exchange_timeout))" \
	[ "$(lns_stat ike.err_exchange_timeout)" -ge 1 ]
lns_check "mid-IKE: lnsd retransmitted message 2 (ike.retransmits = $(lns_stat ike.retransmits))" \
	[ "$(lns_stat ike.retransmits)" -ge 4 ]

# ------------------------------------------------------ nothing is left ---
if t=$(lns_wait_clean 20); then
	lns_pass "tunnels, sessions, data-plane entries, SAs and IKE SAs all back to zero (${t} s after the last case)"
else
	lns_fail "everything back to zero ($t)"
fi
ip netns exec "$LNS_NS_ACC" "$PY" "$L2TPC" fill --count $((POOL_SIZE + 1)) \
	--expect-up "$POOL_SIZE" --hosts lac-std --auths pap --tid-base 30000 --lcp-passive \
	--timeout 40 >"$W/fill.log" 2>&1
grep '^#' "$W/fill.log" | sed "s/^/[$LNS_NAME] /"
lns_py_checks "$W/fill.log" "pool: "
if t=$(lns_wait_clean 20); then
	lns_pass "everything back to zero after the pool fill (${t} s)"
else
	lns_fail "everything back to zero after the pool fill ($t)"
fi

lns_stop_expect 0
lns_check "no sanitizer report in lnsd's log" \
	sh -c "! grep -Eq 'ERROR: (Address|Leak)Sanitizer|runtime error' '$W/lnsd.log'"
lns_finish
