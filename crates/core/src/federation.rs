//! Federation: the account's identity providers (IMS OIDC and SAML
//! providers) and the role sessions they open (STS `AssumeRoleWithOIDC`,
//! `AssumeRoleWithSAML`).
//!
//! Tokens and assertions are verified by `rampart-federation`: OIDC tokens
//! against the issuer's keys, fetched over HTTPS pinned to the provider's
//! fingerprints (only from the provider's `IssuerUrl` host, never from an
//! address a token names); SAML responses by a narrow verifier against the
//! certificates of the provider's metadata. A role is then assumed through
//! its trust policy, whose `Federated` principal names the provider and
//! whose conditions see `oidc:iss`, `oidc:aud`, `oidc:sub` or
//! `saml:recipient`, `saml:sub`, `saml:iss`. A SAML assertion is accepted
//! once (its id is kept in the store until it expires, shared by
//! replicas).

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use rampart_federation::oidc::{self, ProviderConfig};
use rampart_federation::saml::{self, Expectations, SignAlgo};
use rampart_policy::{evaluate_trust, parse, Caller, Context, DocumentKind};
use rampart_store::{Entity, ProviderKind, ProviderRow, RoleRow, StoreError};
use serde::{Deserialize, Serialize};

use crate::ram::policies::policy_error;
use crate::ram::Page;
use crate::sts::{AssumedRoleUser, Credentials};
use crate::time::format as ts;
use crate::{ApiError, Rampart};

/// OIDC providers an account may have.
pub const MAX_OIDC_PROVIDERS: u64 = 100;
/// SAML providers an account may have.
pub const MAX_SAML_PROVIDERS: u64 = 100;
/// Client ids of one OIDC provider.
pub const MAX_CLIENT_IDS: usize = 50;
/// Fingerprints of one OIDC provider.
pub const MAX_FINGERPRINTS: usize = 5;
/// Longest metadata document accepted (Base64), in characters.
pub const MAX_METADATA_B64: usize = 64 * 1024;
/// Longest `SAMLAssertion` accepted (Base64), in characters.
pub const MAX_ASSERTION_B64: usize = 100_000;
/// The recipients (ACS URLs) a role-SSO assertion may name: Alibaba
/// Cloud's sign-in sites.
pub const SAML_ROLE_RECIPIENTS: [&str; 2] = [
    "https://signin.aliyun.com/saml-role/sso",
    "https://signin.alibabacloud.com/saml-role/sso",
];

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
struct OidcConfig {
    client_ids: Vec<String>,
    fingerprints: Vec<String>,
    issuance_limit_time: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub(crate) struct SamlConfig {
    /// The metadata document, Base64 as given.
    pub(crate) metadata: String,
    pub(crate) authn_sign_algo: String,
    /// The metadata's entity ID (an assertion's issuer names its provider).
    #[serde(default)]
    pub(crate) entity_id: String,
}

/// An OIDC provider as the API shows it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct OidcProviderView {
    /// `acs:ram::<uid>:oidc-provider/<name>`.
    pub arn: String,
    #[serde(rename = "OIDCProviderName")]
    /// Its name.
    pub oidc_provider_name: String,
    /// The issuer URL.
    pub issuer_url: String,
    /// Client ids, comma-separated.
    pub client_ids: String,
    /// Fingerprints, comma-separated.
    pub fingerprints: String,
    /// Hours.
    pub issuance_limit_time: u32,
    /// Description.
    pub description: String,
    /// Created (UTC).
    pub create_date: String,
    /// Changed (UTC).
    pub update_date: String,
    /// Created (Unix milliseconds, as text).
    pub gmt_create: String,
    /// Changed (Unix milliseconds, as text).
    pub gmt_modified: String,
}

/// A SAML provider as the API shows it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SamlProviderView {
    /// `acs:ram::<uid>:saml-provider/<name>`.
    pub arn: String,
    /// Its name.
    #[serde(rename = "SAMLProviderName")]
    pub saml_provider_name: String,
    /// `rsa-sha1` or `rsa-sha256`.
    pub authn_sign_algo: String,
    /// Description.
    pub description: String,
    /// Created (UTC).
    pub create_date: String,
    /// Changed (UTC).
    pub update_date: String,
    /// The metadata (Base64), in `GetSAMLProvider` only.
    #[serde(
        rename = "EncodedSAMLMetadataDocument",
        skip_serializing_if = "Option::is_none"
    )]
    pub encoded_saml_metadata_document: Option<String>,
}

/// `CreateOIDCProvider` input.
#[derive(Debug, Default)]
pub struct NewOidcProvider {
    /// Name.
    pub name: String,
    /// `IssuerUrl`.
    pub issuer_url: String,
    /// `ClientIds`, comma-separated.
    pub client_ids: Option<String>,
    /// `Fingerprints`, comma-separated.
    pub fingerprints: Option<String>,
    /// `IssuanceLimitTime`, hours.
    pub issuance_limit_time: Option<String>,
    /// `Description`.
    pub description: Option<String>,
}

/// `OIDCTokenInfo` of an `AssumeRoleWithOIDC` answer.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct OidcTokenInfo {
    /// `sub`.
    pub subject: String,
    /// `iss`.
    pub issuer: String,
    /// `aud`, comma-joined.
    pub client_ids: String,
    /// `exp` (UTC).
    pub expiration_time: String,
    /// `iat` (UTC).
    pub issuance_time: String,
    /// What the token was checked against.
    pub verification_info: String,
}

/// `SAMLAssertionInfo` of an `AssumeRoleWithSAML` answer.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SamlAssertionInfo {
    /// The NameID format without its URN prefix (`persistent`, …).
    pub subject_type: String,
    /// The NameID.
    pub subject: String,
    /// `SubjectConfirmationData@Recipient`.
    pub recipient: String,
    /// The assertion's issuer.
    pub issuer: String,
}

/// A role session a federated identity opened.
#[derive(Debug)]
pub struct FederatedSession<I> {
    /// The credentials.
    pub credentials: Credentials,
    /// `AssumedRoleUser`.
    pub assumed_role_user: AssumedRoleUser,
    /// `OIDCTokenInfo` or `SAMLAssertionInfo`.
    pub info: I,
    /// Who assumed it, for the audit trail: the provider's ARN and the
    /// subject (`…:oidc-provider/<name>/<sub>`).
    pub identity: String,
    /// The role's ARN.
    pub role_arn: String,
}

/// `AssumeRoleWithOIDC` / `AssumeRoleWithSAML` input besides the token.
#[derive(Debug, Default)]
pub struct FederatedAssume {
    /// `OIDCProviderArn` or `SAMLProviderArn`.
    pub provider_arn: String,
    /// `RoleArn`.
    pub role_arn: String,
    /// `RoleSessionName` (OIDC only; SAML takes it from the assertion).
    pub role_session_name: Option<String>,
    /// `Policy`.
    pub policy: Option<String>,
    /// `DurationSeconds`.
    pub duration_seconds: Option<String>,
}

/// The form of an OIDC or SAML provider's name.
pub fn check_provider_name(param: &str, v: &str) -> Result<(), ApiError> {
    name_rule(param, v)
}

fn name_rule(param: &str, v: &str) -> Result<(), ApiError> {
    let special = |c: char| ".-_".contains(c);
    let ok = !v.is_empty()
        && v.chars().count() <= 128
        && v.chars().all(|c| c.is_ascii_alphanumeric() || special(c))
        && !v.starts_with(special)
        && !v.ends_with(special);
    if ok {
        Ok(())
    } else {
        Err(ApiError::invalid(
            param,
            format!("The parameter \"{param}\" is not valid: 1 to 128 letters, digits, `.`, `-` and `_`, not starting or ending with `.`, `-` or `_`."),
        ))
    }
}

fn client_id_rule(v: &str) -> Result<(), ApiError> {
    let special = |c: char| ".-_:/".contains(c);
    let ok = !v.is_empty()
        && v.chars().count() <= 128
        && v.chars().all(|c| c.is_ascii_alphanumeric() || special(c))
        && !v.starts_with(special);
    if ok {
        Ok(())
    } else {
        Err(ApiError::invalid(
            "ClientId",
            format!("The parameter \"ClientId\" is not valid: `{}` must be 1 to 128 letters, digits, `.`, `-`, `_`, `:` and `/`, not starting with one of those.", crate::echo(v)),
        ))
    }
}

fn fingerprint_rule(v: &str) -> Result<String, ApiError> {
    oidc::normalize_fingerprint(v).ok_or_else(|| {
        ApiError::invalid(
            "Fingerprint",
            format!("The parameter \"Fingerprint\" is not valid: `{}` is not a SHA-1 fingerprint (40 hex digits; `:` separators and either case are accepted).", crate::echo(v)),
        )
    })
}

fn split_list(v: &str) -> Vec<&str> {
    v.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect()
}

fn issuance_limit(v: Option<&str>) -> Result<u32, ApiError> {
    let Some(v) = v.filter(|s| !s.is_empty()) else {
        return Ok(12);
    };
    match v.parse::<u32>() {
        Ok(h) if (1..=168).contains(&h) => Ok(h),
        _ => Err(ApiError::invalid(
            "IssuanceLimitTime",
            "The parameter \"IssuanceLimitTime\" is not valid: a number of hours from 1 to 168.",
        )),
    }
}

fn description_rule(param: &str, v: &str, max: usize) -> Result<(), ApiError> {
    if v.chars().count() > max {
        return Err(ApiError::invalid(
            param,
            format!("The parameter \"{param}\" is not valid: at most {max} characters."),
        ));
    }
    Ok(())
}

/// `IssuerUrl`: https, at most 255 characters, no query, user info or
/// fragment.
fn issuer_rule(v: &str) -> Result<(), ApiError> {
    let rest = v.strip_prefix("https://");
    let ok = v.len() <= 255
        && rest.is_some_and(|r| !r.is_empty() && !r.starts_with('/'))
        && !v.contains(['?', '@', '#'])
        && !v.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok {
        Ok(())
    } else {
        Err(ApiError::invalid(
            "IssuerUrl",
            "The parameter \"IssuerUrl\" is not valid: an https URL of at most 255 characters, without `?query`, `user@` or `#fragment`.",
        ))
    }
}

fn oidc_missing() -> ApiError {
    ApiError::of(
        crate::codes::ENTITY_NOT_EXIST_OIDC_PROVIDER,
        "The OIDC provider does not exist.",
    )
}

fn saml_missing() -> ApiError {
    ApiError::of(
        crate::codes::ENTITY_NOT_EXIST_SAML_PROVIDER,
        "The SAML provider does not exist.",
    )
}

fn store_err(kind: ProviderKind, e: StoreError) -> ApiError {
    let what = match kind {
        ProviderKind::Oidc => "OIDCProvider",
        ProviderKind::Saml => "SAMLProvider",
    };
    match e {
        StoreError::NotFound(Entity::Provider) => match kind {
            ProviderKind::Oidc => oidc_missing(),
            ProviderKind::Saml => saml_missing(),
        },
        StoreError::Conflict(Entity::Provider) => ApiError::dynamic(
            409,
            format!("EntityAlreadyExists.{what}"),
            match kind {
                ProviderKind::Oidc => {
                    "An OIDC provider of that name, or with that IssuerUrl, exists already."
                        .to_string()
                }
                ProviderKind::Saml => "A SAML provider of that name exists already.".to_string(),
            },
        ),
        StoreError::Limit(Entity::Provider) => ApiError::dynamic(
            409,
            format!("LimitExceeded.{what}"),
            format!("An account has at most 100 providers of this kind ({what})."),
        ),
        StoreError::NulInText => ApiError::nul_in_text(),
        other => ApiError::internal(other),
    }
}

/// Unix milliseconds as text (`GmtCreate`).
fn millis(t: i64) -> String {
    t.saturating_mul(1000).to_string()
}

impl Rampart {
    /// `acs:ram::<uid>:oidc-provider/<name>`.
    pub fn oidc_provider_arn(&self, name: &str) -> String {
        format!("acs:ram::{}:oidc-provider/{name}", self.account_id)
    }

    /// `acs:ram::<uid>:saml-provider/<name>`.
    pub fn saml_provider_arn(&self, name: &str) -> String {
        format!("acs:ram::{}:saml-provider/{name}", self.account_id)
    }

    /// Whether a provider of this kind and name exists (for the resolver).
    pub fn provider_exists(&self, kind: ProviderKind, name: &str) -> Result<bool, ApiError> {
        Ok(self
            .store
            .get_provider(kind, name)
            .map_err(|e| store_err(kind, e))?
            .is_some())
    }

    fn oidc_row(&self, name: &str) -> Result<(ProviderRow, OidcConfig), ApiError> {
        name_rule("OIDCProviderName", name)?;
        let row = self
            .store
            .get_provider(ProviderKind::Oidc, name)
            .map_err(|e| store_err(ProviderKind::Oidc, e))?
            .ok_or_else(oidc_missing)?;
        let config = serde_json::from_str(&row.config).map_err(ApiError::internal)?;
        Ok((row, config))
    }

    fn oidc_view(&self, row: &ProviderRow, c: &OidcConfig) -> OidcProviderView {
        OidcProviderView {
            arn: self.oidc_provider_arn(&row.name),
            oidc_provider_name: row.name.clone(),
            issuer_url: row.issuer.clone().unwrap_or_default(),
            client_ids: c.client_ids.join(","),
            fingerprints: c.fingerprints.join(","),
            issuance_limit_time: c.issuance_limit_time,
            description: row.description.clone(),
            create_date: ts(row.created_at),
            update_date: ts(row.updated_at),
            gmt_create: millis(row.created_at),
            gmt_modified: millis(row.updated_at),
        }
    }

    fn save_oidc(
        &self,
        mut row: ProviderRow,
        c: &OidcConfig,
    ) -> Result<OidcProviderView, ApiError> {
        row.config = serde_json::to_string(c).map_err(ApiError::internal)?;
        row.updated_at = self.now();
        self.store
            .update_provider(ProviderKind::Oidc, &row)
            .map_err(|e| store_err(ProviderKind::Oidc, e))?;
        self.oidc_verifier
            .forget(&self.oidc_provider_arn(&row.name));
        Ok(self.oidc_view(&row, c))
    }

    /// `CreateOIDCProvider`.
    pub fn create_oidc_provider(&self, req: NewOidcProvider) -> Result<OidcProviderView, ApiError> {
        name_rule("OIDCProviderName", &req.name)?;
        issuer_rule(&req.issuer_url)?;
        let description = req.description.unwrap_or_default();
        description_rule("Description", &description, 256)?;
        let mut c = OidcConfig {
            issuance_limit_time: issuance_limit(req.issuance_limit_time.as_deref())?,
            ..Default::default()
        };
        for id in split_list(req.client_ids.as_deref().unwrap_or_default()) {
            client_id_rule(id)?;
            if !c.client_ids.iter().any(|c| c == id) {
                c.client_ids.push(id.to_string());
            }
        }
        if c.client_ids.len() > MAX_CLIENT_IDS {
            return Err(too_many("ClientId", MAX_CLIENT_IDS));
        }
        for f in split_list(req.fingerprints.as_deref().unwrap_or_default()) {
            let f = fingerprint_rule(f)?;
            if !c.fingerprints.contains(&f) {
                c.fingerprints.push(f);
            }
        }
        if c.fingerprints.len() > MAX_FINGERPRINTS {
            return Err(too_many("Fingerprint", MAX_FINGERPRINTS));
        }
        let now = self.now();
        let row = ProviderRow {
            name: req.name,
            issuer: Some(req.issuer_url),
            config: serde_json::to_string(&c).map_err(ApiError::internal)?,
            description,
            created_at: now,
            updated_at: now,
        };
        self.store
            .create_provider(ProviderKind::Oidc, &row, MAX_OIDC_PROVIDERS)
            .map_err(|e| store_err(ProviderKind::Oidc, e))?;
        Ok(self.oidc_view(&row, &c))
    }

    /// `GetOIDCProvider`.
    pub fn get_oidc_provider(&self, name: &str) -> Result<OidcProviderView, ApiError> {
        let (row, c) = self.oidc_row(name)?;
        Ok(self.oidc_view(&row, &c))
    }

    /// `ListOIDCProviders`.
    pub fn list_oidc_providers(
        &self,
        marker: Option<&str>,
        max_items: Option<u32>,
    ) -> Result<Page<OidcProviderView>, ApiError> {
        let max_items = crate::ram::validate::max_items(max_items)?;
        let rows = self
            .store
            .list_providers(ProviderKind::Oidc, marker, max_items.saturating_add(1))
            .map_err(|e| store_err(ProviderKind::Oidc, e))?;
        let mut out = Vec::new();
        for r in rows.iter().take(max_items as usize) {
            let c: OidcConfig = serde_json::from_str(&r.config).map_err(ApiError::internal)?;
            out.push(self.oidc_view(r, &c));
        }
        let next_marker = (rows.len() > max_items as usize)
            .then(|| out.last().map(|v| v.oidc_provider_name.clone()))
            .flatten();
        Ok(Page {
            items: out,
            next_marker,
        })
    }

    /// `UpdateOIDCProvider`: client ids replaced, issuance limit and
    /// description (the issuer never changes).
    pub fn update_oidc_provider(
        &self,
        name: &str,
        client_ids: Option<&str>,
        issuance_limit_time: Option<&str>,
        new_description: Option<&str>,
    ) -> Result<OidcProviderView, ApiError> {
        let (mut row, mut c) = self.oidc_row(name)?;
        if let Some(ids) = client_ids {
            let mut list: Vec<String> = Vec::new();
            for id in split_list(ids) {
                client_id_rule(id)?;
                if !list.iter().any(|c| c == id) {
                    list.push(id.to_string());
                }
            }
            if list.len() > MAX_CLIENT_IDS {
                return Err(too_many("ClientId", MAX_CLIENT_IDS));
            }
            c.client_ids = list;
        }
        if let Some(h) = issuance_limit_time.filter(|s| !s.is_empty()) {
            c.issuance_limit_time = issuance_limit(Some(h))?;
        }
        if let Some(d) = new_description {
            description_rule("NewDescription", d, 256)?;
            row.description = d.to_string();
        }
        self.save_oidc(row, &c)
    }

    /// `AddClientIdToOIDCProvider`.
    pub fn add_client_id(&self, name: &str, id: &str) -> Result<OidcProviderView, ApiError> {
        client_id_rule(id)?;
        let (row, mut c) = self.oidc_row(name)?;
        if c.client_ids.iter().any(|c| c == id) {
            return Err(ApiError::of(
                crate::codes::ENTITY_ALREADY_EXISTS_OIDC_PROVIDER_CLIENT_ID,
                "The OIDC provider has this client ID already.",
            ));
        }
        if c.client_ids.len() >= MAX_CLIENT_IDS {
            return Err(too_many("ClientId", MAX_CLIENT_IDS));
        }
        c.client_ids.push(id.to_string());
        self.save_oidc(row, &c)
    }

    /// `RemoveClientIdFromOIDCProvider`.
    pub fn remove_client_id(&self, name: &str, id: &str) -> Result<OidcProviderView, ApiError> {
        let (row, mut c) = self.oidc_row(name)?;
        let before = c.client_ids.len();
        c.client_ids.retain(|c| c != id);
        if c.client_ids.len() == before {
            return Err(ApiError::of(
                crate::codes::ENTITY_NOT_EXIST_OIDC_PROVIDER_CLIENT_ID,
                "The OIDC provider has no such client ID.",
            ));
        }
        self.save_oidc(row, &c)
    }

    /// `AddFingerprintToOIDCProvider`.
    pub fn add_fingerprint(&self, name: &str, f: &str) -> Result<OidcProviderView, ApiError> {
        let f = fingerprint_rule(f)?;
        let (row, mut c) = self.oidc_row(name)?;
        if c.fingerprints.contains(&f) {
            return Err(ApiError::of(
                crate::codes::ENTITY_ALREADY_EXISTS_OIDC_PROVIDER_FINGERPRINT,
                "The OIDC provider has this fingerprint already.",
            ));
        }
        if c.fingerprints.len() >= MAX_FINGERPRINTS {
            return Err(too_many("Fingerprint", MAX_FINGERPRINTS));
        }
        c.fingerprints.push(f);
        self.save_oidc(row, &c)
    }

    /// `RemoveFingerprintFromOIDCProvider`.
    pub fn remove_fingerprint(&self, name: &str, f: &str) -> Result<OidcProviderView, ApiError> {
        let f = fingerprint_rule(f)?;
        let (row, mut c) = self.oidc_row(name)?;
        let before = c.fingerprints.len();
        c.fingerprints.retain(|x| *x != f);
        if c.fingerprints.len() == before {
            return Err(ApiError::of(
                crate::codes::ENTITY_NOT_EXIST_OIDC_PROVIDER_FINGERPRINT,
                "The OIDC provider has no such fingerprint.",
            ));
        }
        self.save_oidc(row, &c)
    }

    /// `DeleteOIDCProvider` (roles whose trust policies name it stay; no
    /// one federates through it any more).
    pub fn delete_oidc_provider(&self, name: &str) -> Result<(), ApiError> {
        name_rule("OIDCProviderName", name)?;
        self.store
            .delete_provider(ProviderKind::Oidc, name)
            .map_err(|e| store_err(ProviderKind::Oidc, e))?;
        self.oidc_verifier.forget(&self.oidc_provider_arn(name));
        Ok(())
    }

    // SAML providers ------------------------------------------------------

    pub(crate) fn saml_row(&self, name: &str) -> Result<(ProviderRow, SamlConfig), ApiError> {
        name_rule("SAMLProviderName", name)?;
        let row = self
            .store
            .get_provider(ProviderKind::Saml, name)
            .map_err(|e| store_err(ProviderKind::Saml, e))?
            .ok_or_else(saml_missing)?;
        let config = serde_json::from_str(&row.config).map_err(ApiError::internal)?;
        Ok((row, config))
    }

    fn saml_view(
        &self,
        row: &ProviderRow,
        c: &SamlConfig,
        with_metadata: bool,
    ) -> SamlProviderView {
        SamlProviderView {
            arn: self.saml_provider_arn(&row.name),
            saml_provider_name: row.name.clone(),
            authn_sign_algo: c.authn_sign_algo.clone(),
            description: row.description.clone(),
            create_date: ts(row.created_at),
            update_date: ts(row.updated_at),
            encoded_saml_metadata_document: with_metadata.then(|| c.metadata.clone()),
        }
    }

    /// `CreateSAMLProvider`: the metadata is parsed and checked now.
    pub fn create_saml_provider(
        &self,
        name: &str,
        metadata_b64: &str,
        description: Option<&str>,
        authn_sign_algo: Option<&str>,
    ) -> Result<SamlProviderView, ApiError> {
        name_rule("SAMLProviderName", name)?;
        let description = description.unwrap_or_default();
        description_rule("Description", description, 256)?;
        let (metadata, entity_id) = checked_metadata("EncodedSAMLMetadataDocument", metadata_b64)?;
        let c = SamlConfig {
            metadata,
            authn_sign_algo: sign_algo(authn_sign_algo)?,
            entity_id,
        };
        let now = self.now();
        let row = ProviderRow {
            name: name.to_string(),
            issuer: None,
            config: serde_json::to_string(&c).map_err(ApiError::internal)?,
            description: description.to_string(),
            created_at: now,
            updated_at: now,
        };
        self.store
            .create_provider(ProviderKind::Saml, &row, MAX_SAML_PROVIDERS)
            .map_err(|e| store_err(ProviderKind::Saml, e))?;
        Ok(self.saml_view(&row, &c, false))
    }

    /// `GetSAMLProvider` (with the metadata).
    pub fn get_saml_provider(&self, name: &str) -> Result<SamlProviderView, ApiError> {
        let (row, c) = self.saml_row(name)?;
        Ok(self.saml_view(&row, &c, true))
    }

    /// `ListSAMLProviders`.
    pub fn list_saml_providers(
        &self,
        marker: Option<&str>,
        max_items: Option<u32>,
    ) -> Result<Page<SamlProviderView>, ApiError> {
        let max_items = crate::ram::validate::max_items(max_items)?;
        let rows = self
            .store
            .list_providers(ProviderKind::Saml, marker, max_items.saturating_add(1))
            .map_err(|e| store_err(ProviderKind::Saml, e))?;
        let mut out = Vec::new();
        for r in rows.iter().take(max_items as usize) {
            let c: SamlConfig = serde_json::from_str(&r.config).map_err(ApiError::internal)?;
            out.push(self.saml_view(r, &c, false));
        }
        let next_marker = (rows.len() > max_items as usize)
            .then(|| out.last().map(|v| v.saml_provider_name.clone()))
            .flatten();
        Ok(Page {
            items: out,
            next_marker,
        })
    }

    /// `UpdateSAMLProvider`.
    pub fn update_saml_provider(
        &self,
        name: &str,
        new_metadata_b64: Option<&str>,
        new_description: Option<&str>,
        authn_sign_algo: Option<&str>,
    ) -> Result<SamlProviderView, ApiError> {
        let (mut row, mut c) = self.saml_row(name)?;
        if new_metadata_b64.is_none() && new_description.is_none() && authn_sign_algo.is_none() {
            return Err(ApiError::missing("NewEncodedSAMLMetadataDocument"));
        }
        if let Some(m) = new_metadata_b64 {
            (c.metadata, c.entity_id) = checked_metadata("NewEncodedSAMLMetadataDocument", m)?;
        }
        if let Some(d) = new_description {
            description_rule("NewDescription", d, 256)?;
            row.description = d.to_string();
        }
        if authn_sign_algo.is_some() {
            c.authn_sign_algo = sign_algo(authn_sign_algo)?;
        }
        row.config = serde_json::to_string(&c).map_err(ApiError::internal)?;
        row.updated_at = self.now();
        self.store
            .update_provider(ProviderKind::Saml, &row)
            .map_err(|e| store_err(ProviderKind::Saml, e))?;
        Ok(self.saml_view(&row, &c, false))
    }

    /// `DeleteSAMLProvider`.
    pub fn delete_saml_provider(&self, name: &str) -> Result<(), ApiError> {
        name_rule("SAMLProviderName", name)?;
        self.store
            .delete_provider(ProviderKind::Saml, name)
            .map_err(|e| store_err(ProviderKind::Saml, e))
    }

    // STS --------------------------------------------------------------------

    /// The provider name an ARN of this account names (`kind` is
    /// `oidc-provider` or `saml-provider`); `None` for anything else.
    fn provider_in<'a>(&self, arn: &'a str, kind: &str) -> Option<&'a str> {
        let rest = arn.strip_prefix("acs:ram::")?;
        let (acct, relative) = rest.split_once(':')?;
        let name = relative.strip_prefix(kind)?.strip_prefix('/')?;
        (acct == self.account_id && !name.is_empty()).then_some(name)
    }

    /// The role an ARN names, as stored (`EntityNotExist.Role` otherwise).
    pub(crate) fn federated_role(&self, role_arn: &str) -> Result<RoleRow, ApiError> {
        let name = crate::sts::role_name_from_arn(&self.account_id, role_arn)?;
        self.store
            .get_role(name)
            .map_err(crate::ram::store_err)?
            .ok_or_else(|| {
                ApiError::of(
                    crate::codes::ENTITY_NOT_EXIST_ROLE,
                    format!("The role not exists: {}. ", crate::echo(role_arn)),
                )
            })
    }

    /// `AssumeRoleWithOIDC`: checks in the order STS does (federation.md
    /// §1.3), then opens the role session.
    pub fn assume_role_with_oidc(
        &self,
        token: &str,
        req: &FederatedAssume,
    ) -> Result<FederatedSession<OidcTokenInfo>, ApiError> {
        let invalid = |m: &str| {
            ApiError::of(
                crate::codes::AUTHENTICATION_FAIL_OIDC_TOKEN_INVALID,
                m.to_string(),
            )
        };
        if token.is_empty() {
            return Err(invalid("The OIDCToken can not empty."));
        }
        let session_name = req
            .role_session_name
            .as_deref()
            .filter(|s| !s.is_empty())
            .ok_or_else(|| ApiError::missing("RoleSessionName"))?;
        crate::sts::check_session_name(session_name)?;
        let (duration, policy) = self.session_terms(req)?;
        let unverified = oidc::parse(token).map_err(oidc_error)?;
        let provider_name = self
            .provider_in(&req.provider_arn, "oidc-provider")
            .ok_or_else(no_provider)?;
        let (row, c) = match self.oidc_row(provider_name) {
            Ok(found) => found,
            Err(e) if e.status == 404 => return Err(no_provider()),
            Err(e) => return Err(e),
        };
        let provider_arn = self.oidc_provider_arn(&row.name);
        let config = ProviderConfig {
            arn: provider_arn.clone(),
            issuer_url: row.issuer.clone().unwrap_or_default(),
            client_ids: c.client_ids.clone(),
            fingerprints: c.fingerprints.clone(),
            issuance_limit_hours: c.issuance_limit_time,
        };
        let verifier = self.oidc_verifier.clone();
        let now = self.now();
        // The fetch of the issuer's keys may wait on the network: on its
        // own thread, without holding a request worker.
        let verified = rampart_store::blocking(|| verifier.verify(&config, &unverified, now))
            .map_err(oidc_error)?;
        let role = self.federated_role(&req.role_arn)?;
        let mut context = Context::new();
        context.set("oidc:iss", vec![verified.issuer.clone()]);
        context.set("oidc:aud", verified.audiences.clone());
        context.set("oidc:sub", vec![verified.subject.clone()]);
        self.federated_trust(&role, &provider_arn, context)?;
        let (credentials, user) = self.open_session(&role, session_name, duration, policy)?;
        Ok(FederatedSession {
            credentials,
            assumed_role_user: user,
            identity: format!("{provider_arn}/{}", crate::echo(&verified.subject)),
            role_arn: self.role_arn(&role.role_name),
            info: OidcTokenInfo {
                subject: verified.subject,
                issuer: verified.issuer,
                client_ids: verified.audiences.join(","),
                expiration_time: ts(verified.expires_at),
                issuance_time: ts(verified.issued_at),
                verification_info: format!(
                    "signature verified with a key of {}",
                    config.issuer_url
                ),
            },
        })
    }

    /// `AssumeRoleWithSAML`: the assertion verified against the provider's
    /// metadata, accepted once, then the role session.
    pub fn assume_role_with_saml(
        &self,
        assertion_b64: &str,
        req: &FederatedAssume,
    ) -> Result<FederatedSession<SamlAssertionInfo>, ApiError> {
        if assertion_b64.is_empty() {
            return Err(ApiError::of(
                crate::codes::MISSING_PARAMETER_SAML_ASSERTION,
                "Parameter SAMLAssertion is required.",
            ));
        }
        if assertion_b64.len() > MAX_ASSERTION_B64 {
            return Err(saml_invalid(
                "the assertion is longer than 100,000 characters",
            ));
        }
        let (duration, policy) = self.session_terms(req)?;
        let provider_name = self
            .provider_in(&req.provider_arn, "saml-provider")
            .ok_or_else(saml_missing_sts)?;
        let (row, c) = match self.saml_row(provider_name) {
            Ok(found) => found,
            Err(e) if e.status == 404 => return Err(saml_missing_sts()),
            Err(e) => return Err(e),
        };
        let provider_arn = self.saml_provider_arn(&row.name);
        let role = self.federated_role(&req.role_arn)?;
        let verified = self.verify_saml(&c, assertion_b64, &SAML_ROLE_RECIPIENTS)?;
        if !verified.allows_role(&req.role_arn, &provider_arn)
            && !verified.allows_role(&self.role_arn(&role.role_name), &provider_arn)
        {
            return Err(saml_invalid(
                "its Role attribute does not list this RoleArn with this SAMLProviderArn",
            ));
        }
        let session_name = verified
            .role_session_name()
            .map_err(saml_error)?
            .to_string();
        crate::sts::check_session_name(&session_name)?;
        let mut context = Context::new();
        context.set("saml:recipient", vec![verified.recipient.clone()]);
        context.set("saml:sub", vec![verified.name_id.clone()]);
        context.set("saml:iss", vec![verified.issuer.clone()]);
        self.federated_trust(&role, &provider_arn, context)?;
        self.accept_once(&row.name, &verified.id, verified.not_on_or_after)?;
        let (credentials, user) = self.open_session(&role, &session_name, duration, policy)?;
        let subject_type = verified
            .name_id_format
            .as_deref()
            .map(|f| f.rsplit(':').next().unwrap_or(f).to_string())
            .unwrap_or_default();
        Ok(FederatedSession {
            credentials,
            assumed_role_user: user,
            identity: format!("{provider_arn}/{}", crate::echo(&verified.name_id)),
            role_arn: self.role_arn(&role.role_name),
            info: SamlAssertionInfo {
                subject_type,
                subject: verified.name_id,
                recipient: verified.recipient,
                issuer: verified.issuer,
            },
        })
    }

    pub(crate) fn verify_saml(
        &self,
        c: &SamlConfig,
        assertion_b64: &str,
        recipients: &[&str],
    ) -> Result<saml::VerifiedAssertion, ApiError> {
        self.verify_saml_for(c, assertion_b64, &[saml::ALIBABA_AUDIENCE], recipients)
    }

    /// [`Self::verify_saml`] for these audiences (SP entity IDs).
    pub(crate) fn verify_saml_for(
        &self,
        c: &SamlConfig,
        assertion_b64: &str,
        audiences: &[&str],
        recipients: &[&str],
    ) -> Result<saml::VerifiedAssertion, ApiError> {
        let xml = STANDARD
            .decode(c.metadata.as_bytes())
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or_else(metadata_broken)?;
        let md = saml::parse_metadata(&xml).map_err(|_| metadata_broken())?;
        let algo = SignAlgo::from_name(&c.authn_sign_algo).unwrap_or(SignAlgo::RsaSha1);
        let exp = Expectations {
            audiences,
            recipients,
            now_unix: self.now(),
            skew_secs: saml::DEFAULT_SKEW_SECS,
            algo,
            max_age_secs: saml::DEFAULT_MAX_AGE_SECS,
        };
        saml::verify_response(assertion_b64, &md, &exp).map_err(saml_error)
    }

    /// Records a SAML assertion as used: a second use is refused.
    pub(crate) fn accept_once(&self, provider: &str, id: &str, until: i64) -> Result<(), ApiError> {
        let fresh = self
            .store
            .use_saml_assertion(
                provider,
                id,
                until.saturating_add(saml::DEFAULT_SKEW_SECS),
                self.now(),
            )
            .map_err(ApiError::internal)?;
        if fresh {
            Ok(())
        } else {
            Err(saml_invalid("this assertion was used already"))
        }
    }

    /// `DurationSeconds` and `Policy` of a federated request.
    fn session_terms(
        &self,
        req: &FederatedAssume,
    ) -> Result<(Option<i64>, Option<String>), ApiError> {
        let duration = match req.duration_seconds.as_deref().filter(|s| !s.is_empty()) {
            None => None,
            Some(v) => Some(v.parse::<i64>().map_err(|_| {
                ApiError::of(crate::codes::INVALID_PARAMETER_DURATION_SECONDS,
                    "The DurationSeconds is invalid: a number of seconds from 900 to the role's MaxSessionDuration.",
                )
            })?),
        };
        let policy = req.policy.clone().filter(|p| !p.is_empty());
        if let Some(p) = &policy {
            parse(p, DocumentKind::Session).map_err(policy_error)?;
        }
        Ok((duration, policy))
    }

    /// The role's trust policy must admit the provider as a `Federated`
    /// principal (`sts:AssumeRole`), with the token's condition keys.
    pub(crate) fn federated_trust(
        &self,
        role: &RoleRow,
        provider_arn: &str,
        context: Context,
    ) -> Result<(), ApiError> {
        let trust = self
            .policy_cache
            .get(DocumentKind::Trust, &role.trust_policy)?;
        let mut ctx = context;
        ctx.set("acs:CurrentTime", vec![ts(self.now())]);
        let decision = evaluate_trust(
            &trust,
            &Caller::Federated { provider_arn },
            "sts:AssumeRole",
            &ctx,
        );
        if decision.is_allowed() {
            crate::authz::ledger::note("sts:AssumeRole", &self.role_arn(&role.role_name));
            Ok(())
        } else {
            Err(ApiError::of(crate::codes::AUTHENTICATION_FAIL_NO_PERMISSION,
                "There is no permission: the role's trust policy does not admit this provider with these claims.",
            ))
        }
    }

    /// Mints the role session of a federated identity.
    fn open_session(
        &self,
        role: &RoleRow,
        session: &str,
        duration: Option<i64>,
        policy: Option<String>,
    ) -> Result<(Credentials, AssumedRoleUser), ApiError> {
        let duration = duration.unwrap_or(3600);
        if duration < 900 || duration > role.max_session_duration {
            return Err(ApiError::of(crate::codes::INVALID_PARAMETER_DURATION_SECONDS,
                format!(
                    "The DurationSeconds is invalid: {duration} must be between 900 and the role's MaxSessionDuration {}.",
                    role.max_session_duration
                ),
            ));
        }
        let creds = self.mint_session(role, session, duration, policy)?;
        Ok((
            creds,
            AssumedRoleUser {
                arn: format!("{}/{session}", self.role_arn(&role.role_name)),
                assumed_role_id: format!("{}:{session}", role.role_id),
            },
        ))
    }

    /// How many discovery and key documents the OIDC verifier fetched.
    pub fn oidc_fetch_count(&self) -> u64 {
        self.oidc_verifier.fetch_count()
    }
}

fn too_many(param: &str, max: usize) -> ApiError {
    ApiError::dynamic(
        409,
        format!("LimitExceeded.OIDCProvider.{param}"),
        format!("An OIDC provider has at most {max} of these ({param})."),
    )
}

fn sign_algo(v: Option<&str>) -> Result<String, ApiError> {
    match v.filter(|s| !s.is_empty()) {
        None => Ok("rsa-sha1".into()),
        Some(a) if SignAlgo::from_name(a).is_some() => Ok(a.to_string()),
        Some(_) => Err(ApiError::invalid(
            "AuthnSignAlgo",
            "The parameter \"AuthnSignAlgo\" is not valid: `rsa-sha1` or `rsa-sha256`.",
        )),
    }
}

/// Checks an IdP metadata document (Base64) now, as the provider is set;
/// returns it and its entity ID.
pub(crate) fn checked_metadata(param: &str, b64: &str) -> Result<(String, String), ApiError> {
    let b64 = b64.trim();
    if b64.len() > MAX_METADATA_B64 {
        return Err(ApiError::invalid(
            param,
            format!(
                "The parameter \"{param}\" is not valid: at most {MAX_METADATA_B64} characters."
            ),
        ));
    }
    let xml = STANDARD
        .decode(b64.as_bytes())
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| {
            ApiError::invalid(
                param,
                format!("The parameter \"{param}\" is not valid: it must be the Base64 of the IdP's metadata XML (UTF-8)."),
            )
        })?;
    let md = saml::parse_metadata(&xml).map_err(|e| {
        ApiError::invalid(
            param,
            format!("The parameter \"{param}\" is not valid: {}", e.message()),
        )
    })?;
    Ok((b64.to_string(), md.entity_id))
}

fn no_provider() -> ApiError {
    ApiError::of(
        crate::codes::AUTHENTICATION_FAIL_NO_PERMISSION,
        "No such OIDC Provider registered.",
    )
}

fn saml_missing_sts() -> ApiError {
    ApiError::of(
        crate::codes::ENTITY_NOT_EXIST_SAML_PROVIDER,
        "Can not find SAML provider.",
    )
}

fn metadata_broken() -> ApiError {
    ApiError::of(
        crate::codes::AUTHENTICATION_FAIL_IDP_METADATA_INVALID,
        "The IdP Metadata of your SAML Provider is invalid.",
    )
}

pub(crate) fn saml_invalid(why: &str) -> ApiError {
    ApiError::of(
        crate::codes::AUTHENTICATION_FAIL_SAML_ASSERTION_INVALID,
        format!("The SAML Assertion is invalid: {why}."),
    )
}

fn oidc_error(e: oidc::OidcError) -> ApiError {
    ApiError::dynamic(e.status(), e.code().to_string(), e.message())
}

pub(crate) fn saml_error(e: saml::SamlError) -> ApiError {
    ApiError::dynamic(e.status(), e.code().to_string(), e.message())
}
