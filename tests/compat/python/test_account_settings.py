"""Account-wide RAM settings: the password policy, the account alias, the
security preference, and ChangePassword, through every Python SDK flavour
(aliyunsdkcore CommonRequest V1, the Tea client V3 and V2) and the legacy
per-product SDK `aliyun-python-sdk-ram` (typed requests)."""
import json

import pytest

from ramclients import FLAVOURS, CoreRam, expect_error, make_client

PASSWORD = "Compat-Acct-Passw0rd!"


def _user_client(flavour, srv, root, user, password=PASSWORD):
    """A user with an AccessKey and a login profile; its client."""
    root.call("CreateUser", UserName=user)
    root.call("CreateLoginProfile", UserName=user, Password=password)
    k = root.call("CreateAccessKey", UserName=user)["AccessKey"]
    return make_client(flavour, srv, k["AccessKeyId"], k["AccessKeySecret"])


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_password_policy(fresh_server, flavour):
    srv = fresh_server()
    ram = make_client(flavour, srv)
    p = ram.call("GetPasswordPolicy")["PasswordPolicy"]
    assert p["MinimumPasswordLength"] == 8
    assert p["MaxLoginAttemps"] == 0
    assert p["HardExpiry"] is False
    body = ram.call("SetPasswordPolicy", MinimumPasswordLength=10, RequireLowercaseCharacters=True,
                    RequireUppercaseCharacters=True, RequireNumbers=True, RequireSymbols=True,
                    HardExpiry=False, MaxPasswordAge=90, PasswordReusePrevention=2,
                    MaxLoginAttemps=5)
    assert body.get("RequestId")
    want = {"MinimumPasswordLength": 10, "RequireLowercaseCharacters": True,
            "RequireUppercaseCharacters": True, "RequireNumbers": True, "RequireSymbols": True,
            "HardExpiry": False, "MaxPasswordAge": 90, "PasswordReusePrevention": 2,
            "MaxLoginAttemps": 5}
    assert body["PasswordPolicy"] == want
    assert ram.call("GetPasswordPolicy")["PasswordPolicy"] == want
    expect_error(lambda: ram.call("SetPasswordPolicy", MinimumPasswordLength=7), 400,
                 "InvalidParameter.MinimumPasswordLength")
    expect_error(lambda: ram.call("SetPasswordPolicy", MaxLoginAttemps=40), 400,
                 "InvalidParameter.MaxLoginAttemps")

    # Enforced on login profiles and on ChangePassword.
    ram.call("CreateUser", UserName="weak")
    expect_error(lambda: ram.call("CreateLoginProfile", UserName="weak", Password="alllowercase1!"),
                 400, "InvalidParameter.Password")
    user = _user_client(flavour, srv, ram, "changer")
    expect_error(lambda: user.call("ChangePassword", OldPassword="Wrong-Passw0rd!",
                                   NewPassword="Next-Passw0rd!1"), 400, "InvalidParameter.OldPassword")
    expect_error(lambda: user.call("ChangePassword", OldPassword=PASSWORD, NewPassword="nodigits!Ab"),
                 400, "InvalidParameter.Password")
    assert user.call("ChangePassword", OldPassword=PASSWORD, NewPassword="Next-Passw0rd!1").get("RequestId")
    # PasswordReusePrevention=2: the previous password cannot come back.
    expect_error(lambda: user.call("ChangePassword", OldPassword="Next-Passw0rd!1", NewPassword=PASSWORD),
                 400, "InvalidParameter.Password")
    expect_error(lambda: ram.call("ChangePassword", OldPassword=PASSWORD, NewPassword="Other-Passw0rd!1"),
                 403, "Forbidden.NotRAMUser")


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_account_alias(fresh_server, flavour):
    srv = fresh_server()
    ram = make_client(flavour, srv)
    assert ram.call("GetAccountAlias")["AccountAlias"] == srv.account_id
    assert ram.call("SetAccountAlias", AccountAlias="compat-corp").get("RequestId")
    assert ram.call("GetAccountAlias")["AccountAlias"] == "compat-corp"
    expect_error(lambda: ram.call("SetAccountAlias", AccountAlias="ab"), 400,
                 "InvalidParameter.AccountAlias.Length")
    expect_error(lambda: ram.call("SetAccountAlias", AccountAlias="Upper-Case"), 400,
                 "InvalidParameter.AccountAlias.InvalidChars")
    expect_error(lambda: ram.call("SetAccountAlias", AccountAlias="-edge"), 400,
                 "InvalidParameter.AccountAlias.Format")
    assert ram.call("ClearAccountAlias").get("RequestId")
    assert ram.call("GetAccountAlias")["AccountAlias"] == srv.account_id


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_security_preference(fresh_server, flavour):
    srv = fresh_server()
    ram = make_client(flavour, srv)
    pref = ram.call("GetSecurityPreference")["SecurityPreference"]
    assert pref["LoginProfilePreference"]["AllowUserToChangePassword"] is True
    assert pref["LoginProfilePreference"]["LoginSessionDuration"] == 6
    assert pref["AccessKeyPreference"]["AllowUserToManageAccessKeys"] is False
    assert pref["MFAPreference"]["AllowUserToManageMFADevices"] is True
    assert pref["PublicKeyPreference"]["AllowUserToManagePublicKeys"] is False

    user = _user_client(flavour, srv, ram, "selfservice")
    expect_error(lambda: user.call("ListAccessKeys"), 403, "NoPermission")
    body = ram.call("SetSecurityPreference", AllowUserToManageAccessKeys=True,
                    AllowUserToChangePassword=False, LoginSessionDuration=3,
                    LoginNetworkMasks="10.0.0.0/8;127.0.0.0/8", EnableSaveMFATicket=True)
    p = body["SecurityPreference"]
    assert p["AccessKeyPreference"]["AllowUserToManageAccessKeys"] is True
    assert p["LoginProfilePreference"] == {
        "AllowUserToChangePassword": False, "EnableSaveMFATicket": True,
        "LoginNetworkMasks": "10.0.0.0/8;127.0.0.0/8", "LoginSessionDuration": 3}
    assert p["MFAPreference"]["AllowUserToManageMFADevices"] is True
    assert ram.call("GetSecurityPreference")["SecurityPreference"] == p
    # Users now manage their own keys, without a policy.
    keys = user.call("ListAccessKeys")["AccessKeys"]["AccessKey"]
    assert len(keys) == 1
    # ... and may no longer change their passwords.
    expect_error(lambda: user.call("ChangePassword", OldPassword=PASSWORD, NewPassword="Next-Passw0rd!1"),
                 403, "NoPermission")
    expect_error(lambda: ram.call("SetSecurityPreference", LoginSessionDuration=30), 400,
                 "InvalidParameter.LoginSessionDuration")
    expect_error(lambda: ram.call("SetSecurityPreference", LoginNetworkMasks="not-a-mask"), 400,
                 "InvalidParameter.LoginNetworkMasks")
    # Settings are the account's: a user without a policy may not read them.
    expect_error(lambda: user.call("GetPasswordPolicy"), 403, "NoPermission")


# --------------------------------------------------------------------------
# the legacy per-product SDK: aliyun-python-sdk-ram typed requests
# --------------------------------------------------------------------------

def _legacy(srv, request, ak=None, sk=None):
    from aliyunsdkcore.acs_exception.exceptions import ServerException
    from aliyunsdkcore.client import AcsClient

    from ramclients import ApiError

    client = AcsClient(ak or srv.access_key_id, sk or srv.access_key_secret, "cn-hangzhou",
                       auto_retry=False, max_retry_time=0)
    request.set_endpoint(srv.endpoint)
    request.set_protocol_type("http")
    request.set_accept_format("JSON")
    try:
        return json.loads(client.do_action_with_exception(request))
    except ServerException as e:
        raise ApiError("legacy", e.get_http_status(), e.get_error_code(), e.get_error_msg(),
                       e.get_request_id()) from None


def test_legacy_ram_sdk_typed_requests(fresh_server):
    from aliyunsdkram.request.v20150501 import (
        ChangePasswordRequest, ClearAccountAliasRequest, CreateAccessKeyRequest,
        CreateLoginProfileRequest, CreateUserRequest, GetAccountAliasRequest,
        GetPasswordPolicyRequest, GetSecurityPreferenceRequest, SetAccountAliasRequest,
        SetPasswordPolicyRequest, SetSecurityPreferenceRequest)

    srv = fresh_server()
    r = SetPasswordPolicyRequest.SetPasswordPolicyRequest()
    r.set_MinimumPasswordLength(9)
    r.set_RequireNumbers(True)
    r.set_MaxLoginAttemps(4)
    r.set_HardExpiry(True)
    r.set_MaxPasswordAge(30)
    r.set_PasswordReusePrevention(1)
    r.set_RequireSymbols(False)
    r.set_RequireLowercaseCharacters(False)
    r.set_RequireUppercaseCharacters(False)
    assert _legacy(srv, r)["PasswordPolicy"]["MaxLoginAttemps"] == 4
    p = _legacy(srv, GetPasswordPolicyRequest.GetPasswordPolicyRequest())["PasswordPolicy"]
    assert (p["MinimumPasswordLength"], p["RequireNumbers"], p["HardExpiry"], p["MaxPasswordAge"]) == \
        (9, True, True, 30)

    r = SetAccountAliasRequest.SetAccountAliasRequest()
    r.set_AccountAlias("legacy-corp")
    _legacy(srv, r)
    assert _legacy(srv, GetAccountAliasRequest.GetAccountAliasRequest())["AccountAlias"] == "legacy-corp"
    _legacy(srv, ClearAccountAliasRequest.ClearAccountAliasRequest())
    assert _legacy(srv, GetAccountAliasRequest.GetAccountAliasRequest())["AccountAlias"] == srv.account_id

    r = SetSecurityPreferenceRequest.SetSecurityPreferenceRequest()
    r.set_LoginSessionDuration(12)
    r.set_AllowUserToManageMFADevices(False)
    _legacy(srv, r)
    pref = _legacy(srv, GetSecurityPreferenceRequest.GetSecurityPreferenceRequest())["SecurityPreference"]
    assert pref["LoginProfilePreference"]["LoginSessionDuration"] == 12
    assert pref["MFAPreference"]["AllowUserToManageMFADevices"] is False

    r = CreateUserRequest.CreateUserRequest()
    r.set_UserName("legacy-user")
    _legacy(srv, r)
    r = CreateLoginProfileRequest.CreateLoginProfileRequest()
    r.set_UserName("legacy-user")
    r.set_Password("Legacy-Passw0rd")
    _legacy(srv, r)
    r = CreateAccessKeyRequest.CreateAccessKeyRequest()
    r.set_UserName("legacy-user")
    k = _legacy(srv, r)["AccessKey"]
    r = ChangePasswordRequest.ChangePasswordRequest()
    r.set_OldPassword("Legacy-Passw0rd")
    r.set_NewPassword("Legacy-Passw0rd2")
    assert _legacy(srv, r, k["AccessKeyId"], k["AccessKeySecret"]).get("RequestId")
    # The new password works at the next change; the old one no longer.
    r = ChangePasswordRequest.ChangePasswordRequest()
    r.set_OldPassword("Legacy-Passw0rd")
    r.set_NewPassword("Legacy-Passw0rd3")
    expect_error(lambda: _legacy(srv, r, k["AccessKeyId"], k["AccessKeySecret"]), 400,
                 "InvalidParameter.OldPassword")


def test_console_logon_with_the_alias(fresh_server):
    """The console logon name may use the alias instead of the account id."""
    import urllib.request

    srv = fresh_server()
    ram = CoreRam(srv.endpoint, srv.access_key_id, srv.access_key_secret)
    ram.call("CreateUser", UserName="console-user")
    ram.call("CreateLoginProfile", UserName="console-user", Password=PASSWORD)
    ram.call("SetAccountAlias", AccountAlias="console-corp")

    def logon(name):
        data = f"LoginName={name}&Password={PASSWORD.replace('!', '%21')}".encode()
        req = urllib.request.Request(srv.base_url + "/console/api/login", data=data, method="POST",
                                     headers={"Origin": srv.base_url,
                                              "Content-Type": "application/x-www-form-urlencoded"})
        try:
            with urllib.request.urlopen(req) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    status, body = logon("console-user@console-corp.onaliyun.com")
    assert status == 200, body
    assert body["Principal"]["UserName"] == "console-user"
    status, body = logon(f"console-user@{srv.account_id}.onaliyun.com")
    assert status == 200, body
    ram.call("ClearAccountAlias")
    status, body = logon("console-user@console-corp.onaliyun.com")
    assert status == 401, body
