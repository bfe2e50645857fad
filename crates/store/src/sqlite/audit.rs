//! The audit trail on SQLite.

use rusqlite::{params, Row};

use super::conn::{backend, SqliteStore};
use crate::{AuditEvent, AuditQuery, AuditStore, StoreResult};

const COLS: &str = "event_id, event_time, event_name, service_name, event_source, identity_type, principal_arn, \
     user_name, access_key_id, source_ip, user_agent, resource_name, event_rw, error_code, error_message, request_id";

fn row(r: &Row<'_>) -> rusqlite::Result<AuditEvent> {
    Ok(AuditEvent {
        event_id: r.get(0)?,
        event_time: r.get(1)?,
        event_name: r.get(2)?,
        service_name: r.get(3)?,
        event_source: r.get(4)?,
        identity_type: r.get(5)?,
        principal_arn: r.get(6)?,
        user_name: r.get(7)?,
        access_key_id: r.get(8)?,
        source_ip: r.get(9)?,
        user_agent: r.get(10)?,
        resource_name: r.get(11)?,
        event_rw: r.get(12)?,
        error_code: r.get(13)?,
        error_message: r.get(14)?,
        request_id: r.get(15)?,
    })
}

impl AuditStore for SqliteStore {
    fn append_audit(&self, events: &[AuditEvent]) -> StoreResult<()> {
        if events.is_empty() {
            return Ok(());
        }
        self.write_untracked(|tx| {
            let mut st = tx
                .prepare_cached(&format!(
                    "INSERT OR IGNORE INTO audit_events ({COLS}) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16)"
                ))
                .map_err(backend)?;
            for e in events {
                st.execute(params![
                    e.event_id,
                    e.event_time,
                    e.event_name,
                    e.service_name,
                    e.event_source,
                    e.identity_type,
                    e.principal_arn,
                    e.user_name,
                    e.access_key_id,
                    e.source_ip,
                    e.user_agent,
                    e.resource_name,
                    e.event_rw,
                    e.error_code,
                    e.error_message,
                    e.request_id
                ])
                .map_err(backend)?;
            }
            Ok(())
        })
    }

    fn lookup_audit(&self, q: &AuditQuery) -> StoreResult<Vec<AuditEvent>> {
        self.read(|c| {
            let (bt, bid) = q.before.clone().unwrap_or((i64::MAX, String::new()));
            let mut st = c
                .prepare_cached(&format!(
                    "SELECT {COLS} FROM audit_events WHERE event_time >= ?1 AND event_time <= ?2 \
                     AND (?3 IS NULL OR event_name = ?3) AND (?4 IS NULL OR user_name = ?4) \
                     AND (?5 IS NULL OR resource_name = ?5) AND (?6 IS NULL OR access_key_id = ?6) \
                     AND (?7 IS NULL OR event_rw = ?7) AND (?8 IS NULL OR service_name = ?8) \
                     AND (event_time < ?9 OR (event_time = ?9 AND (?10 = '' OR event_id < ?10))) \
                     ORDER BY event_time DESC, event_id DESC LIMIT ?11"
                ))
                .map_err(backend)?;
            let rows = st
                .query_map(
                    params![
                        q.start,
                        q.end,
                        q.event_name,
                        q.user_name,
                        q.resource_name,
                        q.access_key_id,
                        q.event_rw,
                        q.service_name,
                        bt,
                        bid,
                        q.limit
                    ],
                    row,
                )
                .map_err(backend)?;
            rows.collect::<Result<Vec<_>, _>>().map_err(backend)
        })
    }

    fn delete_audit_before(&self, before: i64, limit: u32) -> StoreResult<u64> {
        self.write_untracked(|tx| {
            let n = tx
                .prepare_cached(
                    "DELETE FROM audit_events WHERE rowid IN \
                     (SELECT rowid FROM audit_events WHERE event_time < ?1 ORDER BY event_time LIMIT ?2)",
                )
                .and_then(|mut st| st.execute(params![before, limit]))
                .map_err(backend)?;
            Ok(n as u64)
        })
    }
}
