//! Signature rules: the replay window at the edge of the clock window, the
//! V3 canonical query, and the headers a V3 request must sign.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails by panicking"
)]

mod common;

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use common::{Creds, Server, NOW};
use rampart_core::{Clock, Rampart, Settings};
use rampart_crypto::Keyring;
use rampart_gateway::sign::{client, v3};
use rampart_gateway::{Gateway, RpcRequest};
use rampart_store::{SqliteStore, Store};
use serde_json::Value;

const WINDOW: i64 = rampart_gateway::auth::CLOCK_WINDOW_SECS;

fn send(gw: &Gateway, req: &RpcRequest) -> (u16, Value) {
    let (resp, _) = gw.handle(req);
    (
        resp.status,
        serde_json::from_slice(&resp.body).unwrap_or(Value::Null),
    )
}

fn code(v: &Value) -> &str {
    v["Code"].as_str().unwrap_or("")
}

/// A V1 ListUsers with a fixed nonce and timestamp.
fn v1_fixed(c: &Creds, ts: i64, nonce: &str) -> RpcRequest {
    v1_at(c, &rampart_core::time::format(ts), nonce)
}

/// A V1 ListUsers with a fixed nonce and timestamp text.
fn v1_at(c: &Creds, ts: &str, nonce: &str) -> RpcRequest {
    let signer = client::Signer {
        id: &c.id,
        secret: &c.secret,
        token: None,
    };
    RpcRequest {
        method: "POST".into(),
        path: "/".into(),
        query: client::v1_query(&signer, "POST", "2015-05-01", "ListUsers", &[], ts, nonce),
        source_ip: Some("127.0.0.1".into()),
        ..Default::default()
    }
}

/// A V3 ListUsers with a fixed nonce and timestamp.
fn v3_fixed(c: &Creds, ts: i64, nonce: &str) -> RpcRequest {
    v3_at(c, &rampart_core::time::format(ts), nonce)
}

/// A V3 ListUsers with a fixed nonce and timestamp text.
fn v3_at(c: &Creds, ts: &str, nonce: &str) -> RpcRequest {
    let signer = client::Signer {
        id: &c.id,
        secret: &c.secret,
        token: None,
    };
    let (query, headers) = client::v3_request(
        &signer,
        "127.0.0.1:7433",
        "2015-05-01",
        "ListUsers",
        &[],
        ts,
        nonce,
    );
    RpcRequest {
        method: "POST".into(),
        path: "/".into(),
        query,
        headers,
        source_ip: Some("127.0.0.1".into()),
        ..Default::default()
    }
}

#[test]
fn a_nonce_outlives_its_timestamp_at_the_edge_of_the_window() {
    let s = Server::new();
    for (label, build) in [
        ("v1", v1_fixed as fn(&Creds, i64, &str) -> RpcRequest),
        ("v3", v3_fixed),
    ] {
        // Timestamp now, in the past or in the future: the replay is refused
        // up to and including the last second the timestamp is accepted.
        for skew in [0, -WINDOW, WINDOW, -WINDOW + 1, 300] {
            let start = now(&s);
            let ts = start + skew;
            let req = build(&s.root, ts, &format!("edge-{label}-{skew}"));
            let (status, body) = send(&s.gw, &req);
            assert_eq!(status, 200, "{label} {skew}: {body}");
            // The last second at which `ts` passes: ts + WINDOW.
            s.clock.advance(ts + WINDOW - start);
            let (status, body) = send(&s.gw, &req);
            assert_eq!(
                (status, code(&body)),
                (400, "SignatureNonceUsed"),
                "{label} {skew}: replay at the last second of the window"
            );
            s.clock.advance(1);
            let (status, body) = send(&s.gw, &req);
            assert_eq!(
                (status, code(&body)),
                (400, "InvalidTimeStamp.Expired"),
                "{label} {skew}: one second later"
            );
            // Back to the start, later than every nonce recorded so far.
            s.clock.advance(start + 4 * WINDOW - now(&s));
        }
    }
}

/// A clock that moves one second forward at every reading: whatever reads
/// the clock between the timestamp check and the nonce check sees time move.
struct Ticking(AtomicI64);

impl Clock for Ticking {
    fn now(&self) -> i64 {
        self.0.fetch_add(1, Ordering::SeqCst)
    }
}

#[test]
fn the_timestamp_and_the_nonce_are_checked_at_the_same_instant() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> =
        Arc::new(SqliteStore::open_exclusive(&dir.path().join("db.sqlite")).unwrap());
    let keyring = Keyring::for_tests();
    let creds = rampart_core::account::initialize(store.as_ref(), &keyring, NOW).unwrap();
    let clock = Arc::new(Ticking(AtomicI64::new(NOW)));
    let rampart = Rampart::open(store, keyring, clock.clone(), Settings::default()).unwrap();
    let gw = Gateway::new(rampart);
    let root = Creds {
        id: creds.access_key_id.clone(),
        secret: creds.access_key_secret.expose().to_string(),
        token: None,
    };
    for (i, build) in [v1_fixed as fn(&Creds, i64, &str) -> RpcRequest, v3_fixed]
        .into_iter()
        .enumerate()
    {
        let ts = clock.0.load(Ordering::SeqCst);
        let req = build(&root, ts, &format!("ticking-{i}"));
        let (status, body) = send(&gw, &req);
        assert_eq!(status, 200, "{body}");
        // The replay whose timestamp check reads the last accepted second.
        clock.0.store(ts + WINDOW, Ordering::SeqCst);
        let (status, body) = send(&gw, &req);
        assert_eq!((status, code(&body)), (400, "SignatureNonceUsed"), "{i}");
    }
}

// ---- V3: a request built field by field ------------------------------------

struct V3 {
    algorithm: v3::Algorithm,
    /// The query as sent.
    raw_query: String,
    /// The canonical query the client signs.
    signed_query: String,
    headers: Vec<(String, String)>,
    /// Names left out of SignedHeaders.
    unsigned: Vec<&'static str>,
    body: Vec<u8>,
}

impl V3 {
    fn new(s: &Server, action: &str, version: &str, nonce: &str) -> Self {
        let body_hash = rampart_crypto::sha256_hex(b"");
        Self {
            algorithm: v3::Algorithm::HmacSha256,
            raw_query: String::new(),
            signed_query: String::new(),
            headers: vec![
                ("host".into(), "127.0.0.1:7433".into()),
                ("x-acs-action".into(), action.into()),
                ("x-acs-version".into(), version.into()),
                ("x-acs-date".into(), rampart_core::time::format(now(s))),
                ("x-acs-signature-nonce".into(), nonce.into()),
                ("x-acs-content-sha256".into(), body_hash),
                ("accept".into(), "application/json".into()),
            ],
            unsigned: vec![],
            body: vec![],
        }
    }

    /// The query sent and signed in the values-only form of the SDKs.
    fn query(mut self, pairs: &[(&str, &str)]) -> Self {
        let owned: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        self.signed_query = v3::canonical_query(&owned, false);
        self.raw_query = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&owned)
            .finish();
        self
    }

    fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.retain(|(k, _)| k != name);
        self.headers.push((name.into(), value.into()));
        self
    }

    /// A form body, its hash in `x-acs-content-sha256`.
    fn form(mut self, body: &str) -> Self {
        self.body = body.as_bytes().to_vec();
        let hash = self.algorithm.hash_hex(&self.body);
        self.header("content-type", "application/x-www-form-urlencoded")
            .header("x-acs-content-sha256", &hash)
    }

    fn without(mut self, name: &str) -> Self {
        self.headers.retain(|(k, _)| k != name);
        self
    }

    fn build(&self, c: &Creds) -> RpcRequest {
        let mut headers = self.headers.clone();
        if let Some(t) = &c.token {
            headers.push(("x-acs-security-token".into(), t.clone()));
        }
        let signed: Vec<(String, Vec<String>)> = headers
            .iter()
            .filter(|(k, _)| !self.unsigned.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), vec![v.clone()]))
            .collect();
        let body_hash = self.algorithm.hash_hex(&self.body);
        let canonical = v3::canonical_request(&v3::CanonicalInput {
            method: "POST",
            path: "/",
            query: &self.signed_query,
            headers: &signed,
            hashed_payload: &body_hash,
        });
        let sig = v3::sign(
            self.algorithm,
            &c.secret,
            &v3::string_to_sign(self.algorithm, &canonical),
        );
        let mut names: Vec<&str> = signed.iter().map(|(k, _)| k.as_str()).collect();
        names.sort_unstable();
        headers.push((
            "authorization".into(),
            format!(
                "{} Credential={},SignedHeaders={},Signature={sig}",
                self.algorithm.name(),
                c.id,
                names.join(";")
            ),
        ));
        RpcRequest {
            method: "POST".into(),
            path: "/".into(),
            query: self.raw_query.clone(),
            headers,
            body: self.body.clone(),
            source_ip: Some("127.0.0.1".into()),
            secure: false,
        }
    }
}

fn now(s: &Server) -> i64 {
    s.clock.now()
}

fn nonce() -> String {
    rampart_crypto::random_hex(16)
}

#[test]
fn v3_canonical_query_encodes_keys_as_specified() {
    let s = Server::new();
    for i in 0..30 {
        s.ram("CreateUser", &[("UserName", &format!("u{i:02}"))]);
    }
    // What the client signed: `Marker=&MaxItems=2`.
    let honest = V3::new(&s, "ListUsers", "2015-05-01", &nonce())
        .query(&[("Marker", ""), ("MaxItems", "2")]);
    let (status, body) = send(&s.gw, &honest.build(&s.root));
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["Users"]["User"].as_array().unwrap().len(), 2);
    // The same signature over `Marker%3D%26MaxItems=2` (one key, no limit).
    let mut forged = V3::new(&s, "ListUsers", "2015-05-01", &nonce())
        .query(&[("Marker", ""), ("MaxItems", "2")]);
    forged.raw_query = "Marker%3D%26MaxItems=2".into();
    let (status, body) = send(&s.gw, &forged.build(&s.root));
    assert_eq!(
        (status, code(&body)),
        (400, "SignatureDoesNotMatch"),
        "{body}"
    );
    // Variants: a key holding `&`, `=`, `%` or a control character, signed
    // in the values-only form, is refused.
    for key in ["a=b", "a&b", "a%41", "a\nb", "MaxItems=2&Marker"] {
        let req = V3::new(&s, "ListUsers", "2015-05-01", &nonce()).query(&[(key, "1")]);
        let (status, body) = send(&s.gw, &req.build(&s.root));
        assert_eq!(
            (status, code(&body)),
            (400, "SignatureDoesNotMatch"),
            "{key:?}: {body}"
        );
    }
    // Keys and values encoded as specified work for any key.
    for key in ["a=b", "a&b", "a%41", "MaxItems=2&Marker", "my key"] {
        let pairs = vec![(key.to_string(), "v w".to_string())];
        let mut req = V3::new(&s, "ListUsers", "2015-05-01", &nonce()).query(&[(key, "v w")]);
        req.signed_query = v3::canonical_query(&pairs, true);
        let (status, body) = send(&s.gw, &req.build(&s.root));
        assert_eq!(status, 200, "{key:?}: {body}");
    }
    // The SDKs' values-only form still works where it cannot be misread
    // (a user key with a space, as UpdateSecret's CustomData may carry).
    let req = V3::new(&s, "ListUsers", "2015-05-01", &nonce()).query(&[
        ("ExtendedConfig.CustomData.my key", "a=b&c"),
        ("MaxItems", "3"),
    ]);
    let (status, body) = send(&s.gw, &req.build(&s.root));
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["Users"]["User"].as_array().unwrap().len(), 3);
}

#[test]
fn v3_refuses_requests_that_leave_a_required_header_unsigned() {
    let s = Server::new();
    for h in [
        "host",
        "x-acs-action",
        "x-acs-version",
        "x-acs-date",
        "x-acs-signature-nonce",
        "x-acs-content-sha256",
    ] {
        let mut req = V3::new(&s, "ListUsers", "2015-05-01", &nonce());
        req.unsigned.push(h);
        let (status, body) = send(&s.gw, &req.build(&s.root));
        assert_eq!(
            (status, code(&body)),
            (400, "IncompleteSignature"),
            "{h}: {body}"
        );
        let msg = body["Message"].as_str().unwrap();
        assert!(msg.contains(&format!("`{h}`")), "{h}: {msg}");
    }
    // Only the date and the nonce signed.
    let mut req = V3::new(&s, "ListUsers", "2015-05-01", &nonce());
    req.unsigned = vec![
        "host",
        "x-acs-action",
        "x-acs-version",
        "x-acs-content-sha256",
        "accept",
    ];
    let (status, body) = send(&s.gw, &req.build(&s.root));
    assert_eq!((status, code(&body)), (400, "IncompleteSignature"));
    // A security token must be signed when sent.
    s.ram(
        "CreateRole",
        &[
            ("RoleName", "r"),
            (
                "AssumeRolePolicyDocument",
                &format!(
                    r#"{{"Version":"1","Statement":[{{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{{"RAM":["acs:ram::{}:root"]}}}}]}}"#,
                    s.account_id
                ),
            ),
        ],
    );
    let sess = s.assume(&s.root, "r", &[]);
    let req = V3::new(&s, "GetCallerIdentity", "2015-04-01", &nonce());
    let (status, body) = send(&s.gw, &req.build(&sess));
    assert_eq!(status, 200, "{body}");
    let mut req = V3::new(&s, "GetCallerIdentity", "2015-04-01", &nonce());
    req.unsigned.push("x-acs-security-token");
    let (status, body) = send(&s.gw, &req.build(&sess));
    assert_eq!(
        (status, code(&body)),
        (400, "IncompleteSignature"),
        "{body}"
    );
    // With a body, its content-type must be signed when sent.
    let mut req = V3::new(&s, "ListUsers", "2015-05-01", &nonce())
        .header("content-type", "application/x-www-form-urlencoded")
        .header(
            "x-acs-content-sha256",
            &rampart_crypto::sha256_hex(b"MaxItems=1"),
        );
    req.body = b"MaxItems=1".to_vec();
    let (status, body) = send(&s.gw, &req.build(&s.root));
    assert_eq!(status, 200, "{body}");
    let mut req = req.header("x-acs-signature-nonce", &nonce());
    req.unsigned.push("content-type");
    let (status, body) = send(&s.gw, &req.build(&s.root));
    assert_eq!(
        (status, code(&body)),
        (400, "IncompleteSignature"),
        "{body}"
    );
    // A required header sent twice is refused.
    let mut req = V3::new(&s, "ListUsers", "2015-05-01", &nonce());
    req.headers
        .push(("x-acs-action".into(), "DeleteUser".into()));
    let (status, body) = send(&s.gw, &req.build(&s.root));
    assert_eq!(
        (status, code(&body)),
        (400, "IncompleteSignature"),
        "{body}"
    );
    // A missing host is refused, not signed as empty.
    let req = V3::new(&s, "ListUsers", "2015-05-01", &nonce()).without("host");
    let (status, _) = send(&s.gw, &req.build(&s.root));
    assert_eq!(status, 400);
}

#[test]
fn v3_sm3_signs_the_body_hash_as_the_sdks_do() {
    let s = Server::new();
    let sm3_empty = rampart_crypto::sm3_hex(b"");
    // The official SDKs send the SM3 digest under x-acs-content-sha256.
    let mut req =
        V3::new(&s, "ListUsers", "2015-05-01", &nonce()).header("x-acs-content-sha256", &sm3_empty);
    req.algorithm = v3::Algorithm::HmacSm3;
    let (status, body) = send(&s.gw, &req.build(&s.root));
    assert_eq!(status, 200, "{body}");
    // Or under x-acs-content-sm3.
    let mut req = V3::new(&s, "ListUsers", "2015-05-01", &nonce())
        .without("x-acs-content-sha256")
        .header("x-acs-content-sm3", &sm3_empty);
    req.algorithm = v3::Algorithm::HmacSm3;
    let (status, body) = send(&s.gw, &req.build(&s.root));
    assert_eq!(status, 200, "{body}");
    // Neither signed: refused, naming the SM3 header.
    let mut req = V3::new(&s, "ListUsers", "2015-05-01", &nonce())
        .without("x-acs-content-sha256")
        .header("x-acs-content-sm3", &sm3_empty);
    req.algorithm = v3::Algorithm::HmacSm3;
    req.unsigned.push("x-acs-content-sm3");
    let (status, body) = send(&s.gw, &req.build(&s.root));
    assert_eq!(
        (status, code(&body)),
        (400, "IncompleteSignature"),
        "{body}"
    );
    assert!(body["Message"]
        .as_str()
        .unwrap()
        .contains("`x-acs-content-sm3`"));
}

#[test]
fn v3_action_and_version_come_from_the_signed_headers() {
    let s = Server::new();
    s.ram("CreateUser", &[("UserName", "victim")]);
    // The query names another action than the signed header.
    let req = V3::new(&s, "GetUser", "2015-05-01", &nonce())
        .query(&[("Action", "DeleteUser"), ("UserName", "victim")]);
    let (status, body) = send(&s.gw, &req.build(&s.root));
    assert_eq!(
        (status, code(&body)),
        (400, "IncompleteSignature"),
        "{body}"
    );
    // The query's version picks the product the signed header does not name.
    let req = V3::new(&s, "ListUsers", "2015-04-01", &nonce()).query(&[("Version", "2015-05-01")]);
    let (status, body) = send(&s.gw, &req.build(&s.root));
    assert_eq!(
        (status, code(&body)),
        (400, "IncompleteSignature"),
        "{body}"
    );
    s.ram("GetUser", &[("UserName", "victim")]);
    // Repeating the same action and version is fine.
    let req = V3::new(&s, "GetUser", "2015-05-01", &nonce()).query(&[
        ("Action", "GetUser"),
        ("Version", "2015-05-01"),
        ("UserName", "victim"),
    ]);
    let (status, body) = send(&s.gw, &req.build(&s.root));
    assert_eq!(status, 200, "{body}");
}

#[test]
fn v3_signature_is_checked_before_the_body_is_decoded() {
    let s = Server::new();
    // A body the decoder refuses (more parameters than allowed).
    let body = (0..300)
        .map(|i| format!("P{i}=v"))
        .collect::<Vec<_>>()
        .join("&");
    let req = V3::new(&s, "ListUsers", "2015-05-01", &nonce()).form(&body);
    let wrong = Creds {
        secret: "not-the-secret".into(),
        ..s.root.clone()
    };
    let (status, out) = send(&s.gw, &req.build(&wrong));
    assert_eq!(
        (status, code(&out)),
        (400, "SignatureDoesNotMatch"),
        "a wrong signature is answered before the body is read: {out}"
    );
    // Signed right, the body is read, and refused.
    let req = V3::new(&s, "ListUsers", "2015-05-01", &nonce()).form(&body);
    let (status, out) = send(&s.gw, &req.build(&s.root));
    assert_eq!(status, 400, "{out}");
    assert_ne!(code(&out), "SignatureDoesNotMatch", "{out}");
    // A right signature over a declared hash that is not the body's.
    let mut swapped = V3::new(&s, "ListUsers", "2015-05-01", &nonce())
        .form("MaxItems=10")
        .build(&s.root);
    swapped.body = b"MaxItems=20".to_vec();
    let (status, out) = send(&s.gw, &swapped);
    assert_eq!(
        (status, code(&out)),
        (400, "SignatureDoesNotMatch"),
        "{out}"
    );
    assert!(out["Message"]
        .as_str()
        .unwrap()
        .contains("does not match the body"));
    // And a right signature over a good body runs the action.
    let req = V3::new(&s, "ListUsers", "2015-05-01", &nonce()).form("MaxItems=10");
    let (status, out) = send(&s.gw, &req.build(&s.root));
    assert_eq!(status, 200, "{out}");
}

#[test]
fn the_client_signer_signs_every_required_header() {
    let s = Server::new();
    let (_, headers) = client::v3_request(
        &client::Signer {
            id: &s.root.id,
            secret: &s.root.secret,
            token: Some("t"),
        },
        "h",
        "2015-05-01",
        "ListUsers",
        &[],
        "2026-01-01T00:00:00Z",
        "n",
    );
    let auth = headers
        .iter()
        .find(|(k, _)| k == "authorization")
        .map(|(_, v)| v.clone())
        .unwrap();
    let parsed = v3::parse_authorization(&auth).unwrap();
    for h in rampart_gateway::auth::V3_REQUIRED_SIGNED
        .iter()
        .chain(&["x-acs-content-sha256", "x-acs-security-token"])
    {
        assert!(parsed.signed_headers.iter().any(|s| s == h), "{h}");
    }
    let (status, body) = s.call_v3(&s.root, "2015-05-01", "ListUsers", &[("Marker", "")]);
    assert_eq!(status, 200, "{body}");
}

#[test]
fn timestamps_with_a_fraction_of_any_length_are_accepted() {
    let s = Server::new();
    let t = rampart_core::time::format(NOW);
    let whole = t.trim_end_matches('Z');
    for fraction in ["", ".0", ".073", ".073123", ".073123456", ".0731234567891"] {
        let ts = format!("{whole}{fraction}Z");
        for (i, req) in [v1_at(&s.root, &ts, &nonce()), v3_at(&s.root, &ts, &nonce())]
            .iter()
            .enumerate()
        {
            let (st, body) = send(&s.gw, req);
            assert_eq!(st, 200, "V{} `{ts}`: {body}", if i == 0 { 1 } else { 3 });
        }
    }
    for bad in [
        format!("{whole}.Z"),
        format!("{whole}.5"),
        format!("{whole},5Z"),
    ] {
        let (st, body) = send(&s.gw, &v1_at(&s.root, &bad, &nonce()));
        assert_eq!(
            (st, code(&body)),
            (400, "InvalidTimeStamp.Format"),
            "`{bad}`: {body}"
        );
    }
}

#[test]
fn the_clock_window_applies_to_the_exact_instant() {
    // A timestamp half a second past NOW, with the clock moved to each side
    // of the window's edges by a fraction of a second.
    let ts = format!(
        "{}.5Z",
        rampart_core::time::format(NOW).trim_end_matches('Z')
    );
    let ns = |secs: i64, frac: i64| secs * 1_000_000_000 + frac;
    for (offset, ok) in [
        (ns(WINDOW, 400_000_000), true),   // 899.9 s after the timestamp
        (ns(WINDOW, 500_000_000), true),   // exactly 900 s after
        (ns(WINDOW, 600_000_000), false),  // 900.1 s after
        (ns(-WINDOW, 600_000_000), true),  // 899.9 s before
        (ns(-WINDOW, 500_000_000), true),  // exactly 900 s before
        (ns(-WINDOW, 400_000_000), false), // 900.1 s before
    ] {
        for v3 in [false, true] {
            let s = Server::new();
            s.clock.advance_nanos(offset);
            let req = if v3 {
                v3_at(&s.root, &ts, &nonce())
            } else {
                v1_at(&s.root, &ts, &nonce())
            };
            let (st, body) = send(&s.gw, &req);
            if ok {
                assert_eq!(st, 200, "offset {offset} ns, v3 {v3}: {body}");
                // A replay at the same instant is refused.
                let (st, body) = send(&s.gw, &req);
                assert_eq!(code(&body), "SignatureNonceUsed", "{st} {body}");
            } else {
                assert_eq!(
                    (st, code(&body)),
                    (400, "InvalidTimeStamp.Expired"),
                    "offset {offset} ns, v3 {v3}: {body}"
                );
            }
        }
    }
}
