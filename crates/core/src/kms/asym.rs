//! Asymmetric KMS keys: specs and usages with the real validity rules, the
//! public key, signing and verifying a digest, encrypting and decrypting with
//! the key pair. Each version's private key is sealed under the keyring's
//! key-material key exactly like symmetric material, unsealed on first use
//! and kept in memory only as the loaded key.

use std::sync::Arc;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use rampart_crypto::asym::{AsymAlgorithm, AsymError, AsymKey, AsymSpec, AsymUsage};
use rampart_crypto::{open, Purpose};
use rampart_store::KeyRow;

use super::crypto::material_aad;
use super::keys::{check_usable, KeyId};
use super::store_err;
use super::views::{AsymCiphertext, AsymPlaintext, PublicKeyView, Signed, Verified};
use crate::{ApiError, Rampart};

/// Longest base64 `Digest` accepted (a 32-byte digest is 44 characters).
const MAX_DIGEST_B64: usize = 128;
/// Longest base64 signature `Value` accepted (RSA 3072 is 512 characters).
const MAX_SIGNATURE_B64: usize = 1024;
/// Longest base64 `Plaintext` of AsymmetricEncrypt (SM2PKE: 6047 bytes).
const MAX_PLAINTEXT_B64: usize = 8192;
/// Longest base64 `CiphertextBlob` of AsymmetricDecrypt.
const MAX_CIPHERTEXT_B64: usize = 8704;

const SYMMETRIC: &[&str] = &["Aliyun_AES_256", "Aliyun_SM4"];

/// 400 `UnsupportedOperation`: the key's spec or usage does not allow the action.
pub(crate) fn not_for_spec(spec: &str) -> ApiError {
    ApiError::of(crate::codes::UNSUPPORTED_OPERATION,
        format!("This action is not supported for a key of spec `{spec}` and its usage; use a key made for it."),
    )
}

/// Validates `KeySpec` and `KeyUsage` of CreateKey; returns both with their
/// defaults (`Aliyun_AES_256`; `SIGN/VERIFY` where the spec can sign).
pub(crate) fn spec_and_usage(
    spec: Option<String>,
    usage: Option<String>,
) -> Result<(String, String), ApiError> {
    let spec = spec.unwrap_or_else(|| "Aliyun_AES_256".into());
    let bad_usage = |u: &str, allowed: &str| {
        ApiError::invalid(
            "KeyUsage",
            format!("The specified parameter \"KeyUsage\" is not valid: `{u}`; a `{spec}` key is {allowed}."),
        )
    };
    if SYMMETRIC.contains(&spec.as_str()) {
        let usage = usage.unwrap_or_else(|| "ENCRYPT/DECRYPT".into());
        if usage != "ENCRYPT/DECRYPT" {
            return Err(bad_usage(&usage, "`ENCRYPT/DECRYPT`"));
        }
        return Ok((spec, usage));
    }
    let Some(asym) = AsymSpec::parse(&spec) else {
        return Err(ApiError::invalid(
            "KeySpec",
            format!("The specified parameter \"KeySpec\" is not valid: `{spec}`; use Aliyun_AES_256, Aliyun_SM4, RSA_2048, RSA_3072, EC_P256, EC_P256K or EC_SM2."),
        ));
    };
    let allowed = asym.usages();
    let usage = match usage {
        None => allowed[0],
        Some(u) => match AsymUsage::parse(&u).filter(|x| allowed.contains(x)) {
            Some(x) => x,
            None => {
                let names: Vec<String> =
                    allowed.iter().map(|a| format!("`{}`", a.name())).collect();
                return Err(bad_usage(&u, &names.join(" or ")));
            }
        },
    };
    Ok((spec, usage.name().to_string()))
}

fn b64(param: &str, text: &str, max: usize) -> Result<Vec<u8>, ApiError> {
    if text.len() > max {
        return Err(ApiError::invalid(
            param,
            format!("The specified parameter \"{param}\" is not valid: at most {max} base64 characters."),
        ));
    }
    STANDARD.decode(text.trim()).map_err(|_| {
        ApiError::invalid(
            param,
            format!("The specified parameter \"{param}\" is not valid: it must be base64."),
        )
    })
}

/// The algorithm `text` names, for an action that needs a key of usage
/// `needs`: a key of the other usage is 400 `UnsupportedOperation`.
fn algorithm(key: &KeyRow, needs: AsymUsage, text: &str) -> Result<AsymAlgorithm, ApiError> {
    let (spec, usage) = spec_of(key)?;
    if usage != needs {
        return Err(not_for_spec(&key.key_spec));
    }
    let allowed = spec.algorithms(usage);
    AsymAlgorithm::parse(text)
        .filter(|a| allowed.contains(a))
        .ok_or_else(|| {
            let names: Vec<&str> = allowed.iter().map(|a| a.name()).collect();
            ApiError::invalid(
                "Algorithm",
                format!(
                    "The specified parameter \"Algorithm\" is not valid: `{text}`; a `{}` key for `{}` takes {}.",
                    key.key_spec,
                    key.key_usage,
                    names.join(", ")
                ),
            )
        })
}

fn spec_of(key: &KeyRow) -> Result<(AsymSpec, AsymUsage), ApiError> {
    match (
        AsymSpec::parse(&key.key_spec),
        AsymUsage::parse(&key.key_usage),
    ) {
        (Some(s), Some(u)) => Ok((s, u)),
        _ => Err(not_for_spec(&key.key_spec)),
    }
}

fn crypto_err(e: AsymError) -> ApiError {
    match e {
        AsymError::Algorithm => ApiError::invalid(
            "Algorithm",
            "The specified parameter \"Algorithm\" is not valid for this key.",
        ),
        AsymError::Digest => ApiError::invalid(
            "Digest",
            "The specified parameter \"Digest\" is not valid: it must be the 32-byte digest (SHA-256, or SM3 of Z and the message for SM2DSA), base64-encoded.",
        ),
        AsymError::TooLong => ApiError::invalid(
            "Plaintext",
            "The specified parameter \"Plaintext\" is not valid: it is longer than this key and algorithm can encrypt.",
        ),
        AsymError::Decrypt => ApiError::invalid(
            "CiphertextBlob",
            "The specified parameter \"CiphertextBlob\" is not valid: it cannot be decrypted with this key version and algorithm.",
        ),
        other => ApiError::internal(format!("asymmetric key operation failed: {other}")),
    }
}

impl Rampart {
    /// The loaded key pair of an asymmetric key's version.
    fn key_pair(&self, key: &KeyRow, version_id: &str) -> Result<Arc<AsymKey>, ApiError> {
        let (spec, usage) = spec_of(key)?;
        let id = (key.key_id.clone(), version_id.to_string());
        if let Some(k) = self
            .materials
            .asym
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&id)
        {
            return Ok(k.clone());
        }
        let row = self
            .store
            .get_key_version(&key.key_id, version_id)
            .map_err(store_err)?
            .ok_or_else(|| {
                ApiError::of(
                    crate::codes::FORBIDDEN_KEY_VERSION_NOT_FOUND,
                    "The specified Key version is not found.",
                )
            })?;
        let private = zeroize::Zeroizing::new(
            open(
                self.keyring.key(Purpose::KeyMaterial),
                &row.material_sealed,
                &material_aad(&key.key_id, version_id),
            )
            .map_err(|e| {
                ApiError::internal(format!(
                    "key material of {} cannot be unsealed: {e}",
                    key.key_id
                ))
            })?,
        );
        let loaded = Arc::new(AsymKey::load(spec, usage, &private).map_err(crypto_err)?);
        let mut map = self
            .materials
            .asym
            .write()
            .unwrap_or_else(|e| e.into_inner());
        if map.len() > 10_000 {
            map.clear();
        }
        map.insert(id, loaded.clone());
        Ok(loaded)
    }

    /// A usable asymmetric key and its loaded version.
    fn usable_pair(
        &self,
        key_id: &KeyId,
        version_id: &str,
    ) -> Result<(KeyRow, Arc<AsymKey>), ApiError> {
        let k = self.key_row(key_id)?;
        spec_of(&k)?;
        check_usable(&k, self.now())?;
        let pair = self.key_pair(&k, version_id)?;
        Ok((k, pair))
    }

    /// `GetPublicKey`: the version's public key in PEM.
    pub fn get_public_key(
        &self,
        key_id: &KeyId,
        version_id: &str,
    ) -> Result<PublicKeyView, ApiError> {
        let (k, pair) = self.usable_pair(key_id, version_id)?;
        Ok(PublicKeyView {
            key_id: k.key_id,
            key_version_id: version_id.to_string(),
            public_key: pair.public_pem().map_err(crypto_err)?,
        })
    }

    /// `AsymmetricSign` over a base64 digest.
    pub fn asymmetric_sign(
        &self,
        key_id: &KeyId,
        version_id: &str,
        alg: &str,
        digest: &str,
    ) -> Result<Signed, ApiError> {
        let (k, pair) = self.usable_pair(key_id, version_id)?;
        let alg = algorithm(&k, AsymUsage::Sign, alg)?;
        let d = b64("Digest", digest, MAX_DIGEST_B64)?;
        let sig = self
            .costly(move || pair.sign(alg, &d))?
            .map_err(crypto_err)?;
        Ok(Signed {
            key_id: k.key_id,
            key_version_id: version_id.to_string(),
            value: STANDARD.encode(sig),
        })
    }

    /// `AsymmetricVerify`: `Value` false when the signature does not verify.
    pub fn asymmetric_verify(
        &self,
        key_id: &KeyId,
        version_id: &str,
        alg: &str,
        digest: &str,
        value: &str,
    ) -> Result<Verified, ApiError> {
        let (k, pair) = self.usable_pair(key_id, version_id)?;
        let alg = algorithm(&k, AsymUsage::Sign, alg)?;
        let d = b64("Digest", digest, MAX_DIGEST_B64)?;
        let sig = b64("Value", value, MAX_SIGNATURE_B64)?;
        let ok = pair.verify(alg, &d, &sig).map_err(crypto_err)?;
        Ok(Verified {
            key_id: k.key_id,
            key_version_id: version_id.to_string(),
            value: ok,
        })
    }

    /// `AsymmetricEncrypt` of a base64 plaintext with the public key.
    pub fn asymmetric_encrypt(
        &self,
        key_id: &KeyId,
        version_id: &str,
        alg: &str,
        plaintext: &str,
    ) -> Result<AsymCiphertext, ApiError> {
        let (k, pair) = self.usable_pair(key_id, version_id)?;
        let alg = algorithm(&k, AsymUsage::Encrypt, alg)?;
        let p = zeroize::Zeroizing::new(b64("Plaintext", plaintext, MAX_PLAINTEXT_B64)?);
        let c = self
            .costly(move || pair.encrypt(alg, &p))?
            .map_err(crypto_err)?;
        Ok(AsymCiphertext {
            key_id: k.key_id,
            key_version_id: version_id.to_string(),
            ciphertext_blob: STANDARD.encode(c),
        })
    }

    /// `AsymmetricDecrypt` of a base64 ciphertext; the plaintext in base64.
    pub fn asymmetric_decrypt(
        &self,
        key_id: &KeyId,
        version_id: &str,
        alg: &str,
        ciphertext: &str,
    ) -> Result<AsymPlaintext, ApiError> {
        let (k, pair) = self.usable_pair(key_id, version_id)?;
        let alg = algorithm(&k, AsymUsage::Encrypt, alg)?;
        let c = b64("CiphertextBlob", ciphertext, MAX_CIPHERTEXT_B64)?;
        let p = self
            .costly(move || pair.decrypt(alg, &c))?
            .map_err(crypto_err)?;
        Ok(AsymPlaintext {
            key_id: k.key_id,
            key_version_id: version_id.to_string(),
            plaintext: STANDARD.encode(p.as_slice()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_and_usages_follow_the_real_rules() {
        let ok = |s: &str, u: Option<&str>| {
            spec_and_usage(Some(s.into()), u.map(Into::into)).map(|(_, u)| u)
        };
        assert_eq!(ok("RSA_2048", None).unwrap(), "SIGN/VERIFY");
        assert_eq!(
            ok("RSA_3072", Some("ENCRYPT/DECRYPT")).unwrap(),
            "ENCRYPT/DECRYPT"
        );
        assert_eq!(
            ok("EC_SM2", Some("ENCRYPT/DECRYPT")).unwrap(),
            "ENCRYPT/DECRYPT"
        );
        assert_eq!(ok("EC_P256K", None).unwrap(), "SIGN/VERIFY");
        assert!(ok("EC_P256", Some("ENCRYPT/DECRYPT")).is_err());
        assert!(ok("Aliyun_SM4", Some("SIGN/VERIFY")).is_err());
        assert_eq!(ok("Aliyun_SM4", None).unwrap(), "ENCRYPT/DECRYPT");
        assert!(ok("RSA_4096", None).is_err());
        assert_eq!(
            spec_and_usage(None, None).unwrap(),
            ("Aliyun_AES_256".to_string(), "ENCRYPT/DECRYPT".to_string())
        );
    }
}
