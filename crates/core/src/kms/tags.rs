//! Tags on keys and secrets.

use rampart_store::TagResource;
use serde_json::Value;

use super::store_err;
use crate::{ApiError, Rampart};

/// Parses `Tags` as the SDKs send it: `[{"TagKey":"k","TagValue":"v"}]`
/// (also `Key`/`Value`).
pub fn parse_tags(param: &str, json: &str) -> Result<Vec<(String, String)>, ApiError> {
    let bad = |why: &str| {
        ApiError::invalid(
            param,
            format!("The specified parameter \"{param}\" is not valid: {why}; write `[{{\"TagKey\":\"k\",\"TagValue\":\"v\"}}]`."),
        )
    };
    let v: Value = serde_json::from_str(json).map_err(|_| bad("it is not JSON"))?;
    let Value::Array(items) = v else {
        return Err(bad("it is not a JSON array"));
    };
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let k = item
            .get("TagKey")
            .or_else(|| item.get("Key"))
            .and_then(Value::as_str);
        let val = item
            .get("TagValue")
            .or_else(|| item.get("Value"))
            .and_then(Value::as_str);
        match (k, val) {
            (Some(k), Some(v)) => out.push((k.to_string(), v.to_string())),
            _ => return Err(bad("each tag needs a `TagKey` and a `TagValue` string")),
        }
    }
    check_tags(&out)?;
    Ok(out)
}

/// Tag rules: ≤ 20 tags, keys 1–128 and values ≤ 128 characters, keys not
/// starting with `aliyun` or `acs:`.
pub fn check_tags(tags: &[(String, String)]) -> Result<(), ApiError> {
    if tags.len() > 20 {
        return Err(ApiError::invalid(
            "Tags",
            "The specified parameter \"Tags\" is not valid: at most 20 tags.",
        ));
    }
    for (k, v) in tags {
        if k.is_empty() || k.chars().count() > 128 || v.chars().count() > 128 {
            return Err(ApiError::invalid(
                "Tags",
                format!("The specified parameter \"Tags\" is not valid: tag `{k}` must have a 1–128 character key and a value of at most 128."),
            ));
        }
        if !k
            .chars()
            .chain(v.chars())
            .all(crate::ram::validate::xml_char)
        {
            return Err(ApiError::invalid(
                "Tags",
                "The specified parameter \"Tags\" is not valid: tags may not hold control characters.",
            ));
        }
        if k.starts_with("aliyun") || k.starts_with("acs:") {
            return Err(ApiError::invalid(
                "Tags",
                format!("The specified parameter \"Tags\" is not valid: tag key `{k}` may not start with `aliyun` or `acs:`."),
            ));
        }
    }
    Ok(())
}

impl Rampart {
    /// Adds tags to a key or secret.
    pub fn tag(
        &self,
        kind: TagResource,
        id: &str,
        tags: &[(String, String)],
    ) -> Result<(), ApiError> {
        check_tags(tags)?;
        self.store
            .tag_resource(kind, id, tags, 20)
            .map_err(store_err)
    }

    /// Removes tags by key.
    pub fn untag(&self, kind: TagResource, id: &str, keys: &[String]) -> Result<(), ApiError> {
        self.store.untag_resource(kind, id, keys).map_err(store_err)
    }

    /// A resource's tags.
    pub fn tags_of(&self, kind: TagResource, id: &str) -> Result<Vec<(String, String)>, ApiError> {
        self.store.list_tags(kind, id).map_err(store_err)
    }
}
