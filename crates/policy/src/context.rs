//! The request context: condition keys and their values.

/// Condition keys of one request and their values (a key may hold several,
/// like `kms:tag/env`). Keys compare case-insensitively; values are kept as given.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Context {
    /// (lowercased key, values), in insertion order; a handful per request, so a
    /// linear scan beats hashing.
    entries: Vec<(String, Vec<String>)>,
}

impl Context {
    /// An empty context.
    pub fn new() -> Self {
        Self::default()
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
        match self.entries.iter_mut().find(|(k, _)| *k == key) {
            Some((_, slot)) => *slot = values,
            None => self.entries.push((key, values)),
        }
    }

    /// Adds one value to `key`, keeping the values it held.
    pub fn push(&mut self, key: &str, value: impl Into<String>) {
        let key = key.to_lowercase();
        match self.entries.iter_mut().find(|(k, _)| *k == key) {
            Some((_, slot)) => slot.push(value.into()),
            None => self.entries.push((key, vec![value.into()])),
        }
    }

    /// The values of `key` (any case), or `None` when the request does not carry it.
    pub fn get(&self, key: &str) -> Option<&[String]> {
        self.get_lowercase(&key.to_lowercase())
    }

    /// The values of `key`, which must already be lowercase (as keys compiled from a policy are).
    pub(crate) fn get_lowercase(&self, key: &str) -> Option<&[String]> {
        self.entries
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_slice())
    }

    /// Whether the context holds no key.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The keys (lowercased) and their values, in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[String])> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v.as_slice()))
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
            ctx.get_lowercase("kms:tag/env").map(<[String]>::len),
            Some(2)
        );
        assert_eq!(ctx.get("acs:CurrentTime"), None);
    }

    #[test]
    fn with_replaces_and_push_appends() {
        let mut ctx = Context::new().with("k:a", "1").with("K:A", "2");
        assert_eq!(ctx.get("k:a"), Some(&["2".to_owned()][..]));
        ctx.push("k:A", "3");
        assert_eq!(ctx.get("k:a").map(<[String]>::len), Some(2));
        assert_eq!(ctx.iter().count(), 1);
        assert!(!ctx.is_empty());
    }
}
