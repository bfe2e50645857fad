"""KMS (2016-01-20) clients over the official Python SDK flavours, plus the
helpers the key, secret and RAM-secret tests share.

Parameters are given in the Tea model form (wire names; dicts for
EncryptionContext / ExtendedConfig, lists for ResourceId / Tag / TagKey /
SecretsList). The Tea flavours build the SDK request model from them (the SDK
itself then shrinks dicts to JSON and flattens lists); the core flavour sends
what the API reference documents for the old SDK: JSON text for the
object-valued parameters and ``Name.N`` / ``Name.N.Key`` for lists.
"""
from __future__ import annotations

import json
import uuid
from typing import Any, Dict, Optional

from ramclients import KMS_READ_TIMEOUT_S, REGION, ApiError, CoreRam, TeaRam, make_client

KMS_VERSION = "2016-01-20"
FLAVOURS = ("core", "tea_v3", "tea_v2")

# Parameters that travel as one JSON string in the old (CommonRequest) SDK.
_JSON_PARAMS = {"EncryptionContext", "SourceEncryptionContext", "DestinationEncryptionContext",
                "ExtendedConfig", "SecretsList"}


def core_params(params: Dict[str, Any]) -> Dict[str, Any]:
    out: Dict[str, Any] = {}
    for k, v in params.items():
        if v is None:
            continue
        if k in _JSON_PARAMS and not isinstance(v, str):
            out[k] = json.dumps(v, separators=(",", ":"))
        elif isinstance(v, list):
            for i, item in enumerate(v, 1):
                if isinstance(item, dict):
                    for kk, vv in item.items():
                        out[f"{k}.{i}.{kk}"] = vv
                else:
                    out[f"{k}.{i}"] = item
        else:
            out[k] = v
    return out


class CoreKms(CoreRam):
    """aliyunsdkcore AcsClient + CommonRequest, version 2016-01-20, RPC V1."""

    def __init__(self, endpoint: str, ak: str, sk: str, security_token: Optional[str] = None,
                 protocol: str = "http", ca: Optional[str] = None):
        super().__init__(endpoint, ak, sk, security_token=security_token, version=KMS_VERSION,
                         protocol=protocol, ca=ca, read_timeout_s=KMS_READ_TIMEOUT_S)

    def call(self, action: str, **params) -> Dict[str, Any]:
        return super().call(action, **core_params(params))


def make_kms(flavour: str, srv, ak: Optional[str] = None, sk: Optional[str] = None,
             security_token: Optional[str] = None):
    """A KMS client of one flavour (root key unless ak/sk are given)."""
    if flavour == "core":
        return CoreKms(srv.endpoint, ak or srv.access_key_id, sk or srv.access_key_secret,
                       security_token=security_token, protocol=getattr(srv, "scheme", "http"),
                       ca=getattr(srv, "ca", None))
    return make_client(flavour, srv, ak, sk, security_token=security_token, product="kms")


def vid() -> str:
    return "v" + uuid.uuid4().hex[:12]


def tags_json(**tags: str) -> str:
    return json.dumps([{"TagKey": k, "TagValue": v} for k, v in tags.items()], separators=(",", ":"))


def secret_arn(srv, name: str) -> str:
    return f"acs:kms:{REGION}:{srv.account_id}:secret/{name}"


def stages(body: Dict[str, Any]):
    return sorted((body.get("VersionStages") or {}).get("VersionStage") or [])


# --------------------------------------------------------------------------
# RAM secrets: the KMS service role (behaviour.md §1.2)
# --------------------------------------------------------------------------

KMS_ROLE = "AliyunKMSManagedRAMCrendentialsRole"
KMS_ROLE_POLICY = "AliyunKMSManagedRAMCrendentialsRolePolicy"
KMS_ROLE_ACTIONS = ["ram:ListAccessKeys", "ram:CreateAccessKey", "ram:DeleteAccessKey", "ram:UpdateAccessKey"]
KMS_TRUST = ('{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow",'
             '"Principal":{"Service":["kms.aliyuncs.com"]}}],"Version":"1"}')


def role_policy_doc(actions=KMS_ROLE_ACTIONS) -> str:
    return json.dumps({"Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": "*"}],
                       "Version": "1"}, separators=(",", ":"))


def seed_kms_role(srv):
    """The documented legacy setup, idempotent (EntityAlreadyExists is fine)."""
    ram = make_client("tea_v3", srv)
    for action, params in (
        ("CreatePolicy", dict(PolicyName=KMS_ROLE_POLICY, PolicyDocument=role_policy_doc())),
        ("CreateRole", dict(RoleName=KMS_ROLE, AssumeRolePolicyDocument=KMS_TRUST)),
        ("AttachPolicyToRole", dict(PolicyType="Custom", PolicyName=KMS_ROLE_POLICY, RoleName=KMS_ROLE)),
    ):
        try:
            ram.call(action, **params)
        except ApiError as e:
            if not (e.code or "").startswith("EntityAlreadyExist"):
                raise


def ram_user_with_keys(srv, name: str, n: int = 1):
    """A RAM user with n AccessKeys and AliyunRAMReadOnlyAccess (so its key can
    be proven to work with ListUsers): [(id, secret), ...]."""
    ram = make_client("tea_v3", srv)
    ram.call("CreateUser", UserName=name)
    ram.call("AttachPolicyToUser", PolicyType="System", PolicyName="AliyunRAMReadOnlyAccess", UserName=name)
    keys = []
    for _ in range(n):
        ak = ram.call("CreateAccessKey", UserName=name)["AccessKey"]
        keys.append((ak["AccessKeyId"], ak["AccessKeySecret"]))
    return keys


def ram_secret_data(keys) -> str:
    return json.dumps({"AccessKeys": [{"AccessKeyId": i, "AccessKeySecret": s} for i, s in keys]},
                      separators=(",", ":"))


def ram_secret_params(user: str, keys, interval: str = "7d", auto: bool = True, **extra) -> Dict[str, Any]:
    p = dict(SecretName="$Auto", SecretType="RAMCredentials", VersionId=vid(),
             SecretData=ram_secret_data(keys),
             ExtendedConfig={"SecretSubType": "RamUserAccessKey", "UserName": user, "CustomData": {}},
             EnableAutomaticRotation=auto, RotationInterval=interval if auto else None)
    p.update(extra)
    return p


def user_keys(srv, user: str):
    """{AccessKeyId: Status} of a RAM user, read with the root key."""
    body = make_client("tea_v3", srv).call("ListAccessKeys", UserName=user)
    return {k["AccessKeyId"]: k["Status"] for k in body["AccessKeys"]["AccessKey"]}


def as_user(srv, ak: str, sk: str):
    """A core-SDK RAM client signed with a RAM user's key."""
    return make_client("core", srv, ak, sk)
