//! A database secret's inputs from the network: `ExtendedConfig` of each
//! type, the `SecretData` accounts of an Rds secret, and an instance
//! declaration must be accepted or refused, never panic; a refusal of a
//! declaration never repeats its admin password.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_core::kms::dbsecret::{
    account_names, instance_id_in, parse_extended, parse_instance, DbKind,
};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for kind in [DbKind::Rds, DbKind::PolarDb, DbKind::Redis] {
        let _ = parse_extended(kind, Some(&text));
        let _ = instance_id_in(kind, &text);
    }
    let _ = account_names(&text, true);
    let _ = account_names(&text, false);
    if let Err(e) = parse_instance("rm-fuzz", data) {
        if let Ok(v) = serde_json::from_slice::<serde_json::Value>(data) {
            if let Some(p) = v.get("AdminPassword").and_then(|p| p.as_str()) {
                if p.len() >= 8 {
                    assert!(!e.message.contains(p), "a refusal repeated the admin password");
                }
            }
        }
    }
});
