//! The notification centre: every signed-in account's notices, newest first, each linking to
//! its dispute, with "mark read" one by one or all at once (docs/api.md#notifications). The
//! header of every page shows how many are unread ([`super::session::Session::frame`]).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

use super::labels;
use super::session::{CsrfForm, OrPage, PageError, Session, after, status_of};
use super::table::{Cell, Listing, Row};
use crate::error::ApiError;
use crate::http::notifications::{list_for, read_all_for, read_for};

/// Registers the routes of this module.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/notifications").route(web::get().to(|s: Session| notices_page(s, None))),
    )
    .service(web::resource("/notifications/read-all").route(web::post().to(read_all)))
    .service(web::resource("/notifications/{id}/read").route(web::post().to(read_one)));
}

async fn notices_page(s: Session, error: Option<ApiError>) -> Result<HttpResponse, PageError> {
    let auth = s.account()?;
    let items = list_for(&s.state, &auth, false).await.or_page(&s)?;
    let mut list = Listing::new(
        s.frame_after(error.as_ref()),
        "notifications",
        &["notice-text", "received", "status", "handle"],
    );
    list.empty = list.s("no-notifications");
    if items.iter().any(|n| !n.read) {
        list.forms
            .push(list.form("/notifications/read-all", "mark-all-read", "secondary"));
    }
    for notice in items {
        // In the page's language when the notice was kept in both.
        let message = match s.lang {
            super::frame::Lang::En => notice.message_en.clone(),
            _ => notice.message_zh.clone(),
        }
        .unwrap_or_else(|| notice.message.clone());
        let text = match &notice.dispute_id {
            Some(id) => Cell::link(message, format!("/disputes/{id}")),
            None => Cell::text(message),
        };
        let (state, style) = if notice.read {
            (list.s("read"), "")
        } else {
            (list.s("unread"), "warn")
        };
        let forms = if notice.read {
            Vec::new()
        } else {
            vec![list.form(
                format!("/notifications/{}/read", notice.id),
                "mark-read",
                "secondary",
            )]
        };
        list.rows.push(Row {
            cells: vec![
                text.with_note(labels::of(list.frame.l, notice.kind)),
                Cell::text(list.frame.time(&notice.created_at)),
                Cell::badge(state, style),
            ],
            forms,
        });
    }
    list.render(&s, error.as_ref().map_or(StatusCode::OK, status_of))
}

async fn read_all(s: Session, form: web::Form<CsrfForm>) -> Result<HttpResponse, PageError> {
    s.check_form(&form.csrf)?;
    let auth = s.account()?;
    let outcome = read_all_for(&s.state, &auth).await.map(drop);
    after(s, outcome, "/notifications", notices_page).await
}

async fn read_one(
    s: Session,
    path: web::Path<String>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, PageError> {
    s.check_form(&form.csrf)?;
    let auth = s.account()?;
    let outcome = read_for(&s.state, &auth, path.into_inner()).await;
    after(s, outcome, "/notifications", notices_page).await
}
