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
use serde_json::{Map, Value};

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
        AccountAlias,
        Alias,
        Aliases,
        DeletionTaskId,
        Group,
        Groups,
        Key,
        KeyMetadata,
        KeyVersion,
        KeyVersions,
        Keys,
        LoginProfile,
        PasswordPolicy,
        Policies,
        Policy,
        PolicyVersion,
        PolicyVersions,
        Region,
        Regions,
        Role,
        Roles,
        SecurityPreference,
        TagResource,
        User,
        Users,
        VirtualMFADevice,
        VirtualMFADevices,
        // IMS's own.
        OIDCProvider,
        OIDCProviders,
        SAMLProvider,
        SAMLProviders,
        UserBasicInfo,
        UserBasicInfos,
        UserSsoSettings,
    );
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

/// A handler's answer, serialized once as one JSON object (`{…}`): a JSON
/// response copies its bytes after `RequestId`, only an XML one reads it
/// back.
#[derive(Clone)]
pub struct Output(Vec<u8>);

impl std::fmt::Debug for Output {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // An answer may carry a secret's value: its fields are not shown.
        write!(f, "Output({} bytes)", self.0.len())
    }
}

impl Output {
    /// The fields of `v`, which must serialize as an object, written once.
    pub fn typed<T: Serialize + ?Sized>(v: &T) -> Result<Self, ApiError> {
        let bytes = serde_json::to_vec(v).map_err(ApiError::internal)?;
        if bytes.first() != Some(&b'{') {
            return Err(ApiError::internal("handler result is not an object"));
        }
        Ok(Self(bytes))
    }

    /// The fields, read back as a map.
    pub fn into_map(self) -> Result<Map<String, Value>, ApiError> {
        serde_json::from_slice(&self.0).map_err(ApiError::internal)
    }

    /// The fields as JSON, after `RequestId`: `{"RequestId":"…",…}`.
    pub(crate) fn json_with_request_id(&self, request_id: &str) -> Result<Vec<u8>, ApiError> {
        let rest = self.0.get(1..).unwrap_or_default();
        let mut out = Vec::with_capacity(self.0.len() + request_id.len() + 16);
        out.extend_from_slice(b"{\"RequestId\":");
        serde_json::to_writer(&mut out, request_id).map_err(ApiError::internal)?;
        if rest != b"}" {
            out.push(b',');
        }
        out.extend_from_slice(rest);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encode::success;
    use crate::Format;
    use serde_json::json;

    #[derive(Serialize)]
    #[serde(rename_all = "PascalCase")]
    struct Answer {
        secret_name: &'static str,
        version_stages: Vec<&'static str>,
        size: u64,
    }

    fn json_of<A: super::Answer>(a: &A) -> String {
        let body = success(Format::Json, "X", "RID", Output::typed(a).unwrap()).body;
        String::from_utf8(body).unwrap()
    }

    #[test]
    fn a_typed_answer_is_written_once_after_the_request_id() {
        let a = Answer {
            secret_name: "db\"x",
            version_stages: vec!["ACSCurrent"],
            size: 3,
        };
        let r = success(
            Format::Json,
            "GetSecretValue",
            "RID",
            Output::typed(&a).unwrap(),
        );
        assert_eq!(
            String::from_utf8(r.body).unwrap(),
            r#"{"RequestId":"RID","SecretName":"db\"x","VersionStages":["ACSCurrent"],"Size":3}"#
        );
        assert_eq!(json_of(&Nothing), r#"{"RequestId":"RID"}"#);
    }

    #[test]
    fn a_typed_answer_in_xml_keeps_its_order() {
        let a = Answer {
            secret_name: "a<b",
            version_stages: vec!["ACSCurrent", "ACSPrevious"],
            size: 3,
        };
        let r = success(
            Format::Xml,
            "GetSecretValue",
            "RID",
            Output::typed(&a).unwrap(),
        );
        let s = String::from_utf8(r.body).unwrap();
        assert!(s.ends_with("<GetSecretValueResponse><RequestId>RID</RequestId><SecretName>a&lt;b</SecretName><VersionStages>ACSCurrent</VersionStages><VersionStages>ACSPrevious</VersionStages><Size>3</Size></GetSecretValueResponse>"), "{s}");
    }

    #[test]
    fn the_shared_shapes_answer_the_wire_shapes() {
        assert_eq!(
            json_of(&One::<key::User, _>::new(json!({"UserName": "a"}))),
            r#"{"RequestId":"RID","User":{"UserName":"a"}}"#
        );
        let page = |next_marker: Option<&str>| Page {
            items: vec![1, 2],
            next_marker: next_marker.map(str::to_string),
        };
        assert_eq!(
            json_of(&Paged::<key::Users, key::User, _>::from(page(None))),
            r#"{"RequestId":"RID","Users":{"User":[1,2]},"IsTruncated":false}"#
        );
        assert_eq!(
            json_of(&Paged::<key::Users, key::User, _>::from(page(Some("m")))),
            r#"{"RequestId":"RID","Users":{"User":[1,2]},"IsTruncated":true,"Marker":"m"}"#
        );
        assert_eq!(
            json_of(&Listed::<key::Groups, key::Group, _>::new(vec!["g"])),
            r#"{"RequestId":"RID","Groups":{"Group":["g"]}}"#
        );
        assert_eq!(
            json_of(&Numbered::<key::Keys, key::Key, _>::new(vec![1], 9, 2, 5)),
            r#"{"RequestId":"RID","Keys":{"Key":[1]},"TotalCount":9,"PageNumber":2,"PageSize":5}"#
        );
    }

    #[test]
    fn only_objects_are_answers() {
        assert!(Output::typed(&3).is_err());
        assert!(Output::typed(&vec![1]).is_err());
        assert!(Output::typed(&json!({})).is_ok());
    }
}
