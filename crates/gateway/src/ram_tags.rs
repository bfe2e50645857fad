//! RAM tags on roles and custom policies: `TagResources`,
//! `UntagResources`, `ListTagResources`.

use rampart_core::ram::tags;
use rampart_core::ApiError;
use rampart_store::TagResource;
use serde::Serialize;

use crate::on;
use crate::request;
use crate::respond::{Answer, Nothing};
use crate::{Ctx, Params};

/// The resources the request names, as the store files their tags.
pub(crate) fn items(tagged: Vec<(TagResource, String, String)>) -> Vec<(TagResource, String)> {
    tagged.into_iter().map(|(k, id, _)| (k, id)).collect()
}

request! {
    /// `TagResources` (RAM and IMS): `Tag`, at least one.
    pub(crate) struct NewTags {
        tags: Vec<(String, String)> = with(new_tags),
    }
}

/// `Tag`: a JSON list of at least one tag.
fn new_tags(p: &Params) -> Result<Vec<(String, String)>, ApiError> {
    let t = tags::tags("Tag", p.required("Tag")?)?;
    if t.is_empty() {
        return Err(ApiError::missing("Tag"));
    }
    Ok(t)
}

pub(crate) fn tag_resources(
    ctx: &Ctx<'_>,
    on::RamTagged(tagged): on::RamTagged,
    r: NewTags,
) -> Result<Nothing, ApiError> {
    ctx.rampart.tag_ram_resources(&items(tagged), &r.tags)?;
    Ok(Nothing)
}

request! {
    /// `UntagResources`: `All`, or the `TagKeys` to remove.
    pub(crate) struct TagRemoval {
        keys: Option<Vec<String>> = with(tag_keys),
    }
}

/// `All` (then `None`: every tag) or `TagKeys` (at least one).
fn tag_keys(p: &Params) -> Result<Option<Vec<String>>, ApiError> {
    let all = p.bool("All")?.unwrap_or(false);
    let keys = match p.get("TagKeys").filter(|s| !s.is_empty()) {
        Some(text) => tags::names("TagKeys", text, tags::MAX_TAGS)?,
        None => Vec::new(),
    };
    if !all && keys.is_empty() {
        return Err(ApiError::missing("TagKeys"));
    }
    Ok(if all { None } else { Some(keys) })
}

pub(crate) fn untag_resources(
    ctx: &Ctx<'_>,
    on::RamTagged(tagged): on::RamTagged,
    r: TagRemoval,
) -> Result<Nothing, ApiError> {
    ctx.rampart
        .untag_ram_resources(&items(tagged), r.keys.as_deref())?;
    Ok(Nothing)
}

/// Entries per page when `PageSize` is absent.
const DEFAULT_PAGE: usize = 50;

request! {
    /// `ListTagResources`: the tag filter and the page.
    pub(crate) struct TagListing {
        filter: Option<Vec<(String, String)>> = with(tag_filter),
        window: (usize, usize) = with(|p| page_window(p, DEFAULT_PAGE)),
    }
}

/// `Tag` as a filter: every tag it names, if any.
fn tag_filter(p: &Params) -> Result<Option<Vec<(String, String)>>, ApiError> {
    match p.get("Tag").filter(|s| !s.is_empty()) {
        Some(text) => Ok(Some(tags::tags("Tag", text)?).filter(|f| !f.is_empty())),
        None => Ok(None),
    }
}

pub(crate) fn list_tag_resources(
    ctx: &Ctx<'_>,
    on::RamTagged(tagged): on::RamTagged,
    r: TagListing,
) -> Result<TagPage<RamTag>, ApiError> {
    let filter = r.filter;
    let (start, page) = r.window;
    let mut all = Vec::new();
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
        for (tag_key, tag_value) in tags {
            all.push(RamTag {
                resource_name: name.clone(),
                resource_type: kind_name,
                tag_key,
                tag_value,
            });
        }
    }
    let (tag_resources, next_token) = page_of(all, start, page);
    Ok(TagPage {
        next_token,
        tag_resources,
    })
}

/// One tag of a role or policy, as `ListTagResources` lists it.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct RamTag {
    resource_name: String,
    /// `role` or `policy`.
    resource_type: &'static str,
    tag_key: String,
    tag_value: String,
}

/// A page of `ListTagResources`: `{NextToken?, TagResources: [...]}`.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct TagPage<T> {
    #[serde(skip_serializing_if = "Option::is_none")]
    next_token: Option<String>,
    tag_resources: Vec<T>,
}

impl<T: Serialize> Answer for TagPage<T> {}

/// `NextToken` (an offset this API returned) and `PageSize` (1 to 100,
/// `default` when absent) of a tag listing, as (start, page).
pub(crate) fn page_window(p: &Params, default: usize) -> Result<(usize, usize), ApiError> {
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
pub(crate) fn page_of<T>(all: Vec<T>, start: usize, page: usize) -> (Vec<T>, Option<String>) {
    let end = start.saturating_add(page).min(all.len());
    let next = (end < all.len()).then(|| end.to_string());
    (all.into_iter().skip(start).take(page).collect(), next)
}
