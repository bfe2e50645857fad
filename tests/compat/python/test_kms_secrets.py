"""KMS generic secrets (behaviour.md §2) through every Python SDK flavour:
versions and stages, metadata, listing and filters, deletion windows, tags,
secret policies and the authorization of RAM users."""
import json

import pytest

from iam import allow, statement, policy_doc, user_with_key
from kmsclients import FLAVOURS, make_kms, secret_arn, stages, tags_json, vid
from ramclients import ApiError, assert_date, expect_error, expect_error_prefix, make_client


@pytest.fixture(params=FLAVOURS)
def kms(request, server):
    return make_kms(request.param, server)


def _secret(kms, name, data="s3cr3t value", **kw):
    kw.setdefault("VersionId", vid())
    return kms.call("CreateSecret", SecretName=name, SecretData=data, **kw)


def test_create_and_get(kms, server, uniq):
    name = uniq("sec")
    key = kms.call("CreateKey")["KeyMetadata"]["KeyId"]
    data = 'pass word +&=%*~ é "q"'
    body = _secret(kms, name, data, VersionId="v1", Description="db password", EncryptionKeyId=key,
                   Tags=tags_json(team="blue", env="dev"))
    assert body["Arn"] == secret_arn(server, name)
    assert (body["SecretName"], body["VersionId"], body["SecretType"]) == (name, "v1", "Generic")

    got = kms.call("GetSecretValue", SecretName=name)
    assert (got["SecretName"], got["VersionId"], got["SecretData"]) == (name, "v1", data)
    assert (got["SecretDataType"], got["SecretType"]) == ("text", "Generic")
    assert stages(got) == ["ACSCurrent"]
    assert_date(got["CreateTime"], "CreateTime")
    # the ARN works as SecretName; VersionId and VersionStage select the same version
    assert kms.call("GetSecretValue", SecretName=body["Arn"])["SecretData"] == data
    assert kms.call("GetSecretValue", SecretName=name, VersionId="v1")["SecretData"] == data
    assert kms.call("GetSecretValue", SecretName=name, VersionStage="ACSCurrent",
                    FetchExtendedConfig=True)["SecretData"] == data

    d = kms.call("DescribeSecret", SecretName=name, FetchTags="true")
    assert (d["Arn"], d["SecretName"], d["SecretType"]) == (body["Arn"], name, "Generic")
    assert (d["Description"], d["EncryptionKeyId"]) == ("db password", key)
    assert_date(d["CreateTime"], "CreateTime")
    assert_date(d["UpdateTime"], "UpdateTime")
    assert {(t["TagKey"], t["TagValue"]) for t in d["Tags"]["Tag"]} == {("team", "blue"), ("env", "dev")}
    assert "Tags" not in kms.call("DescribeSecret", SecretName=name)

    kms.call("UpdateSecret", SecretName=name, Description="rotated by hand")
    assert kms.call("DescribeSecret", SecretName=name)["Description"] == "rotated by hand"

    expect_error(lambda: _secret(kms, name), 409, "Rejected.ResourceExist")


def test_binary_secret(kms, uniq):
    name = uniq("bin")
    _secret(kms, name, "AAECAwQF/w==", SecretDataType="binary")
    got = kms.call("GetSecretValue", SecretName=name)
    assert (got["SecretData"], got["SecretDataType"]) == ("AAECAwQF/w==", "binary")


def test_put_secret_value_stages(kms, uniq):
    name = uniq("ver")
    _secret(kms, name, "one", VersionId="v1")
    body = kms.call("PutSecretValue", SecretName=name, VersionId="v2", SecretData="two")
    assert (body["SecretName"], body["VersionId"]) == (name, "v2")
    assert stages(body) == ["ACSCurrent"]
    # idempotent for the same id and data; a conflict for different data
    kms.call("PutSecretValue", SecretName=name, VersionId="v2", SecretData="two")
    expect_error(lambda: kms.call("PutSecretValue", SecretName=name, VersionId="v2", SecretData="other"),
                 409, "Rejected.ResourceExist")

    assert kms.call("GetSecretValue", SecretName=name)["SecretData"] == "two"
    prev = kms.call("GetSecretValue", SecretName=name, VersionStage="ACSPrevious")
    assert (prev["VersionId"], prev["SecretData"], stages(prev)) == ("v1", "one", ["ACSPrevious"])

    # a custom label leaves ACSCurrent where it is
    body = kms.call("PutSecretValue", SecretName=name, VersionId="v3", SecretData="three",
                    VersionStages='["MyLabel"]')
    assert stages(body) == ["MyLabel"]
    assert kms.call("GetSecretValue", SecretName=name)["VersionId"] == "v2"
    assert kms.call("GetSecretValue", SecretName=name, VersionStage="MyLabel")["SecretData"] == "three"

    vs = kms.call("ListSecretVersionIds", SecretName=name)
    got = {v["VersionId"]: stages(v) for v in vs["VersionIds"]["VersionId"]}
    assert got == {"v1": ["ACSPrevious"], "v2": ["ACSCurrent"], "v3": ["MyLabel"]}
    assert vs["SecretName"] == name and vs["TotalCount"] == 3

    # move ACSCurrent to v3: v2 becomes ACSPrevious
    kms.call("UpdateSecretVersionStage", SecretName=name, VersionStage="ACSCurrent",
             RemoveFromVersion="v2", MoveToVersion="v3")
    assert kms.call("GetSecretValue", SecretName=name)["SecretData"] == "three"
    assert kms.call("GetSecretValue", SecretName=name, VersionStage="ACSPrevious")["VersionId"] == "v2"
    # detach the custom label
    kms.call("UpdateSecretVersionStage", SecretName=name, VersionStage="MyLabel", RemoveFromVersion="v3")
    got = {v["VersionId"]: stages(v) for v in
           kms.call("ListSecretVersionIds", SecretName=name)["VersionIds"]["VersionId"]}
    assert got == {"v2": ["ACSPrevious"], "v3": ["ACSCurrent"]}
    all_ = {v["VersionId"] for v in kms.call("ListSecretVersionIds", SecretName=name,
                                              IncludeDeprecated="true")["VersionIds"]["VersionId"]}
    assert all_ == {"v1", "v2", "v3"}
    # the unlabelled version is still readable by id
    assert kms.call("GetSecretValue", SecretName=name, VersionId="v1")["SecretData"] == "one"


def test_version_retention(kms, uniq):
    name = uniq("ret")
    _secret(kms, name, "d0", VersionId="v0")
    for i in range(1, 13):
        kms.call("PutSecretValue", SecretName=name, VersionId=f"v{i}", SecretData=f"d{i}")
    ids = {v["VersionId"] for v in kms.call("ListSecretVersionIds", SecretName=name, IncludeDeprecated="true",
                                             PageSize=100)["VersionIds"]["VersionId"]}
    assert len(ids) == 10 and {"v11", "v12"} <= ids and "v0" not in ids
    assert kms.call("GetSecretValue", SecretName=name)["SecretData"] == "d12"


def test_size_limit(kms, uniq):
    name = uniq("big")
    _secret(kms, name, "x" * 30720)
    assert len(kms.call("GetSecretValue", SecretName=name)["SecretData"]) == 30720
    expect_error_prefix(lambda: _secret(kms, uniq("big"), "x" * 30721), 400, "InvalidParameter")
    expect_error_prefix(lambda: kms.call("PutSecretValue", SecretName=name, VersionId=vid(),
                                         SecretData="y" * 30721), 400, "InvalidParameter")


def test_batch_get_secret_value(kms, uniq):
    a, b = uniq("ba"), uniq("bb")
    _secret(kms, a, "alpha")
    _secret(kms, b, "beta")
    body = kms.call("BatchGetSecretValue", SecretsList=[{"SecretName": a}, {"SecretName": b},
                                                         {"SecretName": uniq("missing")}])
    vals = {v["SecretName"]: v["SecretData"] for v in body["SecretValues"]}
    assert vals == {a: "alpha", b: "beta"}
    assert len(body["Errors"]) == 1


def test_list_secrets_filters(kms, uniq):
    prefix = uniq("lst")
    names = [f"{prefix}-{i}" for i in range(3)]
    for i, n in enumerate(names):
        _secret(kms, n, Description=f"{prefix} desc {i}", Tags=tags_json(group=prefix, idx=str(i)))

    body = kms.call("ListSecrets", Filters=json.dumps([{"Key": "SecretName", "Values": names[:2]}]))
    assert sorted(s["SecretName"] for s in body["SecretList"]["Secret"]) == names[:2]
    assert body["TotalCount"] == 2 and body["PageNumber"] == 1 and body["PageSize"] == 10

    body = kms.call("ListSecrets", FetchTags="true",
                    Filters=json.dumps([{"Key": "TagValue", "Values": [prefix]}]))
    got = body["SecretList"]["Secret"]
    assert sorted(s["SecretName"] for s in got) == names
    for s in got:
        assert ("group", prefix) in {(t["TagKey"], t["TagValue"]) for t in s["Tags"]["Tag"]}
        assert s["SecretType"] == "Generic"
        assert_date(s["CreateTime"], "CreateTime")

    body = kms.call("ListSecrets", Filters=json.dumps([{"Key": "TagKey", "Values": ["group"]},
                                                        {"Key": "Description", "Values": [f"{prefix} desc 1"]}]))
    assert [s["SecretName"] for s in body["SecretList"]["Secret"]] == [names[1]]
    body = kms.call("ListSecrets", Filters=json.dumps([{"Key": "SecretType", "Values": ["Generic"]},
                                                        {"Key": "TagValue", "Values": [prefix]}]))
    assert body["TotalCount"] == 3

    p1 = kms.call("ListSecrets", PageNumber=1, PageSize=2,
                  Filters=json.dumps([{"Key": "TagValue", "Values": [prefix]}]))
    p2 = kms.call("ListSecrets", PageNumber=2, PageSize=2,
                  Filters=json.dumps([{"Key": "TagValue", "Values": [prefix]}]))
    assert (len(p1["SecretList"]["Secret"]), len(p2["SecretList"]["Secret"])) == (2, 1)
    assert p1["TotalCount"] == 3 and p2["PageNumber"] == 2
    for bad in (0, 101):
        expect_error_prefix(lambda: kms.call("ListSecrets", PageSize=bad), 400, "InvalidParameter")


def test_delete_restore_force(kms, uniq):
    name = uniq("del")
    _secret(kms, name, "gone soon")
    body = kms.call("DeleteSecret", SecretName=name, RecoveryWindowInDays="7")
    assert body["SecretName"] == name
    assert_date(body["PlannedDeleteTime"], "PlannedDeleteTime")
    assert_date(kms.call("DescribeSecret", SecretName=name)["PlannedDeleteTime"], "PlannedDeleteTime")
    expect_error(lambda: kms.call("GetSecretValue", SecretName=name), 409, "Rejected.ResourceInDeleteWindow")
    expect_error(lambda: _secret(kms, name), 409, "Rejected.ResourceInDeleteWindow")
    kms.call("RestoreSecret", SecretName=name)
    assert kms.call("GetSecretValue", SecretName=name)["SecretData"] == "gone soon"
    assert not kms.call("DescribeSecret", SecretName=name).get("PlannedDeleteTime")

    for bad in ("6", "31"):
        expect_error_prefix(lambda: kms.call("DeleteSecret", SecretName=name, RecoveryWindowInDays=bad),
                            400, "InvalidParameter")
    kms.call("DeleteSecret", SecretName=name, ForceDeleteWithoutRecovery="true")
    expect_error(lambda: kms.call("GetSecretValue", SecretName=name), 404, "Forbidden.ResourceNotFound")
    expect_error(lambda: kms.call("RestoreSecret", SecretName=name), 404, "Forbidden.ResourceNotFound")
    _secret(kms, name, "reborn")  # the name is free again
    assert kms.call("GetSecretValue", SecretName=name)["SecretData"] == "reborn"


def test_default_recovery_window(kms, uniq):
    import datetime as dt
    name = uniq("win")
    _secret(kms, name)
    planned = kms.call("DeleteSecret", SecretName=name)["PlannedDeleteTime"]
    when = dt.datetime.strptime(planned, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc)
    days = (when - dt.datetime.now(dt.timezone.utc)).total_seconds() / 86400
    assert 29.9 < days < 30.1, planned


def test_missing_secret(kms, uniq):
    name = uniq("none")
    for action, params in (("GetSecretValue", {}), ("DescribeSecret", {}), ("ListSecretVersionIds", {}),
                           ("UpdateSecret", {"Description": "x"}), ("DeleteSecret", {}),
                           ("PutSecretValue", {"VersionId": "v", "SecretData": "d"}),
                           ("RestoreSecret", {})):
        expect_error(lambda: kms.call(action, SecretName=name, **params), 404, "Forbidden.ResourceNotFound")


def test_tag_untag_resource(kms, uniq):
    name = uniq("tag")
    _secret(kms, name)
    kms.call("TagResource", SecretName=name, Tags=tags_json(a="1", b="2", c="3"))
    tags = lambda: {(t["TagKey"], t["TagValue"]) for t in
                    kms.call("DescribeSecret", SecretName=name, FetchTags="true").get("Tags", {}).get("Tag", [])}
    assert tags() == {("a", "1"), ("b", "2"), ("c", "3")}
    kms.call("UntagResource", SecretName=name, TagKeys='["a"]')
    kms.call("UntagResource", SecretName=name, TagKeys="b")
    assert tags() == {("c", "3")}

    key = kms.call("CreateKey")["KeyMetadata"]["KeyId"]
    kms.call("TagResource", KeyId=key, Tags=tags_json(owner="me"))
    lt = kms.call("ListTagResources", ResourceType="key", ResourceId=[key])
    assert {(r["ResourceId"], r["TagKey"], r["TagValue"]) for r in lt["TagResources"]["TagResource"]} == \
        {(key, "owner", "me")}
    kms.call("UntagResource", KeyId=key, TagKeys='["owner"]')
    assert not kms.call("ListTagResources", ResourceType="key", ResourceId=[key]).get(
        "TagResources", {}).get("TagResource")


def test_tag_resources_plural(kms, uniq):
    a, b = uniq("tr"), uniq("tr")
    _secret(kms, a)
    _secret(kms, b)
    kms.call("TagResources", ResourceType="secret", ResourceId=[a, b],
             Tag=[{"Key": "k1", "Value": "v1"}, {"Key": "k2", "Value": "v2"}])
    lt = kms.call("ListTagResources", ResourceType="secret", ResourceId=[a, b])
    got = {(r["ResourceId"], r["TagKey"], r["TagValue"]) for r in lt["TagResources"]["TagResource"]}
    assert got == {(x, k, v) for x in (a, b) for k, v in (("k1", "v1"), ("k2", "v2"))}
    assert {r["ResourceType"] for r in lt["TagResources"]["TagResource"]} == {"secret"}
    kms.call("UntagResources", ResourceType="secret", ResourceId=[a], TagKey=["k1"])
    lt = kms.call("ListTagResources", ResourceType="secret", ResourceId=[a])
    assert {(r["TagKey"], r["TagValue"]) for r in lt["TagResources"]["TagResource"]} == {("k2", "v2")}


def _denied(fn):
    """403 for a RAM user's missing permission. The exact KMS code is checked once,
    in test_kms_denial_code, so the authorization logic below is tested apart from it."""
    try:
        result = fn()
    except ApiError as e:
        assert e.status == 403 and e.code in ("Forbidden.NoPermission", "NoPermission"), (e.status, e.code)
        return e
    raise AssertionError(f"expected a 403 denial, but the call succeeded: {result!r}")


def test_kms_denial_code(kms, server, uniq):
    """behaviour.md §2.2 error table: a KMS call the caller may not make is
    HTTP 403 Forbidden.NoPermission."""
    ak, sk = user_with_key(make_client("tea_v3", server), uniq("u"))
    name = uniq("deny")
    _secret(kms, name)
    e = expect_error(lambda: make_kms(kms.flavour, server, ak, sk).call("GetSecretValue", SecretName=name),
                     403, "Forbidden.NoPermission")
    assert "kms:GetSecretValue" in (e.message or "")


def test_secret_policy_grants_ram_user(kms, server, uniq):
    root_ram = make_client("tea_v3", server)
    user = uniq("u")
    ak, sk = user_with_key(root_ram, user)
    name = uniq("pol")
    _secret(kms, name, "for the user")
    as_user = make_kms("core", server, ak, sk)
    _denied(lambda: as_user.call("GetSecretValue", SecretName=name))

    policy = json.dumps({"Version": "1", "Statement": [{
        "Effect": "Allow", "Action": ["kms:GetSecretValue"], "Resource": ["*"],
        "Principal": {"RAM": [f"acs:ram::{server.account_id}:user/{user}"]}}]})
    kms.call("SetSecretPolicy", SecretName=name, PolicyName="default", Policy=policy)
    got = kms.call("GetSecretPolicy", SecretName=name, PolicyName="default")
    assert json.loads(got["Policy"]) == json.loads(policy)
    assert as_user.call("GetSecretValue", SecretName=name)["SecretData"] == "for the user"
    _denied(lambda: as_user.call("DescribeSecret", SecretName=name))


def test_identity_policy_for_secrets(kms, server, uniq):
    root_ram = make_client("tea_v3", server)
    user = uniq("u")
    ak, sk = user_with_key(root_ram, user)
    mine, other = uniq("mine"), uniq("other")
    acct = server.account_id
    pol = uniq("p")
    root_ram.call("CreatePolicy", PolicyName=pol, PolicyDocument=policy_doc(
        statement(["kms:CreateSecret", "kms:ListSecrets"], f"acs:kms:cn-hangzhou:{acct}:secret"),
        statement(["kms:GetSecretValue", "kms:PutSecretValue", "kms:DescribeSecret"],
                  f"acs:kms:cn-hangzhou:{acct}:secret/{mine}"),
        statement(["kms:GetSecretValue"], "*", condition={"StringEquals": {"kms:tag/team": "blue"}}),
    ))
    root_ram.call("AttachPolicyToUser", PolicyType="Custom", PolicyName=pol, UserName=user)
    as_user = make_kms("tea_v3", server, ak, sk)

    as_user.call("CreateSecret", SecretName=mine, VersionId="v1", SecretData="mine")
    as_user.call("PutSecretValue", SecretName=mine, VersionId="v2", SecretData="mine2")
    assert as_user.call("GetSecretValue", SecretName=mine)["SecretData"] == "mine2"
    assert as_user.call("ListSecrets")["TotalCount"] >= 1

    _secret(kms, other, "not yours")
    _denied(lambda: as_user.call("GetSecretValue", SecretName=other))
    _denied(lambda: as_user.call("DeleteSecret", SecretName=mine))
    # the tag condition grants reading a secret tagged team=blue
    kms.call("TagResource", SecretName=other, Tags=tags_json(team="blue"))
    assert as_user.call("GetSecretValue", SecretName=other)["SecretData"] == "not yours"
    kms.call("TagResource", SecretName=other, Tags=tags_json(team="red"))
    _denied(lambda: as_user.call("GetSecretValue", SecretName=other))

    no_create = make_kms("core", server, *user_with_key(root_ram, uniq("u")))
    _denied(lambda: no_create.call("CreateSecret", SecretName=uniq("x"), VersionId="v1", SecretData="d"))
