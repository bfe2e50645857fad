//! Rows read from the store, kept while nothing has been written since.
//!
//! A store that sees every write (the embedded SQLite store, locked by one
//! process) reports a generation that changes with each committed write;
//! a value read under one generation is served only while the store is
//! still at that generation, so a cached row is never older than the last
//! completed write. Stores shared by several processes (PostgreSQL
//! replicas) report none, and then every read goes to the store.

use std::collections::HashMap;
use std::sync::RwLock;

/// Entries kept per cache before it starts over.
const CAPACITY: usize = 10_000;

/// One kind of cached value, by string key.
pub(crate) struct GenCache<V> {
    state: RwLock<State<V>>,
    capacity: usize,
    /// Most bytes the entries may hold together (by `weigh`).
    budget: usize,
    weigh: fn(&V) -> usize,
}

struct State<V> {
    generation: u64,
    entries: HashMap<String, V>,
    /// What the entries hold, by `weigh`.
    weight: usize,
}

impl<V> Default for GenCache<V> {
    fn default() -> Self {
        Self::with_capacity(CAPACITY)
    }
}

impl<V> GenCache<V> {
    /// A cache that starts over after `capacity` entries.
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        Self::weighted(capacity, usize::MAX, |_| 0)
    }

    /// A cache that starts over after `capacity` entries or when its
    /// entries would hold more than `budget` bytes by `weigh`.
    pub(crate) fn weighted(capacity: usize, budget: usize, weigh: fn(&V) -> usize) -> Self {
        Self {
            state: RwLock::new(State {
                generation: 0,
                entries: HashMap::new(),
                weight: 0,
            }),
            capacity,
            budget,
            weigh,
        }
    }
}

impl<V> std::fmt::Debug for GenCache<V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("GenCache")
    }
}

impl<V> GenCache<V> {
    /// Drops every entry.
    pub(crate) fn clear(&self) {
        let mut s = self.state.write().unwrap_or_else(|e| e.into_inner());
        s.entries.clear();
        s.weight = 0;
    }
}

impl<V: Clone> GenCache<V> {
    /// The value for `key` read under `generation` (the store's, taken
    /// before calling), or `load`'s result, kept if no write came between.
    pub(crate) fn get_or_load<E>(
        &self,
        generation: Option<u64>,
        key: &str,
        load: impl FnOnce() -> Result<V, E>,
    ) -> Result<V, E> {
        self.get_or_load_if(generation, key, load, |_| true)
    }

    /// [`Self::get_or_load`], keeping a loaded value only if `keep` says so.
    pub(crate) fn get_or_load_if<E>(
        &self,
        generation: Option<u64>,
        key: &str,
        load: impl FnOnce() -> Result<V, E>,
        keep: impl FnOnce(&V) -> bool,
    ) -> Result<V, E> {
        let Some(generation) = generation else {
            return load();
        };
        {
            let s = self.state.read().unwrap_or_else(|e| e.into_inner());
            if s.generation == generation {
                if let Some(v) = s.entries.get(key) {
                    return Ok(v.clone());
                }
            }
        }
        // The generation was taken before this read: if a write commits
        // while it runs, the entry is filed under the older generation and
        // never served.
        let v = load()?;
        if !keep(&v) {
            return Ok(v);
        }
        let mut s = self.state.write().unwrap_or_else(|e| e.into_inner());
        if s.generation != generation {
            if s.generation > generation {
                return Ok(v);
            }
            s.entries.clear();
            s.weight = 0;
            s.generation = generation;
        }
        let w = (self.weigh)(&v).saturating_add(key.len());
        if w > self.budget {
            return Ok(v);
        }
        if s.entries.len() >= self.capacity || s.weight.saturating_add(w) > self.budget {
            s.entries.clear();
            s.weight = 0;
        }
        s.weight = s.weight.saturating_add(w);
        if let Some(old) = s.entries.insert(key.to_string(), v.clone()) {
            s.weight = s
                .weight
                .saturating_sub((self.weigh)(&old).saturating_add(key.len()));
        }
        Ok(v)
    }
}

/// The caches of store reads (see [`GenCache`]).
#[derive(Debug)]
pub(crate) struct Reads {
    /// AccessKeys by id, resolved (owner and unsealed secret).
    pub(crate) access_keys: GenCache<Option<crate::account::ResolvedKey>>,
    /// KMS keys by id.
    pub(crate) keys: GenCache<Option<std::sync::Arc<rampart_store::KeyRow>>>,
    /// The policies in force for a user (`u/<id>`) or a role (`r/<name>/<id>`).
    pub(crate) policies: GenCache<std::sync::Arc<Vec<crate::authz::Loaded>>>,
    /// A secret with the version a read selects (sealed, as stored), by
    /// name, version id and stage. Values over [`SECRET_CACHE_MAX_BYTES`]
    /// are not kept.
    pub(crate) secret_versions: GenCache<Option<std::sync::Arc<SecretWithVersion>>>,
    /// A secret's condition keys and resource policy, by name.
    pub(crate) secret_auth: GenCache<std::sync::Arc<crate::kms::secrets::SecretAuth>>,
    /// A key's condition keys and key policy, by key id.
    pub(crate) key_auth: GenCache<std::sync::Arc<crate::resolve::KeyAuth>>,
}

/// A secret row and the version a read selected.
pub(crate) type SecretWithVersion = (
    rampart_store::SecretRow,
    Option<rampart_store::StagedVersion>,
);

/// Secret versions whose sealed value is larger are read from the store
/// each time (the cache stays within ~32 MiB).
pub(crate) const SECRET_CACHE_MAX_BYTES: usize = 8 * 1024;
const SECRET_CACHE_ENTRIES: usize = 4096;
/// Most bytes the caches of secrets' and keys' resource policies and tags
/// hold each (a parsed policy is counted at three times its text).
const AUTH_CACHE_BYTES: usize = 16 * 1024 * 1024;

impl Reads {
    /// Drops every cached read.
    pub(crate) fn clear(&self) {
        self.access_keys.clear();
        self.keys.clear();
        self.policies.clear();
        self.secret_versions.clear();
        self.secret_auth.clear();
        self.key_auth.clear();
    }
}

impl Default for Reads {
    fn default() -> Self {
        Self {
            access_keys: GenCache::default(),
            keys: GenCache::default(),
            policies: GenCache::default(),
            secret_versions: GenCache::with_capacity(SECRET_CACHE_ENTRIES),
            secret_auth: GenCache::weighted(CAPACITY, AUTH_CACHE_BYTES, |a| a.weight),
            key_auth: GenCache::weighted(CAPACITY, AUTH_CACHE_BYTES, |a| a.weight),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    #[test]
    fn serves_only_the_generation_it_was_read_under() {
        let c: GenCache<u32> = GenCache::default();
        let loads = Cell::new(0);
        let load = |v: u32| {
            loads.set(loads.get() + 1);
            Ok::<_, ()>(v)
        };
        assert_eq!(c.get_or_load(Some(1), "a", || load(10)), Ok(10));
        assert_eq!(c.get_or_load(Some(1), "a", || load(11)), Ok(10));
        assert_eq!(loads.get(), 1);
        // A write happened: the next read goes to the store.
        assert_eq!(c.get_or_load(Some(2), "a", || load(12)), Ok(12));
        assert_eq!(loads.get(), 2);
        // A read that started before the write is not kept.
        assert_eq!(c.get_or_load(Some(1), "b", || load(20)), Ok(20));
        assert_eq!(c.get_or_load(Some(2), "b", || load(21)), Ok(21));
        assert_eq!(loads.get(), 4);
        // No generation: never kept.
        assert_eq!(c.get_or_load(None, "a", || load(30)), Ok(30));
        assert_eq!(c.get_or_load(None, "a", || load(31)), Ok(31));
    }

    #[test]
    fn a_weighted_cache_stays_within_its_budget() {
        let c: GenCache<Vec<u8>> = GenCache::weighted(100, 1000, |v| v.len());
        for i in 0..50 {
            let k = format!("k{i}");
            assert_eq!(
                c.get_or_load(Some(1), &k, || Ok::<_, ()>(vec![0; 300]))
                    .map(|v| v.len()),
                Ok(300)
            );
            let s = c.state.read().unwrap();
            assert!(s.weight <= 1000, "{}", s.weight);
            assert_eq!(
                s.weight,
                s.entries
                    .iter()
                    .map(|(k, v)| k.len() + v.len())
                    .sum::<usize>()
            );
        }
        // A value larger than the budget is served, never kept.
        assert_eq!(
            c.get_or_load(Some(1), "big", || Ok::<_, ()>(vec![0; 5000]))
                .map(|v| v.len()),
            Ok(5000)
        );
        assert!(!c.state.read().unwrap().entries.contains_key("big"));
    }

    #[test]
    fn errors_are_not_kept() {
        let c: GenCache<u32> = GenCache::default();
        assert_eq!(
            c.get_or_load(Some(1), "a", || Err::<u32, _>("down")),
            Err("down")
        );
        assert_eq!(c.get_or_load(Some(1), "a", || Ok::<_, &str>(5)), Ok(5));
    }
}
