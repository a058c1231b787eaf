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
use crate::store::notifications::{list_for_user, mark_read};

/// Registers the routes of this module.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/notifications").route(web::get().to(list)))
        .service(web::resource("/notifications/{id}/read").route(web::post().to(read)));
}

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
    pub message: String,
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
    let unread = query.unread.unwrap_or(false);
    let user = auth.id().to_string();
    let rows = state
        .db
        .run(move |conn| list_for_user(conn, &user, unread, 100).map_err(ApiError::from))
        .await?;
    let items: Vec<NotificationDto> = rows
        .into_iter()
        .map(|n| {
            Ok(NotificationDto {
                id: n.id,
                kind: n.kind.parse()?,
                dispute_id: n.dispute_id,
                message: n.message,
                read: n.read_at.is_some(),
                created_at: from_db_time(n.created_at),
            })
        })
        .collect::<Result<_, ApiError>>()?;
    Ok(HttpResponse::Ok().json(items))
}

/// Marks one of the caller's notifications read.
#[utoipa::path(post, path = "/api/v1/notifications/{id}/read", tag = "notifications", params(("id" = String, Path)),
    responses((status = 204, description = "marked read"), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn read(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let user = auth.id().to_string();
    let now = state.clock.now();
    let found = state
        .db
        .run(move |conn| mark_read(conn, &user, &id, now).map_err(ApiError::from))
        .await?;
    if found {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(ApiError::new(
            ErrorCode::NotificationNotFound,
            "No such notification.",
        ))
    }
}
