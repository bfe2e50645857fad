//! IMS user groups, on the RAM domain code: members by
//! `UserPrincipalName`, groups with a `DisplayName`, in IMS's response
//! shapes.

use rampart_core::ram::{CreateGroup, GroupView, Page, UpdateGroup};
use rampart_core::ApiError;
use serde::Serialize;

use crate::on;
use crate::ram::Paging;
use crate::request;
use crate::respond::{key, Listed, One, Paged};
use crate::Ctx;

/// A group as IMS shows it: RAM's fields, then its display name.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct ImsGroupView {
    #[serde(flatten)]
    group: GroupView,
    display_name: String,
}

impl From<GroupView> for ImsGroupView {
    fn from(g: GroupView) -> Self {
        Self {
            display_name: g.display_name.clone(),
            group: g,
        }
    }
}

/// `{"Group": …}`.
type GroupAnswer = One<key::Group, ImsGroupView>;

fn one_group(g: GroupView) -> GroupAnswer {
    One::new(g.into())
}

request! {
    /// IMS's `CreateGroup`.
    pub(crate) struct ImsNewGroup {
        group_name: String = required("GroupName"),
        comments: Option<String> = opt("Comments"),
        display_name: Option<String> = opt("DisplayName"),
    }
}

pub(crate) fn create_group(
    ctx: &Ctx<'_>,
    _: on::Groups,
    r: ImsNewGroup,
) -> Result<GroupAnswer, ApiError> {
    Ok(one_group(ctx.rampart.create_group(CreateGroup {
        group_name: r.group_name,
        comments: r.comments,
        display_name: r.display_name,
    })?))
}

pub(crate) fn get_group(
    ctx: &Ctx<'_>,
    on::Group(group): on::Group,
    (): (),
) -> Result<GroupAnswer, ApiError> {
    Ok(one_group(ctx.rampart.get_group(&group)?))
}

request! {
    /// IMS's `UpdateGroup`.
    pub(crate) struct ImsGroupUpdate {
        new_group_name: Option<String> = nonempty("NewGroupName"),
        new_comments: Option<String> = opt("NewComments"),
        new_display_name: Option<String> = opt("NewDisplayName"),
    }
}

pub(crate) fn update_group(
    ctx: &Ctx<'_>,
    (on::Group(group), _): (on::Group, on::NewGroupName),
    r: ImsGroupUpdate,
) -> Result<GroupAnswer, ApiError> {
    Ok(one_group(ctx.rampart.update_group(UpdateGroup {
        group_name: group,
        new_group_name: r.new_group_name,
        new_comments: r.new_comments,
        new_display_name: r.new_display_name,
    })?))
}

pub(crate) fn list_groups(
    ctx: &Ctx<'_>,
    _: on::Groups,
    r: Paging,
) -> Result<Paged<key::Groups, key::Group, ImsGroupView>, ApiError> {
    let Page { items, next_marker } = ctx.rampart.list_groups(r.marker.as_deref(), r.max_items)?;
    let items = items.into_iter().map(ImsGroupView::from).collect();
    Ok(Page { items, next_marker }.into())
}

/// A group of a user, in `ListGroupsForUser`: RAM's fields and its
/// display name, before the join date.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct ImsUserGroup {
    group_id: String,
    group_name: String,
    comments: String,
    display_name: String,
    join_date: String,
}

pub(crate) fn list_groups_for_user(
    ctx: &Ctx<'_>,
    on::NamedUpn(user): on::NamedUpn,
    (): (),
) -> Result<Listed<key::Groups, key::Group, ImsUserGroup>, ApiError> {
    let groups = ctx
        .rampart
        .list_groups_for_user(&user)?
        .into_iter()
        .map(|g| ImsUserGroup {
            group_id: g.group_id,
            group_name: g.group_name,
            comments: g.comments,
            display_name: g.display_name,
            join_date: g.join_date,
        })
        .collect();
    Ok(Listed::new(groups))
}

/// A member of a group, in `ListUsersForGroup`: by logon name.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct ImsGroupMember {
    user_principal_name: String,
    user_id: String,
    display_name: String,
    join_date: String,
}

pub(crate) fn list_users_for_group(
    ctx: &Ctx<'_>,
    on::Group(group): on::Group,
    r: Paging,
) -> Result<Paged<key::Users, key::User, ImsGroupMember>, ApiError> {
    let domain = ctx.rampart.default_domain()?;
    let Page { items, next_marker } =
        ctx.rampart
            .list_users_for_group(&group, r.marker.as_deref(), r.max_items)?;
    let items = items
        .into_iter()
        .map(|u| ImsGroupMember {
            user_principal_name: format!("{}@{domain}", u.user_name),
            user_id: u.user_id,
            display_name: u.display_name,
            join_date: u.join_date,
        })
        .collect();
    Ok(Page { items, next_marker }.into())
}
