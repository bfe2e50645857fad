//! The oracle's keys for the asymmetric, key-policy and imported-material
//! actions, and the parameters those actions need to get past validation.

use serde_json::Value;

/// An RSA_2048 signing key and its first version, an SM2 encryption key
/// and its first version, and a key for imported material.
pub struct AsymFixture {
    ka: String,
    ka_version: String,
    ke: String,
    ke_version: String,
    kx: String,
}

impl AsymFixture {
    /// Creates the keys with `create_key` (a `CreateKey` call's answer).
    pub fn create(create_key: impl Fn(&[(&str, &str)]) -> Value) -> Self {
        let make = |p: &[(&str, &str)]| {
            let k = create_key(p);
            let m = &k["KeyMetadata"];
            (
                m["KeyId"].as_str().unwrap().to_string(),
                m["PrimaryKeyVersion"].as_str().unwrap().to_string(),
            )
        };
        let (ka, ka_version) = make(&[("KeySpec", "RSA_2048"), ("KeyUsage", "SIGN/VERIFY")]);
        let (ke, ke_version) = make(&[("KeySpec", "EC_SM2"), ("KeyUsage", "ENCRYPT/DECRYPT")]);
        let (kx, _) = make(&[("Origin", "EXTERNAL")]);
        Self {
            ka,
            ka_version,
            ke,
            ke_version,
            kx,
        }
    }

    /// What `action` needs beyond the defaults, if it is one of these.
    pub fn overrides(
        &self,
        uid: &str,
        action: &str,
    ) -> Option<Vec<(&'static str, Option<String>)>> {
        let s = |v: &str| Some(v.to_string());
        Some(match action {
            "GetPublicKey" | "AsymmetricSign" | "AsymmetricVerify" => vec![
                ("KeyId", Some(self.ka.clone())),
                ("KeyVersionId", Some(self.ka_version.clone())),
                ("Algorithm", s("RSA_PSS_SHA_256")),
                ("Digest", s("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=")),
                ("Value", s("AAAA")),
            ],
            "AsymmetricEncrypt" | "AsymmetricDecrypt" => vec![
                ("KeyId", Some(self.ke.clone())),
                ("KeyVersionId", Some(self.ke_version.clone())),
                ("Algorithm", s("SM2PKE")),
                ("Plaintext", s("aGVsbG8=")),
                ("CiphertextBlob", s("MAA=")),
            ],
            "GetParametersForImport" | "ImportKeyMaterial" | "DeleteKeyMaterial" => vec![
                ("KeyId", Some(self.kx.clone())),
                ("WrappingAlgorithm", s("RSAES_OAEP_SHA_256")),
                ("WrappingKeySpec", s("RSA_2048")),
                ("EncryptedKeyMaterial", s("AAAA")),
                ("ImportToken", s("AAAA")),
            ],
            // A key has one policy, `default` (the defaults' `PolicyName`
            // names a RAM policy).
            "GetKeyPolicy" => vec![("PolicyName", s("default"))],
            "SetKeyPolicy" => super::params::resource_policy(uid, "kms:Encrypt"),
            _ => return None,
        })
    }
}
