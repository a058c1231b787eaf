//! Oversight figures shared by the API, the reports and the scheduled report job: a scope's
//! metrics (docs/metrics.md) over a period with the previous period, the same period a year before and,
//! for a unit, its region's and industry's figures; the figures as a table; region reports.

use chrono::{DateTime, Datelike, Duration, Months, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::calendar::start_of_day;
use std::collections::HashMap;

use crate::domain::metrics::{Counters, Extras, Figures, figures};
use crate::domain::region::RegionCode;
use crate::i18n::Words;
use crate::store::metrics::{MetricScope, open_overdue_by_unit, sums_for_units, totals};
use crate::store::{DbConn, StoreError, to_db_time};
use crate::tables::{Cell, Table};

pub mod analysis;
pub mod audit;
pub mod bureau;
pub mod evaluation;
pub mod publications;
pub mod rebuild;
pub mod reply_templates;
pub mod reports;

/// A calendar period kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeriodKind {
    Day,
    /// Monday to Sunday.
    Week,
    Month,
}

/// The first day figures and reports may be asked for.
pub const FIRST_DAY: NaiveDate = NaiveDate::from_ymd_opt(2000, 1, 1).expect("a valid date");
/// The last day figures and reports may be asked for.
pub const LAST_DAY: NaiveDate = NaiveDate::from_ymd_opt(2199, 12, 31).expect("a valid date");

/// Refuses a day outside [`FIRST_DAY`]..=[`LAST_DAY`] under `field`: the periods around it,
/// the year before and the twelve months of a trend are then always real days.
pub fn check_day(errors: &mut crate::error::FieldErrors, field: &str, day: Option<NaiveDate>) {
    if day.is_some_and(|d| !(FIRST_DAY..=LAST_DAY).contains(&d)) {
        errors.add(
            field,
            "out_of_range",
            format!("a day from {FIRST_DAY} to {LAST_DAY}"),
        );
    }
}

/// The day, week or month around `date`.
pub fn period_around(kind: PeriodKind, date: NaiveDate) -> PeriodDto {
    match kind {
        PeriodKind::Day => PeriodDto {
            from: date,
            to: date,
        },
        PeriodKind::Week => {
            let from = date - Duration::days(i64::from(date.weekday().num_days_from_monday()));
            PeriodDto {
                from,
                to: from + Duration::days(6),
            }
        }
        PeriodKind::Month => {
            let from = date.with_day(1).unwrap_or(date);
            let to = from
                .checked_add_months(Months::new(1))
                .map_or(date, |next| next - Duration::days(1));
            PeriodDto { from, to }
        }
    }
}

/// A period of days, both ends included.
#[derive(Debug, Clone, Copy, Serialize, serde::Deserialize, ToSchema)]
pub struct PeriodDto {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// The figures of one scope and period.
#[derive(Debug, Clone, Serialize, serde::Deserialize, ToSchema)]
pub struct FiguresDto {
    pub period: PeriodDto,
    pub filed: i64,
    pub concluded: i64,
    pub settled: i64,
    pub escalated: i64,
    pub withdrawn: i64,
    pub open_overdue_at_end: i64,
    /// 按时办结率
    pub on_time_rate: Option<f64>,
    /// 和解成功率
    pub settlement_rate: Option<f64>,
    pub first_contact_rate: Option<f64>,
    /// 满意度: mean rating 1–5.
    pub satisfaction_mean: Option<f64>,
    /// Share of ratings 4–5.
    pub satisfaction_high_share: Option<f64>,
    pub rated: i64,
    pub average_cycle_working_days: Option<f64>,
    /// 挽回经济损失
    pub loss_recovered_fen: i64,
    /// 诉转案
    pub complaint_to_case: i64,
    /// 活跃度
    pub activity_rate: Option<f64>,
    pub units_activated: i64,
    pub units_suspended: i64,
    pub units_removed: i64,
}

impl FiguresDto {
    pub fn of(period: PeriodDto, f: Figures) -> Self {
        Self {
            period,
            filed: f.filed,
            concluded: f.concluded,
            settled: f.settled,
            escalated: f.escalated,
            withdrawn: f.withdrawn,
            open_overdue_at_end: f.open_overdue_at_end,
            on_time_rate: f.on_time_rate,
            settlement_rate: f.settlement_rate,
            first_contact_rate: f.first_contact_rate,
            satisfaction_mean: f.satisfaction_mean,
            satisfaction_high_share: f.satisfaction_high_share,
            rated: f.rated,
            average_cycle_working_days: f.average_cycle_working_days,
            loss_recovered_fen: f.loss_recovered_fen,
            complaint_to_case: f.complaint_to_case,
            activity_rate: f.activity_rate,
            units_activated: f.units_activated,
            units_suspended: f.units_suspended,
            units_removed: f.units_removed,
        }
    }
}

/// The metrics answer.
#[derive(Debug, Serialize, serde::Deserialize, ToSchema)]
pub struct MetricsResponse {
    /// unit, industry, region, association or all.
    pub scope: String,
    pub id: Option<String>,
    pub current: FiguresDto,
    pub previous: FiguresDto,
    pub year_ago: FiguresDto,
    /// For a unit: its region's figures over the same period.
    pub region: Option<FiguresDto>,
    /// For a unit: its industry's figures over the same period.
    pub industry: Option<FiguresDto>,
}

/// The figures of `scope` over `period`, as of `now` (docs/metrics.md): "open and overdue" is
/// read at the period's end, or now for a period not over.
pub fn measure(
    conn: &mut DbConn,
    scope: &MetricScope,
    period: PeriodDto,
    now: DateTime<Utc>,
) -> Result<FiguresDto, StoreError> {
    let end_day = period.to + Duration::days(1);
    let end = start_of_day(end_day);
    let (counters, extras) = totals(
        conn,
        scope,
        period.from,
        end_day,
        to_db_time(start_of_day(period.from)),
        to_db_time(end),
        to_db_time(end.min(now)),
    )?;
    Ok(FiguresDto::of(period, figures(&counters, &extras)))
}

/// The twelve months up to and including `today`: the window of the directory's scorecards and
/// the escalation packet's figures.
pub fn last_twelve_months(today: NaiveDate) -> PeriodDto {
    let year_ago = today.checked_sub_months(Months::new(12)).unwrap_or(today);
    PeriodDto {
        from: year_ago + Duration::days(1),
        to: today,
    }
}

/// The figures of each of `unit_ids` over the days `from..=to` as of `now`, by the same
/// definitions as [`measure`] (the reports' unit tables, the evaluation list, the directory's
/// scorecards). Only the units' own figures: activity and unit changes stay 0.
pub fn unit_figures(
    conn: &mut DbConn,
    unit_ids: &[String],
    from: NaiveDate,
    to: NaiveDate,
    now: DateTime<Utc>,
) -> Result<HashMap<String, (Counters, Figures)>, StoreError> {
    let end_day = to + Duration::days(1);
    let as_of = start_of_day(end_day).min(now);
    let sums = sums_for_units(conn, unit_ids, from, end_day)?;
    let overdue = open_overdue_by_unit(conn, unit_ids, to_db_time(as_of))?;
    Ok(unit_ids
        .iter()
        .map(|id| {
            let counters = sums.get(id).copied().unwrap_or_default();
            let extras = Extras {
                open_overdue_at_end: overdue.get(id).copied().unwrap_or(0),
                ..Extras::default()
            };
            (id.clone(), (counters, figures(&counters, &extras)))
        })
        .collect())
}

/// The period before: as many whole calendar months before a period of whole months (October
/// before November), else the same number of days before.
fn previous(p: PeriodDto) -> PeriodDto {
    let next_day = p.to + Duration::days(1);
    let months =
        (next_day.year() - p.from.year()) * 12 + next_day.month() as i32 - p.from.month() as i32;
    if p.from.day() == 1 && next_day.day() == 1 && months > 0 {
        let from = p
            .from
            .checked_sub_months(Months::new(months.unsigned_abs()))
            .unwrap_or(p.from);
        return PeriodDto {
            from,
            to: p.from - Duration::days(1),
        };
    }
    let length = (p.to - p.from).num_days() + 1;
    PeriodDto {
        from: p.from - Duration::days(length),
        to: p.from - Duration::days(1),
    }
}

/// The same period a year before.
fn year_before(p: PeriodDto) -> PeriodDto {
    let back = |d: NaiveDate| d.checked_sub_months(Months::new(12)).unwrap_or(d);
    PeriodDto {
        from: back(p.from),
        to: back(p.to),
    }
}

/// The metrics of `scope` over `period` with its comparisons; `unit_context` (region and
/// industry codes) adds the unit's region's and industry's figures.
pub fn compare(
    conn: &mut DbConn,
    scope: &MetricScope,
    unit_context: Option<(String, String)>,
    period: PeriodDto,
    now: DateTime<Utc>,
) -> Result<MetricsResponse, StoreError> {
    let (kind, id) = scope.describe();
    let (region, industry) = match unit_context {
        Some((region, industry)) => {
            let prefix = RegionCode::parse(&region)
                .map_err(|e| StoreError::Corrupt(e.to_string()))?
                .prefix()
                .to_string();
            (
                Some(measure(conn, &MetricScope::Region(prefix), period, now)?),
                Some(measure(
                    conn,
                    &MetricScope::Industry(industry, None),
                    period,
                    now,
                )?),
            )
        }
        None => (None, None),
    };
    Ok(MetricsResponse {
        scope: kind.into(),
        id,
        current: measure(conn, scope, period, now)?,
        previous: measure(conn, scope, previous(period), now)?,
        year_ago: measure(conn, scope, year_before(period), now)?,
        region,
        industry,
    })
}

/// How one metric's cell is taken from the figures.
type MetricCell = fn(&FiguresDto) -> Cell;

/// The figures as a table: one row per metric, a column per period and comparison.
pub fn metrics_table(title: &str, m: &MetricsResponse, words: Words) -> Table {
    let mut columns: Vec<(&'static str, &FiguresDto)> = vec![
        ("table-current", &m.current),
        ("table-previous", &m.previous),
        ("table-year-before", &m.year_ago),
    ];
    if let Some(region) = &m.region {
        columns.push(("table-region", region));
    }
    if let Some(industry) = &m.industry {
        columns.push(("table-industry", industry));
    }
    let rows: Vec<(&'static str, MetricCell)> = vec![
        ("table-period", |f| {
            Cell::Text(format!("{}–{}", f.period.from, f.period.to))
        }),
        ("table-filed", |f| Cell::Int(f.filed)),
        ("table-concluded", |f| Cell::Int(f.concluded)),
        ("table-settled", |f| Cell::Int(f.settled)),
        ("table-escalated", |f| Cell::Int(f.escalated)),
        ("table-withdrawn", |f| Cell::Int(f.withdrawn)),
        ("table-open-overdue-at-end", |f| {
            Cell::Int(f.open_overdue_at_end)
        }),
        ("table-on-time-rate", |f| Cell::Rate(f.on_time_rate)),
        ("table-settlement-rate", |f| Cell::Rate(f.settlement_rate)),
        ("table-first-contact-rate", |f| {
            Cell::Rate(f.first_contact_rate)
        }),
        ("table-satisfaction", |f| Cell::Number(f.satisfaction_mean)),
        ("table-rated-4-5", |f| Cell::Rate(f.satisfaction_high_share)),
        ("table-average-cycle", |f| {
            Cell::Number(f.average_cycle_working_days)
        }),
        ("table-loss-recovered", |f| Cell::Yuan(f.loss_recovered_fen)),
        ("table-complaint-to-case", |f| {
            Cell::Int(f.complaint_to_case)
        }),
        ("table-activity", |f| Cell::Rate(f.activity_rate)),
        ("table-units-activated", |f| Cell::Int(f.units_activated)),
        ("table-units-suspended", |f| Cell::Int(f.units_suspended)),
        ("table-units-removed", |f| Cell::Int(f.units_removed)),
    ];
    Table {
        title: title.into(),
        headers: std::iter::once(words.s("table-metric"))
            .chain(columns.iter().map(|(name, _)| words.s(name)))
            .collect(),
        rows: rows
            .into_iter()
            .map(|(name, cell)| {
                std::iter::once(Cell::Text(words.s(name)))
                    .chain(columns.iter().map(|(_, f)| cell(f)))
                    .collect()
            })
            .collect(),
    }
}
