# SPDX-License-Identifier: BSD-3-Clause
"""CHAP-MD5 (RFC 1994) and MS-CHAPv2 (RFC 2759) for the test PPP client.

Written from the RFCs, independently of lib/ppp: MD4 (RFC 1320) in pure
Python because OpenSSL 3 only offers it in the legacy provider; DES through
python3-cryptography's TripleDES with K1 = K2 = K3 (which is single DES).
self_test() checks the RFC 1320 and RFC 2759 section 9.2 vectors.
"""
import hashlib
import struct

try:  # cryptography >= 43 moved TripleDES to "decrepit"
    from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
except ImportError:  # pragma: no cover - older python3-cryptography
    from cryptography.hazmat.primitives.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives.ciphers import Cipher, modes

M32 = 0xFFFFFFFF


def _rotl(x, n):
    x &= M32
    return ((x << n) | (x >> (32 - n))) & M32


# RFC 1320 section 3.4: message word order and shifts of the three rounds
_R1 = (list(range(16)), (3, 7, 11, 19), 0)
_R2 = ([0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15], (3, 5, 9, 13), 0x5A827999)
_R3 = ([0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15], (3, 9, 11, 15), 0x6ED9EBA1)


def md4(data):
    """RFC 1320 MD4 digest of bytes."""
    data = bytes(data)
    bits = len(data) * 8
    # section 3.1-3.2: pad with 0x80, zeros to 56 mod 64, then the bit length
    data += b"\x80" + b"\x00" * ((55 - len(data)) % 64) + struct.pack("<Q", bits & (2**64 - 1))
    h = [0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476]
    funcs = (
        lambda x, y, z: (x & y) | (~x & z),
        lambda x, y, z: (x & y) | (x & z) | (y & z),
        lambda x, y, z: x ^ y ^ z,
    )
    for off in range(0, len(data), 64):
        X = struct.unpack("<16I", data[off:off + 64])
        r = list(h)
        for f, (order, shifts, const) in zip(funcs, (_R1, _R2, _R3)):
            for i, k in enumerate(order):
                # [abcd k s], then [dabc ...]: rotate the register roles
                r[0] = _rotl(r[0] + f(r[1], r[2], r[3]) + X[k] + const, shifts[i % 4])
                r = [r[3], r[0], r[1], r[2]]
        h = [(a + b) & M32 for a, b in zip(h, r)]
    return struct.pack("<4I", *h)


def _des_key(k7):
    """RFC 2759 section 8.6: spread 56 key bits over 8 octets (odd parity bit)."""
    v = int.from_bytes(k7, "big")
    out = bytearray()
    for i in range(8):
        b = ((v >> (49 - 7 * i)) & 0x7F) << 1
        out.append(b | (bin(b).count("1") + 1) % 2)
    return bytes(out)


def des_encrypt(k7, block):
    """DES-ECB of one 8-octet block with a 7-octet key."""
    k = _des_key(k7)
    enc = Cipher(TripleDES(k * 3), modes.ECB()).encryptor()
    return enc.update(block) + enc.finalize()


def chap_md5_response(ident, secret, challenge):
    """RFC 1994 section 4.1: MD5(Identifier || secret || Challenge)."""
    return hashlib.md5(bytes([ident]) + secret + challenge).digest()


def nt_password_hash(password):
    """RFC 2759 section 8.3: MD4 of the password in UCS-2 little endian."""
    return md4(password.encode("utf-16-le"))


def _bare_user(user):
    # section 8.2: the user name without any "DOMAIN\" prefix
    return user.rsplit("\\", 1)[-1]


def challenge_hash(peer_chal, auth_chal, user):
    """RFC 2759 section 8.2."""
    return hashlib.sha1(peer_chal + auth_chal + _bare_user(user).encode()).digest()[:8]


def challenge_response(chal8, pw_hash):
    """RFC 2759 section 8.5: three DES blocks keyed by the zero-padded hash."""
    z = pw_hash + b"\x00" * 5
    return b"".join(des_encrypt(z[i:i + 7], chal8) for i in (0, 7, 14))


def nt_response(auth_chal, peer_chal, user, pw_hash):
    """RFC 2759 section 8.1 GenerateNTResponse, from the password hash."""
    return challenge_response(challenge_hash(peer_chal, auth_chal, user), pw_hash)


MAGIC1 = b"Magic server to client signing constant"
MAGIC2 = b"Pad to make it do more than one iteration"


def authenticator_response(pw_hash, nt_resp, peer_chal, auth_chal, user):
    """RFC 2759 section 8.7: the "S=" string the authenticator must send."""
    hh = md4(pw_hash)
    d = hashlib.sha1(hh + nt_resp + MAGIC1).digest()
    d = hashlib.sha1(d + challenge_hash(peer_chal, auth_chal, user) + MAGIC2).digest()
    return "S=" + d.hex().upper()


def self_test():
    """Return a list of (name, ok) for the RFC vectors."""
    H = bytes.fromhex
    res = []
    # RFC 1320 appendix A.5
    for msg, dig in ((b"", "31d6cfe0d16ae931b73c59d7e0c089c0"),
                     (b"abc", "a448017aaf21d8525fc10ae87aa6729d"),
                     (b"message digest", "d9130a8164549fe818874806e1c7014b"),
                     (b"1234567890" * 8, "e33b4ddc9c38f2199c3e7b164fcc0536")):
        res.append(("md4(%r)" % msg[:16], md4(msg).hex() == dig))
    # RFC 2759 section 9.2
    user, pw = "User", "clientPass"
    auth = H("5B5D7C7D7B3F2F3E3C2C602132262628")
    peer = H("21402324255E262A28295F2B3A337C7E")
    ph = nt_password_hash(pw)
    res.append(("ChallengeHash", challenge_hash(peer, auth, user) == H("D02E4386BCE91226")))
    res.append(("NtPasswordHash", ph == H("44EBBA8D5312B8D611474411F56989AE")))
    res.append(("PasswordHashHash", md4(ph) == H("41C00C584BD2D91C4017A2A12FA59F3F")))
    ntr = nt_response(auth, peer, user, ph)
    res.append(("NT-Response", ntr == H("82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF")))
    res.append(("AuthenticatorResponse", authenticator_response(ph, ntr, peer, auth, user)
                == "S=407A5589115FD0D6209F510FE9C04566932CDA56"))
    # a "DOMAIN\" prefix is not hashed (section 8.2)
    res.append(("domain prefix", challenge_hash(peer, auth, "DOM\\User") ==
                challenge_hash(peer, auth, user)))
    return res
