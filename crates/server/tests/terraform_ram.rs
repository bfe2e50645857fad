//! The call sequences of the Terraform provider `alicloud` for its RAM
//! resources (create, read, update, delete, and the "gone" codes its reads
//! rely on), with the exact parameters and the form-POST V1 signing it
//! uses, against a real `rampart serve` (see `tfclient`). The KMS resources
//! are in `terraform_kms.rs`.
//!
//! The steps that need account-level actions (`ListTagResources` on role
//! and policy reads, `UnbindMFADevice` on a forced user delete, tags on
//! `CreateRole`/`CreatePolicy`) are in `terraform_account.rs`.
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

/// `DescribeRamUser`: `ListUsers` (`MaxItems=100`, following `Marker`) for
/// the user with this id, then `GetUser`; `None` when gone.
fn read_user(tf: &Tf<'_>, user_id: &str) -> Option<Value> {
    let mut marker = String::new();
    let name = loop {
        let mut p = vec![("MaxItems", "100")];
        if !marker.is_empty() {
            p.push(("Marker", marker.as_str()));
        }
        let b = tf.post(RAM, "ListUsers", &p);
        if let Some(u) = items(&b, "Users", "User")
            .iter()
            .find(|u| u["UserId"] == user_id)
        {
            break u["UserName"].as_str().unwrap().to_string();
        }
        if b["IsTruncated"] != true {
            return None;
        }
        marker = b["Marker"].as_str().unwrap().to_string();
    };
    let a = tf.rpc_post(RAM, "GetUser", &[("UserName", &name)]);
    if a.is_expected("EntityNotExist.User") {
        return None;
    }
    assert!(a.ok(), "{}", a.body);
    Some(a.body["User"].clone())
}

/// `alicloud_ram_user` with `force = true` (without the MFA step).
fn force_delete_user(tf: &Tf<'_>, user_id: &str) {
    let Some(u) = read_user(tf, user_id) else {
        return;
    };
    let name = u["UserName"].as_str().unwrap();
    let n = [("UserName", name)];
    let keys = tf.old(RAM, "ListAccessKeys", &n);
    for k in items(&keys, "AccessKeys", "AccessKey") {
        let a = tf.old_sdk(
            RAM,
            "DeleteAccessKey",
            &[
                ("UserName", name),
                ("UserAccessKeyId", k["AccessKeyId"].as_str().unwrap()),
            ],
        );
        assert!(a.ok() || a.is_expected("EntityNotExist"), "{}", a.body);
    }
    let pols = tf.old(RAM, "ListPoliciesForUser", &n);
    for p in items(&pols, "Policies", "Policy") {
        let a = tf.old_sdk(
            RAM,
            "DetachPolicyFromUser",
            &[
                ("UserName", name),
                ("PolicyName", p["PolicyName"].as_str().unwrap()),
                ("PolicyType", p["PolicyType"].as_str().unwrap()),
            ],
        );
        assert!(a.ok() || a.is_expected("EntityNotExist"), "{}", a.body);
    }
    let groups = tf.old(RAM, "ListGroupsForUser", &n);
    for g in items(&groups, "Groups", "Group") {
        let a = tf.old_sdk(
            RAM,
            "RemoveUserFromGroup",
            &[
                ("UserName", name),
                ("GroupName", g["GroupName"].as_str().unwrap()),
            ],
        );
        assert!(a.ok() || a.is_expected("EntityNotExist"), "{}", a.body);
    }
    let a = tf.old_sdk(RAM, "DeleteLoginProfile", &n);
    assert!(
        a.ok() || a.is_expected("EntityNotExist.User.LoginProfile"),
        "{}",
        a.body
    );
    tf.old(RAM, "DeleteUser", &n);
    assert!(read_user(tf, user_id).is_none());
}

#[test]
fn ram_user_access_key_login_profile_and_group() {
    let (_d, p) = server();
    let tf = Tf::root(&p);
    // alicloud_ram_user: create (old SDK), read, update (RpcPost).
    let b = tf.old(
        RAM,
        "CreateUser",
        &[
            ("UserName", "tf-user"),
            ("DisplayName", "TF User"),
            ("MobilePhone", "86-18600008888"),
            ("Email", "tf@example.com"),
            ("Comments", "managed by terraform"),
        ],
    );
    let user_id = b["User"]["UserId"].as_str().unwrap().to_string();
    let u = read_user(&tf, &user_id).unwrap();
    assert_eq!(
        (&u["DisplayName"], &u["Email"], &u["Comments"]),
        (
            &"TF User".into(),
            &"tf@example.com".into(),
            &"managed by terraform".into()
        )
    );
    tf.post(
        RAM,
        "UpdateUser",
        &[
            ("UserName", "tf-user"),
            ("NewUserName", "tf-user"),
            ("NewDisplayName", "TF User 2"),
            ("NewComments", ""),
        ],
    );
    let u = read_user(&tf, &user_id).unwrap();
    assert_eq!(u["DisplayName"], "TF User 2");
    assert!(u["Comments"].as_str().unwrap_or("").is_empty(), "{u}");
    // A rename keeps the id Terraform tracks.
    tf.post(
        RAM,
        "UpdateUser",
        &[("UserName", "tf-user"), ("NewUserName", "tf-user-renamed")],
    );
    assert_eq!(
        read_user(&tf, &user_id).unwrap()["UserName"],
        "tf-user-renamed"
    );
    let name = "tf-user-renamed";

    // alicloud_ram_access_key
    let k = tf.post(RAM, "CreateAccessKey", &[("UserName", name)]);
    let kid = k["AccessKey"]["AccessKeyId"].as_str().unwrap().to_string();
    assert!(k["AccessKey"]["AccessKeySecret"].as_str().unwrap().len() >= 30);
    let read_key = |tf: &Tf<'_>| {
        let a = tf.rpc_post(RAM, "ListAccessKeys", &[("UserName", name)]);
        if a.is_expected("EntityNotExist.User") {
            return None;
        }
        items(&a.body, "AccessKeys", "AccessKey")
            .iter()
            .find(|x| x["AccessKeyId"] == kid.as_str())
            .cloned()
    };
    assert_eq!(read_key(&tf).unwrap()["Status"], "Active");
    tf.post(
        RAM,
        "UpdateAccessKey",
        &[
            ("UserAccessKeyId", &kid),
            ("Status", "Inactive"),
            ("UserName", name),
        ],
    );
    let key = read_key(&tf).unwrap();
    assert_eq!(key["Status"], "Inactive");
    assert!(key["CreateDate"].as_str().unwrap().ends_with('Z'));

    // alicloud_ram_login_profile
    let b = tf.post(
        RAM,
        "CreateLoginProfile",
        &[
            ("UserName", name),
            ("Password", "Tf-Passw0rd!2026"),
            ("PasswordResetRequired", "false"),
            ("MFABindRequired", "false"),
        ],
    );
    assert_eq!(b["LoginProfile"]["UserName"], name);
    let lp = tf.post(RAM, "GetLoginProfile", &[("UserName", name)]);
    assert_eq!(lp["LoginProfile"]["PasswordResetRequired"], false);
    assert!(lp["LoginProfile"]["CreateDate"].is_string(), "{lp}");
    tf.post(
        RAM,
        "UpdateLoginProfile",
        &[
            ("UserName", name),
            ("Password", "Tf-Passw0rd!2027"),
            ("PasswordResetRequired", "true"),
        ],
    );
    let lp = tf.post(RAM, "GetLoginProfile", &[("UserName", name)]);
    assert_eq!(lp["LoginProfile"]["PasswordResetRequired"], true);

    // alicloud_ram_group, with the user as a member and a policy attached.
    let b = tf.post(
        RAM,
        "CreateGroup",
        &[("GroupName", "tf-group"), ("Comments", "c1")],
    );
    assert_eq!(b["Group"]["GroupName"], "tf-group");
    tf.post(
        RAM,
        "UpdateGroup",
        &[("GroupName", "tf-group"), ("NewComments", "c2")],
    );
    let g = tf.post(RAM, "GetGroup", &[("GroupName", "tf-group")]);
    assert_eq!(g["Group"]["Comments"], "c2");
    assert!(g["Group"]["CreateDate"].is_string());
    tf.post(
        RAM,
        "AddUserToGroup",
        &[("GroupName", "tf-group"), ("UserName", name)],
    );
    tf.post(
        RAM,
        "AttachPolicyToGroup",
        &[
            ("GroupName", "tf-group"),
            ("PolicyName", "ReadOnlyAccess"),
            ("PolicyType", "System"),
        ],
    );
    tf.post(
        RAM,
        "AttachPolicyToUser",
        &[
            ("UserName", name),
            ("PolicyName", "ReadOnlyAccess"),
            ("PolicyType", "System"),
        ],
    );
    // Without force, the delete is refused with the codes Terraform names.
    let a = tf.old_sdk(RAM, "DeleteUser", &[("UserName", name)]);
    assert_eq!(a.status, 409, "{}", a.body);
    assert!(a.code().starts_with("DeleteConflict.User."), "{}", a.body);
    let a = tf.rpc_post(RAM, "DeleteGroup", &[("GroupName", "tf-group")]);
    assert!(
        a.is_expected("DeleteConflict.Group.User") || a.is_expected("DeleteConflict.Group.Policy"),
        "{} {}",
        a.status,
        a.body
    );

    // Group delete with force: members paged by Marker, then policies.
    let mut marker = String::new();
    loop {
        let mut p = vec![("GroupName", "tf-group")];
        if !marker.is_empty() {
            p.push(("Marker", marker.as_str()));
        }
        let b = tf.post(RAM, "ListUsersForGroup", &p);
        for u in items(&b, "Users", "User") {
            tf.post(
                RAM,
                "RemoveUserFromGroup",
                &[
                    ("GroupName", "tf-group"),
                    ("UserName", u["UserName"].as_str().unwrap()),
                ],
            );
        }
        if b["IsTruncated"] != true {
            break;
        }
        marker = b["Marker"].as_str().unwrap().to_string();
    }
    let pols = tf.post(RAM, "ListPoliciesForGroup", &[("GroupName", "tf-group")]);
    for p in items(&pols, "Policies", "Policy") {
        tf.post(
            RAM,
            "DetachPolicyFromGroup",
            &[
                ("GroupName", "tf-group"),
                ("PolicyName", p["PolicyName"].as_str().unwrap()),
                ("PolicyType", p["PolicyType"].as_str().unwrap()),
            ],
        );
    }
    tf.post(RAM, "DeleteGroup", &[("GroupName", "tf-group")]);
    let a = tf.rpc_post(RAM, "GetGroup", &[("GroupName", "tf-group")]);
    Tf::fails(&a, 404, "EntityNotExist.Group");
    assert!(a.not_found());
    let a = tf.rpc_post(RAM, "DeleteGroup", &[("GroupName", "tf-group")]);
    Tf::fails(&a, 404, "EntityNotExist.Group");

    // Login profile delete, then its read is gone.
    tf.post(RAM, "DeleteLoginProfile", &[("UserName", name)]);
    let a = tf.rpc_post(RAM, "GetLoginProfile", &[("UserName", name)]);
    Tf::fails(&a, 404, "EntityNotExist.User.LoginProfile");
    assert!(a.not_found());

    // Access key delete; a second delete is "gone" for Terraform.
    tf.post(
        RAM,
        "DeleteAccessKey",
        &[("UserAccessKeyId", &kid), ("UserName", name)],
    );
    assert!(read_key(&tf).is_none());
    let a = tf.rpc_post(
        RAM,
        "DeleteAccessKey",
        &[("UserAccessKeyId", &kid), ("UserName", name)],
    );
    Tf::fails(&a, 404, "EntityNotExist.User.AccessKey");

    // A fresh key and login profile, then the forced user delete.
    tf.post(RAM, "CreateAccessKey", &[("UserName", name)]);
    tf.post(
        RAM,
        "CreateLoginProfile",
        &[("UserName", name), ("Password", "Tf-Passw0rd!2028")],
    );
    force_delete_user(&tf, &user_id);
    let a = tf.old_sdk(RAM, "GetUser", &[("UserName", name)]);
    Tf::fails(&a, 404, "EntityNotExist.User");
    // Reads of the user's key and profile are gone too.
    assert!(read_key(&tf).is_none());
    let a = tf.rpc_post(RAM, "GetLoginProfile", &[("UserName", name)]);
    assert!(
        a.is_expected("EntityNotExist.User.LoginProfile"),
        "{}",
        a.body
    );
}

const DOC_V1: &str = r#"{"Statement":[{"Action":["oss:ListObjects","oss:GetObject"],"Effect":"Allow","Resource":["acs:oss:*:*:mybucket","acs:oss:*:*:mybucket/*"]}],"Version":"1"}"#;
const DOC_V2: &str = r#"{"Statement":[{"Action":["oss:ListObjects"],"Effect":"Allow","Resource":["acs:oss:*:*:mybucket"]}],"Version":"1"}"#;

/// `alicloud_ram_policy` read: `GetPolicy(PolicyType=Custom)`.
fn read_policy(tf: &Tf<'_>, name: &str) -> Option<Value> {
    let a = tf.rpc_post(
        RAM,
        "GetPolicy",
        &[("PolicyName", name), ("PolicyType", "Custom")],
    );
    if a.is_expected("EntityNotExist.Policy") {
        assert!(a.not_found());
        return None;
    }
    assert!(a.ok(), "{}", a.body);
    Some(a.body)
}

/// `alicloud_ram_role` read: `GetRole`.
fn read_role(tf: &Tf<'_>, name: &str) -> Option<Value> {
    let a = tf.rpc_post(RAM, "GetRole", &[("RoleName", name)]);
    if a.is_expected("EntityNotExist.Role") {
        assert!(a.not_found());
        return None;
    }
    assert!(a.ok(), "{}", a.body);
    Some(a.body["Role"].clone())
}

#[test]
fn ram_policy_role_and_attachment() {
    let (_d, p) = server();
    let tf = Tf::root(&p);
    let uid = p.root_account_id();

    // alicloud_ram_policy
    let b = tf.post(
        RAM,
        "CreatePolicy",
        &[
            ("PolicyName", "tf-policy"),
            ("PolicyDocument", DOC_V1),
            ("Description", "d1"),
        ],
    );
    assert_eq!(b["Policy"]["PolicyName"], "tf-policy");
    let g = read_policy(&tf, "tf-policy").unwrap();
    assert_eq!(g["DefaultPolicyVersion"]["VersionId"], "v1");
    let doc: Value = serde_json::from_str(
        g["DefaultPolicyVersion"]["PolicyDocument"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(doc, serde_json::from_str::<Value>(DOC_V1).unwrap());
    for f in [
        "CreateDate",
        "Description",
        "PolicyName",
        "DefaultVersion",
        "AttachmentCount",
        "PolicyType",
    ] {
        assert!(!g["Policy"][f].is_null(), "Policy.{f} missing: {g}");
    }
    tf.post(
        RAM,
        "CreatePolicyVersion",
        &[
            ("PolicyName", "tf-policy"),
            ("PolicyDocument", DOC_V2),
            ("SetAsDefault", "true"),
            (
                "RotateStrategy",
                "DeleteOldestNonDefaultVersionWhenLimitExceeded",
            ),
        ],
    );
    tf.post(
        RAM,
        "UpdatePolicyDescription",
        &[("PolicyName", "tf-policy"), ("NewDescription", "d2")],
    );
    let g = read_policy(&tf, "tf-policy").unwrap();
    assert_eq!(
        (
            &g["DefaultPolicyVersion"]["VersionId"],
            &g["Policy"]["Description"]
        ),
        (&"v2".into(), &"d2".into())
    );

    // alicloud_ram_role (document with RAM and Service principals as arrays)
    let trust = format!(
        r#"{{"Statement":[{{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{{"RAM":["acs:ram::{uid}:root"],"Service":["ecs.aliyuncs.com"]}}}}],"Version":"1"}}"#
    );
    let b = tf.post(
        RAM,
        "CreateRole",
        &[
            ("RoleName", "tf-role"),
            ("AssumeRolePolicyDocument", &trust),
            ("Description", "r1"),
            ("MaxSessionDuration", "3600"),
        ],
    );
    assert_eq!(b["Role"]["RoleName"], "tf-role");
    let r = read_role(&tf, "tf-role").unwrap();
    assert_eq!(r["Arn"], format!("acs:ram::{uid}:role/tf-role"));
    for f in ["CreateDate", "Description", "RoleId", "RoleName"] {
        assert!(r[f].is_string(), "Role.{f}: {r}");
    }
    assert_eq!(r["MaxSessionDuration"], 3600);
    let doc: Value = serde_json::from_str(r["AssumeRolePolicyDocument"].as_str().unwrap()).unwrap();
    assert!(doc["Statement"][0]["Principal"]["RAM"].is_array(), "{doc}");
    assert!(
        doc["Statement"][0]["Principal"]["Service"].is_array(),
        "{doc}"
    );
    let trust2 = format!(
        r#"{{"Statement":[{{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{{"RAM":["acs:ram::{uid}:root"]}}}}],"Version":"1"}}"#
    );
    tf.post(
        RAM,
        "UpdateRole",
        &[
            ("RoleName", "tf-role"),
            ("NewDescription", "r2"),
            ("NewMaxSessionDuration", "7200"),
            ("NewAssumeRolePolicyDocument", &trust2),
        ],
    );
    let r = read_role(&tf, "tf-role").unwrap();
    assert_eq!(
        (&r["Description"], &r["MaxSessionDuration"]),
        (&"r2".into(), &7200.into())
    );

    // alicloud_ram_role_policy_attachment, ID role:<PolicyName>:<PolicyType>:<RoleName>
    for (name, ptype) in [("tf-policy", "Custom"), ("ReadOnlyAccess", "System")] {
        tf.post(
            RAM,
            "AttachPolicyToRole",
            &[
                ("PolicyType", ptype),
                ("PolicyName", name),
                ("RoleName", "tf-role"),
            ],
        );
    }
    let attached = |tf: &Tf<'_>, name: &str, ptype: &str| {
        let a = tf.rpc_post(RAM, "ListPoliciesForRole", &[("RoleName", "tf-role")]);
        if a.is_expected("EntityNotExist.Role") {
            return false;
        }
        items(&a.body, "Policies", "Policy")
            .iter()
            .any(|p| p["PolicyName"] == name && p["PolicyType"] == ptype)
    };
    assert!(attached(&tf, "tf-policy", "Custom"));
    assert!(attached(&tf, "ReadOnlyAccess", "System"));
    assert!(!attached(&tf, "tf-policy", "System"));
    let detach = |tf: &Tf<'_>| {
        tf.rpc_post(
            RAM,
            "DetachPolicyFromRole",
            &[
                ("PolicyType", "System"),
                ("PolicyName", "ReadOnlyAccess"),
                ("RoleName", "tf-role"),
            ],
        )
    };
    assert!(detach(&tf).ok());
    assert!(!attached(&tf, "ReadOnlyAccess", "System"));
    // Detached already: the code Terraform's delete treats as done.
    let a = detach(&tf);
    Tf::fails(&a, 404, "EntityNotExist.Role.Policy");

    // Deletes refused while attached: the conflict codes Terraform retries on.
    let a = tf.rpc_post(RAM, "DeleteRole", &[("RoleName", "tf-role")]);
    Tf::fails(&a, 409, "DeleteConflict.Role.Policy");
    let a = tf.rpc_post(RAM, "DeletePolicy", &[("PolicyName", "tf-policy")]);
    assert_eq!(a.status, 409, "{}", a.body);
    assert!(a.code().starts_with("DeleteConflict.Policy."), "{}", a.body);

    // Policy delete with force: entities, then non-default versions, then
    // DeletePolicy(CascadingDelete=true).
    let e = tf.post(
        RAM,
        "ListEntitiesForPolicy",
        &[("PolicyName", "tf-policy"), ("PolicyType", "Custom")],
    );
    for (outer, inner, action, param, field) in [
        (
            "Users",
            "User",
            "DetachPolicyFromUser",
            "UserName",
            "UserName",
        ),
        (
            "Groups",
            "Group",
            "DetachPolicyFromGroup",
            "GroupName",
            "GroupName",
        ),
        (
            "Roles",
            "Role",
            "DetachPolicyFromRole",
            "RoleName",
            "RoleName",
        ),
    ] {
        for x in items(&e, outer, inner) {
            let a = tf.rpc_post(
                RAM,
                action,
                &[
                    ("PolicyName", "tf-policy"),
                    ("PolicyType", "Custom"),
                    (param, x[field].as_str().unwrap()),
                ],
            );
            assert!(a.ok() || a.is_expected("EntityNotExist"), "{}", a.body);
        }
    }
    let v = tf.post(
        RAM,
        "ListPolicyVersions",
        &[("PolicyName", "tf-policy"), ("PolicyType", "Custom")],
    );
    let versions = items(&v, "PolicyVersions", "PolicyVersion");
    assert_eq!(versions.len(), 2, "{v}");
    for x in versions.iter().filter(|x| x["IsDefaultVersion"] == false) {
        tf.post(
            RAM,
            "DeletePolicyVersion",
            &[
                ("PolicyName", "tf-policy"),
                ("VersionId", x["VersionId"].as_str().unwrap()),
            ],
        );
    }
    tf.post(
        RAM,
        "DeletePolicy",
        &[("PolicyName", "tf-policy"), ("CascadingDelete", "true")],
    );
    assert!(read_policy(&tf, "tf-policy").is_none());
    let a = tf.rpc_post(
        RAM,
        "DeletePolicy",
        &[("PolicyName", "tf-policy"), ("CascadingDelete", "true")],
    );
    assert!(
        a.is_expected("EntityNotExist") || a.not_found(),
        "{}",
        a.body
    );

    // Role delete with force.
    let pols = tf.post(RAM, "ListPoliciesForRole", &[("RoleName", "tf-role")]);
    assert!(items(&pols, "Policies", "Policy").is_empty(), "{pols}");
    tf.post(RAM, "DeleteRole", &[("RoleName", "tf-role")]);
    assert!(read_role(&tf, "tf-role").is_none());
    let a = tf.rpc_post(RAM, "DeleteRole", &[("RoleName", "tf-role")]);
    Tf::fails(&a, 404, "EntityNotExist.Role");
    let a = tf.rpc_post(
        RAM,
        "DetachPolicyFromRole",
        &[
            ("PolicyType", "Custom"),
            ("PolicyName", "tf-policy"),
            ("RoleName", "tf-role"),
        ],
    );
    assert!(
        a.is_expected("EntityNotExist.Role") && a.not_found(),
        "{}",
        a.body
    );
}
