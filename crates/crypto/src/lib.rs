//! Cryptography for Rampart: the master key and the keyring derived from it,
//! authenticated envelope encryption (AES-256-GCM), the MAC and digest
//! primitives of the Alibaba signature schemes, password hashing, random
//! identifiers, and secret types that zeroize on drop and never print.

pub mod asym;
mod envelope;
mod mac;
mod master;
mod password;
mod random;
mod secret;
mod totp;

pub use envelope::{open, open_sm4, seal, seal_sm4, DataKey, SealError};
pub use mac::{ct_eq, hmac_sha1, hmac_sha256, hmac_sm3, lower_hex, sha256_hex, sm3_hex};
pub use master::{Keyring, MasterKey, MasterKeyError, Purpose};
pub use password::{hash_generated_password, hash_password, verify_password, PasswordError};
pub use random::{random_alnum, random_bytes, random_digits, random_hex};
pub use secret::SecretString;
pub use totp::{hotp, totp_code, totp_step, TOTP_DIGITS, TOTP_STEP_SECS};
