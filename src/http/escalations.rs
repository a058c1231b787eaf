//! The regulators' escalation queue (the `builtin` 12315 connector) and its handling steps.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use super::auth::AuthUser;
use crate::disputes::CaseError;
use crate::disputes::escalations::{Recorder, record_by_regulator, redrive_by, update};
use crate::domain::bureau::BureauDeadline;
use crate::domain::dispute::Actor;
use crate::domain::escalation::{EscalationState, HandlingStep};
use crate::domain::region::RegionCode;
use crate::domain::role::Role;
use crate::error::{ApiError, ErrorCode};
use crate::http::json::Json;
use crate::notify::signature::{SIGNATURE_HEADER, SignatureError, TIMESTAMP_HEADER, verify};
use crate::store::escalations::{bureau_sources, list_dead, queue};
use crate::store::from_db_time;

/// Registers the routes of this module.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/escalations").route(web::get().to(list)))
        .service(web::resource("/escalations/timeliness").route(web::get().to(timeliness)))
        .service(web::resource("/escalations/{id}/updates").route(web::post().to(record)))
        .service(
            web::resource("/admin/escalations/dead").route(web::get().to(list_dead_deliveries)),
        )
        .service(
            web::resource("/admin/escalations/{id}/redrive")
                .route(web::post().to(redrive_delivery)),
        )
        .service(
            web::resource("/connectors/{name}/callbacks").route(web::post().to(gateway_callback)),
        );
}

/// Filter of the queue.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EscalationQuery {
    /// Only escalations in these states, comma-separated (e.g. `delivered,received`).
    pub state: Option<String>,
}

/// An escalation in the queue.
#[derive(Debug, Serialize, serde::Deserialize, ToSchema)]
pub struct EscalationItem {
    pub id: String,
    pub dispute_id: String,
    pub case_number: String,
    pub business_id: String,
    /// The business (the ODR unit) the dispute was filed with.
    pub business_name: String,
    pub region_code: String,
    pub reason: String,
    pub initiated_by: Actor,
    pub state: EscalationState,
    pub created_at: DateTime<Utc>,
    /// The bureau's limit running now (docs/escalation.md#the-bureaus-own-deadlines), if any:
    /// the one due first among those not yet met.
    pub bureau_deadline: Option<BureauDeadline>,
    /// Its due moment.
    pub bureau_due_at: Option<DateTime<Utc>>,
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
    Ok(HttpResponse::Ok().json(list_for(&state, &auth, query.into_inner()).await?))
}

/// The escalation queue of `auth`'s region with `query`'s filter.
pub async fn list_for(
    state: &AppState,
    auth: &AuthUser,
    query: EscalationQuery,
) -> Result<Vec<EscalationItem>, ApiError> {
    let region = region_of(auth)?;
    let mut errors = crate::error::FieldErrors::default();
    let wanted = super::filters::several(
        &mut errors,
        "state",
        "invalid_state",
        &EscalationState::names(),
        query.state.as_deref(),
        EscalationState::parse,
    );
    errors.finish()?;
    let prefix = region.prefix().to_string();
    let calendar = state.calendars.current();
    let (rows, running) = state
        .db
        .read(Some(&auth.user.id), move |conn| {
            let wanted: Vec<&str> = wanted.iter().map(|s| s.as_str()).collect();
            let rows = queue(conn, &prefix, &wanted, 200)?;
            let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
            let sources = bureau_sources(conn, &ids)?;
            let running = crate::disputes::escalations::running_limits(&calendar, &sources)?;
            Ok::<_, ApiError>((rows, running))
        })
        .await?;
    rows.into_iter()
        .map(|r| {
            let bureau = running.get(&r.id).copied();
            Ok(EscalationItem {
                bureau_deadline: bureau.map(|b| b.deadline),
                bureau_due_at: bureau.map(|b| b.due_at),
                id: r.id,
                dispute_id: r.dispute_id,
                case_number: r.case_number,
                business_id: r.business_id,
                business_name: r.business_name,
                region_code: r.region_code,
                reason: r.reason,
                initiated_by: r.initiated_by.parse()?,
                state: r.state.parse()?,
                created_at: from_db_time(r.created_at),
            })
        })
        .collect()
}

/// The month the bureau's timeliness is asked for.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TimelinessQuery {
    /// A day of the month (Asia/Shanghai); today when absent.
    pub date: Option<chrono::NaiveDate>,
}

/// The bureau's own timeliness on the escalated disputes of the caller's region over one
/// calendar month (regulators): the statutory limits of acceptance, mediation and the case
/// decision judged in the month and how many were kept, and those running and overdue now
/// (docs/escalation.md#the-bureaus-own-deadlines).
#[utoipa::path(get, path = "/api/v1/escalations/timeliness", tag = "escalations", params(TimelinessQuery),
    responses((status = 200, body = crate::oversight::bureau::BureauFigures), (status = 403, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn timeliness(
    state: web::Data<AppState>,
    auth: AuthUser,
    query: web::Query<TimelinessQuery>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(timeliness_for(&state, &auth, query.into_inner().date).await?))
}

/// The bureau's timeliness in `auth`'s region over the month of `date` (today when none).
pub async fn timeliness_for(
    state: &AppState,
    auth: &AuthUser,
    date: Option<chrono::NaiveDate>,
) -> Result<crate::oversight::bureau::BureauFigures, ApiError> {
    let region = region_of(auth)?;
    let mut errors = crate::error::FieldErrors::default();
    crate::oversight::check_day(&mut errors, "date", date);
    errors.finish()?;
    let now = state.clock.now();
    let day = date.unwrap_or_else(|| now.with_timezone(&chrono_tz::Asia::Shanghai).date_naive());
    let month = crate::oversight::period_around(crate::oversight::PeriodKind::Month, day);
    let (from, to) = (month.from, month.to);
    let calendar = state.calendars.current();
    state
        .db
        .read(Some(&auth.user.id), move |conn| {
            Ok(crate::oversight::bureau::figures(
                conn, &calendar, &region, from, to, now,
            )?)
        })
        .await
}

/// A handling step named in a request (not `pending` or `delivered`, which are the platform's).
fn parse_step(status: &str) -> Result<EscalationState, ApiError> {
    HandlingStep::parse(status)
        .map(EscalationState::from)
        .ok_or_else(|| ApiError::invalid_field("status", "invalid_status", "use received, accepted, not_accepted, mediating, mediated, mediation_failed, case_filed or closed"))
}

/// The longest note of a handling step, in characters (the portal's field says the same).
pub const NOTE_MAX_CHARS: usize = 1000;

/// A step's note, trimmed; at most [`NOTE_MAX_CHARS`] characters.
fn clean_note(note: Option<&str>) -> Result<Option<String>, ApiError> {
    crate::domain::text::optional_note(note, NOTE_MAX_CHARS)
        .map_err(|e| ApiError::invalid_field("note", "invalid_length", e.to_string()))
}

/// A handling step recorded by the regulator.
#[derive(Debug, Deserialize, ToSchema)]
pub struct EscalationUpdateRequest {
    /// The step reached.
    #[schema(value_type = HandlingStep)]
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
    body: Json<EscalationUpdateRequest>,
) -> Result<HttpResponse, ApiError> {
    record_for(&state, &auth, path.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Records a 12315 handling step of escalation `id` as `auth` (regulators of its region);
/// answers the escalated dispute's id.
pub async fn record_for(
    state: &AppState,
    auth: &AuthUser,
    id: String,
    request: EscalationUpdateRequest,
) -> Result<String, ApiError> {
    let region = region_of(auth)?;
    let to = parse_step(&request.status)?;
    let note = clean_note(request.note.as_deref())?;
    let now = state.clock.now();
    let ctx = state.case_context();
    let user = auth.user.clone();
    state
        .db
        .run(move |conn| {
            let note = note.as_deref();
            record_by_regulator(conn, &ctx, &user, &region, &id, to, note, now)
                .map_err(ApiError::from)
        })
        .await
}

/// An escalation whose delivery gave up.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeadDeliveryItem {
    pub id: String,
    pub dispute_id: String,
    pub case_number: String,
    pub connector: String,
    pub delivery_attempts: i64,
    pub last_delivery_error: Option<String>,
    pub escalated_at: DateTime<Utc>,
    pub dead_at: Option<DateTime<Utc>>,
}

/// Escalations whose delivery gave up after retrying for the configured hours (admins).
#[utoipa::path(get, path = "/api/v1/admin/escalations/dead", tag = "admin",
    responses((status = 200, body = Vec<DeadDeliveryItem>), (status = 403, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn list_dead_deliveries(
    state: web::Data<AppState>,
    auth: AuthUser,
) -> Result<HttpResponse, ApiError> {
    auth.require_role(&[Role::Admin])?;
    let rows = state
        .db
        .run(|conn| list_dead(conn).map_err(ApiError::from))
        .await?;
    let items: Vec<DeadDeliveryItem> = rows
        .into_iter()
        .map(|r| DeadDeliveryItem {
            id: r.id,
            dispute_id: r.dispute_id,
            case_number: r.case_number,
            connector: r.connector,
            delivery_attempts: r.delivery_attempts,
            last_delivery_error: r.last_delivery_error,
            escalated_at: from_db_time(r.created_at),
            dead_at: r.dead_at.map(from_db_time),
        })
        .collect();
    Ok(HttpResponse::Ok().json(items))
}

/// Starts delivering a dead escalation again, with a fresh retry window (admins).
#[utoipa::path(post, path = "/api/v1/admin/escalations/{id}/redrive", tag = "admin", params(("id" = String, Path)),
    responses((status = 202, description = "queued for delivery"), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn redrive_delivery(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    auth.require_role(&[Role::Admin])?;
    let id = path.into_inner();
    let ctx = state.case_context();
    let now = state.clock.now();
    state
        .db
        .run(move |conn| redrive_by(conn, &ctx, &auth.actor, &id, now).map_err(ApiError::from))
        .await?;
    Ok(HttpResponse::Accepted().finish())
}

/// A handling step reported by a 12315 gateway.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GatewayCallback {
    /// The escalation, as sent in `Idempotency-Key` and `escalation.id` of the packet.
    pub escalation_id: String,
    /// The step reached.
    #[schema(value_type = HandlingStep)]
    pub status: String,
    /// Required for not_accepted (the reason).
    pub note: Option<String>,
}

/// What a callback changed.
#[derive(Debug, Serialize, ToSchema)]
pub struct GatewayCallbackResponse {
    /// `false` when the escalation already stood at this step (a repeated callback).
    pub changed: bool,
    pub state: EscalationState,
}

/// Largest callback body accepted.
const CALLBACK_LIMIT_BYTES: usize = 64 * 1024;

/// The 12315 gateway `name` reports how an escalation is handled. The request is signed like
/// deliveries: `X-ODR-Timestamp` (Unix seconds, within the configured window) and
/// `X-ODR-Signature: sha256=<hex HMAC-SHA256 over "timestamp.body">`. A missing, bad or stale
/// signature is a 401 and changes nothing.
#[utoipa::path(post, path = "/api/v1/connectors/{name}/callbacks", tag = "escalations",
    params(("name" = String, Path, description = "the connector's name in the configuration"),
        ("X-ODR-Timestamp" = String, Header), ("X-ODR-Signature" = String, Header)),
    request_body = GatewayCallback,
    responses((status = 200, body = GatewayCallbackResponse), (status = 401, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
pub async fn gateway_callback(
    state: web::Data<AppState>,
    request: HttpRequest,
    path: web::Path<String>,
    mut payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let name = path.into_inner();
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError::new(ErrorCode::UnreadableBody, e.to_string()))?;
        if body.len() + chunk.len() > CALLBACK_LIMIT_BYTES {
            return Err(ApiError::new(
                ErrorCode::BodyTooLarge,
                format!("a callback is at most {CALLBACK_LIMIT_BYTES} bytes"),
            ));
        }
        body.extend_from_slice(&chunk);
    }
    let header = |h: &str| {
        request
            .headers()
            .get(h)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let settings = &state.settings.escalation;
    let now = state.clock.now();
    // An unknown connector is refused like a bad signature, so names cannot be probed.
    let checked = settings
        .connectors
        .get(&name)
        .ok_or(SignatureError::Mismatch)
        .and_then(|gateway| {
            verify(
                gateway.secret.expose_secret(),
                header(TIMESTAMP_HEADER).as_deref(),
                header(SIGNATURE_HEADER).as_deref(),
                &body,
                now,
                settings.callback_window_secs,
            )
        });
    if let Err(why) = checked {
        tracing::warn!(connector = %name, %why, "gateway callback refused");
        return Err(ApiError::new(ErrorCode::InvalidSignature, why.to_string()));
    }
    let callback: GatewayCallback = serde_json::from_slice(&body)
        .map_err(|e| ApiError::invalid_field("body", "invalid_json", e.to_string()))?;
    let to = parse_step(&callback.status)?;
    let note = clean_note(callback.note.as_deref())?;
    let ctx = state.case_context();
    let id = callback.escalation_id;
    let changed = state
        .db
        .run(move |conn| {
            crate::store::write_transaction(conn, |conn| {
                update(
                    conn,
                    &ctx,
                    &id,
                    Recorder::Gateway(&name),
                    to,
                    note.as_deref(),
                    now,
                )
            })
            .map_err(|e| match e {
                CaseError::NotFound(_) => ApiError::new(
                    ErrorCode::EscalationNotFound,
                    "No such escalation for this connector.",
                ),
                other => other.into(),
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(GatewayCallbackResponse { changed, state: to }))
}
