//! IMS identity providers (OIDC, SAML) and STS federation's refusals that
//! need no issuer: form, limits, errors, and the checks STS makes before it
//! fetches anything (an issuer is contacted only once the token names the
//! provider's `IssuerUrl`). End to end with a real issuer and signed SAML
//! responses: `tests/compat/python/test_federation.py`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails by panicking"
)]

mod common;

use base64::Engine;
use common::Server;
use rampart_gateway::RpcRequest;
use serde_json::Value;

const IMS: &str = "2019-08-15";
const FP: &str = "902ef2deeb3c5b13ea4c3d5193629309e2311234";

fn ims(s: &Server, action: &str, p: &[(&str, &str)]) -> (u16, Value) {
    s.call_v1(&s.root, IMS, action, p)
}

fn code(v: &Value) -> &str {
    v["Code"].as_str().unwrap_or("OK")
}

/// An unsigned STS request (the federated actions take no signature).
fn anonymous(s: &Server, action: &str, p: &[(&str, &str)]) -> (u16, Value) {
    let mut pairs: Vec<(&str, &str)> = vec![
        ("Action", action),
        ("Version", "2015-04-01"),
        ("Format", "JSON"),
    ];
    pairs.extend_from_slice(p);
    let query = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    s.send(RpcRequest {
        method: "GET".into(),
        path: "/".into(),
        query,
        source_ip: Some("127.0.0.1".into()),
        ..Default::default()
    })
}

#[test]
fn oidc_providers_are_managed_with_imss_rules() {
    let s = Server::new();
    let (st, v) = ims(
        &s,
        "CreateOIDCProvider",
        &[
            ("OIDCProviderName", "ack-rrsa-c1"),
            ("IssuerUrl", "https://oidc.example.com/c1"),
            ("ClientIds", "sts.aliyuncs.com,ci"),
            ("Fingerprints", &FP.to_uppercase()),
            ("IssuanceLimitTime", "12"),
            ("Description", "cluster one"),
        ],
    );
    assert_eq!(st, 200, "{v}");
    let p = &v["OIDCProvider"];
    assert_eq!(
        p["Arn"],
        format!("acs:ram::{}:oidc-provider/ack-rrsa-c1", s.account_id)
    );
    assert_eq!(p["ClientIds"], "sts.aliyuncs.com,ci");
    assert_eq!(p["Fingerprints"], FP);
    assert_eq!(p["IssuanceLimitTime"], 12);
    // The same issuer or name again, bad forms, bad values.
    for (params, want) in [
        (
            vec![
                ("OIDCProviderName", "other"),
                ("IssuerUrl", "https://oidc.example.com/c1"),
            ],
            "EntityAlreadyExists.OIDCProvider",
        ),
        (
            vec![
                ("OIDCProviderName", "ack-rrsa-c1"),
                ("IssuerUrl", "https://x.example.com"),
            ],
            "EntityAlreadyExists.OIDCProvider",
        ),
        (
            vec![
                ("OIDCProviderName", "-bad"),
                ("IssuerUrl", "https://y.example.com"),
            ],
            "InvalidParameter.OIDCProviderName",
        ),
        (
            vec![
                ("OIDCProviderName", "p2"),
                ("IssuerUrl", "http://y.example.com"),
            ],
            "InvalidParameter.IssuerUrl",
        ),
        (
            vec![
                ("OIDCProviderName", "p2"),
                ("IssuerUrl", "https://u@y.example.com"),
            ],
            "InvalidParameter.IssuerUrl",
        ),
        (
            vec![
                ("OIDCProviderName", "p2"),
                ("IssuerUrl", "https://y.example.com?a=b"),
            ],
            "InvalidParameter.IssuerUrl",
        ),
        (
            vec![
                ("OIDCProviderName", "p2"),
                ("IssuerUrl", "https://y.example.com"),
                ("IssuanceLimitTime", "169"),
            ],
            "InvalidParameter.IssuanceLimitTime",
        ),
        (
            vec![
                ("OIDCProviderName", "p2"),
                ("IssuerUrl", "https://y.example.com"),
                ("Fingerprints", "abc"),
            ],
            "InvalidParameter.Fingerprint",
        ),
        (
            vec![
                ("OIDCProviderName", "p2"),
                ("IssuerUrl", "https://y.example.com"),
                ("ClientIds", ":x"),
            ],
            "InvalidParameter.ClientId",
        ),
    ] {
        let (st, v) = ims(&s, "CreateOIDCProvider", &params);
        assert_eq!(code(&v), want, "{params:?} → {st} {v}");
    }
    // Client ids and fingerprints one by one, with their limits.
    let name = [("OIDCProviderName", "ack-rrsa-c1")];
    let with = |k: &'static str, v: &str| {
        let mut p = name.to_vec();
        p.push((k, Box::leak(v.to_string().into_boxed_str())));
        p
    };
    assert_eq!(
        code(&ims(&s, "AddClientIdToOIDCProvider", &with("ClientId", "ci")).1),
        "EntityAlreadyExists.OIDCProvider.ClientId"
    );
    let v = ims(
        &s,
        "AddClientIdToOIDCProvider",
        &with("ClientId", "gh-actions"),
    )
    .1;
    assert_eq!(
        v["OIDCProvider"]["ClientIds"],
        "sts.aliyuncs.com,ci,gh-actions"
    );
    let v = ims(
        &s,
        "RemoveClientIdFromOIDCProvider",
        &with("ClientId", "ci"),
    )
    .1;
    assert_eq!(
        v["OIDCProvider"]["ClientIds"],
        "sts.aliyuncs.com,gh-actions"
    );
    for i in 0..4 {
        let f = format!("{:040x}", i + 1);
        assert_eq!(
            code(&ims(&s, "AddFingerprintToOIDCProvider", &with("Fingerprint", &f)).1),
            "OK"
        );
    }
    assert_eq!(
        code(
            &ims(
                &s,
                "AddFingerprintToOIDCProvider",
                &with("Fingerprint", &format!("{:040x}", 99))
            )
            .1
        ),
        "LimitExceeded.OIDCProvider.Fingerprint"
    );
    let colons: String = FP
        .as_bytes()
        .chunks(2)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect::<Vec<_>>()
        .join(":");
    assert_eq!(
        code(
            &ims(
                &s,
                "RemoveFingerprintFromOIDCProvider",
                &with("Fingerprint", &colons)
            )
            .1
        ),
        "OK"
    );
    // Update: client ids replaced, the issuer kept.
    let v = ims(
        &s,
        "UpdateOIDCProvider",
        &[
            ("OIDCProviderName", "ack-rrsa-c1"),
            ("ClientIds", "only"),
            ("IssuanceLimitTime", "1"),
            ("NewDescription", "new"),
        ],
    )
    .1;
    assert_eq!(v["OIDCProvider"]["ClientIds"], "only");
    assert_eq!(v["OIDCProvider"]["IssuanceLimitTime"], 1);
    assert_eq!(
        v["OIDCProvider"]["IssuerUrl"],
        "https://oidc.example.com/c1"
    );
    // Listing pages by marker.
    for i in 0..3 {
        let (st, v) = ims(
            &s,
            "CreateOIDCProvider",
            &[
                ("OIDCProviderName", &format!("p{i}")),
                ("IssuerUrl", &format!("https://p{i}.example.com")),
            ],
        );
        assert_eq!(st, 200, "{v}");
    }
    let v = ims(&s, "ListOIDCProviders", &[("MaxItems", "2")]).1;
    assert_eq!(v["IsTruncated"], true, "{v}");
    assert_eq!(
        v["OIDCProviders"]["OIDCProvider"].as_array().unwrap().len(),
        2
    );
    let marker = v["Marker"].as_str().unwrap().to_string();
    let v = ims(
        &s,
        "ListOIDCProviders",
        &[("MaxItems", "2"), ("Marker", &marker)],
    )
    .1;
    assert_eq!(v["IsTruncated"], false, "{v}");
    assert_eq!(
        v["OIDCProviders"]["OIDCProvider"].as_array().unwrap().len(),
        2
    );
    // Delete; then it is gone.
    assert_eq!(code(&ims(&s, "DeleteOIDCProvider", &name).1), "OK");
    let (st, v) = ims(&s, "GetOIDCProvider", &name);
    assert_eq!((st, code(&v)), (404, "EntityNotExist.OIDCProvider"));
    // A user without rights is refused on the provider's ARN.
    let u = s.user_with_key("nobody");
    let (st, v) = s.call_v1(&u, IMS, "GetOIDCProvider", &[("OIDCProviderName", "p0")]);
    assert_eq!((st, code(&v)), (403, "NoPermission"));
    assert!(v["Message"]
        .as_str()
        .unwrap()
        .contains(&format!("acs:ram::{}:oidc-provider/p0", s.account_id)));
}

/// STS's checks before anything is fetched: a token that is no JWT, an
/// `alg` refused, a provider that does not exist, an issuer that is not the
/// provider's, all without a signature and answered with STS's codes.
#[test]
fn assume_role_with_oidc_refuses_before_any_fetch() {
    let s = Server::new();
    ims(
        &s,
        "CreateOIDCProvider",
        &[
            ("OIDCProviderName", "k8s"),
            ("IssuerUrl", "https://127.0.0.1:1/k8s"),
            ("ClientIds", "sts.aliyuncs.com"),
            ("Fingerprints", FP),
        ],
    );
    let provider = format!("acs:ram::{}:oidc-provider/k8s", s.account_id);
    let role = format!("acs:ram::{}:role/app", s.account_id);
    let b64 = |v: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
    let jwt = |header: &str, claims: &str| format!("{}.{}.c2ln", b64(header), b64(claims));
    let good_claims = r#"{"iss":"https://127.0.0.1:1/k8s","sub":"system:serviceaccount:ns:sa","aud":"sts.aliyuncs.com","iat":1767225600,"exp":1767229200}"#;
    let call = |token: &str, provider: &str| {
        anonymous(
            &s,
            "AssumeRoleWithOIDC",
            &[
                ("OIDCProviderArn", provider),
                ("RoleArn", &role),
                ("OIDCToken", token),
                ("RoleSessionName", "pod"),
            ],
        )
    };
    for (token, prov, status, want) in [
        (
            "",
            provider.as_str(),
            401,
            "AuthenticationFail.OIDCToken.Invalid",
        ),
        (
            "a.b",
            provider.as_str(),
            401,
            "AuthenticationFail.OIDCToken.Invalid",
        ),
        (
            &jwt(r#"{"alg":"none"}"#, good_claims) as &str,
            provider.as_str(),
            401,
            "AuthenticationFail.OIDCToken.Invalid",
        ),
        (
            &jwt(r#"{"alg":"HS256"}"#, good_claims),
            provider.as_str(),
            401,
            "AuthenticationFail.OIDCToken.Invalid",
        ),
        (
            &jwt(r#"{"alg":"RS256","kid":"k"}"#, good_claims),
            "acs:ram::1:oidc-provider/k8s",
            401,
            "AuthenticationFail.NoPermission",
        ),
        (
            &jwt(r#"{"alg":"RS256","kid":"k"}"#, good_claims),
            &format!("acs:ram::{}:oidc-provider/none", s.account_id),
            401,
            "AuthenticationFail.NoPermission",
        ),
        (
            &jwt(
                r#"{"alg":"RS256","kid":"k"}"#,
                &good_claims.replace("/k8s\"", "/k8s/\""),
            ),
            provider.as_str(),
            401,
            "AuthenticationFail.OIDCToken.IssuerNotMatch",
        ),
    ] {
        let (st, v) = call(token, prov);
        assert_eq!((st, code(&v)), (status, want), "{token} {prov}: {v}");
    }
    assert_eq!(s.gw.rampart().oidc_fetch_count(), 0);
    // Missing parameters.
    let (st, v) = anonymous(&s, "AssumeRoleWithOIDC", &[("RoleArn", &role)]);
    assert_eq!((st, code(&v)), (400, "MissingParameter.OIDCProviderArn"));
    let (st, v) = anonymous(
        &s,
        "AssumeRoleWithSAML",
        &[
            ("RoleArn", &role),
            ("SAMLProviderArn", "acs:ram::1:saml-provider/x"),
        ],
    );
    assert_eq!(
        (st, code(&v)),
        (400, "MissingParameter.SAMLAssertion"),
        "{v}"
    );
}

#[test]
fn saml_providers_check_their_metadata() {
    let s = Server::new();
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../federation/tests/fixtures/saml");
    let md = |f: &str| {
        base64::engine::general_purpose::STANDARD.encode(std::fs::read(dir.join(f)).unwrap())
    };
    let (st, v) = ims(
        &s,
        "CreateSAMLProvider",
        &[
            ("SAMLProviderName", "adfs"),
            ("EncodedSAMLMetadataDocument", &md("metadata.xml")),
            ("AuthnSignAlgo", "rsa-sha256"),
        ],
    );
    assert_eq!(st, 200, "{v}");
    assert_eq!(
        v["SAMLProvider"]["Arn"],
        format!("acs:ram::{}:saml-provider/adfs", s.account_id)
    );
    for (f, algo) in [
        ("metadata-weak.xml", "rsa-sha1"),
        ("metadata-encryption-only.xml", "rsa-sha1"),
        ("metadata.xml", "md5"),
    ] {
        let (st, v) = ims(
            &s,
            "CreateSAMLProvider",
            &[
                ("SAMLProviderName", "bad"),
                ("EncodedSAMLMetadataDocument", &md(f)),
                ("AuthnSignAlgo", algo),
            ],
        );
        assert_eq!(st, 400, "{f}: {v}");
    }
    let v = ims(&s, "GetSAMLProvider", &[("SAMLProviderName", "adfs")]).1;
    assert_eq!(
        v["SAMLProvider"]["EncodedSAMLMetadataDocument"],
        md("metadata.xml")
    );
    assert_eq!(v["SAMLProvider"]["AuthnSignAlgo"], "rsa-sha256");
    let v = ims(
        &s,
        "UpdateSAMLProvider",
        &[("SAMLProviderName", "adfs"), ("NewDescription", "AD FS")],
    )
    .1;
    assert_eq!(v["SAMLProvider"]["Description"], "AD FS", "{v}");
    let v = ims(&s, "ListSAMLProviders", &[]).1;
    assert_eq!(
        v["SAMLProviders"]["SAMLProvider"].as_array().unwrap().len(),
        1
    );
    assert_eq!(
        code(&ims(&s, "DeleteSAMLProvider", &[("SAMLProviderName", "adfs")]).1),
        "OK"
    );
    let (st, v) = ims(&s, "DeleteSAMLProvider", &[("SAMLProviderName", "adfs")]);
    assert_eq!((st, code(&v)), (404, "EntityNotExist.SAMLProvider"));
}
