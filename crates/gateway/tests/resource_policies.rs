//! Key and secret policies follow one rule whatever the spelling: a
//! principal naming the whole account (`acs:ram::<uid>:root`,
//! `acs:ram:*:<uid>:root`, `acs:ram:*:<uid>:*`, `acs:ram::*:*`, `<uid>`,
//! `{"RAM":"*"}`, `"*"`) delegates to the identity policies and grants
//! nothing by itself; its `Deny` still applies; a principal of another
//! account is refused when the policy is set.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails by panicking"
)]

mod common;

use common::Server;

const KMS: &str = "2016-01-20";

fn account_wide(uid: &str) -> Vec<String> {
    [
        format!(r#"{{"RAM":"acs:ram::{uid}:root"}}"#),
        format!(r#"{{"RAM":"acs:ram:*:{uid}:root"}}"#),
        format!(r#"{{"RAM":"acs:ram:*:{uid}:*"}}"#),
        format!(r#"{{"RAM":"acs:ram::{uid}:*"}}"#),
        r#"{"RAM":"acs:ram::*:*"}"#.to_string(),
        r#"{"RAM":"acs:ram:*:*:root"}"#.to_string(),
        format!(r#"{{"RAM":["{uid}"]}}"#),
        r#"{"RAM":"*"}"#.to_string(),
        r#""*""#.to_string(),
    ]
    .into()
}

fn allow(principal: &str, action: &str) -> String {
    format!(
        r#"{{"Version":"1","Statement":[{{"Effect":"Allow","Principal":{principal},"Action":["{action}"],"Resource":["*"]}}]}}"#
    )
}

#[test]
fn account_wide_principals_grant_nothing_in_key_policies() {
    let s = Server::new();
    let uid = s.account_id.clone();
    let key = s.kms("CreateKey", &[])["KeyMetadata"]["KeyId"]
        .as_str()
        .unwrap()
        .to_string();
    let blob = s.kms("Encrypt", &[("KeyId", &key), ("Plaintext", "aGk=")])["CiphertextBlob"]
        .as_str()
        .unwrap()
        .to_string();
    let nobody = s.user_with_key("nobody");
    for principal in account_wide(&uid) {
        s.kms(
            "SetKeyPolicy",
            &[("KeyId", &key), ("Policy", &allow(&principal, "kms:*"))],
        );
        let (st, body) = s.call_v1(&nobody, KMS, "Decrypt", &[("CiphertextBlob", &blob)]);
        assert_eq!(
            (st, body["Code"].as_str()),
            (403, Some("Forbidden.NoPermission")),
            "{principal}: {body}"
        );
    }
    // The user itself named: granted.
    let me = format!(r#"{{"RAM":"acs:ram:*:{uid}:user/nobody"}}"#);
    s.kms(
        "SetKeyPolicy",
        &[("KeyId", &key), ("Policy", &allow(&me, "kms:Decrypt"))],
    );
    let (st, body) = s.call_v1(&nobody, KMS, "Decrypt", &[("CiphertextBlob", &blob)]);
    assert_eq!(st, 200, "{body}");
    // A Deny naming the whole account applies to everyone in it.
    s.grant(
        "nobody",
        "KmsAll",
        r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}"#,
    );
    for principal in account_wide(&uid) {
        let deny = format!(
            r#"{{"Version":"1","Statement":[{{"Effect":"Deny","Principal":{principal},"Action":["kms:Decrypt"],"Resource":["*"]}}]}}"#
        );
        s.kms("SetKeyPolicy", &[("KeyId", &key), ("Policy", &deny)]);
        let (st, _) = s.call_v1(&nobody, KMS, "Decrypt", &[("CiphertextBlob", &blob)]);
        assert_eq!(st, 403, "{principal}");
    }
}

#[test]
fn account_wide_principals_grant_nothing_in_secret_policies() {
    let s = Server::new();
    let uid = s.account_id.clone();
    s.kms(
        "CreateSecret",
        &[
            ("SecretName", "app/db"),
            ("VersionId", "v1"),
            ("SecretData", "pw"),
        ],
    );
    let reader = s.user_with_key("reader");
    let read = || s.call_v1(&reader, KMS, "GetSecretValue", &[("SecretName", "app/db")]);
    for principal in account_wide(&uid) {
        s.kms(
            "SetSecretPolicy",
            &[
                ("SecretName", "app/db"),
                ("Policy", &allow(&principal, "kms:GetSecretValue")),
            ],
        );
        let (st, body) = read();
        assert_eq!(
            (st, body["Code"].as_str()),
            (403, Some("Forbidden.NoPermission")),
            "{principal}: {body}"
        );
    }
    let me = format!(r#"{{"RAM":"acs:ram::{uid}:user/reader"}}"#);
    s.kms(
        "SetSecretPolicy",
        &[
            ("SecretName", "app/db"),
            ("Policy", &allow(&me, "kms:GetSecretValue")),
        ],
    );
    assert_eq!(read().0, 200);
}

#[test]
fn other_accounts_are_refused_when_the_policy_is_set() {
    let s = Server::new();
    let key = s.kms("CreateKey", &[])["KeyMetadata"]["KeyId"]
        .as_str()
        .unwrap()
        .to_string();
    s.kms(
        "CreateSecret",
        &[
            ("SecretName", "x"),
            ("VersionId", "v1"),
            ("SecretData", "pw"),
        ],
    );
    for principal in [
        r#"{"RAM":"acs:ram::1111111111111111:root"}"#,
        r#"{"RAM":"acs:ram::1111111111111111:user/mallory"}"#,
        r#"{"RAM":["2222222222222222"]}"#,
    ] {
        let p = allow(principal, "kms:*");
        let body = s.kms_err(
            "SetKeyPolicy",
            &[("KeyId", &key), ("Policy", &p)],
            400,
            "InvalidParameter.Policy",
        );
        assert!(
            body["Message"]
                .as_str()
                .unwrap()
                .contains("not this account"),
            "{body}"
        );
        s.kms_err(
            "SetSecretPolicy",
            &[("SecretName", "x"), ("Policy", &p)],
            400,
            "InvalidParameter.Policy",
        );
        s.kms_err(
            "CreateKey",
            &[("Policy", &p)],
            400,
            "InvalidParameter.Policy",
        );
    }
}
