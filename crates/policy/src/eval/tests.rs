//! Evaluation tests.

use super::*;
use crate::document::DocumentKind;
use crate::parse::parse;
use proptest::prelude::*;

fn identity(statements: &str) -> PolicyDocument {
    parse(
        &format!(r#"{{"Version":"1","Statement":[{statements}]}}"#),
        DocumentKind::Identity,
    )
    .unwrap()
}

fn named<'a>(name: &'a str, document: &'a PolicyDocument) -> NamedPolicy<'a> {
    NamedPolicy {
        name,
        policy_type: "Custom",
        version: "v1",
        document,
    }
}

fn decide(docs: &[&PolicyDocument], action: &str, resource: &str, context: &Context) -> Decision {
    let policies: Vec<NamedPolicy<'_>> = docs.iter().map(|d| named("p", d)).collect();
    evaluate(
        &policies,
        &Request {
            action,
            resource,
            context,
        },
    )
}

const SECRET: &str = "acs:kms:cn-hangzhou:123:secret/app/db";

#[test]
fn allow_deny_and_default() {
    let allow =
        identity(r#"{"Effect":"Allow","Action":"kms:Get*","Resource":"acs:kms:*:*:secret/app/*"}"#);
    let deny = identity(
        r#"{"Sid":"NoDb","Effect":"Deny","Action":"kms:GetSecretValue","Resource":"acs:kms:*:*:secret/app/db"}"#,
    );
    let ctx = Context::new();
    assert_eq!(
        decide(&[&allow], "KMS:getsecretvalue", SECRET, &ctx).effect,
        Effect::Allow
    );
    assert_eq!(
        decide(&[&allow], "kms:ListSecrets", SECRET, &ctx).effect,
        Effect::ImplicitDeny
    );
    assert_eq!(
        decide(
            &[&allow],
            "kms:GetSecretValue",
            "acs:kms:cn-hangzhou:123:secret/APP/db",
            &ctx
        )
        .effect,
        Effect::ImplicitDeny
    );
    let d = decide(&[&allow, &deny], "kms:GetSecretValue", SECRET, &ctx);
    assert_eq!(d.effect, Effect::ExplicitDeny);
    assert_eq!(d.reasons.len(), 1);
    assert_eq!(d.reasons[0].sid.as_deref(), Some("NoDb"));
    assert_eq!(
        d.explain(),
        "explicitly denied by statement 1 (`NoDb`) of Custom policy `p` version v1"
    );
    assert_eq!(
        decide(&[], "kms:GetSecretValue", SECRET, &ctx),
        Decision::implicit_deny()
    );
}

#[test]
fn not_action() {
    let doc = identity(r#"{"Effect":"Allow","NotAction":["ram:*","sts:*"],"Resource":"*"}"#);
    let ctx = Context::new();
    assert!(decide(&[&doc], "kms:GetSecretValue", SECRET, &ctx).is_allowed());
    assert!(!decide(&[&doc], "RAM:CreateUser", "*", &ctx).is_allowed());
}

#[test]
fn reasons_first_allow_or_first_deny() {
    let a = identity(
        r#"{"Effect":"Allow","Action":"kms:*","Resource":"*"},{"Effect":"Allow","Action":"*","Resource":"*"}"#,
    );
    let d = decide(&[&a], "kms:GetSecretValue", SECRET, &Context::new());
    assert_eq!(
        d.reasons.iter().map(|r| r.statement).collect::<Vec<_>>(),
        [1]
    );
    assert_eq!(
        d.explain(),
        "allowed by statement 1 of Custom policy `p` version v1"
    );
    let b = identity(
        r#"{"Effect":"Deny","Action":"kms:*","Resource":"*"},{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"*","Resource":"*"}"#,
    );
    let d = decide(&[&b], "kms:GetSecretValue", SECRET, &Context::new());
    assert_eq!(
        d.reasons.iter().map(|r| r.statement).collect::<Vec<_>>(),
        [1]
    );
    assert_eq!(
        d.explain(),
        "explicitly denied by statement 1 of Custom policy `p` version v1"
    );
    let both = d.clone().union(d);
    assert_eq!(
        both.explain(),
        "explicitly denied by statement 1 of Custom policy `p` version v1 and 1 other statement"
    );
    assert_eq!(
        Decision::implicit_deny().explain(),
        "implicitly denied: no policy statement allows this action on this resource"
    );
}

#[test]
fn conditions_gate_statements() {
    let doc = identity(
        r#"{"Effect":"Allow","Action":"kms:*","Resource":"*","Condition":{"IpAddress":{"acs:SourceIp":["10.0.0.0/8","2001:db8::/32"]},"Bool":{"acs:SecureTransport":"true"}}}"#,
    );
    let good = Context::new()
        .with("acs:SourceIp", "2001:db8::1")
        .with("acs:SecureTransport", "true");
    let plain_http = good.clone().with("acs:SecureTransport", "false");
    let outside = good.clone().with("acs:SourceIp", "192.168.0.1");
    assert!(decide(&[&doc], "kms:Decrypt", SECRET, &good).is_allowed());
    assert!(!decide(&[&doc], "kms:Decrypt", SECRET, &plain_http).is_allowed());
    assert!(!decide(&[&doc], "kms:Decrypt", SECRET, &outside).is_allowed());
    assert!(!decide(&[&doc], "kms:Decrypt", SECRET, &Context::new()).is_allowed());
}

#[test]
fn principal_statements_need_a_caller() {
    let doc = parse(
        r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*","Principal":{"RAM":"acs:ram::123:user/alice"}}]}"#,
        DocumentKind::Resource,
    )
    .unwrap();
    let ctx = Context::new();
    let req = Request {
        action: "kms:GetSecretValue",
        resource: SECRET,
        context: &ctx,
    };
    let policies = [named("secret-policy", &doc)];
    assert!(!evaluate(&policies, &req).is_allowed());
    let alice = Caller::User {
        account_id: "123",
        user_name: "alice",
    };
    assert!(evaluate_as(&policies, &alice, &req).is_allowed());
    let other = Caller::User {
        account_id: "999",
        user_name: "alice",
    };
    assert!(!evaluate_as(&policies, &other, &req).is_allowed());
}

#[test]
fn account_wide_principals_delegate_in_resource_policies() {
    let ctx = Context::new();
    let req = Request {
        action: "kms:GetSecretValue",
        resource: SECRET,
        context: &ctx,
    };
    let alice = Caller::User {
        account_id: "123",
        user_name: "alice",
    };
    for principal in [
        r#"{"RAM":"123"}"#,
        r#"{"RAM":"acs:ram::123:root"}"#,
        r#"{"RAM":"acs:ram:*:123:root"}"#,
        r#"{"RAM":"acs:ram:*:123:*"}"#,
        r#"{"RAM":"acs:ram::*:*"}"#,
        r#"{"RAM":"*"}"#,
        r#""*""#,
    ] {
        let text = |effect: &str| {
            format!(
                r#"{{"Version":"1","Statement":[{{"Effect":"{effect}","Action":"kms:*","Resource":"*","Principal":{principal}}}]}}"#
            )
        };
        let allow = parse(&text("Allow"), DocumentKind::Resource).unwrap();
        let deny = parse(&text("Deny"), DocumentKind::Resource).unwrap();
        assert!(
            !evaluate_as(&[named("p", &allow)], &alice, &req).is_allowed(),
            "{principal} grants"
        );
        assert_eq!(
            evaluate_as(&[named("p", &deny)], &alice, &req).effect,
            Effect::ExplicitDeny,
            "{principal} does not deny"
        );
    }
}

#[test]
fn trust_policies() {
    let kms_trust = parse(
        r#"{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{"Service":["kms.aliyuncs.com"]}}],"Version":"1"}"#,
        DocumentKind::Trust,
    )
    .unwrap();
    let ctx = Context::new();
    let kms = Caller::Service {
        name: "kms.aliyuncs.com",
    };
    let d = evaluate_trust(&kms_trust, &kms, "sts:AssumeRole", &ctx);
    assert!(d.is_allowed());
    assert_eq!(
        d.explain(),
        "allowed by statement 1 of Trust policy `AssumeRolePolicyDocument`"
    );
    let user = Caller::User {
        account_id: "123",
        user_name: "kms.aliyuncs.com",
    };
    assert!(!evaluate_trust(&kms_trust, &user, "sts:AssumeRole", &ctx).is_allowed());
    assert!(!evaluate_trust(
        &kms_trust,
        &Caller::Account { account_id: "123" },
        "sts:AssumeRole",
        &ctx
    )
    .is_allowed());
    assert!(!evaluate_trust(&kms_trust, &kms, "sts:GetCallerIdentity", &ctx).is_allowed());

    let account_trust = parse(
        r#"{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{"RAM":["acs:ram::123:root"]}},
            {"Action":"sts:AssumeRole","Effect":"Deny","Principal":{"RAM":"acs:ram::123:user/mallory"}}],"Version":"1"}"#,
        DocumentKind::Trust,
    )
    .unwrap();
    let alice = Caller::User {
        account_id: "123",
        user_name: "alice",
    };
    let mallory = Caller::User {
        account_id: "123",
        user_name: "mallory",
    };
    let session = Caller::AssumedRole {
        account_id: "123",
        role_name: "ci",
        session: "job",
    };
    assert!(evaluate_trust(&account_trust, &alice, "sts:AssumeRole", &ctx).is_allowed());
    assert!(evaluate_trust(&account_trust, &session, "sts:AssumeRole", &ctx).is_allowed());
    assert_eq!(
        evaluate_trust(&account_trust, &mallory, "sts:AssumeRole", &ctx).effect,
        Effect::ExplicitDeny
    );
    assert!(!evaluate_trust(&account_trust, &kms, "sts:AssumeRole", &ctx).is_allowed());
}

#[test]
fn intersect_and_union() {
    let allow = || Decision {
        effect: Effect::Allow,
        reasons: Vec::new(),
    };
    let deny = || Decision {
        effect: Effect::ExplicitDeny,
        reasons: Vec::new(),
    };
    let none = Decision::implicit_deny;
    assert_eq!(allow().intersect(allow()).effect, Effect::Allow);
    assert_eq!(allow().intersect(none()).effect, Effect::ImplicitDeny);
    assert_eq!(none().intersect(deny()).effect, Effect::ExplicitDeny);
    assert_eq!(allow().union(none()).effect, Effect::Allow);
    assert_eq!(none().union(allow()).effect, Effect::Allow);
    assert_eq!(allow().union(deny()).effect, Effect::ExplicitDeny);
    assert_eq!(none().union(none()).effect, Effect::ImplicitDeny);
}

// ---- properties ----

fn arb_action() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("*".to_owned()),
        "(ram|kms|sts):((Get|List|Create)[A-Z]?[a-z]{0,3}\\*?|\\*|[A-Z]\\*)",
        "(ram|kms):[A-Za-z?]{1,6}",
    ]
}

fn arb_resource_pattern() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("*".to_owned()),
        "acs:(kms|ram):\\*:(123|\\*):(secret|user)/[a-c*?]{0,4}",
    ]
}

fn arb_condition() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just(r#","Condition":{"IpAddress":{"acs:SourceIp":"10.0.0.0/8"}}"#.to_owned()),
        Just(r#","Condition":{"NotIpAddress":{"acs:SourceIp":"10.0.0.0/8"}}"#.to_owned()),
        Just(r#","Condition":{"StringEquals":{"kms:tag/env":"prod"}}"#.to_owned()),
        Just(r#","Condition":{"StringNotLike":{"kms:tag/env":"de*"}}"#.to_owned()),
        Just(r#","Condition":{"Bool":{"acs:SecureTransport":"true"}}"#.to_owned()),
    ]
}

fn arb_statement() -> impl Strategy<Value = String> {
    (
        any::<bool>(),
        any::<bool>(),
        prop::collection::vec(arb_action(), 1..3),
        arb_resource_pattern(),
        arb_condition(),
    )
        .prop_map(|(allow, not, actions, resource, cond)| {
            format!(
                r#"{{"Effect":"{}","{}":{},"Resource":"{}"{}}}"#,
                if allow { "Allow" } else { "Deny" },
                if not { "NotAction" } else { "Action" },
                serde_json::to_string(&actions).unwrap(),
                resource,
                cond
            )
        })
}

fn arb_request() -> impl Strategy<Value = (String, String, Context)> {
    (
        "(ram|kms|sts):(Get|List|Create)[A-Z][a-z]{0,3}",
        "acs:(kms|ram):cn-hangzhou:(123|456):(secret|user)/[a-c]{0,3}",
        prop::option::of("(10|11)\\.0\\.0\\.1"),
        prop::option::of("(prod|dev)"),
        prop::option::of("(true|false)"),
    )
        .prop_map(|(action, resource, ip, env, tls)| {
            let mut ctx = Context::new();
            if let Some(ip) = ip {
                ctx.set("acs:SourceIp", vec![ip]);
            }
            if let Some(env) = env {
                ctx.set("kms:tag/env", vec![env]);
            }
            if let Some(tls) = tls {
                ctx.set("acs:SecureTransport", vec![tls]);
            }
            (action, resource, ctx)
        })
}

fn docs_of(statements: &[String]) -> Vec<PolicyDocument> {
    statements.iter().map(|s| identity(s)).collect()
}

fn effect_of(docs: &[PolicyDocument], req: &(String, String, Context)) -> Effect {
    let refs: Vec<&PolicyDocument> = docs.iter().collect();
    decide(&refs, &req.0, &req.1, &req.2).effect
}

/// The reference semantics, statement by statement, without the evaluator's shortcuts.
fn reference(docs: &[PolicyDocument], req: &(String, String, Context)) -> Effect {
    let matching: Vec<StatementEffect> = docs
        .iter()
        .flat_map(|d| d.statements())
        .filter(|s| s.applies(&req.0, Some(&req.1), None, &req.2))
        .map(|s| s.effect())
        .collect();
    if matching.contains(&StatementEffect::Deny) {
        Effect::ExplicitDeny
    } else if matching.contains(&StatementEffect::Allow) {
        Effect::Allow
    } else {
        Effect::ImplicitDeny
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn matches_reference(statements in prop::collection::vec(arb_statement(), 0..6), req in arb_request()) {
        let docs = docs_of(&statements);
        prop_assert_eq!(effect_of(&docs, &req), reference(&docs, &req));
    }

    #[test]
    fn adding_a_deny_never_allows(statements in prop::collection::vec(arb_statement(), 0..6), extra in arb_statement(), req in arb_request()) {
        let before = effect_of(&docs_of(&statements), &req);
        let deny = extra.replacen(r#""Effect":"Allow""#, r#""Effect":"Deny""#, 1);
        let mut more = statements.clone();
        more.push(deny);
        let after = effect_of(&docs_of(&more), &req);
        prop_assert!(after != Effect::Allow || before == Effect::Allow);
        if before != Effect::Allow {
            prop_assert!(after != Effect::Allow);
        }
        if before == Effect::ExplicitDeny {
            prop_assert_eq!(after, Effect::ExplicitDeny);
        }
    }

    #[test]
    fn adding_an_allow_never_turns_allow_to_deny(statements in prop::collection::vec(arb_statement(), 0..6), extra in arb_statement(), req in arb_request()) {
        let before = effect_of(&docs_of(&statements), &req);
        let allow = extra.replacen(r#""Effect":"Deny""#, r#""Effect":"Allow""#, 1);
        let mut more = statements.clone();
        more.push(allow);
        let after = effect_of(&docs_of(&more), &req);
        if before == Effect::Allow {
            prop_assert_eq!(after, Effect::Allow);
        }
        if before == Effect::ExplicitDeny {
            prop_assert_eq!(after, Effect::ExplicitDeny);
        }
    }

    #[test]
    fn order_does_not_matter(statements in prop::collection::vec(arb_statement(), 0..6), req in arb_request(), seed: u64) {
        let forward = effect_of(&docs_of(&statements), &req);
        let mut shuffled = statements.clone();
        shuffled.reverse();
        if !shuffled.is_empty() {
            let k = usize::try_from(seed % shuffled.len() as u64).unwrap();
            shuffled.rotate_left(k);
        }
        prop_assert_eq!(forward, effect_of(&docs_of(&shuffled), &req));
        // All statements in one document give the same answer as one document each.
        if !statements.is_empty() {
            let one = vec![identity(&statements.join(","))];
            prop_assert_eq!(forward, effect_of(&one, &req));
        }
    }

    #[test]
    fn a_matching_deny_always_wins(statements in prop::collection::vec(arb_statement(), 0..6), req in arb_request()) {
        let mut more = statements.clone();
        more.push(format!(r#"{{"Effect":"Deny","Action":"{}","Resource":"{}"}}"#, req.0.to_uppercase(), req.1));
        prop_assert_eq!(effect_of(&docs_of(&more), &req), Effect::ExplicitDeny);
    }
}
