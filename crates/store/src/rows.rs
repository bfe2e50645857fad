/// The account a store belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRow {
    /// 16-digit account id.
    pub account_id: String,
    /// Argon2 PHC hash of the console password.
    pub console_password_hash: String,
    /// Creation time.
    pub created_at: i64,
}

/// Whether an AccessKey may be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyStatus {
    /// Usable.
    Active,
    /// Refused by the gateway.
    Inactive,
}

impl KeyStatus {
    /// The wire spelling (`Active` / `Inactive`).
    pub fn as_str(self) -> &'static str {
        match self {
            KeyStatus::Active => "Active",
            KeyStatus::Inactive => "Inactive",
        }
    }

    /// Parses the wire spelling.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "Active" => Some(KeyStatus::Active),
            "Inactive" => Some(KeyStatus::Inactive),
            _ => None,
        }
    }
}

/// An AccessKey. The secret is sealed under the keyring; never plaintext.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessKeyRow {
    /// The AccessKeyId.
    pub access_key_id: String,
    /// The owning user's name; `None` for the account's root key.
    pub user_name: Option<String>,
    /// The sealed secret (AES-256-GCM blob).
    pub secret_sealed: Vec<u8>,
    /// Active or Inactive.
    pub status: KeyStatus,
    /// Creation time.
    pub created_at: i64,
    /// Last time a request was signed with it.
    pub last_used_at: Option<i64>,
}

/// A RAM user.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UserRow {
    /// Stable id (survives renames).
    pub user_id: String,
    /// Unique name.
    pub user_name: String,
    /// Display name.
    pub display_name: String,
    /// Mobile phone, `86-18600008888` form.
    pub mobile_phone: String,
    /// Email.
    pub email: String,
    /// Description.
    pub comments: String,
    /// Creation time.
    pub created_at: i64,
    /// Last update time.
    pub updated_at: i64,
    /// Last console logon.
    pub last_login_at: Option<i64>,
}

/// A user group.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GroupRow {
    /// Stable id.
    pub group_id: String,
    /// Unique name.
    pub group_name: String,
    /// Description.
    pub comments: String,
    /// Creation time.
    pub created_at: i64,
    /// Last update time.
    pub updated_at: i64,
}

/// A user's console logon settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginProfileRow {
    /// Argon2 PHC hash of the password.
    pub password_hash: String,
    /// The user must change the password at next logon.
    pub password_reset_required: bool,
    /// The user must bind an MFA device at next logon.
    pub mfa_bind_required: bool,
    /// Creation time.
    pub created_at: i64,
    /// Last update time.
    pub updated_at: i64,
}
