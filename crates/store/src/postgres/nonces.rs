//! The replay window on PostgreSQL, shared by every replica: a table,
//! written by batches. Requests arriving together share one statement and
//! one commit (the first to come writes everything queued; the others wait
//! for its answer), on connections that do not wait for the disk at commit
//! (`synchronous_commit = off`: a PostgreSQL crash can forget the nonces of
//! the last few hundred milliseconds, never those of a clean shutdown).

use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Condvar, Mutex};

use super::pool::Conn;
use crate::tx::TxResult;

/// The most nonces written by one statement.
const MAX_BATCH: usize = 512;

/// One request's nonce, and where its answer goes.
struct Entry {
    key: String,
    nonce: String,
    now: i64,
    expires_at: i64,
    slot: Arc<Slot>,
}

/// What a waiting request is told.
enum Told {
    Wait,
    /// Write the next batch.
    Lead,
    /// Fresh or not, or the failure.
    Done(Result<bool, String>),
}

struct Slot {
    told: Mutex<Told>,
    changed: Condvar,
}

impl Slot {
    fn tell(&self, t: Told) {
        *self.told.lock().unwrap_or_else(|e| e.into_inner()) = t;
        self.changed.notify_one();
    }
}

#[derive(Default)]
struct State {
    queue: VecDeque<Entry>,
    /// Whether a request is writing a batch (and will hand over to the
    /// next one queued).
    writing: bool,
}

/// See the module documentation.
#[derive(Default)]
pub(crate) struct Batcher {
    state: Mutex<State>,
}

impl std::fmt::Debug for Batcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Batcher")
    }
}

impl Batcher {
    /// Records a nonce; `false` if it is live already. `write` writes one
    /// batch (on a connection it takes).
    pub(crate) fn record(
        &self,
        key: &str,
        nonce: &str,
        now: i64,
        expires_at: i64,
        write: impl Fn(&Batch<'_>) -> Result<Fresh, String>,
    ) -> Result<bool, String> {
        let slot = Arc::new(Slot {
            told: Mutex::new(Told::Wait),
            changed: Condvar::new(),
        });
        let lead = {
            let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
            s.queue.push_back(Entry {
                key: key.to_string(),
                nonce: nonce.to_string(),
                now,
                expires_at,
                slot: slot.clone(),
            });
            !std::mem::replace(&mut s.writing, true)
        };
        if !lead {
            let mut told = slot.told.lock().unwrap_or_else(|e| e.into_inner());
            loop {
                match std::mem::replace(&mut *told, Told::Wait) {
                    Told::Done(answer) => return answer,
                    Told::Lead => break,
                    Told::Wait => {
                        told = slot.changed.wait(told).unwrap_or_else(|e| e.into_inner());
                    }
                }
            }
        }
        // Write what is queued (this request's nonce among it), answer
        // everyone in it, and hand over to the first of those queued since.
        let batch: Vec<Entry> = {
            let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
            let take = s.queue.len().min(MAX_BATCH);
            s.queue.drain(..take).collect()
        };
        // The leader's own entry is first in the queue (it was empty when
        // it began, or it was told to lead as the first queued), so first
        // in the batch.
        let mut own = Err("the nonce was not written".to_string());
        for (e, answer) in batch.iter().zip(answer(&batch, &write)) {
            if Arc::ptr_eq(&e.slot, &slot) {
                own = answer;
            } else {
                e.slot.tell(Told::Done(answer));
            }
        }
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        match s.queue.front() {
            Some(next) => next.slot.tell(Told::Lead),
            None => s.writing = false,
        }
        own
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
