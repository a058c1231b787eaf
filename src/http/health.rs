//! Liveness, readiness and metrics endpoints.

use actix_web::{HttpResponse, web};
use serde::Serialize;
use utoipa::ToSchema;

use super::AppState;
use crate::error::{ApiError, ErrorCode};
use crate::store::jobs::count_by_state;

/// Registers the routes of this module.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/health/live").route(web::get().to(live)))
        .service(web::resource("/health/ready").route(web::get().to(ready)))
        .service(web::resource("/metrics").route(web::get().to(metrics)));
}

/// Health status.
#[derive(Debug, Serialize, ToSchema)]
pub struct HealthResponse {
    pub status: String,
}

/// The process is up.
#[utoipa::path(get, path = "/health/live", tag = "operations",
    responses((status = 200, body = HealthResponse)))]
pub async fn live() -> HttpResponse {
    HttpResponse::Ok().json(HealthResponse {
        status: "ok".into(),
    })
}

/// The database answers.
#[utoipa::path(get, path = "/health/ready", tag = "operations",
    responses((status = 200, body = HealthResponse), (status = 503, body = crate::error::Problem)))]
pub async fn ready(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    // A load balancer asks often and gives up quickly: the answer comes within a second,
    // whether the database is up, slow or gone.
    if !state
        .db
        .answers(std::time::Duration::from_millis(900))
        .await
    {
        return Err(ApiError::new(
            ErrorCode::DatabaseUnavailable,
            "The database does not answer.",
        ));
    }
    Ok(HttpResponse::Ok().json(HealthResponse {
        status: "ready".into(),
    }))
}

/// Prometheus metrics: requests, latency and the job queue.
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, content_type = "text/plain", body = String),
        (status = 401, content_type = "application/problem+json", body = crate::error::Problem)),
    security(("metrics_token" = [])))]
pub async fn metrics(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
) -> Result<HttpResponse, ApiError> {
    use secrecy::ExposeSecret;
    let expected = state.settings.logging.metrics_token.expose_secret();
    let presented = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let matches = presented.is_some_and(|p| {
        use subtle::ConstantTimeEq;
        !expected.is_empty() && bool::from(p.as_bytes().ct_eq(expected.as_bytes()))
    });
    if !matches {
        return Err(ApiError::new(
            ErrorCode::MetricsTokenRequired,
            "Send the metrics token (logging.metrics_token) as a bearer token.",
        ));
    }
    let counts = state
        .db
        .run_leaving_kept(|conn| count_by_state(conn).map_err(ApiError::from))
        .await?;
    state.metrics.set_job_counts(&counts);
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(state.metrics.render()))
}
