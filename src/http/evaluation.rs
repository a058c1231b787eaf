//! Unit evaluation (docs/metrics.md#evaluation) over HTTP; the rules are in
//! `oversight::evaluation`.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use super::auth::AuthUser;
use crate::error::ApiError;
use crate::http::json::Json;
use crate::oversight::evaluation;
pub use crate::oversight::evaluation::{EvaluatedUnit, EvaluationResponse};

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

/// Units of the caller's region below the thresholds (all with `all=true`), worst first.
#[utoipa::path(get, path = "/api/v1/evaluation", tag = "units", params(EvaluationQuery),
    responses((status = 200, body = EvaluationResponse), (status = 403, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn list(
    state: web::Data<AppState>,
    auth: AuthUser,
    query: web::Query<EvaluationQuery>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(list_for(&state, &auth, query.into_inner()).await?))
}

/// The evaluation of the units `auth` oversees.
pub async fn list_for(
    state: &AppState,
    auth: &AuthUser,
    query: EvaluationQuery,
) -> Result<EvaluationResponse, ApiError> {
    let rules = state.settings.evaluation.clone();
    let now = state.clock.now();
    let everything = query.all.unwrap_or(false);
    let actor = auth.actor.clone();
    state
        .db
        .read(Some(&auth.user.id), move |conn| {
            evaluation::evaluate(conn, &actor, &rules, everything, now)
        })
        .await
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
    body: Json<WarningRequest>,
) -> Result<HttpResponse, ApiError> {
    warn_for(&state, &auth, path.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::Created().finish())
}

/// Warns unit `id` as `auth`.
pub async fn warn_for(
    state: &AppState,
    auth: &AuthUser,
    id: String,
    request: WarningRequest,
) -> Result<(), ApiError> {
    let now = state.clock.now();
    let ctx = state.case_context();
    let actor = auth.actor.clone();
    state
        .db
        .run(move |conn| evaluation::warn(conn, &ctx, &actor, &id, &request.reason, now))
        .await
}
