//! Association bulk onboarding: upload a CSV or XLSX of member businesses.

use actix_multipart::Multipart;
use actix_web::{HttpResponse, web};

use super::AppState;
use super::auth::AuthUser;
use super::body::read_file_field;
use crate::domain::role::Role;
use crate::error::{ApiError, ErrorCode};
use crate::onboarding::import::{
    ImportContext, ImportError, ImportReport, import_members, read_rows,
};
use crate::store::reference::find_association;
use crate::store::units::Actor;

/// Registers the routes of this module.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/associations/{id}/imports").route(web::post().to(import_file)));
}

/// Imports member businesses (association admin of that association). Valid rows create a
/// business, invite its owner by email and file its ODR application; bad rows are listed
/// with line and reasons; rows whose credit code exists are left unchanged.
#[utoipa::path(post, path = "/api/v1/associations/{id}/imports", tag = "associations",
    params(("id" = String, Path)),
    request_body(content_type = "multipart/form-data", description = "field `file`: CSV (UTF-8 or GB18030) or XLSX with the columns uscc, name, industry_code, region_code, address, contact_name, contact_phone, owner_name, owner_email, has_handling_place, has_staff, has_computer, has_dedicated_phone, has_written_procedure (or their Chinese headers)"),
    responses((status = 200, body = ImportReport), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 413, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn import_file(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<String>,
    form: Multipart,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(import_file_for(&state, &auth, path.into_inner(), form).await?))
}

/// Imports the member list in `form` into association `association_id` as `auth` (its
/// administrator).
pub async fn import_file_for(
    state: &AppState,
    auth: &AuthUser,
    association_id: String,
    form: Multipart,
) -> Result<ImportReport, ApiError> {
    auth.require_role(&[Role::AssociationAdmin])?;
    if auth.actor.association_id.as_deref() != Some(association_id.as_str()) {
        return Err(ApiError::forbidden("You administer another association."));
    }
    let uploads = state.settings.uploads.clone();
    let bytes = read_file_field(form, uploads.max_import_bytes, "the CSV or XLSX file").await?;
    // Parsing a sheet is CPU work: it runs on the blocking pool, not on the async threads.
    let rows =
        web::block(move || read_rows(&bytes, uploads.max_import_rows, uploads.max_import_bytes))
            .await
            .map_err(ApiError::internal)?
            .map_err(|e| ApiError::validation(vec![e.field_error()]))?;
    let now = state.clock.now();
    let (pii, inviter, auth) = (state.pii.clone(), state.inviter(), auth.clone());
    state
        .db
        .run(move |conn| {
            let association = find_association(conn, &association_id)?.ok_or_else(|| {
                ApiError::new(ErrorCode::AssociationNotFound, "No such association.")
            })?;
            let ctx = ImportContext {
                pii: &pii,
                inviter: &inviter,
                association: &association,
                actor: Actor {
                    id: auth.id(),
                    role: auth.role(),
                },
                now,
            };
            import_members(conn, &ctx, &rows).map_err(|e| match e {
                ImportError::Store(e) => ApiError::from(e),
                other => ApiError::internal(other),
            })
        })
        .await
}
