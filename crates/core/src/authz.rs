//! Authorization: may this principal perform this action on this resource?
//!
//! The account root is always allowed on its own resources. A RAM user is
//! decided by the policies attached to it and to its groups; a role session
//! by the role's policies, narrowed by the session policy if it has one
//! (both must allow). Explicit Deny wins, then Allow, else implicit deny. A
//! denial is reported as `NoPermission` with the statements behind it.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use rampart_policy::{
    evaluate, evaluate_as, parse, Context, Decision, DocumentKind, Effect, NamedPolicy,
    PolicyDocument, Request,
};
use rampart_store::{EffectivePolicy, PolicyType};

use crate::error::AccessDeniedDetail;
use crate::ram::system::system_policy;
use crate::{ApiError, Principal, Rampart};

/// What is being asked: the action (`ram:CreateUser`) and resource ARN.
#[derive(Debug, Clone)]
pub struct AccessRequest<'a> {
    /// `<service>:<Action>`.
    pub action: &'a str,
    /// The resource ARN.
    pub resource: &'a str,
    /// Source IP of the request, for `acs:SourceIp`.
    pub source_ip: Option<&'a str>,
    /// Whether the request came over TLS, for `acs:SecureTransport`.
    pub secure_transport: bool,
    /// Service condition keys (`kms:tag/<key>`), if any.
    pub extra: Option<&'a Context>,
    /// The resource's own policy (a secret policy), evaluated together with
    /// the identity policies: either may allow, any explicit deny wins.
    pub resource_policy: Option<&'a PolicyDocument>,
}

/// Parsed policy documents, keyed by their text (a document's text fully
/// determines its meaning, so the cache can never be stale). At most
/// [`CACHE_MAX`] documents and [`CACHE_MAX_BYTES`] of text; beyond either it
/// starts over.
#[derive(Default)]
pub struct PolicyCache {
    docs: RwLock<Docs>,
}

#[derive(Default)]
struct Docs {
    parsed: HashMap<(DocumentKind, String), Arc<PolicyDocument>>,
    /// The texts' bytes.
    bytes: usize,
}

impl std::fmt::Debug for PolicyCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PolicyCache")
    }
}

/// Documents the policy cache keeps.
const CACHE_MAX: usize = 10_000;
/// Bytes of document text the policy cache keeps (a parsed document takes
/// about three times its text).
const CACHE_MAX_BYTES: usize = 8 * 1024 * 1024;

impl PolicyCache {
    /// The parsed form of a stored document.
    pub fn get(&self, kind: DocumentKind, text: &str) -> Result<Arc<PolicyDocument>, ApiError> {
        {
            let docs = self.docs.read().unwrap_or_else(|e| e.into_inner());
            if let Some(d) = docs.parsed.get(&(kind, text.to_string())) {
                return Ok(d.clone());
            }
        }
        let doc = Arc::new(parse(text, kind).map_err(|e| {
            ApiError::internal(format!("a stored policy no longer parses: {}", e.message))
        })?);
        let mut docs = self.docs.write().unwrap_or_else(|e| e.into_inner());
        if docs.parsed.len() >= CACHE_MAX || docs.bytes + text.len() > CACHE_MAX_BYTES {
            docs.parsed.clear();
            docs.bytes = 0;
        }
        if docs
            .parsed
            .insert((kind, text.to_string()), doc.clone())
            .is_none()
        {
            docs.bytes += text.len();
        }
        Ok(doc)
    }
}

/// A policy in force for a principal, parsed.
pub(crate) struct Loaded {
    name: String,
    ptype: &'static str,
    version: String,
    doc: Arc<PolicyDocument>,
}

impl Rampart {
    /// The request context: global keys plus the request's service keys.
    pub fn context_for(&self, req: &AccessRequest<'_>) -> Context {
        self.context_of(None, req)
    }

    /// [`Self::context_for`] a principal: `acs:MFAPresent` is `true` and
    /// `acs:MFAAge` set for a console session whose logon proved an MFA
    /// code and for role sessions assumed from one.
    pub fn context_of(&self, principal: Option<&Principal>, req: &AccessRequest<'_>) -> Context {
        let mut ctx = req.extra.cloned().unwrap_or_default();
        if let Some(ip) = req.source_ip {
            ctx.set("acs:SourceIp", vec![ip.to_string()]);
        }
        ctx.set("acs:CurrentTime", vec![crate::time::format(self.now())]);
        ctx.set(
            "acs:SecureTransport",
            vec![req.secure_transport.to_string()],
        );
        match principal.and_then(Principal::mfa_at) {
            Some(at) => {
                ctx.set("acs:MFAPresent", vec!["true".into()]);
                ctx.set("acs:MFAAge", vec![(self.now() - at).max(0).to_string()]);
            }
            None => ctx.set("acs:MFAPresent", vec!["false".into()]),
        }
        ctx
    }

    fn load(&self, effective: Vec<EffectivePolicy>) -> Result<Vec<Loaded>, ApiError> {
        let mut out = Vec::with_capacity(effective.len());
        for e in effective {
            match e.policy_type {
                PolicyType::System => {
                    if let Some(sp) = system_policy(&e.policy_name) {
                        out.push(Loaded {
                            name: e.policy_name,
                            ptype: "System",
                            version: "v1".into(),
                            doc: sp.parsed.clone(),
                        });
                    }
                }
                PolicyType::Custom => out.push(Loaded {
                    doc: self.policy_cache.get(DocumentKind::Identity, &e.document)?,
                    name: e.policy_name,
                    ptype: "Custom",
                    version: format!("v{}", e.version),
                }),
            }
        }
        Ok(out)
    }

    /// The decision for a principal (root: always allowed).
    pub fn decide(
        &self,
        principal: &Principal,
        req: &AccessRequest<'_>,
    ) -> Result<Decision, ApiError> {
        if principal.is_root() {
            ledger::note(req.action, req.resource);
            return Ok(Decision {
                effect: Effect::Allow,
                reasons: Vec::new(),
            });
        }
        let loaded = match principal {
            Principal::Root { .. } => return Err(ApiError::internal("root has no policies")),
            Principal::User { user_id, .. } => self.reads.policies.get_or_load(
                self.store.generation(),
                &format!("u/{user_id}"),
                || {
                    self.load(
                        self.store
                            .effective_policies_for_user(user_id)
                            .map_err(ApiError::internal)?,
                    )
                    .map(Arc::new)
                },
            )?,
            Principal::AssumedRole {
                role_id, role_name, ..
            } => {
                self.reads.policies.get_or_load(
                    self.store.generation(),
                    &format!("r/{role_name}/{role_id}"),
                    || match self.store.get_role(role_name).map_err(ApiError::internal)? {
                        Some(r) if &r.role_id == role_id => self
                            .load(
                                self.store
                                    .effective_policies_for_role(role_id)
                                    .map_err(ApiError::internal)?,
                            )
                            .map(Arc::new),
                        // The role was deleted (or replaced): the session has no rights.
                        _ => Ok(Arc::new(Vec::new())),
                    },
                )?
            }
        };
        let session_doc = match principal {
            Principal::AssumedRole {
                session_policy: Some(p),
                ..
            } => Some(self.policy_cache.get(DocumentKind::Session, p)?),
            _ => None,
        };
        // Only conditions read the context: without any, none is built.
        let needs_context = loaded.iter().any(|l| l.doc.has_conditions())
            || req.resource_policy.is_some_and(|d| d.has_conditions())
            || session_doc.as_ref().is_some_and(|d| d.has_conditions());
        let context = if needs_context {
            self.context_of(Some(principal), req)
        } else {
            Context::new()
        };
        let request = Request {
            action: req.action,
            resource: req.resource,
            context: &context,
        };
        let named: Vec<NamedPolicy<'_>> = loaded
            .iter()
            .map(|l| NamedPolicy {
                name: &l.name,
                policy_type: l.ptype,
                version: &l.version,
                document: &l.doc,
            })
            .collect();
        // Identity and resource policies: either may allow.
        let mut decision = evaluate(&named, &request);
        if let Some(doc) = req.resource_policy {
            let resource = evaluate_as(
                &[NamedPolicy {
                    name: "default",
                    policy_type: "Resource",
                    version: "",
                    document: doc,
                }],
                &principal.as_caller(),
                &request,
            );
            decision = decision.union(resource);
        }
        // A session policy narrows every grant, a resource policy's too.
        if let Some(doc) = session_doc {
            let session = evaluate(
                &[NamedPolicy {
                    name: "session",
                    policy_type: "Session",
                    version: "v1",
                    document: &doc,
                }],
                &request,
            );
            decision = decision.intersect(session);
        }
        if decision.effect == Effect::ImplicitDeny && self.self_service(principal, req)? {
            decision = Decision {
                effect: Effect::Allow,
                reasons: Vec::new(),
            };
        }
        if decision.is_allowed() {
            ledger::note(req.action, req.resource);
        }
        Ok(decision)
    }

    /// Whether the security preference lets a RAM user do this to itself
    /// without a policy: manage its own AccessKeys
    /// (`AllowUserToManageAccessKeys`), its own MFA device
    /// (`AllowUserToManageMFADevices`; binding and unbinding it only in a
    /// console session), change its own password
    /// (`AllowUserToChangePassword`). An explicit deny still wins.
    fn self_service(
        &self,
        principal: &Principal,
        req: &AccessRequest<'_>,
    ) -> Result<bool, ApiError> {
        let Principal::User {
            account_id,
            user_name,
            access_key_id,
            ..
        } = principal
        else {
            return Ok(false);
        };
        let Some(("ram" | "ims", action)) = req.action.split_once(':') else {
            return Ok(false);
        };
        // Binding or removing an MFA device with only an AccessKey would let
        // a stolen key set or strip the console's second factor: the
        // preference covers these only in a console session (whose logon
        // proved the password, and the code of a bound device); through an
        // AccessKey they need an explicit allow.
        if matches!(action, "BindMFADevice" | "UnbindMFADevice") && !access_key_id.is_empty() {
            return Ok(false);
        }
        // Its own user, or the MFA device named after it.
        let own = format!("acs:ram:*:{account_id}:user/{user_name}");
        let own_mfa = format!("acs:ram:*:{account_id}:mfa/{user_name}");
        if req.resource != own && req.resource != own_mfa {
            return Ok(false);
        }
        let kind = match action {
            "CreateAccessKey"
            | "DeleteAccessKey"
            | "UpdateAccessKey"
            | "ListAccessKeys"
            | "GetAccessKeyLastUsed" => 0,
            "ChangePassword" => 1,
            "CreateVirtualMFADevice"
            | "BindMFADevice"
            | "UnbindMFADevice"
            | "DeleteVirtualMFADevice"
            | "GetUserMFAInfo" => 2,
            _ => return Ok(false),
        };
        if req.resource == own_mfa && kind != 2 {
            return Ok(false);
        }
        let pref = self.security_preference()?;
        Ok(match kind {
            0 => pref.allow_user_to_manage_access_keys,
            1 => pref.allow_user_to_change_password,
            _ => pref.allow_user_to_manage_mfa_devices,
        })
    }

    /// Decides a request; `Err(NoPermission)` explains a denial.
    pub fn authorize(
        &self,
        principal: &Principal,
        req: &AccessRequest<'_>,
    ) -> Result<(), ApiError> {
        let decision = self.decide(principal, req)?;
        if decision.is_allowed() {
            return Ok(());
        }
        // The policy and statement behind a denial are named only inside the
        // sealed diagnostic (`ram:DecodeDiagnosticMessage` reads it), never
        // in the plain message: a caller learns no policy names it may not
        // read.
        if tracing::enabled!(tracing::Level::DEBUG) {
            let explanation = match decision.effect {
                Effect::ImplicitDeny if decision.reasons.is_empty() => {
                    "no policy allows it".to_string()
                }
                _ => decision.explain(),
            };
            tracing::debug!(principal = %principal.arn(), action = req.action, resource = req.resource, %explanation, "denied");
        }
        let kind = if decision.effect == Effect::ExplicitDeny {
            "ExplicitDeny"
        } else {
            "ImplicitDeny"
        };
        let mut e = no_permission(principal, req, kind);
        if let Some(d) = e.access_denied.as_mut() {
            d.encoded_diagnostic_message =
                self.encode_diagnostic(&self.diagnose(principal, req, &decision));
        }
        Err(e)
    }
}

/// The resources a request was allowed to act on, as they were authorized.
///
/// A request runs on one thread from authentication to response (the
/// gateway never awaits in between), so the ledger is kept per thread: the
/// gateway opens it before authorizing and takes it after the handler, and
/// every allowed decision in between (the caller's, and those of a service
/// role acting for it, such as Secrets Manager's during a rotation) is
/// written to it. The audit record names these resources.
pub mod ledger {
    use std::cell::RefCell;

    /// Most entries kept for one request (a batch names at most a few dozen).
    const MAX_ENTRIES: usize = 256;

    thread_local! {
        static LEDGER: RefCell<Option<Vec<(String, String)>>> = const { RefCell::new(None) };
    }

    /// Starts recording on this thread (dropping anything recorded before).
    pub fn open() {
        LEDGER.with(|l| *l.borrow_mut() = Some(Vec::new()));
    }

    /// Stops recording; returns `(action, resource)` of each allowed decision.
    pub fn take() -> Vec<(String, String)> {
        LEDGER.with(|l| l.borrow_mut().take().unwrap_or_default())
    }

    /// Records an allowed decision, if a ledger is open.
    pub fn note(action: &str, resource: &str) {
        LEDGER.with(|l| {
            if let Some(v) = l.borrow_mut().as_mut() {
                if v.len() < MAX_ENTRIES && !v.iter().any(|(a, r)| a == action && r == resource) {
                    v.push((action.to_string(), resource.to_string()));
                }
            }
        });
    }
}

/// The `NoPermission` error for a denied request.
pub fn no_permission(
    principal: &Principal,
    req: &AccessRequest<'_>,
    kind: &'static str,
) -> ApiError {
    let (ptype, display) = match principal {
        Principal::Root { account_id, .. } => ("Account", account_id.clone()),
        Principal::User { user_name, .. } => ("SubUser", user_name.clone()),
        Principal::AssumedRole {
            role_name,
            session_name,
            ..
        } => ("AssumedRoleUser", format!("{role_name}/{session_name}")),
    };
    let mut e = ApiError::of(crate::codes::NO_PERMISSION,
        format!(
            "You are not authorized to do this action. Resource: {} Action: {} ({kind}; AccessDeniedDetail.EncodedDiagnosticMessage names the policy behind it, for a caller allowed ram:DecodeDiagnosticMessage)",
            req.resource, req.action
        ),
    );
    e.access_denied = Some(Box::new(AccessDeniedDetail {
        no_permission_type: kind,
        auth_action: req.action.to_string(),
        auth_principal_type: ptype,
        auth_principal_display_name: display,
        auth_principal_owner_id: principal.account_id().to_string(),
        policy_type: "AccountLevelIdentityBasedPolicy",
        encoded_diagnostic_message: String::new(),
    }));
    e
}
