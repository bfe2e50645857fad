//! What an action acts on: one type per selector, each holding the entity
//! its selector resolved (see [`crate::action`]).
//!
//! A handler names these in its signature (`on::User`, `on::Secret`); the
//! action table takes the selectors from them. Each type reads its entity
//! from the resolved target the one way its selector puts it there.

use rampart_core::kms::secrets::SecretName;
use rampart_core::kms::KeyId;
use rampart_core::ram::{GroupName, PolicyName, UserName};
use rampart_core::ApiError;
use rampart_store::{PolicyType, ProviderKind, RoleRow, TagResource};

use crate::action::Selector;
use crate::target::{BatchItem, Container, PolicyKind, Sel, Target};

/// A selector whose entity the handler does not read (a container the
/// action lists or creates in, a new name checked by authorization).
macro_rules! marker {
    ($($(#[$doc:meta])* $name:ident = $sel:expr;)*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy)]
        pub struct $name;

        impl Selector for $name {
            const SEL: Sel = $sel;
            fn take(_: &Target) -> Result<Self, ApiError> {
                Ok(Self)
            }
        }
    )*};
}

/// A selector whose entity the handler receives.
macro_rules! entity {
    ($($(#[$doc:meta])* $name:ident($ty:ty) = $sel:expr, |$t:ident| $take:expr;)*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone)]
        pub struct $name(pub $ty);

        impl Selector for $name {
            const SEL: Sel = $sel;
            fn take($t: &Target) -> Result<Self, ApiError> {
                Ok(Self($take))
            }
        }
    )*};
}

marker! {
    /// `acs:ram:*:<uid>:user/*`: listing or creating users.
    Users = Sel::Container(Container::Users);
    /// `acs:ram:*:<uid>:group/*`.
    Groups = Sel::Container(Container::Groups);
    /// `acs:ram:*:<uid>:role/*`.
    Roles = Sel::Container(Container::Roles);
    /// `acs:ram:*:<uid>:policy/*`.
    Policies = Sel::Container(Container::Policies);
    /// `acs:ram:*:<uid>:*`: the account's RAM settings.
    RamAccount = Sel::Container(Container::RamAccount);
    /// `acs:ram:*:<uid>:*`: diagnostics on the account.
    Account = Sel::Container(Container::Account);
    /// `acs:ram:*:<uid>:mfa/*`.
    MfaDevices = Sel::Container(Container::MfaDevices);
    /// `acs:kms:<region>:<uid>:key`.
    Keys = Sel::Container(Container::Keys);
    /// `acs:kms:<region>:<uid>:secret`.
    Secrets = Sel::Container(Container::Secrets);
    /// `acs:kms:<region>:<uid>:alias`.
    Aliases = Sel::Container(Container::Aliases);
    /// `acs:kms:<region>:<uid>:*`.
    Kms = Sel::Container(Container::Kms);
    /// `acs:actiontrail:<region>:<uid>:*`.
    Trail = Sel::Container(Container::Trail);
    /// `NewUserName`: the name a user is renamed to, authorized like that
    /// user (the handler reads the parameter).
    NewUserName = Sel::NewUserName("NewUserName");
    /// IMS's `NewUserPrincipalName` (see [`NewUserName`]).
    NewUserPrincipalName = Sel::NewUserName("NewUserPrincipalName");
    /// `NewGroupName` (see [`NewUserName`]).
    NewGroupName = Sel::NewGroupName("NewGroupName");
    /// The RAM user a new RAM secret holds, authorized with `ram:GetUser`.
    RamSecretUser = Sel::RamSecretUser;
    /// The database instance a database secret acts on.
    DbInstance = Sel::DbInstance;
    /// The account's OIDC providers.
    OidcProviders = Sel::Providers(ProviderKind::Oidc);
    /// The account's SAML providers.
    SamlProviders = Sel::Providers(ProviderKind::Saml);
}

entity! {
    /// `UserName`, or the calling RAM user when it is absent.
    User(UserName) = Sel::User { param: "UserName", self_default: true },
        |t| t.user()?.clone();
    /// `UserName`, required.
    NamedUser(UserName) = Sel::User { param: "UserName", self_default: false },
        |t| t.user()?.clone();
    /// The calling RAM user, named by no parameter.
    Caller(UserName) = Sel::Caller, |t| t.user()?.clone();
    /// IMS's `UserPrincipalName`, or the calling RAM user when it is absent.
    Upn(UserName) = Sel::Upn { self_default: true }, |t| t.user()?.clone();
    /// IMS's `UserPrincipalName`, required.
    NamedUpn(UserName) = Sel::Upn { self_default: false }, |t| t.user()?.clone();
    /// An IMS user by `UserPrincipalName` or `UserId`.
    ImsUser(UserName) = Sel::ImsUser { access_key: false }, |t| t.user()?.clone();
    /// An IMS user by `UserPrincipalName`, `UserId` or `UserAccessKeyId`.
    ImsUserOrKey(UserName) = Sel::ImsUser { access_key: true }, |t| t.user()?.clone();
    /// The users of IMS's tag actions: (kind, stored id, name).
    ImsTagged(Vec<(TagResource, String, String)>) = Sel::ImsTagged, |t| t.ram_tagged();
    /// The roles and custom policies of RAM's tag actions: (kind, stored
    /// id, name).
    RamTagged(Vec<(TagResource, String, String)>) = Sel::RamTagged, |t| t.ram_tagged();
    /// `GroupName`: the group's stored name.
    Group(GroupName) = Sel::Group("GroupName"), |t| t.group()?.clone();
    /// `RoleName`: the role as stored.
    Role(RoleRow) = Sel::Role("RoleName"), |t| t.role()?.clone();
    /// `RoleArn`: the role as stored.
    RoleArn(RoleRow) = Sel::RoleArn("RoleArn"), |t| t.role()?.clone();
    /// `PolicyName` of a custom policy (`PolicyType` is ignored).
    CustomPolicy(PolicyName) = Sel::Policy(PolicyKind::CustomOnly),
        |t| t.policy()?.1.clone();
    /// `VirtualMFADeviceName`: a new device's serial number.
    NewMfa(String) = Sel::Mfa("VirtualMFADeviceName"), |t| t.mfa()?.to_string();
    /// `SerialNumber`: an existing device's serial number.
    Mfa(String) = Sel::Mfa("SerialNumber"), |t| t.mfa()?.to_string();
    /// `OIDCProviderName`, existing.
    Oidc(String) = Sel::Provider {
        kind: ProviderKind::Oidc, param: "OIDCProviderName", existing: true,
    }, |t| t.provider()?.to_string();
    /// `OIDCProviderName`, new.
    NewOidc(String) = Sel::Provider {
        kind: ProviderKind::Oidc, param: "OIDCProviderName", existing: false,
    }, |t| t.provider()?.to_string();
    /// `SAMLProviderName`, existing.
    Saml(String) = Sel::Provider {
        kind: ProviderKind::Saml, param: "SAMLProviderName", existing: true,
    }, |t| t.provider()?.to_string();
    /// `SAMLProviderName`, new.
    NewSaml(String) = Sel::Provider {
        kind: ProviderKind::Saml, param: "SAMLProviderName", existing: false,
    }, |t| t.provider()?.to_string();
    /// `KeyId`: a key by id, alias or the ARN of either.
    Key(KeyId) = Sel::Key { param: "KeyId", fallback: None, action: None, optional: false },
        |t| t.key("KeyId")?.clone();
    /// `ProtectedResourceArn`, or `KeyId` when it is absent.
    ProtectedKey(KeyId) = Sel::Key {
        param: "ProtectedResourceArn", fallback: Some("KeyId"), action: None, optional: false,
    }, |t| t.key("ProtectedResourceArn")?.clone();
    /// `DestinationKeyId` of `ReEncrypt`.
    DestinationKey(KeyId) = Sel::Key {
        param: "DestinationKeyId", fallback: None, action: None, optional: false,
    }, |t| t.key("DestinationKeyId")?.clone();
    /// `EncryptionKeyId` of a new secret, if given, authorized with
    /// `kms:GenerateDataKey`.
    EncryptionKey(Option<KeyId>) = Sel::Key {
        param: "EncryptionKeyId", fallback: None, action: Some("kms:GenerateDataKey"),
        optional: true,
    }, |t| t.key_opt("EncryptionKeyId").cloned();
    /// The key a `CiphertextBlob` was made under.
    BlobKey(KeyId) = Sel::BlobKey("CiphertextBlob"), |t| t.key("CiphertextBlob")?.clone();
    /// `AliasName`, new.
    NewAlias(String) = Sel::Alias { param: "AliasName", existing: false },
        |t| t.alias()?.to_string();
    /// `AliasName`, existing (the key it points to is authorized too).
    Alias(String) = Sel::Alias { param: "AliasName", existing: true },
        |t| t.alias()?.to_string();
    /// `SecretName`: a secret by name or ARN.
    Secret(SecretName) = Sel::Secret { param: "SecretName", key_action: None },
        |t| t.secret()?.clone();
    /// `SecretName`, whose key is authorized with `kms:Decrypt`.
    SecretToRead(SecretName) = Sel::Secret {
        param: "SecretName", key_action: Some("kms:Decrypt"),
    }, |t| t.secret()?.clone();
    /// `SecretName`, whose key is authorized with `kms:GenerateDataKey`.
    SecretToWrite(SecretName) = Sel::Secret {
        param: "SecretName", key_action: Some("kms:GenerateDataKey"),
    }, |t| t.secret()?.clone();
    /// `SecretsList` of `BatchGetSecretValue`: each secret, or why not.
    SecretsList(Vec<BatchItem>) = Sel::SecretsList, |t| t.batch().to_vec();
    /// `ResourceType` and `ResourceId.N`: keys or secrets.
    TypedResources(Vec<(TagResource, String)>) = Sel::TypedResources,
        |t| t.resources().to_vec();
}

/// A policy by `PolicyName` and `PolicyType`; an absent type means `Custom`.
#[derive(Debug, Clone)]
pub struct Policy(pub PolicyType, pub PolicyName);

impl Selector for Policy {
    const SEL: Sel = Sel::Policy(PolicyKind::DefaultCustom);
    fn take(t: &Target) -> Result<Self, ApiError> {
        let (kind, name) = t.policy()?;
        Ok(Self(kind, name.clone()))
    }
}

/// A policy by `PolicyName` and a required `PolicyType` (attach, detach).
#[derive(Debug, Clone)]
pub struct TypedPolicy(pub PolicyType, pub PolicyName);

impl Selector for TypedPolicy {
    const SEL: Sel = Sel::Policy(PolicyKind::Typed);
    fn take(t: &Target) -> Result<Self, ApiError> {
        let (kind, name) = t.policy()?;
        Ok(Self(kind, name.clone()))
    }
}

/// `KeyId` or `SecretName` (exactly one): the tagged resource (kind, stored
/// id or name).
#[derive(Debug, Clone)]
pub struct Tagged(pub TagResource, pub String);

impl Selector for Tagged {
    const SEL: Sel = Sel::Tagged;
    fn take(t: &Target) -> Result<Self, ApiError> {
        let (kind, id) = t.tagged()?;
        Ok(Self(kind, id.to_string()))
    }
}

/// A selector that resolves to one user, for handlers that RAM and IMS
/// share (`on::NamedUser` in RAM, `on::NamedUpn` in IMS).
pub trait OneUser: Selector {
    /// The user's stored name.
    fn name(&self) -> &UserName;
}

macro_rules! one_user {
    ($($name:ident),*) => {$(
        impl OneUser for $name {
            fn name(&self) -> &UserName {
                &self.0
            }
        }
    )*};
}

one_user!(
    User,
    NamedUser,
    Caller,
    Upn,
    NamedUpn,
    ImsUser,
    ImsUserOrKey
);
