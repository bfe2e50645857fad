//! Account, users, AccessKeys, groups and login profiles on SQLite.

use rusqlite::{params, Connection, OptionalExtension, Row};

use super::conn::{backend, SqliteStore};
use crate::{
    AccessKeyRow, AccountRow, AttachLimits, AttachedEntity, AttachmentRow, EffectivePolicy, Entity,
    GroupRow, IamStore, KeyStatus, LoginProfileRow, PolicyRow, PolicyType, PolicyVersionRow,
    PrincipalKind, RoleRow, StoreError, StoreResult, UserRow,
};

const USER_COLS: &str =
    "user_id, user_name, display_name, mobile_phone, email, comments, created_at, updated_at, last_login_at";
const GROUP_COLS: &str = "group_id, group_name, comments, created_at, updated_at";

fn user_row(r: &Row<'_>) -> rusqlite::Result<UserRow> {
    Ok(UserRow {
        user_id: r.get(0)?,
        user_name: r.get(1)?,
        display_name: r.get(2)?,
        mobile_phone: r.get(3)?,
        email: r.get(4)?,
        comments: r.get(5)?,
        created_at: r.get(6)?,
        updated_at: r.get(7)?,
        last_login_at: r.get(8)?,
    })
}

fn group_row(r: &Row<'_>) -> rusqlite::Result<GroupRow> {
    Ok(GroupRow {
        group_id: r.get(0)?,
        group_name: r.get(1)?,
        comments: r.get(2)?,
        created_at: r.get(3)?,
        updated_at: r.get(4)?,
    })
}

fn key_row(r: &Row<'_>) -> rusqlite::Result<AccessKeyRow> {
    let status: String = r.get(3)?;
    Ok(AccessKeyRow {
        access_key_id: r.get(0)?,
        user_name: r.get(1)?,
        secret_sealed: r.get(2)?,
        status: KeyStatus::parse(&status).unwrap_or(KeyStatus::Inactive),
        created_at: r.get(4)?,
        last_used_at: r.get(5)?,
    })
}

/// Maps a unique-constraint violation to `Conflict(entity)`, anything else
/// to a backend error.
pub(super) fn conflict_on(entity: Entity) -> impl Fn(rusqlite::Error) -> StoreError {
    move |e| {
        if is_unique_violation(&e) {
            StoreError::Conflict(entity)
        } else {
            backend(e)
        }
    }
}

/// Fails with `DeleteConflict(entity)` for the first check that counts a row.
fn dependents(conn: &Connection, id: &str, checks: &[(&str, Entity)]) -> StoreResult<()> {
    for (sql, entity) in checks {
        if count(conn, sql, id)? > 0 {
            return Err(StoreError::DeleteConflict(*entity));
        }
    }
    Ok(())
}

pub(super) fn is_unique_violation(e: &rusqlite::Error) -> bool {
    matches!(
        e,
        rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::ConstraintViolation
    )
}

pub(super) fn user_id(conn: &Connection, user_name: &str) -> StoreResult<String> {
    conn.query_row(
        "SELECT user_id FROM users WHERE user_name = ?1",
        [user_name],
        |r| r.get(0),
    )
    .optional()
    .map_err(backend)?
    .ok_or(StoreError::NotFound(Entity::User))
}

pub(super) fn group_id(conn: &Connection, group_name: &str) -> StoreResult<String> {
    conn.query_row(
        "SELECT group_id FROM groups WHERE group_name = ?1",
        [group_name],
        |r| r.get(0),
    )
    .optional()
    .map_err(backend)?
    .ok_or(StoreError::NotFound(Entity::Group))
}

pub(super) fn count(conn: &Connection, sql: &str, arg: &str) -> StoreResult<u64> {
    conn.query_row(sql, [arg], |r| r.get::<_, i64>(0))
        .map(|n| u64::try_from(n).unwrap_or(0))
        .map_err(backend)
}

impl IamStore for SqliteStore {
    fn generation(&self) -> Option<u64> {
        self.current_generation()
    }

    fn account(&self) -> StoreResult<Option<AccountRow>> {
        self.read(|c| {
            c.query_row(
                "SELECT account_id, console_password_hash, created_at FROM account WHERE singleton = 1",
                [],
                |r| {
                    Ok(AccountRow {
                        account_id: r.get(0)?,
                        console_password_hash: r.get(1)?,
                        created_at: r.get(2)?,
                    })
                },
            )
            .optional()
            .map_err(backend)
        })
    }

    fn init_account(&self, account: &AccountRow, root_key: &AccessKeyRow) -> StoreResult<()> {
        self.write(|tx| {
            let exists: i64 = tx
                .query_row("SELECT COUNT(*) FROM account", [], |r| r.get(0))
                .map_err(backend)?;
            if exists > 0 {
                return Err(StoreError::Conflict(Entity::Account));
            }
            tx.execute(
                "INSERT INTO account (singleton, account_id, console_password_hash, created_at) VALUES (1, ?1, ?2, ?3)",
                params![account.account_id, account.console_password_hash, account.created_at],
            )
            .map_err(backend)?;
            tx.execute(
                "INSERT INTO access_keys (access_key_id, user_id, secret_sealed, status, created_at) VALUES (?1, NULL, ?2, ?3, ?4)",
                params![root_key.access_key_id, root_key.secret_sealed, root_key.status.as_str(), root_key.created_at],
            )
            .map_err(backend)?;
            Ok(())
        })
    }

    fn use_nonce(
        &self,
        access_key_id: &str,
        nonce: &str,
        now: i64,
        expires_at: i64,
    ) -> StoreResult<bool> {
        Ok(self.record_nonce(access_key_id, nonce, now, expires_at))
    }

    fn create_user(&self, user: &UserRow, max_users: u64) -> StoreResult<()> {
        self.write(|tx| {
            if count(tx, "SELECT COUNT(*) FROM users WHERE ?1 = ?1", "")? >= max_users {
                return Err(StoreError::Limit(Entity::User));
            }
            tx.execute(
                &format!(
                    "INSERT INTO users ({USER_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
                ),
                params![
                    user.user_id,
                    user.user_name,
                    user.display_name,
                    user.mobile_phone,
                    user.email,
                    user.comments,
                    user.created_at,
                    user.updated_at,
                    user.last_login_at
                ],
            )
            .map_err(conflict_on(Entity::User))?;
            Ok(())
        })
    }

    fn get_user(&self, user_name: &str) -> StoreResult<Option<UserRow>> {
        self.read(|c| {
            c.query_row(
                &format!("SELECT {USER_COLS} FROM users WHERE user_name = ?1"),
                [user_name],
                user_row,
            )
            .optional()
            .map_err(backend)
        })
    }

    fn update_user(&self, user: &UserRow) -> StoreResult<()> {
        self.write(|tx| {
            let n = tx
                .execute(
                    "UPDATE users SET user_name = ?2, display_name = ?3, mobile_phone = ?4, email = ?5, comments = ?6, \
                     updated_at = ?7, last_login_at = ?8 WHERE user_id = ?1",
                    params![
                        user.user_id,
                        user.user_name,
                        user.display_name,
                        user.mobile_phone,
                        user.email,
                        user.comments,
                        user.updated_at,
                        user.last_login_at
                    ],
                )
                .map_err(conflict_on(Entity::User))?;
            if n == 0 {
                return Err(StoreError::NotFound(Entity::User));
            }
            Ok(())
        })
    }

    fn delete_user(&self, user_name: &str) -> StoreResult<()> {
        self.write(|tx| {
            let id = user_id(tx, user_name)?;
            dependents(
                tx,
                &id,
                &[
                    ("SELECT COUNT(*) FROM access_keys WHERE user_id = ?1", Entity::AccessKey),
                    ("SELECT COUNT(*) FROM group_members WHERE user_id = ?1", Entity::Group),
                    ("SELECT COUNT(*) FROM login_profiles WHERE user_id = ?1", Entity::LoginProfile),
                    (
                        "SELECT COUNT(*) FROM attachments WHERE principal_kind = 'User' AND principal_id = ?1",
                        Entity::Attachment,
                    ),
                ],
            )?;
            tx.execute("DELETE FROM users WHERE user_id = ?1", [&id])
                .map_err(backend)?;
            Ok(())
        })
    }

    fn list_users(&self, after: Option<&str>, limit: u32) -> StoreResult<Vec<UserRow>> {
        self.read(|c| {
            let mut st = c
                .prepare_cached(&format!(
                    "SELECT {USER_COLS} FROM users WHERE user_name > ?1 ORDER BY user_name LIMIT ?2"
                ))
                .map_err(backend)?;
            let rows = st
                .query_map(params![after.unwrap_or(""), limit], user_row)
                .map_err(backend)?;
            rows.collect::<Result<Vec<_>, _>>().map_err(backend)
        })
    }

    fn create_access_key(
        &self,
        user_name: &str,
        key: &AccessKeyRow,
        max_per_user: u64,
    ) -> StoreResult<()> {
        self.write(|tx| {
            let id = user_id(tx, user_name)?;
            if count(tx, "SELECT COUNT(*) FROM access_keys WHERE user_id = ?1", &id)? >= max_per_user {
                return Err(StoreError::Limit(Entity::AccessKey));
            }
            tx.execute(
                "INSERT INTO access_keys (access_key_id, user_id, secret_sealed, status, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![key.access_key_id, id, key.secret_sealed, key.status.as_str(), key.created_at],
            )
            .map_err(conflict_on(Entity::AccessKey))?;
            Ok(())
        })
    }

    fn root_access_keys(&self) -> StoreResult<Vec<AccessKeyRow>> {
        self.read(|c| {
            let mut st = c
                .prepare_cached(
                    "SELECT k.access_key_id, NULL, k.secret_sealed, k.status, k.created_at, k.last_used_at \
                     FROM access_keys k WHERE k.user_id IS NULL ORDER BY k.created_at",
                )
                .map_err(backend)?;
            let rows = st.query_map([], key_row).map_err(backend)?;
            rows.collect::<Result<Vec<_>, _>>().map_err(backend)
        })
    }

    fn get_access_key(&self, access_key_id: &str) -> StoreResult<Option<AccessKeyRow>> {
        self.read(|c| {
            c.prepare_cached(
                "SELECT k.access_key_id, u.user_name, k.secret_sealed, k.status, k.created_at, k.last_used_at \
                 FROM access_keys k LEFT JOIN users u ON u.user_id = k.user_id WHERE k.access_key_id = ?1",
            )
            .map_err(backend)?
            .query_row([access_key_id], key_row)
            .optional()
            .map_err(backend)
        })
    }

    fn list_access_keys(&self, user_name: &str) -> StoreResult<Vec<AccessKeyRow>> {
        self.read(|c| {
            let id = user_id(c, user_name)?;
            let mut st = c
                .prepare_cached(
                    "SELECT k.access_key_id, u.user_name, k.secret_sealed, k.status, k.created_at, k.last_used_at \
                     FROM access_keys k JOIN users u ON u.user_id = k.user_id WHERE k.user_id = ?1 \
                     ORDER BY k.created_at, k.access_key_id",
                )
                .map_err(backend)?;
            let rows = st.query_map([&id], key_row).map_err(backend)?;
            rows.collect::<Result<Vec<_>, _>>().map_err(backend)
        })
    }

    fn set_access_key_status(
        &self,
        user_name: &str,
        access_key_id: &str,
        status: KeyStatus,
        _now: i64,
    ) -> StoreResult<()> {
        self.write(|tx| {
            let id = user_id(tx, user_name)?;
            let n = tx
                .execute(
                    "UPDATE access_keys SET status = ?3 WHERE access_key_id = ?1 AND user_id = ?2",
                    params![access_key_id, id, status.as_str()],
                )
                .map_err(backend)?;
            if n == 0 {
                return Err(StoreError::NotFound(Entity::AccessKey));
            }
            Ok(())
        })
    }

    fn delete_access_key(&self, user_name: &str, access_key_id: &str) -> StoreResult<()> {
        self.write(|tx| {
            let id = user_id(tx, user_name)?;
            let n = tx
                .execute(
                    "DELETE FROM access_keys WHERE access_key_id = ?1 AND user_id = ?2",
                    params![access_key_id, id],
                )
                .map_err(backend)?;
            if n == 0 {
                return Err(StoreError::NotFound(Entity::AccessKey));
            }
            Ok(())
        })
    }

    fn touch_access_key(&self, access_key_id: &str, now: i64) -> StoreResult<()> {
        self.write(|tx| {
            tx.execute(
                "UPDATE access_keys SET last_used_at = ?2 WHERE access_key_id = ?1",
                params![access_key_id, now],
            )
            .map_err(backend)?;
            Ok(())
        })
    }

    fn create_group(&self, group: &GroupRow, max_groups: u64) -> StoreResult<()> {
        self.write(|tx| {
            if count(tx, "SELECT COUNT(*) FROM groups WHERE ?1 = ?1", "")? >= max_groups {
                return Err(StoreError::Limit(Entity::Group));
            }
            tx.execute(
                &format!("INSERT INTO groups ({GROUP_COLS}) VALUES (?1, ?2, ?3, ?4, ?5)"),
                params![
                    group.group_id,
                    group.group_name,
                    group.comments,
                    group.created_at,
                    group.updated_at
                ],
            )
            .map_err(conflict_on(Entity::Group))?;
            Ok(())
        })
    }

    fn get_group(&self, group_name: &str) -> StoreResult<Option<GroupRow>> {
        self.read(|c| {
            c.query_row(
                &format!("SELECT {GROUP_COLS} FROM groups WHERE group_name = ?1"),
                [group_name],
                group_row,
            )
            .optional()
            .map_err(backend)
        })
    }

    fn update_group(&self, group: &GroupRow) -> StoreResult<()> {
        self.write(|tx| {
            let n = tx
                .execute(
                    "UPDATE groups SET group_name = ?2, comments = ?3, updated_at = ?4 WHERE group_id = ?1",
                    params![group.group_id, group.group_name, group.comments, group.updated_at],
                )
                .map_err(conflict_on(Entity::Group))?;
            if n == 0 {
                return Err(StoreError::NotFound(Entity::Group));
            }
            Ok(())
        })
    }

    fn delete_group(&self, group_name: &str) -> StoreResult<()> {
        self.write(|tx| {
            let id = group_id(tx, group_name)?;
            dependents(
                tx,
                &id,
                &[
                    ("SELECT COUNT(*) FROM group_members WHERE group_id = ?1", Entity::User),
                    (
                        "SELECT COUNT(*) FROM attachments WHERE principal_kind = 'Group' AND principal_id = ?1",
                        Entity::Attachment,
                    ),
                ],
            )?;
            tx.execute("DELETE FROM groups WHERE group_id = ?1", [&id])
                .map_err(backend)?;
            Ok(())
        })
    }

    fn list_groups(&self, after: Option<&str>, limit: u32) -> StoreResult<Vec<GroupRow>> {
        self.read(|c| {
            let mut st = c
                .prepare_cached(&format!(
                    "SELECT {GROUP_COLS} FROM groups WHERE group_name > ?1 ORDER BY group_name LIMIT ?2"
                ))
                .map_err(backend)?;
            let rows = st
                .query_map(params![after.unwrap_or(""), limit], group_row)
                .map_err(backend)?;
            rows.collect::<Result<Vec<_>, _>>().map_err(backend)
        })
    }

    fn add_user_to_group(
        &self,
        user_name: &str,
        group_name: &str,
        now: i64,
        max_groups_per_user: u64,
    ) -> StoreResult<()> {
        self.write(|tx| {
            let uid = user_id(tx, user_name)?;
            let gid = group_id(tx, group_name)?;
            let member: i64 = tx
                .query_row(
                    "SELECT COUNT(*) FROM group_members WHERE group_id = ?1 AND user_id = ?2",
                    params![gid, uid],
                    |r| r.get(0),
                )
                .map_err(backend)?;
            if member > 0 {
                return Err(StoreError::Conflict(Entity::Membership));
            }
            if count(
                tx,
                "SELECT COUNT(*) FROM group_members WHERE user_id = ?1",
                &uid,
            )? >= max_groups_per_user
            {
                return Err(StoreError::Limit(Entity::Membership));
            }
            tx.execute(
                "INSERT INTO group_members (group_id, user_id, joined_at) VALUES (?1, ?2, ?3)",
                params![gid, uid, now],
            )
            .map_err(backend)?;
            Ok(())
        })
    }

    fn remove_user_from_group(&self, user_name: &str, group_name: &str) -> StoreResult<()> {
        self.write(|tx| {
            let uid = user_id(tx, user_name)?;
            let gid = group_id(tx, group_name)?;
            let n = tx
                .execute(
                    "DELETE FROM group_members WHERE group_id = ?1 AND user_id = ?2",
                    params![gid, uid],
                )
                .map_err(backend)?;
            if n == 0 {
                return Err(StoreError::NotFound(Entity::Membership));
            }
            Ok(())
        })
    }

    fn list_groups_for_user(&self, user_name: &str) -> StoreResult<Vec<(GroupRow, i64)>> {
        self.read(|c| {
            let uid = user_id(c, user_name)?;
            let mut st = c
                .prepare_cached(
                    "SELECT g.group_id, g.group_name, g.comments, g.created_at, g.updated_at, m.joined_at \
                     FROM group_members m JOIN groups g ON g.group_id = m.group_id WHERE m.user_id = ?1 \
                     ORDER BY g.group_name",
                )
                .map_err(backend)?;
            let rows = st
                .query_map([&uid], |r| Ok((group_row(r)?, r.get(5)?)))
                .map_err(backend)?;
            rows.collect::<Result<Vec<_>, _>>().map_err(backend)
        })
    }

    fn list_users_for_group(
        &self,
        group_name: &str,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<(UserRow, i64)>> {
        self.read(|c| {
            let gid = group_id(c, group_name)?;
            let mut st = c
                .prepare_cached(
                    "SELECT u.user_id, u.user_name, u.display_name, u.mobile_phone, u.email, u.comments, \
                     u.created_at, u.updated_at, u.last_login_at, m.joined_at \
                     FROM group_members m JOIN users u ON u.user_id = m.user_id \
                     WHERE m.group_id = ?1 AND u.user_name > ?2 ORDER BY u.user_name LIMIT ?3",
                )
                .map_err(backend)?;
            let rows = st
                .query_map(params![gid, after.unwrap_or(""), limit], |r| Ok((user_row(r)?, r.get(9)?)))
                .map_err(backend)?;
            rows.collect::<Result<Vec<_>, _>>().map_err(backend)
        })
    }

    fn create_login_profile(&self, user_name: &str, p: &LoginProfileRow) -> StoreResult<()> {
        self.write(|tx| {
            let uid = user_id(tx, user_name)?;
            tx.execute(
                "INSERT INTO login_profiles (user_id, password_hash, password_reset_required, mfa_bind_required, created_at, updated_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![uid, p.password_hash, p.password_reset_required, p.mfa_bind_required, p.created_at, p.updated_at],
            )
            .map_err(conflict_on(Entity::LoginProfile))?;
            Ok(())
        })
    }

    fn get_login_profile(&self, user_name: &str) -> StoreResult<Option<LoginProfileRow>> {
        self.read(|c| {
            let uid = user_id(c, user_name)?;
            c.query_row(
                "SELECT password_hash, password_reset_required, mfa_bind_required, created_at, updated_at \
                 FROM login_profiles WHERE user_id = ?1",
                [&uid],
                |r| {
                    Ok(LoginProfileRow {
                        password_hash: r.get(0)?,
                        password_reset_required: r.get(1)?,
                        mfa_bind_required: r.get(2)?,
                        created_at: r.get(3)?,
                        updated_at: r.get(4)?,
                    })
                },
            )
            .optional()
            .map_err(backend)
        })
    }

    fn update_login_profile(&self, user_name: &str, p: &LoginProfileRow) -> StoreResult<()> {
        self.write(|tx| {
            let uid = user_id(tx, user_name)?;
            let n = tx
                .execute(
                    "UPDATE login_profiles SET password_hash = ?2, password_reset_required = ?3, mfa_bind_required = ?4, \
                     updated_at = ?5 WHERE user_id = ?1",
                    params![uid, p.password_hash, p.password_reset_required, p.mfa_bind_required, p.updated_at],
                )
                .map_err(backend)?;
            if n == 0 {
                return Err(StoreError::NotFound(Entity::LoginProfile));
            }
            Ok(())
        })
    }

    fn delete_login_profile(&self, user_name: &str) -> StoreResult<()> {
        self.write(|tx| {
            let uid = user_id(tx, user_name)?;
            let n = tx
                .execute("DELETE FROM login_profiles WHERE user_id = ?1", [&uid])
                .map_err(backend)?;
            if n == 0 {
                return Err(StoreError::NotFound(Entity::LoginProfile));
            }
            Ok(())
        })
    }

    fn create_policy(
        &self,
        policy: &PolicyRow,
        first: &PolicyVersionRow,
        max_policies: u64,
    ) -> StoreResult<()> {
        self.sql_create_policy(policy, first, max_policies)
    }

    fn get_policy(&self, policy_name: &str) -> StoreResult<Option<PolicyRow>> {
        self.sql_get_policy(policy_name)
    }

    fn list_policies(&self, after: Option<&str>, limit: u32) -> StoreResult<Vec<PolicyRow>> {
        self.sql_list_policies(after, limit)
    }

    fn update_policy_description(
        &self,
        policy_name: &str,
        description: &str,
        now: i64,
    ) -> StoreResult<()> {
        self.sql_update_policy_description(policy_name, description, now)
    }

    fn delete_policy(&self, policy_name: &str, cascade: bool) -> StoreResult<()> {
        self.sql_delete_policy(policy_name, cascade)
    }

    fn create_policy_version(
        &self,
        policy_name: &str,
        document: &str,
        set_default: bool,
        rotate: bool,
        max_versions: u64,
        now: i64,
    ) -> StoreResult<PolicyVersionRow> {
        self.sql_create_policy_version(
            policy_name,
            document,
            set_default,
            rotate,
            max_versions,
            now,
        )
    }

    fn get_policy_version(
        &self,
        policy_name: &str,
        version: i64,
    ) -> StoreResult<Option<PolicyVersionRow>> {
        self.sql_get_policy_version(policy_name, version)
    }

    fn list_policy_versions(&self, policy_name: &str) -> StoreResult<Vec<PolicyVersionRow>> {
        self.sql_list_policy_versions(policy_name)
    }

    fn delete_policy_version(&self, policy_name: &str, version: i64) -> StoreResult<()> {
        self.sql_delete_policy_version(policy_name, version)
    }

    fn set_default_policy_version(
        &self,
        policy_name: &str,
        version: i64,
        now: i64,
    ) -> StoreResult<()> {
        self.sql_set_default_policy_version(policy_name, version, now)
    }

    fn attach_policy(
        &self,
        kind: PrincipalKind,
        principal_name: &str,
        policy_type: PolicyType,
        policy_name: &str,
        now: i64,
        limits: AttachLimits,
    ) -> StoreResult<()> {
        self.sql_attach_policy(kind, principal_name, policy_type, policy_name, now, limits)
    }

    fn detach_policy(
        &self,
        kind: PrincipalKind,
        principal_name: &str,
        policy_type: PolicyType,
        policy_name: &str,
    ) -> StoreResult<()> {
        self.sql_detach_policy(kind, principal_name, policy_type, policy_name)
    }

    fn list_attachments(
        &self,
        kind: PrincipalKind,
        principal_name: &str,
    ) -> StoreResult<Vec<AttachmentRow>> {
        self.sql_list_attachments(kind, principal_name)
    }

    fn list_entities_for_policy(
        &self,
        policy_type: PolicyType,
        policy_name: &str,
    ) -> StoreResult<Vec<AttachedEntity>> {
        self.sql_list_entities_for_policy(policy_type, policy_name)
    }

    fn attachment_count(&self, policy_type: PolicyType, policy_name: &str) -> StoreResult<u64> {
        self.sql_attachment_count(policy_type, policy_name)
    }

    fn effective_policies_for_user(&self, user_id: &str) -> StoreResult<Vec<EffectivePolicy>> {
        self.sql_effective_for_user(user_id)
    }

    fn effective_policies_for_role(&self, role_id: &str) -> StoreResult<Vec<EffectivePolicy>> {
        self.sql_effective_for_role(role_id)
    }

    fn create_role(
        &self,
        role: &RoleRow,
        max_roles: u64,
        system_policies: &[&str],
    ) -> StoreResult<()> {
        self.sql_create_role(role, max_roles, system_policies)
    }

    fn get_role(&self, role_name: &str) -> StoreResult<Option<RoleRow>> {
        self.sql_get_role(role_name)
    }

    fn update_role(&self, role: &RoleRow) -> StoreResult<()> {
        self.sql_update_role(role)
    }

    fn delete_role(&self, role_name: &str) -> StoreResult<()> {
        self.sql_delete_role(role_name)
    }

    fn list_roles(&self, after: Option<&str>, limit: u32) -> StoreResult<Vec<RoleRow>> {
        self.sql_list_roles(after, limit)
    }
}
