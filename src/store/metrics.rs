//! Metric counters per unit and day and per unit and month, and their rollups per region,
//! industry and association (docs/metrics.md#counters): the unit's rows are bumped with upserts
//! in the transaction of each event, the rollups at that transaction's end; figures sum them
//! per scope and period (whole months from the monthly rows, the days around them from the
//! daily rows; a unit from its own rows, every wider scope from the rollups).

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, Months, NaiveDate, NaiveDateTime, Timelike};
use chrono_tz::Asia::Shanghai;
use diesel::prelude::*;

use super::schema::{
    businesses, dispute_events, disputes, maintenance_tasks, metric_daily, metric_monthly,
    metric_region_daily, metric_region_monthly, odr_units, settlements, unit_status_changes,
};
use super::{DbConn, StoreError, from_db_time};
use crate::domain::dispute::{Actor, Event};
use crate::domain::metrics::{Counters, Entry, Extras, History};

/// Which unit-day row to bump.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct DayKey {
    pub day: NaiveDate,
    pub unit_id: String,
    pub region_code: String,
    pub industry_code: String,
    pub association_id: Option<String>,
}

/// Passes the counter columns, in the order of [`Counters`]' fields, to `$m!` after its other
/// arguments: every counter table, upsert and sum below is written from this one list.
macro_rules! with_counter_columns {
    ($m:ident!($($args:tt)*)) => {
        $m! {
            $($args)* [
                filed, first_contact_due, first_contact_on_time, concluded, concluded_on_time,
                settled, escalated, withdrawn, rated, rating_sum, rated_high, cycle_days_sum,
                recovered_fen, case_filed, handled, overdue_began, overdue_ended
            ]
        }
    };
}

/// Defines `$upsert(conn, row, delta)`: inserts the row of a counter table or adds `delta` to
/// the row already under its key, in one statement on either backend.
macro_rules! counter_upsert {
    ($upsert:ident, $row:ident, $table:ident, ($($key:ident),+), [$($c:ident),*]) => {
        fn $upsert(
            conn: &mut DbConn,
            row: &$row<'_>,
            d: &Counters,
        ) -> Result<usize, diesel::result::Error> {
            let query = diesel::insert_into($table::table)
                .values(row)
                .on_conflict(($($table::$key),+))
                .do_update()
                .set(($($table::$c.eq($table::$c + d.$c)),*));
            match conn {
                DbConn::Pg(pg) => query.execute(pg),
                DbConn::Sqlite(lite) => query.execute(lite),
            }
        }
    };
}

/// Defines the rows of a unit's counter table (`metric_daily` by day, `metric_monthly` by the
/// month's first day): the stored row, the insertable row and its upsert.
macro_rules! unit_counter_table {
    ($row:ident, $stored:ident, $table:ident, $period:ident, $upsert:ident, [$($c:ident),*]) => {
        /// A stored row's unit and counters.
        #[derive(Debug, Clone, Queryable, Selectable)]
        #[diesel(table_name = $table)]
        pub(crate) struct $stored {
            unit_id: String,
            $($c: i64,)*
        }

        impl $stored {
            /// The row's counters.
            pub(crate) fn counters(&self) -> Counters {
                Counters { $($c: self.$c,)* }
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
            $($c: i64,)*
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
                    $($c: delta.$c,)*
                }
            }
        }

        counter_upsert!($upsert, $row, $table, ($period, unit_id), [$($c),*]);
    };
}

with_counter_columns!(unit_counter_table!(
    Row,
    StoredDay,
    metric_daily,
    day,
    upsert_day,
));
with_counter_columns!(unit_counter_table!(
    MonthRow,
    StoredMonth,
    metric_monthly,
    month,
    upsert_month,
));

/// Defines the insertable row of a rollup table (`metric_region_daily`, `metric_region_monthly`)
/// and its upsert.
macro_rules! rollup_table {
    ($row:ident, $table:ident, $period:ident, $upsert:ident, [$($c:ident),*]) => {
        #[derive(Debug, Clone, Insertable)]
        #[diesel(table_name = $table)]
        struct $row<'a> {
            $period: NaiveDate,
            region_code: &'a str,
            industry_code: &'a str,
            association_id: &'a str,
            $($c: i64,)*
        }

        impl<'a> $row<'a> {
            fn of(key: &'a RollupKey, delta: &Counters) -> Self {
                Self {
                    $period: key.period,
                    region_code: &key.region_code,
                    industry_code: &key.industry_code,
                    association_id: &key.association_id,
                    $($c: delta.$c,)*
                }
            }
        }

        counter_upsert!(
            $upsert,
            $row,
            $table,
            ($period, region_code, industry_code, association_id),
            [$($c),*]
        );
    };
}

with_counter_columns!(rollup_table!(
    RollupDay,
    metric_region_daily,
    day,
    upsert_rollup_day,
));
with_counter_columns!(rollup_table!(
    RollupMonth,
    metric_region_monthly,
    month,
    upsert_rollup_month,
));

/// The first day of `day`'s month.
pub fn month_of(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap_or(day)
}

/// Adds `delta` to the unit's rows of `key`'s day and month (creating them) and to the
/// rollups of its region, industry and association, when the write transaction under way ends
/// ([`CounterDeltas`]; at once outside one).
pub fn bump(conn: &mut DbConn, key: &DayKey, delta: &Counters) -> Result<(), StoreError> {
    share_unit(conn, &key.unit_id)?;
    let month = DayKey {
        day: month_of(key.day),
        ..key.clone()
    };
    let rows = [
        PendingRow::Unit {
            monthly: false,
            key: key.clone(),
        },
        PendingRow::Unit {
            monthly: true,
            key: month,
        },
    ];
    add_at_end(conn, rows.into_iter().chain(rollup_rows(key)), delta)
}

/// A counter row a write transaction adds to just before it commits. Unit rows sort before
/// rollup rows, days before months: every transaction takes the rows it shares with another
/// in the same order.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum PendingRow {
    /// A unit's row of `key.day`, or when monthly of the month starting that day.
    Unit {
        monthly: bool,
        key: DayKey,
    },
    Rollup(RollupKey),
}

/// Adds `delta` to `row` now.
fn upsert_row(conn: &mut DbConn, row: &PendingRow, delta: &Counters) -> Result<(), StoreError> {
    match row {
        PendingRow::Unit {
            monthly: false,
            key,
        } => {
            upsert_day(conn, &Row::of(key, key.day, delta), delta)?;
        }
        PendingRow::Unit { monthly: true, key } => {
            upsert_month(conn, &MonthRow::of(key, key.day, delta), delta)?;
        }
        PendingRow::Rollup(key) => upsert_rollup(conn, key, delta)?,
    }
    Ok(())
}

/// A rollup row's key: a day (or a month's first day), region, industry and association (''
/// for none).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct RollupKey {
    /// Months sort after days, so a transaction takes every day row before any month row.
    monthly: bool,
    period: NaiveDate,
    region_code: String,
    industry_code: String,
    association_id: String,
}

thread_local! {
    /// The counter deltas of each write transaction open on this thread, the innermost last
    /// ([`CounterDeltas`]).
    static PENDING: RefCell<Vec<BTreeMap<PendingRow, Counters>>> = const { RefCell::new(Vec::new()) };
}

/// The counter deltas of one outermost write transaction (`store::write_transaction`):
/// gathered while it runs and written by [`CounterDeltas::write`] just before it commits,
/// merged per row and in the rows' order. So the rows a unit's or a region's events share are
/// held only for the commit (a busy unit's lapses, filings and actions no longer queue on its
/// day row for whole transactions), and two transactions always take them in the same order
/// (no deadlock between them). Reads inside the transaction see the rows as they were before
/// it.
pub struct CounterDeltas(());

impl CounterDeltas {
    /// Starts gathering for a transaction; dropping the value ends it.
    pub(crate) fn open() -> Self {
        PENDING.with(|p| p.borrow_mut().push(BTreeMap::new()));
        Self(())
    }

    /// Whether the transaction under way has no counter change waiting.
    pub(crate) fn none_pending() -> bool {
        PENDING.with(|p| {
            p.borrow()
                .last()
                .is_none_or(|rows| rows.values().all(|delta| *delta == Counters::default()))
        })
    }

    /// Writes what the transaction under way has gathered so far, now: just before it commits,
    /// or earlier when a read of today's counters later in it must see them; nothing outside a
    /// write transaction.
    pub fn write_gathered(conn: &mut DbConn) -> Result<(), StoreError> {
        let deltas = PENDING.with(|p| p.borrow_mut().last_mut().map(std::mem::take));
        for (row, delta) in deltas.unwrap_or_default() {
            if delta != Counters::default() {
                upsert_row(conn, &row, &delta)?;
            }
        }
        Ok(())
    }

    /// What a savepoint starts from: a copy of the deltas gathered so far, to go back to if it
    /// rolls back.
    pub(crate) fn mark() -> Option<BTreeMap<PendingRow, Counters>> {
        PENDING.with(|p| p.borrow().last().cloned())
    }

    /// Forgets what a rolled-back savepoint gathered.
    pub(crate) fn restore(mark: Option<BTreeMap<PendingRow, Counters>>) {
        if let Some(mark) = mark {
            PENDING.with(|p| {
                if let Some(last) = p.borrow_mut().last_mut() {
                    *last = mark;
                }
            });
        }
    }
}

impl Drop for CounterDeltas {
    fn drop(&mut self) {
        PENDING.with(|p| p.borrow_mut().pop());
    }
}

/// The rollup rows of `key`'s day and month.
fn rollup_rows(key: &DayKey) -> [PendingRow; 2] {
    let rollup = |monthly: bool, period: NaiveDate| {
        PendingRow::Rollup(RollupKey {
            monthly,
            period,
            region_code: key.region_code.clone(),
            industry_code: key.industry_code.clone(),
            association_id: key.association_id.clone().unwrap_or_default(),
        })
    };
    [rollup(false, key.day), rollup(true, month_of(key.day))]
}

/// Adds `delta` to the rollups of `key`'s day and month: at the end of the write transaction
/// under way, or at once outside one.
fn roll_up(conn: &mut DbConn, key: &DayKey, delta: &Counters) -> Result<(), StoreError> {
    add_at_end(conn, rollup_rows(key).into_iter(), delta)
}

/// Adds `delta` to each of `rows`: at the end of the write transaction under way, or at once
/// outside one.
fn add_at_end(
    conn: &mut DbConn,
    mut rows: impl Iterator<Item = PendingRow>,
    delta: &Counters,
) -> Result<(), StoreError> {
    PENDING.with(|p| {
        if let Some(pending) = p.borrow_mut().last_mut() {
            for row in rows.by_ref() {
                *pending.entry(row).or_default() += *delta;
            }
        }
    });
    for row in rows {
        upsert_row(conn, &row, delta)?;
    }
    Ok(())
}

/// Adds `delta` to the rollup row of `key` (creating it).
fn upsert_rollup(conn: &mut DbConn, key: &RollupKey, delta: &Counters) -> Result<(), StoreError> {
    if key.monthly {
        upsert_rollup_month(conn, &RollupMonth::of(key, delta), delta)?;
    } else {
        upsert_rollup_day(conn, &RollupDay::of(key, delta), delta)?;
    }
    Ok(())
}

/// The statements that set the rollup rows to the sums of the units' rows, days then months.
macro_rules! refill_statements {
    ([$($c:ident),*]) => {
        [
            concat!(
                "INSERT INTO metric_region_daily (day, region_code, industry_code, association_id",
                $(", ", stringify!($c),)*
                ") SELECT day, region_code, industry_code, COALESCE(association_id, '')",
                $(", SUM(", stringify!($c), ")",)*
                " FROM metric_daily WHERE true",
                " GROUP BY day, region_code, industry_code, COALESCE(association_id, '')"
            ),
            concat!(
                "INSERT INTO metric_region_monthly (month, region_code, industry_code, association_id",
                $(", ", stringify!($c),)*
                ") SELECT month, region_code, industry_code, COALESCE(association_id, '')",
                $(", SUM(", stringify!($c), ")",)*
                " FROM metric_monthly WHERE true",
                " GROUP BY month, region_code, industry_code, COALESCE(association_id, '')"
            ),
        ]
    };
}

/// Sets every rollup row to the sums of the units' rows (after a bulk load of them).
pub fn refill_rollups(conn: &mut DbConn) -> Result<(), StoreError> {
    diesel::delete(metric_region_daily::table).execute(conn)?;
    diesel::delete(metric_region_monthly::table).execute(conn)?;
    for statement in with_counter_columns!(refill_statements!()) {
        diesel::sql_query(statement).execute(conn)?;
    }
    Ok(())
}

/// The units a scope covers.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
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

    /// Where the scope's counters are summed from: a unit's own rows, or the rollups.
    fn source(&self) -> Source<'_> {
        match self {
            Self::Unit(id) => Source::Unit(id),
            Self::Industry(code, prefix) => Source::Rollup(Wide::Industry(code, prefix.as_deref())),
            Self::Region(prefix) => Source::Rollup(Wide::Region(prefix)),
            Self::Association(id) => Source::Rollup(Wide::Association(id)),
            Self::All => Source::Rollup(Wide::All),
        }
    }
}

/// Where a scope's counters are summed from.
#[derive(Debug, Clone, Copy)]
enum Source<'a> {
    Unit(&'a str),
    Rollup(Wide<'a>),
}

/// A scope wider than one unit, as the rollups hold it.
#[derive(Debug, Clone, Copy)]
enum Wide<'a> {
    Industry(&'a str, Option<&'a str>),
    Region(&'a str),
    Association(&'a str),
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

/// Defines `Sums` (every counter column summed, `None` over no rows) and `sum_columns!()`, the
/// select that fills it: `SUM` as a BIGINT on both backends (PostgreSQL's SUM of BIGINT is
/// NUMERIC).
macro_rules! counter_sums {
    ([$($c:ident),*]) => {
        #[derive(Debug, Queryable)]
        struct Sums {
            $($c: Option<i64>,)*
        }

        impl Sums {
            fn counters(&self) -> Counters {
                Counters { $($c: self.$c.unwrap_or(0),)* }
            }
        }

        macro_rules! sum_columns {
            () => {
                ($(
                    diesel::dsl::sql::<diesel::sql_types::Nullable<diesel::sql_types::BigInt>>(
                        concat!("CAST(SUM(", stringify!($c), ") AS BIGINT)"),
                    ),
                )*)
            };
        }
    };
}

with_counter_columns!(counter_sums!());

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

/// The counter sums of one unit's rows in a table between two of its period keys.
macro_rules! unit_sums {
    ($conn:expr, $table:ident, $period:ident, $from:expr, $to:expr, $unit:expr) => {{
        let sums: Sums = $table::table
            .filter($table::unit_id.eq($unit))
            .filter($table::$period.ge($from))
            .filter($table::$period.lt($to))
            .select(sum_columns!())
            .first($conn)?;
        sums.counters()
    }};
}

/// The counter sums of a wider scope's rollup rows in a table between two of its period keys.
macro_rules! rollup_sums {
    ($conn:expr, $table:ident, $period:ident, $from:expr, $to:expr, $wide:expr) => {{
        let query = $table::table
            .filter($table::$period.ge($from))
            .filter($table::$period.lt($to))
            .into_boxed();
        let query = match $wide {
            Wide::Industry(code, None) => query.filter($table::industry_code.eq(code)),
            Wide::Industry(code, Some(prefix)) => query
                .filter($table::industry_code.eq(code))
                .filter(crate::in_region!($table::region_code, prefix)),
            Wide::Region(prefix) => query.filter(crate::in_region!($table::region_code, prefix)),
            Wide::Association(id) => query.filter($table::association_id.eq(id)),
            Wide::All => query,
        };
        let sums: Sums = query.select(sum_columns!()).first($conn)?;
        sums.counters()
    }};
}

/// Sums of the counters of `scope` for days in `from..to` (end exclusive): a unit's from its own
/// rows, any wider scope's from the rollups.
pub fn sum_counters(
    conn: &mut DbConn,
    scope: &MetricScope,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Counters, StoreError> {
    let mut total = Counters::default();
    for piece in pieces(from, to) {
        total += match (scope.source(), piece) {
            (Source::Unit(id), Piece::Days(a, b)) => unit_sums!(conn, metric_daily, day, a, b, id),
            (Source::Unit(id), Piece::Months(a, b)) => {
                unit_sums!(conn, metric_monthly, month, a, b, id)
            }
            (Source::Rollup(wide), Piece::Days(a, b)) => {
                rollup_sums!(conn, metric_region_daily, day, a, b, wide)
            }
            (Source::Rollup(wide), Piece::Months(a, b)) => {
                rollup_sums!(conn, metric_region_monthly, month, a, b, wide)
            }
        };
    }
    Ok(total)
}

/// How many units of `scope` have rows in one table between two period keys, and how many of
/// them rows whose staff acted, counted by the database.
macro_rules! units_counted {
    ($conn:expr, $table:ident, $period:ident, $from:expr, $to:expr, $scope:expr) => {{
        let query = $table::table
            .filter($table::$period.ge($from))
            .filter($table::$period.lt($to))
            .into_boxed();
        let counted: (i64, i64) = scoped!(query, $scope, $table)
            .select((
                diesel::dsl::sql::<diesel::sql_types::BigInt>("COUNT(DISTINCT unit_id)"),
                diesel::dsl::sql::<diesel::sql_types::BigInt>(
                    "COUNT(DISTINCT CASE WHEN handled > 0 THEN unit_id END)",
                ),
            ))
            .first($conn)?;
        counted
    }};
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

/// Units of `scope` with any activity in `from..to`, and those whose staff acted. A period of
/// one stretch (whole months, or days) is counted by the database; the units of a period of
/// several stretches are united here.
fn active_units(
    conn: &mut DbConn,
    scope: &MetricScope,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<(i64, i64), StoreError> {
    let pieces = pieces(from, to);
    if let [piece] = pieces.as_slice() {
        return Ok(match *piece {
            Piece::Days(a, b) => units_counted!(conn, metric_daily, day, a, b, scope),
            Piece::Months(a, b) => units_counted!(conn, metric_monthly, month, a, b, scope),
        });
    }
    let mut any = std::collections::HashSet::new();
    let mut handling = std::collections::HashSet::new();
    for piece in pieces {
        let (a, h) = match piece {
            Piece::Days(a, b) => units_in!(conn, metric_daily, day, a, b, scope),
            Piece::Months(a, b) => units_in!(conn, metric_monthly, month, a, b, scope),
        };
        any.extend(a);
        handling.extend(h);
    }
    Ok((any.len() as i64, handling.len() as i64))
}

/// The statuses that await settlement
/// ([`crate::domain::dispute::Status::awaits_settlement`]), written out.
macro_rules! awaiting_statuses_sql {
    () => {
        "disputes.status IN ('filed', 'negotiating')"
    };
}

/// Disputes still in handling and awaiting settlement now (not paused: a paused dispute's clock
/// stands still), as written in the predicate of the partial index `disputes_open_due_idx`
/// (migration `2026-12-04-000004_overdue_indexes`), so both databases read only the open
/// disputes. Written out rather than bound: a statement with SQL text of its own is planned for
/// its moment each time, where a prepared one would soon get a generic plan that cannot know
/// the moment is recent.
pub const AWAITING_SETTLEMENT_SQL: &str = concat!(
    "disputes.handling_ended_at IS NULL AND ",
    awaiting_statuses_sql!()
);

/// Disputes awaiting settlement, paused or not, as written in the predicate of the partial
/// index `disputes_settlement_lapse_idx` (migration `2026-12-05-000004_settlement_lapse_index`),
/// which the sweeper's settlement lapses page through.
pub const AWAITING_STATUSES_SQL: &str = awaiting_statuses_sql!();

/// Disputes whose handling ended after their settlement due moment, as written in the predicate
/// of the partial index `disputes_overdue_spell_idx`.
const OVERDUE_SPELL_SQL: &str = "disputes.handling_ended_at > disputes.settlement_due_at";

/// Disputes open and overdue at `at` that are still in handling: awaiting settlement now, their
/// settlement due before `at`. A short range of a small index: the sweeper escalates what lapses.
macro_rules! overdue_still_open {
    ($at:expr) => {
        disputes::table
            .inner_join(businesses::table)
            .filter(diesel::dsl::sql::<diesel::sql_types::Bool>(
                AWAITING_SETTLEMENT_SQL,
            ))
            .filter(disputes::settlement_due_at.lt($at))
    };
}

/// Disputes open and overdue at `at` whose handling has ended since (an end at `at` itself is
/// an end), read one by one from the index of overdue spells by their end: what the lists show,
/// and the figures at a moment that is not the start of a day (now: none).
macro_rules! overdue_ended_since {
    ($at:expr) => {
        disputes::table
            .inner_join(businesses::table)
            .filter(diesel::dsl::sql::<diesel::sql_types::Bool>(
                OVERDUE_SPELL_SQL,
            ))
            .filter(disputes::handling_ended_at.gt($at))
            .filter(disputes::settlement_due_at.lt($at))
    };
}

/// The Shanghai day `at` (a stored moment) starts, if it is the start of one.
fn day_starting(at: NaiveDateTime) -> Option<NaiveDate> {
    let local = from_db_time(at).with_timezone(&Shanghai);
    (local.num_seconds_from_midnight() == 0 && local.nanosecond() == 0).then(|| local.date_naive())
}

/// A day after every counter's: sums from a day up to it hold everything counted since.
fn end_of_counting() -> NaiveDate {
    NaiveDate::from_ymd_opt(2999, 12, 31).unwrap_or(NaiveDate::MAX)
}

/// How many disputes of `scope` were open and overdue at `at` (docs/metrics.md#open-and-overdue):
/// filed before it, settlement due before it, handling not ended by then (an end at `at` itself
/// is an end), and not paused now. Those still in handling are counted from the disputes; those
/// ended since, at the start of a day (every period's end), from the overdue-spell counters
/// kept since that day, whatever the number of disputes.
pub fn open_overdue(
    conn: &mut DbConn,
    scope: &MetricScope,
    at: NaiveDateTime,
) -> Result<i64, StoreError> {
    // How many disputes of the scope `query` finds.
    macro_rules! count_in_scope {
        ($query:expr, $conn:expr) => {
            scoped!(
                $query.into_boxed(),
                scope,
                disputes::unit_id,
                disputes::industry_code,
                disputes::region_code,
                businesses::association_id
            )
            .count()
            .get_result::<i64>($conn)
        };
    }
    let still_open = count_in_scope!(overdue_still_open!(at), conn)?;
    let ended_since = match day_starting(at) {
        Some(day) => {
            let since = sum_counters(conn, scope, day, end_of_counting())?;
            since.overdue_ended - since.overdue_began
        }
        None => count_in_scope!(overdue_ended_since!(at), conn)?,
    };
    Ok(still_open + ended_since)
}

/// How many disputes of each of `unit_ids` were open and overdue at `at`, as [`open_overdue`]
/// counts them.
pub fn open_overdue_by_unit(
    conn: &mut DbConn,
    unit_ids: &[String],
    at: NaiveDateTime,
) -> Result<HashMap<String, i64>, StoreError> {
    let mut units: Vec<String> = overdue_still_open!(at)
        .filter(disputes::unit_id.eq_any(unit_ids))
        .select(disputes::unit_id)
        .load(conn)?;
    let mut out = HashMap::new();
    match day_starting(at) {
        Some(day) => {
            for (unit, since) in sums_for_units(conn, unit_ids, day, end_of_counting())? {
                out.insert(unit, since.overdue_ended - since.overdue_began);
            }
        }
        None => units.extend(
            overdue_ended_since!(at)
                .filter(disputes::unit_id.eq_any(unit_ids))
                .select(disputes::unit_id)
                .load::<String>(conn)?,
        ),
    }
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
    let mut rows: Vec<DueRow> = overdue_still_open!(at)
        .filter(crate::in_region!(disputes::region_code, prefix))
        .select(due_row!())
        .load(conn)?;
    rows.extend(
        overdue_ended_since!(at)
            .filter(crate::in_region!(disputes::region_code, prefix))
            .select(due_row!())
            .load::<DueRow>(conn)?,
    );
    rows.sort_by(|a, b| (a.5, &a.0).cmp(&(b.5, &b.0)));
    Ok(rows)
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

/// How many disputes `unit_ids` had filed from `start` until before `end`, by their claim's
/// category (the monthly analysis). It reads through each unit's filings in time order
/// (`disputes_unit_filed_idx`), so a month costs what that month's filings do.
pub fn filed_by_category(
    conn: &mut DbConn,
    unit_ids: &[String],
    start: NaiveDateTime,
    end: NaiveDateTime,
) -> Result<HashMap<String, i64>, StoreError> {
    use super::schema::dispute_claims;
    let mut counts: HashMap<String, i64> = HashMap::new();
    for chunk in unit_ids.chunks(500) {
        let rows: Vec<(String, i64)> = disputes::table
            .inner_join(dispute_claims::table)
            .filter(disputes::unit_id.eq_any(chunk))
            .filter(disputes::filed_at.ge(start))
            .filter(disputes::filed_at.lt(end))
            .group_by(dispute_claims::category)
            .select((dispute_claims::category, diesel::dsl::count_star()))
            .load(conn)?;
        for (category, n) in rows {
            *counts.entry(category).or_default() += n;
        }
    }
    Ok(counts)
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
    super::advisory_lock(conn, COUNTER_LOCK_CLASS, unit_id, false)
}

/// Holds the unit's counters until the transaction ends, shared with other events' counting
/// and exclusive of a rebuild of the unit (PostgreSQL). An event takes it before it changes
/// the dispute's row, so an event and a rebuild always lock in the same order (counters, then
/// the dispute).
pub fn share_unit(conn: &mut DbConn, unit_id: &str) -> Result<(), StoreError> {
    super::advisory_lock(conn, COUNTER_LOCK_CLASS, unit_id, true)
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
    bool,
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
            // A filing is counted by its follow-up (docs/architecture.md#filing-follow-up):
            // one not run yet counts when it runs, after the rebuild lets go of the unit.
            super::alerts::followed_up(),
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
        let visits = super::following::latest_visit_ratings(conn, &ids)?;
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
                    filing_followed_up: r.10,
                    first_contact_due_at: from_db_time(r.6),
                    settlement_due_at: from_db_time(r.7),
                    agreement_fen: agreed.get(&r.0).copied(),
                    rating: r.8,
                    visit_rating: visits.get(&r.0).copied(),
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
/// months those days touch, and takes the removed days out of the rollups.
pub fn clear_counters(
    conn: &mut DbConn,
    unit_id: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<(), StoreError> {
    type Placed = (NaiveDate, String, String, Option<String>, StoredDay);
    let removed: Vec<Placed> = metric_daily::table
        .filter(metric_daily::unit_id.eq(unit_id))
        .filter(metric_daily::day.ge(from))
        .filter(metric_daily::day.lt(to))
        .select((
            metric_daily::day,
            metric_daily::region_code,
            metric_daily::industry_code,
            metric_daily::association_id,
            StoredDay::as_select(),
        ))
        .load(conn)?;
    for (day, region_code, industry_code, association_id, row) in removed {
        let key = DayKey {
            day,
            unit_id: row.unit_id.clone(),
            region_code,
            industry_code,
            association_id,
        };
        roll_up(conn, &key, &-row.counters())?;
    }
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

/// Adds each delta to its daily row (creating it) and to the rollups, leaving the unit's
/// monthly rows alone.
pub fn add_to_days(conn: &mut DbConn, rows: &[(DayKey, Counters)]) -> Result<(), StoreError> {
    for (key, delta) in rows {
        upsert_day(conn, &Row::of(key, key.day, delta), delta)?;
        roll_up(conn, key, delta)?;
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
    let mut months: BTreeMap<NaiveDate, (DayKey, Counters)> = BTreeMap::new();
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
        upsert_month(conn, &MonthRow::of(key, *month, sums), sums)?;
    }
    Ok(())
}

/// Every daily counter row of `unit_id`, by day (what tests compare with a rebuild).
pub fn daily_counters(
    conn: &mut DbConn,
    unit_id: &str,
) -> Result<BTreeMap<NaiveDate, Counters>, StoreError> {
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
    // A new version: an action that read the dispute before this rebuild took the unit's lock
    // must not save its older end of handling over this one (it is refused as changed).
    diesel::update(disputes::table.find(dispute_id))
        .set((
            disputes::handling_ended_at.eq(at),
            disputes::version.eq(disputes::version + 1),
        ))
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
    use crate::domain::dispute::Status;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn the_written_out_awaiting_statuses_are_the_domain_s() {
        let names = Status::awaiting_settlement_names().map(|n| format!("'{n}'"));
        assert!(
            AWAITING_SETTLEMENT_SQL.ends_with(&format!("IN ({})", names.join(", "))),
            "{AWAITING_SETTLEMENT_SQL}"
        );
        assert_eq!(
            AWAITING_STATUSES_SQL,
            format!("disputes.status IN ({})", names.join(", "))
        );
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
