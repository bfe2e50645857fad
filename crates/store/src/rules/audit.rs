//! The audit trail: appended in batches, read newest first with keyset
//! paging, deleted oldest first past the retention.

use sea_query::{Cond, Expr, OnConflict, Order, Query};

use super::{insert, map, select};
use crate::sql::{lim, p, Param, Row, Stmt};
use crate::tx::{Backend, ColumnInsert, Mode, TxResult};
use crate::{AuditEvent, AuditPage, AuditQuery, AuditStore, StoreResult, AUDIT_SCAN_BOUND};

const COLS: [&str; 16] = [
    "event_id",
    "event_time",
    "event_name",
    "service_name",
    "event_source",
    "identity_type",
    "principal_arn",
    "user_name",
    "access_key_id",
    "source_ip",
    "user_agent",
    "resource_name",
    "event_rw",
    "error_code",
    "error_message",
    "request_id",
];

fn row(r: &mut Row) -> TxResult<AuditEvent> {
    Ok(AuditEvent {
        event_id: r.text(0)?,
        event_time: r.int(1)?,
        event_name: r.text(2)?,
        service_name: r.text(3)?,
        event_source: r.text(4)?,
        identity_type: r.text(5)?,
        principal_arn: r.text(6)?,
        user_name: r.text(7)?,
        access_key_id: r.text(8)?,
        source_ip: r.text(9)?,
        user_agent: r.text(10)?,
        resource_name: r.text(11)?,
        event_rw: r.text(12)?,
        error_code: r.text(13)?,
        error_message: r.text(14)?,
        request_id: r.text(15)?,
    })
}

/// An event recorded twice (a retried flush) is kept once.
static APPEND: Stmt = Stmt::new(|_| {
    insert("audit_events", &COLS)
        .on_conflict(
            OnConflict::column("event_id")
                .do_nothing_on(["event_id"])
                .to_owned(),
        )
        .to_owned()
        .into()
});

/// Events written by one statement of [`APPEND_BATCH`] (16 slots each; a
/// slot number is a byte).
const BATCH: usize = 15;

/// [`APPEND`] for [`BATCH`] events at once: one round trip instead of 15.
static APPEND_BATCH: Stmt = Stmt::new(|_| {
    let mut q = Query::insert();
    q.into_table("audit_events").columns(COLS);
    for row in 0..BATCH {
        // The values match the columns one for one, so this cannot fail.
        let _ = q.values(
            (0..COLS.len()).map(|c| p(u8::try_from(row * COLS.len() + c).unwrap_or(u8::MAX))),
        );
    }
    q.on_conflict(
        OnConflict::column("event_id")
            .do_nothing_on(["event_id"])
            .to_owned(),
    )
    .to_owned()
    .into()
});

fn params(e: &AuditEvent) -> [Param<'_>; 16] {
    [
        (&e.event_id).into(),
        e.event_time.into(),
        (&e.event_name).into(),
        (&e.service_name).into(),
        (&e.event_source).into(),
        (&e.identity_type).into(),
        (&e.principal_arn).into(),
        (&e.user_name).into(),
        (&e.access_key_id).into(),
        (&e.source_ip).into(),
        (&e.user_agent).into(),
        (&e.resource_name).into(),
        (&e.event_rw).into(),
        (&e.error_code).into(),
        (&e.error_message).into(),
        (&e.request_id).into(),
    ]
}

/// The keyset position slots `at` and `at + 1` (time, id; an empty id:
/// none): strictly before it.
fn before(d: crate::sql::Dialect, at: u8) -> Cond {
    Cond::any().add(Expr::col("event_time").lt(p(at))).add(
        Cond::all()
            .add(Expr::col("event_time").eq(p(at)))
            .add(d.cust("(? = '' OR event_id < ?)", [p(at + 1), p(at + 1)])),
    )
}

/// Slots: start, end, the keyset position (time, id) and the offset: the
/// position of the last event a bounded scan examines.
static SCAN_FLOOR: Stmt = Stmt::new(|d| {
    select("audit_events", &["event_time", "event_id"])
        .and_where(Expr::col("event_time").gte(p(0)))
        .and_where(Expr::col("event_time").lte(p(1)))
        .cond_where(before(d, 2))
        .order_by("event_time", Order::Desc)
        .order_by("event_id", Order::Desc)
        .limit(1)
        .offset(lim(4))
        .into()
});

/// Slots: start, end, six optional filters, then the keyset position
/// (time, id; an empty id: none), the limit, and the scan's floor (time,
/// id: at or after it).
static LOOKUP: Stmt = Stmt::new(|d| {
    let mut q = select("audit_events", &COLS)
        .and_where(Expr::col("event_time").gte(p(0)))
        .and_where(Expr::col("event_time").lte(p(1)))
        .take();
    for (i, col) in [
        "event_name",
        "user_name",
        "resource_name",
        "access_key_id",
        "event_rw",
        "service_name",
    ]
    .into_iter()
    .enumerate()
    {
        // A missing filter (`NULL`) compares the column with itself.
        let slot = u8::try_from(i + 2).unwrap_or(u8::MAX);
        q.and_where(Expr::col(col).eq(d.cust(&format!("COALESCE(?, {col})"), [p(slot)])));
    }
    q.cond_where(before(d, 8))
        .cond_where(
            Cond::any().add(Expr::col("event_time").gt(p(11))).add(
                Cond::all()
                    .add(Expr::col("event_time").eq(p(11)))
                    .add(Expr::col("event_id").gte(p(12))),
            ),
        )
        .order_by("event_time", Order::Desc)
        .order_by("event_id", Order::Desc)
        .limit(lim(10))
        .into()
});

/// The `limit`-th oldest event before slot 0 (slot 1 is the offset).
static CUTOFF: Stmt = Stmt::new(|_| {
    select("audit_events", &["event_time", "event_id"])
        .and_where(Expr::col("event_time").lt(p(0)))
        .order_by("event_time", Order::Asc)
        .order_by("event_id", Order::Asc)
        .limit(1)
        .offset(lim(1))
        .into()
});
static DELETE_BEFORE: Stmt = Stmt::new(|_| {
    Query::delete()
        .from_table("audit_events")
        .and_where(Expr::col("event_time").lt(p(0)))
        .into()
});
static DELETE_THROUGH: Stmt = Stmt::new(|_| {
    Query::delete()
        .from_table("audit_events")
        .and_where(Expr::col("event_time").lt(p(0)))
        .cond_where(
            Cond::any().add(Expr::col("event_time").lt(p(1))).add(
                Cond::all()
                    .add(Expr::col("event_time").eq(p(1)))
                    .add(Expr::col("event_id").lte(p(2))),
            ),
        )
        .into()
});

impl<B: Backend> AuditStore for B {
    fn append_audit(&self, events: &[AuditEvent]) -> StoreResult<()> {
        if events.is_empty() {
            return Ok(());
        }
        let rows: Vec<[Param<'_>; 16]> = events.iter().map(params).collect();
        let columns = ColumnInsert::from_rows("audit_events", &COLS, "event_id", &rows);
        self.transaction(Mode::WriteUntracked, |tx| {
            if let Some(c) = &columns {
                if tx.insert_columns(c)? {
                    return Ok(());
                }
            }
            let mut chunks = events.chunks_exact(BATCH);
            for chunk in &mut chunks {
                let all: Vec<Param<'_>> = chunk.iter().flat_map(params).collect();
                tx.execute(&APPEND_BATCH, &all)?;
            }
            for e in chunks.remainder() {
                tx.execute(&APPEND, &params(e))?;
            }
            Ok(())
        })
    }

    fn lookup_audit(&self, q: &AuditQuery) -> StoreResult<AuditPage> {
        let (bt, bid) = q.before.clone().unwrap_or((i64::MAX, String::new()));
        let filtered = [
            &q.event_name,
            &q.user_name,
            &q.resource_name,
            &q.access_key_id,
            &q.event_rw,
            &q.service_name,
        ]
        .iter()
        .any(|f| f.is_some());
        self.transaction(Mode::Single, |tx| {
            // Without a filter the limit bounds the scan; with one, the
            // scan stops at the bound's last event.
            let floor = if filtered {
                let bound = match q.scan_bound {
                    0 => AUDIT_SCAN_BOUND,
                    b => b,
                };
                let offset = u64::from(bound) - 1;
                let last = tx.query_opt(
                    &SCAN_FLOOR,
                    &[
                        q.start.into(),
                        q.end.into(),
                        bt.into(),
                        bid.as_str().into(),
                        offset.into(),
                    ],
                )?;
                match last {
                    Some(mut r) => Some((r.int(0)?, r.text(1)?)),
                    None => None,
                }
            } else {
                None
            };
            let (ft, fid) = floor.clone().unwrap_or((i64::MIN, String::new()));
            let rows = tx.query(
                &LOOKUP,
                &[
                    q.start.into(),
                    q.end.into(),
                    (&q.event_name).into(),
                    (&q.user_name).into(),
                    (&q.resource_name).into(),
                    (&q.access_key_id).into(),
                    (&q.event_rw).into(),
                    (&q.service_name).into(),
                    bt.into(),
                    bid.as_str().into(),
                    q.limit.into(),
                    ft.into(),
                    fid.as_str().into(),
                ],
            )?;
            let events = map(rows, row)?;
            let scanned_to = floor.filter(|_| events.len() < q.limit as usize);
            Ok(AuditPage { events, scanned_to })
        })
    }

    fn delete_audit_before(&self, before: i64, limit: u32) -> StoreResult<u64> {
        if limit == 0 {
            return Ok(0);
        }
        self.transaction(Mode::WriteUntracked, |tx| {
            let offset = u64::from(limit) - 1;
            match tx.query_opt(&CUTOFF, &[before.into(), offset.into()])? {
                // Fewer than `limit` are due: all of them go.
                None => tx.execute(&DELETE_BEFORE, &[before.into()]),
                Some(mut last) => {
                    let (time, id) = (last.int(0)?, last.text(1)?);
                    tx.execute(
                        &DELETE_THROUGH,
                        &[before.into(), time.into(), id.as_str().into()],
                    )
                }
            }
        })
    }
}
