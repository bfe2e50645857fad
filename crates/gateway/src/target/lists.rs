//! Parameters that name several targets: `ResourceType` with `ResourceId.N`,
//! and `SecretsList`.

use rampart_core::ApiError;
use rampart_store::TagResource;
use serde_json::Value;

use super::{nonempty, BatchAsk};
use crate::Params;

/// `ResourceType`: `key` or `secret`.
pub fn resource_type(params: &Params) -> Result<TagResource, ApiError> {
    match params.required("ResourceType")? {
        "key" => Ok(TagResource::Key),
        "secret" => Ok(TagResource::Secret),
        other => Err(ApiError::invalid(
            "ResourceType",
            format!("The specified parameter \"ResourceType\" is not valid: `{other}` must be `key` or `secret`."),
        )),
    }
}

/// Entries of `SecretsList` (a JSON array, or flattened `SecretsList.N.*`), 1 to 20.
pub(super) fn secrets_list(params: &Params) -> Result<Vec<BatchAsk>, ApiError> {
    let bad = || {
        ApiError::invalid(
            "SecretsList",
            "The specified parameter \"SecretsList\" is not valid: write `[{\"SecretName\":\"name\"}]` (at most 20).",
        )
    };
    let item = |name: String, g: &dyn Fn(&str) -> Option<String>| BatchAsk {
        name,
        version_id: g("VersionId").filter(|s| !s.is_empty()),
        version_stage: g("VersionStage").filter(|s| !s.is_empty()),
        fetch_extended_config: g("FetchExtendedConfig")
            .is_some_and(|f| f.eq_ignore_ascii_case("true")),
    };
    let mut out = Vec::new();
    if let Some(text) = nonempty(params, "SecretsList") {
        let v: Value = serde_json::from_str(text).map_err(|_| bad())?;
        let Value::Array(items) = v else {
            return Err(bad());
        };
        if items.len() > 20 {
            return Err(bad());
        }
        for it in items {
            let g = |k: &str| it.get(k).and_then(Value::as_str).map(str::to_string);
            let name = g("SecretName").filter(|s| !s.is_empty()).ok_or_else(bad)?;
            out.push(item(name, &g));
        }
    } else {
        for n in 1..=20 {
            let Some(name) = nonempty(params, &format!("SecretsList.{n}.SecretName")) else {
                break;
            };
            let g = |k: &str| params.opt(&format!("SecretsList.{n}.{k}"));
            out.push(item(name.to_string(), &g));
        }
    }
    if out.is_empty() {
        return Err(bad());
    }
    Ok(out)
}
