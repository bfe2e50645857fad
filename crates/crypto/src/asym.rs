//! Asymmetric keys of KMS: RSA (2048, 3072), ECDSA over P-256 and secp256k1
//! (aws-lc-rs: constant-time RSA decryption, signing a precomputed digest)
//! and SM2 (RustCrypto `sm2`: SM2DSA over a digest that already includes Z,
//! SM2PKE with ASN.1 DER ciphertexts).
//!
//! Private material is serialized for sealing as PKCS#8 DER (RSA, ECDSA) or
//! the 32-byte scalar (SM2); the bytes are zeroized when dropped. A loaded
//! [`AsymKey`] never prints its private half.

use aws_lc_rs::digest::{Digest, SHA256};
use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der, PublicKeyX509Der};
use aws_lc_rs::rsa::{
    KeySize, OaepAlgorithm, OaepPrivateDecryptingKey, OaepPublicEncryptingKey,
    PrivateDecryptingKey, OAEP_SHA1_MGF1SHA1, OAEP_SHA256_MGF1SHA256,
};
use aws_lc_rs::signature::{
    EcdsaKeyPair, EcdsaSigningAlgorithm, KeyPair, ParsedPublicKey, RsaKeyPair,
    VerificationAlgorithm, ECDSA_P256K1_SHA256_ASN1, ECDSA_P256K1_SHA256_ASN1_SIGNING,
    ECDSA_P256_SHA256_ASN1, ECDSA_P256_SHA256_ASN1_SIGNING, RSA_PKCS1_2048_8192_SHA256,
    RSA_PKCS1_SHA256, RSA_PSS_2048_8192_SHA256, RSA_PSS_SHA256,
};
use sm2::elliptic_curve::Generate;
use sm2::pkcs8::EncodePublicKey;
use zeroize::Zeroizing;

/// An asymmetric key specification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AsymSpec {
    /// `RSA_2048`.
    Rsa2048,
    /// `RSA_3072`.
    Rsa3072,
    /// `EC_P256` (NIST P-256).
    EcP256,
    /// `EC_P256K` (secp256k1).
    EcP256K,
    /// `EC_SM2`.
    EcSm2,
}

/// What an asymmetric key is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AsymUsage {
    /// `SIGN/VERIFY`.
    Sign,
    /// `ENCRYPT/DECRYPT`.
    Encrypt,
}

/// An asymmetric algorithm of the KMS API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AsymAlgorithm {
    /// `RSA_PSS_SHA_256` (salt length 32, MGF1 with SHA-256).
    RsaPssSha256,
    /// `RSA_PKCS1_SHA_256`.
    RsaPkcs1Sha256,
    /// `ECDSA_SHA_256` (DER signature).
    EcdsaSha256,
    /// `SM2DSA` (DER signature over SM3(Z ‖ M) given by the caller).
    Sm2Dsa,
    /// `RSAES_OAEP_SHA_1`.
    RsaesOaepSha1,
    /// `RSAES_OAEP_SHA_256`.
    RsaesOaepSha256,
    /// `SM2PKE` (DER ciphertext C1 x, C1 y, C3, C2).
    Sm2Pke,
}

/// An asymmetric operation failed; says nothing about the key.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AsymError {
    /// The algorithm is not one this key's spec and usage allow.
    #[error("algorithm not valid for this key")]
    Algorithm,
    /// The digest has the wrong length for the algorithm.
    #[error("digest has the wrong length")]
    Digest,
    /// The plaintext is longer than the key and algorithm allow.
    #[error("plaintext is too long")]
    TooLong,
    /// The ciphertext could not be decrypted.
    #[error("ciphertext cannot be decrypted")]
    Decrypt,
    /// Stored key material is damaged or of another spec.
    #[error("key material is not valid")]
    Material,
    /// The underlying library failed.
    #[error("cryptographic operation failed")]
    Internal,
}

impl AsymSpec {
    /// Parses a `KeySpec`.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "RSA_2048" => Self::Rsa2048,
            "RSA_3072" => Self::Rsa3072,
            "EC_P256" => Self::EcP256,
            "EC_P256K" => Self::EcP256K,
            "EC_SM2" => Self::EcSm2,
            _ => return None,
        })
    }

    /// The usages the spec allows; the first is the default.
    pub fn usages(self) -> &'static [AsymUsage] {
        match self {
            Self::Rsa2048 | Self::Rsa3072 | Self::EcSm2 => &[AsymUsage::Sign, AsymUsage::Encrypt],
            Self::EcP256 | Self::EcP256K => &[AsymUsage::Sign],
        }
    }

    /// The algorithms a key of this spec and usage accepts.
    pub fn algorithms(self, usage: AsymUsage) -> &'static [AsymAlgorithm] {
        use AsymAlgorithm::*;
        match (self, usage) {
            (Self::Rsa2048 | Self::Rsa3072, AsymUsage::Sign) => &[RsaPssSha256, RsaPkcs1Sha256],
            (Self::Rsa2048 | Self::Rsa3072, AsymUsage::Encrypt) => {
                &[RsaesOaepSha1, RsaesOaepSha256]
            }
            (Self::EcP256 | Self::EcP256K, AsymUsage::Sign) => &[EcdsaSha256],
            (Self::EcSm2, AsymUsage::Sign) => &[Sm2Dsa],
            (Self::EcSm2, AsymUsage::Encrypt) => &[Sm2Pke],
            (Self::EcP256 | Self::EcP256K, AsymUsage::Encrypt) => &[],
        }
    }
}

impl AsymUsage {
    /// Parses a `KeyUsage`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "SIGN/VERIFY" => Some(Self::Sign),
            "ENCRYPT/DECRYPT" => Some(Self::Encrypt),
            _ => None,
        }
    }

    /// The wire name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Sign => "SIGN/VERIFY",
            Self::Encrypt => "ENCRYPT/DECRYPT",
        }
    }
}

impl AsymAlgorithm {
    /// Parses an `Algorithm`.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "RSA_PSS_SHA_256" => Self::RsaPssSha256,
            "RSA_PKCS1_SHA_256" => Self::RsaPkcs1Sha256,
            "ECDSA_SHA_256" => Self::EcdsaSha256,
            "SM2DSA" => Self::Sm2Dsa,
            "RSAES_OAEP_SHA_1" => Self::RsaesOaepSha1,
            "RSAES_OAEP_SHA_256" => Self::RsaesOaepSha256,
            "SM2PKE" => Self::Sm2Pke,
            _ => return None,
        })
    }

    /// The wire name.
    pub fn name(self) -> &'static str {
        match self {
            Self::RsaPssSha256 => "RSA_PSS_SHA_256",
            Self::RsaPkcs1Sha256 => "RSA_PKCS1_SHA_256",
            Self::EcdsaSha256 => "ECDSA_SHA_256",
            Self::Sm2Dsa => "SM2DSA",
            Self::RsaesOaepSha1 => "RSAES_OAEP_SHA_1",
            Self::RsaesOaepSha256 => "RSAES_OAEP_SHA_256",
            Self::Sm2Pke => "SM2PKE",
        }
    }

    fn oaep(self) -> Option<&'static OaepAlgorithm> {
        match self {
            Self::RsaesOaepSha1 => Some(&OAEP_SHA1_MGF1SHA1),
            Self::RsaesOaepSha256 => Some(&OAEP_SHA256_MGF1SHA256),
            _ => None,
        }
    }
}

/// Fresh private material for `spec`, serialized for sealing.
pub fn generate(spec: AsymSpec, usage: AsymUsage) -> Result<Zeroizing<Vec<u8>>, AsymError> {
    let der = |d: Result<Pkcs8V1Der<'static>, _>| {
        d.map(|d| Zeroizing::new(d.as_ref().to_vec()))
            .map_err(|_| AsymError::Internal)
    };
    match (spec, usage) {
        (AsymSpec::Rsa2048 | AsymSpec::Rsa3072, AsymUsage::Sign) => {
            let k = RsaKeyPair::generate(rsa_size(spec)).map_err(|_| AsymError::Internal)?;
            der(k.as_der())
        }
        (AsymSpec::Rsa2048 | AsymSpec::Rsa3072, AsymUsage::Encrypt) => {
            let k =
                PrivateDecryptingKey::generate(rsa_size(spec)).map_err(|_| AsymError::Internal)?;
            der(k.as_der())
        }
        (AsymSpec::EcP256 | AsymSpec::EcP256K, _) => {
            let k = EcdsaKeyPair::generate(ec_alg(spec)).map_err(|_| AsymError::Internal)?;
            let d = k.to_pkcs8v1().map_err(|_| AsymError::Internal)?;
            Ok(Zeroizing::new(d.as_ref().to_vec()))
        }
        (AsymSpec::EcSm2, _) => {
            let k = sm2::SecretKey::generate();
            Ok(Zeroizing::new(k.to_bytes().to_vec()))
        }
    }
}

fn rsa_size(spec: AsymSpec) -> KeySize {
    if spec == AsymSpec::Rsa3072 {
        KeySize::Rsa3072
    } else {
        KeySize::Rsa2048
    }
}

fn ec_alg(spec: AsymSpec) -> &'static EcdsaSigningAlgorithm {
    if spec == AsymSpec::EcP256K {
        &ECDSA_P256K1_SHA256_ASN1_SIGNING
    } else {
        &ECDSA_P256_SHA256_ASN1_SIGNING
    }
}

enum Inner {
    /// The key pair, and its public key parsed for PSS and for PKCS #1.
    RsaSign(RsaKeyPair, ParsedPublicKey, ParsedPublicKey),
    RsaDecrypt(OaepPrivateDecryptingKey, OaepPublicEncryptingKey),
    Ec(EcdsaKeyPair, ParsedPublicKey),
    /// One signing or decrypting key made once: the `sm2` crate's keys do
    /// not zeroize their scalar, so none is made per operation.
    Sm2Sign(sm2::dsa::SigningKey),
    Sm2Decrypt(sm2::pke::DecryptingKey),
}

fn parsed(
    alg: &'static dyn VerificationAlgorithm,
    der: &[u8],
) -> Result<ParsedPublicKey, AsymError> {
    ParsedPublicKey::new(alg, der).map_err(|_| AsymError::Material)
}

/// A loaded private key with its public half.
pub struct AsymKey {
    spec: AsymSpec,
    usage: AsymUsage,
    inner: Inner,
    public_der: Vec<u8>,
}

impl std::fmt::Debug for AsymKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AsymKey({:?}, {:?}, [REDACTED])", self.spec, self.usage)
    }
}

/// The SM2 distinguishing identifier: the standard's default.
const SM2_DEFAULT_ID: &str = "1234567812345678";

impl AsymKey {
    /// Loads serialized private material (from [`generate`]).
    pub fn load(spec: AsymSpec, usage: AsymUsage, material: &[u8]) -> Result<Self, AsymError> {
        let bad = |_| AsymError::Material;
        let (inner, public_der) = match (spec, usage) {
            (AsymSpec::Rsa2048 | AsymSpec::Rsa3072, AsymUsage::Sign) => {
                let k = RsaKeyPair::from_pkcs8(material).map_err(bad)?;
                if k.public_modulus_len() * 8 != rsa_bits(spec) {
                    return Err(AsymError::Material);
                }
                let pubder: PublicKeyX509Der<'static> =
                    k.public_key().as_der().map_err(|_| AsymError::Material)?;
                let p = pubder.as_ref().to_vec();
                let pss = parsed(&RSA_PSS_2048_8192_SHA256, &p)?;
                let pkcs1 = parsed(&RSA_PKCS1_2048_8192_SHA256, &p)?;
                (Inner::RsaSign(k, pss, pkcs1), p)
            }
            (AsymSpec::Rsa2048 | AsymSpec::Rsa3072, AsymUsage::Encrypt) => {
                let k = PrivateDecryptingKey::from_pkcs8(material).map_err(bad)?;
                if k.key_size_bits() != rsa_bits(spec) {
                    return Err(AsymError::Material);
                }
                let public = k.public_key();
                let pubder: PublicKeyX509Der<'static> =
                    public.as_der().map_err(|_| AsymError::Material)?;
                let p = pubder.as_ref().to_vec();
                let enc = OaepPublicEncryptingKey::new(public).map_err(|_| AsymError::Material)?;
                let dec = OaepPrivateDecryptingKey::new(k).map_err(|_| AsymError::Material)?;
                (Inner::RsaDecrypt(dec, enc), p)
            }
            (AsymSpec::EcP256 | AsymSpec::EcP256K, AsymUsage::Sign) => {
                let k = EcdsaKeyPair::from_pkcs8(ec_alg(spec), material).map_err(bad)?;
                let pubder: PublicKeyX509Der<'static> =
                    k.public_key().as_der().map_err(|_| AsymError::Material)?;
                let p = pubder.as_ref().to_vec();
                let v: &'static dyn VerificationAlgorithm = if spec == AsymSpec::EcP256K {
                    &ECDSA_P256K1_SHA256_ASN1
                } else {
                    &ECDSA_P256_SHA256_ASN1
                };
                let verifier = parsed(v, &p)?;
                (Inner::Ec(k, verifier), p)
            }
            (AsymSpec::EcSm2, _) => {
                let k = sm2::SecretKey::from_slice(material).map_err(|_| AsymError::Material)?;
                let p = k
                    .public_key()
                    .to_public_key_der()
                    .map_err(|_| AsymError::Material)?
                    .as_bytes()
                    .to_vec();
                let inner = if usage == AsymUsage::Sign {
                    Inner::Sm2Sign(
                        sm2::dsa::SigningKey::new(SM2_DEFAULT_ID, &k)
                            .map_err(|_| AsymError::Material)?,
                    )
                } else {
                    Inner::Sm2Decrypt(sm2::pke::DecryptingKey::new_with_mode(
                        k.to_nonzero_scalar(),
                        sm2::pke::Mode::C1C3C2,
                    ))
                };
                (inner, p)
            }
            (AsymSpec::EcP256 | AsymSpec::EcP256K, AsymUsage::Encrypt) => {
                return Err(AsymError::Algorithm)
            }
        };
        Ok(Self {
            spec,
            usage,
            inner,
            public_der,
        })
    }

    /// The key's spec.
    pub fn spec(&self) -> AsymSpec {
        self.spec
    }

    /// The public key as X.509 `SubjectPublicKeyInfo` DER.
    pub fn public_der(&self) -> &[u8] {
        &self.public_der
    }

    /// The public key as PEM (`-----BEGIN PUBLIC KEY-----`).
    pub fn public_pem(&self) -> Result<String, AsymError> {
        pem_rfc7468::encode_string("PUBLIC KEY", pem_rfc7468::LineEnding::LF, &self.public_der)
            .map_err(|_| AsymError::Internal)
    }

    fn check(&self, alg: AsymAlgorithm) -> Result<(), AsymError> {
        if self.spec.algorithms(self.usage).contains(&alg) {
            Ok(())
        } else {
            Err(AsymError::Algorithm)
        }
    }

    /// Signs a precomputed 32-byte digest; DER for ECDSA and SM2DSA.
    pub fn sign(&self, alg: AsymAlgorithm, digest: &[u8]) -> Result<Vec<u8>, AsymError> {
        self.check(alg)?;
        if digest.len() != 32 {
            return Err(AsymError::Digest);
        }
        match &self.inner {
            Inner::RsaSign(k, ..) => {
                let d = Digest::import_less_safe(digest, &SHA256).map_err(|_| AsymError::Digest)?;
                let mut sig = vec![0u8; k.public_modulus_len()];
                let enc: &'static dyn aws_lc_rs::signature::RsaEncoding =
                    if alg == AsymAlgorithm::RsaPssSha256 {
                        &RSA_PSS_SHA256
                    } else {
                        &RSA_PKCS1_SHA256
                    };
                k.sign_digest(enc, &d, &mut sig)
                    .map_err(|_| AsymError::Internal)?;
                Ok(sig)
            }
            Inner::Ec(k, _) => {
                let d = Digest::import_less_safe(digest, &SHA256).map_err(|_| AsymError::Digest)?;
                let s = k.sign_digest(&d).map_err(|_| AsymError::Internal)?;
                Ok(s.as_ref().to_vec())
            }
            Inner::Sm2Sign(sk) => {
                use sm2::dsa::signature::hazmat::PrehashSigner;
                let s: sm2::dsa::Signature =
                    sk.sign_prehash(digest).map_err(|_| AsymError::Internal)?;
                Ok(s.to_der().as_bytes().to_vec())
            }
            Inner::RsaDecrypt(..) | Inner::Sm2Decrypt(_) => Err(AsymError::Algorithm),
        }
    }

    /// Verifies a signature over a precomputed digest: `Ok(false)` when it
    /// does not verify.
    pub fn verify(
        &self,
        alg: AsymAlgorithm,
        digest: &[u8],
        signature: &[u8],
    ) -> Result<bool, AsymError> {
        self.check(alg)?;
        if digest.len() != 32 {
            return Err(AsymError::Digest);
        }
        let with = |v: &ParsedPublicKey| -> Result<bool, AsymError> {
            let d = Digest::import_less_safe(digest, &SHA256).map_err(|_| AsymError::Digest)?;
            Ok(v.verify_digest_sig(&d, signature).is_ok())
        };
        match (&self.inner, alg) {
            (Inner::RsaSign(_, pss, _), AsymAlgorithm::RsaPssSha256) => with(pss),
            (Inner::RsaSign(_, _, pkcs1), _) => with(pkcs1),
            (Inner::Ec(_, v), _) => with(v),
            (Inner::Sm2Sign(sk), _) => {
                use sm2::dsa::signature::hazmat::PrehashVerifier;
                let Ok(sig) = sm2::dsa::Signature::from_der(signature) else {
                    return Ok(false);
                };
                Ok(sk.verifying_key().verify_prehash(digest, &sig).is_ok())
            }
            (Inner::RsaDecrypt(..) | Inner::Sm2Decrypt(_), _) => Err(AsymError::Algorithm),
        }
    }

    /// Encrypts with the public key.
    pub fn encrypt(&self, alg: AsymAlgorithm, plaintext: &[u8]) -> Result<Vec<u8>, AsymError> {
        self.check(alg)?;
        match &self.inner {
            Inner::RsaDecrypt(_, enc) => {
                let oaep = alg.oaep().ok_or(AsymError::Algorithm)?;
                if plaintext.len() > enc.max_plaintext_size(oaep) {
                    return Err(AsymError::TooLong);
                }
                let mut out = vec![0u8; enc.ciphertext_size()];
                let n = enc
                    .encrypt(oaep, plaintext, &mut out, None)
                    .map_err(|_| AsymError::Internal)?
                    .len();
                out.truncate(n);
                Ok(out)
            }
            Inner::Sm2Decrypt(dec) => {
                if plaintext.len() > SM2_MAX_PLAINTEXT {
                    return Err(AsymError::TooLong);
                }
                dec.encrypting_key()
                    .encrypt_der(
                        &mut sm2::elliptic_curve::common::getrandom::SysRng,
                        plaintext,
                    )
                    .map_err(|_| AsymError::Internal)
            }
            _ => Err(AsymError::Algorithm),
        }
    }

    /// Decrypts with the private key (RSA: constant-time OAEP in aws-lc).
    pub fn decrypt(
        &self,
        alg: AsymAlgorithm,
        ciphertext: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, AsymError> {
        self.check(alg)?;
        match &self.inner {
            Inner::RsaDecrypt(dec, _) => {
                let oaep = alg.oaep().ok_or(AsymError::Algorithm)?;
                let mut out = Zeroizing::new(vec![0u8; dec.min_output_size()]);
                let n = dec
                    .decrypt(oaep, ciphertext, &mut out, None)
                    .map_err(|_| AsymError::Decrypt)?
                    .len();
                out.truncate(n);
                Ok(out)
            }
            Inner::Sm2Decrypt(dec) => dec
                .decrypt_der(ciphertext)
                .map(Zeroizing::new)
                .map_err(|_| AsymError::Decrypt),
            _ => Err(AsymError::Algorithm),
        }
    }
}

/// The longest SM2PKE plaintext KMS accepts.
pub const SM2_MAX_PLAINTEXT: usize = 6047;

fn rsa_bits(spec: AsymSpec) -> usize {
    if spec == AsymSpec::Rsa3072 {
        3072
    } else {
        2048
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spec_signs_verifies_encrypts_and_decrypts() {
        let digest = aws_lc_rs::digest::digest(&SHA256, b"message");
        for spec in [
            AsymSpec::Rsa2048,
            AsymSpec::EcP256,
            AsymSpec::EcP256K,
            AsymSpec::EcSm2,
        ] {
            for &usage in spec.usages() {
                let m = generate(spec, usage).unwrap();
                let k = AsymKey::load(spec, usage, &m).unwrap();
                assert!(k
                    .public_pem()
                    .unwrap()
                    .starts_with("-----BEGIN PUBLIC KEY-----"));
                for &alg in spec.algorithms(usage) {
                    if usage == AsymUsage::Sign {
                        let s = k.sign(alg, digest.as_ref()).unwrap();
                        assert!(k.verify(alg, digest.as_ref(), &s).unwrap(), "{alg:?}");
                        let other = aws_lc_rs::digest::digest(&SHA256, b"other");
                        assert!(!k.verify(alg, other.as_ref(), &s).unwrap());
                        assert_eq!(k.sign(alg, b"short"), Err(AsymError::Digest));
                    } else {
                        let c = k.encrypt(alg, b"secret").unwrap();
                        assert_eq!(k.decrypt(alg, &c).unwrap().as_slice(), b"secret");
                        assert_eq!(k.decrypt(alg, b"garbage"), Err(AsymError::Decrypt));
                    }
                }
                let wrong = if usage == AsymUsage::Sign {
                    AsymAlgorithm::RsaesOaepSha256
                } else {
                    AsymAlgorithm::EcdsaSha256
                };
                assert_eq!(k.sign(wrong, digest.as_ref()), Err(AsymError::Algorithm));
                assert!(!format!("{k:?}").contains(&format!("{:?}", &m[..4])));
            }
        }
        assert!(AsymKey::load(AsymSpec::Rsa3072, AsymUsage::Sign, b"junk").is_err());
    }
}
