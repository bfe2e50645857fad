//! Loading a JWKS into usable verification keys, and choosing the key for a
//! token.
//!
//! Loading rules: the document is a JSON object whose `keys` is an array of
//! at most [`MAX_KEYS`] entries (else the whole document is refused). A key is
//! kept only if it is `kty` `RSA` (modulus 2048–8192 bits, a sane exponent) or
//! `EC` on `P-256`/`P-384` with coordinates of the curve's length; `use`, when
//! present, is `sig`; `alg`, when present, is one Rampart allows and fits the
//! key (`ES256` ↔ P-256, `ES384` ↔ P-384, RS*/PS256 ↔ RSA); `key_ops`, when
//! present, contains `verify`; `kid`, when present, is a string of at most
//! 256 bytes. `oct` (HMAC) and every other key type are dropped, whatever they
//! say. `x5c`/`x5u` in a key are ignored: the bare key values are used.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::DecodingKey;
use serde_json::Value;

use super::token::{Alg, KeyKind, MAX_KID_LEN};

/// Most keys accepted in one JWKS.
pub const MAX_KEYS: usize = 32;

/// One usable verification key.
#[derive(Clone)]
pub(crate) struct UsableKey {
    pub(crate) kid: Option<String>,
    pub(crate) kind: KeyKind,
    /// The JWK's `alg`, when it named one.
    pub(crate) alg: Option<Alg>,
    pub(crate) key: DecodingKey,
}

impl std::fmt::Debug for UsableKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UsableKey")
            .field("kid", &self.kid)
            .field("kind", &self.kind)
            .field("alg", &self.alg)
            .finish_non_exhaustive()
    }
}

fn b64(v: &Value) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(v.as_str()?).ok()
}

fn strip_zeros(b: &[u8]) -> &[u8] {
    let first = b.iter().position(|x| *x != 0).unwrap_or(b.len());
    &b[first..]
}

fn bit_len(b: &[u8]) -> usize {
    let b = strip_zeros(b);
    match b.first() {
        None => 0,
        Some(top) => (b.len() - 1) * 8 + (8 - top.leading_zeros() as usize),
    }
}

fn load_key(v: &Value) -> Option<UsableKey> {
    let obj = v.as_object()?;
    let kid = match obj.get("kid") {
        None => None,
        Some(Value::String(s)) if s.len() <= MAX_KID_LEN => Some(s.clone()),
        Some(_) => return None,
    };
    match obj.get("use") {
        None => {}
        Some(Value::String(u)) if u == "sig" => {}
        Some(_) => return None,
    }
    match obj.get("key_ops") {
        None => {}
        Some(Value::Array(ops)) if ops.iter().any(|o| o.as_str() == Some("verify")) => {}
        Some(_) => return None,
    }
    let alg = match obj.get("alg") {
        None => None,
        Some(Value::String(a)) => Some(Alg::from_name(a)?),
        Some(_) => return None,
    };
    let (kind, key) = match obj.get("kty")?.as_str()? {
        "RSA" => {
            let n = b64(obj.get("n")?)?;
            let e = b64(obj.get("e")?)?;
            let bits = bit_len(&n);
            if !(2048..=8192).contains(&bits) {
                return None;
            }
            let e = strip_zeros(&e);
            // e: odd, at least 3, at most 64 bits.
            if e.is_empty()
                || e.len() > 8
                || e.last().is_some_and(|l| l & 1 == 0)
                || (e.len() == 1 && e[0] < 3)
            {
                return None;
            }
            (
                KeyKind::Rsa,
                DecodingKey::from_rsa_raw_components(strip_zeros(&n), e),
            )
        }
        "EC" => {
            let (kind, len) = match obj.get("crv")?.as_str()? {
                "P-256" => (KeyKind::EcP256, 32),
                "P-384" => (KeyKind::EcP384, 48),
                _ => return None,
            };
            let x = b64(obj.get("x")?)?;
            let y = b64(obj.get("y")?)?;
            if x.len() != len || y.len() != len {
                return None;
            }
            let mut point = Vec::with_capacity(1 + 2 * len);
            point.push(0x04);
            point.extend_from_slice(&x);
            point.extend_from_slice(&y);
            // Refuse points that are not on the curve now rather than at verify time.
            let check_alg: &'static dyn aws_lc_rs::signature::VerificationAlgorithm = match kind {
                KeyKind::EcP256 => &aws_lc_rs::signature::ECDSA_P256_SHA256_FIXED,
                _ => &aws_lc_rs::signature::ECDSA_P384_SHA384_FIXED,
            };
            aws_lc_rs::signature::ParsedPublicKey::new(check_alg, &point).ok()?;
            (kind, DecodingKey::from_ec_der(&point))
        }
        _ => return None,
    };
    if let Some(a) = alg {
        if a.kind() != kind {
            return None;
        }
    }
    Some(UsableKey {
        kid,
        kind,
        alg,
        key,
    })
}

/// Loads a JWKS document. `Err` when it is not a JSON object with a `keys`
/// array of at most [`MAX_KEYS`] entries, or when no key is usable.
pub(crate) fn load(doc: &[u8]) -> Result<Vec<UsableKey>, &'static str> {
    let v: Value = serde_json::from_slice(doc).map_err(|_| "the JWKS is not JSON")?;
    let keys = v
        .as_object()
        .and_then(|o| o.get("keys"))
        .and_then(|k| k.as_array())
        .ok_or("the JWKS has no keys array")?;
    if keys.len() > MAX_KEYS {
        return Err("the JWKS has more than 32 keys");
    }
    let usable: Vec<UsableKey> = keys.iter().filter_map(load_key).collect();
    if usable.is_empty() {
        return Err("the JWKS has no usable signing key");
    }
    Ok(usable)
}

/// Why no key was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NoKey {
    /// The token's `kid` names no usable key of the algorithm's family.
    UnknownKid,
    /// The token has no `kid` and the set does not have exactly one key.
    Ambiguous,
}

/// Chooses the key for a token: by `kid` (byte-exact, family and JWK `alg`
/// matching the header), or, without `kid`, the only key of the set.
pub(crate) fn select<'k>(
    keys: &'k [UsableKey],
    alg: Alg,
    kid: Option<&str>,
) -> Result<&'k UsableKey, NoKey> {
    let fits = |k: &&UsableKey| k.kind == alg.kind() && k.alg.is_none_or(|a| a == alg);
    match kid {
        Some(kid) => keys
            .iter()
            .filter(|k| k.kid.as_deref() == Some(kid))
            .find(fits)
            .ok_or(NoKey::UnknownKid),
        None => match keys {
            [only] if fits(&only) => Ok(only),
            [_] => Err(NoKey::UnknownKid),
            _ => Err(NoKey::Ambiguous),
        },
    }
}
