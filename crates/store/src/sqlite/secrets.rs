//! Secrets, their versions and stage labels on SQLite.

use rusqlite::{params, Connection, OptionalExtension, Row, Transaction};

use super::conn::{backend, SqliteStore};
use super::iam::{conflict_on, count};
use super::kms::{delete_tags, put_tags};
use crate::{
    Entity, SecretRow, SecretStore, SecretVersionRow, StageMove, StagedVersion, StoreError,
    StoreResult, TagResource,
};

const SECRET_COLS: &str = "secret_name, secret_type, description, encryption_key_id, created_at, updated_at, \
     planned_delete_at, extended_config, rotation_enabled, rotation_interval, next_rotation_at, last_rotation_at, policy";
const SECRET_STATE_COLS: &str =
    "rotation_error, rotation_failures, rotation_retry_at, pending_key_id, pending_key_delete_at";
const VERSION_COLS: &str =
    "version_id, seq, data_type, key_id, key_version_id, wrapped_key, ciphertext, created_at";

pub(super) fn secret_row(r: &Row<'_>) -> rusqlite::Result<SecretRow> {
    Ok(SecretRow {
        secret_name: r.get(0)?,
        secret_type: r.get(1)?,
        description: r.get(2)?,
        encryption_key_id: r.get(3)?,
        created_at: r.get(4)?,
        updated_at: r.get(5)?,
        planned_delete_at: r.get(6)?,
        extended_config: r.get(7)?,
        rotation_enabled: r.get(8)?,
        rotation_interval: r.get(9)?,
        next_rotation_at: r.get(10)?,
        last_rotation_at: r.get(11)?,
        policy: r.get(12)?,
        rotation_error: r.get(13)?,
        rotation_failures: r.get(14)?,
        rotation_retry_at: r.get(15)?,
        pending_key_id: r.get(16)?,
        pending_key_delete_at: r.get(17)?,
    })
}

fn version_row(r: &Row<'_>) -> rusqlite::Result<SecretVersionRow> {
    version_row_at(r, 0)
}

/// A version row whose columns ([`VERSION_COLS`]) start at column `o`.
fn version_row_at(r: &Row<'_>, o: usize) -> rusqlite::Result<SecretVersionRow> {
    Ok(SecretVersionRow {
        version_id: r.get(o)?,
        seq: r.get(o + 1)?,
        data_type: r.get(o + 2)?,
        key_id: r.get(o + 3)?,
        key_version_id: r.get(o + 4)?,
        wrapped_key: r.get(o + 5)?,
        ciphertext: r.get(o + 6)?,
        created_at: r.get(o + 7)?,
    })
}

/// A secret, one of its versions (by id, else by the stage holding it) and
/// that version's stages as a JSON array, in one statement: one snapshot
/// without a transaction around it.
const SECRET_WITH_VERSION: &str = "SELECT s.secret_name, s.secret_type, s.description, s.encryption_key_id, \
     s.created_at, s.updated_at, s.planned_delete_at, s.extended_config, s.rotation_enabled, \
     s.rotation_interval, s.next_rotation_at, s.last_rotation_at, s.policy, s.rotation_error, \
     s.rotation_failures, s.rotation_retry_at, s.pending_key_id, s.pending_key_delete_at, \
     v.version_id, v.seq, v.data_type, v.key_id, v.key_version_id, v.wrapped_key, v.ciphertext, v.created_at, \
     (SELECT json_group_array(st.stage) FROM secret_stages st \
      WHERE st.secret_name = v.secret_name AND st.version_id = v.version_id) \
     FROM secrets s LEFT JOIN secret_versions v ON v.secret_name = s.secret_name AND v.version_id = \
     (CASE WHEN ?2 IS NOT NULL THEN ?2 \
      ELSE (SELECT h.version_id FROM secret_stages h WHERE h.secret_name = ?1 AND h.stage = ?3) END) \
     WHERE s.secret_name = ?1";

type SecretWithVersion = (SecretRow, Option<StagedVersion>);

fn secret_with_version(r: &Row<'_>) -> rusqlite::Result<SecretWithVersion> {
    let secret = secret_row(r)?;
    let version: Option<String> = r.get(18)?;
    if version.is_none() {
        return Ok((secret, None));
    }
    let version = version_row_at(r, 18)?;
    let stages: String = r.get(26)?;
    let mut stages: Vec<String> = serde_json::from_str(&stages).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(26, rusqlite::types::Type::Text, Box::new(e))
    })?;
    stages.sort();
    Ok((secret, Some(StagedVersion { version, stages })))
}

fn exists(c: &Connection, name: &str) -> StoreResult<()> {
    if count(
        c,
        "SELECT COUNT(*) FROM secrets WHERE secret_name = ?1",
        name,
    )? == 0
    {
        return Err(StoreError::NotFound(Entity::Secret));
    }
    Ok(())
}

pub(super) fn stages_of(c: &Connection, name: &str, version_id: &str) -> StoreResult<Vec<String>> {
    let mut st = c
        .prepare_cached("SELECT stage FROM secret_stages WHERE secret_name = ?1 AND version_id = ?2 ORDER BY stage")
        .map_err(backend)?;
    let rows = st
        .query_map(params![name, version_id], |r| r.get(0))
        .map_err(backend)?;
    rows.collect::<Result<Vec<_>, _>>().map_err(backend)
}

pub(super) fn holder(c: &Connection, name: &str, stage: &str) -> StoreResult<Option<String>> {
    c.prepare_cached("SELECT version_id FROM secret_stages WHERE secret_name = ?1 AND stage = ?2")
        .map_err(backend)?
        .query_row(params![name, stage], |r| r.get(0))
        .optional()
        .map_err(backend)
}

fn set_stage(c: &Connection, name: &str, stage: &str, version_id: &str) -> StoreResult<()> {
    c.execute(
        "INSERT INTO secret_stages (secret_name, stage, version_id) VALUES (?1, ?2, ?3) \
         ON CONFLICT (secret_name, stage) DO UPDATE SET version_id = excluded.version_id",
        params![name, stage, version_id],
    )
    .map_err(backend)?;
    Ok(())
}

/// Attaches `stage` to `version_id`; moving `ACSCurrent` gives the former
/// current version `ACSPrevious`.
pub(super) fn attach_stage(
    c: &Connection,
    name: &str,
    stage: &str,
    version_id: &str,
) -> StoreResult<()> {
    if stage == "ACSCurrent" {
        if let Some(old) = holder(c, name, "ACSCurrent")? {
            if old != version_id {
                set_stage(c, name, "ACSPrevious", &old)?;
            }
        }
    }
    set_stage(c, name, stage, version_id)
}

pub(super) fn insert_version(c: &Connection, name: &str, v: &SecretVersionRow) -> StoreResult<()> {
    c.execute(
        &format!("INSERT INTO secret_versions (secret_name, {VERSION_COLS}) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9)"),
        params![name, v.version_id, v.seq, v.data_type, v.key_id, v.key_version_id, v.wrapped_key, v.ciphertext, v.created_at],
    )
    .map_err(conflict_on(Entity::SecretVersion))?;
    Ok(())
}

pub(super) fn evict(tx: &Transaction<'_>, name: &str, max: u64) -> StoreResult<()> {
    let total = count(
        tx,
        "SELECT COUNT(*) FROM secret_versions WHERE secret_name = ?1",
        name,
    )?;
    if total <= max {
        return Ok(());
    }
    let excess = i64::try_from(total - max).unwrap_or(0);
    tx.execute(
        "DELETE FROM secret_versions WHERE secret_name = ?1 AND version_id IN ( \
           SELECT v.version_id FROM secret_versions v WHERE v.secret_name = ?1 AND NOT EXISTS \
             (SELECT 1 FROM secret_stages s WHERE s.secret_name = v.secret_name AND s.version_id = v.version_id) \
           ORDER BY v.seq LIMIT ?2)",
        params![name, excess],
    )
    .map_err(backend)?;
    Ok(())
}

fn purge_one(c: &Connection, name: &str) -> StoreResult<()> {
    c.execute("DELETE FROM secret_stages WHERE secret_name = ?1", [name])
        .map_err(backend)?;
    c.execute("DELETE FROM secret_versions WHERE secret_name = ?1", [name])
        .map_err(backend)?;
    delete_tags(c, TagResource::Secret, name)?;
    c.execute("DELETE FROM secrets WHERE secret_name = ?1", [name])
        .map_err(backend)?;
    Ok(())
}

impl SecretStore for SqliteStore {
    fn create_secret(
        &self,
        s: &SecretRow,
        first: &SecretVersionRow,
        tags: &[(String, String)],
        max: u64,
    ) -> StoreResult<()> {
        self.write(|tx| {
            if count(tx, "SELECT n FROM counters WHERE name = 'secrets' AND ?1 = ?1", "")? >= max {
                return Err(StoreError::Limit(Entity::Secret));
            }
            tx.execute(
                &format!("INSERT INTO secrets ({SECRET_COLS}, next_seq) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13, 2)"),
                params![
                    s.secret_name,
                    s.secret_type,
                    s.description,
                    s.encryption_key_id,
                    s.created_at,
                    s.updated_at,
                    s.planned_delete_at,
                    s.extended_config,
                    s.rotation_enabled,
                    s.rotation_interval,
                    s.next_rotation_at,
                    s.last_rotation_at,
                    s.policy
                ],
            )
            .map_err(conflict_on(Entity::Secret))?;
            let mut v = first.clone();
            v.seq = 1;
            insert_version(tx, &s.secret_name, &v)?;
            set_stage(tx, &s.secret_name, "ACSCurrent", &v.version_id)?;
            put_tags(tx, TagResource::Secret, &s.secret_name, tags, 20)
        })
    }

    fn get_secret(&self, name: &str) -> StoreResult<Option<SecretRow>> {
        self.read(|c| secret_in(c, name))
    }

    fn list_secrets(&self) -> StoreResult<Vec<SecretRow>> {
        self.read(|c| {
            let mut st = c
                .prepare_cached(&format!(
                    "SELECT {SECRET_COLS}, {SECRET_STATE_COLS} FROM secrets ORDER BY secret_name"
                ))
                .map_err(backend)?;
            let rows = st.query_map([], secret_row).map_err(backend)?;
            rows.collect::<Result<Vec<_>, _>>().map_err(backend)
        })
    }

    fn update_secret(&self, s: &SecretRow) -> StoreResult<()> {
        self.write(|tx| {
            let n = tx
                .execute(
                    "UPDATE secrets SET description = ?2, updated_at = ?3, planned_delete_at = ?4, extended_config = ?5, \
                     rotation_enabled = ?6, rotation_interval = ?7, next_rotation_at = ?8, policy = ?9, \
                     rotation_retry_at = CASE WHEN ?6 THEN rotation_retry_at ELSE NULL END \
                     WHERE secret_name = ?1",
                    params![
                        s.secret_name,
                        s.description,
                        s.updated_at,
                        s.planned_delete_at,
                        s.extended_config,
                        s.rotation_enabled,
                        s.rotation_interval,
                        s.next_rotation_at,
                        s.policy
                    ],
                )
                .map_err(backend)?;
            if n == 0 {
                return Err(StoreError::NotFound(Entity::Secret));
            }
            Ok(())
        })
    }

    fn put_secret_version(
        &self,
        name: &str,
        v: &SecretVersionRow,
        stages: &[String],
        max: u64,
    ) -> StoreResult<()> {
        self.write(|tx| {
            exists(tx, name)?;
            let seq: i64 = tx
                .query_row(
                    "SELECT next_seq FROM secrets WHERE secret_name = ?1",
                    [name],
                    |r| r.get(0),
                )
                .map_err(backend)?;
            let mut v = v.clone();
            v.seq = seq;
            insert_version(tx, name, &v)?;
            tx.execute(
                "UPDATE secrets SET next_seq = ?2, updated_at = ?3 WHERE secret_name = ?1",
                params![name, seq + 1, v.created_at],
            )
            .map_err(backend)?;
            for stage in stages {
                attach_stage(tx, name, stage, &v.version_id)?;
            }
            evict(tx, name, max)
        })
    }

    fn get_secret_version(
        &self,
        name: &str,
        version_id: Option<&str>,
        stage: Option<&str>,
    ) -> StoreResult<Option<StagedVersion>> {
        self.read(|c| version_in(c, name, version_id, stage))
    }

    fn get_secret_with_version(
        &self,
        name: &str,
        version_id: Option<&str>,
        stage: Option<&str>,
    ) -> StoreResult<Option<(SecretRow, Option<StagedVersion>)>> {
        self.read_single(|c| {
            c.prepare_cached(SECRET_WITH_VERSION)
                .map_err(backend)?
                .query_row(params![name, version_id, stage], secret_with_version)
                .optional()
                .map_err(backend)
        })
    }

    fn list_secret_versions(&self, name: &str) -> StoreResult<Vec<StagedVersion>> {
        self.read(|c| {
            exists(c, name)?;
            let mut st = c
                .prepare_cached(&format!(
                    "SELECT {VERSION_COLS} FROM secret_versions WHERE secret_name = ?1 ORDER BY seq"
                ))
                .map_err(backend)?;
            let versions = st
                .query_map([name], version_row)
                .map_err(backend)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(backend)?;
            versions
                .into_iter()
                .map(|version| {
                    Ok(StagedVersion {
                        stages: stages_of(c, name, &version.version_id)?,
                        version,
                    })
                })
                .collect()
        })
    }

    fn move_secret_stage(&self, name: &str, mv: &StageMove, now: i64) -> StoreResult<()> {
        self.write(|tx| {
            exists(tx, name)?;
            let current = holder(tx, name, &mv.stage)?;
            if let Some(from) = &mv.remove_from {
                if current.as_deref() != Some(from.as_str()) {
                    return Err(StoreError::Conflict(Entity::Stage));
                }
            }
            match &mv.move_to {
                Some(to) => {
                    let present: i64 = tx
                        .query_row(
                            "SELECT COUNT(*) FROM secret_versions WHERE secret_name = ?1 AND version_id = ?2",
                            params![name, to],
                            |r| r.get(0),
                        )
                        .map_err(backend)?;
                    if present == 0 {
                        return Err(StoreError::NotFound(Entity::SecretVersion));
                    }
                    attach_stage(tx, name, &mv.stage, to)?;
                }
                None => {
                    tx.execute(
                        "DELETE FROM secret_stages WHERE secret_name = ?1 AND stage = ?2",
                        params![name, mv.stage],
                    )
                    .map_err(backend)?;
                }
            }
            tx.execute(
                "UPDATE secrets SET updated_at = ?2 WHERE secret_name = ?1",
                params![name, now],
            )
            .map_err(backend)?;
            Ok(())
        })
    }

    fn delete_secret(&self, name: &str) -> StoreResult<()> {
        self.write(|tx| {
            exists(tx, name)?;
            purge_one(tx, name)
        })
    }

    fn purge_secrets(&self, now: i64) -> StoreResult<Vec<String>> {
        self.write(|tx| {
            let names: Vec<String> = {
                let mut st = tx
                    .prepare("SELECT secret_name FROM secrets WHERE planned_delete_at IS NOT NULL AND planned_delete_at <= ?1")
                    .map_err(backend)?;
                let rows = st.query_map([now], |r| r.get(0)).map_err(backend)?;
                rows.collect::<Result<Vec<_>, _>>().map_err(backend)?
            };
            for n in &names {
                purge_one(tx, n)?;
            }
            Ok(names)
        })
    }
}

fn secret_in(c: &Connection, name: &str) -> StoreResult<Option<SecretRow>> {
    c.prepare_cached(&format!(
        "SELECT {SECRET_COLS}, {SECRET_STATE_COLS} FROM secrets WHERE secret_name = ?1"
    ))
    .map_err(backend)?
    .query_row([name], secret_row)
    .optional()
    .map_err(backend)
}

fn version_in(
    c: &Connection,
    name: &str,
    version_id: Option<&str>,
    stage: Option<&str>,
) -> StoreResult<Option<StagedVersion>> {
    let id = match (version_id, stage) {
        (Some(id), _) => id.to_string(),
        (None, Some(stage)) => match holder(c, name, stage)? {
            Some(id) => id,
            None => return Ok(None),
        },
        (None, None) => return Ok(None),
    };
    let v = c
        .prepare_cached(&format!(
            "SELECT {VERSION_COLS} FROM secret_versions WHERE secret_name = ?1 AND version_id = ?2"
        ))
        .map_err(backend)?
        .query_row(params![name, id], version_row)
        .optional()
        .map_err(backend)?;
    match v {
        None => Ok(None),
        Some(version) => Ok(Some(StagedVersion {
            stages: stages_of(c, name, &version.version_id)?,
            version,
        })),
    }
}
