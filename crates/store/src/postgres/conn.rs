//! The connection pool, the transaction runner with its retries, and the
//! migrations.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use postgres::error::SqlState;
use postgres::{Client, GenericClient, IsolationLevel, Transaction};
use r2d2::Pool;
use r2d2_postgres::PostgresConnectionManager;

use crate::{Entity, StoreError, StoreResult};

const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("0001_init.sql")),
    (2, include_str!("0002_policies_roles.sql")),
    (3, include_str!("0003_kms.sql")),
    (4, include_str!("0004_rotation.sql")),
    (5, include_str!("0005_audit.sql")),
    (6, include_str!("0006_rotation_retry_index.sql")),
];

/// Key of the advisory lock held while migrating ("rampart" + 1).
const MIGRATION_LOCK: i64 = 0x7261_6d70_6172_7401;
/// First key of the two-key advisory locks that guard account-wide limits.
const LIMIT_LOCK_SPACE: i32 = 0x7261_6d70;
/// First key of the two-key advisory locks that guard per-resource tag limits.
const TAG_LOCK_SPACE: i32 = 0x7261_6d71;
/// Connections kept at most per store.
const POOL_SIZE: u32 = 16;
/// Connections kept open while idle.
const POOL_MIN_IDLE: u32 = 2;
/// How long a caller waits for a free connection (or a first connect).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Attempts of one transaction that keeps hitting serialization failures.
const ATTEMPTS: u32 = 5;
/// Expired nonces are pruned once every this many `use_nonce` calls.
const PRUNE_EVERY: u64 = 1024;

type Manager = PostgresConnectionManager<rampart_dbtls::MakeTls>;

/// The store for several replicas: a pool of connections to one PostgreSQL
/// database. The replay window is a table, so every replica sees every nonce.
pub struct PostgresStore {
    pool: Pool<Manager>,
    nonce_calls: AtomicU64,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore")
            .field("pool", &self.pool.state())
            .finish_non_exhaustive()
    }
}

/// Why a transaction body stopped: a business outcome to return as is, or a
/// database error (retried if it is a serialization failure or a deadlock).
#[derive(Debug)]
pub(super) enum TxError {
    /// A business outcome (not found, conflict, limit…): rolled back, returned.
    Abort(StoreError),
    /// The database failed.
    Db(postgres::Error),
}

impl From<StoreError> for TxError {
    fn from(e: StoreError) -> Self {
        TxError::Abort(e)
    }
}

impl From<postgres::Error> for TxError {
    fn from(e: postgres::Error) -> Self {
        TxError::Db(e)
    }
}

impl TxError {
    fn retryable(&self) -> bool {
        matches!(self, TxError::Db(e) if e.code() == Some(&SqlState::T_R_SERIALIZATION_FAILURE)
            || e.code() == Some(&SqlState::T_R_DEADLOCK_DETECTED))
    }
}

/// Maps a unique violation to `Conflict(entity)`, anything else to itself.
pub(super) fn unique(entity: Entity) -> impl Fn(postgres::Error) -> TxError {
    move |e| {
        if e.code() == Some(&SqlState::UNIQUE_VIOLATION) {
            TxError::Abort(StoreError::Conflict(entity))
        } else {
            TxError::Db(e)
        }
    }
}

/// An error with its causes, `outer: inner: …` (the driver's own message
/// leaves the server's reason to `source()`).
fn describe(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let text = c.to_string();
        if !out.ends_with(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        cause = c.source();
    }
    out
}

fn backend(e: &dyn std::error::Error) -> StoreError {
    StoreError::Backend(describe(e))
}

/// The account-wide limits whose checks are serialized across replicas.
#[derive(Debug, Clone, Copy)]
pub(super) enum LimitLock {
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
}

/// Takes the transaction-scoped advisory lock guarding `limit`: held until
/// commit, so a concurrent creator counts after this one has inserted.
pub(super) fn lock_limit(tx: &mut Transaction<'_>, limit: LimitLock) -> Result<(), TxError> {
    tx.batch_execute(&format!(
        "SELECT pg_advisory_xact_lock({LIMIT_LOCK_SPACE}, {})",
        limit as i32
    ))?;
    Ok(())
}

/// Takes the advisory lock guarding the tag limit of one resource.
pub(super) fn lock_tags(tx: &mut Transaction<'_>, resource: &str) -> Result<(), TxError> {
    tx.execute(
        "SELECT pg_advisory_xact_lock($1, hashtext($2))",
        &[&TAG_LOCK_SPACE, &resource],
    )?;
    Ok(())
}

/// A `COUNT(*)` query as `u64`.
pub(super) fn count(
    c: &mut impl GenericClient,
    sql: &str,
    params: &[&(dyn postgres::types::ToSql + Sync)],
) -> Result<u64, TxError> {
    let n: i64 = c.query_one(sql, params)?.try_get(0)?;
    Ok(u64::try_from(n).unwrap_or(0))
}

impl PostgresStore {
    /// Connects to the database at `url` (`postgres://user@host:port/db`,
    /// with libpq's `sslmode` and `sslrootcert` for TLS) and applies pending
    /// migrations.
    pub fn open(url: &str) -> StoreResult<Self> {
        let (mut config, tls) =
            rampart_dbtls::postgres(url).map_err(|e| StoreError::Backend(e.to_string()))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        // Migrate on a connection of its own first: a failure to connect is
        // reported here with its cause (the pool keeps only a summary).
        let mut client = config.connect(tls.clone()).map_err(|e| {
            StoreError::Backend(format!("cannot connect to PostgreSQL: {}", describe(&e)))
        })?;
        migrate(&mut client).map_err(|e| match e {
            TxError::Abort(e) => e,
            TxError::Db(e) => StoreError::Backend(format!(
                "cannot migrate the PostgreSQL database: {}",
                describe(&e)
            )),
        })?;
        drop(client);
        let pool = Pool::builder()
            .max_size(POOL_SIZE)
            .min_idle(Some(POOL_MIN_IDLE))
            .connection_timeout(CONNECT_TIMEOUT)
            .build(PostgresConnectionManager::new(config, tls))
            .map_err(|e| {
                StoreError::Backend(format!("cannot connect to PostgreSQL: {}", describe(&e)))
            })?;
        Ok(Self {
            pool,
            nonce_calls: AtomicU64::new(0),
        })
    }

    /// Runs `f` on a pooled connection, retrying serialization failures and
    /// deadlocks with a short, growing, jittered pause.
    fn with_client<T>(
        &self,
        mut f: impl FnMut(&mut Client) -> Result<T, TxError>,
    ) -> StoreResult<T> {
        let mut conn = self.pool.get().map_err(|e| backend(&e))?;
        let mut attempt = 0;
        loop {
            attempt += 1;
            match f(&mut conn) {
                Ok(v) => return Ok(v),
                Err(e) if e.retryable() && attempt < ATTEMPTS => pause(attempt),
                Err(TxError::Abort(e)) => return Err(e),
                Err(TxError::Db(e)) => return Err(backend(&e)),
            }
        }
    }

    /// Runs `f` as one statement (or several) outside an explicit
    /// transaction: for single statements, which are atomic on their own.
    pub(super) fn single<T>(
        &self,
        f: impl FnMut(&mut Client) -> Result<T, TxError>,
    ) -> StoreResult<T> {
        self.with_client(f)
    }

    /// Runs `f` in one read-write transaction; commits only if `f` succeeds.
    pub(super) fn write<T>(
        &self,
        mut f: impl FnMut(&mut Transaction<'_>) -> Result<T, TxError>,
    ) -> StoreResult<T> {
        self.with_client(|c| {
            let mut tx = c.transaction()?;
            let out = f(&mut tx)?;
            tx.commit()?;
            Ok(out)
        })
    }

    /// Runs `f` in one read-only transaction on one snapshot.
    pub(super) fn read<T>(
        &self,
        mut f: impl FnMut(&mut Transaction<'_>) -> Result<T, TxError>,
    ) -> StoreResult<T> {
        self.with_client(|c| {
            let mut tx = c
                .build_transaction()
                .isolation_level(IsolationLevel::RepeatableRead)
                .read_only(true)
                .start()?;
            let out = f(&mut tx)?;
            tx.commit()?;
            Ok(out)
        })
    }

    /// Records a nonce in the shared window; prunes expired rows now and then.
    pub(super) fn record_nonce(
        &self,
        key: &str,
        nonce: &str,
        now: i64,
        expires_at: i64,
    ) -> StoreResult<bool> {
        let calls = self.nonce_calls.fetch_add(1, Ordering::Relaxed) + 1;
        self.single(|c| {
            // Inserts, or takes over a row whose window has passed; a live row
            // (even one a concurrent replica is inserting) returns nothing.
            let fresh = c
                .query_opt(
                    "INSERT INTO nonces (access_key_id, nonce, expires_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (access_key_id, nonce) DO UPDATE SET expires_at = EXCLUDED.expires_at \
                     WHERE nonces.expires_at < $4 RETURNING 1",
                    &[&key, &nonce, &expires_at, &now],
                )?
                .is_some();
            if calls.is_multiple_of(PRUNE_EVERY) {
                c.execute("DELETE FROM nonces WHERE expires_at < $1", &[&now])?;
            }
            Ok(fresh)
        })
    }
}

fn pause(attempt: u32) {
    let jitter = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::from(d.subsec_nanos() % 5_000))
        .unwrap_or(0);
    std::thread::sleep(Duration::from_micros(u64::from(attempt) * 5_000 + jitter));
}

/// Applies pending migrations in one transaction holding an advisory lock,
/// so replicas starting together apply each migration once.
fn migrate(c: &mut Client) -> Result<(), TxError> {
    let mut tx = c.transaction()?;
    tx.batch_execute(&format!(
        "SELECT pg_advisory_xact_lock({MIGRATION_LOCK}); \
         SET LOCAL client_min_messages = warning; \
         CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)"
    ))?;
    let current: i64 = tx
        .query_one(
            "SELECT COALESCE(MAX(version), 0)::BIGINT FROM schema_migrations",
            &[],
        )?
        .try_get(0)?;
    for (version, sql) in MIGRATIONS {
        if *version <= current {
            continue;
        }
        tx.batch_execute(sql)?;
        tx.execute(
            "INSERT INTO schema_migrations (version, applied_at) \
             VALUES ($1, EXTRACT(EPOCH FROM now())::BIGINT)",
            &[version],
        )?;
    }
    tx.commit()?;
    Ok(())
}
