"""Roles: CreateRole, GetRole, UpdateRole, ListRoles, DeleteRole, trust
policy principals, MaxSessionDuration bounds and CreateServiceLinkedRole,
through every Python SDK flavour."""
import json

import pytest

from iam import account_trust, trust_doc
from ramclients import assert_date, expect_error, expect_error_prefix, make_client


def _same_doc(got, expected):
    assert isinstance(got, str) and got, f"document {got!r} is not a JSON string"
    assert json.loads(got) == json.loads(expected), f"document {got} != {expected}"


def test_role_lifecycle(ram, server, uniq):
    name = uniq("role")
    trust = account_trust(server.account_id)
    body = ram.call("CreateRole", RoleName=name, AssumeRolePolicyDocument=trust,
                    Description="role description", MaxSessionDuration=7200)
    assert body.get("RequestId")
    r = body["Role"]
    assert r["RoleName"] == name
    assert r.get("RoleId")
    assert r["Arn"] == f"acs:ram::{server.account_id}:role/{name}"
    assert r["Description"] == "role description"
    _same_doc(r["AssumeRolePolicyDocument"], trust)
    assert r["MaxSessionDuration"] == 7200
    assert_date(r.get("CreateDate"), "CreateDate")
    role_id = r["RoleId"]

    body = ram.call("GetRole", RoleName=name)
    assert body.get("RequestId")
    r = body["Role"]
    assert (r["RoleName"], r["RoleId"], r["Arn"], r["Description"], r["MaxSessionDuration"]) == (
        name, role_id, f"acs:ram::{server.account_id}:role/{name}", "role description", 7200)
    _same_doc(r["AssumeRolePolicyDocument"], trust)
    assert_date(r.get("CreateDate"), "CreateDate")
    assert_date(r.get("UpdateDate"), "UpdateDate")
    assert r.get("IsServiceLinkedRole") in (None, False), r.get("IsServiceLinkedRole")

    expect_error(lambda: ram.call("CreateRole", RoleName=name, AssumeRolePolicyDocument=trust),
                 409, "EntityAlreadyExists.Role")

    new_trust = trust_doc({"Service": ["kms.aliyuncs.com"]})
    body = ram.call("UpdateRole", RoleName=name, NewAssumeRolePolicyDocument=new_trust,
                    NewMaxSessionDuration=10800, NewDescription="updated description")
    assert body.get("RequestId")
    r = body["Role"]
    assert (r["RoleName"], r["RoleId"], r["Description"], r["MaxSessionDuration"]) == (
        name, role_id, "updated description", 10800)
    _same_doc(r["AssumeRolePolicyDocument"], new_trust)
    assert_date(r.get("UpdateDate"), "UpdateDate")

    r = ram.call("GetRole", RoleName=name)["Role"]
    assert (r["Description"], r["MaxSessionDuration"]) == ("updated description", 10800)
    _same_doc(r["AssumeRolePolicyDocument"], new_trust)

    # a partial update keeps the other fields
    r = ram.call("UpdateRole", RoleName=name, NewDescription="third")["Role"]
    assert (r["Description"], r["MaxSessionDuration"]) == ("third", 10800)
    _same_doc(r["AssumeRolePolicyDocument"], new_trust)

    listed = {x["RoleName"]: x for x in _all_roles(ram)}
    assert name in listed
    x = listed[name]
    assert (x["RoleId"], x["Arn"], x["Description"], x["MaxSessionDuration"]) == (
        role_id, f"acs:ram::{server.account_id}:role/{name}", "third", 10800)
    assert_date(x.get("CreateDate"), "CreateDate")

    body = ram.call("DeleteRole", RoleName=name)
    assert body.get("RequestId")
    expect_error(lambda: ram.call("GetRole", RoleName=name), 404, "EntityNotExist.Role")
    expect_error(lambda: ram.call("DeleteRole", RoleName=name), 404, "EntityNotExist.Role")
    expect_error(lambda: ram.call("UpdateRole", RoleName=name, NewDescription="x"), 404, "EntityNotExist.Role")
    assert name not in [x["RoleName"] for x in _all_roles(ram)]


def _all_roles(ram, max_items=None):
    out, marker = [], None
    for _ in range(1000):
        body = ram.call("ListRoles", Marker=marker, MaxItems=max_items)
        assert body.get("RequestId")
        assert isinstance(body.get("IsTruncated"), bool)
        page = body.get("Roles", {}).get("Role", [])
        if max_items:
            assert len(page) <= max_items
        out += page
        if not body["IsTruncated"]:
            assert "Marker" not in body, f"Marker present although IsTruncated is false: {body.get('Marker')!r}"
            return out
        assert body.get("Marker"), "IsTruncated is true but no Marker"
        marker = body["Marker"]
    raise AssertionError("ListRoles paging does not terminate")


def test_list_roles_paging(ram, server, uniq):
    created = [uniq("rpage") for _ in range(3)]
    for n in created:
        ram.call("CreateRole", RoleName=n, AssumeRolePolicyDocument=account_trust(server.account_id))
    seen = [r["RoleName"] for r in _all_roles(ram, max_items=1)]
    assert len(seen) == len(set(seen)), f"a role appeared twice while paging: {seen}"
    for n in created:
        assert n in seen
        ram.call("DeleteRole", RoleName=n)


def test_get_missing_role(ram, uniq):
    expect_error(lambda: ram.call("GetRole", RoleName=uniq("norole")), 404, "EntityNotExist.Role")


def test_default_max_session_duration(ram, server, uniq):
    name = uniq("rdef")
    r = ram.call("CreateRole", RoleName=name, AssumeRolePolicyDocument=account_trust(server.account_id))["Role"]
    assert r["MaxSessionDuration"] == 3600
    ram.call("DeleteRole", RoleName=name)


@pytest.mark.parametrize("value", [3599, 43201])
def test_max_session_duration_out_of_range(ram, server, uniq, value):
    name = uniq("rmax")
    expect_error(lambda: ram.call("CreateRole", RoleName=name, MaxSessionDuration=value,
                                  AssumeRolePolicyDocument=account_trust(server.account_id)),
                 400, "InvalidParameter.MaxSessionDuration")
    expect_error(lambda: ram.call("GetRole", RoleName=name), 404, "EntityNotExist.Role")
    # bounds are inclusive
    ok = 3600 if value < 3600 else 43200
    r = ram.call("CreateRole", RoleName=name, MaxSessionDuration=ok,
                 AssumeRolePolicyDocument=account_trust(server.account_id))["Role"]
    assert r["MaxSessionDuration"] == ok
    expect_error_prefix(lambda: ram.call("UpdateRole", RoleName=name, NewMaxSessionDuration=value),
                        400, "InvalidParameter")
    assert ram.call("GetRole", RoleName=name)["Role"]["MaxSessionDuration"] == ok
    ram.call("DeleteRole", RoleName=name)


def _principals(account_id):
    return {
        "ram-root": {"RAM": [f"acs:ram::{account_id}:root"]},
        "service": {"Service": ["kms.aliyuncs.com"]},
        "federated": {"Federated": [f"acs:ram::{account_id}:saml-provider/testprovider"]},
    }


@pytest.mark.parametrize("kind", ["ram-root", "service", "federated"])
def test_trust_policy_principals_accepted(ram, server, uniq, kind):
    principal = _principals(server.account_id)[kind]
    if kind == "federated":
        trust = json.dumps({"Statement": [{
            "Action": "sts:AssumeRole", "Effect": "Allow", "Principal": principal,
            "Condition": {"StringEquals": {"saml:recipient": "https://signin.aliyun.com/saml-role/sso"}}}],
            "Version": "1"})
    else:
        trust = trust_doc(principal)
    name = uniq("rtrust")
    r = ram.call("CreateRole", RoleName=name, AssumeRolePolicyDocument=trust)["Role"]
    _same_doc(r["AssumeRolePolicyDocument"], trust)
    _same_doc(ram.call("GetRole", RoleName=name)["Role"]["AssumeRolePolicyDocument"], trust)
    ram.call("DeleteRole", RoleName=name)


def test_malformed_trust_policy(ram, uniq):
    name = uniq("rbad")
    expect_error(lambda: ram.call("CreateRole", RoleName=name, AssumeRolePolicyDocument='{"Statement":['),
                 400, "MalformedPolicyDocument")
    expect_error(lambda: ram.call("GetRole", RoleName=name), 404, "EntityNotExist.Role")


def test_create_service_linked_role_for_kms_ram_credentials(server):
    """ServiceName ramcredentials.kms.aliyuncs.com -> AliyunKMSManageRAMCredentialsRole
    (the one-click authorisation of KMS RAM secrets, behaviour.md §1.2)."""
    ram = make_client("tea_v3", server)
    body = ram.call("CreateServiceLinkedRole", ServiceName="ramcredentials.kms.aliyuncs.com")
    assert body.get("RequestId")
    r = body["Role"]
    assert r["RoleName"] == "AliyunKMSManageRAMCredentialsRole"
    assert r["IsServiceLinkedRole"] is True
    assert r.get("RoleId")
    assert r["Arn"].startswith(f"acs:ram::{server.account_id}:role/"), r["Arn"]
    assert_date(r.get("CreateDate"), "CreateDate")
    trust = json.loads(r["AssumeRolePolicyDocument"])
    assert trust["Statement"], trust

    for flavour in ("core", "tea_v3", "tea_v2"):
        g = make_client(flavour, server).call("GetRole", RoleName="AliyunKMSManageRAMCredentialsRole")["Role"]
        assert g["IsServiceLinkedRole"] is True, f"[{flavour}] IsServiceLinkedRole = {g.get('IsServiceLinkedRole')!r}"
        assert g["RoleId"] == r["RoleId"]
