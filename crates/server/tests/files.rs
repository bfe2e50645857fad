//! The data dir and every file holding the store are owner-only: the dir
//! 0700 (tightened if it was looser), the database and its `-wal`/`-shm`
//! files 0600, and so are backups and restored databases.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod harness;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use harness::*;

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p)
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        .permissions()
        .mode()
        & 0o777
}

#[test]
fn data_dir_database_and_backups_are_owner_only() {
    let top = tempfile::tempdir().unwrap();
    let data = top.path().join("data");
    std::fs::create_dir(&data).unwrap();
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
    let p = Proc::start(&data, &[]);
    let root = p.root();
    p.ok(&root, RAM, "CreateUser", &[("UserName", "alice")]);
    p.ok(
        &root,
        KMS,
        "CreateSecret",
        &[
            ("SecretName", "db"),
            ("VersionId", "v1"),
            ("SecretData", "s3cret"),
        ],
    );
    assert_eq!(mode(&data), 0o700, "the data dir is tightened");
    for f in [
        "rampart.sqlite",
        "rampart.sqlite-wal",
        "rampart.sqlite-shm",
        "rampart.sqlite.lock",
        "master.key",
        "root-credentials.json",
    ] {
        assert_eq!(mode(&data.join(f)), 0o600, "{f}");
    }

    let out = top.path().join("backup.sqlite");
    let st = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(["backup", "--data-dir"])
        .arg(&data)
        .arg("--out")
        .arg(&out)
        .status()
        .unwrap();
    assert!(st.success());
    assert_eq!(mode(&out), 0o600, "the backup");
    drop(p);

    // A restore into a new data dir: the dir 0700, the database 0600 even
    // from a world-readable backup file.
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o644)).unwrap();
    let restored = top.path().join("restored");
    std::fs::create_dir(&restored).unwrap();
    std::fs::set_permissions(&restored, std::fs::Permissions::from_mode(0o755)).unwrap();
    for f in ["master.key", "root-credentials.json"] {
        std::fs::copy(data.join(f), restored.join(f)).unwrap();
    }
    let st = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(["restore", "--data-dir"])
        .arg(&restored)
        .arg("--from")
        .arg(&out)
        .status()
        .unwrap();
    assert!(st.success());
    assert_eq!(mode(&restored), 0o700);
    assert_eq!(mode(&restored.join("rampart.sqlite")), 0o600);

    // A store left world-readable by an earlier version is tightened at start.
    for f in ["rampart.sqlite", "rampart.sqlite.lock"] {
        std::fs::set_permissions(restored.join(f), std::fs::Permissions::from_mode(0o644)).ok();
    }
    let p = Proc::start(&restored, &[]);
    p.ok(&p.root(), RAM, "GetUser", &[("UserName", "alice")]);
    for f in [
        "rampart.sqlite",
        "rampart.sqlite-wal",
        "rampart.sqlite-shm",
        "rampart.sqlite.lock",
    ] {
        assert_eq!(mode(&restored.join(f)), 0o600, "{f}");
    }
}
