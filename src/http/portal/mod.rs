//! The web portal: server-rendered pages in Simplified Chinese by default with an English
//! switch, for consumers, merchant staff, associations, regulators and administrators.
//!
//! Pages call the API's handlers in-process with the session's account (`api`), so the
//! portal keeps the API's access rules and never queries the database itself. Sessions,
//! form tokens and languages live in `session`; the page frame in `frame`.

mod account;
mod api;
mod back_office;
mod charts;
mod disputes;
pub mod frame;
mod invitation;
mod labels;
mod public;
mod regulator;
pub mod session;
mod table;

use actix_web::http::header;
use actix_web::{HttpResponse, web};

pub use invitation::{accept_invitation, invitation_form};

/// The portal's style sheet, compiled in.
const STYLE: &str = include_str!("static/portal.css");

async fn style() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(STYLE)
}

/// Registers the routes of the portal.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/static/portal.css").route(web::get().to(style)))
        .service(
            web::resource("/invitations/accept")
                .route(web::get().to(invitation_form))
                .route(web::post().to(accept_invitation)),
        )
        .configure(account::routes)
        .configure(public::routes)
        .configure(disputes::routes)
        .configure(regulator::routes)
        .configure(back_office::routes);
}
