# SPDX-License-Identifier: BSD-3-Clause
"""The L2TP control connection's reliable delivery (RFC 2661 section 5.8):
Ns/Nr modulo 2^16, the peer's receive window, retransmission with an
exponential back-off, ZLB acknowledgements, and re-acknowledged duplicates."""
from collections import deque

import wire


class Reliable:
    """One tunnel's control channel. send_raw(bytes) puts a datagram on the wire;
    on_fail(why) is called once when retransmissions are exhausted."""

    def __init__(self, loop, send_raw, on_fail, rtx_initial=1.0, rtx_max=4.0, retries=5):
        self.loop = loop
        self.send_raw = send_raw
        self.on_fail = on_fail
        self.rtx_initial, self.rtx_max, self.retries = rtx_initial, rtx_max, retries
        self.peer_tid = 0          # 0 until the SCCRP names it (section 3.1)
        self.ns = 0                # Ns of our next message
        self.nr = 0                # Ns we expect next from the peer
        self.peer_rws = 4          # section 4.4.3: default when no RWS AVP
        self.unacked = deque()     # (ns, sid, avps) sent, waiting for an ack
        self.pending = deque()     # (ns, sid, avps) held back by the window
        self.timer = None
        self.tries = 0
        self.rto = rtx_initial
        self.ack_owed = False
        self.silent = False
        self.stats = {"tx": 0, "rx": 0, "zlb_tx": 0, "zlb_rx": 0, "rtx": 0, "dup": 0,
                      "ooo": 0}

    # ---- sending
    def send(self, sid, avps):
        """Queue one control message (section 5.8: each takes the next Ns)."""
        item = (self.ns, sid, avps)
        self.ns = (self.ns + 1) & 0xFFFF
        if len(self.unacked) < self.peer_rws:
            self._xmit(item)
            self.unacked.append(item)
            self._arm()
        else:
            self.pending.append(item)

    def _xmit(self, item):
        ns, sid, avps = item
        if self.silent:
            return
        # a message always carries the newest Nr: it acks what we received
        self.send_raw(wire.control(self.peer_tid, sid, ns, self.nr, avps))
        self.ack_owed = False
        self.stats["tx"] += 1

    def zlb(self):
        """A Zero-Length Body ack (section 5.8) with our next Ns, not consumed."""
        if self.silent:
            return
        self.send_raw(wire.control(self.peer_tid, 0, self.ns, self.nr))
        self.ack_owed = False
        self.stats["zlb_tx"] += 1

    def flush_ack(self):
        if self.ack_owed:
            self.zlb()

    def _arm(self):
        if self.timer is None and self.unacked and not self.silent:
            self.timer = self.loop.call_later(self.rto, self._expire)

    def _expire(self):
        self.timer = None
        if self.silent or not self.unacked:
            return
        if self.tries >= self.retries:
            self.stop()
            self.on_fail("retransmissions exhausted (%s)" % self.retries)
            return
        self.tries += 1
        self.stats["rtx"] += 1
        # section 5.8: resend from the oldest unacknowledged, back off
        for item in self.unacked:
            self._xmit(item)
        self.rto = min(self.rto * 2, self.rtx_max)
        self._arm()

    def stop(self):
        """Forget the timers (the tunnel is done or the peer vanishes)."""
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None

    def go_silent(self):
        self.silent = True
        self.stop()

    # ---- receiving
    def receive(self, m):
        """Process the Ns/Nr of a control message. Returns True when it is the
        next in order and carries a message for the caller (ack owed)."""
        self.stats["rx"] += 1
        self._acked(m.nr)
        if m.mtype is None:                       # ZLB
            self.stats["zlb_rx"] += 1
            return False
        if m.ns == self.nr:
            self.nr = (self.nr + 1) & 0xFFFF
            self.ack_owed = True
            return True
        if wire.seq_lt(m.ns, self.nr):
            # a retransmission of something we have: our ack was lost, ack again
            self.stats["dup"] += 1
            self.zlb()
        else:
            # ahead of a gap: drop it, the peer resends in order
            self.stats["ooo"] += 1
        return False

    def _acked(self, nr):
        progressed = False
        while self.unacked and wire.seq_lt(self.unacked[0][0], nr):
            self.unacked.popleft()
            progressed = True
        if not progressed:
            return
        self.tries = 0
        self.rto = self.rtx_initial
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        while self.pending and len(self.unacked) < self.peer_rws:
            item = self.pending.popleft()
            self._xmit(item)
            self.unacked.append(item)
        self._arm()

    def idle(self):
        """Everything we sent is acknowledged."""
        return not self.unacked and not self.pending
