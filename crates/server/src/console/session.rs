//! Console sessions: kept in memory, found by the SHA-256 of a random token
//! carried in an `HttpOnly; SameSite=Strict` cookie, each with its own CSRF
//! token. A session keeps the [`ConsoleLogon`] it was opened with, which the
//! console checks against the store on every use
//! ([`rampart_core::Rampart::console_session_valid`]).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rampart_core::console::ConsoleLogon;
use rampart_crypto::{ct_eq, random_hex, sha256_hex};

/// The session cookie's name.
pub const COOKIE: &str = "rampart_console";
/// The longest a session lasts from logon (absolute, not sliding); a RAM
/// user's ends sooner, after the security preference's
/// `LoginSessionDuration` (checked with the logon on every use).
pub const LIFETIME: Duration = Duration::from_secs(24 * 3600);
/// At most this many live sessions; the oldest goes first beyond it.
const MAX_SESSIONS: usize = 10_000;

/// One logged-on console user.
#[derive(Debug, Clone)]
pub struct Session {
    /// Who the console acts as, and the password fingerprint it rests on.
    pub logon: ConsoleLogon,
    /// The token every POST must echo in `X-CSRF-Token`.
    pub csrf: String,
    /// When the session was opened.
    pub created: Instant,
}

impl Session {
    /// Whether `token` is this session's CSRF token (constant time).
    pub fn csrf_ok(&self, token: &str) -> bool {
        ct_eq(self.csrf.as_bytes(), token.as_bytes())
    }
}

/// The live sessions.
#[derive(Debug, Default)]
pub struct Sessions {
    by_hash: Mutex<HashMap<String, Session>>,
}

impl Sessions {
    /// Opens a session for a logon; returns the cookie token and the session.
    pub fn open(&self, logon: ConsoleLogon) -> (String, Session) {
        let token = random_hex(32);
        let session = Session {
            logon,
            csrf: random_hex(32),
            created: Instant::now(),
        };
        let mut map = self.by_hash.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= MAX_SESSIONS {
            map.retain(|_, s| s.created.elapsed() < LIFETIME);
        }
        if map.len() >= MAX_SESSIONS {
            if let Some(oldest) = map
                .iter()
                .min_by_key(|(_, s)| s.created)
                .map(|(k, _)| k.clone())
            {
                map.remove(&oldest);
            }
        }
        map.insert(sha256_hex(token.as_bytes()), session.clone());
        (token, session)
    }

    /// The live session of a cookie token, if any (an expired one is dropped).
    pub fn get(&self, token: &str) -> Option<Session> {
        let key = sha256_hex(token.as_bytes());
        let mut map = self.by_hash.lock().unwrap_or_else(|e| e.into_inner());
        match map.get(&key) {
            Some(s) if s.created.elapsed() < LIFETIME => Some(s.clone()),
            Some(_) => {
                map.remove(&key);
                None
            }
            None => None,
        }
    }

    /// Ends a session.
    pub fn close(&self, token: &str) {
        let key = sha256_hex(token.as_bytes());
        self.by_hash
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&key);
    }
}

/// The `Set-Cookie` value that opens a session. `Secure` is added when the
/// request came over TLS; Rampart itself serves plain HTTP (put a TLS proxy
/// in front of it), so today that is never the case.
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
