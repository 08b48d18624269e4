#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""
Writes scapy_vectors.txt next to this script: ESP packets made by scapy (an independent
implementation) that test_esp.c must decrypt byte-exact with lns_esp_inbound().

Deterministic: fixed keys, SPIs, sequence numbers and IVs, so the file only changes
when this script does. Regenerate with:  /usr/bin/python3 tests/unit/esp/gen_vectors.py

One record per line, fields separated by one space:
  name alg mode spi seq enc_key auth_key expect nh plain esp
alg is a strongSwan-style proposal name, mode transport|tunnel, spi and keys in hex
(GCM enc_key = key || 4-byte salt; auth_key '-' for GCM), seq decimal, expect 'ok' or
an esp_* status name, nh decimal, plain the expected inner payload in hex ('-' when
the packet must be refused), esp the ESP packet from SPI to ICV in hex.
Transport mode payload: UDP header + L2TP-like bytes. Tunnel mode payload: the inner
IPv4 packet (scapy in tunnel mode with NAT-T, as strongSwan's kernel-libipsec does).
"""
import hashlib
import os
import struct
import sys

from scapy.all import IP, UDP, Raw, raw
from scapy.layers.ipsec import ESP, SecurityAssociation, _ESPPlain

ALGS = [
    # name, scapy crypt algo, key bytes, scapy auth algo, auth key bytes
    ("aes128gcm16", "AES-GCM", 16, None, 0),
    ("aes256gcm16", "AES-GCM", 32, None, 0),
    ("aes128-sha1", "AES-CBC", 16, "HMAC-SHA1-96", 20),
    ("aes256-sha1", "AES-CBC", 32, "HMAC-SHA1-96", 20),
    ("aes128-sha256", "AES-CBC", 16, "SHA2-256-128", 32),
    ("aes256-sha256", "AES-CBC", 32, "SHA2-256-128", 32),
    ("3des-sha1", "3DES", 24, "HMAC-SHA1-96", 20),
    ("3des-sha256", "3DES", 24, "SHA2-256-128", 32),
]
MODES = ["transport", "tunnel"]
# L2TP payload sizes (pad lengths 0..15 all occur) and sequence numbers to pair them with.
SIZES = [0, 1, 5, 13, 14, 15, 16, 100, 1380]
SEQS = [1, 2, 7, 0x100, 0x12345, 0x7FFFFFFF, 0xFFFFFFF0, 0xFFFFFFFE, 0xFFFFFFFF]
CLIENT, LNS = "192.0.2.10", "192.0.2.1"


def det(label, n):
    """n deterministic bytes named by label."""
    out = b""
    i = 0
    while len(out) < n:
        out += hashlib.sha256(("lnsd-esp-vectors/%s/%d" % (label, i)).encode()).digest()
        i += 1
    return out[:n]


def make_sa(alg, mode, spi):
    name, calgo, klen, aalgo, alen = alg
    ekey = det(name + "/enc", klen + (4 if calgo == "AES-GCM" else 0))
    akey = det(name + "/auth", alen) if aalgo else None
    kw = {}
    if mode == "tunnel":
        kw["tunnel_header"] = IP(src=CLIENT, dst=LNS)
        kw["nat_t_header"] = UDP(sport=4500, dport=4500)
    sa = SecurityAssociation(ESP, spi=spi, crypt_algo=calgo, crypt_key=ekey,
                             auth_algo=aalgo, auth_key=akey, **kw)
    return sa, ekey, akey


def inner_packet(tag, size):
    l2tp = b"\x00\x02" + det(tag, size)[: max(0, size - 2)] if size >= 2 else det(tag, size)
    return IP(raw(IP(src=CLIENT, dst=LNS, id=0x1234) / UDP(sport=1701, dport=1701) / Raw(l2tp)))


def record(name, alg, mode, spi, seq, ekey, akey, expect, nh, plain, esp):
    return " ".join([name, alg[0], mode, "%08x" % spi, str(seq), ekey.hex(),
                     akey.hex() if akey else "-", expect, str(nh),
                     plain.hex() if plain is not None else "-", esp.hex()])


def good_vectors():
    out = []
    spi = 0x10000000
    for alg in ALGS:
        for mode in MODES:
            for i, size in enumerate(SIZES):
                spi += 1
                seq = SEQS[i]
                sa, ekey, akey = make_sa(alg, mode, spi)
                pkt = inner_packet("%s/%s/%d" % (alg[0], mode, size), size)
                b = raw(pkt)
                plain = b[20:] if mode == "transport" else b
                nh = 17 if mode == "transport" else 4
                iv = det("iv/%s/%s/%d" % (alg[0], mode, size), sa.crypt_algo.iv_size)
                enc = sa.encrypt(IP(b), seq_num=seq, iv=iv)
                if mode == "tunnel":
                    enc[UDP].len = None     # scapy 2.5 leaves the NAT-T length at 8
                    enc = IP(raw(enc))
                esp = raw(enc[ESP])
                # Sanity: scapy takes its own packet back (decrypt mutates: copy).
                dec = sa.decrypt(enc.copy())
                back = raw(dec)[20:] if mode == "transport" else raw(dec)
                assert back == plain, (alg[0], mode, size)
                out.append(record("%s-%s-%d" % (alg[0], mode, size), alg, mode, spi, seq,
                                  ekey, akey, "ok", nh, plain, esp))
    return out


def crafted(alg, spi, seq, data, padding, padlen, nh):
    """ESP with chosen trailer bytes, encrypted and signed by scapy's own algorithms."""
    sa, ekey, akey = make_sa(alg, "transport", spi)
    iv = det("iv/crafted/%s/%d" % (alg[0], spi), sa.crypt_algo.iv_size)
    plain = _ESPPlain(spi=spi, seq=seq, iv=iv, data=data, padding=padding,
                      padlen=padlen, nh=nh)
    esp = sa.crypt_algo.encrypt(sa, plain, sa.crypt_key, sa.crypt_icv_size)
    esp = sa.auth_algo.sign(esp, sa.auth_key)
    return raw(esp), ekey, akey


def hostile_vectors():
    out = []
    spi = 0x20000000
    for alg in ALGS:
        cbc = alg[1] in ("AES-CBC", "3DES")
        # 16-byte multiples suit the 8-byte 3DES blocks as well
        align = 16 if alg[1] == "AES-CBC" else 8 if cbc else 4

        def add(name, data, padding, padlen, nh, expect, keep):
            nonlocal spi
            spi += 1
            assert (len(data) + len(padding) + 2) % align == 0, name
            esp, ekey, akey = crafted(alg, spi, 9, data, padding, padlen, nh)
            out.append(record("%s-%s" % (alg[0], name), alg, "transport", spi, 9, ekey, akey,
                              expect, nh if keep else 0, data if keep else None, esp))

        # Padding bytes must run 1, 2, 3, ... (RFC 4303 2.4).
        n = 8 if cbc else 4
        add("bad-pad", det("bp", n), b"\x01\x02\x07\x04\x05\x06", 6, 17, "esp_bad_pad", False)
        # Pad length larger than the whole decrypted payload.
        add("pad-len-too-big", det("pl", 14 if cbc else 2), b"", 200, 17, "esp_bad_pad_len", False)
        # Off by one: pad length names one byte more than precedes the trailer.
        add("pad-len-off-by-one", b"", bytes(range(1, 15)) if cbc else b"\x01\x02",
            15 if cbc else 3, 17, "esp_bad_pad_len", False)
        # 255 bytes of correct padding is legal (TFC-style) and must be accepted.
        n = 15 if cbc else 3
        add("pad-255", det("p255", n), bytes(range(1, 256)), 255, 17, "ok", True)
        # Next header 59: a dummy packet, authenticated then dropped (RFC 4303 2.6).
        add("dummy", b"", b"\x01\x02" if not cbc else bytes(range(1, 15)), 2 if not cbc else 14,
            59, "esp_dummy", False)
    return out


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    path = os.path.join(here, "scapy_vectors.txt")
    lines = ["# Generated by gen_vectors.py (scapy %s); do not edit." % __import__("scapy").VERSION]
    lines += good_vectors() + hostile_vectors()
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("%s: %d vectors" % (path, len(lines) - 1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
