//! Redis, on the shared server (`RAMPART_TEST_REDIS_URL`, default
//! `redis://127.0.0.1:6379`, its `default` user able to manage ACL users),
//! which checks the passwords of ACL users. Each test makes its own admin
//! user and users, named after a random prefix, and deletes them (and its
//! keys) at the end, even when it fails. `RAMPART_TEST_REDIS=skip` skips
//! them.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails by panicking"
)]

mod common;

use std::time::Duration;

use common::{assert_error, assert_unreachable_within, BlackHole};
use rampart_dbrotate::testing::{random_password, random_suffix};
use rampart_dbrotate::{
    account_exists, check_login, clone_account, create_account, probe, set_password, Engine,
    Instance, Privilege, Secret,
};
use redis::{Connection, ConnectionAddr, IntoConnectionInfo};
use sha2::{Digest, Sha256};

const DEFAULT_URL: &str = "redis://127.0.0.1:6379";

struct Fixture {
    root: Connection,
    host: String,
    port: u16,
    prefix: String,
    admin: String,
    admin_pw: Secret,
}

/// Runs a command: `Ok` or the server's error code.
fn run(con: &mut Connection, args: &[&str]) -> Result<(), String> {
    let mut cmd = redis::cmd(args[0]);
    for a in &args[1..] {
        cmd.arg(*a);
    }
    cmd.query::<redis::Value>(con)
        .map(|_| ())
        .map_err(|e| e.code().unwrap_or("?").to_string())
}

impl Fixture {
    fn new() -> Option<Self> {
        if common::skipped("RAMPART_TEST_REDIS") {
            return None;
        }
        let url = std::env::var("RAMPART_TEST_REDIS_URL").unwrap_or_else(|_| DEFAULT_URL.into());
        let info = url.as_str().into_connection_info().unwrap();
        let (host, port) = match info.addr() {
            ConnectionAddr::Tcp(h, p) => (h.clone(), *p),
            other => panic!("{other:?}"),
        };
        let root = redis::Client::open(info)
            .unwrap()
            .get_connection_with_timeout(Duration::from_secs(5))
            .unwrap_or_else(|e| panic!("Redis at {url}: {e} (RAMPART_TEST_REDIS=skip skips)"));
        let prefix = format!("t{}", random_suffix(7));
        let mut f = Self {
            root,
            host,
            port,
            admin: format!("{prefix}_adm"),
            admin_pw: random_password(20),
            prefix,
        };
        let (admin, pw) = (f.admin.clone(), f.admin_pw.clone());
        f.acl(&[
            &admin,
            "on",
            &format!(">{}", pw.expose()),
            "~*",
            "&*",
            "+@all",
        ]);
        Some(f)
    }

    fn name(&self, what: &str) -> String {
        format!("{}_{what}", self.prefix)
    }

    fn key(&self, k: &str) -> String {
        format!("{}:{k}", self.prefix)
    }

    fn acl(&mut self, args: &[&str]) {
        let mut cmd = redis::cmd("ACL");
        cmd.arg("SETUSER");
        for a in args {
            cmd.arg(*a);
        }
        cmd.query::<()>(&mut self.root)
            .unwrap_or_else(|e| panic!("ACL SETUSER {args:?}: {e}"));
    }

    fn instance(&self) -> Instance {
        Instance::new(
            Engine::Redis,
            self.host.clone(),
            self.port,
            self.admin.clone(),
            self.admin_pw.clone(),
        )
    }

    /// A connection logged on as `user`, or the AUTH refusal's code.
    fn login(&self, user: &str, pw: &Secret) -> Result<Connection, String> {
        let mut con = redis::Client::open((self.host.as_str(), self.port))
            .unwrap()
            .get_connection()
            .unwrap();
        run(&mut con, &["AUTH", user, pw.expose()])?;
        Ok(con)
    }

    /// `user`'s rules as `ACL LIST` prints them, passwords left out.
    fn rules(&mut self, user: &str) -> Vec<String> {
        let lines: Vec<String> = redis::cmd("ACL").arg("LIST").query(&mut self.root).unwrap();
        let line = lines
            .iter()
            .find_map(|l| l.strip_prefix(&format!("user {user} ")))
            .unwrap_or_else(|| panic!("no user {user}"));
        line.split(' ')
            .filter(|t| !t.starts_with('#'))
            .map(String::from)
            .collect()
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let users: Vec<String> = redis::cmd("ACL")
            .arg("USERS")
            .query(&mut self.root)
            .unwrap_or_default();
        for u in users
            .iter()
            .filter(|u| u.starts_with(&format!("{}_", self.prefix)))
        {
            let _ = run(&mut self.root, &["ACL", "DELUSER", u]);
        }
        let keys: Vec<String> = redis::cmd("KEYS")
            .arg(format!("{}:*", self.prefix))
            .query(&mut self.root)
            .unwrap_or_default();
        for k in keys {
            let _ = run(&mut self.root, &["DEL", &k]);
        }
    }
}

#[test]
fn probe_and_admin_failures() {
    let Some(f) = Fixture::new() else { return };
    let version = probe(&f.instance()).unwrap();
    assert!(version.starts_with("Redis "), "{version}");

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
    assert_unreachable_within(Duration::from_secs(14), &[&f.admin_pw], || probe(&silent));
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
fn set_password_keeps_the_other_rules() {
    let Some(mut f) = Fixture::new() else { return };
    let inst = f.instance();
    let app = f.name("app");
    let first = random_password(24);
    assert!(!account_exists(&inst, &app).unwrap());
    create_account(&inst, &app, &first, Privilege::ReadWrite).unwrap();
    assert!(account_exists(&inst, &app).unwrap());
    let key_rule = format!("~{}", f.key("*"));
    f.acl(&[&app, "resetkeys", &key_rule, ">another-password-to-drop"]);
    let rules = f.rules(&app);
    assert!(check_login(&inst, &app, &first).unwrap());

    // Spaces and quotes: one RESP argument, nothing split.
    let second = Secret::new(format!(
        "{} with spaces 'q' \"q\" ünï",
        random_password(12).expose()
    ));
    set_password(&inst, &app, &second).unwrap();
    assert!(!check_login(&inst, &app, &first).unwrap());
    assert!(check_login(&inst, &app, &second).unwrap());
    assert_eq!(f.login(&app, &first).err().as_deref(), Some("WRONGPASS"));
    let mut con = f.login(&app, &second).unwrap();
    assert_eq!(run(&mut con, &["SET", &f.key("k"), "v"]), Ok(()));
    assert_eq!(f.rules(&app), rules, "the other rules are kept");
    // Only Rampart's hash is left: the password Redis holds is a hash.
    let getuser: redis::Value = redis::cmd("ACL")
        .arg("GETUSER")
        .arg(&app)
        .query(&mut f.root)
        .unwrap();
    let text = format!("{getuser:?}");
    let hash = hex::encode(Sha256::digest(second.expose().as_bytes()));
    assert!(text.contains(&hash), "{text}");
    assert!(!text.contains(second.expose()));
    assert_eq!(text.matches("passwords").count(), 1);
    assert!(!check_login(&inst, &app, &random_password(10)).unwrap());

    let ghost = f.name("ghost");
    assert!(!check_login(&inst, &ghost, &second).unwrap());
    let e = set_password(&inst, &ghost, &second).unwrap_err();
    assert_error(&e, "Rotation.AccountNotFound", &[&second, &f.admin_pw]);
    assert!(
        !account_exists(&inst, &ghost).unwrap(),
        "not created by SETUSER"
    );
}

#[test]
fn clone_has_the_same_rules_and_stands_alone() {
    let Some(mut f) = Fixture::new() else { return };
    let inst = f.instance();
    let source = f.name("src");
    let clone = format!("{source}_clone");
    let src_pw = random_password(24);
    let (a, b, chan) = (f.key("a:*"), f.key("b:*"), f.key("chan"));
    f.acl(&[
        &source,
        "on",
        &format!(">{}", src_pw.expose()),
        &format!("~{a}"),
        &format!("&{chan}"),
        "-@all",
        "+get",
        "+set",
        &format!("(~{b} +get)"),
    ]);
    let clone_pw = random_password(24);
    clone_account(&inst, &source, &clone, &clone_pw).unwrap();
    assert_eq!(f.rules(&source), f.rules(&clone));

    let check = |f: &Fixture, who: &str, pw: &Secret| {
        let mut c = f.login(who, pw).unwrap();
        assert_eq!(run(&mut c, &["SET", &f.key("a:1"), "v"]), Ok(()));
        assert_eq!(run(&mut c, &["GET", &f.key("a:1")]), Ok(()));
        assert_eq!(run(&mut c, &["DEL", &f.key("a:1")]), Err("NOPERM".into()));
        assert_eq!(run(&mut c, &["GET", &f.key("b:1")]), Ok(()));
        assert_eq!(
            run(&mut c, &["SET", &f.key("b:1"), "v"]),
            Err("NOPERM".into())
        );
        assert_eq!(run(&mut c, &["GET", &f.key("c:1")]), Err("NOPERM".into()));
    };
    check(&f, &source, &src_pw);
    check(&f, &clone, &clone_pw);

    // Independent of the source.
    let src_pw2 = random_password(24);
    set_password(&inst, &source, &src_pw2).unwrap();
    assert!(!check_login(&inst, &source, &src_pw).unwrap());
    assert!(check_login(&inst, &clone, &clone_pw).unwrap());

    // Idempotent: drift on the clone is undone.
    f.acl(&[&clone, "+del", "~*", "off"]);
    let clone_pw2 = random_password(24);
    clone_account(&inst, &source, &clone, &clone_pw2).unwrap();
    assert_eq!(f.rules(&source), f.rules(&clone));
    assert!(!check_login(&inst, &clone, &clone_pw).unwrap());
    check(&f, &clone, &clone_pw2);

    let e = clone_account(&inst, &f.name("ghost"), &clone, &clone_pw2).unwrap_err();
    assert_error(&e, "Rotation.AccountNotFound", &[&clone_pw2, &f.admin_pw]);
}

#[test]
fn create_account_read_write_and_read_only() {
    let Some(f) = Fixture::new() else { return };
    let inst = f.instance();
    let (rw, ro) = (f.name("rw"), f.name("ro"));
    let (rw_pw, ro_pw) = (random_password(24), random_password(24));
    create_account(&inst, &rw, &rw_pw, Privilege::ReadWrite).unwrap();
    create_account(&inst, &ro, &ro_pw, Privilege::ReadOnly).unwrap();
    create_account(&inst, &ro, &ro_pw, Privilege::ReadOnly).unwrap();
    let mut w = f.login(&rw, &rw_pw).unwrap();
    assert_eq!(run(&mut w, &["SET", &f.key("k"), "v"]), Ok(()));
    assert_eq!(run(&mut w, &["FLUSHALL"]), Err("NOPERM".into()));
    let mut r = f.login(&ro, &ro_pw).unwrap();
    assert_eq!(run(&mut r, &["GET", &f.key("k")]), Ok(()));
    assert_eq!(run(&mut r, &["PING"]), Ok(()));
    assert_eq!(
        run(&mut r, &["SET", &f.key("k"), "w"]),
        Err("NOPERM".into())
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
    f.acl(&[
        &weak,
        "on",
        &format!(">{}", weak_pw.expose()),
        "-@all",
        "+ping",
        "+info",
    ]);
    let as_weak = Instance {
        admin_account: weak.clone(),
        admin_password: weak_pw.clone(),
        ..f.instance()
    };
    assert!(probe(&as_weak).is_ok());
    let new_pw = random_password(24);
    for e in [
        account_exists(&as_weak, &victim).unwrap_err(),
        set_password(&as_weak, &victim, &new_pw).unwrap_err(),
        create_account(&as_weak, &f.name("new"), &new_pw, Privilege::ReadOnly).unwrap_err(),
        clone_account(&as_weak, &victim, &f.name("cl"), &new_pw).unwrap_err(),
    ] {
        assert_error(
            &e,
            "Rotation.AdminPrivilegeMissing",
            &[&new_pw, &weak_pw, &victim_pw],
        );
    }
    assert!(check_login(&inst, &victim, &victim_pw).unwrap());
}
