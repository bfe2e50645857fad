//! Custom policies, their versions, attachments and roles on SQLite.

use rusqlite::{params, Connection, OptionalExtension, Row};

use super::conn::{backend, SqliteStore};
use super::iam::{conflict_on, count, group_id, user_id};
use crate::{
    AttachLimits, AttachedEntity, AttachmentRow, EffectivePolicy, Entity, PolicyRow, PolicyType,
    PolicyVersionRow, PrincipalKind, RoleRow, StoreError, StoreResult,
};

const POLICY_COLS: &str = "policy_name, description, default_version, created_at, updated_at";
const ROLE_COLS: &str =
    "role_id, role_name, description, trust_policy, max_session_duration, service_linked, created_at, updated_at";

fn policy_row(r: &Row<'_>) -> rusqlite::Result<PolicyRow> {
    Ok(PolicyRow {
        policy_name: r.get(0)?,
        description: r.get(1)?,
        default_version: r.get(2)?,
        created_at: r.get(3)?,
        updated_at: r.get(4)?,
    })
}

fn version_row(r: &Row<'_>) -> rusqlite::Result<PolicyVersionRow> {
    Ok(PolicyVersionRow {
        version: r.get(0)?,
        document: r.get(1)?,
        created_at: r.get(2)?,
    })
}

fn role_row(r: &Row<'_>) -> rusqlite::Result<RoleRow> {
    Ok(RoleRow {
        role_id: r.get(0)?,
        role_name: r.get(1)?,
        description: r.get(2)?,
        trust_policy: r.get(3)?,
        max_session_duration: r.get(4)?,
        service_linked: r.get(5)?,
        created_at: r.get(6)?,
        updated_at: r.get(7)?,
    })
}

fn policy_type(s: &str) -> PolicyType {
    PolicyType::parse(s).unwrap_or(PolicyType::Custom)
}

fn policy_exists(conn: &Connection, name: &str) -> StoreResult<PolicyRow> {
    conn.query_row(
        &format!("SELECT {POLICY_COLS} FROM policies WHERE policy_name = ?1"),
        [name],
        policy_row,
    )
    .optional()
    .map_err(backend)?
    .ok_or(StoreError::NotFound(Entity::Policy))
}

fn role_id(conn: &Connection, role_name: &str) -> StoreResult<String> {
    conn.query_row(
        "SELECT role_id FROM roles WHERE role_name = ?1",
        [role_name],
        |r| r.get(0),
    )
    .optional()
    .map_err(backend)?
    .ok_or(StoreError::NotFound(Entity::Role))
}

fn principal_id(conn: &Connection, kind: PrincipalKind, name: &str) -> StoreResult<String> {
    match kind {
        PrincipalKind::User => user_id(conn, name),
        PrincipalKind::Group => group_id(conn, name),
        PrincipalKind::Role => role_id(conn, name),
    }
}

fn effective(conn: &Connection, sql: &str, id: &str) -> StoreResult<Vec<EffectivePolicy>> {
    let mut st = conn.prepare_cached(sql).map_err(backend)?;
    let rows = st
        .query_map([id], |r| {
            let t: String = r.get(0)?;
            Ok(EffectivePolicy {
                policy_type: policy_type(&t),
                policy_name: r.get(1)?,
                version: r.get::<_, Option<i64>>(2)?.unwrap_or(0),
                document: r.get::<_, Option<String>>(3)?.unwrap_or_default(),
            })
        })
        .map_err(backend)?;
    rows.collect::<Result<Vec<_>, _>>().map_err(backend)
}

const EFFECTIVE_SELECT: &str = "SELECT a.policy_type, a.policy_name, p.default_version, v.document FROM attachments a \
     LEFT JOIN policies p ON a.policy_type = 'Custom' AND p.policy_name = a.policy_name \
     LEFT JOIN policy_versions v ON v.policy_name = p.policy_name AND v.version = p.default_version";

impl SqliteStore {
    pub(crate) fn sql_create_policy(
        &self,
        p: &PolicyRow,
        first: &PolicyVersionRow,
        max: u64,
    ) -> StoreResult<()> {
        self.write(|tx| {
            if count(tx, "SELECT COUNT(*) FROM policies WHERE ?1 = ?1", "")? >= max {
                return Err(StoreError::Limit(Entity::Policy));
            }
            tx.execute(
                "INSERT INTO policies (policy_name, description, default_version, next_version, created_at, updated_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![p.policy_name, p.description, first.version, first.version + 1, p.created_at, p.updated_at],
            )
            .map_err(conflict_on(Entity::Policy))?;
            tx.execute(
                "INSERT INTO policy_versions (policy_name, version, document, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![p.policy_name, first.version, first.document, first.created_at],
            )
            .map_err(backend)?;
            Ok(())
        })
    }

    pub(crate) fn sql_get_policy(&self, name: &str) -> StoreResult<Option<PolicyRow>> {
        self.read(|c| match policy_exists(c, name) {
            Ok(p) => Ok(Some(p)),
            Err(StoreError::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        })
    }

    pub(crate) fn sql_list_policies(
        &self,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<PolicyRow>> {
        self.read(|c| {
            let mut st = c
                .prepare_cached(&format!(
                    "SELECT {POLICY_COLS} FROM policies WHERE policy_name > ?1 ORDER BY policy_name LIMIT ?2"
                ))
                .map_err(backend)?;
            let rows = st.query_map(params![after.unwrap_or(""), limit], policy_row).map_err(backend)?;
            rows.collect::<Result<Vec<_>, _>>().map_err(backend)
        })
    }

    pub(crate) fn sql_update_policy_description(
        &self,
        name: &str,
        description: &str,
        now: i64,
    ) -> StoreResult<()> {
        self.write(|tx| {
            let n = tx
                .execute(
                    "UPDATE policies SET description = ?2, updated_at = ?3 WHERE policy_name = ?1",
                    params![name, description, now],
                )
                .map_err(backend)?;
            if n == 0 {
                return Err(StoreError::NotFound(Entity::Policy));
            }
            Ok(())
        })
    }

    pub(crate) fn sql_delete_policy(&self, name: &str, cascade: bool) -> StoreResult<()> {
        self.write(|tx| {
            let p = policy_exists(tx, name)?;
            if !cascade {
                let kind: Option<String> = tx
                    .query_row(
                        "SELECT principal_kind FROM attachments WHERE policy_type = 'Custom' AND policy_name = ?1 \
                         ORDER BY CASE principal_kind WHEN 'User' THEN 0 WHEN 'Group' THEN 1 ELSE 2 END LIMIT 1",
                        [name],
                        |r| r.get(0),
                    )
                    .optional()
                    .map_err(backend)?;
                match kind.as_deref() {
                    Some("User") => return Err(StoreError::DeleteConflictOn(PrincipalKind::User)),
                    Some("Group") => return Err(StoreError::DeleteConflictOn(PrincipalKind::Group)),
                    Some(_) => return Err(StoreError::DeleteConflictOn(PrincipalKind::Role)),
                    None => {}
                }
                let others: i64 = tx
                    .query_row(
                        "SELECT COUNT(*) FROM policy_versions WHERE policy_name = ?1 AND version <> ?2",
                        params![name, p.default_version],
                        |r| r.get(0),
                    )
                    .map_err(backend)?;
                if others > 0 {
                    return Err(StoreError::DeleteConflict(Entity::PolicyVersion));
                }
            }
            tx.execute(
                "DELETE FROM attachments WHERE policy_type = 'Custom' AND policy_name = ?1",
                [name],
            )
            .map_err(backend)?;
            tx.execute("DELETE FROM policy_versions WHERE policy_name = ?1", [name]).map_err(backend)?;
            tx.execute("DELETE FROM policies WHERE policy_name = ?1", [name]).map_err(backend)?;
            Ok(())
        })
    }

    pub(crate) fn sql_create_policy_version(
        &self,
        name: &str,
        document: &str,
        set_default: bool,
        rotate: bool,
        max_versions: u64,
        now: i64,
    ) -> StoreResult<PolicyVersionRow> {
        self.write(|tx| {
            let p = policy_exists(tx, name)?;
            let existing = count(tx, "SELECT COUNT(*) FROM policy_versions WHERE policy_name = ?1", name)?;
            if existing >= max_versions {
                if !rotate {
                    return Err(StoreError::Limit(Entity::PolicyVersion));
                }
                let oldest: Option<i64> = tx
                    .query_row(
                        "SELECT version FROM policy_versions WHERE policy_name = ?1 AND version <> ?2 \
                         ORDER BY version LIMIT 1",
                        params![name, p.default_version],
                        |r| r.get(0),
                    )
                    .optional()
                    .map_err(backend)?;
                let Some(oldest) = oldest else {
                    return Err(StoreError::Limit(Entity::PolicyVersion));
                };
                tx.execute(
                    "DELETE FROM policy_versions WHERE policy_name = ?1 AND version = ?2",
                    params![name, oldest],
                )
                .map_err(backend)?;
            }
            let version: i64 = tx
                .query_row("SELECT next_version FROM policies WHERE policy_name = ?1", [name], |r| r.get(0))
                .map_err(backend)?;
            tx.execute(
                "INSERT INTO policy_versions (policy_name, version, document, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![name, version, document, now],
            )
            .map_err(backend)?;
            let default = if set_default { version } else { p.default_version };
            tx.execute(
                "UPDATE policies SET next_version = ?2, default_version = ?3, updated_at = ?4 WHERE policy_name = ?1",
                params![name, version + 1, default, now],
            )
            .map_err(backend)?;
            Ok(PolicyVersionRow {
                version,
                document: document.to_string(),
                created_at: now,
            })
        })
    }

    pub(crate) fn sql_get_policy_version(
        &self,
        name: &str,
        version: i64,
    ) -> StoreResult<Option<PolicyVersionRow>> {
        self.read(|c| {
            policy_exists(c, name)?;
            c.query_row(
                "SELECT version, document, created_at FROM policy_versions WHERE policy_name = ?1 AND version = ?2",
                params![name, version],
                version_row,
            )
            .optional()
            .map_err(backend)
        })
    }

    pub(crate) fn sql_list_policy_versions(
        &self,
        name: &str,
    ) -> StoreResult<Vec<PolicyVersionRow>> {
        self.read(|c| {
            policy_exists(c, name)?;
            let mut st = c
                .prepare_cached(
                    "SELECT version, document, created_at FROM policy_versions WHERE policy_name = ?1 ORDER BY version",
                )
                .map_err(backend)?;
            let rows = st.query_map([name], version_row).map_err(backend)?;
            rows.collect::<Result<Vec<_>, _>>().map_err(backend)
        })
    }

    pub(crate) fn sql_delete_policy_version(&self, name: &str, version: i64) -> StoreResult<()> {
        self.write(|tx| {
            let p = policy_exists(tx, name)?;
            if p.default_version == version {
                return Err(StoreError::DeleteConflict(Entity::DefaultPolicyVersion));
            }
            let n = tx
                .execute(
                    "DELETE FROM policy_versions WHERE policy_name = ?1 AND version = ?2",
                    params![name, version],
                )
                .map_err(backend)?;
            if n == 0 {
                return Err(StoreError::NotFound(Entity::PolicyVersion));
            }
            Ok(())
        })
    }

    pub(crate) fn sql_set_default_policy_version(
        &self,
        name: &str,
        version: i64,
        now: i64,
    ) -> StoreResult<()> {
        self.write(|tx| {
            policy_exists(tx, name)?;
            let exists: i64 = tx
                .query_row(
                    "SELECT COUNT(*) FROM policy_versions WHERE policy_name = ?1 AND version = ?2",
                    params![name, version],
                    |r| r.get(0),
                )
                .map_err(backend)?;
            if exists == 0 {
                return Err(StoreError::NotFound(Entity::PolicyVersion));
            }
            tx.execute(
                "UPDATE policies SET default_version = ?2, updated_at = ?3 WHERE policy_name = ?1",
                params![name, version, now],
            )
            .map_err(backend)?;
            Ok(())
        })
    }

    pub(crate) fn sql_attach_policy(
        &self,
        kind: PrincipalKind,
        principal_name: &str,
        ptype: PolicyType,
        policy_name: &str,
        now: i64,
        limits: AttachLimits,
    ) -> StoreResult<()> {
        self.write(|tx| {
            let pid = principal_id(tx, kind, principal_name)?;
            if ptype == PolicyType::Custom {
                policy_exists(tx, policy_name)?;
            }
            let (already, same_type): (i64, i64) = tx
                .query_row(
                    "SELECT COALESCE(SUM(policy_name = ?4), 0), COUNT(*) FROM attachments \
                     WHERE principal_kind = ?1 AND principal_id = ?2 AND policy_type = ?3",
                    params![kind.as_str(), pid, ptype.as_str(), policy_name],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .map_err(backend)?;
            if already > 0 {
                return Err(StoreError::Conflict(Entity::Attachment));
            }
            let max = match ptype {
                PolicyType::System => limits.system,
                PolicyType::Custom => limits.custom,
            };
            if u64::try_from(same_type).unwrap_or(0) >= max {
                return Err(StoreError::Limit(Entity::Attachment));
            }
            tx.execute(
                "INSERT INTO attachments (principal_kind, principal_id, policy_type, policy_name, attached_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![kind.as_str(), pid, ptype.as_str(), policy_name, now],
            )
            .map_err(backend)?;
            Ok(())
        })
    }

    pub(crate) fn sql_detach_policy(
        &self,
        kind: PrincipalKind,
        principal_name: &str,
        ptype: PolicyType,
        policy_name: &str,
    ) -> StoreResult<()> {
        self.write(|tx| {
            let pid = principal_id(tx, kind, principal_name)?;
            let n = tx
                .execute(
                    "DELETE FROM attachments WHERE principal_kind = ?1 AND principal_id = ?2 AND policy_type = ?3 \
                     AND policy_name = ?4",
                    params![kind.as_str(), pid, ptype.as_str(), policy_name],
                )
                .map_err(backend)?;
            if n == 0 {
                return Err(StoreError::NotFound(Entity::Attachment));
            }
            Ok(())
        })
    }

    pub(crate) fn sql_list_attachments(
        &self,
        kind: PrincipalKind,
        principal_name: &str,
    ) -> StoreResult<Vec<AttachmentRow>> {
        self.read(|c| {
            let pid = principal_id(c, kind, principal_name)?;
            let mut st = c
                .prepare_cached(
                    "SELECT policy_type, policy_name, attached_at FROM attachments \
                     WHERE principal_kind = ?1 AND principal_id = ?2 ORDER BY policy_type DESC, policy_name",
                )
                .map_err(backend)?;
            let rows = st
                .query_map(params![kind.as_str(), pid], |r| {
                    let t: String = r.get(0)?;
                    Ok(AttachmentRow {
                        policy_type: policy_type(&t),
                        policy_name: r.get(1)?,
                        attached_at: r.get(2)?,
                    })
                })
                .map_err(backend)?;
            rows.collect::<Result<Vec<_>, _>>().map_err(backend)
        })
    }

    pub(crate) fn sql_list_entities_for_policy(
        &self,
        ptype: PolicyType,
        name: &str,
    ) -> StoreResult<Vec<AttachedEntity>> {
        self.read(|c| {
            if ptype == PolicyType::Custom {
                policy_exists(c, name)?;
            }
            let mut st = c
                .prepare_cached(
                    "SELECT 'User', u.user_id, u.user_name, u.display_name, a.attached_at FROM attachments a \
                       JOIN users u ON a.principal_kind = 'User' AND u.user_id = a.principal_id \
                       WHERE a.policy_type = ?1 AND a.policy_name = ?2 \
                     UNION ALL SELECT 'Group', g.group_id, g.group_name, g.comments, a.attached_at FROM attachments a \
                       JOIN groups g ON a.principal_kind = 'Group' AND g.group_id = a.principal_id \
                       WHERE a.policy_type = ?1 AND a.policy_name = ?2 \
                     UNION ALL SELECT 'Role', r.role_id, r.role_name, r.description, a.attached_at FROM attachments a \
                       JOIN roles r ON a.principal_kind = 'Role' AND r.role_id = a.principal_id \
                       WHERE a.policy_type = ?1 AND a.policy_name = ?2 \
                     ORDER BY 1, 3",
                )
                .map_err(backend)?;
            let rows = st
                .query_map(params![ptype.as_str(), name], |r| {
                    let k: String = r.get(0)?;
                    Ok(AttachedEntity {
                        kind: match k.as_str() {
                            "User" => PrincipalKind::User,
                            "Group" => PrincipalKind::Group,
                            _ => PrincipalKind::Role,
                        },
                        id: r.get(1)?,
                        name: r.get(2)?,
                        label: r.get(3)?,
                        attached_at: r.get(4)?,
                    })
                })
                .map_err(backend)?;
            rows.collect::<Result<Vec<_>, _>>().map_err(backend)
        })
    }

    pub(crate) fn sql_attachment_count(&self, ptype: PolicyType, name: &str) -> StoreResult<u64> {
        self.read(|c| {
            let n: i64 = c
                .prepare_cached(
                    "SELECT COUNT(*) FROM attachments WHERE policy_type = ?1 AND policy_name = ?2",
                )
                .map_err(backend)?
                .query_row(params![ptype.as_str(), name], |r| r.get(0))
                .map_err(backend)?;
            Ok(u64::try_from(n).unwrap_or(0))
        })
    }

    pub(crate) fn sql_effective_for_user(
        &self,
        user_id: &str,
    ) -> StoreResult<Vec<EffectivePolicy>> {
        self.read(|c| {
            effective(
                c,
                &format!(
                    "{EFFECTIVE_SELECT} WHERE (a.principal_kind = 'User' AND a.principal_id = ?1) \
                     OR (a.principal_kind = 'Group' AND a.principal_id IN \
                         (SELECT group_id FROM group_members WHERE user_id = ?1))"
                ),
                user_id,
            )
        })
    }

    pub(crate) fn sql_effective_for_role(
        &self,
        role_id: &str,
    ) -> StoreResult<Vec<EffectivePolicy>> {
        self.read(|c| {
            effective(
                c,
                &format!(
                    "{EFFECTIVE_SELECT} WHERE a.principal_kind = 'Role' AND a.principal_id = ?1"
                ),
                role_id,
            )
        })
    }

    pub(crate) fn sql_create_role(
        &self,
        role: &RoleRow,
        max: u64,
        system_policies: &[&str],
    ) -> StoreResult<()> {
        self.write(|tx| {
            if count(tx, "SELECT COUNT(*) FROM roles WHERE ?1 = ?1", "")? >= max {
                return Err(StoreError::Limit(Entity::Role));
            }
            tx.execute(
                &format!("INSERT INTO roles ({ROLE_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"),
                params![
                    role.role_id,
                    role.role_name,
                    role.description,
                    role.trust_policy,
                    role.max_session_duration,
                    role.service_linked,
                    role.created_at,
                    role.updated_at
                ],
            )
            .map_err(conflict_on(Entity::Role))?;
            for name in system_policies {
                tx.execute(
                    "INSERT INTO attachments (principal_kind, principal_id, policy_type, policy_name, attached_at) \
                     VALUES ('Role', ?1, 'System', ?2, ?3)",
                    params![role.role_id, name, role.created_at],
                )
                .map_err(backend)?;
            }
            Ok(())
        })
    }

    pub(crate) fn sql_get_role(&self, name: &str) -> StoreResult<Option<RoleRow>> {
        self.read(|c| {
            c.prepare_cached(&format!(
                "SELECT {ROLE_COLS} FROM roles WHERE role_name = ?1"
            ))
            .map_err(backend)?
            .query_row([name], role_row)
            .optional()
            .map_err(backend)
        })
    }

    pub(crate) fn sql_update_role(&self, role: &RoleRow) -> StoreResult<()> {
        self.write(|tx| {
            let n = tx
                .execute(
                    "UPDATE roles SET description = ?2, trust_policy = ?3, max_session_duration = ?4, updated_at = ?5 \
                     WHERE role_id = ?1",
                    params![role.role_id, role.description, role.trust_policy, role.max_session_duration, role.updated_at],
                )
                .map_err(backend)?;
            if n == 0 {
                return Err(StoreError::NotFound(Entity::Role));
            }
            Ok(())
        })
    }

    pub(crate) fn sql_delete_role(&self, name: &str) -> StoreResult<()> {
        self.write(|tx| {
            let id = role_id(tx, name)?;
            if count(
                tx,
                "SELECT COUNT(*) FROM attachments WHERE principal_kind = 'Role' AND principal_id = ?1",
                &id,
            )? > 0
            {
                return Err(StoreError::DeleteConflict(Entity::Attachment));
            }
            tx.execute("DELETE FROM roles WHERE role_id = ?1", [&id]).map_err(backend)?;
            Ok(())
        })
    }

    pub(crate) fn sql_list_roles(
        &self,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<RoleRow>> {
        self.read(|c| {
            let mut st = c
                .prepare_cached(&format!(
                    "SELECT {ROLE_COLS} FROM roles WHERE role_name > ?1 ORDER BY role_name LIMIT ?2"
                ))
                .map_err(backend)?;
            let rows = st
                .query_map(params![after.unwrap_or(""), limit], role_row)
                .map_err(backend)?;
            rows.collect::<Result<Vec<_>, _>>().map_err(backend)
        })
    }
}
