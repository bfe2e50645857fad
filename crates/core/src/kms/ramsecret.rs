//! RAM secrets (`SecretType=RAMCredentials`): Secrets Manager keeps a RAM
//! user's AccessKey and rotates it, acting as the service principal
//! `kms.aliyuncs.com` through the account's service role. Every RAM call of
//! a rotation is authorized against that role session's policies.
//!
//! Rotation, crash-safe by construction (each step is one transaction and
//! idempotent; a lease makes each run exclusive among replicas):
//! 1. if the user holds two keys, delete the one that is not current;
//! 2. in one transaction: create a new key, store it as a new version
//!    labelled `ACSCurrent` (the old one becomes `ACSPrevious`), record the
//!    old key for deletion after the grace period, schedule the next rotation;
//! 3. after the grace period, in one transaction: delete the old key and drop
//!    the `ACSPrevious` version.
//!
//! A failed step leaves the current key current and working, records the
//! error (DescribeSecret shows it) and is retried with exponential backoff.

use rampart_crypto::{ct_eq, open, Purpose};
use rampart_store::{Entity, RotationCommit, SecretRow, StoreError};
use serde_json::{json, Value};

use super::views::{RotationState, SecretCreated, SecretNamed, SecretRotated};

use super::keys::parse_interval;
use super::secrets::{check_secret_name, check_version_id, CreateSecret, SecretName};
use super::{resource_not_found, store_err};
use crate::account::{new_key_row, secret_aad};
use crate::authz::AccessRequest;
use crate::time::format as ts;
use crate::{ApiError, Principal, Rampart};

/// The service principal of Secrets Manager.
pub const KMS_SERVICE: &str = "kms.aliyuncs.com";
/// The role of the manual setup (the product's own spelling).
pub const MANAGED_ROLE: &str = "AliyunKMSManagedRAMCrendentialsRole";
/// The service-linked role of the one-click setup.
pub const LINKED_ROLE: &str = "AliyunKMSManageRAMCredentialsRole";
/// Longest rotation interval (8760 h).
pub const MAX_ROTATION_INTERVAL: i64 = 8760 * 3600;
/// How long a rotation lease lasts.
pub const LEASE_SECS: i64 = 15;
/// How many due secrets one scheduler pass works on at a time.
pub const ROTATION_THREADS: usize = 8;

/// What a RAM secret's `ExtendedConfig` says.
#[derive(Debug, Clone)]
pub struct RamExtended {
    /// The RAM user whose key is kept.
    pub user_name: String,
    /// User data.
    pub custom_data: Value,
}

fn parse_extended(text: Option<&str>) -> Result<RamExtended, ApiError> {
    let bad = |why: &str| {
        ApiError::invalid(
            "ExtendedConfig",
            format!("The specified parameter \"ExtendedConfig\" is not valid: {why}; write `{{\"SecretSubType\":\"RamUserAccessKey\",\"UserName\":\"<user>\"}}`."),
        )
    };
    let text = text
        .filter(|t| !t.is_empty())
        .ok_or_else(|| ApiError::missing("ExtendedConfig"))?;
    let v: Value = serde_json::from_str(text).map_err(|_| bad("it is not JSON"))?;
    match v.get("SecretSubType").and_then(Value::as_str) {
        Some("RamUserAccessKey") => {}
        Some(other) => return Err(bad(&format!("SecretSubType `{other}` is not supported"))),
        None => return Err(bad("`SecretSubType` is missing")),
    }
    let user_name = v
        .get("UserName")
        .and_then(Value::as_str)
        .filter(|u| !u.is_empty())
        .ok_or_else(|| bad("`UserName` is missing"))?
        .to_string();
    let custom_data = v.get("CustomData").cloned().unwrap_or_else(|| json!({}));
    if !custom_data.is_object() || custom_data.as_object().is_some_and(|o| o.len() > 10) {
        return Err(bad("`CustomData` must be an object of at most 10 entries"));
    }
    Ok(RamExtended {
        user_name,
        custom_data,
    })
}

fn extended_json(e: &RamExtended) -> String {
    json!({"SecretSubType": "RamUserAccessKey", "UserName": e.user_name, "CustomData": e.custom_data}).to_string()
}

fn role_missing(detail: &str) -> ApiError {
    ApiError::of(crate::codes::FORBIDDEN_NO_PERMISSION,
        format!(
            "Secrets Manager is not authorized to manage AccessKey pairs of RAM users: {detail}. Create the RAM role \
             `{MANAGED_ROLE}` trusted by the Key Management Service (principal `{KMS_SERVICE}`) and attach a policy \
             allowing ram:ListAccessKeys, ram:CreateAccessKey, ram:DeleteAccessKey and ram:UpdateAccessKey (for example \
             `AliyunKMSManagedRAMCrendentialsRolePolicy`), or create the service-linked role `{LINKED_ROLE}` with \
             CreateServiceLinkedRole(ServiceName=ramcredentials.kms.aliyuncs.com)."
        ),
    )
}

/// Seconds to wait before retrying after `failures` failed attempts.
pub fn backoff(failures: i64) -> i64 {
    let exp = failures.clamp(0, 6) as u32;
    (30_i64 * 2_i64.pow(exp)).min(3600)
}

impl Rampart {
    /// Secrets Manager's role session: the first of the two service roles
    /// whose trust policy admits `kms.aliyuncs.com`.
    pub fn secrets_manager_session(&self, session: &str) -> Result<Principal, ApiError> {
        let mut why = Vec::new();
        for role in [MANAGED_ROLE, LINKED_ROLE] {
            match self.assume_role_as_service(KMS_SERVICE, role, session) {
                Ok(p) => return Ok(p),
                Err(e) if e.is(crate::codes::ENTITY_NOT_EXIST_ROLE) => {
                    why.push(format!("role `{role}` does not exist"))
                }
                Err(e) => why.push(format!("role `{role}`: {}", e.message)),
            }
        }
        Err(role_missing(&why.join("; ")))
    }

    /// Authorizes one RAM call of Secrets Manager's role session.
    fn as_service(
        &self,
        session: &Principal,
        action: &str,
        rw: crate::audit::EventRw,
        user: &str,
    ) -> Result<(), ApiError> {
        let resource = format!("acs:ram:*:{}:user/{user}", self.account_id);
        let req = AccessRequest {
            action,
            resource: &resource,
            source_ip: None,
            secure_transport: true,
            extra: None,
            resource_policy: None,
        };
        let decision = self.decide(session, &req)?;
        let denied = (!decision.is_allowed()).then(|| {
            ApiError::of(
                crate::codes::NO_PERMISSION,
                format!("denied: {}", decision.explain()),
            )
        });
        self.record_internal(session, "Ram", action, rw, &resource, denied.as_ref());
        tracing::debug!(principal = %session.arn(), action, resource = %resource, allowed = decision.is_allowed(), "service role call");
        if decision.is_allowed() {
            return Ok(());
        }
        let role = match session {
            Principal::AssumedRole { role_name, .. } => role_name.as_str(),
            _ => "",
        };
        Err(ApiError::of(crate::codes::FORBIDDEN_NO_PERMISSION,
            format!(
                "Secrets Manager's service role `{role}` may not call `{action}` on `{resource}` ({}); add the action to the role's policy.",
                decision.explain()
            ),
        ))
    }

    fn user_key_secret(&self, row: &rampart_store::AccessKeyRow) -> Result<String, ApiError> {
        let plain = open(
            self.keyring.key(Purpose::AccessKeySecret),
            &row.secret_sealed,
            &secret_aad(&row.access_key_id),
        )
        .map_err(ApiError::internal)?;
        String::from_utf8(plain).map_err(ApiError::internal)
    }

    /// Creates a RAM secret after checking the service role and the keys.
    pub fn create_ram_secret(&self, req: CreateSecret) -> Result<SecretCreated, ApiError> {
        let ext = parse_extended(req.extended_config.as_deref())?;
        let name = if req.secret_name == "$Auto" {
            format!("acs/ram/user/{}", ext.user_name)
        } else {
            req.secret_name.clone()
        };
        check_secret_name(&name)?;
        check_version_id(&req.version_id)?;
        if req.secret_data_type.as_deref().is_some_and(|t| t != "text") {
            return Err(ApiError::invalid(
                "SecretDataType",
                "The specified parameter \"SecretDataType\" is not valid: RAM secrets are `text`.",
            ));
        }
        let interval = match req.rotation_interval.as_deref().filter(|s| !s.is_empty()) {
            Some(i) => Some(self.check_rotation_interval(i)?),
            None if req.enable_automatic_rotation => {
                return Err(ApiError::missing("RotationInterval"))
            }
            None => None,
        };
        let session = self.secrets_manager_session("create-ram-secret")?;
        if self
            .store
            .get_user(&ext.user_name)
            .map_err(store_err)?
            .is_none()
        {
            return Err(ApiError::of(
                crate::codes::ENTITY_NOT_EXIST_USER,
                format!(
                    "The user `{}` named in ExtendedConfig does not exist.",
                    ext.user_name
                ),
            ));
        }
        self.as_service(
            &session,
            "ram:ListAccessKeys",
            crate::audit::EventRw::Read,
            &ext.user_name,
        )?;
        let held = self
            .store
            .list_access_keys(&ext.user_name)
            .map_err(store_err)?;
        let given = parse_access_keys(&req.secret_data)?;
        if held.is_empty() {
            return Err(ApiError::invalid(
                "SecretData",
                format!("The specified parameter \"SecretData\" is not valid: user `{}` has no AccessKey; create one first.", ext.user_name),
            ));
        }
        for (id, secret) in &given {
            let row = held.iter().find(|k| &k.access_key_id == id).ok_or_else(|| {
                ApiError::invalid(
                    "SecretData",
                    format!("The specified parameter \"SecretData\" is not valid: `{id}` is not an AccessKey of user `{}`.", ext.user_name),
                )
            })?;
            let real = zeroize::Zeroizing::new(self.user_key_secret(row)?);
            if !ct_eq(real.as_bytes(), secret.as_bytes()) {
                return Err(ApiError::invalid(
                    "SecretData",
                    format!("The specified parameter \"SecretData\" is not valid: the AccessKeySecret given for `{id}` is wrong."),
                ));
            }
        }
        if let Some(missing) = held
            .iter()
            .find(|k| !given.iter().any(|(id, _)| *id == k.access_key_id))
        {
            return Err(ApiError::invalid(
                "SecretData",
                format!(
                    "The specified parameter \"SecretData\" is not valid: give every AccessKey pair of user `{}`; `{}` is missing.",
                    ext.user_name, missing.access_key_id
                ),
            ));
        }
        let (current_id, current_secret) = &given[0];
        let created = held
            .iter()
            .find(|k| &k.access_key_id == current_id)
            .map(|k| k.created_at)
            .unwrap_or_else(|| self.now());
        let value = zeroize::Zeroizing::new(
            json!({"AccessKeyId": current_id, "AccessKeySecret": current_secret, "GenerateTimestamp": ts(created)})
                .to_string(),
        );
        let mut req = req;
        req.secret_data = value.to_string();
        let enabled = req.enable_automatic_rotation;
        self.insert_secret(
            req,
            "RAMCredentials",
            &name,
            "text".into(),
            Some(extended_json(&ext)),
            enabled,
            interval,
        )
    }

    /// Checks a `RotationInterval` against the configured minimum and 8760 h.
    pub fn check_rotation_interval(&self, text: &str) -> Result<i64, ApiError> {
        let i = parse_interval("RotationInterval", text)?;
        let min = i64::try_from(self.settings.min_rotation_interval).unwrap_or(i64::MAX);
        if i < min || i > MAX_ROTATION_INTERVAL {
            return Err(ApiError::invalid(
                "RotationInterval",
                format!(
                    "The specified parameter \"RotationInterval\" is not valid: `{text}` must be between {min}s and {MAX_ROTATION_INTERVAL}s (8760h)."
                ),
            ));
        }
        Ok(i)
    }

    /// The `ExtendedConfig` of a RAM secret's row; other types are refused.
    fn ram_extended(row: &SecretRow) -> Result<RamExtended, ApiError> {
        if row.secret_type != "RAMCredentials" {
            return Err(ApiError::of(crate::codes::REJECTED_UNSUPPORTED_OPERATION,
                "Unsupported operation: only RAM and database secrets are rotated by Secrets Manager; generic secrets are rotated with PutSecretValue.",
            ));
        }
        parse_extended(row.extended_config.as_deref())
    }

    /// The AccessKeyId held by a RAM secret's `ACSCurrent` version.
    fn current_key_id(&self, row: &SecretRow) -> Result<Option<String>, ApiError> {
        let Some(cur) = self
            .store
            .get_secret_version(&row.secret_name, None, Some("ACSCurrent"))
            .map_err(store_err)?
        else {
            return Ok(None);
        };
        let plain = self.open_version(&row.secret_name, &cur.version)?;
        let v: Value = serde_json::from_slice(&plain).map_err(ApiError::internal)?;
        Ok(v.get("AccessKeyId")
            .and_then(Value::as_str)
            .map(str::to_string))
    }

    /// Rotates a RAM secret now (steps 1 and 2). The caller holds the lease.
    fn rotate_now(
        &self,
        row: &SecretRow,
        ext: &RamExtended,
        owner: &str,
        version_id: Option<&str>,
    ) -> Result<String, ApiError> {
        let session = self.secrets_manager_session("rotation")?;
        let user = &ext.user_name;
        self.as_service(
            &session,
            "ram:ListAccessKeys",
            crate::audit::EventRw::Read,
            user,
        )?;
        let held = self.store.list_access_keys(user).map_err(|e| match e {
            StoreError::NotFound(Entity::User) => ApiError::of(crate::codes::ENTITY_NOT_EXIST_USER,
                format!("The RAM user `{user}` of this secret no longer exists; rotation cannot continue."),
            ),
            other => store_err(other),
        })?;
        let current = self.current_key_id(row)?;
        let limit = self.settings.limits.access_keys_per_user;
        if held.len() as u64 >= limit {
            for k in held
                .iter()
                .filter(|k| Some(&k.access_key_id) != current.as_ref())
            {
                self.as_service(
                    &session,
                    "ram:DeleteAccessKey",
                    crate::audit::EventRw::Write,
                    user,
                )?;
                match self.store.delete_access_key(user, &k.access_key_id) {
                    Ok(()) | Err(StoreError::NotFound(Entity::AccessKey)) => {}
                    Err(e) => return Err(store_err(e)),
                }
                tracing::info!(secret = %row.secret_name, principal = %session.arn(), action = "ram:DeleteAccessKey", key = %k.access_key_id, "rotation: deleted the non-current key");
            }
        }
        self.as_service(
            &session,
            "ram:CreateAccessKey",
            crate::audit::EventRw::Write,
            user,
        )?;
        let now = self.now();
        let (key_row, secret) = new_key_row(&self.keyring, Some(user.clone()), now);
        let version_id = version_id
            .map(str::to_string)
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        let value = zeroize::Zeroizing::new(
            json!({"AccessKeyId": key_row.access_key_id, "AccessKeySecret": secret.expose(), "GenerateTimestamp": ts(now)})
                .to_string(),
        );
        let version = self.new_secret_version(row, &version_id, value.as_bytes(), "text")?;
        let grace = i64::try_from(self.settings.rotation_grace_period).unwrap_or(i64::MAX / 4);
        let previous = current.filter(|c| held.iter().any(|k| &k.access_key_id == c));
        self.store
            .commit_rotation(&RotationCommit {
                secret_name: &row.secret_name,
                owner,
                user_name: user,
                key: &key_row,
                max_keys: limit,
                version: &version,
                previous_key_id: previous.as_deref(),
                pending_key_delete_at: now + grace,
                now,
                next_rotation_at: row.rotation_interval.map(|i| now + i),
            })
            .map_err(|e| match e {
                StoreError::Conflict(Entity::Secret) => ApiError::of(
                    crate::codes::REJECTED_RESOURCE_IN_USE,
                    "Another rotation of this secret took over; nothing was changed.",
                ),
                StoreError::Limit(Entity::AccessKey) => store_err_ram(e),
                other => store_err(other),
            })?;
        tracing::info!(secret = %row.secret_name, principal = %session.arn(), action = "ram:CreateAccessKey", key = %key_row.access_key_id, version = %version_id, "rotation: new key is current");
        Ok(version_id)
    }

    /// Ends the grace period of the previous key (step 3).
    fn finish_previous(
        &self,
        row: &SecretRow,
        ext: &RamExtended,
        owner: &str,
    ) -> Result<bool, ApiError> {
        let (Some(prev), Some(at)) = (&row.pending_key_id, row.pending_key_delete_at) else {
            return Ok(false);
        };
        if at > self.now() {
            return Ok(false);
        }
        let session = self.secrets_manager_session("rotation")?;
        self.as_service(
            &session,
            "ram:DeleteAccessKey",
            crate::audit::EventRw::Write,
            &ext.user_name,
        )?;
        self.store
            .finish_rotation(&row.secret_name, owner, &ext.user_name, prev)
            .map_err(store_err)?;
        tracing::info!(secret = %row.secret_name, principal = %session.arn(), action = "ram:DeleteAccessKey", key = %prev, "rotation: grace period over, previous key deleted");
        Ok(true)
    }

    /// `RotateSecret`: rotates a RAM secret immediately.
    pub fn rotate_secret(
        &self,
        name: &SecretName,
        version_id: &str,
    ) -> Result<SecretRotated, ApiError> {
        check_version_id(version_id)?;
        let row = self.secret_row(name)?;
        if row.planned_delete_at.is_some() {
            return Err(super::secrets::in_delete_window());
        }
        if let Some(kind) = super::dbsecret::DbKind::of(&row.secret_type) {
            return self.rotate_db_secret(row, kind, version_id);
        }
        let ext = Self::ram_extended(&row)?;
        let arn = self.secret_arn(&row.secret_name);
        if self
            .store
            .get_secret_version(&row.secret_name, Some(version_id), None)
            .map_err(store_err)?
            .is_some()
        {
            return Ok(SecretRotated {
                arn,
                secret_name: row.secret_name,
                version_id: version_id.to_string(),
            });
        }
        let owner = self.claim_immediate_rotation(&row.secret_name)?;
        let result = self.rotate_now(&row, &ext, &owner, Some(version_id));
        if let Err(e) = &result {
            self.note_failure(&row, &owner, e);
        }
        let _ = self.store.release_rotation(&row.secret_name, &owner);
        result.map(|version_id| SecretRotated {
            arn,
            secret_name: row.secret_name,
            version_id,
        })
    }

    /// A lease on `name`'s rotation for work an API call does itself:
    /// its owner, or `None` while another holds the lease.
    pub(crate) fn claim_api_rotation(&self, name: &str) -> Result<Option<String>, ApiError> {
        let owner = format!("api-{}", uuid::Uuid::new_v4());
        let wall = self.wall_now();
        let claimed = self
            .store
            .claim_rotation(name, wall, &owner, wall + LEASE_SECS)
            .map_err(store_err)?;
        Ok(claimed.then_some(owner))
    }

    /// [`Self::claim_api_rotation`] for `RotateSecret`: a rotation in
    /// progress refuses it.
    pub(crate) fn claim_immediate_rotation(&self, name: &str) -> Result<String, ApiError> {
        self.claim_api_rotation(name)?.ok_or_else(|| {
            ApiError::of(
                crate::codes::REJECTED_RESOURCE_IN_USE,
                "A rotation of this secret is in progress; the immediate rotation did not take effect. Try again shortly.",
            )
        })
    }

    fn note_failure(&self, row: &SecretRow, owner: &str, e: &ApiError) {
        let retry = self.now() + backoff(row.rotation_failures);
        tracing::warn!(secret = %row.secret_name, code = %e.code, error = %e.message, retry_at = %ts(retry), "rotation failed; the current key stays current");
        if let Err(err) = self.store.record_rotation_failure(
            &row.secret_name,
            owner,
            &format!("{}: {}", e.code, e.message),
            retry,
        ) {
            tracing::warn!(secret = %row.secret_name, error = %err, "could not record the rotation failure");
        }
    }

    /// `UpdateSecretRotationPolicy`: effective from the next due time.
    pub fn update_secret_rotation_policy(
        &self,
        name: &SecretName,
        enable: bool,
        interval: Option<&str>,
    ) -> Result<SecretNamed, ApiError> {
        let mut row = self.secret_row(name)?;
        if super::dbsecret::DbKind::of(&row.secret_type).is_none() {
            Self::ram_extended(&row)?;
        }
        let now = self.now();
        if enable {
            let i = match interval.filter(|s| !s.is_empty()) {
                Some(t) => self.check_rotation_interval(t)?,
                None => row
                    .rotation_interval
                    .ok_or_else(|| ApiError::missing("RotationInterval"))?,
            };
            row.rotation_enabled = true;
            row.rotation_interval = Some(i);
            row.next_rotation_at =
                Some((row.last_rotation_at.unwrap_or(row.created_at) + i).max(now));
        } else {
            row.rotation_enabled = false;
            if let Some(t) = interval.filter(|s| !s.is_empty()) {
                row.rotation_interval = Some(self.check_rotation_interval(t)?);
            }
            row.next_rotation_at = None;
        }
        row.updated_at = now;
        self.store.update_secret(&row).map_err(store_err)?;
        Ok(SecretNamed {
            secret_name: row.secret_name,
        })
    }

    /// Runs the rotation work that is due: new keys for due secrets, old
    /// keys deleted when their grace period ends. Returns (rotated, finished, failed).
    pub fn run_due_rotations(
        &self,
        owner: &str,
        batch: u32,
    ) -> Result<(usize, usize, usize), ApiError> {
        let (mut rotated, mut finished, mut failed) = (0, 0, 0);
        loop {
            // Work is due by the domain's clock; leases bound real work and
            // run on the wall clock.
            let now = self.now();
            let wall = self.wall_now();
            let names = self
                .store
                .claim_due_rotations(now, wall, owner, wall + LEASE_SECS, batch)
                .map_err(store_err)?;
            if names.is_empty() {
                break;
            }
            let count = names.len();
            // Several at a time: a database secret's rotation mostly waits
            // for its database.
            let next = std::sync::atomic::AtomicUsize::new(0);
            let threads = ROTATION_THREADS.min(count);
            let results: Vec<(usize, usize, usize)> = std::thread::scope(|scope| {
                let workers: Vec<_> = (0..threads)
                    .map(|_| {
                        scope.spawn(|| {
                            let mut tally = (0, 0, 0);
                            loop {
                                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                                let Some(name) = names.get(i) else { break };
                                match self.work_on(name, owner) {
                                    Ok((r, f)) => {
                                        tally.0 += usize::from(r);
                                        tally.1 += usize::from(f);
                                    }
                                    Err(_) => tally.2 += 1,
                                }
                                let _ = self.store.release_rotation(name, owner);
                            }
                            tally
                        })
                    })
                    .collect();
                workers
                    .into_iter()
                    .map(|w| w.join().unwrap_or((0, 0, 1)))
                    .collect()
            });
            for (r, f, x) in results {
                rotated += r;
                finished += f;
                failed += x;
            }
            if count < batch as usize {
                break;
            }
        }
        Ok((rotated, finished, failed))
    }

    fn work_on(&self, name: &str, owner: &str) -> Result<(bool, bool), ApiError> {
        let row = self
            .store
            .get_secret(name)
            .map_err(store_err)?
            .ok_or_else(resource_not_found)?;
        if let Some(kind) = super::dbsecret::DbKind::of(&row.secret_type) {
            let result = self.rotate_db_now(&row, kind, owner, None);
            if let Err(e) = &result {
                self.note_db_failure(&row, owner, e);
            }
            return result.map(|_| (true, false));
        }
        let result = (|| {
            let ext = parse_extended(row.extended_config.as_deref())?;
            let finished = self.finish_previous(&row, &ext, owner)?;
            let row = if finished {
                self.store
                    .get_secret(name)
                    .map_err(store_err)?
                    .ok_or_else(resource_not_found)?
            } else {
                row.clone()
            };
            let now = self.now();
            let due = row.rotation_enabled && row.next_rotation_at.is_some_and(|t| t <= now);
            let retry =
                row.rotation_failures > 0 && row.rotation_retry_at.is_some_and(|t| t <= now);
            let rotated = if due || retry {
                self.rotate_now(&row, &ext, owner, None)?;
                true
            } else {
                false
            };
            Ok((rotated, finished))
        })();
        if let Err(e) = &result {
            self.note_failure(&row, owner, e);
        }
        result
    }

    /// The rotation state of a RAM secret, for DescribeSecret.
    pub(crate) fn rotation_state(row: &SecretRow) -> RotationState {
        let failed = row.rotation_failures > 0;
        RotationState {
            rotation_status: if failed { "Failed" } else { "Normal" },
            last_rotation_error: row.rotation_error.clone().filter(|_| failed),
            next_retry_date: row.rotation_retry_at.filter(|_| failed).map(ts),
            previous_key_delete_date: row.pending_key_delete_at.map(ts),
        }
    }
}

fn store_err_ram(e: StoreError) -> ApiError {
    crate::ram::store_err(e)
}

/// Parses `{"AccessKeys":[{"AccessKeyId","AccessKeySecret"}]}` (first is current).
fn parse_access_keys(data: &str) -> Result<Vec<(String, String)>, ApiError> {
    let bad = |why: &str| {
        ApiError::invalid(
            "SecretData",
            format!("The specified parameter \"SecretData\" is not valid: {why}; write `{{\"AccessKeys\":[{{\"AccessKeyId\":\"…\",\"AccessKeySecret\":\"…\"}}]}}`."),
        )
    };
    let v: Value = serde_json::from_str(data).map_err(|_| bad("it is not JSON"))?;
    let keys = v
        .get("AccessKeys")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("`AccessKeys` is missing"))?;
    if keys.is_empty() || keys.len() > 2 {
        return Err(bad("give one or two AccessKey pairs"));
    }
    keys.iter()
        .map(|k| {
            let id = k
                .get("AccessKeyId")
                .and_then(Value::as_str)
                .ok_or_else(|| bad("an `AccessKeyId` is missing"))?;
            let s = k
                .get("AccessKeySecret")
                .and_then(Value::as_str)
                .ok_or_else(|| bad("an `AccessKeySecret` is missing"))?;
            Ok((id.to_string(), s.to_string()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parsing_and_backoff() {
        assert!(parse_extended(Some(
            r#"{"SecretSubType":"RamUserAccessKey","UserName":"alice"}"#
        ))
        .is_ok());
        assert!(parse_extended(Some(r#"{"SecretSubType":"Other","UserName":"alice"}"#)).is_err());
        assert!(parse_extended(Some(r#"{"SecretSubType":"RamUserAccessKey"}"#)).is_err());
        assert_eq!(
            parse_access_keys(r#"{"AccessKeys":[{"AccessKeyId":"a","AccessKeySecret":"b"}]}"#)
                .unwrap()
                .len(),
            1
        );
        assert!(parse_access_keys(r#"{"AccessKeys":[]}"#).is_err());
        assert_eq!(backoff(0), 30);
        assert_eq!(backoff(1), 60);
        assert_eq!(backoff(20), 1920);
    }
}
