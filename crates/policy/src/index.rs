//! A request string indexed for many wildcard matches.
//!
//! One decision may match thousands of patterns (35 attached documents of
//! 6,144 characters) against the same few strings: the action, the resource
//! and the context values. Reading the text once per pattern would cost
//! patterns × text length, so once a string has been searched by
//! [`THRESHOLD`] wildcard patterns it is indexed: one bit row per distinct
//! character, bit `i` set where character `i` of the text is that character.
//! Each row's positions are also listed, so a segment naming a rare character
//! is tried only where that character stands; otherwise it is found by
//! `and`-ing the rows of its literal characters, shifted by their offsets, 64
//! start positions at a time. See [`crate::glob`].

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;

/// Wildcard matches against one string before it is indexed: a decision that
/// reads an ordinary number of patterns never pays for an index (building one
/// costs about as much as a few dozen matches).
pub(crate) const THRESHOLD: u32 = 64;

/// The largest index built: texts of up to this many characters, rows of up
/// to this many words in all (512 KiB each way). A larger text is matched
/// without one, still in linear time.
const MAX_SIZE: usize = 1 << 16;

/// The characters of a text as bit rows.
#[derive(Debug)]
pub(crate) struct Index {
    /// Characters in the text.
    chars: usize,
    /// Words per row: ⌈chars / 64⌉, and one more, always zero, so that 64
    /// bits can be read from any position of the text.
    words: usize,
    /// Whether the text is ASCII (character and byte positions agree).
    ascii_only: bool,
    /// The row of each ASCII character, plus one (0: not in the text).
    ascii: [u8; 128],
    /// The text's non-ASCII characters, sorted, and their rows.
    other: Box<[(char, usize)]>,
    /// Where each row's positions start in `positions` (one more entry than rows).
    starts: Box<[usize]>,
    /// The positions of each row's character, in order, row after row.
    positions: Box<[usize]>,
    /// `words` words per row, rows one after the other.
    rows: Box<[u64]>,
}

impl Index {
    /// Indexes `text`, ASCII-lowercased when `folded`; `None` when the index
    /// would exceed [`MAX_SIZE`].
    pub(crate) fn new(text: &str, folded: bool) -> Option<Self> {
        // A character is at most four bytes.
        if text.len() > 4 * MAX_SIZE {
            return None;
        }
        let fold = |c: char| if folded { c.to_ascii_lowercase() } else { c };
        let mut ascii = [0_u8; 128];
        let mut ascii_rows = 0_u8;
        let mut other = Vec::new();
        let mut chars = 0_usize;
        for c in text.chars().map(fold) {
            chars += 1;
            match u8::try_from(c) {
                Ok(b) if b.is_ascii() => {
                    let row = &mut ascii[usize::from(b)];
                    if *row == 0 {
                        // At most 128 distinct ASCII characters.
                        ascii_rows += 1;
                        *row = ascii_rows;
                    }
                }
                _ => other.push(c),
            }
        }
        other.sort_unstable();
        other.dedup();
        let first_other = usize::from(ascii_rows);
        let other: Box<[(char, usize)]> = other
            .into_iter()
            .enumerate()
            .map(|(i, c)| (c, first_other + i))
            .collect();
        let row_count = first_other + other.len();
        let words = chars.div_ceil(64) + 1;
        let total = words.checked_mul(row_count)?;
        if chars > MAX_SIZE || total > MAX_SIZE {
            return None;
        }
        let mut index = Self {
            chars,
            words,
            ascii_only: other.is_empty(),
            ascii,
            other,
            starts: vec![0; row_count + 1].into(),
            positions: vec![0; chars].into(),
            rows: vec![0; total].into(),
        };
        for (i, c) in text.chars().map(fold).enumerate() {
            if let Some(row) = index.row(c) {
                index.starts[row + 1] += 1;
                index.rows[row * words + i / 64] |= 1 << (i % 64);
            }
        }
        for row in 0..row_count {
            index.starts[row + 1] += index.starts[row];
        }
        let mut next = index.starts.clone();
        for (i, c) in text.chars().map(fold).enumerate() {
            if let Some(row) = index.row(c) {
                index.positions[next[row]] = i;
                next[row] += 1;
            }
        }
        Some(index)
    }

    /// Characters in the text.
    pub(crate) fn chars(&self) -> usize {
        self.chars
    }

    /// Whether every character of the text is ASCII.
    pub(crate) fn ascii_only(&self) -> bool {
        self.ascii_only
    }

    /// The row of `c`, if the text has it.
    #[inline]
    pub(crate) fn row(&self, c: char) -> Option<usize> {
        match u8::try_from(c) {
            Ok(b) if b.is_ascii() => match self.ascii[usize::from(b)] {
                0 => None,
                r => Some(usize::from(r) - 1),
            },
            _ => self
                .other
                .binary_search_by_key(&c, |&(k, _)| k)
                .ok()
                .map(|i| self.other[i].1),
        }
    }

    /// How many times the character of `row` occurs.
    #[inline]
    pub(crate) fn count(&self, row: usize) -> usize {
        match (self.starts.get(row), self.starts.get(row + 1)) {
            (Some(start), Some(end)) => end - start,
            _ => 0,
        }
    }

    /// The positions of the character of `row`, in order.
    #[inline]
    pub(crate) fn positions(&self, row: usize) -> &[usize] {
        let (Some(&start), Some(&end)) = (self.starts.get(row), self.starts.get(row + 1)) else {
            return &[];
        };
        self.positions.get(start..end).unwrap_or(&[])
    }

    /// Whether character `at` of the text is the character of `row`.
    #[inline]
    pub(crate) fn has(&self, row: usize, at: usize) -> bool {
        self.rows
            .get(row * self.words + at / 64)
            .is_some_and(|w| at / 64 < self.words && w >> (at % 64) & 1 == 1)
    }

    /// The words of `row`: bit `i % 64` of word `i / 64` is set when character
    /// `i` of the text is the row's character; the last word is zero.
    #[inline]
    pub(crate) fn row_words(&self, row: usize) -> &[u64] {
        self.rows
            .get(row * self.words..(row + 1) * self.words)
            .unwrap_or(&[])
    }
}

/// An index built on demand: after [`THRESHOLD`] uses, once, and then kept
/// (it is tied to one text, which its owner never changes).
#[derive(Default)]
pub(crate) struct LazyIndex {
    uses: AtomicU32,
    index: OnceLock<Option<Box<Index>>>,
}

impl LazyIndex {
    /// The index of `text` (folded or not, always the same for one
    /// `LazyIndex`), or `None` while it is not worth building.
    #[inline]
    pub(crate) fn get(&self, text: &str, folded: bool) -> Option<&Index> {
        if let Some(index) = self.index.get() {
            return index.as_deref();
        }
        // A plain load and store: concurrent users may undercount, which only
        // delays the index a little.
        let uses = self.uses.load(Ordering::Relaxed);
        if uses < THRESHOLD {
            self.uses.store(uses + 1, Ordering::Relaxed);
            return None;
        }
        self.index
            .get_or_init(|| Index::new(text, folded).map(Box::new))
            .as_deref()
    }
}

impl Clone for LazyIndex {
    /// A fresh, empty cache (the copy's owner builds its own).
    fn clone(&self) -> Self {
        Self::default()
    }
}

impl PartialEq for LazyIndex {
    /// Always: a cache says nothing about the value it belongs to.
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl std::fmt::Debug for LazyIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LazyIndex")
    }
}

/// A request string some patterns are matched against, with its lazy index.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Subject<'a> {
    /// The string.
    pub(crate) text: &'a str,
    /// Its index, built for `folded`.
    pub(crate) index: &'a LazyIndex,
    /// Whether the index is ASCII-lowercased (for patterns that ignore case).
    pub(crate) folded: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows() {
        let ix = Index::new("abcAé", false).unwrap();
        assert_eq!(ix.chars(), 5);
        assert!(!ix.ascii_only());
        let a = ix.row('a').unwrap();
        assert_eq!(ix.row_words(a), [0b1, 0]);
        assert_eq!(ix.positions(a), [0]);
        assert_eq!(ix.count(a), 1);
        assert_eq!(ix.row_words(ix.row('é').unwrap()), [0b10000, 0]);
        assert_eq!(ix.row('z'), None);
        let folded = Index::new("abcAé", true).unwrap();
        let a = folded.row('a').unwrap();
        assert_eq!(folded.row_words(a), [0b1001, 0]);
        assert_eq!(folded.positions(a), [0, 3]);
        assert_eq!(folded.row('A'), None);
        let long: String = "ab".repeat(100);
        let ix = Index::new(&long, false).unwrap();
        let b = ix.row('b').unwrap();
        assert_eq!(ix.row_words(b)[1], 0xaaaa_aaaa_aaaa_aaaa);
        assert_eq!(ix.row_words(b)[3..], [0xaa, 0]);
        assert!(ix.row_words(99).is_empty());
        assert!(Index::new("", false).is_some_and(|ix| ix.chars() == 0));
        assert!(Index::new(&"a".repeat(MAX_SIZE), false).is_some());
        assert!(Index::new(&"a".repeat(MAX_SIZE + 1), false).is_none());
        let distinct: String = (0..2000)
            .filter_map(|i| char::from_u32(0x4e00 + i))
            .collect();
        assert!(Index::new(&distinct.repeat(3), false).is_none());
        assert_eq!(ix.positions(b)[..3], [1, 3, 5]);
        assert_eq!(ix.positions(b).len(), 100);
        assert_eq!(ix.positions(b).last(), Some(&199));
        assert!(ix.positions(99).is_empty());
        assert!(ix.has(b, 199) && !ix.has(b, 198) && !ix.has(b, 200) && !ix.has(b, 1 << 20));
    }

    #[test]
    fn built_after_the_threshold_only() {
        let lazy = LazyIndex::default();
        for _ in 0..THRESHOLD {
            assert!(lazy.get("abc", false).is_none());
        }
        assert!(lazy.get("abc", false).is_some());
        assert!(lazy.get("abc", false).is_some());
        assert!(lazy.clone().get("abc", false).is_none());
    }
}
