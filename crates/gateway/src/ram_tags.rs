//! RAM tags on roles and custom policies: `TagResources`,
//! `UntagResources`, `ListTagResources`.

use rampart_core::ram::tags;
use rampart_core::ApiError;
use rampart_store::TagResource;
use serde_json::{json, Map, Value};

use crate::on;
use crate::{Ctx, Output};

/// The resources the request names, as the store files their tags.
pub(crate) fn items(tagged: Vec<(TagResource, String, String)>) -> Vec<(TagResource, String)> {
    tagged.into_iter().map(|(k, id, _)| (k, id)).collect()
}

pub(crate) fn tag_resources(
    ctx: &Ctx<'_>,
    on::RamTagged(tagged): on::RamTagged,
    (): (),
) -> Result<Output, ApiError> {
    let t = tags::tags("Tag", ctx.params.required("Tag")?)?;
    if t.is_empty() {
        return Err(ApiError::missing("Tag"));
    }
    ctx.rampart.tag_ram_resources(&items(tagged), &t)?;
    Ok(Map::new().into())
}

pub(crate) fn untag_resources(
    ctx: &Ctx<'_>,
    on::RamTagged(tagged): on::RamTagged,
    (): (),
) -> Result<Output, ApiError> {
    let p = ctx.params;
    let all = p.bool("All")?.unwrap_or(false);
    let keys = match p.get("TagKeys").filter(|s| !s.is_empty()) {
        Some(text) => tags::names("TagKeys", text, tags::MAX_TAGS)?,
        None => Vec::new(),
    };
    if !all && keys.is_empty() {
        return Err(ApiError::missing("TagKeys"));
    }
    let keys = if all { None } else { Some(keys) };
    ctx.rampart
        .untag_ram_resources(&items(tagged), keys.as_deref())?;
    Ok(Map::new().into())
}

/// Entries per page when `PageSize` is absent.
const DEFAULT_PAGE: usize = 50;

pub(crate) fn list_tag_resources(
    ctx: &Ctx<'_>,
    on::RamTagged(tagged): on::RamTagged,
    (): (),
) -> Result<Output, ApiError> {
    let p = ctx.params;
    let filter = match p.get("Tag").filter(|s| !s.is_empty()) {
        Some(text) => Some(tags::tags("Tag", text)?).filter(|f| !f.is_empty()),
        None => None,
    };
    let (start, page) = page_window(ctx, DEFAULT_PAGE)?;
    let mut all: Vec<Value> = Vec::new();
    for (kind, id, name) in tagged {
        let kind_name = if kind == TagResource::Policy {
            "policy"
        } else {
            "role"
        };
        let tags = ctx.rampart.ram_tags(kind, &id)?;
        if let Some(f) = &filter {
            // A resource matches when it has every tag of the filter.
            if !f.iter().all(|t| tags.contains(t)) {
                continue;
            }
        }
        for (k, v) in tags {
            all.push(json!({
                "ResourceName": name,
                "ResourceType": kind_name,
                "TagKey": k,
                "TagValue": v,
            }));
        }
    }
    let (items, next) = page_of(all, start, page);
    let mut m = Map::new();
    if let Some(next) = next {
        m.insert("NextToken".into(), Value::String(next));
    }
    m.insert("TagResources".into(), Value::Array(items));
    Ok(m.into())
}

/// `NextToken` (an offset this API returned) and `PageSize` (1 to 100,
/// `default` when absent) of a tag listing, as (start, page).
pub(crate) fn page_window(ctx: &Ctx<'_>, default: usize) -> Result<(usize, usize), ApiError> {
    let p = ctx.params;
    let page = match p.u32("PageSize")? {
        None => default,
        Some(n) if (1..=100).contains(&n) => n as usize,
        Some(n) => {
            return Err(ApiError::invalid(
                "PageSize",
                format!("The parameter \"PageSize\" must be from 1 to 100, got {n}."),
            ))
        }
    };
    let start: usize = match p.get("NextToken").filter(|s| !s.is_empty()) {
        Some(t) => t.parse().map_err(|_| {
            ApiError::invalid(
                "NextToken",
                "The parameter \"NextToken\" is not one this API returned.",
            )
        })?,
        None => 0,
    };
    Ok((start, page))
}

/// The page of `all` from `start`, and the token of the next page if any.
pub(crate) fn page_of(all: Vec<Value>, start: usize, page: usize) -> (Vec<Value>, Option<String>) {
    let end = start.saturating_add(page).min(all.len());
    let next = (end < all.len()).then(|| end.to_string());
    (all.into_iter().skip(start).take(page).collect(), next)
}
