//! Parsing an `OIDCToken` without I/O: size, the three segments, base64url
//! JSON header and payload, the algorithm allow-list, typed claims.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::de::{self, Deserializer};
use serde::Deserialize;

use super::OidcError;

/// Longest accepted token, in characters (bytes: a JWT is ASCII).
pub const MAX_TOKEN_LEN: usize = 20_000;
/// Longest accepted `kid`, in bytes; longer ones can match no key.
pub const MAX_KID_LEN: usize = 256;
/// Longest accepted `sub`, in bytes.
pub const MAX_SUB_LEN: usize = 1024;
/// Latest accepted NumericDate (9999-12-31T23:59:59Z).
const MAX_NUMERIC_DATE: f64 = 253_402_300_799.0;

/// The signature algorithms Rampart accepts in an `OIDCToken` header.
/// Never `none`, never HMAC.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Alg {
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    RS256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    RS384,
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    RS512,
    /// RSASSA-PSS with SHA-256.
    PS256,
    /// ECDSA on P-256 with SHA-256.
    ES256,
    /// ECDSA on P-384 with SHA-384.
    ES384,
}

/// The key family an algorithm needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum KeyKind {
    /// RSA, 2048–8192 bits.
    Rsa,
    /// EC on P-256.
    EcP256,
    /// EC on P-384.
    EcP384,
}

impl Alg {
    /// The algorithm named `s` (exact, case-sensitive), if allowed.
    pub fn from_name(s: &str) -> Option<Self> {
        Some(match s {
            "RS256" => Self::RS256,
            "RS384" => Self::RS384,
            "RS512" => Self::RS512,
            "PS256" => Self::PS256,
            "ES256" => Self::ES256,
            "ES384" => Self::ES384,
            _ => return None,
        })
    }

    /// The JOSE name.
    pub fn name(self) -> &'static str {
        match self {
            Self::RS256 => "RS256",
            Self::RS384 => "RS384",
            Self::RS512 => "RS512",
            Self::PS256 => "PS256",
            Self::ES256 => "ES256",
            Self::ES384 => "ES384",
        }
    }

    pub(crate) fn kind(self) -> KeyKind {
        match self {
            Self::RS256 | Self::RS384 | Self::RS512 | Self::PS256 => KeyKind::Rsa,
            Self::ES256 => KeyKind::EcP256,
            Self::ES384 => KeyKind::EcP384,
        }
    }

    pub(crate) fn jwt(self) -> jsonwebtoken::Algorithm {
        match self {
            Self::RS256 => jsonwebtoken::Algorithm::RS256,
            Self::RS384 => jsonwebtoken::Algorithm::RS384,
            Self::RS512 => jsonwebtoken::Algorithm::RS512,
            Self::PS256 => jsonwebtoken::Algorithm::PS256,
            Self::ES256 => jsonwebtoken::Algorithm::ES256,
            Self::ES384 => jsonwebtoken::Algorithm::ES384,
        }
    }
}

/// `aud`: one string or an array of strings.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum Aud {
    One(String),
    Many(Vec<String>),
}

/// A NumericDate: a JSON number (integer or not) from 0 to year 9999,
/// truncated to whole seconds. Strings, booleans, objects are errors.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NumericDate(pub(crate) i64);

impl<'de> Deserialize<'de> for NumericDate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl de::Visitor<'_> for V {
            type Value = NumericDate;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a NumericDate")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<NumericDate, E> {
                if v as f64 > MAX_NUMERIC_DATE {
                    return Err(E::custom("date out of range"));
                }
                i64::try_from(v)
                    .map(NumericDate)
                    .map_err(|_| E::custom("date out of range"))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<NumericDate, E> {
                if v < 0 || v as f64 > MAX_NUMERIC_DATE {
                    return Err(E::custom("date out of range"));
                }
                Ok(NumericDate(v))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<NumericDate, E> {
                if !v.is_finite() || !(0.0..=MAX_NUMERIC_DATE).contains(&v) {
                    return Err(E::custom("date out of range"));
                }
                Ok(NumericDate(v.floor() as i64))
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Debug, Deserialize)]
struct RawHeader {
    alg: String,
    #[serde(default)]
    kid: Option<String>,
    #[serde(default)]
    crit: Option<serde_json::Value>,
    #[serde(default)]
    b64: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Claims {
    #[serde(default)]
    pub(crate) iss: Option<String>,
    #[serde(default)]
    pub(crate) sub: Option<String>,
    #[serde(default)]
    aud: Option<Aud>,
    #[serde(default)]
    pub(crate) exp: Option<NumericDate>,
    #[serde(default)]
    pub(crate) nbf: Option<NumericDate>,
    #[serde(default)]
    pub(crate) iat: Option<NumericDate>,
}

impl Claims {
    /// The audiences (`None` when `aud` is absent).
    pub(crate) fn audiences(&self) -> Option<Vec<String>> {
        match &self.aud {
            None => None,
            Some(Aud::One(s)) => Some(vec![s.clone()]),
            Some(Aud::Many(v)) => Some(v.clone()),
        }
    }
}

/// An `OIDCToken` that passed checks 1–4 of the STS validation order: not
/// empty, at most 20,000 characters, three base64url segments, a JSON header
/// with an allowed `alg`, a JSON object payload with typed claims. Nothing is
/// verified yet.
#[derive(Debug, Clone)]
pub struct UnverifiedToken {
    pub(crate) raw: String,
    pub(crate) alg: Alg,
    pub(crate) kid: Option<String>,
    pub(crate) claims: Claims,
}

impl UnverifiedToken {
    /// The token's unverified `iss` claim, for finding and comparing the provider.
    pub fn issuer(&self) -> Option<&str> {
        self.claims.iss.as_deref()
    }

    /// The header's `alg`.
    pub fn alg(&self) -> Alg {
        self.alg
    }

    /// The header's `kid`, if any (unverified; a map key only).
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }
}

const MSG_EMPTY: &str = "The OIDCToken can not empty.";
const MSG_PARTS: &str = "The number of Jwt field should be divided into 3 parts with '.' .";
const MSG_BASE64: &str = "Cannot decode base64 encoded response(format invalided).";
const MSG_JSON: &str = "The Jwt content is invalid that cannot be recognized.";

/// Parses and checks a token without I/O (see [`UnverifiedToken`]).
pub fn parse(token: &str) -> Result<UnverifiedToken, OidcError> {
    if token.is_empty() {
        return Err(OidcError::invalid(
            MSG_EMPTY,
            "send the raw JWT in OIDCToken",
        ));
    }
    if token.len() > MAX_TOKEN_LEN {
        return Err(OidcError::invalid(
            MSG_JSON,
            "the token is longer than 20000 characters",
        ));
    }
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(OidcError::invalid(
            MSG_PARTS,
            "a JWT is header.payload.signature",
        ));
    };
    let header = URL_SAFE_NO_PAD
        .decode(h)
        .map_err(|_| OidcError::invalid(MSG_BASE64, "the header is not unpadded base64url"))?;
    let payload = URL_SAFE_NO_PAD
        .decode(p)
        .map_err(|_| OidcError::invalid(MSG_BASE64, "the payload is not unpadded base64url"))?;
    if s.is_empty() {
        return Err(OidcError::invalid(MSG_JSON, "the token has no signature"));
    }
    URL_SAFE_NO_PAD
        .decode(s)
        .map_err(|_| OidcError::invalid(MSG_BASE64, "the signature is not unpadded base64url"))?;
    let header: RawHeader = serde_json::from_slice(&header).map_err(|_| {
        OidcError::invalid(
            MSG_JSON,
            "the header is not a JSON object with a string alg",
        )
    })?;
    let Some(alg) = Alg::from_name(&header.alg) else {
        return Err(OidcError::unknown_alg(&header.alg));
    };
    if header.crit.is_some() || header.b64.is_some() {
        return Err(OidcError::invalid(
            MSG_JSON,
            "critical header parameters are not supported",
        ));
    }
    let claims: Claims = serde_json::from_slice(&payload).map_err(|_| {
        OidcError::invalid(
            MSG_JSON,
            "the payload is not a JSON object with string iss/sub, string or array aud, numeric exp/nbf/iat",
        )
    })?;
    Ok(UnverifiedToken {
        raw: token.to_string(),
        alg,
        kid: header.kid,
        claims,
    })
}
