//! PostgreSQL, on a private cluster with SCRAM password authentication
//! (one per test process). `RAMPART_TEST_POSTGRES=skip` skips them.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails by panicking"
)]

mod common;

use std::sync::OnceLock;
use std::time::Duration;

use common::{assert_clean, assert_error, assert_unreachable_within, BlackHole};
use rampart_dbrotate::testing::{random_password, unique_name, PgCluster};
use rampart_dbrotate::{
    account_exists, check_login, clone_account, create_account, probe, set_password, Engine,
    Instance, Privilege, Secret,
};

fn cluster() -> Option<&'static PgCluster> {
    if common::skipped("RAMPART_TEST_POSTGRES") {
        return None;
    }
    static CLUSTER: OnceLock<PgCluster> = OnceLock::new();
    Some(CLUSTER.get_or_init(|| PgCluster::start().unwrap_or_else(|e| panic!("{e}"))))
}

/// Logs on with the driver itself: `Ok` or the SQLSTATE of the refusal.
fn raw_login(c: &PgCluster, user: &str, password: &Secret) -> Result<(), String> {
    postgres::Config::new()
        .host("127.0.0.1")
        .port(c.port())
        .user(user)
        .password(password.expose())
        .dbname("postgres")
        .connect(postgres::NoTls)
        .map(|_| ())
        .map_err(|e| {
            e.code()
                .map(|c| c.code().to_string())
                .unwrap_or_else(|| e.to_string())
        })
}

/// A client logged on as `user`.
fn login(c: &PgCluster, user: &str, password: &Secret, db: &str) -> postgres::Client {
    postgres::Config::new()
        .host("127.0.0.1")
        .port(c.port())
        .user(user)
        .password(password.expose())
        .dbname(db)
        .connect(postgres::NoTls)
        .unwrap()
}

/// The server's log and `pg_stat_statements` hold none of `secrets`.
fn assert_server_never_saw(c: &PgCluster, secrets: &[&Secret]) {
    let log = c.server_log();
    assert!(log.contains("statement:"), "log_statement is on");
    assert_clean(&log, secrets);
    let mut admin = c.admin_client().unwrap();
    for row in admin
        .query("SELECT query FROM pg_stat_statements", &[])
        .unwrap()
    {
        let q: String = row.get(0);
        assert_clean(&q, secrets);
    }
}

#[test]
fn probe_and_admin_failures() {
    let Some(c) = cluster() else { return };
    let version = probe(&c.instance()).unwrap();
    assert!(version.starts_with("PostgreSQL "), "{version}");

    let wrong = random_password(20);
    let mut bad = c.instance();
    bad.admin_password = wrong.clone();
    let e = probe(&bad).unwrap_err();
    assert_error(
        &e,
        "Rotation.AdminAuthenticationFailed",
        &[&wrong, c.admin_password()],
    );
    let e = account_exists(&bad, "anyone").unwrap_err();
    assert_error(&e, "Rotation.AdminAuthenticationFailed", &[&wrong]);

    let mut closed = c.instance();
    closed.port = common::closed_port();
    assert_unreachable_within(Duration::from_secs(3), &[c.admin_password()], || {
        probe(&closed)
    });

    // A server that accepts and never answers: the 10 s connect timeout.
    let hole = BlackHole::start();
    let mut silent = c.instance();
    silent.port = hole.port;
    assert_unreachable_within(Duration::from_secs(14), &[c.admin_password()], || {
        probe(&silent)
    });
    assert!(*hole.accepted.lock().unwrap() >= 1);
}

#[test]
fn set_password_verifier_and_login_checks() {
    let Some(c) = cluster() else { return };
    let inst = c.instance();
    let app = unique_name("app");
    let first = random_password(24);
    assert!(!account_exists(&inst, &app).unwrap());
    create_account(&inst, &app, &first, Privilege::ReadOnly).unwrap();
    assert!(account_exists(&inst, &app).unwrap());
    assert!(check_login(&inst, &app, &first).unwrap());

    // Spaces, quotes, backslashes, a non-ASCII space SASLprep maps and
    // letters it keeps.
    let second = Secret::new(format!(
        "{} it's \"q\" \\ \u{00A0}ünï 🔑",
        random_password(12).expose()
    ));
    set_password(&inst, &app, &second).unwrap();
    assert!(!check_login(&inst, &app, &first).unwrap());
    assert!(check_login(&inst, &app, &second).unwrap());
    assert_eq!(raw_login(c, &app, &first), Err("28P01".to_string()));
    assert_eq!(raw_login(c, &app, &second), Ok(()));

    // PostgreSQL stored Rampart's verifier as it is.
    let mut admin = c.admin_client().unwrap();
    let stored: String = admin
        .query_one(
            "SELECT rolpassword FROM pg_authid WHERE rolname = $1",
            &[&app],
        )
        .unwrap()
        .get(0);
    assert!(stored.starts_with("SCRAM-SHA-256$4096:"), "{stored}");
    assert!(
        c.server_log().contains(&stored),
        "the log shows the verifier"
    );

    let third = random_password(30);
    set_password(&inst, &app, &third).unwrap();
    assert!(!check_login(&inst, &app, &second).unwrap());
    assert!(check_login(&inst, &app, &third).unwrap());
    assert!(!check_login(&inst, &app, &random_password(10)).unwrap());

    // Unknown accounts: refused like a wrong password by check_login.
    let ghost = unique_name("ghost");
    assert!(!check_login(&inst, &ghost, &third).unwrap());
    let e = set_password(&inst, &ghost, &third).unwrap_err();
    assert_error(&e, "Rotation.AccountNotFound", &[&third]);
    assert!(e.message().contains(&ghost));

    assert_server_never_saw(c, &[&first, &second, &third, c.admin_password()]);
}

/// Objects of one test database: what `source` may and may not use.
fn setup_objects(c: &PgCluster, db: &str, source: &str, member_of: &str) {
    let mut admin = c.admin_client().unwrap();
    admin
        .batch_execute(&format!("CREATE DATABASE {db}"))
        .unwrap();
    admin
        .batch_execute(&format!(
            "CREATE ROLE {member_of} NOLOGIN; \
             CREATE ROLE {source} LOGIN CREATEDB CONNECTION LIMIT 7"
        ))
        .unwrap();
    let mut d = c.client(db).unwrap();
    d.batch_execute(&format!(
        "CREATE SCHEMA s;
         CREATE TABLE s.granted (v int); INSERT INTO s.granted VALUES (1);
         CREATE TABLE s.hidden (v int); INSERT INTO s.hidden VALUES (2);
         CREATE TABLE s.cols (a int, b int); INSERT INTO s.cols VALUES (3, 4);
         CREATE TABLE s.via_role (v int); INSERT INTO s.via_role VALUES (5);
         CREATE TABLE s.policed (v int, who text);
         INSERT INTO s.policed VALUES (6, 'x'), (7, 'y');
         ALTER TABLE s.policed ENABLE ROW LEVEL SECURITY;
         CREATE POLICY only_x ON s.policed FOR SELECT TO {source} USING (who = 'x');
         CREATE SEQUENCE s.seq;
         CREATE FUNCTION s.f(x int) RETURNS int LANGUAGE sql AS 'SELECT x + 1';
         REVOKE EXECUTE ON FUNCTION s.f(int) FROM PUBLIC;
         REVOKE CONNECT ON DATABASE {db} FROM PUBLIC;
         GRANT CONNECT ON DATABASE {db} TO {source};
         GRANT USAGE ON SCHEMA s TO {source};
         GRANT SELECT, INSERT ON s.granted TO {source} WITH GRANT OPTION;
         GRANT SELECT (a) ON s.cols TO {source};
         GRANT SELECT ON s.policed TO {source};
         GRANT USAGE, SELECT ON SEQUENCE s.seq TO {source};
         GRANT EXECUTE ON FUNCTION s.f(int) TO {source};
         GRANT USAGE ON SCHEMA s TO {member_of};
         GRANT SELECT ON s.via_role TO {member_of};
         GRANT {member_of} TO {source};
         ALTER DEFAULT PRIVILEGES IN SCHEMA s GRANT SELECT ON TABLES TO {source};
         CREATE TABLE s.owned (v int); INSERT INTO s.owned VALUES (8);
         ALTER TABLE s.owned OWNER TO {source};"
    ))
    .unwrap();
}

fn can_select(client: &mut postgres::Client, sql: &str) -> Result<i64, String> {
    client
        .query_one(&format!("SELECT count(*) FROM ({sql}) x"), &[])
        .map(|r| r.get(0))
        .map_err(|e| e.code().map(|c| c.code().to_string()).unwrap_or_default())
}

#[test]
fn clone_has_the_same_privileges_and_stands_alone() {
    let Some(c) = cluster() else { return };
    let db = unique_name("db");
    let source = unique_name("src");
    let clone = format!("{source}_clone");
    let member_of = unique_name("grp");
    setup_objects(c, &db, &source, &member_of);
    let inst = c.instance().with_database(&db);
    let src_pw = random_password(24);
    set_password(&inst, &source, &src_pw).unwrap();

    let clone_pw = random_password(24);
    assert!(!account_exists(&inst, &clone).unwrap());
    clone_account(&inst, &source, &clone, &clone_pw).unwrap();
    assert!(check_login(&inst, &clone, &clone_pw).unwrap());

    let check = |who: &str, pw: &Secret| {
        let mut cl = login(c, who, pw, &db);
        assert_eq!(
            can_select(&mut cl, "SELECT * FROM s.granted WHERE v = 1"),
            Ok(1)
        );
        cl.batch_execute("INSERT INTO s.granted VALUES (9)")
            .unwrap();
        cl.batch_execute("DELETE FROM s.granted WHERE v = 9")
            .unwrap_err();
        assert_eq!(
            can_select(&mut cl, "SELECT * FROM s.hidden"),
            Err("42501".into())
        );
        assert_eq!(can_select(&mut cl, "SELECT a FROM s.cols"), Ok(1));
        assert_eq!(
            can_select(&mut cl, "SELECT b FROM s.cols"),
            Err("42501".into())
        );
        assert_eq!(can_select(&mut cl, "SELECT * FROM s.via_role"), Ok(1));
        assert_eq!(can_select(&mut cl, "SELECT * FROM s.owned"), Ok(1));
        assert_eq!(can_select(&mut cl, "SELECT * FROM s.policed"), Ok(1));
        assert_eq!(can_select(&mut cl, "SELECT nextval('s.seq')"), Ok(1));
        assert_eq!(can_select(&mut cl, "SELECT s.f(1)"), Ok(1));
    };
    check(&source, &src_pw);
    check(&clone, &clone_pw);

    // Attributes and memberships: as the source's, not through it.
    let mut admin = c.admin_client().unwrap();
    let row = admin
        .query_one(
            "SELECT rolcanlogin, rolcreatedb, rolconnlimit, rolsuper, rolcreaterole \
             FROM pg_roles WHERE rolname = $1",
            &[&clone],
        )
        .unwrap();
    assert_eq!(
        (
            row.get::<_, bool>(0),
            row.get::<_, bool>(1),
            row.get::<_, i32>(2),
            row.get::<_, bool>(3),
            row.get::<_, bool>(4)
        ),
        (true, true, 7, false, false)
    );
    let groups: Vec<String> = admin
        .query(
            "SELECT r.rolname FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid \
             JOIN pg_roles u ON u.oid = m.member WHERE u.rolname = $1",
            &[&clone],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(groups, vec![member_of.clone()]);

    // Default privileges were copied: a table made later is readable.
    let mut d = c.client(&db).unwrap();
    d.batch_execute("CREATE TABLE s.later (v int); INSERT INTO s.later VALUES (1)")
        .unwrap();
    assert_eq!(
        can_select(
            &mut login(c, &clone, &clone_pw, &db),
            "SELECT * FROM s.later"
        ),
        Ok(1)
    );

    // Independent of the source: its password changes, the clone works.
    let src_pw2 = random_password(24);
    set_password(&inst, &source, &src_pw2).unwrap();
    assert!(!check_login(&inst, &source, &src_pw).unwrap());
    assert!(check_login(&inst, &clone, &clone_pw).unwrap());
    check(&clone, &clone_pw);

    // Idempotent: drift on the clone is undone; the password is new.
    d.batch_execute(&format!(
        "GRANT SELECT ON s.hidden TO {clone}; REVOKE SELECT ON s.granted FROM {clone};"
    ))
    .unwrap();
    admin
        .batch_execute(&format!("ALTER ROLE {clone} NOCREATEDB"))
        .unwrap();
    let clone_pw2 = random_password(24);
    clone_account(&inst, &source, &clone, &clone_pw2).unwrap();
    assert!(!check_login(&inst, &clone, &clone_pw).unwrap());
    check(&clone, &clone_pw2);
    let createdb: bool = admin
        .query_one(
            "SELECT rolcreatedb FROM pg_roles WHERE rolname = $1",
            &[&clone],
        )
        .unwrap()
        .get(0);
    assert!(createdb);
    clone_account(&inst, &source, &clone, &clone_pw2).unwrap();
    check(&clone, &clone_pw2);

    let e = clone_account(&inst, &unique_name("ghost"), &clone, &clone_pw2).unwrap_err();
    assert_error(&e, "Rotation.AccountNotFound", &[&clone_pw2]);
    let e = clone_account(&inst, &source, &source, &clone_pw2).unwrap_err();
    assert_error(&e, "InvalidParameter.AccountName", &[&clone_pw2]);
    let e = clone_account(&inst, &source, PgCluster::ADMIN, &clone_pw2).unwrap_err();
    assert_error(&e, "InvalidParameter.AccountName", &[&clone_pw2]);

    assert_server_never_saw(c, &[&src_pw, &src_pw2, &clone_pw, &clone_pw2]);
}

#[test]
fn create_account_read_write_and_read_only() {
    let Some(c) = cluster() else { return };
    let db = unique_name("db");
    let mut admin = c.admin_client().unwrap();
    admin
        .batch_execute(&format!("CREATE DATABASE {db}"))
        .unwrap();
    c.client(&db)
        .unwrap()
        .batch_execute(
            "CREATE SCHEMA app; CREATE TABLE app.t (v int); CREATE TABLE public.p (v int)",
        )
        .unwrap();
    let inst = c.instance().with_database(&db);
    let (rw, ro) = (unique_name("rw"), unique_name("ro"));
    let (rw_pw, ro_pw) = (random_password(24), random_password(24));
    create_account(&inst, &rw, &rw_pw, Privilege::ReadWrite).unwrap();
    create_account(&inst, &ro, &ro_pw, Privilege::ReadOnly).unwrap();
    // Idempotent.
    create_account(&inst, &ro, &ro_pw, Privilege::ReadOnly).unwrap();

    let mut w = login(c, &rw, &rw_pw, &db);
    w.batch_execute("INSERT INTO app.t VALUES (1); INSERT INTO public.p VALUES (1); CREATE TABLE app.mine (v int)")
        .unwrap();
    let mut r = login(c, &ro, &ro_pw, &db);
    assert_eq!(can_select(&mut r, "SELECT * FROM app.t"), Ok(1));
    assert_eq!(can_select(&mut r, "SELECT * FROM public.p"), Ok(1));
    let e = r.batch_execute("INSERT INTO app.t VALUES (2)").unwrap_err();
    assert_eq!(e.code().map(|c| c.code()), Some("42501"));

    let e = create_account(&inst, PgCluster::ADMIN, &rw_pw, Privilege::ReadWrite).unwrap_err();
    assert_error(&e, "InvalidParameter.AccountName", &[&rw_pw]);
    assert_server_never_saw(c, &[&rw_pw, &ro_pw]);
}

#[test]
fn admin_without_privilege() {
    let Some(c) = cluster() else { return };
    let inst = c.instance();
    let (weak, victim) = (unique_name("weak"), unique_name("victim"));
    let (weak_pw, victim_pw) = (random_password(24), random_password(24));
    create_account(&inst, &weak, &weak_pw, Privilege::ReadOnly).unwrap();
    create_account(&inst, &victim, &victim_pw, Privilege::ReadOnly).unwrap();
    let as_weak = Instance {
        admin_account: weak.clone(),
        admin_password: weak_pw.clone(),
        ..c.instance()
    };
    assert!(probe(&as_weak).is_ok());
    let new_pw = random_password(24);
    let e = set_password(&as_weak, &victim, &new_pw).unwrap_err();
    assert_error(&e, "Rotation.AdminPrivilegeMissing", &[&new_pw, &weak_pw]);
    let e =
        create_account(&as_weak, &unique_name("new"), &new_pw, Privilege::ReadOnly).unwrap_err();
    assert_error(&e, "Rotation.AdminPrivilegeMissing", &[&new_pw, &weak_pw]);
    let e = clone_account(&as_weak, &victim, &unique_name("cl"), &new_pw).unwrap_err();
    assert_error(&e, "Rotation.AdminPrivilegeMissing", &[&new_pw, &weak_pw]);
    assert!(check_login(&inst, &victim, &victim_pw).unwrap());
}

/// Runs openssl with `args` in `dir`.
fn openssl(dir: &std::path::Path, args: &[&str]) {
    let out = std::process::Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CA and a server certificate it signed for `localhost` and
/// 127.0.0.1: (CA PEM, server certificate PEM, server key PEM).
fn certificates(dir: &std::path::Path, name: &str) -> (String, String, String) {
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
    ];
    let (ca_key, ca) = (format!("{name}-ca.key"), format!("{name}-ca.pem"));
    let mut a = vec!["req", "-x509", "-days", "2", "-subj", "/CN=rampart test CA"];
    a.extend(ec);
    a.extend(["-keyout", &ca_key, "-out", &ca]);
    openssl(dir, &a);
    let (key, csr, cert) = (
        format!("{name}.key"),
        format!("{name}.csr"),
        format!("{name}.pem"),
    );
    let mut a = vec!["req", "-subj", "/CN=localhost"];
    a.extend(ec);
    a.extend(["-keyout", &key, "-out", &csr]);
    openssl(dir, &a);
    let ext = dir.join(format!("{name}.ext"));
    std::fs::write(
        &ext,
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n\
         extendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            &csr,
            "-CA",
            &ca,
            "-CAkey",
            &ca_key,
            "-CAcreateserial",
            "-days",
            "2",
            "-out",
            &cert,
            "-extfile",
            ext.to_str().unwrap(),
        ],
    );
    let read = |f: &str| std::fs::read_to_string(dir.join(f)).unwrap();
    (read(&ca), read(&cert), read(&key))
}

/// TLS: refused cleanly by a server without it; then, with the server's
/// TLS on, `verify-full` with the right CA works and with another CA is
/// refused. (One test: it turns the shared cluster's TLS on.)
#[test]
fn tls_require_and_verify_full() {
    let Some(c) = cluster() else { return };
    let require = Some(rampart_dbrotate::Tls {
        mode: rampart_dbrotate::TlsMode::Require,
        ca_pem: None,
    });
    let mut inst = c.instance();
    inst.tls = require.clone();
    let e = probe(&inst).unwrap_err();
    assert_error(&e, "Rotation.InstanceUnreachable", &[c.admin_password()]);

    let dir = tempfile::tempdir().unwrap();
    let (ca, cert, key) = certificates(dir.path(), "server");
    let (other_ca, _, _) = certificates(dir.path(), "other");
    c.enable_tls(&format!("{cert}{ca}"), &key).unwrap();

    assert!(probe(&inst).unwrap().starts_with("PostgreSQL"));
    let verify = |ca: &str| {
        let mut i = c.instance();
        i.tls = Some(rampart_dbrotate::Tls {
            mode: rampart_dbrotate::TlsMode::VerifyFull,
            ca_pem: Some(ca.to_string()),
        });
        i
    };
    let good = verify(&ca);
    let app = unique_name("tls");
    let pw = random_password(24);
    create_account(&good, &app, &pw, Privilege::ReadOnly).unwrap();
    assert!(check_login(&good, &app, &pw).unwrap());
    let e = probe(&verify(&other_ca)).unwrap_err();
    assert_error(&e, "Rotation.InstanceUnreachable", &[c.admin_password()]);
    assert!(e.message().to_lowercase().contains("certificate"), "{e}");
    // By name: `localhost` is in the certificate too.
    let mut by_name = verify(&ca);
    by_name.host = "localhost".into();
    assert!(probe(&by_name).is_ok());
    assert_eq!(inst.engine, Engine::PostgreSql);
}
