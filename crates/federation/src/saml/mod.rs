//! SAML 2.0 verification for `AssumeRoleWithSAML` and the console's SSO: IdP
//! metadata checked at registration, and a narrow pure-Rust verifier for the
//! one `samlp:Response` shape Rampart accepts (see [`verify_response`]).

mod c14n;
mod dsig;
mod metadata;
mod response;
mod time;

use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use roxmltree::{Node, NodeType};

pub use metadata::{parse_metadata, IdpMetadata, MetadataError, MAX_METADATA_BYTES};
pub use response::{peek_issuer, verify_response, MAX_RESPONSE_CHARS};

pub(crate) const NS_SAMLP: &str = "urn:oasis:names:tc:SAML:2.0:protocol";
pub(crate) const NS_SAML: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
pub(crate) const NS_DS: &str = "http://www.w3.org/2000/09/xmldsig#";
pub(crate) const NS_MD: &str = "urn:oasis:names:tc:SAML:2.0:metadata";

/// Standard-alphabet base64, padding optional, no stray trailing bits.
pub(crate) const B64_LENIENT: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// The audience Alibaba Cloud role SSO uses.
pub const ALIBABA_AUDIENCE: &str = "urn:alibaba:cloudcomputing";
/// The `Role` attribute: values `RoleArn,SAMLProviderArn`.
pub const ROLE_ATTRIBUTE: &str = "https://www.aliyun.com/SAML-Role/Attributes/Role";
/// The `RoleSessionName` attribute.
pub const ROLE_SESSION_NAME_ATTRIBUTE: &str =
    "https://www.aliyun.com/SAML-Role/Attributes/RoleSessionName";
/// The `SessionDuration` attribute (optional, seconds).
pub const SESSION_DURATION_ATTRIBUTE: &str =
    "https://www.aliyun.com/SAML-Role/Attributes/SessionDuration";
/// Default clock skew, seconds.
pub const DEFAULT_SKEW_SECS: i64 = 60;
/// Default longest age of an `IssueInstant`, seconds.
pub const DEFAULT_MAX_AGE_SECS: i64 = 3600;

/// The provider's `AuthnSignAlgo`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignAlgo {
    /// `rsa-sha1` (Alibaba's default): RSA-SHA1 and SHA-1 digests are
    /// accepted, and so are RSA-SHA256 and SHA-256.
    RsaSha1,
    /// `rsa-sha256`: SHA-256 only.
    RsaSha256,
}

impl SignAlgo {
    /// From the stored `AuthnSignAlgo` string (`rsa-sha1`, `rsa-sha256`).
    pub fn from_name(s: &str) -> Option<Self> {
        match s {
            "rsa-sha1" => Some(Self::RsaSha1),
            "rsa-sha256" => Some(Self::RsaSha256),
            _ => None,
        }
    }
}

/// What the caller expects of a response.
#[derive(Clone, Copy, Debug)]
pub struct Expectations<'a> {
    /// Accepted `Audience` values (normally [`ALIBABA_AUDIENCE`]). Every
    /// `AudienceRestriction` must name one of them.
    pub audiences: &'a [&'a str],
    /// Accepted `SubjectConfirmationData/@Recipient` (and `Destination`)
    /// values: the ACS URLs.
    pub recipients: &'a [&'a str],
    /// The current time, Unix seconds.
    pub now_unix: i64,
    /// Clock skew allowed on every time check (normally
    /// [`DEFAULT_SKEW_SECS`]).
    pub skew_secs: i64,
    /// The provider's `AuthnSignAlgo`.
    pub algo: SignAlgo,
    /// Longest accepted age of the Response's and the Assertion's
    /// `IssueInstant` (normally [`DEFAULT_MAX_AGE_SECS`]).
    pub max_age_secs: i64,
}

/// The verified assertion's facts. Values are read only from the Assertion
/// element whose signature (or whose enclosing Response's signature) was
/// verified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedAssertion {
    /// `Assertion/@ID`: the replay-cache key (with the provider).
    pub id: String,
    /// `Assertion/Issuer` (equal to the metadata's entity ID).
    pub issuer: String,
    /// `Subject/NameID`.
    pub name_id: String,
    /// `NameID/@Format`.
    pub name_id_format: Option<String>,
    /// The `Recipient` of the bearer confirmation that passed.
    pub recipient: String,
    /// Until when the assertion can be accepted: the earlier of the passing
    /// `SubjectConfirmationData/@NotOnOrAfter` and `Conditions/@NotOnOrAfter`
    /// (Unix seconds). Keep the ID in the replay cache at least until
    /// `not_on_or_after + skew_secs`.
    pub not_on_or_after: i64,
    /// `Response/@Destination`, when present (checked against `recipients`).
    pub destination: Option<String>,
    /// `SubjectConfirmationData/@InResponseTo`, or `Response/@InResponseTo`
    /// when the Response itself is signed. Absent for IdP-initiated SSO.
    pub in_response_to: Option<String>,
    /// `AttributeStatement` attributes in document order: name and values
    /// (attributes of the same name are merged).
    pub attributes: Vec<(String, Vec<String>)>,
}

impl VerifiedAssertion {
    /// The values of the attribute named `name`.
    pub fn attribute(&self, name: &str) -> Option<&[String]> {
        self.attributes
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_slice())
    }

    /// The `(RoleArn, SAMLProviderArn)` pairs of the `Role` attribute; each
    /// value is `RoleArn,SAMLProviderArn` (the provider ARN first is also
    /// accepted; surrounding spaces are trimmed).
    pub fn role_pairs(&self) -> Vec<(String, String)> {
        self.attribute(ROLE_ATTRIBUTE)
            .unwrap_or_default()
            .iter()
            .filter_map(|v| {
                let (a, b) = v.split_once(',')?;
                let (a, b) = (a.trim(), b.trim());
                if b.contains(',') {
                    return None;
                }
                if a.contains(":saml-provider/") && b.contains(":role/") {
                    Some((b.to_string(), a.to_string()))
                } else {
                    Some((a.to_string(), b.to_string()))
                }
            })
            .collect()
    }

    /// Whether the `Role` attribute grants this role through this provider
    /// (exact strings).
    pub fn allows_role(&self, role_arn: &str, provider_arn: &str) -> bool {
        self.role_pairs()
            .iter()
            .any(|(r, p)| r == role_arn && p == provider_arn)
    }

    /// The `RoleSessionName` attribute: exactly one value of 2–64
    /// characters from `A-Z a-z 0-9 . @ - _`.
    pub fn role_session_name(&self) -> Result<&str, SamlError> {
        match self.attribute(ROLE_SESSION_NAME_ATTRIBUTE) {
            Some([v])
                if (2..=64).contains(&v.len())
                    && v.bytes().all(|b| {
                        b.is_ascii_alphanumeric() || matches!(b, b'.' | b'@' | b'-' | b'_')
                    }) =>
            {
                Ok(v)
            }
            _ => Err(SamlError::RoleSessionNameInvalid),
        }
    }
}

/// Why a response was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SamlError {
    /// Not the accepted shape, or a check failed:
    /// `AuthenticationFail.SAMLAssertion.Invalid` (the reason is for logs and
    /// the message's hint).
    Invalid(String),
    /// A digest or signature does not verify with the metadata's keys:
    /// `AuthenticationFail.SAMLAssertion.Invalid`.
    InvalidSignature(String),
    /// A time bound has passed: `AuthenticationFail.SAMLAssertion.Expired`.
    Expired(String),
    /// The provider's metadata is unusable:
    /// `AuthenticationFail.IDPMetadata.Invalid`.
    MetadataInvalid(String),
    /// The `RoleSessionName` attribute is missing or malformed:
    /// `InvalidParameter.RoleSessionName` (400).
    RoleSessionNameInvalid,
}

impl SamlError {
    /// The Alibaba Cloud error code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Invalid(_) | Self::InvalidSignature(_) => {
                "AuthenticationFail.SAMLAssertion.Invalid"
            }
            Self::Expired(_) => "AuthenticationFail.SAMLAssertion.Expired",
            Self::MetadataInvalid(_) => "AuthenticationFail.IDPMetadata.Invalid",
            Self::RoleSessionNameInvalid => "InvalidParameter.RoleSessionName",
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        match self {
            Self::RoleSessionNameInvalid => 400,
            _ => 401,
        }
    }

    /// The reason (no document content beyond a short, sanitised echo).
    pub fn reason(&self) -> &str {
        match self {
            Self::Invalid(r)
            | Self::InvalidSignature(r)
            | Self::Expired(r)
            | Self::MetadataInvalid(r) => r,
            Self::RoleSessionNameInvalid => {
                "RoleSessionName must be 2 to 64 characters of letters, digits, '.', '@', '-', '_'"
            }
        }
    }

    /// The documented message with a short hint.
    pub fn message(&self) -> String {
        let doc = match self {
            Self::Invalid(_) | Self::InvalidSignature(_) => "The SAML Assertion is invalid.",
            Self::Expired(_) => "The SAML Assertion is expired.",
            Self::MetadataInvalid(_) => "The IdP Metadata of your SAML Provider is invalid.",
            Self::RoleSessionNameInvalid => "The RoleSessionName is invalid.",
        };
        format!("{doc} ({})", self.reason())
    }
}

impl std::fmt::Display for SamlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code(), self.message())
    }
}

impl std::error::Error for SamlError {}

/// Exclusive C14N of a whole document's root element, for the fuzz targets
/// and differential tests (not part of the verification API).
#[doc(hidden)]
pub fn canonicalize_document(xml: &str) -> Option<Vec<u8>> {
    let opts = roxmltree::ParsingOptions {
        allow_dtd: false,
        nodes_limit: 10_000,
        entity_resolver: None,
    };
    let doc = roxmltree::Document::parse_with_options(xml, opts).ok()?;
    if !doc
        .descendants()
        .filter(|n| n.is_element())
        .all(c14n::within_limits)
    {
        return None;
    }
    Some(c14n::canonicalize(
        xml,
        doc.root_element(),
        None,
        &["#default".to_string(), "xs".to_string()],
    ))
}

/// The text of a value element: text (and CDATA) children only. A comment,
/// processing instruction or child element inside makes it an error, so a
/// value can never be truncated at a comment.
pub(crate) fn strict_text(node: Node<'_, '_>) -> Result<String, SamlError> {
    let mut out = String::new();
    for c in node.children() {
        match c.node_type() {
            NodeType::Text => out.push_str(c.text().unwrap_or_default()),
            _ => {
                return Err(SamlError::Invalid(format!(
                    "{} must contain text only (no comments, processing instructions or elements)",
                    node.tag_name().name()
                )))
            }
        }
    }
    Ok(out)
}

/// The element children of a structural element; any non-whitespace text or
/// processing instruction among them is an error (comments are skipped:
/// canonicalization drops them).
pub(crate) fn element_children<'a, 'input>(
    node: Node<'a, 'input>,
) -> Result<Vec<Node<'a, 'input>>, SamlError> {
    let mut out = Vec::new();
    for c in node.children() {
        match c.node_type() {
            NodeType::Element => out.push(c),
            NodeType::Text if c.text().unwrap_or_default().trim_ascii().is_empty() => {}
            NodeType::Comment => {}
            _ => {
                return Err(SamlError::Invalid(format!(
                    "unexpected text in {}",
                    node.tag_name().name()
                )))
            }
        }
    }
    Ok(out)
}
