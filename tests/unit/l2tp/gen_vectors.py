#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""
Writes vectors.txt next to this script: L2TPv2 control messages built independently of
lnsd's encoder (scapy's L2TP layer for the header, AVPs packed here by hand from RFC
2661 §4.1, hidden AVPs with Python's hashlib MD5 following §4.3), which test_l2tp_avp.c
decodes and re-encodes byte-exact.

Deterministic: fixed ids, challenge, random vector and secret. Regenerate with:
  /usr/bin/python3 tests/unit/l2tp/gen_vectors.py
One record per line: name secret msg; secret in hex ('-' = none), msg in hex.
"""
import hashlib
import os
import struct

from scapy.layers.l2tp import L2TP
from scapy.all import raw

M, H = 0x8000, 0x4000


def avp(attr, value, mandatory=True, vendor=0, flags=0):
    f = (M if mandatory else 0) | flags | (6 + len(value))
    return struct.pack("!HHH", f, vendor, attr) + value


def u16(v):
    return struct.pack("!H", v)


def u32(v):
    return struct.pack("!I", v)


def hidden(attr, value, secret, rv, mandatory=True):
    """RFC 2661 §4.3: subformat = length(2) || value; b1 = MD5(attr || secret || RV),
    bi = MD5(secret || c(i-1)), ci = pi XOR bi."""
    plain = u16(len(value)) + value
    out = b""
    prev = None
    for i in range(0, len(plain), 16):
        if i == 0:
            b = hashlib.md5(u16(attr) + secret + rv).digest()
        else:
            b = hashlib.md5(secret + prev).digest()
        chunk = bytes(x ^ y for x, y in zip(plain[i:i + 16], b))
        out += chunk
        prev = chunk
    return avp(attr, out, mandatory, flags=H)


def control(tunnel, session, ns, nr, avps):
    body = b"".join(avps)
    # scapy builds the header: T, L, S bits, version 2, computed length
    hdr = L2TP(hdr="control+length+sequence", tunnel_id=tunnel, session_id=session,
               ns=ns, nr=nr)
    msg = raw(hdr / body)
    # scapy's length covers what follows; set it to the whole message as §3.1 says
    return msg[:2] + u16(len(msg)) + msg[4:]


def main():
    secret = b"s3cret-tunnel"
    rv = bytes(range(0x10, 0x20))
    chal = bytes(range(0xa0, 0xb0))
    recs = []
    recs.append(("sccrq", None, control(0, 0, 0, 0, [
        avp(0, u16(1)), avp(2, bytes([1, 0])), avp(3, u32(3)), avp(4, u32(0), False),
        avp(5, bytes.fromhex("0102030405060708"), False), avp(6, u16(0x0680), False),
        avp(7, b"lac-one"), avp(8, b"scapy vendor", False), avp(9, u16(0x1234)),
        avp(10, u16(8)), avp(11, chal)])))
    recs.append(("icrq_hidden", secret, control(5, 0, 3, 2, [
        avp(0, u16(10)), avp(36, rv), hidden(14, u16(0x4242), secret, rv),
        avp(15, u32(77)), avp(18, u32(2), True), avp(22, b"5551234", True),
        hidden(30, b"user@example.net-with-a-long-name", secret, rv, False)])))
    recs.append(("iccn_proxy", None, control(5, 9, 4, 3, [
        avp(0, u16(12)), avp(24, u32(100000000)), avp(19, u32(1)),
        avp(26, bytes.fromhex("0104059c0506deadbeef"), False),
        avp(27, bytes.fromhex("0104059c"), False), avp(28, bytes.fromhex("0305c22305"), False),
        avp(29, u16(2), False), avp(30, b"alice", False), avp(31, chal, False),
        avp(32, u16(7), False), avp(33, bytes(16), False), avp(38, u32(54000), False),
        avp(39, b"", True)])))
    recs.append(("cdn_result", None, control(5, 9, 5, 3, [
        avp(0, u16(14)), avp(1, u16(2) + u16(6) + b"vendor says no"), avp(14, u16(0x4242))])))
    recs.append(("stopccn_unknown_m", None, control(5, 0, 6, 3, [
        avp(0, u16(4)), avp(9, u16(0x1234)), avp(1, u16(1)),
        avp(77, b"xx", True, vendor=9), avp(78, b"yy", False)])))
    recs.append(("zlb", None, control(5, 0, 7, 4, [])))
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "vectors.txt"), "w") as f:
        for name, sec, msg in recs:
            f.write("%s %s %s\n" % (name, sec.hex() if sec else "-", msg.hex()))


main()
