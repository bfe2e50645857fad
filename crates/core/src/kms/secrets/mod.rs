//! Secrets Manager: generic secrets, versions and stages, deletion windows,
//! listing with filters, resource policies.

use std::sync::Arc;

use rampart_policy::{Context, DocumentKind, PolicyDocument};
use rampart_store::{SecretRow, SecretVersionRow, StagedVersion, TagResource};
use serde_json::Value;

use super::views::{Rotation, SecretCreated, SecretValue};

use super::{resource_not_found, store_err, KeyId};
use crate::cache::{SecretWithVersion, SECRET_CACHE_MAX_BYTES};
use crate::time::format as ts;
use crate::{ApiError, Rampart};

/// Versions kept per secret.
pub const MAX_VERSIONS: u64 = 10;
/// Largest secret value, bytes.
pub const MAX_SECRET_DATA: usize = 30_720;

/// `CreateSecret` input.
#[derive(Default)]
pub struct CreateSecret {
    /// Name (`$Auto` for RAM secrets).
    pub secret_name: String,
    /// First version id.
    pub version_id: String,
    /// The value.
    pub secret_data: String,
    /// `text` (default) or `binary`.
    pub secret_data_type: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Key protecting the versions (default key when absent).
    pub encryption_key_id: Option<KeyId>,
    /// Tags.
    pub tags: Vec<(String, String)>,
    /// `Generic` (default), `RAMCredentials`, `Rds`, `PolarDB` or `Redis`.
    pub secret_type: Option<String>,
    /// `ExtendedConfig` JSON.
    pub extended_config: Option<String>,
    /// Automatic rotation (non-generic).
    pub enable_automatic_rotation: bool,
    /// Rotation interval (`30d`).
    pub rotation_interval: Option<String>,
    /// Resource policy JSON.
    pub policy: Option<String>,
}

impl std::fmt::Debug for CreateSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreateSecret")
            .field("secret_name", &self.secret_name)
            .field("version_id", &self.version_id)
            .field("secret_data", &"[REDACTED]")
            .finish_non_exhaustive()
    }
}

/// A `GetSecretValue` request (also one entry of `BatchGetSecretValue`).
#[derive(Debug, Clone)]
pub struct GetValue {
    /// The secret.
    pub secret_name: SecretName,
    /// Version id.
    pub version_id: Option<String>,
    /// Stage (default `ACSCurrent`).
    pub version_stage: Option<String>,
    /// Return `ExtendedConfig`.
    pub fetch_extended_config: bool,
}

impl GetValue {
    /// The current version of `secret_name`.
    pub fn of(secret_name: SecretName) -> Self {
        Self {
            secret_name,
            version_id: None,
            version_stage: None,
            fetch_extended_config: false,
        }
    }
}

/// `ListSecrets` input.
#[derive(Debug, Default)]
pub struct ListSecrets {
    /// 1-based page.
    pub page_number: Option<u32>,
    /// 1–100 (default 10).
    pub page_size: Option<u32>,
    /// Include tags.
    pub fetch_tags: bool,
    /// `Filters` JSON.
    pub filters: Option<String>,
}

mod manage;

pub use manage::paging;

/// A secret's name, checked: 1 to 192 letters, digits or `_/+=.@-`. The
/// gateway makes one where it resolves the secret a request names (a name
/// or this account's ARN of it) and hands it down; nothing below checks it
/// again.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SecretName(String);

impl SecretName {
    /// Checks `name` (a name, not an ARN) for the `SecretName` parameter.
    pub fn parse(name: &str) -> Result<Self, ApiError> {
        check_secret_name(name)?;
        Ok(Self(name.to_string()))
    }

    /// The name of a secret as the store keeps it (checked when it was
    /// created).
    pub(crate) fn stored(name: &str) -> Self {
        Self(name.to_string())
    }
}

text_newtype!(SecretName);

/// The rule of a secret's name, for `CreateSecret` and [`SecretName::parse`].
pub(crate) fn check_secret_name(name: &str) -> Result<(), ApiError> {
    let len = name.chars().count();
    if !(1..=192).contains(&len)
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_/+=.@-".contains(c))
    {
        return Err(ApiError::invalid(
            "SecretName",
            format!("The specified parameter \"SecretName\" is not valid: `{name}` must be 1 to 192 letters, digits or `_/+=.@-`."),
        ));
    }
    Ok(())
}

pub(crate) fn check_version_id(v: &str) -> Result<(), ApiError> {
    let len = v.chars().count();
    if !(1..=64).contains(&len) || !v.chars().all(|c| c.is_ascii_graphic()) {
        return Err(ApiError::invalid(
            "VersionId",
            format!("The specified parameter \"VersionId\" is not valid: `{v}` must be 1 to 64 visible characters."),
        ));
    }
    Ok(())
}

pub(crate) fn check_data(data: &str, data_type: &str) -> Result<(), ApiError> {
    if data.is_empty() {
        return Err(ApiError::missing("SecretData"));
    }
    if data.len() > MAX_SECRET_DATA {
        return Err(ApiError::invalid(
            "SecretData",
            format!(
                "The specified parameter \"SecretData\" is not valid: {} bytes is more than 30720.",
                data.len()
            ),
        ));
    }
    if data_type != "text" && data_type != "binary" {
        return Err(ApiError::invalid(
            "SecretDataType",
            format!("The specified parameter \"SecretDataType\" is not valid: `{data_type}` must be `text` or `binary`."),
        ));
    }
    Ok(())
}

pub(crate) fn in_delete_window() -> ApiError {
    ApiError::of(
        crate::codes::REJECTED_RESOURCE_IN_DELETE_WINDOW,
        "The secret is planned to be deleted.",
    )
}

pub(crate) fn generic_only(action: &str) -> ApiError {
    ApiError::of(
        crate::codes::REJECTED_UNSUPPORTED_OPERATION,
        format!("Unsupported operation: {action} supports only generic secrets."),
    )
}

/// Parses `VersionStages`: `["ACSCurrent"]` or `{"VersionStage":[…]}`.
pub fn parse_stages(json_text: &str) -> Result<Vec<String>, ApiError> {
    let bad = || {
        ApiError::invalid(
            "VersionStages",
            "The specified parameter \"VersionStages\" is not valid: write a JSON array of labels like `[\"ACSCurrent\"]`.",
        )
    };
    let v: Value = serde_json::from_str(json_text).map_err(|_| bad())?;
    let arr = match v {
        Value::Array(a) => a,
        Value::Object(mut o) => match o.remove("VersionStage") {
            Some(Value::Array(a)) => a,
            _ => return Err(bad()),
        },
        _ => return Err(bad()),
    };
    let stages: Vec<String> = arr
        .into_iter()
        .filter_map(|s| s.as_str().map(str::to_string))
        .collect();
    if stages.is_empty() || stages.iter().any(|s| s.is_empty() || s.len() > 64) {
        return Err(bad());
    }
    Ok(stages)
}

impl Rampart {
    /// `acs:kms:<region>:<uid>:secret/<name>`.
    pub fn secret_arn(&self, name: &str) -> String {
        format!(
            "acs:kms:{}:{}:secret/{name}",
            self.settings.region, self.account_id
        )
    }

    /// A secret's row, or 404.
    pub fn secret_row(&self, name: &SecretName) -> Result<SecretRow, ApiError> {
        self.store
            .get_secret(name)
            .map_err(store_err)?
            .ok_or_else(resource_not_found)
    }

    /// What authorizing a call on the secret `name` (exactly as stored)
    /// needs of it: whether it exists, its key, its condition keys
    /// (`kms:tag/<k>`) and its resource policy.
    pub fn secret_auth(&self, name: &str) -> Result<Arc<SecretAuth>, ApiError> {
        self.reads
            .secret_auth
            .get_or_load(self.store.generation(), name, || {
                self.load_secret_auth(name).map(Arc::new)
            })
    }

    fn load_secret_auth(&self, name: &str) -> Result<SecretAuth, ApiError> {
        let Some(row) = self.store.get_secret(name).map_err(store_err)? else {
            return Ok(SecretAuth::default());
        };
        let mut context = Context::new();
        for (k, v) in self.tags_of(TagResource::Secret, name)? {
            context.push(&format!("kms:tag/{k}"), v);
        }
        let policy = match row.policy.as_deref() {
            Some(p) if !p.is_empty() => Some(self.policy_cache.get(DocumentKind::Resource, p)?),
            _ => None,
        };
        let weight =
            256 + row.policy.as_deref().map_or(0, |p| 3 * p.len()) + context.approx_bytes();
        Ok(SecretAuth {
            exists: true,
            key_id: Some(row.encryption_key_id.clone()),
            context,
            policy,
            weight,
        })
    }

    /// Seals `data` as a new version row of a secret.
    pub(crate) fn new_secret_version(
        &self,
        secret: &SecretRow,
        version_id: &str,
        data: &[u8],
        data_type: &str,
    ) -> Result<SecretVersionRow, ApiError> {
        let key = self.usable_key(&KeyId::stored(&secret.encryption_key_id))?;
        let (key_version_id, wrapped, ct) = self.seal_secret_value(
            &key,
            &self.secret_arn(&secret.secret_name),
            version_id,
            data,
        )?;
        Ok(SecretVersionRow {
            version_id: version_id.to_string(),
            seq: 0,
            data_type: data_type.to_string(),
            key_id: key.key_id,
            key_version_id,
            wrapped_key: wrapped,
            ciphertext: ct,
            created_at: self.now(),
        })
    }

    /// The plaintext of a version.
    pub(crate) fn open_version(
        &self,
        name: &str,
        v: &SecretVersionRow,
    ) -> Result<zeroize::Zeroizing<Vec<u8>>, ApiError> {
        let key = self.key_by_id(&v.key_id)?;
        super::keys::check_usable(&key, self.now())?;
        self.open_secret_value(
            &v.key_id,
            &v.key_version_id,
            &self.secret_arn(name),
            &v.version_id,
            &v.wrapped_key,
            &v.ciphertext,
        )
    }

    fn encryption_key_for(&self, requested: Option<&KeyId>) -> Result<String, ApiError> {
        match requested {
            Some(r) => Ok(self.usable_key(r)?.key_id),
            None => {
                let known = self
                    .default_key_id
                    .read()
                    .unwrap_or_else(|e| e.into_inner())
                    .clone();
                if let Some(id) = known {
                    return Ok(id);
                }
                let id = self.default_key()?.key_id;
                *self
                    .default_key_id
                    .write()
                    .unwrap_or_else(|e| e.into_inner()) = Some(id.clone());
                Ok(id)
            }
        }
    }

    /// Creates a generic secret (RAM secrets: [`Rampart::create_ram_secret`]).
    pub fn create_secret(&self, req: CreateSecret) -> Result<SecretCreated, ApiError> {
        let secret_type = req.secret_type.clone().unwrap_or_else(|| "Generic".into());
        match secret_type.as_str() {
            "Generic" => {}
            "RAMCredentials" => return self.create_ram_secret(req),
            "Rds" | "Redis" | "PolarDB" => {
                let kind = super::dbsecret::DbKind::of(&secret_type)
                    .ok_or_else(|| ApiError::internal("database secret type"))?;
                return self.create_db_secret(kind, req);
            }
            "ECS" => {
                return Err(ApiError::of(crate::codes::REJECTED_UNSUPPORTED_OPERATION,
                    "Unsupported operation: SecretType `ECS` is not supported by Rampart yet; Generic, RAMCredentials, Rds, PolarDB and Redis are.",
                ))
            }
            other => {
                return Err(ApiError::invalid(
                    "SecretType",
                    format!("The specified parameter \"SecretType\" is not valid: `{other}`."),
                ))
            }
        }
        let name = req.secret_name.clone();
        check_secret_name(&name)?;
        if name.starts_with("acs/") {
            return Err(ApiError::invalid(
                "SecretName",
                "The specified parameter \"SecretName\" is not valid: a generic secret's name may not start with `acs/`.",
            ));
        }
        check_version_id(&req.version_id)?;
        let data_type = req
            .secret_data_type
            .clone()
            .unwrap_or_else(|| "text".into());
        check_data(&req.secret_data, &data_type)?;
        self.insert_secret(req, "Generic", &name, data_type, None, false, None)
    }

    /// Validates the shared parts and stores a new secret with its first version.
    #[expect(
        clippy::too_many_arguments,
        reason = "what each secret type decides about its new secret"
    )]
    pub(crate) fn insert_secret(
        &self,
        req: CreateSecret,
        secret_type: &str,
        name: &str,
        data_type: String,
        extended_config: Option<String>,
        rotation_enabled: bool,
        rotation_interval: Option<i64>,
    ) -> Result<SecretCreated, ApiError> {
        let mut row =
            self.new_secret_row(&req, secret_type, name, rotation_enabled, rotation_interval)?;
        row.extended_config = extended_config;
        let version = self.new_secret_version(
            &row,
            &req.version_id,
            req.secret_data.as_bytes(),
            &data_type,
        )?;
        self.store
            .create_secret(&row, &version, &req.tags, self.settings.limits.secrets)
            .map_err(store_err)?;
        Ok(self.secret_created(&row, req.version_id))
    }

    /// Checks the parts every new secret shares (description, tags,
    /// resource policy, a free name) and makes its row, with the
    /// request's `ExtendedConfig`.
    pub(crate) fn new_secret_row(
        &self,
        req: &CreateSecret,
        secret_type: &str,
        name: &str,
        rotation_enabled: bool,
        rotation_interval: Option<i64>,
    ) -> Result<SecretRow, ApiError> {
        let description = req.description.clone().unwrap_or_default();
        if description.chars().count() > 1024 {
            return Err(ApiError::invalid(
                "Description",
                "The specified parameter \"Description\" is not valid: at most 1024 characters.",
            ));
        }
        super::tags::check_tags(&req.tags)?;
        if let Some(p) = req.policy.as_deref().filter(|p| !p.is_empty()) {
            crate::kms::keypolicy::check_resource_policy(&self.account_id, p)?;
        }
        if let Some(existing) = self.store.get_secret(name).map_err(store_err)? {
            return Err(if existing.planned_delete_at.is_some() {
                in_delete_window()
            } else {
                ApiError::of(
                    crate::codes::REJECTED_RESOURCE_EXIST,
                    "The resource already exists.",
                )
            });
        }
        let now = self.now();
        Ok(SecretRow {
            secret_name: name.to_string(),
            secret_type: secret_type.to_string(),
            description,
            encryption_key_id: self.encryption_key_for(req.encryption_key_id.as_ref())?,
            created_at: now,
            updated_at: now,
            planned_delete_at: None,
            extended_config: req.extended_config.clone().filter(|e| !e.is_empty()),
            rotation_enabled,
            rotation_interval,
            next_rotation_at: if rotation_enabled {
                rotation_interval.map(|i| now + i)
            } else {
                None
            },
            last_rotation_at: None,
            policy: req.policy.clone().filter(|p| !p.is_empty()),
            ..SecretRow::default()
        })
    }

    /// The answer to creating `row` with its first version `version_id`.
    pub(crate) fn secret_created(&self, row: &SecretRow, version_id: String) -> SecretCreated {
        SecretCreated {
            arn: self.secret_arn(&row.secret_name),
            version_id,
            secret_name: row.secret_name.clone(),
            secret_type: row.secret_type.clone(),
            rotation: (row.secret_type != "Generic").then(|| self.rotation_of(row, false)),
        }
    }

    /// The rotation fields of a secret that is not generic; `failed`: show
    /// `AutomaticRotation: Invalid` after a failed rotation (DescribeSecret).
    pub(crate) fn rotation_of(&self, row: &SecretRow, failed: bool) -> Rotation {
        Rotation {
            automatic_rotation: match (failed && row.rotation_failures > 0, row.rotation_enabled) {
                (true, _) => "Invalid",
                (false, true) => "Enabled",
                (false, false) => "Disabled",
            },
            rotation_interval: row.rotation_interval.map(|i| format!("{i}s")),
            next_rotation_date: row
                .next_rotation_at
                .filter(|_| row.rotation_enabled)
                .map(ts),
            last_rotation_date: row.last_rotation_at.map(ts),
            extended_config: row.extended_config.clone(),
        }
    }

    /// A secret and one of its versions, through the cache of store reads.
    fn secret_with_version(
        &self,
        name: &str,
        version_id: Option<&str>,
        stage: Option<&str>,
    ) -> Result<Option<Arc<SecretWithVersion>>, ApiError> {
        // Length-prefixed: no two selections share a key.
        let (v, s) = (version_id.unwrap_or_default(), stage.unwrap_or_default());
        let key = format!("{}:{name}{}:{v}{s}", name.len(), v.len());
        self.reads.secret_versions.get_or_load_if(
            self.store.generation(),
            &key,
            || {
                Ok(self
                    .store
                    .get_secret_with_version(name, version_id, stage)
                    .map_err(store_err)?
                    .map(Arc::new))
            },
            |v| {
                v.as_ref().is_none_or(|v| {
                    v.1.as_ref()
                        .is_none_or(|s| s.version.ciphertext.len() <= SECRET_CACHE_MAX_BYTES)
                })
            },
        )
    }

    /// Reads a secret value.
    pub fn get_secret_value(&self, req: &GetValue) -> Result<SecretValue, ApiError> {
        let name = req.secret_name.as_str();
        // Read the secret and the version a generic secret would give in
        // one go; another secret type may select differently.
        let guess = version_selector(true, req)?;
        let read = self.secret_with_version(name, guess.0, guess.1)?;
        let (row, found) = read.as_deref().ok_or_else(resource_not_found)?;
        if row.planned_delete_at.is_some() {
            return Err(in_delete_window());
        }
        let selector = version_selector(row.secret_type == "Generic", req)?;
        let reread;
        let found = if selector == guess {
            found.as_ref()
        } else {
            reread = self
                .store
                .get_secret_version(&row.secret_name, selector.0, selector.1)
                .map_err(store_err)?;
            reread.as_ref()
        };
        let found = check_found(found, selector.0, req)?;
        let plain = self.open_version(&row.secret_name, &found.version)?;
        let data = String::from_utf8(plain.to_vec())
            .map_err(|_| ApiError::internal("secret value is not UTF-8"))?;
        Ok(SecretValue {
            secret_name: row.secret_name.clone(),
            version_id: found.version.version_id.clone(),
            secret_data: data,
            secret_data_type: found.version.data_type.clone(),
            secret_type: row.secret_type.clone(),
            create_time: ts(found.version.created_at),
            version_stages: found.stages.as_slice().into(),
            rotation: (row.secret_type != "Generic").then(|| {
                let mut r = self.rotation_of(row, false);
                if !req.fetch_extended_config {
                    r.extended_config = None;
                }
                r
            }),
        })
    }
}

/// What authorizing a call on a secret needs of it.
#[derive(Debug, Default)]
pub struct SecretAuth {
    /// Whether the secret exists (a missing one has nothing else).
    pub exists: bool,
    /// The key that protects its values.
    pub key_id: Option<String>,
    /// Its condition keys (`kms:tag/<k>`).
    pub context: Context,
    /// Its resource policy.
    pub policy: Option<Arc<PolicyDocument>>,
    /// About how many bytes this holds, for the cache's budget.
    pub weight: usize,
}

/// Which version a read selects: by id (generic secrets only) or by stage
/// (`ACSCurrent` when neither is given).
fn version_selector(
    generic: bool,
    req: &GetValue,
) -> Result<(Option<&str>, Option<&str>), ApiError> {
    let version_id = if generic {
        req.version_id.as_deref().filter(|s| !s.is_empty())
    } else {
        None
    };
    let stage = req.version_stage.as_deref().filter(|s| !s.is_empty());
    if !generic && stage.is_some_and(|s| s != "ACSCurrent" && s != "ACSPrevious") {
        return Err(ApiError::invalid(
            "VersionStage",
            "The specified parameter \"VersionStage\" is not valid: only `ACSCurrent` and `ACSPrevious` can be read from this secret type.",
        ));
    }
    let by_stage = if version_id.is_none() {
        Some(stage.unwrap_or("ACSCurrent"))
    } else {
        None
    };
    Ok((version_id, by_stage))
}

/// The version found, checked against the stage asked for with an id.
fn check_found<'a>(
    found: Option<&'a StagedVersion>,
    version_id: Option<&str>,
    req: &GetValue,
) -> Result<&'a StagedVersion, ApiError> {
    let found = found.ok_or_else(resource_not_found)?;
    let stage = req.version_stage.as_deref().filter(|s| !s.is_empty());
    if let (Some(_), Some(s)) = (version_id, stage) {
        if !found.stages.iter().any(|x| x == s) {
            return Err(ApiError::invalid(
                "VersionStage",
                format!("The specified parameter \"VersionStage\" is not valid: version `{}` does not carry stage `{s}`.", found.version.version_id),
            ));
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use manage::parse_filters;

    #[test]
    fn parsing() {
        assert_eq!(parse_stages("[\"ACSCurrent\"]").unwrap(), ["ACSCurrent"]);
        assert_eq!(parse_stages("{\"VersionStage\":[\"X\"]}").unwrap(), ["X"]);
        assert!(parse_stages("[]").is_err());
        assert!(parse_filters(Some("[{\"Key\":\"Nope\",\"Values\":[\"a\"]}]")).is_err());
        assert_eq!(
            parse_filters(Some("[{\"Key\":\"SecretName\",\"Values\":[\"a\"]}]"))
                .unwrap()
                .len(),
            1
        );
        assert!(paging(Some(1), Some(101), 10).is_err());
        assert!(check_secret_name("ok/name_1").is_ok());
        assert!(check_secret_name("bad name").is_err());
    }
}
