//! KMS imported key material, key policies and asymmetric actions:
//! GetParametersForImport, ImportKeyMaterial, DeleteKeyMaterial, GetKeyPolicy, SetKeyPolicy, GetPublicKey, AsymmetricSign / Verify /
//! Encrypt / Decrypt. Each acts on the key named by `KeyId`, resolved and
//! authorized once by its selector.

use rampart_core::ApiError;

use crate::on;
use crate::respond::obj;
use crate::{Ctx, Output};

fn version<'a>(ctx: &Ctx<'a>) -> Result<&'a str, ApiError> {
    ctx.params.required("KeyVersionId")
}

fn algorithm<'a>(ctx: &Ctx<'a>) -> Result<&'a str, ApiError> {
    ctx.params.required("Algorithm")
}

pub(crate) fn get_public_key(
    ctx: &Ctx<'_>,
    on::Key(key): on::Key,
    (): (),
) -> Result<Output, ApiError> {
    obj(ctx.rampart.get_public_key(&key, version(ctx)?)?)
}

pub(crate) fn asymmetric_sign(
    ctx: &Ctx<'_>,
    on::Key(key): on::Key,
    (): (),
) -> Result<Output, ApiError> {
    obj(ctx.rampart.asymmetric_sign(
        &key,
        version(ctx)?,
        algorithm(ctx)?,
        ctx.params.required("Digest")?,
    )?)
}

pub(crate) fn asymmetric_verify(
    ctx: &Ctx<'_>,
    on::Key(key): on::Key,
    (): (),
) -> Result<Output, ApiError> {
    obj(ctx.rampart.asymmetric_verify(
        &key,
        version(ctx)?,
        algorithm(ctx)?,
        ctx.params.required("Digest")?,
        ctx.params.required("Value")?,
    )?)
}

pub(crate) fn asymmetric_encrypt(
    ctx: &Ctx<'_>,
    on::Key(key): on::Key,
    (): (),
) -> Result<Output, ApiError> {
    obj(ctx.rampart.asymmetric_encrypt(
        &key,
        version(ctx)?,
        algorithm(ctx)?,
        ctx.params.required("Plaintext")?,
    )?)
}

pub(crate) fn asymmetric_decrypt(
    ctx: &Ctx<'_>,
    on::Key(key): on::Key,
    (): (),
) -> Result<Output, ApiError> {
    obj(ctx.rampart.asymmetric_decrypt(
        &key,
        version(ctx)?,
        algorithm(ctx)?,
        ctx.params.required("CiphertextBlob")?,
    )?)
}

pub(crate) fn get_key_policy(
    ctx: &Ctx<'_>,
    on::Key(key): on::Key,
    (): (),
) -> Result<Output, ApiError> {
    let policy = ctx
        .rampart
        .get_key_policy(&key, ctx.params.get("PolicyName"))?;
    obj(serde_json::json!({ "Policy": policy }))
}

pub(crate) fn set_key_policy(
    ctx: &Ctx<'_>,
    on::Key(key): on::Key,
    (): (),
) -> Result<Output, ApiError> {
    ctx.rampart.set_key_policy(
        &key,
        ctx.params.get("PolicyName"),
        ctx.params.required("Policy")?,
    )?;
    crate::respond::empty()
}

pub(crate) fn get_parameters_for_import(
    ctx: &Ctx<'_>,
    on::Key(key): on::Key,
    (): (),
) -> Result<Output, ApiError> {
    obj(ctx.rampart.get_parameters_for_import(
        &key,
        ctx.params.required("WrappingAlgorithm")?,
        ctx.params.required("WrappingKeySpec")?,
    )?)
}

pub(crate) fn import_key_material(
    ctx: &Ctx<'_>,
    on::Key(key): on::Key,
    (): (),
) -> Result<Output, ApiError> {
    let expire = match ctx.params.get("KeyMaterialExpireUnix").filter(|s| !s.is_empty()) {
        None => None,
        Some(t) => Some(t.trim().parse::<i64>().map_err(|_| {
            ApiError::invalid(
                "KeyMaterialExpireUnix",
                "The specified parameter \"KeyMaterialExpireUnix\" is not valid: it must be a Unix time in seconds.",
            )
        })?),
    };
    ctx.rampart.import_key_material(
        &key,
        ctx.params.required("EncryptedKeyMaterial")?,
        ctx.params.required("ImportToken")?,
        expire,
    )?;
    Ok(serde_json::Map::new().into())
}

pub(crate) fn delete_key_material(
    ctx: &Ctx<'_>,
    on::Key(key): on::Key,
    (): (),
) -> Result<Output, ApiError> {
    ctx.rampart.delete_key_material(&key)?;
    Ok(serde_json::Map::new().into())
}
