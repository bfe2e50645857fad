//! A request's parameters, read by name with the checks every action shares.

use std::collections::BTreeMap;

use rampart_core::ApiError;

/// Request parameters (query and form body merged; body wins).
#[derive(Debug, Clone, Default)]
pub struct Params(BTreeMap<String, String>);

impl Params {
    /// Builds from decoded pairs; later pairs replace earlier ones.
    pub fn from_pairs(pairs: impl IntoIterator<Item = (String, String)>) -> Self {
        Self(pairs.into_iter().collect())
    }

    /// A parameter, if present.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// A parameter that must be present and non-empty.
    pub fn required(&self, name: &str) -> Result<&str, ApiError> {
        match self.get(name) {
            Some(v) if !v.is_empty() => Ok(v),
            _ => Err(ApiError::missing(name)),
        }
    }

    /// An optional string, owned.
    pub fn opt(&self, name: &str) -> Option<String> {
        self.get(name).map(str::to_string)
    }

    /// An optional boolean, `true`/`false` in any case (SDKs send `True`).
    pub fn bool(&self, name: &str) -> Result<Option<bool>, ApiError> {
        match self.get(name) {
            None | Some("") => Ok(None),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(Some(false)),
            Some(v) => Err(ApiError::invalid(
                name,
                format!("The parameter \"{name}\" must be `true` or `false`, got `{v}`."),
            )),
        }
    }

    /// An optional unsigned integer.
    pub fn u32(&self, name: &str) -> Result<Option<u32>, ApiError> {
        match self.get(name) {
            None | Some("") => Ok(None),
            Some(v) => v.parse().map(Some).map_err(|_| {
                ApiError::invalid(
                    name,
                    format!("The parameter \"{name}\" must be a whole number, got `{v}`."),
                )
            }),
        }
    }

    /// These parameters without `names` and those starting with `prefixes`.
    pub fn without(&self, names: &[&str], prefixes: &[&str]) -> Params {
        Params(
            self.0
                .iter()
                .filter(|(k, _)| {
                    !names.contains(&k.as_str()) && !prefixes.iter().any(|p| k.starts_with(p))
                })
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        )
    }

    /// All parameters.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}
