//! KMS (2016-01-20) actions: keys, aliases, cryptography, secrets, tags.

use rampart_core::kms::crypto::Blob;
use rampart_core::kms::keys::{random_password, CreateKey};
use rampart_core::kms::secrets::{
    parse_stages, secret_name_of, CreateSecret, GetValue, ListSecrets,
};
use rampart_core::kms::tags::parse_tags;
use rampart_core::ApiError;
use rampart_store::TagResource;
use serde_json::{json, Map, Value};

use crate::products::{ActionSpec, AuthExtraFn, HandlerFn, ResourceFn};
use crate::{Ctx, Output};

const fn spec(name: &'static str, resource: ResourceFn, handler: HandlerFn) -> ActionSpec {
    ActionSpec {
        name,
        resource: Some(resource),
        auth_extra: None,
        handler,
    }
}

const fn secret_spec(name: &'static str, handler: HandlerFn) -> ActionSpec {
    ActionSpec {
        name,
        resource: Some(secret_arn),
        auth_extra: Some(secret_extra as AuthExtraFn),
        handler,
    }
}

/// The implemented KMS actions.
pub static ACTIONS: &[ActionSpec] = &[
    spec("CreateKey", key_container, create_key),
    spec("DescribeKey", key_arn, describe_key),
    spec("ListKeys", key_container, list_keys),
    spec("UpdateKeyDescription", key_arn, update_key_description),
    spec("EnableKey", key_arn, enable_key),
    spec("DisableKey", key_arn, disable_key),
    spec("ScheduleKeyDeletion", key_arn, schedule_key_deletion),
    spec("CancelKeyDeletion", key_arn, cancel_key_deletion),
    spec(
        "SetDeletionProtection",
        protected_key_arn,
        set_deletion_protection,
    ),
    spec("UpdateRotationPolicy", key_arn, update_rotation_policy),
    spec("CreateKeyVersion", key_arn, create_key_version),
    spec("ListKeyVersions", key_arn, list_key_versions),
    spec("DescribeKeyVersion", key_arn, describe_key_version),
    spec("CreateAlias", alias_arn, create_alias),
    spec("UpdateAlias", alias_arn, update_alias),
    spec("DeleteAlias", alias_arn, delete_alias),
    spec("ListAliases", key_container, list_aliases),
    spec("ListAliasesByKeyId", key_arn, list_aliases_by_key_id),
    spec("Encrypt", key_arn, encrypt),
    spec("Decrypt", blob_key_arn, decrypt),
    spec("GenerateDataKey", key_arn, generate_data_key),
    spec(
        "GenerateDataKeyWithoutPlaintext",
        key_arn,
        generate_data_key_without_plaintext,
    ),
    spec("ReEncrypt", destination_key_arn, re_encrypt),
    spec("GetRandomPassword", any_resource, get_random_password),
    spec("CreateSecret", secret_container, create_secret),
    secret_spec("GetSecretValue", get_secret_value),
    spec(
        "BatchGetSecretValue",
        secret_container,
        batch_get_secret_value,
    ),
    secret_spec("PutSecretValue", put_secret_value),
    secret_spec("ListSecretVersionIds", list_secret_version_ids),
    secret_spec("UpdateSecretVersionStage", update_secret_version_stage),
    secret_spec("DescribeSecret", describe_secret),
    spec("ListSecrets", secret_container, list_secrets),
    secret_spec("UpdateSecret", update_secret),
    secret_spec("DeleteSecret", delete_secret),
    secret_spec("RestoreSecret", restore_secret),
    secret_spec("RotateSecret", rotate_secret),
    secret_spec("UpdateSecretRotationPolicy", update_secret_rotation_policy),
    secret_spec("GetSecretPolicy", get_secret_policy),
    secret_spec("SetSecretPolicy", set_secret_policy),
    spec("TagResource", tagged_resource_arn, tag_resource),
    spec("UntagResource", tagged_resource_arn, untag_resource),
    spec("TagResources", typed_container, tag_resources),
    spec("UntagResources", typed_container, untag_resources),
    spec("ListTagResources", typed_container, list_tag_resources),
];

fn kms_arn(ctx: &Ctx<'_>, relative: &str) -> String {
    format!(
        "acs:kms:{}:{}:{relative}",
        ctx.rampart.settings().region,
        ctx.rampart.account_id()
    )
}

fn any_resource(ctx: &Ctx<'_>) -> Result<String, ApiError> {
    Ok(kms_arn(ctx, "*"))
}

fn key_container(ctx: &Ctx<'_>) -> Result<String, ApiError> {
    Ok(kms_arn(ctx, "key"))
}

/// The key a `KeyId` (id, alias or ARN) names; an unknown key keeps its
/// given id so authorization comes first and the handler answers 404.
fn key_arn_for(ctx: &Ctx<'_>, key_ref: &str) -> String {
    match ctx.rampart.resolve_key(key_ref) {
        Ok(k) => ctx.rampart.key_arn(&k.key_id),
        Err(_) => kms_arn(ctx, &format!("key/{key_ref}")),
    }
}

fn key_arn(ctx: &Ctx<'_>) -> Result<String, ApiError> {
    Ok(key_arn_for(ctx, ctx.params.required("KeyId")?))
}

fn protected_key_arn(ctx: &Ctx<'_>) -> Result<String, ApiError> {
    let r = ctx
        .params
        .get("ProtectedResourceArn")
        .or_else(|| ctx.params.get("KeyId"))
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::missing("ProtectedResourceArn"))?;
    Ok(key_arn_for(ctx, r))
}

fn destination_key_arn(ctx: &Ctx<'_>) -> Result<String, ApiError> {
    Ok(key_arn_for(ctx, ctx.params.required("DestinationKeyId")?))
}

fn blob_key_arn(ctx: &Ctx<'_>) -> Result<String, ApiError> {
    let blob = Blob::decode(ctx.params.required("CiphertextBlob")?)?;
    Ok(ctx.rampart.key_arn(&blob.key_id))
}

fn alias_arn(ctx: &Ctx<'_>) -> Result<String, ApiError> {
    Ok(kms_arn(ctx, ctx.params.required("AliasName")?))
}

fn secret_container(ctx: &Ctx<'_>) -> Result<String, ApiError> {
    Ok(kms_arn(ctx, "secret"))
}

fn secret_name(ctx: &Ctx<'_>) -> Result<String, ApiError> {
    Ok(secret_name_of(ctx.params.required("SecretName")?).to_string())
}

fn secret_arn(ctx: &Ctx<'_>) -> Result<String, ApiError> {
    Ok(ctx.rampart.secret_arn(&secret_name(ctx)?))
}

fn secret_extra(
    ctx: &Ctx<'_>,
) -> Result<std::sync::Arc<rampart_core::kms::secrets::SecretAuth>, ApiError> {
    ctx.rampart.secret_auth(&secret_name(ctx)?)
}

fn tagged_resource_arn(ctx: &Ctx<'_>) -> Result<String, ApiError> {
    match (ctx.params.get("KeyId").filter(|s| !s.is_empty()), ctx.params.get("SecretName").filter(|s| !s.is_empty())) {
        (Some(k), None) => Ok(key_arn_for(ctx, k)),
        (None, Some(_)) => secret_arn(ctx),
        _ => Err(ApiError::invalid(
            "KeyId",
            "The specified parameter \"KeyId\" is not valid: give exactly one of KeyId and SecretName.",
        )),
    }
}

fn resource_type(ctx: &Ctx<'_>) -> Result<TagResource, ApiError> {
    match ctx.params.required("ResourceType")? {
        "key" => Ok(TagResource::Key),
        "secret" => Ok(TagResource::Secret),
        other => Err(ApiError::invalid(
            "ResourceType",
            format!("The specified parameter \"ResourceType\" is not valid: `{other}` must be `key` or `secret`."),
        )),
    }
}

fn typed_container(ctx: &Ctx<'_>) -> Result<String, ApiError> {
    Ok(match resource_type(ctx)? {
        TagResource::Key => kms_arn(ctx, "key"),
        TagResource::Secret => kms_arn(ctx, "secret"),
    })
}

fn obj(v: Value) -> Result<Output, ApiError> {
    match v {
        Value::Object(m) => Ok(m),
        _ => Err(ApiError::internal("handler result is not an object")),
    }
}

fn empty() -> Result<Output, ApiError> {
    Ok(Map::new())
}

fn page_params(ctx: &Ctx<'_>) -> Result<(u64, u32), ApiError> {
    let (p, s) = rampart_core::kms::secrets::paging(
        ctx.params.u32("PageNumber")?,
        ctx.params.u32("PageSize")?,
        10,
    )?;
    Ok((u64::from(p), s))
}

fn paged(
    outer: &str,
    inner: &str,
    items: Vec<Value>,
    total: u64,
    page: u64,
    size: u32,
) -> Result<Output, ApiError> {
    obj(
        json!({ outer: { inner: items }, "TotalCount": total, "PageNumber": page, "PageSize": size }),
    )
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

fn create_key(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
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
    })?;
    obj(json!({ "KeyMetadata": ctx.rampart.key_metadata(&k) }))
}

fn describe_key(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    let k = ctx.rampart.resolve_key(ctx.params.required("KeyId")?)?;
    obj(json!({ "KeyMetadata": ctx.rampart.key_metadata(&k) }))
}

fn list_keys(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    let (page, size) = page_params(ctx)?;
    let (items, total) = ctx.rampart.list_keys(page, size)?;
    paged("Keys", "Key", items, total, page, size)
}

fn update_key_description(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    ctx.rampart.update_key_description(
        ctx.params.required("KeyId")?,
        ctx.params.get("Description").unwrap_or_default(),
    )?;
    empty()
}

fn enable_key(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    ctx.rampart
        .set_key_enabled(ctx.params.required("KeyId")?, true)?;
    empty()
}

fn disable_key(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    ctx.rampart
        .set_key_enabled(ctx.params.required("KeyId")?, false)?;
    empty()
}

fn schedule_key_deletion(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    let days = ctx
        .params
        .u32("PendingWindowInDays")?
        .ok_or_else(|| ApiError::missing("PendingWindowInDays"))?;
    ctx.rampart
        .schedule_key_deletion(ctx.params.required("KeyId")?, i64::from(days))?;
    empty()
}

fn cancel_key_deletion(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    ctx.rampart
        .cancel_key_deletion(ctx.params.required("KeyId")?)?;
    empty()
}

fn set_deletion_protection(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    let p = ctx.params;
    let r = p
        .get("ProtectedResourceArn")
        .or_else(|| p.get("KeyId"))
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::missing("ProtectedResourceArn"))?;
    let on = p
        .bool("EnableDeletionProtection")?
        .ok_or_else(|| ApiError::missing("EnableDeletionProtection"))?;
    ctx.rampart
        .set_deletion_protection(r, on, p.get("DeletionProtectionDescription"))?;
    empty()
}

fn update_rotation_policy(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    let p = ctx.params;
    let enable = p
        .bool("EnableAutomaticRotation")?
        .ok_or_else(|| ApiError::missing("EnableAutomaticRotation"))?;
    ctx.rampart.update_rotation_policy(
        p.required("KeyId")?,
        enable,
        p.get("RotationInterval").filter(|s| !s.is_empty()),
    )?;
    empty()
}

fn create_key_version(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    obj(json!({ "KeyVersion": ctx.rampart.create_key_version(ctx.params.required("KeyId")?)? }))
}

fn list_key_versions(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    let (page, size) = page_params(ctx)?;
    let (items, total) =
        ctx.rampart
            .list_key_versions(ctx.params.required("KeyId")?, page, size)?;
    paged("KeyVersions", "KeyVersion", items, total, page, size)
}

fn describe_key_version(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    let v = ctx.rampart.describe_key_version(
        ctx.params.required("KeyId")?,
        ctx.params.required("KeyVersionId")?,
    )?;
    obj(json!({ "KeyVersion": v }))
}

fn create_alias(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    let key = ctx.params.required("KeyId")?;
    ctx.authorize("kms:CreateAlias", &key_arn_for(ctx, key))?;
    ctx.rampart
        .create_alias(ctx.params.required("AliasName")?, key)?;
    empty()
}

fn update_alias(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    let key = ctx.params.required("KeyId")?;
    ctx.authorize("kms:UpdateAlias", &key_arn_for(ctx, key))?;
    ctx.rampart
        .update_alias(ctx.params.required("AliasName")?, key)?;
    empty()
}

fn delete_alias(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    ctx.rampart
        .delete_alias(ctx.params.required("AliasName")?)?;
    empty()
}

fn list_aliases(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    let (page, size) = page_params(ctx)?;
    let (items, total) = ctx.rampart.list_aliases(None, page, size)?;
    paged("Aliases", "Alias", items, total, page, size)
}

fn list_aliases_by_key_id(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    let (page, size) = page_params(ctx)?;
    let (items, total) =
        ctx.rampart
            .list_aliases(Some(ctx.params.required("KeyId")?), page, size)?;
    paged("Aliases", "Alias", items, total, page, size)
}

fn encrypt(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    let ec = encryption_context(ctx, "EncryptionContext")?;
    obj(ctx.rampart.encrypt(
        ctx.params.required("KeyId")?,
        ctx.params.required("Plaintext")?,
        &ec,
    )?)
}

fn decrypt(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    let ec = encryption_context(ctx, "EncryptionContext")?;
    obj(ctx
        .rampart
        .decrypt(ctx.params.required("CiphertextBlob")?, &ec)?)
}

fn data_key(ctx: &Ctx<'_>, with_plaintext: bool) -> Result<Output, ApiError> {
    let ec = encryption_context(ctx, "EncryptionContext")?;
    obj(ctx.rampart.generate_data_key(
        ctx.params.required("KeyId")?,
        ctx.params.get("KeySpec").filter(|s| !s.is_empty()),
        ctx.params.u32("NumberOfBytes")?,
        &ec,
        with_plaintext,
    )?)
}

fn generate_data_key(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    data_key(ctx, true)
}

fn generate_data_key_without_plaintext(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    data_key(ctx, false)
}

fn re_encrypt(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    let blob = ctx.params.required("CiphertextBlob")?;
    let source = Blob::decode(blob)?;
    ctx.authorize("kms:ReEncrypt", &ctx.rampart.key_arn(&source.key_id))?;
    let src = encryption_context(ctx, "SourceEncryptionContext")?;
    let dst = encryption_context(ctx, "DestinationEncryptionContext")?;
    obj(ctx
        .rampart
        .re_encrypt(blob, ctx.params.required("DestinationKeyId")?, &src, &dst)?)
}

fn get_random_password(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
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

fn create_secret(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    let p = ctx.params;
    // A RAM secret also needs the caller's own right to read the user.
    if p.get("SecretType") == Some("RAMCredentials") {
        if let Some(user) = p
            .get("ExtendedConfig")
            .and_then(|e| serde_json::from_str::<Value>(e).ok())
            .and_then(|v| {
                v.get("UserName")
                    .and_then(Value::as_str)
                    .map(str::to_string)
            })
        {
            ctx.authorize(
                "ram:GetUser",
                &format!("acs:ram:*:{}:user/{user}", ctx.rampart.account_id()),
            )?;
        }
    }
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
        encryption_key_id: p.opt("EncryptionKeyId").filter(|s| !s.is_empty()),
        tags,
        secret_type: p.opt("SecretType").filter(|s| !s.is_empty()),
        extended_config: p.opt("ExtendedConfig").filter(|s| !s.is_empty()),
        enable_automatic_rotation: flag(ctx, "EnableAutomaticRotation")?,
        rotation_interval: p.opt("RotationInterval").filter(|s| !s.is_empty()),
        policy: p.opt("Policy").filter(|s| !s.is_empty()),
    })?)
}

fn get_value(ctx: &Ctx<'_>) -> Result<GetValue, ApiError> {
    let p = ctx.params;
    Ok(GetValue {
        secret_name: p.required("SecretName")?.to_string(),
        version_id: p.opt("VersionId").filter(|s| !s.is_empty()),
        version_stage: p.opt("VersionStage").filter(|s| !s.is_empty()),
        fetch_extended_config: flag(ctx, "FetchExtendedConfig")?,
    })
}

fn get_secret_value(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    obj(ctx.rampart.get_secret_value(&get_value(ctx)?)?)
}

/// Entries of `SecretsList` (a JSON array, or flattened `SecretsList.N.*`).
fn secrets_list(ctx: &Ctx<'_>) -> Result<Vec<GetValue>, ApiError> {
    let bad = || {
        ApiError::invalid(
            "SecretsList",
            "The specified parameter \"SecretsList\" is not valid: write `[{\"SecretName\":\"name\"}]` (at most 20).",
        )
    };
    let mut out = Vec::new();
    if let Some(text) = ctx.params.get("SecretsList").filter(|s| !s.is_empty()) {
        let v: Value = serde_json::from_str(text).map_err(|_| bad())?;
        let Value::Array(items) = v else {
            return Err(bad());
        };
        for it in items {
            let s = |k: &str| it.get(k).and_then(Value::as_str).map(str::to_string);
            out.push(GetValue {
                secret_name: s("SecretName").ok_or_else(bad)?,
                version_id: s("VersionId"),
                version_stage: s("VersionStage"),
                fetch_extended_config: s("FetchExtendedConfig")
                    .is_some_and(|f| f.eq_ignore_ascii_case("true")),
            });
        }
    } else {
        for n in 1..=20 {
            let Some(name) = ctx.params.get(&format!("SecretsList.{n}.SecretName")) else {
                break;
            };
            let g = |k: &str| {
                ctx.params
                    .opt(&format!("SecretsList.{n}.{k}"))
                    .filter(|s| !s.is_empty())
            };
            out.push(GetValue {
                secret_name: name.to_string(),
                version_id: g("VersionId"),
                version_stage: g("VersionStage"),
                fetch_extended_config: g("FetchExtendedConfig")
                    .is_some_and(|f| f.eq_ignore_ascii_case("true")),
            });
        }
    }
    if out.is_empty() || out.len() > 20 {
        return Err(bad());
    }
    Ok(out)
}

fn batch_get_secret_value(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    let mut values = Vec::new();
    let mut errors = Vec::new();
    for req in secrets_list(ctx)? {
        let name = secret_name_of(&req.secret_name).to_string();
        let result = (|| {
            let auth = ctx.rampart.secret_auth(&name)?;
            let (extra, policy) = &*auth;
            let arn = ctx.rampart.secret_arn(&name);
            let mut access = ctx.access("kms:BatchGetSecretValue", &arn);
            access.extra = Some(extra);
            access.resource_policy = policy.as_deref();
            ctx.rampart
                .authorize(ctx.principal, &access)
                .map_err(|e| crate::product_denial(crate::Product::Kms, e))?;
            ctx.rampart.get_secret_value(&req)
        })();
        match result {
            Ok(v) => values.push(v),
            Err(e) => errors.push(json!({
                "SecretName": name, "Code": e.code, "Message": e.message, "HttpStatus": e.status
            })),
        }
    }
    obj(json!({ "SecretValues": values, "Errors": errors }))
}

fn put_secret_value(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
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
        p.required("SecretName")?,
        p.required("VersionId")?,
        p.required("SecretData")?,
        p.get("SecretDataType").filter(|s| !s.is_empty()),
        stages,
    )?)
}

fn list_secret_version_ids(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    let p = ctx.params;
    obj(ctx.rampart.list_secret_version_ids(
        p.required("SecretName")?,
        flag(ctx, "IncludeDeprecated")?,
        p.u32("PageNumber")?,
        p.u32("PageSize")?,
    )?)
}

fn update_secret_version_stage(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    let p = ctx.params;
    obj(ctx.rampart.update_secret_version_stage(
        p.required("SecretName")?,
        p.required("VersionStage")?,
        p.get("RemoveFromVersion").filter(|s| !s.is_empty()),
        p.get("MoveToVersion").filter(|s| !s.is_empty()),
    )?)
}

fn describe_secret(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    obj(ctx
        .rampart
        .describe_secret(ctx.params.required("SecretName")?, flag(ctx, "FetchTags")?)?)
}

fn list_secrets(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
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

fn update_secret(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    obj(ctx.rampart.update_secret(
        ctx.params.required("SecretName")?,
        ctx.params.get("Description"),
        custom_data(ctx)?,
    )?)
}

fn delete_secret(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    obj(ctx.rampart.delete_secret(
        ctx.params.required("SecretName")?,
        ctx.params.get("RecoveryWindowInDays"),
        flag(ctx, "ForceDeleteWithoutRecovery")?,
    )?)
}

fn restore_secret(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    obj(ctx
        .rampart
        .restore_secret(ctx.params.required("SecretName")?)?)
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

fn get_secret_policy(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    check_policy_name(ctx)?;
    obj(ctx
        .rampart
        .get_secret_policy(ctx.params.required("SecretName")?)?)
}

fn set_secret_policy(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    check_policy_name(ctx)?;
    ctx.rampart.set_secret_policy(
        ctx.params.required("SecretName")?,
        ctx.params.required("Policy")?,
    )?;
    empty()
}

/// The tagged resource of TagResource/UntagResource: (kind, id).
fn tag_target(ctx: &Ctx<'_>) -> Result<(TagResource, String), ApiError> {
    if let Some(k) = ctx.params.get("KeyId").filter(|s| !s.is_empty()) {
        return Ok((TagResource::Key, ctx.rampart.resolve_key(k)?.key_id));
    }
    let row = ctx.rampart.secret_row(ctx.params.required("SecretName")?)?;
    Ok((TagResource::Secret, row.secret_name))
}

fn tag_resource(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    let (kind, id) = tag_target(ctx)?;
    let tags = parse_tags("Tags", ctx.params.required("Tags")?)?;
    ctx.rampart.tag(kind, &id, &tags)?;
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

fn untag_resource(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    let (kind, id) = tag_target(ctx)?;
    ctx.rampart
        .untag(kind, &id, &tag_keys(ctx.params.required("TagKeys")?))?;
    empty()
}

fn numbered(ctx: &Ctx<'_>, prefix: &str) -> Vec<String> {
    (1..=50)
        .map_while(|n| ctx.params.opt(&format!("{prefix}.{n}")))
        .collect()
}

/// Resolves and authorizes each `ResourceId.N` for `action`.
fn typed_resources(ctx: &Ctx<'_>, action: &str) -> Result<(TagResource, Vec<String>), ApiError> {
    let kind = resource_type(ctx)?;
    let ids = numbered(ctx, "ResourceId");
    if ids.is_empty() {
        return Err(ApiError::missing("ResourceId.1"));
    }
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let (arn, resolved) = match kind {
            TagResource::Key => {
                let k = ctx.rampart.resolve_key(&id)?;
                (ctx.rampart.key_arn(&k.key_id), k.key_id)
            }
            TagResource::Secret => {
                let s = ctx.rampart.secret_row(&id)?;
                (ctx.rampart.secret_arn(&s.secret_name), s.secret_name)
            }
        };
        ctx.authorize(action, &arn)?;
        out.push(resolved);
    }
    Ok((kind, out))
}

fn tag_resources(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    let (kind, ids) = typed_resources(ctx, "kms:TagResources")?;
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
    for id in ids {
        ctx.rampart.tag(kind, &id, &tags)?;
    }
    empty()
}

fn untag_resources(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    let (kind, ids) = typed_resources(ctx, "kms:UntagResources")?;
    let all = flag(ctx, "All")?;
    let keys = numbered(ctx, "TagKey");
    for id in ids {
        let keys = if all && keys.is_empty() {
            ctx.rampart
                .tags_of(kind, &id)?
                .into_iter()
                .map(|(k, _)| k)
                .collect()
        } else {
            keys.clone()
        };
        ctx.rampart.untag(kind, &id, &keys)?;
    }
    empty()
}

fn list_tag_resources(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    let (kind, ids) = typed_resources(ctx, "kms:ListTagResources")?;
    let mut items = Vec::new();
    for id in ids {
        for (k, v) in ctx.rampart.tags_of(kind, &id)? {
            items.push(json!({"ResourceId": id, "ResourceType": kind.as_str(), "TagKey": k, "TagValue": v}));
        }
    }
    obj(json!({ "TagResources": { "TagResource": items }, "NextToken": "" }))
}

fn rotate_secret(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    obj(ctx.rampart.rotate_secret(
        ctx.params.required("SecretName")?,
        ctx.params.required("VersionId")?,
    )?)
}

fn update_secret_rotation_policy(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    let p = ctx.params;
    let enable = p
        .bool("EnableAutomaticRotation")?
        .ok_or_else(|| ApiError::missing("EnableAutomaticRotation"))?;
    obj(ctx.rampart.update_secret_rotation_policy(
        p.required("SecretName")?,
        enable,
        p.get("RotationInterval"),
    )?)
}
