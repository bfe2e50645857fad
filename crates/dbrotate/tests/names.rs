//! Offline: hostile account names are refused before any connection is
//! made, and no `Debug` output or error shows a password. Needs no
//! database server.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails by panicking"
)]

mod common;

use std::net::TcpListener;

use common::assert_error;
use rampart_dbrotate::{
    account_exists, check_account_name, check_login, clone_account, create_account, probe,
    set_password, Engine, Error, Instance, Privilege, Secret, Tls, TlsMode,
};

const ENGINES: [Engine; 4] = [
    Engine::PostgreSql,
    Engine::MySql,
    Engine::MariaDb,
    Engine::Redis,
];

fn hostile() -> Vec<String> {
    vec![
        "a\"; DROP ROLE x; --".into(),
        "' OR 1=1".into(),
        "ünïcödé".into(),
        "app\u{200b}".into(),
        "a".repeat(33),
        String::new(),
        "a".into(),
        "App".into(),
        "1app".into(),
        "_app".into(),
        "app name".into(),
        "app`x".into(),
        "app\0".into(),
        "app\n".into(),
        "app;".into(),
        "app@%".into(),
        "app:x".into(),
    ]
}

#[test]
fn hostile_names_never_reach_a_server() {
    // A listener that would see any connection attempt.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    listener.set_nonblocking(true).unwrap();
    let admin_pw = Secret::new("admin-pw-never-shown-1");
    let pw = Secret::new("new-pw-never-shown-2");
    let secrets = [&admin_pw, &pw];
    for engine in ENGINES {
        let inst = Instance::new(engine, "127.0.0.1", port, "admin", admin_pw.clone());
        for name in hostile() {
            let results: Vec<Error> = vec![
                check_account_name(engine, &name).unwrap_err(),
                account_exists(&inst, &name).unwrap_err(),
                set_password(&inst, &name, &pw).unwrap_err(),
                check_login(&inst, &name, &pw).unwrap_err(),
                create_account(&inst, &name, &pw, Privilege::ReadWrite).unwrap_err(),
                clone_account(&inst, &name, "good_name", &pw).unwrap_err(),
                clone_account(&inst, "good_name", &name, &pw).unwrap_err(),
            ];
            for e in &results {
                assert_error(e, "InvalidParameter.AccountName", &secrets);
                assert!(matches!(e, Error::InvalidAccountName(_)));
            }
        }
    }
    assert!(
        listener.accept().is_err(),
        "a connection was made for a hostile name"
    );
}

#[test]
fn names_that_pass() {
    for engine in ENGINES {
        for name in ["ab", "app", "app_clone", "a1_b2", &"z".repeat(32)] {
            check_account_name(engine, name).unwrap();
        }
    }
    let e = check_account_name(Engine::PostgreSql, "pg_monitor").unwrap_err();
    assert_eq!(e.code(), "InvalidParameter.AccountName");
    check_account_name(Engine::MySql, "pg_monitor").unwrap();
}

#[test]
fn debug_never_shows_a_password() {
    let pw = Secret::new("debug-pw-never-shown-3");
    let mut inst = Instance::new(Engine::PostgreSql, "db.example", 5432, "admin", pw.clone())
        .with_database("app");
    inst.tls = Some(Tls {
        mode: TlsMode::VerifyFull,
        ca_pem: Some("-----BEGIN CERTIFICATE-----\n".into()),
    });
    for text in [
        format!("{inst:?}"),
        format!("{inst:#?}"),
        format!("{pw:?}"),
        format!("{:?}", inst.admin_password),
    ] {
        assert!(!text.contains(pw.expose()), "{text}");
    }
    assert!(format!("{inst:?}").contains("Secret(***)"));
}

#[test]
fn same_source_and_clone_and_admin_are_refused() {
    let pw = Secret::new("pw-never-shown-4");
    for engine in ENGINES {
        let inst = Instance::new(engine, "127.0.0.1", 1, "admin_x", pw.clone());
        let e = clone_account(&inst, "app", "app", &pw).unwrap_err();
        assert_error(&e, "InvalidParameter.AccountName", &[&pw]);
        let e = clone_account(&inst, "app", "admin_x", &pw).unwrap_err();
        assert_error(&e, "InvalidParameter.AccountName", &[&pw]);
        let e = create_account(&inst, "admin_x", &pw, Privilege::ReadOnly).unwrap_err();
        assert_error(&e, "InvalidParameter.AccountName", &[&pw]);
    }
}

#[test]
fn tls_is_refused_where_unsupported_before_connecting() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    listener.set_nonblocking(true).unwrap();
    let pw = Secret::new("pw-never-shown-5");
    for engine in [Engine::MySql, Engine::MariaDb, Engine::Redis] {
        let mut inst = Instance::new(engine, "127.0.0.1", port, "admin", pw.clone());
        inst.tls = Some(Tls {
            mode: TlsMode::Require,
            ca_pem: None,
        });
        let e = probe(&inst).unwrap_err();
        assert_error(&e, "Rotation.Unsupported", &[&pw]);
        let e = set_password(&inst, "app", &pw).unwrap_err();
        assert_error(&e, "Rotation.Unsupported", &[&pw]);
    }
    assert!(listener.accept().is_err());
    // PostgreSQL: verify-full without a CA is a configuration error.
    let mut inst = Instance::new(Engine::PostgreSql, "127.0.0.1", port, "admin", pw.clone());
    inst.tls = Some(Tls {
        mode: TlsMode::VerifyFull,
        ca_pem: None,
    });
    let e = probe(&inst).unwrap_err();
    assert_error(&e, "Rotation.Failed", &[&pw]);
    assert!(e.message().contains("sslrootcert"), "{e}");
}

#[test]
fn error_codes() {
    let cases = [
        (
            Error::Unreachable("x".into()),
            "Rotation.InstanceUnreachable",
        ),
        (
            Error::AdminAuthFailed("x".into()),
            "Rotation.AdminAuthenticationFailed",
        ),
        (Error::NoSuchAccount("x".into()), "Rotation.AccountNotFound"),
        (
            Error::NoPrivilege("x".into()),
            "Rotation.AdminPrivilegeMissing",
        ),
        (
            Error::InvalidAccountName("x".into()),
            "InvalidParameter.AccountName",
        ),
        (Error::Unsupported("x".into()), "Rotation.Unsupported"),
        (Error::Other("x".into()), "Rotation.Failed"),
    ];
    for (e, code) in cases {
        assert_eq!(e.code(), code);
        assert!(e.to_string().starts_with(code));
    }
}
