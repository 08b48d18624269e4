# SPDX-License-Identifier: BSD-3-Clause
# Gauges of a running lnsd for the churn and vanish tests (source after lib.sh).
# lnsctl's stats carry counters only; the live counts (tunnels by state,
# sessions, data-plane entries, SAs, IKE SAs and half-open ones) are on the
# metrics endpoint, so the config must set metrics.listen to 127.0.0.1:$MPORT.

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
