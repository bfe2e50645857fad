//! KMS keys, aliases and tags on PostgreSQL.

use postgres::{GenericClient, Row, Transaction};

use super::conn::{count, lock_limit, lock_tags, unique, LimitLock, PostgresStore, TxError};
use super::iam::{rows, Lock};
use crate::{
    AliasRow, Entity, KeyRow, KeyVersionRow, KmsStore, StoreError, StoreResult, TagResource,
};

const KEY_COLS: &str = "key_id, description, key_spec, key_usage, origin, protection_level, key_state, creator, \
     created_at, delete_at, deletion_protection, deletion_protection_description, rotation_interval, \
     next_rotation_at, last_rotation_at, primary_version, is_default";
const ALIAS_COLS: &str = "alias_name, key_id, created_at, updated_at";
/// Tags a new key or secret may carry.
const CREATE_MAX_TAGS: u64 = 20;

fn key_row(r: &Row) -> Result<KeyRow, postgres::Error> {
    Ok(KeyRow {
        key_id: r.try_get(0)?,
        description: r.try_get(1)?,
        key_spec: r.try_get(2)?,
        key_usage: r.try_get(3)?,
        origin: r.try_get(4)?,
        protection_level: r.try_get(5)?,
        key_state: r.try_get(6)?,
        creator: r.try_get(7)?,
        created_at: r.try_get(8)?,
        delete_at: r.try_get(9)?,
        deletion_protection: r.try_get(10)?,
        deletion_protection_description: r.try_get(11)?,
        rotation_interval: r.try_get(12)?,
        next_rotation_at: r.try_get(13)?,
        last_rotation_at: r.try_get(14)?,
        primary_version: r.try_get(15)?,
        is_default: r.try_get(16)?,
    })
}

fn alias_row(r: &Row) -> Result<AliasRow, postgres::Error> {
    Ok(AliasRow {
        alias_name: r.try_get(0)?,
        key_id: r.try_get(1)?,
        created_at: r.try_get(2)?,
        updated_at: r.try_get(3)?,
    })
}

fn version_row(r: &Row) -> Result<KeyVersionRow, postgres::Error> {
    Ok(KeyVersionRow {
        version_id: r.try_get(0)?,
        material_sealed: r.try_get(1)?,
        created_at: r.try_get(2)?,
    })
}

fn insert_key(tx: &mut Transaction<'_>, k: &KeyRow, v: &KeyVersionRow) -> Result<(), TxError> {
    tx.execute(
        &format!(
            "INSERT INTO kms_keys ({KEY_COLS}) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)"
        ),
        &[
            &k.key_id,
            &k.description,
            &k.key_spec,
            &k.key_usage,
            &k.origin,
            &k.protection_level,
            &k.key_state,
            &k.creator,
            &k.created_at,
            &k.delete_at,
            &k.deletion_protection,
            &k.deletion_protection_description,
            &k.rotation_interval,
            &k.next_rotation_at,
            &k.last_rotation_at,
            &v.version_id,
            &k.is_default,
        ],
    )
    .map_err(unique(Entity::Key))?;
    tx.execute(
        "INSERT INTO kms_key_versions (key_id, version_id, material_sealed, created_at) VALUES ($1, $2, $3, $4)",
        &[&k.key_id, &v.version_id, &v.material_sealed, &v.created_at],
    )
    .map_err(unique(Entity::KeyVersion))?;
    Ok(())
}

/// A key by id, locking its row as asked.
fn get_key(
    c: &mut impl GenericClient,
    key_id: &str,
    lock: Lock,
) -> Result<Option<KeyRow>, TxError> {
    let sql = format!(
        "SELECT {KEY_COLS} FROM kms_keys WHERE key_id = $1{}",
        lock.sql()
    );
    let row = c.query_opt(&sql, &[&key_id])?;
    Ok(row.as_ref().map(key_row).transpose()?)
}

/// Adds or replaces tags; `Limit(Tag)` if the resource then has more than `max`.
pub(super) fn put_tags(
    tx: &mut Transaction<'_>,
    kind: TagResource,
    id: &str,
    tags: &[(String, String)],
    max: u64,
) -> Result<(), TxError> {
    lock_tags(tx, &format!("{}:{id}", kind.as_str()))?;
    for (k, v) in tags {
        tx.execute(
            "INSERT INTO tags (resource_type, resource_id, tag_key, tag_value) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (resource_type, resource_id, tag_key) DO UPDATE SET tag_value = EXCLUDED.tag_value",
            &[&kind.as_str(), &id, k, v],
        )?;
    }
    if count(
        tx,
        "SELECT COUNT(*) FROM tags WHERE resource_type = $1 AND resource_id = $2",
        &[&kind.as_str(), &id],
    )? > max
    {
        return Err(StoreError::Limit(Entity::Tag).into());
    }
    Ok(())
}

/// Removes every tag of a resource.
pub(super) fn delete_tags(
    tx: &mut Transaction<'_>,
    kind: TagResource,
    id: &str,
) -> Result<(), TxError> {
    tx.execute(
        "DELETE FROM tags WHERE resource_type = $1 AND resource_id = $2",
        &[&kind.as_str(), &id],
    )?;
    Ok(())
}

impl KmsStore for PostgresStore {
    fn create_key(
        &self,
        key: &KeyRow,
        first: &KeyVersionRow,
        tags: &[(String, String)],
        max_keys: u64,
    ) -> StoreResult<()> {
        self.write(|tx| {
            lock_limit(tx, LimitLock::Keys)?;
            if count(tx, "SELECT COUNT(*) FROM kms_keys", &[])? >= max_keys {
                return Err(StoreError::Limit(Entity::Key).into());
            }
            insert_key(tx, key, first)?;
            put_tags(tx, TagResource::Key, &key.key_id, tags, CREATE_MAX_TAGS)
        })
    }

    fn ensure_default_key(&self, candidate: &KeyRow, first: &KeyVersionRow) -> StoreResult<KeyRow> {
        self.write(|tx| {
            // One replica creates the default key; the others wait and read it.
            lock_limit(tx, LimitLock::DefaultKey)?;
            let existing = tx.query_opt(
                &format!("SELECT {KEY_COLS} FROM kms_keys WHERE is_default"),
                &[],
            )?;
            if let Some(r) = existing {
                return Ok(key_row(&r)?);
            }
            let mut k = candidate.clone();
            k.is_default = true;
            k.primary_version = first.version_id.clone();
            insert_key(tx, &k, first)?;
            Ok(k)
        })
    }

    fn get_key(&self, key_id: &str) -> StoreResult<Option<KeyRow>> {
        self.single(|c| get_key(c, key_id, Lock::None))
    }

    fn list_keys(&self, offset: u64, limit: u32) -> StoreResult<(Vec<KeyRow>, u64)> {
        self.read(|tx| {
            let total = count(tx, "SELECT COUNT(*) FROM kms_keys", &[])?;
            let found = tx.query(
                &format!(
                    "SELECT {KEY_COLS} FROM kms_keys ORDER BY created_at, key_id LIMIT $1 OFFSET $2"
                ),
                &[
                    &i64::from(limit),
                    &i64::try_from(offset).unwrap_or(i64::MAX),
                ],
            )?;
            Ok((rows(&found, key_row)?, total))
        })
    }

    fn update_key(&self, k: &KeyRow) -> StoreResult<()> {
        self.single(|c| {
            let n = c.execute(
                "UPDATE kms_keys SET description = $2, key_state = $3, delete_at = $4, deletion_protection = $5, \
                 deletion_protection_description = $6, rotation_interval = $7, next_rotation_at = $8, \
                 last_rotation_at = $9 WHERE key_id = $1",
                &[
                    &k.key_id,
                    &k.description,
                    &k.key_state,
                    &k.delete_at,
                    &k.deletion_protection,
                    &k.deletion_protection_description,
                    &k.rotation_interval,
                    &k.next_rotation_at,
                    &k.last_rotation_at,
                ],
            )?;
            if n == 0 {
                return Err(StoreError::NotFound(Entity::Key).into());
            }
            Ok(())
        })
    }

    fn add_key_version(&self, key_id: &str, v: &KeyVersionRow) -> StoreResult<()> {
        self.write(|tx| {
            if get_key(tx, key_id, Lock::Update)?.is_none() {
                return Err(StoreError::NotFound(Entity::Key).into());
            }
            tx.execute(
                "INSERT INTO kms_key_versions (key_id, version_id, material_sealed, created_at) VALUES ($1, $2, $3, $4)",
                &[&key_id, &v.version_id, &v.material_sealed, &v.created_at],
            )
            .map_err(unique(Entity::KeyVersion))?;
            tx.execute(
                "UPDATE kms_keys SET primary_version = $2, last_rotation_at = $3 WHERE key_id = $1",
                &[&key_id, &v.version_id, &v.created_at],
            )?;
            Ok(())
        })
    }

    fn get_key_version(
        &self,
        key_id: &str,
        version_id: &str,
    ) -> StoreResult<Option<KeyVersionRow>> {
        self.single(|c| {
            let row = c.query_opt(
                "SELECT version_id, material_sealed, created_at FROM kms_key_versions WHERE key_id = $1 AND version_id = $2",
                &[&key_id, &version_id],
            )?;
            Ok(row.as_ref().map(version_row).transpose()?)
        })
    }

    fn list_key_versions(&self, key_id: &str) -> StoreResult<Vec<KeyVersionRow>> {
        self.single(|c| {
            let found = c.query(
                "SELECT version_id, material_sealed, created_at FROM kms_key_versions WHERE key_id = $1 \
                 ORDER BY created_at, version_id",
                &[&key_id],
            )?;
            rows(&found, version_row)
        })
    }

    fn purge_keys(&self, now: i64) -> StoreResult<Vec<String>> {
        self.write(|tx| {
            // Rows another replica is purging right now are skipped: each key
            // is purged (and reported) by one replica only.
            let found = tx.query(
                "SELECT key_id FROM kms_keys WHERE key_state = 'PendingDeletion' AND delete_at <= $1 \
                 ORDER BY key_id FOR UPDATE SKIP LOCKED",
                &[&now],
            )?;
            let ids = rows(&found, |r| r.try_get::<_, String>(0))?;
            for id in &ids {
                tx.execute("DELETE FROM kms_aliases WHERE key_id = $1", &[id])?;
                tx.execute("DELETE FROM kms_key_versions WHERE key_id = $1", &[id])?;
                delete_tags(tx, TagResource::Key, id)?;
                tx.execute("DELETE FROM kms_keys WHERE key_id = $1", &[id])?;
            }
            Ok(ids)
        })
    }

    fn create_alias(&self, a: &AliasRow) -> StoreResult<()> {
        self.write(|tx| {
            if get_key(tx, &a.key_id, Lock::Share)?.is_none() {
                return Err(StoreError::NotFound(Entity::Key).into());
            }
            tx.execute(
                &format!("INSERT INTO kms_aliases ({ALIAS_COLS}) VALUES ($1, $2, $3, $4)"),
                &[&a.alias_name, &a.key_id, &a.created_at, &a.updated_at],
            )
            .map_err(unique(Entity::Alias))?;
            Ok(())
        })
    }

    fn update_alias(&self, alias_name: &str, key_id: &str, now: i64) -> StoreResult<()> {
        self.write(|tx| {
            if get_key(tx, key_id, Lock::Share)?.is_none() {
                return Err(StoreError::NotFound(Entity::Key).into());
            }
            let n = tx.execute(
                "UPDATE kms_aliases SET key_id = $2, updated_at = $3 WHERE alias_name = $1",
                &[&alias_name, &key_id, &now],
            )?;
            if n == 0 {
                return Err(StoreError::NotFound(Entity::Alias).into());
            }
            Ok(())
        })
    }

    fn delete_alias(&self, alias_name: &str) -> StoreResult<()> {
        self.single(|c| {
            let n = c.execute(
                "DELETE FROM kms_aliases WHERE alias_name = $1",
                &[&alias_name],
            )?;
            if n == 0 {
                return Err(StoreError::NotFound(Entity::Alias).into());
            }
            Ok(())
        })
    }

    fn get_alias(&self, alias_name: &str) -> StoreResult<Option<AliasRow>> {
        self.single(|c| {
            let row = c.query_opt(
                &format!("SELECT {ALIAS_COLS} FROM kms_aliases WHERE alias_name = $1"),
                &[&alias_name],
            )?;
            Ok(row.as_ref().map(alias_row).transpose()?)
        })
    }

    fn list_aliases(
        &self,
        key_id: Option<&str>,
        offset: u64,
        limit: u32,
    ) -> StoreResult<(Vec<AliasRow>, u64)> {
        self.read(|tx| {
            let filter = key_id.unwrap_or("");
            let total = count(
                tx,
                "SELECT COUNT(*) FROM kms_aliases WHERE $1 = '' OR key_id = $1",
                &[&filter],
            )?;
            let found = tx.query(
                &format!(
                    "SELECT {ALIAS_COLS} FROM kms_aliases WHERE $1 = '' OR key_id = $1 \
                     ORDER BY alias_name LIMIT $2 OFFSET $3"
                ),
                &[
                    &filter,
                    &i64::from(limit),
                    &i64::try_from(offset).unwrap_or(i64::MAX),
                ],
            )?;
            Ok((rows(&found, alias_row)?, total))
        })
    }

    fn tag_resource(
        &self,
        kind: TagResource,
        id: &str,
        tags: &[(String, String)],
        max: u64,
    ) -> StoreResult<()> {
        self.write(|tx| put_tags(tx, kind, id, tags, max))
    }

    fn untag_resource(&self, kind: TagResource, id: &str, keys: &[String]) -> StoreResult<()> {
        self.write(|tx| {
            tx.execute(
                "DELETE FROM tags WHERE resource_type = $1 AND resource_id = $2 AND tag_key = ANY($3)",
                &[&kind.as_str(), &id, &keys],
            )?;
            Ok(())
        })
    }

    fn list_tags(&self, kind: TagResource, id: &str) -> StoreResult<Vec<(String, String)>> {
        self.single(|c| {
            let found = c.query(
                "SELECT tag_key, tag_value FROM tags WHERE resource_type = $1 AND resource_id = $2 ORDER BY tag_key",
                &[&kind.as_str(), &id],
            )?;
            rows(&found, |r| Ok((r.try_get(0)?, r.try_get(1)?)))
        })
    }
}
