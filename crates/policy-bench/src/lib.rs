//! The benchmark workload: a RAM user with N typical attached policies, the
//! requests it makes, and the same policies written in Cedar so both engines
//! answer the same questions.
//!
//! Cedar has no wildcard actions or ARNs, so the translation passes the
//! (lowercased) action and the resource ARN in the context and matches them
//! with `like`, the IP as an `ipaddr` value and TLS as a boolean.

use std::str::FromStr;

use cedar_policy::{
    Authorizer, Context as CedarContext, Entities, EntityUid, PolicySet, Request as CedarRequest,
    RestrictedExpression,
};
use rampart_policy::{
    evaluate, parse, Context, Decision, DocumentKind, Effect, NamedPolicy, PolicyDocument, Request,
};

/// The account every ARN of the workload belongs to.
pub const ACCOUNT: &str = "1234567890123456";

/// One statement, in a form both engines can be written from.
struct Stmt {
    allow: bool,
    actions: Vec<String>,
    resource: String,
    /// `Some(true)`: source IP inside 10.0.0.0/8; `Some(false)`: outside.
    ip_inside: Option<bool>,
    /// `Some(b)`: `acs:SecureTransport` must be `b`.
    secure: Option<bool>,
}

/// The statements of typical policy `i`: mostly allows, every tenth-but-one a
/// conditional deny.
fn statements(i: usize) -> Vec<Stmt> {
    let s = |allow: bool, actions: &[&str], resource: String| Stmt {
        allow,
        actions: actions.iter().map(|a| (*a).to_owned()).collect(),
        resource,
        ip_inside: None,
        secure: None,
    };
    match i % 10 {
        0 | 5 => vec![
            s(
                true,
                &["ram:*"],
                format!("acs:ram:*:{ACCOUNT}:user/team{i}-*"),
            ),
            s(true, &["ram:Get*", "ram:List*"], "*".to_owned()),
        ],
        1 | 6 => vec![s(
            true,
            &["kms:GetSecretValue", "kms:DescribeSecret"],
            format!("acs:kms:*:{ACCOUNT}:secret/app{i}/*"),
        )],
        2 | 7 => vec![Stmt {
            ip_inside: Some(true),
            ..s(
                true,
                &["kms:GetSecretValue"],
                format!("acs:kms:*:{ACCOUNT}:secret/shared/*"),
            )
        }],
        3 => vec![s(
            true,
            &["sts:AssumeRole"],
            format!("acs:ram:*:{ACCOUNT}:role/app{i}-*"),
        )],
        4 => vec![s(
            true,
            &[
                "ram:ListAccessKeys",
                "ram:CreateAccessKey",
                "ram:DeleteAccessKey",
                "ram:UpdateAccessKey",
            ],
            format!("acs:ram:*:{ACCOUNT}:user/svc-{i}"),
        )],
        8 => vec![Stmt {
            ip_inside: Some(false),
            ..s(
                false,
                &["kms:DeleteSecret", "kms:PutSecretValue"],
                format!("acs:kms:*:{ACCOUNT}:secret/prod/*"),
            )
        }],
        _ => vec![Stmt {
            secure: Some(false),
            ..s(
                false,
                &["ram:DeleteUser", "ram:DeleteAccessKey"],
                "*".to_owned(),
            )
        }],
    }
}

/// Policy `i` as a RAM policy document.
pub fn ram_policy(i: usize) -> String {
    let stmts: Vec<String> = statements(i)
        .iter()
        .map(|st| {
            let mut cond = Vec::new();
            match st.ip_inside {
                Some(true) => {
                    cond.push(r#""IpAddress":{"acs:SourceIp":["10.0.0.0/8"]}"#.to_owned())
                }
                Some(false) => {
                    cond.push(r#""NotIpAddress":{"acs:SourceIp":["10.0.0.0/8"]}"#.to_owned())
                }
                None => {}
            }
            if let Some(b) = st.secure {
                cond.push(format!(r#""Bool":{{"acs:SecureTransport":"{b}"}}"#));
            }
            let cond = if cond.is_empty() {
                String::new()
            } else {
                format!(r#","Condition":{{{}}}"#, cond.join(","))
            };
            let actions: Vec<String> = st.actions.iter().map(|a| format!("\"{a}\"")).collect();
            format!(
                r#"{{"Effect":"{}","Action":[{}],"Resource":"{}"{cond}}}"#,
                if st.allow { "Allow" } else { "Deny" },
                actions.join(","),
                st.resource
            )
        })
        .collect();
    format!(r#"{{"Version":"1","Statement":[{}]}}"#, stmts.join(","))
}

/// Policy `i` as Cedar policies (one per statement).
pub fn cedar_policy(i: usize) -> String {
    statements(i)
        .iter()
        .map(|st| {
            let actions: Vec<String> = st
                .actions
                .iter()
                .map(|a| format!("context.action like \"{}\"", a.to_ascii_lowercase()))
                .collect();
            let mut clauses = vec![format!("({})", actions.join(" || "))];
            if st.resource != "*" {
                clauses.push(format!("context.resource like \"{}\"", st.resource));
            }
            match st.ip_inside {
                Some(true) => {
                    clauses.push(r#"context.source_ip.isInRange(ip("10.0.0.0/8"))"#.to_owned())
                }
                Some(false) => {
                    clauses.push(r#"!context.source_ip.isInRange(ip("10.0.0.0/8"))"#.to_owned())
                }
                None => {}
            }
            if let Some(b) = st.secure {
                clauses.push(format!("context.secure == {b}"));
            }
            format!(
                "{}(principal, action, resource) when {{ {} }};\n",
                if st.allow { "permit" } else { "forbid" },
                clauses.join(" && ")
            )
        })
        .collect()
}

/// One request of the workload.
#[derive(Clone, Debug)]
pub struct Call {
    /// The action.
    pub action: String,
    /// The resource ARN.
    pub resource: String,
    /// `acs:SourceIp`.
    pub source_ip: &'static str,
    /// `acs:SecureTransport`.
    pub secure: bool,
}

/// A representative mix of allowed, explicitly and implicitly denied calls.
pub fn calls() -> Vec<Call> {
    let c = |action: &str, resource: String, source_ip, secure| Call {
        action: action.to_owned(),
        resource,
        source_ip,
        secure,
    };
    vec![
        c(
            "kms:GetSecretValue",
            format!("acs:kms:cn-hangzhou:{ACCOUNT}:secret/app1/db"),
            "10.1.2.3",
            true,
        ),
        c(
            "kms:GetSecretValue",
            format!("acs:kms:cn-hangzhou:{ACCOUNT}:secret/shared/x"),
            "192.0.2.1",
            true,
        ),
        c(
            "ram:GetUser",
            format!("acs:ram:*:{ACCOUNT}:user/team0-alice"),
            "10.1.2.3",
            true,
        ),
        c(
            "ram:CreateUser",
            format!("acs:ram:*:{ACCOUNT}:user/*"),
            "10.1.2.3",
            true,
        ),
        c(
            "kms:DeleteSecret",
            format!("acs:kms:cn-hangzhou:{ACCOUNT}:secret/prod/db"),
            "8.8.8.8",
            true,
        ),
        c(
            "ram:DeleteUser",
            format!("acs:ram:*:{ACCOUNT}:user/team0-bob"),
            "10.1.2.3",
            false,
        ),
        c(
            "sts:AssumeRole",
            format!("acs:ram:*:{ACCOUNT}:role/app3-deploy"),
            "2001:db8::1",
            true,
        ),
        c("kms:ListSecrets", "*".to_owned(), "10.1.2.3", true),
    ]
}

/// Both engines loaded with the same N policies and the same calls.
pub struct Workload {
    /// Compiled RAM policies.
    pub docs: Vec<PolicyDocument>,
    /// Their names.
    pub names: Vec<String>,
    /// The calls' RAM contexts.
    pub contexts: Vec<Context>,
    /// The calls.
    pub calls: Vec<Call>,
    /// The Cedar policy set.
    pub cedar: PolicySet,
    /// The calls as Cedar requests.
    pub cedar_requests: Vec<CedarRequest>,
    /// Cedar's authorizer.
    pub authorizer: Authorizer,
    /// No entities: everything is in the context.
    pub entities: Entities,
}

/// Sets up `n` policies; fails if a document does not parse.
pub fn workload(n: usize) -> Result<Workload, String> {
    let docs = (0..n)
        .map(|i| parse(&ram_policy(i), DocumentKind::Identity).map_err(|e| e.to_string()))
        .collect::<Result<Vec<_>, _>>()?;
    let names = (0..n).map(|i| format!("Policy{i}")).collect();
    let calls = calls();
    let contexts = calls
        .iter()
        .map(|c| {
            Context::new()
                .with("acs:SourceIp", c.source_ip)
                .with("acs:SecureTransport", c.secure.to_string())
                .with("acs:CurrentTime", "2026-01-01T00:00:00Z")
        })
        .collect();
    let text: String = (0..n).map(cedar_policy).collect();
    let cedar = PolicySet::from_str(&text).map_err(|e| format!("cedar: {e}"))?;
    let uid = |s: &str| EntityUid::from_str(s).map_err(|e| format!("cedar uid: {e}"));
    let cedar_requests = calls
        .iter()
        .map(|c| {
            let ctx = CedarContext::from_pairs([
                (
                    "action".to_owned(),
                    RestrictedExpression::new_string(c.action.to_ascii_lowercase()),
                ),
                (
                    "resource".to_owned(),
                    RestrictedExpression::new_string(c.resource.clone()),
                ),
                (
                    "source_ip".to_owned(),
                    RestrictedExpression::new_ip(c.source_ip),
                ),
                (
                    "secure".to_owned(),
                    RestrictedExpression::new_bool(c.secure),
                ),
            ])
            .map_err(|e| format!("cedar context: {e}"))?;
            CedarRequest::new(
                uid("User::\"alice\"")?,
                uid("Action::\"call\"")?,
                uid("Resource::\"r\"")?,
                ctx,
                None,
            )
            .map_err(|e| format!("cedar request: {e}"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Workload {
        docs,
        names,
        contexts,
        calls,
        cedar,
        cedar_requests,
        authorizer: Authorizer::new(),
        entities: Entities::empty(),
    })
}

impl Workload {
    /// The attached policies as the engine takes them.
    pub fn named(&self) -> Vec<NamedPolicy<'_>> {
        self.docs
            .iter()
            .zip(&self.names)
            .map(|(d, n)| NamedPolicy {
                name: n,
                policy_type: "Custom",
                version: "v1",
                document: d,
            })
            .collect()
    }

    /// Rampart's decision on call `k`.
    pub fn rampart(&self, named: &[NamedPolicy<'_>], k: usize) -> Decision {
        let call = &self.calls[k];
        evaluate(
            named,
            &Request {
                action: &call.action,
                resource: &call.resource,
                context: &self.contexts[k],
            },
        )
    }

    /// Cedar's decision on call `k` (`true` = allow).
    pub fn cedar(&self, k: usize) -> bool {
        self.authorizer
            .is_authorized(&self.cedar_requests[k], &self.cedar, &self.entities)
            .decision()
            == cedar_policy::Decision::Allow
    }

    /// Checks that both engines agree on every call; returns the effects.
    pub fn check_agreement(&self) -> Result<Vec<Effect>, String> {
        let named = self.named();
        (0..self.calls.len())
            .map(|k| {
                let ours = self.rampart(&named, k);
                if ours.is_allowed() == self.cedar(k) {
                    Ok(ours.effect)
                } else {
                    Err(format!(
                        "engines disagree on {:?}: rampart {:?}",
                        self.calls[k], ours.effect
                    ))
                }
            })
            .collect()
    }
}

/// Custom policies RAM lets a user have in force: 10 attached to the user
/// itself, plus 5 on each of the 5 groups it may belong to (system policies
/// are fixed documents, so an attacker cannot choose their text).
pub const MAX_CUSTOM_POLICIES_IN_FORCE: usize = 10 + 5 * 5;

/// The longest RAM policy document, in characters.
pub const MAX_DOCUMENT_CHARS: usize = 6144;

/// The longest KMS secret name, so the longest ARN a caller can make us match.
pub const MAX_SECRET_NAME: usize = 192;

/// Policies crafted to make decisions slow, each with the resource it is
/// worst on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attack {
    /// `acs:*a?a?…a?X*` (63-character segments, `X` a character the resource
    /// lacks) against a secret named `aaa…a`: the worst case for a matcher
    /// that tries every start position (about text length × segment length
    /// steps per pattern).
    LongSegments,
    /// `acs:*a?a?…a?b*` against `bbbbabab…ab`: every character of the
    /// patterns is common in the resource, so none is rejected by a look-up.
    LongAlternating,
    /// `acs:*a?b*`, as many as fit, against `bbbbabab…ab`: the most patterns.
    ShortAlternating,
}

impl Attack {
    /// Every attack, in the order the benchmark reports them.
    pub const ALL: [Attack; 3] = [
        Attack::LongSegments,
        Attack::LongAlternating,
        Attack::ShortAlternating,
    ];

    /// A short name for reports.
    pub fn name(self) -> &'static str {
        match self {
            Attack::LongSegments => "long_segments",
            Attack::LongAlternating => "long_alternating",
            Attack::ShortAlternating => "short_alternating",
        }
    }

    /// The resource the attack is built against: a secret with the longest
    /// name KMS allows.
    pub fn resource(self) -> String {
        let name = match self {
            Attack::LongSegments => "a".repeat(MAX_SECRET_NAME),
            Attack::LongAlternating | Attack::ShortAlternating => {
                format!("bbbb{}", "ab".repeat((MAX_SECRET_NAME - 4) / 2))
            }
        };
        format!("acs:kms:cn-hangzhou:{ACCOUNT}:secret/{name}")
    }

    /// The `k`-th resource pattern (none matches [`Attack::resource`]).
    fn pattern(self, k: usize) -> String {
        // Letters the `LongSegments` resource lacks.
        const ABSENT: &[u8] = b"bdfijlpqvwxyBDFGHJKLMNPQRSTVWXYZ";
        match self {
            Attack::LongSegments => {
                let tail = char::from(ABSENT[k % ABSENT.len()]);
                format!("acs:*{}{tail}*", "a?".repeat(31))
            }
            Attack::LongAlternating => format!("acs:*{}b*", "a?".repeat(31)),
            Attack::ShortAlternating => "acs:*a?b*".to_owned(),
        }
    }

    /// Policy `i`: one `Deny` statement of [`MAX_DOCUMENT_CHARS`] or just
    /// under, whose actions are wildcard patterns that fail on
    /// `kms:GetSecretValue` before one that matches (`kms:*`), and whose
    /// resources are [`Attack::pattern`]s. As a `Deny`, it is read on every
    /// request, whatever the other policies say.
    pub fn policy(self, i: usize) -> String {
        let actions: Vec<String> = (0..4)
            .map(|k| format!("\"kms:*{}x{k}*\"", "e?".repeat(6)))
            .chain(std::iter::once("\"kms:*\"".to_owned()))
            .collect();
        let head = format!(
            r#"{{"Version":"1","Statement":[{{"Sid":"P{i}","Effect":"Deny","Action":[{}],"Resource":["#,
            actions.join(",")
        );
        let foot = "]}]}";
        let mut resources: Vec<String> = Vec::new();
        let mut len = head.len() + foot.len();
        for k in 0.. {
            let r = format!("\"{}\"", self.pattern(i + k));
            let extra = r.len() + usize::from(!resources.is_empty());
            if len + extra > MAX_DOCUMENT_CHARS {
                break;
            }
            len += extra;
            resources.push(r);
        }
        format!("{head}{}{foot}", resources.join(","))
    }
}

/// One principal's policies and the request it makes, for the cost of a
/// decision (identity policies only, no Cedar twin).
pub struct Principal {
    /// Compiled policies.
    pub docs: Vec<PolicyDocument>,
    /// Their names.
    pub names: Vec<String>,
    /// The characters of the policies' text.
    pub chars: usize,
    /// The request's action.
    pub action: String,
    /// The request's resource.
    pub resource: String,
    /// The request's context.
    pub context: Context,
}

impl Principal {
    /// A user with `docs` attached, calling `kms:GetSecretValue` on
    /// `resource` from 10.1.2.3 over TLS; fails if a document does not parse.
    pub fn new(docs: &[String], resource: String) -> Result<Self, String> {
        let chars = docs.iter().map(|d| d.chars().count()).sum();
        let docs = docs
            .iter()
            .map(|d| parse(d, DocumentKind::Identity).map_err(|e| e.to_string()))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            names: (0..docs.len()).map(|i| format!("Policy{i}")).collect(),
            docs,
            chars,
            action: "kms:GetSecretValue".to_owned(),
            resource,
            context: Context::new()
                .with("acs:SourceIp", "10.1.2.3")
                .with("acs:SecureTransport", "true")
                .with("acs:CurrentTime", "2026-01-01T00:00:00Z"),
        })
    }

    /// A plain user: one ordinary policy (read the secrets under `app1/`),
    /// making the request of `attack`.
    pub fn plain(attack: Attack) -> Result<Self, String> {
        Self::new(&[ram_policy(1)], attack.resource())
    }

    /// A user with the most custom policies RAM allows in force, each as
    /// long as allowed and built for `attack`.
    pub fn adversarial(attack: Attack) -> Result<Self, String> {
        let docs: Vec<String> = (0..MAX_CUSTOM_POLICIES_IN_FORCE)
            .map(|i| attack.policy(i))
            .collect();
        Self::new(&docs, attack.resource())
    }

    /// The policies as the engine takes them.
    pub fn named(&self) -> Vec<NamedPolicy<'_>> {
        self.docs
            .iter()
            .zip(&self.names)
            .map(|(d, n)| NamedPolicy {
                name: n,
                policy_type: "Custom",
                version: "v1",
                document: d,
            })
            .collect()
    }

    /// The decision on the request.
    pub fn decide(&self, named: &[NamedPolicy<'_>]) -> Decision {
        evaluate(
            named,
            &Request {
                action: &self.action,
                resource: &self.resource,
                context: &self.context,
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engines_agree() {
        for n in [1, 10, 100] {
            let w = workload(n).unwrap();
            let effects = w.check_agreement().unwrap();
            if n == 100 {
                assert!(effects.contains(&Effect::Allow));
                assert!(effects.contains(&Effect::ExplicitDeny));
                assert!(effects.contains(&Effect::ImplicitDeny));
            }
        }
    }

    #[test]
    fn adversarial_documents_are_valid_full_and_deny_nothing() {
        for attack in Attack::ALL {
            for i in [0, 34] {
                let doc = attack.policy(i);
                let chars = doc.chars().count();
                assert!(chars <= MAX_DOCUMENT_CHARS, "{chars}");
                assert!(chars > MAX_DOCUMENT_CHARS - 80, "{chars}");
            }
            let name = attack.resource().rsplit('/').next().unwrap().len();
            assert_eq!(name, MAX_SECRET_NAME);
            let p = Principal::adversarial(attack).unwrap();
            assert_eq!(p.docs.len(), MAX_CUSTOM_POLICIES_IN_FORCE);
            assert_eq!(p.decide(&p.named()).effect, Effect::ImplicitDeny);
            let plain = Principal::plain(attack).unwrap();
            assert_eq!(plain.decide(&plain.named()).effect, Effect::ImplicitDeny);
        }
    }
}
