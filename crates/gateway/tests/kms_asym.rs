//! KMS asymmetric and SM4 keys through the gateway, in process.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails by panicking"
)]

mod common;

use common::Server;
use serde_json::Value;

const DIGEST: &str = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";

fn create(s: &Server, spec: &str, usage: Option<&str>) -> (String, String, Value) {
    let mut p = vec![("KeySpec", spec)];
    if let Some(u) = usage {
        p.push(("KeyUsage", u));
    }
    let k = s.kms("CreateKey", &p);
    let m = k["KeyMetadata"].clone();
    (
        m["KeyId"].as_str().unwrap().to_string(),
        m["PrimaryKeyVersion"].as_str().unwrap().to_string(),
        m,
    )
}

#[test]
fn every_spec_signs_or_encrypts_with_its_algorithms() {
    let s = Server::new();
    for (spec, usage, algs) in [
        (
            "RSA_2048",
            "SIGN/VERIFY",
            &["RSA_PSS_SHA_256", "RSA_PKCS1_SHA_256"][..],
        ),
        (
            "RSA_3072",
            "SIGN/VERIFY",
            &["RSA_PSS_SHA_256", "RSA_PKCS1_SHA_256"][..],
        ),
        ("EC_P256", "SIGN/VERIFY", &["ECDSA_SHA_256"][..]),
        ("EC_P256K", "SIGN/VERIFY", &["ECDSA_SHA_256"][..]),
        ("EC_SM2", "SIGN/VERIFY", &["SM2DSA"][..]),
        (
            "RSA_2048",
            "ENCRYPT/DECRYPT",
            &["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"][..],
        ),
        ("RSA_3072", "ENCRYPT/DECRYPT", &["RSAES_OAEP_SHA_256"][..]),
        ("EC_SM2", "ENCRYPT/DECRYPT", &["SM2PKE"][..]),
    ] {
        let (id, v, m) = create(&s, spec, Some(usage));
        assert_eq!(
            (m["KeySpec"].as_str(), m["KeyUsage"].as_str()),
            (Some(spec), Some(usage))
        );
        let pk = s.kms("GetPublicKey", &[("KeyId", &id), ("KeyVersionId", &v)]);
        assert!(pk["PublicKey"]
            .as_str()
            .unwrap()
            .starts_with("-----BEGIN PUBLIC KEY-----"));
        for alg in algs {
            let base = [
                ("KeyId", id.as_str()),
                ("KeyVersionId", v.as_str()),
                ("Algorithm", alg),
            ];
            if usage == "SIGN/VERIFY" {
                let mut p = base.to_vec();
                p.push(("Digest", DIGEST));
                let sig = s.kms("AsymmetricSign", &p);
                let value = sig["Value"].as_str().unwrap().to_string();
                p.push(("Value", &value));
                assert_eq!(s.kms("AsymmetricVerify", &p)["Value"], true, "{spec} {alg}");
                let mut q = base.to_vec();
                q.push(("Digest", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="));
                q.push(("Value", &value));
                assert_eq!(s.kms("AsymmetricVerify", &q)["Value"], false);
                let mut r = base.to_vec();
                r.push(("Digest", "c2hvcnQ="));
                s.kms_err("AsymmetricSign", &r, 400, "InvalidParameter.Digest");
            } else {
                let mut p = base.to_vec();
                p.push(("Plaintext", "aGVsbG8gd29ybGQ="));
                let c = s.kms("AsymmetricEncrypt", &p);
                let blob = c["CiphertextBlob"].as_str().unwrap().to_string();
                let mut q = base.to_vec();
                q.push(("CiphertextBlob", &blob));
                let d = s.kms("AsymmetricDecrypt", &q);
                assert_eq!(d["Plaintext"], "aGVsbG8gd29ybGQ=");
                assert_eq!(d["KeyVersionId"], v.as_str());
                let mut r = base.to_vec();
                r.push(("CiphertextBlob", "AAAA"));
                s.kms_err(
                    "AsymmetricDecrypt",
                    &r,
                    400,
                    "InvalidParameter.CiphertextBlob",
                );
            }
        }
        // Symmetric actions refuse an asymmetric key.
        s.kms_err(
            "Encrypt",
            &[("KeyId", &id), ("Plaintext", "x")],
            400,
            "UnsupportedOperation",
        );
    }
}

#[test]
fn validity_rules_versions_and_states() {
    let s = Server::new();
    let (_, _, m) = create(&s, "RSA_2048", None);
    assert_eq!(m["KeyUsage"], "SIGN/VERIFY");
    s.kms_err(
        "CreateKey",
        &[("KeySpec", "EC_P256"), ("KeyUsage", "ENCRYPT/DECRYPT")],
        400,
        "InvalidParameter.KeyUsage",
    );
    s.kms_err(
        "CreateKey",
        &[("KeySpec", "RSA_4096")],
        400,
        "InvalidParameter.KeySpec",
    );
    s.kms_err(
        "CreateKey",
        &[("KeySpec", "Aliyun_SM4"), ("KeyUsage", "SIGN/VERIFY")],
        400,
        "InvalidParameter.KeyUsage",
    );
    s.kms_err(
        "CreateKey",
        &[("KeySpec", "EC_P256"), ("EnableAutomaticRotation", "true")],
        400,
        "InvalidParameter.EnableAutomaticRotation",
    );
    let (id, v1, _) = create(&s, "EC_P256", None);
    let sign = |v: &str, alg: &str| {
        vec![
            ("KeyId", id.clone()),
            ("KeyVersionId", v.to_string()),
            ("Algorithm", alg.to_string()),
            ("Digest", DIGEST.to_string()),
        ]
    };
    let refs = |p: &[(&'static str, String)]| -> Vec<(&'static str, String)> { p.to_vec() };
    let call = |a: &str, p: Vec<(&'static str, String)>| {
        let v: Vec<(&str, &str)> = p.iter().map(|(k, v)| (*k, v.as_str())).collect();
        s.kms(a, &v)
    };
    let call_err = |a: &str, p: Vec<(&'static str, String)>, st: u16, code: &str| {
        let v: Vec<(&str, &str)> = p.iter().map(|(k, v)| (*k, v.as_str())).collect();
        s.kms_err(a, &v, st, code)
    };
    call_err(
        "AsymmetricSign",
        sign(&v1, "RSA_PSS_SHA_256"),
        400,
        "InvalidParameter.Algorithm",
    );
    call_err(
        "AsymmetricSign",
        sign("nope", "ECDSA_SHA_256"),
        404,
        "Forbidden.KeyVersionNotFound",
    );
    let mut missing = refs(&sign(&v1, "ECDSA_SHA_256"));
    missing.retain(|(k, _)| *k != "KeyVersionId");
    call_err("AsymmetricSign", missing, 400, "MissingParameter");
    // A manual version: a new key pair; the old one still verifies its signatures.
    let v2 = s.kms("CreateKeyVersion", &[("KeyId", &id)])["KeyVersion"]["KeyVersionId"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(v1, v2);
    let p1 = s.kms("GetPublicKey", &[("KeyId", &id), ("KeyVersionId", &v1)]);
    let p2 = s.kms("GetPublicKey", &[("KeyId", &id), ("KeyVersionId", &v2)]);
    assert_ne!(p1["PublicKey"], p2["PublicKey"]);
    let sig = call("AsymmetricSign", sign(&v1, "ECDSA_SHA_256"));
    let mut verify = sign(&v1, "ECDSA_SHA_256");
    verify.push(("Value", sig["Value"].as_str().unwrap().to_string()));
    assert_eq!(call("AsymmetricVerify", verify.clone())["Value"], true);
    let mut other = verify.clone();
    other[1].1 = v2.clone();
    assert_eq!(call("AsymmetricVerify", other)["Value"], false);
    s.kms_err(
        "UpdateRotationPolicy",
        &[
            ("KeyId", &id),
            ("EnableAutomaticRotation", "true"),
            ("RotationInterval", "30d"),
        ],
        400,
        "UnsupportedOperation",
    );
    s.kms("DisableKey", &[("KeyId", &id)]);
    call_err("AsymmetricVerify", verify, 409, "Rejected.Disabled");
    // A symmetric key refuses the asymmetric actions.
    let aes = s.kms("CreateKey", &[])["KeyMetadata"]["KeyId"]
        .as_str()
        .unwrap()
        .to_string();
    s.kms_err(
        "GetPublicKey",
        &[("KeyId", &aes), ("KeyVersionId", "x")],
        400,
        "UnsupportedOperation",
    );
}

#[test]
fn sm4_keys_encrypt_decrypt_and_make_data_keys() {
    let s = Server::new();
    let (id, _, m) = create(&s, "Aliyun_SM4", None);
    assert_eq!(m["KeyUsage"], "ENCRYPT/DECRYPT");
    let enc = s.kms(
        "Encrypt",
        &[
            ("KeyId", &id),
            ("Plaintext", "sm4 text"),
            ("EncryptionContext", r#"{"a":"b"}"#),
        ],
    );
    let blob = enc["CiphertextBlob"].as_str().unwrap();
    let dec = s.kms(
        "Decrypt",
        &[
            ("CiphertextBlob", blob),
            ("EncryptionContext", r#"{"a":"b"}"#),
        ],
    );
    assert_eq!(dec["Plaintext"], "sm4 text");
    s.kms_err(
        "Decrypt",
        &[("CiphertextBlob", blob)],
        400,
        "InvalidParameter.CiphertextBlob",
    );
    let dk = s.kms("GenerateDataKey", &[("KeyId", &id)]);
    let dec = s.kms(
        "Decrypt",
        &[("CiphertextBlob", dk["CiphertextBlob"].as_str().unwrap())],
    );
    assert_eq!(dec["Plaintext"], dk["Plaintext"]);
    // A secret under an SM4 key.
    s.kms(
        "CreateSecret",
        &[
            ("SecretName", "sm4s"),
            ("VersionId", "v1"),
            ("SecretData", "x"),
            ("EncryptionKeyId", &id),
        ],
    );
    assert_eq!(
        s.kms("GetSecretValue", &[("SecretName", "sm4s")])["SecretData"],
        "x"
    );
}

#[test]
fn key_policies_allow_and_deny_with_identity_policies() {
    let s = Server::new();
    let uid = s.account_id.clone();
    let (id, v, _) = create(&s, "EC_P256", None);
    let sign = [
        ("KeyId", id.as_str()),
        ("KeyVersionId", v.as_str()),
        ("Algorithm", "ECDSA_SHA_256"),
        ("Digest", DIGEST),
    ];
    let user = s.user_with_key("signer");
    let status = |c: &common::Creds| s.call_v1(c, "2016-01-20", "AsymmetricSign", &sign).0;
    // No identity policy, default key policy: denied.
    assert_eq!(status(&user), 403);
    // The default policy read and written back changes no one's access.
    let default = s.kms("GetKeyPolicy", &[("KeyId", &id), ("PolicyName", "default")])["Policy"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(default.contains(&format!("acs:ram::{uid}:*")));
    s.kms(
        "SetKeyPolicy",
        &[
            ("KeyId", &id),
            ("PolicyName", "default"),
            ("Policy", &default),
        ],
    );
    assert_eq!(status(&user), 403);
    // A key policy naming the user allows what the identity policies do not.
    let allow = format!(
        r#"{{"Version":"1","Statement":[{{"Effect":"Allow","Principal":{{"RAM":["acs:ram::{uid}:user/signer"]}},"Action":["kms:AsymmetricSign"],"Resource":["*"]}}]}}"#
    );
    s.kms("SetKeyPolicy", &[("KeyId", &id), ("Policy", &allow)]);
    assert_eq!(status(&user), 200);
    assert_eq!(
        s.kms("GetKeyPolicy", &[("KeyId", &id)])["Policy"],
        allow.as_str()
    );
    // An explicit Deny in the key policy wins over an identity Allow.
    s.grant(
        "signer",
        "AllKms",
        r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}"#,
    );
    let deny = format!(
        r#"{{"Version":"1","Statement":[{{"Effect":"Allow","Principal":{{"RAM":["acs:ram::{uid}:*"]}},"Action":["kms:*"],"Resource":["*"]}},{{"Effect":"Deny","Principal":{{"RAM":["acs:ram::{uid}:user/signer"]}},"Action":["kms:AsymmetricSign"],"Resource":["*"]}}]}}"#
    );
    s.kms("SetKeyPolicy", &[("KeyId", &id), ("Policy", &deny)]);
    let (st, body) = s.call_v1(&user, "2016-01-20", "AsymmetricSign", &sign);
    assert_eq!(
        (st, body["Code"].as_str()),
        (403, Some("Forbidden.NoPermission")),
        "{body}"
    );
    let (st, _) = s.call_v1(&user, "2016-01-20", "GetPublicKey", &sign[..2]);
    assert_eq!(st, 200);
    // A policy on CreateKey; bad policies and names are refused.
    let k2 = s.kms("CreateKey", &[("Policy", &deny)])["KeyMetadata"]["KeyId"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        s.kms("GetKeyPolicy", &[("KeyId", &k2)])["Policy"],
        deny.as_str()
    );
    s.kms_err(
        "SetKeyPolicy",
        &[("KeyId", &id), ("Policy", "{")],
        400,
        "MalformedPolicyDocument",
    );
    s.kms_err(
        "GetKeyPolicy",
        &[("KeyId", &id), ("PolicyName", "other")],
        400,
        "InvalidParameter.PolicyName",
    );
}

/// Wraps `material` with the wrapping public key of GetParametersForImport.
fn wrap(params: &Value, material: &[u8], sha1: bool) -> String {
    use aws_lc_rs::rsa::{
        OaepPublicEncryptingKey, PublicEncryptingKey, OAEP_SHA1_MGF1SHA1, OAEP_SHA256_MGF1SHA256,
    };
    use base64::Engine;
    let der = base64::engine::general_purpose::STANDARD
        .decode(params["PublicKey"].as_str().unwrap())
        .unwrap();
    let key = OaepPublicEncryptingKey::new(PublicEncryptingKey::from_der(&der).unwrap()).unwrap();
    let alg = if sha1 {
        &OAEP_SHA1_MGF1SHA1
    } else {
        &OAEP_SHA256_MGF1SHA256
    };
    let mut out = vec![0u8; key.ciphertext_size()];
    let n = key.encrypt(alg, material, &mut out, None).unwrap().len();
    base64::engine::general_purpose::STANDARD.encode(&out[..n])
}

#[test]
fn imported_material_expires_and_tokens_expire() {
    let s = Server::new();
    let id = s.kms("CreateKey", &[("Origin", "EXTERNAL")])["KeyMetadata"]["KeyId"]
        .as_str()
        .unwrap()
        .to_string();
    let params = |alg: &str| {
        s.kms(
            "GetParametersForImport",
            &[
                ("KeyId", &id),
                ("WrappingAlgorithm", alg),
                ("WrappingKeySpec", "RSA_2048"),
            ],
        )
    };
    let material: [u8; 32] = std::array::from_fn(|i| (i as u8).wrapping_mul(37) ^ 0x5a);
    // A token older than 24 hours is refused.
    let old = params("RSAES_OAEP_SHA_256");
    s.clock.advance(86_401);
    s.kms_err(
        "ImportKeyMaterial",
        &[
            ("KeyId", &id),
            ("EncryptedKeyMaterial", &wrap(&old, &material, false)),
            ("ImportToken", old["ImportToken"].as_str().unwrap()),
        ],
        400,
        "InvalidParameter.ImportToken",
    );
    let p = params("RSAES_OAEP_SHA_1");
    let expire = (common::NOW + 86_401 + 3600).to_string();
    s.kms(
        "ImportKeyMaterial",
        &[
            ("KeyId", &id),
            ("EncryptedKeyMaterial", &wrap(&p, &material, true)),
            ("ImportToken", p["ImportToken"].as_str().unwrap()),
            ("KeyMaterialExpireUnix", &expire),
        ],
    );
    let blob = s.kms("Encrypt", &[("KeyId", &id), ("Plaintext", "x")])["CiphertextBlob"]
        .as_str()
        .unwrap()
        .to_string();
    // An hour later the material has expired: PendingImport, unusable.
    s.clock.advance(3600);
    let md = s.kms("DescribeKey", &[("KeyId", &id)])["KeyMetadata"].clone();
    assert_eq!(md["KeyState"], "PendingImport");
    assert!(!md["MaterialExpireTime"].as_str().unwrap().is_empty());
    s.kms_err(
        "Decrypt",
        &[("CiphertextBlob", &blob)],
        409,
        "Rejected.PendingImport",
    );
    // The same material again, without expiry: the old ciphertext decrypts.
    let p = params("RSAES_OAEP_SHA_256");
    s.kms(
        "ImportKeyMaterial",
        &[
            ("KeyId", &id),
            ("EncryptedKeyMaterial", &wrap(&p, &material, false)),
            ("ImportToken", p["ImportToken"].as_str().unwrap()),
        ],
    );
    assert_eq!(
        s.kms("Decrypt", &[("CiphertextBlob", &blob)])["Plaintext"],
        "x"
    );
    s.kms_err(
        "CreateKeyVersion",
        &[("KeyId", &id)],
        400,
        "UnsupportedOperation",
    );
    s.kms("DeleteKeyMaterial", &[("KeyId", &id)]);
    s.kms_err(
        "Decrypt",
        &[("CiphertextBlob", &blob)],
        409,
        "Rejected.PendingImport",
    );
    // After deletion only the same material comes back (other material
    // would lose every ciphertext made under the first for good), and
    // material of one repeated byte is never a key.
    let import = |m: &[u8]| {
        let p = params("RSAES_OAEP_SHA_256");
        s.call_v1(
            &s.root,
            "2016-01-20",
            "ImportKeyMaterial",
            &[
                ("KeyId", &id),
                ("EncryptedKeyMaterial", &wrap(&p, m, false)),
                ("ImportToken", p["ImportToken"].as_str().unwrap()),
            ],
        )
    };
    let mut other = material;
    other[0] ^= 1;
    for bad in [other, [0u8; 32], [7u8; 32]] {
        let (st, body) = import(&bad);
        assert_eq!(
            (st, body["Code"].as_str()),
            (400, Some("InvalidParameter.EncryptedKeyMaterial")),
            "{body}"
        );
    }
    assert_eq!(import(&material).0, 200);
    assert_eq!(
        s.kms("Decrypt", &[("CiphertextBlob", &blob)])["Plaintext"],
        "x"
    );
    // A new key refuses weak material at its first import too.
    let fresh = s.kms("CreateKey", &[("Origin", "EXTERNAL")])["KeyMetadata"]["KeyId"]
        .as_str()
        .unwrap()
        .to_string();
    let p = s.kms(
        "GetParametersForImport",
        &[
            ("KeyId", &fresh),
            ("WrappingAlgorithm", "RSAES_OAEP_SHA_256"),
            ("WrappingKeySpec", "RSA_2048"),
        ],
    );
    s.kms_err(
        "ImportKeyMaterial",
        &[
            ("KeyId", &fresh),
            ("EncryptedKeyMaterial", &wrap(&p, &[0u8; 32], false)),
            ("ImportToken", p["ImportToken"].as_str().unwrap()),
        ],
        400,
        "InvalidParameter.EncryptedKeyMaterial",
    );
}

#[test]
fn a_key_of_the_other_usage_is_unsupported() {
    let s = Server::new();
    let (enc, enc_v, _) = create(&s, "RSA_2048", Some("ENCRYPT/DECRYPT"));
    let (sig, sig_v, _) = create(&s, "EC_P256", Some("SIGN/VERIFY"));
    for alg in ["RSA_PSS_SHA_256", "RSAES_OAEP_SHA_256"] {
        for action in ["AsymmetricSign", "AsymmetricVerify"] {
            s.kms_err(
                action,
                &[
                    ("KeyId", &enc),
                    ("KeyVersionId", &enc_v),
                    ("Algorithm", alg),
                    ("Digest", DIGEST),
                    ("Value", DIGEST),
                ],
                400,
                "UnsupportedOperation",
            );
        }
    }
    for action in ["AsymmetricEncrypt", "AsymmetricDecrypt"] {
        s.kms_err(
            action,
            &[
                ("KeyId", &sig),
                ("KeyVersionId", &sig_v),
                ("Algorithm", "ECDSA_SHA_256"),
                ("Plaintext", DIGEST),
                ("CiphertextBlob", DIGEST),
            ],
            400,
            "UnsupportedOperation",
        );
    }
}

#[test]
fn a_key_has_at_most_50_versions() {
    let s = Server::new();
    let (id, _, _) = create(&s, "EC_P256", Some("SIGN/VERIFY"));
    for _ in 1..50 {
        s.kms("CreateKeyVersion", &[("KeyId", &id)]);
    }
    let body = s.kms_err(
        "CreateKeyVersion",
        &[("KeyId", &id)],
        400,
        "Rejected.LimitExceeded",
    );
    assert!(body["Message"].as_str().unwrap().contains("50"), "{body}");
    let versions = s.kms("ListKeyVersions", &[("KeyId", &id), ("PageSize", "100")]);
    assert_eq!(versions["TotalCount"], 50);
}

/// Imports made at once into a fresh key: one material wins, every other
/// caller is refused (none is told it succeeded while the key holds
/// another's material).
#[test]
fn simultaneous_first_imports_leave_one_material() {
    let s = Server::new();
    for round in 0..3 {
        let id = s.kms("CreateKey", &[("Origin", "EXTERNAL")])["KeyMetadata"]["KeyId"]
            .as_str()
            .unwrap()
            .to_string();
        let requests: Vec<(Value, [u8; 32])> = (0..6u8)
            .map(|i| {
                let p = s.kms(
                    "GetParametersForImport",
                    &[
                        ("KeyId", &id),
                        ("WrappingAlgorithm", "RSAES_OAEP_SHA_256"),
                        ("WrappingKeySpec", "RSA_2048"),
                    ],
                );
                let m: [u8; 32] =
                    std::array::from_fn(|j| (j as u8).wrapping_mul(31) ^ i ^ (round * 7));
                (p, m)
            })
            .collect();
        let answers: Vec<u16> = std::thread::scope(|scope| {
            let handles: Vec<_> = requests
                .iter()
                .map(|(p, m)| {
                    let (s, id) = (&s, &id);
                    scope.spawn(move || {
                        s.call_v1(
                            &s.root,
                            "2016-01-20",
                            "ImportKeyMaterial",
                            &[
                                ("KeyId", id),
                                ("EncryptedKeyMaterial", &wrap(p, m, false)),
                                ("ImportToken", p["ImportToken"].as_str().unwrap()),
                            ],
                        )
                        .0
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert_eq!(
            answers.iter().filter(|s| **s == 200).count(),
            1,
            "{answers:?}"
        );
        // Beyond two at once a principal is throttled (429).
        assert!(
            answers.iter().all(|s| [200, 400, 429].contains(s)),
            "{answers:?}"
        );
    }
}
