#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""A minimal L2TP LAC for test_drain.sh (RFC 2661, non-secure, no PPP).

  drainlac.py sccrq LNS PORT     one SCCRQ from UDP PORT; prints what came back:
                                 "stopccn RESULT ERROR MESSAGE", "sccrp" or "none"
  drainlac.py icrq LNS PORT      SCCRQ, SCCRP, SCCCN, then reads a line on stdin
                                 (the test drains lnsd meanwhile) and sends one
                                 ICRQ; prints "cdn RESULT ERROR MESSAGE", "icrp" or
                                 "none" (and "tunnel-refused ..." if the SCCRQ was)
"""
import socket
import struct
import sys

TYPES = {1: "sccrq", 2: "sccrp", 3: "scccn", 4: "stopccn", 11: "icrp", 14: "cdn"}


def avp(attr, val, m=True):
    return struct.pack("!HHH", (0x8000 if m else 0) | (6 + len(val)), 0, attr) + val


def msg(tid, sid, ns, nr, avps):
    body = b"".join(avps)
    return struct.pack("!HHHHHH", 0xC802, 12 + len(body), tid, sid, ns, nr) + body


def parse(d):
    """(message type, {attr: value}, ns) of a control message, or None for a ZLB."""
    flags, length, _tid, _sid, ns, _nr = struct.unpack("!HHHHHH", d[:12])
    assert flags & 0x8000 and flags & 0x4000, "not a control message"
    avps, off = {}, 12
    while off + 6 <= length:
        hl, vendor, attr = struct.unpack("!HHH", d[off:off + 6])
        n = hl & 0x3FF
        if vendor == 0:
            avps[attr] = d[off + 6:off + n]
        off += n
    return (struct.unpack("!H", avps[0])[0] if 0 in avps else None), avps, ns


def result(avps):
    r = avps.get(1, b"")
    res = struct.unpack("!H", r[:2])[0] if len(r) >= 2 else -1
    err = struct.unpack("!H", r[2:4])[0] if len(r) >= 4 else 0
    return "%d %d %s" % (res, err, r[4:].decode(errors="replace") or "-")


def recv(s):
    """The next non-ZLB message (None on time-out)."""
    while True:
        try:
            d = s.recv(2048)
        except socket.timeout:
            return None
        t = parse(d)
        if t[0] is not None:
            return t


def main():
    what, lns, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", port))
    s.connect((lns, 1701))
    s.settimeout(3)
    my_tid = 4242
    s.send(msg(0, 0, 0, 0, [avp(0, struct.pack("!H", 1)), avp(2, b"\x01\x00"),
                            avp(3, struct.pack("!I", 3)), avp(7, b"drainlac"),
                            avp(9, struct.pack("!H", my_tid))]))
    r = recv(s)
    if r is None:
        print("none")
        return
    if TYPES.get(r[0]) != "sccrp":
        print("%s %s" % (TYPES.get(r[0], r[0]), result(r[1])))
        return
    if what == "sccrq":
        print("sccrp")
        return
    peer_tid = struct.unpack("!H", r[1][9])[0]
    s.send(msg(peer_tid, 0, 1, 1, [avp(0, struct.pack("!H", 3))]))
    print("tunnel-up", flush=True)
    sys.stdin.readline()
    s.send(msg(peer_tid, 0, 2, 1, [avp(0, struct.pack("!H", 10)),
                                   avp(14, struct.pack("!H", 77)),
                                   avp(15, struct.pack("!I", 1))]))
    r = recv(s)
    if r is None:
        print("none")
    else:
        print("%s %s" % (TYPES.get(r[0], r[0]), result(r[1])))


if __name__ == "__main__":
    main()
