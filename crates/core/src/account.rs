//! Initializing the account and resolving AccessKeys to principals.

use std::sync::Arc;

use rampart_crypto::{
    hash_generated_password, open, random_alnum, random_digits, seal, Keyring, Purpose,
    SecretString,
};
use rampart_store::{AccessKeyRow, AccountRow, Entity, KeyStatus, Store, StoreError};
use serde::Serialize;

use crate::{ApiError, Clock, Principal, Rampart, Settings};

/// The account's root credentials, written once to `root-credentials.json`.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RootCredentials {
    /// 16-digit account id.
    pub account_id: String,
    /// Root AccessKeyId.
    pub access_key_id: String,
    /// Root AccessKey secret.
    #[serde(serialize_with = "expose")]
    pub access_key_secret: SecretString,
    /// Console password of the account.
    #[serde(serialize_with = "expose")]
    pub console_password: SecretString,
    /// The console's logon name of the account: its id.
    pub console_logon_name: String,
}

fn expose<S: serde::Serializer>(s: &SecretString, ser: S) -> Result<S::Ok, S::Error> {
    ser.serialize_str(s.expose())
}

impl std::fmt::Debug for RootCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RootCredentials")
            .field("account_id", &self.account_id)
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

/// Opening the domain failed.
#[derive(Debug, thiserror::Error)]
pub enum InitError {
    /// The store already holds an account.
    #[error("the store is already initialized (account {0})")]
    AlreadyInitialized(String),
    /// The store holds no account yet.
    #[error("the store is not initialized")]
    NotInitialized,
    /// Storage or crypto failure.
    #[error("{0}")]
    Other(String),
}

/// A new AccessKeyId in Alibaba's shape (`LTAI` + 20 characters).
pub fn new_access_key_id() -> String {
    format!("LTAI{}", random_alnum(20))
}

/// Associated data binding a sealed AccessKey secret to its key id.
pub(crate) fn secret_aad(access_key_id: &str) -> Vec<u8> {
    format!("rampart/access-key/{access_key_id}").into_bytes()
}

/// Seals a fresh AccessKey secret; returns the row fields and the plaintext.
pub(crate) fn new_key_row(
    keyring: &Keyring,
    user_name: Option<String>,
    now: i64,
) -> (AccessKeyRow, SecretString) {
    let id = new_access_key_id();
    let secret = SecretString::new(random_alnum(30));
    let sealed = seal(
        keyring.key(Purpose::AccessKeySecret),
        secret.expose().as_bytes(),
        &secret_aad(&id),
    );
    (
        AccessKeyRow {
            access_key_id: id,
            user_name,
            secret_sealed: sealed,
            status: KeyStatus::Active,
            created_at: now,
            last_used_at: None,
        },
        secret,
    )
}

/// Creates the account, its root key and console password in an empty store.
pub fn initialize(
    store: &dyn Store,
    keyring: &Keyring,
    now: i64,
) -> Result<RootCredentials, InitError> {
    if let Some(acct) = store
        .account()
        .map_err(|e| InitError::Other(e.to_string()))?
    {
        return Err(InitError::AlreadyInitialized(acct.account_id));
    }
    let account_id = random_digits(16);
    // 20 random letters and digits: about 119 bits.
    let console_password = SecretString::new(format!("{}-{}", random_alnum(12), random_alnum(8)));
    let hash = hash_generated_password(console_password.expose())
        .map_err(|e| InitError::Other(e.to_string()))?;
    let (row, secret) = new_key_row(keyring, None, now);
    let account = AccountRow {
        account_id: account_id.clone(),
        console_password_hash: hash,
        created_at: now,
    };
    match store.init_account(&account, &row) {
        Ok(()) => {}
        Err(StoreError::Conflict(Entity::Account)) => {
            return Err(InitError::AlreadyInitialized(String::new()));
        }
        Err(e) => return Err(InitError::Other(e.to_string())),
    }
    Ok(RootCredentials {
        console_logon_name: account_id.clone(),
        account_id,
        access_key_id: row.access_key_id,
        access_key_secret: secret,
        console_password,
    })
}

/// A key resolved for signature checking: who owns it, its secret, its state.
#[derive(Clone)]
pub struct ResolvedKey {
    /// The principal the key stands for.
    pub principal: Principal,
    /// The key's secret (to recompute the signature).
    pub secret: SecretString,
    /// Active or not.
    pub active: bool,
    /// Last recorded use.
    pub last_used_at: Option<i64>,
}

impl Rampart {
    /// Opens the domain over an initialized store.
    pub fn open(
        store: Arc<dyn Store>,
        keyring: Keyring,
        clock: Arc<dyn Clock>,
        settings: Settings,
    ) -> Result<Self, InitError> {
        let account = store
            .account()
            .map_err(|e| InitError::Other(e.to_string()))?
            .ok_or(InitError::NotInitialized)?;
        let threads = match settings.costly_threads {
            0 => crate::costly::CostlyPool::default_threads(),
            n => n,
        };
        let costly = Arc::new(crate::costly::CostlyPool::new(
            threads,
            settings.costly_thread_init,
        ));
        Ok(Self {
            store,
            keyring,
            wall: clock.clone(),
            clock,
            settings,
            costly,
            oidc_verifier: rampart_federation::oidc::Verifier::new(
                rampart_federation::oidc::FetchOptions::default(),
            ),
            account_id: account.account_id,
            policy_cache: Arc::default(),
            materials: Arc::default(),
            reads: Arc::default(),
            login_guard: Arc::default(),
            audit: Arc::default(),
            default_key_id: Arc::default(),
        })
    }

    /// Looks up an AccessKey for authentication. `Ok(None)`: no such key.
    pub fn resolve_access_key(&self, access_key_id: &str) -> Result<Option<ResolvedKey>, ApiError> {
        self.reads
            .access_keys
            .get_or_load(self.store.generation(), access_key_id, || {
                self.load_access_key(access_key_id)
            })
    }

    fn load_access_key(&self, access_key_id: &str) -> Result<Option<ResolvedKey>, ApiError> {
        let Some(row) = self
            .store
            .get_access_key(access_key_id)
            .map_err(ApiError::internal)?
        else {
            return Ok(None);
        };
        let plain = open(
            self.keyring.key(Purpose::AccessKeySecret),
            &row.secret_sealed,
            &secret_aad(&row.access_key_id),
        )
        .map_err(|e| {
            ApiError::internal(format!(
                "access key {access_key_id} cannot be unsealed: {e}"
            ))
        })?;
        let secret = SecretString::new(String::from_utf8(plain).map_err(ApiError::internal)?);
        let principal = match &row.user_name {
            None => Principal::Root {
                account_id: self.account_id.clone(),
                access_key_id: row.access_key_id.clone(),
            },
            Some(name) => {
                let user = self
                    .store
                    .get_user(name)
                    .map_err(ApiError::internal)?
                    .ok_or_else(|| ApiError::internal("access key owner vanished"))?;
                Principal::User {
                    account_id: self.account_id.clone(),
                    user_id: user.user_id,
                    user_name: user.user_name,
                    access_key_id: row.access_key_id.clone(),
                    mfa_at: None,
                }
            }
        };
        Ok(Some(ResolvedKey {
            principal,
            secret,
            active: row.status == KeyStatus::Active,
            last_used_at: row.last_used_at,
        }))
    }

    /// Records a nonce, seen at `now` (the time the request's timestamp was
    /// checked against), until `expires_at` inclusive; `Ok(false)` if it was
    /// already recorded and `now <= ` its expiry (a replay).
    pub fn use_nonce(
        &self,
        access_key_id: &str,
        nonce: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<bool, ApiError> {
        self.store
            .use_nonce(access_key_id, nonce, now, expires_at)
            .map_err(ApiError::internal)
    }

    /// [`Self::use_nonce`], answered now or once the nonce is written:
    /// the caller may go on meanwhile if it changes nothing, and must not
    /// answer before the verdict.
    pub fn submit_nonce(
        &self,
        access_key_id: &str,
        nonce: &str,
        now: i64,
        expires_at: i64,
    ) -> rampart_store::NonceCheck {
        self.store
            .submit_nonce(access_key_id, nonce, now, expires_at)
    }

    /// Records a key's use (at most once a minute per key, to spare writes).
    pub fn note_key_use(&self, key: &KeyUse) {
        if key.session {
            return;
        }
        let now = self.now();
        if key.last_used_at.is_none_or(|t| now - t >= 60) {
            if let Err(e) = self.store.touch_access_key(&key.access_key_id, now) {
                tracing::warn!(error = %e, "could not record access key use");
            }
        }
    }
}

/// What recording an AccessKey's use needs (no secret).
#[derive(Debug, Clone)]
pub struct KeyUse {
    access_key_id: String,
    last_used_at: Option<i64>,
    session: bool,
}

impl KeyUse {
    /// The use of the key that signed a request.
    pub fn of(key: &ResolvedKey) -> Self {
        Self {
            access_key_id: key.principal.access_key_id().to_string(),
            last_used_at: key.last_used_at,
            session: matches!(key.principal, Principal::AssumedRole { .. }),
        }
    }
}

impl Rampart {
    /// Checks that the keyring opens the store's secrets: the account's
    /// root AccessKey secrets are unsealed as a probe.
    pub fn verify_keyring(&self) -> Result<(), KeyringMismatch> {
        let roots = self
            .store
            .root_access_keys()
            .map_err(|e| KeyringMismatch(format!("the store cannot be read: {e}")))?;
        if roots.is_empty() {
            return Err(KeyringMismatch("the store has no root AccessKey".into()));
        }
        for row in roots {
            open(
                self.keyring.key(Purpose::AccessKeySecret),
                &row.secret_sealed,
                &secret_aad(&row.access_key_id),
            )
            .map_err(|_| {
                KeyringMismatch(
                    "its root AccessKey cannot be unsealed with this master key (it belongs to another data dir)".into(),
                )
            })?;
        }
        Ok(())
    }
}

/// Why a store and a master key do not belong together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyringMismatch(pub String);

impl std::fmt::Display for KeyringMismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for KeyringMismatch {}
