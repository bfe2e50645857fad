//! The Alibaba Cloud RPC protocol, shared by every product Rampart serves.
//!
//! One request's path: [`decode`] (product, action, parameters, format) →
//! [`auth::authenticate`] (signature V1/V3, clock window, nonce replay,
//! principal) → authorize (the action table gives action name and
//! resource) → the action's handler → [`encode`] (JSON or XML, RequestId,
//! error envelope).

pub mod action;
pub mod auth;
pub mod authorize;
pub mod decode;
pub mod encode;
mod ims;
mod ims_federation;
mod ims_groups;
mod ims_tags;
mod ims_users;
mod kms;
mod kms_asym;
pub mod on;
mod params;
mod products;
mod qr;
mod ram;
mod ram_account;
mod ram_tags;
mod ram_tools;
mod respond;
pub mod sign;
mod sts;
pub mod target;
mod trail;

use rampart_core::authz::ledger;
use rampart_core::{ApiError, Principal, Rampart};

pub use decode::{Format, RpcRequest};
pub use encode::RpcResponse;
pub use params::Params;
pub use products::{action_table, known_actions, ActionSpec, Product, Support};

/// What a handler sees besides its entities and its request (see
/// [`action`]): the domain, the verified caller and where the request came
/// from. It holds neither the target nor the parameters, so a handler
/// reads only what its signature declares.
pub struct Ctx<'a> {
    /// The domain service.
    pub rampart: &'a Rampart,
    /// Who signed the request.
    pub principal: &'a Principal,
    /// The request's peer address.
    pub source_ip: Option<&'a str>,
    /// Whether the request came over TLS.
    pub secure: bool,
    /// The product of the action.
    pub product: Product,
}

/// What an anonymous action's handler sees besides its request: the domain
/// and where the request came from (no caller: the request proves who it is
/// by what it carries).
pub struct AnonymousCtx<'a> {
    /// The domain service.
    pub rampart: &'a Rampart,
    /// The request's peer address.
    pub source_ip: Option<&'a str>,
    /// Whether the request came over TLS.
    pub secure: bool,
}

/// One authenticated call of an action.
#[derive(Clone, Copy)]
struct Call<'a> {
    spec: &'a ActionSpec,
    product: Product,
    principal: &'a Principal,
    params: &'a Params,
    source_ip: Option<&'a str>,
    secure: bool,
}

pub use respond::Output;

/// The gateway: decodes, authenticates, authorizes and dispatches requests.
#[derive(Debug, Clone)]
pub struct Gateway {
    rampart: Rampart,
    costly: std::sync::Arc<Inflight>,
}

/// Costly requests ([`ActionSpec::costly`]) each principal has running.
#[derive(Debug, Default)]
struct Inflight(std::sync::Mutex<std::collections::HashMap<String, u32>>);

/// Costly requests one principal may have running at once; more are
/// refused (429) so that one caller cannot queue the pool full.
pub const COSTLY_PER_PRINCIPAL: u32 = 2;

/// A principal's slot for a costly request, given back when dropped.
struct Slot<'a> {
    inflight: &'a Inflight,
    who: String,
}

impl Inflight {
    fn take(&self, who: String) -> Option<Slot<'_>> {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let n = map.entry(who.clone()).or_insert(0);
        if *n >= COSTLY_PER_PRINCIPAL {
            return None;
        }
        *n += 1;
        Some(Slot {
            inflight: self,
            who,
        })
    }
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        let mut map = self.inflight.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = map.get_mut(&self.who) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                map.remove(&self.who);
            }
        }
    }
}

/// The refusal of a costly request beyond [`COSTLY_PER_PRINCIPAL`]:
/// KMS's `Rejected.Throttling`, `Throttling.User` elsewhere.
fn throttled(product: Product) -> ApiError {
    match product {
        Product::Kms => rampart_core::costly::throttled(),
        _ => ApiError::of(rampart_core::codes::THROTTLING_USER,
            "Request was denied due to user flow control: too many costly requests (key generation, password hashing) of this caller are running; retry shortly.",
        ),
    }
}

/// What was done, for logs and the audit trail.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// Product code (`Ram`, `Sts`, `Kms`) if known.
    pub product: Option<&'static str>,
    /// Action name if given.
    pub action: Option<String>,
    /// The caller's ARN if authenticated.
    pub principal: Option<String>,
    /// The AccessKeyId that signed (empty for a console session).
    pub access_key_id: Option<String>,
    /// The resource ARN the call was authorized on (the first of `authorized`).
    pub resource: Option<String>,
    /// Every `(action, resource)` the call was allowed, in order: the
    /// caller's, and those of a service role acting for it.
    pub authorized: Vec<(String, String)>,
    /// Error code if the call failed.
    pub error_code: Option<String>,
    /// HTTP status.
    pub status: u16,
    /// The request id.
    pub request_id: String,
    /// How the audit trail records the call: what the action's table entry
    /// declares; `None` when no action of a product was named.
    pub event_rw: Option<rampart_core::audit::EventRw>,
}

impl Gateway {
    /// A gateway over the domain.
    pub fn new(rampart: Rampart) -> Self {
        Self {
            rampart,
            costly: std::sync::Arc::default(),
        }
    }

    /// The domain service.
    pub fn rampart(&self) -> &Rampart {
        &self.rampart
    }

    /// Handles one RPC request from start to end.
    pub fn handle(&self, req: &RpcRequest) -> (RpcResponse, Outcome) {
        match self.handle_deferred(req) {
            Handled::Done(resp, outcome) => (resp, outcome),
            Handled::Awaiting(unsettled, nonce) => self.settle(unsettled, nonce.wait()),
        }
    }

    /// [`Self::handle`], except that an action that changes nothing
    /// ([`ActionSpec::reads`]) runs while its nonce is being written: its
    /// answer comes back with the nonce's verdict to await, then
    /// [`Self::settle`] it (a replay is refused then).
    pub fn handle_deferred(&self, req: &RpcRequest) -> Handled {
        let request_id = new_request_id();
        let mut outcome = Outcome {
            request_id: request_id.clone(),
            ..Default::default()
        };
        // A V3 signature is checked before the body is decoded: a request
        // whose signature is wrong costs a hash of its body, no parsing.
        let mut signed = None;
        let decoded = match early_signature(&self.rampart, req) {
            Some((product, spec, Err(e))) => {
                outcome.product = Some(product.code());
                outcome.action = Some(spec.name.to_string());
                outcome.event_rw = Some(spec.event_rw());
                Err(e)
            }
            Some((_, _, Ok(s))) => {
                signed = Some(s);
                decode::decode(req)
            }
            None => decode::decode(req),
        };
        let format = decoded
            .as_ref()
            .map(|d| d.format)
            .unwrap_or(decode::format_of(req));
        let mut nonce = None;
        let result = decoded.and_then(|d| {
            outcome.product = Some(d.product.code());
            // Only a name of the product's action table reaches the audit
            // trail, the metrics and the logs; any other is `Unknown`.
            let found = products::known_name(d.product, &d.action);
            let known = found.map(|(name, _)| name);
            outcome.action = Some(known.unwrap_or(UNKNOWN_ACTION).to_string());
            outcome.event_rw = found.map(|(_, rw)| rw);
            let _span = tracing::info_span!("request", product = d.product.code(), action = known.unwrap_or(UNKNOWN_ACTION), request_id = %request_id).entered();
            self.dispatch(req, &d, signed, &mut outcome, &mut nonce)
                .map(|out| (d, out))
        });
        let host_id = outcome
            .product
            .map(|p| products::host_id(p, &self.rampart.settings().region))
            .unwrap_or_else(|| "rampart".into());
        let resp = match result {
            Ok((d, out)) => encode::success(format, &d.action, &request_id, out),
            Err(e) => {
                outcome.error_code = Some(e.code.to_string());
                encode::error(
                    format,
                    &request_id,
                    &host_id,
                    outcome.product.unwrap_or("Unknown"),
                    &e,
                )
            }
        };
        match nonce {
            // The request is gone by the time the verdict comes: what the
            // audit event needs of it is kept.
            Some(n) => Handled::Awaiting(
                Unsettled {
                    resp,
                    outcome,
                    format,
                    host_id,
                    source_ip: req.source_ip.clone(),
                    user_agent: req.header("user-agent").map(str::to_string),
                    key_use: n.key_use,
                },
                n.check,
            ),
            None => {
                let (resp, outcome) = self.conclude(
                    resp,
                    outcome,
                    req.source_ip.as_deref(),
                    req.header("user-agent"),
                );
                Handled::Done(resp, outcome)
            }
        }
    }

    /// The answer to a request of [`Self::handle_deferred`] once its
    /// nonce's verdict is in: a replay is refused, whatever the action
    /// answered.
    pub fn settle(
        &self,
        mut u: Unsettled,
        verdict: rampart_store::StoreResult<bool>,
    ) -> (RpcResponse, Outcome) {
        if let Err(e) = auth::settle(verdict) {
            // A refused replay changes nothing, the key's last use included.
            u.outcome.error_code = Some(e.code.to_string());
            u.resp = encode::error(
                u.format,
                &u.outcome.request_id,
                &u.host_id,
                u.outcome.product.unwrap_or("Unknown"),
                &e,
            );
        } else {
            self.rampart.note_key_use(&u.key_use);
        }
        self.conclude(
            u.resp,
            u.outcome,
            u.source_ip.as_deref(),
            u.user_agent.as_deref(),
        )
    }

    /// Records the answered call in the audit trail.
    fn conclude(
        &self,
        resp: RpcResponse,
        mut outcome: Outcome,
        source_ip: Option<&str>,
        user_agent: Option<&str>,
    ) -> (RpcResponse, Outcome) {
        outcome.status = resp.status;
        self.audit(&outcome, source_ip, user_agent);
        (resp, outcome)
    }

    /// Records a call in the audit trail.
    fn audit(&self, o: &Outcome, source_ip: Option<&str>, user_agent: Option<&str>) {
        let arn = o.principal.clone().unwrap_or_default();
        let (itype, user) = rampart_core::audit::identity_of(&arn);
        let product = o.product.unwrap_or("Unknown");
        let action = o
            .action
            .clone()
            .unwrap_or_else(|| UNKNOWN_ACTION.to_string());
        let rw = o
            .event_rw
            .unwrap_or(rampart_core::audit::EventRw::Write)
            .as_str();
        let event = rampart_store::AuditEvent {
            event_id: uuid::Uuid::now_v7().to_string(),
            event_time: self.rampart.now(),
            event_rw: rw.to_string(),
            event_name: action,
            service_name: product.to_string(),
            event_source: products::host_id(product, &self.rampart.settings().region),
            identity_type: itype.to_string(),
            principal_arn: arn,
            user_name: user,
            access_key_id: o.access_key_id.clone().unwrap_or_default(),
            source_ip: source_ip.unwrap_or_default().to_string(),
            user_agent: user_agent.unwrap_or_default().chars().take(256).collect(),
            resource_name: o.resource.clone().unwrap_or_default(),
            error_code: o.error_code.clone().unwrap_or_default(),
            error_message: String::new(),
            request_id: o.request_id.clone(),
        };
        // A change is on record before it is answered; reads are batched.
        if rw == "Write" && o.error_code.is_none() {
            if let Err(e) = self.rampart.record_durable(event) {
                tracing::warn!(error = %e.message, "the audit event of a change is not written yet; it stays buffered");
            }
        } else {
            self.rampart.record(event);
        }
    }

    fn dispatch(
        &self,
        req: &RpcRequest,
        d: &decode::Decoded,
        signed: Option<auth::SignedV3>,
        outcome: &mut Outcome,
        nonce: &mut Option<auth::Pending>,
    ) -> Result<Output, ApiError> {
        let spec = lookup(d.product, &d.action)?;
        if let Some(anonymous) = spec.anonymous {
            return Self::run_anonymous(&self.rampart, anonymous, req, d, outcome);
        }
        let defer = spec.may_run_before_verdict();
        let (principal, pending) = auth::authenticate(&self.rampart, req, d, defer, signed)?;
        *nonce = pending;
        let call = Call {
            spec,
            product: d.product,
            principal: &principal,
            params: &d.params,
            source_ip: req.source_ip.as_deref(),
            secure: req.secure,
        };
        self.run(&call, outcome)
    }

    /// Runs an anonymous action: no signature, timestamp or nonce is asked
    /// for; the audit trail names whom the request proved to be.
    fn run_anonymous(
        rampart: &Rampart,
        handler: &dyn action::HandleAnonymous,
        req: &RpcRequest,
        d: &decode::Decoded,
        outcome: &mut Outcome,
    ) -> Result<Output, ApiError> {
        let ctx = AnonymousCtx {
            rampart,
            source_ip: req.source_ip.as_deref(),
            secure: req.secure,
        };
        ledger::open();
        let result = handler.run(&ctx, &d.params);
        outcome.authorized = ledger::take();
        outcome.resource = outcome.authorized.first().map(|(_, r)| r.clone());
        let (out, identity) = result?;
        outcome.principal = Some(identity);
        Ok(out)
    }

    /// Resolves what an action acts on, authorizes it, and runs the action
    /// on that target, for an already authenticated principal.
    fn run(&self, call: &Call<'_>, outcome: &mut Outcome) -> Result<Output, ApiError> {
        outcome.principal = Some(call.principal.arn());
        outcome.access_key_id = Some(call.principal.access_key_id().to_string());
        ledger::open();
        let result = self.authorize_and_handle(call);
        outcome.authorized = ledger::take();
        outcome.resource = outcome.authorized.first().map(|(_, r)| r.clone());
        result
    }

    fn authorize_and_handle(&self, call: &Call<'_>) -> Result<Output, ApiError> {
        let Call {
            spec,
            product,
            principal,
            params,
            source_ip,
            secure,
        } = *call;
        let action = format!("{}:{}", product.service(), spec.name);
        let plan = target::Resolver {
            rampart: &self.rampart,
            principal,
            params,
            product,
            action: &action,
        }
        .plan(spec.targets)?;
        let handler_params = params.without(&plan.consumed, &plan.consumed_prefixes);
        // A caller's costly requests are bounded before anything costly runs.
        let _slot = if spec.costly {
            Some(
                self.costly
                    .take(principal.arn())
                    .ok_or_else(|| throttled(product))?,
            )
        } else {
            None
        };
        let authorized = authorize::authorize(
            &self.rampart,
            principal,
            product,
            &authorize::Origin { source_ip, secure },
            plan,
        )?;
        let ctx = Ctx {
            rampart: &self.rampart,
            principal,
            source_ip,
            secure,
            product,
        };
        spec.run(&ctx, authorized.target(), &handler_params)
    }

    /// Runs an action as an already authenticated principal (the console's
    /// session), with the same action table and authorization as the API.
    /// The response is JSON.
    pub fn handle_as(
        &self,
        principal: &Principal,
        product: Product,
        action: &str,
        params: &Params,
        source_ip: Option<&str>,
        secure: bool,
    ) -> (RpcResponse, Outcome) {
        let request_id = new_request_id();
        let found = products::known_name(product, action);
        let mut outcome = Outcome {
            request_id: request_id.clone(),
            product: Some(product.code()),
            action: Some(found.map_or(UNKNOWN_ACTION, |(name, _)| name).to_string()),
            event_rw: found.map(|(_, rw)| rw),
            ..Default::default()
        };
        let result = lookup(product, action).and_then(|spec| {
            let call = Call {
                spec,
                product,
                principal,
                params,
                source_ip,
                secure,
            };
            self.run(&call, &mut outcome)
        });
        let resp = match result {
            Ok(out) => encode::success(Format::Json, action, &request_id, out),
            Err(e) => {
                outcome.error_code = Some(e.code.to_string());
                let host = products::host_id(product.code(), &self.rampart.settings().region);
                encode::error(Format::Json, &request_id, &host, product.code(), &e)
            }
        };
        outcome.status = resp.status;
        self.audit(&outcome, source_ip, Some("rampart-console"));
        (resp, outcome)
    }
}

/// A request handled, answered or waiting for its nonce's verdict.
#[derive(Debug)]
pub enum Handled {
    /// The answer.
    Done(RpcResponse, Outcome),
    /// The answer once the verdict is in ([`Gateway::settle`]).
    Awaiting(Unsettled, rampart_store::NonceCheck),
}

/// An answer that waits for its nonce's verdict.
#[derive(Debug)]
pub struct Unsettled {
    resp: RpcResponse,
    outcome: Outcome,
    format: Format,
    host_id: String,
    source_ip: Option<String>,
    user_agent: Option<String>,
    key_use: rampart_core::account::KeyUse,
}

/// The action name recorded for a request whose action the product does
/// not have.
pub const UNKNOWN_ACTION: &str = "Unknown";

/// Longest piece of a request echoed back in an error message.
const ECHO_MAX: usize = 64;

/// `s` cut to [`ECHO_MAX`] characters for an error message.
fn echo(s: &str) -> std::borrow::Cow<'_, str> {
    match s.char_indices().nth(ECHO_MAX) {
        Some((i, _)) => format!("{}…", &s[..i]).into(),
        None => s.into(),
    }
}

/// KMS reports a permission denial as `Forbidden.NoPermission`; RAM and STS
/// as `NoPermission`.
pub(crate) fn product_denial(product: Product, mut e: ApiError) -> ApiError {
    if product == Product::Kms && e.code == "NoPermission" {
        e.code = std::borrow::Cow::Borrowed("Forbidden.NoPermission");
    }
    e
}

/// The signature of a V3 request checked from its headers, query and body
/// hash ([`auth::verify_v3_signature`]), when its signed headers name an
/// implemented action that needs one; `None` for any other request (it
/// goes the whole way: decoded, looked up, then authenticated).
fn early_signature(
    rampart: &Rampart,
    req: &RpcRequest,
) -> Option<(
    Product,
    &'static ActionSpec,
    Result<auth::SignedV3, ApiError>,
)> {
    let product = Product::from_version(req.header("x-acs-version")?)?;
    let Support::Implemented(spec) = products::find(product, req.header("x-acs-action")?) else {
        return None;
    };
    if spec.anonymous.is_some() {
        return None;
    }
    Some((product, spec, auth::verify_v3_signature(rampart, req)?))
}

/// Finds an implemented action, or the error for an unknown or not yet
/// implemented one.
fn lookup(product: Product, action: &str) -> Result<&'static ActionSpec, ApiError> {
    match products::find(product, action) {
        Support::Implemented(spec) => Ok(spec),
        Support::NotImplemented => Err(ApiError::of(rampart_core::codes::INVALID_ACTION_NOT_IMPLEMENTED,
            format!(
                "The action `{}` of {} (version {}) is not implemented by Rampart yet; see the compatibility table in docs/compatibility.md.",
                echo(action),
                product.code(),
                product.version()
            ),
        )),
        Support::Unknown => Err(ApiError::of(rampart_core::codes::INVALID_ACTION_NOT_FOUND,
            format!(
                "Specified api is not found, please check your url and method. (`{}` is not an action of {} version {}.)",
                echo(action),
                product.code(),
                product.version()
            ),
        )),
    }
}

/// A fresh `RequestId`: an upper-case UUID, as Alibaba Cloud gives.
fn new_request_id() -> String {
    let mut buf = [0u8; uuid::fmt::Hyphenated::LENGTH];
    uuid::Uuid::new_v4()
        .hyphenated()
        .encode_upper(&mut buf)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn costly_requests_are_bounded_per_principal() {
        let inflight = Inflight::default();
        let a = inflight.take("alice".into()).unwrap();
        let b = inflight.take("alice".into()).unwrap();
        assert!(inflight.take("alice".into()).is_none());
        // Another principal is not held up.
        let c = inflight.take("bob".into()).unwrap();
        drop(a);
        let d = inflight.take("alice".into()).unwrap();
        drop((b, c, d));
        assert!(inflight.0.lock().unwrap().is_empty());
        assert_eq!(throttled(Product::Kms).code, "Rejected.Throttling");
        assert_eq!(throttled(Product::Ram).code, "Throttling.User");
        assert_eq!(throttled(Product::Ram).status, 429);
    }
}
