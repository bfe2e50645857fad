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
    # SetDefaultDomain is the alias by another name.
    d = ims.call("SetDefaultDomain", DefaultDomainName="ims-dom.onaliyun.com")
    assert d["DefaultDomainName"] == "ims-dom.onaliyun.com"
    assert ram.call("GetAccountAlias")["AccountAlias"] == "ims-dom"
    expect_error(lambda: ims.call("SetDefaultDomain", DefaultDomainName="ims-dom.example.com"), 400,
                 "InvalidParameter.DefaultDomainName.Format")
    e = expect_error(lambda: ims.call("SetDefaultDomain", DefaultDomainName="-dom-.onaliyun.com"), 400,
                     "InvalidParameter.DefaultDomainName.Format")
    assert "DefaultDomainName" in str(e) and "AccountAlias" not in str(e)
    ims.call("SetDefaultDomain", DefaultDomainName=f"{srv.account_id}.onaliyun.com")
    assert ram.call("GetAccountAlias")["AccountAlias"] == srv.account_id
    ims.call("SetDefaultDomain", DefaultDomainName="ims-corp.onaliyun.com")

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
    expect_error(lambda: ims.call("GenerateCredentialReport"), 400, "InvalidAction.NotImplemented")


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_ims_users_login_profiles_and_keys(server, flavour, uniq):
    ims = make_client(flavour, server, product="ims")
    ram = make_client(flavour, server)
    name = uniq("imsu")
    upn = f"{name}@{server.account_id}.onaliyun.com"
    u = ims.call("CreateUser", UserPrincipalName=upn, DisplayName="IMS User", Comments="made by IMS")["User"]
    assert u["UserPrincipalName"] == upn and u["DisplayName"] == "IMS User"
    assert ram.call("GetUser", UserName=name)["User"]["UserId"] == u["UserId"]
    got = ims.call("GetUser", UserPrincipalName=f"{name}@{server.account_id}.ONALIYUN.COM")["User"]
    assert got["UserPrincipalName"] == upn and got["UserId"] == u["UserId"]
    expect_error(lambda: ims.call("CreateUser", UserPrincipalName=f"{name}@elsewhere.onaliyun.com",
                                  DisplayName="x"), 400, "InvalidParameter.UserPrincipalName.Format")
    listed = ims.call("ListUsers", MaxItems=1000)["Users"]["User"]
    assert any(x["UserPrincipalName"] == upn and x["Status"] == "active" for x in listed)

    lp = ims.call("CreateLoginProfile", UserPrincipalName=upn, Password="Ims-Users-Passw0rd!",
                  PasswordResetRequired=True)["LoginProfile"]
    assert lp["UserPrincipalName"] == upn and lp["PasswordResetRequired"] is True
    assert lp["Status"] == "Active"
    ims.call("UpdateLoginProfile", UserPrincipalName=upn, PasswordResetRequired=False)
    assert ims.call("GetLoginProfile", UserPrincipalName=upn)["LoginProfile"]["PasswordResetRequired"] is False
    expect_error(lambda: ims.call("UpdateLoginProfile", UserPrincipalName=upn, Status="Inactive"), 400,
                 "InvalidParameter.Status")

    k = ims.call("CreateAccessKey", UserPrincipalName=upn)["AccessKey"]
    assert k["AccessKeySecret"] and k["Status"] == "Active"
    keys = ims.call("ListAccessKeys", UserPrincipalName=upn)["AccessKeys"]["AccessKey"]
    assert [x["AccessKeyId"] for x in keys] == [k["AccessKeyId"]]
    ims.call("UpdateAccessKey", UserPrincipalName=upn, UserAccessKeyId=k["AccessKeyId"], Status="Inactive")
    ims.call("DeleteAccessKey", UserPrincipalName=upn, UserAccessKeyId=k["AccessKeyId"])
    expect_error(lambda: ims.call("DeleteUser", UserPrincipalName=upn), 409, "DeleteConflict.User.LoginProfile")
    ims.call("DeleteLoginProfile", UserPrincipalName=upn)
    ims.call("DeleteUser", UserPrincipalName=upn)
    expect_error(lambda: ims.call("GetUser", UserPrincipalName=upn), 404, "EntityNotExist.User")


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_ims_get_user_by_id_or_key_and_update_user(server, flavour, uniq):
    ims = make_client(flavour, server, product="ims")
    ram = make_client(flavour, server)
    name = uniq("imsupd")
    domain = f"{server.account_id}.onaliyun.com"
    u = ims.call("CreateUser", UserPrincipalName=f"{name}@{domain}", DisplayName="Before")["User"]
    k = ram.call("CreateAccessKey", UserName=name)["AccessKey"]
    assert ims.call("GetUser", UserId=u["UserId"])["User"]["UserName"] == name
    assert ims.call("GetUser", UserAccessKeyId=k["AccessKeyId"])["User"]["UserId"] == u["UserId"]
    expect_error(lambda: ims.call("GetUser", UserId="no-such-user"), 404, "EntityNotExist.User")

    renamed = name + "-r"
    got = ims.call("UpdateUser", UserPrincipalName=f"{name}@{domain}",
                   NewUserPrincipalName=f"{renamed}@{domain}", NewDisplayName="After",
                   NewComments="updated by IMS")["User"]
    assert got["UserPrincipalName"] == f"{renamed}@{domain}"
    assert (got["DisplayName"], got["Comments"]) == ("After", "updated by IMS")
    got = ims.call("UpdateUser", UserId=u["UserId"], NewEmail="after@example.com")["User"]
    assert got["Email"] == "after@example.com" and got["UserPrincipalName"] == f"{renamed}@{domain}"
    assert ram.call("GetUser", UserName=renamed)["User"]["DisplayName"] == "After"
    expect_error(lambda: ims.call("UpdateUser", UserId=u["UserId"],
                                  NewUserPrincipalName=f"{renamed}@elsewhere.onaliyun.com"),
                 400, "InvalidParameter.UserPrincipalName.Format")
    ram.call("DeleteAccessKey", UserName=renamed, UserAccessKeyId=k["AccessKeyId"])
    ims.call("DeleteUser", UserPrincipalName=f"{renamed}@{domain}")


def _lists(flavour, **params):
    """Lists as the SDK takes them: the Tea models take lists (of dicts),
    CommonRequest the flattened names (`X.N`, `Tag.N.Key`)."""
    if flavour != "core":
        return params
    out = {}
    for k, v in params.items():
        if isinstance(v, list):
            for i, item in enumerate(v, 1):
                if isinstance(item, dict):
                    for sub, val in item.items():
                        out[f"{k}.{i}.{sub}"] = val
                else:
                    out[f"{k}.{i}"] = item
        else:
            out[k] = v
    return out


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_ims_user_tags(server, flavour, uniq):
    ims = make_client(flavour, server, product="ims")
    domain = f"{server.account_id}.onaliyun.com"
    a, b = f"{uniq('imstag')}@{domain}", f"{uniq('imstag')}@{domain}"
    ua = ims.call("CreateUser", **_lists(flavour, UserPrincipalName=a, DisplayName="A",
                                         Tag=[{"Key": "env", "Value": "prod"}]))["User"]
    ims.call("CreateUser", UserPrincipalName=b, DisplayName="B")
    tags = ims.call("GetUser", UserPrincipalName=a)["User"]["Tags"]["Tag"]
    assert tags == [{"TagKey": "env", "TagValue": "prod"}]

    ims.call("TagResources", **_lists(flavour, ResourceType="user", ResourcePrincipalName=[a, b],
                                      Tag=[{"Key": "team", "Value": "blue"}]))
    listed = ims.call("ListTagResources", **_lists(flavour, ResourceType="user",
                                                   ResourcePrincipalName=[a]))
    got = [(t["ResourceId"], t["TagKey"], t["TagValue"]) for t in listed["TagResources"]["TagResource"]]
    assert got == [(ua["UserId"], "env", "prod"), (ua["UserId"], "team", "blue")]
    assert listed["IsTruncated"] is False
    by_id = ims.call("ListTagResources", **_lists(flavour, ResourceType="user", ResourceId=[ua["UserId"]],
                                                  Tag=[{"Key": "env", "Value": "prod"}]))
    assert len(by_id["TagResources"]["TagResource"]) == 2

    ims.call("UntagResources", **_lists(flavour, ResourceType="user", ResourcePrincipalName=[a, b],
                                        TagKey=["team"]))
    listed = ims.call("ListTagResources", **_lists(flavour, ResourceType="user", ResourcePrincipalName=[b]))
    assert listed["TagResources"]["TagResource"] == []
    expect_error(lambda: ims.call("TagResources", **_lists(
        flavour, ResourceType="user", ResourcePrincipalName=[a],
        Tag=[{"Key": f"k{n}", "Value": "v"} for n in range(20)])), 409, "LimitExceeded.Tag")
    expect_error(lambda: ims.call("TagResources", **_lists(
        flavour, ResourceType="user", ResourcePrincipalName=[f"nobody@{domain}"],
        Tag=[{"Key": "k", "Value": "v"}])), 404, "EntityNotExist.User")
    ims.call("UntagResources", **_lists(flavour, ResourceType="user", ResourcePrincipalName=[a], All=True))
    ims.call("DeleteUser", UserPrincipalName=a)
    ims.call("DeleteUser", UserPrincipalName=b)


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_ims_list_user_basic_infos(fresh_server, flavour):
    srv = fresh_server()
    ims = make_client(flavour, srv, product="ims")
    for n in ("basic1", "basic2", "basic3"):
        ims.call("CreateUser", UserPrincipalName=f"{n}@{srv.account_id}.onaliyun.com", DisplayName=n)
    first = ims.call("ListUserBasicInfos", MaxItems=2)
    infos = first["UserBasicInfos"]["UserBasicInfo"]
    assert [i["UserPrincipalName"] for i in infos] == [f"basic{n}@{srv.account_id}.onaliyun.com" for n in (1, 2)]
    assert infos[0]["UserId"] and infos[0]["Status"] == "active"
    assert first["IsTruncated"] is True
    rest = ims.call("ListUserBasicInfos", Marker=first["Marker"])
    assert [i["DisplayName"] for i in rest["UserBasicInfos"]["UserBasicInfo"]] == ["basic3"]
    assert rest["IsTruncated"] is False


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_ims_groups_and_members(server, flavour, uniq):
    ims = make_client(flavour, server, product="ims")
    ram = make_client(flavour, server)
    group, user = uniq("imsg"), uniq("imsgu")
    upn = f"{user}@{server.account_id}.onaliyun.com"
    ims.call("CreateUser", UserPrincipalName=upn, DisplayName="Group Member")
    g = ims.call("CreateGroup", GroupName=group, DisplayName="Ops team", Comments="made by IMS")["Group"]
    assert (g["GroupName"], g["DisplayName"], g["Comments"]) == (group, "Ops team", "made by IMS")
    assert g["GroupId"] and g["CreateDate"] and g["UpdateDate"]
    # The same group through RAM, which has no display name.
    r = ram.call("GetGroup", GroupName=group)["Group"]
    assert r["GroupId"] == g["GroupId"] and "DisplayName" not in r
    expect_error(lambda: ims.call("CreateGroup", GroupName=group), 409, "EntityAlreadyExists.Group")
    expect_error(lambda: ims.call("CreateGroup", GroupName=uniq("imsg"), DisplayName="x" * 25), 400,
                 "InvalidParameter.DisplayName")

    ims.call("AddUserToGroup", GroupName=group, UserPrincipalName=upn)
    members = ims.call("ListUsersForGroup", GroupName=group)["Users"]["User"]
    assert [(m["UserPrincipalName"], m["DisplayName"]) for m in members] == [(upn, "Group Member")]
    assert members[0]["UserId"] and members[0]["JoinDate"]
    mine = ims.call("ListGroupsForUser", UserPrincipalName=upn)["Groups"]["Group"]
    assert [(x["GroupName"], x["DisplayName"]) for x in mine] == [(group, "Ops team")]
    assert [x["GroupName"] for x in ram.call("ListGroupsForUser", UserName=user)["Groups"]["Group"]] == [group]

    renamed = uniq("imsg")
    u = ims.call("UpdateGroup", GroupName=group, NewGroupName=renamed, NewDisplayName="Ops",
                 NewComments="renamed")["Group"]
    assert (u["GroupName"], u["DisplayName"], u["Comments"]) == (renamed, "Ops", "renamed")
    assert ims.call("GetGroup", GroupName=renamed)["Group"]["DisplayName"] == "Ops"
    listed = ims.call("ListGroups", MaxItems=100)
    assert any(x["GroupName"] == renamed and x["DisplayName"] == "Ops" for x in listed["Groups"]["Group"])
    expect_error(lambda: ims.call("GetGroup", GroupName=group), 404, "EntityNotExist.Group")

    expect_error(lambda: ims.call("DeleteGroup", GroupName=renamed), 409, "DeleteConflict.Group.User")
    ims.call("RemoveUserFromGroup", GroupName=renamed, UserPrincipalName=upn)
    assert ims.call("ListUsersForGroup", GroupName=renamed)["Users"]["User"] == []
    ims.call("DeleteGroup", GroupName=renamed)
    ims.call("DeleteUser", UserPrincipalName=upn)
