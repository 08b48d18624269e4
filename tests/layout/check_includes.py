#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The data path includes nothing from the control plane (DESIGN.md, Layout).

Reads the #include lines of the given data-path files and follows every header
that lives in this source tree (the includer's folder first, then lib/*/), so a
control-plane header reached through an allowed one is caught too. A header from
a control-plane folder fails the check, naming the file, the line and the chain.
Run by the build (lib/dp/meson.build) on every data-path source and header.

  check_includes.py --root SRC [--stamp FILE] [--depfile FILE] FILE...
"""
import argparse
import os
import re
import sys

# Control-plane folders, with the headers of each that the data path may use.
FORBIDDEN = {
    'lib/ctl': (),
    'lib/ppp': (),
    'lib/ike': (),
    'lib/aaa': (),
    'lib/mgmt': (),
    'lib/l2tp': ('lns_l2tp_data.h',),   # the data-message codec is data path
}

INCLUDE = re.compile(r'^\s*#\s*include\s*[<"]([^>"]+)[>"]')


def index_headers(root):
    """Header name -> its path under lib/ (names are unique there)."""
    idx = {}
    libdir = os.path.join(root, 'lib')
    for mod in sorted(os.listdir(libdir)):
        d = os.path.join(libdir, mod)
        if not os.path.isdir(d):
            continue
        for name in sorted(os.listdir(d)):
            if name.endswith('.h'):
                idx.setdefault(name, os.path.join(d, name))
    return idx


def forbidden(root, path):
    rel = os.path.relpath(os.path.realpath(path), os.path.realpath(root))
    folder, name = os.path.split(rel)
    return folder in FORBIDDEN and name not in FORBIDDEN[folder]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--root', required=True)
    ap.add_argument('--stamp')
    ap.add_argument('--depfile')
    ap.add_argument('files', nargs='+')
    a = ap.parse_args()
    idx = index_headers(a.root)
    errors, seen = [], set()

    def walk(path, chain):
        real = os.path.realpath(path)
        if real in seen:
            return
        seen.add(real)
        with open(path, encoding='utf-8', errors='replace') as f:
            for lineno, line in enumerate(f, 1):
                m = INCLUDE.match(line)
                if m is None:
                    continue
                name = m.group(1)
                local = os.path.join(os.path.dirname(path), name)
                hdr = local if os.path.isfile(local) else idx.get(os.path.basename(name))
                if hdr is None:
                    continue            # a system or DPDK header
                here = chain + ['%s:%d' % (os.path.relpath(path, a.root), lineno)]
                if forbidden(a.root, hdr):
                    errors.append('%s includes control-plane header %s' % (
                        ' -> '.join(here), os.path.relpath(hdr, a.root)))
                    continue
                walk(hdr, here)

    for p in a.files:
        walk(p, [])
    for e in errors:
        print('layout: data path: ' + e, file=sys.stderr)
    if errors:
        return 1
    if a.depfile:
        with open(a.depfile, 'w') as f:
            f.write('%s: %s\n' % (a.stamp or 'layout', ' '.join(sorted(seen))))
    if a.stamp:
        with open(a.stamp, 'w') as f:
            f.write('ok\n')
    return 0


if __name__ == '__main__':
    sys.exit(main())
