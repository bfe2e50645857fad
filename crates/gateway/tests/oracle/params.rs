//! The oracle's request parameters: the values every request starts from,
//! and what each action needs beyond them to get past validation.

use std::collections::BTreeMap;

use rampart_gateway::Product;

use super::{Fixture, ALLOW_ALL, SERVICE_ROLES};

pub type Overrides = Vec<(&'static str, Option<String>)>;

/// Parameter values every request starts from.
pub fn defaults(fx: &Fixture) -> BTreeMap<&'static str, String> {
    let uid = &fx.account_id;
    let trust = format!(
        r#"{{"Version":"1","Statement":[{{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{{"RAM":["acs:ram::{uid}:root"]}}}}]}}"#
    );
    BTreeMap::from([
        ("UserName", "alice".to_string()),
        ("GroupName", "devs".into()),
        ("RoleName", "ProtectedAdmin".into()),
        ("PolicyName", "guard".into()),
        ("PolicyType", "Custom".into()),
        ("PolicyDocument", ALLOW_ALL.into()),
        ("AssumeRolePolicyDocument", trust),
        ("NewAssumeRolePolicyDocument", ALLOW_ALL.into()),
        ("UserAccessKeyId", fx.alice_key.clone()),
        ("Status", "Inactive".into()),
        ("VersionId", "v2".into()),
        ("Password", "An0ther-Secret!".into()),
        ("NewDescription", "changed".into()),
        ("ServiceName", "ramcredentials.kms.aliyuncs.com".into()),
        ("RoleArn", format!("acs:ram::{uid}:role/ProtectedAdmin")),
        ("RoleSessionName", "oracle".into()),
        ("KeyId", fx.k1.clone()),
        ("DestinationKeyId", fx.k2.clone()),
        ("AliasName", "alias/k1".into()),
        ("Plaintext", "hello".into()),
        ("CiphertextBlob", fx.blob_k1.clone()),
        ("PendingWindowInDays", "7".into()),
        ("EnableDeletionProtection", "true".into()),
        ("EnableAutomaticRotation", "false".into()),
        ("SecretName", "app/db".into()),
        ("SecretData", "value".into()),
        ("SecretsList", r#"[{"SecretName":"app/db"}]"#.into()),
        ("VersionStage", "ACSCurrent".into()),
        ("MoveToVersion", "v1".into()),
        ("RemoveFromVersion", "v2".into()),
        ("Tags", r#"[{"TagKey":"k","TagValue":"v"}]"#.into()),
        ("TagKeys", r#"["env"]"#.into()),
        ("ResourceType", "secret".into()),
        ("ResourceId.1", "app/db".into()),
        ("Tag.1.Key", "k".into()),
        ("Tag.1.Value", "v".into()),
        ("TagKey.1", "env".into()),
        ("RecoveryWindowInDays", "7".into()),
        ("Description", "d".into()),
        ("VirtualMFADeviceName", "newmfa".into()),
        ("SerialNumber", format!("acs:ram::{uid}:mfa/spare")),
        ("AuthenticationCode1", fx.spare_codes.0.clone()),
        ("AuthenticationCode2", fx.spare_codes.1.clone()),
        ("OldPassword", "Sup3r-Secret!1".into()),
        ("NewPassword", "An0ther-Secret!".into()),
        ("AccountAlias", "oracle-corp".into()),
        ("UserPrincipalName", format!("alice@{uid}.onaliyun.com")),
    ])
}

/// What an action needs beyond the defaults to get past validation.
pub fn action_overrides(fx: &Fixture, product: Product, action: &str) -> Overrides {
    let uid = &fx.account_id;
    let s = |v: &str| Some(v.to_string());
    if let Some(o) = fx.asym.overrides(uid, action) {
        return o;
    }
    match action {
        "CreateUser" => vec![
            ("UserName", s("newuser")),
            (
                "UserPrincipalName",
                Some(format!("newuser@{uid}.onaliyun.com")),
            ),
            ("DisplayName", s("New User")),
        ],
        "CreateGroup" => vec![("GroupName", s("newgroup"))],
        "CreateRole" => vec![("RoleName", s("NewRole"))],
        "CreatePolicy" => vec![("PolicyName", s("newpolicy"))],
        "CreateAlias" => vec![("AliasName", s("alias/new"))],
        "CreateSecret" => vec![("SecretName", s("new/secret"))],
        "CreateOIDCProvider" => vec![
            ("OIDCProviderName", s("new-oidc")),
            ("IssuerUrl", s("https://new.example.com")),
        ],
        "CreateSAMLProvider" => vec![
            ("SAMLProviderName", s("new-saml")),
            ("EncodedSAMLMetadataDocument", Some(saml_metadata())),
        ],
        "AddClientIdToOIDCProvider" => vec![("ClientId", s("another"))],
        "RemoveClientIdFromOIDCProvider" => vec![("ClientId", s("sts.aliyuncs.com"))],
        "AddFingerprintToOIDCProvider" => vec![("Fingerprint", s(&"b".repeat(40)))],
        "RemoveFingerprintFromOIDCProvider" => vec![("Fingerprint", s(FINGERPRINT))],
        "UpdateSAMLProvider" => vec![("NewDescription", s("new"))],
        "DeleteUser" => vec![
            ("UserName", s("dave")),
            (
                "UserPrincipalName",
                Some(format!("dave@{uid}.onaliyun.com")),
            ),
        ],
        "BindMFADevice" => vec![
            ("UserName", s("carol")),
            (
                "UserPrincipalName",
                Some(format!("carol@{uid}.onaliyun.com")),
            ),
        ],
        "TagResources" | "UntagResources" | "ListTagResources" if product == Product::Ram => vec![
            ("ResourceType", s("role")),
            ("ResourceNames", s(r#"["ProtectedAdmin"]"#)),
            ("Tag", s(r#"[{"Key":"team","Value":"a"}]"#)),
        ],
        "GetUser" | "UpdateUser" if product == Product::Ims => vec![("UserAccessKeyId", None)],
        "TagResources" | "UntagResources" | "ListTagResources" if product == Product::Ims => vec![
            ("ResourceType", s("user")),
            (
                "ResourcePrincipalName.1",
                Some(format!("alice@{uid}.onaliyun.com")),
            ),
            ("ResourceId.1", None),
        ],
        "DeletePolicyVersion" => vec![("VersionId", s("v1"))],
        // A secret has one policy, `default` (the defaults' `PolicyName`
        // names a RAM policy).
        "GetSecretPolicy" => vec![("PolicyName", s("default"))],
        "SetSecretPolicy" => resource_policy(uid, "kms:GetSecretValue"),
        "UpdateSecretVersionStage" => {
            vec![("VersionStage", s("Custom")), ("RemoveFromVersion", None)]
        }
        "RotateSecret" => vec![
            ("SecretName", s("acs/ram/user/carol")),
            ("VersionId", s("r1")),
        ],
        "UpdateSecretRotationPolicy" => vec![("SecretName", s("acs/ram/user/carol"))],
        "TagResource" | "UntagResource" => vec![("KeyId", None)],
        "DeleteServiceLinkedRole" => vec![("RoleName", s(SERVICE_ROLES[1]))],
        _ => vec![],
    }
}

/// `SetKeyPolicy`'s and `SetSecretPolicy`'s parameters: the one policy a
/// key or secret has (`default`; the defaults' `PolicyName` names a RAM
/// policy), allowing alice `action`.
pub fn resource_policy(uid: &str, action: &str) -> Overrides {
    vec![
        (
            "Policy",
            Some(format!(
                r#"{{"Version":"1","Statement":[{{"Effect":"Allow","Principal":{{"RAM":["acs:ram::{uid}:user/alice"]}},"Action":"{action}","Resource":"*"}}]}}"#
            )),
        ),
        ("PolicyName", Some("default".into())),
    ]
}

/// The spellings of an IMS user (`Sel::ImsUser`): by logon name, user id
/// and (with `access_key`) AccessKey id, exactly one each time.
pub fn ims_user_variants(fx: &Fixture, access_key: bool) -> Vec<Overrides> {
    let uid = &fx.account_id;
    let only = |p: &'static str, v: String| -> Overrides {
        ["UserPrincipalName", "UserId", "UserAccessKeyId"]
            .into_iter()
            .map(|q| (q, (q == p).then(|| v.clone())))
            .collect()
    };
    let mut v: Vec<Overrides> = [
        format!("ALICE@{uid}.onaliyun.com"),
        format!("carol@{uid}.onaliyun.com"),
        "alice@1111111111111111.onaliyun.com".into(),
    ]
    .into_iter()
    .map(|u| only("UserPrincipalName", u))
    .collect();
    for id in [&fx.user_ids.0, &fx.user_ids.1, "no-such-user"] {
        v.push(only("UserId", id.to_string()));
    }
    if access_key {
        for k in [&fx.alice_key, &fx.dave_key.id, &fx.root.id, "LTAInone"] {
            v.push(only("UserAccessKeyId", k.to_string()));
        }
    }
    v
}

/// The users of IMS's tag actions (`Sel::ImsTagged`): by logon names (one
/// or two, existing or not, of this account or not) or by user ids.
pub fn ims_tagged_variants(fx: &Fixture) -> Vec<Overrides> {
    let uid = &fx.account_id;
    let upn = |n: &str| Some(format!("{n}@{uid}.onaliyun.com"));
    let names = |a: Option<String>, b: Option<String>| -> Overrides {
        vec![
            ("ResourcePrincipalName.1", a),
            ("ResourcePrincipalName.2", b),
            ("ResourceId.1", None),
        ]
    };
    let ids = |a: &str| -> Overrides {
        vec![
            ("ResourcePrincipalName.1", None),
            ("ResourceId.1", Some(a.to_string())),
        ]
    };
    vec![
        names(upn("ALICE"), None),
        names(upn("alice"), upn("carol")),
        names(upn("carol"), upn("missing")),
        names(Some("alice@1111111111111111.onaliyun.com".into()), None),
        ids(&fx.user_ids.0),
        ids(&fx.user_ids.1),
        ids("no-such-user"),
    ]
}

/// A fingerprint the oracle's OIDC provider pins.
pub const FINGERPRINT: &str = "902ef2deeb3c5b13ea4c3d5193629309e2311234";

/// A SAML IdP's metadata (Base64), as providers take it.
pub fn saml_metadata() -> String {
    use base64::Engine;
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../federation/tests/fixtures/saml/metadata.xml");
    base64::engine::general_purpose::STANDARD.encode(std::fs::read(path).unwrap())
}
