//! The replay window on PostgreSQL, shared by every replica: a table,
//! written by batches. Requests arriving together share one statement and
//! one commit (a thread of its own writes everything queued while the
//! previous batch was being written, then tells each request), on connections that do not wait for the disk at commit
//! (`synchronous_commit = off`: a PostgreSQL crash can forget the nonces of
//! the last few hundred milliseconds, never those of a clean shutdown).

use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Condvar, Mutex};

use super::pool::Conn;
use crate::nonce::Verdict;
use crate::tx::TxResult;

/// The most nonces written by one statement.
const MAX_BATCH: usize = 512;

/// One request's nonce, and where its verdict goes.
struct Entry {
    key: String,
    nonce: String,
    now: i64,
    expires_at: i64,
    verdict: Arc<Verdict>,
}

#[derive(Default)]
struct Queue {
    entries: VecDeque<Entry>,
    stopped: bool,
}

#[derive(Default)]
struct Shared {
    queue: Mutex<Queue>,
    arrived: Condvar,
}

/// Writes what is queued, one batch at a time, on a thread of its own: the
/// requests that arrive while a batch is being written make the next one.
pub(crate) struct Writer {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Writer")
    }
}

impl Writer {
    /// Starts the writing thread; `write` writes one batch (on a connection
    /// it takes), `prune` drops expired nonces now and then.
    pub(crate) fn start(
        write: impl Fn(&Batch<'_>) -> Result<Fresh, String> + Send + 'static,
        prune: impl Fn(i64) + Send + 'static,
    ) -> std::io::Result<Self> {
        let shared = Arc::new(Shared::default());
        let s = shared.clone();
        std::thread::Builder::new()
            .name("rampart-nonces".into())
            .spawn(move || run(&s, &write, &prune))?;
        Ok(Self { shared })
    }

    /// Queues a nonce; its verdict (`false` if it is live already) comes
    /// once its batch is written.
    pub(crate) fn submit(&self, key: &str, nonce: &str, now: i64, expires_at: i64) -> Arc<Verdict> {
        let verdict = Arc::new(Verdict::default());
        let mut q = self.shared.queue.lock().unwrap_or_else(|e| e.into_inner());
        if q.stopped {
            verdict.fill(Err("the store is closed".into()));
            return verdict;
        }
        q.entries.push_back(Entry {
            key: key.to_string(),
            nonce: nonce.to_string(),
            now,
            expires_at,
            verdict: verdict.clone(),
        });
        if q.entries.len() == 1 {
            self.shared.arrived.notify_one();
        }
        verdict
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        let mut q = self.shared.queue.lock().unwrap_or_else(|e| e.into_inner());
        q.stopped = true;
        self.shared.arrived.notify_one();
    }
}

/// Expired nonces are pruned once every this many nonces written.
const PRUNE_EVERY: usize = 1024;

fn run(
    shared: &Shared,
    write: &impl Fn(&Batch<'_>) -> Result<Fresh, String>,
    prune: &impl Fn(i64),
) {
    let mut since_prune = 0usize;
    loop {
        let batch: Vec<Entry> = {
            let mut q = shared.queue.lock().unwrap_or_else(|e| e.into_inner());
            while q.entries.is_empty() && !q.stopped {
                q = shared.arrived.wait(q).unwrap_or_else(|e| e.into_inner());
            }
            if q.entries.is_empty() {
                return;
            }
            let take = q.entries.len().min(MAX_BATCH);
            q.entries.drain(..take).collect()
        };
        // Every request of the batch gets a verdict, whatever happens: a
        // panic in the driver fails the batch instead of leaving it waiting.
        let verdicts =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| answer(&batch, write)))
                .unwrap_or_else(|_| vec![Err("the nonce writer failed".into()); batch.len()]);
        for (e, verdict) in batch.iter().zip(verdicts) {
            e.verdict.fill(verdict);
        }
        since_prune += batch.len();
        if since_prune >= PRUNE_EVERY {
            since_prune = 0;
            if let Some(now) = batch.iter().map(|e| e.now).min() {
                prune(now);
            }
        }
    }
}

/// Writes `batch`; each request's answer.
fn answer(
    batch: &[Entry],
    write: &impl Fn(&Batch<'_>) -> Result<Fresh, String>,
) -> Vec<Result<bool, String>> {
    // A nonce twice in one batch: the second is a replay of the first.
    let mut seen = HashSet::new();
    let mut first = Vec::with_capacity(batch.len());
    for e in batch {
        first.push(seen.insert((e.key.as_str(), e.nonce.as_str())));
    }
    let unique: Vec<&Entry> = batch
        .iter()
        .zip(&first)
        .filter(|(_, f)| **f)
        .map(|(e, _)| e)
        .collect();
    let written = write(&Batch {
        keys: unique.iter().map(|e| e.key.as_str()).collect(),
        nonces: unique.iter().map(|e| e.nonce.as_str()).collect(),
        expiries: unique.iter().map(|e| e.expires_at).collect(),
        // A row is taken over only once its window has passed for every
        // request of the batch.
        now: batch.iter().map(|e| e.now).min().unwrap_or(0),
    });
    batch
        .iter()
        .zip(first)
        .map(|(e, first)| match &written {
            Ok(fresh) => Ok(first && fresh.contains(&(e.key.clone(), e.nonce.clone()))),
            Err(m) => Err(m.clone()),
        })
        .collect()
}

/// The (key, nonce) pairs a batch recorded as fresh.
pub(crate) type Fresh = HashSet<(String, String)>;

/// One batch to write: distinct (key, nonce) pairs and their expiries.
pub(crate) struct Batch<'a> {
    pub(crate) keys: Vec<&'a str>,
    pub(crate) nonces: Vec<&'a str>,
    pub(crate) expiries: Vec<i64>,
    pub(crate) now: i64,
}

/// The statement that writes a batch; returns the pairs recorded.
pub(crate) const INSERT: &str = "INSERT INTO nonces (access_key_id, nonce, expires_at) \
     SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[]) \
     ON CONFLICT (access_key_id, nonce) DO UPDATE SET expires_at = EXCLUDED.expires_at \
     WHERE nonces.expires_at < $4 RETURNING access_key_id, nonce";

/// Writes `b` on `c`.
pub(crate) fn write(c: &mut Conn, b: &Batch<'_>) -> TxResult<Fresh> {
    let insert = c
        .statements
        .get(&mut c.client, INSERT)
        .map_err(super::conn::db_error)?;
    let rows = c
        .client
        .query(&insert, &[&b.keys, &b.nonces, &b.expiries, &b.now])
        .map_err(super::conn::db_error)?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect::<Result<Fresh, postgres::Error>>()
        .map_err(super::conn::db_error)
}
