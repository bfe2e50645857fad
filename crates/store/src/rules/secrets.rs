//! Secrets, their versions and stage labels. Rules: a new secret's first
//! version is `ACSCurrent`; moving `ACSCurrent` gives the former current
//! version `ACSPrevious`; beyond the version limit the oldest unlabelled
//! versions go; a secret is purged whole when its deletion window ends.

use sea_query::{Expr, JoinType, OnConflict, Order, Query, SelectStatement, SimpleExpr};

use super::kms::{delete_tags, due, put_tags, CREATE_MAX_TAGS};
use super::{count_where, eq, hold, insert, locked, map, select, texts, RowLock};
use crate::sql::{lim, p, Dialect, Row, Stmt};
use crate::tx::{unique, Backend, Limit, Lock, Mode, Tx, TxResult};
use crate::{
    Entity, NewSecret, SecretRow, SecretStore, SecretVersionRow, StageMove, StagedVersion,
    StoreError, StoreResult, TagResource,
};

/// The stage of the version a secret's reads return by default.
pub(crate) const CURRENT: &str = "ACSCurrent";
/// The stage the former current version gets.
pub(crate) const PREVIOUS: &str = "ACSPrevious";

const SECRET_COLS: [&str; 13] = [
    "secret_name",
    "secret_type",
    "description",
    "encryption_key_id",
    "created_at",
    "updated_at",
    "planned_delete_at",
    "extended_config",
    "rotation_enabled",
    "rotation_interval",
    "next_rotation_at",
    "last_rotation_at",
    "policy",
];
const STATE_COLS: [&str; 6] = [
    "rotation_error",
    "rotation_failures",
    "rotation_retry_at",
    "pending_key_id",
    "pending_key_delete_at",
    "pending_version_id",
];
/// The column where a secret's version starts in [`with_version`]'s rows.
const VERSION_AT: usize = SECRET_COLS.len() + STATE_COLS.len();
const VERSION_COLS: [&str; 8] = [
    "version_id",
    "seq",
    "data_type",
    "key_id",
    "key_version_id",
    "wrapped_key",
    "ciphertext",
    "created_at",
];

fn secret_row(r: &mut Row) -> TxResult<SecretRow> {
    Ok(SecretRow {
        secret_name: r.text(0)?,
        secret_type: r.text(1)?,
        description: r.text(2)?,
        encryption_key_id: r.text(3)?,
        created_at: r.int(4)?,
        updated_at: r.int(5)?,
        planned_delete_at: r.opt_int(6)?,
        extended_config: r.opt_text(7)?,
        rotation_enabled: r.boolean(8)?,
        rotation_interval: r.opt_int(9)?,
        next_rotation_at: r.opt_int(10)?,
        last_rotation_at: r.opt_int(11)?,
        policy: r.opt_text(12)?,
        rotation_error: r.opt_text(13)?,
        rotation_failures: r.int(14)?,
        rotation_retry_at: r.opt_int(15)?,
        pending_key_id: r.opt_text(16)?,
        pending_key_delete_at: r.opt_int(17)?,
        pending_version_id: r.opt_text(18)?,
    })
}

/// A version whose columns ([`VERSION_COLS`]) start at column `o`.
fn version_row_at(r: &mut Row, o: usize) -> TxResult<SecretVersionRow> {
    Ok(SecretVersionRow {
        version_id: r.text(o)?,
        seq: r.int(o + 1)?,
        data_type: r.text(o + 2)?,
        key_id: r.text(o + 3)?,
        key_version_id: r.text(o + 4)?,
        wrapped_key: r.bytes(o + 5)?,
        ciphertext: r.bytes(o + 6)?,
        created_at: r.int(o + 7)?,
    })
}

fn secret_select() -> SelectStatement {
    Query::select()
        .columns(SECRET_COLS.map(|c| ("s", c)))
        .columns(STATE_COLS.map(|c| ("s", c)))
        .from_as("secrets", "s")
        .take()
}

locked!(SECRET_SEQ, |_| select("secrets", &["next_seq"])
    .and_where(eq("secret_name", 0))
    .take());

/// The secret's `next_seq` (`NotFound(Secret)`), locking its row as asked.
pub(crate) fn secret_seq(tx: &mut dyn Tx, name: &str, lock: RowLock) -> TxResult<i64> {
    let seq = match tx.query_opt(SECRET_SEQ.with(lock), &[name.into()])? {
        Some(mut r) => r.int(0)?,
        None => return Err(StoreError::NotFound(Entity::Secret).into()),
    };
    hold(tx, lock, "secrets", name)?;
    Ok(seq)
}

static STAGES_OF: Stmt = Stmt::new(|_| {
    select("secret_stages", &["stage"])
        .and_where(eq("secret_name", 0))
        .and_where(eq("version_id", 1))
        .order_by("stage", Order::Asc)
        .into()
});
static HOLDER: Stmt = Stmt::new(|_| {
    select("secret_stages", &["version_id"])
        .and_where(eq("secret_name", 0))
        .and_where(eq("stage", 1))
        .into()
});
static SET_STAGE: Stmt = Stmt::new(|_| {
    insert("secret_stages", &["secret_name", "stage", "version_id"])
        .on_conflict(
            OnConflict::columns(["secret_name", "stage"])
                .update_column("version_id")
                .to_owned(),
        )
        .to_owned()
        .into()
});
static DELETE_STAGE: Stmt = Stmt::new(|_| {
    Query::delete()
        .from_table("secret_stages")
        .and_where(eq("secret_name", 0))
        .and_where(eq("stage", 1))
        .into()
});
static INSERT_VERSION: Stmt = Stmt::new(|_| {
    let mut cols = vec!["secret_name"];
    cols.extend(VERSION_COLS);
    insert("secret_versions", &cols).into()
});
static COUNT_VERSIONS: Stmt =
    Stmt::new(|_| count_where("secret_versions", &[("secret_name", 0)]).into());
static HAS_VERSION: Stmt =
    Stmt::new(|_| count_where("secret_versions", &[("secret_name", 0), ("version_id", 1)]).into());
static COUNT_LABELS: Stmt =
    Stmt::new(|_| count_where("secret_stages", &[("secret_name", 0), ("version_id", 1)]).into());
static UNLABELLED: Stmt = Stmt::new(|_| {
    Query::select()
        .column(("v", "version_id"))
        .from_as("secret_versions", "v")
        .join_as(
            JoinType::LeftJoin,
            "secret_stages",
            "s",
            Expr::col(("s", "secret_name"))
                .equals(("v", "secret_name"))
                .and(Expr::col(("s", "version_id")).equals(("v", "version_id"))),
        )
        .and_where(Expr::col(("v", "secret_name")).eq(p(0)))
        .and_where(Expr::col(("s", "stage")).is_null())
        .order_by(("v", "seq"), Order::Asc)
        .limit(lim(1))
        .into()
});
static DELETE_VERSION: Stmt = Stmt::new(|_| {
    Query::delete()
        .from_table("secret_versions")
        .and_where(eq("secret_name", 0))
        .and_where(eq("version_id", 1))
        .into()
});

pub(crate) fn stages_of(tx: &mut dyn Tx, name: &str, version_id: &str) -> TxResult<Vec<String>> {
    texts(tx.query(&STAGES_OF, &[name.into(), version_id.into()])?)
}

/// The version holding `stage`, if any.
pub(crate) fn holder(tx: &mut dyn Tx, name: &str, stage: &str) -> TxResult<Option<String>> {
    tx.query_opt(&HOLDER, &[name.into(), stage.into()])?
        .map(|mut r| r.text(0))
        .transpose()
}

fn set_stage(tx: &mut dyn Tx, name: &str, stage: &str, version_id: &str) -> TxResult<()> {
    tx.execute(&SET_STAGE, &[name.into(), stage.into(), version_id.into()])?;
    Ok(())
}

/// Attaches `stage` to `version_id`; moving `ACSCurrent` gives the former
/// current version `ACSPrevious`.
pub(crate) fn attach_stage(
    tx: &mut dyn Tx,
    name: &str,
    stage: &str,
    version_id: &str,
) -> TxResult<()> {
    if stage == CURRENT {
        if let Some(old) = holder(tx, name, CURRENT)? {
            if old != version_id {
                set_stage(tx, name, PREVIOUS, &old)?;
            }
        }
    }
    set_stage(tx, name, stage, version_id)
}

/// Removes `stage`; deletes the version that held it if no label is left
/// on it.
pub(crate) fn drop_stage_and_version(tx: &mut dyn Tx, name: &str, stage: &str) -> TxResult<()> {
    let Some(version) = holder(tx, name, stage)? else {
        return Ok(());
    };
    tx.execute(&DELETE_STAGE, &[name.into(), stage.into()])?;
    if tx.count(&COUNT_LABELS, &[name.into(), version.as_str().into()])? == 0 {
        tx.execute(&DELETE_VERSION, &[name.into(), version.as_str().into()])?;
    }
    Ok(())
}

/// Stores a version under the secret's next sequence number (the caller
/// read `seq` under the secret's row lock) and moves the counter on.
pub(crate) fn insert_version(
    tx: &mut dyn Tx,
    name: &str,
    v: &SecretVersionRow,
    seq: i64,
) -> TxResult<()> {
    tx.execute(
        &INSERT_VERSION,
        &[
            name.into(),
            (&v.version_id).into(),
            seq.into(),
            (&v.data_type).into(),
            (&v.key_id).into(),
            (&v.key_version_id).into(),
            (&v.wrapped_key).into(),
            (&v.ciphertext).into(),
            v.created_at.into(),
        ],
    )
    .map_err(unique(Entity::SecretVersion))?;
    Ok(())
}

/// Drops the oldest unlabelled versions beyond `max`.
pub(crate) fn evict(tx: &mut dyn Tx, name: &str, max: u64) -> TxResult<()> {
    let total = tx.count(&COUNT_VERSIONS, &[name.into()])?;
    if total <= max {
        return Ok(());
    }
    let ids = texts(tx.query(&UNLABELLED, &[name.into(), (total - max).into()])?)?;
    for id in &ids {
        tx.execute(&DELETE_VERSION, &[name.into(), id.into()])?;
    }
    Ok(())
}

static COUNT_SECRETS: Stmt = Stmt::new(|d| match d {
    // A trigger keeps the count: counting a million rows is not free.
    Dialect::Sqlite => select("counters", &["n"])
        .and_where(Expr::col("name").eq("secrets"))
        .into(),
    Dialect::Postgres | Dialect::Mysql => count_where("secrets", &[]).into(),
});
static INSERT_SECRET: Stmt = Stmt::new(|_| {
    let mut cols = SECRET_COLS.to_vec();
    cols.push("next_seq");
    cols.push("pending_version_id");
    insert("secrets", &cols).into()
});
static GET_SECRET: Stmt = Stmt::new(|_| {
    secret_select()
        .and_where(Expr::col(("s", "secret_name")).eq(p(0)))
        .into()
});
static LIST_SECRETS: Stmt = Stmt::new(|_| {
    secret_select()
        .order_by(("s", "secret_name"), Order::Asc)
        .into()
});
static UPDATE_SECRET: [Stmt; 2] = [
    Stmt::new(|_| {
        Query::update()
            .table("secrets")
            .values([
                ("description", p(1)),
                ("updated_at", p(2)),
                ("planned_delete_at", p(3)),
                ("extended_config", p(4)),
                ("rotation_enabled", p(5)),
                ("rotation_interval", p(6)),
                ("next_rotation_at", p(7)),
                ("policy", p(8)),
            ])
            .and_where(eq("secret_name", 0))
            .into()
    }),
    // Turning rotation off drops a pending retry.
    Stmt::new(|_| {
        Query::update()
            .table("secrets")
            .value("rotation_retry_at", Expr::cust("NULL"))
            .and_where(eq("secret_name", 0))
            .into()
    }),
];
static SET_SEQ: Stmt = Stmt::new(|_| {
    Query::update()
        .table("secrets")
        .values([("next_seq", p(1)), ("updated_at", p(2))])
        .and_where(eq("secret_name", 0))
        .into()
});
static TOUCH_SECRET: Stmt = Stmt::new(|_| {
    Query::update()
        .table("secrets")
        .value("updated_at", p(1))
        .and_where(eq("secret_name", 0))
        .into()
});

/// A secret with one of its versions and that version's stages (a JSON
/// array), in one statement: one snapshot without a transaction.
fn with_version(d: Dialect, by_stage: bool) -> SelectStatement {
    let stages = match d {
        Dialect::Sqlite => "json_group_array(st.stage)",
        Dialect::Postgres => "CAST(json_agg(st.stage) AS TEXT)",
        Dialect::Mysql => "JSON_ARRAYAGG(st.stage)",
    };
    let version = if by_stage {
        // A scalar subquery: SQLite plans `IN (…)` as a temporary list.
        let holder = Query::select()
            .column(("h", "version_id"))
            .from_as("secret_stages", "h")
            .and_where(Expr::col(("h", "secret_name")).eq(p(0)))
            .and_where(Expr::col(("h", "stage")).eq(p(1)))
            .take();
        Expr::col(("v", "version_id")).eq(SimpleExpr::SubQuery(
            None,
            Box::new(holder.into_sub_query_statement()),
        ))
    } else {
        Expr::col(("v", "version_id")).eq(p(1))
    };
    secret_select()
        .columns(VERSION_COLS.map(|c| ("v", c)))
        .expr(Expr::cust(format!(
            "(SELECT {stages} FROM secret_stages st \
             WHERE st.secret_name = v.secret_name AND st.version_id = v.version_id)"
        )))
        .join_as(
            JoinType::LeftJoin,
            "secret_versions",
            "v",
            Expr::col(("v", "secret_name"))
                .equals(("s", "secret_name"))
                .and(version),
        )
        .and_where(Expr::col(("s", "secret_name")).eq(p(0)))
        .take()
}

static WITH_VERSION: [Stmt; 2] = [
    Stmt::new(|d| with_version(d, false).into()),
    Stmt::new(|d| with_version(d, true).into()),
];

fn secret_with_version(r: &mut Row) -> TxResult<(SecretRow, Option<StagedVersion>)> {
    let secret = secret_row(r)?;
    if r.is_null(VERSION_AT) {
        return Ok((secret, None));
    }
    let version = version_row_at(r, VERSION_AT)?;
    let mut stages: Vec<String> = match r.opt_text(VERSION_AT + VERSION_COLS.len())? {
        Some(json) => serde_json::from_str(&json).map_err(|e| {
            crate::tx::TxError::Db(crate::tx::DbError::other(format!("stage list: {e}")))
        })?,
        None => Vec::new(),
    };
    stages.sort();
    Ok((secret, Some(StagedVersion { version, stages })))
}

static VERSION_BY_ID: Stmt = Stmt::new(|_| {
    select("secret_versions", &VERSION_COLS)
        .and_where(eq("secret_name", 0))
        .and_where(eq("version_id", 1))
        .into()
});
static LIST_VERSIONS: Stmt = Stmt::new(|_| {
    select("secret_versions", &VERSION_COLS)
        .and_where(eq("secret_name", 0))
        .order_by("seq", Order::Asc)
        .into()
});
static DUE_SECRETS: Stmt = Stmt::new(|_| {
    due(
        select("secrets", &["secret_name"])
            .and_where(Expr::col("planned_delete_at").is_not_null())
            .and_where(Expr::col("planned_delete_at").lte(p(0)))
            .take(),
        "secret_name",
    )
    .into()
});
static DB_ACCOUNT_HOLDER: Stmt = Stmt::new(|_| {
    select("db_accounts", &["secret_name"])
        .and_where(eq("instance_id", 0))
        .and_where(eq("account", 1))
        .into()
});
static INSERT_DB_ACCOUNT: Stmt =
    Stmt::new(|_| insert("db_accounts", &["instance_id", "account", "secret_name"]).into());
static PURGE: [Stmt; 4] = [
    Stmt::new(|_| {
        Query::delete()
            .from_table("db_accounts")
            .and_where(eq("secret_name", 0))
            .into()
    }),
    Stmt::new(|_| {
        Query::delete()
            .from_table("secret_stages")
            .and_where(eq("secret_name", 0))
            .into()
    }),
    Stmt::new(|_| {
        Query::delete()
            .from_table("secret_versions")
            .and_where(eq("secret_name", 0))
            .into()
    }),
    Stmt::new(|_| {
        Query::delete()
            .from_table("secrets")
            .and_where(eq("secret_name", 0))
            .into()
    }),
];

fn purge_one(tx: &mut dyn Tx, name: &str) -> TxResult<()> {
    delete_tags(tx, TagResource::Secret, name)?;
    for stmt in &PURGE {
        tx.execute(stmt, &[name.into()])?;
    }
    Ok(())
}

/// A version by id or by the stage holding it, with its stages.
fn version_in(
    tx: &mut dyn Tx,
    name: &str,
    version_id: Option<&str>,
    stage: Option<&str>,
) -> TxResult<Option<StagedVersion>> {
    let id = match (version_id, stage) {
        (Some(id), _) => id.to_string(),
        (None, Some(stage)) => match holder(tx, name, stage)? {
            Some(id) => id,
            None => return Ok(None),
        },
        (None, None) => return Ok(None),
    };
    let Some(mut r) = tx.query_opt(&VERSION_BY_ID, &[name.into(), id.as_str().into()])? else {
        return Ok(None);
    };
    let version = version_row_at(&mut r, 0)?;
    Ok(Some(StagedVersion {
        stages: stages_of(tx, name, &version.version_id)?,
        version,
    }))
}

/// Inserts a secret and its first versions (in sequence order, each with
/// its stage or none), within the account's quota of secrets.
fn insert_secret(
    tx: &mut dyn Tx,
    s: &SecretRow,
    versions: &[(&SecretVersionRow, Option<&str>)],
    tags: &[(String, String)],
    max_secrets: u64,
) -> TxResult<()> {
    tx.lock(Lock::Limit(Limit::Secrets))?;
    if tx.count(&COUNT_SECRETS, &[])? >= max_secrets {
        return Err(StoreError::Limit(Entity::Secret).into());
    }
    let next_seq = i64::try_from(versions.len()).unwrap_or(i64::MAX - 1) + 1;
    tx.execute(
        &INSERT_SECRET,
        &[
            (&s.secret_name).into(),
            (&s.secret_type).into(),
            (&s.description).into(),
            (&s.encryption_key_id).into(),
            s.created_at.into(),
            s.updated_at.into(),
            s.planned_delete_at.into(),
            (&s.extended_config).into(),
            s.rotation_enabled.into(),
            s.rotation_interval.into(),
            s.next_rotation_at.into(),
            s.last_rotation_at.into(),
            (&s.policy).into(),
            next_seq.into(),
            (&s.pending_version_id).into(),
        ],
    )
    .map_err(unique(Entity::Secret))?;
    for (seq, (v, stage)) in (1..).zip(versions) {
        insert_version(tx, &s.secret_name, v, seq)?;
        if let Some(stage) = stage {
            set_stage(tx, &s.secret_name, stage, &v.version_id)?;
        }
    }
    put_tags(
        tx,
        TagResource::Secret,
        &s.secret_name,
        tags,
        CREATE_MAX_TAGS,
    )
}

impl<B: Backend> SecretStore for B {
    fn create_secret(
        &self,
        s: &SecretRow,
        first: &SecretVersionRow,
        tags: &[(String, String)],
        max_secrets: u64,
    ) -> StoreResult<()> {
        self.transaction(Mode::Write, |tx| {
            insert_secret(tx, s, &[(first, Some(CURRENT))], tags, max_secrets)
        })
    }

    fn create_secret_with(&self, new: &NewSecret<'_>) -> StoreResult<()> {
        self.transaction(Mode::Write, |tx| {
            insert_secret(tx, new.secret, new.versions, new.tags, new.max_secrets)?;
            for (instance, account) in new.db_accounts {
                tx.execute(
                    &INSERT_DB_ACCOUNT,
                    &[
                        instance.as_str().into(),
                        account.as_str().into(),
                        new.secret.secret_name.as_str().into(),
                    ],
                )
                .map_err(unique(Entity::DbAccount))?;
            }
            Ok(())
        })
    }

    fn db_account_holders(
        &self,
        instance_id: &str,
        accounts: &[String],
    ) -> StoreResult<Vec<(String, String)>> {
        self.transaction(Mode::Read, |tx| {
            let mut out = Vec::new();
            for a in accounts {
                if let Some(mut r) =
                    tx.query_opt(&DB_ACCOUNT_HOLDER, &[instance_id.into(), a.as_str().into()])?
                {
                    out.push((a.clone(), r.text(0)?));
                }
            }
            Ok(out)
        })
    }

    fn get_secret(&self, name: &str) -> StoreResult<Option<SecretRow>> {
        self.transaction(Mode::Single, |tx| {
            tx.query_opt(&GET_SECRET, &[name.into()])?
                .map(|mut r| secret_row(&mut r))
                .transpose()
        })
    }

    fn list_secrets(&self) -> StoreResult<Vec<SecretRow>> {
        self.transaction(Mode::Single, |tx| {
            map(tx.query(&LIST_SECRETS, &[])?, secret_row)
        })
    }

    fn update_secret(&self, s: &SecretRow) -> StoreResult<()> {
        self.transaction(Mode::Write, |tx| {
            let n = tx.execute(
                &UPDATE_SECRET[0],
                &[
                    (&s.secret_name).into(),
                    (&s.description).into(),
                    s.updated_at.into(),
                    s.planned_delete_at.into(),
                    (&s.extended_config).into(),
                    s.rotation_enabled.into(),
                    s.rotation_interval.into(),
                    s.next_rotation_at.into(),
                    (&s.policy).into(),
                ],
            )?;
            if n == 0 {
                return Err(StoreError::NotFound(Entity::Secret).into());
            }
            if !s.rotation_enabled {
                tx.execute(&UPDATE_SECRET[1], &[(&s.secret_name).into()])?;
            }
            Ok(())
        })
    }

    fn put_secret_version(
        &self,
        name: &str,
        v: &SecretVersionRow,
        stages: &[String],
        max_versions: u64,
    ) -> StoreResult<()> {
        self.transaction(Mode::Write, |tx| {
            // The secret's row lock orders versions and stage moves.
            let seq = secret_seq(tx, name, RowLock::Update)?;
            insert_version(tx, name, v, seq)?;
            tx.execute(
                &SET_SEQ,
                &[name.into(), (seq + 1).into(), v.created_at.into()],
            )?;
            for stage in stages {
                attach_stage(tx, name, stage, &v.version_id)?;
            }
            evict(tx, name, max_versions)
        })
    }

    fn get_secret_version(
        &self,
        name: &str,
        version_id: Option<&str>,
        stage: Option<&str>,
    ) -> StoreResult<Option<StagedVersion>> {
        self.transaction(Mode::Read, |tx| version_in(tx, name, version_id, stage))
    }

    fn get_secret_with_version(
        &self,
        name: &str,
        version_id: Option<&str>,
        stage: Option<&str>,
    ) -> StoreResult<Option<(SecretRow, Option<StagedVersion>)>> {
        let (stmt, key) = match (version_id, stage) {
            (Some(id), _) => (&WITH_VERSION[0], id),
            (None, Some(stage)) => (&WITH_VERSION[1], stage),
            (None, None) => {
                return Ok(self.get_secret(name)?.map(|s| (s, None)));
            }
        };
        self.transaction(Mode::Single, |tx| {
            tx.query_opt(stmt, &[name.into(), key.into()])?
                .map(|mut r| secret_with_version(&mut r))
                .transpose()
        })
    }

    fn list_secret_versions(&self, name: &str) -> StoreResult<Vec<StagedVersion>> {
        self.transaction(Mode::Read, |tx| {
            secret_seq(tx, name, RowLock::None)?;
            let versions = map(tx.query(&LIST_VERSIONS, &[name.into()])?, |r| {
                version_row_at(r, 0)
            })?;
            let mut out = Vec::with_capacity(versions.len());
            for version in versions {
                out.push(StagedVersion {
                    stages: stages_of(tx, name, &version.version_id)?,
                    version,
                });
            }
            Ok(out)
        })
    }

    fn move_secret_stage(&self, name: &str, mv: &StageMove, now: i64) -> StoreResult<()> {
        self.transaction(Mode::Write, |tx| {
            secret_seq(tx, name, RowLock::Update)?;
            let current = holder(tx, name, &mv.stage)?;
            if let Some(from) = &mv.remove_from {
                if current.as_deref() != Some(from.as_str()) {
                    return Err(StoreError::Conflict(Entity::Stage).into());
                }
            }
            match &mv.move_to {
                Some(to) => {
                    if tx.count(&HAS_VERSION, &[name.into(), to.into()])? == 0 {
                        return Err(StoreError::NotFound(Entity::SecretVersion).into());
                    }
                    attach_stage(tx, name, &mv.stage, to)?;
                }
                None => {
                    tx.execute(&DELETE_STAGE, &[name.into(), (&mv.stage).into()])?;
                }
            }
            tx.execute(&TOUCH_SECRET, &[name.into(), now.into()])?;
            Ok(())
        })
    }

    fn delete_secret(&self, name: &str) -> StoreResult<()> {
        self.transaction(Mode::Write, |tx| {
            secret_seq(tx, name, RowLock::Update)?;
            purge_one(tx, name)
        })
    }

    fn purge_secrets(&self, now: i64) -> StoreResult<Vec<String>> {
        self.transaction(Mode::Write, |tx| {
            let names = texts(tx.query(&DUE_SECRETS, &[now.into()])?)?;
            for n in &names {
                purge_one(tx, n)?;
            }
            Ok(names)
        })
    }
}
