//! Two replicas on one PostgreSQL database, each with its read caches on:
//! a change made through one is honoured by the other within the stated
//! bound (`rampart_store::POSTGRES_STALENESS`; in practice the very next
//! request). Each check warms the second replica's caches first, then
//! changes the state on the first and calls the second at once.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails by panicking"
)]

mod harness;

use std::time::{Duration, Instant};

use harness::*;
use serde_json::Value;

/// The most a replica may lag: the store's bound, with room for a loaded
/// machine (the limit is one second).
const BOUND: Duration = Duration::from_secs(1);

/// Calls `call` until `done` holds of its answer, for at most [`BOUND`]
/// after the change; returns how many calls it took.
fn within_bound(
    what: &str,
    mut call: impl FnMut() -> (u16, Value),
    done: impl Fn(u16, &Value) -> bool,
) -> usize {
    let changed = Instant::now();
    let mut tries = 0;
    loop {
        tries += 1;
        let (st, body) = call();
        if done(st, &body) {
            eprintln!("{what}: seen by the other replica on call {tries}");
            return tries;
        }
        assert!(
            changed.elapsed() < BOUND,
            "{what}: the other replica still answers {st} {body} after {:?}",
            changed.elapsed()
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Two replicas on `db`, sharing the first one's master key.
fn two_replicas(db: &TestDb) -> (Vec<tempfile::TempDir>, Proc, Proc) {
    let url = db.url();
    let dirs: Vec<tempfile::TempDir> = (0..2).map(|_| tempfile::tempdir().unwrap()).collect();
    let a = Proc::start(dirs[0].path(), &["--database", &url]);
    let key_file = dirs[0].path().join("master.key");
    let b = Proc::start(
        dirs[1].path(),
        &[
            "--database",
            &url,
            "--master-key-file",
            key_file.to_str().unwrap(),
        ],
    );
    (dirs, a, b)
}

#[test]
fn postgres_replicas_see_each_others_writes_within_the_bound() {
    let Some(db) = TestDb::create(Shared::Postgres, "staleness") else {
        return;
    };
    let (_dirs, a, b) = two_replicas(&db);
    let root = a.root();

    // A user allowed to read secrets, with a key, and a secret.
    a.ok(&root, RAM, "CreateUser", &[("UserName", "reader")]);
    let k = a.ok(&root, RAM, "CreateAccessKey", &[("UserName", "reader")]);
    let user = Creds {
        id: k["AccessKey"]["AccessKeyId"].as_str().unwrap().into(),
        secret: k["AccessKey"]["AccessKeySecret"].as_str().unwrap().into(),
    };
    let attach = [
        ("PolicyType", "System"),
        ("PolicyName", "AliyunKMSFullAccess"),
        ("UserName", "reader"),
    ];
    a.ok(&root, RAM, "AttachPolicyToUser", &attach);
    a.ok(
        &root,
        KMS,
        "CreateSecret",
        &[
            ("SecretName", "shared"),
            ("VersionId", "v1"),
            ("SecretData", "one"),
        ],
    );
    let read = |p: &Proc| p.call(&user, KMS, "GetSecretValue", &[("SecretName", "shared")]);
    let warm = |p: &Proc| {
        for _ in 0..3 {
            let (st, body) = read(p);
            assert_eq!(st, 200, "{body}");
        }
    };
    let mut first_calls = Vec::new();

    // UpdateAccessKey Inactive, then Active again.
    warm(&b);
    let status = |s: &'static str| {
        [
            ("UserName", "reader"),
            ("UserAccessKeyId", user.id.as_str()),
            ("Status", s),
        ]
    };
    a.ok(&root, RAM, "UpdateAccessKey", &status("Inactive"));
    first_calls.push(within_bound(
        "UpdateAccessKey Inactive",
        || read(&b),
        |_, body| body["Code"] == "InvalidAccessKeyId.Inactive",
    ));
    a.ok(&root, RAM, "UpdateAccessKey", &status("Active"));
    first_calls.push(within_bound(
        "UpdateAccessKey Active",
        || read(&b),
        |st, _| st == 200,
    ));

    // DetachPolicyFromUser: the user may no longer read.
    warm(&b);
    a.ok(&root, RAM, "DetachPolicyFromUser", &attach);
    first_calls.push(within_bound(
        "DetachPolicyFromUser",
        || read(&b),
        |st, body| st == 403 && body["Code"] == "Forbidden.NoPermission",
    ));
    a.ok(&root, RAM, "AttachPolicyToUser", &attach);
    first_calls.push(within_bound(
        "AttachPolicyToUser",
        || read(&b),
        |st, _| st == 200,
    ));

    // A new secret version: the other replica serves it.
    warm(&b);
    a.ok(
        &root,
        KMS,
        "PutSecretValue",
        &[
            ("SecretName", "shared"),
            ("VersionId", "v2"),
            ("SecretData", "two"),
        ],
    );
    first_calls.push(within_bound(
        "PutSecretValue",
        || read(&b),
        |st, body| st == 200 && body["SecretData"] == "two" && body["VersionId"] == "v2",
    ));

    // DeleteAccessKey: refused.
    warm(&b);
    a.ok(
        &root,
        RAM,
        "DeleteAccessKey",
        &[
            ("UserName", "reader"),
            ("UserAccessKeyId", user.id.as_str()),
        ],
    );
    first_calls.push(within_bound(
        "DeleteAccessKey",
        || read(&b),
        |st, body| st == 404 && body["Code"] == "InvalidAccessKeyId.NotFound",
    ));
    eprintln!("calls until the change was seen: {first_calls:?}");
}

/// The password policy's `MaxLoginAttemps` counts a user's failed console
/// logons on every replica together.
#[test]
fn postgres_replicas_share_the_logon_lockout() {
    let Some(db) = TestDb::create(Shared::Postgres, "lockout") else {
        return;
    };
    let (dirs, a, b) = two_replicas(&db);
    let root = a.root();
    const PW: &str = "Carol-Passw0rd!";
    a.ok(&root, RAM, "CreateUser", &[("UserName", "carol")]);
    a.ok(
        &root,
        RAM,
        "CreateLoginProfile",
        &[("UserName", "carol"), ("Password", PW)],
    );
    a.ok(&root, RAM, "SetPasswordPolicy", &[("MaxLoginAttemps", "3")]);
    let creds: Value = serde_json::from_str(
        &std::fs::read_to_string(dirs[0].path().join("root-credentials.json")).unwrap(),
    )
    .unwrap();
    let name = format!("carol@{}", creds["AccountId"].as_str().unwrap());
    let logon = |p: &Proc, password: &str| -> (u16, String) {
        let r = p
            .agent()
            .post(&format!("{}/console/api/login", p.base_url()))
            .send_form(&[("LoginName", name.as_str()), ("Password", password)]);
        let (status, body) = match r {
            Ok(r) => (r.status(), r.into_string().unwrap_or_default()),
            Err(ureq::Error::Status(code, r)) => (code, r.into_string().unwrap_or_default()),
            Err(e) => panic!("{e}"),
        };
        let v: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
        (status, v["Code"].as_str().unwrap_or("OK").to_string())
    };
    assert_eq!(logon(&b, PW).0, 200, "the password works");
    // Two failures on one replica, one on the other: three in the hour.
    for p in [&a, &a, &b] {
        assert_eq!(logon(p, "Wrong-Passw0rd"), (401, "InvalidLogin".into()));
    }
    for p in [&a, &b] {
        assert_eq!(
            logon(p, PW),
            (429, "InvalidLogin.Locked".into()),
            "locked on every replica"
        );
    }
    // A new password set by an administrator lifts it everywhere.
    b.ok(
        &root,
        RAM,
        "UpdateLoginProfile",
        &[("UserName", "carol"), ("Password", "Reset-Passw0rd!")],
    );
    assert_eq!(logon(&a, "Reset-Passw0rd!").0, 200);
}
