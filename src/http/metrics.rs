//! Oversight metrics (DESIGN §5) for a scope and a period, with the previous period, the same
//! period a year before and, for a unit, its region's and industry's figures beside it.

use actix_web::{HttpResponse, web};
use chrono::{Datelike, Duration, Months, NaiveDate};
use chrono_tz::Asia::Shanghai;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use super::auth::AuthUser;
use crate::domain::calendar::start_of_day;
use crate::domain::metrics::{Figures, figures};
use crate::domain::region::RegionCode;
use crate::domain::role::Role;
use crate::error::{ApiError, FieldErrors};
use crate::http::disputes::handlers::ExportFormat;
use crate::http::tables::{Cell, Format, Table, download};
use crate::store::metrics::{MetricScope, totals};
use crate::store::reference::find_association;
use crate::store::units::find_unit;
use crate::store::{DbConn, to_db_time};

/// Registers the routes of this module.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/metrics").route(web::get().to(get_metrics)))
        .service(web::resource("/metrics/export").route(web::get().to(export_metrics)));
}

/// What to measure and over which days.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MetricsQuery {
    /// unit, industry, region, association or all; default: the caller's own (unit, association
    /// or region).
    pub scope: Option<String>,
    /// The unit or association id, the industry code or the region code.
    pub id: Option<String>,
    /// day, week (Monday–Sunday), month (default) or custom.
    pub period: Option<String>,
    /// A day inside the period (Asia/Shanghai), default today.
    pub date: Option<NaiveDate>,
    /// First day of a custom period.
    pub from: Option<NaiveDate>,
    /// Last day of a custom period (at most 366 days after `from`).
    pub to: Option<NaiveDate>,
}

/// A period of days, both ends included.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub struct PeriodDto {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// The figures of one scope and period.
#[derive(Debug, Serialize, ToSchema)]
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
    fn of(period: PeriodDto, f: Figures) -> Self {
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
#[derive(Debug, Serialize, ToSchema)]
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

/// The period `query` names, both ends included.
fn period_of(query: &MetricsQuery, today: NaiveDate) -> Result<PeriodDto, ApiError> {
    let date = query.date.unwrap_or(today);
    let mut e = FieldErrors::default();
    let period = match query.period.as_deref().unwrap_or("month") {
        "day" => PeriodDto {
            from: date,
            to: date,
        },
        "week" => {
            let from = date - Duration::days(i64::from(date.weekday().num_days_from_monday()));
            PeriodDto {
                from,
                to: from + Duration::days(6),
            }
        }
        "month" => {
            let from = date.with_day(1).unwrap_or(date);
            let to = from
                .checked_add_months(Months::new(1))
                .map_or(date, |next| next - Duration::days(1));
            PeriodDto { from, to }
        }
        "custom" => match (query.from, query.to) {
            (Some(from), Some(to)) if from <= to && (to - from).num_days() <= 366 => {
                PeriodDto { from, to }
            }
            (Some(_), Some(_)) => {
                e.add(
                    "to",
                    "invalid_range",
                    "on or after `from`, at most 366 days later",
                );
                PeriodDto {
                    from: date,
                    to: date,
                }
            }
            _ => {
                e.add("from", "required", "a custom period needs `from` and `to`");
                PeriodDto {
                    from: date,
                    to: date,
                }
            }
        },
        _ => {
            e.add("period", "invalid_period", "day, week, month or custom");
            PeriodDto {
                from: date,
                to: date,
            }
        }
    };
    e.finish()?;
    Ok(period)
}

/// The figures of `scope` over `period`.
fn measure(
    conn: &mut DbConn,
    scope: &MetricScope,
    period: PeriodDto,
) -> Result<FiguresDto, ApiError> {
    let end_day = period.to + Duration::days(1);
    let (counters, extras) = totals(
        conn,
        scope,
        period.from,
        end_day,
        to_db_time(start_of_day(end_day)),
        to_db_time(start_of_day(period.from)),
    )?;
    Ok(FiguresDto::of(period, figures(&counters, &extras)))
}

/// Shifts a period back by its own length.
fn previous(p: PeriodDto) -> PeriodDto {
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

/// The scope asked for, if the caller may see it. A unit scope also names the unit's region and
/// industry for the comparison.
fn allowed_scope(
    conn: &mut DbConn,
    auth: &AuthUser,
    query: &MetricsQuery,
) -> Result<(MetricScope, Option<(String, String)>), ApiError> {
    let actor = &auth.actor;
    let own_region = || {
        actor
            .region
            .clone()
            .ok_or_else(|| ApiError::forbidden("Your account has no region."))
    };
    let (kind, value): (&str, Option<String>) = match (query.scope.as_deref(), actor.role) {
        (_, Role::Consumer) => {
            return Err(ApiError::forbidden(
                "Metrics are for units, associations and regulators.",
            ));
        }
        (None, Role::MerchantStaff) => {
            let business = actor
                .business_id
                .clone()
                .ok_or_else(|| ApiError::forbidden("No business."))?;
            let unit =
                crate::store::units::find_unit_of_business(conn, &business)?.ok_or_else(|| {
                    ApiError::not_found("unit_not_found", "Your business is no ODR unit.")
                })?;
            ("unit", Some(unit.id))
        }
        (None, Role::AssociationAdmin) => ("association", actor.association_id.clone()),
        (None, Role::Regulator) => ("region", Some(own_region()?.as_str().to_string())),
        (None, Role::Admin) => ("all", None),
        (Some(kind), _) => (kind, query.id.clone()),
    };
    let required = |what: &str| {
        value
            .clone()
            .ok_or_else(|| ApiError::invalid_field("id", "required", format!("name the {what}")))
    };
    let hidden = || {
        ApiError::not_found(
            "scope_not_found",
            "No such unit, region or association in your view.",
        )
    };
    match kind {
        "unit" => {
            let unit_id = required("unit")?;
            let (unit, business) = find_unit(conn, &unit_id)?.ok_or_else(hidden)?;
            let region = RegionCode::parse(&business.region_code).map_err(ApiError::internal)?;
            let visible = match actor.role {
                Role::Admin => true,
                Role::Regulator => own_region()?.contains(&region),
                Role::AssociationAdmin => {
                    actor.association_id.is_some()
                        && business.association_id == actor.association_id
                }
                Role::MerchantStaff => actor.business_id.as_deref() == Some(business.id.as_str()),
                Role::Consumer => false,
            };
            if !visible {
                return Err(hidden());
            }
            Ok((
                MetricScope::Unit(unit.id),
                Some((business.region_code, business.industry_code)),
            ))
        }
        "region" => {
            let code = RegionCode::parse(value.as_deref().unwrap_or_default())
                .map_err(|e| ApiError::invalid_field("id", "invalid_region_code", e.to_string()))?;
            let visible = match actor.role {
                Role::Admin => true,
                Role::Regulator => own_region()?.contains(&code),
                _ => false,
            };
            if !visible {
                return Err(hidden());
            }
            Ok((MetricScope::Region(code.prefix().to_string()), None))
        }
        "industry" => {
            let code = required("industry")?;
            match actor.role {
                Role::Admin => Ok((MetricScope::Industry(code, None), None)),
                Role::Regulator => Ok((
                    MetricScope::Industry(code, Some(own_region()?.prefix().to_string())),
                    None,
                )),
                _ => Err(hidden()),
            }
        }
        "association" => {
            let association_id = required("association")?;
            let association = find_association(conn, &association_id)?.ok_or_else(hidden)?;
            let region = RegionCode::parse(&association.region_code).map_err(ApiError::internal)?;
            let visible = match actor.role {
                Role::Admin => true,
                Role::Regulator => own_region()?.contains(&region),
                Role::AssociationAdmin => {
                    actor.association_id.as_deref() == Some(association.id.as_str())
                }
                _ => false,
            };
            if !visible {
                return Err(hidden());
            }
            Ok((MetricScope::Association(association.id), None))
        }
        "all" if actor.role == Role::Admin => Ok((MetricScope::All, None)),
        "all" => Err(ApiError::forbidden(
            "Only admins see every unit's figures together.",
        )),
        _ => Err(ApiError::invalid_field(
            "scope",
            "invalid_scope",
            "unit, industry, region, association or all",
        )),
    }
}

/// Metrics for a scope and period, with the previous period, the same period a year before
/// and, for a unit, its region's and industry's figures. Merchants see their unit, association
/// admins their members, regulators their region, admins everything.
#[utoipa::path(get, path = "/api/v1/metrics", tag = "metrics", params(MetricsQuery),
    responses((status = 200, body = MetricsResponse), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn get_metrics(
    state: web::Data<AppState>,
    auth: AuthUser,
    query: web::Query<MetricsQuery>,
) -> Result<HttpResponse, ApiError> {
    let response = compute(&state, auth, query.into_inner()).await?;
    Ok(HttpResponse::Ok().json(response))
}

/// How one metric's cell is taken from the figures.
type MetricCell = fn(&FiguresDto) -> Cell;

/// The figures as a table: one row per metric, a column per period and comparison.
pub fn metrics_table(title: &str, m: &MetricsResponse) -> Table {
    let mut columns: Vec<(&str, &FiguresDto)> = vec![
        ("本期 Current", &m.current),
        ("上期 Previous", &m.previous),
        ("去年同期 Year before", &m.year_ago),
    ];
    if let Some(region) = &m.region {
        columns.push(("所在地区 Region", region));
    }
    if let Some(industry) = &m.industry {
        columns.push(("所属行业 Industry", industry));
    }
    let rows: Vec<(&str, MetricCell)> = vec![
        ("期间 Period", |f| {
            Cell::Text(format!("{}–{}", f.period.from, f.period.to))
        }),
        ("受理 Filed", |f| Cell::Int(f.filed)),
        ("办结 Concluded", |f| Cell::Int(f.concluded)),
        ("和解 Settled", |f| Cell::Int(f.settled)),
        ("转 12315 Escalated", |f| Cell::Int(f.escalated)),
        ("撤回 Withdrawn", |f| Cell::Int(f.withdrawn)),
        ("期末超期未结 Open and overdue at the end", |f| {
            Cell::Int(f.open_overdue_at_end)
        }),
        ("按时办结率 On-time rate", |f| {
            Cell::Rate(f.on_time_rate)
        }),
        ("和解成功率 Settlement rate", |f| {
            Cell::Rate(f.settlement_rate)
        }),
        ("首次响应及时率 First-contact rate", |f| {
            Cell::Rate(f.first_contact_rate)
        }),
        ("满意度 Satisfaction (1–5)", |f| {
            Cell::Number(f.satisfaction_mean)
        }),
        ("满意(4–5)占比 Rated 4–5", |f| {
            Cell::Rate(f.satisfaction_high_share)
        }),
        ("平均办理工作日 Average cycle (working days)", |f| {
            Cell::Number(f.average_cycle_working_days)
        }),
        ("挽回经济损失(元) Loss recovered (yuan)", |f| {
            Cell::Yuan(f.loss_recovered_fen)
        }),
        ("诉转案 Complaint to case", |f| {
            Cell::Int(f.complaint_to_case)
        }),
        ("活跃度 Activity", |f| Cell::Rate(f.activity_rate)),
        ("新增单位 Units activated", |f| {
            Cell::Int(f.units_activated)
        }),
        ("暂停单位 Units suspended", |f| {
            Cell::Int(f.units_suspended)
        }),
        ("移出单位 Units removed", |f| Cell::Int(f.units_removed)),
    ];
    Table {
        title: title.into(),
        headers: std::iter::once("指标 Metric".to_string())
            .chain(columns.iter().map(|(name, _)| name.to_string()))
            .collect(),
        rows: rows
            .into_iter()
            .map(|(name, cell)| {
                std::iter::once(Cell::Text(name.into()))
                    .chain(columns.iter().map(|(_, f)| cell(f)))
                    .collect()
            })
            .collect(),
    }
}

/// The same metrics as a CSV or XLSX table.
#[utoipa::path(get, path = "/api/v1/metrics/export", tag = "metrics", params(MetricsQuery, ExportFormat),
    responses((status = 200, description = "text/csv or an XLSX workbook"), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn export_metrics(
    state: web::Data<AppState>,
    auth: AuthUser,
    query: web::Query<MetricsQuery>,
    format: web::Query<ExportFormat>,
) -> Result<HttpResponse, ApiError> {
    let format = Format::parse(format.format.as_deref())?;
    let response = compute(&state, auth, query.into_inner()).await?;
    download(
        &[metrics_table("指标 Metrics", &response)],
        format,
        "metrics",
    )
}

/// The metrics answer for `query` as `auth` may see it.
pub async fn compute(
    state: &AppState,
    auth: AuthUser,
    query: MetricsQuery,
) -> Result<MetricsResponse, ApiError> {
    let today = state.clock.now().with_timezone(&Shanghai).date_naive();
    let period = period_of(&query, today)?;
    state
        .db
        .run(move |conn| {
            let (scope, unit_context) = allowed_scope(conn, &auth, &query)?;
            let (kind, id) = match &scope {
                MetricScope::Unit(id) => ("unit", Some(id.clone())),
                MetricScope::Industry(code, _) => ("industry", Some(code.clone())),
                MetricScope::Region(prefix) => ("region", Some(prefix.clone())),
                MetricScope::Association(id) => ("association", Some(id.clone())),
                MetricScope::All => ("all", None),
            };
            let (region, industry) = match unit_context {
                Some((region, industry)) => {
                    let prefix = RegionCode::parse(&region)
                        .map_err(ApiError::internal)?
                        .prefix()
                        .to_string();
                    (
                        Some(measure(conn, &MetricScope::Region(prefix), period)?),
                        Some(measure(
                            conn,
                            &MetricScope::Industry(industry, None),
                            period,
                        )?),
                    )
                }
                None => (None, None),
            };
            Ok::<_, ApiError>(MetricsResponse {
                scope: kind.into(),
                id,
                current: measure(conn, &scope, period)?,
                previous: measure(conn, &scope, previous(period))?,
                year_ago: measure(conn, &scope, year_before(period))?,
                region,
                industry,
            })
        })
        .await
}
