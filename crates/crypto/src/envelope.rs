//! Envelope encryption: data keys and sealed blobs.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use zeroize::{Zeroize, ZeroizeOnDrop};

const FORMAT_V1: u8 = 1;
const NONCE_LEN: usize = 12;

/// A 256-bit symmetric key (a keyring sub-key or a data key). Zeroized on drop.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct DataKey([u8; 32]);

impl DataKey {
    /// Wraps raw key bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// A fresh random key.
    pub fn generate() -> Self {
        Self(crate::random_bytes::<32>())
    }

    /// The raw key bytes.
    pub fn expose(&self) -> &[u8; 32] {
        &self.0
    }
}

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey([REDACTED])")
    }
}

/// A sealed blob could not be opened: wrong key, wrong associated data, or
/// tampered or truncated bytes. Deliberately says nothing more.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SealError {
    /// The blob is not in a format this build understands.
    #[error("ciphertext format is not recognized")]
    Format,
    /// Authentication failed.
    #[error("ciphertext failed authentication")]
    Auth,
}

/// Encrypts `plaintext` with AES-256-GCM under `key`, binding `aad`.
/// Output: `1 | nonce(12) | ciphertext+tag`.
pub fn seal(key: &DataKey, plaintext: &[u8], aad: &[u8]) -> Vec<u8> {
    let cipher = Aes256Gcm::new(key.expose().into());
    let nonce_bytes = crate::random_bytes::<NONCE_LEN>();
    let nonce = Nonce::from_slice(&nonce_bytes);
    // Encryption only fails for inputs beyond GCM's 64 GiB limit.
    let ct = cipher
        .encrypt(
            nonce,
            Payload {
                msg: plaintext,
                aad,
            },
        )
        .unwrap_or_default();
    let mut out = Vec::with_capacity(1 + NONCE_LEN + ct.len());
    out.push(FORMAT_V1);
    out.extend_from_slice(&nonce_bytes);
    out.extend_from_slice(&ct);
    out
}

/// Opens a blob made by [`seal`] with the same key and associated data.
pub fn open(key: &DataKey, blob: &[u8], aad: &[u8]) -> Result<Vec<u8>, SealError> {
    if blob.len() < 1 + NONCE_LEN + 16 || blob[0] != FORMAT_V1 {
        return Err(SealError::Format);
    }
    let cipher = Aes256Gcm::new(key.expose().into());
    let nonce = Nonce::from_slice(&blob[1..1 + NONCE_LEN]);
    cipher
        .decrypt(
            nonce,
            Payload {
                msg: &blob[1 + NONCE_LEN..],
                aad,
            },
        )
        .map_err(|_| SealError::Auth)
}

/// SM4-GCM, for `Aliyun_SM4` keys.
type Sm4Gcm = aes_gcm::AesGcm<sm4::Sm4, aes_gcm::aead::consts::U12>;
const FORMAT_SM4: u8 = 2;

/// Encrypts `plaintext` with SM4-GCM under the first 128 bits of `key`,
/// binding `aad`. Output: `2 | nonce(12) | ciphertext+tag`.
pub fn seal_sm4(key: &DataKey, plaintext: &[u8], aad: &[u8]) -> Vec<u8> {
    let cipher = Sm4Gcm::new(key.expose()[..16].into());
    let nonce_bytes = crate::random_bytes::<NONCE_LEN>();
    let ct = cipher
        .encrypt(
            Nonce::from_slice(&nonce_bytes),
            Payload {
                msg: plaintext,
                aad,
            },
        )
        .unwrap_or_default();
    let mut out = Vec::with_capacity(1 + NONCE_LEN + ct.len());
    out.push(FORMAT_SM4);
    out.extend_from_slice(&nonce_bytes);
    out.extend_from_slice(&ct);
    out
}

/// Opens a blob made by [`seal_sm4`].
pub fn open_sm4(key: &DataKey, blob: &[u8], aad: &[u8]) -> Result<Vec<u8>, SealError> {
    if blob.len() < 1 + NONCE_LEN + 16 || blob[0] != FORMAT_SM4 {
        return Err(SealError::Format);
    }
    let cipher = Sm4Gcm::new(key.expose()[..16].into());
    cipher
        .decrypt(
            Nonce::from_slice(&blob[1..1 + NONCE_LEN]),
            Payload {
                msg: &blob[1 + NONCE_LEN..],
                aad,
            },
        )
        .map_err(|_| SealError::Auth)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_and_tamper() {
        let k = DataKey::generate();
        let blob = seal(&k, b"top secret", b"ak/LTAI1");
        assert_eq!(open(&k, &blob, b"ak/LTAI1").unwrap(), b"top secret");
        assert_eq!(open(&k, &blob, b"ak/LTAI2"), Err(SealError::Auth));
        let mut bad = blob.clone();
        let last = bad.len() - 1;
        bad[last] ^= 1;
        assert_eq!(open(&k, &bad, b"ak/LTAI1"), Err(SealError::Auth));
        assert_eq!(
            open(&DataKey::generate(), &blob, b"ak/LTAI1"),
            Err(SealError::Auth)
        );
        assert_eq!(open(&k, &blob[..10], b"ak/LTAI1"), Err(SealError::Format));
        assert!(!blob.windows(10).any(|w| w == b"top secret"));
        assert_eq!(format!("{k:?}"), "DataKey([REDACTED])");
    }

    #[test]
    fn sm4_seal_open_and_tamper() {
        let k = DataKey::generate();
        let blob = seal_sm4(&k, b"top secret", b"aad");
        assert_eq!(open_sm4(&k, &blob, b"aad").unwrap(), b"top secret");
        assert_eq!(open_sm4(&k, &blob, b"other"), Err(SealError::Auth));
        assert_eq!(open(&k, &blob, b"aad"), Err(SealError::Format));
    }
}
