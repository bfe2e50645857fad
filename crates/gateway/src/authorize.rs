//! Authorization of a request's [`Plan`]: every check must pass (a batch
//! entry's checks refuse only that entry), and only then is the resolved
//! target handed on, as an [`Authorized`] that nothing else can make.

use rampart_core::authz::AccessRequest;
use rampart_core::{ApiError, Principal, Rampart};

use crate::target::{Plan, ResourceAuth, Target};
use crate::{product_denial, Product};

/// A request's target once every check of its plan passed.
#[derive(Debug)]
pub struct Authorized {
    target: Target,
}

impl Authorized {
    /// The resolved target.
    pub fn target(&self) -> &Target {
        &self.target
    }
}

/// Where the request came from, for the global condition keys.
pub(crate) struct Origin<'a> {
    pub source_ip: Option<&'a str>,
    pub secure: bool,
}

/// Authorizes every check of `plan` for `principal`. A missing entity's
/// error comes only after its checks passed.
pub(crate) fn authorize(
    rampart: &Rampart,
    principal: &Principal,
    product: Product,
    origin: &Origin<'_>,
    plan: Plan,
) -> Result<Authorized, ApiError> {
    let Plan {
        checks,
        mut target,
        missing,
        ..
    } = plan;
    for c in &checks {
        let mut access = AccessRequest {
            action: &c.action,
            resource: &c.resource,
            source_ip: origin.source_ip,
            secure_transport: origin.secure,
            extra: None,
            resource_policy: None,
        };
        match &c.auth {
            ResourceAuth::None => {}
            ResourceAuth::Key(auth) => {
                access.extra = Some(&auth.context);
                access.resource_policy = auth.policy.as_deref();
            }
            ResourceAuth::Secret(auth) => {
                access.extra = Some(&auth.context);
                access.resource_policy = auth.policy.as_deref();
            }
        }
        if let Err(e) = rampart.authorize(principal, &access) {
            let e = product_denial(product, e);
            match c.item {
                Some(i) => target.refuse_item(i, e),
                None => return Err(e),
            }
        }
    }
    if let Some(e) = missing {
        return Err(e);
    }
    Ok(Authorized { target })
}
