//! The rotation scheduler's leases and the atomic rotation steps. Leases
//! are claimed with `FOR UPDATE SKIP LOCKED` where replicas share the
//! database, so replicas polling together never claim the same secret; a
//! step commits only while its caller still holds the lease (fencing).
//! Rules: a rotation adds the new key and its version (made current, the
//! old current becoming previous) in one transaction, keeps at most
//! [`ROTATION_MAX_VERSIONS`] versions, and clears the failure state; the
//! end of a grace period deletes the previous key and the `ACSPrevious`
//! version.

use sea_query::{Cond, Expr, NullOrdering, Order, Query, SelectStatement, UnionType};

use super::secrets::{attach_stage, drop_stage_and_version, evict, insert_version, secret_seq};
use super::users::{add_key, delete_key, user_id};
use super::{count_where, eq, hold, select, texts, RowLock};
use crate::sql::{lim, p, Dialect, Stmt};
use crate::tx::{Backend, Mode, Tx, TxError, TxResult};
use crate::{Entity, RotationCommit, RotationStore, SecretVersionRow, StoreError, StoreResult};

/// Versions a RAM secret keeps through its rotations.
pub(crate) const ROTATION_MAX_VERSIONS: u64 = 10;

/// The secret types the scheduler rotates.
const ROTATED_TYPES: [&str; 4] = ["RAMCredentials", "Rds", "PolarDB", "Redis"];

static LEASE: Stmt = Stmt::new(|_| {
    RowLock::Update.apply(
        select("secrets", &["lease_owner"])
            .and_where(eq("secret_name", 0))
            .take(),
    )
});

/// Locks the secret's row and checks that `owner` holds its lease
/// (`NotFound(Secret)`, `Conflict(Secret)` if the lease was lost).
fn holds_lease(tx: &mut dyn Tx, name: &str, owner: &str) -> TxResult<()> {
    let Some(mut r) = tx.query_opt(&LEASE, &[name.into()])? else {
        return Err(StoreError::NotFound(Entity::Secret).into());
    };
    hold(tx, RowLock::Update, "secrets", name)?;
    match r.opt_text(0)? {
        Some(o) if o == owner => Ok(()),
        _ => Err(StoreError::Conflict(Entity::Secret).into()),
    }
}

/// Secrets due at slot 0 for one reason (each reason has its index).
fn due_by(cond: sea_query::SimpleExpr) -> SelectStatement {
    select("secrets", &["secret_name"]).and_where(cond).take()
}

static CLAIM_DUE: Stmt = Stmt::new(|d| {
    let t = d.true_literal();
    // The candidates come from three indexes (one per reason to be due),
    // not from a scan of every secret.
    let candidates = due_by(
        Expr::col("rotation_enabled")
            .eq(t.clone())
            .and(Expr::col("next_rotation_at").lte(p(0))),
    )
    .union(
        UnionType::All,
        due_by(
            Expr::col("rotation_retry_at")
                .is_not_null()
                .and(Expr::col("rotation_retry_at").lte(p(0))),
        ),
    )
    .union(
        UnionType::All,
        due_by(
            Expr::col("pending_key_delete_at")
                .is_not_null()
                .and(Expr::col("pending_key_delete_at").lte(p(0))),
        ),
    )
    .union(
        UnionType::All,
        due_by(Expr::col("pending_version_id").is_not_null()),
    )
    .take();
    let soonest = match d {
        Dialect::Sqlite => "MIN(next_rotation_at, pending_key_delete_at)",
        Dialect::Postgres | Dialect::Mysql => "LEAST(next_rotation_at, pending_key_delete_at)",
    };
    select("secrets", &["secret_name"])
        .and_where(Expr::col("secret_name").in_subquery(candidates))
        .and_where(Expr::col("secret_type").is_in(ROTATED_TYPES))
        .and_where(Expr::col("planned_delete_at").is_null())
        .cond_where(
            Cond::any()
                .add(Expr::col("lease_until").is_null())
                .add(Expr::col("lease_until").lt(p(3)))
                .add(Expr::col("lease_owner").eq(p(1))),
        )
        .cond_where(
            Cond::any()
                .add(
                    Cond::all()
                        .add(Expr::col("rotation_enabled").eq(t))
                        .add(Expr::col("next_rotation_at").lte(p(0)))
                        .add(
                            Cond::any()
                                .add(Expr::col("rotation_retry_at").is_null())
                                .add(Expr::col("rotation_retry_at").lte(p(0))),
                        ),
                )
                .add(
                    Cond::all()
                        .add(Expr::col("rotation_failures").gt(0))
                        .add(Expr::col("rotation_retry_at").lte(p(0))),
                )
                .add(Expr::col("pending_key_delete_at").lte(p(0)))
                // An interrupted rotation, unless waiting for its retry.
                .add(
                    Cond::all()
                        .add(Expr::col("pending_version_id").is_not_null())
                        .add(
                            Cond::any()
                                .add(Expr::col("rotation_retry_at").is_null())
                                .add(Expr::col("rotation_retry_at").lte(p(0))),
                        ),
                ),
        )
        // Interrupted work (no date) first, then soonest first (a `NULL` in either is the other).
        .order_by_expr_with_nulls(
            Expr::cust(format!(
                "COALESCE({soonest}, next_rotation_at, pending_key_delete_at)"
            )),
            Order::Asc,
            NullOrdering::First,
        )
        .order_by("secret_name", Order::Asc)
        .limit(lim(2))
        .lock_with_behavior(
            sea_query::LockType::Update,
            sea_query::LockBehavior::SkipLocked,
        )
        .into()
});
static SET_LEASE: Stmt = Stmt::new(|_| {
    Query::update()
        .table("secrets")
        .values([("lease_owner", p(1)), ("lease_until", p(2))])
        .and_where(eq("secret_name", 0))
        .into()
});
static CLAIM_ONE: Stmt = Stmt::new(|_| {
    Query::update()
        .table("secrets")
        .values([("lease_owner", p(1)), ("lease_until", p(2))])
        .and_where(eq("secret_name", 0))
        .cond_where(
            Cond::any()
                .add(Expr::col("lease_until").is_null())
                .add(Expr::col("lease_until").lt(p(3)))
                .add(Expr::col("lease_owner").eq(p(1))),
        )
        .into()
});
static RELEASE: Stmt = Stmt::new(|_| {
    Query::update()
        .table("secrets")
        .value("lease_owner", Expr::cust("NULL"))
        .value("lease_until", Expr::cust("NULL"))
        .and_where(eq("secret_name", 0))
        .and_where(eq("lease_owner", 1))
        .into()
});
static COMMIT: Stmt = Stmt::new(|d| {
    Query::update()
        .table("secrets")
        .values([
            ("next_seq", p(1)),
            ("updated_at", p(2)),
            ("last_rotation_at", p(2)),
            (
                "next_rotation_at",
                d.cust(
                    "CASE WHEN rotation_enabled THEN ? ELSE next_rotation_at END",
                    [p(3)],
                ),
            ),
            ("pending_key_id", p(4)),
            ("pending_key_delete_at", p(5)),
            ("rotation_error", Expr::cust("NULL")),
            ("rotation_failures", Expr::cust("0")),
            ("rotation_retry_at", Expr::cust("NULL")),
        ])
        .and_where(eq("secret_name", 0))
        .into()
});
static END_GRACE: Stmt = Stmt::new(|_| {
    Query::update()
        .table("secrets")
        .value("pending_key_id", Expr::cust("NULL"))
        .value("pending_key_delete_at", Expr::cust("NULL"))
        .and_where(eq("secret_name", 0))
        .into()
});
static FAILED: Stmt = Stmt::new(|_| {
    Query::update()
        .table("secrets")
        .values([
            ("rotation_error", p(1)),
            ("rotation_failures", Expr::cust("rotation_failures + 1")),
            ("rotation_retry_at", p(2)),
        ])
        .and_where(eq("secret_name", 0))
        .into()
});
static PENDING: Stmt = Stmt::new(|_| {
    select("secrets", &["pending_version_id"])
        .and_where(eq("secret_name", 0))
        .into()
});
static SET_PENDING: Stmt = Stmt::new(|_| {
    Query::update()
        .table("secrets")
        .values([
            ("pending_version_id", p(1)),
            ("next_seq", p(2)),
            ("updated_at", p(3)),
        ])
        .and_where(eq("secret_name", 0))
        .into()
});
static COMMIT_PENDING: [Stmt; 2] = [
    // A rotation: recorded and the next one scheduled.
    Stmt::new(|d| {
        Query::update()
            .table("secrets")
            .values([
                ("pending_version_id", Expr::cust("NULL")),
                ("updated_at", p(1)),
                ("last_rotation_at", p(1)),
                (
                    "next_rotation_at",
                    d.cust(
                        "CASE WHEN rotation_enabled THEN ? ELSE next_rotation_at END",
                        [p(2)],
                    ),
                ),
                ("rotation_error", Expr::cust("NULL")),
                ("rotation_failures", Expr::cust("0")),
                ("rotation_retry_at", Expr::cust("NULL")),
            ])
            .and_where(eq("secret_name", 0))
            .into()
    }),
    // A creation finished: the schedule set at creation stands.
    Stmt::new(|_| {
        Query::update()
            .table("secrets")
            .values([
                ("pending_version_id", Expr::cust("NULL")),
                ("updated_at", p(1)),
                ("rotation_error", Expr::cust("NULL")),
                ("rotation_failures", Expr::cust("0")),
                ("rotation_retry_at", Expr::cust("NULL")),
            ])
            .and_where(eq("secret_name", 0))
            .into()
    }),
];
static EXISTS: Stmt = Stmt::new(|_| count_where("secrets", &[("secret_name", 0)]).into());

impl<B: Backend> RotationStore for B {
    fn claim_due_rotations(
        &self,
        now: i64,
        lease_now: i64,
        owner: &str,
        lease_until: i64,
        limit: u32,
    ) -> StoreResult<Vec<String>> {
        self.transaction(Mode::Write, |tx| {
            let names = texts(tx.query(
                &CLAIM_DUE,
                &[now.into(), owner.into(), limit.into(), lease_now.into()],
            )?)?;
            for n in &names {
                tx.execute(&SET_LEASE, &[n.into(), owner.into(), lease_until.into()])?;
            }
            Ok(names)
        })
    }

    fn claim_rotation(
        &self,
        name: &str,
        now: i64,
        owner: &str,
        lease_until: i64,
    ) -> StoreResult<bool> {
        self.transaction(Mode::Write, |tx| {
            let n = tx.execute(
                &CLAIM_ONE,
                &[name.into(), owner.into(), lease_until.into(), now.into()],
            )?;
            if n == 0 && tx.count(&EXISTS, &[name.into()])? == 0 {
                return Err(StoreError::NotFound(Entity::Secret).into());
            }
            Ok(n == 1)
        })
    }

    fn release_rotation(&self, name: &str, owner: &str) -> StoreResult<()> {
        self.transaction(Mode::Write, |tx| {
            tx.execute(&RELEASE, &[name.into(), owner.into()])?;
            Ok(())
        })
    }

    fn commit_rotation(&self, c: &RotationCommit<'_>) -> StoreResult<()> {
        self.transaction(Mode::Write, |tx| {
            holds_lease(tx, c.secret_name, c.owner)?;
            let uid = user_id(tx, c.user_name, RowLock::Update)?;
            add_key(tx, &uid, c.key, c.max_keys)?;
            let seq = secret_seq(tx, c.secret_name, RowLock::None)?;
            insert_version(tx, c.secret_name, c.version, seq)?;
            attach_stage(
                tx,
                c.secret_name,
                super::secrets::CURRENT,
                &c.version.version_id,
            )?;
            let delete_at = c.previous_key_id.map(|_| c.pending_key_delete_at);
            tx.execute(
                &COMMIT,
                &[
                    c.secret_name.into(),
                    (seq + 1).into(),
                    c.now.into(),
                    c.next_rotation_at.into(),
                    c.previous_key_id.into(),
                    delete_at.into(),
                ],
            )?;
            evict(tx, c.secret_name, ROTATION_MAX_VERSIONS)
        })
    }

    fn finish_rotation(
        &self,
        name: &str,
        owner: &str,
        user_name: &str,
        previous_key_id: &str,
    ) -> StoreResult<()> {
        self.transaction(Mode::Write, |tx| {
            holds_lease(tx, name, owner)?;
            match user_id(tx, user_name, RowLock::None) {
                Ok(uid) => {
                    delete_key(tx, &uid, previous_key_id)?;
                }
                // The user is gone, and its keys with it.
                Err(TxError::Abort(StoreError::NotFound(_))) => {}
                Err(e) => return Err(e),
            }
            drop_stage_and_version(tx, name, super::secrets::PREVIOUS)?;
            tx.execute(&END_GRACE, &[name.into()])?;
            Ok(())
        })
    }

    fn stage_pending(
        &self,
        name: &str,
        owner: &str,
        version: &SecretVersionRow,
    ) -> StoreResult<()> {
        self.transaction(Mode::Write, |tx| {
            holds_lease(tx, name, owner)?;
            let pending = tx
                .query_opt(&PENDING, &[name.into()])?
                .map(|mut r| r.opt_text(0))
                .transpose()?
                .flatten();
            if pending.is_some() {
                return Err(StoreError::Conflict(Entity::SecretVersion).into());
            }
            let seq = secret_seq(tx, name, RowLock::None)?;
            insert_version(tx, name, version, seq)?;
            tx.execute(
                &SET_PENDING,
                &[
                    name.into(),
                    version.version_id.as_str().into(),
                    (seq + 1).into(),
                    version.created_at.into(),
                ],
            )?;
            evict(tx, name, ROTATION_MAX_VERSIONS)
        })
    }

    fn commit_pending(
        &self,
        name: &str,
        owner: &str,
        now: i64,
        next_rotation_at: Option<i64>,
        rotated: bool,
    ) -> StoreResult<()> {
        self.transaction(Mode::Write, |tx| {
            holds_lease(tx, name, owner)?;
            let Some(pending) = tx
                .query_opt(&PENDING, &[name.into()])?
                .map(|mut r| r.opt_text(0))
                .transpose()?
                .flatten()
            else {
                return Err(StoreError::NotFound(Entity::SecretVersion).into());
            };
            attach_stage(tx, name, super::secrets::CURRENT, &pending)?;
            if rotated {
                tx.execute(
                    &COMMIT_PENDING[0],
                    &[name.into(), now.into(), next_rotation_at.into()],
                )?;
            } else {
                tx.execute(&COMMIT_PENDING[1], &[name.into(), now.into()])?;
            }
            evict(tx, name, ROTATION_MAX_VERSIONS)
        })
    }

    fn record_rotation_failure(
        &self,
        name: &str,
        owner: &str,
        error: &str,
        retry_at: i64,
    ) -> StoreResult<()> {
        self.transaction(Mode::Write, |tx| {
            holds_lease(tx, name, owner)?;
            tx.execute(&FAILED, &[name.into(), error.into(), retry_at.into()])?;
            Ok(())
        })
    }
}
