//! `rampart-asym-bench`: asymmetric sign and verify per second through
//! Rampart's KMS domain (key resolution, state checks, base64, the sealed
//! key pair's cache) against the bare libraries signing and verifying the
//! same digest in the same run, with the ratio.
//!
//! ```text
//! cargo run --release -p rampart-loadgen --bin rampart-asym-bench -- 2
//! ```
//! The argument is seconds per measurement (default 2).

use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_lc_rs::digest::{Digest, SHA256};
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{
    EcdsaKeyPair, KeyPair, ParsedPublicKey, RsaKeyPair, ECDSA_P256_SHA256_ASN1,
    ECDSA_P256_SHA256_ASN1_SIGNING, RSA_PSS_2048_8192_SHA256, RSA_PSS_SHA256,
};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use rampart_core::kms::keys::CreateKey;
use rampart_core::{ManualClock, Rampart, Settings};
use rampart_crypto::Keyring;
use rampart_store::{SqliteStore, Store};
use sm2::dsa::signature::hazmat::{PrehashSigner, PrehashVerifier};
use sm2::elliptic_curve::Generate;

const NOW: i64 = 1_767_225_600;

/// Operations per second of `a` and of `b`, measured in alternating slices
/// of 100 ms over `secs` each, so both see the same machine load.
fn rates(
    secs: f64,
    mut a: impl FnMut() -> anyhow::Result<()>,
    mut b: impl FnMut() -> anyhow::Result<()>,
) -> anyhow::Result<(f64, f64)> {
    let slice = Duration::from_millis(100);
    let rounds = ((secs / 0.1).ceil() as usize).max(1);
    let (mut na, mut nb) = (0u64, 0u64);
    let (mut ta, mut tb) = (0f64, 0f64);
    for _ in 0..rounds {
        let t = Instant::now();
        while t.elapsed() < slice {
            a()?;
            na += 1;
        }
        ta += t.elapsed().as_secs_f64();
        let t = Instant::now();
        while t.elapsed() < slice {
            b()?;
            nb += 1;
        }
        tb += t.elapsed().as_secs_f64();
    }
    Ok((na as f64 / ta, nb as f64 / tb))
}

struct Bare {
    sign: Box<dyn FnMut() -> anyhow::Result<()>>,
    verify: Box<dyn FnMut() -> anyhow::Result<()>>,
}

fn bare(spec: &str, digest: [u8; 32]) -> anyhow::Result<Bare> {
    let err = |_| anyhow::anyhow!("library error");
    Ok(match spec {
        "RSA_2048" => {
            let k = Arc::new(RsaKeyPair::generate(KeySize::Rsa2048).map_err(err)?);
            let d = Digest::import_less_safe(&digest, &SHA256).map_err(err)?;
            let mut sig = vec![0u8; k.public_modulus_len()];
            k.sign_digest(&RSA_PSS_SHA256, &d, &mut sig).map_err(err)?;
            let public = ParsedPublicKey::new(&RSA_PSS_2048_8192_SHA256, k.public_key().as_ref())
                .map_err(|_| anyhow::anyhow!("library error"))?;
            let k2 = k.clone();
            Bare {
                sign: Box::new(move || {
                    let d = Digest::import_less_safe(&digest, &SHA256).map_err(err)?;
                    let mut s = vec![0u8; k2.public_modulus_len()];
                    k2.sign_digest(&RSA_PSS_SHA256, &d, &mut s).map_err(err)?;
                    Ok(())
                }),
                verify: Box::new(move || {
                    let d = Digest::import_less_safe(&digest, &SHA256).map_err(err)?;
                    public.verify_digest_sig(&d, &sig).map_err(err)
                }),
            }
        }
        "EC_P256" => {
            let k = Arc::new(EcdsaKeyPair::generate(&ECDSA_P256_SHA256_ASN1_SIGNING).map_err(err)?);
            let d = Digest::import_less_safe(&digest, &SHA256).map_err(err)?;
            let sig = k.sign_digest(&d).map_err(err)?.as_ref().to_vec();
            let public = ParsedPublicKey::new(&ECDSA_P256_SHA256_ASN1, k.public_key().as_ref())
                .map_err(|_| anyhow::anyhow!("library error"))?;
            let k2 = k.clone();
            Bare {
                sign: Box::new(move || {
                    let d = Digest::import_less_safe(&digest, &SHA256).map_err(err)?;
                    k2.sign_digest(&d).map_err(err)?;
                    Ok(())
                }),
                verify: Box::new(move || {
                    let d = Digest::import_less_safe(&digest, &SHA256).map_err(err)?;
                    public.verify_digest_sig(&d, &sig).map_err(err)
                }),
            }
        }
        _ => {
            let sk = sm2::SecretKey::generate();
            let signer = sm2::dsa::SigningKey::new("1234567812345678", &sk)
                .map_err(|_| anyhow::anyhow!("sm2"))?;
            let verifier = signer.verifying_key().clone();
            let sig: sm2::dsa::Signature = signer
                .sign_prehash(&digest)
                .map_err(|_| anyhow::anyhow!("sm2"))?;
            let der = sig.to_der().as_bytes().to_vec();
            Bare {
                sign: Box::new(move || {
                    let s: sm2::dsa::Signature = signer
                        .sign_prehash(&digest)
                        .map_err(|_| anyhow::anyhow!("sm2"))?;
                    let _ = s.to_der();
                    Ok(())
                }),
                verify: Box::new(move || {
                    let s =
                        sm2::dsa::Signature::from_der(&der).map_err(|_| anyhow::anyhow!("sm2"))?;
                    verifier
                        .verify_prehash(&digest, &s)
                        .map_err(|_| anyhow::anyhow!("sm2"))
                }),
            }
        }
    })
}

fn main() -> anyhow::Result<()> {
    let secs: f64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(2.0);
    let dir = tempfile::tempdir()?;
    let store: Arc<dyn Store> =
        Arc::new(SqliteStore::open_exclusive(&dir.path().join("db.sqlite"))?);
    let keyring = Keyring::for_tests();
    rampart_core::account::initialize(store.as_ref(), &keyring, NOW)?;
    let r = Rampart::open(
        store,
        keyring,
        Arc::new(ManualClock::new(NOW)),
        Settings::default(),
    )?;
    let e = |e: rampart_core::ApiError| anyhow::anyhow!("{e}");
    let digest: [u8; 32] = aws_lc_rs::digest::digest(&SHA256, b"benchmark message")
        .as_ref()
        .try_into()?;
    let d64 = STANDARD.encode(digest);
    println!(
        "{:<9} {:<16} {:>13} {:>13} {:>6} {:>15} {:>15} {:>6}",
        "spec", "algorithm", "sign/s", "bare sign/s", "ratio", "verify/s", "bare verify/s", "ratio"
    );
    for (spec, alg) in [
        ("RSA_2048", "RSA_PSS_SHA_256"),
        ("EC_P256", "ECDSA_SHA_256"),
        ("EC_SM2", "SM2DSA"),
    ] {
        let k = r
            .create_key(CreateKey {
                key_spec: Some(spec.into()),
                key_usage: Some("SIGN/VERIFY".into()),
                ..Default::default()
            })
            .map_err(e)?;
        let (id, v) = (rampart_core::kms::KeyId::of(&k), k.primary_version.clone());
        let sig = r.asymmetric_sign(&id, &v, alg, &d64).map_err(e)?.value;
        anyhow::ensure!(
            r.asymmetric_verify(&id, &v, alg, &d64, &sig)
                .map_err(e)?
                .value
        );
        let mut b = bare(spec, digest)?;
        let (sign, bare_sign) = rates(
            secs,
            || r.asymmetric_sign(&id, &v, alg, &d64).map(drop).map_err(e),
            &mut b.sign,
        )?;
        let (verify, bare_verify) = rates(
            secs,
            || {
                r.asymmetric_verify(&id, &v, alg, &d64, &sig)
                    .map(drop)
                    .map_err(e)
            },
            &mut b.verify,
        )?;
        println!(
            "{spec:<9} {alg:<16} {sign:>13.0} {bare_sign:>13.0} {:>6.2} {verify:>15.0} {bare_verify:>15.0} {:>6.2}",
            sign / bare_sign,
            verify / bare_verify
        );
    }
    Ok(())
}
