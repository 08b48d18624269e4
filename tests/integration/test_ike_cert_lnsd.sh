#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# lnsd itself with certificates, end to end: strongSwan charon authenticates with an
# RSA certificate made by strongSwan's `pki` (lnsd's from the same CA, configured
# through ipsec.certificates and ipsec.cert-peers with the client's DN), then
# xl2tpd + slirp bring L2TP and PPP up over that IPsec connection and UDP echoes
# go core -> lnsd -> ESP/L2TP/PPP -> slirp and back.
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

mkdir -p "$C"
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

lns_write_config "$W/lnsd.yaml" "
ipsec:
  esp-proposals: [aes128gcm16]
  dpd-interval: 0
  certificates:
    cert-file: $C/lns.pem
    key-file: $C/lns.key
    ca-file: $C/ca.pem
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
got=$(ip netns exec "$LNS_NS_CORE" "$PY" -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(0.5)
got = 0
for i in range(20):
    s.sendto(b"cert-%02d" % i, ("10.201.0.1", 7777))
    try:
        if s.recvfrom(2048)[0] == b"cert-%02d" % i:
            got += 1
    except socket.timeout:
        pass
print(got)')
lns_check "UDP echo through ESP/L2TP/PPP: $got of 20" [ "${got:-0}" -ge 18 ]
lns_lac_stop lnsd
lns_ipsec_stop
lns_stop_expect 0
lns_check "no sanitizer report in lnsd's log" \
	sh -c "! grep -Eq 'runtime error|AddressSanitizer|LeakSanitizer' '$W/lnsd.log'"
lns_finish
