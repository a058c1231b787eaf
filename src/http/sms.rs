//! Text messages over HTTP (docs/sms.md): each account's choice to receive them, and the
//! platform administrators' delivery log.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use super::auth::AuthUser;
use super::pagination::{PageParams, split_page};
use crate::config::SmsProvider;
use crate::domain::role::Role;
use crate::domain::sms::{SmsEvent, SmsStatus};
use crate::error::ApiError;
use crate::http::json::Json;
use crate::store::from_db_time;
use crate::store::sms::{LogFilter, SmsRow};

/// Registers the routes of this module.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/me/sms")
            .route(web::get().to(preference))
            .route(web::put().to(set_preference)),
    )
    .service(web::resource("/sms-messages").route(web::get().to(log)));
}

/// Whether the account gets text messages.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SmsPreference {
    /// Whether the account wants text messages (its notices in the app and emails go on
    /// either way).
    pub receive: bool,
    /// The number they go to, masked; none when the account has no phone.
    pub phone: Option<String>,
    /// Whether this platform sends text messages at all.
    pub platform_sends: bool,
    /// The events this account is texted about (none for regulators, administrators and
    /// associations; staff only where the platform texts staff).
    pub events: Vec<SmsEvent>,
}

/// The account's choice.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SmsPreferenceRequest {
    pub receive: bool,
}

/// Whether the signed-in account gets text messages, and at which number.
#[utoipa::path(get, path = "/api/v1/me/sms", tag = "accounts",
    responses((status = 200, body = SmsPreference), (status = 401, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn preference(
    state: web::Data<AppState>,
    auth: AuthUser,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(preference_of(&state, &auth).await?))
}

/// The text-message choice of `auth`'s account.
pub async fn preference_of(state: &AppState, auth: &AuthUser) -> Result<SmsPreference, ApiError> {
    let id = auth.id().to_string();
    let opted_out = state
        .db
        .run(move |conn| crate::store::sms::is_opted_out(conn, &id))
        .await?;
    let staff = matches!(auth.role(), Role::MerchantStaff);
    let consumer = matches!(auth.role(), Role::Consumer);
    let events = SmsEvent::ALL
        .iter()
        .copied()
        .filter(|e| (e.is_for_staff() && staff) || (!e.is_for_staff() && consumer))
        .filter(|e| state.sms.sends(*e))
        .collect();
    Ok(SmsPreference {
        receive: !opted_out,
        phone: auth.user.phone_masked.clone(),
        platform_sends: state.settings.sms.provider != SmsProvider::Off,
        events,
    })
}

/// Turns the signed-in account's text messages on or off (退订 and back); messages already
/// queued are not sent once they are off.
#[utoipa::path(put, path = "/api/v1/me/sms", tag = "accounts", request_body = SmsPreferenceRequest,
    responses((status = 200, body = SmsPreference), (status = 401, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn set_preference(
    state: web::Data<AppState>,
    auth: AuthUser,
    body: Json<SmsPreferenceRequest>,
) -> Result<HttpResponse, ApiError> {
    set_receive(&state, &auth, body.into_inner().receive).await?;
    Ok(HttpResponse::Ok().json(preference_of(&state, &auth).await?))
}

/// Records whether `auth`'s account wants text messages.
pub async fn set_receive(state: &AppState, auth: &AuthUser, receive: bool) -> Result<(), ApiError> {
    let (id, now) = (auth.id().to_string(), state.clock.now());
    state
        .db
        .run(move |conn| {
            crate::store::write_transaction(conn, |conn| {
                crate::store::sms::set_receive(conn, &id, receive, now)
            })
        })
        .await
        .map_err(ApiError::from)
}

/// Which messages to list.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SmsLogQuery {
    /// Only messages in these states, comma-separated (`failed,rate_limited`).
    #[param(value_type = Option<SmsStatus>)]
    pub status: Option<String>,
    /// Only messages about this dispute.
    pub dispute_id: Option<String>,
    /// Only messages to this account.
    pub user_id: Option<String>,
    /// Items per page, 1–200 (default 50).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// One text message of the delivery log. The number is shown masked only.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SmsMessageDto {
    pub id: String,
    pub user_id: String,
    pub dispute_id: Option<String>,
    pub event: SmsEvent,
    pub phone: String,
    /// The provider's template and the text it makes with the values.
    pub template_code: String,
    pub body: String,
    pub status: SmsStatus,
    pub attempts: i64,
    /// Why the last attempt failed (the provider's code and message).
    pub last_error: Option<String>,
    /// The provider's id of the message.
    pub provider_id: Option<String>,
    pub created_at: DateTime<Utc>,
    /// When it is tried again, while pending.
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub sent_at: Option<DateTime<Utc>>,
}

impl SmsMessageDto {
    /// The log's view of `row`.
    pub fn of(row: &SmsRow) -> Result<Self, ApiError> {
        let status: SmsStatus = row.status.parse()?;
        Ok(Self {
            id: row.id.clone(),
            user_id: row.user_id.clone(),
            dispute_id: row.dispute_id.clone(),
            event: row.event.parse()?,
            phone: row.phone_masked.clone(),
            template_code: row.template_code.clone(),
            body: row.body.clone(),
            status,
            attempts: row.attempts,
            last_error: row.last_error.clone(),
            provider_id: row.provider_id.clone(),
            created_at: from_db_time(row.created_at),
            next_attempt_at: (status == SmsStatus::Pending)
                .then(|| from_db_time(row.next_attempt_at)),
            sent_at: (status == SmsStatus::Sent)
                .then(|| row.sent_at.map(from_db_time))
                .flatten(),
        })
    }
}

/// A page of text messages, newest first.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SmsMessagePage {
    pub items: Vec<SmsMessageDto>,
    pub next_cursor: Option<String>,
}

/// The delivery log of text messages, newest first (platform administrators).
#[utoipa::path(get, path = "/api/v1/sms-messages", tag = "admin", params(SmsLogQuery),
    responses((status = 200, body = SmsMessagePage), (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn log(
    state: web::Data<AppState>,
    auth: AuthUser,
    query: web::Query<SmsLogQuery>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(log_for(&state, &auth, query.into_inner()).await?))
}

/// A page of the delivery log as `auth` (an administrator) asks for it.
pub async fn log_for(
    state: &AppState,
    auth: &AuthUser,
    query: SmsLogQuery,
) -> Result<SmsMessagePage, ApiError> {
    auth.require_role(&[Role::Admin])?;
    let page = PageParams {
        limit: query.limit,
        cursor: query.cursor,
    };
    let (limit, cursor) = (page.limit()?, page.cursor()?);
    let mut errors = crate::error::FieldErrors::default();
    let statuses = super::filters::several(
        &mut errors,
        "status",
        "invalid_status",
        &SmsStatus::names(),
        query.status.as_deref(),
        SmsStatus::parse,
    );
    errors.finish()?;
    let nonempty = |v: Option<String>| v.filter(|v| !v.trim().is_empty());
    let filter = LogFilter {
        statuses,
        dispute_id: nonempty(query.dispute_id),
        user_id: nonempty(query.user_id),
    };
    let rows = state
        .db
        .run(move |conn| crate::store::sms::list(conn, &filter, cursor.as_deref(), limit))
        .await?;
    let (rows, next_cursor) = split_page(rows, limit, |row| row.id.clone());
    Ok(SmsMessagePage {
        items: rows
            .iter()
            .map(SmsMessageDto::of)
            .collect::<Result<_, _>>()?,
        next_cursor,
    })
}
