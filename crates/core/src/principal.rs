//! The principal a request acts as: the account, a RAM user, an assumed role or a federated session.

/// Who signed a request, resolved from its AccessKey (and STS token).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// The account owner (root AccessKey): allowed everything on its own resources.
    Root {
        /// Account id.
        account_id: String,
        /// The key that signed.
        access_key_id: String,
    },
    /// A RAM user of the account.
    User {
        /// Account id.
        account_id: String,
        /// Stable user id.
        user_id: String,
        /// User name.
        user_name: String,
        /// The key that signed (empty for a console session).
        access_key_id: String,
        /// When the console logon behind the session proved an MFA code
        /// (Unix seconds); `None` for AccessKey calls.
        mfa_at: Option<i64>,
    },
    /// A role session: STS credentials from AssumeRole, or a cloud service
    /// (such as `kms.aliyuncs.com`) acting through a role of the account.
    AssumedRole {
        /// Account id.
        account_id: String,
        /// The role's stable id.
        role_id: String,
        /// The role's name.
        role_name: String,
        /// `RoleSessionName`.
        session_name: String,
        /// The STS AccessKeyId (empty for a service's own session).
        access_key_id: String,
        /// The session policy that narrows the role's rights, if any.
        session_policy: Option<String>,
        /// When the session ends (Unix seconds).
        expires_at: i64,
        /// When the console logon the session was assumed from proved an
        /// MFA code (Unix seconds), if it was.
        mfa_at: Option<i64>,
    },
}

impl Principal {
    /// The account the principal belongs to.
    pub fn account_id(&self) -> &str {
        match self {
            Principal::Root { account_id, .. }
            | Principal::User { account_id, .. }
            | Principal::AssumedRole { account_id, .. } => account_id,
        }
    }

    /// The AccessKeyId that signed the request.
    pub fn access_key_id(&self) -> &str {
        match self {
            Principal::Root { access_key_id, .. }
            | Principal::User { access_key_id, .. }
            | Principal::AssumedRole { access_key_id, .. } => access_key_id,
        }
    }

    /// The principal's ARN: `acs:ram::<uid>:root`, `…:user/<name>`,
    /// `…:assumed-role/<role>/<session>`.
    pub fn arn(&self) -> String {
        match self {
            Principal::Root { account_id, .. } => format!("acs:ram::{account_id}:root"),
            Principal::User {
                account_id,
                user_name,
                ..
            } => format!("acs:ram::{account_id}:user/{user_name}"),
            Principal::AssumedRole {
                account_id,
                role_name,
                session_name,
                ..
            } => format!("acs:ram::{account_id}:assumed-role/{role_name}/{session_name}"),
        }
    }

    /// When the caller proved an MFA code (a console logon with MFA, or a
    /// role session assumed from one), for `acs:MFAPresent`.
    pub fn mfa_at(&self) -> Option<i64> {
        match self {
            Principal::Root { .. } => None,
            Principal::User { mfa_at, .. } | Principal::AssumedRole { mfa_at, .. } => *mfa_at,
        }
    }

    /// True for the account owner.
    pub fn is_root(&self) -> bool {
        matches!(self, Principal::Root { .. })
    }

    /// The caller as the policy engine sees it (for trust policies).
    pub fn as_caller(&self) -> rampart_policy::Caller<'_> {
        match self {
            Principal::Root { account_id, .. } => rampart_policy::Caller::Account { account_id },
            Principal::User {
                account_id,
                user_name,
                ..
            } => rampart_policy::Caller::User {
                account_id,
                user_name,
            },
            Principal::AssumedRole {
                account_id,
                role_name,
                session_name,
                ..
            } => rampart_policy::Caller::AssumedRole {
                account_id,
                role_name,
                session: session_name,
            },
        }
    }
}
