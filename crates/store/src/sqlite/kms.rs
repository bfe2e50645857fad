//! KMS keys, aliases and tags on SQLite.

use rusqlite::{params, Connection, OptionalExtension, Row};

use super::conn::{backend, SqliteStore};
use super::iam::{conflict_on, count};
use crate::{
    AliasRow, Entity, KeyRow, KeyVersionRow, KmsStore, StoreError, StoreResult, TagResource,
};

const KEY_COLS: &str = "key_id, description, key_spec, key_usage, origin, protection_level, key_state, creator, \
     created_at, delete_at, deletion_protection, deletion_protection_description, rotation_interval, \
     next_rotation_at, last_rotation_at, primary_version, is_default";

fn key_row(r: &Row<'_>) -> rusqlite::Result<KeyRow> {
    Ok(KeyRow {
        key_id: r.get(0)?,
        description: r.get(1)?,
        key_spec: r.get(2)?,
        key_usage: r.get(3)?,
        origin: r.get(4)?,
        protection_level: r.get(5)?,
        key_state: r.get(6)?,
        creator: r.get(7)?,
        created_at: r.get(8)?,
        delete_at: r.get(9)?,
        deletion_protection: r.get(10)?,
        deletion_protection_description: r.get(11)?,
        rotation_interval: r.get(12)?,
        next_rotation_at: r.get(13)?,
        last_rotation_at: r.get(14)?,
        primary_version: r.get(15)?,
        is_default: r.get(16)?,
    })
}

fn alias_row(r: &Row<'_>) -> rusqlite::Result<AliasRow> {
    Ok(AliasRow {
        alias_name: r.get(0)?,
        key_id: r.get(1)?,
        created_at: r.get(2)?,
        updated_at: r.get(3)?,
    })
}

fn insert_key(c: &Connection, k: &KeyRow, v: &KeyVersionRow) -> StoreResult<()> {
    c.execute(
        &format!("INSERT INTO kms_keys ({KEY_COLS}) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17)"),
        params![
            k.key_id,
            k.description,
            k.key_spec,
            k.key_usage,
            k.origin,
            k.protection_level,
            k.key_state,
            k.creator,
            k.created_at,
            k.delete_at,
            k.deletion_protection,
            k.deletion_protection_description,
            k.rotation_interval,
            k.next_rotation_at,
            k.last_rotation_at,
            v.version_id,
            k.is_default
        ],
    )
    .map_err(backend)?;
    c.execute(
        "INSERT INTO kms_key_versions (key_id, version_id, material_sealed, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![k.key_id, v.version_id, v.material_sealed, v.created_at],
    )
    .map_err(backend)?;
    Ok(())
}

fn get_key(c: &Connection, key_id: &str) -> StoreResult<Option<KeyRow>> {
    c.prepare_cached(&format!(
        "SELECT {KEY_COLS} FROM kms_keys WHERE key_id = ?1"
    ))
    .map_err(backend)?
    .query_row([key_id], key_row)
    .optional()
    .map_err(backend)
}

pub(super) fn put_tags(
    c: &Connection,
    kind: TagResource,
    id: &str,
    tags: &[(String, String)],
    max: u64,
) -> StoreResult<()> {
    for (k, v) in tags {
        c.execute(
            "INSERT INTO tags (resource_type, resource_id, tag_key, tag_value) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (resource_type, resource_id, tag_key) DO UPDATE SET tag_value = excluded.tag_value",
            params![kind.as_str(), id, k, v],
        )
        .map_err(backend)?;
    }
    let n: i64 = c
        .query_row(
            "SELECT COUNT(*) FROM tags WHERE resource_type = ?1 AND resource_id = ?2",
            params![kind.as_str(), id],
            |r| r.get(0),
        )
        .map_err(backend)?;
    if u64::try_from(n).unwrap_or(0) > max {
        return Err(StoreError::Limit(Entity::Tag));
    }
    Ok(())
}

pub(super) fn delete_tags(c: &Connection, kind: TagResource, id: &str) -> StoreResult<()> {
    c.execute(
        "DELETE FROM tags WHERE resource_type = ?1 AND resource_id = ?2",
        params![kind.as_str(), id],
    )
    .map_err(backend)?;
    Ok(())
}

impl KmsStore for SqliteStore {
    fn create_key(
        &self,
        key: &KeyRow,
        first: &KeyVersionRow,
        tags: &[(String, String)],
        max_keys: u64,
    ) -> StoreResult<()> {
        self.write(|tx| {
            if count(tx, "SELECT COUNT(*) FROM kms_keys WHERE ?1 = ?1", "")? >= max_keys {
                return Err(StoreError::Limit(Entity::Key));
            }
            insert_key(tx, key, first)?;
            put_tags(tx, TagResource::Key, &key.key_id, tags, 20)
        })
    }

    fn ensure_default_key(&self, candidate: &KeyRow, first: &KeyVersionRow) -> StoreResult<KeyRow> {
        self.write(|tx| {
            let existing = tx
                .query_row(
                    &format!("SELECT {KEY_COLS} FROM kms_keys WHERE is_default = 1"),
                    [],
                    key_row,
                )
                .optional()
                .map_err(backend)?;
            if let Some(k) = existing {
                return Ok(k);
            }
            let mut k = candidate.clone();
            k.is_default = true;
            k.primary_version = first.version_id.clone();
            insert_key(tx, &k, first)?;
            Ok(k)
        })
    }

    fn get_key(&self, key_id: &str) -> StoreResult<Option<KeyRow>> {
        self.read(|c| get_key(c, key_id))
    }

    fn list_keys(&self, offset: u64, limit: u32) -> StoreResult<(Vec<KeyRow>, u64)> {
        self.read(|c| {
            let total = count(c, "SELECT COUNT(*) FROM kms_keys WHERE ?1 = ?1", "")?;
            let mut st = c
                .prepare_cached(&format!(
                    "SELECT {KEY_COLS} FROM kms_keys ORDER BY created_at, key_id LIMIT ?1 OFFSET ?2"
                ))
                .map_err(backend)?;
            let rows = st
                .query_map(
                    params![limit, i64::try_from(offset).unwrap_or(i64::MAX)],
                    key_row,
                )
                .map_err(backend)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(backend)?;
            Ok((rows, total))
        })
    }

    fn update_key(&self, k: &KeyRow) -> StoreResult<()> {
        self.write(|tx| {
            let n = tx
                .execute(
                    "UPDATE kms_keys SET description = ?2, key_state = ?3, delete_at = ?4, deletion_protection = ?5, \
                     deletion_protection_description = ?6, rotation_interval = ?7, next_rotation_at = ?8, \
                     last_rotation_at = ?9 WHERE key_id = ?1",
                    params![
                        k.key_id,
                        k.description,
                        k.key_state,
                        k.delete_at,
                        k.deletion_protection,
                        k.deletion_protection_description,
                        k.rotation_interval,
                        k.next_rotation_at,
                        k.last_rotation_at
                    ],
                )
                .map_err(backend)?;
            if n == 0 {
                return Err(StoreError::NotFound(Entity::Key));
            }
            Ok(())
        })
    }

    fn add_key_version(&self, key_id: &str, v: &KeyVersionRow) -> StoreResult<()> {
        self.write(|tx| {
            if get_key(tx, key_id)?.is_none() {
                return Err(StoreError::NotFound(Entity::Key));
            }
            tx.execute(
                "INSERT INTO kms_key_versions (key_id, version_id, material_sealed, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![key_id, v.version_id, v.material_sealed, v.created_at],
            )
            .map_err(backend)?;
            tx.execute(
                "UPDATE kms_keys SET primary_version = ?2, last_rotation_at = ?3 WHERE key_id = ?1",
                params![key_id, v.version_id, v.created_at],
            )
            .map_err(backend)?;
            Ok(())
        })
    }

    fn get_key_version(
        &self,
        key_id: &str,
        version_id: &str,
    ) -> StoreResult<Option<KeyVersionRow>> {
        self.read(|c| {
            c.prepare_cached(
                "SELECT version_id, material_sealed, created_at FROM kms_key_versions WHERE key_id = ?1 AND version_id = ?2",
            )
            .map_err(backend)?
            .query_row(params![key_id, version_id], |r| {
                Ok(KeyVersionRow {
                    version_id: r.get(0)?,
                    material_sealed: r.get(1)?,
                    created_at: r.get(2)?,
                })
            })
            .optional()
            .map_err(backend)
        })
    }

    fn list_key_versions(&self, key_id: &str) -> StoreResult<Vec<KeyVersionRow>> {
        self.read(|c| {
            let mut st = c
                .prepare_cached(
                    "SELECT version_id, material_sealed, created_at FROM kms_key_versions WHERE key_id = ?1 \
                     ORDER BY created_at, version_id",
                )
                .map_err(backend)?;
            let rows = st
                .query_map([key_id], |r| {
                    Ok(KeyVersionRow {
                        version_id: r.get(0)?,
                        material_sealed: r.get(1)?,
                        created_at: r.get(2)?,
                    })
                })
                .map_err(backend)?;
            rows.collect::<Result<Vec<_>, _>>().map_err(backend)
        })
    }

    fn purge_keys(&self, now: i64) -> StoreResult<Vec<String>> {
        self.write(|tx| {
            let ids: Vec<String> = {
                let mut st = tx
                    .prepare("SELECT key_id FROM kms_keys WHERE key_state = 'PendingDeletion' AND delete_at <= ?1")
                    .map_err(backend)?;
                let rows = st.query_map([now], |r| r.get(0)).map_err(backend)?;
                rows.collect::<Result<Vec<_>, _>>().map_err(backend)?
            };
            for id in &ids {
                tx.execute("DELETE FROM kms_aliases WHERE key_id = ?1", [id]).map_err(backend)?;
                tx.execute("DELETE FROM kms_key_versions WHERE key_id = ?1", [id]).map_err(backend)?;
                delete_tags(tx, TagResource::Key, id)?;
                tx.execute("DELETE FROM kms_keys WHERE key_id = ?1", [id]).map_err(backend)?;
            }
            Ok(ids)
        })
    }

    fn create_alias(&self, a: &AliasRow) -> StoreResult<()> {
        self.write(|tx| {
            if get_key(tx, &a.key_id)?.is_none() {
                return Err(StoreError::NotFound(Entity::Key));
            }
            tx.execute(
                "INSERT INTO kms_aliases (alias_name, key_id, created_at, updated_at) VALUES (?1, ?2, ?3, ?4)",
                params![a.alias_name, a.key_id, a.created_at, a.updated_at],
            )
            .map_err(conflict_on(Entity::Alias))?;
            Ok(())
        })
    }

    fn update_alias(&self, alias_name: &str, key_id: &str, now: i64) -> StoreResult<()> {
        self.write(|tx| {
            if get_key(tx, key_id)?.is_none() {
                return Err(StoreError::NotFound(Entity::Key));
            }
            let n = tx
                .execute(
                    "UPDATE kms_aliases SET key_id = ?2, updated_at = ?3 WHERE alias_name = ?1",
                    params![alias_name, key_id, now],
                )
                .map_err(backend)?;
            if n == 0 {
                return Err(StoreError::NotFound(Entity::Alias));
            }
            Ok(())
        })
    }

    fn delete_alias(&self, alias_name: &str) -> StoreResult<()> {
        self.write(|tx| {
            let n = tx
                .execute(
                    "DELETE FROM kms_aliases WHERE alias_name = ?1",
                    [alias_name],
                )
                .map_err(backend)?;
            if n == 0 {
                return Err(StoreError::NotFound(Entity::Alias));
            }
            Ok(())
        })
    }

    fn get_alias(&self, alias_name: &str) -> StoreResult<Option<AliasRow>> {
        self.read(|c| {
            c.prepare_cached("SELECT alias_name, key_id, created_at, updated_at FROM kms_aliases WHERE alias_name = ?1")
                .map_err(backend)?
                .query_row([alias_name], alias_row)
                .optional()
                .map_err(backend)
        })
    }

    fn list_aliases(
        &self,
        key_id: Option<&str>,
        offset: u64,
        limit: u32,
    ) -> StoreResult<(Vec<AliasRow>, u64)> {
        self.read(|c| {
            let filter = key_id.unwrap_or("");
            let total: i64 = c
                .query_row(
                    "SELECT COUNT(*) FROM kms_aliases WHERE ?1 = '' OR key_id = ?1",
                    [filter],
                    |r| r.get(0),
                )
                .map_err(backend)?;
            let mut st = c
                .prepare_cached(
                    "SELECT alias_name, key_id, created_at, updated_at FROM kms_aliases WHERE ?1 = '' OR key_id = ?1 \
                     ORDER BY alias_name LIMIT ?2 OFFSET ?3",
                )
                .map_err(backend)?;
            let rows = st
                .query_map(params![filter, limit, i64::try_from(offset).unwrap_or(i64::MAX)], alias_row)
                .map_err(backend)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(backend)?;
            Ok((rows, u64::try_from(total).unwrap_or(0)))
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
            for k in keys {
                tx.execute(
                    "DELETE FROM tags WHERE resource_type = ?1 AND resource_id = ?2 AND tag_key = ?3",
                    params![kind.as_str(), id, k],
                )
                .map_err(backend)?;
            }
            Ok(())
        })
    }

    fn list_tags(&self, kind: TagResource, id: &str) -> StoreResult<Vec<(String, String)>> {
        self.read(|c| {
            let mut st = c
                .prepare_cached(
                    "SELECT tag_key, tag_value FROM tags WHERE resource_type = ?1 AND resource_id = ?2 ORDER BY tag_key",
                )
                .map_err(backend)?;
            let rows = st
                .query_map(params![kind.as_str(), id], |r| Ok((r.get(0)?, r.get(1)?)))
                .map_err(backend)?;
            rows.collect::<Result<Vec<_>, _>>().map_err(backend)
        })
    }
}
