//! The `EncodedDiagnosticMessage` of a permission denial and its decoding
//! (`ram:DecodeDiagnosticMessage`).
//!
//! A denial's diagnosis names the policies, conditions and principal behind
//! it, which only the account may read: the message is the diagnosis sealed
//! (AES-256-GCM) under the keyring's session-token key, with the account id
//! in the associated data, so it can be opened only by this account's
//! server and never by a caller of another account; anyone else sees an
//! opaque string.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use rampart_crypto::{open, seal, Purpose};
use rampart_policy::{Decision, Effect};
use serde::{Deserialize, Serialize};

use crate::authz::AccessRequest;
use crate::{ApiError, Principal, Rampart};

/// Prefix of every encoded message (the format's version).
const PREFIX: &str = "RDM1.";
/// Longest encoded message accepted for decoding.
pub const MAX_ENCODED: usize = 32 * 1024;
/// Most matched policies and condition keys kept in one message.
const MAX_ITEMS: usize = 16;

/// The decoded diagnosis, in the real response's shape
/// (`DecodedDiagnosticMessage`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DiagnosticMessage {
    /// The action checked (`ram:ListUsers`).
    pub auth_action: String,
    /// The resource checked.
    pub auth_resource: String,
    /// Who asked.
    pub auth_principal: AuthPrincipal,
    /// The request's condition keys and their values.
    pub auth_conditions: Vec<AuthCondition>,
    /// Whether a `Deny` statement decided.
    pub explicit_deny: bool,
    /// The kind of policy that denied.
    pub no_permission_policy_type: String,
    /// The statements that decided (the denying ones of an explicit deny).
    pub matched_policies: Vec<MatchedPolicy>,
}

/// The principal of a diagnosis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AuthPrincipal {
    /// `SubUser`, `AssumedRoleUser` or `Account`.
    pub auth_principal_type: String,
    /// The account id.
    pub auth_principal_owner_id: String,
    /// A user's id, `role:session` for a role session, the account id for
    /// the account.
    pub auth_principal_display_name: String,
}

/// One condition key of the request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AuthCondition {
    /// The key (`acs:SourceIp`).
    pub condition_key: String,
    /// Its values.
    pub condition_values: Vec<String>,
}

/// A policy statement that took part in the decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MatchedPolicy {
    /// The policy's name.
    pub policy_identifier: String,
    /// `Custom`, `System`, `Session` or `Resource`.
    pub policy_type: String,
    /// The version of a custom policy.
    pub policy_version: String,
    /// `Allow` or `Deny`.
    pub effect: String,
    /// The kind of entity it is attached to.
    pub attached_entity_type: String,
    /// Where it is attached (`Account`).
    pub attached_scope: String,
}

/// A condition key as the documentation spells it (the request context
/// keeps keys in lower case).
fn spelled(key: &str) -> String {
    const GLOBAL: [&str; 6] = [
        "acs:SourceIp",
        "acs:CurrentTime",
        "acs:SecureTransport",
        "acs:MFAPresent",
        "acs:SourceVpc",
        "acs:AccessId",
    ];
    GLOBAL
        .iter()
        .find(|g| g.eq_ignore_ascii_case(key))
        .map_or_else(|| key.to_string(), |g| (*g).to_string())
}

fn aad(account_id: &str) -> Vec<u8> {
    format!("rampart/diagnostic-message/v1/{account_id}").into_bytes()
}

fn invalid() -> ApiError {
    ApiError::invalid(
        "EncodedDiagnosticMessage",
        "The parameter \"EncodedDiagnosticMessage\" is not a diagnostic message of this account: pass the \
         `AccessDeniedDetail.EncodedDiagnosticMessage` of a denial, unchanged.",
    )
}

impl Rampart {
    /// The diagnosis of a denied request.
    pub(crate) fn diagnose(
        &self,
        principal: &Principal,
        req: &AccessRequest<'_>,
        decision: &Decision,
    ) -> DiagnosticMessage {
        let (ptype, display, entity) = match principal {
            Principal::Root { account_id, .. } => ("Account", account_id.clone(), "Account"),
            Principal::User { user_id, .. } => ("SubUser", user_id.clone(), "User"),
            Principal::AssumedRole {
                role_name,
                session_name,
                ..
            } => (
                "AssumedRoleUser",
                format!("{role_name}:{session_name}"),
                "Role",
            ),
        };
        let conditions = self
            .context_for(req)
            .iter()
            .take(MAX_ITEMS)
            .map(|(k, v)| AuthCondition {
                condition_key: spelled(k),
                condition_values: v.to_vec(),
            })
            .collect();
        let matched = decision
            .reasons
            .iter()
            .take(MAX_ITEMS)
            .map(|r| MatchedPolicy {
                policy_identifier: r.policy_name.clone(),
                policy_type: r.policy_type.clone(),
                policy_version: if r.policy_type == "Custom" {
                    r.version.clone()
                } else {
                    String::new()
                },
                effect: r.effect.as_str().to_string(),
                attached_entity_type: match r.policy_type.as_str() {
                    "Session" => "Session".to_string(),
                    "Resource" => "Resource".to_string(),
                    _ => entity.to_string(),
                },
                attached_scope: "Account".to_string(),
            })
            .collect();
        DiagnosticMessage {
            auth_action: req.action.to_string(),
            auth_resource: req.resource.to_string(),
            auth_principal: AuthPrincipal {
                auth_principal_type: ptype.to_string(),
                auth_principal_owner_id: principal.account_id().to_string(),
                auth_principal_display_name: display,
            },
            auth_conditions: conditions,
            explicit_deny: decision.effect == Effect::ExplicitDeny,
            no_permission_policy_type: "AccountLevelIdentityBasedPolicy".to_string(),
            matched_policies: matched,
        }
    }

    /// The diagnosis sealed for this account only.
    pub(crate) fn encode_diagnostic(&self, msg: &DiagnosticMessage) -> String {
        match serde_json::to_vec(msg) {
            Ok(json) => {
                let blob = seal(
                    self.keyring.key(Purpose::SessionToken),
                    &json,
                    &aad(&self.account_id),
                );
                format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(blob))
            }
            Err(e) => {
                tracing::warn!(error = %e, "diagnostic message not encoded");
                String::new()
            }
        }
    }

    /// Opens a message [`Rampart::encode_diagnostic`] made for this account.
    pub fn decode_diagnostic_message(&self, encoded: &str) -> Result<DiagnosticMessage, ApiError> {
        let encoded = encoded.trim();
        if encoded.is_empty() {
            return Err(ApiError::missing("EncodedDiagnosticMessage"));
        }
        if encoded.len() > MAX_ENCODED {
            return Err(ApiError::invalid(
                "EncodedDiagnosticMessage",
                format!(
                    "The parameter \"EncodedDiagnosticMessage\" is longer than {MAX_ENCODED} characters; pass the \
                     `AccessDeniedDetail.EncodedDiagnosticMessage` of a denial, unchanged."
                ),
            ));
        }
        let blob = encoded
            .strip_prefix(PREFIX)
            .and_then(|b| URL_SAFE_NO_PAD.decode(b).ok())
            .ok_or_else(invalid)?;
        let json = open(
            self.keyring.key(Purpose::SessionToken),
            &blob,
            &aad(&self.account_id),
        )
        .map_err(|_| invalid())?;
        let msg: DiagnosticMessage = serde_json::from_slice(&json).map_err(|_| invalid())?;
        if msg.auth_principal.auth_principal_owner_id != self.account_id {
            return Err(invalid());
        }
        Ok(msg)
    }
}
