//! Configuration: flags, `RAMPART_*` environment variables, and an optional
//! TOML file (`--config`), in that order of precedence, then defaults.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context};
use clap::Args;
use serde::Deserialize;

/// Options of `rampart serve` and `rampart init`.
#[derive(Args, Debug, Default)]
pub struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1:7433].
    #[arg(long, env = "RAMPART_LISTEN")]
    pub listen: Option<String>,
    /// Directory of the embedded database and the master key [default: ./rampart-data].
    #[arg(long, env = "RAMPART_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Database URL, `sqlite://PATH` or `postgres://…`; overrides the data-dir database.
    #[arg(long, env = "RAMPART_DATABASE")]
    pub database: Option<String>,
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
    /// A TOML file with any of the keys above (`listen = "…"`, `data-dir = "…"`).
    #[arg(long, env = "RAMPART_CONFIG")]
    pub config: Option<PathBuf>,
}

#[derive(Deserialize, Debug, Default)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct FileConfig {
    listen: Option<String>,
    data_dir: Option<PathBuf>,
    database: Option<String>,
    region: Option<String>,
    rotation_grace_period: Option<String>,
    min_rotation_interval: Option<String>,
    master_key_file: Option<PathBuf>,
    log_format: Option<String>,
    audit_log: Option<PathBuf>,
    audit_retention: Option<String>,
    header_timeout: Option<String>,
    body_timeout: Option<String>,
    idle_timeout: Option<String>,
    write_timeout: Option<String>,
    max_connections: Option<usize>,
}

/// Where the state lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Database {
    /// An SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL URL.
    Postgres(String),
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
    /// Region id.
    pub region: String,
    /// Grace period of a rotated key, seconds.
    pub rotation_grace_period: u64,
    /// Minimum rotation interval, seconds.
    pub min_rotation_interval: u64,
    /// Master key file.
    pub master_key_file: PathBuf,
    /// JSON logs.
    pub log_json: bool,
    /// Audit trail JSON-lines file (`-`: stdout).
    pub audit_log: Option<PathBuf>,
    /// How long audit events are kept, seconds.
    pub audit_retention: u64,
    /// Timeouts and the connection cap of the HTTP server.
    pub http: HttpLimits,
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
                } else {
                    bail!("database URL must start with `sqlite://` or `postgres://`")
                }
            }
        };
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
        Ok(Self {
            listen,
            data_dir,
            database,
            region,
            rotation_grace_period: grace,
            min_rotation_interval: min_rot,
            master_key_file,
            log_json,
            audit_log: a.audit_log.or(f.audit_log),
            audit_retention,
            http,
        })
    }
}

/// Logs go to stderr; `RAMPART_LOG` sets the filter (default `info`).
pub fn init_tracing(cfg: &Config) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("RAMPART_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
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
        let bad = ServeArgs {
            database: Some("mysql://x".into()),
            ..Default::default()
        };
        assert!(Config::resolve(bad).is_err());
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
