//! MySQL/MariaDB, on the shared server (`RAMPART_TEST_MYSQL_URL`, default
//! `mysql://root@127.0.0.1:3306`), which checks the passwords of the
//! accounts these tests make. Each test makes its own admin account, database
//! and accounts, all named after a random prefix, and drops them at the end
//! (even when it fails). `RAMPART_TEST_MYSQL=skip` skips them.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails by panicking"
)]

mod common;

use std::time::Duration;

use common::{assert_error, assert_unreachable_within, BlackHole};
use mysql::prelude::Queryable;
use mysql::{Conn, Opts, OptsBuilder};
use rampart_dbrotate::testing::{random_password, random_suffix};
use rampart_dbrotate::{
    account_exists, check_login, clone_account, create_account, mysql_native_hash, probe,
    set_password, Engine, Instance, Privilege, Secret,
};

const DEFAULT_URL: &str = "mysql://root@127.0.0.1:3306";

/// One test's admin account, database and accounts (named `<prefix>_…`).
struct Fixture {
    root: Conn,
    host: String,
    port: u16,
    prefix: String,
    db: String,
    admin: String,
    admin_pw: Secret,
}

impl Fixture {
    fn new() -> Option<Self> {
        if common::skipped("RAMPART_TEST_MYSQL") {
            return None;
        }
        let url = std::env::var("RAMPART_TEST_MYSQL_URL").unwrap_or_else(|_| DEFAULT_URL.into());
        let opts = Opts::from_url(&url).unwrap();
        let host = opts.get_ip_or_hostname().to_string();
        let port = opts.get_tcp_port();
        let root = Conn::new(OptsBuilder::from_opts(opts).prefer_socket(false))
            .unwrap_or_else(|e| panic!("MySQL at {url}: {e} (RAMPART_TEST_MYSQL=skip skips)"));
        let prefix = format!("t{}", random_suffix(7));
        let mut f = Self {
            root,
            host,
            port,
            db: format!("{prefix}_db"),
            admin: format!("{prefix}_adm"),
            admin_pw: random_password(20),
            prefix,
        };
        let (db, admin, pw) = (f.db.clone(), f.admin.clone(), f.admin_pw.clone());
        f.sql(&format!("CREATE DATABASE `{db}`"));
        f.sql(&format!(
            "CREATE USER `{admin}`@`%` IDENTIFIED BY '{}'",
            pw.expose()
        ));
        f.sql(&format!(
            "GRANT ALL PRIVILEGES ON *.* TO `{admin}`@`%` WITH GRANT OPTION"
        ));
        Some(f)
    }

    fn name(&self, what: &str) -> String {
        format!("{}_{what}", self.prefix)
    }

    fn sql(&mut self, sql: &str) {
        self.root
            .query_drop(sql)
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    fn instance(&self) -> Instance {
        Instance::new(
            Engine::MariaDb,
            self.host.clone(),
            self.port,
            self.admin.clone(),
            self.admin_pw.clone(),
        )
        .with_database(self.db.clone())
    }

    fn connect(&self, user: &str, pw: &Secret) -> Result<Conn, u16> {
        Conn::new(
            OptsBuilder::new()
                .ip_or_hostname(Some(self.host.clone()))
                .tcp_port(self.port)
                .user(Some(user))
                .pass(Some(pw.expose()))
                .prefer_socket(false),
        )
        .map_err(|e| match e {
            mysql::Error::MySqlError(m) => m.code,
            other => panic!("{other}"),
        })
    }

    /// The server error code of `sql` run as `user`, or `Ok`.
    fn run_as(&self, user: &str, pw: &Secret, sql: &str) -> Result<(), u16> {
        let mut c = self.connect(user, pw).unwrap();
        c.query_drop(sql).map_err(|e| match e {
            mysql::Error::MySqlError(m) => m.code,
            other => panic!("{other}"),
        })
    }

    fn grants(&mut self, user: &str, host: &str) -> Vec<String> {
        let mut g: Vec<String> = self
            .root
            .query::<String, _>(format!("SHOW GRANTS FOR `{user}`@`{host}`"))
            .unwrap()
            .into_iter()
            .map(|l| {
                let l = l.replace(&format!("`{user}`@`{host}`"), "<who>");
                match l.find(" IDENTIFIED BY PASSWORD") {
                    Some(i) => l[..i].to_string(),
                    None => l,
                }
            })
            .collect();
        g.sort();
        g
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let like = format!("{}\\_%", self.prefix);
        let rows: Vec<(String, String, String)> = self
            .root
            .exec(
                "SELECT User, Host, is_role FROM mysql.user WHERE User LIKE ?",
                (like,),
            )
            .unwrap_or_default();
        for (user, host, is_role) in rows {
            let sql = if is_role == "Y" {
                format!("DROP ROLE `{user}`")
            } else {
                format!("DROP USER `{user}`@`{host}`")
            };
            let _ = self.root.query_drop(sql);
        }
        let _ = self
            .root
            .query_drop(format!("DROP DATABASE IF EXISTS `{}`", self.db));
    }
}

#[test]
fn probe_and_admin_failures() {
    let Some(f) = Fixture::new() else { return };
    let version = probe(&f.instance()).unwrap();
    assert!(!version.is_empty());

    let wrong = random_password(20);
    let mut bad = f.instance();
    bad.admin_password = wrong.clone();
    let e = probe(&bad).unwrap_err();
    assert_error(
        &e,
        "Rotation.AdminAuthenticationFailed",
        &[&wrong, &f.admin_pw],
    );
    let e = set_password(&bad, &f.name("x"), &f.admin_pw).unwrap_err();
    assert_error(
        &e,
        "Rotation.AdminAuthenticationFailed",
        &[&wrong, &f.admin_pw],
    );

    let mut closed = f.instance();
    closed.port = common::closed_port();
    assert_unreachable_within(Duration::from_secs(3), &[&f.admin_pw], || probe(&closed));

    let hole = BlackHole::start();
    let mut silent = f.instance();
    silent.port = hole.port;
    assert_unreachable_within(Duration::from_secs(14), &[&f.admin_pw], || {
        check_login(&silent, "anyone", &f.admin_pw)
    });

    let mut tls = f.instance();
    tls.tls = Some(rampart_dbrotate::Tls {
        mode: rampart_dbrotate::TlsMode::Require,
        ca_pem: None,
    });
    assert_error(&probe(&tls).unwrap_err(), "Rotation.Unsupported", &[]);
}

#[test]
fn set_password_on_every_host_row() {
    let Some(mut f) = Fixture::new() else { return };
    let inst = f.instance();
    let app = f.name("app");
    let first = random_password(24);
    assert!(!account_exists(&inst, &app).unwrap());
    create_account(&inst, &app, &first, Privilege::ReadOnly).unwrap();
    assert!(account_exists(&inst, &app).unwrap());
    f.sql(&format!(
        "CREATE USER `{app}`@`localhost` IDENTIFIED BY PASSWORD '{}'",
        mysql_native_hash(&first)
    ));
    assert!(check_login(&inst, &app, &first).unwrap());

    let second = Secret::new(format!(
        "{} it's \"q\" \\ \\' ünï 🔑 %_",
        random_password(12).expose()
    ));
    set_password(&inst, &app, &second).unwrap();
    assert!(!check_login(&inst, &app, &first).unwrap());
    assert!(check_login(&inst, &app, &second).unwrap());
    assert_eq!(f.connect(&app, &first).err(), Some(1045));
    assert!(f.connect(&app, &second).is_ok());
    // Both host rows hold the hash of the new password.
    let hashes: Vec<String> = f
        .root
        .exec(
            "SELECT authentication_string FROM mysql.user WHERE User = ? ORDER BY Host",
            (&app,),
        )
        .unwrap();
    assert_eq!(hashes, vec![mysql_native_hash(&second); 2]);
    assert!(!check_login(&inst, &app, &random_password(10)).unwrap());

    let ghost = f.name("ghost");
    assert!(!check_login(&inst, &ghost, &second).unwrap());
    let e = set_password(&inst, &ghost, &second).unwrap_err();
    assert_error(&e, "Rotation.AccountNotFound", &[&second, &f.admin_pw]);
    assert!(e.message().contains(&ghost));
}

#[test]
fn clone_has_the_same_grants_and_stands_alone() {
    let Some(mut f) = Fixture::new() else { return };
    let inst = f.instance();
    let (db, admin) = (f.db.clone(), f.admin.clone());
    let source = f.name("src");
    let clone = format!("{source}_clone");
    let role = f.name("role");
    let src_pw = random_password(24);
    // No database: a login and nothing else.
    let no_db = Instance {
        database: None,
        ..f.instance()
    };
    create_account(&no_db, &source, &src_pw, Privilege::ReadOnly).unwrap();
    f.sql(&format!(
        "CREATE USER `{source}`@`localhost` IDENTIFIED BY PASSWORD '{}'",
        mysql_native_hash(&src_pw)
    ));
    for sql in [
        format!("CREATE TABLE `{db}`.granted (v int)"),
        format!("CREATE TABLE `{db}`.hidden (v int)"),
        format!("CREATE TABLE `{db}`.cols (a int, b int)"),
        format!("CREATE TABLE `{db}`.via_role (v int)"),
        format!("INSERT INTO `{db}`.granted VALUES (1)"),
        format!("CREATE ROLE `{role}`"),
        format!("GRANT `{role}` TO `{admin}`@`%` WITH ADMIN OPTION"),
        format!("GRANT SELECT ON `{db}`.via_role TO `{role}`"),
        format!("GRANT SELECT, INSERT ON `{db}`.granted TO `{source}`@`%` WITH GRANT OPTION"),
        format!("GRANT SELECT (a) ON `{db}`.cols TO `{source}`@`%`"),
        format!("GRANT `{role}` TO `{source}`@`%`"),
        format!("SET DEFAULT ROLE `{role}` FOR `{source}`@`%`"),
        format!("GRANT PROCESS ON *.* TO `{source}`@`localhost`"),
    ] {
        f.sql(&sql);
    }

    let clone_pw = random_password(24);
    clone_account(&inst, &source, &clone, &clone_pw).unwrap();
    for host in ["%", "localhost"] {
        assert_eq!(f.grants(&source, host), f.grants(&clone, host), "{host}");
    }
    let check = |f: &Fixture, who: &str, pw: &Secret| {
        assert_eq!(
            f.run_as(who, pw, &format!("SELECT * FROM `{db}`.granted")),
            Ok(())
        );
        assert_eq!(
            f.run_as(who, pw, &format!("INSERT INTO `{db}`.granted VALUES (2)")),
            Ok(())
        );
        assert_eq!(
            f.run_as(who, pw, &format!("DELETE FROM `{db}`.granted")),
            Err(1142)
        );
        assert_eq!(
            f.run_as(who, pw, &format!("SELECT * FROM `{db}`.hidden")),
            Err(1142)
        );
        assert_eq!(
            f.run_as(who, pw, &format!("SELECT a FROM `{db}`.cols")),
            Ok(())
        );
        assert_eq!(
            f.run_as(who, pw, &format!("SELECT b FROM `{db}`.cols")),
            Err(1143)
        );
        // The default role is active at once.
        assert_eq!(
            f.run_as(who, pw, &format!("SELECT * FROM `{db}`.via_role")),
            Ok(())
        );
    };
    check(&f, &source, &src_pw);
    check(&f, &clone, &clone_pw);

    // Independent of the source.
    let src_pw2 = random_password(24);
    set_password(&inst, &source, &src_pw2).unwrap();
    assert!(!check_login(&inst, &source, &src_pw).unwrap());
    assert!(check_login(&inst, &clone, &clone_pw).unwrap());

    // Idempotent: drift on the clone is undone, an extra host row dropped.
    f.sql(&format!("GRANT SELECT ON `{db}`.hidden TO `{clone}`@`%`"));
    f.sql(&format!("REVOKE `{role}` FROM `{clone}`@`%`"));
    f.sql(&format!(
        "CREATE USER `{clone}`@`10.9.9.9` IDENTIFIED BY PASSWORD '{}'",
        mysql_native_hash(&clone_pw)
    ));
    let clone_pw2 = random_password(24);
    clone_account(&inst, &source, &clone, &clone_pw2).unwrap();
    assert!(!check_login(&inst, &clone, &clone_pw).unwrap());
    check(&f, &clone, &clone_pw2);
    for host in ["%", "localhost"] {
        assert_eq!(f.grants(&source, host), f.grants(&clone, host), "{host}");
    }
    let hosts: Vec<String> = f
        .root
        .exec(
            "SELECT Host FROM mysql.user WHERE User = ? ORDER BY Host",
            (&clone,),
        )
        .unwrap();
    assert_eq!(hosts, vec!["%".to_string(), "localhost".to_string()]);

    let e = clone_account(&inst, &f.name("ghost"), &clone, &clone_pw2).unwrap_err();
    assert_error(&e, "Rotation.AccountNotFound", &[&clone_pw2, &f.admin_pw]);
}

#[test]
fn create_account_read_write_and_read_only() {
    let Some(mut f) = Fixture::new() else { return };
    let db = f.db.clone();
    f.sql(&format!("CREATE TABLE `{db}`.t (v int)"));
    let inst = f.instance();
    let (rw, ro) = (f.name("rw"), f.name("ro"));
    let (rw_pw, ro_pw) = (random_password(24), random_password(24));
    create_account(&inst, &rw, &rw_pw, Privilege::ReadWrite).unwrap();
    create_account(&inst, &ro, &ro_pw, Privilege::ReadOnly).unwrap();
    create_account(&inst, &ro, &ro_pw, Privilege::ReadOnly).unwrap();
    assert_eq!(
        f.run_as(&rw, &rw_pw, &format!("INSERT INTO `{db}`.t VALUES (1)")),
        Ok(())
    );
    assert_eq!(
        f.run_as(&ro, &ro_pw, &format!("SELECT * FROM `{db}`.t")),
        Ok(())
    );
    assert_eq!(
        f.run_as(&ro, &ro_pw, &format!("INSERT INTO `{db}`.t VALUES (2)")),
        Err(1142)
    );
    let e = create_account(&inst, &f.admin, &rw_pw, Privilege::ReadWrite).unwrap_err();
    assert_error(&e, "InvalidParameter.AccountName", &[&rw_pw]);
}

#[test]
fn admin_without_privilege() {
    let Some(mut f) = Fixture::new() else { return };
    let inst = f.instance();
    let victim = f.name("victim");
    let victim_pw = random_password(24);
    create_account(&inst, &victim, &victim_pw, Privilege::ReadOnly).unwrap();
    let (weak, weak_pw) = (f.name("weak"), random_password(20));
    let (reader, reader_pw) = (f.name("reader"), random_password(20));
    f.sql(&format!(
        "CREATE USER `{weak}`@`%` IDENTIFIED BY '{}'",
        weak_pw.expose()
    ));
    f.sql(&format!(
        "CREATE USER `{reader}`@`%` IDENTIFIED BY '{}'",
        reader_pw.expose()
    ));
    f.sql(&format!("GRANT SELECT ON mysql.* TO `{reader}`@`%`"));
    let new_pw = random_password(24);

    // No right to read mysql.user.
    let as_weak = Instance {
        admin_account: weak.clone(),
        admin_password: weak_pw.clone(),
        ..f.instance()
    };
    assert!(probe(&as_weak).is_ok());
    let e = account_exists(&as_weak, &victim).unwrap_err();
    assert_error(&e, "Rotation.AdminPrivilegeMissing", &[&weak_pw]);
    // It may read mysql.user but not change accounts.
    let as_reader = Instance {
        admin_account: reader.clone(),
        admin_password: reader_pw.clone(),
        ..f.instance()
    };
    assert!(account_exists(&as_reader, &victim).unwrap());
    for e in [
        set_password(&as_reader, &victim, &new_pw).unwrap_err(),
        create_account(&as_reader, &f.name("new"), &new_pw, Privilege::ReadOnly).unwrap_err(),
        clone_account(&as_reader, &victim, &f.name("cl"), &new_pw).unwrap_err(),
    ] {
        assert_error(
            &e,
            "Rotation.AdminPrivilegeMissing",
            &[&new_pw, &reader_pw, &victim_pw],
        );
    }
    assert!(check_login(&inst, &victim, &victim_pw).unwrap());
}

/// A private MariaDB server with its general query log on, in a temporary
/// directory: stopped and deleted on drop, or by a watchdog once the test
/// process is gone.
struct PrivateMariaDb {
    dir: std::path::PathBuf,
    port: u16,
    server: std::process::Child,
    watchdog: std::process::Child,
}

impl PrivateMariaDb {
    /// `None` when MariaDB's binaries are not installed.
    fn start() -> Option<Self> {
        use std::process::{Command, Stdio};
        let found = |b: &str| {
            Command::new("sh")
                .args(["-c", &format!("command -v {b}")])
                .output()
                .is_ok_and(|o| o.status.success())
        };
        if !found("mariadb-install-db") || !found("mariadbd") {
            eprintln!("no mariadb-install-db/mariadbd: the general-log test is skipped");
            return None;
        }
        let dir = std::env::temp_dir().join(format!("rampart-mariadb-{}", random_suffix(10)));
        std::fs::create_dir_all(&dir).unwrap();
        let out = Command::new("mariadb-install-db")
            .args(["--no-defaults", "--user=root", "--skip-test-db"])
            .args(["--auth-root-authentication-method=normal"])
            .arg(format!("--datadir={}", dir.join("data").display()))
            .current_dir(&dir)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "mariadb-install-db: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let port = common::closed_port();
        let server = Command::new("mariadbd")
            .args(["--no-defaults", "--user=root", "--bind-address=127.0.0.1"])
            .args(["--skip-name-resolve", "--skip-log-bin", "--general-log=1"])
            .args(["--innodb-buffer-pool-size=16M"])
            .arg(format!("--datadir={}", dir.join("data").display()))
            .arg(format!("--socket={}", dir.join("sock").display()))
            .arg(format!("--port={port}"))
            .arg(format!(
                "--general-log-file={}",
                dir.join("general.log").display()
            ))
            .arg(format!("--log-error={}", dir.join("error.log").display()))
            .arg(format!("--pid-file={}", dir.join("server.pid").display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let watchdog = Command::new("sh")
            .args([
                "-c",
                "while kill -0 \"$1\" 2>/dev/null; do sleep 1; done; kill \"$2\"; sleep 3; \
                 rm -rf \"$3\"",
                "rampart-mariadb-watchdog",
            ])
            .arg(std::process::id().to_string())
            .arg(server.id().to_string())
            .arg(&dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let me = Self {
            dir,
            port,
            server,
            watchdog,
        };
        for _ in 0..100 {
            if me.root().is_ok() {
                return Some(me);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!(
            "the private MariaDB did not start: {}",
            std::fs::read_to_string(me.dir.join("error.log")).unwrap_or_default()
        );
    }

    fn root(&self) -> Result<Conn, mysql::Error> {
        Conn::new(
            OptsBuilder::new()
                .ip_or_hostname(Some("127.0.0.1"))
                .tcp_port(self.port)
                .user(Some("root"))
                .prefer_socket(false),
        )
    }

    fn general_log(&self) -> String {
        String::from_utf8_lossy(&std::fs::read(self.dir.join("general.log")).unwrap_or_default())
            .into_owned()
    }
}

impl Drop for PrivateMariaDb {
    fn drop(&mut self) {
        let _ = self.server.kill();
        let _ = self.server.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
        let _ = self.watchdog.kill();
        let _ = self.watchdog.wait();
    }
}

/// MariaDB's general query log records every statement: the ones that set
/// passwords hold only their `mysql_native_password` hash.
#[test]
fn general_log_never_sees_a_password() {
    if common::skipped("RAMPART_TEST_MYSQL") {
        return;
    }
    let Some(server) = PrivateMariaDb::start() else {
        return;
    };
    server
        .root()
        .unwrap()
        .query_drop("CREATE DATABASE app")
        .unwrap();
    let inst = Instance::new(
        Engine::MariaDb,
        "127.0.0.1",
        server.port,
        "root",
        Secret::default(),
    )
    .with_database("app");
    let (pw1, pw2, pw3) = (
        random_password(24),
        Secret::new(format!("{} it's ünï", random_password(16).expose())),
        random_password(24),
    );
    create_account(&inst, "app", &pw1, Privilege::ReadWrite).unwrap();
    set_password(&inst, "app", &pw2).unwrap();
    clone_account(&inst, "app", "app_clone", &pw3).unwrap();
    assert!(check_login(&inst, "app", &pw2).unwrap());
    assert!(check_login(&inst, "app_clone", &pw3).unwrap());
    assert!(!check_login(&inst, "app", &pw1).unwrap());
    let log = server.general_log();
    assert!(
        log.contains(&format!(
            "ALTER USER `app`@`%` IDENTIFIED BY PASSWORD '{}'",
            mysql_native_hash(&pw2)
        )),
        "{log}"
    );
    common::assert_clean(&log, &[&pw1, &pw2, &pw3]);
}
