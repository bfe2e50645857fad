//! Signature verification (V1, V3) and a full signed ListUsers round trip
//! through the gateway (in process, SQLite), each printed as a ratio to a
//! bare HMAC computation measured in the same run.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails by panicking"
)]

use std::hint::black_box;
use std::sync::Arc;
use std::time::Instant;

use criterion::Criterion;
use rampart_core::{Rampart, Settings, SystemClock};
use rampart_crypto::Keyring;
use rampart_gateway::sign::{client, v1, v3};
use rampart_gateway::{Gateway, RpcRequest};
use rampart_store::{SqliteStore, Store};

fn v1_params() -> Vec<(String, String)> {
    [
        ("AccessKeyId", "LTAIbenchbenchbenchbenc"),
        ("Action", "ListUsers"),
        ("Format", "JSON"),
        ("SignatureMethod", "HMAC-SHA1"),
        ("SignatureNonce", "0123456789abcdef0123456789abcdef"),
        ("SignatureVersion", "1.0"),
        ("Timestamp", "2026-01-01T00:00:00Z"),
        ("Version", "2015-05-01"),
        ("MaxItems", "100"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

fn verify_v1(params: &[(String, String)], secret: &str) -> String {
    let c = v1::canonical_query(params.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    v1::sign(secret, &v1::string_to_sign("POST", &c))
}

fn verify_v3(secret: &str) -> String {
    let empty = rampart_crypto::sha256_hex(b"");
    let headers: Vec<(String, Vec<String>)> = [
        ("accept", "application/json"),
        ("host", "127.0.0.1:7433"),
        ("x-acs-action", "GetSecretValue"),
        ("x-acs-content-sha256", empty.as_str()),
        ("x-acs-date", "2026-01-01T00:00:00Z"),
        ("x-acs-signature-nonce", "0123456789abcdef0123456789abcdef"),
        ("x-acs-version", "2016-01-20"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), vec![v.to_string()]))
    .collect();
    let pairs = vec![("SecretName".to_string(), "app/db".to_string())];
    let q = v3::canonical_query(&pairs, false);
    let cr = v3::canonical_request(&v3::CanonicalInput {
        method: "POST",
        path: "/",
        query: &q,
        headers: &headers,
        hashed_payload: &empty,
    });
    v3::sign(
        v3::Algorithm::HmacSha256,
        secret,
        &v3::string_to_sign(v3::Algorithm::HmacSha256, &cr),
    )
}

struct Fixture {
    gw: Gateway,
    id: String,
    secret: String,
    _dir: tempfile::TempDir,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> =
        Arc::new(SqliteStore::open_exclusive(&dir.path().join("db.sqlite")).unwrap());
    let keyring = Keyring::for_tests();
    let now = rampart_core::Clock::now(&SystemClock);
    let creds = rampart_core::account::initialize(store.as_ref(), &keyring, now).unwrap();
    let rampart =
        Rampart::open(store, keyring, Arc::new(SystemClock), Settings::default()).unwrap();
    for i in 0..20 {
        rampart
            .create_user(rampart_core::ram::CreateUser {
                user_name: format!("user{i}"),
                ..Default::default()
            })
            .unwrap();
    }
    for i in 0..100 {
        rampart
            .create_secret(rampart_core::kms::secrets::CreateSecret {
                secret_name: format!("bench/secret-{i}"),
                version_id: "v1".into(),
                secret_data: format!("value-{i}"),
                ..Default::default()
            })
            .unwrap();
    }
    Fixture {
        gw: Gateway::new(rampart),
        id: creds.access_key_id.clone(),
        secret: creds.access_key_secret.expose().to_string(),
        _dir: dir,
    }
}

fn signer(f: &Fixture) -> client::Signer<'_> {
    client::Signer {
        id: &f.id,
        secret: &f.secret,
        token: None,
    }
}

fn get_secret_request(f: &Fixture, n: u64) -> RpcRequest {
    let name = format!("bench/secret-{}", n % 100);
    let ts = rampart_core::time::format(rampart_core::Clock::now(&SystemClock));
    let (query, headers) = client::v3_request(
        &signer(f),
        "127.0.0.1:7433",
        "2016-01-20",
        "GetSecretValue",
        &[("SecretName", &name)],
        &ts,
        &format!("gsv-{n}"),
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

fn list_users_request(f: &Fixture, n: u64) -> RpcRequest {
    let ts = rampart_core::time::format(rampart_core::Clock::now(&SystemClock));
    RpcRequest {
        method: "POST".into(),
        path: "/".into(),
        query: client::v1_query(
            &signer(f),
            "POST",
            "2015-05-01",
            "ListUsers",
            &[],
            &ts,
            &format!("bench-{n}"),
        ),
        source_ip: Some("127.0.0.1".into()),
        ..Default::default()
    }
}

/// Median nanoseconds per call of `f` over several timed batches.
fn ns_per_call(mut f: impl FnMut(u64), iters: u64) -> f64 {
    let mut samples = Vec::new();
    let mut n = 0;
    for _ in 0..7 {
        let t = Instant::now();
        for _ in 0..iters {
            f(n);
            n += 1;
        }
        samples.push(t.elapsed().as_nanos() as f64 / iters as f64);
    }
    samples.sort_by(|a, b| a.total_cmp(b));
    samples[samples.len() / 2]
}

fn main() {
    let params = v1_params();
    let stsv1 = v1::string_to_sign(
        "POST",
        &v1::canonical_query(params.iter().map(|(k, v)| (k.as_str(), v.as_str()))),
    );
    let f = fixture();

    let mut c = Criterion::default().configure_from_args();
    c.bench_function("bare hmac-sha1", |b| {
        b.iter(|| rampart_crypto::hmac_sha1(black_box(b"secret&"), black_box(stsv1.as_bytes())))
    });
    c.bench_function("verify v1", |b| {
        b.iter(|| verify_v1(black_box(&params), "secret"))
    });
    c.bench_function("verify v3", |b| b.iter(|| verify_v3(black_box("secret"))));
    let mut n = 1_000_000_000u64;
    c.bench_function("signed ListUsers round trip", |b| {
        b.iter(|| {
            n += 1;
            let (resp, _) = f.gw.handle(&list_users_request(&f, n));
            assert_eq!(resp.status, 200);
        })
    });
    c.final_summary();

    // Ratios, measured together in this run.
    let bare = ns_per_call(
        |_| {
            black_box(rampart_crypto::hmac_sha1(b"secret&", stsv1.as_bytes()));
        },
        20_000,
    );
    let bare256 = ns_per_call(
        |_| {
            black_box(rampart_crypto::hmac_sha256(b"secret", stsv1.as_bytes()));
        },
        20_000,
    );
    let v1t = ns_per_call(
        |_| {
            black_box(verify_v1(&params, "secret"));
        },
        20_000,
    );
    let v3t = ns_per_call(
        |_| {
            black_box(verify_v3("secret"));
        },
        20_000,
    );
    let rt = ns_per_call(
        |i| {
            let (resp, _) = f.gw.handle(&list_users_request(&f, i));
            assert_eq!(resp.status, 200);
        },
        300,
    );
    println!("\nratios (median of 7 batches, same run):");
    println!("  bare HMAC-SHA1            {bare:>10.0} ns   1.0x");
    println!(
        "  V1 verification           {v1t:>10.0} ns   {:.1}x bare HMAC-SHA1",
        v1t / bare
    );
    println!("  bare HMAC-SHA256          {bare256:>10.0} ns");
    println!(
        "  V3 verification           {v3t:>10.0} ns   {:.1}x bare HMAC-SHA256",
        v3t / bare256
    );
    println!(
        "  signed ListUsers (20 users, SQLite) {rt:>10.0} ns   {:.1}x bare HMAC-SHA1",
        rt / bare
    );
    let mut n = 5_000_000_000u64;
    let build = ns_per_call(
        |_| {
            n += 1;
            black_box(get_secret_request(&f, n));
        },
        300,
    );
    let gsv = ns_per_call(
        |_| {
            n += 1;
            let (resp, _) = f.gw.handle(&get_secret_request(&f, n));
            assert_eq!(resp.status, 200);
        },
        300,
    );
    println!(
        "  V3 GetSecretValue in process {:>10.0} ns (request building excluded)",
        gsv - build
    );
}
