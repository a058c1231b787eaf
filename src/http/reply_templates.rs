//! Reply templates (docs/reply-templates.md) over HTTP; the rules are in
//! `oversight::reply_templates`.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::AppState;
use super::auth::AuthUser;
use crate::domain::access::Actor;
use crate::error::ApiError;
use crate::http::json::Json;
use crate::oversight::reply_templates as templates;
pub use crate::oversight::reply_templates::{TemplateQuery, TemplateRequest};
use crate::store::from_db_time;
use crate::store::reply_templates::ReplyTemplate;

/// Registers the routes of this module.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/reply-templates")
            .route(web::get().to(list))
            .route(web::post().to(create)),
    )
    .service(
        web::resource("/reply-templates/{id}")
            .route(web::get().to(get))
            .route(web::put().to(replace))
            .route(web::delete().to(delete)),
    );
}

/// A reply template as shown.
#[derive(Debug, Serialize, serde::Deserialize, ToSchema)]
pub struct ReplyTemplateDto {
    pub id: String,
    /// The region whose regulators keep it; it serves the units and regulators inside.
    pub region_code: String,
    /// The kind of case (a dispute category's code); none: any kind.
    pub category: Option<String>,
    pub title: String,
    pub body: String,
    /// Whether the legal section reviewed this text.
    pub reviewed: bool,
    pub reviewed_at: Option<DateTime<Utc>>,
    /// Whether the caller may change or delete it (a regulator of its region or one around it).
    pub editable: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl ReplyTemplateDto {
    /// `t` as `actor` sees it.
    pub fn of(t: ReplyTemplate, actor: &Actor) -> Self {
        Self {
            editable: templates::may_change(actor, &t),
            id: t.id,
            region_code: t.region_code,
            category: t.category,
            title: t.title,
            body: t.body,
            reviewed: t.reviewed_at.is_some(),
            reviewed_at: t.reviewed_at.map(from_db_time),
            created_at: from_db_time(t.created_at),
            updated_at: from_db_time(t.updated_at),
        }
    }
}

/// The reply templates the caller may insert: a regulator's region's, those of the regions
/// around it and inside it; a unit's staff those of the unit's region and the regions around
/// it. A category's own first, then those for any kind, each by title.
#[utoipa::path(get, path = "/api/v1/reply-templates", tag = "reply-templates", params(TemplateQuery),
    responses((status = 200, body = Vec<ReplyTemplateDto>), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn list(
    state: web::Data<AppState>,
    auth: AuthUser,
    query: web::Query<TemplateQuery>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(list_for(&state, &auth, query.into_inner()).await?))
}

/// The templates `auth` may insert, as asked by `query`.
pub async fn list_for(
    state: &AppState,
    auth: &AuthUser,
    query: TemplateQuery,
) -> Result<Vec<ReplyTemplateDto>, ApiError> {
    let (actor, categories) = (auth.actor.clone(), categories(state));
    state
        .db
        .read(Some(&auth.user.id), move |conn| {
            let rows = templates::list(conn, &actor, &categories, &query)?;
            Ok(rows
                .into_iter()
                .map(|t| ReplyTemplateDto::of(t, &actor))
                .collect())
        })
        .await
}

/// Writes a reply template for the caller's region (regulators).
#[utoipa::path(post, path = "/api/v1/reply-templates", tag = "reply-templates", request_body = TemplateRequest,
    responses((status = 201, body = ReplyTemplateDto), (status = 403, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn create(
    state: web::Data<AppState>,
    auth: AuthUser,
    body: Json<TemplateRequest>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Created().json(create_for(&state, &auth, body.into_inner()).await?))
}

/// Writes a template as `auth`.
pub async fn create_for(
    state: &AppState,
    auth: &AuthUser,
    request: TemplateRequest,
) -> Result<ReplyTemplateDto, ApiError> {
    write(state, auth, None, request).await
}

/// Writes `request` as `auth`: a new template, or over template `id`.
async fn write(
    state: &AppState,
    auth: &AuthUser,
    id: Option<String>,
    request: TemplateRequest,
) -> Result<ReplyTemplateDto, ApiError> {
    let (actor, now) = (auth.actor.clone(), state.clock.now());
    let categories = categories(state);
    state
        .db
        .run(move |conn| {
            let row = match &id {
                None => templates::create(conn, &actor, &categories, &request, now)?,
                Some(id) => templates::change(conn, &actor, &categories, id, &request, now)?,
            };
            Ok(ReplyTemplateDto::of(row, &actor))
        })
        .await
}

/// One reply template the caller may insert.
#[utoipa::path(get, path = "/api/v1/reply-templates/{id}", tag = "reply-templates", params(("id" = String, Path)),
    responses((status = 200, body = ReplyTemplateDto), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn get(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(get_for(&state, &auth, path.into_inner()).await?))
}

/// Template `id` as `auth` may read it.
pub async fn get_for(
    state: &AppState,
    auth: &AuthUser,
    id: String,
) -> Result<ReplyTemplateDto, ApiError> {
    let actor = auth.actor.clone();
    state
        .db
        .read(Some(&auth.user.id), move |conn| {
            Ok(ReplyTemplateDto::of(
                templates::find(conn, &actor, &id)?,
                &actor,
            ))
        })
        .await
}

/// Rewrites a reply template: its title, text, kind and review mark (regulators of its region
/// or a region around it). The legal section's mark follows the text: see `reviewed`.
#[utoipa::path(put, path = "/api/v1/reply-templates/{id}", tag = "reply-templates", params(("id" = String, Path)),
    request_body = TemplateRequest,
    responses((status = 200, body = ReplyTemplateDto), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn replace(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<String>,
    body: Json<TemplateRequest>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok()
        .json(replace_for(&state, &auth, path.into_inner(), body.into_inner()).await?))
}

/// Rewrites template `id` as `auth`.
pub async fn replace_for(
    state: &AppState,
    auth: &AuthUser,
    id: String,
    request: TemplateRequest,
) -> Result<ReplyTemplateDto, ApiError> {
    write(state, auth, Some(id), request).await
}

/// Deletes a reply template (regulators of its region or a region around it).
#[utoipa::path(delete, path = "/api/v1/reply-templates/{id}", tag = "reply-templates", params(("id" = String, Path)),
    responses((status = 204, description = "deleted"), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn delete(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    delete_for(&state, &auth, path.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Deletes template `id` as `auth`.
pub async fn delete_for(state: &AppState, auth: &AuthUser, id: String) -> Result<(), ApiError> {
    let (actor, now) = (auth.actor.clone(), state.clock.now());
    state
        .db
        .run(move |conn| templates::delete(conn, &actor, &id, now))
        .await
}

/// The configured dispute categories' codes.
fn categories(state: &AppState) -> Vec<String> {
    (state.settings.disputes.categories.iter())
        .map(|c| c.code.clone())
        .collect()
}
