//! The conformance suite on MariaDB/MySQL, and what only several replicas
//! on one database can show (`replicas`).
//!
//! The server is `mysql://root@127.0.0.1:3306` unless
//! `RAMPART_TEST_MYSQL_URL` names another (its user must be allowed to
//! create databases). Each store gets a fresh `rampart_test_*` database,
//! dropped at the end even when a test fails. An unreachable server fails
//! the tests, unless `RAMPART_TEST_MYSQL=skip`.
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

use mysql::prelude::Queryable;
use rampart_store::{MysqlStore, Store, UserRow, UserStore};

const DEFAULT_URL: &str = "mysql://root@127.0.0.1:3306";

fn admin_url() -> String {
    std::env::var("RAMPART_TEST_MYSQL_URL").unwrap_or_else(|_| DEFAULT_URL.to_string())
}

/// `url` with its database replaced by `db`.
fn with_database(url: &str, db: &str) -> String {
    let (base, query) = match url.find('?') {
        Some(q) => (&url[..q], &url[q..]),
        None => (url, ""),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let authority_end = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    format!("{}/{db}{query}", &base[..authority_end])
}

/// A freshly created database, dropped on drop.
struct TestDb {
    admin: String,
    name: String,
    url: String,
}

impl TestDb {
    /// Creates a fresh database; `None` only if the server is unreachable
    /// and `RAMPART_TEST_MYSQL=skip` is set.
    fn create() -> Option<Self> {
        static SEQ: AtomicU64 = AtomicU64::new(0);
        let admin = admin_url();
        let mut conn = match mysql::Conn::new(admin.as_str()) {
            Ok(c) => c,
            Err(e) => {
                if std::env::var("RAMPART_TEST_MYSQL").as_deref() == Ok("skip") {
                    eprintln!(
                        "skipped: MySQL unreachable at `{admin}` ({e}) and RAMPART_TEST_MYSQL=skip"
                    );
                    return None;
                }
                panic!(
                    "MariaDB/MySQL is unreachable at `{admin}`: {e}\n\
                     Start a server there, point RAMPART_TEST_MYSQL_URL at one \
                     (its user must be allowed to create databases), or set \
                     RAMPART_TEST_MYSQL=skip to skip these tests."
                );
            }
        };
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        let name = format!(
            "rampart_test_{}_{nanos}_{}",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::Relaxed)
        );
        conn.query_drop(format!("CREATE DATABASE `{name}`"))
            .unwrap_or_else(|e| panic!("cannot create test database `{name}`: {e}"));
        let url = with_database(&admin, &name);
        Some(Self { admin, name, url })
    }

    fn open(&self) -> MysqlStore {
        MysqlStore::open(&self.url)
            .unwrap_or_else(|e| panic!("cannot open store on `{}`: {e}", self.name))
    }

    fn conn(&self) -> mysql::Conn {
        mysql::Conn::new(self.url.as_str()).unwrap()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let dropped = mysql::Conn::new(self.admin.as_str())
            .and_then(|mut c| c.query_drop(format!("DROP DATABASE IF EXISTS `{}`", self.name)));
        if let Err(e) = dropped {
            eprintln!("could not drop test database `{}`: {e}", self.name);
        }
    }
}

#[test]
fn url_database_is_replaced() {
    assert_eq!(
        with_database("mysql://root@127.0.0.1:3306", "x"),
        "mysql://root@127.0.0.1:3306/x"
    );
    assert_eq!(
        with_database("mysql://u:p@h/db?prefer_socket=false", "x"),
        "mysql://u:p@h/x?prefer_socket=false"
    );
}

#[test]
fn mysql_conformance() {
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
fn mysql_reopen_keeps_data() {
    let Some(db) = TestDb::create() else { return };
    let user = UserRow {
        user_id: "id-keep".into(),
        user_name: "keep".into(),
        ..Default::default()
    };
    db.open().create_user(&user, 10).unwrap();
    assert!(db.open().get_user("keep").unwrap().is_some());
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
        db.conn()
            .exec_first(
                "SELECT COUNT(*) FROM nonces WHERE expires_at < ?",
                (before,),
            )
            .unwrap()
            .unwrap()
    });
}

#[test]
fn replicas_migrate_a_fresh_database_together() {
    for _ in 0..3 {
        let Some(db) = TestDb::create() else { return };
        replicas::migrate_together(
            &|| {
                db.open();
            },
            &|| {
                db.conn()
                    .query("SELECT version FROM schema_migrations ORDER BY version")
                    .unwrap()
            },
        );
    }
}

#[test]
fn open_reports_the_servers_reason() {
    let Some(db) = TestDb::create() else { return };
    let missing = with_database(&db.url, &format!("{}_missing", db.name));
    let err = MysqlStore::open(&missing).unwrap_err().to_string();
    assert!(err.contains("Unknown database"), "{err}");
}
