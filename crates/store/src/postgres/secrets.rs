//! Secrets, their versions and stage labels on PostgreSQL.

use postgres::{GenericClient, Row, Transaction};

use super::conn::{count, lock_limit, unique, LimitLock, PostgresStore, TxError};
use super::iam::{rows, Lock};
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
/// Tags a new secret may carry.
const CREATE_MAX_TAGS: u64 = 20;

fn secret_row(r: &Row) -> Result<SecretRow, postgres::Error> {
    Ok(SecretRow {
        secret_name: r.try_get(0)?,
        secret_type: r.try_get(1)?,
        description: r.try_get(2)?,
        encryption_key_id: r.try_get(3)?,
        created_at: r.try_get(4)?,
        updated_at: r.try_get(5)?,
        planned_delete_at: r.try_get(6)?,
        extended_config: r.try_get(7)?,
        rotation_enabled: r.try_get(8)?,
        rotation_interval: r.try_get(9)?,
        next_rotation_at: r.try_get(10)?,
        last_rotation_at: r.try_get(11)?,
        policy: r.try_get(12)?,
        rotation_error: r.try_get(13)?,
        rotation_failures: r.try_get(14)?,
        rotation_retry_at: r.try_get(15)?,
        pending_key_id: r.try_get(16)?,
        pending_key_delete_at: r.try_get(17)?,
    })
}

fn version_row(r: &Row) -> Result<SecretVersionRow, postgres::Error> {
    Ok(SecretVersionRow {
        version_id: r.try_get(0)?,
        seq: r.try_get(1)?,
        data_type: r.try_get(2)?,
        key_id: r.try_get(3)?,
        key_version_id: r.try_get(4)?,
        wrapped_key: r.try_get(5)?,
        ciphertext: r.try_get(6)?,
        created_at: r.try_get(7)?,
    })
}

/// The secret's `next_seq` (`NotFound(Secret)`), locking its row as asked.
pub(super) fn secret_seq(
    c: &mut impl GenericClient,
    name: &str,
    lock: Lock,
) -> Result<i64, TxError> {
    let sql = format!(
        "SELECT next_seq FROM secrets WHERE secret_name = $1{}",
        lock.sql()
    );
    match c.query_opt(&sql, &[&name])? {
        Some(r) => Ok(r.try_get(0)?),
        None => Err(StoreError::NotFound(Entity::Secret).into()),
    }
}

fn stages_of(
    c: &mut impl GenericClient,
    name: &str,
    version_id: &str,
) -> Result<Vec<String>, TxError> {
    let found = c.query(
        "SELECT stage FROM secret_stages WHERE secret_name = $1 AND version_id = $2 ORDER BY stage",
        &[&name, &version_id],
    )?;
    rows(&found, |r| r.try_get(0))
}

pub(super) fn holder(
    c: &mut impl GenericClient,
    name: &str,
    stage: &str,
) -> Result<Option<String>, TxError> {
    let row = c.query_opt(
        "SELECT version_id FROM secret_stages WHERE secret_name = $1 AND stage = $2",
        &[&name, &stage],
    )?;
    Ok(row.map(|r| r.try_get(0)).transpose()?)
}

fn set_stage(
    tx: &mut Transaction<'_>,
    name: &str,
    stage: &str,
    version_id: &str,
) -> Result<(), TxError> {
    tx.execute(
        "INSERT INTO secret_stages (secret_name, stage, version_id) VALUES ($1, $2, $3) \
         ON CONFLICT (secret_name, stage) DO UPDATE SET version_id = EXCLUDED.version_id",
        &[&name, &stage, &version_id],
    )?;
    Ok(())
}

/// Attaches `stage` to `version_id`; moving `ACSCurrent` gives the former
/// current version `ACSPrevious`.
pub(super) fn attach_stage(
    tx: &mut Transaction<'_>,
    name: &str,
    stage: &str,
    version_id: &str,
) -> Result<(), TxError> {
    if stage == "ACSCurrent" {
        if let Some(old) = holder(tx, name, "ACSCurrent")? {
            if old != version_id {
                set_stage(tx, name, "ACSPrevious", &old)?;
            }
        }
    }
    set_stage(tx, name, stage, version_id)
}

pub(super) fn insert_version(
    tx: &mut Transaction<'_>,
    name: &str,
    v: &SecretVersionRow,
) -> Result<(), TxError> {
    tx.execute(
        &format!(
            "INSERT INTO secret_versions (secret_name, {VERSION_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        ),
        &[
            &name,
            &v.version_id,
            &v.seq,
            &v.data_type,
            &v.key_id,
            &v.key_version_id,
            &v.wrapped_key,
            &v.ciphertext,
            &v.created_at,
        ],
    )
    .map_err(unique(Entity::SecretVersion))?;
    Ok(())
}

/// Drops the oldest unlabelled versions beyond `max`.
pub(super) fn evict(tx: &mut Transaction<'_>, name: &str, max: u64) -> Result<(), TxError> {
    let total = count(
        tx,
        "SELECT COUNT(*) FROM secret_versions WHERE secret_name = $1",
        &[&name],
    )?;
    if total <= max {
        return Ok(());
    }
    let excess = i64::try_from(total - max).unwrap_or(0);
    tx.execute(
        "DELETE FROM secret_versions WHERE secret_name = $1 AND version_id IN ( \
           SELECT v.version_id FROM secret_versions v WHERE v.secret_name = $1 AND NOT EXISTS \
             (SELECT 1 FROM secret_stages s WHERE s.secret_name = v.secret_name AND s.version_id = v.version_id) \
           ORDER BY v.seq LIMIT $2)",
        &[&name, &excess],
    )?;
    Ok(())
}

fn purge_one(tx: &mut Transaction<'_>, name: &str) -> Result<(), TxError> {
    tx.execute("DELETE FROM secret_stages WHERE secret_name = $1", &[&name])?;
    tx.execute(
        "DELETE FROM secret_versions WHERE secret_name = $1",
        &[&name],
    )?;
    delete_tags(tx, TagResource::Secret, name)?;
    tx.execute("DELETE FROM secrets WHERE secret_name = $1", &[&name])?;
    Ok(())
}

impl SecretStore for PostgresStore {
    fn create_secret(
        &self,
        s: &SecretRow,
        first: &SecretVersionRow,
        tags: &[(String, String)],
        max: u64,
    ) -> StoreResult<()> {
        self.write(|tx| {
            lock_limit(tx, LimitLock::Secrets)?;
            if count(tx, "SELECT COUNT(*) FROM secrets", &[])? >= max {
                return Err(StoreError::Limit(Entity::Secret).into());
            }
            tx.execute(
                &format!(
                    "INSERT INTO secrets ({SECRET_COLS}, next_seq) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 2)"
                ),
                &[
                    &s.secret_name,
                    &s.secret_type,
                    &s.description,
                    &s.encryption_key_id,
                    &s.created_at,
                    &s.updated_at,
                    &s.planned_delete_at,
                    &s.extended_config,
                    &s.rotation_enabled,
                    &s.rotation_interval,
                    &s.next_rotation_at,
                    &s.last_rotation_at,
                    &s.policy,
                ],
            )
            .map_err(unique(Entity::Secret))?;
            let mut v = first.clone();
            v.seq = 1;
            insert_version(tx, &s.secret_name, &v)?;
            set_stage(tx, &s.secret_name, "ACSCurrent", &v.version_id)?;
            put_tags(
                tx,
                TagResource::Secret,
                &s.secret_name,
                tags,
                CREATE_MAX_TAGS,
            )
        })
    }

    fn get_secret(&self, name: &str) -> StoreResult<Option<SecretRow>> {
        self.single(|c| {
            let row = c.query_opt(
                &format!(
                    "SELECT {SECRET_COLS}, {SECRET_STATE_COLS} FROM secrets WHERE secret_name = $1"
                ),
                &[&name],
            )?;
            Ok(row.as_ref().map(secret_row).transpose()?)
        })
    }

    fn list_secrets(&self) -> StoreResult<Vec<SecretRow>> {
        self.single(|c| {
            let found = c.query(
                &format!(
                    "SELECT {SECRET_COLS}, {SECRET_STATE_COLS} FROM secrets ORDER BY secret_name"
                ),
                &[],
            )?;
            rows(&found, secret_row)
        })
    }

    fn update_secret(&self, s: &SecretRow) -> StoreResult<()> {
        self.single(|c| {
            let n = c.execute(
                "UPDATE secrets SET description = $2, updated_at = $3, planned_delete_at = $4, extended_config = $5, \
                 rotation_enabled = $6, rotation_interval = $7, next_rotation_at = $8, policy = $9, \
                 rotation_retry_at = CASE WHEN $6 THEN rotation_retry_at ELSE NULL END \
                 WHERE secret_name = $1",
                &[
                    &s.secret_name,
                    &s.description,
                    &s.updated_at,
                    &s.planned_delete_at,
                    &s.extended_config,
                    &s.rotation_enabled,
                    &s.rotation_interval,
                    &s.next_rotation_at,
                    &s.policy,
                ],
            )?;
            if n == 0 {
                return Err(StoreError::NotFound(Entity::Secret).into());
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
            // The secret's row lock orders versions and stage moves.
            let seq = secret_seq(tx, name, Lock::Update)?;
            let mut v = v.clone();
            v.seq = seq;
            insert_version(tx, name, &v)?;
            tx.execute(
                "UPDATE secrets SET next_seq = $2, updated_at = $3 WHERE secret_name = $1",
                &[&name, &(seq + 1), &v.created_at],
            )?;
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
        self.read(|tx| version_in(tx, name, version_id, stage))
    }

    fn get_secret_with_version(
        &self,
        name: &str,
        version_id: Option<&str>,
        stage: Option<&str>,
    ) -> StoreResult<Option<(SecretRow, Option<StagedVersion>)>> {
        self.read(|tx| {
            let row = tx.query_opt(
                &format!(
                    "SELECT {SECRET_COLS}, {SECRET_STATE_COLS} FROM secrets WHERE secret_name = $1"
                ),
                &[&name],
            )?;
            let Some(secret) = row.as_ref().map(secret_row).transpose()? else {
                return Ok(None);
            };
            Ok(Some((secret, version_in(tx, name, version_id, stage)?)))
        })
    }

    fn list_secret_versions(&self, name: &str) -> StoreResult<Vec<StagedVersion>> {
        self.read(|tx| {
            secret_seq(tx, name, Lock::None)?;
            let found = tx.query(
                &format!(
                    "SELECT {VERSION_COLS} FROM secret_versions WHERE secret_name = $1 ORDER BY seq"
                ),
                &[&name],
            )?;
            let versions = rows(&found, version_row)?;
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
        self.write(|tx| {
            secret_seq(tx, name, Lock::Update)?;
            let current = holder(tx, name, &mv.stage)?;
            if let Some(from) = &mv.remove_from {
                if current.as_deref() != Some(from.as_str()) {
                    return Err(StoreError::Conflict(Entity::Stage).into());
                }
            }
            match &mv.move_to {
                Some(to) => {
                    if count(
                        tx,
                        "SELECT COUNT(*) FROM secret_versions WHERE secret_name = $1 AND version_id = $2",
                        &[&name, to],
                    )? == 0
                    {
                        return Err(StoreError::NotFound(Entity::SecretVersion).into());
                    }
                    attach_stage(tx, name, &mv.stage, to)?;
                }
                None => {
                    tx.execute(
                        "DELETE FROM secret_stages WHERE secret_name = $1 AND stage = $2",
                        &[&name, &mv.stage],
                    )?;
                }
            }
            tx.execute(
                "UPDATE secrets SET updated_at = $2 WHERE secret_name = $1",
                &[&name, &now],
            )?;
            Ok(())
        })
    }

    fn delete_secret(&self, name: &str) -> StoreResult<()> {
        self.write(|tx| {
            secret_seq(tx, name, Lock::Update)?;
            purge_one(tx, name)
        })
    }

    fn purge_secrets(&self, now: i64) -> StoreResult<Vec<String>> {
        self.write(|tx| {
            // Rows another replica is purging right now are skipped: each
            // secret is purged (and reported) by one replica only.
            let found = tx.query(
                "SELECT secret_name FROM secrets WHERE planned_delete_at IS NOT NULL AND planned_delete_at <= $1 \
                 ORDER BY secret_name FOR UPDATE SKIP LOCKED",
                &[&now],
            )?;
            let names = rows(&found, |r| r.try_get::<_, String>(0))?;
            for n in &names {
                purge_one(tx, n)?;
            }
            Ok(names)
        })
    }
}

/// A version by id or by the stage holding it, with its stages.
fn version_in(
    tx: &mut Transaction<'_>,
    name: &str,
    version_id: Option<&str>,
    stage: Option<&str>,
) -> Result<Option<StagedVersion>, TxError> {
    let id = match (version_id, stage) {
        (Some(id), _) => id.to_string(),
        (None, Some(stage)) => match holder(tx, name, stage)? {
            Some(id) => id,
            None => return Ok(None),
        },
        (None, None) => return Ok(None),
    };
    let row = tx.query_opt(
        &format!(
            "SELECT {VERSION_COLS} FROM secret_versions WHERE secret_name = $1 AND version_id = $2"
        ),
        &[&name, &id],
    )?;
    match row.as_ref().map(version_row).transpose()? {
        None => Ok(None),
        Some(version) => Ok(Some(StagedVersion {
            stages: stages_of(tx, name, &version.version_id)?,
            version,
        })),
    }
}
