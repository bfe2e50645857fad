//! Identity providers (OIDC and SAML) and the SAML assertions accepted.

use crate::StoreResult;

/// The kind of an identity provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProviderKind {
    /// OpenID Connect.
    Oidc,
    /// SAML 2.0.
    Saml,
}

impl ProviderKind {
    /// Its name in the store.
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderKind::Oidc => "oidc",
            ProviderKind::Saml => "saml",
        }
    }
}

/// One identity provider as stored.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProviderRow {
    /// Its name.
    pub name: String,
    /// The OIDC issuer URL (unique in the account); `None` for SAML.
    pub issuer: Option<String>,
    /// Its settings, as JSON (the domain's).
    pub config: String,
    /// Its description.
    pub description: String,
    /// Created (Unix seconds).
    pub created_at: i64,
    /// Last changed (Unix seconds).
    pub updated_at: i64,
}

/// Identity providers and SAML assertion replay protection.
pub trait FederationStore {
    /// Creates a provider (`Conflict(Provider)` for a taken name or
    /// issuer, `Limit(Provider)` beyond `max` of its kind).
    fn create_provider(&self, kind: ProviderKind, row: &ProviderRow, max: u64) -> StoreResult<()>;
    /// A provider by name.
    fn get_provider(&self, kind: ProviderKind, name: &str) -> StoreResult<Option<ProviderRow>>;
    /// Providers of a kind by name, after `marker`, at most `limit`.
    fn list_providers(
        &self,
        kind: ProviderKind,
        marker: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<ProviderRow>>;
    /// Replaces a provider's settings and description (`NotFound(Provider)`).
    fn update_provider(&self, kind: ProviderKind, row: &ProviderRow) -> StoreResult<()>;
    /// Deletes a provider (`NotFound(Provider)`).
    fn delete_provider(&self, kind: ProviderKind, name: &str) -> StoreResult<()>;
    /// Records an assertion `id` of `provider` as used until `expires_at`:
    /// `false` when it was used already (a replay). Expired records are
    /// deleted on the way.
    fn use_saml_assertion(
        &self,
        provider: &str,
        id: &str,
        expires_at: i64,
        now: i64,
    ) -> StoreResult<bool>;
}
