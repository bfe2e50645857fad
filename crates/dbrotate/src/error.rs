//! [`Error`]: why a database operation failed, with the API error code it
//! maps to, and the scrubbing that keeps passwords out of every message.

use std::fmt;

/// Why an operation on a database failed.
///
/// Messages come partly from the database server or its driver; every one
/// is scrubbed of the passwords the operation handled (the admin password,
/// the account's password and the forms derived from them) before it is
/// put in an `Error`, and none carries a statement that held one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// The server could not be reached or did not answer in time
    /// (connection refused, DNS failure, the 10 s connect timeout, a
    /// statement or lock timeout, a connection lost mid-operation).
    Unreachable(String),
    /// The server refused the admin account's credentials.
    AdminAuthFailed(String),
    /// The named account does not exist.
    NoSuchAccount(String),
    /// The admin account lacks a right the operation needs.
    NoPrivilege(String),
    /// An account name breaks the naming rule; nothing was sent to the
    /// server.
    InvalidAccountName(String),
    /// The instance asks for something this crate does not do (TLS to
    /// MySQL/MariaDB or Redis).
    Unsupported(String),
    /// Anything else the server or driver reported.
    Other(String),
}

impl Error {
    /// The API error code for this error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unreachable(_) => "Rotation.InstanceUnreachable",
            Self::AdminAuthFailed(_) => "Rotation.AdminAuthenticationFailed",
            Self::NoSuchAccount(_) => "Rotation.AccountNotFound",
            Self::NoPrivilege(_) => "Rotation.AdminPrivilegeMissing",
            Self::InvalidAccountName(_) => "InvalidParameter.AccountName",
            Self::Unsupported(_) => "Rotation.Unsupported",
            Self::Other(_) => "Rotation.Failed",
        }
    }

    /// A human-readable message (never holding a password).
    pub fn message(&self) -> String {
        match self {
            Self::Unreachable(m) => format!("The database instance cannot be reached: {m}"),
            Self::AdminAuthFailed(m) => {
                format!("The database instance refused the admin account's credentials: {m}")
            }
            Self::NoSuchAccount(name) => {
                format!("The account `{name}` does not exist on the database instance.")
            }
            Self::NoPrivilege(m) => {
                format!("The admin account lacks a privilege the operation needs: {m}")
            }
            Self::InvalidAccountName(m) | Self::Unsupported(m) => m.clone(),
            Self::Other(m) => format!("The database operation failed: {m}"),
        }
    }

    /// This error with every occurrence of each of `secrets` in its text
    /// replaced by `***`.
    pub(crate) fn scrubbed(self, secrets: &[&str]) -> Self {
        let s = |m: String| scrub(&m, secrets);
        match self {
            Self::Unreachable(m) => Self::Unreachable(s(m)),
            Self::AdminAuthFailed(m) => Self::AdminAuthFailed(s(m)),
            Self::NoSuchAccount(m) => Self::NoSuchAccount(s(m)),
            Self::NoPrivilege(m) => Self::NoPrivilege(s(m)),
            Self::InvalidAccountName(m) => Self::InvalidAccountName(s(m)),
            Self::Unsupported(m) => Self::Unsupported(s(m)),
            Self::Other(m) => Self::Other(s(m)),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code(), self.message())
    }
}

impl std::error::Error for Error {}

/// The longest server or driver message kept in an error.
const MAX_MESSAGE: usize = 600;

/// `text` without any of `secrets` (each occurrence becomes `***`), cut to
/// a bounded length.
pub(crate) fn scrub(text: &str, secrets: &[&str]) -> String {
    let mut out = text.to_string();
    // Longest first, so a secret that contains another goes whole.
    let mut secrets: Vec<&str> = secrets.iter().copied().filter(|s| !s.is_empty()).collect();
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    for secret in secrets {
        if out.contains(secret) {
            out = out.replace(secret, "***");
        }
    }
    if out.len() > MAX_MESSAGE {
        let mut end = MAX_MESSAGE;
        while !out.is_char_boundary(end) {
            end -= 1;
        }
        out.truncate(end);
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrub_removes_every_secret() {
        let m = scrub("near 'pw-1' and 'pw-1x' and x", &["pw-1", "pw-1x", ""]);
        assert_eq!(m, "near '***' and '***' and x");
        let e = Error::Other("ERR modifier '>s3cr3t'".into()).scrubbed(&["s3cr3t"]);
        assert_eq!(
            e.message(),
            "The database operation failed: ERR modifier '>***'"
        );
        assert_eq!(e.code(), "Rotation.Failed");
    }

    #[test]
    fn long_messages_are_cut() {
        let m = scrub(&"é".repeat(1000), &[]);
        assert!(m.len() <= MAX_MESSAGE + 3);
    }
}
