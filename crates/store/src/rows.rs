//! The rows the store reads and writes, as the domain sees them.

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
    /// Display name (IMS; empty when none was given).
    pub display_name: String,
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
    /// When the password was last set.
    pub password_changed_at: i64,
    /// Hashes of the passwords the profile had before, newest first (the
    /// domain keeps as many as the password policy's
    /// `PasswordReusePrevention`).
    pub previous_hashes: Vec<String>,
}

/// A virtual MFA device.
#[derive(Clone, PartialEq, Eq)]
pub struct MfaDeviceRow {
    /// `acs:ram::<account id>:mfa/<device name>`.
    pub serial_number: String,
    /// The TOTP seed, sealed.
    pub seed_sealed: Vec<u8>,
    /// The user it is bound to, if any (with its id and display name).
    pub user: Option<(String, String, String)>,
    /// Creation time.
    pub created_at: i64,
    /// When it was bound.
    pub activated_at: Option<i64>,
    /// The last TOTP time step a code was accepted for.
    pub last_step: i64,
}

impl std::fmt::Debug for MfaDeviceRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MfaDeviceRow")
            .field("serial_number", &self.serial_number)
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

/// A custom policy (system policies are built into the domain).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyRow {
    /// Unique name.
    pub policy_name: String,
    /// Description.
    pub description: String,
    /// Number of the default version (`v<n>`).
    pub default_version: i64,
    /// Creation time.
    pub created_at: i64,
    /// Last update time.
    pub updated_at: i64,
}

/// One version of a custom policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyVersionRow {
    /// Version number (`v<n>` on the wire).
    pub version: i64,
    /// The policy document (JSON text).
    pub document: String,
    /// Creation time.
    pub created_at: i64,
}

/// A RAM role.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RoleRow {
    /// Stable id.
    pub role_id: String,
    /// Unique name (case-insensitive).
    pub role_name: String,
    /// Description.
    pub description: String,
    /// The trust policy (`AssumeRolePolicyDocument`).
    pub trust_policy: String,
    /// Longest session, seconds.
    pub max_session_duration: i64,
    /// Created by `CreateServiceLinkedRole`.
    pub service_linked: bool,
    /// Creation time.
    pub created_at: i64,
    /// Last update time.
    pub updated_at: i64,
}

/// What a policy can be attached to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrincipalKind {
    /// A RAM user.
    User,
    /// A group.
    Group,
    /// A role.
    Role,
}

impl PrincipalKind {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            PrincipalKind::User => "User",
            PrincipalKind::Group => "Group",
            PrincipalKind::Role => "Role",
        }
    }
}

/// `System` or `Custom`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PolicyType {
    /// Built in, read-only.
    System,
    /// Made by the account.
    Custom,
}

impl PolicyType {
    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyType::System => "System",
            PolicyType::Custom => "Custom",
        }
    }

    /// Parses the wire spelling.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "System" => Some(PolicyType::System),
            "Custom" => Some(PolicyType::Custom),
            _ => None,
        }
    }
}

/// A policy attached to a principal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentRow {
    /// System or Custom.
    pub policy_type: PolicyType,
    /// The policy's name.
    pub policy_name: String,
    /// When it was attached.
    pub attached_at: i64,
}

/// A principal a policy is attached to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachedEntity {
    /// User, group or role.
    pub kind: PrincipalKind,
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Display name (users), comments (groups) or description (roles).
    pub label: String,
    /// When the policy was attached.
    pub attached_at: i64,
}

/// A policy that applies to a principal, with its default document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EffectivePolicy {
    /// System or Custom.
    pub policy_type: PolicyType,
    /// Name.
    pub policy_name: String,
    /// Default version number (custom); 0 for system policies.
    pub version: i64,
    /// The default version's document (custom); empty for system policies.
    pub document: String,
}

/// Per-principal attachment quotas.
#[derive(Debug, Clone, Copy)]
pub struct AttachLimits {
    /// System policies per principal.
    pub system: u64,
    /// Custom policies per principal.
    pub custom: u64,
}
