//! Oversight metrics (docs/metrics.md) for a scope and a period, with the previous period, the same
//! period a year before and, for a unit, its region's and industry's figures beside it.

use actix_web::{HttpResponse, web};
use chrono::{Datelike, NaiveDate};
use chrono_tz::Asia::Shanghai;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use super::auth::AuthUser;
use crate::domain::region::RegionCode;
use crate::domain::role::Role;
use crate::error::{ApiError, ErrorCode, FieldErrors};
use crate::http::tables::ExportFormat;
use crate::http::tables::download;
pub use crate::i18n::Words;
use crate::oversight::{
    FiguresDto, MetricsResponse, PeriodDto, PeriodKind, check_day, compare, measure, metrics_table,
    period_around,
};
use crate::store::DbConn;
use crate::store::metrics::MetricScope;
use crate::store::reference::find_association;
use crate::store::units::find_unit;

/// Registers the routes of this module.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/metrics").route(web::get().to(get_metrics)))
        .service(web::resource("/metrics/export").route(web::get().to(export_metrics)))
        .service(web::resource("/metrics/trend").route(web::get().to(get_trend)));
}

/// What to measure and over which days.
#[derive(Debug, Default, Deserialize, IntoParams)]
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

/// The period `query` names, both ends included.
fn period_of(query: &MetricsQuery, today: NaiveDate) -> Result<PeriodDto, ApiError> {
    let mut days = FieldErrors::default();
    check_day(&mut days, "date", query.date);
    check_day(&mut days, "from", query.from);
    check_day(&mut days, "to", query.to);
    days.finish()?;
    let date = query.date.unwrap_or(today);
    let mut e = FieldErrors::default();
    let period = match query.period.as_deref().unwrap_or("month") {
        "day" => period_around(PeriodKind::Day, date),
        "week" => period_around(PeriodKind::Week, date),
        "month" => period_around(PeriodKind::Month, date),
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
        (_, Role::Consumer | Role::Mediator) => {
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
                    ApiError::new(ErrorCode::UnitNotFound, "Your business is no ODR unit.")
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
        ApiError::new(
            ErrorCode::ScopeNotFound,
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
                Role::Consumer | Role::Mediator => false,
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
    Ok(HttpResponse::Ok().json(get_metrics_for(&state, &auth, query.into_inner()).await?))
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
    let (format, lang) = format.parse(&auth)?;
    let response = get_metrics_for(&state, &auth, query.into_inner()).await?;
    let words = Words(lang);
    download(
        &[metrics_table(&words.s("table-metrics"), &response, words)],
        format,
        "metrics",
    )
}

/// The metrics answer for `query` as `auth` may see it.
pub async fn get_metrics_for(
    state: &AppState,
    auth: &AuthUser,
    query: MetricsQuery,
) -> Result<MetricsResponse, ApiError> {
    let auth = auth.clone();
    let now = state.clock.now();
    let today = now.with_timezone(&Shanghai).date_naive();
    let period = period_of(&query, today)?;
    let reader = auth.user.id.clone();
    state
        .db
        .read(Some(&reader), move |conn| {
            let (scope, unit_context) = allowed_scope(conn, &auth, &query)?;
            Ok::<_, ApiError>(compare(conn, &scope, unit_context, period, now)?)
        })
        .await
}

/// Which scope's trend, over how many months.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TrendQuery {
    /// As for `/metrics`: unit, industry, region, association or all; default the caller's own.
    pub scope: Option<String>,
    /// The unit or association id, the industry code or the region code.
    pub id: Option<String>,
    /// How many calendar months, 1–24 (default 12), ending with the month of `date`.
    #[param(minimum = 1, maximum = 24)]
    pub months: Option<u32>,
    /// A day in the last month (Asia/Shanghai), default today.
    pub date: Option<NaiveDate>,
}

/// A scope's figures month by month.
#[derive(Debug, Serialize, serde::Deserialize, ToSchema)]
pub struct TrendResponse {
    pub scope: String,
    pub id: Option<String>,
    /// Oldest first; the last month may still be running.
    pub months: Vec<FiguresDto>,
}

/// The months ending with the month of `last`, oldest first.
fn months_until(last: NaiveDate, count: u32) -> Vec<PeriodDto> {
    let mut months: Vec<PeriodDto> = (0..count)
        .filter_map(|back| {
            last.with_day(1)
                .and_then(|first| first.checked_sub_months(chrono::Months::new(back)))
                .map(|day| period_around(PeriodKind::Month, day))
        })
        .collect();
    months.reverse();
    months
}

/// A scope's figures for each of the last months (charts of on-time rate, settlement rate and
/// satisfaction). The same scopes as `/metrics`, each month read once.
#[utoipa::path(get, path = "/api/v1/metrics/trend", tag = "metrics", params(TrendQuery),
    responses((status = 200, body = TrendResponse), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn get_trend(
    state: web::Data<AppState>,
    auth: AuthUser,
    query: web::Query<TrendQuery>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(get_trend_for(&state, &auth, query.into_inner()).await?))
}

/// The figures of `query`'s scope month by month, as `auth` may see them.
pub async fn get_trend_for(
    state: &AppState,
    auth: &AuthUser,
    query: TrendQuery,
) -> Result<TrendResponse, ApiError> {
    let count = query.months.unwrap_or(12);
    let mut errors = FieldErrors::default();
    if !(1..=24).contains(&count) {
        errors.add("months", "out_of_range", "from 1 to 24 months");
    }
    check_day(&mut errors, "date", query.date);
    errors.finish()?;
    let now = state.clock.now();
    let today = now.with_timezone(&Shanghai).date_naive();
    let periods = months_until(query.date.unwrap_or(today), count);
    let asked = MetricsQuery {
        scope: query.scope,
        id: query.id,
        ..MetricsQuery::default()
    };
    let auth = auth.clone();
    let reader = auth.user.id.clone();
    state
        .db
        .read(Some(&reader), move |conn| {
            let (scope, _) = allowed_scope(conn, &auth, &asked)?;
            let months = periods
                .iter()
                .map(|period| measure(conn, &scope, *period, now))
                .collect::<Result<Vec<_>, _>>()?;
            let (kind, id) = scope.describe();
            Ok::<_, ApiError>(TrendResponse {
                scope: kind.into(),
                id,
                months,
            })
        })
        .await
}
