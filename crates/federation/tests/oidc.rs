//! OIDC verification against an in-process HTTPS issuer on 127.0.0.1.
//!
//! Every attack of the issue and lines 1–14 of the design checklist
//! (federation-security.md §3) is a test here, with the exact error code.

#![expect(
    clippy::unwrap_used,
    reason = "test helpers outside #[test] functions fail loudly on setup errors"
)]

mod common;

use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use common::{ca, expired_leaf, leaf, localhost_ip, self_signed, Issued, Route, TestServer};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rampart_federation::oidc::{self, FetchOptions, OidcError, ProviderConfig, Verifier};
use serde_json::{json, Value};

const NOW: i64 = 1_900_000_000;
const AUD: &str = "sts.aliyuncs.com";

const INVALID: &str = "AuthenticationFail.OIDCToken.Invalid";
const ISSUER_NOT_MATCH: &str = "AuthenticationFail.OIDCToken.IssuerNotMatch";
const BROKEN: &str = "AuthenticationFail.OIDCToken.IssuerConfigurationBroken";
const HTTPS_INVALID: &str = "AuthenticationFail.OIDCToken.HttpsUrlInvalid";
const PIN_MISMATCH: &str = "AuthenticationFail.OIDCToken.PublicKeyFingerprintMismatch";
const BAD_SIG: &str = "AuthenticationFail.OIDCToken.InvalidSignature";
const EXPIRED: &str = "AuthenticationFail.OIDCToken.Expired";
const AUD_NOT_MATCH: &str = "AuthenticationFail.OIDCToken.AudienceNotMatch";

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/keys/{name}.pem",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// Signing keys: (kid, algorithm, key).
struct Keys {
    rsa: EncodingKey,
    ec256: EncodingKey,
    ec384: EncodingKey,
    foreign: EncodingKey,
}

fn keys() -> Keys {
    Keys {
        rsa: EncodingKey::from_rsa_pem(&fixture("issuer-rsa")).unwrap(),
        ec256: EncodingKey::from_ec_pem(&fixture("issuer-ec256")).unwrap(),
        ec384: EncodingKey::from_ec_pem(&fixture("issuer-ec384")).unwrap(),
        foreign: EncodingKey::from_rsa_pem(&fixture("foreign-rsa")).unwrap(),
    }
}

fn jwk(key: &EncodingKey, alg: Algorithm, kid: &str) -> Value {
    let mut jwk = jsonwebtoken::jwk::Jwk::from_encoding_key(key, alg).unwrap();
    jwk.common.key_id = Some(kid.to_string());
    serde_json::to_value(jwk).unwrap()
}

/// The issuer's usual JWKS: RSA "rsa1", EC P-256 "ec1", EC P-384 "ec2".
/// and the RSA key again without `alg` as "rsa-any".
fn standard_jwks(k: &Keys) -> Value {
    let mut any = jwk(&k.rsa, Algorithm::RS256, "rsa-any");
    any.as_object_mut().unwrap().remove("alg");
    json!({"keys": [
        jwk(&k.rsa, Algorithm::RS256, "rsa1"),
        any,
        jwk(&k.ec256, Algorithm::ES256, "ec1"),
        jwk(&k.ec384, Algorithm::ES384, "ec2"),
    ]})
}

fn claims(iss: &str) -> Value {
    json!({"iss": iss, "sub": "system:serviceaccount:ns:sa", "aud": AUD, "iat": NOW - 10, "exp": NOW + 600})
}

fn sign(alg: Algorithm, key: &EncodingKey, kid: Option<&str>, claims: &Value) -> String {
    let mut h = Header::new(alg);
    h.kid = kid.map(str::to_string);
    jsonwebtoken::encode(&h, claims, key).unwrap()
}

fn b64(v: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(v)
}

fn raw_token(header: &Value, claims: &Value, sig: &[u8]) -> String {
    format!(
        "{}.{}.{}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes()),
        b64(sig)
    )
}

/// An issuer: a server, its URL and a provider for it.
struct Issuer {
    server: TestServer,
    url: String,
    provider: ProviderConfig,
}

impl Issuer {
    /// Serves discovery + `jwks` with this chain; `host` is the URL's host
    /// (an IP literal or a name resolved by the test hooks).
    fn start(
        chain: Vec<rustls::pki_types::CertificateDer<'static>>,
        key: &Issued,
        host: &str,
        pins: Vec<String>,
        jwks: &Value,
    ) -> Self {
        let server = TestServer::start(chain, &key.key);
        let url = format!("https://{host}:{}", server.port);
        server.set(
            "/.well-known/openid-configuration",
            Route::json(json!({"issuer": url, "jwks_uri": format!("{url}/jwks")}).to_string()),
        );
        server.set("/jwks", Route::json(jwks.to_string()));
        let provider = ProviderConfig {
            arn: format!("acs:ram::1:oidc-provider/p{}", server.port),
            issuer_url: url.clone(),
            client_ids: vec![AUD.to_string(), "other-client".to_string()],
            fingerprints: pins,
            issuance_limit_hours: 12,
        };
        Self {
            server,
            url,
            provider,
        }
    }

    /// A self-signed leaf for 127.0.0.1, pinned.
    fn self_signed_pinned(jwks: &Value) -> Self {
        let cert = self_signed(&[], &[localhost_ip()]);
        let pin = cert.sha1_hex();
        Self::start(vec![cert.der.clone()], &cert, "127.0.0.1", vec![pin], jwks)
    }

    fn token(&self, alg: Algorithm, key: &EncodingKey, kid: Option<&str>) -> String {
        sign(alg, key, kid, &claims(&self.url))
    }
}

fn verifier() -> Verifier {
    Verifier::new(FetchOptions::default())
}

fn check(v: &Verifier, p: &ProviderConfig, token: &str) -> Result<oidc::VerifiedToken, OidcError> {
    let t = oidc::parse(token)?;
    v.verify(p, &t, NOW)
}

fn code(r: Result<oidc::VerifiedToken, OidcError>) -> &'static str {
    match r {
        Ok(_) => "ok",
        Err(e) => {
            assert_eq!(e.status(), 401);
            assert!(e.message().len() < 400, "{}", e.message());
            e.code()
        }
    }
}

/// Hooks that resolve `issuer.test` (and others) to a public-looking
/// address and then connect to the local server instead; records every
/// address the fetcher asked to connect to.
struct Hooks {
    connects: Arc<Mutex<Vec<SocketAddr>>>,
    resolves: Arc<AtomicU64>,
}

fn hooked(port: u16, answers: Vec<Vec<IpAddr>>) -> (FetchOptions, Hooks) {
    let connects: Arc<Mutex<Vec<SocketAddr>>> = Arc::default();
    let resolves = Arc::new(AtomicU64::new(0));
    let (c2, r2) = (connects.clone(), resolves.clone());
    let opts = FetchOptions {
        resolver: Some(Arc::new(move |_name: &str, _port: u16| {
            let n = r2.fetch_add(1, Ordering::SeqCst) as usize;
            Ok(answers[n.min(answers.len() - 1)].clone())
        })),
        connect_override: Some(Arc::new(move |addr: SocketAddr| {
            c2.lock().unwrap().push(addr);
            SocketAddr::new(localhost_ip(), port)
        })),
        ..FetchOptions::default()
    };
    (opts, Hooks { connects, resolves })
}

fn public_ip() -> IpAddr {
    "93.184.216.34".parse().unwrap()
}

// ---------------------------------------------------------------- happy paths

#[test]
fn valid_tokens_of_every_allowed_algorithm_verify_with_one_fetch() {
    let k = keys();
    let iss = Issuer::self_signed_pinned(&standard_jwks(&k));
    let v = verifier();
    let t = iss.token(Algorithm::RS256, &k.rsa, Some("rsa1"));
    let ok = check(&v, &iss.provider, &t).unwrap();
    assert_eq!(ok.issuer, iss.url);
    assert_eq!(ok.subject, "system:serviceaccount:ns:sa");
    assert_eq!(ok.audiences, vec![AUD.to_string()]);
    assert_eq!(ok.issued_at, NOW - 10);
    assert_eq!(ok.expires_at, NOW + 600);
    assert_eq!(v.fetch_count(), 2, "one discovery + one JWKS");
    for (alg, key, kid) in [
        (Algorithm::RS256, &k.rsa, "rsa-any"),
        (Algorithm::RS384, &k.rsa, "rsa-any"),
        (Algorithm::RS512, &k.rsa, "rsa-any"),
        (Algorithm::PS256, &k.rsa, "rsa-any"),
        (Algorithm::ES256, &k.ec256, "ec1"),
        (Algorithm::ES384, &k.ec384, "ec2"),
    ] {
        let t = iss.token(alg, key, Some(kid));
        assert_eq!(code(check(&v, &iss.provider, &t)), "ok", "{alg:?}");
    }
    // A key whose JWK names RS256 does not verify RS384.
    let t384 = iss.token(Algorithm::RS384, &k.rsa, Some("rsa1"));
    assert_eq!(code(check(&v, &iss.provider, &t384)), BAD_SIG);
    for _ in 0..50 {
        assert_eq!(code(check(&v, &iss.provider, &t)), "ok");
    }
    assert_eq!(v.fetch_count(), 2, "many verifications, one fetch");
    assert_eq!(iss.server.hits("/jwks"), 1);
}

#[test]
fn verify_works_inside_block_in_place_on_a_multi_thread_runtime() {
    let k = keys();
    let iss = Issuer::self_signed_pinned(&standard_jwks(&k));
    let v = verifier();
    let t = iss.token(Algorithm::ES256, &k.ec256, Some("ec1"));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let p = iss.provider.clone();
    let r = rt.block_on(async move {
        tokio::spawn(async move { tokio::task::block_in_place(|| code(check(&v, &p, &t))) })
            .await
            .unwrap()
    });
    assert_eq!(r, "ok");
}

// ------------------------------------------------- checklist 1: token shape

#[test]
fn malformed_tokens_are_invalid() {
    let h = b64(br#"{"alg":"RS256"}"#);
    let p = b64(br#"{"iss":"x"}"#);
    let long = format!("{h}.{p}.{}", "A".repeat(20_001));
    for t in [
        String::new(),
        format!("{h}.{p}"),
        format!("{h}.{p}.c2ln.c2ln"),
        format!("{h}.{p}."),
        format!("{h}!.{p}.c2ln"),
        format!("{h}.{p}=.c2ln"),
        format!("{}.{p}.c2ln", b64(b"not json")),
        format!("{}.{p}.c2ln", b64(b"[1,2]")),
        format!("{h}.{}.c2ln", b64(b"\"a string\"")),
        format!("{}.{p}.c2ln", b64(br#"{"alg":"RS256","alg":"RS256"}"#)),
        long,
    ] {
        let e = oidc::parse(&t).unwrap_err();
        assert_eq!(e.code(), INVALID, "{t:.80}");
    }
    assert!(oidc::parse("")
        .unwrap_err()
        .message()
        .contains("can not empty"));
    assert!(oidc::parse(&format!("{h}.{p}"))
        .unwrap_err()
        .message()
        .contains("3 parts"));
}

// ------------------------------------------------------ checklist 2: alg

#[test]
fn alg_none_hmac_and_unknown_algorithms_are_invalid() {
    let k = keys();
    let c = claims("https://127.0.0.1:1");
    for alg in [
        "none", "None", "NONE", "", "HS256", "HS384", "HS512", "ES512", "EdDSA", "RS1", "PS384",
        "PS512",
    ] {
        let t = raw_token(&json!({"alg": alg, "kid": "rsa1"}), &c, b"sig");
        let e = oidc::parse(&t).unwrap_err();
        assert_eq!(e.code(), INVALID, "{alg}");
    }
    // alg none with an empty signature.
    let t = format!(
        "{}.{}.",
        b64(br#"{"alg":"none"}"#),
        b64(c.to_string().as_bytes())
    );
    assert_eq!(oidc::parse(&t).unwrap_err().code(), INVALID);
    assert!(oidc::parse(&raw_token(&json!({"alg": "HS256"}), &c, b"s"))
        .unwrap_err()
        .message()
        .contains("HS256"));
    // HS256 keyed with the issuer's public key (PEM, and the JWK's bytes): refused
    // before any key is looked at.
    let iss = Issuer::self_signed_pinned(&standard_jwks(&k));
    let pubjwk = jwk(&k.rsa, Algorithm::RS256, "rsa1").to_string();
    for secret in [fixture("issuer-rsa"), pubjwk.into_bytes()] {
        let t = sign(
            Algorithm::HS256,
            &EncodingKey::from_secret(&secret).unwrap(),
            Some("rsa1"),
            &claims(&iss.url),
        );
        assert_eq!(code(check(&verifier(), &iss.provider, &t)), INVALID);
    }
    assert_eq!(iss.server.total_hits(), 0);
}

#[test]
fn a_header_alg_that_does_not_fit_the_key_is_refused() {
    // ES256 header with the RSA key's kid: the key's family does not fit.
    let k = keys();
    let iss = Issuer::self_signed_pinned(&standard_jwks(&k));
    let t = iss.token(Algorithm::ES256, &k.ec256, Some("rsa1"));
    assert_eq!(code(check(&verifier(), &iss.provider, &t)), BAD_SIG);
}

// ----------------------------------------------- checklist 3: header keys

#[test]
fn header_jku_x5u_jwk_x5c_are_never_used() {
    let k = keys();
    let iss = Issuer::self_signed_pinned(&standard_jwks(&k));
    iss.server
        .set("/evil", Route::json(standard_jwks(&k).to_string()));
    let v = verifier();
    let evil = format!("{}/evil", iss.url);
    // Signed with the real key and carrying jku/x5u: accepted, nothing fetched from them.
    let mut h = Header::new(Algorithm::RS256);
    h.kid = Some("rsa1".into());
    h.jku = Some(evil.clone());
    h.x5u = Some(evil.clone());
    let t = jsonwebtoken::encode(&h, &claims(&iss.url), &k.rsa).unwrap();
    assert_eq!(code(check(&v, &iss.provider, &t)), "ok");
    // Signed with an attacker key that the header embeds as jwk, and as x5c: refused.
    let mut h = Header::new(Algorithm::RS256);
    h.kid = Some("rsa1".into());
    h.jwk = Some(jsonwebtoken::jwk::Jwk::from_encoding_key(&k.foreign, Algorithm::RS256).unwrap());
    h.jku = Some(evil.clone());
    let t = jsonwebtoken::encode(&h, &claims(&iss.url), &k.foreign).unwrap();
    assert_eq!(code(check(&v, &iss.provider, &t)), BAD_SIG);
    let mut h = Header::new(Algorithm::RS256);
    h.kid = Some("rsa1".into());
    h.x5c = Some(vec![
        base64::engine::general_purpose::STANDARD.encode(b"attacker certificate")
    ]);
    let t = jsonwebtoken::encode(&h, &claims(&iss.url), &k.foreign).unwrap();
    assert_eq!(code(check(&v, &iss.provider, &t)), BAD_SIG);
    assert_eq!(
        iss.server.hits("/evil"),
        0,
        "no request reached the jku/x5u URL"
    );
}

#[test]
fn critical_header_parameters_are_refused() {
    let c = claims("https://127.0.0.1:1");
    for h in [
        json!({"alg": "RS256", "crit": ["exp"], "exp": 1}),
        json!({"alg": "RS256", "crit": ["b64"], "b64": false}),
        json!({"alg": "RS256", "crit": []}),
        json!({"alg": "RS256", "b64": false}),
    ] {
        assert_eq!(
            oidc::parse(&raw_token(&h, &c, b"s")).unwrap_err().code(),
            INVALID
        );
    }
}

// --------------------------------------------------------- checklist 4: kid

#[test]
fn hostile_kids_are_not_found_and_refetch_is_rate_limited() {
    let k = keys();
    let iss = Issuer::self_signed_pinned(&standard_jwks(&k));
    let v = verifier();
    assert_eq!(
        code(check(
            &v,
            &iss.provider,
            &iss.token(Algorithm::RS256, &k.rsa, Some("rsa1"))
        )),
        "ok"
    );
    assert_eq!(v.fetch_count(), 2);
    let long = "k".repeat(10_000);
    for kid in [
        "../../../../dev/null",
        "' OR '1'='1",
        "rsa1\u{0}",
        "RSA1",
        long.as_str(),
        "",
    ] {
        let t = iss.token(Algorithm::RS256, &k.rsa, Some(kid));
        assert_eq!(code(check(&v, &iss.provider, &t)), BAD_SIG, "{kid:.20}");
    }
    // The initial fetch is the last attempt: within the interval no refetch at all.
    assert_eq!(v.fetch_count(), 2);
}

#[test]
fn unknown_kid_refetches_once_per_interval_and_finds_rotated_keys() {
    let k = keys();
    let iss = Issuer::self_signed_pinned(&json!({"keys": [jwk(&k.rsa, Algorithm::RS256, "rsa1")]}));
    let opts = FetchOptions {
        refetch_interval: Duration::from_millis(300),
        ..FetchOptions::default()
    };
    let v = Verifier::new(opts);
    assert_eq!(
        code(check(
            &v,
            &iss.provider,
            &iss.token(Algorithm::RS256, &k.rsa, Some("rsa1"))
        )),
        "ok"
    );
    assert_eq!(v.fetch_count(), 2);
    // The issuer rotates in a new key.
    iss.server
        .set("/jwks", Route::json(standard_jwks(&k).to_string()));
    let new = iss.token(Algorithm::ES256, &k.ec256, Some("ec1"));
    // Within the interval: no refetch, the kid is unknown.
    assert_eq!(code(check(&v, &iss.provider, &new)), BAD_SIG);
    assert_eq!(v.fetch_count(), 2);
    std::thread::sleep(Duration::from_millis(350));
    // After it: one refetch finds the rotated key.
    assert_eq!(code(check(&v, &iss.provider, &new)), "ok");
    assert_eq!(v.fetch_count(), 4);
    // Random kids right after: answered from the cache, no more fetches.
    for i in 0..20 {
        let t = iss.token(Algorithm::RS256, &k.rsa, Some(&format!("random-{i}")));
        assert_eq!(code(check(&v, &iss.provider, &t)), BAD_SIG);
    }
    assert_eq!(v.fetch_count(), 4);
    std::thread::sleep(Duration::from_millis(350));
    for i in 0..20 {
        let t = iss.token(Algorithm::RS256, &k.rsa, Some(&format!("again-{i}")));
        assert_eq!(code(check(&v, &iss.provider, &t)), BAD_SIG);
    }
    assert_eq!(
        v.fetch_count(),
        6,
        "one refetch per interval however many unknown kids"
    );
}

#[test]
fn no_kid_is_allowed_only_with_exactly_one_key() {
    let k = keys();
    let one = Issuer::self_signed_pinned(&json!({"keys": [jwk(&k.rsa, Algorithm::RS256, "rsa1")]}));
    assert_eq!(
        code(check(
            &verifier(),
            &one.provider,
            &one.token(Algorithm::RS256, &k.rsa, None)
        )),
        "ok"
    );
    let many = Issuer::self_signed_pinned(&standard_jwks(&k));
    assert_eq!(
        code(check(
            &verifier(),
            &many.provider,
            &many.token(Algorithm::RS256, &k.rsa, None)
        )),
        BAD_SIG
    );
}

#[test]
fn a_foreign_key_under_the_issuers_kid_is_refused() {
    let k = keys();
    let iss = Issuer::self_signed_pinned(&standard_jwks(&k));
    let t = iss.token(Algorithm::RS256, &k.foreign, Some("rsa1"));
    assert_eq!(code(check(&verifier(), &iss.provider, &t)), BAD_SIG);
    // A payload edited after signing.
    let good = iss.token(Algorithm::RS256, &k.rsa, Some("rsa1"));
    let parts: Vec<&str> = good.split('.').collect();
    let mut c = claims(&iss.url);
    c["sub"] = json!("system:serviceaccount:kube-system:admin");
    let edited = format!(
        "{}.{}.{}",
        parts[0],
        b64(c.to_string().as_bytes()),
        parts[2]
    );
    assert_eq!(code(check(&verifier(), &iss.provider, &edited)), BAD_SIG);
}

// -------------------------------------------------------- checklist 5: JWKS

#[test]
fn jwks_drops_oct_enc_weak_and_mismatched_keys() {
    let k = keys();
    // A 1024-bit RSA key (the fixture, written as a JWK by make.sh).
    let weak_jwk: Value = serde_json::from_slice(
        &std::fs::read(format!(
            "{}/tests/fixtures/keys/weak-rsa1024.jwk.json",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap(),
    )
    .unwrap();
    let mut enc = jwk(&k.rsa, Algorithm::RS256, "enc");
    enc["use"] = json!("enc");
    let mut wrong_alg = jwk(&k.ec256, Algorithm::ES256, "ec-as-es384");
    wrong_alg["alg"] = json!("ES384");
    let mut wrong_crv = jwk(&k.ec384, Algorithm::ES384, "p384-as-p256");
    wrong_crv["crv"] = json!("P-256");
    let mut no_verify = jwk(&k.rsa, Algorithm::RS256, "no-verify");
    no_verify["key_ops"] = json!(["encrypt"]);
    let mut hs_alg = jwk(&k.rsa, Algorithm::RS256, "hs-alg");
    hs_alg["alg"] = json!("HS256");
    let oct = json!({"kty": "oct", "kid": "hmac", "k": b64(b"secret-secret-secret-secret-1234"), "alg": "HS256"});
    let okp = json!({"kty": "OKP", "kid": "ed", "crv": "Ed25519", "x": b64(&[7u8; 32])});
    let jwks = json!({"keys": [
        jwk(&k.rsa, Algorithm::RS256, "rsa1"), weak_jwk, enc, wrong_alg, wrong_crv, no_verify, hs_alg, oct, okp,
    ]});
    let iss = Issuer::self_signed_pinned(&jwks);
    let v = verifier();
    assert_eq!(
        code(check(
            &v,
            &iss.provider,
            &iss.token(Algorithm::RS256, &k.rsa, Some("rsa1"))
        )),
        "ok"
    );
    let cases: Vec<(Algorithm, &EncodingKey, &str)> = vec![
        (Algorithm::RS256, &k.rsa, "enc"),
        (Algorithm::ES256, &k.ec256, "ec-as-es384"),
        (Algorithm::ES384, &k.ec384, "ec-as-es384"),
        (Algorithm::ES384, &k.ec384, "p384-as-p256"),
        (Algorithm::ES256, &k.ec256, "p384-as-p256"),
        (Algorithm::RS256, &k.rsa, "no-verify"),
        (Algorithm::RS256, &k.rsa, "hs-alg"),
        (Algorithm::RS256, &k.rsa, "weak"),
    ];
    for (alg, key, kid) in cases {
        let t = iss.token(alg, key, Some(kid));
        assert_eq!(code(check(&v, &iss.provider, &t)), BAD_SIG, "{kid}");
    }
    // The oct key can never verify an HS256 token: HS* is refused at parse time.
    let t = sign(
        Algorithm::HS256,
        &EncodingKey::from_secret(b"secret-secret-secret-secret-1234").unwrap(),
        Some("hmac"),
        &claims(&iss.url),
    );
    assert_eq!(code(check(&v, &iss.provider, &t)), INVALID);
}

#[test]
fn oversized_jwks_are_refused() {
    let k = keys();
    let base = jwk(&k.rsa, Algorithm::RS256, "rsa1");
    let many: Vec<Value> = (0..33)
        .map(|i| {
            let mut j = base.clone();
            j["kid"] = json!(format!("k{i}"));
            j
        })
        .collect();
    let iss = Issuer::self_signed_pinned(&json!({ "keys": many }));
    let t = iss.token(Algorithm::RS256, &k.rsa, Some("k0"));
    assert_eq!(code(check(&verifier(), &iss.provider, &t)), BROKEN);
    // Over 64 KiB.
    let mut big = standard_jwks(&k);
    big["padding"] = json!("x".repeat(70_000));
    let iss = Issuer::self_signed_pinned(&big);
    let t = iss.token(Algorithm::RS256, &k.rsa, Some("rsa1"));
    assert_eq!(code(check(&verifier(), &iss.provider, &t)), BROKEN);
    // Over 64 KiB without a Content-Length saying so (a lying header).
    iss.server.set(
        "/jwks",
        Route::json(big.to_string()).header("Content-Length", "100"),
    );
    assert_eq!(code(check(&verifier(), &iss.provider, &t)), BROKEN);
    // Not JSON, and no usable key at all.
    iss.server.set("/jwks", Route::json("<html>"));
    assert_eq!(code(check(&verifier(), &iss.provider, &t)), BROKEN);
    iss.server.set(
        "/jwks",
        Route::json(json!({"keys": [{"kty": "oct", "k": "c2VjcmV0"}]}).to_string()),
    );
    assert_eq!(code(check(&verifier(), &iss.provider, &t)), BROKEN);
}

// ------------------------------------------------------- checklist 6: ECDSA

#[test]
fn malformed_ecdsa_signatures_are_invalid_signatures() {
    let k = keys();
    let iss = Issuer::self_signed_pinned(&standard_jwks(&k));
    let v = verifier();
    let good = iss.token(Algorithm::ES256, &k.ec256, Some("ec1"));
    assert_eq!(code(check(&v, &iss.provider, &good)), "ok");
    let (msg, sig) = good.rsplit_once('.').unwrap();
    let sig = URL_SAFE_NO_PAD.decode(sig).unwrap();
    assert_eq!(sig.len(), 64);
    let n: Vec<u8> = (0..32)
        .map(|i| {
            u8::from_str_radix(
                &"FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551"
                    [2 * i..2 * i + 2],
                16,
            )
            .unwrap()
        })
        .collect();
    let mut r_is_n = n.clone();
    r_is_n.extend_from_slice(&sig[32..]);
    let mut s_zero = sig[..32].to_vec();
    s_zero.extend_from_slice(&[0u8; 32]);
    let der = {
        fn int(x: &[u8]) -> Vec<u8> {
            let mut x = x.to_vec();
            if x[0] & 0x80 != 0 {
                x.insert(0, 0);
            }
            let mut out = vec![0x02, x.len() as u8];
            out.extend(x);
            out
        }
        let mut body = int(&sig[..32]);
        body.extend(int(&sig[32..]));
        let mut out = vec![0x30, body.len() as u8];
        out.extend(body);
        out
    };
    for bad in [
        vec![0u8; 64],
        r_is_n,
        s_zero,
        der,
        sig[..63].to_vec(),
        [sig.clone(), vec![0]].concat(),
    ] {
        let t = format!("{msg}.{}", b64(&bad));
        assert_eq!(code(check(&v, &iss.provider, &t)), BAD_SIG);
    }
}

// -------------------------------------------------------- checklist 7: iss

#[test]
fn issuer_must_match_byte_for_byte_before_any_fetch() {
    let k = keys();
    let iss = Issuer::self_signed_pinned(&standard_jwks(&k));
    let v = verifier();
    let port = iss.server.port;
    for other in [
        format!("{}/", iss.url),
        format!("HTTPS://127.0.0.1:{port}"),
        format!("https://127.0.0.1:{port}/x"),
        format!("https://localhost:{port}"),
        "https://127.0.0.1:443".to_string(),
        "https://attacker.example".to_string(),
    ] {
        let t = sign(Algorithm::RS256, &k.rsa, Some("rsa1"), &claims(&other));
        assert_eq!(
            code(check(&v, &iss.provider, &t)),
            ISSUER_NOT_MATCH,
            "{other}"
        );
    }
    // The default port written out differs from the same URL without it.
    let mut p = iss.provider.clone();
    p.issuer_url = "https://issuer.example".into();
    let t = sign(
        Algorithm::RS256,
        &k.rsa,
        Some("rsa1"),
        &claims("https://issuer.example:443"),
    );
    assert_eq!(code(check(&v, &p, &t)), ISSUER_NOT_MATCH);
    // No iss at all.
    let mut c = claims(&iss.url);
    c.as_object_mut().unwrap().remove("iss");
    let t = sign(Algorithm::RS256, &k.rsa, Some("rsa1"), &c);
    assert_eq!(code(check(&v, &iss.provider, &t)), ISSUER_NOT_MATCH);
    assert_eq!(v.fetch_count(), 0);
    assert_eq!(iss.server.connection_count(), 0);
}

// -------------------------------------------------------- checklist 8: aud

#[test]
fn audience_string_or_array_any_of() {
    let k = keys();
    let iss = Issuer::self_signed_pinned(&standard_jwks(&k));
    let v = verifier();
    let with_aud = |aud: Option<Value>| {
        let mut c = claims(&iss.url);
        match aud {
            Some(a) => c["aud"] = a,
            None => {
                c.as_object_mut().unwrap().remove("aud");
            }
        }
        code(check(
            &v,
            &iss.provider,
            &sign(Algorithm::RS256, &k.rsa, Some("rsa1"), &c),
        ))
    };
    assert_eq!(with_aud(Some(json!(AUD))), "ok");
    assert_eq!(with_aud(Some(json!(["x", "other-client"]))), "ok");
    assert_eq!(with_aud(Some(json!("wrong"))), AUD_NOT_MATCH);
    assert_eq!(with_aud(Some(json!(["x", "y"]))), AUD_NOT_MATCH);
    assert_eq!(with_aud(Some(json!([]))), AUD_NOT_MATCH);
    assert_eq!(with_aud(Some(json!("STS.ALIYUNCS.COM"))), AUD_NOT_MATCH);
    assert_eq!(with_aud(None), AUD_NOT_MATCH);
    assert_eq!(with_aud(Some(json!(5))), INVALID);
    assert_eq!(with_aud(Some(json!({"a": AUD}))), INVALID);
    assert_eq!(with_aud(Some(json!([AUD, 5]))), INVALID);
    let ok = check(&v, &iss.provider, &{
        let mut c = claims(&iss.url);
        c["aud"] = json!(["x", AUD]);
        sign(Algorithm::RS256, &k.rsa, Some("rsa1"), &c)
    })
    .unwrap();
    assert_eq!(ok.audiences, vec!["x".to_string(), AUD.to_string()]);
}

// ------------------------------------------------- checklist 9: exp nbf iat

#[test]
fn time_claims_are_numeric_with_sixty_seconds_leeway() {
    let k = keys();
    let iss = Issuer::self_signed_pinned(&standard_jwks(&k));
    let v = verifier();
    let with = |f: &dyn Fn(&mut Value)| {
        let mut c = claims(&iss.url);
        f(&mut c);
        code(check(
            &v,
            &iss.provider,
            &sign(Algorithm::RS256, &k.rsa, Some("rsa1"), &c),
        ))
    };
    // exp
    assert_eq!(with(&|c| c["exp"] = json!(NOW - 60)), "ok");
    assert_eq!(with(&|c| c["exp"] = json!(NOW - 61)), EXPIRED);
    assert_eq!(with(&|c| c["exp"] = json!(NOW - 3600)), EXPIRED);
    assert_eq!(with(&|c| c["exp"] = json!((NOW + 600) as f64 + 0.5)), "ok");
    assert_eq!(
        with(&|c| c["exp"] = json!(format!("{}", NOW + 600))),
        INVALID
    );
    assert_eq!(with(&|c| c["exp"] = json!(1e30)), INVALID);
    assert_eq!(with(&|c| c["exp"] = json!(-1)), INVALID);
    assert_eq!(with(&|c| c["exp"] = json!(true)), INVALID);
    assert_eq!(
        with(&|c| {
            c.as_object_mut().unwrap().remove("exp");
        }),
        INVALID
    );
    // nbf
    assert_eq!(with(&|c| c["nbf"] = json!(NOW + 60)), "ok");
    assert_eq!(with(&|c| c["nbf"] = json!(NOW + 61)), INVALID);
    assert_eq!(with(&|c| c["nbf"] = json!("99999999999")), INVALID);
    // iat: required, not in the future, not older than IssuanceLimitTime (12 h here)
    assert_eq!(
        with(&|c| {
            c.as_object_mut().unwrap().remove("iat");
        }),
        INVALID
    );
    assert_eq!(with(&|c| c["iat"] = json!(NOW + 60)), "ok");
    assert_eq!(with(&|c| c["iat"] = json!(NOW + 61)), INVALID);
    assert_eq!(with(&|c| c["iat"] = json!(NOW - 12 * 3600 - 60)), "ok");
    assert_eq!(with(&|c| c["iat"] = json!(NOW - 12 * 3600 - 61)), INVALID);
    assert_eq!(with(&|c| c["iat"] = json!("1")), INVALID);
    // sub: required, a string, capped.
    assert_eq!(
        with(&|c| {
            c.as_object_mut().unwrap().remove("sub");
        }),
        INVALID
    );
    assert_eq!(with(&|c| c["sub"] = json!(7)), INVALID);
    assert_eq!(with(&|c| c["sub"] = json!("s".repeat(1025))), INVALID);
    // A duplicated claim is a decoding error, not "last one wins".
    let raw = {
        let good = iss.token(Algorithm::RS256, &k.rsa, Some("rsa1"));
        let h = good.split('.').next().unwrap().to_string();
        let payload = format!(
            r#"{{"iss":"{}","sub":"s","aud":"{AUD}","iat":{},"exp":{},"exp":{}}}"#,
            iss.url,
            NOW,
            NOW - 9999,
            NOW + 600
        );
        format!("{h}.{}.c2ln", b64(payload.as_bytes()))
    };
    assert_eq!(oidc::parse(&raw).unwrap_err().code(), INVALID);
}

// ------------------------------------------------- checklist 10: discovery

#[test]
fn discovery_problems_are_issuer_configuration_broken() {
    let k = keys();
    let iss = Issuer::self_signed_pinned(&standard_jwks(&k));
    let t = iss.token(Algorithm::RS256, &k.rsa, Some("rsa1"));
    let disco = "/.well-known/openid-configuration";
    let port = iss.server.port;
    let cases: Vec<(&str, Route)> = vec![
        ("issuer differs", Route::json(json!({"issuer": format!("{}/", iss.url), "jwks_uri": format!("{}/jwks", iss.url)}).to_string())),
        ("jwks_uri http", Route::json(json!({"issuer": iss.url, "jwks_uri": format!("http://127.0.0.1:{port}/jwks")}).to_string())),
        ("jwks_uri other host", Route::json(json!({"issuer": iss.url, "jwks_uri": "https://keys.attacker.example/jwks"}).to_string())),
        ("jwks_uri other port", Route::json(json!({"issuer": iss.url, "jwks_uri": format!("https://127.0.0.1:{}/jwks", port + 1)}).to_string())),
        ("jwks_uri metadata", Route::json(json!({"issuer": iss.url, "jwks_uri": "https://100.100.100.200/latest/meta-data/"}).to_string())),
        ("jwks_uri metadata v4", Route::json(json!({"issuer": iss.url, "jwks_uri": "https://169.254.169.254/latest/meta-data/"}).to_string())),
        ("no jwks_uri", Route::json(json!({"issuer": iss.url}).to_string())),
        ("redirect", Route::json("").status(302).header("Location", "https://attacker.example/.well-known/openid-configuration")),
        ("redirect same host", Route::json("").status(301).header("Location", "/other")),
        ("500", Route::json("{}").status(500)),
        ("gzip", Route::json(json!({"issuer": iss.url, "jwks_uri": format!("{}/jwks", iss.url)}).to_string()).header("Content-Encoding", "gzip")),
        ("too large", Route::json(format!("{{\"issuer\":\"{}\",\"x\":\"{}\"}}", iss.url, "x".repeat(70_000)))),
        ("not an object", Route::json("[]")),
    ];
    for (name, route) in cases {
        iss.server.set(disco, route);
        let v = verifier();
        assert_eq!(code(check(&v, &iss.provider, &t)), BROKEN, "{name}");
        assert_eq!(
            v.fetch_count(),
            1,
            "{name}: only the discovery document was fetched"
        );
    }
    assert_eq!(iss.server.hits("/other"), 0);
    // Too slow (the deadline is 5 s by default; 1 s here).
    iss.server.set(
        disco,
        Route::json(
            json!({"issuer": iss.url, "jwks_uri": format!("{}/jwks", iss.url)}).to_string(),
        )
        .delay(Duration::from_millis(1500)),
    );
    let opts = FetchOptions {
        total_timeout: Duration::from_secs(1),
        ..FetchOptions::default()
    };
    let v = Verifier::new(opts);
    let started = std::time::Instant::now();
    assert_eq!(code(check(&v, &iss.provider, &t)), BROKEN);
    assert!(started.elapsed() < Duration::from_millis(2900));
    // A failed fetch is remembered for the refetch interval: no second fetch.
    assert_eq!(code(check(&v, &iss.provider, &t)), BROKEN);
    assert_eq!(v.fetch_count(), 1);
}

#[test]
fn issuer_urls_that_are_not_plain_https_are_refused_without_a_connection() {
    let k = keys();
    let iss = Issuer::self_signed_pinned(&standard_jwks(&k));
    let port = iss.server.port;
    for url in [
        format!("http://127.0.0.1:{port}"),
        format!("https://127.1:{port}"),
        format!("https://0x7f000001:{port}"),
        format!("https://2130706433:{port}"),
        format!("https://0177.0.0.1:{port}"),
        format!("https://user@127.0.0.1:{port}"),
        format!("https://127.0.0.1:{port}?q=1"),
        format!("https://127.0.0.1:{port}#f"),
        "https://100.100.100.200".to_string(),
        "https://169.254.169.254".to_string(),
        "https://[fd00:ec2::254]".to_string(),
        "https://[::ffff:a9fe:a9fe]".to_string(),
        "https://0.0.0.0".to_string(),
    ] {
        let mut p = iss.provider.clone();
        p.issuer_url = url.clone();
        let t = sign(Algorithm::RS256, &k.rsa, Some("rsa1"), &claims(&url));
        assert_eq!(code(check(&verifier(), &p, &t)), BROKEN, "{url}");
    }
    assert_eq!(iss.server.connection_count(), 0);
}

// ------------------------------------------------------ checklist 11: SSRF

#[test]
fn names_resolving_to_forbidden_addresses_are_never_connected() {
    let k = keys();
    let cert = self_signed(&["issuer.test"], &[]);
    let iss = Issuer::start(
        vec![cert.der.clone()],
        &cert,
        "issuer.test",
        vec![cert.sha1_hex()],
        &standard_jwks(&k),
    );
    for ip in [
        "100.100.100.200",
        "169.254.169.254",
        "fd00:ec2::254",
        "::ffff:a9fe:a9fe",
        "::ffff:100.100.100.200",
        "64:ff9b::a9fe:a9fe",
        "127.0.0.1",
        "::1",
        "10.0.0.1",
        "192.168.1.1",
        "100.64.0.1",
        "0.0.0.0",
    ] {
        let (opts, hooks) = hooked(iss.server.port, vec![vec![ip.parse().unwrap()]]);
        let v = Verifier::new(opts);
        let t = iss.token(Algorithm::RS256, &k.rsa, Some("rsa1"));
        assert_eq!(code(check(&v, &iss.provider, &t)), BROKEN, "{ip}");
        assert!(
            hooks.connects.lock().unwrap().is_empty(),
            "{ip}: no connect"
        );
        assert_eq!(hooks.resolves.load(Ordering::SeqCst), 1);
    }
    assert_eq!(iss.server.connection_count(), 0);
    // A mix: only the public address is used.
    let (opts, hooks) = hooked(
        iss.server.port,
        vec![vec!["169.254.169.254".parse().unwrap(), public_ip()]],
    );
    let v = Verifier::new(opts);
    assert_eq!(
        code(check(
            &v,
            &iss.provider,
            &iss.token(Algorithm::RS256, &k.rsa, Some("rsa1"))
        )),
        "ok"
    );
    assert!(hooks
        .connects
        .lock()
        .unwrap()
        .iter()
        .all(|a| a.ip() == public_ip()));
}

#[test]
fn localhost_issuers_reach_loopback_only() {
    let k = keys();
    let cert = self_signed(&["localhost"], &[]);
    let iss = Issuer::start(
        vec![cert.der.clone()],
        &cert,
        "localhost",
        vec![cert.sha1_hex()],
        &standard_jwks(&k),
    );
    let t = iss.token(Algorithm::RS256, &k.rsa, Some("rsa1"));
    assert_eq!(code(check(&verifier(), &iss.provider, &t)), "ok");
    // "localhost" answering with a non-loopback address is refused.
    let (opts, hooks) = hooked(iss.server.port, vec![vec!["10.1.1.1".parse().unwrap()]]);
    assert_eq!(code(check(&Verifier::new(opts), &iss.provider, &t)), BROKEN);
    assert!(hooks.connects.lock().unwrap().is_empty());
}

// ---------------------------------------------- checklist 12: DNS rebinding

#[test]
fn dns_rebinding_connects_only_to_vetted_addresses() {
    let k = keys();
    let cert = self_signed(&["issuer.test"], &[]);
    let iss = Issuer::start(
        vec![cert.der.clone()],
        &cert,
        "issuer.test",
        vec![cert.sha1_hex()],
        &standard_jwks(&k),
    );
    // First resolution public, the second (for the JWKS) private.
    let (opts, hooks) = hooked(
        iss.server.port,
        vec![vec![public_ip()], vec!["10.0.0.7".parse().unwrap()]],
    );
    let v = Verifier::new(opts);
    let t = iss.token(Algorithm::RS256, &k.rsa, Some("rsa1"));
    assert_eq!(code(check(&v, &iss.provider, &t)), BROKEN);
    assert_eq!(
        hooks.resolves.load(Ordering::SeqCst),
        2,
        "one resolution per document"
    );
    let connects = hooks.connects.lock().unwrap().clone();
    assert_eq!(connects.len(), 1);
    assert_eq!(connects[0].ip(), public_ip());
    assert_eq!(iss.server.hits("/jwks"), 0);
}

// --------------------------------------------------- checklist 13: TLS pins

fn pinned_case(
    chain: Vec<rustls::pki_types::CertificateDer<'static>>,
    key: &Issued,
    host: &str,
    pins: Vec<String>,
    extra_roots: Vec<Vec<u8>>,
) -> &'static str {
    let k = keys();
    let iss = Issuer::start(chain, key, host, pins, &standard_jwks(&k));
    let (mut opts, _hooks) = hooked(iss.server.port, vec![vec![public_ip()]]);
    opts.extra_roots = extra_roots;
    let v = Verifier::new(opts);
    code(check(
        &v,
        &iss.provider,
        &iss.token(Algorithm::RS256, &k.rsa, Some("rsa1")),
    ))
}

#[test]
fn a_pin_on_the_leaf_accepts_that_leaf() {
    let cert = self_signed(&["issuer.test"], &[]);
    assert_eq!(
        pinned_case(
            vec![cert.der.clone()],
            &cert,
            "issuer.test",
            vec![cert.sha1_hex()],
            vec![]
        ),
        "ok"
    );
    // Upper case with colons.
    let pin = cert
        .sha1_hex()
        .to_uppercase()
        .as_bytes()
        .chunks(2)
        .map(|c| String::from_utf8(c.to_vec()).unwrap())
        .collect::<Vec<_>>()
        .join(":");
    assert_eq!(
        pinned_case(
            vec![cert.der.clone()],
            &cert,
            "issuer.test",
            vec!["0".repeat(40), pin],
            vec![]
        ),
        "ok"
    );
    // A CA-issued leaf pinned itself, chain not needed.
    let ca = ca("Leaf pin CA");
    let l = leaf(&ca, &["issuer.test"], &[]);
    assert_eq!(
        pinned_case(
            vec![l.der.clone()],
            &l,
            "issuer.test",
            vec![l.sha1_hex()],
            vec![]
        ),
        "ok"
    );
}

#[test]
fn a_pin_on_the_ca_makes_it_the_only_anchor() {
    let ca = ca("Pinned CA");
    let l = leaf(&ca, &["issuer.test"], &[]);
    assert_eq!(
        pinned_case(
            vec![l.der.clone(), ca.der.clone()],
            &l,
            "issuer.test",
            vec![ca.sha1_hex()],
            vec![]
        ),
        "ok"
    );
}

#[test]
fn another_chain_with_the_pinned_ca_appended_is_refused() {
    let pinned = ca("Pinned CA");
    let attacker_ca = ca("Attacker CA");
    let evil = leaf(&attacker_ca, &["issuer.test"], &[]);
    let chain = vec![
        evil.der.clone(),
        attacker_ca.der.clone(),
        pinned.der.clone(),
    ];
    assert_eq!(
        pinned_case(chain, &evil, "issuer.test", vec![pinned.sha1_hex()], vec![]),
        HTTPS_INVALID
    );
    let self_signed_evil = self_signed(&["issuer.test"], &[]);
    let chain = vec![self_signed_evil.der.clone(), pinned.der.clone()];
    assert_eq!(
        pinned_case(
            chain,
            &self_signed_evil,
            "issuer.test",
            vec![pinned.sha1_hex()],
            vec![]
        ),
        HTTPS_INVALID
    );
}

#[test]
fn the_right_ca_but_a_wrong_host_name_is_refused() {
    let ca = ca("Pinned CA");
    let other = leaf(&ca, &["other.test"], &[]);
    assert_eq!(
        pinned_case(
            vec![other.der.clone(), ca.der.clone()],
            &other,
            "issuer.test",
            vec![ca.sha1_hex()],
            vec![]
        ),
        HTTPS_INVALID
    );
    // A pinned leaf for another name is refused too: the name is always checked.
    let ss = self_signed(&["other.test"], &[]);
    assert_eq!(
        pinned_case(
            vec![ss.der.clone()],
            &ss,
            "issuer.test",
            vec![ss.sha1_hex()],
            vec![]
        ),
        HTTPS_INVALID
    );
    // An IP-literal issuer needs an IP SAN.
    let k = keys();
    let dns_only = self_signed(&["issuer.test"], &[]);
    let iss = Issuer::start(
        vec![dns_only.der.clone()],
        &dns_only,
        "127.0.0.1",
        vec![dns_only.sha1_hex()],
        &standard_jwks(&k),
    );
    assert_eq!(
        code(check(
            &verifier(),
            &iss.provider,
            &iss.token(Algorithm::RS256, &k.rsa, Some("rsa1"))
        )),
        HTTPS_INVALID
    );
}

#[test]
fn a_certificate_matching_no_fingerprint_is_a_fingerprint_mismatch() {
    let ca = ca("Some CA");
    let l = leaf(&ca, &["issuer.test"], &[]);
    let other = self_signed(&["x.test"], &[]);
    assert_eq!(
        pinned_case(
            vec![l.der.clone(), ca.der.clone()],
            &l,
            "issuer.test",
            vec![other.sha1_hex()],
            vec![]
        ),
        PIN_MISMATCH
    );
    let ss = self_signed(&["issuer.test"], &[]);
    assert_eq!(
        pinned_case(
            vec![ss.der.clone()],
            &ss,
            "issuer.test",
            vec!["ab".repeat(20)],
            vec![]
        ),
        PIN_MISMATCH
    );
}

#[test]
fn expired_certificates_are_refused_even_when_pinned() {
    let ca = ca("CA");
    let old = expired_leaf(&ca, &["issuer.test"], &[]);
    assert_eq!(
        pinned_case(
            vec![old.der.clone()],
            &old,
            "issuer.test",
            vec![old.sha1_hex()],
            vec![]
        ),
        HTTPS_INVALID
    );
    assert_eq!(
        pinned_case(
            vec![old.der.clone(), ca.der.clone()],
            &old,
            "issuer.test",
            vec![ca.sha1_hex()],
            vec![]
        ),
        HTTPS_INVALID
    );
}

#[test]
fn without_fingerprints_the_web_pki_decides() {
    let ca = ca("Private root");
    let l = leaf(&ca, &["issuer.test"], &[]);
    // Not in the roots: chain validation fails.
    assert_eq!(
        pinned_case(
            vec![l.der.clone(), ca.der.clone()],
            &l,
            "issuer.test",
            vec![],
            vec![]
        ),
        HTTPS_INVALID
    );
    // A trusted root (test hook), right name: accepted; wrong name: refused.
    assert_eq!(
        pinned_case(
            vec![l.der.clone(), ca.der.clone()],
            &l,
            "issuer.test",
            vec![],
            vec![ca.der.to_vec()]
        ),
        "ok"
    );
    let wrong = leaf(&ca, &["other.test"], &[]);
    assert_eq!(
        pinned_case(
            vec![wrong.der.clone(), ca.der.clone()],
            &wrong,
            "issuer.test",
            vec![],
            vec![ca.der.to_vec()]
        ),
        HTTPS_INVALID
    );
    // A malformed fingerprint in the provider is a broken configuration, not "no pins".
    assert_eq!(
        pinned_case(
            vec![l.der.clone(), ca.der.clone()],
            &l,
            "issuer.test",
            vec!["zz".into()],
            vec![ca.der.to_vec()]
        ),
        BROKEN
    );
}

// ---------------------------------------------------- checklist 14: cache

#[test]
fn cache_honours_max_age_and_keeps_the_last_good_set() {
    let k = keys();
    let iss = Issuer::self_signed_pinned(&standard_jwks(&k));
    iss.server.set(
        "/jwks",
        Route::json(standard_jwks(&k).to_string()).header("Cache-Control", "public, max-age=1"),
    );
    let opts = FetchOptions {
        min_cache_ttl: Duration::from_millis(0),
        refetch_interval: Duration::from_millis(0),
        ..FetchOptions::default()
    };
    let v = Verifier::new(opts);
    let t = iss.token(Algorithm::RS256, &k.rsa, Some("rsa1"));
    assert_eq!(code(check(&v, &iss.provider, &t)), "ok");
    assert_eq!(code(check(&v, &iss.provider, &t)), "ok");
    assert_eq!(v.fetch_count(), 2);
    std::thread::sleep(Duration::from_millis(1100));
    assert_eq!(code(check(&v, &iss.provider, &t)), "ok");
    assert_eq!(v.fetch_count(), 4, "expired after max-age, refetched");
    // The issuer breaks: the last good keys are still used.
    iss.server.set("/jwks", Route::json("oops").status(500));
    std::thread::sleep(Duration::from_millis(1100));
    assert_eq!(code(check(&v, &iss.provider, &t)), "ok");
    assert_eq!(v.fetch_count(), 6);
}

#[test]
fn cache_lifetime_is_clamped_to_the_floor() {
    let k = keys();
    let iss = Issuer::self_signed_pinned(&standard_jwks(&k));
    iss.server.set(
        "/jwks",
        Route::json(standard_jwks(&k).to_string()).header("Cache-Control", "no-store"),
    );
    let v = verifier(); // floor 5 min
    let t = iss.token(Algorithm::RS256, &k.rsa, Some("rsa1"));
    for _ in 0..5 {
        assert_eq!(code(check(&v, &iss.provider, &t)), "ok");
    }
    assert_eq!(v.fetch_count(), 2);
}

#[test]
fn a_changed_or_forgotten_provider_refetches() {
    let k = keys();
    let iss = Issuer::self_signed_pinned(&standard_jwks(&k));
    let v = verifier();
    let t = iss.token(Algorithm::RS256, &k.rsa, Some("rsa1"));
    assert_eq!(code(check(&v, &iss.provider, &t)), "ok");
    assert_eq!(v.fetch_count(), 2);
    // Keys fetched under the old pins are not used under the new ones.
    let mut changed = iss.provider.clone();
    changed.fingerprints = vec!["ab".repeat(20)];
    assert_eq!(code(check(&v, &changed, &t)), PIN_MISMATCH);
    assert_eq!(v.fetch_count(), 3);
    assert_eq!(code(check(&v, &iss.provider, &t)), "ok");
    assert_eq!(v.fetch_count(), 5);
    v.forget(&iss.provider.arn);
    assert_eq!(code(check(&v, &iss.provider, &t)), "ok");
    assert_eq!(v.fetch_count(), 7);
}

#[test]
fn concurrent_callers_share_one_fetch() {
    let k = keys();
    let iss = Issuer::self_signed_pinned(&standard_jwks(&k));
    iss.server.set(
        "/jwks",
        Route::json(standard_jwks(&k).to_string()).delay(Duration::from_millis(300)),
    );
    let v = verifier();
    let t = iss.token(Algorithm::ES384, &k.ec384, Some("ec2"));
    let barrier = Arc::new(std::sync::Barrier::new(8));
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let (v, p, t, b) = (v.clone(), iss.provider.clone(), t.clone(), barrier.clone());
            std::thread::spawn(move || {
                b.wait();
                code(check(&v, &p, &t))
            })
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap(), "ok");
    }
    assert_eq!(v.fetch_count(), 2, "single flight");
    assert_eq!(iss.server.hits("/jwks"), 1);
}

#[test]
fn error_messages_are_short_and_echo_little() {
    let e = oidc::parse(&raw_token(
        &json!({"alg": "X".repeat(5000)}),
        &json!({}),
        b"s",
    ))
    .unwrap_err();
    assert_eq!(e.code(), INVALID);
    assert!(e.message().len() < 300, "{}", e.message());
    assert!(oidc::normalize_fingerprint(
        "AA:bb:CC:dd:EE:ff:00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd"
    )
    .is_some());
}

#[test]
fn check_jwks_reports_usable_keys() {
    let k = keys();
    assert_eq!(
        oidc::check_jwks(standard_jwks(&k).to_string().as_bytes()),
        Ok(4)
    );
    assert!(oidc::check_jwks(b"{}").is_err());
    assert!(oidc::check_jwks(b"not json").is_err());
    assert!(oidc::check_jwks(br#"{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}"#).is_err());
    let weak = std::fs::read(format!(
        "{}/tests/fixtures/keys/weak-rsa1024.jwk.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let doc = format!("{{\"keys\":[{}]}}", String::from_utf8(weak).unwrap());
    assert!(oidc::check_jwks(doc.as_bytes()).is_err());
}
