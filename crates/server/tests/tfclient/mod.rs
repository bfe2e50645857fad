//! Requests exactly as the Terraform provider `alicloud` sends them, signed
//! here independently of the server's own signature code:
//!
//! - [`Tf::rpc_post`]: tea-rpc `DoRequest` (the provider's `RpcPost`):
//!   `POST /`, the common parameters in the query (`Action`,
//!   `Format=json`, `Timestamp`, `Version`, `SignatureNonce`,
//!   `SignatureMethod`, `SignatureVersion`, `AccessKeyId`, `Signature`), the
//!   business parameters in an `application/x-www-form-urlencoded` body
//!   (Go's `url.Values.Encode`: sorted, `QueryEscape`d, space as `+`),
//!   headers `host`, `x-acs-version`, `x-acs-action`, `user-agent`; the
//!   HMAC-SHA1 signature covers query and body parameters together.
//! - [`Tf::old_sdk`]: the old Go SDK (`alibaba-cloud-sdk-go`) RPC request:
//!   `POST /?…` with every parameter in the query (`Format=JSON`,
//!   `RegionId`, an empty `SignatureType`), an empty form body.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "each test binary uses a part of these helpers; a test fails by panicking"
)]

use std::collections::BTreeMap;
use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde_json::Value;

use crate::harness::{Creds, Proc};

pub const RAM: &str = "2015-05-01";
pub const KMS: &str = "2016-01-20";
pub const STS: &str = "2015-04-01";
pub const REGION: &str = "cn-hangzhou";

const USER_AGENT: &str =
    "AlibabaCloud (linux; amd64) Golang/1.24.4 Core/0.01 TeaDSL/1 Terraform/1.9.8";

/// RFC 3986 percent-encoding, as the signature's canonical form wants it
/// (Go: `url.QueryEscape` then `+`→`%20`, `*`→`%2A`, `%7E`→`~`).
fn pct(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Go's `url.QueryEscape` (space as `+`), for the form body.
fn query_escape(s: &str) -> String {
    pct(s).replace("%20", "+")
}

fn timestamp() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    // Go: time.Now().UTC().Format("2006-01-02T15:04:05Z")
    rampart_core::time::format(i64::try_from(now).unwrap())
}

fn nonce() -> String {
    rampart_crypto::random_hex(16)
}

/// `Signature` of RPC V1 over `params` (every query and body parameter).
fn signature(method: &str, params: &BTreeMap<String, String>, secret: &str) -> String {
    let canonical: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{}={}", pct(k), pct(v)))
        .collect();
    let to_sign = format!("{method}&{}&{}", pct("/"), pct(&canonical.join("&")));
    STANDARD.encode(rampart_crypto::hmac_sha1(
        format!("{secret}&").as_bytes(),
        to_sign.as_bytes(),
    ))
}

/// Terraform's clients against one server, with one key.
pub struct Tf<'a> {
    pub p: &'a Proc,
    pub creds: Creds,
}

/// An answer: HTTP status and JSON body.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub body: Value,
}

impl Answer {
    /// The error `Code`, empty on success.
    pub fn code(&self) -> &str {
        self.body["Code"].as_str().unwrap_or("")
    }

    /// Terraform's `NotFoundError`: HTTP 404 or `NotFound` in the message.
    pub fn not_found(&self) -> bool {
        self.status == 404
            || self.body["Message"]
                .as_str()
                .unwrap_or("")
                .contains("NotFound")
    }

    /// Terraform's `IsExpectedErrors` for one expected code: the code
    /// itself, a code that `expected` starts with, or the body naming it.
    pub fn is_expected(&self, expected: &str) -> bool {
        let c = self.code();
        self.status >= 400
            && (c == expected
                || (!c.is_empty() && expected.starts_with(c))
                || self.body.to_string().contains(expected))
    }

    /// Terraform's `formatError`: a 200 body with `Code` and `Message` is
    /// an error too.
    pub fn ok(&self) -> bool {
        self.status == 200
            && !(self.body.get("Code").is_some()
                && self.body["Message"].as_str().is_some_and(|m| !m.is_empty()))
    }
}

impl<'a> Tf<'a> {
    /// The provider with the account's root key.
    pub fn root(p: &'a Proc) -> Self {
        Self { p, creds: p.root() }
    }

    fn send(&self, url: &str, headers: &[(&str, &str)], body: Option<String>) -> Answer {
        let mut req = self.p.agent().post(url).timeout(Duration::from_secs(20));
        for (k, v) in headers {
            req = req.set(k, v);
        }
        let r = match body {
            Some(b) => req.send_string(&b),
            None => req.call(),
        };
        let parse = |r: ureq::Response| {
            serde_json::from_str(&r.into_string().unwrap_or_default()).unwrap_or(Value::Null)
        };
        match r {
            Ok(r) => Answer {
                status: r.status(),
                body: parse(r),
            },
            Err(ureq::Error::Status(code, r)) => Answer {
                status: code,
                body: parse(r),
            },
            Err(e) => panic!("transport error: {e}"),
        }
    }

    /// tea-rpc `DoRequest(action, protocol, "POST", version, "AK", query, body)`.
    pub fn rpc_post(&self, version: &str, action: &str, body: &[(&str, &str)]) -> Answer {
        let mut query: BTreeMap<String, String> = [
            ("Action", action),
            ("Format", "json"),
            ("Version", version),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureVersion", "1.0"),
            ("AccessKeyId", self.creds.id.as_str()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        query.insert("Timestamp".into(), timestamp());
        query.insert("SignatureNonce".into(), nonce());
        let body_map: BTreeMap<String, String> = body
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let mut signed = query.clone();
        signed.extend(body_map.clone());
        query.insert(
            "Signature".into(),
            signature("POST", &signed, &self.creds.secret),
        );
        let qs: Vec<String> = query
            .iter()
            .map(|(k, v)| format!("{}={}", pct(k), pct(v)))
            .collect();
        let form: Vec<String> = body_map
            .iter()
            .map(|(k, v)| format!("{}={}", query_escape(k), query_escape(v)))
            .collect();
        let host = format!("127.0.0.1:{}", self.p.port);
        let url = format!("{}/?{}", self.p.base_url(), qs.join("&"));
        let headers = [
            ("host", host.as_str()),
            ("x-acs-version", version),
            ("x-acs-action", action),
            ("user-agent", USER_AGENT),
            ("content-type", "application/x-www-form-urlencoded"),
        ];
        let body = (!body_map.is_empty()).then(|| form.join("&"));
        self.send(&url, &headers, body)
    }

    /// The old Go SDK: every parameter in the query of a POST.
    pub fn old_sdk(&self, version: &str, action: &str, params: &[(&str, &str)]) -> Answer {
        let mut query: BTreeMap<String, String> = [
            ("Action", action),
            ("Format", "JSON"),
            ("Version", version),
            ("RegionId", REGION),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureType", ""),
            ("SignatureVersion", "1.0"),
            ("AccessKeyId", self.creds.id.as_str()),
        ]
        .into_iter()
        .chain(params.iter().copied())
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        query.insert("Timestamp".into(), timestamp());
        query.insert("SignatureNonce".into(), nonce());
        let sig = signature("POST", &query, &self.creds.secret);
        query.insert("Signature".into(), sig);
        let qs: Vec<String> = query
            .iter()
            .map(|(k, v)| format!("{}={}", pct(k), pct(v)))
            .collect();
        let url = format!("{}/?{}", self.p.base_url(), qs.join("&"));
        let headers = [
            ("x-acs-version", version),
            ("x-acs-action", action),
            ("user-agent", USER_AGENT),
            ("content-type", "application/x-www-form-urlencoded"),
        ];
        self.send(&url, &headers, None)
    }

    /// An `RpcPost` that must succeed.
    pub fn post(&self, version: &str, action: &str, body: &[(&str, &str)]) -> Value {
        let a = self.rpc_post(version, action, body);
        assert!(a.ok(), "{action} {body:?}: {} {}", a.status, a.body);
        a.body
    }

    /// An old-SDK call that must succeed.
    pub fn old(&self, version: &str, action: &str, params: &[(&str, &str)]) -> Value {
        let a = self.old_sdk(version, action, params);
        assert!(a.ok(), "{action} {params:?}: {} {}", a.status, a.body);
        a.body
    }

    /// A call that must fail with `status` and `code` (what Terraform
    /// matches on).
    pub fn fails(a: &Answer, status: u16, code: &str) {
        assert_eq!(
            (a.status, a.code()),
            (status, code),
            "expected {status} {code}: {}",
            a.body
        );
    }
}

/// The items of `{"Outer": {"Inner": [...]}}`.
pub fn items<'v>(body: &'v Value, outer: &str, inner: &str) -> &'v [Value] {
    body[outer][inner].as_array().map_or(&[], Vec::as_slice)
}
