//! IMS tags on RAM users: `TagResources`, `UntagResources`,
//! `ListTagResources` with flattened `Tag.N.Key` / `Tag.N.Value` and
//! `TagKey.N`; stored with RAM's tags, by user id.

use rampart_core::ram::tags;
use rampart_core::ApiError;
use serde_json::{json, Map, Value};

use crate::on;
use crate::respond::empty;
use crate::{Ctx, Output};

/// `Tag.N.Key` / `Tag.N.Value`, checked.
pub(crate) fn flattened_tags(ctx: &Ctx<'_>) -> Result<Vec<(String, String)>, ApiError> {
    tags::flattened(|name| ctx.params.opt(name))
}

pub(crate) fn tag_resources(
    ctx: &Ctx<'_>,
    on::ImsTagged(tagged): on::ImsTagged,
    (): (),
) -> Result<Output, ApiError> {
    let t = flattened_tags(ctx)?;
    if t.is_empty() {
        return Err(ApiError::missing("Tag.1.Key"));
    }
    ctx.rampart
        .tag_ram_resources(&crate::ram_tags::items(tagged), &t)?;
    empty()
}

pub(crate) fn untag_resources(
    ctx: &Ctx<'_>,
    on::ImsTagged(tagged): on::ImsTagged,
    (): (),
) -> Result<Output, ApiError> {
    let p = ctx.params;
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
    let all = p.bool("All")?.unwrap_or(false);
    if keys.is_empty() && !all {
        return Err(ApiError::missing("TagKey.1"));
    }
    let keys = if keys.is_empty() { None } else { Some(keys) };
    ctx.rampart
        .untag_ram_resources(&crate::ram_tags::items(tagged), keys.as_deref())?;
    empty()
}

pub(crate) fn list_tag_resources(
    ctx: &Ctx<'_>,
    on::ImsTagged(tagged): on::ImsTagged,
    (): (),
) -> Result<Output, ApiError> {
    let filter = flattened_tags(ctx)?;
    let (start, page) = crate::ram_tags::page_window(ctx.params, 100)?;
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
