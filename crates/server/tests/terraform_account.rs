//! Terraform's call sequences that need the account-level RAM actions:
//! tags on roles and policies (`CreateRole`/`CreatePolicy` with `Tag`,
//! `ListTagResources` on every read, `UntagResources`/`TagResources` on
//! update), `UnbindMFADevice` on a forced user delete, the account password
//! policy and the account alias. Same client as `terraform_ram.rs`.
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
use tfclient::{items, Tf, RAM};

fn server() -> (tempfile::TempDir, Proc) {
    let dir = tempfile::tempdir().unwrap();
    let p = Proc::start(dir.path(), &[]);
    (dir, p)
}

/// `ListTagResources(ResourceType, ResourceNames=["<name>"])` → sorted
/// `(TagKey, TagValue)`; NotFound counts as no tags, as Terraform ignores it.
fn ram_tags(tf: &Tf<'_>, rtype: &str, name: &str) -> Vec<(String, String)> {
    let names = serde_json::to_string(&[name]).unwrap();
    let a = tf.rpc_post(
        RAM,
        "ListTagResources",
        &[("ResourceType", rtype), ("ResourceNames", &names)],
    );
    if a.not_found() {
        return Vec::new();
    }
    assert!(a.ok(), "{}", a.body);
    let list: Vec<Value> = match &a.body["TagResources"] {
        Value::Array(v) => v.clone(),
        other => other["TagResource"].as_array().cloned().unwrap_or_default(),
    };
    let mut out: Vec<(String, String)> = list
        .iter()
        .map(|t| {
            (
                t["TagKey"].as_str().unwrap().to_string(),
                t["TagValue"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

/// Terraform's tag update: `UntagResources` (`TagKeys` as JSON and also
/// `TagKey.N`), then `TagResources` (`Tag` as JSON).
fn retag(tf: &Tf<'_>, rtype: &str, name: &str, remove: &[&str], add: &[(&str, &str)]) {
    let names = serde_json::to_string(&[name]).unwrap();
    if !remove.is_empty() {
        let keys = serde_json::to_string(remove).unwrap();
        let flat: Vec<(String, &str)> = remove
            .iter()
            .enumerate()
            .map(|(i, k)| (format!("TagKey.{}", i + 1), *k))
            .collect();
        let mut p = vec![
            ("ResourceType", rtype),
            ("ResourceNames", names.as_str()),
            ("TagKeys", keys.as_str()),
        ];
        p.extend(flat.iter().map(|(k, v)| (k.as_str(), *v)));
        tf.post(RAM, "UntagResources", &p);
    }
    if !add.is_empty() {
        let tags: Vec<Value> = add
            .iter()
            .map(|(k, v)| serde_json::json!({"Key": k, "Value": v}))
            .collect();
        let tags = serde_json::to_string(&tags).unwrap();
        tf.post(
            RAM,
            "TagResources",
            &[
                ("ResourceType", rtype),
                ("ResourceNames", &names),
                ("Tag", &tags),
            ],
        );
    }
}

const DOC: &str =
    r#"{"Statement":[{"Action":"oss:GetObject","Effect":"Allow","Resource":"*"}],"Version":"1"}"#;

#[test]
fn ram_role_and_policy_tags() {
    let (_d, p) = server();
    let tf = Tf::root(&p);
    let uid = p.root_account_id();
    let trust = format!(
        r#"{{"Statement":[{{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{{"RAM":["acs:ram::{uid}:root"]}}}}],"Version":"1"}}"#
    );
    tf.post(
        RAM,
        "CreateRole",
        &[
            ("RoleName", "tf-tagged-role"),
            ("AssumeRolePolicyDocument", &trust),
            ("Tag", r#"[{"Key":"env","Value":"dev"}]"#),
        ],
    );
    tf.post(
        RAM,
        "CreatePolicy",
        &[
            ("PolicyName", "tf-tagged-policy"),
            ("PolicyDocument", DOC),
            ("Tag", r#"[{"Key":"env","Value":"dev"}]"#),
        ],
    );
    for (rtype, name) in [("role", "tf-tagged-role"), ("policy", "tf-tagged-policy")] {
        assert_eq!(ram_tags(&tf, rtype, name), [("env".into(), "dev".into())]);
        retag(
            &tf,
            rtype,
            name,
            &["env"],
            &[("team", "blue"), ("tier", "1")],
        );
        assert_eq!(
            ram_tags(&tf, rtype, name),
            [("team".into(), "blue".into()), ("tier".into(), "1".into())]
        );
    }
    tf.post(RAM, "DeleteRole", &[("RoleName", "tf-tagged-role")]);
    tf.post(
        RAM,
        "DeletePolicy",
        &[
            ("PolicyName", "tf-tagged-policy"),
            ("CascadingDelete", "true"),
        ],
    );
    // A deleted resource has no tags (or is NotFound, which Terraform ignores).
    assert!(ram_tags(&tf, "role", "tf-tagged-role").is_empty());
}

/// RFC 6238 code (SHA-1, 6 digits, 30 s) of a Base32 seed at step `step`.
fn totp(seed_b32: &str, step: u64) -> String {
    let mut bits = 0u64;
    let mut n = 0u32;
    let mut key = Vec::new();
    for c in seed_b32.trim_end_matches('=').chars() {
        let v = match c.to_ascii_uppercase() {
            c @ 'A'..='Z' => u64::from(c as u8 - b'A'),
            c @ '2'..='7' => u64::from(c as u8 - b'2' + 26),
            _ => panic!("not Base32: {c}"),
        };
        bits = (bits << 5) | v;
        n += 5;
        if n >= 8 {
            n -= 8;
            key.push(u8::try_from((bits >> n) & 0xff).unwrap());
        }
    }
    let mac = rampart_crypto::hmac_sha1(&key, &step.to_be_bytes());
    let off = usize::from(mac[19] & 0x0f);
    let bin = (u32::from(mac[off]) & 0x7f) << 24
        | u32::from(mac[off + 1]) << 16
        | u32::from(mac[off + 2]) << 8
        | u32::from(mac[off + 3]);
    format!("{:06}", bin % 1_000_000)
}

#[test]
fn ram_user_forced_delete_unbinds_mfa() {
    let (_d, p) = server();
    let tf = Tf::root(&p);
    tf.old(RAM, "CreateUser", &[("UserName", "tf-mfa-user")]);
    let n = [("UserName", "tf-mfa-user")];
    // Nothing bound: the code Terraform ignores.
    let a = tf.old_sdk(RAM, "UnbindMFADevice", &n);
    assert!(
        a.is_expected("EntityNotExist.User.MFADevice"),
        "{} {}",
        a.status,
        a.body
    );
    let d = tf.post(
        RAM,
        "CreateVirtualMFADevice",
        &[("VirtualMFADeviceName", "tf-mfa")],
    );
    let seed = d["VirtualMFADevice"]["Base32StringSeed"].as_str().unwrap();
    let serial = d["VirtualMFADevice"]["SerialNumber"].as_str().unwrap();
    let step = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        / 30;
    tf.post(
        RAM,
        "BindMFADevice",
        &[
            ("SerialNumber", serial),
            ("UserName", "tf-mfa-user"),
            ("AuthenticationCode1", &totp(seed, step - 1)),
            ("AuthenticationCode2", &totp(seed, step)),
        ],
    );
    let a = tf.old_sdk(RAM, "DeleteUser", &n);
    Tf::fails(&a, 409, "DeleteConflict.User.MFADevice");
    // force = true: keys, policies, groups, login profile, then MFA.
    let a = tf.old_sdk(RAM, "DeleteLoginProfile", &n);
    assert!(
        a.is_expected("EntityNotExist.User.LoginProfile"),
        "{}",
        a.body
    );
    let a = tf.old_sdk(RAM, "UnbindMFADevice", &n);
    assert!(a.ok(), "{}", a.body);
    tf.old(RAM, "DeleteUser", &n);
    let a = tf.old_sdk(RAM, "GetUser", &n);
    Tf::fails(&a, 404, "EntityNotExist.User");
    let list = tf.post(RAM, "ListVirtualMFADevices", &[]);
    assert!(
        items(&list, "VirtualMFADevices", "VirtualMFADevice")
            .iter()
            .all(|d| d["User"].is_null() || d["User"]["UserName"] != "tf-mfa-user"),
        "{list}"
    );
}

#[test]
fn ram_account_password_policy_and_alias() {
    let (_d, p) = server();
    let tf = Tf::root(&p);
    // alicloud_ram_account_password_policy: Set, then Get.
    tf.post(
        RAM,
        "SetPasswordPolicy",
        &[
            ("MinimumPasswordLength", "14"),
            ("RequireLowercaseCharacters", "true"),
            ("RequireUppercaseCharacters", "true"),
            ("RequireNumbers", "true"),
            ("RequireSymbols", "true"),
            ("HardExpiry", "false"),
            ("MaxPasswordAge", "90"),
            ("PasswordReusePrevention", "5"),
            ("MaxLoginAttemps", "5"),
        ],
    );
    let b = tf.post(RAM, "GetPasswordPolicy", &[]);
    let pp = &b["PasswordPolicy"];
    assert_eq!(pp["MinimumPasswordLength"], 14, "{b}");
    assert_eq!(pp["MaxLoginAttemps"], 5, "{b}");
    assert_eq!(pp["PasswordReusePrevention"], 5, "{b}");
    // Delete restores the defaults.
    tf.post(
        RAM,
        "SetPasswordPolicy",
        &[
            ("MinimumPasswordLength", "8"),
            ("RequireLowercaseCharacters", "false"),
            ("RequireUppercaseCharacters", "false"),
            ("RequireNumbers", "false"),
            ("RequireSymbols", "false"),
            ("HardExpiry", "false"),
            ("MaxPasswordAge", "0"),
            ("PasswordReusePrevention", "0"),
            ("MaxLoginAttemps", "0"),
        ],
    );
    // alicloud_ram_account_alias: Set, Get, Clear.
    tf.post(RAM, "SetAccountAlias", &[("AccountAlias", "tf-alias")]);
    let b = tf.post(RAM, "GetAccountAlias", &[]);
    assert_eq!(b["AccountAlias"], "tf-alias", "{b}");
    tf.post(RAM, "ClearAccountAlias", &[]);
    // Without an alias the account id is the alias, as in the real service.
    let b = tf.post(RAM, "GetAccountAlias", &[]);
    let alias = b["AccountAlias"].as_str().unwrap_or("");
    assert!(
        alias.chars().all(|c| c.is_ascii_digit()) && !alias.is_empty(),
        "{b}"
    );
}
