"""STS 2015-04-01: AssumeRole, GetCallerIdentity, and RAM calls made with
the temporary credentials (behaviour.md §4.4, §5), through the core SDK
(CommonRequest, V1; StsTokenCredential), the Tea STS/RAM clients (V3 and
signature_algorithm='v2'; security_token=) and hand-signed requests."""
import datetime as dt
import re

import pytest

from iam import account_trust, allow, role_arn, trust_doc, user_with_key
from ramclients import FLAVOURS, STS_VERSION, expect_error, make_client



@pytest.fixture(params=FLAVOURS)
def flavour(request):
    return request.param


@pytest.fixture
def make_role(server, root_core, uniq):
    """Factory: a role -> dict(name, arn, id); trusted by the account root
    unless trust= is given, with the given system policies attached."""
    def make(trust=None, system_policies=(), max_session=None, prefix="strole"):
        name = uniq(prefix)
        body = root_core.call("CreateRole", RoleName=name, MaxSessionDuration=max_session,
                              AssumeRolePolicyDocument=trust or account_trust(server.account_id))
        for p in system_policies:
            root_core.call("AttachPolicyToRole", PolicyType="System", PolicyName=p, RoleName=name)
        return {"name": name, "arn": role_arn(server.account_id, name), "id": body["Role"]["RoleId"]}
    return make


def _parse_exp(s):
    assert isinstance(s, str) and re.match(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$", s), \
        f"Expiration {s!r} is not YYYY-MM-DDThh:mm:ssZ"
    return dt.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc)


def _assume(server, role, session="sess", flavour="tea_v3", **kw):
    sts = make_client(flavour, server, product="sts")
    return sts.call("AssumeRole", RoleArn=role["arn"], RoleSessionName=session, **kw)


def _session_client(server, flavour, creds, product="ram"):
    return make_client(flavour, server, creds["AccessKeyId"], creds["AccessKeySecret"],
                       security_token=creds["SecurityToken"], product=product)


def _forge(token: str) -> str:
    i = len(token) // 2
    c = token[i]
    r = "B" if c == "A" else "A"
    return token[:i] + r + token[i + 1:]


# --------------------------------------------------------------------------
# AssumeRole
# --------------------------------------------------------------------------

def test_assume_role_as_root(server, make_role, flavour):
    role = make_role()
    session = "alice.session@x_y-1"
    before = dt.datetime.now(dt.timezone.utc)
    body = _assume(server, role, session, flavour, DurationSeconds=1800)
    assert body.get("RequestId")
    c = body["Credentials"]
    assert c["AccessKeyId"].startswith("STS."), c["AccessKeyId"]
    assert c.get("AccessKeySecret") and c.get("SecurityToken")
    exp = _parse_exp(c["Expiration"])
    expected = before + dt.timedelta(seconds=1800)
    assert abs((exp - expected).total_seconds()) <= 60, f"Expiration {exp} is not about now+1800s ({expected})"
    u = body["AssumedRoleUser"]
    assert u["Arn"] == f"acs:ram::{server.account_id}:role/{role['name']}/{session}"
    assert u["AssumedRoleId"] == f"{role['id']}:{session}"

    long_name = "s" * 64
    u = _assume(server, role, long_name, flavour)["AssumedRoleUser"]
    assert u["AssumedRoleId"] == f"{role['id']}:{long_name}"

    # default duration: 3600 s
    c = _assume(server, role, "second", flavour)["Credentials"]
    delta = (_parse_exp(c["Expiration"]) - dt.datetime.now(dt.timezone.utc)).total_seconds()
    assert 3540 <= delta <= 3660, f"default session lasts {delta} s"


def test_assume_role_up_to_max_session_duration(server, make_role):
    role = make_role(max_session=7200)
    c = _assume(server, role, "long", DurationSeconds=7200)["Credentials"]
    delta = (_parse_exp(c["Expiration"]) - dt.datetime.now(dt.timezone.utc)).total_seconds()
    assert 7140 <= delta <= 7260, delta
    c = _assume(server, role, "short", DurationSeconds=900)["Credentials"]
    delta = (_parse_exp(c["Expiration"]) - dt.datetime.now(dt.timezone.utc)).total_seconds()
    assert 840 <= delta <= 960, delta


def test_session_credentials_follow_role_policies(server, make_role, uniq, flavour):
    role = make_role(system_policies=["AliyunRAMReadOnlyAccess"])
    creds = _assume(server, role, "reader")["Credentials"]
    ram = _session_client(server, flavour, creds)
    body = ram.call("ListUsers")
    assert body.get("RequestId") and isinstance(body.get("IsTruncated"), bool)
    ram.call("GetRole", RoleName=role["name"])
    e = expect_error(lambda: ram.call("CreateUser", UserName=uniq("never")), 403, "NoPermission")
    assert "Action: ram:CreateUser" in (e.message or ""), e.message


def test_role_without_policies_grants_nothing(server, make_role, flavour):
    role = make_role()
    creds = _assume(server, role, "empty")["Credentials"]
    ram = _session_client(server, flavour, creds)
    expect_error(lambda: ram.call("ListUsers"), 403, "NoPermission")


def test_session_policy_narrows(server, root_core, make_role, uniq, flavour):
    role = make_role(system_policies=["AliyunRAMReadOnlyAccess"])
    someone = uniq("stsu")
    root_core.call("CreateUser", UserName=someone)
    creds = _assume(server, role, "narrow", flavour, Policy=allow("ram:GetUser"))["Credentials"]
    ram = _session_client(server, flavour, creds)
    assert ram.call("GetUser", UserName=someone)["User"]["UserName"] == someone
    expect_error(lambda: ram.call("ListUsers"), 403, "NoPermission")
    # the session policy cannot add what the role lacks
    creds = _assume(server, role, "wide", flavour, Policy=allow("ram:*"))["Credentials"]
    ram = _session_client(server, flavour, creds)
    ram.call("ListUsers")
    expect_error(lambda: ram.call("CreateUser", UserName=uniq("never")), 403, "NoPermission")


# --------------------------------------------------------------------------
# GetCallerIdentity
# --------------------------------------------------------------------------

def test_caller_identity_root(server, flavour):
    body = make_client(flavour, server, product="sts").call("GetCallerIdentity")
    assert body.get("RequestId")
    assert body["IdentityType"] == "Account"
    assert body["AccountId"] == server.account_id
    assert body["Arn"] == f"acs:ram::{server.account_id}:root"


def test_caller_identity_ram_user(server, root_core, uniq, flavour):
    """A RAM user without any policy may ask who it is [INF: GetCallerIdentity
    needs no permission]."""
    name = uniq("whoami")
    ak, sk = user_with_key(root_core, name)
    user_id = root_core.call("GetUser", UserName=name)["User"]["UserId"]
    body = make_client(flavour, server, ak, sk, product="sts").call("GetCallerIdentity")
    assert body["IdentityType"] == "RAMUser"
    assert body["AccountId"] == server.account_id
    assert body["Arn"] == f"acs:ram::{server.account_id}:user/{name}"
    assert body["UserId"] == user_id
    assert body["PrincipalId"] == user_id


def test_caller_identity_assumed_role(server, make_role, flavour):
    role = make_role()
    creds = _assume(server, role, "who-sess")["Credentials"]
    body = _session_client(server, flavour, creds, product="sts").call("GetCallerIdentity")
    assert body["IdentityType"] == "AssumedRoleUser"
    assert body["AccountId"] == server.account_id
    assert body["Arn"] == f"acs:ram::{server.account_id}:assumed-role/{role['name']}/who-sess"
    assert body["RoleId"] == role["id"]
    assert body["PrincipalId"] == f"{role['id']}:who-sess"


# --------------------------------------------------------------------------
# AssumeRole errors
# --------------------------------------------------------------------------

def test_assume_role_parameter_errors(server, make_role, flavour):
    role = make_role()
    sts = make_client(flavour, server, product="sts")
    expect_error(lambda: sts.call("AssumeRole", RoleArn="not-an-arn", RoleSessionName="s1"),
                 400, "InvalidParameter.RoleArn")
    expect_error(lambda: sts.call("AssumeRole", RoleArn=f"acs:ram::{server.account_id}:user/x",
                                  RoleSessionName="s1"), 400, "InvalidParameter.RoleArn")
    for bad in ("a", "bad!name", "x" * 65):
        expect_error(lambda: sts.call("AssumeRole", RoleArn=role["arn"], RoleSessionName=bad),
                     400, "InvalidParameter.RoleSessionName")
    expect_error(lambda: sts.call("AssumeRole", RoleArn=role["arn"], RoleSessionName="s1",
                                  DurationSeconds=899), 400, "InvalidParameter.DurationSeconds")
    # the role's MaxSessionDuration is 3600
    expect_error(lambda: sts.call("AssumeRole", RoleArn=role["arn"], RoleSessionName="s1",
                                  DurationSeconds=3601), 400, "InvalidParameter.DurationSeconds")
    for bad_policy in ('{"Version":"1","Statement":[', allow("ram:GetUser").replace('"Allow"', '"allow"')):
        expect_error(lambda: sts.call("AssumeRole", RoleArn=role["arn"], RoleSessionName="s1",
                                      Policy=bad_policy), 400, "InvalidParameter.PolicyGrammar")
    # 1-2048 characters (SDK docstring)
    big = allow([f"ram:GetUser{i:04d}" for i in range(200)])
    assert len(big) > 2048
    expect_error(lambda: sts.call("AssumeRole", RoleArn=role["arn"], RoleSessionName="s1", Policy=big),
                 400, "InvalidParameter.PolicySize")
    expect_error(lambda: sts.call("AssumeRole", RoleArn=role_arn(server.account_id, "no-such-role-xyz"),
                                  RoleSessionName="s1"), 404, "EntityNotExist.Role")


def test_ram_user_needs_sts_permission(server, root_core, make_role, uniq, flavour):
    role = make_role()
    name = uniq("stsnoperm")
    ak, sk = user_with_key(root_core, name)
    sts = make_client(flavour, server, ak, sk, product="sts")
    expect_error(lambda: sts.call("AssumeRole", RoleArn=role["arn"], RoleSessionName="s1"), 403, "NoPermission")
    root_core.call("AttachPolicyToUser", PolicyType="System", PolicyName="AliyunSTSAssumeRoleAccess", UserName=name)
    body = sts.call("AssumeRole", RoleArn=role["arn"], RoleSessionName="s1")
    assert body["Credentials"]["AccessKeyId"].startswith("STS.")
    assert body["AssumedRoleUser"]["AssumedRoleId"] == f"{role['id']}:s1"


def test_ram_user_cannot_assume_service_role(server, root_core, make_role, uniq, flavour):
    role = make_role(trust=trust_doc({"Service": ["kms.aliyuncs.com"]}))
    name = uniq("stssvc")
    ak, sk = user_with_key(root_core, name)
    root_core.call("AttachPolicyToUser", PolicyType="System", PolicyName="AliyunSTSAssumeRoleAccess", UserName=name)
    sts = make_client(flavour, server, ak, sk, product="sts")
    expect_error(lambda: sts.call("AssumeRole", RoleArn=role["arn"], RoleSessionName="s1"), 403, "NoPermission")


def test_trust_policy_names_one_user(server, root_core, make_role, uniq, flavour):
    alice, bob = uniq("alice"), uniq("bob")
    a_ak, a_sk = user_with_key(root_core, alice)
    b_ak, b_sk = user_with_key(root_core, bob)
    for u in (alice, bob):
        root_core.call("AttachPolicyToUser", PolicyType="System", PolicyName="AliyunSTSAssumeRoleAccess", UserName=u)
    role = make_role(trust=trust_doc({"RAM": [f"acs:ram::{server.account_id}:user/{alice}"]}))
    ok = make_client(flavour, server, a_ak, a_sk, product="sts").call(
        "AssumeRole", RoleArn=role["arn"], RoleSessionName="alice-s")
    assert ok["AssumedRoleUser"]["AssumedRoleId"] == f"{role['id']}:alice-s"
    expect_error(lambda: make_client(flavour, server, b_ak, b_sk, product="sts").call(
        "AssumeRole", RoleArn=role["arn"], RoleSessionName="bob-s"), 403, "NoPermission")


# --------------------------------------------------------------------------
# security tokens
# --------------------------------------------------------------------------

def test_forged_security_token(server, make_role, flavour):
    role = make_role(system_policies=["AliyunRAMReadOnlyAccess"])
    creds = dict(_assume(server, role, "forge")["Credentials"])
    creds["SecurityToken"] = _forge(creds["SecurityToken"])
    ram = _session_client(server, flavour, creds)
    expect_error(lambda: ram.call("ListUsers"), 400, "InvalidSecurityToken.Malformed")


def test_token_of_another_session(server, make_role, flavour):
    role = make_role(system_policies=["AliyunRAMReadOnlyAccess"])
    c1 = _assume(server, role, "one")["Credentials"]
    c2 = _assume(server, role, "two")["Credentials"]
    mixed = {"AccessKeyId": c2["AccessKeyId"], "AccessKeySecret": c2["AccessKeySecret"],
             "SecurityToken": c1["SecurityToken"]}
    expect_error(lambda: _session_client(server, flavour, mixed).call("ListUsers"),
                 400, "InvalidSecurityToken.MismatchWithAccessKey")


def test_sts_key_without_token(server, make_role, flavour):
    role = make_role(system_policies=["AliyunRAMReadOnlyAccess"])
    c = _assume(server, role, "notoken")["Credentials"]
    ram = make_client(flavour, server, c["AccessKeyId"], c["AccessKeySecret"])
    expect_error(lambda: ram.call("ListUsers"), 400, "MissingSecurityToken")


def test_security_token_raw_v1(server, make_role, raw):
    """Hand-signed V1: SecurityToken is an ordinary signed parameter; the
    same request with a forged token or none is refused."""
    role = make_role(system_policies=["AliyunRAMReadOnlyAccess"])
    c = _assume(server, role, "raw")["Credentials"]
    ak, sk, tok = c["AccessKeyId"], c["AccessKeySecret"], c["SecurityToken"]
    r = raw.call("ListUsers", {"SecurityToken": tok}, ak=ak, sk=sk)
    assert r.status_code == 200, r.text[:600]
    r = raw.call("ListUsers", {"SecurityToken": _forge(tok)}, ak=ak, sk=sk)
    assert (r.status_code, r.json().get("Code")) == (400, "InvalidSecurityToken.Malformed"), r.text[:600]
    r = raw.call("ListUsers", {}, ak=ak, sk=sk)
    assert (r.status_code, r.json().get("Code")) == (400, "MissingSecurityToken"), r.text[:600]
    r = raw.call("GetCallerIdentity", {"SecurityToken": tok}, ak=ak, sk=sk, version=STS_VERSION)
    assert r.status_code == 200, r.text[:600]
    assert r.json()["IdentityType"] == "AssumedRoleUser"
