#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""reloadloop: many reloads of a running lnsd, for test_reload_soak.sh.

  reloadloop.py --prefix P --pid PID --count N --files A,B [--pause S]
                [--lnsctl CMD --lnsctl-every K] [--warmup W] [--json OUT]
                [--readers LNSD --metrics URL]

Reload i (1..N) applies file i mod 2 of --files over DPDK's telemetry socket
(/lns/reload,apply FILE, the request `lnsctl reload -c FILE` sends); every K-th
goes through lnsctl itself instead (its exit status must be 0). Each answer must
be result "ok" with at least one change applied. After W reloads (the warm-up)
it notes lnsd's memory outside DPDK's and DPDK's (/proc/PID/smaps, see
l2tpc/client.py rss_split_kb), and again at the end.
With --readers, two threads read the configuration while the reloads run, as
operators and Prometheus do: one asks /lns/config over and over on its own
telemetry connection, and every answer must be, line for line, the whole of one
of the files as `LNSD --check --dump` prints it (never half of one, never a
freed one); the other scrapes --metrics, and every scrape must be complete.
Prints "OK what" / "FAIL what: why" lines and "#" lines; --json gets the numbers.
"""
import argparse
import json
import os
import re
import shlex
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "l2tpc"))
import client as cl  # noqa: E402  (rss_split_kb)


def say(ok, what, why=""):
    print(("OK " if ok else "FAIL ") + what + ("" if ok or not why else ": " + why), flush=True)


class Tel:
    """One connection to DPDK's telemetry socket (SOCK_SEQPACKET, JSON answers)."""

    def __init__(self, prefix):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.s.connect("/var/run/dpdk/%s/dpdk_telemetry.v2" % prefix)
        self.s.settimeout(60)
        json.loads(self.s.recv(1 << 16))

    def q(self, cmd):
        self.s.send(cmd.encode())
        return json.loads(self.s.recv(1 << 20))[cmd.split(",")[0]]


def body(text):
    """A configuration dump without its first line (which names the file lnsd
    started with: a reload keeps that name, see lns_ctl_reload)."""
    return text.rstrip("\n").split("\n", 1)[-1]


def config_text(r):
    """The configuration text of a /lns/config answer, or None if it has more pages."""
    if "next" in r:
        return None
    text = ""
    for k in sorted((k for k in r if k.isdigit()), key=int):
        e = r[k]
        text += ("" if e.get("cont") == "yes" or not text else "\n") + e["text"]
    return text


class Readers:
    """The configuration's readers while it is replaced (see the module doc)."""

    def __init__(self, prefix, lnsd, files, metrics):
        self.prefix, self.metrics = prefix, metrics
        self.want = []
        for f in files:
            r = subprocess.run([lnsd, "--check", "--dump", "-c", f], capture_output=True,
                               text=True)
            # without --check's verdict, the last line
            self.want.append(body("\n".join(l for l in r.stdout.split("\n")
                                             if not l.endswith(": configuration ok"))))
        self.n = {"config": 0, "config_paged": 0, "metrics": 0}
        self.per_file = [0] * len(files)
        self.bad = []
        self.stop = False
        self.threads = [threading.Thread(target=self.configs, daemon=True),
                        threading.Thread(target=self.scrapes, daemon=True)]
        for t in self.threads:
            t.start()

    def fail(self, what):
        if len(self.bad) < 5:
            self.bad.append(what)
            print("# reader: %s" % what, flush=True)
        else:
            self.bad.append("")

    def configs(self):
        tel = Tel(self.prefix)
        while not self.stop:
            try:
                text = config_text(tel.q("/lns/config"))
            except (OSError, ValueError, KeyError) as e:
                self.fail("/lns/config: %s" % e)
                time.sleep(0.1)
                continue
            if text is None:
                self.n["config_paged"] += 1
            elif body(text) in self.want:
                self.n["config"] += 1
                self.per_file[self.want.index(body(text))] += 1
            else:
                import difflib
                d = [l for l in difflib.unified_diff(self.want[0].split("\n"),
                                                     body(text).split("\n"), lineterm="", n=0)
                     if l[:1] in "+-" and l[:3] not in ("+++", "---")]
                self.fail("/lns/config is neither file (against the first: %s)" % d[:6])
            time.sleep(0.01)

    def scrapes(self):
        import urllib.request
        while not self.stop and self.metrics:
            try:
                body = urllib.request.urlopen(self.metrics, timeout=10).read().decode()
                if "lnsd_sessions " not in body or not body.endswith("\n"):
                    self.fail("/metrics incomplete: %d bytes" % len(body))
                else:
                    self.n["metrics"] += 1
            except OSError as e:
                self.fail("/metrics: %s" % e)
                time.sleep(0.1)
            time.sleep(0.02)

    def finish(self, out):
        self.stop = True
        for t in self.threads:
            t.join(30)
        out["readers"] = dict(self.n, per_file=self.per_file, failed=len(self.bad))
        say(not self.bad and min(self.per_file) > 0 and
            (self.n["metrics"] > 0 or not self.metrics),
            "readers during the reloads: %d configurations, each all of one file (%s); "
            "%d complete /metrics scrapes" % (self.n["config"],
                                              " and ".join(map(str, self.per_file)),
                                              self.n["metrics"]),
            "%d failed: %s" % (len(self.bad), "; ".join(b for b in self.bad if b)))
        return not self.bad


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--prefix", required=True)
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--files", required=True)
    ap.add_argument("--pause", type=float, default=0.0)
    ap.add_argument("--lnsctl", default="")
    ap.add_argument("--lnsctl-every", type=int, default=0)
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--json")
    ap.add_argument("--readers", metavar="LNSD", default="")
    ap.add_argument("--metrics", default="")
    a = ap.parse_args()
    files = a.files.split(",")
    tel = Tel(a.prefix)
    readers = Readers(a.prefix, a.readers, files, a.metrics) if a.readers else None
    fails, why = 0, []
    took = []
    out = {"reloads": a.count}
    t0 = time.monotonic()
    for i in range(1, a.count + 1):
        f = files[i % len(files)]
        t = time.monotonic()
        if a.lnsctl and a.lnsctl_every and i % a.lnsctl_every == 0:
            r = subprocess.run(shlex.split(a.lnsctl) + ["reload", "-c", f],
                               capture_output=True, text=True)
            ok = r.returncode == 0 and re.search(r"^reload: [1-9][0-9]* changes? applied",
                                                 r.stdout, re.M) is not None
            err = "lnsctl exited %d: %s" % (r.returncode, (r.stderr or r.stdout)[-300:])
        else:
            try:
                r = tel.q("/lns/reload,apply " + f)
                ok = r.get("result") == "ok" and r.get("applied", 0) > 0
                err = json.dumps(r)[:300]
            except (OSError, ValueError) as e:
                ok, err = False, "telemetry: %s" % e
        took.append(time.monotonic() - t)
        if not ok:
            fails += 1
            if len(why) < 5:
                why.append("reload %d (%s): %s" % (i, os.path.basename(f), err))
                print("# reload %d failed: %s" % (i, err), flush=True)
            if not os.path.exists("/proc/%d" % a.pid):
                print("# lnsd is gone", flush=True)
                break
        if i == a.warmup:
            out["warmup_other_kb"], out["warmup_dpdk_kb"] = cl.rss_split_kb(a.pid) or (0, 0)
        if i % 100 == 0:
            m = cl.rss_split_kb(a.pid) or (0, 0)
            out.setdefault("other_kb_every_100", []).append(m[0])
            print("# %d reloads, %.1f s, memory outside DPDK's %d kB, DPDK's %d kB" % (
                i, time.monotonic() - t0, m[0], m[1]), flush=True)
        if a.pause:
            time.sleep(a.pause)
    readers_ok = readers.finish(out) if readers else True
    out["end_other_kb"], out["end_dpdk_kb"] = cl.rss_split_kb(a.pid) or (0, 0)
    took.sort()
    out.update(failed=fails, elapsed_s=round(time.monotonic() - t0, 1),
               reload_s_median=round(took[len(took) // 2], 4),
               reload_s_max=round(took[-1], 4))
    print("# reloads: " + json.dumps(out), flush=True)
    if a.json:
        with open(a.json, "w") as fh:
            json.dump(out, fh)
    say(fails == 0, "%d reloads answered ok, each applying changes" % a.count,
        "%d failed: %s" % (fails, "; ".join(why)))
    return 0 if fails == 0 and readers_ok else 1


if __name__ == "__main__":
    sys.exit(main())
