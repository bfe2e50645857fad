//! Account-wide settings: one document each, by name.

use sea_query::Query;

use super::{eq, insert, select};
use crate::sql::Stmt;
use crate::tx::{Backend, Mode};
use crate::{SettingsStore, StoreResult};

static GET: Stmt = Stmt::new(|_| {
    select("account_settings", &["value"])
        .and_where(eq("name", 0))
        .into()
});
static DELETE: Stmt = Stmt::new(|_| {
    Query::delete()
        .from_table("account_settings")
        .and_where(eq("name", 0))
        .into()
});
static INSERT: Stmt =
    Stmt::new(|_| insert("account_settings", &["name", "value", "updated_at"]).into());

impl<B: Backend> SettingsStore for B {
    fn get_setting(&self, name: &str) -> StoreResult<Option<String>> {
        self.transaction(Mode::Read, |tx| {
            match tx.query_opt(&GET, &[name.into()])? {
                Some(mut r) => Ok(Some(r.text(0)?)),
                None => Ok(None),
            }
        })
    }

    fn put_setting(&self, name: &str, value: Option<&str>, now: i64) -> StoreResult<()> {
        self.transaction(Mode::Write, |tx| {
            tx.execute(&DELETE, &[name.into()])?;
            if let Some(v) = value {
                tx.execute(&INSERT, &[name.into(), v.into(), now.into()])?;
            }
            Ok(())
        })
    }
}
