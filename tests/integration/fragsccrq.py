#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Large SCCRQs in IPv4 fragments (scapy), for test_reassembly.sh.

  fragsccrq.py pcap OUT SIZE...   the fragments of one SCCRQ of each L2TP length SIZE
                                  (192.0.2.2:40000+i -> 192.0.2.1:1701), last first
  fragsccrq.py send SIZE...       send them from the access namespace, each from a
                                  UDP socket bound to its source port; print
                                  "SIZE sccrp" or "SIZE none" for what came back
"""
import logging
import socket
import struct
import sys

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import IP, UDP, Ether, Raw, conf, fragment, send, wrpcap  # noqa: E402

conf.verb = 0
SRC, DST, FRAG = "192.0.2.2", "192.0.2.1", 1200


def avp(attr, val, m=True, vendor=0):
    return struct.pack("!HHH", (0x8000 if m else 0) | (6 + len(val)), vendor, attr) + val


def sccrq(size, tid):
    """An SCCRQ of exactly `size` bytes: the mandatory AVPs (RFC 2661 6.1), then
    vendor AVPs without M (ignored, 4.1) as padding."""
    a = (avp(0, struct.pack("!H", 1)) + avp(2, b"\x01\x00") + avp(7, b"fraglac") +
         avp(3, struct.pack("!I", 3)) + avp(9, struct.pack("!H", tid)))
    need = size - 12 - len(a)
    while need > 0:
        n = min(need, 1000)
        if 0 < need - n < 6:
            n -= 6
        a += avp(1, b"x" * (n - 6), m=False, vendor=9)
        need -= n
    msg = struct.pack("!HHHHHH", 0xC802, size, 0, 0, 0, 0) + a
    assert len(msg) == size, (len(msg), size)
    return msg


def frags(size, i):
    p = IP(src=SRC, dst=DST, id=0x4000 + i) / UDP(sport=40000 + i, dport=1701) / Raw(sccrq(size, 100 + i))
    return list(reversed(fragment(p, fragsize=FRAG)))


def msg_type(b):
    if len(b) < 20 or not b[0] & 0x80:
        return None
    return struct.unpack("!H", b[18:20])[0]


def main():
    if sys.argv[1] == "pcap":
        out = []
        for i, s in enumerate(sys.argv[3:]):
            out += [Ether(dst="ff:ff:ff:ff:ff:ff") / f for f in frags(int(s), i)]
        wrpcap(sys.argv[2], out)
        return
    for i, s in enumerate(sys.argv[2:]):
        sk = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sk.bind((SRC, 40000 + i))
        sk.settimeout(3)
        send(frags(int(s), i))
        got = "none"
        try:
            while True:
                if msg_type(sk.recv(8192)) == 2:
                    got = "sccrp"
                    break
        except socket.timeout:
            pass
        print(s, got, flush=True)
        sk.close()


if __name__ == "__main__":
    main()
