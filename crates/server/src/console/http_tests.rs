//! The console over HTTP, in process: the logon form's size limit, sessions
//! that end when the logon no longer stands, and the simulator's rights.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails by panicking"
)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use rampart_core::{Principal, Rampart, Settings, SystemClock};
use rampart_crypto::Keyring;
use rampart_gateway::{Gateway, Params, Product};
use rampart_store::{SqliteStore, Store};
use serde_json::Value;

const PASSWORD: &str = "Console-Passw0rd!";

struct TestServer {
    base: String,
    gateway: Arc<Gateway>,
    account_id: String,
    _rt: tokio::runtime::Runtime,
    _dir: tempfile::TempDir,
}

fn start() -> TestServer {
    start_with(Settings::default())
}

fn start_with(settings: Settings) -> TestServer {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> =
        Arc::new(SqliteStore::open_exclusive(&dir.path().join("db.sqlite")).unwrap());
    let keyring = Keyring::for_tests();
    let now = rampart_core::Clock::now(&SystemClock);
    let creds = rampart_core::account::initialize(store.as_ref(), &keyring, now).unwrap();
    let rampart = Rampart::open(store, keyring, Arc::new(SystemClock), settings).unwrap();
    let gateway = Arc::new(Gateway::new(rampart));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    std_listener.set_nonblocking(true).unwrap();
    let port = std_listener.local_addr().unwrap().port();
    let app = axum::Router::new().nest_service("/console", super::router(gateway.clone()));
    rt.spawn(async move {
        let listener = tokio::net::TcpListener::from_std(std_listener).unwrap();
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    TestServer {
        base: format!("http://127.0.0.1:{port}/console"),
        gateway,
        account_id: creds.account_id.clone(),
        _rt: rt,
        _dir: dir,
    }
}

fn body_of(r: ureq::Response) -> Value {
    serde_json::from_str(&r.into_string().unwrap_or_default()).unwrap_or(Value::Null)
}

fn send(req: ureq::Request, form: &[(&str, &str)]) -> (u16, Value, Option<String>) {
    let req = req.timeout(Duration::from_secs(120));
    let result = if form.is_empty() && req.method() == "GET" {
        req.call()
    } else {
        req.send_form(form)
    };
    match result {
        Ok(r) => {
            let cookie = r.header("set-cookie").map(str::to_string);
            (r.status(), body_of(r), cookie)
        }
        Err(ureq::Error::Status(code, r)) => (code, body_of(r), None),
        Err(e) => panic!("{e}"),
    }
}

/// A logged-on console session: cookie and CSRF token.
struct Session {
    cookie: String,
    csrf: String,
}

impl TestServer {
    fn root(&self) -> Principal {
        Principal::Root {
            account_id: self.account_id.clone(),
            access_key_id: String::new(),
        }
    }

    /// An API call by the account, which must succeed.
    fn api(&self, action: &str, params: &[(&str, &str)]) -> Value {
        let params = Params::from_pairs(params.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let (resp, _) =
            self.gateway
                .handle_as(&self.root(), Product::Ram, action, &params, None, false);
        let body: Value = serde_json::from_slice(&resp.body).unwrap();
        assert_eq!(resp.status, 200, "{action}: {body}");
        body
    }

    fn user_with_logon(&self, name: &str) {
        self.api("CreateUser", &[("UserName", name)]);
        self.api(
            "CreateLoginProfile",
            &[("UserName", name), ("Password", PASSWORD)],
        );
    }

    fn login(&self, name: &str, password: &str) -> (u16, Value, Option<Session>) {
        let (status, body, cookie) = send(
            ureq::post(&format!("{}/api/login", self.base)),
            &[("LoginName", name), ("Password", password)],
        );
        let session = cookie.map(|c| Session {
            cookie: c.split(';').next().unwrap().to_string(),
            csrf: body["CsrfToken"].as_str().unwrap_or_default().to_string(),
        });
        (status, body, session)
    }

    fn user_session(&self, user: &str) -> Session {
        let (status, body, s) = self.login(&format!("{user}@{}", self.account_id), PASSWORD);
        assert_eq!(status, 200, "{body}");
        s.unwrap()
    }

    fn get(&self, s: &Session, path: &str) -> (u16, Value) {
        let (status, body, _) = send(
            ureq::get(&format!("{}{path}", self.base)).set("Cookie", &s.cookie),
            &[],
        );
        (status, body)
    }

    fn post(&self, s: &Session, path: &str, form: &[(&str, &str)]) -> (u16, Value) {
        let (status, body, _) = send(
            ureq::post(&format!("{}{path}", self.base))
                .set("Cookie", &s.cookie)
                .set("X-CSRF-Token", &s.csrf),
            form,
        );
        (status, body)
    }
}

#[test]
fn a_huge_logon_form_is_refused_before_it_is_read() {
    let t = start();
    let huge = "a".repeat(1_900_000);
    for _ in 0..5 {
        // Refused with 413 as soon as the declared length is seen; the
        // client may still be writing the body when the server closes.
        match ureq::post(&format!("{}/api/login", t.base))
            .timeout(Duration::from_secs(120))
            .send_form(&[("LoginName", &huge), ("Password", "x")])
        {
            Err(ureq::Error::Status(status, _)) => assert_eq!(status, 413),
            Err(ureq::Error::Transport(_)) => {}
            Ok(r) => panic!("accepted: {}", r.status()),
        }
    }
    // A form under the limit whose name is still too long for any logon
    // name leaves nothing behind either.
    let long = format!("{}@{}", "b".repeat(300), t.account_id);
    let (status, body, _) = t.login(&long, "wrong-pass");
    assert_eq!((status, body["Code"].as_str()), (401, Some("InvalidLogin")));
    assert_eq!(t.gateway.rampart().console_brake_sizes(), (0, 0, 0));
}

#[test]
fn the_console_learns_the_rotation_settings_of_the_server() {
    for (min, grace) in [(6 * 3600, 2 * 86400), (30, 20)] {
        let t = start_with(Settings {
            min_rotation_interval: min,
            rotation_grace_period: grace,
            ..Settings::default()
        });
        t.user_with_logon("alice");
        let (status, body, s) = t.login(&format!("alice@{}", t.account_id), PASSWORD);
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["Settings"]["MinRotationInterval"], min, "{body}");
        let (status, body) = t.get(&s.unwrap(), "/api/session");
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["Settings"]["MinRotationInterval"], min, "{body}");
        assert_eq!(body["Settings"]["RotationGracePeriod"], grace, "{body}");
    }
}

#[test]
fn a_session_ends_when_its_logon_no_longer_stands() {
    let t = start();
    t.user_with_logon("alice");
    let s = t.user_session("alice");
    let (status, body) = t.get(&s, "/api/session");
    assert_eq!(status, 200, "{body}");
    let (status, body) = t.post(&s, "/api/sts/GetCallerIdentity", &[]);
    assert_eq!(status, 200, "{body}");
    // The password changes: the session ends, for every kind of request.
    t.api(
        "UpdateLoginProfile",
        &[("UserName", "alice"), ("Password", "Another-Passw0rd!")],
    );
    let (status, body) = t.post(&s, "/api/sts/GetCallerIdentity", &[]);
    assert_eq!(
        (status, body["Code"].as_str()),
        (401, Some("Console.NotLoggedOn")),
        "{body}"
    );
    let (status, _) = t.get(&s, "/api/session");
    assert_eq!(status, 401);
    // The login profile is deleted.
    t.api(
        "UpdateLoginProfile",
        &[("UserName", "alice"), ("Password", PASSWORD)],
    );
    let s = t.user_session("alice");
    assert_eq!(t.get(&s, "/api/session").0, 200);
    t.api("DeleteLoginProfile", &[("UserName", "alice")]);
    assert_eq!(t.get(&s, "/api/session").0, 401);
    let (status, _) = t.post(&s, "/api/simulate", &[]);
    assert_eq!(status, 401);
    // Logging out still works on an ended session's token (nothing to end).
    let (status, _) = t.post(&s, "/api/logout", &[]);
    assert_eq!(status, 401);
}

#[test]
fn the_simulator_needs_the_right_to_read_the_targets_policies() {
    let t = start();
    t.user_with_logon("reader");
    t.api("CreateUser", &[("UserName", "target")]);
    t.api("CreateGroup", &[("GroupName", "ops")]);
    t.api(
        "AddUserToGroup",
        &[("UserName", "target"), ("GroupName", "ops")],
    );
    t.api(
        "AttachPolicyToGroup",
        &[
            ("PolicyType", "System"),
            ("PolicyName", "AliyunKMSFullAccess"),
            ("GroupName", "ops"),
        ],
    );
    let trust = format!(
        r#"{{"Version":"1","Statement":[{{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{{"RAM":["acs:ram::{}:root"]}}}}]}}"#,
        t.account_id
    );
    t.api(
        "CreateRole",
        &[
            ("RoleName", "deployer"),
            ("AssumeRolePolicyDocument", &trust),
        ],
    );
    let mut granted = 0;
    let mut grant = |actions: &[&str], resource: &str| {
        granted += 1;
        let name = format!("p{granted}");
        let doc = serde_json::json!({
            "Version": "1",
            "Statement": [{"Effect": "Allow", "Action": actions, "Resource": resource}]
        })
        .to_string();
        t.api(
            "CreatePolicy",
            &[("PolicyName", &name), ("PolicyDocument", &doc)],
        );
        t.api(
            "AttachPolicyToUser",
            &[
                ("PolicyType", "Custom"),
                ("PolicyName", &name),
                ("UserName", "reader"),
            ],
        );
    };
    let s = t.user_session("reader");
    let simulate = |kind: &str, name: &str| {
        t.post(
            &s,
            "/api/simulate",
            &[
                ("PrincipalType", kind),
                ("PrincipalName", name),
                ("Action", "kms:ListSecrets"),
                ("Resource", "*"),
            ],
        )
    };
    let denied = |r: (u16, Value), action: &str| {
        assert_eq!(
            (r.0, r.1["Code"].as_str()),
            (403, Some("NoPermission")),
            "{action}: {}",
            r.1
        );
        let msg = r.1["Message"].as_str().unwrap();
        assert!(msg.contains(action), "{action}: {msg}");
    };
    // Reading the user alone does not show its policies.
    grant(&["ram:GetUser"], "acs:ram:*:*:user/target");
    denied(simulate("User", "target"), "ram:ListPoliciesForUser");
    grant(
        &["ram:ListPoliciesForUser", "ram:ListGroupsForUser"],
        "acs:ram:*:*:user/target",
    );
    // Its groups' policies are shown too.
    denied(simulate("User", "target"), "ram:ListPoliciesForGroup");
    grant(&["ram:ListPoliciesForGroup"], "acs:ram:*:*:group/ops");
    let (status, body) = simulate("User", "target");
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["Decision"], "Allow");
    // A role likewise.
    grant(&["ram:GetRole"], "acs:ram:*:*:role/deployer");
    denied(simulate("Role", "deployer"), "ram:ListPoliciesForRole");
    grant(&["ram:ListPoliciesForRole"], "acs:ram:*:*:role/deployer");
    let (status, body) = simulate("Role", "deployer");
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["Decision"], "ImplicitDeny");
}

#[test]
fn a_password_due_for_a_change_allows_only_changing_it() {
    let t = start();
    t.user_with_logon("carol");
    t.api(
        "UpdateLoginProfile",
        &[("UserName", "carol"), ("PasswordResetRequired", "true")],
    );
    let s = t.user_session("carol");
    let (status, body) = t.get(&s, "/api/session");
    assert_eq!(
        (status, &body["MustChangePassword"]),
        (200, &Value::Bool(true))
    );
    let (status, body) = t.post(&s, "/api/ram/ListUsers", &[]);
    assert_eq!(
        (status, body["Code"].as_str()),
        (403, Some("Console.PasswordChangeRequired")),
        "{body}"
    );
    let (status, body) = t.post(
        &s,
        "/api/ram/ChangePassword",
        &[
            ("OldPassword", PASSWORD),
            ("NewPassword", "Changed-Passw0rd!"),
        ],
    );
    assert_eq!(status, 200, "{body}");
    // The change ends the session; the next logon is a normal one.
    assert_eq!(t.get(&s, "/api/session").0, 401);
    let (status, body, _) = t.login(&format!("carol@{}", t.account_id), "Changed-Passw0rd!");
    assert_eq!(
        (status, &body["MustChangePassword"]),
        (200, &Value::Bool(false))
    );
}

/// `acs:MFAPresent` is `true` (and `acs:MFAAge` set) for a console session
/// whose logon proved an MFA code and for a role session assumed from it,
/// `false` for the same user's AccessKey calls.
#[test]
fn mfa_is_present_for_sessions_that_proved_a_code() {
    use rampart_crypto::{totp_code, totp_step};
    let t = start();
    t.user_with_logon("mia");
    let device = t.api("CreateVirtualMFADevice", &[("VirtualMFADeviceName", "mia")]);
    let serial = device["VirtualMFADevice"]["SerialNumber"]
        .as_str()
        .unwrap()
        .to_string();
    let seed = data_encoding::BASE32_NOPAD
        .decode(
            device["VirtualMFADevice"]["Base32StringSeed"]
                .as_str()
                .unwrap()
                .as_bytes(),
        )
        .unwrap();
    let step = totp_step(rampart_core::Clock::now(&SystemClock));
    t.api(
        "BindMFADevice",
        &[
            ("UserName", "mia"),
            ("SerialNumber", &serial),
            ("AuthenticationCode1", &totp_code(&seed, step - 2)),
            ("AuthenticationCode2", &totp_code(&seed, step - 1)),
        ],
    );
    let with_mfa = |action: &str| {
        format!(
            r#"{{"Version":"1","Statement":[{{"Effect":"Allow","Action":"{action}","Resource":"*","Condition":{{"Bool":{{"acs:MFAPresent":"true"}},"NumericLessThan":{{"acs:MFAAge":"3600"}}}}}}]}}"#
        )
    };
    t.api(
        "CreatePolicy",
        &[
            ("PolicyName", "ListWithMfa"),
            ("PolicyDocument", &with_mfa("ram:ListUsers")),
        ],
    );
    t.api(
        "CreatePolicy",
        &[
            ("PolicyName", "AssumeAny"),
            (
                "PolicyDocument",
                r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}"#,
            ),
        ],
    );
    for p in ["ListWithMfa", "AssumeAny"] {
        t.api(
            "AttachPolicyToUser",
            &[
                ("PolicyType", "Custom"),
                ("PolicyName", p),
                ("UserName", "mia"),
            ],
        );
    }
    let trust = format!(
        r#"{{"Version":"1","Statement":[{{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{{"RAM":["acs:ram::{}:root"]}}}}]}}"#,
        t.account_id
    );
    t.api(
        "CreateRole",
        &[
            ("RoleName", "mfa-role"),
            ("AssumeRolePolicyDocument", &trust),
        ],
    );
    t.api(
        "CreatePolicy",
        &[
            ("PolicyName", "GroupsWithMfa"),
            ("PolicyDocument", &with_mfa("ram:ListGroups")),
        ],
    );
    t.api(
        "AttachPolicyToRole",
        &[
            ("PolicyType", "Custom"),
            ("PolicyName", "GroupsWithMfa"),
            ("RoleName", "mfa-role"),
        ],
    );

    // The same user through an AccessKey: no MFA.
    let key = t.api("CreateAccessKey", &[("UserName", "mia")]);
    let ak = key["AccessKey"]["AccessKeyId"]
        .as_str()
        .unwrap()
        .to_string();
    let sk = key["AccessKey"]["AccessKeySecret"]
        .as_str()
        .unwrap()
        .to_string();
    let signed = |id: &str, secret: &str, token: Option<&str>, version: &str, action: &str| {
        let signer = rampart_gateway::sign::client::Signer { id, secret, token };
        let now = rampart_core::Clock::now(&SystemClock);
        let query = rampart_gateway::sign::client::v1_query(
            &signer,
            "POST",
            version,
            action,
            &[],
            &rampart_core::time::format(now),
            &rampart_crypto::random_hex(16),
        );
        let (resp, _) = t.gateway.handle(&rampart_gateway::RpcRequest {
            method: "POST".into(),
            path: "/".into(),
            query,
            source_ip: Some("127.0.0.1".into()),
            ..Default::default()
        });
        resp.status
    };
    assert_eq!(signed(&ak, &sk, None, "2015-05-01", "ListUsers"), 403);

    // The console logon with the code: MFA present.
    let (status, body, s) = send(
        ureq::post(&format!("{}/api/login", t.base)),
        &[
            ("LoginName", &format!("mia@{}", t.account_id)),
            ("Password", PASSWORD),
            ("MFACode", &totp_code(&seed, step)),
        ],
    );
    assert_eq!(status, 200, "{body}");
    let s = Session {
        cookie: s.unwrap().split(';').next().unwrap().to_string(),
        csrf: body["CsrfToken"].as_str().unwrap().to_string(),
    };
    let (status, body) = t.post(&s, "/api/ram/ListUsers", &[]);
    assert_eq!(status, 200, "{body}");
    // A role session assumed from it keeps the fact.
    let role_arn = format!("acs:ram::{}:role/mfa-role", t.account_id);
    let (status, body) = t.post(
        &s,
        "/api/sts/AssumeRole",
        &[("RoleArn", &role_arn), ("RoleSessionName", "from-console")],
    );
    assert_eq!(status, 200, "{body}");
    let c = &body["Credentials"];
    let (id, secret, token) = (
        c["AccessKeyId"].as_str().unwrap(),
        c["AccessKeySecret"].as_str().unwrap(),
        c["SecurityToken"].as_str().unwrap(),
    );
    assert_eq!(
        signed(id, secret, Some(token), "2015-05-01", "ListGroups"),
        200
    );
    // One assumed through the AccessKey does not.
    let params = Params::from_pairs([
        ("RoleArn".to_string(), role_arn.clone()),
        ("RoleSessionName".to_string(), "from-key".to_string()),
    ]);
    let by_key = Principal::User {
        account_id: t.account_id.clone(),
        user_id: t.api("GetUser", &[("UserName", "mia")])["User"]["UserId"]
            .as_str()
            .unwrap()
            .to_string(),
        user_name: "mia".into(),
        access_key_id: ak.clone(),
        mfa_at: None,
    };
    let (resp, _) = t
        .gateway
        .handle_as(&by_key, Product::Sts, "AssumeRole", &params, None, false);
    let body: Value = serde_json::from_slice(&resp.body).unwrap();
    assert_eq!(resp.status, 200, "{body}");
    let c = &body["Credentials"];
    assert_eq!(
        signed(
            c["AccessKeyId"].as_str().unwrap(),
            c["AccessKeySecret"].as_str().unwrap(),
            c["SecurityToken"].as_str(),
            "2015-05-01",
            "ListGroups"
        ),
        403
    );
}
