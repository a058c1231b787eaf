//! The admin's accounts page: find an account by name, email or mobile number and deactivate
//! it (a regulator, association admin or staff member who left) or let it log in again.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::frame::encode;
use super::labels;
use super::session::{CsrfForm, OrPage, PageError, Session, after, status_of};
use super::table::{Cell, Listing, Row};
use crate::domain::role::Role;
use crate::error::{ApiError, ErrorCode};
use crate::http::admin::{self, UserQuery};

/// Registers the routes of this module.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/admin/users").route(web::get().to(users)))
        .service(web::resource("/admin/users/{id}/{action}").route(web::post().to(set_active)));
}

/// The search of the accounts page.
#[derive(Debug, Default, Deserialize)]
pub struct SearchQuery {
    q: Option<String>,
    cursor: Option<String>,
}

async fn users(s: Session, query: web::Query<SearchQuery>) -> Result<HttpResponse, PageError> {
    users_page(s, query.into_inner(), None).await
}

async fn users_page(
    s: Session,
    search: SearchQuery,
    error: Option<ApiError>,
) -> Result<HttpResponse, PageError> {
    let auth = s.account_as(&[Role::Admin])?;
    let me = auth.user.id.clone();
    let q = search.q.clone().unwrap_or_default();
    let page = admin::list_users_for(
        &s.state,
        &auth,
        UserQuery {
            q: search.q.clone(),
            role: None,
            limit: Some("50".into()),
            cursor: search.cursor,
        },
    )
    .await
    .or_page(&s)?;
    let mut list = Listing::new(
        s.frame_after(error.as_ref()),
        "accounts",
        &[
            "name",
            "role",
            "email-mobile",
            "belongs-to",
            "state",
            "actions",
        ],
    );
    list.intro = Some(list.s("deactivate-the-account-of-someone"));
    list.forms
        .push(list.search("/admin/users", "search").prefilled(
            "q",
            list.s("name-email-or-mobile-number"),
            q.clone(),
        ));
    for user in page.items {
        let contact = [user.email.clone(), user.phone.clone()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" / ");
        let belongs = user.organisation.clone().unwrap_or_default();
        let state = if !user.is_active {
            Cell::badge(list.s("deactivated"), "bad")
        } else if user.has_password {
            Cell::badge(list.s("active"), "ok")
        } else {
            Cell::badge(list.s("invited"), "warn")
        };
        let mut forms = Vec::new();
        let id = encode(&user.id);
        if user.id != me {
            forms.push(if user.is_active {
                list.form(
                    format!("/admin/users/{id}/deactivate"),
                    "deactivate",
                    "danger",
                )
            } else {
                list.form(
                    format!("/admin/users/{id}/reactivate"),
                    "reactivate",
                    "secondary",
                )
            });
        }
        list.rows.push(Row {
            cells: vec![
                Cell::text(user.display_name),
                Cell::text(labels::role(s.lang, user.role.as_str())),
                Cell::text(contact),
                Cell::text(belongs),
                state,
            ],
            forms,
        });
    }
    list.next = page
        .next_cursor
        .map(|c| format!("/admin/users?q={}&cursor={}", encode(&q), encode(&c)));
    list.render(&s, error.as_ref().map_or(StatusCode::OK, status_of))
}

/// Deactivates or reactivates an account.
async fn set_active(
    s: Session,
    path: web::Path<(String, String)>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, PageError> {
    s.check_form(&form.csrf)?;
    let auth = s.account_as(&[Role::Admin])?;
    let (id, action) = path.into_inner();
    let outcome = match action.as_str() {
        "deactivate" => admin::set_user_active_for(&s.state, &auth, id, false).await,
        "reactivate" => admin::set_user_active_for(&s.state, &auth, id, true).await,
        _ => Err(ApiError::new(ErrorCode::NotFound, "No such page.")),
    };
    after(s, outcome, "/admin/users", again).await
}

async fn again(s: Session, error: Option<ApiError>) -> Result<HttpResponse, PageError> {
    users_page(s, SearchQuery::default(), error).await
}
