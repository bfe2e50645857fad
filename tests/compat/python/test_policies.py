"""Policies: CreatePolicy, GetPolicy, ListPolicies, UpdatePolicyDescription,
DeletePolicy, the policy versions API, system policies and document
validation, through every Python SDK flavour."""
import json

import pytest

from iam import allow, names, policy_doc, statement
from ramclients import assert_date, expect_error

SYSTEM_POLICIES = {
    "AdministratorAccess", "ReadOnlyAccess", "AliyunRAMFullAccess", "AliyunRAMReadOnlyAccess",
    "AliyunSTSAssumeRoleAccess", "AliyunKMSFullAccess", "AliyunKMSReadOnlyAccess",
    "AliyunKMSSecretAdminAccess", "AliyunKMSSecretReadOnlyAccess",
    "AliyunKMSManageRAMCredentialsRolePolicy",
}


def _same_doc(got, expected):
    assert isinstance(got, str) and got, f"PolicyDocument {got!r} is not a JSON string"
    assert json.loads(got) == json.loads(expected), f"document {got} != {expected}"


def _versions(ram, policy):
    body = ram.call("ListPolicyVersions", PolicyName=policy, PolicyType="Custom")
    assert body.get("RequestId")
    vs = body.get("PolicyVersions", {}).get("PolicyVersion", [])
    for v in vs:
        assert isinstance(v.get("IsDefaultVersion"), bool), v
        assert_date(v.get("CreateDate"), "PolicyVersion.CreateDate")
        assert isinstance(v.get("PolicyDocument"), str) and v["PolicyDocument"]
    defaults = [v["VersionId"] for v in vs if v["IsDefaultVersion"]]
    assert len(defaults) == 1, f"exactly one default version expected: {vs}"
    return [v["VersionId"] for v in vs], defaults[0]


def _all_policies(ram, policy_type=None, max_items=None):
    out, marker = [], None
    for _ in range(1000):
        body = ram.call("ListPolicies", PolicyType=policy_type, Marker=marker, MaxItems=max_items)
        assert body.get("RequestId")
        assert isinstance(body.get("IsTruncated"), bool), body.get("IsTruncated")
        page = body.get("Policies", {}).get("Policy", [])
        if max_items:
            assert len(page) <= max_items, f"MaxItems={max_items} returned {len(page)}"
        out += page
        if not body["IsTruncated"]:
            assert "Marker" not in body, f"Marker present although IsTruncated is false: {body.get('Marker')!r}"
            return out
        assert body.get("Marker"), "IsTruncated is true but no Marker"
        marker = body["Marker"]
    raise AssertionError("ListPolicies paging does not terminate")


def test_policy_lifecycle(ram, uniq):
    name = uniq("pol")
    doc = allow(["ram:ListUsers", "ram:GetUser"])

    body = ram.call("CreatePolicy", PolicyName=name, PolicyDocument=doc, Description="first description")
    assert body.get("RequestId")
    p = body["Policy"]
    assert p["PolicyName"] == name
    assert p["PolicyType"] == "Custom"
    assert p["Description"] == "first description"
    assert p["DefaultVersion"] == "v1"
    assert_date(p.get("CreateDate"), "CreateDate")

    body = ram.call("GetPolicy", PolicyName=name, PolicyType="Custom")
    assert body.get("RequestId")
    p = body["Policy"]
    assert (p["PolicyName"], p["PolicyType"], p["Description"], p["DefaultVersion"]) == (
        name, "Custom", "first description", "v1")
    assert p.get("AttachmentCount") == 0, f"AttachmentCount = {p.get('AttachmentCount')!r}"
    assert_date(p.get("CreateDate"), "CreateDate")
    assert_date(p.get("UpdateDate"), "UpdateDate")
    dv = body["DefaultPolicyVersion"]
    assert dv["VersionId"] == "v1"
    assert dv["IsDefaultVersion"] is True
    _same_doc(dv["PolicyDocument"], doc)
    assert_date(dv.get("CreateDate"), "DefaultPolicyVersion.CreateDate")

    body = ram.call("UpdatePolicyDescription", PolicyName=name, NewDescription="second description")
    assert body.get("RequestId")
    assert body["Policy"]["PolicyName"] == name
    assert body["Policy"]["Description"] == "second description"
    assert ram.call("GetPolicy", PolicyName=name, PolicyType="Custom")["Policy"]["Description"] == \
        "second description"

    listed = {x["PolicyName"]: x for x in _all_policies(ram, "Custom")}
    assert name in listed
    x = listed[name]
    assert (x["PolicyType"], x["Description"], x["DefaultVersion"]) == ("Custom", "second description", "v1")
    assert x.get("AttachmentCount") == 0
    assert_date(x.get("CreateDate"), "CreateDate")
    assert_date(x.get("UpdateDate"), "UpdateDate")

    expect_error(lambda: ram.call("CreatePolicy", PolicyName=name, PolicyDocument=doc),
                 409, "EntityAlreadyExists.Policy")

    body = ram.call("DeletePolicy", PolicyName=name)
    assert body.get("RequestId")
    expect_error(lambda: ram.call("GetPolicy", PolicyName=name, PolicyType="Custom"),
                 404, "EntityNotExist.Policy")
    expect_error(lambda: ram.call("DeletePolicy", PolicyName=name), 404, "EntityNotExist.Policy")
    assert name not in [x["PolicyName"] for x in _all_policies(ram, "Custom")]


@pytest.mark.parametrize("policy", ["AdministratorAccess", "AliyunKMSManageRAMCredentialsRolePolicy"])
def test_get_system_policy(ram, policy):
    body = ram.call("GetPolicy", PolicyName=policy, PolicyType="System")
    p = body["Policy"]
    assert (p["PolicyName"], p["PolicyType"]) == (policy, "System")
    assert p.get("DefaultVersion", "").startswith("v"), p
    assert p.get("Description")
    dv = body["DefaultPolicyVersion"]
    assert dv["IsDefaultVersion"] is True
    assert dv["VersionId"] == p["DefaultVersion"]
    doc = json.loads(dv["PolicyDocument"])
    actions = set()
    for st in doc["Statement"]:
        a = st.get("Action", [])
        actions.update([a] if isinstance(a, str) else a)
    if policy == "AdministratorAccess":
        assert "*" in actions, doc
    else:
        assert {"ram:ListAccessKeys", "ram:CreateAccessKey", "ram:DeleteAccessKey",
                "ram:UpdateAccessKey"} <= actions, doc


def test_get_missing_system_policy(ram):
    expect_error(lambda: ram.call("GetPolicy", PolicyName="NoSuchSystemPolicyXyz", PolicyType="System"),
                 404, "EntityNotExist.Policy")


def test_list_policies_by_type(ram, uniq):
    mine = uniq("pollist")
    ram.call("CreatePolicy", PolicyName=mine, PolicyDocument=allow("ram:GetUser"))

    system = _all_policies(ram, "System", max_items=7)
    sys_names = [p["PolicyName"] for p in system]
    assert len(sys_names) == len(set(sys_names)), "a system policy appeared twice while paging"
    assert all(p["PolicyType"] == "System" for p in system)
    missing = SYSTEM_POLICIES - set(sys_names)
    assert not missing, f"system policies missing from ListPolicies: {sorted(missing)}"
    assert mine not in sys_names

    custom = _all_policies(ram, "Custom")
    assert all(p["PolicyType"] == "Custom" for p in custom)
    assert mine in [p["PolicyName"] for p in custom]
    assert not SYSTEM_POLICIES & {p["PolicyName"] for p in custom}

    every = {p["PolicyName"] for p in _all_policies(ram)}
    assert mine in every and SYSTEM_POLICIES <= every
    ram.call("DeletePolicy", PolicyName=mine)


def test_list_custom_policies_paging(ram, uniq):
    created = [uniq("polpage") for _ in range(3)]
    for n in created:
        ram.call("CreatePolicy", PolicyName=n, PolicyDocument=allow("ram:GetUser"))
    seen = [p["PolicyName"] for p in _all_policies(ram, "Custom", max_items=1)]
    assert len(seen) == len(set(seen)), f"a policy appeared twice while paging: {seen}"
    for n in created:
        assert n in seen
        ram.call("DeletePolicy", PolicyName=n)


def test_policy_versions(ram, uniq):
    name = uniq("polver")
    docs = {f"v{i}": allow(f"ram:GetUser{i}") for i in range(1, 8)}
    ram.call("CreatePolicy", PolicyName=name, PolicyDocument=docs["v1"])

    body = ram.call("CreatePolicyVersion", PolicyName=name, PolicyDocument=docs["v2"], SetAsDefault=True)
    assert body.get("RequestId")
    pv = body["PolicyVersion"]
    assert (pv["VersionId"], pv["IsDefaultVersion"]) == ("v2", True)
    _same_doc(pv["PolicyDocument"], docs["v2"])
    assert_date(pv.get("CreateDate"), "PolicyVersion.CreateDate")

    pv = ram.call("CreatePolicyVersion", PolicyName=name, PolicyDocument=docs["v3"],
                  SetAsDefault=False)["PolicyVersion"]
    assert (pv["VersionId"], pv["IsDefaultVersion"]) == ("v3", False)

    body = ram.call("GetPolicy", PolicyName=name, PolicyType="Custom")
    assert body["Policy"]["DefaultVersion"] == "v2"
    assert body["DefaultPolicyVersion"]["VersionId"] == "v2"
    _same_doc(body["DefaultPolicyVersion"]["PolicyDocument"], docs["v2"])

    body = ram.call("GetPolicyVersion", PolicyName=name, PolicyType="Custom", VersionId="v3")
    assert body.get("RequestId")
    pv = body["PolicyVersion"]
    assert (pv["VersionId"], pv["IsDefaultVersion"]) == ("v3", False)
    _same_doc(pv["PolicyDocument"], docs["v3"])
    assert_date(pv.get("CreateDate"), "CreateDate")

    assert _versions(ram, name) == (["v1", "v2", "v3"], "v2")

    body = ram.call("SetDefaultPolicyVersion", PolicyName=name, VersionId="v3")
    assert body.get("RequestId")
    assert ram.call("GetPolicy", PolicyName=name, PolicyType="Custom")["Policy"]["DefaultVersion"] == "v3"
    assert ram.call("GetPolicyVersion", PolicyName=name, PolicyType="Custom",
                    VersionId="v3")["PolicyVersion"]["IsDefaultVersion"] is True
    ram.call("SetDefaultPolicyVersion", PolicyName=name, VersionId="v2")

    expect_error(lambda: ram.call("DeletePolicyVersion", PolicyName=name, VersionId="v2"),
                 409, "DeleteConflict.Policy.Version.Default")

    ram.call("CreatePolicyVersion", PolicyName=name, PolicyDocument=docs["v4"])
    ram.call("CreatePolicyVersion", PolicyName=name, PolicyDocument=docs["v5"])
    assert _versions(ram, name) == (["v1", "v2", "v3", "v4", "v5"], "v2")

    # a sixth version exceeds the limit of five
    expect_error(lambda: ram.call("CreatePolicyVersion", PolicyName=name, PolicyDocument=docs["v6"]),
                 409, "LimitExceeded.Policy.Version")
    expect_error(lambda: ram.call("CreatePolicyVersion", PolicyName=name, PolicyDocument=docs["v6"],
                                  RotateStrategy="None"),
                 409, "LimitExceeded.Policy.Version")
    assert _versions(ram, name) == (["v1", "v2", "v3", "v4", "v5"], "v2")

    # ...unless the oldest non-default version (v1; the default is v2) may go
    pv = ram.call("CreatePolicyVersion", PolicyName=name, PolicyDocument=docs["v6"],
                  RotateStrategy="DeleteOldestNonDefaultVersionWhenLimitExceeded")["PolicyVersion"]
    assert pv["VersionId"] == "v6" and pv["IsDefaultVersion"] is False
    assert _versions(ram, name) == (["v2", "v3", "v4", "v5", "v6"], "v2")
    expect_error(lambda: ram.call("GetPolicyVersion", PolicyName=name, PolicyType="Custom", VersionId="v1"),
                 404, "EntityNotExist.Policy.Version")

    body = ram.call("DeletePolicyVersion", PolicyName=name, VersionId="v3")
    assert body.get("RequestId")
    assert _versions(ram, name) == (["v2", "v4", "v5", "v6"], "v2")
    expect_error(lambda: ram.call("DeletePolicyVersion", PolicyName=name, VersionId="v3"),
                 404, "EntityNotExist.Policy.Version")

    # non-default versions block DeletePolicy unless CascadingDelete
    expect_error(lambda: ram.call("DeletePolicy", PolicyName=name), 409, "DeleteConflict.Policy.Version")
    expect_error(lambda: ram.call("DeletePolicy", PolicyName=name, CascadingDelete=False),
                 409, "DeleteConflict.Policy.Version")
    ram.call("DeletePolicy", PolicyName=name, CascadingDelete=True)
    expect_error(lambda: ram.call("GetPolicy", PolicyName=name, PolicyType="Custom"),
                 404, "EntityNotExist.Policy")


def test_policy_version_of_missing_policy(ram, uniq):
    name = uniq("nopol")
    expect_error(lambda: ram.call("CreatePolicyVersion", PolicyName=name, PolicyDocument=allow("ram:GetUser")),
                 404, "EntityNotExist.Policy")
    expect_error(lambda: ram.call("ListPolicyVersions", PolicyName=name, PolicyType="Custom"),
                 404, "EntityNotExist.Policy")
    expect_error(lambda: ram.call("UpdatePolicyDescription", PolicyName=name, NewDescription="x"),
                 404, "EntityNotExist.Policy")


MALFORMED = {
    "bad-json": ('{"Version":"1","Statement":[{"Effect":"Allow",', None),
    "lowercase-effect": (policy_doc({"Effect": "allow", "Action": ["ram:GetUser"], "Resource": ["*"]}),
                         "Effect"),
    "missing-action": (policy_doc({"Effect": "Allow", "Resource": ["*"]}), "Action"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_policy_document(ram, uniq, case):
    doc, field = MALFORMED[case]
    name = uniq("badpol")
    e = expect_error(lambda: ram.call("CreatePolicy", PolicyName=name, PolicyDocument=doc),
                     400, "MalformedPolicyDocument")
    msg = e.message or ""
    assert msg.strip(), "MalformedPolicyDocument without a message"
    if field:
        assert field in msg, f"message does not name the field {field}: {msg!r}"
        assert "statement 1" in msg.lower(), f"message does not name the statement: {msg!r}"
    expect_error(lambda: ram.call("GetPolicy", PolicyName=name, PolicyType="Custom"),
                 404, "EntityNotExist.Policy")

    # the same document is refused as a new version of an existing policy
    good = uniq("goodpol")
    ram.call("CreatePolicy", PolicyName=good, PolicyDocument=allow("ram:GetUser"))
    expect_error(lambda: ram.call("CreatePolicyVersion", PolicyName=good, PolicyDocument=doc),
                 400, "MalformedPolicyDocument")
    ram.call("DeletePolicy", PolicyName=good)


def test_invalid_policy_type(ram, uniq):
    expect_error(lambda: ram.call("GetPolicy", PolicyName="AdministratorAccess", PolicyType="Bogus"),
                 400, "InvalidParameter.PolicyType")
    expect_error(lambda: ram.call("ListPolicies", PolicyType="Bogus"), 400, "InvalidParameter.PolicyType")
    user = uniq("ptype")
    ram.call("CreateUser", UserName=user)
    expect_error(lambda: ram.call("AttachPolicyToUser", PolicyType="Bogus", PolicyName="AdministratorAccess",
                                  UserName=user), 400, "InvalidParameter.PolicyType")
    ram.call("DeleteUser", UserName=user)


def test_get_missing_custom_policy(ram, uniq):
    expect_error(lambda: ram.call("GetPolicy", PolicyName=uniq("missing"), PolicyType="Custom"),
                 404, "EntityNotExist.Policy")


def test_statement_helpers_are_valid(ram, uniq):
    """A multi-statement document with a condition is accepted verbatim."""
    name = uniq("polmulti")
    doc = policy_doc(statement(["ram:ListUsers"], "*"),
                     statement(["ram:CreateUser"], "*", "Deny",
                               {"IpAddress": {"acs:SourceIp": ["10.0.0.0/8", "192.168.0.1"]}}))
    ram.call("CreatePolicy", PolicyName=name, PolicyDocument=doc)
    got = ram.call("GetPolicy", PolicyName=name, PolicyType="Custom")["DefaultPolicyVersion"]["PolicyDocument"]
    _same_doc(got, doc)
    assert names(ram.call("ListPolicies", PolicyType="Custom", MaxItems=1000),
                 "Policies", "Policy", "PolicyName").count(name) == 1
    ram.call("DeletePolicy", PolicyName=name)
