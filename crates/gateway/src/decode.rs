//! Decoding an HTTP request into product, action, parameters and format.
//!
//! Every part of a request is bounded before it is kept: the query and the
//! body by size, the parameters by count, name length and value length, and
//! `Action` and `Version` by length. A request over a bound is refused with
//! the error envelope, without echoing the oversized text.

use rampart_core::ApiError;

use crate::{Params, Product};

/// An HTTP request as the gateway sees it (independent of the HTTP server).
#[derive(Debug, Clone, Default)]
pub struct RpcRequest {
    /// `GET`, `POST`, …
    pub method: String,
    /// The path (`/`).
    pub path: String,
    /// The raw query string, without `?`.
    pub query: String,
    /// Headers with lowercase names, in arrival order.
    pub headers: Vec<(String, String)>,
    /// The raw body.
    pub body: Vec<u8>,
    /// The peer address.
    pub source_ip: Option<String>,
    /// Whether the request came over TLS.
    pub secure: bool,
}

impl RpcRequest {
    /// The first value of a header (name in lowercase).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a header (name in lowercase).
    pub fn header_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn is_form_body(&self) -> bool {
        !self.body.is_empty()
            && self.header("content-type").is_none_or(|ct| {
                ct.to_ascii_lowercase()
                    .starts_with("application/x-www-form-urlencoded")
            })
    }

    /// Query pairs then form-body pairs, decoded with form semantics (`+` is a space).
    pub fn pairs(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = form_urlencoded::parse(self.query.as_bytes())
            .into_owned()
            .collect();
        if self.is_form_body() {
            out.extend(form_urlencoded::parse(&self.body).into_owned());
        }
        out
    }

    /// [`Self::pairs`] within the bounds: the query and body sizes, the
    /// number of parameters, and each name's and value's length.
    pub fn bounded_pairs(&self) -> Result<Vec<(String, String)>, ApiError> {
        check_sizes(self)?;
        let mut out = Vec::new();
        add_bounded(&mut out, self.query.as_bytes())?;
        if self.is_form_body() {
            add_bounded(&mut out, &self.body)?;
        }
        Ok(out)
    }
}

/// Longest query string accepted, in bytes (64 KiB). The HTTP server
/// refuses a longer request URI (65,534 bytes) with 414 before it gets here.
/// A 30,720-byte binary `SecretData` (40,960 base64 characters) fits with
/// room to spare.
pub const MAX_QUERY_BYTES: usize = 64 * 1024;
/// Largest request body accepted, in bytes (256 KiB).
pub const MAX_BODY_BYTES: usize = 256 * 1024;
/// Most parameters in one request (query and form body together).
pub const MAX_PARAMS: usize = 256;
/// Longest parameter name, in bytes.
pub const MAX_PARAM_NAME_BYTES: usize = 128;
/// Longest parameter value after decoding, in bytes (64 KiB): a 30,720-byte
/// `SecretData` in base64 and a 6,144-character `PolicyDocument` fit.
pub const MAX_PARAM_VALUE_BYTES: usize = 64 * 1024;
/// Longest `Action` (parameter or `x-acs-action` header), in bytes. The
/// longest real action name is under 50 characters.
pub const MAX_ACTION_BYTES: usize = 64;
/// Longest `Version` (parameter or `x-acs-version` header), in bytes.
pub const MAX_VERSION_BYTES: usize = 32;

/// An error with a fixed code and a message that quotes no request text.
fn too_large(status: u16, code: &'static str, message: String) -> ApiError {
    ApiError::new(status, code, message)
}

/// Checks the sizes of the query and the body.
pub fn check_sizes(req: &RpcRequest) -> Result<(), ApiError> {
    if req.query.len() > MAX_QUERY_BYTES {
        return Err(too_large(
            414,
            "Request.QueryTooLong",
            format!(
                "The query string is {} bytes; at most {MAX_QUERY_BYTES} are accepted. Send large parameters in a form body.",
                req.query.len()
            ),
        ));
    }
    if req.body.len() > MAX_BODY_BYTES {
        return Err(too_large(
            413,
            "Request.BodyTooLarge",
            format!(
                "The request body is {} bytes; at most {MAX_BODY_BYTES} are accepted.",
                req.body.len()
            ),
        ));
    }
    Ok(())
}

/// A name fit to quote in a message: short, printable ASCII, or nothing.
fn quotable(name: &str) -> Option<&str> {
    (name.len() <= MAX_PARAM_NAME_BYTES && name.bytes().all(|b| b.is_ascii_graphic()))
        .then_some(name)
}

/// Adds the pairs of one form-encoded source to `out`, within the bounds.
fn add_bounded(out: &mut Vec<(String, String)>, src: &[u8]) -> Result<(), ApiError> {
    for (k, v) in form_urlencoded::parse(src) {
        if out.len() >= MAX_PARAMS {
            return Err(too_large(
                400,
                "InvalidParameter.TooMany",
                format!("The request has more than {MAX_PARAMS} parameters."),
            ));
        }
        if k.len() > MAX_PARAM_NAME_BYTES {
            return Err(too_large(
                400,
                "InvalidParameter.NameTooLong",
                format!("A parameter name is longer than {MAX_PARAM_NAME_BYTES} bytes."),
            ));
        }
        if v.len() > MAX_PARAM_VALUE_BYTES {
            let message = match quotable(&k) {
                Some(name) => format!(
                    "The value of the parameter \"{name}\" is longer than {MAX_PARAM_VALUE_BYTES} bytes."
                ),
                None => format!("A parameter value is longer than {MAX_PARAM_VALUE_BYTES} bytes."),
            };
            return Err(too_large(400, "InvalidParameter.ValueTooLong", message));
        }
        out.push((k.into_owned(), v.into_owned()));
    }
    Ok(())
}

/// Response encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `application/json`.
    Json,
    /// `text/xml`.
    Xml,
}

/// A decoded request: what is asked, of which product, in which format.
#[derive(Debug, Clone)]
pub struct Decoded {
    /// The product chosen by the API version.
    pub product: Product,
    /// The action name.
    pub action: String,
    /// All parameters (query and form body).
    pub params: Params,
    /// Response format.
    pub format: Format,
}

/// The response format asked for by `Format` or, failing that, `Accept`.
pub fn format_of(req: &RpcRequest) -> Format {
    let format_param = form_urlencoded::parse(req.query.as_bytes())
        .find(|(k, _)| k == "Format")
        .map(|(_, v)| v.into_owned());
    match format_param {
        Some(f) if f.eq_ignore_ascii_case("xml") => Format::Xml,
        Some(f) if f.eq_ignore_ascii_case("json") => Format::Json,
        _ => match req.header("accept") {
            Some(a) if a.contains("xml") && !a.contains("json") => Format::Xml,
            _ => Format::Json,
        },
    }
}

/// Decodes product, action, parameters and format.
pub fn decode(req: &RpcRequest) -> Result<Decoded, ApiError> {
    let params = Params::from_pairs(req.bounded_pairs()?);
    let format = match params.get("Format") {
        Some(f) if f.eq_ignore_ascii_case("xml") => Format::Xml,
        Some(f) if f.eq_ignore_ascii_case("json") || f.is_empty() => Format::Json,
        Some(f) => {
            let got = if f.len() <= 16 {
                format!(", got `{f}`")
            } else {
                String::new()
            };
            return Err(ApiError::invalid(
                "Format",
                format!("The parameter \"Format\" must be `JSON` or `XML`{got}."),
            ));
        }
        None => format_of(req),
    };
    let version = params
        .get("Version")
        .or_else(|| req.header("x-acs-version"))
        .filter(|v| !v.is_empty())
        .ok_or_else(|| ApiError::missing("Version"))?;
    if version.len() > MAX_VERSION_BYTES || !version.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ApiError::of(rampart_core::codes::INVALID_VERSION,
            "Specified parameter Version is not valid: it is not a version served here (RAM 2015-05-01, STS 2015-04-01, KMS 2016-01-20, IMS 2019-08-15, ActionTrail 2020-07-06).",
        ));
    }
    let product = Product::from_version(version).ok_or_else(|| {
        ApiError::of(rampart_core::codes::INVALID_VERSION,
            format!(
                "Specified parameter Version is not valid: `{version}` is not served here (RAM 2015-05-01, STS 2015-04-01, KMS 2016-01-20, IMS 2019-08-15, ActionTrail 2020-07-06)."
            ),
        )
    })?;
    let action = params
        .get("Action")
        .or_else(|| req.header("x-acs-action"))
        .filter(|v| !v.is_empty())
        .ok_or_else(|| ApiError::missing("Action"))?;
    if action.len() > MAX_ACTION_BYTES || !action.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(ApiError::of(rampart_core::codes::INVALID_ACTION_NOT_FOUND,
            format!(
                "Specified api is not found, please check your url and method. (An action of {} version {} is a name of letters and digits of at most {MAX_ACTION_BYTES} characters.)",
                product.code(),
                product.version()
            ),
        ));
    }
    let action = action.to_string();
    check_characters(&params)?;
    Ok(Decoded {
        product,
        action,
        params,
        format,
    })
}

pub use rampart_core::ram::validate::xml_char;

/// Free text that is kept and shown back (descriptions, comments, display
/// names, tags): only what an XML answer can carry.
fn free_text(name: &str) -> bool {
    let base = name.rsplit('.').next().unwrap_or(name);
    matches!(
        base,
        "Description"
            | "NewDescription"
            | "Comments"
            | "NewComments"
            | "DisplayName"
            | "NewDisplayName"
            | "Tags"
            | "Tag"
            | "TagKey"
            | "TagValue"
            | "TagKeys"
    ) || (name.starts_with("Tag.") && matches!(base, "Key" | "Value"))
        || name.starts_with("TagKey.")
}

/// No parameter holds a NUL (no store keeps it in text alike), and free
/// text holds nothing an XML answer could not carry: the same 400 on every
/// backend, before anything is stored.
fn check_characters(params: &Params) -> Result<(), ApiError> {
    for (name, value) in params.iter() {
        let bad = if free_text(name) {
            value.chars().position(|c| !xml_char(c))
        } else {
            value.chars().position(|c| c == '\0')
        };
        if let Some(at) = bad {
            let shown = if name.len() <= 64 {
                name
            } else {
                "(a parameter)"
            };
            return Err(ApiError::dynamic(
                400,
                format!("InvalidParameter.{}", if name.len() <= 64 { name } else { "Value" }),
                format!(
                    "The specified parameter \"{shown}\" is not valid: character {} is a control character (or U+FFFE/U+FFFF), which it may not hold.",
                    at + 1
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(pairs: &[(&str, &str)]) -> RpcRequest {
        RpcRequest {
            method: "POST".into(),
            path: "/".into(),
            query: form_urlencoded::Serializer::new(String::new())
                .extend_pairs(pairs)
                .finish(),
            ..Default::default()
        }
    }

    fn code(req: &RpcRequest) -> String {
        decode(req)
            .err()
            .map(|e| e.code.to_string())
            .unwrap_or_default()
    }

    #[test]
    fn real_sizes_fit() {
        // The largest binary SecretData (30,720 bytes, base64) in the query
        // and the largest PolicyDocument in a form body.
        use base64::Engine;
        let bytes: Vec<u8> = (0..30720u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        let secret = base64::engine::general_purpose::STANDARD.encode(bytes);
        let req = query(&[
            ("Action", "CreateSecret"),
            ("Version", "2016-01-20"),
            ("SecretData", &secret),
        ]);
        assert!(req.query.len() <= MAX_QUERY_BYTES, "{}", req.query.len());
        let d = decode(&req).unwrap();
        assert_eq!(d.params.get("SecretData"), Some(secret.as_str()));
        let policy = "x".repeat(6144);
        let mut req = query(&[("Action", "CreatePolicy"), ("Version", "2015-05-01")]);
        req.body = form_urlencoded::Serializer::new(String::new())
            .append_pair("PolicyDocument", &policy)
            .finish()
            .into_bytes();
        assert_eq!(
            decode(&req).unwrap().params.get("PolicyDocument"),
            Some(policy.as_str())
        );
    }

    #[test]
    fn oversized_action_and_version_are_refused_without_echo() {
        let long = "A".repeat(MAX_ACTION_BYTES + 1);
        let req = query(&[("Action", &long), ("Version", "2015-05-01")]);
        let e = decode(&req).unwrap_err();
        assert_eq!(e.code, "InvalidAction.NotFound");
        assert_eq!(e.status, 404);
        assert!(!e.message.contains(&long));
        let req = query(&[("Action", "List Users"), ("Version", "2015-05-01")]);
        assert_eq!(code(&req), "InvalidAction.NotFound");
        let long = "2".repeat(MAX_VERSION_BYTES + 1);
        let req = query(&[("Action", "ListUsers"), ("Version", &long)]);
        let e = decode(&req).unwrap_err();
        assert_eq!(e.code, "InvalidVersion");
        assert!(!e.message.contains(&long));
        let mut req = query(&[("Version", "2015-05-01")]);
        req.headers
            .push(("x-acs-action".into(), "B".repeat(MAX_ACTION_BYTES + 1)));
        assert_eq!(code(&req), "InvalidAction.NotFound");
        let req = query(&[("Action", "ListUsers"), ("Version", "2015-05-01")]);
        assert_eq!(decode(&req).unwrap().action, "ListUsers");
    }

    #[test]
    fn parameter_bounds() {
        let many: Vec<(String, String)> = (0..=MAX_PARAMS)
            .map(|i| (format!("P{i}"), "v".to_string()))
            .collect();
        let refs: Vec<(&str, &str)> = many.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(code(&query(&refs)), "InvalidParameter.TooMany");
        assert!(decode(&query(&refs[..MAX_PARAMS - 2])).is_err()); // no Action
        let name = "N".repeat(MAX_PARAM_NAME_BYTES + 1);
        assert_eq!(
            code(&query(&[(name.as_str(), "v")])),
            "InvalidParameter.NameTooLong"
        );
        let value = "v".repeat(MAX_PARAM_VALUE_BYTES + 1);
        let mut req = query(&[]);
        req.body = format!("PolicyDocument={value}").into_bytes();
        let e = decode(&req).unwrap_err();
        assert_eq!(e.code, "InvalidParameter.ValueTooLong");
        assert!(e.message.contains("PolicyDocument"));
        // The body counts with the query.
        let mut req = query(&refs[..MAX_PARAMS / 2]);
        req.body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&refs[MAX_PARAMS / 2..])
            .finish()
            .into_bytes();
        assert_eq!(code(&req), "InvalidParameter.TooMany");
    }

    #[test]
    fn oversized_query_and_body_are_refused() {
        let mut req = query(&[("Action", "ListUsers"), ("Version", "2015-05-01")]);
        req.body = vec![b'a'; MAX_BODY_BYTES + 1];
        let e = decode(&req).unwrap_err();
        assert_eq!((e.status, e.code.as_ref()), (413, "Request.BodyTooLarge"));
        let req = RpcRequest {
            query: "a".repeat(MAX_QUERY_BYTES + 1),
            ..Default::default()
        };
        assert_eq!(code(&req), "Request.QueryTooLong");
        let req = query(&[
            ("Action", "ListUsers"),
            ("Version", "2015-05-01"),
            ("Format", &"x".repeat(1000)),
        ]);
        let e = decode(&req).unwrap_err();
        assert!(!e.message.contains("xxxxxxxxxxxxxxxxx"), "{}", e.message);
    }
}
