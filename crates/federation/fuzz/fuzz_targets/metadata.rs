//! Any input: IdP metadata parsing must return, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_federation::saml;

fuzz_target!(|data: &[u8]| {
    if let Ok(xml) = std::str::from_utf8(data) {
        match saml::parse_metadata(xml) {
            Ok(md) => assert!(md.signing_certificates().count() > 0),
            Err(e) => assert!(!e.message().is_empty()),
        }
    }
});
