//! KMS keys, aliases, tags and secrets: rows and the part-traits.

use crate::StoreResult;

/// A customer master key (symmetric).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct KeyRow {
    /// Key id (UUID).
    pub key_id: String,
    /// Description.
    pub description: String,
    /// `Aliyun_AES_256`.
    pub key_spec: String,
    /// `ENCRYPT/DECRYPT`.
    pub key_usage: String,
    /// `Aliyun_KMS`.
    pub origin: String,
    /// `SOFTWARE`.
    pub protection_level: String,
    /// `Enabled`, `Disabled`, `PendingDeletion`.
    pub key_state: String,
    /// The creating principal's account or user id.
    pub creator: String,
    /// Created.
    pub created_at: i64,
    /// When a pending deletion happens.
    pub delete_at: Option<i64>,
    /// Deletion protection on.
    pub deletion_protection: bool,
    /// Why deletion protection is on.
    pub deletion_protection_description: String,
    /// The key policy (`None`: the default, which leaves access to the
    /// identity policies).
    pub policy: Option<String>,
    /// When imported key material expires (`Origin=EXTERNAL`; `None`: never).
    pub material_expire_at: Option<i64>,
    /// Imported material's keyed digest (kept after `DeleteKeyMaterial`).
    pub material_digest: Option<String>,
    /// Automatic rotation period (seconds), if enabled.
    pub rotation_interval: Option<i64>,
    /// Next automatic rotation.
    pub next_rotation_at: Option<i64>,
    /// Last rotation (creation of the newest version).
    pub last_rotation_at: i64,
    /// The primary version's id.
    pub primary_version: String,
    /// The account default key for secrets without `EncryptionKeyId`.
    pub is_default: bool,
}

/// One version of a key's material, sealed under the keyring.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyVersionRow {
    /// Version id (UUID).
    pub version_id: String,
    /// Sealed 256-bit material.
    pub material_sealed: Vec<u8>,
    /// Created.
    pub created_at: i64,
}

/// An alias.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AliasRow {
    /// `alias/…`.
    pub alias_name: String,
    /// The key.
    pub key_id: String,
    /// Created.
    pub created_at: i64,
    /// Updated.
    pub updated_at: i64,
}

/// What a tag is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagResource {
    /// A key (by key id).
    Key,
    /// A secret (by name).
    Secret,
    /// A RAM role (by role id).
    Role,
    /// A custom RAM policy (by name).
    Policy,
    /// A RAM user (by user id).
    User,
}

impl TagResource {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            TagResource::Key => "key",
            TagResource::Secret => "secret",
            TagResource::Role => "ram-role",
            TagResource::Policy => "ram-policy",
            TagResource::User => "ram-user",
        }
    }
}

/// A secret's metadata.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SecretRow {
    /// Unique name.
    pub secret_name: String,
    /// `Generic`, `RAMCredentials`, …
    pub secret_type: String,
    /// Description.
    pub description: String,
    /// The key protecting its versions.
    pub encryption_key_id: String,
    /// Created.
    pub created_at: i64,
    /// Updated.
    pub updated_at: i64,
    /// When a scheduled deletion happens.
    pub planned_delete_at: Option<i64>,
    /// `ExtendedConfig` JSON (non-generic types).
    pub extended_config: Option<String>,
    /// Automatic rotation on.
    pub rotation_enabled: bool,
    /// Rotation interval, seconds.
    pub rotation_interval: Option<i64>,
    /// Next automatic rotation.
    pub next_rotation_at: Option<i64>,
    /// Last rotation.
    pub last_rotation_at: Option<i64>,
    /// Resource policy JSON.
    pub policy: Option<String>,
    /// Why the last rotation attempt failed (RAM secrets).
    pub rotation_error: Option<String>,
    /// Consecutive failed rotation attempts.
    pub rotation_failures: i64,
    /// When a failed rotation is retried.
    pub rotation_retry_at: Option<i64>,
    /// The previous AccessKey, kept working during the grace period.
    pub pending_key_id: Option<String>,
    /// When the previous AccessKey is deleted.
    pub pending_key_delete_at: Option<i64>,
    /// A database secret's version sealed before the database was changed
    /// and not yet current (an unfinished rotation or creation).
    pub pending_version_id: Option<String>,
}

/// One version of a secret's value, envelope-encrypted.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretVersionRow {
    /// Version id.
    pub version_id: String,
    /// Creation order within the secret.
    pub seq: i64,
    /// `text` or `binary`.
    pub data_type: String,
    /// The key that wraps the data key.
    pub key_id: String,
    /// The key version that wraps the data key.
    pub key_version_id: String,
    /// The data key, sealed under the key version.
    pub wrapped_key: Vec<u8>,
    /// The value, sealed under the data key.
    pub ciphertext: Vec<u8>,
    /// Created.
    pub created_at: i64,
}

impl std::fmt::Debug for SecretVersionRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretVersionRow")
            .field("version_id", &self.version_id)
            .field("seq", &self.seq)
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

/// A secret version with the stages it carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StagedVersion {
    /// The version.
    pub version: SecretVersionRow,
    /// Its stage labels.
    pub stages: Vec<String>,
}

/// How a stage label moves (UpdateSecretVersionStage).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageMove {
    /// The label.
    pub stage: String,
    /// Remove it from this version (must hold it).
    pub remove_from: Option<String>,
    /// Attach it to this version.
    pub move_to: Option<String>,
}

/// KMS keys, aliases and tags.
pub trait KmsStore {
    /// Creates a key with its first version and tags (`Limit(Key)`).
    fn create_key(
        &self,
        key: &KeyRow,
        first: &KeyVersionRow,
        tags: &[(String, String)],
        max_keys: u64,
    ) -> StoreResult<()>;
    /// Returns the account default key, creating `candidate` if there is none.
    fn ensure_default_key(&self, candidate: &KeyRow, first: &KeyVersionRow) -> StoreResult<KeyRow>;
    /// A key by id.
    fn get_key(&self, key_id: &str) -> StoreResult<Option<KeyRow>>;
    /// Keys by creation, `offset`/`limit`, with the total count.
    fn list_keys(&self, offset: u64, limit: u32) -> StoreResult<(Vec<KeyRow>, u64)>;
    /// Replaces a key's mutable fields (`NotFound(Key)`).
    fn update_key(&self, key: &KeyRow) -> StoreResult<()>;
    /// Replaces a version's sealed material (empty: none, for imported key
    /// material deleted) and the key's mutable fields, in one transaction
    /// (`NotFound(KeyVersion)`).
    /// Refused (`Conflict(KeyVersion)`) when the key keeps the digest of
    /// other imported material than `key`'s.
    fn set_key_material(&self, key: &KeyRow, version_id: &str, sealed: &[u8]) -> StoreResult<()>;
    /// Adds a version and makes it primary (`NotFound(Key)`).
    fn add_key_version(&self, key_id: &str, version: &KeyVersionRow) -> StoreResult<()>;
    /// [`Self::add_key_version`] unless the key has `max` versions already
    /// (`Limit(KeyVersion)`).
    fn add_key_version_within(
        &self,
        key_id: &str,
        version: &KeyVersionRow,
        max: u64,
    ) -> StoreResult<()>;
    /// One version of a key.
    fn get_key_version(&self, key_id: &str, version_id: &str)
        -> StoreResult<Option<KeyVersionRow>>;
    /// All versions of a key, oldest first.
    fn list_key_versions(&self, key_id: &str) -> StoreResult<Vec<KeyVersionRow>>;
    /// Deletes keys whose deletion time has come; returns their ids.
    fn purge_keys(&self, now: i64) -> StoreResult<Vec<String>>;
    /// Creates an alias (`NotFound(Key)`, `Conflict(Alias)`).
    fn create_alias(&self, alias: &AliasRow) -> StoreResult<()>;
    /// Points an alias at another key (`NotFound(Alias|Key)`).
    fn update_alias(&self, alias_name: &str, key_id: &str, now: i64) -> StoreResult<()>;
    /// Deletes an alias (`NotFound(Alias)`).
    fn delete_alias(&self, alias_name: &str) -> StoreResult<()>;
    /// An alias by name.
    fn get_alias(&self, alias_name: &str) -> StoreResult<Option<AliasRow>>;
    /// Aliases by name, `offset`/`limit`, optionally of one key, with the total.
    fn list_aliases(
        &self,
        key_id: Option<&str>,
        offset: u64,
        limit: u32,
    ) -> StoreResult<(Vec<AliasRow>, u64)>;
    /// Adds or replaces tags (`max` tags per resource → `Limit(Tag)`).
    fn tag_resource(
        &self,
        kind: TagResource,
        id: &str,
        tags: &[(String, String)],
        max: u64,
    ) -> StoreResult<()>;
    /// Removes tags by key.
    fn untag_resource(&self, kind: TagResource, id: &str, keys: &[String]) -> StoreResult<()>;
    /// A resource's tags, by key.
    fn list_tags(&self, kind: TagResource, id: &str) -> StoreResult<Vec<(String, String)>>;
    /// Adds or replaces `tags` on every resource, in one transaction
    /// (`Limit(Tag)` if one would hold more than `max`: then none changes).
    fn tag_resources(
        &self,
        items: &[(TagResource, String)],
        tags: &[(String, String)],
        max: u64,
    ) -> StoreResult<()>;
    /// Removes tags by key (`None`: every tag) from every resource, in one
    /// transaction.
    fn untag_resources(
        &self,
        items: &[(TagResource, String)],
        keys: Option<&[String]>,
    ) -> StoreResult<()>;
}

/// One rotation's atomic change: a new AccessKey for the user and the
/// secret version that holds it, made current, in one transaction.
#[derive(Debug, Clone)]
pub struct RotationCommit<'a> {
    /// The secret.
    pub secret_name: &'a str,
    /// The lease holder (fencing: the commit fails if the lease was lost).
    pub owner: &'a str,
    /// The RAM user.
    pub user_name: &'a str,
    /// The new AccessKey.
    pub key: &'a crate::AccessKeyRow,
    /// Most keys per user.
    pub max_keys: u64,
    /// The new version (labelled `ACSCurrent`; the old current becomes `ACSPrevious`).
    pub version: &'a SecretVersionRow,
    /// The key that stays valid until `pending_key_delete_at`.
    pub previous_key_id: Option<&'a str>,
    /// When the previous key is deleted.
    pub pending_key_delete_at: i64,
    /// Rotation time.
    pub now: i64,
    /// Next automatic rotation, if enabled.
    pub next_rotation_at: Option<i64>,
}

/// The rotation scheduler's view of the secrets (leases make each due
/// rotation run once among replicas).
pub trait RotationStore {
    /// Leases up to `limit` RAM and database secrets that have work due at
    /// `now` (a rotation, a retry, a previous key to delete, or a pending
    /// version whose rotation was interrupted) to `owner` until
    /// `lease_until`, unless another owner's lease lasts past `lease_now`
    /// (leases run on the wall clock, `now` may be a test clock's);
    /// returns their names.
    fn claim_due_rotations(
        &self,
        now: i64,
        lease_now: i64,
        owner: &str,
        lease_until: i64,
        limit: u32,
    ) -> StoreResult<Vec<String>>;
    /// Leases one secret (immediate rotation); `false` if another owner
    /// holds it past `now` (the wall clock).
    fn claim_rotation(
        &self,
        name: &str,
        now: i64,
        owner: &str,
        lease_until: i64,
    ) -> StoreResult<bool>;
    /// Gives a lease back.
    fn release_rotation(&self, name: &str, owner: &str) -> StoreResult<()>;
    /// Applies a rotation (`Conflict(Secret)` if `owner` lost the lease;
    /// `Limit(AccessKey)` if the user already holds `max_keys`).
    fn commit_rotation(&self, c: &RotationCommit<'_>) -> StoreResult<()>;
    /// Ends a grace period: deletes the previous AccessKey (if it still
    /// exists) and the `ACSPrevious` label and version, in one transaction.
    fn finish_rotation(
        &self,
        name: &str,
        owner: &str,
        user_name: &str,
        previous_key_id: &str,
    ) -> StoreResult<()>;
    /// Stores `version` (unlabelled) as the secret's pending version, the
    /// one a database rotation is about to put in the database
    /// (`Conflict(Secret)` if `owner` lost the lease,
    /// `Conflict(SecretVersion)` if a version of that id exists or another
    /// version is pending).
    fn stage_pending(&self, name: &str, owner: &str, version: &SecretVersionRow)
        -> StoreResult<()>;
    /// Makes the pending version current (the current one becomes
    /// previous), clears the failure state and, if `rotated`, records the
    /// rotation at `now` and schedules the next at `next_rotation_at` (when
    /// rotation is enabled). `NotFound(SecretVersion)` if nothing is
    /// pending; `Conflict(Secret)` if `owner` lost the lease.
    fn commit_pending(
        &self,
        name: &str,
        owner: &str,
        now: i64,
        next_rotation_at: Option<i64>,
        rotated: bool,
    ) -> StoreResult<()>;
    /// Records a failed attempt and when to retry.
    fn record_rotation_failure(
        &self,
        name: &str,
        owner: &str,
        error: &str,
        retry_at: i64,
    ) -> StoreResult<()>;
}

/// A new secret with its first versions and what it reserves.
#[derive(Debug, Clone, Copy)]
pub struct NewSecret<'a> {
    /// Its metadata.
    pub secret: &'a SecretRow,
    /// Its first versions in order, each with its stage (or none: a
    /// database secret's pending version).
    pub versions: &'a [(&'a SecretVersionRow, Option<&'a str>)],
    /// Its tags.
    pub tags: &'a [(String, String)],
    /// The account's quota of secrets.
    pub max_secrets: u64,
    /// The database accounts it manages, `(instance id, account)`, with
    /// account names as the engine compares them (lower-cased).
    pub db_accounts: &'a [(String, String)],
}

/// Secrets and their versions.
pub trait SecretStore {
    /// Creates a secret with its first version labelled `ACSCurrent`
    /// (`Conflict(Secret)`, `Limit(Secret)`).
    fn create_secret(
        &self,
        secret: &SecretRow,
        first: &SecretVersionRow,
        tags: &[(String, String)],
        max_secrets: u64,
    ) -> StoreResult<()>;
    /// Creates a secret as [`NewSecret`] says, in one transaction:
    /// `Conflict(Secret)`, `Limit(Secret)`, `Conflict(DbAccount)` if
    /// another secret manages one of its database accounts.
    fn create_secret_with(&self, new: &NewSecret<'_>) -> StoreResult<()>;
    /// Which secret manages each of `accounts` (lower-cased) of the
    /// database instance `instance_id`: `(account, secret name)` pairs.
    fn db_account_holders(
        &self,
        instance_id: &str,
        accounts: &[String],
    ) -> StoreResult<Vec<(String, String)>>;
    /// A secret by name (also when pending deletion).
    fn get_secret(&self, name: &str) -> StoreResult<Option<SecretRow>>;
    /// Every secret, by name.
    fn list_secrets(&self) -> StoreResult<Vec<SecretRow>>;
    /// Replaces a secret's metadata (`NotFound(Secret)`).
    fn update_secret(&self, secret: &SecretRow) -> StoreResult<()>;
    /// Adds a version carrying `stages`. Moving `ACSCurrent` gives the former
    /// current version `ACSPrevious`. Versions beyond `max_versions` lose the
    /// oldest unlabelled one. (`NotFound(Secret)`, `Conflict(SecretVersion)`.)
    fn put_secret_version(
        &self,
        name: &str,
        version: &SecretVersionRow,
        stages: &[String],
        max_versions: u64,
    ) -> StoreResult<()>;
    /// A version by id or by stage.
    fn get_secret_version(
        &self,
        name: &str,
        version_id: Option<&str>,
        stage: Option<&str>,
    ) -> StoreResult<Option<StagedVersion>>;
    /// A secret and, from the same snapshot, one of its versions by id or
    /// by stage (as [`Self::get_secret_version`]): what reading a value needs.
    fn get_secret_with_version(
        &self,
        name: &str,
        version_id: Option<&str>,
        stage: Option<&str>,
    ) -> StoreResult<Option<(SecretRow, Option<StagedVersion>)>> {
        let Some(secret) = self.get_secret(name)? else {
            return Ok(None);
        };
        Ok(Some((
            secret,
            self.get_secret_version(name, version_id, stage)?,
        )))
    }
    /// Every version, oldest first, with its stages.
    fn list_secret_versions(&self, name: &str) -> StoreResult<Vec<StagedVersion>>;
    /// Moves a stage label (`NotFound(Secret|SecretVersion)`,
    /// `Conflict(Stage)` when `remove_from` does not hold it).
    fn move_secret_stage(&self, name: &str, mv: &StageMove, now: i64) -> StoreResult<()>;
    /// Deletes a secret and everything of it now.
    fn delete_secret(&self, name: &str) -> StoreResult<()>;
    /// Deletes secrets whose deletion time has come; returns their names.
    fn purge_secrets(&self, now: i64) -> StoreResult<Vec<String>>;
}
