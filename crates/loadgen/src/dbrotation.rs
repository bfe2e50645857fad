//! `rampart-dbrotation-bench`: N `Rds` (DoubleUsers) secrets on one private
//! PostgreSQL cluster (password authentication), all due at once; times the
//! scheduler rotating every one of them in the database, and measures
//! `GetSecretValue` latency (p50, p99) before and during the batch in the
//! same run, as a ratio. Two rounds: the first creates the `_clone`
//! accounts, the second only changes passwords.
//!
//! ```text
//! cargo run --release -p rampart-loadgen --bin rampart-dbrotation-bench -- 1000
//! ```

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rampart_core::kms::secrets::{CreateSecret, GetValue, SecretName};
use rampart_core::{ManualClock, Rampart, Settings};
use rampart_crypto::Keyring;
use rampart_dbrotate::testing::PgCluster;
use rampart_store::{SqliteStore, Store};

const NOW: i64 = 1_767_225_600;

/// Reads random secrets until `stop`; returns the latencies in µs.
fn reader(r: &Rampart, n: usize, stop: &AtomicBool) -> Vec<u64> {
    use rand::Rng;
    let mut rng = rand::thread_rng();
    let mut out = Vec::new();
    while !stop.load(Ordering::Relaxed) {
        let Ok(name) = SecretName::parse(&format!("db/app{}", rng.gen_range(0..n))) else {
            break;
        };
        let req = GetValue::of(name);
        let t = Instant::now();
        if r.get_secret_value(&req).is_ok() {
            out.push(u64::try_from(t.elapsed().as_micros()).unwrap_or(u64::MAX));
        }
        // A steady client, not a flood: about 500 reads a second.
        std::thread::sleep(Duration::from_millis(2));
    }
    out
}

fn percentile(v: &mut [u64], p: f64) -> u64 {
    if v.is_empty() {
        return 0;
    }
    v.sort_unstable();
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i.min(v.len() - 1)]
}

fn main() -> anyhow::Result<()> {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1000);
    let e = |e: rampart_core::ApiError| anyhow::anyhow!("{e}");
    let cluster = PgCluster::start().map_err(|e| anyhow::anyhow!(e))?;
    let instance = cluster.instance();
    {
        let mut admin = cluster.admin_client().map_err(|e| anyhow::anyhow!(e))?;
        let mut sql = String::from("BEGIN;");
        for i in 0..n {
            sql.push_str(&format!(
                "CREATE ROLE app{i} LOGIN PASSWORD 'Initial-{i}'; GRANT pg_read_all_data TO app{i};"
            ));
        }
        sql.push_str("COMMIT;");
        admin.batch_execute(&sql)?;
    }
    let dir = tempfile::tempdir()?;
    let store: Arc<dyn Store> =
        Arc::new(SqliteStore::open_exclusive(&dir.path().join("db.sqlite"))?);
    let keyring = Keyring::for_tests();
    rampart_core::account::initialize(store.as_ref(), &keyring, NOW)?;
    let clock = Arc::new(ManualClock::new(NOW));
    let mut settings = Settings::default();
    settings.limits.secrets = u64::MAX;
    let r = Rampart::open(store, keyring, clock.clone(), settings)?;
    let declaration = serde_json::json!({
        "Engine": "PostgreSQL",
        "Host": instance.host,
        "Port": instance.port,
        "AdminAccount": instance.admin_account,
        "AdminPassword": instance.admin_password.expose(),
    })
    .to_string();
    r.create_secret(CreateSecret {
        secret_name: "rampart/db-instances/rm-bench".into(),
        version_id: "v1".into(),
        secret_data: declaration,
        ..Default::default()
    })
    .map_err(e)?;
    let t = Instant::now();
    for i in 0..n {
        r.create_secret(CreateSecret {
            secret_name: format!("db/app{i}"),
            version_id: "v0".into(),
            secret_data: format!(
                r#"{{"Accounts":[{{"AccountName":"app{i}","AccountPassword":"Initial-{i}"}}]}}"#
            ),
            secret_type: Some("Rds".into()),
            extended_config: Some(
                r#"{"SecretSubType":"DoubleUsers","DBInstanceId":"rm-bench"}"#.into(),
            ),
            enable_automatic_rotation: true,
            rotation_interval: Some("7d".into()),
            ..Default::default()
        })
        .map_err(e)?;
    }
    let setup = t.elapsed().as_secs_f64();
    println!("{n} Rds secrets on one PostgreSQL instance (created in {setup:.1} s)");
    println!(
        "{:>8} {:>12} {:>16} {:>14} {:>14} {:>8} {:>7}",
        "round", "rotate all s", "per rotation ms", "read p50 µs", "read p99 µs", "p99 ×", "failed"
    );
    for round in ["create clones", "passwords only"] {
        // Before: reads alone.
        let stop = AtomicBool::new(false);
        let mut before = std::thread::scope(|s| {
            let h = s.spawn(|| reader(&r, n, &stop));
            std::thread::sleep(Duration::from_secs(3));
            stop.store(true, Ordering::Relaxed);
            h.join().unwrap_or_default()
        });
        clock.advance(7 * 86400 + 1);
        let stop = AtomicBool::new(false);
        let t = Instant::now();
        let (rotated, failed, mut during) = std::thread::scope(|s| {
            let h = s.spawn(|| reader(&r, n, &stop));
            let (mut rotated, mut failed) = (0, 0);
            loop {
                match r.run_due_rotations("bench", 200) {
                    Ok((rot, _, fail)) => {
                        rotated += rot;
                        failed += fail;
                        if rot + fail == 0 {
                            break;
                        }
                    }
                    Err(err) => {
                        eprintln!("scheduler pass failed: {err}");
                        break;
                    }
                }
            }
            stop.store(true, Ordering::Relaxed);
            (rotated, failed, h.join().unwrap_or_default())
        });
        let took = t.elapsed().as_secs_f64();
        anyhow::ensure!(rotated == n, "rotated {rotated} of {n} ({failed} failed)");
        let (b50, b99) = (percentile(&mut before, 0.5), percentile(&mut before, 0.99));
        let (d50, d99) = (percentile(&mut during, 0.5), percentile(&mut during, 0.99));
        println!(
            "{round:>8} {took:>12.2} {:>16.1} {:>14} {:>14} {:>8.2} {failed:>7}",
            1000.0 * took / n as f64,
            format!("{b50}→{d50}"),
            format!("{b99}→{d99}"),
            d99 as f64 / b99.max(1) as f64,
        );
    }
    // Every account's current password works.
    let mut bad = 0;
    for i in (0..n).step_by((n / 20).max(1)) {
        let v = r
            .get_secret_value(&GetValue::of(
                SecretName::parse(&format!("db/app{i}")).map_err(e)?,
            ))
            .map_err(e)?;
        let data: serde_json::Value = serde_json::from_str(&v.secret_data)?;
        let name = data["AccountName"].as_str().unwrap_or_default();
        let pw =
            rampart_dbrotate::Secret::new(data["AccountPassword"].as_str().unwrap_or_default());
        if !rampart_dbrotate::check_login(&instance, name, &pw).unwrap_or(false) {
            bad += 1;
        }
    }
    anyhow::ensure!(
        bad == 0,
        "{bad} sampled secrets hold a password the database refuses"
    );
    println!("sampled secrets: every ACSCurrent logs on");
    Ok(())
}
