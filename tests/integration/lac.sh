# SPDX-License-Identifier: BSD-3-Clause
# A real L2TP client for integration tests: xl2tpd as the LAC in the access
# namespace, with slirp (slirp-fullbolt) standing in for pppd as the PPP client
# (see ../shared/PEERS.md). Source after lib.sh:
#
#   lns_lac_start NAME USER PASSWORD [EXTRA_LAC_LINES]   # xl2tpd running, no call yet
#   lns_lac_call NAME                                   # dial: tunnel + session + PPP
#   lns_lac_hangup NAME                                 # CDN from the LAC
#   lns_lac_stop NAME
#
# Files live in $LNS_WORK/lac-NAME: xl2tpd.log (xl2tpd's debug output) and slirp.log.
# LNS_LAC_NS names the namespace xl2tpd runs in (default: the access one), LNS_LAC_PORT
# its UDP port (default 1701; several xl2tpd in one namespace need their own).

# lns_lac_start NAME USER PASSWORD [EXTRA]: EXTRA is appended to the [lac NAME] section.
lns_lac_start() {
	local name=$1 user=$2 pass=$3 extra=${4:-} d
	d=$LNS_WORK/lac-$name
	mkdir -p "$d"
	printf '%s\n%s\n' "$user" "$pass" >"$d/ua"
	# xl2tpd runs "pppd <pty> options..."; slirp speaks PPP on that pty instead
	# (the kernel here has no /dev/ppp). Bound over pppd in this mount namespace only.
	cat >"$d/pppd" <<EOF
#!/bin/sh
exec slirp-fullbolt ppp initiate-options ipcp-accept-remote +ua $d/ua "mtu 1400" \
	<>"\$1" >&0 2>>$d/slirp.log
EOF
	chmod +x "$d/pppd"
	cat >"$d/xl2tpd.conf" <<EOF
[global]
port = ${LNS_LAC_PORT:-1701}
access control = no
debug tunnel = yes
debug state = yes

[lac $name]
lns = $LNS_ACC_ADDR
name = $user
ppp debug = no
pppoptfile = $d/options
length bit = yes
autodial = no
redial = no
$extra
EOF
	: >"$d/options"
	: >"$d/secrets"
	ip netns exec "${LNS_LAC_NS:-$LNS_NS_ACC}" sh -c "mount --bind '$d/pppd' /usr/sbin/pppd && \
		exec xl2tpd -D -c '$d/xl2tpd.conf' -s '$d/secrets' -p '$d/xl2tpd.pid' \
		-C '$d/control'" >"$d/xl2tpd.log" 2>&1 &
	LNS_BG_PIDS+=("$!")
	eval "LNS_LAC_PID_$name=$!"
	for _ in $(seq 50); do [ -p "$d/control" ] && return 0; sleep 0.1; done
	lns_log "xl2tpd $name did not create its control FIFO"
	return 1
}

lns_lac_call() { echo "c $1" >"$LNS_WORK/lac-$1/control"; }
lns_lac_hangup() { echo "d $1" >"$LNS_WORK/lac-$1/control"; }

lns_lac_stop() {
	local pid
	eval "pid=\${LNS_LAC_PID_$1:-}"
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	return 0
}
