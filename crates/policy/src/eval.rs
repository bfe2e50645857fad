//! Evaluation: explicit Deny wins, then Allow, else implicit deny; and the
//! decision explains itself.

use crate::context::Context;
use crate::document::{PolicyDocument, Statement, StatementEffect};
use crate::index::{LazyIndex, Subject};
use crate::principal::Caller;

/// One request to authorize.
#[derive(Clone, Copy, Debug)]
pub struct Request<'a> {
    /// The action, like `kms:GetSecretValue` (compared case-insensitively).
    pub action: &'a str,
    /// The resource ARN, like `acs:kms:cn-hangzhou:123:secret/db` (compared case-sensitively).
    pub resource: &'a str,
    /// The condition keys of the request.
    pub context: &'a Context,
}

/// A policy document with the names its decisions are reported under.
#[derive(Clone, Copy, Debug)]
pub struct NamedPolicy<'a> {
    /// The policy name, like `AliyunRAMFullAccess`.
    pub name: &'a str,
    /// `System`, `Custom`, `Session`, `Resource` or `Trust`.
    pub policy_type: &'a str,
    /// The version id, like `v1`.
    pub version: &'a str,
    /// The compiled document.
    pub document: &'a PolicyDocument,
}

/// The outcome of an evaluation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Effect {
    /// A statement allows the request and none denies it.
    Allow,
    /// A `Deny` statement matches.
    ExplicitDeny,
    /// No statement matches (the default).
    ImplicitDeny,
}

/// A statement that decided the outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reason {
    /// The policy's name.
    pub policy_name: String,
    /// The policy's type (`System`, `Custom`, …).
    pub policy_type: String,
    /// The policy's version id.
    pub version: String,
    /// The 1-based statement index in the document.
    pub statement: usize,
    /// The statement's `Sid`, if it has one.
    pub sid: Option<String>,
    /// The statement's effect.
    pub effect: StatementEffect,
}

/// The answer: an effect and the statement that produced it (the first matching
/// Deny, or else the first matching Allow, in policy then statement order; none
/// for [`Effect::ImplicitDeny`]). [`Decision::intersect`] and [`Decision::union`]
/// concatenate reasons when both sides agree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    /// Allow, explicit deny or implicit deny.
    pub effect: Effect,
    /// The statements behind the effect.
    pub reasons: Vec<Reason>,
}

impl Decision {
    /// The default decision: implicit deny, no reasons.
    pub fn implicit_deny() -> Self {
        Self {
            effect: Effect::ImplicitDeny,
            reasons: Vec::new(),
        }
    }

    /// Whether the request is allowed.
    pub fn is_allowed(&self) -> bool {
        self.effect == Effect::Allow
    }

    /// Both must allow (a session policy and the role's policies; an AssumeRole
    /// caller's identity policies and the role's trust policy). Any explicit deny wins.
    #[must_use]
    pub fn intersect(self, other: Decision) -> Decision {
        match (self.effect, other.effect) {
            (Effect::ExplicitDeny, Effect::ExplicitDeny) | (Effect::Allow, Effect::Allow) => {
                let mut reasons = self.reasons;
                reasons.extend(other.reasons);
                Decision {
                    effect: self.effect,
                    reasons,
                }
            }
            (Effect::ExplicitDeny, _) => self,
            (_, Effect::ExplicitDeny) => other,
            _ => Decision::implicit_deny(),
        }
    }

    /// Either may allow (identity-based and resource-based decisions). Any explicit deny wins.
    #[must_use]
    pub fn union(self, other: Decision) -> Decision {
        match (self.effect, other.effect) {
            (Effect::ExplicitDeny, Effect::ExplicitDeny) | (Effect::Allow, Effect::Allow) => {
                let mut reasons = self.reasons;
                reasons.extend(other.reasons);
                Decision {
                    effect: self.effect,
                    reasons,
                }
            }
            (Effect::ExplicitDeny, _) => self,
            (_, Effect::ExplicitDeny) => other,
            (Effect::Allow, _) => self,
            (_, Effect::Allow) => other,
            _ => Decision::implicit_deny(),
        }
    }

    /// One line saying why, for the `NoPermission` message or an audit record.
    pub fn explain(&self) -> String {
        let verb = match self.effect {
            Effect::Allow => "allowed",
            Effect::ExplicitDeny => "explicitly denied",
            Effect::ImplicitDeny => {
                return "implicitly denied: no policy statement allows this action on this resource"
                    .to_owned()
            }
        };
        let Some(first) = self.reasons.first() else {
            return verb.to_owned();
        };
        let sid = first
            .sid
            .as_ref()
            .map(|s| format!(" (`{s}`)"))
            .unwrap_or_default();
        let version = if first.version.is_empty() {
            String::new()
        } else {
            format!(" version {}", first.version)
        };
        let more = match self.reasons.len() {
            0 | 1 => String::new(),
            2 => " and 1 other statement".to_owned(),
            n => format!(" and {} other statements", n - 1),
        };
        format!(
            "{verb} by statement {}{sid} of {} policy `{}`{version}{more}",
            first.statement, first.policy_type, first.policy_name
        )
    }
}

/// Evaluates identity-style policies: statements with a `Principal` never apply
/// (there is no caller to match them against; see [`evaluate_as`]).
pub fn evaluate(policies: &[NamedPolicy<'_>], req: &Request<'_>) -> Decision {
    run(policies, req.action, Some(req.resource), None, req.context)
}

/// Evaluates policies that may name principals (resource-based policies) for `caller`.
///
/// An `Allow` grants only callers its principal names specifically: one
/// that names a whole account delegates to the identity policies
/// ([`crate::Principal::names_specifically`]); a `Deny` applies to every
/// caller its principal names.
pub fn evaluate_as(
    policies: &[NamedPolicy<'_>],
    caller: &Caller<'_>,
    req: &Request<'_>,
) -> Decision {
    with_subjects(req.action, Some(req.resource), |action, resource| {
        decide_by(policies, |st| {
            st.applies_to_resource(action, resource, caller, req.context)
        })
    })
}

/// Evaluates a role's trust policy: may `caller` perform `action` (`sts:AssumeRole`)?
/// Reasons are reported under the policy name `AssumeRolePolicyDocument`, type `Trust`.
pub fn evaluate_trust(
    trust: &PolicyDocument,
    caller: &Caller<'_>,
    action: &str,
    context: &Context,
) -> Decision {
    let named = NamedPolicy {
        name: "AssumeRolePolicyDocument",
        policy_type: "Trust",
        version: "",
        document: trust,
    };
    run(&[named], action, None, Some(caller), context)
}

fn run(
    policies: &[NamedPolicy<'_>],
    action: &str,
    resource: Option<&str>,
    caller: Option<&Caller<'_>>,
    context: &Context,
) -> Decision {
    with_subjects(action, resource, |action, resource| {
        decide_by(policies, |st| {
            st.applies_to(action, resource, caller, context)
        })
    })
}

/// Runs `f` with the action and resource as [`Subject`]s: every pattern of
/// every statement is matched against the same action and resource, so once
/// enough are, each is indexed (see `crate::index`).
fn with_subjects<T>(
    action: &str,
    resource: Option<&str>,
    f: impl FnOnce(Subject<'_>, Option<Subject<'_>>) -> T,
) -> T {
    let action_index = LazyIndex::default();
    let action = Subject {
        text: action,
        index: &action_index,
        folded: true,
    };
    let resource_index = LazyIndex::default();
    let resource = resource.map(|text| Subject {
        text,
        index: &resource_index,
        folded: false,
    });
    f(action, resource)
}

/// The first matching Deny decides at once; Allow statements are skipped
/// once one has matched, as only a Deny can still change the effect.
fn decide_by(policies: &[NamedPolicy<'_>], applies: impl Fn(&Statement) -> bool) -> Decision {
    let mut first_allow = None;
    for (pi, policy) in policies.iter().enumerate() {
        for (si, statement) in policy.document.statements.iter().enumerate() {
            let deny = statement.effect == StatementEffect::Deny;
            if (deny || first_allow.is_none()) && applies(statement) {
                if deny {
                    return decided(Effect::ExplicitDeny, policies, pi, si);
                }
                first_allow = Some((pi, si));
            }
        }
    }
    match first_allow {
        Some((pi, si)) => decided(Effect::Allow, policies, pi, si),
        None => Decision::implicit_deny(),
    }
}

/// The decision `effect`, with statement `si` of policy `pi` as its reason.
fn decided(effect: Effect, policies: &[NamedPolicy<'_>], pi: usize, si: usize) -> Decision {
    let reasons = policies
        .get(pi)
        .and_then(|policy| {
            let statement = policy.document.statements.get(si)?;
            Some(Reason {
                policy_name: policy.name.to_owned(),
                policy_type: policy.policy_type.to_owned(),
                version: policy.version.to_owned(),
                statement: si + 1,
                sid: statement.sid.clone(),
                effect: statement.effect,
            })
        })
        .into_iter()
        .collect();
    Decision { effect, reasons }
}

#[cfg(test)]
mod tests;
