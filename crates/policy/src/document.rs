//! The parsed, validated policy document and its statements.

use crate::condition::Condition;
use crate::context::Context;
use crate::error::codes;
use crate::index::Subject;
use crate::pattern::Pattern;
use crate::principal::{Caller, Principal};

/// What a document is used as; decides which fields are allowed and the size limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DocumentKind {
    /// A RAM policy attached to a user, group or role: `Resource` required, no `Principal`.
    Identity,
    /// A role's `AssumeRolePolicyDocument`: `Principal` required, no `Resource`.
    Trust,
    /// A resource-based policy (such as a KMS secret policy): `Principal` and `Resource` required.
    Resource,
    /// The `Policy` of STS AssumeRole: like `Identity`, with STS's limit and codes.
    Session,
}

impl DocumentKind {
    /// The longest document accepted, in characters.
    ///
    /// 6144 for RAM documents (the SDK's documented `PolicyDocument` limit; no
    /// separate trust-policy limit is documented, so trust policies share it),
    /// 2048 for STS session policies (the SDK's `Policy` limit).
    pub fn max_chars(self) -> usize {
        match self {
            DocumentKind::Session => 2048,
            _ => 6144,
        }
    }

    /// The code for a document that is too long.
    pub fn size_code(self) -> &'static str {
        match self {
            DocumentKind::Identity | DocumentKind::Resource => codes::POLICY_DOCUMENT_LENGTH,
            DocumentKind::Trust => codes::TRUST_DOCUMENT_LENGTH,
            DocumentKind::Session => codes::SESSION_SIZE,
        }
    }

    /// The code for a document that is not valid JSON or breaks the grammar.
    pub fn malformed_code(self) -> &'static str {
        match self {
            DocumentKind::Session => codes::SESSION_GRAMMAR,
            _ => codes::MALFORMED,
        }
    }

    /// "an identity policy", "a trust policy", … for messages.
    pub(crate) fn article_name(self) -> &'static str {
        match self {
            DocumentKind::Identity => "an identity policy",
            DocumentKind::Trust => "a trust policy",
            DocumentKind::Resource => "a resource policy",
            DocumentKind::Session => "a session policy",
        }
    }
}

/// `Allow` or `Deny`, as written in a statement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StatementEffect {
    /// `"Effect": "Allow"`.
    Allow,
    /// `"Effect": "Deny"`.
    Deny,
}

impl StatementEffect {
    /// `Allow` or `Deny`.
    pub fn as_str(self) -> &'static str {
        match self {
            StatementEffect::Allow => "Allow",
            StatementEffect::Deny => "Deny",
        }
    }
}

/// A validated policy document with its matchers compiled.
#[derive(Clone, Debug)]
pub struct PolicyDocument {
    pub(crate) kind: DocumentKind,
    pub(crate) statements: Vec<Statement>,
}

impl PolicyDocument {
    /// Whether any statement has a `Condition`: only conditions read a
    /// request's context, so a caller may skip building one for documents
    /// without any.
    pub fn has_conditions(&self) -> bool {
        self.statements.iter().any(|s| !s.conditions.is_empty())
    }

    /// The statements, in document order (statement `n` of a [`crate::Reason`] is `statements()[n - 1]`).
    pub fn statements(&self) -> &[Statement] {
        &self.statements
    }

    /// What the document was parsed as.
    pub fn kind(&self) -> DocumentKind {
        self.kind
    }

    /// The account ids (as written) that the document's `RAM` principals
    /// name other than `account_id` and `*`: principals of other accounts,
    /// which a resource policy of this account cannot grant.
    pub fn foreign_accounts(&self, account_id: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for st in &self.statements {
            if let Some(p) = &st.principal {
                for a in p.accounts() {
                    if a != account_id && a != "*" && !out.iter().any(|o| o == a) {
                        out.push(a.to_string());
                    }
                }
            }
        }
        out
    }
}

/// One statement, compiled.
#[derive(Clone, Debug)]
pub struct Statement {
    pub(crate) sid: Option<String>,
    pub(crate) effect: StatementEffect,
    /// Lowercased action patterns.
    pub(crate) actions: Vec<Pattern>,
    /// `NotAction` rather than `Action`.
    pub(crate) not_action: bool,
    /// With `Action`: the lowercased `service:` prefix every action pattern
    /// shares, if any; a request for another service is rejected with one compare.
    pub(crate) service: Option<Box<str>>,
    /// `None` in trust policies.
    pub(crate) resources: Option<Vec<Pattern>>,
    pub(crate) principal: Option<Principal>,
    pub(crate) conditions: Vec<Condition>,
}

/// The lowercased `service:` prefix shared by all `patterns`, when none has a
/// wildcard before its `:`.
pub(crate) fn shared_service(patterns: &[&str]) -> Option<Box<str>> {
    let mut shared: Option<String> = None;
    for p in patterns {
        let (service, _) = p.split_once(':')?;
        if service.contains(['*', '?']) {
            return None;
        }
        let service = format!("{}:", service.to_ascii_lowercase());
        match &shared {
            Some(s) if *s != service => return None,
            _ => shared = Some(service),
        }
    }
    shared.map(String::into_boxed_str)
}

impl Statement {
    /// The `Sid`, if given.
    pub fn sid(&self) -> Option<&str> {
        self.sid.as_deref()
    }

    /// `Allow` or `Deny`.
    pub fn effect(&self) -> StatementEffect {
        self.effect
    }

    /// The `Action` (or `NotAction`, see [`Statement::is_not_action`]) patterns as written.
    pub fn actions(&self) -> impl Iterator<Item = &str> {
        self.actions.iter().map(Pattern::as_str)
    }

    /// Whether the statement uses `NotAction`.
    pub fn is_not_action(&self) -> bool {
        self.not_action
    }

    /// The `Resource` patterns as written; `None` when the document has none (trust policies).
    pub fn resources(&self) -> Option<impl Iterator<Item = &str>> {
        self.resources
            .as_ref()
            .map(|r| r.iter().map(Pattern::as_str))
    }

    /// The `Principal`, in trust and resource policies.
    pub fn principal(&self) -> Option<&Principal> {
        self.principal.as_ref()
    }

    /// The conditions, all of which must hold.
    pub fn conditions(&self) -> &[Condition] {
        &self.conditions
    }

    /// [`Statement::applies_to`] on fresh request strings.
    #[cfg(test)]
    pub(crate) fn applies(
        &self,
        action: &str,
        resource: Option<&str>,
        caller: Option<&Caller<'_>>,
        context: &Context,
    ) -> bool {
        let (action_index, resource_index) = Default::default();
        let action = Subject {
            text: action,
            index: &action_index,
            folded: true,
        };
        let resource = resource.map(|text| Subject {
            text,
            index: &resource_index,
            folded: false,
        });
        self.applies_to(action, resource, caller, context)
    }

    /// Whether the statement applies: action, resource (when both sides have one),
    /// principal (a statement with one never applies without a caller) and conditions.
    /// The request strings keep their indexes from statement to statement.
    pub(crate) fn applies_to(
        &self,
        action: Subject<'_>,
        resource: Option<Subject<'_>>,
        caller: Option<&Caller<'_>>,
        context: &Context,
    ) -> bool {
        if let Some(service) = &self.service {
            let head = action.text.as_bytes().get(..service.len());
            if !head.is_some_and(|h| h.eq_ignore_ascii_case(service.as_bytes())) {
                return false;
            }
        }
        let action_listed = self.actions.iter().any(|p| p.matches_in(action));
        if action_listed == self.not_action {
            return false;
        }
        if let (Some(patterns), Some(resource)) = (&self.resources, resource) {
            if !patterns.iter().any(|p| p.matches_in(resource)) {
                return false;
            }
        }
        if let Some(principal) = &self.principal {
            if !caller.is_some_and(|c| principal.matches(c)) {
                return false;
            }
        }
        self.conditions.iter().all(|c| c.holds(context))
    }

    /// [`Statement::applies`] for a resource-based policy (a key or secret
    /// policy): an `Allow` whose principal names the caller only as part
    /// of a whole account (`acs:ram:*:<uid>:root`, `…:<uid>:*`, `<uid>`,
    /// `"RAM": "*"`, `"*"`, any region spelling) delegates to the caller's
    /// identity policies and grants nothing by itself; a `Deny` applies to
    /// everyone its principal names.
    pub(crate) fn applies_to_resource(
        &self,
        action: Subject<'_>,
        resource: Option<Subject<'_>>,
        caller: &Caller<'_>,
        context: &Context,
    ) -> bool {
        if self.effect == StatementEffect::Allow {
            if let Some(principal) = &self.principal {
                if !principal.names_specifically(caller) {
                    return false;
                }
            }
        }
        self.applies_to(action, resource, Some(caller), context)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_service_prefix() {
        assert_eq!(
            shared_service(&["kms:Get*", "KMS:List*"]).as_deref(),
            Some("kms:")
        );
        assert_eq!(shared_service(&["kms:Get*", "ram:List*"]), None);
        assert_eq!(shared_service(&["*"]), None);
        assert_eq!(shared_service(&["k*:Get"]), None);
        assert_eq!(shared_service(&[]), None);
    }
}
