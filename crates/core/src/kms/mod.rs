//! KMS (2016-01-20): keys with envelope encryption, aliases, tags, and
//! Secrets Manager.
//!
//! Key hierarchy: the master key file → the keyring's key-material key →
//! each key version's 256-bit material (sealed in the store) → a fresh data
//! key per secret version (sealed under the key version, bound to the
//! secret's ARN and version id) → the secret value (sealed under the data key,
//! bound the same way).

pub mod asym;
pub mod crypto;
pub mod dbsecret;
pub mod import;
pub mod keypolicy;
pub mod keys;
pub mod ramsecret;
pub mod secrets;
pub mod tags;
pub mod views;

pub use keys::KeyId;

use rampart_store::{Entity, StoreError};

use crate::ApiError;

/// KMS's wire error for a store outcome.
pub(crate) fn store_err(e: StoreError) -> ApiError {
    use Entity::*;
    match e {
        StoreError::NulInText => ApiError::nul_in_text(),
        StoreError::NotFound(Key) | StoreError::NotFound(KeyVersion) => key_not_found(),
        StoreError::NotFound(Alias) => ApiError::of(crate::codes::FORBIDDEN_ALIAS_NOT_FOUND, "The specified Alias is not found."),
        StoreError::NotFound(Secret) | StoreError::NotFound(SecretVersion) => resource_not_found(),
        StoreError::Conflict(Alias) => ApiError::of(crate::codes::ALIAS_ALREADY_EXISTS, "AliasName Already Exists."),
        StoreError::Conflict(Secret) | StoreError::Conflict(SecretVersion) => {
            ApiError::of(crate::codes::REJECTED_RESOURCE_EXIST, "The resource already exists.")
        }
        StoreError::Conflict(Stage) => ApiError::invalid(
            "RemoveFromVersion",
            "The specified parameter \"RemoveFromVersion\" is not valid: that version does not carry the stage.",
        ),
        StoreError::Limit(Key) => ApiError::of(crate::codes::REJECTED_LIMIT_EXCEEDED,
            "The request was rejected because user create resource limit was exceeded: an account holds at most 1000 keys.",
        ),
        StoreError::Limit(Secret) => ApiError::of(crate::codes::REJECTED_LIMIT_EXCEEDED,
            "The secret quota is exceeded: the account holds as many secrets as the server allows (those pending deletion included; `rampart serve --max-secrets` sets the quota).",
        ),
        StoreError::Limit(KeyVersion) => ApiError::of(crate::codes::REJECTED_LIMIT_EXCEEDED,
            format!("The key version quota is exceeded: a key has at most {} versions.", crate::kms::keys::MAX_KEY_VERSIONS),
        ),
        StoreError::Limit(Tag) => ApiError::invalid("Tags", "The specified parameter \"Tags\" is not valid: at most 20 tags per resource."),
        StoreError::Backend(m) => ApiError::internal(m),
        other => ApiError::internal(format!("unexpected store outcome {other:?}")),
    }
}

/// 404 `Forbidden.KeyNotFound`.
pub(crate) fn key_not_found() -> ApiError {
    ApiError::of(
        crate::codes::FORBIDDEN_KEY_NOT_FOUND,
        "The specified Key is not found.",
    )
}

/// 404 `Forbidden.ResourceNotFound` (secrets).
pub(crate) fn resource_not_found() -> ApiError {
    ApiError::of(
        crate::codes::FORBIDDEN_RESOURCE_NOT_FOUND,
        "The resource is not found.",
    )
}
