//! The authorization matrix: every implemented action × every kind of
//! caller → the expected decision. It enumerates the action tables, so an
//! action added without a case here fails the test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails by panicking"
)]

mod common;

use common::{Creds, Server};
use rampart_gateway::{action_table, Product};

const ADMIN: &str =
    r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
const DENY_ALL: &str =
    r#"{"Version":"1","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}"#;
const TRUST_ACCOUNT: &str = r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":["acs:ram::ACCOUNT:root"]}}]}"#;
const ONLY_CALLER_ID: &str = r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:GetCallerIdentity","Resource":"*"}]}"#;

/// Every implemented action, by product. Adding an action to a table
/// without adding it here fails `matrix_covers_every_action`.
const RAM: &[&str] = &[
    "CreateUser",
    "GetUser",
    "UpdateUser",
    "DeleteUser",
    "ListUsers",
    "CreateAccessKey",
    "ListAccessKeys",
    "UpdateAccessKey",
    "DeleteAccessKey",
    "GetAccessKeyLastUsed",
    "CreateGroup",
    "GetGroup",
    "UpdateGroup",
    "DeleteGroup",
    "ListGroups",
    "AddUserToGroup",
    "RemoveUserFromGroup",
    "ListGroupsForUser",
    "ListUsersForGroup",
    "CreateLoginProfile",
    "GetLoginProfile",
    "UpdateLoginProfile",
    "DeleteLoginProfile",
    "CreatePolicy",
    "GetPolicy",
    "DeletePolicy",
    "ListPolicies",
    "UpdatePolicyDescription",
    "CreatePolicyVersion",
    "GetPolicyVersion",
    "DeletePolicyVersion",
    "ListPolicyVersions",
    "SetDefaultPolicyVersion",
    "AttachPolicyToUser",
    "DetachPolicyFromUser",
    "AttachPolicyToGroup",
    "DetachPolicyFromGroup",
    "AttachPolicyToRole",
    "DetachPolicyFromRole",
    "ListPoliciesForUser",
    "ListPoliciesForGroup",
    "ListPoliciesForRole",
    "ListEntitiesForPolicy",
    "CreateRole",
    "GetRole",
    "UpdateRole",
    "DeleteRole",
    "ListRoles",
    "CreateServiceLinkedRole",
    "DeleteServiceLinkedRole",
    "DecodeDiagnosticMessage",
    "GetPasswordPolicy",
    "SetPasswordPolicy",
    "GetSecurityPreference",
    "SetSecurityPreference",
    "GetAccountAlias",
    "SetAccountAlias",
    "ClearAccountAlias",
    "ChangePassword",
    "CreateVirtualMFADevice",
    "ListVirtualMFADevices",
    "DeleteVirtualMFADevice",
    "BindMFADevice",
    "UnbindMFADevice",
    "GetUserMFAInfo",
    "TagResources",
    "UntagResources",
    "ListTagResources",
];
const STS: &[&str] = &["AssumeRole", "GetCallerIdentity"];
const KMS: &[&str] = &[
    "CreateKey",
    "DescribeKey",
    "ListKeys",
    "UpdateKeyDescription",
    "EnableKey",
    "DisableKey",
    "ScheduleKeyDeletion",
    "CancelKeyDeletion",
    "SetDeletionProtection",
    "UpdateRotationPolicy",
    "CreateKeyVersion",
    "ListKeyVersions",
    "DescribeKeyVersion",
    "CreateAlias",
    "UpdateAlias",
    "DeleteAlias",
    "ListAliases",
    "ListAliasesByKeyId",
    "GetParametersForImport",
    "ImportKeyMaterial",
    "DeleteKeyMaterial",
    "GetKeyPolicy",
    "SetKeyPolicy",
    "GetPublicKey",
    "AsymmetricSign",
    "AsymmetricVerify",
    "AsymmetricEncrypt",
    "AsymmetricDecrypt",
    "Encrypt",
    "Decrypt",
    "GenerateDataKey",
    "GenerateDataKeyWithoutPlaintext",
    "ReEncrypt",
    "GetRandomPassword",
    "CreateSecret",
    "GetSecretValue",
    "BatchGetSecretValue",
    "PutSecretValue",
    "ListSecretVersionIds",
    "UpdateSecretVersionStage",
    "DescribeSecret",
    "ListSecrets",
    "UpdateSecret",
    "DeleteSecret",
    "RestoreSecret",
    "RotateSecret",
    "UpdateSecretRotationPolicy",
    "GetSecretPolicy",
    "SetSecretPolicy",
    "TagResource",
    "UntagResource",
    "TagResources",
    "UntagResources",
    "ListTagResources",
    "DescribeRegions",
    "DescribeAccountKmsStatus",
];
const TRAIL: &[&str] = &["LookupEvents"];
/// Actions every authenticated caller may make.
const UNCONDITIONAL: &[&str] = &["GetCallerIdentity", "DescribeRegions"];
/// Actions only a RAM user may make, on itself (others are refused before
/// authorization).
const RAM_USER_ONLY: &[&str] = &["ChangePassword"];

/// `otherwise`, or the refusal of a RAM-user-only action for a caller that
/// is no RAM user.
fn not_user(a: &str, otherwise: Expect) -> Expect {
    if RAM_USER_ONLY.contains(&a) {
        Expect::Refused("Forbidden.NotRAMUser")
    } else {
        otherwise
    }
}

#[test]
fn matrix_covers_every_action() {
    for (product, known) in [
        (Product::Ram, RAM),
        (Product::Sts, STS),
        (Product::Kms, KMS),
    ] {
        // Anonymous actions (AssumeRoleWithOIDC/SAML) authorize no caller:
        // the role's trust policy decides (tests/federation.rs).
        let table: Vec<&str> = action_table(product)
            .iter()
            .filter(|s| s.anonymous.is_none())
            .map(|s| s.name)
            .collect();
        for a in &table {
            assert!(
                known.contains(a),
                "action {a} of {product:?} has no case in the authorization matrix"
            );
        }
        assert_eq!(
            table.len(),
            known.len(),
            "{product:?} table and matrix differ"
        );
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Expect {
    /// Authorization passes (the call may still fail for other reasons).
    Pass,
    /// 403 NoPermission with this NoPermissionType.
    Denied(&'static str),
    /// Refused before authorization with this code.
    Refused(&'static str),
}

fn params(account: &str) -> Vec<(&'static str, String)> {
    vec![
        ("UserName", "ghost".into()),
        ("GroupName", "ghost-group".into()),
        ("RoleName", "ghost-role".into()),
        ("PolicyName", "ghost-policy".into()),
        ("PolicyType", "Custom".into()),
        ("PolicyDocument", ADMIN.into()),
        (
            "AssumeRolePolicyDocument",
            TRUST_ACCOUNT.replace("ACCOUNT", account),
        ),
        ("UserAccessKeyId", "LTAIghost".into()),
        ("Status", "Inactive".into()),
        ("VersionId", "v9".into()),
        ("Password", "Sup3r-Secret!".into()),
        ("ServiceName", "unknown.aliyuncs.com".into()),
        ("RoleArn", format!("acs:ram::{account}:role/ghost-role")),
        ("RoleSessionName", "matrix".into()),
        ("KeyId", "ghost-key".into()),
        ("DestinationKeyId", "ghost-key".into()),
        ("KeyVersionId", "ghost-version".into()),
        ("AliasName", "alias/ghost".into()),
        ("Plaintext", "hello".into()),
        ("CiphertextBlob", ghost_blob()),
        ("PendingWindowInDays", "7".into()),
        ("EnableDeletionProtection", "false".into()),
        ("EnableAutomaticRotation", "false".into()),
        ("SecretName", "ghost-secret".into()),
        ("SecretData", "value".into()),
        ("SecretsList", r#"[{"SecretName":"ghost-secret"}]"#.into()),
        ("VersionStage", "Custom".into()),
        ("MoveToVersion", "v1".into()),
        ("Tags", r#"[{"TagKey":"k","TagValue":"v"}]"#.into()),
        ("TagKeys", "k".into()),
        ("ResourceType", "secret".into()),
        ("ResourceId.1", "ghost-secret".into()),
        ("Tag.1.Key", "k".into()),
        ("Tag.1.Value", "v".into()),
        ("TagKey.1", "k".into()),
        ("EncodedDiagnosticMessage", "RDM1.AAAA".into()),
        ("VirtualMFADeviceName", "ghost-mfa".into()),
        ("SerialNumber", format!("acs:ram::{account}:mfa/ghost-mfa")),
        ("AuthenticationCode1", "123456".into()),
        ("AuthenticationCode2", "654321".into()),
    ]
}

/// A well-formed CiphertextBlob naming a key that does not exist.
fn ghost_blob() -> String {
    use base64::Engine;
    let mut b = vec![1u8, 9];
    b.extend_from_slice(b"ghost-key");
    b.push(1);
    b.push(b'v');
    b.extend_from_slice(&[0u8; 40]);
    base64::engine::general_purpose::STANDARD.encode(b)
}

fn check(server: &Server, who: &str, creds: &Creds, expect_for: impl Fn(&str) -> Expect) {
    let p = params(&server.account_id);
    let p: Vec<(&str, &str)> = p.iter().map(|(k, v)| (*k, v.as_str())).collect();
    for (version, actions) in [
        ("2015-05-01", RAM),
        ("2015-04-01", STS),
        ("2016-01-20", KMS),
        ("2020-07-06", TRAIL),
    ] {
        for action in actions.iter() {
            // TagResource/UntagResource take exactly one of KeyId and SecretName.
            let p: Vec<(&str, &str)> = p
                .iter()
                .copied()
                .filter(|(k, _)| {
                    !(*k == "KeyId" && (*action == "TagResource" || *action == "UntagResource"))
                })
                .collect();
            // RAM's tag actions name roles or policies in a JSON array.
            let ram_tags = version == "2015-05-01"
                && matches!(
                    *action,
                    "TagResources" | "UntagResources" | "ListTagResources"
                );
            let p: Vec<(&str, &str)> = if ram_tags {
                p.iter()
                    .copied()
                    .filter(|(k, _)| !matches!(*k, "ResourceType" | "TagKeys"))
                    .chain([
                        ("ResourceType", "role"),
                        ("ResourceNames", r#"["ghost-role"]"#),
                        ("Tag", r#"[{"Key":"k","Value":"v"}]"#),
                        ("TagKeys", r#"["k"]"#),
                    ])
                    .collect()
            } else {
                p
            };
            let (status, body) = server.call_v1(creds, version, action, &p);
            let code = body["Code"].as_str().unwrap_or("");
            match expect_for(action) {
                Expect::Pass => assert!(
                    !code.ends_with("NoPermission") && status != 403,
                    "{who} {action}: expected authorization to pass, got {status} {body}"
                ),
                Expect::Denied(kind) => {
                    // KMS says `Forbidden.NoPermission`; RAM, STS and ActionTrail `NoPermission`.
                    let expected = if version == "2016-01-20" {
                        "Forbidden.NoPermission"
                    } else {
                        "NoPermission"
                    };
                    assert_eq!((status, code), (403, expected), "{who} {action}: {body}");
                    assert_eq!(
                        body["AccessDeniedDetail"]["NoPermissionType"], kind,
                        "{who} {action}: {body}"
                    );
                }
                Expect::Refused(c) => assert_eq!(code, c, "{who} {action}: {body}"),
            }
        }
    }
}

#[test]
fn authorization_matrix() {
    let s = Server::new();
    let uid = s.account_id.clone();
    let none = s.user_with_key("nobody");
    let allowed = s.user_with_key("allowed");
    s.grant("allowed", "AllowAll", ADMIN);
    let denied = s.user_with_key("denied");
    s.ram(
        "AttachPolicyToUser",
        &[
            ("PolicyType", "Custom"),
            ("PolicyName", "AllowAll"),
            ("UserName", "denied"),
        ],
    );
    s.grant("denied", "DenyAll", DENY_ALL);
    s.ram(
        "CreateRole",
        &[
            ("RoleName", "admin-role"),
            (
                "AssumeRolePolicyDocument",
                &TRUST_ACCOUNT.replace("ACCOUNT", &uid),
            ),
        ],
    );
    s.ram(
        "AttachPolicyToRole",
        &[
            ("PolicyType", "Custom"),
            ("PolicyName", "AllowAll"),
            ("RoleName", "admin-role"),
        ],
    );
    let session = s.assume(&s.root, "admin-role", &[]);
    let narrowed = s.assume(&s.root, "admin-role", &[("Policy", ONLY_CALLER_ID)]);
    let expiring = s.assume(&s.root, "admin-role", &[("DurationSeconds", "900")]);

    let unconditional = |a: &str| UNCONDITIONAL.contains(&a);
    check(&s, "root", &s.root.clone(), |a| not_user(a, Expect::Pass));
    check(&s, "user without policy", &none, |a| {
        // The default security preference lets users change their own
        // passwords.
        if unconditional(a) || a == "ChangePassword" {
            Expect::Pass
        } else {
            Expect::Denied("ImplicitDeny")
        }
    });
    check(&s, "user allowed by a custom policy", &allowed, |_| {
        Expect::Pass
    });
    check(&s, "user with an explicit deny", &denied, |a| {
        if unconditional(a) {
            Expect::Pass
        } else {
            Expect::Denied("ExplicitDeny")
        }
    });
    check(&s, "role session", &session, |a| not_user(a, Expect::Pass));
    check(
        &s,
        "role session narrowed by a session policy",
        &narrowed,
        |a| {
            if unconditional(a) {
                Expect::Pass
            } else {
                not_user(a, Expect::Denied("ImplicitDeny"))
            }
        },
    );
    s.clock.advance(901);
    check(&s, "expired STS token", &expiring, |_| {
        Expect::Refused("InvalidSecurityToken.Expired")
    });
}

#[test]
fn v3_signed_calls_and_sessions() {
    let s = Server::new();
    let (status, body) = s.call_v3(
        &s.root,
        "2015-05-01",
        "CreateUser",
        &[("UserName", "v3 user".replace(' ', "-").as_str())],
    );
    assert_eq!(status, 200, "{body}");
    let (status, body) = s.call_v3(&s.root, "2015-04-01", "GetCallerIdentity", &[]);
    assert_eq!(
        (status, body["IdentityType"].as_str()),
        (200, Some("Account")),
        "{body}"
    );
    s.ram(
        "CreateRole",
        &[
            ("RoleName", "r"),
            (
                "AssumeRolePolicyDocument",
                &TRUST_ACCOUNT.replace("ACCOUNT", &s.account_id),
            ),
        ],
    );
    s.ram(
        "AttachPolicyToRole",
        &[
            ("PolicyType", "System"),
            ("PolicyName", "AliyunRAMReadOnlyAccess"),
            ("RoleName", "r"),
        ],
    );
    let sess = s.assume(&s.root, "r", &[]);
    let (status, body) = s.call_v3(&sess, "2015-05-01", "ListUsers", &[]);
    assert_eq!(status, 200, "{body}");
    let (status, body) = s.call_v3(&sess, "2015-05-01", "CreateUser", &[("UserName", "x")]);
    assert_eq!(
        (status, body["Code"].as_str()),
        (403, Some("NoPermission")),
        "{body}"
    );
    let (_, who) = s.call_v3(&sess, "2015-04-01", "GetCallerIdentity", &[]);
    assert_eq!(who["IdentityType"], "AssumedRoleUser");
    assert_eq!(
        who["Arn"],
        format!("acs:ram::{}:assumed-role/r/sess", s.account_id)
    );
    // A forged token and a token under another key are refused.
    let mut forged = sess.clone();
    let t = forged.token.as_mut().unwrap();
    let last = t.pop().unwrap();
    t.push(if last == 'A' { 'B' } else { 'A' });
    let (status, body) = s.call_v3(&forged, "2015-05-01", "ListUsers", &[]);
    assert_eq!(
        (status, body["Code"].as_str()),
        (400, Some("InvalidSecurityToken.Malformed")),
        "{body}"
    );
    let other = s.assume(&s.root, "r", &[]);
    let mismatched = Creds {
        token: other.token.clone(),
        ..sess.clone()
    };
    let (_, body) = s.call_v3(&mismatched, "2015-05-01", "ListUsers", &[]);
    assert_eq!(body["Code"], "InvalidSecurityToken.MismatchWithAccessKey");
    let missing = Creds {
        token: None,
        ..sess.clone()
    };
    let (_, body) = s.call_v3(&missing, "2015-05-01", "ListUsers", &[]);
    assert_eq!(body["Code"], "MissingSecurityToken");
    // Deleting the role ends the session's rights at once.
    s.ram(
        "DetachPolicyFromRole",
        &[
            ("PolicyType", "System"),
            ("PolicyName", "AliyunRAMReadOnlyAccess"),
            ("RoleName", "r"),
        ],
    );
    s.ram("DeleteRole", &[("RoleName", "r")]);
    let (status, _) = s.call_v3(&sess, "2015-05-01", "ListUsers", &[]);
    assert_eq!(status, 403);
}

#[test]
fn replay_and_clock_window() {
    let s = Server::new();
    let (status, _) = s.call_v1(&s.root, "2015-05-01", "ListUsers", &[]);
    assert_eq!(status, 200);
    // The same nonce within the window is refused; building the request by
    // hand keeps nonce and timestamp fixed.
    let ts = rampart_core::time::format(common::NOW);
    let fixed = [
        ("SignatureNonce", "fixed-nonce"),
        ("Timestamp", ts.as_str()),
    ];
    let req = signed_fixed(&s, &fixed);
    let (status, _) = s.send(req.clone());
    assert_eq!(status, 200);
    let (status, body) = s.send(req);
    assert_eq!(
        (status, body["Code"].as_str()),
        (400, Some("SignatureNonceUsed"))
    );
    for skew in [-16 * 60, 16 * 60] {
        let ts = rampart_core::time::format(common::NOW + skew);
        let nonce = format!("n{skew}");
        let req = signed_fixed(
            &s,
            &[
                ("SignatureNonce", nonce.as_str()),
                ("Timestamp", ts.as_str()),
            ],
        );
        let (status, body) = s.send(req);
        assert_eq!(
            (status, body["Code"].as_str()),
            (400, Some("InvalidTimeStamp.Expired")),
            "{skew}"
        );
    }
}

fn signed_fixed(s: &Server, fixed: &[(&str, &str)]) -> rampart_gateway::RpcRequest {
    use rampart_gateway::sign::v1;
    let mut p: Vec<(String, String)> = vec![
        ("Action".into(), "ListUsers".into()),
        ("Version".into(), "2015-05-01".into()),
        ("Format".into(), "JSON".into()),
        ("AccessKeyId".into(), s.root.id.clone()),
        ("SignatureMethod".into(), "HMAC-SHA1".into()),
        ("SignatureVersion".into(), "1.0".into()),
    ];
    p.extend(fixed.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let canonical = v1::canonical_query(p.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    p.push((
        "Signature".into(),
        v1::sign(&s.root.secret, &v1::string_to_sign("POST", &canonical)),
    ));
    rampart_gateway::RpcRequest {
        method: "POST".into(),
        path: "/".into(),
        query: form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&p)
            .finish(),
        ..Default::default()
    }
}
