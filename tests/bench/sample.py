#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Measure and verify one benchmark row of a running DPDK forwarder (tests/bench/run.sh).

    sample.py PREFIX IN_PORT OUT_PORT APP WINDOW [SLICE]

Every side of the bench (lnsd, ipsec-secgw, dpdk-testpmd) is measured by this one
script, the same way: it talks to the process's DPDK telemetry socket
(/var/run/dpdk/PREFIX/dpdk_telemetry.v2), waits until packets leave OUT_PORT, lets
1 s pass, then reads /ethdev/stats of both ports (and APP's own drop counters) every
SLICE seconds through WINDOW seconds. Each sample is timed by this script's monotonic
clock (the midpoint of its requests). The rate is the MEDIAN of the slices' OUT_PORT
opackets rates (a shared machine slows some slices; the median is the honest middle);
best slice and window mean are printed beside it.

Verification over the window: packets received on IN_PORT = packets sent on OUT_PORT
+ counted drops (IN_PORT imissed/ierrors/rx_nombuf, OUT_PORT oerrors, the app's drop
counters), to within the packets in flight between two reads (TOL_ABS + TOL_REL of
the received). A row that does not balance, or whose counted drops exceed
DROP_MAX of what it received (a forwarder that discards its input is not measured
forwarding), is INVALID with the reason.

APP: lnsd (drops: every reason of /lns/stats), secgw (/examples/ipsec_secgw/stats
"packets_dropped", the names secgw.sh gives them), testpmd (none: io forwarding has no drop counter of its own, so
any loss shows as unaccounted).

Prints one JSON object.
"""
import json
import os
import socket
import statistics
import sys
import time

TOL_ABS = 8192      # mbufs in rings, bursts and the crypto queue between two reads
TOL_REL = 0.002
DROP_MAX = 0.001


class Tel:
    def __init__(self, prefix):
        path = "/var/run/dpdk/%s/dpdk_telemetry.v2" % prefix
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.s.connect(path)
        info = json.loads(self.s.recv(1 << 16))
        self.maxlen = int(info.get("max_output_len", 16384))

    def q(self, cmd):
        self.s.send(cmd.encode())
        r = json.loads(self.s.recv(self.maxlen + 1024))
        return r[cmd.split(",")[0]]


def connect(prefix, pid, timeout=120):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pid and not os.path.exists("/proc/%d" % pid):
            raise SystemExit(json.dumps({"valid": False, "why": "process exited"}))
        try:
            return Tel(prefix)
        except OSError:
            time.sleep(0.1)
    raise SystemExit(json.dumps({"valid": False, "why": "no telemetry socket"}))


def app_drops(tel, app):
    """Counted drops by name (cumulative), or None where the app has no counters."""
    if app == "lnsd":
        s = tel.q("/lns/stats")
        if s is None:           # -EAGAIN: the data plane is not up yet
            raise ValueError("lnsd not ready")
        d = dict(s["drops"])
        d["#sessions"] = s["lnsd"]["sessions"]     # not a drop: reported, not summed
        return d
    if app == "secgw":
        s = tel.q("/examples/ipsec_secgw/stats")      # renamed by secgw.sh
        if s is None:
            raise ValueError("no ipsec-secgw stats")
        return {"secgw_dropped": s["packets_dropped"]}
    return {}


def sample(tel, inp, out, app):
    t0 = time.monotonic()
    a = tel.q("/ethdev/stats,%d" % inp)
    b = tel.q("/ethdev/stats,%d" % out) if out != inp else a
    d = app_drops(tel, app)
    t1 = time.monotonic()
    return {"t": (t0 + t1) / 2, "in": a, "out": b, "drops": d}


def main():
    prefix, inp, out, app, window = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), \
        sys.argv[4], float(sys.argv[5])
    sl = float(sys.argv[6]) if len(sys.argv) > 6 else 0.2
    pid = int(os.environ.get("SAMPLE_PID", "0"))
    tel = connect(prefix, pid)
    # wait until the forwarder forwards (lnsd answers -EAGAIN before its data plane)
    end = time.monotonic() + 120
    first = None
    ready = None
    while True:
        try:
            s = sample(tel, inp, out, app)
        except (TypeError, KeyError, OSError, ValueError):
            s = None
        if s is not None:
            if ready is None:
                ready = time.time()
            if first is None:
                first = s["out"]["opackets"]
            elif s["out"]["opackets"] > first:
                break
        if time.monotonic() > end:
            print(json.dumps({"valid": False, "why": "nothing forwarded in 120 s"}))
            return
        time.sleep(0.05)
    time.sleep(1.0)
    ss = [sample(tel, inp, out, app)]
    stop = ss[0]["t"] + window
    nxt = ss[0]["t"] + sl
    while nxt <= stop + 1e-6:
        time.sleep(max(0.0, nxt - time.monotonic()))
        ss.append(sample(tel, inp, out, app))
        nxt += sl
    rates = [(y["out"]["opackets"] - x["out"]["opackets"]) / (y["t"] - x["t"]) / 1e6
             for x, y in zip(ss, ss[1:])]
    a, b = ss[0], ss[-1]
    dd = lambda k, side: b[side][k] - a[side][k]
    rx = dd("ipackets", "in")
    tx = dd("opackets", "out")
    port_drops = {"in_imissed": dd("imissed", "in"), "in_ierrors": dd("ierrors", "in"),
                  "in_rx_nombuf": dd("rx_nombuf", "in"), "out_oerrors": dd("oerrors", "out")}
    drops = {k: v for k, v in port_drops.items() if v}
    extra = {}
    for k in b["drops"]:
        if k.startswith("#"):
            extra[k[1:]] = b["drops"][k]
            continue
        v = b["drops"][k] - a["drops"].get(k, 0)
        if v:
            drops[k] = v
    nd = sum(drops.values())
    gap = rx - tx - nd
    why = []
    if rx <= 0:
        why.append("nothing received")
    if abs(gap) > TOL_ABS + TOL_REL * rx:
        why.append("in %d != out %d + counted drops %d (%+d unaccounted)" % (rx, tx, nd, gap))
    idle = sum(1 for r in rates if r == 0)
    if idle:
        why.append("forwarded nothing in %d of %d slices (stalled)" % (idle, len(rates)))
    if rx > 0 and nd > DROP_MAX * rx:
        why.append("dropped %.1f%% of its input: %s" % (100.0 * nd / rx,
                   ",".join("%s=%d" % kv for kv in sorted(drops.items(), key=lambda kv: -kv[1])[:3])))
    res = dict(extra)
    res.update({
        "mpps": statistics.median(rates) if rates else 0.0,
        "best_mpps": max(rates) if rates else 0.0,
        "mean_mpps": tx / (b["t"] - a["t"]) / 1e6,
        "slices": len(rates),
        "window_s": b["t"] - a["t"],
        "in": rx, "out": tx, "drops": drops, "unaccounted": gap,
        "valid": not why, "why": "; ".join(why), "ready_at": ready,
    })
    print(json.dumps(res))


if __name__ == "__main__":
    main()
