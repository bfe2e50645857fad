//! IMS users and login profiles by `UserPrincipalName`, on the RAM domain
//! code, in IMS's response shapes.

use rampart_core::ram::{CreateUser, LoginProfileInput, Page, UpdateUser, UserName, UserView};
use rampart_core::ApiError;
use rampart_crypto::SecretString;
use rampart_store::TagResource;
use serde_json::Value;

use crate::ims::unsupported;
use crate::ims_tags::flattened_tags;
use crate::on;
use crate::request;
use crate::respond::field as one;
use crate::{Ctx, Output, Params};

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

request! {
    /// IMS's `CreateUser`.
    pub(crate) struct ImsNewUser {
        tags: Vec<(String, String)> = with(flattened_tags),
        user_principal_name: String = required("UserPrincipalName"),
        /// Required, but checked in the handler after `UserPrincipalName`'s
        /// domain (which needs the account), so a bad logon name still wins.
        display_name: Option<String> = opt("DisplayName"),
        mobile_phone: Option<String> = opt("MobilePhone"),
        email: Option<String> = opt("Email"),
        comments: Option<String> = opt("Comments"),
    }
}

pub(crate) fn create_user(ctx: &Ctx<'_>, _: on::Users, r: ImsNewUser) -> Result<Output, ApiError> {
    let user_name = new_user_name(ctx, &r.user_principal_name)?;
    let display_name = r
        .display_name
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::missing("DisplayName"))?;
    let u = ctx.rampart.create_user_tagged(
        CreateUser {
            user_name,
            display_name: Some(display_name),
            mobile_phone: r.mobile_phone,
            email: r.email,
            comments: r.comments,
        },
        &r.tags,
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

request! {
    /// IMS's `UpdateUser`.
    pub(crate) struct ImsUserUpdate {
        new_user_principal_name: Option<String> = nonempty("NewUserPrincipalName"),
        new_display_name: Option<String> = nonempty("NewDisplayName"),
        new_mobile_phone: Option<String> = opt("NewMobilePhone"),
        new_email: Option<String> = opt("NewEmail"),
        new_comments: Option<String> = opt("NewComments"),
    }
}

/// `NewUserPrincipalName` renames the user (its name part; the domain is
/// the account's); the other fields as RAM's `UpdateUser`.
pub(crate) fn update_user(
    ctx: &Ctx<'_>,
    (on::ImsUser(user), _): (on::ImsUser, on::NewUserPrincipalName),
    r: ImsUserUpdate,
) -> Result<Output, ApiError> {
    let new_user_name = match r.new_user_principal_name {
        Some(upn) => Some(new_user_name(ctx, &upn)?),
        None => None,
    };
    let u = ctx.rampart.update_user(UpdateUser {
        user_name: user,
        new_user_name,
        new_display_name: r.new_display_name,
        new_mobile_phone: r.new_mobile_phone,
        new_email: r.new_email,
        new_comments: r.new_comments,
    })?;
    one("User", user_json(ctx, u)?)
}

/// The `Tag.N` filter of a user listing, not supported.
fn refuse_tag_filter(p: &Params) -> Result<(), ApiError> {
    unsupported(p, &["Tag.1.Key", "Tag.1.Value"])
}

/// `Status` of a user listing: users here are all `active`.
fn check_status_filter(p: &Params) -> Result<(), ApiError> {
    match p.get("Status").filter(|s| !s.is_empty()) {
        None | Some("active") | Some("active,freeze") | Some("freeze,active") => Ok(()),
        Some(_) => Err(ApiError::invalid(
            "Status",
            "The parameter \"Status\" must be `active`, `freeze` or `active,freeze`; users here are never frozen.",
        )),
    }
}

request! {
    /// A page of users (`ListUsers`, `ListUserBasicInfos`): `Marker`,
    /// `MaxItems`, `Status`; the `Tag.N` filter is not supported.
    pub(crate) struct UserPaging {
        tag_filter_refused: () = with(refuse_tag_filter),
        status_checked: () = with(check_status_filter),
        /// A user name (the part before `@`).
        marker: Option<String> = nonempty("Marker"),
        max_items: Option<u32> = u32("MaxItems"),
    }
}

/// A page of users.
fn user_page(ctx: &Ctx<'_>, r: &UserPaging) -> Result<Page<UserView>, ApiError> {
    let UserPaging {
        tag_filter_refused: (),
        status_checked: (),
        marker,
        max_items,
    } = r;
    ctx.rampart.list_users(marker.as_deref(), *max_items)
}

/// Each user's logon name, id, display name and status.
pub(crate) fn list_user_basic_infos(
    ctx: &Ctx<'_>,
    _: on::Users,
    r: UserPaging,
) -> Result<Output, ApiError> {
    let page = user_page(ctx, &r)?;
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

pub(crate) fn list_users(ctx: &Ctx<'_>, _: on::Users, r: UserPaging) -> Result<Output, ApiError> {
    let page = user_page(ctx, &r)?;
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
fn check_active_status(p: &Params) -> Result<(), ApiError> {
    match p.get("Status").filter(|s| !s.is_empty()) {
        None | Some("Active") => Ok(()),
        Some(_) => Err(ApiError::invalid(
            "Status",
            "The parameter \"Status\" can only be `Active` here; to stop console logon, delete the login profile.",
        )),
    }
}

/// `Password`, if given and not empty, kept as a secret.
fn password(p: &Params) -> Result<Option<SecretString>, ApiError> {
    Ok(p.opt("Password").filter(|s| !s.is_empty()).map(Into::into))
}

request! {
    /// IMS's `CreateLoginProfile`, `UpdateLoginProfile`.
    pub(crate) struct ImsLoginProfile {
        status_checked: () = with(check_active_status),
        password: Option<SecretString> = with(password),
        password_reset_required: Option<bool> = bool("PasswordResetRequired"),
        mfa_bind_required: Option<bool> = bool("MFABindRequired"),
    }
}

fn profile_input(user: UserName, r: ImsLoginProfile) -> LoginProfileInput {
    let ImsLoginProfile {
        status_checked: (),
        password,
        password_reset_required,
        mfa_bind_required,
    } = r;
    LoginProfileInput {
        user_name: user,
        password,
        password_reset_required,
        mfa_bind_required,
    }
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
    r: ImsLoginProfile,
) -> Result<Output, ApiError> {
    let v = ctx.rampart.create_login_profile(profile_input(user, r))?;
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
    r: ImsLoginProfile,
) -> Result<Output, ApiError> {
    let v = ctx.rampart.update_login_profile(profile_input(user, r))?;
    profile_json(ctx, v)
}
