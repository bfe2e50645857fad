//! RAM actions that tools call around the entities: decoding a denial's
//! diagnostic message, deleting a service-linked role.

use rampart_core::ApiError;
use serde_json::Map;

use crate::on;
use crate::request;
use crate::respond::field;
use crate::{Ctx, Output};

request! {
    /// `DecodeDiagnosticMessage`.
    pub(crate) struct EncodedDiagnostic {
        encoded: String = required("EncodedDiagnosticMessage"),
    }
}

/// `DecodeDiagnosticMessage`: the diagnosis sealed in an
/// `AccessDeniedDetail.EncodedDiagnosticMessage` of this account.
pub(crate) fn decode_diagnostic_message(
    ctx: &Ctx<'_>,
    _: on::Account,
    r: EncodedDiagnostic,
) -> Result<Output, ApiError> {
    let msg = ctx.rampart.decode_diagnostic_message(&r.encoded)?;
    let mut m = Map::new();
    m.insert(
        "DecodedDiagnosticMessage".into(),
        serde_json::to_value(msg).map_err(ApiError::internal)?,
    );
    Ok(m.into())
}

/// `DeleteServiceLinkedRole`: deletes the role (with its policies) at
/// once, unless its service still uses it.
pub(crate) fn delete_service_linked_role(
    ctx: &Ctx<'_>,
    on::Role(role): on::Role,
    (): (),
) -> Result<Output, ApiError> {
    let task = ctx.rampart.delete_service_linked_role(&role)?;
    field("DeletionTaskId", task)
}
