//! Virtual MFA devices and the users they are bound to.

use sea_query::{Expr, JoinType, Order, Query, SelectStatement};

use super::users::user_id;
use super::{eq, insert, RowLock};
use crate::sql::{p, Row, Stmt};
use crate::tx::{unique, Backend, Limit, Lock, Mode, TxResult};
use crate::{Entity, MfaDeviceRow, MfaStore, StoreError, StoreResult};

const COLS: [&str; 6] = [
    "serial_number",
    "seed_sealed",
    "user_id",
    "created_at",
    "activated_at",
    "last_step",
];

/// Devices with their users' names (left join: unbound ones too).
fn with_users() -> SelectStatement {
    Query::select()
        .columns(COLS.map(|c| ("d", c)))
        .columns([("u", "user_name"), ("u", "display_name")])
        .from_as("mfa_devices", "d")
        .join_as(
            JoinType::LeftJoin,
            "users",
            "u",
            Expr::col(("u", "user_id")).equals(("d", "user_id")),
        )
        .take()
}

fn row(r: &mut Row) -> TxResult<MfaDeviceRow> {
    let user_id = r.opt_text(2)?;
    let user_name = r.opt_text(6)?;
    let display_name = r.opt_text(7)?;
    Ok(MfaDeviceRow {
        serial_number: r.text(0)?,
        seed_sealed: r.bytes(1)?,
        user: match (user_id, user_name) {
            (Some(id), Some(name)) => Some((id, name, display_name.unwrap_or_default())),
            _ => None,
        },
        created_at: r.int(3)?,
        activated_at: r.opt_int(4)?,
        last_step: r.int(5)?,
    })
}

static INSERT: Stmt = Stmt::new(|_| insert("mfa_devices", &COLS).into());
static COUNT: Stmt = Stmt::new(|_| {
    Query::select()
        .expr(Expr::cust("COUNT(*)"))
        .from("mfa_devices")
        .into()
});
static GET: Stmt = Stmt::new(|_| {
    with_users()
        .and_where(Expr::col(("d", "serial_number")).eq(p(0)))
        .into()
});
static GET_FOR_UPDATE: Stmt = Stmt::new(|_| {
    RowLock::Update.apply(
        Query::select()
            .columns(["user_id"])
            .from("mfa_devices")
            .and_where(eq("serial_number", 0))
            .take(),
    )
});
static LIST: Stmt = Stmt::new(|_| {
    with_users()
        .order_by(("d", "serial_number"), Order::Asc)
        .into()
});
static OF_USER: Stmt = Stmt::new(|_| {
    with_users()
        .and_where(Expr::col(("d", "user_id")).eq(p(0)))
        .into()
});
static DELETE: Stmt = Stmt::new(|_| {
    Query::delete()
        .from_table("mfa_devices")
        .and_where(eq("serial_number", 0))
        .into()
});
static BIND: Stmt = Stmt::new(|_| {
    Query::update()
        .table("mfa_devices")
        .values([
            ("user_id", p(1)),
            ("activated_at", p(2)),
            ("last_step", p(3)),
        ])
        .and_where(eq("serial_number", 0))
        .and_where(Expr::col("user_id").is_null())
        .into()
});
static UNBIND: Stmt = Stmt::new(|_| {
    Query::update()
        .table("mfa_devices")
        .value("user_id", Expr::cust("NULL"))
        .value("activated_at", Expr::cust("NULL"))
        .and_where(eq("serial_number", 0))
        .into()
});
static USE_STEP: Stmt = Stmt::new(|_| {
    Query::update()
        .table("mfa_devices")
        .value("last_step", p(1))
        .and_where(eq("serial_number", 0))
        .and_where(Expr::col("last_step").lt(p(1)))
        .into()
});

impl<B: Backend> MfaStore for B {
    fn create_mfa_device(&self, d: &MfaDeviceRow, max_devices: u64) -> StoreResult<()> {
        self.transaction(Mode::Write, |tx| {
            tx.lock(Lock::Limit(Limit::MfaDevices))?;
            if tx.count(&COUNT, &[])? >= max_devices {
                return Err(StoreError::Limit(Entity::MfaDevice).into());
            }
            tx.execute(
                &INSERT,
                &[
                    d.serial_number.as_str().into(),
                    crate::sql::Param::Bytes(&d.seed_sealed),
                    crate::sql::Param::Null,
                    d.created_at.into(),
                    crate::sql::Param::Null,
                    d.last_step.into(),
                ],
            )
            .map_err(unique(Entity::MfaDevice))?;
            Ok(())
        })
    }

    fn get_mfa_device(&self, serial_number: &str) -> StoreResult<Option<MfaDeviceRow>> {
        self.transaction(Mode::Read, |tx| {
            match tx.query_opt(&GET, &[serial_number.into()])? {
                Some(mut r) => Ok(Some(row(&mut r)?)),
                None => Ok(None),
            }
        })
    }

    fn list_mfa_devices(&self) -> StoreResult<Vec<MfaDeviceRow>> {
        self.transaction(Mode::Read, |tx| {
            let rows = tx.query(&LIST, &[])?;
            super::map(rows, row)
        })
    }

    fn delete_mfa_device(&self, serial_number: &str) -> StoreResult<()> {
        self.transaction(Mode::Write, |tx| {
            let Some(mut r) = tx.query_opt(&GET_FOR_UPDATE, &[serial_number.into()])? else {
                return Err(StoreError::NotFound(Entity::MfaDevice).into());
            };
            if r.opt_text(0)?.is_some() {
                return Err(StoreError::DeleteConflict(Entity::MfaDevice).into());
            }
            tx.execute(&DELETE, &[serial_number.into()])?;
            Ok(())
        })
    }

    fn user_mfa_device(&self, user_name: &str) -> StoreResult<Option<MfaDeviceRow>> {
        self.transaction(Mode::Read, |tx| {
            let uid = user_id(tx, user_name, RowLock::None)?;
            match tx.query_opt(&OF_USER, &[uid.as_str().into()])? {
                Some(mut r) => Ok(Some(row(&mut r)?)),
                None => Ok(None),
            }
        })
    }

    fn bind_mfa_device(
        &self,
        user_name: &str,
        serial_number: &str,
        now: i64,
        step: i64,
    ) -> StoreResult<()> {
        self.transaction(Mode::Write, |tx| {
            let uid = user_id(tx, user_name, RowLock::Update)?;
            let Some(mut r) = tx.query_opt(&GET_FOR_UPDATE, &[serial_number.into()])? else {
                return Err(StoreError::NotFound(Entity::MfaDevice).into());
            };
            if r.opt_text(0)?.is_some() {
                return Err(StoreError::Conflict(Entity::MfaDevice).into());
            }
            // The unique index refuses a second device for the user.
            let n = tx
                .execute(
                    &BIND,
                    &[
                        serial_number.into(),
                        uid.as_str().into(),
                        now.into(),
                        step.into(),
                    ],
                )
                .map_err(unique(Entity::MfaDevice))?;
            if n == 0 {
                return Err(StoreError::Conflict(Entity::MfaDevice).into());
            }
            Ok(())
        })
    }

    fn unbind_mfa_device(&self, user_name: &str) -> StoreResult<MfaDeviceRow> {
        self.transaction(Mode::Write, |tx| {
            let uid = user_id(tx, user_name, RowLock::Update)?;
            let Some(mut r) = tx.query_opt(&OF_USER, &[uid.as_str().into()])? else {
                return Err(StoreError::NotFound(Entity::MfaDevice).into());
            };
            let d = row(&mut r)?;
            tx.execute(&UNBIND, &[d.serial_number.as_str().into()])?;
            Ok(d)
        })
    }

    fn use_mfa_step(&self, serial_number: &str, step: i64) -> StoreResult<bool> {
        self.transaction(Mode::Write, |tx| {
            Ok(tx.execute(&USE_STEP, &[serial_number.into(), step.into()])? > 0)
        })
    }
}
