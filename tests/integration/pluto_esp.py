#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""ESP with the keys libreswan's pluto negotiated with lnsd, for test_pluto.sh.

  pluto_esp.py keys PLUTO_LOG
      the last inbound and outbound ESP SA pluto installed: one line each,
      "in|out SPI ALG ENCKEY AUTHKEY" (pluto's debug "private" log prints them)
  pluto_esp.py sccrq PLUTO_LOG LNS NATT
      (in the client namespace) an L2TP SCCRQ in ESP with pluto's outbound SA,
      transport mode (NATT=yes: in UDP 4500); waits for lnsd's answer on pluto's
      inbound SA, decrypts it with scapy and prints "sccrp TID" (RFC 2661 message
      type 2 and the tunnel id lnsd assigned), or "none" / "bad: REASON".

Both directions succeeding means lnsd and pluto derived the same KEYMAT (RFC 2409
5.5) for both SPIs, independently.
"""
import logging
import os
import re
import struct
import sys
import time

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import IP, UDP, AsyncSniffer, Raw, conf, raw, send  # noqa: E402
from scapy.layers.ipsec import ESP, SecurityAssociation  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fragsccrq import sccrq  # noqa: E402

conf.verb = 0
# pluto's names for the transforms -> scapy's
CRYPT = {"AES_CBC": "AES-CBC", "3DES_CBC": "3DES"}
INTEG = {"HMAC_SHA1_96": "HMAC-SHA1-96", "HMAC_SHA2_256_128": "SHA2-256-128"}


def hexdump_after(lines, i):
    """Bytes of the '|   xx xx ...' dump lines following line i."""
    out = b""
    for x in lines[i + 1:]:
        m = re.match(r".*?\|   ([0-9a-f]{2}(?: {1,2}[0-9a-f]{2})*)(?:   |$)", x)
        if not m:
            break
        out += bytes.fromhex(m.group(1).replace(" ", ""))
    return out


def keys(path):
    lines = open(path, errors="replace").read().splitlines()
    enc = auth = None
    sas = {}
    for i, l in enumerate(lines):
        if l.endswith("| ESP enckey:"):
            enc = hexdump_after(lines, i)
        elif l.endswith("| ESP authkey:"):
            auth = hexdump_after(lines, i)
        m = re.search(r"add_sa\(\) level=0 (inbound|outbound) .*\[([0-9a-f]{8})\].*"
                      r" ([A-Z0-9_]+):\d+ ([A-Z0-9_]+):\d+$", l)
        if m and enc is not None:
            d = "in" if m.group(1) == "inbound" else "out"
            sas[d] = (m.group(2), m.group(4), m.group(3), enc, auth or b"")
            enc = auth = None
    return sas


def sa_of(k, natt, src, dst):
    spi, calgo, ialgo, enc, auth = k
    kw = {}
    if natt:
        kw["nat_t_header"] = UDP(sport=4500, dport=4500)
    return int(spi, 16), SecurityAssociation(
        ESP, spi=int(spi, 16), crypt_algo=CRYPT[calgo], crypt_key=enc,
        auth_algo=INTEG[ialgo], auth_key=auth, **kw)


def do_sccrq(path, lns, natt):
    sas = keys(path)
    if "in" not in sas or "out" not in sas:
        print("bad: pluto's log has no inbound and outbound ESP keys")
        return 1
    me = "192.0.2.2"
    spi_out, sa_out = sa_of(sas["out"], natt, me, lns)
    spi_in, sa_in = sa_of(sas["in"], natt, lns, me)
    flt = "udp port 4500" if natt else "ip proto 50"
    seen = []
    sn = AsyncSniffer(iface="eth0", filter=f"src host {lns} and {flt}", store=False,
                      prn=seen.append)
    sn.start()
    time.sleep(0.5)
    inner = IP(src=me, dst=lns) / UDP(sport=1701, dport=1701) / Raw(sccrq(80, 4242))
    pkt = sa_out.encrypt(IP(raw(inner)))
    if natt:
        pkt[UDP].len = None          # scapy 2.5 leaves the NAT-T length at 8
        pkt[UDP].chksum = 0
    send(IP(raw(pkt)))
    got = None
    end = time.monotonic() + 5
    while got is None and time.monotonic() < end:
        time.sleep(0.2)
        for p in list(seen):
            if ESP in p and p[ESP].spi == spi_in:
                got = p
                break
    sn.stop()
    if got is None:
        print("none")
        return 1
    try:
        dec = sa_in.decrypt(IP(raw(got[IP])))
    except Exception as e:  # an ICV or padding failure: the keys differ
        print("bad: %s: %s" % (type(e).__name__, e))
        return 1
    if UDP not in dec or dec[UDP].sport != 1701:
        print("bad: decrypted payload is not L2TP")
        return 1
    l2 = raw(dec[UDP].payload)
    # control message header (12 bytes), then the Message Type AVP (attr 0)
    flags, _, tid = struct.unpack("!HHH", l2[:6])
    mtype = struct.unpack("!H", l2[18:20])[0] if len(l2) >= 20 else -1
    if flags & 0x8000 == 0 or mtype != 2:
        print("bad: L2TP message type %d, flags %#x" % (mtype, flags))
        return 1
    # the SCCRP carries lnsd's Assigned Tunnel ID; its header's tunnel id is ours
    print("sccrp %d" % tid)
    return 0


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "keys":
        for d, (spi, c, i, enc, auth) in sorted(keys(sys.argv[2]).items()):
            print(d, spi, c, i, enc.hex(), auth.hex() or "-")
        return 0
    if len(sys.argv) == 5 and sys.argv[1] == "sccrq":
        return do_sccrq(sys.argv[2], sys.argv[3], sys.argv[4] == "yes")
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
