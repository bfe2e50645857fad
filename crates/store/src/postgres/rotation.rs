//! The rotation scheduler's leases and the atomic rotation steps on
//! PostgreSQL. Leases are claimed with `FOR UPDATE SKIP LOCKED`, so replicas
//! polling together never claim the same secret.

use postgres::Transaction;

use super::conn::{count, unique, PostgresStore, TxError};
use super::iam::{rows, user_id, Lock};
use super::secrets::{attach_stage, evict, holder, insert_version, secret_seq};
use crate::{Entity, RotationCommit, RotationStore, StoreError, StoreResult};

/// Locks the secret's row and checks that `owner` holds its lease
/// (`NotFound(Secret)`, `Conflict(Secret)` if the lease was lost).
fn holds_lease(tx: &mut Transaction<'_>, name: &str, owner: &str) -> Result<(), TxError> {
    let row = tx.query_opt(
        "SELECT lease_owner FROM secrets WHERE secret_name = $1 FOR UPDATE",
        &[&name],
    )?;
    let Some(row) = row else {
        return Err(StoreError::NotFound(Entity::Secret).into());
    };
    match row.try_get::<_, Option<String>>(0)? {
        Some(o) if o == owner => Ok(()),
        _ => Err(StoreError::Conflict(Entity::Secret).into()),
    }
}

impl RotationStore for PostgresStore {
    fn claim_due_rotations(
        &self,
        now: i64,
        owner: &str,
        lease_until: i64,
        limit: u32,
    ) -> StoreResult<Vec<String>> {
        self.write(|tx| {
            let found = tx.query(
                // The candidates come from three indexes (one per reason to
                // be due), not from a scan of every secret.
                "SELECT secret_name FROM secrets WHERE secret_name IN ( \
                   SELECT secret_name FROM secrets WHERE rotation_enabled AND next_rotation_at <= $1 \
                   UNION ALL SELECT secret_name FROM secrets \
                     WHERE rotation_retry_at IS NOT NULL AND rotation_retry_at <= $1 \
                   UNION ALL SELECT secret_name FROM secrets \
                     WHERE pending_key_delete_at IS NOT NULL AND pending_key_delete_at <= $1) \
                 AND secret_type = 'RAMCredentials' \
                 AND planned_delete_at IS NULL \
                 AND (lease_until IS NULL OR lease_until < $1 OR lease_owner = $2) \
                 AND ((rotation_enabled AND next_rotation_at <= $1 \
                       AND (rotation_retry_at IS NULL OR rotation_retry_at <= $1)) \
                      OR (rotation_failures > 0 AND rotation_retry_at <= $1) \
                      OR pending_key_delete_at <= $1) \
                 ORDER BY LEAST(next_rotation_at, pending_key_delete_at) NULLS FIRST, secret_name \
                 LIMIT $3 FOR UPDATE SKIP LOCKED",
                &[&now, &owner, &i64::from(limit)],
            )?;
            let names = rows(&found, |r| r.try_get::<_, String>(0))?;
            for n in &names {
                tx.execute(
                    "UPDATE secrets SET lease_owner = $2, lease_until = $3 WHERE secret_name = $1",
                    &[n, &owner, &lease_until],
                )?;
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
            let n = tx.execute(
                "UPDATE secrets SET lease_owner = $2, lease_until = $3 WHERE secret_name = $1 \
                 AND (lease_until IS NULL OR lease_until < $4 OR lease_owner = $2)",
                &[&name, &owner, &lease_until, &now],
            )?;
            if n == 0 {
                secret_seq(tx, name, Lock::None)?;
            }
            Ok(n == 1)
        })
    }

    fn release_rotation(&self, name: &str, owner: &str) -> StoreResult<()> {
        self.single(|c| {
            c.execute(
                "UPDATE secrets SET lease_owner = NULL, lease_until = NULL WHERE secret_name = $1 AND lease_owner = $2",
                &[&name, &owner],
            )?;
            Ok(())
        })
    }

    fn commit_rotation(&self, c: &RotationCommit<'_>) -> StoreResult<()> {
        self.write(|tx| {
            holds_lease(tx, c.secret_name, c.owner)?;
            let uid = user_id(tx, c.user_name, Lock::Update)?;
            if count(
                tx,
                "SELECT COUNT(*) FROM access_keys WHERE user_id = $1",
                &[&uid],
            )? >= c.max_keys
            {
                return Err(StoreError::Limit(Entity::AccessKey).into());
            }
            tx.execute(
                "INSERT INTO access_keys (access_key_id, user_id, secret_sealed, status, created_at) VALUES ($1, $2, $3, $4, $5)",
                &[&c.key.access_key_id, &uid, &c.key.secret_sealed, &c.key.status.as_str(), &c.key.created_at],
            )
            .map_err(unique(Entity::AccessKey))?;
            let seq = secret_seq(tx, c.secret_name, Lock::None)?;
            let mut v = c.version.clone();
            v.seq = seq;
            insert_version(tx, c.secret_name, &v)?;
            attach_stage(tx, c.secret_name, "ACSCurrent", &v.version_id)?;
            let delete_at = c.previous_key_id.map(|_| c.pending_key_delete_at);
            tx.execute(
                "UPDATE secrets SET next_seq = $2, updated_at = $3, last_rotation_at = $3, next_rotation_at = \
                 CASE WHEN rotation_enabled THEN $4 ELSE next_rotation_at END, pending_key_id = $5, \
                 pending_key_delete_at = $6, rotation_error = NULL, rotation_failures = 0, rotation_retry_at = NULL \
                 WHERE secret_name = $1",
                &[
                    &c.secret_name,
                    &(seq + 1),
                    &c.now,
                    &c.next_rotation_at,
                    &c.previous_key_id,
                    &delete_at,
                ],
            )?;
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
            match user_id(tx, user_name, Lock::None) {
                Ok(uid) => {
                    tx.execute(
                        "DELETE FROM access_keys WHERE access_key_id = $1 AND user_id = $2",
                        &[&previous_key_id, &uid],
                    )?;
                }
                // The user is gone, and its keys with it.
                Err(TxError::Abort(StoreError::NotFound(_))) => {}
                Err(e) => return Err(e),
            }
            if let Some(prev) = holder(tx, name, "ACSPrevious")? {
                tx.execute(
                    "DELETE FROM secret_stages WHERE secret_name = $1 AND stage = 'ACSPrevious'",
                    &[&name],
                )?;
                if count(
                    tx,
                    "SELECT COUNT(*) FROM secret_stages WHERE secret_name = $1 AND version_id = $2",
                    &[&name, &prev],
                )? == 0
                {
                    tx.execute(
                        "DELETE FROM secret_versions WHERE secret_name = $1 AND version_id = $2",
                        &[&name, &prev],
                    )?;
                }
            }
            tx.execute(
                "UPDATE secrets SET pending_key_id = NULL, pending_key_delete_at = NULL WHERE secret_name = $1",
                &[&name],
            )?;
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
                "UPDATE secrets SET rotation_error = $2, rotation_failures = rotation_failures + 1, \
                 rotation_retry_at = $3 WHERE secret_name = $1",
                &[&name, &error, &retry_at],
            )?;
            Ok(())
        })
    }
}
