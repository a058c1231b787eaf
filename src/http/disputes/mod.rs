//! Disputes over HTTP: filing, inboxes and counts, the full view, every lifecycle action, and
//! evidence files.

pub mod contact;
pub mod dto;
pub mod evidence;
pub mod handlers;
pub use crate::disputes::view;

use actix_web::web;

use super::auth::AuthUser;
use crate::disputes::CaseError;
use crate::domain::role::Role;
use crate::error::{ApiError, ErrorCode};
use crate::store::disputes::DisputeScope;

/// Registers the routes of this module.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/disputes")
            .route(web::post().to(handlers::file))
            .route(web::get().to(handlers::list)),
    )
    .service(web::resource("/disputes/counts").route(web::get().to(handlers::counts)))
    .service(web::resource("/disputes/export").route(web::get().to(handlers::export)))
    .service(web::resource("/disputes/{id}").route(web::get().to(handlers::get)))
    .service(web::resource("/disputes/{id}/actions").route(web::post().to(handlers::act)))
    .service(web::resource("/disputes/{id}/contact").route(web::post().to(contact::unmask)))
    .service(web::resource("/disputes/{id}/evidence").route(web::post().to(evidence::upload)))
    .service(
        web::resource("/disputes/{id}/evidence/{evidence_id}")
            .route(web::get().to(evidence::download)),
    )
    .service(
        web::resource("/evidence/{evidence_id}").route(web::get().to(evidence::download_signed)),
    );
}

/// The disputes a listing may show the caller.
pub fn scope_of(auth: &AuthUser, counts_only: bool) -> Result<DisputeScope, ApiError> {
    let actor = &auth.actor;
    match actor.role {
        Role::Consumer => Ok(DisputeScope::Consumer(actor.user_id.clone())),
        Role::MerchantStaff => actor
            .business_id
            .clone()
            .map(DisputeScope::Business)
            .ok_or_else(|| ApiError::forbidden("Your account has no business.")),
        Role::Regulator => actor
            .region
            .as_ref()
            .map(|r| DisputeScope::RegionPrefix(r.prefix().to_string()))
            .ok_or_else(|| ApiError::forbidden("Your account has no region.")),
        Role::AssociationAdmin if counts_only => actor
            .association_id
            .clone()
            .map(DisputeScope::Association)
            .ok_or_else(|| ApiError::forbidden("Your account has no association.")),
        Role::AssociationAdmin => Err(ApiError::forbidden(
            "Associations see their members' dispute counts, not their contents.",
        )),
        Role::Admin => Err(ApiError::forbidden("Platform admins do not see disputes.")),
        Role::Mediator => Err(ApiError::forbidden(
            "Mediators see the disputes referred to them under /api/v1/mediations.",
        )),
    }
}

pub use crate::disputes::dispute_not_found;

impl From<CaseError> for ApiError {
    fn from(error: CaseError) -> Self {
        match error {
            CaseError::Invalid(errors) => ApiError::validation(errors),
            CaseError::Rule(rule) => ApiError::new(rule.into(), rule.to_string()),
            CaseError::Offer(offer) => ApiError::new(offer.into(), offer.to_string()),
            CaseError::Conflict(code, detail) => ApiError::new(code, detail),
            CaseError::NotFound("offer") => {
                ApiError::new(ErrorCode::OfferNotFound, "No such offer on this dispute.")
            }
            CaseError::NotFound("escalation") => {
                ApiError::new(ErrorCode::EscalationNotFound, "No such escalation.")
            }
            CaseError::NotFound(_) => dispute_not_found(),
            CaseError::Store(e) => e.into(),
        }
    }
}
