//! The Alibaba Cloud RPC protocol, shared by every product Rampart serves.
//!
//! One request's path: [`decode`] (product, action, parameters, format) →
//! [`auth::authenticate`] (signature V1/V3, clock window, nonce replay,
//! principal) → authorize (the action table gives action name and
//! resource) → the action's handler → [`encode`] (JSON or XML, RequestId,
//! error envelope).

pub mod auth;
pub mod decode;
pub mod encode;
mod kms;
mod params;
mod products;
mod ram;
pub mod sign;
mod sts;

use rampart_core::authz::AccessRequest;
use rampart_core::{ApiError, Principal, Rampart};
use serde_json::{Map, Value};

pub use decode::{Format, RpcRequest};
pub use encode::RpcResponse;
pub use params::Params;
pub use products::{action_table, ActionSpec, Product, Support};

/// What a handler sees: the domain, the verified caller, the parameters.
pub struct Ctx<'a> {
    /// The domain service.
    pub rampart: &'a Rampart,
    /// Who signed the request.
    pub principal: &'a Principal,
    /// Decoded parameters.
    pub params: &'a Params,
    /// The request's peer address.
    pub source_ip: Option<&'a str>,
    /// Whether the request came over TLS.
    pub secure: bool,
}

impl Ctx<'_> {
    /// The access request for `action` on `resource` from this request.
    pub fn access<'b>(&'b self, action: &'b str, resource: &'b str) -> AccessRequest<'b> {
        AccessRequest {
            action,
            resource,
            source_ip: self.source_ip,
            secure_transport: self.secure,
            extra: None,
            resource_policy: None,
        }
    }

    /// Authorizes a second resource of the same call (e.g. the policy of an
    /// attach operation).
    pub fn authorize(&self, action: &str, resource: &str) -> Result<(), ApiError> {
        self.rampart
            .authorize(self.principal, &self.access(action, resource))
    }
}

/// A handler's successful result: the response fields besides `RequestId`.
pub type Output = Map<String, Value>;

/// The gateway: decodes, authenticates, authorizes and dispatches requests.
#[derive(Debug, Clone)]
pub struct Gateway {
    rampart: Rampart,
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
    /// Error code if the call failed.
    pub error_code: Option<String>,
    /// HTTP status.
    pub status: u16,
    /// The request id.
    pub request_id: String,
}

impl Gateway {
    /// A gateway over the domain.
    pub fn new(rampart: Rampart) -> Self {
        Self { rampart }
    }

    /// The domain service.
    pub fn rampart(&self) -> &Rampart {
        &self.rampart
    }

    /// Handles one RPC request from start to end.
    pub fn handle(&self, req: &RpcRequest) -> (RpcResponse, Outcome) {
        let request_id = uuid::Uuid::new_v4().to_string().to_uppercase();
        let decoded = decode::decode(req);
        let format = decoded
            .as_ref()
            .map(|d| d.format)
            .unwrap_or(decode::format_of(req));
        let mut outcome = Outcome {
            request_id: request_id.clone(),
            ..Default::default()
        };
        let result = decoded.and_then(|d| {
            outcome.product = Some(d.product.code());
            outcome.action = Some(d.action.clone());
            self.dispatch(req, &d, &mut outcome).map(|out| (d, out))
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
        outcome.status = resp.status;
        (resp, outcome)
    }

    fn dispatch(
        &self,
        req: &RpcRequest,
        d: &decode::Decoded,
        outcome: &mut Outcome,
    ) -> Result<Output, ApiError> {
        let spec = match products::find(d.product, &d.action) {
            Support::Implemented(spec) => spec,
            Support::NotImplemented => {
                return Err(ApiError::new(
                    400,
                    "InvalidAction.NotImplemented",
                    format!(
                        "The action `{}` of {} (version {}) is not implemented by Rampart yet; see the compatibility table in the README.",
                        d.action,
                        d.product.code(),
                        d.product.version()
                    ),
                ))
            }
            Support::Unknown => {
                return Err(ApiError::new(
                    404,
                    "InvalidAction.NotFound",
                    format!(
                        "Specified api is not found, please check your url and method. (`{}` is not an action of {} version {}.)",
                        d.action,
                        d.product.code(),
                        d.product.version()
                    ),
                ))
            }
        };
        let principal = auth::authenticate(&self.rampart, req, d)?;
        outcome.principal = Some(principal.arn());
        let ctx = Ctx {
            rampart: &self.rampart,
            principal: &principal,
            params: &d.params,
            source_ip: req.source_ip.as_deref(),
            secure: req.secure,
        };
        if let Some(resource_fn) = spec.resource {
            let resource = resource_fn(&ctx)?;
            let action = format!("{}:{}", d.product.service(), spec.name);
            match spec.auth_extra {
                None => ctx.authorize(&action, &resource)?,
                Some(extra_fn) => {
                    let (extra, policy) = extra_fn(&ctx)?;
                    let mut access = ctx.access(&action, &resource);
                    access.extra = Some(&extra);
                    access.resource_policy = policy.as_deref();
                    self.rampart.authorize(&principal, &access)?;
                }
            }
        }
        (spec.handler)(&ctx)
    }
}
