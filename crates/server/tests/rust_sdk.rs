//! An independent Rust client from crates.io, `aliyun-openapi-core-rust-sdk`
//! (RPC V1, HMAC-SHA1, nanosecond `Timestamp`s such as
//! `2026-11-30T14:06:07.073000000Z`, a UUID nonce, GET or POST with every
//! parameter in the query), doing RAM, STS and KMS calls against a real
//! `rampart serve`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails by panicking"
)]

mod harness;

use aliyun_openapi_core_rust_sdk::client::error::Error;
use aliyun_openapi_core_rust_sdk::client::rpc::RPClient;
use harness::{Creds, Proc};
use serde_json::Value;

const RAM: &str = "2015-05-01";
const STS: &str = "2015-04-01";
const KMS: &str = "2016-01-20";

struct Sdk {
    rt: tokio::runtime::Runtime,
    endpoint: String,
}

impl Sdk {
    fn new(p: &Proc) -> Self {
        Self {
            rt: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap(),
            endpoint: format!("{}/", p.base_url()),
        }
    }

    /// One call; `Err((code, message))` for an error answer.
    fn call(
        &self,
        c: &Creds,
        method: &str,
        version: &str,
        action: &str,
        params: &[(&str, &str)],
    ) -> Result<Value, (String, String)> {
        let client = RPClient::new(c.id.clone(), c.secret.clone(), self.endpoint.clone())
            .version(version)
            .request(method, action)
            .query(params.iter().copied());
        match self.rt.block_on(client.json::<Value>()) {
            Ok(v) => Ok(v),
            Err(Error::InvalidResponse {
                error_code,
                error_message,
                ..
            }) => Err((error_code, error_message)),
            Err(e) => panic!("{action}: {e}"),
        }
    }

    fn ok(&self, c: &Creds, version: &str, action: &str, params: &[(&str, &str)]) -> Value {
        let v = self
            .call(c, "POST", version, action, params)
            .unwrap_or_else(|e| panic!("{action} {params:?}: {e:?}"));
        assert!(v["RequestId"].is_string(), "{action}: {v}");
        v
    }
}

#[test]
fn ram_sts_and_kms_through_the_rust_sdk() {
    let dir = tempfile::tempdir().unwrap();
    let p = Proc::start(dir.path(), &[]);
    let sdk = Sdk::new(&p);
    let root = p.root();
    let uid = p.root_account_id();

    // RAM: a user with a key and a policy, by GET and by POST.
    let u = sdk.ok(&root, RAM, "CreateUser", &[("UserName", "rust-sdk")]);
    assert_eq!(u["User"]["UserName"], "rust-sdk");
    let got = sdk
        .call(&root, "GET", RAM, "GetUser", &[("UserName", "rust-sdk")])
        .unwrap();
    assert_eq!(got["User"]["UserId"], u["User"]["UserId"]);
    let k = sdk.ok(&root, RAM, "CreateAccessKey", &[("UserName", "rust-sdk")]);
    let user = Creds {
        id: k["AccessKey"]["AccessKeyId"].as_str().unwrap().into(),
        secret: k["AccessKey"]["AccessKeySecret"].as_str().unwrap().into(),
    };
    let list = sdk.ok(&root, RAM, "ListUsers", &[("MaxItems", "10")]);
    assert!(list["Users"]["User"]
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x["UserName"] == "rust-sdk"));

    // The user is denied until a policy allows; the SDK reports the code.
    let (code, msg) = sdk
        .call(&user, "POST", KMS, "ListKeys", &[])
        .expect_err("a user without policies");
    assert_eq!(code, "Forbidden.NoPermission", "{msg}");
    sdk.ok(
        &root,
        RAM,
        "CreatePolicy",
        &[
            ("PolicyName", "rust-sdk-kms"),
            (
                "PolicyDocument",
                r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":["kms:*","sts:AssumeRole"],"Resource":"*"}]}"#,
            ),
        ],
    );
    sdk.ok(
        &root,
        RAM,
        "AttachPolicyToUser",
        &[
            ("PolicyType", "Custom"),
            ("PolicyName", "rust-sdk-kms"),
            ("UserName", "rust-sdk"),
        ],
    );

    // STS: who am I, then a role session (the token as a signed parameter).
    let me = sdk.ok(&user, STS, "GetCallerIdentity", &[]);
    assert_eq!(me["Arn"], format!("acs:ram::{uid}:user/rust-sdk"));
    assert_eq!(me["IdentityType"], "RAMUser");
    let trust = format!(
        r#"{{"Statement":[{{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{{"RAM":["acs:ram::{uid}:root"]}}}}],"Version":"1"}}"#
    );
    sdk.ok(
        &root,
        RAM,
        "CreateRole",
        &[
            ("RoleName", "rust-sdk-role"),
            ("AssumeRolePolicyDocument", &trust),
        ],
    );
    sdk.ok(
        &root,
        RAM,
        "AttachPolicyToRole",
        &[
            ("PolicyType", "Custom"),
            ("PolicyName", "rust-sdk-kms"),
            ("RoleName", "rust-sdk-role"),
        ],
    );
    let arn = format!("acs:ram::{uid}:role/rust-sdk-role");
    let s = sdk.ok(
        &user,
        STS,
        "AssumeRole",
        &[
            ("RoleArn", &arn),
            ("RoleSessionName", "rust"),
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
    let who = sdk.ok(
        &session,
        STS,
        "GetCallerIdentity",
        &[("SecurityToken", &token)],
    );
    assert_eq!(who["IdentityType"], "AssumedRoleUser", "{who}");

    // KMS, as the role session: a key, encryption, a secret.
    let t = [("SecurityToken", token.as_str())];
    let with = |extra: &[(&'static str, &str)]| -> Vec<(&str, String)> {
        t.iter()
            .chain(extra.iter())
            .map(|(k, v)| (*k, v.to_string()))
            .collect()
    };
    let call = |action: &str, extra: &[(&'static str, &str)]| -> Value {
        let owned = with(extra);
        let params: Vec<(&str, &str)> = owned.iter().map(|(k, v)| (*k, v.as_str())).collect();
        sdk.ok(&session, KMS, action, &params)
    };
    let regions = call("DescribeRegions", &[]);
    assert_eq!(regions["Regions"]["Region"][0]["RegionId"], "cn-hangzhou");
    let key = call("CreateKey", &[("Description", "rust sdk")]);
    let kid = key["KeyMetadata"]["KeyId"].as_str().unwrap().to_string();
    let enc = call("Encrypt", &[("KeyId", &kid), ("Plaintext", "aGVsbG8=")]);
    let blob = enc["CiphertextBlob"].as_str().unwrap().to_string();
    let dec = call("Decrypt", &[("CiphertextBlob", &blob)]);
    assert_eq!(
        (dec["Plaintext"].as_str(), dec["KeyId"].as_str()),
        (Some("aGVsbG8="), Some(kid.as_str()))
    );
    call(
        "CreateSecret",
        &[
            ("SecretName", "rust/sdk"),
            ("SecretData", "p@ss word+/="),
            ("VersionId", "v1"),
            ("EncryptionKeyId", &kid),
        ],
    );
    let v = call("GetSecretValue", &[("SecretName", "rust/sdk")]);
    assert_eq!(v["SecretData"], "p@ss word+/=");
    assert_eq!(v["VersionId"], "v1");

    // A wrong secret is refused with the signature error.
    let bad = Creds {
        id: user.id.clone(),
        secret: "not-the-secret".into(),
    };
    let (code, _) = sdk
        .call(&bad, "POST", RAM, "GetUser", &[])
        .expect_err("a wrong secret");
    assert_eq!(code, "SignatureDoesNotMatch");
}
