//! Account-wide settings: the password policy, the security preference and
//! the account alias. Each is one document in the store, written whole.

use rampart_policy::IpNet;
use serde::{de::DeserializeOwned, Deserialize, Serialize};

use crate::{ApiError, Rampart};

const PASSWORD_POLICY: &str = "PasswordPolicy";
const SECURITY_PREFERENCE: &str = "SecurityPreference";
const ACCOUNT_ALIAS: &str = "AccountAlias";

/// The longest password RAM accepts, whatever the policy.
pub const MAX_PASSWORD_CHARS: u32 = 32;
/// The most previous passwords a login profile remembers
/// (`PasswordReusePrevention` at most).
pub const MAX_REUSE_PREVENTION: u32 = 24;

/// The account's password policy, as `GetPasswordPolicy` returns it (RAM's
/// field names; `MaxLoginAttemps` is the API's spelling).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct PasswordPolicy {
    /// 8–32.
    pub minimum_password_length: u32,
    /// At least one `a`–`z`.
    pub require_lowercase_characters: bool,
    /// At least one `A`–`Z`.
    pub require_uppercase_characters: bool,
    /// At least one digit.
    pub require_numbers: bool,
    /// At least one ASCII punctuation character.
    pub require_symbols: bool,
    /// An expired password can no longer be used to log on (else the user
    /// must change it at logon).
    pub hard_expiry: bool,
    /// Days a password is valid; 0: forever.
    pub max_password_age: u32,
    /// How many of the latest passwords cannot be used again; 0: any.
    pub password_reuse_prevention: u32,
    /// Failed logons within an hour before the user is locked out for the
    /// rest of the hour; 0: no limit.
    #[serde(rename = "MaxLoginAttemps")]
    pub max_login_attempts: u32,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        Self {
            minimum_password_length: 8,
            require_lowercase_characters: false,
            require_uppercase_characters: false,
            require_numbers: false,
            require_symbols: false,
            hard_expiry: false,
            max_password_age: 0,
            password_reuse_prevention: 0,
            max_login_attempts: 0,
        }
    }
}

/// `SetPasswordPolicy` input: an absent field takes its default.
#[derive(Debug, Default, Clone)]
pub struct SetPasswordPolicy {
    /// `MinimumPasswordLength`.
    pub minimum_password_length: Option<u32>,
    /// `RequireLowercaseCharacters`.
    pub require_lowercase_characters: Option<bool>,
    /// `RequireUppercaseCharacters`.
    pub require_uppercase_characters: Option<bool>,
    /// `RequireNumbers`.
    pub require_numbers: Option<bool>,
    /// `RequireSymbols`.
    pub require_symbols: Option<bool>,
    /// `HardExpiry` (IMS: `HardExpire`).
    pub hard_expiry: Option<bool>,
    /// `MaxPasswordAge`.
    pub max_password_age: Option<u32>,
    /// `PasswordReusePrevention`.
    pub password_reuse_prevention: Option<u32>,
    /// `MaxLoginAttemps`.
    pub max_login_attempts: Option<u32>,
}

fn in_range(name: &str, v: Option<u32>, min: u32, max: u32, default: u32) -> Result<u32, ApiError> {
    match v {
        None => Ok(default),
        Some(n) if (min..=max).contains(&n) => Ok(n),
        Some(n) => Err(ApiError::invalid(
            name,
            format!("The parameter \"{name}\" must be from {min} to {max}, got {n}."),
        )),
    }
}

impl SetPasswordPolicy {
    fn build(&self) -> Result<PasswordPolicy, ApiError> {
        let d = PasswordPolicy::default();
        Ok(PasswordPolicy {
            minimum_password_length: in_range(
                "MinimumPasswordLength",
                self.minimum_password_length,
                8,
                MAX_PASSWORD_CHARS,
                d.minimum_password_length,
            )?,
            require_lowercase_characters: self.require_lowercase_characters.unwrap_or(false),
            require_uppercase_characters: self.require_uppercase_characters.unwrap_or(false),
            require_numbers: self.require_numbers.unwrap_or(false),
            require_symbols: self.require_symbols.unwrap_or(false),
            hard_expiry: self.hard_expiry.unwrap_or(false),
            max_password_age: in_range("MaxPasswordAge", self.max_password_age, 0, 1095, 0)?,
            password_reuse_prevention: in_range(
                "PasswordReusePrevention",
                self.password_reuse_prevention,
                0,
                MAX_REUSE_PREVENTION,
                0,
            )?,
            max_login_attempts: in_range("MaxLoginAttemps", self.max_login_attempts, 0, 32, 0)?,
        })
    }
}

impl PasswordPolicy {
    /// Whether `password` meets the policy; the error says what is missing.
    pub fn check(&self, password: &str) -> Result<(), ApiError> {
        let len = password.chars().count();
        let mut missing = Vec::new();
        let min = self.minimum_password_length as usize;
        if len < min || len > MAX_PASSWORD_CHARS as usize {
            missing.push(format!("{min} to {MAX_PASSWORD_CHARS} characters"));
        }
        if !password.chars().all(|c| c.is_ascii_graphic()) {
            missing.push("only printable ASCII characters, no spaces".into());
        }
        let has = |f: fn(&char) -> bool| password.chars().any(|c| f(&c));
        if self.require_lowercase_characters && !has(char::is_ascii_lowercase) {
            missing.push("a lowercase letter".into());
        }
        if self.require_uppercase_characters && !has(char::is_ascii_uppercase) {
            missing.push("an uppercase letter".into());
        }
        if self.require_numbers && !has(char::is_ascii_digit) {
            missing.push("a digit".into());
        }
        if self.require_symbols && !has(char::is_ascii_punctuation) {
            missing.push("a symbol".into());
        }
        if missing.is_empty() {
            return Ok(());
        }
        Err(ApiError::of(
            crate::codes::INVALID_PARAMETER_PASSWORD,
            format!(
                "The password does not meet the password policy: it needs {}.",
                missing.join(", ")
            ),
        ))
    }

    /// Whether a password set at `changed_at` has expired at `now`.
    pub fn expired(&self, changed_at: i64, now: i64) -> bool {
        self.max_password_age > 0 && now >= changed_at + i64::from(self.max_password_age) * 86_400
    }
}

/// The account's security preference (RAM's seven fields, flat).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct SecurityPreference {
    /// RAM users may change their own passwords.
    pub allow_user_to_change_password: bool,
    /// RAM users may manage their own AccessKeys.
    pub allow_user_to_manage_access_keys: bool,
    /// RAM users may manage their own MFA devices.
    #[serde(rename = "AllowUserToManageMFADevices")]
    pub allow_user_to_manage_mfa_devices: bool,
    /// RAM users may manage their own public keys (kept, not used).
    pub allow_user_to_manage_public_keys: bool,
    /// Remember MFA for seven days (kept, not used).
    #[serde(rename = "EnableSaveMFATicket")]
    pub enable_save_mfa_ticket: bool,
    /// Networks RAM users may log on to the console from (`;`-separated
    /// CIDR blocks); empty: anywhere.
    pub login_network_masks: String,
    /// Hours a RAM user's console session lasts, 1–24.
    pub login_session_duration: u32,
}

impl Default for SecurityPreference {
    fn default() -> Self {
        Self {
            allow_user_to_change_password: true,
            allow_user_to_manage_access_keys: false,
            allow_user_to_manage_mfa_devices: true,
            allow_user_to_manage_public_keys: false,
            enable_save_mfa_ticket: false,
            login_network_masks: String::new(),
            login_session_duration: 6,
        }
    }
}

/// `SetSecurityPreference` input: an absent field keeps its value.
#[derive(Debug, Default, Clone)]
pub struct SetSecurityPreference {
    /// `AllowUserToChangePassword`.
    pub allow_user_to_change_password: Option<bool>,
    /// `AllowUserToManageAccessKeys`.
    pub allow_user_to_manage_access_keys: Option<bool>,
    /// `AllowUserToManageMFADevices`.
    pub allow_user_to_manage_mfa_devices: Option<bool>,
    /// `AllowUserToManagePublicKeys`.
    pub allow_user_to_manage_public_keys: Option<bool>,
    /// `EnableSaveMFATicket`.
    pub enable_save_mfa_ticket: Option<bool>,
    /// `LoginNetworkMasks`.
    pub login_network_masks: Option<String>,
    /// `LoginSessionDuration`.
    pub login_session_duration: Option<u32>,
}

/// The most network masks `LoginNetworkMasks` may hold.
pub const MAX_NETWORK_MASKS: usize = 40;
/// The longest `LoginNetworkMasks`.
pub const MAX_NETWORK_MASKS_LEN: usize = 512;

/// Parses `LoginNetworkMasks` (`10.0.0.0/8;192.168.0.0/16`).
pub fn network_masks(text: &str) -> Result<Vec<IpNet>, ApiError> {
    let bad = |m: String| ApiError::invalid("LoginNetworkMasks", m);
    if text.len() > MAX_NETWORK_MASKS_LEN {
        return Err(bad(format!(
            "The parameter \"LoginNetworkMasks\" is longer than {MAX_NETWORK_MASKS_LEN} characters."
        )));
    }
    let parts: Vec<&str> = text
        .split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    if parts.len() > MAX_NETWORK_MASKS {
        return Err(bad(format!(
            "The parameter \"LoginNetworkMasks\" holds more than {MAX_NETWORK_MASKS} masks."
        )));
    }
    parts
        .iter()
        .map(|p| {
            IpNet::parse(p).ok_or_else(|| {
                bad(format!(
                    "The parameter \"LoginNetworkMasks\" holds `{}`, which is not a CIDR block such as 10.0.0.0/8.",
                    p.chars().take(64).collect::<String>()
                ))
            })
        })
        .collect()
}

impl SecurityPreference {
    /// Whether a console logon from `source` is allowed.
    pub fn allows_network(&self, source: Option<&str>) -> bool {
        let Ok(masks) = network_masks(&self.login_network_masks) else {
            return false;
        };
        if masks.is_empty() {
            return true;
        }
        let Some(ip) = source.and_then(|s| s.parse::<std::net::IpAddr>().ok()) else {
            return false;
        };
        masks.iter().any(|m| m.contains(ip))
    }
}

/// An account alias: 3–32 of `a`–`z`, `0`–`9`, `-`; no leading, trailing
/// or doubled `-`.
pub fn account_alias(v: &str) -> Result<(), ApiError> {
    let len = v.chars().count();
    if !(3..=32).contains(&len) {
        return Err(ApiError::of(
            crate::codes::INVALID_PARAMETER_ACCOUNT_ALIAS_LENGTH,
            "The parameter - \"AccountAlias\" must be 3 to 32 characters long.",
        ));
    }
    let chars_ok = v
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !chars_ok {
        return Err(ApiError::of(crate::codes::INVALID_PARAMETER_ACCOUNT_ALIAS_INVALID_CHARS,
            "The parameter - \"AccountAlias\" may hold only lowercase letters, digits and hyphens (-).",
        ));
    }
    if v.starts_with('-') || v.ends_with('-') || v.contains("--") {
        return Err(ApiError::of(crate::codes::INVALID_PARAMETER_ACCOUNT_ALIAS_FORMAT,
            "The parameter - \"AccountAlias\" cannot start or end with a hyphen (-) or hold two hyphens in a row.",
        ));
    }
    Ok(())
}

impl Rampart {
    fn setting<T: DeserializeOwned + Default>(&self, name: &str) -> Result<T, ApiError> {
        match self.store.get_setting(name).map_err(ApiError::internal)? {
            Some(text) => serde_json::from_str(&text).map_err(ApiError::internal),
            None => Ok(T::default()),
        }
    }

    fn put<T: Serialize>(&self, name: &str, v: &T) -> Result<(), ApiError> {
        let text = serde_json::to_string(v).map_err(ApiError::internal)?;
        self.store
            .put_setting(name, Some(&text), self.now())
            .map_err(ApiError::internal)
    }

    /// The account's password policy.
    pub fn password_policy(&self) -> Result<PasswordPolicy, ApiError> {
        self.setting(PASSWORD_POLICY)
    }

    /// Replaces the password policy; returns it.
    pub fn set_password_policy(&self, req: &SetPasswordPolicy) -> Result<PasswordPolicy, ApiError> {
        let policy = req.build()?;
        self.put(PASSWORD_POLICY, &policy)?;
        Ok(policy)
    }

    /// The account's security preference.
    pub fn security_preference(&self) -> Result<SecurityPreference, ApiError> {
        self.setting(SECURITY_PREFERENCE)
    }

    /// Changes the fields given; returns the preference.
    pub fn set_security_preference(
        &self,
        req: &SetSecurityPreference,
    ) -> Result<SecurityPreference, ApiError> {
        if let Some(m) = &req.login_network_masks {
            network_masks(m)?;
        }
        if let Some(h) = req.login_session_duration {
            in_range("LoginSessionDuration", Some(h), 1, 24, 6)?;
        }
        let mut p = self.security_preference()?;
        let set = |dst: &mut bool, v: Option<bool>| {
            if let Some(v) = v {
                *dst = v;
            }
        };
        set(
            &mut p.allow_user_to_change_password,
            req.allow_user_to_change_password,
        );
        set(
            &mut p.allow_user_to_manage_access_keys,
            req.allow_user_to_manage_access_keys,
        );
        set(
            &mut p.allow_user_to_manage_mfa_devices,
            req.allow_user_to_manage_mfa_devices,
        );
        set(
            &mut p.allow_user_to_manage_public_keys,
            req.allow_user_to_manage_public_keys,
        );
        set(&mut p.enable_save_mfa_ticket, req.enable_save_mfa_ticket);
        if let Some(m) = &req.login_network_masks {
            p.login_network_masks = m.trim().to_string();
        }
        if let Some(h) = req.login_session_duration {
            p.login_session_duration = h;
        }
        self.put(SECURITY_PREFERENCE, &p)?;
        Ok(p)
    }

    /// The account alias; the account id when none is set (as RAM answers).
    pub fn account_alias(&self) -> Result<String, ApiError> {
        Ok(self
            .store
            .get_setting(ACCOUNT_ALIAS)
            .map_err(ApiError::internal)?
            .unwrap_or_else(|| self.account_id.clone()))
    }

    /// The alias set, if any.
    pub(crate) fn alias_set(&self) -> Result<Option<String>, ApiError> {
        self.store
            .get_setting(ACCOUNT_ALIAS)
            .map_err(ApiError::internal)
    }

    /// Sets the account alias.
    pub fn set_account_alias(&self, alias: &str) -> Result<(), ApiError> {
        account_alias(alias)?;
        if alias.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ApiError::of(crate::codes::INVALID_PARAMETER_ACCOUNT_ALIAS_FORMAT,
                "The parameter - \"AccountAlias\" cannot be only digits (it would read as an account id).",
            ));
        }
        self.store
            .put_setting(ACCOUNT_ALIAS, Some(alias), self.now())
            .map_err(ApiError::internal)
    }

    /// Removes the account alias (the account id names the account again).
    pub fn clear_account_alias(&self) -> Result<(), ApiError> {
        self.store
            .put_setting(ACCOUNT_ALIAS, None, self.now())
            .map_err(ApiError::internal)
    }

    /// The domain of RAM users' logon names: `<alias or id>.onaliyun.com`.
    pub fn default_domain(&self) -> Result<String, ApiError> {
        Ok(format!("{}.onaliyun.com", self.account_alias()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_policy_checks_each_rule() {
        let mut p = PasswordPolicy::default();
        assert!(p.check("abcdefgh").is_ok());
        assert!(p.check("abcdefg").is_err());
        assert!(p.check(&"a".repeat(33)).is_err());
        assert!(p.check("abcd efgh").is_err());
        p.require_uppercase_characters = true;
        p.require_numbers = true;
        p.require_symbols = true;
        let e = p.check("abcdefgh").unwrap_err();
        assert_eq!(e.code, "InvalidParameter.Password");
        assert!(
            e.message.contains("an uppercase letter, a digit, a symbol"),
            "{}",
            e.message
        );
        assert!(p.check("Abcdefg1!").is_ok());
        p.minimum_password_length = 12;
        assert!(p.check("Abcdefg1!").is_err());
    }

    #[test]
    fn expiry_counts_days() {
        let p = PasswordPolicy {
            max_password_age: 2,
            ..Default::default()
        };
        assert!(!p.expired(0, 2 * 86_400 - 1));
        assert!(p.expired(0, 2 * 86_400));
        assert!(!PasswordPolicy::default().expired(0, i64::MAX / 2));
    }

    #[test]
    fn set_policy_ranges_and_wire_names() {
        let bad = SetPasswordPolicy {
            minimum_password_length: Some(7),
            ..Default::default()
        };
        assert_eq!(
            bad.build().unwrap_err().code,
            "InvalidParameter.MinimumPasswordLength"
        );
        let bad = SetPasswordPolicy {
            max_login_attempts: Some(33),
            ..Default::default()
        };
        assert_eq!(
            bad.build().unwrap_err().code,
            "InvalidParameter.MaxLoginAttemps"
        );
        let json = serde_json::to_value(PasswordPolicy::default()).unwrap();
        assert_eq!(json["MaxLoginAttemps"], 0);
        assert_eq!(json["HardExpiry"], false);
        let pref = serde_json::to_value(SecurityPreference::default()).unwrap();
        assert_eq!(pref["AllowUserToManageMFADevices"], true);
        assert_eq!(pref["EnableSaveMFATicket"], false);
        assert_eq!(pref["LoginSessionDuration"], 6);
    }

    #[test]
    fn aliases_and_masks() {
        for ok in ["abc", "my-corp-1", &"a".repeat(32)] {
            assert!(account_alias(ok).is_ok(), "{ok}");
        }
        for (bad, code) in [
            ("ab", "Length"),
            ("Corp", "InvalidChars"),
            ("a_b", "InvalidChars"),
            ("-abc", "Format"),
            ("abc-", "Format"),
            ("a--b", "Format"),
        ] {
            assert_eq!(
                account_alias(bad).unwrap_err().code,
                format!("InvalidParameter.AccountAlias.{code}")
            );
        }
        assert_eq!(
            network_masks("10.0.0.0/8; 192.168.1.0/24").unwrap().len(),
            2
        );
        assert!(network_masks("10.0.0.0/33").is_err());
        let p = SecurityPreference {
            login_network_masks: "10.0.0.0/8".into(),
            ..Default::default()
        };
        assert!(p.allows_network(Some("10.1.2.3")));
        assert!(!p.allows_network(Some("192.168.0.1")));
        assert!(!p.allows_network(None));
        assert!(SecurityPreference::default().allows_network(None));
    }
}
