//! Regression tests for authorization bypasses: each request below was once
//! allowed past a policy that denies it (by another spelling of a name, a
//! parameter that moved the target, a tag removed first, the wrong action
//! checked, a key never checked, a resource policy that ignored a session
//! policy). Each must now be refused.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails by panicking"
)]

mod common;

use common::{Creds, Server};
use serde_json::Value;

const RAM: &str = "2015-05-01";
const STS: &str = "2015-04-01";
const KMS: &str = "2016-01-20";

fn trust_account(account: &str) -> String {
    format!(
        r#"{{"Version":"1","Statement":[{{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{{"RAM":["acs:ram::{account}:root"]}}}}]}}"#
    )
}

fn create_role(s: &Server, name: &str) {
    s.ram(
        "CreateRole",
        &[
            ("RoleName", name),
            ("AssumeRolePolicyDocument", &trust_account(&s.account_id)),
        ],
    );
}

fn refused(s: &Server, who: &Creds, version: &str, action: &str, params: &[(&str, &str)]) {
    let (status, body) = s.call_v1(who, version, action, params);
    let code = body["Code"].as_str().unwrap_or("");
    assert!(
        status == 403 && code.ends_with("NoPermission"),
        "{action} {params:?} must be refused, got {status} {body}"
    );
}

fn allowed(s: &Server, who: &Creds, version: &str, action: &str, params: &[(&str, &str)]) -> Value {
    let (status, body) = s.call_v1(who, version, action, params);
    assert_eq!(status, 200, "{action} {params:?}: {body}");
    body
}

/// A user allowed everything except what `deny` (statements) refuses.
fn user_with(s: &Server, name: &str, statements: &str) -> Creds {
    let u = s.user_with_key(name);
    s.grant(
        name,
        &format!("{name}-policy"),
        &format!(r#"{{"Version":"1","Statement":[{statements}]}}"#),
    );
    u
}

const ALLOW_ALL: &str = r#"{"Effect":"Allow","Action":"*","Resource":"*"}"#;

#[test]
fn a_name_in_another_case_reaches_the_same_denied_role() {
    let s = Server::new();
    create_role(&s, "ProtectedAdmin");
    let uid = s.account_id.clone();
    let u = user_with(
        &s,
        "mallory",
        &format!(
            r#"{ALLOW_ALL},{{"Effect":"Deny","Action":"*","Resource":["acs:ram:*:{uid}:role/ProtectedAdmin"]}}"#
        ),
    );
    for spelling in ["ProtectedAdmin", "protectedadmin", "PROTECTEDADMIN"] {
        let arn = format!("acs:ram::{uid}:role/{spelling}");
        refused(
            &s,
            &u,
            STS,
            "AssumeRole",
            &[("RoleArn", &arn), ("RoleSessionName", "x1")],
        );
        refused(
            &s,
            &u,
            RAM,
            "UpdateRole",
            &[("RoleName", spelling), ("NewDescription", "pwned")],
        );
        refused(
            &s,
            &u,
            RAM,
            "AttachPolicyToRole",
            &[
                ("RoleName", spelling),
                ("PolicyType", "System"),
                ("PolicyName", "AdministratorAccess"),
            ],
        );
        refused(&s, &u, RAM, "GetRole", &[("RoleName", spelling)]);
        refused(&s, &u, RAM, "DeleteRole", &[("RoleName", spelling)]);
    }
    // Other roles are unaffected.
    create_role(&s, "Other");
    allowed(&s, &u, RAM, "GetRole", &[("RoleName", "other")]);
}

#[test]
fn a_name_in_another_case_does_not_widen_an_allow() {
    let s = Server::new();
    create_role(&s, "DEVOPS-ADMIN");
    create_role(&s, "dev-reader");
    let uid = s.account_id.clone();
    let u = user_with(
        &s,
        "dev",
        &format!(
            r#"{{"Effect":"Allow","Action":["sts:AssumeRole","ram:GetRole"],"Resource":"acs:ram:*:{uid}:role/dev*"}}"#
        ),
    );
    let arn = format!("acs:ram::{uid}:role/devops-admin");
    refused(
        &s,
        &u,
        STS,
        "AssumeRole",
        &[("RoleArn", &arn), ("RoleSessionName", "x1")],
    );
    refused(&s, &u, RAM, "GetRole", &[("RoleName", "devops-admin")]);
    let arn = format!("acs:ram::{uid}:role/DEV-READER");
    let body = allowed(
        &s,
        &u,
        STS,
        "AssumeRole",
        &[("RoleArn", &arn), ("RoleSessionName", "x1")],
    );
    // The session is the role as stored.
    assert_eq!(
        body["AssumedRoleUser"]["Arn"],
        format!("acs:ram::{uid}:role/dev-reader/x1").as_str()
    );
}

#[test]
fn policy_type_system_does_not_move_the_target_off_a_denied_custom_policy() {
    let s = Server::new();
    let doc = r#"{"Version":"1","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}"#;
    s.ram(
        "CreatePolicy",
        &[("PolicyName", "guard"), ("PolicyDocument", doc)],
    );
    s.ram(
        "CreatePolicyVersion",
        &[("PolicyName", "guard"), ("PolicyDocument", doc)],
    );
    let uid = s.account_id.clone();
    let u = user_with(
        &s,
        "mallory",
        &format!(
            r#"{ALLOW_ALL},{{"Effect":"Deny","Action":"*","Resource":"acs:ram:*:{uid}:policy/guard"}}"#
        ),
    );
    let open = r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
    for ptype in ["System", "Custom", "system", ""] {
        let with = |extra: &[(&'static str, &'static str)]| {
            let mut p: Vec<(&str, &str)> = vec![("PolicyName", "guard"), ("PolicyType", ptype)];
            p.extend_from_slice(extra);
            p
        };
        refused(
            &s,
            &u,
            RAM,
            "CreatePolicyVersion",
            &with(&[("PolicyDocument", open), ("SetAsDefault", "true")]),
        );
        refused(
            &s,
            &u,
            RAM,
            "UpdatePolicyDescription",
            &with(&[("NewDescription", "x")]),
        );
        refused(
            &s,
            &u,
            RAM,
            "SetDefaultPolicyVersion",
            &with(&[("VersionId", "v2")]),
        );
        refused(
            &s,
            &u,
            RAM,
            "DeletePolicyVersion",
            &with(&[("VersionId", "v2")]),
        );
        refused(
            &s,
            &u,
            RAM,
            "DeletePolicy",
            &with(&[("CascadingDelete", "true")]),
        );
    }
    // Untouched: still two versions, v1 the default.
    let v = s.ram(
        "ListPolicyVersions",
        &[("PolicyName", "guard"), ("PolicyType", "Custom")],
    );
    assert_eq!(
        v["PolicyVersions"]["PolicyVersion"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

fn create_secret(s: &Server, name: &str, extra: &[(&str, &str)]) {
    let mut p = vec![
        ("SecretName", name),
        ("VersionId", "v1"),
        ("SecretData", "s3cret"),
    ];
    p.extend_from_slice(extra);
    s.kms("CreateSecret", &p);
}

const TAG_PROD: &str = r#"[{"TagKey":"env","TagValue":"prod"}]"#;
const DENY_PROD: &str = r#"{"Effect":"Deny","Action":"kms:*","Resource":"*","Condition":{"StringEquals":{"kms:tag/env":"prod"}}}"#;

#[test]
fn tag_conditions_cannot_be_escaped_by_untagging_first() {
    let s = Server::new();
    create_secret(&s, "abac/prod", &[("Tags", TAG_PROD)]);
    let u = user_with(&s, "mallory", &format!("{ALLOW_ALL},{DENY_PROD}"));
    refused(
        &s,
        &u,
        KMS,
        "GetSecretValue",
        &[("SecretName", "abac/prod")],
    );
    refused(
        &s,
        &u,
        KMS,
        "UntagResource",
        &[("SecretName", "abac/prod"), ("TagKeys", r#"["env"]"#)],
    );
    refused(
        &s,
        &u,
        KMS,
        "UntagResources",
        &[
            ("ResourceType", "secret"),
            ("ResourceId.1", "abac/prod"),
            ("All", "true"),
        ],
    );
    refused(
        &s,
        &u,
        KMS,
        "UntagResources",
        &[
            ("ResourceType", "secret"),
            ("ResourceId.1", "abac/prod"),
            ("TagKey.1", "env"),
        ],
    );
    refused(
        &s,
        &u,
        KMS,
        "TagResource",
        &[
            ("SecretName", "abac/prod"),
            ("Tags", r#"[{"TagKey":"env","TagValue":"dev"}]"#),
        ],
    );
    refused(
        &s,
        &u,
        KMS,
        "GetSecretValue",
        &[("SecretName", "abac/prod")],
    );
    let d = s.kms(
        "DescribeSecret",
        &[("SecretName", "abac/prod"), ("FetchTags", "true")],
    );
    assert_eq!(d["Tags"]["Tag"][0]["TagValue"], "prod", "{d}");
}

#[test]
fn tag_conditions_apply_to_keys() {
    let s = Server::new();
    let k = s.kms("CreateKey", &[("Tags", TAG_PROD)]);
    let key_id = k["KeyMetadata"]["KeyId"].as_str().unwrap().to_string();
    let enc = s.kms("Encrypt", &[("KeyId", &key_id), ("Plaintext", "x")]);
    let blob = enc["CiphertextBlob"].as_str().unwrap().to_string();
    let u = user_with(&s, "mallory", &format!("{ALLOW_ALL},{DENY_PROD}"));
    refused(
        &s,
        &u,
        KMS,
        "Encrypt",
        &[("KeyId", &key_id), ("Plaintext", "x")],
    );
    refused(&s, &u, KMS, "Decrypt", &[("CiphertextBlob", &blob)]);
    refused(
        &s,
        &u,
        KMS,
        "ScheduleKeyDeletion",
        &[("KeyId", &key_id), ("PendingWindowInDays", "7")],
    );
    refused(&s, &u, KMS, "DisableKey", &[("KeyId", &key_id)]);
    refused(
        &s,
        &u,
        KMS,
        "UntagResource",
        &[("KeyId", &key_id), ("TagKeys", r#"["env"]"#)],
    );
    refused(
        &s,
        &u,
        KMS,
        "UntagResources",
        &[
            ("ResourceType", "key"),
            ("ResourceId.1", &key_id),
            ("All", "true"),
        ],
    );
    let d = s.kms("DescribeKey", &[("KeyId", &key_id)]);
    assert_eq!(d["KeyMetadata"]["KeyState"], "Enabled");
    // An untagged key stays usable.
    let k2 = s.kms("CreateKey", &[]);
    let k2 = k2["KeyMetadata"]["KeyId"].as_str().unwrap().to_string();
    allowed(
        &s,
        &u,
        KMS,
        "Encrypt",
        &[("KeyId", &k2), ("Plaintext", "x")],
    );
}

#[test]
fn batch_get_secret_value_authorizes_get_secret_value_on_each_secret() {
    let s = Server::new();
    create_secret(&s, "prod/db", &[]);
    create_secret(&s, "dev/db", &[]);
    let uid = s.account_id.clone();
    let u = user_with(
        &s,
        "mallory",
        &format!(
            r#"{ALLOW_ALL},{{"Effect":"Deny","Action":"kms:GetSecretValue","Resource":"acs:kms:*:{uid}:secret/prod/*"}}"#
        ),
    );
    refused(&s, &u, KMS, "GetSecretValue", &[("SecretName", "prod/db")]);
    let body = allowed(
        &s,
        &u,
        KMS,
        "BatchGetSecretValue",
        &[(
            "SecretsList",
            r#"[{"SecretName":"prod/db"},{"SecretName":"dev/db"}]"#,
        )],
    );
    let values = body["SecretValues"].as_array().unwrap();
    assert_eq!(values.len(), 1, "{body}");
    assert_eq!(values[0]["SecretName"], "dev/db");
    assert!(!body.to_string().contains("s3cret\",\"SecretName\":\"prod"));
    let errors = body["Errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{body}");
    assert_eq!(errors[0]["SecretName"], "prod/db");
    assert_eq!(errors[0]["Code"], "Forbidden.NoPermission");
}

#[test]
fn the_key_behind_a_secret_is_checked() {
    let s = Server::new();
    let k = s.kms("CreateKey", &[]);
    let key_id = k["KeyMetadata"]["KeyId"].as_str().unwrap().to_string();
    create_secret(&s, "app/db", &[("EncryptionKeyId", &key_id)]);
    let uid = s.account_id.clone();
    let reader = user_with(
        &s,
        "reader",
        &format!(
            r#"{ALLOW_ALL},{{"Effect":"Deny","Action":"kms:Decrypt","Resource":"acs:kms:*:{uid}:key/*"}}"#
        ),
    );
    refused(
        &s,
        &reader,
        KMS,
        "GetSecretValue",
        &[("SecretName", "app/db")],
    );
    let body = allowed(
        &s,
        &reader,
        KMS,
        "BatchGetSecretValue",
        &[("SecretsList", r#"[{"SecretName":"app/db"}]"#)],
    );
    assert_eq!(body["SecretValues"].as_array().unwrap().len(), 0, "{body}");
    let writer = user_with(
        &s,
        "writer",
        &format!(
            r#"{ALLOW_ALL},{{"Effect":"Deny","Action":["kms:Encrypt","kms:GenerateDataKey","kms:Decrypt"],"Resource":"acs:kms:*:{uid}:key/*"}}"#
        ),
    );
    refused(
        &s,
        &writer,
        KMS,
        "CreateSecret",
        &[
            ("SecretName", "app/new"),
            ("VersionId", "v1"),
            ("SecretData", "x"),
            ("EncryptionKeyId", &key_id),
        ],
    );
    refused(
        &s,
        &writer,
        KMS,
        "PutSecretValue",
        &[
            ("SecretName", "app/db"),
            ("VersionId", "v2"),
            ("SecretData", "x"),
        ],
    );
    // Without a key of its own, a secret is sealed under the service's
    // default key, which needs no key permission.
    allowed(
        &s,
        &writer,
        KMS,
        "CreateSecret",
        &[
            ("SecretName", "app/plain"),
            ("VersionId", "v1"),
            ("SecretData", "x"),
        ],
    );
}

#[test]
fn a_session_policy_narrows_what_a_resource_policy_grants() {
    let s = Server::new();
    create_role(&s, "app");
    let uid = s.account_id.clone();
    let policy = format!(
        r#"{{"Version":"1","Statement":[{{"Effect":"Allow","Principal":{{"RAM":["acs:ram::{uid}:role/app"]}},"Action":"kms:*","Resource":"*"}}]}}"#
    );
    create_secret(&s, "shared", &[("Policy", &policy)]);
    let u = user_with(&s, "alice", ALLOW_ALL);
    let narrow = r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"ram:ListUsers","Resource":"*"}]}"#;
    let session = s.assume(&u, "app", &[("Policy", narrow)]);
    refused(
        &s,
        &session,
        KMS,
        "GetSecretValue",
        &[("SecretName", "shared")],
    );
    // Without the session policy the resource policy grants it.
    let full = s.assume(&u, "app", &[]);
    allowed(
        &s,
        &full,
        KMS,
        "GetSecretValue",
        &[("SecretName", "shared")],
    );
}

#[test]
fn secret_and_key_arns_of_another_account_or_region_are_not_this_accounts() {
    let s = Server::new();
    create_secret(&s, "app/db", &[]);
    let k = s.kms("CreateKey", &[]);
    let key_id = k["KeyMetadata"]["KeyId"].as_str().unwrap().to_string();
    for arn in [
        "acs:kms:cn-hangzhou:1111111111111111:secret/app/db".to_string(),
        format!("acs:kms:us-west-1:{}:secret/app/db", s.account_id),
    ] {
        let (st, body) = s.call_v1(&s.root, KMS, "GetSecretValue", &[("SecretName", &arn)]);
        assert_eq!(st, 404, "{arn}: {body}");
    }
    let ok = format!("acs:kms:cn-hangzhou:{}:secret/app/db", s.account_id);
    allowed(&s, &s.root, KMS, "GetSecretValue", &[("SecretName", &ok)]);
    let other = format!("acs:kms:cn-hangzhou:1111111111111111:key/{key_id}");
    let (st, body) = s.call_v1(&s.root, KMS, "DescribeKey", &[("KeyId", &other)]);
    assert_eq!(st, 404, "{body}");
}

#[test]
fn an_unknown_action_is_recorded_as_one_label_and_not_echoed_whole() {
    let s = Server::new();
    let long = "A".repeat(1_500_000);
    for (version, signed) in [(RAM, false), (KMS, true), ("2099-01-01", false)] {
        let req = if signed {
            // Signed by the account: still an unknown action.
            let ts = rampart_core::time::format(common::NOW);
            let query = rampart_gateway::sign::client::v1_query(
                &rampart_gateway::sign::client::Signer {
                    id: &s.root.id,
                    secret: &s.root.secret,
                    token: None,
                },
                "POST",
                version,
                &long,
                &[],
                &ts,
                "n-1",
            );
            rampart_gateway::RpcRequest {
                method: "POST".into(),
                path: "/".into(),
                query,
                ..Default::default()
            }
        } else {
            rampart_gateway::RpcRequest {
                method: "POST".into(),
                path: "/".into(),
                query: format!("Version={version}&Action={long}"),
                ..Default::default()
            }
        };
        let (resp, outcome) = s.gw.handle(&req);
        assert!(resp.status >= 400, "{}", resp.status);
        assert!(
            resp.body.len() < 4096,
            "response of {} bytes",
            resp.body.len()
        );
        let action = outcome.action.unwrap_or_default();
        assert!(
            action.len() <= 64,
            "recorded action of {} bytes",
            action.len()
        );
    }
}
