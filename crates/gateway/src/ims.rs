//! IMS (2019-08-15), RAM's second API, on the same domain code: the
//! account settings, `ChangePassword`, the default domain and virtual MFA,
//! with IMS's own parameter and response shapes (users by
//! `UserPrincipalName`, `HardExpire`, paged MFA listing). Its actions are
//! authorized as RAM's (`ram:<Action>`).

use rampart_core::ram::settings::SetSecurityPreference;
use rampart_core::ApiError;
use serde::Serialize;

use crate::action::Typed;
use crate::ims_federation as fed;
use crate::ims_groups;
use crate::on;
use crate::products::ActionSpec;
use crate::ram;
use crate::ram_account as acct;
use crate::request;
use crate::respond::answers;
use crate::{Ctx, Params};

/// The implemented IMS actions.
pub static ACTIONS: &[ActionSpec] = &[
    ActionSpec::read("GetPasswordPolicy", &Typed::new(acct::get_password_policy)),
    ActionSpec::write("SetPasswordPolicy", &Typed::new(set_password_policy)),
    ActionSpec::read(
        "GetSecurityPreference",
        &Typed::new(acct::get_security_preference),
    ),
    ActionSpec::write(
        "SetSecurityPreference",
        &Typed::new(set_security_preference),
    ),
    ActionSpec::read("GetDefaultDomain", &Typed::new(get_default_domain)),
    ActionSpec::write("SetDefaultDomain", &Typed::new(set_default_domain)),
    ActionSpec::write("ChangePassword", &Typed::new(acct::change_password)).costly(),
    ActionSpec::write(
        "CreateVirtualMFADevice",
        &Typed::new(acct::create_virtual_mfa_device),
    ),
    ActionSpec::write(
        "DeleteVirtualMFADevice",
        &Typed::new(acct::delete_virtual_mfa_device),
    ),
    ActionSpec::read(
        "ListVirtualMFADevices",
        &Typed::new(list_virtual_mfa_devices),
    ),
    ActionSpec::write(
        "BindMFADevice",
        &Typed::new(acct::bind_mfa_device::<on::Upn>),
    ),
    ActionSpec::write(
        "UnbindMFADevice",
        &Typed::new(acct::unbind_mfa_device::<on::Upn>),
    ),
    ActionSpec::read("GetUserMFAInfo", &Typed::new(get_user_mfa_info)),
    ActionSpec::write("CreateUser", &Typed::new(crate::ims_users::create_user)),
    ActionSpec::write("CreateGroup", &Typed::new(ims_groups::create_group)),
    ActionSpec::read("GetGroup", &Typed::new(ims_groups::get_group)),
    ActionSpec::write("UpdateGroup", &Typed::new(ims_groups::update_group)),
    ActionSpec::write("DeleteGroup", &Typed::new(ram::delete_group)),
    ActionSpec::read("ListGroups", &Typed::new(ims_groups::list_groups)),
    ActionSpec::write(
        "AddUserToGroup",
        &Typed::new(ram::add_user_to_group::<on::NamedUpn>),
    ),
    ActionSpec::write(
        "RemoveUserFromGroup",
        &Typed::new(ram::remove_user_from_group::<on::NamedUpn>),
    ),
    ActionSpec::read(
        "ListGroupsForUser",
        &Typed::new(ims_groups::list_groups_for_user),
    ),
    ActionSpec::read(
        "ListUsersForGroup",
        &Typed::new(ims_groups::list_users_for_group),
    ),
    ActionSpec::read("GetUser", &Typed::new(crate::ims_users::get_user)),
    ActionSpec::write("UpdateUser", &Typed::new(crate::ims_users::update_user)),
    ActionSpec::write("DeleteUser", &Typed::new(ram::delete_user::<on::NamedUpn>)),
    ActionSpec::write("TagResources", &Typed::new(crate::ims_tags::tag_resources)),
    ActionSpec::write(
        "UntagResources",
        &Typed::new(crate::ims_tags::untag_resources),
    ),
    ActionSpec::read(
        "ListTagResources",
        &Typed::new(crate::ims_tags::list_tag_resources),
    ),
    ActionSpec::read("ListUsers", &Typed::new(crate::ims_users::list_users)),
    ActionSpec::read(
        "ListUserBasicInfos",
        &Typed::new(crate::ims_users::list_user_basic_infos),
    ),
    ActionSpec::write(
        "CreateLoginProfile",
        &Typed::new(crate::ims_users::create_login_profile),
    )
    .costly(),
    ActionSpec::read(
        "GetLoginProfile",
        &Typed::new(crate::ims_users::get_login_profile),
    ),
    ActionSpec::write(
        "UpdateLoginProfile",
        &Typed::new(crate::ims_users::update_login_profile),
    )
    .costly(),
    ActionSpec::write(
        "DeleteLoginProfile",
        &Typed::new(ram::delete_login_profile::<on::NamedUpn>),
    ),
    ActionSpec::write(
        "CreateAccessKey",
        &Typed::new(ram::create_access_key::<on::Upn>),
    ),
    ActionSpec::read(
        "ListAccessKeys",
        &Typed::new(ram::list_access_keys::<on::Upn>),
    ),
    ActionSpec::write(
        "UpdateAccessKey",
        &Typed::new(ram::update_access_key::<on::Upn>),
    ),
    ActionSpec::write(
        "DeleteAccessKey",
        &Typed::new(ram::delete_access_key::<on::Upn>),
    ),
    ActionSpec::read(
        "GetAccessKeyLastUsed",
        &Typed::new(ram::get_access_key_last_used::<on::Upn>),
    ),
    ActionSpec::write("CreateOIDCProvider", &Typed::new(fed::create_oidc)),
    ActionSpec::read("GetOIDCProvider", &Typed::new(fed::get_oidc)),
    ActionSpec::read("ListOIDCProviders", &Typed::new(fed::list_oidc)),
    ActionSpec::write("UpdateOIDCProvider", &Typed::new(fed::update_oidc)),
    ActionSpec::write("DeleteOIDCProvider", &Typed::new(fed::delete_oidc)),
    ActionSpec::write("AddClientIdToOIDCProvider", &Typed::new(fed::add_client_id)),
    ActionSpec::write(
        "RemoveClientIdFromOIDCProvider",
        &Typed::new(fed::remove_client_id),
    ),
    ActionSpec::write(
        "AddFingerprintToOIDCProvider",
        &Typed::new(fed::add_fingerprint),
    ),
    ActionSpec::write(
        "RemoveFingerprintFromOIDCProvider",
        &Typed::new(fed::remove_fingerprint),
    ),
    ActionSpec::write("CreateSAMLProvider", &Typed::new(fed::create_saml)),
    ActionSpec::read("GetSAMLProvider", &Typed::new(fed::get_saml)),
    ActionSpec::read("ListSAMLProviders", &Typed::new(fed::list_saml)),
    ActionSpec::write("UpdateSAMLProvider", &Typed::new(fed::update_saml)),
    ActionSpec::write("DeleteSAMLProvider", &Typed::new(fed::delete_saml)),
    ActionSpec::read(
        "GetUserSsoSettings",
        &Typed::new(fed::get_user_sso_settings),
    ),
    ActionSpec::write(
        "SetUserSsoSettings",
        &Typed::new(fed::set_user_sso_settings),
    ),
];

/// Refuses IMS parameters whose rules Rampart does not enforce, rather
/// than keeping them without effect.
pub(crate) fn unsupported(p: &Params, names: &[&str]) -> Result<(), ApiError> {
    for n in names {
        if p.get(n).is_some_and(|v| !v.is_empty()) {
            return Err(ApiError::invalid(
                n,
                format!("The parameter \"{n}\" is not supported by this server; leave it out."),
            ));
        }
    }
    Ok(())
}

/// The password rules of IMS's `SetPasswordPolicy` that Rampart does not
/// enforce.
fn refuse_unsupported_password_rules(p: &Params) -> Result<(), ApiError> {
    unsupported(
        p,
        &[
            "InitialPasswordAge",
            "InterceptRiskPasswordOnApi",
            "MinimumPasswordDifferentCharacter",
            "PasswordNotContainUserName",
        ],
    )
}

request! {
    /// IMS's `SetPasswordPolicy` (its own parameters; the rest as RAM's).
    struct ImsPasswordPolicy {
        unsupported_rules_refused: () = with(refuse_unsupported_password_rules),
        update: acct::ImsPasswordPolicyUpdate = with(acct::ImsPasswordPolicyUpdate::parse),
    }
}

fn set_password_policy(
    ctx: &Ctx<'_>,
    _: on::RamAccount,
    ImsPasswordPolicy {
        unsupported_rules_refused: (),
        update,
    }: ImsPasswordPolicy,
) -> Result<acct::PasswordPolicyAnswer, ApiError> {
    acct::apply_password_policy(ctx, &update.0)
}

/// The preferences of IMS's `SetSecurityPreference` that Rampart does not
/// enforce.
fn refuse_unsupported_preferences(p: &Params) -> Result<(), ApiError> {
    unsupported(
        p,
        &[
            "AllowUserToLoginWithPasskey",
            "AllowUserToManagePersonalDingTalk",
            "AllowUserToManageServiceCredentials",
            "MFAOperationForLogin",
            "OperationForRiskLogin",
            "VerificationTypes",
            "MaxIdleDaysForAccessKeys",
            "MaxIdleDaysForUsers",
        ],
    )
}

request! {
    /// IMS's `SetSecurityPreference` (its own parameters; the rest as RAM's).
    struct ImsSecurityPreference {
        unsupported_preferences_refused: () = with(refuse_unsupported_preferences),
        update: SetSecurityPreference = with(SetSecurityPreference::parse),
    }
}

fn set_security_preference(
    ctx: &Ctx<'_>,
    _: on::RamAccount,
    ImsSecurityPreference {
        unsupported_preferences_refused: (),
        update,
    }: ImsSecurityPreference,
) -> Result<acct::PreferenceAnswer, ApiError> {
    acct::set_security_preference(ctx, on::RamAccount, update)
}

/// `Get`/`SetDefaultDomain`: the account's default domain.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct DefaultDomainAnswer {
    default_domain_name: String,
}

answers!(DefaultDomainAnswer);

fn get_default_domain(
    ctx: &Ctx<'_>,
    _: on::RamAccount,
    (): (),
) -> Result<DefaultDomainAnswer, ApiError> {
    Ok(DefaultDomainAnswer {
        default_domain_name: ctx.rampart.default_domain()?,
    })
}

request! {
    /// `SetDefaultDomain`.
    struct DefaultDomain {
        default_domain_name: String = required("DefaultDomainName"),
    }
}

/// `SetDefaultDomain`: `<alias>.onaliyun.com` sets the account alias
/// (the account id's own domain clears it), as RAM's `SetAccountAlias`.
fn set_default_domain(
    ctx: &Ctx<'_>,
    _: on::RamAccount,
    r: DefaultDomain,
) -> Result<DefaultDomainAnswer, ApiError> {
    const SUFFIX: &str = ".onaliyun.com";
    let domain = r.default_domain_name.as_str();
    let prefix = domain
        .len()
        .checked_sub(SUFFIX.len())
        .filter(|&i| domain.is_char_boundary(i) && domain[i..].eq_ignore_ascii_case(SUFFIX))
        .map(|i| &domain[..i])
        .filter(|p| !p.is_empty() && domain.len() <= 64)
        .ok_or_else(|| {
            ApiError::of(rampart_core::codes::INVALID_PARAMETER_DEFAULT_DOMAIN_NAME_FORMAT,
                "The parameter \"DefaultDomainName\" must be <account alias>.onaliyun.com, at most 64 characters.",
            )
        })?;
    let set = if prefix == ctx.rampart.account_id() {
        ctx.rampart.clear_account_alias()
    } else {
        ctx.rampart.set_account_alias(prefix)
    };
    set.map_err(|mut e| {
        // The alias's rules, told in this action's terms.
        if let Some(rest) = e.code.strip_prefix("InvalidParameter.AccountAlias") {
            e.code = format!("InvalidParameter.DefaultDomainName{rest}").into();
            e.message = e.message.replace(
                "\"AccountAlias\"",
                "\"DefaultDomainName\" (its part before .onaliyun.com)",
            );
        }
        e
    })?;
    get_default_domain(ctx, on::RamAccount, ())
}

/// IMS's `GetUserMFAInfo`: MFA is on, with the user's virtual device.
#[derive(Serialize)]
pub(crate) struct UserMfaInfoAnswer {
    #[serde(rename = "IsMFAEnable")]
    is_mfa_enable: bool,
    #[serde(rename = "MFADevice")]
    mfa_device: UserMfaDevice,
}

answers!(UserMfaInfoAnswer);

/// A user's MFA device: its serial number, and `VMFA` (virtual).
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct UserMfaDevice {
    serial_number: String,
    #[serde(rename = "Type")]
    kind: &'static str,
}

fn get_user_mfa_info(
    ctx: &Ctx<'_>,
    on::Upn(user): on::Upn,
    (): (),
) -> Result<UserMfaInfoAnswer, ApiError> {
    let serial = ctx.rampart.user_mfa_info(&user)?;
    Ok(UserMfaInfoAnswer {
        is_mfa_enable: true,
        mfa_device: UserMfaDevice {
            serial_number: serial,
            kind: "VMFA",
        },
    })
}

/// `MaxItems` of `ListVirtualMFADevices`: 1–100, 100 when absent.
fn mfa_max_items(p: &Params) -> Result<usize, ApiError> {
    match p.u32("MaxItems")? {
        None => Ok(100),
        Some(n) if (1..=100).contains(&n) => Ok(n as usize),
        Some(n) => Err(ApiError::invalid(
            "MaxItems",
            format!("The parameter \"MaxItems\" must be from 1 to 100, got {n}."),
        )),
    }
}

request! {
    /// `ListVirtualMFADevices`.
    struct MfaPaging {
        max_items: usize = with(mfa_max_items),
        marker: Option<String> = nonempty("Marker"),
    }
}

/// IMS's `ListVirtualMFADevices`: a page of devices, `Marker` when more
/// follow.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct VirtualMfaDevicesAnswer {
    is_truncated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    marker: Option<String>,
    #[serde(rename = "VirtualMFADevices")]
    virtual_mfa_devices: VirtualMfaDeviceList,
}

answers!(VirtualMfaDevicesAnswer);

/// `{"VirtualMFADevice": [...]}`.
#[derive(Serialize)]
struct VirtualMfaDeviceList {
    #[serde(rename = "VirtualMFADevice")]
    virtual_mfa_device: Vec<ImsMfaDevice>,
}

/// A virtual MFA device as IMS lists it: its user by logon name.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ImsMfaDevice {
    serial_number: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    activate_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user: Option<ImsMfaUser>,
}

/// The user a device is bound to.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ImsMfaUser {
    user_id: String,
    user_principal_name: String,
    display_name: String,
}

/// Paged by `Marker` (the last serial number of the previous page) and
/// `MaxItems` (1–100, default 100); users by `UserPrincipalName`.
fn list_virtual_mfa_devices(
    ctx: &Ctx<'_>,
    _: on::MfaDevices,
    r: MfaPaging,
) -> Result<VirtualMfaDevicesAnswer, ApiError> {
    let max = r.max_items;
    let marker = r.marker.as_deref();
    let domain = ctx.rampart.default_domain()?;
    let all: Vec<_> = ctx
        .rampart
        .list_virtual_mfa_devices()?
        .into_iter()
        .filter(|d| marker.is_none_or(|m| d.serial_number.as_str() > m))
        .collect();
    let truncated = all.len() > max;
    let page: Vec<ImsMfaDevice> = all
        .into_iter()
        .take(max)
        .map(|d| ImsMfaDevice {
            serial_number: d.serial_number,
            activate_date: d.activate_date,
            user: d.user.map(|u| ImsMfaUser {
                user_id: u.user_id,
                user_principal_name: format!("{}@{domain}", u.user_name),
                display_name: u.display_name,
            }),
        })
        .collect();
    let marker = page
        .last()
        .filter(|_| truncated)
        .map(|d| d.serial_number.clone());
    Ok(VirtualMfaDevicesAnswer {
        is_truncated: truncated,
        marker,
        virtual_mfa_devices: VirtualMfaDeviceList {
            virtual_mfa_device: page,
        },
    })
}
