//! Opening the data directory, the master key and the store; first-start
//! initialization and the credentials file.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{bail, Context};
use rampart_core::account::{initialize, RootCredentials};
use rampart_core::{OffsetClock, Rampart, Settings, SystemClock};
use rampart_crypto::MasterKey;
use rampart_store::{SqliteStore, Store};

use crate::config::{Config, Database};

/// The credentials file name inside the data dir.
pub const CREDENTIALS_FILE: &str = "root-credentials.json";

/// The mode of the data dir: owner only (it holds the database, the master
/// key and the root credentials).
pub const DATA_DIR_MODE: u32 = 0o700;

/// Creates `dir` (and its parents) owner-only, or tightens it to
/// [`DATA_DIR_MODE`] if it exists with a looser mode.
pub fn private_dir(dir: &Path) -> anyhow::Result<()> {
    fs::DirBuilder::new()
        .recursive(true)
        .mode(DATA_DIR_MODE)
        .create(dir)
        .with_context(|| format!("cannot create directory `{}`", dir.display()))?;
    let mode = fs::metadata(dir)
        .with_context(|| format!("cannot read directory `{}`", dir.display()))?
        .permissions()
        .mode()
        & 0o777;
    if mode & !DATA_DIR_MODE != 0 {
        fs::set_permissions(dir, fs::Permissions::from_mode(DATA_DIR_MODE)).with_context(|| {
            format!(
                "directory `{}` has mode {mode:o}; cannot restrict it to {DATA_DIR_MODE:o}",
                dir.display()
            )
        })?;
        tracing::info!(dir = %dir.display(), from = format!("{mode:o}"), "directory restricted to its owner (700)");
    }
    Ok(())
}

/// The store, and the same store as the embedded one when it is.
type Opened = (Arc<dyn Store>, Option<Arc<SqliteStore>>);

fn open_store(cfg: &Config) -> anyhow::Result<Opened> {
    private_dir(&cfg.data_dir)?;
    match &cfg.database {
        Database::Sqlite(path) => {
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                if !parent.exists() {
                    private_dir(parent)?;
                }
            }
            let store =
                Arc::new(SqliteStore::open_exclusive(path).with_context(|| {
                    format!("cannot open SQLite database `{}`", path.display())
                })?);
            Ok((store.clone(), Some(store)))
        }
        Database::Postgres(url) => {
            // The URL may hold a password: name only what is safe to log.
            let store = rampart_store::PostgresStore::open_with(url, cfg.db_pool_size)
                .context("cannot open the configured PostgreSQL database")?;
            Ok((Arc::new(store), None))
        }
        Database::Mysql(url) => {
            let store = rampart_store::MysqlStore::open_with(url, cfg.db_pool_size)
                .context("cannot open the configured MySQL database")?;
            Ok((Arc::new(store), None))
        }
    }
}

fn master_key(cfg: &Config, store_initialized: bool) -> anyhow::Result<MasterKey> {
    let path = &cfg.master_key_file;
    if path.exists() {
        return Ok(MasterKey::load(path)?);
    }
    if store_initialized {
        bail!(
            "the store is initialized but the master key file `{}` is missing; restore it (or point --master-key-file at it)",
            path.display()
        );
    }
    Ok(MasterKey::create(path)?)
}

/// Creates the credentials file, empty and owner-only, before the store is
/// initialized: an account is never created without a place for its root
/// secret (a file or link already there refuses the start, and nothing is
/// created).
fn create_credentials_file(cfg: &Config) -> anyhow::Result<(PathBuf, fs::File)> {
    let path = cfg.data_dir.join(CREDENTIALS_FILE);
    let f = rampart_store::files::open_private(&path, rampart_store::files::Open::CreateNew)
        .with_context(|| {
            format!(
                "cannot create `{}` for the new account's root credentials (the store was not initialized: remove what is there and start again)",
                path.display()
            )
        })?;
    Ok((path, f))
}

fn write_credentials(mut f: fs::File, creds: &RootCredentials) -> anyhow::Result<()> {
    let json = zeroize::Zeroizing::new(serde_json::to_string_pretty(creds)?);
    f.write_all(json.as_bytes())?;
    f.write_all(b"\n")?;
    f.sync_all()?;
    Ok(())
}

/// What [`open`] opened.
pub struct Open {
    /// The domain.
    pub rampart: Rampart,
    /// The new credentials, on first start.
    pub fresh: Option<RootCredentials>,
    /// The embedded store (test mode's reset and snapshots need it).
    pub embedded: Option<Arc<SqliteStore>>,
    /// The test clock (`--test-mode` only).
    pub test_clock: Option<Arc<OffsetClock>>,
}

/// Opens everything; initializes an empty store. Returns the domain and, on
/// first start, the new credentials.
pub fn open(cfg: &Config) -> anyhow::Result<Open> {
    let (store, embedded) = open_store(cfg)?;
    let initialized = store.account()?.is_some();
    let key = master_key(cfg, initialized)?;
    let keyring = key.keyring();
    let mut fresh = None;
    if !initialized {
        let (path, file) = create_credentials_file(cfg)?;
        let creds = match initialize(
            store.as_ref(),
            &keyring,
            rampart_core::Clock::now(&SystemClock),
        ) {
            Ok(c) => c,
            Err(e) => {
                let _ = fs::remove_file(&path);
                return Err(e.into());
            }
        };
        write_credentials(file, &creds).with_context(|| {
            format!(
                "the account {} was created but its root credentials could not be written to `{}`",
                creds.account_id,
                path.display()
            )
        })?;
        tracing::info!(path = %path.display(), account_id = %creds.account_id, "initialized a new account; root credentials written");
        fresh = Some(creds);
    }
    let settings = Settings {
        region: cfg.region.clone(),
        rotation_grace_period: cfg.rotation_grace_period,
        min_rotation_interval: cfg.min_rotation_interval,
        costly_thread_init: Some(lower_priority),
        limits: rampart_core::Limits {
            secrets: cfg.max_secrets,
            ..rampart_core::Limits::default()
        },
        ..Settings::default()
    };
    if !cfg.test_mode {
        let rampart = Rampart::open(store, keyring, Arc::new(SystemClock), settings)?;
        return Ok(Open {
            rampart,
            fresh,
            embedded,
            test_clock: None,
        });
    }
    // Test mode: the domain's time is the test clock, kept ahead of the
    // wall clock by the offset saved in the store; signatures stay on the
    // wall clock.
    let offset = crate::testmode::saved_offset(store.as_ref())?;
    let clock = Arc::new(OffsetClock::new(offset));
    let rampart = Rampart::open(store, keyring, clock.clone(), settings)?
        .with_wall_clock(Arc::new(SystemClock));
    Ok(Open {
        rampart,
        fresh,
        embedded,
        test_clock: Some(clock),
    })
}

/// Lowers the calling thread's scheduling priority (nice 10): the threads
/// that generate key pairs and hash passwords yield the CPU to requests.
fn lower_priority() {
    // On Linux a thread has its own nice value; `None` is the calling one.
    if let Err(e) = rustix::process::setpriority_process(None, 10) {
        tracing::debug!(error = %e, "could not lower a worker thread's priority");
    }
}

/// `rampart init`: initialize and print the credentials, or refuse.
pub fn init_command(cfg: &Config) -> anyhow::Result<()> {
    let (store, embedded) = open_store(cfg)?;
    if let Some(acct) = store.account()? {
        bail!(
            "the store is already initialized (account {}); its credentials are in `{}`",
            acct.account_id,
            cfg.data_dir.join(CREDENTIALS_FILE).display()
        );
    }
    drop(store);
    drop(embedded);
    let creds = open(cfg)?.fresh;
    let creds = creds.context("the store was initialized concurrently")?;
    println!("{}", serde_json::to_string_pretty(&creds)?);
    Ok(())
}

/// `rampart backup` / `rampart restore`.
pub enum Maintenance {
    /// Write a copy of the database to this file.
    Backup(PathBuf),
    /// Restore the database from this file.
    Restore(PathBuf),
}

/// Runs a backup or a restore of the embedded SQLite store.
pub fn maintenance(cfg: &Config, op: Maintenance) -> anyhow::Result<()> {
    let Database::Sqlite(db) = &cfg.database else {
        bail!(
            "backup and restore here cover the embedded SQLite store; for PostgreSQL use its own tools \
             (`pg_dump -Fc` / `pg_restore`) and keep the master key file with the dump"
        );
    };
    match op {
        Maintenance::Backup(out) => {
            if out.exists() {
                bail!("`{}` already exists; choose a new file", out.display());
            }
            if !db.exists() {
                bail!("there is no database at `{}`", db.display());
            }
            let store = SqliteStore::open(db)?;
            store.backup_to(&out)?;
            eprintln!(
                "backed up `{}` to `{}`. The backup is useless without the master key file `{}`: keep a copy of it apart from the backup.",
                db.display(),
                out.display(),
                cfg.master_key_file.display()
            );
            Ok(())
        }
        Maintenance::Restore(from) => {
            if db.exists() {
                bail!(
                    "`{}` already exists; restore into an empty data dir (or move the current database away first)",
                    db.display()
                );
            }
            // Only the master key (and a TLS directory) may be there already.
            if let Ok(entries) = fs::read_dir(&cfg.data_dir) {
                for entry in entries.flatten() {
                    let path = entry.path();
                    let allowed = path == cfg.master_key_file
                        || entry.file_name() == "tls"
                        || entry.file_name() == CREDENTIALS_FILE;
                    if !allowed {
                        bail!(
                            "the data dir `{}` holds `{}`: restore into a data dir that holds only the master key file (mkdir a new one, copy master.key into it)",
                            cfg.data_dir.display(),
                            entry.file_name().to_string_lossy()
                        );
                    }
                }
            }
            let key = MasterKey::load(&cfg.master_key_file).with_context(|| {
                format!(
                    "the master key file `{}` of the backed-up store is needed to restore it",
                    cfg.master_key_file.display()
                )
            })?;
            private_dir(&cfg.data_dir)?;
            let staging = db.with_extension("restoring");
            let _ = fs::remove_file(&staging);
            // Owner-only from its first byte (a copy would take the
            // backup's mode).
            let copied = (|| -> anyhow::Result<()> {
                let mut src = fs::File::open(&from)
                    .with_context(|| format!("cannot read `{}`", from.display()))?;
                let mut dst = fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .mode(0o600)
                    .open(&staging)
                    .with_context(|| format!("cannot create `{}`", staging.display()))?;
                fs::set_permissions(&staging, fs::Permissions::from_mode(0o600))?;
                std::io::copy(&mut src, &mut dst)
                    .with_context(|| format!("cannot copy `{}`", from.display()))?;
                dst.sync_all()?;
                Ok(())
            })();
            if let Err(e) = copied {
                let _ = fs::remove_file(&staging);
                return Err(e);
            }
            // Check the backup opens and that this master key unseals it.
            let check = (|| -> anyhow::Result<()> {
                let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&staging)?);
                let rampart = Rampart::open(
                    store,
                    key.keyring(),
                    Arc::new(SystemClock),
                    Settings::default(),
                )?;
                rampart.verify_keyring().map_err(|e| {
                    anyhow::anyhow!("the master key does not match this backup: {e}")
                })?;
                Ok(())
            })();
            let check = check.and_then(|()| Ok(SqliteStore::fold_wal(&staging)?));
            if let Err(e) = check {
                let _ = fs::remove_file(&staging);
                for suffix in ["-wal", "-shm", "-journal"] {
                    let mut p = staging.as_os_str().to_owned();
                    p.push(suffix);
                    let _ = fs::remove_file(PathBuf::from(p));
                }
                return Err(e);
            }
            fs::rename(&staging, db)?;
            eprintln!("restored `{}` from `{}`", db.display(), from.display());
            let creds = cfg.data_dir.join(CREDENTIALS_FILE);
            if !creds.exists() {
                eprintln!(
                    "the root credentials are not restored: they stay in the root-credentials.json of the data dir that first initialized the store (copy it to `{}` to keep them with this one)",
                    creds.display()
                );
            }
            Ok(())
        }
    }
}
