//! The domain service [`Rampart`], its settings and its quotas.

use std::sync::Arc;

use rampart_crypto::Keyring;
use rampart_store::Store;

use crate::{ApiError, Clock};

/// Quotas, as the real RAM sets them.
#[derive(Debug, Clone)]
pub struct Limits {
    /// RAM users per account.
    pub users: u64,
    /// AccessKeys per RAM user.
    pub access_keys_per_user: u64,
    /// Groups per account.
    pub groups: u64,
    /// Groups a user may belong to.
    pub groups_per_user: u64,
    /// Secrets of the account, those pending deletion included
    /// (`--max-secrets`).
    pub secrets: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            users: 1000,
            access_keys_per_user: 2,
            groups: 300,
            groups_per_user: 5,
            secrets: 10_000,
        }
    }
}

/// Settings of the domain that come from configuration.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Region id used in ARNs and responses (`cn-hangzhou`).
    pub region: String,
    /// Quotas.
    pub limits: Limits,
    /// How long the previous key of a rotated RAM secret keeps working (seconds).
    pub rotation_grace_period: u64,
    /// The smallest rotation interval accepted (seconds).
    pub min_rotation_interval: u64,
    /// Threads for CPU-heavy work ([`crate::costly`]); 0: half the cores.
    pub costly_threads: usize,
    /// Run first by each of those threads (the server lowers their priority).
    pub costly_thread_init: Option<fn()>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            region: "cn-hangzhou".into(),
            limits: Limits::default(),
            rotation_grace_period: 2 * 86400,
            min_rotation_interval: 6 * 3600,
            costly_threads: 0,
            costly_thread_init: None,
        }
    }
}

/// The domain service: everything a request handler may do goes through it.
#[derive(Clone)]
pub struct Rampart {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) keyring: Keyring,
    pub(crate) clock: Arc<dyn Clock>,
    /// The real time, for what must not follow a test clock: the request
    /// signature's time window and nonces (the same clock as `clock`
    /// outside test mode).
    pub(crate) wall: Arc<dyn Clock>,
    pub(crate) settings: Settings,
    pub(crate) account_id: String,
    pub(crate) policy_cache: Arc<crate::authz::PolicyCache>,
    pub(crate) materials: Arc<crate::kms::crypto::MaterialCache>,
    pub(crate) reads: Arc<crate::cache::Reads>,
    pub(crate) login_guard: Arc<crate::console::LoginGuard>,
    pub(crate) audit: Arc<crate::audit::AuditSink>,
    pub(crate) default_key_id: Arc<std::sync::RwLock<Option<String>>>,
    pub(crate) costly: Arc<crate::costly::CostlyPool>,
    /// Verifies OIDC tokens (and caches issuers' keys).
    pub(crate) oidc_verifier: rampart_federation::oidc::Verifier,
}

impl std::fmt::Debug for Rampart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rampart")
            .field("account_id", &self.account_id)
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl Rampart {
    /// The account id this server serves.
    pub fn account_id(&self) -> &str {
        &self.account_id
    }

    /// Configured settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Runs CPU-heavy work on the pool for it ([`crate::costly`]).
    pub fn costly<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        self.costly.run(f)
    }

    /// Current Unix time.
    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    /// Current Unix time in nanoseconds (the exact instant).
    pub fn now_nanos(&self) -> i128 {
        self.clock.now_nanos()
    }

    /// Current Unix time on the wall clock: what rotation leases are
    /// measured against (they bound real work), whatever the test clock says.
    pub fn wall_now(&self) -> i64 {
        self.wall.now()
    }

    /// Current Unix time in nanoseconds on the wall clock: what a request's
    /// signature timestamp is checked against, whatever the test clock says.
    pub fn wall_now_nanos(&self) -> i128 {
        self.wall.now_nanos()
    }

    /// The same domain with `wall` as its wall clock (see
    /// [`Self::wall_now_nanos`]); by default the wall clock is the clock.
    pub fn with_wall_clock(mut self, wall: Arc<dyn Clock>) -> Self {
        self.wall = wall;
        self
    }

    /// Forgets what was kept in memory from the store's contents (the
    /// default KMS key, unsealed key material, cached reads, failed console
    /// logons), after the store was emptied or replaced under the domain.
    pub fn forget_cached_state(&self) {
        self.login_guard.clear();
        *self
            .default_key_id
            .write()
            .unwrap_or_else(|e| e.into_inner()) = None;
        self.materials.clear();
        self.reads.clear();
    }

    /// The underlying store.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }
}
