//! A handler's answer: the [`Answer`] trait its answer type implements,
//! and the shapes many answers share: no field ([`Nothing`]), one named
//! field ([`One`]), a page with its marker (RAM, IMS: [`Paged`]) or its
//! number (KMS: [`Numbered`]), a list ([`Listed`]). Field names of the
//! shared shapes are types of [`key`].

use std::marker::PhantomData;

use rampart_core::ram::Page;
use rampart_core::ApiError;
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use serde_json::{json, Map, Value};

/// A handler's answer: the response's fields besides `RequestId`, as a
/// type that serializes as one object (a struct, or a shape of this
/// module). Not implemented for `serde_json::Value` or maps, so that a
/// handler's signature says what it answers.
pub trait Answer: Serialize {}

/// Declares types as [`Answer`]s: `answers!(KeyMetadataAnswer, …)`.
macro_rules! answers {
    ($($t:ty),* $(,)?) => {
        $(impl $crate::respond::Answer for $t {})*
    };
}
pub(crate) use answers;

/// A response field's name, as a type, for the shared shapes.
pub trait Key {
    /// The field's name, as written on the wire.
    const KEY: &'static str;
}

/// Field names of the shared shapes, each a type named as the field.
pub mod key {
    use super::Key as Named;

    macro_rules! keys {
        ($($k:ident),* $(,)?) => {
            $(
                #[doc = concat!("The field `", stringify!($k), "`.")]
                pub struct $k;
                impl Named for $k {
                    const KEY: &'static str = stringify!($k);
                }
            )*
        };
    }

    keys!(
        AccessKey,
        AccessKeyLastUsed,
        AccessKeys,
        Alias,
        Aliases,
        DefaultPolicyVersion,
        DeletionTaskId,
        Group,
        Groups,
        Key,
        KeyMetadata,
        KeyVersion,
        KeyVersions,
        Keys,
        LoginProfile,
        Policies,
        Policy,
        PolicyVersion,
        PolicyVersions,
        Region,
        Regions,
        Role,
        Roles,
        TagResource,
        TagResources,
        User,
        Users,
    );

    // Fields that only RAM's answers name.
    keys!();

    // Fields that only IMS's answers name.
    keys!(
        OIDCProvider,
        OIDCProviders,
        SAMLProvider,
        SAMLProviders,
        UserBasicInfo,
        UserBasicInfos,
        UserSsoSettings,
    );

    // Fields that only KMS's answers name.
    keys!();
}

/// No field but the `RequestId` every answer has.
pub struct Nothing;

impl Serialize for Nothing {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_map(Some(0))?.end()
    }
}

/// `{K: v}`.
pub struct One<K, T>(T, PhantomData<fn() -> K>);

impl<K, T> One<K, T> {
    /// The answer `{K: v}`.
    pub fn new(v: T) -> Self {
        Self(v, PhantomData)
    }
}

impl<K: Key, T: Serialize> Serialize for One<K, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(1))?;
        m.serialize_entry(K::KEY, &self.0)?;
        m.end()
    }
}

/// `{I: [...]}`: the inner object of a list, for answers' own structs.
pub struct Items<I, T>(Vec<T>, PhantomData<fn() -> I>);

impl<I, T> Items<I, T> {
    /// The items.
    pub fn new(items: Vec<T>) -> Self {
        Self(items, PhantomData)
    }
}

impl<I: Key, T: Serialize> Serialize for Items<I, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(1))?;
        m.serialize_entry(I::KEY, &self.0)?;
        m.end()
    }
}

/// `{O: {I: [...]}}`, unpaged.
pub struct Listed<O, I, T>(Items<I, T>, PhantomData<fn() -> O>);

impl<O, I, T> Listed<O, I, T> {
    /// The answer listing `items`.
    pub fn new(items: Vec<T>) -> Self {
        Self(Items::new(items), PhantomData)
    }
}

impl<O: Key, I: Key, T: Serialize> Serialize for Listed<O, I, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(1))?;
        m.serialize_entry(O::KEY, &self.0)?;
        m.end()
    }
}

/// `{O: {I: [...]}, IsTruncated, Marker?}`: a page of RAM or IMS.
pub struct Paged<O, I, T> {
    items: Items<I, T>,
    next_marker: Option<String>,
    _outer: PhantomData<fn() -> O>,
}

impl<O, I, T> From<Page<T>> for Paged<O, I, T> {
    fn from(p: Page<T>) -> Self {
        Self {
            items: Items::new(p.items),
            next_marker: p.next_marker,
            _outer: PhantomData,
        }
    }
}

impl<O: Key, I: Key, T: Serialize> Serialize for Paged<O, I, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let n = if self.next_marker.is_some() { 3 } else { 2 };
        let mut m = s.serialize_map(Some(n))?;
        m.serialize_entry(O::KEY, &self.items)?;
        m.serialize_entry("IsTruncated", &self.next_marker.is_some())?;
        if let Some(marker) = &self.next_marker {
            m.serialize_entry("Marker", marker)?;
        }
        m.end()
    }
}

/// `{O: {I: [...]}, TotalCount, PageNumber, PageSize}`: a numbered page of
/// KMS.
pub struct Numbered<O, I, T> {
    items: Items<I, T>,
    total: u64,
    page: u64,
    size: u32,
    _outer: PhantomData<fn() -> O>,
}

impl<O, I, T> Numbered<O, I, T> {
    /// Page `page` (from 1) of `size` items, of `total` in all.
    pub fn new(items: Vec<T>, total: u64, page: u64, size: u32) -> Self {
        Self {
            items: Items::new(items),
            total,
            page,
            size,
            _outer: PhantomData,
        }
    }
}

impl<O: Key, I: Key, T: Serialize> Serialize for Numbered<O, I, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(4))?;
        m.serialize_entry(O::KEY, &self.items)?;
        m.serialize_entry("TotalCount", &self.total)?;
        m.serialize_entry("PageNumber", &self.page)?;
        m.serialize_entry("PageSize", &self.size)?;
        m.end()
    }
}

impl Answer for Nothing {}
impl<K: Key, T: Serialize> Answer for One<K, T> {}
impl<O: Key, I: Key, T: Serialize> Answer for Listed<O, I, T> {}
impl<O: Key, I: Key, T: Serialize> Answer for Paged<O, I, T> {}
impl<O: Key, I: Key, T: Serialize> Answer for Numbered<O, I, T> {}

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

// TRANSITIONAL: until every handler answers its own type.
impl Serialize for Output {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match &self.0 {
            Fields::Map(m) => m.serialize(s),
            Fields::Json(b) => serde_json::from_slice::<Value>(b)
                .map_err(serde::ser::Error::custom)?
                .serialize(s),
        }
    }
}
impl Answer for Output {}

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
    fn the_shared_shapes_answer_what_the_maps_did() {
        let bytes = |o: Output| success(Format::Json, "X", "RID", o).body;
        let typed = |a: &dyn erased::Typed| bytes(a.output());
        assert_eq!(typed(&Nothing), bytes(empty().unwrap()));
        assert_eq!(
            typed(&One::<key::User, _>::new(json!({"UserName": "a"}))),
            bytes(field("User", json!({"UserName": "a"})).unwrap())
        );
        for next_marker in [None, Some("m".to_string())] {
            let p = || Page {
                items: vec![1, 2],
                next_marker: next_marker.clone(),
            };
            assert_eq!(
                typed(&Paged::<key::Users, key::User, _>::from(p())),
                bytes(page("Users", "User", p()).unwrap())
            );
        }
        assert_eq!(
            typed(&Listed::<key::Groups, key::Group, _>::new(vec!["g"])),
            bytes(list("Groups", "Group", vec!["g"]).unwrap())
        );
        assert_eq!(
            typed(&Numbered::<key::Keys, key::Key, _>::new(vec![1], 9, 2, 5)),
            bytes(paged("Keys", "Key", vec![1], 9, 2, 5).unwrap())
        );
        assert_eq!(
            String::from_utf8(typed(&Numbered::<key::Keys, key::Key, _>::new(
                vec![1],
                9,
                2,
                5
            )))
            .unwrap(),
            r#"{"RequestId":"RID","Keys":{"Key":[1]},"TotalCount":9,"PageNumber":2,"PageSize":5}"#
        );
    }

    /// Answers of different types behind one reference, for the test.
    mod erased {
        use super::super::{Answer, Output};

        pub trait Typed {
            fn output(&self) -> Output;
        }

        impl<A: Answer> Typed for A {
            fn output(&self) -> Output {
                Output::typed(self).unwrap()
            }
        }
    }

    #[test]
    fn only_objects_are_answers() {
        assert!(obj(3).is_err());
        assert!(obj(vec![1]).is_err());
    }
}
