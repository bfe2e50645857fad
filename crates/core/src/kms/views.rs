//! KMS responses as typed structs, serialized with the wire's field names.

use serde::Serialize;

/// `KeyMetadata` of CreateKey and DescribeKey.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct KeyMetadata {
    pub key_id: String,
    pub arn: String,
    pub description: String,
    pub key_spec: String,
    pub key_usage: String,
    pub key_state: String,
    pub origin: String,
    pub protection_level: String,
    pub creator: String,
    pub creation_date: String,
    pub primary_key_version: String,
    pub last_rotation_date: String,
    pub automatic_rotation: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rotation_interval: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_rotation_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delete_date: Option<String>,
    pub deletion_protection: &'static str,
    pub deletion_protection_description: String,
    pub material_expire_time: String,
}

/// One key of ListKeys.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct KeyEntry {
    pub key_id: String,
    pub key_arn: String,
}

/// A key version (CreateKeyVersion, DescribeKeyVersion, ListKeyVersions).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct KeyVersionView {
    pub key_id: String,
    pub key_version_id: String,
    pub creation_date: String,
}

/// One alias of ListAliases / ListAliasesByKeyId.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AliasView {
    pub alias_name: String,
    pub key_id: String,
    pub alias_arn: String,
}

/// A ciphertext and the key version that made it (Encrypt, and
/// GenerateDataKey / GenerateDataKeyWithoutPlaintext with `plaintext`).
#[derive(Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Ciphertext {
    pub ciphertext_blob: String,
    pub key_id: String,
    pub key_version_id: String,
    /// A generated data key, base64 (GenerateDataKey only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plaintext: Option<String>,
}

impl std::fmt::Debug for Ciphertext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ciphertext")
            .field("key_id", &self.key_id)
            .field("key_version_id", &self.key_version_id)
            .finish_non_exhaustive()
    }
}

/// Decrypt's answer.
#[derive(Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Plaintext {
    pub plaintext: String,
    pub key_id: String,
    pub key_version_id: String,
}

impl std::fmt::Debug for Plaintext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plaintext")
            .field("key_id", &self.key_id)
            .field("plaintext", &"[REDACTED]")
            .finish()
    }
}

/// ReEncrypt's answer.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ReEncrypted {
    pub ciphertext_blob: String,
    pub key_id: String,
    pub key_version_id: String,
    pub source_key_id: String,
    pub source_key_version_id: String,
}

/// `{"VersionStage": [...]}`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Stages {
    pub version_stage: Vec<String>,
}

impl From<&[String]> for Stages {
    fn from(s: &[String]) -> Self {
        Self {
            version_stage: s.to_vec(),
        }
    }
}

/// The rotation fields of a secret that is not generic.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Rotation {
    /// `Enabled`, `Disabled`, or (DescribeSecret, after a failure) `Invalid`.
    pub automatic_rotation: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rotation_interval: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_rotation_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_rotation_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extended_config: Option<String>,
}

/// Rampart's own rotation state of a RAM secret (DescribeSecret).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RotationState {
    /// `Normal` or `Failed`.
    pub rotation_status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_rotation_error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_retry_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_key_delete_date: Option<String>,
}

/// CreateSecret's answer.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SecretCreated {
    pub arn: String,
    pub version_id: String,
    pub secret_name: String,
    pub secret_type: String,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub rotation: Option<Rotation>,
}

/// GetSecretValue's answer (and one entry of BatchGetSecretValue).
#[derive(Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SecretValue {
    pub secret_name: String,
    pub version_id: String,
    pub secret_data: String,
    pub secret_data_type: String,
    pub secret_type: String,
    pub create_time: String,
    pub version_stages: Stages,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub rotation: Option<Rotation>,
}

impl std::fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretValue")
            .field("secret_name", &self.secret_name)
            .field("version_id", &self.version_id)
            .field("secret_data", &"[REDACTED]")
            .finish_non_exhaustive()
    }
}

/// PutSecretValue's answer.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SecretVersionStages {
    pub secret_name: String,
    pub version_id: String,
    pub version_stages: Stages,
}

/// One version of ListSecretVersionIds.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct VersionEntry {
    pub version_id: String,
    pub create_time: String,
    pub version_stages: Stages,
}

/// `{"VersionId": [...]}`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct VersionIds {
    pub version_id: Vec<VersionEntry>,
}

/// ListSecretVersionIds's answer.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct VersionIdsPage {
    pub secret_name: String,
    pub total_count: usize,
    pub page_number: u32,
    pub page_size: u32,
    pub version_ids: VersionIds,
}

/// Answers that carry only the secret's name.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SecretNamed {
    pub secret_name: String,
}

/// DeleteSecret's answer.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SecretDeleted {
    pub secret_name: String,
    pub planned_delete_time: String,
}

/// One tag.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TagView {
    pub tag_key: String,
    pub tag_value: String,
}

/// `{"Tag": [...]}`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Tags {
    pub tag: Vec<TagView>,
}

impl From<Vec<(String, String)>> for Tags {
    fn from(tags: Vec<(String, String)>) -> Self {
        Self {
            tag: tags
                .into_iter()
                .map(|(tag_key, tag_value)| TagView { tag_key, tag_value })
                .collect(),
        }
    }
}

/// DescribeSecret's answer.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SecretDescription {
    pub arn: String,
    pub secret_name: String,
    pub secret_type: String,
    pub description: String,
    pub encryption_key_id: String,
    pub create_time: String,
    pub update_time: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub planned_delete_time: Option<String>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub rotation: Option<Rotation>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub rotation_state: Option<RotationState>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Tags>,
}

/// One secret of ListSecrets.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SecretSummary {
    pub secret_name: String,
    pub secret_type: String,
    pub create_time: String,
    pub update_time: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub planned_delete_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Tags>,
}

/// `{"Secret": [...]}`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SecretList {
    pub secret: Vec<SecretSummary>,
}

/// ListSecrets's answer.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SecretsPage {
    pub secret_list: SecretList,
    pub total_count: usize,
    pub page_number: u32,
    pub page_size: u32,
}

/// GetSecretPolicy's answer.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SecretPolicy {
    pub policy: String,
}

/// RotateSecret's answer.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SecretRotated {
    pub arn: String,
    pub secret_name: String,
    pub version_id: String,
}

/// GetPublicKey's answer.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PublicKeyView {
    pub key_id: String,
    pub key_version_id: String,
    pub public_key: String,
}

/// AsymmetricSign's answer (`Value`: the signature, base64).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Signed {
    pub key_id: String,
    pub key_version_id: String,
    pub value: String,
}

/// AsymmetricVerify's answer.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Verified {
    pub key_id: String,
    pub key_version_id: String,
    pub value: bool,
}

/// AsymmetricEncrypt's answer.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AsymCiphertext {
    pub key_id: String,
    pub key_version_id: String,
    pub ciphertext_blob: String,
}

/// AsymmetricDecrypt's answer.
#[derive(Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AsymPlaintext {
    pub key_id: String,
    pub key_version_id: String,
    pub plaintext: String,
}

impl std::fmt::Debug for AsymPlaintext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AsymPlaintext")
            .field("key_id", &self.key_id)
            .field("plaintext", &"[REDACTED]")
            .finish()
    }
}
