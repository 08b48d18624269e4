#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""
Seed corpora for tests/fuzz, built with scapy (an implementation independent of
lnsd) where it has the layer, and by hand from the RFC formats where it does not
(L2TP AVPs, ISAKMP phase-2 payloads, PPP option lists). Real captures of xl2tpd and
strongSwan live next to these (capture_peers.sh) and are kept as they are.

Each seed matches its target's input format (see the comment at the top of each
tests/fuzz/fuzz_*.c). Run from anywhere: writes tests/fuzz/corpus/<target>/gen-*.
"""
import os
import struct

from scapy.layers.inet import IP, UDP, ICMP
from scapy.layers.ipsec import ESP
from scapy.layers.l2 import ARP, Ether
from scapy.layers.ppp import PPP, HDLC
from scapy.layers.l2tp import L2TP

HERE = os.path.dirname(os.path.abspath(__file__))
OUR_MAC = "02:00:00:00:00:01"
PEER_MAC = "02:00:00:00:00:02"
ACCESS = "192.0.2.1"
CORE = "198.51.100.1"
CLIENT = "192.0.2.10"


def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "gen-" + name), "wb") as f:
        f.write(bytes(data))


# ------------------------------------------------------------ classifier ---

def eth(pkt, dst=OUR_MAC):
    return Ether(dst=dst, src=PEER_MAC) / pkt


def classify_seeds():
    inner_ip = IP(src="10.1.0.1", dst="203.0.113.7") / UDP(sport=1234, dport=53) / (b"q" * 20)
    ppp_ip = HDLC(address=0xff, control=3) / PPP(proto=0x0021) / inner_ip
    l2tp_ppp = L2TP(tunnel_id=1, session_id=1) / ppp_ip   # no L, no S
    seeds = {
        "esp": eth(IP(src=CLIENT, dst=ACCESS) / ESP(spi=0x1001, seq=1) / (b"\x00" * 48)),
        "natt-esp": eth(IP(src=CLIENT, dst=ACCESS) / UDP(sport=4500, dport=4500) /
                        ESP(spi=0x1001, seq=7) / (b"\x11" * 40)),
        "natt-keepalive": eth(IP(src=CLIENT, dst=ACCESS) / UDP(sport=4500, dport=4500) / b"\xff"),
        "ike-500": eth(IP(src=CLIENT, dst=ACCESS) / UDP(sport=500, dport=500) / (b"\x01" * 8 + b"\x00" * 8 + b"\x01\x10\x02\x00" + b"\x00" * 4 + b"\x00\x00\x00\x1c")),
        "ike-4500": eth(IP(src=CLIENT, dst=ACCESS) / UDP(sport=4500, dport=4500) / (b"\x00" * 4 + b"\x01" * 8 + b"\x02" * 8 + b"\x08\x10\x05\x01" + b"\x00" * 4 + b"\x00\x00\x00\x1c")),
        "l2tp-data": eth(IP(src=CLIENT, dst=ACCESS) / UDP(sport=1701, dport=1701) / l2tp_ppp),
        # L, S and O bits with an offset pad; PFC/ACFC-compressed PPP
        "l2tp-data-lso": eth(IP(src=CLIENT, dst=ACCESS) / UDP(sport=1701, dport=1701) /
                             (struct.pack("!HHHHHHHH", 0x4a02, 0, 1, 1, 5, 3, 2, 0) +
                              b"\x21" + bytes(inner_ip))),
        "l2tp-ctl": eth(IP(src=CLIENT, dst=ACCESS) / UDP(sport=1701, dport=1701) /
                        struct.pack("!HHHHHH", 0xc802, 12, 1, 0, 3, 2)),
        "arp-req": Ether(dst="ff:ff:ff:ff:ff:ff", src=PEER_MAC) /
        ARP(op=1, hwsrc=PEER_MAC, psrc=CLIENT, pdst=ACCESS),
        "arp-reply": eth(ARP(op=2, hwsrc=PEER_MAC, psrc="192.0.2.254", pdst=ACCESS)),
        "icmp": eth(IP(src=CLIENT, dst=ACCESS) / ICMP() / b"ping"),
        "frag": eth(IP(src=CLIENT, dst=ACCESS, flags="MF", frag=0) / UDP(sport=4500, dport=4500) / (b"\x22" * 64)),
        "core-down": eth(IP(src="203.0.113.7", dst="10.1.0.1") / UDP(sport=53, dport=1234) / (b"a" * 30)),
        "core-ours": eth(IP(src="198.51.100.254", dst=CORE) / ICMP()),
    }
    for name, p in seeds.items():
        write("fuzz_classify", name, p)


# ---------------------------------------------------------- L2TP control ---

def avp(attr, value, m=True, vendor=0, hidden=False):
    flags = (0x8000 if m else 0) | (0x4000 if hidden else 0) | (6 + len(value))
    return struct.pack("!HHH", flags, vendor, attr) + value


def u16(v):
    return struct.pack("!H", v)


def u32(v):
    return struct.pack("!I", v)


def ctl(tid, sid, ns, nr, avps):
    body = b"".join(avps)
    return struct.pack("!HHHHHH", 0xc802, 12 + len(body), tid, sid, ns, nr) + body


def sccrq(host=b"lac-fuzz", peer_tid=7, extra=()):
    return ctl(0, 0, 0, 0, [avp(0, u16(1)), avp(2, b"\x01\x00"), avp(3, u32(3)),
                            avp(4, u32(3), m=False), avp(6, u16(0x0690), m=False),
                            avp(7, host), avp(8, b"fuzz", m=False), avp(9, u16(peer_tid)),
                            avp(10, u16(4), m=False)] + list(extra))


def l2tp_seeds():
    # one whole life: SCCRQ, SCCCN, ICRQ, ICCN, CDN, StopCCN; our tunnel and session
    # ids are 1 (first from their pools), our Ns starts at 0
    scccn = ctl(1, 0, 1, 1, [avp(0, u16(3))])
    icrq = ctl(1, 0, 2, 1, [avp(0, u16(10)), avp(14, u16(9)), avp(15, u32(42)),
                            avp(18, u32(1), m=False), avp(21, b"5551234", m=False),
                            avp(22, b"5556789", m=False)])
    iccn = ctl(1, 1, 3, 2, [avp(0, u16(12)), avp(24, u32(10000000)), avp(19, u32(1)),
                            avp(26, b"\x01\x04\x05\x78", m=False),
                            avp(29, u16(3), m=False), avp(30, b"alice", m=False),
                            avp(33, b"secret", m=False), avp(39, b"", m=False)])
    hello = ctl(1, 0, 4, 3, [avp(0, u16(6))])
    zlb = ctl(1, 0, 5, 3, [])
    cdn = ctl(1, 1, 4, 3, [avp(0, u16(14)), avp(1, u16(1) + u16(0) + b"bye"), avp(14, u16(9))])
    stop = ctl(1, 0, 5, 4, [avp(0, u16(4)), avp(1, u16(1)), avp(9, u16(7))])

    def rec(sel, m):
        return bytes([sel]) + m

    write("fuzz_l2tp_ctl", "sccrq", rec(0, sccrq()))
    write("fuzz_l2tp_ctl", "life", b"".join([rec(0, sccrq()), rec(4, scccn), rec(4, icrq),
                                            rec(4, iccn), rec(4, hello), rec(4, cdn),
                                            rec(4, stop)]))
    write("fuzz_l2tp_ctl", "life-hello", b"".join([rec(0, sccrq()), rec(4, scccn),
                                                  rec(4, icrq), rec(4, iccn), rec(36, zlb)]))
    # single-shot profile (host name "single") over IPsec connection 2, then a second
    # ICRQ (refused, rule 1) and a second SCCRQ over the same connection (rule 3)
    icrq2 = ctl(1, 0, 4, 2, [avp(0, u16(10)), avp(14, u16(11)), avp(15, u32(43))])
    write("fuzz_l2tp_ctl", "single-shot", b"".join([
        rec(1, sccrq(b"single")), rec(5, ctl(1, 0, 1, 1, [avp(0, u16(3))])),
        rec(5, icrq), rec(5, iccn), rec(5, icrq2), rec(5, sccrq(b"single", 8))]))
    # in the clear (non-secure profile allowed)
    write("fuzz_l2tp_ctl", "clear", b"".join([rec(2, sccrq()), rec(6, scccn), rec(6, icrq)]))
    # to the profile with a tunnel password: Challenge and a hidden AVP with a
    # Random Vector (RFC 2661 §4.3; the hidden value is not valid for the secret, so
    # the decoder's failure path is what it reaches first)
    hid = avp(8, b"\x00\x02" + b"\x55" * 16, m=False, hidden=True)
    write("fuzz_l2tp_ctl", "secret", b"".join([
        rec(3, sccrq(extra=[avp(11, b"\x01" * 16), avp(36, b"\x02" * 16), hid]))]))
    # a lonely SCCRQ then a long silence: retransmissions, destruct
    write("fuzz_l2tp_ctl", "timeout", rec(0, sccrq()) + rec(0x3c, scccn))


# ----------------------------------------------------------------- IKE ---

def ike_hdr(icky, rcky, np, exch, flags, msgid, body):
    return icky + rcky + bytes([np, 0x10, exch, flags]) + u32(msgid) + u32(28 + len(body)) + body


def gen(np, body):
    return bytes([np, 0]) + u16(4 + len(body)) + body


def chain(payloads):
    """[(type, body)] -> (first type, bytes)"""
    out = b""
    for i, (t, b) in enumerate(payloads):
        nxt = payloads[i + 1][0] if i + 1 < len(payloads) else 0
        out += gen(nxt, b)
    return payloads[0][0], out


def attr_tv(t, v):
    return u16(0x8000 | t) + u16(v)


def ike_seeds():
    icky = b"\x11" * 8
    # MM1: AES-256/SHA-256/ECP-256/PSK, NAT-T VIDs (RFC 2409 App. A values)
    xf = attr_tv(1, 7) + attr_tv(14, 256) + attr_tv(2, 4) + attr_tv(3, 1) + attr_tv(4, 19) + \
        attr_tv(11, 1) + u16(12) + u16(4) + u32(28800)
    t = bytes([0, 0]) + u16(8 + len(xf)) + bytes([1, 1, 0, 0]) + xf
    p = bytes([0, 0]) + u16(8 + len(t)) + bytes([1, 1, 0, 1]) + t
    sa = u32(1) + u32(1) + p
    vid3947 = bytes.fromhex("4a131c81070358455c5728f20e95452f")
    vid_dpd = bytes.fromhex("afcad71368a1f1c96b8696fc77570100")
    first, body = chain([(1, sa), (13, vid3947), (13, vid_dpd)])
    mm1 = ike_hdr(icky, b"\x00" * 8, first, 2, 0, 0, body)
    # MM3 with the responder cookie placeholder (fuzz_ike.c substitutes it)
    ke = bytes(range(64))
    first3, body3 = chain([(4, ke), (10, b"\x33" * 32), (20, b"\x44" * 32), (20, b"\x55" * 32)])
    mm3 = ike_hdr(icky, b"\xaa" * 8, first3, 2, 0, 0, body3)
    write("fuzz_ike", "mm1", b"\x00" + b"\x00" + mm1)
    write("fuzz_ike", "mm1-mm3", b"\x00" + b"\x00" + mm1 + b"\x00" + mm3)
    write("fuzz_ike", "mm1-4500", b"\x00" + b"\x01" + mm1)
    # an Informational in the clear (a Notify), and an unknown-cookie Quick Mode
    n = u32(1) + bytes([1, 16]) + u16(14) + icky + b"\xaa" * 8
    fi, bi = chain([(11, n)])
    write("fuzz_ike", "info-clear", b"\x00" + b"\x00" + ike_hdr(icky, b"\xaa" * 8, fi, 5, 0, 7, bi))

    # protected mode: records  sel | first type | msgid | len | payload chain
    def prec(sel, payloads, msgid):
        f, b = chain(payloads)
        return bytes([sel, f]) + u32(msgid) + u16(len(b)) + b

    esp_xf = attr_tv(1, 1) + attr_tv(2, 3600) + attr_tv(4, 4) + attr_tv(6, 128)
    esp_t = bytes([0, 0]) + u16(8 + len(esp_xf)) + bytes([1, 20, 0, 0]) + esp_xf  # AES-GCM-16
    esp_p = bytes([0, 0]) + u16(12 + len(esp_t)) + bytes([1, 3, 4, 1]) + u32(0xaabbcc01) + esp_t
    qsa = u32(1) + u32(1) + esp_p
    idci = bytes([1, 17]) + u16(1701) + bytes([192, 0, 2, 10])
    idcr = bytes([1, 17]) + u16(1701) + bytes([198, 51, 100, 1])
    qm1 = prec(0, [(1, qsa), (10, b"\x66" * 24), (5, idci), (5, idcr), (21, bytes([1, 0, 0, 0, 192, 168, 1, 1]))], 0x11223344)
    dpd = prec(1, [(11, u32(1) + bytes([1, 16]) + u16(36136) + b"\x00" * 16 + u32(5))], 0x01020304)
    dele = prec(1, [(12, u32(1) + bytes([3, 4]) + u16(1) + u32(0xaabbcc01))], 0x05060708)
    dele_ike = prec(1, [(12, u32(1) + bytes([1, 16]) + u16(1) + b"\x00" * 16)], 0x0a0b0c0d)
    write("fuzz_ike", "p2-qm1", b"\x01" + qm1)
    write("fuzz_ike", "p2-dpd", b"\x01" + dpd)
    write("fuzz_ike", "p2-qm1-delete", b"\x01" + qm1 + dele + dele_ike)
    # sel bit 1: the harness completes Quick Mode (message 3): a child comes up,
    # then the peer deletes it, then lifetimes run out
    qm_full = prec(2, [(1, qsa), (10, b"\x66" * 24), (5, idci), (5, idcr)], 0x11223344)
    write("fuzz_ike", "p2-qm-full", b"\x01" + qm_full)
    write("fuzz_ike", "p2-qm-full-delete", b"\x01" + qm_full + dele + dpd + dele_ike)
    ike_cert_frag_seeds(icky, mm1)


def ike_cert_frag_seeds(icky, mm1):
    # MM1 offering RSA signatures (auth 3) with the FRAGMENTATION vendor ID, sent as
    # three fragments (payload 132: id, number from 1, flags 1 = last), out of order
    xf = attr_tv(1, 7) + attr_tv(14, 128) + attr_tv(2, 4) + attr_tv(3, 3) + attr_tv(4, 14)
    t = bytes([0, 0]) + u16(8 + len(xf)) + bytes([1, 1, 0, 0]) + xf
    p = bytes([0, 0]) + u16(8 + len(t)) + bytes([1, 1, 0, 1]) + t
    vid_frag = bytes.fromhex("4048b7d56ebce88525e7de7f00d6c2d3")
    first, body = chain([(1, u32(1) + u32(1) + p), (13, vid_frag)])
    whole = ike_hdr(b"\x22" * 8, b"\x00" * 8, first, 2, 0, 0, body)
    cut = [0, len(whole) // 3, 2 * len(whole) // 3, len(whole)]

    def frag(num, last):
        f, b = chain([(132, u16(1) + bytes([num, 1 if last else 0]) + whole[cut[num - 1]:cut[num]])])
        return b"\x00" + ike_hdr(b"\x22" * 8, b"\x00" * 8, f, 2, 0, 0, b)
    write("fuzz_ike", "frag-mm1-rsa", b"\x00" + frag(2, False) + frag(3, True) + frag(1, False))
    write("fuzz_ike", "frag-mm1-psk", b"\x00" + b"".join(
        b"\x00" + ike_hdr(icky, b"\x00" * 8, 132, 2, 0, 0,
                          gen(0, u16(5) + bytes([i + 1, 1 if i == 1 else 0]) + part))
        for i, part in enumerate([mm1[:60], mm1[60:]])))
    # a clear message with ID (DER DN), CERT (an X.509 the test CA signed), SIG, CERT_REQ
    certs = os.path.join(HERE, "..", "unit", "ike", "certs")
    with open(os.path.join(certs, "client.der"), "rb") as f:
        der = f.read()
    with open(os.path.join(certs, "client-sig.bin"), "rb") as f:
        sig = f.read()
    from cryptography import x509   # python3-cryptography, as scapy's ESP needs
    dn = x509.load_der_x509_certificate(der).subject.public_bytes()
    first, body = chain([(5, bytes([9, 17]) + u16(500) + dn), (6, b"\x04" + der), (9, sig),
                         (7, b"\x04" + dn)])
    write("fuzz_ike", "cert-id-sig", b"\x00\x00" + ike_hdr(icky, b"\xaa" * 8, first, 2, 0, 0, body))
    # the same with an EC (P-256) certificate and a 64-byte r|s signature
    with open(os.path.join(certs, "lns-ec.der"), "rb") as f:
        ecder = f.read()
    ecdn = x509.load_der_x509_certificate(ecder).subject.public_bytes()
    first, body = chain([(5, bytes([9, 17]) + u16(500) + ecdn), (6, b"\x04" + ecder),
                         (9, b"\x5a" * 64)])
    write("fuzz_ike", "cert-ec", b"\x00\x00" + ike_hdr(icky, b"\xaa" * 8, first, 2, 0, 0, body))


# ----------------------------------------------------------------- PPP ---

def ppp_seeds():
    def cp(proto, code, ident, data, acfc=True):
        pkt = bytes([code, ident]) + u16(4 + len(data)) + data
        return (b"\xff\x03" if acfc else b"") + u16(proto) + pkt

    def rec(sel, frame):
        return bytes([sel]) + u16(len(frame)) + frame

    lcp_req = cp(0xc021, 1, 1, bytes([1, 4, 0x05, 0x78, 2, 6, 0, 0, 0, 0, 5, 6, 1, 2, 3, 4, 7, 2, 8, 2]))
    lcp_ack = cp(0xc021, 2, 1, b"")   # empty Ack: fuzz_ppp.c acks our last request
    pap = cp(0xc023, 1, 1, b"\x05alice\x06secret")
    ipcp = cp(0x8021, 1, 1, bytes([3, 6, 0, 0, 0, 0, 129, 6, 0, 0, 0, 0, 131, 6, 0, 0, 0, 0]))
    ipcp_ack = cp(0x8021, 2, 1, bytes([3, 6, 10, 0, 0, 1]))     # our IP-Address 10.0.0.1
    # after the Nak: the pool address and both DNS servers (RFC 1332 §3.3, RFC 1877)
    ipcp2 = cp(0x8021, 1, 2, bytes([3, 6, 10, 1, 0, 1, 129, 6, 192, 0, 2, 53, 131, 6, 192, 0, 2, 54]))
    echo = cp(0xc021, 9, 3, u32(0x01020304) + b"ping")
    term = cp(0xc021, 5, 4, b"bye")
    ipv4 = b"\x21" + bytes(IP(src="10.1.0.1", dst="203.0.113.7") / UDP() / b"x")
    ccp = cp(0x80fd, 1, 1, bytes([18, 6, 0, 0, 0, 1]))
    write("fuzz_ppp", "lcp", b"\x00" + rec(0, lcp_req))
    write("fuzz_ppp", "pap-ipcp", b"\x00" + b"".join(rec(0, f) for f in
                                                      [lcp_req, lcp_ack, pap, ipcp, ipcp_ack, ipcp2, echo, ipv4, ccp, term]))
    write("fuzz_ppp", "mschap-first", b"\x02" + rec(0, lcp_req) + rec(0, lcp_ack) + rec(9, echo))
    # proxy LCP + proxy PAP (RFC 2661 §4.4.5)
    sent = bytes([1, 4, 0x05, 0x78, 5, 6, 9, 9, 9, 9])
    rcvd = bytes([1, 4, 0x05, 0xdc, 5, 6, 1, 2, 3, 4])
    proxy = bytes([len(sent)]) + sent + bytes([len(rcvd)]) + rcvd + b"\x03" + b"\x05alice" + \
        b"\x00" + b"\x01" + b"\x06secret"
    write("fuzz_ppp", "proxy-pap", b"\x01" + proxy + rec(0, ipcp) + rec(0, ipcp_ack) + rec(0, ipcp2))
    chal = b"\x10" + b"\x77" * 16
    proxy_chap = bytes([len(sent)]) + sent + bytes([len(rcvd)]) + rcvd + b"\x02" + b"\x05alice" + \
        chal + b"\x07" + b"\x10" + b"\x88" * 16
    write("fuzz_ppp", "proxy-chap", b"\x01" + proxy_chap + rec(0, ipcp))


if __name__ == "__main__":
    classify_seeds()
    l2tp_seeds()
    ike_seeds()
    ppp_seeds()
