//! Metric counters per unit and day and per unit and month: bumped with upserts in the
//! transaction of each event, summed per scope and period when metrics are read (whole months
//! from the monthly rows, the days around them from the daily rows).

use std::collections::HashMap;

use chrono::{Datelike, Months, NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{
    businesses, dispute_events, disputes, maintenance_tasks, metric_daily, metric_monthly,
    odr_units, settlements, unit_status_changes,
};
use super::{DbConn, StoreError, from_db_time};
use crate::domain::dispute::{Actor, Event};
use crate::domain::metrics::{Counters, Entry, Extras, History};

/// Which unit-day row to bump.
#[derive(Debug, Clone)]
pub struct DayKey {
    pub day: NaiveDate,
    pub unit_id: String,
    pub region_code: String,
    pub industry_code: String,
    pub association_id: Option<String>,
}

/// Defines the insertable row of a counter table (`metric_daily` by day, `metric_monthly` by
/// the month's first day) and its upsert adding a delta.
macro_rules! counter_table {
    ($row:ident, $stored:ident, $table:ident, $period:ident, $upsert:ident) => {
        /// A stored row's unit and counters.
        #[derive(Debug, Clone, Queryable, Selectable)]
        #[diesel(table_name = $table)]
        pub(crate) struct $stored {
            unit_id: String,
            filed: i64,
            first_contact_due: i64,
            first_contact_on_time: i64,
            concluded: i64,
            concluded_on_time: i64,
            settled: i64,
            escalated: i64,
            withdrawn: i64,
            rated: i64,
            rating_sum: i64,
            rated_high: i64,
            cycle_days_sum: i64,
            recovered_fen: i64,
            case_filed: i64,
            handled: i64,
        }

        impl $stored {
            /// The row's counters.
            pub(crate) fn counters(&self) -> Counters {
                Counters {
                    filed: self.filed,
                    first_contact_due: self.first_contact_due,
                    first_contact_on_time: self.first_contact_on_time,
                    concluded: self.concluded,
                    concluded_on_time: self.concluded_on_time,
                    settled: self.settled,
                    escalated: self.escalated,
                    withdrawn: self.withdrawn,
                    rated: self.rated,
                    rating_sum: self.rating_sum,
                    rated_high: self.rated_high,
                    cycle_days_sum: self.cycle_days_sum,
                    recovered_fen: self.recovered_fen,
                    case_filed: self.case_filed,
                    handled: self.handled,
                }
            }
        }

        #[derive(Debug, Clone, Insertable)]
        #[diesel(table_name = $table, treat_none_as_default_value = false)]
        pub(crate) struct $row<'a> {
            $period: NaiveDate,
            unit_id: &'a str,
            region_code: &'a str,
            industry_code: &'a str,
            association_id: Option<&'a str>,
            filed: i64,
            first_contact_due: i64,
            first_contact_on_time: i64,
            concluded: i64,
            concluded_on_time: i64,
            settled: i64,
            escalated: i64,
            withdrawn: i64,
            rated: i64,
            rating_sum: i64,
            rated_high: i64,
            cycle_days_sum: i64,
            recovered_fen: i64,
            case_filed: i64,
            handled: i64,
        }

        impl<'a> $row<'a> {
            /// The row of `key`'s unit for `period` holding `delta`.
            pub(crate) fn of(key: &'a DayKey, $period: NaiveDate, delta: &Counters) -> Self {
                Self {
                    $period,
                    unit_id: &key.unit_id,
                    region_code: &key.region_code,
                    industry_code: &key.industry_code,
                    association_id: key.association_id.as_deref(),
                    filed: delta.filed,
                    first_contact_due: delta.first_contact_due,
                    first_contact_on_time: delta.first_contact_on_time,
                    concluded: delta.concluded,
                    concluded_on_time: delta.concluded_on_time,
                    settled: delta.settled,
                    escalated: delta.escalated,
                    withdrawn: delta.withdrawn,
                    rated: delta.rated,
                    rating_sum: delta.rating_sum,
                    rated_high: delta.rated_high,
                    cycle_days_sum: delta.cycle_days_sum,
                    recovered_fen: delta.recovered_fen,
                    case_filed: delta.case_filed,
                    handled: delta.handled,
                }
            }
        }

        macro_rules! $upsert {
            ($conn:expr, $r:expr, $d:expr) => {
                diesel::insert_into($table::table)
                    .values($r)
                    .on_conflict(($table::$period, $table::unit_id))
                    .do_update()
                    .set((
                        $table::filed.eq($table::filed + $d.filed),
                        $table::first_contact_due
                            .eq($table::first_contact_due + $d.first_contact_due),
                        $table::first_contact_on_time
                            .eq($table::first_contact_on_time + $d.first_contact_on_time),
                        $table::concluded.eq($table::concluded + $d.concluded),
                        $table::concluded_on_time
                            .eq($table::concluded_on_time + $d.concluded_on_time),
                        $table::settled.eq($table::settled + $d.settled),
                        $table::escalated.eq($table::escalated + $d.escalated),
                        $table::withdrawn.eq($table::withdrawn + $d.withdrawn),
                        $table::rated.eq($table::rated + $d.rated),
                        $table::rating_sum.eq($table::rating_sum + $d.rating_sum),
                        $table::rated_high.eq($table::rated_high + $d.rated_high),
                        $table::cycle_days_sum.eq($table::cycle_days_sum + $d.cycle_days_sum),
                        $table::recovered_fen.eq($table::recovered_fen + $d.recovered_fen),
                        $table::case_filed.eq($table::case_filed + $d.case_filed),
                        $table::handled.eq($table::handled + $d.handled),
                    ))
                    .execute($conn)
            };
        }
    };
}

counter_table!(Row, StoredDay, metric_daily, day, upsert_day);
counter_table!(MonthRow, StoredMonth, metric_monthly, month, upsert_month);

/// The first day of `day`'s month.
pub fn month_of(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap_or(day)
}

/// Adds `delta` to the unit's rows of `key`'s day and month (creating them).
pub fn bump(conn: &mut DbConn, key: &DayKey, delta: &Counters) -> Result<(), StoreError> {
    share_unit(conn, &key.unit_id)?;
    let day = Row::of(key, key.day, delta);
    let month = MonthRow::of(key, month_of(key.day), delta);
    match conn {
        DbConn::Pg(pg) => {
            upsert_day!(pg, &day, delta)?;
            upsert_month!(pg, &month, delta)?;
        }
        DbConn::Sqlite(lite) => {
            upsert_day!(lite, &day, delta)?;
            upsert_month!(lite, &month, delta)?;
        }
    };
    Ok(())
}

/// The units a scope covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MetricScope {
    Unit(String),
    /// An industry, within the region prefix when given.
    Industry(String, Option<String>),
    /// A region code prefix (a region with its sub-regions).
    Region(String),
    Association(String),
    All,
}

impl MetricScope {
    /// The scope's kind and id as the API names them (`region` and its code prefix, …).
    pub fn describe(&self) -> (&'static str, Option<String>) {
        match self {
            Self::Unit(id) => ("unit", Some(id.clone())),
            Self::Industry(code, _) => ("industry", Some(code.clone())),
            Self::Region(prefix) => ("region", Some(prefix.clone())),
            Self::Association(id) => ("association", Some(id.clone())),
            Self::All => ("all", None),
        }
    }
}

/// Restricts a boxed query to a scope, given the query's unit, industry, region and
/// association columns.
macro_rules! scoped {
    ($query:expr, $scope:expr, $unit:expr, $industry:expr, $region:expr, $association:expr) => {
        match $scope {
            MetricScope::Unit(id) => $query.filter($unit.eq(id.clone())),
            MetricScope::Industry(code, None) => $query.filter($industry.eq(code.clone())),
            MetricScope::Industry(code, Some(prefix)) => $query
                .filter($industry.eq(code.clone()))
                .filter(crate::in_region!($region, prefix)),
            MetricScope::Region(prefix) => $query.filter(crate::in_region!($region, prefix)),
            MetricScope::Association(id) => $query.filter($association.eq(id.clone())),
            MetricScope::All => $query,
        }
    };
    ($query:expr, $scope:expr, $table:ident) => {
        scoped!(
            $query,
            $scope,
            $table::unit_id,
            $table::industry_code,
            $table::region_code,
            $table::association_id
        )
    };
}

type Sums = (
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
);

/// `SUM(column)` as a BIGINT on both backends (PostgreSQL's SUM of BIGINT is NUMERIC).
macro_rules! total {
    ($column:literal) => {
        diesel::dsl::sql::<diesel::sql_types::Nullable<diesel::sql_types::BigInt>>(concat!(
            "CAST(SUM(",
            $column,
            ") AS BIGINT)"
        ))
    };
}

/// A stretch of days read from one counter table (end exclusive): whole months from the monthly
/// rows (by their first days), the rest day by day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Piece {
    Days(NaiveDate, NaiveDate),
    Months(NaiveDate, NaiveDate),
}

/// `from..to` cut into the days before the first whole month, the whole months and the days
/// after them.
fn pieces(from: NaiveDate, to: NaiveDate) -> Vec<Piece> {
    if from >= to {
        return Vec::new();
    }
    let first_whole = if from.day() == 1 {
        from
    } else {
        month_of(from)
            .checked_add_months(Months::new(1))
            .unwrap_or(to)
    };
    let after_whole = month_of(to);
    if first_whole >= after_whole {
        return vec![Piece::Days(from, to)];
    }
    let mut out = Vec::new();
    if from < first_whole {
        out.push(Piece::Days(from, first_whole));
    }
    out.push(Piece::Months(first_whole, after_whole));
    if after_whole < to {
        out.push(Piece::Days(after_whole, to));
    }
    out
}

/// The counter sums of `scope` in one table between two of its period keys.
macro_rules! sums_in {
    ($conn:expr, $table:ident, $period:ident, $from:expr, $to:expr, $scope:expr) => {{
        let query = $table::table
            .filter($table::$period.ge($from))
            .filter($table::$period.lt($to))
            .into_boxed();
        let s: Sums = scoped!(query, $scope, $table)
            .select((
                total!("filed"),
                total!("first_contact_due"),
                total!("first_contact_on_time"),
                total!("concluded"),
                total!("concluded_on_time"),
                total!("settled"),
                total!("escalated"),
                total!("withdrawn"),
                total!("rated"),
                total!("rating_sum"),
                total!("rated_high"),
                total!("cycle_days_sum"),
                total!("recovered_fen"),
                total!("case_filed"),
                total!("handled"),
            ))
            .first($conn)?;
        let v = |x: Option<i64>| x.unwrap_or(0);
        Counters {
            filed: v(s.0),
            first_contact_due: v(s.1),
            first_contact_on_time: v(s.2),
            concluded: v(s.3),
            concluded_on_time: v(s.4),
            settled: v(s.5),
            escalated: v(s.6),
            withdrawn: v(s.7),
            rated: v(s.8),
            rating_sum: v(s.9),
            rated_high: v(s.10),
            cycle_days_sum: v(s.11),
            recovered_fen: v(s.12),
            case_filed: v(s.13),
            handled: v(s.14),
        }
    }};
}

/// Sums of the counters of `scope` for days in `from..to` (end exclusive).
pub fn sum_counters(
    conn: &mut DbConn,
    scope: &MetricScope,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Counters, StoreError> {
    let mut total = Counters::default();
    for piece in pieces(from, to) {
        total += match piece {
            Piece::Days(a, b) => sums_in!(conn, metric_daily, day, a, b, scope),
            Piece::Months(a, b) => sums_in!(conn, metric_monthly, month, a, b, scope),
        };
    }
    Ok(total)
}

/// The units of `scope` with counter rows in one table between two period keys, and those of
/// them whose staff acted.
macro_rules! units_in {
    ($conn:expr, $table:ident, $period:ident, $from:expr, $to:expr, $scope:expr) => {{
        let base = || {
            $table::table
                .filter($table::$period.ge($from))
                .filter($table::$period.lt($to))
                .into_boxed()
        };
        let any: Vec<String> = scoped!(base(), $scope, $table)
            .select($table::unit_id)
            .distinct()
            .load($conn)?;
        let handling: Vec<String> = scoped!(base(), $scope, $table)
            .filter($table::handled.gt(0))
            .select($table::unit_id)
            .distinct()
            .load($conn)?;
        (any, handling)
    }};
}

/// Units of `scope` with any activity in `from..to`, and those whose staff acted.
fn active_units(
    conn: &mut DbConn,
    scope: &MetricScope,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<(i64, i64), StoreError> {
    let mut any = std::collections::HashSet::new();
    let mut handling = std::collections::HashSet::new();
    for piece in pieces(from, to) {
        let (a, h) = match piece {
            Piece::Days(a, b) => units_in!(conn, metric_daily, day, a, b, scope),
            Piece::Months(a, b) => units_in!(conn, metric_monthly, month, a, b, scope),
        };
        any.extend(a);
        handling.extend(h);
    }
    Ok((any.len() as i64, handling.len() as i64))
}

/// Disputes of `scope` open and overdue at `at` (docs/metrics.md#open-and-overdue): filed
/// before it, settlement due before it, handling not ended by then (an end at `at` itself is
/// an end), and not paused now (a
/// paused dispute's clock stands still).
macro_rules! overdue_at {
    ($at:expr) => {
        disputes::table
            .inner_join(businesses::table)
            .filter(disputes::filed_at.lt($at))
            .filter(disputes::settlement_due_at.lt($at))
            .filter(
                disputes::handling_ended_at
                    .is_null()
                    .and(
                        disputes::status
                            .eq_any(crate::domain::dispute::Status::awaiting_settlement_names()),
                    )
                    .or(disputes::handling_ended_at.gt($at)),
            )
    };
}

/// How many disputes of `scope` were open and overdue at `at`.
pub fn open_overdue(
    conn: &mut DbConn,
    scope: &MetricScope,
    at: NaiveDateTime,
) -> Result<i64, StoreError> {
    let query = overdue_at!(at).into_boxed();
    let query = scoped!(
        query,
        scope,
        disputes::unit_id,
        disputes::industry_code,
        disputes::region_code,
        businesses::association_id
    );
    Ok(query.count().get_result(conn)?)
}

/// How many disputes of each of `unit_ids` were open and overdue at `at`.
pub fn open_overdue_by_unit(
    conn: &mut DbConn,
    unit_ids: &[String],
    at: NaiveDateTime,
) -> Result<HashMap<String, i64>, StoreError> {
    let units: Vec<String> = overdue_at!(at)
        .filter(disputes::unit_id.eq_any(unit_ids))
        .select(disputes::unit_id)
        .load(conn)?;
    let mut out = HashMap::new();
    for unit in units {
        *out.entry(unit).or_default() += 1;
    }
    Ok(out)
}

/// A listed dispute: case number, business name, status, filed, first-contact due and
/// settlement due.
pub type DueRow = (
    String,
    String,
    String,
    NaiveDateTime,
    NaiveDateTime,
    NaiveDateTime,
);

/// The columns of a [`DueRow`].
macro_rules! due_row {
    () => {
        (
            disputes::case_number,
            businesses::name,
            disputes::status,
            disputes::filed_at,
            disputes::first_contact_due_at,
            disputes::settlement_due_at,
        )
    };
}

/// The disputes of `prefix`'s region open and overdue at `at`, most overdue first.
pub fn overdue_in_region(
    conn: &mut DbConn,
    prefix: &str,
    at: NaiveDateTime,
) -> Result<Vec<DueRow>, StoreError> {
    Ok(overdue_at!(at)
        .filter(crate::in_region!(disputes::region_code, prefix))
        .order((disputes::settlement_due_at, disputes::id))
        .select(due_row!())
        .load(conn)?)
}

/// The region's disputes awaiting settlement now whose settlement, or (still unanswered) first
/// contact, falls due in `from..to`, nearest settlement first (the daily look's "due today").
/// Two range reads on the region's indexes, so the day costs what it holds.
pub fn awaiting_in_region(
    conn: &mut DbConn,
    prefix: &str,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> Result<Vec<DueRow>, StoreError> {
    use crate::domain::dispute::Status;
    let mut rows: Vec<DueRow> = disputes::table
        .inner_join(businesses::table)
        .filter(crate::in_region!(disputes::region_code, prefix))
        .filter(disputes::status.eq_any(Status::awaiting_settlement_names()))
        .filter(disputes::settlement_due_at.ge(from))
        .filter(disputes::settlement_due_at.lt(to))
        .select(due_row!())
        .load(conn)?;
    let first_contacts: Vec<DueRow> = disputes::table
        .inner_join(businesses::table)
        .filter(crate::in_region!(disputes::region_code, prefix))
        .filter(disputes::status.eq(Status::Filed.as_str()))
        .filter(disputes::first_contact_due_at.ge(from))
        .filter(disputes::first_contact_due_at.lt(to))
        .select(due_row!())
        .load(conn)?;
    for row in first_contacts {
        if !rows.iter().any(|r| r.0 == row.0) {
            rows.push(row);
        }
    }
    rows.sort_by_key(|r| r.5);
    Ok(rows)
}

/// Units of `scope` that became active, suspended or removed between `from` and `to`.
pub fn unit_changes(
    conn: &mut DbConn,
    scope: &MetricScope,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> Result<(i64, i64, i64), StoreError> {
    let mut query = unit_status_changes::table
        .inner_join(odr_units::table.inner_join(businesses::table))
        .filter(unit_status_changes::changed_at.ge(from))
        .filter(unit_status_changes::changed_at.lt(to))
        .select(unit_status_changes::to_status)
        .into_boxed();
    query = scoped!(
        query,
        scope,
        odr_units::id,
        businesses::industry_code,
        businesses::region_code,
        businesses::association_id
    );
    let statuses: Vec<String> = query.load(conn)?;
    let count = |s: &str| statuses.iter().filter(|x| x.as_str() == s).count() as i64;
    Ok((count("active"), count("suspended"), count("removed")))
}

/// The summed counters and extras of `scope` for the days `from..to`, which begin at `start`
/// and end at `end`; "open and overdue" is read at `as_of` (the end, or now if earlier).
pub fn totals(
    conn: &mut DbConn,
    scope: &MetricScope,
    from: NaiveDate,
    to: NaiveDate,
    start: NaiveDateTime,
    end: NaiveDateTime,
    as_of: NaiveDateTime,
) -> Result<(Counters, Extras), StoreError> {
    let total = sum_counters(conn, scope, from, to)?;
    let (units_with_disputes, units_handling) = active_units(conn, scope, from, to)?;
    let mut extras = Extras {
        units_with_disputes,
        units_handling,
        ..Extras::default()
    };
    extras.open_overdue_at_end = open_overdue(conn, scope, as_of)?;
    let (activated, suspended, removed) = unit_changes(conn, scope, start, end)?;
    extras.units_activated = activated;
    extras.units_suspended = suspended;
    extras.units_removed = removed;
    Ok((total, extras))
}

/// Counter sums per unit for `unit_ids` over `from..to` (the directory's scorecards, the
/// reports' unit tables and the evaluation list).
pub fn sums_for_units(
    conn: &mut DbConn,
    unit_ids: &[String],
    from: NaiveDate,
    to: NaiveDate,
) -> Result<HashMap<String, Counters>, StoreError> {
    let mut sums: HashMap<String, Counters> = HashMap::new();
    for piece in pieces(from, to) {
        let rows: Vec<(String, Counters)> = match piece {
            Piece::Days(a, b) => metric_daily::table
                .filter(metric_daily::unit_id.eq_any(unit_ids))
                .filter(metric_daily::day.ge(a))
                .filter(metric_daily::day.lt(b))
                .select(StoredDay::as_select())
                .load(conn)?
                .into_iter()
                .map(|r| (r.unit_id.clone(), r.counters()))
                .collect(),
            Piece::Months(a, b) => metric_monthly::table
                .filter(metric_monthly::unit_id.eq_any(unit_ids))
                .filter(metric_monthly::month.ge(a))
                .filter(metric_monthly::month.lt(b))
                .select(StoredMonth::as_select())
                .load(conn)?
                .into_iter()
                .map(|r| (r.unit_id.clone(), r.counters()))
                .collect(),
        };
        for (unit, counters) in rows {
            *sums.entry(unit).or_default() += counters;
        }
    }
    Ok(sums)
}

/// A dispute as a metrics replay reads it: where it counts, its due moments and agreement,
/// and its timeline.
#[derive(Debug, Clone)]
pub struct ReplaySource {
    pub id: String,
    pub unit_id: String,
    pub region_code: String,
    pub industry_code: String,
    pub association_id: Option<String>,
    pub history: History,
    pub timeline: Vec<Entry>,
    pub handling_ended_at: Option<NaiveDateTime>,
}

impl ReplaySource {
    /// The counter row key of this dispute on `day`.
    pub fn key(&self, day: NaiveDate) -> DayKey {
        DayKey {
            day,
            unit_id: self.unit_id.clone(),
            region_code: self.region_code.clone(),
            industry_code: self.industry_code.clone(),
            association_id: self.association_id.clone(),
        }
    }
}

/// The timeline entry a stored event is to the metrics, if any: lifecycle events by their
/// names, and the escalation step that made an enforcement case (诉转案).
pub fn entry_of(
    kind: &str,
    actor: &str,
    from: &str,
    to: &str,
    detail: &str,
    at: NaiveDateTime,
) -> Option<Entry> {
    let at = from_db_time(at);
    if kind == "escalation_status" {
        let step: serde_json::Value = serde_json::from_str(detail).ok()?;
        return (step.get("status")?.as_str()? == "case_filed").then_some(Entry::CaseFiled { at });
    }
    Some(Entry::Step {
        event: Event::from_timeline(kind)?,
        from: from.parse().ok()?,
        to: to.parse().ok()?,
        actor: Actor::parse(actor)?,
        at,
    })
}

/// Units that have disputes, in a stable order.
pub fn units_with_disputes(conn: &mut DbConn) -> Result<Vec<String>, StoreError> {
    Ok(disputes::table
        .select(disputes::unit_id)
        .distinct()
        .order(disputes::unit_id)
        .load(conn)?)
}

/// The PostgreSQL advisory-lock class of a unit's counters (the second key is the unit).
const COUNTER_LOCK_CLASS: i32 = 0x0D12_0001;

/// Holds the unit's counters until the transaction ends, exclusively: a rebuild of the unit
/// waits for the events being counted and they wait for it (PostgreSQL; SQLite has one writer
/// at a time anyway).
pub fn lock_unit(conn: &mut DbConn, unit_id: &str) -> Result<(), StoreError> {
    if let DbConn::Pg(pg) = conn {
        diesel::sql_query("SELECT pg_advisory_xact_lock($1, hashtext($2))")
            .bind::<diesel::sql_types::Integer, _>(COUNTER_LOCK_CLASS)
            .bind::<diesel::sql_types::Text, _>(unit_id)
            .execute(pg)?;
    }
    Ok(())
}

/// Holds the unit's counters until the transaction ends, shared with other events' counting
/// and exclusive of a rebuild of the unit (PostgreSQL).
pub fn share_unit(conn: &mut DbConn, unit_id: &str) -> Result<(), StoreError> {
    if let DbConn::Pg(pg) = conn {
        diesel::sql_query("SELECT pg_advisory_xact_lock_shared($1, hashtext($2))")
            .bind::<diesel::sql_types::Integer, _>(COUNTER_LOCK_CLASS)
            .bind::<diesel::sql_types::Text, _>(unit_id)
            .execute(pg)?;
    }
    Ok(())
}

/// Takes [`share_unit`] for the unit of a dispute before the dispute's row is changed, so an
/// event and a rebuild always lock in the same order (counters, then the dispute).
pub fn share_unit_of_dispute(conn: &mut DbConn, dispute_id: &str) -> Result<(), StoreError> {
    if matches!(conn, DbConn::Pg(_)) {
        let unit: Option<String> = disputes::table
            .find(dispute_id)
            .select(disputes::unit_id)
            .first(conn)
            .optional()?;
        if let Some(unit) = unit {
            share_unit(conn, &unit)?;
        }
    }
    Ok(())
}

type SourceRow = (
    String,
    String,
    String,
    String,
    Option<String>,
    NaiveDateTime,
    NaiveDateTime,
    NaiveDateTime,
    Option<i64>,
    Option<NaiveDateTime>,
);

type EventRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    NaiveDateTime,
);

/// The disputes of `unit_id` filed before `until` that have a timeline entry at or after
/// `since` (every dispute of the unit without bounds), with their timelines, oldest first.
pub fn replay_sources(
    conn: &mut DbConn,
    unit_id: &str,
    since: Option<NaiveDateTime>,
    until: Option<NaiveDateTime>,
) -> Result<Vec<ReplaySource>, StoreError> {
    let mut query = disputes::table
        .inner_join(businesses::table)
        .filter(disputes::unit_id.eq(unit_id))
        .select((
            disputes::id,
            disputes::unit_id,
            disputes::region_code,
            disputes::industry_code,
            businesses::association_id,
            disputes::filed_at,
            disputes::first_contact_due_at,
            disputes::settlement_due_at,
            disputes::rating,
            disputes::handling_ended_at,
        ))
        .order(disputes::id)
        .into_boxed();
    if let Some(until) = until {
        query = query.filter(disputes::filed_at.lt(until));
    }
    if let Some(since) = since {
        query = query.filter(
            disputes::id.eq_any(
                dispute_events::table
                    .filter(dispute_events::created_at.ge(since))
                    .select(dispute_events::dispute_id),
            ),
        );
    }
    let rows: Vec<SourceRow> = query.load(conn)?;
    let mut out = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(500) {
        let ids: Vec<&str> = chunk.iter().map(|r| r.0.as_str()).collect();
        let agreed: HashMap<String, i64> = settlements::table
            .filter(settlements::dispute_id.eq_any(&ids))
            .select((settlements::dispute_id, settlements::amount_fen))
            .load::<(String, i64)>(conn)?
            .into_iter()
            .collect();
        let events: Vec<EventRow> = dispute_events::table
            .filter(dispute_events::dispute_id.eq_any(&ids))
            .order((
                dispute_events::dispute_id,
                dispute_events::created_at,
                dispute_events::id,
            ))
            .select((
                dispute_events::dispute_id,
                dispute_events::kind,
                dispute_events::actor_role,
                dispute_events::from_status,
                dispute_events::to_status,
                dispute_events::detail,
                dispute_events::created_at,
            ))
            .load(conn)?;
        let mut timelines: HashMap<&str, Vec<Entry>> = HashMap::new();
        for (dispute, kind, actor, from, to, detail, at) in &events {
            if let Some(entry) = entry_of(kind, actor, from, to, detail, *at) {
                timelines.entry(dispute.as_str()).or_default().push(entry);
            }
        }
        for r in chunk {
            out.push(ReplaySource {
                history: History {
                    filed_at: from_db_time(r.5),
                    first_contact_due_at: from_db_time(r.6),
                    settlement_due_at: from_db_time(r.7),
                    agreement_fen: agreed.get(&r.0).copied(),
                    rating: r.8,
                },
                timeline: timelines.remove(r.0.as_str()).unwrap_or_default(),
                id: r.0.clone(),
                unit_id: r.1.clone(),
                region_code: r.2.clone(),
                industry_code: r.3.clone(),
                association_id: r.4.clone(),
                handling_ended_at: r.9,
            });
        }
    }
    Ok(out)
}

/// Removes the unit's daily counters of the days `from..to` and the monthly counters of the
/// months those days touch.
pub fn clear_counters(
    conn: &mut DbConn,
    unit_id: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<(), StoreError> {
    diesel::delete(
        metric_daily::table
            .filter(metric_daily::unit_id.eq(unit_id))
            .filter(metric_daily::day.ge(from))
            .filter(metric_daily::day.lt(to)),
    )
    .execute(conn)?;
    diesel::delete(
        metric_monthly::table
            .filter(metric_monthly::unit_id.eq(unit_id))
            .filter(metric_monthly::month.ge(month_of(from)))
            .filter(metric_monthly::month.lt(to)),
    )
    .execute(conn)?;
    Ok(())
}

/// Adds each delta to its daily row (creating it), leaving the monthly rows alone.
pub fn add_to_days(conn: &mut DbConn, rows: &[(DayKey, Counters)]) -> Result<(), StoreError> {
    for (key, delta) in rows {
        let row = Row::of(key, key.day, delta);
        match conn {
            DbConn::Pg(pg) => upsert_day!(pg, &row, delta)?,
            DbConn::Sqlite(lite) => upsert_day!(lite, &row, delta)?,
        };
    }
    Ok(())
}

/// Sets the unit's monthly rows of the months touching `from..to` to the sums of their daily
/// rows (after [`clear_counters`]).
pub fn recount_months(
    conn: &mut DbConn,
    unit_id: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<(), StoreError> {
    let last_day = to.pred_opt().unwrap_or(to);
    let after = month_of(last_day)
        .checked_add_months(Months::new(1))
        .unwrap_or(to);
    type Placed = (NaiveDate, String, String, Option<String>, StoredDay);
    let rows: Vec<Placed> = metric_daily::table
        .filter(metric_daily::unit_id.eq(unit_id))
        .filter(metric_daily::day.ge(month_of(from)))
        .filter(metric_daily::day.lt(after))
        .select((
            metric_daily::day,
            metric_daily::region_code,
            metric_daily::industry_code,
            metric_daily::association_id,
            StoredDay::as_select(),
        ))
        .load(conn)?;
    let mut months: std::collections::BTreeMap<NaiveDate, (DayKey, Counters)> =
        std::collections::BTreeMap::new();
    for (day, region_code, industry_code, association_id, row) in rows {
        let month = month_of(day);
        let entry = months.entry(month).or_insert_with(|| {
            (
                DayKey {
                    day: month,
                    unit_id: row.unit_id.clone(),
                    region_code,
                    industry_code,
                    association_id,
                },
                Counters::default(),
            )
        });
        entry.1 += row.counters();
    }
    for (month, (key, sums)) in &months {
        let row = MonthRow::of(key, *month, sums);
        match conn {
            DbConn::Pg(pg) => upsert_month!(pg, &row, sums)?,
            DbConn::Sqlite(lite) => upsert_month!(lite, &row, sums)?,
        };
    }
    Ok(())
}

/// Every daily counter row of `unit_id`, by day (what tests compare with a rebuild).
pub fn daily_counters(
    conn: &mut DbConn,
    unit_id: &str,
) -> Result<std::collections::BTreeMap<NaiveDate, Counters>, StoreError> {
    let rows: Vec<(NaiveDate, StoredDay)> = metric_daily::table
        .filter(metric_daily::unit_id.eq(unit_id))
        .select((metric_daily::day, StoredDay::as_select()))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(day, r)| (day, r.counters()))
        .filter(|(_, c)| *c != Counters::default())
        .collect())
}

/// Records when the business's handling of a dispute ended.
pub fn set_handling_ended(
    conn: &mut DbConn,
    dispute_id: &str,
    at: Option<NaiveDateTime>,
) -> Result<(), StoreError> {
    diesel::update(disputes::table.find(dispute_id))
        .set(disputes::handling_ended_at.eq(at))
        .execute(conn)?;
    Ok(())
}

/// Whether a maintenance task (e.g. `metrics_rebuild`, requested by a migration) waits.
pub fn task_pending(conn: &mut DbConn, name: &str) -> Result<bool, StoreError> {
    Ok(maintenance_tasks::table
        .find(name)
        .count()
        .get_result::<i64>(conn)?
        > 0)
}

/// Marks a maintenance task done.
pub fn finish_task(conn: &mut DbConn, name: &str) -> Result<(), StoreError> {
    diesel::delete(maintenance_tasks::table.find(name)).execute(conn)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn whole_months_come_from_the_monthly_rows_and_the_rest_day_by_day() {
        assert_eq!(
            pieces(d("2025-01-01"), d("2026-01-01")),
            [Piece::Months(d("2025-01-01"), d("2026-01-01"))]
        );
        assert_eq!(
            pieces(d("2026-11-01"), d("2026-12-01")),
            [Piece::Months(d("2026-11-01"), d("2026-12-01"))]
        );
        assert_eq!(
            pieces(d("2026-11-23"), d("2026-11-30")),
            [Piece::Days(d("2026-11-23"), d("2026-11-30"))]
        );
        assert_eq!(
            pieces(d("2026-10-15"), d("2027-01-10")),
            [
                Piece::Days(d("2026-10-15"), d("2026-11-01")),
                Piece::Months(d("2026-11-01"), d("2027-01-01")),
                Piece::Days(d("2027-01-01"), d("2027-01-10")),
            ]
        );
        assert_eq!(
            pieces(d("2026-11-15"), d("2026-12-20")),
            [Piece::Days(d("2026-11-15"), d("2026-12-20"))]
        );
        assert!(pieces(d("2026-11-15"), d("2026-11-15")).is_empty());
    }
}
