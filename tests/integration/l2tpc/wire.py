# SPDX-License-Identifier: BSD-3-Clause
"""Wire formats for the test LAC: L2TPv2 (RFC 2661), PPP (RFC 1661), IPv4/UDP.

Written from the RFCs, independently of lib/l2tp and lib/ppp. Every parser
checks a length before it reads and raises WireError on bad input; the client
counts those instead of crashing.
"""
import struct

# ------------------------------------------------------------- L2TP ---

# RFC 2661 section 3.1 header bits
F_T, F_L, F_S, F_O, F_P = 0x8000, 0x4000, 0x0800, 0x0200, 0x0100
VERSION = 2
CTRL_FLAGS = F_T | F_L | F_S | VERSION

# section 4.1: AVP header bits; the length takes the low 10 bits
AVP_M, AVP_H = 0x8000, 0x4000
AVP_LEN_MASK = 0x03FF

# section 3.2 message types (Message Type AVP, attribute 0)
SCCRQ, SCCRP, SCCCN, STOPCCN, HELLO = 1, 2, 3, 4, 6
ICRQ, ICRP, ICCN, CDN = 10, 11, 12, 14
MSG_NAMES = {1: "SCCRQ", 2: "SCCRP", 3: "SCCCN", 4: "StopCCN", 6: "HELLO", 7: "OCRQ",
             8: "OCRP", 9: "OCCN", 10: "ICRQ", 11: "ICRP", 12: "ICCN", 14: "CDN",
             15: "WEN", 16: "SLI"}

# section 4.4 attribute types used here
A_MSG_TYPE, A_RESULT, A_PROTO_VER, A_FRAMING_CAP, A_BEARER_CAP = 0, 1, 2, 3, 4
A_FIRMWARE, A_HOST_NAME, A_VENDOR, A_TUNNEL_ID, A_RWS = 6, 7, 8, 9, 10
A_SESSION_ID, A_CALL_SERIAL, A_BEARER_TYPE, A_FRAMING_TYPE, A_TX_SPEED = 14, 15, 18, 19, 24


class WireError(ValueError):
    """Malformed input from the wire."""


def seq_lt(a, b):
    """a < b in 16-bit sequence space (RFC 2661 section 5.8: modulo 2^16)."""
    return a != b and ((a - b) & 0xFFFF) >= 0x8000


def avp(attr, value, mandatory=True, vendor=0):
    """One AVP (section 4.1); value is bytes."""
    n = 6 + len(value)
    if n > AVP_LEN_MASK:
        raise ValueError("AVP too long")
    return struct.pack(">HHH", (AVP_M if mandatory else 0) | n, vendor, attr) + value


def avp16(attr, v, mandatory=True):
    return avp(attr, struct.pack(">H", v), mandatory)


def avp32(attr, v, mandatory=True):
    return avp(attr, struct.pack(">I", v), mandatory)


def msg_type_avp(t):
    return avp16(A_MSG_TYPE, t)


def result_avp(result, error=0, text=b""):
    """Result Code AVP (section 4.4.2): result, optional error and message."""
    return avp(A_RESULT, struct.pack(">HH", result, error) + text)


def control(tid, sid, ns, nr, avps=b""):
    """A control message (section 3.1): T, L, S set, version 2."""
    return struct.pack(">HHHHHH", CTRL_FLAGS, 12 + len(avps), tid, sid, ns, nr) + avps


def data(tid, sid, payload):
    """A data message without length, sequence or offset (section 3.1)."""
    return struct.pack(">HHH", VERSION, tid, sid) + payload


class L2tpMsg:
    """A parsed L2TP packet. ctrl: control message (ns/nr/avps), else data."""
    __slots__ = ("ctrl", "tid", "sid", "ns", "nr", "payload", "avps", "mtype")

    def __init__(self):
        self.ns = self.nr = None
        self.avps = []
        self.mtype = None


def parse_l2tp(buf):
    """Parse one L2TP packet (header per section 3.1, AVPs per section 4.1)."""
    if len(buf) < 6:
        raise WireError("short header")
    flags = struct.unpack_from(">H", buf, 0)[0]
    if flags & 0x000F != VERSION:
        raise WireError("version %d" % (flags & 0xF))
    m = L2tpMsg()
    m.ctrl = bool(flags & F_T)
    off = 2
    end = len(buf)
    if flags & F_L:
        if len(buf) < off + 2:
            raise WireError("short length field")
        length = struct.unpack_from(">H", buf, off)[0]
        off += 2
        if length > len(buf) or length < 6:
            raise WireError("bad length %d of %d" % (length, len(buf)))
        end = length
    if end < off + 4:
        raise WireError("short ids")
    m.tid, m.sid = struct.unpack_from(">HH", buf, off)
    off += 4
    if flags & F_S:
        if end < off + 4:
            raise WireError("short ns/nr")
        m.ns, m.nr = struct.unpack_from(">HH", buf, off)
        off += 4
    if flags & F_O:
        if end < off + 2:
            raise WireError("short offset size")
        pad = struct.unpack_from(">H", buf, off)[0]
        off += 2 + pad
        if off > end:
            raise WireError("offset past end")
    if m.ctrl:
        # section 3.1: control messages must have L and S set, and no O
        if not (flags & F_L) or not (flags & F_S):
            raise WireError("control without L or S")
        m.avps = parse_avps(buf[off:end])
        if m.avps:
            mt = m.avps[0]
            # section 4.1: the Message Type AVP comes first, 2 bytes
            if mt[2] != 0 or mt[3] != A_MSG_TYPE or len(mt[4]) != 2:
                raise WireError("first AVP is not Message Type")
            m.mtype = struct.unpack(">H", mt[4])[0]
    else:
        m.payload = bytes(buf[off:end])
    return m


def parse_avps(b):
    """List of (mandatory, hidden, vendor, attr, value)."""
    out = []
    off = 0
    while off < len(b):
        if len(b) - off < 6:
            raise WireError("short AVP header")
        h, vendor, attr = struct.unpack_from(">HHH", b, off)
        n = h & AVP_LEN_MASK
        if n < 6 or off + n > len(b):
            raise WireError("AVP length %d" % n)
        out.append((bool(h & AVP_M), bool(h & AVP_H), vendor, attr, bytes(b[off + 6:off + n])))
        off += n
    return out


def avp_get(avps, attr, vendor=0):
    for _m, _h, v, a, val in avps:
        if a == attr and v == vendor:
            return val
    return None


def avp_u16(avps, attr):
    v = avp_get(avps, attr)
    if v is None:
        return None
    if len(v) != 2:
        raise WireError("AVP %d length %d" % (attr, len(v)))
    return struct.unpack(">H", v)[0]


def result_code(avps):
    """(result, error) of a Result Code AVP, or None."""
    v = avp_get(avps, A_RESULT)
    if v is None or len(v) < 2:
        return None
    res = struct.unpack_from(">H", v)[0]
    err = struct.unpack_from(">H", v, 2)[0] if len(v) >= 4 else None
    return res, err


# -------------------------------------------------------------- PPP ---

P_IP, P_IPCP, P_LCP, P_PAP, P_CHAP = 0x0021, 0x8021, 0xC021, 0xC023, 0xC223
# RFC 1661 section 5 codes
CONFREQ, CONFACK, CONFNAK, CONFREJ, TERMREQ, TERMACK = 1, 2, 3, 4, 5, 6
CODEREJ, PROTREJ, ECHOREQ, ECHOREP, DISCREQ = 7, 8, 9, 10, 11
# LCP options (section 6)
O_MRU, O_ACCM, O_AUTH, O_QUALITY, O_MAGIC, O_PFC, O_ACFC = 1, 2, 3, 4, 5, 7, 8
# IPCP option (RFC 1332 section 3.3)
O_IPADDR = 3


def ppp(proto, body):
    """A PPP frame for L2TP (RFC 2661 section 5.1: no FCS, no flags), with
    address/control (RFC 1661 section 6.6 is not negotiated by us)."""
    return b"\xff\x03" + struct.pack(">H", proto) + body


def parse_ppp(b):
    """(protocol, information) of a PPP frame, with or without ACFC/PFC."""
    off = 0
    if len(b) >= 2 and b[0] == 0xFF and b[1] == 0x03:
        off = 2
    if len(b) < off + 1:
        raise WireError("empty PPP frame")
    if b[off] & 1:            # RFC 1661 section 6.5: a compressed protocol is odd
        return b[off], bytes(b[off + 1:])
    if len(b) < off + 2:
        raise WireError("short PPP protocol")
    return struct.unpack_from(">H", b, off)[0], bytes(b[off + 2:])


def cp(code, ident, payload=b""):
    """An LCP/NCP/PAP/CHAP packet: code, identifier, length, data (section 5)."""
    return struct.pack(">BBH", code, ident, 4 + len(payload)) + payload


def parse_cp(b):
    """(code, identifier, data); the Length field bounds the data (section 5:
    octets past it are padding)."""
    if len(b) < 4:
        raise WireError("short control packet")
    code, ident, n = struct.unpack_from(">BBH", b)
    if n < 4 or n > len(b):
        raise WireError("control packet length %d of %d" % (n, len(b)))
    return code, ident, bytes(b[4:n])


def parse_opts(b):
    """Configuration options (RFC 1661 section 6): list of (type, value)."""
    out = []
    off = 0
    while off < len(b):
        if len(b) - off < 2:
            raise WireError("short option")
        t, n = b[off], b[off + 1]
        if n < 2 or off + n > len(b):
            raise WireError("option %d length %d" % (t, n))
        out.append((t, bytes(b[off + 2:off + n])))
        off += n
    return out


def opts(pairs):
    return b"".join(bytes((t, 2 + len(v))) + v for t, v in pairs)


# ------------------------------------------------------------- IPv4 ---

def csum(b):
    if len(b) & 1:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ipv4_udp(src, dst, sport, dport, payload, ident=0):
    """IPv4 + UDP (RFC 791, RFC 768); src/dst are 4-byte addresses."""
    ulen = 8 + len(payload)
    pseudo = src + dst + struct.pack(">BBH", 0, 17, ulen)
    udp = struct.pack(">HHHH", sport, dport, ulen, 0) + payload
    c = csum(pseudo + udp) or 0xFFFF
    udp = udp[:6] + struct.pack(">H", c) + udp[8:]
    hdr = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + ulen, ident & 0xFFFF, 0x4000, 64, 17, 0,
                      src, dst)
    hdr = hdr[:10] + struct.pack(">H", csum(hdr)) + hdr[12:]
    return hdr + udp


def parse_ipv4_udp(b):
    """(src, dst, sport, dport, payload) of an IPv4/UDP packet; checks the header
    checksum and lengths."""
    if len(b) < 20:
        raise WireError("short IPv4")
    vihl = b[0]
    ihl = (vihl & 0xF) * 4
    if vihl >> 4 != 4 or ihl < 20 or len(b) < ihl:
        raise WireError("bad IPv4 header")
    tot = struct.unpack_from(">H", b, 2)[0]
    if tot < ihl + 8 or tot > len(b):
        raise WireError("IPv4 length %d of %d" % (tot, len(b)))
    if csum(bytes(b[:ihl])) != 0:
        raise WireError("IPv4 header checksum")
    if b[9] != 17:
        raise WireError("not UDP")
    sport, dport, ulen = struct.unpack_from(">HHH", b, ihl)
    if ulen < 8 or ihl + ulen > tot:
        raise WireError("UDP length")
    return bytes(b[12:16]), bytes(b[16:20]), sport, dport, bytes(b[ihl + 8:ihl + ulen])
