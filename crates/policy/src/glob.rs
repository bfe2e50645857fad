//! The general wildcard matcher: the pattern is split at `*` into segments;
//! the first is anchored at the start, the last at the end, and each middle
//! one is found leftmost-first (optimal, since a segment always spans a fixed
//! number of characters).
//!
//! A match takes time linear in the text and the pattern, whatever they are.
//! The anchored segments are compared once. A middle segment is searched from
//! where the previous one's match ended, each search costing about the text
//! it covers (plus the segment), so the middle segments together read the
//! text about once:
//!
//! - a literal (the common case) is found by its first byte and compared
//!   whole; should the comparisons cost more than a few times the distance
//!   covered (a literal that keeps almost matching), the search goes on with
//!   a linear algorithm: `str::find` (Two-Way), or the automaton below when
//!   case is ignored;
//! - a segment with `?` (or a literal matched ignoring case) is compiled, with
//!   the pattern, into the masks of a bit-parallel Shift-And automaton, which
//!   reads each text character once and spends ⌈m/64⌉ word operations on it
//!   (`m`: the segment's length in characters).
//!
//! When the text has an [`Index`] (a request string that many patterns are
//! matched against), a segment is found by reading the segment rather than
//! the text: a segment naming a character the text lacks is rejected after
//! one look-up per character; one whose rarest character occurs at most once
//! per 64 characters is tried only where that character stands; otherwise the
//! candidate starts, 64 at a time, are the `and` of the index rows of its
//! literal characters, each shifted by its offset: about its literal
//! characters × ⌈n/64⌉ word operations.

use crate::index::Index;

/// A pattern with at least one wildcard, split at `*`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Glob {
    first: Segment,
    /// `None` when the pattern has no `*` (only `?`): `first` must span the whole text.
    rest: Option<(Vec<Middle>, Segment)>,
    /// The fewest characters (hence bytes) a matching text has.
    min_chars: usize,
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

    /// The first byte when it is an ASCII literal: a match starts there.
    fn first_byte(&self) -> Option<u8> {
        self.text
            .as_bytes()
            .first()
            .copied()
            .filter(|&b| b.is_ascii() && b != b'?')
    }
}

/// A non-empty segment between two `*`, with what it is searched with.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Middle {
    segment: Segment,
    /// The automaton, for a segment with `?` or matched ignoring case (`None`:
    /// a case-sensitive literal, searched as bytes).
    masks: Option<Box<ShiftAnd>>,
    /// Characters the segments after this one need (the last one included).
    after: usize,
}

impl Glob {
    /// Compiles `pattern`, already ASCII-lowercased when `ignore_case`.
    pub(crate) fn new(pattern: &str, ignore_case: bool) -> Self {
        let mut parts = pattern.split('*');
        let first = Segment::new(parts.next().unwrap_or(""));
        let mut others: Vec<&str> = parts.collect();
        let rest = others.pop().map(|last| {
            let last = Segment::new(last);
            let mut after = last.chars;
            let mut middle = others
                .into_iter()
                .rev()
                .filter(|s| !s.is_empty())
                .map(|s| {
                    let segment = Segment::new(s);
                    let masks =
                        (segment.has_any_char || ignore_case).then(|| Box::new(ShiftAnd::new(s)));
                    let m = Middle {
                        segment,
                        masks,
                        after,
                    };
                    after += m.segment.chars;
                    m
                })
                .collect::<Vec<_>>();
            middle.reverse();
            (middle, last)
        });
        let min_chars = first.chars
            + rest.as_ref().map_or(0, |(middle, last)| {
                last.chars + middle.iter().map(|m| m.segment.chars).sum::<usize>()
            });
        Self {
            first,
            rest,
            min_chars,
            ignore_case,
        }
    }

    /// Whether `text` matches the whole pattern.
    pub(crate) fn matches(&self, text: &str) -> bool {
        // A character is at least one byte.
        if text.len() < self.min_chars {
            return false;
        }
        let ci = self.ignore_case;
        let Some(mut pos) = match_at(&self.first, text, 0, ci) else {
            return false;
        };
        let Some((middle, last)) = &self.rest else {
            return pos == text.len();
        };
        for m in middle {
            match m.find(text, pos, ci) {
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

    /// [`Glob::matches`] with the index of `text` (built ASCII-lowercased when
    /// the pattern ignores case). Positions past the first segment are
    /// counted in characters.
    pub(crate) fn matches_indexed(&self, text: &str, index: &Index) -> bool {
        let n = index.chars();
        if n < self.min_chars {
            return false;
        }
        let ci = self.ignore_case;
        let Some((middle, last)) = &self.rest else {
            return match_at(&self.first, text, 0, ci) == Some(text.len());
        };
        // The middle segments first: the index rejects most texts there, and
        // where they may start depends on the first segment's length only.
        let mut pos = self.first.chars;
        for m in middle {
            // `min_chars <= n`, so this does not underflow.
            let limit = n - m.after - m.segment.chars;
            match m.find_indexed(text, index, pos, limit, ci) {
                Some(end) => pos = end,
                None => return false,
            }
        }
        let start_char = n - last.chars;
        if start_char < pos || match_at(&self.first, text, 0, ci).is_none() {
            return false;
        }
        let start = if index.ascii_only() {
            Some(start_char)
        } else {
            match last.chars {
                0 => Some(text.len()),
                k => text.char_indices().rev().nth(k - 1).map(|(i, _)| i),
            }
        };
        start.is_some_and(|s| match_at(last, text, s, ci) == Some(text.len()))
    }
}

impl Middle {
    /// The end of the leftmost match at or after byte `from` of `text`.
    fn find(&self, text: &str, from: usize, ci: bool) -> Option<usize> {
        let first = self.segment.first_byte();
        let (Some(first), false) = (first, self.segment.has_any_char) else {
            return match &self.masks {
                Some(masks) => masks.find(text, from, ci),
                None => Some(
                    from + text.get(from..)?.find(&*self.segment.text)? + self.segment.text.len(),
                ),
            };
        };
        // A literal that starts with an ASCII character: candidates are found
        // by that byte and compared whole (the common case, and the fastest).
        // The comparisons may cost a few times the distance covered; past
        // that (a literal that keeps almost matching), a linear search takes
        // over, so a search costs about the text it covers and the segment.
        let needle = self.segment.text.as_bytes();
        let bytes = text.as_bytes();
        let mut work = 0;
        let mut i = from;
        loop {
            i = skip_to(text, i, first, ci)?;
            let head = bytes.get(i..i + needle.len())?;
            let equal = if ci {
                head.eq_ignore_ascii_case(needle)
            } else {
                head == needle
            };
            if equal {
                return Some(i + needle.len());
            }
            i += 1;
            work += needle.len();
            if work > 4 * (i - from) + needle.len() {
                // No match starts before `i`, which follows an ASCII byte, so
                // it is a character boundary.
                return match &self.masks {
                    Some(masks) => masks.find(text, i, ci),
                    None => Some(i + text.get(i..)?.find(&*self.segment.text)? + needle.len()),
                };
            }
        }
    }

    /// The end (in characters) of the leftmost match starting between
    /// characters `from` and `limit` (inclusive) of `text`, through its index.
    fn find_indexed(
        &self,
        text: &str,
        index: &Index,
        from: usize,
        limit: usize,
        ci: bool,
    ) -> Option<usize> {
        if from > limit {
            return None;
        }
        // Every literal character must be in the text; the rarest decides how
        // candidates are found.
        let Some((count, rare_row, rare_offset)) = self.rarest(index)? else {
            // Only `?`: any start with room for the segment.
            return Some(from + self.segment.chars);
        };
        let (first_word, last_word) = (from / 64, limit / 64);
        if count > last_word - first_word + 1 {
            return self.find_in_words(index, from, limit, rare_row, rare_offset);
        }
        // Few occurrences: each gives one candidate start, in order, so the
        // first that holds is the leftmost. A candidate is compared with the
        // text itself when character and byte positions agree, else looked up
        // character by character in the index.
        for &at in index.positions(rare_row) {
            let Some(start) = at.checked_sub(rare_offset) else {
                continue;
            };
            if start > limit {
                break;
            }
            if start < from {
                continue;
            }
            let holds = if index.ascii_only() {
                matches_ascii(&self.segment, text.as_bytes(), start, ci)
            } else {
                self.holds_at(index, start)
            };
            if holds {
                return Some(start + self.segment.chars);
            }
        }
        None
    }

    /// The rarest literal character in the indexed text: its count, row and
    /// one of its offsets (`Some(None)`: the segment is all `?`); `None` when
    /// the text lacks one of them.
    #[inline]
    fn rarest(&self, index: &Index) -> Option<Option<(usize, usize, usize)>> {
        let mut rarest: Option<(usize, usize, usize)> = None;
        let mut consider = |c: char, offset: usize| {
            let row = index.row(c)?;
            let count = index.count(row);
            if rarest.is_none_or(|(n, _, _)| count < n) {
                rarest = Some((count, row, offset));
            }
            Some(())
        };
        match self.long_masks() {
            // Each character once per block.
            Some(masks) => {
                for (b, block) in masks.blocks.iter().enumerate() {
                    for &(c, bits) in block.keys.iter() {
                        consider(c, b * 64 + bits.trailing_zeros() as usize)?;
                    }
                }
            }
            // Each character once per run (`a?a?a` is one run).
            None => {
                let mut previous = None;
                for (offset, c) in self.literals() {
                    if previous.replace(c) != Some(c) {
                        consider(c, offset)?;
                    }
                }
            }
        }
        Some(rarest)
    }

    /// The automaton's masks, for a segment long enough that reading its
    /// characters grouped (each once per block, with the bits of its offsets)
    /// beats reading its text.
    #[inline]
    fn long_masks(&self) -> Option<&ShiftAnd> {
        self.masks.as_deref().filter(|_| self.segment.chars > 16)
    }

    /// The segment's literal characters (not `?`) and their offsets.
    fn literals(&self) -> Literals<'_> {
        if self.segment.text.is_ascii() {
            Literals::Ascii(self.segment.text.as_bytes().iter().enumerate())
        } else {
            Literals::Other(self.segment.text.chars().enumerate())
        }
    }

    /// [`Middle::find_indexed`] when the rarest character is common: the
    /// candidate starts, [`CHUNK`] words at a time, are the `and` of the rows
    /// of the literal characters shifted by their offsets (the rarest first),
    /// stopping as soon as none is left.
    #[inline(never)]
    fn find_in_words(
        &self,
        index: &Index,
        from: usize,
        limit: usize,
        rare_row: usize,
        rare_offset: usize,
    ) -> Option<usize> {
        let last = limit / 64;
        let mut chunk = from / 64;
        while chunk <= last {
            let words = (last + 1 - chunk).min(CHUNK);
            let mut candidates = [u64::MAX; CHUNK];
            let live = &mut candidates[..words];
            if let Some(c) = live.first_mut() {
                *c &= starts_in_word(chunk, from, limit);
            }
            if let Some(c) = live.last_mut() {
                *c &= starts_in_word(chunk + words - 1, from, limit);
            }
            let mut alive = and_row(live, index.row_words(rare_row), chunk, rare_offset);
            let mut and = |offset: usize, row: usize| {
                if alive && offset != rare_offset {
                    alive = and_row(live, index.row_words(row), chunk, offset);
                }
                alive
            };
            if let Some(masks) = self.long_masks() {
                // Each character once per block, then each of its offsets.
                'blocks: for (b, block) in masks.blocks.iter().enumerate() {
                    for &(c, bits) in block.keys.iter() {
                        let row = index.row(c)?;
                        let mut bits = bits;
                        while bits != 0 {
                            if !and(b * 64 + bits.trailing_zeros() as usize, row) {
                                break 'blocks;
                            }
                            bits &= bits - 1;
                        }
                    }
                }
            } else {
                let mut previous: Option<(char, usize)> = None;
                for (offset, c) in self.literals() {
                    let row = match previous {
                        Some((p, row)) if p == c => row,
                        _ => index.row(c)?,
                    };
                    previous = Some((c, row));
                    if !and(offset, row) {
                        break;
                    }
                }
            }
            if alive {
                for (i, &c) in live.iter().enumerate() {
                    if c != 0 {
                        let start = (chunk + i) * 64 + c.trailing_zeros() as usize;
                        return Some(start + self.segment.chars);
                    }
                }
            }
            chunk += words;
        }
        None
    }

    /// Whether every literal character of the segment is in place when it
    /// starts at character `start` of the indexed text.
    #[inline(never)]
    fn holds_at(&self, index: &Index, start: usize) -> bool {
        self.literals().all(|(offset, c)| {
            index
                .row(c)
                .is_some_and(|row| index.has(row, start + offset))
        })
    }
}

/// The literal characters of a segment and their offsets (in characters),
/// read as bytes when the segment is ASCII.
enum Literals<'a> {
    Ascii(std::iter::Enumerate<std::slice::Iter<'a, u8>>),
    Other(std::iter::Enumerate<std::str::Chars<'a>>),
}

impl Iterator for Literals<'_> {
    type Item = (usize, char);

    #[inline]
    fn next(&mut self) -> Option<(usize, char)> {
        loop {
            let (offset, c) = match self {
                Literals::Ascii(bytes) => bytes.next().map(|(i, &b)| (i, char::from(b)))?,
                Literals::Other(chars) => chars.next()?,
            };
            if c != '?' {
                return Some((offset, c));
            }
        }
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

/// Whether `segment` matches ASCII `bytes` at `pos` (a `?` is then one byte;
/// a segment with other characters cannot match).
#[inline]
fn matches_ascii(segment: &Segment, bytes: &[u8], pos: usize, ci: bool) -> bool {
    let p = segment.text.as_bytes();
    let Some(t) = bytes.get(pos..pos + p.len()) else {
        return false;
    };
    p.iter()
        .zip(t)
        .all(|(&p, &t)| p == t || p == b'?' || (ci && p == t.to_ascii_lowercase()))
        && segment.text.is_ascii()
}

/// The next position at or after byte `i` (a character boundary) of `text`
/// of the byte `first` (ASCII, lowercase when `ci`, then matching either case).
#[inline]
fn skip_to(text: &str, i: usize, first: u8, ci: bool) -> Option<usize> {
    let rest = text.get(i..)?;
    let bytes = rest.as_bytes();
    if ci && first.is_ascii_alphabetic() {
        let k = bytes.iter().position(|b| b.to_ascii_lowercase() == first)?;
        return Some(i + k);
    }
    // Nearby, byte by byte; farther, `str::find` with a `char` (`memchr`).
    let mut near = bytes.len().min(32);
    if let Some(k) = bytes[..near].iter().position(|&b| b == first) {
        return Some(i + k);
    }
    while !rest.is_char_boundary(near) {
        near += 1;
    }
    let k = rest.get(near..)?.find(char::from(first))?;
    Some(i + near + k)
}

/// The character at byte `i` of `text` and its length in bytes.
#[inline]
fn char_at(text: &str, i: usize) -> Option<(char, usize)> {
    let b = *text.as_bytes().get(i)?;
    if b.is_ascii() {
        return Some((char::from(b), 1));
    }
    let c = text.get(i..)?.chars().next()?;
    Some((c, c.len_utf8()))
}

/// Words of candidate starts an indexed search takes at a time.
const CHUNK: usize = 8;

/// The starts in word `w` (starts `64 w` to `64 w + 63`) between `from` and
/// `limit`, inclusive.
#[inline]
fn starts_in_word(w: usize, from: usize, limit: usize) -> u64 {
    let base = w * 64;
    let low = match from.saturating_sub(base) {
        k if k >= 64 => 0,
        k => u64::MAX << k,
    };
    let high = match (limit + 1).saturating_sub(base) {
        k if k >= 64 => u64::MAX,
        k => (1_u64 << k) - 1,
    };
    low & high
}

/// `and`s into `candidates` (the starts from word `first` on) the bits of a
/// row of the index (see [`Index::row_words`]) shifted by `offset`; whether
/// any candidate is left.
#[inline]
fn and_row(candidates: &mut [u64], bits: &[u64], first: usize, offset: usize) -> bool {
    let (skip, shift) = (first + offset / 64, offset % 64);
    let mut any = 0;
    // The row has a word to spare, so the window always fits when the
    // candidates leave room for the segment; past the row, bits are zero.
    let window = bits.get(skip..skip + candidates.len() + 1).unwrap_or(&[]);
    if window.len() == candidates.len() + 1 {
        for (c, w) in candidates.iter_mut().zip(window.windows(2)) {
            let shifted = match shift {
                0 => w[0],
                s => w[0] >> s | w[1] << (64 - s),
            };
            *c &= shifted;
            any |= *c;
        }
    } else {
        let word = |w: usize| bits.get(w).copied().unwrap_or(0);
        for (i, c) in candidates.iter_mut().enumerate() {
            let shifted = match shift {
                0 => word(skip + i),
                s => word(skip + i) >> s | word(skip + i + 1) << (64 - s),
            };
            *c &= shifted;
            any |= *c;
        }
    }
    any != 0
}

/// How many blocks a search keeps its state for on the stack (segments of up
/// to 512 characters); longer segments allocate it.
const STACK_BLOCKS: usize = 8;

/// A Shift-And automaton for one segment (`?` is any one character): bit `i`
/// of block `b` of the state is set when the text read so far ends with the
/// segment's first `64 b + i + 1` characters, and a match ends when the last
/// character's bit is set. Each text character costs one mask look-up, shift
/// and `and` per block.
#[derive(Clone, Debug, PartialEq, Eq)]
struct ShiftAnd {
    /// The segment's characters, 64 to a block.
    blocks: Box<[Block]>,
    /// The bit of the segment's last character, in the last block.
    accept: u64,
    /// The segment's length in characters.
    chars: usize,
    /// The first character when it is an ASCII literal (lowercased with the
    /// pattern): while no match is under way, the search skips to its next
    /// occurrence.
    first: Option<u8>,
}

/// The masks of up to 64 consecutive segment characters.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Block {
    /// The bits of the block's `?`.
    any: u64,
    /// The block's other characters, sorted, each with the bits where it stands.
    keys: Box<[(char, u64)]>,
}

impl Block {
    fn new(chars: &[char]) -> Self {
        let bits_of = |want: char| {
            chars
                .iter()
                .enumerate()
                .filter(|&(_, &c)| c == want)
                .fold(0_u64, |acc, (i, _)| acc | 1 << i)
        };
        let mut keys: Vec<char> = chars.iter().copied().filter(|&c| c != '?').collect();
        keys.sort_unstable();
        keys.dedup();
        Self {
            any: bits_of('?'),
            keys: keys.into_iter().map(|c| (c, bits_of(c))).collect(),
        }
    }

    /// The bits of the block's characters that `c` matches.
    #[inline]
    fn mask(&self, c: char) -> u64 {
        let own = self
            .keys
            .binary_search_by_key(&c, |&(k, _)| k)
            .map_or(0, |k| self.keys[k].1);
        self.any | own
    }
}

impl ShiftAnd {
    /// Compiles a non-empty segment (lowercased when matched ignoring case).
    fn new(segment: &str) -> Self {
        let chars: Vec<char> = segment.chars().collect();
        let blocks: Box<[Block]> = chars.chunks(64).map(Block::new).collect();
        let accept = match chars.len() % 64 {
            0 => 1 << 63,
            n => 1 << (n - 1),
        };
        let first = chars
            .first()
            .and_then(|&c| u8::try_from(c).ok())
            .filter(|&b| b.is_ascii() && b != b'?');
        Self {
            blocks,
            accept,
            chars: chars.len(),
            first,
        }
    }

    /// Where the next match can start at or after byte `i`: `i` itself unless
    /// the segment starts with an ASCII literal, then that byte's next
    /// occurrence (always a character boundary).
    #[inline]
    fn skip(&self, text: &str, i: usize, ci: bool) -> Option<usize> {
        match self.first {
            Some(first) => skip_to(text, i, first, ci),
            None => Some(i),
        }
    }

    /// The end of the leftmost match at or after byte `from` of `text`.
    fn find(&self, text: &str, from: usize, ci: bool) -> Option<usize> {
        // Every character is at least one byte.
        if text.len().saturating_sub(from) < self.chars {
            return None;
        }
        match &*self.blocks {
            [block] => self.find_one(block, text, from, ci),
            blocks if blocks.len() <= STACK_BLOCKS => {
                let mut state = [0_u64; STACK_BLOCKS];
                self.find_many(blocks, &mut state[..blocks.len()], text, from, ci)
            }
            blocks => {
                let mut state = vec![0_u64; blocks.len()];
                self.find_many(blocks, &mut state, text, from, ci)
            }
        }
    }

    /// [`ShiftAnd::find`] for a segment of at most 64 characters.
    fn find_one(&self, block: &Block, text: &str, from: usize, ci: bool) -> Option<usize> {
        let bytes = text.as_bytes();
        let mut state = 0_u64;
        let mut i = from;
        while i < bytes.len() {
            if state == 0 {
                i = self.skip(text, i, ci)?;
            }
            let (c, width) = char_at(text, i)?;
            let c = if ci { c.to_ascii_lowercase() } else { c };
            state = ((state << 1) | 1) & block.mask(c);
            i += width;
            if state & self.accept != 0 {
                return Some(i);
            }
        }
        None
    }

    /// [`ShiftAnd::find`] for a longer segment, `state` holding one word per block.
    fn find_many(
        &self,
        blocks: &[Block],
        state: &mut [u64],
        text: &str,
        from: usize,
        ci: bool,
    ) -> Option<usize> {
        let bytes = text.as_bytes();
        let mut active = false;
        let mut i = from;
        while i < bytes.len() {
            if !active {
                i = self.skip(text, i, ci)?;
            }
            let (c, width) = char_at(text, i)?;
            let c = if ci { c.to_ascii_lowercase() } else { c };
            let mut carry = 1;
            let mut any = 0;
            for (word, block) in state.iter_mut().zip(blocks) {
                let next = ((*word << 1) | carry) & block.mask(c);
                carry = *word >> 63;
                *word = next;
                any |= next;
            }
            active = any != 0;
            i += width;
            if state.last().is_some_and(|w| w & self.accept != 0) {
                return Some(i);
            }
        }
        None
    }
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
            middle.iter().map(|s| &*s.segment.text).collect::<Vec<_>>(),
            ["b", "c"]
        );
        assert_eq!(&*last.text, "d");
        assert!(Glob::new("a?c", false).rest.is_none());
        assert_eq!(g.min_chars, 4);
    }

    #[test]
    fn search() {
        let find =
            |hay: &str, needle: &str, from: usize| ShiftAnd::new(needle).find(hay, from, false);
        assert_eq!(find("abcabc", "ca", 0), Some(4));
        assert_eq!(find("ab", "abc", 0), None);
        assert_eq!(find("xxab", "ab", 0), Some(4));
        assert_eq!(find("xxa", "ab", 0), None);
        assert_eq!(find("abcabc", "abc", 1), Some(6));
        assert_eq!(find("aaab", "a?b", 0), Some(4));
        assert_eq!(find("aéb", "a?b", 0), Some(4));
        assert_eq!(find("xéé", "é?", 0), Some(5));
        assert_eq!(ShiftAnd::new("a?c").find("xAbC", 0, true), Some(4));
        let long: String = "ab?".repeat(60);
        let hay = format!("{}{}", "ab".repeat(100), "abx".repeat(60));
        assert_eq!(find(&hay, &long, 0), Some(hay.len()));
        assert_eq!(find(&hay[..hay.len() - 1], &long, 0), None);
    }

    #[test]
    fn literal_that_keeps_almost_matching() {
        // Every `a` starts a candidate that fails at its last byte: the
        // byte-by-byte search gives way to a linear one and still finds the
        // leftmost match.
        let needle = format!("{}b", "a".repeat(40));
        let text = format!("x{}b{}", "a".repeat(300), "a".repeat(40));
        let end = text.len() - 40;
        for (pattern, ci) in [
            (format!("x*{needle}*"), false),
            (format!("x*{needle}*"), true),
        ] {
            let g = Glob::new(&pattern, ci);
            let (middle, _) = g.rest.as_ref().unwrap();
            assert_eq!(middle[0].find(&text, 1, ci), Some(end), "ci {ci}");
            assert!(g.matches(&text));
            assert!(!g.matches(&text.replace('b', "c")));
        }
        let upper = text.to_ascii_uppercase();
        let g = Glob::new(&format!("*{needle}*"), true);
        assert_eq!(
            g.rest.as_ref().unwrap().0[0].find(&upper, 0, true),
            Some(end)
        );
        let g = Glob::new(&format!("*é{needle}*"), false);
        assert!(g.matches(&format!("{}é{needle}", "é".repeat(50))));
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
