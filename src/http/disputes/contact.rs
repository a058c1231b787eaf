//! A regulator unmasks a consumer's contact for one dispute, stating why (docs/people-data.md#unmasking); the
//! reason goes into the audit log.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::http::AppState;
use crate::http::auth::AuthUser;
use crate::http::json::Json;

/// Why the regulator needs the whole contact.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnmaskRequest {
    /// 4–500 characters, e.g. "调解需电话联系消费者".
    pub reason: String,
}

/// The consumer's contact, whole.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContactResponse {
    pub display_name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
}

/// Shows a regulator of the dispute's region the consumer's whole phone and email, with a
/// stated reason that is audited.
#[utoipa::path(post, path = "/api/v1/disputes/{id}/contact", tag = "disputes", params(("id" = String, Path)),
    request_body = UnmaskRequest,
    responses((status = 200, body = ContactResponse), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn unmask(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<String>,
    body: Json<UnmaskRequest>,
) -> Result<HttpResponse, ApiError> {
    let contact = unmask_for(&state, &auth, path.into_inner(), &body.reason).await?;
    Ok(HttpResponse::Ok().json(contact))
}

/// The consumer's whole contact for `auth`, a regulator of dispute `id`'s region, with the
/// `reason` checked and audited (the API and the portal).
pub async fn unmask_for(
    state: &AppState,
    auth: &AuthUser,
    id: String,
    reason: &str,
) -> Result<ContactResponse, ApiError> {
    let reason = reason.trim().to_string();
    if !(4..=500).contains(&reason.chars().count()) {
        return Err(ApiError::invalid_field(
            "reason",
            "invalid_length",
            "state the reason in 4–500 characters",
        ));
    }
    let now = state.clock.now();
    let pii = state.pii.clone();
    let actor = auth.actor.clone();
    let contact = state
        .db
        .run(move |conn| crate::disputes::contact::unmask(conn, &actor, &pii, &id, &reason, now))
        .await?;
    Ok(ContactResponse {
        display_name: contact.display_name,
        phone: contact.phone,
        email: contact.email,
    })
}
