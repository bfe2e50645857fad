"""Virtual MFA devices through every Python SDK flavour and the legacy
aliyun-python-sdk-ram typed requests: create (Base32 seed, PNG QR code),
bind with two consecutive RFC 6238 codes, GetUserMFAInfo, list, unbind,
delete, and the error codes tools depend on."""
import base64
import hashlib
import hmac
import struct
import time

import pytest

from ramclients import FLAVOURS, expect_error, make_client


def totp(seed_b32: str, step: int) -> str:
    """RFC 6238 (SHA-1, 6 digits, 30 s), written out with the standard library."""
    seed = base64.b32decode(seed_b32 + "=" * (-len(seed_b32) % 8))
    mac = hmac.new(seed, struct.pack(">Q", step), hashlib.sha1).digest()
    off = mac[-1] & 0x0F
    return "%06d" % ((struct.unpack(">I", mac[off:off + 4])[0] & 0x7FFFFFFF) % 1_000_000)


def two_codes(seed_b32: str):
    step = int(time.time()) // 30
    return totp(seed_b32, step - 1), totp(seed_b32, step)


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_virtual_mfa_lifecycle(server, flavour, uniq):
    ram = make_client(flavour, server)
    user = uniq("mfa")
    ram.call("CreateUser", UserName=user)
    expect_error(lambda: ram.call("UnbindMFADevice", UserName=user), 404, "EntityNotExist.User.MFADevice")
    expect_error(lambda: ram.call("GetUserMFAInfo", UserName=user), 404, "EntityNotExist.User.MFADevice")

    d = ram.call("CreateVirtualMFADevice", VirtualMFADeviceName=user)["VirtualMFADevice"]
    serial = d["SerialNumber"]
    assert serial == f"acs:ram::{server.account_id}:mfa/{user}"
    assert base64.b64decode(d["QRCodePNG"])[:4] == b"\x89PNG"
    expect_error(lambda: ram.call("CreateVirtualMFADevice", VirtualMFADeviceName=user), 409,
                 "EntityAlreadyExists.VirtualMFADevice")

    c1, c2 = two_codes(d["Base32StringSeed"])
    expect_error(lambda: ram.call("BindMFADevice", UserName=user, SerialNumber=serial,
                                  AuthenticationCode1=c2, AuthenticationCode2=c1),
                 400, "InvalidParameter.AuthenticationCode")
    assert ram.call("BindMFADevice", UserName=user, SerialNumber=serial,
                    AuthenticationCode1=c1, AuthenticationCode2=c2).get("RequestId")
    info = ram.call("GetUserMFAInfo", UserName=user)["MFADevice"]
    assert info["SerialNumber"] == serial
    devices = ram.call("ListVirtualMFADevices")["VirtualMFADevices"]["VirtualMFADevice"]
    mine = [x for x in devices if x["SerialNumber"] == serial]
    assert len(mine) == 1 and mine[0]["User"]["UserName"] == user
    assert "Base32StringSeed" not in str(devices)

    expect_error(lambda: ram.call("DeleteUser", UserName=user), 409, "DeleteConflict.User.MFADevice")
    expect_error(lambda: ram.call("DeleteVirtualMFADevice", SerialNumber=serial), 409,
                 "DeleteConflict.VirtualMFADevice.User")
    assert ram.call("UnbindMFADevice", UserName=user)["MFADevice"]["SerialNumber"] == serial
    ram.call("DeleteVirtualMFADevice", SerialNumber=serial)
    expect_error(lambda: ram.call("DeleteVirtualMFADevice", SerialNumber=serial), 404,
                 "EntityNotExist.VirtualMFADevice")
    ram.call("DeleteUser", UserName=user)


def test_legacy_ram_sdk_mfa(server, uniq):
    from aliyunsdkram.request.v20150501 import (
        BindMFADeviceRequest, CreateUserRequest, CreateVirtualMFADeviceRequest,
        DeleteVirtualMFADeviceRequest, GetUserMFAInfoRequest, ListVirtualMFADevicesRequest,
        UnbindMFADeviceRequest)
    from test_account_settings import _legacy

    user = uniq("lmfa")
    r = CreateUserRequest.CreateUserRequest()
    r.set_UserName(user)
    _legacy(server, r)
    r = CreateVirtualMFADeviceRequest.CreateVirtualMFADeviceRequest()
    r.set_VirtualMFADeviceName(user)
    d = _legacy(server, r)["VirtualMFADevice"]
    c1, c2 = two_codes(d["Base32StringSeed"])
    r = BindMFADeviceRequest.BindMFADeviceRequest()
    r.set_UserName(user)
    r.set_SerialNumber(d["SerialNumber"])
    r.set_AuthenticationCode1(c1)
    r.set_AuthenticationCode2(c2)
    _legacy(server, r)
    r = GetUserMFAInfoRequest.GetUserMFAInfoRequest()
    r.set_UserName(user)
    assert _legacy(server, r)["MFADevice"]["SerialNumber"] == d["SerialNumber"]
    listed = _legacy(server, ListVirtualMFADevicesRequest.ListVirtualMFADevicesRequest())
    assert any(x["SerialNumber"] == d["SerialNumber"] for x in listed["VirtualMFADevices"]["VirtualMFADevice"])
    r = UnbindMFADeviceRequest.UnbindMFADeviceRequest()
    r.set_UserName(user)
    _legacy(server, r)
    r = UnbindMFADeviceRequest.UnbindMFADeviceRequest()
    r.set_UserName(user)
    expect_error(lambda: _legacy(server, r), 404, "EntityNotExist.User.MFADevice")
    r = DeleteVirtualMFADeviceRequest.DeleteVirtualMFADeviceRequest()
    r.set_SerialNumber(d["SerialNumber"])
    _legacy(server, r)
