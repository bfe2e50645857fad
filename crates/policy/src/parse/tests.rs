//! Parser tests.

use super::*;
use crate::error::codes;

fn err(doc: &str, kind: DocumentKind) -> PolicyError {
    parse(doc, kind).unwrap_err()
}

fn identity_err(doc: &str) -> PolicyError {
    err(doc, DocumentKind::Identity)
}

fn statement(body: &str) -> String {
    format!(r#"{{"Version":"1","Statement":[{body}]}}"#)
}

#[test]
fn kms_role_policy_and_trust_from_behaviour_md() {
    let policy = r#"{"Statement":[{"Effect":"Allow","Action":["ram:ListAccessKeys","ram:CreateAccessKey","ram:DeleteAccessKey","ram:UpdateAccessKey"],"Resource":"*"}],"Version":"1"}"#;
    let doc = parse(policy, DocumentKind::Identity).unwrap();
    assert_eq!(doc.statements().len(), 1);
    assert_eq!(doc.statements()[0].actions().count(), 4);
    let trust = r#"{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{"Service":["kms.aliyuncs.com"]}}],"Version":"1"}"#;
    let doc = parse(trust, DocumentKind::Trust).unwrap();
    assert!(doc.statements()[0].principal().is_some());
    assert!(doc.statements()[0].resources().is_none());
    assert_eq!(doc.kind(), DocumentKind::Trust);
}

#[test]
fn single_statement_object_and_scalars() {
    let doc = parse(
        r#"{"Version":"1","Statement":{"Sid":"a.b@c","Effect":"Deny","NotAction":"ram:*","Resource":"*"}}"#,
        DocumentKind::Identity,
    )
    .unwrap();
    let s = &doc.statements()[0];
    assert_eq!(s.sid(), Some("a.b@c"));
    assert_eq!(s.effect(), StatementEffect::Deny);
    assert!(s.is_not_action());
}

#[test]
fn effect_must_be_exact() {
    let e = identity_err(&statement(
        r#"{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"allow","Action":"*","Resource":"*"}"#,
    ));
    assert_eq!(e.code, codes::MALFORMED);
    assert_eq!(e.statement, Some(2));
    assert_eq!(
        e.message,
        "statement 2: field `Effect` must be `Allow` or `Deny`, found `allow`"
    );
}

#[test]
fn json_syntax_error_has_line_and_column() {
    let e = identity_err("{\"Version\":\"1\",\n\"Statement\": [\n  {\"Effect\": \"Allow\",}\n]}");
    assert_eq!(e.code, codes::MALFORMED);
    assert_eq!((e.line, e.column), (Some(3), Some(22)));
    assert!(
        e.message.starts_with("invalid JSON at line 3, column 22"),
        "{}",
        e.message
    );
}

#[test]
fn top_level_errors() {
    let cases = [
        ("", "the policy document is empty"),
        ("[]", "must be a JSON object, found an array"),
        (r#"{"Statement":[]}"#, "missing field `Version`"),
        (
            r#"{"Version":1,"Statement":[]}"#,
            "field `Version` must be `\"1\"`, found the number `1`",
        ),
        (r#"{"Version":"2","Statement":[]}"#, "found `2`"),
        (r#"{"Version":"1"}"#, "missing field `Statement`"),
        (r#"{"Version":"1","Statement":[]}"#, "non-empty array"),
        (r#"{"Version":"1","Statement":"x"}"#, "found `x`"),
        (
            r#"{"Version":"1","Statement":[{}],"Id":"x"}"#,
            "unknown top-level field `Id`",
        ),
        (
            r#"{"version":"1"}"#,
            "unknown top-level field `version` (did you mean `Version`?)",
        ),
        (
            r#"{"Version":"1","Version":"1"}"#,
            "top-level field `Version` is given twice",
        ),
    ];
    for (doc, fragment) in cases {
        let e = identity_err(doc);
        assert_eq!(e.code, codes::MALFORMED, "{doc}");
        assert!(e.message.contains(fragment), "{doc}: {}", e.message);
        assert_eq!(e.statement, None);
    }
}

#[test]
fn statement_errors() {
    let cases = [
        (r#""x""#, "a statement must be an object, found `x`"),
        (r#"{"Action":"*","Resource":"*"}"#, "missing field `Effect`"),
        (
            r#"{"Effect":"Allow","Resource":"*"}"#,
            "missing field `Action` (or `NotAction`)",
        ),
        (
            r#"{"Effect":"Allow","Action":"*","NotAction":"*","Resource":"*"}"#,
            "cannot both",
        ),
        (
            r#"{"Effect":"Allow","Action":"*"}"#,
            "missing field `Resource` (required in an identity policy)",
        ),
        (
            r#"{"Effect":"Allow","Action":"*","NotResource":"*"}"#,
            "`NotResource` is not supported",
        ),
        (
            r#"{"Effect":"Allow","Action":[],"Resource":"*"}"#,
            "field `Action` must not be an empty array",
        ),
        (
            r#"{"Effect":"Allow","Action":[""],"Resource":"*"}"#,
            "empty string",
        ),
        (
            r#"{"Effect":"Allow","Action":[1],"Resource":"*"}"#,
            "found the number `1`",
        ),
        (
            r#"{"Effect":"Allow","Action":"GetSecretValue","Resource":"*"}"#,
            "action `GetSecretValue` must look like `service:Action`",
        ),
        (
            r#"{"Effect":"Allow","Action":"kms:Get Secret","Resource":"*"}"#,
            "action `kms:Get Secret`",
        ),
        (
            r#"{"Effect":"Allow","Action":"kms:","Resource":"*"}"#,
            "action `kms:`",
        ),
        (
            r#"{"Effect":"Allow","Action":"*","Resource":"secret/x"}"#,
            "resource `secret/x` must be `*` or an ARN",
        ),
        (
            r#"{"Effect":"Allow","Action":"*","Resource":"*","Principal":"*"}"#,
            "field `Principal` is not allowed in an identity policy",
        ),
        (
            r#"{"Effect":"Allow","Action":"*","Resource":"*","Sid":"a b"}"#,
            "field `Sid` must be 1 to 128 characters",
        ),
        (
            r#"{"Effect":"Allow","Action":"*","Resource":"*","effect":"Allow"}"#,
            "unknown field `effect` (did you mean `Effect`?)",
        ),
        (
            r#"{"Effect":"Allow","Action":"*","Resource":"*","Foo":1}"#,
            "unknown field `Foo`",
        ),
        (
            r#"{"Effect":"Allow","Effect":"Deny","Action":"*","Resource":"*"}"#,
            "field `Effect` is given twice",
        ),
        (
            r#"{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEqualsIfExists":{"a:b":"c"}}}"#,
            "unknown condition operator `StringEqualsIfExists`",
        ),
    ];
    for (body, fragment) in cases {
        let e = identity_err(&statement(body));
        assert_eq!(e.code, codes::MALFORMED, "{body}");
        assert_eq!(e.statement, Some(1), "{body}");
        assert!(
            e.message.starts_with("statement 1: "),
            "{body}: {}",
            e.message
        );
        assert!(e.message.contains(fragment), "{body}: {}", e.message);
    }
}

#[test]
fn sid_limits() {
    let ok = statement(&format!(
        r#"{{"Sid":"{}","Effect":"Allow","Action":"*","Resource":"*"}}"#,
        "a".repeat(128)
    ));
    assert!(parse(&ok, DocumentKind::Identity).is_ok());
    let long = statement(&format!(
        r#"{{"Sid":"{}","Effect":"Allow","Action":"*","Resource":"*"}}"#,
        "a".repeat(129)
    ));
    assert!(identity_err(&long).message.contains("`Sid`"));
}

#[test]
fn fields_by_kind() {
    let trust_with_resource =
        statement(r#"{"Effect":"Allow","Action":"sts:AssumeRole","Principal":"*","Resource":"*"}"#);
    assert!(err(&trust_with_resource, DocumentKind::Trust)
        .message
        .contains("`Resource` is not allowed in a trust policy"));
    let trust_without_principal = statement(r#"{"Effect":"Allow","Action":"sts:AssumeRole"}"#);
    assert!(err(&trust_without_principal, DocumentKind::Trust)
        .message
        .contains("missing field `Principal` (required in a trust policy)"));
    let resource_policy = statement(
        r#"{"Effect":"Allow","Action":"kms:*","Principal":{"RAM":"123"},"Resource":"*"}"#,
    );
    assert!(parse(&resource_policy, DocumentKind::Resource).is_ok());
    assert!(err(&resource_policy, DocumentKind::Session)
        .message
        .contains("not allowed in a session policy"));
    let no_principal = statement(r#"{"Effect":"Allow","Action":"kms:*","Resource":"*"}"#);
    assert!(err(&no_principal, DocumentKind::Resource)
        .message
        .contains("required in a resource policy"));
}

#[test]
fn size_limits_and_codes() {
    let padding = " ".repeat(6144);
    let doc = format!(
        "{}{padding}",
        statement(r#"{"Effect":"Allow","Action":"*","Resource":"*"}"#)
    );
    let e = identity_err(&doc);
    assert_eq!(e.code, codes::POLICY_DOCUMENT_LENGTH);
    assert!(e.message.contains("more than the limit of 6144"));
    assert_eq!(
        err(&doc, DocumentKind::Trust).code,
        codes::TRUST_DOCUMENT_LENGTH
    );
    assert_eq!(err(&doc, DocumentKind::Session).code, codes::SESSION_SIZE);
    // Exactly at the limit is fine; characters, not bytes, are counted.
    let base = statement(r#"{"Sid":"x","Effect":"Allow","Action":"*","Resource":"*"}"#);
    let at_limit = format!("{base}{}", " ".repeat(6144 - base.len()));
    assert!(parse(&at_limit, DocumentKind::Identity).is_ok());
    let unicode = statement(&format!(
        r#"{{"Effect":"Allow","Action":"*","Resource":"acs:oss:*:*:{}"}}"#,
        "é".repeat(2000)
    ));
    assert!(unicode.len() > 4000 && parse(&unicode, DocumentKind::Identity).is_ok());
    let session_bad = statement(r#"{"Effect":"allow","Action":"*","Resource":"*"}"#);
    assert_eq!(
        err(&session_bad, DocumentKind::Session).code,
        codes::SESSION_GRAMMAR
    );
}
