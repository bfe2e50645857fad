//! Any input: the JWT splitter/parser and the JWKS loader must return, never
//! panic. The input is a token, optionally followed by a NUL and a JWKS.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_federation::oidc;

fuzz_target!(|data: &[u8]| {
    let (token, jwks) = match data.iter().position(|b| *b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, data),
    };
    if let Ok(token) = std::str::from_utf8(token) {
        match oidc::parse(token) {
            Ok(t) => {
                let _ = (t.issuer(), t.kid(), t.alg());
            }
            Err(e) => assert!(!e.message().is_empty() && e.status() == 401),
        }
    }
    let _ = oidc::check_jwks(jwks);
});
