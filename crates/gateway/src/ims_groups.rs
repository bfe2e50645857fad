//! IMS user groups, on the RAM domain code: members by
//! `UserPrincipalName`, groups with a `DisplayName`, in IMS's response
//! shapes.

use rampart_core::ram::{CreateGroup, GroupView, Page, UpdateGroup};
use rampart_core::ApiError;
use serde_json::{json, Map, Value};

use crate::on;
use crate::ram::Paging;
use crate::request;
use crate::{Ctx, Output};

/// A group as IMS shows it: RAM's fields and its display name.
fn group_json(g: GroupView) -> Result<Value, ApiError> {
    let display = g.display_name.clone();
    let mut v = serde_json::to_value(&g).map_err(ApiError::internal)?;
    if let Some(o) = v.as_object_mut() {
        o.insert("DisplayName".into(), Value::String(display));
    }
    Ok(v)
}

fn one_group(g: GroupView) -> Result<Output, ApiError> {
    let mut m = Map::new();
    m.insert("Group".into(), group_json(g)?);
    Ok(m.into())
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
) -> Result<Output, ApiError> {
    one_group(ctx.rampart.create_group(CreateGroup {
        group_name: r.group_name,
        comments: r.comments,
        display_name: r.display_name,
    })?)
}

pub(crate) fn get_group(
    ctx: &Ctx<'_>,
    on::Group(group): on::Group,
    (): (),
) -> Result<Output, ApiError> {
    one_group(ctx.rampart.get_group(&group)?)
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
) -> Result<Output, ApiError> {
    one_group(ctx.rampart.update_group(UpdateGroup {
        group_name: group,
        new_group_name: r.new_group_name,
        new_comments: r.new_comments,
        new_display_name: r.new_display_name,
    })?)
}

pub(crate) fn list_groups(ctx: &Ctx<'_>, _: on::Groups, r: Paging) -> Result<Output, ApiError> {
    let Page { items, next_marker } = ctx.rampart.list_groups(r.marker.as_deref(), r.max_items)?;
    let items = items
        .into_iter()
        .map(group_json)
        .collect::<Result<Vec<_>, _>>()?;
    crate::respond::page("Groups", "Group", Page { items, next_marker })
}

pub(crate) fn list_groups_for_user(
    ctx: &Ctx<'_>,
    on::NamedUpn(user): on::NamedUpn,
    (): (),
) -> Result<Output, ApiError> {
    let groups: Vec<Value> = ctx
        .rampart
        .list_groups_for_user(&user)?
        .into_iter()
        .map(|g| {
            json!({
                "GroupId": g.group_id,
                "GroupName": g.group_name,
                "Comments": g.comments,
                "DisplayName": g.display_name,
                "JoinDate": g.join_date,
            })
        })
        .collect();
    crate::respond::list("Groups", "Group", groups)
}

pub(crate) fn list_users_for_group(
    ctx: &Ctx<'_>,
    on::Group(group): on::Group,
    r: Paging,
) -> Result<Output, ApiError> {
    let domain = ctx.rampart.default_domain()?;
    let Page { items, next_marker } =
        ctx.rampart
            .list_users_for_group(&group, r.marker.as_deref(), r.max_items)?;
    let items = items
        .into_iter()
        .map(|u| {
            json!({
                "UserPrincipalName": format!("{}@{domain}", u.user_name),
                "UserId": u.user_id,
                "DisplayName": u.display_name,
                "JoinDate": u.join_date,
            })
        })
        .collect();
    crate::respond::page("Users", "User", Page { items, next_marker })
}
