//! The master key file and the keyring of sub-keys derived from it.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

use hkdf::Hkdf;
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::DataKey;

/// The master key file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum MasterKeyError {
    /// I/O failure on the key file.
    #[error("master key file `{path}`")]
    Io {
        /// The file's path.
        path: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The file does not hold a valid key.
    #[error("master key file `{0}` is not a 64-character hex key")]
    Invalid(String),
}

/// The root of the key hierarchy: 32 random bytes kept in a file (mode 0600),
/// never in the database.
pub struct MasterKey(DataKey);

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey([REDACTED])")
    }
}

/// What a keyring sub-key is for; each purpose has its own derived key.
#[derive(Debug, Clone, Copy)]
pub enum Purpose {
    /// AccessKey secrets of users and of the account.
    AccessKeySecret,
    /// Wrapping KMS key material.
    KeyMaterial,
    /// STS session tokens.
    SessionToken,
    /// Seeds of virtual MFA devices.
    MfaSeed,
    /// Keyed digests (HMAC) of imported key material, kept to recognise
    /// the same material later.
    MaterialDigest,
}

impl Purpose {
    fn label(self) -> &'static [u8] {
        match self {
            Purpose::AccessKeySecret => b"rampart/v1/access-key-secret",
            Purpose::KeyMaterial => b"rampart/v1/key-material",
            Purpose::SessionToken => b"rampart/v1/session-token",
            Purpose::MfaSeed => b"rampart/v1/mfa-seed",
            Purpose::MaterialDigest => b"rampart/v1/key-material-digest",
        }
    }
}

/// Opening a symbolic link fails.
const NOFOLLOW: i32 = libc::O_NOFOLLOW;

impl MasterKey {
    /// Creates a new random key and writes it to `path` (mode 0600); fails if
    /// the file exists.
    pub fn create(path: &Path) -> Result<Self, MasterKeyError> {
        let key = DataKey::generate();
        let io = |source| MasterKeyError::Io {
            path: path.display().to_string(),
            source,
        };
        // `create_new` never follows a link (O_EXCL), nor does O_NOFOLLOW.
        let mut f = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .custom_flags(NOFOLLOW)
            .open(path)
            .map_err(io)?;
        let text = Zeroizing::new(format!("{}\n", hex::encode(key.expose())));
        f.write_all(text.as_bytes()).map_err(io)?;
        f.sync_all().map_err(io)?;
        Ok(Self(key))
    }

    /// Reads the key from `path`; tightens the file to mode 0600 if needed.
    pub fn load(path: &Path) -> Result<Self, MasterKeyError> {
        let io = |source| MasterKeyError::Io {
            path: path.display().to_string(),
            source,
        };
        // Never through a symbolic link; the mode is set on the open file.
        let mut f = fs::OpenOptions::new()
            .read(true)
            .custom_flags(NOFOLLOW)
            .open(path)
            .map_err(io)?;
        let meta = f.metadata().map_err(io)?;
        if !meta.is_file() {
            return Err(MasterKeyError::Invalid(path.display().to_string()));
        }
        if meta.permissions().mode() & 0o077 != 0 {
            f.set_permissions(fs::Permissions::from_mode(0o600))
                .map_err(io)?;
        }
        let mut text = Zeroizing::new(String::new());
        std::io::Read::read_to_string(&mut f, &mut text).map_err(io)?;
        Self::from_hex(text.trim())
            .ok_or_else(|| MasterKeyError::Invalid(path.display().to_string()))
    }

    /// Parses a 64-character hex key.
    pub fn from_hex(text: &str) -> Option<Self> {
        let bytes = Zeroizing::new(hex::decode(text).ok()?);
        let arr: [u8; 32] = bytes.as_slice().try_into().ok()?;
        Some(Self(DataKey::from_bytes(arr)))
    }

    /// Derives the keyring (one HKDF-SHA256 sub-key per purpose).
    pub fn keyring(&self) -> Keyring {
        Keyring::derive(&self.0)
    }
}

/// Sub-keys derived from the master key, one per [`Purpose`].
#[derive(Clone, Debug)]
pub struct Keyring {
    access_key_secret: DataKey,
    key_material: DataKey,
    session_token: DataKey,
    mfa_seed: DataKey,
    material_digest: DataKey,
}

impl Keyring {
    fn derive(master: &DataKey) -> Self {
        let hk = Hkdf::<Sha256>::new(Some(b"rampart-keyring"), master.expose());
        let sub = |p: Purpose| {
            let mut okm = [0u8; 32];
            // 32 bytes is far below HKDF-SHA256's output limit.
            let _ = hk.expand(p.label(), &mut okm);
            DataKey::from_bytes(okm)
        };
        Self {
            access_key_secret: sub(Purpose::AccessKeySecret),
            key_material: sub(Purpose::KeyMaterial),
            session_token: sub(Purpose::SessionToken),
            mfa_seed: sub(Purpose::MfaSeed),
            material_digest: sub(Purpose::MaterialDigest),
        }
    }

    /// A keyring for tests, from a fixed master key.
    pub fn for_tests() -> Self {
        Self::derive(&DataKey::from_bytes([7u8; 32]))
    }

    /// The sub-key for `purpose`.
    pub fn key(&self, purpose: Purpose) -> &DataKey {
        match purpose {
            Purpose::AccessKeySecret => &self.access_key_secret,
            Purpose::KeyMaterial => &self.key_material,
            Purpose::SessionToken => &self.session_token,
            Purpose::MfaSeed => &self.mfa_seed,
            Purpose::MaterialDigest => &self.material_digest,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_load_mode() {
        let dir = std::env::temp_dir().join(format!("rampart-mk-{}", crate::random_hex(6)));
        fs::create_dir_all(&dir).unwrap();
        let p = dir.join("master.key");
        let a = MasterKey::create(&p).unwrap();
        assert!(MasterKey::create(&p).is_err());
        assert_eq!(
            fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o600
        );
        let b = MasterKey::load(&p).unwrap();
        let blob = crate::seal(a.keyring().key(Purpose::AccessKeySecret), b"x", b"");
        assert_eq!(
            crate::open(b.keyring().key(Purpose::AccessKeySecret), &blob, b"").unwrap(),
            b"x"
        );
        assert!(crate::open(b.keyring().key(Purpose::KeyMaterial), &blob, b"").is_err());
        fs::remove_dir_all(&dir).unwrap();
    }
}
