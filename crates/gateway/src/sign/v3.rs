//! V3: `ACS3-HMAC-SHA256` (and `ACS3-HMAC-SM3`) over a canonical request.

use super::percent_encode;

/// The hash/MAC family of a V3 signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    /// `ACS3-HMAC-SHA256`.
    HmacSha256,
    /// `ACS3-HMAC-SM3`.
    HmacSm3,
}

impl Algorithm {
    /// The name in the `Authorization` header.
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::HmacSha256 => "ACS3-HMAC-SHA256",
            Algorithm::HmacSm3 => "ACS3-HMAC-SM3",
        }
    }

    /// Lowercase hex digest of `data`.
    pub fn hash_hex(self, data: &[u8]) -> String {
        match self {
            Algorithm::HmacSha256 => rampart_crypto::sha256_hex(data),
            Algorithm::HmacSm3 => rampart_crypto::sm3_hex(data),
        }
    }

    fn mac(self, key: &[u8], data: &[u8]) -> [u8; 32] {
        match self {
            Algorithm::HmacSha256 => rampart_crypto::hmac_sha256(key, data),
            Algorithm::HmacSm3 => rampart_crypto::hmac_sm3(key, data),
        }
    }
}

/// The parsed `Authorization` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    /// Algorithm.
    pub algorithm: Algorithm,
    /// `Credential=`.
    pub access_key_id: String,
    /// `SignedHeaders=`, lowercase, in the given order.
    pub signed_headers: Vec<String>,
    /// `Signature=` (hex).
    pub signature: String,
}

/// Parses `ACS3-HMAC-SHA256 Credential=..,SignedHeaders=a;b,Signature=..`.
pub fn parse_authorization(header: &str) -> Option<Authorization> {
    let (alg, rest) = header.trim().split_once(' ')?;
    let algorithm = match alg {
        "ACS3-HMAC-SHA256" => Algorithm::HmacSha256,
        "ACS3-HMAC-SM3" => Algorithm::HmacSm3,
        _ => return None,
    };
    let (mut cred, mut signed, mut sig) = (None, None, None);
    for part in rest.split(',') {
        let (k, v) = part.trim().split_once('=')?;
        match k {
            "Credential" => cred = Some(v.to_string()),
            "SignedHeaders" => {
                signed = Some(
                    v.split(';')
                        .map(|h| h.trim().to_ascii_lowercase())
                        .collect(),
                )
            }
            "Signature" => sig = Some(v.to_string()),
            _ => {}
        }
    }
    Some(Authorization {
        algorithm,
        access_key_id: cred?,
        signed_headers: signed?,
        signature: sig?,
    })
}

/// The canonical query string: sorted by key; values (and, if `encode_keys`,
/// keys) RFC 3986-encoded; `key=value` joined by `&`.
///
/// The specification encodes keys too; the official SDKs encode only values.
/// Both forms agree when every key is made of unreserved characters; for
/// other keys the server accepts the values-only form only under
/// [`keys_unambiguous`].
pub fn canonical_query(pairs: &[(String, String)], encode_keys: bool) -> String {
    let mut enc: Vec<(String, String)> = pairs
        .iter()
        .map(|(k, v)| {
            let k = if encode_keys {
                percent_encode(k)
            } else {
                k.clone()
            };
            (k, percent_encode(v))
        })
        .collect();
    enc.sort();
    enc.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// Whether the values-only form of [`canonical_query`] reads back as exactly
/// these pairs: no key holds `=`, `&` (which would split differently), `%`
/// (which would read as an encoded character of the specified form) or a
/// control character (which could reach into the next line of the canonical
/// request). `Marker%3D%26MaxItems=2` fails this: its values-only form is
/// that of `Marker=&MaxItems=2`.
pub fn keys_unambiguous(pairs: &[(String, String)]) -> bool {
    pairs.iter().all(|(k, _)| {
        !k.chars()
            .any(|c| matches!(c, '=' | '&' | '%') || c.is_control())
    })
}

/// The inputs of a canonical request.
pub struct CanonicalInput<'a> {
    /// HTTP method.
    pub method: &'a str,
    /// Path (`/`).
    pub path: &'a str,
    /// Canonical query string.
    pub query: &'a str,
    /// `(lowercase name, values)` of each signed header, in signed order.
    pub headers: &'a [(String, Vec<String>)],
    /// Hex digest of the body.
    pub hashed_payload: &'a str,
}

/// Builds the canonical request.
pub fn canonical_request(input: &CanonicalInput<'_>) -> String {
    // Each header's values trimmed, sorted and joined by `,`; headers sorted.
    let mut headers: Vec<(&str, std::borrow::Cow<'_, str>)> = input
        .headers
        .iter()
        .map(|(name, values)| {
            let value = match values.as_slice() {
                [one] => std::borrow::Cow::Borrowed(one.trim()),
                many => {
                    let mut vals: Vec<&str> = many.iter().map(|v| v.trim()).collect();
                    vals.sort_unstable();
                    std::borrow::Cow::Owned(vals.join(","))
                }
            };
            (name.as_str(), value)
        })
        .collect();
    headers.sort();
    let mut out = String::with_capacity(
        64 + input.path.len()
            + input.query.len()
            + input.hashed_payload.len()
            + headers
                .iter()
                .map(|(n, v)| 2 * n.len() + v.len() + 2)
                .sum::<usize>(),
    );
    for c in input.method.chars() {
        out.push(c.to_ascii_uppercase());
    }
    for part in [input.path, input.query] {
        out.push('\n');
        out.push_str(part);
    }
    out.push('\n');
    for (name, value) in &headers {
        out.push_str(name);
        out.push(':');
        out.push_str(value);
        out.push('\n');
    }
    out.push('\n');
    for (i, (name, _)) in headers.iter().enumerate() {
        if i > 0 {
            out.push(';');
        }
        out.push_str(name);
    }
    out.push('\n');
    out.push_str(input.hashed_payload);
    out
}

/// `ALGORITHM \n hex(hash(canonical_request))`.
pub fn string_to_sign(alg: Algorithm, canonical_request: &str) -> String {
    format!(
        "{}\n{}",
        alg.name(),
        alg.hash_hex(canonical_request.as_bytes())
    )
}

/// Lowercase hex MAC of the string-to-sign with the secret (no `&`).
pub fn sign(alg: Algorithm, secret: &str, string_to_sign: &str) -> String {
    rampart_crypto::lower_hex(&alg.mac(secret.as_bytes(), string_to_sign.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> String {
        v.to_string()
    }

    #[test]
    fn doc_vector() {
        let query = canonical_query(
            &[
                (s("SecretName"), s("acs/ram/user/alice")),
                (s("VersionStage"), s("ACSCurrent")),
                (s("FetchExtendedConfig"), s("True")),
            ],
            false,
        );
        assert_eq!(
            query,
            "FetchExtendedConfig=True&SecretName=acs%2Fram%2Fuser%2Falice&VersionStage=ACSCurrent"
        );
        let empty = rampart_crypto::sha256_hex(b"");
        let headers = vec![
            (s("accept"), vec![s("application/json")]),
            (s("host"), vec![s("127.0.0.1:8080")]),
            (s("x-acs-action"), vec![s("GetSecretValue")]),
            (s("x-acs-content-sha256"), vec![empty.clone()]),
            (s("x-acs-date"), vec![s("2024-01-01T00:00:00Z")]),
            (
                s("x-acs-signature-nonce"),
                vec![s("0123456789abcdef0123456789abcdef")],
            ),
            (s("x-acs-version"), vec![s("2016-01-20")]),
        ];
        let cr = canonical_request(&CanonicalInput {
            method: "POST",
            path: "/",
            query: &query,
            headers: &headers,
            hashed_payload: &empty,
        });
        let sts = string_to_sign(Algorithm::HmacSha256, &cr);
        assert_eq!(
            sign(Algorithm::HmacSha256, "testsecret", &sts),
            "b3a7932c6d14ad7637e207b2aa39d92a7458e13f5738c06f09042068c77a77b1"
        );
    }

    fn pairs(query: &str) -> Vec<(String, String)> {
        form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect()
    }

    #[test]
    fn keys_encoded_as_specified() {
        let p = pairs("Marker%3D%26MaxItems=2");
        assert_eq!(canonical_query(&p, true), "Marker%3D%26MaxItems=2");
        // The values-only form of this query is that of another query.
        assert_eq!(
            canonical_query(&p, false),
            canonical_query(&pairs("Marker=&MaxItems=2"), false)
        );
        assert!(!keys_unambiguous(&p));
        for q in ["a%25b=1", "a%26b=1", "a%0Ab=1", "x=1&a%3Db=2"] {
            assert!(!keys_unambiguous(&pairs(q)), "{q}");
        }
        // Plain keys and user keys with spaces or dots are fine.
        assert!(keys_unambiguous(&pairs(
            "MaxItems=2&ExtendedConfig.CustomData.my+key=v%3D&Marker="
        )));
        // Unreserved keys: both forms are the same string.
        let p = pairs("MaxItems=2&Marker=a%3Db");
        assert_eq!(canonical_query(&p, true), canonical_query(&p, false));
    }

    #[test]
    fn authorization_header() {
        let a = parse_authorization(
            "ACS3-HMAC-SHA256 Credential=testak,SignedHeaders=host;x-acs-date,Signature=abcd",
        )
        .unwrap();
        assert_eq!(a.access_key_id, "testak");
        assert_eq!(a.signed_headers, ["host", "x-acs-date"]);
        assert_eq!(a.algorithm, Algorithm::HmacSha256);
        assert!(parse_authorization("AWS4 x").is_none());
        assert!(parse_authorization("ACS3-HMAC-SHA256 Credential=a").is_none());
    }
}
