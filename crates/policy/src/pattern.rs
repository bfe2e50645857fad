//! Wildcard patterns (`*` any run of characters, `?` exactly one), compiled once
//! at parse time into the cheapest matcher that fits.

use crate::glob::Glob;
use crate::index::Subject;

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

    /// [`Pattern::matches`] on a request string, through its index once
    /// enough wildcard patterns have been matched against it.
    #[inline]
    pub(crate) fn matches_in(&self, subject: Subject<'_>) -> bool {
        match &self.matcher {
            Matcher::Glob(g) if subject.folded == self.ignore_case => {
                match subject.index.get(subject.text, subject.folded) {
                    Some(index) => g.matches_indexed(subject.text, index),
                    None => g.matches(subject.text),
                }
            }
            _ => self.matches(subject.text),
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
    use crate::index::{Index, LazyIndex, THRESHOLD};
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

    /// The textbook dynamic program, quadratic: `dp[j]` says whether the
    /// pattern read so far matches the first `j` characters of the text.
    fn dp(p: &[char], t: &[char], ci: bool) -> bool {
        let same = |a: char, b: char| a == b || (ci && a.eq_ignore_ascii_case(&b));
        let mut row = vec![false; t.len() + 1];
        row[0] = true;
        for &pc in p {
            let mut next = vec![false; t.len() + 1];
            if pc == '*' {
                let mut any = false;
                for j in 0..=t.len() {
                    any |= row[j];
                    next[j] = any;
                }
            } else {
                for j in 1..=t.len() {
                    next[j] = row[j - 1] && (pc == '?' || same(pc, t[j - 1]));
                }
            }
            row = next;
        }
        row[t.len()]
    }

    /// Checks every way of matching `p` against `t` against the reference:
    /// the plain matcher, the indexed one, and one going through a request
    /// string's lazy index (plain at first, indexed after its threshold).
    fn check_all(p: &str, t: &str, ci: bool) -> bool {
        let pattern = Pattern::new(p, ci);
        let pc: Vec<char> = p.chars().collect();
        let tc: Vec<char> = t.chars().collect();
        let want = dp(&pc, &tc, ci);
        assert_eq!(
            pattern.matches(t),
            want,
            "plain: pattern `{p}` text `{t}` ci {ci}"
        );
        if let Matcher::Glob(g) = &pattern.matcher {
            let index = Index::new(t, ci).unwrap();
            assert_eq!(
                g.matches_indexed(t, &index),
                want,
                "indexed: pattern `{p}` text `{t}` ci {ci}"
            );
        }
        let lazy = LazyIndex::default();
        let subject = Subject {
            text: t,
            index: &lazy,
            folded: ci,
        };
        for _ in 0..THRESHOLD + 2 {
            assert_eq!(
                pattern.matches_in(subject),
                want,
                "subject: `{p}` `{t}` {ci}"
            );
        }
        want
    }

    /// A pattern made from `t` so that it often matches: some characters
    /// become `?` (per `marks`: 1), some runs become `*` (2), some characters
    /// change case (3) or are replaced by `x` (4).
    fn pattern_from(t: &str, marks: &[u8]) -> String {
        let mut p = String::new();
        let mut star = false;
        for (c, m) in t.chars().zip(marks.iter().chain(std::iter::repeat(&0))) {
            match m {
                1 => p.push('?'),
                2 => {
                    if !star {
                        p.push('*');
                    }
                    star = true;
                    continue;
                }
                3 => p.extend(c.to_uppercase()),
                4 => p.push('x'),
                _ => p.push(c),
            }
            star = false;
        }
        p
    }

    #[test]
    fn dp_agrees_with_naive_on_examples() {
        for (p, t) in [("a*b?c", "axxbyc"), ("*", ""), ("?*?", "a"), ("a**", "a")] {
            let (pc, tc): (Vec<char>, Vec<char>) = (p.chars().collect(), t.chars().collect());
            assert_eq!(dp(&pc, &tc, false), naive(&pc, &tc, false), "{p} {t}");
        }
    }

    #[test]
    fn long_segments_and_texts() {
        let text = format!("acs:kms:cn:1:secret/{}", "a".repeat(192));
        let a_q = "a?".repeat(31);
        assert!(!check_all(&format!("acs:*{a_q}b*"), &text, false));
        assert!(check_all(&format!("acs:*{a_q}a*"), &text, false));
        assert!(check_all(
            &format!("acs:*{}*", "a?".repeat(90)),
            &text,
            false
        ));
        assert!(!check_all(
            &format!("acs:*{}*", "a?".repeat(110)),
            &text,
            false
        ));
        assert!(check_all(&format!("*{}", "?".repeat(212)), &text, false));
        assert!(!check_all(&format!("*{}", "?".repeat(213)), &text, false));
        assert!(check_all(&format!("ACS:*{}", "A".repeat(130)), &text, true));
        assert!(!check_all(
            &format!("ACS:*{}", "A".repeat(130)),
            &text,
            false
        ));
        let mixed = format!("{}é{}Kb", "ab".repeat(70), "a".repeat(70));
        assert!(check_all(
            &format!("*b?{}é*k?", "?".repeat(137)),
            &mixed,
            true
        ));
        assert!(!check_all(
            &format!("*b?{}é*k?", "?".repeat(137)),
            &mixed,
            false
        ));
        assert!(check_all("*\u{212a}*", "\u{212a}", true));
        assert!(!check_all("*k*", "\u{212a}", true));
        assert!(!check_all("*é*", "É", true));
    }

    proptest! {
        #[test]
        fn all_matchers_agree_with_dp(p in "[abAé*?]{0,12}", t in "[abAÉé]{0,14}", ci: bool) {
            check_all(&p, &t, ci);
        }

        #[test]
        fn all_matchers_agree_with_dp_long(p in "[ab?*]{0,90}", t in "[ab]{0,200}", ci: bool) {
            check_all(&p, &t, ci);
        }

        #[test]
        fn all_matchers_agree_on_near_misses(
            t in "(ab|a|b|B|é|\u{212a}|k|:|/){0,160}",
            marks in prop::collection::vec(0_u8..60, 0..160),
            ci: bool,
        ) {
            let p = pattern_from(&t, &marks);
            check_all(&p, &t, ci);
        }

        #[test]
        fn all_matchers_agree_on_unicode(p in "[a-c*?\u{e9}\u{212a}]{0,10}", t in "\\PC{0,12}", ci: bool) {
            check_all(&p, &t, ci);
        }

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
