//! The bureau's own time limits on escalated disputes (docs/escalation.md#the-bureaus-own-deadlines):
//! each escalation's limits as they stand, and the bureau's on-time rate over a period, shown
//! beside the units' (the dashboard, `GET /api/v1/escalations/timeliness`).

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Asia::Shanghai;
use serde::Serialize;
use utoipa::ToSchema;

use crate::disputes::escalations::bureau_dues_of_source as dues_of;
use crate::domain::bureau::BureauDeadline;
use crate::domain::calendar::{Calendar, start_of_day};
use crate::domain::region::RegionCode;
use crate::store::escalations::bureau_sources_in_region;
use crate::store::{DbConn, StoreError, to_db_time};

/// How one kind of limit was kept over a period.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct KeptCount {
    pub deadline: BureauDeadline,
    /// Limits judged in the period: met in it, or due in it and not met by then.
    pub judged: i64,
    /// Of those, met by their due moment.
    pub on_time: i64,
}

/// The bureau's timeliness over a period in a region.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BureauFigures {
    pub region_code: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Limits judged in the period (acceptance, mediation and case decision; telling the
    /// parties is met as the end of a mediation is recorded, so it is not counted).
    pub judged: i64,
    pub on_time: i64,
    /// `on_time` ÷ `judged`; absent when nothing was judged.
    pub on_time_rate: Option<f64>,
    /// Per kind of limit.
    pub by_deadline: Vec<KeptCount>,
    /// Limits running now, and of those already past their due moment.
    pub running_now: i64,
    pub overdue_now: i64,
}

/// The bureau's timeliness in `region` over the Shanghai days `from..=to`, as of `now`.
pub fn figures(
    conn: &mut DbConn,
    calendar: &Calendar,
    region: &RegionCode,
    from: NaiveDate,
    to: NaiveDate,
    now: DateTime<Utc>,
) -> Result<BureauFigures, StoreError> {
    let start = start_of_day(from);
    let end = start_of_day(to.succ_opt().unwrap_or(to));
    let sources = bureau_sources_in_region(
        conn,
        region.prefix(),
        to_db_time(start),
        to_db_time(end.min(now)),
    )?;
    let counted = [
        BureauDeadline::Acceptance,
        BureauDeadline::Mediation,
        BureauDeadline::CaseDecision,
    ];
    let mut by: Vec<KeptCount> = counted
        .iter()
        .map(|d| KeptCount {
            deadline: *d,
            judged: 0,
            on_time: 0,
        })
        .collect();
    let (mut running_now, mut overdue_now) = (0, 0);
    let day = |at: DateTime<Utc>| at.with_timezone(&Shanghai).date_naive();
    for src in &sources {
        for due in dues_of(calendar, src)? {
            let Some(at) = counted.iter().position(|d| *d == due.deadline) else {
                continue;
            };
            let kept = &mut by[at];
            match due.met_at {
                Some(met) if (from..=to).contains(&day(met)) => {
                    kept.judged += 1;
                    kept.on_time += i64::from(met <= due.due.due_at);
                }
                Some(_) => {}
                None => {
                    let passed = due.due.due_at < now;
                    if passed && (from..=to).contains(&day(due.due.due_at)) {
                        kept.judged += 1;
                    }
                    running_now += 1;
                    overdue_now += i64::from(passed);
                }
            }
        }
    }
    let judged = by.iter().map(|k| k.judged).sum();
    let on_time = by.iter().map(|k| k.on_time).sum();
    Ok(BureauFigures {
        region_code: region.as_str().to_string(),
        from,
        to,
        judged,
        on_time,
        on_time_rate: (judged > 0).then(|| on_time as f64 / judged as f64),
        by_deadline: by,
        running_now,
        overdue_now,
    })
}
