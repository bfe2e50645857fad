//! The authorization oracle.
//!
//! For every implemented action of every product, requests are generated
//! from the action's own target selectors (`ActionSpec::targets`): the
//! default spelling of each name, then each other spelling a client could
//! send — another case, an ARN instead of a name, an alias instead of a key
//! id, an ARN of another account or region, an optional parameter that
//! selects another target (`PolicyType`, `ProtectedResourceArn`, a user name
//! left out) — one at a time. Each request runs, as the account and as a
//! RAM user allowed everything, on a fresh copy of one fixture store wrapped
//! in a recorder of every entity the store reads or writes. The test fails
//! when a request touched an entity it was not authorized on (by the ARN of
//! the entity as stored, or, for a created entity, its container). An action
//! added to a table joins through its selectors.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails by panicking"
)]

#[path = "oracle/keys.rs"]
mod keys;
#[path = "oracle/params.rs"]
mod params;
#[path = "oracle/recorder.rs"]
mod recorder;

use std::path::PathBuf;
use std::sync::Arc;

use params::{action_overrides, defaults, Overrides};
use rampart_core::{ManualClock, Rampart, Settings};
use rampart_crypto::Keyring;
use rampart_gateway::sign::client;
use rampart_gateway::target::{PolicyKind, Sel};
use rampart_gateway::{action_table, Gateway, Outcome, Product, RpcRequest};
use rampart_store::{AccountStore, PolicyType, ProviderKind, SqliteStore, Store};
use recorder::{Recorder, Thing, Touch};
use serde_json::Value;

const NOW: i64 = 1_767_225_600; // 2026-01-01T00:00:00Z
const REGION: &str = "cn-hangzhou";
const ALLOW_ALL: &str =
    r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
const ROLE_POLICY: &str = r#"{"Statement":[{"Effect":"Allow","Action":["ram:ListAccessKeys","ram:CreateAccessKey","ram:DeleteAccessKey","ram:UpdateAccessKey"],"Resource":"*"}],"Version":"1"}"#;
const TRUST_KMS: &str = r#"{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{"Service":["kms.aliyuncs.com"]}}],"Version":"1"}"#;
const SERVICE_ROLES: [&str; 2] = [
    "AliyunKMSManagedRAMCrendentialsRole",
    "AliyunKMSManageRAMCredentialsRole",
];

#[derive(Clone, Debug)]
struct Creds {
    id: String,
    secret: String,
}

/// A gateway over a store, with a manual clock.
struct Env {
    gw: Gateway,
    recorder: Option<Arc<Recorder>>,
    _dir: tempfile::TempDir,
}

impl Env {
    fn open(dir: tempfile::TempDir, record: bool) -> Self {
        let store = SqliteStore::open_exclusive(&dir.path().join("db.sqlite")).unwrap();
        let (store, recorder): (Arc<dyn Store>, _) = if record {
            let r = Arc::new(Recorder::new(store));
            (r.clone(), Some(r))
        } else {
            (Arc::new(store), None)
        };
        let clock = Arc::new(ManualClock::new(NOW));
        let rampart =
            Rampart::open(store, Keyring::for_tests(), clock, Settings::default()).unwrap();
        Self {
            gw: Gateway::new(rampart),
            recorder,
            _dir: dir,
        }
    }

    fn call(
        &self,
        c: &Creds,
        product: Product,
        action: &str,
        params: &[(&str, &str)],
    ) -> (u16, Value, Outcome) {
        let ts = rampart_core::time::format(NOW);
        let nonce = rampart_crypto::random_hex(16);
        let signer = client::Signer {
            id: &c.id,
            secret: &c.secret,
            token: None,
        };
        let query = client::v1_query(
            &signer,
            "POST",
            product.version(),
            action,
            params,
            &ts,
            &nonce,
        );
        let (resp, outcome) = self.gw.handle(&RpcRequest {
            method: "POST".into(),
            path: "/".into(),
            query,
            headers: vec![],
            body: vec![],
            source_ip: Some("127.0.0.1".into()),
            secure: false,
        });
        let body = serde_json::from_slice(&resp.body).unwrap_or(Value::Null);
        (resp.status, body, outcome)
    }

    fn ok(&self, c: &Creds, product: Product, action: &str, params: &[(&str, &str)]) -> Value {
        let (st, body, _) = self.call(c, product, action, params);
        assert_eq!(st, 200, "fixture {action} {params:?}: {body}");
        body
    }
}

/// The fixture: one store that every request starts from.
struct Fixture {
    dir: tempfile::TempDir,
    account_id: String,
    root: Creds,
    admin: Creds,
    alice_key: String,
    dave_key: Creds,
    /// The user ids of alice and carol.
    user_ids: (String, String),
    k1: String,
    k2: String,
    blob_k1: String,
    blob_k2: String,
    asym: keys::AsymFixture,
    /// Two consecutive codes of the unbound device `spare` at `NOW`.
    spare_codes: (String, String),
}

fn new_key(e: &Env, root: &Creds, product: Product, user: &str) -> Creds {
    let k = e.ok(root, product, "CreateAccessKey", &[("UserName", user)]);
    Creds {
        id: k["AccessKey"]["AccessKeyId"].as_str().unwrap().into(),
        secret: k["AccessKey"]["AccessKeySecret"].as_str().unwrap().into(),
    }
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let (account_id, root) = {
        let store = SqliteStore::open_exclusive(&dir.path().join("db.sqlite")).unwrap();
        let creds = rampart_core::account::initialize(&store, &Keyring::for_tests(), NOW).unwrap();
        (
            creds.account_id.clone(),
            Creds {
                id: creds.access_key_id.clone(),
                secret: creds.access_key_secret.expose().to_string(),
            },
        )
    };
    let e = Env::open(dir, false);
    let (ram, kms) = (Product::Ram, Product::Kms);
    let trust = format!(
        r#"{{"Version":"1","Statement":[{{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{{"RAM":["acs:ram::{account_id}:root"]}}}}]}}"#
    );
    let mut ids = Vec::new();
    for u in ["alice", "carol", "dave", "oracle-admin"] {
        let made = e.ok(&root, ram, "CreateUser", &[("UserName", u)]);
        ids.push(made["User"]["UserId"].as_str().unwrap().to_string());
    }
    let user_ids = (ids[0].clone(), ids[1].clone());
    let alice_key = new_key(&e, &root, ram, "alice").id;
    let carol_key = new_key(&e, &root, ram, "carol");
    let dave_key = new_key(&e, &root, ram, "dave");
    let admin = new_key(&e, &root, ram, "oracle-admin");
    e.ok(
        &root,
        ram,
        "CreateLoginProfile",
        &[("UserName", "alice"), ("Password", "Sup3r-Secret!1")],
    );
    e.ok(&root, ram, "CreateGroup", &[("GroupName", "devs")]);
    // Identity providers: an OIDC one and a SAML one.
    e.ok(
        &root,
        Product::Ims,
        "CreateOIDCProvider",
        &[
            ("OIDCProviderName", "k8s"),
            ("IssuerUrl", "https://k8s.example.com"),
            ("ClientIds", "sts.aliyuncs.com"),
            ("Fingerprints", params::FINGERPRINT),
        ],
    );
    e.ok(
        &root,
        Product::Ims,
        "CreateSAMLProvider",
        &[
            ("SAMLProviderName", "idp"),
            ("EncodedSAMLMetadataDocument", &params::saml_metadata()),
        ],
    );
    e.ok(
        &root,
        ram,
        "AddUserToGroup",
        &[("GroupName", "devs"), ("UserName", "alice")],
    );
    e.ok(
        &root,
        ram,
        "CreatePolicy",
        &[("PolicyName", "guard"), ("PolicyDocument", ALLOW_ALL)],
    );
    e.ok(
        &root,
        ram,
        "CreatePolicyVersion",
        &[("PolicyName", "guard"), ("PolicyDocument", ALLOW_ALL)],
    );
    e.ok(
        &root,
        ram,
        "CreatePolicy",
        &[("PolicyName", "OracleAll"), ("PolicyDocument", ALLOW_ALL)],
    );
    for (kind, param, who) in [
        ("AttachPolicyToUser", "UserName", "oracle-admin"),
        ("AttachPolicyToUser", "UserName", "alice"),
        ("AttachPolicyToGroup", "GroupName", "devs"),
    ] {
        let policy = if who == "oracle-admin" {
            "OracleAll"
        } else {
            "guard"
        };
        e.ok(
            &root,
            ram,
            kind,
            &[
                (param, who),
                ("PolicyType", "Custom"),
                ("PolicyName", policy),
            ],
        );
    }
    e.ok(
        &root,
        ram,
        "CreateRole",
        &[
            ("RoleName", "ProtectedAdmin"),
            ("AssumeRolePolicyDocument", &trust),
        ],
    );
    e.ok(
        &root,
        ram,
        "AttachPolicyToRole",
        &[
            ("RoleName", "ProtectedAdmin"),
            ("PolicyType", "Custom"),
            ("PolicyName", "guard"),
        ],
    );
    e.ok(
        &root,
        ram,
        "CreatePolicy",
        &[
            ("PolicyName", "AliyunKMSManagedRAMCrendentialsRolePolicy"),
            ("PolicyDocument", ROLE_POLICY),
        ],
    );
    e.ok(
        &root,
        ram,
        "CreateRole",
        &[
            ("RoleName", SERVICE_ROLES[0]),
            ("AssumeRolePolicyDocument", TRUST_KMS),
        ],
    );
    e.ok(
        &root,
        ram,
        "AttachPolicyToRole",
        &[
            ("RoleName", SERVICE_ROLES[0]),
            ("PolicyType", "Custom"),
            ("PolicyName", "AliyunKMSManagedRAMCrendentialsRolePolicy"),
        ],
    );
    // The service-linked role (in use by the RAM secret below).
    e.ok(
        &root,
        ram,
        "CreateServiceLinkedRole",
        &[("ServiceName", "ramcredentials.kms.aliyuncs.com")],
    );
    let key = |tags: &str| {
        let k = e.ok(&root, kms, "CreateKey", &[("Tags", tags)]);
        k["KeyMetadata"]["KeyId"].as_str().unwrap().to_string()
    };
    let k1 = key(r#"[{"TagKey":"env","TagValue":"prod"}]"#);
    let k2 = key("[]");
    e.ok(
        &root,
        kms,
        "CreateAlias",
        &[("AliasName", "alias/k1"), ("KeyId", &k1)],
    );
    let blob = |k: &str| {
        let b = e.ok(
            &root,
            kms,
            "Encrypt",
            &[("KeyId", k), ("Plaintext", "hello")],
        );
        b["CiphertextBlob"].as_str().unwrap().to_string()
    };
    let (blob_k1, blob_k2) = (blob(&k1), blob(&k2));
    let asym = keys::AsymFixture::create(|p| e.ok(&root, kms, "CreateKey", p));
    e.ok(
        &root,
        kms,
        "CreateSecret",
        &[
            ("SecretName", "app/db"),
            ("VersionId", "v1"),
            ("SecretData", "s3cret"),
            ("EncryptionKeyId", &k1),
            ("Tags", r#"[{"TagKey":"env","TagValue":"prod"}]"#),
        ],
    );
    e.ok(
        &root,
        kms,
        "PutSecretValue",
        &[
            ("SecretName", "app/db"),
            ("VersionId", "v2"),
            ("SecretData", "s3cret2"),
        ],
    );
    e.ok(
        &root,
        kms,
        "CreateSecret",
        &[
            ("SecretName", "plain"),
            ("VersionId", "v1"),
            ("SecretData", "p"),
        ],
    );
    e.ok(
        &root,
        kms,
        "CreateSecret",
        &[
            ("SecretName", "$Auto"),
            ("SecretType", "RAMCredentials"),
            ("VersionId", "v0"),
            ("SecretData", &secret_data(&carol_key)),
            (
                "ExtendedConfig",
                r#"{"SecretSubType":"RamUserAccessKey","UserName":"carol"}"#,
            ),
        ],
    );
    // MFA devices: `alice-mfa` bound to alice, `spare` unbound.
    let codes = |name: &str| {
        let d = e.ok(
            &root,
            ram,
            "CreateVirtualMFADevice",
            &[("VirtualMFADeviceName", name)],
        );
        let b32 = d["VirtualMFADevice"]["Base32StringSeed"].as_str().unwrap();
        let seed = data_encoding::BASE32_NOPAD.decode(b32.as_bytes()).unwrap();
        let step = rampart_crypto::totp_step(NOW);
        (
            rampart_crypto::totp_code(&seed, step - 1),
            rampart_crypto::totp_code(&seed, step),
        )
    };
    let (c1, c2) = codes("alice-mfa");
    e.ok(
        &root,
        ram,
        "BindMFADevice",
        &[
            ("UserName", "alice"),
            (
                "SerialNumber",
                &format!("acs:ram::{account_id}:mfa/alice-mfa"),
            ),
            ("AuthenticationCode1", &c1),
            ("AuthenticationCode2", &c2),
        ],
    );
    let spare_codes = codes("spare");
    // Both callers' keys are marked used at `NOW` already, so a request of
    // the oracle writes nothing to authenticate.
    e.ok(&admin, Product::Sts, "GetCallerIdentity", &[]);
    let Env { gw, _dir: dir, .. } = e;
    drop(gw);
    Fixture {
        dir,
        account_id,
        root,
        admin,
        alice_key,
        dave_key,
        user_ids,
        k1,
        k2,
        blob_k1,
        blob_k2,
        asym,
        spare_codes,
    }
}

fn secret_data(k: &Creds) -> String {
    format!(
        r#"{{"AccessKeys":[{{"AccessKeyId":"{}","AccessKeySecret":"{}"}}]}}"#,
        k.id, k.secret
    )
}

/// A fresh copy of the fixture's store, recorded.
fn fresh(fx: &Fixture) -> Env {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(fx.dir.path()).unwrap() {
        let path: PathBuf = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if name.starts_with("db.sqlite") && !name.ends_with(".lock") {
            std::fs::copy(&path, dir.path().join(&name)).unwrap();
        }
    }
    Env::open(dir, true)
}

/// Every other spelling of a selector's target, one override set each.
fn variants(fx: &Fixture, sel: &Sel) -> Vec<Overrides> {
    let uid = &fx.account_id;
    let s = |v: &str| Some(v.to_string());
    let one = |p: &'static str, vals: &[String]| -> Vec<Overrides> {
        vals.iter().map(|v| vec![(p, Some(v.clone()))]).collect()
    };
    let kms_arn = |rel: &str| format!("acs:kms:{REGION}:{uid}:{rel}");
    let key_spellings = |p: &'static str| {
        one(
            p,
            &[
                fx.k1.to_uppercase(),
                "alias/k1".into(),
                "ALIAS/K1".into(),
                kms_arn(&format!("key/{}", fx.k1)),
                kms_arn("alias/k1"),
                format!("acs:kms:{REGION}:1111111111111111:key/{}", fx.k1),
                format!("acs:kms:us-west-1:{uid}:alias/k1"),
                fx.k2.clone(),
            ],
        )
    };
    let secret_spellings = |p: &'static str| {
        one(
            p,
            &[
                "APP/DB".into(),
                kms_arn("secret/app/db"),
                format!("acs:kms:us-west-1:{uid}:secret/app/db"),
                format!("acs:kms:{REGION}:1111111111111111:secret/app/db"),
                "plain".into(),
                "acs/ram/user/carol".into(),
            ],
        )
    };
    match *sel {
        // Named by no parameter: nothing to spell otherwise.
        Sel::Container(_) | Sel::Caller | Sel::Providers(_) => vec![],
        Sel::Provider { param, .. } => one(
            param,
            &["k8s".into(), "K8S".into(), "idp".into(), "missing".into()],
        ),
        Sel::User {
            param,
            self_default,
        } => {
            let mut v = one(param, &["ALICE".into(), "Alice".into(), "carol".into()]);
            if self_default {
                v.push(vec![(param, None)]);
            }
            v
        }
        Sel::Group(p) => one(p, &["DEVS".into(), "Devs".into()]),
        Sel::Role(p) => one(
            p,
            &[
                "protectedadmin".into(),
                "PROTECTEDADMIN".into(),
                SERVICE_ROLES[0].to_lowercase(),
            ],
        ),
        Sel::RoleArn(p) => one(
            p,
            &[
                format!("acs:ram::{uid}:role/protectedadmin"),
                format!("acs:ram::{uid}:role/PROTECTEDADMIN"),
                "acs:ram::1111111111111111:role/ProtectedAdmin".to_string(),
                format!("acs:ram::{uid}:role/{}", SERVICE_ROLES[0]),
            ],
        ),
        Sel::Policy(kind) => {
            let mut v: Vec<Overrides> = [
                ("guard", Some("System")),
                ("guard", Some("system")),
                ("guard", None),
                ("guard", Some("")),
                ("GUARD", Some("Custom")),
                ("AdministratorAccess", Some("System")),
                ("administratoraccess", Some("System")),
                ("AdministratorAccess", Some("Custom")),
            ]
            .iter()
            .map(|(n, t)| vec![("PolicyName", s(n)), ("PolicyType", t.map(str::to_string))])
            .collect();
            if kind == PolicyKind::CustomOnly {
                v.push(vec![
                    ("PolicyName", s("AdministratorAccess")),
                    ("PolicyType", None),
                ]);
            }
            v
        }
        Sel::NewUserName("NewUserPrincipalName") => one(
            "NewUserPrincipalName",
            &[
                format!("renamed@{uid}.onaliyun.com"),
                format!("ALICE@{uid}.onaliyun.com"),
                format!("carol@{uid}.onaliyun.com"),
                "carol@1111111111111111.onaliyun.com".into(),
            ],
        ),
        Sel::ImsUser { access_key } => params::ims_user_variants(fx, access_key),
        Sel::ImsTagged => params::ims_tagged_variants(fx),
        Sel::NewUserName(p) => one(p, &["renamed".into(), "ALICE".into(), "carol".into()]),
        Sel::Mfa("SerialNumber") => one(
            "SerialNumber",
            &[
                format!("acs:ram::{uid}:mfa/SPARE"),
                format!("acs:ram::{uid}:mfa/alice-mfa"),
                "acs:ram::1111111111111111:mfa/spare".into(),
                format!("acs:ram::{uid}:mfa/missing"),
            ],
        ),
        Sel::Mfa(p) => one(p, &["NEWMFA".into(), "spare".into()]),
        Sel::Upn { self_default } => {
            let mut v = one(
                "UserPrincipalName",
                &[
                    format!("ALICE@{uid}.onaliyun.com"),
                    format!("alice@{uid}.ONALIYUN.COM"),
                    format!("carol@{uid}.onaliyun.com"),
                    "alice@1111111111111111.onaliyun.com".into(),
                    "alice".into(),
                ],
            );
            if self_default {
                v.push(vec![("UserPrincipalName", None)]);
            }
            v
        }
        Sel::NewGroupName(p) => one(p, &["renamed-group".into(), "DEVS".into()]),
        Sel::Key {
            param, fallback, ..
        } => {
            let mut v = key_spellings(param);
            if let Some(f) = fallback {
                v.push(vec![(param, None), (f, Some(fx.k1.clone()))]);
                v.push(vec![(param, None), (f, s("alias/k1"))]);
                v.push(vec![(param, Some(fx.k2.clone())), (f, Some(fx.k1.clone()))]);
            }
            v
        }
        Sel::BlobKey(p) => one(p, std::slice::from_ref(&fx.blob_k2)),
        Sel::Alias { param, .. } => one(
            param,
            &[
                "alias/K1".into(),
                kms_arn("alias/k1"),
                format!("acs:kms:{REGION}:1111111111111111:alias/k1"),
                "alias/missing".into(),
            ],
        ),
        Sel::Secret { param, .. } => secret_spellings(param),
        Sel::SecretsList => {
            let mut v: Vec<Overrides> = [
                r#"[{"SecretName":"APP/DB"}]"#.to_string(),
                format!(r#"[{{"SecretName":"{}"}}]"#, kms_arn("secret/app/db")),
                r#"[{"SecretName":"plain"},{"SecretName":"app/db","VersionStage":"ACSPrevious"}]"#
                    .into(),
                r#"[{"SecretName":"acs/ram/user/carol"}]"#.into(),
            ]
            .into_iter()
            .map(|j| vec![("SecretsList", Some(j))])
            .collect();
            v.push(vec![
                ("SecretsList", None),
                ("SecretsList.1.SecretName", s("app/db")),
                ("SecretsList.2.SecretName", s("plain")),
            ]);
            v
        }
        Sel::Tagged => {
            let mut v: Vec<Overrides> = vec![
                vec![("KeyId", Some(fx.k1.clone())), ("SecretName", None)],
                vec![("KeyId", s("alias/k1")), ("SecretName", None)],
                vec![("KeyId", Some(kms_arn("alias/k1"))), ("SecretName", None)],
            ];
            for sp in secret_spellings("SecretName") {
                let mut o = sp;
                o.push(("KeyId", None));
                v.push(o);
            }
            v
        }
        Sel::TypedResources => {
            let mut v: Vec<Overrides> = vec![
                vec![
                    ("ResourceType", s("key")),
                    ("ResourceId.1", Some(fx.k1.clone())),
                ],
                vec![("ResourceType", s("key")), ("ResourceId.1", s("alias/k1"))],
                vec![
                    ("ResourceType", s("key")),
                    ("ResourceId.1", Some(fx.k2.clone())),
                    ("ResourceId.2", Some(kms_arn(&format!("key/{}", fx.k1)))),
                ],
                vec![("ResourceId.1", s("plain")), ("ResourceId.2", s("app/db"))],
            ];
            for sp in secret_spellings("ResourceId.1") {
                v.push(sp);
            }
            v
        }
        Sel::RamTagged => {
            let mut v: Vec<Overrides> = [
                r#"["protectedadmin"]"#,
                r#"["PROTECTEDADMIN","ProtectedAdmin"]"#,
                r#"["missing-role"]"#,
            ]
            .iter()
            .map(|n| vec![("ResourceType", s("role")), ("ResourceNames", s(n))])
            .collect();
            for n in [
                r#"["GUARD"]"#,
                r#"["guard","OracleAll"]"#,
                r#"["AdministratorAccess"]"#,
            ] {
                v.push(vec![("ResourceType", s("policy")), ("ResourceNames", s(n))]);
            }
            v
        }
        Sel::DbInstance => vec![vec![
            ("SecretName", s("db/oracle")),
            ("SecretType", s("Rds")),
            (
                "SecretData",
                s(r#"{"Accounts":[{"AccountName":"app","AccountPassword":"p"}]}"#),
            ),
            (
                "ExtendedConfig",
                s(r#"{"SecretSubType":"SingleUser","DBInstanceId":"rm-oracle"}"#),
            ),
        ]],
        Sel::RamSecretUser => ["dave", "DAVE", "Dave"]
            .iter()
            .map(|u| {
                vec![
                    ("SecretName", s("$Auto")),
                    ("SecretType", s("RAMCredentials")),
                    ("SecretData", Some(secret_data(&fx.dave_key))),
                    (
                        "ExtendedConfig",
                        Some(format!(
                            r#"{{"SecretSubType":"RamUserAccessKey","UserName":"{u}"}}"#
                        )),
                    ),
                ]
            })
            .collect(),
    }
}

/// The ARN a touched entity is authorized under, and its container.
fn arns(fx: &Fixture, t: &Thing) -> (Vec<String>, Option<String>) {
    let uid = &fx.account_id;
    let ram = |rel: &str| format!("acs:ram:*:{uid}:{rel}");
    let kms = |rel: &str| format!("acs:kms:{REGION}:{uid}:{rel}");
    match t {
        Thing::User(n) => (vec![ram(&format!("user/{n}"))], Some(ram("user/*"))),
        Thing::Group(n) => (vec![ram(&format!("group/{n}"))], Some(ram("group/*"))),
        Thing::Role(n) => (
            vec![
                ram(&format!("role/{n}")),
                format!("acs:ram::{uid}:role/{n}"),
            ],
            Some(ram("role/*")),
        ),
        Thing::Policy(PolicyType::Custom, n) => {
            (vec![ram(&format!("policy/{n}"))], Some(ram("policy/*")))
        }
        Thing::Policy(PolicyType::System, n) => {
            (vec![format!("acs:ram:*:system:policy/{n}")], None)
        }
        Thing::Key(id) => (vec![kms(&format!("key/{id}"))], Some(kms("key"))),
        Thing::Alias(n) => (vec![kms(n)], Some(kms("alias"))),
        Thing::Secret(n) => (vec![kms(&format!("secret/{n}"))], Some(kms("secret"))),
        Thing::Account => (vec![ram("*")], None),
        Thing::Mfa(n) => (vec![ram(&format!("mfa/{n}"))], Some(ram("mfa/*"))),
        Thing::Provider(kind, n) => {
            let k = match kind {
                ProviderKind::Oidc => "oidc-provider",
                ProviderKind::Saml => "saml-provider",
            };
            (
                vec![format!("acs:ram::{uid}:{k}/{n}")],
                Some(format!("acs:ram::{uid}:{k}/*")),
            )
        }
    }
}

/// Touches of the caller's or the service's own identity, and of the
/// service's default key (which protects secrets made without a key of
/// their own and needs no permission of the caller).
fn exempt(t: &Touch, caller: Option<&str>) -> bool {
    match (&t.thing, t.via) {
        (Thing::User(u), "touch_access_key") => Some(u.as_str()) == caller,
        (Thing::Role(r), "get_role") => {
            SERVICE_ROLES.contains(&r.as_str())
                || r.starts_with("AliyunServiceRoleForKMSSecretsManager")
        }
        (Thing::Key(_), _) => t.default_key,
        // The account-wide rules every request is subject to (the password
        // policy a new password must meet, the security preference a user
        // acting on itself falls under) are applied, not handed out; only
        // changing them needs `acs:ram:*:<uid>:*`.
        (Thing::Account, "get_setting") => true,
        _ => false,
    }
}

/// Whether a store method only reads.
fn is_read(via: &str) -> bool {
    via.starts_with("get_") || via.starts_with("list_") || via == "attachment_count"
}

/// Whether `touch` was authorized. A created entity, or one read, may be
/// covered by its container (`user/*`, `key`, `secret`: what a listing or a
/// creation is authorized on); a listing action (`List…`) may read the
/// entities it lists; everything else needs its own ARN.
fn covered(fx: &Fixture, action: &str, touch: &Touch, authorized: &[&str]) -> bool {
    let (exact, container) = arns(fx, &touch.thing);
    let read = is_read(touch.via);
    exact.iter().any(|a| authorized.contains(&a.as_str()))
        || ((touch.create || read)
            && container
                .as_deref()
                .is_some_and(|c| authorized.contains(&c)))
        || (read && action.starts_with("List") && !authorized.is_empty())
}

#[test]
fn every_touched_entity_was_authorized() {
    let fx = fixture();
    let base = defaults(&fx);
    let mut requests = 0usize;
    let mut failures = Vec::new();
    let mut per_action = Vec::new();
    for product in Product::all() {
        for spec in action_table(product) {
            if spec.anonymous.is_some() {
                // No caller to authorize: the request proves who it is
                // (an OIDC token, a SAML assertion) and the role's trust
                // policy decides (tests/federation.rs).
                continue;
            }
            if spec.targets.is_empty() {
                // The real services require no permission for these two.
                assert!(
                    ["GetCallerIdentity", "DescribeRegions"].contains(&spec.name),
                    "only GetCallerIdentity and DescribeRegions are unauthorized, not {}",
                    spec.name
                );
            }
            let fixed = action_overrides(&fx, product, spec.name);
            let mut sets: Vec<Overrides> = vec![vec![]];
            for sel in spec.targets {
                sets.extend(variants(&fx, sel));
            }
            per_action.push((spec.name, sets.len()));
            for set in &sets {
                let mut params = base.clone();
                for (k, v) in fixed.iter().chain(set.iter()) {
                    match v {
                        Some(v) => params.insert(k, v.clone()),
                        None => params.remove(k),
                    };
                }
                let params: Vec<(&str, &str)> =
                    params.iter().map(|(k, v)| (*k, v.as_str())).collect();
                for (who, creds, caller) in [
                    ("root", &fx.root, None),
                    ("admin", &fx.admin, Some("oracle-admin")),
                ] {
                    let env = fresh(&fx);
                    let recorder = env.recorder.clone().unwrap();
                    recorder.take();
                    let before = recorder.inner.generation();
                    let (status, body, outcome) = env.call(creds, product, spec.name, &params);
                    requests += 1;
                    // An action served before its nonce is known fresh
                    // must change nothing: a replay of it is refused only
                    // once it has run.
                    if spec.reads && recorder.inner.generation() != before {
                        failures.push(format!(
                            "{who} {} {set:?} → {status}: runs before its nonce is settled (declared `read`) but changed the store",
                            spec.name
                        ));
                    }
                    // A handler asking its target for what the table's
                    // selectors do not resolve (a table/handler mismatch)
                    // answers an internal error: no request may.
                    if status == 500 {
                        failures.push(format!(
                            "{who} {} {set:?} → 500 {}: an internal error (does the handler read a target its table entry does not select?)",
                            spec.name,
                            body["Code"].as_str().unwrap_or("?")
                        ));
                    }
                    let authorized: Vec<&str> =
                        outcome.authorized.iter().map(|(_, r)| r.as_str()).collect();
                    let log = recorder.take();
                    // Authentication reads the caller's own user first.
                    let own = log
                        .iter()
                        .take_while(|t| {
                            matches!(&t.thing, Thing::User(u) if Some(u.as_str()) == caller)
                                && matches!(t.via, "get_access_key" | "get_user")
                        })
                        .count();
                    for touch in &log[own..] {
                        if exempt(touch, caller) {
                            continue;
                        }
                        if !covered(&fx, spec.name, touch, &authorized) {
                            failures.push(format!(
                                "{who} {} {set:?} → {status} {}: touched {:?} via {} but authorized only {authorized:?}",
                                spec.name,
                                body["Code"].as_str().unwrap_or("OK"),
                                touch.thing,
                                touch.via
                            ));
                        }
                    }
                }
            }
        }
    }
    let actions = per_action.len();
    eprintln!(
        "oracle: {actions} actions, {} request variants, {requests} requests (as the account and as a RAM user)",
        per_action.iter().map(|(_, n)| n).sum::<usize>()
    );
    assert!(
        failures.is_empty(),
        "{} requests touched what they were not authorized on:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// What a handler may ask its target for (the accessor's word in the
/// internal error `Target` answers when the plan has no such entity),
/// given the table entry's selectors.
fn provides(sel: &Sel) -> &'static [&'static str] {
    match sel {
        Sel::User { .. }
        | Sel::Caller
        | Sel::Upn { .. }
        | Sel::ImsUser { .. }
        | Sel::NewUserName(_)
        | Sel::RamSecretUser => &["user"],
        Sel::Mfa(_) => &["MFA device"],
        Sel::Provider { .. } => &["identity provider"],
        Sel::Group(_) | Sel::NewGroupName(_) => &["group"],
        Sel::Role(_) | Sel::RoleArn(_) => &["role"],
        Sel::Policy(_) => &["policy"],
        Sel::Key { .. } | Sel::BlobKey(_) => &["key"],
        Sel::Alias { existing: true, .. } => &["alias", "key"],
        Sel::Alias { .. } => &["alias"],
        Sel::Secret { .. } => &["secret"],
        Sel::Tagged => &["tagged resource", "key", "secret"],
        Sel::Container(_)
        | Sel::Providers(_)
        | Sel::ImsTagged
        | Sel::SecretsList
        | Sel::TypedResources
        | Sel::RamTagged
        | Sel::DbInstance => &[],
    }
}

/// Every handler, run on an empty target, asks first for an entity its table
/// entry selects. The entry's selectors come from the handler's `on::` types,
/// so this checks those types: each must read from the target only the kind
/// of entity its own selector resolves.
#[test]
fn every_handler_asks_only_for_what_its_entry_selects() {
    let fx = fixture();
    let base = defaults(&fx);
    let principal = rampart_core::Principal::Root {
        account_id: fx.account_id.clone(),
        access_key_id: fx.root.id.clone(),
    };
    let empty = rampart_gateway::target::Target::default();
    let mut asked = 0usize;
    let mut failures = Vec::new();
    for product in Product::all() {
        for spec in action_table(product) {
            if spec.anonymous.is_some() {
                continue;
            }
            let mut params = base.clone();
            for (k, v) in action_overrides(&fx, product, spec.name) {
                match v {
                    Some(v) => params.insert(k, v),
                    None => params.remove(k),
                };
            }
            let params = rampart_gateway::Params::from_pairs(
                params.into_iter().map(|(k, v)| (k.to_string(), v)),
            );
            let env = fresh(&fx);
            let ctx = rampart_gateway::Ctx {
                rampart: env.gw.rampart(),
                principal: &principal,
                source_ip: Some("127.0.0.1"),
                secure: false,
                product,
            };
            // An internal error tells the client nothing: its detail is
            // in the log.
            let log = Captured::default();
            let writer = log.clone();
            let subscriber = tracing_subscriber::fmt()
                .with_writer(move || writer.clone())
                .with_ansi(false)
                .finish();
            let result =
                tracing::subscriber::with_default(subscriber, || spec.run(&ctx, &empty, &params));
            if result.is_ok() {
                continue;
            }
            let text = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
            let Some(kind) = text
                .split_once("the action's target has no ")
                .and_then(|(_, rest)| rest.lines().next())
                .map(str::trim)
            else {
                continue;
            };
            asked += 1;
            if !spec.targets.iter().any(|s| provides(s).contains(&kind)) {
                failures.push(format!(
                    "{} asks its target for a {kind}, but its table entry selects only {:?}",
                    spec.name, spec.targets
                ));
            }
        }
    }
    eprintln!("{asked} handlers asked an empty target for an entity");
    assert!(asked > 100, "only {asked} handlers reached their target");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A log written to memory.
#[derive(Clone, Default)]
struct Captured(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
