//! Metric counters per unit and day and per unit and month: bumped with upserts in the
//! transaction of each event, summed per scope and period when metrics are read (whole months
//! from the monthly rows, the days around them from the daily rows).

use chrono::{Datelike, Months, NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{
    businesses, disputes, metric_daily, metric_monthly, odr_units, unit_status_changes,
};
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

/// Defines the insertable row of a counter table (`metric_daily` by day, `metric_monthly` by
/// the month's first day) and its upsert adding a delta.
macro_rules! counter_table {
    ($row:ident, $table:ident, $period:ident, $upsert:ident) => {
        #[derive(Debug, Clone, Insertable)]
        #[diesel(table_name = $table, treat_none_as_default_value = false)]
        pub(crate) struct $row<'a> {
            $period: NaiveDate,
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

counter_table!(Row, metric_daily, day, upsert_day);
counter_table!(MonthRow, metric_monthly, month, upsert_month);

/// The first day of `day`'s month.
pub fn month_of(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap_or(day)
}

/// Adds `delta` to the unit's rows of `key`'s day and month (creating them).
pub fn bump(conn: &mut DbConn, key: &DayKey, delta: &Counters) -> Result<(), StoreError> {
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

/// Counter rows of `unit_ids` in one table between two period keys.
macro_rules! unit_rows_in {
    ($conn:expr, $table:ident, $period:ident, $ids:expr, $from:expr, $to:expr) => {{
        let rows: Vec<UnitRow> = $table::table
            .filter($table::unit_id.eq_any($ids))
            .filter($table::$period.ge($from))
            .filter($table::$period.lt($to))
            .select((
                $table::unit_id,
                $table::filed,
                $table::concluded,
                $table::concluded_on_time,
                $table::settled,
                $table::escalated,
                $table::rated,
                $table::rating_sum,
                $table::rated_high,
            ))
            .load($conn)?;
        rows
    }};
}

type UnitRow = (String, i64, i64, i64, i64, i64, i64, i64, i64);

/// Counter sums per unit for `unit_ids` over `from..to` (the directory's scorecards and the
/// reports' unit tables).
pub fn sums_for_units(
    conn: &mut DbConn,
    unit_ids: &[String],
    from: NaiveDate,
    to: NaiveDate,
) -> Result<std::collections::HashMap<String, Counters>, StoreError> {
    let mut sums: std::collections::HashMap<String, Counters> = std::collections::HashMap::new();
    for piece in pieces(from, to) {
        let rows = match piece {
            Piece::Days(a, b) => unit_rows_in!(conn, metric_daily, day, unit_ids, a, b),
            Piece::Months(a, b) => unit_rows_in!(conn, metric_monthly, month, unit_ids, a, b),
        };
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
    }
    Ok(sums)
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
