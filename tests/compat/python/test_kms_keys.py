"""KMS keys (2016-01-20) through every Python SDK flavour: lifecycle, versions,
aliases, cryptographic operations and their error answers."""
import base64
import json

import pytest

from kmsclients import FLAVOURS, make_kms
from ramclients import REGION, ApiError, assert_date, expect_error, expect_error_prefix


@pytest.fixture(params=FLAVOURS)
def kms(request, server):
    return make_kms(request.param, server)


def _key(kms, **kw):
    return kms.call("CreateKey", **kw)["KeyMetadata"]


def test_create_describe_list_key(kms, server, uniq):
    desc = uniq("key desc")
    md = _key(kms, KeySpec="Aliyun_AES_256", Description=desc,
              Tags='[{"TagKey":"team","TagValue":"blue"}]')
    kid = md["KeyId"]
    assert md["Arn"] == f"acs:kms:{REGION}:{server.account_id}:key/{kid}"
    assert (md["KeyState"], md["KeySpec"], md["KeyUsage"]) == ("Enabled", "Aliyun_AES_256", "ENCRYPT/DECRYPT")
    assert md["Description"] == desc
    for f in ("Origin", "ProtectionLevel", "Creator", "PrimaryKeyVersion", "AutomaticRotation"):
        assert md.get(f), f"KeyMetadata.{f} missing: {md}"
    assert_date(md["CreationDate"], "CreationDate")

    got = kms.call("DescribeKey", KeyId=kid)["KeyMetadata"]
    assert (got["KeyId"], got["Arn"], got["Description"]) == (kid, md["Arn"], desc)
    # DeletionProtection is in DescribeKey's model (CreateKey's Tea model has no such field)
    assert got["DeletionProtection"] == "Disabled"
    # the ARN is accepted wherever a KeyId is
    assert kms.call("DescribeKey", KeyId=md["Arn"])["KeyMetadata"]["KeyId"] == kid

    kms.call("UpdateKeyDescription", KeyId=kid, Description="changed")
    assert kms.call("DescribeKey", KeyId=kid)["KeyMetadata"]["Description"] == "changed"

    seen, page = {}, 1
    while True:
        body = kms.call("ListKeys", PageNumber=page, PageSize=100)
        for k in body["Keys"]["Key"]:
            seen[k["KeyId"]] = k["KeyArn"]
        assert body["TotalCount"] >= 1 and body["PageNumber"] == page
        if page * 100 >= body["TotalCount"]:
            break
        page += 1
    assert seen.get(kid) == md["Arn"]

    small = kms.call("ListKeys", PageNumber=1, PageSize=1)
    assert len(small["Keys"]["Key"]) == 1 and small["PageSize"] == 1


def test_key_with_automatic_rotation(kms):
    md = _key(kms, EnableAutomaticRotation=True, RotationInterval="30d")
    assert md["AutomaticRotation"] == "Enabled"
    assert md.get("RotationInterval") == "2592000s"
    kms.call("UpdateRotationPolicy", KeyId=md["KeyId"], EnableAutomaticRotation=False)
    assert kms.call("DescribeKey", KeyId=md["KeyId"])["KeyMetadata"]["AutomaticRotation"] == "Disabled"


def test_enable_disable_and_deletion(kms, uniq):
    kid = _key(kms)["KeyId"]
    blob = kms.call("Encrypt", KeyId=kid, Plaintext="hello")["CiphertextBlob"]

    kms.call("DisableKey", KeyId=kid)
    assert kms.call("DescribeKey", KeyId=kid)["KeyMetadata"]["KeyState"] == "Disabled"
    expect_error(lambda: kms.call("Encrypt", KeyId=kid, Plaintext="x"), 409, "Rejected.Disabled")
    expect_error(lambda: kms.call("Decrypt", CiphertextBlob=blob), 409, "Rejected.Disabled")
    kms.call("EnableKey", KeyId=kid)
    assert kms.call("Decrypt", CiphertextBlob=blob)["Plaintext"] == "hello"

    for bad in (6, 367):
        expect_error_prefix(lambda: kms.call("ScheduleKeyDeletion", KeyId=kid, PendingWindowInDays=bad),
                            400, "InvalidParameter")
    kms.call("ScheduleKeyDeletion", KeyId=kid, PendingWindowInDays=7)
    md = kms.call("DescribeKey", KeyId=kid)["KeyMetadata"]
    assert md["KeyState"] == "PendingDeletion"
    assert_date(md.get("DeleteDate"), "DeleteDate")
    expect_error(lambda: kms.call("Encrypt", KeyId=kid, Plaintext="x"), 409, "Rejected.PendingDeletion")
    kms.call("CancelKeyDeletion", KeyId=kid)
    assert kms.call("DescribeKey", KeyId=kid)["KeyMetadata"]["KeyState"] == "Enabled"
    assert kms.call("Encrypt", KeyId=kid, Plaintext="ok")["KeyId"] == kid


def test_deletion_protection(kms):
    md = _key(kms)
    kms.call("SetDeletionProtection", ProtectedResourceArn=md["Arn"], EnableDeletionProtection=True,
             DeletionProtectionDescription="keep")
    assert kms.call("DescribeKey", KeyId=md["KeyId"])["KeyMetadata"]["DeletionProtection"] == "Enabled"
    expect_error(lambda: kms.call("ScheduleKeyDeletion", KeyId=md["KeyId"], PendingWindowInDays=7),
                 403, "Forbidden.DeletionProtection")
    kms.call("SetDeletionProtection", ProtectedResourceArn=md["Arn"], EnableDeletionProtection=False)
    assert kms.call("DescribeKey", KeyId=md["KeyId"])["KeyMetadata"]["DeletionProtection"] == "Disabled"
    kms.call("ScheduleKeyDeletion", KeyId=md["KeyId"], PendingWindowInDays=30)


def test_key_versions(kms):
    md = _key(kms)
    kid = md["KeyId"]
    first = md["PrimaryKeyVersion"]
    blob_v1 = kms.call("Encrypt", KeyId=kid, Plaintext="before")["CiphertextBlob"]

    kv = kms.call("CreateKeyVersion", KeyId=kid)["KeyVersion"]
    assert kv["KeyId"] == kid and kv["KeyVersionId"] and kv["KeyVersionId"] != first
    assert_date(kv["CreationDate"], "KeyVersion.CreationDate")
    assert kms.call("DescribeKey", KeyId=kid)["KeyMetadata"]["PrimaryKeyVersion"] == kv["KeyVersionId"]

    ids = [v["KeyVersionId"] for v in kms.call("ListKeyVersions", KeyId=kid)["KeyVersions"]["KeyVersion"]]
    assert set(ids) == {first, kv["KeyVersionId"]}
    d = kms.call("DescribeKeyVersion", KeyId=kid, KeyVersionId=kv["KeyVersionId"])["KeyVersion"]
    assert (d["KeyId"], d["KeyVersionId"]) == (kid, kv["KeyVersionId"])

    enc = kms.call("Encrypt", KeyId=kid, Plaintext="after")
    assert enc["KeyVersionId"] == kv["KeyVersionId"]
    # both versions still decrypt
    assert kms.call("Decrypt", CiphertextBlob=blob_v1)["Plaintext"] == "before"
    dec = kms.call("Decrypt", CiphertextBlob=enc["CiphertextBlob"])
    assert (dec["Plaintext"], dec["KeyId"], dec["KeyVersionId"]) == ("after", kid, kv["KeyVersionId"])


def test_aliases(kms, uniq):
    k1, k2 = _key(kms)["KeyId"], _key(kms)["KeyId"]
    alias = "alias/" + uniq("a")
    kms.call("CreateAlias", AliasName=alias, KeyId=k1)
    expect_error(lambda: kms.call("CreateAlias", AliasName=alias, KeyId=k2), 400, "AliasAlreadyExists")

    assert kms.call("DescribeKey", KeyId=alias)["KeyMetadata"]["KeyId"] == k1
    blob = kms.call("Encrypt", KeyId=alias, Plaintext="via alias")["CiphertextBlob"]
    assert kms.call("Decrypt", CiphertextBlob=blob)["KeyId"] == k1

    by_key = kms.call("ListAliasesByKeyId", KeyId=k1)["Aliases"]["Alias"]
    assert [(a["AliasName"], a["KeyId"]) for a in by_key] == [(alias, k1)]
    assert by_key[0]["AliasArn"].endswith(alias)
    names = [a["AliasName"] for a in kms.call("ListAliases", PageSize=100)["Aliases"]["Alias"]]
    assert alias in names

    kms.call("UpdateAlias", AliasName=alias, KeyId=k2)
    assert kms.call("DescribeKey", KeyId=alias)["KeyMetadata"]["KeyId"] == k2
    assert kms.call("ListAliasesByKeyId", KeyId=alias)["Aliases"]["Alias"][0]["KeyId"] == k2
    kms.call("DeleteAlias", AliasName=alias)
    expect_error(lambda: kms.call("DescribeKey", KeyId=alias), 404, "Forbidden.AliasNotFound")
    expect_error(lambda: kms.call("DeleteAlias", AliasName=alias), 404, "Forbidden.AliasNotFound")


def test_encrypt_decrypt_context(kms):
    kid = _key(kms)["KeyId"]
    text = "tëxt with spaces & symbols *~+=/"
    ctx = {"app": "billing", "env": "prod"}
    enc = kms.call("Encrypt", KeyId=kid, Plaintext=text, EncryptionContext=ctx)
    assert enc["KeyId"] == kid and enc["CiphertextBlob"] != text
    dec = kms.call("Decrypt", CiphertextBlob=enc["CiphertextBlob"], EncryptionContext=ctx)
    assert dec["Plaintext"] == text and dec["KeyId"] == kid
    expect_error(lambda: kms.call("Decrypt", CiphertextBlob=enc["CiphertextBlob"],
                                  EncryptionContext={"app": "other"}), 400, "InvalidParameter.CiphertextBlob")
    expect_error(lambda: kms.call("Decrypt", CiphertextBlob=enc["CiphertextBlob"]),
                 400, "InvalidParameter.CiphertextBlob")


def test_tampered_and_foreign_ciphertext(kms):
    kid = _key(kms)["KeyId"]
    blob = kms.call("Encrypt", KeyId=kid, Plaintext="secret")["CiphertextBlob"]
    raw = base64.b64decode(blob)

    def flip(pos):
        r = bytearray(raw)
        r[pos] ^= 0x01
        return base64.b64encode(bytes(r)).decode()

    # the sealed payload at the end of the blob: authentication must fail
    for bad in (flip(len(raw) - 1), flip(len(raw) - 20), blob[:-8],
                base64.b64encode(b"not a kms ciphertext at all").decode(), "!!!"):
        expect_error(lambda: kms.call("Decrypt", CiphertextBlob=bad), 400, "InvalidParameter.CiphertextBlob")
    # every other single-bit change is refused with a 4xx (a changed key reference may
    # legitimately be reported as Forbidden.KeyNotFound), never a 5xx or a success
    for pos in range(0, len(raw), 7):
        try:
            kms.call("Decrypt", CiphertextBlob=flip(pos))
        except ApiError as e:
            assert (e.status, e.code) in ((400, "InvalidParameter.CiphertextBlob"),
                                          (404, "Forbidden.KeyNotFound")), (pos, e.status, e.code)
        else:
            raise AssertionError(f"Decrypt accepted a blob with byte {pos} changed")


def test_data_keys_and_reencrypt(kms):
    k1, k2 = _key(kms)["KeyId"], _key(kms)["KeyId"]
    dk = kms.call("GenerateDataKey", KeyId=k1, KeySpec="AES_256")
    assert len(base64.b64decode(dk["Plaintext"])) == 32 and dk["KeyId"] == k1
    assert kms.call("Decrypt", CiphertextBlob=dk["CiphertextBlob"])["Plaintext"] == dk["Plaintext"]
    assert len(base64.b64decode(kms.call("GenerateDataKey", KeyId=k1, KeySpec="AES_128")["Plaintext"])) == 16
    assert len(base64.b64decode(kms.call("GenerateDataKey", KeyId=k1, NumberOfBytes=48)["Plaintext"])) == 48

    ctx = {"purpose": "dek"}
    wp = kms.call("GenerateDataKeyWithoutPlaintext", KeyId=k1, KeySpec="AES_256", EncryptionContext=ctx)
    assert "Plaintext" not in wp and wp["CiphertextBlob"]
    plain = kms.call("Decrypt", CiphertextBlob=wp["CiphertextBlob"], EncryptionContext=ctx)["Plaintext"]
    assert len(base64.b64decode(plain)) == 32

    src = kms.call("Encrypt", KeyId=k1, Plaintext="move me", EncryptionContext={"a": "1"})
    re = kms.call("ReEncrypt", CiphertextBlob=src["CiphertextBlob"], DestinationKeyId=k2,
                  SourceEncryptionContext={"a": "1"}, DestinationEncryptionContext={"b": "2"})
    assert re["KeyId"] == k2 and re["CiphertextBlob"]
    dec = kms.call("Decrypt", CiphertextBlob=re["CiphertextBlob"], EncryptionContext={"b": "2"})
    assert (dec["Plaintext"], dec["KeyId"]) == ("move me", k2)
    expect_error(lambda: kms.call("ReEncrypt", CiphertextBlob=src["CiphertextBlob"], DestinationKeyId=k2,
                                  SourceEncryptionContext={"a": "wrong"}),
                 400, "InvalidParameter.CiphertextBlob")


def test_random_password(kms):
    pw = kms.call("GetRandomPassword", PasswordLength="24")["RandomPassword"]
    assert isinstance(pw, str) and len(pw) == 24
    assert kms.call("GetRandomPassword")["RandomPassword"]


def test_key_errors(kms):
    missing = "00000000-0000-0000-0000-000000000000"
    for action, params in (("DescribeKey", {}), ("EnableKey", {}), ("DisableKey", {}),
                           ("Encrypt", {"Plaintext": "x"}), ("CreateKeyVersion", {}),
                           ("ListKeyVersions", {}), ("ScheduleKeyDeletion", {"PendingWindowInDays": 7})):
        expect_error(lambda: kms.call(action, KeyId=missing, **params), 404, "Forbidden.KeyNotFound")
    expect_error(lambda: kms.call("DescribeKey", KeyId="alias/none-such-alias"), 404, "Forbidden.AliasNotFound")
    expect_error(lambda: kms.call("CreateAlias", AliasName="alias/x-" + missing, KeyId=missing),
                 404, "Forbidden.KeyNotFound")


def test_ciphertext_is_self_describing(kms, server):
    """A blob made with one SDK flavour decrypts through the others."""
    kid = _key(kms)["KeyId"]
    blob = kms.call("Encrypt", KeyId=kid, Plaintext=json.dumps({"n": 1}))["CiphertextBlob"]
    for other in FLAVOURS:
        assert json.loads(make_kms(other, server).call("Decrypt", CiphertextBlob=blob)["Plaintext"]) == {"n": 1}
