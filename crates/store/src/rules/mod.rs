//! The store's rules and queries, written once for every [`Backend`]:
//! each store trait is implemented here for every type that implements
//! [`Backend`], over the dialect-neutral [`Tx`].
//!
//! A rule that several replicas could race (a limit, dependents before a
//! delete, a lease) takes a row lock (`FOR UPDATE`/`FOR SHARE`, rendered
//! per dialect; nothing on SQLite, where one writer runs at a time) or a
//! [`Lock`](crate::tx::Lock) before it reads what it checks. Uniqueness is
//! the indexes' job: a unique violation becomes `Conflict`.

mod audit;
mod federation;
mod groups;
mod kms;
mod mfa;
mod policies;
mod roles;
mod rotation;
mod secrets;
mod sessions;
mod settings;
mod users;

use sea_query::{Expr, InsertStatement, Query, SelectStatement, SimpleExpr};

use crate::sql::{p, Row, Statement};
use crate::tx::TxResult;

impl From<InsertStatement> for Statement {
    fn from(s: InsertStatement) -> Self {
        Statement::Insert(Box::new(s))
    }
}

/// `INSERT INTO table (cols…) VALUES (slot 0, slot 1, …)`.
pub(crate) fn insert(table: &'static str, cols: &[&'static str]) -> InsertStatement {
    let mut q = Query::insert();
    q.into_table(table).columns(cols.iter().copied());
    // The values match the columns one for one, so this cannot fail.
    let _ = q.values((0..cols.len()).map(|i| p(u8::try_from(i).unwrap_or(u8::MAX))));
    q
}

/// `SELECT cols… FROM table`.
pub(crate) fn select(table: &'static str, cols: &[&'static str]) -> SelectStatement {
    Query::select()
        .columns(cols.iter().copied())
        .from(table)
        .take()
}

/// `SELECT COUNT(*) FROM table WHERE col = slot i AND …`.
pub(crate) fn count_where(table: &'static str, conds: &[(&'static str, u8)]) -> SelectStatement {
    let mut q = select(table, &[]).expr(Expr::cust("COUNT(*)")).take();
    for (col, i) in conds {
        q.and_where(eq(col, *i));
    }
    q
}

/// `col = slot i`.
pub(crate) fn eq(col: &'static str, i: u8) -> SimpleExpr {
    Expr::col(col).eq(p(i))
}

/// Maps every row with `f`.
pub(crate) fn map<T>(rows: Vec<Row>, f: impl Fn(&mut Row) -> TxResult<T>) -> TxResult<Vec<T>> {
    rows.into_iter().map(|mut r| f(&mut r)).collect()
}

/// The first column of every row, as text.
pub(crate) fn texts(rows: Vec<Row>) -> TxResult<Vec<String>> {
    map(rows, |r| r.text(0))
}

/// How a lookup locks the row it finds until the transaction ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RowLock {
    /// A plain read.
    None,
    /// `FOR SHARE`: the row cannot be deleted (or locked for update) meanwhile.
    Share,
    /// `FOR UPDATE`: serializes every check made under this row.
    Update,
}

impl RowLock {
    /// `q` with this lock.
    pub(crate) fn apply(self, mut q: SelectStatement) -> Statement {
        match self {
            RowLock::None => {}
            RowLock::Share => {
                q.lock_shared();
            }
            RowLock::Update => {
                q.lock_exclusive();
            }
        }
        q.into()
    }
}

/// After a lookup with `lock` found `table`'s row `key`: makes the row
/// lock hold for every replica (see [`Lock::Row`](crate::tx::Lock::Row)).
pub(crate) fn hold(
    tx: &mut dyn crate::tx::Tx,
    lock: RowLock,
    table: &str,
    key: &str,
) -> TxResult<()> {
    if lock == RowLock::None {
        return Ok(());
    }
    tx.lock(crate::tx::Lock::Row(table, key))
}

/// Three statements that differ only by their row lock.
pub(crate) struct Locked {
    pub(crate) none: crate::sql::Stmt,
    pub(crate) share: crate::sql::Stmt,
    pub(crate) update: crate::sql::Stmt,
}

impl Locked {
    /// The statement with `lock`.
    pub(crate) fn with(&self, lock: RowLock) -> &crate::sql::Stmt {
        match lock {
            RowLock::None => &self.none,
            RowLock::Share => &self.share,
            RowLock::Update => &self.update,
        }
    }
}

/// Defines a [`Locked`] from a function building the unlocked select.
macro_rules! locked {
    ($name:ident, $build:expr) => {
        static $name: $crate::rules::Locked = $crate::rules::Locked {
            none: $crate::sql::Stmt::new(|d| $crate::rules::RowLock::None.apply($build(d))),
            share: $crate::sql::Stmt::new(|d| $crate::rules::RowLock::Share.apply($build(d))),
            update: $crate::sql::Stmt::new(|d| $crate::rules::RowLock::Update.apply($build(d))),
        };
    };
}
pub(crate) use locked;
