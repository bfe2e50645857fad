//! The conformance suite on the embedded SQLite store.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails by panicking"
)]

mod conformance;

use rampart_store::{AccountStore, SqliteStore, Store, UserStore};

#[test]
fn sqlite_conformance() {
    let dir = tempfile::tempdir().unwrap();
    let n = std::cell::Cell::new(0);
    conformance::run_all(&|| {
        n.set(n.get() + 1);
        let path = dir.path().join(format!("db{}.sqlite", n.get()));
        Box::new(SqliteStore::open(&path).unwrap()) as Box<dyn Store>
    });
}

#[test]
fn sqlite_reopen_keeps_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db.sqlite");
    {
        let s = SqliteStore::open(&path).unwrap();
        s.create_user(
            &rampart_store::UserRow {
                user_id: "1".into(),
                user_name: "keep".into(),
                ..Default::default()
            },
            10,
        )
        .unwrap();
    }
    let s = SqliteStore::open(&path).unwrap();
    assert!(s.get_user("keep").unwrap().is_some());
}

#[test]
fn exclusive_store_locks_and_counts_writes() {
    use rampart_store::AuditStore;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db.sqlite");
    let s = SqliteStore::open_exclusive(&path).unwrap();
    // A second writer process (here: a second exclusive open) is refused.
    let err = SqliteStore::open_exclusive(&path)
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("another process"), "{err}");
    // A shared open (backups, tools) works but cannot vouch for a generation.
    assert_eq!(SqliteStore::open(&path).unwrap().generation(), None);

    let g0 = s.generation().unwrap();
    let user = rampart_store::UserRow {
        user_id: "1".into(),
        user_name: "gen".into(),
        ..Default::default()
    };
    s.create_user(&user, 10).unwrap();
    let g1 = s.generation().unwrap();
    assert_ne!(g0, g1, "a committed write moves the generation");
    assert!(s.get_user("gen").unwrap().is_some());
    assert!(s.create_user(&user, 10).is_err());
    assert_eq!(s.list_users(None, 10).unwrap().len(), 1);
    // Reads and the audit trail leave it.
    s.append_audit(&[rampart_store::AuditEvent::default()])
        .unwrap();
    assert_eq!(s.generation().unwrap(), g1);
    s.delete_user("gen").unwrap();
    assert_ne!(s.generation().unwrap(), g1);
    drop(s);
    // The lock goes with the store.
    assert!(SqliteStore::open_exclusive(&path).is_ok());
}
