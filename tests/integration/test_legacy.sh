#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Legacy algorithms behind ipsec.allow-3des, against real peers: strongSwan charon
# (kernel-libipsec: ESP in user space) negotiates 3des-sha1-modp2048 in Main Mode
# and 3des-sha1 in Quick Mode, and a UDP echo runs core -> lnsd -> 3DES ESP /
# L2TP / PPP -> xl2tpd + slirp -> back, so lnsd's 3DES data path meets an
# independent implementation both ways. lnsd logs the legacy WARNING at start-up.
# MikroTik's default phase 2 (PFS group 2) is accepted with allow-modp1024.
# Then lnsd restarts with the defaults (allow-3des off): the same ESP offer gets
# NO-PROPOSAL-CHOSEN in Quick Mode, counted, and lnsd logs no legacy warning;
# Windows' ESP set gets aes256-sha1, MikroTik's PFS group 2 is refused.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lac.sh"
. "$(dirname "$0")/ipsec.sh"

lns_init legacy
for t in xl2tpd slirp-fullbolt /usr/lib/ipsec/charon swanctl; do
	command -v "$t" >/dev/null ||
		{ echo "legacy: missing $t: run drivers-config/install-deps.sh" >&2; exit 1; }
done
lns_topology_up
W=$LNS_WORK
PSK=legacy-psk-0123456789
quiet() { "$@" >/dev/null 2>&1; }
T0=$(date +%s)

# config LEGACY(true|false): lnsd's config; with true, 3DES in phase 1 and ESP,
# and MODP1024 (phase 1 and PFS)
config() {
	local legacy=
	[ "$1" = true ] && legacy="  allow-3des: true
  allow-modp1024: true
  ike-ciphers: [aes256, aes128, 3des]
  ike-groups: [modp2048, ecp256, modp1024]
  esp-proposals: [aes128gcm16, 3des-sha1, aes256-sha1]"
	lns_write_config "$W/lnsd-$1.yaml" "
ipsec:
$legacy
  dpd-interval: 0
  psk:
    - peer: 0.0.0.0/0
      secret: \"$PSK\"
l2tp:
  allow-nonsecure: false
  hello-interval: 0
ppp:
  auth: [pap]
  default-pool: subs
  pools:
    - name: subs
      prefix: 10.200.0.0/24
  users:
    - name: alice
      password: secret1
"
	lns_check "lnsd --check accepts the config (legacy $1)" quiet "$LNSD" --check -c "$W/lnsd-$1.yaml"
}

# ------------------------------------------------ allow-3des on: end to end ---
config true
lns_start "$W/lnsd-true.yaml" || { lns_fail "lnsd starts"; lns_finish; exit 1; }
lns_check "start-up warning names allow-3des and esp-proposals" \
	grep -Eq "allow-3des is ON.*esp-proposals" "$W/lnsd.log"

ip -n "$LNS_NS_ACC" addr add 10.200.0.1/32 dev lo
ip netns exec "$LNS_NS_ACC" "$PY" -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 7777))
while True:
    d, a = s.recvfrom(2048)
    s.sendto(d, a)' &
LNS_BG_PIDS+=("$!")

lns_check "charon starts offering only 3DES (IKE and ESP)" \
	lns_ipsec_start "$PSK" 3des-sha1 3des-sha1-modp2048
lns_check "IKEv1 Main Mode + Quick Mode with 3DES" lns_ipsec_initiate
swanctl_ --list-sas >"$W/sas-on.txt" 2>&1
lns_check "charon: IKE SA is 3DES_CBC/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_2048" \
	grep -q "3DES_CBC/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_2048" "$W/sas-on.txt"
lns_check "charon: CHILD_SA is 3DES_CBC/HMAC_SHA1_96" \
	grep -Eq "INSTALLED, TUNNEL-in-UDP, ESP:3DES_CBC/HMAC_SHA1_96$" "$W/sas-on.txt"
lns_check "xl2tpd (LAC) starts" lns_lac_start lnsd alice secret1
lns_lac_call lnsd
lns_check "PPP up over 3DES ESP (event ppp-up)" lns_wait_event ppp-up "user=alice" 0 20

# 100 datagrams of varied sizes (every pad length of the 8-byte block), each echoed
ip netns exec "$LNS_NS_CORE" "$PY" -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(0.02)
sent, got, seen = 0, 0, set()
# warm-up: the path (ARP on the core side, slirp) is ready once one echo returns
end = time.monotonic() + 10
while time.monotonic() < end:
    s.sendto(b"warmup", ("10.200.0.1", 7777))
    try:
        if s.recvfrom(2048)[0] == b"warmup":
            break
    except socket.timeout:
        time.sleep(0.2)
for i in range(100):
    d = b"legacy-%03d-" % i + bytes(range(i % 17)) * 7
    s.sendto(d, ("10.200.0.1", 7777))
    sent += 1
    end = time.monotonic() + 0.05
    while time.monotonic() < end:
        try:
            r, a = s.recvfrom(2048)
            if r.startswith(b"legacy-") and r not in seen:
                seen.add(r)
                got += 1
        except socket.timeout:
            pass
end = time.monotonic() + 2
while time.monotonic() < end:
    try:
        r, a = s.recvfrom(2048)
        if r.startswith(b"legacy-") and r not in seen:
            seen.add(r)
            got += 1
    except socket.timeout:
        pass
print(sent, got)' >"$W/echo.out"
read -r sent got <"$W/echo.out"
lns_log "echo over 3DES: sent $sent, received $got"
lns_check "echo through 3DES ESP both ways: $got of $sent (>= 95%)" \
	[ "$sent" -gt 0 -a $((got * 100)) -ge $((sent * 95)) ]
swanctl_ --list-sas >"$W/sas-after.txt" 2>&1
lns_check "charon's 3DES CHILD_SA carried >= 100 packets each way" "$PY" -c '
import re, sys
t = open(sys.argv[1]).read()
n = {d: int(p) for d, p in re.findall(r"^ +(in|out) +[0-9a-f]+, +[0-9]+ bytes, +([0-9]+) packets", t, re.M)}
sys.exit(not (n.get("in", 0) >= 100 and n.get("out", 0) >= 100))' "$W/sas-after.txt"
lns_check "no ESP dropped for a bad ICV, padding or length" \
	[ "$(lns_stat drops.esp/icv)/$(lns_stat drops.esp/bad_pad)/$(lns_stat drops.esp/bad_pad_len)/$(lns_stat drops.esp/bad_len)/$(lns_stat drops.esp/crypto)" = 0/0/0/0/0 ]
lns_lac_hangup lnsd
lns_lac_stop lnsd
lns_ipsec_stop

# qm_case NAME ESP IKE WANT: charon offers ESP (Quick Mode) over IKE (Main Mode);
# WANT is the ESP line swanctl shows for the CHILD_SA, or "refused"
# (NO-PROPOSAL-CHOSEN)
qm_case() {
	local name=$1 esp=$2 ike=$3 want=$4
	rm -rf "$W/ch"
	lns_ipsec_start "$PSK" "$esp" "$ike" || { lns_fail "$name: charon starts"; return; }
	if [ "$want" = refused ]; then
		if lns_ipsec_initiate; then
			lns_fail "$name: Quick Mode ($esp) completed, expected a refusal"
		else
			lns_check "$name: Quick Mode ($esp) refused with NO_PROPOSAL_CHOSEN" \
				grep -q "received NO_PROPOSAL_CHOSEN" "$LNS_IPSEC_DIR/charon.log"
		fi
	else
		lns_ipsec_initiate
		swanctl_ --list-sas >"$W/sas-$name.txt" 2>&1
		lns_check "$name: Quick Mode ($esp) -> $want" \
			grep -Eq "INSTALLED, TUNNEL-in-UDP, ESP:$want\$" "$W/sas-$name.txt"
	fi
	lns_ipsec_stop
}
# MikroTik's default proposal: AES-256/192/128-CBC + SHA1 with PFS group 2 (README
# "Clients"): accepted with allow-modp1024 and modp1024 in ike-groups
qm_case mikrotik-pfs2 aes256-sha1-modp1024,aes192-sha1-modp1024,aes128-sha1-modp1024 \
	aes128-sha1-modp2048 "AES_CBC-256/HMAC_SHA1_96/MODP_1024"
lns_stop_expect 0
cp "$W/lnsd.log" "$W/lnsd-true.log"

# ---------------------------------- allow-3des off (defaults): refused in QM ---
config false
lns_start "$W/lnsd-false.yaml" || { lns_fail "lnsd starts (defaults)"; lns_finish; exit 1; }
lns_check "no legacy WARNING with the defaults" sh -c "! grep -q 'allow-3des is ON' '$W/lnsd.log'"
# Windows' ESP set without des/null (charon has neither here), the same as
# NetworkManager-l2tp's phase 2 and a superset of Apple's: lnsd's default order
# picks aes256-sha1
qm_case windows-esp aes256-sha1,aes128-sha1,3des-sha1 aes256-sha1-modp2048 \
	"AES_CBC-256/HMAC_SHA1_96"
qm_case mikrotik-pfs2-defaults aes256-sha1-modp1024,aes128-sha1-modp1024 \
	aes128-sha1-modp2048 refused
rm -rf "$W/ch"
lns_check "charon starts offering 3des-sha1 ESP (modern IKE)" \
	lns_ipsec_start "$PSK" 3des-sha1 aes128-sha256-modp2048
if lns_ipsec_initiate; then
	lns_fail "Quick Mode with only 3des-sha1 completed against the defaults"
else
	lns_pass "Quick Mode with only 3des-sha1 does not complete against the defaults"
fi
lns_check "charon received NO_PROPOSAL_CHOSEN" \
	grep -q "received NO_PROPOSAL_CHOSEN" "$LNS_IPSEC_DIR/charon.log"
lns_check "lnsd counted the refusal (ike.err_no_proposal_chosen >= 1)" \
	[ "$(lns_stat ike.err_no_proposal_chosen)" -ge 1 ]
lns_ipsec_stop
lns_stop_expect 0
lns_check "no sanitizer report in lnsd's logs" \
	sh -c "! grep -Eq 'runtime error|AddressSanitizer|LeakSanitizer' '$W/lnsd.log' '$W/lnsd-true.log'"
lns_log "took $(( $(date +%s) - T0 )) s"
lns_finish
