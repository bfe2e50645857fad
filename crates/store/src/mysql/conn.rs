//! The connection pool, the transaction runner with its retries, the
//! replay window and the migrations.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use mysql::consts::CapabilityFlags;
use mysql::prelude::Queryable;
use mysql::{
    AccessMode, IsolationLevel, Opts, OptsBuilder, Pool, PoolConstraints, PoolOpts, TxOpts, Value,
};

use crate::schema::{migrations, statements, Types};
use crate::sql::{Cell, Dialect, Param, Row, Stmt};
use crate::tx::{retry, Backend, DbError, DbErrorKind, Lock, Mode, Tx, TxError, TxResult};
use crate::{StoreError, StoreResult};

/// Connections kept at most per store, unless told otherwise.
const POOL_MAX: usize = 16;
/// Connections kept open while idle.
const POOL_MIN: usize = 2;
/// How long a caller waits for a free connection, or a connection to open.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Attempts of one transaction that keeps being refused.
const ATTEMPTS: u32 = 8;
/// Expired nonces are pruned once every this many `use_nonce` calls.
const PRUNE_EVERY: u64 = 1024;
/// The named lock held while migrating.
const MIGRATION_LOCK: &str = "rampart_migrations";

/// Error codes of the server.
mod code {
    /// `ER_DUP_ENTRY`.
    pub const DUPLICATE: u16 = 1062;
    /// `ER_LOCK_DEADLOCK`: a deadlock, or a Galera certification conflict
    /// (or a brute-force abort by a replicated write).
    pub const DEADLOCK: u16 = 1213;
    /// `ER_LOCK_WAIT_TIMEOUT`.
    pub const LOCK_WAIT: u16 = 1205;
    /// `ER_UNKNOWN_COM_ERROR`: a Galera node not ready for queries.
    pub const NOT_READY: u16 = 1047;
    /// `ER_TABLE_EXISTS_ERROR`, `ER_DUP_FIELDNAME`, `ER_DUP_KEYNAME`: a
    /// migration step already applied.
    pub const ALREADY: [u16; 3] = [1050, 1060, 1061];
}

/// The store for several replicas on MariaDB or MySQL (one server, or the
/// nodes of a Galera cluster): a pool of connections to one database.
pub struct MysqlStore {
    pool: Pool,
    nonce_calls: AtomicU64,
    /// The database is a Galera node: row locks stay on it.
    galera: bool,
}

impl std::fmt::Debug for MysqlStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MysqlStore").finish_non_exhaustive()
    }
}

/// Classifies a MySQL error: duplicate keys, and the refusals a second
/// try may pass.
fn db_error(e: mysql::Error) -> TxError {
    let kind = match &e {
        mysql::Error::MySqlError(m) if m.code == code::DUPLICATE => DbErrorKind::Unique,
        mysql::Error::MySqlError(m)
            if [code::DEADLOCK, code::LOCK_WAIT, code::NOT_READY].contains(&m.code) =>
        {
            DbErrorKind::Retry
        }
        _ => DbErrorKind::Other,
    };
    TxError::Db(DbError {
        kind,
        message: e.to_string(),
    })
}

fn backend(context: &str, e: mysql::Error) -> StoreError {
    StoreError::Backend(format!("{context}: {e}"))
}

impl MysqlStore {
    /// Connects to the database at `url` (`mysql://user:pass@host:port/db`)
    /// and applies pending migrations.
    pub fn open(url: &str) -> StoreResult<Self> {
        Self::open_with(url, POOL_MAX as u32)
    }

    /// [`Self::open`] with at most `pool_size` pooled connections.
    pub fn open_with(url: &str, pool_size: u32) -> StoreResult<Self> {
        let max = usize::try_from(pool_size.max(1)).unwrap_or(POOL_MAX);
        let opts = Opts::from_url(url)
            .map_err(|e| StoreError::Backend(format!("invalid MySQL URL: {e}")))?;
        let constraints = PoolConstraints::new(POOL_MIN.min(max), max)
            .ok_or_else(|| StoreError::Backend("invalid pool size".into()))?;
        let mut init = vec![
            "SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_DATE,NO_ZERO_IN_DATE,\
             ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION'",
            "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED",
            "SET NAMES utf8mb4",
        ];
        let opts = OptsBuilder::from_opts(opts)
            .tcp_connect_timeout(Some(CONNECT_TIMEOUT))
            // Rows an UPDATE matched, not only those it changed: the rules
            // tell "not found" from "unchanged".
            .additional_capabilities(CapabilityFlags::CLIENT_FOUND_ROWS)
            .init(init.clone());
        // Migrate on a connection of its own first: a failure to connect is
        // reported here with its cause.
        let mut conn =
            mysql::Conn::new(opts.clone()).map_err(|e| backend("cannot connect to MySQL", e))?;
        migrate(&mut conn).map_err(|e| backend("cannot migrate the MySQL database", e))?;
        // On a Galera node, a read first waits until the node has applied
        // what the cluster committed before it: a replica reads what another
        // wrote through another node.
        let galera: Option<i64> = conn.query_first("SELECT @@wsrep_on").unwrap_or(None);
        if galera == Some(1) {
            init.push("SET SESSION wsrep_sync_wait = 1");
        }
        drop(conn);
        let opts = opts.init(init).pool_opts(
            PoolOpts::default()
                .with_constraints(constraints)
                // Keeps each connection's prepared statements.
                .with_reset_connection(false),
        );
        let pool = Pool::new(opts).map_err(|e| backend("cannot connect to MySQL", e))?;
        Ok(Self {
            pool,
            nonce_calls: AtomicU64::new(0),
            galera: galera == Some(1),
        })
    }

    /// Runs `f` on a pooled connection, retrying refused transactions.
    fn with_conn<T>(
        &self,
        mut f: impl FnMut(&mut mysql::PooledConn) -> TxResult<T>,
    ) -> StoreResult<T> {
        let mut conn = self
            .pool
            .try_get_conn(CONNECT_TIMEOUT)
            .map_err(|e| backend("cannot reach MySQL", e))?;
        retry(ATTEMPTS, || f(&mut conn))
    }
}

fn value(p: Param<'_>) -> Value {
    match p {
        Param::Null => Value::NULL,
        Param::Int(n) => Value::Int(n),
        Param::Bool(b) => Value::Int(i64::from(b)),
        Param::Text(s) => Value::Bytes(s.as_bytes().to_vec()),
        Param::Bytes(b) => Value::Bytes(b.to_vec()),
    }
}

fn cell(v: Value) -> Cell {
    match v {
        Value::NULL => Cell::Null,
        Value::Int(n) => Cell::Int(n),
        Value::UInt(n) => Cell::Int(i64::try_from(n).unwrap_or(i64::MAX)),
        Value::Bytes(b) => Cell::Bytes(b),
        // No column is a float or a date: shown as text if one turns up.
        other => Cell::Text(other.as_sql(true)),
    }
}

/// A connection, in a transaction or not, as a [`Tx`]; whether it is to a
/// Galera node.
struct MyTx<'a, C: Queryable>(&'a mut C, bool);

impl<C: Queryable> MyTx<'_, C> {
    fn bind<'p>(stmt: &'p Stmt, params: &[Param<'_>]) -> TxResult<(&'p str, Vec<Value>)> {
        let plan = stmt.plan(Dialect::Mysql);
        let values = plan
            .binds
            .iter()
            .map(|b| Param::resolve(b, params).map(value))
            .collect::<TxResult<Vec<_>>>()?;
        Ok((&plan.sql, values))
    }
}

impl<C: Queryable> Tx for MyTx<'_, C> {
    fn dialect(&self) -> Dialect {
        Dialect::Mysql
    }

    fn query(&mut self, stmt: &Stmt, params: &[Param<'_>]) -> TxResult<Vec<Row>> {
        let (sql, values) = Self::bind(stmt, params)?;
        let rows: Vec<mysql::Row> = self.0.exec(sql, values).map_err(db_error)?;
        Ok(rows
            .into_iter()
            .map(|r| Row(r.unwrap().into_iter().map(cell).collect()))
            .collect())
    }

    fn execute(&mut self, stmt: &Stmt, params: &[Param<'_>]) -> TxResult<u64> {
        let (sql, values) = Self::bind(stmt, params)?;
        let result = self.0.exec_iter(sql, values).map_err(db_error)?;
        Ok(result.affected_rows())
    }

    fn lock(&mut self, lock: Lock<'_>) -> TxResult<()> {
        if let (Lock::Row(..), false) = (lock, self.1) {
            // On one server, the row lock the rules took serves every replica.
            return Ok(());
        }
        self.0
            .exec_drop(
                "INSERT INTO locks (name, n) VALUES (?, 1) ON DUPLICATE KEY UPDATE n = n + 1",
                (lock.name(),),
            )
            .map_err(db_error)
    }
}

impl Backend for MysqlStore {
    fn transaction<T>(
        &self,
        mode: Mode,
        mut f: impl FnMut(&mut dyn Tx) -> TxResult<T>,
    ) -> StoreResult<T> {
        self.with_conn(|c| {
            let opts = match mode {
                Mode::Single => return f(&mut MyTx(c, self.galera)),
                Mode::Read => TxOpts::default()
                    .set_with_consistent_snapshot(true)
                    .set_isolation_level(Some(IsolationLevel::RepeatableRead))
                    .set_access_mode(Some(AccessMode::ReadOnly)),
                Mode::Write | Mode::WriteUntracked => {
                    TxOpts::default().set_isolation_level(Some(IsolationLevel::ReadCommitted))
                }
            };
            let mut tx = c.start_transaction(opts).map_err(db_error)?;
            let out = f(&mut MyTx(&mut tx, self.galera))?;
            tx.commit().map_err(db_error)?;
            Ok(out)
        })
    }
}

impl crate::NonceStore for MysqlStore {
    fn use_nonce(&self, key: &str, nonce: &str, now: i64, expires_at: i64) -> StoreResult<bool> {
        let calls = self.nonce_calls.fetch_add(1, Ordering::Relaxed) + 1;
        self.with_conn(|c| {
            let opts = TxOpts::default().set_isolation_level(Some(IsolationLevel::ReadCommitted));
            let mut tx = c.start_transaction(opts).map_err(db_error)?;
            // A row whose window has passed is free again.
            tx.exec_drop(
                "DELETE FROM nonces WHERE access_key_id = ? AND nonce = ? AND expires_at < ?",
                (key, nonce, now),
            )
            .map_err(db_error)?;
            // A live row (even one another replica is inserting: this waits
            // for it, or conflicts with it on a Galera cluster) refuses.
            let fresh = match tx.exec_drop(
                "INSERT INTO nonces (access_key_id, nonce, expires_at) VALUES (?, ?, ?)",
                (key, nonce, expires_at),
            ) {
                Ok(()) => true,
                Err(e) => match db_error(e) {
                    TxError::Db(d) if d.kind == DbErrorKind::Unique => false,
                    other => return Err(other),
                },
            };
            if calls.is_multiple_of(PRUNE_EVERY) {
                tx.exec_drop("DELETE FROM nonces WHERE expires_at < ?", (now,))
                    .map_err(db_error)?;
            }
            tx.commit().map_err(db_error)?;
            Ok(fresh)
        })
    }
}

/// Applies pending migrations under a named lock. MySQL commits each
/// schema change on its own: a step found already applied (by a replica
/// that started at the same time on another Galera node, or by a run cut
/// short) is skipped, so a migration can always be run again.
fn migrate(c: &mut mysql::Conn) -> mysql::Result<()> {
    // A named lock is local to a node on Galera; the steps are idempotent.
    let _: Option<Option<i64>> = c.exec_first("SELECT GET_LOCK(?, 60)", (MIGRATION_LOCK,))?;
    let result = (|| {
        c.query_drop(
            "CREATE TABLE IF NOT EXISTS schema_migrations \
             (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL) ENGINE=InnoDB",
        )?;
        let current: Option<i64> =
            c.query_first("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")?;
        let current = current.unwrap_or(0);
        // MariaDB's binary collation without trailing-space padding, so
        // `a` and `a ` are two names, as on the other databases.
        let nopad: Option<i64> = c.query_first(
            "SELECT COUNT(*) FROM information_schema.COLLATIONS \
             WHERE COLLATION_NAME = 'utf8mb4_nopad_bin'",
        )?;
        let types = Types {
            binary_collation: if nopad.unwrap_or(0) > 0 {
                "utf8mb4_nopad_bin"
            } else {
                "utf8mb4_bin"
            },
        };
        for (version, sql) in migrations(Dialect::Mysql, types) {
            if version <= current {
                continue;
            }
            for statement in statements(&sql) {
                match c.query_drop(&statement) {
                    Ok(()) => {}
                    Err(mysql::Error::MySqlError(e)) if code::ALREADY.contains(&e.code) => {}
                    Err(e) => return Err(e),
                }
            }
            c.exec_drop(
                "INSERT IGNORE INTO schema_migrations (version, applied_at) \
                 VALUES (?, UNIX_TIMESTAMP())",
                (version,),
            )?;
        }
        Ok(())
    })();
    let _: Option<Option<i64>> = c.exec_first("SELECT RELEASE_LOCK(?)", (MIGRATION_LOCK,))?;
    result
}
