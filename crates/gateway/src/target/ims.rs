//! Selectors of IMS users: by `UserPrincipalName`, `UserId` or
//! `UserAccessKeyId`, and the new logon name of `UpdateUser`.

use rampart_core::ApiError;

use super::{entity_missing, nonempty, Entity, Plan, Resolver, ResourceAuth};

/// How a request names an IMS user.
enum ImsRef<'p> {
    /// The user name of a `UserPrincipalName`.
    Name(&'p str),
    /// A `UserId`.
    Id(&'p str),
    /// A `UserAccessKeyId`.
    Key(&'p str),
}

impl Resolver<'_> {
    /// Exactly one of `UserPrincipalName`, `UserId` and (with `access_key`)
    /// `UserAccessKeyId`.
    fn ims_user_ref(&self, access_key: bool) -> Result<ImsRef<'_>, ApiError> {
        let p = self.params;
        let upn = nonempty(p, "UserPrincipalName");
        let id = nonempty(p, "UserId");
        let key = if access_key {
            nonempty(p, "UserAccessKeyId")
        } else {
            None
        };
        let names = if access_key {
            "UserPrincipalName, UserId and UserAccessKeyId"
        } else {
            "UserPrincipalName and UserId"
        };
        match (upn, id, key) {
            (Some(u), None, None) => Ok(ImsRef::Name(self.upn_user(u)?)),
            (None, Some(i), None) => Ok(ImsRef::Id(i)),
            (None, None, Some(k)) => Ok(ImsRef::Key(k)),
            (None, None, None) => Err(ApiError::new(
                400,
                "MissingParameter",
                format!("Give exactly one of {names}."),
            )),
            _ => Err(ApiError::invalid(
                "UserPrincipalName",
                format!("Give exactly one of {names}, not several."),
            )),
        }
    }

    /// The form of an IMS user reference, without reading the store.
    pub(super) fn ims_user_form(&self, access_key: bool) -> Result<(), ApiError> {
        self.ims_user_ref(access_key).map(|_| ())
    }

    /// The user an IMS reference names, authorized as `user/<stored name>`.
    pub(super) fn resolve_ims_user(
        &self,
        access_key: bool,
        plan: &mut Plan,
    ) -> Result<(), ApiError> {
        plan.consumed.push("UserPrincipalName");
        plan.consumed.push("UserId");
        if access_key {
            plan.consumed.push("UserAccessKeyId");
        }
        let name = match self.ims_user_ref(access_key)? {
            ImsRef::Name(n) => Some(n.to_string()),
            ImsRef::Id(i) => self
                .rampart
                .find_user_by_id("UserId", i)?
                .map(|u| u.user_name),
            ImsRef::Key(k) => self.rampart.access_key_user("UserAccessKeyId", k)?,
        };
        let Some(name) = name else {
            // Nothing is named: authorized on every user, then not found.
            self.check(plan, None, self.ram_arn("user/*"), ResourceAuth::None);
            Self::note_missing(
                plan,
                entity_missing("EntityNotExist.User", "The user does not exist."),
            );
            return Ok(());
        };
        if let Some(n) = self.user(plan, &name, None)? {
            plan.target
                .slots
                .push(("UserPrincipalName", Entity::User(n)));
        }
        Ok(())
    }

    /// The new user name a rename parameter gives: a user name, or for
    /// `NewUserPrincipalName` the name part of a logon name of this account.
    pub(super) fn new_user_name(&self, param: &str) -> Result<Option<&str>, ApiError> {
        match nonempty(self.params, param) {
            Some(v) if param == "NewUserPrincipalName" => self.upn_user(v).map(Some),
            other => Ok(other),
        }
    }
}
