"""Unit tests of the test suite's own RPC V1 signer (no server needed)."""
from urllib.parse import quote_plus

from rpc_v1 import canonicalized_query, percent_encode, sign, string_to_sign


def test_doc_vector_get_createkey():
    params = {
        "AccessKeyId": "testid",
        "Action": "CreateKey",
        "Format": "json",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureVersion": "1.0",
        "Timestamp": "2016-03-28T03:13:08Z",
        "Version": "2016-01-20",
    }
    sts = string_to_sign("GET", params)
    # The KMS "Signature" doc page prints this example's StringToSign with a
    # typo: the separators of the outer part are literal '&' instead of '%26'.
    # Its signed URL carries Signature=41wk2SSX1GJh7fwnc5eqOfiJPFg%3D, which is
    # the HMAC of the correct string; "s/OdVWMTmNGagvWlljdAJ7Itsew=" is the
    # HMAC of the misprinted string.
    assert sts == (
        "GET&%2F&AccessKeyId%3Dtestid%26Action%3DCreateKey%26Format%3Djson"
        "%26SignatureMethod%3DHMAC-SHA1%26SignatureVersion%3D1.0"
        "%26Timestamp%3D2016-03-28T03%253A13%253A08Z%26Version%3D2016-01-20"
    )
    assert sign("testsecret", sts) == "41wk2SSX1GJh7fwnc5eqOfiJPFg="
    misprinted = sts.replace("%26", "&")
    assert sign("testsecret", misprinted) == "s/OdVWMTmNGagvWlljdAJ7Itsew="


def test_tea_vector_post_getsecretvalue():
    params = {
        "Action": "GetSecretValue",
        "Format": "JSON",
        "Version": "2016-01-20",
        "AccessKeyId": "testak",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureVersion": "1.0",
        "SignatureNonce": "nonce-1",
        "Timestamp": "2024-01-01T00:00:00Z",
        "SecretName": "my secret*~",
    }
    sts = string_to_sign("POST", params)
    assert sts == (
        "POST&%2F&AccessKeyId%3Dtestak%26Action%3DGetSecretValue%26Format%3DJSON"
        "%26SecretName%3Dmy%2520secret%252A~%26SignatureMethod%3DHMAC-SHA1"
        "%26SignatureNonce%3Dnonce-1%26SignatureVersion%3D1.0"
        "%26Timestamp%3D2024-01-01T00%253A00%253A00Z%26Version%3D2016-01-20"
    )
    assert sign("testsecret", sts) == "Ttlp/oifoGGCmbeV0eG6aRfzj4Q="


def test_signature_excluded_and_empty_values_kept():
    cq = canonicalized_query({"b": "", "a": "x y", "Signature": "zzz"})
    assert cq == "a=x%20y&b="


def test_percent_encode_rules():
    assert percent_encode("a b*~/+=é") == "a%20b%2A~%2F%2B%3D%C3%A9"


def test_plus_variant_matches_credentials_library():
    from alibabacloud_credentials.utils import parameter_helper

    params = {"Action": "CreateUser", "Comments": "a b c", "UserName": "u~1*"}
    ours = string_to_sign("POST", params, plus_variant=True)
    theirs = parameter_helper.compose_string_to_sign("POST", params)
    assert ours == theirs
    # ... and it really differs from the standard encoding
    assert ours != string_to_sign("POST", params)
    assert quote_plus("+") in ours


def test_agrees_with_tea_sdk_signer():
    from alibabacloud_tea_openapi.utils import Utils

    params = {
        "Action": "CreateUser",
        "Format": "json",
        "Version": "2015-05-01",
        "AccessKeyId": "testak",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureVersion": "1.0",
        "SignatureNonce": "0123456789abcdef0123456789abcdef",
        "Timestamp": "2024-01-01T00:00:00Z",
        "UserName": "alice",
        "Comments": "a b*c~d/e+f=g&h\u00e9",
    }
    ours = sign("testsecret", string_to_sign("POST", params))
    theirs = Utils.get_rpcsignature(params, "POST", "testsecret")
    assert ours == theirs


def test_agrees_with_core_sdk_signer():
    from aliyunsdkcore.auth.algorithm import sha_hmac1
    from aliyunsdkcore.auth.composer import rpc_signature_composer as rpc

    params = {
        "Action": "CreateUser",
        "Format": "JSON",
        "Version": "2015-05-01",
        "AccessKeyId": "testak",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureType": "",
        "SignatureVersion": "1.0",
        "SignatureNonce": "n-1",
        "Timestamp": "2024-01-01T00:00:00Z",
        "UserName": "alice",
        "Comments": "a b*c~d",
    }
    sts = string_to_sign("POST", params)
    compose = getattr(rpc, "__compose_string_to_sign")  # module-private helper
    assert sts == compose("POST", dict(params))
    assert sign("testsecret", sts) == sha_hmac1.get_sign_string(sts, "testsecret&")
