//! Exclusive XML Canonicalization 1.0 (without comments) of one element
//! subtree of a parsed document, optionally leaving out one descendant
//! subtree (the enveloped signature).
//!
//! The subset Rampart needs: elements, attributes, namespace declarations,
//! text (CDATA included, as text), processing instructions; comments are
//! dropped. Namespace rendering follows the exclusive rules: a declaration
//! is output on an element when its prefix is visibly utilised there (the
//! element's own prefix, or a prefixed attribute's) or listed in the
//! `InclusiveNamespaces PrefixList`, and the nearest output ancestor has not
//! already rendered the same value. Namespace declarations come first,
//! sorted by prefix (the default namespace first), then attributes sorted by
//! namespace URI and local name; empty elements are written as start/end
//! pairs; text and attribute values are escaped as Canonical XML 1.0 says.
//! Proven against `xmlsec1` in the tests.

use std::collections::BTreeMap;

use roxmltree::{Node, NodeId, NodeType};

const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";

/// Most attributes, and most namespaces in scope, on one element; and most
/// `PrefixList` entries. Real responses use a handful; the bounds keep
/// canonicalization linear in the document size.
pub(crate) const MAX_ATTRIBUTES: usize = 32;
/// See [`MAX_ATTRIBUTES`].
pub(crate) const MAX_NAMESPACES: usize = 32;
/// See [`MAX_ATTRIBUTES`].
pub(crate) const MAX_PREFIX_LIST: usize = 16;

/// Whether an element is within [`MAX_ATTRIBUTES`] and [`MAX_NAMESPACES`].
pub(crate) fn within_limits(node: Node<'_, '_>) -> bool {
    node.attributes().len() <= MAX_ATTRIBUTES && node.namespaces().count() <= MAX_NAMESPACES
}

/// The qualified name of an element as written in the source.
pub(crate) fn element_qname<'a>(text: &'a str, node: Node<'_, '_>) -> &'a str {
    let start = node.range().start + 1;
    let rest = text.get(start..).unwrap_or_default();
    let end = rest
        .find(|c: char| c.is_ascii_whitespace() || c == '>' || c == '/')
        .unwrap_or(rest.len());
    &rest[..end]
}

fn prefix_of(qname: &str) -> Option<&str> {
    qname.split_once(':').map(|(p, _)| p)
}

fn escape_text(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#xD;"),
            c => out.push(c),
        }
    }
}

fn escape_attr(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '"' => out.push_str("&quot;"),
            '\t' => out.push_str("&#x9;"),
            '\n' => out.push_str("&#xA;"),
            '\r' => out.push_str("&#xD;"),
            c => out.push(c),
        }
    }
}

enum Step<'a, 'input> {
    Enter(Node<'a, 'input>),
    Exit(String),
}

/// Canonicalises `apex` (exclusive C14N, no comments). `exclude` is left out
/// with its subtree; `inclusive` is the PrefixList (`#default` for the
/// default namespace).
pub(crate) fn canonicalize(
    text: &str,
    apex: Node<'_, '_>,
    exclude: Option<NodeId>,
    inclusive: &[String],
) -> Vec<u8> {
    let mut out = String::new();
    // Namespaces in effect in the output: one map per open output element.
    // Key "" is the default namespace.
    let mut rendered: Vec<BTreeMap<String, String>> = vec![BTreeMap::new()];
    let mut stack = vec![Step::Enter(apex)];
    while let Some(step) = stack.pop() {
        match step {
            Step::Exit(qname) => {
                out.push_str("</");
                out.push_str(&qname);
                out.push('>');
                rendered.pop();
            }
            Step::Enter(node) => {
                if Some(node.id()) == exclude {
                    continue;
                }
                match node.node_type() {
                    NodeType::Text => escape_text(node.text().unwrap_or_default(), &mut out),
                    NodeType::Comment | NodeType::Root => {}
                    NodeType::PI => {
                        if let Some(pi) = node.pi() {
                            out.push_str("<?");
                            out.push_str(pi.target);
                            if let Some(v) = pi.value {
                                if !v.is_empty() {
                                    out.push(' ');
                                    out.push_str(v);
                                }
                            }
                            out.push_str("?>");
                        }
                    }
                    NodeType::Element => {
                        let qname = element_qname(text, node).to_string();
                        let parent = rendered.last().cloned().unwrap_or_default();
                        let mut mine = parent.clone();
                        // Candidate prefixes ("" = default namespace).
                        let mut candidates: Vec<String> =
                            vec![prefix_of(&qname).unwrap_or("").to_string()];
                        for a in node.attributes() {
                            let aq = text.get(a.range_qname()).unwrap_or_default();
                            if let Some(p) = prefix_of(aq) {
                                if p != "xml" {
                                    candidates.push(p.to_string());
                                }
                            }
                        }
                        for p in inclusive {
                            candidates.push(if p == "#default" {
                                String::new()
                            } else {
                                p.clone()
                            });
                        }
                        candidates.sort();
                        candidates.dedup();
                        let mut decls: Vec<(String, String)> = Vec::new();
                        for p in candidates {
                            let uri = if p.is_empty() {
                                node.lookup_namespace_uri(None).unwrap_or_default()
                            } else {
                                match node.lookup_namespace_uri(Some(&p)) {
                                    Some(u) if u != XML_NS => u,
                                    _ => continue,
                                }
                            };
                            let current = parent.get(&p).map(String::as_str).unwrap_or_default();
                            if current != uri {
                                decls.push((p.clone(), uri.to_string()));
                                mine.insert(p, uri.to_string());
                            }
                        }
                        out.push('<');
                        out.push_str(&qname);
                        for (p, uri) in &decls {
                            if p.is_empty() {
                                out.push_str(" xmlns=\"");
                            } else {
                                out.push_str(" xmlns:");
                                out.push_str(p);
                                out.push_str("=\"");
                            }
                            escape_attr(uri, &mut out);
                            out.push('"');
                        }
                        let mut attrs: Vec<(&str, &str, &str, &str)> = node
                            .attributes()
                            .map(|a| {
                                (
                                    a.namespace().unwrap_or_default(),
                                    a.name(),
                                    text.get(a.range_qname()).unwrap_or_default(),
                                    a.value(),
                                )
                            })
                            .collect();
                        attrs.sort_by(|x, y| (x.0, x.1).cmp(&(y.0, y.1)));
                        for (_, _, aq, v) in attrs {
                            out.push(' ');
                            out.push_str(aq);
                            out.push_str("=\"");
                            escape_attr(v, &mut out);
                            out.push('"');
                        }
                        out.push('>');
                        rendered.push(mine);
                        stack.push(Step::Exit(qname));
                        let children: Vec<Node<'_, '_>> = node.children().collect();
                        for c in children.into_iter().rev() {
                            stack.push(Step::Enter(c));
                        }
                    }
                }
            }
        }
    }
    out.into_bytes()
}
