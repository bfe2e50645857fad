//! RAM (2015-05-01) actions: parameter decoding, resource ARNs, responses.

use rampart_core::ram::{
    CreateGroup, CreateUser, LoginProfileInput, Page, UpdateGroup, UpdateUser,
};
use rampart_core::{ApiError, Principal};
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::products::ActionSpec;
use crate::{Ctx, Output};

macro_rules! action {
    ($name:literal, $resource:expr, $handler:expr) => {
        ActionSpec {
            name: $name,
            resource: $resource,
            handler: $handler,
        }
    };
}

/// The implemented RAM actions.
pub static ACTIONS: &[ActionSpec] = &[
    action!("CreateUser", all_users, create_user),
    action!("GetUser", user_arn, get_user),
    action!("UpdateUser", user_arn, update_user),
    action!("DeleteUser", user_arn, delete_user),
    action!("ListUsers", all_users, list_users),
    action!("CreateAccessKey", user_arn, create_access_key),
    action!("ListAccessKeys", user_arn, list_access_keys),
    action!("UpdateAccessKey", user_arn, update_access_key),
    action!("DeleteAccessKey", user_arn, delete_access_key),
    action!("GetAccessKeyLastUsed", user_arn, get_access_key_last_used),
    action!("CreateGroup", all_groups, create_group),
    action!("GetGroup", group_arn, get_group),
    action!("UpdateGroup", group_arn, update_group),
    action!("DeleteGroup", group_arn, delete_group),
    action!("ListGroups", all_groups, list_groups),
    action!("AddUserToGroup", group_arn, add_user_to_group),
    action!("RemoveUserFromGroup", group_arn, remove_user_from_group),
    action!("ListGroupsForUser", user_arn, list_groups_for_user),
    action!("ListUsersForGroup", group_arn, list_users_for_group),
    action!("CreateLoginProfile", user_arn, create_login_profile),
    action!("GetLoginProfile", user_arn, get_login_profile),
    action!("UpdateLoginProfile", user_arn, update_login_profile),
    action!("DeleteLoginProfile", user_arn, delete_login_profile),
];

fn ram_arn(ctx: &Ctx<'_>, relative: &str) -> String {
    format!("acs:ram:*:{}:{relative}", ctx.rampart.account_id())
}

/// The user an action is about: `UserName`, or the calling RAM user itself.
fn target_user(ctx: &Ctx<'_>) -> Result<String, ApiError> {
    match (
        ctx.params.get("UserName").filter(|s| !s.is_empty()),
        ctx.principal,
    ) {
        (Some(n), _) => Ok(n.to_string()),
        (None, Principal::User { user_name, .. }) => Ok(user_name.clone()),
        (None, _) => Err(ApiError::missing("UserName")),
    }
}

fn all_users(ctx: &Ctx<'_>) -> Result<String, ApiError> {
    Ok(ram_arn(ctx, "user/*"))
}

fn user_arn(ctx: &Ctx<'_>) -> Result<String, ApiError> {
    Ok(ram_arn(ctx, &format!("user/{}", target_user(ctx)?)))
}

fn all_groups(ctx: &Ctx<'_>) -> Result<String, ApiError> {
    Ok(ram_arn(ctx, "group/*"))
}

fn group_arn(ctx: &Ctx<'_>) -> Result<String, ApiError> {
    Ok(ram_arn(
        ctx,
        &format!("group/{}", ctx.params.required("GroupName")?),
    ))
}

fn field<T: Serialize>(name: &str, v: T) -> Result<Output, ApiError> {
    let mut m = Map::new();
    m.insert(
        name.into(),
        serde_json::to_value(v).map_err(ApiError::internal)?,
    );
    Ok(m)
}

fn empty() -> Result<Output, ApiError> {
    Ok(Map::new())
}

/// `{Outer: {Inner: [...]}, IsTruncated, Marker?}`
fn page<T: Serialize>(outer: &str, inner: &str, p: Page<T>) -> Result<Output, ApiError> {
    let mut m = Map::new();
    let items = serde_json::to_value(p.items).map_err(ApiError::internal)?;
    m.insert(outer.into(), json!({ inner: items }));
    m.insert("IsTruncated".into(), Value::Bool(p.next_marker.is_some()));
    if let Some(marker) = p.next_marker {
        m.insert("Marker".into(), Value::String(marker));
    }
    Ok(m)
}

fn list<T: Serialize>(outer: &str, inner: &str, items: Vec<T>) -> Result<Output, ApiError> {
    let items = serde_json::to_value(items).map_err(ApiError::internal)?;
    let mut m = Map::new();
    m.insert(outer.into(), json!({ inner: items }));
    Ok(m)
}

fn create_user(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    let p = ctx.params;
    let u = ctx.rampart.create_user(CreateUser {
        user_name: p.required("UserName")?.to_string(),
        display_name: p.opt("DisplayName"),
        mobile_phone: p.opt("MobilePhone"),
        email: p.opt("Email"),
        comments: p.opt("Comments"),
    })?;
    field("User", u)
}

fn get_user(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    field("User", ctx.rampart.get_user(&target_user(ctx)?)?)
}

fn update_user(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    let p = ctx.params;
    let u = ctx.rampart.update_user(UpdateUser {
        user_name: target_user(ctx)?,
        new_user_name: p.opt("NewUserName").filter(|s| !s.is_empty()),
        new_display_name: p.opt("NewDisplayName").filter(|s| !s.is_empty()),
        new_mobile_phone: p.opt("NewMobilePhone"),
        new_email: p.opt("NewEmail"),
        new_comments: p.opt("NewComments"),
    })?;
    field("User", u)
}

fn delete_user(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    ctx.rampart.delete_user(ctx.params.required("UserName")?)?;
    empty()
}

fn list_users(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    let p = ctx.params;
    page(
        "Users",
        "User",
        ctx.rampart
            .list_users(p.get("Marker"), p.u32("MaxItems")?)?,
    )
}

fn create_access_key(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    field(
        "AccessKey",
        ctx.rampart.create_access_key(&target_user(ctx)?)?,
    )
}

fn list_access_keys(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    list(
        "AccessKeys",
        "AccessKey",
        ctx.rampart.list_access_keys(&target_user(ctx)?)?,
    )
}

fn update_access_key(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    let p = ctx.params;
    ctx.rampart.update_access_key(
        &target_user(ctx)?,
        p.required("UserAccessKeyId")?,
        p.required("Status")?,
    )?;
    empty()
}

fn delete_access_key(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    ctx.rampart
        .delete_access_key(&target_user(ctx)?, ctx.params.required("UserAccessKeyId")?)?;
    empty()
}

fn get_access_key_last_used(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    let last = ctx
        .rampart
        .access_key_last_used(&target_user(ctx)?, ctx.params.required("UserAccessKeyId")?)?;
    let mut inner = Map::new();
    if let Some(d) = last {
        inner.insert("LastUsedDate".into(), Value::String(d));
    }
    field("AccessKeyLastUsed", Value::Object(inner))
}

fn create_group(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    let p = ctx.params;
    let g = ctx.rampart.create_group(CreateGroup {
        group_name: p.required("GroupName")?.to_string(),
        comments: p.opt("Comments"),
    })?;
    field("Group", g)
}

fn get_group(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    field(
        "Group",
        ctx.rampart.get_group(ctx.params.required("GroupName")?)?,
    )
}

fn update_group(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    let p = ctx.params;
    let g = ctx.rampart.update_group(UpdateGroup {
        group_name: p.required("GroupName")?.to_string(),
        new_group_name: p.opt("NewGroupName").filter(|s| !s.is_empty()),
        new_comments: p.opt("NewComments"),
    })?;
    field("Group", g)
}

fn delete_group(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    ctx.rampart
        .delete_group(ctx.params.required("GroupName")?)?;
    empty()
}

fn list_groups(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    let p = ctx.params;
    page(
        "Groups",
        "Group",
        ctx.rampart
            .list_groups(p.get("Marker"), p.u32("MaxItems")?)?,
    )
}

fn add_user_to_group(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    let p = ctx.params;
    ctx.rampart
        .add_user_to_group(p.required("UserName")?, p.required("GroupName")?)?;
    empty()
}

fn remove_user_from_group(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    let p = ctx.params;
    ctx.rampart
        .remove_user_from_group(p.required("UserName")?, p.required("GroupName")?)?;
    empty()
}

fn list_groups_for_user(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    list(
        "Groups",
        "Group",
        ctx.rampart.list_groups_for_user(&target_user(ctx)?)?,
    )
}

fn list_users_for_group(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    let p = ctx.params;
    page(
        "Users",
        "User",
        ctx.rampart.list_users_for_group(
            p.required("GroupName")?,
            p.get("Marker"),
            p.u32("MaxItems")?,
        )?,
    )
}

fn login_input(ctx: &Ctx<'_>) -> Result<LoginProfileInput, ApiError> {
    let p = ctx.params;
    Ok(LoginProfileInput {
        user_name: target_user(ctx)?,
        password: p.opt("Password").filter(|s| !s.is_empty()).map(Into::into),
        password_reset_required: p.bool("PasswordResetRequired")?,
        mfa_bind_required: p.bool("MFABindRequired")?,
    })
}

fn create_login_profile(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    field(
        "LoginProfile",
        ctx.rampart.create_login_profile(login_input(ctx)?)?,
    )
}

fn get_login_profile(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    field(
        "LoginProfile",
        ctx.rampart.get_login_profile(&target_user(ctx)?)?,
    )
}

fn update_login_profile(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    field(
        "LoginProfile",
        ctx.rampart.update_login_profile(login_input(ctx)?)?,
    )
}

fn delete_login_profile(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    ctx.rampart.delete_login_profile(&target_user(ctx)?)?;
    empty()
}
