"""Testing code that depends on a RAM secret KMS rotates every 7 days.

Run with the `rampart` fixture of pytest-rampart:

    pip install rampart_server-*.whl 'pytest_rampart-*.whl[clients]'
    pytest test_rotation.py

Every test gets a freshly reset account (same root AccessKey, clock at now).
Nothing here waits for real time: `rampart.advance("7d")` moves the server's
clock and runs the rotation that falls due before it returns.
"""
import json
import time

import pytest
from alibabacloud_kms20160120 import models as kms_models
from alibabacloud_ram20150501 import models as ram_models

# The service role KMS assumes to rotate RAM secrets, and its policy (the
# names are Alibaba Cloud's, misspelling included).
KMS_ROLE = "AliyunKMSManagedRAMCrendentialsRole"
KMS_ROLE_POLICY = "AliyunKMSManagedRAMCrendentialsRolePolicy"
KMS_TRUST = {
    "Statement": [{"Action": "sts:AssumeRole", "Effect": "Allow",
                   "Principal": {"Service": ["kms.aliyuncs.com"]}}],
    "Version": "1",
}
KMS_ROLE_ACTIONS = ["ram:ListAccessKeys", "ram:CreateAccessKey",
                    "ram:DeleteAccessKey", "ram:UpdateAccessKey"]


def setup_kms_service_role(ram):
    """What an account administrator does once before KMS may manage RAM secrets."""
    ram.create_policy(ram_models.CreatePolicyRequest(
        policy_name=KMS_ROLE_POLICY,
        policy_document=json.dumps({"Statement": [{"Effect": "Allow", "Action": KMS_ROLE_ACTIONS,
                                                   "Resource": "*"}], "Version": "1"})))
    ram.create_role(ram_models.CreateRoleRequest(
        role_name=KMS_ROLE, assume_role_policy_document=json.dumps(KMS_TRUST)))
    ram.attach_policy_to_role(ram_models.AttachPolicyToRoleRequest(
        policy_type="Custom", policy_name=KMS_ROLE_POLICY, role_name=KMS_ROLE))


def current_key(kms, secret_name, stage=None):
    body = kms.get_secret_value(kms_models.GetSecretValueRequest(
        secret_name=secret_name, version_stage=stage)).body
    data = json.loads(body.secret_data)
    return data["AccessKeyId"], data["AccessKeySecret"]


def caller(rampart, key):
    """GetCallerIdentity signed with `key`: proves the AccessKey works."""
    return rampart.sts_client(*key).get_caller_identity().body


def test_ram_secret_rotates_every_7_days(rampart):
    ram = rampart.ram_client()
    kms = rampart.kms_client()
    setup_kms_service_role(ram)

    # The application's RAM user and the AccessKey it starts with.
    ram.create_user(ram_models.CreateUserRequest(user_name="app"))
    ak = ram.create_access_key(ram_models.CreateAccessKeyRequest(user_name="app")).body.access_key
    first = (ak.access_key_id, ak.access_key_secret)

    # The RAM secret: KMS now owns the key and rotates it every 7 days.
    created = kms.create_secret(kms_models.CreateSecretRequest(
        secret_name="$Auto",
        secret_type="RAMCredentials",
        version_id="v1",
        secret_data=json.dumps({"AccessKeys": [{"AccessKeyId": first[0], "AccessKeySecret": first[1]}]}),
        extended_config={"SecretSubType": "RamUserAccessKey", "UserName": "app", "CustomData": {}},
        enable_automatic_rotation=True,
        rotation_interval="7d",
    )).body
    name = created.secret_name
    assert name == "acs/ram/user/app"
    assert created.rotation_interval == "604800s"
    assert current_key(kms, name) == first
    assert caller(rampart, first).identity_type == "RAMUser"

    # A week later KMS has rotated: a new key is current and works...
    rampart.advance("7d")
    second = current_key(kms, name)
    assert second[0] != first[0]
    assert caller(rampart, second).identity_type == "RAMUser"
    # ...and the previous one still works during the grace period (2 days).
    assert current_key(kms, name, stage="ACSPrevious") == first
    assert caller(rampart, first).identity_type == "RAMUser"

    # Three days on, the grace period is over: the old key is gone.
    rampart.advance("3d")
    with pytest.raises(Exception) as refused:
        caller(rampart, first)
    assert getattr(refused.value, "code", "").startswith("InvalidAccessKeyId"), refused.value
    assert caller(rampart, second).identity_type == "RAMUser"
    keys = ram.list_access_keys(ram_models.ListAccessKeysRequest(user_name="app")).body
    assert [k.access_key_id for k in keys.access_keys.access_key] == [second[0]]


def test_each_test_starts_with_an_empty_account(rampart):
    """The previous test's user, role and secret are gone; the clock is back."""
    users = rampart.ram_client().list_users(ram_models.ListUsersRequest()).body
    assert not (users.users and users.users.user)
    secrets = rampart.kms_client().list_secrets(kms_models.ListSecretsRequest()).body
    assert not (secrets.secret_list and secrets.secret_list.secret)
    clock = rampart.clock()
    assert clock["OffsetSeconds"] == 0
    assert abs(clock["NowUnix"] - time.time()) < 60


def test_requests_still_signed_30_days_later(rampart):
    """Only the server's clock moves: the SDKs keep signing with real time."""
    before = rampart.clock()["NowUnix"]
    rampart.advance("30d")
    assert rampart.clock()["NowUnix"] - before >= 30 * 86400
    ram = rampart.ram_client()
    ram.create_user(ram_models.CreateUserRequest(user_name="later"))
    ak = ram.create_access_key(ram_models.CreateAccessKeyRequest(user_name="later")).body.access_key
    identity = caller(rampart, (ak.access_key_id, ak.access_key_secret))
    assert identity.account_id == rampart.account_id
    assert rampart.sts_client().get_caller_identity().body.account_id == rampart.account_id


def test_snapshot_and_restore(rampart, record_property):
    """Build a state once, go back to it cheaply."""
    ram = rampart.ram_client()
    ram.create_user(ram_models.CreateUserRequest(user_name="kept"))
    t0 = time.perf_counter()
    rampart.snapshot("one-user")
    record_property("snapshot_seconds", time.perf_counter() - t0)

    ram.create_user(ram_models.CreateUserRequest(user_name="dropped"))
    t0 = time.perf_counter()
    rampart.restore("one-user")
    record_property("restore_seconds", time.perf_counter() - t0)
    names = [u.user_name for u in ram.list_users(ram_models.ListUsersRequest()).body.users.user]
    assert names == ["kept"]

    t0 = time.perf_counter()
    rampart.reset()
    record_property("reset_seconds", time.perf_counter() - t0)
    users = ram.list_users(ram_models.ListUsersRequest()).body
    assert not (users.users and users.users.user)
