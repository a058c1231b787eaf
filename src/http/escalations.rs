//! The regulators' escalation queue (the `builtin` 12315 connector) and its handling steps.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use super::auth::AuthUser;
use crate::disputes::escalations::{queue, update};
use crate::domain::escalation::EscalationState;
use crate::domain::region::RegionCode;
use crate::domain::role::Role;
use crate::error::ApiError;
use crate::store::schema::{disputes, escalations};

/// Registers the routes of this module.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/escalations").route(web::get().to(list)))
        .service(web::resource("/escalations/{id}/updates").route(web::post().to(record)));
}

/// Filter of the queue.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EscalationQuery {
    /// pending, delivered, received, accepted, not_accepted, mediating, mediated,
    /// mediation_failed, case_filed or closed.
    pub state: Option<String>,
}

/// An escalation in the queue.
#[derive(Debug, Serialize, ToSchema)]
pub struct EscalationItem {
    pub id: String,
    pub dispute_id: String,
    pub case_number: String,
    pub business_id: String,
    pub region_code: String,
    pub reason: String,
    /// consumer, merchant or system.
    pub initiated_by: String,
    pub state: String,
    pub created_at: DateTime<Utc>,
}

fn region_of(auth: &AuthUser) -> Result<RegionCode, ApiError> {
    auth.require_role(&[Role::Regulator])?;
    auth.actor
        .region
        .clone()
        .ok_or_else(|| ApiError::forbidden("Your account has no region."))
}

/// The escalations of the caller's region (regulators), newest first (at most 200).
#[utoipa::path(get, path = "/api/v1/escalations", tag = "escalations", params(EscalationQuery),
    responses((status = 200, body = Vec<EscalationItem>), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn list(
    state: web::Data<AppState>,
    auth: AuthUser,
    query: web::Query<EscalationQuery>,
) -> Result<HttpResponse, ApiError> {
    let region = region_of(&auth)?;
    let wanted = match query.state.as_deref() {
        None => None,
        Some(s) => Some(
            EscalationState::parse(s)
                .ok_or_else(|| {
                    ApiError::invalid_field("state", "invalid_state", "unknown escalation state")
                })?
                .as_str(),
        ),
    };
    let prefix = region.prefix().to_string();
    let rows = state
        .db
        .run(move |conn| queue(conn, &prefix, wanted, 200).map_err(ApiError::from))
        .await?;
    let items: Vec<EscalationItem> = rows
        .into_iter()
        .map(|r| EscalationItem {
            id: r.id,
            dispute_id: r.dispute_id,
            case_number: r.case_number,
            business_id: r.business_id,
            region_code: r.region_code,
            reason: r.reason,
            initiated_by: r.initiated_by,
            state: r.state,
            created_at: r.created_at,
        })
        .collect();
    Ok(HttpResponse::Ok().json(items))
}

/// A handling step recorded by the regulator.
#[derive(Debug, Deserialize, ToSchema)]
pub struct EscalationUpdateRequest {
    /// received, accepted, not_accepted, mediating, mediated, mediation_failed, case_filed or closed.
    pub status: String,
    /// Required for not_accepted (the reason).
    pub note: Option<String>,
}

/// Records the 12315 handling of an escalation (regulators of the dispute's region).
#[utoipa::path(post, path = "/api/v1/escalations/{id}/updates", tag = "escalations", params(("id" = String, Path)),
    request_body = EscalationUpdateRequest,
    responses((status = 204, description = "recorded"), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn record(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<String>,
    body: web::Json<EscalationUpdateRequest>,
) -> Result<HttpResponse, ApiError> {
    let region = region_of(&auth)?;
    let to = EscalationState::parse(&body.status)
        .filter(|s| !matches!(s, EscalationState::Pending | EscalationState::Delivered))
        .ok_or_else(|| ApiError::invalid_field("status", "invalid_status", "use received, accepted, not_accepted, mediating, mediated, mediation_failed, case_filed or closed"))?;
    let note = body
        .note
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_string);
    if note.as_ref().is_some_and(|n| n.chars().count() > 1000) {
        return Err(ApiError::invalid_field(
            "note",
            "invalid_length",
            "at most 1000 characters",
        ));
    }
    let id = path.into_inner();
    let now = state.clock.now();
    let ctx = state.case_context();
    state
        .db
        .run(move |conn| {
            use diesel::prelude::*;
            let missing = || ApiError::not_found("escalation_not_found", "No such escalation.");
            let dispute_region: String = escalations::table
                .inner_join(disputes::table)
                .filter(escalations::id.eq(&id))
                .select(disputes::region_code)
                .first(conn)
                .optional()?
                .ok_or_else(missing)?;
            let in_region = RegionCode::parse(&dispute_region).is_ok_and(|r| region.contains(&r));
            if !in_region {
                return Err(missing());
            }
            conn.transaction(|conn| update(conn, &ctx, &id, &auth.user, to, note.as_deref(), now))
                .map_err(ApiError::from)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
