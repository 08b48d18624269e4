#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""dpclient: the client and core ends of lnsd's data path, for integration tests.

A module (import dpclient) and a CLI (dpclient.py COMMAND ...). It builds what an
IPsec/L2TP client sends to lnsd (ESP transport or tunnel mode, NAT-T or plain,
L2TP data, PPP, subscriber IPv4) with scapy, and checks what lnsd sends back
(decrypts ESP with scapy, parses L2TP/PPP/IPv4 itself, byte for byte).

The SAs, tunnels and keys are those of the static test setup (default_sas(),
static_yaml()); keys are derived from the algorithm name, so every command
given the same --alg agrees with the config it printed.

Commands (checks print one line per assertion, "OK what" or "FAIL what: why";
other lines start with "#"):
  config   --alg A                  YAML sections to append to lnsd's config
  uat      --alg A [--dir out|in]   tshark esp_sa UAT records, one per line
  listen   --bind IP:PORT --log F   UDP sink; one line per datagram "SRC:PORT HEX"
  rx       --log F SPEC...          wait for / check datagrams: TAG[=N][@SRC]
  capture  --out PCAP --ready F     pcap of frames received on an interface
  udpsend  IP:PORT=TAG...           plain UDP datagrams (kernel sockets)
  send     --alg A --mac M PKT...   upstream frames; PKT is key=value,... (below)
  down     --alg A --pcap F SPEC... check downstream ESP: SA=TAG, or SA=none; --seq
  tshark   --alg A --pcap F SA...   tshark decrypts them, ICV good, L2TP ids right
  pcount   --pcap F                 number of frames in a pcap (for down --from)
  statdiff BEFORE AFTER --allow R.. no drop reason but R moved (lnsctl stats JSON)
  selftest [--alg A]...             round trips of all of the above without lnsd

PKT keys for `send`: sa=NAME (nat, plain, tun), seq=N, tag=TAG (payload), src=IP
(inner source, default the session's address), tid=N sid=N (L2TP ids, default the
session's), nohdlc (no PPP address/control), l2len (L2TP length field), l2seq=NS:NR
(L2TP sequence numbers), spi=N (SPI on the wire, keys of sa), flip (flip a bit of
the ICV), times=N (send the same frame N times), keepalive (a 1-byte 0xff NAT-T
keepalive to port 4500 instead of ESP), sport=N (NAT-T: the outer UDP source port,
as a client's NAT may change it; spreads one SA over RSS queues).

A TAG names a payload: payload(TAG) is TAG's bytes, '|', then pseudo-random bytes,
16..1036 bytes in all (TAG#N: N bytes), so every check is byte-exact and lengths vary.
"""

import argparse
import hashlib
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time

LNS_ACC = "192.0.2.1"      # lnsd's access address
CLIENT = "192.0.2.2"       # the client (access namespace eth0)
CORE_PEER = "198.51.100.2" # core namespace eth0, lnsd's core gateway
UP_DPORT = 9999            # upstream datagrams go to CORE_PEER:UP_DPORT
UP_SPORT = 40000
DOWN_DPORT = 7777
DOWN_SPORT = 7000

# name: scapy crypt algo, cipher key bytes (GCM: + 4 salt), scapy auth algo,
# auth key bytes, tshark encryption name, tshark authentication name
ALGS = {
    "aes128gcm16":   ("AES-GCM", 20, None, 0, "AES-GCM with 16 octet ICV [RFC4106]", "NULL"),
    "aes256gcm16":   ("AES-GCM", 36, None, 0, "AES-GCM with 16 octet ICV [RFC4106]", "NULL"),
    "aes128-sha1":   ("AES-CBC", 16, "HMAC-SHA1-96", 20, "AES-CBC [RFC3602]",
                      "HMAC-SHA-1-96 [RFC2404]"),
    "aes256-sha1":   ("AES-CBC", 32, "HMAC-SHA1-96", 20, "AES-CBC [RFC3602]",
                      "HMAC-SHA-1-96 [RFC2404]"),
    "aes128-sha256": ("AES-CBC", 16, "SHA2-256-128", 32, "AES-CBC [RFC3602]",
                      "HMAC-SHA-256-128 [RFC4868]"),
    "aes256-sha256": ("AES-CBC", 32, "SHA2-256-128", 32, "AES-CBC [RFC3602]",
                      "HMAC-SHA-256-128 [RFC4868]"),
    # legacy, behind ipsec.allow-3des (static_yaml sets it)
    "3des-sha1":     ("3DES", 24, "HMAC-SHA1-96", 20, "TripleDES-CBC [RFC2451]",
                      "HMAC-SHA-1-96 [RFC2404]"),
}


class Sa:
    """One static SA pair and the tunnel/session that runs over it.

    spi_in/key_in: client -> lnsd; spi_out/key_out: lnsd -> client (lnsd's view,
    as in the config)."""

    def __init__(self, name, spi_in, spi_out, mode, natt, local_id, peer_id, sub,
                 alg, sessions=1, peer_port=4500):
        self.name, self.spi_in, self.spi_out = name, spi_in, spi_out
        self.mode, self.natt, self.peer_port = mode, natt, peer_port
        self.local_id, self.peer_id, self.sub = local_id, peer_id, sub
        self.sessions = sessions
        self.alg = alg
        _, klen, _, alen, _, _ = ALGS[alg]
        self.key_in = derive(alg, name, "key-in", klen)
        self.key_out = derive(alg, name, "key-out", klen)
        self.auth_in = derive(alg, name, "auth-key-in", alen) if alen else b""
        self.auth_out = derive(alg, name, "auth-key-out", alen) if alen else b""

    def scapy_sa(self, direction, spi=None):
        """scapy SecurityAssociation: 'up' encrypts what the client sends, 'down'
        decrypts what lnsd sends."""
        from scapy.layers.inet import IP, UDP
        from scapy.layers.ipsec import ESP, SecurityAssociation
        crypt, _, auth, _, _, _ = ALGS[self.alg]
        up = direction == "up"
        kw = dict(crypt_algo=crypt, crypt_key=self.key_in if up else self.key_out)
        if auth:
            kw.update(auth_algo=auth, auth_key=self.auth_in if up else self.auth_out)
        if self.natt:
            kw["nat_t_header"] = UDP(sport=4500, dport=self.peer_port) if up else \
                UDP(sport=self.peer_port, dport=4500)
        if self.mode == "tunnel":
            kw["tunnel_header"] = IP(src=CLIENT, dst=LNS_ACC) if up else \
                IP(src=LNS_ACC, dst=CLIENT)
        if spi is None:
            spi = self.spi_in if up else self.spi_out
        return SecurityAssociation(ESP, spi=spi, **kw)


def derive(alg, name, what, n):
    out, i = b"", 0
    while len(out) < n:
        out += hashlib.sha256(f"lnsd-dp/{alg}/{name}/{what}/{i}".encode()).digest()
        i += 1
    return out[:n]


def default_sas(alg):
    """The three SAs of the static test setup: pool 10.200.0.0/24, addresses in
    file order."""
    return [
        Sa("nat", 0x1001, 0x2001, "transport", True, 11, 21, "10.200.0.1", alg),
        Sa("plain", 0x1002, 0x2002, "transport", False, 12, 22, "10.200.0.2", alg),
        Sa("tun", 0x1003, 0x2003, "tunnel", True, 13, 23, "10.200.0.3", alg),
    ]


def sa_by_name(sas, name):
    for s in sas:
        if s.name == name:
            return s
    raise SystemExit(f"dpclient: no SA named {name!r}")


def payload(tag):
    """The bytes a TAG stands for (see the module doc)."""
    h = hashlib.sha256(tag.encode()).digest()
    name, _, n = tag.partition("#")
    n = int(n) if n else 16 + h[0] * 4
    body, i = tag.encode() + b"|", 0
    while len(body) < n:
        body += hashlib.sha256(h + bytes([i & 0xff, i >> 8])).digest()
        i += 1
    return body[:n]


def static_yaml(sas, replay_window=64, pool="10.200.0.0/24"):
    alg = sas[0].alg
    auth = ALGS[alg][2] is not None
    lines = ["ipsec:", f"  replay-window: {replay_window}",
             *(["  allow-3des: true"] if alg.startswith("3des") else []),
             "ppp:", "  pools:", "    - name: sub", f"      prefix: {pool}",
             "l2tp:", "  allow-nonsecure: true",
             "static:", "  sas:"]
    for s in sas:
        lines += [f"    - name: {s.name}", f"      spi-in: {s.spi_in:#x}",
                  f"      spi-out: {s.spi_out:#x}", f"      peer: {CLIENT}",
                  f"      alg: {alg}", f"      mode: {s.mode}",
                  f"      udp-encap: {'true' if s.natt else 'false'}"]
        if s.natt:
            lines.append(f"      peer-port: {s.peer_port}")
        lines += [f"      key-in: {s.key_in.hex()}", f"      key-out: {s.key_out.hex()}"]
        if auth:
            lines += [f"      auth-key-in: {s.auth_in.hex()}",
                      f"      auth-key-out: {s.auth_out.hex()}"]
    lines.append("  tunnels:")
    for s in sas:
        lines += [f"    - local-id: {s.local_id}", f"      peer-id: {s.peer_id}",
                  f"      sa: {s.name}", f"      sessions: {s.sessions}",
                  "      pool: sub"]
    return "\n".join(lines) + "\n"


def uat_records(sas, direction="out"):
    """tshark -o uat:esp_sa:RECORD values: 'out' = lnsd -> client, 'in' = client -> lnsd."""
    _, _, _, _, tenc, tauth = ALGS[sas[0].alg]
    recs = []
    for s in sas:
        if direction == "out":
            src, dst, spi, key, akey = LNS_ACC, CLIENT, s.spi_out, s.key_out, s.auth_out
        else:
            src, dst, spi, key, akey = CLIENT, LNS_ACC, s.spi_in, s.key_in, s.auth_in
        recs.append(f'"IPv4","{src}","{dst}","{spi:#010x}","{tenc}","0x{key.hex()}",'
                    f'"{tauth}","{"0x" + akey.hex() if akey else ""}"')
    return recs


# ------------------------------------------------------------------ upstream --

def ppp_frame(inner, hdlc=True):
    """PPP frame carrying IPv4: ff 03 00 21 + packet, or 00 21 + packet."""
    return (b"\xff\x03" if hdlc else b"") + b"\x00\x21" + bytes(inner)


def l2tp_data(tid, sid, ppp, length=False, seq=None):
    """L2TPv2 data message (RFC 2661 3.1) built with scapy's L2TP layer."""
    from scapy.layers.l2tp import L2TP
    from scapy.packet import Raw
    hdr = []
    if length:
        hdr.append("length")
    if seq is not None:
        hdr.append("sequence")
    kw = dict(hdr="+".join(hdr) if hdr else 0, tunnel_id=tid, session_id=sid)
    if seq is not None:
        kw.update(ns=seq[0], nr=seq[1])
    return bytes(L2TP(**kw) / Raw(ppp))


def subscriber_packet(src, tag, dst=CORE_PEER, sport=UP_SPORT, dport=UP_DPORT):
    from scapy.layers.inet import IP, UDP
    return IP(src=src, dst=dst, ttl=64, id=0x1234) / UDP(sport=sport, dport=dport) / payload(tag)


def upstream(sa, seq, tag=None, src=None, tid=None, sid=1, hdlc=True, l2len=False,
             l2seq=None, spi=None, flip=False, inner=None, natt_sport=None):
    """An upstream IPv4 packet (bytes), client -> lnsd, ESP-protected on `sa`."""
    from scapy.layers.inet import IP, UDP
    from scapy.packet import Raw
    if inner is None:
        inner = subscriber_packet(src or sa.sub, tag)
    l2 = l2tp_data(sa.local_id if tid is None else tid, sid, ppp_frame(inner, hdlc),
                   length=l2len, seq=l2seq)
    clear = IP(src=CLIENT, dst=LNS_ACC) / UDP(sport=1701, dport=1701) / Raw(l2)
    clear = IP(bytes(clear))   # checksums and lengths fixed now
    enc = sa.scapy_sa("up", spi=spi).encrypt(clear, seq_num=seq)
    if sa.natt:
        enc[UDP].len = None   # scapy 2.5 leaves the NAT-T UDP length at 8
        if natt_sport is not None:   # the client's NAT picked another port
            enc[UDP].sport = natt_sport
    b = bytearray(bytes(enc))
    if flip:
        b[-1] ^= 0x01        # last byte of the ICV
    return bytes(b)


def natt_keepalive(port=4500):
    from scapy.layers.inet import IP, UDP
    return bytes(IP(src=CLIENT, dst=LNS_ACC) / UDP(sport=4500, dport=port, chksum=0) / b"\xff")


def parse_pkt_spec(spec):
    d = {}
    for item in spec.split(","):
        if not item:
            continue
        k, _, v = item.partition("=")
        d[k] = v if _ else True
    return d


def build_from_spec(sas, spec):
    """PKT spec -> (frame bytes without Ethernet, times)."""
    d = parse_pkt_spec(spec)
    times = int(d.get("times", 1))
    if "keepalive" in d:
        return natt_keepalive(), times
    sa = sa_by_name(sas, d.get("sa", "nat"))
    l2seq = None
    if "l2seq" in d:
        ns, _, nr = str(d["l2seq"]).partition(":")
        l2seq = (int(ns, 0), int(nr or "0", 0))
    num = lambda k, dflt: int(str(d.get(k, dflt)), 0)  # noqa: E731
    pkt = upstream(sa, num("seq", 1), tag=d.get("tag", "x"), src=d.get("src"),
                   tid=num("tid", 0) if "tid" in d else None,
                   sid=num("sid", 1), hdlc="nohdlc" not in d,
                   l2len="l2len" in d, l2seq=l2seq,
                   spi=int(d["spi"], 0) if "spi" in d else None, flip="flip" in d,
                   natt_sport=num("sport", 0) if "sport" in d else None)
    return pkt, times


# ---------------------------------------------------------------- downstream --

def csum(b):
    if len(b) & 1:
        b += b"\0"
    s = sum(struct.unpack(f"!{len(b) // 2}H", b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def parse_ipv4(b, what):
    """(header dict, payload bytes); raises ValueError with a reason."""
    if len(b) < 20 or b[0] >> 4 != 4:
        raise ValueError(f"{what}: not IPv4")
    ihl = (b[0] & 15) * 4
    tot = struct.unpack("!H", b[2:4])[0]
    if ihl < 20 or tot < ihl or tot > len(b):
        raise ValueError(f"{what}: bad IPv4 lengths ihl={ihl} len={tot} have={len(b)}")
    if csum(b[:ihl]) != 0:
        raise ValueError(f"{what}: bad IPv4 header checksum")
    h = dict(proto=b[9], ttl=b[8], src=socket.inet_ntoa(b[12:16]),
             dst=socket.inet_ntoa(b[16:20]), hdr=b[:ihl])
    return h, b[ihl:tot]


def parse_udp(ip, b, what):
    if ip["proto"] != 17 or len(b) < 8:
        raise ValueError(f"{what}: not UDP (proto {ip['proto']})")
    sport, dport, ulen, ck = struct.unpack("!HHHH", b[:8])
    if ulen < 8 or ulen > len(b):
        raise ValueError(f"{what}: bad UDP length {ulen} (have {len(b)})")
    if ck:
        ph = ip["hdr"][12:20] + struct.pack("!BBH", 0, 17, ulen)
        if csum(ph + b[:ulen]) != 0:
            raise ValueError(f"{what}: bad UDP checksum {ck:#06x}")
    return sport, dport, b[8:ulen]


def parse_l2tp(b):
    """L2TPv2 header -> dict(tid, sid, ns, nr, ppp, flags); ValueError on bad."""
    if len(b) < 6:
        raise ValueError("L2TP truncated")
    flags = struct.unpack("!H", b[:2])[0]
    if flags & 0x000f != 2:
        raise ValueError(f"L2TP version {flags & 15}")
    off, end = 2, len(b)
    d = dict(flags=flags, control=bool(flags & 0x8000), ns=None, nr=None, length=None)
    if flags & 0x4000:
        d["length"] = end = struct.unpack("!H", b[2:4])[0]
        if end > len(b):
            raise ValueError("L2TP length past the datagram")
        off = 4
    d["tid"], d["sid"] = struct.unpack("!HH", b[off:off + 4])
    off += 4
    if flags & 0x0800:
        d["ns"], d["nr"] = struct.unpack("!HH", b[off:off + 4])
        off += 4
    if flags & 0x0200:
        pad = struct.unpack("!H", b[off:off + 2])[0]
        off += 2 + pad
    if off > end:
        raise ValueError("L2TP header past its end")
    d["ppp"] = b[off:end]
    return d


def decode_down(frame, sas):
    """Decode one Ethernet frame from lnsd. Returns None when it is not ESP from
    lnsd to the client, else a dict: sa (or None), spi, seq, natt, and either
    error (a reason) or the decoded fields l2tp, ppp_proto, sub_src, sub_dst,
    sport, dport, data."""
    from scapy.layers.inet import IP
    from scapy.layers.ipsec import ESP, IPSecIntegrityError
    if len(frame) < 34 or frame[12:14] != b"\x08\x00":
        return None
    try:
        oip, opl = parse_ipv4(frame[14:], "outer")
    except ValueError:
        return None
    if oip["src"] != LNS_ACC or oip["dst"] != CLIENT:
        return None
    r = dict(natt=False, sa=None, error=None)
    if oip["proto"] == 50:
        esp = opl
    elif oip["proto"] == 17:
        try:
            sport, dport, esp = parse_udp(oip, opl, "NAT-T UDP")
        except ValueError as e:
            r["error"] = str(e)
            return r
        if 4500 not in (sport, dport) or len(esp) < 8 or esp[:4] == b"\0\0\0\0":
            return None   # not ESP in UDP (keepalive, IKE, L2TP...)
        r["natt"], r["udp_ports"] = True, (sport, dport)
    else:
        return None
    if len(esp) < 8:
        r["error"] = "ESP truncated"
        return r
    r["spi"], r["seq"] = struct.unpack("!II", esp[:8])
    sa = next((s for s in sas if s.spi_out == r["spi"]), None)
    r["sa"] = sa
    if sa is None:
        r["error"] = f"unknown SPI {r['spi']:#x}"
        return r
    if sa.natt != r["natt"]:
        r["error"] = f"NAT-T {'used' if r['natt'] else 'missing'} on SA {sa.name}"
        return r
    if sa.natt and r["udp_ports"] != (4500, sa.peer_port):
        r["error"] = f"NAT-T ports {r['udp_ports']}, want (4500, {sa.peer_port})"
        return r
    pkt = IP(frame[14:14 + len(oip["hdr"]) + len(opl)])
    if ESP not in pkt:
        r["error"] = "scapy did not dissect ESP"
        return r
    try:
        dec = sa.scapy_sa("down").decrypt(pkt.copy())   # decrypt modifies its argument
    except IPSecIntegrityError as e:
        r["error"] = f"ICV: {e}"
        return r
    except Exception as e:  # noqa: BLE001 - scapy raises many kinds on garbage
        r["error"] = f"decrypt: {type(e).__name__}: {e}"
        return r
    if not isinstance(dec, IP):
        r["error"] = f"decrypted payload is {type(dec).__name__}, not IPv4 (mode?)"
        return r
    try:
        iip, ipl = parse_ipv4(bytes(dec), "ESP payload")
        if (iip["src"], iip["dst"]) != (LNS_ACC, CLIENT):
            raise ValueError(f"ESP payload IPv4 {iip['src']} -> {iip['dst']}")
        sport, dport, l2b = parse_udp(iip, ipl, "L2TP UDP")
        if (sport, dport) != (1701, 1701):
            raise ValueError(f"L2TP UDP ports {sport}->{dport}")
        l2 = parse_l2tp(l2b)
        r["l2tp"] = l2
        ppp = l2["ppp"]
        if len(ppp) < 4:
            raise ValueError("PPP frame truncated")
        r["ppp_acfc"] = ppp[:2] == b"\xff\x03"
        r["ppp_proto"] = struct.unpack("!H", ppp[2:4])[0] if r["ppp_acfc"] else None
        if not r["ppp_acfc"] or r["ppp_proto"] != 0x0021:
            raise ValueError(f"PPP header {ppp[:4].hex()}, want ff030021")
        sip, spl = parse_ipv4(ppp[4:], "subscriber")
        r["sub_src"], r["sub_dst"] = sip["src"], sip["dst"]
        r["sport"], r["dport"], r["data"] = parse_udp(sip, spl, "subscriber UDP")
    except ValueError as e:
        r["error"] = str(e)
    return r


def read_pcap(path):
    """Frames of a pcap file (tolerates a record cut short at the end)."""
    out = []
    try:
        with open(path, "rb") as f:
            b = f.read()
    except OSError:
        return out
    if len(b) < 24:
        return out
    magic = b[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        raise SystemExit(f"dpclient: {path}: not a pcap file")
    off = 24
    while off + 16 <= len(b):
        _, _, incl, _ = struct.unpack(e + "IIII", b[off:off + 16])
        if off + 16 + incl > len(b):
            break
        out.append(b[off + 16:off + 16 + incl])
        off += 16 + incl
    return out


# ----------------------------------------------------------------------- CLI --

def say(ok, what, why=""):
    print(f"OK {what}" if ok else f"FAIL {what}: {why}", flush=True)
    return ok


def hostport(s):
    h, _, p = s.rpartition(":")
    return h, int(p)


def cmd_config(a):
    sys.stdout.write(static_yaml(default_sas(a.alg), a.replay_window))


def cmd_uat(a):
    print("\n".join(uat_records(default_sas(a.alg), a.dir)))


def cmd_listen(a):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    s.bind(hostport(a.bind))
    s.settimeout(0.5)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    tmp = a.log + ".tmp"
    with open(tmp, "w") as f:
        os.rename(tmp, a.log)    # the log exists once the socket is bound
        end = time.monotonic() + a.timeout
        while time.monotonic() < end:
            try:
                data, (src, sport) = s.recvfrom(65535)
            except socket.timeout:
                continue
            f.write(f"{src}:{sport} {data.hex()}\n")
            f.flush()


def read_rx(log):
    got = []
    try:
        with open(log) as f:
            for line in f:
                p = line.split()
                if len(p) == 2 and line.endswith("\n"):
                    got.append((p[0].rpartition(":")[0], bytes.fromhex(p[1])))
    except OSError:
        pass
    return got


def cmd_rx(a):
    specs = []
    for sp in a.spec:
        tag, _, src = sp.partition("@")
        tag, _, n = tag.partition("=")
        # "tag=N": exactly N copies; "tag=N+": at least N (a replayed capture)
        specs.append((tag, int(n.rstrip("+") or 1), src or None, n.endswith("+")))
    end = time.monotonic() + a.timeout
    while True:
        got = read_rx(a.log)
        done = all(sum(1 for _, d in got if d == payload(t)) >= n
                   for t, n, _, _ in specs if n > 0)
        if done or time.monotonic() >= end:
            break
        time.sleep(0.05)
    bad = 0
    for tag, n, src, more in specs:
        want = payload(tag)
        hits = [s for s, d in got if d == want]
        cnt = f"{n}+" if more else f"{n}"
        what = f"{tag}: {'nothing forwarded' if n == 0 else f'{cnt} datagram(s) byte-exact'}" + \
            (f" from {src}" if src and n else "")
        if len(hits) != n and not (more and len(hits) >= n):
            near = [d for s, d in got if d[:len(tag) + 1] == want[:len(tag) + 1] and d != want]
            why = f"got {len(hits)}" + (f" (+{len(near)} with the tag but other bytes)"
                                        if near else "")
            bad += not say(False, what, why)
        elif src and any(s != src for s in hits):
            bad += not say(False, what, f"source {sorted(set(hits))}")
        else:
            say(True, what)
    return 1 if bad else 0


def cmd_capture(a):
    ETH_P_ALL = 3
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.bind((a.iface, 0))
    s.settimeout(0.2)
    sinks = []
    if a.sink:
        # absorb lnsd's ESP/NAT-T so the kernel sends no ICMP unreachables back
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.bind(("0.0.0.0", 4500))
        sinks = [u, socket.socket(socket.AF_INET, socket.SOCK_RAW, 50)]
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    with open(a.out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        f.flush()
        open(a.ready, "w").close()
        end = time.monotonic() + a.timeout
        while not stop and time.monotonic() < end:
            try:
                data, addr = s.recvfrom(65535)
            except (socket.timeout, InterruptedError):
                continue
            except OSError:   # the interface went away
                break
            if addr[2] == socket.PACKET_OUTGOING:
                continue
            t = time.time()
            f.write(struct.pack("<IIII", int(t), int((t % 1) * 1e6), len(data), len(data))
                    + data)
            f.flush()
    for u in sinks:
        u.close()


def cmd_udpsend(a):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", DOWN_SPORT))
    for sp in a.spec:
        dst, _, tag = sp.partition("=")
        s.sendto(payload(tag), hostport(dst))
        time.sleep(a.gap)


def cmd_send(a):
    from scapy.arch import get_if_hwaddr
    from scapy.config import conf
    from scapy.packet import Raw
    from scapy.sendrecv import sendp
    conf.verb = 0
    sas = default_sas(a.alg)
    mac = lambda m: bytes.fromhex(m.replace(":", ""))  # noqa: E731
    eth = mac(a.mac) + mac(get_if_hwaddr(a.iface)) + b"\x08\x00"
    frames = []
    for spec in a.pkt:
        pkt, times = build_from_spec(sas, spec)
        if a.frag:
            # A client behind a small-MTU link: the outer datagram in pieces,
            # last fragment first to exercise reordering.
            from scapy.layers.inet import IP, fragment
            parts = [bytes(f) for f in fragment(IP(pkt), fragsize=a.frag)]
            frames += [eth + f for f in reversed(parts)] * times
        else:
            frames += [eth + pkt] * times
    if a.pcap_out:
        from scapy.utils import wrpcap
        wrpcap(a.pcap_out, [Raw(f) for f in frames], linktype=1)
        print(f"# wrote {len(frames)} frame(s) to {a.pcap_out}", flush=True)
        return
    if a.go_fifo:
        with open(a.go_fifo) as f:   # built; now block until the test says go
            f.read()
    sendp([Raw(f) for f in frames], iface=a.iface, verbose=False)
    print(f"# sent {len(frames)} frame(s)", flush=True)


def cmd_down(a):
    sas = default_sas(a.alg)
    specs = []
    for sp in a.spec:
        name, _, tag = sp.partition("=")
        specs.append((sa_by_name(sas, name), tag))
    end = time.monotonic() + a.timeout
    while True:
        decs = [d for d in (decode_down(f, sas) for f in read_pcap(a.pcap)[a.skip:]) if d]
        seen = {(d["sa"].name if d["sa"] else None, d.get("data")) for d in decs}
        if all((sa.name, payload(tag)) in seen for sa, tag in specs if tag != "none") \
                or time.monotonic() >= end:
            break
        time.sleep(0.1)
    print(f"# {len(decs)} ESP frame(s) from lnsd in {a.pcap}")
    bad = 0
    for sa, tag in specs:
        mine = [d for d in decs if d["sa"] is sa]
        if tag == "none":
            bad += not say(not mine, f"{sa.name}: no ESP on SPI {sa.spi_out:#x}",
                           f"{len(mine)} frame(s)")
            continue
        want = payload(tag)
        what = f"{sa.name} {tag}: ESP SPI {sa.spi_out:#x} -> L2TP {sa.peer_id}/1, " \
               f"PPP ff03 0021, IPv4 to {sa.sub}, payload byte-exact"
        hits = [d for d in mine if d.get("data") == want]
        errs = [d["error"] for d in mine if d["error"]]
        if len(hits) != 1:
            bad += not say(False, what, f"{len(hits)} matching of {len(mine)} on the SPI"
                           + (f"; errors: {'; '.join(sorted(set(errs)))}" if errs else ""))
            continue
        d = hits[0]
        l2 = d["l2tp"]
        why = []
        if l2["control"]:
            why.append("L2TP T bit set")
        if (l2["tid"], l2["sid"]) != (sa.peer_id, 1):
            why.append(f"L2TP ids {l2['tid']}/{l2['sid']}")
        if (d["sub_src"], d["sub_dst"]) != (CORE_PEER, sa.sub):
            why.append(f"inner IPv4 {d['sub_src']} -> {d['sub_dst']}")
        if (d["sport"], d["dport"]) != (DOWN_SPORT, DOWN_DPORT):
            why.append(f"inner UDP ports {d['sport']}->{d['dport']}")
        bad += not say(not why, what, "; ".join(why))
    if a.seq:
        for sa in sorted({sa for sa, tag in specs if tag != "none"}, key=lambda s: s.name):
            seqs = [d["seq"] for d in decs if d["sa"] is sa]
            bad += not say(seqs == list(range(1, len(seqs) + 1)),
                           f"{sa.name}: ESP sequence numbers on SPI {sa.spi_out:#x} are 1, 2, ...",
                           f"got {seqs}")
    stray = [d for d in decs if d["sa"] is None]
    if stray:
        print(f"# {len(stray)} ESP frame(s) on unknown SPIs: "
              f"{sorted({d['spi'] for d in stray if 'spi' in d})}")
    return 1 if bad else 0


def tshark_rows(pcap, records):
    """tshark's view of the ESP frames in pcap, decrypted with the UAT records:
    rows of (spi, icv_good, l2tp tunnel ids, l2tp session ids, ip.dst list, ip.src list), or a str
    (the error) when tshark fails."""
    cmd = ["tshark", "-n", "-r", pcap,
           "-o", "esp.enable_encryption_decode:TRUE",
           "-o", "esp.enable_authentication_check:TRUE"]
    for r in records:
        cmd += ["-o", "uat:esp_sa:" + r]
    cmd += ["-Y", "esp", "-T", "fields", "-E", "separator=;", "-E", "occurrence=a",
            "-E", "aggregator=,", "-e", "esp.spi", "-e", "esp.icv_good",
            "-e", "l2tp.tunnel", "-e", "l2tp.session", "-e", "ip.dst", "-e", "ip.src"]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, check=False)
    except OSError as e:
        return str(e)
    if p.returncode != 0:
        return p.stderr.strip()[-300:]
    return [ln.split(";") for ln in p.stdout.splitlines() if ln.strip()]


def tshark_check(rows, spi, tid, sid, addr, name, up=False):
    """One check line: every frame on spi has a good ICV, L2TP tid/sid, and the
    subscriber address addr as inner destination (source when up)."""
    what = f"tshark: {name} SPI {spi:#x} esp.icv_good, L2TP {tid}/{sid}, " \
        f"{'from' if up else 'to'} {addr}"
    if isinstance(rows, str):
        return say(False, what, f"tshark failed: {rows}")
    mine = [r for r in rows if r[0] and int(r[0], 0) == spi]
    why = [] if mine else ["no frame"]
    for r in mine:
        if r[1] not in ("1", "True", "TRUE"):
            why.append(f"icv_good={r[1] or '(absent)'}")
        if r[2] != str(tid) or r[3] != str(sid):
            why.append(f"l2tp {r[2] or '-'}/{r[3] or '-'}")
        col = r[5] if up else r[4]
        if addr not in col.split(","):
            why.append(f"ip.{'src' if up else 'dst'} {col}")
    return say(not why, what, ", ".join(sorted(set(why))))


def cmd_tshark(a):
    sas = default_sas(a.alg)
    # a copy of what is complete now: the capture may still be writing
    copy = a.pcap + ".tshark"
    write_pcap(copy, read_pcap(a.pcap))
    rows = tshark_rows(copy, uat_records(sas, "out"))
    os.unlink(copy)
    bad = 0
    for name in a.sa:
        sa = sa_by_name(sas, name)
        bad += not tshark_check(rows, sa.spi_out, sa.peer_id, 1, sa.sub, name)
    return 1 if bad else 0


def write_pcap(path, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for i, fr in enumerate(frames):
            f.write(struct.pack("<IIII", 1700000000 + i, 0, len(fr), len(fr)) + fr)


def simulate_down(sa, tag, seq, flip=False):
    """The frame lnsd should send for a core datagram to sa.sub (for self-tests)."""
    from scapy.layers.inet import IP, UDP
    from scapy.packet import Raw
    inner = IP(src=CORE_PEER, dst=sa.sub, ttl=63) / UDP(sport=DOWN_SPORT, dport=DOWN_DPORT) \
        / payload(tag)
    l2 = l2tp_data(sa.peer_id, 1, ppp_frame(inner))
    clear = IP(bytes(IP(src=LNS_ACC, dst=CLIENT) / UDP(sport=1701, dport=1701) / Raw(l2)))
    enc = sa.scapy_sa("down").encrypt(clear, seq_num=seq)
    if sa.natt:
        enc[UDP].len = None
    b = bytearray(b"\x02\0\0\0\0\x02" + b"\x02\0\0\0\0\x01" + b"\x08\x00" + bytes(enc))
    if flip:
        b[-1] ^= 1
    return bytes(b)


def decode_up(frame, sas):
    """Decrypt an upstream frame (as lnsd would): dict with sa, l2tp, ppp, sub_src,
    sub_dst, data, or error."""
    from scapy.layers.inet import IP
    b = frame[14:]
    oip, opl = parse_ipv4(b, "outer")
    if oip["proto"] == 17:
        _, _, esp = parse_udp(oip, opl, "NAT-T")
    else:
        esp = opl
    spi = struct.unpack("!I", esp[:4])[0]
    sa = next((s for s in sas if s.spi_in == spi), None)
    r = dict(sa=sa, spi=spi, error=None)
    if sa is None:
        r["error"] = "unknown SPI"
        return r
    try:
        dec = sa.scapy_sa("up").decrypt(IP(b).copy())
        iip, ipl = parse_ipv4(bytes(dec), "ESP payload")
        _, _, l2b = parse_udp(iip, ipl, "L2TP UDP")
        l2 = parse_l2tp(l2b)
        ppp = l2["ppp"]
        hd = 2 if ppp[:2] == b"\xff\x03" else 0
        r.update(l2tp=l2, hdlc=bool(hd), ppp_proto=struct.unpack("!H", ppp[hd:hd + 2])[0])
        sip, spl = parse_ipv4(ppp[hd + 2:], "subscriber")
        r["sub_src"], r["sub_dst"] = sip["src"], sip["dst"]
        r["sport"], r["dport"], r["data"] = parse_udp(sip, spl, "subscriber UDP")
    except Exception as e:  # noqa: BLE001
        r["error"] = f"{type(e).__name__}: {e}"
    return r


def cmd_selftest(a):
    """Round trips without lnsd: what `send` builds decrypts (scapy and tshark) to the
    right L2TP/PPP/IPv4; what lnsd should send passes `down` and `tshark`; tampered
    frames fail both."""
    import tempfile
    bad = 0
    tmp = tempfile.mkdtemp(prefix="dpclient-")
    have_tshark = subprocess.run(["sh", "-c", "command -v tshark"], capture_output=True,
                                 check=False).returncode == 0
    for alg in a.alg or sorted(ALGS):
        sas = default_sas(alg)
        eth = b"\x02\0\0\0\0\x01\x02\0\0\0\0\x02\x08\x00"
        ups = []
        for sa in sas:
            for var in ({}, {"hdlc": False}, {"l2len": True, "l2seq": (7, 3)}):
                tag = f"st-{alg}-{sa.name}-{len(ups)}"
                fr = eth + upstream(sa, 5 + len(ups), tag=tag, **var)
                ups.append(fr)
                d = decode_up(fr, sas)
                l2 = d.get("l2tp") or {}
                ok = (d["error"] is None and d["sa"] is sa and l2.get("tid") == sa.local_id
                      and l2.get("sid") == 1 and d["hdlc"] == var.get("hdlc", True)
                      and d["ppp_proto"] == 0x21 and d["sub_src"] == sa.sub
                      and d["sub_dst"] == CORE_PEER and d["data"] == payload(tag)
                      and (l2.get("ns"), l2.get("nr")) == var.get("l2seq", (None, None))
                      and (l2.get("length") is not None) == var.get("l2len", False))
                bad += not say(ok, f"{alg} {sa.name} {var or 'plain'}: upstream decrypts "
                               "to the right L2TP/PPP/IPv4", str(d))
        sa = sas[0]
        d = decode_up(eth + upstream(sa, 99, tag="t", flip=True), sas)
        bad += not say("IPSecIntegrityError" in str(d["error"]),
                       f"{alg}: flipped ICV fails to decrypt", str(d.get("error")))
        d = decode_up(eth + upstream(sa, 99, tag="t", spi=0x7777), sas)
        bad += not say(d["sa"] is None and d["spi"] == 0x7777, f"{alg}: SPI override",
                       str(d))
        if have_tshark:
            up_pcap = os.path.join(tmp, f"up-{alg}.pcap")
            write_pcap(up_pcap, ups)
            rows = tshark_rows(up_pcap, uat_records(sas, "in"))
            for sa in sas:
                bad += not tshark_check(rows, sa.spi_in, sa.local_id, 1, sa.sub,
                                        f"{alg} upstream {sa.name}", up=True)
        downs = [simulate_down(sa, f"sd-{alg}-{sa.name}", 1) for sa in sas]
        pcap = os.path.join(tmp, f"down-{alg}.pcap")
        write_pcap(pcap, downs)
        args = ["--alg", alg, "--pcap", pcap, "--timeout", "0"]
        bad += bool(main(["down", "--seq"] + args + [f"{sa.name}=sd-{alg}-{sa.name}" for sa in sas]))
        if have_tshark:
            bad += bool(main(["tshark", "--alg", alg, "--pcap", pcap] + [s.name for s in sas]))
        # tampered: the ICV check must fail in both decoders
        write_pcap(pcap, [simulate_down(sas[0], "sd-flip", 2, flip=True)])
        decs = [decode_down(f, sas) for f in read_pcap(pcap)]
        bad += not say(len(decs) == 1 and decs[0]["error"] and "ICV" in decs[0]["error"],
                       f"{alg}: down check rejects a flipped ICV", str(decs))
        if have_tshark:
            rows = tshark_rows(pcap, uat_records(sas, "out"))
            bad += not say(isinstance(rows, list) and len(rows) == 1 and rows[0][1] != "1",
                           f"{alg}: tshark flags a flipped ICV", str(rows))
    shutil.rmtree(tmp, ignore_errors=True)
    print(f"# selftest {'passed' if not bad else f'{bad} failure(s)'}")
    return 1 if bad else 0


def flat_drops(path):
    with open(path) as f:
        v = json.load(f)
    return {k: n for k, n in v.get("drops", {}).items() if isinstance(n, int)}


def cmd_statdiff(a):
    b, c = flat_drops(a.before), flat_drops(a.after)
    moved = {k: c.get(k, 0) - b.get(k, 0) for k in set(b) | set(c)
             if c.get(k, 0) != b.get(k, 0)}
    other = sorted(f"{k} {v:+d}" for k, v in moved.items() if k not in a.allow)
    return 0 if say(not other, f"{a.what}: no other drop reason moved", ", ".join(other)) else 1


def main(argv=None):
    ap = argparse.ArgumentParser(prog="dpclient.py", description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)

    def alg(p):
        p.add_argument("--alg", default="aes128gcm16", choices=sorted(ALGS))

    p = sub.add_parser("config")
    alg(p)
    p.add_argument("--replay-window", type=int, default=64)
    p.set_defaults(fn=cmd_config)
    p = sub.add_parser("uat")
    alg(p)
    p.add_argument("--dir", choices=("out", "in"), default="out")
    p.set_defaults(fn=cmd_uat)
    p = sub.add_parser("listen")
    p.add_argument("--bind", default=f"{CORE_PEER}:{UP_DPORT}")
    p.add_argument("--log", required=True)
    p.add_argument("--timeout", type=float, default=300)
    p.set_defaults(fn=cmd_listen)
    p = sub.add_parser("rx")
    p.add_argument("--log", required=True)
    p.add_argument("--timeout", type=float, default=3)
    p.add_argument("spec", nargs="+")
    p.set_defaults(fn=cmd_rx)
    p = sub.add_parser("capture")
    p.add_argument("--iface", default="eth0")
    p.add_argument("--out", required=True)
    p.add_argument("--ready", required=True)
    p.add_argument("--timeout", type=float, default=60)
    p.add_argument("--sink", action="store_true")
    p.set_defaults(fn=cmd_capture)
    p = sub.add_parser("udpsend")
    p.add_argument("--gap", type=float, default=0.01)
    p.add_argument("spec", nargs="+")
    p.set_defaults(fn=cmd_udpsend)
    p = sub.add_parser("send")
    alg(p)
    p.add_argument("--mac", required=True)
    p.add_argument("--iface", default="eth0")
    p.add_argument("--go-fifo")
    p.add_argument("--frag", type=int, default=0,
                   help="fragment the outer IPv4 datagram into pieces of this size")
    p.add_argument("--pcap-out", help="write the frames to this pcap instead of sending")
    p.add_argument("pkt", nargs="+")
    p.set_defaults(fn=cmd_send)
    p = sub.add_parser("down")
    alg(p)
    p.add_argument("--pcap", required=True)
    p.add_argument("--timeout", type=float, default=3)
    p.add_argument("--from", dest="skip", type=int, default=0,
                   help="ignore the first N frames of the pcap")
    p.add_argument("--seq", action="store_true",
                   help="also check that each SA's sequence numbers run 1, 2, 3...")
    p.add_argument("spec", nargs="+")
    p.set_defaults(fn=cmd_down)
    p = sub.add_parser("pcount")
    p.add_argument("--pcap", required=True)
    p.set_defaults(fn=lambda a: print(len(read_pcap(a.pcap))))
    p = sub.add_parser("statdiff")
    p.add_argument("before")
    p.add_argument("after")
    p.add_argument("--allow", nargs="*", default=[])
    p.add_argument("--what", default="drops")
    p.set_defaults(fn=cmd_statdiff)
    p = sub.add_parser("selftest")
    p.add_argument("--alg", action="append", choices=sorted(ALGS))
    p.set_defaults(fn=cmd_selftest)
    p = sub.add_parser("tshark")
    alg(p)
    p.add_argument("--pcap", required=True)
    p.add_argument("sa", nargs="+")
    p.set_defaults(fn=cmd_tshark)
    a = ap.parse_args(argv)
    import logging
    logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
    return a.fn(a) or 0


if __name__ == "__main__":
    sys.exit(main())
