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
mod mediations;
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

use crate::error::{ApiError, ErrorCode};
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpRequest, HttpResponse, ResponseError, web};

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

/// Whether `req` comes from a browser asking for a page: outside `/api/`, accepting HTML.
fn wants_page(req: &HttpRequest) -> bool {
    !req.path().starts_with("/api/")
        && req
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|accept| accept.contains("text/html"))
}

/// Routes that do not exist: a page for a browser, a problem document for anything else
/// (and for every path under `/api/`).
pub async fn unknown_route(req: HttpRequest) -> Result<HttpResponse, actix_web::Error> {
    if !wants_page(&req) {
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

/// A browser's request that was refused before any page could answer it (a form without its
/// token or with a field of the wrong shape, a wrong method, a body too large) gets a page
/// saying so in the visitor's language, not a problem document; the API keeps its problems.
pub async fn refusals_as_pages(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let page = wants_page(req.request());
    let res = next.call(req).await?.map_into_boxed_body();
    let is_html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    if !page || !res.status().is_client_error() || is_html {
        return Ok(res);
    }
    let error = res
        .response()
        .error()
        .and_then(|e| e.as_error::<ApiError>())
        .cloned()
        .unwrap_or_else(|| crate::http::errors::for_status(res.status()));
    let Ok(session) = session::Session::from_request(res.request(), &mut Payload::None).await
    else {
        return Ok(res);
    };
    let mut page = session.fail(error).error_response();
    crate::http::errors::keep_headers(res.headers(), page.headers_mut());
    Ok(res.into_response(page))
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
        .configure(following::routes)
        .configure(mediations::routes);
}
