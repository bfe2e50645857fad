//! Console sessions: written untracked (no read cache keeps them), expired
//! ones deleted when a session opens.

use sea_query::{Expr, Order, Query};

use super::{eq, insert, select};
use crate::sql::{p, Row, Stmt};
use crate::tx::{Backend, Mode, TxResult};
use crate::{ConsoleSessionRow, ConsoleSessionStore, StoreResult};

const COLS: [&str; 8] = [
    "token_hash",
    "user_id",
    "user_name",
    "fingerprint",
    "csrf",
    "must_change_password",
    "created_at",
    "expires_at",
];

fn row(r: &mut Row) -> TxResult<ConsoleSessionRow> {
    Ok(ConsoleSessionRow {
        token_hash: r.text(0)?,
        user_id: r.text(1)?,
        user_name: r.text(2)?,
        fingerprint: r.text(3)?,
        csrf: r.text(4)?,
        must_change_password: r.boolean(5)?,
        created_at: r.int(6)?,
        expires_at: r.int(7)?,
    })
}

static INSERT: Stmt = Stmt::new(|_| insert("console_sessions", &COLS).into());
static GET: Stmt = Stmt::new(|_| {
    select("console_sessions", &COLS)
        .and_where(eq("token_hash", 0))
        .and_where(Expr::col("expires_at").gt(p(1)))
        .into()
});
static DELETE: Stmt = Stmt::new(|_| {
    Query::delete()
        .from_table("console_sessions")
        .and_where(eq("token_hash", 0))
        .into()
});
static DELETE_EXPIRED: Stmt = Stmt::new(|_| {
    Query::delete()
        .from_table("console_sessions")
        .and_where(Expr::col("expires_at").lte(p(0)))
        .into()
});
static COUNT: Stmt = Stmt::new(|_| {
    select("console_sessions", &[])
        .expr(Expr::cust("COUNT(*)"))
        .into()
});
static OLDEST: Stmt = Stmt::new(|_| {
    select("console_sessions", &["token_hash"])
        .order_by("created_at", Order::Asc)
        .order_by("token_hash", Order::Asc)
        .limit(1)
        .into()
});

impl<B: Backend> ConsoleSessionStore for B {
    fn open_console_session(&self, s: &ConsoleSessionRow, now: i64, max: u64) -> StoreResult<()> {
        self.transaction(Mode::WriteUntracked, |tx| {
            tx.execute(&DELETE_EXPIRED, &[now.into()])?;
            if tx.count(&COUNT, &[])? >= max {
                if let Some(mut r) = tx.query_opt(&OLDEST, &[])? {
                    let oldest = r.text(0)?;
                    tx.execute(&DELETE, &[oldest.as_str().into()])?;
                }
            }
            tx.execute(
                &INSERT,
                &[
                    s.token_hash.as_str().into(),
                    s.user_id.as_str().into(),
                    s.user_name.as_str().into(),
                    s.fingerprint.as_str().into(),
                    s.csrf.as_str().into(),
                    s.must_change_password.into(),
                    s.created_at.into(),
                    s.expires_at.into(),
                ],
            )?;
            Ok(())
        })
    }

    fn get_console_session(
        &self,
        token_hash: &str,
        now: i64,
    ) -> StoreResult<Option<ConsoleSessionRow>> {
        self.transaction(Mode::Single, |tx| {
            tx.query_opt(&GET, &[token_hash.into(), now.into()])?
                .map(|mut r| row(&mut r))
                .transpose()
        })
    }

    fn close_console_session(&self, token_hash: &str) -> StoreResult<()> {
        self.transaction(Mode::WriteUntracked, |tx| {
            tx.execute(&DELETE, &[token_hash.into()])?;
            Ok(())
        })
    }
}
