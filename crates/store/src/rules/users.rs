//! The account, users, their AccessKeys and login profiles.

use sea_query::{Expr, JoinType, Order, Query};

use super::{eq, hold, insert, locked, map, select, RowLock};
use crate::sql::{lim, p, Row, Stmt};
use crate::tx::{unique, Backend, Limit, Lock, Mode, Tx, TxResult};
use crate::{
    AccessKeyRow, AccountRow, AccountStore, Entity, KeyStatus, LoginProfileRow, StoreError,
    StoreResult, UserRow, UserStore,
};

pub(crate) const USER_COLS: [&str; 9] = [
    "user_id",
    "user_name",
    "display_name",
    "mobile_phone",
    "email",
    "comments",
    "created_at",
    "updated_at",
    "last_login_at",
];
const KEY_COLS: [&str; 5] = [
    "access_key_id",
    "user_id",
    "secret_sealed",
    "status",
    "created_at",
];
const PROFILE_COLS: [&str; 8] = [
    "user_id",
    "password_hash",
    "password_reset_required",
    "mfa_bind_required",
    "created_at",
    "updated_at",
    "password_changed_at",
    "password_history",
];

/// Previous password hashes as stored: one a line (PHC strings hold no
/// line breaks).
fn history_text(hashes: &[String]) -> String {
    hashes.join("\n")
}

fn history_of(text: Option<String>) -> Vec<String> {
    text.map(|t| {
        t.lines()
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect()
    })
    .unwrap_or_default()
}

pub(crate) fn user_row(r: &mut Row) -> TxResult<UserRow> {
    user_row_at(r, 0)
}

/// A user whose columns ([`USER_COLS`]) start at column `o`.
pub(crate) fn user_row_at(r: &mut Row, o: usize) -> TxResult<UserRow> {
    Ok(UserRow {
        user_id: r.text(o)?,
        user_name: r.text(o + 1)?,
        display_name: r.text(o + 2)?,
        mobile_phone: r.text(o + 3)?,
        email: r.text(o + 4)?,
        comments: r.text(o + 5)?,
        created_at: r.int(o + 6)?,
        updated_at: r.int(o + 7)?,
        last_login_at: r.opt_int(o + 8)?,
    })
}

fn key_row(r: &mut Row) -> TxResult<AccessKeyRow> {
    let status = r.text(3)?;
    Ok(AccessKeyRow {
        access_key_id: r.text(0)?,
        user_name: r.opt_text(1)?,
        secret_sealed: r.bytes(2)?,
        status: KeyStatus::parse(&status).unwrap_or(KeyStatus::Inactive),
        created_at: r.int(4)?,
        last_used_at: r.opt_int(5)?,
    })
}

locked!(USER_ID, |_| select("users", &["user_id"])
    .and_where(eq("user_name", 0))
    .take());

/// A user's id by name (`NotFound(User)`), locking its row as asked.
pub(crate) fn user_id(tx: &mut dyn Tx, user_name: &str, lock: RowLock) -> TxResult<String> {
    let id = match tx.query_opt(USER_ID.with(lock), &[user_name.into()])? {
        Some(mut r) => r.text(0)?,
        None => return Err(StoreError::NotFound(Entity::User).into()),
    };
    hold(tx, lock, "users", &id)?;
    Ok(id)
}

static COUNT_KEYS_OF: Stmt = Stmt::new(|_| {
    select("access_keys", &[])
        .expr(Expr::cust("COUNT(*)"))
        .and_where(eq("user_id", 0))
        .into()
});
static INSERT_KEY: Stmt = Stmt::new(|_| insert("access_keys", &KEY_COLS).into());

/// Gives a user a new key: `Limit(AccessKey)` if it already holds
/// `max_per_user` (the caller holds the user's row lock).
pub(crate) fn add_key(
    tx: &mut dyn Tx,
    user_id: &str,
    key: &AccessKeyRow,
    max_per_user: u64,
) -> TxResult<()> {
    if tx.count(&COUNT_KEYS_OF, &[user_id.into()])? >= max_per_user {
        return Err(StoreError::Limit(Entity::AccessKey).into());
    }
    tx.execute(
        &INSERT_KEY,
        &[
            key.access_key_id.as_str().into(),
            user_id.into(),
            (&key.secret_sealed).into(),
            key.status.as_str().into(),
            key.created_at.into(),
        ],
    )
    .map_err(unique(Entity::AccessKey))?;
    Ok(())
}

static DELETE_USER_KEY: Stmt = Stmt::new(|_| {
    Query::delete()
        .from_table("access_keys")
        .and_where(eq("access_key_id", 0))
        .and_where(eq("user_id", 1))
        .into()
});

/// Deletes one of a user's keys; returns whether it existed.
pub(crate) fn delete_key(tx: &mut dyn Tx, user_id: &str, access_key_id: &str) -> TxResult<bool> {
    Ok(tx.execute(&DELETE_USER_KEY, &[access_key_id.into(), user_id.into()])? > 0)
}

static ACCOUNT: Stmt = Stmt::new(|_| {
    select(
        "account",
        &["account_id", "console_password_hash", "created_at"],
    )
    .and_where(Expr::col("singleton").eq(1))
    .into()
});
static COUNT_ACCOUNT: Stmt =
    Stmt::new(|_| select("account", &[]).expr(Expr::cust("COUNT(*)")).into());
static INSERT_ACCOUNT: Stmt = Stmt::new(|_| {
    insert(
        "account",
        &[
            "singleton",
            "account_id",
            "console_password_hash",
            "created_at",
        ],
    )
    .into()
});

/// Deletes every row of each table it is given.
macro_rules! delete_all {
    ($($table:literal),* $(,)?) => {
        [$(Stmt::new(|_| Query::delete().from_table($table).into())),*]
    };
}

/// What [`AccountStore::reset_account`] empties, children before their
/// parents (the users' AccessKeys go between, by [`DELETE_USER_KEYS`]).
static RESET_FIRST: [Stmt; 21] = delete_all!(
    "audit_events",
    "console_sessions",
    "login_failures",
    "saml_assertions",
    "federation_providers",
    "db_accounts",
    "secret_stages",
    "secret_versions",
    "secrets",
    "tags",
    "kms_aliases",
    "kms_key_versions",
    "kms_keys",
    "attachments",
    "policy_versions",
    "policies",
    "roles",
    "account_settings",
    "group_members",
    "login_profiles",
    "mfa_devices",
);
static DELETE_USER_KEYS: Stmt = Stmt::new(|_| {
    Query::delete()
        .from_table("access_keys")
        .and_where(Expr::col("user_id").is_not_null())
        .into()
});
static RESET_LAST: [Stmt; 2] = delete_all!("groups", "users");

impl<B: Backend> AccountStore for B {
    fn account(&self) -> StoreResult<Option<AccountRow>> {
        self.transaction(Mode::Single, |tx| {
            let Some(mut r) = tx.query_opt(&ACCOUNT, &[])? else {
                return Ok(None);
            };
            Ok(Some(AccountRow {
                account_id: r.text(0)?,
                console_password_hash: r.text(1)?,
                created_at: r.int(2)?,
            }))
        })
    }

    fn generation(&self) -> Option<u64> {
        Backend::generation(self)
    }

    fn reset_account(&self) -> StoreResult<()> {
        self.transaction(Mode::Write, |tx| {
            for stmt in &RESET_FIRST {
                tx.execute(stmt, &[])?;
            }
            tx.execute(&DELETE_USER_KEYS, &[])?;
            for stmt in &RESET_LAST {
                tx.execute(stmt, &[])?;
            }
            Ok(())
        })
    }

    fn init_account(&self, account: &AccountRow, root_key: &AccessKeyRow) -> StoreResult<()> {
        self.transaction(Mode::Write, |tx| {
            if tx.count(&COUNT_ACCOUNT, &[])? > 0 {
                return Err(StoreError::Conflict(Entity::Account).into());
            }
            // A replica initializing concurrently makes this a unique violation.
            tx.execute(
                &INSERT_ACCOUNT,
                &[
                    1i64.into(),
                    (&account.account_id).into(),
                    (&account.console_password_hash).into(),
                    account.created_at.into(),
                ],
            )
            .map_err(unique(Entity::Account))?;
            tx.execute(
                &INSERT_KEY,
                &[
                    (&root_key.access_key_id).into(),
                    crate::sql::Param::Null,
                    (&root_key.secret_sealed).into(),
                    root_key.status.as_str().into(),
                    root_key.created_at.into(),
                ],
            )
            .map_err(unique(Entity::AccessKey))?;
            Ok(())
        })
    }
}

static COUNT_USERS: Stmt = Stmt::new(|_| select("users", &[]).expr(Expr::cust("COUNT(*)")).into());
static INSERT_USER: Stmt = Stmt::new(|_| insert("users", &USER_COLS).into());
static GET_USER: Stmt = Stmt::new(|_| {
    select("users", &USER_COLS)
        .and_where(eq("user_name", 0))
        .into()
});
static GET_USER_BY_ID: Stmt = Stmt::new(|_| {
    select("users", &USER_COLS)
        .and_where(eq("user_id", 0))
        .into()
});
static UPDATE_USER: Stmt = Stmt::new(|_| {
    Query::update()
        .table("users")
        .values([
            ("user_name", p(1)),
            ("display_name", p(2)),
            ("mobile_phone", p(3)),
            ("email", p(4)),
            ("comments", p(5)),
            ("updated_at", p(6)),
            ("last_login_at", p(7)),
        ])
        .and_where(eq("user_id", 0))
        .into()
});
static USER_DEPENDENTS: [(Stmt, Entity); 5] = [
    (
        Stmt::new(|_| {
            select("access_keys", &[])
                .expr(Expr::cust("COUNT(*)"))
                .and_where(eq("user_id", 0))
                .into()
        }),
        Entity::AccessKey,
    ),
    (
        Stmt::new(|_| {
            select("group_members", &[])
                .expr(Expr::cust("COUNT(*)"))
                .and_where(eq("user_id", 0))
                .into()
        }),
        Entity::Group,
    ),
    (
        Stmt::new(|_| {
            select("login_profiles", &[])
                .expr(Expr::cust("COUNT(*)"))
                .and_where(eq("user_id", 0))
                .into()
        }),
        Entity::LoginProfile,
    ),
    (
        Stmt::new(|_| {
            select("attachments", &[])
                .expr(Expr::cust("COUNT(*)"))
                .and_where(Expr::col("principal_kind").eq("User"))
                .and_where(eq("principal_id", 0))
                .into()
        }),
        Entity::Attachment,
    ),
    (
        Stmt::new(|_| {
            select("mfa_devices", &[])
                .expr(Expr::cust("COUNT(*)"))
                .and_where(eq("user_id", 0))
                .into()
        }),
        Entity::MfaDevice,
    ),
];
static DELETE_USER: Stmt = Stmt::new(|_| {
    Query::delete()
        .from_table("users")
        .and_where(eq("user_id", 0))
        .into()
});
static LIST_USERS: Stmt = Stmt::new(|_| {
    select("users", &USER_COLS)
        .and_where(Expr::col("user_name").gt(p(0)))
        .order_by("user_name", Order::Asc)
        .limit(lim(1))
        .into()
});

/// Key columns with the owner's name (`NULL` for root keys).
fn keys_select() -> sea_query::SelectStatement {
    Query::select()
        .columns([
            ("k", "access_key_id"),
            ("u", "user_name"),
            ("k", "secret_sealed"),
            ("k", "status"),
            ("k", "created_at"),
            ("k", "last_used_at"),
        ])
        .from_as("access_keys", "k")
        .join_as(
            JoinType::LeftJoin,
            "users",
            "u",
            Expr::col(("u", "user_id")).equals(("k", "user_id")),
        )
        .take()
}

static ROOT_KEYS: Stmt = Stmt::new(|_| {
    keys_select()
        .and_where(Expr::col(("k", "user_id")).is_null())
        .order_by(("k", "created_at"), Order::Asc)
        .into()
});
static GET_KEY: Stmt = Stmt::new(|_| {
    keys_select()
        .and_where(Expr::col(("k", "access_key_id")).eq(p(0)))
        .into()
});
static LIST_KEYS: Stmt = Stmt::new(|_| {
    keys_select()
        .and_where(Expr::col(("k", "user_id")).eq(p(0)))
        .order_by(("k", "created_at"), Order::Asc)
        .order_by(("k", "access_key_id"), Order::Asc)
        .into()
});
static SET_KEY_STATUS: Stmt = Stmt::new(|_| {
    Query::update()
        .table("access_keys")
        .value("status", p(2))
        .and_where(eq("access_key_id", 0))
        .and_where(eq("user_id", 1))
        .into()
});
static TOUCH_KEY: Stmt = Stmt::new(|_| {
    Query::update()
        .table("access_keys")
        .value("last_used_at", p(1))
        .and_where(eq("access_key_id", 0))
        .into()
});
static INSERT_PROFILE: Stmt = Stmt::new(|_| insert("login_profiles", &PROFILE_COLS).into());
static GET_PROFILE: Stmt = Stmt::new(|_| {
    select("login_profiles", &PROFILE_COLS[1..])
        .and_where(eq("user_id", 0))
        .into()
});
static UPDATE_PROFILE: Stmt = Stmt::new(|_| {
    Query::update()
        .table("login_profiles")
        .values([
            ("password_hash", p(1)),
            ("password_reset_required", p(2)),
            ("mfa_bind_required", p(3)),
            ("updated_at", p(4)),
            ("password_changed_at", p(5)),
            ("password_history", p(6)),
        ])
        .and_where(eq("user_id", 0))
        .into()
});
static DELETE_PROFILE: Stmt = Stmt::new(|_| {
    Query::delete()
        .from_table("login_profiles")
        .and_where(eq("user_id", 0))
        .into()
});

impl<B: Backend> UserStore for B {
    fn create_user(&self, user: &UserRow, max_users: u64) -> StoreResult<()> {
        self.create_user_with_tags(user, max_users, &[], 0)
    }

    fn create_user_with_tags(
        &self,
        user: &UserRow,
        max_users: u64,
        tags: &[(String, String)],
        max_tags: u64,
    ) -> StoreResult<()> {
        self.transaction(Mode::Write, |tx| {
            tx.lock(Lock::Limit(Limit::Users))?;
            if tx.count(&COUNT_USERS, &[])? >= max_users {
                return Err(StoreError::Limit(Entity::User).into());
            }
            tx.execute(
                &INSERT_USER,
                &[
                    (&user.user_id).into(),
                    (&user.user_name).into(),
                    (&user.display_name).into(),
                    (&user.mobile_phone).into(),
                    (&user.email).into(),
                    (&user.comments).into(),
                    user.created_at.into(),
                    user.updated_at.into(),
                    user.last_login_at.into(),
                ],
            )
            .map_err(unique(Entity::User))?;
            if !tags.is_empty() {
                super::kms::put_tags(tx, crate::TagResource::User, &user.user_id, tags, max_tags)?;
            }
            Ok(())
        })
    }

    fn get_user(&self, user_name: &str) -> StoreResult<Option<UserRow>> {
        self.transaction(Mode::Single, |tx| {
            tx.query_opt(&GET_USER, &[user_name.into()])?
                .map(|mut r| user_row(&mut r))
                .transpose()
        })
    }

    fn get_user_by_id(&self, user_id: &str) -> StoreResult<Option<UserRow>> {
        self.transaction(Mode::Single, |tx| {
            tx.query_opt(&GET_USER_BY_ID, &[user_id.into()])?
                .map(|mut r| user_row(&mut r))
                .transpose()
        })
    }

    fn update_user(&self, user: &UserRow) -> StoreResult<()> {
        self.transaction(Mode::Write, |tx| {
            let n = tx
                .execute(
                    &UPDATE_USER,
                    &[
                        (&user.user_id).into(),
                        (&user.user_name).into(),
                        (&user.display_name).into(),
                        (&user.mobile_phone).into(),
                        (&user.email).into(),
                        (&user.comments).into(),
                        user.updated_at.into(),
                        user.last_login_at.into(),
                    ],
                )
                .map_err(unique(Entity::User))?;
            if n == 0 {
                return Err(StoreError::NotFound(Entity::User).into());
            }
            Ok(())
        })
    }

    fn delete_user(&self, user_name: &str) -> StoreResult<()> {
        self.transaction(Mode::Write, |tx| {
            let id = user_id(tx, user_name, RowLock::Update)?;
            for (stmt, dependent) in &USER_DEPENDENTS {
                if tx.count(stmt, &[id.as_str().into()])? > 0 {
                    return Err(StoreError::DeleteConflict(*dependent).into());
                }
            }
            super::kms::delete_tags(tx, crate::TagResource::User, &id)?;
            tx.execute(&DELETE_USER, &[id.as_str().into()])?;
            Ok(())
        })
    }

    fn list_users(&self, after: Option<&str>, limit: u32) -> StoreResult<Vec<UserRow>> {
        self.transaction(Mode::Single, |tx| {
            let rows = tx.query(&LIST_USERS, &[after.unwrap_or("").into(), limit.into()])?;
            map(rows, user_row)
        })
    }

    fn create_access_key(
        &self,
        user_name: &str,
        key: &AccessKeyRow,
        max_per_user: u64,
    ) -> StoreResult<()> {
        self.transaction(Mode::Write, |tx| {
            // The user's row lock serializes the count with other creators.
            let id = user_id(tx, user_name, RowLock::Update)?;
            add_key(tx, &id, key, max_per_user)
        })
    }

    fn root_access_keys(&self) -> StoreResult<Vec<AccessKeyRow>> {
        self.transaction(Mode::Single, |tx| map(tx.query(&ROOT_KEYS, &[])?, key_row))
    }

    fn get_access_key(&self, access_key_id: &str) -> StoreResult<Option<AccessKeyRow>> {
        self.transaction(Mode::Single, |tx| {
            tx.query_opt(&GET_KEY, &[access_key_id.into()])?
                .map(|mut r| key_row(&mut r))
                .transpose()
        })
    }

    fn list_access_keys(&self, user_name: &str) -> StoreResult<Vec<AccessKeyRow>> {
        self.transaction(Mode::Read, |tx| {
            let id = user_id(tx, user_name, RowLock::None)?;
            map(tx.query(&LIST_KEYS, &[id.as_str().into()])?, key_row)
        })
    }

    fn set_access_key_status(
        &self,
        user_name: &str,
        access_key_id: &str,
        status: KeyStatus,
        _now: i64,
    ) -> StoreResult<()> {
        self.transaction(Mode::Write, |tx| {
            let id = user_id(tx, user_name, RowLock::None)?;
            let n = tx.execute(
                &SET_KEY_STATUS,
                &[
                    access_key_id.into(),
                    id.as_str().into(),
                    status.as_str().into(),
                ],
            )?;
            if n == 0 {
                return Err(StoreError::NotFound(Entity::AccessKey).into());
            }
            Ok(())
        })
    }

    fn delete_access_key(&self, user_name: &str, access_key_id: &str) -> StoreResult<()> {
        self.transaction(Mode::Write, |tx| {
            let id = user_id(tx, user_name, RowLock::None)?;
            if !delete_key(tx, &id, access_key_id)? {
                return Err(StoreError::NotFound(Entity::AccessKey).into());
            }
            Ok(())
        })
    }

    fn touch_access_key(&self, access_key_id: &str, now: i64) -> StoreResult<()> {
        self.transaction(Mode::Write, |tx| {
            tx.execute(&TOUCH_KEY, &[access_key_id.into(), now.into()])?;
            Ok(())
        })
    }

    fn create_login_profile(&self, user_name: &str, p: &LoginProfileRow) -> StoreResult<()> {
        self.transaction(Mode::Write, |tx| {
            let uid = user_id(tx, user_name, RowLock::Share)?;
            tx.execute(
                &INSERT_PROFILE,
                &[
                    uid.as_str().into(),
                    (&p.password_hash).into(),
                    p.password_reset_required.into(),
                    p.mfa_bind_required.into(),
                    p.created_at.into(),
                    p.updated_at.into(),
                    p.password_changed_at.into(),
                    history_text(&p.previous_hashes).as_str().into(),
                ],
            )
            .map_err(unique(Entity::LoginProfile))?;
            Ok(())
        })
    }

    fn get_login_profile(&self, user_name: &str) -> StoreResult<Option<LoginProfileRow>> {
        self.transaction(Mode::Read, |tx| {
            let uid = user_id(tx, user_name, RowLock::None)?;
            let Some(mut r) = tx.query_opt(&GET_PROFILE, &[uid.as_str().into()])? else {
                return Ok(None);
            };
            Ok(Some(LoginProfileRow {
                password_hash: r.text(0)?,
                password_reset_required: r.boolean(1)?,
                mfa_bind_required: r.boolean(2)?,
                created_at: r.int(3)?,
                updated_at: r.int(4)?,
                password_changed_at: r.opt_int(5)?.unwrap_or(0),
                previous_hashes: history_of(r.opt_text(6)?),
            }))
        })
    }

    fn update_login_profile(&self, user_name: &str, p: &LoginProfileRow) -> StoreResult<()> {
        self.transaction(Mode::Write, |tx| {
            let uid = user_id(tx, user_name, RowLock::None)?;
            let n = tx.execute(
                &UPDATE_PROFILE,
                &[
                    uid.as_str().into(),
                    (&p.password_hash).into(),
                    p.password_reset_required.into(),
                    p.mfa_bind_required.into(),
                    p.updated_at.into(),
                    p.password_changed_at.into(),
                    history_text(&p.previous_hashes).as_str().into(),
                ],
            )?;
            if n == 0 {
                return Err(StoreError::NotFound(Entity::LoginProfile).into());
            }
            Ok(())
        })
    }

    fn delete_login_profile(&self, user_name: &str) -> StoreResult<()> {
        self.transaction(Mode::Write, |tx| {
            let uid = user_id(tx, user_name, RowLock::None)?;
            if tx.execute(&DELETE_PROFILE, &[uid.as_str().into()])? == 0 {
                return Err(StoreError::NotFound(Entity::LoginProfile).into());
            }
            Ok(())
        })
    }
}
