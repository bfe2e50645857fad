//! Every error code Rampart answers with a fixed code, with its HTTP status:
//! one place each. Build an error with [`crate::ApiError::of`]; codes built at
//! run time (`InvalidParameter.<Name>.Length`) use [`crate::ApiError::dynamic`].

/// An error code and the HTTP status it is answered with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Code {
    /// HTTP status.
    pub status: u16,
    /// The Alibaba error code.
    pub code: &'static str,
}

/// `AliasAlreadyExists` (HTTP 400).
pub const ALIAS_ALREADY_EXISTS: Code = Code {
    status: 400,
    code: "AliasAlreadyExists",
};
/// `AuthenticationFail.IDPMetadata.Invalid` (HTTP 401).
pub const AUTHENTICATION_FAIL_IDP_METADATA_INVALID: Code = Code {
    status: 401,
    code: "AuthenticationFail.IDPMetadata.Invalid",
};
/// `AuthenticationFail.NoPermission` (HTTP 401).
pub const AUTHENTICATION_FAIL_NO_PERMISSION: Code = Code {
    status: 401,
    code: "AuthenticationFail.NoPermission",
};
/// `AuthenticationFail.OIDCToken.Invalid` (HTTP 401).
pub const AUTHENTICATION_FAIL_OIDC_TOKEN_INVALID: Code = Code {
    status: 401,
    code: "AuthenticationFail.OIDCToken.Invalid",
};
/// `AuthenticationFail.SAMLAssertion.Invalid` (HTTP 401).
pub const AUTHENTICATION_FAIL_SAML_ASSERTION_INVALID: Code = Code {
    status: 401,
    code: "AuthenticationFail.SAMLAssertion.Invalid",
};
/// `DeleteConflict.Group.Policy` (HTTP 409).
pub const DELETE_CONFLICT_GROUP_POLICY: Code = Code {
    status: 409,
    code: "DeleteConflict.Group.Policy",
};
/// `DeleteConflict.Group.User` (HTTP 409).
pub const DELETE_CONFLICT_GROUP_USER: Code = Code {
    status: 409,
    code: "DeleteConflict.Group.User",
};
/// `DeleteConflict.Policy.Version` (HTTP 409).
pub const DELETE_CONFLICT_POLICY_VERSION: Code = Code {
    status: 409,
    code: "DeleteConflict.Policy.Version",
};
/// `DeleteConflict.Policy.Version.Default` (HTTP 409).
pub const DELETE_CONFLICT_POLICY_VERSION_DEFAULT: Code = Code {
    status: 409,
    code: "DeleteConflict.Policy.Version.Default",
};
/// `DeleteConflict.Role.Policy` (HTTP 409).
pub const DELETE_CONFLICT_ROLE_POLICY: Code = Code {
    status: 409,
    code: "DeleteConflict.Role.Policy",
};
/// `DeleteConflict.ServiceLinkedRole.InUse` (HTTP 409).
pub const DELETE_CONFLICT_SERVICE_LINKED_ROLE_IN_USE: Code = Code {
    status: 409,
    code: "DeleteConflict.ServiceLinkedRole.InUse",
};
/// `DeleteConflict.User.AccessKey` (HTTP 409).
pub const DELETE_CONFLICT_USER_ACCESS_KEY: Code = Code {
    status: 409,
    code: "DeleteConflict.User.AccessKey",
};
/// `DeleteConflict.User.Group` (HTTP 409).
pub const DELETE_CONFLICT_USER_GROUP: Code = Code {
    status: 409,
    code: "DeleteConflict.User.Group",
};
/// `DeleteConflict.User.LoginProfile` (HTTP 409).
pub const DELETE_CONFLICT_USER_LOGIN_PROFILE: Code = Code {
    status: 409,
    code: "DeleteConflict.User.LoginProfile",
};
/// `DeleteConflict.User.MFADevice` (HTTP 409).
pub const DELETE_CONFLICT_USER_MFA_DEVICE: Code = Code {
    status: 409,
    code: "DeleteConflict.User.MFADevice",
};
/// `DeleteConflict.User.Policy` (HTTP 409).
pub const DELETE_CONFLICT_USER_POLICY: Code = Code {
    status: 409,
    code: "DeleteConflict.User.Policy",
};
/// `DeleteConflict.VirtualMFADevice.User` (HTTP 409).
pub const DELETE_CONFLICT_VIRTUAL_MFA_DEVICE_USER: Code = Code {
    status: 409,
    code: "DeleteConflict.VirtualMFADevice.User",
};
/// `EntityAlreadyExists.Group` (HTTP 409).
pub const ENTITY_ALREADY_EXISTS_GROUP: Code = Code {
    status: 409,
    code: "EntityAlreadyExists.Group",
};
/// `EntityAlreadyExists.OIDCProvider.ClientId` (HTTP 409).
pub const ENTITY_ALREADY_EXISTS_OIDC_PROVIDER_CLIENT_ID: Code = Code {
    status: 409,
    code: "EntityAlreadyExists.OIDCProvider.ClientId",
};
/// `EntityAlreadyExists.OIDCProvider.Fingerprint` (HTTP 409).
pub const ENTITY_ALREADY_EXISTS_OIDC_PROVIDER_FINGERPRINT: Code = Code {
    status: 409,
    code: "EntityAlreadyExists.OIDCProvider.Fingerprint",
};
/// `EntityAlreadyExists.Policy` (HTTP 409).
pub const ENTITY_ALREADY_EXISTS_POLICY: Code = Code {
    status: 409,
    code: "EntityAlreadyExists.Policy",
};
/// `EntityAlreadyExists.Role` (HTTP 409).
pub const ENTITY_ALREADY_EXISTS_ROLE: Code = Code {
    status: 409,
    code: "EntityAlreadyExists.Role",
};
/// `EntityAlreadyExists.User` (HTTP 409).
pub const ENTITY_ALREADY_EXISTS_USER: Code = Code {
    status: 409,
    code: "EntityAlreadyExists.User",
};
/// `EntityAlreadyExists.User.Group` (HTTP 409).
pub const ENTITY_ALREADY_EXISTS_USER_GROUP: Code = Code {
    status: 409,
    code: "EntityAlreadyExists.User.Group",
};
/// `EntityAlreadyExists.User.LoginProfile` (HTTP 409).
pub const ENTITY_ALREADY_EXISTS_USER_LOGIN_PROFILE: Code = Code {
    status: 409,
    code: "EntityAlreadyExists.User.LoginProfile",
};
/// `EntityAlreadyExists.User.MFADevice` (HTTP 409).
pub const ENTITY_ALREADY_EXISTS_USER_MFA_DEVICE: Code = Code {
    status: 409,
    code: "EntityAlreadyExists.User.MFADevice",
};
/// `EntityAlreadyExists.VirtualMFADevice` (HTTP 409).
pub const ENTITY_ALREADY_EXISTS_VIRTUAL_MFA_DEVICE: Code = Code {
    status: 409,
    code: "EntityAlreadyExists.VirtualMFADevice",
};
/// `EntityNotExist.Group` (HTTP 404).
pub const ENTITY_NOT_EXIST_GROUP: Code = Code {
    status: 404,
    code: "EntityNotExist.Group",
};
/// `EntityNotExist.OIDCProvider` (HTTP 404).
pub const ENTITY_NOT_EXIST_OIDC_PROVIDER: Code = Code {
    status: 404,
    code: "EntityNotExist.OIDCProvider",
};
/// `EntityNotExist.OIDCProvider.ClientId` (HTTP 404).
pub const ENTITY_NOT_EXIST_OIDC_PROVIDER_CLIENT_ID: Code = Code {
    status: 404,
    code: "EntityNotExist.OIDCProvider.ClientId",
};
/// `EntityNotExist.OIDCProvider.Fingerprint` (HTTP 404).
pub const ENTITY_NOT_EXIST_OIDC_PROVIDER_FINGERPRINT: Code = Code {
    status: 404,
    code: "EntityNotExist.OIDCProvider.Fingerprint",
};
/// `EntityNotExist.Policy` (HTTP 404).
pub const ENTITY_NOT_EXIST_POLICY: Code = Code {
    status: 404,
    code: "EntityNotExist.Policy",
};
/// `EntityNotExist.Policy.Version` (HTTP 404).
pub const ENTITY_NOT_EXIST_POLICY_VERSION: Code = Code {
    status: 404,
    code: "EntityNotExist.Policy.Version",
};
/// `EntityNotExist.Role` (HTTP 404).
pub const ENTITY_NOT_EXIST_ROLE: Code = Code {
    status: 404,
    code: "EntityNotExist.Role",
};
/// `EntityNotExist.SAMLProvider` (HTTP 404).
pub const ENTITY_NOT_EXIST_SAML_PROVIDER: Code = Code {
    status: 404,
    code: "EntityNotExist.SAMLProvider",
};
/// `EntityNotExist.ServiceLinkedRole` (HTTP 404).
pub const ENTITY_NOT_EXIST_SERVICE_LINKED_ROLE: Code = Code {
    status: 404,
    code: "EntityNotExist.ServiceLinkedRole",
};
/// `EntityNotExist.User` (HTTP 404).
pub const ENTITY_NOT_EXIST_USER: Code = Code {
    status: 404,
    code: "EntityNotExist.User",
};
/// `EntityNotExist.User.AccessKey` (HTTP 404).
pub const ENTITY_NOT_EXIST_USER_ACCESS_KEY: Code = Code {
    status: 404,
    code: "EntityNotExist.User.AccessKey",
};
/// `EntityNotExist.User.Group` (HTTP 404).
pub const ENTITY_NOT_EXIST_USER_GROUP: Code = Code {
    status: 404,
    code: "EntityNotExist.User.Group",
};
/// `EntityNotExist.User.LoginProfile` (HTTP 404).
pub const ENTITY_NOT_EXIST_USER_LOGIN_PROFILE: Code = Code {
    status: 404,
    code: "EntityNotExist.User.LoginProfile",
};
/// `EntityNotExist.User.MFADevice` (HTTP 404).
pub const ENTITY_NOT_EXIST_USER_MFA_DEVICE: Code = Code {
    status: 404,
    code: "EntityNotExist.User.MFADevice",
};
/// `EntityNotExist.VirtualMFADevice` (HTTP 404).
pub const ENTITY_NOT_EXIST_VIRTUAL_MFA_DEVICE: Code = Code {
    status: 404,
    code: "EntityNotExist.VirtualMFADevice",
};
/// `Forbidden.AliasNotFound` (HTTP 404).
pub const FORBIDDEN_ALIAS_NOT_FOUND: Code = Code {
    status: 404,
    code: "Forbidden.AliasNotFound",
};
/// `Forbidden.DeletionProtection` (HTTP 403).
pub const FORBIDDEN_DELETION_PROTECTION: Code = Code {
    status: 403,
    code: "Forbidden.DeletionProtection",
};
/// `Forbidden.KeyNotFound` (HTTP 404).
pub const FORBIDDEN_KEY_NOT_FOUND: Code = Code {
    status: 404,
    code: "Forbidden.KeyNotFound",
};
/// `Forbidden.KeyVersionNotFound` (HTTP 404).
pub const FORBIDDEN_KEY_VERSION_NOT_FOUND: Code = Code {
    status: 404,
    code: "Forbidden.KeyVersionNotFound",
};
/// `Forbidden.NoPermission` (HTTP 403).
pub const FORBIDDEN_NO_PERMISSION: Code = Code {
    status: 403,
    code: "Forbidden.NoPermission",
};
/// `Forbidden.NotRAMUser` (HTTP 403).
pub const FORBIDDEN_NOT_RAM_USER: Code = Code {
    status: 403,
    code: "Forbidden.NotRAMUser",
};
/// `Forbidden.ResourceNotFound` (HTTP 404).
pub const FORBIDDEN_RESOURCE_NOT_FOUND: Code = Code {
    status: 404,
    code: "Forbidden.ResourceNotFound",
};
/// `IncompleteSignature` (HTTP 400).
pub const INCOMPLETE_SIGNATURE: Code = Code {
    status: 400,
    code: "IncompleteSignature",
};
/// `InvalidAccessKeyId.Inactive` (HTTP 400).
pub const INVALID_ACCESS_KEY_ID_INACTIVE: Code = Code {
    status: 400,
    code: "InvalidAccessKeyId.Inactive",
};
/// `InvalidAccessKeyId.NotFound` (HTTP 404).
pub const INVALID_ACCESS_KEY_ID_NOT_FOUND: Code = Code {
    status: 404,
    code: "InvalidAccessKeyId.NotFound",
};
/// `InvalidAction.NotFound` (HTTP 404).
pub const INVALID_ACTION_NOT_FOUND: Code = Code {
    status: 404,
    code: "InvalidAction.NotFound",
};
/// `InvalidAction.NotImplemented` (HTTP 400).
pub const INVALID_ACTION_NOT_IMPLEMENTED: Code = Code {
    status: 400,
    code: "InvalidAction.NotImplemented",
};
/// `InvalidLogin` (HTTP 401).
pub const INVALID_LOGIN: Code = Code {
    status: 401,
    code: "InvalidLogin",
};
/// `InvalidLogin.Locked` (HTTP 429).
pub const INVALID_LOGIN_LOCKED: Code = Code {
    status: 429,
    code: "InvalidLogin.Locked",
};
/// `InvalidLogin.MFACode` (HTTP 401).
pub const INVALID_LOGIN_MFA_CODE: Code = Code {
    status: 401,
    code: "InvalidLogin.MFACode",
};
/// `InvalidLogin.MFARequired` (HTTP 401).
pub const INVALID_LOGIN_MFA_REQUIRED: Code = Code {
    status: 401,
    code: "InvalidLogin.MFARequired",
};
/// `InvalidLogin.NetworkNotAllowed` (HTTP 403).
pub const INVALID_LOGIN_NETWORK_NOT_ALLOWED: Code = Code {
    status: 403,
    code: "InvalidLogin.NetworkNotAllowed",
};
/// `InvalidLogin.PasswordExpired` (HTTP 403).
pub const INVALID_LOGIN_PASSWORD_EXPIRED: Code = Code {
    status: 403,
    code: "InvalidLogin.PasswordExpired",
};
/// `InvalidLogin.SsoChoice` (HTTP 401).
pub const INVALID_LOGIN_SSO_CHOICE: Code = Code {
    status: 401,
    code: "InvalidLogin.SsoChoice",
};
/// `InvalidLogin.SsoDisabled` (HTTP 403).
pub const INVALID_LOGIN_SSO_DISABLED: Code = Code {
    status: 403,
    code: "InvalidLogin.SsoDisabled",
};
/// `InvalidParameter.AccountAlias.Format` (HTTP 400).
pub const INVALID_PARAMETER_ACCOUNT_ALIAS_FORMAT: Code = Code {
    status: 400,
    code: "InvalidParameter.AccountAlias.Format",
};
/// `InvalidParameter.AccountAlias.InvalidChars` (HTTP 400).
pub const INVALID_PARAMETER_ACCOUNT_ALIAS_INVALID_CHARS: Code = Code {
    status: 400,
    code: "InvalidParameter.AccountAlias.InvalidChars",
};
/// `InvalidParameter.AccountAlias.Length` (HTTP 400).
pub const INVALID_PARAMETER_ACCOUNT_ALIAS_LENGTH: Code = Code {
    status: 400,
    code: "InvalidParameter.AccountAlias.Length",
};
/// `InvalidParameter.AuthenticationCode` (HTTP 400).
pub const INVALID_PARAMETER_AUTHENTICATION_CODE: Code = Code {
    status: 400,
    code: "InvalidParameter.AuthenticationCode",
};
/// `InvalidParameter.DBInstance` (HTTP 400).
pub const INVALID_PARAMETER_DB_INSTANCE: Code = Code {
    status: 400,
    code: "InvalidParameter.DBInstance",
};
/// `InvalidParameter.DefaultDomainName.Format` (HTTP 400).
pub const INVALID_PARAMETER_DEFAULT_DOMAIN_NAME_FORMAT: Code = Code {
    status: 400,
    code: "InvalidParameter.DefaultDomainName.Format",
};
/// `InvalidParameter.DurationSeconds` (HTTP 400).
pub const INVALID_PARAMETER_DURATION_SECONDS: Code = Code {
    status: 400,
    code: "InvalidParameter.DurationSeconds",
};
/// `InvalidParameter.OldPassword` (HTTP 400).
pub const INVALID_PARAMETER_OLD_PASSWORD: Code = Code {
    status: 400,
    code: "InvalidParameter.OldPassword",
};
/// `InvalidParameter.Password` (HTTP 400).
pub const INVALID_PARAMETER_PASSWORD: Code = Code {
    status: 400,
    code: "InvalidParameter.Password",
};
/// `InvalidParameter.PolicyType` (HTTP 400).
pub const INVALID_PARAMETER_POLICY_TYPE: Code = Code {
    status: 400,
    code: "InvalidParameter.PolicyType",
};
/// `InvalidParameter.RoleArn` (HTTP 400).
pub const INVALID_PARAMETER_ROLE_ARN: Code = Code {
    status: 400,
    code: "InvalidParameter.RoleArn",
};
/// `InvalidParameter.RoleSessionName` (HTTP 400).
pub const INVALID_PARAMETER_ROLE_SESSION_NAME: Code = Code {
    status: 400,
    code: "InvalidParameter.RoleSessionName",
};
/// `InvalidParameter.SerialNumber.Format` (HTTP 400).
pub const INVALID_PARAMETER_SERIAL_NUMBER_FORMAT: Code = Code {
    status: 400,
    code: "InvalidParameter.SerialNumber.Format",
};
/// `InvalidParameter.UserPrincipalName.Format` (HTTP 400).
pub const INVALID_PARAMETER_USER_PRINCIPAL_NAME_FORMAT: Code = Code {
    status: 400,
    code: "InvalidParameter.UserPrincipalName.Format",
};
/// `InvalidParameter.VersionId.Format` (HTTP 400).
pub const INVALID_PARAMETER_VERSION_ID_FORMAT: Code = Code {
    status: 400,
    code: "InvalidParameter.VersionId.Format",
};
/// `InvalidParameter.VirtualMFADeviceName.InvalidChars` (HTTP 400).
pub const INVALID_PARAMETER_VIRTUAL_MFA_DEVICE_NAME_INVALID_CHARS: Code = Code {
    status: 400,
    code: "InvalidParameter.VirtualMFADeviceName.InvalidChars",
};
/// `InvalidParameter.VirtualMFADeviceName.Length` (HTTP 400).
pub const INVALID_PARAMETER_VIRTUAL_MFA_DEVICE_NAME_LENGTH: Code = Code {
    status: 400,
    code: "InvalidParameter.VirtualMFADeviceName.Length",
};
/// `InvalidSecurityToken.Expired` (HTTP 400).
pub const INVALID_SECURITY_TOKEN_EXPIRED: Code = Code {
    status: 400,
    code: "InvalidSecurityToken.Expired",
};
/// `InvalidSecurityToken.Malformed` (HTTP 400).
pub const INVALID_SECURITY_TOKEN_MALFORMED: Code = Code {
    status: 400,
    code: "InvalidSecurityToken.Malformed",
};
/// `InvalidSecurityToken.MismatchWithAccessKey` (HTTP 400).
pub const INVALID_SECURITY_TOKEN_MISMATCH_WITH_ACCESS_KEY: Code = Code {
    status: 400,
    code: "InvalidSecurityToken.MismatchWithAccessKey",
};
/// `InvalidSignatureMethod` (HTTP 400).
pub const INVALID_SIGNATURE_METHOD: Code = Code {
    status: 400,
    code: "InvalidSignatureMethod",
};
/// `InvalidTimeStamp.Expired` (HTTP 400).
pub const INVALID_TIME_STAMP_EXPIRED: Code = Code {
    status: 400,
    code: "InvalidTimeStamp.Expired",
};
/// `InvalidTimeStamp.Format` (HTTP 400).
pub const INVALID_TIME_STAMP_FORMAT: Code = Code {
    status: 400,
    code: "InvalidTimeStamp.Format",
};
/// `InvalidVersion` (HTTP 400).
pub const INVALID_VERSION: Code = Code {
    status: 400,
    code: "InvalidVersion",
};
/// `LimitExceeded.Group` (HTTP 409).
pub const LIMIT_EXCEEDED_GROUP: Code = Code {
    status: 409,
    code: "LimitExceeded.Group",
};
/// `LimitExceeded.Policy` (HTTP 409).
pub const LIMIT_EXCEEDED_POLICY: Code = Code {
    status: 409,
    code: "LimitExceeded.Policy",
};
/// `LimitExceeded.Policy.Version` (HTTP 409).
pub const LIMIT_EXCEEDED_POLICY_VERSION: Code = Code {
    status: 409,
    code: "LimitExceeded.Policy.Version",
};
/// `LimitExceeded.Role` (HTTP 409).
pub const LIMIT_EXCEEDED_ROLE: Code = Code {
    status: 409,
    code: "LimitExceeded.Role",
};
/// `LimitExceeded.Tag` (HTTP 409).
pub const LIMIT_EXCEEDED_TAG: Code = Code {
    status: 409,
    code: "LimitExceeded.Tag",
};
/// `LimitExceeded.User` (HTTP 409).
pub const LIMIT_EXCEEDED_USER: Code = Code {
    status: 409,
    code: "LimitExceeded.User",
};
/// `LimitExceeded.User.AccessKey` (HTTP 409).
pub const LIMIT_EXCEEDED_USER_ACCESS_KEY: Code = Code {
    status: 409,
    code: "LimitExceeded.User.AccessKey",
};
/// `LimitExceeded.User.Group` (HTTP 409).
pub const LIMIT_EXCEEDED_USER_GROUP: Code = Code {
    status: 409,
    code: "LimitExceeded.User.Group",
};
/// `LimitExceeded.VirtualMFADevice` (HTTP 409).
pub const LIMIT_EXCEEDED_VIRTUAL_MFA_DEVICE: Code = Code {
    status: 409,
    code: "LimitExceeded.VirtualMFADevice",
};
/// `MissingParameter` (HTTP 400).
pub const MISSING_PARAMETER: Code = Code {
    status: 400,
    code: "MissingParameter",
};
/// `MissingParameter.SAMLAssertion` (HTTP 400).
pub const MISSING_PARAMETER_SAML_ASSERTION: Code = Code {
    status: 400,
    code: "MissingParameter.SAMLAssertion",
};
/// `MissingSecurityToken` (HTTP 400).
pub const MISSING_SECURITY_TOKEN: Code = Code {
    status: 400,
    code: "MissingSecurityToken",
};
/// `NoPermission` (HTTP 403).
pub const NO_PERMISSION: Code = Code {
    status: 403,
    code: "NoPermission",
};
/// `Rejected.Disabled` (HTTP 409).
pub const REJECTED_DISABLED: Code = Code {
    status: 409,
    code: "Rejected.Disabled",
};
/// `Rejected.LimitExceeded` (HTTP 400).
pub const REJECTED_LIMIT_EXCEEDED: Code = Code {
    status: 400,
    code: "Rejected.LimitExceeded",
};
/// `Rejected.PendingDeletion` (HTTP 409).
pub const REJECTED_PENDING_DELETION: Code = Code {
    status: 409,
    code: "Rejected.PendingDeletion",
};
/// `Rejected.PendingImport` (HTTP 409).
pub const REJECTED_PENDING_IMPORT: Code = Code {
    status: 409,
    code: "Rejected.PendingImport",
};
/// `Rejected.ResourceExist` (HTTP 409).
pub const REJECTED_RESOURCE_EXIST: Code = Code {
    status: 409,
    code: "Rejected.ResourceExist",
};
/// `Rejected.ResourceInDeleteWindow` (HTTP 409).
pub const REJECTED_RESOURCE_IN_DELETE_WINDOW: Code = Code {
    status: 409,
    code: "Rejected.ResourceInDeleteWindow",
};
/// `Rejected.ResourceInUse` (HTTP 409).
pub const REJECTED_RESOURCE_IN_USE: Code = Code {
    status: 409,
    code: "Rejected.ResourceInUse",
};
/// `Rejected.StateModifiedFailed` (HTTP 409).
pub const REJECTED_STATE_MODIFIED_FAILED: Code = Code {
    status: 409,
    code: "Rejected.StateModifiedFailed",
};
/// `Rejected.Throttling` (HTTP 429).
pub const REJECTED_THROTTLING: Code = Code {
    status: 429,
    code: "Rejected.Throttling",
};
/// `Rejected.UnsupportedOperation` (HTTP 400).
pub const REJECTED_UNSUPPORTED_OPERATION: Code = Code {
    status: 400,
    code: "Rejected.UnsupportedOperation",
};
/// `SignatureDoesNotMatch` (HTTP 400).
pub const SIGNATURE_DOES_NOT_MATCH: Code = Code {
    status: 400,
    code: "SignatureDoesNotMatch",
};
/// `SignatureNonceUsed` (HTTP 400).
pub const SIGNATURE_NONCE_USED: Code = Code {
    status: 400,
    code: "SignatureNonceUsed",
};
/// `Throttling.User` (HTTP 429).
pub const THROTTLING_USER: Code = Code {
    status: 429,
    code: "Throttling.User",
};
/// `Unsupported.Origin` (HTTP 400).
pub const UNSUPPORTED_ORIGIN: Code = Code {
    status: 400,
    code: "Unsupported.Origin",
};
/// `UnsupportedOperation` (HTTP 400).
pub const UNSUPPORTED_OPERATION: Code = Code {
    status: 400,
    code: "UnsupportedOperation",
};
