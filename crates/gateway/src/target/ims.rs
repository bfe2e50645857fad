//! Selectors of IMS users: by `UserPrincipalName`, `UserId` or
//! `UserAccessKeyId`, and the new logon name of `UpdateUser`.

use rampart_core::ram::UserName;
use rampart_core::{codes, ApiError};

use super::{entity_missing, nonempty, Entity, Plan, Resolver, ResourceAuth};

/// Most users named in one tag call.
const MAX_TAGGED: usize = 50;

/// How a request names an IMS user.
pub(super) enum ImsRef<'p> {
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
            (None, None, None) => Err(ApiError::of(
                rampart_core::codes::MISSING_PARAMETER,
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
                entity_missing(codes::ENTITY_NOT_EXIST_USER, "The user does not exist."),
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

    /// The users of an IMS tag call: `ResourcePrincipalName.N` (logon
    /// names) or `ResourceId.N` (user ids), 1 to 50, not both.
    pub(super) fn ims_tagged_refs(&self) -> Result<Vec<ImsRef<'_>>, ApiError> {
        let p = self.params;
        match p.required("ResourceType")? {
            "user" => {}
            other => {
                return Err(ApiError::invalid(
                    "ResourceType",
                    format!("The parameter \"ResourceType\" must be `user`, got `{other}`."),
                ))
            }
        }
        let numbered = |prefix: &str| -> Result<Vec<&str>, ApiError> {
            let mut out = Vec::new();
            for n in 1..=MAX_TAGGED + 1 {
                let Some(v) = nonempty(p, &format!("{prefix}.{n}")) else {
                    break;
                };
                if n > MAX_TAGGED {
                    return Err(ApiError::invalid(
                        prefix,
                        format!("The parameter \"{prefix}\" names at most {MAX_TAGGED} users."),
                    ));
                }
                out.push(v);
            }
            Ok(out)
        };
        let names = numbered("ResourcePrincipalName")?;
        let ids = numbered("ResourceId")?;
        match (names.is_empty(), ids.is_empty()) {
            (false, true) => names
                .into_iter()
                .map(|u| self.upn_user(u).map(ImsRef::Name))
                .collect(),
            (true, false) => ids.into_iter().map(|i| Ok(ImsRef::Id(i))).collect(),
            (true, true) => Err(ApiError::missing("ResourcePrincipalName.1")),
            (false, false) => Err(ApiError::invalid(
                "ResourcePrincipalName",
                "Give either ResourcePrincipalName.N or ResourceId.N, not both.",
            )),
        }
    }

    /// Each user of an IMS tag call, authorized on its own.
    pub(super) fn resolve_ims_tagged(&self, plan: &mut Plan) -> Result<(), ApiError> {
        plan.consumed.push("ResourceType");
        plan.consumed_prefixes.push("ResourcePrincipalName.");
        plan.consumed_prefixes.push("ResourceId.");
        for r in self.ims_tagged_refs()? {
            let (stored, arn_name) = match r {
                ImsRef::Name(n) => (self.rampart.find_user(n)?, Some(n)),
                ImsRef::Id(i) => (self.rampart.find_user_by_id("ResourceId", i)?, None),
                ImsRef::Key(_) => (None, None),
            };
            let arn = match (&stored, arn_name) {
                (Some(u), _) => format!("user/{}", u.user_name),
                (None, Some(n)) => format!("user/{n}"),
                (None, None) => "user/*".to_string(),
            };
            self.check(plan, None, self.ram_arn(&arn), ResourceAuth::None);
            let seen = |id: &str| {
                plan.target
                    .slots
                    .iter()
                    .any(|(_, e)| matches!(e, Entity::TaggedUser(i, _) if i == id))
            };
            match stored {
                // A user named twice is changed and listed once.
                Some(u) if seen(&u.user_id) => {}
                Some(u) => plan.target.slots.push((
                    "ResourcePrincipalName",
                    Entity::TaggedUser(u.user_id.clone(), UserName::of(&u)),
                )),
                None => Self::note_missing(
                    plan,
                    entity_missing(codes::ENTITY_NOT_EXIST_USER, "The user does not exist."),
                ),
            }
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
