//! Products (chosen by API version) and their action tables.

use rampart_core::audit::EventRw;
use rampart_core::ApiError;

use crate::action::{Anonymous, FromParams, Handle, HandleAnonymous, Targets, Typed};
use crate::respond::{Answer, Nothing};
use crate::target::Sel;
use crate::{Ctx, Output};

/// A product served on the one port.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Product {
    /// RAM, version 2015-05-01.
    Ram,
    /// STS, version 2015-04-01.
    Sts,
    /// KMS, version 2016-01-20.
    Kms,
    /// ActionTrail, version 2020-07-06 (the audit trail).
    Actiontrail,
    /// IMS (identity management), version 2019-08-15.
    Ims,
}

impl Product {
    /// The product for an API version.
    pub fn from_version(v: &str) -> Option<Self> {
        match v {
            "2015-05-01" => Some(Product::Ram),
            "2015-04-01" => Some(Product::Sts),
            "2016-01-20" => Some(Product::Kms),
            "2020-07-06" => Some(Product::Actiontrail),
            "2019-08-15" => Some(Product::Ims),
            _ => None,
        }
    }

    /// The API version.
    pub fn version(self) -> &'static str {
        match self {
            Product::Ram => "2015-05-01",
            Product::Sts => "2015-04-01",
            Product::Kms => "2016-01-20",
            Product::Actiontrail => "2020-07-06",
            Product::Ims => "2019-08-15",
        }
    }

    /// The product code (`Ram`, `Sts`, `Kms`).
    pub fn code(self) -> &'static str {
        match self {
            Product::Ram => "Ram",
            Product::Sts => "Sts",
            Product::Kms => "Kms",
            Product::Actiontrail => "Actiontrail",
            Product::Ims => "Ims",
        }
    }

    /// The service prefix of action names in policies (`ram`, `sts`, `kms`).
    /// IMS is RAM's second API: its actions are RAM's (`ram:GetDefaultDomain`).
    pub fn service(self) -> &'static str {
        match self {
            Product::Ram | Product::Ims => "ram",
            Product::Sts => "sts",
            Product::Kms => "kms",
            Product::Actiontrail => "actiontrail",
        }
    }

    /// Every product.
    pub fn all() -> [Product; 5] {
        [
            Product::Ram,
            Product::Sts,
            Product::Kms,
            Product::Actiontrail,
            Product::Ims,
        ]
    }
}

/// The `HostId` of error envelopes, as the real endpoints name themselves.
pub fn host_id(product_code: &str, region: &str) -> String {
    match product_code {
        "Ram" => "ram.aliyuncs.com".into(),
        "Sts" => "sts.aliyuncs.com".into(),
        "Actiontrail" => format!("actiontrail.{region}.aliyuncs.com"),
        "Ims" => "ims.aliyuncs.com".into(),
        "Kms" => format!("kms.{region}.aliyuncs.com"),
        _ => "rampart".into(),
    }
}

/// The handler slot of an anonymous action.
const NO_SIGNED_HANDLER: &Typed<(), (), Nothing> = &Typed::new(no_signed_handler);

/// The handler of an anonymous action's signed path (never called).
fn no_signed_handler(_: &Ctx<'_>, (): (), (): ()) -> Result<Nothing, ApiError> {
    Err(ApiError::internal(
        "an anonymous action reached the signed path",
    ))
}

/// One implemented action: its name, what it acts on, whether it changes
/// anything, its handler.
pub struct ActionSpec {
    /// Action name (`CreateUser`).
    pub name: &'static str,
    /// What the action acts on, each authorized with the action (or the
    /// action its selector names): the selectors of its handler's `on::`
    /// types. Empty only for actions every authenticated caller may make
    /// (`sts:GetCallerIdentity`).
    pub targets: &'static [Sel],
    /// The handler: it receives what [`Self::targets`] resolved, as its
    /// signature declares (see [`crate::action`]).
    pub handler: &'static dyn Handle,
    /// Whether the action changes nothing the store keeps (the audit trail
    /// and a key's last use aside), declared with the entry
    /// ([`Self::read`] or [`Self::write`]): the audit trail records it as
    /// `Read`, and it may run before its nonce's verdict. The
    /// authorization oracle checks every such action, in every variant of
    /// its requests, against the store's write count.
    pub reads: bool,
    /// Whether the action is costly to run (key generation, private-key
    /// operations): it never runs before its nonce's verdict, even when it
    /// changes nothing, so that a replay costs nothing but the check.
    pub costly: bool,
    /// An anonymous action's handler (then the request is not signed).
    /// It runs with no signature: the request carries its own proof (an
    /// OIDC token or a SAML assertion), and the handler returns the answer
    /// and whom the request proved to be, for the audit trail.
    pub anonymous: Option<&'static dyn HandleAnonymous>,
}

impl ActionSpec {
    /// The entry of an action that changes nothing the store keeps
    /// (see [`Self::reads`]); its selectors are its handler's.
    pub const fn read<S: Targets, R: FromParams, A: Answer>(
        name: &'static str,
        handler: &'static Typed<S, R, A>,
    ) -> Self {
        Self {
            name,
            targets: S::SELS,
            handler,
            reads: true,
            costly: false,
            anonymous: None,
        }
    }

    /// The entry of an action that changes what the store keeps.
    pub const fn write<S: Targets, R: FromParams, A: Answer>(
        name: &'static str,
        handler: &'static Typed<S, R, A>,
    ) -> Self {
        Self {
            reads: false,
            ..Self::read(name, handler)
        }
    }

    /// Runs the handler on its authorized target, with the request's
    /// parameters without those that named the target.
    pub fn run(
        &self,
        ctx: &Ctx<'_>,
        target: &crate::target::Target,
        params: &crate::Params,
    ) -> Result<Output, ApiError> {
        self.handler.run(ctx, target, params)
    }

    /// The entry of an anonymous action: no signature is asked for or
    /// checked; the handler authenticates the request by what it carries.
    /// It issues credentials, so it counts as a change.
    pub const fn anonymous<R: FromParams, A: Answer>(
        name: &'static str,
        handler: &'static Anonymous<R, A>,
    ) -> Self {
        Self {
            name,
            targets: &[],
            handler: NO_SIGNED_HANDLER,
            reads: false,
            costly: true,
            anonymous: Some(handler),
        }
    }

    /// The entry of an action that is costly to run (see [`Self::costly`]).
    pub const fn costly(mut self) -> Self {
        self.costly = true;
        self
    }

    /// Whether the action may run while its nonce's verdict is still being
    /// written (its answer then waits for the verdict): it changes nothing
    /// ([`Self::reads`]) and is cheap.
    pub fn may_run_before_verdict(&self) -> bool {
        !self.costly && self.reads
    }

    /// `Read` or `Write`, as the audit trail records the action.
    pub fn event_rw(&self) -> EventRw {
        if self.reads {
            EventRw::Read
        } else {
            EventRw::Write
        }
    }
}

/// Whether an action is served.
pub enum Support {
    /// Implemented here.
    Implemented(&'static ActionSpec),
    /// A real action of the product that Rampart does not implement yet.
    NotImplemented,
    /// Not an action of the product.
    Unknown,
}

/// The implemented actions of a product.
pub fn action_table(product: Product) -> &'static [ActionSpec] {
    match product {
        Product::Ram => crate::ram::ACTIONS,
        Product::Sts => crate::sts::ACTIONS,
        Product::Kms => crate::kms::ACTIONS,
        Product::Actiontrail => crate::trail::ACTIONS,
        Product::Ims => crate::ims::ACTIONS,
    }
}

/// Every action the real product has (implemented or not).
pub fn known_actions(product: Product) -> &'static [&'static str] {
    match product {
        Product::Ram => RAM_ACTIONS,
        Product::Sts => STS_ACTIONS,
        Product::Kms => KMS_ACTIONS,
        Product::Actiontrail => TRAIL_ACTIONS,
        Product::Ims => IMS_ACTIONS,
    }
}

/// The product's own spelling of `action` if it is one of its actions
/// (implemented or not), as a `'static` name, with the class the audit
/// trail records it under: what its table entry declares, or for an action
/// not served, what its name says ([`EventRw::of_unserved`]).
pub fn known_name(product: Product, action: &str) -> Option<(&'static str, EventRw)> {
    if let Some(spec) = action_table(product).iter().find(|s| s.name == action) {
        return Some((spec.name, spec.event_rw()));
    }
    known_actions(product)
        .iter()
        .find(|n| **n == action)
        .map(|n| (*n, EventRw::of_unserved(n)))
}

/// Finds an action.
pub fn find(product: Product, action: &str) -> Support {
    if let Some(spec) = action_table(product).iter().find(|s| s.name == action) {
        Support::Implemented(spec)
    } else if known_actions(product).contains(&action) {
        Support::NotImplemented
    } else {
        Support::Unknown
    }
}

const RAM_ACTIONS: &[&str] = &[
    "AddUserToGroup",
    "AttachPolicyToGroup",
    "AttachPolicyToRole",
    "AttachPolicyToUser",
    "BindMFADevice",
    "ChangePassword",
    "ClearAccountAlias",
    "CreateAccessKey",
    "CreateGroup",
    "CreateLoginProfile",
    "CreatePolicy",
    "CreatePolicyVersion",
    "CreateRole",
    "CreateServiceLinkedRole",
    "CreateUser",
    "CreateVirtualMFADevice",
    "DecodeDiagnosticMessage",
    "DeleteAccessKey",
    "DeleteGroup",
    "DeleteLoginProfile",
    "DeletePolicy",
    "DeletePolicyVersion",
    "DeleteRole",
    "DeleteServiceLinkedRole",
    "DeleteUser",
    "DeleteVirtualMFADevice",
    "DetachPolicyFromGroup",
    "DetachPolicyFromRole",
    "DetachPolicyFromUser",
    "GetAccessKeyLastUsed",
    "GetAccountAlias",
    "GetGroup",
    "GetLoginProfile",
    "GetPasswordPolicy",
    "GetPolicy",
    "GetPolicyVersion",
    "GetRole",
    "GetSecurityPreference",
    "GetServiceLinkedRoleTemplate",
    "GetUser",
    "GetUserMFAInfo",
    "ListAccessKeys",
    "ListEntitiesForPolicy",
    "ListGroups",
    "ListGroupsForUser",
    "ListPolicies",
    "ListPoliciesForGroup",
    "ListPoliciesForRole",
    "ListPoliciesForUser",
    "ListPolicyVersions",
    "ListRoles",
    "ListTagResources",
    "ListUsers",
    "ListUsersForGroup",
    "ListVirtualMFADevices",
    "RemoveUserFromGroup",
    "SetAccountAlias",
    "SetDefaultPolicyVersion",
    "SetPasswordPolicy",
    "SetSecurityPreference",
    "TagResources",
    "UnbindMFADevice",
    "UntagResources",
    "UpdateAccessKey",
    "UpdateGroup",
    "UpdateLoginProfile",
    "UpdatePolicyDescription",
    "UpdateRole",
    "UpdateUser",
];

const STS_ACTIONS: &[&str] = &[
    "AssumeRole",
    "AssumeRoleWithOIDC",
    "AssumeRoleWithSAML",
    "GenerateSessionAccessKey",
    "GetCallerIdentity",
];

const KMS_ACTIONS: &[&str] = &[
    "AsymmetricDecrypt",
    "AsymmetricEncrypt",
    "AsymmetricSign",
    "AsymmetricVerify",
    "BatchGetSecretValue",
    "CancelKeyDeletion",
    "ConnectKmsInstance",
    "CreateAlias",
    "CreateApplicationAccessPoint",
    "CreateClientKey",
    "CreateKey",
    "CreateKeyVersion",
    "CreateNetworkRule",
    "CreatePolicy",
    "CreateSecret",
    "Decrypt",
    "DeleteAlias",
    "DeleteApplicationAccessPoint",
    "DeleteClientKey",
    "DeleteKeyMaterial",
    "DeleteNetworkRule",
    "DeletePolicy",
    "DeleteSecret",
    "DescribeAccountKmsStatus",
    "DescribeApplicationAccessPoint",
    "DescribeKey",
    "DescribeKeyVersion",
    "DescribeNetworkRule",
    "DescribePolicy",
    "DescribeRegions",
    "DescribeSecret",
    "DisableKey",
    "EnableKey",
    "Encrypt",
    "ExportDataKey",
    "GenerateAndExportDataKey",
    "GenerateDataKey",
    "GenerateDataKeyWithoutPlaintext",
    "GenerateMac",
    "GetChallenge",
    "GetClientKey",
    "GetDefaultKmsInstance",
    "GetKeyPolicy",
    "GetKmsInstance",
    "GetKmsInstanceQuotaInfos",
    "GetManagedDataKey",
    "GetParametersForImport",
    "GetPublicKey",
    "GetRandomPassword",
    "GetSecretPolicy",
    "GetSecretValue",
    "ImportKeyMaterial",
    "ListAliases",
    "ListAliasesByKeyId",
    "ListApplicationAccessPoints",
    "ListClientKeys",
    "ListKeyVersions",
    "ListKeys",
    "ListKmsInstances",
    "ListManagedDataKeyVersions",
    "ListNetworkRules",
    "ListPolicies",
    "ListResourceTags",
    "ListSecretVersionIds",
    "ListSecrets",
    "ListTagResources",
    "OpenKmsService",
    "PutSecretValue",
    "ReEncrypt",
    "ReleaseKmsInstance",
    "RestoreSecret",
    "RotateSecret",
    "ScheduleKeyDeletion",
    "SetDeletionProtection",
    "SetKeyPolicy",
    "SetSecretPolicy",
    "TagResource",
    "TagResources",
    "UntagResource",
    "UntagResources",
    "UpdateAlias",
    "UpdateApplicationAccessPoint",
    "UpdateKeyDescription",
    "UpdateKmsInstanceBindVpc",
    "UpdateNetworkRule",
    "UpdatePolicy",
    "UpdateRotationPolicy",
    "UpdateSecret",
    "UpdateSecretRotationPolicy",
    "UpdateSecretVersionStage",
    "VerifyMac",
];

const TRAIL_ACTIONS: &[&str] = &[
    "CreateTrail",
    "DeleteTrail",
    "DescribeRegions",
    "DescribeTrails",
    "GetTrailStatus",
    "LookupEvents",
    "StartLogging",
    "StopLogging",
    "UpdateTrail",
];

const IMS_ACTIONS: &[&str] = &[
    "AddClientIdToOIDCProvider",
    "AddFingerprintToOIDCProvider",
    "AddUserToGroup",
    "BindMFADevice",
    "ChangePassword",
    "CreateAccessKey",
    "CreateAppSecret",
    "CreateApplication",
    "CreateGroup",
    "CreateLoginProfile",
    "CreateOIDCProvider",
    "CreateSAMLProvider",
    "CreateServiceCredential",
    "CreateUser",
    "CreateVirtualMFADevice",
    "DeleteAccessKey",
    "DeleteAccessKeyInRecycleBin",
    "DeleteAppSecret",
    "DeleteApplication",
    "DeleteGroup",
    "DeleteLoginProfile",
    "DeleteOIDCProvider",
    "DeletePasskey",
    "DeleteSAMLProvider",
    "DeleteServiceCredential",
    "DeleteUser",
    "DeleteUserInRecycleBin",
    "DeleteVirtualMFADevice",
    "DeprovisionApplication",
    "DeprovisionExternalApplication",
    "GenerateCredentialReport",
    "GenerateGovernanceReport",
    "GetAccessKeyInfoInRecycleBin",
    "GetAccessKeyLastUsed",
    "GetAccessKeyPolicy",
    "GetAccessKeyPolicyForAccount",
    "GetAccountMFAInfo",
    "GetAccountSecurityPracticeReport",
    "GetAccountSummary",
    "GetAppSecret",
    "GetApplication",
    "GetApplicationProvisionInfo",
    "GetCredentialReport",
    "GetDefaultDomain",
    "GetExternalApplication",
    "GetGovernanceItemReport",
    "GetGovernanceReportStatus",
    "GetGroup",
    "GetLoginProfile",
    "GetOIDCProvider",
    "GetPasswordPolicy",
    "GetSAMLProvider",
    "GetSecurityPreference",
    "GetServiceCredential",
    "GetUser",
    "GetUserInRecycleBin",
    "GetUserMFAInfo",
    "GetUserSsoSettings",
    "GetVerificationInfo",
    "ListAccessKeys",
    "ListAccessKeysInRecycleBin",
    "ListAppSecretIds",
    "ListApplicationProvisionInfos",
    "ListApplications",
    "ListExternalApplications",
    "ListGroups",
    "ListGroupsForUser",
    "ListOIDCProviders",
    "ListPasskeys",
    "ListPredefinedScopes",
    "ListRecentGovernanceMetrics",
    "ListSAMLProviders",
    "ListServiceCredentials",
    "ListTagResources",
    "ListUserBasicInfos",
    "ListUsers",
    "ListUsersForGroup",
    "ListUsersInRecycleBin",
    "ListVirtualMFADevices",
    "ProvisionApplication",
    "ProvisionExternalApplication",
    "RemoveClientIdFromOIDCProvider",
    "RemoveFingerprintFromOIDCProvider",
    "RemoveUserFromGroup",
    "RestoreAccessKeyFromRecycleBin",
    "RestoreUserFromRecycleBin",
    "SetAccessKeyPolicy",
    "SetAccessKeyPolicyForAccount",
    "SetDefaultDomain",
    "SetPasswordPolicy",
    "SetSecurityPreference",
    "SetUserSsoSettings",
    "SetVerificationInfo",
    "TagResources",
    "UnbindMFADevice",
    "UnbindVerification",
    "UntagResources",
    "UpdateAccessKey",
    "UpdateApplication",
    "UpdateGroup",
    "UpdateLoginProfile",
    "UpdateOIDCProvider",
    "UpdatePasskey",
    "UpdateSAMLProvider",
    "UpdateServiceCredential",
    "UpdateUser",
];
