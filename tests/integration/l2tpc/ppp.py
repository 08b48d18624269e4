# SPDX-License-Identifier: BSD-3-Clause
"""The PPP end of the test LAC: LCP (RFC 1661), PAP (RFC 1334 section 2),
CHAP-MD5 (RFC 1994) and IPCP (RFC 1332), as a client that accepts the address
the LNS gives. Kept deliberately simple: each control protocol is "have we
acked theirs, have they acked ours", with the Restart timer and Max-Configure
of RFC 1661 section 4.6 on our Configure-Request."""
import hashlib
import os
import struct

import wire
from wire import (CONFREQ, CONFACK, CONFNAK, CONFREJ, TERMREQ, TERMACK, ECHOREQ, ECHOREP,
                  P_LCP, P_PAP, P_CHAP, P_IPCP, P_IP)

RESTART_S = 1.0       # section 4.6 Restart timer (3 s default; the LNS side is tested)
MAX_CONFIGURE = 10    # section 4.6 Max-Configure
PAP_AUTH_REQ, PAP_ACK, PAP_NAK = 1, 2, 3                  # RFC 1334 section 2.2
CHAP_CHALLENGE, CHAP_RESPONSE, CHAP_SUCCESS, CHAP_FAILURE = 1, 2, 3, 4  # RFC 1994 4
CHAP_MD5 = 5


class ConfReq:
    """Our side of one option negotiation: the request, its retransmission and
    the answers to it."""

    def __init__(self, owner, proto, options):
        self.owner, self.proto, self.options = owner, proto, list(options)
        self.ident = 0
        self.tries = 0
        self.timer = None
        self.acked = False

    def send(self):
        self.ident = (self.ident + 1) & 0xFF
        self.owner.send(self.proto, wire.cp(CONFREQ, self.ident, wire.opts(self.options)))
        self.cancel()
        self.timer = self.owner.loop.call_later(RESTART_S, self._expire)

    def _expire(self):
        self.timer = None
        if self.acked or self.owner.done:
            return
        self.tries += 1
        if self.tries >= MAX_CONFIGURE:
            self.owner.fail("%04x Max-Configure" % self.proto)
            return
        self.send()

    def cancel(self):
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None

    def answer(self, code, ident, data):
        """ConfAck/Nak/Rej to our request (section 5.2-5.4). The identifier must
        match the latest request; a stale answer is ignored."""
        if ident != self.ident or self.acked:
            return
        if code == CONFACK:
            if data != wire.opts(self.options):
                return            # section 5.2: must match exactly
            self.acked = True
            self.cancel()
            return
        got = dict(wire.parse_opts(data))
        if code == CONFNAK:
            self.options = [(t, got.get(t, v)) for t, v in self.options]
        else:
            self.options = [(t, v) for t, v in self.options if t not in got]
        self.send()


class PppClient:
    """callbacks: send(proto, body) (the caller frames it), stage(name) at each
    milestone (may silence us), up(addr), down(why)."""

    def __init__(self, loop, user, password, auth, send, stage, up, down, passive=False):
        self.loop = loop
        self.user, self.password = user.encode(), password.encode()
        self.auth_pref = auth                 # "pap" or "chap"
        self._send, self.stage, self.up_cb, self.down_cb = send, stage, up, down
        self.silent = False
        self.stalled = False
        self.done = False
        self.magic = struct.unpack(">I", os.urandom(4))[0] or 1
        self.lcp = ConfReq(self, P_LCP, [(wire.O_MRU, struct.pack(">H", 1400)),
                                         (wire.O_MAGIC, struct.pack(">I", self.magic))])
        self.ipcp = ConfReq(self, P_IPCP, [(wire.O_IPADDR, bytes(4))])
        self.lcp_peer_acked = False
        self.ipcp_peer_acked = False
        self.phase = "lcp"                    # lcp, auth, ipcp, up, down
        self.auth = None                      # what we acked: "pap", "chap" or None
        self.pap_id = 0
        self.pap_timer = None
        self.pap_tries = 0
        self.addr = None
        self.counts = {"echo": 0, "bad": 0, "term": 0}
        # passive: send our first Configure-Request when the peer's arrives (or
        # after one Restart period), like pppd's "passive" option
        self.passive = passive
        self.started = False

    def send(self, proto, body):
        # stalled: only LCP still answers (Echo), the stage's protocol is mute
        if not self.silent and not self.done and (not self.stalled or proto == P_LCP):
            self._send(proto, body)

    def start(self):
        if self.passive:
            self.lcp.timer = self.loop.call_later(RESTART_S, self._start_now)
        else:
            self._start_now()

    def _start_now(self):
        if self.started or self.done:
            return
        self.started = True
        self.lcp.cancel()
        self.lcp.send()
        self.stage("lcp")

    def fail(self, why):
        self.finish(why)

    def finish(self, why):
        if self.done:
            return
        self.done = True
        self.phase = "down"
        for c in (self.lcp, self.ipcp):
            c.cancel()
        if self.pap_timer is not None:
            self.pap_timer.cancel()
        self.down_cb(why)

    def terminate(self):
        """Send an LCP Terminate-Request (section 5.5); the session ends with the
        Terminate-Ack or the LNS's CDN."""
        self.send(P_LCP, wire.cp(TERMREQ, 0x77, b"bye"))

    # ---- input
    def input(self, frame):
        try:
            proto, info = wire.parse_ppp(frame)
            if proto == P_IP:
                return ("ip", info)
            code, ident, data = wire.parse_cp(info)
            if proto == P_LCP:
                self._lcp(code, ident, data)
            elif proto == P_PAP:
                self._pap(code, ident, data)
            elif proto == P_CHAP:
                self._chap(code, ident, data)
            elif proto == P_IPCP:
                self._ipcp(code, ident, data)
            elif self.phase in ("ipcp", "up") and not self.silent:
                # section 5.7: Protocol-Reject what we do not speak
                self.send(P_LCP, wire.cp(wire.PROTREJ, 0x66, struct.pack(">H", proto) + info))
        except wire.WireError:
            self.counts["bad"] += 1
        return None

    def _lcp(self, code, ident, data):
        if self.done or self.silent:
            return
        if code == CONFREQ:
            if self.phase != "lcp":
                # section 4.3: a Configure-Request when opened restarts negotiation;
                # keep it simple and treat it as the session going away
                self.fail("LCP renegotiation")
                return
            self._start_now()
            if self.silent:
                return
            self.send(P_LCP, self._answer_lcp(ident, data))
        elif code in (CONFACK, CONFNAK, wire.CONFREJ):
            if self.phase == "lcp":
                self.lcp.answer(code, ident, data)
        elif code == TERMREQ:
            self.counts["term"] += 1
            self.send(P_LCP, wire.cp(TERMACK, ident))
            self.finish("peer Terminate-Request")
            return
        elif code == TERMACK:
            self.finish("Terminate-Ack")
            return
        elif code == ECHOREQ:
            if self.phase != "lcp":
                self.counts["echo"] += 1
                self.send(P_LCP, wire.cp(ECHOREP, ident, struct.pack(">I", self.magic) + data[4:]))
            return
        if self.phase == "lcp" and self.lcp.acked and self.lcp_peer_acked:
            self._lcp_opened()

    def _answer_lcp(self, ident, data):
        ack, nak, rej = [], [], []
        for t, v in wire.parse_opts(data):
            if t == wire.O_AUTH:
                got = None
                if v[:2] == b"\xc0\x23":
                    got = "pap"
                elif v[:2] == b"\xc2\x23" and v[2:3] == bytes((CHAP_MD5,)):
                    got = "chap"
                if got == self.auth_pref:
                    self.auth = got
                    ack.append((t, v))
                elif self.auth_pref == "pap":
                    nak.append((t, b"\xc0\x23"))
                else:
                    nak.append((t, b"\xc2\x23" + bytes((CHAP_MD5,))))
            elif t in (wire.O_MRU, wire.O_ACCM, wire.O_MAGIC, wire.O_PFC, wire.O_ACFC):
                if t == wire.O_MAGIC and v == struct.pack(">I", self.magic):
                    nak.append((t, struct.pack(">I", self.magic ^ 0x5A5A5A5A)))
                else:
                    ack.append((t, v))
            else:
                rej.append((t, v))
        # section 5.3/5.4: Reject wins over Nak, Nak over Ack
        if rej:
            return wire.cp(CONFREJ, ident, wire.opts(rej))
        if nak:
            return wire.cp(CONFNAK, ident, wire.opts(nak))
        self.lcp_peer_acked = True
        return wire.cp(CONFACK, ident, data)

    def _lcp_opened(self):
        self.phase = "auth"
        self.stage("auth")
        if self.silent or self.stalled or self.done:
            return
        if self.auth == "pap":
            self._pap_send()
        elif self.auth is None:
            self._auth_ok()
        # chap: wait for the Challenge

    def _pap_send(self):
        self.pap_timer = None
        if self.silent or self.stalled or self.done or self.phase != "auth":
            return
        if self.pap_tries >= MAX_CONFIGURE:
            self.fail("PAP unanswered")
            return
        self.pap_tries += 1
        self.pap_id = (self.pap_id + 1) & 0xFF
        body = bytes((len(self.user),)) + self.user + bytes((len(self.password),)) + self.password
        self.send(P_PAP, wire.cp(PAP_AUTH_REQ, self.pap_id, body))
        self.pap_timer = self.loop.call_later(RESTART_S, self._pap_send)

    def _pap(self, code, ident, data):
        if self.done or self.silent or self.stalled or self.phase != "auth" or self.auth != "pap":
            return
        if ident != self.pap_id:
            return
        if code == PAP_ACK:
            self._auth_ok()
        elif code == PAP_NAK:
            self.fail("PAP Nak")

    def _chap(self, code, ident, data):
        if self.done or self.silent or self.stalled or self.phase != "auth" or self.auth != "chap":
            return
        if code == CHAP_CHALLENGE:
            if len(data) < 1 or len(data) < 1 + data[0]:
                raise wire.WireError("CHAP challenge length")
            challenge = data[1:1 + data[0]]
            # RFC 1994 section 4.1: MD5 over Identifier, secret, Challenge
            resp = hashlib.md5(bytes((ident,)) + self.password + challenge).digest()
            self.send(P_CHAP, wire.cp(CHAP_RESPONSE, ident, bytes((16,)) + resp + self.user))
        elif code == CHAP_SUCCESS:
            self._auth_ok()
        elif code == CHAP_FAILURE:
            self.fail("CHAP Failure")

    def _auth_ok(self):
        if self.pap_timer is not None:
            self.pap_timer.cancel()
            self.pap_timer = None
        self.phase = "ipcp"
        self.ipcp.send()
        self.stage("ipcp")

    def _ipcp(self, code, ident, data):
        if self.done or self.silent or self.stalled or self.phase not in ("ipcp", "up"):
            return
        if code == CONFREQ:
            ack, rej = [], []
            for t, v in wire.parse_opts(data):
                # RFC 1332 section 3.3: 0.0.0.0 asks us for an address; a client
                # has none to give, so that is rejected like anything unknown
                ok = t == wire.O_IPADDR and len(v) == 4 and v != bytes(4)
                (ack if ok else rej).append((t, v))
            if rej:
                self.send(P_IPCP, wire.cp(CONFREJ, ident, wire.opts(rej)))
            else:
                self.ipcp_peer_acked = True
                self.send(P_IPCP, wire.cp(CONFACK, ident, data))
        elif code in (CONFACK, CONFNAK, CONFREJ):
            if code == CONFREJ:
                self.fail("IPCP rejected IP-Address")
                return
            self.ipcp.answer(code, ident, data)
        elif code == TERMREQ:
            self.send(P_IPCP, wire.cp(TERMACK, ident))
            self.fail("IPCP Terminate-Request")
            return
        if self.phase == "ipcp" and self.ipcp.acked and self.ipcp_peer_acked:
            addr = dict(self.ipcp.options)[wire.O_IPADDR]
            if addr == bytes(4):
                self.fail("IPCP acked 0.0.0.0")
                return
            self.addr = addr
            self.phase = "up"
            self.up_cb(addr)
