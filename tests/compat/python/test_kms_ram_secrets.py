"""RAM secrets (SecretType=RAMCredentials, behaviour.md §1) through the Python
SDK flavours: the service-role prerequisite, creation, reading, immediate and
automatic rotation with the grace period of the old key, policy updates, the
operations refused for RAM secrets, and a service role that lost
ram:CreateAccessKey.

Rotation runs on `rot_server` (grace 20 s, minimum interval 30 s); checks of
the default limits and of a missing role use a fresh server of their own."""
import datetime as dt
import json
import time

import pytest

from conftest import ROT_GRACE_SECONDS
from kmsclients import (FLAVOURS, KMS_ROLE, KMS_ROLE_POLICY, as_user, make_kms, ram_secret_data,
                        ram_secret_params, ram_user_with_keys, role_policy_doc, seed_kms_role, stages,
                        user_keys, vid)
from ramclients import ApiError, assert_date, expect_error, expect_error_prefix, make_client


@pytest.fixture(scope="session")
def rot(rot_server):
    seed_kms_role(rot_server)
    return rot_server


@pytest.fixture(params=FLAVOURS)
def kms(request, rot):
    return make_kms(request.param, rot)


def _parse(ts):
    return dt.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc)


def _list_users_ok(srv, ak, sk):
    return "Users" in as_user(srv, ak, sk).call("ListUsers")


def test_missing_service_role(fresh_server, uniq):
    srv = fresh_server()
    user = uniq("u")
    keys = ram_user_with_keys(srv, user)
    for flavour in FLAVOURS:
        e = expect_error(lambda: make_kms(flavour, srv).call("CreateSecret", **ram_secret_params(user, keys)),
                         403, "Forbidden.NoPermission")
        assert KMS_ROLE in (e.message or ""), e.message


def test_default_server_limits(fresh_server, uniq):
    """Default --min-rotation-interval is 6h: 1h is refused, 7d is normalised to seconds."""
    srv = fresh_server()
    seed_kms_role(srv)
    user = uniq("u")
    keys = ram_user_with_keys(srv, user)
    kms = make_kms("tea_v3", srv)
    expect_error(lambda: kms.call("CreateSecret", **ram_secret_params(user, keys, interval="1h")),
                 400, "InvalidParameter.RotationInterval")
    body = kms.call("CreateSecret", **ram_secret_params(user, keys, interval="7d"))
    assert body["RotationInterval"] == "604800s"


def test_create_and_read(kms, rot, uniq):
    user = uniq("u")
    keys = ram_user_with_keys(rot, user)
    params = ram_secret_params(user, keys, interval="7d")
    body = kms.call("CreateSecret", **params)
    name = body["SecretName"]
    assert name == f"acs/ram/user/{user}"
    assert (body["SecretType"], body["VersionId"]) == ("RAMCredentials", params["VersionId"])
    assert (body["AutomaticRotation"], body["RotationInterval"]) == ("Enabled", "604800s")
    nxt = _parse(body["NextRotationDate"])
    assert abs((nxt - dt.datetime.now(dt.timezone.utc)).total_seconds() - 604800) < 120

    got = kms.call("GetSecretValue", SecretName=name, FetchExtendedConfig=True)
    data = json.loads(got["SecretData"])
    assert (data["AccessKeyId"], data["AccessKeySecret"]) == keys[0]
    assert_date(data["GenerateTimestamp"], "GenerateTimestamp")
    assert (got["SecretType"], got["SecretDataType"]) == ("RAMCredentials", "text")
    assert stages(got) == ["ACSCurrent"]
    ext = json.loads(got["ExtendedConfig"])
    assert (ext["SecretSubType"], ext["UserName"]) == ("RamUserAccessKey", user)
    assert (got["AutomaticRotation"], got["RotationInterval"]) == ("Enabled", "604800s")
    assert_date(got["NextRotationDate"], "NextRotationDate")
    assert "ExtendedConfig" not in kms.call("GetSecretValue", SecretName=name)

    d = kms.call("DescribeSecret", SecretName=name)
    assert (d["SecretType"], d["AutomaticRotation"], d["RotationInterval"]) == \
        ("RAMCredentials", "Enabled", "604800s")
    assert json.loads(d["ExtendedConfig"])["UserName"] == user
    lst = kms.call("ListSecrets", Filters=json.dumps([{"Key": "SecretType", "Values": ["RAMCredentials"]}]))
    assert name in [s["SecretName"] for s in lst["SecretList"]["Secret"]]

    expect_error(lambda: kms.call("CreateSecret", **ram_secret_params(user, keys)), 409, "Rejected.ResourceExist")


def test_create_validation(kms, rot, uniq):
    user = uniq("u")
    keys = ram_user_with_keys(rot, user, n=2)
    # every key of the user must be listed, with its right secret
    expect_error(lambda: kms.call("CreateSecret", **ram_secret_params(user, keys[:1])),
                 400, "InvalidParameter.SecretData")
    wrong = [keys[0], (keys[1][0], "not-the-secret")]
    expect_error(lambda: kms.call("CreateSecret", **ram_secret_params(user, wrong)),
                 400, "InvalidParameter.SecretData")
    expect_error(lambda: kms.call("CreateSecret", **ram_secret_params(uniq("nobody"), keys)),
                 404, "EntityNotExist.User")
    expect_error(lambda: kms.call("CreateSecret", **ram_secret_params(user, keys, interval="10s")),
                 400, "InvalidParameter.RotationInterval")
    body = kms.call("CreateSecret", **ram_secret_params(user, keys))
    got = json.loads(kms.call("GetSecretValue", SecretName=body["SecretName"])["SecretData"])
    assert (got["AccessKeyId"], got["AccessKeySecret"]) in keys


def test_unsupported_operations_and_delete(kms, rot, uniq):
    user = uniq("u")
    keys = ram_user_with_keys(rot, user)
    name = kms.call("CreateSecret", **ram_secret_params(user, keys))["SecretName"]
    expect_error(lambda: kms.call("PutSecretValue", SecretName=name, VersionId=vid(), SecretData="x"),
                 400, "Rejected.UnsupportedOperation")
    expect_error(lambda: kms.call("UpdateSecretVersionStage", SecretName=name, VersionStage="ACSCurrent",
                                  MoveToVersion="v1"), 400, "Rejected.UnsupportedOperation")
    kms.call("DeleteSecret", SecretName=name, ForceDeleteWithoutRecovery="true")
    expect_error(lambda: kms.call("GetSecretValue", SecretName=name), 404, "Forbidden.ResourceNotFound")
    # the user's key is left alone
    assert user_keys(rot, user) == {keys[0][0]: "Active"}
    assert _list_users_ok(rot, *keys[0])


def test_rotate_now_and_grace_period(kms, rot, uniq):
    user = uniq("u")
    keys = ram_user_with_keys(rot, user)
    name = kms.call("CreateSecret", **ram_secret_params(user, keys))["SecretName"]
    old = keys[0]

    body = kms.call("RotateSecret", SecretName=name, VersionId="rot-1")
    assert (body["SecretName"], body["VersionId"]) == (name, "rot-1")
    rotated_at = time.monotonic()
    cur = kms.call("GetSecretValue", SecretName=name)
    new = json.loads(cur["SecretData"])
    assert new["AccessKeyId"] != old[0]
    assert_date(cur["LastRotationDate"], "LastRotationDate")
    prev = json.loads(kms.call("GetSecretValue", SecretName=name, VersionStage="ACSPrevious")["SecretData"])
    assert prev["AccessKeyId"] == old[0]
    assert set(user_keys(rot, user)) == {old[0], new["AccessKeyId"]}

    # both keys work during the grace period
    assert _list_users_ok(rot, new["AccessKeyId"], new["AccessKeySecret"])
    assert _list_users_ok(rot, *old)

    deadline = rotated_at + ROT_GRACE_SECONDS + 15
    while time.monotonic() < deadline and old[0] in user_keys(rot, user):
        time.sleep(1)
    assert set(user_keys(rot, user)) == {new["AccessKeyId"]}
    expect_error(lambda: as_user(rot, *old).call("ListUsers"), 404, "InvalidAccessKeyId.NotFound")
    assert _list_users_ok(rot, new["AccessKeyId"], new["AccessKeySecret"])
    expect_error_prefix(lambda: kms.call("GetSecretValue", SecretName=name, VersionStage="ACSPrevious"),
                        404, "Forbidden.ResourceNotFound")
    assert json.loads(kms.call("GetSecretValue", SecretName=name)["SecretData"])["AccessKeyId"] == \
        new["AccessKeyId"]


def test_automatic_rotation(kms, rot, uniq):
    user = uniq("u")
    keys = ram_user_with_keys(rot, user)
    name = kms.call("CreateSecret", **ram_secret_params(user, keys, interval="30s"))["SecretName"]
    got = kms.call("GetSecretValue", SecretName=name)
    assert got["RotationInterval"] == "30s"
    due = _parse(got["NextRotationDate"])
    wait = (due - dt.datetime.now(dt.timezone.utc)).total_seconds()
    assert 0 < wait <= 31, got["NextRotationDate"]
    time.sleep(max(0.0, wait))
    deadline = time.monotonic() + 10
    while True:
        got = kms.call("GetSecretValue", SecretName=name)
        if json.loads(got["SecretData"])["AccessKeyId"] != keys[0][0] or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    new = json.loads(got["SecretData"])
    assert new["AccessKeyId"] != keys[0][0], "no automatic rotation within 10 s of NextRotationDate"
    assert_date(got["LastRotationDate"], "LastRotationDate")
    assert _parse(got["NextRotationDate"]) > due
    assert _list_users_ok(rot, new["AccessKeyId"], new["AccessKeySecret"])
    # stop rotating: the policy update is visible
    kms.call("UpdateSecretRotationPolicy", SecretName=name, EnableAutomaticRotation=False)
    assert kms.call("DescribeSecret", SecretName=name)["AutomaticRotation"] == "Disabled"


def test_update_rotation_policy(kms, rot, uniq):
    user = uniq("u")
    keys = ram_user_with_keys(rot, user)
    name = kms.call("CreateSecret", **ram_secret_params(user, keys, auto=False))["SecretName"]
    assert kms.call("DescribeSecret", SecretName=name)["AutomaticRotation"] == "Disabled"
    kms.call("UpdateSecretRotationPolicy", SecretName=name, EnableAutomaticRotation=True, RotationInterval="2d")
    d = kms.call("DescribeSecret", SecretName=name)
    assert (d["AutomaticRotation"], d["RotationInterval"]) == ("Enabled", "172800s")
    assert_date(d["NextRotationDate"], "NextRotationDate")
    expect_error(lambda: kms.call("UpdateSecretRotationPolicy", SecretName=name, EnableAutomaticRotation=True,
                                  RotationInterval="5s"), 400, "InvalidParameter.RotationInterval")


def test_role_without_create_access_key(fresh_server, uniq):
    srv = fresh_server("--rotation-grace-period", "20s", "--min-rotation-interval", "30s")
    seed_kms_role(srv)
    ram = make_client("tea_v3", srv)
    root = make_kms("tea_v3", srv)
    auto_user = uniq("u")
    auto_keys = ram_user_with_keys(srv, auto_user)
    auto_name = root.call("CreateSecret", **ram_secret_params(auto_user, auto_keys, interval="30s"))["SecretName"]
    due = _parse(root.call("DescribeSecret", SecretName=auto_name)["NextRotationDate"])
    users = {f: uniq("u") for f in FLAVOURS}
    keys = {f: ram_user_with_keys(srv, u) for f, u in users.items()}
    names = {f: make_kms(f, srv).call("CreateSecret", **ram_secret_params(users[f], keys[f]))["SecretName"]
             for f in FLAVOURS}
    ram.call("CreatePolicyVersion", PolicyName=KMS_ROLE_POLICY, SetAsDefault=True,
             PolicyDocument=role_policy_doc(["ram:ListAccessKeys", "ram:DeleteAccessKey", "ram:UpdateAccessKey"]))

    # immediate rotation is refused with the reason; nothing changes
    described = {}
    for flavour in FLAVOURS:
        kms = make_kms(flavour, srv)
        e = expect_error(lambda: kms.call("RotateSecret", SecretName=names[flavour], VersionId=vid()),
                         403, "Forbidden.NoPermission")
        assert "ram:CreateAccessKey" in (e.message or ""), e.message
        cur = json.loads(kms.call("GetSecretValue", SecretName=names[flavour])["SecretData"])
        assert cur["AccessKeyId"] == keys[flavour][0][0]
        assert user_keys(srv, users[flavour]) == {keys[flavour][0][0]: "Active"}
        assert _list_users_ok(srv, *keys[flavour][0])
        d = make_kms("core", srv).call("DescribeSecret", SecretName=names[flavour])
        assert d.get("AutomaticRotation") == "Invalid", json.dumps(d)
        described[flavour] = d

    # the automatic rotation that falls due fails the same way (the scheduler
    # runs every second: wait for its verdict, up to 15 s after the due time)
    time.sleep(max(0.0, (due - dt.datetime.now(dt.timezone.utc)).total_seconds()))
    deadline = time.monotonic() + 15
    while True:
        d = make_kms("core", srv).call("DescribeSecret", SecretName=auto_name)
        if d.get("RotationStatus") == "Failed" or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert (d.get("AutomaticRotation"), d.get("RotationStatus")) == ("Invalid", "Failed"), json.dumps(d)
    assert "ram:CreateAccessKey" in (d.get("LastRotationError") or ""), json.dumps(d)
    assert json.loads(root.call("GetSecretValue", SecretName=auto_name)["SecretData"])["AccessKeyId"] == \
        auto_keys[0][0]
    assert user_keys(srv, auto_user) == {auto_keys[0][0]: "Active"}

    # after the failed immediate rotation DescribeSecret also reports the failure
    for flavour, d in described.items():
        assert (d.get("RotationStatus"), "ram:CreateAccessKey" in (d.get("LastRotationError") or "")) == \
            ("Failed", True), f"after RotateSecret refused ({flavour}): {json.dumps(d)}"
