//! A replayed request is refused before it costs anything or changes
//! anything: on the embedded store its nonce's verdict comes before any
//! action runs; on PostgreSQL before every action but a cheap read, and a
//! cheap read that ran meanwhile is refused without a trace (the key's last
//! use is written only for a fresh request).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails by panicking"
)]

mod common;

use std::sync::Arc;

use common::{Creds, Server, NOW};
use rampart_gateway::sign::client;
use rampart_gateway::{Outcome, RpcRequest};
use rampart_store::{PostgresStore, Store};
use serde_json::Value;

/// A fresh PostgreSQL database, dropped at the end.
struct Pg {
    admin: String,
    name: String,
}

impl Pg {
    fn create() -> Option<(Self, String)> {
        if std::env::var("RAMPART_TEST_POSTGRES").as_deref() == Ok("skip") {
            return None;
        }
        let admin = std::env::var("RAMPART_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
        let mut c = postgres::Client::connect(&admin, postgres::NoTls).unwrap_or_else(|e| {
            panic!("PostgreSQL unreachable at `{admin}`: {e} (RAMPART_TEST_POSTGRES=skip skips)")
        });
        let name = format!(
            "rampart_test_replay_{}_{}",
            std::process::id(),
            rampart_crypto::random_hex(6)
        );
        c.batch_execute(&format!("CREATE DATABASE \"{name}\""))
            .unwrap();
        let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
        let url = format!("{base}/{name}");
        Some((Self { admin, name }, url))
    }
}

impl Drop for Pg {
    fn drop(&mut self) {
        if let Ok(mut c) = postgres::Client::connect(&self.admin, postgres::NoTls) {
            let _ = c.batch_execute(&format!(
                "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
                self.name
            ));
        }
    }
}

/// The embedded store, and PostgreSQL unless skipped.
fn servers() -> Vec<(&'static str, Server, Option<Pg>)> {
    let mut out = vec![("sqlite", Server::new(), None)];
    if let Some((pg, url)) = Pg::create() {
        let store: Arc<dyn Store> = Arc::new(PostgresStore::open(&url).unwrap());
        out.push((
            "postgres",
            Server::on_store(store, tempfile::tempdir().unwrap()),
            Some(pg),
        ));
    }
    out
}

/// A V1 request with a fixed nonce and timestamp.
fn fixed(c: &Creds, version: &str, action: &str, p: &[(&str, &str)], nonce: &str) -> RpcRequest {
    RpcRequest {
        method: "POST".into(),
        path: "/".into(),
        query: client::v1_query(
            &Server::signer(c),
            "POST",
            version,
            action,
            p,
            &rampart_core::time::format(NOW),
            nonce,
        ),
        source_ip: Some("127.0.0.1".into()),
        ..Default::default()
    }
}

fn send(s: &Server, req: &RpcRequest) -> (u16, Value, Outcome) {
    let (resp, outcome) = s.gw.handle(req);
    let body = serde_json::from_slice(&resp.body).unwrap_or(Value::Null);
    (resp.status, body, outcome)
}

#[test]
fn a_replayed_costly_action_is_refused_before_it_runs() {
    for (label, s, _db) in servers() {
        let key = s.kms("CreateKey", &[("Origin", "EXTERNAL")])["KeyMetadata"]["KeyId"]
            .as_str()
            .unwrap()
            .to_string();
        let p = [
            ("KeyId", key.as_str()),
            ("WrappingAlgorithm", "RSAES_OAEP_SHA_256"),
            ("WrappingKeySpec", "RSA_2048"),
        ];
        let req = fixed(
            &s.root,
            "2016-01-20",
            "GetParametersForImport",
            &p,
            "import-1",
        );
        let (st, body, outcome) = send(&s, &req);
        assert_eq!(st, 200, "{label}: {body}");
        assert!(!outcome.authorized.is_empty(), "{label}");
        // The replay: refused, and neither authorized nor run (no key pair
        // made for it).
        let (st, body, outcome) = send(&s, &req);
        assert_eq!(
            (st, body["Code"].as_str()),
            (400, Some("SignatureNonceUsed")),
            "{label}"
        );
        assert!(
            outcome.authorized.is_empty(),
            "{label}: the replay ran as far as authorization: {:?}",
            outcome.authorized
        );
        // A cheap read is never run for a replay on the embedded store.
        let req = fixed(&s.root, "2015-05-01", "ListUsers", &[], "list-1");
        assert_eq!(send(&s, &req).0, 200, "{label}");
        let (st, _, outcome) = send(&s, &req);
        assert_eq!(st, 400, "{label}");
        if label == "sqlite" {
            assert!(outcome.authorized.is_empty(), "{label}");
        }
    }
}

#[test]
fn a_refused_replay_leaves_no_trace() {
    for (label, s, _db) in servers() {
        let alice = s.user_with_key("alice");
        s.grant(
            "alice",
            "ReadSelf",
            r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"ram:GetUser","Resource":"*"}]}"#,
        );
        let req = fixed(
            &alice,
            "2015-05-01",
            "GetUser",
            &[("UserName", "alice")],
            "get-1",
        );
        let (st, body, _) = send(&s, &req);
        assert_eq!(st, 200, "{label}: {body}");
        let last_used = || {
            s.ram(
                "GetAccessKeyLastUsed",
                &[("UserName", "alice"), ("UserAccessKeyId", &alice.id)],
            )["AccessKeyLastUsed"]["LastUsedDate"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        };
        let first = last_used();
        assert_eq!(first, rampart_core::time::format(NOW), "{label}");
        // Ten minutes later (the request's timestamp still in its window),
        // the replay is refused and the key looks no more recently used.
        s.clock.advance(600);
        let (st, body, _) = send(&s, &req);
        assert_eq!(
            (st, body["Code"].as_str()),
            (400, Some("SignatureNonceUsed")),
            "{label}"
        );
        assert_eq!(
            last_used(),
            first,
            "{label}: a refused replay moved the last use"
        );
        // A fresh request does move it.
        let (st, _) = s.call_v1(&alice, "2015-05-01", "GetUser", &[("UserName", "alice")]);
        assert_eq!(st, 200);
        assert_eq!(
            last_used(),
            rampart_core::time::format(NOW + 600),
            "{label}"
        );
    }
}
