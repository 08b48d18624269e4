# SPDX-License-Identifier: BSD-3-Clause
"""l2tpc --self-test: the codec, the reliable transport and the PPP client,
without lnsd. Where python3-scapy is installed, our L2TP and IPv4/UDP encodings
are also read back by scapy's (an independent implementation)."""
import hashlib
import struct

import wire
from ctrl import Reliable
from loop import Timer
from ppp import PppClient

_results = []


def check(ok, what):
    _results.append((bool(ok), what))
    if not ok:
        print("self-test FAIL:", what)


class FakeLoop:
    """Timers that fire only when told to."""

    def __init__(self):
        self.timers = []

    def call_later(self, delay, fn, *args):
        t = Timer(delay, fn, args)
        self.timers.append(t)
        return t

    def fire(self):
        ts, self.timers = [t for t in self.timers if not t.cancelled], []
        for t in ts:
            t.cancelled = True
            t.fn(*t.args)
        return len(ts)


def raises(fn, *a):
    try:
        fn(*a)
    except wire.WireError:
        return True
    return False


def test_wire():
    avps = (wire.msg_type_avp(wire.SCCRQ) + wire.avp16(wire.A_PROTO_VER, 0x0100)
            + wire.avp(wire.A_HOST_NAME, b"lac") + wire.avp16(wire.A_TUNNEL_ID, 77))
    b = wire.control(0, 0, 5, 9, avps)
    m = wire.parse_l2tp(b)
    check(m.ctrl and m.mtype == wire.SCCRQ and (m.ns, m.nr) == (5, 9), "control round trip")
    check(wire.avp_u16(m.avps, wire.A_TUNNEL_ID) == 77, "Assigned Tunnel ID read back")
    check(wire.avp_get(m.avps, wire.A_HOST_NAME) == b"lac", "Host Name read back")
    # every truncation of a control message is an error, never an exception
    check(all(raises(wire.parse_l2tp, b[:i]) for i in range(len(b))),
          "every truncated control message is rejected")
    # an AVP whose length runs past the message
    bad = bytearray(b)
    bad[12 + 1] = 200
    check(raises(wire.parse_l2tp, bytes(bad)), "AVP length past the end is rejected")
    check(raises(wire.parse_l2tp, b"\xc8\x03" + b[2:]), "version 3 is rejected")
    d = wire.parse_l2tp(wire.data(3, 4, b"\xff\x03\xc0\x21"))
    check(not d.ctrl and (d.tid, d.sid) == (3, 4) and d.payload == b"\xff\x03\xc0\x21",
          "data message round trip")
    # data with L, S and O bits, as an LNS may send (RFC 2661 section 3.1)
    flags = wire.F_L | wire.F_S | wire.F_O | 2
    body = struct.pack(">HHHHHHH", flags, 18, 3, 4, 1, 0, 2) + b"\0\0" + b"\xc0\x21"
    d = wire.parse_l2tp(body)
    check(d.payload == b"\xc0\x21" and d.ns == 1, "data with length, sequence and offset")
    check(wire.seq_lt(65535, 0) and not wire.seq_lt(0, 65535) and not wire.seq_lt(7, 7)
          and wire.seq_lt(0, 0x7FFF), "sequence numbers compare modulo 2^16")
    check(wire.parse_ppp(b"\xff\x03\xc0\x21\x01") == (0xC021, b"\x01")
          and wire.parse_ppp(b"\x21\x45") == (0x21, b"\x45")
          and wire.parse_ppp(b"\xc0\x21\x09") == (0xC021, b"\x09"),
          "PPP with and without ACFC, PFC")
    check(raises(wire.parse_cp, b"\x01\x01\x00\x09\x00"), "LCP length past the end")
    check(raises(wire.parse_opts, b"\x01\x04\x05"), "LCP option past the end")
    ip = wire.ipv4_udp(bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]), 1000, 2000, b"hello")
    check(wire.parse_ipv4_udp(ip) == (bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]), 1000, 2000,
                                      b"hello"), "IPv4/UDP round trip")
    bad = bytearray(ip)
    bad[8] ^= 1
    check(raises(wire.parse_ipv4_udp, bytes(bad)), "IPv4 header checksum checked")
    return b, ip


def test_scapy(ctrl, ip):
    try:
        import logging
        logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
        from scapy.layers.inet import IP, UDP
        from scapy.layers.l2tp import L2TP
    except ImportError:
        print("# self-test: scapy not importable, cross-checks skipped")
        return
    s = L2TP(ctrl)
    check((s.tunnel_id, s.session_id, s.ns, s.nr, s.len) == (0, 0, 5, 9, len(ctrl)),
          "scapy reads our L2TP control header alike")
    p = IP(ip)
    ref = IP(bytes(IP(src=p.src, dst=p.dst, id=p.id, flags=p.flags, ttl=p.ttl)
                   / UDP(sport=1000, dport=2000) / b"hello"))
    check(p.chksum == ref.chksum and p[UDP].chksum == ref[UDP].chksum,
          "scapy computes the same IPv4 and UDP checksums")


def test_reliable():
    loop = FakeLoop()
    sent, failed = [], []
    r = Reliable(loop, sent.append, failed.append, 1.0, 4.0, 2)
    r.peer_rws = 2
    for i in range(3):
        r.send(0, wire.msg_type_avp(wire.HELLO))
    check(len(sent) == 2, "the peer's receive window holds the third message back")
    m = wire.parse_l2tp(wire.control(1, 0, 0, 1))          # ZLB acking Ns 0
    r.receive(m)
    check(len(sent) == 3 and wire.parse_l2tp(sent[-1]).ns == 2, "an ack opens the window")
    msg = wire.parse_l2tp(wire.control(1, 0, 0, 1, wire.msg_type_avp(wire.HELLO)))
    check(r.receive(msg) and r.nr == 1 and r.ack_owed, "an in-order message is taken")
    r.flush_ack()
    z = wire.parse_l2tp(sent[-1])
    check(z.mtype is None and z.nr == 1 and z.ns == 3, "a ZLB acks it, Ns not consumed")
    n = len(sent)
    check(not r.receive(msg) and len(sent) == n + 1 and r.stats["dup"] == 1,
          "a duplicate is acked again and not delivered")
    ahead = wire.parse_l2tp(wire.control(1, 0, 5, 1, wire.msg_type_avp(wire.HELLO)))
    check(not r.receive(ahead) and r.nr == 1, "a message past a gap is dropped")
    n = len(sent)
    loop.fire()
    check(len(sent) == n + 2 and r.stats["rtx"] == 1, "the timer resends both unacked")
    loop.fire()
    loop.fire()
    check(failed and "exhausted" in failed[0], "retries exhausted ends the tunnel")
    r2 = Reliable(loop, sent.append, failed.append)
    r2.ns = 0xFFFF
    r2.send(0, wire.msg_type_avp(wire.HELLO))
    r2.send(0, wire.msg_type_avp(wire.HELLO))
    r2.receive(wire.parse_l2tp(wire.control(1, 0, 0, 1)))
    check(r2.idle(), "acks across the 16-bit wrap")


def test_ppp():
    loop = FakeLoop()
    out, ups, downs, stages = [], [], [], []
    c = PppClient(loop, "alice", "pw", "pap", lambda p, b: out.append((p, b)), stages.append,
                  ups.append, downs.append)
    c.start()
    check(out and out[0][0] == wire.P_LCP and stages == ["lcp"], "LCP starts")
    # the LNS asks for CHAP-MD5: a PAP client Naks with PAP (RFC 1661 section 5.3)
    req = wire.opts([(wire.O_MRU, b"\x05\x78"), (wire.O_AUTH, b"\xc2\x23\x05"),
                     (wire.O_MAGIC, b"\x01\x02\x03\x04")])
    c.input(wire.ppp(wire.P_LCP, wire.cp(wire.CONFREQ, 1, req)))
    code, ident, data = wire.parse_cp(wire.parse_ppp(wire.ppp(*out[-1]))[1])
    check(code == wire.CONFNAK and dict(wire.parse_opts(data))[wire.O_AUTH] == b"\xc0\x23",
          "CHAP Nak'd with PAP")
    req = wire.opts([(wire.O_AUTH, b"\xc0\x23"), (27, b"xx")])
    c.input(wire.ppp(wire.P_LCP, wire.cp(wire.CONFREQ, 2, req)))
    code, ident, data = wire.parse_cp(out[-1][1])
    check(code == wire.CONFREJ and wire.parse_opts(data) == [(27, b"xx")],
          "an unknown option is rejected (Reject before Ack)")
    req = wire.opts([(wire.O_AUTH, b"\xc0\x23"), (wire.O_MAGIC, b"\x01\x02\x03\x04")])
    c.input(wire.ppp(wire.P_LCP, wire.cp(wire.CONFREQ, 3, req)))
    check(wire.parse_cp(out[-1][1])[0] == wire.CONFACK, "PAP acked")
    ours = wire.parse_cp(out[0][1])
    c.input(wire.ppp(wire.P_LCP, wire.cp(wire.CONFACK, ours[1], ours[2])))
    check(c.phase == "auth" and out[-1][0] == wire.P_PAP, "LCP open, PAP request sent")
    pap = wire.parse_cp(out[-1][1])
    check(pap[2] == b"\x05alice\x02pw", "PAP request carries user and password")
    c.input(wire.ppp(wire.P_PAP, wire.cp(2, pap[1], b"\x00")))
    check(c.phase == "ipcp" and out[-1][0] == wire.P_IPCP, "PAP ack starts IPCP")
    ipreq = wire.parse_cp(out[-1][1])
    c.input(wire.ppp(wire.P_IPCP, wire.cp(wire.CONFNAK, ipreq[1],
                                          wire.opts([(wire.O_IPADDR, bytes([10, 9, 8, 7]))]))))
    ipreq = wire.parse_cp(out[-1][1])
    check(dict(wire.parse_opts(ipreq[2]))[wire.O_IPADDR] == bytes([10, 9, 8, 7]),
          "IPCP takes the Nak'd address")
    c.input(wire.ppp(wire.P_IPCP, wire.cp(wire.CONFREQ, 9,
                                          wire.opts([(wire.O_IPADDR, bytes([10, 0, 0, 1]))]))))
    c.input(wire.ppp(wire.P_IPCP, wire.cp(wire.CONFACK, ipreq[1], ipreq[2])))
    check(ups == [bytes([10, 9, 8, 7])] and c.phase == "up", "IPCP up with that address")
    c.input(wire.ppp(wire.P_LCP, wire.cp(wire.ECHOREQ, 4, b"\x01\x02\x03\x04data")))
    e = wire.parse_cp(out[-1][1])
    check(e[0] == wire.ECHOREP and e[2] == struct.pack(">I", c.magic) + b"data",
          "Echo-Request answered with our magic number")
    check(c.input(wire.ppp(wire.P_LCP, b"\x01\x01\x00\x40")) is None and c.counts["bad"] == 1,
          "a malformed LCP packet is counted")
    c.input(wire.ppp(wire.P_LCP, wire.cp(wire.TERMREQ, 5)))
    check(wire.parse_cp(out[-1][1])[0] == wire.TERMACK and downs, "Terminate-Request acked")

    # RFC 1332 section 3.3: a peer asking us for its address (0.0.0.0) is refused
    out3 = []
    c3 = PppClient(loop, "u", "p", "pap", lambda p, b: out3.append((p, b)), lambda s: None,
                   lambda a: None, lambda w: None)
    c3.phase = "ipcp"
    c3.input(wire.ppp(wire.P_IPCP, wire.cp(wire.CONFREQ, 7, wire.opts([(wire.O_IPADDR,
                                                                         bytes(4))]))))
    check(wire.parse_cp(out3[-1][1])[0] == wire.CONFREJ and not c3.ipcp_peer_acked,
          "IPCP: the peer's 0.0.0.0 is rejected, not acked")

    # CHAP-MD5 (RFC 1994 section 4.1) against a digest computed here
    out2 = []
    c2 = PppClient(loop, "bob", "s3", "chap", lambda p, b: out2.append((p, b)), lambda s: None,
                   lambda a: None, lambda w: None)
    c2.phase, c2.auth = "auth", "chap"
    chal = bytes(range(16))
    c2.input(wire.ppp(wire.P_CHAP, wire.cp(1, 0x42, bytes([16]) + chal + b"lns")))
    code, ident, data = wire.parse_cp(out2[-1][1])
    check(code == 2 and ident == 0x42 and data[0] == 16
          and data[1:17] == hashlib.md5(b"\x42s3" + chal).digest() and data[17:] == b"bob",
          "CHAP-MD5 response")
    check(c2.input(wire.ppp(wire.P_CHAP, wire.cp(1, 1, bytes([40]) + chal))) is None
          and c2.counts["bad"] == 1, "a CHAP value past the end is counted")


def run():
    ctrl, ip = test_wire()
    test_scapy(ctrl, ip)
    test_reliable()
    test_ppp()
    bad = [w for ok, w in _results if not ok]
    if bad:
        print("self-test: %d of %d checks failed" % (len(bad), len(_results)))
        return 1
    print("self-test: all %d checks passed" % len(_results))
    return 0
