//! The conformance suite on the embedded SQLite store.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod conformance;

use rampart_store::{IamStore, SqliteStore, Store};

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
