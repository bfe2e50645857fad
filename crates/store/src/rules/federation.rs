//! Identity providers and SAML assertion replay protection.

use sea_query::{Expr, Order, Query};

use super::{count_where, eq, insert, map, select};
use crate::sql::{lim, p, Row, Stmt};
use crate::tx::{unique, Backend, Limit, Lock, Mode, TxResult};
use crate::{Entity, FederationStore, ProviderKind, ProviderRow, StoreError, StoreResult};

const COLS: [&str; 6] = [
    "name",
    "issuer",
    "config",
    "description",
    "created_at",
    "updated_at",
];

fn row(r: &mut Row) -> TxResult<ProviderRow> {
    Ok(ProviderRow {
        name: r.text(0)?,
        issuer: r.opt_text(1)?,
        config: r.text(2)?,
        description: r.text(3)?,
        created_at: r.int(4)?,
        updated_at: r.int(5)?,
    })
}

static COUNT: Stmt = Stmt::new(|_| count_where("federation_providers", &[("kind", 0)]).into());
static INSERT: Stmt = Stmt::new(|_| {
    insert(
        "federation_providers",
        &[
            "kind",
            "name",
            "issuer",
            "config",
            "description",
            "created_at",
            "updated_at",
        ],
    )
    .into()
});
static GET: Stmt = Stmt::new(|_| {
    select("federation_providers", &COLS)
        .and_where(eq("kind", 0))
        .and_where(eq("name", 1))
        .into()
});
static LIST: Stmt = Stmt::new(|_| {
    select("federation_providers", &COLS)
        .and_where(eq("kind", 0))
        .and_where(Expr::col("name").gt(p(1)))
        .order_by("name", Order::Asc)
        .limit(lim(2))
        .into()
});
static UPDATE: Stmt = Stmt::new(|_| {
    Query::update()
        .table("federation_providers")
        .values([
            ("config", p(2)),
            ("description", p(3)),
            ("updated_at", p(4)),
        ])
        .and_where(eq("kind", 0))
        .and_where(eq("name", 1))
        .into()
});
static DELETE: Stmt = Stmt::new(|_| {
    Query::delete()
        .from_table("federation_providers")
        .and_where(eq("kind", 0))
        .and_where(eq("name", 1))
        .into()
});
static USE_ASSERTION: Stmt = Stmt::new(|_| {
    insert(
        "saml_assertions",
        &["provider", "assertion_id", "expires_at"],
    )
    .into()
});
static EXPIRED_ASSERTIONS: Stmt = Stmt::new(|_| {
    Query::delete()
        .from_table("saml_assertions")
        .and_where(Expr::col("expires_at").lt(p(0)))
        .into()
});

impl<B: Backend> FederationStore for B {
    fn create_provider(&self, kind: ProviderKind, r: &ProviderRow, max: u64) -> StoreResult<()> {
        self.transaction(Mode::Write, |tx| {
            tx.lock(Lock::Limit(Limit::Providers))?;
            if tx.count(&COUNT, &[kind.as_str().into()])? >= max {
                return Err(StoreError::Limit(Entity::Provider).into());
            }
            tx.execute(
                &INSERT,
                &[
                    kind.as_str().into(),
                    r.name.as_str().into(),
                    r.issuer.as_deref().into(),
                    r.config.as_str().into(),
                    r.description.as_str().into(),
                    r.created_at.into(),
                    r.updated_at.into(),
                ],
            )
            .map_err(unique(Entity::Provider))?;
            Ok(())
        })
    }

    fn get_provider(&self, kind: ProviderKind, name: &str) -> StoreResult<Option<ProviderRow>> {
        self.transaction(Mode::Single, |tx| {
            tx.query_opt(&GET, &[kind.as_str().into(), name.into()])?
                .map(|mut r| row(&mut r))
                .transpose()
        })
    }

    fn list_providers(
        &self,
        kind: ProviderKind,
        marker: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<ProviderRow>> {
        self.transaction(Mode::Single, |tx| {
            let rows = tx.query(
                &LIST,
                &[
                    kind.as_str().into(),
                    marker.unwrap_or("").into(),
                    i64::from(limit).into(),
                ],
            )?;
            map(rows, row)
        })
    }

    fn update_provider(&self, kind: ProviderKind, r: &ProviderRow) -> StoreResult<()> {
        self.transaction(Mode::Write, |tx| {
            let n = tx.execute(
                &UPDATE,
                &[
                    kind.as_str().into(),
                    r.name.as_str().into(),
                    r.config.as_str().into(),
                    r.description.as_str().into(),
                    r.updated_at.into(),
                ],
            )?;
            if n == 0 {
                return Err(StoreError::NotFound(Entity::Provider).into());
            }
            Ok(())
        })
    }

    fn delete_provider(&self, kind: ProviderKind, name: &str) -> StoreResult<()> {
        self.transaction(Mode::Write, |tx| {
            let n = tx.execute(&DELETE, &[kind.as_str().into(), name.into()])?;
            if n == 0 {
                return Err(StoreError::NotFound(Entity::Provider).into());
            }
            Ok(())
        })
    }

    fn use_saml_assertion(
        &self,
        provider: &str,
        id: &str,
        expires_at: i64,
        now: i64,
    ) -> StoreResult<bool> {
        let _ = self.transaction(Mode::WriteUntracked, |tx| {
            tx.execute(&EXPIRED_ASSERTIONS, &[now.into()])?;
            Ok(())
        });
        let used = self.transaction(Mode::WriteUntracked, |tx| {
            tx.execute(
                &USE_ASSERTION,
                &[provider.into(), id.into(), expires_at.into()],
            )
            .map_err(unique(Entity::Provider))?;
            Ok(())
        });
        match used {
            Ok(()) => Ok(true),
            Err(StoreError::Conflict(Entity::Provider)) => Ok(false),
            Err(e) => Err(e),
        }
    }
}
