//! Fresh databases on the test servers for end-to-end tests: PostgreSQL
//! (`RAMPART_TEST_POSTGRES_URL`, default
//! `postgres://postgres@127.0.0.1:5432/postgres`) and MariaDB/MySQL
//! (`RAMPART_TEST_MYSQL_URL`, default `mysql://root@127.0.0.1:3306`).
//! `RAMPART_TEST_POSTGRES=skip` or `RAMPART_TEST_MYSQL=skip` skips a
//! backend's tests; otherwise an unreachable server fails them.

use mysql::prelude::Queryable;

/// A database server kind that several replicas share.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shared {
    Postgres,
    Mysql,
}

impl Shared {
    fn admin_url(self) -> String {
        match self {
            Shared::Postgres => std::env::var("RAMPART_TEST_POSTGRES_URL")
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into()),
            Shared::Mysql => std::env::var("RAMPART_TEST_MYSQL_URL")
                .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306".into()),
        }
    }

    fn skipped(self) -> bool {
        let var = match self {
            Shared::Postgres => "RAMPART_TEST_POSTGRES",
            Shared::Mysql => "RAMPART_TEST_MYSQL",
        };
        std::env::var(var).as_deref() == Ok("skip")
    }
}

/// A fresh database, dropped on drop.
pub struct TestDb {
    kind: Shared,
    name: String,
    admin: String,
}

/// `url` with its database replaced by `db`.
fn with_db(url: &str, db: &str) -> String {
    let scheme_end = url.find("://").map_or(0, |i| i + 3);
    let authority_end = url[scheme_end..]
        .find('/')
        .map_or(url.len(), |i| scheme_end + i);
    format!("{}/{db}", &url[..authority_end])
}

impl TestDb {
    /// A fresh database, or `None` when the kind's tests are skipped.
    pub fn create(kind: Shared, prefix: &str) -> Option<Self> {
        if kind.skipped() {
            eprintln!("skipped: {kind:?} tests are switched off");
            return None;
        }
        let name = format!("rampart_test_{prefix}_{}", rampart_crypto::random_hex(6));
        let admin = kind.admin_url();
        match kind {
            Shared::Postgres => {
                let mut c = postgres::Client::connect(&admin, postgres::NoTls)
                    .unwrap_or_else(|e| panic!("PostgreSQL at {admin} is needed: {e}"));
                c.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
            }
            Shared::Mysql => {
                let mut c = mysql::Conn::new(admin.as_str())
                    .unwrap_or_else(|e| panic!("MariaDB/MySQL at {admin} is needed: {e}"));
                c.query_drop(format!("CREATE DATABASE {name}")).unwrap();
            }
        }
        Some(Self { kind, name, admin })
    }

    /// The database's URL, for `--database`.
    pub fn url(&self) -> String {
        with_db(&self.admin, &self.name)
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match self.kind {
            Shared::Postgres => {
                if let Ok(mut c) = postgres::Client::connect(&self.admin, postgres::NoTls) {
                    let _ = c.batch_execute(&format!(
                        "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                        self.name
                    ));
                }
            }
            Shared::Mysql => {
                if let Ok(mut c) = mysql::Conn::new(self.admin.as_str()) {
                    let _ = c.query_drop(format!("DROP DATABASE IF EXISTS {}", self.name));
                }
            }
        }
    }
}
