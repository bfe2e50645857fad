//! Custom policies, their versions, and the attachments of every policy.
//! Rules: at most `max_versions` versions, the oldest non-default one
//! deleted first when rotating; the default version cannot be deleted; a
//! policy is deleted only detached and without other versions (unless
//! cascading); per-principal attachment limits by policy type.

use sea_query::{Cond, Expr, JoinType, Order, Query, SelectStatement};

use super::groups::group_id;
use super::roles::{role_id, INSERT_ATTACHMENT};
use super::users::user_id;
use super::{count_where, eq, hold, insert, locked, map, select, RowLock};
use crate::sql::{p, Row, Stmt};
use crate::tx::{unique, Backend, Limit, Lock, Mode, Tx, TxResult};
use crate::{
    AttachLimits, AttachedEntity, AttachmentRow, EffectivePolicy, Entity, PolicyRow, PolicyStore,
    PolicyType, PolicyVersionRow, PrincipalKind, StoreError, StoreResult,
};

const POLICY_COLS: [&str; 5] = [
    "policy_name",
    "description",
    "default_version",
    "created_at",
    "updated_at",
];
const VERSION_COLS: [&str; 3] = ["version", "document", "created_at"];

fn policy_row(r: &mut Row) -> TxResult<PolicyRow> {
    Ok(PolicyRow {
        policy_name: r.text(0)?,
        description: r.text(1)?,
        default_version: r.int(2)?,
        created_at: r.int(3)?,
        updated_at: r.int(4)?,
    })
}

fn version_row(r: &mut Row) -> TxResult<PolicyVersionRow> {
    Ok(PolicyVersionRow {
        version: r.int(0)?,
        document: r.text(1)?,
        created_at: r.int(2)?,
    })
}

fn policy_type(s: &str) -> PolicyType {
    PolicyType::parse(s).unwrap_or(PolicyType::Custom)
}

locked!(POLICY, |_| select("policies", &POLICY_COLS)
    .and_where(eq("policy_name", 0))
    .take());

/// A custom policy by name (`NotFound(Policy)`), locking its row as asked.
fn policy(tx: &mut dyn Tx, name: &str, lock: RowLock) -> TxResult<PolicyRow> {
    let p = match tx.query_opt(POLICY.with(lock), &[name.into()])? {
        Some(mut r) => policy_row(&mut r)?,
        None => return Err(StoreError::NotFound(Entity::Policy).into()),
    };
    hold(tx, lock, "policies", name)?;
    Ok(p)
}

fn principal_id(
    tx: &mut dyn Tx,
    kind: PrincipalKind,
    name: &str,
    lock: RowLock,
) -> TxResult<String> {
    match kind {
        PrincipalKind::User => user_id(tx, name, lock),
        PrincipalKind::Group => group_id(tx, name, lock),
        PrincipalKind::Role => role_id(tx, name, lock),
    }
}

static COUNT_POLICIES: Stmt = Stmt::new(|_| count_where("policies", &[]).into());
static INSERT_POLICY: Stmt = Stmt::new(|_| {
    insert(
        "policies",
        &[
            "policy_name",
            "description",
            "default_version",
            "next_version",
            "created_at",
            "updated_at",
        ],
    )
    .into()
});
static INSERT_VERSION: Stmt = Stmt::new(|_| {
    insert(
        "policy_versions",
        &["policy_name", "version", "document", "created_at"],
    )
    .into()
});
static LIST_POLICIES: Stmt = Stmt::new(|_| {
    select("policies", &POLICY_COLS)
        .and_where(Expr::col("policy_name").gt(p(0)))
        .order_by("policy_name", Order::Asc)
        .limit(crate::sql::lim(1))
        .into()
});
static UPDATE_DESCRIPTION: Stmt = Stmt::new(|_| {
    Query::update()
        .table("policies")
        .values([("description", p(1)), ("updated_at", p(2))])
        .and_where(eq("policy_name", 0))
        .into()
});
static ATTACHED_KINDS: Stmt = Stmt::new(|_| {
    select("attachments", &["principal_kind"])
        .and_where(Expr::col("policy_type").eq("Custom"))
        .and_where(eq("policy_name", 0))
        .group_by_col("principal_kind")
        .into()
});
static COUNT_OTHER_VERSIONS: Stmt = Stmt::new(|_| {
    count_where("policy_versions", &[("policy_name", 0)])
        .and_where(Expr::col("version").ne(p(1)))
        .into()
});
static DELETE_POLICY: [Stmt; 3] = [
    Stmt::new(|_| {
        Query::delete()
            .from_table("attachments")
            .and_where(Expr::col("policy_type").eq("Custom"))
            .and_where(eq("policy_name", 0))
            .into()
    }),
    Stmt::new(|_| {
        Query::delete()
            .from_table("policy_versions")
            .and_where(eq("policy_name", 0))
            .into()
    }),
    Stmt::new(|_| {
        Query::delete()
            .from_table("policies")
            .and_where(eq("policy_name", 0))
            .into()
    }),
];
static COUNT_VERSIONS: Stmt =
    Stmt::new(|_| count_where("policy_versions", &[("policy_name", 0)]).into());
static OLDEST_OTHER_VERSION: Stmt = Stmt::new(|_| {
    select("policy_versions", &["version"])
        .and_where(eq("policy_name", 0))
        .and_where(Expr::col("version").ne(p(1)))
        .order_by("version", Order::Asc)
        .limit(1)
        .into()
});
static DELETE_VERSION: Stmt = Stmt::new(|_| {
    Query::delete()
        .from_table("policy_versions")
        .and_where(eq("policy_name", 0))
        .and_where(eq("version", 1))
        .into()
});
static NEXT_VERSION: Stmt = Stmt::new(|_| {
    select("policies", &["next_version"])
        .and_where(eq("policy_name", 0))
        .into()
});
static SET_VERSIONS: Stmt = Stmt::new(|_| {
    Query::update()
        .table("policies")
        .values([
            ("next_version", p(1)),
            ("default_version", p(2)),
            ("updated_at", p(3)),
        ])
        .and_where(eq("policy_name", 0))
        .into()
});
static GET_VERSION: Stmt = Stmt::new(|_| {
    select("policy_versions", &VERSION_COLS)
        .and_where(eq("policy_name", 0))
        .and_where(eq("version", 1))
        .into()
});
static LIST_VERSIONS: Stmt = Stmt::new(|_| {
    select("policy_versions", &VERSION_COLS)
        .and_where(eq("policy_name", 0))
        .order_by("version", Order::Asc)
        .into()
});
static HAS_VERSION: Stmt =
    Stmt::new(|_| count_where("policy_versions", &[("policy_name", 0), ("version", 1)]).into());
static SET_DEFAULT: Stmt = Stmt::new(|_| {
    Query::update()
        .table("policies")
        .values([("default_version", p(1)), ("updated_at", p(2))])
        .and_where(eq("policy_name", 0))
        .into()
});
static COUNT_ATTACHED: [Stmt; 2] = [
    Stmt::new(|_| {
        count_where(
            "attachments",
            &[
                ("principal_kind", 0),
                ("principal_id", 1),
                ("policy_type", 2),
            ],
        )
        .into()
    }),
    Stmt::new(|_| {
        count_where(
            "attachments",
            &[
                ("principal_kind", 0),
                ("principal_id", 1),
                ("policy_type", 2),
                ("policy_name", 3),
            ],
        )
        .into()
    }),
];
static DELETE_ATTACHMENT: Stmt = Stmt::new(|_| {
    Query::delete()
        .from_table("attachments")
        .and_where(eq("principal_kind", 0))
        .and_where(eq("principal_id", 1))
        .and_where(eq("policy_type", 2))
        .and_where(eq("policy_name", 3))
        .into()
});
static LIST_ATTACHMENTS: Stmt = Stmt::new(|_| {
    select(
        "attachments",
        &["policy_type", "policy_name", "attached_at"],
    )
    .and_where(eq("principal_kind", 0))
    .and_where(eq("principal_id", 1))
    .order_by("policy_type", Order::Desc)
    .order_by("policy_name", Order::Asc)
    .into()
});

/// The principals of one kind a policy is attached to: id, name, label,
/// time.
fn entities(table: &'static str, kind: &'static str, cols: [&'static str; 3]) -> SelectStatement {
    Query::select()
        .columns(cols.map(|c| ("e", c)))
        .column(("a", "attached_at"))
        .from_as("attachments", "a")
        .join_as(
            JoinType::InnerJoin,
            table,
            "e",
            Expr::col(("e", cols[0])).equals(("a", "principal_id")),
        )
        .and_where(Expr::col(("a", "principal_kind")).eq(kind))
        .and_where(Expr::col(("a", "policy_type")).eq(p(0)))
        .and_where(Expr::col(("a", "policy_name")).eq(p(1)))
        .take()
}

static ENTITIES: [(Stmt, PrincipalKind); 3] = [
    (
        Stmt::new(|_| entities("groups", "Group", ["group_id", "group_name", "comments"]).into()),
        PrincipalKind::Group,
    ),
    (
        Stmt::new(|_| entities("roles", "Role", ["role_id", "role_name", "description"]).into()),
        PrincipalKind::Role,
    ),
    (
        Stmt::new(|_| entities("users", "User", ["user_id", "user_name", "display_name"]).into()),
        PrincipalKind::User,
    ),
];
static ATTACHMENT_COUNT: Stmt =
    Stmt::new(|_| count_where("attachments", &[("policy_type", 0), ("policy_name", 1)]).into());

/// The attachments with their custom policies' default documents.
fn effective() -> SelectStatement {
    Query::select()
        .columns([("a", "policy_type"), ("a", "policy_name")])
        .column(("p", "default_version"))
        .column(("v", "document"))
        .from_as("attachments", "a")
        .join_as(
            JoinType::LeftJoin,
            "policies",
            "p",
            Cond::all()
                .add(Expr::col(("a", "policy_type")).eq("Custom"))
                .add(Expr::col(("p", "policy_name")).equals(("a", "policy_name"))),
        )
        .join_as(
            JoinType::LeftJoin,
            "policy_versions",
            "v",
            Cond::all()
                .add(Expr::col(("v", "policy_name")).equals(("p", "policy_name")))
                .add(Expr::col(("v", "version")).equals(("p", "default_version"))),
        )
        .take()
}

static EFFECTIVE_FOR_USER: Stmt = Stmt::new(|_| {
    effective()
        .cond_where(
            Cond::any()
                .add(
                    Cond::all()
                        .add(Expr::col(("a", "principal_kind")).eq("User"))
                        .add(Expr::col(("a", "principal_id")).eq(p(0))),
                )
                .add(
                    Cond::all()
                        .add(Expr::col(("a", "principal_kind")).eq("Group"))
                        .add(
                            Expr::col(("a", "principal_id")).in_subquery(
                                select("group_members", &["group_id"])
                                    .and_where(eq("user_id", 0))
                                    .take(),
                            ),
                        ),
                ),
        )
        .into()
});
static EFFECTIVE_FOR_ROLE: Stmt = Stmt::new(|_| {
    effective()
        .and_where(Expr::col(("a", "principal_kind")).eq("Role"))
        .and_where(Expr::col(("a", "principal_id")).eq(p(0)))
        .into()
});

fn effective_row(r: &mut Row) -> TxResult<EffectivePolicy> {
    Ok(EffectivePolicy {
        policy_type: policy_type(&r.text(0)?),
        policy_name: r.text(1)?,
        version: r.opt_int(2)?.unwrap_or(0),
        document: r.opt_text(3)?.unwrap_or_default(),
    })
}

impl<B: Backend> PolicyStore for B {
    fn create_policy(
        &self,
        p: &PolicyRow,
        first: &PolicyVersionRow,
        max_policies: u64,
    ) -> StoreResult<()> {
        self.create_policy_with_tags(p, first, max_policies, &[])
    }

    fn create_policy_with_tags(
        &self,
        p: &PolicyRow,
        first: &PolicyVersionRow,
        max_policies: u64,
        tags: &[(String, String)],
    ) -> StoreResult<()> {
        self.transaction(Mode::Write, |tx| {
            if !tags.is_empty() {
                // Left by nothing: a deleted policy's tags go with it.
                super::kms::put_tags(tx, crate::TagResource::Policy, &p.policy_name, tags, 20)?;
            }
            tx.lock(Lock::Limit(Limit::Policies))?;
            if tx.count(&COUNT_POLICIES, &[])? >= max_policies {
                return Err(StoreError::Limit(Entity::Policy).into());
            }
            tx.execute(
                &INSERT_POLICY,
                &[
                    (&p.policy_name).into(),
                    (&p.description).into(),
                    first.version.into(),
                    (first.version + 1).into(),
                    p.created_at.into(),
                    p.updated_at.into(),
                ],
            )
            .map_err(unique(Entity::Policy))?;
            tx.execute(
                &INSERT_VERSION,
                &[
                    (&p.policy_name).into(),
                    first.version.into(),
                    (&first.document).into(),
                    first.created_at.into(),
                ],
            )?;
            Ok(())
        })
    }

    fn get_policy(&self, policy_name: &str) -> StoreResult<Option<PolicyRow>> {
        self.transaction(Mode::Single, |tx| {
            match policy(tx, policy_name, RowLock::None) {
                Ok(p) => Ok(Some(p)),
                Err(crate::tx::TxError::Abort(StoreError::NotFound(_))) => Ok(None),
                Err(e) => Err(e),
            }
        })
    }

    fn list_policies(&self, after: Option<&str>, limit: u32) -> StoreResult<Vec<PolicyRow>> {
        self.transaction(Mode::Single, |tx| {
            let rows = tx.query(&LIST_POLICIES, &[after.unwrap_or("").into(), limit.into()])?;
            map(rows, policy_row)
        })
    }

    fn update_policy_description(
        &self,
        policy_name: &str,
        description: &str,
        now: i64,
    ) -> StoreResult<()> {
        self.transaction(Mode::Write, |tx| {
            let n = tx.execute(
                &UPDATE_DESCRIPTION,
                &[policy_name.into(), description.into(), now.into()],
            )?;
            if n == 0 {
                return Err(StoreError::NotFound(Entity::Policy).into());
            }
            Ok(())
        })
    }

    fn delete_policy(&self, policy_name: &str, cascade: bool) -> StoreResult<()> {
        self.transaction(Mode::Write, |tx| {
            // Attaching takes this row `FOR SHARE`: no attachment slips in.
            let p = policy(tx, policy_name, RowLock::Update)?;
            if !cascade {
                let kinds = map(tx.query(&ATTACHED_KINDS, &[policy_name.into()])?, |r| {
                    r.text(0)
                })?;
                // Users are named first, then groups, then roles.
                for (kind, on) in [
                    ("User", PrincipalKind::User),
                    ("Group", PrincipalKind::Group),
                    ("Role", PrincipalKind::Role),
                ] {
                    if kinds.iter().any(|k| k == kind) {
                        return Err(StoreError::DeleteConflictOn(on).into());
                    }
                }
                if tx.count(
                    &COUNT_OTHER_VERSIONS,
                    &[policy_name.into(), p.default_version.into()],
                )? > 0
                {
                    return Err(StoreError::DeleteConflict(Entity::PolicyVersion).into());
                }
            }
            for stmt in &DELETE_POLICY {
                tx.execute(stmt, &[policy_name.into()])?;
            }
            super::kms::delete_tags(tx, crate::TagResource::Policy, &p.policy_name)?;
            Ok(())
        })
    }

    fn create_policy_version(
        &self,
        policy_name: &str,
        document: &str,
        set_default: bool,
        rotate: bool,
        max_versions: u64,
        now: i64,
    ) -> StoreResult<PolicyVersionRow> {
        self.transaction(Mode::Write, |tx| {
            let p = policy(tx, policy_name, RowLock::Update)?;
            if tx.count(&COUNT_VERSIONS, &[policy_name.into()])? >= max_versions {
                if !rotate {
                    return Err(StoreError::Limit(Entity::PolicyVersion).into());
                }
                let oldest = tx.query_opt(
                    &OLDEST_OTHER_VERSION,
                    &[policy_name.into(), p.default_version.into()],
                )?;
                let Some(mut oldest) = oldest else {
                    return Err(StoreError::Limit(Entity::PolicyVersion).into());
                };
                let oldest = oldest.int(0)?;
                tx.execute(&DELETE_VERSION, &[policy_name.into(), oldest.into()])?;
            }
            let version = match tx.query_opt(&NEXT_VERSION, &[policy_name.into()])? {
                Some(mut r) => r.int(0)?,
                None => return Err(StoreError::NotFound(Entity::Policy).into()),
            };
            tx.execute(
                &INSERT_VERSION,
                &[
                    policy_name.into(),
                    version.into(),
                    document.into(),
                    now.into(),
                ],
            )?;
            let default = if set_default {
                version
            } else {
                p.default_version
            };
            tx.execute(
                &SET_VERSIONS,
                &[
                    policy_name.into(),
                    (version + 1).into(),
                    default.into(),
                    now.into(),
                ],
            )?;
            Ok(PolicyVersionRow {
                version,
                document: document.to_string(),
                created_at: now,
            })
        })
    }

    fn get_policy_version(
        &self,
        policy_name: &str,
        version: i64,
    ) -> StoreResult<Option<PolicyVersionRow>> {
        self.transaction(Mode::Read, |tx| {
            policy(tx, policy_name, RowLock::None)?;
            tx.query_opt(&GET_VERSION, &[policy_name.into(), version.into()])?
                .map(|mut r| version_row(&mut r))
                .transpose()
        })
    }

    fn list_policy_versions(&self, policy_name: &str) -> StoreResult<Vec<PolicyVersionRow>> {
        self.transaction(Mode::Read, |tx| {
            policy(tx, policy_name, RowLock::None)?;
            map(
                tx.query(&LIST_VERSIONS, &[policy_name.into()])?,
                version_row,
            )
        })
    }

    fn delete_policy_version(&self, policy_name: &str, version: i64) -> StoreResult<()> {
        self.transaction(Mode::Write, |tx| {
            let p = policy(tx, policy_name, RowLock::Update)?;
            if p.default_version == version {
                return Err(StoreError::DeleteConflict(Entity::DefaultPolicyVersion).into());
            }
            if tx.execute(&DELETE_VERSION, &[policy_name.into(), version.into()])? == 0 {
                return Err(StoreError::NotFound(Entity::PolicyVersion).into());
            }
            Ok(())
        })
    }

    fn set_default_policy_version(
        &self,
        policy_name: &str,
        version: i64,
        now: i64,
    ) -> StoreResult<()> {
        self.transaction(Mode::Write, |tx| {
            policy(tx, policy_name, RowLock::Update)?;
            if tx.count(&HAS_VERSION, &[policy_name.into(), version.into()])? == 0 {
                return Err(StoreError::NotFound(Entity::PolicyVersion).into());
            }
            tx.execute(
                &SET_DEFAULT,
                &[policy_name.into(), version.into(), now.into()],
            )?;
            Ok(())
        })
    }

    fn attach_policy(
        &self,
        kind: PrincipalKind,
        principal_name: &str,
        policy_type: PolicyType,
        policy_name: &str,
        now: i64,
        limits: AttachLimits,
    ) -> StoreResult<()> {
        self.transaction(Mode::Write, |tx| {
            // The principal's row lock serializes the per-principal limit.
            let pid = principal_id(tx, kind, principal_name, RowLock::Update)?;
            if policy_type == PolicyType::Custom {
                policy(tx, policy_name, RowLock::Share)?;
            }
            let args = [
                kind.as_str().into(),
                pid.as_str().into(),
                policy_type.as_str().into(),
                policy_name.into(),
            ];
            if tx.count(&COUNT_ATTACHED[1], &args)? > 0 {
                return Err(StoreError::Conflict(Entity::Attachment).into());
            }
            let max = match policy_type {
                PolicyType::System => limits.system,
                PolicyType::Custom => limits.custom,
            };
            if tx.count(&COUNT_ATTACHED[0], &args[..3])? >= max {
                return Err(StoreError::Limit(Entity::Attachment).into());
            }
            tx.execute(
                &INSERT_ATTACHMENT,
                &[args[0], args[1], args[2], args[3], now.into()],
            )
            .map_err(unique(Entity::Attachment))?;
            Ok(())
        })
    }

    fn detach_policy(
        &self,
        kind: PrincipalKind,
        principal_name: &str,
        policy_type: PolicyType,
        policy_name: &str,
    ) -> StoreResult<()> {
        self.transaction(Mode::Write, |tx| {
            let pid = principal_id(tx, kind, principal_name, RowLock::None)?;
            let n = tx.execute(
                &DELETE_ATTACHMENT,
                &[
                    kind.as_str().into(),
                    pid.as_str().into(),
                    policy_type.as_str().into(),
                    policy_name.into(),
                ],
            )?;
            if n == 0 {
                return Err(StoreError::NotFound(Entity::Attachment).into());
            }
            Ok(())
        })
    }

    fn list_attachments(
        &self,
        kind: PrincipalKind,
        principal_name: &str,
    ) -> StoreResult<Vec<AttachmentRow>> {
        self.transaction(Mode::Read, |tx| {
            let pid = principal_id(tx, kind, principal_name, RowLock::None)?;
            let rows = tx.query(
                &LIST_ATTACHMENTS,
                &[kind.as_str().into(), pid.as_str().into()],
            )?;
            map(rows, |r| {
                Ok(AttachmentRow {
                    policy_type: policy_type(&r.text(0)?),
                    policy_name: r.text(1)?,
                    attached_at: r.int(2)?,
                })
            })
        })
    }

    fn list_entities_for_policy(
        &self,
        policy_type: PolicyType,
        policy_name: &str,
    ) -> StoreResult<Vec<AttachedEntity>> {
        self.transaction(Mode::Read, |tx| {
            if policy_type == PolicyType::Custom {
                policy(tx, policy_name, RowLock::None)?;
            }
            // Groups, then roles, then users; each by name.
            let mut out = Vec::new();
            for (stmt, kind) in &ENTITIES {
                let rows = tx.query(stmt, &[policy_type.as_str().into(), policy_name.into()])?;
                let mut found = map(rows, |r| {
                    Ok(AttachedEntity {
                        kind: *kind,
                        id: r.text(0)?,
                        name: r.text(1)?,
                        label: r.text(2)?,
                        attached_at: r.int(3)?,
                    })
                })?;
                found.sort_by(|a, b| a.name.cmp(&b.name));
                out.extend(found);
            }
            Ok(out)
        })
    }

    fn attachment_count(&self, policy_type: PolicyType, policy_name: &str) -> StoreResult<u64> {
        self.transaction(Mode::Single, |tx| {
            tx.count(
                &ATTACHMENT_COUNT,
                &[policy_type.as_str().into(), policy_name.into()],
            )
        })
    }

    fn effective_policies_for_user(&self, user_id: &str) -> StoreResult<Vec<EffectivePolicy>> {
        self.transaction(Mode::Single, |tx| {
            map(
                tx.query(&EFFECTIVE_FOR_USER, &[user_id.into()])?,
                effective_row,
            )
        })
    }

    fn effective_policies_for_role(&self, role_id: &str) -> StoreResult<Vec<EffectivePolicy>> {
        self.transaction(Mode::Single, |tx| {
            map(
                tx.query(&EFFECTIVE_FOR_ROLE, &[role_id.into()])?,
                effective_row,
            )
        })
    }
}
