"""Users: CreateUser, GetUser, UpdateUser, DeleteUser, ListUsers (paging),
and the user-level RAM errors, through every Python SDK flavour."""
from ramclients import assert_date, expect_error


def test_root_credentials_file(server):
    creds = server.root_credentials
    assert set(creds) >= {"AccountId", "AccessKeyId", "AccessKeySecret", "ConsolePassword"}
    assert all(isinstance(creds[k], str) and creds[k] for k in
               ("AccountId", "AccessKeyId", "AccessKeySecret", "ConsolePassword"))
    assert server.credentials_mode == 0o600, f"root-credentials.json mode is {oct(server.credentials_mode)}"


def test_user_lifecycle(ram, uniq):
    name = uniq("user")
    body = ram.call("CreateUser", UserName=name, DisplayName="Display " + name,
                    MobilePhone="86-18600008888", Email="someone@example.com",
                    Comments="created by the compat suite")
    assert body.get("RequestId")
    u = body["User"]
    assert u["UserName"] == name
    assert u["DisplayName"] == "Display " + name
    assert u["MobilePhone"] == "86-18600008888"
    assert u["Email"] == "someone@example.com"
    assert u["Comments"] == "created by the compat suite"
    assert u.get("UserId")
    assert_date(u.get("CreateDate"), "CreateDate")
    user_id = u["UserId"]

    body = ram.call("GetUser", UserName=name)
    assert body.get("RequestId")
    u = body["User"]
    assert (u["UserName"], u["UserId"], u["DisplayName"]) == (name, user_id, "Display " + name)
    assert u["Comments"] == "created by the compat suite"
    assert_date(u.get("CreateDate"), "CreateDate")
    assert_date(u.get("UpdateDate"), "UpdateDate")

    new_name = uniq("renamed")
    body = ram.call("UpdateUser", UserName=name, NewUserName=new_name,
                    NewDisplayName="New Display", NewComments="updated",
                    NewEmail="other@example.com", NewMobilePhone="86-18600009999")
    assert body.get("RequestId")
    u = body["User"]
    assert u["UserName"] == new_name
    assert u["UserId"] == user_id
    assert u["DisplayName"] == "New Display"
    assert u["Comments"] == "updated"
    assert u["Email"] == "other@example.com"
    assert u["MobilePhone"] == "86-18600009999"
    assert_date(u.get("UpdateDate"), "UpdateDate")

    expect_error(lambda: ram.call("GetUser", UserName=name), 404, "EntityNotExist.User")
    u = ram.call("GetUser", UserName=new_name)["User"]
    assert (u["UserName"], u["DisplayName"], u["Comments"]) == (new_name, "New Display", "updated")

    body = ram.call("DeleteUser", UserName=new_name)
    assert body.get("RequestId")
    expect_error(lambda: ram.call("GetUser", UserName=new_name), 404, "EntityNotExist.User")
    expect_error(lambda: ram.call("DeleteUser", UserName=new_name), 404, "EntityNotExist.User")


def test_update_user_partial_keeps_other_fields(ram, uniq):
    name = uniq("user")
    ram.call("CreateUser", UserName=name, DisplayName="Keep Me", Comments="old")
    u = ram.call("UpdateUser", UserName=name, NewComments="new")["User"]
    assert (u["UserName"], u["DisplayName"], u["Comments"]) == (name, "Keep Me", "new")
    ram.call("DeleteUser", UserName=name)


def test_list_users_paging(ram, uniq):
    names = [uniq("page") for _ in range(3)]
    for n in names:
        ram.call("CreateUser", UserName=n)

    seen = []
    marker = None
    pages = 0
    while True:
        pages += 1
        assert pages < 1000, "ListUsers paging does not terminate"
        body = ram.call("ListUsers", MaxItems=1, Marker=marker)
        assert body.get("RequestId")
        users = body.get("Users", {}).get("User", [])
        assert len(users) <= 1, f"MaxItems=1 returned {len(users)} users"
        assert isinstance(body.get("IsTruncated"), bool), f"IsTruncated = {body.get('IsTruncated')!r}"
        for u in users:
            assert u.get("UserName") and u.get("UserId")
            assert_date(u.get("CreateDate"), "CreateDate")
            seen.append(u["UserName"])
        if body["IsTruncated"]:
            assert len(users) == 1
            assert body.get("Marker"), "IsTruncated is true but no Marker"
            marker = body["Marker"]
        else:
            assert "Marker" not in body, f"Marker {body.get('Marker')!r} present although IsTruncated is false"
            break
    assert len(seen) == len(set(seen)), f"a user appeared twice while paging: {seen}"
    for n in names:
        assert n in seen, f"{n} missing from the paged listing"

    # one large page returns them all at once and is not truncated
    body = ram.call("ListUsers", MaxItems=1000)
    all_names = [u["UserName"] for u in body["Users"]["User"]]
    assert body["IsTruncated"] is False
    for n in names:
        assert n in all_names

    for n in names:
        ram.call("DeleteUser", UserName=n)


def test_get_missing_user(ram, uniq):
    expect_error(lambda: ram.call("GetUser", UserName=uniq("missing")), 404, "EntityNotExist.User")


def test_duplicate_user(ram, uniq):
    name = uniq("dup")
    ram.call("CreateUser", UserName=name)
    expect_error(lambda: ram.call("CreateUser", UserName=name), 409, "EntityAlreadyExists.User")
    ram.call("DeleteUser", UserName=name)


def test_invalid_user_name_chars(ram):
    expect_error(lambda: ram.call("CreateUser", UserName="bad name!"), 400,
                 "InvalidParameter.UserName.InvalidChars")
