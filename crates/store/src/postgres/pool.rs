//! Pooled connections that keep their prepared statements: a statement is
//! parsed and planned by PostgreSQL once per connection, and each later run
//! is one round trip instead of two (prepare, then execute).

use std::collections::HashMap;

use postgres::error::SqlState;
use postgres::{Client, Config, GenericClient, Statement};

/// Statements kept per connection; past it the cache starts over (the
/// store's statements are a fixed set, well under it).
const MAX_STATEMENTS: usize = 256;

/// A connection and the statements prepared on it.
pub(crate) struct Conn {
    pub(crate) client: Client,
    pub(crate) statements: Statements,
}

/// Statements prepared on one connection, by their text.
#[derive(Default)]
pub(crate) struct Statements(HashMap<String, Statement>);

impl Statements {
    /// `sql` prepared on `c` (which must be this cache's connection, or a
    /// transaction on it).
    pub(crate) fn get(
        &mut self,
        c: &mut impl GenericClient,
        sql: &str,
    ) -> Result<Statement, postgres::Error> {
        if let Some(s) = self.0.get(sql) {
            return Ok(s.clone());
        }
        let s = c.prepare(sql)?;
        if self.0.len() >= MAX_STATEMENTS {
            self.0.clear();
        }
        self.0.insert(sql.to_string(), s.clone());
        Ok(s)
    }

    /// Forgets every statement after `e` if it says their plans are stale
    /// (a migration changed a table they use): the retry prepares afresh.
    pub(crate) fn forget_if_stale(&mut self, e: &postgres::Error) -> bool {
        let stale = e.code() == Some(&SqlState::FEATURE_NOT_SUPPORTED)
            && e.as_db_error()
                .is_some_and(|d| d.message().contains("cached plan"));
        if stale {
            self.0.clear();
        }
        stale
    }
}

/// Opens [`Conn`]s for the pool.
pub(crate) struct Manager {
    config: Config,
    tls: rampart_dbtls::MakeTls,
}

impl Manager {
    pub(crate) fn new(config: Config, tls: rampart_dbtls::MakeTls) -> Self {
        Self { config, tls }
    }
}

impl r2d2::ManageConnection for Manager {
    type Connection = Conn;
    type Error = postgres::Error;

    fn connect(&self) -> Result<Conn, postgres::Error> {
        Ok(Conn {
            client: self.config.connect(self.tls.clone())?,
            statements: Statements::default(),
        })
    }

    fn is_valid(&self, conn: &mut Conn) -> Result<(), postgres::Error> {
        conn.client.simple_query("").map(|_| ())
    }

    fn has_broken(&self, conn: &mut Conn) -> bool {
        conn.client.is_closed()
    }
}
