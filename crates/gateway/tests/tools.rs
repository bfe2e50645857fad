//! Actions tools call around the entities: KMS `DescribeRegions` and
//! `DescribeAccountKmsStatus`, RAM `DecodeDiagnosticMessage` (the sealed
//! `EncodedDiagnosticMessage` of a denial) and `DeleteServiceLinkedRole`.
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
const KMS: &str = "2016-01-20";

fn err(s: &Server, who: &Creds, version: &str, action: &str, p: &[(&str, &str)]) -> (u16, Value) {
    let (st, body) = s.call_v1(who, version, action, p);
    assert_ne!(st, 200, "{action} {p:?} succeeded: {body}");
    (st, body)
}

fn code(r: &(u16, Value)) -> (u16, &str) {
    (r.0, r.1["Code"].as_str().unwrap_or(""))
}

#[test]
fn kms_regions_and_account_status() {
    let s = Server::new();
    let b = s.kms("DescribeRegions", &[]);
    assert_eq!(b["Regions"]["Region"][0]["RegionId"], "cn-hangzhou", "{b}");
    assert_eq!(b["Regions"]["Region"].as_array().unwrap().len(), 1);
    let b = s.kms("DescribeAccountKmsStatus", &[]);
    assert_eq!(b["AccountStatus"], "Enabled", "{b}");
    // A RAM user with no policy: regions need no permission, the status does.
    let u = s.user_with_key("nobody");
    let (st, b) = s.call_v3(&u, KMS, "DescribeRegions", &[]);
    assert_eq!(st, 200, "{b}");
    let r = err(&s, &u, KMS, "DescribeAccountKmsStatus", &[]);
    assert_eq!(code(&r), (403, "Forbidden.NoPermission"), "{}", r.1);
    s.grant(
        "nobody",
        "kmsstatus",
        r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"kms:DescribeAccountKmsStatus","Resource":"*"}]}"#,
    );
    let (st, b) = s.call_v1(&u, KMS, "DescribeAccountKmsStatus", &[]);
    assert_eq!((st, b["AccountStatus"].as_str()), (200, Some("Enabled")));
}

const DENY_LIST: &str = r#"{"Version":"1","Statement":[{"Sid":"NoList","Effect":"Deny","Action":"ram:ListUsers","Resource":"*"},{"Effect":"Allow","Action":"ram:Get*","Resource":"*"}]}"#;

#[test]
fn diagnostic_message_is_sealed_and_decodes_for_the_account_only() {
    let s = Server::new();
    let u = s.user_with_key("denied");
    s.grant("denied", "nolist", DENY_LIST);
    let r = err(&s, &u, RAM, "ListUsers", &[]);
    assert_eq!(code(&r), (403, "NoPermission"));
    let detail = &r.1["AccessDeniedDetail"];
    assert_eq!(detail["NoPermissionType"], "ExplicitDeny");
    let encoded = detail["EncodedDiagnosticMessage"]
        .as_str()
        .unwrap()
        .to_string();
    // Opaque: neither the policy nor the action can be read from it.
    assert!(!encoded.contains("nolist") && !encoded.contains("ListUsers"));
    assert!(encoded.len() > 40, "{encoded}");

    let b = s.ram(
        "DecodeDiagnosticMessage",
        &[("EncodedDiagnosticMessage", &encoded)],
    );
    let m = &b["DecodedDiagnosticMessage"];
    assert_eq!(m["AuthAction"], "ram:ListUsers", "{b}");
    assert_eq!(
        m["AuthResource"],
        format!("acs:ram:*:{}:user/*", s.account_id)
    );
    assert_eq!(m["ExplicitDeny"], true);
    assert_eq!(
        m["NoPermissionPolicyType"],
        "AccountLevelIdentityBasedPolicy"
    );
    assert_eq!(m["AuthPrincipal"]["AuthPrincipalType"], "SubUser");
    assert_eq!(m["AuthPrincipal"]["AuthPrincipalOwnerId"], s.account_id);
    let mp = &m["MatchedPolicies"][0];
    assert_eq!(
        (&mp["PolicyIdentifier"], &mp["PolicyType"], &mp["Effect"]),
        (&"nolist".into(), &"Custom".into(), &"Deny".into()),
        "{m}"
    );
    assert_eq!(mp["PolicyVersion"], "v1");
    assert_eq!(mp["AttachedEntityType"], "User");
    let keys: Vec<&str> = m["AuthConditions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["ConditionKey"].as_str().unwrap())
        .collect();
    assert!(keys.contains(&"acs:SourceIp"), "{keys:?}");

    // An implicit deny names no policy.
    let r = err(&s, &u, RAM, "ListGroups", &[]);
    let enc2 = r.1["AccessDeniedDetail"]["EncodedDiagnosticMessage"]
        .as_str()
        .unwrap()
        .to_string();
    let b = s.ram(
        "DecodeDiagnosticMessage",
        &[("EncodedDiagnosticMessage", &enc2)],
    );
    assert_eq!(b["DecodedDiagnosticMessage"]["ExplicitDeny"], false);
    assert_eq!(
        b["DecodedDiagnosticMessage"]["MatchedPolicies"],
        Value::Array(vec![])
    );

    // Decoding is itself authorized: the denied user may not.
    let r = err(
        &s,
        &u,
        RAM,
        "DecodeDiagnosticMessage",
        &[("EncodedDiagnosticMessage", &encoded)],
    );
    assert_eq!(code(&r), (403, "NoPermission"), "{}", r.1);
    assert_eq!(
        r.1["AccessDeniedDetail"]["AuthAction"],
        "ram:DecodeDiagnosticMessage"
    );

    // Changed, truncated, foreign or missing messages are refused.
    let mut tampered = encoded.clone().into_bytes();
    let i = tampered.len() / 2;
    tampered[i] = if tampered[i] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    for bad in [
        tampered.as_str(),
        &encoded[..encoded.len() - 4],
        "RDM1.AAAA",
        "not a message",
    ] {
        let r = err(
            &s,
            &s.root,
            RAM,
            "DecodeDiagnosticMessage",
            &[("EncodedDiagnosticMessage", bad)],
        );
        assert_eq!(
            code(&r),
            (400, "InvalidParameter.EncodedDiagnosticMessage"),
            "{bad}: {}",
            r.1
        );
    }
    let long = "A".repeat(40_000);
    let r = err(
        &s,
        &s.root,
        RAM,
        "DecodeDiagnosticMessage",
        &[("EncodedDiagnosticMessage", &long)],
    );
    assert_eq!(code(&r), (400, "InvalidParameter.EncodedDiagnosticMessage"));
    let r = err(&s, &s.root, RAM, "DecodeDiagnosticMessage", &[]);
    assert_eq!(code(&r), (400, "MissingParameter"));

    // Another account (same master key here) cannot open it.
    let other = Server::new();
    assert_ne!(other.account_id, s.account_id);
    let r = err(
        &other,
        &other.root,
        RAM,
        "DecodeDiagnosticMessage",
        &[("EncodedDiagnosticMessage", &encoded)],
    );
    assert_eq!(code(&r), (400, "InvalidParameter.EncodedDiagnosticMessage"));
}

#[test]
fn delete_service_linked_role() {
    let s = Server::new();
    let slr = "AliyunKMSManageRAMCredentialsRole";
    // Not there yet, an ordinary role, then the real one.
    let r = err(
        &s,
        &s.root,
        RAM,
        "DeleteServiceLinkedRole",
        &[("RoleName", slr)],
    );
    assert_eq!(code(&r), (404, "EntityNotExist.Role"), "{}", r.1);
    s.ram(
        "CreateRole",
        &[
            ("RoleName", "plain"),
            (
                "AssumeRolePolicyDocument",
                r#"{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{"Service":["ecs.aliyuncs.com"]}}],"Version":"1"}"#,
            ),
        ],
    );
    let r = err(
        &s,
        &s.root,
        RAM,
        "DeleteServiceLinkedRole",
        &[("RoleName", "plain")],
    );
    assert_eq!(
        code(&r),
        (404, "EntityNotExist.ServiceLinkedRole"),
        "{}",
        r.1
    );
    s.ram("GetRole", &[("RoleName", "plain")]);

    let create = || {
        s.ram(
            "CreateServiceLinkedRole",
            &[("ServiceName", "ramcredentials.kms.aliyuncs.com")],
        )
    };
    create();
    // Any case of the name; the system policy goes with the role.
    let b = s.ram(
        "DeleteServiceLinkedRole",
        &[("RoleName", &slr.to_lowercase())],
    );
    let task = b["DeletionTaskId"].as_str().unwrap();
    assert!(
        task.starts_with(&format!(
            "task/acs-service-role/ramcredentials.kms.aliyuncs.com/{slr}/"
        )),
        "{task}"
    );
    let r = err(&s, &s.root, RAM, "GetRole", &[("RoleName", slr)]);
    assert_eq!(code(&r), (404, "EntityNotExist.Role"));

    // In use by a RAM secret: refused, nothing changes.
    create();
    let u = s.user_with_key("rotated");
    s.kms(
        "CreateSecret",
        &[
            ("SecretName", "acs/ram/user/rotated"),
            ("SecretType", "RAMCredentials"),
            ("VersionId", "v0"),
            (
                "SecretData",
                &format!(
                    r#"{{"AccessKeys":[{{"AccessKeyId":"{}","AccessKeySecret":"{}"}}]}}"#,
                    u.id, u.secret
                ),
            ),
            (
                "ExtendedConfig",
                r#"{"SecretSubType":"RamUserAccessKey","UserName":"rotated"}"#,
            ),
        ],
    );
    let r = err(
        &s,
        &s.root,
        RAM,
        "DeleteServiceLinkedRole",
        &[("RoleName", slr)],
    );
    assert_eq!(
        code(&r),
        (409, "DeleteConflict.ServiceLinkedRole.InUse"),
        "{}",
        r.1
    );
    assert!(r.1["Message"]
        .as_str()
        .unwrap()
        .contains("secret/acs/ram/user/rotated"));
    let b = s.ram("ListPoliciesForRole", &[("RoleName", slr)]);
    assert_eq!(b["Policies"]["Policy"].as_array().unwrap().len(), 1, "{b}");

    // A RAM user needs ram:DeleteServiceLinkedRole on the role.
    let admin = s.user_with_key("admin");
    let r = err(
        &s,
        &admin,
        RAM,
        "DeleteServiceLinkedRole",
        &[("RoleName", slr)],
    );
    assert_eq!(code(&r), (403, "NoPermission"));
    assert_eq!(
        r.1["AccessDeniedDetail"]["AuthAction"],
        "ram:DeleteServiceLinkedRole"
    );
}
