//! The embedded store against PostgreSQL: the same load on a server of each
//! kind, holding the same number of secrets, in alternating rounds
//! (`--postgres URL`), and the servers' memory under 20 s of load
//! (`--postgres URL --rss`).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context};

use super::{load, sample, signer_of, start, Args, Kill, Sample, Signer, Target};

/// A database made for the run on the PostgreSQL server of `admin`,
/// dropped at the end.
pub(crate) struct Database {
    admin: String,
    name: String,
}

impl Database {
    pub(crate) fn create(admin: &str) -> anyhow::Result<Self> {
        let name = format!("rampart_bench_{}", rampart_crypto::random_hex(6));
        let mut c = postgres::Client::connect(admin, postgres::NoTls)
            .with_context(|| format!("cannot connect to PostgreSQL at {admin}"))?;
        c.batch_execute(&format!("CREATE DATABASE {name}"))?;
        Ok(Self {
            admin: admin.to_string(),
            name,
        })
    }

    /// The database's URL: `admin` with its database replaced.
    pub(crate) fn url(&self) -> String {
        let scheme_end = self.admin.find("://").map_or(0, |i| i + 3);
        let authority_end = self.admin[scheme_end..]
            .find('/')
            .map_or(self.admin.len(), |i| scheme_end + i);
        format!("{}/{}", &self.admin[..authority_end], self.name)
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        if let Ok(mut c) = postgres::Client::connect(&self.admin, postgres::NoTls) {
            let _ = c.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

/// `rampart init` on PostgreSQL, then `n` secrets.
fn preload_postgres(bin: &Path, dir: &Path, url: &str, n: usize) -> anyhow::Result<Signer> {
    let out = std::process::Command::new(bin)
        .arg("init")
        .arg("--data-dir")
        .arg(dir)
        .arg("--database")
        .arg(url)
        .output()?;
    if !out.status.success() {
        bail!(
            "rampart init failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let creds: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let store: Arc<dyn rampart_store::Store> = Arc::new(rampart_store::PostgresStore::open(url)?);
    let key = rampart_crypto::MasterKey::load(&dir.join("master.key"))?;
    let r = rampart_core::Rampart::open(
        store,
        key.keyring(),
        Arc::new(rampart_core::SystemClock),
        rampart_core::Settings::default(),
    )?;
    for i in 0..n {
        r.create_secret(rampart_core::kms::secrets::CreateSecret {
            secret_name: format!("bench/secret-{i}"),
            version_id: "v1".into(),
            secret_data: format!("value-{i}-{}", rampart_crypto::random_hex(8)),
            ..Default::default()
        })
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    signer_of(&creds)
}

/// A process's resident memory, in MB.
pub(crate) fn rss_mb(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// CPU time so far (user + system, seconds) of every PostgreSQL server
/// process on this machine (the `postgres` backends serving the replica,
/// and any other client's).
fn postgres_cpu() -> f64 {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return 0.0;
    };
    dir.filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/comm"))
                .is_ok_and(|c| c.trim_end() == "postgres")
        })
        .map(super::cpu_seconds)
        .sum()
}

/// The bench database's counters so far: transactions (committed and
/// rolled back), table reads (scans) and rows written.
fn database_counters(url: &str) -> anyhow::Result<[i64; 3]> {
    let mut c = postgres::Client::connect(url, postgres::NoTls)?;
    let xact: i64 = c
        .query_one(
            "SELECT (xact_commit + xact_rollback)::BIGINT FROM pg_stat_database WHERE datname = current_database()",
            &[],
        )?
        .get(0);
    let row = c.query_one(
        "SELECT COALESCE(SUM(seq_scan + COALESCE(idx_scan, 0)), 0)::BIGINT, \
         COALESCE(SUM(n_tup_ins + n_tup_upd + n_tup_del), 0)::BIGINT FROM pg_stat_user_tables",
        &[],
    )?;
    Ok([xact, row.get(0), row.get(1)])
}

/// The two servers: embedded on `dir`, PostgreSQL on a fresh database.
struct Pair {
    embedded: Arc<Target>,
    postgres: Arc<Target>,
    _servers: (Kill, Kill),
    db: Database,
    _dir: tempfile::TempDir,
}

fn pair(
    args: &Args,
    bin: &Path,
    (dir, signer): (&Path, Signer),
    admin: &str,
) -> anyhow::Result<Pair> {
    let db = Database::create(admin)?;
    let url = db.url();
    let pg_dir = tempfile::tempdir()?;
    let pg_signer = preload_postgres(bin, pg_dir.path(), &url, args.preload)?;
    let (eport, embedded_server) = start(bin, dir, &[])?;
    let (pport, postgres_server) = start(bin, pg_dir.path(), &["--database", &url])?;
    let target = |port, signer, pid| {
        Arc::new(Target {
            port,
            signer,
            secrets: args.preload,
            pid,
            tls: None,
        })
    };
    Ok(Pair {
        embedded: target(eport, signer, embedded_server.0.id()),
        postgres: target(pport, pg_signer, postgres_server.0.id()),
        _servers: (embedded_server, postgres_server),
        db,
        _dir: pg_dir,
    })
}

/// GetSecretValue on the embedded store and on PostgreSQL, in alternating
/// rounds; with `rss`, 20 s of load on each and their memory before and
/// after instead.
pub(crate) fn embedded_vs_postgres(
    rt: &tokio::runtime::Runtime,
    args: &Args,
    bin: &Path,
    data: (&Path, Signer),
    admin: &str,
    rss: bool,
) -> anyhow::Result<()> {
    let p = pair(args, bin, data, admin)?;
    let (e, g) = (&p.embedded, &p.postgres);
    rt.block_on(async {
        load(e.clone(), 2, 1, usize::MAX).await?;
        load(g.clone(), 2, 1, usize::MAX).await?;
        if rss {
            for (name, t) in [("embedded SQLite", e), ("PostgreSQL", g)] {
                // Up to speed first (threads, pools, caches): what is
                // measured is what the load adds over time.
                load(t.clone(), args.connections, 2, usize::MAX).await?;
                let before = rss_mb(t.pid);
                let f = load(t.clone(), args.connections, 20, usize::MAX).await?;
                // What the load left behind, once its audit trail is written.
                tokio::time::sleep(Duration::from_secs(1)).await;
                let after = rss_mb(t.pid);
                println!(
                    "{name:<16} 20 s at {:>7.0} req/s: RSS {before:>6.1} MB before, {after:>6.1} MB after ({:+.1} MB)",
                    f.rps,
                    after - before
                );
            }
            return Ok::<(), anyhow::Error>(());
        }
        const ROUNDS: u32 = 8;
        let phase = Duration::from_secs(args.seconds) / ROUNDS;
        // The statistics reach the counters within a second or so.
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let counters_before = tokio::task::block_in_place(|| database_counters(&p.db.url()))?;
        let (mut se, mut sg) = (Sample::default(), Sample::default());
        let mut database_cpu = 0.0;
        for round in 0..ROUNDS {
            let order = if round % 2 == 0 { [e, g] } else { [g, e] };
            for t in order {
                let before = postgres_cpu();
                let s = sample(t.clone(), args.connections, phase, usize::MAX).await?;
                if Arc::ptr_eq(t, e) {
                    se.add(s);
                } else {
                    database_cpu += postgres_cpu() - before;
                    sg.add(s);
                }
            }
        }
        let requests = sg.latencies.len().max(1) as f64;
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let counters_after = tokio::task::block_in_place(|| database_counters(&p.db.url()))?;
        let per_request =
            |i: usize| (counters_after[i] - counters_before[i]) as f64 / requests;
        let (fe, fg) = (se.figures(), sg.figures());
        println!("secrets stored:            {}", args.preload);
        println!("connections:               {}", args.connections);
        for (name, f) in [("embedded SQLite:", &fe), ("PostgreSQL:", &fg)] {
            println!(
                "{name:<26} {:>9.0} req/s  p50 {:>6} µs  p99 {:>6} µs  server CPU {:>5.1} µs/req",
                f.rps, f.p50, f.p99, f.cpu_us
            );
        }
        println!(
            "PostgreSQL server CPU:     {:>9.1} µs/req (all its processes)",
            database_cpu * 1e6 / requests
        );
        println!(
            "PostgreSQL per request:    {:>9.2} transactions, {:.2} table reads, {:.2} rows written",
            per_request(0),
            per_request(1),
            per_request(2)
        );
        println!("ratio PostgreSQL / embedded: {:>7.2}x", fg.rps / fe.rps.max(1e-9));
        Ok(())
    })
}
