//! `rampart-rotation-bench`: makes N RAM secrets due at once (SQLite, in
//! process, manual clock) and times the scheduler rotating all of them.
//! Prints the per-rotation cost for each N so growth can be compared.
//!
//! ```text
//! cargo run --release -p rampart-loadgen --bin rampart-rotation-bench -- 100 1000 10000
//! ```

use std::sync::Arc;
use std::time::Instant;

use rampart_core::kms::secrets::CreateSecret;
use rampart_core::ram::{CreateRole, CreateUser};
use rampart_core::{ManualClock, Rampart, Settings};
use rampart_crypto::Keyring;
use rampart_store::{PolicyType, PrincipalKind, SqliteStore, Store};

const ROLE_POLICY: &str = r#"{"Statement":[{"Effect":"Allow","Action":["ram:ListAccessKeys","ram:CreateAccessKey","ram:DeleteAccessKey","ram:UpdateAccessKey"],"Resource":"*"}],"Version":"1"}"#;
const TRUST_KMS: &str = r#"{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{"Service":["kms.aliyuncs.com"]}}],"Version":"1"}"#;
const NOW: i64 = 1_767_225_600;

fn run(n: usize) -> anyhow::Result<(f64, f64, usize)> {
    let dir = tempfile::tempdir()?;
    let store: Arc<dyn Store> =
        Arc::new(SqliteStore::open_exclusive(&dir.path().join("db.sqlite"))?);
    let keyring = Keyring::for_tests();
    rampart_core::account::initialize(store.as_ref(), &keyring, NOW)?;
    let clock = Arc::new(ManualClock::new(NOW));
    let mut settings = Settings::default();
    settings.limits.users = u64::MAX;
    let r = Rampart::open(store, keyring, clock.clone(), settings)?;
    let e = |e: rampart_core::ApiError| anyhow::anyhow!("{e}");
    r.create_policy(
        "AliyunKMSManagedRAMCrendentialsRolePolicy",
        ROLE_POLICY,
        None,
    )
    .map_err(e)?;
    r.create_role(CreateRole {
        role_name: "AliyunKMSManagedRAMCrendentialsRole".into(),
        assume_role_policy_document: TRUST_KMS.into(),
        ..Default::default()
    })
    .map_err(e)?;
    r.attach_policy(
        PrincipalKind::Role,
        "AliyunKMSManagedRAMCrendentialsRole",
        PolicyType::Custom,
        "AliyunKMSManagedRAMCrendentialsRolePolicy",
    )
    .map_err(e)?;
    let t = Instant::now();
    for i in 0..n {
        let user = format!("u{i}");
        r.create_user(CreateUser {
            user_name: user.clone(),
            ..Default::default()
        })
        .map_err(e)?;
        let k = rampart_core::ram::UserName::parse(&user)
            .and_then(|n| r.create_access_key(&n))
            .map_err(e)?;
        r.create_secret(CreateSecret {
            secret_name: "$Auto".into(),
            version_id: "v0".into(),
            secret_data: format!(
                r#"{{"AccessKeys":[{{"AccessKeyId":"{}","AccessKeySecret":"{}"}}]}}"#,
                k.access_key_id, k.access_key_secret
            ),
            secret_type: Some("RAMCredentials".into()),
            extended_config: Some(format!(
                r#"{{"SecretSubType":"RamUserAccessKey","UserName":"{user}"}}"#
            )),
            enable_automatic_rotation: true,
            rotation_interval: Some("7d".into()),
            ..Default::default()
        })
        .map_err(e)?;
    }
    let setup = t.elapsed().as_secs_f64();
    clock.advance(7 * 86400);
    let t = Instant::now();
    let (mut rotated, mut failed) = (0, 0);
    loop {
        let (rot, _, fail) = r.run_due_rotations("bench", 200).map_err(e)?;
        rotated += rot;
        failed += fail;
        if rot + fail == 0 {
            break;
        }
    }
    let took = t.elapsed().as_secs_f64();
    anyhow::ensure!(rotated == n, "rotated {rotated} of {n} ({failed} failed)");
    Ok((setup, took, failed))
}

fn main() -> anyhow::Result<()> {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let sizes = if sizes.is_empty() {
        vec![100, 1000, 10_000]
    } else {
        sizes
    };
    println!(
        "{:>8} {:>10} {:>12} {:>16} {:>7}",
        "secrets", "setup s", "rotate all s", "per rotation ms", "failed"
    );
    for n in sizes {
        let (setup, took, failed) = run(n)?;
        println!(
            "{n:>8} {setup:>10.2} {took:>12.2} {:>16.3} {failed:>7}",
            1000.0 * took / n as f64
        );
    }
    Ok(())
}
