//! Custom policies, their versions, attachments and roles on PostgreSQL.

use postgres::{GenericClient, Row};

use super::conn::{count, lock_limit, unique, LimitLock, PostgresStore, TxError};
use super::iam::{group_id, rows, user_id, Lock};
use crate::{
    AttachLimits, AttachedEntity, AttachmentRow, EffectivePolicy, Entity, PolicyRow, PolicyType,
    PolicyVersionRow, PrincipalKind, RoleRow, StoreError, StoreResult,
};

const POLICY_COLS: &str = "policy_name, description, default_version, created_at, updated_at";
const ROLE_COLS: &str =
    "role_id, role_name, description, trust_policy, max_session_duration, service_linked, created_at, updated_at";

fn policy_row(r: &Row) -> Result<PolicyRow, postgres::Error> {
    Ok(PolicyRow {
        policy_name: r.try_get(0)?,
        description: r.try_get(1)?,
        default_version: r.try_get(2)?,
        created_at: r.try_get(3)?,
        updated_at: r.try_get(4)?,
    })
}

fn version_row(r: &Row) -> Result<PolicyVersionRow, postgres::Error> {
    Ok(PolicyVersionRow {
        version: r.try_get(0)?,
        document: r.try_get(1)?,
        created_at: r.try_get(2)?,
    })
}

fn role_row(r: &Row) -> Result<RoleRow, postgres::Error> {
    Ok(RoleRow {
        role_id: r.try_get(0)?,
        role_name: r.try_get(1)?,
        description: r.try_get(2)?,
        trust_policy: r.try_get(3)?,
        max_session_duration: r.try_get(4)?,
        service_linked: r.try_get(5)?,
        created_at: r.try_get(6)?,
        updated_at: r.try_get(7)?,
    })
}

fn policy_type(s: &str) -> PolicyType {
    PolicyType::parse(s).unwrap_or(PolicyType::Custom)
}

/// A custom policy by name (`NotFound(Policy)`), locking its row as asked.
fn policy(c: &mut impl GenericClient, name: &str, lock: Lock) -> Result<PolicyRow, TxError> {
    let sql = format!(
        "SELECT {POLICY_COLS} FROM policies WHERE policy_name = $1{}",
        lock.sql()
    );
    match c.query_opt(&sql, &[&name])? {
        Some(r) => Ok(policy_row(&r)?),
        None => Err(StoreError::NotFound(Entity::Policy).into()),
    }
}

/// A role's id by name, case-insensitively (`NotFound(Role)`).
fn role_id(c: &mut impl GenericClient, role_name: &str, lock: Lock) -> Result<String, TxError> {
    let sql = format!(
        "SELECT role_id FROM roles WHERE lower(role_name) = lower($1){}",
        lock.sql()
    );
    match c.query_opt(&sql, &[&role_name])? {
        Some(r) => Ok(r.try_get(0)?),
        None => Err(StoreError::NotFound(Entity::Role).into()),
    }
}

fn principal_id(
    c: &mut impl GenericClient,
    kind: PrincipalKind,
    name: &str,
    lock: Lock,
) -> Result<String, TxError> {
    match kind {
        PrincipalKind::User => user_id(c, name, lock),
        PrincipalKind::Group => group_id(c, name, lock),
        PrincipalKind::Role => role_id(c, name, lock),
    }
}

fn effective(
    c: &mut impl GenericClient,
    sql: &str,
    id: &str,
) -> Result<Vec<EffectivePolicy>, TxError> {
    let found = c.query(sql, &[&id])?;
    rows(&found, |r| {
        let t: String = r.try_get(0)?;
        Ok(EffectivePolicy {
            policy_type: policy_type(&t),
            policy_name: r.try_get(1)?,
            version: r.try_get::<_, Option<i64>>(2)?.unwrap_or(0),
            document: r.try_get::<_, Option<String>>(3)?.unwrap_or_default(),
        })
    })
}

const EFFECTIVE_SELECT: &str = "SELECT a.policy_type, a.policy_name, p.default_version, v.document FROM attachments a \
     LEFT JOIN policies p ON a.policy_type = 'Custom' AND p.policy_name = a.policy_name \
     LEFT JOIN policy_versions v ON v.policy_name = p.policy_name AND v.version = p.default_version";

impl PostgresStore {
    pub(super) fn pg_create_policy(
        &self,
        p: &PolicyRow,
        first: &PolicyVersionRow,
        max: u64,
    ) -> StoreResult<()> {
        self.write(|tx| {
            lock_limit(tx, LimitLock::Policies)?;
            if count(tx, "SELECT COUNT(*) FROM policies", &[])? >= max {
                return Err(StoreError::Limit(Entity::Policy).into());
            }
            tx.execute(
                "INSERT INTO policies (policy_name, description, default_version, next_version, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
                &[&p.policy_name, &p.description, &first.version, &(first.version + 1), &p.created_at, &p.updated_at],
            )
            .map_err(unique(Entity::Policy))?;
            tx.execute(
                "INSERT INTO policy_versions (policy_name, version, document, created_at) VALUES ($1, $2, $3, $4)",
                &[&p.policy_name, &first.version, &first.document, &first.created_at],
            )?;
            Ok(())
        })
    }

    pub(super) fn pg_get_policy(&self, name: &str) -> StoreResult<Option<PolicyRow>> {
        self.single(|c| match policy(c, name, Lock::None) {
            Ok(p) => Ok(Some(p)),
            Err(TxError::Abort(StoreError::NotFound(_))) => Ok(None),
            Err(e) => Err(e),
        })
    }

    pub(super) fn pg_list_policies(
        &self,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<PolicyRow>> {
        self.single(|c| {
            let found = c.query(
                &format!(
                    "SELECT {POLICY_COLS} FROM policies WHERE policy_name > $1 ORDER BY policy_name LIMIT $2"
                ),
                &[&after.unwrap_or(""), &i64::from(limit)],
            )?;
            rows(&found, policy_row)
        })
    }

    pub(super) fn pg_update_policy_description(
        &self,
        name: &str,
        description: &str,
        now: i64,
    ) -> StoreResult<()> {
        self.single(|c| {
            let n = c.execute(
                "UPDATE policies SET description = $2, updated_at = $3 WHERE policy_name = $1",
                &[&name, &description, &now],
            )?;
            if n == 0 {
                return Err(StoreError::NotFound(Entity::Policy).into());
            }
            Ok(())
        })
    }

    pub(super) fn pg_delete_policy(&self, name: &str, cascade: bool) -> StoreResult<()> {
        self.write(|tx| {
            // Attaching takes this row `FOR SHARE`: no attachment slips in.
            let p = policy(tx, name, Lock::Update)?;
            if !cascade {
                let kind: Option<String> = tx
                    .query_opt(
                        "SELECT principal_kind FROM attachments WHERE policy_type = 'Custom' AND policy_name = $1 \
                         ORDER BY CASE principal_kind WHEN 'User' THEN 0 WHEN 'Group' THEN 1 ELSE 2 END LIMIT 1",
                        &[&name],
                    )?
                    .map(|r| r.try_get(0))
                    .transpose()?;
                match kind.as_deref() {
                    Some("User") => {
                        return Err(StoreError::DeleteConflictOn(PrincipalKind::User).into())
                    }
                    Some("Group") => {
                        return Err(StoreError::DeleteConflictOn(PrincipalKind::Group).into())
                    }
                    Some(_) => {
                        return Err(StoreError::DeleteConflictOn(PrincipalKind::Role).into())
                    }
                    None => {}
                }
                if count(
                    tx,
                    "SELECT COUNT(*) FROM policy_versions WHERE policy_name = $1 AND version <> $2",
                    &[&name, &p.default_version],
                )? > 0
                {
                    return Err(StoreError::DeleteConflict(Entity::PolicyVersion).into());
                }
            }
            tx.execute(
                "DELETE FROM attachments WHERE policy_type = 'Custom' AND policy_name = $1",
                &[&name],
            )?;
            tx.execute(
                "DELETE FROM policy_versions WHERE policy_name = $1",
                &[&name],
            )?;
            tx.execute("DELETE FROM policies WHERE policy_name = $1", &[&name])?;
            Ok(())
        })
    }

    pub(super) fn pg_create_policy_version(
        &self,
        name: &str,
        document: &str,
        set_default: bool,
        rotate: bool,
        max_versions: u64,
        now: i64,
    ) -> StoreResult<PolicyVersionRow> {
        self.write(|tx| {
            let p = policy(tx, name, Lock::Update)?;
            let existing = count(
                tx,
                "SELECT COUNT(*) FROM policy_versions WHERE policy_name = $1",
                &[&name],
            )?;
            if existing >= max_versions {
                if !rotate {
                    return Err(StoreError::Limit(Entity::PolicyVersion).into());
                }
                let oldest: Option<i64> = tx
                    .query_opt(
                        "SELECT version FROM policy_versions WHERE policy_name = $1 AND version <> $2 \
                         ORDER BY version LIMIT 1",
                        &[&name, &p.default_version],
                    )?
                    .map(|r| r.try_get(0))
                    .transpose()?;
                let Some(oldest) = oldest else {
                    return Err(StoreError::Limit(Entity::PolicyVersion).into());
                };
                tx.execute(
                    "DELETE FROM policy_versions WHERE policy_name = $1 AND version = $2",
                    &[&name, &oldest],
                )?;
            }
            let version: i64 = tx
                .query_one(
                    "SELECT next_version FROM policies WHERE policy_name = $1",
                    &[&name],
                )?
                .try_get(0)?;
            tx.execute(
                "INSERT INTO policy_versions (policy_name, version, document, created_at) VALUES ($1, $2, $3, $4)",
                &[&name, &version, &document, &now],
            )?;
            let default = if set_default {
                version
            } else {
                p.default_version
            };
            tx.execute(
                "UPDATE policies SET next_version = $2, default_version = $3, updated_at = $4 WHERE policy_name = $1",
                &[&name, &(version + 1), &default, &now],
            )?;
            Ok(PolicyVersionRow {
                version,
                document: document.to_string(),
                created_at: now,
            })
        })
    }

    pub(super) fn pg_get_policy_version(
        &self,
        name: &str,
        version: i64,
    ) -> StoreResult<Option<PolicyVersionRow>> {
        self.read(|tx| {
            policy(tx, name, Lock::None)?;
            let row = tx.query_opt(
                "SELECT version, document, created_at FROM policy_versions WHERE policy_name = $1 AND version = $2",
                &[&name, &version],
            )?;
            Ok(row.as_ref().map(version_row).transpose()?)
        })
    }

    pub(super) fn pg_list_policy_versions(&self, name: &str) -> StoreResult<Vec<PolicyVersionRow>> {
        self.read(|tx| {
            policy(tx, name, Lock::None)?;
            let found = tx.query(
                "SELECT version, document, created_at FROM policy_versions WHERE policy_name = $1 ORDER BY version",
                &[&name],
            )?;
            rows(&found, version_row)
        })
    }

    pub(super) fn pg_delete_policy_version(&self, name: &str, version: i64) -> StoreResult<()> {
        self.write(|tx| {
            let p = policy(tx, name, Lock::Update)?;
            if p.default_version == version {
                return Err(StoreError::DeleteConflict(Entity::DefaultPolicyVersion).into());
            }
            let n = tx.execute(
                "DELETE FROM policy_versions WHERE policy_name = $1 AND version = $2",
                &[&name, &version],
            )?;
            if n == 0 {
                return Err(StoreError::NotFound(Entity::PolicyVersion).into());
            }
            Ok(())
        })
    }

    pub(super) fn pg_set_default_policy_version(
        &self,
        name: &str,
        version: i64,
        now: i64,
    ) -> StoreResult<()> {
        self.write(|tx| {
            policy(tx, name, Lock::Update)?;
            if count(
                tx,
                "SELECT COUNT(*) FROM policy_versions WHERE policy_name = $1 AND version = $2",
                &[&name, &version],
            )? == 0
            {
                return Err(StoreError::NotFound(Entity::PolicyVersion).into());
            }
            tx.execute(
                "UPDATE policies SET default_version = $2, updated_at = $3 WHERE policy_name = $1",
                &[&name, &version, &now],
            )?;
            Ok(())
        })
    }

    pub(super) fn pg_attach_policy(
        &self,
        kind: PrincipalKind,
        principal_name: &str,
        ptype: PolicyType,
        policy_name: &str,
        now: i64,
        limits: AttachLimits,
    ) -> StoreResult<()> {
        self.write(|tx| {
            // The principal's row lock serializes the per-principal limit.
            let pid = principal_id(tx, kind, principal_name, Lock::Update)?;
            if ptype == PolicyType::Custom {
                policy(tx, policy_name, Lock::Share)?;
            }
            let r = tx.query_one(
                "SELECT COUNT(*) FILTER (WHERE policy_name = $4), COUNT(*) FROM attachments \
                 WHERE principal_kind = $1 AND principal_id = $2 AND policy_type = $3",
                &[&kind.as_str(), &pid, &ptype.as_str(), &policy_name],
            )?;
            let (already, same_type): (i64, i64) = (r.try_get(0)?, r.try_get(1)?);
            if already > 0 {
                return Err(StoreError::Conflict(Entity::Attachment).into());
            }
            let max = match ptype {
                PolicyType::System => limits.system,
                PolicyType::Custom => limits.custom,
            };
            if u64::try_from(same_type).unwrap_or(0) >= max {
                return Err(StoreError::Limit(Entity::Attachment).into());
            }
            tx.execute(
                "INSERT INTO attachments (principal_kind, principal_id, policy_type, policy_name, attached_at) \
                 VALUES ($1, $2, $3, $4, $5)",
                &[&kind.as_str(), &pid, &ptype.as_str(), &policy_name, &now],
            )
            .map_err(unique(Entity::Attachment))?;
            Ok(())
        })
    }

    pub(super) fn pg_detach_policy(
        &self,
        kind: PrincipalKind,
        principal_name: &str,
        ptype: PolicyType,
        policy_name: &str,
    ) -> StoreResult<()> {
        self.write(|tx| {
            let pid = principal_id(tx, kind, principal_name, Lock::None)?;
            let n = tx.execute(
                "DELETE FROM attachments WHERE principal_kind = $1 AND principal_id = $2 AND policy_type = $3 \
                 AND policy_name = $4",
                &[&kind.as_str(), &pid, &ptype.as_str(), &policy_name],
            )?;
            if n == 0 {
                return Err(StoreError::NotFound(Entity::Attachment).into());
            }
            Ok(())
        })
    }

    pub(super) fn pg_list_attachments(
        &self,
        kind: PrincipalKind,
        principal_name: &str,
    ) -> StoreResult<Vec<AttachmentRow>> {
        self.read(|tx| {
            let pid = principal_id(tx, kind, principal_name, Lock::None)?;
            let found = tx.query(
                "SELECT policy_type, policy_name, attached_at FROM attachments \
                 WHERE principal_kind = $1 AND principal_id = $2 ORDER BY policy_type DESC, policy_name",
                &[&kind.as_str(), &pid],
            )?;
            rows(&found, |r| {
                let t: String = r.try_get(0)?;
                Ok(AttachmentRow {
                    policy_type: policy_type(&t),
                    policy_name: r.try_get(1)?,
                    attached_at: r.try_get(2)?,
                })
            })
        })
    }

    pub(super) fn pg_list_entities_for_policy(
        &self,
        ptype: PolicyType,
        name: &str,
    ) -> StoreResult<Vec<AttachedEntity>> {
        self.read(|tx| {
            if ptype == PolicyType::Custom {
                policy(tx, name, Lock::None)?;
            }
            let found = tx.query(
                "SELECT 'User' COLLATE \"C\" AS kind, u.user_id, u.user_name AS name, u.display_name, a.attached_at \
                   FROM attachments a JOIN users u ON a.principal_kind = 'User' AND u.user_id = a.principal_id \
                   WHERE a.policy_type = $1 AND a.policy_name = $2 \
                 UNION ALL SELECT 'Group', g.group_id, g.group_name, g.comments, a.attached_at \
                   FROM attachments a JOIN groups g ON a.principal_kind = 'Group' AND g.group_id = a.principal_id \
                   WHERE a.policy_type = $1 AND a.policy_name = $2 \
                 UNION ALL SELECT 'Role', r.role_id, r.role_name, r.description, a.attached_at \
                   FROM attachments a JOIN roles r ON a.principal_kind = 'Role' AND r.role_id = a.principal_id \
                   WHERE a.policy_type = $1 AND a.policy_name = $2 \
                 ORDER BY 1, 3",
                &[&ptype.as_str(), &name],
            )?;
            rows(&found, |r| {
                let k: String = r.try_get(0)?;
                Ok(AttachedEntity {
                    kind: match k.as_str() {
                        "User" => PrincipalKind::User,
                        "Group" => PrincipalKind::Group,
                        _ => PrincipalKind::Role,
                    },
                    id: r.try_get(1)?,
                    name: r.try_get(2)?,
                    label: r.try_get(3)?,
                    attached_at: r.try_get(4)?,
                })
            })
        })
    }

    pub(super) fn pg_attachment_count(&self, ptype: PolicyType, name: &str) -> StoreResult<u64> {
        self.single(|c| {
            count(
                c,
                "SELECT COUNT(*) FROM attachments WHERE policy_type = $1 AND policy_name = $2",
                &[&ptype.as_str(), &name],
            )
        })
    }

    pub(super) fn pg_effective_for_user(&self, user_id: &str) -> StoreResult<Vec<EffectivePolicy>> {
        self.single(|c| {
            effective(
                c,
                &format!(
                    "{EFFECTIVE_SELECT} WHERE (a.principal_kind = 'User' AND a.principal_id = $1) \
                     OR (a.principal_kind = 'Group' AND a.principal_id IN \
                         (SELECT group_id FROM group_members WHERE user_id = $1))"
                ),
                user_id,
            )
        })
    }

    pub(super) fn pg_effective_for_role(&self, role_id: &str) -> StoreResult<Vec<EffectivePolicy>> {
        self.single(|c| {
            effective(
                c,
                &format!(
                    "{EFFECTIVE_SELECT} WHERE a.principal_kind = 'Role' AND a.principal_id = $1"
                ),
                role_id,
            )
        })
    }

    pub(super) fn pg_create_role(
        &self,
        role: &RoleRow,
        max: u64,
        system_policies: &[&str],
    ) -> StoreResult<()> {
        self.write(|tx| {
            lock_limit(tx, LimitLock::Roles)?;
            if count(tx, "SELECT COUNT(*) FROM roles", &[])? >= max {
                return Err(StoreError::Limit(Entity::Role).into());
            }
            tx.execute(
                &format!("INSERT INTO roles ({ROLE_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"),
                &[
                    &role.role_id,
                    &role.role_name,
                    &role.description,
                    &role.trust_policy,
                    &role.max_session_duration,
                    &role.service_linked,
                    &role.created_at,
                    &role.updated_at,
                ],
            )
            .map_err(unique(Entity::Role))?;
            for name in system_policies {
                tx.execute(
                    "INSERT INTO attachments (principal_kind, principal_id, policy_type, policy_name, attached_at) \
                     VALUES ('Role', $1, 'System', $2, $3)",
                    &[&role.role_id, name, &role.created_at],
                )
                .map_err(unique(Entity::Attachment))?;
            }
            Ok(())
        })
    }

    pub(super) fn pg_get_role(&self, name: &str) -> StoreResult<Option<RoleRow>> {
        self.single(|c| {
            let row = c.query_opt(
                &format!("SELECT {ROLE_COLS} FROM roles WHERE lower(role_name) = lower($1)"),
                &[&name],
            )?;
            Ok(row.as_ref().map(role_row).transpose()?)
        })
    }

    pub(super) fn pg_update_role(&self, role: &RoleRow) -> StoreResult<()> {
        self.single(|c| {
            let n = c.execute(
                "UPDATE roles SET description = $2, trust_policy = $3, max_session_duration = $4, updated_at = $5 \
                 WHERE role_id = $1",
                &[&role.role_id, &role.description, &role.trust_policy, &role.max_session_duration, &role.updated_at],
            )?;
            if n == 0 {
                return Err(StoreError::NotFound(Entity::Role).into());
            }
            Ok(())
        })
    }

    pub(super) fn pg_delete_role(&self, name: &str) -> StoreResult<()> {
        self.write(|tx| {
            let id = role_id(tx, name, Lock::Update)?;
            if count(
                tx,
                "SELECT COUNT(*) FROM attachments WHERE principal_kind = 'Role' AND principal_id = $1",
                &[&id],
            )? > 0
            {
                return Err(StoreError::DeleteConflict(Entity::Attachment).into());
            }
            tx.execute("DELETE FROM roles WHERE role_id = $1", &[&id])?;
            Ok(())
        })
    }

    pub(super) fn pg_list_roles(
        &self,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<RoleRow>> {
        self.single(|c| {
            let found = c.query(
                &format!(
                    "SELECT {ROLE_COLS} FROM roles WHERE lower(role_name) > lower($1) \
                     ORDER BY lower(role_name) LIMIT $2"
                ),
                &[&after.unwrap_or(""), &i64::from(limit)],
            )?;
            rows(&found, role_row)
        })
    }
}
