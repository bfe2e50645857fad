//! RAM roles. Role names keep their case but are unique and found
//! whatever the case: SQLite and MySQL compare them under a case-blind
//! collation of the column, PostgreSQL through `lower()` and its index.

use sea_query::{Expr, Order, Query, SelectStatement, SimpleExpr};

use super::{count_where, eq, hold, insert, map, select, texts, RowLock};
use crate::sql::{lim, p, Dialect, Row, Stmt};
use crate::tx::{unique, Backend, Limit, Lock, Mode, Tx, TxResult};
use crate::{Entity, RoleRow, RoleStore, StoreError, StoreResult};

const ROLE_COLS: [&str; 8] = [
    "role_id",
    "role_name",
    "description",
    "trust_policy",
    "max_session_duration",
    "service_linked",
    "created_at",
    "updated_at",
];

fn role_row(r: &mut Row) -> TxResult<RoleRow> {
    Ok(RoleRow {
        role_id: r.text(0)?,
        role_name: r.text(1)?,
        description: r.text(2)?,
        trust_policy: r.text(3)?,
        max_session_duration: r.int(4)?,
        service_linked: r.boolean(5)?,
        created_at: r.int(6)?,
        updated_at: r.int(7)?,
    })
}

/// The role name and slot `i` as they compare.
fn folded(d: Dialect, i: u8) -> (SimpleExpr, SimpleExpr) {
    match d {
        Dialect::Postgres => (Expr::cust("lower(role_name)"), d.cust("lower(?)", [p(i)])),
        Dialect::Sqlite | Dialect::Mysql => (Expr::col("role_name").into(), p(i)),
    }
}

fn by_name(d: Dialect, cols: &[&'static str]) -> SelectStatement {
    let (name, arg) = folded(d, 0);
    select("roles", cols)
        .and_where(Expr::expr(name).eq(arg))
        .take()
}

static ROLE_ID: [Stmt; 2] = [
    Stmt::new(|d| by_name(d, &["role_id"]).into()),
    Stmt::new(|d| RowLock::Update.apply(by_name(d, &["role_id"]))),
];

/// A role's id by name, whatever its case (`NotFound(Role)`), locking its
/// row for update if asked (any lock is taken as one).
pub(crate) fn role_id(tx: &mut dyn Tx, role_name: &str, lock: RowLock) -> TxResult<String> {
    let stmt = &ROLE_ID[usize::from(lock != RowLock::None)];
    let id = match tx.query_opt(stmt, &[role_name.into()])? {
        Some(mut r) => r.text(0)?,
        None => return Err(StoreError::NotFound(Entity::Role).into()),
    };
    hold(tx, lock, "roles", &id)?;
    Ok(id)
}

static COUNT_ROLES: Stmt = Stmt::new(|_| count_where("roles", &[]).into());
static INSERT_ROLE: Stmt = Stmt::new(|_| insert("roles", &ROLE_COLS).into());
pub(crate) static INSERT_ATTACHMENT: Stmt = Stmt::new(|_| {
    insert(
        "attachments",
        &[
            "principal_kind",
            "principal_id",
            "policy_type",
            "policy_name",
            "attached_at",
        ],
    )
    .into()
});
static GET_ROLE: Stmt = Stmt::new(|d| by_name(d, &ROLE_COLS).into());
static UPDATE_ROLE: Stmt = Stmt::new(|_| {
    Query::update()
        .table("roles")
        .values([
            ("description", p(1)),
            ("trust_policy", p(2)),
            ("max_session_duration", p(3)),
            ("updated_at", p(4)),
        ])
        .and_where(eq("role_id", 0))
        .into()
});
static COUNT_ROLE_ATTACHMENTS: Stmt = Stmt::new(|_| {
    count_where("attachments", &[("principal_id", 0)])
        .and_where(Expr::col("principal_kind").eq("Role"))
        .into()
});
static DELETE_ROLE: Stmt = Stmt::new(|_| {
    Query::delete()
        .from_table("roles")
        .and_where(eq("role_id", 0))
        .into()
});
static DELETE_ROLE_ATTACHMENTS: Stmt = Stmt::new(|_| {
    Query::delete()
        .from_table("attachments")
        .and_where(Expr::col("principal_kind").eq("Role"))
        .and_where(eq("principal_id", 0))
        .into()
});
static SECRETS_OF_TYPE: Stmt = Stmt::new(|_| {
    select("secrets", &["secret_name"])
        .and_where(eq("secret_type", 0))
        .order_by("secret_name", Order::Asc)
        .limit(lim(1))
        .into()
});
static LIST_ROLES: Stmt = Stmt::new(|d| {
    let (name, arg) = folded(d, 0);
    select("roles", &ROLE_COLS)
        .and_where(Expr::expr(name.clone()).gt(arg))
        .order_by_expr(name, Order::Asc)
        .limit(lim(1))
        .into()
});

impl<B: Backend> RoleStore for B {
    fn create_role(
        &self,
        role: &RoleRow,
        max_roles: u64,
        system_policies: &[&str],
    ) -> StoreResult<()> {
        self.create_role_with_tags(role, max_roles, system_policies, &[])
    }

    fn create_role_with_tags(
        &self,
        role: &RoleRow,
        max_roles: u64,
        system_policies: &[&str],
        tags: &[(String, String)],
    ) -> StoreResult<()> {
        self.transaction(Mode::Write, |tx| {
            if !tags.is_empty() {
                super::kms::put_tags(tx, crate::TagResource::Role, &role.role_id, tags, 20)?;
            }
            tx.lock(Lock::Limit(Limit::Roles))?;
            if tx.count(&COUNT_ROLES, &[])? >= max_roles {
                return Err(StoreError::Limit(Entity::Role).into());
            }
            tx.execute(
                &INSERT_ROLE,
                &[
                    (&role.role_id).into(),
                    (&role.role_name).into(),
                    (&role.description).into(),
                    (&role.trust_policy).into(),
                    role.max_session_duration.into(),
                    role.service_linked.into(),
                    role.created_at.into(),
                    role.updated_at.into(),
                ],
            )
            .map_err(unique(Entity::Role))?;
            for name in system_policies {
                tx.execute(
                    &INSERT_ATTACHMENT,
                    &[
                        "Role".into(),
                        (&role.role_id).into(),
                        "System".into(),
                        (*name).into(),
                        role.created_at.into(),
                    ],
                )
                .map_err(unique(Entity::Attachment))?;
            }
            Ok(())
        })
    }

    fn get_role(&self, role_name: &str) -> StoreResult<Option<RoleRow>> {
        self.transaction(Mode::Single, |tx| {
            tx.query_opt(&GET_ROLE, &[role_name.into()])?
                .map(|mut r| role_row(&mut r))
                .transpose()
        })
    }

    fn update_role(&self, role: &RoleRow) -> StoreResult<()> {
        self.transaction(Mode::Write, |tx| {
            let n = tx.execute(
                &UPDATE_ROLE,
                &[
                    (&role.role_id).into(),
                    (&role.description).into(),
                    (&role.trust_policy).into(),
                    role.max_session_duration.into(),
                    role.updated_at.into(),
                ],
            )?;
            if n == 0 {
                return Err(StoreError::NotFound(Entity::Role).into());
            }
            Ok(())
        })
    }

    fn delete_role(&self, role_name: &str) -> StoreResult<()> {
        self.transaction(Mode::Write, |tx| {
            let id = role_id(tx, role_name, RowLock::Update)?;
            if tx.count(&COUNT_ROLE_ATTACHMENTS, &[id.as_str().into()])? > 0 {
                return Err(StoreError::DeleteConflict(Entity::Attachment).into());
            }
            tx.execute(&DELETE_ROLE, &[id.as_str().into()])?;
            super::kms::delete_tags(tx, crate::TagResource::Role, &id)?;
            Ok(())
        })
    }

    fn delete_role_unless_used(
        &self,
        role_name: &str,
        unless_secret_type: &str,
        limit: u32,
    ) -> StoreResult<Vec<String>> {
        self.transaction(Mode::Write, |tx| {
            let id = role_id(tx, role_name, RowLock::Update)?;
            let users =
                texts(tx.query(&SECRETS_OF_TYPE, &[unless_secret_type.into(), limit.into()])?)?;
            if !users.is_empty() {
                return Ok(users);
            }
            tx.execute(&DELETE_ROLE_ATTACHMENTS, &[id.as_str().into()])?;
            tx.execute(&DELETE_ROLE, &[id.as_str().into()])?;
            Ok(Vec::new())
        })
    }

    fn list_roles(&self, after: Option<&str>, limit: u32) -> StoreResult<Vec<RoleRow>> {
        self.transaction(Mode::Single, |tx| {
            let rows = tx.query(&LIST_ROLES, &[after.unwrap_or("").into(), limit.into()])?;
            map(rows, role_row)
        })
    }
}
