"""Flood and traffic tools for test_flood.sh and test_exhaust.sh (raw frames built
by hand: fast). test_exhaust.sh appends commands of its own to a copy."""
import os, random, select, socket, struct, sys, time

LNS, CLIENT = "192.0.2.1", "192.0.2.2"

def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff

def ipv4_udp(src, dst, sport, dport, payload):
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), random.getrandbits(16), 0,
                      64, 17, 0, socket.inet_aton(src), socket.inet_aton(dst))
    return hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:] + udp

def avp(t, v, m=True):
    return struct.pack("!HHH", (0x8000 if m else 0) | (6 + len(v)), 0, t) + v

def l2tp_ctl(tid, sid, ns, nr, avps=b""):
    return struct.pack("!HHHHHH", 0xc802, 12 + len(avps), tid, sid, ns, nr) + avps

def sccrq(peer_tid, rws=None):
    a = (avp(0, struct.pack("!H", 1)) + avp(2, b"\x01\x00") + avp(7, b"flood") +
         avp(3, struct.pack("!I", 3)) + avp(9, struct.pack("!H", peer_tid)))
    if rws:
        a += avp(10, struct.pack("!H", rws))
    return l2tp_ctl(0, 0, 0, 0, a)

def parse_avps(b):
    out, off = {}, 12
    while off + 6 <= len(b):
        fl, _, t = struct.unpack("!HHH", b[off:off + 6])
        n = fl & 0x3ff
        if n < 6:
            break
        out.setdefault(t, b[off + 6:off + n])
        off += n
    return out

def ike_mm1(icky):
    attrs = b"".join(struct.pack("!HH", 0x8000 | t, v) for t, v in
                     ((1, 7), (14, 128), (2, 2), (3, 1), (4, 14), (11, 1), (12, 28800)))
    tr = struct.pack("!BBHBBH", 0, 0, 8 + len(attrs), 1, 1, 0) + attrs
    prop = struct.pack("!BBHBBBB", 0, 0, 8 + len(tr), 1, 1, 0, 1) + tr
    sa = struct.pack("!BBHII", 0, 0, 12 + len(prop), 1, 1) + prop
    hdr = icky + b"\0" * 8 + struct.pack("!BBBBII", 1, 0x10, 2, 0, 0, 28 + len(sa))
    return hdr + sa

class Wire:
    """AF_PACKET on eth0 toward lnsd's MAC."""
    def __init__(self, mac):
        self.s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        self.s.bind(("eth0", 0))
        own = open("/sys/class/net/eth0/address").read().strip()
        self.eth = bytes.fromhex(mac.replace(":", "")) + bytes.fromhex(own.replace(":", "")) + b"\x08\x00"
    def send(self, ip):
        self.s.send(self.eth + ip)

def paced(n, rate):
    """Yield i = 0..n-1 at `rate` per second (in small batches)."""
    t0 = time.monotonic()
    for i in range(n):
        if i % 10 == 0:
            d = t0 + i / rate - time.monotonic()
            if d > 0:
                time.sleep(d)
        yield i

def forged(i):
    return "192.0.2.%d" % (20 + i % 200)

def cmd_sccrq(mac, n, rate, heavy):
    w = Wire(mac)
    for i in paced(n, rate):
        src = "192.0.2.19" if i < heavy else forged(i)
        w.send(ipv4_udp(src, LNS, random.randint(1024, 65535), 1701,
                        sccrq(random.randint(1, 65535))))

def cmd_ike(mac, n, rate, heavy):
    w = Wire(mac)
    for i in paced(n, rate):
        src = "192.0.2.18" if i < heavy else forged(i)
        w.send(ipv4_udp(src, LNS, 500, 500, ike_mm1(os.urandom(8))))

def cmd_icrq(n, rate, out, peer_tid):
    """Our own LAC on a kernel socket: a tunnel, then n ICRQs, acknowledging lnsd."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((CLIENT, 1701))
    s.connect((LNS, 1701))
    s.settimeout(3)
    for _ in range(10):             # retransmitted, as a LAC does (a flood may hide it)
        s.send(sccrq(peer_tid, rws=1024))
        try:
            m = s.recv(2048)
        except socket.timeout:
            continue
        a = parse_avps(m)
        if a.get(0) == b"\x00\x02":
            break
    else:
        raise SystemExit("no SCCRP")
    lns_tid = struct.unpack("!H", a[9])[0]
    nr = struct.unpack("!H", m[8:10])[0] + 1
    ns = 1
    s.send(l2tp_ctl(lns_tid, 0, ns, nr, avp(0, struct.pack("!H", 3))))
    ns += 1
    cdn4 = icrp = 0
    s.setblocking(False)
    def drain():
        nonlocal nr, cdn4, icrp
        while True:
            try:
                m = s.recv(2048)
            except BlockingIOError:
                return
            if len(m) <= 12:
                continue
            mns = struct.unpack("!H", m[8:10])[0]
            if mns == nr:
                nr = (nr + 1) & 0xffff
            a = parse_avps(m)
            if a.get(0) == b"\x00\x0b":
                icrp += 1
            elif a.get(0) == b"\x00\x0e" and a.get(1, b"")[:2] == b"\x00\x04":
                cdn4 += 1
    for i in paced(n, rate):
        s.send(l2tp_ctl(lns_tid, 0, ns, nr, avp(0, struct.pack("!H", 10)) +
                        avp(14, struct.pack("!H", 1 + i % 65000)) +
                        avp(15, struct.pack("!I", i))))
        ns = (ns + 1) & 0xffff
        drain()
    end = time.monotonic() + 2
    while time.monotonic() < end:
        select.select([s], [], [], 0.1)
        drain()
        s.send(l2tp_ctl(lns_tid, 0, ns, nr))       # ZLB: ack what came
    open(out, "w").write("%d %d %d\n" % (lns_tid, icrp, cdn4))

def cmd_traffic(mac, n, rate):
    sys.path.insert(0, os.path.join(os.environ["LNS_SRC"], "tests/integration"))
    import dpclient
    sa = dpclient.sa_by_name(dpclient.default_sas("aes128gcm16"), "nat")
    # replay window 0 in this config: the same ESP frame may be sent again
    frame = dpclient.upstream(sa, 1, tag="steady#200")
    w = Wire(mac)
    for _ in paced(n, rate):
        w.send(frame)

def cmd_count(out, ready):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
    s.bind(("198.51.100.2", 9999))
    open(ready, "w").close()
    n, s_timeout = 0, None
    s.settimeout(20)
    while True:
        try:
            s.recv(4096)
            n += 1
            s.settimeout(2)     # over when 2 s pass without one
        except socket.timeout:
            break
    open(out, "w").write("%d\n" % n)

if __name__ == "__main__":
    c, a = sys.argv[1], sys.argv[2:]
    if c == "sccrq":
        cmd_sccrq(a[0], int(a[1]), float(a[2]), int(a[3]))
    elif c == "ike":
        cmd_ike(a[0], int(a[1]), float(a[2]), int(a[3]))
    elif c == "icrq":
        cmd_icrq(int(a[0]), float(a[1]), a[2], int(a[3]))
    elif c == "traffic":
        cmd_traffic(a[0], int(a[1]), float(a[2]))
    elif c == "count":
        cmd_count(a[0], a[1])
