//! The client side of the signatures: builds signed requests the way the
//! official SDKs do. Used by Rampart's own tests, benches and load
//! generator; the server never calls it.

use super::{v1, v3};

/// Credentials to sign with.
#[derive(Clone, Debug)]
pub struct Signer<'a> {
    /// AccessKeyId.
    pub id: &'a str,
    /// AccessKey secret.
    pub secret: &'a str,
    /// STS security token, if any.
    pub token: Option<&'a str>,
}

/// The query string of a V1-signed request: `params` plus the common
/// parameters (`Action`, `Version`, `Format=JSON`, `AccessKeyId`,
/// `SignatureMethod`, `SignatureVersion`, `SignatureNonce`, `Timestamp`,
/// `SecurityToken`) and `Signature`.
pub fn v1_query(
    s: &Signer<'_>,
    method: &str,
    version: &str,
    action: &str,
    params: &[(&str, &str)],
    timestamp: &str,
    nonce: &str,
) -> String {
    let mut p: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    for (k, v) in [
        ("Action", action),
        ("Version", version),
        ("Format", "JSON"),
        ("AccessKeyId", s.id),
        ("SignatureMethod", "HMAC-SHA1"),
        ("SignatureVersion", "1.0"),
        ("SignatureNonce", nonce),
        ("Timestamp", timestamp),
    ] {
        p.push((k.into(), v.into()));
    }
    if let Some(t) = s.token {
        p.push(("SecurityToken".into(), t.into()));
    }
    let canonical = v1::canonical_query(p.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    p.push((
        "Signature".into(),
        v1::sign(s.secret, &v1::string_to_sign(method, &canonical)),
    ));
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(&p)
        .finish()
}

/// A V3 (`ACS3-HMAC-SHA256`) POST with `params` in the query and an empty
/// body: returns the query string and the headers, `authorization` last.
pub fn v3_request(
    s: &Signer<'_>,
    host: &str,
    version: &str,
    action: &str,
    params: &[(&str, &str)],
    timestamp: &str,
    nonce: &str,
) -> (String, Vec<(String, String)>) {
    let pairs: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let body_hash = rampart_crypto::sha256_hex(b"");
    let mut headers = vec![
        ("host".to_string(), host.to_string()),
        ("x-acs-action".into(), action.into()),
        ("x-acs-version".into(), version.into()),
        ("x-acs-date".into(), timestamp.into()),
        ("x-acs-signature-nonce".into(), nonce.into()),
        ("x-acs-content-sha256".into(), body_hash.clone()),
    ];
    if let Some(t) = s.token {
        headers.push(("x-acs-security-token".into(), t.into()));
    }
    let signed: Vec<(String, Vec<String>)> = headers
        .iter()
        .map(|(k, v)| (k.clone(), vec![v.clone()]))
        .collect();
    let canonical = v3::canonical_request(&v3::CanonicalInput {
        method: "POST",
        path: "/",
        query: &v3::canonical_query(&pairs, true),
        headers: &signed,
        hashed_payload: &body_hash,
    });
    let sig = v3::sign(
        v3::Algorithm::HmacSha256,
        s.secret,
        &v3::string_to_sign(v3::Algorithm::HmacSha256, &canonical),
    );
    let mut names: Vec<&str> = headers.iter().map(|(k, _)| k.as_str()).collect();
    names.sort_unstable();
    let auth = format!(
        "ACS3-HMAC-SHA256 Credential={},SignedHeaders={},Signature={sig}",
        s.id,
        names.join(";")
    );
    headers.push(("authorization".into(), auth));
    (
        form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&pairs)
            .finish(),
        headers,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_requests_verify() {
        // The server side checks these in the gateway's integration tests
        // (they sign with this module); here: every common field is there.
        let s = Signer {
            id: "ak",
            secret: "sk",
            token: Some("tok"),
        };
        let q = v1_query(
            &s,
            "POST",
            "2015-05-01",
            "ListUsers",
            &[("A", "b c")],
            "2026-01-01T00:00:00Z",
            "n1",
        );
        for needle in [
            "Action=ListUsers",
            "SecurityToken=tok",
            "Signature=",
            "A=b+c",
        ] {
            assert!(q.contains(needle), "{q}");
        }
        let (_, headers) = v3_request(
            &s,
            "h",
            "2016-01-20",
            "GetSecretValue",
            &[],
            "2026-01-01T00:00:00Z",
            "n2",
        );
        assert!(headers
            .last()
            .is_some_and(|(k, v)| k == "authorization" && v.contains("x-acs-security-token")));
    }
}
