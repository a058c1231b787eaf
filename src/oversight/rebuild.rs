//! `odr metrics rebuild`: recomputes the metric counters from the disputes' timelines with the
//! same rules that keep them event by event (docs/metrics.md#rebuild). Unit by unit, each in
//! its own short transaction that holds the unit (so two rebuilds of one unit take turns) and
//! adds to the counter rows rather than overwriting them, so the platform keeps serving and a
//! live event's counters are neither lost nor counted twice.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate};
use chrono_tz::Asia::Shanghai;

use crate::domain::calendar::{Calendar, start_of_day};
use crate::domain::metrics::{Counters, replay};
use crate::store::metrics::{
    DayKey, add_to_days, clear_counters, lock_unit, recount_months, replay_sources,
    set_handling_ended, units_with_disputes,
};
use crate::store::{DbConn, StoreError, to_db_time};

/// The maintenance task a migration requests when the counters' definitions change.
pub const TASK: &str = "metrics_rebuild";

/// How far a rebuild has come.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    pub units_done: usize,
    pub units: usize,
    pub disputes: u64,
}

/// The days a rebuild covers, both ends included; `None` for no bound.
#[derive(Debug, Clone, Copy, Default)]
pub struct Range {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

/// Rebuilds the counters of the days in `range` for every unit with disputes, calling
/// `progress` after each unit.
pub fn rebuild(
    conn: &mut DbConn,
    calendar: &Calendar,
    range: Range,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Progress, StoreError> {
    // Bounds both databases store and compare as dates: SQLite compares them as text, so no
    // bound (nor the month after it) may leave four-digit years.
    let from = range
        .from
        .or(NaiveDate::from_ymd_opt(1970, 1, 1))
        .unwrap_or_default();
    let end = range
        .to
        .or(NaiveDate::from_ymd_opt(2999, 12, 31))
        .and_then(|to| to.succ_opt())
        .unwrap_or_default();
    // Every counter of a dispute counts on a day no later than the event that adds it, so the
    // disputes with an event since the range began are the ones that can add to it.
    let since = range.from.map(|d| to_db_time(start_of_day(d)));
    let until = range
        .to
        .map(|d| to_db_time(start_of_day(d) + Duration::days(1)));
    let units = units_with_disputes(conn)?;
    let mut done = Progress {
        units: units.len(),
        ..Progress::default()
    };
    for unit in &units {
        let disputes = crate::store::write_transaction::<_, StoreError, _>(conn, |conn| {
            lock_unit(conn, unit)?;
            clear_counters(conn, unit, from, end)?;
            let sources = replay_sources(conn, unit, since, until)?;
            let mut days: BTreeMap<NaiveDate, (DayKey, Counters)> = BTreeMap::new();
            for source in &sources {
                let replayed = replay(&source.history, &source.timeline, calendar);
                for (at, delta) in replayed.counters {
                    let day = at.with_timezone(&Shanghai).date_naive();
                    if day >= from && day < end {
                        days.entry(day)
                            .or_insert_with(|| (source.key(day), Counters::default()))
                            .1 += delta;
                    }
                }
                let ended = replayed.handling_ended_at.map(to_db_time);
                if ended != source.handling_ended_at {
                    set_handling_ended(conn, &source.id, ended)?;
                }
            }
            let rows: Vec<(DayKey, Counters)> = days.into_values().collect();
            add_to_days(conn, &rows)?;
            recount_months(conn, unit, from, end)?;
            Ok(sources.len() as u64)
        })?;
        done.units_done += 1;
        done.disputes += disputes;
        progress(&done);
    }
    Ok(done)
}

/// Runs the full rebuild a migration requested (counters kept under earlier definitions, or
/// disputes from before the counters existed), once; logs its progress.
pub fn run_requested(
    conn: &mut DbConn,
    calendar: &Calendar,
) -> Result<Option<Progress>, StoreError> {
    if !crate::store::metrics::task_pending(conn, TASK)? {
        return Ok(None);
    }
    tracing::info!("rebuilding the metric counters from the disputes' timelines");
    let done = rebuild(conn, calendar, Range::default(), &mut |p| {
        if p.units_done % 100 == 0 || p.units_done == p.units {
            tracing::info!(
                units.done = p.units_done,
                units.total = p.units,
                disputes = p.disputes,
                "metric counters rebuilt"
            );
        }
    })?;
    crate::store::metrics::finish_task(conn, TASK)?;
    Ok(Some(done))
}
