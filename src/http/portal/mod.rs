//! The web portal: server-rendered pages in Simplified Chinese by default with an English
//! switch, for consumers, merchant staff, associations, regulators and administrators.
//!
//! Pages call the API's handlers in-process with the session's account (`api`), so the
//! portal keeps the API's access rules and never queries the database itself. Sessions,
//! form tokens and languages live in `session`; the page frame in `frame`.

mod account;
mod accounts_admin;
mod back_office;
mod charts;
mod disputes;
mod following;
pub mod frame;
mod invitation;
mod labels;
pub use labels::stable_codes;
mod notices;
mod public;
mod regions;
mod regulator;
pub mod reply_templates;
pub mod session;
mod sms;
mod table;
pub mod webhooks;

use crate::error::ErrorCode;
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};

pub use invitation::{
    accept_invitation, forgot_form, invitation_form, reset_form, reset_password_page,
    send_reset_link,
};

/// The portal's style sheet, compiled in.
const STYLE: &str = include_str!("static/portal.css");

async fn style() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(STYLE)
}

/// Routes that do not exist: a page for a browser, a problem document for anything else
/// (and for every path under `/api/`).
pub async fn unknown_route(req: HttpRequest) -> Result<HttpResponse, actix_web::Error> {
    let wants_page = !req.path().starts_with("/api/")
        && req
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|accept| accept.contains("text/html"));
    if !wants_page {
        return Ok(crate::http::errors::unknown_route(req).await?);
    }
    let session = session::Session::from_request(&req, &mut Payload::None).await?;
    Err(session
        .fail(crate::error::ApiError::new(
            ErrorCode::NotFound,
            "No such page.",
        ))
        .into())
}

/// Registers the routes of the portal.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/static/portal.css").route(web::get().to(style)))
        .service(
            web::resource("/invitations/accept")
                .route(web::get().to(invitation_form))
                .route(web::post().to(accept_invitation)),
        )
        .service(
            web::resource("/password/forgot")
                .route(web::get().to(forgot_form))
                .route(web::post().to(send_reset_link)),
        )
        .service(
            web::resource("/password/reset")
                .route(web::get().to(reset_form))
                .route(web::post().to(reset_password_page)),
        )
        .configure(account::routes)
        .configure(public::routes)
        .configure(disputes::routes)
        .configure(regulator::routes)
        .configure(back_office::routes)
        .configure(accounts_admin::routes)
        .configure(sms::routes)
        .configure(notices::routes)
        .configure(webhooks::routes)
        .configure(reply_templates::routes)
        .configure(following::routes);
}
