#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""espgen: paced ESP streams over lnsd's static SAs, both ways (test_reload.sh).

scapy's SecurityAssociation costs ~1.4 ms a packet, too slow to pace dozens of
sessions on a loaded machine, so the packets are sealed here with the
`cryptography` package (OpenSSL: an implementation independent of lnsd's
IPsec-MB), and `selftest` proves this encoder and decoder byte for byte against
scapy's SecurityAssociation for every SA of the plan before a test uses them.

  espgen.py plan --sas N --sessions M --tid T --spi S --first-sub A --out PLAN
      N SA pairs (NAT-T, peer CLIENT:PEER_PORT), algorithms and modes rotating
      (aes128gcm16 transport, aes128-sha1 transport, aes256gcm16 tunnel), each
      carrying one static tunnel (local id T+i, peer id 100+i) of M sessions whose
      addresses follow A in file order; keys derived from the SPIs.
  espgen.py yaml PLAN sas|tunnels       the static: list items of the plan
  espgen.py selftest PLAN               our ESP vs scapy's, both ways, per SA
  espgen.py up PLAN SRC DST SECS MBPS SIZE
      L2TP data -> PPP -> IPv4/UDP (SIZE bytes, subscriber -> 198.51.100.2:9000)
      in ESP in UDP from SRC:4500 to DST:4500, MBPS Mbit/s per session; prints
      "sent SECONDS PACKETS_PER_SESSION".
  espgen.py rx PLAN BIND PORT SECS      lnsd's downstream ESP on BIND:PORT: checks
      the ICV, the SA's sequence numbers (each once, none missing, none behind
      the newest by a 64-packet replay window or more: a client would drop it),
      L2TP peer ids, PPP and the inner destination; prints "rx SUBADDR N" per
      session, "bad REASON N" per kind of failure and "# reordered SPI N, D deep"
      (lnsd seals downstream on the lcore whose queue the flow arrived on; two
      lcores sharing an SA's atomic counter may pass each other).
"""
import hashlib
import hmac
import json
import os
import socket
import struct
import sys
import time

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import policygen  # noqa: E402  (inner(), pace(), ip_cksum())

LNS_ACC = "192.0.2.1"
CLIENT = "192.0.2.2"
CORE_DST = "198.51.100.2"
KINDS = [("aes128gcm16", "transport"), ("aes128-sha1", "transport"),
         ("aes256gcm16", "tunnel")]
# name: (GCM?, cipher key bytes, auth key bytes, ICV bytes, IV bytes, pad alignment)
ALGS = {"aes128gcm16": (True, 16, 0, 16, 8, 4),
        "aes256gcm16": (True, 32, 0, 16, 8, 4),
        "aes128-sha1": (False, 16, 20, 12, 16, 16)}


def derive(spi, what, n):
    out, i = b"", 0
    while len(out) < n:
        out += hashlib.sha256(b"espgen/%d/%s/%d" % (spi, what.encode(), i)).digest()
        i += 1
    return out[:n]


class Sa:
    """One direction of an SA: seal() and open() ESP (RFC 4303; GCM per RFC 4106,
    CBC per RFC 3602 with HMAC-SHA1-96 per RFC 2404)."""

    def __init__(self, spi, alg, mode, key, akey):
        self.spi, self.alg, self.mode = spi, alg, mode
        self.gcm, self.klen, _, self.icv, self.ivlen, self.align = ALGS[alg]
        self.key, self.akey = key, akey
        self.seq = 0
        if self.gcm:
            self.aead, self.salt = AESGCM(key[:self.klen]), key[self.klen:]

    def seal(self, plain, nh, iv=None, seq=None):
        if seq is None:
            self.seq += 1
            seq = self.seq
        if iv is None:
            iv = os.urandom(self.ivlen)
        padlen = -(len(plain) + 2) % self.align
        body = plain + bytes(range(1, padlen + 1)) + bytes([padlen, nh])
        hdr = struct.pack("!II", self.spi, seq)
        if self.gcm:
            ct = self.aead.encrypt(self.salt + iv, body, hdr)
            return hdr + iv + ct
        enc = Cipher(algorithms.AES(self.key), modes.CBC(iv)).encryptor()
        ct = enc.update(body) + enc.finalize()
        icv = hmac.new(self.akey, hdr + iv + ct, hashlib.sha1).digest()[:self.icv]
        return hdr + iv + ct + icv

    def open(self, esp):
        """(seq, next header, payload), or raises ValueError naming the failure."""
        if len(esp) < 8 + self.ivlen + self.icv + 2:
            raise ValueError("short")
        hdr, iv = esp[:8], esp[8:8 + self.ivlen]
        seq = struct.unpack("!I", esp[4:8])[0]
        if self.gcm:
            try:
                body = self.aead.decrypt(self.salt + iv, esp[8 + self.ivlen:], hdr)
            except Exception:
                raise ValueError("icv")
        else:
            ct, icv = esp[8 + self.ivlen:-self.icv], esp[-self.icv:]
            want = hmac.new(self.akey, hdr + iv + ct, hashlib.sha1).digest()[:self.icv]
            if not hmac.compare_digest(icv, want) or len(ct) % 16:
                raise ValueError("icv")
            dec = Cipher(algorithms.AES(self.key), modes.CBC(iv)).decryptor()
            body = dec.update(ct) + dec.finalize()
        padlen, nh = body[-2], body[-1]
        if padlen + 2 > len(body) or body[-2 - padlen:-2] != bytes(range(1, padlen + 1)):
            raise ValueError("padding")
        return seq, nh, body[:-2 - padlen]


def tunnel_ip(src, dst, payload):
    """The inner IPv4 header of a host-to-host tunnel-mode SA (UDP inside)."""
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 0, 0x4000, 64, 17, 0,
                    socket.inet_aton(src), socket.inet_aton(dst))
    return h[:10] + struct.pack("!H", policygen.ip_cksum(h)) + h[12:] + payload


def wrap(sa, udp):
    """ESP of a UDP 1701 datagram from the client: transport or tunnel mode."""
    if sa.mode == "tunnel":
        return sa.seal(tunnel_ip(CLIENT, LNS_ACC, udp), 4)
    return sa.seal(udp, 17)


def l2tp_udp(tid, sid, ip):
    l2 = struct.pack("!HHH", 0x0002, tid, sid) + b"\xff\x03\x00\x21" + ip
    return struct.pack("!HHHH", 1701, 1701, 8 + len(l2), 0) + l2


def load(path):
    with open(path) as f:
        return json.load(f)


def sa_pair(s):
    """(client -> lnsd, lnsd -> client) of a plan entry."""
    return (Sa(s["spi_in"], s["alg"], s["mode"], bytes.fromhex(s["key_in"]),
               bytes.fromhex(s["auth_in"])),
            Sa(s["spi_out"], s["alg"], s["mode"], bytes.fromhex(s["key_out"]),
               bytes.fromhex(s["auth_out"])))


def cmd_plan(a):
    n, m, tid, spi = int(a["--sas"]), int(a["--sessions"]), int(a["--tid"]), int(a["--spi"], 0)
    sub = struct.unpack("!I", socket.inet_aton(a["--first-sub"]))[0]
    port = int(a.get("--peer-port", "4501"))
    plan = []
    for i in range(n):
        alg, mode = KINDS[i % len(KINDS)]
        gcm, klen, alen = ALGS[alg][:3]
        klen += 4 if gcm else 0
        e = {"name": "esp%d" % i, "spi_in": spi + i, "spi_out": spi + 0x10000 + i,
             "alg": alg, "mode": mode, "peer_port": port,
             "local_id": tid + i, "peer_id": 100 + i, "sessions": []}
        for what in ("key_in", "key_out", "auth_in", "auth_out"):
            e[what] = derive(e["spi_in"], what, alen if what.startswith("auth") else klen).hex()
        for s in range(1, m + 1):
            e["sessions"].append([s, socket.inet_ntoa(struct.pack("!I", sub))])
            sub += 1
        plan.append(e)
    with open(a["--out"], "w") as f:
        json.dump(plan, f, indent=1)


def cmd_yaml(plan, part):
    out = []
    for s in plan:
        if part == "sas":
            out += ["    - name: %s" % s["name"], "      spi-in: %#x" % s["spi_in"],
                    "      spi-out: %#x" % s["spi_out"], "      peer: %s" % CLIENT,
                    "      alg: %s" % s["alg"], "      mode: %s" % s["mode"],
                    "      udp-encap: true", "      peer-port: %d" % s["peer_port"],
                    "      key-in: %s" % s["key_in"], "      key-out: %s" % s["key_out"]]
            if s["auth_in"]:
                out += ["      auth-key-in: %s" % s["auth_in"],
                        "      auth-key-out: %s" % s["auth_out"]]
        else:
            out += ["    - {local-id: %d, peer-id: %d, sa: %s, sessions: %d, pool: stat}" % (
                s["local_id"], s["peer_id"], s["name"], len(s["sessions"]))]
    print("\n".join(out))


def cmd_selftest(plan):
    """Our sealing against scapy's SecurityAssociation with the same IV and
    sequence number (byte-exact), and scapy's packets through our open()."""
    import logging
    logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
    from scapy.layers.inet import IP, UDP
    from scapy.layers.ipsec import ESP, SecurityAssociation
    from scapy.packet import Raw
    names = {"aes128gcm16": ("AES-GCM", None), "aes256gcm16": ("AES-GCM", None),
             "aes128-sha1": ("AES-CBC", "HMAC-SHA1-96")}
    fails = 0
    for s in plan:
        crypt, auth = names[s["alg"]]
        for d, sa in zip(("up", "down"), sa_pair(s)):
            key = sa.key if sa.gcm else sa.key[:sa.klen]
            kw = dict(crypt_algo=crypt, crypt_key=key,
                      nat_t_header=UDP(sport=4500, dport=4500))
            if auth:
                kw.update(auth_algo=auth, auth_key=sa.akey)
            if sa.mode == "tunnel":
                kw["tunnel_header"] = IP(src=CLIENT, dst=LNS_ACC)
            ssa = SecurityAssociation(ESP, spi=sa.spi, **kw)
            udp = l2tp_udp(s["local_id"], 1, policygen.inner(s["sessions"][0][1], CORE_DST,
                                                             60 + sa.spi % 50))
            iv = derive(sa.spi, "iv", sa.ivlen)
            if sa.mode == "tunnel":
                ours = sa.seal(tunnel_ip(CLIENT, LNS_ACC, udp), 4, iv=iv, seq=7)
                theirs = ssa.encrypt(IP(tunnel_ip(CLIENT, LNS_ACC, udp)), seq_num=7, iv=iv)
            else:
                ours = sa.seal(udp, 17, iv=iv, seq=7)
                theirs = ssa.encrypt(IP(src=CLIENT, dst=LNS_ACC, proto=17) / Raw(udp),
                                     seq_num=7, iv=iv)
            esp = bytes(theirs[UDP].payload)
            ok = ours == esp
            try:
                seq, nh, plain = sa.open(bytes(theirs[UDP].payload))
                want = tunnel_ip(CLIENT, LNS_ACC, udp) if sa.mode == "tunnel" else udp
                ok = ok and seq == 7 and nh == (4 if sa.mode == "tunnel" else 17) and plain == want
            except ValueError as e:
                ok = False
                print("# %s %s: open: %s" % (s["name"], d, e))
            fails += not ok
            print("%s %s %s (%s %s) sealed as scapy does and opens scapy's" % (
                "OK" if ok else "FAIL", s["name"], d, s["alg"], s["mode"]))
    return 1 if fails else 0


def cmd_up(plan, src, dst, secs, mbps, size):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((src, 4500))

    class Msg:
        """One session's packet, sealed afresh (next sequence number) each send."""

        def __init__(self, sa, udp):
            self.sa, self.udp = sa, udp

    msgs = []
    for s in plan:
        up, _ = sa_pair(s)
        for sid, sub in s["sessions"]:
            msgs.append(Msg(up, l2tp_udp(s["local_id"], sid,
                                         policygen.inner(sub, CORE_DST, size))))

    class Sock:
        def sendto(self, m, a):
            sock.sendto(wrap(m.sa, m.udp), a)

    policygen.pace([(Sock(), m, (dst, 4500)) for m in msgs], secs, mbps, size)


def cmd_rx(plan, bind, port, secs):
    sas, ids = {}, {}
    for s in plan:
        _, down = sa_pair(s)
        sas[down.spi] = down
        for sid, sub in s["sessions"]:
            ids[(down.spi, s["peer_id"], sid)] = sub
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    sock.bind((bind, port))
    sock.settimeout(0.2)
    cnt, bad = {}, {}
    seen, top, late = {}, {}, {}
    t0, last = time.monotonic(), None
    while time.monotonic() - t0 < secs:
        try:
            d, _ = sock.recvfrom(4096)
        except socket.timeout:
            if last is not None and time.monotonic() - last > 1.5:
                break
            continue
        last = time.monotonic()
        why = None
        spi = struct.unpack("!I", d[:4])[0] if len(d) >= 4 else 0
        sa = sas.get(spi)
        try:
            if sa is None:
                raise ValueError("unknown_spi")
            seq, nh, p = sa.open(d)
            got = seen.setdefault(spi, set())
            if seq in got:
                raise ValueError("seq_repeated_%#x" % spi)
            got.add(seq)
            if seq < top.get(spi, 0):
                if seq <= top[spi] - 64:
                    raise ValueError("seq_outside_window_%#x" % spi)
                n, deep = late.get(spi, (0, 0))
                late[spi] = (n + 1, max(deep, top[spi] - seq))
            top[spi] = max(top.get(spi, 0), seq)
            if sa.mode == "tunnel":
                if nh != 4 or p[:1] != b"\x45" or p[12:20] != socket.inet_aton(LNS_ACC) + \
                        socket.inet_aton(CLIENT):
                    raise ValueError("tunnel_header")
                p = p[20:]
            elif nh != 17:
                raise ValueError("next_header")
            if struct.unpack("!HH", p[:4]) != (1701, 1701):
                raise ValueError("udp_ports")
            l2 = p[8:]
            flags = struct.unpack("!H", l2[:2])[0]
            if flags & 0x8000 or flags & 0x000f != 2:
                raise ValueError("l2tp_header")
            o = 4 if flags & 0x4000 else 2
            tid, sid = struct.unpack("!HH", l2[o:o + 4])
            o += 4 + (4 if flags & 0x0800 else 0)
            if flags & 0x0200:
                o += 2 + struct.unpack("!H", l2[o:o + 2])[0]
            ppp = l2[o:]
            if ppp[:2] == b"\xff\x03":
                ppp = ppp[2:]
            if ppp[:2] != b"\x00\x21":
                raise ValueError("ppp_protocol")
            sub = ids.get((spi, tid, sid))
            if sub is None or ppp[2 + 16:2 + 20] != socket.inet_aton(sub):
                raise ValueError("wrong_session")
            cnt[sub] = cnt.get(sub, 0) + 1
        except (ValueError, struct.error, IndexError) as e:
            why = str(e) if isinstance(e, ValueError) else "truncated"
            bad[why] = bad.get(why, 0) + 1
    for k, v in sorted(cnt.items()):
        print("rx %s %d" % (k, v))
    for spi, got in sorted(seen.items()):
        if len(got) != max(got):
            bad["seq_missing_%#x" % spi] = max(got) - len(got)
    for k, v in sorted(bad.items()):
        print("bad %s %d" % (k, v))
    for spi, (n, deep) in sorted(late.items()):
        print("# reordered %#x %d, %d deep" % (spi, n, deep))


def main():
    mode, args = sys.argv[1], sys.argv[2:]
    if mode == "plan":
        cmd_plan(dict(zip(args[::2], args[1::2])))
        return 0
    plan = load(args[0])
    if mode == "yaml":
        cmd_yaml(plan, args[1])
    elif mode == "selftest":
        return cmd_selftest(plan)
    elif mode == "up":
        cmd_up(plan, args[1], args[2], float(args[3]), float(args[4]), int(args[5]))
    elif mode == "rx":
        cmd_rx(plan, args[1], int(args[2]), float(args[3]))
    else:
        raise SystemExit("espgen: unknown command %r" % mode)
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
