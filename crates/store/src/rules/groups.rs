//! User groups and their members.

use sea_query::{Expr, JoinType, Order, Query};

use super::users::{user_id, user_row_at, USER_COLS};
use super::{count_where, eq, hold, insert, locked, map, select, RowLock};
use crate::sql::{lim, p, Row, Stmt};
use crate::tx::{unique, Backend, Limit, Lock, Mode, Tx, TxResult};
use crate::{Entity, GroupRow, GroupStore, StoreError, StoreResult, UserRow};

const GROUP_COLS: [&str; 6] = [
    "group_id",
    "group_name",
    "comments",
    "created_at",
    "updated_at",
    "display_name",
];

fn group_row(r: &mut Row) -> TxResult<GroupRow> {
    Ok(GroupRow {
        group_id: r.text(0)?,
        group_name: r.text(1)?,
        comments: r.text(2)?,
        created_at: r.int(3)?,
        updated_at: r.int(4)?,
        display_name: r.opt_text(5)?.unwrap_or_default(),
    })
}

locked!(GROUP_ID, |_| select("groups", &["group_id"])
    .and_where(eq("group_name", 0))
    .take());

/// A group's id by name (`NotFound(Group)`), locking its row as asked.
pub(crate) fn group_id(tx: &mut dyn Tx, group_name: &str, lock: RowLock) -> TxResult<String> {
    let id = match tx.query_opt(GROUP_ID.with(lock), &[group_name.into()])? {
        Some(mut r) => r.text(0)?,
        None => return Err(StoreError::NotFound(Entity::Group).into()),
    };
    hold(tx, lock, "groups", &id)?;
    Ok(id)
}

static COUNT_GROUPS: Stmt = Stmt::new(|_| count_where("groups", &[]).into());
static INSERT_GROUP: Stmt = Stmt::new(|_| insert("groups", &GROUP_COLS).into());
static GET_GROUP: Stmt = Stmt::new(|_| {
    select("groups", &GROUP_COLS)
        .and_where(eq("group_name", 0))
        .into()
});
static UPDATE_GROUP: Stmt = Stmt::new(|_| {
    Query::update()
        .table("groups")
        .values([
            ("group_name", p(1)),
            ("comments", p(2)),
            ("updated_at", p(3)),
            ("display_name", p(4)),
        ])
        .and_where(eq("group_id", 0))
        .into()
});
static COUNT_MEMBERS: Stmt = Stmt::new(|_| count_where("group_members", &[("group_id", 0)]).into());
static COUNT_GROUP_ATTACHMENTS: Stmt = Stmt::new(|_| {
    count_where("attachments", &[("principal_id", 0)])
        .and_where(Expr::col("principal_kind").eq("Group"))
        .into()
});
static DELETE_GROUP: Stmt = Stmt::new(|_| {
    Query::delete()
        .from_table("groups")
        .and_where(eq("group_id", 0))
        .into()
});
static LIST_GROUPS: Stmt = Stmt::new(|_| {
    select("groups", &GROUP_COLS)
        .and_where(Expr::col("group_name").gt(p(0)))
        .order_by("group_name", Order::Asc)
        .limit(lim(1))
        .into()
});
static IS_MEMBER: Stmt =
    Stmt::new(|_| count_where("group_members", &[("group_id", 0), ("user_id", 1)]).into());
static COUNT_GROUPS_OF: Stmt =
    Stmt::new(|_| count_where("group_members", &[("user_id", 0)]).into());
static INSERT_MEMBER: Stmt =
    Stmt::new(|_| insert("group_members", &["group_id", "user_id", "joined_at"]).into());
static DELETE_MEMBER: Stmt = Stmt::new(|_| {
    Query::delete()
        .from_table("group_members")
        .and_where(eq("group_id", 0))
        .and_where(eq("user_id", 1))
        .into()
});
static GROUPS_OF: Stmt = Stmt::new(|_| {
    Query::select()
        .columns(GROUP_COLS.map(|c| ("g", c)))
        .column(("m", "joined_at"))
        .from_as("group_members", "m")
        .join_as(
            JoinType::InnerJoin,
            "groups",
            "g",
            Expr::col(("g", "group_id")).equals(("m", "group_id")),
        )
        .and_where(Expr::col(("m", "user_id")).eq(p(0)))
        .order_by(("g", "group_name"), Order::Asc)
        .into()
});
static MEMBERS_OF: Stmt = Stmt::new(|_| {
    Query::select()
        .columns(USER_COLS.map(|c| ("u", c)))
        .column(("m", "joined_at"))
        .from_as("group_members", "m")
        .join_as(
            JoinType::InnerJoin,
            "users",
            "u",
            Expr::col(("u", "user_id")).equals(("m", "user_id")),
        )
        .and_where(Expr::col(("m", "group_id")).eq(p(0)))
        .and_where(Expr::col(("u", "user_name")).gt(p(1)))
        .order_by(("u", "user_name"), Order::Asc)
        .limit(lim(2))
        .into()
});

impl<B: Backend> GroupStore for B {
    fn create_group(&self, group: &GroupRow, max_groups: u64) -> StoreResult<()> {
        self.transaction(Mode::Write, |tx| {
            tx.lock(Lock::Limit(Limit::Groups))?;
            if tx.count(&COUNT_GROUPS, &[])? >= max_groups {
                return Err(StoreError::Limit(Entity::Group).into());
            }
            tx.execute(
                &INSERT_GROUP,
                &[
                    (&group.group_id).into(),
                    (&group.group_name).into(),
                    (&group.comments).into(),
                    group.created_at.into(),
                    group.updated_at.into(),
                    (&group.display_name).into(),
                ],
            )
            .map_err(unique(Entity::Group))?;
            Ok(())
        })
    }

    fn get_group(&self, group_name: &str) -> StoreResult<Option<GroupRow>> {
        self.transaction(Mode::Single, |tx| {
            tx.query_opt(&GET_GROUP, &[group_name.into()])?
                .map(|mut r| group_row(&mut r))
                .transpose()
        })
    }

    fn update_group(&self, group: &GroupRow) -> StoreResult<()> {
        self.transaction(Mode::Write, |tx| {
            let n = tx
                .execute(
                    &UPDATE_GROUP,
                    &[
                        (&group.group_id).into(),
                        (&group.group_name).into(),
                        (&group.comments).into(),
                        group.updated_at.into(),
                        (&group.display_name).into(),
                    ],
                )
                .map_err(unique(Entity::Group))?;
            if n == 0 {
                return Err(StoreError::NotFound(Entity::Group).into());
            }
            Ok(())
        })
    }

    fn delete_group(&self, group_name: &str) -> StoreResult<()> {
        self.transaction(Mode::Write, |tx| {
            let id = group_id(tx, group_name, RowLock::Update)?;
            if tx.count(&COUNT_MEMBERS, &[id.as_str().into()])? > 0 {
                return Err(StoreError::DeleteConflict(Entity::User).into());
            }
            if tx.count(&COUNT_GROUP_ATTACHMENTS, &[id.as_str().into()])? > 0 {
                return Err(StoreError::DeleteConflict(Entity::Attachment).into());
            }
            tx.execute(&DELETE_GROUP, &[id.as_str().into()])?;
            Ok(())
        })
    }

    fn list_groups(&self, after: Option<&str>, limit: u32) -> StoreResult<Vec<GroupRow>> {
        self.transaction(Mode::Single, |tx| {
            let rows = tx.query(&LIST_GROUPS, &[after.unwrap_or("").into(), limit.into()])?;
            map(rows, group_row)
        })
    }

    fn add_user_to_group(
        &self,
        user_name: &str,
        group_name: &str,
        now: i64,
        max_groups_per_user: u64,
    ) -> StoreResult<()> {
        self.transaction(Mode::Write, |tx| {
            let uid = user_id(tx, user_name, RowLock::Update)?;
            let gid = group_id(tx, group_name, RowLock::Share)?;
            let (g, u) = (gid.as_str(), uid.as_str());
            if tx.count(&IS_MEMBER, &[g.into(), u.into()])? > 0 {
                return Err(StoreError::Conflict(Entity::Membership).into());
            }
            if tx.count(&COUNT_GROUPS_OF, &[u.into()])? >= max_groups_per_user {
                return Err(StoreError::Limit(Entity::Membership).into());
            }
            tx.execute(&INSERT_MEMBER, &[g.into(), u.into(), now.into()])
                .map_err(unique(Entity::Membership))?;
            Ok(())
        })
    }

    fn remove_user_from_group(&self, user_name: &str, group_name: &str) -> StoreResult<()> {
        self.transaction(Mode::Write, |tx| {
            let uid = user_id(tx, user_name, RowLock::None)?;
            let gid = group_id(tx, group_name, RowLock::None)?;
            if tx.execute(&DELETE_MEMBER, &[gid.as_str().into(), uid.as_str().into()])? == 0 {
                return Err(StoreError::NotFound(Entity::Membership).into());
            }
            Ok(())
        })
    }

    fn list_groups_for_user(&self, user_name: &str) -> StoreResult<Vec<(GroupRow, i64)>> {
        self.transaction(Mode::Read, |tx| {
            let uid = user_id(tx, user_name, RowLock::None)?;
            map(tx.query(&GROUPS_OF, &[uid.as_str().into()])?, |r| {
                Ok((group_row(r)?, r.int(6)?))
            })
        })
    }

    fn list_users_for_group(
        &self,
        group_name: &str,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<(UserRow, i64)>> {
        self.transaction(Mode::Read, |tx| {
            let gid = group_id(tx, group_name, RowLock::None)?;
            let rows = tx.query(
                &MEMBERS_OF,
                &[
                    gid.as_str().into(),
                    after.unwrap_or("").into(),
                    limit.into(),
                ],
            )?;
            map(rows, |r| Ok((user_row_at(r, 0)?, r.int(9)?)))
        })
    }
}
