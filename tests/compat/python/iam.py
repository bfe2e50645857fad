"""Small builders shared by the policy, role, authorization and STS tests."""
from __future__ import annotations

import json
from typing import Any, Dict, Iterable, Optional, Tuple, Union

Strs = Union[str, Iterable[str]]


def _list(v: Strs):
    return [v] if isinstance(v, str) else list(v)


def statement(actions: Strs, resources: Strs = "*", effect: str = "Allow",
              condition: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    st: Dict[str, Any] = {"Effect": effect, "Action": _list(actions), "Resource": _list(resources)}
    if condition is not None:
        st["Condition"] = condition
    return st


def policy_doc(*statements: Dict[str, Any]) -> str:
    """A policy document (Version "1") as compact JSON text."""
    return json.dumps({"Version": "1", "Statement": list(statements)}, separators=(",", ":"))


def allow(actions: Strs, resources: Strs = "*", condition=None) -> str:
    return policy_doc(statement(actions, resources, "Allow", condition))


def deny(actions: Strs, resources: Strs = "*", condition=None) -> str:
    return policy_doc(statement(actions, resources, "Deny", condition))


def trust_doc(principal: Dict[str, Any]) -> str:
    """A trust policy admitting principal ({"RAM": [...]}, {"Service": [...]}, ...)."""
    return json.dumps({"Statement": [{"Action": "sts:AssumeRole", "Effect": "Allow",
                                      "Principal": principal}], "Version": "1"},
                      separators=(",", ":"))


def account_trust(account_id: str) -> str:
    return trust_doc({"RAM": [f"acs:ram::{account_id}:root"]})


def role_arn(account_id: str, role: str) -> str:
    return f"acs:ram::{account_id}:role/{role}"


def user_with_key(root, name: str, **user_fields) -> Tuple[str, str]:
    """Create a RAM user and one AccessKey for it; returns (id, secret)."""
    root.call("CreateUser", UserName=name, **user_fields)
    ak = root.call("CreateAccessKey", UserName=name)["AccessKey"]
    return ak["AccessKeyId"], ak["AccessKeySecret"]


def custom_policy(root, name: str, document: str, description: Optional[str] = None) -> str:
    root.call("CreatePolicy", PolicyName=name, PolicyDocument=document, Description=description)
    return name


def role(root, name: str, trust: str, max_session: Optional[int] = None) -> Dict[str, Any]:
    return root.call("CreateRole", RoleName=name, AssumeRolePolicyDocument=trust,
                     MaxSessionDuration=max_session)["Role"]


def names(body: Dict[str, Any], outer: str, inner: str, key: str):
    return [x[key] for x in body.get(outer, {}).get(inner, [])]
