//! KMS keys, their versions, aliases and tags. Rules: a key count limit,
//! one account default key, at most [`CREATE_MAX_TAGS`] tags on a new key
//! or secret (the caller's limit afterwards), purges when the deletion
//! window ends.

use sea_query::{Expr, OnConflict, Order, Query, SelectStatement};

use super::{count_where, eq, hold, insert, locked, map, select, texts, RowLock};
use crate::sql::{lim, p, Param, Row, Stmt};
use crate::tx::{unique, Backend, Limit, Lock, Mode, Tx, TxResult};
use crate::{
    AliasRow, Entity, KeyRow, KeyVersionRow, KmsStore, StoreError, StoreResult, TagResource,
};

/// Tags a new key or secret may carry.
pub(crate) const CREATE_MAX_TAGS: u64 = 20;

const KEY_COLS: [&str; 20] = [
    "key_id",
    "description",
    "key_spec",
    "key_usage",
    "origin",
    "protection_level",
    "key_state",
    "creator",
    "created_at",
    "delete_at",
    "deletion_protection",
    "deletion_protection_description",
    "rotation_interval",
    "next_rotation_at",
    "last_rotation_at",
    "primary_version",
    "is_default",
    "policy",
    "material_expire_at",
    "material_digest",
];
const VERSION_COLS: [&str; 4] = ["key_id", "version_id", "material_sealed", "created_at"];
const ALIAS_COLS: [&str; 4] = ["alias_name", "key_id", "created_at", "updated_at"];

fn key_row(r: &mut Row) -> TxResult<KeyRow> {
    Ok(KeyRow {
        key_id: r.text(0)?,
        description: r.text(1)?,
        key_spec: r.text(2)?,
        key_usage: r.text(3)?,
        origin: r.text(4)?,
        protection_level: r.text(5)?,
        key_state: r.text(6)?,
        creator: r.text(7)?,
        created_at: r.int(8)?,
        delete_at: r.opt_int(9)?,
        deletion_protection: r.boolean(10)?,
        deletion_protection_description: r.text(11)?,
        rotation_interval: r.opt_int(12)?,
        next_rotation_at: r.opt_int(13)?,
        last_rotation_at: r.int(14)?,
        primary_version: r.text(15)?,
        is_default: r.boolean(16)?,
        policy: r.opt_text(17)?,
        material_expire_at: r.opt_int(18)?,
        material_digest: r.opt_text(19)?,
    })
}

fn version_row(r: &mut Row) -> TxResult<KeyVersionRow> {
    Ok(KeyVersionRow {
        version_id: r.text(0)?,
        material_sealed: r.bytes(1)?,
        created_at: r.int(2)?,
    })
}

fn alias_row(r: &mut Row) -> TxResult<AliasRow> {
    Ok(AliasRow {
        alias_name: r.text(0)?,
        key_id: r.text(1)?,
        created_at: r.int(2)?,
        updated_at: r.int(3)?,
    })
}

static INSERT_KEY: Stmt = Stmt::new(|_| insert("kms_keys", &KEY_COLS).into());
static INSERT_VERSION: Stmt = Stmt::new(|_| insert("kms_key_versions", &VERSION_COLS).into());

fn insert_key(tx: &mut dyn Tx, k: &KeyRow, v: &KeyVersionRow) -> TxResult<()> {
    tx.execute(
        &INSERT_KEY,
        &[
            (&k.key_id).into(),
            (&k.description).into(),
            (&k.key_spec).into(),
            (&k.key_usage).into(),
            (&k.origin).into(),
            (&k.protection_level).into(),
            (&k.key_state).into(),
            (&k.creator).into(),
            k.created_at.into(),
            k.delete_at.into(),
            k.deletion_protection.into(),
            (&k.deletion_protection_description).into(),
            k.rotation_interval.into(),
            k.next_rotation_at.into(),
            k.last_rotation_at.into(),
            (&v.version_id).into(),
            k.is_default.into(),
            (&k.policy).into(),
            k.material_expire_at.into(),
            (&k.material_digest).into(),
        ],
    )
    .map_err(unique(Entity::Key))?;
    insert_version(tx, &k.key_id, v)
}

fn insert_version(tx: &mut dyn Tx, key_id: &str, v: &KeyVersionRow) -> TxResult<()> {
    tx.execute(
        &INSERT_VERSION,
        &[
            key_id.into(),
            (&v.version_id).into(),
            (&v.material_sealed).into(),
            v.created_at.into(),
        ],
    )
    .map_err(unique(Entity::KeyVersion))?;
    Ok(())
}

locked!(GET_KEY, |_| select("kms_keys", &KEY_COLS)
    .and_where(eq("key_id", 0))
    .take());

/// A key by id, locking its row as asked.
fn get_key(tx: &mut dyn Tx, key_id: &str, lock: RowLock) -> TxResult<Option<KeyRow>> {
    let Some(mut r) = tx.query_opt(GET_KEY.with(lock), &[key_id.into()])? else {
        return Ok(None);
    };
    hold(tx, lock, "kms_keys", key_id)?;
    key_row(&mut r).map(Some)
}

static PUT_TAG: Stmt = Stmt::new(|_| {
    insert(
        "tags",
        &["resource_type", "resource_id", "tag_key", "tag_value"],
    )
    .on_conflict(
        OnConflict::columns(["resource_type", "resource_id", "tag_key"])
            .update_column("tag_value")
            .to_owned(),
    )
    .to_owned()
    .into()
});
static COUNT_TAGS: Stmt =
    Stmt::new(|_| count_where("tags", &[("resource_type", 0), ("resource_id", 1)]).into());
static DELETE_TAGS: Stmt = Stmt::new(|_| {
    Query::delete()
        .from_table("tags")
        .and_where(eq("resource_type", 0))
        .and_where(eq("resource_id", 1))
        .into()
});
static DELETE_TAG: Stmt = Stmt::new(|_| {
    Query::delete()
        .from_table("tags")
        .and_where(eq("resource_type", 0))
        .and_where(eq("resource_id", 1))
        .and_where(eq("tag_key", 2))
        .into()
});
static LIST_TAGS: Stmt = Stmt::new(|_| {
    select("tags", &["tag_key", "tag_value"])
        .and_where(eq("resource_type", 0))
        .and_where(eq("resource_id", 1))
        .order_by("tag_key", Order::Asc)
        .into()
});

/// Adds or replaces tags; `Limit(Tag)` if the resource then has more than `max`.
pub(crate) fn put_tags(
    tx: &mut dyn Tx,
    kind: TagResource,
    id: &str,
    tags: &[(String, String)],
    max: u64,
) -> TxResult<()> {
    tx.lock(Lock::Tags(kind.as_str(), id))?;
    for (k, v) in tags {
        tx.execute(
            &PUT_TAG,
            &[kind.as_str().into(), id.into(), k.into(), v.into()],
        )?;
    }
    if tx.count(&COUNT_TAGS, &[kind.as_str().into(), id.into()])? > max {
        return Err(StoreError::Limit(Entity::Tag).into());
    }
    Ok(())
}

/// Removes every tag of a resource.
pub(crate) fn delete_tags(tx: &mut dyn Tx, kind: TagResource, id: &str) -> TxResult<()> {
    tx.execute(&DELETE_TAGS, &[kind.as_str().into(), id.into()])?;
    Ok(())
}

static COUNT_KEYS: Stmt = Stmt::new(|_| count_where("kms_keys", &[]).into());
static COUNT_VERSIONS: Stmt =
    Stmt::new(|_| count_where("kms_key_versions", &[("key_id", 0)]).into());
static DEFAULT_KEY: Stmt = Stmt::new(|d| {
    select("kms_keys", &KEY_COLS)
        .and_where(Expr::col("is_default").eq(d.true_literal()))
        .into()
});
static LIST_KEYS: Stmt = Stmt::new(|_| {
    select("kms_keys", &KEY_COLS)
        .order_by("created_at", Order::Asc)
        .order_by("key_id", Order::Asc)
        .limit(lim(0))
        .offset(lim(1))
        .into()
});
static UPDATE_KEY: Stmt = Stmt::new(|_| {
    Query::update()
        .table("kms_keys")
        .values([
            ("description", p(1)),
            ("key_state", p(2)),
            ("delete_at", p(3)),
            ("deletion_protection", p(4)),
            ("deletion_protection_description", p(5)),
            ("rotation_interval", p(6)),
            ("next_rotation_at", p(7)),
            ("last_rotation_at", p(8)),
            ("policy", p(9)),
            ("material_expire_at", p(10)),
            ("material_digest", p(11)),
        ])
        .and_where(eq("key_id", 0))
        .into()
});
static SET_MATERIAL: Stmt = Stmt::new(|_| {
    Query::update()
        .table("kms_key_versions")
        .values([("material_sealed", p(2))])
        .and_where(eq("key_id", 0))
        .and_where(eq("version_id", 1))
        .into()
});
static SET_PRIMARY: Stmt = Stmt::new(|_| {
    Query::update()
        .table("kms_keys")
        .values([("primary_version", p(1)), ("last_rotation_at", p(2))])
        .and_where(eq("key_id", 0))
        .into()
});
static GET_VERSION: Stmt = Stmt::new(|_| {
    select("kms_key_versions", &VERSION_COLS[1..])
        .and_where(eq("key_id", 0))
        .and_where(eq("version_id", 1))
        .into()
});
static LIST_VERSIONS: Stmt = Stmt::new(|_| {
    select("kms_key_versions", &VERSION_COLS[1..])
        .and_where(eq("key_id", 0))
        .order_by("created_at", Order::Asc)
        .order_by("version_id", Order::Asc)
        .into()
});

/// Rows whose deletion is due at slot 0, locked, skipping those another
/// replica is purging right now (each is purged and reported once).
pub(crate) fn due(mut q: SelectStatement, order: &'static str) -> SelectStatement {
    q.order_by(order, Order::Asc).lock_with_behavior(
        sea_query::LockType::Update,
        sea_query::LockBehavior::SkipLocked,
    );
    q
}

static DUE_KEYS: Stmt = Stmt::new(|_| {
    due(
        select("kms_keys", &["key_id"])
            .and_where(Expr::col("key_state").eq("PendingDeletion"))
            .and_where(Expr::col("delete_at").lte(p(0)))
            .take(),
        "key_id",
    )
    .into()
});
static PURGE_KEY: [Stmt; 3] = [
    Stmt::new(|_| {
        Query::delete()
            .from_table("kms_aliases")
            .and_where(eq("key_id", 0))
            .into()
    }),
    Stmt::new(|_| {
        Query::delete()
            .from_table("kms_key_versions")
            .and_where(eq("key_id", 0))
            .into()
    }),
    Stmt::new(|_| {
        Query::delete()
            .from_table("kms_keys")
            .and_where(eq("key_id", 0))
            .into()
    }),
];
static INSERT_ALIAS: Stmt = Stmt::new(|_| insert("kms_aliases", &ALIAS_COLS).into());
static UPDATE_ALIAS: Stmt = Stmt::new(|_| {
    Query::update()
        .table("kms_aliases")
        .values([("key_id", p(1)), ("updated_at", p(2))])
        .and_where(eq("alias_name", 0))
        .into()
});
static DELETE_ALIAS: Stmt = Stmt::new(|_| {
    Query::delete()
        .from_table("kms_aliases")
        .and_where(eq("alias_name", 0))
        .into()
});
static GET_ALIAS: Stmt = Stmt::new(|_| {
    select("kms_aliases", &ALIAS_COLS)
        .and_where(eq("alias_name", 0))
        .into()
});
static COUNT_ALIASES: [Stmt; 2] = [
    Stmt::new(|_| count_where("kms_aliases", &[]).into()),
    Stmt::new(|_| count_where("kms_aliases", &[("key_id", 0)]).into()),
];
static LIST_ALIASES: [Stmt; 2] = [
    Stmt::new(|_| {
        select("kms_aliases", &ALIAS_COLS)
            .order_by("alias_name", Order::Asc)
            .limit(lim(0))
            .offset(lim(1))
            .into()
    }),
    Stmt::new(|_| {
        select("kms_aliases", &ALIAS_COLS)
            .and_where(eq("key_id", 2))
            .order_by("alias_name", Order::Asc)
            .limit(lim(0))
            .offset(lim(1))
            .into()
    }),
];

/// `UPDATE_KEY`'s parameters: the key's id, then every field it sets.
fn key_update(k: &KeyRow) -> [Param<'_>; 12] {
    [
        (&k.key_id).into(),
        (&k.description).into(),
        (&k.key_state).into(),
        k.delete_at.into(),
        k.deletion_protection.into(),
        (&k.deletion_protection_description).into(),
        k.rotation_interval.into(),
        k.next_rotation_at.into(),
        k.last_rotation_at.into(),
        (&k.policy).into(),
        k.material_expire_at.into(),
        (&k.material_digest).into(),
    ]
}

impl<B: Backend> KmsStore for B {
    fn create_key(
        &self,
        key: &KeyRow,
        first: &KeyVersionRow,
        tags: &[(String, String)],
        max_keys: u64,
    ) -> StoreResult<()> {
        self.transaction(Mode::Write, |tx| {
            tx.lock(Lock::Limit(Limit::Keys))?;
            if tx.count(&COUNT_KEYS, &[])? >= max_keys {
                return Err(StoreError::Limit(Entity::Key).into());
            }
            insert_key(tx, key, first)?;
            put_tags(tx, TagResource::Key, &key.key_id, tags, CREATE_MAX_TAGS)
        })
    }

    fn ensure_default_key(&self, candidate: &KeyRow, first: &KeyVersionRow) -> StoreResult<KeyRow> {
        self.transaction(Mode::Write, |tx| {
            // One replica creates the default key; the others wait and read it.
            tx.lock(Lock::Limit(Limit::DefaultKey))?;
            if let Some(mut r) = tx.query_opt(&DEFAULT_KEY, &[])? {
                return key_row(&mut r);
            }
            let mut k = candidate.clone();
            k.is_default = true;
            k.primary_version = first.version_id.clone();
            insert_key(tx, &k, first)?;
            Ok(k)
        })
    }

    fn get_key(&self, key_id: &str) -> StoreResult<Option<KeyRow>> {
        self.transaction(Mode::Single, |tx| get_key(tx, key_id, RowLock::None))
    }

    fn list_keys(&self, offset: u64, limit: u32) -> StoreResult<(Vec<KeyRow>, u64)> {
        self.transaction(Mode::Read, |tx| {
            let total = tx.count(&COUNT_KEYS, &[])?;
            let rows = tx.query(&LIST_KEYS, &[limit.into(), offset.into()])?;
            Ok((map(rows, key_row)?, total))
        })
    }

    fn update_key(&self, k: &KeyRow) -> StoreResult<()> {
        self.transaction(Mode::Write, |tx| {
            let n = tx.execute(&UPDATE_KEY, &key_update(k))?;
            if n == 0 {
                return Err(StoreError::NotFound(Entity::Key).into());
            }
            Ok(())
        })
    }

    fn set_key_material(&self, k: &KeyRow, version_id: &str, sealed: &[u8]) -> StoreResult<()> {
        self.transaction(Mode::Write, |tx| {
            // Imported material never replaces other material: whoever
            // imports first decides, however many import at once.
            let Some(stored) = get_key(tx, &k.key_id, RowLock::Update)? else {
                return Err(StoreError::NotFound(Entity::Key).into());
            };
            if let (Some(kept), Some(new)) = (&stored.material_digest, &k.material_digest) {
                if kept != new {
                    return Err(StoreError::Conflict(Entity::KeyVersion).into());
                }
            }
            let n = tx.execute(
                &SET_MATERIAL,
                &[(&k.key_id).into(), version_id.into(), sealed.into()],
            )?;
            if n == 0 {
                return Err(StoreError::NotFound(Entity::KeyVersion).into());
            }
            tx.execute(&UPDATE_KEY, &key_update(k))?;
            Ok(())
        })
    }

    fn add_key_version(&self, key_id: &str, v: &KeyVersionRow) -> StoreResult<()> {
        self.add_key_version_within(key_id, v, u64::MAX)
    }

    fn add_key_version_within(&self, key_id: &str, v: &KeyVersionRow, max: u64) -> StoreResult<()> {
        self.transaction(Mode::Write, |tx| {
            if get_key(tx, key_id, RowLock::Update)?.is_none() {
                return Err(StoreError::NotFound(Entity::Key).into());
            }
            if max < u64::MAX && tx.count(&COUNT_VERSIONS, &[key_id.into()])? >= max {
                return Err(StoreError::Limit(Entity::KeyVersion).into());
            }
            insert_version(tx, key_id, v)?;
            tx.execute(
                &SET_PRIMARY,
                &[key_id.into(), (&v.version_id).into(), v.created_at.into()],
            )?;
            Ok(())
        })
    }

    fn get_key_version(
        &self,
        key_id: &str,
        version_id: &str,
    ) -> StoreResult<Option<KeyVersionRow>> {
        self.transaction(Mode::Single, |tx| {
            tx.query_opt(&GET_VERSION, &[key_id.into(), version_id.into()])?
                .map(|mut r| version_row(&mut r))
                .transpose()
        })
    }

    fn list_key_versions(&self, key_id: &str) -> StoreResult<Vec<KeyVersionRow>> {
        self.transaction(Mode::Single, |tx| {
            map(tx.query(&LIST_VERSIONS, &[key_id.into()])?, version_row)
        })
    }

    fn purge_keys(&self, now: i64) -> StoreResult<Vec<String>> {
        self.transaction(Mode::Write, |tx| {
            let ids = texts(tx.query(&DUE_KEYS, &[now.into()])?)?;
            for id in &ids {
                delete_tags(tx, TagResource::Key, id)?;
                for stmt in &PURGE_KEY {
                    tx.execute(stmt, &[id.into()])?;
                }
            }
            Ok(ids)
        })
    }

    fn create_alias(&self, a: &AliasRow) -> StoreResult<()> {
        self.transaction(Mode::Write, |tx| {
            if get_key(tx, &a.key_id, RowLock::Share)?.is_none() {
                return Err(StoreError::NotFound(Entity::Key).into());
            }
            tx.execute(
                &INSERT_ALIAS,
                &[
                    (&a.alias_name).into(),
                    (&a.key_id).into(),
                    a.created_at.into(),
                    a.updated_at.into(),
                ],
            )
            .map_err(unique(Entity::Alias))?;
            Ok(())
        })
    }

    fn update_alias(&self, alias_name: &str, key_id: &str, now: i64) -> StoreResult<()> {
        self.transaction(Mode::Write, |tx| {
            if get_key(tx, key_id, RowLock::Share)?.is_none() {
                return Err(StoreError::NotFound(Entity::Key).into());
            }
            if tx.execute(
                &UPDATE_ALIAS,
                &[alias_name.into(), key_id.into(), now.into()],
            )? == 0
            {
                return Err(StoreError::NotFound(Entity::Alias).into());
            }
            Ok(())
        })
    }

    fn delete_alias(&self, alias_name: &str) -> StoreResult<()> {
        self.transaction(Mode::Write, |tx| {
            if tx.execute(&DELETE_ALIAS, &[alias_name.into()])? == 0 {
                return Err(StoreError::NotFound(Entity::Alias).into());
            }
            Ok(())
        })
    }

    fn get_alias(&self, alias_name: &str) -> StoreResult<Option<AliasRow>> {
        self.transaction(Mode::Single, |tx| {
            tx.query_opt(&GET_ALIAS, &[alias_name.into()])?
                .map(|mut r| alias_row(&mut r))
                .transpose()
        })
    }

    fn list_aliases(
        &self,
        key_id: Option<&str>,
        offset: u64,
        limit: u32,
    ) -> StoreResult<(Vec<AliasRow>, u64)> {
        self.transaction(Mode::Read, |tx| {
            let which = usize::from(key_id.is_some());
            let filter = key_id.unwrap_or("");
            let total = tx.count(&COUNT_ALIASES[which], &[filter.into()])?;
            let rows = tx.query(
                &LIST_ALIASES[which],
                &[limit.into(), offset.into(), filter.into()],
            )?;
            Ok((map(rows, alias_row)?, total))
        })
    }

    fn tag_resource(
        &self,
        kind: TagResource,
        id: &str,
        tags: &[(String, String)],
        max: u64,
    ) -> StoreResult<()> {
        self.transaction(Mode::Write, |tx| put_tags(tx, kind, id, tags, max))
    }

    fn untag_resource(&self, kind: TagResource, id: &str, keys: &[String]) -> StoreResult<()> {
        self.transaction(Mode::Write, |tx| {
            for k in keys {
                tx.execute(&DELETE_TAG, &[kind.as_str().into(), id.into(), k.into()])?;
            }
            Ok(())
        })
    }

    fn tag_resources(
        &self,
        items: &[(TagResource, String)],
        tags: &[(String, String)],
        max: u64,
    ) -> StoreResult<()> {
        self.transaction(Mode::Write, |tx| {
            for (kind, id) in items {
                put_tags(tx, *kind, id, tags, max)?;
            }
            Ok(())
        })
    }

    fn untag_resources(
        &self,
        items: &[(TagResource, String)],
        keys: Option<&[String]>,
    ) -> StoreResult<()> {
        self.transaction(Mode::Write, |tx| {
            for (kind, id) in items {
                match keys {
                    None => delete_tags(tx, *kind, id)?,
                    Some(keys) => {
                        for k in keys {
                            tx.execute(
                                &DELETE_TAG,
                                &[kind.as_str().into(), id.as_str().into(), k.into()],
                            )?;
                        }
                    }
                }
            }
            Ok(())
        })
    }

    fn list_tags(&self, kind: TagResource, id: &str) -> StoreResult<Vec<(String, String)>> {
        self.transaction(Mode::Single, |tx| {
            map(
                tx.query(&LIST_TAGS, &[kind.as_str().into(), id.into()])?,
                |r| Ok((r.text(0)?, r.text(1)?)),
            )
        })
    }
}
