//! The data dir and every file holding the store are owner-only: the dir
//! 0700 (tightened if it was looser), the database and its `-wal`/`-shm`
//! files 0600, and so are backups and restored databases.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails by panicking"
)]

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

fn rampart(args: &[&str], data: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(args)
        .arg("--data-dir")
        .arg(data)
        .output()
        .unwrap()
}

/// Files planted as symbolic links in the data dir are refused, never
/// written or chmod-ed through; a credentials file that cannot be written
/// leaves the store uninitialized (the root secret is never lost).
#[test]
fn planted_links_are_refused() {
    let top = tempfile::tempdir().unwrap();
    let target = top.path().join("elsewhere");
    std::fs::write(&target, b"not yours").unwrap();
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o644)).unwrap();
    for planted in ["master.key", "rampart.sqlite", "root-credentials.json"] {
        let data = top.path().join(format!("data-{planted}"));
        std::fs::create_dir(&data).unwrap();
        std::os::unix::fs::symlink(&target, data.join(planted)).unwrap();
        let out = rampart(&["init"], &data);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{planted}: {err}");
        assert_eq!(
            mode(&target),
            0o644,
            "{planted}: the link's target was chmod-ed"
        );
        assert_eq!(std::fs::read(&target).unwrap(), b"not yours", "{planted}");
        if planted == "root-credentials.json" {
            assert!(err.contains("was not initialized"), "{err}");
            // Once the link is gone, the store initializes: nothing was
            // created by the refused start.
            std::fs::remove_file(data.join(planted)).unwrap();
            let out = rampart(&["init"], &data);
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(String::from_utf8_lossy(&out.stdout).contains("ConsoleLogonName"));
        }
    }
    // The audit log: a link refused; an existing 0644 file tightened.
    let data = top.path().join("data-audit");
    std::fs::create_dir(&data).unwrap();
    let link = top.path().join("audit-link");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let port = free_port().to_string();
    let out = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--data-dir",
        ])
        .arg(&data)
        .arg("--audit-log")
        .arg(&link)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("symbolic link"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(mode(&target), 0o644);
    let audit = top.path().join("audit.jsonl");
    std::fs::write(&audit, b"").unwrap();
    std::fs::set_permissions(&audit, std::fs::Permissions::from_mode(0o644)).unwrap();
    let p = Proc::start(&data, &["--audit-log", audit.to_str().unwrap()]);
    assert_eq!(mode(&audit), 0o600);
    drop(p);
}

/// A restore takes a data dir holding only the master key, leaves no
/// staging files behind, and says where the root credentials are.
#[test]
fn restore_wants_an_empty_data_dir_and_leaves_nothing_behind() {
    let top = tempfile::tempdir().unwrap();
    let data = top.path().join("data");
    std::fs::create_dir(&data).unwrap();
    let p = Proc::start(&data, &[]);
    p.ok(&p.root(), RAM, "CreateUser", &[("UserName", "bob")]);
    drop(p);
    let backup = top.path().join("b.sqlite");
    let out = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(["backup", "--data-dir"])
        .arg(&data)
        .arg("--out")
        .arg(&backup)
        .output()
        .unwrap();
    assert!(out.status.success());
    let restored = top.path().join("restored");
    std::fs::create_dir(&restored).unwrap();
    std::fs::copy(data.join("master.key"), restored.join("master.key")).unwrap();
    std::fs::write(restored.join("stray.txt"), b"x").unwrap();
    let restore = |dir: &Path| {
        Command::new(env!("CARGO_BIN_EXE_rampart"))
            .args(["restore", "--data-dir"])
            .arg(dir)
            .arg("--from")
            .arg(&backup)
            .output()
            .unwrap()
    };
    let out = restore(&restored);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("stray.txt"));
    std::fs::remove_file(restored.join("stray.txt")).unwrap();
    let out = restore(&restored);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("root credentials are not restored"), "{err}");
    let mut names: Vec<String> = std::fs::read_dir(&restored)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["master.key", "rampart.sqlite"]);
    // `restore --help` shows the store's options, not the server's.
    let help = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(["restore", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(
        help.contains("--data-dir") && !help.contains("--listen") && !help.contains("--tls"),
        "{help}"
    );
}
