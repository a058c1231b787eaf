//! Daily metric counters per unit: bumped with an upsert in the transaction of each event,
//! summed per scope and period when metrics are read.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{businesses, disputes, metric_daily, odr_units, unit_status_changes};
use super::{DbConn, StoreError};
use crate::domain::metrics::{Counters, Extras};

/// Which unit-day row to bump.
#[derive(Debug, Clone)]
pub struct DayKey {
    pub day: NaiveDate,
    pub unit_id: String,
    pub region_code: String,
    pub industry_code: String,
    pub association_id: Option<String>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = metric_daily)]
struct Row<'a> {
    day: NaiveDate,
    unit_id: &'a str,
    region_code: &'a str,
    industry_code: &'a str,
    association_id: Option<&'a str>,
    filed: i64,
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

macro_rules! upsert {
    ($conn:expr, $row:expr, $d:expr) => {
        diesel::insert_into(metric_daily::table)
            .values($row)
            .on_conflict((metric_daily::day, metric_daily::unit_id))
            .do_update()
            .set((
                metric_daily::filed.eq(metric_daily::filed + $d.filed),
                metric_daily::first_contact_on_time
                    .eq(metric_daily::first_contact_on_time + $d.first_contact_on_time),
                metric_daily::concluded.eq(metric_daily::concluded + $d.concluded),
                metric_daily::concluded_on_time
                    .eq(metric_daily::concluded_on_time + $d.concluded_on_time),
                metric_daily::settled.eq(metric_daily::settled + $d.settled),
                metric_daily::escalated.eq(metric_daily::escalated + $d.escalated),
                metric_daily::withdrawn.eq(metric_daily::withdrawn + $d.withdrawn),
                metric_daily::rated.eq(metric_daily::rated + $d.rated),
                metric_daily::rating_sum.eq(metric_daily::rating_sum + $d.rating_sum),
                metric_daily::rated_high.eq(metric_daily::rated_high + $d.rated_high),
                metric_daily::cycle_days_sum.eq(metric_daily::cycle_days_sum + $d.cycle_days_sum),
                metric_daily::recovered_fen.eq(metric_daily::recovered_fen + $d.recovered_fen),
                metric_daily::case_filed.eq(metric_daily::case_filed + $d.case_filed),
                metric_daily::handled.eq(metric_daily::handled + $d.handled),
            ))
            .execute($conn)
    };
}

/// Adds `delta` to the row of `key` (creating it).
pub fn bump(conn: &mut DbConn, key: &DayKey, delta: &Counters) -> Result<(), StoreError> {
    let row = Row {
        day: key.day,
        unit_id: &key.unit_id,
        region_code: &key.region_code,
        industry_code: &key.industry_code,
        association_id: key.association_id.as_deref(),
        filed: delta.filed,
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
    };
    match conn {
        DbConn::Pg(pg) => upsert!(pg, &row, delta)?,
        DbConn::Sqlite(lite) => upsert!(lite, &row, delta)?,
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

/// Restricts a boxed query to a scope, given the query's unit, industry, region and
/// association columns.
macro_rules! scoped {
    ($query:expr, $scope:expr, $unit:expr, $industry:expr, $region:expr, $association:expr) => {
        match $scope {
            MetricScope::Unit(id) => $query.filter($unit.eq(id.clone())),
            MetricScope::Industry(code, None) => $query.filter($industry.eq(code.clone())),
            MetricScope::Industry(code, Some(prefix)) => $query
                .filter($industry.eq(code.clone()))
                .filter($region.like(format!("{prefix}%"))),
            MetricScope::Region(prefix) => $query.filter($region.like(format!("{prefix}%"))),
            MetricScope::Association(id) => $query.filter($association.eq(id.clone())),
            MetricScope::All => $query,
        }
    };
    ($query:expr, $scope:expr) => {
        scoped!(
            $query,
            $scope,
            metric_daily::unit_id,
            metric_daily::industry_code,
            metric_daily::region_code,
            metric_daily::association_id
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

/// Sums of the counters of `scope` for days in `from..to` (end exclusive).
pub fn sum_counters(
    conn: &mut DbConn,
    scope: &MetricScope,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Counters, StoreError> {
    let query = metric_daily::table
        .filter(metric_daily::day.ge(from))
        .filter(metric_daily::day.lt(to))
        .into_boxed();
    let query = scoped!(query, scope);
    let s: Sums = query
        .select((
            total!("filed"),
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
        .first(conn)?;
    let v = |x: Option<i64>| x.unwrap_or(0);
    Ok(Counters {
        filed: v(s.0),
        first_contact_on_time: v(s.1),
        concluded: v(s.2),
        concluded_on_time: v(s.3),
        settled: v(s.4),
        escalated: v(s.5),
        withdrawn: v(s.6),
        rated: v(s.7),
        rating_sum: v(s.8),
        rated_high: v(s.9),
        cycle_days_sum: v(s.10),
        recovered_fen: v(s.11),
        case_filed: v(s.12),
        handled: v(s.13),
    })
}

/// Units of `scope` with any activity in `from..to`, and those whose staff acted.
fn active_units(
    conn: &mut DbConn,
    scope: &MetricScope,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<(i64, i64), StoreError> {
    let base = || {
        metric_daily::table
            .filter(metric_daily::day.ge(from))
            .filter(metric_daily::day.lt(to))
            .into_boxed()
    };
    let any = scoped!(base(), scope)
        .select(metric_daily::unit_id)
        .distinct()
        .load::<String>(conn)?
        .len();
    let handling = scoped!(base(), scope)
        .filter(metric_daily::handled.gt(0))
        .select(metric_daily::unit_id)
        .distinct()
        .load::<String>(conn)?
        .len();
    Ok((any as i64, handling as i64))
}

/// Disputes of `scope` awaiting settlement whose due moment lies before `end`.
pub fn open_overdue(
    conn: &mut DbConn,
    scope: &MetricScope,
    end: NaiveDateTime,
) -> Result<i64, StoreError> {
    let mut query = disputes::table
        .inner_join(businesses::table)
        .filter(
            disputes::status.eq_any(crate::domain::dispute::Status::awaiting_settlement_names()),
        )
        .filter(disputes::settlement_due_at.lt(end))
        .filter(disputes::filed_at.lt(end))
        .into_boxed();
    query = scoped!(
        query,
        scope,
        disputes::unit_id,
        disputes::industry_code,
        disputes::region_code,
        businesses::association_id
    );
    Ok(query.count().get_result(conn)?)
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

/// The summed counters and extras of `scope` for `from..to`.
pub fn totals(
    conn: &mut DbConn,
    scope: &MetricScope,
    from: NaiveDate,
    to: NaiveDate,
    end: NaiveDateTime,
    start: NaiveDateTime,
) -> Result<(Counters, Extras), StoreError> {
    let total = sum_counters(conn, scope, from, to)?;
    let (units_with_disputes, units_handling) = active_units(conn, scope, from, to)?;
    let mut extras = Extras {
        units_with_disputes,
        units_handling,
        ..Extras::default()
    };
    extras.open_overdue_at_end = open_overdue(conn, scope, end)?;
    let (activated, suspended, removed) = unit_changes(conn, scope, start, end)?;
    extras.units_activated = activated;
    extras.units_suspended = suspended;
    extras.units_removed = removed;
    Ok((total, extras))
}

/// Counter sums per unit for `unit_ids` over `from..to` (the directory's scorecards).
pub fn sums_for_units(
    conn: &mut DbConn,
    unit_ids: &[String],
    from: NaiveDate,
    to: NaiveDate,
) -> Result<std::collections::HashMap<String, Counters>, StoreError> {
    type Row = (String, i64, i64, i64, i64, i64, i64, i64, i64);
    let rows: Vec<Row> = metric_daily::table
        .filter(metric_daily::unit_id.eq_any(unit_ids))
        .filter(metric_daily::day.ge(from))
        .filter(metric_daily::day.lt(to))
        .select((
            metric_daily::unit_id,
            metric_daily::filed,
            metric_daily::concluded,
            metric_daily::concluded_on_time,
            metric_daily::settled,
            metric_daily::escalated,
            metric_daily::rated,
            metric_daily::rating_sum,
            metric_daily::rated_high,
        ))
        .load(conn)?;
    let mut sums: std::collections::HashMap<String, Counters> = std::collections::HashMap::new();
    for (unit, filed, concluded, on_time, settled, escalated, rated, rating_sum, high) in rows {
        *sums.entry(unit).or_default() += Counters {
            filed,
            concluded,
            concluded_on_time: on_time,
            settled,
            escalated,
            rated,
            rating_sum,
            rated_high: high,
            ..Counters::default()
        };
    }
    Ok(sums)
}
