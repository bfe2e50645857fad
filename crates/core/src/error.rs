//! Errors as the Alibaba wire carries them (status, code, message, denial detail).

use std::borrow::Cow;
use std::sync::atomic::AtomicU64;

/// How many internal (store or crypto) errors happened, for metrics.
pub static INTERNAL_ERRORS: AtomicU64 = AtomicU64::new(0);

/// An error as the Alibaba wire carries it: HTTP status, `Code`, `Message`,
/// and for permission errors the `AccessDeniedDetail`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status.
    pub status: u16,
    /// Alibaba error code, e.g. `EntityNotExist.User`.
    pub code: Cow<'static, str>,
    /// Human message: what is wrong and what to fix.
    pub message: String,
    /// Why a permission check failed, when it did.
    pub access_denied: Option<Box<AccessDeniedDetail>>,
}

/// The `AccessDeniedDetail` of a `NoPermission` error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessDeniedDetail {
    /// `ImplicitDeny` or `ExplicitDeny`.
    pub no_permission_type: &'static str,
    /// The action checked, e.g. `ram:ListUsers`.
    pub auth_action: String,
    /// `SubUser`, `AssumedRoleUser`, …
    pub auth_principal_type: &'static str,
    /// The caller's display name (user name or role/session).
    pub auth_principal_display_name: String,
    /// The account id.
    pub auth_principal_owner_id: String,
    /// The kind of policy that decided (`AccountLevelIdentityBasedPolicy`, …).
    pub policy_type: &'static str,
    /// The full diagnosis, sealed so that only the account can decode it
    /// (`DecodeDiagnosticMessage`).
    pub encoded_diagnostic_message: String,
}

impl ApiError {
    /// An error with one of the fixed codes of [`crate::codes`].
    pub fn of(code: crate::codes::Code, message: impl Into<String>) -> Self {
        Self::new(code.status, code.code, message)
    }

    /// Whether this error has `code`.
    pub fn is(&self, code: crate::codes::Code) -> bool {
        self.code == code.code
    }

    /// An error with a fixed code (prefer [`Self::of`] with a code of
    /// [`crate::codes`]).
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code: Cow::Borrowed(code),
            message: message.into(),
            access_denied: None,
        }
    }

    /// An error whose code is built at run time (`InvalidParameter.UserName.Length`).
    pub fn dynamic(status: u16, code: String, message: impl Into<String>) -> Self {
        Self {
            status,
            code: Cow::Owned(code),
            message: message.into(),
            access_denied: None,
        }
    }

    /// 400 `MissingParameter` (Alibaba's wording).
    pub fn missing(name: &str) -> Self {
        Self::dynamic(
            400,
            "MissingParameter".to_string(),
            format!("The input parameter \"{name}\" that is mandatory for processing this request is not supplied."),
        )
    }

    /// 400 `InvalidParameter.<name>` with a message saying what is expected.
    pub fn invalid(name: &str, message: impl Into<String>) -> Self {
        Self::dynamic(400, format!("InvalidParameter.{name}"), message)
    }

    /// 400 `InvalidParameter`: text with a NUL character, which no store
    /// keeps alike (the store's `NulInText`).
    pub fn nul_in_text() -> Self {
        Self::new(
            400,
            "InvalidParameter",
            "The specified parameter is not valid: text may not hold a NUL character.",
        )
    }

    /// 500 `InternalError`; the detail goes to the log, not to the client.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        INTERNAL_ERRORS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        tracing::error!(%detail, "internal error");
        Self::new(500, "InternalError", "An internal error occurred.")
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {}", self.code, self.status, self.message)
    }
}

impl std::error::Error for ApiError {}

/// Longest piece of a request echoed back in an error message.
pub const ECHO_MAX: usize = 64;

/// `s` cut to [`ECHO_MAX`] characters, for an error message.
pub fn echo(s: &str) -> Cow<'_, str> {
    match s.char_indices().nth(ECHO_MAX) {
        Some((i, _)) => format!("{}…", &s[..i]).into(),
        None => s.into(),
    }
}
