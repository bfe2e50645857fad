//! KMS keys and generic secrets through the gateway, in process.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails by panicking"
)]

mod common;

use common::Server;

#[test]
fn keys_aliases_and_envelope_crypto() {
    let s = Server::new();
    let k = s.kms("CreateKey", &[("Description", "app key")]);
    let key_id = k["KeyMetadata"]["KeyId"].as_str().unwrap().to_string();
    assert_eq!(k["KeyMetadata"]["KeyState"], "Enabled");
    assert_eq!(k["KeyMetadata"]["KeySpec"], "Aliyun_AES_256");
    s.kms(
        "CreateAlias",
        &[("AliasName", "alias/app"), ("KeyId", &key_id)],
    );
    s.kms_err(
        "CreateAlias",
        &[("AliasName", "alias/app"), ("KeyId", &key_id)],
        400,
        "AliasAlreadyExists",
    );
    let enc = s.kms(
        "Encrypt",
        &[
            ("KeyId", "alias/app"),
            ("Plaintext", "hello world"),
            ("EncryptionContext", r#"{"app":"a"}"#),
        ],
    );
    assert_eq!(enc["KeyId"], key_id.as_str());
    let blob = enc["CiphertextBlob"].as_str().unwrap().to_string();
    let dec = s.kms(
        "Decrypt",
        &[
            ("CiphertextBlob", &blob),
            ("EncryptionContext", r#"{"app":"a"}"#),
        ],
    );
    assert_eq!(dec["Plaintext"], "hello world");
    // Wrong context, tampered and foreign blobs are 4xx, never 5xx.
    s.kms_err(
        "Decrypt",
        &[
            ("CiphertextBlob", &blob),
            ("EncryptionContext", r#"{"app":"b"}"#),
        ],
        400,
        "InvalidParameter.CiphertextBlob",
    );
    let mut raw = base64_decode(&blob);
    let last = raw.len() - 1;
    raw[last] ^= 1;
    s.kms_err(
        "Decrypt",
        &[("CiphertextBlob", &base64_encode(&raw))],
        400,
        "InvalidParameter.CiphertextBlob",
    );
    s.kms_err(
        "Decrypt",
        &[("CiphertextBlob", "bm90IGEgYmxvYg==")],
        400,
        "InvalidParameter.CiphertextBlob",
    );
    // Rotation: old versions still decrypt; new ciphertexts use the new version.
    let v2 = s.kms("CreateKeyVersion", &[("KeyId", &key_id)]);
    let v2_id = v2["KeyVersion"]["KeyVersionId"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        s.kms(
            "Decrypt",
            &[
                ("CiphertextBlob", &blob),
                ("EncryptionContext", r#"{"app":"a"}"#)
            ]
        )["Plaintext"],
        "hello world"
    );
    let enc2 = s.kms("Encrypt", &[("KeyId", &key_id), ("Plaintext", "x")]);
    assert_eq!(enc2["KeyVersionId"], v2_id.as_str());
    assert_eq!(
        s.kms("ListKeyVersions", &[("KeyId", &key_id)])["TotalCount"],
        2
    );
    // Data keys.
    let dk = s.kms(
        "GenerateDataKey",
        &[("KeyId", &key_id), ("NumberOfBytes", "16")],
    );
    let back = s.kms(
        "Decrypt",
        &[("CiphertextBlob", dk["CiphertextBlob"].as_str().unwrap())],
    );
    assert_eq!(back["Plaintext"], dk["Plaintext"]);
    assert_eq!(base64_decode(dk["Plaintext"].as_str().unwrap()).len(), 16);
    let np = s.kms("GenerateDataKeyWithoutPlaintext", &[("KeyId", &key_id)]);
    assert!(np.get("Plaintext").is_none());
    // ReEncrypt to another key.
    let other = s.kms("CreateKey", &[])["KeyMetadata"]["KeyId"]
        .as_str()
        .unwrap()
        .to_string();
    let re = s.kms(
        "ReEncrypt",
        &[
            ("CiphertextBlob", &blob),
            ("DestinationKeyId", &other),
            ("SourceEncryptionContext", r#"{"app":"a"}"#),
        ],
    );
    assert_eq!(re["SourceKeyId"], key_id.as_str());
    assert_eq!(
        s.kms(
            "Decrypt",
            &[("CiphertextBlob", re["CiphertextBlob"].as_str().unwrap())]
        )["Plaintext"],
        "hello world"
    );
    // Disabled and pending-deletion keys refuse use.
    s.kms("DisableKey", &[("KeyId", &key_id)]);
    s.kms_err(
        "Encrypt",
        &[("KeyId", &key_id), ("Plaintext", "x")],
        409,
        "Rejected.Disabled",
    );
    s.kms_err(
        "Decrypt",
        &[
            ("CiphertextBlob", &blob),
            ("EncryptionContext", r#"{"app":"a"}"#),
        ],
        409,
        "Rejected.Disabled",
    );
    s.kms("EnableKey", &[("KeyId", &key_id)]);
    s.kms(
        "SetDeletionProtection",
        &[
            (
                "ProtectedResourceArn",
                &format!("acs:kms:cn-hangzhou:{}:key/{key_id}", s.account_id),
            ),
            ("EnableDeletionProtection", "true"),
        ],
    );
    s.kms_err(
        "ScheduleKeyDeletion",
        &[("KeyId", &key_id), ("PendingWindowInDays", "7")],
        403,
        "Forbidden.DeletionProtection",
    );
    s.kms(
        "SetDeletionProtection",
        &[
            ("ProtectedResourceArn", &key_id),
            ("EnableDeletionProtection", "false"),
        ],
    );
    s.kms_err(
        "ScheduleKeyDeletion",
        &[("KeyId", &key_id), ("PendingWindowInDays", "6")],
        400,
        "InvalidParameter.PendingWindowInDays",
    );
    s.kms(
        "ScheduleKeyDeletion",
        &[("KeyId", &key_id), ("PendingWindowInDays", "7")],
    );
    let d = s.kms("DescribeKey", &[("KeyId", &key_id)]);
    assert_eq!(d["KeyMetadata"]["KeyState"], "PendingDeletion");
    assert!(d["KeyMetadata"]["DeleteDate"].is_string());
    s.kms_err(
        "Encrypt",
        &[("KeyId", &key_id), ("Plaintext", "x")],
        409,
        "Rejected.PendingDeletion",
    );
    s.kms("CancelKeyDeletion", &[("KeyId", &key_id)]);
    s.kms("Encrypt", &[("KeyId", &key_id), ("Plaintext", "x")]);
    s.kms_err(
        "DescribeKey",
        &[("KeyId", "no-such-key")],
        404,
        "Forbidden.KeyNotFound",
    );
    s.kms_err(
        "DescribeKey",
        &[("KeyId", "alias/none")],
        404,
        "Forbidden.AliasNotFound",
    );
    assert_eq!(
        s.kms("ListAliasesByKeyId", &[("KeyId", &key_id)])["TotalCount"],
        1
    );
    let pw = s.kms(
        "GetRandomPassword",
        &[("PasswordLength", "24"), ("ExcludePunctuation", "true")],
    );
    assert_eq!(pw["RandomPassword"].as_str().unwrap().len(), 24);
    // Deletion when the window ends.
    s.kms(
        "ScheduleKeyDeletion",
        &[("KeyId", &other), ("PendingWindowInDays", "7")],
    );
    s.clock.advance(7 * 86400);
    s.gw.rampart().purge_due().unwrap();
    s.kms_err(
        "DescribeKey",
        &[("KeyId", &other)],
        404,
        "Forbidden.KeyNotFound",
    );
}

#[test]
fn generic_secret_lifecycle() {
    let s = Server::new();
    let secret_value = "s3cr3t-value-that-must-not-leak";
    let c = s.kms(
        "CreateSecret",
        &[
            ("SecretName", "app/db"),
            ("VersionId", "v1"),
            ("SecretData", secret_value),
            ("Tags", r#"[{"TagKey":"env","TagValue":"prod"}]"#),
        ],
    );
    assert_eq!(
        c["Arn"],
        format!("acs:kms:cn-hangzhou:{}:secret/app/db", s.account_id)
    );
    assert_eq!(c["SecretType"], "Generic");
    s.kms_err(
        "CreateSecret",
        &[
            ("SecretName", "app/db"),
            ("VersionId", "v1"),
            ("SecretData", "x"),
        ],
        409,
        "Rejected.ResourceExist",
    );
    let g = s.kms("GetSecretValue", &[("SecretName", "app/db")]);
    assert_eq!(
        (g["SecretData"].as_str(), g["VersionId"].as_str()),
        (Some(secret_value), Some("v1"))
    );
    assert_eq!(g["VersionStages"]["VersionStage"][0], "ACSCurrent");
    // Idempotent put; conflicting data refused.
    s.kms(
        "PutSecretValue",
        &[
            ("SecretName", "app/db"),
            ("VersionId", "v2"),
            ("SecretData", "second"),
        ],
    );
    s.kms(
        "PutSecretValue",
        &[
            ("SecretName", "app/db"),
            ("VersionId", "v2"),
            ("SecretData", "second"),
        ],
    );
    s.kms_err(
        "PutSecretValue",
        &[
            ("SecretName", "app/db"),
            ("VersionId", "v2"),
            ("SecretData", "other"),
        ],
        409,
        "Rejected.ResourceExist",
    );
    assert_eq!(
        s.kms("GetSecretValue", &[("SecretName", "app/db")])["SecretData"],
        "second"
    );
    let prev = s.kms(
        "GetSecretValue",
        &[("SecretName", "app/db"), ("VersionStage", "ACSPrevious")],
    );
    assert_eq!(prev["SecretData"], secret_value);
    // A custom label, then moved current.
    s.kms(
        "PutSecretValue",
        &[
            ("SecretName", "app/db"),
            ("VersionId", "v3"),
            ("SecretData", "third"),
            ("VersionStages", r#"["Pending"]"#),
        ],
    );
    assert_eq!(
        s.kms("GetSecretValue", &[("SecretName", "app/db")])["VersionId"],
        "v2"
    );
    s.kms(
        "UpdateSecretVersionStage",
        &[
            ("SecretName", "app/db"),
            ("VersionStage", "ACSCurrent"),
            ("RemoveFromVersion", "v2"),
            ("MoveToVersion", "v3"),
        ],
    );
    assert_eq!(
        s.kms("GetSecretValue", &[("SecretName", "app/db")])["SecretData"],
        "third"
    );
    let ids = s.kms("ListSecretVersionIds", &[("SecretName", "app/db")]);
    assert_eq!(ids["TotalCount"], 2, "{ids}");
    let all = s.kms(
        "ListSecretVersionIds",
        &[("SecretName", "app/db"), ("IncludeDeprecated", "true")],
    );
    assert_eq!(all["TotalCount"], 3);
    s.kms_err(
        "GetSecretValue",
        &[
            ("SecretName", "app/db"),
            ("VersionId", "v1"),
            ("VersionStage", "ACSCurrent"),
        ],
        400,
        "InvalidParameter.VersionStage",
    );
    // Ten-version retention.
    for i in 4..=15 {
        s.kms(
            "PutSecretValue",
            &[
                ("SecretName", "app/db"),
                ("VersionId", &format!("v{i}")),
                ("SecretData", &format!("value {i}")),
            ],
        );
    }
    let all = s.kms(
        "ListSecretVersionIds",
        &[
            ("SecretName", "app/db"),
            ("IncludeDeprecated", "true"),
            ("PageSize", "100"),
        ],
    );
    assert_eq!(all["TotalCount"], 10, "{all}");
    // Describe, list, filters, tags.
    let d = s.kms(
        "DescribeSecret",
        &[("SecretName", "app/db"), ("FetchTags", "true")],
    );
    assert_eq!(d["Tags"]["Tag"][0]["TagKey"], "env");
    assert!(
        !d["EncryptionKeyId"].as_str().unwrap().is_empty(),
        "the default key protects it"
    );
    s.kms(
        "CreateSecret",
        &[
            ("SecretName", "other"),
            ("VersionId", "v1"),
            ("SecretData", "x"),
        ],
    );
    let l = s.kms(
        "ListSecrets",
        &[("Filters", r#"[{"Key":"TagKey","Values":["env"]}]"#)],
    );
    assert_eq!(l["TotalCount"], 1);
    assert_eq!(s.kms("ListSecrets", &[])["TotalCount"], 2);
    let b = s.kms(
        "BatchGetSecretValue",
        &[(
            "SecretsList",
            r#"[{"SecretName":"other"},{"SecretName":"missing"}]"#,
        )],
    );
    assert_eq!(b["SecretValues"][0]["SecretData"], "x");
    assert_eq!(b["Errors"][0]["Code"], "Forbidden.ResourceNotFound");
    s.kms_err(
        "RotateSecret",
        &[("SecretName", "other"), ("VersionId", "r1")],
        400,
        "Rejected.UnsupportedOperation",
    );
    // Deletion window, restore, purge.
    s.kms_err(
        "DeleteSecret",
        &[("SecretName", "app/db"), ("RecoveryWindowInDays", "31")],
        400,
        "InvalidParameter.RecoveryWindowInDays",
    );
    let del = s.kms(
        "DeleteSecret",
        &[("SecretName", "app/db"), ("RecoveryWindowInDays", "7")],
    );
    assert!(del["PlannedDeleteTime"].is_string());
    s.kms_err(
        "GetSecretValue",
        &[("SecretName", "app/db")],
        409,
        "Rejected.ResourceInDeleteWindow",
    );
    s.kms_err(
        "CreateSecret",
        &[
            ("SecretName", "app/db"),
            ("VersionId", "v1"),
            ("SecretData", "x"),
        ],
        409,
        "Rejected.ResourceInDeleteWindow",
    );
    s.kms("RestoreSecret", &[("SecretName", "app/db")]);
    s.kms("GetSecretValue", &[("SecretName", "app/db")]);
    s.kms(
        "DeleteSecret",
        &[("SecretName", "app/db"), ("RecoveryWindowInDays", "7")],
    );
    s.clock.advance(7 * 86400);
    s.gw.rampart().purge_due().unwrap();
    s.kms_err(
        "DescribeSecret",
        &[("SecretName", "app/db")],
        404,
        "Forbidden.ResourceNotFound",
    );
    s.kms(
        "DeleteSecret",
        &[
            ("SecretName", "other"),
            ("ForceDeleteWithoutRecovery", "true"),
        ],
    );
    s.kms_err(
        "DescribeSecret",
        &[("SecretName", "other")],
        404,
        "Forbidden.ResourceNotFound",
    );
    // No plaintext secret value anywhere in the data directory.
    for entry in std::fs::read_dir(s.dir()).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        for needle in [secret_value.as_bytes(), b"second", b"value 15"] {
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle),
                "plaintext found on disk"
            );
        }
    }
}

#[test]
fn secret_authorization_uses_tags_and_resource_policy() {
    let s = Server::new();
    s.kms(
        "CreateSecret",
        &[
            ("SecretName", "tagged"),
            ("VersionId", "v1"),
            ("SecretData", "a"),
            ("Tags", r#"[{"TagKey":"team","TagValue":"blue"}]"#),
        ],
    );
    s.kms(
        "CreateSecret",
        &[
            ("SecretName", "untagged"),
            ("VersionId", "v1"),
            ("SecretData", "b"),
        ],
    );
    let u = s.user_with_key("reader");
    s.grant(
        "reader",
        "BlueOnly",
        r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"kms:GetSecretValue","Resource":"*","Condition":{"StringEquals":{"kms:tag/team":"blue"}}}]}"#,
    );
    let (st, _) = s.call_v1(
        &u,
        "2016-01-20",
        "GetSecretValue",
        &[("SecretName", "tagged")],
    );
    assert_eq!(st, 200);
    let (st, body) = s.call_v1(
        &u,
        "2016-01-20",
        "GetSecretValue",
        &[("SecretName", "untagged")],
    );
    assert_eq!(
        (st, body["Code"].as_str()),
        (403, Some("Forbidden.NoPermission"))
    );
    // A resource policy naming the user grants access to the untagged secret.
    let policy = format!(
        r#"{{"Version":"1","Statement":[{{"Effect":"Allow","Principal":{{"RAM":["acs:ram::{}:user/reader"]}},"Action":"kms:GetSecretValue","Resource":"*"}}]}}"#,
        s.account_id
    );
    s.kms(
        "SetSecretPolicy",
        &[("SecretName", "untagged"), ("Policy", &policy)],
    );
    let (st, body) = s.call_v1(
        &u,
        "2016-01-20",
        "GetSecretValue",
        &[("SecretName", "untagged")],
    );
    assert_eq!(st, 200, "{body}");
    assert_eq!(
        s.kms("GetSecretPolicy", &[("SecretName", "untagged")])["Policy"],
        policy.as_str()
    );
}

#[test]
fn writes_take_effect_on_the_very_next_request() {
    // The server keeps what it read from the store until the next write:
    // every kind of write must show at once, on the caller's next request.
    let s = Server::new();
    s.kms(
        "CreateSecret",
        &[
            ("SecretName", "app"),
            ("VersionId", "v1"),
            ("SecretData", "one"),
            ("Tags", r#"[{"TagKey":"team","TagValue":"blue"}]"#),
        ],
    );
    let u = s.user_with_key("app");
    s.grant(
        "app",
        "BlueSecrets",
        r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"kms:GetSecretValue","Resource":"*","Condition":{"StringEquals":{"kms:tag/team":"blue"}}}]}"#,
    );
    let read = |c: &common::Creds| {
        let (st, body) = s.call_v3(c, "2016-01-20", "GetSecretValue", &[("SecretName", "app")]);
        (st, body)
    };
    for _ in 0..3 {
        let (st, body) = read(&u);
        assert_eq!((st, body["SecretData"].as_str()), (200, Some("one")));
    }
    // A new value.
    s.kms(
        "PutSecretValue",
        &[
            ("SecretName", "app"),
            ("VersionId", "v2"),
            ("SecretData", "two"),
        ],
    );
    let (_, body) = read(&u);
    assert_eq!(body["SecretData"], "two");
    assert_eq!(body["VersionId"], "v2");
    // The tag the policy's condition needs goes away, then comes back.
    s.kms(
        "UntagResource",
        &[("SecretName", "app"), ("TagKeys", r#"["team"]"#)],
    );
    assert_eq!(read(&u).0, 403);
    s.kms(
        "TagResource",
        &[
            ("SecretName", "app"),
            ("Tags", r#"[{"TagKey":"team","TagValue":"blue"}]"#),
        ],
    );
    assert_eq!(read(&u).0, 200);
    // The policy is detached.
    s.ram(
        "DetachPolicyFromUser",
        &[
            ("PolicyType", "Custom"),
            ("PolicyName", "BlueSecrets"),
            ("UserName", "app"),
        ],
    );
    assert_eq!(read(&u).0, 403);
    s.ram(
        "AttachPolicyToUser",
        &[
            ("PolicyType", "Custom"),
            ("PolicyName", "BlueSecrets"),
            ("UserName", "app"),
        ],
    );
    assert_eq!(read(&u).0, 200);
    // The secret's key is disabled.
    let key = s.kms("DescribeSecret", &[("SecretName", "app")])["EncryptionKeyId"]
        .as_str()
        .unwrap()
        .to_string();
    s.kms("DisableKey", &[("KeyId", &key)]);
    let (st, body) = read(&u);
    assert_eq!(
        (st, body["Code"].as_str()),
        (409, Some("Rejected.Disabled"))
    );
    s.kms("EnableKey", &[("KeyId", &key)]);
    assert_eq!(read(&u).0, 200);
    // The AccessKey is disabled, then deleted.
    s.ram(
        "UpdateAccessKey",
        &[
            ("UserName", "app"),
            ("UserAccessKeyId", &u.id),
            ("Status", "Inactive"),
        ],
    );
    let (st, body) = read(&u);
    assert_eq!(
        (st, body["Code"].as_str()),
        (400, Some("InvalidAccessKeyId.Inactive"))
    );
    s.ram(
        "DeleteAccessKey",
        &[("UserName", "app"), ("UserAccessKeyId", &u.id)],
    );
    let (st, body) = read(&u);
    assert_eq!(
        (st, body["Code"].as_str()),
        (404, Some("InvalidAccessKeyId.NotFound"))
    );
    // The secret is deleted.
    s.kms(
        "DeleteSecret",
        &[
            ("SecretName", "app"),
            ("ForceDeleteWithoutRecovery", "true"),
        ],
    );
    let (st, body) = s.call_v3(
        &s.root,
        "2016-01-20",
        "GetSecretValue",
        &[("SecretName", "app")],
    );
    assert_eq!(
        (st, body["Code"].as_str()),
        (404, Some("Forbidden.ResourceNotFound")),
        "{body}"
    );
}

fn base64_decode(s: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.decode(s).unwrap()
}

fn base64_encode(b: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(b)
}

/// A NUL is refused in every parameter, and free text refuses what an XML
/// answer cannot carry, alike on every backend, before anything is stored;
/// every XML answer parses, whatever text it holds.
#[test]
fn text_every_answer_can_carry() {
    let s = Server::new();
    for (action, params, param) in [
        (
            "CreateSecret",
            vec![
                ("SecretName", "n1"),
                ("VersionId", "v1"),
                ("SecretData", "x"),
                ("Description", "a\u{0}b"),
            ],
            "Description",
        ),
        (
            "CreateSecret",
            vec![
                ("SecretName", "n2"),
                ("VersionId", "v1"),
                ("SecretData", "x"),
                ("Description", "a\u{1}b"),
            ],
            "Description",
        ),
        (
            "CreateSecret",
            vec![
                ("SecretName", "n3"),
                ("VersionId", "v1"),
                ("SecretData", "x"),
                ("Description", "a\u{fffe}b"),
            ],
            "Description",
        ),
        (
            "CreateSecret",
            vec![
                ("SecretName", "n4"),
                ("VersionId", "v1"),
                ("SecretData", "a\u{0}b"),
            ],
            "SecretData",
        ),
        ("CreateKey", vec![("Description", "\u{7}")], "Description"),
    ] {
        s.kms_err(action, &params, 400, &format!("InvalidParameter.{param}"));
    }
    for (params, param) in [
        (vec![("UserName", "u1"), ("Comments", "x\u{1}")], "Comments"),
        (
            vec![("UserName", "u2"), ("DisplayName", "\u{ffff}")],
            "DisplayName",
        ),
    ] {
        let (st, body) = s.call_v1(&s.root, "2015-05-01", "CreateUser", &params);
        assert_eq!(
            (st, body["Code"].as_str()),
            (400, Some(format!("InvalidParameter.{param}").as_str())),
            "{body}"
        );
    }
    // Tabs and new lines are text; a secret value may hold control
    // characters (JSON carries them exactly; XML shows U+FFFD).
    s.kms(
        "CreateSecret",
        &[
            ("SecretName", "ok"),
            ("VersionId", "v1"),
            ("SecretData", "a\u{1}b"),
            ("Description", "line 1\n\tline 2"),
        ],
    );
    let v = s.kms("GetSecretValue", &[("SecretName", "ok")]);
    assert_eq!(v["SecretData"], "a\u{1}b");
    let (st, body) = s.call_v1(
        &s.root,
        "2016-01-20",
        "GetSecretValue",
        &[("SecretName", "ok"), ("Format", "XML")],
    );
    assert_eq!(st, 200, "{body}");
}

/// The account's secrets are bounded (`--max-secrets`), those pending
/// deletion included; a forced deletion frees a place.
#[test]
fn secrets_are_bounded_per_account() {
    let s = Server::with_settings(rampart_core::Settings {
        limits: rampart_core::Limits {
            secrets: 3,
            ..Default::default()
        },
        ..Default::default()
    });
    let create = |name: &str| {
        s.call_v1(
            &s.root,
            "2016-01-20",
            "CreateSecret",
            &[
                ("SecretName", name),
                ("VersionId", "v1"),
                ("SecretData", "x"),
            ],
        )
    };
    for n in ["a", "b", "c"] {
        assert_eq!(create(n).0, 200);
    }
    let (st, body) = create("d");
    assert_eq!(
        (st, body["Code"].as_str()),
        (400, Some("Rejected.LimitExceeded")),
        "{body}"
    );
    assert!(
        body["Message"].as_str().unwrap().contains("--max-secrets"),
        "{body}"
    );
    s.kms("DeleteSecret", &[("SecretName", "a")]);
    assert_eq!(create("d").0, 400, "a secret pending deletion still counts");
    s.kms(
        "DeleteSecret",
        &[("SecretName", "a"), ("ForceDeleteWithoutRecovery", "true")],
    );
    assert_eq!(create("d").0, 200);
}
