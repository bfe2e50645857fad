//! Configuration: flags, `RAMPART_*` environment variables, and an optional
//! TOML file (`--config`), in that order of precedence, then defaults.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context};
use clap::Args;
use serde::Deserialize;

/// Connections to a shared database per replica, by default: enough for
/// the requests a few cores serve at once while one waits on the network.
pub const DEFAULT_DB_POOL_SIZE: u32 = 16;
/// The largest `--db-pool-size` accepted.
pub const MAX_DB_POOL_SIZE: u32 = 1000;

/// Options of `rampart serve` and `rampart init`.
#[derive(Args, Debug, Default)]
pub struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1:7433].
    #[arg(long, env = "RAMPART_LISTEN")]
    pub listen: Option<String>,
    /// Directory of the embedded database and the master key [default: ./rampart-data].
    #[arg(long, env = "RAMPART_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Database URL, `sqlite://PATH`, `postgres://…` or `mysql://…`; overrides the data-dir database.
    #[arg(long, env = "RAMPART_DATABASE")]
    pub database: Option<String>,
    /// Most connections to a PostgreSQL or MySQL database, per replica [default: 16].
    #[arg(long, env = "RAMPART_DB_POOL_SIZE", value_name = "N")]
    pub db_pool_size: Option<u32>,
    /// Region id used in ARNs and responses [default: cn-hangzhou].
    #[arg(long, env = "RAMPART_REGION")]
    pub region: Option<String>,
    /// How long the previous AccessKey of a rotated RAM secret keeps working [default: 2d].
    #[arg(long, env = "RAMPART_ROTATION_GRACE_PERIOD")]
    pub rotation_grace_period: Option<String>,
    /// The smallest RotationInterval accepted [default: 6h].
    #[arg(long, env = "RAMPART_MIN_ROTATION_INTERVAL")]
    pub min_rotation_interval: Option<String>,
    /// Master key file [default: <data-dir>/master.key].
    #[arg(long, env = "RAMPART_MASTER_KEY_FILE")]
    pub master_key_file: Option<PathBuf>,
    /// Most secrets the account may hold, those pending deletion included [default: 10000].
    #[arg(long, env = "RAMPART_MAX_SECRETS", value_name = "N")]
    pub max_secrets: Option<u64>,
    /// Log format: `text` or `json` [default: text].
    #[arg(long, env = "RAMPART_LOG_FORMAT")]
    pub log_format: Option<String>,
    /// Also write the audit trail as JSON lines to this file (`-` for stdout).
    #[arg(long, env = "RAMPART_AUDIT_LOG")]
    pub audit_log: Option<PathBuf>,
    /// How long audit events are kept; older ones are deleted [default: 90d].
    #[arg(long, env = "RAMPART_AUDIT_RETENTION")]
    pub audit_retention: Option<String>,
    /// Time a new connection has to send its first request head [default: 10s].
    #[arg(long, env = "RAMPART_HEADER_TIMEOUT")]
    pub header_timeout: Option<String>,
    /// Time a request has to send its whole body after its head [default: 30s].
    #[arg(long, env = "RAMPART_BODY_TIMEOUT")]
    pub body_timeout: Option<String>,
    /// Time a kept-alive connection may wait for, and then send, its next request head [default: 60s].
    #[arg(long, env = "RAMPART_IDLE_TIMEOUT")]
    pub idle_timeout: Option<String>,
    /// Time a response write may stall before the connection is closed [default: 30s].
    #[arg(long, env = "RAMPART_WRITE_TIMEOUT")]
    pub write_timeout: Option<String>,
    /// Most connections open at once; more wait to be accepted [default: 512].
    #[arg(long, env = "RAMPART_MAX_CONNECTIONS")]
    pub max_connections: Option<usize>,
    /// Serve HTTPS with this certificate chain (PEM, the server's first); needs --tls-key.
    #[arg(long, env = "RAMPART_TLS_CERT", value_name = "FILE")]
    pub tls_cert: Option<PathBuf>,
    /// The private key (PEM) of --tls-cert. Reloaded with the certificate on SIGHUP.
    #[arg(long, env = "RAMPART_TLS_KEY", value_name = "FILE")]
    pub tls_key: Option<PathBuf>,
    /// Serve HTTPS with a certificate of a local CA made on first start
    /// (<data-dir>/tls/ca.pem), for localhost and the region's Alibaba Cloud
    /// endpoint host names; renewed before it expires.
    #[arg(long, env = "RAMPART_TLS_AUTO", num_args = 0..=1, require_equals = true,
          default_missing_value = "true", value_name = "BOOL",
          value_parser = clap::builder::BoolishValueParser::new())]
    pub tls_auto: Option<bool>,
    /// More host names or addresses for the --tls-auto certificate, comma-separated.
    #[arg(long, env = "RAMPART_TLS_HOSTS", value_name = "A,B")]
    pub tls_hosts: Option<String>,
    /// Serve plain HTTP on a non-loopback --listen address (secrets then cross the network in clear).
    #[arg(long, env = "RAMPART_INSECURE_HTTP", num_args = 0..=1, require_equals = true,
          default_missing_value = "true", value_name = "BOOL",
          value_parser = clap::builder::BoolishValueParser::new())]
    pub insecure_http: Option<bool>,
    /// Test mode: a test clock and the control API under `/_rampart/` (docs/test-mode.md);
    /// a loopback --listen address only. Never for production.
    #[arg(long, env = "RAMPART_TEST_MODE", num_args = 0..=1, require_equals = true,
          default_missing_value = "true", value_name = "BOOL",
          value_parser = clap::builder::BoolishValueParser::new())]
    pub test_mode: Option<bool>,
    /// A YAML or JSON file of users, groups, policies, roles, keys and secrets created at start
    /// when missing (docs/test-mode.md).
    #[arg(long, env = "RAMPART_SEED", value_name = "FILE")]
    pub seed: Option<PathBuf>,
    /// A TOML file with any of the keys above (`listen = "…"`, `data-dir = "…"`).
    #[arg(long, env = "RAMPART_CONFIG")]
    pub config: Option<PathBuf>,
}

/// Options of `rampart backup` and `rampart restore`: where the store is.
#[derive(Args, Debug, Default)]
pub struct StoreArgs {
    /// Directory of the embedded database and the master key [default: ./rampart-data].
    #[arg(long, env = "RAMPART_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Database URL (`sqlite://PATH`); overrides the data-dir database.
    #[arg(long, env = "RAMPART_DATABASE")]
    pub database: Option<String>,
    /// Master key file [default: <data-dir>/master.key].
    #[arg(long, env = "RAMPART_MASTER_KEY_FILE")]
    pub master_key_file: Option<PathBuf>,
    /// A TOML file with any of the keys of `rampart serve` (those of
    /// `serve` alone are ignored here).
    #[arg(long, env = "RAMPART_CONFIG")]
    pub config: Option<PathBuf>,
}

impl From<StoreArgs> for ServeArgs {
    fn from(a: StoreArgs) -> Self {
        Self {
            data_dir: a.data_dir,
            database: a.database,
            master_key_file: a.master_key_file,
            config: a.config,
            ..Self::default()
        }
    }
}

#[derive(Deserialize, Debug, Default)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct FileConfig {
    listen: Option<String>,
    data_dir: Option<PathBuf>,
    database: Option<String>,
    db_pool_size: Option<u32>,
    region: Option<String>,
    rotation_grace_period: Option<String>,
    min_rotation_interval: Option<String>,
    master_key_file: Option<PathBuf>,
    max_secrets: Option<u64>,
    log_format: Option<String>,
    audit_log: Option<PathBuf>,
    audit_retention: Option<String>,
    header_timeout: Option<String>,
    body_timeout: Option<String>,
    idle_timeout: Option<String>,
    write_timeout: Option<String>,
    max_connections: Option<usize>,
    tls_cert: Option<PathBuf>,
    tls_key: Option<PathBuf>,
    tls_auto: Option<bool>,
    tls_hosts: Option<HostList>,
    insecure_http: Option<bool>,
    test_mode: Option<bool>,
    seed: Option<PathBuf>,
}

/// `tls-hosts` in the TOML file: `"a,b"` or `["a", "b"]`.
#[derive(Deserialize, Debug)]
#[serde(untagged)]
enum HostList {
    Text(String),
    List(Vec<String>),
}

impl HostList {
    fn into_text(self) -> String {
        match self {
            HostList::Text(t) => t,
            HostList::List(l) => l.join(","),
        }
    }
}

/// Where the HTTPS certificate comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsSource {
    /// The operator's certificate chain and key (PEM files).
    Files {
        /// The certificate chain.
        cert: PathBuf,
        /// Its private key.
        key: PathBuf,
    },
    /// A local CA in `<data-dir>/tls` and a certificate it signs.
    Auto {
        /// Names beyond the built-in ones (`--tls-hosts`).
        hosts: Vec<String>,
    },
}

/// Where the state lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Database {
    /// An SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL URL.
    Postgres(String),
    /// A MariaDB/MySQL URL (one server, or a node of a Galera cluster).
    Mysql(String),
}

/// The resolved configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Listen address.
    pub listen: SocketAddr,
    /// Data directory.
    pub data_dir: PathBuf,
    /// Database.
    pub database: Database,
    /// Most connections to a shared database (PostgreSQL, MySQL).
    pub db_pool_size: u32,
    /// Region id.
    pub region: String,
    /// Grace period of a rotated key, seconds.
    pub rotation_grace_period: u64,
    /// Minimum rotation interval, seconds.
    pub min_rotation_interval: u64,
    /// Master key file.
    pub master_key_file: PathBuf,
    /// Most secrets of the account.
    pub max_secrets: u64,
    /// JSON logs.
    pub log_json: bool,
    /// Audit trail JSON-lines file (`-`: stdout).
    pub audit_log: Option<PathBuf>,
    /// How long audit events are kept, seconds.
    pub audit_retention: u64,
    /// Timeouts and the connection cap of the HTTP server.
    pub http: HttpLimits,
    /// HTTPS, or plain HTTP when `None`.
    pub tls: Option<TlsSource>,
    /// Plain HTTP allowed on a non-loopback address.
    pub insecure_http: bool,
    /// The test clock and the control API (`--test-mode`).
    pub test_mode: bool,
    /// The seed file (`--seed`).
    pub seed: Option<PathBuf>,
}

/// What one client may hold of the HTTP server: time and connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HttpLimits {
    /// A new connection must send its first request head within this time.
    pub header_timeout: Duration,
    /// A request must send its whole body within this time after its head.
    pub body_timeout: Duration,
    /// A kept-alive connection is closed when its next request head has not
    /// arrived whole within this time of the previous response.
    pub idle_timeout: Duration,
    /// A connection whose response cannot be written for this long is closed.
    pub write_timeout: Duration,
    /// Most connections open at once.
    pub max_connections: usize,
}

/// Audit events are kept 90 days by default, as ActionTrail keeps them.
pub const DEFAULT_AUDIT_RETENTION: &str = "90d";
/// Default time for a new connection's first request head.
pub const DEFAULT_HEADER_TIMEOUT: &str = "10s";
/// Default time for a request body.
pub const DEFAULT_BODY_TIMEOUT: &str = "30s";
/// Default keep-alive idle time.
pub const DEFAULT_IDLE_TIMEOUT: &str = "60s";
/// Default time a response write may stall.
pub const DEFAULT_WRITE_TIMEOUT: &str = "30s";
/// Default cap on open connections (lowered to fit the open-file limit).
pub const DEFAULT_MAX_CONNECTIONS: usize = 512;

/// Parses `90s`, `10m`, `6h`, `2d` into seconds.
pub fn parse_duration(s: &str) -> anyhow::Result<u64> {
    let s = s.trim();
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: u64 = num.parse().with_context(|| {
        format!("duration `{s}` must be a number and a unit, like `90s`, `10m`, `6h`, `2d`")
    })?;
    let mult = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86400,
        _ => bail!("duration `{s}` has unknown unit `{unit}`; use `s`, `m`, `h` or `d`"),
    };
    n.checked_mul(mult)
        .with_context(|| format!("duration `{s}` is too large"))
}

impl Config {
    /// Merges flags/environment with the TOML file and the defaults.
    pub fn resolve(a: ServeArgs) -> anyhow::Result<Self> {
        let f: FileConfig = match &a.config {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read config file `{}`", path.display()))?;
                toml::from_str(&text)
                    .with_context(|| format!("config file `{}` is not valid", path.display()))?
            }
            None => FileConfig::default(),
        };
        let listen_s = a
            .listen
            .or(f.listen)
            .unwrap_or_else(|| "127.0.0.1:7433".into());
        let listen = listen_s.parse().with_context(|| {
            format!("listen address `{listen_s}` must look like `127.0.0.1:7433`")
        })?;
        let data_dir = a
            .data_dir
            .or(f.data_dir)
            .unwrap_or_else(|| PathBuf::from("./rampart-data"));
        let database = match a.database.or(f.database) {
            None => Database::Sqlite(data_dir.join("rampart.sqlite")),
            Some(url) => {
                if let Some(path) = url.strip_prefix("sqlite://") {
                    if path.is_empty() {
                        bail!("database URL `{url}` has no path; write `sqlite:///abs/path.sqlite` or `sqlite://rel/path.sqlite`");
                    }
                    Database::Sqlite(PathBuf::from(path))
                } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
                    Database::Postgres(url)
                } else if url.starts_with("mysql://") {
                    Database::Mysql(url)
                } else {
                    bail!("database URL must start with `sqlite://`, `postgres://` or `mysql://`")
                }
            }
        };
        let db_pool_size = a
            .db_pool_size
            .or(f.db_pool_size)
            .unwrap_or(DEFAULT_DB_POOL_SIZE);
        if !(1..=MAX_DB_POOL_SIZE).contains(&db_pool_size) {
            bail!("--db-pool-size must be between 1 and {MAX_DB_POOL_SIZE} (got {db_pool_size})");
        }
        let region = a
            .region
            .or(f.region)
            .unwrap_or_else(|| "cn-hangzhou".into());
        if region.is_empty()
            || !region
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            bail!("region `{region}` must be letters, digits and `-`, like `cn-hangzhou`");
        }
        let grace = parse_duration(
            &a.rotation_grace_period
                .or(f.rotation_grace_period)
                .unwrap_or_else(|| "2d".into()),
        )?;
        let min_rot = parse_duration(
            &a.min_rotation_interval
                .or(f.min_rotation_interval)
                .unwrap_or_else(|| "6h".into()),
        )?;
        let master_key_file = a
            .master_key_file
            .or(f.master_key_file)
            .unwrap_or_else(|| data_dir.join("master.key"));
        let max_secrets = a
            .max_secrets
            .or(f.max_secrets)
            .unwrap_or(rampart_core::Limits::default().secrets);
        if max_secrets == 0 {
            bail!("--max-secrets must be at least 1");
        }
        let log_json = match a.log_format.or(f.log_format).as_deref() {
            None | Some("text") => false,
            Some("json") => true,
            Some(other) => bail!("log format `{other}` must be `text` or `json`"),
        };
        let positive = |name: &str, flag: Option<String>, file: Option<String>, default: &str| {
            let text = flag.or(file).unwrap_or_else(|| default.into());
            let secs = parse_duration(&text)?;
            if secs == 0 {
                bail!("--{name} `{text}` must be at least `1s`");
            }
            Ok::<u64, anyhow::Error>(secs)
        };
        let audit_retention = positive(
            "audit-retention",
            a.audit_retention,
            f.audit_retention,
            DEFAULT_AUDIT_RETENTION,
        )?;
        let timeout = |name: &str, flag: Option<String>, file: Option<String>, default: &str| {
            positive(name, flag, file, default).map(Duration::from_secs)
        };
        let http = HttpLimits {
            header_timeout: timeout(
                "header-timeout",
                a.header_timeout,
                f.header_timeout,
                DEFAULT_HEADER_TIMEOUT,
            )?,
            body_timeout: timeout(
                "body-timeout",
                a.body_timeout,
                f.body_timeout,
                DEFAULT_BODY_TIMEOUT,
            )?,
            idle_timeout: timeout(
                "idle-timeout",
                a.idle_timeout,
                f.idle_timeout,
                DEFAULT_IDLE_TIMEOUT,
            )?,
            write_timeout: timeout(
                "write-timeout",
                a.write_timeout,
                f.write_timeout,
                DEFAULT_WRITE_TIMEOUT,
            )?,
            max_connections: a
                .max_connections
                .or(f.max_connections)
                .unwrap_or(DEFAULT_MAX_CONNECTIONS),
        };
        if http.max_connections == 0 {
            bail!("--max-connections must be at least 1");
        }
        let tls_auto = a.tls_auto.or(f.tls_auto).unwrap_or(false);
        let hosts = a.tls_hosts.or(f.tls_hosts.map(HostList::into_text));
        let tls = match (a.tls_cert.or(f.tls_cert), a.tls_key.or(f.tls_key)) {
            (Some(_), Some(_)) if tls_auto => {
                bail!("--tls-auto and --tls-cert are two ways to serve HTTPS: give one")
            }
            (Some(cert), Some(key)) => Some(TlsSource::Files { cert, key }),
            (Some(_), None) => bail!("--tls-cert needs --tls-key FILE (its private key)"),
            (None, Some(_)) => bail!("--tls-key needs --tls-cert FILE (its certificate chain)"),
            (None, None) if tls_auto => Some(TlsSource::Auto {
                hosts: parse_hosts(hosts.as_deref().unwrap_or_default())?,
            }),
            (None, None) => None,
        };
        if hosts.is_some() && !matches!(tls, Some(TlsSource::Auto { .. })) {
            bail!("--tls-hosts adds names to the --tls-auto certificate: give --tls-auto too");
        }
        let insecure_http = a.insecure_http.or(f.insecure_http).unwrap_or(false);
        if insecure_http && tls.is_some() {
            bail!("--insecure-http serves plain HTTP; it cannot go with --tls-auto or --tls-cert");
        }
        Ok(Self {
            listen,
            data_dir,
            database,
            db_pool_size,
            region,
            rotation_grace_period: grace,
            min_rotation_interval: min_rot,
            master_key_file,
            max_secrets,
            log_json,
            audit_log: a.audit_log.or(f.audit_log),
            audit_retention,
            http,
            tls,
            insecure_http,
            test_mode: a.test_mode.or(f.test_mode).unwrap_or(false),
            seed: a.seed.or(f.seed),
        })
    }

    /// Test mode moves time and empties the account on request: only on a
    /// loopback address.
    pub fn check_test_mode(&self) -> anyhow::Result<()> {
        if !self.test_mode || is_loopback(self.listen.ip()) {
            return Ok(());
        }
        bail!(
            "refusing --test-mode on {}, which is not a loopback address: test mode lets a caller move \
             the clock and empty the account; listen on 127.0.0.1 or [::1]",
            self.listen
        )
    }

    /// The safe default: plain HTTP only on a loopback address, unless
    /// `--insecure-http` says otherwise.
    pub fn check_plain_listen(&self) -> anyhow::Result<()> {
        if self.tls.is_some() || self.insecure_http || is_loopback(self.listen.ip()) {
            return Ok(());
        }
        bail!(
            "refusing to serve plain HTTP on {}, which is not a loopback address: AccessKey secrets, \
             STS tokens and secret values would cross the network in clear. Serve HTTPS with \
             --tls-auto (a local CA and a certificate for this host and the Alibaba Cloud endpoint \
             names, in {}) or --tls-cert FILE --tls-key FILE; or, to serve plain HTTP anyway \
             (behind a TLS proxy on a trusted network), add --insecure-http",
            self.listen,
            self.data_dir.join("tls").display()
        )
    }
}

/// Whether `ip` reaches only this host (`127.0.0.0/8`, `::1`, and
/// `::ffff:127.x.y.z`).
pub fn is_loopback(ip: std::net::IpAddr) -> bool {
    ip.to_canonical().is_loopback()
}

/// The `--tls-hosts` list: host names (a leading `*.` allowed) or
/// addresses, comma-separated.
pub fn parse_hosts(text: &str) -> anyhow::Result<Vec<String>> {
    let mut out = Vec::new();
    for h in text.split(',').map(str::trim).filter(|h| !h.is_empty()) {
        let h = h.to_ascii_lowercase();
        let name = h.strip_prefix("*.").unwrap_or(&h);
        let is_ip = h.parse::<std::net::IpAddr>().is_ok();
        let is_name = !name.is_empty()
            && h.len() <= 253
            && name.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            });
        if !is_ip && !is_name {
            bail!("--tls-hosts: `{h}` is neither a host name nor an IP address");
        }
        if !out.contains(&h) {
            out.push(h);
        }
    }
    Ok(out)
}

/// Logs go to stderr; `RAMPART_LOG` sets the filter (default `info`).
pub fn init_tracing(cfg: &Config) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("RAMPART_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // Colours only on a terminal: a log file or a pipe gets plain text.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    if cfg.log_json {
        builder.json().init();
    } else {
        builder.init();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90s").unwrap(), 90);
        assert_eq!(parse_duration("10m").unwrap(), 600);
        assert_eq!(parse_duration("6h").unwrap(), 21600);
        assert_eq!(parse_duration("2d").unwrap(), 172800);
        assert!(parse_duration("2w").is_err());
        assert!(parse_duration("h").is_err());
    }

    #[test]
    fn test_mode_is_off_by_default_and_loopback_only() {
        let c = Config::resolve(ServeArgs::default()).unwrap();
        assert!(!c.test_mode);
        assert!(c.seed.is_none());
        for listen in ["127.0.0.1:7433", "[::1]:7433", "127.0.0.2:0"] {
            let c = Config::resolve(ServeArgs {
                listen: Some(listen.into()),
                test_mode: Some(true),
                seed: Some("seed.yaml".into()),
                ..Default::default()
            })
            .unwrap();
            assert!(c.test_mode && c.check_test_mode().is_ok(), "{listen}");
            assert_eq!(c.seed.as_deref(), Some(std::path::Path::new("seed.yaml")));
        }
        for listen in ["0.0.0.0:7433", "[::]:7433", "192.168.1.2:7433"] {
            let c = Config::resolve(ServeArgs {
                listen: Some(listen.into()),
                test_mode: Some(true),
                insecure_http: Some(true),
                ..Default::default()
            })
            .unwrap();
            let e = c.check_test_mode().unwrap_err().to_string();
            assert!(e.contains("loopback"), "{listen}: {e}");
        }
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.toml");
        std::fs::write(&file, "test-mode = true\nseed = \"s.json\"\n").unwrap();
        let c = Config::resolve(ServeArgs {
            config: Some(file),
            ..Default::default()
        })
        .unwrap();
        assert!(c.test_mode);
        assert_eq!(c.seed.as_deref(), Some(std::path::Path::new("s.json")));
    }

    #[test]
    fn defaults_and_schemes() {
        let c = Config::resolve(ServeArgs::default()).unwrap();
        assert_eq!(c.listen.to_string(), "127.0.0.1:7433");
        assert_eq!(
            c.database,
            Database::Sqlite(PathBuf::from("./rampart-data/rampart.sqlite"))
        );
        assert_eq!(c.region, "cn-hangzhou");
        assert_eq!(c.audit_retention, 90 * 86400);
        assert_eq!(c.http.header_timeout, Duration::from_secs(10));
        assert_eq!(c.http.body_timeout, Duration::from_secs(30));
        assert_eq!(c.http.idle_timeout, Duration::from_secs(60));
        assert_eq!(c.http.write_timeout, Duration::from_secs(30));
        assert_eq!(c.http.max_connections, 512);
        let mysql = ServeArgs {
            database: Some("mysql://u:p@db:3306/rampart".into()),
            ..Default::default()
        };
        assert_eq!(
            Config::resolve(mysql).unwrap().database,
            Database::Mysql("mysql://u:p@db:3306/rampart".into())
        );
        let bad = ServeArgs {
            database: Some("oracle://x".into()),
            ..Default::default()
        };
        assert!(Config::resolve(bad).is_err());
    }

    #[test]
    fn tls_flags() {
        let c = Config::resolve(ServeArgs::default()).unwrap();
        assert_eq!((c.tls.clone(), c.insecure_http), (None, false));
        assert!(c.check_plain_listen().is_ok(), "loopback stays plain");
        let c = Config::resolve(ServeArgs {
            tls_auto: Some(true),
            tls_hosts: Some("Rampart.Example, 10.0.0.7,,*.svc.local".into()),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(
            c.tls,
            Some(TlsSource::Auto {
                hosts: vec![
                    "rampart.example".into(),
                    "10.0.0.7".into(),
                    "*.svc.local".into()
                ]
            })
        );
        let c = Config::resolve(ServeArgs {
            tls_cert: Some("c.pem".into()),
            tls_key: Some("k.pem".into()),
            listen: Some("0.0.0.0:443".into()),
            ..Default::default()
        })
        .unwrap();
        assert!(c.check_plain_listen().is_ok());
        for bad in [
            ServeArgs {
                tls_cert: Some("c.pem".into()),
                ..Default::default()
            },
            ServeArgs {
                tls_key: Some("k.pem".into()),
                ..Default::default()
            },
            ServeArgs {
                tls_auto: Some(true),
                tls_cert: Some("c.pem".into()),
                tls_key: Some("k.pem".into()),
                ..Default::default()
            },
            ServeArgs {
                tls_hosts: Some("a.example".into()),
                ..Default::default()
            },
            ServeArgs {
                tls_auto: Some(true),
                tls_hosts: Some("bad_name!".into()),
                ..Default::default()
            },
            ServeArgs {
                tls_auto: Some(true),
                insecure_http: Some(true),
                ..Default::default()
            },
        ] {
            assert!(Config::resolve(bad).is_err());
        }
        let open = Config::resolve(ServeArgs {
            listen: Some("0.0.0.0:7433".into()),
            ..Default::default()
        })
        .unwrap();
        let e = open.check_plain_listen().unwrap_err().to_string();
        for flag in ["--tls-auto", "--tls-cert", "--insecure-http"] {
            assert!(e.contains(flag), "{e}");
        }
        let c = Config::resolve(ServeArgs {
            listen: Some("[::ffff:127.0.0.1]:7433".into()),
            ..Default::default()
        })
        .unwrap();
        assert!(c.check_plain_listen().is_ok());
        let c = Config::resolve(ServeArgs {
            listen: Some("0.0.0.0:7433".into()),
            insecure_http: Some(true),
            ..Default::default()
        })
        .unwrap();
        assert!(c.check_plain_listen().is_ok());
        // The TOML file: `tls-auto = true`, `tls-hosts` as text or a list.
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("r.toml");
        std::fs::write(
            &p,
            "tls-auto = true\ntls-hosts = [\"a.example\", \"b.example\"]\n",
        )
        .unwrap();
        let c = Config::resolve(ServeArgs {
            config: Some(p.clone()),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(
            c.tls,
            Some(TlsSource::Auto {
                hosts: vec!["a.example".into(), "b.example".into()]
            })
        );
        // A flag's `false` wins over the file.
        let c = Config::resolve(ServeArgs {
            config: Some(p),
            tls_auto: Some(false),
            tls_hosts: None,
            ..Default::default()
        });
        assert!(c.is_err(), "tls-hosts without tls-auto");
    }

    #[test]
    fn toml_file_under_flags() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("r.toml");
        std::fs::write(
            &p,
            "listen = \"127.0.0.1:9999\"\nregion = \"cn-shanghai\"\n",
        )
        .unwrap();
        let c = Config::resolve(ServeArgs {
            config: Some(p.clone()),
            region: Some("cn-beijing".into()),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(c.listen.port(), 9999);
        assert_eq!(c.region, "cn-beijing");
        std::fs::write(
            &p,
            "audit-retention = \"7d\"\nheader-timeout = \"5s\"\nmax-connections = 10\n",
        )
        .unwrap();
        let c = Config::resolve(ServeArgs {
            config: Some(p.clone()),
            header_timeout: Some("2s".into()),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(c.audit_retention, 7 * 86400);
        assert_eq!(c.http.header_timeout, Duration::from_secs(2));
        assert_eq!(c.http.max_connections, 10);
        assert!(Config::resolve(ServeArgs {
            audit_retention: Some("0s".into()),
            ..Default::default()
        })
        .is_err());
        std::fs::write(&p, "nope = 1\n").unwrap();
        assert!(Config::resolve(ServeArgs {
            config: Some(p),
            ..Default::default()
        })
        .is_err());
    }
}
