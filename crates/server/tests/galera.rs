//! Multi-primary scale-out on a MariaDB Galera cluster: three `mariadbd`
//! nodes on this machine (their own ports and data directories, started
//! and stopped here), two replicas on two different nodes under load while
//! RAM secrets rotate every 2 s. The node under one replica is killed
//! (`kill -9`) mid-rotation. Then: each rotation happened once, every
//! current key works, no key is orphaned, rotations went on through the
//! other replica, and the killed node rejoins and serves again.
//!
//! Needs Debian's `mariadb-server` and `galera-4` (`apt-get install -y
//! galera-4`) and `rsync` (the nodes copy their state with it); set
//! `RAMPART_TEST_GALERA=skip` to skip. Prints its figures (run with
//! `--no-capture` to see them).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails by panicking"
)]

mod harness;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use harness::*;
use mysql::prelude::Queryable;

const PROVIDER: &str = "/usr/lib/galera/libgalera_smm.so";
const MARIADBD: &str = "/usr/sbin/mariadbd";
const NODES: usize = 3;

/// One `mariadbd` of the cluster.
struct Node {
    dir: PathBuf,
    port: u16,
    galera_port: u16,
    ist_port: u16,
    sst_port: u16,
    child: Option<Child>,
}

/// Three nodes in their own directories; killed on drop.
struct Cluster {
    _base: tempfile::TempDir,
    nodes: Vec<Node>,
    /// Whether the nodes run as the `mysql` user (the tests run as root).
    as_mysql: bool,
}

fn run(cmd: &mut Command) {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

impl Cluster {
    fn start() -> Self {
        let base = tempfile::tempdir().unwrap();
        let as_mysql = rustix::process::geteuid().is_root();
        // The nodes' user must reach their directories.
        std::fs::set_permissions(
            base.path(),
            std::os::unix::fs::PermissionsExt::from_mode(0o755),
        )
        .unwrap();
        let nodes: Vec<Node> = (0..NODES)
            .map(|i| Node {
                dir: base.path().join(format!("n{i}")),
                port: free_port(),
                galera_port: free_port(),
                ist_port: free_port(),
                sst_port: free_port(),
                child: None,
            })
            .collect();
        let mut install = Command::new("mariadb-install-db");
        install
            .arg("--no-defaults")
            .arg(format!("--datadir={}", nodes[0].dir.display()))
            .arg("--auth-root-authentication-method=normal")
            .arg("--skip-test-db");
        if as_mysql {
            install.arg("--user=mysql");
        }
        run(&mut install);
        for n in &nodes[1..] {
            std::fs::create_dir(&n.dir).unwrap();
        }
        if as_mysql {
            for n in &nodes {
                run(Command::new("chown")
                    .arg("-R")
                    .arg("mysql:mysql")
                    .arg(&n.dir));
            }
        }
        let mut c = Self {
            _base: base,
            nodes,
            as_mysql,
        };
        c.spawn(0, true);
        c.wait_ready(0);
        c.spawn(1, false);
        c.spawn(2, false);
        c.wait_ready(1);
        c.wait_ready(2);
        c
    }

    fn spawn(&mut self, i: usize, bootstrap: bool) {
        let peers: Vec<String> = self
            .nodes
            .iter()
            .map(|n| format!("127.0.0.1:{}", n.galera_port))
            .collect();
        let n = &self.nodes[i];
        let dir = n.dir.display().to_string();
        let mut cmd = Command::new(MARIADBD);
        cmd.arg("--no-defaults")
            .arg(format!("--datadir={dir}"))
            .arg(format!("--socket={dir}/sock"))
            .arg(format!("--pid-file={dir}/pid"))
            .arg(format!("--log-error={dir}/err.log"))
            .arg(format!("--port={}", n.port))
            .arg("--bind-address=127.0.0.1")
            .arg("--skip-name-resolve")
            .arg("--binlog_format=ROW")
            .arg("--default_storage_engine=InnoDB")
            .arg("--innodb_autoinc_lock_mode=2")
            .arg("--innodb_buffer_pool_size=32M")
            .arg("--wsrep_on=ON")
            .arg(format!("--wsrep_provider={PROVIDER}"))
            .arg("--wsrep_cluster_name=rampart_test")
            .arg(format!("--wsrep_node_address=127.0.0.1:{}", n.galera_port))
            .arg("--wsrep_sst_method=rsync")
            .arg(format!(
                "--wsrep_sst_receive_address=127.0.0.1:{}",
                n.sst_port
            ))
            // A dead node is noticed within seconds (defaults: 5 s, 15 s).
            .arg(format!(
                "--wsrep_provider_options=base_port={};ist.recv_addr=127.0.0.1:{};gcache.size=16M;\
                 evs.suspect_timeout=PT3S;evs.inactive_timeout=PT6S;evs.keepalive_period=PT1S;\
                 evs.inactive_check_period=PT1S",
                n.galera_port, n.ist_port
            ));
        if bootstrap {
            cmd.arg("--wsrep_cluster_address=gcomm://")
                .arg("--wsrep-new-cluster");
        } else {
            cmd.arg(format!(
                "--wsrep_cluster_address=gcomm://{}",
                peers.join(",")
            ));
        }
        if self.as_mysql {
            cmd.arg("--user=mysql");
        }
        let child = cmd
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        self.nodes[i].child = Some(child);
    }

    fn admin_url(&self, i: usize) -> String {
        format!("mysql://root@127.0.0.1:{}", self.nodes[i].port)
    }

    fn url(&self, i: usize, db: &str) -> String {
        format!("{}/{db}", self.admin_url(i))
    }

    /// Waits until node `i` is synced with the cluster and takes queries.
    fn wait_ready(&self, i: usize) {
        let deadline = Instant::now() + Duration::from_secs(120);
        while Instant::now() < deadline {
            let ready = mysql::Conn::new(self.admin_url(i).as_str())
                .and_then(|mut c| {
                    c.query_first::<(String, String), _>("SHOW STATUS LIKE 'wsrep_ready'")
                })
                .ok()
                .flatten()
                .is_some_and(|(_, v)| v == "ON");
            if ready {
                return;
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        let log = std::fs::read_to_string(self.nodes[i].dir.join("err.log")).unwrap_or_default();
        let tail: Vec<&str> = log.lines().rev().take(30).collect();
        panic!("galera node {i} did not become ready; its log ends:\n{tail:#?}");
    }

    fn cluster_size(&self, i: usize) -> usize {
        let mut c = mysql::Conn::new(self.admin_url(i).as_str()).unwrap();
        let (_, v): (String, String) = c
            .query_first("SHOW STATUS LIKE 'wsrep_cluster_size'")
            .unwrap()
            .unwrap();
        v.parse().unwrap()
    }

    /// `kill -9` of node `i`.
    fn kill(&mut self, i: usize) {
        if let Some(mut c) = self.nodes[i].child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for i in 0..self.nodes.len() {
            self.kill(i);
        }
    }
}

/// Why the test cannot run here, if it cannot.
fn missing() -> Option<String> {
    for path in [
        PROVIDER,
        MARIADBD,
        "/usr/bin/rsync",
        "/usr/bin/mariadb-install-db",
    ] {
        if !Path::new(path).exists() {
            return Some(format!(
                "`{path}` is missing (apt-get install -y galera-4 mariadb-server rsync)"
            ));
        }
    }
    None
}

/// Two stores on two nodes race for a user's last key slots and for the
/// last users of the account: the limits hold across nodes (conflicting
/// commits are refused at certification and retried).
fn limits_hold_across_nodes(cluster: &Cluster) {
    use rampart_store::{AccessKeyRow, KeyStatus, MysqlStore, UserRow, UserStore};
    let stores = [
        Arc::new(MysqlStore::open(&cluster.url(0, "rampart_limits")).unwrap()),
        Arc::new(MysqlStore::open(&cluster.url(2, "rampart_limits")).unwrap()),
    ];
    let user = |name: &str| UserRow {
        user_id: format!("id-{name}"),
        user_name: name.into(),
        ..Default::default()
    };
    let race = |f: &(dyn Fn(&MysqlStore, usize) -> bool + Sync)| -> usize {
        let start = std::sync::Barrier::new(8);
        std::thread::scope(|s| {
            let handles: Vec<_> = (0..8)
                .map(|i| {
                    let (store, start) = (&stores[i % 2], &start);
                    s.spawn(move || {
                        start.wait();
                        f(store, i)
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().is_ok_and(|ok| ok))
                .filter(|ok| *ok)
                .count()
        })
    };
    for round in 0..5 {
        let name = format!("u{round}");
        stores[0].create_user(&user(&name), 1000).unwrap();
        let created = race(&|s, i| {
            let key = AccessKeyRow {
                access_key_id: format!("K{round}-{i}"),
                user_name: None,
                secret_sealed: vec![1],
                status: KeyStatus::Active,
                created_at: 1,
                last_used_at: None,
            };
            s.create_access_key(&name, &key, 2).is_ok()
        });
        assert_eq!(created, 2, "round {round}: keys per user across nodes");
    }
    let created = race(&|s, i| s.create_user(&user(&format!("n{i}")), 8).is_ok());
    assert_eq!(created, 3, "users per account across nodes");
}

#[test]
fn galera_two_replicas_one_node_killed_mid_rotation() {
    if std::env::var("RAMPART_TEST_GALERA").as_deref() == Ok("skip") {
        eprintln!("skipped: RAMPART_TEST_GALERA=skip");
        return;
    }
    if let Some(why) = missing() {
        panic!("the Galera test needs a Galera-enabled MariaDB: {why}; set RAMPART_TEST_GALERA=skip to skip it");
    }
    let began = Instant::now();
    let mut cluster = Cluster::start();
    let cluster_up = began.elapsed();
    assert_eq!(cluster.cluster_size(0), NODES);
    let mut admin = mysql::Conn::new(cluster.admin_url(0).as_str()).unwrap();
    admin.query_drop("CREATE DATABASE rampart").unwrap();
    admin.query_drop("CREATE DATABASE rampart_limits").unwrap();
    limits_hold_across_nodes(&cluster);

    let dirs: Vec<tempfile::TempDir> = (0..2).map(|_| tempfile::tempdir().unwrap()).collect();
    let timing = [
        "--rotation-grace-period",
        "3s",
        "--min-rotation-interval",
        "2s",
    ];
    let url_a = cluster.url(0, "rampart");
    let mut args_a = vec!["--database", url_a.as_str()];
    args_a.extend(timing);
    let a = Proc::start(dirs[0].path(), &args_a);
    let key_file = dirs[0].path().join("master.key");
    let key_arg = key_file.to_str().unwrap().to_string();
    let url_b = cluster.url(1, "rampart");
    let mut args_b = vec![
        "--database",
        url_b.as_str(),
        "--master-key-file",
        key_arg.as_str(),
    ];
    args_b.extend(timing);
    let b = Proc::start(dirs[1].path(), &args_b);
    let root = a.root();

    // One replay window across nodes: a nonce used through one node is
    // refused through the other.
    let nonce = rampart_crypto::random_hex(16);
    let (st, body) = a.call_with_nonce(&root, STS, "GetCallerIdentity", &[], &nonce);
    assert_eq!(st, 200, "{body}");
    let (st, body) = b.call_with_nonce(&root, STS, "GetCallerIdentity", &[], &nonce);
    assert_eq!(
        body["Code"], "SignatureNonceUsed",
        "a replayed nonce: {st} {body}"
    );

    let names = setup_ram_secrets(&a, &root, 12, "2s");
    // What one replica wrote through its node, the other reads through its own.
    for name in &names {
        b.ok(&root, KMS, "DescribeSecret", &[("SecretName", name)]);
    }

    // Load on both replicas while rotations run.
    let stop = Arc::new(AtomicBool::new(false));
    let served = [Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0))];
    let failed = [Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0))];
    let slowest_a = Arc::new(AtomicUsize::new(0));
    let load = {
        let (stop, served, failed, slowest_a) = (
            stop.clone(),
            served.clone(),
            failed.clone(),
            slowest_a.clone(),
        );
        let (names, root) = (names.clone(), root.clone());
        let ports = [a.port, b.port];
        let dir = dirs[0].path().to_path_buf();
        std::thread::spawn(move || {
            let mut i = 0usize;
            while !stop.load(Ordering::Relaxed) {
                let r = i % 2;
                let p = Proc::attach(ports[r], &dir);
                let t = Instant::now();
                let (st, _) = p.call(
                    &root,
                    KMS,
                    "GetSecretValue",
                    &[("SecretName", &names[i % names.len()])],
                );
                if r == 0 {
                    let ms = usize::try_from(t.elapsed().as_millis()).unwrap_or(usize::MAX);
                    slowest_a.fetch_max(ms, Ordering::Relaxed);
                }
                if st == 200 {
                    served[r].fetch_add(1, Ordering::Relaxed);
                } else {
                    failed[r].fetch_add(1, Ordering::Relaxed);
                }
                i += 1;
            }
        })
    };
    std::thread::sleep(Duration::from_millis(4300));
    // The node under replica B dies while rotations run.
    cluster.kill(1);
    let killed_at = Instant::now();
    let before_kill = [
        served[0].load(Ordering::Relaxed),
        served[1].load(Ordering::Relaxed),
    ];
    // Past B's leases (15 s) and a few more rotations.
    std::thread::sleep(Duration::from_secs(22));
    stop.store(true, Ordering::Relaxed);
    load.join().unwrap();
    assert_eq!(
        cluster.cluster_size(0),
        NODES - 1,
        "the cluster saw the node go"
    );
    assert_eq!(
        failed[0].load(Ordering::Relaxed),
        0,
        "the replica on a live node never failed a read"
    );
    assert!(served[0].load(Ordering::Relaxed) > 100, "replica A served");

    let now = i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    )
    .unwrap();
    for name in &names {
        // Rotations went on after the kill, through replica A.
        let d = a.ok(&root, KMS, "DescribeSecret", &[("SecretName", name)]);
        let last = rampart_core::time::parse(d["LastRotationDate"].as_str().unwrap()).unwrap();
        assert!(
            now - last <= 8,
            "{name} stopped rotating ({}s ago)",
            now - last
        );
        assert_eq!(d["RotationStatus"], "Normal", "{d}");
    }
    // Every current key works; no user holds an orphaned key.
    check_invariants(&a, &root, &names);
    // Each due rotation happened once.
    let rotations = rotated_once(&a, &root, names.len());
    assert!(
        rotations >= names.len() * 5,
        "rotations kept happening: {rotations}"
    );

    // The killed node rejoins (it copies the cluster's state), and the
    // replica on it serves again, seeing the same current keys.
    let rejoin = Instant::now();
    cluster.spawn(1, false);
    cluster.wait_ready(1);
    let rejoined = rejoin.elapsed();
    let deadline = Instant::now() + Duration::from_secs(30);
    while b.call(&root, STS, "GetCallerIdentity", &[]).0 != 200 {
        assert!(Instant::now() < deadline, "replica B did not serve again");
        std::thread::sleep(Duration::from_millis(200));
    }
    let currents = check_invariants(&b, &root, &names);
    for (name, current) in names.iter().zip(&currents) {
        let (on_a, _) = secret_keys(&a, &root, name);
        let (on_b, _) = secret_keys(&b, &root, name);
        // A rotation may fall between the two reads: then both moved on.
        assert!(
            on_a.id == on_b.id || on_b.id != *current,
            "{name}: replicas disagree on the current key"
        );
    }
    println!(
        "galera figures: cluster of {NODES} up in {:.1}s; replica A served {} reads \
         ({} before the kill, 0 failed, slowest {} ms); replica B served {} then failed {} \
         after its node was killed; {} rotations of {} secrets, none twice; node rejoined in {:.1}s; \
         {:.0}s since the kill",
        cluster_up.as_secs_f64(),
        served[0].load(Ordering::Relaxed),
        before_kill[0],
        slowest_a.load(Ordering::Relaxed),
        served[1].load(Ordering::Relaxed),
        failed[1].load(Ordering::Relaxed),
        rotations,
        names.len(),
        rejoined.as_secs_f64(),
        killed_at.elapsed().as_secs_f64(),
    );
}
