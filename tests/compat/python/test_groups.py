"""Groups: CreateGroup, GetGroup, UpdateGroup, DeleteGroup, ListGroups,
AddUserToGroup, RemoveUserFromGroup, ListGroupsForUser, ListUsersForGroup,
through every Python SDK flavour."""
from ramclients import assert_date, expect_error


def _all_groups(ram):
    names, marker = [], None
    for _ in range(1000):
        body = ram.call("ListGroups", Marker=marker)
        assert body.get("RequestId")
        assert isinstance(body.get("IsTruncated"), bool)
        for g in body.get("Groups", {}).get("Group", []):
            names.append(g["GroupName"])
        if not body["IsTruncated"]:
            return names
        marker = body["Marker"]
    raise AssertionError("ListGroups paging does not terminate")


def test_group_lifecycle(ram, uniq):
    group = uniq("grp")
    user = uniq("member")

    body = ram.call("CreateGroup", GroupName=group, Comments="group comments")
    assert body.get("RequestId")
    g = body["Group"]
    assert g["GroupName"] == group
    assert g["Comments"] == "group comments"
    assert g.get("GroupId")
    assert_date(g.get("CreateDate"), "CreateDate")
    group_id = g["GroupId"]

    expect_error(lambda: ram.call("CreateGroup", GroupName=group), 409, "EntityAlreadyExists.Group")

    g = ram.call("GetGroup", GroupName=group)["Group"]
    assert (g["GroupName"], g["GroupId"], g["Comments"]) == (group, group_id, "group comments")
    assert_date(g.get("CreateDate"), "CreateDate")
    assert_date(g.get("UpdateDate"), "UpdateDate")

    new_group = uniq("grp2")
    body = ram.call("UpdateGroup", GroupName=group, NewGroupName=new_group, NewComments="new comments")
    assert body.get("RequestId")
    g = body["Group"]
    assert (g["GroupName"], g["Comments"]) == (new_group, "new comments")
    assert g.get("GroupId") == group_id
    assert_date(g.get("UpdateDate"), "UpdateDate")
    expect_error(lambda: ram.call("GetGroup", GroupName=group), 404, "EntityNotExist.Group")
    g = ram.call("GetGroup", GroupName=new_group)["Group"]
    assert (g["GroupName"], g["Comments"]) == (new_group, "new comments")

    names = _all_groups(ram)
    assert new_group in names and group not in names

    # membership
    ram.call("CreateUser", UserName=user, DisplayName="Member Display")
    body = ram.call("AddUserToGroup", GroupName=new_group, UserName=user)
    assert body.get("RequestId")

    body = ram.call("ListGroupsForUser", UserName=user)
    assert body.get("RequestId")
    groups = body["Groups"]["Group"]
    assert [x["GroupName"] for x in groups] == [new_group]
    assert groups[0]["Comments"] == "new comments"
    assert_date(groups[0].get("JoinDate"), "JoinDate")

    body = ram.call("ListUsersForGroup", GroupName=new_group)
    assert body.get("RequestId")
    users = body["Users"]["User"]
    assert [x["UserName"] for x in users] == [user]
    assert users[0]["DisplayName"] == "Member Display"
    assert_date(users[0].get("JoinDate"), "JoinDate")

    expect_error(lambda: ram.call("DeleteUser", UserName=user), 409, "DeleteConflict.User.Group")

    body = ram.call("RemoveUserFromGroup", GroupName=new_group, UserName=user)
    assert body.get("RequestId")
    assert ram.call("ListGroupsForUser", UserName=user).get("Groups", {}).get("Group", []) == []
    assert ram.call("ListUsersForGroup", GroupName=new_group).get("Users", {}).get("User", []) == []

    ram.call("DeleteUser", UserName=user)
    body = ram.call("DeleteGroup", GroupName=new_group)
    assert body.get("RequestId")
    expect_error(lambda: ram.call("GetGroup", GroupName=new_group), 404, "EntityNotExist.Group")
    assert new_group not in _all_groups(ram)


def test_list_groups_paging(ram, uniq):
    groups = [uniq("gpage") for _ in range(3)]
    for g in groups:
        ram.call("CreateGroup", GroupName=g)
    seen, marker = [], None
    for _ in range(1000):
        body = ram.call("ListGroups", MaxItems=1, Marker=marker)
        page = body.get("Groups", {}).get("Group", [])
        assert len(page) <= 1
        seen += [g["GroupName"] for g in page]
        if not body["IsTruncated"]:
            assert "Marker" not in body
            break
        assert body.get("Marker")
        marker = body["Marker"]
    assert len(seen) == len(set(seen))
    for g in groups:
        assert g in seen
        ram.call("DeleteGroup", GroupName=g)


def test_get_missing_group(ram, uniq):
    expect_error(lambda: ram.call("GetGroup", GroupName=uniq("nogroup")), 404, "EntityNotExist.Group")


def test_add_missing_user_to_group(ram, uniq):
    group = uniq("grp")
    ram.call("CreateGroup", GroupName=group)
    expect_error(lambda: ram.call("AddUserToGroup", GroupName=group, UserName=uniq("nouser")),
                 404, "EntityNotExist.User")
    ram.call("DeleteGroup", GroupName=group)
