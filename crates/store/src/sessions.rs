//! Console sessions, kept in the store so that any replica serves them.

use crate::StoreResult;

/// One console session. An empty `user_id` is the account (root) itself.
#[derive(Clone, PartialEq, Eq)]
pub struct ConsoleSessionRow {
    /// SHA-256 (hex) of the cookie's token.
    pub token_hash: String,
    /// The user's stable id; empty for the account.
    pub user_id: String,
    /// The user's name at logon; empty for the account.
    pub user_name: String,
    /// The fingerprint of the password the logon matched.
    pub fingerprint: String,
    /// The token every POST must echo.
    pub csrf: String,
    /// The password must be changed before anything else.
    pub must_change_password: bool,
    /// When the session was opened (Unix seconds).
    pub created_at: i64,
    /// When it ends (Unix seconds).
    pub expires_at: i64,
    /// When its logon proved an MFA code (Unix seconds), if it did.
    pub mfa_at: Option<i64>,
    /// The role a session opened by role-based SSO acts as: its id, name,
    /// and the session name (`None` for a user's or the account's).
    pub role: Option<SessionRole>,
}

/// The role session a console session acts as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRole {
    /// The role's stable id.
    pub role_id: String,
    /// The role's name.
    pub role_name: String,
    /// The session name.
    pub session_name: String,
}

impl std::fmt::Debug for ConsoleSessionRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConsoleSessionRow")
            .field("user_name", &self.user_name)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// Console sessions.
pub trait ConsoleSessionStore {
    /// Stores a new session; beyond `max` live sessions, the oldest go
    /// first. Expired sessions are deleted on the way.
    fn open_console_session(&self, row: &ConsoleSessionRow, now: i64, max: u64) -> StoreResult<()>;
    /// A session by token hash, if it is live at `now`.
    fn get_console_session(
        &self,
        token_hash: &str,
        now: i64,
    ) -> StoreResult<Option<ConsoleSessionRow>>;
    /// Ends a session (nothing if there is none).
    fn close_console_session(&self, token_hash: &str) -> StoreResult<()>;

    /// A user's failed logons in the window of `window` seconds that began
    /// with the first of them, if that window is still open at `now`; with
    /// the second it began.
    fn login_failures(
        &self,
        user_id: &str,
        now: i64,
        window: i64,
    ) -> StoreResult<Option<(u32, i64)>>;
    /// Counts a failed logon of a user: in its open window, or as the
    /// first of a new one. Windows closed by `now` are deleted on the way.
    /// Returns the count with this failure, and when its window began.
    fn count_login_failure(&self, user_id: &str, now: i64, window: i64) -> StoreResult<(u32, i64)>;
    /// Takes back one failure counted by [`Self::count_login_failure`]
    /// (the attempt it counted turned out right).
    fn take_back_login_failure(&self, user_id: &str) -> StoreResult<()>;
    /// Forgets a user's failed logons (a new password).
    fn clear_login_failures(&self, user_id: &str) -> StoreResult<()>;
}
