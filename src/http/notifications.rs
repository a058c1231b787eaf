//! The caller's in-app notifications.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use super::auth::AuthUser;
use crate::domain::notification::NotificationKind;
use crate::error::{ApiError, ErrorCode};
use crate::store::from_db_time;
use crate::store::notifications::{count_unread, list_for_user, mark_all_read, mark_read};

/// Registers the routes of this module.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/notifications").route(web::get().to(list)))
        .service(web::resource("/notifications/unread-count").route(web::get().to(unread_count)))
        .service(web::resource("/notifications/read-all").route(web::post().to(read_all)))
        .service(web::resource("/notifications/{id}/read").route(web::post().to(read)));
}

/// The unread count goes up to this, shown as "99+" beyond.
pub const UNREAD_CAP: i64 = 100;

/// Which notifications to list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NotificationQuery {
    /// `true` for unread ones only.
    pub unread: Option<bool>,
}

/// A notification.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationDto {
    pub id: String,
    pub kind: NotificationKind,
    pub dispute_id: Option<String>,
    /// The notice in the account's language.
    pub message: String,
    /// The notice in Chinese and in English (absent on notices older than both).
    pub message_zh: Option<String>,
    pub message_en: Option<String>,
    pub read: bool,
    pub created_at: DateTime<Utc>,
}

/// The latest 100 notifications of the caller, newest first.
#[utoipa::path(get, path = "/api/v1/notifications", tag = "notifications", params(NotificationQuery),
    responses((status = 200, body = Vec<NotificationDto>)), security(("bearer" = [])))]
pub async fn list(
    state: web::Data<AppState>,
    auth: AuthUser,
    query: web::Query<NotificationQuery>,
) -> Result<HttpResponse, ApiError> {
    let items = list_for(&state, &auth, query.unread.unwrap_or(false)).await?;
    Ok(HttpResponse::Ok().json(items))
}

/// The latest 100 notifications of `auth` (only the unread ones with `unread`), newest first.
pub async fn list_for(
    state: &AppState,
    auth: &AuthUser,
    unread: bool,
) -> Result<Vec<NotificationDto>, ApiError> {
    let user = auth.id().to_string();
    let rows = state
        .db
        .run_leaving_kept(move |conn| {
            list_for_user(conn, &user, unread, 100).map_err(ApiError::from)
        })
        .await?;
    rows.into_iter()
        .map(|n| {
            Ok(NotificationDto {
                id: n.id,
                kind: n.kind.parse()?,
                dispute_id: n.dispute_id,
                message: n.message,
                message_zh: n.message_zh,
                message_en: n.message_en,
                read: n.read_at.is_some(),
                created_at: from_db_time(n.created_at),
            })
        })
        .collect()
}

/// How many notifications of the caller are unread.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct UnreadCount {
    /// Counted up to 100: 100 means "100 or more".
    pub unread: i64,
}

/// How many of the caller's notifications are unread (up to 100), for a badge.
#[utoipa::path(get, path = "/api/v1/notifications/unread-count", tag = "notifications",
    responses((status = 200, body = UnreadCount)), security(("bearer" = [])))]
pub async fn unread_count(
    state: web::Data<AppState>,
    auth: AuthUser,
) -> Result<HttpResponse, ApiError> {
    let unread = unread_count_for(&state, auth.id()).await?;
    Ok(HttpResponse::Ok().json(UnreadCount { unread }))
}

/// How many of `user`'s notifications are unread, up to [`UNREAD_CAP`].
pub async fn unread_count_for(state: &AppState, user: &str) -> Result<i64, ApiError> {
    let user = user.to_string();
    state
        .db
        .run_leaving_kept(move |conn| count_unread(conn, &user, UNREAD_CAP).map_err(ApiError::from))
        .await
}

/// How many notifications a request marked read.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MarkedRead {
    pub marked: usize,
}

/// Marks every unread notification of the caller read.
#[utoipa::path(post, path = "/api/v1/notifications/read-all", tag = "notifications",
    responses((status = 200, body = MarkedRead)), security(("bearer" = [])))]
pub async fn read_all(
    state: web::Data<AppState>,
    auth: AuthUser,
) -> Result<HttpResponse, ApiError> {
    let marked = read_all_for(&state, &auth).await?;
    Ok(HttpResponse::Ok().json(MarkedRead { marked }))
}

/// Marks every unread notification of `auth` read; how many.
pub async fn read_all_for(state: &AppState, auth: &AuthUser) -> Result<usize, ApiError> {
    let user = auth.id().to_string();
    let now = state.clock.now();
    state
        .db
        .run_leaving_kept(move |conn| mark_all_read(conn, &user, now).map_err(ApiError::from))
        .await
}

/// Marks one of the caller's notifications read.
#[utoipa::path(post, path = "/api/v1/notifications/{id}/read", tag = "notifications", params(("id" = String, Path)),
    responses((status = 204, description = "marked read"), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn read(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    read_for(&state, &auth, path.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Marks notification `id` of `auth` read; 404 when `auth` has none by that id.
pub async fn read_for(state: &AppState, auth: &AuthUser, id: String) -> Result<(), ApiError> {
    let user = auth.id().to_string();
    let now = state.clock.now();
    let found = state
        .db
        .run_leaving_kept(move |conn| mark_read(conn, &user, &id, now).map_err(ApiError::from))
        .await?;
    if found {
        Ok(())
    } else {
        Err(ApiError::new(
            ErrorCode::NotificationNotFound,
            "No such notification.",
        ))
    }
}
