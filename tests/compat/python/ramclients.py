"""One uniform face over the official SDK flavours, plus assertion helpers."""
from __future__ import annotations

import json
import re
from typing import Any, Dict, Optional

REGION = "cn-hangzhou"
RAM_VERSION = "2015-05-01"
STS_VERSION = "2015-04-01"
KMS_VERSION = "2016-01-20"
IMS_VERSION = "2019-08-15"
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
# KMS clients wait up to 30 s for an answer (the SDKs' own read timeout is
# 10 s): CreateKey for an RSA key is a random search for primes, which on a
# loaded machine once took longer than 10 s in 1,200 RSA_3072 keys.
KMS_READ_TIMEOUT_S = 30


# --------------------------------------------------------------------------
# one uniform face over the SDK flavours
# --------------------------------------------------------------------------

class ApiError(Exception):
    """An error answer, whichever SDK raised it."""

    def __init__(self, flavour: str, status: Optional[int], code: Optional[str],
                 message: Optional[str], request_id: Optional[str], data: Any = None):
        super().__init__(f"[{flavour}] HTTP {status} {code}: {message} (RequestId={request_id})")
        self.flavour = flavour
        self.status = status
        self.code = code
        self.message = message
        self.request_id = request_id
        self.data = data


def _snake(action: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", action).lower()


class CoreRam:
    """aliyun-python-sdk-core: AcsClient + CommonRequest, RPC V1 (HMAC-SHA1).

    With security_token, the client is built on StsTokenCredential (the token
    travels as the signed SecurityToken query parameter). version selects the
    product (RAM_VERSION or STS_VERSION).
    """

    flavour = "core"

    def __init__(self, endpoint: str, ak: str, sk: str, security_token: Optional[str] = None,
                 version: str = RAM_VERSION, protocol: str = "http", ca: Optional[str] = None,
                 read_timeout_s: Optional[int] = None):
        from aliyunsdkcore.client import AcsClient

        self.endpoint = endpoint
        self.version = version
        self.protocol = protocol
        # Over HTTPS the client trusts the CA file given (requests' verify=).
        verify = str(ca) if ca else None
        if security_token:
            from aliyunsdkcore.auth.credentials import StsTokenCredential

            self.client = AcsClient(region_id=REGION, auto_retry=False, max_retry_time=0,
                                    credential=StsTokenCredential(ak, sk, security_token), verify=verify,
                                    timeout=read_timeout_s)
        else:
            self.client = AcsClient(ak, sk, REGION, auto_retry=False, max_retry_time=0, verify=verify,
                                    timeout=read_timeout_s)
        self.last_raw: Optional[bytes] = None

    def call(self, action: str, **params) -> Dict[str, Any]:
        from aliyunsdkcore.acs_exception.exceptions import ServerException
        from aliyunsdkcore.request import CommonRequest

        req = CommonRequest()
        req.set_domain(self.endpoint)
        # aliyunsdkcore compares the protocol with `is`: pass its own constant.
        from aliyunsdkcore.http import protocol_type
        req.set_protocol_type(protocol_type.HTTPS if self.protocol == "https" else protocol_type.HTTP)
        req.set_version(self.version)
        req.set_action_name(action)
        req.set_method("POST")
        req.set_accept_format("json")
        for k, v in params.items():
            if v is not None:
                req.add_query_param(k, v)
        try:
            raw = self.client.do_action_with_exception(req)
        except ServerException as e:
            raise ApiError(self.flavour, e.get_http_status(), e.get_error_code(),
                           e.get_error_msg(), e.get_request_id()) from None
        self.last_raw = raw
        return json.loads(raw)


class TeaRam:
    """alibabacloud_ram20150501 (or, with product='sts' / 'kms',
    alibabacloud_sts20150401 / alibabacloud_kms20160120)
    typed client (Tea / darabonba).

    signature_algorithm=None -> the shipped default, V3 ACS3-HMAC-SHA256;
    signature_algorithm='v2' -> RPC V1 HMAC-SHA1 (do_rpcrequest).

    call() builds the SDK's own request model from the given wire names,
    invokes the typed method and returns ``response.body.to_map()``, so only
    fields that the SDK model knows (exact names) survive.

    security_token= gives STS credentials (V3: x-acs-security-token header;
    v2: SecurityToken query parameter); credential= passes an
    alibabacloud_credentials client instead of any key.
    """

    def __init__(self, endpoint: str, ak: Optional[str], sk: Optional[str],
                 signature_algorithm: Optional[str] = None, security_token: Optional[str] = None,
                 credential: Any = None, product: str = "ram", protocol: str = "http",
                 ca: Optional[str] = None):
        import importlib

        from alibabacloud_tea_openapi.utils_models import Config

        pkg = {"ram": "alibabacloud_ram20150501", "sts": "alibabacloud_sts20150401",
               "kms": "alibabacloud_kms20160120", "ims": "alibabacloud_ims20190815"}[product]
        Client = importlib.import_module(f"{pkg}.client").Client
        self.models = importlib.import_module(f"{pkg}.models")
        kw = dict(endpoint=endpoint, protocol=protocol, region_id=REGION)
        if product == "kms":
            kw["read_timeout"] = KMS_READ_TIMEOUT_S * 1000
        if ca:
            kw["ca"] = str(ca)
        if credential is not None:
            kw["credential"] = credential
        else:
            kw.update(access_key_id=ak, access_key_secret=sk)
            if security_token:
                kw["security_token"] = security_token
        if signature_algorithm:
            kw["signature_algorithm"] = signature_algorithm
        self.flavour = "tea_v3" if not signature_algorithm else f"tea_{signature_algorithm}"
        self.client = Client(Config(**kw))
        self.last_response = None

    def call(self, action: str, **params) -> Dict[str, Any]:
        from alibabacloud_tea_openapi.exceptions import AlibabaCloudException

        models = self.models

        method = getattr(self.client, _snake(action))
        req_cls = getattr(models, f"{action}Request", None)
        try:
            if req_cls is None:
                assert not params, f"{action} takes no parameters in the SDK"
                resp = method()
            else:
                req = req_cls().from_map({k: v for k, v in params.items() if v is not None})
                resp = method(req)
        except AlibabaCloudException as e:
            raise ApiError(self.flavour, e.status_code, e.code, e.message, e.request_id,
                           e.data) from None
        self.last_response = resp
        assert resp.status_code == 200, f"{action}: HTTP {resp.status_code}"
        return resp.body.to_map()


FLAVOURS = ("core", "tea_v3", "tea_v2")


def make_client(flavour: str, srv, ak: Optional[str] = None, sk: Optional[str] = None,
                security_token: Optional[str] = None, product: str = "ram"):
    """A client of one SDK flavour for RAM (product='ram'), STS (product='sts')
    or KMS (product='kms'; see kmsclients.make_kms, which also adapts parameters),
    with the root key unless ak/sk (and security_token) are given."""
    ak = ak or srv.access_key_id
    sk = sk or srv.access_key_secret
    tls = dict(protocol=getattr(srv, "scheme", "http"), ca=getattr(srv, "ca", None))
    if flavour == "core":
        version = {"ram": RAM_VERSION, "sts": STS_VERSION, "kms": KMS_VERSION,
                   "ims": IMS_VERSION}[product]
        return CoreRam(srv.endpoint, ak, sk, security_token=security_token, version=version,
                       read_timeout_s=KMS_READ_TIMEOUT_S if product == "kms" else None, **tls)
    if flavour == "tea_v3":
        return TeaRam(srv.endpoint, ak, sk, security_token=security_token, product=product, **tls)
    if flavour == "tea_v2":
        return TeaRam(srv.endpoint, ak, sk, signature_algorithm="v2",
                      security_token=security_token, product=product, **tls)
    raise ValueError(flavour)


def expect_error(fn, status: int, code: str) -> ApiError:
    """Run fn, require an ApiError with exactly this HTTP status and code."""
    try:
        result = fn()
    except ApiError as e:
        assert (e.status, e.code) == (status, code), (
            f"expected HTTP {status} {code}, got HTTP {e.status} {e.code}: {e.message}")
        assert e.request_id, f"error {e.code} has no RequestId"
        return e
    raise AssertionError(f"expected HTTP {status} {code}, but the call succeeded: {result!r}")


def expect_error_prefix(fn, status: int, prefix: str) -> ApiError:
    """Like expect_error, for codes the references leave open: the HTTP status
    must match and the code must start with prefix."""
    try:
        result = fn()
    except ApiError as e:
        assert e.status == status and (e.code or "").startswith(prefix), (
            f"expected HTTP {status} {prefix}*, got HTTP {e.status} {e.code}: {e.message}")
        assert e.request_id, f"error {e.code} has no RequestId"
        return e
    raise AssertionError(f"expected HTTP {status} {prefix}*, but the call succeeded: {result!r}")


def assert_date(value: Any, what: str = "date"):
    assert isinstance(value, str) and DATE_RE.match(value), f"{what}: {value!r} is not YYYY-MM-DDThh:mm:ssZ"
