//! Account, replay window, users, AccessKeys, groups and login profiles on
//! PostgreSQL.

use postgres::{GenericClient, Row};

use super::conn::{count, lock_limit, unique, LimitLock, PostgresStore, TxError};
use crate::{
    AccessKeyRow, AccountRow, AttachLimits, AttachedEntity, AttachmentRow, EffectivePolicy, Entity,
    GroupRow, IamStore, KeyStatus, LoginProfileRow, PolicyRow, PolicyType, PolicyVersionRow,
    PrincipalKind, RoleRow, StoreError, StoreResult, UserRow,
};

const USER_COLS: &str =
    "user_id, user_name, display_name, mobile_phone, email, comments, created_at, updated_at, last_login_at";
const GROUP_COLS: &str = "group_id, group_name, comments, created_at, updated_at";

/// How a lookup locks the row it finds until the transaction ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Lock {
    /// A plain read.
    None,
    /// `FOR SHARE`: the row cannot be deleted (or locked for update) meanwhile.
    Share,
    /// `FOR UPDATE`: serializes every check made under this row.
    Update,
}

impl Lock {
    pub(super) fn sql(self) -> &'static str {
        match self {
            Lock::None => "",
            Lock::Share => " FOR SHARE",
            Lock::Update => " FOR UPDATE",
        }
    }
}

fn user_row(r: &Row) -> Result<UserRow, postgres::Error> {
    Ok(UserRow {
        user_id: r.try_get(0)?,
        user_name: r.try_get(1)?,
        display_name: r.try_get(2)?,
        mobile_phone: r.try_get(3)?,
        email: r.try_get(4)?,
        comments: r.try_get(5)?,
        created_at: r.try_get(6)?,
        updated_at: r.try_get(7)?,
        last_login_at: r.try_get(8)?,
    })
}

fn group_row(r: &Row) -> Result<GroupRow, postgres::Error> {
    Ok(GroupRow {
        group_id: r.try_get(0)?,
        group_name: r.try_get(1)?,
        comments: r.try_get(2)?,
        created_at: r.try_get(3)?,
        updated_at: r.try_get(4)?,
    })
}

fn key_row(r: &Row) -> Result<AccessKeyRow, postgres::Error> {
    let status: String = r.try_get(3)?;
    Ok(AccessKeyRow {
        access_key_id: r.try_get(0)?,
        user_name: r.try_get(1)?,
        secret_sealed: r.try_get(2)?,
        status: KeyStatus::parse(&status).unwrap_or(KeyStatus::Inactive),
        created_at: r.try_get(4)?,
        last_used_at: r.try_get(5)?,
    })
}

fn login_profile_row(r: &Row) -> Result<LoginProfileRow, postgres::Error> {
    Ok(LoginProfileRow {
        password_hash: r.try_get(0)?,
        password_reset_required: r.try_get(1)?,
        mfa_bind_required: r.try_get(2)?,
        created_at: r.try_get(3)?,
        updated_at: r.try_get(4)?,
    })
}

/// Maps every row with `f`.
pub(super) fn rows<T>(
    rows: &[Row],
    f: impl Fn(&Row) -> Result<T, postgres::Error>,
) -> Result<Vec<T>, TxError> {
    Ok(rows.iter().map(f).collect::<Result<Vec<_>, _>>()?)
}

/// A user's id by name (`NotFound(User)`), locking its row as asked.
pub(super) fn user_id(
    c: &mut impl GenericClient,
    user_name: &str,
    lock: Lock,
) -> Result<String, TxError> {
    let sql = format!(
        "SELECT user_id FROM users WHERE user_name = $1{}",
        lock.sql()
    );
    match c.query_opt(&sql, &[&user_name])? {
        Some(r) => Ok(r.try_get(0)?),
        None => Err(StoreError::NotFound(Entity::User).into()),
    }
}

/// A group's id by name (`NotFound(Group)`), locking its row as asked.
pub(super) fn group_id(
    c: &mut impl GenericClient,
    group_name: &str,
    lock: Lock,
) -> Result<String, TxError> {
    let sql = format!(
        "SELECT group_id FROM groups WHERE group_name = $1{}",
        lock.sql()
    );
    match c.query_opt(&sql, &[&group_name])? {
        Some(r) => Ok(r.try_get(0)?),
        None => Err(StoreError::NotFound(Entity::Group).into()),
    }
}

impl IamStore for PostgresStore {
    fn account(&self) -> StoreResult<Option<AccountRow>> {
        self.single(|c| {
            let row = c.query_opt(
                "SELECT account_id, console_password_hash, created_at FROM account WHERE singleton = 1",
                &[],
            )?;
            let Some(r) = row else { return Ok(None) };
            Ok(Some(AccountRow {
                account_id: r.try_get(0)?,
                console_password_hash: r.try_get(1)?,
                created_at: r.try_get(2)?,
            }))
        })
    }

    fn init_account(&self, account: &AccountRow, root_key: &AccessKeyRow) -> StoreResult<()> {
        self.write(|tx| {
            if count(tx, "SELECT COUNT(*) FROM account", &[])? > 0 {
                return Err(StoreError::Conflict(Entity::Account).into());
            }
            // A replica initializing concurrently makes this a unique violation.
            tx.execute(
                "INSERT INTO account (singleton, account_id, console_password_hash, created_at) VALUES (1, $1, $2, $3)",
                &[&account.account_id, &account.console_password_hash, &account.created_at],
            )
            .map_err(unique(Entity::Account))?;
            tx.execute(
                "INSERT INTO access_keys (access_key_id, user_id, secret_sealed, status, created_at) VALUES ($1, NULL, $2, $3, $4)",
                &[&root_key.access_key_id, &root_key.secret_sealed, &root_key.status.as_str(), &root_key.created_at],
            )
            .map_err(unique(Entity::AccessKey))?;
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
        self.record_nonce(access_key_id, nonce, now, expires_at)
    }

    fn create_user(&self, user: &UserRow, max_users: u64) -> StoreResult<()> {
        self.write(|tx| {
            lock_limit(tx, LimitLock::Users)?;
            if count(tx, "SELECT COUNT(*) FROM users", &[])? >= max_users {
                return Err(StoreError::Limit(Entity::User).into());
            }
            tx.execute(
                &format!(
                    "INSERT INTO users ({USER_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
                ),
                &[
                    &user.user_id,
                    &user.user_name,
                    &user.display_name,
                    &user.mobile_phone,
                    &user.email,
                    &user.comments,
                    &user.created_at,
                    &user.updated_at,
                    &user.last_login_at,
                ],
            )
            .map_err(unique(Entity::User))?;
            Ok(())
        })
    }

    fn get_user(&self, user_name: &str) -> StoreResult<Option<UserRow>> {
        self.single(|c| {
            let row = c.query_opt(
                &format!("SELECT {USER_COLS} FROM users WHERE user_name = $1"),
                &[&user_name],
            )?;
            Ok(row.as_ref().map(user_row).transpose()?)
        })
    }

    fn update_user(&self, user: &UserRow) -> StoreResult<()> {
        self.write(|tx| {
            let n = tx
                .execute(
                    "UPDATE users SET user_name = $2, display_name = $3, mobile_phone = $4, email = $5, comments = $6, \
                     updated_at = $7, last_login_at = $8 WHERE user_id = $1",
                    &[
                        &user.user_id,
                        &user.user_name,
                        &user.display_name,
                        &user.mobile_phone,
                        &user.email,
                        &user.comments,
                        &user.updated_at,
                        &user.last_login_at,
                    ],
                )
                .map_err(unique(Entity::User))?;
            if n == 0 {
                return Err(StoreError::NotFound(Entity::User).into());
            }
            Ok(())
        })
    }

    fn delete_user(&self, user_name: &str) -> StoreResult<()> {
        self.write(|tx| {
            let id = user_id(tx, user_name, Lock::Update)?;
            let checks = [
                (
                    "SELECT COUNT(*) FROM access_keys WHERE user_id = $1",
                    Entity::AccessKey,
                ),
                (
                    "SELECT COUNT(*) FROM group_members WHERE user_id = $1",
                    Entity::Group,
                ),
                (
                    "SELECT COUNT(*) FROM login_profiles WHERE user_id = $1",
                    Entity::LoginProfile,
                ),
                (
                    "SELECT COUNT(*) FROM attachments WHERE principal_kind = 'User' AND principal_id = $1",
                    Entity::Attachment,
                ),
            ];
            for (sql, dependent) in checks {
                if count(tx, sql, &[&id])? > 0 {
                    return Err(StoreError::DeleteConflict(dependent).into());
                }
            }
            tx.execute("DELETE FROM users WHERE user_id = $1", &[&id])?;
            Ok(())
        })
    }

    fn list_users(&self, after: Option<&str>, limit: u32) -> StoreResult<Vec<UserRow>> {
        self.single(|c| {
            let found = c.query(
                &format!(
                    "SELECT {USER_COLS} FROM users WHERE user_name > $1 ORDER BY user_name LIMIT $2"
                ),
                &[&after.unwrap_or(""), &i64::from(limit)],
            )?;
            rows(&found, user_row)
        })
    }

    fn create_access_key(
        &self,
        user_name: &str,
        key: &AccessKeyRow,
        max_per_user: u64,
    ) -> StoreResult<()> {
        self.write(|tx| {
            // The user's row lock makes concurrent creations count one by one.
            let id = user_id(tx, user_name, Lock::Update)?;
            if count(
                tx,
                "SELECT COUNT(*) FROM access_keys WHERE user_id = $1",
                &[&id],
            )? >= max_per_user
            {
                return Err(StoreError::Limit(Entity::AccessKey).into());
            }
            tx.execute(
                "INSERT INTO access_keys (access_key_id, user_id, secret_sealed, status, created_at) VALUES ($1, $2, $3, $4, $5)",
                &[&key.access_key_id, &id, &key.secret_sealed, &key.status.as_str(), &key.created_at],
            )
            .map_err(unique(Entity::AccessKey))?;
            Ok(())
        })
    }

    fn root_access_keys(&self) -> StoreResult<Vec<AccessKeyRow>> {
        self.read(|tx| {
            let found = tx.query(
                "SELECT k.access_key_id, NULL::TEXT, k.secret_sealed, k.status, k.created_at, k.last_used_at \
                 FROM access_keys k WHERE k.user_id IS NULL ORDER BY k.created_at",
                &[],
            )?;
            rows(&found, key_row)
        })
    }

    fn get_access_key(&self, access_key_id: &str) -> StoreResult<Option<AccessKeyRow>> {
        self.single(|c| {
            let row = c.query_opt(
                "SELECT k.access_key_id, u.user_name, k.secret_sealed, k.status, k.created_at, k.last_used_at \
                 FROM access_keys k LEFT JOIN users u ON u.user_id = k.user_id WHERE k.access_key_id = $1",
                &[&access_key_id],
            )?;
            Ok(row.as_ref().map(key_row).transpose()?)
        })
    }

    fn list_access_keys(&self, user_name: &str) -> StoreResult<Vec<AccessKeyRow>> {
        self.read(|tx| {
            let id = user_id(tx, user_name, Lock::None)?;
            let found = tx.query(
                "SELECT k.access_key_id, u.user_name, k.secret_sealed, k.status, k.created_at, k.last_used_at \
                 FROM access_keys k JOIN users u ON u.user_id = k.user_id WHERE k.user_id = $1 \
                 ORDER BY k.created_at, k.access_key_id",
                &[&id],
            )?;
            rows(&found, key_row)
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
            let id = user_id(tx, user_name, Lock::None)?;
            let n = tx.execute(
                "UPDATE access_keys SET status = $3 WHERE access_key_id = $1 AND user_id = $2",
                &[&access_key_id, &id, &status.as_str()],
            )?;
            if n == 0 {
                return Err(StoreError::NotFound(Entity::AccessKey).into());
            }
            Ok(())
        })
    }

    fn delete_access_key(&self, user_name: &str, access_key_id: &str) -> StoreResult<()> {
        self.write(|tx| {
            let id = user_id(tx, user_name, Lock::None)?;
            let n = tx.execute(
                "DELETE FROM access_keys WHERE access_key_id = $1 AND user_id = $2",
                &[&access_key_id, &id],
            )?;
            if n == 0 {
                return Err(StoreError::NotFound(Entity::AccessKey).into());
            }
            Ok(())
        })
    }

    fn touch_access_key(&self, access_key_id: &str, now: i64) -> StoreResult<()> {
        self.single(|c| {
            c.execute(
                "UPDATE access_keys SET last_used_at = $2 WHERE access_key_id = $1",
                &[&access_key_id, &now],
            )?;
            Ok(())
        })
    }

    fn create_group(&self, group: &GroupRow, max_groups: u64) -> StoreResult<()> {
        self.write(|tx| {
            lock_limit(tx, LimitLock::Groups)?;
            if count(tx, "SELECT COUNT(*) FROM groups", &[])? >= max_groups {
                return Err(StoreError::Limit(Entity::Group).into());
            }
            tx.execute(
                &format!("INSERT INTO groups ({GROUP_COLS}) VALUES ($1, $2, $3, $4, $5)"),
                &[
                    &group.group_id,
                    &group.group_name,
                    &group.comments,
                    &group.created_at,
                    &group.updated_at,
                ],
            )
            .map_err(unique(Entity::Group))?;
            Ok(())
        })
    }

    fn get_group(&self, group_name: &str) -> StoreResult<Option<GroupRow>> {
        self.single(|c| {
            let row = c.query_opt(
                &format!("SELECT {GROUP_COLS} FROM groups WHERE group_name = $1"),
                &[&group_name],
            )?;
            Ok(row.as_ref().map(group_row).transpose()?)
        })
    }

    fn update_group(&self, group: &GroupRow) -> StoreResult<()> {
        self.write(|tx| {
            let n = tx
                .execute(
                    "UPDATE groups SET group_name = $2, comments = $3, updated_at = $4 WHERE group_id = $1",
                    &[&group.group_id, &group.group_name, &group.comments, &group.updated_at],
                )
                .map_err(unique(Entity::Group))?;
            if n == 0 {
                return Err(StoreError::NotFound(Entity::Group).into());
            }
            Ok(())
        })
    }

    fn delete_group(&self, group_name: &str) -> StoreResult<()> {
        self.write(|tx| {
            let id = group_id(tx, group_name, Lock::Update)?;
            if count(
                tx,
                "SELECT COUNT(*) FROM group_members WHERE group_id = $1",
                &[&id],
            )? > 0
            {
                return Err(StoreError::DeleteConflict(Entity::User).into());
            }
            if count(
                tx,
                "SELECT COUNT(*) FROM attachments WHERE principal_kind = 'Group' AND principal_id = $1",
                &[&id],
            )? > 0
            {
                return Err(StoreError::DeleteConflict(Entity::Attachment).into());
            }
            tx.execute("DELETE FROM groups WHERE group_id = $1", &[&id])?;
            Ok(())
        })
    }

    fn list_groups(&self, after: Option<&str>, limit: u32) -> StoreResult<Vec<GroupRow>> {
        self.single(|c| {
            let found = c.query(
                &format!(
                    "SELECT {GROUP_COLS} FROM groups WHERE group_name > $1 ORDER BY group_name LIMIT $2"
                ),
                &[&after.unwrap_or(""), &i64::from(limit)],
            )?;
            rows(&found, group_row)
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
            let uid = user_id(tx, user_name, Lock::Update)?;
            let gid = group_id(tx, group_name, Lock::Share)?;
            if count(
                tx,
                "SELECT COUNT(*) FROM group_members WHERE group_id = $1 AND user_id = $2",
                &[&gid, &uid],
            )? > 0
            {
                return Err(StoreError::Conflict(Entity::Membership).into());
            }
            if count(
                tx,
                "SELECT COUNT(*) FROM group_members WHERE user_id = $1",
                &[&uid],
            )? >= max_groups_per_user
            {
                return Err(StoreError::Limit(Entity::Membership).into());
            }
            tx.execute(
                "INSERT INTO group_members (group_id, user_id, joined_at) VALUES ($1, $2, $3)",
                &[&gid, &uid, &now],
            )
            .map_err(unique(Entity::Membership))?;
            Ok(())
        })
    }

    fn remove_user_from_group(&self, user_name: &str, group_name: &str) -> StoreResult<()> {
        self.write(|tx| {
            let uid = user_id(tx, user_name, Lock::None)?;
            let gid = group_id(tx, group_name, Lock::None)?;
            let n = tx.execute(
                "DELETE FROM group_members WHERE group_id = $1 AND user_id = $2",
                &[&gid, &uid],
            )?;
            if n == 0 {
                return Err(StoreError::NotFound(Entity::Membership).into());
            }
            Ok(())
        })
    }

    fn list_groups_for_user(&self, user_name: &str) -> StoreResult<Vec<(GroupRow, i64)>> {
        self.read(|tx| {
            let uid = user_id(tx, user_name, Lock::None)?;
            let found = tx.query(
                "SELECT g.group_id, g.group_name, g.comments, g.created_at, g.updated_at, m.joined_at \
                 FROM group_members m JOIN groups g ON g.group_id = m.group_id WHERE m.user_id = $1 \
                 ORDER BY g.group_name",
                &[&uid],
            )?;
            rows(&found, |r| Ok((group_row(r)?, r.try_get(5)?)))
        })
    }

    fn list_users_for_group(
        &self,
        group_name: &str,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<(UserRow, i64)>> {
        self.read(|tx| {
            let gid = group_id(tx, group_name, Lock::None)?;
            let found = tx.query(
                "SELECT u.user_id, u.user_name, u.display_name, u.mobile_phone, u.email, u.comments, \
                 u.created_at, u.updated_at, u.last_login_at, m.joined_at \
                 FROM group_members m JOIN users u ON u.user_id = m.user_id \
                 WHERE m.group_id = $1 AND u.user_name > $2 ORDER BY u.user_name LIMIT $3",
                &[&gid, &after.unwrap_or(""), &i64::from(limit)],
            )?;
            rows(&found, |r| Ok((user_row(r)?, r.try_get(9)?)))
        })
    }

    fn create_login_profile(&self, user_name: &str, p: &LoginProfileRow) -> StoreResult<()> {
        self.write(|tx| {
            let uid = user_id(tx, user_name, Lock::Share)?;
            tx.execute(
                "INSERT INTO login_profiles (user_id, password_hash, password_reset_required, mfa_bind_required, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
                &[&uid, &p.password_hash, &p.password_reset_required, &p.mfa_bind_required, &p.created_at, &p.updated_at],
            )
            .map_err(unique(Entity::LoginProfile))?;
            Ok(())
        })
    }

    fn get_login_profile(&self, user_name: &str) -> StoreResult<Option<LoginProfileRow>> {
        self.read(|tx| {
            let uid = user_id(tx, user_name, Lock::None)?;
            let row = tx.query_opt(
                "SELECT password_hash, password_reset_required, mfa_bind_required, created_at, updated_at \
                 FROM login_profiles WHERE user_id = $1",
                &[&uid],
            )?;
            Ok(row.as_ref().map(login_profile_row).transpose()?)
        })
    }

    fn update_login_profile(&self, user_name: &str, p: &LoginProfileRow) -> StoreResult<()> {
        self.write(|tx| {
            let uid = user_id(tx, user_name, Lock::None)?;
            let n = tx.execute(
                "UPDATE login_profiles SET password_hash = $2, password_reset_required = $3, mfa_bind_required = $4, \
                 updated_at = $5 WHERE user_id = $1",
                &[&uid, &p.password_hash, &p.password_reset_required, &p.mfa_bind_required, &p.updated_at],
            )?;
            if n == 0 {
                return Err(StoreError::NotFound(Entity::LoginProfile).into());
            }
            Ok(())
        })
    }

    fn delete_login_profile(&self, user_name: &str) -> StoreResult<()> {
        self.write(|tx| {
            let uid = user_id(tx, user_name, Lock::None)?;
            let n = tx.execute("DELETE FROM login_profiles WHERE user_id = $1", &[&uid])?;
            if n == 0 {
                return Err(StoreError::NotFound(Entity::LoginProfile).into());
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
        self.pg_create_policy(policy, first, max_policies)
    }

    fn get_policy(&self, policy_name: &str) -> StoreResult<Option<PolicyRow>> {
        self.pg_get_policy(policy_name)
    }

    fn list_policies(&self, after: Option<&str>, limit: u32) -> StoreResult<Vec<PolicyRow>> {
        self.pg_list_policies(after, limit)
    }

    fn update_policy_description(
        &self,
        policy_name: &str,
        description: &str,
        now: i64,
    ) -> StoreResult<()> {
        self.pg_update_policy_description(policy_name, description, now)
    }

    fn delete_policy(&self, policy_name: &str, cascade: bool) -> StoreResult<()> {
        self.pg_delete_policy(policy_name, cascade)
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
        self.pg_create_policy_version(
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
        self.pg_get_policy_version(policy_name, version)
    }

    fn list_policy_versions(&self, policy_name: &str) -> StoreResult<Vec<PolicyVersionRow>> {
        self.pg_list_policy_versions(policy_name)
    }

    fn delete_policy_version(&self, policy_name: &str, version: i64) -> StoreResult<()> {
        self.pg_delete_policy_version(policy_name, version)
    }

    fn set_default_policy_version(
        &self,
        policy_name: &str,
        version: i64,
        now: i64,
    ) -> StoreResult<()> {
        self.pg_set_default_policy_version(policy_name, version, now)
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
        self.pg_attach_policy(kind, principal_name, policy_type, policy_name, now, limits)
    }

    fn detach_policy(
        &self,
        kind: PrincipalKind,
        principal_name: &str,
        policy_type: PolicyType,
        policy_name: &str,
    ) -> StoreResult<()> {
        self.pg_detach_policy(kind, principal_name, policy_type, policy_name)
    }

    fn list_attachments(
        &self,
        kind: PrincipalKind,
        principal_name: &str,
    ) -> StoreResult<Vec<AttachmentRow>> {
        self.pg_list_attachments(kind, principal_name)
    }

    fn list_entities_for_policy(
        &self,
        policy_type: PolicyType,
        policy_name: &str,
    ) -> StoreResult<Vec<AttachedEntity>> {
        self.pg_list_entities_for_policy(policy_type, policy_name)
    }

    fn attachment_count(&self, policy_type: PolicyType, policy_name: &str) -> StoreResult<u64> {
        self.pg_attachment_count(policy_type, policy_name)
    }

    fn effective_policies_for_user(&self, user_id: &str) -> StoreResult<Vec<EffectivePolicy>> {
        self.pg_effective_for_user(user_id)
    }

    fn effective_policies_for_role(&self, role_id: &str) -> StoreResult<Vec<EffectivePolicy>> {
        self.pg_effective_for_role(role_id)
    }

    fn create_role(
        &self,
        role: &RoleRow,
        max_roles: u64,
        system_policies: &[&str],
    ) -> StoreResult<()> {
        self.pg_create_role(role, max_roles, system_policies)
    }

    fn get_role(&self, role_name: &str) -> StoreResult<Option<RoleRow>> {
        self.pg_get_role(role_name)
    }

    fn update_role(&self, role: &RoleRow) -> StoreResult<()> {
        self.pg_update_role(role)
    }

    fn delete_role(&self, role_name: &str) -> StoreResult<()> {
        self.pg_delete_role(role_name)
    }

    fn list_roles(&self, after: Option<&str>, limit: u32) -> StoreResult<Vec<RoleRow>> {
        self.pg_list_roles(after, limit)
    }
}
