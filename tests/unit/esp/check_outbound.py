#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""
Decrypts with scapy the ESP packets that lns_esp_outbound() produced (test_esp.c writes
them) and compares scapy's plaintext with the payload test_esp.c gave to the burst.
Exit status 0 only if every packet decrypts, authenticates and matches.

Input, one record per line, fields separated by one space:
  alg mode spi enc_key auth_key nh plain esp
(same conventions as scapy_vectors.txt; esp runs from the SPI to the ICV).
"""
import sys

from scapy.all import IP, Raw, raw
from scapy.layers.ipsec import ESP, SecurityAssociation

ALGS = {
    "aes128gcm16": ("AES-GCM", None), "aes256gcm16": ("AES-GCM", None),
    "aes128-sha1": ("AES-CBC", "HMAC-SHA1-96"), "aes256-sha1": ("AES-CBC", "HMAC-SHA1-96"),
    "aes128-sha256": ("AES-CBC", "SHA2-256-128"), "aes256-sha256": ("AES-CBC", "SHA2-256-128"),
    "3des-sha1": ("3DES", "HMAC-SHA1-96"), "3des-sha256": ("3DES", "SHA2-256-128"),
}
BLOCK = {"AES-CBC": 16, "3DES": 8}
CLIENT, LNS = "192.0.2.10", "192.0.2.1"


def check(line):
    alg, mode, spi, ekey, akey, nh, plain, esp = line.split(" ")
    calgo, aalgo = ALGS[alg]
    spi, nh = int(spi, 16), int(nh)
    plain, esp = bytes.fromhex(plain if plain != "-" else ""), bytes.fromhex(esp)
    kw = {"tunnel_header": IP(src=LNS, dst=CLIENT)} if mode == "tunnel" else {}
    sa = SecurityAssociation(ESP, spi=spi, crypt_algo=calgo, crypt_key=bytes.fromhex(ekey),
                             auth_algo=aalgo,
                             auth_key=bytes.fromhex(akey) if akey != "-" else None, **kw)
    pkt = IP(raw(IP(src=LNS, dst=CLIENT, proto=50) / Raw(esp)))
    # Trailer as scapy sees it: pad length, next header, alignment (RFC 4303 2.4).
    icv = sa.crypt_algo.icv_size or sa.auth_algo.icv_size
    clear = sa.crypt_algo.decrypt(sa, pkt[ESP].copy(), sa.crypt_key, icv)
    if clear.nh != nh:
        return "next header %d, expected %d" % (clear.nh, nh)
    body = len(esp) - 8 - icv
    ivl = sa.crypt_algo.iv_size
    if body % 4 != 0 or (calgo in BLOCK and (body - ivl) % BLOCK[calgo] != 0):
        return "ESP payload of %d bytes is not aligned" % body
    dec = sa.decrypt(pkt.copy())       # verifies the ICV; decrypt mutates: copy
    got = raw(dec) if mode == "tunnel" else raw(dec)[dec.ihl * 4:]
    if mode == "transport" and dec.proto != nh:
        return "IPv4 protocol %d after decryption, expected %d" % (dec.proto, nh)
    if got != plain:
        return "plaintext differs:\n  got  %s\n  want %s" % (got.hex(), plain.hex())
    return None


def main():
    if len(sys.argv) != 2:
        print("usage: check_outbound.py FILE", file=sys.stderr)
        return 2
    n = bad = 0
    with open(sys.argv[1]) as f:
        for no, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            n += 1
            try:
                err = check(line)
            except Exception as e:  # scapy raises IPSecIntegrityError on a bad ICV
                err = "%s: %s" % (type(e).__name__, e)
            if err:
                bad += 1
                print("%s:%d: %s" % (sys.argv[1], no, err), file=sys.stderr)
    print("check_outbound: %d packets, %d bad" % (n, bad))
    return 1 if bad or n == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
