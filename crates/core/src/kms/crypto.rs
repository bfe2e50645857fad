//! Key material, self-describing ciphertext blobs, and secret envelopes.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use rampart_crypto::asym::{generate, AsymKey, AsymSpec, AsymUsage};
use rampart_crypto::{open, open_sm4, seal, seal_sm4, DataKey, Purpose, SealError};
use rampart_store::{KeyRow, KeyVersionRow};

use super::{key_not_found, store_err};
use crate::{ApiError, Rampart};

const BLOB_V1: u8 = 1;

/// Unsealed key material, cached by (key id, version id).
#[derive(Default)]
pub struct MaterialCache {
    map: RwLock<HashMap<(String, String), Arc<DataKey>>>,
    pub(super) asym: RwLock<HashMap<(String, String), Arc<AsymKey>>>,
}

impl MaterialCache {
    /// Drops every unsealed key.
    pub fn clear(&self) {
        self.map.write().unwrap_or_else(|e| e.into_inner()).clear();
        self.asym.write().unwrap_or_else(|e| e.into_inner()).clear();
    }
}

impl std::fmt::Debug for MaterialCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MaterialCache([REDACTED])")
    }
}

/// Whether a symmetric spec is SM4; an asymmetric key is refused.
fn sm4(spec: &str) -> Result<bool, ApiError> {
    match spec {
        "Aliyun_AES_256" => Ok(false),
        "Aliyun_SM4" => Ok(true),
        other => Err(super::asym::not_for_spec(other)),
    }
}

fn seal_with(spec: &str, key: &DataKey, plaintext: &[u8], aad: &[u8]) -> Result<Vec<u8>, ApiError> {
    Ok(if sm4(spec)? {
        seal_sm4(key, plaintext, aad)
    } else {
        seal(key, plaintext, aad)
    })
}

fn open_with(
    spec: &str,
    key: &DataKey,
    blob: &[u8],
    aad: &[u8],
) -> Result<Result<Vec<u8>, SealError>, ApiError> {
    Ok(if sm4(spec)? {
        open_sm4(key, blob, aad)
    } else {
        open(key, blob, aad)
    })
}

pub(super) fn material_aad(key_id: &str, version_id: &str) -> Vec<u8> {
    format!("rampart/kms-material/{key_id}/{version_id}").into_bytes()
}

/// Canonical form of an EncryptionContext: keys sorted, `k=v` joined by `&`
/// with lengths, so different contexts can never collide.
pub fn canonical_context(ctx: &[(String, String)]) -> String {
    let mut pairs: Vec<&(String, String)> = ctx.iter().collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{}:{k}={}:{v}", k.len(), v.len()))
        .collect::<Vec<_>>()
        .join("&")
}

fn invalid_blob(why: &str) -> ApiError {
    ApiError::invalid(
        "CiphertextBlob",
        format!("The specified parameter \"CiphertextBlob\" is not valid: {why}."),
    )
}

/// A decoded ciphertext blob.
pub struct Blob {
    /// The key that encrypted it.
    pub key_id: String,
    /// The key version.
    pub key_version_id: String,
    sealed: Vec<u8>,
}

fn blob_aad(key_id: &str, version_id: &str, ctx: &str) -> Vec<u8> {
    format!("rampart/kms-blob/{key_id}/{version_id}/{ctx}").into_bytes()
}

impl Blob {
    /// Parses a base64 `CiphertextBlob`.
    pub fn decode(text: &str) -> Result<Self, ApiError> {
        let bytes = STANDARD
            .decode(text.trim())
            .map_err(|_| invalid_blob("it is not base64"))?;
        let mut rest = bytes.as_slice();
        let mut take = |n: usize| -> Result<&[u8], ApiError> {
            if rest.len() < n {
                return Err(invalid_blob("it is truncated"));
            }
            let (a, b) = rest.split_at(n);
            rest = b;
            Ok(a)
        };
        if take(1)?[0] != BLOB_V1 {
            return Err(invalid_blob("it was not produced by this service"));
        }
        let klen = usize::from(take(1)?[0]);
        let key_id = String::from_utf8(take(klen)?.to_vec())
            .map_err(|_| invalid_blob("its header is damaged"))?;
        let vlen = usize::from(take(1)?[0]);
        let key_version_id = String::from_utf8(take(vlen)?.to_vec())
            .map_err(|_| invalid_blob("its header is damaged"))?;
        Ok(Self {
            key_id,
            key_version_id,
            sealed: rest.to_vec(),
        })
    }

    fn encode(key_id: &str, version_id: &str, sealed: &[u8]) -> String {
        let mut out = vec![BLOB_V1];
        for part in [key_id, version_id] {
            out.push(u8::try_from(part.len()).unwrap_or(u8::MAX));
            out.extend_from_slice(part.as_bytes());
        }
        out.extend_from_slice(sealed);
        STANDARD.encode(out)
    }
}

impl Rampart {
    /// New sealed material for a key version: 256 random bits for a
    /// symmetric key, a fresh private key (PKCS#8 or SM2 scalar) for an
    /// asymmetric one.
    pub(crate) fn new_key_version(
        &self,
        key_id: &str,
        spec: &str,
        usage: &str,
        now: i64,
    ) -> Result<KeyVersionRow, ApiError> {
        let version_id = uuid::Uuid::new_v4().to_string();
        let aad = material_aad(key_id, &version_id);
        let sealed = match (AsymSpec::parse(spec), AsymUsage::parse(usage)) {
            (Some(spec), Some(usage)) => {
                let private = self
                    .costly(move || generate(spec, usage))?
                    .map_err(|e| ApiError::internal(format!("key generation failed: {e}")))?;
                seal(self.keyring.key(Purpose::KeyMaterial), &private, &aad)
            }
            _ => {
                let material = DataKey::generate();
                seal(
                    self.keyring.key(Purpose::KeyMaterial),
                    material.expose(),
                    &aad,
                )
            }
        };
        Ok(KeyVersionRow {
            version_id,
            material_sealed: sealed,
            created_at: now,
        })
    }

    /// Drops a key's cached material (after it was imported or deleted).
    pub(crate) fn forget_material(&self, key_id: &str) {
        self.materials
            .map
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|(k, _), _| k != key_id);
    }

    /// The unsealed material of a key version.
    pub(crate) fn material(
        &self,
        key_id: &str,
        version_id: &str,
    ) -> Result<Arc<DataKey>, ApiError> {
        let k = (key_id.to_string(), version_id.to_string());
        if let Some(m) = self
            .materials
            .map
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&k)
        {
            return Ok(m.clone());
        }
        let row = self
            .store
            .get_key_version(key_id, version_id)
            .map_err(store_err)?
            .ok_or_else(key_not_found)?;
        let bytes = zeroize::Zeroizing::new(
            open(
                self.keyring.key(Purpose::KeyMaterial),
                &row.material_sealed,
                &material_aad(key_id, version_id),
            )
            .map_err(|e| {
                ApiError::internal(format!("key material of {key_id} cannot be unsealed: {e}"))
            })?,
        );
        let arr: [u8; 32] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| ApiError::internal("key material has the wrong length"))?;
        let m = Arc::new(DataKey::from_bytes(arr));
        let mut map = self
            .materials
            .map
            .write()
            .unwrap_or_else(|e| e.into_inner());
        if map.len() > 10_000 {
            map.clear();
        }
        map.insert(k, m.clone());
        Ok(m)
    }

    /// Encrypts `plaintext` under the key's primary version; returns the blob.
    pub(crate) fn encrypt_blob(
        &self,
        key: &KeyRow,
        plaintext: &[u8],
        ctx: &[(String, String)],
    ) -> Result<String, ApiError> {
        sm4(&key.key_spec)?;
        let material = self.material(&key.key_id, &key.primary_version)?;
        let sealed = seal_with(
            &key.key_spec,
            &material,
            plaintext,
            &blob_aad(&key.key_id, &key.primary_version, &canonical_context(ctx)),
        )?;
        Ok(Blob::encode(&key.key_id, &key.primary_version, &sealed))
    }

    /// Decrypts a blob (the key must be usable).
    pub(crate) fn decrypt_blob(
        &self,
        spec: &str,
        blob: &Blob,
        ctx: &[(String, String)],
    ) -> Result<Vec<u8>, ApiError> {
        sm4(spec)?;
        let material = self.material(&blob.key_id, &blob.key_version_id)?;
        open_with(
            spec,
            &material,
            &blob.sealed,
            &blob_aad(&blob.key_id, &blob.key_version_id, &canonical_context(ctx)),
        )?
        .map_err(|_| {
            invalid_blob("it failed authentication (tampered, or a different EncryptionContext)")
        })
    }

    /// Seals a secret value: a fresh data key, itself sealed under the key's
    /// primary version; both bound to the secret ARN and version id.
    pub(crate) fn seal_secret_value(
        &self,
        key: &KeyRow,
        arn: &str,
        version_id: &str,
        value: &[u8],
    ) -> Result<(String, Vec<u8>, Vec<u8>), ApiError> {
        sm4(&key.key_spec)?;
        let material = self.material(&key.key_id, &key.primary_version)?;
        let dk = DataKey::generate();
        let aad = format!("rampart/secret/{arn}/{version_id}");
        let wrapped = seal_with(
            &key.key_spec,
            &material,
            dk.expose(),
            format!("{aad}/dk/{}", key.key_id).as_bytes(),
        )?;
        let ct = seal(&dk, value, aad.as_bytes());
        Ok((key.primary_version.clone(), wrapped, ct))
    }

    /// Opens a secret value sealed by [`Rampart::seal_secret_value`].
    pub(crate) fn open_secret_value(
        &self,
        key_id: &str,
        key_version_id: &str,
        arn: &str,
        version_id: &str,
        wrapped: &[u8],
        ct: &[u8],
    ) -> Result<zeroize::Zeroizing<Vec<u8>>, ApiError> {
        let spec = self.key_by_id(key_id)?.key_spec.clone();
        let material = self.material(key_id, key_version_id)?;
        let aad = format!("rampart/secret/{arn}/{version_id}");
        let dk_bytes = zeroize::Zeroizing::new(
            open_with(
                &spec,
                &material,
                wrapped,
                format!("{aad}/dk/{key_id}").as_bytes(),
            )?
            .map_err(|e| {
                ApiError::internal(format!(
                    "data key of secret version cannot be unsealed: {e}"
                ))
            })?,
        );
        let arr: [u8; 32] = dk_bytes
            .as_slice()
            .try_into()
            .map_err(|_| ApiError::internal("data key has the wrong length"))?;
        let dk = DataKey::from_bytes(arr);
        open(&dk, ct, aad.as_bytes())
            .map(zeroize::Zeroizing::new)
            .map_err(|e| ApiError::internal(format!("secret version cannot be unsealed: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contexts_do_not_collide() {
        let a = canonical_context(&[("a".into(), "b&c=d".into())]);
        let b = canonical_context(&[("a".into(), "b".into()), ("c".into(), "d".into())]);
        assert_ne!(a, b);
        let x = canonical_context(&[("b".into(), "1".into()), ("a".into(), "2".into())]);
        let y = canonical_context(&[("a".into(), "2".into()), ("b".into(), "1".into())]);
        assert_eq!(x, y);
    }

    #[test]
    fn blob_header_round_trip() {
        let s = Blob::encode("key-1", "ver-1", b"sealed-bytes");
        let b = Blob::decode(&s).unwrap();
        assert_eq!(
            (b.key_id.as_str(), b.key_version_id.as_str()),
            ("key-1", "ver-1")
        );
        assert!(Blob::decode("!!!").is_err());
        assert!(Blob::decode(&STANDARD.encode([2u8, 1, 2])).is_err());
        assert!(Blob::decode(&STANDARD.encode([1u8, 9, b'a'])).is_err());
    }
}
