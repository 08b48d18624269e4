#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Paced UDP streams for the rate-limit policy test (test_policy.sh), plain sockets.

  policygen.py up   SRC DST SECS MBPS SIZE TID:SID:SUBADDR...   (access namespace)
      L2TP data (non-secure) from SRC:1701 to DST:1701, each carrying PPP/IPv4/UDP
      of SIZE bytes from SUBADDR to 198.51.100.2:9000, MBPS Mbit/s per session.
  policygen.py down SECS MBPS SIZE SUBADDR...                    (core namespace)
      UDP to SUBADDR:9000, SIZE bytes of IPv4 each, MBPS Mbit/s per subscriber.
  policygen.py rxcore SECS                  count per source address on UDP 9000
  policygen.py rxacc ADDR SECS              count per L2TP tunnel id on ADDR:1701
Senders print "sent SECONDS PACKETS_PER_STREAM"; receivers print "rx KEY PACKETS" lines after SECS
seconds or 1.5 s of silence after the first packet.
"""
import os
import socket
import struct
import sys
import time


def ip_cksum(b):
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def inner(src, dst, size):
    udp_len = size - 20
    hdr = struct.pack('!BBHHHBBH4s4s', 0x45, 0, size, 0, 0x4000, 64, 17, 0,
                      socket.inet_aton(src), socket.inet_aton(dst))
    hdr = hdr[:10] + struct.pack('!H', ip_cksum(hdr)) + hdr[12:]
    return hdr + struct.pack('!HHHH', 9000, 9000, udp_len, 0) + b'p' * (udp_len - 8)


def pace(sock_msgs, secs, mbps, size):
    """Send every (sock, msg, addr) once per tick so each stream runs at mbps."""
    pps = mbps * 1e6 / 8 / size
    t0 = time.monotonic()
    n = 0
    while True:
        now = time.monotonic()
        if now - t0 >= secs:
            break
        due = int((now - t0) * pps) + 1
        while n < due:
            for s, m, a in sock_msgs:
                s.sendto(m, a)
            n += 1
        time.sleep(0.002)
    print('sent %.3f %d' % (time.monotonic() - t0, n))


def rx(sock, secs, key):
    sock.settimeout(0.2)
    cnt = {}
    t0 = time.monotonic()
    last = None
    while time.monotonic() - t0 < secs:
        try:
            d, a = sock.recvfrom(4096)
        except socket.timeout:
            if last is not None and time.monotonic() - last > 1.5:
                break
            continue
        last = time.monotonic()
        k = key(d, a)
        cnt[k] = cnt.get(k, 0) + 1
    for k, v in sorted(cnt.items()):
        print('rx %s %d' % (k, v))


def main():
    mode = sys.argv[1]
    if mode == 'up':
        src, dst, secs, mbps, size = sys.argv[2], sys.argv[3], float(sys.argv[4]), \
            float(sys.argv[5]), int(sys.argv[6])
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((src, 1701))
        msgs = []
        for spec in sys.argv[7:]:
            tid, sid, sub = spec.split(':')
            l2 = struct.pack('!HHH', 0x0002, int(tid), int(sid)) + b'\xff\x03\x00\x21'
            msgs.append((s, l2 + inner(sub, '198.51.100.2', size), (dst, 1701)))
        pace(msgs, secs, mbps, size)
    elif mode == 'down':
        secs, mbps, size = float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
        # POLICYGEN_FLOWS=N: each subscriber's stream spread over N source ports
        # (flows that RSS may put on different workers), same total rate
        nf = int(os.environ.get('POLICYGEN_FLOWS', '1'))
        socks = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(nf)]
        pay = b'd' * (size - 28)
        msgs = [(socks[i % nf], pay, (a, 9000)) for i in range(nf) for a in sys.argv[5:]]
        pace(msgs, secs, mbps / nf, size)
    elif mode == 'rxcore':
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        s.bind(('0.0.0.0', 9000))
        rx(s, float(sys.argv[2]), lambda d, a: a[0])
    elif mode == 'rxacc':
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        s.bind((sys.argv[2], 1701))

        def tid(d, a):
            flags = struct.unpack('!H', d[:2])[0]
            off = 4 if flags & 0x4000 else 2
            return struct.unpack('!H', d[off:off + 2])[0]
        rx(s, float(sys.argv[3]), tid)
    sys.stdout.flush()


if __name__ == '__main__':
    main()
