//! Runs real `rampart serve` processes for end-to-end tests (crash safety,
//! replicas) and talks to them with V1-signed requests.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "each test binary uses a part of these helpers; a test fails by panicking"
)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rampart_gateway::sign::client;
use serde_json::Value;

mod db;
#[allow(
    unused_imports,
    reason = "each test binary uses a part of these helpers"
)]
pub use db::{Shared, TestDb};

#[derive(Clone, Debug)]
pub struct Creds {
    pub id: String,
    pub secret: String,
}

pub struct Proc {
    pub port: u16,
    pub data_dir: PathBuf,
    pub args: Vec<String>,
    /// Over HTTPS: the CA certificate trusted (nothing else is).
    pub ca: Option<PathBuf>,
    child: Option<Child>,
}

/// A rustls client configuration trusting only the PEM certificates in `ca`.
pub fn trusting(ca: &Path) -> Option<Arc<rustls::ClientConfig>> {
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls::pki_types::CertificateDer::pem_file_iter(ca).ok()? {
        roots.add(cert.ok()?).ok()?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Some(Arc::new(
        rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .ok()?
            .with_root_certificates(roots)
            .with_no_client_auth(),
    ))
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Proc {
    /// Starts `rampart serve` with `args` on a free port and waits for /healthz.
    /// With `--tls-auto` in `args`, calls go over HTTPS trusting only the
    /// local CA's `ca.pem`.
    pub fn start(data_dir: &Path, args: &[&str]) -> Self {
        let ca = args
            .contains(&"--tls-auto")
            .then(|| data_dir.join("tls").join("ca.pem"));
        Self::start_with_ca(data_dir, args, ca)
    }

    /// Starts a server whose calls go over HTTPS trusting only `ca`, when
    /// given.
    pub fn start_with_ca(data_dir: &Path, args: &[&str], ca: Option<PathBuf>) -> Self {
        let mut p = Self {
            port: free_port(),
            data_dir: data_dir.to_path_buf(),
            args: args.iter().map(|s| s.to_string()).collect(),
            ca,
            child: None,
        };
        p.spawn();
        p
    }

    /// `http://127.0.0.1:PORT`, or `https://localhost:PORT`.
    pub fn base_url(&self) -> String {
        match self.ca {
            Some(_) => format!("https://localhost:{}", self.port),
            None => format!("http://127.0.0.1:{}", self.port),
        }
    }

    /// An HTTP client for this server (over HTTPS, trusting only its CA).
    pub fn agent(&self) -> ureq::Agent {
        let b = ureq::AgentBuilder::new();
        match self.ca.as_deref().and_then(trusting) {
            Some(tls) => b.tls_config(tls).build(),
            None => b.build(),
        }
    }

    /// The process id, for signals.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    fn spawn(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.data_dir.join(format!("server-{}.log", self.port)))
            .unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_rampart"))
            .arg("serve")
            .arg("--listen")
            .arg(format!("127.0.0.1:{}", self.port))
            .arg("--data-dir")
            .arg(&self.data_dir)
            .args(&self.args)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            let url = format!("{}/healthz", self.base_url());
            if let Ok(r) = self.agent().get(&url).call() {
                if r.status() == 200 {
                    return;
                }
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("server on port {} did not become healthy", self.port);
    }

    /// A handle to a running server that this handle does not own.
    pub fn attach(port: u16, data_dir: &Path) -> Self {
        Self {
            port,
            data_dir: data_dir.to_path_buf(),
            args: Vec::new(),
            ca: None,
            child: None,
        }
    }

    /// `kill -9`.
    pub fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Starts the process again on the same port and data dir.
    pub fn restart(&mut self) {
        self.kill9();
        self.spawn();
    }

    pub fn root(&self) -> Creds {
        let v: Value = serde_json::from_str(
            &std::fs::read_to_string(self.data_dir.join("root-credentials.json")).unwrap(),
        )
        .unwrap();
        Creds {
            id: v["AccessKeyId"].as_str().unwrap().into(),
            secret: v["AccessKeySecret"].as_str().unwrap().into(),
        }
    }

    /// The account id, from the credentials file.
    pub fn root_account_id(&self) -> String {
        let v: Value = serde_json::from_str(
            &std::fs::read_to_string(self.data_dir.join("root-credentials.json")).unwrap(),
        )
        .unwrap();
        v["AccountId"].as_str().unwrap().into()
    }

    /// A V1-signed POST; returns (status, body).
    pub fn call(
        &self,
        c: &Creds,
        version: &str,
        action: &str,
        params: &[(&str, &str)],
    ) -> (u16, Value) {
        self.call_with_nonce(c, version, action, params, &rampart_crypto::random_hex(16))
    }

    /// A V1-signed POST with the given signature nonce.
    pub fn call_with_nonce(
        &self,
        c: &Creds,
        version: &str,
        action: &str,
        params: &[(&str, &str)],
        nonce: &str,
    ) -> (u16, Value) {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let ts = rampart_core::time::format(i64::try_from(now).unwrap());
        let signer = client::Signer {
            id: &c.id,
            secret: &c.secret,
            token: None,
        };
        let query = client::v1_query(&signer, "POST", version, action, params, &ts, nonce);
        let url = format!("{}/?{query}", self.base_url());
        let parse = |r: ureq::Response| {
            serde_json::from_str(&r.into_string().unwrap_or_default()).unwrap_or(Value::Null)
        };
        match self
            .agent()
            .post(&url)
            .timeout(Duration::from_secs(20))
            .call()
        {
            Ok(r) => (r.status(), parse(r)),
            Err(ureq::Error::Status(code, r)) => (code, parse(r)),
            Err(e) => (0, Value::String(e.to_string())),
        }
    }

    /// A call that must succeed.
    pub fn ok(&self, c: &Creds, version: &str, action: &str, params: &[(&str, &str)]) -> Value {
        let (st, body) = self.call(c, version, action, params);
        assert_eq!(st, 200, "{action} {params:?}: {body}");
        body
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.kill9();
    }
}

pub const ROLE_POLICY: &str = r#"{"Statement":[{"Effect":"Allow","Action":["ram:ListAccessKeys","ram:CreateAccessKey","ram:DeleteAccessKey","ram:UpdateAccessKey"],"Resource":"*"}],"Version":"1"}"#;
pub const TRUST_KMS: &str = r#"{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{"Service":["kms.aliyuncs.com"]}}],"Version":"1"}"#;
pub const RAM: &str = "2015-05-01";
pub const KMS: &str = "2016-01-20";
pub const STS: &str = "2015-04-01";

/// The seed's setup, then `n` users each with a key and a RAM secret
/// rotating every `interval`. Returns the secret names.
pub fn setup_ram_secrets(p: &Proc, root: &Creds, n: usize, interval: &str) -> Vec<String> {
    p.ok(
        root,
        RAM,
        "CreatePolicy",
        &[
            ("PolicyName", "AliyunKMSManagedRAMCrendentialsRolePolicy"),
            ("PolicyDocument", ROLE_POLICY),
        ],
    );
    p.ok(
        root,
        RAM,
        "CreateRole",
        &[
            ("RoleName", "AliyunKMSManagedRAMCrendentialsRole"),
            ("AssumeRolePolicyDocument", TRUST_KMS),
        ],
    );
    p.ok(
        root,
        RAM,
        "AttachPolicyToRole",
        &[
            ("PolicyType", "Custom"),
            ("PolicyName", "AliyunKMSManagedRAMCrendentialsRolePolicy"),
            ("RoleName", "AliyunKMSManagedRAMCrendentialsRole"),
        ],
    );
    let mut names = Vec::new();
    for i in 0..n {
        let user = format!("app{i}");
        p.ok(root, RAM, "CreateUser", &[("UserName", &user)]);
        let k = p.ok(root, RAM, "CreateAccessKey", &[("UserName", &user)]);
        let data = format!(
            r#"{{"AccessKeys":[{{"AccessKeyId":"{}","AccessKeySecret":"{}"}}]}}"#,
            k["AccessKey"]["AccessKeyId"].as_str().unwrap(),
            k["AccessKey"]["AccessKeySecret"].as_str().unwrap()
        );
        let r = p.ok(
            root,
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
                ("RotationInterval", interval),
            ],
        );
        names.push(r["SecretName"].as_str().unwrap().to_string());
    }
    names
}

/// The current (and previous, if readable) keys of a RAM secret.
pub fn secret_keys(p: &Proc, root: &Creds, name: &str) -> (Creds, Option<Creds>) {
    let get = |stage: &str| {
        let (st, body) = p.call(
            root,
            KMS,
            "GetSecretValue",
            &[("SecretName", name), ("VersionStage", stage)],
        );
        (st == 200).then(|| {
            let d: Value = serde_json::from_str(body["SecretData"].as_str().unwrap()).unwrap();
            Creds {
                id: d["AccessKeyId"].as_str().unwrap().into(),
                secret: d["AccessKeySecret"].as_str().unwrap().into(),
            }
        })
    };
    (
        get("ACSCurrent").expect("ACSCurrent must always be readable"),
        get("ACSPrevious"),
    )
}

/// The AccessKeyIds a user holds.
pub fn user_keys(p: &Proc, root: &Creds, user: &str) -> Vec<String> {
    p.ok(root, RAM, "ListAccessKeys", &[("UserName", user)])["AccessKeys"]["AccessKey"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["AccessKeyId"].as_str().unwrap().to_string())
        .collect()
}

/// Checks every secret: its current key works, its user holds at most two
/// keys, the current one and at most the previous one (none orphaned).
/// Returns the current key ids.
pub fn check_invariants(p: &Proc, root: &Creds, names: &[String]) -> Vec<String> {
    let mut currents = Vec::new();
    for name in names {
        let user = name.rsplit('/').next().unwrap();
        // Rotations go on while this reads: judge the user's keys only
        // between two identical readings of the secret (each rotation step
        // changes the secret and the keys in one transaction).
        let (current, previous, held) = (0..20)
            .find_map(|_| {
                let before = secret_keys(p, root, name);
                let held = user_keys(p, root, user);
                let after = secret_keys(p, root, name);
                let same = before.0.id == after.0.id
                    && before.1.as_ref().map(|k| &k.id) == after.1.as_ref().map(|k| &k.id);
                same.then_some((before.0, before.1, held))
            })
            .expect("the secret kept changing while it was read");
        let (st, body) = p.call(&current, STS, "GetCallerIdentity", &[]);
        assert_eq!(st, 200, "the current key of {name} must work: {body}");
        assert!(held.len() <= 2, "{user} holds {held:?}");
        assert!(
            held.contains(&current.id),
            "{user}: current key {} missing from {held:?}",
            current.id
        );
        for k in &held {
            let is_prev = previous.as_ref().is_some_and(|pk| &pk.id == k);
            assert!(
                k == &current.id || is_prev,
                "{user}: key {k} is orphaned (current {}, previous {previous:?})",
                current.id
            );
        }
        currents.push(current.id);
    }
    currents
}

/// Checks from the audit trail that no rotation ran twice: per user, the
/// service role's `CreateAccessKey` calls are at least a second apart
/// (rotation intervals are 2 s), and every one of `users` users was
/// rotated. Returns how many rotations there were.
pub fn rotated_once(p: &Proc, root: &Creds, users: usize) -> usize {
    let mut times: HashMap<String, Vec<i64>> = HashMap::new();
    let mut token = String::new();
    loop {
        let mut params = vec![
            ("LookupAttribute.1.Key", "EventName"),
            ("LookupAttribute.1.Value", "CreateAccessKey"),
            ("StartTime", "2020-01-01T00:00:00Z"),
            ("EndTime", "2099-01-01T00:00:00Z"),
            ("MaxResults", "50"),
        ];
        if !token.is_empty() {
            params.push(("NextToken", token.as_str()));
        }
        let page = p.ok(root, "2020-07-06", "LookupEvents", &params);
        for e in page["Events"].as_array().unwrap() {
            if e["userIdentity"]["type"] == "assumed-role" && e.get("errorCode").is_none() {
                let t = rampart_core::time::parse(e["eventTime"].as_str().unwrap()).unwrap();
                times
                    .entry(e["resourceName"].as_str().unwrap().to_string())
                    .or_default()
                    .push(t);
            }
        }
        token = page["NextToken"].as_str().unwrap_or_default().to_string();
        if token.is_empty() {
            break;
        }
    }
    assert_eq!(times.len(), users, "every user's key was rotated");
    let mut total = 0;
    for (user, mut ts) in times {
        ts.sort_unstable();
        total += ts.len();
        for w in ts.windows(2) {
            assert!(
                w[1] - w[0] >= 1,
                "{user} rotated twice within a second: {ts:?}"
            );
        }
    }
    total
}
