//! RAM account-wide settings: the password policy, the security preference,
//! the account alias; and `ChangePassword`, a RAM user's own.

use rampart_core::ram::settings::{
    PasswordPolicy, SecurityPreference, SetPasswordPolicy, SetSecurityPreference,
};
use rampart_core::ApiError;
use rampart_crypto::SecretString;
use serde_json::{json, Value};

use crate::action::{read, FromParams};
use crate::on;
use crate::request;
use crate::respond::{empty, field as one};
use crate::{Ctx, Output, Params, Product};

/// The policy as the product spells it: IMS calls `HardExpiry`
/// `HardExpire`.
pub(crate) fn policy_view(product: Product, p: &PasswordPolicy) -> Result<Value, ApiError> {
    let mut v = serde_json::to_value(p).map_err(ApiError::internal)?;
    if product == Product::Ims {
        if let Some(o) = v.as_object_mut() {
            if let Some(h) = o.remove("HardExpiry") {
                o.insert("HardExpire".into(), h);
            }
        }
    }
    Ok(v)
}

pub(crate) fn get_password_policy(
    ctx: &Ctx<'_>,
    _: on::RamAccount,
    (): (),
) -> Result<Output, ApiError> {
    let p = ctx.rampart.password_policy()?;
    one("PasswordPolicy", policy_view(ctx.product, &p)?)
}

/// `SetPasswordPolicy`'s parameters; the product names its hard expiry
/// (`HardExpiry` in RAM, `HardExpire` in IMS).
fn password_policy(p: &Params, hard: &str) -> Result<SetPasswordPolicy, ApiError> {
    Ok(SetPasswordPolicy {
        minimum_password_length: p.u32("MinimumPasswordLength")?,
        require_lowercase_characters: p.bool("RequireLowercaseCharacters")?,
        require_uppercase_characters: p.bool("RequireUppercaseCharacters")?,
        require_numbers: p.bool("RequireNumbers")?,
        require_symbols: p.bool("RequireSymbols")?,
        hard_expiry: p.bool(hard)?,
        max_password_age: p.u32("MaxPasswordAge")?,
        password_reuse_prevention: p.u32("PasswordReusePrevention")?,
        max_login_attempts: p.u32("MaxLoginAttemps")?,
    })
}

/// RAM's `SetPasswordPolicy`.
pub(crate) struct RamPasswordPolicy(SetPasswordPolicy);

impl FromParams for RamPasswordPolicy {
    fn parse(p: &Params) -> Result<Self, ApiError> {
        password_policy(p, "HardExpiry").map(Self)
    }
}

/// IMS's `SetPasswordPolicy`.
pub(crate) struct ImsPasswordPolicyUpdate(pub(crate) SetPasswordPolicy);

impl FromParams for ImsPasswordPolicyUpdate {
    fn parse(p: &Params) -> Result<Self, ApiError> {
        password_policy(p, "HardExpire").map(Self)
    }
}

/// Sets the password policy and answers it as the product spells it.
pub(crate) fn apply_password_policy(
    ctx: &Ctx<'_>,
    update: &SetPasswordPolicy,
) -> Result<Output, ApiError> {
    let policy = ctx.rampart.set_password_policy(update)?;
    one("PasswordPolicy", policy_view(ctx.product, &policy)?)
}

pub(crate) fn set_password_policy(
    ctx: &Ctx<'_>,
    _: on::RamAccount,
    r: RamPasswordPolicy,
) -> Result<Output, ApiError> {
    apply_password_policy(ctx, &r.0)
}

/// RAM's nested shape of the security preference.
pub(crate) fn preference_view(p: &SecurityPreference) -> Value {
    json!({
        "LoginProfilePreference": {
            "AllowUserToChangePassword": p.allow_user_to_change_password,
            "EnableSaveMFATicket": p.enable_save_mfa_ticket,
            "LoginNetworkMasks": p.login_network_masks,
            "LoginSessionDuration": p.login_session_duration,
        },
        "AccessKeyPreference": {
            "AllowUserToManageAccessKeys": p.allow_user_to_manage_access_keys,
        },
        "MFAPreference": {
            "AllowUserToManageMFADevices": p.allow_user_to_manage_mfa_devices,
        },
        "PublicKeyPreference": {
            "AllowUserToManagePublicKeys": p.allow_user_to_manage_public_keys,
        },
    })
}

pub(crate) fn get_security_preference(
    ctx: &Ctx<'_>,
    _: on::RamAccount,
    (): (),
) -> Result<Output, ApiError> {
    let p = ctx.rampart.security_preference()?;
    one("SecurityPreference", preference_view(&p))
}

/// `SetSecurityPreference` (RAM and IMS).
impl FromParams for SetSecurityPreference {
    fn parse(p: &Params) -> Result<Self, ApiError> {
        Ok(SetSecurityPreference {
            allow_user_to_change_password: read::bool(p, "AllowUserToChangePassword")?,
            allow_user_to_manage_access_keys: read::bool(p, "AllowUserToManageAccessKeys")?,
            allow_user_to_manage_mfa_devices: read::bool(p, "AllowUserToManageMFADevices")?,
            allow_user_to_manage_public_keys: read::bool(p, "AllowUserToManagePublicKeys")?,
            enable_save_mfa_ticket: read::bool(p, "EnableSaveMFATicket")?,
            login_network_masks: read::opt(p, "LoginNetworkMasks")?,
            login_session_duration: read::u32(p, "LoginSessionDuration")?,
        })
    }
}

pub(crate) fn set_security_preference(
    ctx: &Ctx<'_>,
    _: on::RamAccount,
    r: SetSecurityPreference,
) -> Result<Output, ApiError> {
    let pref = ctx.rampart.set_security_preference(&r)?;
    one("SecurityPreference", preference_view(&pref))
}

pub(crate) fn get_account_alias(
    ctx: &Ctx<'_>,
    _: on::RamAccount,
    (): (),
) -> Result<Output, ApiError> {
    one("AccountAlias", Value::String(ctx.rampart.account_alias()?))
}

request! {
    /// `SetAccountAlias`.
    pub(crate) struct AccountAlias {
        account_alias: String = required("AccountAlias"),
    }
}

pub(crate) fn set_account_alias(
    ctx: &Ctx<'_>,
    _: on::RamAccount,
    r: AccountAlias,
) -> Result<Output, ApiError> {
    ctx.rampart.set_account_alias(&r.account_alias)?;
    empty()
}

pub(crate) fn clear_account_alias(
    ctx: &Ctx<'_>,
    _: on::RamAccount,
    (): (),
) -> Result<Output, ApiError> {
    ctx.rampart.clear_account_alias()?;
    empty()
}

request! {
    /// `ChangePassword` (RAM and IMS).
    pub(crate) struct PasswordChange {
        old_password: SecretString = with(|p: &Params| secret(p, "OldPassword")),
        new_password: SecretString = with(|p: &Params| secret(p, "NewPassword")),
    }
}

/// A required password, held as a secret from the moment it is read.
fn secret(p: &Params, name: &str) -> Result<SecretString, ApiError> {
    Ok(p.required(name)?.to_string().into())
}

pub(crate) fn change_password(
    ctx: &Ctx<'_>,
    on::Caller(user): on::Caller,
    r: PasswordChange,
) -> Result<Output, ApiError> {
    ctx.rampart
        .change_password(&user, &r.old_password, &r.new_password, ctx.source_ip)?;
    empty()
}

pub(crate) fn create_virtual_mfa_device(
    ctx: &Ctx<'_>,
    on::NewMfa(mfa): on::NewMfa,
    (): (),
) -> Result<Output, ApiError> {
    let name = &mfa.rsplit('/').next().unwrap_or_default();
    let d = ctx.rampart.create_virtual_mfa_device(name)?;
    one(
        "VirtualMFADevice",
        json!({
            "SerialNumber": d.serial_number,
            "Base32StringSeed": d.base32_string_seed,
            "QRCodePNG": crate::qr::png_base64(&d.otpauth_url)?,
        }),
    )
}

pub(crate) fn list_virtual_mfa_devices(
    ctx: &Ctx<'_>,
    _: on::MfaDevices,
    (): (),
) -> Result<Output, ApiError> {
    let all = ctx.rampart.list_virtual_mfa_devices()?;
    let v = serde_json::to_value(all).map_err(ApiError::internal)?;
    one("VirtualMFADevices", json!({ "VirtualMFADevice": v }))
}

pub(crate) fn delete_virtual_mfa_device(
    ctx: &Ctx<'_>,
    on::Mfa(mfa): on::Mfa,
    (): (),
) -> Result<Output, ApiError> {
    ctx.rampart.delete_virtual_mfa_device(&mfa)?;
    empty()
}

request! {
    /// `BindMFADevice` (RAM and IMS).
    pub(crate) struct MfaCodes {
        code1: String = required("AuthenticationCode1"),
        code2: String = required("AuthenticationCode2"),
    }
}

pub(crate) fn bind_mfa_device<U: on::OneUser>(
    ctx: &Ctx<'_>,
    (user, on::Mfa(mfa)): (U, on::Mfa),
    r: MfaCodes,
) -> Result<Output, ApiError> {
    ctx.rampart
        .bind_mfa_device(user.name(), &mfa, &r.code1, &r.code2)?;
    empty()
}

pub(crate) fn unbind_mfa_device<U: on::OneUser>(
    ctx: &Ctx<'_>,
    user: U,
    (): (),
) -> Result<Output, ApiError> {
    let serial = ctx.rampart.unbind_mfa_device(user.name())?;
    one("MFADevice", json!({ "SerialNumber": serial }))
}

pub(crate) fn get_user_mfa_info(
    ctx: &Ctx<'_>,
    on::User(user): on::User,
    (): (),
) -> Result<Output, ApiError> {
    let serial = ctx.rampart.user_mfa_info(&user)?;
    one(
        "MFADevice",
        json!({ "SerialNumber": serial, "Type": "VMFA" }),
    )
}
