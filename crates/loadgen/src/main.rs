//! `rampart-loadgen`: measures V3-signed `GetSecretValue` throughput and
//! latency against a real `rampart serve` and, in the same run, against a
//! bare hyper "hello" server, and prints the ratio.
//!
//! ```text
//! cargo build --release --bin rampart --bin rampart-loadgen
//! target/release/rampart-loadgen --rampart target/release/rampart --preload 1000 --connections 16 --seconds 10
//! ```
//!
//! With `--as-user N`: the load signed by a RAM user with N custom policies
//! attached instead of the account.
//!
//! With `--postgres URL`: the same load against the embedded store and
//! PostgreSQL in alternating rounds (see [`modes`]); with `--rss` too, the
//! servers' memory under 20 s of load.
//!
//! With `--tls`: the same load against two servers with the same data, one
//! over HTTPS (`--tls-auto`) and one over plain HTTP, in alternating phases,
//! and the rate of new TLS handshakes (no session resumption).

use std::convert::Infallible;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use bytes::Bytes;
use clap::Parser;
use http_body_util::{BodyExt, Full};
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use rampart_gateway::sign::client;

mod modes;
mod soak;

#[derive(Parser, Debug)]
#[command(about = "Load generator for rampart's GetSecretValue")]
struct Args {
    /// The rampart binary to start.
    #[arg(long)]
    rampart: Option<PathBuf>,
    /// Secrets created before the run.
    #[arg(long, default_value_t = 1000)]
    preload: usize,
    /// Concurrent keep-alive connections.
    #[arg(long, default_value_t = 16)]
    connections: usize,
    /// Seconds of load per target.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Sequential requests on one connection for the latency figures.
    #[arg(long, default_value_t = 2000)]
    latency_requests: usize,
    /// Instead of the HTTP load: this many GetSecretValue calls through the
    /// gateway in this process (no HTTP), one at a time, for profiling the
    /// server's own work.
    #[arg(long)]
    in_process: Option<u64>,
    /// Keep the data in this directory: preloaded on the first run, reused
    /// as it is by later runs with the same `--preload` (a million secrets
    /// take minutes to create). A temporary directory by default.
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Instead of the load: compare single-connection latency against a
    /// second store in this directory (made by an earlier run with
    /// `--data-dir`), alternating between the two servers in rounds so that
    /// both see the same machine.
    #[arg(long)]
    compare_dir: Option<PathBuf>,
    /// How many secrets the `--compare-dir` store holds.
    #[arg(long, default_value_t = 1_000_000)]
    compare_secrets: usize,
    /// With `--compare-dir`: read only the first N secrets of each store
    /// (the same names in both), so that only the number stored differs.
    /// By default every read names another secret of all those stored.
    #[arg(long)]
    read_secrets: Option<usize>,
    /// Instead of the bare server: compare HTTPS with HTTP (two servers,
    /// same data), and measure TLS handshakes per second.
    #[arg(long)]
    tls: bool,
    /// Instead of the bare server: compare the embedded store with
    /// PostgreSQL (a fresh database made on the server of this URL, e.g.
    /// `postgres://postgres@127.0.0.1:5432/postgres`), in alternating rounds.
    #[arg(long, value_name = "URL")]
    postgres: Option<String>,
    /// With `--postgres`: 20 s of load on each and their memory (RSS)
    /// before and after, instead of the rounds.
    #[arg(long)]
    rss: bool,
    /// With `--postgres`: instead, the soak (two replicas, mixed reads,
    /// writes and rotations) for this many seconds.
    #[arg(long, value_name = "SECONDS")]
    soak: Option<u64>,
    /// Sign the load as a RAM user with this many custom policies attached
    /// (the last one allows `kms:GetSecretValue` on the secrets, the others
    /// allow other actions on them and deny what the load does not ask),
    /// instead of the account.
    #[arg(long, value_name = "POLICIES")]
    as_user: Option<usize>,
    /// Internal: run the bare hello server on this port.
    #[arg(long, hide = true)]
    bare_server: Option<u16>,
}

struct Target {
    port: u16,
    signer: Signer,
    secrets: usize,
    /// The server process, for its CPU time.
    pid: u32,
    /// Over HTTPS: the connector trusting the server's CA.
    tls: Option<tokio_rustls::TlsConnector>,
}

/// A keep-alive HTTP/1.1 connection to `t`, over TLS when it has a connector.
async fn open(t: &Target) -> anyhow::Result<hyper::client::conn::http1::SendRequest<Full<Bytes>>> {
    let stream = tokio::net::TcpStream::connect(("127.0.0.1", t.port)).await?;
    stream.set_nodelay(true)?;
    match &t.tls {
        None => {
            let (sender, conn) =
                hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
            tokio::spawn(async move {
                let _ = conn.await;
            });
            Ok(sender)
        }
        Some(connector) => {
            let name = rustls::pki_types::ServerName::try_from("localhost")?;
            let tls = connector.connect(name, stream).await?;
            let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tls)).await?;
            tokio::spawn(async move {
                let _ = conn.await;
            });
            Ok(sender)
        }
    }
}

/// A connector trusting only the PEM certificate `ca`; `resume` keeps TLS
/// sessions for resumption.
fn connector(ca: &Path, resume: bool) -> anyhow::Result<tokio_rustls::TlsConnector> {
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    roots.add(rustls::pki_types::CertificateDer::from_pem_file(ca)?)?;
    let mut config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()?
    .with_root_certificates(roots)
    .with_no_client_auth();
    if !resume {
        config.resumption = rustls::client::Resumption::disabled();
    }
    Ok(tokio_rustls::TlsConnector::from(Arc::new(config)))
}

/// New TLS connections (TCP connect and a full handshake, then close) over
/// `conns` concurrent loops for `duration`: handshakes a second and the
/// server's CPU per handshake (µs).
async fn handshakes(
    t: Arc<Target>,
    conns: usize,
    duration: Duration,
) -> anyhow::Result<(f64, f64)> {
    let connector = t.tls.clone().context("handshakes need TLS")?;
    let cpu_before = cpu_seconds(t.pid);
    let start = Instant::now();
    let deadline = start + duration;
    let mut tasks = Vec::new();
    for _ in 0..conns {
        let (connector, port) = (connector.clone(), t.port);
        tasks.push(tokio::spawn(async move {
            let mut n = 0u64;
            while Instant::now() < deadline {
                let stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
                stream.set_nodelay(true)?;
                let name = rustls::pki_types::ServerName::try_from("localhost")?;
                let tls = connector.connect(name, stream).await?;
                drop(tls);
                n += 1;
            }
            Ok::<u64, anyhow::Error>(n)
        }));
    }
    let mut total = 0;
    for task in tasks {
        total += task.await??;
    }
    let secs = start.elapsed().as_secs_f64();
    let cpu = cpu_seconds(t.pid) - cpu_before;
    Ok((total as f64 / secs, cpu * 1e6 / (total.max(1) as f64)))
}

#[derive(Clone)]
struct Signer {
    id: String,
    secret: String,
}

fn now_ts() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    rampart_core::time::format(i64::try_from(secs).unwrap_or(0))
}

fn build_request(t: &Target, n: u64) -> anyhow::Result<Request<Full<Bytes>>> {
    // The bare server gets the very same signed requests: the client's work
    // is the same for both, and the ratio measures the servers.
    let host = format!("127.0.0.1:{}", t.port);
    let s = &t.signer;
    let name = format!("bench/secret-{}", n as usize % t.secrets.max(1));
    let nonce = format!("{}{n:016x}", rampart_crypto::random_hex(8));
    let signer = client::Signer {
        id: &s.id,
        secret: &s.secret,
        token: None,
    };
    let (query, headers) = client::v3_request(
        &signer,
        &host,
        "2016-01-20",
        "GetSecretValue",
        &[("SecretName", &name)],
        &now_ts(),
        &nonce,
    );
    let mut b = Request::post(format!("/?{query}"));
    for (k, v) in &headers {
        b = b.header(k.as_str(), v.as_str());
    }
    Ok(b.body(Full::new(Bytes::new()))?)
}

/// One keep-alive connection sending requests until `deadline`; returns latencies (µs).
async fn connection(
    t: Arc<Target>,
    deadline: Instant,
    max: usize,
    seed: u64,
) -> anyhow::Result<Vec<u32>> {
    let mut sender = open(&t).await?;
    let mut lat = Vec::new();
    let mut n = seed;
    while Instant::now() < deadline && lat.len() < max {
        let req = build_request(&t, n)?;
        n += 1;
        sender.ready().await?;
        let start = Instant::now();
        let resp = sender.send_request(req).await?;
        let status = resp.status();
        let _ = resp.into_body().collect().await?;
        if !status.is_success() {
            bail!("request failed with HTTP {status}");
        }
        lat.push(u32::try_from(start.elapsed().as_micros()).unwrap_or(u32::MAX));
    }
    Ok(lat)
}

struct Figures {
    rps: f64,
    p50: u32,
    p99: u32,
    /// Server CPU time (user + system) per request, µs.
    cpu_us: f64,
}

/// A process's CPU time so far (user + system), in seconds.
fn cpu_seconds(pid: u32) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0.0;
    };
    // Fields after the command name (which may hold spaces): utime is the
    // 14th field and stime the 15th, in clock ticks (100 per second).
    let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else {
        return 0.0;
    };
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

/// What one load phase measured.
#[derive(Default)]
struct Sample {
    latencies: Vec<u32>,
    seconds: f64,
    cpu: f64,
}

impl Sample {
    fn add(&mut self, other: Sample) {
        self.latencies.extend(other.latencies);
        self.seconds += other.seconds;
        self.cpu += other.cpu;
    }

    fn figures(mut self) -> Figures {
        let all = &mut self.latencies;
        all.sort_unstable();
        let pct = |p: f64| {
            all.get(((all.len() as f64 - 1.0) * p) as usize)
                .copied()
                .unwrap_or(0)
        };
        Figures {
            rps: all.len() as f64 / self.seconds.max(1e-9),
            p50: pct(0.50),
            p99: pct(0.99),
            cpu_us: self.cpu * 1e6 / (all.len().max(1) as f64),
        }
    }
}

async fn load(
    t: Arc<Target>,
    conns: usize,
    seconds: u64,
    max_per_conn: usize,
) -> anyhow::Result<Figures> {
    Ok(sample(t, conns, Duration::from_secs(seconds), max_per_conn)
        .await?
        .figures())
}

async fn sample(
    t: Arc<Target>,
    conns: usize,
    duration: Duration,
    max_per_conn: usize,
) -> anyhow::Result<Sample> {
    let cpu_before = cpu_seconds(t.pid);
    let start = Instant::now();
    let deadline = start + duration;
    let mut tasks = Vec::new();
    for c in 0..conns {
        tasks.push(tokio::spawn(connection(
            t.clone(),
            deadline,
            max_per_conn,
            (c as u64) << 40,
        )));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await??);
    }
    Ok(Sample {
        latencies: all,
        seconds: start.elapsed().as_secs_f64(),
        cpu: cpu_seconds(t.pid) - cpu_before,
    })
}

async fn bare_server(port: u16) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    loop {
        let (stream, _) = listener.accept().await?;
        let _ = stream.set_nodelay(true);
        tokio::spawn(async move {
            let svc = hyper::service::service_fn(|_req: Request<hyper::body::Incoming>| async {
                Ok::<_, Infallible>(Response::new(Full::new(Bytes::from_static(b"hello"))))
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), svc)
                .await;
        });
    }
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

struct Kill(Child);

impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn wait_healthy(port: u16, path: &str) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            std::thread::sleep(Duration::from_millis(100));
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    bail!("server on {port} ({path}) did not start")
}

fn signer_of(creds: &serde_json::Value) -> anyhow::Result<Signer> {
    Ok(Signer {
        id: creds["AccessKeyId"]
            .as_str()
            .context("credentials")?
            .to_string(),
        secret: creds["AccessKeySecret"]
            .as_str()
            .context("credentials")?
            .to_string(),
    })
}

/// Creates the account and `n` generic secrets directly in the data dir.
fn preload(bin: &Path, dir: &Path, n: usize) -> anyhow::Result<Signer> {
    let out = Command::new(bin)
        .arg("init")
        .arg("--data-dir")
        .arg(dir)
        .output()?;
    if !out.status.success() {
        bail!(
            "rampart init failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let creds: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let r = open_rampart(dir, false)?;
    let t = Instant::now();
    for i in 0..n {
        r.create_secret(rampart_core::kms::secrets::CreateSecret {
            secret_name: format!("bench/secret-{i}"),
            version_id: "v1".into(),
            secret_data: format!("value-{i}-{}", rampart_crypto::random_hex(8)),
            ..Default::default()
        })
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        if i > 0 && i % 100_000 == 0 {
            eprintln!(
                "  preloaded {i} secrets ({:.0}/s)",
                i as f64 / t.elapsed().as_secs_f64()
            );
        }
    }
    eprintln!("preloaded {n} secrets in {:.1}s", t.elapsed().as_secs_f64());
    signer_of(&creds)
}

/// A RAM user with `n` custom policies attached, the last of which allows
/// reading the preloaded secrets; its new AccessKey signs the load.
fn user_with_policies(dir: &Path, n: usize) -> anyhow::Result<Signer> {
    let r = open_rampart(dir, false)?;
    let err = |e: rampart_core::ApiError| anyhow::anyhow!("{}: {}", e.code, e.message);
    r.create_user(rampart_core::ram::CreateUser {
        user_name: "bench-reader".into(),
        ..Default::default()
    })
    .map_err(err)?;
    for i in 0..n {
        let statement = if i + 1 == n {
            r#"{"Effect":"Allow","Action":["kms:GetSecretValue"],"Resource":["acs:kms:*:*:secret/bench/*"]}"#.to_string()
        } else if i % 2 == 0 {
            format!(
                r#"{{"Effect":"Allow","Action":["kms:DescribeSecret","kms:ListSecretVersionIds"],"Resource":["acs:kms:*:*:secret/bench/{i}-*"]}}"#
            )
        } else {
            format!(
                r#"{{"Effect":"Deny","Action":["kms:DeleteSecret","kms:PutSecretValue"],"Resource":["acs:kms:*:*:secret/bench/{i}-*"]}}"#
            )
        };
        let name = format!("bench-policy-{i}");
        r.create_policy(
            &name,
            &format!(r#"{{"Version":"1","Statement":[{statement}]}}"#),
            None,
        )
        .map_err(err)?;
        r.attach_policy(
            rampart_store::PrincipalKind::User,
            "bench-reader",
            rampart_store::PolicyType::Custom,
            &name,
        )
        .map_err(err)?;
    }
    let key = rampart_core::ram::UserName::parse("bench-reader")
        .and_then(|n| r.create_access_key(&n))
        .map_err(err)?;
    eprintln!("signing as the RAM user bench-reader with {n} policies");
    Ok(Signer {
        id: key.access_key_id,
        secret: key.access_key_secret,
    })
}

/// The domain over the store in `dir`, opened as its only writer (with the
/// read cache) or shared.
fn open_rampart(dir: &Path, exclusive: bool) -> anyhow::Result<rampart_core::Rampart> {
    let path = dir.join("rampart.sqlite");
    let store: Arc<dyn rampart_store::Store> = Arc::new(if exclusive {
        rampart_store::SqliteStore::open_exclusive(&path)?
    } else {
        rampart_store::SqliteStore::open(&path)?
    });
    let key = rampart_crypto::MasterKey::load(&dir.join("master.key"))?;
    Ok(rampart_core::Rampart::open(
        store,
        key.keyring(),
        Arc::new(rampart_core::SystemClock),
        rampart_core::Settings {
            // The benchmarks preload up to millions of secrets.
            limits: rampart_core::Limits {
                secrets: u64::MAX,
                ..rampart_core::Limits::default()
            },
            ..rampart_core::Settings::default()
        },
    )?)
}

/// GetSecretValue through the gateway in this process, `n` times.
fn in_process(dir: &Path, s: &Signer, secrets: usize, n: u64) -> anyhow::Result<()> {
    let r = open_rampart(dir, true)?;
    let gw = rampart_gateway::Gateway::new(r.clone());
    let host = "127.0.0.1:7433";
    let ts = now_ts();
    let signer = client::Signer {
        id: &s.id,
        secret: &s.secret,
        token: None,
    };
    let start = Instant::now();
    for i in 0..n {
        let name = format!("bench/secret-{}", i as usize % secrets.max(1));
        let (query, headers) = client::v3_request(
            &signer,
            host,
            "2016-01-20",
            "GetSecretValue",
            &[("SecretName", &name)],
            &ts,
            &format!("in-process-{i}"),
        );
        let req = rampart_gateway::RpcRequest {
            method: "POST".into(),
            path: "/".into(),
            query,
            headers: headers
                .into_iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), v))
                .collect(),
            source_ip: Some("127.0.0.1".into()),
            ..Default::default()
        };
        let (resp, _) = gw.handle(&req);
        if resp.status != 200 {
            bail!("request failed: {}", String::from_utf8_lossy(&resp.body));
        }
        if i % 1000 == 999 {
            r.flush_audit().map_err(|e| anyhow::anyhow!("{e}"))?;
        }
    }
    r.flush_audit().map_err(|e| anyhow::anyhow!("{e}"))?;
    println!(
        "in process: {n} GetSecretValue calls, {:.1} µs each (client signing included)",
        start.elapsed().as_secs_f64() * 1e6 / n as f64
    );
    Ok(())
}

/// Starts `rampart serve` on `dir` (plus `extra` arguments); returns its port.
fn start(bin: &Path, dir: &Path, extra: &[&str]) -> anyhow::Result<(u16, Kill)> {
    let port = free_port()?;
    let server = Kill(
        Command::new(bin)
            .args([
                "serve",
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--data-dir",
            ])
            .arg(dir)
            .args(extra)
            .env("RAMPART_LOG", "warn")
            .env("RAMPART_MAX_SECRETS", "100000000")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()?,
    );
    wait_healthy(port, "rampart")?;
    Ok((port, server))
}

/// Single-connection latency of two stores, in alternating rounds.
fn compare(
    rt: &tokio::runtime::Runtime,
    args: &Args,
    bin: &Path,
    (dir, signer): (&Path, Signer),
    other: &Path,
) -> anyhow::Result<()> {
    let creds: serde_json::Value = serde_json::from_slice(
        &std::fs::read(other.join("root-credentials.json"))
            .context("--compare-dir must hold a store made by an earlier run with --data-dir")?,
    )?;
    let (pa, server_a) = start(bin, dir, &[])?;
    let (pb, server_b) = start(bin, other, &[])?;
    let reads = |stored: usize| args.read_secrets.map_or(stored, |n| n.min(stored));
    let a = Arc::new(Target {
        port: pa,
        signer,
        secrets: reads(args.preload),
        pid: server_a.0.id(),
        tls: None,
    });
    let b = Arc::new(Target {
        port: pb,
        signer: signer_of(&creds)?,
        secrets: reads(args.compare_secrets),
        pid: server_b.0.id(),
        tls: None,
    });
    const ROUNDS: u64 = 10;
    let per_round = (args.latency_requests as u64 / ROUNDS).max(1);
    rt.block_on(async {
        let far = Instant::now() + Duration::from_secs(3600);
        // Warm both up.
        connection(a.clone(), far, 500, 1 << 50).await?;
        connection(b.clone(), far, 500, 1 << 50).await?;
        let (mut sa, mut sb) = (Sample::default(), Sample::default());
        for round in 0..ROUNDS {
            let seed = round * per_round;
            let order = if round % 2 == 0 { [&a, &b] } else { [&b, &a] };
            for t in order {
                let latencies = connection(t.clone(), far, per_round as usize, seed).await?;
                let s = if Arc::ptr_eq(t, &a) { &mut sa } else { &mut sb };
                s.latencies.extend(latencies);
            }
        }
        let (n_a, n_b) = (sa.latencies.len(), sb.latencies.len());
        let (fa, fb) = (sa.figures(), sb.figures());
        println!(
            "{:>9} stored, {:>9} read: p50 {:>5} µs  p99 {:>5} µs ({n_a} requests)",
            args.preload, a.secrets, fa.p50, fa.p99
        );
        println!(
            "{:>9} stored, {:>9} read: p50 {:>5} µs  p99 {:>5} µs ({n_b} requests)",
            args.compare_secrets, b.secrets, fb.p50, fb.p99
        );
        println!(
            "p50 ratio:         {:.2}x",
            f64::from(fb.p50) / f64::from(fa.p50.max(1))
        );
        Ok::<(), anyhow::Error>(())
    })
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    if let Some(port) = args.bare_server {
        return rt.block_on(bare_server(port));
    }
    let bin = args.rampart.clone().context("--rampart PATH is required")?;
    if let (Some(seconds), Some(admin)) = (args.soak, &args.postgres) {
        return soak::soak(&rt, &bin, admin, seconds);
    }
    let temp = tempfile::tempdir()?;
    let dir = args.data_dir.as_deref().unwrap_or(temp.path());
    let signer = if dir.join("root-credentials.json").exists() {
        let creds: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.join("root-credentials.json"))?)?;
        eprintln!("reusing the data in {}", dir.display());
        signer_of(&creds)?
    } else {
        let root = preload(&bin, dir, args.preload)?;
        match args.as_user {
            Some(n) => user_with_policies(dir, n)?,
            None => root,
        }
    };
    if let Some(n) = args.in_process {
        return in_process(dir, &signer, args.preload, n);
    }
    if let Some(other) = &args.compare_dir {
        return compare(&rt, &args, &bin, (dir, signer), other);
    }
    if let Some(admin) = &args.postgres {
        return modes::embedded_vs_postgres(&rt, &args, &bin, (dir, signer), admin, args.rss);
    }
    if args.tls {
        return https_vs_http(&rt, &args, &bin, (dir, signer));
    }
    let (rport, server) = start(&bin, dir, &[])?;
    let bport = free_port()?;
    let bare_server = Kill(
        Command::new(std::env::current_exe()?)
            .args(["--bare-server", &bport.to_string()])
            .stdout(Stdio::null())
            .spawn()?,
    );
    wait_healthy(bport, "bare")?;
    let rampart = Arc::new(Target {
        port: rport,
        signer: signer.clone(),
        secrets: args.preload,
        pid: server.0.id(),
        tls: None,
    });
    let bare = Arc::new(Target {
        port: bport,
        signer,
        secrets: args.preload,
        pid: bare_server.0.id(),
        tls: None,
    });
    rt.block_on(async {
        // Warm up both.
        load(rampart.clone(), 2, 1, usize::MAX).await?;
        load(bare.clone(), 2, 1, usize::MAX).await?;
        // Alternate short phases so that both see the same machine (these
        // machines are shared: their speed drifts within seconds).
        const ROUNDS: u32 = 8;
        let phase = Duration::from_secs(args.seconds) / ROUNDS;
        let (mut b, mut r) = (Sample::default(), Sample::default());
        for round in 0..ROUNDS {
            let order = if round % 2 == 0 { [&bare, &rampart] } else { [&rampart, &bare] };
            for t in order {
                let s = sample(t.clone(), args.connections, phase, usize::MAX).await?;
                if Arc::ptr_eq(t, &bare) {
                    b.add(s);
                } else {
                    r.add(s);
                }
            }
        }
        let (b, r) = (b.figures(), r.figures());
        // Let the server write the audit trail of the load first.
        tokio::time::sleep(Duration::from_secs(1)).await;
        let lat = load(rampart.clone(), 1, 60, args.latency_requests).await?;
        println!("secrets stored:            {}", args.preload);
        println!("connections:               {}", args.connections);
        println!(
            "bare hyper hello:          {:>9.0} req/s  p50 {:>6} µs  p99 {:>6} µs  server CPU {:>5.1} µs/req",
            b.rps, b.p50, b.p99, b.cpu_us
        );
        println!(
            "rampart GetSecretValue V3: {:>9.0} req/s  p50 {:>6} µs  p99 {:>6} µs  server CPU {:>5.1} µs/req",
            r.rps, r.p50, r.p99, r.cpu_us
        );
        println!(
            "ratio rampart / bare:      {:>9.1} %",
            100.0 * r.rps / b.rps
        );
        println!(
            "single-connection latency: p50 {} µs  p99 {} µs ({} requests)",
            lat.p50, lat.p99, args.latency_requests
        );
        Ok::<(), anyhow::Error>(())
    })
}

/// GetSecretValue over HTTPS and over HTTP, on two servers holding the same
/// secrets, in alternating phases; then new TLS handshakes a second.
fn https_vs_http(
    rt: &tokio::runtime::Runtime,
    args: &Args,
    bin: &Path,
    (dir, signer): (&Path, Signer),
) -> anyhow::Result<()> {
    let temp = tempfile::tempdir()?;
    let tls_signer = preload(bin, temp.path(), args.preload)?;
    let (hport, http_server) = start(bin, dir, &[])?;
    let (sport, https_server) = start(bin, temp.path(), &["--tls-auto"])?;
    let ca = temp.path().join("tls").join("ca.pem");
    let http = Arc::new(Target {
        port: hport,
        signer,
        secrets: args.preload,
        pid: http_server.0.id(),
        tls: None,
    });
    let https = Arc::new(Target {
        port: sport,
        signer: tls_signer,
        secrets: args.preload,
        pid: https_server.0.id(),
        tls: Some(connector(&ca, true)?),
    });
    rt.block_on(async {
        load(http.clone(), 2, 1, usize::MAX).await?;
        load(https.clone(), 2, 1, usize::MAX).await?;
        const ROUNDS: u32 = 8;
        let phase = Duration::from_secs(args.seconds) / ROUNDS;
        let (mut p, mut s) = (Sample::default(), Sample::default());
        for round in 0..ROUNDS {
            let order = if round % 2 == 0 { [&http, &https] } else { [&https, &http] };
            for t in order {
                let sample = sample(t.clone(), args.connections, phase, usize::MAX).await?;
                if Arc::ptr_eq(t, &http) {
                    p.add(sample);
                } else {
                    s.add(sample);
                }
            }
        }
        let (p, s) = (p.figures(), s.figures());
        let fresh = Arc::new(Target {
            port: https.port,
            signer: https.signer.clone(),
            secrets: https.secrets,
            pid: https.pid,
            tls: Some(connector(&ca, false)?),
        });
        tokio::time::sleep(Duration::from_secs(1)).await;
        let (hs, hs_cpu) =
            handshakes(fresh, args.connections, Duration::from_secs(args.seconds / 2 + 1)).await?;
        println!("secrets stored:            {}", args.preload);
        println!("connections:               {} (keep-alive)", args.connections);
        println!(
            "GetSecretValue V3, HTTP:   {:>9.0} req/s  p50 {:>6} µs  p99 {:>6} µs  server CPU {:>5.1} µs/req",
            p.rps, p.p50, p.p99, p.cpu_us
        );
        println!(
            "GetSecretValue V3, HTTPS:  {:>9.0} req/s  p50 {:>6} µs  p99 {:>6} µs  server CPU {:>5.1} µs/req",
            s.rps, s.p50, s.p99, s.cpu_us
        );
        println!("ratio HTTPS / HTTP:        {:>9.1} %", 100.0 * s.rps / p.rps);
        println!(
            "new TLS handshakes:        {:>9.0} /s ({} loops, no resumption)  server CPU {:>6.1} µs/handshake",
            hs, args.connections, hs_cpu
        );
        Ok::<(), anyhow::Error>(())
    })
}
