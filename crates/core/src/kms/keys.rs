//! KMS keys: lifecycle, aliases, rotation, and cryptographic operations.

use super::views::{
    AliasView, Ciphertext, KeyEntry, KeyMetadata, KeyVersionView, Plaintext, ReEncrypted,
};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use rampart_store::{AliasRow, KeyRow};

use super::crypto::Blob;
use super::{key_not_found, store_err};
use crate::time::format as ts;
use crate::{ApiError, Rampart};

/// A KMS key's id as stored. The gateway makes one where it resolves the
/// key a request names (an id, an alias or the ARN of either) and hands it
/// down; the methods that act on an existing key take it and resolve
/// nothing again.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct KeyId(String);

impl KeyId {
    /// The id of a key as read from the store.
    pub fn of(row: &KeyRow) -> Self {
        Self(row.key_id.clone())
    }

    /// The id of a key as the store keeps it (in a row that refers to the
    /// key).
    pub(crate) fn stored(id: &str) -> Self {
        Self(id.to_string())
    }
}

text_newtype!(KeyId);

/// Most keys per account.
pub const MAX_KEYS: u64 = 1000;

/// `CreateKey` input.
#[derive(Debug, Default)]
pub struct CreateKey {
    /// Description (≤ 8192).
    pub description: Option<String>,
    /// `Aliyun_AES_256` (default).
    pub key_spec: Option<String>,
    /// `ENCRYPT/DECRYPT` (default).
    pub key_usage: Option<String>,
    /// `Aliyun_KMS` (default).
    pub origin: Option<String>,
    /// Enable automatic rotation.
    pub enable_automatic_rotation: bool,
    /// Rotation period, e.g. `365d`.
    pub rotation_interval: Option<String>,
    /// Tags.
    pub tags: Vec<(String, String)>,
    /// The key policy (the default one if absent).
    pub policy: Option<String>,
}

/// Parses `<n><d|h|m|s>` into seconds.
pub fn parse_interval(param: &str, s: &str) -> Result<i64, ApiError> {
    let s = s.trim();
    let bad = || {
        ApiError::invalid(
            param,
            format!("The specified parameter \"{param}\" is not valid: `{s}` must be a number and a unit, like `7d`, `6h` or `604800s`."),
        )
    };
    let split = s.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
    let (n, unit) = s.split_at(split);
    let n: i64 = n.parse().map_err(|_| bad())?;
    let mult = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86400,
        _ => return Err(bad()),
    };
    n.checked_mul(mult).ok_or_else(bad)
}

fn alias_name(param: &str, a: &str) -> Result<(), ApiError> {
    let ok = a.starts_with("alias/")
        && a.len() > 6
        && a.len() <= 255
        && !a.starts_with("alias/acs")
        && a.chars()
            .all(|c| c.is_ascii_alphanumeric() || ":/_-".contains(c));
    if ok {
        Ok(())
    } else {
        Err(ApiError::invalid(
            param,
            format!("The specified parameter \"{param}\" is not valid: `{a}` must be `alias/` and 1 to 249 letters, digits, `:`, `/`, `_` or `-`, and not start with `alias/acs`."),
        ))
    }
}

/// Versions a key may have through `CreateKeyVersion` (the real KMS's
/// limit); automatic rotation is not bounded by it.
pub const MAX_KEY_VERSIONS: u64 = 50;

impl Rampart {
    /// `acs:kms:<region>:<uid>:key/<id>`.
    pub fn key_arn(&self, key_id: &str) -> String {
        format!(
            "acs:kms:{}:{}:key/{key_id}",
            self.settings.region, self.account_id
        )
    }

    /// Resolves a key named outside a request (a seed file's
    /// `EncryptionKeyId`): a key id, an alias (`alias/…`), or an ARN of
    /// either in this account and region; an error if there is no such key.
    /// Requests name keys through the gateway's resolver instead.
    pub fn resolve_key(&self, key_ref: &str) -> Result<KeyRow, ApiError> {
        self.find_key(key_ref)?.ok_or_else(|| {
            if key_ref.starts_with("alias/") || key_ref.contains(":alias/") {
                store_err(rampart_store::StoreError::NotFound(
                    rampart_store::Entity::Alias,
                ))
            } else {
                key_not_found()
            }
        })
    }

    /// A key by its id (read through the cache of store reads).
    pub(crate) fn key_by_id(&self, key_id: &str) -> Result<std::sync::Arc<KeyRow>, ApiError> {
        self.reads
            .keys
            .get_or_load(self.store.generation(), key_id, || {
                Ok(self
                    .store
                    .get_key(key_id)
                    .map_err(store_err)?
                    .map(std::sync::Arc::new))
            })?
            .ok_or_else(key_not_found)
    }

    /// A key as stored.
    pub fn key_row(&self, key_id: &KeyId) -> Result<KeyRow, ApiError> {
        Ok(self.key_by_id(key_id)?.as_ref().clone())
    }

    /// A key that may be used for cryptography now.
    pub fn usable_key(&self, key_id: &KeyId) -> Result<KeyRow, ApiError> {
        let k = self.key_row(key_id)?;
        check_usable(&k, self.now())?;
        Ok(k)
    }

    /// `KeyMetadata` of a key.
    pub fn key_metadata(&self, k: &KeyRow) -> KeyMetadata {
        let enabled = |on: bool| if on { "Enabled" } else { "Disabled" };
        KeyMetadata {
            key_id: k.key_id.clone(),
            arn: self.key_arn(&k.key_id),
            description: k.description.clone(),
            key_spec: k.key_spec.clone(),
            key_usage: k.key_usage.clone(),
            key_state: effective_state(k, self.now()).to_string(),
            origin: k.origin.clone(),
            protection_level: k.protection_level.clone(),
            creator: k.creator.clone(),
            creation_date: ts(k.created_at),
            primary_key_version: k.primary_version.clone(),
            last_rotation_date: ts(k.last_rotation_at),
            automatic_rotation: enabled(k.rotation_interval.is_some()),
            rotation_interval: k.rotation_interval.map(|i| format!("{i}s")),
            next_rotation_date: k.rotation_interval.and(k.next_rotation_at).map(ts),
            delete_date: k.delete_at.map(ts),
            deletion_protection: enabled(k.deletion_protection),
            deletion_protection_description: k.deletion_protection_description.clone(),
            material_expire_time: k.material_expire_at.map(ts).unwrap_or_default(),
        }
    }

    /// Creates a key (symmetric, or asymmetric with its first key pair).
    pub fn create_key(&self, req: CreateKey) -> Result<KeyRow, ApiError> {
        let (spec, usage) = super::asym::spec_and_usage(req.key_spec, req.key_usage)?;
        let origin = req.origin.unwrap_or_else(|| "Aliyun_KMS".into());
        let external = match origin.as_str() {
            "Aliyun_KMS" => false,
            "EXTERNAL" if rampart_crypto::asym::AsymSpec::parse(&spec).is_none() => true,
            "EXTERNAL" => {
                return Err(ApiError::of(crate::codes::UNSUPPORTED_ORIGIN,
                    "Importing asymmetric key material is not supported here; import material into Aliyun_AES_256 or Aliyun_SM4 keys.",
                ))
            }
            _ => {
                return Err(ApiError::invalid(
                    "Origin",
                    format!("The specified parameter \"Origin\" is not valid: `{origin}`; use Aliyun_KMS or EXTERNAL."),
                ))
            }
        };
        if external && req.enable_automatic_rotation {
            return Err(ApiError::invalid(
                "EnableAutomaticRotation",
                "The specified parameter \"EnableAutomaticRotation\" is not valid: keys with imported material do not rotate.",
            ));
        }
        if let Some(p) = &req.policy {
            super::keypolicy::check_resource_policy(&self.account_id, p)?;
        }
        let description = req.description.unwrap_or_default();
        if description.chars().count() > 8192 {
            return Err(ApiError::invalid(
                "Description",
                "The specified parameter \"Description\" is not valid: at most 8192 characters.",
            ));
        }
        let now = self.now();
        let asymmetric = rampart_crypto::asym::AsymSpec::parse(&spec).is_some();
        if asymmetric && req.enable_automatic_rotation {
            return Err(ApiError::invalid(
                "EnableAutomaticRotation",
                "The specified parameter \"EnableAutomaticRotation\" is not valid: asymmetric keys do not rotate automatically; create versions with CreateKeyVersion.",
            ));
        }
        let interval = if req.enable_automatic_rotation {
            let i = parse_interval(
                "RotationInterval",
                req.rotation_interval.as_deref().unwrap_or("365d"),
            )?;
            check_key_interval(i)?;
            Some(i)
        } else {
            None
        };
        let key_id = uuid::Uuid::new_v4().to_string();
        let version = if external {
            rampart_store::KeyVersionRow {
                version_id: uuid::Uuid::new_v4().to_string(),
                material_sealed: Vec::new(),
                created_at: now,
            }
        } else {
            self.new_key_version(&key_id, &spec, &usage, now)?
        };
        let row = KeyRow {
            key_id: key_id.clone(),
            description,
            key_spec: spec,
            key_usage: usage,
            origin,
            protection_level: "SOFTWARE".into(),
            key_state: if external { "PendingImport" } else { "Enabled" }.into(),
            creator: self.account_id.clone(),
            created_at: now,
            delete_at: None,
            deletion_protection: false,
            deletion_protection_description: String::new(),
            rotation_interval: interval,
            next_rotation_at: interval.map(|i| now + i),
            last_rotation_at: now,
            primary_version: version.version_id.clone(),
            is_default: false,
            policy: req.policy,
            material_expire_at: None,
            material_digest: None,
        };
        super::tags::check_tags(&req.tags)?;
        self.store
            .create_key(&row, &version, &req.tags, MAX_KEYS)
            .map_err(store_err)?;
        Ok(row)
    }

    /// The account default key (created on first use) for secrets.
    pub fn default_key(&self) -> Result<KeyRow, ApiError> {
        let now = self.now();
        let key_id = uuid::Uuid::new_v4().to_string();
        let version = self.new_key_version(&key_id, "Aliyun_AES_256", "ENCRYPT/DECRYPT", now)?;
        let candidate = KeyRow {
            key_id,
            description: "Default key of Secrets Manager for secrets without an EncryptionKeyId."
                .into(),
            key_spec: "Aliyun_AES_256".into(),
            key_usage: "ENCRYPT/DECRYPT".into(),
            origin: "Aliyun_KMS".into(),
            protection_level: "SOFTWARE".into(),
            key_state: "Enabled".into(),
            creator: "kms.aliyuncs.com".into(),
            created_at: now,
            last_rotation_at: now,
            primary_version: version.version_id.clone(),
            is_default: true,
            ..Default::default()
        };
        self.store
            .ensure_default_key(&candidate, &version)
            .map_err(store_err)
    }

    /// Lists keys: `Keys{Key[{KeyId, KeyArn}]}`, paged.
    pub fn list_keys(&self, page: u64, size: u32) -> Result<(Vec<KeyEntry>, u64), ApiError> {
        let (rows, total) = self
            .store
            .list_keys((page - 1) * u64::from(size), size)
            .map_err(store_err)?;
        Ok((
            rows.iter()
                .map(|k| KeyEntry {
                    key_id: k.key_id.clone(),
                    key_arn: self.key_arn(&k.key_id),
                })
                .collect(),
            total,
        ))
    }

    fn save_key(&self, k: &KeyRow) -> Result<(), ApiError> {
        self.store.update_key(k).map_err(store_err)
    }

    /// Changes a key's description.
    pub fn update_key_description(
        &self,
        key_id: &KeyId,
        description: &str,
    ) -> Result<(), ApiError> {
        let mut k = self.key_row(key_id)?;
        k.description = description.to_string();
        self.save_key(&k)
    }

    /// Enables or disables a key.
    pub fn set_key_enabled(&self, key_id: &KeyId, enabled: bool) -> Result<(), ApiError> {
        let mut k = self.key_row(key_id)?;
        if k.key_state == "PendingDeletion" {
            return Err(pending_deletion());
        }
        if effective_state(&k, self.now()) == "PendingImport" {
            return Err(pending_import());
        }
        k.key_state = if enabled { "Enabled" } else { "Disabled" }.into();
        self.save_key(&k)
    }

    /// Schedules a key's deletion in 7–366 days.
    pub fn schedule_key_deletion(&self, key_id: &KeyId, days: i64) -> Result<(), ApiError> {
        if !(7..=366).contains(&days) {
            return Err(ApiError::invalid(
                "PendingWindowInDays",
                format!("The specified parameter \"PendingWindowInDays\" is not valid: {days} must be 7 to 366."),
            ));
        }
        let mut k = self.key_row(key_id)?;
        if k.deletion_protection {
            return Err(ApiError::of(crate::codes::FORBIDDEN_DELETION_PROTECTION,
                "The key is protected from deletion; turn deletion protection off first (SetDeletionProtection).",
            ));
        }
        if k.is_default {
            return Err(ApiError::of(
                crate::codes::REJECTED_UNSUPPORTED_OPERATION,
                "The Secrets Manager default key cannot be deleted.",
            ));
        }
        k.key_state = "PendingDeletion".into();
        k.delete_at = Some(self.now() + days * 86400);
        self.save_key(&k)
    }

    /// Cancels a scheduled deletion; the key is enabled again.
    pub fn cancel_key_deletion(&self, key_id: &KeyId) -> Result<(), ApiError> {
        let mut k = self.key_row(key_id)?;
        if k.key_state != "PendingDeletion" {
            return Err(ApiError::of(
                crate::codes::REJECTED_STATE_MODIFIED_FAILED,
                "Keystate modified failed: the key is not pending deletion.",
            ));
        }
        k.key_state = "Enabled".into();
        k.delete_at = None;
        self.save_key(&k)
    }

    /// Turns deletion protection on or off.
    pub fn set_deletion_protection(
        &self,
        key_id: &KeyId,
        on: bool,
        description: Option<&str>,
    ) -> Result<(), ApiError> {
        let mut k = self.key_row(key_id)?;
        k.deletion_protection = on;
        k.deletion_protection_description = if on {
            description.unwrap_or_default().to_string()
        } else {
            String::new()
        };
        self.save_key(&k)
    }

    /// Sets the automatic rotation policy.
    pub fn update_rotation_policy(
        &self,
        key_id: &KeyId,
        enable: bool,
        interval: Option<&str>,
    ) -> Result<(), ApiError> {
        let mut k = self.key_row(key_id)?;
        if enable && rampart_crypto::asym::AsymSpec::parse(&k.key_spec).is_some() {
            return Err(super::asym::not_for_spec(&k.key_spec));
        }
        if enable {
            let i = parse_interval(
                "RotationInterval",
                interval.ok_or_else(|| ApiError::missing("RotationInterval"))?,
            )?;
            check_key_interval(i)?;
            k.rotation_interval = Some(i);
            k.next_rotation_at = Some(k.last_rotation_at + i);
        } else {
            k.rotation_interval = None;
            k.next_rotation_at = None;
        }
        self.save_key(&k)
    }

    /// `CreateKeyVersion`: a new primary version (manual rotation); old
    /// versions still decrypt. At most [`MAX_KEY_VERSIONS`] per key, as the
    /// real KMS allows.
    pub fn create_key_version(&self, key_id: &KeyId) -> Result<KeyVersionView, ApiError> {
        let mut k = self.usable_key(key_id)?;
        if k.origin == "EXTERNAL" {
            return Err(super::asym::not_for_spec(&k.key_spec));
        }
        let now = self.now();
        // Counted before the costly key generation, and again where the
        // version is added (the store's transaction decides).
        let existing = self.store.list_key_versions(&k.key_id).map_err(store_err)?;
        if existing.len() as u64 >= MAX_KEY_VERSIONS {
            return Err(store_err(rampart_store::StoreError::Limit(
                rampart_store::Entity::KeyVersion,
            )));
        }
        let v = self.new_key_version(&k.key_id, &k.key_spec, &k.key_usage, now)?;
        self.store
            .add_key_version_within(&k.key_id, &v, MAX_KEY_VERSIONS)
            .map_err(store_err)?;
        if let Some(i) = k.rotation_interval {
            k.last_rotation_at = now;
            k.next_rotation_at = Some(now + i);
            self.save_key(&k)?;
        }
        Ok(KeyVersionView {
            key_id: k.key_id,
            key_version_id: v.version_id,
            creation_date: ts(now),
        })
    }

    /// Rotates every key whose automatic rotation is due; returns how many.
    pub fn rotate_due_keys(&self) -> Result<usize, ApiError> {
        let now = self.now();
        let mut n = 0;
        let mut page = 0;
        loop {
            let (rows, _) = self.store.list_keys(page * 100, 100).map_err(store_err)?;
            if rows.is_empty() {
                break;
            }
            for k in rows.iter().filter(|k| {
                k.key_state == "Enabled" && k.next_rotation_at.is_some_and(|t| t <= now)
            }) {
                self.create_key_version(&KeyId::of(k))?;
                n += 1;
            }
            page += 1;
        }
        Ok(n)
    }

    /// A key's versions, paged.
    pub fn list_key_versions(
        &self,
        key_id: &KeyId,
        page: u64,
        size: u32,
    ) -> Result<(Vec<KeyVersionView>, u64), ApiError> {
        let k = self.key_row(key_id)?;
        let all = self.store.list_key_versions(&k.key_id).map_err(store_err)?;
        let total = all.len() as u64;
        let start = usize::try_from((page - 1) * u64::from(size)).unwrap_or(usize::MAX);
        Ok((
            all.iter()
                .skip(start)
                .take(size as usize)
                .map(|v| KeyVersionView {
                    key_id: k.key_id.clone(),
                    key_version_id: v.version_id.clone(),
                    creation_date: ts(v.created_at),
                })
                .collect(),
            total,
        ))
    }

    /// One key version.
    pub fn describe_key_version(
        &self,
        key_id: &KeyId,
        version_id: &str,
    ) -> Result<KeyVersionView, ApiError> {
        let k = self.key_row(key_id)?;
        let v = self
            .store
            .get_key_version(&k.key_id, version_id)
            .map_err(store_err)?
            .ok_or_else(|| {
                ApiError::of(
                    crate::codes::FORBIDDEN_KEY_VERSION_NOT_FOUND,
                    "The specified Key version is not found.",
                )
            })?;
        Ok(KeyVersionView {
            key_id: k.key_id,
            key_version_id: v.version_id,
            creation_date: ts(v.created_at),
        })
    }

    /// Creates an alias for a key.
    pub fn create_alias(&self, alias: &str, key_id: &KeyId) -> Result<(), ApiError> {
        alias_name("AliasName", alias)?;
        let k = self.key_row(key_id)?;
        let now = self.now();
        self.store
            .create_alias(&AliasRow {
                alias_name: alias.to_string(),
                key_id: k.key_id,
                created_at: now,
                updated_at: now,
            })
            .map_err(store_err)
    }

    /// Points an alias at another key.
    pub fn update_alias(&self, alias: &str, key_id: &KeyId) -> Result<(), ApiError> {
        alias_name("AliasName", alias)?;
        let k = self.key_row(key_id)?;
        self.store
            .update_alias(alias, &k.key_id, self.now())
            .map_err(store_err)
    }

    /// Deletes an alias.
    pub fn delete_alias(&self, alias: &str) -> Result<(), ApiError> {
        alias_name("AliasName", alias)?;
        self.store.delete_alias(alias).map_err(store_err)
    }

    /// Aliases (all, or of one key), paged.
    pub fn list_aliases(
        &self,
        key_id: Option<&KeyId>,
        page: u64,
        size: u32,
    ) -> Result<(Vec<AliasView>, u64), ApiError> {
        let (rows, total) = self
            .store
            .list_aliases(
                key_id.map(KeyId::as_str),
                (page - 1) * u64::from(size),
                size,
            )
            .map_err(store_err)?;
        Ok((
            rows.iter()
                .map(|a| AliasView {
                    alias_name: a.alias_name.clone(),
                    key_id: a.key_id.clone(),
                    alias_arn: format!(
                        "acs:kms:{}:{}:{}",
                        self.settings.region, self.account_id, a.alias_name
                    ),
                })
                .collect(),
            total,
        ))
    }

    /// Encrypts a plaintext string; `Decrypt` returns exactly that string.
    pub fn encrypt(
        &self,
        key_id: &KeyId,
        plaintext: &str,
        ctx: &[(String, String)],
    ) -> Result<Ciphertext, ApiError> {
        if plaintext.len() > 6144 {
            return Err(ApiError::invalid(
                "Plaintext",
                "The specified parameter \"Plaintext\" is not valid: at most 6144 bytes.",
            ));
        }
        let k = self.usable_key(key_id)?;
        let blob = self.encrypt_blob(&k, plaintext.as_bytes(), ctx)?;
        Ok(Ciphertext {
            ciphertext_blob: blob,
            key_id: k.key_id,
            key_version_id: k.primary_version,
            plaintext: None,
        })
    }

    /// The blob, checked to be made under `key_id` (the key authorized).
    fn blob_of(key_id: &str, blob: &str) -> Result<Blob, ApiError> {
        let b = Blob::decode(blob)?;
        if b.key_id != key_id {
            return Err(ApiError::internal(
                "the blob's key is not the key authorized",
            ));
        }
        Ok(b)
    }

    /// Decrypts a blob made by Encrypt / GenerateDataKey / ReEncrypt under
    /// `key_id`.
    pub fn decrypt(
        &self,
        key_id: &KeyId,
        blob: &str,
        ctx: &[(String, String)],
    ) -> Result<Plaintext, ApiError> {
        let b = Self::blob_of(key_id, blob)?;
        let k = self.key_by_id(&b.key_id)?;
        check_usable(&k, self.now())?;
        let plain = zeroize::Zeroizing::new(self.decrypt_blob(&k.key_spec, &b, ctx)?);
        let text = String::from_utf8(plain.to_vec())
            .map_err(|_| ApiError::internal("decrypted text is not UTF-8"))?;
        Ok(Plaintext {
            plaintext: text,
            key_id: k.key_id.clone(),
            key_version_id: b.key_version_id,
        })
    }

    /// A fresh data key, returned in plaintext (base64) and encrypted.
    pub fn generate_data_key(
        &self,
        key_id: &KeyId,
        key_spec: Option<&str>,
        bytes: Option<u32>,
        ctx: &[(String, String)],
        with_plaintext: bool,
    ) -> Result<Ciphertext, ApiError> {
        let n = match (bytes, key_spec) {
            (Some(n), _) if (1..=1024).contains(&n) => n as usize,
            (Some(n), _) => {
                return Err(ApiError::invalid(
                    "NumberOfBytes",
                    format!("The specified parameter \"NumberOfBytes\" is not valid: {n} must be 1 to 1024."),
                ))
            }
            (None, None | Some("AES_256")) => 32,
            (None, Some("AES_128")) => 16,
            (None, Some(other)) => {
                return Err(ApiError::invalid(
                    "KeySpec",
                    format!("The specified parameter \"KeySpec\" is not valid: `{other}` must be `AES_256` or `AES_128`."),
                ))
            }
        };
        let k = self.usable_key(key_id)?;
        let mut dk = vec![0u8; n];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut dk);
        let dk = zeroize::Zeroizing::new(dk);
        let plaintext = zeroize::Zeroizing::new(STANDARD.encode(dk.as_slice()));
        let blob = self.encrypt_blob(&k, plaintext.as_bytes(), ctx)?;
        Ok(Ciphertext {
            ciphertext_blob: blob,
            key_id: k.key_id,
            key_version_id: k.primary_version,
            plaintext: with_plaintext.then(|| plaintext.to_string()),
        })
    }

    /// Decrypts under the source key and encrypts under the destination key.
    pub fn re_encrypt(
        &self,
        source_key_id: &KeyId,
        blob: &str,
        dest_key_id: &KeyId,
        src_ctx: &[(String, String)],
        dest_ctx: &[(String, String)],
    ) -> Result<ReEncrypted, ApiError> {
        let b = Self::blob_of(source_key_id, blob)?;
        let src = self.key_by_id(&b.key_id)?;
        check_usable(&src, self.now())?;
        let plain = zeroize::Zeroizing::new(self.decrypt_blob(&src.key_spec, &b, src_ctx)?);
        let dest = self.usable_key(dest_key_id)?;
        let out = self.encrypt_blob(&dest, &plain, dest_ctx)?;
        Ok(ReEncrypted {
            ciphertext_blob: out,
            key_id: dest.key_id,
            key_version_id: dest.primary_version,
            source_key_id: src.key_id.clone(),
            source_key_version_id: b.key_version_id,
        })
    }
}

fn pending_deletion() -> ApiError {
    ApiError::of(
        crate::codes::REJECTED_PENDING_DELETION,
        "The request was rejected because the key state is PendingDeletion.",
    )
}

/// The state a key is in now: imported material past its expiry leaves the
/// key `PendingImport`.
pub(crate) fn effective_state(k: &KeyRow, now: i64) -> &str {
    match k.material_expire_at {
        Some(t) if t <= now && k.key_state != "PendingDeletion" => "PendingImport",
        _ => &k.key_state,
    }
}

fn pending_import() -> ApiError {
    ApiError::of(crate::codes::REJECTED_PENDING_IMPORT,
        "The request was rejected because the key state is PendingImport: import its key material first (GetParametersForImport, ImportKeyMaterial).",
    )
}

/// Refuses a key that is disabled, pending deletion, or without material.
pub(crate) fn check_usable(k: &KeyRow, now: i64) -> Result<(), ApiError> {
    match effective_state(k, now) {
        "Enabled" => Ok(()),
        "PendingImport" => Err(pending_import()),
        "PendingDeletion" => Err(pending_deletion()),
        _ => Err(ApiError::of(
            crate::codes::REJECTED_DISABLED,
            "The request was rejected because the key state is Disabled.",
        )),
    }
}

fn check_key_interval(i: i64) -> Result<(), ApiError> {
    if (7 * 86400..=730 * 86400).contains(&i) {
        Ok(())
    } else {
        Err(ApiError::invalid(
            "RotationInterval",
            format!("The specified parameter \"RotationInterval\" is not valid: {i}s must be 7 to 730 days."),
        ))
    }
}

/// Generates a random password (`GetRandomPassword`).
pub fn random_password(
    length: Option<u32>,
    exclude_characters: &str,
    exclude_lowercase: bool,
    exclude_uppercase: bool,
    exclude_numbers: bool,
    exclude_punctuation: bool,
    require_each: bool,
) -> Result<String, ApiError> {
    use rand::seq::SliceRandom;
    use rand::Rng;
    let len = length.unwrap_or(32) as usize;
    if !(8..=128).contains(&len) {
        return Err(ApiError::invalid(
            "PasswordLength",
            format!(
                "The specified parameter \"PasswordLength\" is not valid: {len} must be 8 to 128."
            ),
        ));
    }
    let classes: Vec<Vec<char>> = [
        (!exclude_lowercase).then(|| ('a'..='z').collect::<Vec<_>>()),
        (!exclude_uppercase).then(|| ('A'..='Z').collect()),
        (!exclude_numbers).then(|| ('0'..='9').collect()),
        (!exclude_punctuation).then(|| "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~".chars().collect()),
    ]
    .into_iter()
    .flatten()
    .map(|c: Vec<char>| {
        c.into_iter()
            .filter(|ch| !exclude_characters.contains(*ch))
            .collect::<Vec<_>>()
    })
    .filter(|c| !c.is_empty())
    .collect();
    if classes.is_empty() {
        return Err(ApiError::invalid(
            "ExcludeCharacters",
            "Every character class is excluded; nothing is left to build a password from.",
        ));
    }
    let all: Vec<char> = classes.iter().flatten().copied().collect();
    let mut rng = rand::rngs::OsRng;
    let mut out: Vec<char> = Vec::with_capacity(len);
    if require_each {
        for c in &classes {
            out.push(c[rng.gen_range(0..c.len())]);
        }
    }
    while out.len() < len {
        out.push(all[rng.gen_range(0..all.len())]);
    }
    out.shuffle(&mut rng);
    Ok(out.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_and_passwords() {
        assert_eq!(parse_interval("R", "7d").unwrap(), 604800);
        assert_eq!(parse_interval("R", "604800s").unwrap(), 604800);
        assert!(parse_interval("R", "7w").is_err());
        assert!(parse_interval("R", "d").is_err());
        let p = random_password(Some(20), "", false, false, false, true, true).unwrap();
        assert_eq!(p.len(), 20);
        assert!(p.chars().all(|c| c.is_ascii_alphanumeric()));
        assert!(p.chars().any(|c| c.is_ascii_digit()));
        assert!(random_password(Some(4), "", false, false, false, false, false).is_err());
        assert!(random_password(None, "", true, true, true, true, false).is_err());
        assert!(alias_name("A", "alias/my-key").is_ok());
        assert!(alias_name("A", "alias/acs/x").is_err());
        assert!(alias_name("A", "my-key").is_err());
    }
}
