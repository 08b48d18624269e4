# SPDX-License-Identifier: BSD-3-Clause
# A real IPsec client for integration tests: strongSwan charon (IKEv1, ESP in user
# space with kernel-libipsec) in the access namespace, so that xl2tpd's UDP 1701 to
# lnsd travels in ESP-in-UDP 4500 (PEERS.md). Source after lib.sh:
#
#   lns_ipsec_start PSK [ESP_PROPOSALS] [IKE_PROPOSALS]  # charon up, config loaded
#   lns_ipsec_initiate                                  # IKE + Quick Mode, waits
#   lns_ipsec_sa_count                                  # ESTABLISHED IKE SAs (0 or 1)
#   lns_ipsec_stop
#   swanctl_ COMMAND [ARGS]                             # swanctl against this charon
#
# The connection and child are both named $LNS_IPSEC_CONN (default "l2tp").
# LNS_IPSEC_IKE_TIMES / LNS_IPSEC_CHILD_TIMES replace the IKE SA's and the
# child's "rekey_time = 0" (no renewals) with swanctl.conf lines of one's own.
# Files live in $LNS_WORK/ch: charon.log (filelog, ike/net 2, chd 4: the keys),
# strongswan.conf, swanctl.conf.
# Several clients (test_nat.sh): set LNS_IPSEC_NS (namespace, default the access
# one), LNS_IPSEC_LOCAL (its address, default $LNS_ACC_PEER) and LNS_IPSEC_DIR (its
# files; cleared: $LNS_WORK/ch) before each call, and keep each LNS_IPSEC_PID.
# Certificates instead of the PSK: LNS_IPSEC_CERT=DIR with client.pem, client.key
# and ca.pem (the CA that signed lnsd's certificate too); LNS_IPSEC_CACERTS, a
# comma-separated list of CA files, replaces ca.pem as the CAs trusted for lnsd.

LNS_IPSEC_CONN=${LNS_IPSEC_CONN:-l2tp}
LNS_IPSEC_DIR=
LNS_IPSEC_PID=

swanctl_() {
	local c=$1; shift
	ip netns exec "${LNS_IPSEC_NS:-$LNS_NS_ACC}" swanctl "$c" --uri "unix://$LNS_IPSEC_DIR/charon.vici" "$@"
}

# the local and remote sections of the connection: PSK, or LNS_IPSEC_CERT's files
lns_ipsec_auth() {
	if [ -z "${LNS_IPSEC_CERT:-}" ]; then
		printf 'local { auth = psk }\n\t\tremote { auth = psk }'
		return
	fi
	printf 'local { auth = pubkey\n\t\t\tcerts = %s/client.pem }\n' "$LNS_IPSEC_CERT"
	printf '\t\tremote { auth = pubkey\n\t\t\tcacerts = %s }' \
		"${LNS_IPSEC_CACERTS:-$LNS_IPSEC_CERT/ca.pem}"
}

# lns_ipsec_start PSK [ESP_PROPOSALS] [IKE_PROPOSALS]
lns_ipsec_start() {
	local psk=$1 esp=${2:-aes128gcm16} ike=${3:-aes128-sha256-modp2048} d
	for t in /usr/lib/ipsec/charon swanctl; do
		command -v "$t" >/dev/null ||
			{ lns_log "missing $t (strongswan-charon, strongswan-swanctl)"; return 1; }
	done
	d=${LNS_IPSEC_DIR:-$LNS_WORK/ch}
	LNS_IPSEC_DIR=$d
	mkdir -p "$d"
	: >"$d/charon.log"
	# kernel-libipsec does ESP in user space on a TUN device (tunnel mode only,
	# always UDP-encapsulated); kernel-netlink routes the protected traffic into
	# that TUN. charon marks its own IKE/ESP sockets 0x42, so they bypass the
	# routing table that sends everything else to the peer into the TUN.
	cat >"$d/strongswan.conf" <<EOC
charon {
	load = random nonce aes sha1 sha2 hmac kdf gcm openssl pem pkcs1 x509 pubkey gmp curve25519 kernel-libipsec kernel-netlink socket-default vici
	retransmit_tries = 3
	retransmit_timeout = 1.0
	retransmit_base = 1.4
	plugins {
		vici {
			socket = unix://$d/charon.vici
		}
		kernel-libipsec {
			allow_peer_ts = yes
		}
		kernel-netlink {
			fwmark = !0x42
		}
		socket-default {
			fwmark = 0x42
		}
	}
	filelog {
		main {
			path = $d/charon.log
			time_format = %s
			default = 1
			ike = 2
			net = 2
			chd = 4
			knl = 1
			flush_line = yes
		}
	}
}
EOC
	cat >"$d/swanctl.conf" <<EOC
connections {
	$LNS_IPSEC_CONN {
		version = 1
		aggressive = no
		local_addrs = ${LNS_IPSEC_LOCAL:-$LNS_ACC_PEER}
		remote_addrs = $LNS_ACC_ADDR
		proposals = $ike
		${LNS_IPSEC_IKE_TIMES:-rekey_time = 0}
		dpd_delay = 0
		$(lns_ipsec_auth)
		children {
			$LNS_IPSEC_CONN {
				local_ts = dynamic[udp/1701]
				remote_ts = dynamic[udp/1701]
				mode = tunnel
				esp_proposals = $esp
				${LNS_IPSEC_CHILD_TIMES:-rekey_time = 0}
			}
		}
	}
}
secrets { ike-lns { secret = "$psk" } }
EOC
	if [ -n "${LNS_IPSEC_CERT:-}" ]; then
		# swanctl loads the keys in private/ beside its configuration
		mkdir -p "$d/private"
		cp "$LNS_IPSEC_CERT/client.key" "$d/private/"
	fi
	# charon needs its own /run (pid file, vici); ip netns exec gives a private
	# mount namespace, so the tmpfs is seen by this charon only.
	ip netns exec "${LNS_IPSEC_NS:-$LNS_NS_ACC}" sh -c "mount -t tmpfs tmpfs /run && \
		STRONGSWAN_CONF=$d/strongswan.conf exec /usr/lib/ipsec/charon" >"$d/charon.out" 2>&1 &
	LNS_IPSEC_PID=$!
	LNS_BG_PIDS+=("$LNS_IPSEC_PID")
	for _ in $(seq 50); do swanctl_ --stats >/dev/null 2>&1 && break; sleep 0.1; done
	swanctl_ --load-all --file "$d/swanctl.conf" >"$d/load.out" 2>&1 ||
		{ lns_log "swanctl --load-all failed:"; cat "$d/load.out"; return 1; }
}

# lns_ipsec_initiate: Main Mode + Quick Mode; succeeds when the CHILD_SA is installed.
lns_ipsec_initiate() {
	swanctl_ --initiate --child "$LNS_IPSEC_CONN" --timeout 15 >>"$LNS_IPSEC_DIR/initiate.out" 2>&1
}

# lns_ipsec_sa_count: IKE SAs charon holds in state ESTABLISHED
lns_ipsec_sa_count() {
	swanctl_ --list-sas 2>/dev/null | grep -c ESTABLISHED
}

# lns_ipsec_spi_out: charon's outbound SPI (= lnsd's inbound) of its newest CHILD_SA
lns_ipsec_spi_out() {
	sed -n "s/.*CHILD_SA $LNS_IPSEC_CONN{[0-9]*} established with SPIs [0-9a-f]*_i \([0-9a-f]*\)_o.*/\1/p" \
		"$LNS_IPSEC_DIR/charon.log" | tail -1
}

lns_ipsec_stop() {
	[ -n "$LNS_IPSEC_PID" ] || return 0
	kill -TERM "$LNS_IPSEC_PID" 2>/dev/null
	wait "$LNS_IPSEC_PID" 2>/dev/null
	LNS_IPSEC_PID=
}
