//! RAM account-wide settings: the password policy, the security preference,
//! the account alias; and `ChangePassword`, a RAM user's own.

use rampart_core::ram::mfa::MfaDeviceView;
use rampart_core::ram::settings::{
    PasswordPolicy, SecurityPreference, SetPasswordPolicy, SetSecurityPreference,
};
use rampart_core::ApiError;
use rampart_crypto::SecretString;
use serde::Serialize;

use crate::action::{read, FromParams};
use crate::on;
use crate::request;
use crate::respond::{key, Answer, Listed, Nothing, One};
use crate::{Ctx, Params, Product};

/// The password policy as the product spells it.
#[derive(Serialize)]
#[serde(untagged)]
pub(crate) enum PolicyAs {
    /// RAM's: the core's own fields.
    Ram(PasswordPolicy),
    /// IMS's, which calls `HardExpiry` `HardExpire`.
    Ims(ImsPasswordPolicy),
}

/// The password policy as IMS spells it: RAM's fields, with `HardExpire`
/// for `HardExpiry`, last.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct ImsPasswordPolicy {
    minimum_password_length: u32,
    require_lowercase_characters: bool,
    require_uppercase_characters: bool,
    require_numbers: bool,
    require_symbols: bool,
    #[serde(rename = "MaxLoginAttemps")]
    max_login_attempts: u32,
    max_password_age: u32,
    password_reuse_prevention: u32,
    hard_expire: bool,
}

/// The policy as `product` spells it.
fn policy_view(product: Product, p: PasswordPolicy) -> PolicyAs {
    if product != Product::Ims {
        return PolicyAs::Ram(p);
    }
    PolicyAs::Ims(ImsPasswordPolicy {
        minimum_password_length: p.minimum_password_length,
        require_lowercase_characters: p.require_lowercase_characters,
        require_uppercase_characters: p.require_uppercase_characters,
        require_numbers: p.require_numbers,
        require_symbols: p.require_symbols,
        hard_expire: p.hard_expiry,
        max_password_age: p.max_password_age,
        password_reuse_prevention: p.password_reuse_prevention,
        max_login_attempts: p.max_login_attempts,
    })
}

/// `{PasswordPolicy: …}`, as the product spells it.
pub(crate) type PasswordPolicyAnswer = One<key::PasswordPolicy, PolicyAs>;

pub(crate) fn get_password_policy(
    ctx: &Ctx<'_>,
    _: on::RamAccount,
    (): (),
) -> Result<PasswordPolicyAnswer, ApiError> {
    let p = ctx.rampart.password_policy()?;
    Ok(One::new(policy_view(ctx.product, p)))
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
) -> Result<PasswordPolicyAnswer, ApiError> {
    let policy = ctx.rampart.set_password_policy(update)?;
    Ok(One::new(policy_view(ctx.product, policy)))
}

pub(crate) fn set_password_policy(
    ctx: &Ctx<'_>,
    _: on::RamAccount,
    r: RamPasswordPolicy,
) -> Result<PasswordPolicyAnswer, ApiError> {
    apply_password_policy(ctx, &r.0)
}

/// The security preference in its nested shape (IMS's has no public-key
/// preference).
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct PreferenceView {
    login_profile_preference: LoginProfilePreference,
    access_key_preference: AccessKeyPreference,
    #[serde(rename = "MFAPreference")]
    mfa_preference: MfaPreference,
    #[serde(skip_serializing_if = "Option::is_none")]
    public_key_preference: Option<PublicKeyPreference>,
}

/// `LoginProfilePreference`.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct LoginProfilePreference {
    allow_user_to_change_password: bool,
    #[serde(rename = "EnableSaveMFATicket")]
    enable_save_mfa_ticket: bool,
    login_network_masks: String,
    login_session_duration: u32,
}

/// `AccessKeyPreference`.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct AccessKeyPreference {
    allow_user_to_manage_access_keys: bool,
}

/// `MFAPreference`.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct MfaPreference {
    #[serde(rename = "AllowUserToManageMFADevices")]
    allow_user_to_manage_mfa_devices: bool,
}

/// `PublicKeyPreference`.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct PublicKeyPreference {
    allow_user_to_manage_public_keys: bool,
}

/// The preference in `product`'s shape.
pub(crate) fn preference_view(p: SecurityPreference, product: Product) -> PreferenceView {
    PreferenceView {
        login_profile_preference: LoginProfilePreference {
            allow_user_to_change_password: p.allow_user_to_change_password,
            enable_save_mfa_ticket: p.enable_save_mfa_ticket,
            login_network_masks: p.login_network_masks,
            login_session_duration: p.login_session_duration,
        },
        access_key_preference: AccessKeyPreference {
            allow_user_to_manage_access_keys: p.allow_user_to_manage_access_keys,
        },
        mfa_preference: MfaPreference {
            allow_user_to_manage_mfa_devices: p.allow_user_to_manage_mfa_devices,
        },
        public_key_preference: (product != Product::Ims).then_some(PublicKeyPreference {
            allow_user_to_manage_public_keys: p.allow_user_to_manage_public_keys,
        }),
    }
}

/// `{SecurityPreference: …}`, in the product's shape.
pub(crate) type PreferenceAnswer = One<key::SecurityPreference, PreferenceView>;

pub(crate) fn get_security_preference(
    ctx: &Ctx<'_>,
    _: on::RamAccount,
    (): (),
) -> Result<PreferenceAnswer, ApiError> {
    let p = ctx.rampart.security_preference()?;
    Ok(One::new(preference_view(p, ctx.product)))
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
) -> Result<PreferenceAnswer, ApiError> {
    let pref = ctx.rampart.set_security_preference(&r)?;
    Ok(One::new(preference_view(pref, ctx.product)))
}

pub(crate) fn get_account_alias(
    ctx: &Ctx<'_>,
    _: on::RamAccount,
    (): (),
) -> Result<One<key::AccountAlias, String>, ApiError> {
    Ok(One::new(ctx.rampart.account_alias()?))
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
) -> Result<Nothing, ApiError> {
    ctx.rampart.set_account_alias(&r.account_alias)?;
    Ok(Nothing)
}

pub(crate) fn clear_account_alias(
    ctx: &Ctx<'_>,
    _: on::RamAccount,
    (): (),
) -> Result<Nothing, ApiError> {
    ctx.rampart.clear_account_alias()?;
    Ok(Nothing)
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
) -> Result<Nothing, ApiError> {
    ctx.rampart
        .change_password(&user, &r.old_password, &r.new_password, ctx.source_ip)?;
    Ok(Nothing)
}

pub(crate) fn create_virtual_mfa_device(
    ctx: &Ctx<'_>,
    on::NewMfa(mfa): on::NewMfa,
    (): (),
) -> Result<One<key::VirtualMFADevice, NewMfaDevice>, ApiError> {
    let name = &mfa.rsplit('/').next().unwrap_or_default();
    let d = ctx.rampart.create_virtual_mfa_device(name)?;
    Ok(One::new(NewMfaDevice {
        serial_number: d.serial_number,
        base32_string_seed: d.base32_string_seed,
        qr_code_png: crate::qr::png_base64(&d.otpauth_url)?,
    }))
}

/// A new virtual MFA device, with its seed (shown only here).
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct NewMfaDevice {
    serial_number: String,
    base32_string_seed: String,
    #[serde(rename = "QRCodePNG")]
    qr_code_png: String,
}

pub(crate) fn list_virtual_mfa_devices(
    ctx: &Ctx<'_>,
    _: on::MfaDevices,
    (): (),
) -> Result<Listed<key::VirtualMFADevices, key::VirtualMFADevice, MfaDeviceView>, ApiError> {
    Ok(Listed::new(ctx.rampart.list_virtual_mfa_devices()?))
}

pub(crate) fn delete_virtual_mfa_device(
    ctx: &Ctx<'_>,
    on::Mfa(mfa): on::Mfa,
    (): (),
) -> Result<Nothing, ApiError> {
    ctx.rampart.delete_virtual_mfa_device(&mfa)?;
    Ok(Nothing)
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
) -> Result<Nothing, ApiError> {
    ctx.rampart
        .bind_mfa_device(user.name(), &mfa, &r.code1, &r.code2)?;
    Ok(Nothing)
}

pub(crate) fn unbind_mfa_device<U: on::OneUser>(
    ctx: &Ctx<'_>,
    user: U,
    (): (),
) -> Result<MfaDeviceAnswer<UnboundMfaDevice>, ApiError> {
    let serial_number = ctx.rampart.unbind_mfa_device(user.name())?;
    Ok(MfaDeviceAnswer {
        mfa_device: UnboundMfaDevice { serial_number },
    })
}

/// `UnbindMFADevice`: the device that was bound.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct UnboundMfaDevice {
    serial_number: String,
}

/// `GetUserMFAInfo`: the user's device.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct BoundMfaDevice {
    serial_number: String,
    /// Always `VMFA`: the devices are virtual.
    r#type: &'static str,
}

pub(crate) fn get_user_mfa_info(
    ctx: &Ctx<'_>,
    on::User(user): on::User,
    (): (),
) -> Result<MfaDeviceAnswer<BoundMfaDevice>, ApiError> {
    let serial_number = ctx.rampart.user_mfa_info(&user)?;
    Ok(MfaDeviceAnswer {
        mfa_device: BoundMfaDevice {
            serial_number,
            r#type: "VMFA",
        },
    })
}

/// `{MFADevice: …}`.
#[derive(Serialize)]
pub(crate) struct MfaDeviceAnswer<D> {
    #[serde(rename = "MFADevice")]
    mfa_device: D,
}

impl<D: Serialize> Answer for MfaDeviceAnswer<D> {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imss_password_policy_keeps_its_order() {
        let p = PasswordPolicy {
            hard_expiry: true,
            max_login_attempts: 5,
            ..PasswordPolicy::default()
        };
        let a: PasswordPolicyAnswer = One::new(policy_view(Product::Ims, p.clone()));
        assert_eq!(
            serde_json::to_string(&a).unwrap(),
            r#"{"PasswordPolicy":{"MinimumPasswordLength":8,"RequireLowercaseCharacters":false,"RequireUppercaseCharacters":false,"RequireNumbers":false,"RequireSymbols":false,"MaxLoginAttemps":5,"MaxPasswordAge":0,"PasswordReusePrevention":0,"HardExpire":true}}"#
        );
        let a: PasswordPolicyAnswer = One::new(policy_view(Product::Ram, p));
        assert_eq!(
            serde_json::to_string(&a).unwrap(),
            r#"{"PasswordPolicy":{"MinimumPasswordLength":8,"RequireLowercaseCharacters":false,"RequireUppercaseCharacters":false,"RequireNumbers":false,"RequireSymbols":false,"HardExpiry":true,"MaxPasswordAge":0,"PasswordReusePrevention":0,"MaxLoginAttemps":5}}"#
        );
    }
}
