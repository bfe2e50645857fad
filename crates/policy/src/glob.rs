//! The general wildcard matcher: the pattern is split at `*` into segments;
//! the first is anchored at the start, the last at the end, and each middle
//! one is found leftmost-first (optimal, since a segment always spans a fixed
//! number of characters). Literal segments are searched with `str::find`.

/// A pattern with at least one wildcard, split at `*`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Glob {
    first: Segment,
    /// `None` when the pattern has no `*` (only `?`): `first` must span the whole text.
    rest: Option<(Vec<Segment>, Segment)>,
    ignore_case: bool,
}

/// Text between two `*`, possibly with `?`.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Segment {
    text: Box<str>,
    has_any_char: bool,
    /// Length in characters (`?` counts one).
    chars: usize,
}

impl Segment {
    fn new(text: &str) -> Self {
        Self {
            text: text.into(),
            has_any_char: text.contains('?'),
            chars: text.chars().count(),
        }
    }
}

impl Glob {
    /// Compiles `pattern`, already ASCII-lowercased when `ignore_case`.
    pub(crate) fn new(pattern: &str, ignore_case: bool) -> Self {
        let mut parts = pattern.split('*');
        let first = Segment::new(parts.next().unwrap_or(""));
        let mut others: Vec<Segment> = parts.map(Segment::new).collect();
        let rest = others.pop().map(|last| {
            others.retain(|s| !s.text.is_empty());
            (others, last)
        });
        Self {
            first,
            rest,
            ignore_case,
        }
    }

    /// Whether `text` matches the whole pattern.
    pub(crate) fn matches(&self, text: &str) -> bool {
        let ci = self.ignore_case;
        let Some(mut pos) = match_at(&self.first, text, 0, ci) else {
            return false;
        };
        let Some((middle, last)) = &self.rest else {
            return pos == text.len();
        };
        for segment in middle {
            match find(segment, text, pos, ci) {
                Some(end) => pos = end,
                None => return false,
            }
        }
        // The last segment spans a fixed number of characters, so its start is known.
        let start = match last.chars {
            0 => Some(text.len()),
            n => text.char_indices().rev().nth(n - 1).map(|(i, _)| i),
        };
        let Some(start) = start else {
            return false;
        };
        start >= pos && match_at(last, text, start, ci) == Some(text.len())
    }
}

/// Matches `segment` at byte `pos` of `text`; returns where it ends.
fn match_at(segment: &Segment, text: &str, pos: usize, ci: bool) -> Option<usize> {
    let rest = text.get(pos..)?;
    if !segment.has_any_char {
        let p = segment.text.as_bytes();
        let head = rest.as_bytes().get(..p.len())?;
        let equal = if ci {
            head.eq_ignore_ascii_case(p)
        } else {
            head == p
        };
        return equal.then_some(pos + p.len());
    }
    let mut t = rest.chars();
    for pc in segment.text.chars() {
        let tc = t.next()?;
        let ok = pc == '?' || pc == tc || (ci && pc.eq_ignore_ascii_case(&tc));
        if !ok {
            return None;
        }
    }
    Some(text.len() - t.as_str().len())
}

/// The end of the leftmost match of `segment` at or after byte `from`.
fn find(segment: &Segment, text: &str, from: usize, ci: bool) -> Option<usize> {
    let rest = text.get(from..)?;
    if !segment.has_any_char && !ci {
        return find_bytes(rest.as_bytes(), segment.text.as_bytes())
            .map(|i| from + i + segment.text.len());
    }
    rest.char_indices()
        .find_map(|(i, _)| match_at(segment, text, from + i, ci))
}

/// The leftmost `needle` in `hay`: a first-byte scan, faster than `str::find`'s
/// searcher setup on ARN-sized texts. A UTF-8 needle can only match at a
/// character boundary of UTF-8 text, so bytes are enough.
fn find_bytes(hay: &[u8], needle: &[u8]) -> Option<usize> {
    let (&first, tail) = match needle.split_first() {
        Some(split) => split,
        None => return Some(0),
    };
    let last_start = hay.len().checked_sub(needle.len())?;
    (0..=last_start).find(|&i| hay[i] == first && hay[i + 1..i + needle.len()] == *tail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits() {
        let g = Glob::new("a*b**c*d", false);
        assert_eq!(&*g.first.text, "a");
        let (middle, last) = g.rest.clone().unwrap();
        assert_eq!(
            middle.iter().map(|s| &*s.text).collect::<Vec<_>>(),
            ["b", "c"]
        );
        assert_eq!(&*last.text, "d");
        assert!(Glob::new("a?c", false).rest.is_none());
    }

    #[test]
    fn byte_search() {
        assert_eq!(find_bytes(b"abcabc", b"ca"), Some(2));
        assert_eq!(find_bytes(b"abc", b""), Some(0));
        assert_eq!(find_bytes(b"ab", b"abc"), None);
        assert_eq!(find_bytes(b"xxab", b"ab"), Some(2));
        assert_eq!(find_bytes(b"xxa", b"ab"), None);
    }

    #[test]
    fn anchors() {
        assert!(
            Glob::new("acs:kms:*:1:secret/app1/*", false).matches("acs:kms:cn:1:secret/app1/db")
        );
        assert!(
            !Glob::new("acs:kms:*:1:secret/app1/*", false).matches("acs:kms:cn:1:secret/shared/x")
        );
        assert!(Glob::new("a*?", false).matches("ab"));
        assert!(!Glob::new("a*??", false).matches("ab"));
        assert!(Glob::new("*é?", false).matches("éé"));
        assert!(!Glob::new("ab*ba", false).matches("aba"));
        assert!(Glob::new("RAM:*key?", true).matches("ram:ListAccessKeys"));
    }
}
