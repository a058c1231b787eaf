//! Region reports for regulators (docs/metrics.md#reports-and-exports): the daily look (new, due today, overdue, open
//! alerts), the weekly check and the monthly close (月结) with the figures and a table per
//! unit. Consumers appear by case number only. Built on demand by the API and on a schedule by
//! the sweeper, which archives them (see [`crate::store::reports`]).

use crate::disputes::notices::{Arg, Said};
use crate::domain::notification::NotificationKind;
use crate::domain::text_enum::text_enum;
use crate::i18n::{Lang, Words};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Timelike, Utc};
use chrono_tz::Asia::Shanghai;

use super::{PeriodDto, PeriodKind, compare, metrics_table, period_around};
use crate::domain::calendar::start_of_day;
use crate::domain::region::RegionCode;
use crate::store::metrics::MetricScope;
use crate::store::notifications::{Notification, notify_all};
use crate::store::reports::{ArchivedReport, insert_report, regulated_regions, report_exists};
use crate::store::{DbConn, StoreError, from_db_time, new_id, to_db_time};
use crate::tables::{Cell, Table};

text_enum! {
    /// The reports: the daily look, the weekly check, the monthly close and the monthly
    /// analysis of where complaints concentrate.
    pub enum ReportKind ("report kind") {
        Daily,
        Weekly,
        Monthly,
        Analysis,
    }
}

impl ReportKind {
    /// The period the report covers for a day inside it.
    pub fn period(self, day: NaiveDate) -> PeriodDto {
        let kind = match self {
            Self::Daily => PeriodKind::Day,
            Self::Weekly => PeriodKind::Week,
            Self::Monthly | Self::Analysis => PeriodKind::Month,
        };
        period_around(kind, day)
    }
}

/// A built report.
#[derive(Debug, Clone)]
pub struct Report {
    pub kind: ReportKind,
    pub region_code: String,
    pub period: PeriodDto,
    pub tables: Vec<Table>,
}

impl Report {
    /// The download's file name without extension.
    pub fn file_name(&self) -> String {
        format!(
            "{}-{}-{}",
            self.kind.as_str(),
            self.region_code,
            self.period.from
        )
    }
}

/// An archived report's tables (docs/metrics.md#reports-and-exports): built from one
/// snapshot in each language. Archives made before exports were in one language (2026-12-06)
/// hold one set of tables with both languages side by side.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(untagged)]
pub enum ArchivedTables {
    EachLanguage {
        #[serde(rename = "zh-CN")]
        zh: Vec<Table>,
        en: Vec<Table>,
    },
    BothSideBySide(Vec<Table>),
}

impl ArchivedTables {
    /// The tables to download in `lang`.
    pub fn in_lang(self, lang: Lang) -> Vec<Table> {
        match (self, lang) {
            (Self::EachLanguage { zh, .. }, Lang::Zh) => zh,
            (Self::EachLanguage { en, .. }, Lang::En) => en,
            (Self::BothSideBySide(tables), _) => tables,
        }
    }
}

/// The day inside the period each report of the schedule covers on `today`: the day itself, the
/// last complete week (to Sunday) and the last complete month.
fn scheduled_day(kind: ReportKind, today: NaiveDate) -> NaiveDate {
    match kind {
        ReportKind::Daily => today,
        ReportKind::Weekly => {
            today - Duration::days(i64::from(today.weekday().num_days_from_monday()) + 1)
        }
        ReportKind::Monthly | ReportKind::Analysis => {
            today.with_day(1).unwrap_or(today) - Duration::days(1)
        }
    }
}

/// From `hour` (Shanghai) each day: generates and archives every regulated region's reports of
/// the schedule that are not archived yet, each in its own transaction, and tells the region's
/// regulators. Several nodes may run it at once: each report is archived and announced once.
/// Returns how many reports this call archived.
pub fn run_schedule(conn: &mut DbConn, hour: u32, now: DateTime<Utc>) -> Result<usize, StoreError> {
    let local = now.with_timezone(&Shanghai);
    if local.hour() < hour {
        return Ok(0);
    }
    let today = local.date_naive();
    let mut archived = 0;
    for code in regulated_regions(conn)? {
        let Ok(region) = RegionCode::parse(&code) else {
            continue;
        };
        for kind in ReportKind::ALL {
            let day = scheduled_day(*kind, today);
            let period = kind.period(day);
            if report_exists(conn, &code, kind.as_str(), period.from)? {
                continue;
            }
            let written = crate::store::write_transaction(conn, |conn| {
                // Both languages from the same data.
                crate::store::one_snapshot(conn)?;
                let [zh, en] = [Lang::Zh, Lang::En].map(|lang| {
                    build_report(conn, *kind, &region, day, now, Words(lang)).map(|r| r.tables)
                });
                let tables = ArchivedTables::EachLanguage { zh: zh?, en: en? };
                let row = ArchivedReport {
                    id: new_id(),
                    region_code: code.clone(),
                    kind: kind.as_str().into(),
                    period_from: period.from,
                    period_to: period.to,
                    tables: serde_json::to_string(&tables)
                        .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                    created_at: to_db_time(now),
                };
                if !insert_report(conn, &row)? {
                    return Ok::<_, StoreError>(false);
                }
                let message = Said::new("notice-report-ready")
                    .with("report", Arg::Label("report_kind", kind.as_str().into()))
                    .with("from", Arg::text(&period.from.to_string()))
                    .with("to", Arg::text(&period.to.to_string()));
                for regulator in crate::disputes::escalations::regulators_of(conn, &code)?
                    .iter()
                    .filter(|u| u.region_code.as_deref() == Some(code.as_str()))
                {
                    notify_all(
                        conn,
                        vec![
                            Notification::new(
                                &regulator.id,
                                None,
                                NotificationKind::ReportReady,
                                &message.in_words(Lang::of(&regulator.language)),
                                now,
                            )
                            .in_both(message.in_words(Lang::Zh), message.in_words(Lang::En)),
                        ],
                    )?;
                }
                Ok(true)
            });
            let written = match written {
                Ok(written) => written,
                // Under its snapshot, PostgreSQL refuses the archive another node wrote since
                // instead of skipping it as a duplicate: then this node's report is not needed.
                Err(_) if report_exists(conn, &code, kind.as_str(), period.from)? => false,
                Err(error) => return Err(error),
            };
            archived += usize::from(written);
        }
    }
    Ok(archived)
}

/// Builds the `kind` report of `region` for the period around `day`, as of `now`, in `words`
/// (the page's or the download's language; the archive holds one in each).
pub fn build_report(
    conn: &mut DbConn,
    kind: ReportKind,
    region: &RegionCode,
    day: NaiveDate,
    now: DateTime<Utc>,
    words: Words,
) -> Result<Report, StoreError> {
    let prefix = region.prefix().to_string();
    let period = kind.period(day);
    let tables = match kind {
        ReportKind::Daily => daily(conn, &prefix, day, now, words)?,
        ReportKind::Weekly | ReportKind::Monthly => {
            let metrics = compare(
                conn,
                &MetricScope::Region(prefix.clone()),
                None,
                period,
                now,
            )?;
            let (from, to) = (period.from, period.to);
            let id = if kind == ReportKind::Weekly {
                "table-weekly-check"
            } else {
                "table-monthly-close"
            };
            let title = format!("{} {from}–{to}", words.s(id));
            vec![
                metrics_table(&title, &metrics, words),
                per_unit(conn, &prefix, from, to, now, words)?,
            ]
        }
        ReportKind::Analysis => super::analysis::tables(conn, &prefix, period, now, words)?,
    };
    Ok(Report {
        kind,
        region_code: region.as_str().to_string(),
        period,
        tables,
    })
}

fn local(t: DateTime<Utc>) -> String {
    t.with_timezone(&Shanghai)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// A listed dispute of a report.
pub type Row = crate::store::metrics::DueRow;

/// The daily look of a region for one day, as of `now`: what the report lists and what the
/// regulator's dashboard counts.
#[derive(Debug, Clone)]
pub struct DailyLook {
    /// Disputes filed that day.
    pub filed: i64,
    /// Open disputes whose first-contact or settlement due date falls that day.
    pub due_today: Vec<Row>,
    /// Open and overdue at the day's end or now, whichever is earlier
    /// (docs/metrics.md#open-and-overdue).
    pub overdue: Vec<Row>,
    pub open_alerts: i64,
}

/// The daily look of the region `prefix` for `day` as of `now`.
pub fn daily_look(
    conn: &mut DbConn,
    prefix: &str,
    day: NaiveDate,
    now: DateTime<Utc>,
) -> Result<DailyLook, StoreError> {
    let (from, to) = (start_of_day(day), start_of_day(day + Duration::days(1)));
    let as_of = now.min(to);
    // From the units' daily counters, as every figure.
    let region = crate::store::metrics::MetricScope::Region(prefix.to_string());
    let filed =
        crate::store::metrics::sum_counters(conn, &region, day, day + Duration::days(1))?.filed;
    let due_today =
        crate::store::metrics::awaiting_in_region(conn, prefix, to_db_time(from), to_db_time(to))?;
    let overdue = crate::store::metrics::overdue_in_region(conn, prefix, to_db_time(as_of))?;
    let open_alerts = crate::store::alerts::count_open_in_region(conn, prefix)?;
    Ok(DailyLook {
        filed,
        due_today,
        overdue,
        open_alerts,
    })
}

fn daily(
    conn: &mut DbConn,
    prefix: &str,
    day: NaiveDate,
    now: DateTime<Utc>,
    words: Words,
) -> Result<Vec<Table>, StoreError> {
    let look = daily_look(conn, prefix, day, now)?;
    let (filed, open_alerts) = (look.filed, look.open_alerts);
    let due_today: Vec<&Row> = look.due_today.iter().collect();
    let overdue: Vec<&Row> = look.overdue.iter().collect();
    let list = |title: &'static str, rows: &[&Row]| Table {
        title: words.s(title),
        headers: [
            "table-case",
            "table-business",
            "table-status",
            "table-filed",
            "table-first-contact-due",
            "table-settlement-due",
        ]
        .map(|id| words.s(id))
        .to_vec(),
        rows: rows
            .iter()
            .map(|r| {
                vec![
                    Cell::Text(r.0.clone()),
                    Cell::Text(r.1.clone()),
                    Cell::Text(words.label("status", &r.2)),
                    Cell::Text(local(from_db_time(r.3))),
                    Cell::Text(local(from_db_time(r.4))),
                    Cell::Text(local(from_db_time(r.5))),
                ]
            })
            .collect(),
    };
    Ok(vec![
        Table {
            title: format!("{} {day}", words.s("table-daily-look")),
            headers: vec![words.s("table-item"), words.s("table-count")],
            rows: vec![
                vec![Cell::Text(words.s("table-new")), Cell::Int(filed)],
                vec![
                    Cell::Text(words.s("table-due-today")),
                    Cell::Int(due_today.len() as i64),
                ],
                vec![
                    Cell::Text(words.s("table-overdue")),
                    Cell::Int(overdue.len() as i64),
                ],
                vec![
                    Cell::Text(words.s("table-open-alerts")),
                    Cell::Int(open_alerts),
                ],
            ],
        },
        list("table-due-today", &due_today),
        list("table-overdue", &overdue),
    ])
}

/// One row per unit of the region over `from..=to`, as of `now`.
fn per_unit(
    conn: &mut DbConn,
    prefix: &str,
    from: NaiveDate,
    to: NaiveDate,
    now: DateTime<Utc>,
    words: Words,
) -> Result<Table, StoreError> {
    let units = crate::store::units::enrolled_units_in_region(conn, prefix)?;
    let ids: Vec<String> = units.iter().map(|u| u.id.clone()).collect();
    let measured = super::unit_figures(conn, &ids, from, to, now)?;
    Ok(Table {
        title: words.s("table-units"),
        headers: [
            "table-business",
            "table-status",
            "table-filed",
            "table-concluded",
            "table-open-overdue",
            "table-on-time",
            "table-settlement",
            "table-satisfaction",
        ]
        .map(|id| words.s(id))
        .to_vec(),
        rows: units
            .into_iter()
            .map(|unit| {
                let (c, f) = measured.get(&unit.id).cloned().unwrap_or_default();
                vec![
                    Cell::Text(unit.name),
                    Cell::Text(words.label("unit_status", &unit.status)),
                    Cell::Int(c.filed),
                    Cell::Int(c.concluded),
                    Cell::Int(f.open_overdue_at_end),
                    Cell::Rate(f.on_time_rate),
                    Cell::Rate(f.settlement_rate),
                    Cell::Number(f.satisfaction_mean),
                ]
            })
            .collect(),
    })
}
