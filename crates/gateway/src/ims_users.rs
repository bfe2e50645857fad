//! IMS users and login profiles by `UserPrincipalName`, on the RAM domain
//! code, in IMS's response shapes.

use rampart_core::ram::{
    CreateUser, LoginProfileInput, LoginProfileView, Page, UpdateUser, UserName, UserView,
};
use rampart_core::ApiError;
use rampart_crypto::SecretString;
use rampart_store::TagResource;
use serde::Serialize;

use crate::ims::unsupported;
use crate::ims_tags::flattened_tags;
use crate::on;
use crate::request;
use crate::respond::{key, One, Paged};
use crate::{Ctx, Params};

/// A user as IMS shows it: RAM's fields, its logon name, how it was made;
/// then its status in listings, its tags in `GetUser`.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct ImsUserView {
    #[serde(flatten)]
    user: UserView,
    user_principal_name: String,
    provision_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tags: Option<UserTags>,
}

/// A user's tags, `{"Tag": [...]}`.
#[derive(Serialize)]
struct UserTags {
    #[serde(rename = "Tag")]
    tag: Vec<UserTag>,
}

/// One tag of a user.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct UserTag {
    tag_key: String,
    tag_value: String,
}

/// `{"User": …}`.
type UserAnswer = One<key::User, ImsUserView>;

/// A user as IMS shows it, with neither status nor tags.
fn user_view(ctx: &Ctx<'_>, u: UserView) -> Result<ImsUserView, ApiError> {
    let domain = ctx.rampart.default_domain()?;
    Ok(ImsUserView {
        user_principal_name: format!("{}@{domain}", u.user_name),
        user: u,
        provision_type: "Manual",
        status: None,
        tags: None,
    })
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

pub(crate) fn create_user(
    ctx: &Ctx<'_>,
    _: on::Users,
    r: ImsNewUser,
) -> Result<UserAnswer, ApiError> {
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
    Ok(One::new(user_view(ctx, u)?))
}

/// The user, with its tags.
pub(crate) fn get_user(
    ctx: &Ctx<'_>,
    on::ImsUserOrKey(user): on::ImsUserOrKey,
    (): (),
) -> Result<UserAnswer, ApiError> {
    let u = ctx.rampart.get_user(&user)?;
    let tags = ctx.rampart.ram_tags(TagResource::User, &u.user_id)?;
    let mut v = user_view(ctx, u)?;
    if !tags.is_empty() {
        let tag = tags
            .into_iter()
            .map(|(tag_key, tag_value)| UserTag { tag_key, tag_value })
            .collect();
        v.tags = Some(UserTags { tag });
    }
    Ok(One::new(v))
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
) -> Result<UserAnswer, ApiError> {
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
    Ok(One::new(user_view(ctx, u)?))
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

/// A user in `ListUserBasicInfos`.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct UserBasicInfoView {
    user_principal_name: String,
    user_id: String,
    display_name: String,
    status: &'static str,
}

/// Each user's logon name, id, display name and status.
pub(crate) fn list_user_basic_infos(
    ctx: &Ctx<'_>,
    _: on::Users,
    r: UserPaging,
) -> Result<Paged<key::UserBasicInfos, key::UserBasicInfo, UserBasicInfoView>, ApiError> {
    let page = user_page(ctx, &r)?;
    let domain = ctx.rampart.default_domain()?;
    let items = page
        .items
        .into_iter()
        .map(|u| UserBasicInfoView {
            user_principal_name: format!("{}@{domain}", u.user_name),
            user_id: u.user_id,
            display_name: u.display_name,
            status: "active",
        })
        .collect();
    let next_marker = page.next_marker;
    Ok(Page { items, next_marker }.into())
}

pub(crate) fn list_users(
    ctx: &Ctx<'_>,
    _: on::Users,
    r: UserPaging,
) -> Result<Paged<key::Users, key::User, ImsUserView>, ApiError> {
    let page = user_page(ctx, &r)?;
    let mut items = Vec::with_capacity(page.items.len());
    for u in page.items {
        let mut v = user_view(ctx, u)?;
        v.status = Some("active");
        items.push(v);
    }
    let next_marker = page.next_marker;
    Ok(Page { items, next_marker }.into())
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

/// A login profile as IMS shows it: by logon name, `Active` (the fields
/// in the order IMS has always answered them: `UpdateDate` first).
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct ImsLoginProfileView {
    update_date: String,
    password_reset_required: bool,
    #[serde(rename = "MFABindRequired")]
    mfa_bind_required: bool,
    create_date: String,
    user_principal_name: String,
    status: &'static str,
}

/// `{"LoginProfile": …}`.
type LoginProfileAnswer = One<key::LoginProfile, ImsLoginProfileView>;

fn profile_view(ctx: &Ctx<'_>, v: LoginProfileView) -> Result<LoginProfileAnswer, ApiError> {
    let domain = ctx.rampart.default_domain()?;
    let LoginProfileView {
        user_name,
        password_reset_required,
        mfa_bind_required,
        create_date,
        update_date,
    } = v;
    Ok(One::new(ImsLoginProfileView {
        update_date,
        password_reset_required,
        mfa_bind_required,
        create_date,
        user_principal_name: format!("{user_name}@{domain}"),
        status: "Active",
    }))
}

pub(crate) fn create_login_profile(
    ctx: &Ctx<'_>,
    on::NamedUpn(user): on::NamedUpn,
    r: ImsLoginProfile,
) -> Result<LoginProfileAnswer, ApiError> {
    let v = ctx.rampart.create_login_profile(profile_input(user, r))?;
    profile_view(ctx, v)
}

pub(crate) fn get_login_profile(
    ctx: &Ctx<'_>,
    on::NamedUpn(user): on::NamedUpn,
    (): (),
) -> Result<LoginProfileAnswer, ApiError> {
    let v = ctx.rampart.get_login_profile(&user)?;
    profile_view(ctx, v)
}

pub(crate) fn update_login_profile(
    ctx: &Ctx<'_>,
    on::NamedUpn(user): on::NamedUpn,
    r: ImsLoginProfile,
) -> Result<LoginProfileAnswer, ApiError> {
    let v = ctx.rampart.update_login_profile(profile_input(user, r))?;
    profile_view(ctx, v)
}
