//! Signature schemes: RPC V1 (HMAC-SHA1) and V3 (`ACS3-HMAC-SHA256`,
//! `ACS3-HMAC-SM3`). Pure functions, tested on the documented vectors.

pub mod client;
pub mod v1;
pub mod v3;

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// Everything but `A-Z a-z 0-9 - _ . ~` is encoded (RFC 3986).
const RFC3986: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Percent-encodes as Alibaba's signatures require: UTF-8, RFC 3986,
/// uppercase hex, a space as `%20`, `*` as `%2A`, `~` kept.
pub fn percent_encode(s: &str) -> String {
    utf8_percent_encode(s, RFC3986).to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn encoding() {
        assert_eq!(super::percent_encode("a b*~/=é"), "a%20b%2A~%2F%3D%C3%A9");
    }
}
