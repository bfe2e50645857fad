"""A small, independent RPC V1 (HMAC-SHA1) signer and raw HTTP helper.

Used to send hand-built requests that no SDK would send (wrong secret,
replayed nonce, skewed timestamp, Format=XML, the quote_plus variant ...).
The algorithm is the documented one: percent-encode names and values
(RFC 3986, uppercase hex), sort by encoded name, join with '&', then
StringToSign = METHOD & %2F & percentEncode(CanonicalizedQueryString),
Signature = base64(HMAC-SHA1(secret + "&", StringToSign)).
"""
from __future__ import annotations

import base64
import datetime as _dt
import hashlib
import hmac
import uuid
from typing import Dict, Mapping, Optional
from urllib.parse import quote, quote_plus, urlencode

import requests

RAM_VERSION = "2015-05-01"


def percent_encode(value: str) -> str:
    """RFC 3986: A-Z a-z 0-9 - _ . ~ stay, everything else %XY (uppercase)."""
    return quote(str(value), safe="-_.~", encoding="utf-8")


def canonicalized_query(params: Mapping[str, str], plus_variant: bool = False) -> str:
    """Canonicalised query string.

    With plus_variant=True, names and values are encoded with quote_plus
    (a space becomes '+'), as alibabacloud_credentials'
    parameter_helper.compose_string_to_sign does.
    """
    enc = (lambda s: quote_plus(str(s), encoding="utf-8")) if plus_variant else percent_encode
    pairs = sorted((enc(k), enc(v)) for k, v in params.items() if k != "Signature")
    return "&".join(f"{k}={v}" for k, v in pairs)


def string_to_sign(method: str, params: Mapping[str, str], plus_variant: bool = False) -> str:
    cq = canonicalized_query(params, plus_variant=plus_variant)
    if plus_variant:
        return f"{method.upper()}&{quote_plus('/')}&{quote_plus(cq)}"
    return f"{method.upper()}&{percent_encode('/')}&{percent_encode(cq)}"


def sign(secret: str, sts: str) -> str:
    digest = hmac.new((secret + "&").encode("utf-8"), sts.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def utc_timestamp(offset_seconds: int = 0) -> str:
    now = _dt.datetime.now(_dt.timezone.utc) + _dt.timedelta(seconds=offset_seconds)
    return now.strftime("%Y-%m-%dT%H:%M:%SZ")


def build_params(
    action: str,
    params: Optional[Mapping[str, object]],
    access_key_id: str,
    *,
    version: str = RAM_VERSION,
    fmt: str = "JSON",
    timestamp: Optional[str] = None,
    nonce: Optional[str] = None,
) -> Dict[str, str]:
    p: Dict[str, str] = {
        "Action": action,
        "Version": version,
        "Format": fmt,
        "AccessKeyId": access_key_id,
        "SignatureMethod": "HMAC-SHA1",
        "SignatureVersion": "1.0",
        "SignatureNonce": nonce or uuid.uuid4().hex,
        "Timestamp": timestamp or utc_timestamp(),
    }
    for k, v in (params or {}).items():
        if v is None:
            continue
        p[k] = str(v)
    return p


class SignedRequest:
    """A fully signed request that can be sent (and re-sent) verbatim."""

    def __init__(self, base_url: str, method: str, params: Dict[str, str], sts: str,
                 plus_variant: bool = False):
        self.base_url = base_url
        self.method = method.upper()
        self.params = params
        self.string_to_sign = sts
        self.plus_variant = plus_variant

    @property
    def query(self) -> str:
        if self.plus_variant:
            # what urlencode() produces (space -> '+'), as the credentials library sends it
            return urlencode(self.params)
        return "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in self.params.items())

    @property
    def url(self) -> str:
        return f"{self.base_url}/?{self.query}"

    def send(self, timeout: float = 10.0) -> requests.Response:
        return requests.request(self.method, self.url, timeout=timeout)

    def describe(self) -> str:
        return f"{self.method} {self.url}\nstring-to-sign: {self.string_to_sign}"


def signed_request(
    base_url: str,
    action: str,
    params: Optional[Mapping[str, object]],
    access_key_id: str,
    access_key_secret: str,
    *,
    method: str = "POST",
    plus_variant: bool = False,
    **kw,
) -> SignedRequest:
    p = build_params(action, params, access_key_id, **kw)
    sts = string_to_sign(method, p, plus_variant=plus_variant)
    p["Signature"] = sign(access_key_secret, sts)
    return SignedRequest(base_url, method, p, sts, plus_variant=plus_variant)
