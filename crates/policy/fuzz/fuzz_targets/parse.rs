//! Any input: `parse` must return, never panic; a document that parses must
//! evaluate without panicking too.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_policy::{
    evaluate, evaluate_trust, parse, Caller, Context, DocumentKind, NamedPolicy, Request,
};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let context = Context::new()
        .with("acs:SourceIp", "10.1.2.3")
        .with("acs:CurrentTime", "2026-01-01T00:00:00Z")
        .with("acs:SecureTransport", "true")
        .with_many("kms:tag/env", ["prod", "eu"]);
    for kind in [DocumentKind::Identity, DocumentKind::Trust, DocumentKind::Session] {
        match parse(text, kind) {
            Ok(doc) => {
                let policies = [NamedPolicy { name: "f", policy_type: "Custom", version: "v1", document: &doc }];
                let request = Request {
                    action: "kms:GetSecretValue",
                    resource: "acs:kms:cn-hangzhou:123:secret/app/é",
                    context: &context,
                };
                let _ = evaluate(&policies, &request).explain();
                let caller = Caller::User { account_id: "123", user_name: "alice" };
                let _ = evaluate_trust(&doc, &caller, "sts:AssumeRole", &context);
            }
            Err(err) => assert!(!err.message.is_empty() && !err.code.is_empty()),
        }
    }
});
