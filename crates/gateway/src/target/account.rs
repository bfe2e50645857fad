//! Selectors of the account-level RAM and IMS actions: the calling user
//! itself, a user by IMS `UserPrincipalName`, a virtual MFA device, and the
//! roles or policies RAM's tag actions name.

use rampart_core::ram::PolicyName;
use rampart_core::{codes, ApiError, Principal};
use rampart_store::{PolicyType, TagResource};

use super::{entity_missing, nonempty, Entity, Plan, Resolver, ResourceAuth};

impl Resolver<'_> {
    /// `ResourceNames` of RAM's tag actions: 1 to 50 names.
    pub(super) fn ram_tagged_names(&self) -> Result<Vec<String>, ApiError> {
        let p = self.params;
        rampart_core::ram::tags::resource_type(p.required("ResourceType")?)?;
        let names = rampart_core::ram::tags::names(
            "ResourceNames",
            p.required("ResourceNames")?,
            rampart_core::ram::tags::MAX_RESOURCES,
        )?;
        if names.is_empty() {
            return Err(ApiError::missing("ResourceNames"));
        }
        Ok(names)
    }

    /// Each role or custom policy of `ResourceNames`, authorized on its own.
    pub(super) fn resolve_ram_tagged(&self, plan: &mut Plan) -> Result<(), ApiError> {
        plan.consumed.push("ResourceType");
        plan.consumed.push("ResourceNames");
        let kind = rampart_core::ram::tags::resource_type(self.params.required("ResourceType")?)?;
        for name in &self.ram_tagged_names()? {
            if kind == TagResource::Role {
                let arn_of = |n: &str| self.ram_arn(&format!("role/{n}"));
                if let Some(r) = self.role(plan, name, arn_of)? {
                    plan.target
                        .slots
                        .push(("ResourceNames", Entity::Role(Box::new(r))));
                }
                continue;
            }
            rampart_core::ram::policies::policy_name("ResourceNames", name)?;
            let stored = self
                .rampart
                .find_custom_policy(name)?
                .map(|p| PolicyName::of(&p));
            let arn_name = stored.as_deref().unwrap_or(name);
            self.check(
                plan,
                None,
                self.ram_arn(&format!("policy/{arn_name}")),
                ResourceAuth::None,
            );
            match stored {
                Some(n) => plan
                    .target
                    .slots
                    .push(("ResourceNames", Entity::Policy(PolicyType::Custom, n))),
                None => Self::note_missing(
                    plan,
                    entity_missing(codes::ENTITY_NOT_EXIST_POLICY, "The policy does not exist."),
                ),
            }
        }
        Ok(())
    }

    /// `UserPrincipalName`, or the calling RAM user.
    pub(super) fn resolve_upn(&self, plan: &mut Plan) -> Result<(), ApiError> {
        plan.consumed.push("UserPrincipalName");
        let name = match (nonempty(self.params, "UserPrincipalName"), self.principal) {
            (Some(upn), _) => self.upn_user(upn)?,
            (None, Principal::User { user_name, .. }) => user_name.as_str(),
            (None, _) => return Err(ApiError::missing("UserPrincipalName")),
        };
        if let Some(n) = self.user(plan, name, None)? {
            plan.target
                .slots
                .push(("UserPrincipalName", Entity::User(n)));
        }
        Ok(())
    }

    /// A virtual MFA device by name or serial number.
    pub(super) fn resolve_mfa(&self, param: &'static str, plan: &mut Plan) -> Result<(), ApiError> {
        plan.consumed.push(param);
        let name = self.mfa_name(param)?;
        let serial = format!("acs:ram::{}:mfa/{name}", self.uid());
        self.check(
            plan,
            None,
            self.ram_arn(&format!("mfa/{name}")),
            ResourceAuth::None,
        );
        plan.target.slots.push((param, Entity::Mfa(serial)));
        Ok(())
    }

    /// The calling RAM user itself.
    pub(super) fn resolve_caller(&self, plan: &mut Plan) -> Result<(), ApiError> {
        let Principal::User { user_name, .. } = self.principal else {
            return Err(rampart_core::ram::not_a_user());
        };
        if let Some(n) = self.user(plan, user_name, None)? {
            plan.target.slots.push(("", Entity::User(n)));
        }
        Ok(())
    }

    /// The user name of a `UserPrincipalName` of this account.
    pub(super) fn upn_user<'p>(&self, upn: &'p str) -> Result<&'p str, ApiError> {
        let bad = || {
            ApiError::of(rampart_core::codes::INVALID_PARAMETER_USER_PRINCIPAL_NAME_FORMAT,
                "The parameter \"UserPrincipalName\" must be <user name>@<account id or alias>.onaliyun.com of this account.",
            )
        };
        let (name, domain) = upn.rsplit_once('@').ok_or_else(bad)?;
        let domain = domain.to_ascii_lowercase();
        let host = domain.strip_suffix(".onaliyun.com").ok_or_else(bad)?;
        let ours = host == self.uid() || self.rampart.account_alias()?.eq_ignore_ascii_case(host);
        if !ours {
            return Err(bad());
        }
        rampart_core::ram::validate::user_name("UserPrincipalName", name)?;
        Ok(name)
    }

    /// The device name a `Sel::Mfa` parameter names.
    pub(super) fn mfa_name<'p>(&'p self, param: &str) -> Result<&'p str, ApiError> {
        let v = self.params.required(param)?;
        if param != "SerialNumber" {
            rampart_core::ram::mfa::device_name(v)?;
            return Ok(v);
        }
        let prefix = format!("acs:ram::{}:mfa/", self.uid());
        match v.strip_prefix(&prefix) {
            Some(name) if rampart_core::ram::mfa::device_name(name).is_ok() => Ok(name),
            _ => Err(ApiError::of(rampart_core::codes::INVALID_PARAMETER_SERIAL_NUMBER_FORMAT,
                format!("The parameter \"SerialNumber\" must be a device of this account: {prefix}<device name>."),
            )),
        }
    }
}
