//! The conformance suite on PostgreSQL, and what only several replicas on one
//! database can show (`replicas`).
//!
//! The server is `postgres://postgres@127.0.0.1:5432/postgres` unless
//! `RAMPART_TEST_POSTGRES_URL` names another (its user must be allowed to
//! create databases). Each store gets a fresh `rampart_test_*` database,
//! dropped at the end even when a test fails. An unreachable server fails the
//! tests, unless `RAMPART_TEST_POSTGRES=skip`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails by panicking"
)]

mod conformance;
mod replicas;

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use rampart_store::{PostgresStore, Store, UserRow, UserStore};

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

#[test]
fn replicas_share_limits() {
    let Some(db) = TestDb::create() else { return };
    replicas::share_limits(&|| Arc::new(db.open()));
}

#[test]
fn replicas_share_the_replay_window() {
    let Some(db) = TestDb::create() else { return };
    replicas::share_the_replay_window(&|| Arc::new(db.open()), &|before| {
        let mut c = postgres::Client::connect(&db.url, postgres::NoTls).unwrap();
        c.query_one(
            "SELECT COUNT(*) FROM nonces WHERE expires_at < $1",
            &[&before],
        )
        .unwrap()
        .get(0)
    });
}

#[test]
fn replicas_migrate_a_fresh_database_together() {
    for _ in 0..3 {
        let Some(db) = TestDb::create() else { return };
        replicas::migrate_together(
            &|| {
                PostgresStore::open(&db.url).unwrap();
            },
            &|| {
                let mut c = postgres::Client::connect(&db.url, postgres::NoTls).unwrap();
                c.query(
                    "SELECT version FROM schema_migrations ORDER BY version",
                    &[],
                )
                .unwrap()
                .iter()
                .map(|r| r.get(0))
                .collect()
            },
        );
    }
}

#[test]
fn open_reports_the_servers_reason() {
    let Some(db) = TestDb::create() else { return };
    let missing = with_database(&db.url, &format!("{}_missing", db.name));
    let err = PostgresStore::open(&missing).unwrap_err().to_string();
    assert!(err.contains("does not exist"), "{err}");
}
