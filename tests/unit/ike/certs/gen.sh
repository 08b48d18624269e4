#!/bin/sh
# Test certificates for lib/ike's certificate code and lib/conf's checks, made by
# the openssl CLI (an implementation independent of lnsd). Valid for 100 years.
# Regenerate: cd tests/unit/ike/certs && sh gen.sh
set -e
D=36500
key() { openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1" 2>/dev/null; }
cat > ext.cnf <<X
[ca]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[lns]
subjectAltName = DNS:lns.test, IP:192.0.2.1
[client]
subjectAltName = DNS:client1.test, IP:10.0.0.2
[revoked]
subjectAltName = DNS:revoked.test
[rogue]
subjectAltName = DNS:client1.test
X
key ca.key
openssl req -x509 -new -key ca.key -days $D -subj "/C=CH/O=lnsd test/CN=lnsd test CA" \
	-extensions ca -config ext.cnf -out ca.pem 2>/dev/null || \
openssl req -x509 -new -key ca.key -days $D -subj "/C=CH/O=lnsd test/CN=lnsd test CA" \
	-addext "basicConstraints=critical,CA:true" -addext "keyUsage=critical,keyCertSign,cRLSign" -out ca.pem
key other-ca.key
openssl req -x509 -new -key other-ca.key -days $D -subj "/C=CH/O=other/CN=other CA" \
	-addext "basicConstraints=critical,CA:true" -addext "keyUsage=critical,keyCertSign,cRLSign" -out other-ca.pem
leaf() { # name subject ext ca
	key $1.key
	openssl req -new -key $1.key -subj "$2" -out $1.csr
	openssl x509 -req -in $1.csr -CA $4.pem -CAkey $4.key -set_serial $5 -days $D \
		-extfile ext.cnf -extensions $3 -out $1.pem 2>/dev/null
	rm $1.csr
}
leaf lns "/C=CH/O=lnsd test/CN=lns.test" lns ca 2
leaf client "/C=CH/O=lnsd test/CN=client1" client ca 3
leaf revoked "/C=CH/O=lnsd test/CN=revoked" revoked ca 4
leaf rogue "/C=CH/O=lnsd test/CN=client1" rogue other-ca 5
# CRL of ca revoking serial 4
mkdir -p db && : > db/index.txt && echo 01 > db/crlnumber
printf 'R\t21240101000000Z\t240101000000Z\t04\tunknown\t/C=CH/O=lnsd test/CN=revoked\n' > db/index.txt
cat > ca.cnf <<X
[ca]
default_ca = c
[c]
database = db/index.txt
crlnumber = db/crlnumber
default_md = sha256
default_crl_days = $D
X
openssl ca -config ca.cnf -gencrl -keyfile ca.key -cert ca.pem -out ca.crl 2>/dev/null
rm -rf db ca.cnf ext.cnf
# DER copies and PKCS#1 v1.5 signatures of a raw SHA-256 value (RFC 2409 §5.1
# signs HASH_I/HASH_R without DigestInfo), made by `openssl pkeyutl`
for c in client rogue revoked; do openssl x509 -in $c.pem -outform DER -out $c.der; done
printf 'lnsd HASH_I test' | openssl dgst -sha256 -binary > hash.bin
openssl pkeyutl -sign -inkey lns.key -pkeyopt rsa_padding_mode:pkcs1 -in hash.bin > lns-sig.bin
openssl pkeyutl -sign -inkey client.key -pkeyopt rsa_padding_mode:pkcs1 -in hash.bin > client-sig.bin
# ECDSA (P-256): lnsd's EC certificate from the same CA, and openssl's DER ECDSA
# signature of hash.bin taken as the digest (what IKEv1 signs, as strongSwan does)
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out lns-ec.key
openssl req -new -key lns-ec.key -subj "/C=CH/O=lnsd test/CN=lns.test" -out lns-ec.csr
openssl x509 -req -in lns-ec.csr -CA ca.pem -CAkey ca.key -set_serial 6 -days $D -out lns-ec.pem 2>/dev/null
rm lns-ec.csr
openssl x509 -in lns-ec.pem -outform DER -out lns-ec.der
openssl pkeyutl -sign -inkey lns-ec.key -in hash.bin > lns-ec-sig.der
