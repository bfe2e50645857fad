//! The shape gate and semantic checks of a `samlp:Response`.

use std::collections::HashSet;

use base64::Engine;
use roxmltree::{Document, Node, NodeType, ParsingOptions};

use super::time::parse_datetime;
use super::{
    dsig, element_children, strict_text, Expectations, IdpMetadata, SamlError, VerifiedAssertion,
    B64_LENIENT, NS_DS, NS_SAML, NS_SAMLP,
};
use crate::oidc::safe_echo;

/// Longest accepted `SAMLAssertion` (base64), in characters.
pub const MAX_RESPONSE_CHARS: usize = 100_000;
/// Most XML nodes in a response.
const NODES_LIMIT: u32 = 10_000;
/// Longest `NameID` and attribute value, in bytes.
const MAX_VALUE_LEN: usize = 4096;

const STATUS_SUCCESS: &str = "urn:oasis:names:tc:SAML:2.0:status:Success";
const CM_BEARER: &str = "urn:oasis:names:tc:SAML:2.0:cm:bearer";
const ENTITY_FORMAT: &str = "urn:oasis:names:tc:SAML:2.0:nameid-format:entity";

fn invalid(reason: impl Into<String>) -> SamlError {
    SamlError::Invalid(reason.into())
}

fn is(node: Node<'_, '_>, ns: &str, name: &str) -> bool {
    node.is_element() && node.tag_name().namespace() == Some(ns) && node.tag_name().name() == name
}

/// An XML `NCName` (the form of `ID` values): no `:`, `'`, `)`, spaces.
fn is_ncname(s: &str) -> bool {
    let mut chars = s.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    (first.is_alphabetic() || first == '_')
        && chars.all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
        && s.len() <= 256
}

fn time_attr(node: Node<'_, '_>, name: &str) -> Result<Option<i64>, SamlError> {
    match node.attribute(name) {
        None => Ok(None),
        Some(v) => parse_datetime(v)
            .map(Some)
            .ok_or_else(|| invalid(format!("{name} is not an xs:dateTime with a time zone"))),
    }
}

fn value_text(node: Node<'_, '_>) -> Result<String, SamlError> {
    let v = strict_text(node)?;
    if v.len() > MAX_VALUE_LEN {
        return Err(invalid(format!("{} is too long", node.tag_name().name())));
    }
    Ok(v)
}

/// Decodes the `SAMLAssertion` parameter into the XML text.
fn decode(b64: &str) -> Result<String, SamlError> {
    if b64.is_empty() {
        return Err(invalid("SAMLAssertion is empty"));
    }
    if b64.len() > MAX_RESPONSE_CHARS {
        return Err(invalid("SAMLAssertion is longer than 100000 characters"));
    }
    let compact: Vec<u8> = b64.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    let bytes = B64_LENIENT
        .decode(&compact)
        .map_err(|_| invalid("SAMLAssertion is not base64 of a samlp:Response"))?;
    let xml = String::from_utf8(bytes).map_err(|_| invalid("the response is not UTF-8"))?;
    if xml.starts_with('\u{feff}') {
        return Err(invalid("the response starts with a byte order mark"));
    }
    if xml.contains('\0') {
        return Err(invalid("the response contains a NUL character"));
    }
    // An XML declaration may only name UTF-8.
    if let Some(decl) = xml.strip_prefix("<?xml") {
        let end = decl.find("?>").unwrap_or(decl.len());
        let decl = &decl[..end];
        if let Some(i) = decl.find("encoding") {
            let rest = decl[i + "encoding".len()..].trim_start();
            let rest = rest.strip_prefix('=').unwrap_or_default().trim_start();
            let value = rest.trim_start_matches(['"', '\'']);
            let value: String = value
                .chars()
                .take_while(|c| *c != '"' && *c != '\'')
                .collect();
            if !value.eq_ignore_ascii_case("utf-8") {
                return Err(invalid(
                    "the XML declaration names an encoding other than UTF-8",
                ));
            }
        }
    }
    Ok(xml)
}

/// The issuer a base64 `samlp:Response` claims (the Response's `Issuer`,
/// else its Assertion's), **unverified**: only to choose which provider's
/// metadata to verify it with ([`verify_response`]); nothing else may rest
/// on it. `None` when the document cannot be read that far.
pub fn peek_issuer(b64: &str) -> Option<String> {
    let xml = decode(b64).ok()?;
    let opts = ParsingOptions {
        allow_dtd: false,
        nodes_limit: NODES_LIMIT,
        entity_resolver: None,
    };
    let doc = Document::parse_with_options(&xml, opts).ok()?;
    let root = doc.root_element();
    if !is(root, super::NS_SAMLP, "Response") {
        return None;
    }
    let issuer_of = |n: Node<'_, '_>| {
        n.children()
            .find(|c| is(*c, super::NS_SAML, "Issuer"))
            .and_then(|i| value_text(i).ok())
    };
    issuer_of(root).or_else(|| {
        root.children()
            .find(|c| is(*c, super::NS_SAML, "Assertion"))
            .and_then(issuer_of)
    })
}

/// Verifies a base64 `samlp:Response` against the provider's metadata.
///
/// The accepted shape (anything else is `SAMLAssertion.Invalid`):
/// 1. at most 100,000 characters of standard base64 (whitespace ignored),
///    decoding to UTF-8 without BOM or NUL;
/// 2. well-formed XML without any DTD, at most 10,000 nodes, at most 32
///    attributes and 32 namespaces in scope per element, no processing
///    instructions;
/// 3. the root is `samlp:Response` `Version="2.0"`, children `Issuer`?,
///    `Signature`?, `Status` (`Success`), exactly one `saml:Assertion`; no
///    `Extensions`;
/// 4. exactly one `saml:Assertion` in the whole document (a child of the
///    root), no `EncryptedAssertion`, no other `Response`;
/// 5. `ds:Signature` only right after the Response's or the Assertion's
///    `Issuer`; at least one; the Assertion's is required when the Response
///    is unsigned; every one present must verify (see `dsig`);
/// 6. all `ID`/`Id`/`id`/`AssertionID` values unique and NCNames;
/// 7. the Assertion is `Issuer`, `Signature`?, `Subject`, `Conditions`,
///    then `AuthnStatement`s and `AttributeStatement`s (no `Advice`, no
///    encrypted parts); values (`Issuer`, `NameID`, `Audience`,
///    `AttributeValue`) are text only;
/// 8. semantics: every `Issuer` equals the entity ID; `Destination`, when
///    present, and a bearer `Recipient` are among the expected recipients;
///    `Conditions` `NotBefore`/`NotOnOrAfter` (required) and the bearer's
///    `NotOnOrAfter` (required, no `NotBefore`) hold within the skew; every
///    `AudienceRestriction` names an expected audience; `IssueInstant`s are
///    not in the future and not older than `max_age_secs`.
///
/// Replay is the caller's: store [`VerifiedAssertion::id`] until
/// [`VerifiedAssertion::not_on_or_after`] plus the skew.
pub fn verify_response(
    b64: &str,
    md: &IdpMetadata,
    exp: &Expectations<'_>,
) -> Result<VerifiedAssertion, SamlError> {
    if md.keys.is_empty() {
        return Err(SamlError::MetadataInvalid("no signing certificate".into()));
    }
    let xml = decode(b64)?;
    let opts = ParsingOptions {
        allow_dtd: false,
        nodes_limit: NODES_LIMIT,
        entity_resolver: None,
    };
    let doc = Document::parse_with_options(&xml, opts).map_err(|e| match e {
        roxmltree::Error::DtdDetected => invalid("a DTD is not allowed"),
        roxmltree::Error::NodesLimitReached => invalid("the response has too many nodes"),
        _ => invalid("the response is not well-formed XML"),
    })?;
    check_document(&xml, &doc, md, exp)
}

fn check_document(
    xml: &str,
    doc: &Document<'_>,
    md: &IdpMetadata,
    exp: &Expectations<'_>,
) -> Result<VerifiedAssertion, SamlError> {
    let root = doc.root_element();
    if !is(root, NS_SAMLP, "Response") {
        return Err(invalid("the root element is not samlp:Response"));
    }
    // Whole-document rules: node kinds, IDs, where special elements may be.
    let mut ids = HashSet::new();
    let mut assertion = None;
    for n in doc.descendants() {
        match n.node_type() {
            NodeType::PI => return Err(invalid("processing instructions are not allowed")),
            NodeType::Element => {}
            _ => continue,
        }
        if !super::c14n::within_limits(n) {
            return Err(invalid("an element has too many attributes or namespaces"));
        }
        for a in n.attributes() {
            if a.namespace().is_none() && matches!(a.name(), "ID" | "Id" | "id" | "AssertionID") {
                if !is_ncname(a.value()) {
                    return Err(invalid("an ID is not an NCName"));
                }
                if !ids.insert(a.value()) {
                    return Err(invalid("an ID value appears twice"));
                }
            }
        }
        let ns = n.tag_name().namespace();
        let name = n.tag_name().name();
        match (ns, name) {
            (Some(NS_SAML), "Assertion") => {
                if n.parent() != Some(root) || assertion.is_some() {
                    return Err(invalid(
                        "the response must hold exactly one Assertion, as a child of the Response",
                    ));
                }
                assertion = Some(n);
            }
            (
                Some(NS_SAML),
                "EncryptedAssertion" | "EncryptedID" | "EncryptedAttribute" | "Advice",
            ) => {
                return Err(invalid(format!("{name} is not accepted")));
            }
            (Some(NS_SAMLP), "Response") if n != root => {
                return Err(invalid("a Response inside the Response"))
            }
            (Some(NS_SAMLP), "Extensions") => return Err(invalid("Extensions are not accepted")),
            (Some(NS_DS), "Signature") => {
                let parent = n.parent_element();
                let allowed_parent = parent.is_some_and(|p| {
                    p == root || is(p, NS_SAML, "Assertion") && p.parent() == Some(root)
                });
                if !allowed_parent {
                    return Err(invalid(
                        "a Signature outside the Response's and the Assertion's own positions",
                    ));
                }
            }
            (Some("http://www.w3.org/2001/04/xmlenc#"), _) => {
                return Err(invalid("encrypted content is not accepted"))
            }
            _ => {}
        }
    }
    let assertion = assertion.ok_or_else(|| invalid("the response holds no Assertion"))?;
    if root.attribute("Version") != Some("2.0") {
        return Err(invalid("the Response Version is not 2.0"));
    }
    root.attribute("ID")
        .ok_or_else(|| invalid("the Response has no ID"))?;
    let response_instant = time_attr(root, "IssueInstant")?
        .ok_or_else(|| invalid("the Response has no IssueInstant"))?;

    // Response children, in schema order.
    let kids = element_children(root)?;
    let mut i = 0;
    let mut response_issuer = None;
    if kids.get(i).is_some_and(|k| is(*k, NS_SAML, "Issuer")) {
        response_issuer = kids.get(i).copied();
        i += 1;
    }
    let mut response_sig = None;
    if kids.get(i).is_some_and(|k| is(*k, NS_DS, "Signature")) {
        response_sig = kids.get(i).copied();
        i += 1;
    }
    let status = kids
        .get(i)
        .copied()
        .filter(|k| is(*k, NS_SAMLP, "Status"))
        .ok_or_else(|| invalid("the Response must be Issuer?, Signature?, Status, Assertion"))?;
    i += 1;
    if kids.get(i).copied() != Some(assertion) || kids.len() != i + 1 {
        return Err(invalid(
            "the Response must be Issuer?, Signature?, Status, Assertion",
        ));
    }
    let code = status
        .children()
        .find(|c| is(*c, NS_SAMLP, "StatusCode"))
        .and_then(|c| c.attribute("Value"));
    if code != Some(STATUS_SUCCESS) {
        return Err(invalid("the Response status is not Success"));
    }

    // Assertion children, in schema order.
    let akids = element_children(assertion)?;
    if assertion.attribute("Version") != Some("2.0") {
        return Err(invalid("the Assertion Version is not 2.0"));
    }
    let assertion_id = assertion
        .attribute("ID")
        .ok_or_else(|| invalid("the Assertion has no ID"))?;
    let assertion_instant = time_attr(assertion, "IssueInstant")?
        .ok_or_else(|| invalid("the Assertion has no IssueInstant"))?;
    let mut j = 0;
    let assertion_issuer = akids
        .get(j)
        .copied()
        .filter(|k| is(*k, NS_SAML, "Issuer"))
        .ok_or_else(|| invalid("the Assertion must start with its Issuer"))?;
    j += 1;
    let mut assertion_sig = None;
    if akids.get(j).is_some_and(|k| is(*k, NS_DS, "Signature")) {
        assertion_sig = akids.get(j).copied();
        j += 1;
    }
    let subject = akids
        .get(j)
        .copied()
        .filter(|k| is(*k, NS_SAML, "Subject"))
        .ok_or_else(|| {
            invalid("the Assertion must hold Issuer, Signature?, Subject, Conditions, statements")
        })?;
    j += 1;
    let conditions = akids
        .get(j)
        .copied()
        .filter(|k| is(*k, NS_SAML, "Conditions"))
        .ok_or_else(|| {
            invalid("the Assertion must hold Issuer, Signature?, Subject, Conditions, statements")
        })?;
    j += 1;
    let mut attribute_statements = Vec::new();
    for k in &akids[j..] {
        if is(*k, NS_SAML, "AttributeStatement") {
            attribute_statements.push(*k);
        } else if !is(*k, NS_SAML, "AuthnStatement") {
            return Err(invalid(format!(
                "{} is not accepted in the Assertion",
                k.tag_name().name()
            )));
        }
    }
    // Every Signature element found must be one of the two positions.
    let sig_count = doc
        .descendants()
        .filter(|n| is(*n, NS_DS, "Signature"))
        .count();
    if sig_count != usize::from(response_sig.is_some()) + usize::from(assertion_sig.is_some()) {
        return Err(invalid(
            "a Signature outside the Response's and the Assertion's own positions",
        ));
    }
    if response_sig.is_none() && assertion_sig.is_none() {
        return Err(invalid("the response is not signed"));
    }

    // Signatures: every one present must verify.
    if let Some(sig) = response_sig {
        dsig::verify(xml, root, sig, md, exp.algo)?;
    }
    if let Some(sig) = assertion_sig {
        dsig::verify(xml, assertion, sig, md, exp.algo)?;
    }

    // From here on, values come from the verified Assertion (and the
    // Response when it is signed; its checks only ever refuse).
    let now = exp.now_unix;
    let skew = exp.skew_secs;
    let check_issuer = |issuer: Node<'_, '_>| -> Result<String, SamlError> {
        for a in issuer.attributes() {
            if a.name() == "Format" && a.value() != ENTITY_FORMAT {
                return Err(invalid("the Issuer Format is not entity"));
            }
        }
        let v = value_text(issuer)?;
        if v != md.entity_id {
            return Err(invalid(format!(
                "the Issuer \"{}\" is not the provider's entityID",
                safe_echo(&v)
            )));
        }
        Ok(v)
    };
    if let Some(ri) = response_issuer {
        check_issuer(ri)?;
    }
    let issuer = check_issuer(assertion_issuer)?;
    let destination = root.attribute("Destination").map(str::to_string);
    if let Some(d) = &destination {
        if !exp.recipients.contains(&d.as_str()) {
            return Err(invalid(
                "the Response Destination is not this service's ACS URL",
            ));
        }
    }
    for instant in [response_instant, assertion_instant] {
        if instant > now + skew {
            return Err(invalid("an IssueInstant is in the future"));
        }
        if instant < now - exp.max_age_secs - skew {
            return Err(SamlError::Expired("an IssueInstant is too old".into()));
        }
    }

    // Conditions.
    let not_before = time_attr(conditions, "NotBefore")?;
    let cond_noa = time_attr(conditions, "NotOnOrAfter")?
        .ok_or_else(|| invalid("Conditions has no NotOnOrAfter"))?;
    if not_before.is_some_and(|nb| nb > now + skew) {
        return Err(invalid(
            "the assertion is not valid yet (Conditions NotBefore)",
        ));
    }
    if now >= cond_noa + skew {
        return Err(SamlError::Expired(
            "Conditions NotOnOrAfter has passed".into(),
        ));
    }
    let mut restrictions = 0;
    for c in element_children(conditions)? {
        if is(c, NS_SAML, "AudienceRestriction") {
            restrictions += 1;
            let mut matched = false;
            for a in element_children(c)? {
                if !is(a, NS_SAML, "Audience") {
                    return Err(invalid(
                        "AudienceRestriction holds something other than Audience",
                    ));
                }
                let v = value_text(a)?;
                matched |= exp.audiences.contains(&v.as_str());
            }
            if !matched {
                return Err(invalid(
                    "no Audience of an AudienceRestriction is this service",
                ));
            }
        } else if !(is(c, NS_SAML, "OneTimeUse") || is(c, NS_SAML, "ProxyRestriction")) {
            return Err(invalid(format!(
                "the condition {} is not understood",
                c.tag_name().name()
            )));
        }
    }
    if restrictions == 0 {
        return Err(invalid("the assertion has no AudienceRestriction"));
    }

    // Subject.
    let skids = element_children(subject)?;
    let (name_id_node, confirmations) = match skids.split_first() {
        Some((first, rest)) if is(*first, NS_SAML, "NameID") => (*first, rest),
        _ => return Err(invalid("the Subject must start with a NameID")),
    };
    let name_id = value_text(name_id_node)?;
    if name_id.is_empty() {
        return Err(invalid("the NameID is empty"));
    }
    let name_id_format = name_id_node.attribute("Format").map(str::to_string);
    let mut passed = None;
    let mut expired_match = false;
    for sc in confirmations {
        if !is(*sc, NS_SAML, "SubjectConfirmation") {
            return Err(invalid(
                "the Subject holds something other than SubjectConfirmation",
            ));
        }
        if sc.attribute("Method") != Some(CM_BEARER) {
            continue;
        }
        let sck = element_children(*sc)?;
        let [scd] = sck.as_slice() else {
            continue;
        };
        if !is(*scd, NS_SAML, "SubjectConfirmationData") || !element_children(*scd)?.is_empty() {
            continue;
        }
        let recipient = scd.attribute("Recipient");
        let noa = time_attr(*scd, "NotOnOrAfter")?;
        let nb = scd.attribute("NotBefore");
        let (Some(recipient), Some(noa), None) = (recipient, noa, nb) else {
            continue;
        };
        if !exp.recipients.contains(&recipient) {
            continue;
        }
        if now >= noa + skew {
            expired_match = true;
            continue;
        }
        passed = Some((
            recipient.to_string(),
            noa,
            scd.attribute("InResponseTo").map(str::to_string),
        ));
        break;
    }
    let Some((recipient, scd_noa, scd_irt)) = passed else {
        if expired_match {
            return Err(SamlError::Expired(
                "SubjectConfirmationData NotOnOrAfter has passed".into(),
            ));
        }
        return Err(invalid(
            "no bearer SubjectConfirmation with this service's Recipient and a NotOnOrAfter",
        ));
    };
    let response_irt = root.attribute("InResponseTo").map(str::to_string);
    if let (Some(a), Some(b)) = (&scd_irt, &response_irt) {
        if a != b {
            return Err(invalid(
                "InResponseTo differs between the Response and the Assertion",
            ));
        }
    }
    let in_response_to = scd_irt.or(if response_sig.is_some() {
        response_irt
    } else {
        None
    });

    // Attributes.
    let mut attributes: Vec<(String, Vec<String>)> = Vec::new();
    for st in attribute_statements {
        for attr in element_children(st)? {
            if !is(attr, NS_SAML, "Attribute") {
                return Err(invalid(format!(
                    "{} is not accepted in an AttributeStatement",
                    attr.tag_name().name()
                )));
            }
            let name = attr
                .attribute("Name")
                .ok_or_else(|| invalid("an Attribute has no Name"))?
                .to_string();
            let mut values = Vec::new();
            for v in element_children(attr)? {
                if !is(v, NS_SAML, "AttributeValue") {
                    return Err(invalid(
                        "an Attribute holds something other than AttributeValue",
                    ));
                }
                values.push(value_text(v)?);
            }
            match attributes.iter_mut().find(|(n, _)| *n == name) {
                Some((_, existing)) => existing.extend(values),
                None => attributes.push((name, values)),
            }
        }
    }

    Ok(VerifiedAssertion {
        id: assertion_id.to_string(),
        issuer,
        name_id,
        name_id_format,
        recipient,
        not_on_or_after: scd_noa.min(cond_noa),
        destination,
        in_response_to,
        attributes,
    })
}
