//! The audit trail on PostgreSQL.

use postgres::Row;

use super::conn::{PostgresStore, TxError};
use crate::{AuditEvent, AuditQuery, AuditStore, StoreResult};

const COLS: &str = "event_id, event_time, event_name, service_name, event_source, identity_type, principal_arn, \
     user_name, access_key_id, source_ip, user_agent, resource_name, event_rw, error_code, error_message, request_id";

fn row(r: &Row) -> Result<AuditEvent, postgres::Error> {
    Ok(AuditEvent {
        event_id: r.try_get(0)?,
        event_time: r.try_get(1)?,
        event_name: r.try_get(2)?,
        service_name: r.try_get(3)?,
        event_source: r.try_get(4)?,
        identity_type: r.try_get(5)?,
        principal_arn: r.try_get(6)?,
        user_name: r.try_get(7)?,
        access_key_id: r.try_get(8)?,
        source_ip: r.try_get(9)?,
        user_agent: r.try_get(10)?,
        resource_name: r.try_get(11)?,
        event_rw: r.try_get(12)?,
        error_code: r.try_get(13)?,
        error_message: r.try_get(14)?,
        request_id: r.try_get(15)?,
    })
}

impl AuditStore for PostgresStore {
    fn append_audit(&self, events: &[AuditEvent]) -> StoreResult<()> {
        if events.is_empty() {
            return Ok(());
        }
        self.write(|tx| {
            let st = tx.prepare(&format!(
                "INSERT INTO audit_events ({COLS}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16) \
                 ON CONFLICT (event_id) DO NOTHING"
            ))?;
            for e in events {
                tx.execute(
                    &st,
                    &[
                        &e.event_id,
                        &e.event_time,
                        &e.event_name,
                        &e.service_name,
                        &e.event_source,
                        &e.identity_type,
                        &e.principal_arn,
                        &e.user_name,
                        &e.access_key_id,
                        &e.source_ip,
                        &e.user_agent,
                        &e.resource_name,
                        &e.event_rw,
                        &e.error_code,
                        &e.error_message,
                        &e.request_id,
                    ],
                )?;
            }
            Ok::<(), TxError>(())
        })
    }

    fn lookup_audit(&self, q: &AuditQuery) -> StoreResult<Vec<AuditEvent>> {
        let (bt, bid) = q.before.clone().unwrap_or((i64::MAX, String::new()));
        let limit = i64::from(q.limit);
        self.read(|tx| {
            let rows = tx.query(
                &format!(
                    "SELECT {COLS} FROM audit_events WHERE event_time >= $1 AND event_time <= $2 \
                     AND ($3::TEXT IS NULL OR event_name = $3) AND ($4::TEXT IS NULL OR user_name = $4) \
                     AND ($5::TEXT IS NULL OR resource_name = $5) AND ($6::TEXT IS NULL OR access_key_id = $6) \
                     AND ($7::TEXT IS NULL OR event_rw = $7) AND ($8::TEXT IS NULL OR service_name = $8) \
                     AND (event_time < $9 OR (event_time = $9 AND ($10 = '' OR event_id < $10))) \
                     ORDER BY event_time DESC, event_id DESC LIMIT $11"
                ),
                &[
                    &q.start,
                    &q.end,
                    &q.event_name,
                    &q.user_name,
                    &q.resource_name,
                    &q.access_key_id,
                    &q.event_rw,
                    &q.service_name,
                    &bt,
                    &bid,
                    &limit,
                ],
            )?;
            rows.iter().map(row).collect::<Result<Vec<_>, _>>().map_err(TxError::from)
        })
    }

    fn delete_audit_before(&self, before: i64, limit: u32) -> StoreResult<u64> {
        let limit = i64::from(limit);
        self.write(|tx| {
            let n = tx.execute(
                "DELETE FROM audit_events WHERE event_id IN \
                 (SELECT event_id FROM audit_events WHERE event_time < $1 ORDER BY event_time LIMIT $2)",
                &[&before, &limit],
            )?;
            Ok::<u64, TxError>(n)
        })
    }
}
