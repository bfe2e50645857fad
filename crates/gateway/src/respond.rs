//! The shapes of a successful answer's fields, for every product's
//! handlers: one object, a named field, a page with its marker (RAM, IMS)
//! or its number (KMS), a list.

use rampart_core::ram::Page;
use rampart_core::ApiError;
use serde::Serialize;
use serde_json::{json, Map, Value};

/// A handler's successful result: the response fields besides
/// `RequestId`, either as fields to write or already written as one JSON
/// object (a typed answer, serialized once: JSON answers copy its bytes,
/// only XML ones read it back).
#[derive(Debug, Clone)]
pub struct Output(Fields);

#[derive(Clone)]
enum Fields {
    Map(Map<String, Value>),
    /// A JSON object, `{…}`.
    Json(Vec<u8>),
}

impl std::fmt::Debug for Fields {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // An answer may carry a secret's value: its fields are not shown.
        match self {
            Fields::Map(m) => write!(f, "Map({} fields)", m.len()),
            Fields::Json(b) => write!(f, "Json({} bytes)", b.len()),
        }
    }
}

impl From<Map<String, Value>> for Output {
    fn from(m: Map<String, Value>) -> Self {
        Self(Fields::Map(m))
    }
}

impl Output {
    /// The fields of `v`, which must serialize as an object, written once.
    pub fn typed<T: Serialize>(v: &T) -> Result<Self, ApiError> {
        let bytes = serde_json::to_vec(v).map_err(ApiError::internal)?;
        if bytes.first() != Some(&b'{') {
            return Err(ApiError::internal("handler result is not an object"));
        }
        Ok(Self(Fields::Json(bytes)))
    }

    /// The fields, as a map (read back if written already).
    pub fn into_map(self) -> Result<Map<String, Value>, ApiError> {
        match self.0 {
            Fields::Map(m) => Ok(m),
            Fields::Json(b) => serde_json::from_slice(&b).map_err(ApiError::internal),
        }
    }

    /// The fields as JSON, after `RequestId`: `{"RequestId":"…",…}`.
    pub(crate) fn json_with_request_id(&self, request_id: &str) -> Result<Vec<u8>, ApiError> {
        let b = match &self.0 {
            Fields::Map(m) => {
                return serde_json::to_vec(&WithRequestId {
                    request_id,
                    fields: m,
                })
                .map_err(ApiError::internal)
            }
            Fields::Json(b) => b,
        };
        let rest = b.get(1..).unwrap_or_default();
        let mut out = Vec::with_capacity(b.len() + request_id.len() + 16);
        out.extend_from_slice(b"{\"RequestId\":");
        serde_json::to_writer(&mut out, request_id).map_err(ApiError::internal)?;
        if rest != b"}" {
            out.push(b',');
        }
        out.extend_from_slice(rest);
        Ok(out)
    }
}

/// `RequestId` first, then a handler's fields, written as they are (not
/// copied into another map first).
struct WithRequestId<'a> {
    request_id: &'a str,
    fields: &'a Map<String, Value>,
}

impl Serialize for WithRequestId<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(self.fields.len() + 1))?;
        m.serialize_entry("RequestId", self.request_id)?;
        for (k, v) in self.fields {
            if k != "RequestId" {
                m.serialize_entry(k, v)?;
            }
        }
        m.end()
    }
}

/// The fields of `v`, which must serialize as an object.
pub(crate) fn obj<T: Serialize>(v: T) -> Result<Output, ApiError> {
    Output::typed(&v)
}

/// No field but the `RequestId` every answer has.
pub(crate) fn empty() -> Result<Output, ApiError> {
    Ok(Map::new().into())
}

/// `{name: v}`.
pub(crate) fn field<T: Serialize>(name: &str, v: T) -> Result<Output, ApiError> {
    fields(name, v).map(Output::from)
}

/// `{name: v}`, as a map to add more fields to.
pub(crate) fn fields<T: Serialize>(name: &str, v: T) -> Result<Map<String, Value>, ApiError> {
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
    Ok(m.into())
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
    Ok(m.into())
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encode::success;
    use crate::Format;

    #[derive(Serialize)]
    #[serde(rename_all = "PascalCase")]
    struct Answer {
        secret_name: &'static str,
        version_stages: Vec<&'static str>,
        size: u64,
    }

    #[test]
    fn a_typed_answer_is_written_once_after_the_request_id() {
        let a = Answer {
            secret_name: "db\"x",
            version_stages: vec!["ACSCurrent"],
            size: 3,
        };
        let r = success(Format::Json, "GetSecretValue", "RID", obj(&a).unwrap());
        assert_eq!(
            String::from_utf8(r.body).unwrap(),
            r#"{"RequestId":"RID","SecretName":"db\"x","VersionStages":["ACSCurrent"],"Size":3}"#
        );
        // The same fields through a map answer the same bytes.
        let m = serde_json::to_value(&a).unwrap();
        let Value::Object(m) = m else { unreachable!() };
        let typed = success(Format::Json, "X", "RID", obj(&a).unwrap()).body;
        assert_eq!(success(Format::Json, "X", "RID", m.into()).body, typed);
        let r = success(Format::Json, "X", "RID", empty().unwrap());
        assert_eq!(r.body, br#"{"RequestId":"RID"}"#);
        let r = success(Format::Json, "X", "RID", obj(json!({})).unwrap());
        assert_eq!(r.body, br#"{"RequestId":"RID"}"#);
    }

    #[test]
    fn a_typed_answer_in_xml_keeps_its_order() {
        let a = Answer {
            secret_name: "a<b",
            version_stages: vec!["ACSCurrent", "ACSPrevious"],
            size: 3,
        };
        let r = success(Format::Xml, "GetSecretValue", "RID", obj(&a).unwrap());
        let s = String::from_utf8(r.body).unwrap();
        assert!(s.ends_with("<GetSecretValueResponse><RequestId>RID</RequestId><SecretName>a&lt;b</SecretName><VersionStages>ACSCurrent</VersionStages><VersionStages>ACSPrevious</VersionStages><Size>3</Size></GetSecretValueResponse>"), "{s}");
    }

    #[test]
    fn only_objects_are_answers() {
        assert!(obj(3).is_err());
        assert!(obj(vec![1]).is_err());
    }
}
