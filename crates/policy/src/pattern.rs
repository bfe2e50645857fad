//! Wildcard patterns (`*` any run of characters, `?` exactly one), compiled once
//! at parse time into the cheapest matcher that fits.

use crate::glob::Glob;

/// A compiled wildcard pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pattern {
    source: Box<str>,
    matcher: Matcher,
    ignore_case: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Matcher {
    /// `*`: everything.
    Any,
    /// No wildcard.
    Exact(Box<str>),
    /// `literal*`.
    Prefix(Box<str>),
    /// `*literal`.
    Suffix(Box<str>),
    /// Anything else.
    Glob(Box<Glob>),
}

impl Pattern {
    /// Compiles `source`; with `ignore_case`, ASCII letters match either case.
    pub fn new(source: &str, ignore_case: bool) -> Self {
        let folded: Box<str> = if ignore_case {
            source.to_ascii_lowercase().into()
        } else {
            source.into()
        };
        let wild = |c: char| c == '*' || c == '?';
        let matcher = if &*folded == "*" {
            Matcher::Any
        } else if !folded.contains(wild) {
            Matcher::Exact(folded)
        } else if let Some(head) = folded.strip_suffix('*').filter(|h| !h.contains(wild)) {
            Matcher::Prefix(head.into())
        } else if let Some(tail) = folded.strip_prefix('*').filter(|t| !t.contains(wild)) {
            Matcher::Suffix(tail.into())
        } else {
            Matcher::Glob(Box::new(Glob::new(&folded, ignore_case)))
        };
        Self {
            source: source.into(),
            matcher,
            ignore_case,
        }
    }

    /// The pattern as written in the document.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Whether this pattern is the lone `*`.
    pub fn is_any(&self) -> bool {
        matches!(self.matcher, Matcher::Any)
    }

    /// Whether `text` matches the whole pattern.
    pub fn matches(&self, text: &str) -> bool {
        let t = text.as_bytes();
        let ci = self.ignore_case;
        match &self.matcher {
            Matcher::Any => true,
            Matcher::Exact(p) => bytes_eq(p.as_bytes(), t, ci),
            Matcher::Prefix(p) => t.len() >= p.len() && bytes_eq(p.as_bytes(), &t[..p.len()], ci),
            Matcher::Suffix(p) => {
                t.len() >= p.len() && bytes_eq(p.as_bytes(), &t[t.len() - p.len()..], ci)
            }
            Matcher::Glob(g) => g.matches(text),
        }
    }
}

fn bytes_eq(a: &[u8], b: &[u8], ignore_case: bool) -> bool {
    if ignore_case {
        a.eq_ignore_ascii_case(b)
    } else {
        a == b
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The obviously correct, exponential reference.
    fn naive(p: &[char], t: &[char], ci: bool) -> bool {
        match p.split_first() {
            None => t.is_empty(),
            Some(('*', rest)) => (0..=t.len()).any(|i| naive(rest, &t[i..], ci)),
            Some(('?', rest)) => !t.is_empty() && naive(rest, &t[1..], ci),
            Some((c, rest)) => match t.split_first() {
                Some((d, trest)) => {
                    (c == d || (ci && c.eq_ignore_ascii_case(d))) && naive(rest, trest, ci)
                }
                None => false,
            },
        }
    }

    fn check(p: &str, t: &str, ci: bool) -> bool {
        let got = Pattern::new(p, ci).matches(t);
        let pc: Vec<char> = p.chars().collect();
        let tc: Vec<char> = t.chars().collect();
        assert_eq!(got, naive(&pc, &tc, ci), "pattern `{p}` text `{t}` ci {ci}");
        got
    }

    #[test]
    fn kinds() {
        assert!(Pattern::new("*", false).is_any());
        assert_eq!(
            Pattern::new("ram:*", true).matcher,
            Matcher::Prefix("ram:".into())
        );
        assert_eq!(
            Pattern::new("*:root", false).matcher,
            Matcher::Suffix(":root".into())
        );
        assert_eq!(
            Pattern::new("Ab", true).matcher,
            Matcher::Exact("ab".into())
        );
        assert!(matches!(
            Pattern::new("a*b*", false).matcher,
            Matcher::Glob(_)
        ));
        assert!(matches!(
            Pattern::new("a?", false).matcher,
            Matcher::Glob(_)
        ));
    }

    #[test]
    fn examples() {
        assert!(check("kms:Get*", "kms:GetSecretValue", false));
        assert!(check("KMS:get*", "kms:GetSecretValue", true));
        assert!(!check("KMS:get*", "kms:GetSecretValue", false));
        assert!(check(
            "acs:ram:*:*:user/*",
            "acs:ram:*:123:user/alice",
            false
        ));
        assert!(check("a?c", "abc", false));
        assert!(!check("a?c", "ac", false));
        assert!(check("a?c", "aéc", false));
        assert!(check("*é?", "xxéé", false));
        assert!(check("*a*b*c*", "xxaxxbxxcxx", false));
        assert!(!check("*a*b*c", "xxaxxbxxcxx", false));
        assert!(check("**", "", false));
        assert!(!check("?", "", false));
        assert!(check("", "", false));
        assert!(!check("", "a", false));
    }

    proptest! {
        #[test]
        fn agrees_with_naive(p in "[ab*?é]{0,8}", t in "[abAé]{0,10}", ci: bool) {
            check(&p, &t, ci);
        }

        #[test]
        fn agrees_with_naive_arn_like(p in "(acs|\\*|\\?|:|a|é|/){0,8}", t in "(acs|:|a|é|/|B){0,10}", ci: bool) {
            check(&p, &t, ci);
        }

        #[test]
        fn agrees_with_naive_wide(p in "[a-c*?]{0,6}", t in "\\PC{0,8}") {
            check(&p, &t, false);
        }
    }
}
