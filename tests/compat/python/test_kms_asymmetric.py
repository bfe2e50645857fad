"""KMS asymmetric keys (2016-01-20) through every Python SDK flavour, checked by
independent implementations: every signature Rampart makes is verified by
`cryptography` (RSA, ECDSA) or by the `openssl` command, OpenSSL 3 (SM2DSA:
over the digest as given and over the message with Z from the default ID,
see `sm2_openssl.py`), and every ciphertext such an implementation makes with
the public key is decrypted by Rampart (RSAES-OAEP SHA-1 / SHA-256 by
`cryptography`, SM2PKE by OpenSSL). Messages, plaintexts and key material are
fixed; only Rampart's keys and its signature/encryption randomness vary."""
import base64
import hashlib
import json

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, utils

import sm2_openssl
from iam import allow, user_with_key
from kmsclients import FLAVOURS, make_kms
from ramclients import expect_error, expect_error_prefix, make_client


def fixed(n: int, label: str) -> bytes:
    """n deterministic bytes (SHAKE-256 of the label): fixed test inputs."""
    return hashlib.shake_256(label.encode()).digest(n)


@pytest.fixture(params=FLAVOURS)
def kms(request, server):
    return make_kms(request.param, server)


def b64(b: bytes) -> str:
    return base64.b64encode(b).decode()


def _key(kms, spec, usage):
    md = kms.call("CreateKey", KeySpec=spec, KeyUsage=usage)["KeyMetadata"]
    assert (md["KeySpec"], md["KeyUsage"], md["KeyState"]) == (spec, usage, "Enabled")
    return md["KeyId"], md["PrimaryKeyVersion"]


def _pem(kms, kid, ver) -> bytes:
    body = kms.call("GetPublicKey", KeyId=kid, KeyVersionId=ver)
    assert (body["KeyId"], body["KeyVersionId"]) == (kid, ver)
    pem = body["PublicKey"]
    assert pem.startswith("-----BEGIN PUBLIC KEY-----")
    return pem.encode()


def _sign(kms, kid, ver, alg, digest: bytes) -> bytes:
    body = kms.call("AsymmetricSign", KeyId=kid, KeyVersionId=ver, Algorithm=alg, Digest=b64(digest))
    assert (body["KeyId"], body["KeyVersionId"]) == (kid, ver)
    return base64.b64decode(body["Value"])


def _verify(kms, kid, ver, alg, digest: bytes, sig: bytes) -> bool:
    return kms.call("AsymmetricVerify", KeyId=kid, KeyVersionId=ver, Algorithm=alg,
                    Digest=b64(digest), Value=b64(sig))["Value"]


RSA_PADDINGS = {
    "RSA_PSS_SHA_256": lambda: padding.PSS(mgf=padding.MGF1(hashes.SHA256()),
                                           salt_length=padding.PSS.DIGEST_LENGTH),
    "RSA_PKCS1_SHA_256": padding.PKCS1v15,
}


@pytest.mark.parametrize("spec,alg", [
    ("RSA_2048", "RSA_PSS_SHA_256"), ("RSA_2048", "RSA_PKCS1_SHA_256"),
    ("RSA_3072", "RSA_PSS_SHA_256"), ("RSA_3072", "RSA_PKCS1_SHA_256"),
    ("EC_P256", "ECDSA_SHA_256"), ("EC_P256K", "ECDSA_SHA_256"),
])
def test_signatures_verify_with_cryptography(kms, spec, alg):
    kid, ver = _key(kms, spec, "SIGN/VERIFY")
    public = serialization.load_pem_public_key(_pem(kms, kid, ver))
    message = fixed(200, "signed message")
    digest = hashlib.sha256(message).digest()
    sig = _sign(kms, kid, ver, alg, digest)
    if spec.startswith("RSA"):
        assert public.key_size == int(spec[4:])
        public.verify(sig, message, RSA_PADDINGS[alg](), hashes.SHA256())
        public.verify(sig, digest, RSA_PADDINGS[alg](), utils.Prehashed(hashes.SHA256()))
        with pytest.raises(InvalidSignature):
            public.verify(sig, message + b"x", RSA_PADDINGS[alg](), hashes.SHA256())
    else:
        curve = ec.SECP256K1 if spec == "EC_P256K" else ec.SECP256R1
        assert isinstance(public.curve, curve)
        public.verify(sig, message, ec.ECDSA(hashes.SHA256()))
        with pytest.raises(InvalidSignature):
            public.verify(sig, message + b"x", ec.ECDSA(hashes.SHA256()))
    assert _verify(kms, kid, ver, alg, digest, sig) is True
    other = hashlib.sha256(message + b"x").digest()
    assert _verify(kms, kid, ver, alg, other, sig) is False
    # A signature over a digest of another length is refused with the parameter named.
    expect_error(lambda: _sign(kms, kid, ver, alg, digest[:20]), 400, "InvalidParameter.Digest")
    expect_error(lambda: _sign(kms, kid, ver, "RSAES_OAEP_SHA_256", digest), 400,
                 "InvalidParameter.Algorithm")


# A known-answer vector made once with gmssl 3.2.2 (pure Python, independent of
# OpenSSL and of Rampart; its key set directly, past the constructor's
# lstrip("04")): the private key d, its public key, a message, the digest
# e = SM3(Z || M) with Z from the default ID, and the DER signature over e.
SM2_KAT_D = 0x28D7C9F94D0766E70107D1FCDB73EC5D1C44B22B26F11462690E63BBFFD3CFEB
SM2_KAT_PUBLIC = b"""-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoEcz1UBgi0DQgAEDmhTpRhbsqTiNN1W4sAuox42EGZs
n15z4FCMtQVW7AER3SArNEou0rvPZyMgvieLRC/E+8k+YiDtU/jP0AdXQA==
-----END PUBLIC KEY-----
"""
SM2_KAT_MESSAGE = b"Rampart SM2DSA known-answer message"
SM2_KAT_DIGEST = bytes.fromhex("ab8856b03a73693bd55a4ce0bc1f82f0e74bbd9141493734fbadef17cb09485e")
SM2_KAT_SIGNATURE = bytes.fromhex(
    "3046022100c006525cf2e51ba380a0a94fa01f93028189c1e7fb8c8d31e88a194b2e9ec18f"
    "0221008a1f9ed419fd2215576df21661b32eefc3abc40828715e7f26626e7cb0fecd03")
# gmssl's SM2PKE ciphertext (C1 C3 C2, put in the GM/T 0009 DER form) of this
# plaintext to the same key.
SM2_KAT_PLAINTEXT = b"Rampart SM2PKE known-answer plaintext"
SM2_KAT_CIPHERTEXT = bytes.fromhex(
    "30818f022100c4679802a0ba6992b0fd88fc75d80191841a9f85e2cd01a929b59738bf8358f7"
    "022100d57ff6726d334e9bdd0d8685dd3e2d2b1eda38479917df1437a35957b9f26aed"
    "042095f1e5cf0597f80c4ba239b5d5520150f137b391b49598bf37a1053366943de8"
    "0425ecab6afc91e5afdbb2ff513132f9fae2a28b7bdadabe9a8ee24f8956f502706ab43c3ccab2")


@pytest.fixture(scope="session")
def openssl_sm2():
    tool, why = sm2_openssl.probe(SM2_KAT_PUBLIC)
    if tool is None:
        pytest.skip(why)
    return tool


def _flip_last(b: bytes) -> bytes:
    out = bytearray(b)
    out[-1] ^= 1
    return bytes(out)


def test_openssl_sm2_known_answers(openssl_sm2):
    """The checker first: OpenSSL's SM3, the test's Z and e, its verification of
    another implementation's signature (accepted; refused tampered or over
    another digest or message), and its reading of that implementation's
    C1C3C2 DER ciphertext."""
    tool = openssl_sm2
    assert tool.sm3(b"abc").hex() == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    assert sm2_openssl.on_curve(*sm2_openssl.public_xy(SM2_KAT_PUBLIC))
    assert tool.digest(SM2_KAT_PUBLIC, SM2_KAT_MESSAGE) == SM2_KAT_DIGEST
    assert tool.verify_digest(SM2_KAT_PUBLIC, SM2_KAT_DIGEST, SM2_KAT_SIGNATURE) is True
    assert tool.verify_message(SM2_KAT_PUBLIC, SM2_KAT_MESSAGE, SM2_KAT_SIGNATURE) is True
    assert tool.verify_digest(SM2_KAT_PUBLIC, SM2_KAT_DIGEST, _flip_last(SM2_KAT_SIGNATURE)) is False
    assert tool.verify_digest(SM2_KAT_PUBLIC, _flip_last(SM2_KAT_DIGEST), SM2_KAT_SIGNATURE) is False
    assert tool.verify_message(SM2_KAT_PUBLIC, SM2_KAT_MESSAGE + b"x", SM2_KAT_SIGNATURE) is False
    # The digest is taken as is: SM3 of the message without Z is refused.
    assert tool.verify_digest(SM2_KAT_PUBLIC, tool.sm3(SM2_KAT_MESSAGE), SM2_KAT_SIGNATURE) is False
    assert tool.decrypt(sm2_openssl.private_key_der(SM2_KAT_D), SM2_KAT_CIPHERTEXT) == SM2_KAT_PLAINTEXT


def test_sm2dsa_signature_verifies_with_openssl(kms, openssl_sm2):
    tool = openssl_sm2
    kid, ver = _key(kms, "EC_SM2", "SIGN/VERIFY")
    pem = _pem(kms, kid, ver)
    assert sm2_openssl.on_curve(*sm2_openssl.public_xy(pem))
    message = fixed(100, "SM2DSA message")
    # The digest SM2DSA takes: SM3(Z || M), Z from the default ID 1234567812345678.
    digest = tool.digest(pem, message)
    sig = _sign(kms, kid, ver, "SM2DSA", digest)
    assert tool.verify_digest(pem, digest, sig) is True
    assert tool.verify_message(pem, message, sig) is True
    assert _verify(kms, kid, ver, "SM2DSA", digest, sig) is True
    # Tampered, or over another digest or message: OpenSSL and Rampart refuse it.
    bad = _flip_last(sig)
    other = tool.digest(pem, message + b"x")
    assert tool.verify_digest(pem, digest, bad) is False
    assert tool.verify_digest(pem, other, sig) is False
    assert tool.verify_message(pem, message + b"x", sig) is False
    assert _verify(kms, kid, ver, "SM2DSA", digest, bad) is False
    assert _verify(kms, kid, ver, "SM2DSA", other, sig) is False
    # Under another key (the known-answer one) it is refused too.
    assert tool.verify_digest(SM2_KAT_PUBLIC, digest, sig) is False


@pytest.mark.parametrize("spec,alg", [
    ("RSA_2048", "RSAES_OAEP_SHA_1"), ("RSA_2048", "RSAES_OAEP_SHA_256"),
    ("RSA_3072", "RSAES_OAEP_SHA_1"), ("RSA_3072", "RSAES_OAEP_SHA_256"),
])
def test_rsa_ciphertexts_of_cryptography_decrypt(kms, spec, alg):
    kid, ver = _key(kms, spec, "ENCRYPT/DECRYPT")
    public = serialization.load_pem_public_key(_pem(kms, kid, ver))
    h = hashes.SHA1() if alg.endswith("SHA_1") else hashes.SHA256()
    secret = fixed(32, "OAEP secret")
    ct = public.encrypt(secret, padding.OAEP(mgf=padding.MGF1(h), algorithm=h, label=None))
    body = kms.call("AsymmetricDecrypt", KeyId=kid, KeyVersionId=ver, Algorithm=alg, CiphertextBlob=b64(ct))
    assert base64.b64decode(body["Plaintext"]) == secret
    assert (body["KeyId"], body["KeyVersionId"]) == (kid, ver)
    # Rampart's own ciphertext: a fresh one each time, decrypted by Rampart.
    mine = kms.call("AsymmetricEncrypt", KeyId=kid, KeyVersionId=ver, Algorithm=alg, Plaintext=b64(secret))
    assert mine["CiphertextBlob"] != b64(ct)
    back = kms.call("AsymmetricDecrypt", KeyId=kid, KeyVersionId=ver, Algorithm=alg,
                    CiphertextBlob=mine["CiphertextBlob"])
    assert base64.b64decode(back["Plaintext"]) == secret
    other = "RSAES_OAEP_SHA_256" if alg.endswith("SHA_1") else "RSAES_OAEP_SHA_1"
    expect_error(lambda: kms.call("AsymmetricDecrypt", KeyId=kid, KeyVersionId=ver, Algorithm=other,
                                  CiphertextBlob=b64(ct)), 400, "InvalidParameter.CiphertextBlob")
    too_long = fixed(int(spec[4:]) // 8, "too long")
    expect_error(lambda: kms.call("AsymmetricEncrypt", KeyId=kid, KeyVersionId=ver, Algorithm=alg,
                                  Plaintext=b64(too_long)), 400, "InvalidParameter.Plaintext")


def test_sm2pke_ciphertext_of_openssl_decrypts(kms, openssl_sm2):
    tool = openssl_sm2
    kid, ver = _key(kms, "EC_SM2", "ENCRYPT/DECRYPT")
    pem = _pem(kms, kid, ver)
    secret = fixed(48, "SM2PKE secret")
    # KMS's SM2PKE ciphertext: the GM/T 0009 ASN.1 form of C1, C3, C2, which is
    # what OpenSSL makes.
    der = tool.encrypt(pem, secret)
    x, y, c3, c2 = sm2_openssl.parse_ciphertext(der)
    assert sm2_openssl.on_curve(x, y) and (len(c3), len(c2)) == (32, len(secret))
    body = kms.call("AsymmetricDecrypt", KeyId=kid, KeyVersionId=ver, Algorithm="SM2PKE",
                    CiphertextBlob=b64(der))
    assert base64.b64decode(body["Plaintext"]) == secret
    assert (body["KeyId"], body["KeyVersionId"]) == (kid, ver)
    # Rampart's own ciphertext has the same form (C1 on the curve) and decrypts.
    mine = kms.call("AsymmetricEncrypt", KeyId=kid, KeyVersionId=ver, Algorithm="SM2PKE",
                    Plaintext=b64(secret))["CiphertextBlob"]
    mx, my, mc3, mc2 = sm2_openssl.parse_ciphertext(base64.b64decode(mine))
    assert sm2_openssl.on_curve(mx, my) and (len(mc3), len(mc2)) == (32, len(secret))
    assert mine != b64(der)
    back = kms.call("AsymmetricDecrypt", KeyId=kid, KeyVersionId=ver, Algorithm="SM2PKE", CiphertextBlob=mine)
    assert base64.b64decode(back["Plaintext"]) == secret
    # The bare concatenation C1 || C3 || C2 is not the KMS form; a changed C2 fails C3.
    raw = x.to_bytes(32, "big") + y.to_bytes(32, "big") + c3 + c2
    for blob in (raw, _flip_last(der)):
        expect_error(lambda: kms.call("AsymmetricDecrypt", KeyId=kid, KeyVersionId=ver, Algorithm="SM2PKE",
                                      CiphertextBlob=b64(blob)), 400, "InvalidParameter.CiphertextBlob")


def test_validity_rules_and_versions(kms):
    expect_error(lambda: kms.call("CreateKey", KeySpec="EC_P256", KeyUsage="ENCRYPT/DECRYPT"), 400,
                 "InvalidParameter.KeyUsage")
    expect_error(lambda: kms.call("CreateKey", KeySpec="RSA_1024"), 400, "InvalidParameter.KeySpec")
    md = kms.call("CreateKey", KeySpec="RSA_2048")["KeyMetadata"]
    assert md["KeyUsage"] == "SIGN/VERIFY"
    kid, v1 = md["KeyId"], md["PrimaryKeyVersion"]
    v2 = kms.call("CreateKeyVersion", KeyId=kid)["KeyVersion"]["KeyVersionId"]
    assert v2 != v1
    p1 = serialization.load_pem_public_key(_pem(kms, kid, v1))
    p2 = serialization.load_pem_public_key(_pem(kms, kid, v2))
    assert p1.public_numbers() != p2.public_numbers()
    digest = hashlib.sha256(b"doc").digest()
    sig = _sign(kms, kid, v1, "RSA_PKCS1_SHA_256", digest)
    p1.verify(sig, b"doc", padding.PKCS1v15(), hashes.SHA256())
    with pytest.raises(InvalidSignature):
        p2.verify(sig, b"doc", padding.PKCS1v15(), hashes.SHA256())
    expect_error(lambda: _sign(kms, kid, "no-such-version", "RSA_PKCS1_SHA_256", digest), 404,
                 "Forbidden.KeyVersionNotFound")
    expect_error(lambda: kms.call("Encrypt", KeyId=kid, Plaintext="x"), 400, "UnsupportedOperation")
    kms.call("DisableKey", KeyId=kid)
    expect_error(lambda: _sign(kms, kid, v1, "RSA_PKCS1_SHA_256", digest), 409, "Rejected.Disabled")
    expect_error_prefix(lambda: kms.call("GetPublicKey", KeyId=kid), 400, "MissingParameter")


def test_sm4_key_encrypts_and_makes_data_keys(kms):
    kid = kms.call("CreateKey", KeySpec="Aliyun_SM4")["KeyMetadata"]["KeyId"]
    blob = kms.call("Encrypt", KeyId=kid, Plaintext="sm4 plaintext")["CiphertextBlob"]
    assert kms.call("Decrypt", CiphertextBlob=blob)["Plaintext"] == "sm4 plaintext"
    dk = kms.call("GenerateDataKey", KeyId=kid, NumberOfBytes=16)
    assert len(base64.b64decode(dk["Plaintext"])) == 16
    assert kms.call("Decrypt", CiphertextBlob=dk["CiphertextBlob"])["Plaintext"] == dk["Plaintext"]


def test_key_policy_deny_wins_and_allow_grants(kms, server, uniq):
    """A key policy is evaluated with the identity policies: an explicit Deny in it
    refuses what the user's identity policy allows; an Allow naming the user grants
    what no identity policy does; the default policy, read and written back, changes
    nothing."""
    root_ram = make_client("tea_v3", server)
    acct = server.account_id
    user = uniq("signer")
    ak, sk = user_with_key(root_ram, user)
    as_user = make_kms(kms.flavour, server, ak, sk)
    kid, ver = _key(kms, "EC_P256", "SIGN/VERIFY")
    digest = hashlib.sha256(b"contract").digest()

    def user_sign():
        return _sign(as_user, kid, ver, "ECDSA_SHA_256", digest)

    expect_error(user_sign, 403, "Forbidden.NoPermission")
    default = kms.call("GetKeyPolicy", KeyId=kid, PolicyName="default")["Policy"]
    assert json.loads(default)["Statement"][0]["Principal"]["RAM"] == [f"acs:ram::{acct}:*"]
    kms.call("SetKeyPolicy", KeyId=kid, PolicyName="default", Policy=default)
    expect_error(user_sign, 403, "Forbidden.NoPermission")

    grant = json.dumps({"Version": "1", "Statement": [{
        "Effect": "Allow", "Action": ["kms:AsymmetricSign", "kms:GetPublicKey"], "Resource": ["*"],
        "Principal": {"RAM": [f"acs:ram::{acct}:user/{user}"]}}]})
    kms.call("SetKeyPolicy", KeyId=kid, PolicyName="default", Policy=grant)
    assert json.loads(kms.call("GetKeyPolicy", KeyId=kid, PolicyName="default")["Policy"]) == json.loads(grant)
    sig = user_sign()
    public = serialization.load_pem_public_key(_pem(as_user, kid, ver))
    public.verify(sig, b"contract", ec.ECDSA(hashes.SHA256()))

    pol = uniq("kmsall")
    root_ram.call("CreatePolicy", PolicyName=pol, PolicyDocument=allow("kms:*"))
    root_ram.call("AttachPolicyToUser", PolicyType="Custom", PolicyName=pol, UserName=user)
    deny = json.dumps({"Version": "1", "Statement": [
        {"Effect": "Allow", "Action": ["kms:*"], "Resource": ["*"],
         "Principal": {"RAM": [f"acs:ram::{acct}:*"]}},
        {"Effect": "Deny", "Action": ["kms:AsymmetricSign"], "Resource": ["*"],
         "Principal": {"RAM": [f"acs:ram::{acct}:user/{user}"]}}]})
    kms.call("SetKeyPolicy", KeyId=kid, PolicyName="default", Policy=deny)
    e = expect_error(user_sign, 403, "Forbidden.NoPermission")
    assert "kms:AsymmetricSign" in (e.message or "")
    # The identity policy still allows what the key policy does not deny.
    assert as_user.call("GetPublicKey", KeyId=kid, KeyVersionId=ver)["KeyId"] == kid
    # The account itself is not bound by policies.
    _sign(kms, kid, ver, "ECDSA_SHA_256", digest)
    # A policy given at creation; malformed documents are refused.
    k2 = kms.call("CreateKey", KeySpec="RSA_2048", Policy=deny)["KeyMetadata"]["KeyId"]
    assert json.loads(kms.call("GetKeyPolicy", KeyId=k2, PolicyName="default")["Policy"]) == json.loads(deny)
    expect_error(lambda: kms.call("SetKeyPolicy", KeyId=kid, PolicyName="default", Policy="{"), 400,
                 "MalformedPolicyDocument")


def test_import_flow_wrap_import_use_expire(kms, uniq):
    """Origin=EXTERNAL: the material is wrapped locally with the wrapping public key
    (cryptography, RSAES-OAEP), imported, used, expires, is imported again (the same
    material only) and deleted."""
    import time

    md = kms.call("CreateKey", KeySpec="Aliyun_AES_256", Origin="EXTERNAL")["KeyMetadata"]
    kid = md["KeyId"]
    assert (md["Origin"], md["KeyState"]) == ("EXTERNAL", "PendingImport")
    expect_error(lambda: kms.call("Encrypt", KeyId=kid, Plaintext="x"), 409, "Rejected.PendingImport")
    material = fixed(32, "imported material")

    def wrap(alg="RSAES_OAEP_SHA_256", key=kid, data=material):
        p = kms.call("GetParametersForImport", KeyId=key, WrappingAlgorithm=alg, WrappingKeySpec="RSA_2048")
        assert p["KeyId"] == key and p["TokenExpireTime"]
        public = serialization.load_der_public_key(base64.b64decode(p["PublicKey"]))
        assert public.key_size == 2048
        h = hashes.SHA1() if alg.endswith("SHA_1") else hashes.SHA256()
        ct = public.encrypt(data, padding.OAEP(mgf=padding.MGF1(h), algorithm=h, label=None))
        return b64(ct), p["ImportToken"]

    wrapped, token = wrap()
    expires = int(time.time()) + 3
    kms.call("ImportKeyMaterial", KeyId=kid, EncryptedKeyMaterial=wrapped, ImportToken=token,
             KeyMaterialExpireUnix=expires)
    md = kms.call("DescribeKey", KeyId=kid)["KeyMetadata"]
    assert md["KeyState"] == "Enabled" and md.get("MaterialExpireTime")
    blob = kms.call("Encrypt", KeyId=kid, Plaintext="imported")["CiphertextBlob"]
    assert kms.call("Decrypt", CiphertextBlob=blob)["Plaintext"] == "imported"

    # The material expires: the key is PendingImport and unusable.
    time.sleep(max(0.0, expires - time.time()) + 1.2)
    assert kms.call("DescribeKey", KeyId=kid)["KeyMetadata"]["KeyState"] == "PendingImport"
    expect_error(lambda: kms.call("Decrypt", CiphertextBlob=blob), 409, "Rejected.PendingImport")
    expect_error(lambda: kms.call("EnableKey", KeyId=kid), 409, "Rejected.PendingImport")

    # Imported again (SHA-1 wrapping this time, no expiry): old ciphertexts decrypt.
    wrapped, token = wrap("RSAES_OAEP_SHA_1")
    kms.call("ImportKeyMaterial", KeyId=kid, EncryptedKeyMaterial=wrapped, ImportToken=token)
    assert kms.call("Decrypt", CiphertextBlob=blob)["Plaintext"] == "imported"
    # Other material, a token of another key, a bad expiry: refused.
    other, token = wrap(data=fixed(32, "other material"))
    expect_error(lambda: kms.call("ImportKeyMaterial", KeyId=kid, EncryptedKeyMaterial=other, ImportToken=token),
                 400, "InvalidParameter.EncryptedKeyMaterial")
    k2 = kms.call("CreateKey", Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
    w2, t2 = wrap(key=k2)
    expect_error(lambda: kms.call("ImportKeyMaterial", KeyId=kid, EncryptedKeyMaterial=w2, ImportToken=t2),
                 400, "InvalidParameter.ImportToken")
    expect_error(lambda: kms.call("ImportKeyMaterial", KeyId=k2, EncryptedKeyMaterial=w2, ImportToken=t2,
                                  KeyMaterialExpireUnix=1000), 400, "InvalidParameter.KeyMaterialExpireUnix")
    short, t3 = wrap(key=k2, data=fixed(16, "short material"))
    expect_error(lambda: kms.call("ImportKeyMaterial", KeyId=k2, EncryptedKeyMaterial=short, ImportToken=t3),
                 400, "InvalidParameter.EncryptedKeyMaterial")
    expect_error_prefix(lambda: kms.call("GetParametersForImport", KeyId=kid, WrappingAlgorithm="RSAES_OAEP_SHA_256",
                                         WrappingKeySpec="RSA_4096"), 400, "InvalidParameter")
    generated = kms.call("CreateKey")["KeyMetadata"]["KeyId"]
    expect_error(lambda: kms.call("GetParametersForImport", KeyId=generated, WrappingAlgorithm="RSAES_OAEP_SHA_256",
                                  WrappingKeySpec="RSA_2048"), 400, "Unsupported.Origin")

    kms.call("DeleteKeyMaterial", KeyId=kid)
    assert kms.call("DescribeKey", KeyId=kid)["KeyMetadata"]["KeyState"] == "PendingImport"
    expect_error(lambda: kms.call("Encrypt", KeyId=kid, Plaintext="x"), 409, "Rejected.PendingImport")


def test_import_into_sm4_key(kms):
    kid = kms.call("CreateKey", KeySpec="Aliyun_SM4", Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
    p = kms.call("GetParametersForImport", KeyId=kid, WrappingAlgorithm="RSAES_OAEP_SHA_256",
                 WrappingKeySpec="RSA_2048")
    public = serialization.load_der_public_key(base64.b64decode(p["PublicKey"]))
    ct = public.encrypt(fixed(16, "SM4 material"), padding.OAEP(mgf=padding.MGF1(hashes.SHA256()),
                                                     algorithm=hashes.SHA256(), label=None))
    kms.call("ImportKeyMaterial", KeyId=kid, EncryptedKeyMaterial=b64(ct), ImportToken=p["ImportToken"])
    blob = kms.call("Encrypt", KeyId=kid, Plaintext="sm4 imported")["CiphertextBlob"]
    assert kms.call("Decrypt", CiphertextBlob=blob)["Plaintext"] == "sm4 imported"
    expect_error(lambda: kms.call("CreateKey", KeySpec="RSA_2048", Origin="EXTERNAL"), 400, "Unsupported.Origin")
