//! An in-process server for gateway tests: a fresh SQLite store, a manual
//! clock, and signed requests (V1 and V3) built with the gateway's own
//! signature functions (themselves checked on the documented vectors).
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "each test binary uses a part of these helpers; a test fails by panicking"
)]

use std::sync::Arc;

use rampart_core::{ManualClock, Rampart, Settings};
use rampart_crypto::Keyring;
use rampart_gateway::sign::client;
use rampart_gateway::{Gateway, RpcRequest};
use rampart_store::{SqliteStore, Store};
use serde_json::Value;

pub struct Server {
    pub gw: Gateway,
    pub clock: Arc<ManualClock>,
    pub account_id: String,
    pub root: Creds,
    _dir: tempfile::TempDir,
}

#[derive(Clone, Debug)]
pub struct Creds {
    pub id: String,
    pub secret: String,
    pub token: Option<String>,
}

pub const NOW: i64 = 1_767_225_600; // 2026-01-01T00:00:00Z

impl Server {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store: Arc<dyn Store> =
            Arc::new(SqliteStore::open_exclusive(&dir.path().join("db.sqlite")).unwrap());
        Self::on_store(store, dir)
    }

    /// A server on an empty store of any backend.
    pub fn on_store(store: Arc<dyn Store>, dir: tempfile::TempDir) -> Self {
        Self::with(store, dir, Settings::default())
    }

    /// A server with these settings, on a fresh SQLite store.
    pub fn with_settings(settings: Settings) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store: Arc<dyn Store> =
            Arc::new(SqliteStore::open_exclusive(&dir.path().join("db.sqlite")).unwrap());
        Self::with(store, dir, settings)
    }

    fn with(store: Arc<dyn Store>, dir: tempfile::TempDir, settings: Settings) -> Self {
        let keyring = Keyring::for_tests();
        let creds = rampart_core::account::initialize(store.as_ref(), &keyring, NOW).unwrap();
        let clock = Arc::new(ManualClock::new(NOW));
        let rampart = Rampart::open(store, keyring, clock.clone(), settings).unwrap();
        Self {
            gw: Gateway::new(rampart),
            clock,
            account_id: creds.account_id.clone(),
            root: Creds {
                id: creds.access_key_id.clone(),
                secret: creds.access_key_secret.expose().to_string(),
                token: None,
            },
            _dir: dir,
        }
    }

    pub fn signer<'a>(c: &'a Creds) -> client::Signer<'a> {
        client::Signer {
            id: &c.id,
            secret: &c.secret,
            token: c.token.as_deref(),
        }
    }

    /// A V1-signed POST with every parameter in the query.
    pub fn call_v1(
        &self,
        c: &Creds,
        version: &str,
        action: &str,
        params: &[(&str, &str)],
    ) -> (u16, Value) {
        let ts = rampart_core::time::format(self.clock_now());
        let nonce = rampart_crypto::random_hex(16);
        let query = client::v1_query(
            &Self::signer(c),
            "POST",
            version,
            action,
            params,
            &ts,
            &nonce,
        );
        self.send(RpcRequest {
            method: "POST".into(),
            path: "/".into(),
            query,
            headers: vec![],
            body: vec![],
            source_ip: Some("127.0.0.1".into()),
            secure: false,
        })
    }

    /// A V3-signed (`ACS3-HMAC-SHA256`) POST, parameters in the query.
    pub fn call_v3(
        &self,
        c: &Creds,
        version: &str,
        action: &str,
        params: &[(&str, &str)],
    ) -> (u16, Value) {
        let ts = rampart_core::time::format(self.clock_now());
        let nonce = rampart_crypto::random_hex(16);
        let (query, headers) = client::v3_request(
            &Self::signer(c),
            "127.0.0.1:7433",
            version,
            action,
            params,
            &ts,
            &nonce,
        );
        self.send(RpcRequest {
            method: "POST".into(),
            path: "/".into(),
            query,
            headers,
            body: vec![],
            source_ip: Some("127.0.0.1".into()),
            secure: false,
        })
    }

    pub fn send(&self, req: RpcRequest) -> (u16, Value) {
        let (resp, _) = self.gw.handle(&req);
        (
            resp.status,
            serde_json::from_slice(&resp.body).unwrap_or(Value::Null),
        )
    }

    /// The test clock's now.
    pub fn clock_now_pub(&self) -> i64 {
        self.clock_now()
    }

    fn clock_now(&self) -> i64 {
        use rampart_core::Clock;
        self.clock.now()
    }

    /// A KMS call by root that must succeed.
    pub fn kms(&self, action: &str, params: &[(&str, &str)]) -> Value {
        let (status, body) = self.call_v1(&self.root, "2016-01-20", action, params);
        assert_eq!(status, 200, "{action} {params:?}: {body}");
        body
    }

    /// A KMS call by root that must fail with `code`.
    pub fn kms_err(&self, action: &str, params: &[(&str, &str)], status: u16, code: &str) -> Value {
        let (s, body) = self.call_v1(&self.root, "2016-01-20", action, params);
        assert_eq!(
            (s, body["Code"].as_str().unwrap_or("")),
            (status, code),
            "{action} {params:?}: {body}"
        );
        body
    }

    /// The data directory.
    pub fn dir(&self) -> &std::path::Path {
        self._dir.path()
    }

    /// A RAM call by root that must succeed.
    pub fn ram(&self, action: &str, params: &[(&str, &str)]) -> Value {
        let (status, body) = self.call_v1(&self.root, "2015-05-01", action, params);
        assert_eq!(status, 200, "{action} {params:?}: {body}");
        body
    }

    /// Creates a user with an AccessKey; returns its credentials.
    pub fn user_with_key(&self, name: &str) -> Creds {
        self.ram("CreateUser", &[("UserName", name)]);
        let k = self.ram("CreateAccessKey", &[("UserName", name)]);
        Creds {
            id: k["AccessKey"]["AccessKeyId"].as_str().unwrap().into(),
            secret: k["AccessKey"]["AccessKeySecret"].as_str().unwrap().into(),
            token: None,
        }
    }

    /// Creates a custom policy and attaches it to a user.
    pub fn grant(&self, user: &str, policy: &str, doc: &str) {
        self.ram(
            "CreatePolicy",
            &[("PolicyName", policy), ("PolicyDocument", doc)],
        );
        self.ram(
            "AttachPolicyToUser",
            &[
                ("PolicyType", "Custom"),
                ("PolicyName", policy),
                ("UserName", user),
            ],
        );
    }

    /// AssumeRole by `who`; returns the session credentials.
    pub fn assume(&self, who: &Creds, role: &str, extra: &[(&str, &str)]) -> Creds {
        let arn = format!("acs:ram::{}:role/{role}", self.account_id);
        let mut p = vec![("RoleArn", arn.as_str()), ("RoleSessionName", "sess")];
        p.extend_from_slice(extra);
        let (status, body) = self.call_v1(who, "2015-04-01", "AssumeRole", &p);
        assert_eq!(status, 200, "{body}");
        Creds {
            id: body["Credentials"]["AccessKeyId"].as_str().unwrap().into(),
            secret: body["Credentials"]["AccessKeySecret"]
                .as_str()
                .unwrap()
                .into(),
            token: Some(
                body["Credentials"]["SecurityToken"]
                    .as_str()
                    .unwrap()
                    .into(),
            ),
        }
    }
}
