//! RAM policy language: parse and validate (with precise errors), evaluate
//! (default deny, explicit Deny wins), explain why. Pure: no I/O, no clock.
//!
//! # API
//!
//! ```text
//! parse(doc: &str, kind: DocumentKind) -> Result<PolicyDocument, PolicyError>
//!     DocumentKind::{Identity, Trust, Resource, Session}
//!     PolicyError { code: &'static str, message, statement, line, column }
//!     PolicyDocument::statements() -> &[Statement]   (Clone + Debug, matchers precompiled)
//! Context::new().with(key, value).with_many(key, values)   keys case-insensitive
//! evaluate(&[NamedPolicy], &Request) -> Decision             identity policies
//! evaluate_as(&[NamedPolicy], &Caller, &Request) -> Decision resource policies (Principal checked)
//! evaluate_trust(&PolicyDocument, &Caller, action, &Context) -> Decision
//!     Request { action, resource, context }
//!     NamedPolicy { name, policy_type, version, document }
//!     Caller::{Account, User, AssumedRole, Service, Federated}
//! Decision { effect: Effect::{Allow, ExplicitDeny, ImplicitDeny}, reasons: Vec<Reason> }
//!     is_allowed(), explain(), intersect(other) (both must allow), union(other) (either)
//! ```
//!
//! ```
//! use rampart_policy::{evaluate, parse, Context, DocumentKind, NamedPolicy, Request};
//!
//! let doc = parse(
//!     r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"kms:GetSecretValue",
//!         "Resource":"acs:kms:*:*:secret/app/*",
//!         "Condition":{"IpAddress":{"acs:SourceIp":"10.0.0.0/8"}}}]}"#,
//!     DocumentKind::Identity,
//! )?;
//! let context = Context::new().with("acs:SourceIp", "10.1.2.3");
//! let policies = [NamedPolicy { name: "ReadApp", policy_type: "Custom", version: "v1", document: &doc }];
//! let request = Request {
//!     action: "kms:GetSecretValue",
//!     resource: "acs:kms:cn-hangzhou:123:secret/app/db",
//!     context: &context,
//! };
//! let decision = evaluate(&policies, &request);
//! assert!(decision.is_allowed());
//! assert_eq!(decision.explain(), "allowed by statement 1 of Custom policy `ReadApp` version v1");
//! # Ok::<(), rampart_policy::PolicyError>(())
//! ```
//!
//! # Decisions (where behaviour.md §4 leaves a choice)
//!
//! - **Codes.** Grammar and JSON errors: `MalformedPolicyDocument` (STS session
//!   policies: `InvalidParameter.PolicyGrammar`). Too long: RAM's
//!   `InvalidParameter.<Param>.Length` pattern, `InvalidParameter.PolicyDocument.Length`
//!   (identity, resource) and `InvalidParameter.AssumeRolePolicyDocument.Length`
//!   (trust); STS's `InvalidParameter.PolicySize` for session policies. All are HTTP 400.
//! - **Size limits**, in characters: 6144 for every RAM document (the SDK's
//!   `PolicyDocument` limit; no trust-policy limit is documented, so it shares
//!   it), 2048 for session policies (the SDK's AssumeRole `Policy` limit).
//! - **`NotResource`** is refused (`MalformedPolicyDocument`): no RAM document
//!   describes it, and a policy Rampart accepts should also work on RAM.
//! - **Strictness.** Field names and `Effect`, operator and principal-type names
//!   are case-sensitive; unknown or repeated fields are errors (with a "did you
//!   mean" for a case slip). `Version` must be the string `"1"`. `Id`,
//!   `...IfExists` and `ForAnyValue:`/`ForAllValues:` are not RAM syntax and are refused.
//! - **Fields by kind.** Identity and session: `Resource` required, `Principal`
//!   refused. Trust: `Principal` required, `Resource` refused. Resource policies:
//!   both required. Resources must be `*` or start with `acs:`.
//! - **Missing keys.** Every `Not*` operator (`StringNotEquals`,
//!   `StringNotEqualsIgnoreCase`, `StringNotLike`, `NumericNotEquals`,
//!   `DateNotEquals`, `NotIpAddress`) is the exact negation of its positive twin,
//!   so an absent key makes positive operators false and `Not*` operators true,
//!   as AWS IAM does. A context value that does not parse (a number, date, bool
//!   or IP) matches nothing, so its `Not*` operator is true.
//! - **Multi-valued keys** (`kms:tag/<key>`): a positive operator holds when any
//!   context value matches any policy value.
//! - **Values.** Numbers and booleans in conditions are stringified. Dates are
//!   RFC 3339 (`2012-11-11T23:59:59Z`; fraction and offset optional, no zone means
//!   UTC), a bare date (midnight UTC) or integer epoch seconds. IP values are
//!   IPv4/IPv6 addresses or CIDR blocks; an IPv4-mapped IPv6 source address
//!   matches IPv4 blocks. Policy values that do not parse are grammar errors.
//! - **Matching.** Actions case-insensitively (ASCII), resources and `StringLike`
//!   case-sensitively; `*` is any run of characters, `?` exactly one.
//! - **Principals.** `RAM: acs:ram::<uid>:root` (or the bare `<uid>`) matches the
//!   account, its users and its role sessions; `…:user/<n>`, `…:role/<n>` (any
//!   session of that role) and `…:assumed-role/<role>/<session>` match those only;
//!   `RAM: "*"` any RAM identity. `Service` names match only a [`Caller::Service`]
//!   (case-insensitively), so a RAM user never matches a service-only trust policy.
//!   `"Principal": "*"` matches every caller. Wildcards are allowed in names.
//! - **Reasons.** Evaluation stops at the first matching `Deny` (policy order,
//!   then statement order), which is the one reason of an explicit deny; an
//!   allow names the first matching `Allow`. Statement numbers are 1-based.
//! - **Speed.** Patterns are compiled at parse time (any / exact / prefix /
//!   suffix / segment glob), action patterns lowercased once, each statement
//!   keeps the `service:` prefix its actions share for a one-compare reject,
//!   and context values are read as numbers, dates, booleans and IPs once, when
//!   inserted. A decision allocates only its one [`Reason`], unless many
//!   wildcard patterns read the same request string (below).
//! - **Cost bounds.** Matching a wildcard pattern takes time linear in the text
//!   whatever the pattern (no backtracking: a segment with `?` runs a compiled
//!   bit-parallel automaton). A decision reading many patterns (a user may have
//!   35 custom policies of 6,144 characters in force) indexes the action, the
//!   resource and each `StringLike` context value once, after 64 wildcard
//!   matches against it, and then matches each pattern by reading the pattern
//!   rather than the text, so a decision costs about the characters of the
//!   policies in force × ⌈request string length / 64⌉ word operations. Parsing
//!   is linear in the document too.
//! - **Principals outside trust evaluation.** [`evaluate`] has no caller, so a
//!   statement with a `Principal` never applies there; use [`evaluate_as`].

mod condition;
mod context;
mod date;
mod document;
mod error;
mod eval;
mod glob;
mod index;
mod ip;
mod json;
mod parse;
mod pattern;
mod principal;

pub use condition::{Condition, Operator, OPERATORS};
pub use context::Context;
pub use document::{DocumentKind, PolicyDocument, Statement, StatementEffect};
pub use error::{codes, PolicyError};
pub use eval::{
    evaluate, evaluate_as, evaluate_trust, Decision, Effect, NamedPolicy, Reason, Request,
};
pub use ip::IpNet;
pub use parse::parse;
pub use pattern::Pattern;
pub use principal::{Caller, Principal};
