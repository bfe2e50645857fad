//! Role-based SSO over HTTP with responses signed by an independent
//! implementation (`xmlsec1`; the federation crate's fixtures, issued
//! 2030-01-01 for account 1234567890123456): the choice among the roles a
//! response lists, the console then acting as the role session, and what
//! is refused (a replay, a second use of a choice, an edited response, a
//! role whose trust policy does not admit the provider).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails by panicking"
)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use rampart_core::{ManualClock, Principal, Rampart, Settings};
use rampart_crypto::Keyring;
use rampart_gateway::{Gateway, Params, Product};
use rampart_store::{AccessKeyRow, AccountRow, AccountStore, KeyStatus, SqliteStore, Store};
use serde_json::Value;

const ACCOUNT: &str = "1234567890123456";
/// The fixtures' IssueInstant plus 30 s.
const NOW: i64 = 1_893_456_000 + 30;

fn fixture(name: &str) -> String {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../federation/tests/fixtures/saml");
    std::fs::read_to_string(dir.join(name)).unwrap()
}

struct T {
    base: String,
    gateway: Arc<Gateway>,
    _rt: tokio::runtime::Runtime,
    _dir: tempfile::TempDir,
}

impl T {
    fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open_exclusive(&dir.path().join("db.sqlite")).unwrap();
        store
            .init_account(
                &AccountRow {
                    account_id: ACCOUNT.into(),
                    console_password_hash: "x".into(),
                    created_at: NOW,
                },
                &AccessKeyRow {
                    access_key_id: "LTAIroot".into(),
                    user_name: None,
                    secret_sealed: vec![1],
                    status: KeyStatus::Active,
                    created_at: NOW,
                    last_used_at: None,
                },
            )
            .unwrap();
        let store: Arc<dyn Store> = Arc::new(store);
        let clock = Arc::new(ManualClock::new(NOW));
        let rampart =
            Rampart::open(store, Keyring::for_tests(), clock, Settings::default()).unwrap();
        let gateway = Arc::new(Gateway::new(rampart));
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.set_nonblocking(true).unwrap();
        let port = l.local_addr().unwrap().port();
        let app = axum::Router::new().nest_service("/console", super::router(gateway.clone()));
        rt.spawn(async move {
            let listener = tokio::net::TcpListener::from_std(l).unwrap();
            axum::serve(
                listener,
                app.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .await
            .unwrap();
        });
        Self {
            base: format!("http://127.0.0.1:{port}/console"),
            gateway,
            _rt: rt,
            _dir: dir,
        }
    }

    fn api(&self, product: Product, action: &str, p: &[(&str, &str)]) -> Value {
        let root = Principal::Root {
            account_id: ACCOUNT.into(),
            access_key_id: String::new(),
        };
        let params = Params::from_pairs(p.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let (resp, _) = self
            .gateway
            .handle_as(&root, product, action, &params, None, false);
        let body: Value = serde_json::from_slice(&resp.body).unwrap();
        assert_eq!(resp.status, 200, "{action}: {body}");
        body
    }

    /// Posts a form like an IdP's page; status, body, session cookie.
    fn post(&self, path: &str, form: &[(&str, &str)]) -> (u16, String, Option<String>) {
        let r = ureq::post(&format!("{}{path}", self.base))
            .set("Origin", "https://idp.example.com")
            .set("Sec-Fetch-Site", "cross-site")
            .timeout(Duration::from_secs(60))
            .send_form(form);
        let r = match r {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(e) => panic!("{e}"),
        };
        let status = r.status();
        let cookie = r
            .header("set-cookie")
            .map(|c| c.split(';').next().unwrap().to_string());
        (status, r.into_string().unwrap(), cookie)
    }
}

fn hidden(html: &str, name: &str) -> String {
    let at = html.find(&format!("name=\"{name}\" value=\"")).unwrap();
    let rest = &html[at + name.len() + 15..];
    rest[..rest.find('"').unwrap()].to_string()
}

#[test]
fn role_sso_signs_on_as_the_chosen_role_once() {
    let t = T::start();
    let md = base64::engine::general_purpose::STANDARD.encode(fixture("metadata.xml"));
    t.api(
        Product::Ims,
        "CreateSAMLProvider",
        &[
            ("SAMLProviderName", "idp"),
            ("EncodedSAMLMetadataDocument", &md),
            ("AuthnSignAlgo", "rsa-sha256"),
        ],
    );
    let trust = format!(
        r#"{{"Version":"1","Statement":[{{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{{"Federated":["acs:ram::{ACCOUNT}:saml-provider/idp"]}},"Condition":{{"StringEquals":{{"saml:recipient":"https://signin.aliyun.com/saml-role/sso"}}}}}}]}}"#
    );
    for role in ["admin", "readonly"] {
        t.api(
            Product::Ram,
            "CreateRole",
            &[("RoleName", role), ("AssumeRolePolicyDocument", &trust)],
        );
    }
    t.api(
        Product::Ram,
        "AttachPolicyToRole",
        &[
            ("PolicyType", "System"),
            ("PolicyName", "ReadOnlyAccess"),
            ("RoleName", "admin"),
        ],
    );
    let signed = base64::engine::general_purpose::STANDARD.encode(fixture("response-signed.xml"));
    // An edited response is refused and uses nothing up.
    let edited = base64::engine::general_purpose::STANDARD
        .encode(fixture("response-signed.xml").replace("role/admin,", "role/root,"));
    let (st, html, cookie) = t.post("/saml-role/sso", &[("SAMLResponse", &edited)]);
    assert_eq!(st, 401, "{html}");
    assert!(
        html.contains("AuthenticationFail.SAMLAssertion.Invalid"),
        "{html}"
    );
    assert!(cookie.is_none());
    // Two roles listed and admitted: the choice page.
    let (st, html, cookie) = t.post("/saml-role/sso", &[("SAMLResponse", &signed)]);
    assert_eq!(st, 200, "{html}");
    assert!(
        html.contains("Choose a role") && html.contains("admin") && html.contains("readonly"),
        "{html}"
    );
    assert!(cookie.is_none());
    let choice = hidden(&html, "Choice");
    // The same response again: refused (accepted once).
    let (st, html, _) = t.post("/saml-role/sso", &[("SAMLResponse", &signed)]);
    assert_eq!(st, 401);
    assert!(html.contains("used already"), "{html}");
    let admin_id = t.api(Product::Ram, "GetRole", &[("RoleName", "admin")])["Role"]["RoleId"]
        .as_str()
        .unwrap()
        .to_string();
    // A role not in the choice is refused.
    let (st, _, _) = t.post(
        "/saml-role/choose",
        &[("Choice", &choice), ("RoleId", "3000000000000")],
    );
    assert_eq!(st, 401);
    let (st, html, cookie) = t.post(
        "/saml-role/choose",
        &[("Choice", &choice), ("RoleId", &admin_id)],
    );
    assert_eq!(st, 200, "{html}");
    let cookie = cookie.expect("a session cookie");
    assert!(html.contains("/console/"), "{html}");
    // The choice is good once.
    let (st, _, _) = t.post(
        "/saml-role/choose",
        &[("Choice", &choice), ("RoleId", &admin_id)],
    );
    assert_eq!(st, 401);
    // The console acts as the role session.
    let r = ureq::get(&format!("{}/api/session", t.base))
        .set("Cookie", &cookie)
        .call()
        .unwrap();
    let v: Value = serde_json::from_str(&r.into_string().unwrap()).unwrap();
    assert_eq!(
        v["Principal"]["Arn"],
        format!("acs:ram::{ACCOUNT}:assumed-role/admin/alice@example.com"),
        "{v}"
    );
    let csrf = v["CsrfToken"].as_str().unwrap().to_string();
    let r = ureq::post(&format!("{}/api/ram/ListRoles", t.base))
        .set("Cookie", &cookie)
        .set("X-CSRF-Token", &csrf)
        .send_form(&[])
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = ureq::post(&format!("{}/api/ram/CreateUser", t.base))
        .set("Cookie", &cookie)
        .set("X-CSRF-Token", &csrf)
        .send_form(&[("UserName", "nope")]);
    assert!(matches!(r, Err(ureq::Error::Status(403, _))));
    // Deleting the role ends the session.
    t.api(
        Product::Ram,
        "DetachPolicyFromRole",
        &[
            ("PolicyType", "System"),
            ("PolicyName", "ReadOnlyAccess"),
            ("RoleName", "admin"),
        ],
    );
    t.api(Product::Ram, "DeleteRole", &[("RoleName", "admin")]);
    let r = ureq::get(&format!("{}/api/session", t.base))
        .set("Cookie", &cookie)
        .call();
    assert!(matches!(r, Err(ureq::Error::Status(401, _))));
}
