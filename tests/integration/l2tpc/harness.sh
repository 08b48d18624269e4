# SPDX-License-Identifier: BSD-3-Clause
# Helpers of the churn and vanish tests (source after lib.sh).
#
# Gauges of a running lnsd: lnsctl's stats carry counters only; the live counts
# (tunnels by state, sessions, data-plane entries, SAs, IKE SAs and half-open
# ones) are on the metrics endpoint, so the config must set metrics.listen to
# 127.0.0.1:$MPORT.
#
# l2tpc_reference_check: the test client itself against independent
# implementations, xl2tpd as the LNS and slirp as its PPP end, in two
# namespaces of their own (no lnsd involved).

L2TPC=$LNS_SRC/tests/integration/l2tpc/l2tpc.py

# lns_free_port: a free TCP port on 127.0.0.1 for metrics.listen
lns_free_port() {
	"$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

lns_metrics() { curl -s --max-time 10 "http://127.0.0.1:$MPORT/metrics"; }

# lns_gauge NAME: one metric line's value, NAME as printed (labels included)
lns_gauge() { lns_metrics | awk -v n="$1" '$1 == n { print $2 }'; }

# lns_leftovers: the sum of every gauge that must drop to zero once all peers
# are gone ("no-metrics" when the endpoint does not answer with all of them)
lns_leftovers() {
	lns_metrics | awk '
		/^lnsd_tunnels\{/ || /^lnsd_sessions / || /^lnsd_dataplane_tunnels / ||
		/^lnsd_dataplane_sessions / || /^lnsd_sas\{/ || /^lnsd_ike_sas\{/ { n += $2; seen++ }
		END { if (seen < 10) print "no-metrics"; else print n }'
}

lns_lists_empty() {
	[ "$(lns_ctl --json show tunnels)" = "{}" ] && [ "$(lns_ctl --json show sessions)" = "{}" ]
}

# lns_wait_clean SECONDS: until every gauge is 0 and lnsctl lists nothing;
# prints the seconds it took, or what is left (and fails)
lns_wait_clean() {
	local t0=$EPOCHREALTIME v
	for _ in $(seq $(($1 * 4))); do
		v=$(lns_leftovers)
		if [ "$v" = 0 ] && lns_lists_empty; then
			awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f\n", b - a }'
			return 0
		fi
		sleep 0.25
	done
	echo "left: $(lns_metrics | grep -E '^lnsd_(tunnels|sessions|dataplane|sas|ike_sas)' | grep -v ' 0$' | tr '\n' ' ')"
	return 1
}

# lns_py_checks FILE [PREFIX]: turn a l2tpc output's OK/FAIL lines into passes/fails
lns_py_checks() {
	local line
	while read -r line; do
		case $line in
		OK\ *) lns_pass "${2:-}${line#OK }" ;;
		FAIL\ *) lns_fail "${2:-}${line#FAIL }" ;;
		esac
	done < <(grep '^OK \|^FAIL ' "$1")
}

# l2tpc_reference_check: l2tpc opens a tunnel and a call with xl2tpd (LNS) and
# LCP with slirp (run by xl2tpd in pppd's place), then closes with StopCCN.
# slirp wants to be given an address and does no authentication, so the check
# stops once LCP is open; IPCP and auth are exercised against lnsd only.
l2tpc_reference_check() {
	local d=$LNS_WORK/ref ns_l=lns$LNS_ID-rl ns_c=lns$LNS_ID-rc pid
	command -v xl2tpd >/dev/null && command -v slirp-fullbolt >/dev/null ||
		{ lns_fail "harness: xl2tpd and slirp-fullbolt needed (install-deps.sh)"; return; }
	mkdir -p "$d"
	lns_netns "$ns_l"
	lns_netns "$ns_c"
	ip link add "lns${LNS_ID}r" netns "$ns_l" type veth peer name "lns${LNS_ID}q" netns "$ns_c"
	ip -n "$ns_l" addr add 203.0.113.1/24 dev "lns${LNS_ID}r"
	ip -n "$ns_c" addr add 203.0.113.2/24 dev "lns${LNS_ID}q"
	ip -n "$ns_l" link set "lns${LNS_ID}r" up
	ip -n "$ns_c" link set "lns${LNS_ID}q" up
	printf '#!/bin/sh\nexec slirp-fullbolt ppp "mtu 1400" <>"$1" >&0 2>>%s/slirp.log\n' "$d" >"$d/pppd"
	chmod +x "$d/pppd"
	printf '%s\n' "[global]" "port = 1701" "listen-addr = 203.0.113.1" "access control = no" \
		"debug tunnel = yes" "" "[lns default]" "ip range = 10.99.0.2-10.99.0.20" \
		"local ip = 10.99.0.1" "require authentication = no" "ppp debug = no" \
		"pppoptfile = $d/options" "length bit = yes" >"$d/xl2tpd.conf"
	: >"$d/options"
	: >"$d/secrets"
	ip netns exec "$ns_l" sh -c "mount --bind '$d/pppd' /usr/sbin/pppd && \
		exec xl2tpd -D -c '$d/xl2tpd.conf' -s '$d/secrets' -p '$d/xl2tpd.pid' \
		-C '$d/control'" >"$d/xl2tpd.log" 2>&1 &
	pid=$!
	LNS_BG_PIDS+=("$pid")
	for _ in $(seq 50); do [ -p "$d/control" ] && break; sleep 0.1; done
	ip netns exec "$ns_c" "$PY" "$L2TPC" probe --lns 203.0.113.1 --until auth --timeout 15 \
		>"$d/probe.log" 2>&1
	lns_py_checks "$d/probe.log" "harness vs xl2tpd + slirp: "
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
}
