//! The replay window on PostgreSQL, shared by every replica: a table,
//! written by batches. Requests arriving together share one statement and
//! one commit (the first to come writes everything queued; the others wait
//! for its answer), on connections that do not wait for the disk at commit
//! (`synchronous_commit = off`: a PostgreSQL crash can forget the nonces of
//! the last few hundred milliseconds, never those of a clean shutdown).

use std::collections::{HashMap, HashSet};
use std::sync::{Condvar, Mutex};

use postgres::Client;

use crate::tx::TxResult;

/// The most nonces written by one statement.
const MAX_BATCH: usize = 512;

/// One request's nonce.
struct Entry {
    id: u64,
    key: String,
    nonce: String,
    now: i64,
    expires_at: i64,
}

#[derive(Default)]
struct State {
    queue: Vec<Entry>,
    writing: bool,
    next_id: u64,
    /// Answers not yet taken, by request: fresh or not, or the failure.
    done: HashMap<u64, Result<bool, String>>,
}

/// See the module documentation.
#[derive(Default)]
pub(crate) struct Batcher {
    state: Mutex<State>,
    answered: Condvar,
}

impl std::fmt::Debug for Batcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Batcher")
    }
}

impl Batcher {
    /// Records a nonce; `false` if it is live already. `write` runs one
    /// batch on a connection it takes.
    pub(crate) fn record(
        &self,
        key: &str,
        nonce: &str,
        now: i64,
        expires_at: i64,
        write: impl Fn(&Batch<'_>) -> Result<Fresh, String>,
    ) -> Result<bool, String> {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let id = s.next_id;
        s.next_id += 1;
        s.queue.push(Entry {
            id,
            key: key.to_string(),
            nonce: nonce.to_string(),
            now,
            expires_at,
        });
        loop {
            if let Some(answer) = s.done.remove(&id) {
                return answer;
            }
            if s.writing {
                s = self.answered.wait(s).unwrap_or_else(|e| e.into_inner());
                continue;
            }
            s.writing = true;
            let take = s.queue.len().min(MAX_BATCH);
            let batch: Vec<Entry> = s.queue.drain(..take).collect();
            drop(s);
            let answers = answer(&batch, &write);
            s = self.state.lock().unwrap_or_else(|e| e.into_inner());
            s.writing = false;
            s.done.extend(answers);
            self.answered.notify_all();
        }
    }
}

/// Writes `batch`; each request's answer.
fn answer(
    batch: &[Entry],
    write: &impl Fn(&Batch<'_>) -> Result<Fresh, String>,
) -> Vec<(u64, Result<bool, String>)> {
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
        .map(|(e, first)| {
            let answer = match &written {
                Ok(fresh) => Ok(first && fresh.contains(&(e.key.clone(), e.nonce.clone()))),
                Err(m) => Err(m.clone()),
            };
            (e.id, answer)
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
pub(crate) fn write(c: &mut Client, b: &Batch<'_>) -> TxResult<Fresh> {
    let rows = c
        .query(INSERT, &[&b.keys, &b.nonces, &b.expiries, &b.now])
        .map_err(super::conn::db_error)?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect::<Result<Fresh, postgres::Error>>()
        .map_err(super::conn::db_error)
}
