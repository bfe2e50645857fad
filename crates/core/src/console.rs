//! Console logon: the account (account id + console password) or a RAM user
//! with a login profile (`<user>@<account id or alias>`, or
//! `<user>@<account id or alias>.onaliyun.com`), with a brake on repeated
//! failures, and the check that keeps a console session valid.
//!
//! A RAM user's logon also follows the account's settings: the password
//! policy (`MaxLoginAttemps` failures within an hour lock the user out for
//! the rest of it, whatever the address, until a new password is set; an
//! expired password refuses the logon under `HardExpiry`, else it must be
//! changed first, as must one whose login profile asks for a reset) and
//! the security preference (`LoginNetworkMasks`, `LoginSessionDuration`).
//!
//! # The brake on failed logons
//!
//! Failures are counted per *principal* (the account for its id; a RAM user
//! by its user id, whatever form of its logon name was typed), never per
//! typed text. A logon name that names no one with a console password is
//! counted under a keyed hash of its canonical form, in tables of their own,
//! so it behaves exactly like a real one and cannot push real ones out.
//!
//! - **Per source address and principal** (IPv6 addresses by their /64):
//!   the first [`ADDRESS_FREE_FAILURES`] failures cost nothing; after the
//!   n-th failure (n ≥ 5) the next attempt from that address for that
//!   principal waits at least 2^(n−5) s from the last failure, at most
//!   [`ADDRESS_MAX_DELAY_SECS`] (15 min). A success clears that address's
//!   count.
//! - **Per principal, from every address** (a looser brake on guessing
//!   spread over many addresses): after [`PRINCIPAL_FREE_FAILURES`] failures
//!   the next attempt waits at least 2^(n−20) s from the last failure, at
//!   most [`PRINCIPAL_MAX_DELAY_SECS`] (1 min), except from an address the
//!   principal has logged on from before (the last
//!   [`TRUSTED_ADDRESSES`]).
//!
//! An attempt that must wait is refused (429 `InvalidLogin.Locked`) without
//! looking at the password, and does not count as a failure. An attempt that
//! may go ahead counts as a failure before the password is checked (so
//! parallel attempts cannot slip past the brake) and is taken back if the
//! password is right; waits run from the end of the last failed attempt. Counts are forgotten [`FORGET_AFTER_SECS`] after the
//! last failure, and every table has a hard cap ([`MAX_ENTRIES`]), beyond
//! which the entries idle longest go first. So an attacker slows down their
//! own address at once and everyone's untrusted addresses by at most a
//! minute, but never locks the owner out: the right password from another
//! address, or from a trusted one, goes through.
//!
//! Logon names and passwords longer than [`MAX_LOGIN_NAME_LEN`] and
//! [`MAX_PASSWORD_LEN`] are refused before anything else. A name that names
//! no one is checked against a dummy Argon2 hash of the same parameters, so
//! it costs the same as a real one.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use rampart_crypto::{
    ct_eq, hash_password, random_bytes, sha256_hex, verify_password, SecretString,
};
use rampart_store::StoreError;

use crate::ram::UserName;
use crate::{ApiError, Principal, Rampart};

/// The longest logon name accepted (`<64-character user>@<id>.onaliyun.com`
/// is 94).
pub const MAX_LOGIN_NAME_LEN: usize = 128;
/// The longest password accepted (RAM passwords have at most 32 characters).
pub const MAX_PASSWORD_LEN: usize = 128;
/// Failures from one address for one principal before the back-off starts.
pub const ADDRESS_FREE_FAILURES: u32 = 5;
/// The longest back-off for one address and principal, seconds.
pub const ADDRESS_MAX_DELAY_SECS: i64 = 15 * 60;
/// Failures for one principal from all addresses before its brake starts.
pub const PRINCIPAL_FREE_FAILURES: u32 = 20;
/// The longest wait the per-principal brake imposes, seconds.
pub const PRINCIPAL_MAX_DELAY_SECS: i64 = 60;
/// Addresses remembered per principal as ones it logged on from.
pub const TRUSTED_ADDRESSES: usize = 8;
/// How long failure counts are kept after the last failure, seconds.
pub const FORGET_AFTER_SECS: i64 = 24 * 3600;
/// The most entries a table of the brake holds.
pub const MAX_ENTRIES: usize = 65_536;

/// Whose failures a count is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Subject {
    /// The account.
    Root,
    /// A RAM user, by user id.
    User(String),
    /// A name that names no one: a keyed hash of its canonical form.
    Unknown([u8; 16]),
}

impl Subject {
    fn is_known(&self) -> bool {
        !matches!(self, Subject::Unknown(_))
    }
}

#[derive(Debug, Clone, Copy)]
struct Count {
    failures: u32,
    last_failure: i64,
}

impl Count {
    fn idle(&self, now: i64) -> bool {
        now - self.last_failure > FORGET_AFTER_SECS
    }
}

#[derive(Debug, Clone)]
struct Brake {
    count: Count,
    /// Addresses the principal logged on from, oldest first.
    trusted: Vec<String>,
}

/// `2^(failures - free)` seconds, at most `max`; 0 below `free` failures.
fn delay(failures: u32, free: u32, max: i64) -> i64 {
    match failures.checked_sub(free) {
        None => 0,
        Some(n) if n >= 20 => max,
        Some(n) => (1i64 << n).min(max),
    }
}

/// Seconds to wait before the next attempt, if any. The wait counts whole
/// clock seconds strictly after the last failure, so a wait of `d` is at
/// least `d` real seconds whatever the clock's rounding.
fn wait(count: &Count, free: u32, max: i64, now: i64) -> Option<i64> {
    let d = delay(count.failures, free, max);
    let elapsed = now - count.last_failure;
    (d > 0 && elapsed <= d).then(|| d - elapsed + 1)
}

/// Drops idle entries; if the map is still full, the idlest eighth.
fn make_room<K: Clone + Eq + std::hash::Hash, V>(
    map: &mut HashMap<K, V>,
    now: i64,
    count: impl Fn(&V) -> Count,
) {
    if map.len() < MAX_ENTRIES {
        return;
    }
    map.retain(|_, v| !count(v).idle(now));
    if map.len() < MAX_ENTRIES {
        return;
    }
    let mut by_age: Vec<(i64, K)> = map
        .iter()
        .map(|(k, v)| (count(v).last_failure, k.clone()))
        .collect();
    by_age.sort_unstable_by_key(|(t, _)| *t);
    for (_, k) in by_age.into_iter().take(MAX_ENTRIES / 8) {
        map.remove(&k);
    }
}

#[derive(Debug, Default)]
struct Tables {
    /// Per (address, principal).
    by_address: HashMap<(String, Subject), Count>,
    /// Per known principal (the account and users: bounded by the account).
    by_principal: HashMap<Subject, Brake>,
    /// Per unknown name (hashed), capped apart so it cannot evict the above.
    by_unknown: HashMap<Subject, Brake>,
    /// The password policy's `MaxLoginAttemps` for names that name no one
    /// (so a lockout tells nothing): failures in the hour since the first
    /// of them. Users' failures are counted in the store, for every
    /// replica alike.
    hourly: HashMap<Subject, Count>,
}

/// The window of the password policy's `MaxLoginAttemps`, seconds.
pub const LOCKOUT_WINDOW_SECS: i64 = 3600;

impl Tables {
    /// Whether `s` has used up `max` failures in the current hour; the
    /// seconds left of that hour.
    fn hourly_locked(&self, s: &Subject, max: u32, now: i64) -> Option<i64> {
        let c = self.hourly.get(s)?;
        let left = c.last_failure + LOCKOUT_WINDOW_SECS - now;
        (max > 0 && c.failures >= max && left > 0).then_some(left)
    }

    /// Counts a failure of `s` in its hour (`last_failure` holds the
    /// hour's start).
    fn hourly_failed(&mut self, s: &Subject, now: i64) {
        let entry = self.hourly.get(s).copied();
        let mut c = match entry {
            Some(c) if now - c.last_failure < LOCKOUT_WINDOW_SECS => c,
            _ => Count {
                failures: 0,
                last_failure: now,
            },
        };
        c.failures = c.failures.saturating_add(1);
        if !self.hourly.contains_key(s) && self.hourly.len() >= MAX_ENTRIES {
            self.hourly
                .retain(|_, c| now - c.last_failure < LOCKOUT_WINDOW_SECS);
        }
        if self.hourly.len() < MAX_ENTRIES || self.hourly.contains_key(s) {
            self.hourly.insert(s.clone(), c);
        }
    }

    fn brakes(&mut self, s: &Subject) -> &mut HashMap<Subject, Brake> {
        if s.is_known() {
            &mut self.by_principal
        } else {
            &mut self.by_unknown
        }
    }

    /// Refuses an attempt that must wait; else counts it as a failure.
    fn begin(&mut self, addr: &str, s: &Subject, now: i64) -> Result<(), (i64, bool)> {
        let key = (addr.to_string(), s.clone());
        let own = self.by_address.get(&key).filter(|c| !c.idle(now)).copied();
        if let Some(w) =
            own.and_then(|c| wait(&c, ADDRESS_FREE_FAILURES, ADDRESS_MAX_DELAY_SECS, now))
        {
            return Err((w, true));
        }
        let brake = self
            .brakes(s)
            .get(s)
            .filter(|b| !b.count.idle(now))
            .cloned();
        if let Some(b) = &brake {
            if !b.trusted.iter().any(|a| a == addr) {
                if let Some(w) = wait(
                    &b.count,
                    PRINCIPAL_FREE_FAILURES,
                    PRINCIPAL_MAX_DELAY_SECS,
                    now,
                ) {
                    return Err((w, false));
                }
            }
        }
        // Counted now, taken back on success.
        let mut c = own.unwrap_or(Count {
            failures: 0,
            last_failure: now,
        });
        c.failures = c.failures.saturating_add(1);
        c.last_failure = now;
        make_room(&mut self.by_address, now, |c| *c);
        self.by_address.insert(key, c);
        let mut b = brake.unwrap_or(Brake {
            count: Count {
                failures: 0,
                last_failure: now,
            },
            trusted: Vec::new(),
        });
        b.count.failures = b.count.failures.saturating_add(1);
        b.count.last_failure = now;
        let brakes = self.brakes(s);
        make_room(brakes, now, |b| b.count);
        brakes.insert(s.clone(), b);
        Ok(())
    }

    /// The password was wrong: the waits run from now, when the failure is
    /// known (the attempt was counted when it began).
    fn failed(&mut self, addr: &str, s: &Subject, now: i64) {
        if let Some(c) = self.by_address.get_mut(&(addr.to_string(), s.clone())) {
            c.last_failure = c.last_failure.max(now);
        }
        if let Some(b) = self.brakes(s).get_mut(s) {
            b.count.last_failure = b.count.last_failure.max(now);
        }
    }

    /// The password was right: the attempt was no failure.
    fn succeeded(&mut self, addr: &str, s: &Subject) {
        self.by_address.remove(&(addr.to_string(), s.clone()));
        if let Some(b) = self.brakes(s).get_mut(s) {
            b.count.failures = b.count.failures.saturating_sub(1);
            b.trusted.retain(|a| a != addr);
            if b.trusted.len() >= TRUSTED_ADDRESSES {
                b.trusted.remove(0);
            }
            b.trusted.push(addr.to_string());
        }
    }
}

/// Failed-logon counts and the dummy hash unknown names are checked against.
#[derive(Debug)]
pub struct LoginGuard {
    tables: Mutex<Tables>,
    /// Key of the hash under which unknown names are counted.
    name_key: [u8; 32],
    dummy_hash: OnceLock<String>,
}

impl Default for LoginGuard {
    fn default() -> Self {
        Self {
            tables: Mutex::default(),
            name_key: random_bytes(),
            dummy_hash: OnceLock::new(),
        }
    }
}

impl LoginGuard {
    fn tables(&self) -> std::sync::MutexGuard<'_, Tables> {
        self.tables.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Forgets every failed logon counted in memory.
    pub(crate) fn clear(&self) {
        *self.tables() = Tables::default();
    }

    /// An Argon2 hash of a random password, made with the parameters of
    /// every stored password hash.
    fn dummy_hash(&self) -> &str {
        self.dummy_hash.get_or_init(|| {
            hash_password(&rampart_crypto::random_hex(16)).unwrap_or_else(|e| {
                tracing::warn!(error = %e, "could not make the dummy password hash");
                String::new()
            })
        })
    }

    fn unknown(&self, canonical_name: &str) -> Subject {
        let mac = rampart_crypto::hmac_sha256(&self.name_key, canonical_name.as_bytes());
        let mut h = [0u8; 16];
        h.copy_from_slice(&mac[..16]);
        Subject::Unknown(h)
    }

    /// How many counts each table holds: (per address, per principal, per
    /// unknown name).
    pub fn table_sizes(&self) -> (usize, usize, usize) {
        let t = self.tables();
        (t.by_address.len(), t.by_principal.len(), t.by_unknown.len())
    }
}

/// The address under which failures are counted: an IPv6 address by its
/// /64 (one host usually holds a whole /64), anything else as given.
fn address_key(source: Option<&str>) -> String {
    let Some(s) = source else {
        return "-".into();
    };
    match s.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let seg = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", seg[0], seg[1], seg[2], seg[3])
            }
        },
        Ok(ip) => ip.to_string(),
        Err(_) => s.chars().take(64).collect(),
    }
}

/// A successful console logon: who, and the fingerprint of the password it
/// was made with, which every use of the session checks again.
#[derive(Clone, PartialEq, Eq)]
pub struct ConsoleLogon {
    /// Who the console acts as.
    pub principal: Principal,
    /// SHA-256 of the stored password hash the logon matched.
    fingerprint: String,
    /// The password must be changed before anything else (the login
    /// profile says so, or the password expired under a soft expiry).
    pub must_change_password: bool,
    /// When the session ends (Unix seconds): the security preference's
    /// `LoginSessionDuration` for RAM users.
    pub expires_at: i64,
}

/// The fingerprint of a logon by SSO (it rests on no password): such a
/// session stands while its user (and user-based SSO) or its role does.
pub const SSO_FINGERPRINT: &str = "sso";

/// How long the account's own console sessions last, seconds.
pub const ROOT_SESSION_SECS: i64 = 8 * 3600;

impl std::fmt::Debug for ConsoleLogon {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConsoleLogon")
            .field("principal", &self.principal)
            .field("must_change_password", &self.must_change_password)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

impl ConsoleLogon {
    /// The fingerprint of the password the logon matched, to store with a
    /// session ([`Rampart::console_logon_of`] takes it back); for a logon
    /// by SSO, [`SSO_FINGERPRINT`].
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// A logon by single sign-on (a SAML response): `principal` is a RAM
    /// user (user-based SSO) or a role session (role-based SSO); it rests on
    /// no password.
    pub(crate) fn sso(principal: Principal, expires_at: i64) -> Self {
        Self {
            principal,
            fingerprint: SSO_FINGERPRINT.to_string(),
            must_change_password: false,
            expires_at,
        }
    }

    /// The logon with what its stored session kept: whether the password
    /// must be changed first, and when the session ends.
    pub fn with_session(mut self, must_change_password: bool, expires_at: i64) -> Self {
        self.must_change_password = must_change_password;
        self.expires_at = expires_at;
        self
    }
}

impl Rampart {
    /// A logon as stored with a console session: the account itself (an
    /// empty `user_id`) or a user. Every use checks it again
    /// ([`Rampart::console_session_valid`]).
    pub fn console_logon_of(&self, row: &rampart_store::ConsoleSessionRow) -> ConsoleLogon {
        let (user_id, user_name, fingerprint, mfa_at) =
            (&row.user_id, &row.user_name, &row.fingerprint, row.mfa_at);
        let principal = if let Some(r) = &row.role {
            Principal::AssumedRole {
                account_id: self.account_id.clone(),
                role_id: r.role_id.clone(),
                role_name: r.role_name.clone(),
                session_name: r.session_name.clone(),
                access_key_id: String::new(),
                session_policy: None,
                expires_at: row.expires_at,
                mfa_at: None,
            }
        } else if user_id.is_empty() {
            Principal::Root {
                account_id: self.account_id.clone(),
                access_key_id: String::new(),
            }
        } else {
            Principal::User {
                account_id: self.account_id.clone(),
                user_id: user_id.to_string(),
                user_name: user_name.to_string(),
                access_key_id: String::new(),
                mfa_at,
            }
        };
        ConsoleLogon {
            principal,
            fingerprint: fingerprint.to_string(),
            must_change_password: false,
            expires_at: self.now().saturating_add(ROOT_SESSION_SECS),
        }
    }
}

fn fingerprint(password_hash: &str) -> String {
    sha256_hex(password_hash.as_bytes())
}

fn denied() -> ApiError {
    ApiError::of(
        crate::codes::INVALID_LOGIN,
        "The logon name or password is wrong.",
    )
}

fn network_not_allowed() -> ApiError {
    ApiError::of(crate::codes::INVALID_LOGIN_NETWORK_NOT_ALLOWED,
        "The security preference does not allow console logons from this address (LoginNetworkMasks).",
    )
}

fn locked(wait: i64, own_address: bool) -> ApiError {
    let whence = if own_address {
        " from this address"
    } else {
        ""
    };
    ApiError::of(
        crate::codes::INVALID_LOGIN_LOCKED,
        format!("Too many failed logons for this logon name{whence}; try again in {wait} s."),
    )
}

fn policy_locked(max: u32, left: i64) -> ApiError {
    ApiError::of(crate::codes::INVALID_LOGIN_LOCKED,
        format!(
            "{max} failed logons within an hour (the password policy's MaxLoginAttemps); try again in {left} s or ask an administrator to set a new password."
        ),
    )
}

/// Whom a logon name names, read from the store (no password checked yet).
enum Target {
    Root {
        password_hash: String,
    },
    User {
        row: rampart_store::UserRow,
        profile: Option<Box<rampart_store::LoginProfileRow>>,
    },
    Nobody {
        canonical: String,
    },
}

impl Rampart {
    /// Seconds left of a lockout by the password policy's
    /// `MaxLoginAttemps` (`max`; 0: none), if `s` is locked out: counted in
    /// the store for users, so every replica sees one count; in memory for
    /// names that name no one.
    fn policy_lockout(&self, s: &Subject, max: u32, now: i64) -> Result<Option<i64>, ApiError> {
        if max == 0 {
            return Ok(None);
        }
        let Subject::User(id) = s else {
            return Ok(self.login_guard.tables().hourly_locked(s, max, now));
        };
        let counted = self
            .store
            .login_failures(id, now, LOCKOUT_WINDOW_SECS)
            .map_err(ApiError::internal)?;
        Ok(counted.and_then(|(failures, start)| {
            let left = start + LOCKOUT_WINDOW_SECS - now;
            (failures >= max && left > 0).then_some(left)
        }))
    }

    /// Counts a failed logon of `s` against the password policy.
    fn policy_failed(&self, s: &Subject, now: i64) {
        if let Err(e) = self.policy_count(s, now) {
            tracing::warn!(error = %e.message, "could not count a failed logon");
        }
    }

    /// Counts an attempt of `s` as a failure against the password policy
    /// *before* its password is checked (taken back if it is right), so
    /// that attempts made at once cannot all slip under `MaxLoginAttemps`:
    /// refused as locked when it is one too many.
    fn policy_attempt(&self, s: &Subject, max: u32, now: i64) -> Result<(), ApiError> {
        if max == 0 {
            return Ok(());
        }
        let (failures, start) = self.policy_count(s, now)?;
        if failures > max {
            let left = (start + LOCKOUT_WINDOW_SECS - now).max(1);
            return Err(policy_locked(max, left));
        }
        Ok(())
    }

    /// One more failure of `s` in its window: the count, and when the
    /// window began.
    fn policy_count(&self, s: &Subject, now: i64) -> Result<(u32, i64), ApiError> {
        let Subject::User(id) = s else {
            let mut tables = self.login_guard.tables();
            tables.hourly_failed(s, now);
            return Ok(tables
                .hourly
                .get(s)
                .map_or((1, now), |c| (c.failures, c.last_failure)));
        };
        self.store
            .count_login_failure(id, now, LOCKOUT_WINDOW_SECS)
            .map_err(ApiError::internal)
    }

    /// Takes back the failure [`Self::policy_attempt`] counted: the
    /// password was right.
    fn policy_take_back(&self, s: &Subject, max: u32) {
        let Subject::User(id) = s else {
            return;
        };
        if max > 0 {
            if let Err(e) = self.store.take_back_login_failure(id) {
                tracing::warn!(error = %e, "could not take back a counted logon attempt");
            }
        }
    }

    /// A user's password changed: its failed logons are forgotten (the
    /// password policy's rule).
    pub(crate) fn forget_login_failures(&self, user_id: &str) {
        if let Err(e) = self.store.clear_login_failures(user_id) {
            tracing::warn!(error = %e, "could not forget a user's failed logons");
        }
    }

    /// Checks a RAM user's password outside a console logon (the old
    /// password of `ChangePassword`) exactly as a console logon checks it:
    /// refused while the password policy's `MaxLoginAttemps` lockout lasts
    /// or while the brake on failures from `source` holds; a wrong password
    /// counts as a failed logon (the brake, and the `MaxLoginAttemps` count
    /// in the store). `Ok(false)` for a wrong password.
    pub(crate) fn check_user_password(
        &self,
        user_id: &str,
        password_hash: &str,
        password: &str,
        source: Option<&str>,
    ) -> Result<bool, ApiError> {
        if password.len() > MAX_PASSWORD_LEN {
            return Ok(false);
        }
        let guard = &*self.login_guard;
        let now = self.now();
        let addr = address_key(source);
        let subject = Subject::User(user_id.to_string());
        let max_attempts = self.password_policy()?.max_login_attempts;
        if let Some(left) = self.policy_lockout(&subject, max_attempts, now)? {
            return Err(policy_locked(max_attempts, left));
        }
        guard
            .tables()
            .begin(&addr, &subject, now)
            .map_err(|(wait, own)| locked(wait, own))?;
        self.policy_attempt(&subject, max_attempts, now)?;
        let (given, hash) = (
            SecretString::new(password.to_string()),
            password_hash.to_string(),
        );
        if self.costly(move || verify_password(given.expose(), &hash).unwrap_or(false))? {
            guard.tables().succeeded(&addr, &subject);
            self.policy_take_back(&subject, max_attempts);
            return Ok(true);
        }
        guard.tables().failed(&addr, &subject, self.now());
        Ok(false)
    }

    /// Checks a console logon from `source` (the peer address); returns the
    /// principal to act as and what the session must keep checking.
    pub fn console_login(
        &self,
        login_name: &str,
        password: &str,
        source: Option<&str>,
    ) -> Result<ConsoleLogon, ApiError> {
        self.console_login_mfa(login_name, password, source, None)
    }

    /// [`Rampart::console_login`] with the code of the user's MFA device:
    /// a user with a bound device is refused (401
    /// `InvalidLogin.MFARequired`) until the right password comes with a
    /// current code (a wrong code is a failed logon).
    pub fn console_login_mfa(
        &self,
        login_name: &str,
        password: &str,
        source: Option<&str>,
        mfa_code: Option<&str>,
    ) -> Result<ConsoleLogon, ApiError> {
        if login_name.len() > MAX_LOGIN_NAME_LEN || password.len() > MAX_PASSWORD_LEN {
            return Err(denied());
        }
        let guard = &*self.login_guard;
        let dummy = guard.dummy_hash();
        let now = self.now();
        let addr = address_key(source);
        let target = self.logon_target(login_name.trim())?;
        let subject = match &target {
            Target::Root { .. } => Subject::Root,
            Target::User { row, .. } => Subject::User(row.user_id.clone()),
            Target::Nobody { canonical } => guard.unknown(canonical),
        };
        // The password policy's lockout applies to RAM users (and, alike,
        // to names that name no one).
        let policy = match subject {
            Subject::Root => None,
            _ => Some(self.password_policy()?),
        };
        let max_attempts = policy.as_ref().map_or(0, |p| p.max_login_attempts);
        // The security preference's networks come first, for every name
        // but the account's (names that name no one alike, so the answer
        // tells nothing of who exists): the same answer whatever the
        // password, and nothing counted, consumed or reset.
        if subject != Subject::Root && !self.security_preference()?.allows_network(source) {
            return Err(network_not_allowed());
        }
        if let Some(left) = self.policy_lockout(&subject, max_attempts, now)? {
            return Err(policy_locked(max_attempts, left));
        }
        guard
            .tables()
            .begin(&addr, &subject, now)
            .map_err(|(wait, own)| locked(wait, own))?;
        self.policy_attempt(&subject, max_attempts, now)?;
        let (hash, real) = match &target {
            Target::Root { password_hash } => (password_hash.as_str(), true),
            Target::User {
                profile: Some(p), ..
            } => (p.password_hash.as_str(), true),
            _ => (dummy, false),
        };
        // Same work for every name: one Argon2 verification.
        let (given, stored) = (SecretString::new(password.to_string()), hash.to_string());
        let matched =
            self.costly(move || verify_password(given.expose(), &stored).unwrap_or(false))? && real;
        if !matched {
            // Counted already, before the check.
            guard.tables().failed(&addr, &subject, self.now());
            return Err(denied());
        }
        self.policy_take_back(&subject, max_attempts);
        // The second factor of a user with a bound MFA device.
        let mut mfa_at = None;
        if let Target::User { row, .. } = &target {
            let user_name = UserName::of(row);
            if self.user_has_mfa(&user_name)? {
                let Some(code) = mfa_code.filter(|c| !c.is_empty()) else {
                    guard.tables().failed(&addr, &subject, self.now());
                    return Err(ApiError::of(
                        crate::codes::INVALID_LOGIN_MFA_REQUIRED,
                        "Enter the 6-digit code your MFA device shows.",
                    ));
                };
                if !self.check_mfa_code(&user_name, code.trim())? {
                    guard.tables().failed(&addr, &subject, self.now());
                    if max_attempts > 0 {
                        self.policy_failed(&subject, now);
                    }
                    return Err(ApiError::of(crate::codes::INVALID_LOGIN_MFA_CODE,
                        "The MFA code is wrong or was used already; enter the code the device shows now.",
                    ));
                }
                mfa_at = Some(now);
            }
        }
        guard.tables().succeeded(&addr, &subject);
        let fp = fingerprint(hash);
        let mut must_change_password = false;
        let mut expires_at = now + ROOT_SESSION_SECS;
        let principal = match target {
            Target::Root { .. } => Principal::Root {
                account_id: self.account_id.clone(),
                access_key_id: String::new(),
            },
            Target::User { mut row, profile } => {
                let pref = self.security_preference()?;
                if let (Some(policy), Some(profile)) = (&policy, &profile) {
                    if policy.expired(profile.password_changed_at, now) {
                        if policy.hard_expiry {
                            return Err(ApiError::of(crate::codes::INVALID_LOGIN_PASSWORD_EXPIRED,
                                "The password has expired; ask an administrator to set a new one (UpdateLoginProfile).",
                            ));
                        }
                        must_change_password = true;
                    }
                    must_change_password |= profile.password_reset_required;
                }
                expires_at = now + i64::from(pref.login_session_duration.clamp(1, 24)) * 3600;
                row.last_login_at = Some(self.now());
                if let Err(e) = self.store.update_user(&row) {
                    tracing::warn!(error = %e, "could not record the logon time");
                }
                Principal::User {
                    account_id: self.account_id.clone(),
                    user_id: row.user_id,
                    user_name: row.user_name,
                    access_key_id: String::new(),
                    mfa_at,
                }
            }
            Target::Nobody { .. } => return Err(denied()),
        };
        Ok(ConsoleLogon {
            principal,
            fingerprint: fp,
            must_change_password,
            expires_at,
        })
    }

    /// Resolves a logon name: the account id, or `<user>@<account id or
    /// alias>` with an optional `.onaliyun.com` (the domain in any case).
    fn logon_target(&self, name: &str) -> Result<Target, ApiError> {
        if name == self.account_id {
            let acct = self.store.account().map_err(ApiError::internal)?;
            return Ok(match acct {
                Some(a) => Target::Root {
                    password_hash: a.console_password_hash,
                },
                None => Target::Nobody {
                    canonical: name.to_string(),
                },
            });
        }
        let nobody = |canonical: String| Ok(Target::Nobody { canonical });
        let Some((user, domain)) = name.rsplit_once('@') else {
            return nobody(name.to_ascii_lowercase());
        };
        let domain = domain.to_ascii_lowercase();
        let domain = domain.strip_suffix(".onaliyun.com").unwrap_or(&domain);
        let canonical = format!("{user}@{domain}");
        let valid_user = !user.is_empty()
            && user.len() <= 64
            && user
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
        let ours = domain == self.account_id
            || self
                .alias_set()?
                .is_some_and(|a| a.eq_ignore_ascii_case(domain));
        if !ours || !valid_user {
            return nobody(canonical);
        }
        // Both reads whether or not the user exists.
        let row = self.store.get_user(user).map_err(ApiError::internal)?;
        let profile = match self.store.get_login_profile(user) {
            Ok(p) => p,
            Err(StoreError::NotFound(_)) => None,
            Err(e) => return Err(ApiError::internal(e)),
        };
        Ok(match row {
            Some(row) => Target::User {
                row,
                profile: profile.map(Box::new),
            },
            None => Target::Nobody { canonical },
        })
    }

    /// How many failure counts the console's logon brake holds: (per
    /// address and principal, per principal, per unknown name).
    pub fn console_brake_sizes(&self) -> (usize, usize, usize) {
        self.login_guard.table_sizes()
    }

    /// Whether a console session opened by `logon` still stands: the user
    /// still exists under the same id with the same name, and the password
    /// (the account's console password, or the user's login profile) is the
    /// one the logon matched. A changed password, a deleted login profile,
    /// a deleted or renamed user all end the session.
    pub fn console_session_valid(&self, logon: &ConsoleLogon) -> Result<bool, ApiError> {
        if self.now() >= logon.expires_at {
            return Ok(false);
        }
        if logon.fingerprint == SSO_FINGERPRINT {
            return self.sso_session_valid(&logon.principal);
        }
        let current = match &logon.principal {
            Principal::Root { account_id, .. } if *account_id == self.account_id => self
                .store
                .account()
                .map_err(ApiError::internal)?
                .map(|a| a.console_password_hash),
            Principal::User {
                user_id, user_name, ..
            } => {
                let same_user = self
                    .store
                    .get_user(user_name)
                    .map_err(ApiError::internal)?
                    .is_some_and(|u| u.user_id == *user_id);
                if same_user {
                    match self.store.get_login_profile(user_name) {
                        Ok(p) => p.map(|p| p.password_hash),
                        Err(StoreError::NotFound(_)) => None,
                        Err(e) => return Err(ApiError::internal(e)),
                    }
                } else {
                    None
                }
            }
            _ => None,
        };
        Ok(
            current
                .is_some_and(|h| ct_eq(fingerprint(&h).as_bytes(), logon.fingerprint.as_bytes())),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_and_cap() {
        assert_eq!(delay(4, 5, 900), 0);
        assert_eq!(delay(5, 5, 900), 1);
        assert_eq!(delay(6, 5, 900), 2);
        assert_eq!(delay(14, 5, 900), 512);
        assert_eq!(delay(15, 5, 900), 900);
        assert_eq!(delay(u32::MAX, 5, 900), 900);
        assert_eq!(delay(20, 20, 60), 1);
        assert_eq!(delay(26, 20, 60), 60);
    }

    #[test]
    fn addresses() {
        assert_eq!(address_key(Some("10.0.0.1")), "10.0.0.1");
        assert_eq!(
            address_key(Some("2001:db8:1:2:aaaa::1")),
            address_key(Some("2001:db8:1:2:bbbb::2"))
        );
        assert_ne!(
            address_key(Some("2001:db8:1:2::1")),
            address_key(Some("2001:db8:1:3::1"))
        );
        assert_eq!(address_key(Some("::ffff:10.0.0.1")), "10.0.0.1");
        assert_eq!(address_key(None), "-");
    }

    #[test]
    fn the_brake_per_address_and_per_principal() {
        let mut t = Tables::default();
        let s = Subject::User("u1".into());
        // Five free failures from one address, then 1 s, 2 s, ...
        for _ in 0..5 {
            t.begin("a", &s, 100).unwrap();
        }
        assert_eq!(t.begin("a", &s, 100), Err((2, true)));
        assert_eq!(t.begin("a", &s, 101), Err((1, true)));
        t.begin("a", &s, 102).unwrap();
        assert!(t.begin("a", &s, 104).is_err());
        t.begin("a", &s, 105).unwrap();
        // Another address is not slowed by these.
        t.begin("b", &s, 105).unwrap();
        t.succeeded("b", &s);
        // Spread over many addresses: the principal's brake after 20.
        for i in 0..20 {
            let _ = t.begin(&format!("x{i}"), &s, 200);
        }
        assert!(matches!(t.begin("y", &s, 200), Err((_, false))));
        // ... except from an address it logged on from.
        t.begin("b", &s, 200).unwrap();
        // ... and it stays bounded: a minute at most.
        for i in 0..40 {
            t.begin(&format!("z{i}"), &s, 1000 + 100 * i).unwrap();
        }
        assert_eq!(t.begin("w", &s, 4910), Err((51, false)));
        t.begin("w", &s, 4961).unwrap();
        // Forgotten a day after the last failure.
        for _ in 0..5 {
            t.begin("a", &s, 4961 + FORGET_AFTER_SECS + 1).unwrap();
        }
    }

    #[test]
    fn waits_run_from_the_end_of_the_failed_attempt() {
        let mut t = Tables::default();
        let s = Subject::Root;
        for _ in 0..5 {
            t.begin("a", &s, 100).unwrap();
        }
        // The fifth check took three seconds.
        t.failed("a", &s, 103);
        assert_eq!(t.begin("a", &s, 104), Err((1, true)));
        t.begin("a", &s, 105).unwrap();
    }

    #[test]
    fn tables_are_capped() {
        let mut t = Tables::default();
        for i in 0..(MAX_ENTRIES + 100) {
            let mut h = [0u8; 16];
            h[..8].copy_from_slice(&(i as u64).to_le_bytes());
            t.begin("a", &Subject::Unknown(h), 1).unwrap();
        }
        assert!(t.by_address.len() <= MAX_ENTRIES);
        assert!(t.by_unknown.len() <= MAX_ENTRIES);
        assert!(t.by_principal.is_empty());
    }
}
