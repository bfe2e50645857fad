//! Test support (cargo feature `testing`): a private PostgreSQL cluster
//! that checks passwords, and unique account names.
//!
//! A shared PostgreSQL with `trust` authentication accepts any password
//! and so proves nothing about one; [`PgCluster::start`] makes a cluster
//! of its own in a temporary directory:
//!
//! - `initdb` with `-A scram-sha-256` (local and host connections), an
//!   admin superuser [`PgCluster::ADMIN`] with a random password;
//! - the server listens on 127.0.0.1 on a free port, its Unix socket in
//!   the temporary directory, with `log_statement = 'all'` into
//!   [`PgCluster::log_path`] and `pg_stat_statements` loaded and created in
//!   the `postgres` database;
//! - run as root (as CI does), `initdb` and `pg_ctl` refuse to work, so
//!   the directory is given to the `postgres` user and both run through
//!   `runuser -u postgres --`; otherwise they run as the current user;
//! - the binaries: `$RAMPART_PG_BIN`, else the newest
//!   `/usr/lib/postgresql/<version>/bin` (Debian's layout), else `initdb`
//!   and `pg_ctl` on the `PATH`;
//! - it is stopped (`pg_ctl stop -m immediate`) and deleted on `Drop`,
//!   and also by a small watchdog process once the test process has
//!   exited, so a cluster kept in a `static` (whose `Drop` never runs) or
//!   left by a crashed test goes too.
//!
//! ```no_run
//! use std::sync::OnceLock;
//! use rampart_dbrotate::testing::PgCluster;
//!
//! fn cluster() -> &'static PgCluster {
//!     static CLUSTER: OnceLock<PgCluster> = OnceLock::new();
//!     CLUSTER.get_or_init(|| PgCluster::start().unwrap_or_else(|e| panic!("{e}")))
//! }
//! let instance = cluster().instance();
//! ```

use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{SystemTime, UNIX_EPOCH};

use rand::Rng;

use crate::{Engine, Instance, Secret};

/// A private PostgreSQL cluster with password authentication; see the
/// module's docs.
pub struct PgCluster {
    root: PathBuf,
    data: PathBuf,
    log: PathBuf,
    bin: PathBuf,
    port: u16,
    admin_password: Secret,
    as_postgres: bool,
    watchdog: Option<Child>,
    stopped: bool,
}

impl std::fmt::Debug for PgCluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgCluster")
            .field("root", &self.root)
            .field("port", &self.port)
            .finish_non_exhaustive()
    }
}

/// `n` random lowercase letters and digits.
pub fn random_suffix(n: usize) -> String {
    const CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::thread_rng();
    (0..n)
        .map(|_| char::from(CHARS[rng.gen_range(0..CHARS.len())]))
        .collect()
}

/// A fresh account name valid on every engine: `<prefix>_<8 random>`
/// (`prefix` should start with a letter and keep the whole within 32
/// characters, leaving room for `_clone`).
pub fn unique_name(prefix: &str) -> String {
    format!("{prefix}_{}", random_suffix(8))
}

/// A password of `n` random letters and digits.
pub fn random_password(n: usize) -> Secret {
    let mut rng = rand::thread_rng();
    Secret::new(
        (0..n)
            .map(|_| char::from(rng.sample(rand::distributions::Alphanumeric)))
            .collect::<String>(),
    )
}

/// The uid and gid of user `name`, from `/etc/passwd`.
fn user_ids(name: &str) -> Option<(u32, u32)> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|l| {
        let f: Vec<&str> = l.split(':').collect();
        (f.first() == Some(&name) && f.len() > 3)
            .then(|| Some((f[2].parse().ok()?, f[3].parse().ok()?)))
            .flatten()
    })
}

/// The directory holding `initdb` and `pg_ctl`.
fn find_bin() -> Result<PathBuf, String> {
    if let Ok(dir) = std::env::var("RAMPART_PG_BIN") {
        return Ok(PathBuf::from(dir));
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let v: u32 = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((v, bin))
        })
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return Ok(bin);
    }
    // On the PATH: an empty directory makes `bin.join(x)` just `x`.
    Ok(PathBuf::new())
}

/// A TCP port free on 127.0.0.1 just now.
fn free_port() -> Result<u16, String> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| format!("bind: {e}"))?;
    l.local_addr()
        .map(|a| a.port())
        .map_err(|e| format!("local_addr: {e}"))
}

impl PgCluster {
    /// The admin (superuser) role's name.
    pub const ADMIN: &'static str = "rampart_admin";

    /// Creates and starts a cluster; see the module's docs.
    pub fn start() -> Result<Self, String> {
        let bin = find_bin()?;
        let as_root = std::fs::metadata("/proc/self")
            .map(|m| m.uid() == 0)
            .unwrap_or(false);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let root = std::env::temp_dir().join(format!(
            "rampart-pg-{}-{nanos}-{}",
            std::process::id(),
            random_suffix(6)
        ));
        std::fs::create_dir_all(&root).map_err(|e| format!("{}: {e}", root.display()))?;
        let mut cluster = Self {
            data: root.join("data"),
            log: root.join("server.log"),
            root,
            bin,
            port: 0,
            admin_password: random_password(24),
            as_postgres: as_root,
            watchdog: None,
            stopped: false,
        };
        // From here on, Drop cleans up whatever happens.
        cluster.spawn_watchdog()?;
        cluster.init()?;
        cluster.launch()?;
        cluster.prepare()?;
        Ok(cluster)
    }

    /// `program` from the cluster's binaries, as the `postgres` user when
    /// running as root, in the cluster's directory.
    fn command(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        let mut c = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(path);
            c
        } else {
            Command::new(path)
        };
        c.current_dir(&self.root).stdin(Stdio::null());
        c
    }

    fn run(&self, mut c: Command, what: &str) -> Result<(), String> {
        let out = c.output().map_err(|e| format!("{what}: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{what} failed ({}): {}{}",
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ))
        }
    }

    fn init(&mut self) -> Result<(), String> {
        std::fs::set_permissions(&self.root, std::fs::Permissions::from_mode(0o700))
            .map_err(|e| format!("chmod: {e}"))?;
        let pwfile = self.root.join("pwfile");
        std::fs::write(&pwfile, self.admin_password.expose())
            .map_err(|e| format!("pwfile: {e}"))?;
        if self.as_postgres {
            let (uid, gid) =
                user_ids("postgres").ok_or("running as root, but there is no `postgres` user")?;
            for p in [&self.root, &pwfile] {
                std::os::unix::fs::chown(p, Some(uid), Some(gid))
                    .map_err(|e| format!("chown {}: {e}", p.display()))?;
            }
        }
        let mut c = self.command("initdb");
        c.arg("-D")
            .arg(&self.data)
            .args(["-U", Self::ADMIN, "-A", "scram-sha-256", "-E", "UTF8"])
            .args(["--locale=C", "-N", "--no-instructions"])
            .arg(format!("--pwfile={}", pwfile.display()));
        self.run(c, "initdb")?;
        let _ = std::fs::remove_file(&pwfile);
        let conf = format!(
            "\n# rampart-dbrotate testing\n\
             listen_addresses = '127.0.0.1'\n\
             unix_socket_directories = '{}'\n\
             log_statement = 'all'\n\
             log_line_prefix = '%m [%p] %q%u@%d '\n\
             logging_collector = off\n\
             shared_preload_libraries = 'pg_stat_statements'\n\
             password_encryption = 'scram-sha-256'\n\
             fsync = off\n\
             synchronous_commit = off\n\
             full_page_writes = off\n\
             max_connections = 60\n\
             shared_buffers = '16MB'\n",
            self.root.display()
        );
        let conf_path = self.data.join("postgresql.conf");
        let mut text = std::fs::read_to_string(&conf_path)
            .map_err(|e| format!("{}: {e}", conf_path.display()))?;
        text.push_str(&conf);
        std::fs::write(&conf_path, text).map_err(|e| format!("{}: {e}", conf_path.display()))
    }

    fn launch(&mut self) -> Result<(), String> {
        let mut last = String::new();
        for _ in 0..5 {
            self.port = free_port()?;
            let mut c = self.command("pg_ctl");
            c.arg("-D")
                .arg(&self.data)
                .arg("-l")
                .arg(&self.log)
                .args(["-w", "-t", "60", "-o"])
                .arg(format!("-p {}", self.port))
                .arg("start");
            match self.run(c, "pg_ctl start") {
                Ok(()) => return Ok(()),
                Err(e) => last = format!("{e}\n{}", self.server_log()),
            }
        }
        Err(last)
    }

    fn prepare(&self) -> Result<(), String> {
        let mut c = self.admin_client()?;
        c.batch_execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
            .map_err(|e| format!("pg_stat_statements: {e}"))
    }

    /// Stops and removes the cluster once this process has exited.
    fn spawn_watchdog(&mut self) -> Result<(), String> {
        let script = r#"
while kill -0 "$1" 2>/dev/null; do sleep 1; done
if [ -f "$3/postmaster.pid" ]; then
  if [ "$5" = 1 ]; then runuser -u postgres -- "$2" -D "$3" -m immediate stop
  else "$2" -D "$3" -m immediate stop; fi
fi >/dev/null 2>&1
rm -rf "$4"
"#;
        let child = Command::new("sh")
            .arg("-c")
            .arg(script)
            .arg("rampart-pg-watchdog")
            .arg(std::process::id().to_string())
            .arg(self.bin.join("pg_ctl"))
            .arg(&self.data)
            .arg(&self.root)
            .arg(if self.as_postgres { "1" } else { "0" })
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("watchdog: {e}"))?;
        self.watchdog = Some(child);
        Ok(())
    }

    /// The port the server listens on (127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The admin (superuser) role's password.
    pub fn admin_password(&self) -> &Secret {
        &self.admin_password
    }

    /// The server's log file (every statement, `log_statement = 'all'`).
    pub fn log_path(&self) -> &Path {
        &self.log
    }

    /// The server's log so far.
    pub fn server_log(&self) -> String {
        std::fs::read(&self.log)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    }

    /// The cluster as an [`Instance`] whose admin is the superuser,
    /// connecting to the `postgres` database over TCP.
    pub fn instance(&self) -> Instance {
        Instance::new(
            Engine::PostgreSql,
            "127.0.0.1",
            self.port,
            Self::ADMIN,
            self.admin_password.clone(),
        )
        .with_database("postgres")
    }

    /// A connection to `database` as the superuser.
    pub fn client(&self, database: &str) -> Result<postgres::Client, String> {
        postgres::Config::new()
            .host("127.0.0.1")
            .port(self.port)
            .user(Self::ADMIN)
            .password(self.admin_password.expose())
            .dbname(database)
            .connect(postgres::NoTls)
            .map_err(|e| format!("connecting to the test cluster: {e}"))
    }

    /// A connection to the `postgres` database as the superuser.
    pub fn admin_client(&self) -> Result<postgres::Client, String> {
        self.client("postgres")
    }

    /// Turns TLS on (`ssl = on`, then a reload) with the server
    /// certificate chain `cert_pem` and its private key `key_pem` (PEM
    /// texts). Plain connections keep working.
    pub fn enable_tls(&self, cert_pem: &str, key_pem: &str) -> Result<(), String> {
        let cert = self.data.join("server.crt");
        let key = self.data.join("server.key");
        std::fs::write(&cert, cert_pem).map_err(|e| format!("server.crt: {e}"))?;
        std::fs::write(&key, key_pem).map_err(|e| format!("server.key: {e}"))?;
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| format!("chmod server.key: {e}"))?;
        if self.as_postgres {
            let (uid, gid) = user_ids("postgres").ok_or("no `postgres` user")?;
            for p in [&cert, &key] {
                std::os::unix::fs::chown(p, Some(uid), Some(gid))
                    .map_err(|e| format!("chown {}: {e}", p.display()))?;
            }
        }
        let conf = self.data.join("postgresql.conf");
        let mut text =
            std::fs::read_to_string(&conf).map_err(|e| format!("{}: {e}", conf.display()))?;
        text.push_str("ssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n");
        std::fs::write(&conf, text).map_err(|e| format!("{}: {e}", conf.display()))?;
        let mut c = self.command("pg_ctl");
        c.arg("-D").arg(&self.data).arg("reload");
        self.run(c, "pg_ctl reload")?;
        // The reload is asynchronous.
        for _ in 0..100 {
            let mut client = self.admin_client()?;
            let on: String = client
                .query_one("SHOW ssl", &[])
                .map_err(|e| format!("SHOW ssl: {e}"))?
                .get(0);
            if on == "on" {
                return Ok(());
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        Err(format!(
            "ssl is still off after the reload: {}",
            self.server_log()
        ))
    }

    /// Stops the server and deletes its directory (done by `Drop` too).
    pub fn stop(&mut self) {
        if self.stopped {
            return;
        }
        self.stopped = true;
        if self.data.join("postmaster.pid").exists() {
            let mut c = self.command("pg_ctl");
            c.arg("-D")
                .arg(&self.data)
                .args(["-m", "immediate", "stop"])
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            let _ = c.status();
        }
        let _ = std::fs::remove_dir_all(&self.root);
        if let Some(mut w) = self.watchdog.take() {
            let _ = w.kill();
            let _ = w.wait();
        }
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        self.stop();
    }
}
