//! Three replicas on one database (PostgreSQL, MariaDB/MySQL) under load;
//! one is killed (`kill -9`) while rotations run. No rotation runs twice,
//! none is lost (the dead replica's leases expire and another takes over),
//! the replicas share the replay window, and every secret's current key
//! works. See `harness/db.rs` for the servers used and how to skip them.
//!
//! On PostgreSQL the replicas reach the database over TLS with
//! `sslmode=verify-full`: when the server runs on this host (its data
//! directory is here), the test gives it a certificate for `127.0.0.1` and
//! `localhost` signed by a CA of its own (kept in `rampart-test-tls` beside
//! the data directory, made once) and turns `ssl` on with `ALTER SYSTEM` and
//! a configuration reload: plain connections keep working.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails by panicking"
)]

mod harness;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use harness::*;

#[test]
fn postgres_three_replicas_one_killed_mid_rotation() {
    if let Some(db) = TestDb::create(Shared::Postgres, "replicas") {
        let root_ca = postgres_tls_root();
        let url = with_tls(&db.url(), "verify-full", &root_ca);
        let deadline = Instant::now() + Duration::from_secs(20);
        while encrypted(&url) != Ok(true) {
            assert!(
                Instant::now() < deadline,
                "PostgreSQL did not take the test certificate: {:?}",
                encrypted(&url)
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        three_replicas_one_killed_mid_rotation(&url);
    }
}

fn admin_url() -> String {
    std::env::var("RAMPART_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// The database server's TLS: a CA that signed its certificate for
/// `127.0.0.1` and `localhost`, set up once (idempotent, safe while other
/// tests connect). The CA's PEM file.
fn postgres_tls_root() -> std::path::PathBuf {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let mut c = postgres::Client::connect(&admin_url(), postgres::NoTls).unwrap_or_else(|e| {
        panic!(
            "PostgreSQL at {} is needed for the replica test: {e}",
            admin_url()
        )
    });
    let show = |c: &mut postgres::Client, name: &str| -> String {
        c.query_one(&format!("SHOW {name}"), &[]).unwrap().get(0)
    };
    let data = std::path::PathBuf::from(show(&mut c, "data_directory"));
    let owner = std::fs::metadata(&data).unwrap_or_else(|e| {
        panic!(
            "the PostgreSQL data directory {} is not on this host ({e}): the TLS replica test configures the server's certificate there",
            data.display()
        )
    });
    let dir = data.parent().unwrap().join("rampart-test-tls");
    if !dir.join("ca.pem").exists() {
        // Made whole in a directory of its own, then renamed into place:
        // a concurrent run keeps the first one made.
        let tmp = data.parent().unwrap().join(format!(
            "rampart-test-tls.{}",
            rampart_crypto::random_hex(6)
        ));
        std::fs::create_dir(&tmp).unwrap();
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o755)).unwrap();
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca.distinguished_name
            .push(rcgen::DnType::CommonName, "Rampart test PostgreSQL CA");
        ca.not_after = rcgen::date_time_ymd(2099, 1, 1);
        let ca = ca.self_signed(&ca_key).unwrap();
        let key = rcgen::KeyPair::generate().unwrap();
        let mut leaf =
            rcgen::CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
                .unwrap();
        leaf.not_after = rcgen::date_time_ymd(2099, 1, 1);
        let leaf = leaf.signed_by(&key, &ca, &ca_key).unwrap();
        std::fs::write(tmp.join("ca.pem"), ca.pem()).unwrap();
        std::fs::write(tmp.join("server.crt"), leaf.pem()).unwrap();
        let key_path = tmp.join("server.key");
        std::fs::write(&key_path, key.serialize_pem()).unwrap();
        std::fs::set_permissions(&key_path, std::fs::Permissions::from_mode(0o600)).unwrap();
        std::os::unix::fs::chown(&key_path, Some(owner.uid()), Some(owner.gid())).unwrap();
        if std::fs::rename(&tmp, &dir).is_err() {
            let _ = std::fs::remove_dir_all(&tmp);
        }
    }
    let (cert, key) = (dir.join("server.crt"), dir.join("server.key"));
    let (cert_s, key_s) = (cert.to_str().unwrap(), key.to_str().unwrap());
    if show(&mut c, "ssl") != "on"
        || show(&mut c, "ssl_cert_file") != cert_s
        || show(&mut c, "ssl_key_file") != key_s
    {
        for sql in [
            format!("ALTER SYSTEM SET ssl_cert_file = '{cert_s}'"),
            format!("ALTER SYSTEM SET ssl_key_file = '{key_s}'"),
            "ALTER SYSTEM SET ssl = on".to_string(),
            "SELECT pg_reload_conf()".to_string(),
        ] {
            c.batch_execute(&sql).unwrap();
        }
    }
    dir.join("ca.pem")
}

/// `url` with `sslmode` and `sslrootcert`.
fn with_tls(url: &str, mode: &str, root: &std::path::Path) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}sslmode={mode}&sslrootcert={}", root.display())
}

/// Whether a connection made from `url` is encrypted (as the server sees it).
fn encrypted(url: &str) -> Result<bool, String> {
    let (config, tls) = rampart_dbtls::postgres(url).map_err(|e| e.to_string())?;
    let mut c = config.connect(tls).map_err(|e| format!("{e:?}"))?;
    let row = c
        .query_one(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            &[],
        )
        .map_err(|e| e.to_string())?;
    Ok(row.get(0))
}

/// `sslmode` as libpq reads it: `require`, `verify-ca` and `verify-full`
/// encrypt; verify-* refuse a certificate of another CA, verify-full one
/// for another name; the default stays plain.
#[test]
fn postgres_sslmodes() {
    let Some(db) = TestDb::create(Shared::Postgres, "sslmodes") else {
        return;
    };
    let root = postgres_tls_root();
    let url = admin_url();
    // The configuration reload is asynchronous.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while encrypted(&with_tls(&url, "verify-full", &root)) != Ok(true) {
        assert!(
            std::time::Instant::now() < deadline,
            "PostgreSQL did not take the test certificate: {:?}",
            encrypted(&with_tls(&url, "verify-full", &root))
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(encrypted(&url), Ok(false), "no sslmode: plain");
    assert_eq!(encrypted(&format!("{url}?sslmode=prefer")), Ok(false));
    assert_eq!(encrypted(&format!("{url}?sslmode=require")), Ok(true));
    assert_eq!(encrypted(&with_tls(&url, "verify-ca", &root)), Ok(true));
    // Another CA: refused by verify-ca and verify-full.
    let other = tempfile::tempdir().unwrap();
    let other_ca = other.path().join("other.pem");
    let k = rcgen::KeyPair::generate().unwrap();
    let mut p = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    p.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    std::fs::write(&other_ca, p.self_signed(&k).unwrap().pem()).unwrap();
    for mode in ["verify-ca", "verify-full"] {
        let e = encrypted(&with_tls(&url, mode, &other_ca)).unwrap_err();
        assert!(e.to_lowercase().contains("certificate"), "{mode}: {e}");
    }
    // A name the certificate does not carry: verify-full refuses, verify-ca
    // (the chain only) accepts.
    // Another name (connecting to the same address): verify-full refuses,
    // verify-ca (the chain only) accepts.
    if let Some(rest) = url.strip_prefix("postgres://postgres@127.0.0.1") {
        let by_name = format!("postgres://postgres@db.rampart.invalid{rest}?hostaddr=127.0.0.1");
        let e = encrypted(&with_tls(&by_name, "verify-full", &root)).unwrap_err();
        assert!(e.contains("NotValidForName"), "{e}");
        assert_eq!(encrypted(&with_tls(&by_name, "verify-ca", &root)), Ok(true));
    }
    // And the store opens through it.
    let store_url = with_tls(&db.url(), "verify-full", &root);
    rampart_store::PostgresStore::open(&store_url).unwrap();
    let e = rampart_store::PostgresStore::open(&with_tls(&db.url(), "verify-full", &other_ca))
        .unwrap_err();
    assert!(e.to_string().contains("cannot connect"), "{e}");
}

#[test]
fn mysql_three_replicas_one_killed_mid_rotation() {
    if let Some(db) = TestDb::create(Shared::Mysql, "replicas") {
        three_replicas_one_killed_mid_rotation(&db.url());
    }
}

fn three_replicas_one_killed_mid_rotation(url: &str) {
    let dirs: Vec<tempfile::TempDir> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let common = [
        "--database",
        url,
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
    // One replay window: a nonce used on one replica is refused on another.
    let nonce = rampart_crypto::random_hex(16);
    let (st, body) = first.call_with_nonce(&root, STS, "GetCallerIdentity", &[], &nonce);
    assert_eq!(st, 200, "{body}");
    let (st, body) = third.call_with_nonce(&root, STS, "GetCallerIdentity", &[], &nonce);
    assert_eq!(
        body["Code"], "SignatureNonceUsed",
        "a replayed nonce: {st} {body}"
    );
    // The same on the replica that served it (a read is answered only once
    // its nonce is known fresh), and for a change, which runs once.
    let (st, body) = first.call_with_nonce(&root, STS, "GetCallerIdentity", &[], &nonce);
    assert_eq!(body["Code"], "SignatureNonceUsed", "{st} {body}");
    let nonce = rampart_crypto::random_hex(16);
    let user = [("UserName", "replayed")];
    let (st, body) = first.call_with_nonce(&root, RAM, "CreateUser", &user, &nonce);
    assert_eq!(st, 200, "{body}");
    for replica in [&first, &third] {
        let (st, body) = replica.call_with_nonce(&root, RAM, "CreateUser", &user, &nonce);
        assert_eq!(body["Code"], "SignatureNonceUsed", "{st} {body}");
    }
    let (st, body) = third.call(&root, RAM, "DeleteUser", &user);
    assert_eq!(st, 200, "{body}");
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
    // No rotation done twice, and rotations kept happening.
    let total = rotated_once(&first, &root, names.len());
    assert!(
        total >= names.len() * 5,
        "rotations kept happening: {total}"
    );
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
