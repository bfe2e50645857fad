//! IMS tags on RAM users: `TagResources`, `UntagResources`,
//! `ListTagResources` with flattened `Tag.N.Key` / `Tag.N.Value` and
//! `TagKey.N`; stored with RAM's tags, by user id.

use rampart_core::ram::tags;
use rampart_core::ApiError;
use serde::Serialize;

use crate::on;
use crate::request;
use crate::respond::{answers, key, Items, Nothing};
use crate::{Ctx, Params};

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
) -> Result<Nothing, ApiError> {
    ctx.rampart
        .tag_ram_resources(&crate::ram_tags::items(tagged), &r.tags)?;
    Ok(Nothing)
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
) -> Result<Nothing, ApiError> {
    let ImsTagKeys { keys, all } = r;
    if keys.is_empty() && !all {
        return Err(ApiError::missing("TagKey.1"));
    }
    let keys = if keys.is_empty() { None } else { Some(keys) };
    ctx.rampart
        .untag_ram_resources(&crate::ram_tags::items(tagged), keys.as_deref())?;
    Ok(Nothing)
}

request! {
    /// IMS's `ListTagResources`.
    pub(crate) struct ImsTagListing {
        /// The tags a listed user must all have.
        filter: Vec<(String, String)> = with(flattened_tags),
        window: (usize, usize) = with(|p| crate::ram_tags::page_window(p, 100)),
    }
}

/// One tag of one user, in `ListTagResources`.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct UserTagResource {
    resource_id: String,
    resource_type: &'static str,
    tag_key: String,
    tag_value: String,
}

/// `ListTagResources`: a page of the users' tags, `NextToken` when more
/// follow.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct TagResourcesAnswer {
    is_truncated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_token: Option<String>,
    tag_resources: Items<key::TagResource, UserTagResource>,
}

answers!(TagResourcesAnswer);

pub(crate) fn list_tag_resources(
    ctx: &Ctx<'_>,
    on::ImsTagged(tagged): on::ImsTagged,
    r: ImsTagListing,
) -> Result<TagResourcesAnswer, ApiError> {
    let ImsTagListing { filter, window } = r;
    let (start, page) = window;
    let mut all = Vec::new();
    for (kind, id, _) in tagged {
        let tags = ctx.rampart.ram_tags(kind, &id)?;
        // A user matches when it has every tag of the filter.
        if !filter.iter().all(|t| tags.contains(t)) {
            continue;
        }
        for (k, v) in tags {
            all.push(UserTagResource {
                resource_id: id.clone(),
                resource_type: "user",
                tag_key: k,
                tag_value: v,
            });
        }
    }
    let (items, next_token) = crate::ram_tags::page_of(all, start, page);
    Ok(TagResourcesAnswer {
        is_truncated: next_token.is_some(),
        next_token,
        tag_resources: Items::new(items),
    })
}
