//! Statements written once with `sea-query` and rendered once per dialect.
//!
//! A [`Stmt`] is a function from a [`Dialect`] to a `sea-query` statement.
//! Its parameters are *slots* ([`p`], [`lim`]) instead of values: the
//! statement is rendered the first time a dialect runs it, and the SQL text
//! with the order of its slots is kept ([`Plan`]). Each call then binds its
//! [`Param`]s to that text: building and rendering a statement costs tens
//! of microseconds, more than a whole cached read on the embedded store.

use std::sync::OnceLock;

use sea_query::{
    DeleteStatement, Expr, InsertStatement, MysqlQueryBuilder, PostgresQueryBuilder, QueryBuilder,
    SelectStatement, SimpleExpr, SqliteQueryBuilder, UpdateStatement, Value,
};

use crate::tx::{DbError, TxError, TxResult};

/// The SQL dialects Rampart speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// SQLite 3 (embedded).
    Sqlite,
    /// PostgreSQL 12 or later.
    Postgres,
    /// MariaDB 10.6 or later, MySQL 8 (and Galera clusters of MariaDB).
    Mysql,
}

impl Dialect {
    fn index(self) -> usize {
        match self {
            Dialect::Sqlite => 0,
            Dialect::Postgres => 1,
            Dialect::Mysql => 2,
        }
    }

    fn builder(self) -> &'static dyn QueryBuilder {
        match self {
            Dialect::Sqlite => &SqliteQueryBuilder,
            Dialect::Postgres => &PostgresQueryBuilder,
            Dialect::Mysql => &MysqlQueryBuilder,
        }
    }

    /// The literal `true`, written as each dialect's partial indexes expect
    /// it (SQLite matches a partial index only on the same literal).
    pub fn true_literal(self) -> SimpleExpr {
        match self {
            Dialect::Postgres => Expr::cust("TRUE"),
            Dialect::Sqlite | Dialect::Mysql => Expr::cust("1"),
        }
    }

    /// A custom SQL fragment whose `?` marks stand for `exprs`, in order.
    pub fn cust<const N: usize>(self, template: &str, exprs: [SimpleExpr; N]) -> SimpleExpr {
        if self != Dialect::Postgres {
            return Expr::cust_with_exprs(template, exprs);
        }
        // sea-query reads `$n` marks in PostgreSQL fragments.
        let mut out = String::with_capacity(template.len() + 4 * N);
        let mut n = 0;
        for ch in template.chars() {
            if ch == '?' {
                n += 1;
                out.push('$');
                out.push_str(&n.to_string());
            } else {
                out.push(ch);
            }
        }
        Expr::cust_with_exprs(out, exprs)
    }
}

/// A statement of any kind (built once per dialect: boxed).
pub enum Statement {
    /// `SELECT`.
    Select(Box<SelectStatement>),
    /// `INSERT`.
    Insert(Box<InsertStatement>),
    /// `UPDATE`.
    Update(Box<UpdateStatement>),
    /// `DELETE`.
    Delete(Box<DeleteStatement>),
}

impl From<&mut SelectStatement> for Statement {
    fn from(s: &mut SelectStatement) -> Self {
        Statement::Select(Box::new(s.take()))
    }
}

impl From<&mut InsertStatement> for Statement {
    fn from(s: &mut InsertStatement) -> Self {
        Statement::Insert(Box::new(s.to_owned()))
    }
}

impl From<&mut UpdateStatement> for Statement {
    fn from(s: &mut UpdateStatement) -> Self {
        Statement::Update(Box::new(s.to_owned()))
    }
}

impl From<&mut DeleteStatement> for Statement {
    fn from(s: &mut DeleteStatement) -> Self {
        Statement::Delete(Box::new(s.to_owned()))
    }
}

impl From<SelectStatement> for Statement {
    fn from(s: SelectStatement) -> Self {
        Statement::Select(Box::new(s))
    }
}

/// What one placeholder of a rendered statement is bound to.
#[derive(Debug, Clone)]
pub enum Bind {
    /// The caller's parameter at this index.
    Slot(usize),
    /// A constant written in the statement.
    Const(Value),
}

/// A statement rendered for one dialect: its text and what each of its
/// placeholders is bound to, in order.
#[derive(Debug)]
pub struct Plan {
    /// The SQL text.
    pub sql: String,
    /// One entry per placeholder.
    pub binds: Vec<Bind>,
}

/// A statement written once, rendered at most once per dialect.
pub struct Stmt {
    build: fn(Dialect) -> Statement,
    plans: [OnceLock<Plan>; 3],
}

/// The first `LIMIT`/`OFFSET` slot: sea-query takes them as numbers, so a
/// slot is a number no real limit reaches.
const LIMIT_SLOT: u64 = 1 << 62;

/// The parameter slot `i`.
pub fn p(i: u8) -> SimpleExpr {
    Expr::val(Value::TinyUnsigned(Some(i))).into()
}

/// The parameter slot `i` as a `LIMIT` or `OFFSET`.
pub fn lim(i: u8) -> u64 {
    LIMIT_SLOT + u64::from(i)
}

impl Stmt {
    /// A statement built by `build` for each dialect that runs it.
    pub const fn new(build: fn(Dialect) -> Statement) -> Self {
        Self {
            build,
            plans: [OnceLock::new(), OnceLock::new(), OnceLock::new()],
        }
    }

    /// The statement rendered for `dialect` (rendered on first use).
    pub fn plan(&self, dialect: Dialect) -> &Plan {
        self.plans[dialect.index()].get_or_init(|| render((self.build)(dialect), dialect))
    }
}

fn render(statement: Statement, dialect: Dialect) -> Plan {
    let builder = dialect.builder();
    let (mut sql, values) = match statement {
        Statement::Select(s) => s.build_any(builder),
        Statement::Insert(s) => s.build_any(builder),
        Statement::Update(s) => s.build_any(builder),
        Statement::Delete(s) => s.build_any(builder),
    };
    if dialect == Dialect::Mysql && sql.ends_with(" FOR SHARE") {
        // MariaDB spells a shared row lock the older way.
        sql.truncate(sql.len() - " FOR SHARE".len());
        sql.push_str(" LOCK IN SHARE MODE");
    }
    let binds = values
        .into_iter()
        .map(|v| match v {
            Value::TinyUnsigned(Some(i)) => Bind::Slot(usize::from(i)),
            Value::BigUnsigned(Some(n)) if n >= LIMIT_SLOT => {
                Bind::Slot(usize::try_from(n - LIMIT_SLOT).unwrap_or(usize::MAX))
            }
            other => Bind::Const(other),
        })
        .collect();
    Plan { sql, binds }
}

/// A value bound to a statement's slot.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Param<'a> {
    /// SQL `NULL`.
    Null,
    /// An integer.
    Int(i64),
    /// A boolean.
    Bool(bool),
    /// Text.
    Text(&'a str),
    /// Bytes.
    Bytes(&'a [u8]),
}

impl<'a> Param<'a> {
    /// The parameter a placeholder is bound to: the caller's, or a constant
    /// of the statement.
    pub fn resolve(bind: &'a Bind, params: &[Param<'a>]) -> TxResult<Param<'a>> {
        match bind {
            Bind::Slot(i) => match params.get(*i).copied() {
                // PostgreSQL refuses a NUL in text; SQLite and MySQL keep
                // it: every backend refuses it alike.
                Some(Param::Text(s)) if s.contains('\0') => {
                    Err(TxError::Abort(crate::StoreError::NulInText))
                }
                Some(p) => Ok(p),
                None => Err(TxError::Db(DbError::other(format!(
                    "statement parameter {i} missing"
                )))),
            },
            Bind::Const(v) => Ok(match v {
                Value::Bool(Some(b)) => Param::Bool(*b),
                Value::TinyInt(Some(n)) => Param::Int(i64::from(*n)),
                Value::SmallInt(Some(n)) => Param::Int(i64::from(*n)),
                Value::Int(Some(n)) => Param::Int(i64::from(*n)),
                Value::BigInt(Some(n)) => Param::Int(*n),
                Value::SmallUnsigned(Some(n)) => Param::Int(i64::from(*n)),
                Value::Unsigned(Some(n)) => Param::Int(i64::from(*n)),
                Value::BigUnsigned(Some(n)) => Param::Int(i64::try_from(*n).unwrap_or(i64::MAX)),
                Value::String(Some(s)) => Param::Text(s.as_str()),
                Value::Bytes(Some(b)) => Param::Bytes(b.as_slice()),
                _ => Param::Null,
            }),
        }
    }
}

impl<'a> From<&'a str> for Param<'a> {
    fn from(s: &'a str) -> Self {
        Param::Text(s)
    }
}

impl<'a> From<&'a String> for Param<'a> {
    fn from(s: &'a String) -> Self {
        Param::Text(s)
    }
}

impl<'a> From<Option<&'a str>> for Param<'a> {
    fn from(s: Option<&'a str>) -> Self {
        s.map_or(Param::Null, Param::Text)
    }
}

impl<'a> From<&'a Option<String>> for Param<'a> {
    fn from(s: &'a Option<String>) -> Self {
        s.as_deref().map_or(Param::Null, Param::Text)
    }
}

impl From<i64> for Param<'_> {
    fn from(n: i64) -> Self {
        Param::Int(n)
    }
}

impl From<u32> for Param<'_> {
    fn from(n: u32) -> Self {
        Param::Int(i64::from(n))
    }
}

impl From<u64> for Param<'_> {
    fn from(n: u64) -> Self {
        Param::Int(i64::try_from(n).unwrap_or(i64::MAX))
    }
}

impl From<Option<i64>> for Param<'_> {
    fn from(n: Option<i64>) -> Self {
        n.map_or(Param::Null, Param::Int)
    }
}

impl From<bool> for Param<'_> {
    fn from(b: bool) -> Self {
        Param::Bool(b)
    }
}

impl<'a> From<&'a [u8]> for Param<'a> {
    fn from(b: &'a [u8]) -> Self {
        Param::Bytes(b)
    }
}

impl<'a> From<&'a Vec<u8>> for Param<'a> {
    fn from(b: &'a Vec<u8>) -> Self {
        Param::Bytes(b)
    }
}

/// One value read from a row.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Cell {
    /// SQL `NULL`.
    #[default]
    Null,
    /// An integer (booleans are 0 and 1).
    Int(i64),
    /// Text.
    Text(String),
    /// Bytes (MySQL sends text as bytes too).
    Bytes(Vec<u8>),
}

/// A row read by a query; each getter takes its cell out.
#[derive(Debug, Clone, Default)]
pub struct Row(pub Vec<Cell>);

fn wrong(i: usize, want: &str, got: &Cell) -> TxError {
    let got = match got {
        Cell::Null => "NULL",
        Cell::Int(_) => "an integer",
        Cell::Text(_) => "text",
        Cell::Bytes(_) => "bytes",
    };
    TxError::Db(DbError::other(format!(
        "column {i}: expected {want}, found {got}"
    )))
}

impl Row {
    fn take(&mut self, i: usize) -> TxResult<Cell> {
        self.0
            .get_mut(i)
            .map(std::mem::take)
            .ok_or_else(|| TxError::Db(DbError::other(format!("column {i} missing"))))
    }

    /// A text column that may be `NULL`.
    pub fn opt_text(&mut self, i: usize) -> TxResult<Option<String>> {
        match self.take(i)? {
            Cell::Null => Ok(None),
            Cell::Text(s) => Ok(Some(s)),
            Cell::Bytes(b) => String::from_utf8(b)
                .map(Some)
                .map_err(|_| TxError::Db(DbError::other(format!("column {i}: not UTF-8")))),
            other => Err(wrong(i, "text", &other)),
        }
    }

    /// A text column.
    pub fn text(&mut self, i: usize) -> TxResult<String> {
        self.opt_text(i)?
            .ok_or_else(|| wrong(i, "text", &Cell::Null))
    }

    /// An integer column that may be `NULL`.
    pub fn opt_int(&mut self, i: usize) -> TxResult<Option<i64>> {
        match self.take(i)? {
            Cell::Null => Ok(None),
            Cell::Int(n) => Ok(Some(n)),
            // Aggregates come back as decimal text from some drivers.
            Cell::Text(s) => s
                .parse()
                .map(Some)
                .map_err(|_| wrong(i, "an integer", &Cell::Text(s))),
            Cell::Bytes(b) => std::str::from_utf8(&b)
                .ok()
                .and_then(|s| s.parse().ok())
                .map(Some)
                .ok_or_else(|| wrong(i, "an integer", &Cell::Bytes(b))),
        }
    }

    /// An integer column.
    pub fn int(&mut self, i: usize) -> TxResult<i64> {
        self.opt_int(i)?
            .ok_or_else(|| wrong(i, "an integer", &Cell::Null))
    }

    /// A boolean column (stored as a boolean or as 0/1).
    pub fn boolean(&mut self, i: usize) -> TxResult<bool> {
        Ok(self.int(i)? != 0)
    }

    /// A bytes column.
    pub fn bytes(&mut self, i: usize) -> TxResult<Vec<u8>> {
        match self.take(i)? {
            Cell::Bytes(b) => Ok(b),
            Cell::Text(s) => Ok(s.into_bytes()),
            other => Err(wrong(i, "bytes", &other)),
        }
    }

    /// Whether column `i` is `NULL` (without taking it).
    pub fn is_null(&self, i: usize) -> bool {
        matches!(self.0.get(i), None | Some(Cell::Null))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_query::Query;

    static Q: Stmt = Stmt::new(|d| {
        Query::select()
            .column("a")
            .from("t")
            .and_where(Expr::col("b").eq(p(1)))
            .and_where(Expr::col("c").eq("const"))
            .and_where(Expr::col("d").eq(p(0)))
            .and_where(Expr::col("e").eq(d.true_literal()))
            .limit(lim(1))
            .into()
    });

    #[test]
    fn plans_bind_slots_in_placeholder_order() {
        let pg = Q.plan(Dialect::Postgres);
        assert_eq!(
            pg.sql,
            r#"SELECT "a" FROM "t" WHERE "b" = $1 AND "c" = $2 AND "d" = $3 AND "e" = (TRUE) LIMIT $4"#
        );
        let binds: Vec<String> = pg.binds.iter().map(|b| format!("{b:?}")).collect();
        assert_eq!(binds[0], "Slot(1)");
        assert!(binds[1].starts_with("Const("));
        assert_eq!(binds[2], "Slot(0)");
        assert_eq!(binds[3], "Slot(1)");
        let my = Q.plan(Dialect::Mysql);
        assert_eq!(
            my.sql,
            "SELECT `a` FROM `t` WHERE `b` = ? AND `c` = ? AND `d` = ? AND `e` = (1) LIMIT ?"
        );
        // Rendered once.
        assert!(std::ptr::eq(pg, Q.plan(Dialect::Postgres)));
    }

    #[test]
    fn postgres_fragments_number_their_marks() {
        let e = Dialect::Postgres.cust("COALESCE(?, ?)", [p(0), p(1)]);
        let s = Query::select().expr(e).to_owned();
        assert_eq!(s.build(PostgresQueryBuilder).0, "SELECT COALESCE($1, $2)");
    }
}
