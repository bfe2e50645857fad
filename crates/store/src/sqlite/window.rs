//! The embedded store's replay window: the signature nonces seen, in
//! memory, within a fixed bound whatever the request rate.
//!
//! Each (AccessKey, nonce) is kept as a 64-bit fingerprint (SipHash with a
//! key drawn at start, so nobody can aim for a collision), filed under the
//! second its record expires. At most [`MAX_NONCES`] are kept: the set is
//! allocated for that many once (2^20 slots of 8 bytes plus a control byte:
//! 9.4 MB) and the fingerprints filed by second take 8 bytes each (16 while
//! a second's list grows): under [`MAX_MEMORY_BYTES`] in all.
//!
//! - **No replay is accepted.** A nonce leaves the window only when its
//!   record expires (its request's timestamp is no longer accepted), or
//!   when the window is full: then the records expiring soonest are
//!   dropped, and from then on every request whose record would expire no
//!   later than the last dropped second (its timestamp is at least as old
//!   as theirs) is refused. Records expire at `timestamp + window`, the
//!   same for a request and its replays, so a replay of a dropped nonce is
//!   always refused.
//! - **A fresh nonce is refused** when its fingerprint matches a live one
//!   (at most [`MAX_NONCES`] / 2^64 < 5·10⁻¹⁴ per request), or, only past
//!   [`MAX_NONCES`] requests within the window, when its timestamp is as old
//!   as the records dropped: at 40,000 requests a second the window still
//!   holds the last 22 seconds, so only a request signed more than 22
//!   seconds before it arrives can be turned away.

use std::collections::{BTreeMap, HashSet};
use std::hash::BuildHasher;

/// The most nonces kept (7/8 of 2^20: the set's table never grows).
pub const MAX_NONCES: usize = (1 << 20) / 8 * 7;
/// The bound on the window's memory.
pub const MAX_MEMORY_BYTES: usize = 32 << 20;

/// See the module documentation.
pub(crate) struct NonceWindow {
    seen: HashSet<u64, IdentityState>,
    /// Fingerprints by the second their record expires.
    by_expiry: BTreeMap<i64, Vec<u64>>,
    /// Requests whose record expires at or before this second are refused
    /// (records up to it were dropped to stay within [`MAX_NONCES`]).
    horizon: i64,
    key: std::collections::hash_map::RandomState,
}

impl Default for NonceWindow {
    fn default() -> Self {
        Self::with_capacity(MAX_NONCES)
    }
}

impl NonceWindow {
    fn with_capacity(capacity: usize) -> Self {
        Self {
            seen: HashSet::with_capacity_and_hasher(capacity, IdentityState),
            by_expiry: BTreeMap::new(),
            horizon: i64::MIN,
            key: std::collections::hash_map::RandomState::new(),
        }
    }

    /// Records (key, nonce) live while `now <= expires_at`; `false` if it
    /// is live already, or may have been dropped.
    pub(crate) fn record(&mut self, key: &str, nonce: &str, now: i64, expires_at: i64) -> bool {
        self.record_within(MAX_NONCES, key, nonce, now, expires_at)
    }

    fn record_within(
        &mut self,
        max: usize,
        key: &str,
        nonce: &str,
        now: i64,
        expires_at: i64,
    ) -> bool {
        self.drop_through(now - 1);
        if expires_at <= self.horizon {
            return false;
        }
        let fp = self.key.hash_one((key, nonce));
        if self.seen.contains(&fp) {
            return false;
        }
        while self.seen.len() >= max {
            let Some((&second, _)) = self.by_expiry.first_key_value() else {
                break;
            };
            self.drop_through(second);
            self.horizon = self.horizon.max(second);
            if expires_at <= self.horizon {
                return false;
            }
        }
        self.seen.insert(fp);
        self.by_expiry.entry(expires_at).or_default().push(fp);
        true
    }

    /// Forgets the records expiring at or before `second`.
    fn drop_through(&mut self, second: i64) {
        while let Some(entry) = self.by_expiry.first_entry() {
            if *entry.key() > second {
                break;
            }
            for fp in entry.remove() {
                self.seen.remove(&fp);
            }
        }
    }

    /// How many nonces are kept.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.seen.len()
    }
}

/// The fingerprints are keyed hashes already: the set uses them as they are.
#[derive(Clone, Copy, Default)]
struct IdentityState;

impl BuildHasher for IdentityState {
    type Hasher = Identity;
    fn build_hasher(&self) -> Identity {
        Identity(0)
    }
}

struct Identity(u64);

impl std::hash::Hasher for Identity {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 << 8) | u64::from(*b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_live_nonces_and_forgets_expired_ones() {
        let mut w = NonceWindow::with_capacity(16);
        assert!(w.record("k", "n", 100, 200));
        assert!(!w.record("k", "n", 150, 250));
        assert!(w.record("k2", "n", 150, 250));
        assert!(!w.record("k", "n", 200, 300));
        assert!(w.record("k", "n", 201, 301));
        assert_eq!(w.len(), 2);
    }

    #[test]
    fn stays_within_its_bound_and_never_accepts_a_dropped_nonce() {
        let mut w = NonceWindow::with_capacity(8);
        // Ten requests, one a second, each live for 100 seconds.
        for i in 0..10 {
            assert!(w.record_within(4, "k", &format!("n{i}"), i, i + 100));
            assert!(w.len() <= 4);
        }
        // The first six were dropped: their replays are refused, as is any
        // request as old as they were; fresh ones pass.
        for i in 0..10 {
            assert!(!w.record_within(4, "k", &format!("n{i}"), 10, i + 100));
        }
        assert!(!w.record_within(4, "k", "old", 10, 105));
        assert!(w.record_within(4, "k", "fresh", 10, 110));
        assert!(w.len() <= 4);
    }
}
