#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""An independent PPP client for lnsd's integration tests.

xl2tpd (the LAC) runs it in place of pppd, with the pty as the last argument.
It speaks async HDLC on the pty (RFC 1662), LCP (RFC 1661), CHAP-MD5
(RFC 1994) or MS-CHAPv2 (RFC 2759) and IPCP (RFC 1332, RFC 1877 DNS), and
answers UDP datagrams to port 7777 of its address with "echo:" + payload and
ICMP Echo-Requests, so a core-side round trip through lnsd needs no other
client software.

It writes one machine-readable line per milestone to --log:
  LCP-UP | AUTH-OK | AUTH-FAIL <message> | AUTHRESP-OK | AUTHRESP-BAD
  IP a.b.c.d | DNS a.b.c.d | UDP-ECHO a.b.c.d:port | PING-ECHO a.b.c.d
  ECHO-STOP t=<s> | ECHO-IGNORED <n> | CODE-REJECT <code> | PROTO-REJECT <proto>
  FUZZ-SENT <what> | FUZZ-DONE | TERM-REQ | HANGUP t=<s> echo_ignored=<n>
Times are time.monotonic() seconds of this process.

--self-test checks the crypto against the RFC 1320 and RFC 2759 vectors.
"""
import argparse
import os
import select
import signal
import socket
import struct
import sys
import termios
import time
import tty

import pppcrypto

# PPP protocol numbers (RFC 1661 section 2, IANA)
P_IP, P_IPCP, P_LCP, P_PAP, P_CHAP = 0x0021, 0x8021, 0xC021, 0xC023, 0xC223
# LCP/NCP codes (RFC 1661 section 5)
CONFREQ, CONFACK, CONFNAK, CONFREJ, TERMREQ, TERMACK, CODEREJ, PROTREJ, ECHOREQ, ECHOREP = range(1, 11)
# CHAP codes (RFC 1994 section 4)
CH_CHALLENGE, CH_RESPONSE, CH_SUCCESS, CH_FAILURE = 1, 2, 3, 4
CHAP_ALG = {"chap-md5": 5, "mschapv2": 0x81}

RESTART_S = 1.0          # RFC 1661 section 4.6 Restart timer (default 3 s; short here)
MAX_CONFIGURE = 10       # section 4.6 Max-Configure
MAX_LIFE_S = 300         # never outlive a broken test
FZ = 0xF0                # Identifiers of --fuzz packets (ours stay below)


# ------------------------------------------------------------ RFC 1662 ---

def _fcs_table():
    t = []
    for b in range(256):
        v = b
        for _ in range(8):
            v = (v >> 1) ^ 0x8408 if v & 1 else v >> 1
        t.append(v)
    return t


FCS_TAB = _fcs_table()
PPPINITFCS16, PPPGOODFCS16 = 0xFFFF, 0xF0B8


def fcs16(data, fcs=PPPINITFCS16):
    """RFC 1662 appendix C.2 FCS-16."""
    for b in data:
        fcs = (fcs >> 8) ^ FCS_TAB[(fcs ^ b) & 0xFF]
    return fcs


def hdlc_encode(frame, accm=0xFFFFFFFF):
    """Frame = address/control + protocol + information; adds FCS, escapes
    0x7e, 0x7d and the control characters in the ACCM (section 4.2)."""
    fcs = fcs16(frame) ^ 0xFFFF
    raw = frame + struct.pack("<H", fcs)
    out = bytearray(b"\x7e")
    for b in raw:
        if b in (0x7E, 0x7D) or (b < 0x20 and accm & (1 << b)):
            out += bytes((0x7D, b ^ 0x20))
        else:
            out.append(b)
    out.append(0x7E)
    return bytes(out)


class HdlcDecoder:
    """Splits the byte stream on flags, removes escapes, checks the FCS."""

    def __init__(self):
        self.buf = bytearray()
        self.esc = False
        self.bad_fcs = 0

    def feed(self, data):
        frames = []
        for b in data:
            if b == 0x7E:
                if len(self.buf) >= 4:
                    if fcs16(self.buf) == PPPGOODFCS16:
                        frames.append(bytes(self.buf[:-2]))
                    else:
                        self.bad_fcs += 1
                self.buf.clear()
                self.esc = False
            elif b == 0x7D:
                self.esc = True
            else:
                self.buf.append(b ^ 0x20 if self.esc else b)
                self.esc = False
        return frames


# --------------------------------------------------------------- helpers ---

def ip_str(b):
    return socket.inet_ntoa(b)


def cksum(data):
    if len(data) % 2:
        data += b"\x00"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def parse_options(data):
    """RFC 1661 section 6: type, length (>= 2), value. None if malformed."""
    opts, i = [], 0
    while i < len(data):
        if i + 2 > len(data) or data[i + 1] < 2 or i + data[i + 1] > len(data):
            return None
        opts.append((data[i], bytes(data[i + 2:i + data[i + 1]])))
        i += data[i + 1]
    return opts


def opt(t, v):
    return bytes((t, 2 + len(v))) + v


class Client:
    def __init__(self, a, fd):
        self.a = a
        self.fd = fd
        self.dec = HdlcDecoder()
        self.logf = open(a.log, "a", buffering=1) if a.log else sys.stdout
        self.t0 = time.monotonic()
        self.ident = 0
        self.magic = struct.unpack("!I", os.urandom(4))[0] | 1
        # LCP (our side: Magic-Number only; the LNS's options are judged in lcp_rcr)
        self.lcp_ack_rcvd = self.lcp_ack_sent = self.lcp_up = False
        self.lcp_req_opts = [(5, struct.pack("!I", self.magic))]
        self.lcp_req_id = None
        self.lcp_tries = 0
        self.lcp_next = 0.0
        # authentication
        self.auth_ok = False
        self.auth_tries = 0
        self.mschap = None       # (auth_chal, peer_chal, nt_resp, expected S=)
        self.chap_last = None    # (id, challenge) answered last
        # IPCP
        self.ipcp_started = self.ipcp_ack_rcvd = self.ipcp_ack_sent = self.ipcp_up = False
        self.ipcp_req = {3: b"\x00" * 4, 129: b"\x00" * 4}   # IP-Address, Primary DNS
        self.ipcp_req_id = None
        self.ipcp_tries = 0
        self.ipcp_next = 0.0
        self.my_ip = None
        # keepalive test
        self.echo_stop_at = None
        self.echo_ignored = 0
        self.fuzz_a_done = self.fuzz_b_done = False
        self.done_at = None

    # ---- output
    def log(self, line):
        self.logf.write(line + "\n")
        self.logf.flush()

    def dbg(self, msg):
        sys.stderr.write("%8.3f %s\n" % (time.monotonic() - self.t0, msg))
        sys.stderr.flush()

    def send_frame(self, proto, info, raw=None):
        frame = raw if raw is not None else b"\xff\x03" + struct.pack("!H", proto) + info
        os.write(self.fd, hdlc_encode(frame))

    def send_code(self, proto, code, ident, data=b""):
        self.send_frame(proto, struct.pack("!BBH", code, ident, 4 + len(data)) + data)

    def next_id(self):
        self.ident = self.ident % (FZ - 1) + 1      # FZ.. are the --fuzz packets
        return self.ident

    # ---- LCP
    def lcp_send_cr(self):
        self.lcp_req_id = self.next_id()
        self.lcp_tries += 1
        self.lcp_next = time.monotonic() + RESTART_S
        self.send_code(P_LCP, CONFREQ, self.lcp_req_id, b"".join(opt(t, v) for t, v in self.lcp_req_opts))

    def lcp_rcr(self, ident, data):
        opts = parse_options(data)
        if opts is None:
            self.dbg("LCP CR with bad options: dropped")
            return
        want = struct.pack("!HB", P_CHAP, CHAP_ALG[self.a.method])
        ack, nak, rej = [], [], []
        for t, v in opts:
            if t in (1, 2, 7, 8):          # MRU, ACCM, PFC, ACFC: fine by us
                ack.append((t, v))
            elif t == 3:                   # section 6.2 Authentication-Protocol
                (nak if v != want else ack).append((t, want))
            elif t == 5:                   # section 6.4 Magic-Number
                if len(v) == 4 and struct.unpack("!I", v)[0] == self.magic:
                    self.magic = struct.unpack("!I", os.urandom(4))[0] | 1
                    nak.append((t, v))
                else:
                    ack.append((t, v))
            else:
                rej.append((t, v))
        if rej:
            self.send_code(P_LCP, CONFREJ, ident, b"".join(opt(t, v) for t, v in rej))
        elif nak:
            self.send_code(P_LCP, CONFNAK, ident, b"".join(opt(t, v) for t, v in nak))
            self.dbg("LCP Nak %s" % nak)
        else:
            self.send_code(P_LCP, CONFACK, ident, data)
            if self.lcp_up:                # section 4.1: renegotiation from Opened
                self.dbg("LCP renegotiation")
                self.lcp_up = self.lcp_ack_rcvd = False
                self.lcp_send_cr()
            self.lcp_ack_sent = True
            self.lcp_check_up()

    def lcp_check_up(self):
        if self.lcp_ack_rcvd and self.lcp_ack_sent and not self.lcp_up:
            self.lcp_up = True
            self.log("LCP-UP")

    def lcp_input(self, pkt):
        if len(pkt) < 4:
            return
        code, ident, ln = struct.unpack("!BBH", pkt[:4])
        if ln < 4 or ln > len(pkt):
            return
        data = pkt[4:ln]
        if code == CONFREQ:
            if self.lcp_up:
                self.log("LCP-RENEG")
            self.lcp_rcr(ident, data)
        elif code == CONFACK and ident == self.lcp_req_id:
            self.lcp_ack_rcvd = True
            self.lcp_check_up()
        elif code in (CONFNAK, CONFREJ) and ident == self.lcp_req_id:
            o = parse_options(data) or []
            if code == CONFREJ:
                self.lcp_req_opts = [x for x in self.lcp_req_opts if x[0] not in {t for t, _ in o}]
            else:
                self.magic = struct.unpack("!I", os.urandom(4))[0] | 1
                self.lcp_req_opts = [(5, struct.pack("!I", self.magic))]
            self.lcp_send_cr()
        elif code == TERMREQ:
            self.log("TERM-REQ")
            self.send_code(P_LCP, TERMACK, ident)
            self.lcp_up = False
            self.done_at = time.monotonic() + 3   # section 3.7: wait, then hang up
        elif code == ECHOREQ:
            if self.echo_stop_at is not None and time.monotonic() >= self.echo_stop_at:
                self.echo_ignored += 1
                self.log("ECHO-IGNORED %d" % self.echo_ignored)
                return
            if self.lcp_up:                # section 5.8: only in Opened
                self.send_code(P_LCP, ECHOREP, ident, struct.pack("!I", self.magic) + data[4:])
        elif code == CODEREJ:
            self.log("CODE-REJECT %d" % (data[0] if data else -1))
        elif code == PROTREJ:
            self.log("PROTO-REJECT %04x" % (struct.unpack("!H", data[:2])[0] if len(data) >= 2 else 0))

    # ---- CHAP / MS-CHAPv2
    def chap_input(self, pkt):
        if len(pkt) < 4:
            return
        code, ident, ln = struct.unpack("!BBH", pkt[:4])
        if ln < 4 or ln > len(pkt):
            return
        data = pkt[4:ln]
        if code == CH_CHALLENGE:
            if len(data) < 1 or 1 + data[0] > len(data):
                return
            chal = bytes(data[1:1 + data[0]])
            if self.a.fuzz and not self.fuzz_a_done:
                self.fuzz_auth_phase(ident)
            self.chap_respond(ident, chal)
        elif code == CH_SUCCESS:
            msg = bytes(data).decode("latin-1")
            if self.auth_ok:
                return
            if self.a.method == "mschapv2":
                # RFC 2759 section 5: verify the authenticator response, and
                # hang up if it is wrong (the authenticator is not genuine)
                got = msg.split(" ")[0].upper()
                if self.mschap is None or got != self.mschap[3]:
                    self.log("AUTHRESP-BAD %s" % got[:42])
                    self.log("AUTH-FAIL bad authenticator response")
                    self.send_code(P_LCP, TERMREQ, self.next_id(), b"bad S=")
                    self.done_at = time.monotonic() + 2
                    return
                self.log("AUTHRESP-OK")
            self.auth_ok = True
            self.log("AUTH-OK")
            self.ipcp_start()
        elif code == CH_FAILURE:
            msg = bytes(data).decode("latin-1")
            self.log("AUTH-FAIL %s" % msg)
            if self.a.method == "mschapv2":
                self.mschap_retry(ident, msg)

    def chap_respond(self, ident, chal):
        user = self.a.user.encode()
        if self.a.method == "chap-md5":
            val = pppcrypto.chap_md5_response(ident, self.a.password.encode(), chal)
        else:
            if len(chal) != 16:
                self.dbg("MS-CHAPv2 challenge of %d octets" % len(chal))
                return
            if self.chap_last and self.chap_last[0] == ident and self.mschap and self.mschap[0] == chal:
                peer = self.mschap[1]    # a resent Challenge: the same answer again
            else:
                peer = os.urandom(16)
            ph = pppcrypto.nt_password_hash(self.a.password)
            ntr = pppcrypto.nt_response(chal, peer, self.a.user, ph)
            self.mschap = (chal, peer, ntr,
                           pppcrypto.authenticator_response(ph, ntr, peer, chal, self.a.user))
            # RFC 2759 section 4: Peer-Challenge, 8 reserved zeros, NT-Response, Flags
            val = peer + b"\x00" * 8 + ntr + b"\x00"
        self.chap_last = (ident, chal)
        self.send_code(P_CHAP, CH_RESPONSE, ident, bytes((len(val),)) + val + user)

    def mschap_retry(self, ident, msg):
        # RFC 2759 section 6: "E=691 R=1 C=<32 hex> V=3 M=..."; with R=1 the
        # peer may answer the new challenge C with Identifier + 1
        f = dict(w.split("=", 1) for w in msg.split(" ") if "=" in w and w[0] in "ERCV")
        self.auth_tries += 1
        if f.get("R") != "1" or self.auth_tries >= self.a.retries or len(f.get("C", "")) != 32:
            return
        try:
            chal = bytes.fromhex(f["C"])
        except ValueError:
            return
        self.chap_respond((ident + 1) & 0xFF, chal)

    # ---- IPCP
    def ipcp_start(self):
        if not self.ipcp_started:
            self.ipcp_started = True
            self.ipcp_send_cr()

    def ipcp_send_cr(self):
        self.ipcp_req_id = self.next_id()
        self.ipcp_tries += 1
        self.ipcp_next = time.monotonic() + RESTART_S
        self.send_code(P_IPCP, CONFREQ, self.ipcp_req_id,
                       b"".join(opt(t, v) for t, v in sorted(self.ipcp_req.items())))

    def ipcp_input(self, pkt):
        if len(pkt) < 4 or not self.lcp_up:
            return
        code, ident, ln = struct.unpack("!BBH", pkt[:4])
        if ln < 4 or ln > len(pkt):
            return
        data = pkt[4:ln]
        if not self.auth_ok:            # RFC 1661 3.5: no NCP before Network phase
            self.log("IPCP-EARLY code=%d" % code)
        if code == CONFREQ and self.ipcp_up:
            self.log("IPCP-RENEG")
        if code == CONFREQ:
            opts = parse_options(data)
            if opts is None:
                return
            rej = [(t, v) for t, v in opts if t != 3 or len(v) != 4]
            if rej:
                self.send_code(P_IPCP, CONFREJ, ident, b"".join(opt(t, v) for t, v in rej))
                return
            self.send_code(P_IPCP, CONFACK, ident, data)
            self.ipcp_ack_sent = True
            self.ipcp_start()
        elif code == CONFACK and ident == self.ipcp_req_id:
            self.ipcp_ack_rcvd = True
        elif code == CONFNAK and ident == self.ipcp_req_id:
            for t, v in parse_options(data) or []:   # RFC 1332 3.3 / RFC 1877
                if t in self.ipcp_req and len(v) == 4:
                    self.ipcp_req[t] = v
            self.ipcp_send_cr()
        elif code == CONFREJ and ident == self.ipcp_req_id:
            for t, _ in parse_options(data) or []:
                self.ipcp_req.pop(t, None)
            self.ipcp_send_cr()
        elif code == TERMREQ:
            self.send_code(P_IPCP, TERMACK, ident)
            self.ipcp_up = False
        if self.ipcp_ack_rcvd and self.ipcp_ack_sent and not self.ipcp_up:
            self.ipcp_up = True
            self.my_ip = self.ipcp_req.get(3)
            self.log("IP %s" % ip_str(self.my_ip))
            if 129 in self.ipcp_req:
                self.log("DNS %s" % ip_str(self.ipcp_req[129]))
            if self.a.stop_echo_after is not None:
                self.echo_stop_at = time.monotonic() + self.a.stop_echo_after
            if self.a.fuzz and not self.fuzz_b_done:
                self.fuzz_network_phase()

    # ---- IPv4: answer UDP port 7777 and ICMP echo to our address
    def ip_input(self, pkt):
        if len(pkt) < 20 or pkt[0] >> 4 != 4 or self.my_ip is None:
            return
        hl = (pkt[0] & 15) * 4
        tot = struct.unpack("!H", pkt[2:4])[0]
        if hl < 20 or tot < hl or tot > len(pkt) or pkt[16:20] != self.my_ip:
            return
        src, proto, body = pkt[12:16], pkt[9], pkt[hl:tot]
        if proto == 17 and len(body) >= 8:
            sport, dport, ulen = struct.unpack("!HHH", body[:6])
            if dport != 7777 or ulen < 8 or ulen > len(body):
                return
            payload = b"echo:" + body[8:ulen]
            u = struct.pack("!HHHH", 7777, sport, 8 + len(payload), 0) + payload
            c = cksum(self.my_ip + src + struct.pack("!BBH", 0, 17, len(u)) + u) or 0xFFFF
            u = u[:6] + struct.pack("!H", c) + u[8:]
            self.send_ip(src, 17, u)
            self.log("UDP-ECHO %s:%d" % (ip_str(src), sport))
        elif proto == 1 and len(body) >= 8 and body[0] == 8:
            r = b"\x00\x00\x00\x00" + body[4:]
            r = r[:2] + struct.pack("!H", cksum(r)) + r[4:]
            self.send_ip(src, 1, r)
            self.log("PING-ECHO %s" % ip_str(src))

    def send_ip(self, dst, proto, body):
        h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(body), 0, 0x4000, 64, proto, 0,
                        self.my_ip, dst)
        h = h[:10] + struct.pack("!H", cksum(h)) + h[12:]
        self.send_frame(P_IP, h + body)

    # ---- malformed input for lnsd (--fuzz)
    def fuzz(self, what, proto=None, info=b"", raw=None):
        self.send_frame(proto, info, raw=raw)
        self.log("FUZZ-SENT %s" % what)

    def fuzz_auth_phase(self, chap_id):
        """Sent in lnsd's Authenticate phase, before our real Response."""
        self.fuzz_a_done = True
        H = struct.pack
        self.fuzz("ppp-no-protocol", raw=b"\xff\x03")
        self.fuzz("ppp-half-protocol", raw=b"\xff\x03\xc0")
        self.fuzz("lcp-3-octets", P_LCP, bytes((CONFREQ, FZ + 8, 0)))
        self.fuzz("lcp-length-past-end", P_LCP, H("!BBH", ECHOREQ, FZ, 200) + b"\0" * 8)
        self.fuzz("lcp-length-below-4", P_LCP, H("!BBH", ECHOREQ, FZ + 1, 2) + b"\0" * 8)
        self.fuzz("lcp-echo-no-magic", P_LCP, H("!BBH", ECHOREQ, FZ + 2, 6) + b"\0\0")
        self.fuzz("lcp-unknown-code", P_LCP, H("!BBH", 0x55, 11, 6) + b"zz")
        # RFC 1661 section 2: 0x4321 is no valid Protocol (its high octet is odd),
        # so it reads as a compressed 0x43 and 0x21.. as information
        self.fuzz("invalid-protocol-field", 0x4321, b"hello")
        self.fuzz("unknown-protocol", 0x0231, b"hello")
        self.fuzz("ipv6cp-request", 0x8057, struct.pack("!BBH", CONFREQ, 1, 14) + opt(1, b"\0" * 8))
        self.fuzz("chap-3-octets", P_CHAP, b"\x02\x01\x00")
        self.fuzz("chap-length-past-end", P_CHAP, H("!BBH", CH_RESPONSE, chap_id, 300) + b"\x10" + b"x" * 20)
        self.fuzz("chap-value-size-past-end", P_CHAP,
                  H("!BBH", CH_RESPONSE, chap_id, 4 + 1 + 10) + b"\xff" + b"y" * 10)
        self.fuzz("chap-empty-response", P_CHAP, H("!BBH", CH_RESPONSE, chap_id, 4))
        self.fuzz("chap-wrong-value-size", P_CHAP,
                  H("!BBH", CH_RESPONSE, chap_id, 4 + 1 + 7 + 4) + b"\x07" + b"v" * 7 + b"user")
        self.fuzz("chap-stale-id", P_CHAP,
                  H("!BBH", CH_RESPONSE, (chap_id + 77) & 0xFF, 4 + 1 + 16 + 1) + b"\x10" + b"w" * 16 + b"u")
        self.fuzz("pap-truncated", P_PAP, b"\x01\x01\x00\x40\x05ab")
        self.fuzz("ipcp-before-network", P_IPCP, H("!BBH", CONFREQ, FZ + 10, 10) + opt(3, b"\0\0\0\0"))

    def fuzz_network_phase(self):
        """Sent once IPCP is Opened: every one must be dropped, not renegotiated."""
        self.fuzz_b_done = True
        H = struct.pack
        self.fuzz("ipcp-3-octets", P_IPCP, bytes((CONFREQ, FZ + 9, 0)))
        self.fuzz("ipcp-length-past-end", P_IPCP, H("!BBH", CONFREQ, FZ + 3, 64) + opt(3, b"\0\0\0\0"))
        self.fuzz("ipcp-option-length-0", P_IPCP, H("!BBH", CONFREQ, FZ + 4, 10) + b"\x03\x00\0\0\0\0")
        self.fuzz("ipcp-option-past-end", P_IPCP, H("!BBH", CONFREQ, FZ + 5, 8) + b"\x03\x09\0\0")
        self.fuzz("ipcp-stale-ack", P_IPCP, H("!BBH", CONFACK, FZ + 11, 4))
        self.fuzz("lcp-option-length-1", P_LCP, H("!BBH", CONFREQ, FZ + 6, 7) + b"\x05\x01\0")
        self.fuzz("lcp-protrej-short", P_LCP, H("!BBH", PROTREJ, FZ + 7, 5) + b"\xc0")
        self.fuzz("chap-after-auth", P_CHAP, H("!BBH", CH_RESPONSE, 3, 6) + b"\x00\x00")
        self.log("FUZZ-DONE")

    # ---- the loop
    def input(self, frame):
        # RFC 1662 section 3.2 / RFC 1661 section 6.5-6.6: address/control
        # and the protocol may be compressed
        if frame[:2] == b"\xff\x03":
            frame = frame[2:]
        if not frame:
            return
        if frame[0] & 1:
            proto, info = frame[0], frame[1:]
        elif len(frame) >= 2:
            proto, info = struct.unpack("!H", frame[:2])[0], frame[2:]
        else:
            return
        self.dbg("rx %04x %s" % (proto, bytes(info[:24]).hex()))
        if proto in (P_LCP, P_IPCP) and len(info) >= 2 and info[1] >= FZ and \
                info[0] in (CONFACK, CONFNAK, CONFREJ, TERMACK, ECHOREP):
            # a malformed packet must be dropped, never answered
            self.log("FUZZ-ANSWERED %04x code=%d id=%d" % (proto, info[0], info[1]))
        if proto == P_LCP:
            self.lcp_input(info)
        elif not self.lcp_up:
            return
        elif proto == P_CHAP:
            self.chap_input(info)
        elif proto == P_IPCP:
            self.ipcp_input(info)
        elif proto == P_IP:
            self.ip_input(info)
        else:                               # section 5.7
            self.send_code(P_LCP, PROTREJ, self.next_id(), struct.pack("!H", proto) + info[:64])

    def timers(self, now):
        if not self.lcp_ack_rcvd and now >= self.lcp_next:
            if self.lcp_tries >= MAX_CONFIGURE:
                self.log("LCP-FAILED")
                return False
            self.lcp_send_cr()
        if self.ipcp_started and not self.ipcp_ack_rcvd and now >= self.ipcp_next:
            if self.ipcp_tries >= MAX_CONFIGURE:
                self.log("IPCP-FAILED")
                return False
            self.ipcp_send_cr()
        if self.echo_stop_at is not None and now >= self.echo_stop_at and self.a.stop_echo_after >= 0:
            self.log("ECHO-STOP t=%.3f" % self.echo_stop_at)
            self.a.stop_echo_after = -1          # log once
        if self.done_at is not None and now >= self.done_at:
            return False
        return now - self.t0 < MAX_LIFE_S

    def run(self):
        self.lcp_send_cr()
        while True:
            now = time.monotonic()
            if not self.timers(now):
                break
            r, _, _ = select.select([self.fd], [], [], 0.05)
            if not r:
                continue
            try:
                data = os.read(self.fd, 4096)
            except OSError:
                data = b""
            if not data:
                break
            for f in self.dec.feed(data):
                self.input(f)
        self.hangup()

    def hangup(self, *_):
        self.log("HANGUP t=%.3f echo_ignored=%d bad_fcs=%d" %
                 (time.monotonic(), self.echo_ignored, self.dec.bad_fcs))
        os._exit(0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("tty", nargs="?", help="the pty xl2tpd gives pppd")
    ap.add_argument("--method", choices=sorted(CHAP_ALG), default="chap-md5")
    ap.add_argument("--user", default="")
    ap.add_argument("--password", help="secret (see --password-file)")
    ap.add_argument("--password-file", help="file whose first line is the secret")
    ap.add_argument("--log", help="machine-readable milestones (default: stdout)")
    ap.add_argument("--stop-echo-after", type=float, default=None,
                    help="stop answering LCP Echo-Requests N s after IPCP opens")
    ap.add_argument("--retries", type=int, default=3, help="MS-CHAPv2 attempts (R=1)")
    ap.add_argument("--fuzz", action="store_true", help="send malformed LCP/IPCP/auth packets")
    ap.add_argument("--self-test", action="store_true", help="check the RFC vectors and exit")
    ap.add_argument("--nt-hash", metavar="PASSWORD", help="print the NT hash (RFC 2759 8.3)")
    a, _ = ap.parse_known_args()     # pppd options from xl2tpd are ignored

    if a.self_test:
        res = pppcrypto.self_test()
        for name, ok in res:
            print("%s %s" % ("ok" if ok else "FAIL", name))
        sys.exit(0 if all(ok for _, ok in res) else 1)
    if a.nt_hash is not None:
        print(pppcrypto.nt_password_hash(a.nt_hash).hex().upper())
        return
    if a.password_file:
        with open(a.password_file) as f:
            a.password = f.readline().rstrip("\n")
    if not a.tty or a.password is None:
        ap.error("a tty and a password are needed")

    fd = os.open(a.tty, os.O_RDWR | os.O_NOCTTY)
    if os.isatty(fd):
        tty.setraw(fd, termios.TCSANOW)
    c = Client(a, fd)
    signal.signal(signal.SIGTERM, c.hangup)
    signal.signal(signal.SIGHUP, c.hangup)
    signal.signal(signal.SIGINT, c.hangup)
    c.run()


if __name__ == "__main__":
    main()
