//! RAM secrets: the service role, creation checks, immediate and automatic
//! rotation, the grace period, and a role that lacks an action.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails by panicking"
)]

mod common;

use common::{Creds, Server};
use serde_json::Value;

const ROLE_POLICY: &str = r#"{"Statement":[{"Effect":"Allow","Action":["ram:ListAccessKeys","ram:CreateAccessKey","ram:DeleteAccessKey","ram:UpdateAccessKey"],"Resource":"*"}],"Version":"1"}"#;
const TRUST_KMS: &str = r#"{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{"Service":["kms.aliyuncs.com"]}}],"Version":"1"}"#;

/// The seed's console steps, through the API.
fn authorize_secrets_manager(s: &Server) {
    s.ram(
        "CreatePolicy",
        &[
            ("PolicyName", "AliyunKMSManagedRAMCrendentialsRolePolicy"),
            ("PolicyDocument", ROLE_POLICY),
        ],
    );
    s.ram(
        "CreateRole",
        &[
            ("RoleName", "AliyunKMSManagedRAMCrendentialsRole"),
            ("AssumeRolePolicyDocument", TRUST_KMS),
        ],
    );
    s.ram(
        "AttachPolicyToRole",
        &[
            ("PolicyType", "Custom"),
            ("PolicyName", "AliyunKMSManagedRAMCrendentialsRolePolicy"),
            ("RoleName", "AliyunKMSManagedRAMCrendentialsRole"),
        ],
    );
}

fn secret_data(k: &Creds) -> String {
    format!(
        r#"{{"AccessKeys":[{{"AccessKeyId":"{}","AccessKeySecret":"{}"}}]}}"#,
        k.id, k.secret
    )
}

fn create_ram_secret(s: &Server, user: &str, key: &Creds, interval: &str) -> (u16, Value) {
    s.call_v1(
        &s.root,
        "2016-01-20",
        "CreateSecret",
        &[
            ("SecretName", "$Auto"),
            ("SecretType", "RAMCredentials"),
            ("VersionId", "v0"),
            ("SecretData", &secret_data(key)),
            ("ExtendedConfig", &format!(r#"{{"SecretSubType":"RamUserAccessKey","UserName":"{user}","CustomData":{{}}}}"#)),
            ("EnableAutomaticRotation", "True"),
            ("RotationInterval", interval),
        ],
    )
}

fn current(s: &Server, name: &str, stage: &str) -> (u16, Creds, Value) {
    let (st, body) = s.call_v1(
        &s.root,
        "2016-01-20",
        "GetSecretValue",
        &[
            ("SecretName", name),
            ("VersionStage", stage),
            ("FetchExtendedConfig", "True"),
        ],
    );
    if st != 200 {
        return (
            st,
            Creds {
                id: String::new(),
                secret: String::new(),
                token: None,
            },
            body,
        );
    }
    let data: Value = serde_json::from_str(body["SecretData"].as_str().unwrap()).unwrap();
    (
        st,
        Creds {
            id: data["AccessKeyId"].as_str().unwrap().into(),
            secret: data["AccessKeySecret"].as_str().unwrap().into(),
            token: None,
        },
        body,
    )
}

fn works(s: &Server, k: &Creds) -> (u16, String) {
    let (st, body) = s.call_v1(k, "2015-04-01", "GetCallerIdentity", &[]);
    (st, body["Code"].as_str().unwrap_or("").to_string())
}

fn key_count(s: &Server, user: &str) -> usize {
    s.ram("ListAccessKeys", &[("UserName", user)])["AccessKeys"]["AccessKey"]
        .as_array()
        .unwrap()
        .len()
}

#[test]
fn role_is_required() {
    let s = Server::new();
    let k = s.user_with_key("alice");
    let (st, body) = create_ram_secret(&s, "alice", &k, "7d");
    assert_eq!(
        (st, body["Code"].as_str()),
        (403, Some("Forbidden.NoPermission")),
        "{body}"
    );
    assert!(body["Message"]
        .as_str()
        .unwrap()
        .contains("AliyunKMSManagedRAMCrendentialsRole"));
    // A role trusted by someone else does not count.
    s.ram(
        "CreateRole",
        &[
            ("RoleName", "AliyunKMSManagedRAMCrendentialsRole"),
            (
                "AssumeRolePolicyDocument",
                &TRUST_KMS.replace("kms.aliyuncs.com", "ecs.aliyuncs.com"),
            ),
        ],
    );
    let (st, _) = create_ram_secret(&s, "alice", &k, "7d");
    assert_eq!(st, 403);
    // The service-linked role works on its own.
    s.ram(
        "CreateServiceLinkedRole",
        &[("ServiceName", "ramcredentials.kms.aliyuncs.com")],
    );
    let (st, body) = create_ram_secret(&s, "alice", &k, "7d");
    assert_eq!(st, 200, "{body}");
}

#[test]
fn create_checks_the_keys() {
    let s = Server::new();
    authorize_secrets_manager(&s);
    let k = s.user_with_key("bob");
    let wrong = Creds {
        secret: "not-the-secret".into(),
        ..k.clone()
    };
    let (st, body) = create_ram_secret(&s, "bob", &wrong, "7d");
    assert_eq!(
        (st, body["Code"].as_str()),
        (400, Some("InvalidParameter.SecretData")),
        "{body}"
    );
    let other = s.user_with_key("carol");
    let (st, body) = create_ram_secret(&s, "bob", &other, "7d");
    assert_eq!(
        (st, body["Code"].as_str()),
        (400, Some("InvalidParameter.SecretData")),
        "{body}"
    );
    let (st, body) = create_ram_secret(&s, "nobody", &k, "7d");
    assert_eq!(
        (st, body["Code"].as_str()),
        (404, Some("EntityNotExist.User")),
        "{body}"
    );
    let (st, body) = create_ram_secret(&s, "bob", &k, "1h");
    assert_eq!(
        (st, body["Code"].as_str()),
        (400, Some("InvalidParameter.RotationInterval")),
        "{body}"
    );
    // A second key must be given too.
    let k2 = s.ram("CreateAccessKey", &[("UserName", "bob")]);
    let (st, body) = create_ram_secret(&s, "bob", &k, "7d");
    assert_eq!(
        (st, body["Code"].as_str()),
        (400, Some("InvalidParameter.SecretData")),
        "{body}"
    );
    s.ram(
        "DeleteAccessKey",
        &[
            ("UserName", "bob"),
            (
                "UserAccessKeyId",
                k2["AccessKey"]["AccessKeyId"].as_str().unwrap(),
            ),
        ],
    );
    let (st, body) = create_ram_secret(&s, "bob", &k, "7d");
    assert_eq!(st, 200, "{body}");
    assert_eq!(body["SecretName"], "acs/ram/user/bob");
    assert_eq!(body["RotationInterval"], "604800s");
    assert_eq!(body["AutomaticRotation"], "Enabled");
}

#[test]
fn rotation_end_to_end() {
    let s = Server::new();
    authorize_secrets_manager(&s);
    let original = s.user_with_key("alice");
    let (st, body) = create_ram_secret(&s, "alice", &original, "7d");
    assert_eq!(st, 200, "{body}");
    let name = "acs/ram/user/alice";
    let (_, cur, body) = current(&s, name, "ACSCurrent");
    assert_eq!(cur.id, original.id);
    assert_eq!(body["SecretType"], "RAMCredentials");
    assert!(body["ExtendedConfig"]
        .as_str()
        .unwrap()
        .contains("RamUserAccessKey"));
    assert!(body["NextRotationDate"].is_string());
    // RAM secrets are not written with PutSecretValue / UpdateSecretVersionStage.
    s.kms_err(
        "PutSecretValue",
        &[
            ("SecretName", name),
            ("VersionId", "x"),
            ("SecretData", "y"),
        ],
        400,
        "Rejected.UnsupportedOperation",
    );
    s.kms_err(
        "UpdateSecretVersionStage",
        &[
            ("SecretName", name),
            ("VersionStage", "ACSCurrent"),
            ("MoveToVersion", "v0"),
        ],
        400,
        "Rejected.UnsupportedOperation",
    );

    // Immediate rotation: a new key is current; the old one still works.
    let r = s.kms("RotateSecret", &[("SecretName", name), ("VersionId", "r1")]);
    assert_eq!(r["VersionId"], "r1");
    s.kms("RotateSecret", &[("SecretName", name), ("VersionId", "r1")]); // idempotent
    let (_, new1, _) = current(&s, name, "ACSCurrent");
    assert_ne!(new1.id, original.id);
    let (_, prev, _) = current(&s, name, "ACSPrevious");
    assert_eq!(prev.id, original.id);
    assert_eq!(works(&s, &new1).0, 200, "new keys are valid immediately");
    assert_eq!(
        works(&s, &original).0,
        200,
        "the old key works during the grace period"
    );
    assert_eq!(key_count(&s, "alice"), 2);
    let d = s.kms("DescribeSecret", &[("SecretName", name)]);
    assert!(
        d["LastRotationDate"].is_string() && d["PreviousKeyDeleteDate"].is_string(),
        "{d}"
    );

    // After the grace period (2 days) the old key is deleted.
    s.clock.advance(2 * 86400 + 1);
    let (rot, fin, failed) = s.gw.rampart().run_due_rotations("test", 100).unwrap();
    assert_eq!((rot, fin, failed), (0, 1, 0));
    assert_eq!(
        works(&s, &original),
        (404, "InvalidAccessKeyId.NotFound".into())
    );
    assert_eq!(key_count(&s, "alice"), 1);
    assert_ne!(
        current(&s, name, "ACSPrevious").0,
        200,
        "ACSPrevious is dropped with the old key"
    );

    // Automatic rotation when due (7 days after the last rotation).
    s.clock.advance(5 * 86400);
    let (rot, _, _) = s.gw.rampart().run_due_rotations("test", 100).unwrap();
    assert_eq!(rot, 1);
    let (_, new2, _) = current(&s, name, "ACSCurrent");
    assert_ne!(new2.id, new1.id);
    assert_eq!(works(&s, &new2).0, 200);
    assert_eq!(key_count(&s, "alice"), 2);

    // A user never holds more than two keys: the next rotation first deletes
    // the one that is not current.
    s.kms("RotateSecret", &[("SecretName", name), ("VersionId", "r3")]);
    assert_eq!(key_count(&s, "alice"), 2);
    let (_, new3, _) = current(&s, name, "ACSCurrent");
    assert_eq!(
        works(&s, &new1),
        (404, "InvalidAccessKeyId.NotFound".into())
    );
    assert_eq!(works(&s, &new3).0, 200);
    assert_eq!(works(&s, &new2).0, 200);

    // The trail shows the service role's own calls.
    let ev = s.call_v1(
        &s.root,
        "2020-07-06",
        "LookupEvents",
        &[
            ("LookupAttribute.1.Key", "EventName"),
            ("LookupAttribute.1.Value", "CreateAccessKey"),
            ("StartTime", "2020-01-01T00:00:00Z"),
            ("EndTime", "2030-01-01T00:00:00Z"),
        ],
    );
    assert_eq!(ev.0, 200, "{}", ev.1);
    let events = ev.1["Events"].as_array().unwrap();
    let by_role: Vec<&Value> = events
        .iter()
        .filter(|e| e["userIdentity"]["type"] == "assumed-role")
        .collect();
    assert!(by_role.len() >= 3, "{events:?}");
    assert!(by_role[0]["userIdentity"]["principalId"]
        .as_str()
        .unwrap()
        .contains(":assumed-role/AliyunKMSManagedRAMCrendentialsRole/"));
    assert!(
        events.iter().all(|e| !e.to_string().contains(&new3.secret)),
        "no secrets in the trail"
    );

    // Deleting the secret leaves the user's keys alone.
    s.kms(
        "DeleteSecret",
        &[("SecretName", name), ("ForceDeleteWithoutRecovery", "true")],
    );
    assert_eq!(key_count(&s, "alice"), 2);
}

#[test]
fn role_without_create_access_key_fails_safely_and_retries() {
    let s = Server::new();
    authorize_secrets_manager(&s);
    let original = s.user_with_key("dave");
    let (st, body) = create_ram_secret(&s, "dave", &original, "7d");
    assert_eq!(st, 200, "{body}");
    let name = "acs/ram/user/dave";
    let without = ROLE_POLICY.replace(r#""ram:CreateAccessKey","#, "");
    s.ram(
        "CreatePolicyVersion",
        &[
            ("PolicyName", "AliyunKMSManagedRAMCrendentialsRolePolicy"),
            ("PolicyDocument", &without),
            ("SetAsDefault", "true"),
        ],
    );
    // Immediate rotation is refused with the reason.
    let (st, body) = s.call_v1(
        &s.root,
        "2016-01-20",
        "RotateSecret",
        &[("SecretName", name), ("VersionId", "r1")],
    );
    assert_eq!(
        (st, body["Code"].as_str()),
        (403, Some("Forbidden.NoPermission")),
        "{body}"
    );
    assert!(body["Message"]
        .as_str()
        .unwrap()
        .contains("ram:CreateAccessKey"));
    // Automatic rotation fails at that step: nothing half-done, current key current.
    s.clock.advance(7 * 86400);
    let (rot, _, failed) = s.gw.rampart().run_due_rotations("test", 100).unwrap();
    assert_eq!((rot, failed), (0, 1));
    let (_, cur, _) = current(&s, name, "ACSCurrent");
    assert_eq!(cur.id, original.id);
    assert_eq!(works(&s, &original).0, 200);
    assert_eq!(key_count(&s, "dave"), 1);
    let d = s.kms("DescribeSecret", &[("SecretName", name)]);
    assert_eq!(d["AutomaticRotation"], "Invalid", "{d}");
    assert_eq!(d["RotationStatus"], "Failed");
    assert!(
        d["LastRotationError"]
            .as_str()
            .unwrap()
            .contains("ram:CreateAccessKey"),
        "{d}"
    );
    // Not retried before the backoff ends; retried after; succeeds once the policy is fixed.
    let (rot, _, failed) = s.gw.rampart().run_due_rotations("test", 100).unwrap();
    assert_eq!((rot, failed), (0, 0), "backoff");
    s.ram(
        "SetDefaultPolicyVersion",
        &[
            ("PolicyName", "AliyunKMSManagedRAMCrendentialsRolePolicy"),
            ("VersionId", "v1"),
        ],
    );
    s.clock.advance(3600);
    let (rot, _, failed) = s.gw.rampart().run_due_rotations("test", 100).unwrap();
    assert_eq!((rot, failed), (1, 0));
    let (_, cur, _) = current(&s, name, "ACSCurrent");
    assert_ne!(cur.id, original.id);
    let d = s.kms("DescribeSecret", &[("SecretName", name)]);
    assert_eq!(d["AutomaticRotation"], "Enabled");
    assert_eq!(d["RotationStatus"], "Normal");
}

#[test]
fn rotation_policy_changes_take_effect_for_the_next_due_time() {
    let s = Server::new();
    authorize_secrets_manager(&s);
    let k = s.user_with_key("erin");
    create_ram_secret(&s, "erin", &k, "30d");
    let name = "acs/ram/user/erin";
    s.kms(
        "UpdateSecretRotationPolicy",
        &[
            ("SecretName", name),
            ("EnableAutomaticRotation", "true"),
            ("RotationInterval", "7d"),
        ],
    );
    let d = s.kms("DescribeSecret", &[("SecretName", name)]);
    assert_eq!(d["RotationInterval"], "604800s");
    assert_eq!(
        d["NextRotationDate"],
        rampart_core::time::format(common::NOW + 7 * 86400)
    );
    s.kms(
        "UpdateSecretRotationPolicy",
        &[("SecretName", name), ("EnableAutomaticRotation", "false")],
    );
    s.clock.advance(8 * 86400);
    let (rot, _, _) = s.gw.rampart().run_due_rotations("test", 100).unwrap();
    assert_eq!(rot, 0);
    assert_eq!(
        s.kms("DescribeSecret", &[("SecretName", name)])["AutomaticRotation"],
        "Disabled"
    );
}
