//! Three replicas on one PostgreSQL database under load; one is killed
//! (`kill -9`) while rotations run. No rotation runs twice, none is lost
//! (the dead replica's leases expire and another takes over), and every
//! secret's current key works. Needs PostgreSQL (`RAMPART_TEST_POSTGRES_URL`,
//! default `postgres://postgres@127.0.0.1:5432/postgres`); set
//! `RAMPART_TEST_POSTGRES=skip` to skip.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod harness;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use harness::*;

fn admin_url() -> String {
    std::env::var("RAMPART_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

fn with_db(url: &str, db: &str) -> String {
    let (base, _) = url.rsplit_once('/').unwrap();
    format!("{base}/{db}")
}

struct Db {
    name: String,
}

impl Db {
    fn create() -> Self {
        let name = format!("rampart_replicas_{}", rampart_crypto::random_hex(6));
        let mut c = postgres::Client::connect(&admin_url(), postgres::NoTls).unwrap_or_else(|e| {
            panic!(
                "PostgreSQL at {} is needed for the replica test: {e}",
                admin_url()
            )
        });
        c.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
        Self { name }
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        if let Ok(mut c) = postgres::Client::connect(&admin_url(), postgres::NoTls) {
            let _ = c.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

#[test]
fn three_replicas_one_killed_mid_rotation() {
    if std::env::var("RAMPART_TEST_POSTGRES").as_deref() == Ok("skip") {
        eprintln!("skipped: RAMPART_TEST_POSTGRES=skip");
        return;
    }
    let db = Db::create();
    let url = with_db(&admin_url(), &db.name);
    let dirs: Vec<tempfile::TempDir> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let common = [
        "--database",
        url.as_str(),
        "--rotation-grace-period",
        "3s",
        "--min-rotation-interval",
        "2s",
    ];
    let first = Proc::start(dirs[0].path(), &common);
    let key_file = dirs[0].path().join("master.key");
    let key_arg = key_file.to_str().unwrap().to_string();
    let mut with_key: Vec<&str> = common.to_vec();
    with_key.extend(["--master-key-file", key_arg.as_str()]);
    let mut second = Proc::start(dirs[1].path(), &with_key);
    let third = Proc::start(dirs[2].path(), &with_key);
    let root = first.root();
    let names = setup_ram_secrets(&first, &root, 12, "2s");

    // Load on every replica while rotations run.
    let stop = Arc::new(AtomicBool::new(false));
    let served = Arc::new(AtomicUsize::new(0));
    let failed_live = Arc::new(AtomicUsize::new(0));
    let ports = [first.port, second.port, third.port];
    let load = {
        let (stop, served, failed_live, names, root) = (
            stop.clone(),
            served.clone(),
            failed_live.clone(),
            names.clone(),
            root.clone(),
        );
        let killed_port = second.port;
        let dir = dirs[0].path().to_path_buf();
        std::thread::spawn(move || {
            let mut i = 0usize;
            while !stop.load(Ordering::Relaxed) {
                let port = ports[i % ports.len()];
                let p = ProcRef {
                    port,
                    dir: dir.clone(),
                };
                let (st, _) = p.call(
                    &root,
                    KMS,
                    "GetSecretValue",
                    &[("SecretName", &names[i % names.len()])],
                );
                if st == 200 {
                    served.fetch_add(1, Ordering::Relaxed);
                } else if port != killed_port {
                    failed_live.fetch_add(1, Ordering::Relaxed);
                }
                i += 1;
            }
        })
    };
    std::thread::sleep(Duration::from_millis(4300));
    second.kill9();
    let killed_at = Instant::now();
    // Wait past the dead replica's leases (15 s) and a few more rotations.
    std::thread::sleep(Duration::from_secs(22));
    stop.store(true, Ordering::Relaxed);
    load.join().unwrap();
    assert!(
        served.load(Ordering::Relaxed) > 100,
        "the replicas served the load"
    );
    assert_eq!(
        failed_live.load(Ordering::Relaxed),
        0,
        "live replicas never failed a read"
    );

    let now = i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    )
    .unwrap();
    let since_kill = i64::try_from(killed_at.elapsed().as_secs()).unwrap();
    for name in &names {
        // None lost: every secret kept rotating after the kill.
        let d = third.ok(&root, KMS, "DescribeSecret", &[("SecretName", name)]);
        let last = rampart_core::time::parse(d["LastRotationDate"].as_str().unwrap()).unwrap();
        assert!(
            now - last <= 8,
            "{name} stopped rotating ({}s ago, kill {since_kill}s ago)",
            now - last
        );
        assert_eq!(d["RotationStatus"], "Normal", "{d}");
        // Every current key works, on every live replica.
        let (current, _) = secret_keys(&third, &root, name);
        for p in [&first, &third] {
            let (st, body) = p.call(&current, STS, "GetCallerIdentity", &[]);
            assert_eq!(st, 200, "{name}: {body}");
        }
    }
    // No rotation done twice: per user, the service role's CreateAccessKey
    // calls are at least a second apart (the interval is 2 s).
    let mut times: HashMap<String, Vec<i64>> = HashMap::new();
    let mut token = String::new();
    loop {
        let mut params = vec![
            ("LookupAttribute.1.Key", "EventName"),
            ("LookupAttribute.1.Value", "CreateAccessKey"),
            ("StartTime", "2020-01-01T00:00:00Z"),
            ("EndTime", "2099-01-01T00:00:00Z"),
            ("MaxResults", "50"),
        ];
        if !token.is_empty() {
            params.push(("NextToken", token.as_str()));
        }
        let page = first.ok(&root, "2020-07-06", "LookupEvents", &params);
        for e in page["Events"].as_array().unwrap() {
            if e["userIdentity"]["type"] == "assumed-role" && e.get("errorCode").is_none() {
                let t = rampart_core::time::parse(e["eventTime"].as_str().unwrap()).unwrap();
                times
                    .entry(e["resourceName"].as_str().unwrap().to_string())
                    .or_default()
                    .push(t);
            }
        }
        token = page["NextToken"].as_str().unwrap_or_default().to_string();
        if token.is_empty() {
            break;
        }
    }
    assert_eq!(times.len(), names.len(), "every user's key was rotated");
    let mut total = 0;
    for (user, mut ts) in times {
        ts.sort_unstable();
        total += ts.len();
        for w in ts.windows(2) {
            assert!(
                w[1] - w[0] >= 1,
                "{user} rotated twice within a second: {ts:?}"
            );
        }
    }
    assert!(
        total >= names.len() * 5,
        "rotations kept happening: {total}"
    );
    drop(db);
}

/// A handle to call a replica from the load thread.
struct ProcRef {
    port: u16,
    dir: std::path::PathBuf,
}

impl ProcRef {
    fn call(
        &self,
        c: &Creds,
        version: &str,
        action: &str,
        params: &[(&str, &str)],
    ) -> (u16, serde_json::Value) {
        // An attached handle owns no process: dropping it kills nothing.
        Proc::attach(self.port, &self.dir).call(c, version, action, params)
    }
}
