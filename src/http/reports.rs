//! Region reports for regulators (DESIGN §5): the daily look (new, due today, overdue, open
//! alerts), the weekly check and the monthly close (月结) with the figures and a table per
//! unit, as CSV or XLSX. Consumers appear by case number only.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Asia::Shanghai;
use diesel::prelude::*;
use serde::Deserialize;
use utoipa::IntoParams;

use super::AppState;
use super::auth::AuthUser;
use super::metrics::{MetricsQuery, compute, metrics_table};
use super::tables::{Cell, Format, Table, download};
use crate::domain::calendar::start_of_day;
use crate::domain::dispute::Status;
use crate::domain::metrics::{Extras, figures};
use crate::domain::region::RegionCode;
use crate::domain::role::Role;
use crate::error::ApiError;
use crate::store::schema::{alerts, businesses, disputes, odr_units};
use crate::store::{DbConn, from_db_time, to_db_time};

/// Registers the routes of this module.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/reports/{kind}").route(web::get().to(report)));
}

/// Which region and day.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// A region inside the caller's (default: the caller's own).
    pub region: Option<String>,
    /// A day of the period (Asia/Shanghai), default today.
    pub date: Option<NaiveDate>,
    /// `csv` (UTF-8 with BOM, default) or `xlsx`.
    pub format: Option<String>,
}

fn local(t: DateTime<Utc>) -> String {
    t.with_timezone(&Shanghai)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

type Row = (
    String,
    String,
    String,
    chrono::NaiveDateTime,
    chrono::NaiveDateTime,
    chrono::NaiveDateTime,
);

/// Open disputes of the region with their unit names.
fn awaiting(conn: &mut DbConn, prefix: &str) -> Result<Vec<Row>, ApiError> {
    Ok(disputes::table
        .inner_join(businesses::table)
        .filter(disputes::region_code.like(format!("{prefix}%")))
        .filter(disputes::status.eq_any(Status::awaiting_settlement_names()))
        .order(disputes::settlement_due_at)
        .select((
            disputes::case_number,
            businesses::name,
            disputes::status,
            disputes::filed_at,
            disputes::first_contact_due_at,
            disputes::settlement_due_at,
        ))
        .load(conn)?)
}

fn daily(
    conn: &mut DbConn,
    prefix: &str,
    day: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Vec<Table>, ApiError> {
    let (from, to) = (start_of_day(day), start_of_day(day + Duration::days(1)));
    let as_of = now.min(to);
    let filed: i64 = disputes::table
        .filter(disputes::region_code.like(format!("{prefix}%")))
        .filter(disputes::filed_at.ge(to_db_time(from)))
        .filter(disputes::filed_at.lt(to_db_time(to)))
        .count()
        .get_result(conn)?;
    let open = awaiting(conn, prefix)?;
    let within = |t: chrono::NaiveDateTime| {
        let t = from_db_time(t);
        t >= from && t < to
    };
    let due_today: Vec<&Row> = open
        .iter()
        .filter(|r| (r.2 == "filed" && within(r.4)) || within(r.5))
        .collect();
    let overdue: Vec<&Row> = open.iter().filter(|r| from_db_time(r.5) < as_of).collect();
    let open_alerts: i64 = alerts::table
        .filter(alerts::region_code.like(format!("{prefix}%")))
        .filter(alerts::status.ne("closed"))
        .count()
        .get_result(conn)?;
    let list = |title: &str, rows: &[&Row]| Table {
        title: title.into(),
        headers: [
            "案件编号 Case",
            "经营者 Business",
            "状态 Status",
            "受理 Filed",
            "首次响应期限 First contact due",
            "办结期限 Settlement due",
        ]
        .map(String::from)
        .to_vec(),
        rows: rows
            .iter()
            .map(|r| {
                vec![
                    Cell::Text(r.0.clone()),
                    Cell::Text(r.1.clone()),
                    Cell::Text(r.2.clone()),
                    Cell::Text(local(from_db_time(r.3))),
                    Cell::Text(local(from_db_time(r.4))),
                    Cell::Text(local(from_db_time(r.5))),
                ]
            })
            .collect(),
    };
    Ok(vec![
        Table {
            title: format!("当日概况 Daily look {day}"),
            headers: vec!["项目 Item".into(), "数量 Count".into()],
            rows: vec![
                vec![Cell::Text("新受理 New".into()), Cell::Int(filed)],
                vec![
                    Cell::Text("今日到期 Due today".into()),
                    Cell::Int(due_today.len() as i64),
                ],
                vec![
                    Cell::Text("超期未结 Overdue".into()),
                    Cell::Int(overdue.len() as i64),
                ],
                vec![
                    Cell::Text("未关闭预警 Open alerts".into()),
                    Cell::Int(open_alerts),
                ],
            ],
        },
        list("今日到期 Due today", &due_today),
        list("超期未结 Overdue", &overdue),
    ])
}

/// One row per unit of the region over `from..=to`.
fn per_unit(
    conn: &mut DbConn,
    prefix: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Table, ApiError> {
    let units: Vec<(String, String, String)> = odr_units::table
        .inner_join(businesses::table)
        .filter(businesses::region_code.like(format!("{prefix}%")))
        .filter(odr_units::status.eq_any(["active", "suspended", "removed"]))
        .order(businesses::name)
        .select((odr_units::id, businesses::name, odr_units::status))
        .load(conn)?;
    let ids: Vec<String> = units.iter().map(|u| u.0.clone()).collect();
    let sums = crate::store::metrics::sums_for_units(conn, &ids, from, to + Duration::days(1))?;
    Ok(Table {
        title: "各单位 Units".into(),
        headers: [
            "经营者 Business",
            "状态 Status",
            "受理 Filed",
            "办结 Concluded",
            "按时办结率 On-time",
            "和解成功率 Settlement",
            "满意度 Satisfaction",
        ]
        .map(String::from)
        .to_vec(),
        rows: units
            .into_iter()
            .map(|(id, name, status)| {
                let c = sums.get(&id).copied().unwrap_or_default();
                let f = figures(&c, &Extras::default());
                vec![
                    Cell::Text(name),
                    Cell::Text(status),
                    Cell::Int(c.filed),
                    Cell::Int(c.concluded),
                    Cell::Rate(f.on_time_rate),
                    Cell::Rate(f.settlement_rate),
                    Cell::Number(f.satisfaction_mean),
                ]
            })
            .collect(),
    })
}

/// A region report: `daily`, `weekly` or `monthly` (regulators of the region, admins).
#[utoipa::path(get, path = "/api/v1/reports/{kind}", tag = "metrics",
    params(("kind" = String, Path, description = "daily, weekly or monthly"), ReportQuery),
    responses((status = 200, description = "text/csv or an XLSX workbook"), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn report(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<String>,
    query: web::Query<ReportQuery>,
) -> Result<HttpResponse, ApiError> {
    let kind = path.into_inner();
    let format = Format::parse(query.format.as_deref())?;
    let own = match (auth.role(), auth.actor.region.clone()) {
        (Role::Regulator, Some(region)) => Some(region),
        (Role::Admin, _) => None,
        _ => return Err(ApiError::forbidden("Reports are for regulators.")),
    };
    let region = match (query.region.as_deref(), &own) {
        (Some(code), _) => RegionCode::parse(code)
            .map_err(|e| ApiError::invalid_field("region", "invalid_region_code", e.to_string()))?,
        (None, Some(own)) => own.clone(),
        (None, None) => {
            return Err(ApiError::invalid_field(
                "region",
                "required",
                "name the region",
            ));
        }
    };
    if own.as_ref().is_some_and(|own| !own.contains(&region)) {
        return Err(ApiError::not_found(
            "scope_not_found",
            "No such region in your view.",
        ));
    }
    let now = state.clock.now();
    let day = query
        .date
        .unwrap_or_else(|| now.with_timezone(&Shanghai).date_naive());
    let prefix = region.prefix().to_string();
    let tables = match kind.as_str() {
        "daily" => {
            state
                .db
                .run(move |conn| daily(conn, &prefix, day, now))
                .await?
        }
        "weekly" | "monthly" => {
            let period = if kind == "weekly" { "week" } else { "month" };
            let metrics = compute(
                &state,
                auth,
                MetricsQuery {
                    scope: Some("region".into()),
                    id: Some(region.as_str().to_string()),
                    period: Some(period.into()),
                    date: Some(day),
                    from: None,
                    to: None,
                },
            )
            .await?;
            let (from, to) = (metrics.current.period.from, metrics.current.period.to);
            let title = if kind == "weekly" {
                format!("周查 Weekly check {from}–{to}")
            } else {
                format!("月结 Monthly close {from}–{to}")
            };
            let units = state
                .db
                .run(move |conn| per_unit(conn, &prefix, from, to))
                .await?;
            vec![metrics_table(&title, &metrics), units]
        }
        _ => {
            return Err(ApiError::not_found(
                "report_not_found",
                "Reports are daily, weekly or monthly.",
            ));
        }
    };
    download(
        &tables,
        format,
        &format!("{kind}-{}-{day}", region.as_str()),
    )
}
