//! The system policies present on every account, with their real names.

use std::sync::{Arc, LazyLock};

use rampart_policy::{parse, DocumentKind, PolicyDocument};

/// A built-in, read-only policy.
pub struct SystemPolicy {
    /// Its name.
    pub name: &'static str,
    /// What it grants.
    pub description: &'static str,
    /// Its document (default version `v1`).
    pub document: &'static str,
    /// The parsed document.
    pub parsed: Arc<PolicyDocument>,
}

/// Creation time shown for system policies.
pub const SYSTEM_POLICY_DATE: i64 = 1_430_000_000;

const DEFS: &[(&str, &str, &str)] = &[
    (
        "AdministratorAccess",
        "Provides full access to Alibaba Cloud services and resources.",
        r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
    ),
    (
        "ReadOnlyAccess",
        "Provides read-only access to Alibaba Cloud services and resources.",
        r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":["*:Describe*","*:List*","*:Get*","*:BatchGet*","*:Query*","*:BatchQuery*"],"Resource":"*"}]}"#,
    ),
    (
        "AliyunRAMFullAccess",
        "Provides full access to Resource Access Management (RAM).",
        r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"ram:*","Resource":"*"}]}"#,
    ),
    (
        "AliyunRAMReadOnlyAccess",
        "Provides read-only access to Resource Access Management (RAM).",
        r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":["ram:Get*","ram:List*"],"Resource":"*"}]}"#,
    ),
    (
        "AliyunSTSAssumeRoleAccess",
        "Provides access to call the AssumeRole operation of Security Token Service (STS).",
        r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}"#,
    ),
    (
        "AliyunKMSFullAccess",
        "Provides full access to Key Management Service (KMS).",
        r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}"#,
    ),
    (
        "AliyunKMSReadOnlyAccess",
        "Provides read-only access to Key Management Service (KMS).",
        r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":["kms:List*","kms:Describe*","kms:GetKeyPolicy","kms:GetSecretPolicy"],"Resource":"*"}]}"#,
    ),
    (
        "AliyunKMSSecretAdminAccess",
        "Provides full access to secrets of Key Management Service (KMS).",
        r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":["kms:*Secret*","kms:*Tag*","kms:GetRandomPassword"],"Resource":"*"}]}"#,
    ),
    (
        "AliyunKMSSecretReadOnlyAccess",
        "Provides read-only access to secrets of Key Management Service (KMS).",
        r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":["kms:DescribeSecret","kms:ListSecrets","kms:ListSecretVersionIds","kms:GetSecretValue","kms:BatchGetSecretValue","kms:GetSecretPolicy","kms:ListTagResources"],"Resource":"*"}]}"#,
    ),
    (
        "AliyunKMSManageRAMCredentialsRolePolicy",
        "The policy of the service-linked role that lets Key Management Service manage the AccessKey pairs of RAM users.",
        r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":["ram:ListAccessKeys","ram:CreateAccessKey","ram:DeleteAccessKey","ram:UpdateAccessKey","ram:GetAccessKeyLastUsed"],"Resource":"*"}]}"#,
    ),
    (
        "AliyunServiceRolePolicyForKMSSecretsManagerForRDS",
        "The policy of the service-linked role that lets Secrets Manager change the passwords of RDS accounts (and read the instances declared to Rampart).",
        r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":["rds:ResetAccountPassword","rds:DescribeDBInstanceAttribute","rds:DescribeAccounts"],"Resource":"*"},{"Effect":"Allow","Action":["kms:GetSecretValue","kms:Decrypt"],"Resource":["acs:kms:*:*:secret/rampart/db-instances/*","acs:kms:*:*:key/*"]}]}"#,
    ),
    (
        "AliyunServiceRolePolicyForKMSSecretsManagerForPolarDB",
        "The policy of the service-linked role that lets Secrets Manager change the passwords of PolarDB accounts (and read the clusters declared to Rampart).",
        r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":["polardb:ModifyAccountPassword","polardb:CreateAccount","polardb:DescribeAccounts","polardb:DescribeDBClusterAttribute"],"Resource":"*"},{"Effect":"Allow","Action":["kms:GetSecretValue","kms:Decrypt"],"Resource":["acs:kms:*:*:secret/rampart/db-instances/*","acs:kms:*:*:key/*"]}]}"#,
    ),
    (
        "AliyunServiceRolePolicyForKMSSecretsManagerForRedis",
        "The policy of the service-linked role that lets Secrets Manager change the passwords of Redis/Tair accounts (and read the instances declared to Rampart).",
        r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":["kvstore:ResetAccountPassword","kvstore:CreateAccount","kvstore:DescribeAccounts","kvstore:DescribeInstanceAttribute"],"Resource":"*"},{"Effect":"Allow","Action":["kms:GetSecretValue","kms:Decrypt"],"Resource":["acs:kms:*:*:secret/rampart/db-instances/*","acs:kms:*:*:key/*"]}]}"#,
    ),
];

/// Every system policy, parsed once.
pub static SYSTEM_POLICIES: LazyLock<Vec<SystemPolicy>> = LazyLock::new(|| {
    DEFS.iter()
        .filter_map(|(name, description, document)| {
            // The built-in documents are valid; a failure would only drop one.
            let parsed = parse(document, DocumentKind::Identity).ok()?;
            Some(SystemPolicy {
                name,
                description,
                document,
                parsed: Arc::new(parsed),
            })
        })
        .collect()
});

/// A system policy by name.
pub fn system_policy(name: &str) -> Option<&'static SystemPolicy> {
    SYSTEM_POLICIES.iter().find(|p| p.name == name)
}

#[cfg(test)]
mod tests {
    #[test]
    fn all_parse() {
        assert_eq!(super::SYSTEM_POLICIES.len(), super::DEFS.len());
        assert!(super::system_policy("AdministratorAccess").is_some());
    }
}
