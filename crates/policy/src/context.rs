//! The request context: condition keys and their values.

use std::net::IpAddr;
use std::sync::OnceLock;

use crate::date::parse_date;
use crate::index::LazyIndex;
use crate::ip::parse_addr;

/// A context value read once, when a condition first looks at its key, in
/// every type an operator may want.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Typed {
    pub(crate) number: Option<f64>,
    /// Nanoseconds since the epoch.
    pub(crate) date: Option<i128>,
    pub(crate) boolean: Option<bool>,
    pub(crate) ip: Option<IpAddr>,
    /// The value's index for `StringLike`, built once many patterns read it.
    pub(crate) index: LazyIndex,
}

impl Typed {
    fn read(text: &str) -> Self {
        let t = text.trim();
        let boolean = if t.eq_ignore_ascii_case("true") {
            Some(true)
        } else if t.eq_ignore_ascii_case("false") {
            Some(false)
        } else {
            None
        };
        Self {
            number: t.parse::<f64>().ok().filter(|n| !n.is_nan()),
            date: parse_date(t),
            boolean,
            ip: parse_addr(t),
            index: LazyIndex::default(),
        }
    }
}

/// Condition keys of one request and their values (a key may hold several,
/// like `kms:tag/env`). Keys compare case-insensitively; values are kept as given.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Context {
    /// Keys in insertion order; a handful per request, so a linear scan beats hashing.
    entries: Vec<Entry>,
}

#[derive(Clone, Debug, PartialEq)]
struct Entry {
    /// Lowercased.
    key: String,
    values: Vec<String>,
    /// `values`, read as numbers, dates, booleans and addresses when a
    /// condition first reads the key: most requests meet no condition, and
    /// reading a date or an address on every request costs more than the
    /// rest of the context.
    typed: OnceLock<Vec<Typed>>,
}

impl Context {
    /// An empty context.
    pub fn new() -> Self {
        Self::default()
    }

    /// About how many bytes the context holds (for a cache's budget).
    pub fn approx_bytes(&self) -> usize {
        self.entries
            .iter()
            .map(|e| {
                64 + 2 * e.key.len() + e.values.iter().map(|v| 48 + 2 * v.len()).sum::<usize>()
            })
            .sum()
    }

    /// Sets `key` to the single `value`, replacing what it held.
    #[must_use]
    pub fn with(mut self, key: &str, value: impl Into<String>) -> Self {
        self.set(key, vec![value.into()]);
        self
    }

    /// Sets `key` to `values` (several values for a multi-valued key), replacing what it held.
    #[must_use]
    pub fn with_many<I, V>(mut self, key: &str, values: I) -> Self
    where
        I: IntoIterator<Item = V>,
        V: Into<String>,
    {
        self.set(key, values.into_iter().map(Into::into).collect());
        self
    }

    /// Sets `key` to `values`, replacing what it held.
    pub fn set(&mut self, key: &str, values: Vec<String>) {
        let key = key.to_lowercase();
        match self.entries.iter_mut().find(|e| e.key == key) {
            Some(entry) => {
                entry.values = values;
                entry.typed = OnceLock::new();
            }
            None => self.entries.push(Entry {
                key,
                values,
                typed: OnceLock::new(),
            }),
        }
    }

    /// Adds one value to `key`, keeping the values it held.
    pub fn push(&mut self, key: &str, value: impl Into<String>) {
        let value = value.into();
        let key = key.to_lowercase();
        match self.entries.iter_mut().find(|e| e.key == key) {
            Some(entry) => {
                if let Some(typed) = entry.typed.get_mut() {
                    typed.push(Typed::read(&value));
                }
                entry.values.push(value);
            }
            None => self.set(&key, vec![value]),
        }
    }

    /// The values of `key` (any case), or `None` when the request does not carry it.
    pub fn get(&self, key: &str) -> Option<&[String]> {
        self.entry(&key.to_lowercase()).map(|e| e.values.as_slice())
    }

    /// The entry of `key`, which must already be lowercase.
    fn entry(&self, key: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.key == key)
    }

    /// The values of `key`, which must already be lowercase (as keys compiled
    /// from a policy are), as text and typed.
    pub(crate) fn lookup(&self, key: &str) -> Option<(&[String], &[Typed])> {
        self.entry(key).map(|e| {
            let typed = e
                .typed
                .get_or_init(|| e.values.iter().map(|v| Typed::read(v)).collect());
            (e.values.as_slice(), typed.as_slice())
        })
    }

    /// Whether the context holds no key.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The keys (lowercased) and their values, in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[String])> {
        self.entries
            .iter()
            .map(|e| (e.key.as_str(), e.values.as_slice()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_case_insensitive() {
        let ctx = Context::new()
            .with("acs:SourceIp", "10.0.0.1")
            .with_many("kms:tag/Env", ["prod", "eu"]);
        assert_eq!(ctx.get("ACS:SOURCEIP"), Some(&["10.0.0.1".to_owned()][..]));
        assert_eq!(
            ctx.lookup("kms:tag/env").map(|(v, t)| (v.len(), t.len())),
            Some((2, 2))
        );
        let ip = ctx.lookup("acs:sourceip").and_then(|(_, t)| t[0].ip);
        assert_eq!(ip, "10.0.0.1".parse().ok());
        assert_eq!(ctx.get("acs:CurrentTime"), None);
    }

    #[test]
    fn shareable_across_threads() {
        fn shareable<T: Send + Sync + std::panic::RefUnwindSafe + std::panic::UnwindSafe>() {}
        shareable::<Context>();
        shareable::<crate::document::PolicyDocument>();
    }

    #[test]
    fn with_replaces_and_push_appends() {
        let mut ctx = Context::new().with("k:a", "1").with("K:A", "2");
        assert_eq!(ctx.get("k:a"), Some(&["2".to_owned()][..]));
        ctx.push("k:A", "3");
        assert_eq!(ctx.get("k:a").map(<[String]>::len), Some(2));
        assert_eq!(ctx.lookup("k:a").map(|(_, t)| t[1].number), Some(Some(3.0)));
        ctx.push("k:new", "true");
        assert_eq!(
            ctx.lookup("k:new").map(|(_, t)| t[0].boolean),
            Some(Some(true))
        );
        assert_eq!(ctx.iter().count(), 2);
        assert!(!ctx.is_empty());
    }
}
