//! The dialect-neutral transaction interface: what a database must offer
//! for the store's rules ([`crate::rules`]) to run on it.
//!
//! A [`Backend`] runs a closure as one transaction ([`Backend::transaction`]):
//! the closure gets a [`Tx`] to run [`Stmt`]s and take [`Lock`]s, and stops
//! with [`TxError::Abort`] (a business outcome: rolled back and returned as
//! is) or [`TxError::Db`] (the database failed; a backend retries the whole
//! closure when the failure says another try may succeed, such as a
//! serialization failure, a deadlock, or a Galera certification conflict).
//! A closure may run several times: it must not act outside the database.

use crate::sql::{Dialect, Param, Row, Stmt};
use crate::{Entity, StoreError, StoreResult};

/// How a database failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbErrorKind {
    /// A unique or primary key constraint refused the write.
    Unique,
    /// A transient conflict (serialization failure, deadlock, lock wait
    /// timeout, certification conflict): running the transaction again may
    /// succeed.
    Retry,
    /// Anything else.
    Other,
}

/// A database failure, described for logs.
#[derive(Debug, Clone)]
pub struct DbError {
    /// What kind of failure.
    pub kind: DbErrorKind,
    /// The database's own description.
    pub message: String,
}

impl std::fmt::Display for DbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DbError {}

impl DbError {
    /// A failure of kind [`DbErrorKind::Other`].
    pub fn other(message: impl Into<String>) -> Self {
        Self {
            kind: DbErrorKind::Other,
            message: message.into(),
        }
    }
}

/// Why a transaction body stopped.
#[derive(Debug)]
pub enum TxError {
    /// A business outcome (not found, conflict, limit…): rolled back, returned.
    Abort(StoreError),
    /// The database failed.
    Db(DbError),
}

impl From<StoreError> for TxError {
    fn from(e: StoreError) -> Self {
        TxError::Abort(e)
    }
}

impl TxError {
    /// Whether running the transaction again may succeed.
    pub fn retryable(&self) -> bool {
        matches!(self, TxError::Db(e) if e.kind == DbErrorKind::Retry)
    }

    /// The store's error for this outcome.
    pub fn into_store(self) -> StoreError {
        match self {
            TxError::Abort(e) => e,
            TxError::Db(e) => StoreError::Backend(e.message),
        }
    }
}

/// Result of a statement or of a transaction body.
pub type TxResult<T> = Result<T, TxError>;

/// Maps a unique violation to `Conflict(entity)`, anything else to itself.
pub fn unique(entity: Entity) -> impl Fn(TxError) -> TxError {
    move |e| match e {
        TxError::Db(d) if d.kind == DbErrorKind::Unique => {
            TxError::Abort(StoreError::Conflict(entity))
        }
        e => e,
    }
}

/// Runs `f` up to `attempts` times while it fails with a
/// [`DbErrorKind::Retry`] failure, pausing a little longer each time
/// (5 ms more per attempt, with up to 10 ms of jitter so that replicas
/// refused together do not collide again).
pub fn retry<T>(attempts: u32, mut f: impl FnMut() -> TxResult<T>) -> StoreResult<T> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        match f() {
            Ok(v) => return Ok(v),
            Err(e) if e.retryable() && attempt < attempts => {
                let jitter = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| u64::from(d.subsec_nanos() % 10_000))
                    .unwrap_or(0);
                std::thread::sleep(std::time::Duration::from_micros(
                    u64::from(attempt) * 5_000 + jitter,
                ));
            }
            Err(e) => return Err(e.into_store()),
        }
    }
}

/// What a transaction does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Reads and writes; a write that changes rows moves the generation.
    Write,
    /// Writes to rows nobody caches (the audit trail): the generation stays.
    WriteUntracked,
    /// Reads only, every statement on one snapshot.
    Read,
    /// One statement (atomic by itself): no transaction around it.
    Single,
}

/// The account-wide counts whose checks are serialized across replicas.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// `max_users`.
    Users = 1,
    /// `max_groups`.
    Groups = 2,
    /// `max_policies`.
    Policies = 3,
    /// `max_roles`.
    Roles = 4,
    /// `max_keys`.
    Keys = 5,
    /// `max_secrets`.
    Secrets = 6,
    /// The single account default key.
    DefaultKey = 7,
    /// `max_mfa_devices`.
    MfaDevices = 8,
    /// Identity providers.
    Providers = 9,
}

/// A lock held until the transaction ends, for a check that a row lock
/// cannot guard (a count of rows, a set of tags), or to make a row lock
/// hold across the nodes of a cluster whose row locks stay on one node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lock<'a> {
    /// An account-wide limit.
    Limit(Limit),
    /// The tags of one resource (`kind:id`).
    Tags(&'a str, &'a str),
    /// A row the transaction has locked (`table`, key): nothing more where
    /// the database's row locks serve every replica.
    Row(&'a str, &'a str),
}

impl Lock<'_> {
    /// A name for the lock, unique among locks.
    pub fn name(&self) -> String {
        match self {
            Lock::Limit(l) => format!("limit:{}", *l as i32),
            Lock::Tags(kind, id) => format!("tags:{kind}:{id}"),
            Lock::Row(table, key) => format!("row:{table}:{key}"),
        }
    }
}

/// One transaction's view of the database.
pub trait Tx {
    /// The dialect statements are rendered in.
    fn dialect(&self) -> Dialect;
    /// Runs a query; returns its rows.
    fn query(&mut self, stmt: &Stmt, params: &[Param<'_>]) -> TxResult<Vec<Row>>;
    /// Runs a statement; returns how many rows it changed.
    fn execute(&mut self, stmt: &Stmt, params: &[Param<'_>]) -> TxResult<u64>;
    /// Takes `lock` until the transaction ends (nothing where one writer
    /// at a time runs anyway).
    fn lock(&mut self, lock: Lock<'_>) -> TxResult<()>;

    /// Inserts `rows` with one statement binding whole columns, where the
    /// backend can (PostgreSQL's arrays); `false` where it cannot, and the
    /// caller inserts them by its own statements.
    fn insert_columns(&mut self, _rows: &ColumnInsert<'_>) -> TxResult<bool> {
        Ok(false)
    }

    /// The first row of a query, if any.
    fn query_opt(&mut self, stmt: &Stmt, params: &[Param<'_>]) -> TxResult<Option<Row>> {
        Ok(self.query(stmt, params)?.into_iter().next())
    }

    /// A query's single integer (a count).
    fn count(&mut self, stmt: &Stmt, params: &[Param<'_>]) -> TxResult<u64> {
        let n = match self.query_opt(stmt, params)? {
            Some(mut r) => r.opt_int(0)?.unwrap_or(0),
            None => 0,
        };
        Ok(u64::try_from(n).unwrap_or(0))
    }
}

/// Rows to insert as whole columns (see [`Tx::insert_columns`]); rows
/// whose `unique` column is taken already are skipped.
pub struct ColumnInsert<'a> {
    pub table: &'static str,
    pub unique: &'static str,
    pub columns: Vec<(&'static str, Column<'a>)>,
}

/// One column's values, row by row.
pub enum Column<'a> {
    Int(Vec<i64>),
    Text(Vec<&'a str>),
}

impl<'a> ColumnInsert<'a> {
    /// The columns of `rows` (each row's values in the order of `names`);
    /// `None` unless every value is an integer or text, and each column
    /// holds one kind.
    pub fn from_rows<const N: usize>(
        table: &'static str,
        names: &[&'static str; N],
        unique: &'static str,
        rows: &[[Param<'a>; N]],
    ) -> Option<Self> {
        let first = rows.first()?;
        let mut columns = Vec::with_capacity(N);
        for (i, name) in names.iter().enumerate() {
            let column = match first[i] {
                Param::Int(_) => Column::Int(
                    rows.iter()
                        .map(|r| match r[i] {
                            Param::Int(n) => Some(n),
                            _ => None,
                        })
                        .collect::<Option<_>>()?,
                ),
                Param::Text(_) => Column::Text(
                    rows.iter()
                        .map(|r| match r[i] {
                            Param::Text(t) => Some(t),
                            _ => None,
                        })
                        .collect::<Option<_>>()?,
                ),
                _ => return None,
            };
            columns.push((*name, column));
        }
        Some(Self {
            table,
            unique,
            columns,
        })
    }
}

/// A database the store's rules run on: how it runs one transaction, and
/// what it keeps outside of its tables. The store traits ([`crate::Store`])
/// are implemented once for every backend, in [`crate::rules`].
pub trait Backend: Send + Sync + 'static {
    /// Runs `f` as one transaction of `mode`; commits only if it succeeds.
    /// May run `f` again after a [`DbErrorKind::Retry`] failure.
    fn transaction<T>(
        &self,
        mode: Mode,
        f: impl FnMut(&mut dyn Tx) -> TxResult<T>,
    ) -> StoreResult<T>;

    /// See [`crate::AccountStore::generation`].
    fn generation(&self) -> Option<u64> {
        None
    }
}
