#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""l2tpc: many independent L2TP LACs + PPP clients in one process, for lnsd's
churn and vanish tests. Non-secure L2TPv2 over UDP 1701 (RFC 2661), LCP
(RFC 1661), PAP (RFC 1334), CHAP-MD5 (RFC 1994), IPCP (RFC 1332); stdlib only,
one UDP socket (own source port) per client, all driven by one event loop.

Commands (checks print "OK what" or "FAIL what: why"; other lines start with "#"):
  echo   --bind IP:PORT                 UDP echo server (run it on the core side)
  churn  --cycles N --concurrency C ... connect / UDP round trip / disconnect cycles
  vanish --stages S,S.. ...             one client per stage (and scope, and host)
                                        goes silent there; waits until lnsd frees it
  fill   --count N --expect-up M        N clients up at once; exactly M get there
  probe  --until STAGE                  one client that far, then StopCCN (any LNS)
  self-test                             codec, transport and PPP checks (no lnsd)

A churn cycle: SCCRQ/SCCRP/SCCCN, ICRQ/ICRP/ICCN, LCP, PAP or CHAP-MD5, IPCP,
one UDP datagram from the assigned address to --echo and its echo back, then a
disconnect: our CDN, our StopCCN, LCP Terminate-Request, or (every
--admin-every cycles of the last --admin-tail) `lnsctl clear session`.
Vanish stages: sccrq sccrp-ack icrq iccn lcp auth ipcp up (see client.STAGES);
scope "all" silences L2TP and PPP, scope "ppp" only PPP (the LAC lives on).
"""
import argparse
import collections
import json
import os
import shlex
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import client as cl          # noqa: E402
from loop import Loop        # noqa: E402

PPP_STAGES = ("iccn", "lcp", "auth", "ipcp", "up")
# Scopes per stage besides "all", and the reason lnsd's PPP must give then
# (ppp-down "reason="): with LCP Echo still answered, the stage's own timer ends it.
SCOPES = {"iccn": {"ppp": "lcp-failed"}, "lcp": {"ppp": "lcp-failed"},
          "auth": {"stall": "auth-timeout"}, "ipcp": {"stall": "ipcp-failed"},
          "up": {"ppp": "keepalive"}}


def hostport(s):
    h, p = s.rsplit(":", 1)
    return h, int(p)


def csv(s):
    return [x for x in s.split(",") if x]


def say(ok, what, why=""):
    print(("OK " if ok else "FAIL ") + what + ("" if ok or not why else ": " + why), flush=True)


def log(*a):
    print("#", *a, flush=True)


# ------------------------------------------------------------------ echo ---

def cmd_echo(a):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    s.bind(hostport(a.bind))
    if a.ready:
        open(a.ready, "w").close()
    n = 0
    while True:
        b, addr = s.recvfrom(4096)
        s.sendto(b, addr)
        n += 1


# ----------------------------------------------------------------- churn ---

def params_for(a, i, **over):
    """Client i of a run: the mix of profiles (host names), auth and disconnects
    rotates so every combination recurs every few cycles."""
    hosts, auths, discs = csv(a.hosts), csv(a.auths), csv(a.discs)
    srcs = csv(a.src)
    tail = getattr(a, "admin_tail", 0)
    if a.admin_every and i >= a.cycles - tail and i % a.admin_every == a.admin_every - 1:
        disc = "admin"
    else:
        disc = discs[(i // (len(hosts) * len(auths))) % len(discs)]
    p = cl.Params(lns=a.lns, src=srcs[i % len(srcs)], host=hosts[i % len(hosts)],
                  user=a.user.replace("{i}", str(i)), password=a.password,
                  auth=auths[(i // len(hosts)) % len(auths)], disc=disc,
                  echo=hostport(a.echo), timeout=a.timeout,
                  tid=(a.tid_base + i) % 65535 + 1, sid=i % 60000 + 1, serial=i + 1,
                  lnsctl=shlex.split(a.lnsctl) if a.lnsctl else None,
                  lcp_passive=a.lcp_passive and not (a.lcp_active_every and
                                                      i % a.lcp_active_every == 0))
    p.__dict__.update(over)
    return p


def cmd_churn(a):
    loop = Loop()
    inflight = set()
    st = {"started": 0, "done": 0, "ok": 0}
    fails = collections.Counter()
    by = collections.Counter()
    samples = []
    stage_t = collections.defaultdict(list)
    mix_t = collections.defaultdict(list)
    out = {"cycles": a.cycles, "concurrency": a.concurrency}
    t_start = time.monotonic()

    def done(c):
        inflight.discard(c)
        st["done"] += 1
        r = c.result
        key = "%s/%s/%s" % (r["host"], r["auth"], r["disc"])
        by[key + (" ok" if r["ok"] else " failed")] += 1
        if r["ok"]:
            st["ok"] += 1
            samples.append(r["t"])
            mix_t[key].append(r["t"])
            for k, v in r["stage_t"].items():
                stage_t[k].append(v)
        else:
            fails[r["why"]] += 1
            if sum(fails.values()) <= 10:
                log("cycle failed:", json.dumps(r))
        if a.rss_pid and st["done"] == a.rss_at:
            out["rss_at_kb"] = cl.rss_kb(a.rss_pid)
            out["rss_at_cycles"] = a.rss_at
            split = cl.rss_split_kb(a.rss_pid)
            if split:
                out["rss_other_at_kb"], out["rss_dpdk_at_kb"] = split
            log("lnsd VmRSS after %d cycles: %s kB" % (a.rss_at, out["rss_at_kb"]))

    last = time.monotonic()
    limit = planned = a.cycles
    while st["done"] < limit:
        # --stop-file: the run's length is another test step's (test_reload_soak.sh)
        if a.stop_file and not st.get("stopped") and os.path.exists(a.stop_file):
            limit = planned = st["started"]
            st["stopped"] = True
            log("stop file: no new cycles after %d" % planned)
        # give up early rather than time out every remaining cycle: lnsd is
        # gone, or a twentieth of the cycles failed already
        if limit == planned and ((a.rss_pid and not os.path.exists("/proc/%d" % a.rss_pid))
                                  or st["done"] - st["ok"] > max(50, a.cycles // 20)):
            log("aborting: %s" % ("lnsd is gone" if a.rss_pid and
                                  not os.path.exists("/proc/%d" % a.rss_pid) else
                                  "too many failures"))
            limit = st["started"]
        # the admin tail runs with fewer in flight: `lnsctl show sessions`, where
        # the handle to clear is found, lists only as many as fit DPDK
        # telemetry's 16 KB reply (about 84)
        conc = a.concurrency
        if st["started"] >= a.cycles - a.admin_tail:
            conc = min(conc, a.admin_conc)
        while st["started"] < limit and len(inflight) < conc:
            c = cl.Client(loop, params_for(a, st["started"]), done)
            st["started"] += 1
            inflight.add(c)
            c.start()
        loop.run_once()
        if time.monotonic() - last >= a.progress:
            last = time.monotonic()
            el = last - t_start
            log("%d/%d done, %d failed, %d in flight, %.1f cycles/s" % (
                st["done"], a.cycles, st["done"] - st["ok"], len(inflight), st["done"] / el))
    # let the last clients' linger (re-acks) run out
    loop.run_until(lambda: False, timeout=cl.LINGER_S + 0.1)
    el = time.monotonic() - t_start
    samples.sort()
    out.update(cycles=planned, ok=st["ok"], failed=planned - st["ok"], elapsed_s=round(el, 2),
               cycles_per_s=round(st["done"] / el, 1), fail_reasons=dict(fails),
               by_mix=dict(sorted(by.items())),
               cycle_s_median=samples[len(samples) // 2] if samples else None,
               cycle_s_p99=samples[int(len(samples) * 0.99)] if samples else None,
               cycle_s_median_by_mix={k: round(sorted(v)[len(v) // 2], 3)
                                      for k, v in sorted(mix_t.items())},
               stage_s_median={k: round(sorted(v)[len(v) // 2], 3) for k, v in stage_t.items()})
    log("churn:", json.dumps(out))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(out, f)
    say(st["ok"] == planned, "%d of %d cycles completed" % (st["ok"], planned),
        "%d failed: %s" % (planned - st["ok"], dict(fails.most_common(5))))
    return 0 if st["ok"] == planned else 1


# ------------------------------------------------------------------ fill ---

def cmd_fill(a):
    """--count clients connect at once and hold; exactly --expect-up of them must
    come up (the pool's size: proves every address went back to the pool)."""
    loop = Loop()
    clients = []
    for i in range(a.count):
        c = cl.Client(loop, params_for(a, i, disc="hold", timeout=a.timeout), lambda c: None)
        clients.append(c)
        c.start()

    def settled(c):
        return c.result is not None or c.stage_reached == "up"
    loop.run_until(lambda: all(settled(c) for c in clients), timeout=a.timeout + 5)
    up = [c for c in clients if c.stage_reached == "up" and c.result is None]
    failed = [c for c in clients if c.result is not None]
    log("fill: %d up, %d failed: %s" % (len(up), len(failed), collections.Counter(
        c.result["why"] for c in failed)))
    if a.hold:
        loop.run_until(lambda: False, timeout=a.hold)
    for c in up:
        c.p.disc = "stopccn"
        c.disconnect()
    loop.run_until(lambda: all(c.result is not None for c in up), timeout=20)
    loop.run_until(lambda: False, timeout=cl.LINGER_S + 0.1)
    ok = len(up) == a.expect_up
    say(ok, "%d clients at once: %d got an address (want %d)" % (a.count, len(up), a.expect_up))
    dis = [c for c in up if not c.result["ok"]]
    say(not dis, "the %d held clients disconnect cleanly" % len(up),
        "; ".join(c.result["why"] for c in dis[:3]))
    return 0 if ok and not dis else 1


# ----------------------------------------------------------------- probe ---

def cmd_probe(a):
    """One client up to --until against any LNS, then our StopCCN: proves the
    harness against an independent implementation (xl2tpd + slirp)."""
    loop = Loop()
    c = cl.Client(loop, params_for(a, 0, until=a.until, disc="stopccn"), lambda c: None)
    c.start()
    loop.run_until(lambda: c.result is not None, timeout=a.timeout + 5)
    r = c.result or {"ok": False, "why": "no result", "stage": c.stage_reached}
    log("probe:", json.dumps(r))
    order = list(cl.STAGES)
    reached = r.get("stage") in order and order.index(r["stage"]) >= order.index(a.until)
    say(reached, "reached %s (%s)" % (a.until, ",".join(r.get("stage_t", {}))),
        "stopped at %s: %s" % (r.get("stage"), r.get("why")))
    say(r["ok"], "tunnel closed by our StopCCN, acknowledged", r.get("why", ""))
    return 0 if reached and r["ok"] else 1


# ---------------------------------------------------------------- vanish ---

class Poller(threading.Thread):
    """Polls `lnsctl --json show tunnels` and notes when each tunnel id was last
    listed (a tunnel's record lives until its destruct timeout ends)."""

    def __init__(self, lnsctl, period):
        super().__init__(daemon=True)
        self.lnsctl, self.period = lnsctl, period
        self.last_seen = {}
        self.t_poll = None
        self.errors = 0
        self.lock = threading.Lock()
        self.stop = False

    def run(self):
        while not self.stop:
            t = time.monotonic()
            try:
                out = subprocess.run(self.lnsctl + ["--json", "show", "tunnels"],
                                     capture_output=True, timeout=20, check=True).stdout
                tids = {int(k) for k, v in json.loads(out).items() if isinstance(v, dict)}
                with self.lock:
                    for tid in tids:
                        self.last_seen[tid] = t
                    self.t_poll = t
            except (subprocess.SubprocessError, OSError, ValueError):
                self.errors += 1
            time.sleep(self.period)

    def gone_since(self, tid, since):
        """Time the tunnel was first seen gone after `since`, or None."""
        with self.lock:
            if self.t_poll is None or self.t_poll <= since:
                return None
            seen = self.last_seen.get(tid)
            if seen is not None and seen >= self.t_poll:
                return None
            return self.t_poll


def fetch_events(lnsctl):
    """The whole event log: `show events` has only the newest 64, so page
    through /lns/events,AFTER_SEQ (64 a time, as lnsd answers)."""
    evs, after = {}, 0
    while True:
        out = subprocess.run(lnsctl + ["raw", "/lns/events,%d" % after], capture_output=True,
                             timeout=20, check=True).stdout
        page = json.loads(out)
        if len(page) == 1 and next(iter(page)).startswith("/"):
            page = next(iter(page.values()))
        page = {k: v for k, v in page.items() if isinstance(v, dict)}
        if not page:
            return evs
        evs.update(page)
        after = max(int(k) for k in page)


def expected(stage, scope):
    """What lnsd must log for a tunnel whose peer vanished there: events, and
    the ppp-down reason where one timer alone can end it."""
    ev = ["tunnel-destroyed", "destruct-begin", "destruct-end"]
    if stage != "sccrq":
        ev.insert(0, "tunnel-up")
    if stage in ("icrq",) + PPP_STAGES:
        ev.append("session-down")
    if scope != "all":
        ev.append("ppp-down")
    return ev, SCOPES.get(stage, {}).get(scope)


def cmd_vanish(a):
    loop = Loop()
    lnsctl = shlex.split(a.lnsctl)
    clients = []
    i = 0
    hosts, auths = csv(a.hosts), csv(a.auths)
    for stage in csv(a.stages):
        for scope in ["all"] + list(SCOPES.get(stage, {})):
            for hi, host in enumerate(hosts):
                p = params_for(a, i, host=host, auth=auths[hi % len(auths)], vanish=stage,
                               scope=scope, disc="cdn")
                clients.append(cl.Client(loop, p, lambda c: None))
                i += 1
    poller = Poller(lnsctl, a.poll)
    poller.start()
    for c in clients:
        c.start()
    t_start = time.monotonic()

    def gone(c):
        if c.t_vanish is None or c.lns_tid is None:
            return False
        if getattr(c, "t_gone", None) is None:
            c.t_gone = poller.gone_since(c.lns_tid, c.t_vanish)
        return c.t_gone is not None

    # every client is looked at each turn (no short cut): t_gone is when it went
    loop.run_until(lambda: all([gone(c) for c in clients]), timeout=a.deadline)
    poller.stop = True
    for c in clients:
        c.close()
    try:
        evs = fetch_events(lnsctl)
    except (subprocess.SubprocessError, OSError, ValueError) as e:
        say(False, "lnsctl raw /lns/events", str(e))
        evs = {}
    by_tid = collections.defaultdict(list)
    for k, e in sorted(evs.items(), key=lambda kv: int(kv[0])):
        if isinstance(e, dict) and e.get("tunnel") is not None:
            by_tid[e["tunnel"]].append(e)
    rows = []
    bad = 0
    for c in clients:
        p = c.p
        name = "vanish after %s (scope %s, %s, %s)" % (p.vanish, p.scope, p.host, p.auth)
        if c.t_vanish is None:
            say(False, name, "never reached the stage (%s)" % (c.result or c.stage_reached))
            bad += 1
            continue
        tev = by_tid.get(c.lns_tid, [])
        names = [e["event"] for e in tev]
        t_clean = None if getattr(c, "t_gone", None) is None else c.t_gone - c.t_vanish
        detail = {e["event"]: e.get("detail", "") for e in tev
                  if e["event"] in ("session-down", "tunnel-destroyed", "stopccn-sent",
                                    "ppp-down")}
        rows.append({"stage": p.vanish, "scope": p.scope, "host": p.host, "auth": p.auth,
                     "lns_tid": c.lns_tid, "clean_s": None if t_clean is None else
                     round(t_clean, 2), "events": names, "detail": detail,
                     "client_saw": c.events[:12]})
        ok = t_clean is not None
        say(ok, "%s: lnsd freed tunnel %s %s" % (
            name, c.lns_tid, "%.1f s after the peer went silent" % t_clean if ok else ""),
            "still listed after %d s" % a.deadline)
        want, reason = expected(p.vanish, p.scope)
        missing = [e for e in want if e not in names]
        if reason and "reason=" + reason not in detail.get("ppp-down", ""):
            missing.append("ppp-down reason=" + reason)
        if p.vanish == "sccrq" and "tunnel-up" in names:
            missing.append("no tunnel-up")
        say(not missing, "%s: events %s%s" % (name, ",".join(dict.fromkeys(names)),
                                              " (%s)" % reason if reason else ""),
            "missing " + ",".join(missing))
        bad += (not ok) + bool(missing)
        if p.vanish in ("sccrq", "icrq") and p.scope == "all":
            # section 5.8: lnsd resends the unacknowledged SCCRP / ICRP
            again = [w for _, w in c.events if w.startswith("again: ")]
            say(again, "%s: lnsd retransmitted (%d seen)" % (name, len(again)),
                "no retransmission seen")
            bad += not again
    log("vanish results:", json.dumps(rows, indent=1))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(rows, f, indent=1)
    log("vanish: %d clients, %.1f s" % (len(clients), time.monotonic() - t_start))
    return 1 if bad else 0


# ------------------------------------------------------------- self-test ---

def cmd_self_test(a):
    import selftest
    return selftest.run()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)

    def common(p):
        p.add_argument("--lns", default="192.0.2.1")
        p.add_argument("--src", default="0.0.0.0", help="source addresses, comma separated")
        p.add_argument("--echo", default="198.51.100.2:9999")
        p.add_argument("--hosts", default="l2tpc", help="Host Name AVPs (profiles), rotated")
        p.add_argument("--auths", default="pap", help="pap,chap rotated")
        p.add_argument("--discs", default="cdn,stopccn,lcpterm")
        p.add_argument("--admin-every", type=int, default=0,
                       help="every Nth cycle of the admin tail ends by lnsctl clear session")
        p.add_argument("--user", default="alice", help="{i} becomes the client's index")
        p.add_argument("--password", default="secret1")
        p.add_argument("--timeout", type=float, default=30.0)
        p.add_argument("--tid-base", type=int, default=0)
        p.add_argument("--lnsctl", default="", help="lnsctl command (for admin clears)")
        p.add_argument("--json")
        p.add_argument("--lcp-passive", action="store_true",
                       help="send our LCP Configure-Request when the LNS's arrives")
        p.add_argument("--lcp-active-every", type=int, default=0,
                       help="but every Nth client sends it at once, after ICCN")

    p = sub.add_parser("echo")
    p.add_argument("--bind", required=True)
    p.add_argument("--ready")
    p = sub.add_parser("churn")
    common(p)
    p.add_argument("--cycles", type=int, default=10000)
    p.add_argument("--concurrency", type=int, default=50)
    p.add_argument("--admin-tail", type=int, default=0,
                   help="the last N cycles mix in admin clears, fewer in flight")
    p.add_argument("--admin-conc", type=int, default=40)
    p.add_argument("--rss-pid", type=int, default=0)
    p.add_argument("--rss-at", type=int, default=100)
    p.add_argument("--progress", type=float, default=10.0)
    p.add_argument("--stop-file", help="start no cycle once this file exists; the "
                   "ones in flight finish (--cycles is then an upper bound)")
    p = sub.add_parser("fill")
    common(p)
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--expect-up", type=int, required=True)
    p.add_argument("--hold", type=float, default=0, help="seconds to stay up")
    p = sub.add_parser("probe")
    common(p)
    p.add_argument("--until", default="auth", choices=cl.STAGES)
    p = sub.add_parser("vanish")
    common(p)
    p.add_argument("--stages", default=",".join(cl.STAGES))
    p.add_argument("--deadline", type=float, default=120.0)
    p.add_argument("--poll", type=float, default=0.25)
    sub.add_parser("self-test")
    if argv is None:
        argv = sys.argv[1:]
    if argv and argv[0] == "--self-test":
        argv = ["self-test"] + argv[1:]
    a = ap.parse_args(argv)
    return {"echo": cmd_echo, "churn": cmd_churn, "fill": cmd_fill, "probe": cmd_probe,
            "vanish": cmd_vanish, "self-test": cmd_self_test}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
