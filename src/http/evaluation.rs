//! Unit evaluation (docs/metrics.md#evaluation): units below the configured thresholds listed for the
//! regulators of their region with their figures, and warnings given with a reason.

use std::collections::HashMap;

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Asia::Shanghai;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use super::auth::AuthUser;
use crate::domain::region::RegionCode;
use crate::domain::role::Role;
use crate::domain::text::BoundedText;
use crate::error::ApiError;
use crate::store::schema::{businesses, disputes, odr_units, unit_warnings};
use crate::store::{DbConn, StoreError, from_db_time, new_id, to_db_time};

/// Registers the routes of this module.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/evaluation").route(web::get().to(list)))
        .service(web::resource("/units/{id}/warnings").route(web::post().to(warn)));
}

/// Whether to list every unit or only those below a threshold.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EvaluationQuery {
    /// `true` lists every active or suspended unit of the region.
    pub all: Option<bool>,
}

/// A unit with its figures over the evaluation window.
#[derive(Debug, Serialize, serde::Deserialize, ToSchema)]
pub struct EvaluatedUnit {
    pub unit_id: String,
    pub business_name: String,
    pub region_code: String,
    pub industry_code: String,
    pub status: String,
    pub filed: i64,
    pub concluded: i64,
    pub on_time_rate: Option<f64>,
    pub settlement_rate: Option<f64>,
    /// Disputes waiting past their first-contact due moment now.
    pub unanswered: i64,
    /// Which thresholds the unit is below: on_time_rate, settlement_rate, unanswered.
    pub below: Vec<String>,
    pub last_warning_at: Option<DateTime<Utc>>,
}

/// The evaluation of a region's units.
#[derive(Debug, Serialize, serde::Deserialize, ToSchema)]
pub struct EvaluationResponse {
    pub window_from: chrono::NaiveDate,
    pub window_to: chrono::NaiveDate,
    pub min_on_time_rate: f64,
    pub min_settlement_rate: f64,
    pub max_unanswered: i64,
    pub units: Vec<EvaluatedUnit>,
}

type UnitRow = (String, String, String, String, String);

/// Units of the caller's region below the thresholds (all with `all=true`), worst first.
#[utoipa::path(get, path = "/api/v1/evaluation", tag = "units", params(EvaluationQuery),
    responses((status = 200, body = EvaluationResponse), (status = 403, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn list(
    state: web::Data<AppState>,
    auth: AuthUser,
    query: web::Query<EvaluationQuery>,
) -> Result<HttpResponse, ApiError> {
    let prefix = match auth.role() {
        Role::Admin => String::new(),
        Role::Regulator => auth
            .actor
            .region
            .as_ref()
            .map(|r| r.prefix().to_string())
            .ok_or_else(|| ApiError::forbidden("Your account has no region."))?,
        _ => return Err(ApiError::forbidden("Evaluation is for regulators.")),
    };
    let rules = state.settings.evaluation.clone();
    let now = state.clock.now();
    let today = now.with_timezone(&Shanghai).date_naive();
    let from = today - Duration::days(rules.window_days - 1);
    let everything = query.all.unwrap_or(false);
    let units = state
        .db
        .run(move |conn| {
            let rows: Vec<UnitRow> = odr_units::table
                .inner_join(businesses::table)
                .filter(crate::in_region!(businesses::region_code, prefix))
                .filter(odr_units::status.eq_any(["active", "suspended"]))
                .select((
                    odr_units::id,
                    businesses::name,
                    businesses::region_code,
                    businesses::industry_code,
                    odr_units::status,
                ))
                .load(conn)?;
            let ids: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
            let measured = crate::oversight::unit_figures(conn, &ids, from, today, now)?;
            let mut unanswered: HashMap<String, i64> = HashMap::new();
            for unit in disputes::table
                .filter(disputes::unit_id.eq_any(&ids))
                .filter(disputes::status.eq("filed"))
                .filter(disputes::first_contact_due_at.lt(to_db_time(now)))
                .select(disputes::unit_id)
                .load::<String>(conn)?
            {
                *unanswered.entry(unit).or_default() += 1;
            }
            let mut last_warning: HashMap<String, chrono::NaiveDateTime> = HashMap::new();
            for (unit, at) in unit_warnings::table
                .filter(unit_warnings::unit_id.eq_any(&ids))
                .select((unit_warnings::unit_id, unit_warnings::created_at))
                .load::<(String, chrono::NaiveDateTime)>(conn)?
            {
                let latest = last_warning.entry(unit).or_insert(at);
                *latest = (*latest).max(at);
            }
            let mut out = Vec::new();
            for (unit_id, name, region, industry, status) in rows {
                let (counters, f) = measured.get(&unit_id).cloned().unwrap_or_default();
                let waiting = unanswered.get(&unit_id).copied().unwrap_or(0);
                let mut below = Vec::new();
                if f.on_time_rate.is_some_and(|r| r < rules.min_on_time_rate) {
                    below.push("on_time_rate".to_string());
                }
                if f.settlement_rate
                    .is_some_and(|r| r < rules.min_settlement_rate)
                {
                    below.push("settlement_rate".to_string());
                }
                if waiting > rules.max_unanswered {
                    below.push("unanswered".to_string());
                }
                if below.is_empty() && !everything {
                    continue;
                }
                out.push(EvaluatedUnit {
                    last_warning_at: last_warning.get(&unit_id).copied().map(from_db_time),
                    unit_id,
                    business_name: name,
                    region_code: region,
                    industry_code: industry,
                    status,
                    filed: counters.filed,
                    concluded: counters.concluded,
                    on_time_rate: f.on_time_rate,
                    settlement_rate: f.settlement_rate,
                    unanswered: waiting,
                    below,
                });
            }
            out.sort_by(|a, b| {
                b.below.len().cmp(&a.below.len()).then(
                    a.on_time_rate
                        .unwrap_or(1.0)
                        .total_cmp(&b.on_time_rate.unwrap_or(1.0)),
                )
            });
            Ok::<_, ApiError>(out)
        })
        .await?;
    Ok(HttpResponse::Ok().json(EvaluationResponse {
        window_from: from,
        window_to: today,
        min_on_time_rate: state.settings.evaluation.min_on_time_rate,
        min_settlement_rate: state.settings.evaluation.min_settlement_rate,
        max_unanswered: state.settings.evaluation.max_unanswered,
        units,
    }))
}

/// A warning.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WarningRequest {
    /// 2–500 characters; the unit's staff read it.
    pub reason: String,
}

/// Warns an active or suspended unit with a reason (regulators of its region); its staff are
/// told and the directory shows the warning as its standing.
#[utoipa::path(post, path = "/api/v1/units/{id}/warnings", tag = "units", params(("id" = String, Path)),
    request_body = WarningRequest,
    responses((status = 201, description = "warned"), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn warn(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<String>,
    body: web::Json<WarningRequest>,
) -> Result<HttpResponse, ApiError> {
    let region = match (auth.role(), auth.actor.region.clone()) {
        (Role::Regulator, Some(region)) => region,
        _ => {
            return Err(ApiError::forbidden(
                "Only a regulator of the unit's region warns it.",
            ));
        }
    };
    let reason = BoundedText::parse(&body.reason, 2, 500)
        .map_err(|e| ApiError::invalid_field("reason", "invalid_length", e.to_string()))?
        .into_string();
    let id = path.into_inner();
    let now = state.clock.now();
    let ctx = state.case_context();
    state
        .db
        .run(move |conn| {
            let missing = || ApiError::not_found("unit_not_found", "No such unit in your region.");
            let (unit, business) =
                crate::store::units::find_unit(conn, &id)?.ok_or_else(missing)?;
            if !RegionCode::parse(&business.region_code).is_ok_and(|r| region.contains(&r)) {
                return Err(missing());
            }
            if !["active", "suspended"].contains(&unit.status.as_str()) {
                return Err(ApiError::conflict(
                    "unit_transition_not_allowed",
                    format!("A unit that is {} cannot be warned.", unit.status),
                ));
            }
            crate::store::write_transaction(conn, |conn| {
                diesel::insert_into(unit_warnings::table)
                    .values((
                        unit_warnings::id.eq(new_id()),
                        unit_warnings::unit_id.eq(&unit.id),
                        unit_warnings::reason.eq(&reason),
                        unit_warnings::actor_id.eq(auth.id()),
                        unit_warnings::created_at.eq(to_db_time(now)),
                    ))
                    .execute(conn)?;
                crate::http::audit::record(
                    conn,
                    &auth,
                    "unit.warned",
                    "unit",
                    &unit.id,
                    Some(&business.region_code),
                    &serde_json::json!({"reason": reason}),
                    now,
                )?;
                crate::disputes::notices::tell_staff(
                    conn,
                    &ctx,
                    &business.id,
                    ("监管部门对本单位作出警示", &format!("原因：{reason}")),
                    (
                        "The regulator has warned your unit",
                        &format!("Reason: {reason}"),
                    ),
                    now,
                )?;
                Ok::<_, ApiError>(())
            })
        })
        .await?;
    Ok(HttpResponse::Created().finish())
}

/// Units of `ids` warned since `since`.
pub fn warned_since(
    conn: &mut DbConn,
    ids: &[String],
    since: DateTime<Utc>,
) -> Result<Vec<String>, StoreError> {
    Ok(unit_warnings::table
        .filter(unit_warnings::unit_id.eq_any(ids))
        .filter(unit_warnings::created_at.ge(to_db_time(since)))
        .select(unit_warnings::unit_id)
        .distinct()
        .load(conn)?)
}
