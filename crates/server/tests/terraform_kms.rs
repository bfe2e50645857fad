//! The call sequences of the Terraform provider `alicloud` for its KMS
//! resources and data sources (`alicloud_kms_key`, `_kms_alias`,
//! `_kms_secret`, `_kms_secret_versions`, `_caller_identity`), with the
//! exact parameters and the form-POST V1 signing it uses, against a real
//! `rampart serve` (see `tfclient`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails by panicking"
)]

mod harness;
mod tfclient;

use harness::Proc;
use serde_json::Value;
use tfclient::{items, Tf, KMS, REGION, STS};

fn server() -> (tempfile::TempDir, Proc) {
    let dir = tempfile::tempdir().unwrap();
    let p = Proc::start(dir.path(), &[]);
    (dir, p)
}

/// `DescribeRamUser`: `ListUsers` (`MaxItems=100`, following `Marker`) for
/// the user with this id, then `GetUser`; `None` when gone.
/// `alicloud_kms_key` read: `DescribeKey`; gone on `Forbidden.KeyNotFound`,
/// `Forbidden.AliasNotFound` or `PendingDeletion`.
fn read_key(tf: &Tf<'_>, id: &str) -> Option<Value> {
    let a = tf.rpc_post(KMS, "DescribeKey", &[("KeyId", id)]);
    if a.is_expected("Forbidden.AliasNotFound") || a.is_expected("Forbidden.KeyNotFound") {
        return None;
    }
    assert!(a.ok(), "{}", a.body);
    let md = a.body["KeyMetadata"].clone();
    (md["KeyState"] != "PendingDeletion").then_some(md)
}

/// `ListTagResources(RegionId, ResourceType, ResourceId.1)`, paged by `NextToken`.
fn kms_tags(tf: &Tf<'_>, rtype: &str, id: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut token = String::new();
    loop {
        // Keys are read with `RegionId`, secrets without.
        let mut p = vec![("ResourceType", rtype), ("ResourceId.1", id)];
        if rtype == "key" {
            p.push(("RegionId", REGION));
        }
        if !token.is_empty() {
            p.push(("NextToken", token.as_str()));
        }
        let b = tf.post(KMS, "ListTagResources", &p);
        for t in items(&b, "TagResources", "TagResource") {
            out.push((
                t["TagKey"].as_str().unwrap().to_string(),
                t["TagValue"].as_str().unwrap().to_string(),
            ));
        }
        token = b["NextToken"].as_str().unwrap_or("").to_string();
        if token.is_empty() {
            break;
        }
    }
    out.sort();
    out
}

#[test]
fn kms_key_alias_secret_and_data_sources() {
    let (_d, p) = server();
    let tf = Tf::root(&p);

    // alicloud_kms_key
    let b = tf.post(
        KMS,
        "CreateKey",
        &[
            ("Description", "tf key"),
            ("KeyUsage", "ENCRYPT/DECRYPT"),
            ("Origin", "Aliyun_KMS"),
            ("ProtectionLevel", "SOFTWARE"),
            ("KeySpec", "Aliyun_AES_256"),
            ("EnableAutomaticRotation", "false"),
            ("Tags", r#"[{"TagKey":"env","TagValue":"test"}]"#),
        ],
    );
    let kid = b["KeyMetadata"]["KeyId"].as_str().unwrap().to_string();
    let md = read_key(&tf, &kid).unwrap();
    for f in [
        "AutomaticRotation",
        "DeletionProtection",
        "Description",
        "KeySpec",
        "KeyUsage",
        "Origin",
        "ProtectionLevel",
        "KeyState",
        "Arn",
        "PrimaryKeyVersion",
        "Creator",
        "CreationDate",
    ] {
        assert!(md[f].is_string(), "KeyMetadata.{f}: {md}");
    }
    assert_eq!(kms_tags(&tf, "key", &kid), [("env".into(), "test".into())]);
    // Update: disable, then poll DescribeKey until the state matches; enable.
    for (action, state) in [("DisableKey", "Disabled"), ("EnableKey", "Enabled")] {
        tf.post(KMS, action, &[("KeyId", &kid)]);
        assert_eq!(read_key(&tf, &kid).unwrap()["KeyState"], state);
    }
    tf.post(
        KMS,
        "UpdateKeyDescription",
        &[("KeyId", &kid), ("Description", "tf key 2")],
    );
    tf.post(
        KMS,
        "UpdateRotationPolicy",
        &[
            ("KeyId", &kid),
            ("EnableAutomaticRotation", "true"),
            ("RotationInterval", "2678400s"),
        ],
    );
    tf.post(
        KMS,
        "SetDeletionProtection",
        &[
            ("KeyId", &kid),
            ("EnableDeletionProtection", "true"),
            ("DeletionProtectionDescription", "kept"),
        ],
    );
    let md = read_key(&tf, &kid).unwrap();
    assert_eq!(
        (
            &md["Description"],
            &md["AutomaticRotation"],
            &md["DeletionProtection"]
        ),
        (&"tf key 2".into(), &"Enabled".into(), &"Enabled".into()),
        "{md}"
    );
    assert_eq!(md["RotationInterval"], "2678400s", "{md}");
    // Tags: untag then tag, flat parameters.
    tf.post(
        KMS,
        "UntagResources",
        &[
            ("RegionId", REGION),
            ("ResourceType", "key"),
            ("ResourceId.1", &kid),
            ("TagKey.1", "env"),
        ],
    );
    tf.post(
        KMS,
        "TagResources",
        &[
            ("RegionId", REGION),
            ("ResourceType", "key"),
            ("ResourceId.1", &kid),
            ("Tag.1.Key", "team"),
            ("Tag.1.Value", "blue"),
        ],
    );
    assert_eq!(kms_tags(&tf, "key", &kid), [("team".into(), "blue".into())]);

    // alicloud_kms_alias: read by paging ListAliases (PageSize=20).
    tf.post(
        KMS,
        "CreateAlias",
        &[("AliasName", "alias/tf"), ("KeyId", &kid)],
    );
    let read_alias = |tf: &Tf<'_>| -> Option<Value> {
        for page in 1.. {
            let n = page.to_string();
            let b = tf.post(
                KMS,
                "ListAliases",
                &[("RegionId", REGION), ("PageNumber", &n), ("PageSize", "20")],
            );
            let list = items(&b, "Aliases", "Alias");
            if let Some(a) = list.iter().find(|a| a["AliasName"] == "alias/tf") {
                return Some(a.clone());
            }
            if list.len() < 20 {
                return None;
            }
        }
        None
    };
    assert_eq!(read_alias(&tf).unwrap()["KeyId"], kid.as_str());
    let k2 = tf.post(KMS, "CreateKey", &[("Description", "second")])["KeyMetadata"]["KeyId"]
        .as_str()
        .unwrap()
        .to_string();
    tf.post(
        KMS,
        "UpdateAlias",
        &[("AliasName", "alias/tf"), ("KeyId", &k2)],
    );
    assert_eq!(read_alias(&tf).unwrap()["KeyId"], k2.as_str());
    // An alias resolves in DescribeKey; an unknown alias is gone.
    assert_eq!(read_key(&tf, "alias/tf").unwrap()["KeyId"], k2.as_str());
    assert!(read_key(&tf, "alias/none").is_none());
    tf.post(KMS, "DeleteAlias", &[("AliasName", "alias/tf")]);
    assert!(read_alias(&tf).is_none());

    // alicloud_kms_secret
    let b = tf.post(
        KMS,
        "CreateSecret",
        &[
            ("SecretName", "tf/secret"),
            ("SecretData", "s3cr3t value"),
            ("VersionId", "v1"),
            ("SecretType", "Generic"),
            ("SecretDataType", "text"),
            ("EncryptionKeyId", &kid),
            ("Description", "sd1"),
            ("Tags", r#"[{"TagKey":"app","TagValue":"web"}]"#),
        ],
    );
    assert_eq!(b["SecretName"], "tf/secret");
    let read_secret = |tf: &Tf<'_>| -> Option<(Value, Value)> {
        let a = tf.rpc_post(KMS, "DescribeSecret", &[("SecretName", "tf/secret")]);
        if a.is_expected("Forbidden.ResourceNotFound") {
            return None;
        }
        assert!(a.ok(), "{}", a.body);
        let v = tf.post(KMS, "GetSecretValue", &[("SecretName", "tf/secret")]);
        Some((a.body, v))
    };
    let (d, v) = read_secret(&tf).unwrap();
    for f in [
        "SecretName",
        "SecretType",
        "EncryptionKeyId",
        "Description",
        "Arn",
        "CreateTime",
    ] {
        assert!(d[f].is_string(), "{f}: {d}");
    }
    assert_eq!(
        (&v["SecretData"], &v["VersionId"], &v["SecretDataType"]),
        (&"s3cr3t value".into(), &"v1".into(), &"text".into())
    );
    assert!(items(&v, "VersionStages", "VersionStage").contains(&"ACSCurrent".into()));
    assert_eq!(
        kms_tags(&tf, "secret", "tf/secret"),
        [("app".into(), "web".into())]
    );
    tf.post(
        KMS,
        "PutSecretValue",
        &[
            ("SecretName", "tf/secret"),
            ("SecretData", "second value"),
            ("VersionId", "v2"),
            ("SecretDataType", "text"),
        ],
    );
    tf.post(
        KMS,
        "UpdateSecret",
        &[("SecretName", "tf/secret"), ("Description", "sd2")],
    );
    let (d, v) = read_secret(&tf).unwrap();
    assert_eq!(
        (&d["Description"], &v["VersionId"]),
        (&"sd2".into(), &"v2".into())
    );
    tf.post(
        KMS,
        "UntagResources",
        &[
            ("ResourceType", "secret"),
            ("ResourceId.1", "tf/secret"),
            ("TagKey.1", "app"),
        ],
    );
    tf.post(
        KMS,
        "TagResources",
        &[
            ("ResourceType", "secret"),
            ("ResourceId.1", "tf/secret"),
            ("Tag.1.Key", "app"),
            ("Tag.1.Value", "api"),
            ("Tag.2.Key", "tier"),
            ("Tag.2.Value", "2"),
        ],
    );
    assert_eq!(
        kms_tags(&tf, "secret", "tf/secret"),
        [("app".into(), "api".into()), ("tier".into(), "2".into())]
    );

    // data alicloud_kms_secret_versions with enable_details.
    let b = tf.post(
        KMS,
        "ListSecretVersionIds",
        &[
            ("SecretName", "tf/secret"),
            ("IncludeDeprecated", "true"),
            ("PageSize", "50"),
            ("PageNumber", "1"),
        ],
    );
    let ids = items(&b, "VersionIds", "VersionId");
    assert_eq!(ids.len(), 2, "{b}");
    for x in ids {
        let vid = x["VersionId"].as_str().unwrap();
        assert!(x["CreateTime"].is_string());
        let stage = items(x, "VersionStages", "VersionStage")[0]
            .as_str()
            .unwrap();
        let g = tf.post(
            KMS,
            "GetSecretValue",
            &[
                ("RegionId", REGION),
                ("SecretName", "tf/secret"),
                ("VersionId", vid),
                ("VersionStage", stage),
            ],
        );
        assert_eq!(g["VersionId"], vid);
        assert_eq!(g["SecretDataType"], "text");
    }

    // Secret delete, then its read is gone.
    tf.post(
        KMS,
        "DeleteSecret",
        &[
            ("SecretName", "tf/secret"),
            ("ForceDeleteWithoutRecovery", "true"),
        ],
    );
    assert!(read_secret(&tf).is_none());
    let a = tf.rpc_post(
        KMS,
        "DeleteSecret",
        &[
            ("SecretName", "tf/secret"),
            ("ForceDeleteWithoutRecovery", "true"),
        ],
    );
    Tf::fails(&a, 404, "Forbidden.ResourceNotFound");

    // Key delete: ScheduleKeyDeletion, then the next read is gone. With
    // deletion protection on, the schedule is refused first.
    let a = tf.rpc_post(
        KMS,
        "ScheduleKeyDeletion",
        &[("KeyId", &kid), ("PendingWindowInDays", "7")],
    );
    assert!(!a.ok(), "deletion protection ignored: {}", a.body);
    tf.post(
        KMS,
        "SetDeletionProtection",
        &[("KeyId", &kid), ("EnableDeletionProtection", "false")],
    );
    tf.post(
        KMS,
        "ScheduleKeyDeletion",
        &[("KeyId", &kid), ("PendingWindowInDays", "7")],
    );
    assert!(read_key(&tf, &kid).is_none());
    assert!(read_key(&tf, "key-does-not-exist-0000").is_none());
}

#[test]
fn caller_identity_data_source() {
    let (_d, p) = server();
    let tf = Tf::root(&p);
    let b = tf.old(STS, "GetCallerIdentity", &[]);
    let uid = p.root_account_id();
    assert_eq!(b["AccountId"], uid.as_str());
    assert_eq!(b["Arn"], format!("acs:ram::{uid}:root"));
    assert!(
        b["PrincipalId"].is_string() && b["IdentityType"].is_string(),
        "{b}"
    );
}
