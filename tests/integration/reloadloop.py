#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""reloadloop: many reloads of a running lnsd, for test_reload_soak.sh.

  reloadloop.py --prefix P --pid PID --count N --files A,B [--pause S]
                [--lnsctl CMD --lnsctl-every K] [--warmup W] [--json OUT]

Reload i (1..N) applies file i mod 2 of --files over DPDK's telemetry socket
(/lns/reload,apply FILE, the request `lnsctl reload -c FILE` sends); every K-th
goes through lnsctl itself instead (its exit status must be 0). Each answer must
be result "ok" with at least one change applied. After W reloads (the warm-up)
it notes lnsd's memory outside DPDK's and DPDK's (/proc/PID/smaps, see
l2tpc/client.py rss_split_kb), and again at the end.
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
    a = ap.parse_args()
    files = a.files.split(",")
    tel = Tel(a.prefix)
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
    return 0 if fails == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
