//! Webhooks over HTTP (docs/webhooks.md): a business's owner registers endpoints for chosen
//! events, reads each endpoint's delivery log, sends a delivery again and a test ping, and
//! rotates the signing secret. Only the business's owners; everyone else gets 403 (staff) or
//! 404 (those who may not see the business).

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use rand::RngExt;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use super::auth::AuthUser;
use super::businesses::load_owned_business;
use super::pagination::{PageParams, split_page};
use crate::domain::access::Actor;
use crate::domain::webhook::{DeliveryStatus, UrlProblem, WebhookEvent, WebhookPayload, check_url};
use crate::error::{ApiError, ErrorCode, FieldError};
use crate::http::json::Json;
use crate::store::audit::record_action;
use crate::store::businesses::Business;
use crate::store::webhooks::{self as store, Attempt, Delivery, Endpoint, EndpointChange};
use crate::store::{DbConn, from_db_time, new_id, to_db_time, write_transaction};

/// Registers the routes of this module.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/businesses/{id}/webhooks")
            .route(web::get().to(list))
            .route(web::post().to(create)),
    )
    .service(
        web::resource("/businesses/{id}/webhooks/{webhook_id}")
            .route(web::get().to(get))
            .route(web::patch().to(update))
            .route(web::delete().to(delete)),
    )
    .service(
        web::resource("/businesses/{id}/webhooks/{webhook_id}/rotate-secret")
            .route(web::post().to(rotate_secret)),
    )
    .service(
        web::resource("/businesses/{id}/webhooks/{webhook_id}/ping").route(web::post().to(ping)),
    )
    .service(
        web::resource("/businesses/{id}/webhooks/{webhook_id}/deliveries")
            .route(web::get().to(deliveries)),
    )
    .service(
        web::resource("/businesses/{id}/webhooks/{webhook_id}/deliveries/{delivery_id}")
            .route(web::get().to(delivery)),
    )
    .service(
        web::resource("/businesses/{id}/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver")
            .route(web::post().to(redeliver)),
    );
}

/// A new endpoint.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateWebhook {
    /// Where events are POSTed: `https://` and a public address.
    pub url: String,
    /// The events to receive (at least one).
    #[schema(value_type = Vec<WebhookEvent>)]
    pub events: Vec<String>,
    /// What the endpoint is, for the people who look after it (at most 200 characters).
    pub description: Option<String>,
}

/// Changes to an endpoint; what is left out stays.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateWebhook {
    pub url: Option<String>,
    #[schema(value_type = Option<Vec<WebhookEvent>>)]
    pub events: Option<Vec<String>>,
    pub description: Option<String>,
    /// `false` stops sending (deliveries wait); `true` sends what waited, in order.
    pub enabled: Option<bool>,
}

/// How many of an endpoint's deliveries stand in each state.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct DeliveryCounts {
    pub pending: i64,
    /// Pending deliveries that failed at least once and wait for their retry.
    pub retrying: i64,
    pub delivered: i64,
    pub failed: i64,
}

/// A registered endpoint (its secret is shown only when made).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct WebhookDto {
    pub id: String,
    pub business_id: String,
    pub url: String,
    pub events: Vec<WebhookEvent>,
    pub description: String,
    pub enabled: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deliveries: DeliveryCounts,
}

/// An endpoint just registered, with the secret its deliveries are signed with (shown once;
/// rotate it to get a new one).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CreatedWebhook {
    pub webhook: WebhookDto,
    pub secret: String,
}

/// A new signing secret.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct WebhookSecret {
    pub secret: String,
}

/// One event sent (or to be sent) to one endpoint.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DeliveryDto {
    pub id: String,
    /// The event's id, the payload's `id`: the same when the event is sent again.
    pub event_id: String,
    pub event_type: WebhookEvent,
    pub dispute_id: Option<String>,
    pub case_number: Option<String>,
    pub status: DeliveryStatus,
    pub attempts: i64,
    /// When the next attempt is due (pending deliveries).
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    /// The endpoint's last HTTP status, if it answered.
    pub last_status_code: Option<i64>,
    pub last_error: Option<String>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// One attempt at a delivery.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AttemptDto {
    pub attempted_at: DateTime<Utc>,
    pub status_code: Option<i64>,
    pub error: Option<String>,
    pub duration_ms: i64,
}

/// A delivery with its payload and every attempt.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DeliveryDetail {
    #[serde(flatten)]
    pub delivery: DeliveryDto,
    /// The payload as JSON (its keys in no set order).
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
    /// The request body exactly as sent and signed, to check a signature against.
    pub body: String,
    pub attempt_log: Vec<AttemptDto>,
}

impl DeliveryDetail {
    /// The payload as indented JSON, for people to read.
    pub fn payload_text(&self) -> String {
        serde_json::to_string_pretty(&self.payload).unwrap_or_default()
    }
}

/// A page of deliveries, newest first.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DeliveryPage {
    pub items: Vec<DeliveryDto>,
    pub next_cursor: Option<String>,
}

/// Which deliveries to list.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryQuery {
    /// Only deliveries in this state.
    #[param(value_type = Option<DeliveryStatus>)]
    pub status: Option<String>,
    /// Items per page, 1–200 (default 50).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

fn dto(
    endpoint: &Endpoint,
    counts: Option<&std::collections::BTreeMap<String, i64>>,
    retrying: i64,
) -> WebhookDto {
    let count = |state: DeliveryStatus| {
        counts
            .and_then(|c| c.get(state.as_str()))
            .copied()
            .unwrap_or(0)
    };
    WebhookDto {
        id: endpoint.id.clone(),
        business_id: endpoint.business_id.clone(),
        url: endpoint.url.clone(),
        events: endpoint.chosen(),
        description: endpoint.description.clone(),
        enabled: endpoint.disabled_at.is_none(),
        created_at: from_db_time(endpoint.created_at),
        updated_at: from_db_time(endpoint.updated_at),
        deliveries: DeliveryCounts {
            pending: count(DeliveryStatus::Pending),
            retrying,
            delivered: count(DeliveryStatus::Delivered),
            failed: count(DeliveryStatus::Failed),
        },
    }
}

fn delivery_dto(d: &Delivery) -> Result<DeliveryDto, ApiError> {
    let status: DeliveryStatus = d.status.parse()?;
    Ok(DeliveryDto {
        id: d.id.clone(),
        event_id: d.event_id.clone(),
        event_type: d.event_type.parse()?,
        dispute_id: d.dispute_id.clone(),
        case_number: serde_json::from_str::<WebhookPayload>(&d.payload)
            .ok()
            .and_then(|p| p.data.case_number),
        status,
        attempts: d.attempts,
        next_attempt_at: (status == DeliveryStatus::Pending)
            .then(|| from_db_time(d.next_attempt_at)),
        last_attempt_at: d.last_attempt_at.map(from_db_time),
        last_status_code: d.last_status_code,
        last_error: d.last_error.clone(),
        delivered_at: d.delivered_at.map(from_db_time),
        created_at: from_db_time(d.created_at),
    })
}

fn attempt_dto(a: Attempt) -> AttemptDto {
    AttemptDto {
        attempted_at: from_db_time(a.attempted_at),
        status_code: a.status_code,
        error: a.error,
        duration_ms: a.duration_ms,
    }
}

/// A new signing secret: `whsec_` and 32 random bytes in hex.
fn new_secret() -> String {
    let bytes: [u8; 32] = rand::rng().random();
    format!("whsec_{}", hex::encode(bytes))
}

/// The endpoint's address, checked (`url` field errors).
fn checked_url(text: &str, allow_insecure: bool) -> Result<String, FieldError> {
    check_url(text, allow_insecure)
        .map(|url| url.to_string())
        .map_err(|problem| {
            let code = match problem {
                UrlProblem::NotHttps => "insecure_url",
                UrlProblem::PrivateAddress => "private_address",
                UrlProblem::TooLong => "invalid_length",
                UrlProblem::NotAUrl | UrlProblem::Credentials => "invalid_url",
            };
            FieldError::new("url", code, format!("The endpoint's URL {problem}."))
        })
}

/// The chosen events, checked (`events` field errors): known, not `ping`, at least one; stored
/// comma-separated in the set's order.
fn checked_events(names: &[String]) -> Result<String, FieldError> {
    let mut chosen = Vec::new();
    for name in names {
        match WebhookEvent::parse(name.trim()) {
            Some(event) if event != WebhookEvent::Ping => chosen.push(event),
            _ => {
                let known: Vec<&str> = WebhookEvent::choosable()
                    .map(WebhookEvent::as_str)
                    .collect();
                return Err(FieldError::new(
                    "events",
                    "unknown_event",
                    format!(
                        "`{name}` is not an event; choose from {}.",
                        known.join(", ")
                    ),
                ));
            }
        }
    }
    if chosen.is_empty() {
        return Err(FieldError::new(
            "events",
            "required",
            "Choose at least one event.",
        ));
    }
    Ok(WebhookEvent::choosable()
        .filter(|e| chosen.contains(e))
        .map(WebhookEvent::as_str)
        .collect::<Vec<_>>()
        .join(","))
}

/// The description, checked (at most 200 characters).
fn checked_description(text: Option<&str>) -> Result<String, FieldError> {
    let text = text.unwrap_or_default().trim();
    if text.chars().count() > 200 {
        return Err(FieldError::new(
            "description",
            "invalid_length",
            "The description is at most 200 characters.",
        ));
    }
    Ok(text.to_string())
}

/// Gathers the field errors of `checks` into one 422, or the values.
fn all_valid<const N: usize>(
    checks: [Result<String, FieldError>; N],
) -> Result<[String; N], ApiError> {
    let errors: Vec<FieldError> = checks.iter().filter_map(|c| c.clone().err()).collect();
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    Ok(checks.map(|c| c.unwrap_or_default()))
}

/// Endpoint `id` of `business`; 404 when it is another business's or gone.
fn endpoint_of(conn: &mut DbConn, business: &Business, id: &str) -> Result<Endpoint, ApiError> {
    store::find_endpoint(conn, id)?
        .filter(|e| e.business_id == business.id)
        .ok_or_else(|| ApiError::new(ErrorCode::WebhookNotFound, "No such webhook endpoint."))
}

/// Delivery `id` of `endpoint`; 404 otherwise.
fn delivery_of(conn: &mut DbConn, endpoint: &Endpoint, id: &str) -> Result<Delivery, ApiError> {
    store::find_delivery(conn, id)?
        .filter(|d| d.endpoint_id == endpoint.id)
        .ok_or_else(|| ApiError::new(ErrorCode::WebhookDeliveryNotFound, "No such delivery."))
}

/// Audits `action` on `business`'s endpoint `endpoint`.
fn audit(
    conn: &mut DbConn,
    actor: &Actor,
    action: &str,
    business: &Business,
    endpoint: &Endpoint,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    record_action(
        conn,
        actor,
        action,
        "business",
        &business.id,
        Some(&business.region_code),
        &serde_json::json!({"webhook_id": endpoint.id, "url": endpoint.url, "events": endpoint.events}),
        now,
    )?;
    Ok(())
}

/// Runs `work` on endpoint `webhook_id` of business `id`, which `auth` must own (a 403 for
/// its staff and others who see the business, a 404 for those who do not and for another
/// business's endpoint); in a write transaction when `write`.
async fn on_endpoint<T: Send + 'static>(
    state: &AppState,
    auth: &AuthUser,
    (id, webhook_id): (String, String),
    write: bool,
    work: impl FnOnce(&mut DbConn, &Actor, &Business, Endpoint) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let actor = auth.actor.clone();
    state
        .db
        .run(move |conn| {
            let run = |conn: &mut DbConn| {
                let business = load_owned_business(conn, &actor, &id)?;
                let endpoint = endpoint_of(conn, &business, &webhook_id)?;
                work(conn, &actor, &business, endpoint)
            };
            if write {
                write_transaction(conn, run)
            } else {
                run(conn)
            }
        })
        .await
}

/// The endpoint with its delivery counts.
fn with_counts(conn: &mut DbConn, endpoint: &Endpoint) -> Result<WebhookDto, ApiError> {
    let ids = std::slice::from_ref(&endpoint.id);
    let counts = store::counts_by_status(conn, ids)?;
    let retrying = store::retrying(conn, ids)?;
    Ok(dto(
        endpoint,
        counts.get(&endpoint.id),
        retrying.get(&endpoint.id).copied().unwrap_or(0),
    ))
}

/// The business's endpoints (its owners).
#[utoipa::path(get, path = "/api/v1/businesses/{id}/webhooks", tag = "webhooks", operation_id = "list_webhooks", params(("id" = String, Path)),
    responses((status = 200, body = Vec<WebhookDto>), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn list(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(list_for(&state, &auth, path.into_inner()).await?))
}

/// Business `id`'s endpoints as `auth` (an owner) sees them.
pub async fn list_for(
    state: &AppState,
    auth: &AuthUser,
    id: String,
) -> Result<Vec<WebhookDto>, ApiError> {
    let actor = auth.actor.clone();
    state
        .db
        .run(move |conn| {
            let business = load_owned_business(conn, &actor, &id)?;
            let endpoints = store::list_endpoints(conn, &business.id)?;
            let ids: Vec<String> = endpoints.iter().map(|e| e.id.clone()).collect();
            let counts = store::counts_by_status(conn, &ids)?;
            let retrying = store::retrying(conn, &ids)?;
            Ok(endpoints
                .iter()
                .map(|e| {
                    let waiting = retrying.get(&e.id).copied().unwrap_or(0);
                    dto(e, counts.get(&e.id), waiting)
                })
                .collect())
        })
        .await
}

/// Registers an endpoint (the business's owners). The answer carries the signing secret, once.
#[utoipa::path(post, path = "/api/v1/businesses/{id}/webhooks", tag = "webhooks", operation_id = "create_webhook", params(("id" = String, Path)),
    request_body = CreateWebhook,
    responses((status = 201, body = CreatedWebhook), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn create(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<String>,
    body: Json<CreateWebhook>,
) -> Result<HttpResponse, ApiError> {
    let created = create_for(&state, &auth, path.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::Created().json(created))
}

/// Registers an endpoint of business `id` as `auth`.
pub async fn create_for(
    state: &AppState,
    auth: &AuthUser,
    id: String,
    request: CreateWebhook,
) -> Result<CreatedWebhook, ApiError> {
    let settings = state.settings.webhooks.clone();
    let [url, events, description] = all_valid([
        checked_url(&request.url, settings.allow_insecure),
        checked_events(&request.events),
        checked_description(request.description.as_deref()),
    ])?;
    let (actor, pii, now) = (auth.actor.clone(), state.pii.clone(), state.clock.now());
    let secret = new_secret();
    let sealed = pii.encrypt(&secret);
    let webhook = state
        .db
        .run(move |conn| {
            write_transaction(conn, |conn| {
                let business = load_owned_business(conn, &actor, &id)?;
                crate::store::lock_key(conn, &format!("webhooks:{}", business.id))?;
                let count = store::list_endpoints(conn, &business.id)?.len();
                if i64::try_from(count).unwrap_or(i64::MAX) >= settings.max_endpoints {
                    return Err(ApiError::new(
                        ErrorCode::WebhookLimitReached,
                        format!(
                            "A business may register at most {} webhook endpoints; delete one first.",
                            settings.max_endpoints
                        ),
                    ));
                }
                let endpoint = Endpoint {
                    id: new_id(),
                    business_id: business.id.clone(),
                    url,
                    events,
                    description,
                    secret: sealed,
                    created_by: actor.user_id.clone(),
                    created_at: to_db_time(now),
                    updated_at: to_db_time(now),
                    disabled_at: None,
                    deleted_at: None,
                    retry_at: None,
                    leased_by: None,
                    leased_until: None,
                };
                store::insert_endpoint(conn, &endpoint)?;
                audit(conn, &actor, "webhook.created", &business, &endpoint, now)?;
                Ok(dto(&endpoint, None, 0))
            })
        })
        .await?;
    Ok(CreatedWebhook { webhook, secret })
}

/// One endpoint with its delivery counts (the business's owners).
#[utoipa::path(get, path = "/api/v1/businesses/{id}/webhooks/{webhook_id}", tag = "webhooks", operation_id = "get_webhook",
    params(("id" = String, Path), ("webhook_id" = String, Path)),
    responses((status = 200, body = WebhookDto), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn get(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, webhook_id) = path.into_inner();
    Ok(HttpResponse::Ok().json(get_for(&state, &auth, id, webhook_id).await?))
}

/// Endpoint `webhook_id` of business `id` as `auth` sees it.
pub async fn get_for(
    state: &AppState,
    auth: &AuthUser,
    id: String,
    webhook_id: String,
) -> Result<WebhookDto, ApiError> {
    on_endpoint(
        state,
        auth,
        (id, webhook_id),
        false,
        |conn, _, _, endpoint| with_counts(conn, &endpoint),
    )
    .await
}

/// Changes an endpoint's address, events, description or whether it is enabled (the
/// business's owners).
#[utoipa::path(patch, path = "/api/v1/businesses/{id}/webhooks/{webhook_id}", tag = "webhooks", operation_id = "update_webhook",
    params(("id" = String, Path), ("webhook_id" = String, Path)), request_body = UpdateWebhook,
    responses((status = 200, body = WebhookDto), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn update(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<(String, String)>,
    body: Json<UpdateWebhook>,
) -> Result<HttpResponse, ApiError> {
    let (id, webhook_id) = path.into_inner();
    let changed = update_for(&state, &auth, id, webhook_id, body.into_inner()).await?;
    Ok(HttpResponse::Ok().json(changed))
}

/// Changes endpoint `webhook_id` of business `id` as `auth`.
pub async fn update_for(
    state: &AppState,
    auth: &AuthUser,
    id: String,
    webhook_id: String,
    request: UpdateWebhook,
) -> Result<WebhookDto, ApiError> {
    let allow_insecure = state.settings.webhooks.allow_insecure;
    let now = state.clock.now();
    on_endpoint(
        state,
        auth,
        (id, webhook_id),
        true,
        move |conn, actor, business, endpoint| {
            let [url, events, description] = all_valid([
                request
                    .url
                    .as_deref()
                    .map_or(Ok(endpoint.url.clone()), |u| checked_url(u, allow_insecure)),
                request
                    .events
                    .as_deref()
                    .map_or(Ok(endpoint.events.clone()), checked_events),
                match request.description.as_deref() {
                    None => Ok(endpoint.description.clone()),
                    given => checked_description(given),
                },
            ])?;
            let disabled_at = match request.enabled {
                None => endpoint.disabled_at,
                Some(true) => None,
                Some(false) => endpoint.disabled_at.or(Some(to_db_time(now))),
            };
            let change = EndpointChange {
                url,
                events,
                description,
                disabled_at,
                updated_at: to_db_time(now),
            };
            store::update_endpoint(conn, &endpoint.id, &change)?;
            let endpoint = endpoint_of(conn, business, &endpoint.id)?;
            audit(conn, actor, "webhook.updated", business, &endpoint, now)?;
            with_counts(conn, &endpoint)
        },
    )
    .await
}

/// Deletes an endpoint with its delivery log (the business's owners).
#[utoipa::path(delete, path = "/api/v1/businesses/{id}/webhooks/{webhook_id}", tag = "webhooks", operation_id = "delete_webhook",
    params(("id" = String, Path), ("webhook_id" = String, Path)),
    responses((status = 204, description = "Deleted"), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn delete(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, webhook_id) = path.into_inner();
    delete_for(&state, &auth, id, webhook_id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Deletes endpoint `webhook_id` of business `id` as `auth`.
pub async fn delete_for(
    state: &AppState,
    auth: &AuthUser,
    id: String,
    webhook_id: String,
) -> Result<(), ApiError> {
    let now = state.clock.now();
    on_endpoint(
        state,
        auth,
        (id, webhook_id),
        true,
        move |conn, actor, business, endpoint| {
            store::delete_endpoint(conn, &endpoint.id, now)?;
            audit(conn, actor, "webhook.deleted", business, &endpoint, now)
        },
    )
    .await
}

/// Replaces the signing secret at once and answers the new one (the business's owners):
/// deliveries from now on are signed with it.
#[utoipa::path(post, path = "/api/v1/businesses/{id}/webhooks/{webhook_id}/rotate-secret", tag = "webhooks", operation_id = "rotate_webhook_secret",
    params(("id" = String, Path), ("webhook_id" = String, Path)),
    responses((status = 200, body = WebhookSecret), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn rotate_secret(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, webhook_id) = path.into_inner();
    Ok(HttpResponse::Ok().json(rotate_secret_for(&state, &auth, id, webhook_id).await?))
}

/// Rotates endpoint `webhook_id`'s secret as `auth`.
pub async fn rotate_secret_for(
    state: &AppState,
    auth: &AuthUser,
    id: String,
    webhook_id: String,
) -> Result<WebhookSecret, ApiError> {
    let now = state.clock.now();
    let secret = new_secret();
    let sealed = state.pii.encrypt(&secret);
    on_endpoint(
        state,
        auth,
        (id, webhook_id),
        true,
        move |conn, actor, business, endpoint| {
            store::set_secret(conn, &endpoint.id, &sealed, now)?;
            audit(
                conn,
                actor,
                "webhook.secret_rotated",
                business,
                &endpoint,
                now,
            )
        },
    )
    .await?;
    Ok(WebhookSecret { secret })
}

/// The signing secret of endpoint `webhook_id` for its owner's portal page.
pub async fn secret_for(
    state: &AppState,
    auth: &AuthUser,
    id: String,
    webhook_id: String,
) -> Result<String, ApiError> {
    let sealed = on_endpoint(state, auth, (id, webhook_id), false, |_, _, _, endpoint| {
        Ok(endpoint.secret)
    })
    .await?;
    state
        .pii
        .decrypt(&sealed)
        .map_err(|_| ApiError::internal("a webhook secret cannot be decrypted"))
}

/// Queues a `ping` to the endpoint, after what it has waiting (the business's owners).
#[utoipa::path(post, path = "/api/v1/businesses/{id}/webhooks/{webhook_id}/ping", tag = "webhooks", operation_id = "ping_webhook",
    params(("id" = String, Path), ("webhook_id" = String, Path)),
    responses((status = 202, body = DeliveryDto), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn ping(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, webhook_id) = path.into_inner();
    Ok(HttpResponse::Accepted().json(ping_for(&state, &auth, id, webhook_id).await?))
}

/// Queues a ping to endpoint `webhook_id` as `auth`.
pub async fn ping_for(
    state: &AppState,
    auth: &AuthUser,
    id: String,
    webhook_id: String,
) -> Result<DeliveryDto, ApiError> {
    let now = state.clock.now();
    let row = on_endpoint(
        state,
        auth,
        (id, webhook_id),
        true,
        move |conn, _, _, endpoint| {
            // One request at a time per endpoint sees what waits (PostgreSQL runs them at once).
            crate::store::lock_key(conn, &format!("webhook_endpoint:{}", endpoint.id))?;
            if store::is_waiting(conn, &endpoint.id, None)? {
                return Err(ApiError::new(
                    ErrorCode::WebhookDeliveryPending,
                    "A ping to this endpoint is still waiting to be sent.",
                ));
            }
            Ok(store::queue_ping(conn, &endpoint, now)?)
        },
    )
    .await?;
    delivery_dto(&row)
}

/// The endpoint's deliveries, newest first (the business's owners).
#[utoipa::path(get, path = "/api/v1/businesses/{id}/webhooks/{webhook_id}/deliveries", tag = "webhooks", operation_id = "list_webhook_deliveries",
    params(("id" = String, Path), ("webhook_id" = String, Path), DeliveryQuery),
    responses((status = 200, body = DeliveryPage), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn deliveries(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<(String, String)>,
    query: web::Query<DeliveryQuery>,
) -> Result<HttpResponse, ApiError> {
    let (id, webhook_id) = path.into_inner();
    let page = deliveries_for(&state, &auth, id, webhook_id, query.into_inner()).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// A page of endpoint `webhook_id`'s deliveries as `auth` asks for it.
pub async fn deliveries_for(
    state: &AppState,
    auth: &AuthUser,
    id: String,
    webhook_id: String,
    query: DeliveryQuery,
) -> Result<DeliveryPage, ApiError> {
    let page = PageParams {
        limit: query.limit,
        cursor: query.cursor,
    };
    let limit = page.limit()?;
    let cursor = page.cursor()?;
    let status = match query.status.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(name) => Some(DeliveryStatus::parse(name).ok_or_else(|| {
            ApiError::invalid_field(
                "status",
                "invalid_status",
                format!(
                    "`{name}` is not a delivery status; use {}",
                    DeliveryStatus::names()
                ),
            )
        })?),
    };
    let rows = on_endpoint(
        state,
        auth,
        (id, webhook_id),
        false,
        move |conn, _, _, endpoint| {
            Ok(store::list_deliveries(
                conn,
                &endpoint.id,
                status,
                cursor.as_deref(),
                limit,
            )?)
        },
    )
    .await?;
    let (rows, next_cursor) = split_page(rows, limit, |d| d.id.clone());
    Ok(DeliveryPage {
        items: rows.iter().map(delivery_dto).collect::<Result<_, _>>()?,
        next_cursor,
    })
}

/// One delivery with its payload and attempts (the business's owners).
#[utoipa::path(get, path = "/api/v1/businesses/{id}/webhooks/{webhook_id}/deliveries/{delivery_id}", tag = "webhooks", operation_id = "get_webhook_delivery",
    params(("id" = String, Path), ("webhook_id" = String, Path), ("delivery_id" = String, Path)),
    responses((status = 200, body = DeliveryDetail), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn delivery(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, webhook_id, delivery_id) = path.into_inner();
    let detail = delivery_for(&state, &auth, id, webhook_id, delivery_id).await?;
    Ok(HttpResponse::Ok().json(detail))
}

/// Delivery `delivery_id` of endpoint `webhook_id` as `auth` sees it.
pub async fn delivery_for(
    state: &AppState,
    auth: &AuthUser,
    id: String,
    webhook_id: String,
    delivery_id: String,
) -> Result<DeliveryDetail, ApiError> {
    let (row, attempts) = on_endpoint(
        state,
        auth,
        (id, webhook_id),
        false,
        move |conn, _, _, endpoint| {
            let row = delivery_of(conn, &endpoint, &delivery_id)?;
            let attempts = store::attempts_of(conn, &row.id)?;
            Ok((row, attempts))
        },
    )
    .await?;
    Ok(DeliveryDetail {
        delivery: delivery_dto(&row)?,
        payload: serde_json::from_str(&row.payload).map_err(ApiError::internal)?,
        body: row.payload.clone(),
        attempt_log: attempts.into_iter().map(attempt_dto).collect(),
    })
}

/// Sends a delivered or failed delivery's event again, as a new delivery after those waiting
/// (the business's owners); a pending one is 409.
#[utoipa::path(post, path = "/api/v1/businesses/{id}/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver", tag = "webhooks", operation_id = "redeliver_webhook",
    params(("id" = String, Path), ("webhook_id" = String, Path), ("delivery_id" = String, Path)),
    responses((status = 202, body = DeliveryDto), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn redeliver(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, webhook_id, delivery_id) = path.into_inner();
    let again = redeliver_for(&state, &auth, id, webhook_id, delivery_id).await?;
    Ok(HttpResponse::Accepted().json(again))
}

/// Sends delivery `delivery_id`'s event again as `auth`.
pub async fn redeliver_for(
    state: &AppState,
    auth: &AuthUser,
    id: String,
    webhook_id: String,
    delivery_id: String,
) -> Result<DeliveryDto, ApiError> {
    let now = state.clock.now();
    let row = on_endpoint(
        state,
        auth,
        (id, webhook_id),
        true,
        move |conn, _, _, endpoint| {
            crate::store::lock_key(conn, &format!("webhook_endpoint:{}", endpoint.id))?;
            let original = delivery_of(conn, &endpoint, &delivery_id)?;
            if original.status == DeliveryStatus::Pending.as_str()
                || store::is_waiting(conn, &endpoint.id, Some(&original.event_id))?
            {
                return Err(ApiError::new(
                    ErrorCode::WebhookDeliveryPending,
                    "The event is still waiting to be sent; it is retried by itself.",
                ));
            }
            Ok(store::queue_again(conn, &original, now)?)
        },
    )
    .await?;
    delivery_dto(&row)
}
