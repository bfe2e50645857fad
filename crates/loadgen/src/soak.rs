//! The soak (`--soak SECONDS --postgres URL`): two replicas on one fresh
//! PostgreSQL database under mixed load for a while: reads on both
//! replicas (generic secrets and rotating RAM-credential secrets), a new
//! secret version every half second and a user created and deleted every
//! two seconds (each on one replica, read back on the other), and automatic
//! rotations every few seconds. Every answer must be a success; the
//! replicas' memory is compared between the end of the warm-up and the end.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use rampart_gateway::sign::client;

use super::modes::{rss_mb, Database};
use super::{now_ts, open, signer_of, start, Signer, Target};

const RAM: &str = "2015-05-01";
const KMS: &str = "2016-01-20";
/// Generic secrets read and given new versions.
const SECRETS: usize = 20;
/// RAM-credential secrets rotating on their own.
const RAM_SECRETS: usize = 3;
/// Reading connections per replica, and their pause between requests.
const READERS: usize = 4;
const READ_PAUSE: Duration = Duration::from_millis(2);

/// A keep-alive connection to one replica that sends signed calls.
struct Caller {
    target: Arc<Target>,
    sender: hyper::client::conn::http1::SendRequest<Full<Bytes>>,
}

impl Caller {
    async fn new(target: Arc<Target>) -> anyhow::Result<Self> {
        let sender = open(&target).await?;
        Ok(Self { target, sender })
    }

    /// A V3-signed call; its JSON answer, or the failure.
    async fn call(
        &mut self,
        version: &str,
        action: &str,
        params: &[(&str, &str)],
    ) -> anyhow::Result<serde_json::Value> {
        let s = &self.target.signer;
        let signer = client::Signer {
            id: &s.id,
            secret: &s.secret,
            token: None,
        };
        let host = format!("127.0.0.1:{}", self.target.port);
        let (query, headers) = client::v3_request(
            &signer,
            &host,
            version,
            action,
            params,
            &now_ts(),
            &rampart_crypto::random_hex(16),
        );
        let mut b = Request::post(format!("/?{query}"));
        for (k, v) in &headers {
            b = b.header(k.as_str(), v.as_str());
        }
        self.sender.ready().await?;
        let resp = self
            .sender
            .send_request(b.body(Full::new(Bytes::new()))?)
            .await?;
        let status = resp.status();
        let body = resp.into_body().collect().await?.to_bytes();
        if !status.is_success() {
            bail!(
                "{action} {params:?}: HTTP {status}: {}",
                String::from_utf8_lossy(&body)
            );
        }
        Ok(serde_json::from_slice(&body)?)
    }
}

/// Errors seen, and the first few described.
#[derive(Default)]
struct Errors {
    count: AtomicU64,
    first: std::sync::Mutex<Vec<String>>,
}

impl Errors {
    fn note(&self, e: &anyhow::Error) {
        self.count.fetch_add(1, Ordering::Relaxed);
        let mut first = self.first.lock().unwrap_or_else(|e| e.into_inner());
        if first.len() < 5 {
            first.push(format!("{e:#}"));
        }
    }
}

const ROLE_POLICY: &str = r#"{"Statement":[{"Effect":"Allow","Action":["ram:ListAccessKeys","ram:CreateAccessKey","ram:DeleteAccessKey","ram:UpdateAccessKey"],"Resource":"*"}],"Version":"1"}"#;
const TRUST_KMS: &str = r#"{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{"Service":["kms.aliyuncs.com"]}}],"Version":"1"}"#;

/// The secrets read: generic ones, and RAM-credential ones rotating every
/// few seconds.
async fn setup(c: &mut Caller) -> anyhow::Result<Vec<String>> {
    let mut names = Vec::new();
    for i in 0..SECRETS {
        let name = format!("soak/secret-{i}");
        c.call(
            KMS,
            "CreateSecret",
            &[
                ("SecretName", &name),
                ("VersionId", "v0"),
                ("SecretData", "initial"),
            ],
        )
        .await?;
        names.push(name);
    }
    let policy = "AliyunKMSManagedRAMCrendentialsRolePolicy";
    let role = "AliyunKMSManagedRAMCrendentialsRole";
    c.call(
        RAM,
        "CreatePolicy",
        &[("PolicyName", policy), ("PolicyDocument", ROLE_POLICY)],
    )
    .await?;
    c.call(
        RAM,
        "CreateRole",
        &[("RoleName", role), ("AssumeRolePolicyDocument", TRUST_KMS)],
    )
    .await?;
    c.call(
        RAM,
        "AttachPolicyToRole",
        &[
            ("PolicyType", "Custom"),
            ("PolicyName", policy),
            ("RoleName", role),
        ],
    )
    .await?;
    for i in 0..RAM_SECRETS {
        let user = format!("soak-app{i}");
        c.call(RAM, "CreateUser", &[("UserName", &user)]).await?;
        let k = c
            .call(RAM, "CreateAccessKey", &[("UserName", &user)])
            .await?;
        let data = format!(
            r#"{{"AccessKeys":[{{"AccessKeyId":"{}","AccessKeySecret":"{}"}}]}}"#,
            k["AccessKey"]["AccessKeyId"].as_str().context("key id")?,
            k["AccessKey"]["AccessKeySecret"]
                .as_str()
                .context("key secret")?
        );
        let r = c
            .call(
                KMS,
                "CreateSecret",
                &[
                    ("SecretName", "$Auto"),
                    ("SecretType", "RAMCredentials"),
                    ("VersionId", "v0"),
                    ("SecretData", &data),
                    (
                        "ExtendedConfig",
                        &format!(r#"{{"SecretSubType":"RamUserAccessKey","UserName":"{user}"}}"#),
                    ),
                    ("EnableAutomaticRotation", "True"),
                    ("RotationInterval", "5s"),
                ],
            )
            .await?;
        names.push(r["SecretName"].as_str().context("secret name")?.to_string());
    }
    Ok(names)
}

/// Runs the soak for `seconds` against two replicas on a fresh database
/// of the PostgreSQL server at `admin`.
pub(crate) fn soak(
    rt: &tokio::runtime::Runtime,
    bin: &Path,
    admin: &str,
    seconds: u64,
) -> anyhow::Result<()> {
    let db = Database::create(admin)?;
    let url = db.url();
    let dirs = [tempfile::tempdir()?, tempfile::tempdir()?];
    let out = std::process::Command::new(bin)
        .arg("init")
        .arg("--data-dir")
        .arg(dirs[0].path())
        .arg("--database")
        .arg(&url)
        .output()?;
    if !out.status.success() {
        bail!(
            "rampart init failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let signer: Signer = signer_of(&serde_json::from_slice(&out.stdout)?)?;
    let key = dirs[0].path().join("master.key");
    let key = key.to_str().context("a path in UTF-8")?;
    let common = [
        "--database",
        url.as_str(),
        "--master-key-file",
        key,
        "--min-rotation-interval",
        "2s",
        "--rotation-grace-period",
        "3s",
    ];
    let (pa, server_a) = start(bin, dirs[0].path(), &common)?;
    let (pb, server_b) = start(bin, dirs[1].path(), &common)?;
    let target = |port, pid| {
        Arc::new(Target {
            port,
            signer: signer.clone(),
            secrets: SECRETS,
            pid,
            tls: None,
        })
    };
    let replicas = [target(pa, server_a.0.id()), target(pb, server_b.0.id())];
    let duration = Duration::from_secs(seconds);
    let warm_up = (duration / 5)
        .max(Duration::from_secs(10))
        .min(duration / 2);
    rt.block_on(async {
        let names = setup(&mut Caller::new(replicas[0].clone()).await?).await?;
        let names = Arc::new(names);
        let errors = Arc::new(Errors::default());
        let (reads, writes) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
        let stale = Arc::new(AtomicU64::new(0));
        let start_at = Instant::now();
        let deadline = start_at + duration;
        let mut tasks = Vec::new();
        for (r, t) in replicas.iter().enumerate() {
            for i in 0..READERS {
                let (t, names, errors, reads) =
                    (t.clone(), names.clone(), errors.clone(), reads.clone());
                tasks.push(tokio::spawn(async move {
                    let mut c = Caller::new(t).await?;
                    let mut n = r * READERS + i;
                    while Instant::now() < deadline {
                        let name = &names[n % names.len()];
                        n += 1;
                        match c.call(KMS, "GetSecretValue", &[("SecretName", name)]).await {
                            Ok(_) => {
                                reads.fetch_add(1, Ordering::Relaxed);
                            }
                            Err(e) => errors.note(&e),
                        }
                        tokio::time::sleep(READ_PAUSE).await;
                    }
                    Ok::<(), anyhow::Error>(())
                }));
            }
        }
        // Writes on one replica, read back on the other.
        {
            let (replicas, errors, writes, stale) =
                (replicas.clone(), errors.clone(), writes.clone(), stale.clone());
            tasks.push(tokio::spawn(async move {
                let mut callers = [
                    Caller::new(replicas[0].clone()).await?,
                    Caller::new(replicas[1].clone()).await?,
                ];
                let mut n = 0u64;
                while Instant::now() < deadline {
                    let (w, r) = ((n % 2) as usize, ((n + 1) % 2) as usize);
                    let name = format!("soak/secret-{}", n as usize % SECRETS);
                    let version = format!("v{}", n + 1);
                    let step = async {
                        callers[w]
                            .call(
                                KMS,
                                "PutSecretValue",
                                &[
                                    ("SecretName", &name),
                                    ("VersionId", &version),
                                    ("SecretData", &version),
                                ],
                            )
                            .await?;
                        // The other replica serves it within the bound
                        // (in practice on the very next request).
                        let written = Instant::now();
                        loop {
                            let got = callers[r]
                                .call(KMS, "GetSecretValue", &[("SecretName", &name)])
                                .await?;
                            if got["VersionId"] == version.as_str() {
                                break;
                            }
                            stale.fetch_add(1, Ordering::Relaxed);
                            if written.elapsed() > Duration::from_secs(1) {
                                bail!("{name}: the other replica still serves {} 1 s after {version}", got["VersionId"]);
                            }
                            tokio::time::sleep(Duration::from_millis(5)).await;
                        }
                        if n.is_multiple_of(4) {
                            let user = format!("soak-user-{n}");
                            callers[w].call(RAM, "CreateUser", &[("UserName", &user)]).await?;
                            callers[r].call(RAM, "GetUser", &[("UserName", &user)]).await?;
                            callers[r].call(RAM, "DeleteUser", &[("UserName", &user)]).await?;
                        }
                        Ok::<(), anyhow::Error>(())
                    };
                    match step.await {
                        Ok(()) => {
                            writes.fetch_add(1, Ordering::Relaxed);
                        }
                        Err(e) => errors.note(&e),
                    }
                    n += 1;
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
                Ok::<(), anyhow::Error>(())
            }));
        }
        // RSS of both replicas once a second: a single reading swings by
        // tens of MB as the allocator takes and returns pages, so growth is
        // the median of the last window against that of the first one
        // after the warm-up.
        let samples = Arc::new(Mutex::new(Vec::<(Duration, Vec<f64>)>::new()));
        let sampler = {
            let (samples, pids) = (samples.clone(), replicas.iter().map(|t| t.pid).collect::<Vec<_>>());
            tokio::spawn(async move {
                while Instant::now() < deadline {
                    let rss = pids.iter().map(|p| rss_mb(*p)).collect();
                    samples
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push((start_at.elapsed(), rss));
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            })
        };
        for task in tasks {
            task.await??;
        }
        sampler.await?;
        let window = ((duration - warm_up) / 3).min(Duration::from_secs(60));
        let samples = samples.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let median_of = |from: Duration, to: Duration, replica: usize| {
            let mut v: Vec<f64> = samples
                .iter()
                .filter(|(t, _)| *t >= from && *t < to)
                .filter_map(|(_, r)| r.get(replica).copied())
                .collect();
            v.sort_by(f64::total_cmp);
            v.get(v.len() / 2).copied().unwrap_or(0.0)
        };
        let last = samples.last().map_or(duration, |(t, _)| *t) + Duration::from_millis(1);
        let warm: Vec<f64> = (0..replicas.len())
            .map(|i| median_of(warm_up, warm_up + window, i))
            .collect();
        let end: Vec<f64> = (0..replicas.len())
            .map(|i| median_of(last.saturating_sub(window), last, i))
            .collect();
        // Every RAM secret kept rotating (read on the second replica).
        let mut c = Caller::new(replicas[1].clone()).await?;
        let mut oldest_rotation = 0;
        for name in names.iter().skip(SECRETS) {
            let d = c.call(KMS, "DescribeSecret", &[("SecretName", name)]).await?;
            let last = d["LastRotationDate"]
                .as_str()
                .and_then(rampart_core::time::parse)
                .context("LastRotationDate")?;
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)?
                .as_secs();
            oldest_rotation = oldest_rotation.max(i64::try_from(now)?.saturating_sub(last));
        }
        let secs = start_at.elapsed().as_secs_f64();
        println!("soak: {secs:.0} s on two PostgreSQL replicas");
        println!(
            "reads: {} ({:.0}/s); write rounds: {} (reads of the other replica that still saw the previous version: {}); last rotation of every RAM secret: at most {oldest_rotation} s ago",
            reads.load(Ordering::Relaxed),
            reads.load(Ordering::Relaxed) as f64 / secs,
            writes.load(Ordering::Relaxed),
            stale.load(Ordering::Relaxed)
        );
        let mut growth_ok = true;
        for (i, (w, e)) in warm.iter().zip(&end).enumerate() {
            let growth = 100.0 * (e - w) / w.max(1e-9);
            growth_ok &= growth < 10.0;
            println!(
                "replica {}: RSS median {w:.1} MB over the {:.0} s after {:.0} s of warm-up, {e:.1} MB over the last {:.0} s ({growth:+.1} %)",
                i + 1,
                window.as_secs_f64(),
                warm_up.as_secs_f64(),
                window.as_secs_f64()
            );
        }
        let failed = errors.count.load(Ordering::Relaxed);
        println!("errors: {failed}");
        for e in errors.first.lock().unwrap_or_else(|e| e.into_inner()).iter() {
            println!("  {e}");
        }
        let rotating = oldest_rotation <= 20;
        // Over a short run the windows are seconds apart and the medians
        // say little: the memory bound is checked from 5 minutes on.
        let growth_ok = growth_ok || duration < Duration::from_secs(300);
        if failed > 0 || !growth_ok || !rotating {
            bail!("soak failed: {failed} errors, RSS growth within 10 %: {growth_ok}, rotations kept running: {rotating}");
        }
        Ok(())
    })
}
