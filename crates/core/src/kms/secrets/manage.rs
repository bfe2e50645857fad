//! Managing secrets: versions and stages, describing and listing,
//! updating, the deletion window, resource policies.

use rampart_store::{StageMove, StagedVersion, TagResource};
use serde_json::{Map, Value};

use super::{
    check_data, check_version_id, generic_only, in_delete_window, ListSecrets, SecretName,
    MAX_VERSIONS,
};
use crate::kms::store_err;
use crate::kms::views::{
    SecretDeleted, SecretDescription, SecretList, SecretNamed, SecretPolicy, SecretSummary,
    SecretVersionStages, SecretsPage, VersionEntry, VersionIds, VersionIdsPage,
};
use crate::time::format as ts;
use crate::{ApiError, Rampart};

impl Rampart {
    /// Stores a new version of a generic secret (idempotent on the same id and data).
    pub fn put_secret_value(
        &self,
        name: &SecretName,
        version_id: &str,
        data: &str,
        data_type: Option<&str>,
        stages: Option<Vec<String>>,
    ) -> Result<SecretVersionStages, ApiError> {
        let row = self.secret_row(name)?;
        if row.secret_type != "Generic" {
            return Err(generic_only("PutSecretValue"));
        }
        if row.planned_delete_at.is_some() {
            return Err(in_delete_window());
        }
        check_version_id(version_id)?;
        let data_type = data_type.unwrap_or("text");
        check_data(data, data_type)?;
        let stages = stages.unwrap_or_else(|| vec!["ACSCurrent".to_string()]);
        if let Some(existing) = self
            .store
            .get_secret_version(&row.secret_name, Some(version_id), None)
            .map_err(store_err)?
        {
            let old = self.open_version(&row.secret_name, &existing.version)?;
            if old.as_slice() == data.as_bytes() && existing.version.data_type == data_type {
                return Ok(SecretVersionStages {
                    secret_name: row.secret_name,
                    version_id: version_id.to_string(),
                    version_stages: existing.stages.as_slice().into(),
                });
            }
            return Err(ApiError::of(crate::codes::REJECTED_RESOURCE_EXIST,
                format!("The resource already exists: version `{version_id}` holds different data; use a new VersionId."),
            ));
        }
        let v = self.new_secret_version(&row, version_id, data.as_bytes(), data_type)?;
        self.store
            .put_secret_version(&row.secret_name, &v, &stages, MAX_VERSIONS)
            .map_err(store_err)?;
        Ok(SecretVersionStages {
            secret_name: row.secret_name,
            version_id: version_id.to_string(),
            version_stages: stages.as_slice().into(),
        })
    }

    /// Versions of a secret, paged; labelled ones only unless `include_deprecated`.
    pub fn list_secret_version_ids(
        &self,
        name: &SecretName,
        include_deprecated: bool,
        page: Option<u32>,
        size: Option<u32>,
    ) -> Result<VersionIdsPage, ApiError> {
        let row = self.secret_row(name)?;
        let (page, size) = paging(page, size, 20)?;
        let versions: Vec<StagedVersion> = self
            .store
            .list_secret_versions(&row.secret_name)
            .map_err(store_err)?
            .into_iter()
            .filter(|v| include_deprecated || !v.stages.is_empty())
            .collect();
        let total = versions.len();
        let items = versions
            .iter()
            .skip(((page - 1) * size) as usize)
            .take(size as usize)
            .map(|v| VersionEntry {
                version_id: v.version.version_id.clone(),
                create_time: ts(v.version.created_at),
                version_stages: v.stages.as_slice().into(),
            })
            .collect();
        Ok(VersionIdsPage {
            secret_name: row.secret_name,
            total_count: total,
            page_number: page,
            page_size: size,
            version_ids: VersionIds { version_id: items },
        })
    }

    /// Moves a stage label of a generic secret.
    pub fn update_secret_version_stage(
        &self,
        name: &SecretName,
        stage: &str,
        remove_from: Option<&str>,
        move_to: Option<&str>,
    ) -> Result<SecretNamed, ApiError> {
        let row = self.secret_row(name)?;
        if row.secret_type != "Generic" {
            return Err(generic_only("UpdateSecretVersionStage"));
        }
        let builtin = stage == "ACSCurrent" || stage == "ACSPrevious";
        match (remove_from, move_to) {
            (None, None) => {
                return Err(ApiError::missing("MoveToVersion"));
            }
            (Some(_), None) if builtin => {
                return Err(ApiError::invalid(
                    "VersionStage",
                    format!("The specified parameter \"VersionStage\" is not valid: `{stage}` can only be moved (give MoveToVersion), not removed."),
                ))
            }
            _ => {}
        }
        self.store
            .move_secret_stage(
                &row.secret_name,
                &StageMove {
                    stage: stage.to_string(),
                    remove_from: remove_from.map(str::to_string),
                    move_to: move_to.map(str::to_string),
                },
                self.now(),
            )
            .map_err(store_err)?;
        Ok(SecretNamed {
            secret_name: row.secret_name,
        })
    }

    /// A secret's metadata.
    pub fn describe_secret(
        &self,
        name: &SecretName,
        fetch_tags: bool,
    ) -> Result<SecretDescription, ApiError> {
        let row = self.secret_row(name)?;
        let ram = row.secret_type != "Generic";
        Ok(SecretDescription {
            arn: self.secret_arn(&row.secret_name),
            secret_name: row.secret_name.clone(),
            secret_type: row.secret_type.clone(),
            description: row.description.clone(),
            encryption_key_id: row.encryption_key_id.clone(),
            create_time: ts(row.created_at),
            update_time: ts(row.updated_at),
            planned_delete_time: row.planned_delete_at.map(ts),
            rotation: ram.then(|| self.rotation_of(&row, true)),
            rotation_state: ram.then(|| Self::rotation_state(&row)),
            tags: if fetch_tags {
                Some(self.tags_of(TagResource::Secret, &row.secret_name)?.into())
            } else {
                None
            },
        })
    }

    /// Lists secrets with optional filters, paged.
    pub fn list_secrets(&self, req: &ListSecrets) -> Result<SecretsPage, ApiError> {
        let (page, size) = paging(req.page_number, req.page_size, 10)?;
        let filters = parse_filters(req.filters.as_deref())?;
        let mut out = Vec::new();
        let mut total = 0usize;
        let start = ((page - 1) * size) as usize;
        for row in self.store.list_secrets().map_err(store_err)? {
            let tags = if filters
                .iter()
                .any(|(k, _)| k == "TagKey" || k == "TagValue")
                || req.fetch_tags
            {
                self.tags_of(TagResource::Secret, &row.secret_name)?
            } else {
                Vec::new()
            };
            let matches = filters.iter().all(|(key, values)| {
                let any = |f: &dyn Fn(&str) -> bool| values.iter().any(|v| f(v));
                match key.as_str() {
                    "SecretName" => any(&|v| v == row.secret_name),
                    "Description" => any(&|v| v == row.description),
                    // `RDS` (as the SDK documents it) is `Rds`.
                    "SecretType" => any(&|v| v.eq_ignore_ascii_case(&row.secret_type)),
                    "TagKey" => any(&|v| tags.iter().any(|(k, _)| k == v)),
                    "TagValue" => any(&|v| tags.iter().any(|(_, tv)| tv == v)),
                    "Creator" => any(&|v| v == self.account_id),
                    _ => false,
                }
            });
            if !matches {
                continue;
            }
            total += 1;
            if total <= start || out.len() >= size as usize {
                continue;
            }
            out.push(SecretSummary {
                secret_name: row.secret_name.clone(),
                secret_type: row.secret_type.clone(),
                create_time: ts(row.created_at),
                update_time: ts(row.updated_at),
                planned_delete_time: row.planned_delete_at.map(ts),
                tags: req.fetch_tags.then(|| tags.into()),
            });
        }
        Ok(SecretsPage {
            secret_list: SecretList { secret: out },
            total_count: total,
            page_number: page,
            page_size: size,
        })
    }

    /// Changes a secret's description (and, for non-generic secrets, CustomData).
    pub fn update_secret(
        &self,
        name: &SecretName,
        description: Option<&str>,
        custom_data: Option<Value>,
    ) -> Result<SecretNamed, ApiError> {
        let mut row = self.secret_row(name)?;
        if let Some(d) = description {
            if d.chars().count() > 1024 {
                return Err(ApiError::invalid("Description", "The specified parameter \"Description\" is not valid: at most 1024 characters."));
            }
            row.description = d.to_string();
        }
        if let Some(cd) = custom_data {
            if row.secret_type == "Generic" {
                return Err(ApiError::invalid(
                    "ExtendedConfig.CustomData",
                    "The specified parameter \"ExtendedConfig.CustomData\" is not valid for a generic secret.",
                ));
            }
            let mut ec: Map<String, Value> = row
                .extended_config
                .as_deref()
                .and_then(|s| serde_json::from_str(s).ok())
                .unwrap_or_default();
            ec.insert("CustomData".into(), cd);
            row.extended_config = Some(Value::Object(ec).to_string());
        }
        row.updated_at = self.now();
        self.store.update_secret(&row).map_err(store_err)?;
        Ok(SecretNamed {
            secret_name: row.secret_name,
        })
    }

    /// Schedules a secret's deletion (7–30 days, default 30) or deletes it now.
    pub fn delete_secret(
        &self,
        name: &SecretName,
        window_days: Option<&str>,
        force: bool,
    ) -> Result<SecretDeleted, ApiError> {
        let mut row = self.secret_row(name)?;
        let now = self.now();
        if force {
            self.store
                .delete_secret(&row.secret_name)
                .map_err(store_err)?;
            return Ok(SecretDeleted {
                secret_name: row.secret_name,
                planned_delete_time: ts(now),
            });
        }
        let days: i64 = match window_days.filter(|s| !s.is_empty()) {
            None => 30,
            Some(d) => d.parse().ok().filter(|d| (7..=30).contains(d)).ok_or_else(|| {
                ApiError::invalid(
                    "RecoveryWindowInDays",
                    format!("The specified parameter \"RecoveryWindowInDays\" is not valid: `{d}` must be 7 to 30."),
                )
            })?,
        };
        let at = now + days * 86400;
        row.planned_delete_at = Some(at);
        row.updated_at = now;
        self.store.update_secret(&row).map_err(store_err)?;
        Ok(SecretDeleted {
            secret_name: row.secret_name,
            planned_delete_time: ts(at),
        })
    }

    /// Cancels a scheduled deletion.
    pub fn restore_secret(&self, name: &SecretName) -> Result<SecretNamed, ApiError> {
        let mut row = self.secret_row(name)?;
        if row.planned_delete_at.is_none() {
            return Err(ApiError::of(
                crate::codes::REJECTED_UNSUPPORTED_OPERATION,
                "Unsupported operation: the secret is not scheduled for deletion.",
            ));
        }
        row.planned_delete_at = None;
        row.updated_at = self.now();
        self.store.update_secret(&row).map_err(store_err)?;
        Ok(SecretNamed {
            secret_name: row.secret_name,
        })
    }

    /// Deletes secrets and keys whose deletion window has ended.
    pub fn purge_due(&self) -> Result<(usize, usize), ApiError> {
        let now = self.now();
        let secrets = self.store.purge_secrets(now).map_err(store_err)?;
        let keys = self.store.purge_keys(now).map_err(store_err)?;
        for s in &secrets {
            tracing::info!(secret = %s, "deletion window ended; secret deleted");
        }
        for k in &keys {
            tracing::info!(key = %k, "deletion window ended; key deleted");
        }
        Ok((secrets.len(), keys.len()))
    }

    /// The resource policy of a secret (`default`).
    pub fn get_secret_policy(&self, name: &SecretName) -> Result<SecretPolicy, ApiError> {
        let row = self.secret_row(name)?;
        Ok(SecretPolicy {
            policy: row.policy.unwrap_or_default(),
        })
    }

    /// Sets the resource policy of a secret.
    pub fn set_secret_policy(&self, name: &SecretName, policy: &str) -> Result<(), ApiError> {
        let mut row = self.secret_row(name)?;
        crate::kms::keypolicy::check_resource_policy(&self.account_id, policy)?;
        row.policy = Some(policy.to_string());
        row.updated_at = self.now();
        self.store.update_secret(&row).map_err(store_err)
    }
}

/// Validates `PageNumber`/`PageSize` (size 1–100).
pub fn paging(
    page: Option<u32>,
    size: Option<u32>,
    default_size: u32,
) -> Result<(u32, u32), ApiError> {
    let page = page.unwrap_or(1);
    let size = size.unwrap_or(default_size);
    if page == 0 {
        return Err(ApiError::invalid(
            "PageNumber",
            "The specified parameter \"PageNumber\" is not valid: it must be 1 or more.",
        ));
    }
    if !(1..=100).contains(&size) {
        return Err(ApiError::invalid(
            "PageSize",
            format!("The specified parameter \"PageSize\" is not valid: {size} must be 1 to 100."),
        ));
    }
    Ok((page, size))
}

/// Parses ListSecrets `Filters`: `[{"Key":"SecretName","Values":["a"]}]`.
pub(super) fn parse_filters(text: Option<&str>) -> Result<Vec<(String, Vec<String>)>, ApiError> {
    let Some(text) = text.filter(|t| !t.is_empty()) else {
        return Ok(Vec::new());
    };
    let bad = |why: &str| {
        ApiError::invalid(
            "Filters",
            format!("The specified parameter \"Filters\" is not valid: {why}; write `[{{\"Key\":\"SecretName\",\"Values\":[\"name\"]}}]`."),
        )
    };
    let v: Value = serde_json::from_str(text).map_err(|_| bad("it is not JSON"))?;
    let Value::Array(items) = v else {
        return Err(bad("it is not an array"));
    };
    if items.len() > 10 {
        return Err(bad("at most 10 filters"));
    }
    let mut out = Vec::new();
    for it in items {
        let key = it
            .get("Key")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("a filter has no `Key`"))?;
        if ![
            "SecretName",
            "Description",
            "TagKey",
            "TagValue",
            "SecretType",
            "Creator",
            "DKMSInstanceId",
        ]
        .contains(&key)
        {
            return Err(bad(&format!("`{key}` is not a filter key")));
        }
        let values: Vec<String> = match it.get("Values") {
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect(),
            Some(Value::String(s)) => vec![s.clone()],
            _ => return Err(bad("a filter has no `Values`")),
        };
        out.push((key.to_string(), values));
    }
    Ok(out)
}
