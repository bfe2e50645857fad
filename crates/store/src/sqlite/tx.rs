//! SQLite under the transaction interface: statements run on one
//! connection (the writer inside an immediate transaction, or a reader),
//! with rusqlite's statement cache.

use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, ToSql};

use super::conn::SqliteStore;
use crate::sql::{Cell, Dialect, Param, Row, Stmt};
use crate::tx::{Backend, DbError, DbErrorKind, Lock, Mode, Tx, TxError, TxResult};
use crate::StoreResult;

impl ToSql for Param<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match *self {
            Param::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Param::Int(n) => ToSqlOutput::Borrowed(ValueRef::Integer(n)),
            Param::Bool(b) => ToSqlOutput::Borrowed(ValueRef::Integer(i64::from(b))),
            Param::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Param::Bytes(b) => ToSqlOutput::Borrowed(ValueRef::Blob(b)),
        })
    }
}

/// Classifies a SQLite error.
pub(crate) fn db_error(e: rusqlite::Error) -> TxError {
    const UNIQUE: i32 = 2067; // SQLITE_CONSTRAINT_UNIQUE
    const PRIMARY_KEY: i32 = 1555; // SQLITE_CONSTRAINT_PRIMARYKEY
    let kind = match &e {
        rusqlite::Error::SqliteFailure(f, _)
            if f.extended_code == UNIQUE || f.extended_code == PRIMARY_KEY =>
        {
            DbErrorKind::Unique
        }
        _ => DbErrorKind::Other,
    };
    TxError::Db(DbError {
        kind,
        message: e.to_string(),
    })
}

/// One connection (inside a transaction or not) as a [`Tx`].
pub(crate) struct SqliteTx<'a>(pub(crate) &'a Connection);

impl SqliteTx<'_> {
    fn prepare(
        &self,
        stmt: &Stmt,
        params: &[Param<'_>],
    ) -> TxResult<rusqlite::CachedStatement<'_>> {
        let plan = stmt.plan(Dialect::Sqlite);
        let mut st = self.0.prepare_cached(&plan.sql).map_err(db_error)?;
        for (i, bind) in plan.binds.iter().enumerate() {
            let p = Param::resolve(bind, params)?;
            st.raw_bind_parameter(i + 1, p).map_err(db_error)?;
        }
        Ok(st)
    }
}

impl Tx for SqliteTx<'_> {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn query(&mut self, stmt: &Stmt, params: &[Param<'_>]) -> TxResult<Vec<Row>> {
        let mut st = self.prepare(stmt, params)?;
        let width = st.column_count();
        let mut rows = st.raw_query();
        let mut out = Vec::new();
        while let Some(r) = rows.next().map_err(db_error)? {
            let mut cells = Vec::with_capacity(width);
            for i in 0..width {
                cells.push(match r.get_ref(i).map_err(db_error)? {
                    ValueRef::Null => Cell::Null,
                    ValueRef::Integer(n) => Cell::Int(n),
                    // No column is a float: a float here is a misuse.
                    ValueRef::Real(f) => Cell::Text(f.to_string()),
                    ValueRef::Text(t) => Cell::Text(String::from_utf8_lossy(t).into_owned()),
                    ValueRef::Blob(b) => Cell::Bytes(b.to_vec()),
                });
            }
            out.push(Row(cells));
        }
        Ok(out)
    }

    fn execute(&mut self, stmt: &Stmt, params: &[Param<'_>]) -> TxResult<u64> {
        let mut st = self.prepare(stmt, params)?;
        let n = st.raw_execute().map_err(db_error)?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    fn lock(&mut self, _lock: Lock<'_>) -> TxResult<()> {
        // One writer at a time holds the whole database.
        Ok(())
    }
}

impl Backend for SqliteStore {
    fn transaction<T>(
        &self,
        mode: Mode,
        mut f: impl FnMut(&mut dyn Tx) -> TxResult<T>,
    ) -> StoreResult<T> {
        let mut run = |c: &Connection| f(&mut SqliteTx(c)).map_err(TxError::into_store);
        match mode {
            Mode::Write => self.write(true, &mut run),
            Mode::WriteUntracked => self.write(false, &mut run),
            Mode::Read => self.read(&mut run),
            Mode::Single => self.read_single(&mut run),
        }
    }

    fn generation(&self) -> Option<u64> {
        self.current_generation()
    }
}

impl crate::NonceStore for SqliteStore {
    fn use_nonce(
        &self,
        access_key_id: &str,
        nonce: &str,
        now: i64,
        expires_at: i64,
    ) -> StoreResult<bool> {
        Ok(self.record_nonce(access_key_id, nonce, now, expires_at))
    }
}
