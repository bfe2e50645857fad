//! The conformance suite on PostgreSQL, and what only several replicas on one
//! database can show: shared limits, a shared replay window, concurrent
//! migrations.
//!
//! The server is `postgres://postgres@127.0.0.1:5432/postgres` unless
//! `RAMPART_TEST_POSTGRES_URL` names another (its user must be allowed to
//! create databases). Each store gets a fresh `rampart_test_*` database,
//! dropped at the end even when a test fails. An unreachable server fails the
//! tests, unless `RAMPART_TEST_POSTGRES=skip`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod conformance;

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{SystemTime, UNIX_EPOCH};

use rampart_store::{
    AccessKeyRow, Entity, IamStore, KeyStatus, PostgresStore, Store, StoreError, UserRow,
};

const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// An error with its causes (the driver leaves the reason to `source()`).
fn describe(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        out = format!("{out}: {c}");
        cause = c.source();
    }
    out
}

fn admin_url() -> String {
    std::env::var("RAMPART_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_URL.to_string())
}

/// `url` with its database replaced by `db`.
fn with_database(url: &str, db: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        // key=value form: a later `dbname` wins.
        return format!("{url} dbname={db}");
    };
    let (base, query) = match url.find('?') {
        Some(q) => (&url[..q], &url[q..]),
        None => (url, ""),
    };
    let authority_end = base[scheme_end + 3..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + 3 + i);
    format!("{}/{db}{query}", &base[..authority_end])
}

/// A freshly created database, dropped (with its connections) on drop.
struct TestDb {
    admin: String,
    name: String,
    url: String,
}

impl TestDb {
    /// Creates a fresh database; `None` only if the server is unreachable
    /// and `RAMPART_TEST_POSTGRES=skip` is set.
    fn create() -> Option<Self> {
        static SEQ: AtomicU64 = AtomicU64::new(0);
        let admin = admin_url();
        let mut client = match postgres::Client::connect(&admin, postgres::NoTls) {
            Ok(c) => c,
            Err(e) => {
                let e = describe(&e);
                if std::env::var("RAMPART_TEST_POSTGRES").as_deref() == Ok("skip") {
                    eprintln!("skipped: PostgreSQL unreachable at `{admin}` ({e}) and RAMPART_TEST_POSTGRES=skip");
                    return None;
                }
                panic!(
                    "PostgreSQL is unreachable at `{admin}`: {e}\n\
                     Start a server there, point RAMPART_TEST_POSTGRES_URL at one \
                     (its user must be allowed to create databases), or set \
                     RAMPART_TEST_POSTGRES=skip to skip these tests."
                );
            }
        };
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let name = format!(
            "rampart_test_{}_{nanos}_{}",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::Relaxed)
        );
        client
            .batch_execute(&format!("CREATE DATABASE \"{name}\""))
            .unwrap_or_else(|e| {
                panic!(
                    "cannot create test database `{name}` at `{admin}`: {}",
                    describe(&e)
                )
            });
        let url = with_database(&admin, &name);
        Some(Self { admin, name, url })
    }

    fn open(&self) -> PostgresStore {
        PostgresStore::open(&self.url)
            .unwrap_or_else(|e| panic!("cannot open store on `{}`: {e}", self.name))
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let dropped = postgres::Client::connect(&self.admin, postgres::NoTls).and_then(|mut c| {
            c.batch_execute(&format!(
                "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
                self.name
            ))
        });
        if let Err(e) = dropped {
            eprintln!(
                "could not drop test database `{}`: {}",
                self.name,
                describe(&e)
            );
        }
    }
}

#[test]
fn url_database_is_replaced() {
    assert_eq!(
        with_database("postgres://u@h:5432/postgres", "x"),
        "postgres://u@h:5432/x"
    );
    assert_eq!(with_database("postgres://u@h", "x"), "postgres://u@h/x");
    assert_eq!(
        with_database("postgresql://u:p@h/db?sslmode=disable", "x"),
        "postgresql://u:p@h/x?sslmode=disable"
    );
    assert_eq!(
        with_database("host=h user=u", "x"),
        "host=h user=u dbname=x"
    );
}

#[test]
fn postgres_conformance() {
    let dbs: RefCell<Vec<TestDb>> = RefCell::new(Vec::new());
    if TestDb::create().is_none() {
        return;
    }
    conformance::run_all(&|| {
        let db = TestDb::create().unwrap();
        let store = db.open();
        dbs.borrow_mut().push(db);
        Box::new(store) as Box<dyn Store>
    });
}

#[test]
fn postgres_reopen_keeps_data() {
    let Some(db) = TestDb::create() else { return };
    {
        let s = db.open();
        s.create_user(&user("keep"), 10).unwrap();
    }
    let s = db.open();
    assert!(s.get_user("keep").unwrap().is_some());
}

fn user(name: &str) -> UserRow {
    UserRow {
        user_id: format!("id-{name}"),
        user_name: name.into(),
        ..Default::default()
    }
}

fn key(id: &str) -> AccessKeyRow {
    AccessKeyRow {
        access_key_id: id.into(),
        user_name: None,
        secret_sealed: vec![1],
        status: KeyStatus::Active,
        created_at: 1,
        last_used_at: None,
    }
}

const THREADS: usize = 8;

/// Runs `f(store, thread)` on `THREADS` threads released together, the
/// threads alternating between the two replicas; returns the results.
fn race<T: Send + 'static>(
    replicas: &[Arc<PostgresStore>; 2],
    f: impl Fn(&PostgresStore, usize) -> T + Send + Sync + 'static,
) -> Vec<T> {
    let f = Arc::new(f);
    let start = Arc::new(Barrier::new(THREADS));
    let handles: Vec<_> = (0..THREADS)
        .map(|i| {
            let store = Arc::clone(&replicas[i % 2]);
            let (f, start) = (Arc::clone(&f), Arc::clone(&start));
            std::thread::spawn(move || {
                start.wait();
                f(&store, i)
            })
        })
        .collect();
    handles.into_iter().map(|h| h.join().unwrap()).collect()
}

#[test]
fn replicas_share_limits() {
    let Some(db) = TestDb::create() else { return };
    let replicas = [Arc::new(db.open()), Arc::new(db.open())];
    for round in 0..10 {
        let name = format!("u{round}");
        replicas[0].create_user(&user(&name), 1000).unwrap();
        let who = name.clone();
        let results = race(&replicas, move |s, i| {
            s.create_access_key(&who, &key(&format!("K{round}-{i}")), 2)
        });
        let created = results.iter().filter(|r| r.is_ok()).count();
        for r in &results {
            assert!(
                matches!(r, Ok(()) | Err(StoreError::Limit(Entity::AccessKey))),
                "unexpected outcome: {r:?}"
            );
        }
        assert_eq!(created, 2, "round {round}: {results:?}");
        assert_eq!(replicas[1].list_access_keys(&name).unwrap().len(), 2);
    }
    // An account-wide limit: 10 users exist; at most 13 allowed.
    let results = race(&replicas, |s, i| s.create_user(&user(&format!("n{i}")), 13));
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 3);
    assert_eq!(replicas[0].list_users(None, 100).unwrap().len(), 13);
    // Uniqueness across replicas: one name, one winner.
    let results = race(&replicas, |s, _| s.create_user(&user("same"), 1000));
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1);
    assert!(results
        .iter()
        .all(|r| matches!(r, Ok(()) | Err(StoreError::Conflict(Entity::User)))));
}

#[test]
fn replicas_share_the_replay_window() {
    let Some(db) = TestDb::create() else { return };
    let replicas = [Arc::new(db.open()), Arc::new(db.open())];
    for round in 0..20 {
        let nonce = format!("nonce-{round}");
        let results = race(&replicas, move |s, _| {
            s.use_nonce("AK", &nonce, 100, 200).unwrap()
        });
        assert_eq!(
            results.iter().filter(|fresh| **fresh).count(),
            1,
            "round {round}: {results:?}"
        );
    }
    // Seen by one replica, refused by the other up to and including its
    // expiry second; free again after it.
    assert!(replicas[0].use_nonce("AK", "x", 100, 200).unwrap());
    assert!(!replicas[1].use_nonce("AK", "x", 199, 299).unwrap());
    assert!(!replicas[1].use_nonce("AK", "x", 200, 300).unwrap());
    assert!(replicas[1].use_nonce("AK", "x", 201, 301).unwrap());
    // Expired entries are pruned as the window moves on.
    for i in 0..2048 {
        replicas[0]
            .use_nonce("AK", &format!("p{i}"), 1000, 1001)
            .unwrap();
    }
    let mut c = postgres::Client::connect(&db.url, postgres::NoTls).unwrap();
    let left: i64 = c
        .query_one("SELECT COUNT(*) FROM nonces WHERE expires_at < 1000", &[])
        .unwrap()
        .get(0);
    assert_eq!(left, 0, "expired nonces were pruned");
}

#[test]
fn replicas_migrate_a_fresh_database_together() {
    for _ in 0..3 {
        let Some(db) = TestDb::create() else { return };
        let url = Arc::new(db.url.clone());
        let start = Arc::new(Barrier::new(4));
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let (url, start) = (Arc::clone(&url), Arc::clone(&start));
                std::thread::spawn(move || {
                    start.wait();
                    PostgresStore::open(&url).map(|_| ())
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap().unwrap();
        }
        let mut c = postgres::Client::connect(&db.url, postgres::NoTls).unwrap();
        let versions: Vec<i64> = c
            .query(
                "SELECT version FROM schema_migrations ORDER BY version",
                &[],
            )
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
        assert_eq!(versions, (1..=versions.len() as i64).collect::<Vec<_>>());
        assert!(versions.len() >= 3);
    }
}

#[test]
fn open_reports_the_servers_reason() {
    let Some(db) = TestDb::create() else { return };
    let missing = with_database(&db.url, &format!("{}_missing", db.name));
    let err = PostgresStore::open(&missing).unwrap_err().to_string();
    assert!(err.contains("does not exist"), "{err}");
}
