//! Parsing and checking IdP metadata (`EncodedSAMLMetadataDocument`).
//!
//! Accepted: a document whose root is `md:EntityDescriptor` with a non-empty
//! `entityID` and at least one `md:IDPSSODescriptor` supporting the SAML 2.0
//! protocol. Signing certificates are the `ds:X509Certificate`s under
//! `KeyDescriptor`s of those descriptors whose `use` is `signing` or absent.
//! Every signing certificate must parse and carry an RSA key of 2048–8192
//! bits or an EC P-256 key; at least one is required. Certificate validity
//! dates are not enforced (IdP signing certificates are commonly self-signed
//! and long-lived; trust comes from registration, not from a CA).

use base64::Engine;
use roxmltree::{Document, Node, ParsingOptions};
use x509_parser::public_key::PublicKey;

use super::{strict_text, SamlError, B64_LENIENT, NS_DS, NS_MD};

/// Largest accepted metadata document, in bytes.
pub const MAX_METADATA_BYTES: usize = 1024 * 1024;

/// The key of a signing certificate, ready for aws-lc-rs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum KeyKind {
    /// RSA; `der` is the PKCS#1 `RSAPublicKey`.
    Rsa,
    /// EC P-256; `der` is the uncompressed point.
    EcP256,
}

/// One signing key of the metadata.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SigningKey {
    pub(crate) kind: KeyKind,
    pub(crate) public_key: Vec<u8>,
    pub(crate) bits: usize,
    pub(crate) certificate: Vec<u8>,
}

/// A checked IdP metadata document: the entity ID and the signing keys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdpMetadata {
    /// `EntityDescriptor/@entityID`: every `Issuer` must equal it.
    pub entity_id: String,
    pub(crate) keys: Vec<SigningKey>,
}

impl IdpMetadata {
    /// The DER of each signing certificate, in document order.
    pub fn signing_certificates(&self) -> impl Iterator<Item = &[u8]> {
        self.keys.iter().map(|k| k.certificate.as_slice())
    }
}

/// Why metadata was refused: code `AuthenticationFail.IDPMetadata.Invalid`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetadataError {
    /// What is wrong (safe to show to the administrator).
    pub reason: String,
}

impl MetadataError {
    fn new(reason: impl Into<String>) -> Self {
        Self {
            reason: reason.into(),
        }
    }

    /// The Alibaba Cloud error code.
    pub fn code(&self) -> &'static str {
        "AuthenticationFail.IDPMetadata.Invalid"
    }

    /// The HTTP status (401 at assume time; IMS maps it to its own 400).
    pub fn status(&self) -> u16 {
        401
    }

    /// The documented message with the reason.
    pub fn message(&self) -> String {
        format!(
            "The IdP Metadata of your SAML Provider is invalid. ({})",
            self.reason
        )
    }
}

impl std::fmt::Display for MetadataError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code(), self.message())
    }
}

impl std::error::Error for MetadataError {}

impl From<MetadataError> for SamlError {
    fn from(e: MetadataError) -> Self {
        SamlError::MetadataInvalid(e.reason)
    }
}

const OID_EC_P256: &str = "1.2.840.10045.3.1.7";

fn signing_key(der: Vec<u8>) -> Result<SigningKey, MetadataError> {
    let (rest, cert) = x509_parser::parse_x509_certificate(&der).map_err(|_| {
        MetadataError::new("a signing certificate is not a valid X.509 certificate")
    })?;
    if !rest.is_empty() {
        return Err(MetadataError::new(
            "a signing certificate has trailing data",
        ));
    }
    let spki = cert.public_key();
    let raw = spki.subject_public_key.data.to_vec();
    let (kind, bits) = match spki.parsed() {
        Ok(PublicKey::RSA(rsa)) => {
            let bits = rsa.key_size();
            if !(2048..=8192).contains(&bits) {
                return Err(MetadataError::new(format!(
                    "a signing certificate has a {bits}-bit RSA key; 2048 to 8192 bits are required"
                )));
            }
            (KeyKind::Rsa, bits)
        }
        Ok(PublicKey::EC(_)) => {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.as_oid().ok())
                .map(|o| o.to_id_string());
            if curve.as_deref() != Some(OID_EC_P256) {
                return Err(MetadataError::new(
                    "a signing certificate has an EC key that is not on P-256",
                ));
            }
            (KeyKind::EcP256, 256)
        }
        _ => {
            return Err(MetadataError::new(
                "a signing certificate has a key that is neither RSA nor EC P-256",
            ))
        }
    };
    Ok(SigningKey {
        kind,
        public_key: raw,
        bits,
        certificate: der,
    })
}

fn is(node: Node<'_, '_>, ns: &str, name: &str) -> bool {
    node.is_element() && node.tag_name().namespace() == Some(ns) && node.tag_name().name() == name
}

/// Parses and checks IdP metadata (see the module docs).
pub fn parse_metadata(xml: &str) -> Result<IdpMetadata, MetadataError> {
    if xml.len() > MAX_METADATA_BYTES {
        return Err(MetadataError::new("the document is larger than 1 MiB"));
    }
    let xml = xml.strip_prefix('\u{feff}').unwrap_or(xml);
    let opts = ParsingOptions {
        allow_dtd: false,
        nodes_limit: 200_000,
        entity_resolver: None,
    };
    let doc = Document::parse_with_options(xml, opts)
        .map_err(|e| MetadataError::new(format!("not well-formed XML without a DTD ({e})")))?;
    let root = doc.root_element();
    if !is(root, NS_MD, "EntityDescriptor") {
        return Err(MetadataError::new(
            "the root element is not md:EntityDescriptor",
        ));
    }
    let entity_id = root
        .attribute("entityID")
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| MetadataError::new("EntityDescriptor has no entityID"))?
        .to_string();
    let idps: Vec<Node<'_, '_>> = root
        .children()
        .filter(|n| is(*n, NS_MD, "IDPSSODescriptor"))
        .filter(|n| {
            n.attribute("protocolSupportEnumeration").is_some_and(|p| {
                p.split_ascii_whitespace()
                    .any(|x| x == "urn:oasis:names:tc:SAML:2.0:protocol")
            })
        })
        .collect();
    if idps.is_empty() {
        return Err(MetadataError::new(
            "no IDPSSODescriptor supporting SAML 2.0",
        ));
    }
    let mut keys = Vec::new();
    for idp in idps {
        for kd in idp.children().filter(|n| is(*n, NS_MD, "KeyDescriptor")) {
            match kd.attribute("use") {
                None | Some("signing") => {}
                Some(_) => continue,
            }
            for cert in kd
                .descendants()
                .filter(|n| is(*n, NS_DS, "X509Certificate"))
                .filter(|n| n.parent().is_some_and(|p| is(p, NS_DS, "X509Data")))
            {
                let text = strict_text(cert).map_err(|_| {
                    MetadataError::new("X509Certificate must hold base64 text only")
                })?;
                let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
                let der = B64_LENIENT
                    .decode(compact.as_bytes())
                    .map_err(|_| MetadataError::new("X509Certificate is not base64"))?;
                let key = signing_key(der)?;
                if !keys.contains(&key) {
                    keys.push(key);
                }
            }
        }
    }
    if keys.is_empty() {
        return Err(MetadataError::new(
            "no signing certificate (KeyDescriptor use=\"signing\" or without use)",
        ));
    }
    Ok(IdpMetadata { entity_id, keys })
}
