//! A JSON tree that keeps object members in order, duplicates included, so the
//! grammar checker can refuse a field given twice (serde_json's map keeps the last).

use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::error::PolicyError;

/// One JSON value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Json {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, kept as the text it prints as.
    Number(String),
    /// A string.
    String(String),
    /// An array.
    Array(Vec<Json>),
    /// An object, members in document order.
    Object(Vec<(String, Json)>),
}

impl Json {
    /// "a string", "an array", … for error messages.
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "a boolean",
            Json::Number(_) => "a number",
            Json::String(_) => "a string",
            Json::Array(_) => "an array",
            Json::Object(_) => "an object",
        }
    }
}

/// Parses `text` as one JSON value, mapping syntax errors to `code` with line and column.
pub(crate) fn parse_json(text: &str, code: &'static str) -> Result<Json, PolicyError> {
    serde_json::from_str::<Json>(text).map_err(|err| {
        let full = err.to_string();
        let detail = full
            .rsplit_once(" at line ")
            .map_or(full.as_str(), |(head, _)| head);
        let (line, column) = (err.line(), err.column());
        PolicyError {
            code,
            message: format!("invalid JSON at line {line}, column {column}: {detail}"),
            statement: None,
            line: Some(line),
            column: Some(column),
        }
    })
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_unit<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }

    fn visit_bool<E>(self, v: bool) -> Result<Json, E> {
        Ok(Json::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Json, E> {
        Ok(Json::Number(v.to_string()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Json, E> {
        Ok(Json::Number(v.to_string()))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Json, E> {
        Ok(Json::Number(v.to_string()))
    }

    fn visit_str<E>(self, v: &str) -> Result<Json, E> {
        Ok(Json::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Json, E> {
        Ok(Json::String(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Json>()? {
            items.push(item);
        }
        Ok(Json::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        let mut members = Vec::new();
        while let Some((key, value)) = map.next_entry::<String, Json>()? {
            members.push((key, value));
        }
        Ok(Json::Object(members))
    }
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(JsonVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_duplicates_and_order() {
        let v = parse_json(r#"{"b":1,"a":[true,null,"x"],"b":2.5}"#, "C").unwrap();
        let Json::Object(members) = v else {
            panic!("not an object")
        };
        assert_eq!(members.len(), 3);
        assert_eq!(members[0], ("b".into(), Json::Number("1".into())));
        assert_eq!(members[2], ("b".into(), Json::Number("2.5".into())));
    }

    #[test]
    fn syntax_error_has_position() {
        let err = parse_json("{\n  \"a\": 1,\n}", "C").unwrap_err();
        assert_eq!(err.code, "C");
        assert_eq!(err.line, Some(3));
        assert_eq!(err.column, Some(1));
        assert!(err
            .message
            .starts_with("invalid JSON at line 3, column 1: "));
        assert!(!err.message.contains(" at line 3 column"));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let text = "[".repeat(10_000);
        assert!(parse_json(&text, "C").is_err());
    }
}
