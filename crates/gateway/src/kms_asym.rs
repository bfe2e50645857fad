//! KMS imported key material, key policies and asymmetric actions:
//! GetParametersForImport, ImportKeyMaterial, DeleteKeyMaterial, GetKeyPolicy, SetKeyPolicy, GetPublicKey, AsymmetricSign / Verify /
//! Encrypt / Decrypt. Each acts on the key named by `KeyId`, resolved and
//! authorized once by its selector.

use rampart_core::kms::import::ImportParameters;
use rampart_core::kms::views::{AsymCiphertext, AsymPlaintext, PublicKeyView, Signed, Verified};
use rampart_core::ApiError;

use crate::on;
use crate::request;
use crate::respond::{answers, key, Nothing, One};
use crate::{Ctx, Params};

answers!(
    AsymCiphertext,
    AsymPlaintext,
    ImportParameters,
    PublicKeyView,
    Signed,
    Verified,
);

request! {
    /// `GetPublicKey`, `DescribeKeyVersion`.
    pub(crate) struct KeyVersion {
        key_version_id: String = required("KeyVersionId"),
    }
}

pub(crate) fn get_public_key(
    ctx: &Ctx<'_>,
    on::Key(key): on::Key,
    r: KeyVersion,
) -> Result<PublicKeyView, ApiError> {
    ctx.rampart.get_public_key(&key, &r.key_version_id)
}

request! {
    /// `AsymmetricSign`.
    pub(crate) struct Sign {
        key_version_id: String = required("KeyVersionId"),
        algorithm: String = required("Algorithm"),
        digest: String = required("Digest"),
    }
}

pub(crate) fn asymmetric_sign(
    ctx: &Ctx<'_>,
    on::Key(key): on::Key,
    r: Sign,
) -> Result<Signed, ApiError> {
    ctx.rampart
        .asymmetric_sign(&key, &r.key_version_id, &r.algorithm, &r.digest)
}

request! {
    /// `AsymmetricVerify`.
    pub(crate) struct Verify {
        key_version_id: String = required("KeyVersionId"),
        algorithm: String = required("Algorithm"),
        digest: String = required("Digest"),
        value: String = required("Value"),
    }
}

pub(crate) fn asymmetric_verify(
    ctx: &Ctx<'_>,
    on::Key(key): on::Key,
    r: Verify,
) -> Result<Verified, ApiError> {
    ctx.rampart
        .asymmetric_verify(&key, &r.key_version_id, &r.algorithm, &r.digest, &r.value)
}

request! {
    /// `AsymmetricEncrypt`.
    pub(crate) struct AsymmetricPlaintext {
        key_version_id: String = required("KeyVersionId"),
        algorithm: String = required("Algorithm"),
        plaintext: String = required("Plaintext"),
    }
}

pub(crate) fn asymmetric_encrypt(
    ctx: &Ctx<'_>,
    on::Key(key): on::Key,
    r: AsymmetricPlaintext,
) -> Result<AsymCiphertext, ApiError> {
    ctx.rampart
        .asymmetric_encrypt(&key, &r.key_version_id, &r.algorithm, &r.plaintext)
}

request! {
    /// `AsymmetricDecrypt`.
    pub(crate) struct AsymmetricCiphertext {
        key_version_id: String = required("KeyVersionId"),
        algorithm: String = required("Algorithm"),
        ciphertext_blob: String = required("CiphertextBlob"),
    }
}

pub(crate) fn asymmetric_decrypt(
    ctx: &Ctx<'_>,
    on::Key(key): on::Key,
    r: AsymmetricCiphertext,
) -> Result<AsymPlaintext, ApiError> {
    ctx.rampart
        .asymmetric_decrypt(&key, &r.key_version_id, &r.algorithm, &r.ciphertext_blob)
}

request! {
    /// `GetKeyPolicy`.
    pub(crate) struct KeyPolicyName {
        policy_name: Option<String> = opt("PolicyName"),
    }
}

pub(crate) fn get_key_policy(
    ctx: &Ctx<'_>,
    on::Key(key): on::Key,
    r: KeyPolicyName,
) -> Result<One<key::Policy, String>, ApiError> {
    let policy = ctx.rampart.get_key_policy(&key, r.policy_name.as_deref())?;
    Ok(One::new(policy))
}

request! {
    /// `SetKeyPolicy`.
    pub(crate) struct KeyPolicy {
        policy_name: Option<String> = opt("PolicyName"),
        policy: String = required("Policy"),
    }
}

pub(crate) fn set_key_policy(
    ctx: &Ctx<'_>,
    on::Key(key): on::Key,
    r: KeyPolicy,
) -> Result<Nothing, ApiError> {
    ctx.rampart
        .set_key_policy(&key, r.policy_name.as_deref(), &r.policy)?;
    Ok(Nothing)
}

request! {
    /// `GetParametersForImport`.
    pub(crate) struct Wrapping {
        wrapping_algorithm: String = required("WrappingAlgorithm"),
        wrapping_key_spec: String = required("WrappingKeySpec"),
    }
}

pub(crate) fn get_parameters_for_import(
    ctx: &Ctx<'_>,
    on::Key(key): on::Key,
    r: Wrapping,
) -> Result<ImportParameters, ApiError> {
    ctx.rampart
        .get_parameters_for_import(&key, &r.wrapping_algorithm, &r.wrapping_key_spec)
}

/// `KeyMaterialExpireUnix`: a Unix time in seconds, if given.
fn key_material_expire_unix(p: &Params) -> Result<Option<i64>, ApiError> {
    match p.get("KeyMaterialExpireUnix").filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(t) => Ok(Some(t.trim().parse::<i64>().map_err(|_| {
            ApiError::invalid(
                "KeyMaterialExpireUnix",
                "The specified parameter \"KeyMaterialExpireUnix\" is not valid: it must be a Unix time in seconds.",
            )
        })?)),
    }
}

request! {
    /// `ImportKeyMaterial`.
    pub(crate) struct KeyMaterial {
        expire_unix: Option<i64> = with(key_material_expire_unix),
        encrypted_key_material: String = required("EncryptedKeyMaterial"),
        import_token: String = required("ImportToken"),
    }
}

pub(crate) fn import_key_material(
    ctx: &Ctx<'_>,
    on::Key(key): on::Key,
    r: KeyMaterial,
) -> Result<Nothing, ApiError> {
    ctx.rampart.import_key_material(
        &key,
        &r.encrypted_key_material,
        &r.import_token,
        r.expire_unix,
    )?;
    Ok(Nothing)
}

pub(crate) fn delete_key_material(
    ctx: &Ctx<'_>,
    on::Key(key): on::Key,
    (): (),
) -> Result<Nothing, ApiError> {
    ctx.rampart.delete_key_material(&key)?;
    Ok(Nothing)
}
