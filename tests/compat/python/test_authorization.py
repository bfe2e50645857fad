"""Authorization of RAM users by their policies (behaviour.md §3.5, §4):
a RAM user with its own AccessKey, signed by each Python SDK flavour, is
allowed exactly what its directly attached and group policies allow."""
import pytest

from iam import allow, deny, user_with_key
from ramclients import FLAVOURS, expect_error, make_client


@pytest.fixture(params=FLAVOURS)
def flavour(request):
    return request.param


@pytest.fixture
def ram_user(server, root_core, uniq):
    """Factory: a fresh RAM user with a key -> (name, client of the flavour)."""
    def make(flavour, prefix="authz"):
        name = uniq(prefix)
        ak, sk = user_with_key(root_core, name)
        return name, make_client(flavour, server, ak, sk)
    return make


def _attach_custom(root, uniq, user, document):
    pol = uniq("authzpol")
    root.call("CreatePolicy", PolicyName=pol, PolicyDocument=document)
    root.call("AttachPolicyToUser", PolicyType="Custom", PolicyName=pol, UserName=user)
    return pol


def _no_permission(fn, action):
    e = expect_error(fn, 403, "NoPermission")
    assert f"Action: {action}" in (e.message or ""), f"message does not name {action}: {e.message!r}"
    if isinstance(e.data, dict):  # Tea: the error body
        assert "AccessDeniedDetail" in e.data, f"no AccessDeniedDetail in {e.data}"
    return e


def test_no_policy_means_no_permission(server, ram_user, flavour):
    _, ram = ram_user(flavour)
    _no_permission(lambda: ram.call("ListUsers"), "ram:ListUsers")
    _no_permission(lambda: ram.call("CreatePolicy", PolicyName="x-never",
                                    PolicyDocument=allow("ram:GetUser")), "ram:CreatePolicy")


def test_no_permission_body_raw(server, root_core, raw, uniq):
    """The wire body of a denial: POP fields, the action in Message, and
    AccessDeniedDetail naming the action and an implicit deny."""
    name = uniq("authzraw")
    ak, sk = user_with_key(root_core, name)
    req = raw.request("ListUsers", ak=ak, sk=sk)
    r = req.send()
    assert r.status_code == 403, f"{r.status_code} {r.text[:600]}\n{req.describe()}"
    body = r.json()
    assert body.get("Code") == "NoPermission", body
    for f in ("RequestId", "HostId", "Code", "Message"):
        assert isinstance(body.get(f), str) and body[f], f"{f} missing: {body}"
    assert "Action: ram:ListUsers" in body["Message"], body["Message"]
    detail = body.get("AccessDeniedDetail")
    assert isinstance(detail, dict), f"AccessDeniedDetail = {detail!r}"
    assert detail.get("AuthAction") == "ram:ListUsers", detail
    assert detail.get("NoPermissionType") == "ImplicitDeny", detail


def test_allow_then_explicit_deny(server, root_core, uniq, ram_user, flavour):
    name, ram = ram_user(flavour)
    _attach_custom(root_core, uniq, name, allow("ram:ListUsers"))
    body = ram.call("ListUsers")
    assert name in [u["UserName"] for u in body["Users"]["User"]] or body.get("IsTruncated")
    _no_permission(lambda: ram.call("CreateUser", UserName=uniq("never")), "ram:CreateUser")

    _attach_custom(root_core, uniq, name, deny("ram:ListUsers"))
    e = _no_permission(lambda: ram.call("ListUsers"), "ram:ListUsers")
    if isinstance(e.data, dict) and isinstance(e.data.get("AccessDeniedDetail"), dict):
        assert e.data["AccessDeniedDetail"].get("NoPermissionType") == "ExplicitDeny", e.data


def test_group_policy_on_own_user(server, root_core, uniq, ram_user, flavour):
    name, ram = ram_user(flavour)
    other = uniq("authzother")
    root_core.call("CreateUser", UserName=other)
    group = uniq("authzgrp")
    root_core.call("CreateGroup", GroupName=group)
    pol = uniq("authzself")
    root_core.call("CreatePolicy", PolicyName=pol, PolicyDocument=allow(
        ["ram:GetUser", "ram:ListAccessKeys"], f"acs:ram:*:{server.account_id}:user/{name}"))
    root_core.call("AttachPolicyToGroup", PolicyType="Custom", PolicyName=pol, GroupName=group)

    _no_permission(lambda: ram.call("GetUser", UserName=name), "ram:GetUser")
    root_core.call("AddUserToGroup", GroupName=group, UserName=name)

    assert ram.call("GetUser", UserName=name)["User"]["UserName"] == name
    # no UserName: the caller itself
    assert ram.call("GetUser")["User"]["UserName"] == name
    keys = ram.call("ListAccessKeys")["AccessKeys"]["AccessKey"]
    assert len(keys) == 1 and keys[0]["Status"] == "Active", keys

    _no_permission(lambda: ram.call("GetUser", UserName=other), "ram:GetUser")
    _no_permission(lambda: ram.call("ListAccessKeys", UserName=other), "ram:ListAccessKeys")
    _no_permission(lambda: ram.call("ListUsers"), "ram:ListUsers")

    root_core.call("RemoveUserFromGroup", GroupName=group, UserName=name)
    _no_permission(lambda: ram.call("GetUser", UserName=name), "ram:GetUser")


def test_source_ip_condition(server, root_core, uniq, ram_user, flavour):
    name, ram = ram_user(flavour)
    _attach_custom(root_core, uniq, name, allow("ram:ListUsers", "*",
                                               {"IpAddress": {"acs:SourceIp": "10.0.0.0/8"}}))
    _no_permission(lambda: ram.call("ListUsers"), "ram:ListUsers")
    _attach_custom(root_core, uniq, name, allow("ram:ListUsers", "*",
                                               {"IpAddress": {"acs:SourceIp": "127.0.0.0/8"}}))
    assert ram.call("ListUsers").get("RequestId")


def test_administrator_access(server, root_core, uniq, ram_user, flavour):
    name, ram = ram_user(flavour)
    _no_permission(lambda: ram.call("ListRoles"), "ram:ListRoles")
    root_core.call("AttachPolicyToUser", PolicyType="System", PolicyName="AdministratorAccess", UserName=name)
    new_user = uniq("byadmin")
    assert ram.call("CreateUser", UserName=new_user)["User"]["UserName"] == new_user
    ram.call("ListUsers")
    ram.call("ListRoles")
    ram.call("ListPolicies", PolicyType="System")
    pol = uniq("byadminpol")
    ram.call("CreatePolicy", PolicyName=pol, PolicyDocument=allow("ram:GetUser"))
    ram.call("AttachPolicyToUser", PolicyType="Custom", PolicyName=pol, UserName=new_user)
    ram.call("DetachPolicyFromUser", PolicyType="Custom", PolicyName=pol, UserName=new_user)
    ram.call("DeletePolicy", PolicyName=pol)
    ram.call("DeleteUser", UserName=new_user)

    root_core.call("DetachPolicyFromUser", PolicyType="System", PolicyName="AdministratorAccess", UserName=name)
    _no_permission(lambda: ram.call("ListUsers"), "ram:ListUsers")


def test_read_only_system_policy(server, root_core, uniq, ram_user, flavour):
    name, ram = ram_user(flavour)
    root_core.call("AttachPolicyToUser", PolicyType="System", PolicyName="AliyunRAMReadOnlyAccess", UserName=name)
    ram.call("ListUsers")
    ram.call("GetUser", UserName=name)
    ram.call("ListPolicies")
    _no_permission(lambda: ram.call("CreateUser", UserName=uniq("never")), "ram:CreateUser")


def test_action_wildcards(server, root_core, uniq, ram_user, flavour):
    name, ram = ram_user(flavour)
    _attach_custom(root_core, uniq, name, allow(["ram:Get*", "ram:ListAccessKey?"]))
    assert ram.call("GetUser", UserName=name)["User"]["UserName"] == name
    assert ram.call("GetPolicy", PolicyName="AdministratorAccess", PolicyType="System")["Policy"]
    ram.call("ListAccessKeys", UserName=name)
    _no_permission(lambda: ram.call("ListUsers"), "ram:ListUsers")
    _no_permission(lambda: ram.call("ListGroups"), "ram:ListGroups")


def test_group_deny_beats_user_allow(server, root_core, uniq, ram_user, flavour):
    name, ram = ram_user(flavour)
    root_core.call("AttachPolicyToUser", PolicyType="System", PolicyName="AdministratorAccess", UserName=name)
    group = uniq("authzdeny")
    root_core.call("CreateGroup", GroupName=group)
    pol = uniq("authzgdeny")
    root_core.call("CreatePolicy", PolicyName=pol, PolicyDocument=deny("ram:CreateUser"))
    root_core.call("AttachPolicyToGroup", PolicyType="Custom", PolicyName=pol, GroupName=group)
    root_core.call("AddUserToGroup", GroupName=group, UserName=name)
    ram.call("ListUsers")
    _no_permission(lambda: ram.call("CreateUser", UserName=uniq("never")), "ram:CreateUser")


def test_default_version_decides(server, root_core, uniq, ram_user, flavour):
    """Only the default version of a policy is evaluated."""
    name, ram = ram_user(flavour)
    pol = _attach_custom(root_core, uniq, name, allow("ram:ListUsers"))
    ram.call("ListUsers")
    root_core.call("CreatePolicyVersion", PolicyName=pol, PolicyDocument=allow("ram:ListGroups"))
    ram.call("ListUsers")  # v2 is not the default yet
    _no_permission(lambda: ram.call("ListGroups"), "ram:ListGroups")
    root_core.call("SetDefaultPolicyVersion", PolicyName=pol, VersionId="v2")
    ram.call("ListGroups")
    _no_permission(lambda: ram.call("ListUsers"), "ram:ListUsers")
