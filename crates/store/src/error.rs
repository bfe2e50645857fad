//! Store errors: business outcomes (not found, conflict, limit) apart from backend failures.

/// The kinds of stored things an error can be about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entity {
    /// The account itself.
    Account,
    /// A RAM user.
    User,
    /// An AccessKey.
    AccessKey,
    /// A user group.
    Group,
    /// A user's membership of a group.
    Membership,
    /// A user's login profile.
    LoginProfile,
    /// A custom policy.
    Policy,
    /// A version of a custom policy.
    PolicyVersion,
    /// The default version of a policy (cannot be deleted).
    DefaultPolicyVersion,
    /// A RAM role.
    Role,
    /// A policy's attachment to a user, group or role.
    Attachment,
    /// A system policy (only for attachment limits).
    SystemAttachment,
    /// A KMS key.
    Key,
    /// A KMS key version.
    KeyVersion,
    /// A KMS alias.
    Alias,
    /// A tag.
    Tag,
    /// A secret.
    Secret,
    /// A secret version.
    SecretVersion,
    /// A version stage label.
    Stage,
    /// A virtual MFA device (or, for a user, its bound device).
    MfaDevice,
    /// An identity provider (OIDC or SAML).
    Provider,
    /// A database account a database secret manages.
    DbAccount,
}

/// A store operation failed. Business outcomes (not found, conflict, limit)
/// are kept apart from backend failures.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The named thing does not exist.
    #[error("{0:?} not found")]
    NotFound(Entity),
    /// The thing already exists.
    #[error("{0:?} already exists")]
    Conflict(Entity),
    /// The thing cannot be deleted while it still has dependents of this kind.
    #[error("still has dependent {0:?}")]
    DeleteConflict(Entity),
    /// The thing cannot be deleted while it is attached to principals of this kind.
    #[error("still attached to a {0:?}")]
    DeleteConflictOn(crate::PrincipalKind),
    /// A quota of this kind would be exceeded.
    #[error("limit of {0:?} exceeded")]
    Limit(Entity),
    /// Text no backend stores alike (a NUL character): refused by every
    /// backend before it reaches the database.
    #[error("text with a NUL character")]
    NulInText,
    /// The database failed; the message is for logs, not for clients.
    #[error("database error: {0}")]
    Backend(String),
}

/// Result of a store operation.
pub type StoreResult<T> = Result<T, StoreError>;
