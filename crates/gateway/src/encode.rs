//! Encoding responses: JSON or XML, `RequestId` always, Alibaba's error envelope.

use quick_xml::escape::escape;
use rampart_core::ApiError;
use serde_json::{Map, Value};

use crate::{Format, Output};

/// An HTTP response ready to send.
#[derive(Debug, Clone)]
pub struct RpcResponse {
    /// HTTP status.
    pub status: u16,
    /// `Content-Type`.
    pub content_type: &'static str,
    /// Body bytes.
    pub body: Vec<u8>,
    /// The request id (also sent as `x-acs-request-id`).
    pub request_id: String,
}

const JSON: &str = "application/json;charset=utf-8";
const XML: &str = "text/xml;charset=utf-8";

/// A successful response: `RequestId` plus the handler's fields.
pub fn success(format: Format, action: &str, request_id: &str, out: Output) -> RpcResponse {
    let bytes = match format {
        Format::Json => out.json_with_request_id(request_id),
        Format::Xml => out
            .into_map()
            .map(|fields| xml(&format!("{action}Response"), Some(request_id), &fields)),
    };
    match bytes {
        Ok(b) => respond(format, 200, request_id, b),
        Err(e) => error(format, request_id, "rampart", "Unknown", &e),
    }
}

/// An error response in Alibaba's envelope.
pub fn error(
    format: Format,
    request_id: &str,
    host_id: &str,
    product: &str,
    e: &ApiError,
) -> RpcResponse {
    let mut body = Map::new();
    body.insert("RequestId".into(), request_id.into());
    body.insert("HostId".into(), host_id.into());
    body.insert("Code".into(), e.code.as_ref().into());
    body.insert("Message".into(), e.message.clone().into());
    body.insert(
        "Recommend".into(),
        format!(
            "https://api.aliyun.com/troubleshoot?q={}&product={product}&requestId={request_id}",
            e.code
        )
        .into(),
    );
    if let Some(d) = &e.access_denied {
        let mut detail = Map::new();
        detail.insert("PolicyType".into(), d.policy_type.into());
        detail.insert("AuthPrincipalType".into(), d.auth_principal_type.into());
        detail.insert(
            "AuthPrincipalOwnerId".into(),
            d.auth_principal_owner_id.clone().into(),
        );
        detail.insert(
            "AuthPrincipalDisplayName".into(),
            d.auth_principal_display_name.clone().into(),
        );
        detail.insert("NoPermissionType".into(), d.no_permission_type.into());
        detail.insert("AuthAction".into(), d.auth_action.clone().into());
        detail.insert(
            "EncodedDiagnosticMessage".into(),
            d.encoded_diagnostic_message.clone().into(),
        );
        body.insert("AccessDeniedDetail".into(), Value::Object(detail));
    }
    render(format, "Error", e.status, request_id, body)
}

fn render(
    format: Format,
    root: &str,
    status: u16,
    request_id: &str,
    body: Map<String, Value>,
) -> RpcResponse {
    let bytes = match format {
        Format::Json => serde_json::to_vec(&Value::Object(body)).unwrap_or_default(),
        Format::Xml => xml(root, None, &body),
    };
    respond(format, status, request_id, bytes)
}

/// An answer in XML: `<root>`, then `RequestId` when given apart from the
/// fields (a handler's fields never carry their own), then the fields.
fn xml(root: &str, request_id: Option<&str>, fields: &Map<String, Value>) -> Vec<u8> {
    let mut s = String::with_capacity(256);
    s.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    tag(&mut s, "<", root);
    if let Some(id) = request_id {
        xml_string(&mut s, "RequestId", id);
    }
    for (k, v) in fields {
        if request_id.is_none() || k != "RequestId" {
            xml_field(&mut s, k, v);
        }
    }
    tag(&mut s, "</", root);
    s.into_bytes()
}

/// `<name>`, `</name>` (with `open` of `<` or `</`).
fn tag(out: &mut String, open: &str, name: &str) {
    out.push_str(open);
    out.push_str(name);
    out.push('>');
}

fn respond(format: Format, status: u16, request_id: &str, body: Vec<u8>) -> RpcResponse {
    RpcResponse {
        status,
        content_type: match format {
            Format::Json => JSON,
            Format::Xml => XML,
        },
        body,
        request_id: request_id.into(),
    }
}

/// Text escaped for XML; characters XML 1.0 cannot carry at all (control
/// characters other than tab, line feed and carriage return, U+FFFE,
/// U+FFFF: not even as references) become U+FFFD, so every answer parses.
/// Such text (a secret value, say) is carried exactly only in JSON.
fn xml_text(s: &str) -> std::borrow::Cow<'_, str> {
    if s.chars().all(crate::decode::xml_char) {
        return escape(s);
    }
    let clean: String = s
        .chars()
        .map(|c| {
            if crate::decode::xml_char(c) {
                c
            } else {
                '\u{fffd}'
            }
        })
        .collect();
    escape(&clean).into_owned().into()
}

/// Writes one field: arrays repeat the element, objects nest.
fn xml_field(out: &mut String, name: &str, v: &Value) {
    match v {
        Value::Array(items) => {
            for item in items {
                xml_field(out, name, item);
            }
        }
        Value::Object(map) => {
            tag(out, "<", name);
            for (k, v) in map {
                xml_field(out, k, v);
            }
            tag(out, "</", name);
        }
        Value::Null => {
            out.push('<');
            out.push_str(name);
            out.push_str("/>");
        }
        Value::String(s) => xml_string(out, name, s),
        other => {
            tag(out, "<", name);
            out.push_str(&other.to_string());
            tag(out, "</", name);
        }
    }
}

/// `<name>text</name>`, the text escaped.
fn xml_string(out: &mut String, name: &str, text: &str) {
    tag(out, "<", name);
    out.push_str(&xml_text(text));
    tag(out, "</", name);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn xml_shapes() {
        let out = json!({"Users": {"User": [{"UserName": "a<b"}, {"UserName": "c"}]}, "IsTruncated": false});
        let Value::Object(map) = out else {
            unreachable!()
        };
        let r = success(
            Format::Xml,
            "ListUsers",
            "RID",
            Output::typed(&map).unwrap(),
        );
        let s = String::from_utf8(r.body).unwrap();
        assert!(s.contains("<ListUsersResponse><RequestId>RID</RequestId><Users><User><UserName>a&lt;b</UserName></User><User><UserName>c</UserName></User></Users><IsTruncated>false</IsTruncated></ListUsersResponse>"), "{s}");
        assert_eq!(r.content_type, XML);
    }

    #[test]
    fn xml_answers_parse_whatever_the_text() {
        let out = json!({"SecretData": "a\u{1}b\u{0}c\u{fffe}d\te&<", "Code": "x"});
        let Value::Object(map) = out else {
            unreachable!()
        };
        let r = success(
            Format::Xml,
            "GetSecretValue",
            "RID",
            Output::typed(&map).unwrap(),
        );
        let s = String::from_utf8(r.body).unwrap();
        assert!(
            s.contains("<SecretData>a\u{fffd}b\u{fffd}c\u{fffd}d\te&amp;&lt;</SecretData>"),
            "{s}"
        );
        let mut reader = quick_xml::Reader::from_str(&s);
        while reader.read_event().unwrap() != quick_xml::events::Event::Eof {}
    }

    #[test]
    fn error_envelope() {
        let e = ApiError::of(
            rampart_core::codes::ENTITY_NOT_EXIST_USER,
            "The user does not exist.",
        );
        let r = error(Format::Json, "RID", "ram.aliyuncs.com", "Ram", &e);
        let v: Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(r.status, 404);
        for k in ["RequestId", "HostId", "Code", "Message", "Recommend"] {
            assert!(v.get(k).is_some(), "{k}");
        }
    }
}
