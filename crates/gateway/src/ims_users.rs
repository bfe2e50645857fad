//! IMS users and login profiles by `UserPrincipalName`, on the RAM domain
//! code, in IMS's response shapes.

use rampart_core::ram::{CreateUser, LoginProfileInput, Page, UpdateUser, UserName, UserView};
use rampart_core::ApiError;
use rampart_store::TagResource;
use serde_json::Value;

use crate::ims::unsupported;
use crate::on;
use crate::respond::field as one;
use crate::{Ctx, Output};

/// A user as IMS shows it: RAM's fields, its logon name, how it was made.
fn user_json(ctx: &Ctx<'_>, u: UserView) -> Result<Value, ApiError> {
    let domain = ctx.rampart.default_domain()?;
    let mut v = serde_json::to_value(&u).map_err(ApiError::internal)?;
    if let Some(o) = v.as_object_mut() {
        o.insert(
            "UserPrincipalName".into(),
            Value::String(format!("{}@{domain}", u.user_name)),
        );
        o.insert("ProvisionType".into(), Value::String("Manual".into()));
    }
    Ok(v)
}

/// The user name of a `UserPrincipalName` of this account (for a user not
/// made yet: no target names it).
fn new_user_name(ctx: &Ctx<'_>, upn: &str) -> Result<String, ApiError> {
    let bad = || {
        ApiError::of(rampart_core::codes::INVALID_PARAMETER_USER_PRINCIPAL_NAME_FORMAT,
            "The parameter \"UserPrincipalName\" must be <user name>@<account id or alias>.onaliyun.com of this account.",
        )
    };
    let (name, domain) = upn.rsplit_once('@').ok_or_else(bad)?;
    let ours = domain.eq_ignore_ascii_case(&ctx.rampart.default_domain()?)
        || domain.eq_ignore_ascii_case(&format!("{}.onaliyun.com", ctx.rampart.account_id()));
    if !ours {
        return Err(bad());
    }
    Ok(name.to_string())
}

pub(crate) fn create_user(ctx: &Ctx<'_>, _: on::Users, (): ()) -> Result<Output, ApiError> {
    let p = ctx.params;
    let tags = crate::ims_tags::flattened_tags(ctx)?;
    let u = ctx.rampart.create_user_tagged(
        CreateUser {
            user_name: new_user_name(ctx, p.required("UserPrincipalName")?)?,
            display_name: Some(p.required("DisplayName")?.to_string()),
            mobile_phone: p.opt("MobilePhone"),
            email: p.opt("Email"),
            comments: p.opt("Comments"),
        },
        &tags,
    )?;
    one("User", user_json(ctx, u)?)
}

/// The user, with its tags.
pub(crate) fn get_user(
    ctx: &Ctx<'_>,
    on::ImsUserOrKey(user): on::ImsUserOrKey,
    (): (),
) -> Result<Output, ApiError> {
    let u = ctx.rampart.get_user(&user)?;
    let tags = ctx.rampart.ram_tags(TagResource::User, &u.user_id)?;
    let mut v = user_json(ctx, u)?;
    if !tags.is_empty() {
        let tags: Vec<Value> = tags
            .into_iter()
            .map(|(k, val)| serde_json::json!({ "TagKey": k, "TagValue": val }))
            .collect();
        v["Tags"] = serde_json::json!({ "Tag": tags });
    }
    one("User", v)
}

/// `NewUserPrincipalName` renames the user (its name part; the domain is
/// the account's); the other fields as RAM's `UpdateUser`.
pub(crate) fn update_user(
    ctx: &Ctx<'_>,
    (on::ImsUser(user), _): (on::ImsUser, on::NewUserPrincipalName),
    (): (),
) -> Result<Output, ApiError> {
    let p = ctx.params;
    let new_user_name = match p.get("NewUserPrincipalName").filter(|s| !s.is_empty()) {
        Some(upn) => Some(new_user_name(ctx, upn)?),
        None => None,
    };
    let u = ctx.rampart.update_user(UpdateUser {
        user_name: user,
        new_user_name,
        new_display_name: p.opt("NewDisplayName").filter(|s| !s.is_empty()),
        new_mobile_phone: p.opt("NewMobilePhone"),
        new_email: p.opt("NewEmail"),
        new_comments: p.opt("NewComments"),
    })?;
    one("User", user_json(ctx, u)?)
}

/// A page of users (`Marker`, `MaxItems`, `Status`); the `Tag.N` filter
/// is not supported.
fn user_page(ctx: &Ctx<'_>) -> Result<rampart_core::ram::Page<UserView>, ApiError> {
    let p = ctx.params;
    unsupported(ctx, &["Tag.1.Key", "Tag.1.Value"])?;
    match p.get("Status").filter(|s| !s.is_empty()) {
        None | Some("active") | Some("active,freeze") | Some("freeze,active") => {}
        Some(_) => {
            return Err(ApiError::invalid(
                "Status",
                "The parameter \"Status\" must be `active`, `freeze` or `active,freeze`; users here are never frozen.",
            ))
        }
    }
    // A marker is a user name (the part before `@`).
    let marker = p.get("Marker").filter(|m| !m.is_empty());
    ctx.rampart.list_users(marker, p.u32("MaxItems")?)
}

/// Each user's logon name, id, display name and status.
pub(crate) fn list_user_basic_infos(
    ctx: &Ctx<'_>,
    _: on::Users,
    (): (),
) -> Result<Output, ApiError> {
    let page = user_page(ctx)?;
    let domain = ctx.rampart.default_domain()?;
    let items: Vec<Value> = page
        .items
        .into_iter()
        .map(|u| {
            serde_json::json!({
                "UserPrincipalName": format!("{}@{domain}", u.user_name),
                "UserId": u.user_id,
                "DisplayName": u.display_name,
                "Status": "active",
            })
        })
        .collect();
    let next_marker = page.next_marker;
    crate::respond::page(
        "UserBasicInfos",
        "UserBasicInfo",
        Page { items, next_marker },
    )
}

pub(crate) fn list_users(ctx: &Ctx<'_>, _: on::Users, (): ()) -> Result<Output, ApiError> {
    let page = user_page(ctx)?;
    let mut items = Vec::with_capacity(page.items.len());
    for u in page.items {
        let mut v = user_json(ctx, u)?;
        v["Status"] = Value::String("active".into());
        items.push(v);
    }
    let next_marker = page.next_marker;
    crate::respond::page("Users", "User", Page { items, next_marker })
}

/// `Status`: console logon is `Active`; `Inactive` (kept but disabled) is
/// not supported — delete the login profile instead.
fn status(ctx: &Ctx<'_>) -> Result<(), ApiError> {
    match ctx.params.get("Status").filter(|s| !s.is_empty()) {
        None | Some("Active") => Ok(()),
        Some(_) => Err(ApiError::invalid(
            "Status",
            "The parameter \"Status\" can only be `Active` here; to stop console logon, delete the login profile.",
        )),
    }
}

fn profile_input(ctx: &Ctx<'_>, user: UserName) -> Result<LoginProfileInput, ApiError> {
    let p = ctx.params;
    Ok(LoginProfileInput {
        user_name: user,
        password: p.opt("Password").filter(|s| !s.is_empty()).map(Into::into),
        password_reset_required: p.bool("PasswordResetRequired")?,
        mfa_bind_required: p.bool("MFABindRequired")?,
    })
}

fn profile_json(ctx: &Ctx<'_>, v: impl serde::Serialize) -> Result<Output, ApiError> {
    let domain = ctx.rampart.default_domain()?;
    let mut v = serde_json::to_value(v).map_err(ApiError::internal)?;
    if let Some(o) = v.as_object_mut() {
        if let Some(Value::String(name)) = o.remove("UserName") {
            o.insert(
                "UserPrincipalName".into(),
                Value::String(format!("{name}@{domain}")),
            );
        }
        o.insert("Status".into(), Value::String("Active".into()));
    }
    one("LoginProfile", v)
}

pub(crate) fn create_login_profile(
    ctx: &Ctx<'_>,
    on::NamedUpn(user): on::NamedUpn,
    (): (),
) -> Result<Output, ApiError> {
    status(ctx)?;
    let v = ctx
        .rampart
        .create_login_profile(profile_input(ctx, user)?)?;
    profile_json(ctx, v)
}

pub(crate) fn get_login_profile(
    ctx: &Ctx<'_>,
    on::NamedUpn(user): on::NamedUpn,
    (): (),
) -> Result<Output, ApiError> {
    let v = ctx.rampart.get_login_profile(&user)?;
    profile_json(ctx, v)
}

pub(crate) fn update_login_profile(
    ctx: &Ctx<'_>,
    on::NamedUpn(user): on::NamedUpn,
    (): (),
) -> Result<Output, ApiError> {
    status(ctx)?;
    let v = ctx
        .rampart
        .update_login_profile(profile_input(ctx, user)?)?;
    profile_json(ctx, v)
}
