//! The embedded SQLite store: its connections, files and migrations.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use parking_lot::Mutex;
use rusqlite::{Connection, OpenFlags, TransactionBehavior};

use super::window::NonceWindow;
use crate::schema::{self, Types};
use crate::sql::Dialect;
use crate::{StoreError, StoreResult};

/// The migrations, by version: the common schema, then SQLite's own.
fn migrations() -> Vec<(i64, String)> {
    let mut all = schema::migrations(Dialect::Sqlite, Types::DEFAULT);
    all.push((6, include_str!("0006_counters.sql").to_string()));
    all.push((
        7,
        include_str!("0007_secret_tables_without_rowid.sql").to_string(),
    ));
    schema::in_order(all)
}
const READERS: usize = 4;

/// The embedded store: one SQLite file in WAL mode, one writer connection
/// and a few reader connections. The replay window is kept in memory (one
/// process owns the file), within a fixed bound ([`super::window`]).
pub struct SqliteStore {
    writer: Mutex<Connection>,
    readers: Vec<Mutex<Connection>>,
    nonces: Mutex<NonceWindow>,
    /// Bumped after every committed write that changed a row (audit
    /// events aside); see [`crate::IamStore::generation`]. One process owns
    /// the file (the server locks its data directory), so this process
    /// sees every write.
    generation: AtomicU64,
    /// The lock on `<database>.lock` held by [`SqliteStore::open_exclusive`]
    /// (released when the store is dropped or the process dies).
    exclusive: Option<std::fs::File>,
    /// Copies of the whole database kept in memory by name
    /// ([`SqliteStore::snapshot`]).
    snapshots: Mutex<std::collections::HashMap<String, Connection>>,
}

pub(crate) fn backend(e: rusqlite::Error) -> StoreError {
    StoreError::Backend(e.to_string())
}

/// The mode of every file of the database: owner only. They hold password
/// hashes and sealed keys.
const FILE_MODE: u32 = 0o600;

/// The files SQLite keeps beside a database (`-wal`, `-shm`, `-journal`).
fn companions(path: &Path) -> [std::path::PathBuf; 3] {
    ["-wal", "-shm", "-journal"].map(|suffix| {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        std::path::PathBuf::from(p)
    })
}

/// Sets `path` to exactly [`FILE_MODE`] (whatever the umask) if it exists,
/// through the open file: a symbolic link is refused, never followed.
fn restrict(path: &Path) -> StoreResult<()> {
    match crate::files::open_private(path, crate::files::Open::Read) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(StoreError::Backend(format!(
            "cannot restrict `{}` to mode {FILE_MODE:o}: {e}",
            path.display()
        ))),
    }
}

/// Creates `path` empty with [`FILE_MODE`] unless it exists (then
/// tightens it): SQLite creates a database file with mode 0644 less the
/// umask, and gives the `-wal` and `-shm` files it creates the mode of the
/// database file, so a database created here keeps all of them owner-only.
/// A symbolic link is refused.
fn create_private(path: &Path) -> StoreResult<()> {
    crate::files::open_private(path, crate::files::Open::Write)
        .map(drop)
        .map_err(|e| StoreError::Backend(format!("cannot create `{}`: {e}", path.display())))
}

/// The database file and the files beside it, owner-only.
fn restrict_database(path: &Path) -> StoreResult<()> {
    restrict(path)?;
    companions(path).iter().try_for_each(|p| restrict(p))
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and runs
    /// migrations, as the only process that may write to it: takes an
    /// exclusive lock on `<path>.lock`, or fails if another process holds
    /// it. Only such a store reports a [`crate::IamStore::generation`].
    pub fn open_exclusive(path: &Path) -> StoreResult<Self> {
        let mut lock_path = path.as_os_str().to_owned();
        lock_path.push(".lock");
        let lock_path = std::path::PathBuf::from(lock_path);
        let file =
            crate::files::open_private(&lock_path, crate::files::Open::Write).map_err(|e| {
                StoreError::Backend(format!(
                    "cannot open the lock file `{}`: {e}",
                    lock_path.display()
                ))
            })?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(StoreError::Backend(format!(
                    "another process is using the database `{}` (it holds `{}`): stop it first",
                    path.display(),
                    lock_path.display()
                )))
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(StoreError::Backend(format!(
                    "cannot lock `{}`: {e}",
                    lock_path.display()
                )))
            }
        }
        let mut store = Self::open(path)?;
        store.exclusive = Some(file);
        Ok(store)
    }

    /// Opens (creating if needed) the database at `path` and runs
    /// migrations, sharing it with other processes (tools, backups). The
    /// database and its `-wal`/`-shm` files are owner-only (0600), created
    /// so or tightened.
    pub fn open(path: &Path) -> StoreResult<Self> {
        create_private(path)?;
        restrict_database(path)?;
        let writer = open_conn(path, false)?;
        migrate(&writer)?;
        // WAL mode has created the `-wal` and `-shm` files by now.
        restrict_database(path)?;
        let mut readers = Vec::with_capacity(READERS);
        for _ in 0..READERS {
            readers.push(Mutex::new(open_conn(path, true)?));
        }
        Ok(Self {
            writer: Mutex::new(writer),
            readers,
            nonces: Mutex::new(NonceWindow::default()),
            generation: AtomicU64::new(0),
            exclusive: None,
            snapshots: Mutex::default(),
        })
    }

    /// Folds the write-ahead log of the database at `path` into it and
    /// leaves no `-wal`/`-shm` file beside it (a restored copy is moved in
    /// alone): no store may have it open.
    pub fn fold_wal(path: &Path) -> StoreResult<()> {
        {
            let conn = open_conn(path, false)?;
            conn.pragma_update(None, "wal_checkpoint", "TRUNCATE")
                .map_err(backend)?;
            conn.pragma_update(None, "journal_mode", "DELETE")
                .map_err(backend)?;
        }
        for p in companions(path) {
            match std::fs::remove_file(&p) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    return Err(StoreError::Backend(format!(
                        "cannot remove `{}`: {e}",
                        p.display()
                    )))
                }
            }
        }
        Ok(())
    }

    /// Writes a consistent copy of the whole database to `target` (which
    /// must not exist), while the store stays in use (`VACUUM INTO`). The
    /// copy is created owner-only (0600) before anything is written to it.
    pub fn backup_to(&self, target: &Path) -> StoreResult<()> {
        let path = target
            .to_str()
            .ok_or_else(|| StoreError::Backend("backup path is not UTF-8".into()))?;
        crate::files::open_private(target, crate::files::Open::CreateNew).map_err(|e| {
            StoreError::Backend(format!("cannot create `{}`: {e}", target.display()))
        })?;
        let result = restrict(target).and_then(|()| {
            let conn = self.writer.lock();
            conn.execute("VACUUM INTO ?1", [path]).map_err(backend)
        });
        if let Err(e) = result {
            let _ = std::fs::remove_file(target);
            return Err(e);
        }
        restrict_database(target)
    }

    /// Keeps a copy of the whole database in memory under `name` (replacing
    /// one of that name), with SQLite's online backup.
    pub fn snapshot(&self, name: &str) -> StoreResult<()> {
        let mut copy = Connection::open_in_memory().map_err(backend)?;
        {
            let src = self.writer.lock();
            let backup = rusqlite::backup::Backup::new(&src, &mut copy).map_err(backend)?;
            backup
                .run_to_completion(i32::MAX, Duration::ZERO, None)
                .map_err(backend)?;
        }
        self.snapshots.lock().insert(name.to_string(), copy);
        Ok(())
    }

    /// Puts the copy kept under `name` back in place of the whole
    /// database; `Ok(false)` if there is none. Cached reads are stale
    /// afterwards (the generation moves); the replay window stays.
    pub fn restore(&self, name: &str) -> StoreResult<bool> {
        let snapshots = self.snapshots.lock();
        let Some(copy) = snapshots.get(name) else {
            return Ok(false);
        };
        let out = (|| {
            let mut dst = self.writer.lock();
            let backup = rusqlite::backup::Backup::new(copy, &mut dst).map_err(backend)?;
            backup
                .run_to_completion(i32::MAX, Duration::ZERO, None)
                .map_err(backend)
        })();
        self.generation.fetch_add(1, Ordering::Release);
        out.map(|()| true)
    }

    /// The names of the snapshots kept, sorted.
    pub fn snapshot_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.snapshots.lock().keys().cloned().collect();
        names.sort();
        names
    }

    /// Runs `f` in one read transaction on a reader connection: every
    /// statement of `f` sees one snapshot, and the file locks are taken
    /// once instead of once per statement.
    pub(crate) fn read<T>(&self, f: impl FnOnce(&Connection) -> StoreResult<T>) -> StoreResult<T> {
        in_read_tx(&self.reader(), f)
    }

    /// A free reader connection, or the first one when all are busy.
    fn reader(&self) -> parking_lot::MutexGuard<'_, Connection> {
        self.readers
            .iter()
            .find_map(|r| r.try_lock())
            .unwrap_or_else(|| self.readers[0].lock())
    }

    /// Runs `f`, which runs one statement (its own snapshot), on a reader
    /// connection without a transaction around it.
    pub(crate) fn read_single<T>(
        &self,
        f: impl FnOnce(&Connection) -> StoreResult<T>,
    ) -> StoreResult<T> {
        f(&self.reader())
    }

    /// Runs `f` in one immediate write transaction; commits only if `f`
    /// succeeds. A `tracked` write that changed rows moves the generation
    /// (the audit trail, which no reader keeps, is written untracked).
    pub(crate) fn write<T>(
        &self,
        tracked: bool,
        f: impl FnOnce(&Connection) -> StoreResult<T>,
    ) -> StoreResult<T> {
        let mut conn = self.writer.lock();
        let before = conn.total_changes();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(backend)?;
        let out = match f(&tx) {
            Ok(v) => tx.commit().map(|()| v).map_err(backend),
            Err(e) => {
                drop(tx);
                Err(e)
            }
        };
        // After the commit (or the rollback of a dropped transaction):
        // whatever was read before this point is stale from now on.
        if tracked && conn.total_changes() != before {
            self.generation.fetch_add(1, Ordering::Release);
        }
        out
    }

    /// See [`crate::IamStore::generation`]: only a store opened with
    /// [`Self::open_exclusive`] sees every write.
    pub(crate) fn current_generation(&self) -> Option<u64> {
        self.exclusive
            .as_ref()
            .map(|_| self.generation.load(Ordering::Acquire))
    }

    pub(crate) fn record_nonce(&self, key: &str, nonce: &str, now: i64, expires_at: i64) -> bool {
        self.nonces.lock().record(key, nonce, now, expires_at)
    }
}

fn in_read_tx<T>(
    conn: &Connection,
    f: impl FnOnce(&Connection) -> StoreResult<T>,
) -> StoreResult<T> {
    let tx = conn.unchecked_transaction().map_err(backend)?;
    let out = f(&tx)?;
    tx.commit().map_err(backend)?;
    Ok(out)
}

fn open_conn(path: &Path, read_only: bool) -> StoreResult<Connection> {
    let flags = if read_only {
        OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_NOFOLLOW
    } else {
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_NOFOLLOW
    };
    let conn = Connection::open_with_flags(path, flags).map_err(backend)?;
    conn.busy_timeout(Duration::from_secs(5)).map_err(backend)?;
    if !read_only {
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(backend)?;
    }
    conn.pragma_update(None, "synchronous", "NORMAL")
        .map_err(backend)?;
    conn.pragma_update(None, "foreign_keys", "ON")
        .map_err(backend)?;
    Ok(conn)
}

fn migrate(conn: &Connection) -> StoreResult<()> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)",
    )
    .map_err(backend)?;
    let migrations = migrations();
    let current: i64 = conn
        .query_row(
            "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
            [],
            |r| r.get(0),
        )
        .map_err(backend)?;
    if migrations.iter().all(|(v, _)| *v <= current) {
        return Ok(());
    }
    // A migration that rebuilds a table drops and renames tables that
    // others reference: foreign keys are checked at the end of each
    // migration instead (SQLite's documented way; the pragma cannot change
    // inside a transaction).
    conn.pragma_update(None, "foreign_keys", "OFF")
        .map_err(backend)?;
    let result = (|| {
        for (version, sql) in &migrations {
            if *version <= current {
                continue;
            }
            conn.execute_batch(&format!(
                "BEGIN IMMEDIATE; {sql}; INSERT INTO schema_migrations VALUES ({version}, strftime('%s','now'));"
            ))
            .and_then(|()| {
                conn.query_row("SELECT COUNT(*) FROM pragma_foreign_key_check", [], |r| {
                    r.get::<_, i64>(0)
                })
            })
            .map_err(backend)
            .and_then(|violations| {
                if violations == 0 {
                    conn.execute_batch("COMMIT").map_err(backend)
                } else {
                    Err(StoreError::Backend(format!(
                        "migration {version} would leave {violations} foreign key violations"
                    )))
                }
            })
            .inspect_err(|_| {
                let _ = conn.execute_batch("ROLLBACK");
            })?;
        }
        Ok(())
    })();
    conn.pragma_update(None, "foreign_keys", "ON")
        .map_err(backend)?;
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(p: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn database_files_are_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite");
        let store = SqliteStore::open_exclusive(&path).unwrap();
        store
            .write(true, |tx| {
                tx.execute_batch("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1);")
                    .map_err(backend)
            })
            .unwrap();
        let [wal, shm, _] = companions(&path);
        let mut lock = path.as_os_str().to_owned();
        lock.push(".lock");
        for p in [&path, &wal, &shm, Path::new(&lock)] {
            assert_eq!(mode(p), 0o600, "{}", p.display());
        }
        // A backup is owner-only from its first byte, and refuses an
        // existing file.
        let out = dir.path().join("backup.sqlite");
        store.backup_to(&out).unwrap();
        assert_eq!(mode(&out), 0o600);
        assert!(std::fs::metadata(&out).unwrap().len() > 0);
        assert!(store.backup_to(&out).is_err());
        drop(store);
        // Files an earlier version left world-readable are tightened.
        let loose = std::fs::Permissions::from_mode(0o644);
        std::fs::set_permissions(&path, loose.clone()).unwrap();
        std::fs::write(&wal, b"").unwrap();
        std::fs::set_permissions(&wal, loose).unwrap();
        let store = SqliteStore::open(&path).unwrap();
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&wal), 0o600);
        assert_eq!(mode(&shm), 0o600);
        drop(store);
    }

    #[test]
    fn rebuilding_the_secret_tables_keeps_their_rows() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite");
        // A store at schema 6 with a secret, two versions and two stages.
        {
            let conn = open_conn(&path, false).unwrap();
            conn.execute_batch("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)")
                .unwrap();
            for (version, sql) in &migrations()[..6] {
                conn.execute_batch(&format!(
                    "BEGIN; {sql}; INSERT INTO schema_migrations VALUES ({version}, 0); COMMIT;"
                ))
                .unwrap();
            }
            conn.execute_batch(
                "INSERT INTO secrets (secret_name, secret_type, description, encryption_key_id, created_at, updated_at, \
                   rotation_enabled, next_seq, rotation_failures, lease_owner) \
                   VALUES ('db', 'Generic', 'd', 'k', 1, 2, 0, 3, 4, 'me'); \
                 INSERT INTO secret_versions VALUES ('db', 'v1', 1, 'text', 'k', 'kv', x'01', x'02', 5); \
                 INSERT INTO secret_versions VALUES ('db', 'v2', 2, 'text', 'k', 'kv', x'03', x'04', 6); \
                 INSERT INTO secret_stages VALUES ('db', 'ACSCurrent', 'v2'); \
                 INSERT INTO secret_stages VALUES ('db', 'ACSPrevious', 'v1');",
            )
            .unwrap();
        }
        let conn = open_conn(&path, false).unwrap();
        migrate(&conn).unwrap();
        let row: (String, i64, i64, String) = conn
            .query_row(
                "SELECT description, next_seq, rotation_failures, lease_owner FROM secrets WHERE secret_name = 'db'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .unwrap();
        assert_eq!(row, ("d".to_string(), 3, 4, "me".to_string()));
        let stages: i64 = conn
            .query_row("SELECT COUNT(*) FROM secret_stages", [], |r| r.get(0))
            .unwrap();
        assert_eq!(stages, 2);
        // The counter trigger and the foreign keys work on the new tables.
        conn.execute_batch(
            "INSERT INTO secrets (secret_name, secret_type, description, encryption_key_id, created_at, updated_at, \
               rotation_enabled, next_seq) VALUES ('db2', 'Generic', '', 'k', 1, 1, 0, 1)",
        )
        .unwrap();
        let n: i64 = conn
            .query_row("SELECT n FROM counters WHERE name = 'secrets'", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(n, 2);
        let fk: bool = conn
            .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
            .unwrap();
        assert!(fk);
        assert!(conn
            .execute("INSERT INTO secret_stages VALUES ('db', 'X', 'nope')", [])
            .is_err());
        // Running the migrations again changes nothing.
        migrate(&conn).unwrap();
    }
}
