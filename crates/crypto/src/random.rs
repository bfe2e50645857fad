//! Random bytes and identifiers from the operating system's generator.

use rand::rngs::OsRng;
use rand::{Rng, RngCore};

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// `n` random bytes from the operating system.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    OsRng.fill_bytes(&mut b);
    b
}

/// A random string of `n` characters from `[A-Za-z0-9]`.
pub fn random_alnum(n: usize) -> String {
    (0..n)
        .map(|_| char::from(ALNUM[OsRng.gen_range(0..ALNUM.len())]))
        .collect()
}

/// A random string of `n` decimal digits, the first one non-zero.
pub fn random_digits(n: usize) -> String {
    (0..n)
        .map(|i| {
            let lo = if i == 0 { 1 } else { 0 };
            char::from(b'0' + OsRng.gen_range(lo..10u8))
        })
        .collect()
}

/// A random lowercase hex string of `2 * bytes` characters.
pub fn random_hex(bytes: usize) -> String {
    let mut b = vec![0u8; bytes];
    OsRng.fill_bytes(&mut b);
    hex::encode(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        let d = random_digits(16);
        assert_eq!(d.len(), 16);
        assert!(d.bytes().all(|c| c.is_ascii_digit()) && !d.starts_with('0'));
        assert!(random_alnum(30).bytes().all(|c| c.is_ascii_alphanumeric()));
        assert_eq!(random_hex(16).len(), 32);
    }
}
