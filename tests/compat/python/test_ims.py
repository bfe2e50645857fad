"""IMS (2019-08-15) on the same port, through the Tea client
(alibabacloud_ims20190815, V3 and V2) and aliyunsdkcore CommonRequest (V1):
the account settings in IMS's shapes (HardExpire), the default domain,
ChangePassword, and virtual MFA by UserPrincipalName."""
import base64
import hashlib
import hmac
import struct
import time

import pytest

from ramclients import FLAVOURS, expect_error, make_client


def totp(seed_b32: str, step: int) -> str:
    seed = base64.b32decode(seed_b32 + "=" * (-len(seed_b32) % 8))
    mac = hmac.new(seed, struct.pack(">Q", step), hashlib.sha1).digest()
    off = mac[-1] & 0x0F
    return "%06d" % ((struct.unpack(">I", mac[off:off + 4])[0] & 0x7FFFFFFF) % 1_000_000)


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_ims_account_settings_and_mfa(fresh_server, flavour):
    srv = fresh_server()
    ims = make_client(flavour, srv, product="ims")
    ram = make_client(flavour, srv)

    assert ims.call("GetDefaultDomain")["DefaultDomainName"] == f"{srv.account_id}.onaliyun.com"
    ram.call("SetAccountAlias", AccountAlias="ims-corp")
    assert ims.call("GetDefaultDomain")["DefaultDomainName"] == "ims-corp.onaliyun.com"

    # One policy, two spellings of its expiry flag.
    p = ims.call("SetPasswordPolicy", MinimumPasswordLength=10, HardExpire=True, MaxLoginAttemps=3,
                 MaxPasswordAge=30, RequireNumbers=True)["PasswordPolicy"]
    assert (p["HardExpire"], p["MaxLoginAttemps"], p["MinimumPasswordLength"]) == (True, 3, 10)
    assert ram.call("GetPasswordPolicy")["PasswordPolicy"]["HardExpiry"] is True
    assert ims.call("GetPasswordPolicy")["PasswordPolicy"]["HardExpire"] is True
    expect_error(lambda: ims.call("SetPasswordPolicy", PasswordNotContainUserName=True), 400,
                 "InvalidParameter.PasswordNotContainUserName")

    pref = ims.call("SetSecurityPreference", AllowUserToManageAccessKeys=True,
                    LoginSessionDuration=5)["SecurityPreference"]
    assert pref["AccessKeyPreference"]["AllowUserToManageAccessKeys"] is True
    assert pref["LoginProfilePreference"]["LoginSessionDuration"] == 5
    assert ims.call("GetSecurityPreference")["SecurityPreference"] == pref
    expect_error(lambda: ims.call("SetSecurityPreference", MaxIdleDaysForUsers=90), 400,
                 "InvalidParameter.MaxIdleDaysForUsers")

    # Virtual MFA by UserPrincipalName (the alias or the account id).
    ram.call("CreateUser", UserName="imsuser")
    upn = "imsuser@ims-corp.onaliyun.com"
    expect_error(lambda: ims.call("GetUserMFAInfo", UserPrincipalName=upn), 404,
                 "EntityNotExist.User.MFADevice")
    d = ims.call("CreateVirtualMFADevice", VirtualMFADeviceName="imsuser")["VirtualMFADevice"]
    step = int(time.time()) // 30
    ims.call("BindMFADevice", UserPrincipalName=upn, SerialNumber=d["SerialNumber"],
             AuthenticationCode1=totp(d["Base32StringSeed"], step - 1),
             AuthenticationCode2=totp(d["Base32StringSeed"], step))
    info = ims.call("GetUserMFAInfo", UserPrincipalName=f"imsuser@{srv.account_id}.onaliyun.com")
    assert info["IsMFAEnable"] is True and info["MFADevice"]["SerialNumber"] == d["SerialNumber"]
    page = ims.call("ListVirtualMFADevices", MaxItems=1)
    devices = page["VirtualMFADevices"]["VirtualMFADevice"]
    assert devices[0]["User"]["UserPrincipalName"] == upn
    assert page["IsTruncated"] is False
    expect_error(lambda: ims.call("GetUserMFAInfo", UserPrincipalName="imsuser@other.onaliyun.com"), 400,
                 "InvalidParameter.UserPrincipalName.Format")
    ims.call("UnbindMFADevice", UserPrincipalName=upn)
    ims.call("DeleteVirtualMFADevice", SerialNumber=d["SerialNumber"])

    # ChangePassword through IMS: the caller's own.
    ram.call("SetPasswordPolicy")
    ram.call("CreateLoginProfile", UserName="imsuser", Password="Ims-Passw0rd!")
    k = ram.call("CreateAccessKey", UserName="imsuser")["AccessKey"]
    me = make_client(flavour, srv, k["AccessKeyId"], k["AccessKeySecret"], product="ims")
    me.call("ChangePassword", OldPassword="Ims-Passw0rd!", NewPassword="Ims-Passw0rd!2")
    expect_error(lambda: me.call("ChangePassword", OldPassword="Ims-Passw0rd!", NewPassword="Ims-Passw0rd!3"),
                 400, "InvalidParameter.OldPassword")
    # Not yet served: answered as such.
    expect_error(lambda: ims.call("ListOIDCProviders"), 400, "InvalidAction.NotImplemented")
