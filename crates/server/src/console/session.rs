//! Console sessions: kept in the store (every replica serves every
//! session: no sticky sessions), found by the SHA-256 of a random token
//! carried in an `HttpOnly; SameSite=Strict` cookie, each with its own CSRF
//! token. A session keeps the [`ConsoleLogon`] it was opened with, which the
//! console checks against the store on every use
//! ([`rampart_core::Rampart::console_session_valid`]).

use std::time::Duration;

use rampart_core::console::ConsoleLogon;
use rampart_core::{ApiError, Rampart};
use rampart_crypto::{ct_eq, random_hex, sha256_hex};
use rampart_store::ConsoleSessionRow;

/// The session cookie's name.
pub const COOKIE: &str = "rampart_console";
/// The longest a session lasts from logon (absolute, not sliding); a RAM
/// user's ends sooner, after the security preference's
/// `LoginSessionDuration` (checked with the logon on every use).
pub const LIFETIME: Duration = Duration::from_secs(24 * 3600);
/// At most this many live sessions; the oldest goes first beyond it.
const MAX_SESSIONS: u64 = 10_000;

/// One logged-on console user.
#[derive(Debug, Clone)]
pub struct Session {
    /// Who the console acts as, and the password fingerprint it rests on.
    pub logon: ConsoleLogon,
    /// The token every POST must echo in `X-CSRF-Token`.
    pub csrf: String,
}

impl Session {
    /// Whether `token` is this session's CSRF token (constant time).
    pub fn csrf_ok(&self, token: &str) -> bool {
        ct_eq(self.csrf.as_bytes(), token.as_bytes())
    }
}

/// The sessions, in the store.
#[derive(Debug)]
pub struct Sessions {
    rampart: Rampart,
}

impl Sessions {
    /// The sessions of `rampart`'s store.
    pub fn new(rampart: Rampart) -> Self {
        Self { rampart }
    }

    /// Opens a session for a logon; returns the cookie token and the session.
    pub fn open(&self, logon: ConsoleLogon) -> Result<(String, Session), ApiError> {
        let token = random_hex(32);
        let session = Session {
            logon,
            csrf: random_hex(32),
        };
        let now = self.rampart.now();
        let (user_id, user_name, role) = match &session.logon.principal {
            rampart_core::Principal::User {
                user_id, user_name, ..
            } => (user_id.clone(), user_name.clone(), None),
            rampart_core::Principal::AssumedRole {
                role_id,
                role_name,
                session_name,
                ..
            } => (
                String::new(),
                String::new(),
                Some(rampart_store::SessionRole {
                    role_id: role_id.clone(),
                    role_name: role_name.clone(),
                    session_name: session_name.clone(),
                }),
            ),
            rampart_core::Principal::Root { .. } => (String::new(), String::new(), None),
        };
        let lifetime = i64::try_from(LIFETIME.as_secs()).unwrap_or(i64::MAX);
        self.rampart
            .store()
            .open_console_session(
                &ConsoleSessionRow {
                    token_hash: sha256_hex(token.as_bytes()),
                    user_id,
                    user_name,
                    fingerprint: session.logon.fingerprint().to_string(),
                    csrf: session.csrf.clone(),
                    must_change_password: session.logon.must_change_password,
                    created_at: now,
                    expires_at: now.saturating_add(lifetime).min(session.logon.expires_at),
                    mfa_at: session.logon.principal.mfa_at(),
                    role,
                },
                now,
                MAX_SESSIONS,
            )
            .map_err(ApiError::internal)?;
        Ok((token, session))
    }

    /// The live session of a cookie token, if any.
    pub fn get(&self, token: &str) -> Result<Option<Session>, ApiError> {
        let row = self
            .rampart
            .store()
            .get_console_session(&sha256_hex(token.as_bytes()), self.rampart.now())
            .map_err(ApiError::internal)?;
        Ok(row.map(|r| Session {
            logon: self
                .rampart
                .console_logon_of(&r)
                .with_session(r.must_change_password, r.expires_at),
            csrf: r.csrf,
        }))
    }

    /// Ends a session.
    pub fn close(&self, token: &str) -> Result<(), ApiError> {
        self.rampart
            .store()
            .close_console_session(&sha256_hex(token.as_bytes()))
            .map_err(ApiError::internal)
    }
}

/// The `Set-Cookie` value that opens a session. `Secure` is added when the
/// request came over Rampart's own TLS (`--tls-auto`, `--tls-cert`).
pub fn set_cookie(token: &str, secure: bool, max_age: u64) -> String {
    let max_age = max_age.min(LIFETIME.as_secs());
    let secure = if secure { "; Secure" } else { "" };
    format!("{COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/console; Max-Age={max_age}{secure}")
}

/// The `Set-Cookie` value that ends a session.
pub fn clear_cookie(secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{COOKIE}=; HttpOnly; SameSite=Strict; Path=/console; Max-Age=0{secure}")
}

/// The session token from a `Cookie` header, if present.
pub fn token_from_cookie(header: &str) -> Option<&str> {
    header
        .split(';')
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_parsing_and_attributes() {
        assert_eq!(
            token_from_cookie("a=b; rampart_console=abc ; c=d"),
            Some("abc")
        );
        assert_eq!(token_from_cookie("rampart_console="), None);
        assert_eq!(token_from_cookie("x=1"), None);
        let c = set_cookie("t", false, 3600);
        assert!(c.contains("Max-Age=3600"));
        assert!(
            c.contains("HttpOnly") && c.contains("SameSite=Strict") && c.contains("Path=/console")
        );
        assert!(!c.contains("Secure"));
        assert!(set_cookie("t", true, u64::MAX).ends_with("Max-Age=86400; Secure"));
    }
}
