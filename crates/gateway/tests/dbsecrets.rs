//! Database secrets (`Rds`, `PolarDB`, `Redis`) against real servers: a
//! private PostgreSQL cluster with password authentication, the local
//! MariaDB and Redis. Creation checks, dual- and single-account rotation,
//! authorization on the instance, refusals, failures that change nothing,
//! and rotations interrupted at each step finished by the next attempt.
//! `RAMPART_TEST_POSTGRES=skip`, `RAMPART_TEST_MYSQL=skip` and
//! `RAMPART_TEST_REDIS=skip` skip an engine.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails by panicking"
)]

mod common;

use std::sync::OnceLock;

use common::{Creds, Server};
use rampart_dbrotate::testing::{unique_name, PgCluster};
use rampart_dbrotate::{check_login, Instance, Secret};
use serde_json::{json, Value};

fn skip(engine: &str) -> bool {
    std::env::var(format!("RAMPART_TEST_{engine}")).is_ok_and(|v| v == "skip")
}

fn cluster() -> &'static PgCluster {
    static CLUSTER: OnceLock<PgCluster> = OnceLock::new();
    CLUSTER.get_or_init(|| PgCluster::start().unwrap_or_else(|e| panic!("{e}")))
}

/// Declares an instance as the generic secret `rampart/db-instances/<id>`.
fn declare(s: &Server, id: &str, i: &Instance, engine: &str) {
    let value = json!({
        "Engine": engine,
        "Host": i.host,
        "Port": i.port,
        "AdminAccount": i.admin_account,
        "AdminPassword": i.admin_password.expose(),
        "Database": i.database,
    })
    .to_string();
    s.kms(
        "CreateSecret",
        &[
            ("SecretName", &format!("rampart/db-instances/{id}")),
            ("VersionId", "v1"),
            ("SecretData", &value),
        ],
    );
}

fn redeclare(s: &Server, id: &str, i: &Instance, engine: &str, version: &str) {
    let value = json!({
        "Engine": engine,
        "Host": i.host,
        "Port": i.port,
        "AdminAccount": i.admin_account,
        "AdminPassword": i.admin_password.expose(),
        "Database": i.database,
    })
    .to_string();
    s.kms(
        "PutSecretValue",
        &[
            ("SecretName", &format!("rampart/db-instances/{id}")),
            ("VersionId", version),
            ("SecretData", &value),
        ],
    );
}

fn create_rds(
    s: &Server,
    who: &Creds,
    name: &str,
    sub: &str,
    instance_id: &str,
    accounts: &[(&str, &str)],
) -> (u16, Value) {
    let accounts: Vec<Value> = accounts
        .iter()
        .map(|(n, p)| json!({"AccountName": n, "AccountPassword": p}))
        .collect();
    s.call_v1(
        who,
        "2016-01-20",
        "CreateSecret",
        &[
            ("SecretName", name),
            ("SecretType", "Rds"),
            ("VersionId", "v0"),
            ("SecretData", &json!({ "Accounts": accounts }).to_string()),
            (
                "ExtendedConfig",
                &json!({"SecretSubType": sub, "DBInstanceId": instance_id, "CustomData": {"Endpoint": "db.local", "Port": "5432", "DBName": "postgres"}}).to_string(),
            ),
            ("EnableAutomaticRotation", "true"),
            ("RotationInterval", "7d"),
        ],
    )
}

/// The account a stage holds: (name, password).
fn stage(s: &Server, name: &str, stage: &str) -> (String, Secret) {
    let v = s.kms(
        "GetSecretValue",
        &[("SecretName", name), ("VersionStage", stage)],
    );
    let data: Value = serde_json::from_str(v["SecretData"].as_str().unwrap()).unwrap();
    (
        data["AccountName"].as_str().unwrap().to_string(),
        Secret::new(data["AccountPassword"].as_str().unwrap()),
    )
}

fn logs_on(i: &Instance, (name, password): &(String, Secret)) -> bool {
    check_login(i, name, password).unwrap()
}

fn rotate(s: &Server, name: &str, version: &str) -> (u16, Value) {
    s.call_v1(
        &s.root,
        "2016-01-20",
        "RotateSecret",
        &[("SecretName", name), ("VersionId", version)],
    )
}

fn pg_role(i: &Instance, name: &str, password: &str) {
    let mut c = cluster().admin_client().unwrap();
    c.batch_execute(&format!(
        "CREATE ROLE \"{name}\" LOGIN PASSWORD '{password}'; GRANT pg_read_all_data TO \"{name}\";"
    ))
    .unwrap();
    let _ = i;
}

#[test]
fn rds_postgres_double_users_alternate_and_both_stages_work() {
    if skip("POSTGRES") {
        return;
    }
    let s = Server::new();
    let i = cluster().instance();
    declare(&s, "rm-pg1", &i, "PostgreSQL");
    let app = unique_name("app");
    pg_role(&i, &app, "initial-Pass-1");
    let (st, body) = create_rds(
        &s,
        &s.root,
        "db/app",
        "DoubleUsers",
        "rm-pg1",
        &[(&app, "initial-Pass-1")],
    );
    assert_eq!(st, 200, "{body}");
    assert_eq!(body["SecretType"], "Rds");
    // The service-linked role came with the first secret.
    let role = s.ram(
        "GetRole",
        &[("RoleName", "AliyunServiceRoleForKMSSecretsManagerForRDS")],
    );
    assert_eq!(role["Role"]["IsServiceLinkedRole"], true);
    // One account, as given; only ACSCurrent and ACSPrevious are readable.
    let cur = stage(&s, "db/app", "ACSCurrent");
    assert_eq!(cur.0, app);
    assert!(logs_on(&i, &cur));
    s.kms_err(
        "GetSecretValue",
        &[("SecretName", "db/app"), ("VersionStage", "ACSPending")],
        400,
        "InvalidParameter.VersionStage",
    );
    s.kms_err(
        "PutSecretValue",
        &[
            ("SecretName", "db/app"),
            ("VersionId", "x"),
            ("SecretData", "y"),
        ],
        400,
        "Rejected.UnsupportedOperation",
    );
    let d = s.kms(
        "DescribeSecret",
        &[("SecretName", "db/app"), ("FetchTags", "true")],
    );
    assert_eq!(
        (
            d["AutomaticRotation"].as_str(),
            d["RotationInterval"].as_str()
        ),
        (Some("Enabled"), Some("604800s")),
        "{d}"
    );
    assert!(d["ExtendedConfig"].as_str().unwrap().contains("rm-pg1"));

    // First rotation: the clone is created and becomes current; the
    // original account keeps working as ACSPrevious.
    let (st, body) = rotate(&s, "db/app", "r1");
    assert_eq!(st, 200, "{body}");
    let cur = stage(&s, "db/app", "ACSCurrent");
    let prev = stage(&s, "db/app", "ACSPrevious");
    assert_eq!(
        (cur.0.clone(), prev.0.clone()),
        (format!("{app}_clone"), app.clone())
    );
    assert!(logs_on(&i, &cur) && logs_on(&i, &prev));
    // The clone has the original's privileges.
    let mut c = cluster().client("postgres").unwrap();
    let member: bool = c
        .query_one(
            "SELECT pg_has_role($1, 'pg_read_all_data', 'MEMBER')",
            &[&cur.0],
        )
        .unwrap()
        .get(0);
    assert!(member);
    // Idempotent by VersionId.
    let (st, body) = rotate(&s, "db/app", "r1");
    assert_eq!((st, body["VersionId"].as_str()), (200, Some("r1")));
    assert_eq!(stage(&s, "db/app", "ACSCurrent").0, cur.0);

    // Second rotation: back to the original account, with a new password;
    // the clone (now previous) still works.
    let (st, _) = rotate(&s, "db/app", "r2");
    assert_eq!(st, 200);
    let cur2 = stage(&s, "db/app", "ACSCurrent");
    let prev2 = stage(&s, "db/app", "ACSPrevious");
    assert_eq!(
        (cur2.0.as_str(), prev2.0.as_str()),
        (app.as_str(), cur.0.as_str())
    );
    assert!(logs_on(&i, &cur2) && logs_on(&i, &prev2));
    assert!(
        !logs_on(&i, &prev),
        "the original account's old password is gone"
    );

    // Automatic rotation on the interval.
    s.clock.advance(7 * 86400 + 1);
    let (rotated, _, failed) = s.gw.rampart().run_due_rotations("worker", 10).unwrap();
    assert_eq!((rotated, failed), (1, 0));
    let cur3 = stage(&s, "db/app", "ACSCurrent");
    assert_eq!(cur3.0, cur.0);
    assert!(logs_on(&i, &cur3) && logs_on(&i, &stage(&s, "db/app", "ACSPrevious")));

    // The server's statement log never saw a password Rampart chose.
    let log = cluster().server_log();
    for p in [&cur, &cur2, &cur3] {
        assert!(
            !log.contains(p.1.expose()),
            "a password reached the statement log"
        );
    }
    assert!(!log.contains(cluster().admin_password().expose()));
}

#[test]
fn rds_single_user_old_password_stops_and_failures_change_nothing() {
    if skip("POSTGRES") {
        return;
    }
    let s = Server::new();
    let i = cluster().instance();
    declare(&s, "rm-pg2", &i, "PostgreSQL");
    let app = unique_name("single");
    pg_role(&i, &app, "initial-Pass-2");
    let (st, body) = create_rds(
        &s,
        &s.root,
        "db/single",
        "SingleUser",
        "rm-pg2",
        &[(&app, "initial-Pass-2")],
    );
    assert_eq!(st, 200, "{body}");
    let old = stage(&s, "db/single", "ACSCurrent");
    let (st, _) = rotate(&s, "db/single", "r1");
    assert_eq!(st, 200);
    let new = stage(&s, "db/single", "ACSCurrent");
    assert_eq!(new.0, app);
    assert!(logs_on(&i, &new));
    assert!(!logs_on(&i, &old));

    // A wrong admin password: the rotation fails, says why without the
    // password, changes no stage, and the rotation shows as Invalid.
    let mut wrong = i.clone();
    wrong.admin_password = Secret::new("not-the-admin-password");
    redeclare(&s, "rm-pg2", &wrong, "PostgreSQL", "v2");
    let (st, body) = rotate(&s, "db/single", "r2");
    assert_eq!(
        (st, body["Code"].as_str()),
        (400, Some("Rotation.AdminAuthenticationFailed")),
        "{body}"
    );
    assert!(!body.to_string().contains("not-the-admin-password"));
    assert_eq!(
        stage(&s, "db/single", "ACSCurrent").1.expose(),
        new.1.expose()
    );
    assert!(logs_on(&i, &new));
    let d = s.kms("DescribeSecret", &[("SecretName", "db/single")]);
    assert_eq!(d["AutomaticRotation"], "Invalid", "{d}");
    // Fixed: the retry finishes the interrupted rotation with the version
    // it had sealed, and the state is clean again.
    redeclare(&s, "rm-pg2", &i, "PostgreSQL", "v3");
    s.clock.advance(3600);
    let (rotated, _, failed) = s.gw.rampart().run_due_rotations("worker", 10).unwrap();
    assert_eq!((rotated, failed), (1, 0));
    let after = stage(&s, "db/single", "ACSCurrent");
    assert!(logs_on(&i, &after));
    assert!(!logs_on(&i, &new));
    let versions = s.kms(
        "ListSecretVersionIds",
        &[("SecretName", "db/single"), ("IncludeDeprecated", "true")],
    );
    assert!(versions.to_string().contains("\"r2\""), "{versions}");
    let d = s.kms("DescribeSecret", &[("SecretName", "db/single")]);
    assert_eq!(d["AutomaticRotation"], "Enabled", "{d}");
}

#[test]
fn creation_is_checked_and_authorized_on_the_instance() {
    if skip("POSTGRES") {
        return;
    }
    let s = Server::new();
    let i = cluster().instance();
    declare(&s, "rm-pg3", &i, "PostgreSQL");
    let app = unique_name("authz");
    pg_role(&i, &app, "initial-Pass-3");
    // An undeclared instance, a missing account, the admin account.
    let (st, body) = create_rds(&s, &s.root, "db/a", "SingleUser", "rm-nope", &[(&app, "x")]);
    assert_eq!(
        (st, body["Code"].as_str()),
        (404, Some("Forbidden.ResourceNotFound")),
        "{body}"
    );
    assert!(body["Message"]
        .as_str()
        .unwrap()
        .contains("rampart/db-instances/rm-nope"));
    let (st, body) = create_rds(
        &s,
        &s.root,
        "db/a",
        "SingleUser",
        "rm-pg3",
        &[("nobody_here", "x")],
    );
    assert_eq!(
        (st, body["Code"].as_str()),
        (400, Some("InvalidParameter.SecretData")),
        "{body}"
    );
    let (st, body) = create_rds(
        &s,
        &s.root,
        "db/a",
        "SingleUser",
        "rm-pg3",
        &[(PgCluster::ADMIN, "x")],
    );
    assert_eq!(st, 400, "{body}");
    assert!(body["Message"].as_str().unwrap().contains("admin account"));
    let (st, body) = create_rds(
        &s,
        &s.root,
        "acs/db",
        "SingleUser",
        "rm-pg3",
        &[(&app, "x")],
    );
    assert_eq!(st, 400, "{body}");
    // A user allowed every KMS action still needs the instance's action.
    let u = s.user_with_key("dba");
    s.ram(
        "AttachPolicyToUser",
        &[
            ("PolicyType", "System"),
            ("PolicyName", "AliyunKMSFullAccess"),
            ("UserName", "dba"),
        ],
    );
    let (st, body) = create_rds(
        &s,
        &u,
        "db/a",
        "DoubleUsers",
        "rm-pg3",
        &[(&app, "initial-Pass-3")],
    );
    assert_eq!(
        (st, body["Code"].as_str()),
        (403, Some("Forbidden.NoPermission")),
        "{body}"
    );
    s.grant(
        "dba",
        "rds-reset",
        &format!(r#"{{"Version":"1","Statement":[{{"Effect":"Allow","Action":"rds:ResetAccountPassword","Resource":"acs:rds:*:{}:dbinstance/rm-pg3"}}]}}"#, s.account_id),
    );
    let (st, body) = create_rds(
        &s,
        &u,
        "db/a",
        "DoubleUsers",
        "rm-pg3",
        &[(&app, "initial-Pass-3")],
    );
    assert_eq!(st, 200, "{body}");
    // Rotating needs it too.
    let (st, _) = s.call_v1(
        &u,
        "2016-01-20",
        "RotateSecret",
        &[("SecretName", "db/a"), ("VersionId", "r1")],
    );
    assert_eq!(st, 200);
    s.ram(
        "DetachPolicyFromUser",
        &[
            ("PolicyType", "Custom"),
            ("PolicyName", "rds-reset"),
            ("UserName", "dba"),
        ],
    );
    let (st, body) = s.call_v1(
        &u,
        "2016-01-20",
        "RotateSecret",
        &[("SecretName", "db/a"), ("VersionId", "r2")],
    );
    assert_eq!(
        (st, body["Code"].as_str()),
        (403, Some("Forbidden.NoPermission")),
        "{body}"
    );
    // An account (or its clone) belongs to one secret.
    let (st, body) = create_rds(&s, &s.root, "db/b", "SingleUser", "rm-pg3", &[(&app, "x")]);
    assert_eq!(
        (st, body["Code"].as_str()),
        (409, Some("Rejected.ResourceInUse")),
        "{body}"
    );
    let (st, _) = create_rds(
        &s,
        &s.root,
        "db/b",
        "SingleUser",
        "rm-pg3",
        &[(&format!("{app}_clone"), "x")],
    );
    assert_eq!(st, 409);
    // A secret policy can take the service role's access to the instance away.
    s.kms(
        "SetSecretPolicy",
        &[
            ("SecretName", "rampart/db-instances/rm-pg3"),
            (
                "Policy",
                &format!(r#"{{"Version":"1","Statement":[{{"Effect":"Deny","Principal":{{"RAM":["acs:ram::{}:root"]}},"Action":["kms:GetSecretValue"],"Resource":["*"]}}]}}"#, s.account_id),
            ),
        ],
    );
    let (st, body) = rotate(&s, "db/a", "r3");
    assert_eq!(
        (st, body["Code"].as_str()),
        (403, Some("Forbidden.NoPermission")),
        "{body}"
    );
    // The service-linked role cannot be deleted while it is used.
    let (st, body) = s.call_v1(
        &s.root,
        "2015-05-01",
        "DeleteServiceLinkedRole",
        &[("RoleName", "AliyunServiceRoleForKMSSecretsManagerForRDS")],
    );
    assert_eq!(st, 409, "{body}");
}

#[test]
fn interrupted_rotations_are_finished_by_the_next_attempt() {
    if skip("POSTGRES") {
        return;
    }
    let s = Server::new();
    let i = cluster().instance();
    declare(&s, "rm-pg4", &i, "PostgreSQL");
    let app = unique_name("crash");
    pg_role(&i, &app, "initial-Pass-4");
    let (st, body) = create_rds(
        &s,
        &s.root,
        "db/crash",
        "DoubleUsers",
        "rm-pg4",
        &[(&app, "initial-Pass-4")],
    );
    assert_eq!(st, 200, "{body}");
    let r = s.gw.rampart();
    let store = r.store();
    // The instance unreachable: the pending version is sealed, the
    // database untouched, nothing current changed.
    let mut gone = i.clone();
    gone.port = 1;
    redeclare(&s, "rm-pg4", &gone, "PostgreSQL", "v2");
    let (st, body) = rotate(&s, "db/crash", "r1");
    assert_eq!(
        (st, body["Code"].as_str()),
        (503, Some("Rotation.InstanceUnreachable")),
        "{body}"
    );
    let row = store.get_secret("db/crash").unwrap().unwrap();
    assert_eq!(row.pending_version_id.as_deref(), Some("r1"));
    assert_eq!(stage(&s, "db/crash", "ACSCurrent").0, app);
    // Another replica's worker is kept out during the backoff, then
    // finishes the same version.
    redeclare(&s, "rm-pg4", &i, "PostgreSQL", "v3");
    assert_eq!(r.run_due_rotations("other", 10).unwrap(), (0, 0, 0));
    s.clock.advance(31);
    assert_eq!(r.run_due_rotations("other", 10).unwrap().0, 1);
    let cur = stage(&s, "db/crash", "ACSCurrent");
    let v = s.kms("GetSecretValue", &[("SecretName", "db/crash")]);
    assert_eq!(v["VersionId"], "r1");
    assert!(logs_on(&i, &cur));

    // A crash after the database took the password and before the commit:
    // the database holds a password only the pending version knows; the
    // next attempt (an immediate rotation with another id) commits it
    // first, then rotates anew.
    let owner = "crashed-worker";
    let now = s.clock_now_pub();
    assert!(store
        .claim_rotation("db/crash", now, owner, now + 15)
        .unwrap());
    let prev = stage(&s, "db/crash", "ACSPrevious");
    let fresh = Secret::new("Crash-Pass-12345");
    let pending_value =
        json!({"AccountName": prev.0, "AccountPassword": fresh.expose()}).to_string();
    r.stage_test_version("db/crash", owner, "p1", &pending_value)
        .unwrap();
    rampart_dbrotate::set_password(&i, &prev.0, &fresh).unwrap();
    // (the process dies here: the lease is never given back)
    assert!(!logs_on(&i, &prev), "the database changed");
    s.clock.advance(16);
    assert_eq!(r.run_due_rotations("w2", 10).unwrap(), (1, 0, 0));
    let v = s.kms("GetSecretValue", &[("SecretName", "db/crash")]);
    assert_eq!(v["VersionId"], "p1");
    let cur = stage(&s, "db/crash", "ACSCurrent");
    assert_eq!(cur.1.expose(), fresh.expose());
    assert!(logs_on(&i, &cur) && logs_on(&i, &stage(&s, "db/crash", "ACSPrevious")));
}

#[test]
fn concurrent_workers_rotate_once() {
    if skip("POSTGRES") {
        return;
    }
    let s = Server::new();
    let i = cluster().instance();
    declare(&s, "rm-pg5", &i, "PostgreSQL");
    let app = unique_name("twice");
    pg_role(&i, &app, "initial-Pass-5");
    let (st, body) = create_rds(
        &s,
        &s.root,
        "db/twice",
        "DoubleUsers",
        "rm-pg5",
        &[(&app, "initial-Pass-5")],
    );
    assert_eq!(st, 200, "{body}");
    s.clock.advance(7 * 86400 + 1);
    let r = s.gw.rampart();
    let rotated: usize = std::thread::scope(|sc| {
        let a = sc.spawn(|| r.run_due_rotations("replica-a", 10).unwrap().0);
        let b = sc.spawn(|| r.run_due_rotations("replica-b", 10).unwrap().0);
        a.join().unwrap() + b.join().unwrap()
    });
    assert_eq!(rotated, 1);
    let versions = s.kms(
        "ListSecretVersionIds",
        &[("SecretName", "db/twice"), ("IncludeDeprecated", "true")],
    );
    assert_eq!(versions["TotalCount"], 2, "{versions}");
    assert!(logs_on(&i, &stage(&s, "db/twice", "ACSCurrent")));
    assert!(logs_on(&i, &stage(&s, "db/twice", "ACSPrevious")));
}

#[test]
fn redis_auto_creates_both_accounts_and_alternates() {
    if skip("REDIS") {
        return;
    }
    let url =
        std::env::var("RAMPART_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    let addr = url.trim_start_matches("redis://").trim_end_matches('/');
    let (host, port) = addr.rsplit_once(':').unwrap_or((addr, "6379"));
    let i = Instance::new(
        rampart_dbrotate::Engine::Redis,
        host,
        port.parse().unwrap(),
        "",
        Secret::new(""),
    );
    let s = Server::new();
    declare(&s, "r-local", &i, "Redis");
    let account = unique_name("cache");
    let create = |name: &str, data: &str| {
        s.call_v1(
            &s.root,
            "2016-01-20",
            "CreateSecret",
            &[
                ("SecretName", name),
                ("SecretType", "Redis"),
                ("VersionId", "v0"),
                ("SecretData", data),
                (
                    "ExtendedConfig",
                    &json!({"SecretSubType": "DoubleUsers", "InstanceId": "r-local", "AccountName": account, "AccountPrivilege": "RoleReadWrite", "RegionId": "cn-hangzhou"}).to_string(),
                ),
            ],
        )
    };
    let (st, body) = create("cache/app", "not-auto");
    assert_eq!(st, 400, "{body}");
    let (st, body) = create("cache/app", "$Auto");
    let cleanup = || {
        for a in [account.clone(), format!("{account}_clone")] {
            let client = redis::Client::open(url.as_str()).unwrap();
            let mut c = client.get_connection().unwrap();
            let _: redis::RedisResult<i64> = redis::cmd("ACL").arg("DELUSER").arg(&a).query(&mut c);
        }
    };
    if st != 200 {
        cleanup();
        panic!("{body}");
    }
    let cur = stage(&s, "cache/app", "ACSCurrent");
    let prev = stage(&s, "cache/app", "ACSPrevious");
    assert_eq!(
        (cur.0.clone(), prev.0.clone()),
        (account.clone(), format!("{account}_clone"))
    );
    assert_eq!(
        cur.1.expose(),
        prev.1.expose(),
        "both accounts start with one password"
    );
    assert!(logs_on(&i, &cur) && logs_on(&i, &prev));
    let (st, body) = rotate(&s, "cache/app", "r1");
    assert_eq!(st, 200, "{body}");
    let cur2 = stage(&s, "cache/app", "ACSCurrent");
    let prev2 = stage(&s, "cache/app", "ACSPrevious");
    assert_eq!(
        (cur2.0.as_str(), prev2.0.as_str()),
        (prev.0.as_str(), cur.0.as_str())
    );
    assert!(logs_on(&i, &cur2) && logs_on(&i, &prev2));
    // A second secret may not take the same accounts.
    let (st, body) = create("cache/other", "$Auto");
    assert_eq!(
        (st, body["Code"].as_str()),
        (409, Some("Rejected.ResourceInUse")),
        "{body}"
    );
    cleanup();
}

#[test]
fn mariadb_double_users_rotate() {
    if skip("MYSQL") {
        return;
    }
    let url = std::env::var("RAMPART_TEST_MYSQL_URL")
        .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306".into());
    let opts = mysql::Opts::from_url(&url).unwrap();
    let host = opts.get_ip_or_hostname().to_string();
    let port = opts.get_tcp_port();
    let admin = opts.get_user().unwrap_or("root").to_string();
    let admin_pw = opts.get_pass().unwrap_or("").to_string();
    let mut conn = mysql::Conn::new(opts.clone()).unwrap();
    use mysql::prelude::Queryable;
    let app = unique_name("m");
    conn.query_drop(format!(
        "CREATE USER '{app}'@'%' IDENTIFIED BY 'Initial-Pass-6'"
    ))
    .unwrap();
    conn.query_drop(format!("GRANT SELECT ON mysql.* TO '{app}'@'%'"))
        .unwrap();
    let i = Instance::new(
        rampart_dbrotate::Engine::MariaDb,
        host,
        port,
        admin,
        Secret::new(admin_pw),
    );
    let s = Server::new();
    declare(&s, "rm-maria", &i, "MariaDB");
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let (st, body) = create_rds(
            &s,
            &s.root,
            "db/maria",
            "DoubleUsers",
            "rm-maria",
            &[(&app, "Initial-Pass-6")],
        );
        assert_eq!(st, 200, "{body}");
        let (st, body) = rotate(&s, "db/maria", "r1");
        assert_eq!(st, 200, "{body}");
        let cur = stage(&s, "db/maria", "ACSCurrent");
        let prev = stage(&s, "db/maria", "ACSPrevious");
        assert_eq!(
            (cur.0.clone(), prev.0.clone()),
            (format!("{app}_clone"), app.clone())
        );
        assert!(logs_on(&i, &cur) && logs_on(&i, &prev));
        let (st, _) = rotate(&s, "db/maria", "r2");
        assert_eq!(st, 200);
        assert!(logs_on(&i, &stage(&s, "db/maria", "ACSCurrent")));
        assert!(logs_on(&i, &stage(&s, "db/maria", "ACSPrevious")));
    }));
    for a in [app.clone(), format!("{app}_clone")] {
        let _ = conn.query_drop(format!("DROP USER IF EXISTS '{a}'@'%'"));
    }
    if let Err(e) = result {
        std::panic::resume_unwind(e);
    }
}
