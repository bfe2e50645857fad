"""AccessKeys: CreateAccessKey, ListAccessKeys, UpdateAccessKey,
DeleteAccessKey, GetAccessKeyLastUsed, the 2-key limit and the DeleteUser
conflict, through every Python SDK flavour."""
import json

from ramclients import assert_date, expect_error


def _keys(ram, user):
    body = ram.call("ListAccessKeys", UserName=user)
    assert body.get("RequestId")
    return body.get("AccessKeys", {}).get("AccessKey", [])


def test_access_key_lifecycle(ram, uniq):
    user = uniq("ak")
    ram.call("CreateUser", UserName=user)

    body = ram.call("CreateAccessKey", UserName=user)
    assert body.get("RequestId")
    ak = body["AccessKey"]
    assert ak.get("AccessKeyId")
    assert ak.get("AccessKeySecret")
    assert ak.get("Status") == "Active"
    assert_date(ak.get("CreateDate"), "CreateDate")
    key_id, secret = ak["AccessKeyId"], ak["AccessKeySecret"]

    keys = _keys(ram, user)
    assert [k["AccessKeyId"] for k in keys] == [key_id]
    assert keys[0]["Status"] == "Active"
    assert_date(keys[0].get("CreateDate"), "CreateDate")
    assert all("AccessKeySecret" not in k for k in keys)
    if getattr(ram, "last_raw", None) is not None:  # raw JSON (core SDK)
        assert secret not in ram.last_raw.decode(), "ListAccessKeys leaks the secret"

    body = ram.call("UpdateAccessKey", UserName=user, UserAccessKeyId=key_id, Status="Inactive")
    assert body.get("RequestId")
    assert _keys(ram, user)[0]["Status"] == "Inactive"
    ram.call("UpdateAccessKey", UserName=user, UserAccessKeyId=key_id, Status="Active")
    assert _keys(ram, user)[0]["Status"] == "Active"

    body = ram.call("GetAccessKeyLastUsed", UserName=user, UserAccessKeyId=key_id)
    assert body.get("RequestId")
    assert "AccessKeyLastUsed" in body, f"no AccessKeyLastUsed in {body}"
    last = body["AccessKeyLastUsed"].get("LastUsedDate")
    if last:
        assert_date(last, "LastUsedDate")

    # DeleteUser while the key exists
    expect_error(lambda: ram.call("DeleteUser", UserName=user), 409, "DeleteConflict.User.AccessKey")

    body = ram.call("DeleteAccessKey", UserName=user, UserAccessKeyId=key_id)
    assert body.get("RequestId")
    assert _keys(ram, user) == []
    expect_error(lambda: ram.call("DeleteAccessKey", UserName=user, UserAccessKeyId=key_id),
                 404, "EntityNotExist.User.AccessKey")
    ram.call("DeleteUser", UserName=user)


def test_access_key_limit(ram, uniq):
    user = uniq("aklimit")
    ram.call("CreateUser", UserName=user)
    k1 = ram.call("CreateAccessKey", UserName=user)["AccessKey"]["AccessKeyId"]
    k2 = ram.call("CreateAccessKey", UserName=user)["AccessKey"]["AccessKeyId"]
    assert k1 != k2
    expect_error(lambda: ram.call("CreateAccessKey", UserName=user), 409, "LimitExceeded.User.AccessKey")
    assert sorted(k["AccessKeyId"] for k in _keys(ram, user)) == sorted([k1, k2])
    for k in (k1, k2):
        ram.call("DeleteAccessKey", UserName=user, UserAccessKeyId=k)
    ram.call("DeleteUser", UserName=user)


def test_access_key_for_missing_user(ram, uniq):
    expect_error(lambda: ram.call("CreateAccessKey", UserName=uniq("nouser")), 404, "EntityNotExist.User")


def test_list_access_keys_raw_has_no_secret(server, raw, uniq):
    """The wire body of ListAccessKeys never carries AccessKeySecret."""
    user = uniq("akraw")
    r = raw.call("CreateUser", {"UserName": user})
    assert r.status_code == 200, r.text
    r = raw.call("CreateAccessKey", {"UserName": user})
    assert r.status_code == 200, r.text
    secret = r.json()["AccessKey"]["AccessKeySecret"]
    r = raw.call("ListAccessKeys", {"UserName": user})
    assert r.status_code == 200, r.text
    assert secret not in r.text
    assert "AccessKeySecret" not in json.dumps(r.json())
