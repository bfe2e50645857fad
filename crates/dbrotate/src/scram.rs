//! PostgreSQL's SCRAM-SHA-256 password verifier (RFC 5802, RFC 7677),
//! computed here so that the plaintext never reaches the server.
//!
//! The format is PostgreSQL's own (`src/common/scram-common.c`):
//! `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`, each part
//! in standard base64, with a 16-byte random salt and 4096 iterations (the
//! server's defaults). The password is first normalised with SASLprep
//! (RFC 4013), or taken as it is when SASLprep refuses it, as the server
//! and libpq do; a client logging on does the same, so the two agree.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::Error;

/// PBKDF2 iterations (PostgreSQL's `scram_iterations` default).
pub const ITERATIONS: u32 = 4096;
/// Salt length in bytes (PostgreSQL's `SCRAM_DEFAULT_SALT_LEN`).
const SALT_LEN: usize = 16;

/// The verifier for `password` with a fresh random salt.
pub(crate) fn verifier(password: &str) -> Result<String, Error> {
    let mut salt = [0u8; SALT_LEN];
    rand::rngs::OsRng.fill_bytes(&mut salt);
    verifier_with(password, &salt, ITERATIONS)
}

/// The verifier for `password` with the given salt and iteration count.
pub(crate) fn verifier_with(password: &str, salt: &[u8], iterations: u32) -> Result<String, Error> {
    let prepared: Zeroizing<String> = Zeroizing::new(match stringprep::saslprep(password) {
        Ok(p) => p.into_owned(),
        Err(_) => password.to_owned(),
    });
    let mut salted = Zeroizing::new([0u8; 32]);
    pbkdf2::pbkdf2_hmac::<Sha256>(prepared.as_bytes(), salt, iterations, &mut *salted);
    let client_key = Zeroizing::new(hmac(&*salted, b"Client Key")?);
    let stored_key = Sha256::digest(client_key.as_slice());
    let server_key = hmac(&*salted, b"Server Key")?;
    Ok(format!(
        "SCRAM-SHA-256${iterations}:{}${}:{}",
        B64.encode(salt),
        B64.encode(stored_key),
        B64.encode(server_key)
    ))
}

fn hmac(key: &[u8], message: &[u8]) -> Result<[u8; 32], Error> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key)
        .map_err(|_| Error::Other("HMAC-SHA-256 refused its key".into()))?;
    mac.update(message);
    Ok(mac.finalize().into_bytes().into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(v: &str) -> (u32, Vec<u8>, Vec<u8>, Vec<u8>) {
        let rest = v.strip_prefix("SCRAM-SHA-256$").unwrap();
        let (iter_salt, keys) = rest.split_once('$').unwrap();
        let (iter, salt) = iter_salt.split_once(':').unwrap();
        let (stored, server) = keys.split_once(':').unwrap();
        (
            iter.parse().unwrap(),
            B64.decode(salt).unwrap(),
            B64.decode(stored).unwrap(),
            B64.decode(server).unwrap(),
        )
    }

    /// RFC 7677 §3: the exchange of user `user`, password `pencil`. Only
    /// the verifier (StoredKey, ServerKey) is used to check the client's
    /// proof and to recompute the server's signature.
    #[test]
    fn rfc7677_example() {
        let salt = B64.decode("W22ZaJ0SNY7soEsUEjb6gQ==").unwrap();
        let v = verifier_with("pencil", &salt, 4096).unwrap();
        let (iter, salt2, stored, server) = parts(&v);
        assert_eq!((iter, salt2), (4096, salt));
        let auth = "n=user,r=rOprNGfwEbeRWgbNEkqO,\
                    r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,\
                    s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,\
                    c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
        let server_sig = hmac(&server, auth.as_bytes()).unwrap();
        assert_eq!(
            B64.encode(server_sig),
            "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="
        );
        let proof = B64
            .decode("dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=")
            .unwrap();
        let client_sig = hmac(&stored, auth.as_bytes()).unwrap();
        let client_key: Vec<u8> = proof.iter().zip(client_sig).map(|(a, b)| a ^ b).collect();
        assert_eq!(Sha256::digest(&client_key).as_slice(), stored.as_slice());
    }

    #[test]
    fn random_salt_and_format() {
        let a = verifier("same").unwrap();
        let b = verifier("same").unwrap();
        assert_ne!(a, b);
        let (iter, salt, stored, server) = parts(&a);
        assert_eq!(
            (iter, salt.len(), stored.len(), server.len()),
            (4096, 16, 32, 32)
        );
        assert!(!a.contains("same"));
        assert!(a
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+/=$:-".contains(c)));
    }

    /// SASLprep maps a non-ASCII space to a space, so both spellings give
    /// the same keys; a password SASLprep refuses is taken as it is.
    #[test]
    fn saslprep() {
        let salt = [7u8; 16];
        assert_eq!(
            verifier_with("a\u{00A0}b", &salt, 4096).unwrap(),
            verifier_with("a b", &salt, 4096).unwrap()
        );
        // U+0007 is prohibited: no normalisation, no error.
        assert!(verifier_with("bell\u{0007}", &salt, 4096).is_ok());
    }
}
