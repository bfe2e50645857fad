//! Runs the data-driven cases in `tests/corpus/*.json`. Each file is an array of
//! cases of one of three shapes:
//!
//! - evaluation: `{"name", "policies": [{"name", "type", "document"}], "request":
//!   {"action", "resource", "context": {key: value | [values]}}, "expect":
//!   "Allow" | "ExplicitDeny" | "ImplicitDeny", "reasons"?: [[policy, statement]]}`
//! - trust: `{"name", "trust": document, "caller": {"type": "Account" | "User" |
//!   "AssumedRole" | "Service" | "Federated", ...}, "request": {"action", "context"},
//!   "expect"}`
//! - parse error: `{"name", "kind", "document" | "document_text", "expect_error":
//!   {"code", "message" (a fragment), "statement"?}}`

use std::collections::BTreeMap;
use std::path::Path;

use rampart_policy::{
    evaluate, evaluate_trust, parse, Caller, Context, Decision, DocumentKind, Effect, NamedPolicy,
    PolicyDocument, Request,
};
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
#[serde(untagged, deny_unknown_fields)]
enum Case {
    Eval {
        name: String,
        policies: Vec<PolicyCase>,
        request: RequestCase,
        expect: String,
        reasons: Option<Vec<(String, usize)>>,
    },
    Trust {
        name: String,
        trust: Value,
        caller: BTreeMap<String, String>,
        request: RequestCase,
        expect: String,
    },
    ParseError {
        name: String,
        kind: String,
        document: Option<Value>,
        document_text: Option<String>,
        expect_error: ExpectedError,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyCase {
    name: String,
    #[serde(rename = "type")]
    policy_type: String,
    document: Value,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RequestCase {
    action: String,
    #[serde(default)]
    resource: String,
    #[serde(default)]
    context: BTreeMap<String, OneOrMany>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectedError {
    code: String,
    message: String,
    statement: Option<usize>,
}

fn kind(name: &str) -> Result<DocumentKind, String> {
    match name {
        "Identity" => Ok(DocumentKind::Identity),
        "Trust" => Ok(DocumentKind::Trust),
        "Resource" => Ok(DocumentKind::Resource),
        "Session" => Ok(DocumentKind::Session),
        other => Err(format!("unknown kind `{other}`")),
    }
}

fn context(req: &RequestCase) -> Context {
    req.context
        .iter()
        .fold(Context::new(), |ctx, (k, v)| match v {
            OneOrMany::One(s) => ctx.with(k, s.clone()),
            OneOrMany::Many(list) => ctx.with_many(k, list.clone()),
        })
}

fn effect_name(d: &Decision) -> &'static str {
    match d.effect {
        Effect::Allow => "Allow",
        Effect::ExplicitDeny => "ExplicitDeny",
        Effect::ImplicitDeny => "ImplicitDeny",
    }
}

fn caller<'a>(fields: &'a BTreeMap<String, String>) -> Result<Caller<'a>, String> {
    let get = |k: &str| {
        fields
            .get(k)
            .map(String::as_str)
            .ok_or_else(|| format!("caller lacks `{k}`"))
    };
    Ok(match get("type")? {
        "Account" => Caller::Account {
            account_id: get("account_id")?,
        },
        "User" => Caller::User {
            account_id: get("account_id")?,
            user_name: get("user_name")?,
        },
        "AssumedRole" => Caller::AssumedRole {
            account_id: get("account_id")?,
            role_name: get("role_name")?,
            session: get("session")?,
        },
        "Service" => Caller::Service { name: get("name")? },
        "Federated" => Caller::Federated {
            provider_arn: get("provider_arn")?,
        },
        other => return Err(format!("unknown caller type `{other}`")),
    })
}

/// Runs one case; `Err` says what differed.
fn run(case: &Case) -> Result<(), String> {
    match case {
        Case::Eval {
            policies,
            request,
            expect,
            reasons,
            ..
        } => {
            let docs: Vec<PolicyDocument> = policies
                .iter()
                .map(|p| parse(&p.document.to_string(), DocumentKind::Identity))
                .collect::<Result<_, _>>()
                .map_err(|e| format!("policy does not parse: {e}"))?;
            let named: Vec<NamedPolicy<'_>> = policies
                .iter()
                .zip(&docs)
                .map(|(p, d)| NamedPolicy {
                    name: &p.name,
                    policy_type: &p.policy_type,
                    version: "v1",
                    document: d,
                })
                .collect();
            let ctx = context(request);
            let req = Request {
                action: &request.action,
                resource: &request.resource,
                context: &ctx,
            };
            let decision = evaluate(&named, &req);
            if effect_name(&decision) != expect {
                return Err(format!(
                    "expected {expect}, got {decision:?} ({})",
                    decision.explain()
                ));
            }
            if let Some(reasons) = reasons {
                let got: Vec<(String, usize)> = decision
                    .reasons
                    .iter()
                    .map(|r| (r.policy_name.clone(), r.statement))
                    .collect();
                if &got != reasons {
                    return Err(format!("expected reasons {reasons:?}, got {got:?}"));
                }
            }
            Ok(())
        }
        Case::Trust {
            trust,
            caller: who,
            request,
            expect,
            ..
        } => {
            let doc = parse(&trust.to_string(), DocumentKind::Trust)
                .map_err(|e| format!("trust does not parse: {e}"))?;
            let decision = evaluate_trust(&doc, &caller(who)?, &request.action, &context(request));
            if effect_name(&decision) != expect {
                return Err(format!("expected {expect}, got {decision:?}"));
            }
            Ok(())
        }
        Case::ParseError {
            kind: k,
            document,
            document_text,
            expect_error,
            ..
        } => {
            let text = match (document, document_text) {
                (Some(d), None) => d.to_string(),
                (None, Some(t)) => t.clone(),
                _ => return Err("give exactly one of `document` and `document_text`".to_owned()),
            };
            let err = match parse(&text, kind(k)?) {
                Ok(_) => return Err("parsed, but an error was expected".to_owned()),
                Err(e) => e,
            };
            if err.code != expect_error.code || !err.message.contains(&expect_error.message) {
                return Err(format!(
                    "expected {} `{}`, got {} `{}`",
                    expect_error.code, expect_error.message, err.code, err.message
                ));
            }
            if expect_error.statement.is_some() && err.statement != expect_error.statement {
                return Err(format!(
                    "expected statement {:?}, got {:?}",
                    expect_error.statement, err.statement
                ));
            }
            Ok(())
        }
    }
}

fn name(case: &Case) -> &str {
    match case {
        Case::Eval { name, .. } | Case::Trust { name, .. } | Case::ParseError { name, .. } => name,
    }
}

#[test]
fn corpus() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    let (mut total, mut failures) = (0, Vec::new());
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let cases: Vec<Case> = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{}: not a list of cases: {e}", file.display()));
        let stem = file.file_stem().unwrap().to_string_lossy();
        for case in &cases {
            total += 1;
            if let Err(why) = run(case) {
                failures.push(format!("{stem}: {}: {why}", name(case)));
            }
        }
    }
    println!("{total} corpus cases in {} files", files.len());
    assert!(
        failures.is_empty(),
        "{} of {total} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(total >= 60, "only {total} cases");
}
