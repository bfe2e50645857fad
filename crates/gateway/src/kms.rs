//! KMS (2016-01-20) actions: keys, aliases, cryptography, secrets, tags.

use std::borrow::Cow;

use rampart_core::kms::keys::{random_password, CreateKey};
use rampart_core::kms::secrets::{parse_stages, CreateSecret, GetValue, ListSecrets};
use rampart_core::kms::tags::parse_tags;
use rampart_core::kms::views::{
    self, AliasView, Ciphertext, KeyEntry, KeyMetadata, KeyVersionView, Plaintext, ReEncrypted,
    SecretCreated, SecretDeleted, SecretDescription, SecretNamed, SecretRotated, SecretValue,
    SecretVersionStages, SecretsPage,
};
use rampart_core::kms::KeyId;
use rampart_core::ApiError;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::action::{read, FromParams, Typed};
use crate::kms_asym::KeyVersion;
use crate::on;
use crate::products::ActionSpec;
use crate::request;
use crate::respond::{answers, key, Items, Listed, Nothing, Numbered, One};
use crate::{Ctx, Params};

answers!(
    Ciphertext,
    Plaintext,
    ReEncrypted,
    SecretCreated,
    SecretDeleted,
    SecretDescription,
    SecretNamed,
    SecretRotated,
    SecretValue,
    SecretVersionStages,
    SecretsPage,
    views::SecretPolicy,
    views::VersionIdsPage,
);
answers!(
    AccountKmsStatusAnswer,
    RandomPasswordAnswer,
    SecretValuesAnswer,
    TagResourcesAnswer,
);

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
fn describe_regions(
    ctx: &Ctx<'_>,
    (): (),
    (): (),
) -> Result<Listed<key::Regions, key::Region, RegionView>, ApiError> {
    let region_id = ctx.rampart.settings().region.clone();
    Ok(Listed::new(vec![RegionView { region_id }]))
}

/// One region of DescribeRegions.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct RegionView {
    region_id: String,
}

/// KMS is always enabled for the account here.
fn describe_account_kms_status(
    _: &Ctx<'_>,
    _: on::Kms,
    (): (),
) -> Result<AccountKmsStatusAnswer, ApiError> {
    Ok(AccountKmsStatusAnswer {
        account_status: "Enabled",
    })
}

/// DescribeAccountKmsStatus's answer.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct AccountKmsStatusAnswer {
    account_status: &'static str,
}

/// `PageNumber` (from 1) and `PageSize` (10 by default).
fn page_params(p: &Params) -> Result<(u64, u32), ApiError> {
    let (number, size) =
        rampart_core::kms::secrets::paging(p.u32("PageNumber")?, p.u32("PageSize")?, 10)?;
    Ok((u64::from(number), size))
}

request! {
    /// `ListKeys`, `ListKeyVersions`, `ListAliases`, `ListAliasesByKeyId`.
    struct Page {
        number_and_size: (u64, u32) = with(page_params),
    }
}

/// An encryption context (`EncryptionContext`, ...) as a JSON object
/// string, or flattened `Name.<k>=v`.
fn context(p: &Params, name: &str) -> Result<Vec<(String, String)>, ApiError> {
    let mut out = Vec::new();
    if let Some(text) = p.get(name).filter(|s| !s.is_empty()) {
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
    for (k, v) in p.iter() {
        if let Some(key) = k.strip_prefix(&prefix) {
            out.push((key.to_string(), v.to_string()));
        }
    }
    Ok(out)
}

fn encryption_context(p: &Params) -> Result<Vec<(String, String)>, ApiError> {
    context(p, "EncryptionContext")
}

fn source_encryption_context(p: &Params) -> Result<Vec<(String, String)>, ApiError> {
    context(p, "SourceEncryptionContext")
}

fn destination_encryption_context(p: &Params) -> Result<Vec<(String, String)>, ApiError> {
    context(p, "DestinationEncryptionContext")
}

/// `Tags` as JSON, if given (none otherwise).
fn optional_tags(p: &Params) -> Result<Vec<(String, String)>, ApiError> {
    match p.get("Tags").filter(|s| !s.is_empty()) {
        Some(t) => parse_tags("Tags", t),
        None => Ok(Vec::new()),
    }
}

/// A boolean that must be given.
fn required_bool(p: &Params, name: &str) -> Result<bool, ApiError> {
    p.bool(name)?.ok_or_else(|| ApiError::missing(name))
}

fn enable_automatic_rotation(p: &Params) -> Result<bool, ApiError> {
    required_bool(p, "EnableAutomaticRotation")
}

/// `CreateKey`.
impl FromParams for CreateKey {
    fn parse(p: &Params) -> Result<Self, ApiError> {
        let tags = optional_tags(p)?;
        Ok(CreateKey {
            description: read::opt(p, "Description")?,
            key_spec: read::nonempty(p, "KeySpec")?,
            key_usage: read::nonempty(p, "KeyUsage")?,
            origin: read::nonempty(p, "Origin")?,
            enable_automatic_rotation: read::flag(p, "EnableAutomaticRotation")?,
            rotation_interval: read::nonempty(p, "RotationInterval")?,
            tags,
            policy: read::nonempty(p, "Policy")?,
        })
    }
}

fn create_key(
    ctx: &Ctx<'_>,
    _: on::Keys,
    r: CreateKey,
) -> Result<One<key::KeyMetadata, KeyMetadata>, ApiError> {
    let k = ctx.rampart.create_key(r)?;
    Ok(One::new(ctx.rampart.key_metadata(&k)))
}

fn describe_key(
    ctx: &Ctx<'_>,
    on::Key(key): on::Key,
    (): (),
) -> Result<One<key::KeyMetadata, KeyMetadata>, ApiError> {
    let k = ctx.rampart.key_row(&key)?;
    Ok(One::new(ctx.rampart.key_metadata(&k)))
}

fn list_keys(
    ctx: &Ctx<'_>,
    _: on::Keys,
    r: Page,
) -> Result<Numbered<key::Keys, key::Key, KeyEntry>, ApiError> {
    let (page, size) = r.number_and_size;
    let (items, total) = ctx.rampart.list_keys(page, size)?;
    Ok(Numbered::new(items, total, page, size))
}

request! {
    /// `UpdateKeyDescription`.
    struct KeyDescription {
        description: String = text("Description"),
    }
}

fn update_key_description(
    ctx: &Ctx<'_>,
    on::Key(key): on::Key,
    r: KeyDescription,
) -> Result<Nothing, ApiError> {
    ctx.rampart.update_key_description(&key, &r.description)?;
    Ok(Nothing)
}

fn enable_key(ctx: &Ctx<'_>, on::Key(key): on::Key, (): ()) -> Result<Nothing, ApiError> {
    ctx.rampart.set_key_enabled(&key, true)?;
    Ok(Nothing)
}

fn disable_key(ctx: &Ctx<'_>, on::Key(key): on::Key, (): ()) -> Result<Nothing, ApiError> {
    ctx.rampart.set_key_enabled(&key, false)?;
    Ok(Nothing)
}

fn pending_window_in_days(p: &Params) -> Result<u32, ApiError> {
    p.u32("PendingWindowInDays")?
        .ok_or_else(|| ApiError::missing("PendingWindowInDays"))
}

request! {
    /// `ScheduleKeyDeletion`.
    struct PendingWindow {
        days: u32 = with(pending_window_in_days),
    }
}

fn schedule_key_deletion(
    ctx: &Ctx<'_>,
    on::Key(key): on::Key,
    r: PendingWindow,
) -> Result<Nothing, ApiError> {
    ctx.rampart.schedule_key_deletion(&key, i64::from(r.days))?;
    Ok(Nothing)
}

fn cancel_key_deletion(ctx: &Ctx<'_>, on::Key(key): on::Key, (): ()) -> Result<Nothing, ApiError> {
    ctx.rampart.cancel_key_deletion(&key)?;
    Ok(Nothing)
}

fn enable_deletion_protection(p: &Params) -> Result<bool, ApiError> {
    required_bool(p, "EnableDeletionProtection")
}

request! {
    /// `SetDeletionProtection`.
    struct DeletionProtection {
        enable: bool = with(enable_deletion_protection),
        description: Option<String> = opt("DeletionProtectionDescription"),
    }
}

fn set_deletion_protection(
    ctx: &Ctx<'_>,
    on::ProtectedKey(key): on::ProtectedKey,
    r: DeletionProtection,
) -> Result<Nothing, ApiError> {
    ctx.rampart
        .set_deletion_protection(&key, r.enable, r.description.as_deref())?;
    Ok(Nothing)
}

request! {
    /// `UpdateRotationPolicy`.
    struct KeyRotationPolicy {
        enable: bool = with(enable_automatic_rotation),
        rotation_interval: Option<String> = nonempty("RotationInterval"),
    }
}

fn update_rotation_policy(
    ctx: &Ctx<'_>,
    on::Key(key): on::Key,
    r: KeyRotationPolicy,
) -> Result<Nothing, ApiError> {
    ctx.rampart
        .update_rotation_policy(&key, r.enable, r.rotation_interval.as_deref())?;
    Ok(Nothing)
}

fn create_key_version(
    ctx: &Ctx<'_>,
    on::Key(key): on::Key,
    (): (),
) -> Result<One<key::KeyVersion, KeyVersionView>, ApiError> {
    Ok(One::new(ctx.rampart.create_key_version(&key)?))
}

fn list_key_versions(
    ctx: &Ctx<'_>,
    on::Key(key): on::Key,
    r: Page,
) -> Result<Numbered<key::KeyVersions, key::KeyVersion, KeyVersionView>, ApiError> {
    let (page, size) = r.number_and_size;
    let (items, total) = ctx.rampart.list_key_versions(&key, page, size)?;
    Ok(Numbered::new(items, total, page, size))
}

fn describe_key_version(
    ctx: &Ctx<'_>,
    on::Key(key): on::Key,
    r: KeyVersion,
) -> Result<One<key::KeyVersion, KeyVersionView>, ApiError> {
    let v = ctx.rampart.describe_key_version(&key, &r.key_version_id)?;
    Ok(One::new(v))
}

fn create_alias(
    ctx: &Ctx<'_>,
    (on::NewAlias(alias), on::Key(key)): (on::NewAlias, on::Key),
    (): (),
) -> Result<Nothing, ApiError> {
    ctx.rampart.create_alias(&alias, &key)?;
    Ok(Nothing)
}

fn update_alias(
    ctx: &Ctx<'_>,
    (on::Alias(alias), on::Key(key)): (on::Alias, on::Key),
    (): (),
) -> Result<Nothing, ApiError> {
    ctx.rampart.update_alias(&alias, &key)?;
    Ok(Nothing)
}

fn delete_alias(ctx: &Ctx<'_>, on::Alias(alias): on::Alias, (): ()) -> Result<Nothing, ApiError> {
    ctx.rampart.delete_alias(&alias)?;
    Ok(Nothing)
}

fn list_aliases(
    ctx: &Ctx<'_>,
    _: on::Aliases,
    r: Page,
) -> Result<Numbered<key::Aliases, key::Alias, AliasView>, ApiError> {
    let (page, size) = r.number_and_size;
    let (items, total) = ctx.rampart.list_aliases(None, page, size)?;
    Ok(Numbered::new(items, total, page, size))
}

fn list_aliases_by_key_id(
    ctx: &Ctx<'_>,
    on::Key(key): on::Key,
    r: Page,
) -> Result<Numbered<key::Aliases, key::Alias, AliasView>, ApiError> {
    let (page, size) = r.number_and_size;
    let (items, total) = ctx.rampart.list_aliases(Some(&key), page, size)?;
    Ok(Numbered::new(items, total, page, size))
}

request! {
    /// `Encrypt`.
    struct ToEncrypt {
        encryption_context: Vec<(String, String)> = with(encryption_context),
        plaintext: String = required("Plaintext"),
    }
}

fn encrypt(ctx: &Ctx<'_>, on::Key(key): on::Key, r: ToEncrypt) -> Result<Ciphertext, ApiError> {
    ctx.rampart
        .encrypt(&key, &r.plaintext, &r.encryption_context)
}

request! {
    /// `Decrypt`.
    struct ToDecrypt {
        encryption_context: Vec<(String, String)> = with(encryption_context),
        ciphertext_blob: String = required("CiphertextBlob"),
    }
}

fn decrypt(
    ctx: &Ctx<'_>,
    on::BlobKey(blob_key): on::BlobKey,
    r: ToDecrypt,
) -> Result<Plaintext, ApiError> {
    ctx.rampart
        .decrypt(&blob_key, &r.ciphertext_blob, &r.encryption_context)
}

request! {
    /// `GenerateDataKey`, `GenerateDataKeyWithoutPlaintext`.
    struct DataKeySpec {
        encryption_context: Vec<(String, String)> = with(encryption_context),
        key_spec: Option<String> = nonempty("KeySpec"),
        number_of_bytes: Option<u32> = u32("NumberOfBytes"),
    }
}

fn data_key(
    ctx: &Ctx<'_>,
    key: &KeyId,
    r: &DataKeySpec,
    with_plaintext: bool,
) -> Result<Ciphertext, ApiError> {
    ctx.rampart.generate_data_key(
        key,
        r.key_spec.as_deref(),
        r.number_of_bytes,
        &r.encryption_context,
        with_plaintext,
    )
}

fn generate_data_key(
    ctx: &Ctx<'_>,
    on::Key(key): on::Key,
    r: DataKeySpec,
) -> Result<Ciphertext, ApiError> {
    data_key(ctx, &key, &r, true)
}

fn generate_data_key_without_plaintext(
    ctx: &Ctx<'_>,
    on::Key(key): on::Key,
    r: DataKeySpec,
) -> Result<Ciphertext, ApiError> {
    data_key(ctx, &key, &r, false)
}

request! {
    /// `ReEncrypt`.
    struct ToReEncrypt {
        source_encryption_context: Vec<(String, String)> = with(source_encryption_context),
        destination_encryption_context: Vec<(String, String)> =
            with(destination_encryption_context),
        ciphertext_blob: String = required("CiphertextBlob"),
    }
}

fn re_encrypt(
    ctx: &Ctx<'_>,
    (on::BlobKey(blob_key), on::DestinationKey(destination)): (on::BlobKey, on::DestinationKey),
    r: ToReEncrypt,
) -> Result<ReEncrypted, ApiError> {
    ctx.rampart.re_encrypt(
        &blob_key,
        &r.ciphertext_blob,
        &destination,
        &r.source_encryption_context,
        &r.destination_encryption_context,
    )
}

request! {
    /// `GetRandomPassword`.
    struct PasswordRules {
        password_length: Option<u32> = u32("PasswordLength"),
        exclude_characters: String = text("ExcludeCharacters"),
        exclude_lowercase: bool = flag("ExcludeLowercase"),
        exclude_uppercase: bool = flag("ExcludeUppercase"),
        exclude_numbers: bool = flag("ExcludeNumbers"),
        exclude_punctuation: bool = flag("ExcludePunctuation"),
        require_each_included_type: bool = flag("RequireEachIncludedType"),
    }
}

fn get_random_password(
    _: &Ctx<'_>,
    _: on::Kms,
    r: PasswordRules,
) -> Result<RandomPasswordAnswer, ApiError> {
    let pw = random_password(
        r.password_length,
        &r.exclude_characters,
        r.exclude_lowercase,
        r.exclude_uppercase,
        r.exclude_numbers,
        r.exclude_punctuation,
        r.require_each_included_type,
    )?;
    Ok(RandomPasswordAnswer {
        random_password: pw,
    })
}

/// GetRandomPassword's answer.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct RandomPasswordAnswer {
    random_password: String,
}

request! {
    /// `CreateSecret` (its `EncryptionKeyId` is the key it acts on).
    struct NewSecret {
        tags: Vec<(String, String)> = with(optional_tags),
        secret_name: String = required("SecretName"),
        version_id: String = required("VersionId"),
        secret_data: String = required("SecretData"),
        secret_data_type: Option<String> = nonempty("SecretDataType"),
        description: Option<String> = opt("Description"),
        secret_type: Option<String> = nonempty("SecretType"),
        extended_config: Option<String> = nonempty("ExtendedConfig"),
        enable_automatic_rotation: bool = flag("EnableAutomaticRotation"),
        rotation_interval: Option<String> = nonempty("RotationInterval"),
        policy: Option<String> = nonempty("Policy"),
    }
}

fn create_secret(
    ctx: &Ctx<'_>,
    (_, on::EncryptionKey(encryption_key), _, _): (
        on::Secrets,
        on::EncryptionKey,
        on::RamSecretUser,
        on::DbInstance,
    ),
    r: NewSecret,
) -> Result<SecretCreated, ApiError> {
    ctx.rampart.create_secret(CreateSecret {
        secret_name: r.secret_name,
        version_id: r.version_id,
        secret_data: r.secret_data,
        secret_data_type: r.secret_data_type,
        description: r.description,
        encryption_key_id: encryption_key.as_ref().cloned(),
        tags: r.tags,
        secret_type: r.secret_type,
        extended_config: r.extended_config,
        enable_automatic_rotation: r.enable_automatic_rotation,
        rotation_interval: r.rotation_interval,
        policy: r.policy,
    })
}

request! {
    /// `GetSecretValue`.
    struct ValueVersion {
        version_id: Option<String> = nonempty("VersionId"),
        version_stage: Option<String> = nonempty("VersionStage"),
        fetch_extended_config: bool = flag("FetchExtendedConfig"),
    }
}

fn get_secret_value(
    ctx: &Ctx<'_>,
    on::SecretToRead(secret): on::SecretToRead,
    r: ValueVersion,
) -> Result<SecretValue, ApiError> {
    ctx.rampart.get_secret_value(&GetValue {
        secret_name: secret,
        version_id: r.version_id,
        version_stage: r.version_stage,
        fetch_extended_config: r.fetch_extended_config,
    })
}

fn batch_get_secret_value(
    ctx: &Ctx<'_>,
    (_, on::SecretsList(batch)): (on::Secrets, on::SecretsList),
    (): (),
) -> Result<SecretValuesAnswer, ApiError> {
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
            Err(e) => errors.push(SecretValueError {
                secret_name: ask.name.clone(),
                code: e.code,
                message: e.message,
                http_status: e.status,
            }),
        }
    }
    Ok(SecretValuesAnswer {
        secret_values: values,
        errors,
    })
}

/// BatchGetSecretValue's answer: the values it could read, and why not the
/// others.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct SecretValuesAnswer {
    secret_values: Vec<SecretValue>,
    errors: Vec<SecretValueError>,
}

/// Why BatchGetSecretValue could not read one secret.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct SecretValueError {
    secret_name: String,
    code: Cow<'static, str>,
    message: String,
    http_status: u16,
}

/// `VersionStages` as a JSON array, or flattened `VersionStages.<n>`.
fn version_stages(p: &Params) -> Result<Option<Vec<String>>, ApiError> {
    match p.get("VersionStages").filter(|s| !s.is_empty()) {
        Some(s) => Ok(Some(parse_stages(s)?)),
        None => {
            let flat: Vec<String> = (1..=10)
                .map_while(|n| p.opt(&format!("VersionStages.{n}")))
                .collect();
            Ok((!flat.is_empty()).then_some(flat))
        }
    }
}

request! {
    /// `PutSecretValue`.
    struct NewSecretValue {
        version_stages: Option<Vec<String>> = with(version_stages),
        version_id: String = required("VersionId"),
        secret_data: String = required("SecretData"),
        secret_data_type: Option<String> = nonempty("SecretDataType"),
    }
}

fn put_secret_value(
    ctx: &Ctx<'_>,
    on::SecretToWrite(secret): on::SecretToWrite,
    r: NewSecretValue,
) -> Result<SecretVersionStages, ApiError> {
    ctx.rampart.put_secret_value(
        &secret,
        &r.version_id,
        &r.secret_data,
        r.secret_data_type.as_deref(),
        r.version_stages,
    )
}

request! {
    /// `ListSecretVersionIds`.
    struct VersionIdsPage {
        include_deprecated: bool = flag("IncludeDeprecated"),
        page_number: Option<u32> = u32("PageNumber"),
        page_size: Option<u32> = u32("PageSize"),
    }
}

fn list_secret_version_ids(
    ctx: &Ctx<'_>,
    on::Secret(secret): on::Secret,
    r: VersionIdsPage,
) -> Result<views::VersionIdsPage, ApiError> {
    ctx.rampart
        .list_secret_version_ids(&secret, r.include_deprecated, r.page_number, r.page_size)
}

request! {
    /// `UpdateSecretVersionStage`.
    struct VersionStageMove {
        version_stage: String = required("VersionStage"),
        remove_from_version: Option<String> = nonempty("RemoveFromVersion"),
        move_to_version: Option<String> = nonempty("MoveToVersion"),
    }
}

fn update_secret_version_stage(
    ctx: &Ctx<'_>,
    on::Secret(secret): on::Secret,
    r: VersionStageMove,
) -> Result<SecretNamed, ApiError> {
    ctx.rampart.update_secret_version_stage(
        &secret,
        &r.version_stage,
        r.remove_from_version.as_deref(),
        r.move_to_version.as_deref(),
    )
}

request! {
    /// `DescribeSecret`.
    struct FetchTags {
        fetch_tags: bool = flag("FetchTags"),
    }
}

fn describe_secret(
    ctx: &Ctx<'_>,
    on::Secret(secret): on::Secret,
    r: FetchTags,
) -> Result<SecretDescription, ApiError> {
    ctx.rampart.describe_secret(&secret, r.fetch_tags)
}

/// `ListSecrets`.
impl FromParams for ListSecrets {
    fn parse(p: &Params) -> Result<Self, ApiError> {
        Ok(ListSecrets {
            page_number: read::u32(p, "PageNumber")?,
            page_size: read::u32(p, "PageSize")?,
            fetch_tags: read::flag(p, "FetchTags")?,
            filters: read::opt(p, "Filters")?,
        })
    }
}

fn list_secrets(ctx: &Ctx<'_>, _: on::Secrets, r: ListSecrets) -> Result<SecretsPage, ApiError> {
    ctx.rampart.list_secrets(&r)
}

/// `ExtendedConfig.CustomData` as JSON, or flattened `ExtendedConfig.CustomData.<k>`.
fn custom_data(p: &Params) -> Result<Option<Value>, ApiError> {
    if let Some(text) = p.get("ExtendedConfig.CustomData").filter(|s| !s.is_empty()) {
        let v: Value = serde_json::from_str(text).map_err(|_| {
            ApiError::invalid(
                "ExtendedConfig.CustomData",
                "The specified parameter \"ExtendedConfig.CustomData\" is not valid: write a JSON object.",
            )
        })?;
        return Ok(Some(v));
    }
    let mut m = Map::new();
    for (k, v) in p.iter() {
        if let Some(key) = k.strip_prefix("ExtendedConfig.CustomData.") {
            m.insert(key.to_string(), Value::String(v.to_string()));
        }
    }
    Ok((!m.is_empty()).then_some(Value::Object(m)))
}

request! {
    /// `UpdateSecret`.
    struct SecretUpdate {
        description: Option<String> = opt("Description"),
        custom_data: Option<Value> = with(custom_data),
    }
}

fn update_secret(
    ctx: &Ctx<'_>,
    on::Secret(secret): on::Secret,
    r: SecretUpdate,
) -> Result<SecretNamed, ApiError> {
    ctx.rampart
        .update_secret(&secret, r.description.as_deref(), r.custom_data)
}

request! {
    /// `DeleteSecret`.
    struct SecretDeletion {
        recovery_window_in_days: Option<String> = opt("RecoveryWindowInDays"),
        force_delete_without_recovery: bool = flag("ForceDeleteWithoutRecovery"),
    }
}

fn delete_secret(
    ctx: &Ctx<'_>,
    on::Secret(secret): on::Secret,
    r: SecretDeletion,
) -> Result<SecretDeleted, ApiError> {
    ctx.rampart.delete_secret(
        &secret,
        r.recovery_window_in_days.as_deref(),
        r.force_delete_without_recovery,
    )
}

fn restore_secret(
    ctx: &Ctx<'_>,
    on::Secret(secret): on::Secret,
    (): (),
) -> Result<SecretNamed, ApiError> {
    ctx.rampart.restore_secret(&secret)
}

/// Refuses a `PolicyName` other than `default` (the only one there is).
fn refuse_other_policy_names(p: &Params) -> Result<(), ApiError> {
    match p.get("PolicyName").filter(|s| !s.is_empty()) {
        None | Some("default") => Ok(()),
        Some(other) => Err(ApiError::invalid(
            "PolicyName",
            format!("The specified parameter \"PolicyName\" is not valid: `{other}`; only `default` exists."),
        )),
    }
}

request! {
    /// `GetSecretPolicy`.
    struct SecretPolicyName {
        default_policy_only: () = with(refuse_other_policy_names),
    }
}

fn get_secret_policy(
    ctx: &Ctx<'_>,
    on::Secret(secret): on::Secret,
    SecretPolicyName {
        default_policy_only: (),
    }: SecretPolicyName,
) -> Result<views::SecretPolicy, ApiError> {
    ctx.rampart.get_secret_policy(&secret)
}

request! {
    /// `SetSecretPolicy`.
    struct SecretPolicy {
        default_policy_only: () = with(refuse_other_policy_names),
        policy: String = required("Policy"),
    }
}

fn set_secret_policy(
    ctx: &Ctx<'_>,
    on::Secret(secret): on::Secret,
    SecretPolicy {
        default_policy_only: (),
        policy,
    }: SecretPolicy,
) -> Result<Nothing, ApiError> {
    ctx.rampart.set_secret_policy(&secret, &policy)?;
    Ok(Nothing)
}

/// `Tags` as JSON, which must be given.
fn required_tags(p: &Params) -> Result<Vec<(String, String)>, ApiError> {
    parse_tags("Tags", p.required("Tags")?)
}

request! {
    /// `TagResource`.
    struct Tags {
        tags: Vec<(String, String)> = with(required_tags),
    }
}

fn tag_resource(
    ctx: &Ctx<'_>,
    on::Tagged(tagged_kind, tagged_id): on::Tagged,
    r: Tags,
) -> Result<Nothing, ApiError> {
    let (kind, id) = (tagged_kind, tagged_id.as_str());
    ctx.rampart.tag(kind, id, &r.tags)?;
    Ok(Nothing)
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

/// `TagKeys`, which must be given.
fn required_tag_keys(p: &Params) -> Result<Vec<String>, ApiError> {
    Ok(tag_keys(p.required("TagKeys")?))
}

request! {
    /// `UntagResource`.
    struct TagKeys {
        tag_keys: Vec<String> = with(required_tag_keys),
    }
}

fn untag_resource(
    ctx: &Ctx<'_>,
    on::Tagged(tagged_kind, tagged_id): on::Tagged,
    r: TagKeys,
) -> Result<Nothing, ApiError> {
    let (kind, id) = (tagged_kind, tagged_id.as_str());
    ctx.rampart.untag(kind, id, &r.tag_keys)?;
    Ok(Nothing)
}

/// `Tag.<n>.Key` and `Tag.<n>.Value` (empty when absent), up to the first
/// missing key.
fn numbered_tags(p: &Params) -> Result<Vec<(String, String)>, ApiError> {
    let mut tags = Vec::new();
    for n in 1..=20 {
        match p.get(&format!("Tag.{n}.Key")) {
            Some(k) => tags.push((
                k.to_string(),
                p.get(&format!("Tag.{n}.Value"))
                    .unwrap_or_default()
                    .to_string(),
            )),
            None => break,
        }
    }
    Ok(tags)
}

request! {
    /// `TagResources`.
    struct NumberedTags {
        tags: Vec<(String, String)> = with(numbered_tags),
    }
}

fn tag_resources(
    ctx: &Ctx<'_>,
    on::TypedResources(resources): on::TypedResources,
    r: NumberedTags,
) -> Result<Nothing, ApiError> {
    for (kind, id) in &resources {
        ctx.rampart.tag(*kind, id, &r.tags)?;
    }
    Ok(Nothing)
}

/// `TagKey.<n>`, up to the first missing one.
fn numbered_tag_keys(p: &Params) -> Result<Vec<String>, ApiError> {
    Ok((1..=50)
        .map_while(|n| p.opt(&format!("TagKey.{n}")))
        .collect())
}

request! {
    /// `UntagResources`.
    struct NumberedTagKeys {
        all: bool = flag("All"),
        tag_keys: Vec<String> = with(numbered_tag_keys),
    }
}

fn untag_resources(
    ctx: &Ctx<'_>,
    on::TypedResources(resources): on::TypedResources,
    r: NumberedTagKeys,
) -> Result<Nothing, ApiError> {
    let (all, keys) = (r.all, r.tag_keys);
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
    Ok(Nothing)
}

fn list_tag_resources(
    ctx: &Ctx<'_>,
    on::TypedResources(resources): on::TypedResources,
    (): (),
) -> Result<TagResourcesAnswer, ApiError> {
    let mut items = Vec::new();
    for (kind, id) in &resources {
        for (k, v) in ctx.rampart.tags_of(*kind, id)? {
            items.push(ResourceTag {
                resource_id: id.clone(),
                resource_type: kind.as_str(),
                tag_key: k,
                tag_value: v,
            });
        }
    }
    Ok(TagResourcesAnswer {
        tag_resources: Items::new(items),
        next_token: "",
    })
}

/// ListTagResources's answer: every tag of the resources, on one page.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct TagResourcesAnswer {
    tag_resources: Items<key::TagResource, ResourceTag>,
    next_token: &'static str,
}

/// One tag of one resource, in ListTagResources.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ResourceTag {
    resource_id: String,
    resource_type: &'static str,
    tag_key: String,
    tag_value: String,
}

request! {
    /// `RotateSecret`.
    struct RotationVersion {
        version_id: String = required("VersionId"),
    }
}

fn rotate_secret(
    ctx: &Ctx<'_>,
    (on::Secret(secret), _): (on::Secret, on::DbInstance),
    r: RotationVersion,
) -> Result<SecretRotated, ApiError> {
    ctx.rampart.rotate_secret(&secret, &r.version_id)
}

request! {
    /// `UpdateSecretRotationPolicy`.
    struct SecretRotationPolicy {
        enable: bool = with(enable_automatic_rotation),
        rotation_interval: Option<String> = opt("RotationInterval"),
    }
}

fn update_secret_rotation_policy(
    ctx: &Ctx<'_>,
    on::Secret(secret): on::Secret,
    r: SecretRotationPolicy,
) -> Result<SecretNamed, ApiError> {
    ctx.rampart
        .update_secret_rotation_policy(&secret, r.enable, r.rotation_interval.as_deref())
}
