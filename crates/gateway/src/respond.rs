//! The shapes of a successful answer's fields, for every product's
//! handlers: one object, a named field, a page with its marker (RAM, IMS)
//! or its number (KMS), a list.

use rampart_core::ram::Page;
use rampart_core::ApiError;
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::Output;

/// The fields of `v`, which must serialize as an object.
pub(crate) fn obj<T: Serialize>(v: T) -> Result<Output, ApiError> {
    match serde_json::to_value(v).map_err(ApiError::internal)? {
        Value::Object(m) => Ok(m),
        _ => Err(ApiError::internal("handler result is not an object")),
    }
}

/// No field but the `RequestId` every answer has.
pub(crate) fn empty() -> Result<Output, ApiError> {
    Ok(Map::new())
}

/// `{name: v}`.
pub(crate) fn field<T: Serialize>(name: &str, v: T) -> Result<Output, ApiError> {
    let mut m = Map::new();
    m.insert(
        name.into(),
        serde_json::to_value(v).map_err(ApiError::internal)?,
    );
    Ok(m)
}

/// `{Outer: {Inner: [...]}, IsTruncated, Marker?}`
pub(crate) fn page<T: Serialize>(outer: &str, inner: &str, p: Page<T>) -> Result<Output, ApiError> {
    let mut m = Map::new();
    let items = serde_json::to_value(p.items).map_err(ApiError::internal)?;
    m.insert(outer.into(), json!({ inner: items }));
    m.insert("IsTruncated".into(), Value::Bool(p.next_marker.is_some()));
    if let Some(marker) = p.next_marker {
        m.insert("Marker".into(), Value::String(marker));
    }
    Ok(m)
}

/// `{Outer: {Inner: [...]}}`, unpaged.
pub(crate) fn list<T: Serialize>(
    outer: &str,
    inner: &str,
    items: Vec<T>,
) -> Result<Output, ApiError> {
    let items = serde_json::to_value(items).map_err(ApiError::internal)?;
    let mut m = Map::new();
    m.insert(outer.into(), json!({ inner: items }));
    Ok(m)
}

/// `{Outer: {Inner: [...]}, TotalCount, PageNumber, PageSize}`: KMS's
/// numbered pages.
pub(crate) fn paged<T: Serialize>(
    outer: &str,
    inner: &str,
    items: Vec<T>,
    total: u64,
    page: u64,
    size: u32,
) -> Result<Output, ApiError> {
    obj(
        json!({ outer: { inner: items }, "TotalCount": total, "PageNumber": page, "PageSize": size }),
    )
}
