//! Key policies (`GetKeyPolicy`, `SetKeyPolicy`, `Policy` of `CreateKey`).
//!
//! A key policy is evaluated together with the caller's identity policies:
//! either may allow, an explicit deny in either wins. As in the real KMS, a
//! statement whose principal is the whole account (`acs:ram::<uid>:*` or
//! `…:root`, as in the default policy) delegates to the identity policies:
//! it allows nothing by itself, so the default policy — and a policy read
//! with `GetKeyPolicy` and written back — changes no one's access. Such a
//! statement's `Deny` still applies to everyone in the account.

use rampart_policy::{parse, DocumentKind};
use serde_json::Value;

use super::store_err;
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

/// Validates a key policy's text.
pub(crate) fn check_policy(text: &str) -> Result<(), ApiError> {
    if text.len() > MAX_KEY_POLICY {
        return Err(ApiError::invalid(
            "Policy",
            format!(
                "The specified parameter \"Policy\" is not valid: at most {MAX_KEY_POLICY} bytes."
            ),
        ));
    }
    parse(text, DocumentKind::Resource).map_err(policy_error)?;
    Ok(())
}

/// The document authorization evaluates for a stored key policy: `Allow`
/// statements lose their account-wide principals (those delegate to the
/// identity policies), and a statement left with no principal goes.
pub(crate) fn effective_policy(account_id: &str, text: &str) -> Option<String> {
    let mut doc: Value = serde_json::from_str(text).ok()?;
    let account_wide = |p: &str| {
        p == format!("acs:ram::{account_id}:*")
            || p == format!("acs:ram::{account_id}:root")
            || p == account_id
    };
    let statements = match doc.get_mut("Statement") {
        Some(Value::Array(a)) => a,
        _ => return Some(text.to_string()),
    };
    statements.retain_mut(|st| {
        if st.get("Effect").and_then(Value::as_str) != Some("Allow") {
            return true;
        }
        let Some(Value::Object(principal)) = st.get_mut("Principal") else {
            return true;
        };
        let Some(ram) = principal.get_mut("RAM") else {
            return true;
        };
        match ram {
            Value::String(s) if account_wide(s) => {
                principal.remove("RAM");
            }
            Value::Array(list) => {
                list.retain(|v| !v.as_str().is_some_and(account_wide));
                if list.is_empty() {
                    principal.remove("RAM");
                }
            }
            _ => {}
        }
        !principal.is_empty()
    });
    if statements.is_empty() {
        return None;
    }
    serde_json::to_string(&doc).ok()
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
    pub fn get_key_policy(&self, key_ref: &str, name: Option<&str>) -> Result<String, ApiError> {
        check_name(name)?;
        let k = self.resolve_key(key_ref)?;
        Ok(match k.policy {
            Some(p) if !p.is_empty() => p,
            _ => self.default_key_policy(),
        })
    }

    /// `SetKeyPolicy`.
    pub fn set_key_policy(
        &self,
        key_ref: &str,
        name: Option<&str>,
        policy: &str,
    ) -> Result<(), ApiError> {
        check_name(name)?;
        check_policy(policy)?;
        let mut k = self.resolve_key(key_ref)?;
        k.policy = Some(policy.to_string());
        self.store.update_key(&k).map_err(store_err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_wide_allows_delegate_and_denies_stay() {
        let uid = "1234";
        let default = r#"{"Version":"1","Statement":[{"Effect":"Allow","Principal":{"RAM":["acs:ram::1234:*"]},"Action":["kms:*"],"Resource":["*"]}]}"#;
        assert_eq!(effective_policy(uid, default), None);
        let mixed = r#"{"Version":"1","Statement":[
            {"Effect":"Allow","Principal":{"RAM":["acs:ram::1234:root","acs:ram::1234:user/alice"]},"Action":"kms:*","Resource":"*"},
            {"Effect":"Deny","Principal":{"RAM":"acs:ram::1234:*"},"Action":"kms:AsymmetricSign","Resource":"*"}]}"#;
        let out = effective_policy(uid, mixed).unwrap();
        assert!(out.contains("user/alice") && !out.contains("1234:root"));
        assert!(out.contains("Deny") && out.contains("acs:ram::1234:*"));
    }
}
