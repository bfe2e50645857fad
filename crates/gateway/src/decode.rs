//! Decoding an HTTP request into product, action, parameters and format.

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
    let params = Params::from_pairs(req.pairs());
    let format = match params.get("Format") {
        Some(f) if f.eq_ignore_ascii_case("xml") => Format::Xml,
        Some(f) if f.eq_ignore_ascii_case("json") || f.is_empty() => Format::Json,
        Some(f) => {
            return Err(ApiError::invalid(
                "Format",
                format!("The parameter \"Format\" must be `JSON` or `XML`, got `{f}`."),
            ))
        }
        None => format_of(req),
    };
    let version = params
        .get("Version")
        .or_else(|| req.header("x-acs-version"))
        .filter(|v| !v.is_empty())
        .ok_or_else(|| ApiError::missing("Version"))?;
    let product = Product::from_version(version).ok_or_else(|| {
        ApiError::new(
            400,
            "InvalidVersion",
            format!(
                "Specified parameter Version is not valid: `{version}` is not served here (RAM 2015-05-01, STS 2015-04-01, KMS 2016-01-20, ActionTrail 2020-07-06)."
            ),
        )
    })?;
    let action = params
        .get("Action")
        .or_else(|| req.header("x-acs-action"))
        .filter(|v| !v.is_empty())
        .ok_or_else(|| ApiError::missing("Action"))?
        .to_string();
    Ok(Decoded {
        product,
        action,
        params,
        format,
    })
}
