//! IMS tags on RAM users: `TagResources`, `UntagResources`,
//! `ListTagResources` with flattened `Tag.N.Key` / `Tag.N.Value` and
//! `TagKey.N`; stored with RAM's tags, by user id.

use rampart_core::ram::tags;
use rampart_core::ApiError;
use serde_json::{json, Map, Value};

use crate::on;
use crate::request;
use crate::respond::empty;
use crate::{Ctx, Output, Params};

/// `Tag.N.Key` / `Tag.N.Value`, checked.
pub(crate) fn flattened_tags(p: &Params) -> Result<Vec<(String, String)>, ApiError> {
    tags::flattened(|name| p.opt(name))
}

/// `Tag.N.Key` / `Tag.N.Value`, checked, at least one.
fn some_tags(p: &Params) -> Result<Vec<(String, String)>, ApiError> {
    let t = flattened_tags(p)?;
    if t.is_empty() {
        return Err(ApiError::missing("Tag.1.Key"));
    }
    Ok(t)
}

request! {
    /// IMS's `TagResources`.
    pub(crate) struct ImsTags {
        tags: Vec<(String, String)> = with(some_tags),
    }
}

pub(crate) fn tag_resources(
    ctx: &Ctx<'_>,
    on::ImsTagged(tagged): on::ImsTagged,
    r: ImsTags,
) -> Result<Output, ApiError> {
    ctx.rampart
        .tag_ram_resources(&crate::ram_tags::items(tagged), &r.tags)?;
    empty()
}

/// `TagKey.N`: at most 20 keys of at most 128 characters, up to the first
/// absent or empty one.
fn tag_keys(p: &Params) -> Result<Vec<String>, ApiError> {
    let mut keys = Vec::new();
    for n in 1..=tags::MAX_TAGS + 1 {
        let Some(k) = p.get(&format!("TagKey.{n}")).filter(|s| !s.is_empty()) else {
            break;
        };
        if n > tags::MAX_TAGS || k.chars().count() > 128 {
            return Err(ApiError::invalid(
                "TagKey",
                "The parameter \"TagKey\" takes at most 20 keys (TagKey.1 to TagKey.20) of at most 128 characters.",
            ));
        }
        keys.push(k.to_string());
    }
    Ok(keys)
}

request! {
    /// IMS's `UntagResources`.
    pub(crate) struct ImsTagKeys {
        keys: Vec<String> = with(tag_keys),
        all: bool = flag("All"),
    }
}

pub(crate) fn untag_resources(
    ctx: &Ctx<'_>,
    on::ImsTagged(tagged): on::ImsTagged,
    r: ImsTagKeys,
) -> Result<Output, ApiError> {
    let ImsTagKeys { keys, all } = r;
    if keys.is_empty() && !all {
        return Err(ApiError::missing("TagKey.1"));
    }
    let keys = if keys.is_empty() { None } else { Some(keys) };
    ctx.rampart
        .untag_ram_resources(&crate::ram_tags::items(tagged), keys.as_deref())?;
    empty()
}

request! {
    /// IMS's `ListTagResources`.
    pub(crate) struct ImsTagListing {
        /// The tags a listed user must all have.
        filter: Vec<(String, String)> = with(flattened_tags),
        window: (usize, usize) = with(|p| crate::ram_tags::page_window(p, 100)),
    }
}

pub(crate) fn list_tag_resources(
    ctx: &Ctx<'_>,
    on::ImsTagged(tagged): on::ImsTagged,
    r: ImsTagListing,
) -> Result<Output, ApiError> {
    let ImsTagListing { filter, window } = r;
    let (start, page) = window;
    let mut all: Vec<Value> = Vec::new();
    for (kind, id, _) in tagged {
        let tags = ctx.rampart.ram_tags(kind, &id)?;
        // A user matches when it has every tag of the filter.
        if !filter.iter().all(|t| tags.contains(t)) {
            continue;
        }
        for (k, v) in tags {
            all.push(json!({
                "ResourceId": id,
                "ResourceType": "user",
                "TagKey": k,
                "TagValue": v,
            }));
        }
    }
    let (items, next) = crate::ram_tags::page_of(all, start, page);
    let mut m = Map::new();
    m.insert("IsTruncated".into(), Value::Bool(next.is_some()));
    if let Some(next) = next {
        m.insert("NextToken".into(), Value::String(next));
    }
    m.insert("TagResources".into(), json!({ "TagResource": items }));
    Ok(m.into())
}
