//! Authentication: which AccessKey signed the request, is the signature
//! right, is the request fresh and not replayed. The result is a
//! [`Principal`]; handlers never see credentials.

use rampart_core::account::ResolvedKey;
use rampart_core::{ApiError, Principal, Rampart};

use crate::decode::{Decoded, RpcRequest};
use crate::sign::{v1, v3};

/// How far a request's timestamp may be from the server's clock, either way.
pub const CLOCK_WINDOW_SECS: i64 = 15 * 60;

/// Verifies a request's signature, freshness and nonce; returns its principal.
pub fn authenticate(
    rampart: &Rampart,
    req: &RpcRequest,
    d: &Decoded,
) -> Result<Principal, ApiError> {
    let key = if let Some(h) = req
        .header("authorization")
        .filter(|h| h.starts_with("ACS3-"))
    {
        verify_v3(rampart, req, h)?
    } else if d.params.get("Signature").is_some() {
        verify_v1(rampart, req, d)?
    } else {
        return Err(ApiError::new(
            400,
            "IncompleteSignature",
            "The request signature does not conform to Alibaba Cloud standards: sign it with the `Signature` parameter (V1) or an `Authorization: ACS3-HMAC-SHA256 …` header (V3).",
        ));
    };
    rampart.note_key_used(&key);
    Ok(key.principal)
}

fn check_timestamp(rampart: &Rampart, name: &str, value: Option<&str>) -> Result<i64, ApiError> {
    let value = value
        .filter(|v| !v.is_empty())
        .ok_or_else(|| ApiError::missing(name))?;
    let ts = rampart_core::time::parse(value).ok_or_else(|| {
        ApiError::new(
            400,
            "InvalidTimeStamp.Format",
            format!("Specified time stamp or date value is not well formatted: `{value}` is not `YYYY-MM-DDThh:mm:ssZ` (UTC)."),
        )
    })?;
    let now = rampart.now();
    if (now - ts).abs() > CLOCK_WINDOW_SECS {
        return Err(ApiError::new(
            400,
            "InvalidTimeStamp.Expired",
            format!(
                "Specified time stamp or date value is expired: `{value}` is more than 15 minutes from the server time {}.",
                rampart_core::time::format(now)
            ),
        ));
    }
    Ok(ts)
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
        ApiError::new(
            404,
            "InvalidAccessKeyId.NotFound",
            "Specified access key is not found.",
        )
    })?;
    if !key.active {
        return Err(ApiError::new(
            400,
            "InvalidAccessKeyId.Inactive",
            "Specified access key is disabled.",
        ));
    }
    Ok(key)
}

fn mismatch(server_string_to_sign: &str) -> ApiError {
    ApiError::new(
        400,
        "SignatureDoesNotMatch",
        format!("Specified signature is not matched with our calculation. server string to sign is:{server_string_to_sign}"),
    )
}

fn check_nonce(rampart: &Rampart, key: &ResolvedKey, nonce: &str, ts: i64) -> Result<(), ApiError> {
    let expires = ts.max(rampart.now()) + CLOCK_WINDOW_SECS;
    if rampart.use_nonce(key.principal.access_key_id(), nonce, expires)? {
        Ok(())
    } else {
        Err(ApiError::new(
            400,
            "SignatureNonceUsed",
            "Specified signature nonce was used already.",
        ))
    }
}

fn verify_v1(rampart: &Rampart, req: &RpcRequest, d: &Decoded) -> Result<ResolvedKey, ApiError> {
    let p = &d.params;
    let access_key_id = p.required("AccessKeyId")?;
    match p.get("SignatureMethod") {
        Some("HMAC-SHA1") | None => {}
        Some(other) => {
            return Err(ApiError::new(
                400,
                "InvalidSignatureMethod",
                format!("Specified signature method `{other}` is not supported; use `HMAC-SHA1`."),
            ))
        }
    }
    let ts = check_timestamp(rampart, "Timestamp", p.get("Timestamp"))?;
    let nonce = p.required("SignatureNonce")?;
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
    check_nonce(rampart, &key, nonce, ts)?;
    Ok(key)
}

fn verify_v3(rampart: &Rampart, req: &RpcRequest, header: &str) -> Result<ResolvedKey, ApiError> {
    let auth = v3::parse_authorization(header).ok_or_else(|| {
        ApiError::new(
            400,
            "IncompleteSignature",
            "The request signature does not conform to Alibaba Cloud standards: the `Authorization` header must be `ACS3-HMAC-SHA256 Credential=<AccessKeyId>,SignedHeaders=<h1;h2>,Signature=<hex>`.",
        )
    })?;
    for required in ["x-acs-date", "x-acs-signature-nonce"] {
        if !auth.signed_headers.iter().any(|h| h == required) {
            return Err(ApiError::new(
                400,
                "IncompleteSignature",
                format!("The request signature does not conform to Alibaba Cloud standards: header `{required}` must be signed."),
            ));
        }
    }
    let ts = check_timestamp(rampart, "x-acs-date", req.header("x-acs-date"))?;
    let nonce = req
        .header("x-acs-signature-nonce")
        .filter(|n| !n.is_empty())
        .ok_or_else(|| ApiError::missing("x-acs-signature-nonce"))?;
    let key = lookup(
        rampart,
        &auth.access_key_id,
        req.header("x-acs-security-token"),
    )?;

    let body_hash = auth.algorithm.hash_hex(&req.body);
    let declared = req
        .header("x-acs-content-sha256")
        .or_else(|| req.header("x-acs-content-sm3"));
    if let Some(declared) = declared {
        if !declared.eq_ignore_ascii_case(&body_hash) {
            return Err(ApiError::new(
                400,
                "SignatureDoesNotMatch",
                format!("Specified signature is not matched with our calculation. server string to sign is:(the body hash `{declared}` in x-acs-content-sha256 does not match the body, whose hash is `{body_hash}`)"),
            ));
        }
    }
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
    let sts_for = |encode_keys: bool| {
        let query = v3::canonical_query(&pairs, encode_keys);
        let cr = v3::canonical_request(&v3::CanonicalInput {
            method: &req.method,
            path,
            query: &query,
            headers: &headers,
            hashed_payload: &body_hash,
        });
        v3::string_to_sign(auth.algorithm, &cr)
    };
    let sts = sts_for(false);
    let matches = |sts: &str| {
        rampart_crypto::ct_eq(
            v3::sign(auth.algorithm, key.secret.expose(), sts).as_bytes(),
            auth.signature.to_ascii_lowercase().as_bytes(),
        )
    };
    let ok = matches(&sts) || {
        let alt = sts_for(true);
        alt != sts && matches(&alt)
    };
    if !ok {
        return Err(mismatch(&sts));
    }
    check_nonce(rampart, &key, nonce, ts)?;
    Ok(key)
}
