//! ActionTrail (2020-07-06): `LookupEvents` over Rampart's audit trail.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rampart_core::audit::EventRecords;
use rampart_core::ApiError;
use rampart_store::AuditQuery;
use serde::Serialize;

use crate::action::Typed;
use crate::on;
use crate::products::ActionSpec;
use crate::request;
use crate::respond::answers;
use crate::{Ctx, Params};

answers!(LookupEventsAnswer);

/// The implemented ActionTrail actions.
pub static ACTIONS: &[ActionSpec] = &[ActionSpec::read("LookupEvents", &Typed::new(lookup_events))];

request! {
    /// `LookupEvents`: the window, the page size, the filters and where to
    /// resume.
    struct EventLookup {
        start: Option<i64> = with(|p| time_param(p, "StartTime")),
        end: Option<i64> = with(|p| time_param(p, "EndTime")),
        limit: u32 = with(max_results),
        filters: AuditQuery = with(lookup_attributes),
        before: Option<(i64, String)> = with(next_token),
    }
}

/// A time (`YYYY-MM-DDThh:mm:ssZ`), if given.
fn time_param(p: &Params, name: &str) -> Result<Option<i64>, ApiError> {
    match p.get(name).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(v) => rampart_core::time::parse(v).map(Some).ok_or_else(|| {
            ApiError::invalid(name, format!("The specified parameter \"{name}\" is not valid: `{v}` must be `YYYY-MM-DDThh:mm:ssZ`."))
        }),
    }
}

/// `MaxResults`: 1 to 50, 20 when absent.
fn max_results(p: &Params) -> Result<u32, ApiError> {
    let limit = p.u32("MaxResults")?.unwrap_or(20);
    if !(1..=50).contains(&limit) {
        return Err(ApiError::invalid(
            "MaxResults",
            "The specified parameter \"MaxResults\" is not valid: it must be 1 to 50.",
        ));
    }
    Ok(limit)
}

/// `LookupAttribute.N.Key` and `.Value` (up to 10): the query's filters.
fn lookup_attributes(p: &Params) -> Result<AuditQuery, ApiError> {
    let mut q = AuditQuery::default();
    for n in 1..=10 {
        let Some(key) = p.get(&format!("LookupAttribute.{n}.Key")) else {
            break;
        };
        let value = p
            .opt(&format!("LookupAttribute.{n}.Value"))
            .unwrap_or_default();
        match key {
            "EventName" => q.event_name = Some(value),
            "UserName" => q.user_name = Some(value),
            "ResourceName" => q.resource_name = Some(value),
            "EventAccessKeyId" => q.access_key_id = Some(value),
            "EventRW" => q.event_rw = Some(value),
            "ServiceName" => q.service_name = Some(value),
            other => {
                return Err(ApiError::invalid(
                    "LookupAttribute",
                    format!("The specified parameter \"LookupAttribute\" is not valid: `{other}`; use EventName, UserName, ResourceName, EventAccessKeyId, EventRW or ServiceName."),
                ))
            }
        }
    }
    Ok(q)
}

/// `NextToken`: the (time, id) of the event a page resumes before.
fn next_token(p: &Params) -> Result<Option<(i64, String)>, ApiError> {
    let Some(token) = p.get("NextToken").filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    let bad = || {
        ApiError::invalid(
            "NextToken",
            "The specified parameter \"NextToken\" is not valid.",
        )
    };
    let raw = URL_SAFE_NO_PAD.decode(token).map_err(|_| bad())?;
    let text = String::from_utf8(raw).map_err(|_| bad())?;
    let (t, id) = text.split_once(':').ok_or_else(bad)?;
    Ok(Some((t.parse().map_err(|_| bad())?, id.to_string())))
}

/// LookupEvents's answer: a page of events (each as the audit trail writes
/// it), where the next page resumes (empty at the end), and the window.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct LookupEventsAnswer {
    events: EventRecords,
    next_token: String,
    start_time: String,
    end_time: String,
}

fn lookup_events(
    ctx: &Ctx<'_>,
    _: on::Trail,
    r: EventLookup,
) -> Result<LookupEventsAnswer, ApiError> {
    let now = ctx.rampart.now();
    let start = r.start.unwrap_or(now - 7 * 86400);
    let end = r.end.unwrap_or(now);
    let limit = r.limit;
    let q = AuditQuery {
        start,
        end,
        limit,
        before: r.before,
        ..r.filters
    };
    // Make sure calls up to now are visible.
    ctx.rampart.flush_audit()?;
    let page = ctx.rampart.lookup_events(&q)?;
    let events = page.events;
    // A full page resumes after its last event; a filtered scan that
    // stopped at its bound resumes where it stopped.
    let resume = if events.len() == limit as usize {
        events.last().map(|e| (e.event_time, e.event_id.clone()))
    } else {
        page.scanned_to
    };
    let next = resume.map(|(t, id)| URL_SAFE_NO_PAD.encode(format!("{t}:{id}")));
    let region = ctx.rampart.settings().region.clone();
    Ok(LookupEventsAnswer {
        events: EventRecords {
            events,
            account_id: ctx.rampart.account_id().to_string(),
            region,
        },
        next_token: next.unwrap_or_default(),
        start_time: rampart_core::time::format(start),
        end_time: rampart_core::time::format(end),
    })
}
