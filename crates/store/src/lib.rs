//! Storage for Rampart: the store traits, the rows they hold, and their
//! implementation on three databases.
//!
//! Every trait method is atomic: it runs in one transaction and either
//! applies whole or not at all. The rules (limits, stage moves, version
//! eviction, policy-version rotation, the rotation steps, deletion
//! windows) and the queries are written once, in [`rules`], over a small
//! dialect-neutral transaction interface ([`tx::Backend`], [`tx::Tx`]);
//! the statements are `sea-query` statements rendered once per dialect
//! ([`sql`]). Each database is a dialect module that says only what truly
//! differs: how a transaction runs and is retried, locks, the replay
//! window, migrations. [`SqliteStore`] is the embedded default;
//! [`PostgresStore`] and [`MysqlStore`] (MariaDB, MySQL, Galera clusters)
//! serve several replicas. All pass the conformance suite in
//! `tests/conformance`.

mod audit;
mod error;
pub mod federation;
pub mod files;
mod kms;
mod mysql;
pub mod nonce;
mod postgres;
mod rows;
pub mod rules;
pub mod runtime;
mod schema;
mod sessions;
pub mod sql;
mod sqlite;
pub mod tx;

pub use audit::{AuditEvent, AuditPage, AuditQuery, AuditStore, AUDIT_SCAN_BOUND};
pub use error::{Entity, StoreError, StoreResult};
pub use federation::{FederationStore, ProviderKind, ProviderRow};
pub use kms::*;
pub use mysql::MysqlStore;
pub use nonce::{NonceCheck, NonceStore};
pub use postgres::{
    PostgresStore, DEFAULT_POOL_SIZE as POSTGRES_DEFAULT_POOL_SIZE, STALENESS as POSTGRES_STALENESS,
};
pub use rows::*;
pub use runtime::blocking;
pub use sessions::{ConsoleSessionRow, ConsoleSessionStore, SessionRole};
pub use sqlite::window::{
    MAX_MEMORY_BYTES as NONCE_WINDOW_MAX_BYTES, MAX_NONCES as NONCE_WINDOW_MAX_NONCES,
};
pub use sqlite::SqliteStore;

/// The persistence boundary of Rampart: every part a backend must provide.
/// Every [`tx::Backend`] provides them all, through [`rules`].
pub trait Store:
    AccountStore
    + NonceStore
    + SettingsStore
    + MfaStore
    + UserStore
    + GroupStore
    + PolicyStore
    + RoleStore
    + KmsStore
    + SecretStore
    + RotationStore
    + AuditStore
    + ConsoleSessionStore
    + FederationStore
    + Send
    + Sync
    + 'static
{
}

impl<T> Store for T where
    T: AccountStore
        + NonceStore
        + SettingsStore
        + MfaStore
        + UserStore
        + GroupStore
        + PolicyStore
        + RoleStore
        + KmsStore
        + SecretStore
        + RotationStore
        + AuditStore
        + ConsoleSessionStore
        + FederationStore
        + Send
        + Sync
        + 'static
{
}

/// The account (the replay window is [`NonceStore`]).
///
/// Names are the API's names (user names, group names); ids are internal.
/// Times are Unix seconds (UTC), in every store trait.
pub trait AccountStore {
    /// The account of this store, if it has been initialized.
    fn account(&self) -> StoreResult<Option<AccountRow>>;

    /// A number that changes whenever a committed write changes what the
    /// store holds (the audit trail aside), if this store can tell: a
    /// caller may keep what it read under one generation and use it while
    /// the generation stays the same. `None` (the default) when other
    /// processes may write too (PostgreSQL replicas): nothing may be kept.
    fn generation(&self) -> Option<u64> {
        None
    }
    /// Initializes the store with its account and root AccessKey;
    /// `Conflict(Account)` if it is already initialized.
    fn init_account(&self, account: &AccountRow, root_key: &AccessKeyRow) -> StoreResult<()>;

    /// Empties the account back to a fresh one, in one transaction: every
    /// user, group, custom policy, role, provider, key, secret, setting,
    /// session and audit event goes; the account, its root AccessKeys and
    /// the replay window stay (test mode's reset).
    fn reset_account(&self) -> StoreResult<()> {
        Err(StoreError::Backend("this store cannot be reset".into()))
    }
}

/// Account-wide settings (the password policy, the security preference,
/// the account alias): one document each, by name, written whole.
pub trait SettingsStore {
    /// A setting's document, if it was ever set.
    fn get_setting(&self, name: &str) -> StoreResult<Option<String>>;
    /// Replaces a setting's document; `None` removes it.
    fn put_setting(&self, name: &str, value: Option<&str>, now: i64) -> StoreResult<()>;
}

/// Virtual MFA devices and the users they are bound to (one each).
pub trait MfaStore {
    /// Creates an unbound device (`Conflict(MfaDevice)` if the serial number
    /// is taken, `Limit(MfaDevice)` beyond `max_devices`).
    fn create_mfa_device(&self, device: &MfaDeviceRow, max_devices: u64) -> StoreResult<()>;
    /// A device by serial number.
    fn get_mfa_device(&self, serial_number: &str) -> StoreResult<Option<MfaDeviceRow>>;
    /// Every device, by serial number.
    fn list_mfa_devices(&self) -> StoreResult<Vec<MfaDeviceRow>>;
    /// Deletes an unbound device (`NotFound(MfaDevice)`; `DeleteConflict(MfaDevice)` while bound).
    fn delete_mfa_device(&self, serial_number: &str) -> StoreResult<()>;
    /// The device bound to a user (`NotFound(User)`).
    fn user_mfa_device(&self, user_name: &str) -> StoreResult<Option<MfaDeviceRow>>;
    /// Binds an unbound device to a user without one, recording the time
    /// step of the codes that proved it (`NotFound(User|MfaDevice)`;
    /// `Conflict(MfaDevice)` if either is already bound).
    fn bind_mfa_device(
        &self,
        user_name: &str,
        serial_number: &str,
        now: i64,
        step: i64,
    ) -> StoreResult<()>;
    /// Unbinds a user's device; returns it (`NotFound(User|MfaDevice)`).
    fn unbind_mfa_device(&self, user_name: &str) -> StoreResult<MfaDeviceRow>;
    /// Records that a code of time step `step` was used, if it is later than
    /// the last one; `false` if it is not (a replayed code).
    fn use_mfa_step(&self, serial_number: &str, step: i64) -> StoreResult<bool>;
}

/// RAM users, their AccessKeys and their login profiles.
pub trait UserStore {
    /// Creates a user; `Conflict(User)` if the name is taken, `Limit(User)`
    /// beyond `max_users`.
    fn create_user(&self, user: &UserRow, max_users: u64) -> StoreResult<()>;
    /// Creates a user with its tags (at most `max_tags`, else
    /// `Limit(Tag)`), in one transaction.
    fn create_user_with_tags(
        &self,
        user: &UserRow,
        max_users: u64,
        tags: &[(String, String)],
        max_tags: u64,
    ) -> StoreResult<()>;
    /// A user by name.
    fn get_user(&self, user_name: &str) -> StoreResult<Option<UserRow>>;
    /// A user by its id.
    fn get_user_by_id(&self, user_id: &str) -> StoreResult<Option<UserRow>>;
    /// Replaces a user's attributes (the row's `user_id` selects it; the name
    /// may change); `NotFound(User)`, `Conflict(User)` on a taken new name.
    fn update_user(&self, user: &UserRow) -> StoreResult<()>;
    /// Deletes a user; `NotFound(User)`, or `DeleteConflict(AccessKey|Group|LoginProfile)`
    /// while it still has those.
    fn delete_user(&self, user_name: &str) -> StoreResult<()>;
    /// Users ordered by name, strictly after `after`, at most `limit`.
    fn list_users(&self, after: Option<&str>, limit: u32) -> StoreResult<Vec<UserRow>>;

    /// Creates a key for a user (`NotFound(User)`; `Limit(AccessKey)` if the
    /// user already holds `max_per_user`).
    fn create_access_key(
        &self,
        user_name: &str,
        key: &AccessKeyRow,
        max_per_user: u64,
    ) -> StoreResult<()>;
    /// The account's own (root) AccessKeys.
    fn root_access_keys(&self) -> StoreResult<Vec<AccessKeyRow>>;
    /// Any key (root or user) by id, with its owner's name.
    fn get_access_key(&self, access_key_id: &str) -> StoreResult<Option<AccessKeyRow>>;
    /// A user's keys, oldest first (`NotFound(User)`).
    fn list_access_keys(&self, user_name: &str) -> StoreResult<Vec<AccessKeyRow>>;
    /// Sets a user key's status (`NotFound(User|AccessKey)`).
    fn set_access_key_status(
        &self,
        user_name: &str,
        access_key_id: &str,
        status: KeyStatus,
        now: i64,
    ) -> StoreResult<()>;
    /// Deletes a user key (`NotFound(User|AccessKey)`).
    fn delete_access_key(&self, user_name: &str, access_key_id: &str) -> StoreResult<()>;
    /// Records that a key was used at `now`.
    fn touch_access_key(&self, access_key_id: &str, now: i64) -> StoreResult<()>;

    /// Creates a user's login profile (`NotFound(User)`, `Conflict(LoginProfile)`).
    fn create_login_profile(&self, user_name: &str, profile: &LoginProfileRow) -> StoreResult<()>;
    /// A user's login profile (`NotFound(User)`; `None` if it has none).
    fn get_login_profile(&self, user_name: &str) -> StoreResult<Option<LoginProfileRow>>;
    /// Replaces a user's login profile (`NotFound(User|LoginProfile)`).
    fn update_login_profile(&self, user_name: &str, profile: &LoginProfileRow) -> StoreResult<()>;
    /// Deletes a user's login profile (`NotFound(User|LoginProfile)`).
    fn delete_login_profile(&self, user_name: &str) -> StoreResult<()>;
}

/// User groups and their members.
pub trait GroupStore {
    /// Creates a group (`Conflict(Group)`, `Limit(Group)`).
    fn create_group(&self, group: &GroupRow, max_groups: u64) -> StoreResult<()>;
    /// A group by name.
    fn get_group(&self, group_name: &str) -> StoreResult<Option<GroupRow>>;
    /// Replaces a group's attributes, selected by `group_id` (`NotFound`, `Conflict`).
    fn update_group(&self, group: &GroupRow) -> StoreResult<()>;
    /// Deletes a group; `DeleteConflict(User)` while it has members.
    fn delete_group(&self, group_name: &str) -> StoreResult<()>;
    /// Groups ordered by name, strictly after `after`, at most `limit`.
    fn list_groups(&self, after: Option<&str>, limit: u32) -> StoreResult<Vec<GroupRow>>;
    /// Adds a user to a group (`NotFound(User|Group)`, `Conflict(Membership)`,
    /// `Limit(Membership)` beyond `max_groups_per_user`).
    fn add_user_to_group(
        &self,
        user_name: &str,
        group_name: &str,
        now: i64,
        max_groups_per_user: u64,
    ) -> StoreResult<()>;
    /// Removes a user from a group (`NotFound(User|Group|Membership)`).
    fn remove_user_from_group(&self, user_name: &str, group_name: &str) -> StoreResult<()>;
    /// The groups of a user, with join times (`NotFound(User)`).
    fn list_groups_for_user(&self, user_name: &str) -> StoreResult<Vec<(GroupRow, i64)>>;
    /// The members of a group, with join times, ordered by user name,
    /// strictly after `after` (`NotFound(Group)`).
    fn list_users_for_group(
        &self,
        group_name: &str,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<(UserRow, i64)>>;
}

/// Custom policies (system policies live in the domain), their versions,
/// and the attachments of every policy to users, groups and roles.
pub trait PolicyStore {
    /// Creates a custom policy with its first version as default
    /// (`Conflict(Policy)`, `Limit(Policy)` beyond `max_policies`).
    fn create_policy(
        &self,
        policy: &PolicyRow,
        first: &PolicyVersionRow,
        max_policies: u64,
    ) -> StoreResult<()>;
    /// [`PolicyStore::create_policy`] with its first tags, in the same
    /// transaction (`Limit(Tag)` beyond 20).
    fn create_policy_with_tags(
        &self,
        policy: &PolicyRow,
        first: &PolicyVersionRow,
        max_policies: u64,
        tags: &[(String, String)],
    ) -> StoreResult<()>;
    /// A custom policy by name.
    fn get_policy(&self, policy_name: &str) -> StoreResult<Option<PolicyRow>>;
    /// Custom policies ordered by name, strictly after `after`.
    fn list_policies(&self, after: Option<&str>, limit: u32) -> StoreResult<Vec<PolicyRow>>;
    /// Changes a policy's description (`NotFound(Policy)`).
    fn update_policy_description(
        &self,
        policy_name: &str,
        description: &str,
        now: i64,
    ) -> StoreResult<()>;
    /// Deletes a custom policy. Without `cascade`: `DeleteConflict(Attachment)`
    /// while attached (the error names the kind via [`StoreError::DeleteConflictOn`]),
    /// `DeleteConflict(PolicyVersion)` while non-default versions exist. With
    /// `cascade`, detaches it everywhere and deletes every version.
    fn delete_policy(&self, policy_name: &str, cascade: bool) -> StoreResult<()>;
    /// Adds a version (`NotFound(Policy)`; `Limit(PolicyVersion)` at `max_versions`
    /// unless `rotate`, which deletes the oldest non-default version). Returns it.
    fn create_policy_version(
        &self,
        policy_name: &str,
        document: &str,
        set_default: bool,
        rotate: bool,
        max_versions: u64,
        now: i64,
    ) -> StoreResult<PolicyVersionRow>;
    /// One version (`NotFound(Policy)`; `None` if no such version).
    fn get_policy_version(
        &self,
        policy_name: &str,
        version: i64,
    ) -> StoreResult<Option<PolicyVersionRow>>;
    /// All versions, oldest first (`NotFound(Policy)`).
    fn list_policy_versions(&self, policy_name: &str) -> StoreResult<Vec<PolicyVersionRow>>;
    /// Deletes a version (`NotFound(Policy|PolicyVersion)`, `DeleteConflict(DefaultPolicyVersion)`).
    fn delete_policy_version(&self, policy_name: &str, version: i64) -> StoreResult<()>;
    /// Makes a version the default (`NotFound(Policy|PolicyVersion)`).
    fn set_default_policy_version(
        &self,
        policy_name: &str,
        version: i64,
        now: i64,
    ) -> StoreResult<()>;

    /// Attaches a policy (`NotFound(User|Group|Role|Policy)`, `Conflict(Attachment)`,
    /// `Limit(Attachment)`). A System policy's existence is the caller's to check.
    fn attach_policy(
        &self,
        kind: PrincipalKind,
        principal_name: &str,
        policy_type: PolicyType,
        policy_name: &str,
        now: i64,
        limits: AttachLimits,
    ) -> StoreResult<()>;
    /// Detaches a policy (`NotFound(User|Group|Role|Attachment)`).
    fn detach_policy(
        &self,
        kind: PrincipalKind,
        principal_name: &str,
        policy_type: PolicyType,
        policy_name: &str,
    ) -> StoreResult<()>;
    /// Policies attached directly to a principal (`NotFound(User|Group|Role)`).
    fn list_attachments(
        &self,
        kind: PrincipalKind,
        principal_name: &str,
    ) -> StoreResult<Vec<AttachmentRow>>;
    /// Principals a policy is attached to.
    fn list_entities_for_policy(
        &self,
        policy_type: PolicyType,
        policy_name: &str,
    ) -> StoreResult<Vec<AttachedEntity>>;
    /// How many principals a policy is attached to.
    fn attachment_count(&self, policy_type: PolicyType, policy_name: &str) -> StoreResult<u64>;
    /// Every policy that applies to a user: its own and its groups'.
    fn effective_policies_for_user(&self, user_id: &str) -> StoreResult<Vec<EffectivePolicy>>;
    /// Every policy attached to a role.
    fn effective_policies_for_role(&self, role_id: &str) -> StoreResult<Vec<EffectivePolicy>>;
}

/// RAM roles.
pub trait RoleStore {
    /// Creates a role with the given system policies attached, in one
    /// transaction (`Conflict(Role)`, `Limit(Role)`).
    fn create_role(
        &self,
        role: &RoleRow,
        max_roles: u64,
        system_policies: &[&str],
    ) -> StoreResult<()>;
    /// [`RoleStore::create_role`] with its first tags, in the same
    /// transaction (`Limit(Tag)` beyond 20).
    fn create_role_with_tags(
        &self,
        role: &RoleRow,
        max_roles: u64,
        system_policies: &[&str],
        tags: &[(String, String)],
    ) -> StoreResult<()>;
    /// A role by name (case-insensitive).
    fn get_role(&self, role_name: &str) -> StoreResult<Option<RoleRow>>;
    /// Replaces a role's attributes, selected by `role_id` (`NotFound(Role)`).
    fn update_role(&self, role: &RoleRow) -> StoreResult<()>;
    /// Deletes a role (`NotFound(Role)`, `DeleteConflict(Attachment)` while policies are attached).
    fn delete_role(&self, role_name: &str) -> StoreResult<()>;
    /// Deletes a role and every policy attachment it has, in one
    /// transaction, unless secrets of type `unless_secret_type` exist: then
    /// nothing changes and their names (at most `limit`) are returned
    /// (`NotFound(Role)`).
    fn delete_role_unless_used(
        &self,
        role_name: &str,
        unless_secret_type: &str,
        limit: u32,
    ) -> StoreResult<Vec<String>>;
    /// Roles ordered by name, strictly after `after`.
    fn list_roles(&self, after: Option<&str>, limit: u32) -> StoreResult<Vec<RoleRow>>;
}
