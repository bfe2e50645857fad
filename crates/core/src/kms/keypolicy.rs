//! Key policies (`GetKeyPolicy`, `SetKeyPolicy`, `Policy` of `CreateKey`).
//!
//! A key policy is evaluated together with the caller's identity policies:
//! either may allow, an explicit deny in either wins. As in the real KMS, a
//! statement whose principal is the whole account (`acs:ram::<uid>:*` or
//! `…:root`, as in the default policy, in any region spelling, `<uid>`,
//! `"RAM": "*"` or `"*"`) delegates to the identity policies: it allows
//! nothing by itself, so the default policy — and a policy read with
//! `GetKeyPolicy` and written back — changes no one's access. Such a
//! statement's `Deny` still applies to everyone in the account. Secret
//! policies follow the same rule ([`rampart_policy::evaluate_as`]). A
//! principal of another account is refused: cross-account use is not
//! served.

use rampart_policy::{parse, DocumentKind};

use super::{store_err, KeyId};
use crate::ram::policies::policy_error;
use crate::{ApiError, Rampart};

/// Longest key policy, in bytes.
pub const MAX_KEY_POLICY: usize = 32_768;

fn check_name(name: Option<&str>) -> Result<(), ApiError> {
    match name {
        None | Some("") | Some("default") => Ok(()),
        Some(other) => Err(ApiError::invalid(
            "PolicyName",
            format!("The specified parameter \"PolicyName\" is not valid: `{other}`; the only key policy is `default`."),
        )),
    }
}

/// Validates a resource policy's text (a key or secret policy) of the
/// account `account_id`: at most [`MAX_KEY_POLICY`] bytes, the grammar, and
/// no principal of another account.
pub(crate) fn check_resource_policy(account_id: &str, text: &str) -> Result<(), ApiError> {
    if text.len() > MAX_KEY_POLICY {
        return Err(ApiError::invalid(
            "Policy",
            format!(
                "The specified parameter \"Policy\" is not valid: at most {MAX_KEY_POLICY} bytes."
            ),
        ));
    }
    let doc = parse(text, DocumentKind::Resource).map_err(policy_error)?;
    if let Some(other) = doc.foreign_accounts(account_id).first() {
        return Err(ApiError::invalid(
            "Policy",
            format!(
                "The specified parameter \"Policy\" is not valid: the principal account `{}` is not this account ({account_id}); Rampart serves one account, so a policy can only name its own users and roles (or `acs:ram::{account_id}:root`, which delegates to their identity policies).",
                crate::echo(other)
            ),
        ));
    }
    Ok(())
}

impl Rampart {
    /// The default key policy: the account's identities, as their identity
    /// policies allow.
    pub fn default_key_policy(&self) -> String {
        format!(
            r#"{{"Version":"1","Statement":[{{"Sid":"Enable-RAM-User-Permissions","Effect":"Allow","Principal":{{"RAM":["acs:ram::{}:*"]}},"Action":["kms:*"],"Resource":["*"]}}]}}"#,
            self.account_id
        )
    }

    /// `GetKeyPolicy`: the key's policy, or the default one.
    pub fn get_key_policy(&self, key_id: &KeyId, name: Option<&str>) -> Result<String, ApiError> {
        check_name(name)?;
        let k = self.key_row(key_id)?;
        Ok(match k.policy {
            Some(p) if !p.is_empty() => p,
            _ => self.default_key_policy(),
        })
    }

    /// `SetKeyPolicy`.
    pub fn set_key_policy(
        &self,
        key_id: &KeyId,
        name: Option<&str>,
        policy: &str,
    ) -> Result<(), ApiError> {
        check_name(name)?;
        check_resource_policy(&self.account_id, policy)?;
        let mut k = self.key_row(key_id)?;
        k.policy = Some(policy.to_string());
        self.store.update_key(&k).map_err(store_err)
    }
}
