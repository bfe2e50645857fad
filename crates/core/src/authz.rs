//! Authorization: may this principal perform this action on this resource?
//!
//! The account root is always allowed on its own resources. Any other
//! principal is decided by its policies; with none that allows, the answer
//! is an implicit deny, reported as `NoPermission` with the reason.

use crate::error::AccessDeniedDetail;
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
}

impl Rampart {
    /// Decides a request; `Err(NoPermission)` explains a denial.
    pub fn authorize(
        &self,
        principal: &Principal,
        req: &AccessRequest<'_>,
    ) -> Result<(), ApiError> {
        match principal {
            Principal::Root { .. } => Ok(()),
            Principal::User { user_name, .. } => {
                let explanation = format!(
                    "no policy attached to user `{user_name}` or its groups allows `{}` on `{}`",
                    req.action, req.resource
                );
                tracing::debug!(principal = %principal.arn(), action = req.action, resource = req.resource, %explanation, "denied");
                Err(no_permission(principal, req, "ImplicitDeny", explanation))
            }
        }
    }
}

fn no_permission(
    principal: &Principal,
    req: &AccessRequest<'_>,
    kind: &'static str,
    explanation: String,
) -> ApiError {
    let (ptype, display) = match principal {
        Principal::Root { account_id, .. } => ("Account", account_id.clone()),
        Principal::User { user_name, .. } => ("SubUser", user_name.clone()),
    };
    let mut e = ApiError::new(
        403,
        "NoPermission",
        format!(
            "You are not authorized to do this action. Resource: {} Action: {} ({kind}: {explanation})",
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
        explanation,
    }));
    e
}
