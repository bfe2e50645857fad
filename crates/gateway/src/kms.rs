//! KMS (2016-01-20) actions: keys, aliases, cryptography, secrets, tags.

use rampart_core::kms::keys::{random_password, CreateKey};
use rampart_core::kms::secrets::{parse_stages, CreateSecret, GetValue, ListSecrets, SecretName};
use rampart_core::kms::tags::parse_tags;
use rampart_core::kms::KeyId;
use rampart_core::ApiError;
use serde_json::{json, Map, Value};

use crate::action::Typed;
use crate::on;
use crate::products::ActionSpec;
use crate::respond::{empty, obj, paged};
use crate::{Ctx, Output};

/// The implemented KMS actions.
pub static ACTIONS: &[ActionSpec] = &[
    ActionSpec::write("CreateKey", &Typed::new(create_key)).costly(),
    ActionSpec::read("DescribeKey", &Typed::new(describe_key)),
    ActionSpec::read("ListKeys", &Typed::new(list_keys)),
    ActionSpec::write("UpdateKeyDescription", &Typed::new(update_key_description)),
    ActionSpec::write("EnableKey", &Typed::new(enable_key)),
    ActionSpec::write("DisableKey", &Typed::new(disable_key)),
    ActionSpec::write("ScheduleKeyDeletion", &Typed::new(schedule_key_deletion)),
    ActionSpec::write("CancelKeyDeletion", &Typed::new(cancel_key_deletion)),
    ActionSpec::write(
        "SetDeletionProtection",
        &Typed::new(set_deletion_protection),
    ),
    ActionSpec::write("UpdateRotationPolicy", &Typed::new(update_rotation_policy)),
    ActionSpec::write("CreateKeyVersion", &Typed::new(create_key_version)).costly(),
    ActionSpec::read("ListKeyVersions", &Typed::new(list_key_versions)),
    ActionSpec::read("DescribeKeyVersion", &Typed::new(describe_key_version)),
    ActionSpec::write("CreateAlias", &Typed::new(create_alias)),
    ActionSpec::write("UpdateAlias", &Typed::new(update_alias)),
    ActionSpec::write("DeleteAlias", &Typed::new(delete_alias)),
    ActionSpec::read("ListAliases", &Typed::new(list_aliases)),
    ActionSpec::read("ListAliasesByKeyId", &Typed::new(list_aliases_by_key_id)),
    ActionSpec::read(
        "GetParametersForImport",
        &Typed::new(crate::kms_asym::get_parameters_for_import),
    )
    .costly(),
    ActionSpec::write(
        "ImportKeyMaterial",
        &Typed::new(crate::kms_asym::import_key_material),
    )
    .costly(),
    ActionSpec::write(
        "DeleteKeyMaterial",
        &Typed::new(crate::kms_asym::delete_key_material),
    ),
    ActionSpec::read("GetKeyPolicy", &Typed::new(crate::kms_asym::get_key_policy)),
    ActionSpec::write("SetKeyPolicy", &Typed::new(crate::kms_asym::set_key_policy)),
    ActionSpec::read("GetPublicKey", &Typed::new(crate::kms_asym::get_public_key)),
    ActionSpec::write(
        "AsymmetricSign",
        &Typed::new(crate::kms_asym::asymmetric_sign),
    )
    .costly(),
    ActionSpec::write(
        "AsymmetricVerify",
        &Typed::new(crate::kms_asym::asymmetric_verify),
    ),
    ActionSpec::write(
        "AsymmetricEncrypt",
        &Typed::new(crate::kms_asym::asymmetric_encrypt),
    )
    .costly(),
    ActionSpec::write(
        "AsymmetricDecrypt",
        &Typed::new(crate::kms_asym::asymmetric_decrypt),
    )
    .costly(),
    ActionSpec::write("Encrypt", &Typed::new(encrypt)),
    ActionSpec::read("Decrypt", &Typed::new(decrypt)),
    ActionSpec::write("GenerateDataKey", &Typed::new(generate_data_key)),
    ActionSpec::write(
        "GenerateDataKeyWithoutPlaintext",
        &Typed::new(generate_data_key_without_plaintext),
    ),
    ActionSpec::write("ReEncrypt", &Typed::new(re_encrypt)),
    ActionSpec::read("GetRandomPassword", &Typed::new(get_random_password)),
    ActionSpec::write("CreateSecret", &Typed::new(create_secret)),
    ActionSpec::read("GetSecretValue", &Typed::new(get_secret_value)),
    // The batch itself, then `kms:GetSecretValue` on each secret.
    ActionSpec::read("BatchGetSecretValue", &Typed::new(batch_get_secret_value)),
    ActionSpec::write("PutSecretValue", &Typed::new(put_secret_value)),
    ActionSpec::read("ListSecretVersionIds", &Typed::new(list_secret_version_ids)),
    ActionSpec::write(
        "UpdateSecretVersionStage",
        &Typed::new(update_secret_version_stage),
    ),
    ActionSpec::read("DescribeSecret", &Typed::new(describe_secret)),
    ActionSpec::read("ListSecrets", &Typed::new(list_secrets)),
    ActionSpec::write("UpdateSecret", &Typed::new(update_secret)),
    ActionSpec::write("DeleteSecret", &Typed::new(delete_secret)),
    ActionSpec::write("RestoreSecret", &Typed::new(restore_secret)),
    ActionSpec::write("RotateSecret", &Typed::new(rotate_secret)),
    ActionSpec::write(
        "UpdateSecretRotationPolicy",
        &Typed::new(update_secret_rotation_policy),
    ),
    ActionSpec::read("GetSecretPolicy", &Typed::new(get_secret_policy)),
    ActionSpec::write("SetSecretPolicy", &Typed::new(set_secret_policy)),
    ActionSpec::write("TagResource", &Typed::new(tag_resource)),
    ActionSpec::write("UntagResource", &Typed::new(untag_resource)),
    ActionSpec::write("TagResources", &Typed::new(tag_resources)),
    ActionSpec::write("UntagResources", &Typed::new(untag_resources)),
    ActionSpec::read("ListTagResources", &Typed::new(list_tag_resources)),
    // Needs no permission in the real service: any authenticated caller.
    ActionSpec::read("DescribeRegions", &Typed::new(describe_regions)),
    ActionSpec::read(
        "DescribeAccountKmsStatus",
        &Typed::new(describe_account_kms_status),
    ),
];

/// The region this server serves, in the real response's shape.
fn describe_regions(ctx: &Ctx<'_>, (): (), (): ()) -> Result<Output, ApiError> {
    let region = &ctx.rampart.settings().region;
    obj(json!({ "Regions": { "Region": [{ "RegionId": region }] } }))
}

/// KMS is always enabled for the account here.
fn describe_account_kms_status(_: &Ctx<'_>, _: on::Kms, (): ()) -> Result<Output, ApiError> {
    obj(json!({ "AccountStatus": "Enabled" }))
}

fn page_params(ctx: &Ctx<'_>) -> Result<(u64, u32), ApiError> {
    let (p, s) = rampart_core::kms::secrets::paging(
        ctx.params.u32("PageNumber")?,
        ctx.params.u32("PageSize")?,
        10,
    )?;
    Ok((u64::from(p), s))
}

/// `EncryptionContext` as a JSON object string, or flattened `Name.<k>=v`.
fn encryption_context(ctx: &Ctx<'_>, name: &str) -> Result<Vec<(String, String)>, ApiError> {
    let mut out = Vec::new();
    if let Some(text) = ctx.params.get(name).filter(|s| !s.is_empty()) {
        let v: Value = serde_json::from_str(text).map_err(|_| {
            ApiError::invalid(name, format!("The specified parameter \"{name}\" is not valid: write a JSON object of strings."))
        })?;
        let Value::Object(m) = v else {
            return Err(ApiError::invalid(
                name,
                format!(
                    "The specified parameter \"{name}\" is not valid: it must be a JSON object."
                ),
            ));
        };
        for (k, v) in m {
            let s = match v {
                Value::String(s) => s,
                other => other.to_string(),
            };
            out.push((k, s));
        }
    }
    let prefix = format!("{name}.");
    for (k, v) in ctx.params.iter() {
        if let Some(key) = k.strip_prefix(&prefix) {
            out.push((key.to_string(), v.to_string()));
        }
    }
    Ok(out)
}

fn flag(ctx: &Ctx<'_>, name: &str) -> Result<bool, ApiError> {
    Ok(ctx.params.bool(name)?.unwrap_or(false))
}

fn create_key(ctx: &Ctx<'_>, _: on::Keys, (): ()) -> Result<Output, ApiError> {
    let p = ctx.params;
    let tags = match p.get("Tags").filter(|s| !s.is_empty()) {
        Some(t) => parse_tags("Tags", t)?,
        None => Vec::new(),
    };
    let k = ctx.rampart.create_key(CreateKey {
        description: p.opt("Description"),
        key_spec: p.opt("KeySpec").filter(|s| !s.is_empty()),
        key_usage: p.opt("KeyUsage").filter(|s| !s.is_empty()),
        origin: p.opt("Origin").filter(|s| !s.is_empty()),
        enable_automatic_rotation: flag(ctx, "EnableAutomaticRotation")?,
        rotation_interval: p.opt("RotationInterval").filter(|s| !s.is_empty()),
        tags,
        policy: p.opt("Policy").filter(|s| !s.is_empty()),
    })?;
    obj(json!({ "KeyMetadata": ctx.rampart.key_metadata(&k) }))
}

fn describe_key(ctx: &Ctx<'_>, on::Key(key): on::Key, (): ()) -> Result<Output, ApiError> {
    let k = ctx.rampart.key_row(&key)?;
    obj(json!({ "KeyMetadata": ctx.rampart.key_metadata(&k) }))
}

fn list_keys(ctx: &Ctx<'_>, _: on::Keys, (): ()) -> Result<Output, ApiError> {
    let (page, size) = page_params(ctx)?;
    let (items, total) = ctx.rampart.list_keys(page, size)?;
    paged("Keys", "Key", items, total, page, size)
}

fn update_key_description(
    ctx: &Ctx<'_>,
    on::Key(key): on::Key,
    (): (),
) -> Result<Output, ApiError> {
    ctx.rampart
        .update_key_description(&key, ctx.params.get("Description").unwrap_or_default())?;
    empty()
}

fn enable_key(ctx: &Ctx<'_>, on::Key(key): on::Key, (): ()) -> Result<Output, ApiError> {
    ctx.rampart.set_key_enabled(&key, true)?;
    empty()
}

fn disable_key(ctx: &Ctx<'_>, on::Key(key): on::Key, (): ()) -> Result<Output, ApiError> {
    ctx.rampart.set_key_enabled(&key, false)?;
    empty()
}

fn schedule_key_deletion(ctx: &Ctx<'_>, on::Key(key): on::Key, (): ()) -> Result<Output, ApiError> {
    let days = ctx
        .params
        .u32("PendingWindowInDays")?
        .ok_or_else(|| ApiError::missing("PendingWindowInDays"))?;
    ctx.rampart.schedule_key_deletion(&key, i64::from(days))?;
    empty()
}

fn cancel_key_deletion(ctx: &Ctx<'_>, on::Key(key): on::Key, (): ()) -> Result<Output, ApiError> {
    ctx.rampart.cancel_key_deletion(&key)?;
    empty()
}

fn set_deletion_protection(
    ctx: &Ctx<'_>,
    on::ProtectedKey(key): on::ProtectedKey,
    (): (),
) -> Result<Output, ApiError> {
    let p = ctx.params;
    let on = p
        .bool("EnableDeletionProtection")?
        .ok_or_else(|| ApiError::missing("EnableDeletionProtection"))?;
    ctx.rampart
        .set_deletion_protection(&key, on, p.get("DeletionProtectionDescription"))?;
    empty()
}

fn update_rotation_policy(
    ctx: &Ctx<'_>,
    on::Key(key): on::Key,
    (): (),
) -> Result<Output, ApiError> {
    let p = ctx.params;
    let enable = p
        .bool("EnableAutomaticRotation")?
        .ok_or_else(|| ApiError::missing("EnableAutomaticRotation"))?;
    ctx.rampart.update_rotation_policy(
        &key,
        enable,
        p.get("RotationInterval").filter(|s| !s.is_empty()),
    )?;
    empty()
}

fn create_key_version(ctx: &Ctx<'_>, on::Key(key): on::Key, (): ()) -> Result<Output, ApiError> {
    obj(json!({ "KeyVersion": ctx.rampart.create_key_version(&key)? }))
}

fn list_key_versions(ctx: &Ctx<'_>, on::Key(key): on::Key, (): ()) -> Result<Output, ApiError> {
    let (page, size) = page_params(ctx)?;
    let (items, total) = ctx.rampart.list_key_versions(&key, page, size)?;
    paged("KeyVersions", "KeyVersion", items, total, page, size)
}

fn describe_key_version(ctx: &Ctx<'_>, on::Key(key): on::Key, (): ()) -> Result<Output, ApiError> {
    let v = ctx
        .rampart
        .describe_key_version(&key, ctx.params.required("KeyVersionId")?)?;
    obj(json!({ "KeyVersion": v }))
}

fn create_alias(
    ctx: &Ctx<'_>,
    (on::NewAlias(alias), on::Key(key)): (on::NewAlias, on::Key),
    (): (),
) -> Result<Output, ApiError> {
    ctx.rampart.create_alias(&alias, &key)?;
    empty()
}

fn update_alias(
    ctx: &Ctx<'_>,
    (on::Alias(alias), on::Key(key)): (on::Alias, on::Key),
    (): (),
) -> Result<Output, ApiError> {
    ctx.rampart.update_alias(&alias, &key)?;
    empty()
}

fn delete_alias(ctx: &Ctx<'_>, on::Alias(alias): on::Alias, (): ()) -> Result<Output, ApiError> {
    ctx.rampart.delete_alias(&alias)?;
    empty()
}

fn list_aliases(ctx: &Ctx<'_>, _: on::Aliases, (): ()) -> Result<Output, ApiError> {
    let (page, size) = page_params(ctx)?;
    let (items, total) = ctx.rampart.list_aliases(None, page, size)?;
    paged("Aliases", "Alias", items, total, page, size)
}

fn list_aliases_by_key_id(
    ctx: &Ctx<'_>,
    on::Key(key): on::Key,
    (): (),
) -> Result<Output, ApiError> {
    let (page, size) = page_params(ctx)?;
    let (items, total) = ctx.rampart.list_aliases(Some(&key), page, size)?;
    paged("Aliases", "Alias", items, total, page, size)
}

fn encrypt(ctx: &Ctx<'_>, on::Key(key): on::Key, (): ()) -> Result<Output, ApiError> {
    let ec = encryption_context(ctx, "EncryptionContext")?;
    obj(ctx
        .rampart
        .encrypt(&key, ctx.params.required("Plaintext")?, &ec)?)
}

fn decrypt(ctx: &Ctx<'_>, on::BlobKey(blob_key): on::BlobKey, (): ()) -> Result<Output, ApiError> {
    let ec = encryption_context(ctx, "EncryptionContext")?;
    obj(ctx
        .rampart
        .decrypt(&blob_key, ctx.params.required("CiphertextBlob")?, &ec)?)
}

fn data_key(ctx: &Ctx<'_>, key: &KeyId, with_plaintext: bool) -> Result<Output, ApiError> {
    let ec = encryption_context(ctx, "EncryptionContext")?;
    obj(ctx.rampart.generate_data_key(
        key,
        ctx.params.get("KeySpec").filter(|s| !s.is_empty()),
        ctx.params.u32("NumberOfBytes")?,
        &ec,
        with_plaintext,
    )?)
}

fn generate_data_key(ctx: &Ctx<'_>, on::Key(key): on::Key, (): ()) -> Result<Output, ApiError> {
    data_key(ctx, &key, true)
}

fn generate_data_key_without_plaintext(
    ctx: &Ctx<'_>,
    on::Key(key): on::Key,
    (): (),
) -> Result<Output, ApiError> {
    data_key(ctx, &key, false)
}

fn re_encrypt(
    ctx: &Ctx<'_>,
    (on::BlobKey(blob_key), on::DestinationKey(destination)): (on::BlobKey, on::DestinationKey),
    (): (),
) -> Result<Output, ApiError> {
    let src = encryption_context(ctx, "SourceEncryptionContext")?;
    let dst = encryption_context(ctx, "DestinationEncryptionContext")?;
    obj(ctx.rampart.re_encrypt(
        &blob_key,
        ctx.params.required("CiphertextBlob")?,
        &destination,
        &src,
        &dst,
    )?)
}

fn get_random_password(ctx: &Ctx<'_>, _: on::Kms, (): ()) -> Result<Output, ApiError> {
    let p = ctx.params;
    let pw = random_password(
        p.u32("PasswordLength")?,
        p.get("ExcludeCharacters").unwrap_or_default(),
        flag(ctx, "ExcludeLowercase")?,
        flag(ctx, "ExcludeUppercase")?,
        flag(ctx, "ExcludeNumbers")?,
        flag(ctx, "ExcludePunctuation")?,
        flag(ctx, "RequireEachIncludedType")?,
    )?;
    obj(json!({ "RandomPassword": pw }))
}

fn create_secret(
    ctx: &Ctx<'_>,
    (_, on::EncryptionKey(encryption_key), _, _): (
        on::Secrets,
        on::EncryptionKey,
        on::RamSecretUser,
        on::DbInstance,
    ),
    (): (),
) -> Result<Output, ApiError> {
    let p = ctx.params;
    let tags = match p.get("Tags").filter(|s| !s.is_empty()) {
        Some(t) => parse_tags("Tags", t)?,
        None => Vec::new(),
    };
    obj(ctx.rampart.create_secret(CreateSecret {
        secret_name: p.required("SecretName")?.to_string(),
        version_id: p.required("VersionId")?.to_string(),
        secret_data: p.required("SecretData")?.to_string(),
        secret_data_type: p.opt("SecretDataType").filter(|s| !s.is_empty()),
        description: p.opt("Description"),
        encryption_key_id: encryption_key.as_ref().cloned(),
        tags,
        secret_type: p.opt("SecretType").filter(|s| !s.is_empty()),
        extended_config: p.opt("ExtendedConfig").filter(|s| !s.is_empty()),
        enable_automatic_rotation: flag(ctx, "EnableAutomaticRotation")?,
        rotation_interval: p.opt("RotationInterval").filter(|s| !s.is_empty()),
        policy: p.opt("Policy").filter(|s| !s.is_empty()),
    })?)
}

fn get_value(ctx: &Ctx<'_>, secret: SecretName) -> Result<GetValue, ApiError> {
    let p = ctx.params;
    Ok(GetValue {
        secret_name: secret,
        version_id: p.opt("VersionId").filter(|s| !s.is_empty()),
        version_stage: p.opt("VersionStage").filter(|s| !s.is_empty()),
        fetch_extended_config: flag(ctx, "FetchExtendedConfig")?,
    })
}

fn get_secret_value(
    ctx: &Ctx<'_>,
    on::SecretToRead(secret): on::SecretToRead,
    (): (),
) -> Result<Output, ApiError> {
    obj(ctx.rampart.get_secret_value(&get_value(ctx, secret)?)?)
}

fn batch_get_secret_value(
    ctx: &Ctx<'_>,
    (_, on::SecretsList(batch)): (on::Secrets, on::SecretsList),
    (): (),
) -> Result<Output, ApiError> {
    let mut values = Vec::new();
    let mut errors = Vec::new();
    for item in &batch {
        let ask = &item.ask;
        let result = match &item.secret {
            Err(e) => Err(e.clone()),
            Ok(secret) => ctx.rampart.get_secret_value(&GetValue {
                secret_name: secret.clone(),
                version_id: ask.version_id.clone(),
                version_stage: ask.version_stage.clone(),
                fetch_extended_config: ask.fetch_extended_config,
            }),
        };
        match result {
            Ok(v) => values.push(v),
            Err(e) => errors.push(json!({
                "SecretName": ask.name, "Code": e.code, "Message": e.message, "HttpStatus": e.status
            })),
        }
    }
    obj(json!({ "SecretValues": values, "Errors": errors }))
}

fn put_secret_value(
    ctx: &Ctx<'_>,
    on::SecretToWrite(secret): on::SecretToWrite,
    (): (),
) -> Result<Output, ApiError> {
    let p = ctx.params;
    let stages = match p.get("VersionStages").filter(|s| !s.is_empty()) {
        Some(s) => Some(parse_stages(s)?),
        None => {
            let flat: Vec<String> = (1..=10)
                .map_while(|n| p.opt(&format!("VersionStages.{n}")))
                .collect();
            (!flat.is_empty()).then_some(flat)
        }
    };
    obj(ctx.rampart.put_secret_value(
        &secret,
        p.required("VersionId")?,
        p.required("SecretData")?,
        p.get("SecretDataType").filter(|s| !s.is_empty()),
        stages,
    )?)
}

fn list_secret_version_ids(
    ctx: &Ctx<'_>,
    on::Secret(secret): on::Secret,
    (): (),
) -> Result<Output, ApiError> {
    let p = ctx.params;
    obj(ctx.rampart.list_secret_version_ids(
        &secret,
        flag(ctx, "IncludeDeprecated")?,
        p.u32("PageNumber")?,
        p.u32("PageSize")?,
    )?)
}

fn update_secret_version_stage(
    ctx: &Ctx<'_>,
    on::Secret(secret): on::Secret,
    (): (),
) -> Result<Output, ApiError> {
    let p = ctx.params;
    obj(ctx.rampart.update_secret_version_stage(
        &secret,
        p.required("VersionStage")?,
        p.get("RemoveFromVersion").filter(|s| !s.is_empty()),
        p.get("MoveToVersion").filter(|s| !s.is_empty()),
    )?)
}

fn describe_secret(
    ctx: &Ctx<'_>,
    on::Secret(secret): on::Secret,
    (): (),
) -> Result<Output, ApiError> {
    obj(ctx
        .rampart
        .describe_secret(&secret, flag(ctx, "FetchTags")?)?)
}

fn list_secrets(ctx: &Ctx<'_>, _: on::Secrets, (): ()) -> Result<Output, ApiError> {
    let p = ctx.params;
    obj(ctx.rampart.list_secrets(&ListSecrets {
        page_number: p.u32("PageNumber")?,
        page_size: p.u32("PageSize")?,
        fetch_tags: flag(ctx, "FetchTags")?,
        filters: p.opt("Filters"),
    })?)
}

/// `ExtendedConfig.CustomData` as JSON, or flattened `ExtendedConfig.CustomData.<k>`.
fn custom_data(ctx: &Ctx<'_>) -> Result<Option<Value>, ApiError> {
    if let Some(text) = ctx
        .params
        .get("ExtendedConfig.CustomData")
        .filter(|s| !s.is_empty())
    {
        let v: Value = serde_json::from_str(text).map_err(|_| {
            ApiError::invalid(
                "ExtendedConfig.CustomData",
                "The specified parameter \"ExtendedConfig.CustomData\" is not valid: write a JSON object.",
            )
        })?;
        return Ok(Some(v));
    }
    let mut m = Map::new();
    for (k, v) in ctx.params.iter() {
        if let Some(key) = k.strip_prefix("ExtendedConfig.CustomData.") {
            m.insert(key.to_string(), Value::String(v.to_string()));
        }
    }
    Ok((!m.is_empty()).then_some(Value::Object(m)))
}

fn update_secret(
    ctx: &Ctx<'_>,
    on::Secret(secret): on::Secret,
    (): (),
) -> Result<Output, ApiError> {
    obj(ctx
        .rampart
        .update_secret(&secret, ctx.params.get("Description"), custom_data(ctx)?)?)
}

fn delete_secret(
    ctx: &Ctx<'_>,
    on::Secret(secret): on::Secret,
    (): (),
) -> Result<Output, ApiError> {
    obj(ctx.rampart.delete_secret(
        &secret,
        ctx.params.get("RecoveryWindowInDays"),
        flag(ctx, "ForceDeleteWithoutRecovery")?,
    )?)
}

fn restore_secret(
    ctx: &Ctx<'_>,
    on::Secret(secret): on::Secret,
    (): (),
) -> Result<Output, ApiError> {
    obj(ctx.rampart.restore_secret(&secret)?)
}

fn check_policy_name(ctx: &Ctx<'_>) -> Result<(), ApiError> {
    match ctx.params.get("PolicyName").filter(|s| !s.is_empty()) {
        None | Some("default") => Ok(()),
        Some(other) => Err(ApiError::invalid(
            "PolicyName",
            format!("The specified parameter \"PolicyName\" is not valid: `{other}`; only `default` exists."),
        )),
    }
}

fn get_secret_policy(
    ctx: &Ctx<'_>,
    on::Secret(secret): on::Secret,
    (): (),
) -> Result<Output, ApiError> {
    check_policy_name(ctx)?;
    obj(ctx.rampart.get_secret_policy(&secret)?)
}

fn set_secret_policy(
    ctx: &Ctx<'_>,
    on::Secret(secret): on::Secret,
    (): (),
) -> Result<Output, ApiError> {
    check_policy_name(ctx)?;
    ctx.rampart
        .set_secret_policy(&secret, ctx.params.required("Policy")?)?;
    empty()
}

fn tag_resource(
    ctx: &Ctx<'_>,
    on::Tagged(tagged_kind, tagged_id): on::Tagged,
    (): (),
) -> Result<Output, ApiError> {
    let (kind, id) = (tagged_kind, tagged_id.as_str());
    let tags = parse_tags("Tags", ctx.params.required("Tags")?)?;
    ctx.rampart.tag(kind, id, &tags)?;
    empty()
}

/// `TagKeys`: a JSON array, or keys separated by commas.
fn tag_keys(text: &str) -> Vec<String> {
    match serde_json::from_str::<Vec<String>>(text) {
        Ok(v) => v,
        Err(_) => text
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect(),
    }
}

fn untag_resource(
    ctx: &Ctx<'_>,
    on::Tagged(tagged_kind, tagged_id): on::Tagged,
    (): (),
) -> Result<Output, ApiError> {
    let (kind, id) = (tagged_kind, tagged_id.as_str());
    ctx.rampart
        .untag(kind, id, &tag_keys(ctx.params.required("TagKeys")?))?;
    empty()
}

fn numbered(ctx: &Ctx<'_>, prefix: &str) -> Vec<String> {
    (1..=50)
        .map_while(|n| ctx.params.opt(&format!("{prefix}.{n}")))
        .collect()
}

fn tag_resources(
    ctx: &Ctx<'_>,
    on::TypedResources(resources): on::TypedResources,
    (): (),
) -> Result<Output, ApiError> {
    let mut tags = Vec::new();
    for n in 1..=20 {
        match ctx.params.get(&format!("Tag.{n}.Key")) {
            Some(k) => tags.push((
                k.to_string(),
                ctx.params
                    .get(&format!("Tag.{n}.Value"))
                    .unwrap_or_default()
                    .to_string(),
            )),
            None => break,
        }
    }
    for (kind, id) in &resources {
        ctx.rampart.tag(*kind, id, &tags)?;
    }
    empty()
}

fn untag_resources(
    ctx: &Ctx<'_>,
    on::TypedResources(resources): on::TypedResources,
    (): (),
) -> Result<Output, ApiError> {
    let all = flag(ctx, "All")?;
    let keys = numbered(ctx, "TagKey");
    for (kind, id) in &resources {
        let keys = if all && keys.is_empty() {
            ctx.rampart
                .tags_of(*kind, id)?
                .into_iter()
                .map(|(k, _)| k)
                .collect()
        } else {
            keys.clone()
        };
        ctx.rampart.untag(*kind, id, &keys)?;
    }
    empty()
}

fn list_tag_resources(
    ctx: &Ctx<'_>,
    on::TypedResources(resources): on::TypedResources,
    (): (),
) -> Result<Output, ApiError> {
    let mut items = Vec::new();
    for (kind, id) in &resources {
        for (k, v) in ctx.rampart.tags_of(*kind, id)? {
            items.push(json!({"ResourceId": id, "ResourceType": kind.as_str(), "TagKey": k, "TagValue": v}));
        }
    }
    obj(json!({ "TagResources": { "TagResource": items }, "NextToken": "" }))
}

fn rotate_secret(
    ctx: &Ctx<'_>,
    (on::Secret(secret), _): (on::Secret, on::DbInstance),
    (): (),
) -> Result<Output, ApiError> {
    obj(ctx
        .rampart
        .rotate_secret(&secret, ctx.params.required("VersionId")?)?)
}

fn update_secret_rotation_policy(
    ctx: &Ctx<'_>,
    on::Secret(secret): on::Secret,
    (): (),
) -> Result<Output, ApiError> {
    let p = ctx.params;
    let enable = p
        .bool("EnableAutomaticRotation")?
        .ok_or_else(|| ApiError::missing("EnableAutomaticRotation"))?;
    obj(ctx
        .rampart
        .update_secret_rotation_policy(&secret, enable, p.get("RotationInterval"))?)
}
