//! Console password hashing (Argon2id, PHC strings).

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;

/// A password could not be hashed, or a stored hash is unreadable.
#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct PasswordError(String);

/// Hashes a password with Argon2id and a random salt (PHC string format).
pub fn hash_password(password: &str) -> Result<String, PasswordError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| PasswordError(e.to_string()))
}

/// Hashes a password that was generated at random with at least 112 bits of
/// entropy (the console password `init` writes): Argon2id at a small cost,
/// since no guessing can find such a password whatever the cost, so that a
/// new data dir starts without tens of milliseconds of hashing. A password a
/// person chooses goes through [`hash_password`].
pub fn hash_generated_password(password: &str) -> Result<String, PasswordError> {
    let salt = SaltString::generate(&mut OsRng);
    let params = argon2::Params::new(1024, 1, 1, None).map_err(|e| PasswordError(e.to_string()))?;
    Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| PasswordError(e.to_string()))
}

/// Checks a password against a stored PHC hash (its own cost parameters).
pub fn verify_password(password: &str, phc: &str) -> Result<bool, PasswordError> {
    let parsed = PasswordHash::new(phc).map_err(|e| PasswordError(e.to_string()))?;
    Ok(Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_passwords_verify_with_their_own_parameters() {
        let h = hash_generated_password("aB3dE5gH7jK9-mN1pQ3s").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=1024,t=1,p=1$"), "{h}");
        assert!(verify_password("aB3dE5gH7jK9-mN1pQ3s", &h).unwrap());
        assert!(!verify_password("aB3dE5gH7jK9-mN1pQ3t", &h).unwrap());
    }

    #[test]
    fn round_trip() {
        let h = hash_password("Passw0rd!").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("Passw0rd!", &h).unwrap());
        assert!(!verify_password("passw0rd!", &h).unwrap());
    }
}
