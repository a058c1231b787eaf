//! Following cases in the portal (docs/following.md): an officer's list (我跟踪的案件) and the
//! forms of the dispute page's following card: name an officer, end the following, urge the
//! unit, record a return visit.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::disputes::{Typed, back_to_dispute};
use super::labels;
use super::session::{OrPage, PageError, Session};
use super::table::{Cell, Listing, Row};
use crate::domain::following::{FollowReason, VisitChannel};
use crate::domain::role::Role;
use crate::error::{ApiError, FieldErrors};
use crate::http::following::{self as api, FollowRequest, FollowedQuery, VisitRequest};

/// Registers the routes of this module.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/followed").route(web::get().to(followed_page)))
        .service(web::resource("/disputes/{id}/follow").route(web::post().to(follow)))
        .service(web::resource("/disputes/{id}/unfollow").route(web::post().to(unfollow)))
        .service(web::resource("/disputes/{id}/urge").route(web::post().to(urge)))
        .service(web::resource("/disputes/{id}/return-visit").route(web::post().to(visit)));
}

/// The disputes the signed-in officer follows, with their due dates, urges and return visits.
async fn followed_page(s: Session) -> Result<HttpResponse, PageError> {
    let auth = s.account_as(&[Role::Regulator])?;
    let items = api::list_for(&s.state, &auth, FollowedQuery::default())
        .await
        .or_page(&s)?;
    let mut list = Listing::new(
        s.frame(),
        "nav-followed",
        &[
            "case",
            "business",
            "status",
            "follow-reason",
            "due",
            "urges",
            "return-visit-count",
        ],
    );
    list.intro = Some(list.s("the-disputes-you-are-named-to-follow"));
    list.empty = list.s("you-follow-no-dispute-yet");
    for item in items {
        let f = &list.frame;
        // The unit's due moment while it handles the dispute; once escalated, the bureau's.
        let running = match (item.due, item.bureau_deadline) {
            (Some(deadline), _) => item.due_at.map(|at| (labels::of(f.l, deadline), at)),
            (None, Some(deadline)) => item.bureau_due_at.map(|at| (labels::of(f.l, deadline), at)),
            (None, None) => None,
        };
        let due = match running {
            Some((what, at)) => {
                let style = if at < f.now { "bad" } else { "warn" };
                let whose = if item.due.is_some() {
                    ""
                } else {
                    f.s("bureau-due")
                };
                Cell::badge(f.countdown(&at), style)
                    .with_note(format!("{whose} {what} {}", f.time(&at)).trim().to_string())
            }
            None => Cell::text(item.concluded_at.map_or_else(String::new, |at| {
                format!("{} {}", f.s("concluded-on"), f.date(&at))
            })),
        };
        let mut case = Cell::link(
            item.case_number.clone(),
            format!("/disputes/{}#following", item.dispute_id),
        );
        if let Some(note) = &item.note {
            case = case.with_note(note.clone());
        }
        let urges = match item.last_urged_at {
            Some(at) => Cell::text(item.urges.to_string()).with_note(f.time(&at)),
            None => Cell::text("0"),
        };
        // A dispute the bureau still handles is called back once that ends, not before.
        let visits = match item.last_visited_on {
            Some(on) => Cell::text(item.return_visits.to_string()).with_note(on.to_string()),
            None if item.bureau_deadline.is_some() => Cell::text(f.s("with-12315")),
            None if item.concluded_at.is_some() => {
                Cell::badge(f.s("awaiting-return-visit"), "warn")
            }
            None => Cell::text("0"),
        };
        let row = Row {
            cells: vec![
                case,
                Cell::text(item.business_name.clone()),
                Cell::text(labels::of(f.l, item.status)),
                Cell::text(labels::of(f.l, item.reason)),
                due,
                urges,
                visits,
            ],
            forms: Vec::new(),
        };
        list.rows.push(row);
    }
    list.render(&s, StatusCode::OK)
}

/// The form naming an officer.
#[derive(Debug, Deserialize)]
pub struct FollowForm {
    csrf: String,
    officer_id: String,
    reason: String,
    note: Option<String>,
}

async fn follow(
    s: Session,
    path: web::Path<String>,
    form: web::Form<FollowForm>,
) -> Result<HttpResponse, PageError> {
    s.check_form(&form.csrf)?;
    let auth = s.account_as(&[Role::Regulator])?;
    let (id, form) = (path.into_inner(), form.into_inner());
    let typed = Typed::of("follow")
        .with("officer_id", Some(&form.officer_id))
        .with("reason", Some(&form.reason))
        .with("note", form.note.as_deref());
    let done = if form.officer_id == auth.user.id {
        "followed_self"
    } else {
        "followed"
    };
    let outcome = match FollowReason::parse(&form.reason) {
        Some(reason) => {
            let request = FollowRequest {
                officer_id: form.officer_id,
                reason,
                note: form.note,
            };
            api::follow_for(&s.state, &auth, id.clone(), request).await
        }
        None => Err(ApiError::invalid_field(
            "reason",
            "unknown_value",
            "choose why",
        )),
    };
    back_to_dispute(s, id, outcome, done, typed).await
}

/// The form ending a following: its box ticked to confirm.
#[derive(Debug, Deserialize)]
pub struct UnfollowForm {
    csrf: String,
    confirm: Option<String>,
}

async fn unfollow(
    s: Session,
    path: web::Path<String>,
    form: web::Form<UnfollowForm>,
) -> Result<HttpResponse, PageError> {
    s.check_form(&form.csrf)?;
    let auth = s.account_as(&[Role::Regulator])?;
    let id = path.into_inner();
    let outcome = if form.confirm.as_deref() == Some("yes") {
        api::unfollow_for(&s.state, &auth, id.clone()).await
    } else {
        Err(ApiError::invalid_field(
            "confirm",
            "unconfirmed",
            "tick to confirm",
        ))
    };
    back_to_dispute(s, id, outcome, "unfollowed", Typed::of("unfollow")).await
}

/// The urge's form.
#[derive(Debug, Deserialize)]
pub struct UrgeForm {
    csrf: String,
    message: String,
}

async fn urge(
    s: Session,
    path: web::Path<String>,
    form: web::Form<UrgeForm>,
) -> Result<HttpResponse, PageError> {
    s.check_form(&form.csrf)?;
    let auth = s.account_as(&[Role::Regulator])?;
    let (id, form) = (path.into_inner(), form.into_inner());
    let typed = Typed::of("urge").with("message", Some(&form.message));
    let outcome = api::urge_for(&s.state, &auth, id.clone(), form.message)
        .await
        .map(|_| ());
    back_to_dispute(s, id, outcome, "urged", typed).await
}

/// The return visit's form.
#[derive(Debug, Deserialize)]
pub struct VisitForm {
    csrf: String,
    visited_on: String,
    channel: String,
    consumer_said: String,
    /// 1–5, or empty when the consumer would not say.
    satisfaction: Option<String>,
}

impl VisitForm {
    /// The request the form makes, or every failing field.
    fn request(self) -> Result<VisitRequest, ApiError> {
        let mut errors = FieldErrors::default();
        let visited_on = self.visited_on.trim().parse().ok();
        if visited_on.is_none() {
            errors.add("visited_on", "invalid_date", "a date such as 2026-12-01");
        }
        let channel = VisitChannel::parse(&self.channel);
        if channel.is_none() {
            errors.add(
                "channel",
                "unknown_value",
                "choose how you reached the consumer",
            );
        }
        let satisfaction = match self.satisfaction.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) => {
                let n = text.parse().ok();
                if n.is_none() {
                    errors.add("satisfaction", "out_of_range", "1 to 5");
                }
                n
            }
        };
        match (visited_on, channel) {
            (Some(visited_on), Some(channel)) if errors.is_empty() => Ok(VisitRequest {
                visited_on,
                channel,
                consumer_said: self.consumer_said,
                satisfaction,
            }),
            _ => Err(ApiError::validation(errors.into_vec())),
        }
    }
}

async fn visit(
    s: Session,
    path: web::Path<String>,
    form: web::Form<VisitForm>,
) -> Result<HttpResponse, PageError> {
    s.check_form(&form.csrf)?;
    let auth = s.account_as(&[Role::Regulator])?;
    let (id, form) = (path.into_inner(), form.into_inner());
    let typed = Typed::of("return_visit")
        .with("visited_on", Some(&form.visited_on))
        .with("channel", Some(&form.channel))
        .with("consumer_said", Some(&form.consumer_said))
        .with("satisfaction", form.satisfaction.as_deref());
    let outcome = match form.request() {
        Ok(request) => api::visit_for(&s.state, &auth, id.clone(), request)
            .await
            .map(|_| ()),
        Err(error) => Err(error),
    };
    back_to_dispute(s, id, outcome, "return_visit", typed).await
}
