#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# lnsd itself with certificates, end to end: strongSwan charon authenticates with an
# RSA certificate made by strongSwan's `pki` (lnsd's from the same CA, configured
# through ipsec.certificates and ipsec.cert-peers with the client's DN), then
# xl2tpd + slirp bring L2TP and PPP up over that IPsec connection and UDP echoes
# go core -> lnsd -> ESP/L2TP/PPP -> slirp and back.
# Then certificates are rotated live: lnsd's certificate, key and CA bundle are
# replaced in place (a new CA) and reloaded; the established connection keeps
# passing traffic and its next phase-1 renewal authenticates lnsd's new
# certificate; a new CRL (in place too) revokes the client's certificate and a new
# connection from it is refused.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lac.sh"
. "$(dirname "$0")/ipsec.sh"

lns_init ike_cert_lnsd
for t in xl2tpd slirp-fullbolt /usr/lib/ipsec/charon swanctl pki; do
	command -v "$t" >/dev/null ||
		{ echo "ike_cert_lnsd: missing $t: run drivers-config/install-deps.sh" >&2; exit 1; }
done
lns_topology_up
W=$LNS_WORK
C=$W/certs
DN_CLIENT="C=CH, O=lnsd test, CN=client1"
quiet() { "$@" >/dev/null 2>&1; }

L=$C/lns    # lnsd's own files (the client's are in $C)
mkdir -p "$C" "$L"
P() { pki "$@" 2>>"$W/pki.err"; }
P --gen --type rsa --size 2048 --outform pem >"$C/ca.key"
P --self --ca --lifetime 2 --in "$C/ca.key" --dn "C=CH, O=lnsd test, CN=Test CA" --outform pem >"$C/ca.pem"
for n in lns client; do
	P --gen --type rsa --size 2048 --outform pem >"$C/$n.key"
done
P --pub --in "$C/lns.key" --outform pem | P --issue --cacert "$C/ca.pem" --cakey "$C/ca.key" \
	--dn "C=CH, O=lnsd test, CN=lns.test" --san "$LNS_ACC_ADDR" --lifetime 2 --outform pem >"$C/lns.pem"
P --pub --in "$C/client.key" --outform pem | P --issue --cacert "$C/ca.pem" --cakey "$C/ca.key" \
	--dn "$DN_CLIENT" --lifetime 2 --outform pem >"$C/client.pem"
cp "$C/lns.pem" "$C/lns.key" "$C/ca.pem" "$L/"
# the CA lnsd's certificate will move to; clients trust it ahead of the rotation
P --gen --type rsa --size 2048 --outform pem >"$C/ca2.key"
P --self --ca --lifetime 2 --in "$C/ca2.key" --dn "C=CH, O=lnsd test, CN=Test CA 2" --outform pem >"$C/ca2.pem"
P --signcrl --cacert "$C/ca.pem" --cakey "$C/ca.key" --lifetime 2 --outform pem >"$L/ca.crl"

lns_write_config "$W/lnsd.yaml" "
ipsec:
  esp-proposals: [aes128gcm16]
  dpd-interval: 0
  certificates:
    cert-file: $L/lns.pem
    key-file: $L/lns.key
    ca-file: $L/ca.pem
    crl-files: [$L/ca.crl]
  cert-peers:
    - peer: $LNS_ACC_PEER/32
      id-type: der-asn1-dn
      id: \"$DN_CLIENT\"
l2tp:
  allow-nonsecure: false
  hello-interval: 0
ppp:
  auth: [pap]
  default-pool: subs
  pools:
    - name: subs
      prefix: 10.201.0.0/24
  users:
    - name: alice
      password: secret1
"
lns_check "lnsd --check accepts the certificates" quiet "$LNSD" --check -c "$W/lnsd.yaml"
lns_start "$W/lnsd.yaml" || { lns_fail "lnsd starts"; lns_finish; }

ip -n "$LNS_NS_ACC" addr add 10.201.0.1/32 dev lo
ip netns exec "$LNS_NS_ACC" "$PY" -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 7777))
while True:
    d, a = s.recvfrom(2048)
    s.sendto(d, a)' &
LNS_BG_PIDS+=("$!")

LNS_IPSEC_CERT=$C
LNS_IPSEC_CACERTS="$C/ca.pem, $C/ca2.pem"
lns_check "charon starts with the client certificate" lns_ipsec_start unused-psk aes128gcm16
lns_check "IKEv1 Main Mode with RSA signatures + Quick Mode" lns_ipsec_initiate
lns_check "charon authenticated lnsd's certificate" \
	grep -q "authentication of 'C=CH, O=lnsd test, CN=lns.test' with RSA.* successful" "$LNS_IPSEC_DIR/charon.log"
lns_check "lnsd counted the certificate authentication" [ "$(lns_stat ike.cert_auth_done)" = 1 ]
lns_check "ipsec-up names the client's DN" lns_wait_event ipsec-up "$DN_CLIENT" 0 5
lns_check "xl2tpd (LAC) starts" lns_lac_start lnsd alice secret1
lns_lac_call lnsd
lns_check "PPP up over the certificate-authenticated IPsec (event ppp-up)" \
	lns_wait_event ppp-up "user=alice" 0 20
# echo_n TAG: how many of 20 UDP echoes come back through ESP/L2TP/PPP
echo_n() {
	ip netns exec "$LNS_NS_CORE" "$PY" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(0.5)
got = 0
for i in range(20):
    m = b"%s-%02d" % (sys.argv[1].encode(), i)
    s.sendto(m, ("10.201.0.1", 7777))
    try:
        if s.recvfrom(2048)[0] == m:
            got += 1
    except socket.timeout:
        pass
print(got)' "$1"
}
got=$(echo_n cert)
lns_check "UDP echo through ESP/L2TP/PPP: $got of 20" [ "${got:-0}" -ge 18 ]

# ---- rotation: lnsd's new certificate (of the new CA) and key, in place
P --gen --type rsa --size 2048 --outform pem >"$C/lns2.key"
P --pub --in "$C/lns2.key" --outform pem | P --issue --cacert "$C/ca2.pem" --cakey "$C/ca2.key" \
	--dn "C=CH, O=lnsd test, CN=lns2.test" --san "$LNS_ACC_ADDR" --lifetime 2 --outform pem >"$C/lns2.pem"
seq0=$(lns_last_seq)
auth0=$(lns_stat ike.cert_auth_done)
# a half-done rotation (the new key, the old certificate) is refused, nothing changes
cp "$C/lns2.key" "$L/lns.key"
# reload_to FILE [ARGS]: lnsctl reload's answer into FILE, its exit status
reload_to() { local f=$1; shift; lns_ctl reload "$@" >"$f" 2>&1; }
refused_to() { ! reload_to "$@"; }
lns_check "reload refused: the key does not match the certificate" refused_to "$W/bad.out"
lns_check "  the refusal names file, line, column and key" \
	grep -Eq "lnsd.yaml:[0-9]+:[0-9]+: ipsec.certificates.key-file: .*does not match" "$W/bad.out"
cp "$C/lns2.pem" "$L/lns.pem"
cat "$C/ca.pem" "$C/ca2.pem" >"$L/ca.pem"   # clients of either CA
lns_ctl reload --dry-run >"$W/dry.out" 2>&1
lns_check "reload --dry-run names the files changed in place" \
	sh -c "grep -q 'ipsec.certificates.cert-file: contents changed' '$W/dry.out' &&
	       grep -q 'ipsec.certificates.key-file: contents changed' '$W/dry.out' &&
	       grep -q 'ipsec.certificates.ca-file: contents changed' '$W/dry.out'"
lns_check "reload applies the new certificates" reload_to "$W/rot.out"
lns_check "  none of it needs a restart" sh -c "! grep -q 'needs a restart' '$W/rot.out'"
got=$(echo_n rot)
lns_check "the established connection passes traffic after the rotation: $got of 20" \
	[ "${got:-0}" -ge 18 ]
nothing_down() {
	! lns_has_event session-down "" "$seq0" && ! lns_has_event ipsec-disconnect "" "$seq0" &&
		! lns_has_event tunnel-destroyed "" "$seq0"
}
lns_check "  and nothing went down (no session-down, ipsec-disconnect, tunnel-destroyed)" nothing_down
# a phase-1 renewal (charon reauthenticates: a new Main Mode; its IKEv1 keeps the
# IPsec SAs) authenticates lnsd's new certificate and continues the connection
seq1=$(lns_last_seq)
swanctl_ --rekey --ike "$LNS_IPSEC_CONN" --reauth >>"$LNS_IPSEC_DIR/initiate.out" 2>&1
lns_check "the renewal after the rotation continues the connection (ipsec-renewed)" \
	lns_wait_event ipsec-renewed "" "$seq1" 20
lns_check "  charon authenticated lnsd's new certificate" \
	grep -q "authentication of 'C=CH, O=lnsd test, CN=lns2.test' with RSA.* successful" "$LNS_IPSEC_DIR/charon.log"
lns_check "  lnsd counted a second certificate authentication" \
	[ "$(lns_stat ike.cert_auth_done)" = $((auth0 + 1)) ]
got=$(echo_n renewed)
lns_check "  traffic passes after the renewal: $got of 20" [ "${got:-0}" -ge 18 ]
lns_check "  and the session stayed up through it all" nothing_down
lns_lac_stop lnsd

# ---- revocation: a new CRL of the first CA, in place, revokes the client
P --signcrl --cacert "$C/ca.pem" --cakey "$C/ca.key" --lifetime 2 --cert "$C/client.pem" \
	--reason key-compromise --outform pem >"$L/ca.crl.new"
mv "$L/ca.crl.new" "$L/ca.crl"
lns_check "reload applies the new CRL" reload_to "$W/crl.out"
lns_check "  it names the CRL" grep -q "ipsec.certificates.crl-files\[0\]: contents changed" "$W/crl.out"
swanctl_ --terminate --ike "$LNS_IPSEC_CONN" --timeout 10 >/dev/null 2>&1
rev0=$(lns_stat ike.err_cert_revoked)
refused() { ! lns_ipsec_initiate; }
lns_check "a new connection with the revoked certificate fails" refused
lns_check "  lnsd refused it as revoked (ike.err_cert_revoked)" \
	[ "$(lns_stat ike.err_cert_revoked)" -gt "$rev0" ]

# many reloads, each swapping a set (the two CRLs by turns): under ASan, the
# LeakSanitizer report at exit (checked below) would name a set never freed
cp "$L/ca.crl" "$W/crl.b"
P --signcrl --cacert "$C/ca.pem" --cakey "$C/ca.key" --lifetime 2 --outform pem >"$W/crl.a"
n_ok=0
for i in $(seq 20); do
	cp "$W/crl.$([ $((i % 2)) = 1 ] && echo a || echo b)" "$L/ca.crl"
	reload_to "$W/loop.out" && grep -q "crl-files\[0\]: contents changed" "$W/loop.out" &&
		n_ok=$((n_ok + 1))
done
lns_check "20 reloads that each swap the certificate set: $n_ok applied" [ "$n_ok" = 20 ]

lns_ipsec_stop
lns_stop_expect 0
lns_check "no sanitizer report in lnsd's log" \
	sh -c "! grep -Eq 'runtime error|AddressSanitizer|LeakSanitizer' '$W/lnsd.log'"
lns_finish
