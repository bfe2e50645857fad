//! Authentication: which AccessKey signed the request, is the signature
//! right, is the request fresh and not replayed. The result is a
//! [`Principal`]; handlers never see credentials.

use rampart_core::account::{KeyUse, ResolvedKey};
use rampart_core::{ApiError, Principal, Rampart};
use rampart_store::{NonceCheck, StoreResult};

use crate::decode::{Decoded, RpcRequest};
use crate::sign::{v1, v3};

/// How far a request's timestamp may be from the server's clock, either way.
pub const CLOCK_WINDOW_SECS: i64 = 15 * 60;

/// How long a nonce outlives the last second its timestamp is accepted
/// (`ts + CLOCK_WINDOW_SECS`, inclusive): a margin so that no rounding of
/// the clock to whole seconds can open a gap between the two.
pub const NONCE_MARGIN_SECS: i64 = 1;

/// The longest signature nonce accepted (the SDKs send 32 to 36 characters).
pub const MAX_NONCE_LEN: usize = 128;

/// Headers every V3 request must sign, besides the body hash
/// (`x-acs-content-sha256`, or `x-acs-content-sm3` for `ACS3-HMAC-SM3`).
/// The official SDKs (Python `alibabacloud_tea_openapi`, Node
/// `@alicloud/openapi-core` and `@alicloud/openapi-client`) sign all of them.
pub const V3_REQUIRED_SIGNED: [&str; 5] = [
    "host",
    "x-acs-action",
    "x-acs-version",
    "x-acs-date",
    "x-acs-signature-nonce",
];

/// Verifies a request's signature, freshness and nonce; returns its principal.
/// With `defer`, a nonce's verdict that is still being written may be left
/// to come (the caller must not answer before it, and records the key's use
/// only once it is in); otherwise it is awaited here.
pub fn authenticate(
    rampart: &Rampart,
    req: &RpcRequest,
    d: &Decoded,
    defer: bool,
    early: Option<SignedV3>,
) -> Result<(Principal, Option<Pending>), ApiError> {
    // One reading of the clock for the timestamp and the nonce, so a nonce is
    // remembered for as long as its timestamp passes.
    let now = Now::read(rampart);
    let (key, check) = if let Some(signed) = early {
        signed.finish(rampart, req, d)?
    } else if let Some(h) = req
        .header("authorization")
        .filter(|h| h.starts_with("ACS3-"))
    {
        verify_v3(rampart, req, d, h, now)?
    } else if d.params.get("Signature").is_some() {
        verify_v1(rampart, req, d, now)?
    } else {
        return Err(ApiError::of(rampart_core::codes::INCOMPLETE_SIGNATURE,
            "The request signature does not conform to Alibaba Cloud standards: sign it with the `Signature` parameter (V1) or an `Authorization: ACS3-HMAC-SHA256 …` header (V3).",
        ));
    };
    // A verdict known at once (the embedded store's window) is applied at
    // once; one that is still being written is awaited here unless the
    // caller may run the action meanwhile.
    let pending = match check {
        NonceCheck::Ready(verdict) => {
            settle(verdict)?;
            None
        }
        pending if defer => Some(pending),
        pending => {
            settle(pending.wait())?;
            None
        }
    };
    let key_use = KeyUse::of(&key);
    match pending {
        // A refused replay must change nothing: the key's use is written
        // only once the verdict says the request is fresh.
        Some(check) => Ok((key.principal, Some(Pending { check, key_use }))),
        None => {
            rampart.note_key_use(&key_use);
            Ok((key.principal, None))
        }
    }
}

/// Authenticates a request to the test mode's control API (`/_rampart/…`):
/// signed with V3 (`ACS3-HMAC-SHA256` or `ACS3-HMAC-SM3`) as any API
/// request, its `x-acs-action` and `x-acs-version` signed but not looked
/// up (any values), its timestamp and nonce checked on the wall clock.
/// Returns the principal that signed it.
pub fn authenticate_control(rampart: &Rampart, req: &RpcRequest) -> Result<Principal, ApiError> {
    let header = req
        .header("authorization")
        .filter(|h| h.starts_with("ACS3-"))
        .ok_or_else(|| {
            incomplete("sign the request with an `Authorization: ACS3-HMAC-SHA256 …` header (V3).")
        })?;
    let d = Decoded {
        product: crate::Product::Ram,
        action: String::new(),
        params: crate::Params::from_pairs(req.pairs()),
        format: crate::Format::Json,
    };
    let now = Now::read(rampart);
    let (key, check) = verify_v3(rampart, req, &d, header, now)?;
    match check {
        NonceCheck::Ready(verdict) => settle(verdict)?,
        pending => settle(pending.wait())?,
    }
    rampart.note_key_use(&KeyUse::of(&key));
    Ok(key.principal)
}

/// A nonce whose verdict is still being written, and what to record once
/// it says the request is fresh.
#[derive(Debug)]
pub struct Pending {
    /// The verdict to come.
    pub check: NonceCheck,
    /// The key's use, recorded only for a fresh request.
    pub key_use: KeyUse,
}

fn incomplete(detail: impl std::fmt::Display) -> ApiError {
    ApiError::of(
        rampart_core::codes::INCOMPLETE_SIGNATURE,
        format!("The request signature does not conform to Alibaba Cloud standards: {detail}"),
    )
}

/// One reading of the clock: the exact instant, and its whole second.
#[derive(Debug, Clone, Copy)]
struct Now {
    /// Unix seconds, rounded down.
    secs: i64,
    /// Unix nanoseconds.
    nanos: i128,
}

impl Now {
    /// The wall clock: SDKs sign with the real time, which a test clock
    /// ahead of it must not refuse.
    fn read(rampart: &Rampart) -> Self {
        let nanos = rampart.wall_now_nanos();
        Self {
            secs: i64::try_from(nanos.div_euclid(1_000_000_000)).unwrap_or(i64::MAX),
            nanos,
        }
    }
}

/// The timestamp of a request (whole seconds, rounded down), refused
/// unless its exact instant is within [`CLOCK_WINDOW_SECS`] of `now`
/// (inclusive). A fraction of a second of any length is accepted.
fn check_timestamp(now: Now, name: &str, value: Option<&str>) -> Result<i64, ApiError> {
    let value = value
        .filter(|v| !v.is_empty())
        .ok_or_else(|| ApiError::missing(name))?;
    let ts = rampart_core::time::parse_nanos(value).ok_or_else(|| {
        ApiError::of(rampart_core::codes::INVALID_TIME_STAMP_FORMAT,
            format!("Specified time stamp or date value is not well formatted: `{}` is not `YYYY-MM-DDThh:mm:ss[.fraction]Z` (UTC).", crate::echo(value)),
        )
    })?;
    if (now.nanos - ts).abs() > i128::from(CLOCK_WINDOW_SECS) * 1_000_000_000 {
        return Err(ApiError::of(rampart_core::codes::INVALID_TIME_STAMP_EXPIRED,
            format!(
                "Specified time stamp or date value is expired: `{}` is more than 15 minutes from the server time {}.",
                crate::echo(value),
                rampart_core::time::format(now.secs)
            ),
        ));
    }
    i64::try_from(ts.div_euclid(1_000_000_000))
        .map_err(|_| ApiError::invalid(name, format!("The parameter \"{name}\" is out of range.")))
}

fn lookup(
    rampart: &Rampart,
    access_key_id: &str,
    token: Option<&str>,
) -> Result<ResolvedKey, ApiError> {
    if access_key_id.starts_with("STS.") {
        return rampart.resolve_session(access_key_id, token);
    }
    let key = rampart.resolve_access_key(access_key_id)?.ok_or_else(|| {
        ApiError::of(
            rampart_core::codes::INVALID_ACCESS_KEY_ID_NOT_FOUND,
            "Specified access key is not found.",
        )
    })?;
    if !key.active {
        return Err(ApiError::of(
            rampart_core::codes::INVALID_ACCESS_KEY_ID_INACTIVE,
            "Specified access key is disabled.",
        ));
    }
    Ok(key)
}

fn mismatch(server_string_to_sign: &str) -> ApiError {
    ApiError::of(rampart_core::codes::SIGNATURE_DOES_NOT_MATCH,
        format!("Specified signature is not matched with our calculation. server string to sign is:{server_string_to_sign}"),
    )
}

fn check_nonce_form(name: &str, nonce: &str) -> Result<(), ApiError> {
    if nonce.len() > MAX_NONCE_LEN {
        return Err(ApiError::invalid(
            "SignatureNonce",
            format!("The {name} is longer than {MAX_NONCE_LEN} characters."),
        ));
    }
    Ok(())
}

/// Records the nonce until the last second at which a request with timestamp
/// `ts` can still pass [`check_timestamp`] (`ts + CLOCK_WINDOW_SECS`), and a
/// margin beyond; the store keeps it while `now <= expires`. The expiry
/// depends on the signed timestamp only, so a replay carries the expiry of
/// the original (a bounded window may rely on it).
fn submit_nonce(
    rampart: &Rampart,
    key: &ResolvedKey,
    nonce: &str,
    ts: i64,
    now: i64,
) -> NonceCheck {
    let expires = ts + CLOCK_WINDOW_SECS + NONCE_MARGIN_SECS;
    rampart.submit_nonce(key.principal.access_key_id(), nonce, now, expires)
}

/// A nonce's verdict as the request's outcome: a nonce seen already is a
/// replay.
pub(crate) fn settle(verdict: StoreResult<bool>) -> Result<(), ApiError> {
    match verdict {
        Ok(true) => Ok(()),
        Ok(false) => Err(ApiError::of(
            rampart_core::codes::SIGNATURE_NONCE_USED,
            "Specified signature nonce was used already.",
        )),
        Err(e) => Err(ApiError::internal(e)),
    }
}

fn verify_v1(
    rampart: &Rampart,
    req: &RpcRequest,
    d: &Decoded,
    now: Now,
) -> Result<(ResolvedKey, NonceCheck), ApiError> {
    let p = &d.params;
    let access_key_id = p.required("AccessKeyId")?;
    match p.get("SignatureMethod") {
        Some("HMAC-SHA1") | None => {}
        Some(other) => {
            return Err(ApiError::of(
                rampart_core::codes::INVALID_SIGNATURE_METHOD,
                format!("Specified signature method `{other}` is not supported; use `HMAC-SHA1`."),
            ))
        }
    }
    let ts = check_timestamp(now, "Timestamp", p.get("Timestamp"))?;
    let nonce = p.required("SignatureNonce")?;
    check_nonce_form("SignatureNonce", nonce)?;
    let key = lookup(rampart, access_key_id, p.get("SecurityToken"))?;
    let given = p.get("Signature").unwrap_or_default();
    let pairs = req.pairs();
    let canonical = v1::canonical_query(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let sts = v1::string_to_sign(&req.method, &canonical);
    let ok = rampart_crypto::ct_eq(
        v1::sign(key.secret.expose(), &sts).as_bytes(),
        given.as_bytes(),
    ) || {
        let plus = v1::string_to_sign_plus(&req.method, &canonical);
        plus != sts
            && rampart_crypto::ct_eq(
                v1::sign(key.secret.expose(), &plus).as_bytes(),
                given.as_bytes(),
            )
    };
    if !ok {
        return Err(mismatch(&sts));
    }
    let check = submit_nonce(rampart, &key, nonce, ts, now.secs);
    Ok((key, check))
}

/// The one value of a header the V3 rules need: present once, not empty.
fn single_header<'a>(req: &'a RpcRequest, name: &str) -> Result<&'a str, ApiError> {
    let mut values = req
        .headers
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.as_str());
    match (values.next(), values.next()) {
        (Some(v), None) if !v.trim().is_empty() => Ok(v),
        (Some(_), Some(_)) => Err(incomplete(format_args!(
            "header `{name}` is sent more than once."
        ))),
        _ => Err(ApiError::missing(name)),
    }
}

/// The V3 rules on `SignedHeaders`: every header that says what is asked,
/// by whom and when must be signed, so that none can be changed or added
/// on the way: [`V3_REQUIRED_SIGNED`], the body hash header, and, when
/// present, `x-acs-security-token` and (with a body) `content-type`, which
/// decides whether the body is read as parameters.
fn check_signed_headers(req: &RpcRequest, auth: &v3::Authorization) -> Result<(), ApiError> {
    let signed = |h: &str| auth.signed_headers.iter().any(|s| s == h);
    let must_sign = |h: &str| {
        incomplete(format_args!(
            "header `{h}` must be signed (listed in SignedHeaders)."
        ))
    };
    for h in V3_REQUIRED_SIGNED {
        if !signed(h) {
            return Err(must_sign(h));
        }
    }
    match auth.algorithm {
        v3::Algorithm::HmacSha256 => {
            if !signed("x-acs-content-sha256") {
                return Err(must_sign("x-acs-content-sha256"));
            }
        }
        // The official SDKs send the SM3 digest under x-acs-content-sha256.
        v3::Algorithm::HmacSm3 => {
            if !signed("x-acs-content-sm3") && !signed("x-acs-content-sha256") {
                return Err(must_sign("x-acs-content-sm3"));
            }
        }
    }
    if req.header("x-acs-security-token").is_some() && !signed("x-acs-security-token") {
        return Err(must_sign("x-acs-security-token"));
    }
    if !req.body.is_empty() && req.header("content-type").is_some() && !signed("content-type") {
        return Err(must_sign("content-type"));
    }
    for h in ["host", "x-acs-action", "x-acs-version"] {
        single_header(req, h)?;
    }
    Ok(())
}

/// A V3 request names its action and version in signed headers; the query or
/// body may repeat them, but not say otherwise (the decoder reads them from
/// the parameters first).
fn check_action_version(req: &RpcRequest, d: &Decoded) -> Result<(), ApiError> {
    for (param, header) in [("Action", "x-acs-action"), ("Version", "x-acs-version")] {
        let signed = req.header(header).unwrap_or_default();
        if let Some(given) = d.params.get(param) {
            if given != signed {
                return Err(incomplete(format_args!(
                    "the parameter `{param}` (`{given}`) differs from the signed header `{header}` (`{signed}`)."
                )));
            }
        }
    }
    Ok(())
}

/// A V3 signature checked before the request's parameters were read (see
/// [`verify_v3_signature`]): what is left is the parameters' agreement with
/// the signed headers and the nonce.
pub struct SignedV3 {
    key: ResolvedKey,
    ts: i64,
    nonce: String,
    now: Now,
}

impl std::fmt::Debug for SignedV3 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The key holds its secret: only its principal is shown.
        f.debug_struct("SignedV3")
            .field("principal", &self.key.principal)
            .field("ts", &self.ts)
            .finish_non_exhaustive()
    }
}

impl SignedV3 {
    fn finish(
        self,
        rampart: &Rampart,
        req: &RpcRequest,
        d: &Decoded,
    ) -> Result<(ResolvedKey, NonceCheck), ApiError> {
        check_action_version(req, d)?;
        let check = submit_nonce(rampart, &self.key, &self.nonce, self.ts, self.now.secs);
        Ok((self.key, check))
    }
}

/// Checks a V3-signed request's signature from its headers, query and
/// body hash alone, before its form body is decoded into parameters: a
/// request with a wrong signature costs one hash of its body and no
/// parsing. `None` when the request is not V3-signed.
pub fn verify_v3_signature(
    rampart: &Rampart,
    req: &RpcRequest,
) -> Option<Result<SignedV3, ApiError>> {
    let header = req
        .header("authorization")
        .filter(|h| h.starts_with("ACS3-"))?;
    let now = Now::read(rampart);
    Some(
        signature_v3(rampart, req, header, now).map(|(key, ts, nonce)| SignedV3 {
            key,
            ts,
            nonce: nonce.to_string(),
            now,
        }),
    )
}

fn verify_v3(
    rampart: &Rampart,
    req: &RpcRequest,
    d: &Decoded,
    header: &str,
    now: Now,
) -> Result<(ResolvedKey, NonceCheck), ApiError> {
    let (key, ts, nonce) = signature_v3(rampart, req, header, now)?;
    check_action_version(req, d)?;
    let check = submit_nonce(rampart, &key, nonce, ts, now.secs);
    Ok((key, check))
}

/// The V3 checks that need no parameter: signed headers, timestamp, key,
/// body hash, signature. Returns the key, the timestamp and the nonce.
fn signature_v3<'r>(
    rampart: &Rampart,
    req: &'r RpcRequest,
    header: &str,
    now: Now,
) -> Result<(ResolvedKey, i64, &'r str), ApiError> {
    let auth = v3::parse_authorization(header).ok_or_else(|| {
        incomplete("the `Authorization` header must be `ACS3-HMAC-SHA256 Credential=<AccessKeyId>,SignedHeaders=<h1;h2>,Signature=<hex>`.")
    })?;
    check_signed_headers(req, &auth)?;
    let ts = check_timestamp(now, "x-acs-date", Some(single_header(req, "x-acs-date")?))?;
    let nonce = single_header(req, "x-acs-signature-nonce")?;
    check_nonce_form("x-acs-signature-nonce", nonce)?;
    let key = lookup(
        rampart,
        &auth.access_key_id,
        req.header("x-acs-security-token"),
    )?;

    let hash_headers: &[&str] = match auth.algorithm {
        v3::Algorithm::HmacSha256 => &["x-acs-content-sha256"],
        v3::Algorithm::HmacSm3 => &["x-acs-content-sha256", "x-acs-content-sm3"],
    };
    // The signature covers the body hash the client declares: it is checked
    // first, so a wrong signature never costs a hash of the body; then the
    // body must have that hash.
    let declared = hash_headers
        .iter()
        .find_map(|n| req.header_all(n).next())
        .map(|v| v.trim().to_ascii_lowercase());
    let signed_hash = declared
        .clone()
        .unwrap_or_else(|| auth.algorithm.hash_hex(&req.body));
    let headers: Vec<(String, Vec<String>)> = auth
        .signed_headers
        .iter()
        .map(|h| (h.clone(), req.header_all(h).map(str::to_string).collect()))
        .collect();
    let pairs: Vec<(String, String)> = form_urlencoded::parse(req.query.as_bytes())
        .into_owned()
        .collect();
    let path = if req.path.is_empty() {
        "/"
    } else {
        req.path.as_str()
    };
    let sts_for = |query: &str| {
        let cr = v3::canonical_request(&v3::CanonicalInput {
            method: &req.method,
            path,
            query,
            headers: &headers,
            hashed_payload: &signed_hash,
        });
        v3::string_to_sign(auth.algorithm, &cr)
    };
    let given = auth.signature.to_ascii_lowercase();
    let matches = |sts: &str| {
        rampart_crypto::ct_eq(
            v3::sign(auth.algorithm, key.secret.expose(), sts).as_bytes(),
            given.as_bytes(),
        )
    };
    // As specified: keys and values RFC 3986-encoded.
    let sts = sts_for(&v3::canonical_query(&pairs, true));
    // The SDKs encode values only; that form is accepted only when it
    // cannot be read two ways (see `v3::keys_unambiguous`).
    let ok = matches(&sts)
        || (v3::keys_unambiguous(&pairs) && {
            let alt = sts_for(&v3::canonical_query(&pairs, false));
            alt != sts && matches(&alt)
        });
    if !ok {
        return Err(mismatch(&sts));
    }
    if declared.is_some() {
        let body_hash = auth.algorithm.hash_hex(&req.body);
        for &name in hash_headers {
            for declared in req.header_all(name) {
                if !declared.trim().eq_ignore_ascii_case(&body_hash) {
                    return Err(ApiError::of(rampart_core::codes::SIGNATURE_DOES_NOT_MATCH,
                        format!("Specified signature is not matched with our calculation. server string to sign is:(the body hash `{declared}` in {name} does not match the body, whose hash is `{body_hash}`)"),
                    ));
                }
            }
        }
    }
    Ok((key, ts, nonce))
}
