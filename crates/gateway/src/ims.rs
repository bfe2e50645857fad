//! IMS (2019-08-15), RAM's second API, on the same domain code: the
//! account settings, `ChangePassword`, the default domain and virtual MFA,
//! with IMS's own parameter and response shapes (users by
//! `UserPrincipalName`, `HardExpire`, paged MFA listing). Its actions are
//! authorized as RAM's (`ram:<Action>`).

use rampart_core::ApiError;
use serde_json::{json, Map, Value};

use crate::ims_federation as fed;
use crate::ims_groups;
use crate::products::ActionSpec;
use crate::ram;
use crate::ram_account as acct;
use crate::target::{Container, Sel};
use crate::{Ctx, Output};
use rampart_store::ProviderKind;

const ACCOUNT: &[Sel] = &[Sel::Container(Container::RamAccount)];
const USERS: &[Sel] = &[Sel::Container(Container::Users)];
/// `UserPrincipalName`, or the calling RAM user when absent.
const UPN: Sel = Sel::Upn { self_default: true };
/// `UserPrincipalName`, required.
const NAMED: Sel = Sel::Upn {
    self_default: false,
};

/// The implemented IMS actions.
pub static ACTIONS: &[ActionSpec] = &[
    ActionSpec::read("GetPasswordPolicy", ACCOUNT, acct::get_password_policy),
    ActionSpec::write("SetPasswordPolicy", ACCOUNT, set_password_policy),
    ActionSpec::read("GetSecurityPreference", ACCOUNT, get_security_preference),
    ActionSpec::write("SetSecurityPreference", ACCOUNT, set_security_preference),
    ActionSpec::read("GetDefaultDomain", ACCOUNT, get_default_domain),
    ActionSpec::write("SetDefaultDomain", ACCOUNT, set_default_domain),
    ActionSpec::write("ChangePassword", &[Sel::Caller], acct::change_password).costly(),
    ActionSpec::write(
        "CreateVirtualMFADevice",
        &[Sel::Mfa("VirtualMFADeviceName")],
        acct::create_virtual_mfa_device,
    ),
    ActionSpec::write(
        "DeleteVirtualMFADevice",
        &[Sel::Mfa("SerialNumber")],
        acct::delete_virtual_mfa_device,
    ),
    ActionSpec::read(
        "ListVirtualMFADevices",
        &[Sel::Container(Container::MfaDevices)],
        list_virtual_mfa_devices,
    ),
    ActionSpec::write(
        "BindMFADevice",
        &[UPN, Sel::Mfa("SerialNumber")],
        acct::bind_mfa_device,
    ),
    ActionSpec::write("UnbindMFADevice", &[UPN], acct::unbind_mfa_device),
    ActionSpec::read("GetUserMFAInfo", &[UPN], get_user_mfa_info),
    ActionSpec::write("CreateUser", USERS, crate::ims_users::create_user),
    ActionSpec::write("CreateGroup", ram::GROUPS, ims_groups::create_group),
    ActionSpec::read("GetGroup", &[ram::GROUP], ims_groups::get_group),
    ActionSpec::write(
        "UpdateGroup",
        &[ram::GROUP, Sel::NewGroupName("NewGroupName")],
        ims_groups::update_group,
    ),
    ActionSpec::write("DeleteGroup", &[ram::GROUP], ram::delete_group),
    ActionSpec::read("ListGroups", ram::GROUPS, ims_groups::list_groups),
    ActionSpec::write(
        "AddUserToGroup",
        &[ram::GROUP, NAMED],
        ram::add_user_to_group,
    ),
    ActionSpec::write(
        "RemoveUserFromGroup",
        &[ram::GROUP, NAMED],
        ram::remove_user_from_group,
    ),
    ActionSpec::read(
        "ListGroupsForUser",
        &[NAMED],
        ims_groups::list_groups_for_user,
    ),
    ActionSpec::read(
        "ListUsersForGroup",
        &[ram::GROUP],
        ims_groups::list_users_for_group,
    ),
    ActionSpec::read(
        "GetUser",
        &[Sel::ImsUser { access_key: true }],
        crate::ims_users::get_user,
    ),
    ActionSpec::write(
        "UpdateUser",
        &[
            Sel::ImsUser { access_key: false },
            Sel::NewUserName("NewUserPrincipalName"),
        ],
        crate::ims_users::update_user,
    ),
    ActionSpec::write("DeleteUser", &[NAMED], ram::delete_user),
    ActionSpec::write(
        "TagResources",
        &[Sel::ImsTagged],
        crate::ims_tags::tag_resources,
    ),
    ActionSpec::write(
        "UntagResources",
        &[Sel::ImsTagged],
        crate::ims_tags::untag_resources,
    ),
    ActionSpec::read(
        "ListTagResources",
        &[Sel::ImsTagged],
        crate::ims_tags::list_tag_resources,
    ),
    ActionSpec::read("ListUsers", USERS, crate::ims_users::list_users),
    ActionSpec::read(
        "ListUserBasicInfos",
        USERS,
        crate::ims_users::list_user_basic_infos,
    ),
    ActionSpec::write(
        "CreateLoginProfile",
        &[NAMED],
        crate::ims_users::create_login_profile,
    )
    .costly(),
    ActionSpec::read(
        "GetLoginProfile",
        &[NAMED],
        crate::ims_users::get_login_profile,
    ),
    ActionSpec::write(
        "UpdateLoginProfile",
        &[NAMED],
        crate::ims_users::update_login_profile,
    )
    .costly(),
    ActionSpec::write("DeleteLoginProfile", &[NAMED], ram::delete_login_profile),
    ActionSpec::write("CreateAccessKey", &[UPN], ram::create_access_key),
    ActionSpec::read("ListAccessKeys", &[UPN], ram::list_access_keys),
    ActionSpec::write("UpdateAccessKey", &[UPN], ram::update_access_key),
    ActionSpec::write("DeleteAccessKey", &[UPN], ram::delete_access_key),
    ActionSpec::read(
        "GetAccessKeyLastUsed",
        &[UPN],
        ram::get_access_key_last_used,
    ),
    ActionSpec::write("CreateOIDCProvider", &[fed::NEW_OIDC], fed::create_oidc),
    ActionSpec::read("GetOIDCProvider", &[fed::OIDC], fed::get_oidc),
    ActionSpec::read(
        "ListOIDCProviders",
        &[Sel::Providers(ProviderKind::Oidc)],
        fed::list_oidc,
    ),
    ActionSpec::write("UpdateOIDCProvider", &[fed::OIDC], fed::update_oidc),
    ActionSpec::write("DeleteOIDCProvider", &[fed::OIDC], fed::delete_oidc),
    ActionSpec::write(
        "AddClientIdToOIDCProvider",
        &[fed::OIDC],
        fed::add_client_id,
    ),
    ActionSpec::write(
        "RemoveClientIdFromOIDCProvider",
        &[fed::OIDC],
        fed::remove_client_id,
    ),
    ActionSpec::write(
        "AddFingerprintToOIDCProvider",
        &[fed::OIDC],
        fed::add_fingerprint,
    ),
    ActionSpec::write(
        "RemoveFingerprintFromOIDCProvider",
        &[fed::OIDC],
        fed::remove_fingerprint,
    ),
    ActionSpec::write("CreateSAMLProvider", &[fed::NEW_SAML], fed::create_saml),
    ActionSpec::read("GetSAMLProvider", &[fed::SAML], fed::get_saml),
    ActionSpec::read(
        "ListSAMLProviders",
        &[Sel::Providers(ProviderKind::Saml)],
        fed::list_saml,
    ),
    ActionSpec::write("UpdateSAMLProvider", &[fed::SAML], fed::update_saml),
    ActionSpec::write("DeleteSAMLProvider", &[fed::SAML], fed::delete_saml),
    ActionSpec::read("GetUserSsoSettings", ACCOUNT, fed::get_user_sso_settings),
    ActionSpec::write("SetUserSsoSettings", ACCOUNT, fed::set_user_sso_settings),
];

/// Refuses IMS parameters whose rules Rampart does not enforce, rather
/// than keeping them without effect.
pub(crate) fn unsupported(ctx: &Ctx<'_>, names: &[&str]) -> Result<(), ApiError> {
    for n in names {
        if ctx.params.get(n).is_some_and(|v| !v.is_empty()) {
            return Err(ApiError::invalid(
                n,
                format!("The parameter \"{n}\" is not supported by this server; leave it out."),
            ));
        }
    }
    Ok(())
}

fn set_password_policy(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    unsupported(
        ctx,
        &[
            "InitialPasswordAge",
            "InterceptRiskPasswordOnApi",
            "MinimumPasswordDifferentCharacter",
            "PasswordNotContainUserName",
        ],
    )?;
    acct::set_password_policy(ctx)
}

/// IMS's shape of the preference (no public keys; the rest as RAM's).
fn preference(p: &rampart_core::ram::settings::SecurityPreference) -> Output {
    let mut v = acct::preference_view(p);
    if let Some(o) = v.as_object_mut() {
        o.remove("PublicKeyPreference");
    }
    let mut m = Map::new();
    m.insert("SecurityPreference".into(), v);
    m.into()
}

fn get_security_preference(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    let p = ctx.rampart.security_preference()?;
    Ok(preference(&p))
}

fn set_security_preference(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    unsupported(
        ctx,
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
    )?;
    acct::set_security_preference(ctx)?;
    get_security_preference(ctx)
}

fn get_default_domain(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    let mut m = Map::new();
    m.insert(
        "DefaultDomainName".into(),
        Value::String(ctx.rampart.default_domain()?),
    );
    Ok(m.into())
}

/// `SetDefaultDomain`: `<alias>.onaliyun.com` sets the account alias
/// (the account id's own domain clears it), as RAM's `SetAccountAlias`.
fn set_default_domain(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    const SUFFIX: &str = ".onaliyun.com";
    let domain = ctx.params.required("DefaultDomainName")?;
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
    get_default_domain(ctx)
}

fn get_user_mfa_info(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    let serial = ctx.rampart.user_mfa_info(ctx.target.user()?)?;
    let mut m = Map::new();
    m.insert("IsMFAEnable".into(), Value::Bool(true));
    m.insert(
        "MFADevice".into(),
        json!({ "SerialNumber": serial, "Type": "VMFA" }),
    );
    Ok(m.into())
}

/// Paged by `Marker` (the last serial number of the previous page) and
/// `MaxItems` (1–100, default 100); users by `UserPrincipalName`.
fn list_virtual_mfa_devices(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    let p = ctx.params;
    let max = match p.u32("MaxItems")? {
        None => 100,
        Some(n) if (1..=100).contains(&n) => n as usize,
        Some(n) => {
            return Err(ApiError::invalid(
                "MaxItems",
                format!("The parameter \"MaxItems\" must be from 1 to 100, got {n}."),
            ))
        }
    };
    let marker = p.get("Marker").filter(|m| !m.is_empty());
    let domain = ctx.rampart.default_domain()?;
    let all: Vec<_> = ctx
        .rampart
        .list_virtual_mfa_devices()?
        .into_iter()
        .filter(|d| marker.is_none_or(|m| d.serial_number.as_str() > m))
        .collect();
    let truncated = all.len() > max;
    let page: Vec<Value> = all
        .into_iter()
        .take(max)
        .map(|d| {
            let mut v = json!({ "SerialNumber": d.serial_number });
            if let Some(a) = d.activate_date {
                v["ActivateDate"] = Value::String(a);
            }
            if let Some(u) = d.user {
                v["User"] = json!({
                    "UserId": u.user_id,
                    "UserPrincipalName": format!("{}@{domain}", u.user_name),
                    "DisplayName": u.display_name,
                });
            }
            v
        })
        .collect();
    let mut m = Map::new();
    m.insert("IsTruncated".into(), Value::Bool(truncated));
    if truncated {
        if let Some(last) = page.last().and_then(|v| v["SerialNumber"].as_str()) {
            m.insert("Marker".into(), Value::String(last.to_string()));
        }
    }
    m.insert(
        "VirtualMFADevices".into(),
        json!({ "VirtualMFADevice": page }),
    );
    Ok(m.into())
}
