//! The connection pool, the transaction runner with its retries, and the
//! migrations.

use std::sync::Arc;
use std::time::Duration;

use postgres::error::SqlState;
use postgres::types::{IsNull, ToSql, Type};
use postgres::{Client, GenericClient, IsolationLevel};
use r2d2::Pool;

use super::listen::{self, Generation};
use super::nonces;
use super::pool::{Conn, Manager, Statements};
use crate::nonce::NonceCheck;
use crate::runtime::blocking;
use crate::schema::{migrations, Types};
use crate::sql::{Cell, Dialect, Param, Row, Stmt};
use crate::tx::{
    retry, Backend, Column, ColumnInsert, DbError, DbErrorKind, Lock, Mode, Tx, TxError, TxResult,
};
use crate::{StoreError, StoreResult};

/// Key of the advisory lock held while migrating ("rampart" + 1).
const MIGRATION_LOCK: i64 = 0x7261_6d70_6172_7401;
/// First key of the two-key advisory locks that guard transaction locks
/// ([`Lock`]).
const LOCK_SPACE: i32 = 0x7261_6d70;
/// Connections kept at most per store, unless told otherwise.
pub const DEFAULT_POOL_SIZE: u32 = 16;
/// Connections kept open while idle.
const POOL_MIN_IDLE: u32 = 2;
/// How long a caller waits for a free connection (or a first connect).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Attempts of one transaction that keeps hitting serialization failures.
const ATTEMPTS: u32 = 5;

/// The store for several replicas: a pool of connections to one PostgreSQL
/// database. The replay window is a table, so every replica sees every nonce.
pub struct PostgresStore {
    pool: Pool<Manager>,
    /// Writes the nonces of requests arriving together at once.
    nonces: nonces::Writer,
    /// The write generation, pushed by the other replicas' notifications.
    generation: Arc<Generation>,
}

impl Drop for PostgresStore {
    fn drop(&mut self) {
        self.generation.stop();
    }
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore")
            .field("pool", &self.pool.state())
            .finish_non_exhaustive()
    }
}

/// Classifies a PostgreSQL error: unique violations, and the failures a
/// second try may pass (serialization failures, deadlocks).
pub(crate) fn db_error(e: postgres::Error) -> TxError {
    let kind = match e.code() {
        Some(c) if *c == SqlState::UNIQUE_VIOLATION => DbErrorKind::Unique,
        Some(c)
            if *c == SqlState::T_R_SERIALIZATION_FAILURE
                || *c == SqlState::T_R_DEADLOCK_DETECTED =>
        {
            DbErrorKind::Retry
        }
        _ => DbErrorKind::Other,
    };
    TxError::Db(DbError {
        kind,
        message: describe(&e),
    })
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

impl PostgresStore {
    /// Connects to the database at `url` (`postgres://user@host:port/db`,
    /// with libpq's `sslmode` and `sslrootcert` for TLS) and applies pending
    /// migrations.
    pub fn open(url: &str) -> StoreResult<Self> {
        Self::open_with(url, DEFAULT_POOL_SIZE)
    }

    /// [`Self::open`] with at most `pool_size` pooled connections (one
    /// more listens for the other replicas' writes).
    pub fn open_with(url: &str, pool_size: u32) -> StoreResult<Self> {
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
            .max_size(pool_size.max(1))
            .min_idle(Some(POOL_MIN_IDLE.min(pool_size.max(1))))
            // No round trip on every checkout: a broken connection fails
            // its statement and is dropped (`has_broken`).
            .test_on_check_out(false)
            .connection_timeout(CONNECT_TIMEOUT)
            .build(Manager::new(config.clone(), tls.clone()))
            .map_err(|e| {
                StoreError::Backend(format!("cannot connect to PostgreSQL: {}", describe(&e)))
            })?;
        let mut async_config = config.clone();
        let options = match config.get_options() {
            Some(o) => format!("{o} -c synchronous_commit=off"),
            None => "-c synchronous_commit=off".to_string(),
        };
        async_config.options(&options);
        // The nonce writer's connection, and one to prune expired nonces.
        let nonce_pool = Pool::builder()
            .max_size(2)
            .min_idle(Some(1))
            // No round trip on every checkout: a broken connection fails
            // its statement and is dropped (`has_broken`).
            .test_on_check_out(false)
            .connection_timeout(CONNECT_TIMEOUT)
            .build(Manager::new(async_config, tls.clone()))
            .map_err(|e| {
                StoreError::Backend(format!("cannot connect to PostgreSQL: {}", describe(&e)))
            })?;
        let generation = listen::start(move || config.connect(tls.clone()))
            .map_err(|e| StoreError::Backend(format!("cannot start listening: {e}")))?;
        let (writing, pruning) = (nonce_pool.clone(), nonce_pool.clone());
        let nonces = nonces::Writer::start(
            move |batch| {
                let mut conn = writing.get().map_err(|e| describe(&e))?;
                retry(ATTEMPTS, || nonces::write(&mut conn, batch)).map_err(|e| e.to_string())
            },
            move |now| {
                let pruned = pruning.get().map_err(|e| describe(&e)).and_then(|mut c| {
                    c.client
                        .execute("DELETE FROM nonces WHERE expires_at < $1", &[&now])
                        .map_err(|e| describe(&e))
                });
                if let Err(e) = pruned {
                    tracing::warn!(error = %e, "could not prune expired nonces");
                }
            },
        )
        .map_err(|e| StoreError::Backend(format!("cannot start the nonce writer: {e}")))?;
        Ok(Self {
            pool,
            nonces,
            generation,
        })
    }

    /// Runs `f` on a pooled connection, retrying serialization failures and
    /// deadlocks. Pooled connections are not checked before use (that
    /// would cost a round trip each time): a read that fails because its
    /// connection was closed (the server restarted) runs once more on a new
    /// one; a write is not run again (its commit may have happened).
    fn with_client<T>(
        &self,
        rerun: bool,
        mut f: impl FnMut(&mut Conn) -> TxResult<T>,
    ) -> StoreResult<T> {
        // On a worker of the server's runtime, the other tasks move to
        // another thread while this one waits for the database.
        blocking(|| self.with_client_here(rerun, &mut f))
    }

    fn with_client_here<T>(
        &self,
        rerun: bool,
        f: &mut impl FnMut(&mut Conn) -> TxResult<T>,
    ) -> StoreResult<T> {
        let mut conn = self.pool.get().map_err(|e| backend(&e))?;
        let out = retry(ATTEMPTS, || f(&mut conn));
        if out.is_err() && rerun && conn.client.is_closed() {
            drop(conn);
            let mut conn = self.pool.get().map_err(|e| backend(&e))?;
            return retry(ATTEMPTS, || f(&mut conn));
        }
        out
    }
}

impl ToSql for Param<'_> {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut postgres::types::private::BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match *self {
            Param::Null => Ok(IsNull::Yes),
            // Integers take the width of the column they meet.
            Param::Int(n) if *ty == Type::INT2 => i16::try_from(n)?.to_sql(ty, out),
            Param::Int(n) if *ty == Type::INT4 => i32::try_from(n)?.to_sql(ty, out),
            Param::Int(n) if *ty == Type::BOOL => (n != 0).to_sql(ty, out),
            Param::Int(n) => n.to_sql(ty, out),
            Param::Bool(b) => b.to_sql(ty, out),
            Param::Text(s) => s.to_sql(ty, out),
            Param::Bytes(b) => b.to_sql(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    postgres::types::to_sql_checked!();
}

/// A connection, in a transaction or not, as a [`Tx`]: the statements
/// prepared on it, and whether a statement run on it changed rows.
struct PgTx<'a, C: GenericClient> {
    client: &'a mut C,
    statements: &'a mut Statements,
    changed: bool,
}

impl<'a, C: GenericClient> PgTx<'a, C> {
    fn new(client: &'a mut C, statements: &'a mut Statements) -> Self {
        Self {
            client,
            statements,
            changed: false,
        }
    }

    /// `sql` prepared on this connection (once).
    fn prepared(&mut self, sql: &str) -> TxResult<postgres::Statement> {
        self.statements
            .get(self.client, sql)
            .map_err(|e| self.failed(e))
    }

    /// `e` classified; stale plans (a migration ran meanwhile) are dropped
    /// and the transaction tried again.
    fn failed(&mut self, e: postgres::Error) -> TxError {
        if self.statements.forget_if_stale(&e) {
            return TxError::Db(DbError {
                kind: DbErrorKind::Retry,
                message: describe(&e),
            });
        }
        db_error(e)
    }

    fn bind<'p>(stmt: &'p Stmt, params: &[Param<'p>]) -> TxResult<(&'p str, Vec<Param<'p>>)> {
        let plan = stmt.plan(Dialect::Postgres);
        let bound = plan
            .binds
            .iter()
            .map(|b| Param::resolve(b, params))
            .collect::<TxResult<Vec<_>>>()?;
        Ok((&plan.sql, bound))
    }
}

fn cell(row: &postgres::Row, i: usize) -> Result<Cell, postgres::Error> {
    let ty = row.columns()[i].type_();
    Ok(if *ty == Type::BOOL {
        row.try_get::<_, Option<bool>>(i)?
            .map_or(Cell::Null, |b| Cell::Int(i64::from(b)))
    } else if *ty == Type::INT8 {
        row.try_get::<_, Option<i64>>(i)?
            .map_or(Cell::Null, Cell::Int)
    } else if *ty == Type::INT4 {
        row.try_get::<_, Option<i32>>(i)?
            .map_or(Cell::Null, |n| Cell::Int(i64::from(n)))
    } else if *ty == Type::INT2 {
        row.try_get::<_, Option<i16>>(i)?
            .map_or(Cell::Null, |n| Cell::Int(i64::from(n)))
    } else if *ty == Type::BYTEA {
        row.try_get::<_, Option<Vec<u8>>>(i)?
            .map_or(Cell::Null, Cell::Bytes)
    } else {
        row.try_get::<_, Option<String>>(i)?
            .map_or(Cell::Null, Cell::Text)
    })
}

impl<C: GenericClient> Tx for PgTx<'_, C> {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn query(&mut self, stmt: &Stmt, params: &[Param<'_>]) -> TxResult<Vec<Row>> {
        let (sql, bound) = Self::bind(stmt, params)?;
        let refs: Vec<&(dyn ToSql + Sync)> = bound.iter().map(|p| p as _).collect();
        let prepared = self.prepared(sql)?;
        let rows = self
            .client
            .query(&prepared, &refs)
            .map_err(|e| self.failed(e))?;
        if !sql.starts_with("SELECT") {
            // A write returning rows (`… RETURNING`).
            self.changed = true;
        }
        rows.iter()
            .map(|r| {
                (0..r.len())
                    .map(|i| cell(r, i))
                    .collect::<Result<Vec<_>, _>>()
                    .map(Row)
                    .map_err(db_error)
            })
            .collect()
    }

    fn execute(&mut self, stmt: &Stmt, params: &[Param<'_>]) -> TxResult<u64> {
        let (sql, bound) = Self::bind(stmt, params)?;
        let refs: Vec<&(dyn ToSql + Sync)> = bound.iter().map(|p| p as _).collect();
        let prepared = self.prepared(sql)?;
        let n = self
            .client
            .execute(&prepared, &refs)
            .map_err(|e| self.failed(e))?;
        if n > 0 {
            self.changed = true;
        }
        Ok(n)
    }

    fn insert_columns(&mut self, rows: &ColumnInsert<'_>) -> TxResult<bool> {
        // `INSERT … SELECT * FROM unnest($1::text[], $2::bigint[], …)`: one
        // statement, prepared once, for any number of rows.
        let names: Vec<&str> = rows.columns.iter().map(|(n, _)| *n).collect();
        let arrays: Vec<String> = rows
            .columns
            .iter()
            .enumerate()
            .map(|(i, (_, c))| match c {
                Column::Int(_) => format!("${}::bigint[]", i + 1),
                Column::Text(_) => format!("${}::text[]", i + 1),
            })
            .collect();
        let sql = format!(
            "INSERT INTO {} ({}) SELECT * FROM unnest({}) ON CONFLICT ({}) DO NOTHING",
            rows.table,
            names.join(", "),
            arrays.join(", "),
            rows.unique
        );
        let values: Vec<&(dyn ToSql + Sync)> = rows
            .columns
            .iter()
            .map(|(_, c)| match c {
                Column::Int(v) => v as &(dyn ToSql + Sync),
                Column::Text(v) => v as &(dyn ToSql + Sync),
            })
            .collect();
        let prepared = self.prepared(&sql)?;
        let n = self
            .client
            .execute(&prepared, &values)
            .map_err(|e| self.failed(e))?;
        if n > 0 {
            self.changed = true;
        }
        Ok(true)
    }

    fn lock(&mut self, lock: Lock<'_>) -> TxResult<()> {
        if let Lock::Row(..) = lock {
            // The row lock the rules took serves every replica.
            return Ok(());
        }
        // A transaction-scoped advisory lock: held until commit, so a
        // concurrent writer checks after this one has written.
        let name = lock.name();
        let prepared = self.prepared("SELECT pg_advisory_xact_lock($1, hashtext($2))")?;
        self.client
            .execute(&prepared, &[&LOCK_SPACE, &name])
            .map_err(|e| self.failed(e))?;
        Ok(())
    }
}

impl PostgresStore {
    fn transaction_here<T>(
        &self,
        mode: Mode,
        mut f: impl FnMut(&mut dyn Tx) -> TxResult<T>,
    ) -> StoreResult<T> {
        let (notify, seq) = self.generation.notify();
        let out = self.with_client(mode == Mode::Read, |conn| match mode {
            Mode::Single => {
                let Conn { client, statements } = conn;
                let (out, changed) = {
                    let mut tx = PgTx::new(client, statements);
                    let out = f(&mut tx)?;
                    (out, tx.changed)
                };
                if changed {
                    client.batch_execute(&notify).map_err(db_error)?;
                }
                Ok((out, changed))
            }
            Mode::Read => {
                let Conn { client, statements } = conn;
                let mut tx = client
                    .build_transaction()
                    .isolation_level(IsolationLevel::RepeatableRead)
                    .read_only(true)
                    .start()
                    .map_err(db_error)?;
                let out = f(&mut PgTx::new(&mut tx, statements))?;
                tx.commit().map_err(db_error)?;
                Ok((out, false))
            }
            Mode::Write | Mode::WriteUntracked => {
                let Conn { client, statements } = conn;
                let mut tx = client.transaction().map_err(db_error)?;
                let mut t = PgTx::new(&mut tx, statements);
                let out = f(&mut t)?;
                let changed = t.changed && mode == Mode::Write;
                if changed {
                    // Delivered to every replica if, and once, this commits.
                    tx.batch_execute(&notify).map_err(db_error)?;
                }
                tx.commit().map_err(db_error)?;
                Ok((out, changed))
            }
        });
        // Whatever this replica read before is stale from now on (the
        // notification may take a moment to come back).
        match out {
            Ok((out, changed)) => {
                if changed {
                    self.generation.bump();
                    self.generation.wait_echo(seq);
                }
                Ok(out)
            }
            Err(e) => {
                // A commit whose outcome is unknown may have changed rows.
                if mode == Mode::Write && matches!(e, StoreError::Backend(_)) {
                    self.generation.bump();
                }
                Err(e)
            }
        }
    }
}

impl Backend for PostgresStore {
    fn transaction<T>(
        &self,
        mode: Mode,
        f: impl FnMut(&mut dyn Tx) -> TxResult<T>,
    ) -> StoreResult<T> {
        // On a worker of the server's runtime, the other tasks move to
        // another thread while this one waits for the database.
        blocking(|| self.transaction_here(mode, f))
    }

    fn generation(&self) -> Option<u64> {
        self.generation.current()
    }
}

impl crate::NonceStore for PostgresStore {
    fn use_nonce(&self, key: &str, nonce: &str, now: i64, expires_at: i64) -> StoreResult<bool> {
        self.submit_nonce(key, nonce, now, expires_at).wait()
    }

    fn submit_nonce(&self, key: &str, nonce: &str, now: i64, expires_at: i64) -> NonceCheck {
        NonceCheck::Pending(self.nonces.submit(key, nonce, now, expires_at))
    }
}

/// Applies pending migrations in one transaction holding an advisory lock,
/// so replicas starting together apply each migration once.
fn migrate(c: &mut Client) -> TxResult<()> {
    migrate_in(c).map_err(db_error)
}

fn migrate_in(c: &mut Client) -> Result<(), postgres::Error> {
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
    for (version, sql) in migrations(Dialect::Postgres, Types::DEFAULT) {
        if version <= current {
            continue;
        }
        tx.batch_execute(&sql)?;
        tx.execute(
            "INSERT INTO schema_migrations (version, applied_at) \
             VALUES ($1, EXTRACT(EPOCH FROM now())::BIGINT)",
            &[&version],
        )?;
    }
    tx.commit()?;
    Ok(())
}
