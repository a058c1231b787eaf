//! Alerts for the regulators of a region: listed, acknowledged and closed with a note.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use super::auth::AuthUser;
use crate::disputes::alerts::{
    AlertLabels, AlertStep, alert_labels, escalate_mass_complaint, move_alert_by,
};
use crate::domain::alert::{AlertKind, AlertStatus};
use crate::domain::region::RegionCode;
use crate::domain::role::Role;
use crate::error::ApiError;
use crate::http::json::Json;
use crate::store::alerts::{Alert, list_alerts};
use crate::store::from_db_time;

/// Registers the routes of this module.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/alerts").route(web::get().to(list)))
        .service(web::resource("/alerts/{id}/acknowledge").route(web::post().to(acknowledge)))
        .service(web::resource("/alerts/{id}/close").route(web::post().to(close)))
        .service(web::resource("/alerts/{id}/escalate").route(web::post().to(escalate)));
}

/// An alert with the disputes it names.
#[derive(Debug, Serialize, serde::Deserialize, ToSchema)]
pub struct AlertDto {
    pub id: String,
    pub kind: AlertKind,
    pub unit_id: String,
    /// The unit's business name.
    pub unit_name: String,
    pub region_code: String,
    /// What happened, in Chinese.
    pub summary: String,
    /// The same in English (absent on alerts older than it).
    pub summary_en: Option<String>,
    pub dispute_ids: Vec<String>,
    /// The disputes it names, with their case numbers, oldest first.
    pub disputes: Vec<AlertDispute>,
    pub status: AlertStatus,
    pub created_at: DateTime<Utc>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub note: Option<String>,
}

/// A dispute an alert names.
#[derive(Debug, Clone, Serialize, serde::Deserialize, ToSchema)]
pub struct AlertDispute {
    pub id: String,
    pub case_number: String,
}

impl AlertDto {
    /// The alert with its unit's name and its disputes' case numbers from `labels`.
    fn of(a: Alert, labels: &AlertLabels) -> Result<Self, ApiError> {
        let dispute_ids: Vec<String> = serde_json::from_str(&a.dispute_ids).unwrap_or_default();
        Ok(Self {
            disputes: dispute_ids
                .iter()
                .map(|id| AlertDispute {
                    id: id.clone(),
                    case_number: labels.cases.get(id).cloned().unwrap_or_default(),
                })
                .collect(),
            dispute_ids,
            unit_name: labels.units.get(&a.unit_id).cloned().unwrap_or_default(),
            id: a.id,
            kind: a.kind.parse()?,
            unit_id: a.unit_id,
            region_code: a.region_code,
            summary: a.summary,
            summary_en: a.summary_en,
            status: a.status.parse()?,
            created_at: from_db_time(a.created_at),
            acknowledged_at: a.acknowledged_at.map(from_db_time),
            closed_at: a.closed_at.map(from_db_time),
            note: a.note,
        })
    }
}

/// The region prefix whose alerts the caller handles (`None`: admins, all).
fn handled_region(auth: &AuthUser) -> Result<Option<RegionCode>, ApiError> {
    match auth.role() {
        Role::Admin => Ok(None),
        Role::Regulator => auth
            .actor
            .region
            .clone()
            .map(Some)
            .ok_or_else(|| ApiError::forbidden("Your account has no region.")),
        _ => Err(ApiError::forbidden("Alerts are for regulators.")),
    }
}

/// Filter of the list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AlertQuery {
    /// Only alerts in these statuses, comma-separated (`open`, `acknowledged`, `closed`).
    pub status: Option<String>,
}

/// The alerts of the caller's region, newest first (at most 500).
#[utoipa::path(get, path = "/api/v1/alerts", tag = "alerts", params(AlertQuery),
    responses((status = 200, body = Vec<AlertDto>), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn list(
    state: web::Data<AppState>,
    auth: AuthUser,
    query: web::Query<AlertQuery>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(list_for(&state, &auth, query.into_inner()).await?))
}

/// The alerts `auth` handles with `query`'s filter.
pub async fn list_for(
    state: &AppState,
    auth: &AuthUser,
    query: AlertQuery,
) -> Result<Vec<AlertDto>, ApiError> {
    let region = handled_region(auth)?;
    let mut errors = crate::error::FieldErrors::default();
    let statuses = super::filters::several(
        &mut errors,
        "status",
        "invalid_status",
        "open, acknowledged or closed",
        query.status.as_deref(),
        AlertStatus::parse,
    );
    errors.finish()?;
    let prefix = region.map(|r| r.prefix().to_string());
    state
        .db
        .read(Some(&auth.user.id), move |conn| {
            let statuses: Vec<&str> = statuses.iter().map(|s| s.as_str()).collect();
            let rows = list_alerts(conn, prefix.as_deref(), &statuses, 500)?;
            let labels = alert_labels(conn, &rows)?;
            rows.into_iter()
                .map(|a| AlertDto::of(a, &labels))
                .collect::<Result<Vec<_>, _>>()
        })
        .await
}

/// A note on an alert.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AlertNote {
    /// Optional when acknowledging; 2–1000 characters when closing.
    pub note: Option<String>,
}

/// Where a regulator moves an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertMove {
    Acknowledge,
    Close,
}

/// Moves alert `id` as `auth` (regulators of its region), with an optional note (required
/// when closing).
pub async fn move_for(
    state: &AppState,
    auth: &AuthUser,
    id: String,
    to: AlertMove,
    note: Option<String>,
) -> Result<AlertDto, ApiError> {
    let to = match to {
        AlertMove::Acknowledge => AlertStatus::Acknowledged,
        AlertMove::Close => AlertStatus::Closed,
    };
    let region = handled_region(auth)?;
    let note = note.map(|n| n.trim().to_string()).filter(|n| !n.is_empty());
    if note.as_ref().is_some_and(|n| n.chars().count() > 1000)
        || (to == AlertStatus::Closed && note.as_ref().is_none_or(|n| n.chars().count() < 2))
    {
        return Err(ApiError::invalid_field(
            "note",
            "invalid_length",
            "say what was done, in 2–1000 characters",
        ));
    }
    let now = state.clock.now();
    let actor = auth.actor.clone();
    let (alert, labels) = state
        .db
        .run(move |conn| {
            let step = AlertStep {
                to,
                note: note.as_deref(),
            };
            move_alert_by(conn, &actor, region.as_ref(), &id, &step, now)
        })
        .await?;
    AlertDto::of(alert, &labels)
}

/// Acknowledges an open alert (regulators of its region).
#[utoipa::path(post, path = "/api/v1/alerts/{id}/acknowledge", tag = "alerts", params(("id" = String, Path)),
    request_body = AlertNote,
    responses((status = 200, body = AlertDto), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn acknowledge(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<String>,
    body: Json<AlertNote>,
) -> Result<HttpResponse, ApiError> {
    let alert = move_for(
        &state,
        &auth,
        path.into_inner(),
        AlertMove::Acknowledge,
        body.into_inner().note,
    )
    .await?;
    Ok(HttpResponse::Ok().json(alert))
}

/// Closes an alert with a note saying what was done (regulators of its region).
#[utoipa::path(post, path = "/api/v1/alerts/{id}/close", tag = "alerts", params(("id" = String, Path)),
    request_body = AlertNote,
    responses((status = 200, body = AlertDto), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn close(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<String>,
    body: Json<AlertNote>,
) -> Result<HttpResponse, ApiError> {
    let alert = move_for(
        &state,
        &auth,
        path.into_inner(),
        AlertMove::Close,
        body.into_inner().note,
    )
    .await?;
    Ok(HttpResponse::Ok().json(alert))
}

/// What a joint escalation did.
#[derive(Debug, Serialize, ToSchema)]
pub struct JointEscalation {
    /// Disputes handed to 12315 now.
    pub escalated: Vec<String>,
    /// Disputes of the alert whose handling had ended already (agreed, withdrawn, concluded).
    pub skipped: Vec<String>,
}

/// Escalates every open dispute of a mass-complaint alert together to 12315 (regulators of
/// its region); the alert is acknowledged with the reason.
#[utoipa::path(post, path = "/api/v1/alerts/{id}/escalate", tag = "alerts", params(("id" = String, Path)),
    request_body = AlertNote,
    responses((status = 200, body = JointEscalation), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn escalate(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<String>,
    body: Json<AlertNote>,
) -> Result<HttpResponse, ApiError> {
    if auth.role() != Role::Regulator {
        return Err(ApiError::forbidden(
            "A regulator of the region escalates a mass complaint.",
        ));
    }
    let region = handled_region(&auth)?;
    let reason = body
        .into_inner()
        .note
        .map(|n| n.trim().to_string())
        .filter(|n| (2..=1000).contains(&n.chars().count()))
        .ok_or_else(|| {
            ApiError::invalid_field(
                "note",
                "invalid_length",
                "give the reason in 2–1000 characters",
            )
        })?;
    let id = path.into_inner();
    let now = state.clock.now();
    let ctx = state.case_context();
    let (escalated, skipped) = state
        .db
        .run(move |conn| {
            escalate_mass_complaint(conn, &ctx, &auth.user, region.as_ref(), &id, &reason, now)
        })
        .await?;
    let done = JointEscalation { escalated, skipped };
    Ok(HttpResponse::Ok().json(done))
}
