//! Console sessions: written untracked (no read cache keeps them), expired
//! ones deleted when a session opens.

use sea_query::{Expr, Order, Query};

use super::{eq, insert, select};
use crate::sql::{p, Param, Row, Stmt};
use crate::tx::{Backend, DbError, DbErrorKind, Mode, TxError, TxResult};
use crate::{ConsoleSessionRow, ConsoleSessionStore, StoreResult};

const COLS: [&str; 12] = [
    "token_hash",
    "user_id",
    "user_name",
    "fingerprint",
    "csrf",
    "must_change_password",
    "created_at",
    "expires_at",
    "mfa_at",
    "role_id",
    "role_name",
    "session_name",
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
        mfa_at: r.opt_int(8)?,
        role: match (r.opt_text(9)?, r.opt_text(10)?, r.opt_text(11)?) {
            (Some(role_id), Some(role_name), Some(session_name)) => Some(crate::SessionRole {
                role_id,
                role_name,
                session_name,
            }),
            _ => None,
        },
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

/// Slots: user id, the oldest window start still open.
static FAILURES: Stmt = Stmt::new(|_| {
    select("login_failures", &["failures", "window_start"])
        .and_where(eq("user_id", 0))
        .and_where(Expr::col("window_start").gt(p(1)))
        .into()
});
/// One more failure in an open window (slots: user id, the oldest window
/// start still open).
static ADD_FAILURE: Stmt = Stmt::new(|_| {
    Query::update()
        .table("login_failures")
        .value("failures", Expr::col("failures").add(1))
        .and_where(eq("user_id", 0))
        .and_where(Expr::col("window_start").gt(p(1)))
        .into()
});
/// A new window over a closed one (slots: user id, the oldest window start
/// still open, now).
static RESTART_WINDOW: Stmt = Stmt::new(|_| {
    Query::update()
        .table("login_failures")
        .value("failures", 1)
        .value("window_start", p(2))
        .and_where(eq("user_id", 0))
        .and_where(Expr::col("window_start").lte(p(1)))
        .into()
});
/// The first failure (slots: user id, failures, now).
static FIRST_FAILURE: Stmt =
    Stmt::new(|_| insert("login_failures", &["user_id", "failures", "window_start"]).into());
static CLOSED_WINDOWS: Stmt = Stmt::new(|_| {
    Query::delete()
        .from_table("login_failures")
        .and_where(Expr::col("window_start").lte(p(0)))
        .into()
});
/// One failure fewer (slot: user id).
static TAKE_BACK_FAILURE: Stmt = Stmt::new(|_| {
    Query::update()
        .table("login_failures")
        .value("failures", Expr::col("failures").sub(1))
        .and_where(eq("user_id", 0))
        .and_where(Expr::col("failures").gt(0))
        .into()
});
static CLEAR_FAILURES: Stmt = Stmt::new(|_| {
    Query::delete()
        .from_table("login_failures")
        .and_where(eq("user_id", 0))
        .into()
});

impl<B: Backend> ConsoleSessionStore for B {
    fn login_failures(
        &self,
        user_id: &str,
        now: i64,
        window: i64,
    ) -> StoreResult<Option<(u32, i64)>> {
        let open_since = now.saturating_sub(window);
        self.transaction(Mode::Single, |tx| {
            match tx.query_opt(&FAILURES, &[user_id.into(), open_since.into()])? {
                Some(mut r) => {
                    let n = u32::try_from(r.int(0)?.max(0)).unwrap_or(u32::MAX);
                    Ok(Some((n, r.int(1)?)))
                }
                None => Ok(None),
            }
        })
    }

    fn count_login_failure(&self, user_id: &str, now: i64, window: i64) -> StoreResult<(u32, i64)> {
        let open_since = now.saturating_sub(window);
        let (id, since): (Param<'_>, Param<'_>) = (user_id.into(), open_since.into());
        self.transaction(Mode::WriteUntracked, |tx| {
            let counted = tx.execute(&ADD_FAILURE, &[id, since])? > 0
                || tx.execute(&RESTART_WINDOW, &[id, since, now.into()])? > 0;
            if !counted {
                // Another replica's first failure may win the insert: this
                // transaction then runs again and adds to its count.
                tx.execute(&FIRST_FAILURE, &[id, 1i64.into(), now.into()])
                    .map_err(|e| match e {
                        TxError::Db(d) if d.kind == DbErrorKind::Unique => TxError::Db(DbError {
                            kind: DbErrorKind::Retry,
                            message: d.message,
                        }),
                        e => e,
                    })?;
            }
            tx.execute(&CLOSED_WINDOWS, &[since])?;
            match tx.query_opt(&FAILURES, &[id, since])? {
                Some(mut r) => Ok((
                    u32::try_from(r.int(0)?.max(0)).unwrap_or(u32::MAX),
                    r.int(1)?,
                )),
                None => Ok((1, now)),
            }
        })
    }

    fn take_back_login_failure(&self, user_id: &str) -> StoreResult<()> {
        self.transaction(Mode::WriteUntracked, |tx| {
            tx.execute(&TAKE_BACK_FAILURE, &[user_id.into()])?;
            Ok(())
        })
    }

    fn clear_login_failures(&self, user_id: &str) -> StoreResult<()> {
        self.transaction(Mode::WriteUntracked, |tx| {
            tx.execute(&CLEAR_FAILURES, &[user_id.into()])?;
            Ok(())
        })
    }

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
                    s.mfa_at.into(),
                    s.role.as_ref().map(|r| r.role_id.as_str()).into(),
                    s.role.as_ref().map(|r| r.role_name.as_str()).into(),
                    s.role.as_ref().map(|r| r.session_name.as_str()).into(),
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
