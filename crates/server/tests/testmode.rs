//! `rampart serve --test-mode` and `--seed`: the control API under
//! `/_rampart/` (404 without test mode, refused off loopback, its
//! authentication), the test clock driving rotations while signatures stay
//! on the wall clock, reset, snapshots, the offset across a restart, and
//! seed files.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails by panicking"
)]

mod harness;

use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use harness::{secret_keys, setup_ram_secrets, user_keys, Creds, Proc, KMS, RAM, STS};
use rampart_gateway::sign::v3;
use serde_json::Value;

fn token(p: &Proc) -> String {
    std::fs::read_to_string(p.data_dir.join("test-token"))
        .unwrap()
        .trim()
        .to_string()
}

/// A control request with `headers`; returns (status, body).
fn control_with(p: &Proc, method: &str, path: &str, headers: &[(&str, &str)]) -> (u16, Value) {
    let mut req = p
        .agent()
        .request(method, &format!("{}{path}", p.base_url()))
        .timeout(Duration::from_secs(60));
    for (k, v) in headers {
        req = req.set(k, v);
    }
    let parse =
        |r: ureq::Response| serde_json::from_str(&r.into_string().unwrap()).unwrap_or(Value::Null);
    match req.call() {
        Ok(r) => (r.status(), parse(r)),
        Err(ureq::Error::Status(code, r)) => (code, parse(r)),
        Err(e) => panic!("{method} {path}: {e}"),
    }
}

/// A control request with the token; must succeed.
fn control(p: &Proc, method: &str, path: &str) -> Value {
    let t = format!("Bearer {}", token(p));
    let (st, body) = control_with(p, method, path, &[("Authorization", &t)]);
    assert_eq!(st, 200, "{method} {path}: {body}");
    body
}

/// Headers of a V3-signed (`ACS3-HMAC-SHA256`) control request.
fn v3_headers(
    p: &Proc,
    c: &Creds,
    method: &str,
    path: &str,
    query: &[(&str, &str)],
) -> Vec<(String, String)> {
    let pairs: Vec<(String, String)> = query
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let body_hash = rampart_crypto::sha256_hex(b"");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let mut headers = vec![
        ("host".to_string(), format!("127.0.0.1:{}", p.port)),
        ("x-acs-action".into(), "Control".into()),
        ("x-acs-version".into(), "2015-05-01".into()),
        (
            "x-acs-date".into(),
            rampart_core::time::format(i64::try_from(now).unwrap()),
        ),
        (
            "x-acs-signature-nonce".into(),
            rampart_crypto::random_hex(16),
        ),
        ("x-acs-content-sha256".into(), body_hash.clone()),
    ];
    let signed: Vec<(String, Vec<String>)> = headers
        .iter()
        .map(|(k, v)| (k.clone(), vec![v.clone()]))
        .collect();
    let canonical = v3::canonical_request(&v3::CanonicalInput {
        method,
        path,
        query: &v3::canonical_query(&pairs, true),
        headers: &signed,
        hashed_payload: &body_hash,
    });
    let sig = v3::sign(
        v3::Algorithm::HmacSha256,
        &c.secret,
        &v3::string_to_sign(v3::Algorithm::HmacSha256, &canonical),
    );
    let mut names: Vec<&str> = headers.iter().map(|(k, _)| k.as_str()).collect();
    names.sort_unstable();
    let auth = format!(
        "ACS3-HMAC-SHA256 Credential={},SignedHeaders={},Signature={sig}",
        c.id,
        names.join(";")
    );
    headers.push(("authorization".into(), auth));
    headers.retain(|(k, _)| k != "host");
    headers
}

fn signed_control(p: &Proc, c: &Creds, method: &str, path: &str) -> (u16, Value) {
    let (bare, query) = path.split_once('?').unwrap_or((path, ""));
    let pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let q: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let h = v3_headers(p, c, method, bare, &q);
    let h: Vec<(&str, &str)> = h.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    control_with(p, method, path, &h)
}

fn start_test_mode(dir: &std::path::Path) -> Proc {
    Proc::start(dir, &["--test-mode"])
}

fn caller_ok(p: &Proc, c: &Creds) -> bool {
    p.call(c, STS, "GetCallerIdentity", &[]).0 == 200
}

#[test]
fn control_api_is_404_without_test_mode() {
    let dir = tempfile::tempdir().unwrap();
    let p = Proc::start(dir.path(), &[]);
    for (method, path) in [
        ("GET", "/_rampart/clock"),
        ("POST", "/_rampart/clock/advance?by=1d"),
        ("POST", "/_rampart/reset"),
        ("POST", "/_rampart/snapshot"),
        ("POST", "/_rampart/restore?name=default"),
        ("GET", "/_rampart/"),
    ] {
        let (st, body) = control_with(&p, method, path, &[]);
        assert_eq!(st, 404, "{method} {path}: {body}");
        assert_eq!(body["Code"], "InvalidAction.NotFound", "{body}");
    }
    assert!(!dir.path().join("test-token").exists());
    // The API itself is unchanged.
    assert!(caller_ok(&p, &p.root()));
}

#[test]
fn test_mode_is_refused_off_loopback() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(["serve", "--test-mode", "--insecure-http", "--listen"])
        .arg(format!("0.0.0.0:{}", harness::free_port()))
        .arg("--data-dir")
        .arg(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--test-mode") && err.contains("loopback"),
        "{err}"
    );
    assert!(
        !dir.path().join("rampart.sqlite").exists(),
        "nothing opened"
    );
}

#[test]
fn control_api_needs_the_token_or_a_root_signature() {
    let dir = tempfile::tempdir().unwrap();
    let p = start_test_mode(dir.path());
    let mode = std::fs::metadata(dir.path().join("test-token"))
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600);
    let t = token(&p);
    assert!(t.len() >= 32);

    let (st, body) = control_with(&p, "GET", "/_rampart/clock", &[]);
    assert_eq!(st, 403, "{body}");
    assert_eq!(body["Code"], "Forbidden.TestMode");
    let (st, _) = control_with(
        &p,
        "GET",
        "/_rampart/clock",
        &[("Authorization", "Bearer nope")],
    );
    assert_eq!(st, 403);
    let (st, _) = control_with(
        &p,
        "POST",
        "/_rampart/reset",
        &[("X-Rampart-Test-Token", "nope")],
    );
    assert_eq!(st, 403);

    let bearer = format!("Bearer {t}");
    let (st, body) = control_with(&p, "GET", "/_rampart/clock", &[("Authorization", &bearer)]);
    assert_eq!(st, 200, "{body}");
    assert_eq!(body["OffsetSeconds"], 0);
    assert!(body["Now"].as_str().unwrap().ends_with('Z'));
    let (st, _) = control_with(
        &p,
        "GET",
        "/_rampart/clock",
        &[("X-Rampart-Test-Token", &t)],
    );
    assert_eq!(st, 200);

    // Signed by the root key (V3): accepted; by a user's key: refused.
    let root = p.root();
    let (st, body) = signed_control(&p, &root, "POST", "/_rampart/clock/advance?by=90s");
    assert_eq!(st, 200, "{body}");
    assert_eq!(body["OffsetSeconds"], 90);
    p.ok(&root, RAM, "CreateUser", &[("UserName", "u")]);
    p.ok(
        &root,
        RAM,
        "AttachPolicyToUser",
        &[
            ("PolicyType", "System"),
            ("PolicyName", "AdministratorAccess"),
            ("UserName", "u"),
        ],
    );
    let k = p.ok(&root, RAM, "CreateAccessKey", &[("UserName", "u")]);
    let user = Creds {
        id: k["AccessKey"]["AccessKeyId"].as_str().unwrap().into(),
        secret: k["AccessKey"]["AccessKeySecret"].as_str().unwrap().into(),
    };
    let (st, body) = signed_control(&p, &user, "GET", "/_rampart/clock");
    assert_eq!(st, 403, "{body}");
    // A wrong signature is refused.
    let bad = Creds {
        id: root.id.clone(),
        secret: "wrong".into(),
    };
    let (st, _) = signed_control(&p, &bad, "GET", "/_rampart/clock");
    assert_eq!(st, 403);

    // Bad durations and unknown paths.
    let (st, body) = control_with(
        &p,
        "POST",
        "/_rampart/clock/advance?by=0s",
        &[("Authorization", &bearer)],
    );
    assert_eq!(st, 400, "{body}");
    let (st, _) = control_with(
        &p,
        "POST",
        "/_rampart/clock/advance?by=2w",
        &[("Authorization", &bearer)],
    );
    assert_eq!(st, 400);
    let (st, _) = control_with(
        &p,
        "POST",
        "/_rampart/clock/advance",
        &[("Authorization", &bearer)],
    );
    assert_eq!(st, 400);
    // Past 100 years the clock would name dates no answer can write.
    let (st, body) = control_with(
        &p,
        "POST",
        "/_rampart/clock/advance?by=99999999999d",
        &[("Authorization", &bearer)],
    );
    assert_eq!(
        (st, body["Code"].as_str()),
        (400, Some("InvalidParameter.By")),
        "{body}"
    );
    let (st, clock) = control_with(&p, "GET", "/_rampart/clock", &[("Authorization", &bearer)]);
    assert_eq!(st, 200);
    assert!(
        clock["Now"].as_str().is_some_and(|n| n.starts_with("20")),
        "{clock}"
    );
    let (st, _) = control_with(
        &p,
        "GET",
        "/_rampart/nothing",
        &[("Authorization", &bearer)],
    );
    assert_eq!(st, 404);
    let (st, _) = control_with(&p, "GET", "/_rampart/reset", &[("Authorization", &bearer)]);
    assert_eq!(st, 405);
}

#[test]
fn advance_rotates_a_ram_secret_and_ends_its_grace_period() {
    let dir = tempfile::tempdir().unwrap();
    let p = start_test_mode(dir.path());
    let root = p.root();
    let names = setup_ram_secrets(&p, &root, 1, "7d");
    let (k0, prev) = secret_keys(&p, &root, &names[0]);
    assert!(prev.is_none());
    assert!(caller_ok(&p, &k0));

    let out = control(&p, "POST", "/_rampart/clock/advance?by=6d");
    assert_eq!(out["Ran"]["Rotations"], 0, "{out}");
    assert_eq!(secret_keys(&p, &root, &names[0]).0.id, k0.id);

    let out = control(&p, "POST", "/_rampart/clock/advance?by=1d");
    assert_eq!(out["OffsetSeconds"], 7 * 86400);
    assert_eq!(out["Ran"]["Rotations"], 1, "{out}");
    let (k1, prev) = secret_keys(&p, &root, &names[0]);
    assert_ne!(k1.id, k0.id, "a new key is current");
    assert_eq!(prev.unwrap().id, k0.id);
    assert!(caller_ok(&p, &k1), "the new key works");
    assert!(
        caller_ok(&p, &k0),
        "the old key works during the grace period"
    );
    assert_eq!(user_keys(&p, &root, "app0").len(), 2);

    let out = control(&p, "POST", "/_rampart/clock/advance?by=3d");
    assert_eq!(out["Ran"]["GracePeriodsEnded"], 1, "{out}");
    let (st, body) = p.call(&k0, STS, "GetCallerIdentity", &[]);
    assert_eq!(st, 404, "{body}");
    assert_eq!(body["Code"], "InvalidAccessKeyId.NotFound");
    assert!(caller_ok(&p, &k1));
    assert_eq!(user_keys(&p, &root, "app0"), vec![k1.id.clone()]);

    // The secret's dates follow the test clock.
    let d = p.ok(&root, KMS, "DescribeSecret", &[("SecretName", &names[0])]);
    let next = d["NextRotationDate"].as_str().unwrap();
    let clock = control(&p, "GET", "/_rampart/clock");
    assert!(next > clock["Now"].as_str().unwrap(), "{next} vs {clock}");
}

#[test]
fn signed_requests_still_succeed_after_advancing_30_days() {
    let dir = tempfile::tempdir().unwrap();
    let p = start_test_mode(dir.path());
    let root = p.root();
    let before = control(&p, "GET", "/_rampart/clock")["NowUnix"]
        .as_i64()
        .unwrap();
    let out = control(&p, "POST", "/_rampart/clock/advance?by=30d");
    let after = out["NowUnix"].as_i64().unwrap();
    assert!(after - before >= 30 * 86400, "{before} -> {after}");
    // V1 (the harness) signs with the real time.
    let u = p.ok(&root, RAM, "CreateUser", &[("UserName", "later")]);
    // Times written follow the test clock.
    let created = u["User"]["CreateDate"].as_str().unwrap().to_string();
    assert!(
        created >= rampart_core::time::format(after - 5),
        "{created}"
    );
    assert!(caller_ok(&p, &root));
    // And V3 to the control API.
    let (st, body) = signed_control(&p, &root, "GET", "/_rampart/clock");
    assert_eq!(st, 200, "{body}");
}

#[test]
fn reset_empties_the_account_and_keeps_the_root_key() {
    let dir = tempfile::tempdir().unwrap();
    let p = start_test_mode(dir.path());
    let root = p.root();
    let account = p.root_account_id();
    let names = setup_ram_secrets(&p, &root, 2, "7d");
    assert_eq!(names.len(), 2);
    p.ok(&root, RAM, "CreateGroup", &[("GroupName", "g")]);
    p.ok(&root, KMS, "CreateKey", &[]);
    p.ok(
        &root,
        KMS,
        "CreateSecret",
        &[
            ("SecretName", "plain"),
            ("SecretData", "x"),
            ("VersionId", "v1"),
        ],
    );
    control(&p, "POST", "/_rampart/clock/advance?by=1d");

    let started = Instant::now();
    let out = control(&p, "POST", "/_rampart/reset");
    let took = started.elapsed();
    eprintln!(
        "reset: {:?} round trip, {} ms in the server",
        took, out["Milliseconds"]
    );
    assert!(took < Duration::from_secs(2), "{took:?}");
    assert_eq!(out["OffsetSeconds"], 0);

    assert!(caller_ok(&p, &root), "the root key still works");
    let who = p.ok(&root, STS, "GetCallerIdentity", &[]);
    assert_eq!(who["AccountId"], account.as_str());
    let users = p.ok(&root, RAM, "ListUsers", &[]);
    assert_eq!(
        users["Users"]["User"].as_array().unwrap().len(),
        0,
        "{users}"
    );
    let groups = p.ok(&root, RAM, "ListGroups", &[]);
    assert_eq!(groups["Groups"]["Group"].as_array().unwrap().len(), 0);
    let roles = p.ok(&root, RAM, "ListRoles", &[]);
    assert_eq!(roles["Roles"]["Role"].as_array().unwrap().len(), 0);
    let custom = p.ok(&root, RAM, "ListPolicies", &[("PolicyType", "Custom")]);
    assert_eq!(custom["Policies"]["Policy"].as_array().unwrap().len(), 0);
    let system = p.ok(&root, RAM, "ListPolicies", &[("PolicyType", "System")]);
    assert!(!system["Policies"]["Policy"].as_array().unwrap().is_empty());
    let secrets = p.ok(&root, KMS, "ListSecrets", &[]);
    assert_eq!(secrets["TotalCount"], 0, "{secrets}");
    let keys = p.ok(&root, KMS, "ListKeys", &[]);
    assert_eq!(keys["TotalCount"], 0, "{keys}");
    assert_eq!(control(&p, "GET", "/_rampart/clock")["OffsetSeconds"], 0);
    // The same names can be created again.
    let again = setup_ram_secrets(&p, &root, 1, "7d");
    assert_eq!(again.len(), 1);
    p.ok(
        &root,
        KMS,
        "CreateSecret",
        &[
            ("SecretName", "plain"),
            ("SecretData", "y"),
            ("VersionId", "v1"),
        ],
    );
    let v = p.ok(&root, KMS, "GetSecretValue", &[("SecretName", "plain")]);
    assert_eq!(v["SecretData"], "y");
}

#[test]
fn snapshot_and_restore_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let p = start_test_mode(dir.path());
    let root = p.root();
    p.ok(&root, RAM, "CreateUser", &[("UserName", "kept")]);
    p.ok(
        &root,
        KMS,
        "CreateSecret",
        &[
            ("SecretName", "s"),
            ("SecretData", "one"),
            ("VersionId", "v1"),
        ],
    );
    control(&p, "POST", "/_rampart/clock/advance?by=1h");

    let started = Instant::now();
    let snap = control(&p, "POST", "/_rampart/snapshot?name=base");
    eprintln!(
        "snapshot: {:?} round trip, {} ms in the server",
        started.elapsed(),
        snap["Milliseconds"]
    );
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(snap["OffsetSeconds"], 3600);

    p.ok(&root, RAM, "DeleteUser", &[("UserName", "kept")]);
    p.ok(&root, RAM, "CreateUser", &[("UserName", "later")]);
    p.ok(
        &root,
        KMS,
        "PutSecretValue",
        &[
            ("SecretName", "s"),
            ("SecretData", "two"),
            ("VersionId", "v2"),
        ],
    );
    control(&p, "POST", "/_rampart/clock/advance?by=2d");
    assert_eq!(
        p.ok(&root, KMS, "GetSecretValue", &[("SecretName", "s")])["SecretData"],
        "two"
    );

    let started = Instant::now();
    let out = control(&p, "POST", "/_rampart/restore?name=base");
    eprintln!(
        "restore: {:?} round trip, {} ms in the server",
        started.elapsed(),
        out["Milliseconds"]
    );
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(
        out["OffsetSeconds"], 3600,
        "the clock comes back with the state"
    );

    let users: Vec<String> = p.ok(&root, RAM, "ListUsers", &[])["Users"]["User"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["UserName"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(users, vec!["kept".to_string()]);
    assert_eq!(
        p.ok(&root, KMS, "GetSecretValue", &[("SecretName", "s")])["SecretData"],
        "one"
    );
    assert!(caller_ok(&p, &root));

    // The default name, and an unknown one.
    control(&p, "POST", "/_rampart/snapshot");
    control(&p, "POST", "/_rampart/restore");
    let bearer = format!("Bearer {}", token(&p));
    let (st, body) = control_with(
        &p,
        "POST",
        "/_rampart/restore?name=none",
        &[("Authorization", &bearer)],
    );
    assert_eq!(st, 404, "{body}");
    assert_eq!(body["Code"], "SnapshotNotFound");
    let (st, _) = control_with(
        &p,
        "POST",
        "/_rampart/snapshot?name=../x",
        &[("Authorization", &bearer)],
    );
    assert_eq!(st, 400);
}

#[test]
fn the_clock_offset_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = start_test_mode(dir.path());
    control(&p, "POST", "/_rampart/clock/advance?by=2d");
    p.restart();
    let c = control(&p, "GET", "/_rampart/clock");
    assert_eq!(c["OffsetSeconds"], 2 * 86400);
    let wall = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    assert!(
        (c["NowUnix"].as_i64().unwrap() - wall - 2 * 86400).abs() <= 5,
        "{c}"
    );
    assert!(caller_ok(&p, &p.root()));
}

const SEED: &str = r#"# A seeded account.
Policies:
  - PolicyName: ReadSecrets
    Description: Reads secrets
    PolicyDocument:
      Version: "1"
      Statement:
        - Effect: Allow
          Action: ["kms:GetSecretValue", "kms:DescribeSecret", "kms:Decrypt"]
          Resource: "*"
  - PolicyName: AliyunKMSManagedRAMCrendentialsRolePolicy
    PolicyDocument: '{"Version":"1","Statement":[{"Effect":"Allow","Action":["ram:ListAccessKeys","ram:CreateAccessKey","ram:DeleteAccessKey","ram:UpdateAccessKey"],"Resource":"*"}]}'
Roles:
  - RoleName: AliyunKMSManagedRAMCrendentialsRole
    AssumeRolePolicyDocument:
      Version: "1"
      Statement:
        - Effect: Allow
          Action: sts:AssumeRole
          Principal: {Service: ["kms.aliyuncs.com"]}
    Policies: [AliyunKMSManagedRAMCrendentialsRolePolicy]
Groups:
  - GroupName: readers
    Policies: [ReadSecrets]
Users:
  - UserName: alice
    AccessKey: true
    Groups: [readers]
  - UserName: app
    Policies: [{PolicyName: AliyunSTSAssumeRoleAccess, PolicyType: System}]
Keys:
  - Alias: alias/app
    Description: the app's key
Secrets:
  - SecretName: db-password
    SecretData: hunter2
    EncryptionKeyId: alias/app
  - SecretName: config
    SecretData: {url: "https://example.test", retries: 3}
  - SecretName: app-keys
    SecretType: RAMCredentials
    ExtendedConfig: {SecretSubType: RamUserAccessKey, UserName: app}
    EnableAutomaticRotation: true
    RotationInterval: 7d
"#;

fn seeded_alice(p: &Proc) -> Creds {
    let path = p.data_dir.join("seed-credentials.json");
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    Creds {
        id: v["Users"]["alice"]["AccessKeyId"].as_str().unwrap().into(),
        secret: v["Users"]["alice"]["AccessKeySecret"]
            .as_str()
            .unwrap()
            .into(),
    }
}

fn check_seeded(p: &Proc, alice: &Creds) {
    let root = p.root();
    let users = p.ok(&root, RAM, "ListUsers", &[]);
    assert_eq!(
        users["Users"]["User"].as_array().unwrap().len(),
        2,
        "{users}"
    );
    assert_eq!(user_keys(p, &root, "alice"), vec![alice.id.clone()]);
    // alice reads secrets through her group's policy.
    let v = p.ok(
        alice,
        KMS,
        "GetSecretValue",
        &[("SecretName", "db-password")],
    );
    assert_eq!(v["SecretData"], "hunter2");
    let v = p.ok(alice, KMS, "GetSecretValue", &[("SecretName", "config")]);
    let cfg: Value = serde_json::from_str(v["SecretData"].as_str().unwrap()).unwrap();
    assert_eq!(cfg["retries"], 3);
    let (st, _) = p.call(alice, RAM, "ListUsers", &[]);
    assert_eq!(st, 403);
    let d = p.ok(&root, KMS, "DescribeSecret", &[("SecretName", "app-keys")]);
    assert_eq!(d["SecretType"], "RAMCredentials");
    assert_eq!(d["AutomaticRotation"], "Enabled", "{d}");
    assert_eq!(user_keys(p, &root, "app").len(), 1);
    let a = p.ok(&root, KMS, "ListAliases", &[]);
    assert_eq!(a["TotalCount"], 1, "{a}");
    let att = p.ok(
        &root,
        RAM,
        "ListPoliciesForRole",
        &[("RoleName", "AliyunKMSManagedRAMCrendentialsRole")],
    );
    assert_eq!(att["Policies"]["Policy"].as_array().unwrap().len(), 1);
}

#[test]
fn a_seed_is_applied_once_and_reset_returns_to_it() {
    let dir = tempfile::tempdir().unwrap();
    let seed = dir.path().join("seed.yaml");
    std::fs::write(&seed, SEED).unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    let mut p = Proc::start(&data, &["--test-mode", "--seed", seed.to_str().unwrap()]);
    let alice = seeded_alice(&p);
    check_seeded(&p, &alice);
    let log = std::fs::read_to_string(data.join(format!("server-{}.log", p.port))).unwrap();
    assert!(!log.contains(&alice.secret), "no secret in the log");

    // A second start with the same seed changes nothing.
    p.restart();
    assert_eq!(seeded_alice(&p).id, alice.id);
    check_seeded(&p, &alice);

    // Reset goes back to the seeded account, with the same keys.
    let root = p.root();
    p.ok(&root, RAM, "CreateUser", &[("UserName", "extra")]);
    p.ok(
        &root,
        RAM,
        "RemoveUserFromGroup",
        &[("UserName", "alice"), ("GroupName", "readers")],
    );
    let out = control(&p, "POST", "/_rampart/reset");
    assert_eq!(out["Seeded"], true);
    let alice_now = seeded_alice(&p);
    check_seeded(&p, &alice_now);
    let out = control(&p, "POST", "/_rampart/reset");
    assert_eq!(out["Seeded"], true);
    assert_eq!(
        seeded_alice(&p).id,
        alice_now.id,
        "later resets keep the seeded keys"
    );
    check_seeded(&p, &alice_now);
}

#[test]
fn a_seed_without_test_mode_is_applied_too() {
    let dir = tempfile::tempdir().unwrap();
    let seed = dir.path().join("seed.json");
    std::fs::write(
        &seed,
        r#"{"Users": [{"UserName": "bob", "AccessKey": true}], "Groups": [{"GroupName": "team"}]}"#,
    )
    .unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    let p = Proc::start(&data, &["--seed", seed.to_str().unwrap()]);
    let root = p.root();
    assert_eq!(user_keys(&p, &root, "bob").len(), 1);
    p.ok(&root, RAM, "GetGroup", &[("GroupName", "team")]);
    let (st, _) = control_with(&p, "GET", "/_rampart/clock", &[]);
    assert_eq!(st, 404);
}

fn failed_start(dir: &std::path::Path, seed: &std::path::Path) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(["serve", "--test-mode", "--listen"])
        .arg(format!("127.0.0.1:{}", harness::free_port()))
        .arg("--data-dir")
        .arg(dir.join("data"))
        .arg("--seed")
        .arg(seed)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert!(!out.status.success());
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn seed_errors_name_the_file_and_the_line_or_the_entity() {
    let dir = tempfile::tempdir().unwrap();
    let seed = dir.path().join("bad.yaml");
    std::fs::write(
        &seed,
        "Users:\n  - UserName: ok\n  - UserName: fine\n    AccessKey: maybe\n",
    )
    .unwrap();
    let err = failed_start(dir.path(), &seed);
    assert!(err.contains("bad.yaml") && err.contains("line 4"), "{err}");

    std::fs::write(&seed, "Users:\n  - UserName: ok\n    Colour: blue\n").unwrap();
    let err = failed_start(dir.path(), &seed);
    assert!(err.contains("line 3") && err.contains("Colour"), "{err}");

    std::fs::write(
        &seed,
        "Users:\n  - UserName: ok\n  - UserName: \"bad name!\"\n",
    )
    .unwrap();
    let err = failed_start(dir.path(), &seed);
    assert!(
        err.contains("bad.yaml") && err.contains("Users[1]") && err.contains("bad name!"),
        "{err}"
    );
}

#[test]
fn on_postgres_the_clock_and_reset_work_and_snapshots_are_refused() {
    let Some(db) = harness::TestDb::create(harness::Shared::Postgres, "testmode") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let url = db.url();
    let p = Proc::start(dir.path(), &["--test-mode", "--database", &url]);
    let root = p.root();
    let names = setup_ram_secrets(&p, &root, 1, "7d");
    let (k0, _) = secret_keys(&p, &root, &names[0]);
    let out = control(&p, "POST", "/_rampart/clock/advance?by=7d");
    assert_eq!(out["Ran"]["Rotations"], 1, "{out}");
    let (k1, _) = secret_keys(&p, &root, &names[0]);
    assert_ne!(k1.id, k0.id);
    assert!(caller_ok(&p, &k1));

    let bearer = format!("Bearer {}", token(&p));
    for path in ["/_rampart/snapshot", "/_rampart/restore?name=default"] {
        let (st, body) = control_with(&p, "POST", path, &[("Authorization", &bearer)]);
        assert_eq!(st, 400, "{path}: {body}");
        assert_eq!(body["Code"], "Unsupported.Store");
        assert!(body["Message"].as_str().unwrap().contains("embedded store"));
    }

    let out = control(&p, "POST", "/_rampart/reset");
    assert_eq!(out["OffsetSeconds"], 0);
    assert!(caller_ok(&p, &root));
    let users = p.ok(&root, RAM, "ListUsers", &[]);
    assert_eq!(users["Users"]["User"].as_array().unwrap().len(), 0);
    assert_eq!(p.ok(&root, KMS, "ListSecrets", &[])["TotalCount"], 0);
    let (st, _) = p.call(&root, RAM, "ListAccessKeys", &[("UserName", "app0")]);
    assert_eq!(st, 404, "the user and its keys are gone");
}

#[test]
fn sts_expiry_and_deletion_windows_follow_the_test_clock() {
    let dir = tempfile::tempdir().unwrap();
    let p = start_test_mode(dir.path());
    let root = p.root();
    let uid = p.root_account_id();
    p.ok(&root, RAM, "CreateUser", &[("UserName", "u")]);
    p.ok(
        &root,
        RAM,
        "AttachPolicyToUser",
        &[
            ("PolicyType", "System"),
            ("PolicyName", "AliyunSTSAssumeRoleAccess"),
            ("UserName", "u"),
        ],
    );
    let k = p.ok(&root, RAM, "CreateAccessKey", &[("UserName", "u")]);
    let user = Creds {
        id: k["AccessKey"]["AccessKeyId"].as_str().unwrap().into(),
        secret: k["AccessKey"]["AccessKeySecret"].as_str().unwrap().into(),
    };
    let trust = format!(
        r#"{{"Statement":[{{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{{"RAM":["acs:ram::{uid}:root"]}}}}],"Version":"1"}}"#
    );
    p.ok(
        &root,
        RAM,
        "CreateRole",
        &[("RoleName", "r"), ("AssumeRolePolicyDocument", &trust)],
    );
    let s = p.ok(
        &user,
        STS,
        "AssumeRole",
        &[
            ("RoleArn", &format!("acs:ram::{uid}:role/r")),
            ("RoleSessionName", "first"),
            ("DurationSeconds", "900"),
        ],
    );
    let session = Creds {
        id: s["Credentials"]["AccessKeyId"].as_str().unwrap().into(),
        secret: s["Credentials"]["AccessKeySecret"].as_str().unwrap().into(),
    };
    let token = s["Credentials"]["SecurityToken"]
        .as_str()
        .unwrap()
        .to_string();
    let who = |p: &Proc| {
        p.call(
            &session,
            STS,
            "GetCallerIdentity",
            &[("SecurityToken", &token)],
        )
    };
    assert_eq!(who(&p).0, 200);
    control(&p, "POST", "/_rampart/clock/advance?by=10m");
    assert_eq!(who(&p).0, 200, "still within its 15 minutes");
    control(&p, "POST", "/_rampart/clock/advance?by=6m");
    let (st, body) = who(&p);
    assert!((400..500).contains(&st), "{st} {body}");
    // A new session's Expiration is on the test clock.
    let s = p.ok(
        &user,
        STS,
        "AssumeRole",
        &[
            ("RoleArn", &format!("acs:ram::{uid}:role/r")),
            ("RoleSessionName", "second"),
            ("DurationSeconds", "900"),
        ],
    );
    let now = control(&p, "GET", "/_rampart/clock")["NowUnix"]
        .as_i64()
        .unwrap();
    let exp = s["Credentials"]["Expiration"].as_str().unwrap().to_string();
    assert!(exp >= rampart_core::time::format(now + 890), "{exp}");

    // A secret's recovery window ends by the test clock.
    p.ok(
        &root,
        KMS,
        "CreateSecret",
        &[
            ("SecretName", "gone"),
            ("SecretData", "x"),
            ("VersionId", "v1"),
        ],
    );
    p.ok(
        &root,
        KMS,
        "DeleteSecret",
        &[("SecretName", "gone"), ("RecoveryWindowInDays", "7")],
    );
    control(&p, "POST", "/_rampart/clock/advance?by=6d");
    assert_eq!(
        p.call(&root, KMS, "DescribeSecret", &[("SecretName", "gone")])
            .0,
        200
    );
    let out = control(&p, "POST", "/_rampart/clock/advance?by=1d");
    assert_eq!(out["Ran"]["DeletedSecrets"], 1, "{out}");
    assert_eq!(
        p.call(&root, KMS, "DescribeSecret", &[("SecretName", "gone")])
            .0,
        404
    );
}
