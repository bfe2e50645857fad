"""A local OIDC issuer for the federation tests: HTTPS on 127.0.0.1 (a free
port) with a certificate made here, serving, per tenant (`/<tenant>`), the
discovery document and a JWKS, and counting every request; plus a JWS
compact encoder (RS*/PS256/ES*, and the forbidden `none` / HS256) and
self-signed certificates for the SAML IdP.

One listener hosts many issuers: the tenant `t1` is the issuer
`https://127.0.0.1:<port>/t1`, its discovery document at
`/t1/.well-known/openid-configuration`, its keys at `/t1/keys`.
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import ipaddress
import json
import os
import shutil
import ssl
import tempfile
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Optional

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


def b64url(b: bytes) -> str:
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def _int_bytes(n: int, length: Optional[int] = None) -> bytes:
    length = length or (n.bit_length() + 7) // 8
    return n.to_bytes(length, "big")


# --------------------------------------------------------------------------
# keys and tokens
# --------------------------------------------------------------------------

_HASH = {"256": hashes.SHA256, "384": hashes.SHA384, "512": hashes.SHA512}


class Key:
    """A signing key: kind 'RSA' (2048 bits) or 'EC' (P-256 / P-384)."""

    def __init__(self, kid: Optional[str], kind: str = "RSA", curve: str = "P-256",
                 jwk_alg: Optional[str] = None):
        self.kid = kid
        self.kind = kind
        self.curve = curve
        self.jwk_alg = jwk_alg
        self.jwk_use = "sig"
        if kind == "RSA":
            self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        else:
            self.private = ec.generate_private_key(ec.SECP256R1() if curve == "P-256" else ec.SECP384R1())
        self.public = self.private.public_key()

    @property
    def default_alg(self) -> str:
        if self.kind == "RSA":
            return "RS256"
        return "ES256" if self.curve == "P-256" else "ES384"

    def public_pem(self) -> bytes:
        return self.public.public_bytes(serialization.Encoding.PEM,
                                        serialization.PublicFormat.SubjectPublicKeyInfo)

    def jwk(self) -> Dict[str, Any]:
        if self.kind == "RSA":
            n = self.public.public_numbers()
            j = {"kty": "RSA", "n": b64url(_int_bytes(n.n)), "e": b64url(_int_bytes(n.e))}
        else:
            n = self.public.public_numbers()
            size = 32 if self.curve == "P-256" else 48
            j = {"kty": "EC", "crv": self.curve, "x": b64url(_int_bytes(n.x, size)),
                 "y": b64url(_int_bytes(n.y, size))}
        j["use"] = self.jwk_use
        if self.kid is not None:
            j["kid"] = self.kid
        if self.jwk_alg:
            j["alg"] = self.jwk_alg
        return j

    def sign(self, data: bytes, alg: str) -> bytes:
        h = _HASH[alg[2:]]()
        if alg.startswith("RS"):
            return self.private.sign(data, padding.PKCS1v15(), h)
        if alg.startswith("PS"):
            return self.private.sign(data, padding.PSS(mgf=padding.MGF1(h), salt_length=h.digest_size), h)
        if alg.startswith("ES"):
            r, s = decode_dss_signature(self.private.sign(data, ec.ECDSA(h)))
            size = 32 if alg == "ES256" else 48
            return _int_bytes(r, size) + _int_bytes(s, size)
        raise ValueError(alg)


def jws(header: Dict[str, Any], claims: Dict[str, Any], key: Optional[Key] = None,
        hmac_secret: Optional[bytes] = None) -> str:
    """A JWS compact token. header['alg'] chooses: RS*/PS256/ES* with key,
    HS256 with hmac_secret, 'none' with no signature."""
    signing_input = (b64url(json.dumps(header, separators=(",", ":")).encode()) + "."
                     + b64url(json.dumps(claims, separators=(",", ":")).encode()))
    alg = header["alg"]
    if alg == "none":
        sig = b""
    elif alg.startswith("HS"):
        sig = hmac.new(hmac_secret, signing_input.encode(), hashlib.sha256).digest()
    else:
        sig = key.sign(signing_input.encode(), alg)
    return signing_input + "." + b64url(sig)


# --------------------------------------------------------------------------
# certificates
# --------------------------------------------------------------------------

def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def make_cert(cn: str, key=None, issuer_cert=None, issuer_key=None, ca: bool = False,
              san_ips=(), san_dns=(), days: int = 2, not_before: Optional[dt.datetime] = None):
    """(certificate, private key). Self-signed unless issuer_cert/issuer_key."""
    key = key or ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.timezone.utc)
    nb = not_before or now - dt.timedelta(hours=1)
    b = (x509.CertificateBuilder()
         .subject_name(_name(cn))
         .issuer_name(issuer_cert.subject if issuer_cert is not None else _name(cn))
         .public_key(key.public_key())
         .serial_number(x509.random_serial_number())
         .not_valid_before(nb)
         .not_valid_after(nb + dt.timedelta(days=days))
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    sans = [x509.IPAddress(ipaddress.ip_address(i)) for i in san_ips] + [x509.DNSName(d) for d in san_dns]
    if sans:
        b = b.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    if ca:
        b = b.add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                          content_commitment=False, key_encipherment=False,
                                          data_encipherment=False, key_agreement=False,
                                          encipher_only=False, decipher_only=False), critical=True)
    else:
        b = b.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
    b = b.add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    if issuer_cert is not None:
        b = b.add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_cert.public_key()),
                            critical=False)
    cert = b.sign(issuer_key if issuer_key is not None else key, hashes.SHA256())
    return cert, key


def sha1_fingerprint(cert: x509.Certificate, colons: bool = False, upper: bool = False) -> str:
    h = cert.fingerprint(hashes.SHA1()).hex()
    if upper:
        h = h.upper()
    if colons:
        h = ":".join(h[i:i + 2] for i in range(0, len(h), 2))
    return h


def pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


# --------------------------------------------------------------------------
# the HTTPS issuer
# --------------------------------------------------------------------------

@dataclass
class Tenant:
    """One issuer at `https://127.0.0.1:<port>/<name>`."""
    name: str
    url: str
    keys: List[Key] = field(default_factory=list)
    # Overrides of what is served: a jwks_uri elsewhere, a redirect of the
    # discovery document, another "issuer" in it.
    jwks_uri: Optional[str] = None
    redirect_to: Optional[str] = None
    discovery_issuer: Optional[str] = None

    def token(self, sub: str = "alice", aud: Any = "client-a", *, iat: Optional[int] = None,
              exp: Optional[int] = None, nbf: Optional[int] = None, key: Optional[Key] = None,
              alg: Optional[str] = None, kid: Any = "default", iss: Optional[str] = None,
              header: Optional[Dict[str, Any]] = None, claims: Optional[Dict[str, Any]] = None,
              omit=()) -> str:
        """A token signed by key (default: the first key), with kid = that
        key's kid unless given (None: no kid)."""
        now = int(time.time())
        key = key or self.keys[0]
        h = {"alg": alg or key.default_alg, "typ": "JWT"}
        k = key.kid if kid == "default" else kid
        if k is not None:
            h["kid"] = k
        h.update(header or {})
        c = {"iss": self.url if iss is None else iss, "sub": sub, "aud": aud,
             "iat": now if iat is None else iat, "exp": (now + 600) if exp is None else exp}
        if nbf is not None:
            c["nbf"] = nbf
        c.update(claims or {})
        for o in omit:
            c.pop(o, None)
        return jws(h, c, key)


class _Handler(BaseHTTPRequestHandler):
    server_version = "test-issuer"
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):  # quiet
        pass

    def do_GET(self):
        issuer: Issuer = self.server.issuer  # type: ignore[attr-defined]
        issuer._note(self.path)
        parts = self.path.split("?")[0].strip("/").split("/", 1)
        tenant = issuer.tenants.get(parts[0]) if parts and parts[0] else None
        rest = parts[1] if len(parts) > 1 else ""
        if tenant is None:
            return self._send(404, b"{}")
        if rest == ".well-known/openid-configuration":
            if tenant.redirect_to:
                return self._send(302, b"", {"Location": tenant.redirect_to})
            doc = {"issuer": tenant.discovery_issuer or tenant.url,
                   "jwks_uri": tenant.jwks_uri or f"{tenant.url}/keys",
                   "response_types_supported": ["id_token"],
                   "subject_types_supported": ["public"],
                   "id_token_signing_alg_values_supported": ["RS256", "ES256"]}
            return self._send(200, json.dumps(doc).encode())
        if rest == "keys":
            return self._send(200, json.dumps({"keys": [k.jwk() for k in tenant.keys]}).encode())
        return self._send(404, b"{}")

    def _send(self, status, body, headers=None):
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)


class Issuer:
    """An HTTPS listener on 127.0.0.1:<free port>.

    cert: 'self' (a self-signed leaf, SAN IP:127.0.0.1), 'ca' (a leaf issued
    by a CA made here, the chain leaf+CA served), 'wrong-san' (self-signed,
    SAN DNS:localhost only). `fingerprint` is the leaf's SHA-1, and
    `ca_fingerprint` the CA's (cert='ca')."""

    def __init__(self, cert: str = "self", tls: bool = True):
        self.tenants: Dict[str, Tenant] = {}
        self.requests: List[str] = []
        self._lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.issuer = self  # type: ignore[attr-defined]
        self.port = self.httpd.server_address[1]
        self.base = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        self.ca_cert = None
        if tls:
            tmp = tempfile.mkdtemp(prefix="rampart-oidc-issuer-")
            if cert == "ca":
                self.ca_cert, ca_key = make_cert("Test OIDC CA", ca=True)
                self.cert, key = make_cert("127.0.0.1", issuer_cert=self.ca_cert, issuer_key=ca_key,
                                           san_ips=["127.0.0.1"])
                chain = pem(self.cert) + pem(self.ca_cert)
            elif cert == "wrong-san":
                self.cert, key = make_cert("localhost", san_dns=["localhost"])
                chain = pem(self.cert)
            else:
                self.cert, key = make_cert("127.0.0.1", san_ips=["127.0.0.1"])
                chain = pem(self.cert)
            try:
                certfile = os.path.join(tmp, "chain.pem")
                keyfile = os.path.join(tmp, "key.pem")
                with open(certfile, "wb") as f:
                    f.write(chain)
                with open(keyfile, "wb") as f:
                    f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                              serialization.NoEncryption()))
                ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
                ctx.load_cert_chain(certfile, keyfile)
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
            self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="oidc-issuer", daemon=True)
        self.thread.start()

    @property
    def fingerprint(self) -> str:
        return sha1_fingerprint(self.cert)

    @property
    def ca_fingerprint(self) -> str:
        return sha1_fingerprint(self.ca_cert)

    def tenant(self, name: str, keys: Optional[List[Key]] = None, **overrides) -> Tenant:
        t = Tenant(name=name, url=f"{self.base}/{name}", keys=keys if keys is not None else [Key("k1")],
                   **overrides)
        self.tenants[name] = t
        return t

    def _note(self, path: str):
        with self._lock:
            self.requests.append(path)

    def count(self, prefix: str = "") -> int:
        with self._lock:
            return sum(1 for p in self.requests if p.startswith(prefix))

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
