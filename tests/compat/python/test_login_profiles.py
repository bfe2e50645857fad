"""Login profiles: CreateLoginProfile, GetLoginProfile, UpdateLoginProfile,
DeleteLoginProfile, and the DeleteUser conflict, through every Python SDK
flavour."""
from ramclients import ApiError, assert_date, expect_error

PASSWORD = "Compat-Test-Passw0rd!"


def test_login_profile_lifecycle(ram, uniq):
    user = uniq("lp")
    ram.call("CreateUser", UserName=user)

    body = ram.call("CreateLoginProfile", UserName=user, Password=PASSWORD,
                    PasswordResetRequired=True, MFABindRequired=False)
    assert body.get("RequestId")
    lp = body["LoginProfile"]
    assert lp["UserName"] == user
    assert lp["PasswordResetRequired"] is True
    assert lp["MFABindRequired"] is False
    assert_date(lp.get("CreateDate"), "CreateDate")
    assert "Password" not in lp

    body = ram.call("GetLoginProfile", UserName=user)
    assert body.get("RequestId")
    lp = body["LoginProfile"]
    assert lp["UserName"] == user
    assert lp["PasswordResetRequired"] is True
    assert lp["MFABindRequired"] is False
    assert_date(lp.get("CreateDate"), "CreateDate")
    assert "Password" not in lp
    if getattr(ram, "last_raw", None) is not None:  # raw JSON (core SDK)
        assert PASSWORD not in ram.last_raw.decode()

    # the exact code is not in the references (real RAM: EntityAlreadyExists.User.LoginProfile)
    try:
        ram.call("CreateLoginProfile", UserName=user, Password=PASSWORD)
    except ApiError as e:
        assert e.status == 409 and (e.code or "").startswith("EntityAlreadyExists."), str(e)
    else:
        raise AssertionError("a second CreateLoginProfile succeeded")

    body = ram.call("UpdateLoginProfile", UserName=user, PasswordResetRequired=False,
                    MFABindRequired=True)
    assert body.get("RequestId")
    lp = ram.call("GetLoginProfile", UserName=user)["LoginProfile"]
    assert lp["PasswordResetRequired"] is False
    assert lp["MFABindRequired"] is True

    ram.call("UpdateLoginProfile", UserName=user, Password=PASSWORD + "2")

    expect_error(lambda: ram.call("DeleteUser", UserName=user), 409, "DeleteConflict.User.LoginProfile")

    body = ram.call("DeleteLoginProfile", UserName=user)
    assert body.get("RequestId")
    try:
        ram.call("GetLoginProfile", UserName=user)
    except ApiError as e:
        assert e.status == 404 and (e.code or "").startswith("EntityNotExist."), str(e)
    else:
        raise AssertionError("GetLoginProfile succeeded after DeleteLoginProfile")
    ram.call("DeleteUser", UserName=user)


def test_login_profile_for_missing_user(ram, uniq):
    expect_error(lambda: ram.call("CreateLoginProfile", UserName=uniq("nouser"), Password=PASSWORD),
                 404, "EntityNotExist.User")
