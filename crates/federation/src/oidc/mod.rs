//! OIDC token verification for `AssumeRoleWithOIDC`: parse a JWT without I/O,
//! then verify it against the provider registered in IMS, with the issuer's
//! keys fetched over pinned, SSRF-safe HTTPS and cached per provider.
//!
//! Order of the checks (federation.md §1.3): [`parse`] does 1–4 (present, at
//! most 20,000 characters, three segments, base64url JSON, allowed `alg`);
//! the caller finds the provider (5); [`Verifier::verify`] does 6 (`iss` equals
//! `IssuerUrl` byte for byte, **before anything is fetched**), 7 (discovery and
//! JWKS), 8 (signature), 9 (`exp`), 10 (`nbf`, `iat` required, not in the
//! future, not older than `IssuanceLimitTime`) and 11 (`aud` ∈ `ClientIds`),
//! then requires `sub`. One leeway, [`LEEWAY_SECS`], applies to every time check.

mod jwks;
mod token;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::fetch::tls::Fingerprint;
pub use crate::fetch::{ConnectOverride, Resolver};
use crate::fetch::{FetchConfig, FetchError, Fetcher, Target};
pub use jwks::MAX_KEYS;
pub use token::{parse, Alg, UnverifiedToken, MAX_KID_LEN, MAX_SUB_LEN, MAX_TOKEN_LEN};

/// Clock skew allowed on `exp`, `nbf` and `iat`, in seconds.
pub const LEEWAY_SECS: i64 = 60;

/// What IMS stores for an OIDC provider (strings exactly as registered).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderConfig {
    /// `acs:ram::<uid>:oidc-provider/<name>`: the cache key.
    pub arn: String,
    /// `IssuerUrl`, compared byte for byte with the token's `iss` and the
    /// discovery document's `issuer`.
    pub issuer_url: String,
    /// `ClientIds`: the accepted `aud` values.
    pub client_ids: Vec<String>,
    /// `Fingerprints`: SHA-1 certificate fingerprints (any case, colons
    /// allowed). Empty: the issuer's certificate is checked against the web
    /// PKI roots instead.
    pub fingerprints: Vec<String>,
    /// `IssuanceLimitTime` in hours (1–168; values outside are clamped).
    pub issuance_limit_hours: u32,
}

/// A verified token's facts, for `OIDCTokenInfo` and the trust policy
/// (`oidc:iss`, `oidc:aud`, `oidc:sub`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedToken {
    /// `iss` (equal to the provider's `IssuerUrl`).
    pub issuer: String,
    /// `sub`.
    pub subject: String,
    /// `aud` as sent (one or more; at least one is a client ID).
    pub audiences: Vec<String>,
    /// `iat`, Unix seconds.
    pub issued_at: i64,
    /// `exp`, Unix seconds.
    pub expires_at: i64,
}

/// Why a token was refused. Every variant answers HTTP 401.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OidcError {
    /// Checks 1–4 and 10, and a missing `sub`:
    /// `AuthenticationFail.OIDCToken.Invalid`. Holds the documented message
    /// and a short hint.
    Invalid {
        /// The documented message of the failed step.
        message: &'static str,
        /// What to fix (safe: no more than 64 characters of input echoed).
        hint: String,
    },
    /// `iss` is not the provider's `IssuerUrl`:
    /// `AuthenticationFail.OIDCToken.IssuerNotMatch`.
    IssuerNotMatch,
    /// Discovery or JWKS could not be fetched or were not acceptable:
    /// `AuthenticationFail.OIDCToken.IssuerConfigurationBroken`.
    IssuerConfigurationBroken {
        /// The issuer (truncated for the message).
        issuer: String,
        /// What went wrong.
        reason: String,
    },
    /// The issuer's certificate chain or host name did not validate:
    /// `AuthenticationFail.OIDCToken.HttpsUrlInvalid`.
    HttpsUrlInvalid {
        /// What went wrong.
        reason: String,
    },
    /// The issuer's certificate matched none of the provider's fingerprints:
    /// `AuthenticationFail.OIDCToken.PublicKeyFingerprintMismatch`.
    PublicKeyFingerprintMismatch,
    /// No key verifies the signature (unknown `kid`, wrong key, bad
    /// signature): `AuthenticationFail.OIDCToken.InvalidSignature`.
    InvalidSignature {
        /// What went wrong.
        reason: &'static str,
    },
    /// `exp` has passed (beyond the leeway):
    /// `AuthenticationFail.OIDCToken.Expired`.
    Expired,
    /// No `aud` value is one of the provider's `ClientIds`:
    /// `AuthenticationFail.OIDCToken.AudienceNotMatch`.
    AudienceNotMatch,
}

/// At most this many characters of untrusted input appear in a message,
/// printable ASCII only.
pub(crate) fn safe_echo(s: &str) -> String {
    let mut out: String = s
        .chars()
        .take(64)
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                '?'
            }
        })
        .collect();
    if s.chars().count() > 64 {
        out.push_str("...");
    }
    out
}

impl OidcError {
    pub(crate) fn invalid(message: &'static str, hint: impl Into<String>) -> Self {
        Self::Invalid {
            message,
            hint: hint.into(),
        }
    }

    pub(crate) fn unknown_alg(alg: &str) -> Self {
        Self::Invalid {
            message: "The algorithm that be specified in Jwt header is unknown.",
            hint: format!(
                "alg \"{}\" is not accepted; use RS256, RS384, RS512, PS256, ES256 or ES384",
                safe_echo(alg)
            ),
        }
    }

    /// The Alibaba Cloud error code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Invalid { .. } => "AuthenticationFail.OIDCToken.Invalid",
            Self::IssuerNotMatch => "AuthenticationFail.OIDCToken.IssuerNotMatch",
            Self::IssuerConfigurationBroken { .. } => {
                "AuthenticationFail.OIDCToken.IssuerConfigurationBroken"
            }
            Self::HttpsUrlInvalid { .. } => "AuthenticationFail.OIDCToken.HttpsUrlInvalid",
            Self::PublicKeyFingerprintMismatch => {
                "AuthenticationFail.OIDCToken.PublicKeyFingerprintMismatch"
            }
            Self::InvalidSignature { .. } => "AuthenticationFail.OIDCToken.InvalidSignature",
            Self::Expired => "AuthenticationFail.OIDCToken.Expired",
            Self::AudienceNotMatch => "AuthenticationFail.OIDCToken.AudienceNotMatch",
        }
    }

    /// The HTTP status (always 401).
    pub fn status(&self) -> u16 {
        401
    }

    /// The documented message followed by a short hint.
    pub fn message(&self) -> String {
        match self {
            Self::Invalid { message, hint } => format!("{message} ({hint})"),
            Self::IssuerNotMatch => {
                "The issuer in the OIDC Token doesn't match the OIDC Provider registered. \
                 (iss must equal the provider's IssuerUrl exactly, including scheme, case, port and trailing slash)"
                    .to_string()
            }
            Self::IssuerConfigurationBroken { issuer, reason } => {
                format!("Get public keys from OIDC Provider failed, the issuer is {issuer}. ({reason})")
            }
            Self::HttpsUrlInvalid { reason } => format!(
                "Invoke url failed due to certificate chain validation ({reason}; check the issuer's certificate, its host name and the provider's Fingerprints)"
            ),
            Self::PublicKeyFingerprintMismatch => {
                "The fingerprint of the OIDC Provider's HTTPS certificate does not match any of the provider's Fingerprints. \
                 (add the SHA-1 fingerprint of the issuer's certificate or of its CA)"
                    .to_string()
            }
            Self::InvalidSignature { reason } => {
                format!("OIDC token validate failed: invalid signature. ({reason})")
            }
            Self::Expired => "This JsonWebToken is expired. (fetch a fresh token)".to_string(),
            Self::AudienceNotMatch => {
                "Invalid audience. (aud must contain one of the provider's ClientIds)".to_string()
            }
        }
    }
}

impl std::fmt::Display for OidcError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code(), self.message())
    }
}

impl std::error::Error for OidcError {}

/// Checks a JWKS document as the verifier loads it (see the `jwks` rules in
/// the crate docs): the number of usable keys, or why the whole document is
/// refused. Useful to validate a static JWKS before storing it.
pub fn check_jwks(doc: &[u8]) -> Result<usize, String> {
    jwks::load(doc).map(|k| k.len()).map_err(str::to_string)
}

/// Normalises and checks a SHA-1 fingerprint for IMS input: 40 hex digits,
/// any case, colons ignored → lowercase hex. `None` if it is not one.
pub fn normalize_fingerprint(s: &str) -> Option<String> {
    let hex: String = s.chars().filter(|c| *c != ':').collect();
    if hex.len() != 40 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    Some(hex.to_ascii_lowercase())
}

fn fingerprint_bytes(s: &str) -> Option<Fingerprint> {
    let hex = normalize_fingerprint(s)?;
    let mut out = [0u8; 20];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

/// Settings of a [`Verifier`]'s fetches and cache.
#[derive(Clone)]
pub struct FetchOptions {
    /// TCP connect timeout (default 3 s).
    pub connect_timeout: Duration,
    /// Time for one document, from resolving to the last body byte (default 5 s).
    pub total_timeout: Duration,
    /// Largest discovery document or JWKS (default 64 KiB).
    pub max_document_bytes: usize,
    /// Longest time keys are used without refetching (default and upper
    /// bound 1 h); a `Cache-Control: max-age` shortens it, down to
    /// [`FetchOptions::min_cache_ttl`].
    pub max_cache_ttl: Duration,
    /// Shortest cache lifetime, also used for `no-cache`/`no-store`
    /// (default 5 min).
    pub min_cache_ttl: Duration,
    /// Least time between two fetches for one provider, for an unknown `kid`
    /// or after a failure (default 60 s).
    pub refetch_interval: Duration,
    /// How long past its expiry the last good key set is still used while
    /// refreshes fail (default 24 h).
    pub stale_keys_max: Duration,
    /// Test hook: extra trust anchors (DER) for issuers without fingerprints,
    /// added to the web PKI roots. Default none.
    pub extra_roots: Vec<Vec<u8>>,
    /// Test hook: resolves host names instead of the system resolver.
    /// Default none.
    pub resolver: Option<Resolver>,
    /// Test hook: rewrites the vetted socket address just before connecting.
    /// Default none.
    pub connect_override: Option<ConnectOverride>,
}

impl std::fmt::Debug for FetchOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FetchOptions")
            .field("connect_timeout", &self.connect_timeout)
            .field("total_timeout", &self.total_timeout)
            .field("max_document_bytes", &self.max_document_bytes)
            .field("max_cache_ttl", &self.max_cache_ttl)
            .field("min_cache_ttl", &self.min_cache_ttl)
            .field("refetch_interval", &self.refetch_interval)
            .field("stale_keys_max", &self.stale_keys_max)
            .field("extra_roots", &self.extra_roots.len())
            .field("resolver", &self.resolver.is_some())
            .field("connect_override", &self.connect_override.is_some())
            .finish()
    }
}

impl Default for FetchOptions {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(3),
            total_timeout: Duration::from_secs(5),
            max_document_bytes: 64 * 1024,
            max_cache_ttl: Duration::from_secs(3600),
            min_cache_ttl: Duration::from_secs(300),
            refetch_interval: Duration::from_secs(60),
            stale_keys_max: Duration::from_secs(24 * 3600),
            extra_roots: Vec::new(),
            resolver: None,
            connect_override: None,
        }
    }
}

/// The cache lifetime for a fetched JWKS: `max-age` clamped to
/// `[min, max]`, `max` when the header is absent.
pub(crate) fn cache_ttl(max_age: Option<u64>, min: Duration, max: Duration) -> Duration {
    match max_age {
        None => max,
        Some(s) => Duration::from_secs(s).clamp(min, max.max(min)),
    }
}

/// The identity of a provider's trust settings: a changed provider must not
/// use keys fetched under the old ones.
#[derive(Debug, Clone, PartialEq, Eq)]
struct TrustIdent {
    issuer: String,
    pins: Vec<Fingerprint>,
}

#[derive(Debug)]
struct KeySet {
    keys: Vec<jwks::UsableKey>,
    expires: Instant,
}

#[derive(Debug, Default)]
struct EntryState {
    keys: Option<KeySet>,
    last_attempt: Option<Instant>,
    in_flight: bool,
    last_error: Option<OidcError>,
}

#[derive(Debug)]
struct Entry {
    ident: TrustIdent,
    state: Mutex<EntryState>,
    done: Condvar,
}

struct Inner {
    opts: FetchOptions,
    fetcher: OnceLock<Result<Fetcher, String>>,
    count: Arc<AtomicU64>,
    entries: Mutex<HashMap<String, Arc<Entry>>>,
}

/// Verifies tokens; keeps a JWKS cache per provider ARN (keyed also by the
/// issuer URL and fingerprints) and owns the background fetch thread, started
/// at the first fetch. `Send + Sync`; clones share everything.
#[derive(Clone)]
pub struct Verifier {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier")
            .field("opts", &self.inner.opts)
            .field("fetches", &self.fetch_count())
            .finish_non_exhaustive()
    }
}

enum Plan {
    Use(jwks::UsableKey),
    Fail(OidcError),
    Fetch,
    Wait,
}

fn broken(issuer: &str, reason: impl Into<String>) -> OidcError {
    OidcError::IssuerConfigurationBroken {
        issuer: safe_echo(issuer),
        reason: reason.into(),
    }
}

fn map_fetch_error(issuer: &str, e: FetchError) -> OidcError {
    match e {
        FetchError::Broken(r) => broken(issuer, r),
        FetchError::PinMismatch => OidcError::PublicKeyFingerprintMismatch,
        FetchError::Chain(reason) => OidcError::HttpsUrlInvalid { reason },
    }
}

fn no_key_error(e: jwks::NoKey) -> OidcError {
    match e {
        jwks::NoKey::UnknownKid => OidcError::InvalidSignature {
            reason: "no key of the issuer's JWKS has this kid and algorithm",
        },
        jwks::NoKey::Ambiguous => OidcError::InvalidSignature {
            reason: "the token has no kid and the issuer's JWKS has more than one key",
        },
    }
}

impl Verifier {
    /// A verifier with these settings. No thread is started until the first fetch.
    pub fn new(opts: FetchOptions) -> Self {
        Self {
            inner: Arc::new(Inner {
                opts,
                fetcher: OnceLock::new(),
                count: crate::fetch::new_counter(),
                entries: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// How many HTTP fetches (discovery documents and JWKS, each counted)
    /// have been started.
    pub fn fetch_count(&self) -> u64 {
        self.inner.count.load(Ordering::Relaxed)
    }

    /// Forgets a provider's cached keys (call when it is updated or deleted).
    pub fn forget(&self, provider_arn: &str) {
        if let Ok(mut entries) = self.inner.entries.lock() {
            entries.remove(provider_arn);
        }
    }

    fn fetcher(&self) -> Result<&Fetcher, OidcError> {
        let r = self.inner.fetcher.get_or_init(|| {
            let mut roots = rustls::RootCertStore::empty();
            roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
            for der in &self.inner.opts.extra_roots {
                let _ = roots.add(rustls::pki_types::CertificateDer::from(der.clone()));
            }
            let o = &self.inner.opts;
            Fetcher::start(
                FetchConfig {
                    connect_timeout: o.connect_timeout,
                    total_timeout: o.total_timeout,
                    max_body: o.max_document_bytes,
                    resolver: o.resolver.clone(),
                    connect_override: o.connect_override.clone(),
                    roots: Arc::new(roots),
                },
                self.inner.count.clone(),
            )
        });
        r.as_ref()
            .map_err(|e| OidcError::IssuerConfigurationBroken {
                issuer: String::new(),
                reason: e.clone(),
            })
    }

    fn entry(&self, provider: &ProviderConfig, ident: TrustIdent) -> Arc<Entry> {
        let mut entries = match self.inner.entries.lock() {
            Ok(e) => e,
            Err(poisoned) => poisoned.into_inner(),
        };
        match entries.get(&provider.arn) {
            Some(e) if e.ident == ident => e.clone(),
            _ => {
                let e = Arc::new(Entry {
                    ident,
                    state: Mutex::new(EntryState::default()),
                    done: Condvar::new(),
                });
                entries.insert(provider.arn.clone(), e.clone());
                e
            }
        }
    }

    /// Discovery then JWKS: both over the pinned client, the JWKS on the
    /// issuer's host and port.
    fn fetch_keys(
        &self,
        provider: &ProviderConfig,
        pins: &[Fingerprint],
    ) -> Result<KeySet, OidcError> {
        let issuer = provider.issuer_url.as_str();
        let issuer_target = Target::parse(issuer).map_err(|e| map_fetch_error(issuer, e))?;
        if issuer_target.has_query_or_fragment() {
            return Err(broken(issuer, "the IssuerUrl has a query or fragment"));
        }
        let base = issuer.strip_suffix('/').unwrap_or(issuer);
        let discovery = Target::parse(&format!("{base}/.well-known/openid-configuration"))
            .map_err(|e| map_fetch_error(issuer, e))?;
        let fetcher = self.fetcher()?;
        let doc = fetcher
            .get(&discovery, pins)
            .map_err(|e| map_fetch_error(issuer, e))?;
        let doc: Value = serde_json::from_slice(&doc.body)
            .map_err(|_| broken(issuer, "the discovery document is not JSON"))?;
        let doc = doc
            .as_object()
            .ok_or_else(|| broken(issuer, "the discovery document is not a JSON object"))?;
        if doc.get("issuer").and_then(Value::as_str) != Some(issuer) {
            return Err(broken(
                issuer,
                "the discovery document's issuer is not the IssuerUrl",
            ));
        }
        let jwks_uri = doc
            .get("jwks_uri")
            .and_then(Value::as_str)
            .ok_or_else(|| broken(issuer, "the discovery document has no jwks_uri"))?;
        let jwks_target =
            Target::parse(jwks_uri).map_err(|_| broken(issuer, "jwks_uri is not an https URL"))?;
        if !jwks_target.same_origin(&issuer_target) {
            return Err(broken(
                issuer,
                "jwks_uri is not on the issuer's host and port",
            ));
        }
        let fetched = fetcher
            .get(&jwks_target, pins)
            .map_err(|e| map_fetch_error(issuer, e))?;
        let keys = jwks::load(&fetched.body).map_err(|r| broken(issuer, r))?;
        let o = &self.inner.opts;
        let ttl = cache_ttl(fetched.max_age, o.min_cache_ttl, o.max_cache_ttl);
        Ok(KeySet {
            keys,
            expires: Instant::now() + ttl,
        })
    }

    fn plan(&self, st: &EntryState, token: &UnverifiedToken, now: Instant) -> Plan {
        let interval = self.inner.opts.refetch_interval;
        let may_fetch = st
            .last_attempt
            .is_none_or(|t| now.duration_since(t) >= interval);
        if st.in_flight {
            return Plan::Wait;
        }
        let kid = token.kid.as_deref();
        if kid.is_some_and(|k| k.len() > MAX_KID_LEN) {
            return Plan::Fail(no_key_error(jwks::NoKey::UnknownKid));
        }
        match &st.keys {
            Some(set) if now < set.expires => match jwks::select(&set.keys, token.alg, kid) {
                Ok(k) => Plan::Use(k.clone()),
                Err(jwks::NoKey::UnknownKid) if kid.is_some() && may_fetch => Plan::Fetch,
                Err(e) => Plan::Fail(no_key_error(e)),
            },
            Some(set) => {
                if may_fetch {
                    Plan::Fetch
                } else if now < set.expires + self.inner.opts.stale_keys_max {
                    match jwks::select(&set.keys, token.alg, kid) {
                        Ok(k) => Plan::Use(k.clone()),
                        Err(e) => Plan::Fail(no_key_error(e)),
                    }
                } else {
                    Plan::Fail(st.last_error.clone().unwrap_or_else(|| {
                        broken(
                            &token.raw_issuer(),
                            "the issuer's keys could not be refreshed",
                        )
                    }))
                }
            }
            None => {
                if may_fetch {
                    Plan::Fetch
                } else {
                    Plan::Fail(st.last_error.clone().unwrap_or_else(|| {
                        broken(
                            &token.raw_issuer(),
                            "the issuer's keys could not be fetched",
                        )
                    }))
                }
            }
        }
    }

    /// The key for this token, fetching at most once (single-flight per provider).
    fn key_for(
        &self,
        provider: &ProviderConfig,
        pins: &[Fingerprint],
        token: &UnverifiedToken,
    ) -> Result<jwks::UsableKey, OidcError> {
        let mut sorted = pins.to_vec();
        sorted.sort_unstable();
        let entry = self.entry(
            provider,
            TrustIdent {
                issuer: provider.issuer_url.clone(),
                pins: sorted,
            },
        );
        let wait_limit = 2 * self.inner.opts.total_timeout + Duration::from_secs(2);
        let mut fetched_once = false;
        let mut st = entry
            .state
            .lock()
            .map_err(|_| broken(&provider.issuer_url, "internal lock"))?;
        loop {
            let now = Instant::now();
            match self.plan(&st, token, now) {
                Plan::Use(k) => return Ok(k),
                Plan::Fail(e) => return Err(e),
                Plan::Wait => {
                    let (guard, timeout) = entry
                        .done
                        .wait_timeout(st, wait_limit)
                        .map_err(|_| broken(&provider.issuer_url, "internal lock"))?;
                    st = guard;
                    if timeout.timed_out() && st.in_flight {
                        return Err(broken(
                            &provider.issuer_url,
                            "timed out waiting for the key fetch",
                        ));
                    }
                }
                Plan::Fetch if fetched_once => {
                    // Our own fetch just ran and still found nothing.
                    return Err(st
                        .last_error
                        .clone()
                        .unwrap_or(no_key_error(jwks::NoKey::UnknownKid)));
                }
                Plan::Fetch => {
                    st.in_flight = true;
                    st.last_attempt = Some(now);
                    drop(st);
                    let result = self.fetch_keys(provider, pins);
                    st = match entry.state.lock() {
                        Ok(g) => g,
                        Err(p) => p.into_inner(),
                    };
                    st.in_flight = false;
                    match result {
                        Ok(set) => {
                            st.keys = Some(set);
                            st.last_error = None;
                        }
                        Err(e) => {
                            st.last_error = Some(e.clone());
                            let stale_limit = self.inner.opts.stale_keys_max;
                            let usable = st
                                .keys
                                .as_ref()
                                .is_some_and(|set| Instant::now() < set.expires + stale_limit);
                            if !usable {
                                entry.done.notify_all();
                                return Err(e);
                            }
                        }
                    }
                    entry.done.notify_all();
                    fetched_once = true;
                    // A refresh that failed keeps the last good set: select from it.
                    if let Some(set) = &st.keys {
                        match jwks::select(&set.keys, token.alg, token.kid.as_deref()) {
                            Ok(k) => return Ok(k.clone()),
                            Err(e) => {
                                return Err(match &st.last_error {
                                    Some(err) if Instant::now() >= set.expires => err.clone(),
                                    _ => no_key_error(e),
                                })
                            }
                        }
                    }
                }
            }
        }
    }

    /// Verifies a parsed token against its provider at `now_unix`: checks 6–11.
    pub fn verify(
        &self,
        provider: &ProviderConfig,
        token: &UnverifiedToken,
        now_unix: i64,
    ) -> Result<VerifiedToken, OidcError> {
        // 6: iss, byte-exact, before anything is fetched.
        let Some(iss) = token.claims.iss.as_deref() else {
            return Err(OidcError::IssuerNotMatch);
        };
        if iss != provider.issuer_url {
            return Err(OidcError::IssuerNotMatch);
        }
        let mut pins = Vec::with_capacity(provider.fingerprints.len());
        for f in &provider.fingerprints {
            pins.push(
                fingerprint_bytes(f)
                    .ok_or_else(|| broken(iss, "a provider fingerprint is not 40 hex digits"))?,
            );
        }
        // 7: keys.
        let key = self.key_for(provider, &pins, token)?;
        // 8: signature (jsonwebtoken checks the header alg against ours and the key's family).
        let mut validation = jsonwebtoken::Validation::new(token.alg.jwt());
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.validate_aud = false;
        validation.required_spec_claims.clear();
        validation.set_issuer(&[provider.issuer_url.as_str()]);
        if let Err(e) = jsonwebtoken::decode::<Value>(&token.raw, &key.key, &validation) {
            use jsonwebtoken::errors::ErrorKind as K;
            return Err(match e.kind() {
                K::InvalidSignature
                | K::InvalidEcdsaKey
                | K::InvalidRsaKey(_)
                | K::InvalidAlgorithm
                | K::InvalidKeyFormat => OidcError::InvalidSignature {
                    reason: "the signature does not verify with the issuer's key",
                },
                K::InvalidIssuer => OidcError::IssuerNotMatch,
                _ => OidcError::invalid(
                    "The Jwt content is invalid that cannot be recognized.",
                    "the token could not be decoded",
                ),
            });
        }
        let c = &token.claims;
        // 9: exp.
        let exp = c.exp.ok_or_else(|| {
            OidcError::invalid(
                "The Jwt content is invalid that cannot be recognized.",
                "exp is required",
            )
        })?;
        if now_unix > exp.0 + LEEWAY_SECS {
            return Err(OidcError::Expired);
        }
        // 10: nbf, iat.
        if let Some(nbf) = c.nbf {
            if nbf.0 > now_unix + LEEWAY_SECS {
                return Err(OidcError::invalid(
                    "The Jwt content is invalid that cannot be recognized.",
                    "the token is not valid yet (nbf)",
                ));
            }
        }
        let iat = c.iat.ok_or_else(|| {
            OidcError::invalid(
                "The Jwt content is invalid that cannot be recognized.",
                "iat is required",
            )
        })?;
        if iat.0 > now_unix + LEEWAY_SECS {
            return Err(OidcError::invalid(
                "The Jwt content is invalid that cannot be recognized.",
                "the token is issued in the future (iat)",
            ));
        }
        let limit = i64::from(provider.issuance_limit_hours.clamp(1, 168)) * 3600;
        if iat.0 < now_unix - limit - LEEWAY_SECS {
            return Err(OidcError::invalid(
                "The Jwt content is invalid that cannot be recognized.",
                "the token was issued longer ago than the provider's IssuanceLimitTime",
            ));
        }
        // 11: aud.
        let audiences = c.audiences().ok_or(OidcError::AudienceNotMatch)?;
        if !audiences
            .iter()
            .any(|a| provider.client_ids.iter().any(|id| id == a))
        {
            return Err(OidcError::AudienceNotMatch);
        }
        let subject = match c.sub.as_deref() {
            Some(s) if !s.is_empty() && s.len() <= MAX_SUB_LEN => s.to_string(),
            _ => {
                return Err(OidcError::invalid(
                    "The Jwt content is invalid that cannot be recognized.",
                    "sub is required (1 to 1024 bytes)",
                ))
            }
        };
        Ok(VerifiedToken {
            issuer: iss.to_string(),
            subject,
            audiences,
            issued_at: iat.0,
            expires_at: exp.0,
        })
    }
}

impl UnverifiedToken {
    fn raw_issuer(&self) -> String {
        self.claims.iss.clone().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifier_is_send_and_sync() {
        fn check<T: Send + Sync + Clone>() {}
        check::<Verifier>();
        check::<crate::saml::IdpMetadata>();
    }

    #[test]
    fn fingerprints() {
        let f = "AB:CD:EF:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:AB:CD:EF:01";
        assert_eq!(
            normalize_fingerprint(f).as_deref(),
            Some("abcdef0123456789abcdef0123456789abcdef01")
        );
        assert!(normalize_fingerprint("abc").is_none());
        assert!(normalize_fingerprint(&"g".repeat(40)).is_none());
        assert!(normalize_fingerprint(&"a".repeat(41)).is_none());
        assert_eq!(fingerprint_bytes(f).unwrap()[0], 0xab);
    }

    #[test]
    fn ttl_clamp() {
        let min = Duration::from_secs(300);
        let max = Duration::from_secs(3600);
        assert_eq!(cache_ttl(None, min, max), max);
        assert_eq!(cache_ttl(Some(0), min, max), min);
        assert_eq!(cache_ttl(Some(10), min, max), min);
        assert_eq!(cache_ttl(Some(900), min, max), Duration::from_secs(900));
        assert_eq!(cache_ttl(Some(86_400), min, max), max);
    }

    #[test]
    fn echo_is_bounded() {
        let s = "x".repeat(1000);
        assert_eq!(safe_echo(&s).len(), 67);
        assert_eq!(safe_echo("a\nb\u{7f}"), "a?b?");
    }
}
