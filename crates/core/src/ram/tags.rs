//! Tags on RAM roles and custom policies (`TagResources`, `UntagResources`,
//! `ListTagResources`): RAM sends `ResourceNames`, `Tag` and `TagKeys` as
//! JSON strings.

use rampart_store::TagResource;
use serde_json::Value;

use super::store_err;
use crate::{ApiError, Rampart};

/// Most resources named in one call.
pub const MAX_RESOURCES: usize = 50;
/// Most tags per resource, and per call.
pub const MAX_TAGS: usize = 20;

fn bad(param: &str, why: &str) -> ApiError {
    ApiError::invalid(
        param,
        format!("The parameter \"{param}\" is not valid: {why}."),
    )
}

fn json_array(param: &str, text: &str) -> Result<Vec<Value>, ApiError> {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Array(a)) => Ok(a),
        _ => Err(bad(param, "write a JSON array, such as [\"a\",\"b\"]")),
    }
}

/// `ResourceType`: `role` or `policy`.
pub fn resource_type(v: &str) -> Result<TagResource, ApiError> {
    match v {
        "role" => Ok(TagResource::Role),
        "policy" => Ok(TagResource::Policy),
        _ => Err(bad("ResourceType", "it must be `role` or `policy`")),
    }
}

/// A JSON array of at most `max` non-empty strings (`ResourceNames`,
/// `TagKeys`); the Tea clients send `[]` for a list left out.
pub fn names(param: &str, text: &str, max: usize) -> Result<Vec<String>, ApiError> {
    let items = json_array(param, text)?;
    if items.len() > max {
        return Err(bad(param, &format!("give at most {max} names")));
    }
    items
        .into_iter()
        .map(|v| match v {
            Value::String(s) if !s.is_empty() && s.chars().count() <= 128 => Ok(s),
            _ => Err(bad(
                param,
                "each entry must be a string of 1 to 128 characters",
            )),
        })
        .collect()
}

/// `Tag`: `[{"Key":"k","Value":"v"}]`, at most 20 (`[]`: none); keys 1–128
/// characters, not starting with `acs:` or `aliyun`; values at most 256.
pub fn tags(param: &str, text: &str) -> Result<Vec<(String, String)>, ApiError> {
    let items = json_array(param, text)?;
    if items.len() > MAX_TAGS {
        return Err(bad(
            param,
            "give 1 to 20 tags as [{\"Key\":\"k\",\"Value\":\"v\"}]",
        ));
    }
    let pairs = items.iter().map(|it| {
        let g = |k: &str| it.get(k).and_then(Value::as_str).unwrap_or_default();
        (g("Key"), g("Value"))
    });
    checked(param, pairs)
}

/// Flattened `Tag.N.Key` / `Tag.N.Value` (IMS), N from 1, at most 20.
pub fn flattened(get: impl Fn(&str) -> Option<String>) -> Result<Vec<(String, String)>, ApiError> {
    let mut pairs = Vec::new();
    for n in 1..=MAX_TAGS + 1 {
        let Some(key) = get(&format!("Tag.{n}.Key")) else {
            break;
        };
        if n > MAX_TAGS {
            return Err(bad("Tag", "give at most 20 tags (Tag.1 to Tag.20)"));
        }
        pairs.push((key, get(&format!("Tag.{n}.Value")).unwrap_or_default()));
    }
    checked("Tag", pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
}

/// Tags checked for form; a repeated key keeps its last value.
fn checked<'a>(
    param: &str,
    pairs: impl Iterator<Item = (&'a str, &'a str)>,
) -> Result<Vec<(String, String)>, ApiError> {
    let mut out: Vec<(String, String)> = Vec::new();
    for (key, value) in pairs {
        if key.is_empty() || key.chars().count() > 128 || value.chars().count() > 256 {
            return Err(bad(
                param,
                "each tag needs a `Key` of 1 to 128 characters and a `Value` of at most 256",
            ));
        }
        if key.starts_with("acs:") || key.starts_with("aliyun") {
            return Err(bad(param, "tag keys may not start with `acs:` or `aliyun`"));
        }
        if !key
            .chars()
            .chain(value.chars())
            .all(super::validate::xml_char)
        {
            return Err(bad(param, "tags may not hold control characters"));
        }
        out.retain(|(k, _)| k != key);
        out.push((key.to_string(), value.to_string()));
    }
    Ok(out)
}

impl Rampart {
    /// Adds (or replaces) tags on every resource, all or none.
    pub fn tag_ram_resources(
        &self,
        items: &[(TagResource, String)],
        tags: &[(String, String)],
    ) -> Result<(), ApiError> {
        self.store
            .tag_resources(items, tags, MAX_TAGS as u64)
            .map_err(|e| match e {
                rampart_store::StoreError::Limit(_) => ApiError::of(
                    crate::codes::LIMIT_EXCEEDED_TAG,
                    "A resource would have more than 20 tags; remove some first.",
                ),
                e => store_err(e),
            })
    }

    /// Removes tags by key (`None`: all) from every resource.
    pub fn untag_ram_resources(
        &self,
        items: &[(TagResource, String)],
        keys: Option<&[String]>,
    ) -> Result<(), ApiError> {
        self.store.untag_resources(items, keys).map_err(store_err)
    }

    /// A resource's tags, by key.
    pub fn ram_tags(&self, kind: TagResource, id: &str) -> Result<Vec<(String, String)>, ApiError> {
        self.store.list_tags(kind, id).map_err(store_err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get<'a>(p: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            p.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn flattened_tags() {
        let p = [
            ("Tag.1.Key", "env"),
            ("Tag.1.Value", "prod"),
            ("Tag.2.Key", "team"),
            ("Tag.3.Key", "env"),
            ("Tag.3.Value", "dev"),
            ("Tag.5.Key", "after-a-gap"),
        ];
        assert_eq!(
            flattened(get(&p)).unwrap(),
            [
                ("team".to_string(), String::new()),
                ("env".to_string(), "dev".to_string())
            ]
        );
        assert!(flattened(get(&[])).unwrap().is_empty());
        assert!(flattened(get(&[("Tag.1.Key", "acs:x")])).is_err());
        assert!(flattened(get(&[("Tag.1.Key", "")])).is_err());
        let keys: Vec<String> = (1..=21).map(|n| format!("Tag.{n}.Key")).collect();
        let many: Vec<(&str, &str)> = keys.iter().map(|k| (k.as_str(), "k")).collect();
        assert!(flattened(get(&many)).is_err());
        assert_eq!(flattened(get(&many[..20])).unwrap().len(), 1);
    }
}
