//! The monthly analysis (月度投诉分析, docs/metrics.md#monthly-analysis): where a region's
//! complaints of one month concentrate, by industry, district and kind of case, each against
//! the month before and the same month a year before; the units with the most complaints and
//! those with the lowest figures. The bureau sets its enforcement priorities from it.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Months, NaiveDate, Utc};

use super::{PeriodDto, unit_figures};
use crate::domain::calendar::start_of_day;
use crate::domain::metrics::{Counters, Figures};
use crate::i18n::Words;
use crate::store::metrics::{filed_by_category, sums_for_units};
use crate::store::units::{EnrolledUnit, enrolled_units_in_region};
use crate::store::{DbConn, StoreError, to_db_time};
use crate::tables::{Cell, Table};

/// How many units each of the two unit tables names.
pub const UNITS_LISTED: usize = 10;

/// The three months compared: the month, the one before and the same month a year before.
struct Months3 {
    this: PeriodDto,
    before: PeriodDto,
    year_before: PeriodDto,
}

impl Months3 {
    fn of(month: PeriodDto) -> Self {
        let back = |d: NaiveDate, n: u32| d.checked_sub_months(Months::new(n)).unwrap_or(d);
        let shifted = |n: u32| PeriodDto {
            from: back(month.from, n),
            // The month's last day: the day before the first of the next one.
            to: back(month.from, n)
                .checked_add_months(Months::new(1))
                .map_or(month.to, |next| next - Duration::days(1)),
        };
        Self {
            this: month,
            before: shifted(1),
            year_before: shifted(12),
        }
    }
}

/// A count in the three months.
#[derive(Debug, Default, Clone, Copy)]
struct Three {
    this: i64,
    before: i64,
    year_before: i64,
}

/// The analysis of the region with code prefix `prefix` for the calendar month `month`, as of
/// `now`, in `words`.
pub fn tables(
    conn: &mut DbConn,
    prefix: &str,
    month: PeriodDto,
    now: DateTime<Utc>,
    words: Words,
) -> Result<Vec<Table>, StoreError> {
    let months = Months3::of(month);
    let units = enrolled_units_in_region(conn, prefix)?;
    let ids: Vec<String> = units.iter().map(|u| u.id.clone()).collect();
    let sums = |conn: &mut DbConn, p: PeriodDto| {
        sums_for_units(conn, &ids, p.from, p.to + Duration::days(1))
    };
    let (this, before, year_before) = (
        sums(conn, months.this)?,
        sums(conn, months.before)?,
        sums(conn, months.year_before)?,
    );
    let filed = |m: &HashMap<String, Counters>, id: &str| m.get(id).map_or(0, |c| c.filed);
    let per_unit: HashMap<&str, Three> = units
        .iter()
        .map(|u| {
            let three = Three {
                this: filed(&this, &u.id),
                before: filed(&before, &u.id),
                year_before: filed(&year_before, &u.id),
            };
            (u.id.as_str(), three)
        })
        .collect();
    // Grouped by code, named when shown: two districts of a province may share a name.
    let by = |group: &dyn Fn(&EnrolledUnit) -> (String, String)| {
        let mut groups: HashMap<String, (String, Three)> = HashMap::new();
        for u in &units {
            let one = per_unit[u.id.as_str()];
            let (code, name) = group(u);
            let (_, sum) = groups
                .entry(code)
                .or_insert_with(|| (name, Three::default()));
            sum.this += one.this;
            sum.before += one.before;
            sum.year_before += one.year_before;
        }
        named_apart(groups)
    };
    let industries = by(&|u| {
        let name = words.name(&u.industry_zh, &u.industry_en);
        (u.industry_code.clone(), name)
    });
    let districts = by(&|u| {
        let name = words.name(&u.region_zh, &u.region_en);
        (u.region_code.clone(), name)
    });
    let categories = {
        let count = |conn: &mut DbConn, p: PeriodDto| {
            filed_by_category(
                conn,
                &ids,
                to_db_time(start_of_day(p.from)),
                to_db_time(start_of_day(p.to + Duration::days(1))),
            )
        };
        let (a, b, c) = (
            count(conn, months.this)?,
            count(conn, months.before)?,
            count(conn, months.year_before)?,
        );
        let mut groups: HashMap<String, (String, Three)> = HashMap::new();
        for (counts, put) in [
            (a, (|t: &mut Three, n| t.this = n) as fn(&mut Three, i64)),
            (b, |t: &mut Three, n| t.before = n),
            (c, |t: &mut Three, n| t.year_before = n),
        ] {
            for (code, n) in counts {
                let name = words.label("category", &code);
                put(
                    &mut groups.entry(code).or_insert((name, Three::default())).1,
                    n,
                );
            }
        }
        named_apart(groups)
    };
    let total: i64 = per_unit.values().map(|t| t.this).sum();
    let title = |id: &'static str| format!("{} {}–{}", words.s(id), month.from, month.to);
    let mut tables = vec![
        concentration(
            title("table-by-industry"),
            "table-industry",
            industries,
            total,
            words,
        ),
        concentration(
            title("table-by-district"),
            "table-district",
            districts,
            total,
            words,
        ),
        concentration(
            title("table-by-category"),
            "table-category",
            categories,
            total,
            words,
        ),
    ];
    let measured = unit_figures(conn, &ids, month.from, month.to, now)?;
    let mut most: Vec<&EnrolledUnit> = units
        .iter()
        .filter(|u| per_unit[u.id.as_str()].this > 0)
        .collect();
    most.sort_by_key(|u| (-per_unit[u.id.as_str()].this, u.name.clone()));
    most.truncate(UNITS_LISTED);
    // The lowest: judged units (an on-time rate), the lowest on-time rate first, then the
    // lowest settlement rate, then the most complaints.
    let mut lowest: Vec<(&EnrolledUnit, &Figures)> = units
        .iter()
        .filter_map(|u| measured.get(&u.id).map(|(_, f)| (u, f)))
        .filter(|(_, f)| f.on_time_rate.is_some())
        .collect();
    lowest.sort_by(|(a, fa), (b, fb)| {
        let key = |f: &Figures| (f.on_time_rate, f.settlement_rate.unwrap_or(1.0));
        key(fa)
            .partial_cmp(&key(fb))
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(
                per_unit[b.id.as_str()]
                    .this
                    .cmp(&per_unit[a.id.as_str()].this),
            )
            .then_with(|| a.name.cmp(&b.name))
    });
    lowest.truncate(UNITS_LISTED);
    let row = |u: &EnrolledUnit| {
        let three = per_unit[u.id.as_str()];
        let f = measured
            .get(&u.id)
            .map(|(_, f)| f.clone())
            .unwrap_or_default();
        vec![
            Cell::Text(u.name.clone()),
            Cell::Text(words.name(&u.industry_zh, &u.industry_en)),
            Cell::Text(words.name(&u.region_zh, &u.region_en)),
            Cell::Int(three.this),
            Cell::Int(three.before),
            Cell::Rate(f.on_time_rate),
            Cell::Rate(f.settlement_rate),
            Cell::Number(f.satisfaction_mean),
        ]
    };
    let unit_headers = [
        "table-business",
        "table-industry",
        "table-district",
        "table-this-month",
        "table-month-before",
        "table-on-time",
        "table-settlement",
        "table-satisfaction",
    ]
    .map(|id| words.s(id))
    .to_vec();
    tables.push(Table {
        title: title("table-most-complained-units"),
        headers: unit_headers.clone(),
        rows: most.into_iter().map(row).collect(),
    });
    tables.push(Table {
        title: title("table-lowest-figure-units"),
        headers: unit_headers,
        rows: lowest.into_iter().map(|(u, _)| row(u)).collect(),
    });
    Ok(tables)
}

/// The groups by their names, each name told apart by its code where two groups share it.
fn named_apart(groups: HashMap<String, (String, Three)>) -> HashMap<String, Three> {
    let mut uses: HashMap<String, usize> = HashMap::new();
    for (name, _) in groups.values() {
        *uses.entry(name.clone()).or_default() += 1;
    }
    groups
        .into_iter()
        .map(|(code, (name, three))| match uses[&name] {
            1 => (name, three),
            _ => (format!("{name} ({code})"), three),
        })
        .collect()
}

/// One concentration table: a row per group with complaints in any of the three months, the
/// most this month first, with the changes and the group's share of the month's `total`.
fn concentration(
    title: String,
    group: &'static str,
    groups: HashMap<String, Three>,
    total: i64,
    words: Words,
) -> Table {
    let mut rows: Vec<(String, Three)> = groups
        .into_iter()
        .filter(|(_, t)| t.this + t.before + t.year_before > 0)
        .collect();
    rows.sort_by(|(a, ta), (b, tb)| tb.this.cmp(&ta.this).then_with(|| a.cmp(b)));
    Table {
        title,
        headers: [
            group,
            "table-this-month",
            "table-month-before",
            "table-change",
            "table-same-month-last-year",
            "table-change-on-last-year",
            "table-share",
        ]
        .map(|id| words.s(id))
        .to_vec(),
        rows: rows
            .into_iter()
            .map(|(name, t)| {
                vec![
                    Cell::Text(name),
                    Cell::Int(t.this),
                    Cell::Int(t.before),
                    Cell::Int(t.this - t.before),
                    Cell::Int(t.year_before),
                    Cell::Int(t.this - t.year_before),
                    Cell::Rate((total > 0).then(|| t.this as f64 / total as f64)),
                ]
            })
            .collect(),
    }
}
