//! RAM tags on roles and custom policies: JSON-string parameters, limits,
//! all-or-nothing changes, listing and filtering, and tags going with
//! their resource.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails by panicking"
)]

mod common;

use common::Server;
use serde_json::Value;

const TRUST: &str = r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"Service":["ecs.aliyuncs.com"]}}]}"#;
const DOC: &str =
    r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"ram:GetUser","Resource":"*"}]}"#;

fn code(s: &Server, action: &str, p: &[(&str, &str)]) -> String {
    let (_, body) = s.call_v1(&s.root, "2015-05-01", action, p);
    body["Code"].as_str().unwrap_or("OK").to_string()
}

fn tags_of(s: &Server, kind: &str, names: &str) -> Vec<(String, String, String)> {
    let body = s.ram(
        "ListTagResources",
        &[("ResourceType", kind), ("ResourceNames", names)],
    );
    body["TagResources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            assert_eq!(t["ResourceType"], kind);
            let g = |k: &str| t[k].as_str().unwrap().to_string();
            (g("ResourceName"), g("TagKey"), g("TagValue"))
        })
        .collect()
}

#[test]
fn roles_and_policies_carry_tags() {
    let s = Server::new();
    s.ram(
        "CreateRole",
        &[("RoleName", "Tagged"), ("AssumeRolePolicyDocument", TRUST)],
    );
    s.ram(
        "CreatePolicy",
        &[("PolicyName", "tagged-policy"), ("PolicyDocument", DOC)],
    );
    s.ram(
        "TagResources",
        &[
            ("ResourceType", "role"),
            ("ResourceNames", r#"["tagged"]"#),
            (
                "Tag",
                r#"[{"Key":"env","Value":"prod"},{"Key":"team","Value":"a"}]"#,
            ),
        ],
    );
    // The stored name, whatever the case of the request.
    assert_eq!(
        tags_of(&s, "role", r#"["TAGGED"]"#),
        [
            ("Tagged".into(), "env".into(), "prod".into()),
            ("Tagged".into(), "team".into(), "a".into())
        ]
    );
    // Filter by tag; page by NextToken.
    let body = s.ram(
        "ListTagResources",
        &[
            ("ResourceType", "role"),
            ("ResourceNames", r#"["Tagged"]"#),
            ("Tag", r#"[{"Key":"env","Value":"dev"}]"#),
        ],
    );
    assert_eq!(body["TagResources"], Value::Array(vec![]));
    let body = s.ram(
        "ListTagResources",
        &[
            ("ResourceType", "role"),
            ("ResourceNames", r#"["Tagged"]"#),
            ("PageSize", "1"),
        ],
    );
    assert_eq!(body["TagResources"].as_array().unwrap().len(), 1);
    assert_eq!(body["NextToken"], "1");
    // A token past the end (even the largest offset) is an empty last page.
    let body = s.ram(
        "ListTagResources",
        &[
            ("ResourceType", "role"),
            ("ResourceNames", r#"["Tagged"]"#),
            ("PageSize", "100"),
            ("NextToken", "18446744073709551615"),
        ],
    );
    assert_eq!(body["TagResources"], Value::Array(vec![]));
    assert!(body.get("NextToken").is_none(), "{body}");

    // Errors: type, names, tags, missing resources, the limit of 20.
    for (p, want) in [
        (
            vec![("ResourceType", "user"), ("ResourceNames", r#"["Tagged"]"#)],
            "InvalidParameter.ResourceType",
        ),
        (
            vec![("ResourceType", "role"), ("ResourceNames", "Tagged")],
            "InvalidParameter.ResourceNames",
        ),
        (
            vec![("ResourceType", "role"), ("ResourceNames", r#"["nope"]"#)],
            "EntityNotExist.Role",
        ),
        (
            vec![("ResourceType", "policy"), ("ResourceNames", r#"["nope"]"#)],
            "EntityNotExist.Policy",
        ),
    ] {
        let mut p = p;
        p.push(("Tag", r#"[{"Key":"k","Value":"v"}]"#));
        assert_eq!(code(&s, "TagResources", &p), want, "{p:?}");
    }
    assert_eq!(
        code(
            &s,
            "TagResources",
            &[
                ("ResourceType", "policy"),
                ("ResourceNames", r#"["tagged-policy"]"#),
                ("Tag", r#"[{"Key":"acs:x","Value":"v"}]"#)
            ]
        ),
        "InvalidParameter.Tag"
    );
    let many: Vec<String> = (0..19)
        .map(|i| format!(r#"{{"Key":"k{i}","Value":"v"}}"#))
        .collect();
    let many = format!("[{}]", many.join(","));
    // 2 + 19 > 20 on the role: neither the role nor the policy changes.
    assert_eq!(
        code(
            &s,
            "TagResources",
            &[
                ("ResourceType", "role"),
                ("ResourceNames", r#"["Tagged"]"#),
                ("Tag", &many)
            ]
        ),
        "LimitExceeded.Tag"
    );
    assert_eq!(tags_of(&s, "role", r#"["Tagged"]"#).len(), 2);

    s.ram(
        "TagResources",
        &[
            ("ResourceType", "policy"),
            ("ResourceNames", r#"["tagged-policy"]"#),
            ("Tag", r#"[{"Key":"env","Value":"prod"}]"#),
        ],
    );
    s.ram(
        "UntagResources",
        &[
            ("ResourceType", "role"),
            ("ResourceNames", r#"["Tagged"]"#),
            ("TagKeys", r#"["env"]"#),
        ],
    );
    assert_eq!(
        tags_of(&s, "role", r#"["Tagged"]"#),
        [("Tagged".into(), "team".into(), "a".into())]
    );
    s.ram(
        "UntagResources",
        &[
            ("ResourceType", "role"),
            ("ResourceNames", r#"["Tagged"]"#),
            ("All", "true"),
        ],
    );
    assert!(tags_of(&s, "role", r#"["Tagged"]"#).is_empty());
    // A policy deleted and made again starts without tags.
    s.ram("DeletePolicy", &[("PolicyName", "tagged-policy")]);
    s.ram(
        "CreatePolicy",
        &[("PolicyName", "tagged-policy"), ("PolicyDocument", DOC)],
    );
    assert!(tags_of(&s, "policy", r#"["tagged-policy"]"#).is_empty());
}

#[test]
fn tags_given_at_creation_and_list_filters_refused() {
    let s = Server::new();
    s.ram(
        "CreateRole",
        &[
            ("RoleName", "Born"),
            ("AssumeRolePolicyDocument", TRUST),
            ("Tag", r#"[{"Key":"env","Value":"prod"}]"#),
        ],
    );
    s.ram(
        "CreatePolicy",
        &[
            ("PolicyName", "born-policy"),
            ("PolicyDocument", DOC),
            ("Tag", r#"[{"Key":"team","Value":"b"}]"#),
        ],
    );
    assert_eq!(
        tags_of(&s, "role", r#"["Born"]"#),
        [("Born".into(), "env".into(), "prod".into())]
    );
    assert_eq!(
        tags_of(&s, "policy", r#"["born-policy"]"#),
        [("born-policy".into(), "team".into(), "b".into())]
    );
    // A bad tag refuses the creation itself.
    assert_eq!(
        code(
            &s,
            "CreateRole",
            &[
                ("RoleName", "Unborn"),
                ("AssumeRolePolicyDocument", TRUST),
                ("Tag", r#"[{"Key":"aliyun-x","Value":"v"}]"#)
            ]
        ),
        "InvalidParameter.Tag"
    );
    assert_eq!(
        code(&s, "GetRole", &[("RoleName", "Unborn")]),
        "EntityNotExist.Role"
    );
    assert_eq!(code(&s, "ListRoles", &[("Tag", "[]")]), "OK");
    assert_eq!(
        code(
            &s,
            "ListRoles",
            &[("Tag", r#"[{"Key":"env","Value":"prod"}]"#)]
        ),
        "InvalidParameter.Tag"
    );
}
