"""Policy attachments: AttachPolicyTo{User,Group,Role}, DetachPolicyFrom*,
ListPoliciesFor*, ListEntitiesForPolicy and the delete conflicts they cause,
through every Python SDK flavour."""
import pytest

from iam import account_trust, allow
from ramclients import assert_date, expect_error

KINDS = ("User", "Group", "Role")


def _create(ram, server, kind, name):
    if kind == "User":
        ram.call("CreateUser", UserName=name, DisplayName="disp " + name)
    elif kind == "Group":
        ram.call("CreateGroup", GroupName=name, Comments="comments " + name)
    else:
        ram.call("CreateRole", RoleName=name, AssumeRolePolicyDocument=account_trust(server.account_id),
                 Description="desc " + name)


def _attached(ram, kind, name):
    body = ram.call(f"ListPoliciesFor{kind}", **{f"{kind}Name": name})
    assert body.get("RequestId")
    return body.get("Policies", {}).get("Policy", [])


@pytest.mark.parametrize("kind", KINDS)
def test_attach_detach(ram, server, uniq, kind):
    entity = uniq(kind.lower())
    policy = uniq("attpol")
    key = f"{kind}Name"
    _create(ram, server, kind, entity)
    ram.call("CreatePolicy", PolicyName=policy, PolicyDocument=allow("ram:GetUser"), Description="att desc")

    body = ram.call(f"AttachPolicyTo{kind}", PolicyType="Custom", PolicyName=policy, **{key: entity})
    assert body.get("RequestId")
    expect_error(lambda: ram.call(f"AttachPolicyTo{kind}", PolicyType="Custom", PolicyName=policy,
                                  **{key: entity}), 409, f"EntityAlreadyExists.{kind}.Policy")
    ram.call(f"AttachPolicyTo{kind}", PolicyType="System", PolicyName="AliyunRAMReadOnlyAccess", **{key: entity})

    pols = {p["PolicyName"]: p for p in _attached(ram, kind, entity)}
    assert set(pols) == {policy, "AliyunRAMReadOnlyAccess"}, pols
    p = pols[policy]
    assert (p["PolicyType"], p["Description"], p["DefaultVersion"]) == ("Custom", "att desc", "v1")
    assert_date(p.get("AttachDate"), "AttachDate")
    s = pols["AliyunRAMReadOnlyAccess"]
    assert s["PolicyType"] == "System" and s.get("DefaultVersion")
    assert_date(s.get("AttachDate"), "AttachDate")

    assert ram.call("GetPolicy", PolicyName=policy, PolicyType="Custom")["Policy"]["AttachmentCount"] == 1

    body = ram.call("ListEntitiesForPolicy", PolicyName=policy, PolicyType="Custom")
    assert body.get("RequestId")
    listed = {k: body.get(f"{k}s", {}).get(k, []) for k in KINDS}
    for other in KINDS:
        if other != kind:
            assert listed[other] == [], f"{other}s listed for a policy attached only to a {kind}: {listed}"
    assert [e[key] for e in listed[kind]] == [entity]
    e = listed[kind][0]
    assert_date(e.get("AttachDate"), "AttachDate")
    if kind == "User":
        assert e.get("UserId") and e.get("DisplayName") == "disp " + entity
    elif kind == "Group":
        assert e.get("Comments") == "comments " + entity
    else:
        assert e.get("RoleId") and e.get("Description") == "desc " + entity
        assert e.get("Arn") == f"acs:ram::{server.account_id}:role/{entity}"

    expect_error(lambda: ram.call("DeletePolicy", PolicyName=policy), 409, f"DeleteConflict.Policy.{kind}")
    expect_error(lambda: ram.call(f"Delete{kind}", **{key: entity}), 409, f"DeleteConflict.{kind}.Policy")

    body = ram.call(f"DetachPolicyFrom{kind}", PolicyType="Custom", PolicyName=policy, **{key: entity})
    assert body.get("RequestId")
    expect_error(lambda: ram.call(f"DetachPolicyFrom{kind}", PolicyType="Custom", PolicyName=policy,
                                  **{key: entity}), 404, f"EntityNotExist.{kind}.Policy")
    assert [p["PolicyName"] for p in _attached(ram, kind, entity)] == ["AliyunRAMReadOnlyAccess"]
    assert ram.call("GetPolicy", PolicyName=policy, PolicyType="Custom")["Policy"]["AttachmentCount"] == 0

    # still attached to the system policy
    expect_error(lambda: ram.call(f"Delete{kind}", **{key: entity}), 409, f"DeleteConflict.{kind}.Policy")
    ram.call(f"DetachPolicyFrom{kind}", PolicyType="System", PolicyName="AliyunRAMReadOnlyAccess", **{key: entity})
    assert _attached(ram, kind, entity) == []

    ram.call(f"Delete{kind}", **{key: entity})
    ram.call("DeletePolicy", PolicyName=policy)


@pytest.mark.parametrize("kind", KINDS)
def test_attach_missing_things(ram, server, uniq, kind):
    entity = uniq(kind.lower())
    key = f"{kind}Name"
    _create(ram, server, kind, entity)
    expect_error(lambda: ram.call(f"AttachPolicyTo{kind}", PolicyType="Custom", PolicyName=uniq("nopol"),
                                  **{key: entity}), 404, "EntityNotExist.Policy")
    expect_error(lambda: ram.call(f"AttachPolicyTo{kind}", PolicyType="System",
                                  PolicyName="AliyunRAMReadOnlyAccess", **{key: uniq("nobody")}),
                 404, f"EntityNotExist.{kind}")
    expect_error(lambda: ram.call(f"DetachPolicyFrom{kind}", PolicyType="System",
                                  PolicyName="AliyunRAMReadOnlyAccess", **{key: entity}),
                 404, f"EntityNotExist.{kind}.Policy")
    ram.call(f"Delete{kind}", **{key: entity})


def test_list_entities_for_system_policy(ram, server, uniq):
    user, group, role = uniq("eu"), uniq("eg"), uniq("er")
    _create(ram, server, "User", user)
    _create(ram, server, "Group", group)
    _create(ram, server, "Role", role)
    pol = "AliyunKMSReadOnlyAccess"
    ram.call("AttachPolicyToUser", PolicyType="System", PolicyName=pol, UserName=user)
    ram.call("AttachPolicyToGroup", PolicyType="System", PolicyName=pol, GroupName=group)
    ram.call("AttachPolicyToRole", PolicyType="System", PolicyName=pol, RoleName=role)

    body = ram.call("ListEntitiesForPolicy", PolicyName=pol, PolicyType="System")
    assert user in [u["UserName"] for u in body["Users"]["User"]]
    assert group in [g["GroupName"] for g in body["Groups"]["Group"]]
    assert role in [r["RoleName"] for r in body["Roles"]["Role"]]

    ram.call("DetachPolicyFromUser", PolicyType="System", PolicyName=pol, UserName=user)
    ram.call("DetachPolicyFromGroup", PolicyType="System", PolicyName=pol, GroupName=group)
    ram.call("DetachPolicyFromRole", PolicyType="System", PolicyName=pol, RoleName=role)
    body = ram.call("ListEntitiesForPolicy", PolicyName=pol, PolicyType="System")
    assert user not in [u["UserName"] for u in body.get("Users", {}).get("User", [])]
    assert group not in [g["GroupName"] for g in body.get("Groups", {}).get("Group", [])]
    assert role not in [r["RoleName"] for r in body.get("Roles", {}).get("Role", [])]
    ram.call("DeleteUser", UserName=user)
    ram.call("DeleteGroup", GroupName=group)
    ram.call("DeleteRole", RoleName=role)
