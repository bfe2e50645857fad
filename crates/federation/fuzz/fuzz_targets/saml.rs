//! Any input, taken as the XML of a response: the shape gate, the signature
//! checks and exclusive C14N must return, never panic.
#![no_main]

use base64::Engine;
use libfuzzer_sys::fuzz_target;
use rampart_federation::saml::{self, Expectations, SignAlgo, ALIBABA_AUDIENCE};
use std::sync::OnceLock;

static METADATA: OnceLock<saml::IdpMetadata> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let md = METADATA.get_or_init(|| {
        saml::parse_metadata(include_str!("../../tests/fixtures/saml/metadata.xml"))
            .unwrap_or_else(|e| panic!("fixture metadata: {e}"))
    });
    let b64 = base64::engine::general_purpose::STANDARD.encode(data);
    for algo in [SignAlgo::RsaSha1, SignAlgo::RsaSha256] {
        let exp = Expectations {
            audiences: &[ALIBABA_AUDIENCE],
            recipients: &["https://signin.aliyun.com/saml-role/sso"],
            now_unix: 1_893_456_030,
            skew_secs: 60,
            algo,
            max_age_secs: 3600,
        };
        match saml::verify_response(&b64, md, &exp) {
            Ok(a) => {
                let _ = (a.role_pairs(), a.role_session_name());
            }
            Err(e) => assert!(!e.message().is_empty()),
        }
    }
    if let Ok(xml) = std::str::from_utf8(data) {
        let _ = saml::canonicalize_document(xml);
    }
});
