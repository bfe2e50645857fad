//! `rampart backup` while serving, then `rampart restore` into a new data
//! dir with the master key: everything is there and secrets still open.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails by panicking"
)]

mod harness;

use std::process::Command;

use harness::*;

#[test]
fn backup_and_restore_round_trip() {
    let a = tempfile::tempdir().unwrap();
    let p = Proc::start(a.path(), &[]);
    let root = p.root();
    p.ok(&root, RAM, "CreateUser", &[("UserName", "kept")]);
    p.ok(
        &root,
        KMS,
        "CreateSecret",
        &[
            ("SecretName", "kept/secret"),
            ("VersionId", "v1"),
            ("SecretData", "precious"),
        ],
    );
    let out = a.path().join("backup.sqlite");
    let st = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(["backup", "--data-dir"])
        .arg(a.path())
        .arg("--out")
        .arg(&out)
        .status()
        .unwrap();
    assert!(st.success(), "backup while serving");
    drop(p);

    let b = tempfile::tempdir().unwrap();
    // Without the master key the restore refuses.
    let st = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(["restore", "--data-dir"])
        .arg(b.path())
        .arg("--from")
        .arg(&out)
        .output()
        .unwrap();
    assert!(!st.status.success());
    assert!(String::from_utf8_lossy(&st.stderr).contains("master key"));
    // With a foreign master key it refuses too (the key kept outside the
    // data dir, which must hold nothing but the master key file).
    let keys = tempfile::tempdir().unwrap();
    let wrong = keys.path().join("wrong.key");
    std::fs::write(&wrong, format!("{}\n", "ab".repeat(32))).unwrap();
    let st = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(["restore", "--data-dir"])
        .arg(b.path())
        .arg("--master-key-file")
        .arg(&wrong)
        .arg("--from")
        .arg(&out)
        .output()
        .unwrap();
    assert!(!st.status.success(), "a foreign master key is refused");
    assert!(
        String::from_utf8_lossy(&st.stderr).contains("does not match"),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    std::fs::copy(a.path().join("master.key"), b.path().join("master.key")).unwrap();
    let st = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(["restore", "--data-dir"])
        .arg(b.path())
        .arg("--from")
        .arg(&out)
        .status()
        .unwrap();
    assert!(st.success());
    std::fs::copy(
        a.path().join("root-credentials.json"),
        b.path().join("root-credentials.json"),
    )
    .unwrap();
    let q = Proc::start(b.path(), &[]);
    q.ok(&root, RAM, "GetUser", &[("UserName", "kept")]);
    let v = q.ok(
        &root,
        KMS,
        "GetSecretValue",
        &[("SecretName", "kept/secret")],
    );
    assert_eq!(v["SecretData"], "precious");
}

#[test]
fn metrics_are_scraped() {
    let a = tempfile::tempdir().unwrap();
    let p = Proc::start(a.path(), &[]);
    let root = p.root();
    p.ok(&root, RAM, "ListUsers", &[]);
    let (st, _) = p.call(&root, RAM, "GetUser", &[("UserName", "nobody")]);
    assert_eq!(st, 404);
    let text = ureq::get(&format!("http://127.0.0.1:{}/metrics", p.port))
        .call()
        .unwrap()
        .into_string()
        .unwrap();
    for needle in [
        r#"rampart_requests_total{product="Ram",action="ListUsers",code="OK"} 1"#,
        r#"rampart_requests_total{product="Ram",action="GetUser",code="EntityNotExist.User"} 1"#,
        "rampart_request_duration_seconds_bucket",
        "rampart_scheduler_lag_milliseconds",
        "rampart_rotations_total",
        "rampart_store_errors_total",
    ] {
        assert!(text.contains(needle), "missing `{needle}` in:\n{text}");
    }
}
