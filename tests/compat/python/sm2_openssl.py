"""SM2 through the `openssl` command (OpenSSL 3), the independent checker of
Rampart's SM2 keys (Rampart itself uses the RustCrypto `sm2` crate):

- `verify_digest(pem, e, sig)`: `openssl pkeyutl -verify -pubin -inkey pub.pem
  -in e -sigfile sig`. Without `-rawin`, pkeyutl hands the input to the SM2
  verifier as the digest e itself, which is what KMS AsymmetricSign signs for
  SM2DSA: e = SM3(Z || M), computed by the caller.
- `verify_message(pem, m, sig)`: the same with `-rawin -digest sm3 -pkeyopt
  distid:1234567812345678`: OpenSSL computes Z from the default ID and e
  itself. The distid option is needed: without it OpenSSL 3.0 uses an empty ID.
- `encrypt(pem, plaintext)`: `openssl pkeyutl -encrypt -pubin -inkey pub.pem`,
  whose output is the GM/T 0009 DER form KMS's SM2PKE takes:
  SEQUENCE { x INTEGER, y INTEGER, C3 OCTET STRING (SM3), C2 OCTET STRING }.
- `decrypt(private_der, ciphertext)` (known-answer test only) and `sm3(data)`
  (`openssl dgst -sm3 -binary`).

Every command's outcome is read strictly: a verification is True or False only
on OpenSSL's own success or failure answer; anything else (a key it can't
load, a missing algorithm) raises, so it never passes for a refusal.

gmssl 3.2.2 (pure Python), which these tests used before, is not used: its
`CryptSM2` constructor strips the public key with `lstrip("04")`, so for a key
whose X coordinate begins with the byte 0x04 (one key in 256) its point
arithmetic gets a short string and fails with `TypeError: object of type
'NoneType' has no len()` (in `_add_point` or `_double_point`), whatever the
signature or plaintext.
"""
from __future__ import annotations

import base64
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Optional, Tuple

DEFAULT_ID = b"1234567812345678"

# The SM2 curve (GB/T 32918.5).
P = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF
A = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC
B = 0x28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93
N = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123
GX = 0x32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7
GY = 0xBC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0

VERIFIED = "Signature Verified Successfully"
REFUSED = "Signature Verification Failure"


def _b32(n: int) -> bytes:
    return n.to_bytes(32, "big")


def public_point(pem: bytes) -> bytes:
    """X || Y (64 bytes) of an SM2 SubjectPublicKeyInfo in PEM."""
    body = b"".join(line for line in pem.splitlines() if not line.startswith(b"-----"))
    spki = base64.b64decode(body)
    assert spki[-65] == 4, "an uncompressed point ends the SubjectPublicKeyInfo"
    return spki[-64:]


def public_xy(pem: bytes) -> Tuple[int, int]:
    point = public_point(pem)
    return int.from_bytes(point[:32], "big"), int.from_bytes(point[32:], "big")


def on_curve(x: int, y: int) -> bool:
    return 0 <= x < P and 0 <= y < P and (y * y - (x * x * x + A * x + B)) % P == 0


# ---------------------------------------------------------------- DER reading

def _tlv(data: bytes, pos: int) -> Tuple[int, bytes, int]:
    """(tag, value, next position) of the DER element at pos; strict lengths."""
    if pos + 2 > len(data):
        raise ValueError("truncated DER")
    tag, first = data[pos], data[pos + 1]
    pos += 2
    if first < 0x80:
        length = first
    else:
        n = first & 0x7F
        if n == 0 or n > 2 or pos + n > len(data) or data[pos] == 0:
            raise ValueError("bad DER length")
        length = int.from_bytes(data[pos:pos + n], "big")
        if length < 0x80:
            raise ValueError("non-minimal DER length")
        pos += n
    if pos + length > len(data):
        raise ValueError("truncated DER")
    return tag, data[pos:pos + length], pos + length


def _uint(value: bytes) -> int:
    if not value or value[0] & 0x80 or (len(value) > 1 and value[0] == 0 and not value[1] & 0x80):
        raise ValueError("not a minimal non-negative DER INTEGER")
    return int.from_bytes(value, "big")


def parse_ciphertext(der: bytes) -> Tuple[int, int, bytes, bytes]:
    """(x, y, C3, C2) of a GM/T 0009 SM2 ciphertext; raises ValueError if the
    DER is not exactly SEQUENCE { INTEGER, INTEGER, OCTET STRING, OCTET STRING }."""
    tag, seq, end = _tlv(der, 0)
    if tag != 0x30 or end != len(der):
        raise ValueError("not one DER SEQUENCE")
    parts, pos = [], 0
    while pos < len(seq):
        tag, value, pos = _tlv(seq, pos)
        parts.append((tag, value))
    if [t for t, _ in parts] != [0x02, 0x02, 0x04, 0x04]:
        raise ValueError(f"unexpected elements {[hex(t) for t, _ in parts]}")
    return _uint(parts[0][1]), _uint(parts[1][1]), parts[2][1], parts[3][1]


def private_key_der(d: int) -> bytes:
    """A SEC 1 ECPrivateKey (DER) on the SM2 curve, for known-answer tests."""
    sm2_oid = bytes.fromhex("06082a811ccf5501822d")
    body = (bytes.fromhex("020101") + b"\x04\x20" + _b32(d)
            + b"\xa0" + bytes([len(sm2_oid)]) + sm2_oid)
    return b"\x30" + bytes([len(body)]) + body


# ----------------------------------------------------------------- the command

class OpenSSLError(AssertionError):
    pass


class OpenSSLSM2:
    def __init__(self, binary: str):
        self.binary = binary
        self.version = self._run(["version"]).stdout.decode().strip()

    def _run(self, args, data: bytes = b"", check: bool = True) -> subprocess.CompletedProcess:
        r = subprocess.run([self.binary, *args], input=data, capture_output=True, timeout=60)
        if check and r.returncode != 0:
            raise OpenSSLError(f"openssl {' '.join(args)} exited {r.returncode}: "
                               f"{r.stderr.decode(errors='replace').strip()}")
        return r

    def sm3(self, data: bytes) -> bytes:
        out = self._run(["dgst", "-sm3", "-binary"], data).stdout
        assert len(out) == 32, out
        return out

    def digest(self, pem: bytes, message: bytes, uid: bytes = DEFAULT_ID) -> bytes:
        """e = SM3(Z || M), Z = SM3(ENTL || ID || a || b || xG || yG || xA || yA)."""
        entl = (len(uid) * 8).to_bytes(2, "big")
        z = self.sm3(entl + uid + _b32(A) + _b32(B) + _b32(GX) + _b32(GY) + public_point(pem))
        return self.sm3(z + message)

    def _verify(self, pem: bytes, data: bytes, sig: bytes, extra) -> bool:
        with tempfile.TemporaryDirectory(prefix="sm2-") as tmp:
            key, sigfile = Path(tmp, "pub.pem"), Path(tmp, "sig")
            key.write_bytes(pem)
            sigfile.write_bytes(sig)
            r = self._run(["pkeyutl", "-verify", "-pubin", "-inkey", str(key), *extra,
                           "-sigfile", str(sigfile)], data, check=False)
        out = r.stdout.decode(errors="replace")
        if r.returncode == 0 and VERIFIED in out:
            return True
        if r.returncode == 1 and REFUSED in out:
            return False
        raise OpenSSLError(f"openssl pkeyutl -verify gave neither answer (exit {r.returncode}): "
                           f"{out.strip()} {r.stderr.decode(errors='replace').strip()}")

    def verify_digest(self, pem: bytes, e: bytes, sig: bytes) -> bool:
        """The signature over the 32-byte digest e as given (no Z computed)."""
        return self._verify(pem, e, sig, [])

    def verify_message(self, pem: bytes, message: bytes, sig: bytes) -> bool:
        """The signature over SM3(Z || message), Z and e computed by OpenSSL."""
        return self._verify(pem, message, sig,
                            ["-rawin", "-digest", "sm3", "-pkeyopt", "distid:" + DEFAULT_ID.decode()])

    def encrypt(self, pem: bytes, plaintext: bytes) -> bytes:
        with tempfile.TemporaryDirectory(prefix="sm2-") as tmp:
            key = Path(tmp, "pub.pem")
            key.write_bytes(pem)
            return self._run(["pkeyutl", "-encrypt", "-pubin", "-inkey", str(key)], plaintext).stdout

    def decrypt(self, private_der: bytes, ciphertext: bytes) -> bytes:
        with tempfile.TemporaryDirectory(prefix="sm2-") as tmp:
            key = Path(tmp, "key.der")
            key.write_bytes(private_der)
            return self._run(["pkeyutl", "-decrypt", "-keyform", "DER", "-inkey", str(key)],
                             ciphertext).stdout


def probe(sample_pem: bytes) -> Tuple[Optional[OpenSSLSM2], str]:
    """The openssl command if it handles SM2 keys and SM3, else (None, why)."""
    binary = shutil.which("openssl")
    if binary is None:
        return None, "no `openssl` command on PATH (OpenSSL 3 checks the SM2 keys)"
    try:
        tool = OpenSSLSM2(binary)
    except (OpenSSLError, OSError, subprocess.SubprocessError) as e:
        return None, f"`openssl version` failed: {e}"
    if not tool.version.startswith("OpenSSL 3"):
        return None, f"{tool.version}: these checks need OpenSSL 3 (SM2 in pkeyutl, -rawin, distid)"
    r = tool._run(["pkey", "-pubin", "-noout", "-text"], sample_pem, check=False)
    if r.returncode != 0 or b"SM2" not in r.stdout:
        return None, f"{tool.version} lacks SM2: {r.stderr.decode(errors='replace').strip()[:200]}"
    r = tool._run(["dgst", "-sm3", "-binary"], b"", check=False)
    if r.returncode != 0:
        return None, f"{tool.version} lacks SM3: {r.stderr.decode(errors='replace').strip()[:200]}"
    return tool, ""
