# SPDX-License-Identifier: BSD-3-Clause
"""One LAC call: an L2TP tunnel (RFC 2661 section 7.2 LAC side), one incoming
call in it (section 7.4.1), PPP to IPCP up, one UDP round trip through the LNS,
then a disconnect. Any step can be the point where the peer vanishes."""
import errno
import json
import socket
import subprocess
import threading
import time

import wire
from ctrl import Reliable
from ppp import PppClient

L2TP_PORT = 1701
# Stages, in order, at which a client can be told to go silent.
STAGES = ("sccrq", "sccrp-ack", "icrq", "iccn", "lcp", "auth", "ipcp", "up")
# Ways a cycle ends: our CDN, our StopCCN, LCP Terminate-Request, lnsctl clear session.
DISCONNECTS = ("cdn", "stopccn", "lcpterm", "admin")
ECHO_TRIES = 7
ECHO_RETRY_S = 0.1       # doubles per try: the LNS may publish the address a moment
                         # after we see IPCP open, and resolve our MAC on the way back
LINGER_S = 1.0          # answer a retransmitted StopCCN after we are done


class Params:
    """What one client does. Plain attributes, set by the caller."""

    def __init__(self, **kw):
        self.lns = "192.0.2.1"
        self.src = "0.0.0.0"
        self.host = "l2tpc"
        self.user, self.password, self.auth = "alice", "secret1", "pap"
        self.disc = "cdn"
        self.vanish = None         # a STAGES name or None
        self.scope = "all"         # all: L2TP and PPP go silent; ppp: PPP only;
                                   # stall: the stage's protocol only (LCP Echo goes on)
        self.echo = ("198.51.100.2", 9999)
        self.timeout = 30.0
        self.tid = 1               # our Assigned Tunnel ID
        self.sid = 1               # our Assigned Session ID
        self.serial = 1
        self.lnsctl = None         # argv prefix of lnsctl, for disc == admin
        self.rtx = (1.0, 4.0, 5)   # initial, max, retries of our control messages
        self.lcp_passive = False   # wait for the LNS's LCP Configure-Request first
        self.until = None          # a STAGES name: StopCCN once there (probe)
        self.__dict__.update(kw)


class Client:
    def __init__(self, loop, p, on_done):
        self.loop, self.p, self.on_done = loop, p, on_done
        self.sock = None
        self.peer = (p.lns, L2TP_PORT)
        self.rel = Reliable(loop, self._send_raw, self._ctrl_failed, *p.rtx)
        self.ppp = None
        self.peer_sid = 0
        self.lns_tid = None        # the LNS's tunnel id (from SCCRP)
        self.lns_sid = None        # the LNS's session id (from ICRP)
        self.state = "idle"        # L2TP tunnel: wait-ctl-reply, established, closing, done
        self.call = "none"         # session: wait-reply, established, down
        self.stage_reached = None
        self.silent = False
        self.result = None         # None while running, then dict
        self.t0 = time.monotonic()
        self.t_vanish = None
        self.events = []           # (t, what) for vanished clients: what the LNS did
        self.disconnecting = False
        self.addr = None
        self.echo_tries = 0
        self.echo_timer = None
        self.echo_payload = None
        self.timer = None
        self.bad = 0
        self.admin_error = None
        self.cdn_result = None
        self.stop_result = None
        self.stage_t = {}

    # ---- life
    def start(self):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setblocking(False)
        s.bind((self.p.src, 0))
        self.sock = s
        self.loop.add_reader(s, self._readable)
        if self.p.vanish is None:
            self.timer = self.loop.call_later(self.p.timeout, self._timeout)
        self.state = "wait-ctl-reply"
        # section 6.1: SCCRQ with Protocol Version, Host Name, Framing Capabilities,
        # Assigned Tunnel ID; Receive Window Size is optional
        self.rel.send(0, wire.msg_type_avp(wire.SCCRQ)
                      + wire.avp16(wire.A_PROTO_VER, 0x0100)
                      + wire.avp(wire.A_HOST_NAME, self.p.host.encode())
                      + wire.avp32(wire.A_FRAMING_CAP, 0x3)
                      + wire.avp32(wire.A_BEARER_CAP, 0x3, mandatory=False)
                      + wire.avp16(wire.A_TUNNEL_ID, self.p.tid)
                      + wire.avp16(wire.A_RWS, 8, mandatory=False)
                      + wire.avp(wire.A_VENDOR, b"lnsd-test l2tpc", mandatory=False))
        self._stage("sccrq")

    def _stage(self, name):
        self.stage_reached = name
        self.stage_t[name] = time.monotonic() - self.t0
        if self.p.until == name and not self.disconnecting:
            # a probe: this far is enough, close the tunnel (our StopCCN)
            self.p.disc = "stopccn"
            self.disconnect()
            return
        if self.p.vanish == name and not self.silent:
            self.t_vanish = time.monotonic()
            if self.p.scope == "all":
                self.silent = True
                self.rel.go_silent()
                if self.echo_timer is not None:
                    self.echo_timer.cancel()
            if self.ppp is not None and self.p.scope == "stall":
                # the stage's protocol stops, LCP (Echo) goes on
                self.ppp.stalled = True
                self.ppp.ipcp.cancel()
                if self.ppp.pap_timer is not None:
                    self.ppp.pap_timer.cancel()
            elif self.ppp is not None:
                self.ppp.silent = True
                for c in (self.ppp.lcp, self.ppp.ipcp):
                    c.cancel()
                if self.ppp.pap_timer is not None:
                    self.ppp.pap_timer.cancel()

    def _note(self, what):
        if self.t_vanish is not None:
            self.events.append((round(time.monotonic() - self.t_vanish, 3), what))

    def finish(self, ok, why=""):
        if self.result is not None:
            return
        for t in (self.timer, self.echo_timer):
            if t is not None:
                t.cancel()
        if self.ppp is not None and not self.ppp.done:
            self.ppp.done = True
            for c in (self.ppp.lcp, self.ppp.ipcp):
                c.cancel()
            if self.ppp.pap_timer is not None:
                self.ppp.pap_timer.cancel()
        self.rel.stop()
        if not ok and self.rel.peer_tid and self.state == "established" and not self.silent:
            # a failed cycle still closes its tunnel, as a LAC would (section 6.4,
            # result 2: general error), so what lnsd keeps is only what it must
            self.rel.send(0, wire.msg_type_avp(wire.STOPCCN)
                          + wire.avp16(wire.A_TUNNEL_ID, self.p.tid) + wire.result_avp(2))
        self.result = {"ok": ok, "why": why, "stage": self.stage_reached,
                       "t": round(time.monotonic() - self.t0, 3), "disc": self.p.disc,
                       "host": self.p.host, "auth": self.p.auth, "lns_tid": self.lns_tid,
                       "lns_sid": self.lns_sid, "bad": self.bad, "rtx": self.rel.stats["rtx"],
                       "stage_t": self.stage_t}
        if self.admin_error:
            self.result["admin_error"] = self.admin_error
        self.state = "done"
        self.loop.call_later(LINGER_S, self.close)
        self.on_done(self)

    def close(self):
        if self.sock is not None:
            self.loop.remove_reader(self.sock)
            self.sock.close()
            self.sock = None

    def _timeout(self):
        self.timer = None
        self.finish(False, "timeout (tunnel %s, call %s, ppp %s)" % (
            self.state, self.call, self.ppp.phase if self.ppp else "-"))

    def _ctrl_failed(self, why):
        self.finish(False, why)

    # ---- I/O
    def _send_raw(self, b):
        if self.sock is None:
            return
        try:
            self.sock.sendto(b, self.peer)
        except OSError as e:
            if e.errno not in (errno.EAGAIN, errno.ENOBUFS, errno.ECONNREFUSED):
                raise

    def _readable(self, sock):
        for _ in range(64):
            try:
                b, addr = sock.recvfrom(4096)
            except (BlockingIOError, InterruptedError):
                return
            except ConnectionRefusedError:
                continue
            if addr[0] != self.p.lns:
                self.bad += 1
                continue
            try:
                m = wire.parse_l2tp(b)
            except wire.WireError:
                self.bad += 1
                continue
            if self.state == "wait-ctl-reply" and m.ctrl:
                # section 8.1: the LNS may answer from another port; use it
                self.peer = addr
            if m.tid != self.p.tid:
                self.bad += 1
                continue
            if m.ctrl:
                self._control(m)
            else:
                self._data(m)
            if self.sock is None:
                return

    # ---- control
    def _control(self, m):
        if self.result is not None:
            # done: only acknowledge retransmissions (section 5.8 still applies)
            if m.mtype is not None:
                self.rel.silent = False
                self.rel.receive(m)
                self.rel.flush_ack()
            return
        if not self.rel.receive(m):
            if self.silent and m.mtype is not None:
                self._note("again: " + wire.MSG_NAMES.get(m.mtype, str(m.mtype)))
            return
        try:
            self._dispatch(m)
        except wire.WireError:
            self.bad += 1
        self.rel.flush_ack()

    def _dispatch(self, m):
        t = m.mtype
        if self.silent:
            # vanished: say nothing, but learn what the LNS does
            if t == wire.SCCRP and self.lns_tid is None:
                self.lns_tid = wire.avp_u16(m.avps, wire.A_TUNNEL_ID)
            self._note(wire.MSG_NAMES.get(t, str(t)))
            return
        if t == wire.SCCRP and self.state == "wait-ctl-reply":
            tid = wire.avp_u16(m.avps, wire.A_TUNNEL_ID)
            if not tid:
                self.finish(False, "SCCRP without Assigned Tunnel ID")
                return
            self.lns_tid = self.rel.peer_tid = tid
            rws = wire.avp_u16(m.avps, wire.A_RWS)
            if rws:
                self.rel.peer_rws = rws
            self.state = "established"
            self.rel.send(0, wire.msg_type_avp(wire.SCCCN))
            self._stage("sccrp-ack")
            if self.silent:
                return
            # section 7.4.1: ICRQ with Assigned Session ID and Call Serial Number
            self.call = "wait-reply"
            self.rel.send(0, wire.msg_type_avp(wire.ICRQ)
                          + wire.avp16(wire.A_SESSION_ID, self.p.sid)
                          + wire.avp32(wire.A_CALL_SERIAL, self.p.serial)
                          + wire.avp32(wire.A_BEARER_TYPE, 0x2, mandatory=False))
            self._stage("icrq")
        elif t == wire.ICRP and self.call == "wait-reply":
            sid = wire.avp_u16(m.avps, wire.A_SESSION_ID)
            if not sid or m.sid != self.p.sid:
                self.finish(False, "bad ICRP")
                return
            self.lns_sid = self.peer_sid = sid
            self.call = "established"
            # section 6.12: ICCN with (Tx) Connect Speed and Framing Type
            self.rel.send(sid, wire.msg_type_avp(wire.ICCN)
                          + wire.avp32(wire.A_TX_SPEED, 100000000)
                          + wire.avp32(wire.A_FRAMING_TYPE, 0x1))
            self._stage("iccn")
            self.ppp = PppClient(self.loop, self.p.user, self.p.password, self.p.auth,
                                 self._ppp_send, self._stage, self._ppp_up, self._ppp_down,
                                 passive=self.p.lcp_passive)
            if self.p.vanish == "iccn":
                self.ppp.silent = True   # PPP never speaks, whatever the scope
            else:
                self.ppp.start()
        elif t == wire.CDN:
            self.cdn_result = wire.result_code(m.avps)
            self.call = "down"
            self._note("CDN %s" % (self.cdn_result,))
            if self.ppp is not None and not self.ppp.done:
                self.ppp.done = True
                for c in (self.ppp.lcp, self.ppp.ipcp):
                    c.cancel()
            if not self.disconnecting and self.p.vanish is None:
                self.finish(False, "CDN from LNS %s in stage %s" % (self.cdn_result,
                                                                     self.stage_reached))
            # the tunnel stays; the LNS's StopCCN (single-shot, idle timeout) ends it
        elif t == wire.STOPCCN:
            self.stop_result = wire.result_code(m.avps)
            self._note("StopCCN %s" % (self.stop_result,))
            self.state = "done"
            self.rel.flush_ack()
            if self.disconnecting or self.p.vanish is not None:
                self.finish(True, "StopCCN from LNS %s" % (self.stop_result,))
            else:
                self.finish(False, "StopCCN from LNS %s in stage %s" % (self.stop_result,
                                                                         self.stage_reached))
        elif t == wire.HELLO:
            pass                      # acked by the caller's flush_ack
        elif t in (wire.SCCRP, wire.ICRP):
            pass                      # a duplicate in a later state: acked, ignored

    # ---- data / PPP
    def _data(self, m):
        if m.sid != self.p.sid or self.ppp is None:
            self.bad += 1
            return
        r = self.ppp.input(m.payload)
        if r is not None:
            self._ip(r[1])

    def _ppp_send(self, proto, body):
        if self.silent or self.sock is None:
            return
        self._send_raw(wire.data(self.rel.peer_tid, self.peer_sid, wire.ppp(proto, body)))

    def _ppp_down(self, why):
        self._note("PPP down: %s" % why)
        if self.p.vanish is not None or self.disconnecting:
            return
        self.finish(False, "PPP down in stage %s: %s" % (self.stage_reached, why))

    def _ppp_up(self, addr):
        self.addr = addr
        self.echo_payload = b"l2tpc %d %d %s" % (self.p.tid, self.p.serial,
                                                 socket.inet_ntoa(addr).encode())
        self._echo_send()

    def _echo_send(self):
        self.echo_timer = None
        if self.result is not None or self.silent:
            return
        if self.echo_tries >= ECHO_TRIES:
            self.finish(False, "no UDP echo through the LNS")
            return
        self.echo_tries += 1
        pkt = wire.ipv4_udp(self.addr, socket.inet_aton(self.p.echo[0]),
                            40000 + self.p.tid % 20000, self.p.echo[1], self.echo_payload,
                            ident=self.echo_tries)
        self.ppp.send(wire.P_IP, pkt)
        self.echo_timer = self.loop.call_later(ECHO_RETRY_S * 2 ** (self.echo_tries - 1),
                                               self._echo_send)

    def _ip(self, pkt):
        try:
            src, dst, sport, dport, payload = wire.parse_ipv4_udp(pkt)
        except wire.WireError:
            self.bad += 1
            return
        if (src != socket.inet_aton(self.p.echo[0]) or dst != self.addr
                or payload != self.echo_payload or self.echo_timer is None):
            self.bad += 1
            return
        self.echo_timer.cancel()
        self.echo_timer = None
        self._stage("up")
        if self.silent or (self.ppp is not None and self.ppp.silent):
            return
        self.disconnect()

    def disconnect(self):
        self.disconnecting = True
        d = self.p.disc
        if d == "cdn":
            # section 6.14: CDN with Result Code (3: administrative) and our session id
            self.call = "down"
            self.ppp.done = True
            self.rel.send(self.peer_sid, wire.msg_type_avp(wire.CDN) + wire.result_avp(3)
                          + wire.avp16(wire.A_SESSION_ID, self.p.sid))
        elif d == "stopccn":
            # section 6.4: StopCCN with our Assigned Tunnel ID and Result Code 1
            self.state = "closing"
            if self.ppp is not None:
                self.ppp.done = True
            self.rel.send(0, wire.msg_type_avp(wire.STOPCCN)
                          + wire.avp16(wire.A_TUNNEL_ID, self.p.tid) + wire.result_avp(1))
            self._wait_stop_acked()
        elif d == "lcpterm":
            self.ppp.terminate()
        elif d == "admin":
            threading.Thread(target=self._admin_clear, daemon=True).start()
        elif d == "hold":
            # stay up until the caller disconnects us (fill)
            if self.timer is not None:
                self.timer.cancel()
                self.timer = None

    def _wait_stop_acked(self):
        if self.result is not None:
            return
        if self.rel.idle():
            self.finish(True, "our StopCCN acked")
        else:
            self.loop.call_later(0.05, self._wait_stop_acked)

    def _admin_clear(self):
        """lnsctl clear session HANDLE, the handle found by our ids in show sessions."""
        try:
            out = subprocess.run(self.p.lnsctl + ["--json", "show", "sessions"],
                                 capture_output=True, timeout=20, check=True).stdout
            handle = None
            for h, s in json.loads(out).items():
                if (isinstance(s, dict) and s.get("tunnel") == self.lns_tid
                        and s.get("session") == self.lns_sid):
                    handle = h
            if handle is None:
                self.admin_error = "session %s/%s not in lnsctl show sessions" % (
                    self.lns_tid, self.lns_sid)
                return
            subprocess.run(self.p.lnsctl + ["clear", "session", handle], capture_output=True,
                           timeout=20, check=True)
        except (subprocess.SubprocessError, OSError, ValueError) as e:
            self.admin_error = str(e)


def rss_kb(pid):
    """VmRSS of a process in kB, or None."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


# DPDK's own memory as it appears in /proc/PID/smaps: the --no-huge memfd, hugepage
# files, and the fbarray/config files under DPDK's runtime directory
DPDK_MAPS = ("memfd:nohuge", "/rtemap_", "/fbarray_", "/dpdk/")


def rss_split_kb(pid):
    """(VmRSS outside DPDK's memory, VmRSS of DPDK's memory) in kB, or None.

    DPDK reserves its memory at start; under --no-huge the kernel backs it page by
    page on first touch, so that part grows while the mbuf pool and tables are first
    used and is bounded by what DPDK allocated (checked through /eal/heap_info). The
    rest (libc heap, stacks, libraries) is what a malloc leak would grow."""
    other = dpdk = 0
    try:
        with open("/proc/%d/smaps" % pid) as f:
            is_dpdk = False
            for line in f:
                head = line.split(None, 5)
                if head and "-" in head[0] and len(head) >= 5 and not head[0].endswith(":"):
                    name = head[5].strip() if len(head) > 5 else ""
                    is_dpdk = any(m in name for m in DPDK_MAPS)
                elif line.startswith("Rss:"):
                    kb = int(line.split()[1])
                    if is_dpdk:
                        dpdk += kb
                    else:
                        other += kb
    except OSError:
        return None
    return other, dpdk

