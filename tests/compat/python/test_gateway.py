"""Gateway behaviour (authentication, signature, replay, timestamps, actions,
Format=XML, error bodies), mostly with hand-signed RPC V1 requests."""
import uuid
import xml.etree.ElementTree as ET

import pytest
import requests

import rpc_v1
from ramclients import FLAVOURS, ApiError, expect_error, make_client

ERROR_FIELDS = ("RequestId", "HostId", "Code", "Message", "Recommend")
STS_MARKER = "server string to sign is:"


def error_body(resp: requests.Response, status: int, code: str, req=None) -> dict:
    """Assert HTTP status, JSON error body with all POP fields, and the code."""
    where = f"\nrequest: {req.describe()}" if req is not None else ""
    assert (resp.status_code, _code(resp)) == (status, code), (
        f"expected HTTP {status} {code}, got HTTP {resp.status_code}: {resp.text[:600]}{where}")
    try:
        body = resp.json()
    except ValueError:
        raise AssertionError(f"error body is not JSON: {resp.text[:600]}")
    missing = [f for f in ERROR_FIELDS if not isinstance(body.get(f), str) or not body.get(f)]
    assert not missing, f"error body lacks {missing}: {body}"
    return body


def _code(resp):
    try:
        return resp.json().get("Code")
    except ValueError:
        return None


def _make_user_with_key(raw, name):
    r = raw.call("CreateUser", {"UserName": name})
    assert r.status_code == 200, r.text
    r = raw.call("CreateAccessKey", {"UserName": name})
    assert r.status_code == 200, r.text
    ak = r.json()["AccessKey"]
    return ak["AccessKeyId"], ak["AccessKeySecret"]


# --------------------------------------------------------------------------
# success shape
# --------------------------------------------------------------------------

def test_raw_v1_post_success(raw):
    req = raw.request("ListUsers")
    r = req.send()
    assert r.status_code == 200, f"{r.status_code} {r.text[:600]}\n{req.describe()}"
    body = r.json()
    assert body.get("RequestId")
    assert isinstance(body["Users"]["User"], list)
    assert isinstance(body["IsTruncated"], bool)


def test_raw_v1_get_accepted(raw):
    """GET is what alibabacloud_credentials sends; the real method is signed."""
    req = raw.request("ListUsers", method="GET")
    r = req.send()
    assert r.status_code == 200, f"{r.status_code} {r.text[:600]}\n{req.describe()}"
    assert r.json().get("RequestId")


def test_raw_v1_params_in_form_body(server, raw, uniq):
    """Parameters in a form-encoded body count (and are signed) like query ones."""
    name = uniq("form")
    req = raw.request("CreateUser", {"UserName": name, "Comments": "x y+z"})
    r = requests.post(server.base_url + "/", data=req.params, timeout=10)
    assert r.status_code == 200, f"{r.status_code} {r.text[:600]}\nbody: {req.params}"
    assert r.json()["User"]["UserName"] == name
    r = raw.call("GetUser", {"UserName": name})
    assert r.json()["User"]["Comments"] == "x y+z"


def test_quote_plus_variant_accepted(raw, uniq):
    """alibabacloud_credentials canonicalises with quote_plus (space -> '+')."""
    name = uniq("plus")
    req = raw.request("CreateUser", {"UserName": name, "Comments": "a b c"}, plus_variant=True)
    assert "%2B" in req.string_to_sign  # really the '+' variant
    r = req.send()
    assert r.status_code == 200, f"{r.status_code} {r.text[:600]}\n{req.describe()}"
    assert r.json()["User"]["Comments"] == "a b c"
    r = raw.call("GetUser", {"UserName": name})
    assert r.json()["User"]["Comments"] == "a b c"


# --------------------------------------------------------------------------
# authentication errors
# --------------------------------------------------------------------------

def test_unknown_access_key_id(raw):
    req = raw.request("ListUsers", ak="LTAI" + uuid.uuid4().hex[:20], sk="whatever")
    error_body(req.send(), 404, "InvalidAccessKeyId.NotFound", req)


def test_wrong_secret_signature_does_not_match(raw):
    req = raw.request("ListUsers", {"Comments": "a b*c~"}, sk="definitely-not-the-secret")
    body = error_body(req.send(), 400, "SignatureDoesNotMatch", req)
    msg = body["Message"]
    assert STS_MARKER in msg, f"Message lacks {STS_MARKER!r}: {msg!r}"
    server_sts = msg.split(STS_MARKER, 1)[1]
    assert server_sts == req.string_to_sign, (
        f"server string-to-sign differs\n server: {server_sts}\n client: {req.string_to_sign}")
    # aliyunsdkcore compares exactly this slice with its own string-to-sign
    assert msg.split(":")[1] == req.string_to_sign


def test_wrong_secret_core_sdk_recognises_its_string_to_sign(server):
    """aliyunsdkcore rewrites SignatureDoesNotMatch to InvalidAccessKeySecret
    when the server's string-to-sign equals its own. (Only for RpcRequest
    subclasses, as the aliyunsdk* product packages use; CommonRequest keeps
    its string_to_sign on an inner request and never rewrites.)"""
    from aliyunsdkcore.acs_exception.exceptions import ServerException
    from aliyunsdkcore.client import AcsClient
    from aliyunsdkcore.request import RpcRequest

    client = AcsClient(server.access_key_id, "wrong-secret", "cn-hangzhou", auto_retry=False)
    req = RpcRequest("Ram", "2015-05-01", "ListUsers")
    req.set_method("POST")
    req.set_accept_format("JSON")
    req.set_endpoint(server.base_url)
    try:
        client.do_action_with_exception(req)
    except ServerException as e:
        assert (e.get_http_status(), e.get_error_code()) == (400, "InvalidAccessKeySecret"), (
            f"HTTP {e.get_http_status()} {e.get_error_code()}: {e.get_error_msg()}\n"
            f"client string-to-sign: {req.string_to_sign}")
    else:
        raise AssertionError("a request signed with a wrong secret succeeded")


@pytest.mark.parametrize("flavour", ["tea_v3", "tea_v2"])
def test_wrong_secret_tea(server, flavour):
    client = make_client(flavour, server, server.access_key_id, "wrong-secret")
    expect_error(lambda: client.call("ListUsers"), 400, "SignatureDoesNotMatch")


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_unknown_access_key_id_sdk(server, flavour):
    client = make_client(flavour, server, "LTAI" + uuid.uuid4().hex[:20], "whatever")
    expect_error(lambda: client.call("ListUsers"), 404, "InvalidAccessKeyId.NotFound")


def test_replayed_nonce(raw):
    req = raw.request("ListUsers")
    r1 = req.send()
    assert r1.status_code == 200, f"{r1.status_code} {r1.text[:600]}\n{req.describe()}"
    error_body(req.send(), 400, "SignatureNonceUsed", req)


@pytest.mark.parametrize("offset_minutes", [-20, 20])
def test_timestamp_out_of_window(raw, offset_minutes):
    req = raw.request("ListUsers", timestamp=rpc_v1.utc_timestamp(offset_minutes * 60))
    error_body(req.send(), 400, "InvalidTimeStamp.Expired", req)


def test_inactive_user_key(raw, uniq):
    name = uniq("inactive")
    key_id, secret = _make_user_with_key(raw, name)
    r = raw.call("UpdateAccessKey", {"UserName": name, "UserAccessKeyId": key_id, "Status": "Inactive"})
    assert r.status_code == 200, r.text
    req = raw.request("ListUsers", ak=key_id, sk=secret)
    error_body(req.send(), 400, "InvalidAccessKeyId.Inactive", req)
    # back to Active: authentication passes again (authorisation then denies)
    r = raw.call("UpdateAccessKey", {"UserName": name, "UserAccessKeyId": key_id, "Status": "Active"})
    assert r.status_code == 200, r.text
    req = raw.request("ListUsers", ak=key_id, sk=secret)
    error_body(req.send(), 403, "NoPermission", req)


def test_ram_user_without_policy_is_denied(raw, uniq):
    key_id, secret = _make_user_with_key(raw, uniq("nopolicy"))
    req = raw.request("ListUsers", ak=key_id, sk=secret)
    error_body(req.send(), 403, "NoPermission", req)


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_ram_user_without_policy_is_denied_sdk(server, raw, uniq, flavour):
    key_id, secret = _make_user_with_key(raw, uniq("nopolicy"))
    client = make_client(flavour, server, key_id, secret)
    expect_error(lambda: client.call("ListUsers"), 403, "NoPermission")


# --------------------------------------------------------------------------
# actions
# --------------------------------------------------------------------------

def test_unknown_action(raw):
    req = raw.request("NoSuchThing")
    error_body(req.send(), 404, "InvalidAction.NotFound", req)


def test_not_implemented_action(raw):
    req = raw.request("GetServiceLinkedRoleTemplate", {"ServiceName": "ecs.aliyuncs.com"})
    error_body(req.send(), 400, "InvalidAction.NotImplemented", req)


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_not_implemented_action_sdk(server, flavour):
    client = make_client(flavour, server)
    expect_error(lambda: client.call("GetServiceLinkedRoleTemplate", ServiceName="ecs.aliyuncs.com"),
                 400, "InvalidAction.NotImplemented")


# --------------------------------------------------------------------------
# Format=XML
# --------------------------------------------------------------------------

def test_format_xml_success(raw):
    req = raw.request("ListUsers", fmt="XML")
    r = req.send()
    assert r.status_code == 200, f"{r.status_code} {r.text[:600]}\n{req.describe()}"
    text = r.text.lstrip()
    assert text.startswith("<?xml"), f"not an XML document: {text[:200]!r}"
    assert "<ListUsersResponse>" in text or "<ListUsersResponse " in text, text[:600]
    root = ET.fromstring(r.content)
    assert root.tag == "ListUsersResponse"
    assert root.findtext("RequestId"), f"no <RequestId> in {text[:600]}"


def test_format_xml_error(raw, uniq):
    req = raw.request("GetUser", {"UserName": uniq("missing")}, fmt="XML")
    r = req.send()
    assert r.status_code == 404, f"{r.status_code} {r.text[:600]}\n{req.describe()}"
    text = r.text.lstrip()
    assert text.startswith("<?xml"), f"not an XML document: {text[:200]!r}"
    root = ET.fromstring(r.content)
    assert root.tag == "Error", f"root element is <{root.tag}>: {text[:600]}"
    assert root.findtext("Code") == "EntityNotExist.User", text[:600]
    assert root.findtext("RequestId"), text[:600]
    assert root.findtext("Message"), text[:600]


def test_format_xml_gateway_error(raw):
    req = raw.request("ListUsers", ak="LTAI" + uuid.uuid4().hex[:20], sk="x", fmt="XML")
    r = req.send()
    assert r.status_code == 404, f"{r.status_code} {r.text[:600]}\n{req.describe()}"
    root = ET.fromstring(r.content)
    assert root.tag == "Error" and root.findtext("Code") == "InvalidAccessKeyId.NotFound", r.text[:600]
    assert root.findtext("RequestId")


# --------------------------------------------------------------------------
# RAM errors carry the full POP error body
# --------------------------------------------------------------------------

def test_ram_error_bodies(raw, uniq):
    name = uniq("errbody")
    error_body(raw.call("GetUser", {"UserName": name}), 404, "EntityNotExist.User")
    assert raw.call("CreateUser", {"UserName": name}).status_code == 200
    error_body(raw.call("CreateUser", {"UserName": name}), 409, "EntityAlreadyExists.User")
    error_body(raw.call("CreateUser", {"UserName": "bad name!"}), 400, "InvalidParameter.UserName.InvalidChars")
    error_body(raw.call("GetGroup", {"GroupName": uniq("nogroup")}), 404, "EntityNotExist.Group")
    r = raw.call("CreateAccessKey", {"UserName": name})
    assert r.status_code == 200
    error_body(raw.call("DeleteUser", {"UserName": name}), 409, "DeleteConflict.User.AccessKey")


def test_sdk_error_carries_request_id(ram, uniq):
    e = expect_error(lambda: ram.call("GetUser", UserName=uniq("missing")), 404, "EntityNotExist.User")
    assert e.request_id
