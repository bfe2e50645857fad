//! IMS users: `GetUser` by logon name, user id or AccessKey id, and
//! `UpdateUser` (renaming by `NewUserPrincipalName`), each authorized on
//! the stored user.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

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
