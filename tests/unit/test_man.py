#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The manual pages against the programs (app/man/mkman.py makes them):

  - lnsd.yaml(5) lists exactly the keys `lnsd --dump-schema` prints (the parser's own
    tables), config file and port profiles alike; each key's name also appears in
    the file that documents it (config/lnsd.yaml, drivers-config/README.md), and
    every key but a bare section has a description in the page;
  - lnsctl(8) lists exactly the commands `lnsctl --list-commands` prints (drawn from
    the parser's tables), and lnsctl's parser accepts each one's example;
  - lnsd(8) lists every option lnsd --help has, and lnsd accepts each;
  - groff renders the three pages without a warning;
  - the comparison itself fails on a page with a key or command taken out.

  test_man.py SRCDIR LNSD LNSCTL LNSD_8 LNSCTL_8 LNSD_YAML_5
"""
import os
import re
import subprocess
import sys

failures = []


def fail(msg):
    failures.append(msg)
    print('FAIL: ' + msg)


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def unesc(s):
    return s.replace('\\-', '-').replace('\\e', '\\').replace('\\&', '')


def sections(page_lines):
    """{SECTION: [terms of its .TP items]} of a man page."""
    out, sec, want = {}, None, False
    for line in page_lines:
        if line.startswith('.SH '):
            sec = unesc(line[4:].strip())
            out.setdefault(sec, [])
        elif line == '.TP':
            want = True
        elif want:
            want = False
            if line.startswith('.B '):
                out[sec].append(unesc(line[3:]))
    return out


def schema(lnsd):
    r = run([lnsd, '--dump-schema'])
    assert r.returncode == 0, r.stderr
    rows = [line.split('\t') for line in r.stdout.splitlines() if not line.startswith('#')]
    assert rows and all(len(f) == 9 for f in rows), 'malformed --dump-schema'
    return rows


def key_set(page):
    s = sections(page)
    return ({('lnsd.yaml', k) for k in s.get('KEYS', [])} |
            {('profile', k) for k in s.get('PORT PROFILES', [])})


def command_words(term):
    """'show tunnels [FILTER...]' -> 'show tunnels'; 'raw /CMD' -> 'raw'."""
    words = []
    for w in term.split():
        if not re.fullmatch(r'[a-z][a-z-]*', w):
            break
        words.append(w)
    return ' '.join(words)


def command_set(page):
    return {command_words(t) for t in sections(page).get('COMMANDS', [])}


def compare(what, want, got):
    ok = True
    for k in sorted(want - got):
        fail('%s: %s is missing from the manual page' % (what, k))
        ok = False
    for k in sorted(got - want):
        fail('%s: the manual page lists %s, which the code does not know' % (what, k))
        ok = False
    return ok


def main():
    src, lnsd, lnsctl, man_lnsd, man_lnsctl, man_yaml = sys.argv[1:7]
    pages = {p: open(p, encoding='utf-8').read().splitlines()
             for p in (man_lnsd, man_lnsctl, man_yaml)}

    # --- lnsd.yaml(5) against the parser's tables
    rows = schema(lnsd)
    want_keys = {(f[0], f[1]) for f in rows}
    got_keys = key_set(pages[man_yaml])
    if compare('config key', want_keys, got_keys):
        print('ok: lnsd.yaml(5) lists the %d keys of lnsd --dump-schema' % len(want_keys))
    # the comparison catches a key taken out of the page
    cut = [l for l in pages[man_yaml] if l != '.B ipsec.replay\\-window']
    if key_set(cut) == want_keys:
        fail('the key comparison did not notice ipsec.replay-window taken out')

    # every key but a bare section carries a description from the annotated example
    # (its own, or "See OTHER-KEY"): the facts alone do not say what a key is for
    page = pages[man_yaml]
    sec = None
    for i, line in enumerate(page):
        if line.startswith('.SH '):
            sec = line[4:]
        if sec == 'KEYS' and line == '.TP' and i + 3 < len(page):
            key, facts = unesc(page[i + 1][3:]), page[i + 2]
            if not facts.startswith('mapping') and page[i + 3] != '.br':
                fail('lnsd.yaml(5): %s has no description (config/lnsd.yaml says '
                     'nothing above it)' % key)

    # every key name appears where it is documented in prose
    docs = {'lnsd.yaml': open(os.path.join(src, 'config', 'lnsd.yaml')).read(),
            'profile': open(os.path.join(src, 'drivers-config', 'README.md')).read()}
    for doc, path in sorted(want_keys):
        leaf = path.split('.')[-1].replace('[]', '')
        if not re.search(r'(?<![\w-])%s(?![\w-])' % re.escape(leaf), docs[doc]):
            fail('%s key %s is not described in %s' % (doc, path, 'config/lnsd.yaml'
                 if doc == 'lnsd.yaml' else 'drivers-config/README.md'))

    # --- lnsctl(8) against lnsctl's command tables
    r = run([lnsctl, '--list-commands'])
    assert r.returncode == 0, r.stderr
    cmds = dict(line.split('\t') for line in r.stdout.splitlines())
    if compare('lnsctl command', set(cmds), command_set(pages[man_lnsctl])):
        print('ok: lnsctl(8) lists the %d commands of lnsctl --list-commands' % len(cmds))
    cut = [l for l in pages[man_lnsctl] if not l.startswith('.B clear sa')]
    if command_set(cut) == set(cmds):
        fail('the command comparison did not notice "clear sa" taken out')
    for words, example in cmds.items():
        # no lnsd behind this socket: exit 2 (unreachable) means the command parsed,
        # exit 1 is lnsctl refusing the command line
        r = run([lnsctl, '--socket', '/nonexistent/lnsd-test-man', '--timeout', '1']
                + example.split())
        if r.returncode == 1:
            fail('lnsctl refuses its own listed command %r: %s' % (example,
                                                                  r.stderr.strip()))
    r = run([lnsctl, '--socket', '/nonexistent/lnsd-test-man', 'frobnicate'])
    if r.returncode != 1:
        fail('lnsctl accepted an unknown command (exit %d)' % r.returncode)

    # --- lnsd(8): every option of --help, and lnsd takes each
    opts = [t for t in sections(pages[man_lnsd]).get('OPTIONS', [])]
    longs = sorted(set(re.findall(r'--[a-z-]+', ' '.join(opts))))
    helptext = run([lnsd, '--help']).stdout
    if sorted(set(re.findall(r'^\s+(?:-\w, )?(--[a-z-]+)', helptext, re.M))) != longs:
        fail('lnsd(8) options %s differ from lnsd --help' % longs)
    for o in longs:
        r = run([lnsd, o], stdin=subprocess.DEVNULL)
        if 'unrecognized option' in r.stderr:
            fail('lnsd does not take %s, which lnsd(8) lists' % o)
    if len(longs) < 6:
        fail('lnsd(8) lists only %s' % longs)

    # --- groff: no warnings
    for p in pages:
        r = run(['groff', '-man', '-ww', '-z', '-Tutf8', p],
                env=dict(os.environ, LC_ALL='C.UTF-8'))
        if r.returncode != 0 or r.stderr.strip():
            fail('groff warns about %s: %s' % (p, r.stderr.strip()))

    if failures:
        print('%d failure(s)' % len(failures))
        return 1
    print('all checks passed')
    return 0


if __name__ == '__main__':
    sys.exit(main())
