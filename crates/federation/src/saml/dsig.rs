//! The narrow XML-DSig verifier: one enveloped signature over its parent
//! element, in exactly the shape SAML IdPs produce.
//!
//! `ds:Signature` = `SignedInfo`, `SignatureValue`, optional `KeyInfo`
//! (ignored: keys come only from the registered metadata), nothing else.
//! `SignedInfo` = `CanonicalizationMethod` (exclusive C14N, optional
//! `InclusiveNamespaces`), `SignatureMethod` (allowed by the provider, no
//! parameters), exactly one `Reference` whose `URI` is `#` + the parent's
//! `ID`, with `Transforms` = [enveloped-signature, exclusive C14N], a
//! `DigestMethod` and a `DigestValue`. The digest is computed over the parent
//! with this signature left out; the signature over the canonical
//! `SignedInfo` is checked with each signing key of the metadata.

use aws_lc_rs::digest;
use aws_lc_rs::signature::{self, UnparsedPublicKey};
use base64::Engine;
use roxmltree::Node;

use super::c14n::canonicalize;
use super::metadata::{IdpMetadata, KeyKind};
use super::{element_children, strict_text, SamlError, SignAlgo, B64_LENIENT, NS_DS};

const NS_EC: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
const EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
const ENVELOPED: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
const RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
const RSA_SHA1: &str = "http://www.w3.org/2000/09/xmldsig#rsa-sha1";
const ECDSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256";
const SHA256: &str = "http://www.w3.org/2001/04/xmlenc#sha256";
const SHA1: &str = "http://www.w3.org/2000/09/xmldsig#sha1";

fn invalid(reason: &str) -> SamlError {
    SamlError::Invalid(format!("signature: {reason}"))
}

fn is_ds(node: Node<'_, '_>, name: &str) -> bool {
    node.tag_name().namespace() == Some(NS_DS) && node.tag_name().name() == name
}

/// The attributes of `node` must be among `allowed` (local names, no namespace).
fn only_attributes(node: Node<'_, '_>, allowed: &[&str]) -> Result<(), SamlError> {
    for a in node.attributes() {
        if a.namespace().is_some() || !allowed.contains(&a.name()) {
            return Err(invalid("unexpected attribute in the signature"));
        }
    }
    Ok(())
}

/// The optional `ec:InclusiveNamespaces` child of a C14N method element.
fn inclusive_prefixes(method: Node<'_, '_>) -> Result<Vec<String>, SamlError> {
    let kids = element_children(method)?;
    match kids.as_slice() {
        [] => Ok(Vec::new()),
        [inc]
            if inc.tag_name().namespace() == Some(NS_EC)
                && inc.tag_name().name() == "InclusiveNamespaces"
                && element_children(*inc)?.is_empty() =>
        {
            only_attributes(*inc, &["PrefixList"])?;
            let list: Vec<String> = inc
                .attribute("PrefixList")
                .unwrap_or_default()
                .split_ascii_whitespace()
                .map(str::to_string)
                .collect();
            if list.len() > super::c14n::MAX_PREFIX_LIST {
                return Err(invalid("the PrefixList is too long"));
            }
            Ok(list)
        }
        _ => Err(invalid("unexpected content in a canonicalization method")),
    }
}

fn algorithm<'a>(node: Node<'a, '_>) -> Result<&'a str, SamlError> {
    only_attributes(node, &["Algorithm"])?;
    node.attribute("Algorithm")
        .ok_or_else(|| invalid("a method has no Algorithm"))
}

fn b64_text(node: Node<'_, '_>) -> Result<Vec<u8>, SamlError> {
    let text = strict_text(node)?;
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    B64_LENIENT
        .decode(compact.as_bytes())
        .map_err(|_| invalid("a value is not base64"))
}

/// Verifies `sig`, an enveloped signature that must cover exactly `parent`.
pub(crate) fn verify(
    text: &str,
    parent: Node<'_, '_>,
    sig: Node<'_, '_>,
    md: &IdpMetadata,
    algo: SignAlgo,
) -> Result<(), SamlError> {
    only_attributes(sig, &["Id"])?;
    let parts = element_children(sig)?;
    let (signed_info, sig_value) = match parts.as_slice() {
        [si, sv] | [si, sv, _] if is_ds(*si, "SignedInfo") && is_ds(*sv, "SignatureValue") => {
            (*si, *sv)
        }
        _ => {
            return Err(invalid(
                "Signature must be SignedInfo, SignatureValue and an optional KeyInfo",
            ))
        }
    };
    if let Some(ki) = parts.get(2) {
        if !is_ds(*ki, "KeyInfo") {
            return Err(invalid(
                "Signature must be SignedInfo, SignatureValue and an optional KeyInfo",
            ));
        }
    }
    only_attributes(signed_info, &["Id"])?;
    let si = element_children(signed_info)?;
    let [c14n_method, sig_method, reference] = si.as_slice() else {
        return Err(invalid(
            "SignedInfo must hold one CanonicalizationMethod, SignatureMethod and Reference",
        ));
    };
    if !is_ds(*c14n_method, "CanonicalizationMethod")
        || !is_ds(*sig_method, "SignatureMethod")
        || !is_ds(*reference, "Reference")
    {
        return Err(invalid(
            "SignedInfo must hold one CanonicalizationMethod, SignatureMethod and Reference",
        ));
    }
    if algorithm(*c14n_method)? != EXC_C14N {
        return Err(invalid(
            "the canonicalization must be exclusive C14N without comments",
        ));
    }
    let si_prefixes = inclusive_prefixes(*c14n_method)?;
    let sig_alg = algorithm(*sig_method)?;
    if !element_children(*sig_method)?.is_empty() {
        return Err(invalid("SignatureMethod takes no parameters"));
    }
    let sha1_allowed = algo == SignAlgo::RsaSha1;
    let (verify_alg, key_kind): (&'static dyn signature::VerificationAlgorithm, KeyKind) =
        match sig_alg {
            RSA_SHA256 => (&signature::RSA_PKCS1_2048_8192_SHA256, KeyKind::Rsa),
            RSA_SHA1 if sha1_allowed => (
                &signature::RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY,
                KeyKind::Rsa,
            ),
            ECDSA_SHA256 => (&signature::ECDSA_P256_SHA256_FIXED, KeyKind::EcP256),
            RSA_SHA1 => {
                return Err(invalid(
                    "rsa-sha1 is allowed only when the provider's AuthnSignAlgo is rsa-sha1",
                ))
            }
            _ => return Err(invalid("the SignatureMethod is not allowed")),
        };
    // Reference
    only_attributes(*reference, &["URI", "Id"])?;
    let id = parent
        .attribute("ID")
        .ok_or_else(|| invalid("the signed element has no ID"))?;
    if reference.attribute("URI") != Some(format!("#{id}").as_str()) {
        return Err(invalid("the Reference URI is not the signed element's ID"));
    }
    let rk = element_children(*reference)?;
    let [transforms, digest_method, digest_value] = rk.as_slice() else {
        return Err(invalid(
            "Reference must hold Transforms, DigestMethod and DigestValue",
        ));
    };
    if !is_ds(*transforms, "Transforms")
        || !is_ds(*digest_method, "DigestMethod")
        || !is_ds(*digest_value, "DigestValue")
    {
        return Err(invalid(
            "Reference must hold Transforms, DigestMethod and DigestValue",
        ));
    }
    only_attributes(*transforms, &[])?;
    let tk = element_children(*transforms)?;
    let [t1, t2] = tk.as_slice() else {
        return Err(invalid(
            "the transforms must be enveloped-signature then exclusive C14N",
        ));
    };
    if !is_ds(*t1, "Transform")
        || !is_ds(*t2, "Transform")
        || algorithm(*t1)? != ENVELOPED
        || algorithm(*t2)? != EXC_C14N
        || !element_children(*t1)?.is_empty()
    {
        return Err(invalid(
            "the transforms must be enveloped-signature then exclusive C14N",
        ));
    }
    let ref_prefixes = inclusive_prefixes(*t2)?;
    let digest_alg = match algorithm(*digest_method)? {
        SHA256 => &digest::SHA256,
        SHA1 if sha1_allowed => &digest::SHA1_FOR_LEGACY_USE_ONLY,
        SHA1 => {
            return Err(invalid(
                "sha1 digests are allowed only when the provider's AuthnSignAlgo is rsa-sha1",
            ))
        }
        _ => return Err(invalid("the DigestMethod is not allowed")),
    };
    if !element_children(*digest_method)?.is_empty() {
        return Err(invalid("DigestMethod takes no parameters"));
    }
    only_attributes(*digest_value, &[])?;
    let expected = b64_text(*digest_value)?;
    let canonical = canonicalize(text, parent, Some(sig.id()), &ref_prefixes);
    let actual = digest::digest(digest_alg, &canonical);
    if actual.as_ref() != expected.as_slice() {
        return Err(SamlError::InvalidSignature(
            "the digest of the signed element does not match".into(),
        ));
    }
    only_attributes(sig_value, &["Id"])?;
    let sig_bytes = b64_text(sig_value)?;
    let signed = canonicalize(text, signed_info, None, &si_prefixes);
    let ok = md.keys.iter().filter(|k| k.kind == key_kind).any(|k| {
        UnparsedPublicKey::new(verify_alg, &k.public_key)
            .verify(&signed, &sig_bytes)
            .is_ok()
    });
    if ok {
        Ok(())
    } else {
        Err(SamlError::InvalidSignature(
            "the signature does not verify with any signing certificate of the provider's metadata"
                .into(),
        ))
    }
}
