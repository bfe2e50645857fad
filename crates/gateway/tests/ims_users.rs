//! IMS users: `GetUser` by logon name, user id or AccessKey id, and
//! `UpdateUser` (renaming by `NewUserPrincipalName`), each authorized on
//! the stored user.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails by panicking"
)]

mod common;

use common::{Creds, Server};
use serde_json::Value;

const IMS: &str = "2019-08-15";

fn ims(s: &Server, c: &Creds, action: &str, p: &[(&str, &str)]) -> (u16, Value) {
    s.call_v1(c, IMS, action, p)
}

fn ok(s: &Server, action: &str, p: &[(&str, &str)]) -> Value {
    let (st, body) = ims(s, &s.root, action, p);
    assert_eq!(st, 200, "{action} {p:?}: {body}");
    body
}

fn err(s: &Server, c: &Creds, action: &str, p: &[(&str, &str)]) -> (u16, String) {
    let (st, body) = ims(s, c, action, p);
    (st, body["Code"].as_str().unwrap_or("OK").to_string())
}

#[test]
fn get_user_by_each_reference() {
    let s = Server::new();
    let upn = format!("alice@{}.onaliyun.com", s.account_id);
    let key = s.user_with_key("alice");
    let made = ok(&s, "GetUser", &[("UserPrincipalName", &upn)]);
    let id = made["User"]["UserId"].as_str().unwrap().to_string();
    assert_eq!(made["User"]["UserPrincipalName"], upn.as_str());
    for p in [
        ("UserId", id.as_str()),
        ("UserAccessKeyId", key.id.as_str()),
    ] {
        let got = ok(&s, "GetUser", &[p]);
        assert_eq!(got["User"]["UserName"], "alice", "{p:?}");
        assert_eq!(got["User"]["UserId"], id.as_str());
    }
    // Exactly one reference.
    assert_eq!(
        err(&s, &s.root, "GetUser", &[]),
        (400, "MissingParameter".into())
    );
    assert_eq!(
        err(
            &s,
            &s.root,
            "GetUser",
            &[("UserId", &id), ("UserPrincipalName", &upn)]
        ),
        (400, "InvalidParameter.UserPrincipalName".into())
    );
    // Nothing named: not found; the account's own key names no user.
    for p in [
        ("UserId", "nobody"),
        ("UserAccessKeyId", s.root.id.as_str()),
    ] {
        assert_eq!(
            err(&s, &s.root, "GetUser", &[p]),
            (404, "EntityNotExist.User".into())
        );
    }
    let long = "x".repeat(65);
    assert_eq!(err(&s, &s.root, "GetUser", &[("UserId", &long)]).0, 400);
}

#[test]
fn get_user_by_id_is_authorized_on_the_stored_user() {
    let s = Server::new();
    s.ram("CreateUser", &[("UserName", "bob")]);
    let bob = ok(
        &s,
        "GetUser",
        &[(
            "UserPrincipalName",
            &format!("bob@{}.onaliyun.com", s.account_id),
        )],
    );
    let bob_id = bob["User"]["UserId"].as_str().unwrap().to_string();
    let viewer = s.user_with_key("viewer");
    let doc = format!(
        r#"{{"Version":"1","Statement":[{{"Effect":"Allow","Action":"ram:GetUser","Resource":"acs:ram:*:{}:user/viewer"}}]}}"#,
        s.account_id
    );
    s.grant("viewer", "own-only", &doc);
    let (st, body) = ims(&s, &viewer, "GetUser", &[("UserAccessKeyId", &viewer.id)]);
    assert_eq!(st, 200, "{body}");
    assert_eq!(
        err(&s, &viewer, "GetUser", &[("UserId", &bob_id)]),
        (403, "NoPermission".into())
    );
}

#[test]
fn update_user_renames_and_changes_fields() {
    let s = Server::new();
    let uid = s.account_id.clone();
    s.ram("CreateUser", &[("UserName", "carol")]);
    let got = ok(
        &s,
        "UpdateUser",
        &[
            ("UserPrincipalName", &format!("carol@{uid}.onaliyun.com")),
            (
                "NewUserPrincipalName",
                &format!("caroline@{uid}.onaliyun.com"),
            ),
            ("NewDisplayName", "Caroline"),
            ("NewEmail", "c@example.com"),
            ("NewComments", "renamed"),
        ],
    );
    let u = &got["User"];
    assert_eq!(u["UserName"], "caroline");
    assert_eq!(
        u["UserPrincipalName"],
        format!("caroline@{uid}.onaliyun.com").as_str()
    );
    assert_eq!(u["DisplayName"], "Caroline");
    assert_eq!(u["Comments"], "renamed");
    let id = u["UserId"].as_str().unwrap().to_string();
    // By id; a logon name of another account is refused.
    let got = ok(
        &s,
        "UpdateUser",
        &[("UserId", &id), ("NewMobilePhone", "86-1")],
    );
    assert_eq!(got["User"]["MobilePhone"], "86-1");
    assert_eq!(
        err(
            &s,
            &s.root,
            "UpdateUser",
            &[
                ("UserId", &id),
                ("NewUserPrincipalName", "x@1111111111111111.onaliyun.com")
            ]
        ),
        (400, "InvalidParameter.UserPrincipalName.Format".into())
    );
    // Not by AccessKey id.
    let key = s.ram("CreateAccessKey", &[("UserName", "caroline")]);
    let kid = key["AccessKey"]["AccessKeyId"].as_str().unwrap();
    assert_eq!(
        err(&s, &s.root, "UpdateUser", &[("UserAccessKeyId", kid)]),
        (400, "MissingParameter".into())
    );
}

fn user_tags(s: &Server, upn: &str) -> Vec<(String, String)> {
    let body = ok(
        s,
        "ListTagResources",
        &[("ResourceType", "user"), ("ResourcePrincipalName.1", upn)],
    );
    body["TagResources"]["TagResource"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            let g = |k: &str| t[k].as_str().unwrap().to_string();
            (g("TagKey"), g("TagValue"))
        })
        .collect()
}

fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
fn user_tags_are_all_or_nothing_and_go_with_the_user() {
    let s = Server::new();
    let uid = s.account_id.clone();
    let (a, b) = (
        format!("ta@{uid}.onaliyun.com"),
        format!("tb@{uid}.onaliyun.com"),
    );
    let made = ok(
        &s,
        "CreateUser",
        &[
            ("UserPrincipalName", &a),
            ("DisplayName", "A"),
            ("Tag.1.Key", "env"),
            ("Tag.1.Value", "prod"),
        ],
    );
    let a_id = made["User"]["UserId"].as_str().unwrap().to_string();
    ok(
        &s,
        "CreateUser",
        &[("UserPrincipalName", &b), ("DisplayName", "B")],
    );
    let got = ok(&s, "GetUser", &[("UserPrincipalName", &a)]);
    assert_eq!(got["User"]["Tags"]["Tag"][0]["TagKey"], "env");
    // Both users at once; by id as well as by logon name.
    ok(
        &s,
        "TagResources",
        &[
            ("ResourceType", "user"),
            ("ResourcePrincipalName.1", &a),
            ("ResourcePrincipalName.2", &b),
            ("Tag.1.Key", "team"),
            ("Tag.1.Value", "x"),
        ],
    );
    assert_eq!(user_tags(&s, &a), pairs(&[("env", "prod"), ("team", "x")]));
    let by_id = ok(
        &s,
        "ListTagResources",
        &[("ResourceType", "user"), ("ResourceId.1", &a_id)],
    );
    assert_eq!(
        by_id["TagResources"]["TagResource"][0]["ResourceId"],
        a_id.as_str()
    );
    // 20 tags per user: a call that would pass it changes no user.
    let mut many: Vec<(String, String)> = Vec::new();
    for n in 1..=19 {
        many.push((format!("Tag.{n}.Key"), format!("k{n}")));
        many.push((format!("Tag.{n}.Value"), "v".into()));
    }
    let mut p: Vec<(&str, &str)> = vec![
        ("ResourceType", "user"),
        ("ResourcePrincipalName.1", &b),
        ("ResourcePrincipalName.2", &a),
    ];
    p.extend(many.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    assert_eq!(err(&s, &s.root, "TagResources", &p).0, 409);
    assert_eq!(user_tags(&s, &b), pairs(&[("team", "x")]));
    // A caller allowed on one user only changes neither.
    let tagger = s.user_with_key("tagger");
    let doc = format!(
        r#"{{"Version":"1","Statement":[{{"Effect":"Allow","Action":"ram:TagResources","Resource":"acs:ram:*:{uid}:user/tb"}}]}}"#
    );
    s.grant("tagger", "tag-b", &doc);
    let two = [
        ("ResourceType", "user"),
        ("ResourcePrincipalName.1", b.as_str()),
        ("ResourcePrincipalName.2", a.as_str()),
        ("Tag.1.Key", "owner"),
        ("Tag.1.Value", "t"),
    ];
    assert_eq!(err(&s, &tagger, "TagResources", &two).0, 403);
    assert_eq!(user_tags(&s, &b), pairs(&[("team", "x")]));
    // Untag by key, then all.
    ok(
        &s,
        "UntagResources",
        &[
            ("ResourceType", "user"),
            ("ResourcePrincipalName.1", &a),
            ("TagKey.1", "team"),
        ],
    );
    assert_eq!(user_tags(&s, &a), pairs(&[("env", "prod")]));
    ok(
        &s,
        "UntagResources",
        &[
            ("ResourceType", "user"),
            ("ResourcePrincipalName.1", &a),
            ("All", "true"),
        ],
    );
    assert!(user_tags(&s, &a).is_empty());
    // Bad input.
    assert_eq!(
        err(
            &s,
            &s.root,
            "TagResources",
            &[
                ("ResourceType", "role"),
                ("ResourcePrincipalName.1", &a),
                ("Tag.1.Key", "k")
            ]
        ),
        (400, "InvalidParameter.ResourceType".into())
    );
    assert_eq!(
        err(
            &s,
            &s.root,
            "TagResources",
            &[
                ("ResourceType", "user"),
                ("ResourcePrincipalName.1", &a),
                ("Tag.1.Key", "acs:x")
            ]
        ),
        (400, "InvalidParameter.Tag".into())
    );
    // Tags go with their user.
    ok(&s, "DeleteUser", &[("UserPrincipalName", &b)]);
    ok(
        &s,
        "CreateUser",
        &[("UserPrincipalName", &b), ("DisplayName", "B")],
    );
    assert!(user_tags(&s, &b).is_empty());
    // A user named twice is listed once.
    let twice = [
        ("ResourceType", "user"),
        ("ResourcePrincipalName.1", b.as_str()),
        ("ResourcePrincipalName.2", b.as_str()),
    ];
    let mut tag = twice.to_vec();
    tag.extend([("Tag.1.Key", "k"), ("Tag.1.Value", "v")]);
    ok(&s, "TagResources", &tag);
    let listed = ok(&s, "ListTagResources", &twice);
    assert_eq!(
        listed["TagResources"]["TagResource"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn list_user_basic_infos_pages() {
    let s = Server::new();
    for n in ["u1", "u2", "u3"] {
        s.ram("CreateUser", &[("UserName", n), ("DisplayName", n)]);
    }
    let first = ok(&s, "ListUserBasicInfos", &[("MaxItems", "2")]);
    let infos = first["UserBasicInfos"]["UserBasicInfo"].as_array().unwrap();
    assert_eq!(infos.len(), 2);
    assert_eq!(
        infos[0]["UserPrincipalName"],
        format!("u1@{}.onaliyun.com", s.account_id).as_str()
    );
    assert_eq!(infos[0]["Status"], "active");
    assert_eq!(first["IsTruncated"], true);
    let marker = first["Marker"].as_str().unwrap();
    let rest = ok(&s, "ListUserBasicInfos", &[("Marker", marker)]);
    assert_eq!(
        rest["UserBasicInfos"]["UserBasicInfo"][0]["DisplayName"],
        "u3"
    );
    assert_eq!(rest["IsTruncated"], false);
    assert_eq!(
        err(&s, &s.root, "ListUserBasicInfos", &[("Status", "gone")]),
        (400, "InvalidParameter.Status".into())
    );
}
