//! The schema, written once (`schema/*.sql`) and rendered per dialect.
//! Each dialect lists its migrations: the common ones, then its own.

use crate::sql::Dialect;

/// The migrations every dialect starts with, by version.
const COMMON: [(i64, &str); 17] = [
    (1, include_str!("schema/0001_init.sql")),
    (2, include_str!("schema/0002_policies_roles.sql")),
    (3, include_str!("schema/0003_kms.sql")),
    (4, include_str!("schema/0004_rotation.sql")),
    (5, include_str!("schema/0005_audit.sql")),
    (8, include_str!("schema/0008_account_settings.sql")),
    (9, include_str!("schema/0009_mfa_devices.sql")),
    (10, include_str!("schema/0010_key_policies.sql")),
    (11, include_str!("schema/0011_key_material_expiry.sql")),
    (12, include_str!("schema/0012_console_sessions.sql")),
    (13, include_str!("schema/0013_login_failures.sql")),
    (14, include_str!("schema/0014_group_display_names.sql")),
    (15, include_str!("schema/0015_key_material_digest.sql")),
    (16, include_str!("schema/0016_console_session_mfa.sql")),
    (17, include_str!("schema/0017_federation.sql")),
    (18, include_str!("schema/0018_db_secret_pending.sql")),
    (19, include_str!("schema/0019_db_accounts.sql")),
];

/// The index that finds failed rotations due for a retry (PostgreSQL and
/// MySQL; SQLite's migration 7 has it).
const RETRY_INDEX: &str = include_str!("schema/0006_rotation_retry_index.sql");

/// The migrations written once, for `dialect`: the common ones, and on
/// PostgreSQL and MySQL the retry index as migration 6 (SQLite adds its
/// own 6 and 7; [`in_order`] puts every list in version order).
pub(crate) fn migrations(dialect: Dialect, types: Types) -> Vec<(i64, String)> {
    let mut all: Vec<(i64, String)> = COMMON
        .iter()
        .map(|(v, t)| (*v, render(t, dialect, types)))
        .collect();
    if dialect != Dialect::Sqlite {
        all.push((6, render(RETRY_INDEX, dialect, types)));
    }
    in_order(all)
}

/// Migrations sorted by version: they are applied in this order, each
/// once, and a store records only the highest version it has.
pub(crate) fn in_order(mut all: Vec<(i64, String)>) -> Vec<(i64, String)> {
    all.sort_by_key(|(v, _)| *v);
    all
}

/// How a dialect spells the schema's types.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Types {
    /// The binary collation of names and ids (MySQL only).
    pub binary_collation: &'static str,
}

impl Types {
    /// The spellings of everything but MySQL's collations.
    pub(crate) const DEFAULT: Types = Types {
        binary_collation: "utf8mb4_bin",
    };
}

/// `template` for `dialect`: its own lines, types spelled its way.
pub(crate) fn render(template: &str, dialect: Dialect, types: Types) -> String {
    let tag = match dialect {
        Dialect::Sqlite => "sqlite",
        Dialect::Postgres => "postgres",
        Dialect::Mysql => "mysql",
    };
    let mut out = String::with_capacity(template.len());
    for line in template.lines() {
        let line = match line.strip_prefix('[').and_then(|l| l.split_once(']')) {
            Some((tags, rest)) => {
                if !tags.split(',').any(|t| t.trim() == tag) {
                    continue;
                }
                rest.strip_prefix(' ').unwrap_or(rest)
            }
            None => line,
        };
        out.push_str(line);
        out.push('\n');
    }
    if dialect == Dialect::Mysql {
        out = out.replace('"', "`");
    }
    let id;
    let short_id;
    let role_name;
    let table;
    let (int, text, blob, boolean, truth) = match dialect {
        Dialect::Sqlite => {
            id = "TEXT".to_string();
            short_id = id.clone();
            role_name = "TEXT NOT NULL UNIQUE COLLATE NOCASE".to_string();
            table = String::new();
            ("INTEGER", "TEXT", "BLOB", "INTEGER", "1")
        }
        Dialect::Postgres => {
            id = "TEXT COLLATE \"C\"".to_string();
            short_id = id.clone();
            role_name = "TEXT COLLATE \"C\" NOT NULL".to_string();
            table = String::new();
            ("BIGINT", "TEXT", "BYTEA", "BOOLEAN", "TRUE")
        }
        Dialect::Mysql => {
            let bin = types.binary_collation;
            // Index keys are at most 3072 bytes: four-column keys take
            // shorter names (none of those is longer than 128 characters).
            id = format!("VARCHAR(255) COLLATE {bin}");
            short_id = format!("VARCHAR(191) COLLATE {bin}");
            role_name = "VARCHAR(255) COLLATE utf8mb4_general_ci NOT NULL UNIQUE".to_string();
            table = format!(" ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE={bin}");
            ("BIGINT", "MEDIUMTEXT", "LONGBLOB", "BOOLEAN", "1")
        }
    };
    out.replace("{id}", &id)
        .replace("{short_id}", &short_id)
        .replace("{role_name}", &role_name)
        .replace("{table}", &table)
        .replace("{int}", int)
        .replace("{text}", text)
        .replace("{blob}", blob)
        .replace("{bool}", boolean)
        .replace("{true}", truth)
}

/// Splits a rendered migration into statements (for drivers that take
/// one at a time); comments and blank lines go.
pub(crate) fn statements(sql: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in sql.lines() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with("--") {
            continue;
        }
        current.push_str(line);
        current.push('\n');
        if trimmed.ends_with(';') {
            out.push(std::mem::take(&mut current));
        }
    }
    if !current.trim().is_empty() {
        out.push(current);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_types_follow_the_dialect() {
        let t = "CREATE TABLE \"groups\" (\n    a {id} PRIMARY KEY\n){table};\n[postgres,mysql] CREATE INDEX x ON t(y);\n[sqlite] -- only here\n";
        let sqlite = render(t, Dialect::Sqlite, Types::DEFAULT);
        assert_eq!(
            sqlite,
            "CREATE TABLE \"groups\" (\n    a TEXT PRIMARY KEY\n);\n-- only here\n"
        );
        let my = render(t, Dialect::Mysql, Types::DEFAULT);
        assert!(my.starts_with("CREATE TABLE `groups` (\n    a VARCHAR(255) COLLATE utf8mb4_bin PRIMARY KEY\n) ENGINE=InnoDB"));
        assert!(my.contains("CREATE INDEX x ON t(y);"));
        assert_eq!(statements(&my).len(), 2);
    }
}
