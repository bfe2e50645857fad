//! RAM actions that tools call around the entities: decoding a denial's
//! diagnostic message, deleting a service-linked role.

use rampart_core::diagnostic::DiagnosticMessage;
use rampart_core::ApiError;
use serde::Serialize;

use crate::on;
use crate::request;
use crate::respond::{answers, key, One};
use crate::Ctx;

answers!(DecodedDiagnostic);

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
) -> Result<DecodedDiagnostic, ApiError> {
    Ok(DecodedDiagnostic {
        decoded_diagnostic_message: ctx.rampart.decode_diagnostic_message(&r.encoded)?,
    })
}

/// `DecodeDiagnosticMessage`: the diagnosis.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct DecodedDiagnostic {
    decoded_diagnostic_message: DiagnosticMessage,
}

/// `DeleteServiceLinkedRole`: deletes the role (with its policies) at
/// once, unless its service still uses it.
pub(crate) fn delete_service_linked_role(
    ctx: &Ctx<'_>,
    on::Role(role): on::Role,
    (): (),
) -> Result<One<key::DeletionTaskId, String>, ApiError> {
    let task = ctx.rampart.delete_service_linked_role(&role)?;
    Ok(One::new(task))
}
