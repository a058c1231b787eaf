//! Publications (docs/metrics.md#publications) over HTTP; the rules are in
//! `oversight::publications`.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use super::auth::AuthUser;
use crate::domain::publication::{PublicationKind, PublicationStatus};
use crate::domain::region::RegionCode;
use crate::error::ApiError;
use crate::http::json::Json;
use crate::oversight::publications::{self as publications};
pub use crate::oversight::publications::{CreatePublication, EditPublication};
use crate::store::from_db_time;
use crate::store::publications::Publication;

/// Registers the routes of this module.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/publications")
            .route(web::get().to(list_drafts))
            .route(web::post().to(create)),
    )
    .service(
        web::resource("/publications/{id}")
            .route(web::get().to(preview))
            .route(web::patch().to(edit))
            .route(web::delete().to(delete)),
    )
    .service(web::resource("/publications/{id}/publish").route(web::post().to(publish)))
    .service(web::resource("/public/publications").route(web::get().to(public_list)));
}

/// A publication as shown.
#[derive(Debug, Serialize, serde::Deserialize, ToSchema)]
pub struct PublicationDto {
    pub id: String,
    pub kind: PublicationKind,
    pub region_code: String,
    pub title: String,
    pub body: String,
    pub status: PublicationStatus,
    pub created_at: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
}

impl TryFrom<Publication> for PublicationDto {
    type Error = ApiError;
    fn try_from(p: Publication) -> Result<Self, ApiError> {
        Ok(Self {
            id: p.id,
            kind: p.kind.parse()?,
            region_code: p.region_code,
            title: p.title,
            body: p.body,
            status: p.status.parse()?,
            created_at: from_db_time(p.created_at),
            published_at: p.published_at.map(from_db_time),
        })
    }
}

fn shown(rows: Vec<Publication>) -> Result<Vec<PublicationDto>, ApiError> {
    rows.into_iter().map(PublicationDto::try_from).collect()
}

/// Drafts a publication for the caller's region (regulators). A case summary is drafted from
/// the dispute with the personal data left out; review it before publishing.
#[utoipa::path(post, path = "/api/v1/publications", tag = "publications", request_body = CreatePublication,
    responses((status = 201, body = PublicationDto), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn create(
    state: web::Data<AppState>,
    auth: AuthUser,
    body: Json<CreatePublication>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Created().json(create_for(&state, &auth, body.into_inner()).await?))
}

/// Drafts a publication as `auth`.
pub async fn create_for(
    state: &AppState,
    auth: &AuthUser,
    request: CreatePublication,
) -> Result<PublicationDto, ApiError> {
    let now = state.clock.now();
    let actor = auth.actor.clone();
    let row = state
        .db
        .run(move |conn| publications::create(conn, &actor, &request, now))
        .await?;
    PublicationDto::try_from(row)
}

/// The region's publications, drafts included, newest first (regulators).
#[utoipa::path(get, path = "/api/v1/publications", tag = "publications",
    responses((status = 200, body = Vec<PublicationDto>), (status = 403, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn list_drafts(
    state: web::Data<AppState>,
    auth: AuthUser,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(list_drafts_for(&state, &auth).await?))
}

/// The drafts of `auth`'s region.
pub async fn list_drafts_for(
    state: &AppState,
    auth: &AuthUser,
) -> Result<Vec<PublicationDto>, ApiError> {
    let actor = auth.actor.clone();
    let rows = state
        .db
        .run(move |conn| publications::list_drafts(conn, &actor))
        .await?;
    shown(rows)
}

/// Previews a publication exactly as it will read (regulators of its region).
#[utoipa::path(get, path = "/api/v1/publications/{id}", tag = "publications", params(("id" = String, Path)),
    responses((status = 200, body = PublicationDto), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn preview(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let row = state
        .db
        .run(move |conn| publications::find_in_region(conn, &auth.actor, &path))
        .await?;
    Ok(HttpResponse::Ok().json(PublicationDto::try_from(row)?))
}

/// Edits a draft (regulators of its region); text naming the consumer is refused.
#[utoipa::path(patch, path = "/api/v1/publications/{id}", tag = "publications", params(("id" = String, Path)),
    request_body = EditPublication,
    responses((status = 200, body = PublicationDto), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn edit(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<String>,
    body: Json<EditPublication>,
) -> Result<HttpResponse, ApiError> {
    let edited = edit_for(&state, &auth, path.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::Ok().json(edited))
}

/// Edits draft `id` as `auth`.
pub async fn edit_for(
    state: &AppState,
    auth: &AuthUser,
    id: String,
    body: EditPublication,
) -> Result<PublicationDto, ApiError> {
    let pii = state.pii.clone();
    let actor = auth.actor.clone();
    let row = state
        .db
        .run(move |conn| publications::edit(conn, &actor, &pii, &id, &body))
        .await?;
    PublicationDto::try_from(row)
}

/// One publication as `auth` (a regulator of its region) may preview it.
pub async fn preview_for(
    state: &AppState,
    auth: &AuthUser,
    id: String,
) -> Result<PublicationDto, ApiError> {
    let actor = auth.actor.clone();
    let row = state
        .db
        .run(move |conn| publications::find_in_region(conn, &actor, &id))
        .await?;
    PublicationDto::try_from(row)
}

/// Deletes a draft (regulators of its region); a published text is not deleted (409).
#[utoipa::path(delete, path = "/api/v1/publications/{id}", tag = "publications", params(("id" = String, Path)),
    responses((status = 204, description = "Deleted"), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn delete(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    delete_for(&state, &auth, path.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Deletes draft `id` as `auth`.
pub async fn delete_for(state: &AppState, auth: &AuthUser, id: String) -> Result<(), ApiError> {
    let actor = auth.actor.clone();
    let now = state.clock.now();
    state
        .db
        .run(move |conn| publications::delete(conn, &actor, &id, now))
        .await
}

/// Publishes a draft (regulators of its region); it then appears in the public list.
#[utoipa::path(post, path = "/api/v1/publications/{id}/publish", tag = "publications", params(("id" = String, Path)),
    responses((status = 200, body = PublicationDto), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn publish(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(publish_for(&state, &auth, path.into_inner()).await?))
}

/// Publishes draft `id` as `auth`.
pub async fn publish_for(
    state: &AppState,
    auth: &AuthUser,
    id: String,
) -> Result<PublicationDto, ApiError> {
    let now = state.clock.now();
    let pii = state.pii.clone();
    let actor = auth.actor.clone();
    let row = state
        .db
        .run(move |conn| publications::publish(conn, &actor, &pii, &id, now))
        .await?;
    PublicationDto::try_from(row)
}

/// Filter of the public list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PublicQuery {
    /// Only publications of this kind.
    #[param(value_type = Option<PublicationKind>)]
    pub kind: Option<String>,
    /// Only publications of this region and the regions inside it.
    pub region: Option<String>,
}

/// Published case summaries and consumer alerts, newest first (at most 200).
#[utoipa::path(get, path = "/api/v1/public/publications", tag = "public", params(PublicQuery),
    responses((status = 200, body = Vec<PublicationDto>), (status = 422, body = crate::error::Problem)))]
pub async fn public_list(
    state: web::Data<AppState>,
    query: web::Query<PublicQuery>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(public_list_for(&state, query.into_inner()).await?))
}

/// Published items, filtered by `query`.
pub async fn public_list_for(
    state: &AppState,
    query: PublicQuery,
) -> Result<Vec<PublicationDto>, ApiError> {
    let kind = query.kind;
    if kind
        .as_deref()
        .is_some_and(|k| PublicationKind::parse(k).is_none())
    {
        return Err(ApiError::invalid_field(
            "kind",
            "invalid_kind",
            "case_summary or consumer_alert",
        ));
    }
    let region = query
        .region
        .as_deref()
        .map(RegionCode::parse)
        .transpose()
        .map_err(|e| ApiError::invalid_field("region", "invalid_region_code", e.to_string()))?;
    let rows = state
        .db
        .run(move |conn| publications::public_list(conn, kind.as_deref(), region.as_ref()))
        .await?;
    shown(rows)
}
