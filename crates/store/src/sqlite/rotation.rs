//! The rotation scheduler's leases and the atomic rotation steps on SQLite.

use rusqlite::{params, OptionalExtension, Transaction};

use super::conn::{backend, SqliteStore};
use super::iam::{count, user_id};
use super::secrets::{attach_stage, evict, holder, insert_version};
use crate::{Entity, RotationCommit, RotationStore, StoreError, StoreResult};

fn holds_lease(tx: &Transaction<'_>, name: &str, owner: &str) -> StoreResult<()> {
    let lease: Option<Option<String>> = tx
        .query_row(
            "SELECT lease_owner FROM secrets WHERE secret_name = ?1",
            [name],
            |r| r.get(0),
        )
        .optional()
        .map_err(backend)?;
    match lease {
        None => Err(StoreError::NotFound(Entity::Secret)),
        Some(Some(o)) if o == owner => Ok(()),
        Some(_) => Err(StoreError::Conflict(Entity::Secret)),
    }
}

impl RotationStore for SqliteStore {
    fn claim_due_rotations(
        &self,
        now: i64,
        owner: &str,
        lease_until: i64,
        limit: u32,
    ) -> StoreResult<Vec<String>> {
        self.write(|tx| {
            let names: Vec<String> = {
                let mut st = tx
                    .prepare_cached(
                        // The candidates come from three indexes (one per
                        // reason to be due), not from a scan of every secret.
                        "SELECT secret_name FROM secrets WHERE secret_name IN ( \
                           SELECT secret_name FROM secrets WHERE rotation_enabled = 1 AND next_rotation_at <= ?1 \
                           UNION ALL SELECT secret_name FROM secrets \
                             WHERE rotation_retry_at IS NOT NULL AND rotation_retry_at <= ?1 \
                           UNION ALL SELECT secret_name FROM secrets \
                             WHERE pending_key_delete_at IS NOT NULL AND pending_key_delete_at <= ?1) \
                         AND secret_type = 'RAMCredentials' \
                         AND planned_delete_at IS NULL \
                         AND (lease_until IS NULL OR lease_until < ?1 OR lease_owner = ?2) \
                         AND ((rotation_enabled = 1 AND next_rotation_at <= ?1 \
                               AND (rotation_retry_at IS NULL OR rotation_retry_at <= ?1)) \
                              OR (rotation_failures > 0 AND rotation_retry_at <= ?1) \
                              OR pending_key_delete_at <= ?1) \
                         ORDER BY COALESCE(MIN(next_rotation_at, pending_key_delete_at), next_rotation_at, pending_key_delete_at) \
                         LIMIT ?3",
                    )
                    .map_err(backend)?;
                let rows = st.query_map(params![now, owner, limit], |r| r.get(0)).map_err(backend)?;
                rows.collect::<Result<Vec<_>, _>>().map_err(backend)?
            };
            for n in &names {
                tx.execute(
                    "UPDATE secrets SET lease_owner = ?2, lease_until = ?3 WHERE secret_name = ?1",
                    params![n, owner, lease_until],
                )
                .map_err(backend)?;
            }
            Ok(names)
        })
    }

    fn claim_rotation(
        &self,
        name: &str,
        now: i64,
        owner: &str,
        lease_until: i64,
    ) -> StoreResult<bool> {
        self.write(|tx| {
            let n = tx
                .execute(
                    "UPDATE secrets SET lease_owner = ?2, lease_until = ?3 WHERE secret_name = ?1 \
                     AND (lease_until IS NULL OR lease_until < ?4 OR lease_owner = ?2)",
                    params![name, owner, lease_until, now],
                )
                .map_err(backend)?;
            if n == 0
                && count(
                    tx,
                    "SELECT COUNT(*) FROM secrets WHERE secret_name = ?1",
                    name,
                )? == 0
            {
                return Err(StoreError::NotFound(Entity::Secret));
            }
            Ok(n == 1)
        })
    }

    fn release_rotation(&self, name: &str, owner: &str) -> StoreResult<()> {
        self.write(|tx| {
            tx.execute(
                "UPDATE secrets SET lease_owner = NULL, lease_until = NULL WHERE secret_name = ?1 AND lease_owner = ?2",
                params![name, owner],
            )
            .map_err(backend)?;
            Ok(())
        })
    }

    fn commit_rotation(&self, c: &RotationCommit<'_>) -> StoreResult<()> {
        self.write(|tx| {
            holds_lease(tx, c.secret_name, c.owner)?;
            let uid = user_id(tx, c.user_name)?;
            if count(tx, "SELECT COUNT(*) FROM access_keys WHERE user_id = ?1", &uid)? >= c.max_keys {
                return Err(StoreError::Limit(Entity::AccessKey));
            }
            tx.execute(
                "INSERT INTO access_keys (access_key_id, user_id, secret_sealed, status, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![c.key.access_key_id, uid, c.key.secret_sealed, c.key.status.as_str(), c.key.created_at],
            )
            .map_err(backend)?;
            let seq: i64 = tx
                .query_row("SELECT next_seq FROM secrets WHERE secret_name = ?1", [c.secret_name], |r| r.get(0))
                .map_err(backend)?;
            let mut v = c.version.clone();
            v.seq = seq;
            insert_version(tx, c.secret_name, &v)?;
            attach_stage(tx, c.secret_name, "ACSCurrent", &v.version_id)?;
            tx.execute(
                "UPDATE secrets SET next_seq = ?2, updated_at = ?3, last_rotation_at = ?3, next_rotation_at = \
                 CASE WHEN rotation_enabled = 1 THEN ?4 ELSE next_rotation_at END, pending_key_id = ?5, \
                 pending_key_delete_at = ?6, rotation_error = NULL, rotation_failures = 0, rotation_retry_at = NULL \
                 WHERE secret_name = ?1",
                params![
                    c.secret_name,
                    seq + 1,
                    c.now,
                    c.next_rotation_at,
                    c.previous_key_id,
                    c.previous_key_id.map(|_| c.pending_key_delete_at)
                ],
            )
            .map_err(backend)?;
            evict(tx, c.secret_name, 10)
        })
    }

    fn finish_rotation(
        &self,
        name: &str,
        owner: &str,
        user_name: &str,
        previous_key_id: &str,
    ) -> StoreResult<()> {
        self.write(|tx| {
            holds_lease(tx, name, owner)?;
            if let Ok(uid) = user_id(tx, user_name) {
                tx.execute(
                    "DELETE FROM access_keys WHERE access_key_id = ?1 AND user_id = ?2",
                    params![previous_key_id, uid],
                )
                .map_err(backend)?;
            }
            if let Some(prev) = holder(tx, name, "ACSPrevious")? {
                tx.execute(
                    "DELETE FROM secret_stages WHERE secret_name = ?1 AND stage = 'ACSPrevious'",
                    [name],
                )
                .map_err(backend)?;
                let still_labelled: i64 = tx
                    .query_row(
                        "SELECT COUNT(*) FROM secret_stages WHERE secret_name = ?1 AND version_id = ?2",
                        params![name, prev],
                        |r| r.get(0),
                    )
                    .map_err(backend)?;
                if still_labelled == 0 {
                    tx.execute(
                        "DELETE FROM secret_versions WHERE secret_name = ?1 AND version_id = ?2",
                        params![name, prev],
                    )
                    .map_err(backend)?;
                }
            }
            tx.execute(
                "UPDATE secrets SET pending_key_id = NULL, pending_key_delete_at = NULL WHERE secret_name = ?1",
                [name],
            )
            .map_err(backend)?;
            Ok(())
        })
    }

    fn record_rotation_failure(
        &self,
        name: &str,
        owner: &str,
        error: &str,
        retry_at: i64,
    ) -> StoreResult<()> {
        self.write(|tx| {
            holds_lease(tx, name, owner)?;
            tx.execute(
                "UPDATE secrets SET rotation_error = ?2, rotation_failures = rotation_failures + 1, \
                 rotation_retry_at = ?3 WHERE secret_name = ?1",
                params![name, error, retry_at],
            )
            .map_err(backend)?;
            Ok(())
        })
    }
}
