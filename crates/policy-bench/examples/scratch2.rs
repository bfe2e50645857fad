#![allow(clippy::unwrap_used)]
use rampart_policy::{evaluate, parse, Context, DocumentKind, NamedPolicy, Pattern, Request};
use std::hint::black_box;
use std::time::Instant;
fn t(name: &str, f: impl Fn() -> bool) {
    let n = 1_000_000u32;
    let s = Instant::now();
    let mut c = 0;
    for _ in 0..n {
        if black_box(f()) {
            c += 1;
        }
    }
    println!(
        "{:>7.1} ns {name} {}",
        s.elapsed().as_nanos() as f64 / n as f64,
        c > 0
    );
}
fn main() {
    let p = Pattern::new("acs:kms:*:1234567890123456:secret/app1/*", false);
    let text = "acs:kms:cn-hangzhou:1234567890123456:secret/shared/x";
    t("glob", || p.matches(black_box(text)));
    let e = Pattern::new("kms:GetSecretValue", true);
    t("exact ci", || e.matches(black_box("kms:GetSecretValue")));
    let d1 = parse(r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":["kms:GetSecretValue","kms:DescribeSecret"],"Resource":"acs:kms:*:1234567890123456:secret/app1/*"}]}"#, DocumentKind::Identity).unwrap();
    let d2 = parse(r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":["kms:GetSecretValue"],"Resource":"acs:kms:*:1234567890123456:secret/shared/*","Condition":{"IpAddress":{"acs:SourceIp":["10.0.0.0/8"]}}}]}"#, DocumentKind::Identity).unwrap();
    let ctx = Context::new()
        .with("acs:SourceIp", "192.0.2.1")
        .with("acs:SecureTransport", "true")
        .with("acs:CurrentTime", "2026-01-01T00:00:00Z");
    let req = Request {
        action: "kms:GetSecretValue",
        resource: text,
        context: &ctx,
    };
    let n1 = [NamedPolicy {
        name: "a",
        policy_type: "Custom",
        version: "v1",
        document: &d1,
    }];
    let n2 = [NamedPolicy {
        name: "a",
        policy_type: "Custom",
        version: "v1",
        document: &d2,
    }];
    t("eval glob stmt", || {
        evaluate(&n1, black_box(&req)).is_allowed()
    });
    t("eval ip stmt", || {
        evaluate(&n2, black_box(&req)).is_allowed()
    });
    t("empty eval", || evaluate(&[], black_box(&req)).is_allowed());
}
